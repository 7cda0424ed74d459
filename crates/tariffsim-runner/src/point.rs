//! Point runs: solve every phase of a scenario's timeline at one set of elasticities and compute
//! the metrics per phase and day-weighted over the period.
//!
//! This is the evaluator behind `tariffsim run` at central elasticities and, draw by draw, behind
//! the Monte Carlo engine. [`solve_phases_into`] allocates nothing once its [`PointWorkspace`] is
//! sized: it reuses the solver workspace, the equilibrium and the metric scratch, and writes into
//! a caller-owned slice laid out as [`PointLayout`] describes.
//!
//! Day weighting: phase `p` lasts `days_p` days; the period figure of a metric is
//! `sum_p days_p * m_p / sum_p days_p`. Flows in the baseline are annual, so each phase's metric is
//! an annual rate and the period figure is the annualised average over the period (for a
//! one-year period: the change over that year). It is accumulated sequentially in phase order.
//! The two focus ratios are the exception: the period `diversion_ratio` and `deflection_ratio`
//! are recomputed from the period figures (sum of day-weighted diversions over the day-weighted
//! direct loss), not averaged — an average of ratios would give a phase with no tariff change
//! (ratio 0 by convention) weight in the ratio.
//!
//! Warm starts: the phases of one call form a sequence in which each sector's solve starts from
//! its solution in the previous phase ([`Workspace::start_warm_sequence`]). A phase's result
//! therefore agrees with a cold solve of that phase to the solver tolerance (1e-12 on the log
//! clearing residuals), not bit for bit; it depends on the scenario's phases and the elasticities
//! only — never on other draws, threads or shards (the sequence is reset at every call).

use crate::error::RunnerError;
use tariffsim_core::{
    Baseline, Elasticities, Equilibrium, MetricCatalog, MetricWorkspace, Model, Workspace,
};
use tariffsim_scenario::{Date, Phase, Scenario};

/// The baseline a scenario with a `[macro]` table is solved on: each importer's purchases
/// (domestic included) grown by its nominal demand growth, tariffs unchanged; `None` without
/// `[macro]`. Metrics compare the solution with the original baseline, so their changes include
/// the growth (what an observed level change includes) while welfare and revenue are the tariff's.
pub fn grown_baseline(
    scenario: &Scenario,
    baseline: &Baseline,
) -> Result<Option<Baseline>, RunnerError> {
    let Some(growth) = &scenario.macro_growth else {
        return Ok(None);
    };
    let n = baseline.n_regions();
    let mut flows = baseline.flows().to_vec();
    for s in 0..baseline.n_sectors() {
        for i in 0..n {
            for j in 0..n {
                flows[(s * n + i) * n + j] *= 1.0 + growth[s * n + j];
            }
        }
    }
    let mut provenance = baseline.provenance().clone();
    provenance.version = format!("{} + [macro]", provenance.version);
    Baseline::new(
        baseline.regions().clone(),
        baseline.sectors().clone(),
        flows,
        baseline.tariffs().to_vec(),
        baseline.has_domestic(),
        provenance,
    )
    .map(Some)
    .map_err(|e| RunnerError::Setting(format!("`[macro]`: {e}")))
}

/// The baselines a scenario's phases are solved on, built once per run: the `[macro]`-grown
/// baseline (if any) and, with rerouting in the baseline (`baseline_share`), the true-origin
/// baseline the model solves on (`tariffsim_core::rerouting`).
#[derive(Debug, Clone, Default)]
pub struct SolveBaselines {
    grown: Option<Baseline>,
    true_origin: Option<Baseline>,
}

impl SolveBaselines {
    /// The solve baselines of `scenario` on `baseline`.
    ///
    /// # Errors
    /// A `[macro]` or rerouting block that does not fit the baseline.
    pub fn new(scenario: &Scenario, baseline: &Baseline) -> Result<Self, RunnerError> {
        let grown = grown_baseline(scenario, baseline)?;
        let true_origin = match &scenario.rerouting {
            Some(rr) if rr.block.has_baseline_rerouting() => Some(
                rr.block
                    .true_origin_baseline(grown.as_ref().unwrap_or(baseline))
                    .map_err(|e| RunnerError::Setting(format!("`[rerouting]`: {e}")))?,
            ),
            _ => None,
        };
        Ok(Self { grown, true_origin })
    }

    /// The three roles, measured against `reference` (the scenario's baseline).
    #[must_use]
    pub fn view<'a>(&'a self, reference: &'a Baseline) -> Baselines<'a> {
        let routes = self.grown.as_ref().unwrap_or(reference);
        Baselines {
            solve: self.true_origin.as_ref().unwrap_or(routes),
            routes,
            reference,
        }
    }
}

/// The baselines of one solve: the one the model solves on, the recorded routes (what the
/// rerouting block splits the solved sales back into), and the one metrics are measured against.
#[derive(Debug, Clone, Copy)]
pub struct Baselines<'a> {
    /// The model solves on it.
    pub solve: &'a Baseline,
    /// Trade as recorded (the `[macro]`-grown baseline, or `reference`).
    pub routes: &'a Baseline,
    /// Metrics are changes from it.
    pub reference: &'a Baseline,
}

impl<'a> Baselines<'a> {
    /// One baseline in every role.
    #[must_use]
    pub fn same(baseline: &'a Baseline) -> Self {
        Self {
            solve: baseline,
            routes: baseline,
            reference: baseline,
        }
    }
}

/// The metric catalog of a scenario: every standard metric of its focus pair, plus the
/// on-request trade metrics its `metrics` list names (`import_share.USA.VNM`, …: see
/// [`MetricCatalog::with_extra`]).
pub fn catalog_for(scenario: &Scenario, baseline: &Baseline) -> Result<MetricCatalog, RunnerError> {
    let mut catalog = MetricCatalog::new(baseline, Some(scenario.focus))
        .with_extra(baseline, &scenario.metrics)
        .map_err(|e| RunnerError::Setting(e.to_string()))?;
    if let Some(rr) = &scenario.rerouting {
        catalog = catalog
            .with_rerouting(baseline, &rr.block)
            .map_err(|e| RunnerError::Setting(e.to_string()))?;
    }
    Ok(catalog)
}

/// The elasticities of a scenario's point estimate: `tariffsim-data`'s central values for its
/// model, the file's `[elasticities]` applied, scaled to its horizon — the same horizon scaling
/// every Monte Carlo draw gets, so the point sits inside its own band.
pub fn point_elasticities(sc: &Scenario, baseline: &Baseline) -> Result<Elasticities, RunnerError> {
    let defaults = tariffsim_data::priors::central_elasticities(baseline, sc.model)
        .map_err(|e| RunnerError::Setting(format!("default central elasticities: {e}")))?;
    let mut e = sc
        .central_elasticities(&defaults)
        .map_err(|e| RunnerError::Setting(format!("`[elasticities]`: {e}")))?;
    e.scale_to_horizon(tariffsim_data::priors::horizon_scale(sc.horizon))
        .map_err(|e| {
            RunnerError::Setting(format!(
                "`[elasticities]` at the `{}` horizon: {e}",
                sc.horizon.name()
            ))
        })?;
    Ok(e)
}

/// Scratch reused across calls (one per thread in Monte Carlo).
#[derive(Debug, Clone)]
pub struct PointWorkspace {
    /// Solver scratch.
    pub solver: Workspace,
    /// One equilibrium per phase, kept across calls: each holds its phase's tariff matrix, so
    /// a call with the same phases does not copy the matrices again.
    phases: Vec<Equilibrium>,
    /// Metric scratch.
    pub metrics: MetricWorkspace,
    /// Rerouting scratch: the phase's effective tariffs and rerouted shares.
    rerouted_tariffs: Option<tariffsim_core::Tariffs>,
    rerouted_shares: Vec<f64>,
}

impl PointWorkspace {
    /// Sized for `baseline` (the per-phase equilibria are made on first use, for the model the
    /// call solves with).
    #[must_use]
    pub fn new(baseline: &Baseline) -> Self {
        Self {
            solver: Workspace::with_regions(baseline.n_regions()),
            phases: Vec::new(),
            metrics: MetricWorkspace::default(),
            rerouted_tariffs: None,
            rerouted_shares: Vec::new(),
        }
    }

    /// The equilibrium of phase `p` from the last [`solve_phases_into`] call, if it got there.
    #[must_use]
    pub fn equilibrium(&self, p: usize) -> Option<&Equilibrium> {
        self.phases.get(p)
    }
}

/// Layout of the output slice: `n_phases + 1` rows of `n_metrics` values, row-major; row `p` is
/// phase `p`, the last row is the day-weighted period figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointLayout {
    /// Number of phases.
    pub n_phases: usize,
    /// Number of metrics per row (the catalog's length).
    pub n_metrics: usize,
}

impl PointLayout {
    /// The layout for these phases and catalog.
    #[must_use]
    pub fn new(phases: &[Phase], catalog: &MetricCatalog) -> Self {
        Self {
            n_phases: phases.len(),
            n_metrics: catalog.len(),
        }
    }

    /// Length of the output slice.
    #[must_use]
    pub fn len(&self) -> usize {
        (self.n_phases + 1) * self.n_metrics
    }

    /// True when there is nothing to compute.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index of metric `m` of phase `p` (`p == n_phases`: the period).
    #[must_use]
    pub fn index(&self, p: usize, m: usize) -> usize {
        p * self.n_metrics + m
    }
}

/// Solves each phase at `elasticities` and writes every metric of `catalog` per phase and
/// day-weighted into `out` (length [`PointLayout::len`]). On error `out` is unspecified.
#[allow(clippy::too_many_arguments)]
pub fn solve_phases_into(
    model: Model,
    baselines: Baselines<'_>,
    phases: &[Phase],
    rerouting: Option<&tariffsim_scenario::ReroutingSpec>,
    elasticities: &Elasticities,
    catalog: &MetricCatalog,
    ws: &mut PointWorkspace,
    out: &mut [f64],
) -> Result<(), RunnerError> {
    let Baselines {
        solve: baseline,
        routes,
        reference,
    } = baselines;
    let layout = PointLayout::new(phases, catalog);
    let nm = layout.n_metrics;
    if out.len() != layout.len() {
        return Err(RunnerError::PointShape {
            expected: layout.len(),
            found: out.len(),
        });
    }
    // The phases of one call form a warm sequence: each sector starts from its solution in the
    // previous phase (same elasticities, tariffs changed step by step). Reset per call, so a
    // draw never depends on the draws before it in the same workspace (thread).
    ws.solver.start_warm_sequence();
    if ws.phases.len() < phases.len() {
        ws.phases.resize_with(phases.len(), || {
            Equilibrium::unchanged(model.name(), baseline)
        });
    }
    let total_days: f64 = phases.iter().map(|p| f64::from(p.days)).sum();
    let (rows, period) = out.split_at_mut(layout.n_phases * nm);
    period.fill(0.0);
    for (p, phase) in phases.iter().enumerate() {
        let phase_error = |error| RunnerError::Phase {
            phase: p,
            start: phase.start,
            end: phase.end,
            error,
        };
        // With a rerouting block the phase is solved at the effective tariffs of the origin's
        // sales to the destination, and its recorded flows split by route afterwards.
        let tariffs = match rerouting {
            Some(rr) => {
                let penalty = rr.penalty_by_phase.get(p).copied().unwrap_or(0.0);
                rr.block
                    .shares(routes, &phase.tariffs, penalty, &mut ws.rerouted_shares);
                let eff = ws
                    .rerouted_tariffs
                    .get_or_insert_with(|| phase.tariffs.clone());
                rr.block
                    .effective_tariffs(
                        (routes, baseline),
                        &phase.tariffs,
                        &ws.rerouted_shares,
                        penalty,
                        eff,
                    )
                    .map_err(phase_error)?;
                &*eff
            }
            None => &phase.tariffs,
        };
        model
            .solve_into(
                baseline,
                elasticities,
                tariffs,
                &mut ws.solver,
                &mut ws.phases[p],
            )
            .map_err(phase_error)?;
        if let Some(rr) = rerouting {
            let penalty = rr.penalty_by_phase.get(p).copied().unwrap_or(0.0);
            rr.block.record(
                (routes, baseline),
                &phase.tariffs,
                &ws.rerouted_shares,
                penalty,
                &mut ws.phases[p],
            );
        }
        let row = &mut rows[p * nm..(p + 1) * nm];
        if reference.uid() != baseline.uid() {
            // Solved on a grown baseline, measured against the original: every sector differs.
            ws.phases[p].forget_solver_totals();
        }
        catalog.fill(reference, &ws.phases[p], &mut ws.metrics, row);
        if total_days > 0.0 {
            let w = f64::from(phase.days) / total_days;
            for (acc, v) in period.iter_mut().zip(row.iter()) {
                *acc += w * v;
            }
        }
    }
    // The period's focus ratios are ratios of its averaged flows.
    catalog.recompute_ratios(period);
    Ok(())
}

/// The result of a point run, with names.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    /// Metric names (the catalog's order).
    pub names: Vec<String>,
    /// `(start, end, days)` of each phase.
    pub phases: Vec<(Date, Date, u32)>,
    /// Values, laid out as [`PointLayout`] says.
    pub values: Vec<f64>,
    /// The layout.
    pub layout: PointLayout,
}

impl PointResult {
    /// Metric `name` in phase `p` (`p == phases.len()`: the period).
    #[must_use]
    pub fn get(&self, p: usize, name: &str) -> Option<f64> {
        let m = self.names.iter().position(|n| n == name)?;
        self.values.get(self.layout.index(p, m)).copied()
    }

    /// The day-weighted period figure of metric `name`.
    #[must_use]
    pub fn period(&self, name: &str) -> Option<f64> {
        self.get(self.layout.n_phases, name)
    }
}

/// Convenience: a point run of `scenario` on `baseline` at `elasticities` (allocates).
pub fn run_point(
    scenario: &Scenario,
    baseline: &Baseline,
    elasticities: &Elasticities,
) -> Result<PointResult, RunnerError> {
    let catalog = catalog_for(scenario, baseline)?;
    let layout = PointLayout::new(&scenario.phases, &catalog);
    let mut ws = PointWorkspace::new(baseline);
    let mut values = vec![0.0; layout.len()];
    let baselines = SolveBaselines::new(scenario, baseline)?;
    solve_phases_into(
        scenario.model,
        baselines.view(baseline),
        &scenario.phases,
        scenario.rerouting.as_ref(),
        elasticities,
        &catalog,
        &mut ws,
        &mut values,
    )?;
    Ok(PointResult {
        names: catalog.names().to_vec(),
        phases: scenario
            .phases
            .iter()
            .map(|p| (p.start, p.end, p.days))
            .collect(),
        values,
        layout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use tariffsim_core::{Eps, Eta, Provenance, RegionSet, SectorSet, Sigma};
    use tariffsim_scenario::Document;

    /// sigma 4, eta -1.5, eps 10 on the 4-region, 2-sector test baseline.
    fn uniform_4x2() -> Elasticities {
        Elasticities::uniform(
            4,
            2,
            Sigma::new(4.0).unwrap(),
            Eta::new(-1.5).unwrap(),
            Eps::new(10.0).unwrap(),
        )
        .unwrap()
    }

    fn baseline() -> Baseline {
        let regions = RegionSet::from_codes(&["USA", "CHN", "VNM", "MEX"]).unwrap();
        let sectors = SectorSet::from_codes(&["AGRI", "GOODS"]).unwrap();
        let n = 4;
        let mut flows = vec![0.0; n * n * 2];
        for s in 0..2 {
            for i in 0..n {
                for j in 0..n {
                    if i != j {
                        flows[(s * n + i) * n + j] = 1e9 * (1.0 + ((i * 5 + j * 3 + s) % 7) as f64);
                    }
                }
            }
        }
        Baseline::new(
            regions,
            sectors,
            flows,
            vec![0.02; n * n * 2]
                .iter()
                .enumerate()
                .map(|(k, t)| if (k / n) % n == k % n { 0.0 } else { *t })
                .collect(),
            false,
            Provenance::default(),
        )
        .unwrap()
    }

    const TEXT: &str = r#"
baseline = "tiny"
focus = { importer = "USA", target = "CHN" }
period = { start = 2025-01-01, end = 2025-12-31 }
[[layer]]
name = "duty"
importer = "USA"
exporters = "CHN"
rate = "20%"
effective = 2025-04-01
[[layer.step]]
date = 2025-10-01
rate = "60%"
"#;

    /// The point estimate and every Monte Carlo draw use the same supply scope: the scenario's
    /// `[elasticities] supply`, else the model's default (`exports` for `armington`, GSIM's
    /// `all-sales` for `gsim-linear`).
    #[test]
    fn point_and_draws_share_the_supply_scope() {
        use tariffsim_core::SupplyScope;
        let b = baseline();
        let scope = |extra: &str| {
            let sc = Document::from_text(Path::new("t.toml"), &format!("{TEXT}{extra}"))
                .unwrap()
                .resolve(&b)
                .unwrap();
            let point = point_elasticities(&sc, &b).unwrap().supply();
            let ev = crate::mc::ScenarioEvaluator::new(&sc, &b).unwrap();
            (point, ev.central_supply())
        };
        let both = |s| (s, s);
        assert_eq!(scope(""), both(SupplyScope::Exports));
        assert_eq!(
            scope("\n[elasticities]\nsupply = \"all-sales\"\n"),
            both(SupplyScope::AllSales)
        );
        let gsim = "model = \"gsim-linear\"\n";
        let text = format!("{gsim}{TEXT}");
        let sc = Document::from_text(Path::new("t.toml"), &text)
            .unwrap()
            .resolve(&b)
            .unwrap();
        assert_eq!(
            point_elasticities(&sc, &b).unwrap().supply(),
            SupplyScope::AllSales
        );
        let ev = crate::mc::ScenarioEvaluator::new(&sc, &b).unwrap();
        assert_eq!(ev.central_supply(), SupplyScope::AllSales);
    }

    #[test]
    fn phases_match_direct_solves_and_period_is_day_weighted() {
        let b = baseline();
        let sc = Document::from_text(Path::new("t.toml"), TEXT)
            .unwrap()
            .resolve(&b)
            .unwrap();
        assert_eq!(sc.phases.len(), 3);
        let el = uniform_4x2();
        let r = run_point(&sc, &b, &el).unwrap();
        let catalog = MetricCatalog::new(&b, Some(sc.focus));
        let name = "imports.USA.CHN";
        for (p, phase) in sc.phases.iter().enumerate() {
            let eq = sc.model.solve(&b, &el, &phase.tariffs).unwrap();
            let direct = catalog.evaluate(&b, &eq);
            let want = direct.iter().find(|(n, _)| n == name).unwrap().1;
            let got = r.get(p, name).unwrap();
            // Same code path and inputs: identical up to rounding of the reused workspace.
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{got} vs {want}"
            );
        }
        // No change before the duty: exactly zero.
        assert!(r.get(0, name).unwrap().abs() < 1e-15);
        assert!(r.get(1, name).unwrap() < 0.0);
        assert!(r.get(2, name).unwrap() < r.get(1, name).unwrap());
        let days: Vec<f64> = sc.phases.iter().map(|p| f64::from(p.days)).collect();
        assert_eq!(sc.days(), 365);
        let ratio = |p: usize, prefix: &str| {
            let sum: f64 = r
                .names
                .iter()
                .filter(|n| n.starts_with(prefix))
                .map(|n| r.get(p, n).unwrap())
                .sum();
            sum / -r.get(p, name).unwrap()
        };
        let period = sc.phases.len();
        for (ratio_name, prefix) in [
            ("diversion_ratio.USA.CHN", "diversion.USA.CHN."),
            ("deflection_ratio.USA.CHN", "deflection.USA.CHN."),
        ] {
            let want = ratio(period, prefix);
            let got = r.period(ratio_name).unwrap();
            assert!((got - want).abs() < 1e-12, "{ratio_name}: {got} vs {want}");
            // Per phase, the catalog's own ratio.
            assert!((r.get(2, ratio_name).unwrap() - ratio(2, prefix)).abs() < 1e-9);
        }
        for m in r.names.iter().filter(|n| !n.contains("_ratio")) {
            let want: f64 = (0..3).map(|p| days[p] * r.get(p, m).unwrap()).sum::<f64>() / 365.0;
            let got = r.period(m).unwrap();
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1e-9),
                "{m}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn wrong_output_length_is_an_error() {
        let b = baseline();
        let sc = Document::from_text(Path::new("t.toml"), TEXT)
            .unwrap()
            .resolve(&b)
            .unwrap();
        let el = uniform_4x2();
        let catalog = MetricCatalog::new(&b, Some(sc.focus));
        let mut ws = PointWorkspace::new(&b);
        let mut out = vec![0.0; 3];
        let e = solve_phases_into(
            sc.model,
            Baselines::same(&b),
            &sc.phases,
            None,
            &el,
            &catalog,
            &mut ws,
            &mut out,
        );
        assert!(matches!(e, Err(RunnerError::PointShape { .. })));
    }
}
