//! The crate's one error type.

use crate::diag::Diagnostic;

/// Errors of `tariffsim-scenario`. Every variant is invalid input (exit code 2 in the CLI).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// A scenario file is invalid: syntax, unknown key or code, bad value, bad dates, ... The
    /// diagnostic names the file, line and column and renders the line with a caret.
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
}

impl ScenarioError {
    /// The diagnostic.
    #[must_use]
    pub fn diagnostic(&self) -> &Diagnostic {
        match self {
            ScenarioError::Invalid(d) => d,
        }
    }
}

impl From<Diagnostic> for ScenarioError {
    fn from(d: Diagnostic) -> Self {
        ScenarioError::Invalid(Box::new(d))
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = ScenarioError> = std::result::Result<T, E>;
