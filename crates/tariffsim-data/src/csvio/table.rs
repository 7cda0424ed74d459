//! One CSV table read with its header checked (names, case, order), and the field readers that
//! name file, line and column in their messages.

use super::Text;
use crate::error::{DataError, Result, suggest};

pub(crate) struct Table {
    pub(crate) file: String,
    columns: Vec<String>,
    pub(crate) rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    pub(crate) fn parse(t: Text<'_>, required: &[&str], optional: &[&str]) -> Result<Self> {
        let file = t.file.to_string();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(t.text.as_bytes());
        let header = rdr.headers().map_err(|e| csv_error(&file, &e))?.clone();
        let columns: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
        if columns.iter().all(String::is_empty) {
            return Err(DataError::File {
                file,
                message: format!("empty file: expected a header `{}`", required.join(",")),
            });
        }
        for (k, c) in columns.iter().enumerate() {
            if !required.contains(&c.as_str()) && !optional.contains(&c.as_str()) {
                let all: Vec<&str> = required.iter().chain(optional).copied().collect();
                let hint = suggest(c, all.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(DataError::Parse {
                    file,
                    line: 1,
                    column: None,
                    message: format!(
                        "unknown column `{c}`{hint} in header position {}; expected columns {}",
                        k + 1,
                        all.join(", ")
                    ),
                });
            }
            if columns[..k].contains(c) {
                return Err(DataError::Parse {
                    file,
                    line: 1,
                    column: None,
                    message: format!("column `{c}` appears twice in the header"),
                });
            }
        }
        for r in required {
            if !columns.iter().any(|c| c == r) {
                return Err(DataError::Parse {
                    file,
                    line: 1,
                    column: None,
                    message: format!(
                        "missing column `{r}`: the header must contain {}",
                        required.join(",")
                    ),
                });
            }
        }
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_error(&file, &e))?;
            let line = rec.position().map_or(0, csv::Position::line);
            rows.push((line, rec.iter().map(str::to_string).collect()));
        }
        Ok(Self {
            file,
            columns,
            rows,
        })
    }

    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    pub(crate) fn err(&self, line: u64, column: Option<&str>, message: String) -> DataError {
        DataError::Parse {
            file: self.file.clone(),
            line,
            column: column.map(str::to_string),
            message,
        }
    }
}

pub(crate) fn csv_error(file: &str, e: &csv::Error) -> DataError {
    let line = e.position().map_or(0, csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields as in the header, found {len}"),
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
        _ => e.to_string(),
    };
    DataError::Parse {
        file: file.to_string(),
        line,
        column: None,
        message,
    }
}

fn code_ok(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

pub(crate) fn check_code(table: &Table, line: u64, column: &str, code: &str) -> Result<()> {
    if code_ok(code) {
        Ok(())
    } else {
        Err(table.err(
            line,
            Some(column),
            format!(
                "`{code}` is not a valid code: 1-32 characters of A-Z, 0-9 and `_`, starting with a letter"
            ),
        ))
    }
}

/// Parses a float field: finite, with `what` naming the quantity in messages.
pub(crate) fn parse_number(table: &Table, line: u64, column: &str, raw: &str) -> Result<f64> {
    let v: f64 = raw
        .parse()
        .map_err(|_| table.err(line, Some(column), format!("`{raw}` is not a number")))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(table.err(
            line,
            Some(column),
            format!("`{raw}` is not a finite number"),
        ))
    }
}

pub(crate) fn field(row: &[String], col: Option<usize>) -> &str {
    col.and_then(|c| row.get(c)).map_or("", String::as_str)
}
