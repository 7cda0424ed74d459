//! Unit tests of the two-level solver's internals (evaluation paths, supply scopes, stability).

use super::*;
use crate::model::test_support::{r, sec, sigma_d, uniform, world};
use crate::{Eps, Eta, Sigma};

/// The three evaluations — whole-vector, factored cell by cell (uniform `sigma_m`), and cell
/// by cell — give the same solution: same prices to 1e-13, on a baseline with domestic
/// sales, internal tariffs and a large shock; under either supply scope.
#[test]
fn factored_evaluation_matches_the_per_cell_one() {
    for scope in [SupplyScope::AllSales, SupplyScope::Exports] {
        evaluations_agree(scope);
    }
}

fn evaluations_agree(scope: SupplyScope) {
    let n = 6;
    let b = world(n, 2);
    let e = uniform(n, 2, 5.0, -0.8, 4.0)
        .with_sigma_d(sigma_d(2.2, n * 2))
        .unwrap()
        .with_supply(scope);
    let mut t = b.baseline_tariffs();
    t.set(r(1), r(0), sec(0), 1.45).unwrap();
    t.set(r(2), r(2), sec(0), 0.3).unwrap();
    t.set(r(0), r(3), sec(1), 0.25).unwrap();
    let mut solutions = Vec::new();
    for path in 0..3 {
        let mut ws = NestedWorkspace::default();
        let mut found = Vec::new();
        for s in 0..2 {
            let se = SectorElasticities::of(&e, s);
            assert!(ws.setup(&b, &t, &se, s));
            ws.prepare(&se);
            assert!(ws.uniform && ws.vector);
            if path > 0 {
                ws.vector = false;
            }
            if path > 1 {
                ws.uniform = false;
            }
            ws.y.fill(0.0);
            ws.newton(&se).unwrap();
            found.extend_from_slice(&ws.y);
        }
        solutions.push(found);
    }
    for other in &solutions[1..] {
        for (a, c) in solutions[0].iter().zip(other) {
            assert!((a - c).abs() <= 1e-13, "{a} vs {c}");
        }
    }
    assert!(solutions[0].iter().any(|y| y.abs() > 1e-3));
}

/// Downward-sloping supply: a bystander with mild scale economies (eps −10, an inverse supply
/// elasticity of −0.1) solves, clears its market and, when the US duty on another exporter
/// diverts demand to it, sells more at a lower price (the pattern Fajgelbaum et al. 2024
/// find), where with an upward-sloping supply its price rises; one whose supply falls faster
/// than its demand (eps −0.3, an inverse elasticity of −3.3) is refused as unstable instead
/// of returned.
#[test]
fn negative_supply_elasticity_stable_or_refused() {
    let n = 5;
    let b = world(n, 1);
    let mut t = b.baseline_tariffs();
    t.set(r(1), r(0), sec(0), 1.0).unwrap();
    let solve_with = |eps2: f64| {
        let mut eps = vec![Eps::new(4.0).unwrap(); n];
        eps[2] = Eps::new(eps2).unwrap();
        let e = Elasticities::new(
            n,
            1,
            vec![Sigma::new(5.0).unwrap(); n],
            vec![Eta::new(-1.0).unwrap(); n],
            eps,
        )
        .unwrap()
        .with_sigma_d(sigma_d(2.0, n))
        .unwrap();
        crate::Model::Armington.solve(&b, &e, &t)
    };
    let up = solve_with(4.0).unwrap();
    let down = solve_with(-10.0).unwrap();
    assert!(down.residual <= 1e-10);
    assert!(
        down.phat[2] < 1.0 && up.phat[2] > 1.0,
        "{} {}",
        down.phat[2],
        up.phat[2]
    );
    assert!(down.flow(r(2), r(0), sec(0)) > up.flow(r(2), r(0), sec(0)));
    let err = solve_with(-0.3).unwrap_err().to_string();
    assert!(err.contains("unstable"), "{err}");
}

/// An independent reference for segmented supply: with `eta = −sigma_d` the two-level model's
/// foreign demand is `PMhat^(sigma_m − sigma_d) (phat That)^(−sigma_m)` — the imports-only
/// model's with an import-demand elasticity `−sigma_d` — and, the home price being fixed,
/// home demand does not move; each exporter's supply covers its exports in both. So
/// `armington` with segmented supply equals `armington-imports` (a different solver) to
/// the solver tolerance, on a baseline with large home markets; with one supply curve over
/// all sales it does not (the home price moves with the export price).
#[test]
fn segmented_supply_matches_the_imports_only_model() {
    let n = 5;
    let b = world(n, 2);
    let (sm, sd) = (4.5, 2.0);
    let two_level = |scope| {
        uniform(n, 2, sm, -sd, 3.0)
            .with_sigma_d(sigma_d(sd, n * 2))
            .unwrap()
            .with_supply(scope)
    };
    let imports_only = uniform(n, 2, sm, -sd, 3.0);
    let mut t = b.baseline_tariffs();
    t.set(r(1), r(0), sec(0), 0.8).unwrap();
    t.set(r(1), r(0), sec(1), 0.3).unwrap();
    t.set(r(3), r(2), sec(1), 0.2).unwrap();
    let reference = crate::Model::ArmingtonImports
        .solve(&b, &imports_only, &t)
        .unwrap();
    let seg = crate::Model::Armington
        .solve(&b, &two_level(SupplyScope::Exports), &t)
        .unwrap();
    let all = crate::Model::Armington
        .solve(&b, &two_level(SupplyScope::AllSales), &t)
        .unwrap();
    // Both solvers stop at `‖F‖∞ ≤ SOLVE_TOL` in log prices; flows inherit that relative error.
    for s in 0..2 {
        for i in 0..n {
            let (a, want) = (seg.phat[s * n + i], reference.phat[s * n + i]);
            assert!((a - want).abs() <= 1e-9, "phat {i} {s}: {a} vs {want}");
            for j in 0..n {
                let (a, want) = (
                    seg.flow(r(i), r(j), sec(s)),
                    reference.flow(r(i), r(j), sec(s)),
                );
                assert!(
                    (a - want).abs() <= 1e-9 * want.abs().max(1.0),
                    "{i}->{j} {s}: {a} vs {want}"
                );
            }
        }
    }
    assert!(seg.residual <= 1e-10);
    assert!((all.phat[1] - reference.phat[1]).abs() > 1e-4);
}

/// Segmented supply redirects an exporter's lost sales to its other export markets: a big
/// exporter (home sales 50 times its exports) hit by a duty in one market loses about the
/// same there under both scopes, but its sales to the third markets rise many times more
/// when its supply curve covers exports only — the home market no longer absorbs the
/// output — and its export price falls several times more.
#[test]
fn segmented_supply_deflects_to_third_markets() {
    let n = 4;
    let mut flows = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            flows[i * n + j] = if i == j { 100.0 } else { 10.0 };
        }
    }
    flows[n + 1] = 1500.0; // region 1 is the large economy, its home market 1500
    let b = crate::Baseline::new(
        crate::RegionSet::from_codes(&["US", "CN", "VN", "EU"]).unwrap(),
        crate::SectorSet::from_codes(&["S"]).unwrap(),
        flows,
        vec![0.0; n * n],
        true,
        crate::Provenance::default(),
    )
    .unwrap();
    let mut t = b.baseline_tariffs();
    t.set(r(1), r(0), sec(0), 0.5).unwrap();
    let solve = |scope| {
        let e = uniform(n, 1, 4.0, -1.0, 2.0)
            .with_sigma_d(sigma_d(2.0, n))
            .unwrap()
            .with_supply(scope);
        crate::Model::Armington.solve(&b, &e, &t).unwrap()
    };
    let (all, seg) = (solve(SupplyScope::AllSales), solve(SupplyScope::Exports));
    let third = |eq: &Equilibrium| eq.flow(r(1), r(2), sec(0)) + eq.flow(r(1), r(3), sec(0)) - 20.0;
    assert!(third(&all) > 0.0 && third(&seg) > 5.0 * third(&all));
    let lost = |eq: &Equilibrium| 10.0 - eq.flow(r(1), r(0), sec(0));
    assert!((lost(&seg) / lost(&all) - 1.0).abs() < 0.25);
    assert!(1.0 - seg.phat[1] > 5.0 * (1.0 - all.phat[1]) && seg.residual <= 1e-10);
}
