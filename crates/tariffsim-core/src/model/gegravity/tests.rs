//! Unit tests of a small case: the baseline equations, input checks, non-convergence.

use super::*;

fn two_by_two() -> GegravityCase {
    let countries = vec!["A".to_string(), "B".to_string()];
    GegravityCase::from_cost_powers(
        countries,
        vec![100.0, 50.0],
        vec![90.0, 60.0],
        5.0,
        "B",
        vec![1.0, 0.2, 0.3, 1.0],
    )
    .unwrap()
}

#[test]
fn baseline_equations_hold_and_reference_is_numeraire() {
    let case = two_by_two();
    let r = case.solve_cost_powers(case.cost_power()).unwrap();
    assert!(r.residual <= SOLVE_TOL);
    assert!((r.imr_ratio_baseline[1] - 1.0).abs() < 1e-15);
    // Zero shock: prices exactly... to rounding of the warm-started solve.
    for i in 0..2 {
        assert!((r.factory_gate_price[i] - 1.0).abs() < 1e-12);
    }
    // Modelled consumption equals E at the baseline; shipments equal Y E_W / Y_W.
    let cons: f64 = r.baseline_trade[0] + r.baseline_trade[2];
    assert!((cons / 90.0 - 1.0).abs() < 1e-11);
    let ship: f64 = r.baseline_trade[0] + r.baseline_trade[1];
    assert!((ship / (100.0 * 150.0 / 150.0) - 1.0).abs() < 1e-11);
}

#[test]
fn rejects_bad_inputs() {
    let c = || vec!["A".to_string(), "B".to_string()];
    let t = || vec![1.0, 0.2, 0.3, 1.0];
    let err = GegravityCase::from_cost_powers(c(), vec![100.0, 0.0], vec![1.0, 1.0], 5.0, "A", t())
        .unwrap_err();
    assert!(err.to_string().contains("output 0 at country B"), "{err}");
    let err = GegravityCase::from_cost_powers(
        c(),
        vec![1.0, 1.0],
        vec![1.0, 1.0],
        5.0,
        "A",
        vec![1.0; 3],
    )
    .unwrap_err();
    assert!(err.to_string().contains("square"), "{err}");
    assert!(
        GegravityCase::from_cost_powers(c(), vec![1.0, 1.0], vec![1.0, 1.0], 1.0, "A", t())
            .is_err()
    );
    let err = GegravityCase::from_cost_powers(c(), vec![1.0, 1.0], vec![1.0, 1.0], 5.0, "ZZ", t())
        .unwrap_err();
    assert!(err.to_string().contains("`ZZ`"), "{err}");
    let spec = CostSpec::new(vec!["lndist".into()], vec![-1.0]).unwrap();
    let err = GegravityCase::new(
        c(),
        vec![1.0, 1.0],
        vec![1.0, 1.0],
        5.0,
        "A",
        spec,
        &[0.0; 3],
    )
    .unwrap_err();
    assert!(err.to_string().contains("square data"), "{err}");
}

#[test]
fn non_convergence_is_reported() {
    let case = two_by_two().with_max_iterations(1);
    let mut t1 = case.cost_power().to_vec();
    t1[1] *= 0.1;
    let err = case.solve_cost_powers(&t1).unwrap_err();
    match err {
        CoreError::Solve(e) => {
            assert_eq!(e.reason, StopReason::MaxIterations);
            assert_eq!(e.model, NAME);
        }
        other => panic!("unexpected {other}"),
    }
}
