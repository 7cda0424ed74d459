//! `gegravity-compat` against gegravity 0.3 on gegravity's own 30-country sample (2006), both
//! counterfactuals in `shared/data/gegravity_expected` (see its `SPEC.md` and `run_meta.json`:
//! sigma = 5, reference importer DEU, fixed cost coefficients).
//!
//! The data are read from `../shared/data` and never copied into the repository. Missing data
//! skip the test, unless `TARIFFSIM_REQUIRE_PEER_DATA=1` (CI), where they fail it.

mod ge_support;

use ge_support::{GravityData, compare_with_expected, shared_data};

const SIGMA: f64 = 5.0;
const REFERENCE: &str = "DEU";

fn variables(extra: &[&str]) -> Vec<String> {
    [
        "lndist",
        "contiguity",
        "common_language",
        "pta",
        "international",
        "constant",
    ]
    .iter()
    .chain(extra)
    .map(|s| s.to_string())
    .collect()
}

/// Coefficients of gegravity's `examples_OneSectorGE.py` (copied in every `run_meta.json`).
const COEFFS: [f64; 6] = [
    -0.3898623, 0.891577, 0.0326249, 0.4711383, -3.412584, 16.32434,
];

#[test]
fn can_jpn_pta_matches_gegravity() {
    let Some(data_dir) = shared_data("can_jpn_pta_matches_gegravity") else {
        return;
    };
    let data = GravityData::read(
        &data_dir.join("gegravity_sample/sample_data_set.dlm"),
        Some("2006"),
        &variables(&[]),
    );
    assert_eq!(data.countries.len(), 30);
    let case = data.case(SIGMA, REFERENCE, &COEFFS);
    let mut cf = data.costs.clone();
    data.set(&mut cf, "CAN", "JPN", "pta", 1.0);
    data.set(&mut cf, "JPN", "CAN", "pta", 1.0);
    let ours = case.solve(&cf).unwrap();
    compare_with_expected(
        &data_dir.join("gegravity_expected/can_jpn_pta"),
        &ours,
        "sample can_jpn_pta",
    );
}

#[test]
fn usa_chn_tariff10_matches_gegravity() {
    let Some(data_dir) = shared_data("usa_chn_tariff10_matches_gegravity") else {
        return;
    };
    let data = GravityData::read(
        &data_dir.join("gegravity_sample/sample_data_set.dlm"),
        Some("2006"),
        &variables(&["ln_tau"]),
    );
    let mut coeffs = COEFFS.to_vec();
    coeffs.push(-4.0); // ln_tau: t^(1-sigma) = tau^(-4) with sigma = 5
    let case = data.case(SIGMA, REFERENCE, &coeffs);
    let mut cf = data.costs.clone();
    data.set(&mut cf, "CHN", "USA", "ln_tau", 1.1_f64.ln());
    let ours = case.solve(&cf).unwrap();
    compare_with_expected(
        &data_dir.join("gegravity_expected/usa_chn_tariff10"),
        &ours,
        "sample usa_chn_tariff10",
    );
}
