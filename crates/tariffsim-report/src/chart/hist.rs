//! Histogram panels (distributions with density lines and markers) and the chart of one or two.

use super::*;

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
