//! `--sectors` (and `[baseline] sectors`): the baseline's sectors aggregated before the scenario
//! is read, recorded in the run's manifest; a bad grouping is invalid input (exit 2).

use crate::util::{TestDir, repo, run};

fn us_china() -> String {
    repo()
        .join("scenarios/us_china_2025.toml")
        .display()
        .to_string()
}

/// A small CSV baseline with a sector group (METALS = IRON_STEEL + NONFERROUS), domestic sales
/// on the diagonal, and a scenario on it whose layer names `sectors`.
fn grouped_baseline(dir: &TestDir, layer_sectors: &str) -> String {
    dir.write(
        "b/sectors.csv",
        "code,name,description,groups\nAGRI,Agriculture,,\nIRON_STEEL,Iron and steel,,METALS\nNONFERROUS,Non-ferrous metals,,METALS\n",
    );
    dir.write(
        "b/provenance.csv",
        "key,value\nname,sectors-test\nversion,1\nyear,2024\nsource,hand-made for the --sectors end-to-end test\n",
    );
    let regions = ["USA", "CHN", "MEX"];
    let mut flows = String::from("exporter,importer,sector,value_usd,tariff\n");
    for (s, sector) in ["AGRI", "IRON_STEEL", "NONFERROUS"].iter().enumerate() {
        for (i, e) in regions.iter().enumerate() {
            for (j, m) in regions.iter().enumerate() {
                let (value, tariff) = if i == j {
                    (500e9 * (1 + s) as f64, 0.0)
                } else {
                    (1e9 * (3 + i + 2 * j + s) as f64, 0.02 * (1 + s) as f64)
                };
                flows.push_str(&format!("{e},{m},{sector},{value},{tariff}\n"));
            }
        }
    }
    dir.write("b/flows.csv", &flows);
    dir.write(
        "s.toml",
        &format!(
            r#"baseline = "./b"
[focus]
importer = "USA"
target = "CHN"
[period]
start = 2025-01-01
end = 2025-12-31
[[layer]]
name = "steel"
importer = "USA"
exporters = "CHN"
sectors = "{layer_sectors}"
rate = "25%"
effective = 2025-03-12
"#
        ),
    )
    .display()
    .to_string()
}

#[test]
fn a_run_on_coarse13_records_the_grouping_in_its_manifest() {
    let dir = TestDir::new();
    let file = us_china();
    let r = run(
        &dir,
        &[
            "run",
            &file,
            "--sectors",
            "coarse13",
            "--draws",
            "8",
            "--seed",
            "3",
            "--quiet",
            "--out",
            "o",
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(
        r.stdout().contains(", sectors coarse13 |"),
        "{}",
        r.stdout()
    );
    let text = std::fs::read_to_string(dir.path().join("o/manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(manifest["run"]["sectors"], "coarse13", "{text}");
    let sources = manifest["run"]["baseline"]["sources"].as_array().unwrap();
    assert!(
        sources.iter().any(|s| s
            .as_str()
            .is_some_and(|s| s.starts_with("sectors aggregated: coarse13 ("))),
        "{text}"
    );
    // Without it, the manifest has no `sectors`.
    let r = run(
        &dir,
        &["run", &file, "--draws", "8", "--quiet", "--out", "p"],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let text = std::fs::read_to_string(dir.path().join("p/manifest.json")).unwrap();
    assert!(!text.contains("\"sectors\""), "{text}");
}

#[test]
fn an_unknown_grouping_is_invalid_input() {
    let dir = TestDir::new();
    let file = us_china();
    for args in [
        vec!["check", file.as_str(), "--sectors", "NOPE"],
        vec!["run", file.as_str(), "--point", "--sectors", "NOPE"],
        vec!["run", file.as_str(), "--point", "--sectors", "coarse14"],
    ] {
        let r = run(&dir, &args);
        let err = r.stderr();
        assert_eq!(r.code(), 2, "{args:?}: {err}");
        assert!(r.stdout().is_empty() || args[0] == "run", "{}", r.stdout());
        assert!(
            err.starts_with("error: cannot aggregate the sectors of baseline `world2024` to `"),
            "{err}"
        );
        assert!(
            err.contains("neither a named grouping (`coarse13`) nor a sector or sector group"),
            "{err}"
        );
        assert!(err.contains("us_china_2025.toml"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A near miss gets a suggestion.
    let r = run(&dir, &["check", &file, "--sectors", "coarse14"]);
    assert!(
        r.stderr().contains("did you mean `coarse13`?"),
        "{}",
        r.stderr()
    );
}

#[test]
fn groups_of_a_finer_baseline_become_sectors_and_fine_codes_are_unknown() {
    let dir = TestDir::new();
    let file = grouped_baseline(&dir, "METALS");
    // Without --sectors, METALS is a group of the fine sectors; with it, one sector.
    let r = run(&dir, &["run", &file, "--point"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let r = run(&dir, &["run", &file, "--point", "--sectors", "AGRI,METALS"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(
        r.stdout()
            .contains("baseline sectors-test 1, sectors AGRI,METALS |"),
        "{}",
        r.stdout()
    );
    // A layer naming a fine sector is an unknown sector of the aggregated baseline, located.
    let file = grouped_baseline(&dir, "IRON_STEEL");
    let r = run(&dir, &["check", &file]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let r = run(&dir, &["check", &file, "--sectors", "AGRI,METALS"]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    let err = r.stderr();
    assert!(err.contains("error: unknown sector `IRON_STEEL`"), "{err}");
    assert!(err.contains("s.toml:12:11"), "{err}");
    // A grouping that leaves a sector out names it.
    let r = run(&dir, &["check", &file, "--sectors", "METALS"]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(
        r.stderr().contains("leaves out sector `AGRI`"),
        "{}",
        r.stderr()
    );
}

/// A grouping file (`sector,group[,name]`, a sector group standing for its members) aggregates
/// to groups the baseline does not have; relative to the scenario file in `[baseline] sectors`,
/// to the working directory on the command line. Its errors name the file, line and column.
#[test]
fn a_grouping_file_defines_new_sectors_and_its_errors_are_located() {
    let dir = TestDir::new();
    let file = grouped_baseline(&dir, "STEEL_ALU");
    // The name is optional per row; blank lines and lines of spaces are skipped.
    dir.write(
        "g.csv",
        "sector,group,name\nAGRI,FARM\n   \n\nMETALS,STEEL_ALU,Steel and aluminium\n",
    );
    let grouping = dir.path().join("g.csv").display().to_string();
    let r = run(&dir, &["run", &file, "--point", "--sectors", &grouping]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(r.stdout().contains("g.csv |"), "{}", r.stdout());
    // The same from the file, relative to it.
    let text = std::fs::read_to_string(&file).unwrap();
    dir.write(
        "s2.toml",
        &text.replace(
            "baseline = \"./b\"",
            "[baseline]\nname = \"./b\"\nsectors = \"g.csv\"",
        ),
    );
    let s2 = dir.path().join("s2.toml").display().to_string();
    let r = run(&dir, &["check", &s2]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    // Without the grouping, STEEL_ALU is unknown.
    let r = run(&dir, &["check", &file]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    // An unknown sector on line 3, column 1; a sector grouped twice; a missing sector.
    for (body, needle) in [
        (
            "sector,group\nAGRI,FARM\nIRON_STEL,STEEL_ALU\n",
            "g2.csv:3:1",
        ),
        (
            "sector,group\nAGRI,FARM\nMETALS,STEEL_ALU\nIRON_STEEL,X\n",
            "grouped twice (first on line 3)",
        ),
        ("sector,group\nAGRI,FARM\n", "leaves out sector"),
        ("sectr,group\nAGRI,FARM\n", "lacks `sector` or `group`"),
        // CRLF: the line numbers stay right.
        (
            "sector,group\r\nAGRI,FARM\r\nIRON_STEL,STEEL_ALU\r\n",
            "g2.csv:3:1",
        ),
        // A group named after a sector may hold only that sector.
        (
            "sector,group\nAGRI,IRON_STEEL\nMETALS,X\n",
            "is a sector of the baseline, but this row puts `AGRI` in it",
        ),
    ] {
        dir.write("g2.csv", body);
        let g2 = dir.path().join("g2.csv").display().to_string();
        let r = run(&dir, &["check", &file, "--sectors", &g2]);
        assert_eq!(r.code(), 2, "{body}: {}", r.stderr());
        assert!(r.stderr().contains(needle), "{body}: {}", r.stderr());
        assert!(!r.stderr().contains("panicked"), "{}", r.stderr());
    }
    // An upper-case extension is a file too.
    std::fs::copy(dir.path().join("g.csv"), dir.path().join("G.CSV")).unwrap();
    let upper = dir.path().join("G.CSV").display().to_string();
    let r = run(&dir, &["run", &file, "--point", "--sectors", &upper]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let r = run(&dir, &["check", &file, "--sectors", "missing/g.csv"]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(
        r.stderr().contains("cannot read the sector grouping file"),
        "{}",
        r.stderr()
    );
}
