//! Rendering charts in memory (PNG and SVG, side by side and in parallel) and writing them.

use crate::chart::{BarChart, Chart, HistChart, IntervalChart, TimelineChart};
use crate::{BOLD, REGULAR, ReportError, raster, register_fonts};
use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use tariffsim_runner::output::write_atomic;

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

pub(crate) fn pending(stem: &str, title: &str, chart: impl Into<AnyChart>) -> Pending {
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
pub(crate) fn write_outputs(
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
