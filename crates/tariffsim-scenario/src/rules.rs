//! The `[[rule]]` section: a layer on every country whose trade with a partner passes the rule's
//! thresholds, on the baseline's regions or on a country table (`countries`).

use crate::context::{Cx, add_member};
use crate::diag::Loc;
use crate::document::{Entry, Node};
use crate::error::Result;
use crate::keys::RULE_KEYS;
use crate::layers::{allow_extreme, common_dates, name_entry, optional_authority, stacking};
use crate::scenario::{Layer, LayerOrigin, LayerRate, PartialExporter, RuleHit, RuleHits, Step};
use tariffsim_core::RegionId;

const FLOWS: &[&str] = &["imports", "exports", "trade"];

/// How a rule counts trade with its partner.
#[derive(Clone, Copy)]
enum Flow {
    Imports,
    Exports,
    Trade,
}

/// One row of a rule's country table.
struct CountryRow {
    iso3: String,
    value_usd: f64,
    total_usd: f64,
}

/// A rule's `countries` table: a CSV file (path relative to the scenario file) with columns
/// `iso3`, `value_usd` (the trade the rule counts) and `total_usd` (the country's total of the
/// same direction); other columns (names, years, sources) are ignored, rows with an empty value
/// are skipped (not evaluable). Errors name the file and line.
fn read_country_table(cx: &Cx<'_>, e: &Entry) -> Result<Vec<CountryRow>> {
    let rel = cx.string(e, "a path to a CSV file (iso3,value_usd,total_usd)")?;
    let path = cx.doc.dir_of(e.node.loc).join(rel);
    let text = std::fs::read_to_string(&path).map_err(|err| {
        cx.err_expected(
            e.node.loc,
            format!("cannot read `{}`: {err}", path.display()),
            "a CSV file with columns iso3,value_usd,total_usd (relative to this scenario file)",
        )
    })?;
    let at = |line: usize, msg: String| {
        cx.err_expected(
            e.node.loc,
            format!("{}:{line}: {msg}", path.display()),
            "a CSV file with columns iso3,value_usd,total_usd",
        )
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|err| at(1, err.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(ci), Some(cv), Some(ct)) = (col("iso3"), col("value_usd"), col("total_usd")) else {
        return Err(at(
            1,
            format!(
                "needs columns iso3, value_usd, total_usd (found: {})",
                header.join(", ")
            ),
        ));
    };
    let mut rows: Vec<CountryRow> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|err| {
            at(
                err.position().map_or(0, |p| p.line() as usize),
                err.to_string(),
            )
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let get = |c: usize| rec.get(c).map_or("", str::trim);
        let iso3 = get(ci).to_string();
        if iso3.is_empty() {
            return Err(at(line, "empty iso3".into()));
        }
        if get(cv).is_empty() || get(ct).is_empty() {
            continue;
        }
        let num = |c: usize, what: &str| -> Result<f64> {
            let x: f64 = get(c)
                .parse()
                .map_err(|_| at(line, format!("`{}` in `{what}` is not a number", get(c))))?;
            if !(x.is_finite() && x >= 0.0) {
                return Err(at(line, format!("`{what}` {x} is not a finite value >= 0")));
            }
            Ok(x)
        };
        let (value_usd, total_usd) = (num(cv, "value_usd")?, num(ct, "total_usd")?);
        if value_usd > total_usd {
            return Err(at(
                line,
                format!("{iso3}: value_usd {value_usd} exceeds total_usd {total_usd}"),
            ));
        }
        if rows.iter().any(|r| r.iso3 == iso3) {
            return Err(at(line, format!("{iso3} is listed twice")));
        }
        rows.push(CountryRow {
            iso3,
            value_usd,
            total_usd,
        });
    }
    Ok(rows)
}

pub(crate) fn parse_rule(cx: &Cx<'_>, node: &Node) -> Result<(Layer, Loc, RuleHits)> {
    let t = cx.table("rule", node, "[[rule]]", RULE_KEYS)?;
    let (name, name_loc) = name_entry(cx, t, "[[rule]]", node.loc)?;
    let importers = cx.regions(cx.required(t, "importer", "[[rule]]", name_loc)?)?;
    let partner_e = cx.required(t, "partner", "[[rule]]", name_loc)?;
    let partner = cx.region(partner_e)?;
    let flow = match t.get("flow") {
        None => Flow::Imports,
        Some(e) => match cx.string(e, "`imports`, `exports` or `trade`")? {
            "imports" => Flow::Imports,
            "exports" => Flow::Exports,
            "trade" => Flow::Trade,
            other => {
                return Err(cx.unknown_name(e.node.loc, "flow", other, FLOWS));
            }
        },
    };
    let min_share = match t.get("min_share") {
        Some(e) => {
            let x = cx.finite(e, "a share in [0, 1)")?;
            if !(0.0..1.0).contains(&x) {
                return Err(cx.err_expected(
                    e.node.loc,
                    format!("`min_share` {x} is outside [0, 1)"),
                    "a share in [0, 1), e.g. 0.01 for 1%",
                ));
            }
            Some(x)
        }
        None => None,
    };
    let min_value_usd = match t.get("min_value_usd") {
        Some(e) => {
            let x = cx.finite(e, "a value in USD >= 0")?;
            if x < 0.0 {
                return Err(cx.err_expected(
                    e.node.loc,
                    "negative `min_value_usd`",
                    "a value in USD >= 0",
                ));
            }
            Some(x)
        }
        None => None,
    };
    if min_share.is_none() && min_value_usd.is_none() && t.get("include").is_none() {
        return Err(cx.err_expected(
            name_loc,
            format!("rule `{name}` has no threshold"),
            "`min_share`, `min_value_usd` (both must hold when both are given) or an `include` list",
        ));
    }
    let sectors = cx.sector_selection(t, "sectors", "except_sectors")?;
    let except = t
        .get("except")
        .map(|e| cx.regions(e))
        .transpose()?
        .unwrap_or_default();
    let include = t
        .get("include")
        .map(|e| cx.regions(e))
        .transpose()?
        .unwrap_or_default();

    let b = cx.baseline;
    let mut hits = Vec::new();
    let mut candidates = Vec::new();
    // A country-level table replaces the baseline's regions as the evaluation units.
    let table = t
        .get("countries")
        .map(|e| read_country_table(cx, e))
        .transpose()?;
    let mut partial_exporters: Vec<PartialExporter> = Vec::new();
    let mut outside: Vec<String> = Vec::new();
    if let Some(rows) = &table {
        for row in rows {
            let share = if row.total_usd > 0.0 {
                row.value_usd / row.total_usd
            } else {
                0.0
            };
            let by_rule = (min_share.is_some() || min_value_usd.is_some())
                && min_share.is_none_or(|m| share > m)
                && min_value_usd.is_none_or(|m| row.value_usd > m);
            candidates.push((row.iso3.clone(), row.value_usd, share));
            if !by_rule {
                continue;
            }
            if let Some(x) = b.regions().index_of(&row.iso3) {
                if x == partner || importers.contains(&x) || except.contains(&x) {
                    continue;
                }
                hits.push(RuleHit {
                    region: x,
                    code: row.iso3.clone(),
                    value_usd: row.value_usd,
                    share,
                    forced: false,
                });
            } else if let Some(m) = b.member(&row.iso3) {
                if m.region == partner
                    || importers.contains(&m.region)
                    || except.contains(&m.region)
                {
                    continue;
                }
                hits.push(RuleHit {
                    region: m.region,
                    code: row.iso3.clone(),
                    value_usd: row.value_usd,
                    share,
                    forced: false,
                });
                add_member(&mut partial_exporters, m, &row.iso3);
            } else {
                outside.push(row.iso3.clone());
            }
        }
        for &x in &include {
            if !hits
                .iter()
                .any(|h| h.region == x && b.regions().code(x) == h.code)
            {
                partial_exporters.retain(|p| p.exporter != x);
                hits.retain(|h| h.region != x);
                hits.push(RuleHit {
                    region: x,
                    code: b.regions().code(x).to_string(),
                    value_usd: 0.0,
                    share: 0.0,
                    forced: true,
                });
            }
        }
    }
    for x in b.regions().ids().filter(|_| table.is_none()) {
        if x == partner || importers.contains(&x) {
            continue;
        }
        let (value, total) = match flow {
            Flow::Imports => (b.bilateral(partner, x), b.imports(x)),
            Flow::Exports => (b.bilateral(x, partner), b.exports(x)),
            Flow::Trade => (
                b.bilateral(partner, x) + b.bilateral(x, partner),
                b.imports(x) + b.exports(x),
            ),
        };
        let share = if total > 0.0 { value / total } else { 0.0 };
        candidates.push((b.regions().code(x).to_string(), value, share));
        let by_rule = (min_share.is_some() || min_value_usd.is_some())
            && min_share.is_none_or(|m| share > m)
            && min_value_usd.is_none_or(|m| value > m);
        let forced = include.contains(&x);
        if (by_rule || forced) && !except.contains(&x) {
            hits.push(RuleHit {
                region: x,
                code: b.regions().code(x).to_string(),
                value_usd: value,
                share,
                forced: forced && !by_rule,
            });
        }
    }
    if let Some(&bad) = include
        .iter()
        .find(|x| **x == partner || importers.contains(x))
    {
        return Err(cx.err_expected(
            t.get("include").map_or(name_loc, |e| e.node.loc),
            format!(
                "`include` lists `{}`, the rule's partner or importer",
                b.regions().code(bad)
            ),
            "third countries only",
        ));
    }
    if hits.is_empty() {
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1));
        let top: Vec<String> = candidates
            .iter()
            .take(3)
            .map(|(x, v, s)| format!("{x} {:.2} bn ({:.1}%)", v * 1e-9, s * 100.0))
            .collect();
        return Err(cx
            .doc
            .diag(name_loc, format!("rule `{name}` hits no country"))
            .expected("thresholds that at least one country exceeds in the baseline")
            .hint(format!("largest values: {}", top.join(", ")))
            .into());
    }
    hits.sort_by(|a, b| {
        b.value_usd
            .total_cmp(&a.value_usd)
            .then(a.region.cmp(&b.region))
    });
    let (effective, expires) = common_dates(cx, t, "[[rule]]", name_loc)?;
    let extreme = allow_extreme(cx, t)?;
    let rate_e = cx.required(t, "rate", "[[rule]]", name_loc)?;
    let rate = cx.rate(&rate_e.node, "rate", None, extreme)?;
    let coverage = cx.coverage(t, "rule", &sectors, effective, expires)?;
    let (stacking, exclusive_with, stacking_loc) = stacking(cx, t)?;
    let authority = optional_authority(cx, t)?;
    let mut exporters: Vec<RegionId> = hits.iter().map(|h| h.region).collect();
    exporters.sort_unstable();
    exporters.dedup();
    partial_exporters.sort_by_key(|p| p.exporter);
    let rule = RuleHits {
        name: name.clone(),
        partner: b.regions().code(partner).to_string(),
        flow: match flow {
            Flow::Imports => "imports",
            Flow::Exports => "exports",
            Flow::Trade => "trade",
        }
        .to_string(),
        min_share,
        min_value_usd,
        hits,
        countries_outside: outside,
    };
    Ok((
        Layer {
            coverage,
            partial_exporters,
            name,
            authority,
            origin: LayerOrigin::Rule,
            importers,
            exporters,
            sectors,
            stacking,
            exclusive_with,
            effective,
            expires,
            rate: LayerRate::Schedule {
                steps: vec![Step {
                    from: effective,
                    rate,
                }],
            },
            internal: false,
            stacking_loc,
            exclusive_idx: Vec::new(),
        },
        name_loc,
        rule,
    ))
}
