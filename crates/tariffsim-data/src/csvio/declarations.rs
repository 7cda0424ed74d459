//! The declaration files beside `flows.csv`: `regions.csv` and `sectors.csv` (codes, names,
//! groups) and `provenance.csv`.

use super::Text;
use super::table::{Table, check_code, field};
use crate::error::{DataError, Result};
use tariffsim_core::{Group, Provenance, Region, RegionId, Sector, SectorId};

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

/// Groups of positions as groups of ids (`id` makes one from a position).
fn to_groups<Id>(groups: Vec<(String, Vec<usize>)>, id: fn(usize) -> Id) -> Vec<Group<Id>> {
    groups
        .into_iter()
        .map(|(code, members)| Group {
            code,
            members: members.into_iter().map(id).collect(),
        })
        .collect()
}

pub(super) fn read_regions(t: Text<'_>) -> Result<(Vec<Region>, Vec<Group<RegionId>>)> {
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
    Ok((regions, to_groups(groups, RegionId::from_index)))
}

pub(super) fn read_sectors(t: Text<'_>) -> Result<(Vec<Sector>, Vec<Group<SectorId>>)> {
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
    Ok((sectors, to_groups(groups, SectorId::from_index)))
}

pub(super) fn read_provenance(t: Text<'_>) -> Result<Provenance> {
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
