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

mod compare;
mod correlation;
mod labels;
mod rendering;
mod run;

pub use compare::compare_charts;
pub use correlation::spearman;
pub use labels::{metric_unit, possessive};
pub use rendering::{AnyChart, Pending, Rendered, render, render_all};
pub use run::{MAX_ROWS, run_charts};

use chart::{Frame, TimelineChart, days_from_iso};
use data::RunData;
use labels::frame;
use plotters::prelude::*;
use rendering::write_outputs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tariffsim_core::Baseline;
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
            .and_then(|i| baseline.regions().regions().get(i.index()))
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
