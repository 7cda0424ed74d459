//! Sector groupings written as a file: `sectors = "my_sectors.csv"` in `[baseline]` (relative to
//! the scenario file) or `--sectors my_sectors.csv` (relative to the working directory). The file
//! is CSV with a header `sector,group` and an optional `name` column: each baseline sector (a
//! sector code, or a sector group code standing for all its members) names the output sector it
//! goes to; output sectors keep the order of their first row, and take the `name` of their first
//! row that gives one (their code otherwise). Whether every sector lands in exactly one output
//! sector is checked by `Baseline::aggregate_sectors`. Errors name the file, line and column.

use crate::diag::{Diagnostic, did_you_mean};
use crate::error::{Result, ScenarioError};
use std::path::Path;
use tariffsim_core::aggregate::AggregateSector;
use tariffsim_core::{Sector, SectorGrouping, SectorId, SectorSet};

/// Whether a `sectors` value names a grouping file rather than a grouping or codes.
pub(crate) fn is_grouping_file(spec: &str) -> bool {
    let spec = spec.trim();
    spec.to_ascii_lowercase().ends_with(".csv") || spec.contains(['/', '\\'])
}

/// A diagnostic at `line` (1-based) and the start of `field` in that line's text.
fn at(path: &Path, line: usize, text: &str, field: &str, message: String) -> Diagnostic {
    let mut d = Diagnostic::file(path.to_path_buf(), message);
    let column = text
        .find(field)
        .map_or(1, |b| text[..b].chars().count() + 1);
    d.line = line;
    d.column = column;
    d.line_text = text.to_string();
    d.caret_len = field.chars().count().max(1);
    d
}

/// Reads the grouping file at `path` against the baseline's sector set. The label is the path
/// as given (`spec`).
pub(crate) fn read(spec: &str, path: &Path, set: &SectorSet) -> Result<SectorGrouping> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::from(
            Diagnostic::file(
                path.to_path_buf(),
                format!("cannot read the sector grouping file: {e}"),
            )
            .expected("a CSV file with the columns sector,group (and optionally name)"),
        )
    })?;
    // CRLF files: the csv reader counts lines by `\n` only after a `\r\n` header, so normalise.
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    // Flexible: the `name` column is optional on each row.
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(path, &lines, &e))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(c_sector), Some(c_group)) = (col("sector"), col("group")) else {
        let first = lines.first().copied().unwrap_or("");
        return Err(at(
            path,
            1,
            first,
            first,
            format!(
                "the header `{}` lacks `sector` or `group`",
                header.join(",")
            ),
        )
        .expected("a header `sector,group` (and optionally `name`)")
        .into());
    };
    let c_name = col("name");
    let mut out: Vec<AggregateSector> = Vec::new();
    let mut seen: Vec<(SectorId, usize)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(path, &lines, &e))?;
        let line = rec
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        let text = lines.get(line.wrapping_sub(1)).copied().unwrap_or("");
        if rec.iter().all(str::is_empty) {
            continue; // a line of spaces
        }
        let (Some(code), Some(group)) = (rec.get(c_sector), rec.get(c_group)) else {
            return Err(at(
                path,
                line,
                text,
                text,
                format!(
                    "the row has {} fields, without `sector` and `group`",
                    rec.len()
                ),
            )
            .expected("sector,group (and optionally a name)")
            .into());
        };
        let members: Vec<SectorId> = if let Some(s) = set.index_of(code) {
            vec![s]
        } else if let Some(g) = set.group(code) {
            g.members.clone()
        } else {
            let candidates = set
                .sectors()
                .iter()
                .map(|s| s.code.as_str())
                .chain(set.groups().iter().map(|g| g.code.as_str()));
            return Err(at(
                path,
                line,
                text,
                code,
                format!("unknown sector `{code}`{}", did_you_mean(code, candidates)),
            )
            .expected("a sector or sector group code of the baseline")
            .hint("`tariffsim baseline show` lists the baseline's sectors and sector groups")
            .into());
        };
        if group.is_empty() || !group.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(at(
                path,
                line,
                text,
                group,
                format!("`{group}` is not a sector code"),
            )
            .expected("letters, digits and `_`, e.g. STEEL_ALU")
            .into());
        }
        for &s in &members {
            if let Some(&(_, first)) = seen.iter().find(|(x, _)| *x == s) {
                return Err(at(
                    path,
                    line,
                    text,
                    code,
                    format!(
                        "sector `{}` is grouped twice (first on line {first})",
                        set.code(s)
                    ),
                )
                .expected("each sector of the baseline in exactly one group")
                .into());
            }
            seen.push((s, line));
        }
        // A group may take a sector's code only for that sector (or a group containing it).
        if let Some(own) = set.index_of(group)
            && !members.contains(&own)
        {
            return Err(at(
                path,
                line,
                text,
                group,
                format!(
                    "`{group}` is a sector of the baseline, but this row puts `{code}` in it, not `{group}` itself"
                ),
            )
            .expected("a new code for a group of other sectors, or the sector's own code for itself")
            .into());
        }
        let name = c_name
            .and_then(|c| rec.get(c))
            .map(str::to_string)
            .filter(|n| !n.is_empty());
        match out.iter_mut().find(|a| a.sector.code == group) {
            Some(a) => {
                a.members.extend(members);
                if a.sector.name == a.sector.code
                    && let Some(n) = name
                {
                    a.sector.name = n;
                }
            }
            None => out.push(AggregateSector {
                sector: Sector {
                    code: group.to_string(),
                    name: name.unwrap_or_else(|| group.to_string()),
                    description: String::new(),
                },
                members,
            }),
        }
    }
    for a in &mut out {
        a.members.sort_unstable();
        a.sector.description = format!(
            "sum of: {}",
            a.members
                .iter()
                .map(|&s| set.code(s))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if out.is_empty() {
        return Err(
            Diagnostic::file(path.to_path_buf(), "the sector grouping file has no rows")
                .expected("one row per sector of the baseline: sector,group")
                .into(),
        );
    }
    Ok(SectorGrouping::new(spec.trim(), out))
}

fn csv_error(path: &Path, lines: &[&str], e: &csv::Error) -> ScenarioError {
    let line = e
        .position()
        .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
    let text = lines.get(line.wrapping_sub(1)).copied().unwrap_or("");
    at(path, line, text, text, format!("malformed CSV: {e}"))
        .expected("comma-separated rows `sector,group` with as many fields as the header")
        .into()
}
