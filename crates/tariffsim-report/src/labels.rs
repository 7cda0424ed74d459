//! Words around the numbers: a metric's display unit, possessive names, a run chart's frame.

use crate::chart::Frame;
use crate::data::RunData;

/// How a metric is displayed: a factor (ratios → percent) and a unit.
#[must_use]
pub fn metric_unit(name: &str) -> (f64, &'static str) {
    // Units are written after a value: `12.3%`, `4.5 USD bn`; ratios are shown as percent.
    match tariffsim_core::metrics::unit_of(name) {
        tariffsim_core::metrics::Unit::Ratio => (100.0, "%"),
        tariffsim_core::metrics::Unit::Percent => (1.0, "%"),
        tariffsim_core::metrics::Unit::UsdBn => (1.0, " USD bn"),
    }
}

/// `China's`, `United States'`.
#[must_use]
pub fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

pub(crate) fn frame(data: &RunData, title: String, subtitle: String) -> Frame {
    Frame {
        title,
        subtitle,
        source: data.source_line(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_metric_names() {
        assert_eq!(metric_unit("diversion_ratio.USA.CHN"), (100.0, "%"));
        assert_eq!(metric_unit("a:imports_pct.USA.CHN"), (1.0, "%"));
        assert_eq!(metric_unit("diff:balance.CHN"), (1.0, " USD bn"));
    }
}
