//! The `[[layer]]` and `[[retaliation]]` sections, and what every tariff section (`[[layer]]`,
//! `[[rule]]`, `[[retaliation]]`) reads alike: its name, dates, stacking, authority and rate
//! schedule.

use crate::context::{Cx, array_of_tables};
use crate::date::Date;
use crate::diag::Loc;
use crate::document::{Node, Table};
use crate::error::Result;
use crate::keys::{LAYER_KEYS, RETALIATION_KEYS, STEP_KEYS};
use crate::scenario::{Layer, LayerOrigin, LayerRate, Stacking, Step};

const MODES: &[&str] = &["mirror", "fixed"];

pub(crate) fn name_entry(cx: &Cx<'_>, t: &Table, section: &str, loc: Loc) -> Result<(String, Loc)> {
    let e = cx.required(t, "name", section, loc)?;
    let s = cx.string(e, "a unique name")?;
    if s.trim().is_empty() {
        return Err(cx.err_expected(e.node.loc, "empty name", "a unique, non-empty name"));
    }
    Ok((s.to_string(), e.node.loc))
}

pub(crate) fn common_dates(
    cx: &Cx<'_>,
    t: &Table,
    section: &str,
    loc: Loc,
) -> Result<(Date, Option<Date>)> {
    let eff_e = cx.required(t, "effective", section, loc)?;
    let effective = cx.date(eff_e)?;
    let expires = match t.get("expires") {
        Some(e) => {
            let x = cx.date(e)?;
            if x <= effective {
                return Err(cx.err_expected(
                    e.node.loc,
                    format!("`expires` ({x}) is not after `effective` ({effective})"),
                    "an expiry date after the effective date (the first day no longer in force)",
                ));
            }
            Some(x)
        }
        None => None,
    };
    Ok((effective, expires))
}

pub(crate) fn stacking(cx: &Cx<'_>, t: &Table) -> Result<(Stacking, Vec<String>, Loc)> {
    let (stacking, loc) = match t.get("stacking") {
        None => (
            Stacking::Add,
            t.get("name").map_or(Loc::default(), |e| e.node.loc),
        ),
        Some(e) => {
            let s = cx.string(e, "`add`, `max`, `replace` or `floor`")?;
            let st = match s {
                "add" => Stacking::Add,
                "max" => Stacking::Max,
                "replace" => Stacking::Replace,
                "floor" => Stacking::Floor,
                _ => {
                    return Err(cx.unknown_name(e.node.loc, "stacking", s, Stacking::NAMES));
                }
            };
            (st, e.node.loc)
        }
    };
    let mut exclusive = Vec::new();
    let mut loc = loc;
    if let Some(e) = t.get("exclusive_with") {
        for (name, _) in cx.strings(e, "layer names")? {
            exclusive.push(name.to_string());
        }
        loc = e.node.loc;
    }
    Ok((stacking, exclusive, loc))
}

/// The optional free-text `authority` of a layer, rule or retaliation (legal basis, source).
pub(crate) fn optional_authority(cx: &Cx<'_>, t: &Table) -> Result<Option<String>> {
    t.get("authority")
        .map(|e| cx.string(e, "free text").map(str::to_string))
        .transpose()
}

pub(crate) fn allow_extreme(cx: &Cx<'_>, t: &Table) -> Result<bool> {
    t.get("allow_extreme").map_or(Ok(false), |e| cx.boolean(e))
}

/// Base rate plus `[[<section>.step]]` entries.
fn schedule(
    cx: &Cx<'_>,
    t: &Table,
    section: &str,
    loc: Loc,
    effective: Date,
    expires: Option<Date>,
    extreme: bool,
) -> Result<Vec<Step>> {
    let rate_e = cx.required(t, "rate", &format!("[[{section}]]"), loc)?;
    let first = cx.rate(&rate_e.node, "rate", None, extreme)?;
    let mut steps = vec![Step {
        from: effective,
        rate: first,
    }];
    if let Some(e) = t.get("step") {
        for node in array_of_tables(cx, e)? {
            let st = cx.table("step", node, &format!("[[{section}.step]]"), STEP_KEYS)?;
            let de = cx.required(st, "date", "a step", node.loc)?;
            let re = cx.required(st, "rate", "a step", node.loc)?;
            let date = cx.date(de)?;
            let prev = steps.last().map_or(effective, |s| s.from);
            if date <= prev {
                return Err(cx.err_expected(
                    de.node.loc,
                    format!("step date {date} is not after the previous change ({prev})"),
                    "step dates after `effective`, in increasing order",
                ));
            }
            if expires.is_some_and(|x| date >= x) {
                return Err(cx.err_expected(
                    de.node.loc,
                    format!("step date {date} is not before `expires`"),
                    "step dates while the layer is in force",
                ));
            }
            let rate = cx.rate(&re.node, "rate", steps.last().map(|s| s.rate), extreme)?;
            steps.push(Step { from: date, rate });
        }
    }
    Ok(steps)
}

pub(crate) fn parse_layer(cx: &Cx<'_>, node: &Node) -> Result<(Layer, Loc)> {
    let t = cx.table("layer", node, "[[layer]]", LAYER_KEYS)?;
    let (name, name_loc) = name_entry(cx, t, "[[layer]]", node.loc)?;
    let importers = cx.regions(cx.required(t, "importer", "[[layer]]", name_loc)?)?;
    let (exporters, partial_exporters) = cx.exporter_selection(t, name_loc, "[[layer]]")?;
    let sectors = cx.sector_selection(t, "sectors", "except_sectors")?;
    let internal = match t.get("internal") {
        None => false,
        Some(e) => cx.boolean(e)?,
    };
    if internal {
        if let Some(&j) = importers.iter().find(|j| !exporters.contains(j)) {
            return Err(cx.err_expected(
                t.get("internal").map_or(name_loc, |e| e.node.loc),
                format!(
                    "`internal = true` but the importer `{}` is not among the exporters",
                    cx.baseline.regions().code(j)
                ),
                "the importer among `exporters` (the layer then also taxes trade inside it)",
            ));
        }
    } else if importers.len() == 1 && exporters == importers {
        return Err(cx.err_expected(
            t.get("exporters").map_or(name_loc, |e| e.node.loc),
            "a layer whose only exporter is its importer taxes no trade",
            "exporters other than the importer, or `internal = true` for a tariff on trade inside an aggregate region",
        ));
    }
    let (effective, expires) = common_dates(cx, t, "[[layer]]", name_loc)?;
    let extreme = allow_extreme(cx, t)?;
    let steps = schedule(cx, t, "layer", name_loc, effective, expires, extreme)?;
    let coverage = cx.coverage(t, "layer", &sectors, effective, expires)?;
    let (stacking, exclusive_with, stacking_loc) = stacking(cx, t)?;
    let authority = optional_authority(cx, t)?;
    Ok((
        Layer {
            coverage,
            partial_exporters,
            name,
            authority,
            origin: LayerOrigin::Layer,
            importers,
            exporters,
            sectors,
            stacking,
            exclusive_with,
            effective,
            expires,
            rate: LayerRate::Schedule { steps },
            internal,
            stacking_loc,
            exclusive_idx: Vec::new(),
        },
        name_loc,
    ))
}

pub(crate) fn parse_retaliation(cx: &Cx<'_>, node: &Node) -> Result<(Layer, Loc)> {
    let t = cx.table("retaliation", node, "[[retaliation]]", RETALIATION_KEYS)?;
    let (name, name_loc) = name_entry(cx, t, "[[retaliation]]", node.loc)?;
    let by = cx.region(cx.required(t, "by", "[[retaliation]]", name_loc)?)?;
    let against_e = cx.required(t, "against", "[[retaliation]]", name_loc)?;
    let against = cx.region(against_e)?;
    if by == against {
        return Err(cx.err_expected(
            against_e.node.loc,
            "a country cannot retaliate against itself",
            "the imposing country",
        ));
    }
    let mode_e = cx.required(t, "mode", "[[retaliation]]", name_loc)?;
    let mode = cx.string(mode_e, "`mirror` or `fixed`")?;
    let sectors = cx.sector_selection(t, "sectors", "except_sectors")?;
    let (effective, expires) = common_dates(cx, t, "[[retaliation]]", name_loc)?;
    let extreme = allow_extreme(cx, t)?;
    let rate = match mode {
        "mirror" => {
            for k in ["rate", "step"] {
                if let Some(e) = t.get(k) {
                    return Err(cx.err_expected(
                        e.key_loc,
                        format!("`{k}` is not used by `mode = \"mirror\"`"),
                        "`cap` (optional) with mirror, or `mode = \"fixed\"` with `rate`",
                    ));
                }
            }
            let cap = t
                .get("cap")
                .map(|e| cx.rate(&e.node, "cap", None, extreme))
                .transpose()?;
            LayerRate::Mirror { cap }
        }
        "fixed" => {
            if let Some(e) = t.get("cap") {
                return Err(cx.err_expected(
                    e.key_loc,
                    "`cap` is only used by `mode = \"mirror\"`",
                    "`rate` (and steps) for a fixed retaliation",
                ));
            }
            LayerRate::Schedule {
                steps: schedule(cx, t, "retaliation", name_loc, effective, expires, extreme)?,
            }
        }
        other => {
            return Err(cx.unknown_name(mode_e.node.loc, "retaliation mode", other, MODES));
        }
    };
    let authority = optional_authority(cx, t)?;
    Ok((
        Layer {
            coverage: Vec::new(),
            partial_exporters: Vec::new(),
            name,
            authority,
            origin: LayerOrigin::Retaliation,
            importers: vec![by],
            exporters: vec![against],
            sectors,
            stacking: Stacking::Add,
            exclusive_with: Vec::new(),
            effective,
            expires,
            rate,
            internal: false,
            stacking_loc: name_loc,
            exclusive_idx: Vec::new(),
        },
        name_loc,
    ))
}
