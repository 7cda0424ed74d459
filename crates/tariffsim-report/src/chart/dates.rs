//! Day numbers of the date charts and their month axis.

use super::*;

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
pub(super) fn draw_month_ticks<DB: DrawingBackend>(
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
pub(super) fn month_ticks(start: i64, span: f64) -> Vec<f64> {
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

/// The frame of a date chart: day offsets `0..span` from `start_day` across, `y` up, the house
/// mesh with `y_desc` and month ticks under the axis (the axis' own ticks would fall on arbitrary
/// days). The daily-rate and timeline charts draw on it.
pub(super) fn date_chart<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    start_day: i64,
    span: f64,
    y: std::ops::Range<f64>,
    y_desc: String,
) -> Res<XyChart<'a, DB>> {
    let ydec = decimals_for(y.end - y.start);
    let y_axis = y.start;
    let mut chart = ChartBuilder::on(plot)
        .margin_right(24)
        .margin_top(8)
        .x_label_area_size(56)
        .y_label_area_size(74)
        .build_cartesian_2d(0.0..span, y)
        .msg()?;
    house_style(
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(8)
            .y_label_formatter(&|v| fmt_num(*v, ydec))
            .x_desc("Date")
            .y_desc(y_desc),
    )
    .draw()
    .msg()?;
    draw_month_ticks(plot, start_day, &month_ticks(start_day, span), |t| {
        chart.backend_coord(&(t, y_axis))
    })?;
    Ok(chart)
}
