//! CEPII BACI files → a baseline on the user's regions and tariffsim's 13 goods sectors.
//!
//! BACI (Gaulier & Zignago 2010, CEPII) reconciles exporter and importer declarations of UN
//! Comtrade at HS6. A yearly file has the columns `t,i,j,k,v,q`: year, exporter and importer
//! (numeric country codes), HS6 product, value in **thousands of USD** (FOB, i.e. at exporter
//! prices — what tariffsim's flows are) and quantity in tonnes (ignored here).
//!
//! Aggregation: countries to regions through a mapping file `code,region[,name]` (numeric code →
//! region code; the regions keep the order of their first appearance in the file), products to
//! sectors through [`crate::concordance::hs_sector`]. Flows between two countries of the same
//! region are intra-regional: a baseline without domestic sales has no diagonal, so they are
//! dropped (and counted in the provenance). The file is read as a stream (a full BACI year has
//! about ten million rows).
//!
//! Errors name the file, line and column: a wrong header, a non-numeric or negative value, an
//! unknown country code (not in the mapping), a product code without a goods sector, more than
//! one year in one file, a malformed mapping file.
//!
//! ```
//! use tariffsim_data::baci;
//! let baci_csv = "t,i,j,k,v,q\n2022,156,842,850760,1500.5,12\n2022,842,156,100199,200,NA\n";
//! let map_csv = "code,region\n156,CHN\n842,USA\n";
//! let b = baci::parse(
//!     baci::Input { file: "baci.csv", text: baci_csv },
//!     baci::Input { file: "map.csv", text: map_csv },
//! )?;
//! let (chn, usa) = (b.regions().require("CHN")?, b.regions().require("USA")?);
//! let batteries = b.sectors().require("ELECTRICAL_EQUIP")?;
//! assert!((b.flow(chn, usa, batteries) - 1_500_500.0).abs() < 1e-6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # References
//! - Gaulier, G. & Zignago, S. (2010), "BACI: International Trade Database at the Product-Level.
//!   The 1994-2007 Version", CEPII Working Paper 2010-23.

use crate::concordance::{GOODS_SECTORS, hs_sector};
use crate::csvio::{self, Table, Text};
use crate::error::{DataError, Result};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use tariffsim_core::{Baseline, Provenance, Region, RegionSet, Sector, SectorSet};

/// One input: a name for messages and a reader of its contents.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// File name for messages.
    pub file: &'a str,
    /// Contents.
    pub text: &'a str,
}

struct CountryMap {
    file: String,
    region_of: HashMap<u32, usize>,
    regions: Vec<Region>,
}

fn read_map(t: Input<'_>) -> Result<CountryMap> {
    let table = Table::parse(
        Text {
            file: t.file,
            text: t.text,
        },
        &["code", "region"],
        &["name"],
    )?;
    let (c_code, c_region) = (table.col("code"), table.col("region"));
    let mut region_of = HashMap::new();
    let mut regions: Vec<Region> = Vec::new();
    for (line, row) in &table.rows {
        let raw = csvio::field(row, c_code);
        let code: u32 = raw.parse().map_err(|_| {
            table.err(
                *line,
                Some("code"),
                format!(
                    "country code `{raw}` is not a non-negative integer (BACI uses numeric codes)"
                ),
            )
        })?;
        let region = csvio::field(row, c_region);
        csvio::check_code(&table, *line, "region", region)?;
        let k = match regions.iter().position(|r| r.code == region) {
            Some(k) => k,
            None => {
                regions.push(Region {
                    code: region.to_string(),
                    name: region.to_string(),
                });
                regions.len() - 1
            }
        };
        if region_of.insert(code, k).is_some() {
            return Err(table.err(
                *line,
                Some("code"),
                format!("country code {code} is mapped twice"),
            ));
        }
    }
    if regions.len() < 2 {
        return Err(DataError::File {
            file: table.file,
            message: "the mapping must name at least two regions".into(),
        });
    }
    Ok(CountryMap {
        file: table.file,
        region_of,
        regions,
    })
}

const COLUMNS: [&str; 6] = ["t", "i", "j", "k", "v", "q"];

/// Aggregates a BACI file with a country → region mapping into a baseline (no domestic sales,
/// zero baseline tariffs: BACI carries no tariffs).
pub fn parse(baci: Input<'_>, map: Input<'_>) -> Result<Baseline> {
    parse_reader(baci.file, baci.text.as_bytes(), map)
}

fn parse_reader<R: Read>(file: &str, reader: R, map: Input<'_>) -> Result<Baseline> {
    let map = read_map(map)?;
    let n = map.regions.len();
    let n_sectors = GOODS_SECTORS.len();
    let mut flows = vec![0.0; n * n * n_sectors];
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header = rdr
        .headers()
        .map_err(|e| csvio::csv_error(file, &e))?
        .clone();
    let names: Vec<String> = header.iter().map(str::to_ascii_lowercase).collect();
    if names != COLUMNS {
        return Err(DataError::Parse {
            file: file.to_string(),
            line: 1,
            column: None,
            message: format!(
                "not a BACI header: expected `t,i,j,k,v,q`, found `{}`",
                names.join(",")
            ),
        });
    }
    let err = |line: u64, column: &str, message: String| DataError::Parse {
        file: file.to_string(),
        line,
        column: Some(column.to_string()),
        message,
    };
    let mut year: Option<(i32, u64)> = None;
    let mut rows = 0u64;
    let mut intra_usd = 0.0;
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csvio::csv_error(file, &e)),
        }
        rows += 1;
        let line = record.position().map_or(0, csv::Position::line);
        let get = |k: usize| record.get(k).unwrap_or("");
        let t: i32 = get(0)
            .parse()
            .map_err(|_| err(line, "t", format!("year `{}` is not an integer", get(0))))?;
        match year {
            None => year = Some((t, line)),
            Some((y, first)) if y != t => {
                return Err(err(
                    line,
                    "t",
                    format!(
                        "year {t} differs from {y} (line {first}): one baseline is one year; split the file"
                    ),
                ));
            }
            Some(_) => {}
        }
        let region = |col: usize, name: &str| -> Result<usize> {
            let raw = get(col);
            let code: u32 = raw.parse().map_err(|_| {
                err(
                    line,
                    name,
                    format!("country code `{raw}` is not a non-negative integer"),
                )
            })?;
            map.region_of.get(&code).copied().ok_or_else(|| {
                err(
                    line,
                    name,
                    format!(
                        "country code {code} is not in the country mapping `{}`",
                        map.file
                    ),
                )
            })
        };
        let i = region(1, "i")?;
        let j = region(2, "j")?;
        let raw_k = get(3);
        let hs6 = if raw_k.len() == 5 && raw_k.bytes().all(|b| b.is_ascii_digit()) {
            format!("0{raw_k}") // leading zero dropped by a spreadsheet or numeric export
        } else {
            raw_k.to_string()
        };
        if hs6.len() != 6 {
            return Err(err(
                line,
                "k",
                format!("product `{raw_k}` is not an HS6 code"),
            ));
        }
        let sector = hs_sector(&hs6).ok_or_else(|| {
            err(
                line,
                "k",
                format!(
                    "HS product {hs6} (chapter {}) has no tariffsim goods sector",
                    hs6.get(..2).unwrap_or("?")
                ),
            )
        })?;
        let s = GOODS_SECTORS
            .iter()
            .position(|(c, _, _)| *c == sector)
            .unwrap_or(0);
        let raw_v = get(4);
        let v: f64 = raw_v
            .parse()
            .map_err(|_| err(line, "v", format!("value `{raw_v}` is not a number")))?;
        if !v.is_finite() || v < 0.0 {
            return Err(err(
                line,
                "v",
                format!("value {raw_v} must be a finite number >= 0 (thousands of USD)"),
            ));
        }
        let usd = v * 1000.0;
        if i == j {
            intra_usd += usd;
        } else {
            flows[(s * n + i) * n + j] += usd;
        }
    }
    let Some((year, _)) = year else {
        return Err(DataError::File {
            file: file.to_string(),
            message: "no records: the file has a header but no trade rows".into(),
        });
    };
    let regions = RegionSet::new(map.regions, Vec::new())?;
    let sectors = SectorSet::new(
        GOODS_SECTORS
            .iter()
            .map(|(c, nm, d)| Sector {
                code: (*c).into(),
                name: (*nm).into(),
                description: (*d).into(),
            })
            .collect(),
        Vec::new(),
    )?;
    let provenance = Provenance {
        name: file.to_string(),
        version: "BACI".into(),
        year,
        sources: vec![
            format!("CEPII BACI file {file} ({rows} rows, HS6, thousands of USD)"),
            "HS -> sector: tariffsim_data::concordance::hs_sector".into(),
            format!("intra-regional flows dropped: {intra_usd} USD"),
        ],
    };
    let tariffs = vec![0.0; flows.len()];
    Ok(Baseline::new(
        regions, sectors, flows, tariffs, false, provenance,
    )?)
}

/// Reads a BACI file and a country mapping file from disk (the BACI file is streamed).
pub fn read(baci_path: &Path, map_path: &Path) -> Result<Baseline> {
    let map_text = csvio::read_text(map_path)?;
    let map_file = map_path.display().to_string();
    let file = std::fs::File::open(baci_path).map_err(|source| DataError::Io {
        path: baci_path.display().to_string(),
        source,
    })?;
    parse_reader(
        &baci_path.display().to_string(),
        std::io::BufReader::new(file),
        Input {
            file: &map_file,
            text: &map_text,
        },
    )
}

/// Whether a CSV text starts with the BACI header `t,i,j,k,v,q`.
#[must_use]
pub fn looks_like_baci(first_line: &str) -> bool {
    let cols: Vec<String> = first_line
        .trim()
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    cols == COLUMNS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(baci: &str) -> Result<Baseline> {
        parse(
            Input {
                file: "b.csv",
                text: baci,
            },
            Input {
                file: "m.csv",
                text: "code,region\n156,CHN\n842,USA\n",
            },
        )
    }

    #[test]
    fn non_ascii_and_odd_product_codes_are_errors_not_panics() {
        for k in ["1\u{e9}234", "\u{e9}1234", "12345x", "", "1234567"] {
            let text = format!("t,i,j,k,v,q\n2022,156,842,{k},1,1\n");
            let msg = run(&text).unwrap_err().to_string();
            assert!(msg.starts_with("b.csv:2: column `k`"), "{k}: {msg}");
        }
    }

    #[test]
    fn sums_duplicates_and_reads_quantities_loosely() {
        let b = run("t,i,j,k,v,q\n2022,156,842,850760,1,\n2022,156,842,850760,2.5,NA\n").unwrap();
        // Exporter 156 (the first region), importer 842, HS 850760 (sector 8).
        let exporter = tariffsim_core::RegionId::from_index(0);
        let importer = tariffsim_core::RegionId::from_index(1);
        let sector = tariffsim_core::SectorId::from_index(8);
        assert!((b.flow(exporter, importer, sector) - 3500.0).abs() < 1e-9);
        assert_eq!(b.provenance().year, 2022);
        assert!(
            run("t,i,j,k,v,q\n")
                .unwrap_err()
                .to_string()
                .contains("no records")
        );
    }
}
