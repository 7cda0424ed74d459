//! The JSON Schema of `tariffsim schema` (`tariffsim_scenario::schema`): every shipped scenario
//! validates against it, files with unknown keys or wrong types do not, and the copy in
//! `docs/scenario.schema.json` is current (`TARIFFSIM_BLESS=1` rewrites it).
//!
//! The validator below implements the part of JSON Schema 2020-12 the schema uses (`type`,
//! `properties`, `additionalProperties`, `required`, `items`, `minItems`, `anyOf`, `enum`,
//! `minimum`, `maximum`, `exclusiveMaximum`, `$ref` to `#/$defs/…`, `if`/`then`/`else` on
//! `required`, `format: date`), so the test needs no validator crate; editors use a full one.

use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// TOML to JSON (dates as their text, as editors see them).
fn to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

fn required(sch: &Value) -> Vec<String> {
    sch.get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn validate(root: &Value, schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    let s = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.strip_prefix("#/$defs/").expect("local refs only");
            &root["$defs"][name]
        }
        None => schema,
    };
    if let Some(t) = s.get("type").and_then(Value::as_str) {
        let ok = match t {
            "string" => v.is_string(),
            "number" => v.is_number(),
            "integer" => v.is_i64() || v.is_u64(),
            "boolean" => v.is_boolean(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            other => panic!("type {other} not handled"),
        };
        if !ok {
            errors.push(format!("{path}: expected {t}, found {v}"));
            return;
        }
    }
    if let Some(options) = s.get("anyOf").and_then(Value::as_array) {
        let any = options.iter().any(|o| {
            let mut e = Vec::new();
            validate(root, o, v, path, &mut e);
            e.is_empty()
        });
        if !any {
            errors.push(format!("{path}: {v} matches none of the allowed forms"));
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errors.push(format!("{path}: {v} is not one of {e:?}"));
    }
    if let Some(x) = v.as_f64() {
        if s.get("minimum")
            .and_then(Value::as_f64)
            .is_some_and(|m| x < m)
        {
            errors.push(format!("{path}: {x} below the minimum"));
        }
        if s.get("maximum")
            .and_then(Value::as_f64)
            .is_some_and(|m| x > m)
        {
            errors.push(format!("{path}: {x} above the maximum"));
        }
        if s.get("exclusiveMaximum")
            .and_then(Value::as_f64)
            .is_some_and(|m| x >= m)
        {
            errors.push(format!("{path}: {x} not below the exclusive maximum"));
        }
    }
    if s.get("format").and_then(Value::as_str) == Some("date")
        && let Some(text) = v.as_str()
        && tariffsim_scenario::Date::parse(text).is_none()
    {
        errors.push(format!("{path}: `{text}` is not a date"));
    }
    if let Some(items) = v.as_array() {
        if s.get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| (items.len() as u64) < m)
        {
            errors.push(format!("{path}: too few items"));
        }
        if let Some(item_schema) = s.get("items") {
            for (k, item) in items.iter().enumerate() {
                validate(root, item_schema, item, &format!("{path}[{k}]"), errors);
            }
        }
    }
    if let Some(obj) = v.as_object() {
        let props = s.get("properties").and_then(Value::as_object);
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(root, ps, val, &format!("{path}.{k}"), errors),
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => errors.push(format!("{path}: unknown key `{k}`")),
                    Some(extra @ Value::Object(_)) => {
                        validate(root, extra, val, &format!("{path}.{k}"), errors);
                    }
                    _ => {}
                },
            }
        }
        let mut needed = required(s);
        if let Some(cond) = s.get("if") {
            let holds = required(cond).iter().all(|k| obj.contains_key(k));
            if let Some(b) = if holds { s.get("then") } else { s.get("else") } {
                needed.extend(required(b));
            }
        }
        for k in needed {
            if !obj.contains_key(&k) {
                errors.push(format!("{path}: missing `{k}`"));
            }
        }
    }
}

fn check(text: &str) -> Vec<String> {
    let schema = tariffsim_scenario::schema::json_schema();
    let doc: toml::Value = toml::from_str(text).expect("valid TOML");
    let mut errors = Vec::new();
    validate(&schema, &schema, &to_json(&doc), "$", &mut errors);
    errors
}

#[test]
fn every_shipped_scenario_validates() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.push(repo().join("tests/scenarios/us_2025_claims2024.toml"));
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for f in files {
        let errors = check(&std::fs::read_to_string(&f).unwrap());
        assert!(errors.is_empty(), "{}: {errors:#?}", f.display());
    }
}

#[test]
fn the_schema_rejects_what_the_parser_rejects() {
    let head = "baseline = \"world2024\"\n[focus]\nimporter = \"USA\"\ntarget = \"CHN\"\n[period]\nstart = 2025-01-01\nend = 2025-12-31\n";
    for (body, needle) in [
        (
            "[[layer]]\nname = \"a\"\nimportr = \"USA\"\n",
            "unknown key `importr`",
        ),
        ("model = \"armingtn\"\n", "is not one of"),
        ("[monte_carlo]\ndraws = \"many\"\n", "expected integer"),
        ("[[layer]]\nname = \"a\"\ncoverage = 1.5\n", "matches none"),
        (
            "[[layer]]\nname = \"a\"\nstacking = \"flor\"\n",
            "is not one of",
        ),
        (
            "[priors.sigma]\ndist = \"lognormal\"\nmedain = 2\n",
            "unknown key `medain`",
        ),
        ("[period]\nstart = \"2025-13-01\"\n", "is not a date"),
    ] {
        // Keys after a [table] header belong to it: top-level keys go first.
        let text = if body.starts_with("[period]") {
            format!("baseline = \"world2024\"\n{body}")
        } else if body.starts_with('[') {
            format!("{head}{body}")
        } else {
            format!("{body}{head}")
        };
        let errors = check(&text);
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "{body}: {errors:?}"
        );
    }
    // A file without `extends` needs baseline, focus and period; one with it does not.
    assert!(
        check("name = \"x\"\n")
            .iter()
            .any(|e| e.contains("missing `baseline`"))
    );
    assert!(check("extends = \"a.toml\"\nname = \"x\"\n").is_empty());
}

#[test]
fn baseline_is_a_name_or_a_table_with_sectors() {
    let rest = "[focus]\nimporter = \"USA\"\ntarget = \"CHN\"\n[period]\nstart = 2025-01-01\nend = 2025-12-31\n";
    for table in [
        "name = \"world2024\"\nsectors = \"coarse13\"\n",
        "name = \"world2024\"\nsectors = [\"AGRI_FOOD\", \"PHARMA\"]\n",
    ] {
        let errors = check(&format!("{rest}[baseline]\n{table}"));
        assert!(errors.is_empty(), "{table}: {errors:?}");
    }
    // `baseline` is a string or the table: a bad table matches neither form.
    for table in [
        "name = \"world2024\"\nsector = \"coarse13\"\n",
        "name = \"world2024\"\nsectors = 5\n",
        "name = 5\n",
    ] {
        let errors = check(&format!("{rest}[baseline]\n{table}"));
        assert!(
            errors
                .iter()
                .any(|e| e.contains("$.baseline") && e.contains("matches none")),
            "{table}: {errors:?}"
        );
    }
}

#[test]
fn the_documented_schema_is_current() {
    let path = repo().join("docs/scenario.schema.json");
    let want = format!(
        "{}\n",
        serde_json::to_string_pretty(&tariffsim_scenario::schema::json_schema()).unwrap()
    );
    if std::env::var_os("TARIFFSIM_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/scenario.schema.json is stale: `tariffsim schema > docs/scenario.schema.json` (or TARIFFSIM_BLESS=1 cargo test -p tariffsim-scenario --test schema)"
    );
}
