//! Chart drawing, generic over the plotters backend (the same code draws the PNG and the SVG).
//!
//! Every chart is a [`Chart`]: a frame (title, subtitle, source line) around one or two panels.
//! Panels: a histogram with density lines and vertical markers ([`HistPanel`]), horizontal
//! interval rows ([`IntervalChart`]: median bar, 25–75% and 5–95% intervals), horizontal
//! signed bars ([`BarChart`], the tornado) and the tariff timeline ([`TimelineChart`]). Legends
//! sit in their own column to the right of the plot, so they never cover data.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use tariffsim_runner::timeline::Timeline;

/// Font family registered at start-up (the embedded DejaVu Sans).
pub const FAMILY: &str = "sans-serif";
/// Width of a legend column, pixels.
const LEGEND_WIDTH: u32 = 300;

pub(crate) const INK: RGBColor = RGBColor(33, 33, 33);
pub(crate) const MUTED: RGBColor = RGBColor(96, 96, 96);
pub(crate) const BLUE: RGBColor = RGBColor(31, 119, 180);
pub(crate) const ORANGE: RGBColor = RGBColor(230, 126, 34);
pub(crate) const RED: RGBColor = RGBColor(200, 30, 45);
pub(crate) const GREEN: RGBColor = RGBColor(44, 160, 44);
pub(crate) const PURPLE: RGBColor = RGBColor(148, 103, 189);
const GRID: RGBColor = RGBColor(225, 225, 225);
const SHADE: RGBColor = RGBColor(240, 240, 240);
/// Layer colours of the timeline: Okabe–Ito (colour-blind safe) first, then four darker tones.
const PALETTE: [RGBColor; 12] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(120, 120, 120),
    RGBColor(110, 40, 120),
    RGBColor(140, 90, 40),
    RGBColor(30, 60, 110),
    RGBColor(100, 130, 30),
];

type Res<T = ()> = Result<T, String>;

trait Msg<T> {
    fn msg(self) -> Res<T>;
}

impl<T, E: std::fmt::Debug> Msg<T> for Result<T, E> {
    fn msg(self) -> Res<T> {
        self.map_err(|e| format!("{e:?}"))
    }
}

/// The axes' common look: label and description sizes, no light grid, a pale bold grid, muted
/// axis lines.
fn house_style<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    mesh.label_style(font(15))
        .axis_desc_style(font(16))
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .axis_style(MUTED)
}

fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&INK)
}

fn bold(size: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size, FontStyle::Bold).into_font()).color(&INK)
}

/// Number of decimals for tick labels on an axis spanning `span`.
#[must_use]
pub fn decimals_for(span: f64) -> usize {
    if !(span > 0.0) || !span.is_finite() {
        return 1;
    }
    // About eight ticks: the tick step is near span / 8.
    let d = -(span / 8.0).log10().floor();
    d.clamp(0.0, 4.0) as usize
}

/// Formats `v` with `decimals`, a real minus sign, and no `-0`.
#[must_use]
pub fn fmt_num(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let zero = s
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.');
    if zero {
        s.trim_start_matches('-').to_string()
    } else {
        s.replacen('-', "−", 1)
    }
}

/// A percentage for a label: whole numbers without decimals (`145%`), else one (`12.5%`).
#[must_use]
pub fn fmt_pct(v: f64) -> String {
    let whole = (v - v.round()).abs() < 0.05;
    format!("{}%", fmt_num(v, if whole { 0 } else { 1 }))
}

/// Signed: `+1.2`, `−3.4`.
#[must_use]
pub fn fmt_signed(v: f64, decimals: usize) -> String {
    let s = fmt_num(v, decimals);
    if v > 0.0 && !s.chars().all(|c| c == '0' || c == '.') {
        format!("+{s}")
    } else {
        s
    }
}

/// Title, subtitle and source line of a chart.
pub struct Frame {
    /// Title.
    pub title: String,
    /// One line under the title (what is shown, how to read it).
    pub subtitle: String,
    /// Source line (scenario, baseline, draws, seed).
    pub source: String,
}

/// Splits `text` at ` · ` into lines no wider than `width` pixels.
fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    width: u32,
) -> Vec<String> {
    let fits = |s: &str| {
        area.estimate_text_size(s, style)
            .map_or(true, |(w, _)| w <= width)
    };
    let mut lines: Vec<String> = Vec::new();
    for part in text.split(" · ") {
        match lines.last_mut() {
            Some(last) if fits(&format!("{last} · {part}")) => {
                last.push_str(" · ");
                last.push_str(part);
            }
            _ => lines.push(part.to_string()),
        }
    }
    lines
}

/// Draws the frame and returns the area left for the panels.
fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    f: &Frame,
) -> Res<DrawingArea<DB, Shift>> {
    root.fill(&WHITE).msg()?;
    let (w, h) = root.dim_in_pixel();
    // The largest size in `sizes` at which `text` fits the width (else the smallest).
    let fitting =
        |text: &str, sizes: std::ops::RangeInclusive<u32>, style: fn(u32) -> TextStyle<'static>| {
            let smallest = *sizes.start();
            sizes
                .rev()
                .find(|&px| {
                    root.estimate_text_size(text, &style(px))
                        .is_ok_and(|(tw, _)| tw + 48 <= w)
                })
                .unwrap_or(smallest)
        };
    let size = fitting(&f.title, 18..=26, bold);
    root.draw(&Text::new(
        f.title.clone(),
        (24, 14 + (26 - size as i32) / 2),
        bold(size),
    ))
    .msg()?;
    let size = fitting(&f.subtitle, 12..=16, font);
    root.draw(&Text::new(
        f.subtitle.clone(),
        (24, 52),
        font(size).color(&MUTED),
    ))
    .msg()?;
    let src = font(13).color(&MUTED);
    let lines = wrap(root, &f.source, &src, w.saturating_sub(48));
    let n = lines.len() as i32;
    for (k, line) in lines.iter().enumerate() {
        let y = h as i32 - 10 - (n - 1 - k as i32) * 18;
        root.draw(&Text::new(
            line.clone(),
            (24, y),
            src.pos(Pos::new(HPos::Left, VPos::Bottom)),
        ))
        .msg()?;
    }
    Ok(root.margin(84, 20 + 18 * n as u32, 16, 20))
}

/// One legend entry.
pub struct LegendEntry {
    /// How the entry's swatch looks.
    pub swatch: Swatch,
    /// First line.
    pub label: String,
    /// Optional second line (grey): a value, a note.
    pub detail: Option<String>,
}

/// A legend swatch.
pub enum Swatch {
    /// A filled box (translucent colours as the bars look on white).
    Fill(RGBAColor),
    /// A line of a given width, solid or dashed.
    Line(RGBColor, u32, bool),
}

/// `text`, shortened with `…` until it is at most `width` pixels wide.
fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    width: u32,
) -> String {
    let fits = |s: &str| {
        area.estimate_text_size(s, style)
            .is_ok_and(|(w, _)| w <= width)
    };
    if fits(text) {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let s: String = chars.iter().collect::<String>() + "…";
        if fits(&s) {
            return s;
        }
    }
    String::new()
}

/// Splits `text` at spaces into at most `max_lines` lines no wider than `width` (the last line
/// shortened with `…` if needed).
fn wrap_words<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    width: u32,
    max_lines: usize,
) -> Vec<String> {
    let fits = |s: &str| {
        area.estimate_text_size(s, style)
            .is_ok_and(|(w, _)| w <= width)
    };
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(last) if fits(&format!("{last} {word}")) => {
                last.push(' ');
                last.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    if lines.len() > max_lines {
        let rest = lines[max_lines - 1..].join(" ");
        lines.truncate(max_lines - 1);
        lines.push(rest);
    }
    lines
        .into_iter()
        .map(|l| fit(area, &l, style, width))
        .collect()
}

fn legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[LegendEntry]) -> Res {
    let mut y = 12;
    let label = font(15);
    let detail = font(14).color(&MUTED);
    for e in entries {
        match e.swatch {
            Swatch::Fill(c) => {
                area.draw(&Rectangle::new([(12, y + 1), (34, y + 15)], c.filled()))
                    .msg()?;
            }
            Swatch::Line(c, w, dashed) => {
                let style = c.stroke_width(w);
                if dashed {
                    for x in [12, 22, 32] {
                        area.draw(&PathElement::new(vec![(x, y + 8), (x + 6, y + 8)], style))
                            .msg()?;
                    }
                } else {
                    area.draw(&PathElement::new(vec![(12, y + 8), (38, y + 8)], style))
                        .msg()?;
                }
            }
        }
        let (w, _) = area.dim_in_pixel();
        let room = w.saturating_sub(52);
        area.draw(&Text::new(
            fit(area, &e.label, &label, room),
            (46, y),
            label.clone(),
        ))
        .msg()?;
        y += 21;
        if let Some(d) = &e.detail {
            for line in wrap_words(area, d, &detail, room, 3) {
                area.draw(&Text::new(line, (46, y), detail.clone())).msg()?;
                y += 20;
            }
        }
        y += 8;
    }
    Ok(())
}

/// A chart: draws itself on a root area of any backend.
pub trait Chart {
    /// Draws the whole chart.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Res;
}

// ---------------------------------------------------------------------------------------------
// Histogram panel

/// One distribution of a histogram panel (values in display units).
pub struct HistSeries {
    /// Legend label.
    pub label: String,
    /// Values (successful draws).
    pub values: Vec<f64>,
    /// Colour.
    pub color: RGBColor,
}

/// A vertical marker line.
pub struct Marker {
    /// Legend label.
    pub label: String,
    /// Legend detail (the value).
    pub detail: String,
    /// Position (not finite: a legend entry only, no line).
    pub x: f64,
    /// Colour.
    pub color: RGBColor,
    /// Dashed (quantiles) or solid (point estimate).
    pub dashed: bool,
}

/// Histograms (one or more overlaid, same bins) with density lines and markers.
pub struct HistPanel {
    /// Distributions.
    pub series: Vec<HistSeries>,
    /// Vertical markers.
    pub markers: Vec<Marker>,
    /// x-axis description with unit.
    pub x_desc: String,
}

fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    tariffsim_runner::stats::quantile_type7(sorted, p)
}

/// Histogram counts of `values` over `[lo, hi)` in `bins` bins (the top edge closed).
#[must_use]
pub fn histogram(values: &[f64], lo: f64, hi: f64, bins: usize) -> (Vec<u64>, u64) {
    let mut counts = vec![0u64; bins];
    let mut outside = 0;
    let width = (hi - lo) / bins as f64;
    for &v in values {
        if !(v >= lo && v <= hi && width > 0.0) {
            outside += 1;
            continue;
        }
        let k = (((v - lo) / width) as usize).min(bins - 1);
        counts[k] += 1;
    }
    (counts, outside)
}

/// Gaussian kernel density (Silverman's bandwidth) of `values` at `xs`, from a fine binning
/// (512 bins over the range of `xs` padded by 4 bandwidths; values farther away add less than
/// `e^-8` of a kernel there and are left out, so far outliers do not coarsen the grid). Costs
/// O(n + 512 · |xs|).
#[must_use]
pub fn density(values: &[f64], xs: &[f64]) -> Option<Vec<f64>> {
    let n = values.len();
    if n < 10 {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mean = sorted.iter().sum::<f64>() / n as f64;
    let sd = (sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let iqr = quantile_sorted(&sorted, 0.75) - quantile_sorted(&sorted, 0.25);
    let spread = if iqr > 0.0 { sd.min(iqr / 1.34) } else { sd };
    if !(spread > 0.0) {
        return None;
    }
    let h = 0.9 * spread * (n as f64).powf(-0.2);
    let x_min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let x_max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lo = sorted[0].max(x_min - 4.0 * h) - 4.0 * h;
    let hi = sorted[n - 1].min(x_max + 4.0 * h) + 4.0 * h;
    if !(hi > lo) {
        return None;
    }
    let fine = 512;
    let (counts, _) = histogram(&sorted, lo, hi, fine);
    let w = (hi - lo) / fine as f64;
    let norm = 1.0 / (n as f64 * h * (2.0 * std::f64::consts::PI).sqrt());
    Some(
        xs.iter()
            .map(|&x| {
                counts
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c > 0)
                    .map(|(k, &c)| {
                        let g = lo + (k as f64 + 0.5) * w;
                        let z = (x - g) / h;
                        c as f64 * (-0.5 * z * z).exp()
                    })
                    .sum::<f64>()
                    * norm
            })
            .collect(),
    )
}

/// The x range of a histogram: the 0.1–99.9% range of all values with the markers, padded.
fn hist_range(series: &[HistSeries], markers: &[Marker]) -> (f64, f64) {
    let mut all: Vec<f64> = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .collect();
    all.sort_by(f64::total_cmp);
    let (mut lo, mut hi) = if all.is_empty() {
        (0.0, 1.0)
    } else {
        (quantile_sorted(&all, 0.001), quantile_sorted(&all, 0.999))
    };
    for m in markers.iter().filter(|m| m.x.is_finite()) {
        lo = lo.min(m.x);
        hi = hi.max(m.x);
    }
    let span = hi - lo;
    if !(span > 1e-9 * lo.abs().max(hi.abs()).max(1e-9)) {
        let pad = (lo.abs() * 0.05).max(0.5);
        return (lo - pad, hi + pad);
    }
    (lo - 0.04 * span, hi + 0.04 * span)
}

fn hist_bins(values: &[f64], lo: f64, hi: f64) -> usize {
    let n = values.len();
    if n < 2 {
        return 10;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let iqr = quantile_sorted(&sorted, 0.75) - quantile_sorted(&sorted, 0.25);
    let h = 2.0 * iqr / (n as f64).cbrt();
    if !(h > 0.0) {
        return 20;
    }
    (((hi - lo) / h).ceil() as usize).clamp(12, 60)
}

impl HistPanel {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, y_desc: &str) -> Res {
        let (w, _) = area.dim_in_pixel();
        let (plot, side) = area.split_horizontally(w.saturating_sub(LEGEND_WIDTH));
        let (lo, hi) = hist_range(&self.series, &self.markers);
        let bins = self
            .series
            .first()
            .map_or(20, |s| hist_bins(&s.values, lo, hi));
        let width = (hi - lo) / bins as f64;
        let xs: Vec<f64> = (0..=200)
            .map(|k| lo + (hi - lo) * k as f64 / 200.0)
            .collect();
        let mut bars: Vec<Vec<f64>> = Vec::new();
        let mut lines: Vec<Option<Vec<f64>>> = Vec::new();
        let mut outside = Vec::new();
        let mut y_max: f64 = 0.0;
        for s in &self.series {
            let n = s.values.len().max(1) as f64;
            let (counts, out) = histogram(&s.values, lo, hi, bins);
            let pct: Vec<f64> = counts.iter().map(|&c| 100.0 * c as f64 / n).collect();
            // Density in the same unit as the bars: percent of draws per bin.
            let dens = density(&s.values, &xs)
                .map(|d| d.iter().map(|v| 100.0 * v * width).collect::<Vec<f64>>());
            y_max = y_max.max(pct.iter().copied().fold(0.0, f64::max));
            if let Some(d) = &dens {
                y_max = y_max.max(d.iter().copied().fold(0.0, f64::max));
            }
            bars.push(pct);
            lines.push(dens);
            outside.push(out);
        }
        if !(y_max > 0.0) {
            y_max = 1.0;
        }
        let y_top = y_max * 1.1;
        let dec = decimals_for(hi - lo);
        let ydec = decimals_for(y_top);
        let mut chart = ChartBuilder::on(&plot)
            .margin_right(16)
            .margin_top(8)
            .x_label_area_size(56)
            .y_label_area_size(74)
            .build_cartesian_2d(lo..hi, 0.0..y_top)
            .msg()?;
        house_style(
            chart
                .configure_mesh()
                .x_desc(self.x_desc.as_str())
                .y_desc(y_desc)
                .x_labels(9)
                .y_labels(6)
                .x_label_formatter(&|v| fmt_num(*v, dec))
                .y_label_formatter(&|v| fmt_num(*v, ydec)),
        )
        .draw()
        .msg()?;
        for (s, pct) in self.series.iter().zip(&bars) {
            let alpha = if self.series.len() > 1 { 0.35 } else { 0.45 };
            chart
                .draw_series(
                    pct.iter()
                        .enumerate()
                        .filter(|(_, v)| **v > 0.0)
                        .map(|(k, &v)| {
                            let x0 = lo + k as f64 * width;
                            Rectangle::new(
                                [(x0, 0.0), (x0 + width, v)],
                                s.color.mix(alpha).filled(),
                            )
                        }),
                )
                .msg()?;
        }
        for (s, dens) in self.series.iter().zip(&lines) {
            if let Some(d) = dens {
                // Only where the density is visible: no flat line along the axis.
                let peak = d.iter().copied().fold(0.0, f64::max);
                let first = d.iter().position(|v| *v > 0.002 * peak).unwrap_or(0);
                let last = d.iter().rposition(|v| *v > 0.002 * peak).unwrap_or(0);
                if last > first {
                    chart
                        .draw_series(LineSeries::new(
                            xs[first..=last]
                                .iter()
                                .copied()
                                .zip(d[first..=last].iter().copied()),
                            s.color.stroke_width(3),
                        ))
                        .msg()?;
                }
            }
        }
        for m in self.markers.iter().filter(|m| m.x.is_finite()) {
            let style = m.color.stroke_width(if m.dashed { 2 } else { 3 });
            let pts = vec![(m.x, 0.0), (m.x, y_top)];
            if m.dashed {
                chart
                    .draw_series(DashedLineSeries::new(pts, 9, 6, style))
                    .msg()?;
            } else {
                chart.draw_series(LineSeries::new(pts, style)).msg()?;
            }
        }
        let mut entries: Vec<LegendEntry> = Vec::new();
        for ((s, out), dens) in self.series.iter().zip(&outside).zip(&lines) {
            let mut detail = format!(
                "{} draws",
                crate::data::group_thousands(s.values.len() as u64)
            );
            if *out > 0 {
                detail.push_str(&format!(", {out} beyond the axis"));
            }
            entries.push(LegendEntry {
                swatch: Swatch::Fill(s.color.mix(if self.series.len() > 1 { 0.35 } else { 0.45 })),
                label: s.label.clone(),
                detail: Some(detail),
            });
            if dens.is_some() && self.series.len() == 1 {
                entries.push(LegendEntry {
                    swatch: Swatch::Line(s.color, 3, false),
                    label: "density (kernel estimate)".into(),
                    detail: None,
                });
            }
        }
        for m in self.markers.iter().filter(|m| !m.label.is_empty()) {
            entries.push(LegendEntry {
                swatch: Swatch::Line(m.color, if m.dashed { 2 } else { 3 }, m.dashed),
                label: m.label.clone(),
                detail: Some(m.detail.clone()),
            });
        }
        legend(&side, &entries)
    }
}

/// A chart of one histogram panel, or two stacked (compare: distributions, then difference).
pub struct HistChart {
    /// Frame.
    pub frame: Frame,
    /// Panels, top to bottom.
    pub panels: Vec<HistPanel>,
}

impl Chart for HistChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Res {
        let body = frame(root, &self.frame)?;
        let areas = body.split_evenly((self.panels.len().max(1), 1));
        for (p, area) in self.panels.iter().zip(&areas) {
            p.draw(area, "Share of draws (%)")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Interval rows

/// One row of an interval panel.
pub struct IntervalRow {
    /// Row label.
    pub label: String,
    /// p5, p25, p50, p75, p95.
    pub q: [f64; 5],
    /// Drawn in the highlight colour.
    pub highlight: bool,
    /// An observed value drawn over the band (backtests).
    pub observed: Option<f64>,
}

/// Rows sorted by median (largest at the top): median bar, 25–75% box, 5–95% whisker.
pub struct IntervalChart {
    /// Frame.
    pub frame: Frame,
    /// Rows, in display order (top first).
    pub rows: Vec<IntervalRow>,
    /// x-axis description with unit.
    pub x_desc: String,
    /// Label of highlighted rows in the legend (none: no highlight entry).
    pub highlight_label: Option<String>,
}

fn row_labels<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, labels: &[String]) -> u32 {
    let style = font(15);
    labels
        .iter()
        .filter_map(|l| area.estimate_text_size(l, &style).ok())
        .map(|(w, _)| w)
        .max()
        .unwrap_or(40)
        + 24
}

/// The plot area of a chart of labelled horizontal rows (interval rows, signed bars): rows at
/// `y = 0, 1, …` up to `y_hi`, the x axis over `x` with `x_label` ticks and `x_desc` below, no
/// horizontal grid, and a vertical line at zero.
fn row_chart<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    label_w: u32,
    (x, y_hi): (std::ops::Range<f64>, f64),
    x_desc: &str,
    x_label: &dyn Fn(&f64) -> String,
) -> Res<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
> {
    let mut chart = ChartBuilder::on(plot)
        .margin_right(16)
        .margin_top(8)
        .x_label_area_size(56)
        .y_label_area_size(label_w)
        .build_cartesian_2d(x, -0.5..y_hi)
        .msg()?;
    house_style(
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(9)
            .x_label_formatter(x_label)
            .x_desc(x_desc),
    )
    .draw()
    .msg()?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, y_hi)],
            INK.stroke_width(1),
        )))
        .msg()?;
    Ok(chart)
}

impl Chart for IntervalChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Res {
        let body = frame(root, &self.frame)?;
        let (w, _) = body.dim_in_pixel();
        let (plot, side) = body.split_horizontally(w.saturating_sub(LEGEND_WIDTH - 60));
        let n = self.rows.len();
        let labels: Vec<String> = self.rows.iter().map(|r| r.label.clone()).collect();
        let label_w = row_labels(&plot, &labels);
        let mut lo: f64 = 0.0;
        let mut hi: f64 = 0.0;
        for r in &self.rows {
            for v in r.q.iter().chain(r.observed.as_ref()) {
                if v.is_finite() {
                    lo = lo.min(*v);
                    hi = hi.max(*v);
                }
            }
        }
        let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
        let dec = decimals_for(span);
        // Room for the value labels beside the whiskers.
        let (x_lo, x_hi) = (
            lo - 0.03 * span - if lo < 0.0 { 0.1 * span } else { 0.0 },
            hi + 0.16 * span,
        );
        let y_hi = n.max(1) as f64 - 0.5;
        let mut chart = row_chart(&plot, label_w, (x_lo..x_hi, y_hi), &self.x_desc, &|v| {
            fmt_num(*v, dec)
        })?;
        let base = plot.get_base_pixel();
        let row_px = chart.backend_coord(&(0.0, 0.0)).1 - chart.backend_coord(&(0.0, 1.0)).1;
        let half = if row_px >= 24 { 0.32 } else { 0.4 };
        for (i, r) in self.rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let [p5, p25, p50, p75, p95] = r.q;
            let (light, dark) = if r.highlight {
                (RED.mix(0.35), RED)
            } else {
                (BLUE.mix(0.3), BLUE)
            };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y - half), (p50, y + half)],
                    light.filled(),
                )))
                .msg()?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(p5, y), (p95, y)],
                    dark.stroke_width(2),
                )))
                .msg()?;
            for x in [p5, p95] {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x, y - half * 0.45), (x, y + half * 0.45)],
                        dark.stroke_width(2),
                    )))
                    .msg()?;
            }
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(p25, y - half * 0.3), (p75, y + half * 0.3)],
                    dark.filled(),
                )))
                .msg()?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(p50, y - half), (p50, y + half)],
                    INK.stroke_width(2),
                )))
                .msg()?;
            if let Some(obs) = r.observed {
                // A diamond: the observed value.
                let d = half * 0.55;
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        vec![
                            (obs, y - d),
                            (obs + span * 0.008, y),
                            (obs, y + d),
                            (obs - span * 0.008, y),
                        ],
                        INK.filled(),
                    )))
                    .msg()?;
            }
            let (px, py) = chart.backend_coord(&(x_lo, y));
            let style = if r.highlight {
                bold(15).color(&RED)
            } else {
                font(15)
            };
            plot.draw(&Text::new(
                r.label.clone(),
                (px - base.0 - 10, py - base.1),
                style.pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .msg()?;
            let (vx, vy) = chart.backend_coord(&(p95.max(0.0), y));
            plot.draw(&Text::new(
                fmt_signed(p50, dec),
                (vx - base.0 + 8, vy - base.1),
                font(14)
                    .color(&MUTED)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .msg()?;
        }
        let mut entries = vec![
            LegendEntry {
                swatch: Swatch::Fill(BLUE.mix(0.3)),
                label: "median (bar, value)".into(),
                detail: None,
            },
            LegendEntry {
                swatch: Swatch::Line(BLUE, 8, false),
                label: "25–75% of draws".into(),
                detail: None,
            },
            LegendEntry {
                swatch: Swatch::Line(BLUE, 2, false),
                label: "5–95% of draws".into(),
                detail: None,
            },
        ];
        if let Some(h) = &self.highlight_label {
            entries.push(LegendEntry {
                swatch: Swatch::Fill(RED.to_rgba()),
                label: h.clone(),
                detail: None,
            });
        }
        if self.rows.iter().any(|r| r.observed.is_some()) {
            entries.push(LegendEntry {
                swatch: Swatch::Fill(INK.to_rgba()),
                label: "observed (diamond)".into(),
                detail: None,
            });
        }
        legend(&side, &entries)
    }
}

// ---------------------------------------------------------------------------------------------
// Signed bars (tornado)

/// Horizontal bars from zero, sorted by magnitude (largest at the top).
pub struct BarChart {
    /// Frame.
    pub frame: Frame,
    /// (label, value), display order.
    pub rows: Vec<(String, f64)>,
    /// x-axis description.
    pub x_desc: String,
    /// Legend entries (positive colour, negative colour).
    pub legend: (String, String),
}

impl Chart for BarChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Res {
        let body = frame(root, &self.frame)?;
        let (w, _) = body.dim_in_pixel();
        let (plot, side) = body.split_horizontally(w.saturating_sub(LEGEND_WIDTH));
        let n = self.rows.len();
        let labels: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let label_w = row_labels(&plot, &labels);
        // Zero always shown; room for the value labels on the side(s) that have bars.
        let lo = self.rows.iter().map(|r| r.1).fold(0.0, f64::min);
        let hi = self.rows.iter().map(|r| r.1).fold(0.0, f64::max);
        let span = (hi - lo).max(0.05);
        let x_lo = lo - if lo < 0.0 { 0.22 } else { 0.02 } * span;
        let x_hi = hi + if hi > 0.0 { 0.22 } else { 0.02 } * span;
        let y_hi = n.max(1) as f64 - 0.5;
        let mut chart = row_chart(&plot, label_w, (x_lo..x_hi, y_hi), &self.x_desc, &|v| {
            if v.abs() > 1.0 + 1e-9 {
                String::new()
            } else {
                fmt_num(*v, 1)
            }
        })?;
        let base = plot.get_base_pixel();
        for (i, (label, v)) in self.rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let color = if *v >= 0.0 { BLUE } else { ORANGE };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y - 0.32), (*v, y + 0.32)],
                    color.filled(),
                )))
                .msg()?;
            let (px, py) = chart.backend_coord(&(x_lo, y));
            plot.draw(&Text::new(
                label.clone(),
                (px - base.0 - 10, py - base.1),
                font(15).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .msg()?;
            let (vx, vy) = chart.backend_coord(&(*v, y));
            let (dx, h) = if *v >= 0.0 {
                (8, HPos::Left)
            } else {
                (-8, HPos::Right)
            };
            plot.draw(&Text::new(
                fmt_signed(*v, 2),
                (vx - base.0 + dx, vy - base.1),
                font(14).color(&MUTED).pos(Pos::new(h, VPos::Center)),
            ))
            .msg()?;
        }
        legend(
            &side,
            &[
                LegendEntry {
                    swatch: Swatch::Fill(BLUE.to_rgba()),
                    label: self.legend.0.clone(),
                    detail: None,
                },
                LegendEntry {
                    swatch: Swatch::Fill(ORANGE.to_rgba()),
                    label: self.legend.1.clone(),
                    detail: None,
                },
            ],
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Tariff timeline

/// 1970-01-01, day 0 of the charts' day numbers.
fn epoch() -> tariffsim_scenario::Date {
    tariffsim_scenario::Date::from_ymd(1970, 1, 1).expect("a valid date")
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (the scenario crate's calendar).
#[must_use]
pub fn days_from_iso(s: &str) -> Option<i64> {
    tariffsim_scenario::Date::parse(s).map(|d| d.days_since(epoch()))
}

/// `YYYY-MM-DD` of days since 1970-01-01 (the scenario crate's calendar; empty outside its
/// years 1900–2200, which no chart reaches).
#[must_use]
pub fn iso_from_days(z: i64) -> String {
    epoch()
        .plus_days(z)
        .map_or_else(String::new, |d| d.to_string())
}

/// Tick marks and month labels under a date axis: `ticks` are day offsets from `start_day`,
/// `to_px` maps an offset to backend pixels on the axis line.
fn draw_month_ticks<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    start_day: i64,
    ticks: &[f64],
    to_px: impl Fn(f64) -> (i32, i32),
) -> Res {
    let base = plot.get_base_pixel();
    for &t in ticks {
        let (px, py) = to_px(t);
        let (px, py) = (px - base.0, py - base.1);
        plot.draw(&PathElement::new(
            vec![(px, py), (px, py + 6)],
            MUTED.stroke_width(1),
        ))
        .msg()?;
        plot.draw(&Text::new(
            month_label(start_day + t.round() as i64),
            (px, py + 10),
            font(15).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .msg()?;
    }
    Ok(())
}

/// Offsets (days from `start`) of month starts within `[0, span]`, every 1, 2, 3 or 6 months
/// so that there are at most 8.
fn month_ticks(start: i64, span: f64) -> Vec<f64> {
    let iso = iso_from_days(start);
    let (mut y, mut m) = (
        iso[..4].parse::<i64>().unwrap_or(1970),
        iso[5..7].parse::<i64>().unwrap_or(1),
    );
    let mut all = Vec::new();
    loop {
        let d = days_from_iso(&format!("{y:04}-{m:02}-01")).unwrap_or(start) - start;
        if d as f64 > span {
            break;
        }
        if d >= 0 {
            all.push(d as f64);
        }
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
        if all.len() > 1200 {
            break;
        }
    }
    let step = [1, 2, 3, 6, 12, 24]
        .into_iter()
        .find(|s| all.len().div_ceil(*s) <= 8)
        .unwrap_or(24);
    all.into_iter().step_by(step).collect()
}

/// `Apr 2025` for a day number.
fn month_label(day: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let iso = iso_from_days(day);
    let m: usize = iso[5..7].parse().unwrap_or(1);
    let d = &iso[8..10];
    let month = MONTHS[(m + 11) % 12];
    if d == "01" {
        format!("{month} {}", &iso[..4])
    } else {
        iso
    }
}

/// The stacked step chart of the focus pair's additional tariff by layer, phases shaded.
pub struct TimelineChart {
    /// Frame.
    pub frame: Frame,
    /// The timeline.
    pub timeline: Timeline,
}

impl Chart for TimelineChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Res {
        let body = frame(root, &self.frame)?;
        let (w, _) = body.dim_in_pixel();
        let (plot, side) = body.split_horizontally(w.saturating_sub(LEGEND_WIDTH));
        let t = &self.timeline;
        let start = t
            .phases
            .first()
            .and_then(|p| days_from_iso(&p.start))
            .unwrap_or(0);
        let mut spans = Vec::new();
        let mut x = 0.0;
        for p in &t.phases {
            let a = days_from_iso(&p.start).map_or(x, |d| (d - start) as f64);
            let b = a + f64::from(p.days);
            spans.push((a, b));
            x = b;
        }
        let x_hi = x.max(1.0);
        let pct = |v: f64| 100.0 * v;
        let mut y_lo: f64 = 0.0;
        let mut y_hi: f64 = 0.0;
        for p in &t.phases {
            let mut pos = 0.0;
            let mut neg = 0.0;
            for v in &p.by_layer {
                if *v >= 0.0 {
                    pos += pct(*v);
                } else {
                    neg += pct(*v);
                }
            }
            y_hi = y_hi.max(pos).max(pct(p.total));
            y_lo = y_lo.min(neg).min(pct(p.total));
        }
        if !(y_hi - y_lo > 0.0) {
            y_hi = 10.0;
        }
        let y_top = y_hi * 1.14;
        let y_bottom = if y_lo < 0.0 { y_lo * 1.14 } else { 0.0 };
        let ydec = decimals_for(y_top - y_bottom);
        let start_day = start;
        let ticks = month_ticks(start, x_hi);
        let mut chart = ChartBuilder::on(&plot)
            .margin_right(24)
            .margin_top(8)
            .x_label_area_size(56)
            .y_label_area_size(74)
            .build_cartesian_2d(0.0..x_hi, y_bottom..y_top)
            .msg()?;
        house_style(
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_labels(8)
                .y_label_formatter(&|v| fmt_num(*v, ydec))
                .x_desc("Date")
                .y_desc(format!(
                    "Additional tariff, {} on {} (%)",
                    t.importer, t.exporter
                )),
        )
        .draw()
        .msg()?;
        // Month ticks (the axis' own ticks would fall on arbitrary days).
        let base = plot.get_base_pixel();
        draw_month_ticks(&plot, start_day, &ticks, |t| {
            chart.backend_coord(&(t, y_bottom))
        })?;
        // Phase shading (alternate phases) and labels where they fit.
        for (k, (a, b)) in spans.iter().enumerate() {
            if k % 2 == 1 {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(*a, y_bottom), (*b, y_top)],
                        SHADE.filled(),
                    )))
                    .msg()?;
            }
        }
        // Stacked layer bands.
        for (k, p) in t.phases.iter().enumerate() {
            let (a, b) = spans[k];
            let (mut pos, mut neg) = (0.0, 0.0);
            for (l, v) in p.by_layer.iter().enumerate() {
                let v = pct(*v);
                if v == 0.0 {
                    continue;
                }
                let (y0, y1) = if v > 0.0 {
                    let y0 = pos;
                    pos += v;
                    (y0, pos)
                } else {
                    let y0 = neg;
                    neg += v;
                    (neg, y0)
                };
                let c = PALETTE[l % PALETTE.len()];
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(a, y0), (b, y1)],
                        c.mix(0.75).filled(),
                    )))
                    .msg()?;
            }
        }
        // Total: a black step line.
        let mut pts = Vec::new();
        for (k, p) in t.phases.iter().enumerate() {
            let (a, b) = spans[k];
            pts.push((a, pct(p.total)));
            pts.push((b, pct(p.total)));
        }
        chart
            .draw_series(LineSeries::new(pts, INK.stroke_width(3)))
            .msg()?;
        // Phase labels and values where the phase is wide enough.
        let mut last_label_end = i32::MIN;
        for (k, p) in t.phases.iter().enumerate() {
            let (a, b) = spans[k];
            let (x0, _) = chart.backend_coord(&(a, y_top));
            let (x1, y_px) = chart.backend_coord(&(b, pct(p.total)));
            let label = fmt_pct(pct(p.total));
            let (tw, _) = plot
                .estimate_text_size(&label, &bold(14))
                .unwrap_or((40, 14));
            let mid = (x0 + x1) / 2;
            if x1 - x0 >= tw as i32 + 6 && mid - tw as i32 / 2 > last_label_end {
                plot.draw(&Text::new(
                    label,
                    (mid - base.0, y_px - base.1 - 6),
                    bold(14).pos(Pos::new(HPos::Center, VPos::Bottom)),
                ))
                .msg()?;
                last_label_end = mid + tw as i32 / 2;
            }
            let tag = format!("P{}", k + 1);
            let (_, top) = chart.backend_coord(&(a, y_top));
            if x1 - x0 >= 30 {
                plot.draw(&Text::new(
                    tag,
                    (mid - base.0, top - base.1 + 4),
                    font(13)
                        .color(&MUTED)
                        .pos(Pos::new(HPos::Center, VPos::Top)),
                ))
                .msg()?;
            }
        }
        let mut entries: Vec<LegendEntry> = Vec::new();
        entries.push(LegendEntry {
            swatch: Swatch::Line(INK, 3, false),
            label: "total (trade-weighted)".into(),
            detail: Some(format!(
                "peak {}",
                fmt_pct(
                    t.phases
                        .iter()
                        .map(|p| pct(p.total))
                        .fold(f64::MIN, f64::max)
                        .max(0.0)
                )
            )),
        });
        // The legend column holds about nine layers; the rest are listed in the report's table.
        const MAX_LAYERS: usize = 8;
        for (l, (name, origin)) in t.layers.iter().enumerate().take(MAX_LAYERS) {
            let max = t
                .phases
                .iter()
                .map(|p| pct(p.by_layer.get(l).copied().unwrap_or(0.0)))
                .fold(0.0, f64::max);
            // The statutory rate on the covered sectors beside the trade-weighted one: "25% on
            // 2 sectors" reads differently from "4% on everything".
            let statutory = t
                .phases
                .iter()
                .filter_map(|p| p.statutory.get(l).copied().flatten())
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
            let mut sectors: Vec<&str> = Vec::new();
            for p in &t.phases {
                for code in p.sectors.get(l).map_or("", String::as_str).split(';') {
                    if !code.is_empty() && !sectors.contains(&code) {
                        sectors.push(code);
                    }
                }
            }
            let scope = match sectors.as_slice() {
                [] => String::new(),
                ["all"] => " on all sectors".into(),
                [one] => format!(" on {}", one.to_lowercase().replace('_', " ")),
                many => format!(" on {} sectors", many.len()),
            };
            let detail = match statutory {
                Some(rate) => format!(
                    "statutory {}{scope}; up to {} weighted",
                    fmt_pct(100.0 * rate),
                    fmt_pct(max)
                ),
                None => format!("{origin}, up to {}", fmt_pct(max)),
            };
            entries.push(LegendEntry {
                swatch: Swatch::Fill(PALETTE[l % PALETTE.len()].mix(0.75)),
                label: name.clone(),
                detail: Some(detail),
            });
        }
        if t.layers.len() > MAX_LAYERS {
            entries.push(LegendEntry {
                swatch: Swatch::Fill(WHITE.to_rgba()),
                label: format!("+ {} more layers", t.layers.len() - MAX_LAYERS),
                detail: Some(if t.layers.len() > PALETTE.len() {
                    "colours repeat; all in report.html".into()
                } else {
                    "listed in report.html".into()
                }),
            });
        }
        entries.push(LegendEntry {
            swatch: Swatch::Fill(SHADE.to_rgba()),
            label: "phases P1, P2, … (alternate shading)".into(),
            detail: None,
        });
        legend(&side, &entries)
    }
}

/// Daily series of a rate (%), e.g. a schedule's import-weighted additional US tariff beside a
/// benchmark's: one solid line per series and optional dashed ones.
pub struct DailyChart {
    /// Frame.
    pub frame: Frame,
    /// Y-axis description.
    pub y_desc: String,
    /// The lines, the first drawn in ink.
    pub series: Vec<DailyLine>,
}

/// One line of a [`DailyChart`].
pub struct DailyLine {
    /// Legend label.
    pub label: String,
    /// Grey second legend line.
    pub detail: Option<String>,
    /// `(day number since 1970-01-01, value in %)`.
    pub points: Vec<(i64, f64)>,
    /// Dashed (a benchmark) or solid.
    pub dashed: bool,
}

impl Chart for DailyChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Res {
        let body = frame(root, &self.frame)?;
        let (w, _) = body.dim_in_pixel();
        let (plot, side) = body.split_horizontally(w.saturating_sub(LEGEND_WIDTH));
        let all = self.series.iter().flat_map(|s| s.points.iter());
        let (mut d0, mut d1, mut y_hi) = (i64::MAX, i64::MIN, 0.0_f64);
        for &(d, v) in all {
            d0 = d0.min(d);
            d1 = d1.max(d);
            if v.is_finite() {
                y_hi = y_hi.max(v);
            }
        }
        if d0 > d1 {
            return Ok(());
        }
        let y_top = if y_hi > 0.0 { y_hi * 1.12 } else { 1.0 };
        let ydec = decimals_for(y_top);
        let span = (d1 - d0 + 1) as f64;
        let mut chart = ChartBuilder::on(&plot)
            .margin_right(24)
            .margin_top(8)
            .x_label_area_size(56)
            .y_label_area_size(74)
            .build_cartesian_2d(0.0..span, 0.0..y_top)
            .msg()?;
        house_style(
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_labels(8)
                .y_label_formatter(&|v| fmt_num(*v, ydec))
                .x_desc("Date")
                .y_desc(self.y_desc.clone()),
        )
        .draw()
        .msg()?;
        draw_month_ticks(&plot, d0, &month_ticks(d0, span), |t| {
            chart.backend_coord(&(t, 0.0))
        })?;
        let mut entries = Vec::new();
        for (k, line_spec) in self.series.iter().enumerate() {
            let (label, detail, pts, dashed) = (
                &line_spec.label,
                &line_spec.detail,
                &line_spec.points,
                &line_spec.dashed,
            );
            let color = if k == 0 {
                INK
            } else {
                PALETTE[k % PALETTE.len()]
            };
            let line: Vec<(f64, f64)> = pts
                .iter()
                .filter(|(_, v)| v.is_finite())
                .map(|&(d, v)| ((d - d0) as f64, v))
                .collect();
            if *dashed {
                chart
                    .draw_series(DashedLineSeries::new(line, 8, 6, color.stroke_width(3)))
                    .msg()?;
            } else {
                chart
                    .draw_series(LineSeries::new(line, color.stroke_width(3)))
                    .msg()?;
            }
            entries.push(LegendEntry {
                swatch: Swatch::Line(color, 3, *dashed),
                label: label.clone(),
                detail: detail.clone(),
            });
        }
        legend(&side, &entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for s in [
            "1970-01-01",
            "2024-02-29",
            "2025-04-10",
            "2026-12-31",
            "2000-03-01",
        ] {
            let d = days_from_iso(s).unwrap();
            assert_eq!(iso_from_days(d), s);
        }
        assert_eq!(days_from_iso("1970-01-02"), Some(1));
        assert_eq!(days_from_iso("2025-13-01"), None);
    }

    #[test]
    fn numbers_format_without_negative_zero() {
        assert_eq!(fmt_num(-0.0001, 2), "0.00");
        assert_eq!(fmt_num(-1.5, 1), "−1.5");
        assert_eq!(fmt_signed(2.25, 1), "+2.2");
        assert_eq!(fmt_signed(0.0, 1), "0.0");
        assert_eq!(fmt_pct(144.999_999_9), "145%");
        assert_eq!(fmt_pct(12.5), "12.5%");
        assert_eq!(decimals_for(50.0), 0);
        assert_eq!(decimals_for(18.0), 0);
        assert_eq!(decimals_for(4.0), 1);
        assert_eq!(decimals_for(0.4), 2);
    }

    #[test]
    fn histogram_counts_every_value_once() {
        let v: Vec<f64> = (0..1000).map(|k| f64::from(k) / 999.0).collect();
        let (c, out) = histogram(&v, 0.0, 1.0, 10);
        assert_eq!(c.iter().sum::<u64>() + out, 1000);
        assert_eq!(out, 0);
        assert!(c.iter().all(|&x| x == 100));
        let (_, out) = histogram(&v, 0.25, 0.75, 5);
        assert_eq!(out, 500);
    }

    #[test]
    fn density_integrates_to_one() {
        // Standard normal quantiles: the kernel density of a smooth sample integrates to ~1
        // (the binning and the finite grid cost well under 1%).
        let n = 2000;
        let v: Vec<f64> = (0..n)
            .map(|k| tariffsim_runner::normal::quantile((k as f64 + 0.5) / n as f64))
            .collect();
        let xs: Vec<f64> = (0..=800)
            .map(|k| -8.0 + 16.0 * f64::from(k) / 800.0)
            .collect();
        let d = density(&v, &xs).unwrap();
        let integral: f64 = d.iter().sum::<f64>() * 16.0 / 800.0;
        assert!((integral - 1.0).abs() < 0.01, "{integral}");
        // Peak near the standard normal's 0.399 (smoothing lowers it a little).
        let peak = d.iter().copied().fold(0.0, f64::max);
        assert!((0.36..0.41).contains(&peak), "{peak}");
        // A far outlier neither moves the grid nor the shape: the density over the same xs
        // integrates to (n - 1) / n of one and keeps its peak.
        let mut with_outlier = v.clone();
        with_outlier[0] = -1e9;
        let d2 = density(&with_outlier, &xs).unwrap();
        let integral2: f64 = d2.iter().sum::<f64>() * 16.0 / 800.0;
        assert!(
            (integral2 - (n - 1) as f64 / n as f64).abs() < 0.01,
            "{integral2}"
        );
        let peak2 = d2.iter().copied().fold(0.0, f64::max);
        assert!((peak2 - peak).abs() < 0.01, "{peak2} vs {peak}");
    }
}
