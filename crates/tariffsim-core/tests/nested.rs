//! The two-level `armington` model and its first-order form `gsim-linear`, against independent
//! references:
//! - `tests/peers/nested_armington/cases.json`: 32 cases (diagonals, internal tariffs, zero rows,
//!   sigma = 1 limits, eta = 0 and −1, eps = inf) solved by an independent Python program that
//!   writes the model in levels with calibrated CES weights and solves it with scipy then a
//!   60-digit mpmath Newton (`reference.py`, see its README);
//! - GSIM's 4-region illustrative example (Francois & Hall), whose published world-price changes
//!   `gsim-linear` must reproduce to the published 4 decimals (`tests/peers/gsim/SOURCE.md`);
//! - analytic limits: `sigma_d = sigma_m` is one CES nest over every source (checked against a
//!   one-nest solver written here), a baseline without domestic sales is the imports-only model,
//!   a zero shock is the baseline exactly.

mod common;

use common::{r, random_elasticities, sec, sigma_d, typed, uniform};
use serde::Deserialize;
use std::path::PathBuf;
use tariffsim_core::{
    Baseline, Elasticities, Equilibrium, Model, Provenance, RegionSet, SectorSet, Tariffs,
};

fn peers() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers")
}

#[derive(Deserialize)]
struct Cases {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    n: usize,
    flows: Vec<Vec<f64>>,
    t0: Vec<Vec<f64>>,
    t1: Vec<Vec<f64>>,
    sigma_d: Vec<f64>,
    sigma_m: Vec<f64>,
    eta: Vec<f64>,
    eps: Vec<Option<f64>>,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    phat: Vec<f64>,
    price_index: Vec<f64>,
    flows: Vec<Vec<f64>>,
    producer_surplus: Vec<f64>,
    consumer_surplus: Vec<f64>,
    tariff_revenue: Vec<f64>,
}

/// A one-sector baseline from exporter-major matrices.
fn baseline(flows: &[Vec<f64>], t0: &[Vec<f64>]) -> Baseline {
    let n = flows.len();
    let codes: Vec<String> = (0..n).map(|i| format!("R{i}")).collect();
    let has_domestic = (0..n).any(|i| flows[i][i] != 0.0);
    Baseline::new(
        RegionSet::from_codes(&codes).unwrap(),
        SectorSet::from_codes(&["S".to_string()]).unwrap(),
        flows.concat(),
        t0.concat(),
        has_domestic,
        Provenance::default(),
    )
    .unwrap()
}

fn case_inputs(c: &Case) -> (Baseline, Tariffs, Elasticities) {
    let b = baseline(&c.flows, &c.t0);
    let t = Tariffs::new(c.n, 1, c.t1.concat()).unwrap();
    let eps = c.eps.iter().map(|e| e.unwrap_or(f64::INFINITY)).collect();
    let e = Elasticities::new(
        c.n,
        1,
        typed(c.sigma_m.clone()),
        typed(c.eta.clone()),
        typed(eps),
    )
    .unwrap()
    .with_sigma_d(typed(c.sigma_d.clone()))
    .unwrap();
    (b, t, e)
}

/// `|a − b| ≤ rel · max(|b|, scale)`: relative, with an absolute floor at `rel` times the case's
/// scale for values that are (near) zero — welfare changes and untraded cells.
fn close(a: f64, b: f64, rel: f64, scale: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(scale)
}

/// Agreement with the independent levels-form reference to 1e-9 (the reference is exact to the
/// last bit; our solver stops at a log residual of 1e-12, and values are formed from it in a
/// different order of operations).
#[test]
fn armington_matches_the_independent_reference() {
    let text = std::fs::read_to_string(peers().join("nested_armington/cases.json")).unwrap();
    let cases: Cases = serde_json::from_str(&text).unwrap();
    assert!(cases.cases.len() >= 30);
    for c in &cases.cases {
        let (b, t, e) = case_inputs(c);
        let eq = Model::Armington.solve(&b, &e, &t).unwrap();
        let n = c.n;
        // Values near zero (welfare changes, untraded cells) are held to 1e-9 of the case's
        // total trade: a price solved to a log residual of 1e-12 moves a surplus of X·ln phat
        // by ~1e-12·X, far below it.
        let scale = c.flows.iter().flatten().sum::<f64>();
        let rel = 1e-9;
        for i in 0..n {
            assert!(
                close(eq.phat[i], c.expected.phat[i], rel, 1.0),
                "{}: phat[{i}] {} vs {}",
                c.name,
                eq.phat[i],
                c.expected.phat[i]
            );
            let spends = (0..n).any(|k| c.flows[k][i] > 0.0);
            if spends {
                assert!(
                    close(eq.price_index[i], c.expected.price_index[i], rel, 1.0),
                    "{}: Phat[{i}] {} vs {}",
                    c.name,
                    eq.price_index[i],
                    c.expected.price_index[i]
                );
            }
            for (what, ours, theirs) in [
                ("PS", eq.producer_surplus[i], c.expected.producer_surplus[i]),
                ("CS", eq.consumer_surplus[i], c.expected.consumer_surplus[i]),
                (
                    "revenue",
                    eq.tariff_revenue[i],
                    c.expected.tariff_revenue[i],
                ),
            ] {
                assert!(
                    close(ours, theirs, rel, scale),
                    "{}: {what}[{i}] {ours} vs {theirs}",
                    c.name
                );
            }
            for j in 0..n {
                assert!(
                    close(
                        eq.flow(r(i), r(j), sec(0)),
                        c.expected.flows[i][j],
                        rel,
                        scale
                    ),
                    "{}: flow {i}->{j} {} vs {}",
                    c.name,
                    eq.flow(r(i), r(j), sec(0)),
                    c.expected.flows[i][j]
                );
            }
        }
        assert!(eq.residual <= 1e-10, "{}: residual {}", c.name, eq.residual);
    }
}

#[derive(Deserialize)]
struct Gsim {
    flows: Vec<Vec<f64>>,
    t0: Vec<Vec<f64>>,
    elasticities: GsimElasticities,
    scenarios: Vec<GsimScenario>,
}

#[derive(Deserialize)]
struct GsimElasticities {
    substitution: Vec<f64>,
    composite_import_demand: Vec<f64>,
    export_supply: Vec<f64>,
}

#[derive(Deserialize)]
struct GsimScenario {
    t1: Vec<Vec<f64>>,
    published: Published,
}

#[derive(Deserialize)]
struct Published {
    world_price_change: Vec<f64>,
    decimals: i32,
}

/// GSIM's 4-region example (US, Japan, EU, rest of world; intra-EU and intra-RoW trade on the
/// diagonal, an internal RoW tariff of 15%), US–EU free trade: `gsim-linear` with one nest
/// reproduces the published world-price changes 0.0792, −0.0316, 0.0480, −0.0184 to their 4
/// decimals (half a unit in the last place). Source: `tests/peers/gsim/SOURCE.md`.
#[test]
fn gsim_linear_reproduces_the_published_four_region_example() {
    let text = std::fs::read_to_string(peers().join("gsim/francois_hall_4x4.json")).unwrap();
    let g: Gsim = serde_json::from_str(&text).unwrap();
    let b = baseline(&g.flows, &g.t0);
    let n = g.flows.len();
    let e = Elasticities::new(
        n,
        1,
        typed(g.elasticities.substitution.clone()),
        typed(g.elasticities.composite_import_demand.clone()),
        typed(g.elasticities.export_supply.clone()),
    )
    .unwrap();
    assert!(e.is_one_nest());
    let sc = &g.scenarios[0];
    let t = Tariffs::new(n, 1, sc.t1.concat()).unwrap();
    let eq = Model::GsimLinear.solve(&b, &e, &t).unwrap();
    let half_ulp = 0.5 * 10f64.powi(-sc.published.decimals);
    for i in 0..n {
        let ours = eq.phat[i] - 1.0;
        let published = sc.published.world_price_change[i];
        assert!(
            (ours - published).abs() <= half_ulp + 1e-12,
            "region {i}: {ours} vs published {published}"
        );
    }
    // The exact model moves in the same direction, further (0.1265, −0.0323, 0.0793, −0.0173
    // in the reference's nonlinear solve): the published numbers are the linear model's.
    let exact = Model::Armington.solve(&b, &e, &t).unwrap();
    for i in 0..n {
        let lin = eq.phat[i] - 1.0;
        let ex = exact.phat[i] - 1.0;
        assert!(lin * ex > 0.0, "region {i}: {lin} vs {ex}");
    }
}

/// A one-nest CES over every source (the diagonal included), solved here by Newton with a
/// finite-difference Jacobian in levels of `phat` — GSIM's form, written without nests.
fn one_nest(b: &Baseline, e: &Elasticities, t: &Tariffs) -> Vec<f64> {
    let n = b.n_regions();
    let x = |i: usize, j: usize| b.flow(r(i), r(j), sec(0));
    let that = |i: usize, j: usize| {
        (1.0 + t.rate(r(i), r(j), sec(0))) / (1.0 + b.tariff(r(i), r(j), sec(0)))
    };
    let sales: Vec<f64> = (0..n).map(|i| (0..n).map(|j| x(i, j)).sum()).collect();
    let residual = |p: &[f64]| -> Vec<f64> {
        let mut demand = vec![0.0; n];
        for j in 0..n {
            let sigma = e.sigma(r(j), sec(0));
            let eta = e.eta(r(j), sec(0));
            let spend: f64 = (0..n)
                .map(|i| x(i, j) * (1.0 + b.tariff(r(i), r(j), sec(0))))
                .sum();
            if spend <= 0.0 {
                continue;
            }
            let index: f64 = (0..n)
                .map(|i| {
                    x(i, j) * (1.0 + b.tariff(r(i), r(j), sec(0))) / spend
                        * (p[i] * that(i, j)).powf(1.0 - sigma)
                })
                .sum::<f64>()
                .powf(1.0 / (1.0 - sigma));
            for i in 0..n {
                let q = index.powf(eta + sigma) * (p[i] * that(i, j)).powf(-sigma);
                demand[i] += x(i, j) * q;
            }
        }
        (0..n)
            .map(|i| {
                if sales[i] > 0.0 {
                    demand[i] / sales[i] - p[i].powf(e.eps(r(i), sec(0)))
                } else {
                    0.0
                }
            })
            .collect()
    };
    let mut p = vec![1.0; n];
    for _ in 0..50 {
        let f = residual(&p);
        if f.iter().all(|v| v.abs() < 1e-14) {
            break;
        }
        let mut jac = vec![0.0; n * n];
        for k in 0..n {
            let h = 1e-7 * p[k];
            let mut q = p.clone();
            q[k] += h;
            let fk = residual(&q);
            for i in 0..n {
                jac[i * n + k] = (fk[i] - f[i]) / h;
            }
        }
        let mut step: Vec<f64> = f.iter().map(|v| -v).collect();
        let mut piv = vec![0; n];
        for i in 0..n {
            if sales[i] <= 0.0 {
                jac[i * n..(i + 1) * n].fill(0.0);
                jac[i * n + i] = 1.0;
            }
        }
        assert!(tariffsim_core::linalg::lu_solve_in_place(
            &mut jac, n, &mut step, &mut piv
        ));
        for i in 0..n {
            p[i] += step[i];
        }
    }
    p
}

/// With `sigma_d = sigma_m` the two nests are one CES over every source, the diagonal included:
/// the nested solver agrees with a one-nest solver written without nests to 1e-12 (both solve
/// to ~1e-14; the finite-difference Jacobian only slows the reference's convergence).
#[test]
fn equal_sigmas_are_one_nest_over_every_source() {
    for seed in 0..12 {
        let n = 3 + (seed as usize % 5);
        let b = with_domestic(n, seed);
        let e = random_elasticities(n, 1, seed, (1.5, 8.0), (-2.0, -0.3), (0.5, 20.0), 0.0);
        let mut rates = b.tariffs().to_vec();
        for (k, r) in rates.iter_mut().enumerate() {
            *r += 0.05 + 0.6 * ((k * 7 + seed as usize) % 5) as f64 / 5.0;
        }
        let t = Tariffs::new(n, 1, rates).unwrap();
        let nested = Model::Armington.solve(&b, &e, &t).unwrap();
        let reference = one_nest(&b, &e, &t);
        for i in 0..n {
            assert!(
                (nested.phat[i] - reference[i]).abs() <= 1e-12 * reference[i],
                "seed {seed}, region {i}: {} vs {}",
                nested.phat[i],
                reference[i]
            );
        }
    }
}

/// A random one-sector baseline with domestic sales on the diagonal (2–6 times exports) and
/// internal tariffs on some diagonals.
fn with_domestic(n: usize, seed: u64) -> Baseline {
    let mut flows = vec![vec![0.0; n]; n];
    let mut t0 = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            let h = ((i * 13 + j * 7 + seed as usize * 3) % 17) as f64;
            flows[i][j] = if i == j { 0.0 } else { 1.0 + h * h };
            t0[i][j] = 0.01 * ((i + 2 * j + seed as usize) % 9) as f64;
        }
        let exports: f64 = flows[i].iter().sum();
        flows[i][i] = exports * (2.0 + (i % 5) as f64);
        if (i + seed as usize).is_multiple_of(3) {
            t0[i][i] = 0.04;
        }
    }
    baseline(&flows, &t0)
}

/// Without domestic sales the two-level model is the imports-only model (`eta` is then the
/// import demand elasticity in both): same prices to 1e-10 relative (two solvers, each to a log
/// residual of 1e-12).
#[test]
fn without_domestic_sales_it_is_the_imports_only_model() {
    for seed in 0..6 {
        let n = 4 + seed as usize;
        let b = common::random_baseline(n, 2, seed);
        let e = random_elasticities(n, 2, seed, (1.5, 8.0), (-2.5, -0.5), (0.5, 20.0), 0.2)
            .with_sigma_d(sigma_d(1.3, n * 2))
            .unwrap();
        let t = common::scale_power(&b, r(0), r(1), 1.6);
        let nested = Model::Armington.solve(&b, &e, &t).unwrap();
        let imports_only = Model::ArmingtonImports.solve(&b, &e, &t).unwrap();
        for (a, c) in nested.phat.iter().zip(&imports_only.phat) {
            assert!((a - c).abs() <= 1e-10 * c, "seed {seed}: {a} vs {c}");
        }
        for (a, c) in nested.flows.iter().zip(&imports_only.flows) {
            assert!(
                (a - c).abs() <= 1e-9 * c.abs().max(1.0),
                "seed {seed}: {a} vs {c}"
            );
        }
    }
}

/// No tariff change: the equilibrium is the baseline, bit for bit, for both forms; a change on
/// the diagonal alone (an aggregate's internal tariff) is a shock.
#[test]
fn zero_shock_is_exactly_the_baseline() {
    let b = with_domestic(6, 3);
    let e = random_elasticities(6, 1, 3, (1.5, 8.0), (-2.0, -0.3), (0.5, 20.0), 0.2)
        .with_sigma_d(sigma_d(2.0, 6))
        .unwrap();
    let t = b.baseline_tariffs();
    for model in [Model::Armington, Model::GsimLinear] {
        let eq = model.solve(&b, &e, &t).unwrap();
        assert_eq!(
            eq,
            Equilibrium::unchanged(model.name(), &b),
            "{}",
            model.name()
        );
    }
    let mut internal = b.baseline_tariffs();
    internal.set(r(3), r(3), sec(0), 0.2).unwrap();
    let eq = Model::Armington.solve(&b, &e, &internal).unwrap();
    assert!(
        eq.phat[3] < 1.0,
        "an internal tariff lowers the producer price"
    );
    assert!(eq.flow(r(3), r(3), sec(0)) < b.flow(r(3), r(3), sec(0)));
    assert!(eq.tariff_revenue[3] > 0.0);
}

/// Market clearing residuals (recomputed in levels from the written flows) ≤ 1e-10 over a sweep
/// of the parameter box: sigma_d 1.01–6, sigma_m 1.01–12, eta −3–0, eps 0.2–50 or inf, shocks
/// from −50% to +300% on the power, internal tariffs included.
#[test]
fn clears_markets_over_the_parameter_box() {
    let mut solved = 0;
    for seed in 0..200_u64 {
        let n = 3 + (seed as usize % 10);
        let b = with_domestic(n, seed);
        let e = random_elasticities(n, 1, seed, (1.01, 12.0), (-3.0, 0.0), (0.2, 50.0), 0.15);
        let sigma_d: Vec<f64> = (0..n)
            .map(|j| 1.01 + 5.0 * (((seed as usize + j * 31) % 97) as f64 / 97.0))
            .collect();
        let e = e.with_sigma_d(typed(sigma_d)).unwrap();
        let mut rates = b.tariffs().to_vec();
        for (k, r) in rates.iter_mut().enumerate() {
            let u = ((k as u64 * 2_654_435_761 + seed * 40_503) % 1000) as f64 / 1000.0;
            *r = (1.0 + *r) * (0.5 + 3.5 * u * u) - 1.0;
        }
        let t = Tariffs::new(n, 1, rates).unwrap();
        let eq = Model::Armington.solve(&b, &e, &t).unwrap();
        assert!(eq.residual <= 1e-10, "seed {seed}: {}", eq.residual);
        // Independent recomputation: quantity demanded = new value / phat, supply X phat^eps.
        for i in 0..n {
            let x: f64 = (0..n).map(|j| b.flow(r(i), r(j), sec(0))).sum();
            let eps = e.eps(r(i), sec(0));
            if x <= 0.0 || !eps.is_finite() {
                continue;
            }
            let demand: f64 = (0..n).map(|j| eq.flow(r(i), r(j), sec(0))).sum::<f64>() / eq.phat[i];
            let supply = x * eq.phat[i].powf(eps);
            assert!(
                (demand - supply).abs() <= 1e-10 * supply,
                "seed {seed}, exporter {i}"
            );
        }
        solved += 1;
    }
    assert_eq!(solved, 200);
}

/// Small shocks: the exact model's price changes approach the linear model's at first order
/// (the gap shrinks ~100× when the shock shrinks 10×).
#[test]
fn linear_form_is_the_first_order_of_the_exact_model() {
    let b = with_domestic(5, 11);
    let e = random_elasticities(5, 1, 11, (2.0, 6.0), (-1.5, -0.5), (1.0, 10.0), 0.0)
        .with_sigma_d(sigma_d(1.7, 5))
        .unwrap();
    let gap = |shock: f64| {
        let t = common::scale_power(&b, r(0), r(1), 1.0 + shock);
        let ex = Model::Armington.solve(&b, &e, &t).unwrap();
        let lin = Model::GsimLinear.solve(&b, &e, &t).unwrap();
        ex.phat
            .iter()
            .zip(&lin.phat)
            .map(|(a, c)| (a.ln() - (c - 1.0)).abs())
            .fold(0.0, f64::max)
    };
    let (g1, g2) = (gap(1e-2), gap(1e-3));
    assert!(g1 > 0.0 && g2 > 0.0);
    let ratio = g1 / g2;
    assert!((50.0..200.0).contains(&ratio), "{g1} / {g2} = {ratio}");
}

/// Analytic limit: with perfectly elastic supply everywhere (`eps = inf`) every producer price
/// stays 1 and the new flows are the closed-form nested demand at the new tariffs:
/// `PM^(1−σm) = Σ_{i≠j} θM_ij That_ij^(1−σm)`, `P^(1−σd) = δ That_jj^(1−σd) + (1−δ) PM^(1−σd)`,
/// `q_ij = P^(η+σd) PM^(σm−σd) That_ij^(−σm)`, `q_jj = P^(η+σd) That_jj^(−σd)` — written here
/// directly (1e-12 relative: the solver evaluates the same formulas in another order).
#[test]
fn flat_supply_is_the_closed_form() {
    for seed in 0..8_u64 {
        let n = 4 + seed as usize % 4;
        let b = with_domestic(n, seed);
        let (sm, sd, eta) = (4.0 + seed as f64 * 0.3, 1.8, -0.7);
        let e = uniform(n, 1, sm, eta, f64::INFINITY)
            .with_sigma_d(sigma_d(sd, n))
            .unwrap();
        let mut rates = b.tariffs().to_vec();
        for (k, r) in rates.iter_mut().enumerate() {
            *r += 0.05 * ((k + seed as usize) % 7) as f64;
        }
        let t = Tariffs::new(n, 1, rates).unwrap();
        let eq = Model::Armington.solve(&b, &e, &t).unwrap();
        for i in 0..n {
            assert_eq!(eq.phat[i].to_bits(), 1f64.to_bits(), "prices are fixed");
        }
        for j in 0..n {
            let power0 = |i: usize| 1.0 + b.tariff(r(i), r(j), sec(0));
            let that = |i: usize| (1.0 + t.rate(r(i), r(j), sec(0))) / power0(i);
            let foreign: f64 = (0..n)
                .filter(|&i| i != j)
                .map(|i| b.flow(r(i), r(j), sec(0)) * power0(i))
                .sum();
            let domestic = b.flow(r(j), r(j), sec(0)) * power0(j);
            let delta = domestic / (domestic + foreign);
            let pm = ((0..n)
                .filter(|&i| i != j)
                .map(|i| b.flow(r(i), r(j), sec(0)) * power0(i) / foreign * that(i).powf(1.0 - sm))
                .sum::<f64>())
            .powf(1.0 / (1.0 - sm));
            let p = (delta * that(j).powf(1.0 - sd) + (1.0 - delta) * pm.powf(1.0 - sd))
                .powf(1.0 / (1.0 - sd));
            for i in 0..n {
                let q = if i == j {
                    p.powf(eta + sd) * that(j).powf(-sd)
                } else {
                    p.powf(eta + sd) * pm.powf(sm - sd) * that(i).powf(-sm)
                };
                let want = b.flow(r(i), r(j), sec(0)) * q;
                let got = eq.flow(r(i), r(j), sec(0));
                assert!(
                    (got - want).abs() <= 1e-12 * want.abs().max(1e-300),
                    "seed {seed}, {i}->{j}: {got} vs {want}"
                );
            }
            assert!(
                (eq.price_index[j] - p).abs() <= 1e-12 * p,
                "seed {seed}, P[{j}]"
            );
        }
    }
}

/// Monotonicity over random cases: raising one importer's tariff on one exporter lowers that
/// flow and that exporter's price, and raises the importer's price index (sales elsewhere may go
/// either way). Sweeps tariff steps from 1% to 300%, both nests, finite supply.
#[test]
fn a_higher_tariff_lowers_its_flow() {
    for seed in 0..40_u64 {
        let n = 3 + seed as usize % 6;
        let b = with_domestic(n, seed);
        let e = random_elasticities(n, 1, seed, (1.5, 8.0), (-2.0, -0.3), (0.5, 20.0), 0.0)
            .with_sigma_d(sigma_d(1.3 + (seed % 5) as f64 * 0.4, n))
            .unwrap();
        let (c, m) = (1 % n, 0);
        let step = [0.01, 0.2, 1.45, 3.0][seed as usize % 4];
        let mut t = b.baseline_tariffs();
        t.set(
            r(c),
            r(m),
            sec(0),
            (1.0 + b.tariff(r(c), r(m), sec(0))) * (1.0 + step) - 1.0,
        )
        .unwrap();
        let eq = Model::Armington.solve(&b, &e, &t).unwrap();
        assert!(
            eq.flow(r(c), r(m), sec(0)) < b.flow(r(c), r(m), sec(0)),
            "seed {seed}: flow"
        );
        assert!(eq.phat[c] < 1.0, "seed {seed}: exporter price");
        assert!(eq.price_index[m] > 1.0, "seed {seed}: importer price index");
    }
}
