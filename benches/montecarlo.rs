//! Monte Carlo throughput (draws/s) on `scenarios/us_china_2025.toml` with the embedded
//! `world2024` baseline, at 1 and 2 threads: every phase of the 2025 timeline solved in every
//! draw, rows streamed to `draws.csv`, the summary computed — the whole `tariffsim run` path
//! minus argument parsing. The 1→2 thread ratio is the scaling figure. Run for the default
//! two-level `armington` and, as the reference in the same run, `armington-imports` (the
//! default before it).
//!
//! Run: `cargo bench --bench montecarlo`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use tariffsim_core::Model;
use tariffsim_runner::mc::{self, RunSettings};

fn montecarlo(c: &mut Criterion) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/us_china_2025.toml");
    let (scenario, baseline) =
        tariffsim_scenario::load(&file, tariffsim_data::load).expect("scenario loads");
    let tmp = tempfile::tempdir().expect("temp dir");
    let draws = 1000;
    let mut group = c.benchmark_group("montecarlo_us_china_2025");
    group.sample_size(10);
    group.throughput(Throughput::Elements(draws));
    for model in [Model::Armington, Model::ArmingtonImports] {
        let mut scenario = scenario.clone();
        scenario.model = model;
        for threads in [1usize, 2] {
            let mut settings = RunSettings::from_scenario(
                &scenario,
                tmp.path().join(format!("{}-t{threads}", model.name())),
            );
            settings.draws = draws;
            settings.threads = threads;
            settings.quiet = true;
            // Every iteration writes into the same folder.
            settings.force = true;
            group.bench_function(
                BenchmarkId::new(format!("{}/threads", model.name()), threads),
                |b| {
                    b.iter(|| mc::run(&scenario, &baseline, &settings, &[]).expect("run"));
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, montecarlo);
criterion_main!(benches);
