//! `gravity-ge`: the textbook endowment GE limit (against an independent algorithm), adding-up
//! and closure invariants with tariffs, deficits and several sectors, exact zero shock, errors.

#![allow(clippy::float_cmp)] // "exactly zero change" is asserted bit for bit on purpose

mod ge_support;

use ge_support::{GravityData, fixtures, r, typed, uniform};
use tariffsim_core::model::gegravity::GegravityCase;
use tariffsim_core::model::gravity_ge::{
    self, DeficitClosure, GravityGeOptions, Workspace as GeWorkspace,
};
use tariffsim_core::{
    Baseline, CoreError, Elasticities, Equilibrium, Model, Provenance, RegionSet, SectorSet,
    StopReason, TariffChange,
};

const SIGMA: f64 = 6.0;
const COEFFS: [f64; 7] = [-0.85, 0.45, 0.25, 0.38, -2.9, 12.5, -5.0];
const VARIABLES: [&str; 7] = [
    "lndist",
    "contiguity",
    "common_language",
    "pta",
    "international",
    "constant",
    "ln_tau",
];

/// A balanced one-sector world (E = Y, no deficits, no tariffs) from the fixture data set: the
/// structural-gravity flows `X_ij = T_ij Y_i Y_j a_j b_i / Y_W` at the baseline resistances.
struct Balanced {
    countries: Vec<String>,
    output: Vec<f64>,
    cost_power: Vec<f64>,
    baseline: Baseline,
}

fn balanced() -> Balanced {
    let vars: Vec<String> = VARIABLES.iter().map(|s| s.to_string()).collect();
    let data = GravityData::read(
        &fixtures().join("data/synthetic_gravity.csv"),
        Some("2024"),
        &vars,
    );
    let base = data.case(SIGMA, "FRA", &COEFFS);
    let case = GegravityCase::from_cost_powers(
        data.countries.clone(),
        data.output.clone(),
        data.output.clone(),
        SIGMA,
        "FRA",
        base.cost_power().to_vec(),
    )
    .unwrap();
    let r = case.solve_cost_powers(case.cost_power()).unwrap();
    let baseline = Baseline::new(
        RegionSet::from_codes(&data.countries).unwrap(),
        SectorSet::from_codes(&["ALL"]).unwrap(),
        r.baseline_trade.clone(),
        vec![0.0; r.baseline_trade.len()],
        true,
        Provenance::default(),
    )
    .unwrap();
    Balanced {
        countries: data.countries.clone(),
        output: data.output.clone(),
        cost_power: case.cost_power().to_vec(),
        baseline,
    }
}

/// Independent reference: the coupled endowment GE of Yotov et al. (2016, ch. 2) solved in
/// levels by its textbook algorithm — re-solve the multilateral resistances (Sinkhorn) with the
/// new output shares `y' = pY / Σ pY` (E = Y), update factory-gate prices from
/// `(β_i p_i)^(1−σ) = y'_i / Π'_i^(1−σ)`, repeat to a fixed point. Returns p normalised so that
/// world output is unchanged, and real income changes Ŵ = p / P̂.
fn textbook_endowment_ge(
    output: &[f64],
    t0: &[f64],
    t1: &[f64],
    sigma: f64,
) -> (Vec<f64>, Vec<f64>) {
    let n = output.len();
    let mr = |t: &[f64], y: &[f64]| -> (Vec<f64>, Vec<f64>) {
        // a_j = P_j^(σ−1), b_i = Π_i^(σ−1); balanced: e = y.
        let mut a = vec![1.0; n];
        let mut b = vec![1.0; n];
        for _ in 0..100_000 {
            for i in 0..n {
                b[i] = 1.0 / (0..n).map(|j| t[i * n + j] * y[j] * a[j]).sum::<f64>();
            }
            let mut change = 0.0_f64;
            for j in 0..n {
                let new = 1.0 / (0..n).map(|i| t[i * n + j] * y[i] * b[i]).sum::<f64>();
                change = change.max((new / a[j] - 1.0).abs());
                a[j] = new;
            }
            if change < 1e-15 {
                break;
            }
        }
        (a, b)
    };
    let world: f64 = output.iter().sum();
    let y0: Vec<f64> = output.iter().map(|v| v / world).collect();
    let (a0, b0) = mr(t0, &y0);
    let mut p = vec![1.0; n];
    let mut a1 = a0.clone();
    for _ in 0..10_000 {
        let w: f64 = (0..n).map(|i| p[i] * output[i]).sum();
        let y1: Vec<f64> = (0..n).map(|i| p[i] * output[i] / w).collect();
        let (a, b) = mr(t1, &y1);
        let mut change = 0.0_f64;
        for i in 0..n {
            let new = (y1[i] * b[i] / (y0[i] * b0[i])).powf(1.0 / (1.0 - sigma));
            change = change.max((new / p[i] - 1.0).abs());
            p[i] = new;
        }
        a1 = a;
        if change < 1e-15 {
            break;
        }
    }
    // The resistances fix the scale of (p, P) only jointly: p / P̂ is invariant to it, and p is
    // normalised here to unchanged world output, as `gravity-ge` does.
    let w: f64 = (0..n).map(|i| p[i] * output[i]).sum::<f64>() / world;
    let phat: Vec<f64> = p.iter().map(|v| v / w).collect();
    let welfare: Vec<f64> = (0..n)
        .map(|j| {
            let p_index = (a1[j] / a0[j]).powf(1.0 / (sigma - 1.0));
            p[j] / p_index
        })
        .collect();
    (phat, welfare)
}

fn ge_with_costs(baseline: &Baseline, d_hat: &[f64], closure: DeficitClosure) -> Equilibrium {
    let n = baseline.n_regions();
    let s = baseline.n_sectors();
    let el = uniform(n, s, SIGMA, -1.0, f64::INFINITY);
    let mut ws = GeWorkspace::default();
    let mut eq = Equilibrium::unchanged("gravity-ge", baseline);
    gravity_ge::solve_with_trade_costs(
        baseline,
        &el,
        &baseline.baseline_tariffs(),
        d_hat,
        GravityGeOptions {
            closure,
            ..GravityGeOptions::default()
        },
        &mut ws,
        &mut eq,
    )
    .unwrap();
    eq
}

#[test]
fn one_sector_no_tariffs_no_deficits_is_the_textbook_endowment_ge() {
    let w = balanced();
    let n = w.countries.len();
    let idx = |c: &str| w.countries.iter().position(|x| x == c).unwrap();
    for (label, pairs, factor) in [
        (
            "pta BRA-MEX",
            vec![("BRA", "MEX"), ("MEX", "BRA")],
            (0.38_f64 / (1.0 - SIGMA)).exp(),
        ),
        ("145% CHN->USA", vec![("CHN", "USA")], 2.45),
    ] {
        let mut d_hat = vec![1.0; n * n];
        let mut t1 = w.cost_power.clone();
        for (ex, im) in &pairs {
            let k = idx(ex) * n + idx(im);
            d_hat[k] = factor;
            t1[k] *= factor.powf(1.0 - SIGMA);
        }
        let eq = ge_with_costs(&w.baseline, &d_hat, DeficitClosure::Levels);
        assert!(eq.residual <= 1e-12, "{label}: residual {:e}", eq.residual);
        let (phat, welfare) = textbook_endowment_ge(&w.output, &w.cost_power, &t1, SIGMA);
        for i in 0..n {
            let ours_w = eq.phat[i] / eq.price_index[i];
            assert!(
                (eq.phat[i] / phat[i] - 1.0).abs() < 1e-9,
                "{label} {}: phat {} vs textbook {}",
                w.countries[i],
                eq.phat[i],
                phat[i]
            );
            assert!(
                (ours_w / welfare[i] - 1.0).abs() < 1e-9,
                "{label} {}: real income {} vs textbook {}",
                w.countries[i],
                ours_w,
                welfare[i]
            );
        }
    }
}

/// A synthetic multi-sector world with domestic flows, baseline tariffs and unbalanced trade.
fn synthetic(n: usize, n_sectors: usize, seed: u64) -> Baseline {
    // A small deterministic generator (SplitMix64) keeps this test free of RNG crates.
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let size: Vec<f64> = (0..n).map(|_| (3.0 * next()).exp()).collect();
    let mut flows = vec![0.0; n * n * n_sectors];
    let mut tariffs = vec![0.0; n * n * n_sectors];
    for s in 0..n_sectors {
        for i in 0..n {
            for j in 0..n {
                let k = (s * n + i) * n + j;
                let noise = 0.5 + next();
                flows[k] = if i == j {
                    20.0 * size[i] * noise
                } else if next() < 0.1 {
                    0.0
                } else {
                    size[i] * size[j] * noise / (1.0 + (i as f64 - j as f64).abs())
                } * 1e9;
                if i != j {
                    tariffs[k] = 0.15 * next();
                }
            }
        }
    }
    let codes: Vec<String> = (0..n).map(|i| format!("R{i:02}")).collect();
    let sectors: Vec<String> = (0..n_sectors).map(|s| format!("S{s}")).collect();
    Baseline::new(
        RegionSet::from_codes(&codes).unwrap(),
        SectorSet::from_codes(&sectors).unwrap(),
        flows,
        tariffs,
        true,
        Provenance::default(),
    )
    .unwrap()
}

fn sector_sigmas(n: usize, n_sectors: usize) -> Elasticities {
    let sigma: Vec<f64> = (0..n_sectors)
        .flat_map(|s| std::iter::repeat_n(2.5 + 1.5 * s as f64, n))
        .collect();
    Elasticities::new(
        n,
        n_sectors,
        typed(sigma),
        typed(vec![-1.0; n * n_sectors]),
        typed(vec![f64::INFINITY; n * n_sectors]),
    )
    .unwrap()
}

/// Output, spending, revenue and deficit per region of a flow/tariff state.
fn accounts(n: usize, n_sectors: usize, flows: &[f64], rates: &[f64]) -> [Vec<f64>; 4] {
    let mut output = vec![0.0; n];
    let mut spending = vec![0.0; n];
    let mut revenue = vec![0.0; n];
    for s in 0..n_sectors {
        for i in 0..n {
            for j in 0..n {
                let k = (s * n + i) * n + j;
                output[i] += flows[k];
                spending[j] += flows[k] * (1.0 + rates[k]);
                revenue[j] += flows[k] * rates[k];
            }
        }
    }
    let deficit = (0..n)
        .map(|r| spending[r] - output[r] - revenue[r])
        .collect();
    [output, spending, revenue, deficit]
}

fn raise_us_china(baseline: &Baseline, add: f64) -> tariffsim_core::Tariffs {
    TariffChange::raise_all_sectors(&baseline.baseline_tariffs(), r(1), r(0), add)
        .apply(&baseline.baseline_tariffs())
        .unwrap()
}

#[test]
fn with_tariffs_and_deficits_every_account_adds_up() {
    let (n, n_sectors) = (12, 4);
    let baseline = synthetic(n, n_sectors, 7);
    let el = sector_sigmas(n, n_sectors);
    let tariffs = raise_us_china(&baseline, 1.45);
    let [y0, _, r0, d0] = accounts(n, n_sectors, baseline.flows(), baseline.tariffs());
    assert!(d0.iter().any(|d| d.abs() > 1e9), "the test needs deficits");
    for closure in [DeficitClosure::Levels, DeficitClosure::ShareOfIncome] {
        let model = Model::GravityGe(GravityGeOptions {
            closure,
            ..GravityGeOptions::default()
        });
        let eq = model.solve(&baseline, &el, &tariffs).unwrap();
        assert!(
            eq.residual <= 1e-12,
            "{closure:?}: residual {:e}",
            eq.residual
        );
        assert!(eq.all_finite());
        let [y1, spend1, r1, d1] = accounts(n, n_sectors, &eq.flows, tariffs.rates());
        let world0: f64 = y0.iter().sum();
        let world1: f64 = y1.iter().sum();
        // World nominal output is the numeraire.
        assert!(
            (world1 / world0 - 1.0).abs() < 1e-13,
            "{closure:?}: world output {world1} vs {world0}"
        );
        let y_world_share: f64 = d1.iter().sum::<f64>() / world0;
        assert!(
            y_world_share.abs() < 1e-12,
            "{closure:?}: deficits sum to {y_world_share}"
        );
        for r in 0..n {
            // Factor market clearing: sales = ŵ Y.
            assert!(
                (y1[r] / (eq.phat[r] * y0[r]) - 1.0).abs() < 1e-11,
                "{closure:?} clearing {r}"
            );
            // Revenue: the reported change adds to the baseline level, and equals the sum over
            // sources of t/(1+t) x tariff-inclusive imports.
            let revenue: f64 = r0[r]
                + (0..n_sectors)
                    .map(|s| eq.tariff_revenue[s * n + r])
                    .sum::<f64>();
            let by_margin: f64 = (0..n_sectors)
                .flat_map(|s| (0..n).map(move |i| (s * n + i) * n + r))
                .map(|k| {
                    let t = tariffs.rates()[k];
                    t / (1.0 + t) * eq.flows[k] * (1.0 + t)
                })
                .sum();
            assert!(
                (revenue / by_margin - 1.0).abs() < 1e-12,
                "{closure:?} revenue {r}"
            );
            assert!((revenue / r1[r] - 1.0).abs() < 1e-12);
            // Budget: spending = factor income + rebated revenue + deficit, deficit per closure.
            assert!(((y1[r] + r1[r] + d1[r]) / spend1[r] - 1.0).abs() < 1e-12);
            match closure {
                DeficitClosure::Levels => {
                    assert!(
                        (d1[r] - d0[r]).abs() < 1e-9 * world0,
                        "deficit {r}: {} vs {}",
                        d1[r],
                        d0[r]
                    );
                }
                DeficitClosure::ShareOfIncome => {
                    let share_sum: f64 = (0..n).map(|k| d0[k] / y0[k] * y1[k]).sum();
                    let expected = d0[r] / y0[r] * y1[r] - y1[r] / world1 * share_sum;
                    assert!((d1[r] - expected).abs() < 1e-9 * world0, "deficit {r}");
                }
            }
            // Cobb–Douglas: sector spending shares are unchanged.
            for s in 0..n_sectors {
                let share = |flows: &[f64], rates: &[f64]| {
                    let sector: f64 = (0..n)
                        .map(|i| {
                            let k = (s * n + i) * n + r;
                            flows[k] * (1.0 + rates[k])
                        })
                        .sum();
                    let all: f64 = (0..n_sectors)
                        .flat_map(|q| (0..n).map(move |i| (q * n + i) * n + r))
                        .map(|k| flows[k] * (1.0 + rates[k]))
                        .sum();
                    sector / all
                };
                let before = share(baseline.flows(), baseline.tariffs());
                let after = share(&eq.flows, tariffs.rates());
                assert!((after / before - 1.0).abs() < 1e-12, "alpha {s} {r}");
            }
            // Welfare: EV = Σ_s (PS + CS + revenue), and equals I (Î / P̂ − 1).
            let parts: f64 = (0..n_sectors)
                .map(|s| {
                    eq.producer_surplus[s * n + r]
                        + eq.consumer_surplus[s * n + r]
                        + eq.tariff_revenue[s * n + r]
                })
                .sum();
            assert!(
                (parts - eq.welfare[r]).abs() < 1e-9 * spend1[r],
                "welfare parts {r}"
            );
            let [_, spend0, _, _] = accounts(n, n_sectors, baseline.flows(), baseline.tariffs());
            let ln_p: f64 = (0..n_sectors)
                .map(|s| {
                    let a: f64 = (0..n)
                        .map(|i| {
                            let k = (s * n + i) * n + r;
                            baseline.flows()[k] * (1.0 + baseline.tariffs()[k])
                        })
                        .sum::<f64>()
                        / spend0[r];
                    a * eq.price_index[s * n + r].ln()
                })
                .sum();
            let ev = spend0[r] * (spend1[r] / spend0[r] / ln_p.exp() - 1.0);
            assert!(
                (ev - eq.welfare[r]).abs() < 1e-9 * spend0[r],
                "EV {r}: {ev} vs {}",
                eq.welfare[r]
            );
        }
        // The shock: USA's imports from CHN fall, CHN's factor price falls relative to USA's.
        assert!(eq.bilateral(r(1), r(0)) < baseline.bilateral(r(1), r(0)));
        assert!(eq.phat[1] < eq.phat[0]);
    }
}

#[test]
fn zero_shock_is_exactly_the_baseline() {
    let (n, n_sectors) = (9, 3);
    let baseline = synthetic(n, n_sectors, 11);
    let el = sector_sigmas(n, n_sectors);
    for model in [
        Model::GravityGe(GravityGeOptions::default()),
        Model::GegravityCompat,
    ] {
        let eq = model
            .solve(&baseline, &el, &baseline.baseline_tariffs())
            .unwrap();
        let unchanged = Equilibrium::unchanged(model.name(), &baseline);
        assert_eq!(eq, unchanged, "{}", model.name());
        assert!(eq.welfare.iter().all(|w| *w == 0.0));
    }
    // Also through the trade-cost entry with every ratio 1.
    let eq = ge_with_costs(
        &balanced().baseline,
        &[1.0; 256],
        DeficitClosure::ShareOfIncome,
    );
    assert!(eq.phat.iter().all(|p| *p == 1.0));
}

/// The trade-cost entry reports the tariffs it solved with, also in an equilibrium reused from
/// a solve with another tariff matrix, and gives the tariff entry's result when no cost changes.
#[test]
fn the_trade_cost_entry_reports_its_tariffs() {
    let (n, n_sectors) = (9, 3);
    let baseline = synthetic(n, n_sectors, 11);
    let el = sector_sigmas(n, n_sectors);
    let model = Model::GravityGe(GravityGeOptions::default());
    let (low, high) = (
        raise_us_china(&baseline, 0.2),
        raise_us_china(&baseline, 1.45),
    );
    let mut ws = GeWorkspace::default();
    let mut eq = Equilibrium::unchanged(model.name(), &baseline);
    model
        .solve_into(
            &baseline,
            &el,
            &low,
            &mut tariffsim_core::Workspace::default(),
            &mut eq,
        )
        .unwrap();
    assert_eq!(eq.tariffs(), low.rates());
    gravity_ge::solve_with_trade_costs(
        &baseline,
        &el,
        &high,
        &vec![1.0; baseline.flows().len()],
        GravityGeOptions::default(),
        &mut ws,
        &mut eq,
    )
    .unwrap();
    assert_eq!(eq.tariffs(), high.rates());
    assert_eq!(eq, model.solve(&baseline, &el, &high).unwrap());
}

#[test]
fn invalid_inputs_and_non_convergence_are_clear_errors() {
    let (n, n_sectors) = (6, 2);
    let good = synthetic(n, n_sectors, 5);
    let el = sector_sigmas(n, n_sectors);
    let ge = Model::GravityGe(GravityGeOptions::default());
    // Missing domestic flows.
    let mut no_dom = good.flows().to_vec();
    for s in 0..n_sectors {
        for i in 0..n {
            no_dom[(s * n + i) * n + i] = 0.0;
        }
    }
    let b = Baseline::new(
        good.regions().clone(),
        good.sectors().clone(),
        no_dom.clone(),
        good.tariffs().to_vec(),
        false,
        Provenance {
            name: "nodom".into(),
            ..Provenance::default()
        },
    )
    .unwrap();
    for model in [ge, Model::GegravityCompat] {
        let err = model.solve(&b, &el, &b.baseline_tariffs()).unwrap_err();
        assert!(
            err.to_string().contains("domestic") && err.to_string().contains("nodom"),
            "{err}"
        );
    }
    // Non-positive output: a region that sells nothing.
    let mut idle = good.flows().to_vec();
    for s in 0..n_sectors {
        for j in 0..n {
            idle[(s * n + 2) * n + j] = 0.0;
        }
    }
    let b = Baseline::new(
        good.regions().clone(),
        good.sectors().clone(),
        idle,
        good.tariffs().to_vec(),
        true,
        Provenance::default(),
    )
    .unwrap();
    for model in [ge, Model::GegravityCompat] {
        let err = model.solve(&b, &el, &raise_us_china(&b, 0.2)).unwrap_err();
        assert!(err.to_string().contains("output 0 at region R02"), "{err}");
    }
    // Non-square inputs: a trade-cost array of the wrong size.
    let mut ws = GeWorkspace::default();
    let mut eq = Equilibrium::unchanged("gravity-ge", &good);
    let err = gravity_ge::solve_with_trade_costs(
        &good,
        &el,
        &good.baseline_tariffs(),
        &[1.0; 5],
        GravityGeOptions::default(),
        &mut ws,
        &mut eq,
    )
    .unwrap_err();
    assert!(matches!(err, CoreError::Shape { .. }), "{err}");
    // A sigma that differs across importers within a sector.
    let mut sig = vec![4.0; n * n_sectors];
    sig[3] = 5.0;
    let bad = Elasticities::new(
        n,
        n_sectors,
        typed(sig),
        typed(vec![-1.0; n * n_sectors]),
        typed(vec![1.0; n * n_sectors]),
    )
    .unwrap();
    let err = ge
        .solve(&good, &bad, &raise_us_china(&good, 0.2))
        .unwrap_err();
    assert!(err.to_string().contains("one sigma per sector"), "{err}");
    // Non-convergence: a 1-iteration budget on a large shock.
    let tight = Model::GravityGe(GravityGeOptions {
        max_iterations: 1,
        ..GravityGeOptions::default()
    });
    match tight
        .solve(&good, &el, &raise_us_china(&good, 5.0))
        .unwrap_err()
    {
        CoreError::Solve(e) => {
            assert_eq!(e.model, "gravity-ge");
            assert!(matches!(
                e.reason,
                StopReason::MaxIterations | StopReason::LineSearchFailed
            ));
            assert!(e.residual > 1e-12);
            assert!(e.to_string().contains("did not converge"));
        }
        other => panic!("expected a solve error, got {other}"),
    }
}

#[test]
fn names_round_trip() {
    for name in ["gravity-ge", "gegravity-compat"] {
        let m = Model::from_name(name).unwrap();
        assert_eq!(m.name(), name);
        assert!(Model::NAMES.contains(&name));
    }
}

#[test]
fn metric_catalog_works_on_gravity_ge() {
    use tariffsim_core::{Focus, MetricCatalog};
    let (n, n_sectors) = (10, 3);
    let baseline = synthetic(n, n_sectors, 21);
    let el = sector_sigmas(n, n_sectors);
    let eq = Model::GravityGe(GravityGeOptions::default())
        .solve(&baseline, &el, &raise_us_china(&baseline, 0.5))
        .unwrap();
    let focus = Focus::from_codes(&baseline, "R00", "R01").unwrap();
    let metrics = MetricCatalog::new(&baseline, Some(focus)).evaluate(&baseline, &eq);
    assert!(metrics.iter().all(|(_, v)| v.is_finite()));
    let get = |k: &str| metrics.iter().find(|(n, _)| n == k).unwrap().1;
    assert!(get("imports.R00.R01") < 0.0);
    assert!(get("diversion_ratio.R00.R01") > 0.0);
    // R00 collects more revenue; welfare.R is the equivalent variation in USD bn.
    assert!(get("revenue.R00") > 0.0);
    assert!((get("welfare.R00") - eq.welfare[0] * 1e-9).abs() < 1e-9);
}
