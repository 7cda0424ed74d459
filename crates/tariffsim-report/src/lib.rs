//! `tariffsim-report`: the charts and the HTML report of a run directory (DESIGN §7). It reads the
//! run's result types (`tariffsim_runner::output`) and the files a run wrote; the Monte Carlo
//! crate has no plotting dependency.
//!
//! Charts (each written as `NAME.png` and `NAME.svg`, 1200×700 by default):
//! - `diversion_ratio`: distribution of the focus diversion ratio (histogram, kernel density,
//!   p5/p50/p95 and the point estimate at central elasticities);
//! - `diversion_by_partner`: who gains the diverted trade (change in the focus importer's imports
//!   from each third country: median bar, 25–75% and 5–95% intervals);
//! - `deflection_by_destination`: the same for the target exporter's exports by destination;
//! - `tariff_timeline`: the focus pair's effective additional tariff by layer, phases shaded
//!   (from `timeline.csv`, see [`tariffsim_runner::timeline`]);
//! - `tornado`: Spearman rank correlation of each sampled parameter with the diversion ratio
//!   (top 10);
//! - `trade_balances`: change in every region's trade balance, the target highlighted;
//! - `compare_<metric>` (compare runs): both scenarios' distributions overlaid, then the
//!   distribution of the difference.
//!
//! `report.html` holds the run summary, the timeline, a focus metrics table and every chart as
//! inline SVG: one self-contained file, no network, no JavaScript.
//!
//! Text is drawn with the embedded DejaVu Sans (registered once at start-up with plotters'
//! `ab_glyph` backend), so rendering needs no system font and no fontconfig. Every chart is
//! rendered into memory first; files are written only after every chart rendered, each to a
//! temporary name then renamed, so a failed render leaves no partial file.
//!
//! ```no_run
//! let written = tariffsim_report::render_run(std::path::Path::new("runs/us_china"))?;
//! for path in written {
//!     println!("{}", path.display());
//! }
//! # Ok::<(), tariffsim_report::ReportError>(())
//! ```

pub mod chart;
pub mod data;
mod html;
pub mod prefix_csv;
pub mod raster;

pub use error::ReportError;

mod error;

use chart::{
    BLUE, BarChart, Chart, Frame, GREEN, HistChart, HistPanel, HistSeries, INK, IntervalChart,
    IntervalRow, Marker, ORANGE, PURPLE, RED, TimelineChart, days_from_iso, fmt_num, fmt_signed,
};
use data::{ColumnRequest, RunData, group_thousands, read_columns};
use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tariffsim_core::Baseline;
use tariffsim_runner::output::write_atomic;
use tariffsim_runner::stats::Summary;
use tariffsim_scenario::Scenario;

pub use tariffsim_runner::timeline::{self, Timeline, TimelinePhase, timeline_csv};

/// Default chart width, pixels.
pub const WIDTH: u32 = 1200;
/// Default chart height, pixels.
pub const HEIGHT: u32 = 700;
/// Draws used for the rank correlations of the tornado chart (the first successful ones).
pub const TORNADO_MAX_DRAWS: usize = 200_000;
/// Parameters shown in the tornado chart.
pub const TORNADO_TOP: usize = 10;

pub(crate) static REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
pub(crate) static BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the embedded fonts with plotters (once per process).
pub fn register_fonts() -> Result<(), ReportError> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font(chart::FAMILY, FontStyle::Normal, REGULAR)
            .map_err(|_| "the embedded DejaVu Sans regular font is invalid".to_string())?;
        plotters::style::register_font(chart::FAMILY, FontStyle::Bold, BOLD)
            .map_err(|_| "the embedded DejaVu Sans bold font is invalid".to_string())
    })
    .clone()
    .map_err(ReportError::Plot)
}

/// One chart rendered in memory.
pub struct Rendered {
    /// File stem (`diversion_ratio`).
    pub stem: String,
    /// Title (for the report).
    pub title: String,
    /// PNG bytes.
    pub png: Vec<u8>,
    /// SVG text.
    pub svg: String,
}

/// Renders `chart` to PNG and SVG at `size`.
pub fn render<C: Chart + Sync>(
    stem: &str,
    title: &str,
    chart: &C,
    size: (u32, u32),
) -> Result<Rendered, ReportError> {
    register_fonts()?;
    let fail = |backend: &str, e: String| {
        ReportError::Plot(format!("rendering `{stem}` ({backend}): {e}"))
    };
    let (w, h) = size;
    // The bitmap (drawn, then deflated) and the SVG text are independent: drawn side by side.
    let (png, svg) = rayon::join(
        || -> Result<Vec<u8>, ReportError> {
            let mut rgb = vec![0u8; 3 * w as usize * h as usize];
            {
                let backend = raster::GlyphBitMap::new(
                    BitMapBackend::with_buffer(&mut rgb, size),
                    REGULAR,
                    BOLD,
                )
                .map_err(|e| fail("png", e))?;
                let root = backend.into_drawing_area();
                chart.draw(&root).map_err(|e| fail("png", e))?;
                root.present().map_err(|e| fail("png", format!("{e:?}")))?;
            }
            let mut png = Vec::new();
            let mut encoder = png::Encoder::new(&mut png, w, h);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder
                .write_header()
                .map_err(|e| fail("png", e.to_string()))?;
            writer
                .write_image_data(&rgb)
                .map_err(|e| fail("png", e.to_string()))?;
            writer.finish().map_err(|e| fail("png", e.to_string()))?;
            Ok(png)
        },
        || -> Result<String, ReportError> {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                chart.draw(&root).map_err(|e| fail("svg", e))?;
                root.present().map_err(|e| fail("svg", format!("{e:?}")))?;
            }
            Ok(svg)
        },
    );
    let (png, svg) = (png?, svg?);
    Ok(Rendered {
        stem: stem.to_string(),
        title: title.to_string(),
        png,
        svg,
    })
}

/// A chart of any kind, built now and rendered later with the others ([`render_all`]).
pub enum AnyChart {
    /// Histograms.
    Hist(HistChart),
    /// Intervals per row.
    Interval(IntervalChart),
    /// Bars.
    Bar(BarChart),
    /// The tariff timeline.
    Timeline(TimelineChart),
}

impl Chart for AnyChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        match self {
            Self::Hist(c) => c.draw(root),
            Self::Interval(c) => c.draw(root),
            Self::Bar(c) => c.draw(root),
            Self::Timeline(c) => c.draw(root),
        }
    }
}

macro_rules! any_chart_from {
    ($($ty:ident => $variant:ident),*) => {$(
        impl From<$ty> for AnyChart {
            fn from(c: $ty) -> Self {
                Self::$variant(c)
            }
        }
    )*};
}
any_chart_from!(
    HistChart => Hist,
    IntervalChart => Interval,
    BarChart => Bar,
    TimelineChart => Timeline
);

/// A chart waiting to be rendered: file stem, report title and the chart.
pub struct Pending {
    stem: String,
    title: String,
    chart: AnyChart,
}

fn pending(stem: &str, title: &str, chart: impl Into<AnyChart>) -> Pending {
    Pending {
        stem: stem.to_string(),
        title: title.to_string(),
        chart: chart.into(),
    }
}

/// Renders charts in parallel on the current rayon pool; the result keeps their order (and the
/// bytes do not depend on the thread count: each chart is drawn by one task).
pub fn render_all(charts: Vec<Pending>, size: (u32, u32)) -> Result<Vec<Rendered>, ReportError> {
    charts
        .par_iter()
        .map(|p| render(&p.stem, &p.title, &p.chart, size))
        .collect()
}

/// Writes rendered charts (and an optional report) into `dir`, each atomically.
fn write_outputs(
    dir: &Path,
    charts: &[Rendered],
    report: Option<&str>,
) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::new();
    for c in charts {
        for (ext, bytes) in [("png", c.png.as_slice()), ("svg", c.svg.as_bytes())] {
            let path = dir.join(format!("{}.{ext}", c.stem));
            write_atomic(&path, bytes)?;
            written.push(path);
        }
    }
    if let Some(html) = report {
        let path = dir.join("report.html");
        write_atomic(&path, html.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// How a metric is displayed: a factor (ratios → percent) and a unit.
#[must_use]
pub fn metric_unit(name: &str) -> (f64, &'static str) {
    // Units are written after a value: `12.3%`, `4.5 USD bn`; ratios are shown as percent.
    match tariffsim_core::metrics::unit_of(name) {
        tariffsim_core::metrics::Unit::Ratio => (100.0, "%"),
        tariffsim_core::metrics::Unit::Percent => (1.0, "%"),
        tariffsim_core::metrics::Unit::UsdBn => (1.0, " USD bn"),
    }
}

fn quantiles(s: &Summary, k: f64) -> [f64; 5] {
    [s.p5 * k, s.p25 * k, s.p50 * k, s.p75 * k, s.p95 * k]
}

/// Ranks (1-based, ties averaged).
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    // Unstable is enough: tied values all get their group's average rank, whatever their order.
    idx.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut r = vec![0.0; values.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && values[idx[j + 1]].total_cmp(&values[idx[i]]).is_eq() {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (Pearson correlation of the ranks); `None` when either side is
/// constant or there are fewer than 3 pairs.
#[must_use]
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 3 {
        return None;
    }
    spearman_ranked(&x[..n], &ranks(&y[..n]))
}

/// [`spearman`] of `x` against a series whose ranks are `ry` (same length, at least 3): the
/// tornado chart ranks its metric once for every parameter.
fn spearman_ranked(x: &[f64], ry: &[f64]) -> Option<f64> {
    let n = x.len();
    let rx = ranks(x);
    let mean = (n as f64 + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for k in 0..n {
        let (a, b) = (rx[k] - mean, ry[k] - mean);
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// `China's`, `United States'`.
#[must_use]
pub fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

fn frame(data: &RunData, title: String, subtitle: String) -> Frame {
    Frame {
        title,
        subtitle,
        source: data.source_line(),
    }
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

/// A run without one successful draw has no distribution to draw.
fn no_draws_is_an_error(data: &RunData) -> Result<(), ReportError> {
    if data.summary.succeeded == 0 {
        return Err(ReportError::Plot(format!(
            "`{}`: no successful draw to plot ({} failed)",
            data.dir.display(),
            data.summary.failed
        )));
    }
    Ok(())
}

/// Renders every chart and `report.html` of a finished Monte Carlo run directory. Returns the
/// files written.
pub fn render_run(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    render_run_data(&RunData::load(dir)?)
}

/// [`render_run`] of a loaded run directory.
fn render_run_data(data: &RunData) -> Result<Vec<PathBuf>, ReportError> {
    let dir = &data.dir;
    no_draws_is_an_error(data)?;
    let charts = run_charts(data, (WIDTH, HEIGHT))?;
    let report = html::report(data, &charts, false);
    write_outputs(dir, &charts, Some(&report))
}

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

/// Renders a run directory of any kind: [`render_compare`] for a compare run (metric columns
/// `a:`, `b:`, `diff:`), else [`render_run`]. What `tariffsim plot DIR` calls.
pub fn render_dir(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    // Loaded once (it parses the baseline for display names) and handed on.
    let data = RunData::load(dir)?;
    if data.is_compare() {
        render_compare_data(&data)
    } else {
        render_run_data(&data)
    }
}

/// Renders the charts and `report.html` of a `tariffsim compare` run directory.
pub fn render_compare(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    render_compare_data(&RunData::load(dir)?)
}

/// [`render_compare`] of a loaded run directory.
fn render_compare_data(data: &RunData) -> Result<Vec<PathBuf>, ReportError> {
    let dir = &data.dir;
    no_draws_is_an_error(data)?;
    let mut charts = compare_charts(data, (WIDTH, HEIGHT))?;
    if let Some(t) = &data.timeline {
        let chart = TimelineChart {
            frame: frame(
                data,
                format!(
                    "Tariff timeline: additional tariff {} levies on {}",
                    data.name(&t.importer),
                    data.name(&t.exporter)
                ),
                "Effective additional tariff over the baseline, trade-weighted over sectors, stacked by layer".into(),
            ),
            timeline: t.clone(),
        };
        charts.push(render(
            "tariff_timeline",
            "Tariff timeline",
            &chart,
            (WIDTH, HEIGHT),
        )?);
    }
    let report = html::report(data, &charts, true);
    write_outputs(dir, &charts, Some(&report))
}

/// Renders a scenario's tariff timeline (`tariff_timeline.png` and `.svg`) into `out_dir`
/// (created if needed), for `tariffsim show FILE --plot`.
pub fn render_timeline(
    scenario: &Scenario,
    baseline: &Baseline,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let t = timeline::timeline(scenario, baseline);
    let (m, c) = &scenario.focus_codes;
    let name = |code: &str| {
        baseline
            .regions()
            .index_of(code)
            .and_then(|i| baseline.regions().regions().get(i))
            .map_or_else(
                || code.to_string(),
                |r| {
                    let s = r.name.split(" (").next().unwrap_or(&r.name).trim();
                    if s.is_empty() {
                        code.to_string()
                    } else {
                        s.to_string()
                    }
                },
            )
    };
    let p = baseline.provenance();
    let mut hash = scenario.hash.clone();
    hash.truncate(12);
    let chart = TimelineChart {
        frame: Frame {
            title: format!(
                "Tariff timeline: additional tariff {} levies on {}",
                name(m),
                name(c)
            ),
            subtitle: format!(
                "Effective additional tariff over the baseline, trade-weighted over sectors by baseline flows {c} → {m}, stacked by layer"
            ),
            source: format!(
                "Source: tariffsim {} · scenario {} ({hash}) · baseline {} {} · {} to {}",
                env!("CARGO_PKG_VERSION"),
                scenario.name,
                p.name,
                p.version,
                scenario.start,
                scenario.end
            ),
        },
        timeline: t,
    };
    let rendered = render(
        "tariff_timeline",
        "Tariff timeline",
        &chart,
        (WIDTH, HEIGHT),
    )?;
    std::fs::create_dir_all(out_dir).map_err(|e| ReportError::io(out_dir, e))?;
    write_outputs(out_dir, &[rendered], None)
}

/// A daily rate series for [`render_daily`]: label, optional grey detail, `(date, rate)` with the
/// rate a fraction, and whether the line is dashed.
pub type DailySeries = (
    String,
    Option<String>,
    Vec<(tariffsim_scenario::Date, f64)>,
    bool,
);

/// Renders daily rate series (fractions; plotted in %) as `STEM.png` and `.svg` into `out_dir`:
/// `tariffsim etr --daily --plot` draws a schedule's import-weighted additional tariff beside a
/// benchmark's.
pub fn render_daily(
    stem: &str,
    frame: Frame,
    y_desc: &str,
    series: Vec<DailySeries>,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let chart = chart::DailyChart {
        frame,
        y_desc: y_desc.to_string(),
        series: series
            .into_iter()
            .map(|(label, detail, pts, dashed)| chart::DailyLine {
                label,
                detail,
                points: pts
                    .into_iter()
                    .filter_map(|(d, v)| Some((days_from_iso(&d.to_string())?, 100.0 * v)))
                    .collect(),
                dashed,
            })
            .collect(),
    };
    let rendered = render(stem, stem, &chart, (WIDTH, HEIGHT))?;
    std::fs::create_dir_all(out_dir).map_err(|e| ReportError::io(out_dir, e))?;
    write_outputs(out_dir, &[rendered], None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_of_monotone_and_reversed() {
        let x: Vec<f64> = (0..50).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| v.powi(3)).collect();
        let r = spearman(&x, &y).unwrap();
        assert!((r - 1.0).abs() < 1e-12);
        let z: Vec<f64> = x.iter().map(|v| (-v).exp()).collect();
        assert!((spearman(&x, &z).unwrap() + 1.0).abs() < 1e-12);
        assert!(spearman(&x, &vec![1.0; 50]).is_none());
    }

    #[test]
    fn spearman_matches_a_hand_computed_value_with_ties() {
        // x ranks: 1, 2.5, 2.5, 4; y ranks: 2, 1, 4, 3. Pearson of the ranks:
        // mean 2.5; dx = -1.5, 0, 0, 1.5; dy = -0.5, -1.5, 1.5, 0.5;
        // sxy = 0.75 + 0 + 0 + 0.75 = 1.5; sxx = 4.5; syy = 5 → 1.5 / sqrt(22.5).
        let r = spearman(&[1.0, 2.0, 2.0, 3.0], &[20.0, 10.0, 40.0, 30.0]).unwrap();
        assert!((r - 1.5 / 22.5f64.sqrt()).abs() < 1e-12, "{r}");
    }

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

    #[test]
    fn units_follow_metric_names() {
        assert_eq!(metric_unit("diversion_ratio.USA.CHN"), (100.0, "%"));
        assert_eq!(metric_unit("a:imports_pct.USA.CHN"), (1.0, "%"));
        assert_eq!(metric_unit("diff:balance.CHN"), (1.0, " USD bn"));
    }
}
