//! Number formats of tick labels, legends and titles.

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
