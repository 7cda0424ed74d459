//! `gegravity-compat` against gegravity 0.3 on the repository's own synthetic data set
//! (`tests/peers/gegravity/`: 16 countries, sigma = 6, reference importer FRA), three
//! counterfactuals: a trade agreement, a 10% and a 145% tariff-like cost on one pair.
//!
//! The expected values were written by `python3 tests/peers/gegravity/generate.py` (gegravity
//! 0.3 in a throwaway venv); the settings below mirror that script's constants.

mod ge_support;

use ge_support::{GravityData, compare_with_expected, fixtures};

const SIGMA: f64 = 6.0;
const REFERENCE: &str = "FRA";
const VARIABLES: [&str; 7] = [
    "lndist",
    "contiguity",
    "common_language",
    "pta",
    "international",
    "constant",
    "ln_tau",
];
/// Coefficients of `t^(1−σ)` (`ln_tau`'s is `1 − σ`), as in `generate.py`.
const COEFFS: [f64; 7] = [-0.85, 0.45, 0.25, 0.38, -2.9, 12.5, 1.0 - SIGMA];

fn data() -> GravityData {
    let vars: Vec<String> = VARIABLES.iter().map(|s| s.to_string()).collect();
    GravityData::read(
        &fixtures().join("data/synthetic_gravity.csv"),
        Some("2024"),
        &vars,
    )
}

fn run(name: &str, changes: &[(&str, &str, &str, f64)]) {
    let data = data();
    assert_eq!(data.countries.len(), 16);
    let case = data.case(SIGMA, REFERENCE, &COEFFS);
    let mut cf = data.costs.clone();
    for &(ex, im, var, value) in changes {
        data.set(&mut cf, ex, im, var, value);
    }
    let ours = case.solve(&cf).unwrap();
    let meta =
        std::fs::read_to_string(fixtures().join("expected").join(name).join("run_meta.json"))
            .unwrap();
    assert!(meta.contains("\"sigma\": 6.0") && meta.contains("\"reference_importer\": \"FRA\""));
    compare_with_expected(&fixtures().join("expected").join(name), &ours, name);
}

#[test]
fn trade_agreement_matches_gegravity() {
    run(
        "pta_bra_mex",
        &[("BRA", "MEX", "pta", 1.0), ("MEX", "BRA", "pta", 1.0)],
    );
}

#[test]
fn tariff_10pct_matches_gegravity() {
    run(
        "tariff10_vnm_usa",
        &[("VNM", "USA", "ln_tau", 1.10_f64.ln())],
    );
}

#[test]
fn tariff_145pct_matches_gegravity() {
    run(
        "tariff145_chn_usa",
        &[("CHN", "USA", "ln_tau", 2.45_f64.ln())],
    );
}
