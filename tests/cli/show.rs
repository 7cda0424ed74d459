//! `tariffsim show`: phases, focus-pair duties, rule hits and rate tables.

use crate::util::{TestDir, repo, run};

fn show(args: &[&str]) -> (i32, String, String) {
    let dir = TestDir::new();
    let r = run(&dir, args);
    (r.code(), r.stdout(), r.stderr())
}

/// The phase line starting on `start`: (end, USA-on-CHN duty).
fn phase_line<'a>(out: &'a str, start: &str) -> Vec<&'a str> {
    out.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(start))
        .unwrap_or_else(|| panic!("no phase starting {start} in\n{out}"))
        .split_whitespace()
        .collect()
}

#[test]
fn us_china_2025_peak_geneva_and_busan_rates() {
    let f = repo().join("scenarios/us_china_2025.toml");
    let (code, out, err) = show(&["show", &f.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    // Columns: #, start, end, days, USA on CHN, CHN on USA.
    // 145% from Apr 10 to May 13 (China's own rate changes on Apr 12, so two phases).
    let a = phase_line(&out, "2025-04-10");
    assert_eq!(a[4], "145%", "{out}");
    let b = phase_line(&out, "2025-04-12");
    assert_eq!((b[2], b[4], b[5]), ("2025-05-13", "145%", "125%"), "{out}");
    // 30% from May 14, to Nov 9.
    let c = phase_line(&out, "2025-05-14");
    assert_eq!((c[2], c[4], c[5]), ("2025-11-09", "30%", "10%"), "{out}");
    // 20% from Nov 10 to the end of the period.
    let d = phase_line(&out, "2025-11-10");
    assert_eq!((d[2], d[4]), ("2025-12-31", "20%"), "{out}");
    // Nothing before Feb 4.
    let z = phase_line(&out, "2025-01-01");
    assert_eq!((z[2], z[4]), ("2025-02-03", "0%"), "{out}");
}

#[test]
fn show_date_prints_one_rate_table_with_layers() {
    let f = repo().join("scenarios/us_china_2025.toml");
    let (code, out, err) = show(&["show", &f.display().to_string(), "--date", "2025-04-20"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("rates in force").count(), 1, "{out}");
    assert!(
        out.contains("rates in force, phase 7 (2025-04-12 to 2025-05-13)"),
        "{out}"
    );
    let row = out
        .lines()
        .find(|l| l.trim_start().starts_with("USA") && l.contains(" CHN "))
        .expect("USA <- CHN row");
    assert!(row.contains("145%"), "{row}");
    assert!(
        row.contains("ieepa_fentanyl_china + ieepa_reciprocal_china"),
        "{row}"
    );
    let row = out
        .lines()
        .find(|l| l.trim_start().starts_with("CHN") && l.contains(" USA "))
        .expect("CHN <- USA row");
    assert!(
        row.contains("125%") && row.contains("china_counter_tariff"),
        "{row}"
    );
}

#[test]
fn show_lists_the_countries_a_rule_hits() {
    let f = repo().join("scenarios/iran_secondary_25.toml");
    let (code, out, err) = show(&["show", &f.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("iran_secondary_tariff: imports with IRN (share > 1%)"),
        "{out}"
    );
    let hits: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.contains("iran_secondary_tariff:"))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(hits.contains(&"CHN"), "{out}");
    // From the rule's date the US duty on China is 20% + 25%.
    assert_eq!(phase_line(&out, "2026-01-12")[4], "45%", "{out}");
}

#[test]
fn bad_date_and_date_outside_period_are_invalid() {
    let f = repo().join("scenarios/truce_20.toml");
    let f = f.display().to_string();
    let (code, _, err) = show(&["show", &f, "--date", "2025-13-01"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid `--date 2025-13-01`"), "{err}");
    let (code, _, err) = show(&["show", &f, "--date", "2030-01-01"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("outside the scenario period"), "{err}");
}

#[test]
fn post_ruling_variants_inherit_and_override_the_section_122_rate() {
    for (file, rate) in [
        ("scenarios/post_ruling_2026.toml", "10%"),
        ("scenarios/post_ruling_2026_15.toml", "15%"),
    ] {
        let f = repo().join(file);
        let (code, out, err) = show(&["show", &f.display().to_string()]);
        assert_eq!(code, 0, "{err}");
        // IEEPA void from Feb 20: no additional US duty until Section 122 starts on Feb 24.
        assert_eq!(phase_line(&out, "2026-02-20")[4], "0%", "{out}");
        let s122 = phase_line(&out, "2026-02-24");
        assert_eq!(
            (s122[2], s122[3], s122[4]),
            ("2026-07-23", "150", rate),
            "{out}"
        );
        assert_eq!(phase_line(&out, "2026-07-24")[4], "0%", "{out}");
    }
}
