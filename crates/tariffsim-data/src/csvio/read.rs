//! Reading a baseline: its long-form texts parsed and validated into a [`Baseline`], from
//! embedded text or from a directory or file on disk.

use super::declarations::{read_provenance, read_regions, read_sectors};
use super::members::read_members;
use super::table::{Table, check_code, field, parse_number};
use super::{MAX_FLOW_USD, MAX_TARIFF, Text, Texts};
use crate::error::{DataError, Result, suggest};
use std::collections::HashMap;
use std::path::Path;
use tariffsim_core::{Baseline, Provenance, RegionId, RegionSet, SectorId, SectorSet};

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
                region_set.code(RegionId::from_index(0))
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
                            region_set.code(RegionId::from_index(i)),
                            sector_set.code(SectorId::from_index(s))
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
