//! `gegravity-compat` against gegravity 0.3 on the repository's own synthetic data set
//! (`tests/peers/gegravity/`: 16 countries, sigma = 6, reference importer FRA), three
//! counterfactuals: a trade agreement, a 10% and a 145% tariff-like cost on one pair.
//!
//! The expected values were written by `python3 tests/peers/gegravity/generate.py` (gegravity
//! 0.3 in a throwaway venv); the settings below mirror that script's constants.

mod ge_support;

use ge_support::{GravityData, compare_with_expected, fixtures, r, sec, uniform};

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

/// The `Model::GegravityCompat` path on a [`Baseline`]: built from gegravity's modelled baseline
/// flows (so the calibrated costs are gegravity's up to row/column scalings the resistances
/// absorb), a 145% tariff on CHN→USA reproduces gegravity's welfare statistics. Welfare is
/// numeraire-free (the baseline path picks its own reference importer), so it is the quantity to
/// compare: `welfare = E (1 / statistic − 1)`. The metric catalog runs on the result.
#[test]
fn model_path_on_a_baseline_reproduces_gegravity_welfare() {
    use ge_support::Table;
    use tariffsim_core::{
        Baseline, Focus, MetricCatalog, Model, Provenance, RegionSet, SectorSet, TariffChange,
    };
    let dir = fixtures().join("expected/tariff145_chn_usa");
    let bilateral = Table::read(&dir.join("bilateral_trade_results.csv"));
    let data = data();
    let n = data.countries.len();
    let mut flows = vec![0.0; n * n];
    for r in 0..bilateral.rows.len() {
        let i = data.index(bilateral.text(r, "exporter"));
        let j = data.index(bilateral.text(r, "importer"));
        flows[i * n + j] = bilateral.num(r, "baseline modeled trade");
    }
    let baseline = Baseline::new(
        RegionSet::from_codes(&data.countries).unwrap(),
        SectorSet::from_codes(&["ALL"]).unwrap(),
        flows,
        vec![0.0; n * n],
        true,
        Provenance::default(),
    )
    .unwrap();
    let el = uniform(n, 1, SIGMA, -1.0, f64::INFINITY);
    let (chn, usa) = (data.index("CHN"), data.index("USA"));
    let tariffs =
        TariffChange::raise_all_sectors(&baseline.baseline_tariffs(), r(chn), r(usa), 1.45)
            .apply(&baseline.baseline_tariffs())
            .unwrap();
    let eq = Model::GegravityCompat
        .solve(&baseline, &el, &tariffs)
        .unwrap();
    assert!(eq.residual <= 1e-12);
    let countries = Table::read(&dir.join("country_results.csv"));
    for row in 0..countries.rows.len() {
        let j = data.index(countries.text(row, "country"));
        let spend: f64 = (0..n).map(|i| baseline.flow(r(i), r(j), sec(0))).sum();
        let ours = 1.0 + eq.welfare[j] / spend;
        let theirs = 1.0 / countries.num(row, "welfare statistic");
        assert!(
            (ours / theirs - 1.0).abs() < 1e-7,
            "{}: real expenditure ratio {ours} vs gegravity {theirs}",
            data.countries[j]
        );
    }
    // Every metric is finite, and welfare.R is the equilibrium's welfare in USD bn.
    let focus = Focus::from_codes(&baseline, "USA", "CHN").unwrap();
    let metrics = MetricCatalog::new(&baseline, Some(focus)).evaluate(&baseline, &eq);
    assert!(metrics.iter().all(|(_, v)| v.is_finite()));
    let welfare_usa = metrics.iter().find(|(k, _)| k == "welfare.USA").unwrap().1;
    assert!((welfare_usa - eq.welfare[usa] * 1e-9).abs() < 1e-12 * eq.welfare[usa].abs().max(1.0));
    let direct = metrics
        .iter()
        .find(|(k, _)| k == "imports_pct.USA.CHN")
        .unwrap()
        .1;
    assert!(
        direct < -90.0,
        "a 145% tariff with sigma 6 cuts USA imports from CHN: {direct}%"
    );
}
