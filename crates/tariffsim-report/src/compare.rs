//! The charts of a compare run directory: both scenarios' distributions, then the difference.

use crate::ReportError;
use crate::chart::{
    BLUE, GREEN, HistChart, HistPanel, HistSeries, INK, Marker, ORANGE, PURPLE, fmt_num, fmt_signed,
};
use crate::data::{ColumnRequest, RunData, read_columns};
use crate::labels::{frame, metric_unit};
use crate::rendering::{Rendered, pending, render_all};

/// The charts of a compare run directory (metric columns `a:`, `b:`, `diff:`).
pub fn compare_charts(data: &RunData, size: (u32, u32)) -> Result<Vec<Rendered>, ReportError> {
    let scenario = &data.manifest.run.scenario;
    let (a_name, b_name) = scenario
        .split_once(" vs ")
        .map_or(("A".to_string(), "B".to_string()), |(a, b)| {
            (a.to_string(), b.to_string())
        });
    let compared: Vec<String> = data
        .metrics_with_prefix("a:")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    // The focus metrics when compared, else the first two compared metrics.
    let mut chosen: Vec<String> = match &data.focus {
        Some((m, c)) => [
            format!("diversion_ratio.{m}.{c}"),
            format!("imports.{m}.{c}"),
        ]
        .into_iter()
        .filter(|f| compared.contains(f))
        .collect(),
        None => Vec::new(),
    };
    if chosen.is_empty() {
        chosen = compared.iter().take(2).cloned().collect();
    }
    let mut out = Vec::new();
    for metric in chosen {
        let names = [
            format!("a:{metric}"),
            format!("b:{metric}"),
            format!("diff:{metric}"),
        ];
        let requests: Vec<ColumnRequest<'_>> = names
            .iter()
            .map(|n| ColumnRequest {
                name: n,
                cap: usize::MAX,
            })
            .collect();
        let cols = read_columns(&data.dir, &requests)?;
        let (k, unit) = metric_unit(&metric);
        let scaled = |i: usize| -> Vec<f64> {
            cols.get(i)
                .map_or_else(Vec::new, |v| v.iter().map(|x| x * k).collect())
        };
        let median = |n: &str| data.metric(n).map(|s| s.p50 * k);
        let mut top_markers = Vec::new();
        for (n, label, color) in [(&names[0], &a_name, BLUE), (&names[1], &b_name, ORANGE)] {
            if let Some(v) = median(n) {
                top_markers.push(Marker {
                    label: format!("median, {label}"),
                    detail: format!("{}{unit}", fmt_num(v, 1)),
                    x: v,
                    color,
                    dashed: true,
                });
            }
        }
        // A difference of percentages is in percentage points.
        let diff_unit = if unit == "%" { " pp" } else { unit };
        // Zero is marked when it is near the differences; far from them it would squash the
        // distribution into a corner, so the legend says where it is instead.
        let zero_near = data.metric(&names[2]).is_none_or(|s| {
            let span = (s.p95 - s.p5).abs().max(1e-12);
            s.p5 - 2.0 * span <= 0.0 && 0.0 <= s.p95 + 2.0 * span
        });
        let mut diff_markers = vec![Marker {
            label: "no difference".into(),
            detail: if zero_near {
                format!("0{diff_unit}")
            } else {
                format!("0{diff_unit}: off the axis, far from every draw")
            },
            x: if zero_near { 0.0 } else { f64::NAN },
            color: INK,
            dashed: false,
        }];
        if let Some(s) = data.metric(&names[2]) {
            diff_markers.push(Marker {
                label: "median difference".into(),
                detail: format!(
                    "{}{diff_unit} (5–95%: {} to {})",
                    fmt_signed(s.p50 * k, 1),
                    fmt_signed(s.p5 * k, 1),
                    fmt_signed(s.p95 * k, 1)
                ),
                x: s.p50 * k,
                color: PURPLE,
                dashed: true,
            });
        }
        let parts: Vec<&str> = metric.split('.').collect();
        let (pretty, stem) = match parts.as_slice() {
            ["diversion_ratio", m, c] => (
                format!("Diversion ratio {m} ← {c}"),
                "compare_diversion_ratio".to_string(),
            ),
            ["imports", m, c] => (
                format!("Change in {m}'s imports from {c}"),
                "compare_imports".to_string(),
            ),
            _ => (
                metric.clone(),
                format!("compare_{}", metric.replace('.', "_")),
            ),
        };
        let chart = HistChart {
            frame: frame(
                data,
                format!("{pretty}: {a_name} vs {b_name}"),
                format!(
                    "Top: both scenarios' distributions over the same draws; bottom: difference {b_name} − {a_name} draw by draw"
                ),
            ),
            panels: vec![
                HistPanel {
                    series: vec![
                        HistSeries {
                            label: a_name.clone(),
                            values: scaled(0),
                            color: BLUE,
                        },
                        HistSeries {
                            label: b_name.clone(),
                            values: scaled(1),
                            color: ORANGE,
                        },
                    ],
                    markers: top_markers,
                    x_desc: format!("{pretty} ({})", unit.trim()),
                },
                HistPanel {
                    series: vec![HistSeries {
                        label: format!("{b_name} − {a_name}"),
                        values: scaled(2),
                        color: GREEN,
                    }],
                    markers: diff_markers,
                    x_desc: format!("Difference {b_name} − {a_name} ({})", diff_unit.trim()),
                },
            ],
        };
        out.push(pending(
            &stem,
            &format!("{pretty}: {a_name} vs {b_name}"),
            chart,
        ));
    }
    if out.is_empty() {
        return Err(ReportError::Format {
            path: data.dir.join("manifest.json"),
            detail: "not a compare run: no `a:diversion_ratio.M.C` or `a:imports.M.C` metric"
                .into(),
        });
    }
    render_all(out, size)
}
