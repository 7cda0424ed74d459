//! From a [`Document`] and a [`Baseline`] to a validated [`Scenario`].

use crate::context::{Cx, array_of_tables};
use crate::diag::{Loc, did_you_mean};
use crate::document::{Document, Entry, Val, check_keys, list};
use crate::error::{Result, ScenarioError};
use crate::keys::*;
use crate::layers::{parse_layer, parse_retaliation};
use crate::priors::{MonteCarlo, Priors};
use crate::rules::parse_rule;
use crate::scenario::{ElasticitySpec, Fnv, Scenario};
use crate::settings::{
    parse_elasticities, parse_macro, parse_monte_carlo, parse_priors, parse_rerouting,
};
use crate::timeline;
use tariffsim_core::{Baseline, Focus, Horizon, MetricCatalog, Model};

pub use crate::context::{RATE_HARD_CAP, RATE_SANITY_CAP, fmt_pct};

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
    for e in crate::baseline::unknown_baseline_keys(doc) {
        let mut d = unknown(e, "[baseline]", BASELINE_KEYS);
        if TOP_KEYS.contains(&e.key.as_str()) {
            d = d.hint(format!(
                "`{}` is a top-level key: top-level keys go before the first `[table]` header (after `[baseline]` they belong to it)",
                e.key
            ));
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

/// Resolves the document against the baseline. `baseline_ref` is what the resolver was given;
/// `sectors` the label of the grouping the baseline was aggregated by, if it was.
pub(crate) fn resolve(
    doc: &Document,
    baseline: &Baseline,
    baseline_ref: &str,
    sectors: Option<&str>,
) -> Result<Scenario> {
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
            Model::from_name(m)
                .ok_or_else(|| cx.unknown_name(e.node.loc, "model", m, Model::NAMES))?
        }
    };

    let horizon = match root.get("horizon") {
        None => Horizon::default(),
        Some(e) => {
            let h = cx.string(e, "a horizon")?;
            Horizon::from_name(h)
                .ok_or_else(|| cx.unknown_name(e.node.loc, "horizon", h, Horizon::NAMES))?
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
    let rc = |i: tariffsim_core::RegionId| baseline.regions().code(i).to_string();

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
        baseline_id: match sectors {
            Some(g) => format!("{} {}, sectors {g}", provenance.name, provenance.version),
            None => format!("{} {}", provenance.name, provenance.version),
        },
        sectors: sectors.map(str::to_string),
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
