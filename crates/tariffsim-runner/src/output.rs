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

use crate::engine::Chunk;
use crate::error::RunnerError;
use crate::stats::{Summary, summarize};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
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

/// The point estimates of `metrics` (names as in a run: `name` for the period, `name@date` for a
/// phase) from the text of `phases.csv` (`phase,start,end,days,metric,value`); `None` for a name
/// the file does not hold.
#[must_use]
pub fn points_from_phases(phases_csv: &str, metrics: &[String]) -> Vec<Option<f64>> {
    let mut by_name = std::collections::HashMap::new();
    for line in phases_csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let [phase, start, _, _, metric, value] = f[..] else {
            continue;
        };
        let Ok(v) = value.parse::<f64>() else {
            continue;
        };
        let key = if phase == "period" {
            metric.to_string()
        } else {
            format!("{metric}@{start}")
        };
        by_name.insert(key, v);
    }
    metrics.iter().map(|m| by_name.get(m).copied()).collect()
}

/// The draws of shard `k` (1-based) of `n` over `draws` total: a contiguous range.
pub fn shard_range(draws: u64, k: u64, n: u64) -> Result<(u64, u64), RunnerError> {
    if n == 0 || k == 0 || k > n {
        return Err(RunnerError::Setting(format!(
            "shard `{k}/{n}`: expected K/N with 1 <= K <= N"
        )));
    }
    let at = |i: u64| ((u128::from(draws) * u128::from(i)) / u128::from(n)) as u64;
    Ok((at(k - 1), at(k)))
}

/// Formats a float in shortest round-trip form (plain decimal in a readable range, else
/// scientific).
#[must_use]
pub fn fmt_f64(x: f64) -> String {
    let mut s = Vec::new();
    write_f64(&mut s, x);
    String::from_utf8(s).unwrap_or_default()
}

/// Appends [`fmt_f64`]'s text to `buf` without allocating a `String` per value.
///
/// The text is std's: `{x}` (plain decimal) for `x = 0` and `1e-5 <= |x| < 1e16`, `{x:e}`
/// otherwise, shortest digits that round-trip. Finite non-zero values are formatted with Ryū
/// (`ryu` crate, several times faster than `core::fmt`; a Monte Carlo writes hundreds of values
/// per draw), whose output in exactly that range is plain decimal and elsewhere `d.ddde±x`, with
/// the same shortest, closest digits; a trailing `.0` on integers in plain form (`12.0` for std's
/// `12`) is dropped. Where two shortest digit strings are exactly equally close, Ryū rounds the
/// last digit to even and std up (`…22.2` vs `…22.3`, about 0.15% of random 17-digit values):
/// both read back as the same double. A unit test compares the two on a million values.
pub fn write_f64(buf: &mut Vec<u8>, x: f64) {
    if x == 0.0 {
        // std's text for the zeros (common: every change in a phase without a shock).
        buf.extend_from_slice(if x.is_sign_negative() { b"-0" } else { b"0" });
        return;
    }
    if !x.is_finite() {
        write_f64_std(buf, x);
        return;
    }
    let mut ryu = ryu::Buffer::new();
    let text = ryu.format_finite(x).as_bytes();
    buf.extend_from_slice(text.strip_suffix(b".0").unwrap_or(text));
}

/// [`write_f64`] through `core::fmt` (the reference the fast path is tested against).
fn write_f64_std(buf: &mut Vec<u8>, x: f64) {
    use std::io::Write as _;
    let a = x.abs();
    // Writing to a Vec<u8> cannot fail.
    let _ = if x == 0.0 || (1e-5..1e16).contains(&a) {
        write!(buf, "{x}")
    } else {
        write!(buf, "{x:e}")
    };
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Output files written under temporary names and renamed into place together by
/// [`Staged::commit`]: a run that fails anywhere before the commit (a disk full, too many failed
/// draws) leaves no final-named file; dropping an uncommitted set deletes its temporaries.
#[derive(Debug, Default)]
pub struct Staged {
    /// `(temporary, final)` paths, in commit order.
    files: Vec<(PathBuf, PathBuf)>,
    committed: bool,
}

/// Fault injection for the tests of debug builds: `TARIFFSIM_FAIL_OUTPUT=NAME` makes writing and
/// renaming the output file `NAME` fail as a full disk would. Compiled out of release builds.
fn injected_fault(path: &Path) -> Option<std::io::Error> {
    if cfg!(debug_assertions) {
        let name = std::env::var("TARIFFSIM_FAIL_OUTPUT").ok()?;
        let file = path.file_name()?.to_string_lossy();
        let file = file.strip_suffix(".tmp").unwrap_or(&file);
        if file == name {
            return Some(std::io::Error::other(format!(
                "injected fault (TARIFFSIM_FAIL_OUTPUT={name}): no space left on device"
            )));
        }
    }
    None
}

impl Staged {
    /// Writes `bytes` to `path`'s temporary name.
    pub fn write(&mut self, path: &Path, bytes: &[u8]) -> Result<(), RunnerError> {
        let tmp = tmp_path(path);
        if let Some(e) = injected_fault(path) {
            return Err(RunnerError::io(&tmp, e));
        }
        std::fs::write(&tmp, bytes).map_err(|e| RunnerError::io(&tmp, e))?;
        self.files.push((tmp, path.to_path_buf()));
        Ok(())
    }

    /// Adds a temporary file written elsewhere (`tmp` becomes `path` at the commit).
    pub fn adopt(&mut self, tmp: PathBuf, path: PathBuf) {
        self.files.push((tmp, path));
    }

    /// Renames every file into place, in the order staged; on a failure removes the files it
    /// already renamed (and the temporaries left) before returning the error.
    pub fn commit(mut self) -> Result<(), RunnerError> {
        let files = std::mem::take(&mut self.files);
        for (k, (tmp, path)) in files.iter().enumerate() {
            let renamed = match injected_fault(path) {
                Some(e) => Err(e),
                None => std::fs::rename(tmp, path),
            };
            if let Err(e) = renamed {
                for (_, done) in &files[..k] {
                    let _ = std::fs::remove_file(done);
                }
                for (left, _) in &files[k..] {
                    let _ = std::fs::remove_file(left);
                }
                self.committed = true;
                return Err(RunnerError::io(path, e));
            }
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            for (tmp, _) in &self.files {
                let _ = std::fs::remove_file(tmp);
            }
        }
    }
}

/// Writes `bytes` to `path` atomically (temp file, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunnerError> {
    let tmp = tmp_path(path);
    std::fs::write(&tmp, bytes).map_err(|e| RunnerError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| RunnerError::io(path, e))
}

fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).unwrap_or_default();
    v.push(b'\n');
    v
}

/// One `draws.csv` line (with its `\n`) into `line`: `draw,status,reason`, then the values —
/// for a failed draw its parameters and empty metric cells. Written directly rather than field
/// by field through the `csv` crate (hundreds of numeric fields per row, none of which needs
/// quoting); the reason is quoted exactly when the `csv` crate would quote it (it contains a
/// comma, a quote or a line break; quotes doubled). A proptest compares whole rows with the
/// `csv` crate's.
fn row_line(line: &mut Vec<u8>, draw: u64, row: &[f64], n_params: usize, reason: Option<&str>) {
    use std::io::Write as _;
    line.clear();
    // Writing to a Vec<u8> cannot fail.
    let _ = write!(line, "{draw}");
    let values = match reason {
        None => {
            line.extend_from_slice(b",ok,");
            row
        }
        Some(r) => {
            line.extend_from_slice(b",failed,");
            if r.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
                line.push(b'"');
                for b in r.bytes() {
                    if b == b'"' {
                        line.push(b'"');
                    }
                    line.push(b);
                }
                line.push(b'"');
            } else {
                line.extend_from_slice(r.as_bytes());
            }
            &row[..n_params]
        }
    };
    for &x in values {
        line.push(b',');
        write_f64(line, x);
    }
    for _ in values.len()..row.len() {
        line.push(b',');
    }
    line.push(b'\n');
}

/// Streams draws into a run directory and finishes it with a summary.
pub struct DrawWriter {
    dir: PathBuf,
    manifest: Manifest,
    /// `draws.csv.tmp`: the header through the `csv` crate, the rows as built by [`row_line`].
    csv: BufWriter<File>,
    /// Where the values are kept for the summary.
    values: Values,
    /// Memory for the summary (see [`Self::create`]).
    memory_budget_bytes: usize,
    width: usize,
    ok: Vec<bool>,
    next_draw: u64,
    failures_by_reason: BTreeMap<String, u64>,
    first_failures: Vec<(u64, String)>,
    /// The CSV line being written (reused: no allocation per row once grown).
    line: Vec<u8>,
    /// [`Self::finish`] renamed `draws.csv` into place: nothing to clean up on drop.
    finished: bool,
    /// Point estimates of the metrics (empty: none).
    point: Vec<Option<f64>>,
    /// Also write `draws_long.csv`.
    long_draws: bool,
}

/// A writer dropped before [`DrawWriter::finish`] completed (the draws or the sink failed, or
/// finishing failed) deletes its temporary files, so a failed run leaves no partial output
/// behind; only a killed process can leave a `.tmp` file (never mistaken for output).
impl Drop for DrawWriter {
    fn drop(&mut self) {
        if !self.finished {
            for name in ["draws.csv.tmp", "draws.bin.tmp"] {
                let _ = std::fs::remove_file(self.dir.join(name));
            }
        }
    }
}

/// Where a [`DrawWriter`] keeps the draws' values for the summary.
enum Values {
    /// Every row, row-major, in `draws.bin.tmp` (read back a block of columns at a time).
    Store(BufWriter<File>),
    /// The successful draws' values by column, when the whole run fits the memory budget
    /// ([`DrawWriter::create`]).
    Memory(Vec<Vec<f64>>),
}

/// Summaries of whole columns. Columns are independent and each summary is sequential within
/// its column, so the parallel map gives the same summaries whatever the thread count (in the
/// caller's rayon pool: `mc::run` installs one of `--threads` workers).
fn summarize_columns(columns: &mut [Vec<f64>]) -> Vec<Summary> {
    columns.par_iter_mut().map(|col| summarize(col)).collect()
}

/// Name of the lock file a run holds in its folder while it writes.
pub const LOCK_FILE: &str = ".tariffsim.lock";

/// A run folder claimed by one run: the lock file is removed when this is dropped.
#[derive(Debug)]
pub struct RunDirLock {
    path: PathBuf,
}

impl Drop for RunDirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Claims `dir` for one run: creates it, takes its lock file exclusively (a second run into the
/// same folder is refused while the first holds it), and refuses a folder that already holds
/// files — another run's outputs would mix with this one's — unless `force`, which deletes its
/// files first (and takes over a lock left by a killed run); a folder with subfolders is never
/// cleared. A path that exists and is not a folder is refused. A folder that holds a finished run
/// of the same scenario (its `manifest.json` names `scenario`; no lock) is the same run done
/// again: it is cleared without `force`.
pub fn claim_run_dir(dir: &Path, force: bool, scenario: &str) -> Result<RunDirLock, RunnerError> {
    if dir.exists() && !dir.is_dir() {
        return Err(RunnerError::Setting(format!(
            "`{}` is not a directory: the output (`--out`) must be a directory",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| RunnerError::io(dir, e))?;
    let lock_path = dir.join(LOCK_FILE);
    let open = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock_path)
    };
    match open() {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && force => {
            std::fs::remove_file(&lock_path).map_err(|e| RunnerError::io(&lock_path, e))?;
            open().map_err(|e| RunnerError::io(&lock_path, e))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(RunnerError::Setting(format!(
                "run folder `{}` is in use by another run (`{LOCK_FILE}` present)\nhint: choose another `--out`; if no run is using it (a killed run left the lock), pass `--force`",
                dir.display()
            )));
        }
        Err(e) => return Err(RunnerError::io(&lock_path, e)),
    }
    let lock = RunDirLock { path: lock_path };
    let others: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| RunnerError::io(dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_none_or(|n| n != LOCK_FILE))
        .collect();
    // A finished run of the same scenario: rerunning it into its own folder replaces it.
    let same_run = || -> bool {
        std::fs::read_to_string(dir.join("manifest.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Manifest>(&t).ok())
            .is_some_and(|m| m.run.scenario == scenario)
    };
    if !others.is_empty() {
        if !force && !same_run() {
            let example = others
                .iter()
                .filter_map(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .min()
                .unwrap_or_default();
            return Err(RunnerError::Setting(format!(
                "run folder `{}` is not empty ({} entries, e.g. `{example}`) and does not hold a finished run of `{scenario}`: a run's outputs would mix with what is there\nhint: choose another `--out`, or pass `--force` to clear it first",
                dir.display(),
                others.len()
            )));
        }
        // A run folder holds files only: a folder with subfolders is not one (`--out .` or a
        // home directory), and `--force` never deletes a tree.
        if let Some(sub) = others.iter().find(|p| p.is_dir()) {
            return Err(RunnerError::Setting(format!(
                "`{}` holds the folder `{}`: it is not a run folder, and `--force` only clears files\nhint: choose another `--out`",
                dir.display(),
                sub.display()
            )));
        }
        for p in others {
            std::fs::remove_file(&p).map_err(|e| RunnerError::io(&p, e))?;
        }
    }
    Ok(lock)
}

impl DrawWriter {
    /// Opens `dir` (created if needed) for the draws `manifest.first..manifest.end`, with
    /// `memory_budget_bytes` for the summary: when every draw's values fit in it they are kept in
    /// memory, column by column (the summary then needs no pass over a column store, which is read
    /// back and transposed after the draws, on the critical path of a run); otherwise they go to
    /// the column store `draws.bin.tmp`, read back that much at a time. Same values in the same
    /// order either way, so the same summary (tested).
    pub fn create(
        dir: &Path,
        manifest: Manifest,
        memory_budget_bytes: usize,
    ) -> Result<Self, RunnerError> {
        std::fs::create_dir_all(dir).map_err(|e| RunnerError::io(dir, e))?;
        let csv_tmp = tmp_path(&dir.join("draws.csv"));
        let file = File::create(&csv_tmp).map_err(|e| RunnerError::io(&csv_tmp, e))?;
        let mut csv = BufWriter::new(file);
        let mut header: Vec<String> = vec!["draw".into(), "status".into(), "reason".into()];
        header.extend(manifest.run.params.iter().cloned());
        header.extend(manifest.run.metrics.iter().cloned());
        let mut header_csv = csv::WriterBuilder::new().from_writer(Vec::new());
        let format_error = |e: &dyn std::fmt::Display| RunnerError::Format {
            path: csv_tmp.clone(),
            detail: e.to_string(),
        };
        header_csv
            .write_record(&header)
            .map_err(|e| format_error(&e))?;
        let header_bytes = header_csv.into_inner().map_err(|e| format_error(&e))?;
        csv.write_all(&header_bytes)
            .map_err(|e| RunnerError::io(&csv_tmp, e))?;
        let width = manifest.run.params.len() + manifest.run.metrics.len();
        let span = manifest.end.saturating_sub(manifest.first);
        let rows = usize::try_from(span).unwrap_or(usize::MAX);
        let fits = rows
            .checked_mul(width)
            .and_then(|v| v.checked_mul(8))
            .is_some_and(|bytes| bytes <= memory_budget_bytes);
        let values = if fits {
            Values::Memory((0..width).map(|_| Vec::with_capacity(rows)).collect())
        } else {
            let store_path = dir.join("draws.bin.tmp");
            let store = File::create(&store_path).map_err(|e| RunnerError::io(&store_path, e))?;
            Values::Store(BufWriter::new(store))
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            next_draw: manifest.first,
            manifest,
            csv,
            values,
            memory_budget_bytes,
            width,
            ok: Vec::new(),
            failures_by_reason: BTreeMap::new(),
            first_failures: Vec::new(),
            line: Vec::new(),
            finished: false,
            point: Vec::new(),
            long_draws: false,
        })
    }

    /// The text of one row as this writer writes it, for [`crate::engine::Plan::text`]: the
    /// workers form the lines in parallel and the sink only writes them.
    pub fn row_text(&self) -> impl Fn(u64, &[f64], Option<&str>, &mut Vec<u8>) + Sync + use<> {
        let n_params = self.manifest.run.params.len();
        move |draw, row, reason, text| row_line(text, draw, row, n_params, reason)
    }

    /// Appends one draw (in draw order). `reason` is `Some` for a failed draw.
    pub fn push(
        &mut self,
        draw: u64,
        row: &[f64],
        reason: Option<&str>,
    ) -> Result<(), RunnerError> {
        self.push_with_text(draw, row, reason, None)
    }

    /// [`Self::push`] with the row's line already formed by [`Self::row_text`], if given.
    fn push_with_text(
        &mut self,
        draw: u64,
        row: &[f64],
        reason: Option<&str>,
        text: Option<&[u8]>,
    ) -> Result<(), RunnerError> {
        if draw != self.next_draw || row.len() != self.width {
            return Err(RunnerError::Setting(format!(
                "internal: draw {draw} out of order (expected {}) or row width {} != {}",
                self.next_draw,
                row.len(),
                self.width
            )));
        }
        self.next_draw += 1;
        let n_params = self.manifest.run.params.len();
        let line = match text {
            Some(text) => text,
            None => {
                row_line(&mut self.line, draw, row, n_params, reason);
                &self.line
            }
        };
        self.csv
            .write_all(line)
            .map_err(|e| RunnerError::io(self.dir.join("draws.csv.tmp"), e))?;
        if let Some(r) = reason {
            *self.failures_by_reason.entry(r.to_string()).or_insert(0) += 1;
            if self.first_failures.len() < 20 {
                self.first_failures.push((draw, r.to_string()));
            }
        }
        self.ok.push(reason.is_none());
        match &mut self.values {
            Values::Memory(columns) => {
                if reason.is_none() {
                    for (column, &x) in columns.iter_mut().zip(row) {
                        column.push(x);
                    }
                }
            }
            Values::Store(store) => {
                for &x in row {
                    store
                        .write_all(&x.to_le_bytes())
                        .map_err(|e| RunnerError::io(self.dir.join("draws.bin.tmp"), e))?;
                }
            }
        }
        Ok(())
    }

    /// Appends a chunk from the engine.
    pub fn push_chunk(&mut self, chunk: &Chunk<'_>) -> Result<(), RunnerError> {
        for i in 0..chunk.len() {
            self.push_with_text(
                chunk.first + i as u64,
                chunk.row(i),
                chunk.status[i].as_deref(),
                chunk.text.map(|t| t[i].as_slice()),
            )?;
        }
        Ok(())
    }

    /// Number of failed draws so far.
    #[must_use]
    pub fn failed(&self) -> u64 {
        self.ok.iter().filter(|ok| !**ok).count() as u64
    }

    /// Summaries of every column of the column store at `store_path` (successful draws only),
    /// reading it a block of columns at a time so that a block of `n_ok` values per column fits
    /// `memory_budget_bytes`.
    fn summarize_store(
        &self,
        store_path: &Path,
        memory_budget_bytes: usize,
        n_ok: usize,
    ) -> Result<Vec<Summary>, RunnerError> {
        let block = (memory_budget_bytes / (8 * n_ok.max(1))).clamp(1, self.width.max(1));
        let mut summaries = Vec::with_capacity(self.width);
        let mut columns: Vec<Vec<f64>> = Vec::new();
        let mut row = vec![0u8; 8 * self.width];
        let mut c0 = 0;
        while c0 < self.width {
            let c1 = (c0 + block).min(self.width);
            columns.clear();
            columns.resize_with(c1 - c0, || Vec::with_capacity(n_ok));
            let file = File::open(store_path).map_err(|e| RunnerError::io(store_path, e))?;
            let mut reader = BufReader::with_capacity(1 << 20, file);
            for &ok in &self.ok {
                reader
                    .read_exact(&mut row)
                    .map_err(|e| RunnerError::io(store_path, e))?;
                if !ok {
                    continue;
                }
                for (c, col) in (c0..c1).zip(columns.iter_mut()) {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&row[8 * c..8 * c + 8]);
                    col.push(f64::from_le_bytes(b));
                }
            }
            summaries.extend(summarize_columns(&mut columns));
            c0 = c1;
        }
        Ok(summaries)
    }

    /// Sets the point estimates of the metrics (aligned with the manifest's metric names, e.g.
    /// from [`points_from_phases`]): written beside the statistics in the summary files.
    pub fn set_point(&mut self, point: Vec<Option<f64>>) {
        self.point = point;
    }

    /// Also writes `draws_long.csv` (`draw,metric,period,value`, one line per value of every
    /// successful draw, the same text as `draws.csv`) when the run finishes.
    pub fn set_long_draws(&mut self, long: bool) {
        self.long_draws = long;
    }

    /// Flushes, summarises and renames every file into place. Returns the summary.
    pub fn finish(self) -> Result<RunSummary, RunnerError> {
        let mut staged = Staged::default();
        let summary = self.finish_staged(&mut staged)?;
        staged.commit()?;
        Ok(summary)
    }

    /// Flushes and summarises; `draws.csv`, `summary.json`, `summary.csv` and `manifest.json`
    /// are left under temporary names in `staged` (manifest last: a folder with a
    /// `manifest.json` is complete), for the caller to commit with its other files.
    pub fn finish_staged(mut self, staged: &mut Staged) -> Result<RunSummary, RunnerError> {
        if self.next_draw != self.manifest.end {
            return Err(RunnerError::Setting(format!(
                "internal: run ended at draw {} instead of {}",
                self.next_draw, self.manifest.end
            )));
        }
        let csv_tmp = self.dir.join("draws.csv.tmp");
        self.csv.flush().map_err(|e| RunnerError::io(&csv_tmp, e))?;
        let store_path = self.dir.join("draws.bin.tmp");
        let n_rows = self.ok.len();
        let n_ok = self.ok.iter().filter(|x| **x).count();
        let summaries = match std::mem::replace(&mut self.values, Values::Memory(Vec::new())) {
            Values::Memory(mut columns) => summarize_columns(&mut columns),
            Values::Store(mut store) => {
                store.flush().map_err(|e| RunnerError::io(&store_path, e))?;
                drop(store);
                let summaries =
                    self.summarize_store(&store_path, self.memory_budget_bytes, n_ok)?;
                std::fs::remove_file(&store_path).map_err(|e| RunnerError::io(&store_path, e))?;
                summaries
            }
        };
        let n_params = self.manifest.run.params.len();
        let point = &self.point;
        let named = |names: &[String], stats: &[Summary], with_point: bool| {
            names
                .iter()
                .zip(stats)
                .enumerate()
                .map(|(k, (name, s))| MetricSummary {
                    name: name.clone(),
                    point: if with_point {
                        point.get(k).copied().flatten()
                    } else {
                        None
                    },
                    summary: *s,
                })
                .collect::<Vec<_>>()
        };
        let summary = RunSummary {
            run: self.manifest.run.clone(),
            succeeded: n_ok as u64,
            failed: (n_rows - n_ok) as u64,
            failures_by_reason: std::mem::take(&mut self.failures_by_reason),
            first_failures: std::mem::take(&mut self.first_failures),
            params: named(
                &self.manifest.run.params,
                &summaries[..n_params.min(summaries.len())],
                false,
            ),
            metrics: named(
                &self.manifest.run.metrics,
                summaries.get(n_params..).unwrap_or_default(),
                true,
            ),
        };
        self.manifest.outcome = Some(summary.outcome());
        if self.long_draws {
            let long_tmp = self.dir.join("draws_long.csv.tmp");
            staged.adopt(long_tmp.clone(), self.dir.join("draws_long.csv"));
            write_draws_long(&csv_tmp, &long_tmp)?;
        }
        staged.adopt(csv_tmp, self.dir.join("draws.csv"));
        // From here the staged set owns the draws' temporary file.
        self.finished = true;
        staged.write(
            &self.dir.join("summary.json"),
            &json_bytes(&summary.records()),
        )?;
        staged.write(&self.dir.join("summary.csv"), &summary_csv(&summary))?;
        staged.write(&self.dir.join("manifest.json"), &json_bytes(&self.manifest))?;
        Ok(summary)
    }
}

/// `summary.csv`: the summary in tidy long form, one line per parameter or metric and period —
/// `metric,kind,unit,period,point,mean,sd,p5,p25,p50,p75,p95,mcse,count,failures` — for R and
/// spreadsheet users; the same [`SummaryRecord`]s as `summary.json`. `period` is `period` for
/// the day-weighted figure or the first day of a phase; `point` is empty where the run has none.
#[must_use]
pub fn summary_csv(summary: &RunSummary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "metric", "kind", "unit", "period", "point", "mean", "sd", "p5", "p25", "p50", "p75",
        "p95", "mcse", "count", "failures",
    ]);
    for r in summary.records() {
        let mut row = vec![r.metric, r.kind, r.unit, r.period];
        row.push(r.point.map(fmt_f64).unwrap_or_default());
        row.extend(
            [r.mean, r.sd, r.p5, r.p25, r.p50, r.p75, r.p95, r.mcse]
                .iter()
                .map(|&v| fmt_f64(v)),
        );
        row.push(r.count.to_string());
        row.push(r.failures.to_string());
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

/// `draws_long.csv` from `draws.csv` at `wide`: one line per successful draw, parameter or
/// metric and period — `draw,metric,period,value` — the shape R's tidyverse (`read_csv`,
/// `ggplot`) and `pandas.pivot_table` want. Values are `draws.csv`'s text (the same bits); failed
/// draws are left out (their reasons stay in `draws.csv`). Plain CSV and not Parquet: it needs no
/// dependency, every tool reads it, and its size (a few dozen bytes per value) is fine at the
/// thousands of draws a scenario runs; `draws.csv` stays the compact wide file.
fn write_draws_long(wide: &Path, long: &Path) -> Result<(), RunnerError> {
    let input = File::open(wide).map_err(|e| RunnerError::io(wide, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(BufReader::new(input));
    let header: Vec<(String, String)> = reader
        .headers()
        .map_err(|e| RunnerError::Format {
            path: wide.to_path_buf(),
            detail: e.to_string(),
        })?
        .iter()
        .map(|h| {
            let (m, p) = h.split_once('@').unwrap_or((h, "period"));
            (m.to_string(), p.to_string())
        })
        .collect();
    let file = File::create(long).map_err(|e| RunnerError::io(long, e))?;
    let mut out = BufWriter::new(file);
    let io = |e| RunnerError::io(long, e);
    out.write_all(b"draw,metric,period,value\n").map_err(io)?;
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader
            .read_record(&mut record)
            .map_err(|e| RunnerError::Format {
                path: wide.to_path_buf(),
                detail: e.to_string(),
            })?;
        if !more {
            break;
        }
        if record.get(1) != Some("ok") {
            continue;
        }
        let draw = record.get(0).unwrap_or_default();
        for ((metric, period), value) in header.iter().zip(record.iter()).skip(3) {
            writeln!(out, "{draw},{metric},{period},{value}").map_err(io)?;
        }
    }
    out.flush().map_err(io)
}

fn read_manifest(dir: &Path) -> Result<Manifest, RunnerError> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| RunnerError::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| RunnerError::Format {
        path,
        detail: format!("not a tariffsim manifest: {e}"),
    })
}

/// Merges shard directories into `out`: checks that the manifests agree and that every draw
/// appears exactly once, then writes the outputs a single run would — bit-identical.
/// Files other than `draws.csv`, `summary.json` and `manifest.json` (e.g. `phases.csv`) are
/// copied from the first shard after checking that every shard has identical copies.
pub fn merge(
    shards: &[PathBuf],
    out: &Path,
    memory_budget_bytes: usize,
) -> Result<RunSummary, RunnerError> {
    merge_with(shards, out, memory_budget_bytes, false)
}

/// [`merge`], also writing `draws_long.csv` when `long_draws` is set.
pub fn merge_with(
    shards: &[PathBuf],
    out: &Path,
    memory_budget_bytes: usize,
    long_draws: bool,
) -> Result<RunSummary, RunnerError> {
    if shards.is_empty() {
        return Err(RunnerError::Merge("no shard directories given".into()));
    }
    let mut manifests = Vec::new();
    for dir in shards {
        manifests.push((read_manifest(dir)?, dir.clone()));
    }
    let run = manifests[0].0.run.clone();
    for (m, dir) in &manifests {
        if m.run != run {
            let what = if m.run.scenario_hash != run.scenario_hash {
                "scenario hash"
            } else if m.run.seed != run.seed {
                "seed"
            } else if m.run.draws != run.draws {
                "total draws"
            } else if m.run.sampler != run.sampler {
                "sampler"
            } else if m.run.tariffsim_version != run.tariffsim_version {
                "tariffsim version"
            } else {
                "run settings"
            };
            return Err(RunnerError::Merge(format!(
                "`{}` has a different {what} from `{}`",
                dir.display(),
                manifests[0].1.display()
            )));
        }
    }
    manifests.sort_by_key(|(m, _)| (m.first, m.end));
    let mut expected = 0;
    for (m, dir) in &manifests {
        if m.first < expected {
            return Err(RunnerError::Merge(format!(
                "`{}` repeats draws {}..{} (overlapping shards)",
                dir.display(),
                m.first,
                expected.min(m.end)
            )));
        }
        if m.first > expected {
            return Err(RunnerError::Merge(format!(
                "draws {expected}..{} are in no shard (missing shard before `{}`)",
                m.first,
                dir.display()
            )));
        }
        expected = m.end;
    }
    if expected != run.draws {
        return Err(RunnerError::Merge(format!(
            "draws {expected}..{} are in no shard (missing shard)",
            run.draws
        )));
    }
    let manifest = Manifest {
        run: run.clone(),
        shard: 1,
        shards: 1,
        first: 0,
        end: run.draws,
        outcome: None,
    };
    // Everything is checked before anything is written: the files the shards share, then every
    // shard's draws (header names and order, draw indices, statuses, finite values).
    let first_dir = &manifests[0].1;
    let entries = std::fs::read_dir(first_dir).map_err(|e| RunnerError::io(first_dir, e))?;
    let mut extras = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ignore = [
            "draws.csv",
            "summary.json",
            "summary.csv",
            "manifest.json",
            LOCK_FILE,
        ]
        .contains(&name.as_str())
            || name.ends_with(".tmp")
            || !entry.path().is_file();
        if !ignore {
            extras.push(name);
        }
    }
    extras.sort();
    let mut extra_bytes = Vec::new();
    for name in extras {
        let bytes = std::fs::read(first_dir.join(&name))
            .map_err(|e| RunnerError::io(first_dir.join(&name), e))?;
        for (_, dir) in &manifests[1..] {
            let other =
                std::fs::read(dir.join(&name)).map_err(|e| RunnerError::io(dir.join(&name), e))?;
            if other != bytes {
                return Err(RunnerError::Merge(format!(
                    "`{name}` differs between `{}` and `{}`",
                    first_dir.display(),
                    dir.display()
                )));
            }
        }
        extra_bytes.push((name, bytes));
    }
    let width = run.params.len() + run.metrics.len();
    let mut header: Vec<String> = vec!["draw".into(), "status".into(), "reason".into()];
    header.extend(run.params.iter().cloned());
    header.extend(run.metrics.iter().cloned());
    for (m, dir) in &manifests {
        read_shard_rows(&dir.join("draws.csv"), m, &header, width, |_, _, _| Ok(()))?;
    }
    let _lock = claim_run_dir(out, false, &manifest.run.scenario)?;
    let mut writer = DrawWriter::create(out, manifest, memory_budget_bytes)?;
    writer.set_long_draws(long_draws);
    for (m, dir) in &manifests {
        read_shard_rows(
            &dir.join("draws.csv"),
            m,
            &header,
            width,
            |draw, row, reason| writer.push(draw, row, reason),
        )?;
    }
    if let Some((_, phases)) = extra_bytes.iter().find(|(n, _)| n == "phases.csv") {
        writer.set_point(points_from_phases(
            &String::from_utf8_lossy(phases),
            &run.metrics,
        ));
    }
    let mut staged = Staged::default();
    for (name, bytes) in extra_bytes {
        staged.write(&out.join(&name), &bytes)?;
    }
    let summary = writer.finish_staged(&mut staged)?;
    staged.commit()?;
    Ok(summary)
}

/// Reads a shard's `draws.csv`, checking its header against `header` (names and order), the
/// draw indices against its manifest, statuses, and that every value of a successful draw is a
/// finite number; hands each row to `f`.
fn read_shard_rows(
    path: &Path,
    m: &Manifest,
    header: &[String],
    width: usize,
    mut f: impl FnMut(u64, &[f64], Option<&str>) -> Result<(), RunnerError>,
) -> Result<(), RunnerError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| RunnerError::Format {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    let found = reader.headers().map_err(|e| RunnerError::Format {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    if found.len() != header.len() || found.iter().zip(header).any(|(a, b)| a != b) {
        let at = found
            .iter()
            .zip(header)
            .position(|(a, b)| a != b)
            .unwrap_or(found.len().min(header.len()));
        return Err(RunnerError::Merge(format!(
            "`{}`: its columns differ from the manifest's from column {} on (`{}` where `{}` was expected)",
            path.display(),
            at + 1,
            found.get(at).unwrap_or(""),
            header.get(at).map_or("", String::as_str)
        )));
    }
    let mut row = vec![0.0; width];
    let mut next = m.first;
    for (line, record) in reader.records().enumerate() {
        let bad = |detail: String| RunnerError::Format {
            path: path.to_path_buf(),
            detail: format!("line {}: {detail}", line + 2),
        };
        let record = record.map_err(|e| bad(e.to_string()))?;
        if record.len() != 3 + width {
            return Err(bad(format!(
                "{} fields, expected {}",
                record.len(),
                3 + width
            )));
        }
        let draw: u64 = record[0]
            .parse()
            .map_err(|_| bad("bad draw index".into()))?;
        if draw != next || draw >= m.end {
            return Err(bad(format!("draw {draw} where {next} was expected")));
        }
        let failed = match &record[1] {
            "ok" => false,
            "failed" => true,
            other => return Err(bad(format!("status `{other}`"))),
        };
        for (c, v) in row.iter_mut().enumerate() {
            let field = &record[3 + c];
            *v = if failed && field.is_empty() {
                0.0
            } else {
                let x: f64 = field
                    .parse()
                    .map_err(|_| bad(format!("`{field}` is not a number")))?;
                if !x.is_finite() {
                    return Err(bad(format!(
                        "`{field}` in column `{}` is not a finite number",
                        header[3 + c]
                    )));
                }
                x
            };
        }
        f(draw, &row, failed.then_some(&record[2]))?;
        next += 1;
    }
    if next != m.end {
        return Err(RunnerError::Merge(format!(
            "`{}` holds draws {}..{next} but its manifest says {}..{}",
            path.display(),
            m.first,
            m.first,
            m.end
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Ryū path writes std's text, except that where two shortest digit strings are
    /// equally close (an exact tie in the last digit) Ryū rounds to even and std up: every
    /// value still reads back as the same double. Random bit patterns (every exponent), values
    /// log-uniform over the magnitudes a run writes, integers, and the ends of the plain range.
    #[test]
    fn fast_float_text_is_std_text_up_to_last_digit_ties() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut values = vec![
            1e-5,
            -1e-5,
            1e16,
            -1e16,
            9.999_999_999_999_998e15,
            0.1,
            0.5,
            1.0,
            12.0,
            -3.0,
            1e15,
            123_456_789_012_345.0,
            5e-324,
            f64::MIN_POSITIVE,
            f64::MAX,
            1e-7,
            2.5e-6,
            0.000_01,
            0.000_099_999_999_999_999_99,
            1e21,
            1e22,
            0.3,
            2.0 / 3.0,
        ];
        for k in 0..1_000_000 {
            let bits = next();
            values.push(match k % 4 {
                0 => f64::from_bits(bits),
                1 => {
                    let e = (bits % 1000) as f64 / 1000.0 * 26.0 - 8.0;
                    let sign = if bits >> 63 == 1 { -1.0 } else { 1.0 };
                    sign * 10f64.powf(e) * (1.0 + (bits >> 20) as f64 / (1u64 << 44) as f64)
                }
                2 => ((bits >> 11) % 2_000_000_000) as f64 - 1e9,
                _ => ((bits >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 1e3,
            });
        }
        let (mut fast, mut reference) = (Vec::new(), Vec::new());
        let (mut checked, mut ties) = (0, 0);
        for &x in values.iter().filter(|x| x.is_finite()) {
            fast.clear();
            reference.clear();
            write_f64(&mut fast, x);
            write_f64_std(&mut reference, x);
            let (a, b) = (
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&reference),
            );
            checked += 1;
            assert_eq!(a.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{a}");
            if a != b {
                // A tie: same length, same text up to the last digit, one apart there.
                ties += 1;
                let (a, b) = (a.as_bytes(), b.as_bytes());
                let last = a.len() - 1;
                assert!(
                    a.len() == b.len() && a[..last] == b[..last],
                    "{x:e}: {a:?} {b:?}"
                );
                assert_eq!(a[last] + 1, b[last], "{x:e}");
            }
        }
        // Ties are rare (about 0.15% of random values, none among short decimals).
        assert!(ties * 200 < checked, "{ties} ties of {checked}");
        for x in [
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.1,
            1.45,
            12.0,
        ] {
            assert_eq!(fmt_f64(x), format!("{x}"));
        }
    }

    /// Rows written directly are the `csv` crate's rows, byte for byte: any reason text
    /// (commas, quotes, line breaks, unicode, empty), any values, ok or failed.
    #[test]
    fn rows_are_the_csv_crates() {
        use proptest::prelude::*;
        let reason = prop_oneof![
            proptest::string::string_regex("[a-z ,\"\r\n#'\t;]{0,12}").unwrap(),
            proptest::string::string_regex(".{0,8}").unwrap(),
        ];
        let values = proptest::collection::vec(any::<f64>(), 0..8);
        proptest!(ProptestConfig::with_cases(1000), |(
            draw in any::<u64>(),
            values in values,
            n_params in 0usize..4,
            reason in proptest::option::of(reason),
        )| {
            let n_params = n_params.min(values.len());
            let mut line = Vec::new();
            row_line(&mut line, draw, &values, n_params, reason.as_deref());
            let mut fields: Vec<Vec<u8>> = vec![
                draw.to_string().into_bytes(),
                if reason.is_some() { b"failed".to_vec() } else { b"ok".to_vec() },
                reason.clone().unwrap_or_default().into_bytes(),
            ];
            for (k, &x) in values.iter().enumerate() {
                let mut cell = Vec::new();
                if reason.is_none() || k < n_params {
                    write_f64(&mut cell, x);
                }
                fields.push(cell);
            }
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            w.write_record(&fields).unwrap();
            let expect = w.into_inner().unwrap();
            prop_assert_eq!(
                String::from_utf8_lossy(&line),
                String::from_utf8_lossy(&expect)
            );
        });
    }

    #[test]
    fn shard_ranges_partition() {
        for draws in [0u64, 1, 7, 100, 1001] {
            for n in 1..6 {
                let mut next = 0;
                for k in 1..=n {
                    let (a, b) = shard_range(draws, k, n).unwrap();
                    assert_eq!(a, next);
                    next = b;
                }
                assert_eq!(next, draws);
            }
        }
        assert!(shard_range(10, 0, 3).is_err());
        assert!(shard_range(10, 4, 3).is_err());
    }

    #[test]
    fn float_format_round_trips() {
        for x in [
            0.0,
            -0.0,
            1.0,
            0.1,
            1e-20,
            -3.7e300,
            123_456.789,
            5e-6,
            f64::MIN_POSITIVE,
        ] {
            let s = fmt_f64(x);
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{s}");
        }
    }
}
