//! Achieved / physical limit for the `armington` Newton sweep.
//!
//! The solve's arithmetic is counted per sector-solve from the sizes and the solver's own work
//! counters (`Workspace::armington_counts`: evaluations and Jacobians; steps from
//! `Equilibrium::iterations`): an evaluation with one sigma group costs 4 N transcendental
//! calls (`phat^(1−σ)`, a log and an exp per importer, the log of each exporter's demand sum)
//! and two dense N² multiply–add sweeps (4 N² flops); forming shares and quantities (before
//! each Jacobian and once for the results) N more (`1 / phat`); a Jacobian costs shares and
//! quantities plus the A factor (11 N²), the `A S` product (`2 m² n`) and its factorisation
//! (`2 m³ / 3`); each step a triangular solve (`2 m²`). The machine's throughput for
//! those two kinds of work is measured here with the same code generation as the solver: the
//! inlined vector `exp` of `tariffsim_core::linalg` over an L1-resident array, and
//! `linalg::matmul_into` on an L1/L2-resident product of the solve's own size. The limit is the
//! time those counts take at those rates; achieved / limit = limit time / measured solve time.
//!
//! Run: `cargo bench --bench limits` (criterion groups for the micro-benches, then a table).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Instant;
use tariffsim_core::linalg::{exp, matmul_into};
use tariffsim_core::{
    Baseline, Elasticities, Eps, Equilibrium, Eta, Model, RegionId, Sigma, TariffChange, Workspace,
};

const EXP_BATCH: usize = 4096;

fn exp_batch(xs: &[f64], out: &mut [f64]) {
    for (o, &x) in out.iter_mut().zip(xs) {
        *o = exp(x);
    }
}

/// Seconds per call of `f`, the fastest of `rounds` rounds of `reps` calls.
fn seconds_per_call(mut f: impl FnMut(), reps: usize, rounds: usize) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        best = best.min(t.elapsed().as_secs_f64() / reps as f64);
    }
    best
}

fn exp_seconds() -> f64 {
    let xs: Vec<f64> = (0..EXP_BATCH)
        .map(|k| -3.0 + 6.0 * k as f64 / EXP_BATCH as f64)
        .collect();
    let mut out = vec![0.0; EXP_BATCH];
    seconds_per_call(
        || {
            exp_batch(black_box(&xs), &mut out);
            black_box(&out);
        },
        200,
        20,
    ) / EXP_BATCH as f64
}

/// Seconds per flop of `matmul_into` for an `m × n` by `n × m` product.
fn flop_seconds(m: usize, n: usize) -> f64 {
    let a: Vec<f64> = (0..m * n).map(|k| (k % 7) as f64 * 0.1).collect();
    let b: Vec<f64> = (0..n * m).map(|k| (k % 5) as f64 * 0.2).collect();
    let mut c = vec![0.0; m * m];
    let reps = (20_000_000 / (2 * m * m * n)).max(1);
    seconds_per_call(
        || {
            matmul_into(&mut c, black_box(&a), black_box(&b), m, n, m);
            black_box(&c);
        },
        reps,
        10,
    ) / (2 * m * m * n) as f64
}

fn micro(c: &mut Criterion) {
    let mut g = c.benchmark_group("limits");
    let xs: Vec<f64> = (0..EXP_BATCH)
        .map(|k| -3.0 + 6.0 * k as f64 / EXP_BATCH as f64)
        .collect();
    let mut out = vec![0.0; EXP_BATCH];
    g.throughput(Throughput::Elements(EXP_BATCH as u64));
    g.bench_function("linalg_exp_4096", |b| {
        b.iter(|| exp_batch(black_box(&xs), &mut out));
    });
    g.bench_function("std_exp_4096", |b| {
        b.iter(|| {
            for (o, &x) in out.iter_mut().zip(black_box(&xs)) {
                *o = x.exp();
            }
        });
    });
    for m in [19usize, 200] {
        let a = vec![0.5; m * m];
        let bm = vec![0.25; m * m];
        let mut cm = vec![0.0; m * m];
        g.throughput(Throughput::Elements((2 * m * m * m) as u64));
        g.bench_function(format!("matmul_{m}"), |b| {
            b.iter(|| matmul_into(&mut cm, black_box(&a), black_box(&bm), m, m, m));
        });
    }
    g.finish();
    table();
}

fn case(name: &str) -> Baseline {
    match name {
        "world2024" => tariffsim_data::builtin("world2024").expect("embedded baseline"),
        _ => {
            let (n, s) = name
                .trim_start_matches("synth_")
                .split_once('x')
                .expect("size");
            tariffsim_data::synth::synthetic(n.parse().expect("n"), s.parse().expect("s"), 7)
                .expect("synthetic baseline")
        }
    }
}

/// Prints counts, the limit and achieved / limit per size.
fn table() {
    let t_exp = exp_seconds();
    println!("\nlimits: exp {:.2} ns each (vector, L1)", t_exp * 1e9);
    println!(
        "{:14} {:>6} {:>6} {:>6} {:>9} {:>9} {:>8} {:>12} {:>12} {:>9} {:>8}",
        "case",
        "steps",
        "evals",
        "jacs",
        "transc",
        "Mflop",
        "ns/flop",
        "limit µs/sec",
        "solve µs/sec",
        "whole s",
        "achieved"
    );
    for name in [
        "world2024",
        "synth_19x13",
        "synth_50x20",
        "synth_100x50",
        "synth_200x100",
    ] {
        let baseline = case(name);
        let (n, s) = (baseline.n_regions(), baseline.n_sectors());
        let base = baseline.baseline_tariffs();
        // Region 0 raises its tariffs on region 1 by 145 points in every sector.
        let (importer, exporter) = (RegionId::from_index(0), RegionId::from_index(1));
        let tariffs = TariffChange::raise_all_sectors(&base, exporter, importer, 1.45)
            .apply(&base)
            .expect("tariffs");
        let el = Elasticities::uniform(
            n,
            s,
            Sigma::new(4.0).expect("sigma"),
            Eta::new(-1.5).expect("eta"),
            Eps::new(10.0).expect("eps"),
        )
        .expect("elasticities");
        let mut ws = Workspace::with_regions(n);
        let mut out = Equilibrium::unchanged("armington", &baseline);
        let solve = |ws: &mut Workspace, out: &mut Equilibrium| {
            Model::ArmingtonImports
                .solve_into(&baseline, &el, &tariffs, ws, out)
                .expect("solve");
        };
        let before = ws.armington_counts();
        solve(&mut ws, &mut out);
        let after = ws.armington_counts();
        let solved = out.iterations.iter().filter(|&&i| i > 0).count().max(1);
        let iters = out.iterations.iter().map(|&i| f64::from(i)).sum::<f64>() / solved as f64;
        let evals = (after.evaluations - before.evaluations) as f64 / solved as f64;
        let jacobians = (after.jacobians - before.jacobians) as f64 / solved as f64;
        let (nf, mf) = (n as f64, n as f64);
        // Per evaluation: phat^(1-sigma) (one sigma group here), ln and exp per importer, ln of
        // the demand sum: 4 N transcendental calls; two dense N² multiply-add sweeps (2 flops
        // per cell each). Per forming of shares (each Jacobian and the write-out): 1/phat, N.
        let transcendentals = evals * 4.0 * nf + (jacobians + 1.0) * nf;
        let eval_flops = evals * 4.0 * nf * nf;
        // Per Jacobian: shares and quantities (6 flops per cell), the A factor (5 per cell), the
        // A·S product (2 m² n) and the factorisation (2 m³ / 3); per step a solve (2 m²).
        let newton_flops = jacobians
            * (11.0 * nf * nf + 2.0 * mf * mf * nf + 2.0 * mf * mf * mf / 3.0)
            + iters * 2.0 * mf * mf;
        let t_flop = flop_seconds(n, n);
        let limit = transcendentals * t_exp + (eval_flops + newton_flops) * t_flop;
        let reps = (2_000_000 / (n * n * s)).max(1);
        let whole = seconds_per_call(|| solve(&mut ws, &mut out), reps, 5);
        let per_sector = whole / solved as f64;
        println!(
            "{:14} {:>6.2} {:>6.2} {:>6.2} {:>9.0} {:>9.3} {:>8.3} {:>12.2} {:>12.2} {:>9.4} {:>7.0}%",
            name,
            iters,
            evals,
            jacobians,
            transcendentals,
            (eval_flops + newton_flops) * 1e-6,
            t_flop * 1e9,
            limit * 1e6,
            per_sector * 1e6,
            whole,
            100.0 * limit / per_sector
        );
    }
}

criterion_group!(benches, micro);
criterion_main!(benches);
