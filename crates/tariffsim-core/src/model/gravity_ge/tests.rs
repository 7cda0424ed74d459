//! Unit tests of the workspace: the analytic Jacobian against finite differences, the baseline
//! point.

use super::*;
use crate::model::test_support::world;

/// The analytic Jacobian against central finite differences, both closures, away from the
/// baseline (tariffs changed, prices perturbed).
#[test]
fn jacobian_matches_finite_differences() {
    let (n, n_sectors) = (5, 3);
    let b = world(n, n_sectors);
    let sigma = [2.0, 4.0, 7.5];
    let mut rates = b.tariffs().to_vec();
    for (k, r) in rates.iter_mut().enumerate() {
        if k % 4 == 1 {
            *r += 0.3;
        }
    }
    let tariffs = Tariffs::new(n, n_sectors, rates).unwrap();
    for closure in [DeficitClosure::Levels, DeficitClosure::ShareOfIncome] {
        let mut ws = Workspace::default();
        assert!(ws.setup(&b, &sigma, &tariffs, None).unwrap());
        let x0: Vec<f64> = (0..n).map(|i| 0.05 * (i as f64 - 2.0)).collect();
        ws.x.copy_from_slice(&x0);
        ws.evaluate(closure).unwrap();
        ws.jacobian(closure);
        let analytic = ws.jac.clone();
        let h = 1e-6;
        for k in 0..n {
            let mut col = [vec![0.0; n], vec![0.0; n]];
            for (side, sign) in [(0, 1.0), (1, -1.0)] {
                ws.x.copy_from_slice(&x0);
                ws.x[k] += sign * h;
                ws.evaluate(closure).unwrap();
                ws.equations_into_step();
                for i in 0..n {
                    col[side][i] = -ws.step[i];
                }
            }
            for i in 0..n {
                let fd = (col[0][i] - col[1][i]) / (2.0 * h);
                let an = analytic[i * n + k];
                assert!(
                    (fd - an).abs() < 1e-7 * (1.0 + an.abs()),
                    "{closure:?} J[{i}][{k}]: analytic {an}, finite difference {fd}"
                );
            }
        }
    }
}

#[test]
fn baseline_point_solves_the_system() {
    let b = world(4, 2);
    let mut ws = Workspace::default();
    ws.setup(&b, &[3.0, 5.0], &b.baseline_tariffs(), None)
        .unwrap();
    ws.evaluate(DeficitClosure::Levels).unwrap();
    assert!(ws.residual_inf() < 1e-14, "{}", ws.residual_inf());
}

/// The tâtonnement fallback (its damped steps in `model::solver::damped_step`) reaches the
/// equilibrium Newton finds, from the baseline, to the solver tolerance (1e-9 on log prices:
/// both stop at a residual of 1e-12 in ‖F‖∞).
#[test]
fn tatonnement_fallback_reaches_the_newton_solution() {
    let (n, n_sectors) = (5, 3);
    let b = world(n, n_sectors);
    let sigma = [2.0, 4.0, 7.5];
    let mut rates = b.tariffs().to_vec();
    for (k, r) in rates.iter_mut().enumerate() {
        if k % 3 == 1 {
            *r += 0.25;
        }
    }
    let tariffs = Tariffs::new(n, n_sectors, rates).unwrap();
    let closure = DeficitClosure::Levels;
    let mut ws = Workspace::default();
    assert!(ws.setup(&b, &sigma, &tariffs, None).unwrap());
    ws.newton(closure, 100).unwrap();
    let newton = ws.x.clone();
    let mut ws = Workspace::default();
    assert!(ws.setup(&b, &sigma, &tariffs, None).unwrap());
    let it = ws.tatonnement(closure, 2000).unwrap();
    assert!(it > 1, "{it}");
    for (a, c) in newton.iter().zip(&ws.x) {
        assert!((a - c).abs() < 1e-9, "{newton:?} vs {:?}", ws.x);
    }
}
