//! The long CSV format: read (from files or embedded text) and write, round-tripping exactly.
//!
//! A baseline directory holds:
//!
//! | file | columns | required |
//! | --- | --- | --- |
//! | `flows.csv` | `exporter,importer,sector,value_usd[,tariff]` | yes |
//! | `regions.csv` | `code,name[,groups]` (`groups`: `;`-separated group codes) | no |
//! | `sectors.csv` | `code,name[,description][,groups]` | no |
//! | `provenance.csv` | `key,value` with keys `name`, `version`, `year`, `source` (repeatable) | no |
//!
//! Rules: `value_usd` is USD at exporter prices, finite and ≥ 0; `tariff` is an ad valorem
//! fraction (0.25 = 25%) in (−1, 10]; a missing cell is a zero flow with a zero tariff (safe: a
//! zero flow has no weight in any model); a key given twice is an error naming both lines. Rows
//! with `exporter == importer` are domestic sales (for an aggregate region, its sales inside
//! itself): if any is present, every region that exports in a sector must have one in that sector
//! (general-equilibrium models need the full square). Their `tariff` is the internal tariff of an
//! aggregate (trade inside it, as in GSIM's rest-of-world example); the two-level `armington`
//! and `gsim-linear` models read it, the imports-only and general-equilibrium models do not.
//! Without `regions.csv` / `sectors.csv` the codes are taken in order of first appearance; with
//! them, codes not listed are errors with a did-you-mean hint.
//!
//! Floats are written with Rust's shortest round-trip formatting (`{}`), so
//! [`write_dir`] → [`read_path`] gives a bit-identical [`Baseline`].

use crate::error::{DataError, Result, suggest};
use std::collections::HashMap;
use std::path::Path;
use tariffsim_core::{Baseline, Group, Member, Provenance, Region, RegionSet, Sector, SectorSet};

/// Largest accepted flow in one cell, USD (1e15: forty times world goods trade; far larger values
/// overflow the summaries' sums of squares to infinity).
pub const MAX_FLOW_USD: f64 = 1e15;

/// Largest accepted tariff (1000%): larger values are almost surely percentages typed as fractions.
pub const MAX_TARIFF: f64 = 10.0;

/// One input text with the name used in messages.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    /// File name for messages.
    pub file: &'a str,
    /// Contents.
    pub text: &'a str,
}

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

/// An ordered code set under construction: either fixed by a declaration file or grown in order
/// of first appearance.
struct Codes {
    codes: Vec<String>,
    index: HashMap<String, usize>,
    fixed: Option<String>,
}

impl Codes {
    fn open() -> Self {
        Self {
            codes: Vec::new(),
            index: HashMap::new(),
            fixed: None,
        }
    }

    fn fixed(codes: Vec<String>, file: &str) -> Self {
        let index = codes
            .iter()
            .enumerate()
            .map(|(k, c)| (c.clone(), k))
            .collect();
        Self {
            codes,
            index,
            fixed: Some(file.to_string()),
        }
    }

    fn get(
        &mut self,
        table: &Table,
        line: u64,
        column: &str,
        what: &str,
        code: &str,
    ) -> Result<usize> {
        check_code(table, line, column, code)?;
        if let Some(&k) = self.index.get(code) {
            return Ok(k);
        }
        if let Some(decl) = &self.fixed {
            let hint = suggest(code, self.codes.iter().map(String::as_str))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(table.err(
                line,
                Some(column),
                format!("unknown {what} `{code}` (not in `{decl}`){hint}"),
            ));
        }
        let k = self.codes.len();
        self.codes.push(code.to_string());
        self.index.insert(code.to_string(), k);
        Ok(k)
    }
}

fn parse_groups(
    table: &Table,
    line: u64,
    raw: &str,
    member: usize,
    groups: &mut Vec<(String, Vec<usize>)>,
) -> Result<()> {
    for g in raw.split(';').map(str::trim).filter(|g| !g.is_empty()) {
        check_code(table, line, "groups", g)?;
        match groups.iter_mut().find(|(c, _)| c == g) {
            Some((_, members)) => members.push(member),
            None => groups.push((g.to_string(), vec![member])),
        }
    }
    Ok(())
}

fn to_groups(groups: Vec<(String, Vec<usize>)>) -> Vec<Group> {
    groups
        .into_iter()
        .map(|(code, members)| Group { code, members })
        .collect()
}

fn read_regions(t: Text<'_>) -> Result<(Vec<Region>, Vec<Group>)> {
    let table = Table::parse(t, &["code", "name"], &["groups"])?;
    let (c_code, c_name) = (table.col("code"), table.col("name"));
    let c_groups = table.col("groups");
    let mut regions: Vec<Region> = Vec::new();
    let mut groups = Vec::new();
    for (line, row) in &table.rows {
        let code = field(row, c_code);
        check_code(&table, *line, "code", code)?;
        if regions.iter().any(|r| r.code == code) {
            return Err(table.err(*line, Some("code"), format!("duplicate region `{code}`")));
        }
        let name = field(row, c_name);
        parse_groups(
            &table,
            *line,
            field(row, c_groups),
            regions.len(),
            &mut groups,
        )?;
        regions.push(Region {
            code: code.to_string(),
            name: if name.is_empty() { code } else { name }.to_string(),
        });
    }
    if regions.is_empty() {
        return Err(DataError::File {
            file: table.file,
            message: "no regions listed".into(),
        });
    }
    Ok((regions, to_groups(groups)))
}

fn read_sectors(t: Text<'_>) -> Result<(Vec<Sector>, Vec<Group>)> {
    let table = Table::parse(t, &["code", "name"], &["description", "groups"])?;
    let (c_code, c_name) = (table.col("code"), table.col("name"));
    let (c_desc, c_groups) = (table.col("description"), table.col("groups"));
    let mut sectors: Vec<Sector> = Vec::new();
    let mut groups = Vec::new();
    for (line, row) in &table.rows {
        let code = field(row, c_code);
        check_code(&table, *line, "code", code)?;
        if sectors.iter().any(|r| r.code == code) {
            return Err(table.err(*line, Some("code"), format!("duplicate sector `{code}`")));
        }
        let name = field(row, c_name);
        parse_groups(
            &table,
            *line,
            field(row, c_groups),
            sectors.len(),
            &mut groups,
        )?;
        sectors.push(Sector {
            code: code.to_string(),
            name: if name.is_empty() { code } else { name }.to_string(),
            description: field(row, c_desc).to_string(),
        });
    }
    if sectors.is_empty() {
        return Err(DataError::File {
            file: table.file,
            message: "no sectors listed".into(),
        });
    }
    Ok((sectors, to_groups(groups)))
}

fn read_provenance(t: Text<'_>) -> Result<Provenance> {
    let table = Table::parse(t, &["key", "value"], &[])?;
    let (c_key, c_value) = (table.col("key"), table.col("value"));
    let mut p = Provenance::default();
    for (line, row) in &table.rows {
        let value = field(row, c_value).to_string();
        match field(row, c_key) {
            "name" => p.name = value,
            "version" => p.version = value,
            "year" => {
                p.year = value.parse().map_err(|_| {
                    table.err(
                        *line,
                        Some("value"),
                        format!("year `{value}` is not an integer"),
                    )
                })?;
            }
            "source" => p.sources.push(value),
            other => {
                return Err(table.err(
                    *line,
                    Some("key"),
                    format!("unknown key `{other}`; expected name, version, year or source"),
                ));
            }
        }
    }
    Ok(p)
}

pub(crate) fn field(row: &[String], col: Option<usize>) -> &str {
    col.and_then(|c| row.get(c)).map_or("", String::as_str)
}

/// The texts of a baseline in long form.
#[derive(Debug, Clone, Copy)]
pub struct Texts<'a> {
    /// `flows.csv`.
    pub flows: Text<'a>,
    /// `regions.csv`, if any.
    pub regions: Option<Text<'a>>,
    /// `sectors.csv`, if any.
    pub sectors: Option<Text<'a>>,
    /// `provenance.csv`, if any.
    pub provenance: Option<Text<'a>>,
    /// `members.csv`, if any: countries inside aggregate regions (see [`read_members`]).
    pub members: Option<Text<'a>>,
}

/// Parses a baseline in long form. `default_name` names the provenance when there is no
/// `provenance.csv`.
pub fn parse(texts: Texts<'_>, default_name: &str) -> Result<Baseline> {
    let (region_list, region_groups) = match texts.regions {
        Some(t) => {
            let (r, g) = read_regions(t)?;
            (Some((r, t.file)), g)
        }
        None => (None, Vec::new()),
    };
    let (sector_list, sector_groups) = match texts.sectors {
        Some(t) => {
            let (s, g) = read_sectors(t)?;
            (Some((s, t.file)), g)
        }
        None => (None, Vec::new()),
    };
    let mut regions = match &region_list {
        Some((r, file)) => Codes::fixed(r.iter().map(|x| x.code.clone()).collect(), file),
        None => Codes::open(),
    };
    let mut sectors = match &sector_list {
        Some((s, file)) => Codes::fixed(s.iter().map(|x| x.code.clone()).collect(), file),
        None => Codes::open(),
    };

    let table = Table::parse(
        texts.flows,
        &["exporter", "importer", "sector", "value_usd"],
        &["tariff"],
    )?;
    let c_exp = table.col("exporter");
    let c_imp = table.col("importer");
    let c_sec = table.col("sector");
    let c_val = table.col("value_usd");
    let c_tar = table.col("tariff");
    if table.rows.is_empty() {
        return Err(DataError::File {
            file: table.file,
            message: "no flows: the file has a header but no records".into(),
        });
    }
    // (exporter, importer, sector, value, tariff, line)
    let mut cells = Vec::with_capacity(table.rows.len());
    let mut seen: HashMap<(usize, usize, usize), u64> = HashMap::with_capacity(table.rows.len());
    for (line, row) in &table.rows {
        let line = *line;
        let i = regions.get(&table, line, "exporter", "region", field(row, c_exp))?;
        let j = regions.get(&table, line, "importer", "region", field(row, c_imp))?;
        let s = sectors.get(&table, line, "sector", "sector", field(row, c_sec))?;
        let value = parse_number(&table, line, "value_usd", field(row, c_val))?;
        if value < 0.0 {
            return Err(table.err(
                line,
                Some("value_usd"),
                format!("negative flow {value}: flows are values in USD and must be >= 0"),
            ));
        }
        if value > MAX_FLOW_USD {
            return Err(table.err(
                line,
                Some("value_usd"),
                format!(
                    "flow {value:e} USD is above {MAX_FLOW_USD:e} (1,000 trillion; world goods trade is about 25 trillion): a unit error? (`value_usd` is in USD, not thousands or millions)"
                ),
            ));
        }
        let tariff = match c_tar {
            Some(_) => {
                let t = parse_number(&table, line, "tariff", field(row, c_tar))?;
                if t <= -1.0 || t > MAX_TARIFF {
                    return Err(table.err(
                        line,
                        Some("tariff"),
                        format!(
                            "tariff {t} is out of range: an ad valorem fraction in (-1, {MAX_TARIFF}] (0.25 = 25%)"
                        ),
                    ));
                }
                t
            }
            None => 0.0,
        };
        if let Some(first) = seen.insert((i, j, s), line) {
            return Err(table.err(
                line,
                None,
                format!(
                    "duplicate cell exporter {}, importer {}, sector {} (first given on line {first})",
                    field(row, c_exp),
                    field(row, c_imp),
                    field(row, c_sec)
                ),
            ));
        }
        cells.push((i, j, s, value, tariff, line));
    }

    let region_set = match region_list {
        Some((r, _)) => RegionSet::new(r, region_groups)?,
        None => RegionSet::from_codes(&regions.codes)?,
    };
    let sector_set = match sector_list {
        Some((s, _)) => SectorSet::new(s, sector_groups)?,
        None => SectorSet::from_codes(&sectors.codes)?,
    };
    let n = region_set.len();
    let n_sectors = sector_set.len();
    if n < 2 {
        return Err(DataError::File {
            file: table.file,
            message: format!(
                "only one region ({}): trade needs at least two",
                region_set.code(0)
            ),
        });
    }
    let mut flows = vec![0.0; n * n * n_sectors];
    let mut tariffs = vec![0.0; n * n * n_sectors];
    let mut has_domestic_row = vec![false; n * n_sectors];
    for &(i, j, s, v, t, _) in &cells {
        let k = (s * n + i) * n + j;
        flows[k] = v;
        // A tariff on the diagonal is the internal tariff of an aggregate region (trade
        // inside it, GSIM's rest-of-world example); a country's own sales carry none.
        tariffs[k] = t;
        if i == j {
            has_domestic_row[s * n + i] = true;
        }
    }
    let has_domestic = has_domestic_row.iter().any(|&d| d);
    if has_domestic {
        for s in 0..n_sectors {
            for i in 0..n {
                let exports: f64 = (0..n)
                    .filter(|&j| j != i)
                    .map(|j| flows[(s * n + i) * n + j])
                    .sum();
                if exports > 0.0 && !has_domestic_row[s * n + i] {
                    return Err(DataError::File {
                        file: table.file,
                        message: format!(
                            "domestic sales missing for region {} in sector {}: the file gives domestic sales (exporter = importer) for other cells, so every region that exports in a sector needs them (general-equilibrium models require the full square)",
                            region_set.code(i),
                            sector_set.code(s)
                        ),
                    });
                }
            }
        }
    }
    let provenance = match texts.provenance {
        Some(t) => read_provenance(t)?,
        None => Provenance {
            name: default_name.to_string(),
            version: "user".into(),
            year: 0,
            sources: vec![format!("user file {}", texts.flows.file)],
        },
    };
    let baseline = Baseline::new(
        region_set,
        sector_set,
        flows,
        tariffs,
        has_domestic,
        provenance,
    )?;
    match texts.members {
        Some(t) => {
            let members = read_members(t, &baseline)?;
            baseline.with_members(members).map_err(|e| DataError::File {
                file: t.file.to_string(),
                message: e.to_string(),
            })
        }
        None => Ok(baseline),
    }
}

/// Reads `members.csv`: countries inside aggregate regions and their share of the aggregate's
/// exports, one record per (member, importer, sector). Columns `member,name,region,importer,
/// sector,share`; `name` is optional; `importer` and `sector` may be `*` (every importer or
/// sector; a later, more specific record overrides it). A member's first record must carry its
/// region; every record of a member names the same region.
pub fn read_members(t: Text<'_>, b: &Baseline) -> Result<Vec<Member>> {
    let table = Table::parse(
        t,
        &["member", "region", "importer", "sector", "share"],
        &["name"],
    )?;
    let (n, ns) = (b.n_regions(), b.n_sectors());
    let col = |c: &str| table.col(c);
    let (c_mem, c_name, c_reg, c_imp, c_sec, c_sh) = (
        col("member"),
        col("name"),
        col("region"),
        col("importer"),
        col("sector"),
        col("share"),
    );
    let region_of = |line: u64, column: &str, code: &str| -> Result<usize> {
        b.regions().index_of(code).ok_or_else(|| {
            let hint = suggest(code, b.regions().regions().iter().map(|r| r.code.as_str()))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            table.err(line, Some(column), format!("unknown region `{code}`{hint}"))
        })
    };
    let mut members: Vec<Member> = Vec::new();
    for (line, row) in &table.rows {
        let line = *line;
        let code = field(row, c_mem);
        check_code(&table, line, "member", code)?;
        let region = region_of(line, "region", field(row, c_reg))?;
        let importers: Vec<usize> = match field(row, c_imp) {
            "*" => (0..n).collect(),
            code => vec![region_of(line, "importer", code)?],
        };
        let sectors: Vec<usize> = match field(row, c_sec) {
            "*" => (0..ns).collect(),
            code => vec![b.sectors().index_of(code).ok_or_else(|| {
                table.err(line, Some("sector"), format!("unknown sector `{code}`"))
            })?],
        };
        let share = parse_number(&table, line, "share", field(row, c_sh))?;
        if !(0.0..=1.0).contains(&share) {
            return Err(table.err(
                line,
                Some("share"),
                format!("share {share} is outside [0, 1]"),
            ));
        }
        let k = match members.iter().position(|m| m.code == code) {
            Some(k) => {
                if members[k].region != region {
                    return Err(table.err(
                        line,
                        Some("region"),
                        format!(
                            "member `{code}` was listed in region `{}` before",
                            b.regions().code(members[k].region)
                        ),
                    ));
                }
                k
            }
            None => {
                members.push(Member {
                    code: code.to_string(),
                    name: field(row, c_name).to_string(),
                    region,
                    export_shares: vec![0.0; n * ns],
                });
                members.len() - 1
            }
        };
        for &s in &sectors {
            for &j in &importers {
                members[k].export_shares[s * n + j] = share;
            }
        }
    }
    Ok(members)
}

fn as_text(o: &Option<(String, String)>) -> Option<Text<'_>> {
    o.as_ref().map(|(file, text)| Text {
        file: file.as_str(),
        text: text.as_str(),
    })
}

pub(crate) fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| DataError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Reads a baseline from a directory (`flows.csv` + optional `regions.csv`, `sectors.csv`,
/// `provenance.csv`) or from a single long CSV file.
pub fn read_path(path: &Path) -> Result<Baseline> {
    let is_dir = path.is_dir();
    let flows_path = if is_dir {
        path.join("flows.csv")
    } else {
        path.to_path_buf()
    };
    let optional = |name: &str| -> Result<Option<(String, String)>> {
        if !is_dir {
            return Ok(None);
        }
        let p = path.join(name);
        if p.exists() {
            Ok(Some((p.display().to_string(), read_text(&p)?)))
        } else {
            Ok(None)
        }
    };
    let flows_text = read_text(&flows_path)?;
    let flows_file = flows_path.display().to_string();
    let regions = optional("regions.csv")?;
    let sectors = optional("sectors.csv")?;
    let provenance = optional("provenance.csv")?;
    let members = optional("members.csv")?;
    parse(
        Texts {
            flows: Text {
                file: &flows_file,
                text: &flows_text,
            },
            regions: as_text(&regions),
            sectors: as_text(&sectors),
            provenance: as_text(&provenance),
            members: as_text(&members),
        },
        &path.display().to_string(),
    )
}

/// The long-form texts of a baseline: flows, regions, sectors, provenance, and members when the
/// baseline lists countries inside its aggregates.
#[must_use]
pub fn to_texts(b: &Baseline) -> Vec<(&'static str, String)> {
    let n = b.n_regions();
    let mut flows = csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<[String; 5]> = Vec::new();
    for s in 0..b.n_sectors() {
        for i in 0..n {
            for j in 0..n {
                let (f, t) = (b.flow(i, j, s), b.tariff(i, j, s));
                let domestic = i == j && b.has_domestic();
                if domestic || f != 0.0 || t != 0.0 {
                    rows.push([
                        b.regions().code(i).to_string(),
                        b.regions().code(j).to_string(),
                        b.sectors().code(s).to_string(),
                        format!("{f}"),
                        format!("{t}"),
                    ]);
                }
            }
        }
    }
    let header = ["exporter", "importer", "sector", "value_usd", "tariff"];
    let mut regions = csv::Writer::from_writer(Vec::new());
    let mut sectors = csv::Writer::from_writer(Vec::new());
    let mut prov = csv::Writer::from_writer(Vec::new());
    let groups_of = |groups: &[Group], k: usize| {
        groups
            .iter()
            .filter(|g| g.members.contains(&k))
            .map(|g| g.code.as_str())
            .collect::<Vec<_>>()
            .join(";")
    };
    // Writing to a Vec cannot fail; errors are mapped to empty output only in theory.
    let _ = flows.write_record(header);
    for r in &rows {
        let _ = flows.write_record(r);
    }
    let _ = regions.write_record(["code", "name", "groups"]);
    for (k, r) in b.regions().regions().iter().enumerate() {
        let _ = regions.write_record([
            r.code.as_str(),
            r.name.as_str(),
            &groups_of(b.regions().groups(), k),
        ]);
    }
    let _ = sectors.write_record(["code", "name", "description", "groups"]);
    for (k, s) in b.sectors().sectors().iter().enumerate() {
        let _ = sectors.write_record([
            s.code.as_str(),
            s.name.as_str(),
            s.description.as_str(),
            &groups_of(b.sectors().groups(), k),
        ]);
    }
    let p = b.provenance();
    let _ = prov.write_record(["key", "value"]);
    let _ = prov.write_record(["name", p.name.as_str()]);
    let _ = prov.write_record(["version", p.version.as_str()]);
    let _ = prov.write_record(["year", &p.year.to_string()]);
    for s in &p.sources {
        let _ = prov.write_record(["source", s.as_str()]);
    }
    let text = |w: csv::Writer<Vec<u8>>| {
        w.into_inner()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default()
    };
    let mut out = vec![
        ("flows.csv", text(flows)),
        ("regions.csv", text(regions)),
        ("sectors.csv", text(sectors)),
        ("provenance.csv", text(prov)),
    ];
    if !b.members().is_empty() {
        out.push(("members.csv", members_text(b)));
    }
    out
}

/// `members.csv`: one record per member and importer when its shares are equal across sectors
/// (`sector = *`), else one per non-zero (importer, sector); zero shares are the default.
fn members_text(b: &Baseline) -> String {
    let (n, ns) = (b.n_regions(), b.n_sectors());
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["member", "name", "region", "importer", "sector", "share"]);
    for m in b.members() {
        let region = b.regions().code(m.region);
        for j in 0..n {
            let first = m.share(n, j, 0);
            let uniform = (1..ns).all(|s| m.share(n, j, s).to_bits() == first.to_bits());
            let importer = b.regions().code(j);
            if uniform {
                if first != 0.0 {
                    let _ = w.write_record([
                        m.code.as_str(),
                        m.name.as_str(),
                        region,
                        importer,
                        "*",
                        &format!("{first}"),
                    ]);
                }
                continue;
            }
            for s in 0..ns {
                let v = m.share(n, j, s);
                if v != 0.0 {
                    let _ = w.write_record([
                        m.code.as_str(),
                        m.name.as_str(),
                        region,
                        importer,
                        b.sectors().code(s),
                        &format!("{v}"),
                    ]);
                }
            }
        }
    }
    w.into_inner()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .unwrap_or_default()
}

/// Writes a baseline in long form into `dir` (created if missing). Each file is written to a
/// temporary name and renamed when complete.
pub fn write_dir(b: &Baseline, dir: &Path) -> Result<()> {
    let io = |path: &Path, source| DataError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    // All files first under temporary names, then renamed: a failure leaves no partial file.
    let texts = to_texts(b);
    let mut written = Vec::new();
    for (name, text) in &texts {
        let tmp = dir.join(format!(".{name}.tmp"));
        if let Err(e) = std::fs::write(&tmp, text) {
            for t in written.iter().chain(std::iter::once(&tmp)) {
                let _ = std::fs::remove_file(t);
            }
            return Err(io(&tmp, e));
        }
        written.push(tmp);
    }
    for ((name, _), tmp) in texts.iter().zip(&written) {
        let path = dir.join(name);
        std::fs::rename(tmp, &path).map_err(|e| io(&path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    fn text<'a>(file: &'a str, text: &'a str) -> Text<'a> {
        Text { file, text }
    }

    #[test]
    fn reads_groups_names_and_missing_cells_as_zero() {
        let flows = "exporter,importer,sector,value_usd,tariff\n\
                     USA,CHN,GOODS,100,0.25\nCHN,USA,GOODS,300,0.1\nVNM,USA,GOODS,5,0\n";
        let regions =
            "code,name,groups\nUSA,United States,\nCHN,China,ASIA\nVNM,Viet Nam,ASIA;ASEAN\n";
        let b = parse(
            Texts {
                flows: text("f.csv", flows),
                regions: Some(text("r.csv", regions)),
                sectors: None,
                provenance: None,
                members: None,
            },
            "mine",
        )
        .unwrap();
        assert_eq!(b.regions().regions()[1].name, "China");
        assert_eq!(b.regions().group("ASIA").unwrap().members, vec![1, 2]);
        assert_eq!(b.regions().group("ASEAN").unwrap().members, vec![2]);
        let (usa, chn, vnm) = (0, 1, 2);
        assert!((b.flow(chn, usa, 0) - 300.0).abs() < 1e-12);
        assert!((b.tariff(usa, chn, 0) - 0.25).abs() < 1e-12);
        assert!(b.flow(chn, vnm, 0).abs() < 1e-300 && b.tariff(chn, vnm, 0).abs() < 1e-300);
        assert!(!b.has_domestic());
        assert_eq!(b.provenance().name, "mine");
    }

    #[test]
    fn header_order_and_case_do_not_matter_but_unknown_columns_do() {
        let flows = "Value_USD,Sector,Importer,Exporter\n7,GOODS,USA,CHN\n";
        let b = parse(
            Texts {
                flows: text("f.csv", flows),
                regions: None,
                sectors: None,
                provenance: None,
                members: None,
            },
            "x",
        )
        .unwrap();
        // Codes in order of first appearance, exporter before importer.
        assert_eq!(b.regions().code(0), "CHN");
        assert!((b.flow(0, 1, 0) - 7.0).abs() < 1e-12);
        let bad = parse(
            Texts {
                flows: text(
                    "f.csv",
                    "exporter,importer,sector,value_usd,cost
A,B,S,1,2
",
                ),
                regions: None,
                sectors: None,
                provenance: None,
                members: None,
            },
            "x",
        )
        .unwrap_err()
        .to_string();
        assert!(bad.starts_with("f.csv:1: unknown column `cost`"), "{bad}");
    }

    /// Random byte edits of a valid file give `Ok` or a clean error, never a panic.
    #[test]
    fn mutated_inputs_never_panic() {
        let base = "exporter,importer,sector,value_usd,tariff\nUSA,USA,GOODS,10,0\nCHN,CHN,GOODS,9,0\n\
                    USA,CHN,GOODS,1e9,0.2\nCHN,USA,GOODS,3.5e9,0.1\n";
        let alphabet = b",\n\"-.e0123456789AZ_ #x";
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        for _ in 0..1500 {
            let mut bytes = base.as_bytes().to_vec();
            for _ in 0..rng.random_range(1..4) {
                let k = rng.random_range(0..bytes.len());
                match rng.random_range(0..3) {
                    0 => bytes[k] = alphabet[rng.random_range(0..alphabet.len())],
                    1 => {
                        bytes.remove(k);
                    }
                    _ => bytes.insert(k, alphabet[rng.random_range(0..alphabet.len())]),
                }
            }
            let t = String::from_utf8_lossy(&bytes).into_owned();
            let _ = parse(
                Texts {
                    flows: text("m.csv", &t),
                    regions: None,
                    sectors: None,
                    provenance: None,
                    members: None,
                },
                "m",
            );
            let _ = crate::baci::parse(
                crate::baci::Input {
                    file: "b.csv",
                    text: &t,
                },
                crate::baci::Input {
                    file: "map.csv",
                    text: "code,region\n1,A\n2,B\n",
                },
            );
        }
    }
}
