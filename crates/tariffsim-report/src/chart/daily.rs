//! Daily rate series (`tariffsim etr --daily --plot`).

use super::*;

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
        let span = (d1 - d0 + 1) as f64;
        let mut chart = date_chart(&plot, d0, span, 0.0..y_top, self.y_desc.clone())?;
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
