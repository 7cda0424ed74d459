//! Determinism of the Monte Carlo engine: bit-identical results for any thread count and any
//! shard split merged afterwards, failed draws counted, merge errors (issue 6, "Must show").

use std::path::{Path, PathBuf};
use tariffsim_core::{
    Baseline, Elasticities, Equilibrium, Focus, MetricCatalog, MetricWorkspace, Model, RegionId,
    SectorId, Tariffs, Workspace,
};

/// The region and sector whose sigma the failure injection reads.
const FIRST: RegionId = RegionId::from_index(0);
const SECTOR_0: SectorId = SectorId::from_index(0);
use tariffsim_runner::engine::{self, Evaluator, Plan};
use tariffsim_runner::error::RunnerError;
use tariffsim_runner::output::{self, DrawWriter, Manifest, RunMeta};
use tariffsim_runner::priors::PriorSet;
use tariffsim_runner::sampler::{Sampler, SamplerKind};
use tariffsim_scenario::priors::Priors;

/// Armington on a synthetic baseline: importer 0 raises its tariffs on exporter 1 by 145 pp.
struct Shock {
    priors: PriorSet,
    baseline: Baseline,
    tariffs: Tariffs,
    catalog: MetricCatalog,
    /// Draws whose index is in this list fail on purpose (to test failure accounting).
    fail_draws_with_sigma_above: Option<f64>,
}

struct Scratch {
    elasticities: Elasticities,
    ws: Workspace,
    eq: Equilibrium,
    metrics: MetricWorkspace,
}

impl Evaluator for Shock {
    type Scratch = Scratch;
    fn scratch(&self) -> Scratch {
        Scratch {
            elasticities: self.priors.central().unwrap(),
            ws: Workspace::default(),
            eq: Equilibrium::unchanged("armington", &self.baseline),
            metrics: MetricWorkspace::default(),
        }
    }
    fn n_params(&self) -> usize {
        self.priors.n_params()
    }
    fn n_outputs(&self) -> usize {
        self.catalog.len()
    }
    fn evaluate(
        &self,
        z: &[f64],
        s: &mut Scratch,
        params: &mut [f64],
        out: &mut [f64],
    ) -> Result<(), RunnerError> {
        self.priors.fill(z, &mut s.elasticities, params)?;
        let e = &s.elasticities;
        if let Some(limit) = self.fail_draws_with_sigma_above
            && e.sigma(FIRST, SECTOR_0) > limit
        {
            return Err(RunnerError::Rejected(format!(
                "test failure: sigma {} above {limit}",
                e.sigma(FIRST, SECTOR_0)
            )));
        }
        Model::Armington.solve_into(
            &self.baseline,
            &s.elasticities,
            &self.tariffs,
            &mut s.ws,
            &mut s.eq,
        )?;
        self.catalog
            .fill(&self.baseline, &s.eq, &mut s.metrics, out);
        Ok(())
    }
}

fn setup(fail: Option<f64>) -> Shock {
    let baseline = tariffsim_data::synth::synthetic(8, 3, 5).unwrap();
    let base = baseline.baseline_tariffs();
    let (importer, target) = (RegionId::from_index(0), RegionId::from_index(1));
    let tariffs = tariffsim_core::TariffChange::raise_all_sectors(&base, target, importer, 1.45)
        .apply(&base)
        .unwrap();
    let focus = Focus { importer, target };
    let catalog = MetricCatalog::new(&baseline, Some(focus));
    let priors = PriorSet::resolve(
        &baseline,
        &Priors::default(),
        0.5,
        focus,
        tariffsim_core::Model::Armington,
        tariffsim_core::Horizon::Long,
    )
    .unwrap();
    Shock {
        priors,
        baseline,
        tariffs,
        catalog,
        fail_draws_with_sigma_above: fail,
    }
}

fn meta(shock: &Shock, draws: u64, sampler: &str) -> RunMeta {
    let priors = &shock.priors;
    let codes: Vec<&str> = shock
        .baseline
        .sectors()
        .sectors()
        .iter()
        .map(|s| s.code.as_str())
        .collect();
    RunMeta {
        tariffsim_version: "test".into(),
        scenario: "synthetic".into(),
        scenario_hash: "0".into(),
        horizon: "long".into(),
        baseline: shock.baseline.provenance().clone(),
        sectors: None,
        model: "armington".into(),
        seed: 42,
        draws,
        sampler: sampler.into(),
        rng: tariffsim_runner::sampler::RNG_ID.into(),
        max_failure_rate: 0.01,
        params: priors.param_names(&codes),
        metrics: shock.catalog.names().to_vec(),
    }
}

/// Runs the shock's draws into `dir` with `threads` workers and `chunk` draws per chunk; the
/// writer keeps the values in memory when they fit `memory_budget` bytes, else in the column
/// store. The workers form the CSV lines (as `mc::run` does) unless `sink_formats`.
#[allow(clippy::too_many_arguments)]
fn run_to(
    dir: &Path,
    shock: &Shock,
    kind: SamplerKind,
    draws: u64,
    threads: usize,
    shard: (u64, u64),
    chunk: usize,
    memory_budget: usize,
    sink_formats: bool,
) {
    let sampler = Sampler::new(kind, 42, draws, shock.priors.dimension()).unwrap();
    let (first, end) = output::shard_range(draws, shard.0, shard.1).unwrap();
    let manifest = Manifest {
        run: meta(shock, draws, kind.name()),
        shard: shard.0,
        shards: shard.1,
        first,
        end,
        outcome: None,
    };
    let mut writer = DrawWriter::create(dir, manifest, memory_budget).unwrap();
    let row_text = writer.row_text();
    let plan = Plan {
        sampler: &sampler,
        first,
        end,
        threads,
        chunk,
        text: if sink_formats { None } else { Some(&row_text) },
    };
    engine::run(&plan, shock, |chunk| writer.push_chunk(chunk)).unwrap();
    writer.finish().unwrap();
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn identical_for_1_2_4_threads_and_any_chunking() {
    let shock = setup(None);
    for kind in [SamplerKind::Random, SamplerKind::Lhs, SamplerKind::Sobol] {
        let tmp = tempfile::tempdir().unwrap();
        let dirs: Vec<PathBuf> = [(1, 64), (2, 7), (4, 1)]
            .iter()
            .map(|&(threads, chunk)| {
                let d = tmp.path().join(format!("t{threads}"));
                run_to(&d, &shock, kind, 60, threads, (1, 1), chunk, 1 << 30, false);
                d
            })
            .collect();
        for d in &dirs[1..] {
            for f in ["draws.csv", "summary.json", "manifest.json"] {
                assert!(
                    read(&dirs[0], f) == read(d, f),
                    "{kind:?}: {f} differs in {}",
                    d.display()
                );
            }
        }
        assert!(!dirs[0].join("draws.bin.tmp").exists());
    }
}

/// A run whose sink fails part-way leaves no file behind: the writer's temporary files
/// (`draws.csv.tmp`, and `draws.bin.tmp` when the values go to the column store) are deleted
/// when it is dropped unfinished. Both ways of keeping the values.
#[test]
fn a_failed_sink_leaves_no_temporary_files() {
    let shock = setup(None);
    for memory_budget in [0, 1 << 30] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        let sampler = Sampler::new(SamplerKind::Random, 42, 40, shock.priors.dimension()).unwrap();
        let manifest = Manifest {
            run: meta(&shock, 40, "random"),
            shard: 1,
            shards: 1,
            first: 0,
            end: 40,
            outcome: None,
        };
        let mut writer = DrawWriter::create(&dir, manifest, memory_budget).unwrap();
        let store = dir.join("draws.bin.tmp").exists();
        assert_eq!(store, memory_budget == 0, "budget {memory_budget}");
        let plan = Plan {
            sampler: &sampler,
            first: 0,
            end: 40,
            threads: 2,
            chunk: 8,
            text: None,
        };
        let mut chunks = 0;
        let outcome = engine::run(&plan, &shock, |chunk| {
            chunks += 1;
            if chunks == 3 {
                return Err(RunnerError::Setting("disk full (test)".into()));
            }
            writer.push_chunk(chunk)
        });
        assert!(outcome.is_err());
        assert!(
            dir.join("draws.csv.tmp").exists(),
            "rows were being written"
        );
        drop(writer);
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "budget {memory_budget}: {left:?}");
    }
}

#[test]
fn four_shards_merged_equal_one_run() {
    let shock = setup(None);
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    run_to(
        &single,
        &shock,
        SamplerKind::Lhs,
        50,
        2,
        (1, 1),
        16,
        1 << 30,
        false,
    );
    let shards: Vec<PathBuf> = (1..=4)
        .map(|k| {
            let d = tmp.path().join(format!("shard{k}"));
            run_to(
                &d,
                &shock,
                SamplerKind::Lhs,
                50,
                1,
                (k, 4),
                5,
                1 << 30,
                false,
            );
            d
        })
        .collect();
    let merged = tmp.path().join("merged");
    // shards given out of order on purpose
    let order = vec![
        shards[2].clone(),
        shards[0].clone(),
        shards[3].clone(),
        shards[1].clone(),
    ];
    output::merge(&order, &merged, 1 << 20).unwrap();
    for f in ["draws.csv", "summary.json", "manifest.json"] {
        assert!(
            read(&single, f) == read(&merged, f),
            "{f} differs after merge"
        );
    }
    // Merge refuses overlapping, missing and mismatched shards.
    let err = output::merge(
        &[shards[0].clone(), shards[0].clone()],
        &tmp.path().join("x"),
        1 << 20,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("overlapping"), "{err}");
    let err = output::merge(&shards[..3], &tmp.path().join("y"), 1 << 20)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing shard"), "{err}");
    let other = tmp.path().join("other");
    run_to(
        &other,
        &shock,
        SamplerKind::Random,
        50,
        1,
        (4, 4),
        5,
        1 << 30,
        false,
    );
    let err = output::merge(
        &[
            shards[0].clone(),
            shards[1].clone(),
            shards[2].clone(),
            other,
        ],
        &tmp.path().join("z"),
        1 << 20,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("different sampler"), "{err}");
}

#[test]
fn failed_draws_are_counted_and_never_nan() {
    let shock = setup(Some(6.0)); // default sigma prior lognormal(4, 0.3): ~9% of draws exceed 6
    let tmp = tempfile::tempdir().unwrap();
    run_to(
        tmp.path(),
        &shock,
        SamplerKind::Random,
        200,
        2,
        (1, 1),
        32,
        1 << 30,
        false,
    );
    let summary = output::read_summary(tmp.path()).unwrap();
    let (failed, succeeded) = (summary.failed, summary.succeeded);
    assert!(
        failed > 0 && succeeded > 0 && failed + succeeded == 200,
        "{failed} {succeeded}"
    );
    let csv = String::from_utf8(read(tmp.path(), "draws.csv")).unwrap();
    assert!(!csv.to_lowercase().contains("nan"));
    assert_eq!(
        csv.lines().filter(|l| l.contains(",failed,")).count() as u64,
        failed
    );
    let count = summary.metrics[0].summary.count;
    assert_eq!(count, succeeded);
}

/// The summary is the same whether the run keeps its values in memory or reads them back from
/// the column store (a budget too small for the run), with failed draws skipped in both.
#[test]
fn summary_from_memory_equals_summary_from_the_column_store() {
    let shock = setup(Some(6.0));
    let tmp = tempfile::tempdir().unwrap();
    let (memory, store) = (tmp.path().join("memory"), tmp.path().join("store"));
    run_to(
        &memory,
        &shock,
        SamplerKind::Lhs,
        120,
        2,
        (1, 1),
        16,
        1 << 30,
        false,
    );
    run_to(
        &store,
        &shock,
        SamplerKind::Lhs,
        120,
        2,
        (1, 1),
        16,
        1,
        false,
    );
    assert!(output::read_summary(&memory).unwrap().failed > 0);
    for f in ["draws.csv", "summary.json", "manifest.json"] {
        assert!(read(&memory, f) == read(&store, f), "{f} differs");
    }
    assert!(!memory.join("draws.bin.tmp").exists() && !store.join("draws.bin.tmp").exists());
}

/// The lines are the same whether the workers form them (as `mc::run` does) or the sink does.
#[test]
fn worker_formed_lines_equal_sink_formed_ones() {
    let shock = setup(Some(6.0));
    let tmp = tempfile::tempdir().unwrap();
    let (workers, sink) = (tmp.path().join("workers"), tmp.path().join("sink"));
    run_to(
        &workers,
        &shock,
        SamplerKind::Random,
        90,
        2,
        (1, 1),
        8,
        1 << 30,
        false,
    );
    run_to(
        &sink,
        &shock,
        SamplerKind::Random,
        90,
        2,
        (1, 1),
        8,
        1 << 30,
        true,
    );
    let csv = read(&workers, "draws.csv");
    assert!(String::from_utf8_lossy(&csv).contains(",failed,"));
    for f in ["draws.csv", "summary.json", "manifest.json"] {
        assert!(read(&workers, f) == read(&sink, f), "{f} differs");
    }
}
