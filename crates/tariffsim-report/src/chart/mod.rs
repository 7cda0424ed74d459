//! Chart drawing, generic over the plotters backend (the same code draws the PNG and the SVG).
//!
//! Every chart is a [`Chart`]: a frame (title, subtitle, source line) around one or two panels.
//! Panels: a histogram with density lines and vertical markers ([`HistPanel`]), horizontal
//! interval rows ([`IntervalChart`]: median bar, 25–75% and 5–95% intervals), horizontal
//! signed bars ([`BarChart`], the tornado) and the tariff timeline ([`TimelineChart`]). Legends
//! sit in their own column to the right of the plot, so they never cover data.
//!
//! One file per chart family (`hist`, `interval`, `bar`, `timeline`, `daily`); what they share
//! in their own files: the frame, legend and row layout (`layout`), colours and fonts (`style`),
//! number formats (`format`) and the date axis (`dates`).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use tariffsim_runner::timeline::Timeline;

mod bar;
mod daily;
mod dates;
mod format;
mod hist;
mod interval;
mod layout;
mod style;
#[cfg(test)]
mod tests;
mod timeline;

pub use bar::BarChart;
pub use daily::{DailyChart, DailyLine};
pub use dates::{days_from_iso, iso_from_days};
pub use format::{decimals_for, fmt_num, fmt_pct, fmt_signed};
pub use hist::{HistChart, HistPanel, HistSeries, Marker, density, histogram};
pub use interval::{IntervalChart, IntervalRow};
pub use layout::{Frame, LegendEntry, Swatch};
pub use style::FAMILY;
pub(crate) use style::{BLUE, GREEN, INK, MUTED, ORANGE, PURPLE, RED};
pub use timeline::TimelineChart;

use dates::date_chart;
use layout::{frame, legend, row_chart, row_labels};
use style::{LEGEND_WIDTH, PALETTE, SHADE, bold, font, house_style};

type Res<T = ()> = Result<T, String>;

/// A chart with two numeric axes (the date and row charts).
type XyChart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

trait Msg<T> {
    fn msg(self) -> Res<T>;
}

impl<T, E: std::fmt::Debug> Msg<T> for Result<T, E> {
    fn msg(self) -> Res<T> {
        self.map_err(|e| format!("{e:?}"))
    }
}

/// A chart: draws itself on a root area of any backend.
pub trait Chart {
    /// Draws the whole chart.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Res;
}
