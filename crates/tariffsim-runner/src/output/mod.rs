//! The run directory: `draws.csv`, `summary.json`, `manifest.json`, written atomically.
//!
//! Every file is written to `NAME.tmp` and renamed when complete, so an interrupted run (Ctrl-C,
//! kill) leaves no file that looks complete; a run that fails (an error in the draws, the sink
//! or the summary) deletes its temporary files as well. Draw rows stream to `draws.csv`; their values are
//! kept for the summary in memory, column by column, when the whole run fits the memory budget,
//! and otherwise in a binary row-major column store (`draws.bin.tmp`, deleted at the end) that
//! the summary reads back a block of columns at a time, so memory stays bounded for millions of
//! draws.
//!
//! `draws.csv` is wide: one row per draw, columns `draw,status,reason`, then the sampled
//! parameters, then every metric. pandas (`read_csv`) and R (`read.csv`) read it with no
//! arguments; a failed draw has `status = failed`, its reason, and empty metric cells (never
//! `NaN`). Numbers are written in Rust's shortest round-trip form, so reading them back gives
//! the same bits — which is what makes `merge` of shards bit-identical to a single run.
//!
//! By job: the run's types and manifest here; `format` (float text, `draws.csv` rows), `staged`
//! (atomic and staged writes), `run_dir` (claiming a run folder), `writer` ([`DrawWriter`]),
//! `summary` (statistics of columns, `summary.csv`, point estimates), `draws_long`
//! (`draws_long.csv`) and `merge` (shard ranges and the merge of shards).

mod draws_long;
mod format;
mod merge;
mod run_dir;
mod staged;
mod summary;
#[cfg(test)]
mod tests;
mod writer;

pub use format::{fmt_f64, write_f64};
pub use merge::{merge, merge_with, shard_range};
pub use run_dir::{LOCK_FILE, RunDirLock, claim_run_dir};
pub use staged::{Staged, write_atomic};
pub use summary::{points_from_phases, summary_csv};
pub use writer::DrawWriter;

use crate::error::RunnerError;
use crate::stats::Summary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use tariffsim_core::Provenance;

/// Everything that identifies a run's draws; shards of one run share it exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    /// tariffsim version that produced the run.
    pub tariffsim_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Scenario content hash.
    pub scenario_hash: String,
    /// Baseline provenance.
    pub baseline: Provenance,
    /// The sector grouping the baseline was aggregated by before the scenario was read
    /// (`coarse13`, or the codes; `--sectors` or `[baseline] sectors`); absent when the
    /// baseline's own sectors were used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sectors: Option<String>,
    /// Model name.
    pub model: String,
    /// Horizon preset every elasticity was scaled to (`short`, `medium`, `long`; see
    /// `tariffsim_data::priors::horizon_scale`).
    #[serde(default = "long_horizon")]
    pub horizon: String,
    /// Master seed.
    pub seed: u64,
    /// Total draws of the run (all shards).
    pub draws: u64,
    /// Sampler name.
    pub sampler: String,
    /// Random number generator and how it is keyed.
    pub rng: String,
    /// Largest failure share for which the run succeeds.
    pub max_failure_rate: f64,
    /// Recorded parameter names.
    pub params: Vec<String>,
    /// Metric names.
    pub metrics: Vec<String>,
}

/// Runs written before horizon presets existed were at the long-run priors.
fn long_horizon() -> String {
    "long".into()
}

/// A shard's manifest: the run's meta and the draws this directory holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The run.
    pub run: RunMeta,
    /// Shard number, 1-based.
    pub shard: u64,
    /// Number of shards.
    pub shards: u64,
    /// First draw (inclusive).
    pub first: u64,
    /// Last draw (exclusive).
    pub end: u64,
    /// How the draws went (written when the run or merge finishes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// How a finished run's draws went: `manifest.json`'s `outcome`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Outcome {
    /// Draws that solved.
    pub succeeded: u64,
    /// Draws that failed.
    pub failed: u64,
    /// Failure counts by reason.
    pub failures_by_reason: BTreeMap<String, u64>,
    /// The first failures (at most 20): draw index and reason.
    pub first_failures: Vec<(u64, String)>,
}

/// One metric's (or parameter's) statistics in a [`RunSummary`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    /// Metric or parameter name (`name@date` for a phase).
    pub name: String,
    /// The point estimate at central elasticities, where the run has one (`phases.csv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point: Option<f64>,
    /// Statistics over successful draws.
    #[serde(flatten)]
    pub summary: Summary,
}

/// One record of `summary.json` (a JSON array of them: `pandas.read_json` reads it as a table)
/// and one line of `summary.csv`: a parameter or metric in one period, with its unit, the point
/// estimate and the Monte Carlo statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRecord {
    /// Metric or parameter name, without the period.
    pub metric: String,
    /// `metric` or `parameter`.
    pub kind: String,
    /// Unit (the metric catalog's; `1` for parameters).
    pub unit: String,
    /// `period` (the day-weighted figure over the scenario's period) or a phase's first day.
    pub period: String,
    /// Point estimate at central elasticities (`null` where the run has none, e.g. parameters).
    pub point: Option<f64>,
    /// Mean over successful draws.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Monte Carlo standard error of the mean.
    pub mcse: f64,
    /// Successful draws.
    pub count: u64,
    /// Failed draws (excluded from the statistics).
    pub failures: u64,
}

/// A finished run: its identity, how the draws went and every statistic. On disk it is
/// `summary.json` (the [`SummaryRecord`]s) and `manifest.json` (the run and its [`Outcome`]);
/// [`read_summary`] puts it back together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The run.
    pub run: RunMeta,
    /// Draws that solved.
    pub succeeded: u64,
    /// Draws that failed.
    pub failed: u64,
    /// Failure counts by reason.
    pub failures_by_reason: BTreeMap<String, u64>,
    /// The first failures (at most 20): draw index and reason.
    pub first_failures: Vec<(u64, String)>,
    /// Parameters' summaries (over successful draws).
    pub params: Vec<MetricSummary>,
    /// Metrics' summaries (over successful draws).
    pub metrics: Vec<MetricSummary>,
}

impl RunSummary {
    /// The run's [`Outcome`].
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        Outcome {
            succeeded: self.succeeded,
            failed: self.failed,
            failures_by_reason: self.failures_by_reason.clone(),
            first_failures: self.first_failures.clone(),
        }
    }

    /// The records of `summary.json` and `summary.csv`: parameters, then metrics, in run order.
    #[must_use]
    pub fn records(&self) -> Vec<SummaryRecord> {
        let mut out = Vec::with_capacity(self.params.len() + self.metrics.len());
        for (kind, list) in [("parameter", &self.params), ("metric", &self.metrics)] {
            for m in list {
                let (metric, period) = m
                    .name
                    .split_once('@')
                    .unwrap_or((m.name.as_str(), "period"));
                let unit = if kind == "parameter" {
                    "1"
                } else {
                    crate::backtest::unit_of(metric)
                };
                let s = &m.summary;
                out.push(SummaryRecord {
                    metric: metric.to_string(),
                    kind: kind.to_string(),
                    unit: unit.to_string(),
                    period: period.to_string(),
                    point: m.point,
                    mean: s.mean,
                    sd: s.sd,
                    p5: s.p5,
                    p25: s.p25,
                    p50: s.p50,
                    p75: s.p75,
                    p95: s.p95,
                    mcse: s.mcse,
                    count: s.count,
                    failures: self.failed,
                });
            }
        }
        out
    }

    /// Puts a summary back together from a manifest (run and outcome) and the records of
    /// `summary.json`.
    #[must_use]
    pub fn from_parts(manifest: &Manifest, records: &[SummaryRecord]) -> Self {
        let outcome = manifest.outcome.clone().unwrap_or_default();
        let (mut params, mut metrics) = (Vec::new(), Vec::new());
        for r in records {
            let name = if r.period == "period" {
                r.metric.clone()
            } else {
                format!("{}@{}", r.metric, r.period)
            };
            let m = MetricSummary {
                name,
                point: r.point,
                summary: Summary {
                    count: r.count,
                    mean: r.mean,
                    sd: r.sd,
                    mcse: r.mcse,
                    p5: r.p5,
                    p25: r.p25,
                    p50: r.p50,
                    p75: r.p75,
                    p95: r.p95,
                },
            };
            if r.kind == "parameter" {
                params.push(m);
            } else {
                metrics.push(m);
            }
        }
        Self {
            run: manifest.run.clone(),
            succeeded: outcome.succeeded,
            failed: outcome.failed,
            failures_by_reason: outcome.failures_by_reason,
            first_failures: outcome.first_failures,
            params,
            metrics,
        }
    }
}

/// Reads a finished run folder's summary (`manifest.json` and `summary.json`).
///
/// # Errors
/// A missing or unreadable file ([`RunnerError::Io`]) or one that is not a tariffsim run's
/// ([`RunnerError::Format`]).
pub fn read_summary(dir: &Path) -> Result<RunSummary, RunnerError> {
    let manifest = read_manifest(dir)?;
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(|e| RunnerError::io(&path, e))?;
    let records: Vec<SummaryRecord> =
        serde_json::from_str(&text).map_err(|e| RunnerError::Format {
            path,
            detail: format!("not a tariffsim run summary: {e}"),
        })?;
    Ok(RunSummary::from_parts(&manifest, &records))
}

fn read_manifest(dir: &Path) -> Result<Manifest, RunnerError> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| RunnerError::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| RunnerError::Format {
        path,
        detail: format!("not a tariffsim manifest: {e}"),
    })
}
