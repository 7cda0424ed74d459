//! The run's summaries: statistics of whole columns, `summary.csv`, and the point estimates that
//! a run's `phases.csv` holds.

use super::RunSummary;
use super::format::fmt_f64;
use crate::stats::{Summary, summarize};
use rayon::prelude::*;

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

/// Summaries of whole columns. Columns are independent and each summary is sequential within
/// its column, so the parallel map gives the same summaries whatever the thread count (in the
/// caller's rayon pool: `mc::run` installs one of `--threads` workers).
pub(super) fn summarize_columns(columns: &mut [Vec<f64>]) -> Vec<Summary> {
    columns.par_iter_mut().map(|col| summarize(col)).collect()
}

/// `summary.csv`: the summary in tidy long form, one line per parameter or metric and period —
/// `metric,kind,unit,period,point,mean,sd,p5,p25,p50,p75,p95,mcse,count,failures` — for R and
/// spreadsheet users; the same [`SummaryRecord`](super::SummaryRecord)s as `summary.json`.
/// `period` is `period` for the day-weighted figure or the first day of a phase; `point` is empty
/// where the run has none.
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
