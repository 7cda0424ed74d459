//! One library entry point per job: a scenario and its settings in, a typed result and the
//! written outputs out. The CLI parses flags, calls one of these, and prints; the charts and the
//! report (`tariffsim-report`) are drawn from the written folder afterwards.

use crate::error::RunnerError;
use crate::mc::{self, RunOutcome, RunSettings};
use crate::point::{PointResult, point_elasticities, run_point};
use std::fmt::Write as _;
use tariffsim_core::Baseline;
use tariffsim_scenario::Scenario;

/// A finished [`run_scenario`]: the point estimate at central elasticities and the Monte Carlo.
#[derive(Debug)]
pub struct ScenarioRun {
    /// Every metric in every phase and for the period, at central elasticities.
    pub point: PointResult,
    /// The Monte Carlo's summary and folder.
    pub outcome: RunOutcome,
}

/// `phases.csv`: `phase,start,end,days,metric,value` for every phase and the period (`period`
/// row label), the metrics `names` in order.
#[must_use]
pub fn phases_csv(r: &PointResult, names: &[String]) -> String {
    let mut o = String::from("phase,start,end,days,metric,value\n");
    let total: u32 = r.phases.iter().map(|p| p.2).sum();
    let first = r
        .phases
        .first()
        .map(|p| p.0.to_string())
        .unwrap_or_default();
    let last = r.phases.last().map(|p| p.1.to_string()).unwrap_or_default();
    for k in 0..=r.phases.len() {
        let (label, s, e, d) = match r.phases.get(k) {
            Some((s, e, d)) => ((k + 1).to_string(), s.to_string(), e.to_string(), *d),
            None => ("period".to_string(), first.clone(), last.clone(), total),
        };
        for n in names {
            if let Some(v) = r.get(k, n) {
                let _ = writeln!(o, "{label},{s},{e},{d},{n},{v}");
            }
        }
    }
    o
}

/// The point estimate of a scenario at its central elasticities.
///
/// # Errors
/// Invalid central elasticities ([`RunnerError::Setting`]) or a failed solve.
pub fn point(sc: &Scenario, baseline: &Baseline) -> Result<PointResult, RunnerError> {
    let elasticities = point_elasticities(sc, baseline)?;
    run_point(sc, baseline, &elasticities)
}

/// Runs a scenario as `tariffsim run` does: the point estimate, then the Monte Carlo of
/// `settings` into `settings.out` with `phases.csv` (the point estimate), `rules.json` and
/// `timeline.csv` beside the draws and summaries — every file committed together when the run
/// succeeded. The same inputs and settings give the same bytes as the CLI.
///
/// # Errors
/// As [`point`] and [`mc::run`].
pub fn run_scenario(
    sc: &Scenario,
    baseline: &Baseline,
    settings: &RunSettings,
) -> Result<ScenarioRun, RunnerError> {
    let point = point(sc, baseline)?;
    let outcome = monte_carlo(sc, baseline, settings, &point)?;
    Ok(ScenarioRun { point, outcome })
}

/// The Monte Carlo part of [`run_scenario`] for a point estimate already computed (the CLI
/// prints it first).
///
/// # Errors
/// As [`mc::run`].
pub fn monte_carlo(
    sc: &Scenario,
    baseline: &Baseline,
    settings: &RunSettings,
    point: &PointResult,
) -> Result<RunOutcome, RunnerError> {
    let phases = ("phases.csv", phases_csv(point, &point.names).into_bytes());
    let mut rules_json = serde_json::to_vec_pretty(&sc.rules)
        .map_err(|e| RunnerError::Setting(format!("rules.json: {e}")))?;
    rules_json.push(b'\n');
    let rules = ("rules.json", rules_json);
    let timeline = ("timeline.csv", crate::timeline::timeline_csv(sc, baseline));
    mc::run(sc, baseline, settings, &[phases, rules, timeline])
}

/// The metrics shown with a run and compared by [`compare`]: the scenario's `metrics`, then
/// diversion by partner and deflection by destination, then (with a rerouting block) the rerouted
/// values and the true-origin change, from `names` (a catalog's).
#[must_use]
pub fn focus_metrics(sc: &Scenario, names: &[String]) -> Vec<String> {
    let (m, c) = (&sc.focus_codes.0, &sc.focus_codes.1);
    let mut out: Vec<String> = sc.metrics.clone();
    for prefix in [
        format!("diversion.{m}.{c}."),
        format!("deflection.{m}.{c}."),
        "rerouted.".to_string(),
        "imports_true_origin.".to_string(),
    ] {
        for n in names {
            if n.starts_with(&prefix) && !out.contains(n) {
                out.push(n.clone());
            }
        }
    }
    out
}

/// Compares two scenarios on common random numbers as `tariffsim compare` does (the focus
/// metrics of `a`, A, B and B − A per draw), into `settings.out`.
///
/// # Errors
/// As [`mc::run_compare`].
pub fn compare(
    a: (&Scenario, &Baseline),
    b: (&Scenario, &Baseline),
    settings: &RunSettings,
) -> Result<RunOutcome, RunnerError> {
    let catalog = tariffsim_core::MetricCatalog::new(a.1, Some(a.0.focus));
    let metrics = focus_metrics(a.0, catalog.names());
    mc::run_compare(a, b, &metrics, settings, &[])
}
