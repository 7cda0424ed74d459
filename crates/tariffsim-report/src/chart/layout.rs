//! What every chart shares: the frame (title, subtitle, source line), the legend column, fitting
//! text into them, and the plot area of the row charts.

use super::*;

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
pub(super) fn frame<DB: DrawingBackend>(
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

pub(super) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
) -> Res {
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

pub(super) fn row_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    labels: &[String],
) -> u32 {
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
pub(super) fn row_chart<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    label_w: u32,
    (x, y_hi): (std::ops::Range<f64>, f64),
    x_desc: &str,
    x_label: &dyn Fn(&f64) -> String,
) -> Res<XyChart<'a, DB>> {
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
