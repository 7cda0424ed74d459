//! Interval rows: median bar, 25–75% box, 5–95% whisker per row.

use super::*;

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
