//! Solver work of one Monte Carlo draw of a scenario at its point elasticities: the time per
//! draw (its phases solved in one warm sequence, as the engine does) and the `armington`
//! counters — sector-solves, evaluations, Jacobians. A measuring aid for solver work (speed
//! claims are made with the criterion benches in `benches/`):
//! `cargo run --release --example solve_counts -- scenarios/us_china_2025.toml`.

use std::path::PathBuf;

fn main() {
    let Some(path) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: solve_counts SCENARIO.toml");
        std::process::exit(2);
    };
    let (sc, b) = match tariffsim_scenario::load(&path, tariffsim_data::load) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let e = tariffsim_runner::point::point_elasticities(&sc, &b).expect("point elasticities");
    let mut ws = tariffsim_core::Workspace::default();
    let mut out = tariffsim_core::Equilibrium::unchanged("x", &b);
    let reps: u32 = std::env::var("REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let t0 = std::time::Instant::now();
    for _ in 0..reps {
        ws.start_warm_sequence();
        for p in &sc.phases {
            sc.model
                .solve_into(&b, &e, &p.tariffs, &mut ws, &mut out)
                .expect("solve");
        }
    }
    let c = ws.nested_counts();
    if std::env::var_os("SOLVE_COUNTS_PHASES").is_some() {
        let mut ws = tariffsim_core::Workspace::default();
        ws.start_warm_sequence();
        let mut last = ws.nested_counts();
        for (k, p) in sc.phases.iter().enumerate() {
            sc.model
                .solve_into(&b, &e, &p.tariffs, &mut ws, &mut out)
                .expect("solve");
            let now = ws.nested_counts();
            println!(
                "phase {k}: solves {}, evaluations {}, Jacobians {}",
                now.solves - last.solves,
                now.evaluations - last.evaluations,
                now.jacobians - last.jacobians
            );
            last = now;
        }
    }
    let per = |x: u64| x as f64 / f64::from(reps);
    println!(
        "per draw: {:.0} us; sector-solves {:.0}, evaluations {:.0}, Jacobians {:.1}",
        t0.elapsed().as_secs_f64() * 1e6 / f64::from(reps),
        per(c.solves),
        per(c.evaluations),
        per(c.jacobians)
    );
}
