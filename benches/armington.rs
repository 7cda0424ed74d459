//! One `armington` (the two-level model), `armington-imports` (the imports-only model, the
//! default before the two-level one: the reference in the same run) and `gsim-linear` solve on
//! synthetic gravity-shaped baselines: 19 regions × 13 sectors (the shape of `world2024` until
//! 2024.7; it has 22 sectors since),
//! 50 × 20, 100 × 50 and 200 × 100, and on `world2024` itself. Every baseline has domestic sales.
//! The shock: region 0 raises its tariffs on region 1 by 145 percentage points in every sector,
//! so every sector is solved. Elasticities: sigma 4, sigma_d 2 (the rule of two), eta −1.5,
//! eps 10. Per-sector time = whole solve / sectors.
//!
//! Run: `cargo bench --bench armington`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tariffsim_core::{
    Baseline, Elasticities, Eps, Equilibrium, Eta, Model, RegionId, Sigma, SigmaD, TariffChange,
    Tariffs, Workspace,
};

fn shocked(baseline: &Baseline) -> Tariffs {
    let base = baseline.baseline_tariffs();
    let (importer, exporter) = (RegionId::from_index(0), RegionId::from_index(1));
    TariffChange::raise_all_sectors(&base, exporter, importer, 1.45)
        .apply(&base)
        .expect("valid tariffs")
}

fn bench_model(c: &mut Criterion, model: Model) {
    let mut group = c.benchmark_group(format!("{}_solve", model.name()));
    let mut cases: Vec<(String, Baseline)> = [(19, 13), (50, 20), (100, 50), (200, 100)]
        .iter()
        .map(|&(n, s)| {
            (
                format!("synth_{n}x{s}"),
                tariffsim_data::synth::synthetic(n, s, 7).expect("synthetic baseline"),
            )
        })
        .collect();
    cases.insert(
        0,
        (
            "world2024".into(),
            tariffsim_data::builtin("world2024").expect("embedded baseline"),
        ),
    );
    for (name, baseline) in &cases {
        let (n, s) = (baseline.n_regions(), baseline.n_sectors());
        let elasticities = Sigma::new(4.0)
            .and_then(|sigma| Elasticities::uniform(n, s, sigma, Eta::new(-1.5)?, Eps::new(10.0)?))
            .and_then(|e| e.with_sigma_d(vec![SigmaD::new(2.0)?; n * s]))
            .expect("elasticities");
        let tariffs = shocked(baseline);
        let mut ws = Workspace::with_regions(n);
        let mut out = Equilibrium::unchanged(model.name(), baseline);
        if n >= 100 {
            group.sample_size(10);
        }
        group.throughput(Throughput::Elements(s as u64));
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                model
                    .solve_into(baseline, &elasticities, &tariffs, &mut ws, &mut out)
                    .expect("solve");
                black_box(&out.flows);
            });
        });
    }
    group.finish();
}

fn armington(c: &mut Criterion) {
    bench_model(c, Model::Armington);
    bench_model(c, Model::ArmingtonImports);
    bench_model(c, Model::GsimLinear);
}

criterion_group!(benches, armington);
criterion_main!(benches);
