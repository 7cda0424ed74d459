//! Unit tests of the formats, the calendar, the histogram and the density.

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
