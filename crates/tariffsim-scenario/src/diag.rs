//! Diagnostics: an error message pinned to a file, line and column, rendered with the source
//! line and a caret, plus "did you mean" suggestions.

use std::fmt;
use std::path::PathBuf;

/// A source file read while loading a scenario (the file itself and every `extends` parent).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as given (or as resolved relative to the child file).
    pub path: PathBuf,
    /// Full text.
    pub text: String,
}

/// A byte range in one of the loaded files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    /// Index into the document's file list.
    pub file: usize,
    /// Start byte offset.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
}

/// One error in a scenario file, with everything needed to print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file.
    pub path: PathBuf,
    /// 1-based line (0 when the error has no position, e.g. an unreadable file).
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
    /// The text of the line, for the snippet.
    pub line_text: String,
    /// Caret width in characters (at least 1).
    pub caret_len: usize,
    /// What is wrong (may end with "; did you mean `X`?").
    pub message: String,
    /// What was expected there.
    pub expected: Option<String>,
    /// A further hint.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `start..end` of `file`.
    #[must_use]
    pub fn at(file: &SourceFile, start: usize, end: usize, message: impl Into<String>) -> Self {
        let text = &file.text;
        let start = floor_char_boundary(text, start.min(text.len()));
        let end = floor_char_boundary(text, end.clamp(start, text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |p| p + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |p| start + p);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let line_text = text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let caret_end = end.min(line_end).max(start);
        let caret_len = text[start..caret_end].chars().count().max(1);
        Self {
            path: file.path.clone(),
            line,
            column,
            line_text,
            caret_len,
            message: message.into(),
            expected: None,
            hint: None,
        }
    }

    /// A diagnostic about a whole file (no position).
    #[must_use]
    pub fn file(path: PathBuf, message: impl Into<String>) -> Self {
        Self {
            path,
            line: 0,
            column: 0,
            line_text: String::new(),
            caret_len: 0,
            message: message.into(),
            expected: None,
            hint: None,
        }
    }

    /// Adds what was expected.
    #[must_use]
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// Adds a hint.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        let pad = " ".repeat(if self.line == 0 {
            1
        } else {
            self.line.to_string().len()
        });
        if self.line == 0 {
            write!(f, "  --> {}", self.path.display())?;
        } else {
            writeln!(
                f,
                "{pad}--> {}:{}:{}",
                self.path.display(),
                self.line,
                self.column
            )?;
            writeln!(f, "{pad} |")?;
            // Tabs would misalign the caret: show them as one space each.
            writeln!(f, "{} | {}", self.line, self.line_text.replace('\t', " "))?;
            write!(
                f,
                "{pad} | {}{}",
                " ".repeat(self.column.saturating_sub(1)),
                "^".repeat(self.caret_len)
            )?;
        }
        if let Some(e) = &self.expected {
            write!(f, "\n{pad} = expected: {e}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n{pad} = hint: {h}")?;
        }
        Ok(())
    }
}

/// Edit distance in characters: insertions, deletions, substitutions and transpositions of two
/// adjacent characters each count 1 (optimal string alignment, `strsim::osa_distance`: the one
/// implementation the data crate's hints use too), so `CNH` is 1 from `CHN`.
#[must_use]
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// The nearest candidate to `name` (case-insensitive), if it is close enough to be a likely typo.
#[must_use]
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let upper = name.to_ascii_uppercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(&upper, &c.to_ascii_uppercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    let limit = (name.chars().count() / 3).max(1) + usize::from(name.len() >= 6);
    (d <= limit).then_some(c)
}

/// `"; did you mean `X`?"` or nothing.
#[must_use]
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(name, candidates).map_or_else(String::new, |c| format!("; did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_the_span() {
        let file = SourceFile {
            path: "x.toml".into(),
            text: "a = 1\nexporters = [\"CHA\"]\n".into(),
        };
        let start = file.text.find("\"CHA\"").unwrap();
        let d = Diagnostic::at(&file, start, start + 5, "unknown region `CHA`");
        assert_eq!((d.line, d.column, d.caret_len), (2, 14, 5));
        let shown = d.to_string();
        assert!(shown.contains("--> x.toml:2:14"), "{shown}");
        assert!(shown.contains("2 | exporters = [\"CHA\"]"), "{shown}");
        assert!(shown.ends_with("  |              ^^^^^"), "{shown}");
    }

    #[test]
    fn suggestions_are_close_matches_only() {
        assert_eq!(suggest("CHA", ["USA", "CHN", "VNM"]), Some("CHN"));
        assert_eq!(
            suggest("efective", ["effective", "expires"]),
            Some("effective")
        );
        assert_eq!(suggest("XYZQW", ["USA", "CHN"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("CNH", "CHN"), 1);
        assert_eq!(suggest("modle", ["model", "name"]), Some("model"));
    }

    #[test]
    fn out_of_range_spans_do_not_panic() {
        let file = SourceFile {
            path: "x.toml".into(),
            text: "é = 1".into(),
        };
        let d = Diagnostic::at(&file, 1, 99, "m");
        assert_eq!(d.line, 1);
        let _ = d.to_string();
    }
}
