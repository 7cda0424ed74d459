//! Signed horizontal bars (the tornado).

use super::*;

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
