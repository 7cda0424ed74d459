//! A scenario's Monte Carlo run: every phase of the timeline solved in every draw, the
//! day-weighted period figure of every metric, outputs in a run directory.
//!
//! Outputs of one draw (the columns of `draws.csv` after the parameters): every metric of the
//! [`MetricCatalog`] as the day-weighted average over the period's phases (named as in the
//! catalog, e.g. `diversion_ratio.USA.CHN`), then, for every phase, the scenario's reported
//! metrics in that phase (`diversion_ratio.USA.CHN@2025-04-10`).

use crate::engine::{self, Evaluator, Plan};
use crate::error::RunnerError;
use crate::output::{self, DrawWriter, Manifest, RunMeta, RunSummary};
use crate::point::{self, PointLayout, PointWorkspace};
use crate::priors::PriorSet;
use crate::progress::Progress;
use crate::sampler::{RNG_ID, Sampler, SamplerKind};
use std::path::{Path, PathBuf};
use tariffsim_core::{Baseline, Elasticities, MetricCatalog, Model};
use tariffsim_scenario::{Phase, Scenario};

/// How to run: everything that is not in the scenario file (or overrides it).
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Total draws of the run (all shards).
    pub draws: u64,
    /// Master seed.
    pub seed: u64,
    /// Sampler.
    pub sampler: SamplerKind,
    /// Worker threads.
    pub threads: usize,
    /// Shard `(K, N)`, 1-based; `(1, 1)` for a whole run.
    pub shard: (u64, u64),
    /// Largest failure share for which the run succeeds.
    pub max_failure_rate: f64,
    /// Output directory.
    pub out: PathBuf,
    /// No progress output.
    pub quiet: bool,
    /// Draws per parallel chunk.
    pub chunk: usize,
    /// Memory for summarising (bytes): a run whose values fit keeps them in memory; a larger
    /// one writes them to the column store and reads it back this much at a time.
    pub memory_budget: usize,
    /// Clear a non-empty output folder (and take over a stale lock) instead of refusing it.
    pub force: bool,
    /// Also write `draws_long.csv` (`draw,metric,period,value`).
    pub long_draws: bool,
}

impl RunSettings {
    /// Settings from the scenario's `[monte_carlo]` section.
    #[must_use]
    pub fn from_scenario(scenario: &Scenario, out: PathBuf) -> Self {
        let mc = &scenario.monte_carlo;
        Self {
            draws: mc.draws,
            seed: mc.seed,
            sampler: mc.sampler.into(),
            threads: default_threads(),
            shard: (1, 1),
            max_failure_rate: mc.max_failure_rate,
            out,
            quiet: false,
            chunk: 256,
            memory_budget: 256 << 20,
            force: false,
            long_draws: false,
        }
    }
}

/// Worker threads when none are asked for: every core the process may use.
#[must_use]
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Solves a scenario's phases at one draw's elasticities.
pub struct ScenarioEvaluator<'a> {
    baseline: &'a Baseline,
    /// The baselines the phases are solved on (`[macro]` growth, rerouting in the baseline).
    solve_baselines: crate::point::SolveBaselines,
    /// The scenario's rerouting block, if any.
    rerouting: Option<&'a tariffsim_scenario::ReroutingSpec>,
    model: Model,
    priors: PriorSet,
    central: Elasticities,
    phases: &'a [Phase],
    catalog: MetricCatalog,
    reported: Vec<usize>,
    output_names: Vec<String>,
}

/// Per-thread scratch of [`ScenarioEvaluator`].
pub struct ScenarioScratch {
    elasticities: Elasticities,
    solve: SolveScratch,
    /// The rerouting block with this draw's `rho`, when `rho` is sampled.
    rerouting: Option<tariffsim_scenario::ReroutingSpec>,
}

/// Solver scratch and the point run's full output (every metric, every phase and the period).
pub struct SolveScratch {
    point: PointWorkspace,
    values: Vec<f64>,
}

impl<'a> ScenarioEvaluator<'a> {
    /// Builds the evaluator: priors resolved on the baseline, phases with their day weights.
    pub fn new(scenario: &'a Scenario, baseline: &'a Baseline) -> Result<Self, RunnerError> {
        let priors = PriorSet::resolve(
            baseline,
            &scenario.priors,
            scenario.monte_carlo.correlation,
            scenario.focus,
            scenario.model,
            scenario.horizon,
        )?;
        if scenario.days() == 0 {
            return Err(RunnerError::Setting(
                "the scenario's period has no days".into(),
            ));
        }
        let phases = &scenario.phases;
        let catalog = crate::point::catalog_for(scenario, baseline)?;
        let reported = scenario
            .metrics
            .iter()
            .map(|m| {
                catalog.index_of(m).ok_or_else(|| {
                    RunnerError::Setting(format!("metric `{m}` is not in the metric catalog"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut output_names: Vec<String> = catalog.names().to_vec();
        for p in &scenario.phases {
            for &m in &reported {
                output_names.push(format!("{}@{}", catalog.names()[m], p.start));
            }
        }
        // Every draw's supply curves cover what the point estimate's do.
        let central = priors.central()?.with_supply(
            scenario
                .elasticities
                .supply
                .unwrap_or(tariffsim_data::priors::default_supply(scenario.model)),
        );
        Ok(Self {
            solve_baselines: crate::point::SolveBaselines::new(scenario, baseline)?,
            rerouting: scenario.rerouting.as_ref(),
            baseline,
            model: scenario.model,
            priors,
            central,
            phases,
            catalog,
            reported,
            output_names,
        })
    }

    /// Fresh solver scratch (one per thread).
    #[must_use]
    pub fn solve_scratch(&self) -> SolveScratch {
        SolveScratch {
            point: PointWorkspace::new(self.baseline),
            values: vec![0.0; PointLayout::new(self.phases, &self.catalog).len()],
        }
    }

    /// The resolved priors.
    #[must_use]
    pub fn priors(&self) -> &PriorSet {
        &self.priors
    }

    /// Output names in order.
    #[must_use]
    pub fn output_names(&self) -> &[String] {
        &self.output_names
    }

    /// Parameter names in order (the elasticity priors', then the sampled rerouting parameters:
    /// `rerouting.rho`, `rerouting.kappa_scale`, `rerouting.capacity_scale`).
    #[must_use]
    pub fn param_names(&self) -> Vec<String> {
        let codes: Vec<&str> = self
            .baseline
            .sectors()
            .sectors()
            .iter()
            .map(|s| s.code.as_str())
            .collect();
        let mut names = self.priors.param_names(&codes);
        let [rho, kappa, capacity] = self.sampled_rerouting();
        if rho {
            names.push("rerouting.rho".into());
        }
        if kappa {
            names.push("rerouting.kappa_scale".into());
        }
        if capacity {
            names.push("rerouting.capacity_scale".into());
        }
        names
    }

    /// Which rerouting parameters are drawn: `rho`, the kappa factor, the capacity factor (each
    /// with a log-sd > 0).
    fn sampled_rerouting(&self) -> [bool; 3] {
        self.rerouting.map_or([false; 3], |r| {
            [
                r.rho_log_sd > 0.0,
                r.kappa_log_sd > 0.0,
                r.capacity_log_sd > 0.0,
            ]
        })
    }

    /// Number of rerouting parameters drawn.
    fn n_rerouting(&self) -> usize {
        self.sampled_rerouting().iter().filter(|b| **b).count()
    }

    /// Sampler dimensions: the elasticity priors', plus one per drawn rerouting parameter
    /// (their normal scores, last, in the order of [`Self::param_names`]).
    #[must_use]
    pub fn dimension(&self) -> usize {
        self.priors.dimension() + self.n_rerouting()
    }

    /// Which sales the supply curves of every draw cover.
    #[must_use]
    pub fn central_supply(&self) -> tariffsim_core::SupplyScope {
        self.central.supply()
    }

    /// Solves every phase at `elasticities` ([`point::solve_phases_into`]) and writes the
    /// outputs: period values of every metric, then per-phase values of the reported metrics.
    pub fn solve_phases(
        &self,
        elasticities: &Elasticities,
        s: &mut SolveScratch,
        out: &mut [f64],
    ) -> Result<(), RunnerError> {
        self.solve_phases_with(elasticities, self.rerouting, s, out)
    }

    /// [`Self::solve_phases`] with a given rerouting block (a draw's `rho`).
    fn solve_phases_with(
        &self,
        elasticities: &Elasticities,
        rerouting: Option<&tariffsim_scenario::ReroutingSpec>,
        s: &mut SolveScratch,
        out: &mut [f64],
    ) -> Result<(), RunnerError> {
        point::solve_phases_into(
            self.model,
            self.solve_baselines.view(self.baseline),
            self.phases,
            rerouting,
            elasticities,
            &self.catalog,
            &mut s.point,
            &mut s.values,
        )?;
        let layout = PointLayout::new(self.phases, &self.catalog);
        let m = self.catalog.len();
        let k = self.reported.len();
        let period = layout.index(layout.n_phases, 0);
        out[..m].copy_from_slice(&s.values[period..period + m]);
        for p in 0..layout.n_phases {
            for (slot, &idx) in out[m + p * k..m + (p + 1) * k]
                .iter_mut()
                .zip(&self.reported)
            {
                *slot = s.values[layout.index(p, idx)];
            }
        }
        Ok(())
    }
}

impl Evaluator for ScenarioEvaluator<'_> {
    type Scratch = ScenarioScratch;

    fn scratch(&self) -> ScenarioScratch {
        ScenarioScratch {
            elasticities: self.central.clone(),
            solve: self.solve_scratch(),
            rerouting: self.rerouting.filter(|_| self.n_rerouting() > 0).cloned(),
        }
    }

    fn n_params(&self) -> usize {
        self.priors.n_params() + self.n_rerouting()
    }

    fn n_outputs(&self) -> usize {
        self.output_names.len()
    }

    fn evaluate(
        &self,
        z: &[f64],
        s: &mut ScenarioScratch,
        params: &mut [f64],
        out: &mut [f64],
    ) -> Result<(), RunnerError> {
        let k = self.priors.n_params();
        self.priors
            .fill(z, &mut s.elasticities, &mut params[..k])
            .map_err(|e| RunnerError::InvalidDraw(Box::new(e)))?;
        match (&mut s.rerouting, self.rerouting) {
            (Some(draw), Some(spec)) => {
                // Lognormals around the scenario's values (their medians), from the last scores.
                let [rho, kappa, capacity] = self.sampled_rerouting();
                let mut dim = self.priors.dimension();
                let mut slot = k;
                let mut next = |log_sd: f64| {
                    let factor = (log_sd * z[dim]).exp();
                    dim += 1;
                    factor
                };
                if rho {
                    draw.block.rho = spec.block.rho * next(spec.rho_log_sd);
                    params[slot] = draw.block.rho;
                    slot += 1;
                }
                if kappa {
                    let f = next(spec.kappa_log_sd);
                    for (d, c) in draw.block.conduits.iter_mut().zip(&spec.block.conduits) {
                        d.kappa = c.kappa * f;
                    }
                    params[slot] = f;
                    slot += 1;
                }
                if capacity {
                    let f = next(spec.capacity_log_sd);
                    for (d, c) in draw.block.conduits.iter_mut().zip(&spec.block.conduits) {
                        d.capacity = c.capacity * f;
                    }
                    params[slot] = f;
                }
                let rerouting = s.rerouting.as_ref();
                self.solve_phases_with(&s.elasticities, rerouting, &mut s.solve, out)
            }
            _ => self.solve_phases(&s.elasticities, &mut s.solve, out),
        }
    }
}

/// The outcome of [`run`].
#[derive(Debug)]
pub struct RunOutcome {
    /// The summary written to `summary.json`.
    pub summary: RunSummary,
    /// The run directory.
    pub dir: PathBuf,
}

/// The run's identity, shared by every shard.
pub fn run_meta(
    scenario: &Scenario,
    baseline: &Baseline,
    evaluator: &ScenarioEvaluator<'_>,
    settings: &RunSettings,
) -> RunMeta {
    RunMeta {
        tariffsim_version: env!("CARGO_PKG_VERSION").into(),
        scenario: scenario.name.clone(),
        scenario_hash: scenario.hash.clone(),
        baseline: baseline.provenance().clone(),
        sectors: scenario.sectors.clone(),
        model: scenario.model.name().into(),
        horizon: scenario.horizon.name().into(),
        seed: settings.seed,
        draws: settings.draws,
        sampler: settings.sampler.name().into(),
        rng: RNG_ID.into(),
        max_failure_rate: settings.max_failure_rate,
        params: evaluator.param_names(),
        metrics: evaluator.output_names().to_vec(),
    }
}

/// Runs any evaluator over the settings' draws into `settings.out`: the shared body of [`run`]
/// and [`run_compare`].
fn execute<E: Evaluator>(
    evaluator: &E,
    run: RunMeta,
    dimension: usize,
    settings: &RunSettings,
    extra_files: &[(&str, Vec<u8>)],
) -> Result<RunOutcome, RunnerError> {
    if !(0.0..=1.0).contains(&settings.max_failure_rate) {
        return Err(RunnerError::Setting(format!(
            "max failure rate must be in [0, 1], got {}",
            settings.max_failure_rate
        )));
    }
    let sampler = Sampler::new(settings.sampler, settings.seed, settings.draws, dimension)?;
    let (first, end) = output::shard_range(settings.draws, settings.shard.0, settings.shard.1)?;
    let manifest = Manifest {
        run,
        shard: settings.shard.0,
        shards: settings.shard.1,
        first,
        end,
        outcome: None,
    };
    let dir = settings.out.clone();
    let _lock = output::claim_run_dir(&dir, settings.force, &manifest.run.scenario)?;
    let metrics = manifest.run.metrics.clone();
    let mut writer = DrawWriter::create(&dir, manifest, settings.memory_budget)?;
    writer.set_long_draws(settings.long_draws);
    if let Some((_, phases)) = extra_files.iter().find(|(n, _)| *n == "phases.csv") {
        writer.set_point(output::points_from_phases(
            &String::from_utf8_lossy(phases),
            &metrics,
        ));
    }
    let mut progress = Progress::new(end - first, settings.quiet);
    let row_text = writer.row_text();
    let plan = Plan {
        sampler: &sampler,
        first,
        end,
        threads: settings.threads,
        chunk: settings.chunk,
        text: Some(&row_text),
    };
    engine::run(&plan, evaluator, |chunk| {
        writer.push_chunk(chunk)?;
        progress.advance(chunk.len() as u64);
        Ok(())
    })?;
    progress.finish();
    // Every output under a temporary name first; renamed into place together only when the run
    // has succeeded (a failed run leaves no final-named file).
    let mut staged = output::Staged::default();
    for (name, bytes) in extra_files {
        staged.write(&dir.join(name), bytes)?;
    }
    let summary = engine::pool(settings.threads)?.install(|| writer.finish_staged(&mut staged))?;
    check_failures(&summary, settings.max_failure_rate)?;
    staged.commit()?;
    Ok(RunOutcome { summary, dir })
}

/// Runs the Monte Carlo for `scenario` on `baseline` into `settings.out`. Every file is written
/// atomically; if more than `max_failure_rate` of the draws fail, the outputs are still written
/// (for diagnosis) and [`RunnerError::TooManyFailures`] is returned. `extra_files` (name, bytes)
/// are written into the directory too (e.g. `phases.csv`, `timeline.csv`).
pub fn run(
    scenario: &Scenario,
    baseline: &Baseline,
    settings: &RunSettings,
    extra_files: &[(&str, Vec<u8>)],
) -> Result<RunOutcome, RunnerError> {
    let evaluator = ScenarioEvaluator::new(scenario, baseline)?;
    let meta = run_meta(scenario, baseline, &evaluator, settings);
    execute(
        &evaluator,
        meta,
        evaluator.dimension(),
        settings,
        extra_files,
    )
}

/// [`RunnerError::TooManyFailures`] when the failure share exceeds `max_failure_rate`.
pub fn check_failures(summary: &RunSummary, max_failure_rate: f64) -> Result<(), RunnerError> {
    let draws = summary.succeeded + summary.failed;
    let rate = if draws == 0 {
        0.0
    } else {
        summary.failed as f64 / draws as f64
    };
    if rate > max_failure_rate {
        return Err(RunnerError::TooManyFailures {
            failed: summary.failed,
            draws,
            rate: 100.0 * rate,
            max: 100.0 * max_failure_rate,
            first: summary
                .first_failures
                .first()
                .map_or_else(String::new, |(k, r)| format!("draw {k}: {r}")),
        });
    }
    Ok(())
}

/// Default run directory: `runs/<scenario>-<unix seconds>`.
#[must_use]
pub fn default_out_dir(scenario: &Scenario) -> PathBuf {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    // Seconds for reading order, then the process id and the microseconds: two runs started
    // in the same second get distinct folders (and one process's calls a counter).
    static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let k = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Path::new("runs").join(format!(
        "{}-{}-{}-{:06}{}",
        scenario.name,
        now.as_secs(),
        std::process::id(),
        now.subsec_micros(),
        if k == 0 {
            String::new()
        } else {
            format!("-{k}")
        }
    ))
}

/// Two scenarios evaluated on the same draws (common random numbers): the same normal scores
/// go through each scenario's own priors, so with equal priors both see identical elasticities
/// and the difference isolates the policy (or model) being compared; with different priors it
/// benchmarks one assumption against the other.
///
/// Outputs, for every compared metric `m`: `a:m`, `b:m` and `diff:m = b − a` (period values).
pub struct CompareEvaluator<'a> {
    a: ScenarioEvaluator<'a>,
    b: ScenarioEvaluator<'a>,
    pairs: Vec<(usize, usize)>,
    names: Vec<String>,
}

/// Per-thread scratch of [`CompareEvaluator`].
pub struct CompareScratch {
    a: ScenarioScratch,
    b: ScenarioScratch,
    out_a: Vec<f64>,
    out_b: Vec<f64>,
    params_b: Vec<f64>,
}

impl<'a> CompareEvaluator<'a> {
    /// Compares `metrics` (period values) of scenario `b` against scenario `a`.
    pub fn new(
        a: ScenarioEvaluator<'a>,
        b: ScenarioEvaluator<'a>,
        metrics: &[String],
    ) -> Result<Self, RunnerError> {
        if a.dimension() != b.dimension() {
            return Err(RunnerError::Setting(format!(
                "cannot compare with common random numbers: the scenarios' baselines have {} and {} sampler dimensions (different sector counts)",
                a.dimension(),
                b.dimension()
            )));
        }
        let mut pairs = Vec::new();
        let mut names = Vec::new();
        for m in metrics {
            let ia = a.catalog.index_of(m);
            let ib = b.catalog.index_of(m);
            if let (Some(ia), Some(ib)) = (ia, ib) {
                pairs.push((ia, ib));
                names.push(m.clone());
            }
        }
        if pairs.is_empty() {
            return Err(RunnerError::Setting(
                "the two scenarios have no metric in common to compare".into(),
            ));
        }
        let mut output_names = Vec::with_capacity(3 * names.len());
        for prefix in ["a", "b", "diff"] {
            output_names.extend(names.iter().map(|n| format!("{prefix}:{n}")));
        }
        Ok(Self {
            a,
            b,
            pairs,
            names: output_names,
        })
    }

    /// Output names (`a:…`, `b:…`, `diff:…`).
    #[must_use]
    pub fn output_names(&self) -> &[String] {
        &self.names
    }

    /// Parameter names (scenario A's priors).
    #[must_use]
    pub fn param_names(&self) -> Vec<String> {
        self.a.param_names()
    }

    /// Sampler dimension.
    #[must_use]
    pub fn dimension(&self) -> usize {
        self.a.dimension()
    }
}

impl Evaluator for CompareEvaluator<'_> {
    type Scratch = CompareScratch;

    fn scratch(&self) -> CompareScratch {
        CompareScratch {
            a: self.a.scratch(),
            b: self.b.scratch(),
            out_a: vec![0.0; self.a.n_outputs()],
            out_b: vec![0.0; self.b.n_outputs()],
            params_b: vec![0.0; self.b.n_params()],
        }
    }

    fn n_params(&self) -> usize {
        self.a.n_params()
    }

    fn n_outputs(&self) -> usize {
        self.names.len()
    }

    fn evaluate(
        &self,
        z: &[f64],
        s: &mut CompareScratch,
        params: &mut [f64],
        out: &mut [f64],
    ) -> Result<(), RunnerError> {
        let side = |side: char| {
            move |e: RunnerError| RunnerError::CompareSide {
                side,
                error: Box::new(e),
            }
        };
        self.a
            .evaluate(z, &mut s.a, params, &mut s.out_a)
            .map_err(side('A'))?;
        self.b
            .evaluate(z, &mut s.b, &mut s.params_b, &mut s.out_b)
            .map_err(side('B'))?;
        let k = self.pairs.len();
        for (i, &(ia, ib)) in self.pairs.iter().enumerate() {
            let (va, vb) = (s.out_a[ia], s.out_b[ib]);
            out[i] = va;
            out[k + i] = vb;
            out[2 * k + i] = vb - va;
        }
        Ok(())
    }
}

/// Runs scenario `b` against scenario `a` on common random numbers into `settings.out`.
pub fn run_compare(
    (a, baseline_a): (&Scenario, &Baseline),
    (b, baseline_b): (&Scenario, &Baseline),
    metrics: &[String],
    settings: &RunSettings,
    extra_files: &[(&str, Vec<u8>)],
) -> Result<RunOutcome, RunnerError> {
    let eval = CompareEvaluator::new(
        ScenarioEvaluator::new(a, baseline_a)?,
        ScenarioEvaluator::new(b, baseline_b)?,
        metrics,
    )?;
    let run = RunMeta {
        tariffsim_version: env!("CARGO_PKG_VERSION").into(),
        scenario: format!("{} vs {}", a.name, b.name),
        scenario_hash: format!("{}+{}", a.hash, b.hash),
        baseline: baseline_a.provenance().clone(),
        sectors: if a.sectors == b.sectors {
            a.sectors.clone()
        } else {
            let side = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
            Some(format!("{} vs {}", side(&a.sectors), side(&b.sectors)))
        },
        model: if a.model == b.model {
            a.model.name().into()
        } else {
            format!("{} vs {}", a.model.name(), b.model.name())
        },
        horizon: if a.horizon == b.horizon {
            a.horizon.name().into()
        } else {
            format!("{} vs {}", a.horizon.name(), b.horizon.name())
        },
        seed: settings.seed,
        draws: settings.draws,
        sampler: settings.sampler.name().into(),
        rng: RNG_ID.into(),
        max_failure_rate: settings.max_failure_rate,
        params: eval.param_names(),
        metrics: eval.output_names().to_vec(),
    };
    execute(&eval, run, eval.dimension(), settings, extra_files)
}
