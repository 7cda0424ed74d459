//! The tariff timeline: the focus pair's additional tariff by layer, phases shaded.

use super::*;

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
        let mut chart = date_chart(
            &plot,
            start,
            x_hi,
            y_bottom..y_top,
            format!("Additional tariff, {} on {} (%)", t.importer, t.exporter),
        )?;
        let base = plot.get_base_pixel();
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
