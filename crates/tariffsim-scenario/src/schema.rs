//! A JSON Schema of the scenario language, for editors (Even Better TOML / taplo complete and
//! validate TOML against a JSON Schema): `tariffsim schema > scenario.schema.json`.
//!
//! The sections and their keys come from the same lists the parser checks keys against
//! (`keys::TOP_KEYS`, `LAYER_KEYS`, …); this module gives each key its type and a one-line
//! description. A key the parser accepts without an entry here fails the test
//! `every_parser_key_has_a_schema_entry`, and every shipped scenario validates against the schema
//! (`tests/cli/schema.rs`). The schema checks shapes (types, required keys, unknown keys, names
//! of models, samplers, distributions); values that need the baseline (region and sector codes,
//! dates in order) are checked by `tariffsim check`.

use crate::keys::{
    BASELINE_KEYS, CONDUIT_KEYS, COVERAGE_STEP_KEYS, ELASTICITY_KEYS, ELASTICITY_OVERRIDE_KEYS,
    FOCUS_KEYS, LAYER_KEYS, MACRO_DEMAND_KEYS, MACRO_KEYS, MONTE_CARLO_KEYS, PENALTY_KEYS,
    PERIOD_KEYS, REROUTING_KEYS, RETALIATION_KEYS, RULE_KEYS, STEP_KEYS, TOP_KEYS,
};
use crate::priors::{Dist, PriorFamily, Sampler};
use crate::scenario::Stacking;
use serde_json::{Map, Value, json};
use tariffsim_core::{Horizon, Model, SupplyScope};

/// A section: its name (as in diagnostics), its keys (the parser's list) and the required ones.
/// Array-of-tables sections require only `name`: a file that `extends` another may list a parent's
/// layer by name with one key changed.
struct Section {
    name: &'static str,
    keys: &'static [&'static str],
    required: &'static [&'static str],
}

const SECTIONS: &[Section] = &[
    Section {
        name: "scenario",
        keys: TOP_KEYS,
        required: &[],
    },
    Section {
        name: "baseline",
        keys: BASELINE_KEYS,
        required: &[],
    },
    Section {
        name: "focus",
        keys: FOCUS_KEYS,
        required: &["importer", "target"],
    },
    Section {
        name: "period",
        keys: PERIOD_KEYS,
        required: &["start", "end"],
    },
    Section {
        name: "layer",
        keys: LAYER_KEYS,
        required: &["name"],
    },
    Section {
        name: "step",
        keys: STEP_KEYS,
        required: &["date", "rate"],
    },
    Section {
        name: "coverage_step",
        keys: COVERAGE_STEP_KEYS,
        required: &["date", "coverage"],
    },
    Section {
        name: "rule",
        keys: RULE_KEYS,
        required: &["name"],
    },
    Section {
        name: "retaliation",
        keys: RETALIATION_KEYS,
        required: &["name"],
    },
    Section {
        name: "elasticities",
        keys: ELASTICITY_KEYS,
        required: &[],
    },
    Section {
        name: "elasticity_override",
        keys: ELASTICITY_OVERRIDE_KEYS,
        required: &[],
    },
    Section {
        name: "monte_carlo",
        keys: MONTE_CARLO_KEYS,
        required: &[],
    },
    Section {
        name: "macro",
        keys: MACRO_KEYS,
        required: &["demand"],
    },
    Section {
        name: "macro_demand",
        keys: MACRO_DEMAND_KEYS,
        required: &["importer", "growth"],
    },
    Section {
        name: "rerouting",
        keys: REROUTING_KEYS,
        required: &["origin", "destination", "rho"],
    },
    Section {
        name: "conduit",
        keys: CONDUIT_KEYS,
        required: &["region", "kappa", "capacity"],
    },
    Section {
        name: "penalty",
        keys: PENALTY_KEYS,
        required: &["rate", "effective", "enforcement"],
    },
];

fn codes(what: &str) -> Value {
    json!({
        "description": format!("{what}: a code, a group of the baseline or \"*\", or an array of them"),
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}, "minItems": 1}
        ]
    })
}

fn date(what: &str) -> Value {
    json!({"description": format!("{what} (YYYY-MM-DD)"), "type": "string", "format": "date"})
}

fn rate(what: &str) -> Value {
    json!({
        "description": format!("{what}: a fraction (0.25) or a string (\"25%\", \"+10pp\" in steps)"),
        "anyOf": [{"type": "number"}, {"type": "string"}]
    })
}

fn number(what: &str) -> Value {
    json!({"description": what, "type": "number"})
}

fn string(what: &str) -> Value {
    json!({"description": what, "type": "string"})
}

fn one_of(what: &str, names: &[&str]) -> Value {
    json!({"description": what, "type": "string", "enum": names})
}

fn tables(section: &str) -> Value {
    json!({"type": "array", "items": {"$ref": format!("#/$defs/{section}")}})
}

fn coverage() -> Value {
    json!({
        "description": "share of each selected cell's trade the layer applies to: a number in [0, 1] or a table of shares by sector code or sector group (a sector's own key wins over its groups) with \"*\" for the rest",
        "anyOf": [
            {"type": "number", "minimum": 0, "maximum": 1},
            {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}}
        ]
    })
}

fn elasticity() -> Value {
    json!({
        "description": "a value (number, or \"inf\" for eps)",
        "anyOf": [{"type": "number"}, {"type": "string", "enum": ["inf", "+inf"]}]
    })
}

/// The type of `key` in `section`, or `None` when this module does not know it (a test fails).
fn key_type(section: &str, key: &str) -> Option<Value> {
    Some(match (section, key) {
        ("scenario", "extends") => {
            string("a parent scenario file (relative path) whose keys this one overrides")
        }
        ("scenario", "name") => string("scenario name (default: the file name)"),
        ("scenario", "description") => string("free text"),
        ("scenario", "baseline") => json!({
            "description": "a builtin baseline (\"world2024\") or a path to a baseline folder or CSV; or a table with its `name` and the `sectors` to aggregate it to",
            "anyOf": [{"type": "string"}, {"$ref": "#/$defs/baseline"}]
        }),
        ("baseline", "name") => string(
            "a builtin baseline (\"world2024\") or a path to a baseline folder or CSV (default: the parent file's)",
        ),
        ("baseline", "sectors") => json!({
            "description": "sectors to aggregate the baseline to before the file is read: a named grouping (\"coarse13\"), sector and sector-group codes (a comma-separated string or an array), or a grouping file (a .csv path relative to this file: sector,group[,name])",
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}, "minItems": 1}
            ]
        }),
        ("scenario", "model") => one_of("the model", Model::NAMES),
        ("scenario", "horizon") => one_of("elasticity horizon", Horizon::NAMES),
        ("scenario", "focus") => json!({"$ref": "#/$defs/focus"}),
        ("scenario", "period") => json!({"$ref": "#/$defs/period"}),
        ("scenario", "layer") => tables("layer"),
        ("scenario", "rule") => tables("rule"),
        ("scenario", "retaliation") => tables("retaliation"),
        ("scenario", "elasticities") => json!({"$ref": "#/$defs/elasticities"}),
        ("scenario", "monte_carlo") => json!({"$ref": "#/$defs/monte_carlo"}),
        ("scenario", "priors") => json!({"$ref": "#/$defs/priors"}),
        ("scenario", "metrics") => {
            json!({"description": "metric names (docs/metrics.md)", "type": "array", "items": {"type": "string"}})
        }
        ("scenario", "macro") => json!({"$ref": "#/$defs/macro"}),
        ("scenario", "rerouting") => json!({"$ref": "#/$defs/rerouting"}),
        ("focus", "importer") => string("focus importer (a region code)"),
        ("focus", "target") => string("target exporter (a region code)"),
        ("period", "start") => date("first day"),
        ("period", "end") => date("last day, inclusive"),
        ("layer" | "rule" | "retaliation", "name") => string("unique name"),
        ("layer" | "rule" | "retaliation", "authority") => string("legal basis, free text"),
        ("layer" | "rule", "importer") => codes("importer(s) levying the duty"),
        ("layer", "exporters") => {
            codes("exporters (regions, groups, \"*\" or countries inside aggregates)")
        }
        ("layer", "except") => codes("exporters removed"),
        ("layer" | "rule" | "retaliation" | "macro_demand" | "elasticity_override", "sectors") => {
            codes("sectors")
        }
        ("layer" | "rule" | "retaliation", "except_sectors") => codes("sectors removed"),
        ("layer" | "rule" | "retaliation", "rate") => rate("the rate"),
        ("layer" | "retaliation", "step") => tables("step"),
        ("layer" | "rule" | "retaliation", "effective") => date("first day in force"),
        ("layer" | "rule" | "retaliation", "expires") => date("first day no longer in force"),
        ("layer" | "rule", "stacking") => one_of("how the layer combines", Stacking::NAMES),
        ("layer" | "rule", "exclusive_with") => {
            json!({"description": "names of layers this one displaces", "type": "array", "items": {"type": "string"}})
        }
        ("layer" | "rule" | "retaliation", "allow_extreme") => {
            json!({"description": "accept rates above 300%", "type": "boolean"})
        }
        ("layer", "internal") => {
            json!({"description": "also tax trade inside an aggregate importer", "type": "boolean"})
        }
        ("layer" | "rule", "coverage") => coverage(),
        ("layer" | "rule", "coverage_step") => tables("coverage_step"),
        ("step" | "coverage_step", "date") => date("first day of the change"),
        ("step", "rate") => rate("the new rate"),
        ("coverage_step", "coverage") => coverage(),
        ("rule", "partner") => string("the country whose trade triggers the rule (a region code)"),
        ("rule", "flow") => one_of("trade counted", &["imports", "exports", "trade"]),
        ("rule", "min_share") => {
            json!({"description": "share threshold in [0, 1)", "type": "number", "minimum": 0, "exclusiveMaximum": 1})
        }
        ("rule", "min_value_usd") => {
            json!({"description": "value threshold, USD", "type": "number", "minimum": 0})
        }
        ("rule", "include") => codes("countries always hit"),
        ("rule", "except") => codes("countries never hit"),
        ("rule", "countries") => {
            string("a country-level CSV (iso3,value_usd,total_usd) to evaluate the thresholds on")
        }
        ("retaliation", "by") => string("the retaliating country (a region code)"),
        ("retaliation", "against") => string("the imposing country (a region code)"),
        ("retaliation", "mode") => one_of(
            "mirror the imposer's duty or a fixed rate",
            &["mirror", "fixed"],
        ),
        ("retaliation", "cap") => rate("mirror only: the largest rate"),
        ("elasticities", "supply") => one_of(
            "which sales each exporter's supply curve covers: \"exports\" (default; home sales at an unchanged price) or \"all-sales\"",
            SupplyScope::NAMES,
        ),
        ("elasticities" | "elasticity_override", "sigma" | "sigma_d" | "eta" | "eps") => {
            elasticity()
        }
        ("elasticities", "override") => tables("elasticity_override"),
        ("elasticity_override", "importers") => codes("importers (sigma, sigma_d, eta)"),
        ("elasticity_override", "exporters") => codes("exporters (eps)"),
        ("monte_carlo", "draws") => {
            json!({"description": "number of draws", "type": "integer", "minimum": 1})
        }
        ("monte_carlo", "seed") => {
            json!({"description": "random seed", "type": "integer", "minimum": 0})
        }
        ("monte_carlo", "sampler") => one_of("sampler", Sampler::NAMES),
        ("monte_carlo", "max_failure_rate") => {
            json!({"description": "largest share of failed draws accepted", "type": "number", "minimum": 0, "maximum": 1})
        }
        ("monte_carlo", "correlation") => {
            json!({"description": "correlation of the elasticity draws within a family", "type": "number", "minimum": 0, "maximum": 1})
        }
        ("macro", "demand") => tables("macro_demand"),
        ("macro_demand", "importer") => codes("importer(s) whose demand grows"),
        ("macro_demand", "growth") => rate("demand growth (above -100%)"),
        ("macro_demand" | "rerouting" | "conduit" | "penalty", "source") => {
            string("where the numbers come from")
        }
        ("rerouting", "origin") => string("origin of rerouted goods (a region code)"),
        ("rerouting", "destination") => string("destination (a region code)"),
        ("rerouting", "rho") => number("route elasticity >= 0"),
        ("rerouting", "rho_log_sd" | "kappa_log_sd" | "capacity_log_sd") => {
            json!({"description": "log-sd of a lognormal Monte Carlo prior, in [0, 3]", "type": "number", "minimum": 0, "maximum": 3})
        }
        ("rerouting", "conduit") => tables("conduit"),
        ("rerouting", "penalty") => tables("penalty"),
        ("conduit", "region") => string("conduit (a region code)"),
        ("conduit", "kappa") => rate("ad valorem cost of the route"),
        ("conduit", "capacity") => number(
            "most rerouted value, a multiple of the conduit's own baseline sales to the destination",
        ),
        ("conduit", "baseline_share") => rate(
            "share in [0, 1) of the conduit's baseline sales to the destination that is the origin's goods rerouted (default 0)",
        ),
        ("penalty", "rate") => rate("penalty rate on rerouted goods"),
        ("penalty", "effective") => date("first day in force (a phase boundary)"),
        ("penalty", "enforcement") => {
            json!({"description": "share of rerouted goods caught", "type": "number", "minimum": 0, "maximum": 1})
        }
        _ => return None,
    })
}

/// Keys of a section without a type here (empty when the schema is complete).
#[must_use]
pub fn missing_entries() -> Vec<String> {
    SECTIONS
        .iter()
        .flat_map(|s| {
            s.keys
                .iter()
                .filter(|k| key_type(s.name, k).is_none())
                .map(move |k| format!("{}.{k}", s.name))
        })
        .collect()
}

fn section_schema(s: &Section) -> Value {
    let mut props = Map::new();
    for k in s.keys {
        props.insert(
            (*k).to_string(),
            key_type(s.name, k).unwrap_or_else(|| json!({})),
        );
    }
    let mut o = Map::new();
    o.insert("type".into(), json!("object"));
    o.insert("properties".into(), Value::Object(props));
    o.insert("additionalProperties".into(), json!(false));
    if !s.required.is_empty() {
        o.insert("required".into(), json!(s.required));
    }
    Value::Object(o)
}

/// A prior family's table: `dist` and the parameters of every distribution, and overrides.
fn prior_schema(family: &str) -> Value {
    let mut params = Map::new();
    params.insert("dist".into(), one_of("distribution", Dist::NAMES));
    for name in Dist::NAMES {
        for p in Dist::params(name).unwrap_or(&[]) {
            params.insert(
                (*p).to_string(),
                json!({"description": "distribution parameter", "anyOf": [{"type": "number"}, {"type": "string", "enum": ["inf", "+inf"]}]}),
            );
        }
    }
    let mut over = params.clone();
    over.insert("sectors".into(), codes("sectors"));
    let region_key = if family == "eps" {
        "exporters"
    } else {
        "importers"
    };
    over.insert(region_key.into(), codes(region_key));
    params.insert(
        "override".into(),
        json!({"type": "array", "items": {"type": "object", "properties": over, "additionalProperties": false, "required": ["dist"]}}),
    );
    json!({"type": "object", "properties": params, "additionalProperties": false, "required": ["dist"]})
}

/// The JSON Schema (draft 2020-12) of a scenario file.
#[must_use]
pub fn json_schema() -> Value {
    let mut defs = Map::new();
    for s in SECTIONS.iter().filter(|s| s.name != "scenario") {
        defs.insert(s.name.to_string(), section_schema(s));
    }
    let mut priors = Map::new();
    for family in PriorFamily::NAMES {
        priors.insert((*family).to_string(), prior_schema(family));
    }
    defs.insert(
        "priors".into(),
        json!({"type": "object", "properties": priors, "additionalProperties": false}),
    );
    let mut root = section_schema(&SECTIONS[0]);
    let obj = root.as_object_mut().expect("an object");
    obj.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    obj.insert(
        "$id".into(),
        json!("https://github.com/tariffsim/tariffsim/scenario.schema.json"),
    );
    obj.insert("title".into(), json!("tariffsim scenario"));
    obj.insert(
        "description".into(),
        json!("A tariffsim scenario file (docs/scenarios.md). Generated by `tariffsim schema`."),
    );
    obj.insert("$defs".into(), Value::Object(defs));
    // A file with `extends` inherits the rest from its parent; otherwise these are required.
    obj.insert("if".into(), json!({"required": ["extends"]}));
    obj.insert("then".into(), json!({}));
    obj.insert(
        "else".into(),
        json!({"required": ["baseline", "focus", "period"]}),
    );
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parser_key_has_a_schema_entry() {
        assert_eq!(missing_entries(), Vec::<String>::new());
    }
}
