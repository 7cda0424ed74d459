//! Writing a baseline in long form: its texts, and a directory written atomically.

use super::members::members_text;
use crate::error::{DataError, Result};
use std::path::Path;
use tariffsim_core::{Baseline, Group, RegionId, SectorId};

/// The long-form texts of a baseline: flows, regions, sectors, provenance, and members when the
/// baseline lists countries inside its aggregates.
#[must_use]
pub fn to_texts(b: &Baseline) -> Vec<(&'static str, String)> {
    let mut flows = csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<[String; 5]> = Vec::new();
    for s in b.sectors().ids() {
        for i in b.regions().ids() {
            for j in b.regions().ids() {
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
    fn groups_of<Id: PartialEq>(groups: &[Group<Id>], member: Id) -> String {
        groups
            .iter()
            .filter(|g| g.members.contains(&member))
            .map(|g| g.code.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }
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
            &groups_of(b.regions().groups(), RegionId::from_index(k)),
        ]);
    }
    let _ = sectors.write_record(["code", "name", "description", "groups"]);
    for (k, s) in b.sectors().sectors().iter().enumerate() {
        let _ = sectors.write_record([
            s.code.as_str(),
            s.name.as_str(),
            s.description.as_str(),
            &groups_of(b.sectors().groups(), SectorId::from_index(k)),
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
