//! Fuzz target: any bytes as a scenario file must give a `Scenario` or a diagnostic, never a
//! panic. Parsing, `extends` (a second in-memory file, or a missing one), resolution against the
//! embedded `world2024` baseline (so seeds from `scenarios/` resolve fully), the timeline and the
//! rendering of errors are all exercised.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;
use tariffsim_core::Baseline;
use tariffsim_scenario::Document;

fn baseline() -> &'static Baseline {
    static B: OnceLock<Baseline> = OnceLock::new();
    B.get_or_init(|| tariffsim_data::builtin("world2024").expect("embedded baseline"))
}

const PARENT: &str = r#"
baseline = "world2024"
focus = { importer = "USA", target = "CHN" }
period = { start = 2025-01-01, end = 2025-12-31 }
[[layer]]
name = "duty"
importer = "USA"
exporters = ["CHN"]
rate = "20%"
effective = 2025-04-01
"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut read = |p: &Path| -> std::io::Result<String> {
        match p.file_name().and_then(|n| n.to_str()) {
            Some("fuzz.toml") => Ok(text.to_string()),
            Some("parent.toml") => Ok(PARENT.to_string()),
            _ => Err(std::io::Error::new(std::io::ErrorKind::NotFound, "not found")),
        }
    };
    match Document::load_with(Path::new("fuzz.toml"), &mut read) {
        Ok(doc) => {
            let _ = doc.baseline_ref();
            match doc.resolve(baseline()) {
                Ok(s) => {
                    assert!(!s.phases.is_empty());
                    assert_eq!(s.days() as i64, s.end.days_since(s.start) + 1);
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
