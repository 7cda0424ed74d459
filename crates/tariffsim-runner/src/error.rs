//! The one error type of `tariffsim-runner`.

use std::path::PathBuf;

/// Errors of the Monte Carlo runner.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunnerError {
    /// A prior or sampler setting is invalid.
    #[error("invalid prior: {0}")]
    Prior(String),
    /// A run setting is invalid (draws, shard, sampler limits).
    #[error("invalid run setting: {0}")]
    Setting(String),
    /// Too many draws failed to solve.
    #[error(
        "{failed} of {draws} draws failed ({rate:.2}% > the allowed {max:.2}%); first failure: {first}"
    )]
    TooManyFailures {
        /// Failed draws.
        failed: u64,
        /// Draws attempted.
        draws: u64,
        /// Failure rate, percent.
        rate: f64,
        /// Allowed rate, percent.
        max: f64,
        /// The first failure's reason.
        first: String,
    },
    /// Shards that cannot be merged.
    #[error("cannot merge: {0}")]
    Merge(String),
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file that does not have the expected content.
    #[error("{path}: {detail}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong (with line number where there is one).
        detail: String,
    },
    /// A point-run output slice does not have the layout's length.
    #[error("point-run output has {found} entries, expected {expected}")]
    PointShape {
        /// Required length.
        expected: usize,
        /// Supplied length.
        found: usize,
    },
    /// A phase of the timeline failed to solve (or its inputs do not fit the baseline).
    #[error("phase {phase} ({start} to {end}): {error}")]
    Phase {
        /// Index of the phase.
        phase: usize,
        /// First day of the phase.
        start: tariffsim_scenario::Date,
        /// Last day of the phase.
        end: tariffsim_scenario::Date,
        /// The core error (a `CoreError::Solve` for a solve that did not converge).
        error: tariffsim_core::CoreError,
    },
    /// An error from the core (shape mismatch and the like).
    #[error(transparent)]
    Core(#[from] tariffsim_core::CoreError),
    /// A Monte Carlo draw's sampled elasticities are outside their domain (the draw fails; the
    /// run goes on).
    #[error("invalid elasticity draw: {0}")]
    InvalidDraw(Box<RunnerError>),
    /// One scenario of a comparison failed in a draw (`side` is `A` or `B`).
    #[error("scenario {side}: {error}")]
    CompareSide {
        /// `A` or `B`.
        side: char,
        /// Why that scenario's draw failed.
        error: Box<RunnerError>,
    },
    /// An evaluator refused a draw for a reason of its own.
    #[error("{0}")]
    Rejected(String),
}

impl RunnerError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        RunnerError::Io {
            path: path.into(),
            source,
        }
    }
}
