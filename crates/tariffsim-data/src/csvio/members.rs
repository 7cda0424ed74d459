//! The member table `members.csv`: countries inside aggregate regions and their export shares,
//! read and written.

use super::Text;
use super::table::{Table, check_code, field, parse_number};
use crate::error::{Result, suggest};
use tariffsim_core::{Baseline, Member, RegionId, SectorId};

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
    let region_of = |line: u64, column: &str, code: &str| -> Result<RegionId> {
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
        let importers: Vec<RegionId> = match field(row, c_imp) {
            "*" => b.regions().ids().collect(),
            code => vec![region_of(line, "importer", code)?],
        };
        let sectors: Vec<SectorId> = match field(row, c_sec) {
            "*" => b.sectors().ids().collect(),
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
                members[k].export_shares[s.index() * n + j.index()] = share;
            }
        }
    }
    Ok(members)
}

/// `members.csv`: one record per member and importer when its shares are equal across sectors
/// (`sector = *`), else one per non-zero (importer, sector); zero shares are the default.
pub(super) fn members_text(b: &Baseline) -> String {
    let n = b.n_regions();
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["member", "name", "region", "importer", "sector", "share"]);
    for m in b.members() {
        let region = b.regions().code(m.region);
        for j in b.regions().ids() {
            let first = m.share(n, j, SectorId::from_index(0));
            let uniform = b
                .sectors()
                .ids()
                .skip(1)
                .all(|s| m.share(n, j, s).to_bits() == first.to_bits());
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
            for s in b.sectors().ids() {
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
