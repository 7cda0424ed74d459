//! The crate's one error type.

use tariffsim_runner::RunnerError;

/// Errors of `tariffsim-report`: reading a run's files (from the runner's readers) or drawing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Reading or writing a run's files (missing, unreadable, malformed).
    #[error(transparent)]
    Run(#[from] RunnerError),
    /// A run file that does not have the expected content.
    #[error("{path}: {detail}")]
    Format {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong (with line number where there is one).
        detail: String,
    },
    /// Rendering a chart failed.
    #[error("plot: {0}")]
    Plot(String),
}

impl ReportError {
    /// An I/O error on `path`.
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        ReportError::Run(RunnerError::io(path, source))
    }
}
