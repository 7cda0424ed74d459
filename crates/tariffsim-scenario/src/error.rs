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
    /// Several problems found in one pass (unknown keys in many places), in file order; at most
    /// [`MAX_REPORTED`] are kept.
    #[error("{}", render_many(.0))]
    Many(Vec<Diagnostic>),
}

/// Most diagnostics one error reports.
pub const MAX_REPORTED: usize = 20;

fn render_many(list: &[Diagnostic]) -> String {
    let mut out = list
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n\n");
    out.push_str(&format!(
        "\n\n{} problems found{}",
        list.len(),
        if list.len() >= MAX_REPORTED {
            " (the first ones; fix these and check again)"
        } else {
            ""
        }
    ));
    out
}

impl ScenarioError {
    /// The (first) diagnostic.
    #[must_use]
    pub fn diagnostic(&self) -> &Diagnostic {
        match self {
            ScenarioError::Invalid(d) => d,
            ScenarioError::Many(list) => &list[0],
        }
    }

    /// Every diagnostic.
    #[must_use]
    pub fn diagnostics(&self) -> Vec<&Diagnostic> {
        match self {
            ScenarioError::Invalid(d) => vec![d],
            ScenarioError::Many(list) => list.iter().collect(),
        }
    }

    /// One error from a list of diagnostics (`None` when empty).
    #[must_use]
    pub fn from_list(mut list: Vec<Diagnostic>) -> Option<Self> {
        list.truncate(MAX_REPORTED);
        match list.len() {
            0 => None,
            1 => list.pop().map(Self::from),
            _ => Some(ScenarioError::Many(list)),
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
