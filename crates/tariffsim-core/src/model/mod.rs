//! The models, behind one enum.
//!
//! Why an enum and not a trait object: the set of models is closed and known to the scenario
//! language (a file names one by string), each model has its own options, and Monte Carlo calls
//! `solve_into` millions of times — an enum gives exhaustive matching, `Clone + Serialize` for run
//! manifests, and static dispatch with no boxing. Each model still lives in its own module with
//! its own workspace type; [`Workspace`] holds them all and is reused across calls.

pub mod armington;
mod diffs;
pub mod gegravity;
pub mod gravity_ge;
pub mod nested;
mod solver;
#[cfg(test)]
pub(crate) mod test_support;

use crate::baseline::Baseline;
use crate::elasticity::Elasticities;
use crate::equilibrium::Equilibrium;
use crate::error::Result;
use crate::tariff::Tariffs;
use serde::{Deserialize, Serialize};

/// A model choice with its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Model {
    /// GTAP's two-level Armington partial equilibrium, exact (the diagonal — domestic sales and
    /// trade inside an aggregate — is a source; `sigma_d` between it and the import composite,
    /// `sigma` among foreign sources). The default. See [`nested`].
    #[default]
    Armington,
    /// The first-order (linearised) form of [`Model::Armington`]: one linear solve per sector;
    /// with one nest, GSIM's published system. See [`nested`].
    GsimLinear,
    /// The imports-only Armington model: domestic sales held fixed outside the CES composite,
    /// `eta` the elasticity of import demand, one nest among foreign sources. For comparison
    /// with earlier results and with baselines that have no domestic sales (where it equals
    /// `armington`); fastest. See [`armington`].
    ArmingtonImports,
    /// USITC gegravity 0.3 `OneSectorGE` conventions, per sector, costs calibrated to the
    /// observed flows (needs domestic flows). See [`gegravity`].
    GegravityCompat,
    /// Multi-sector structural gravity general equilibrium in exact hat algebra (needs domestic
    /// flows). See [`gravity_ge`].
    GravityGe(gravity_ge::GravityGeOptions),
}

impl Model {
    /// Every model name, as written in scenario files and on the command line.
    pub const NAMES: &'static [&'static str] = &[
        "armington",
        "gsim-linear",
        "armington-imports",
        "gravity-ge",
        "gegravity-compat",
    ];

    /// The model's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Model::Armington => nested::NAME,
            Model::GsimLinear => nested::LINEAR_NAME,
            Model::ArmingtonImports => armington::NAME,
            Model::GegravityCompat => gegravity::NAME,
            Model::GravityGe(_) => gravity_ge::NAME,
        }
    }

    /// Parses a model name (see [`Model::NAMES`]).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "armington" => Some(Model::Armington),
            "gsim-linear" => Some(Model::GsimLinear),
            "armington-imports" => Some(Model::ArmingtonImports),
            "gegravity-compat" => Some(Model::GegravityCompat),
            "gravity-ge" => Some(Model::GravityGe(gravity_ge::GravityGeOptions::default())),
            _ => None,
        }
    }

    /// Solves for the equilibrium after moving from the baseline tariffs to `tariffs`.
    pub fn solve(
        self,
        baseline: &Baseline,
        elasticities: &Elasticities,
        tariffs: &Tariffs,
    ) -> Result<Equilibrium> {
        let mut ws = Workspace::default();
        let mut out = Equilibrium::unchanged(self.name(), baseline);
        self.solve_into(baseline, elasticities, tariffs, &mut ws, &mut out)?;
        Ok(out)
    }

    /// The allocation-free path: reuses `workspace` and `out` (both sized on first use).
    /// On error `out` is unspecified.
    pub fn solve_into(
        self,
        baseline: &Baseline,
        elasticities: &Elasticities,
        tariffs: &Tariffs,
        workspace: &mut Workspace,
        out: &mut Equilibrium,
    ) -> Result<()> {
        elasticities.check_fits(baseline)?;
        tariffs.check_fits(baseline)?;
        // `armington-imports` and `armington` write every sector's flows themselves (the copy of
        // all of them is a noticeable part of a Monte Carlo draw's time).
        let keep_flows = matches!(self, Model::ArmingtonImports | Model::Armington);
        out.reset_to(
            self.name(),
            baseline,
            tariffs.rates(),
            Some(tariffs.uid()),
            keep_flows,
        );
        match self {
            Model::Armington => {
                nested::solve_into(baseline, elasticities, tariffs, &mut workspace.nested, out)
            }
            Model::GsimLinear => nested::solve_linear_into(
                baseline,
                elasticities,
                tariffs,
                &mut workspace.nested,
                out,
            ),
            Model::ArmingtonImports => {
                armington::solve_into(baseline, elasticities, tariffs, &mut workspace.sector, out)
            }
            Model::GegravityCompat => gegravity::solve_into(
                baseline,
                elasticities,
                tariffs,
                &mut workspace.gegravity,
                out,
            ),
            Model::GravityGe(options) => gravity_ge::solve_into(
                baseline,
                elasticities,
                tariffs,
                options,
                &mut workspace.gravity_ge,
                out,
            ),
        }
    }
}

/// Scratch memory for every model, reused across solves (one per thread in Monte Carlo).
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    pub(crate) sector: armington::SectorWorkspace,
    pub(crate) nested: nested::NestedWorkspace,
    pub(crate) gegravity: gegravity::Workspace,
    pub(crate) gravity_ge: gravity_ge::Workspace,
}

impl Workspace {
    /// A workspace pre-sized for `n_regions` (it also grows on demand).
    #[must_use]
    pub fn with_regions(n_regions: usize) -> Self {
        let mut ws = Self::default();
        ws.sector.resize(n_regions);
        ws
    }

    /// Starts a warm sequence for the `armington` and `armington-imports` solvers: until the next call, each sector's
    /// solve starts from the previous solve's solution of that sector (and its Jacobian factors)
    /// when the baseline and the sector's elasticities are the same — e.g. the phases of one
    /// Monte Carlo draw, whose tariffs change step by step. Results then agree with cold starts
    /// to the solver tolerance (`SOLVE_TOL`), not bit for bit; call this at the start of every
    /// independent sequence so that a result never depends on an earlier sequence. Without
    /// it, every solve starts from the baseline and depends on its own inputs only.
    pub fn start_warm_sequence(&mut self) {
        self.sector.start_warm_sequence();
        self.nested.start_warm_sequence();
    }

    /// Work done by the `armington` solver in this workspace so far: evaluations, Jacobians and
    /// sector-solves.
    #[must_use]
    pub fn nested_counts(&self) -> armington::SolveCounts {
        self.nested.counts
    }

    /// Work done by the `armington-imports` solver in this workspace so far (evaluations and
    /// Jacobians, summed over every sector-solve).
    #[must_use]
    pub fn armington_counts(&self) -> armington::SolveCounts {
        self.sector.counts
    }
}

/// The error of a whole-equilibrium solve that produced a value that is not finite: the model,
/// the iterations summed over sectors, the largest residual met.
pub(crate) fn diverged(out: &Equilibrium, model: &'static str) -> crate::CoreError {
    crate::error::SolveError {
        model,
        sector: None,
        iterations: out.iterations.iter().map(|&i| i as usize).sum(),
        residual: out.residual,
        reason: crate::error::StopReason::Diverged,
    }
    .into()
}

/// `Ok` when every value of `out` is finite, else [`diverged`].
pub(crate) fn check_finite(out: &Equilibrium, model: &'static str) -> Result<()> {
    if out.all_finite() {
        Ok(())
    } else {
        Err(diverged(out, model))
    }
}
