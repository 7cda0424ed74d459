//! The one error type of `tariffsim-core`.

use std::fmt;

/// Why an iterative solve stopped without converging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum StopReason {
    /// The iteration budget ran out before the residual reached the tolerance.
    MaxIterations,
    /// The line search could not reduce the residual (no descent along the Newton step).
    LineSearchFailed,
    /// An iterate left the representable range (prices beyond `exp(±PRICE_LOG_BOUND)`)
    /// or produced a non-finite value.
    Diverged,
    /// The linear system of a Newton step was singular.
    SingularJacobian,
    /// The solution found is not a stable, unique equilibrium: with downward-sloping supply
    /// (`eps < 0`) the Marshallian condition fails there (supply falling faster than demand;
    /// Gale–Nikaido P-matrix test), so other equilibria may exist and this one would not survive
    /// a small disturbance.
    Unstable,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::MaxIterations => "iteration limit reached",
            StopReason::LineSearchFailed => "line search failed to reduce the residual",
            StopReason::Diverged => "iterates diverged (non-finite or out-of-range prices)",
            StopReason::SingularJacobian => "singular Jacobian",
            StopReason::Unstable => {
                "unstable equilibrium: a downward-sloping supply falls faster than its demand (eps < 0 too small in magnitude); multiple equilibria possible"
            }
        })
    }
}

/// A solve that did not converge: where, after how much work, how far from the solution, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SolveError {
    /// The model that failed (`armington`, `gravity-ge`, ...).
    pub model: &'static str,
    /// Sector code, or `None` for a model solved jointly across sectors.
    pub sector: Option<String>,
    /// Iterations done (Newton plus fallback).
    pub iterations: usize,
    /// Infinity norm of the residual at the last finite iterate.
    pub residual: f64,
    /// Why it stopped.
    pub reason: StopReason,
}

impl fmt::Display for SolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` did not converge", self.model)?;
        if let Some(sector) = &self.sector {
            write!(f, " in sector `{sector}`")?;
        }
        write!(
            f,
            ": {} after {} iterations (residual {:.3e})",
            self.reason, self.iterations, self.residual
        )
    }
}

/// Errors of `tariffsim-core`: invalid inputs rejected by constructors, and failed solves.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A region or sector set is empty, has a duplicate or malformed code, or a bad group.
    #[error("invalid {what}: {detail}")]
    InvalidSet {
        /// `regions` or `sectors`.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// An array does not have the length its dimensions require.
    #[error("{what} has {found} entries, expected {expected}")]
    Shape {
        /// Which quantity.
        what: &'static str,
        /// Required length.
        expected: usize,
        /// Supplied length.
        found: usize,
    },
    /// A value is outside its domain (negative flow, NaN, tariff <= -100%, sigma <= 0, ...).
    #[error("invalid {what} {value} at {location}: {expected}")]
    InvalidValue {
        /// Which quantity (`flow`, `tariff`, `sigma`, ...).
        what: &'static str,
        /// The offending value.
        value: f64,
        /// Where: `exporter CHN, importer USA, sector ELECTRONICS`, say.
        location: String,
        /// What was expected.
        expected: &'static str,
    },
    /// An unknown region or sector code.
    #[error("unknown {what} `{code}`")]
    UnknownCode {
        /// `region` or `sector`.
        what: &'static str,
        /// The code.
        code: String,
    },
    /// A sector grouping leaves a sector of the baseline out of every output sector.
    #[error(
        "sector grouping `{grouping}` leaves out sector `{sector}`: every sector of the baseline must be in exactly one output sector"
    )]
    SectorNotGrouped {
        /// The grouping's label (`coarse13`, or the codes it was written as).
        grouping: String,
        /// The sector left out.
        sector: String,
    },
    /// A sector grouping puts a sector of the baseline in two output sectors.
    #[error(
        "sector grouping `{grouping}` puts sector `{sector}` in both `{first}` and `{second}`: every sector of the baseline must be in exactly one output sector"
    )]
    SectorGroupedTwice {
        /// The grouping's label.
        grouping: String,
        /// The sector listed twice.
        sector: String,
        /// The first output sector that holds it.
        first: String,
        /// The second one.
        second: String,
    },
    /// A sector grouping names a code that is neither a sector nor a sector group of the
    /// baseline (or, written as one word, is not a named grouping either).
    #[error(
        "sector grouping `{grouping}`: `{code}` is neither a sector nor a sector group of the baseline"
    )]
    UnknownGroupingCode {
        /// The grouping as written.
        grouping: String,
        /// The unknown code.
        code: String,
    },
    /// Inputs that do not belong together (different region sets, a model that needs data the
    /// baseline lacks, ...).
    #[error("{0}")]
    Incompatible(String),
    /// A solve did not converge.
    #[error("{0}")]
    Solve(SolveError),
}

impl From<SolveError> for CoreError {
    fn from(e: SolveError) -> Self {
        CoreError::Solve(e)
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
