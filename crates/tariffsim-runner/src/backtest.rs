//! Backtests: a scenario's Monte Carlo bands against observed outcomes.
//!
//! An observed file is long CSV, `metric,period,value,unit,source`, one row per observed figure,
//! with tariffsim metric names (`imports_pct.USA.CHN`, `exports_pct.CHN.ASEAN`,
//! `import_share.USA.VNM`: the catalog's names plus the on-request trade metrics of
//! [`tariffsim_core::MetricCatalog::with_extra`]). `period` is the scenario's year (its period
//! must lie in one calendar year) — the model's day-weighted period figure — or the baseline's
//! year, whose rows check the baseline itself (a change is 0 there, a share the baseline's).
//! `unit` is `%` for `_pct` and `_share` metrics and `USD bn` otherwise.
//!
//! For every row the report gives the observed value, the model's point estimate (central
//! elasticities at the scenario's horizon), its p5/p50/p95 over the draws, whether the observed
//! value lies inside the 5–95% band, whether the median has the observed sign (for a share, the
//! sign of its change from the baseline), and the error `p50 − observed`. Over the rows of the
//! scenario's year: the coverage rate (share inside the band), the sign hit rate, and the mean
//! absolute error per unit. Baseline-year rows are reported apart, as calibration checks.
//!
//! A partial-equilibrium tariff model explains the tariff's part of an outcome, not macro swings
//! (front-loading, an import boom): shares of an importer's or exporter's total are the fairer
//! comparison, since common demand growth cancels out of them (`backtests/README.md`).

use crate::error::RunnerError;
use crate::output::{RunSummary, write_atomic};
use crate::point::PointResult;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use tariffsim_core::{Baseline, Equilibrium, MetricCatalog, MetricWorkspace};
use tariffsim_scenario::Scenario;

/// Largest observed file read (a backtest file is a few hundred rows).
const MAX_OBSERVED_BYTES: u64 = 16 << 20;

/// One observed figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observed {
    /// tariffsim metric name.
    pub metric: String,
    /// `2025` (the scenario's year) or the baseline's year.
    pub period: String,
    /// The observed value.
    pub value: f64,
    /// `%` or `USD bn`.
    pub unit: String,
    /// Where it comes from.
    pub source: String,
    /// Line in the file (1-based, the header is line 1).
    pub line: usize,
}

/// The unit a metric is reported in (`USD bn`, `%`, `ratio`), from the catalog's families.
#[must_use]
pub fn unit_of(metric: &str) -> &'static str {
    tariffsim_core::metrics::unit_of(metric).symbol()
}

fn is_share(metric: &str) -> bool {
    metric
        .split('.')
        .next()
        .is_some_and(|k| k.ends_with("_share"))
}

/// Reads and validates an observed file: the header, numbers, units matching the metric,
/// no `(metric, period)` twice, metrics known to `catalog` (after [`MetricCatalog::with_extra`]
/// with every name of the file) and periods the run covers. Errors name the file and line.
pub fn read_observed(
    path: &Path,
    baseline: &Baseline,
    scenario: &Scenario,
) -> Result<Vec<Observed>, RunnerError> {
    let bad = |line: usize, msg: String| {
        RunnerError::Setting(format!("{}:{line}: {msg}", path.display()))
    };
    let meta = std::fs::metadata(path).map_err(|e| RunnerError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if !meta.is_file() {
        return Err(RunnerError::Setting(format!(
            "{}: not a file (expected an observed CSV)",
            path.display()
        )));
    }
    if meta.len() > MAX_OBSERVED_BYTES {
        return Err(RunnerError::Setting(format!(
            "{}: {} bytes; an observed file has at most {MAX_OBSERVED_BYTES}",
            path.display(),
            meta.len()
        )));
    }
    let text = std::fs::read(path).map_err(|e| RunnerError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_slice());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(1, format!("unreadable header: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let want = ["metric", "period", "value", "unit", "source"];
    if header != want {
        return Err(bad(
            1,
            format!(
                "header `{}`; expected `{}`",
                header.join(","),
                want.join(",")
            ),
        ));
    }
    let (year, base_year) = periods(scenario, baseline)?;
    let mut rows = Vec::new();
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (k, record) in reader.records().enumerate() {
        let line = k + 2;
        let r = record.map_err(|e| bad(line, format!("{e}")))?;
        let field = |i: usize| r.get(i).unwrap_or("").trim().to_string();
        let (metric, period, value, unit, source) =
            (field(0), field(1), field(2), field(3), field(4));
        if metric.is_empty() {
            return Err(bad(line, "empty `metric`".into()));
        }
        let value: f64 = value
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| bad(line, format!("`value` `{value}` is not a finite number")))?;
        if unit.is_empty() {
            return Err(bad(
                line,
                format!(
                    "missing `unit` for `{metric}` (expected `{}`)",
                    unit_of(&metric)
                ),
            ));
        }
        if unit != unit_of(&metric) {
            return Err(bad(
                line,
                format!(
                    "`unit` `{unit}` for `{metric}`; its unit is `{}`",
                    unit_of(&metric)
                ),
            ));
        }
        if period != year && period != base_year {
            return Err(bad(
                line,
                format!(
                    "period `{period}`: the run covers `{year}` (the scenario's year) and `{base_year}` (the baseline's)"
                ),
            ));
        }
        if let Some(first) = seen.insert((metric.clone(), period.clone()), line) {
            return Err(bad(
                line,
                format!("`{metric}` for `{period}` again (first on line {first})"),
            ));
        }
        MetricCatalog::new(baseline, Some(scenario.focus))
            .with_extra(baseline, std::slice::from_ref(&metric))
            .map_err(|e| bad(line, e.to_string()))?;
        rows.push(Observed {
            metric,
            period,
            value,
            unit,
            source,
            line,
        });
    }
    if rows.is_empty() {
        return Err(bad(2, "no observed rows".into()));
    }
    Ok(rows)
}

/// The scenario's year and the baseline's year, as `period` strings.
fn periods(scenario: &Scenario, baseline: &Baseline) -> Result<(String, String), RunnerError> {
    let (start, end) = (scenario.start.to_string(), scenario.end.to_string());
    let (y0, y1) = (&start[..4], &end[..4]);
    if y0 != y1 {
        return Err(RunnerError::Setting(format!(
            "a backtest compares one calendar year; the scenario runs {start} to {end}"
        )));
    }
    Ok((y0.to_string(), baseline.provenance().year.to_string()))
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestRow {
    /// Metric.
    pub metric: String,
    /// Period.
    pub period: String,
    /// Unit.
    pub unit: String,
    /// Observed value.
    pub observed: f64,
    /// Point estimate (central elasticities).
    pub point: f64,
    /// 5th, 50th and 95th percentiles over the draws.
    pub p5: f64,
    /// Median over the draws.
    pub p50: f64,
    /// 95th percentile over the draws.
    pub p95: f64,
    /// `p5 ≤ observed ≤ p95`.
    pub inside: bool,
    /// The median has the observed sign (for a share: of its change from the baseline share);
    /// `None` when the observed value (change) is exactly 0.
    pub sign_agrees: Option<bool>,
    /// `p50 − observed`.
    pub error: f64,
    /// The observed value's source.
    pub source: String,
}

/// Mean absolute error over the rows of one unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitError {
    /// Unit.
    pub unit: String,
    /// Rows.
    pub rows: usize,
    /// Mean of `|p50 − observed|`.
    pub mean_abs_error: f64,
}

/// The backtest: every row, then the scores over the scenario year's rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    /// Scenario name.
    pub scenario: String,
    /// Model.
    pub model: String,
    /// Horizon preset.
    pub horizon: String,
    /// The scenario's year.
    pub period: String,
    /// Rows of the scenario's year.
    pub rows: Vec<BacktestRow>,
    /// Rows of the baseline's year (calibration: the model's value is the baseline's).
    pub calibration: Vec<BacktestRow>,
    /// Share of the scenario year's rows inside the 5–95% band.
    pub coverage: f64,
    /// Share of the rows with a sign whose median has it.
    pub sign_hit_rate: f64,
    /// Mean absolute error per unit.
    pub errors: Vec<UnitError>,
}

/// The report from the observed rows, the run's summary, its point estimate and the baseline.
/// The baseline-year model values come from the catalog on the unchanged equilibrium.
pub fn evaluate(
    scenario: &Scenario,
    baseline: &Baseline,
    observed: &[Observed],
    summary: &RunSummary,
    point: &PointResult,
) -> Result<BacktestReport, RunnerError> {
    let (year, _) = periods(scenario, baseline)?;
    let names: Vec<String> = observed.iter().map(|o| o.metric.clone()).collect();
    let catalog = MetricCatalog::new(baseline, Some(scenario.focus))
        .with_extra(baseline, &names)
        .map_err(|e| RunnerError::Setting(e.to_string()))?;
    let mut at_baseline = vec![0.0; catalog.len()];
    catalog.fill(
        baseline,
        &Equilibrium::unchanged(scenario.model.name(), baseline),
        &mut MetricWorkspace::default(),
        &mut at_baseline,
    );
    let base_of = |m: &str| catalog.index_of(m).map_or(0.0, |k| at_baseline[k]);
    let mut rows = Vec::new();
    let mut calibration = Vec::new();
    for o in observed {
        let base = base_of(&o.metric);
        let (point_v, p5, p50, p95) = if o.period == year {
            let s = summary
                .metrics
                .iter()
                .find(|m| m.name == o.metric)
                .ok_or_else(|| {
                    RunnerError::Setting(format!("metric `{}` missing from the run", o.metric))
                })?;
            let pv = point.period(&o.metric).ok_or_else(|| {
                RunnerError::Setting(format!("metric `{}` missing from the point run", o.metric))
            })?;
            (pv, s.summary.p5, s.summary.p50, s.summary.p95)
        } else {
            (base, base, base, base)
        };
        // Signs of changes: a share's change is from its baseline level. A calibration row (the
        // baseline's year) has no change to sign.
        let reference = if is_share(&o.metric) { base } else { 0.0 };
        let (model_change, observed_change) = (p50 - reference, o.value - reference);
        let sign_agrees = (o.period == year && observed_change != 0.0)
            .then(|| model_change.signum() == observed_change.signum() && model_change != 0.0);
        let row = BacktestRow {
            metric: o.metric.clone(),
            period: o.period.clone(),
            unit: o.unit.clone(),
            observed: o.value,
            point: point_v,
            p5,
            p50,
            p95,
            inside: p5 <= o.value && o.value <= p95,
            sign_agrees,
            error: p50 - o.value,
            source: o.source.clone(),
        };
        if o.period == year {
            rows.push(row);
        } else {
            calibration.push(row);
        }
    }
    let n = rows.len();
    let coverage = if n == 0 {
        0.0
    } else {
        rows.iter().filter(|r| r.inside).count() as f64 / n as f64
    };
    let signed: Vec<bool> = rows.iter().filter_map(|r| r.sign_agrees).collect();
    let sign_hit_rate = if signed.is_empty() {
        0.0
    } else {
        signed.iter().filter(|&&s| s).count() as f64 / signed.len() as f64
    };
    let mut by_unit: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for r in &rows {
        let e = by_unit.entry(r.unit.as_str()).or_insert((0, 0.0));
        e.0 += 1;
        e.1 += r.error.abs();
    }
    let errors = by_unit
        .into_iter()
        .map(|(unit, (k, sum))| UnitError {
            unit: unit.to_string(),
            rows: k,
            mean_abs_error: sum / k as f64,
        })
        .collect();
    Ok(BacktestReport {
        scenario: scenario.name.clone(),
        model: scenario.model.name().into(),
        horizon: scenario.horizon.name().into(),
        period: year,
        rows,
        calibration,
        coverage,
        sign_hit_rate,
        errors,
    })
}

impl BacktestReport {
    /// `backtest.csv`: one line per row (the scenario year's, then the calibration rows).
    #[must_use]
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record([
            "metric",
            "period",
            "unit",
            "observed",
            "point",
            "p5",
            "p50",
            "p95",
            "inside_band",
            "sign_agrees",
            "error",
            "source",
        ]);
        for r in self.rows.iter().chain(&self.calibration) {
            let f = |v: f64| crate::output::fmt_f64(v);
            let _ = w.write_record([
                r.metric.clone(),
                r.period.clone(),
                r.unit.clone(),
                f(r.observed),
                f(r.point),
                f(r.p5),
                f(r.p50),
                f(r.p95),
                r.inside.to_string(),
                r.sign_agrees.map_or(String::new(), |s| s.to_string()),
                f(r.error),
                r.source.clone(),
            ]);
        }
        w.into_inner().unwrap_or_default()
    }

    /// A terminal table: the rows, then the scores.
    #[must_use]
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "backtest {} ({}, {} horizon) against observed {}:",
            self.scenario, self.model, self.horizon, self.period
        );
        let width = self
            .rows
            .iter()
            .map(|r| r.metric.len())
            .chain(
                self.calibration
                    .iter()
                    .map(|r| r.metric.len() + r.period.len() + 3),
            )
            .max()
            .unwrap_or(10)
            .max(10);
        let _ = writeln!(
            o,
            "{:<width$} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>6} {:>5}",
            "metric", "unit", "observed", "point", "p5", "p50", "p95", "band", "sign"
        );
        let fmt = |v: f64| {
            let s = format!("{v:.1}");
            if s == "-0.0" { "0.0".to_string() } else { s }
        };
        for r in self.rows.iter().chain(&self.calibration) {
            let label = if r.period == self.period {
                r.metric.clone()
            } else {
                format!("{} ({})", r.metric, r.period)
            };
            let _ = writeln!(
                o,
                "{:<width$} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>6} {:>5}",
                label,
                r.unit,
                fmt(r.observed),
                fmt(r.point),
                fmt(r.p5),
                fmt(r.p50),
                fmt(r.p95),
                if r.period != self.period {
                    "-"
                } else if r.inside {
                    "in"
                } else {
                    "out"
                },
                match r.sign_agrees {
                    Some(true) => "ok",
                    Some(false) => "wrong",
                    None => "-",
                }
            );
        }
        if !self.calibration.is_empty() {
            let _ = writeln!(
                o,
                "(rows marked with the baseline's year check the baseline itself: model = baseline)"
            );
        }
        let _ = writeln!(
            o,
            "coverage {:.0}% of {} rows inside the 5–95% band; signs right {:.0}%",
            100.0 * self.coverage,
            self.rows.len(),
            100.0 * self.sign_hit_rate
        );
        for e in &self.errors {
            let _ = writeln!(
                o,
                "mean absolute error ({}, {} rows): {:.2}",
                e.unit, e.rows, e.mean_abs_error
            );
        }
        o
    }

    /// Writes `backtest.csv` and `backtest.json` into `dir` (atomically).
    pub fn write(&self, dir: &Path) -> Result<(), RunnerError> {
        write_atomic(&dir.join("backtest.csv"), &self.to_csv())?;
        let mut json = serde_json::to_vec_pretty(self)
            .map_err(|e| RunnerError::Setting(format!("backtest.json: {e}")))?;
        json.push(b'\n');
        write_atomic(&dir.join("backtest.json"), &json)
    }
}

/// A backtest's outputs: the report and the Monte Carlo run behind it.
#[derive(Debug)]
pub struct BacktestOutcome {
    /// The report (also written as `backtest.csv` / `backtest.json`).
    pub report: BacktestReport,
    /// The Monte Carlo run (its directory holds the report files too).
    pub run: crate::mc::RunOutcome,
}

/// Runs a backtest: the scenario's Monte Carlo with every observed metric reported, its point
/// estimate, the report, written with the run's files into `settings.out`. The scenario's
/// horizon and model apply as in any run.
pub fn run(
    scenario: &Scenario,
    baseline: &Baseline,
    observed: &[Observed],
    settings: &crate::mc::RunSettings,
    extra_files: &[(&str, Vec<u8>)],
) -> Result<BacktestOutcome, RunnerError> {
    let mut sc = scenario.clone();
    for o in observed {
        if !sc.metrics.contains(&o.metric) {
            sc.metrics.push(o.metric.clone());
        }
    }
    let elasticities = crate::point::point_elasticities(&sc, baseline)?;
    let point = crate::point::run_point(&sc, baseline, &elasticities)?;
    let run = crate::mc::run(&sc, baseline, settings, extra_files)?;
    let report = evaluate(&sc, baseline, observed, &run.summary, &point)?;
    report.write(&run.dir)?;
    Ok(BacktestOutcome { report, run })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(observed: f64, q: (f64, f64, f64), sign: Option<bool>) -> BacktestRow {
        BacktestRow {
            metric: "m".into(),
            period: "2025".into(),
            unit: "%".into(),
            observed,
            point: q.1,
            p5: q.0,
            p50: q.1,
            p95: q.2,
            inside: q.0 <= observed && observed <= q.2,
            sign_agrees: sign,
            error: q.1 - observed,
            source: String::new(),
        }
    }

    /// The CSV and table carry every row; the calibration rows show no band or sign.
    #[test]
    fn report_files_carry_every_row() {
        let report = BacktestReport {
            scenario: "s".into(),
            model: "armington".into(),
            horizon: "short".into(),
            period: "2025".into(),
            rows: vec![row(-30.0, (-28.0, -26.0, -24.0), Some(true))],
            calibration: vec![BacktestRow {
                period: "2024".into(),
                sign_agrees: None,
                ..row(13.3, (13.3, 13.3, 13.3), None)
            }],
            coverage: 0.0,
            sign_hit_rate: 1.0,
            errors: vec![],
        };
        let csv = String::from_utf8(report.to_csv()).unwrap();
        assert_eq!(csv.lines().count(), 3, "{csv}");
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .starts_with("m,2025,%,-30,-26,-28,-26,-24,false,true,4,")
        );
        let table = report.table();
        assert!(table.contains("m (2024)"), "{table}");
        assert!(table.contains("coverage 0% of 1 rows"), "{table}");
    }

    #[test]
    fn units_follow_the_metric_kind() {
        assert_eq!(unit_of("imports_pct.USA.CHN"), "%");
        assert_eq!(unit_of("import_share.USA.VNM"), "%");
        assert_eq!(unit_of("imports.USA.CHN"), "USD bn");
        assert_eq!(unit_of("diversion_ratio.USA.CHN"), "ratio");
        assert!(is_share("export_share.CHN.USA"));
        assert!(!is_share("exports_pct.CHN"));
    }
}
