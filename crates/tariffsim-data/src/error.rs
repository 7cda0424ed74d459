//! The one error type of `tariffsim-data`.

use tariffsim_core::CoreError;

/// Errors of `tariffsim-data`: unreadable or malformed input files (naming the file, line and
/// column), unknown baseline names, invalid arguments, and baselines the core rejects.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A malformed record in an input file.
    #[error("{file}:{line}{}: {message}", column.as_ref().map(|c| format!(": column `{c}`")).unwrap_or_default())]
    Parse {
        /// The file (as given by the user).
        file: String,
        /// 1-based line number.
        line: u64,
        /// The column (header name) at fault, if one is.
        column: Option<String>,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A problem with a whole file (missing header, no records, non-square data).
    #[error("{file}: {message}")]
    File {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A file or directory that cannot be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The path.
        path: String,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A name that is neither a builtin baseline nor an existing path.
    #[error(
        "unknown baseline `{name}`: not a builtin and no such file or directory{}; builtin baselines: {}",
        suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
        builtins.join(", ")
    )]
    UnknownBaseline {
        /// What the user typed.
        name: String,
        /// The nearest builtin name, if one is close.
        suggestion: Option<String>,
        /// Every builtin name.
        builtins: Vec<String>,
    },
    /// An argument out of its domain (e.g. zero regions for a synthetic baseline).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The assembled baseline was rejected by `tariffsim-core`.
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// `Result` with [`DataError`].
pub type Result<T, E = DataError> = std::result::Result<T, E>;

/// Edit distance for did-you-mean hints, case-insensitive: the optimal string alignment distance
/// of `strsim` (insertions, deletions, substitutions and adjacent transpositions count 1) — the
/// same measure the scenario crate's hints use.
#[must_use]
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(&a.to_lowercase(), &b.to_lowercase())
}

/// The candidate nearest to `name` if it is within a third of the name's length (at least 1, at
/// most 3 edits).
#[must_use]
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("World2042", "world2024"), 1);
        assert_eq!(
            suggest("world2042", ["world2024"]).as_deref(),
            Some("world2024")
        );
        assert_eq!(suggest("CHA", ["USA", "CHN"]).as_deref(), Some("CHN"));
        assert_eq!(suggest("banana", ["world2024"]), None);
    }
}
