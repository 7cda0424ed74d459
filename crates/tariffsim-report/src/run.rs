//! The charts of a Monte Carlo run directory.

use crate::chart::{
    BLUE, BarChart, HistChart, HistPanel, HistSeries, INK, IntervalChart, IntervalRow, Marker, RED,
    TimelineChart, fmt_num, fmt_signed,
};
use crate::correlation::{ranks, spearman, spearman_ranked};
use crate::data::{ColumnRequest, RunData, group_thousands, read_columns};
use crate::labels::{frame, possessive};
use crate::rendering::{Rendered, pending, render_all};
use crate::{ReportError, TORNADO_MAX_DRAWS, TORNADO_TOP};
use rayon::prelude::*;
use tariffsim_runner::stats::Summary;

fn quantiles(s: &Summary, k: f64) -> [f64; 5] {
    [s.p5 * k, s.p25 * k, s.p50 * k, s.p75 * k, s.p95 * k]
}

/// The charts of a Monte Carlo run directory, rendered in memory.
pub fn run_charts(data: &RunData, size: (u32, u32)) -> Result<Vec<Rendered>, ReportError> {
    let (m, c) = data.require_focus()?;
    let (m, c) = (&m, &c);
    let (m_name, c_name) = (data.name(m), data.name(c));
    let (m_pos, c_pos) = (possessive(&m_name), possessive(&c_name));
    let dr = format!("diversion_ratio.{m}.{c}");
    let params = &data.manifest.run.params;
    let mut requests = vec![ColumnRequest {
        name: &dr,
        cap: usize::MAX,
    }];
    requests.extend(params.iter().map(|p| ColumnRequest {
        name: p,
        cap: TORNADO_MAX_DRAWS,
    }));
    let columns = read_columns(&data.dir, &requests)?;
    let focus_values: Vec<f64> = columns.first().cloned().unwrap_or_default();
    let mut out = Vec::new();

    let direct = data.metric(&format!("imports.{m}.{c}"));
    let direct_note = |what: &str| {
        direct.map_or_else(String::new, |s| {
            format!(
                "; {what}: median {} USD bn (5–95%: {} to {})",
                fmt_signed(s.p50, 1),
                fmt_signed(s.p5, 1),
                fmt_signed(s.p95, 1)
            )
        })
    };
    // 1. Diversion ratio.
    if let Some(s) = data.metric(&dr) {
        let point = data.point.get(&dr).copied();
        let mut markers = vec![
            Marker {
                label: "5th and 95th percentiles".into(),
                detail: format!(
                    "{}% and {}%",
                    fmt_num(100.0 * s.p5, 1),
                    fmt_num(100.0 * s.p95, 1)
                ),
                x: 100.0 * s.p5,
                color: INK,
                dashed: true,
            },
            Marker {
                label: "median".into(),
                detail: format!("{}%", fmt_num(100.0 * s.p50, 1)),
                x: 100.0 * s.p50,
                color: BLUE,
                dashed: true,
            },
            Marker {
                label: String::new(),
                detail: String::new(),
                x: 100.0 * s.p95,
                color: INK,
                dashed: true,
            },
        ];
        let (pl, pv) = match point {
            Some(v) => ("point estimate (central elasticities)", v),
            None => ("point estimate: not in phases.csv", s.p50),
        };
        if point.is_some() {
            markers.push(Marker {
                label: pl.into(),
                detail: format!("{}%", fmt_num(100.0 * pv, 1)),
                x: 100.0 * pv,
                color: RED,
                dashed: false,
            });
        }
        let chart = HistChart {
            frame: frame(
                data,
                format!(
                    "Diversion ratio: share of {m_pos} lost imports from {c_name} that third countries replace"
                ),
                format!(
                    "Σ change in {m}'s imports from third countries ÷ fall in its imports from {c}, period average{}",
                    direct_note(&format!("change in imports from {c}"))
                ),
            ),
            panels: vec![HistPanel {
                series: vec![HistSeries {
                    label: "draws (histogram)".into(),
                    values: focus_values.iter().map(|v| 100.0 * v).collect(),
                    color: BLUE,
                }],
                markers: markers
                    .into_iter()
                    .filter(|m| !m.label.is_empty() || m.dashed)
                    .collect(),
                x_desc: format!("Diversion ratio {m} ← {c} (%)"),
            }],
        };
        out.push(pending("diversion_ratio", "Diversion ratio", chart));
    }

    // 2 and 3. Who gains; where the target's exports go.
    for (prefix, stem, title, x_desc, sub) in [
        (
            format!("diversion.{m}.{c}."),
            "diversion_by_partner",
            format!("Who gains the diverted trade: change in {m_pos} imports by partner"),
            format!("Change in {m}'s imports from the partner (USD bn, annual rate)"),
            format!(
                "Period average across draws, sorted by median{}",
                direct_note(&format!("imports from {c} itself"))
            ),
        ),
        (
            format!("deflection.{m}.{c}."),
            "deflection_by_destination",
            format!("Where {c_pos} exports go: change in its exports by destination"),
            format!("Change in {c}'s exports to the destination (USD bn, annual rate)"),
            format!(
                "Trade deflection, period average across draws, sorted by median{}",
                direct_note(&format!("exports to {m} itself"))
            ),
        ),
    ] {
        let mut rows: Vec<IntervalRow> = data
            .metrics_with_prefix(&prefix)
            .into_iter()
            .filter(|(code, _)| !code.contains('.'))
            .map(|(code, ms)| IntervalRow {
                label: data.name(&code),
                q: quantiles(&ms.summary, 1.0),
                highlight: false,
                observed: None,
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        // Titles follow the data: how many partners gain and lose (by their medians), and the
        // total of the medians.
        let gain = rows.iter().filter(|r| r.q[2] > 0.05).count();
        let lose = rows.iter().filter(|r| r.q[2] < -0.05).count();
        let total: f64 = rows.iter().map(|r| r.q[2]).sum();
        let title = if stem == "diversion_by_partner" {
            match (gain, lose) {
                (0, _) => format!("No third country gains: change in {m_pos} imports by partner"),
                (_, 0) => title.clone(),
                (g, l) => {
                    format!("{g} partners gain, {l} lose: change in {m_pos} imports by partner")
                }
            }
        } else {
            match (gain, lose) {
                (0, _) => format!("{c_pos} exports fall everywhere: change by destination"),
                (_, 0) => title.clone(),
                (g, l) => format!("Where {c_pos} exports go: {g} destinations up, {l} down"),
            }
        };
        let sub = format!(
            "{sub}; sum of the partners' medians {} USD bn",
            fmt_signed(total, 1)
        );
        let shown = keep_largest(&mut rows);
        let chart = IntervalChart {
            frame: frame(data, title.clone(), format!("{sub}{shown}")),
            rows,
            x_desc,
            highlight_label: None,
        };
        out.push(pending(stem, &title, chart));
    }

    // 4. Tariff timeline.
    if let Some(t) = &data.timeline {
        let chart = TimelineChart {
            frame: frame(
                data,
                format!("Tariff timeline: additional tariff {m_name} levies on {c_name}"),
                format!(
                    "Effective additional tariff over the baseline, trade-weighted over sectors by {} baseline flows {c} → {m}, stacked by layer",
                    data.manifest.run.baseline.year
                ),
            ),
            timeline: t.clone(),
        };
        out.push(pending("tariff_timeline", "Tariff timeline", chart));
    }

    // 5. Tornado.
    // Every parameter column has the same length (the successful draws up to the cap): the
    // metric's ranks are computed once for it.
    let common = columns.get(1).map_or(0, Vec::len).min(focus_values.len());
    let focus_ranks = ranks(&focus_values[..common]);
    let mut rho: Vec<(String, f64)> = params
        .par_iter()
        .zip(columns[1..].par_iter())
        .filter_map(|(p, col)| {
            let n = col.len().min(focus_values.len());
            let r = if n == common && n >= 3 {
                spearman_ranked(&col[..n], &focus_ranks)
            } else {
                spearman(&col[..n], &focus_values[..n])
            };
            r.map(|r| (data.param_label(p), r))
        })
        .collect();
    if !rho.is_empty() {
        rho.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        rho.truncate(TORNADO_TOP);
        let used = columns.get(1).map_or(0, Vec::len).min(focus_values.len());
        let chart = BarChart {
            frame: frame(
                data,
                format!(
                    "What drives the diversion ratio {m} ← {c}: the {} most influential parameters",
                    rho.len()
                ),
                format!(
                    "Spearman rank correlation over {} draws; σ substitution and η import demand elasticity of {m}, ε export supply of {c}",
                    group_thousands(used as u64)
                ),
            ),
            rows: rho,
            x_desc: format!("Rank correlation with the diversion ratio {m} ← {c}"),
            legend: (
                "higher value → higher diversion".into(),
                "higher value → lower diversion".into(),
            ),
        };
        out.push(pending(
            "tornado",
            "Tornado: what drives the diversion ratio",
            chart,
        ));
    }

    // 6. Trade balances.
    let mut rows: Vec<IntervalRow> = data
        .metrics_with_prefix("balance.")
        .into_iter()
        .filter(|(code, _)| !code.contains('.'))
        .map(|(code, ms)| IntervalRow {
            highlight: &code == c,
            label: data.name(&code),
            q: quantiles(&ms.summary, 1.0),
            observed: None,
        })
        .collect();
    if !rows.is_empty() {
        let shown = keep_largest(&mut rows);
        let level = data
            .metric(&format!("balance_level.{c}"))
            .map_or_else(String::new, |s| {
                format!(
                    "; {c_pos} trade balance after the shock: median {} USD bn",
                    fmt_num(s.p50, 0)
                )
            });
        let chart = IntervalChart {
            frame: frame(
                data,
                "Trade balances: change in each region's balance (exports − imports)".into(),
                format!("Period average across draws, sorted by median{level}{shown}"),
            ),
            rows,
            x_desc: "Change in trade balance (USD bn, annual rate)".into(),
            highlight_label: Some(format!("{c_name} (target)")),
        };
        out.push(pending("trade_balances", "Trade balances", chart));
    }

    // 8. Rerouting: value routed through each conduit (when the scenario has a block).
    let rerouted: Vec<(
        String,
        String,
        String,
        &tariffsim_runner::output::MetricSummary,
    )> = data
        .metrics_with_prefix("rerouted.")
        .into_iter()
        .filter_map(|(rest, ms)| {
            let mut parts = rest.split('.');
            let (o, k, d) = (parts.next()?, parts.next()?, parts.next()?);
            Some((o.to_string(), k.to_string(), d.to_string(), ms))
        })
        .collect();
    if let Some((o, _, d, _)) = rerouted.first() {
        let (o_name, d_name) = (data.name(o), data.name(d));
        let rows: Vec<IntervalRow> = rerouted
            .iter()
            .map(|(_, k, _, ms)| IntervalRow {
                label: data.name(k),
                q: quantiles(&ms.summary, 1.0),
                highlight: false,
                observed: None,
            })
            .collect();
        let title = format!(
            "Rerouting: {} sales to {d_name} shipped through third countries",
            possessive(&o_name)
        );
        let chart = IntervalChart {
            frame: frame(
                data,
                title.clone(),
                "Value rerouted through each conduit (recorded as the conduit's exports), period average across draws".into(),
            ),
            rows,
            x_desc: "Rerouted value (USD bn, annual rate)".into(),
            highlight_label: None,
        };
        out.push(pending("rerouting", "Rerouting", chart));
    }

    // 9. Backtest: observed values over the model's bands, one chart per unit.
    if let Some(bt) = &data.backtest {
        for (unit, stem) in [("%", "backtest"), ("USD bn", "backtest_bn")] {
            let rows: Vec<IntervalRow> = bt
                .rows
                .iter()
                .filter(|r| r.unit == unit)
                .map(|r| IntervalRow {
                    label: r.metric.clone(),
                    q: [r.p5, r.p5, r.p50, r.p95, r.p95],
                    highlight: !r.inside,
                    observed: Some(r.observed),
                })
                .collect();
            if rows.is_empty() {
                continue;
            }
            let title = format!(
                "Backtest: {} against observed {} ({unit})",
                bt.scenario, bt.period
            );
            let chart = IntervalChart {
                frame: frame(
                    data,
                    title.clone(),
                    format!(
                        "{} horizon · coverage {:.0}% of {} rows inside the 5–95% band · signs right {:.0}% · red: observed outside the band",
                        bt.horizon,
                        100.0 * bt.coverage,
                        bt.rows.len(),
                        100.0 * bt.sign_hit_rate
                    ),
                ),
                rows,
                x_desc: format!("Change (or share level) for {}, {unit}", bt.period),
                highlight_label: Some("observed outside the band".into()),
            };
            out.push(pending(stem, &title, chart));
        }
    }
    render_all(out, size)
}

/// Rows an interval chart shows at most (more would not leave room for readable labels).
pub const MAX_ROWS: usize = 24;

/// Keeps the [`MAX_ROWS`] rows with the largest median magnitude (highlighted rows always),
/// sorted by median, largest first. Returns a note for the subtitle when rows were dropped.
fn keep_largest(rows: &mut Vec<IntervalRow>) -> String {
    let total = rows.len();
    if total > MAX_ROWS {
        rows.sort_by(|a, b| {
            b.highlight
                .cmp(&a.highlight)
                .then(b.q[2].abs().total_cmp(&a.q[2].abs()))
        });
        rows.truncate(MAX_ROWS);
    }
    rows.sort_by(|a, b| b.q[2].total_cmp(&a.q[2]));
    if total > MAX_ROWS {
        format!("; the {MAX_ROWS} largest of {total}")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_rows_keep_the_largest_and_the_highlight() {
        let row = |k: usize, median: f64, highlight: bool| IntervalRow {
            observed: None,
            label: format!("R{k}"),
            q: [
                median - 1.0,
                median - 0.5,
                median,
                median + 0.5,
                median + 1.0,
            ],
            highlight,
        };
        let mut rows: Vec<IntervalRow> = (0..40).map(|k| row(k, k as f64 - 20.0, false)).collect();
        rows.push(row(99, 0.1, true));
        let note = keep_largest(&mut rows);
        assert_eq!(rows.len(), MAX_ROWS);
        assert!(note.contains("of 41"), "{note}");
        assert!(rows.iter().any(|r| r.highlight));
        assert!(rows.windows(2).all(|w| w[0].q[2] >= w[1].q[2]));
        // The smallest magnitudes (|median| < 2) are the ones dropped, except the highlight.
        assert!(
            rows.iter()
                .filter(|r| !r.highlight)
                .all(|r| r.q[2].abs() >= 2.0)
        );
        let mut few = vec![row(0, 1.0, false), row(1, 3.0, false)];
        assert_eq!(keep_largest(&mut few), "");
        assert_eq!(few[0].label, "R1");
    }
}
