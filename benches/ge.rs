//! Criterion benches of the two general-equilibrium models (`gravity-ge`, `gegravity-compat`).
//!
//! Run: `cargo bench --bench ge`. Cases:
//! - `gegravity_compat/sample30`: gegravity's own 30-country sample and its USA–CHN 10%
//!   counterfactual, pure solve (baseline + counterfactual resistances and every reported
//!   quantity) — the figure compared with gegravity's `root` time by `make bench-peers`. Needs
//!   `../shared/data/gegravity_sample` (skipped with a message when absent).
//! - `<model>/synthetic_30x1` and `<model>/synthetic_200x50`: `Model::solve_into` on
//!   `tariffsim_data::synth::synthetic(n, s, 1)` after a 20-point tariff increase by region 0 on
//!   region 1 in every sector, with a reused workspace (the Monte Carlo path).

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use tariffsim_core::model::gegravity::{CostSpec, GegravityCase};
use tariffsim_core::{
    Baseline, Elasticities, Eps, Equilibrium, Eta, Model, RegionId, Sigma, TariffChange, Workspace,
};

/// The sample's cost data and the USA–CHN counterfactual (see `shared/data/gegravity_expected`).
fn sample_case() -> Option<(GegravityCase, Vec<f64>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/gegravity_sample/sample_data_set.dlm");
    let text = std::fs::read_to_string(&path).ok()?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let vars = [
        "lndist",
        "contiguity",
        "common_language",
        "pta",
        "international",
    ];
    let (ce, ci, cy, cx) = (col("exporter")?, col("importer")?, col("Y")?, col("E")?);
    let cols: Vec<usize> = vars.iter().map(|v| col(v)).collect::<Option<_>>()?;
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let mut countries: Vec<String> = rows.iter().map(|r| r[ce].to_string()).collect();
    countries.sort();
    countries.dedup();
    let n = countries.len();
    let idx = |c: &str| countries.iter().position(|x| x == c);
    let k_vars = vars.len() + 2;
    let mut costs = vec![0.0; n * n * k_vars];
    let mut output = vec![0.0; n];
    let mut expenditure = vec![0.0; n];
    for r in &rows {
        let (i, j) = (idx(r[ce])?, idx(r[ci])?);
        output[i] = r[cy].parse().ok()?;
        expenditure[j] = r[cx].parse().ok()?;
        for (k, &c) in cols.iter().enumerate() {
            costs[(i * n + j) * k_vars + k] = r[c].parse().ok()?;
        }
        costs[(i * n + j) * k_vars + vars.len()] = 1.0; // constant
    }
    let names: Vec<String> = vars
        .iter()
        .chain(&["constant", "ln_tau"])
        .map(|s| s.to_string())
        .collect();
    let coeffs = vec![
        -0.3898623, 0.891577, 0.0326249, 0.4711383, -3.412584, 16.32434, -4.0,
    ];
    let case = GegravityCase::new(
        countries.clone(),
        output,
        expenditure,
        5.0,
        "DEU",
        CostSpec::new(names, coeffs).ok()?,
        &costs,
    )
    .ok()?;
    let mut cf = costs;
    let (chn, usa) = (idx("CHN")?, idx("USA")?);
    cf[(chn * n + usa) * k_vars + k_vars - 1] = 1.1_f64.ln();
    let spec = CostSpec::new(
        vars.iter()
            .chain(&["constant", "ln_tau"])
            .map(|s| s.to_string())
            .collect(),
        vec![
            -0.3898623, 0.891577, 0.0326249, 0.4711383, -3.412584, 16.32434, -4.0,
        ],
    )
    .ok()?;
    let power = spec.cost_power(case.countries(), &cf).ok()?;
    Some((case, power))
}

fn synthetic(n: usize, s: usize) -> (Baseline, Elasticities, tariffsim_core::Tariffs) {
    let baseline = tariffsim_data::synth::synthetic(n, s, 1).expect("synthetic baseline");
    let sigma: Vec<Sigma> = (0..s)
        .flat_map(|k| std::iter::repeat_n(Sigma::new(3.0 + (k % 5) as f64).unwrap(), n))
        .collect();
    let eta = vec![Eta::new(-1.0).unwrap(); n * s];
    let el = Elasticities::new(n, s, sigma, eta, vec![Eps::PERFECTLY_ELASTIC; n * s]).unwrap();
    let (importer, exporter) = (RegionId::from_index(0), RegionId::from_index(1));
    let tariffs =
        TariffChange::raise_all_sectors(&baseline.baseline_tariffs(), exporter, importer, 0.20)
            .apply(&baseline.baseline_tariffs())
            .unwrap();
    (baseline, el, tariffs)
}

fn bench(c: &mut Criterion) {
    if let Some((case, power)) = sample_case() {
        let mut g = c.benchmark_group("gegravity_compat");
        g.bench_function("sample30", |b| {
            b.iter(|| black_box(case.solve_cost_powers(black_box(&power)).unwrap()))
        });
        g.finish();
    } else {
        eprintln!("gegravity_compat/sample30: SKIPPED, ../shared/data/gegravity_sample not found");
    }
    for (n, s, samples) in [(30, 1, 100), (200, 50, 10)] {
        let (baseline, el, tariffs) = synthetic(n, s);
        for model in [
            Model::GegravityCompat,
            Model::from_name("gravity-ge").unwrap(),
        ] {
            let mut g = c.benchmark_group(model.name().replace('-', "_"));
            g.sample_size(samples);
            let mut ws = Workspace::default();
            let mut out = Equilibrium::unchanged(model.name(), &baseline);
            g.bench_function(format!("synthetic_{n}x{s}"), |b| {
                b.iter(|| {
                    model
                        .solve_into(&baseline, &el, black_box(&tariffs), &mut ws, &mut out)
                        .unwrap();
                    black_box(out.welfare[0])
                })
            });
            g.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
