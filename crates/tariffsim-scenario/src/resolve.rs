//! From a [`Document`] and a [`Baseline`] to a validated [`Scenario`].

use crate::context::{Cx, add_member, array_of_tables};
use crate::date::Date;
use crate::diag::{Loc, did_you_mean};
use crate::document::{Document, Entry, Node, Table, Val, check_keys, list};
use crate::error::{Result, ScenarioError};
use crate::keys::*;
use crate::priors::{MonteCarlo, Priors};
use crate::scenario::{
    ElasticitySpec, Fnv, Layer, LayerOrigin, LayerRate, PartialExporter, RuleHit, RuleHits,
    Scenario, Stacking, Step,
};
use crate::settings::{
    parse_elasticities, parse_macro, parse_monte_carlo, parse_priors, parse_rerouting,
};
use crate::timeline;
use tariffsim_core::{Baseline, Focus, Horizon, MetricCatalog, Model};

pub use crate::context::{RATE_HARD_CAP, RATE_SANITY_CAP, fmt_pct};

const FLOWS: &[&str] = &["imports", "exports", "trade"];
const MODES: &[&str] = &["mirror", "fixed"];

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

/// An array-of-tables section: its key, its allowed keys, and its nested step arrays.
type Section = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static [&'static str])],
);

/// Every unknown key of the file at once (top level, `[[layer]]`, `[[rule]]`, `[[retaliation]]`
/// and their steps), before anything else is read: a key misplaced inside an unknown table
/// (`baseline = ...` after a `[scenario]` header) is named with the table it landed in.
pub(crate) fn lint_keys(doc: &Document) -> Result<()> {
    let mut diags = Vec::new();
    let unknown = |e: &Entry, section: &str, allowed: &[&str]| {
        doc.diag(
            e.key_loc,
            format!(
                "unknown key `{}` in {section}{}",
                e.key,
                did_you_mean(&e.key, allowed.iter().copied())
            ),
        )
        .expected(format!("one of {}", list(allowed)))
    };
    for e in &doc.root.entries {
        if TOP_KEYS.contains(&e.key.as_str()) {
            continue;
        }
        let mut d = unknown(e, "the scenario", TOP_KEYS);
        if let Val::Table(t) = &e.node.val {
            let misplaced: Vec<&str> = t
                .entries
                .iter()
                .map(|x| x.key.as_str())
                .filter(|k| TOP_KEYS.contains(k))
                .collect();
            if !misplaced.is_empty() {
                d = d.hint(format!(
                    "`[{}]` holds {}: top-level keys go before the first `[table]` header (after `[{}]` they belong to that table); remove the `[{}]` line",
                    e.key,
                    list(&misplaced),
                    e.key,
                    e.key
                ));
            }
        }
        diags.push(d);
    }
    let sections: [Section; 3] = [
        (
            "layer",
            LAYER_KEYS,
            &[("step", STEP_KEYS), ("coverage_step", COVERAGE_STEP_KEYS)],
        ),
        ("rule", RULE_KEYS, &[("coverage_step", COVERAGE_STEP_KEYS)]),
        ("retaliation", RETALIATION_KEYS, &[("step", STEP_KEYS)]),
    ];
    for (key, allowed, nested) in sections {
        let Some(Val::Array(items)) = doc.root.get(key).map(|e| &e.node.val) else {
            continue;
        };
        for item in items {
            let Val::Table(t) = &item.val else { continue };
            for e in &t.entries {
                if !allowed.contains(&e.key.as_str()) {
                    diags.push(unknown(e, &format!("[[{key}]]"), allowed));
                    continue;
                }
                let Some((_, inner)) = nested.iter().find(|(n, _)| *n == e.key) else {
                    continue;
                };
                let Val::Array(steps) = &e.node.val else {
                    continue;
                };
                for step in steps {
                    let Val::Table(st) = &step.val else { continue };
                    for x in &st.entries {
                        if !inner.contains(&x.key.as_str()) {
                            diags.push(unknown(x, &format!("[[{key}.{}]]", e.key), inner));
                        }
                    }
                }
            }
        }
    }
    match ScenarioError::from_list(diags) {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

/// Resolves the document against the baseline. `baseline_ref` is what the resolver was given.
pub(crate) fn resolve(doc: &Document, baseline: &Baseline, baseline_ref: &str) -> Result<Scenario> {
    let cx = Cx { doc, baseline };
    let root = &doc.root;
    check_keys(doc, root, "the scenario", TOP_KEYS)?;
    let file_loc = Loc::default();

    let name = match root.get("name") {
        Some(e) => cx.string(e, "a name")?.to_string(),
        None => doc.path().file_stem().map_or_else(
            || "scenario".to_string(),
            |s| s.to_string_lossy().into_owned(),
        ),
    };
    let description = root
        .get("description")
        .map(|e| cx.string(e, "a description").map(str::to_string))
        .transpose()?;

    let model = match root.get("model") {
        None => Model::default(),
        Some(e) => {
            let m = cx.string(e, "a model name")?;
            Model::from_name(m).ok_or_else(|| {
                cx.err_expected(
                    e.node.loc,
                    format!(
                        "unknown model `{m}`{}",
                        did_you_mean(m, Model::NAMES.iter().copied())
                    ),
                    format!("one of {}", list(Model::NAMES)),
                )
            })?
        }
    };

    let horizon = match root.get("horizon") {
        None => Horizon::default(),
        Some(e) => {
            let h = cx.string(e, "a horizon")?;
            Horizon::from_name(h).ok_or_else(|| {
                cx.err_expected(
                    e.node.loc,
                    format!(
                        "unknown horizon `{h}`{}",
                        did_you_mean(h, Horizon::NAMES.iter().copied())
                    ),
                    format!("one of {}", list(Horizon::NAMES)),
                )
            })?
        }
    };

    // Focus.
    let focus_e = cx.required(root, "focus", "the scenario", file_loc)?;
    let ft = cx.table("focus", &focus_e.node, "[focus]", FOCUS_KEYS)?;
    let fi = cx.required(ft, "importer", "[focus]", focus_e.key_loc)?;
    let fc = cx.required(ft, "target", "[focus]", focus_e.key_loc)?;
    let importer = cx.region(fi)?;
    let target = cx.region(fc)?;
    if importer == target {
        return Err(cx.err_expected(
            fc.node.loc,
            "focus target is the focus importer",
            "a different region",
        ));
    }
    let focus = Focus { importer, target };
    let rc = |i: usize| baseline.regions().code(i).to_string();

    // Period.
    let period_e = cx.required(root, "period", "the scenario", file_loc)?;
    let pt = cx.table("period", &period_e.node, "[period]", PERIOD_KEYS)?;
    let start_e = cx.required(pt, "start", "[period]", period_e.key_loc)?;
    let end_e = cx.required(pt, "end", "[period]", period_e.key_loc)?;
    let start = cx.date(start_e)?;
    let end = cx.date(end_e)?;
    if end < start {
        return Err(cx.err_expected(
            end_e.node.loc,
            format!("period ends ({end}) before it starts ({start})"),
            "`end` on or after `start` (both inclusive)",
        ));
    }

    let mut layers = Vec::new();
    let mut name_locs = Vec::new();
    if let Some(e) = root.get("layer") {
        for node in array_of_tables(&cx, e)? {
            let (layer, loc) = parse_layer(&cx, node)?;
            layers.push(layer);
            name_locs.push(loc);
        }
    }
    let mut rules = Vec::new();
    if let Some(e) = root.get("rule") {
        for node in array_of_tables(&cx, e)? {
            let (layer, loc, hits) = parse_rule(&cx, node)?;
            layers.push(layer);
            name_locs.push(loc);
            rules.push(hits);
        }
    }
    if let Some(e) = root.get("retaliation") {
        for node in array_of_tables(&cx, e)? {
            let (layer, loc) = parse_retaliation(&cx, node)?;
            layers.push(layer);
            name_locs.push(loc);
        }
    }
    // Unique names; exclusive_with resolves to indices and is not mutual.
    for k in 0..layers.len() {
        if let Some(first) = layers[..k].iter().position(|l| l.name == layers[k].name) {
            let _ = first;
            return Err(cx.err_expected(
                name_locs[k],
                format!("duplicate layer name `{}`", layers[k].name),
                "names unique across [[layer]], [[rule]] and [[retaliation]]",
            ));
        }
    }
    let names: Vec<String> = layers.iter().map(|l| l.name.clone()).collect();
    for k in 0..layers.len() {
        let mut idx = Vec::new();
        for other in &layers[k].exclusive_with {
            match names.iter().position(|n| n == other) {
                Some(p) if p == k => {
                    return Err(cx.err(
                        layers[k].stacking_loc,
                        format!("layer `{other}` is exclusive with itself"),
                    ));
                }
                Some(p) => idx.push(p),
                None => {
                    return Err(cx.err_expected(
                        layers[k].stacking_loc,
                        format!(
                            "`exclusive_with` names unknown layer `{other}`{}",
                            did_you_mean(other, names.iter().map(String::as_str))
                        ),
                        "names of other layers, rules or retaliations",
                    ));
                }
            }
        }
        layers[k].exclusive_idx = idx;
    }
    for k in 0..layers.len() {
        for &p in &layers[k].exclusive_idx {
            if layers[p].exclusive_idx.contains(&k) {
                return Err(cx.err(
                    layers[k].stacking_loc,
                    format!(
                        "layers `{}` and `{}` are each exclusive with the other",
                        layers[k].name, layers[p].name
                    ),
                ));
            }
        }
    }

    let phases = timeline::build(&cx, &layers, start, end)?;

    let elasticities = match root.get("elasticities") {
        Some(e) => parse_elasticities(&cx, e, model)?,
        None => ElasticitySpec::default(),
    };
    let monte_carlo = match root.get("monte_carlo") {
        Some(e) => parse_monte_carlo(&cx, e)?,
        None => MonteCarlo::default(),
    };
    let priors = match root.get("priors") {
        Some(e) => parse_priors(&cx, e)?,
        None => Priors::default(),
    };
    let macro_growth = root.get("macro").map(|e| parse_macro(&cx, e)).transpose()?;
    let rerouting = root
        .get("rerouting")
        .map(|e| parse_rerouting(&cx, e, &phases))
        .transpose()?;

    let catalog = MetricCatalog::new(baseline, Some(focus));
    let (m, c) = (rc(importer), rc(target));
    let metrics = match root.get("metrics") {
        None => default_metrics(&m, &c),
        Some(e) => {
            let mut out = Vec::new();
            for (name, loc) in cx.strings(e, "metric names")? {
                let on_request = MetricCatalog::new(baseline, Some(focus))
                    .with_extra(baseline, &[name.to_string()])
                    .is_ok();
                if catalog.index_of(name).is_none() && !on_request {
                    return Err(cx.err_expected(
                        loc,
                        format!(
                            "unknown metric `{name}`{}",
                            did_you_mean(name, catalog.names().iter().map(String::as_str))
                        ),
                        format!("a metric name such as `diversion_ratio.{m}.{c}` (see `tariffsim_core::metrics`)"),
                    ));
                }
                out.push(name.to_string());
            }
            out
        }
    };

    let provenance = baseline.provenance();
    let mut scenario = Scenario {
        path: doc.path().to_path_buf(),
        name,
        description,
        baseline: baseline_ref.to_string(),
        baseline_id: format!("{} {}", provenance.name, provenance.version),
        model,
        horizon,
        macro_growth,
        rerouting,
        focus,
        focus_codes: (m, c),
        start,
        end,
        layers,
        rules,
        phases,
        elasticities,
        monte_carlo,
        priors,
        metrics,
        hash: String::new(),
    };
    let mut fnv = Fnv::default();
    serde_json::to_writer(&mut fnv, &scenario)
        .map_err(|e| cx.err(file_loc, format!("cannot hash the scenario: {e}")))?;
    scenario.hash = format!("{:016x}", fnv.0);
    Ok(scenario)
}

/// The metrics reported when the file has no `metrics` key.
#[must_use]
pub fn default_metrics(m: &str, c: &str) -> Vec<String> {
    vec![
        format!("imports.{m}.{c}"),
        format!("imports_pct.{m}.{c}"),
        format!("diversion_ratio.{m}.{c}"),
        format!("deflection_ratio.{m}.{c}"),
        format!("creation.{m}"),
        format!("balance.{m}"),
        format!("balance.{c}"),
        format!("welfare.{m}"),
        format!("welfare.{c}"),
    ]
}

fn name_entry(cx: &Cx<'_>, t: &Table, section: &str, loc: Loc) -> Result<(String, Loc)> {
    let e = cx.required(t, "name", section, loc)?;
    let s = cx.string(e, "a unique name")?;
    if s.trim().is_empty() {
        return Err(cx.err_expected(e.node.loc, "empty name", "a unique, non-empty name"));
    }
    Ok((s.to_string(), e.node.loc))
}

fn common_dates(cx: &Cx<'_>, t: &Table, section: &str, loc: Loc) -> Result<(Date, Option<Date>)> {
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

fn stacking(cx: &Cx<'_>, t: &Table) -> Result<(Stacking, Vec<String>, Loc)> {
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
                    return Err(cx.err_expected(
                        e.node.loc,
                        format!(
                            "unknown stacking `{s}`{}",
                            did_you_mean(s, Stacking::NAMES.iter().copied())
                        ),
                        format!("one of {}", list(Stacking::NAMES)),
                    ));
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
fn optional_authority(cx: &Cx<'_>, t: &Table) -> Result<Option<String>> {
    t.get("authority")
        .map(|e| cx.string(e, "free text").map(str::to_string))
        .transpose()
}

fn allow_extreme(cx: &Cx<'_>, t: &Table) -> Result<bool> {
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

fn parse_layer(cx: &Cx<'_>, node: &Node) -> Result<(Layer, Loc)> {
    let t = cx.table("layer", node, "[[layer]]", LAYER_KEYS)?;
    let (name, name_loc) = name_entry(cx, t, "[[layer]]", node.loc)?;
    let importers = cx.regions(cx.required(t, "importer", "[[layer]]", name_loc)?)?;
    let (exporters, partial_exporters) = cx.exporter_selection(t, name_loc, "[[layer]]")?;
    let sectors = cx.selection(t, "sectors", "except_sectors", true, name_loc, "[[layer]]")?;
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

fn parse_rule(cx: &Cx<'_>, node: &Node) -> Result<(Layer, Loc, RuleHits)> {
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
                return Err(cx.err_expected(
                    e.node.loc,
                    format!(
                        "unknown flow `{other}`{}",
                        did_you_mean(other, FLOWS.iter().copied())
                    ),
                    format!("one of {}", list(FLOWS)),
                ));
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
    let sectors = cx.selection(t, "sectors", "except_sectors", true, name_loc, "[[rule]]")?;
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
    let n = b.n_regions();
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
    for x in (0..n).filter(|_| table.is_none()) {
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
    let mut exporters: Vec<usize> = hits.iter().map(|h| h.region).collect();
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

fn parse_retaliation(cx: &Cx<'_>, node: &Node) -> Result<(Layer, Loc)> {
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
    let sectors = cx.selection(
        t,
        "sectors",
        "except_sectors",
        true,
        name_loc,
        "[[retaliation]]",
    )?;
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
            return Err(cx.err_expected(
                mode_e.node.loc,
                format!(
                    "unknown retaliation mode `{other}`{}",
                    did_you_mean(other, MODES.iter().copied())
                ),
                format!("one of {}", list(MODES)),
            ));
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
