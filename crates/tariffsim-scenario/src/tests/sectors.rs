//! Sector groups in `coverage` tables, and `[baseline] sectors` (aggregating the baseline's
//! sectors before the file is resolved), on a baseline with sector groups.

use super::*;
use tariffsim_core::Sector;

/// USA, CHN and VNM (with member THA); four sectors, with two overlapping groups: METALS =
/// IRON_STEEL + NONFERROUS and HARD = IRON_STEEL + ELECTRONICS.
fn grouped() -> Baseline {
    let regions = RegionSet::from_codes(&["USA", "CHN", "VNM"]).unwrap();
    let sector = |code: &str| Sector {
        code: code.into(),
        name: code.into(),
        description: String::new(),
    };
    let sectors = SectorSet::new(
        ["AGRI", "IRON_STEEL", "NONFERROUS", "ELECTRONICS"]
            .map(sector)
            .to_vec(),
        vec![
            Group {
                code: "METALS".into(),
                members: vec![1, 2].into_iter().map(SectorId::from_index).collect(),
            },
            Group {
                code: "HARD".into(),
                members: vec![1, 3].into_iter().map(SectorId::from_index).collect(),
            },
        ],
    )
    .unwrap();
    let (n, ns) = (3, 4);
    let mut flows = vec![0.0; n * n * ns];
    for s in 0..ns {
        for i in 0..n {
            for j in (0..n).filter(|&j| j != i) {
                flows[(s * n + i) * n + j] = 1e9 * (1 + i + 2 * j + 3 * s) as f64;
            }
        }
    }
    let tariffs = (0..n * n * ns).map(|k| 0.01 * (k % 4) as f64).collect();
    Baseline::new(
        regions,
        sectors,
        flows,
        tariffs,
        false,
        Provenance {
            name: "grouped".into(),
            version: "1".into(),
            year: 2024,
            sources: vec![],
        },
    )
    .unwrap()
    .with_members(vec![tariffsim_core::Member {
        code: "THA".into(),
        name: "Thailand".into(),
        region: tariffsim_core::RegionId::from_index(2),
        export_shares: (0..n * ns).map(|k| 0.1 + 0.05 * (k % 3) as f64).collect(),
    }])
    .unwrap()
}

use super::TOP;

/// `body` after a `baseline = "grouped"` head, resolved against [`grouped`] as given.
fn on_grouped(body: &str) -> Result<Scenario> {
    let text = format!("baseline = \"grouped\"{TOP}{body}");
    Document::from_text(Path::new("g.toml"), &text)?.resolve(&grouped())
}

/// The layer's coverage shares by sector.
fn shares(coverage: &str) -> Vec<f64> {
    let sc = on_grouped(&one_layer(&format!("coverage = {coverage}"))).unwrap();
    sc.layers[0].coverage[0].shares.clone()
}

fn coverage_err(coverage: &str) -> Diagnostic {
    match on_grouped(&one_layer(&format!("coverage = {coverage}"))) {
        Ok(_) => panic!("expected an error for {coverage}"),
        Err(e) => e.diagnostic().clone(),
    }
}

#[test]
fn a_group_in_coverage_sets_each_member() {
    assert_eq!(
        shares(r#"{ METALS = 0.5, "*" = 1.0 }"#),
        [1.0, 0.5, 0.5, 1.0]
    );
    // Groups that overlap but agree are fine.
    assert_eq!(
        shares(r#"{ METALS = 0.5, HARD = 0.5, "*" = 0.25 }"#),
        [0.25, 0.5, 0.5, 0.5]
    );
}

#[test]
fn a_sector_key_wins_over_its_groups_in_any_order() {
    let want = [1.0, 0.25, 0.5, 1.0];
    assert_eq!(
        shares(r#"{ IRON_STEEL = 0.25, METALS = 0.5, "*" = 1 }"#),
        want
    );
    assert_eq!(
        shares(r#"{ METALS = 0.5, IRON_STEEL = 0.25, "*" = 1 }"#),
        want
    );
    // Its own key also settles a disagreement of two groups.
    assert_eq!(
        shares(r#"{ METALS = 0.5, HARD = 0.75, IRON_STEEL = 0.125, "*" = 1 }"#),
        [1.0, 0.125, 0.5, 0.75]
    );
}

#[test]
fn overlapping_groups_that_disagree_are_an_error_at_the_later_one() {
    let e = coverage_err(r#"{ METALS = 0.5, "*" = 1, HARD = 0.75 }"#);
    assert!(
        e.message
            .contains("`HARD` gives sector IRON_STEEL a coverage of 0.75")
            && e.message.contains("`METALS`"),
        "{}",
        e.message
    );
    // Located at the key `HARD`.
    assert!(e.line > 0 && e.line_text.starts_with("coverage = "), "{e}");
    assert_eq!(e.line_text.find("HARD").map(|c| c + 1), Some(e.column));
    assert!(e.hint.unwrap_or_default().contains("IRON_STEEL = share"));
}

#[test]
fn unknown_coverage_keys_suggest_codes_and_groups() {
    let e = coverage_err(r#"{ METAL = 0.5, "*" = 1 }"#);
    assert!(e.message.contains("did you mean `METALS`"), "{}", e.message);
    let e = coverage_err(r#"{ IRON_STEL = 0.5, "*" = 1 }"#);
    assert!(
        e.message.contains("did you mean `IRON_STEEL`"),
        "{}",
        e.message
    );
    // Every selected sector still needs a share.
    let e = coverage_err("{ METALS = 0.5 }");
    assert!(
        e.message.contains("no share for sectors AGRI, ELECTRONICS"),
        "{}",
        e.message
    );
}

// ---- [baseline] sectors ---------------------------------------------------------------------

fn files_with(main: &str, parent: Option<&str>) -> HashMap<PathBuf, String> {
    let mut m = files(&[("s.toml", main)]);
    if let Some(p) = parent {
        m.insert(PathBuf::from("parent.toml"), p.to_string());
    }
    m
}

fn load_grouped(
    map: &HashMap<PathBuf, String>,
    options: &LoadOptions,
) -> Result<(Scenario, Baseline)> {
    let mut read = |p: &Path| {
        map.get(p)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    };
    let doc = Document::load_with(Path::new("s.toml"), &mut read)?;
    doc.resolve_with(options, |name| {
        if name == "grouped" {
            Ok(grouped())
        } else {
            Err(format!("no baseline `{name}`"))
        }
    })
}

/// A file with `[baseline]` (name and `sectors`) and `body`.
fn with_sectors(sectors: &str, body: &str) -> String {
    format!("{TOP}{body}\n[baseline]\nname = \"grouped\"\nsectors = {sectors}\n")
}

fn codes(b: &Baseline) -> Vec<String> {
    b.sectors()
        .sectors()
        .iter()
        .map(|s| s.code.clone())
        .collect()
}

fn load_err(text: &str, options: &LoadOptions) -> Diagnostic {
    match load_grouped(&files_with(text, None), options) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.diagnostic().clone(),
    }
}

#[test]
fn baseline_sectors_aggregate_before_the_layers_are_read() {
    let layer = one_layer("sectors = \"METALS\"");
    for spec in [
        r#""AGRI, METALS, ELECTRONICS""#,
        r#"["AGRI", "METALS", "ELECTRONICS"]"#,
    ] {
        let text = with_sectors(spec, &layer);
        let (sc, b) = load_grouped(&files_with(&text, None), &LoadOptions::default()).unwrap();
        assert_eq!(codes(&b), ["AGRI", "METALS", "ELECTRONICS"]);
        assert_eq!(
            sc.sectors.as_deref(),
            Some("AGRI,METALS,ELECTRONICS"),
            "{spec}"
        );
        assert!(
            sc.baseline_id
                .ends_with(", sectors AGRI,METALS,ELECTRONICS")
        );
        assert_eq!(sc.baseline, "grouped");
        // The layer's METALS is the aggregated sector 1; the member's shares came along.
        assert!(
            sc.layers[0].sectors == [SectorId::from_index(1)],
            "{:?}",
            sc.layers[0].sectors
        );
        assert_eq!(b.members().len(), 1);
        assert!(
            b.provenance()
                .sources
                .iter()
                .any(|s| s.starts_with("sectors aggregated: AGRI,METALS,ELECTRONICS"))
        );
    }
    // A fine sector is unknown on the aggregated baseline, with the usual location.
    let text = with_sectors(
        "\"AGRI,METALS,ELECTRONICS\"",
        &one_layer("sectors = \"IRON_STEEL\""),
    );
    let e = load_err(&text, &LoadOptions::default());
    assert!(
        e.message.contains("unknown sector `IRON_STEEL`"),
        "{}",
        e.message
    );
    assert!(e.line > 0 && e.line_text.contains("IRON_STEEL"), "{e}");
}

#[test]
fn the_override_replaces_the_file_key_and_none_leaves_the_baseline_alone() {
    let text = with_sectors("\"AGRI,IRON_STEEL,NONFERROUS,ELECTRONICS\"", "");
    let options = LoadOptions {
        sectors: Some("AGRI,METALS,ELECTRONICS".into()),
    };
    let (sc, b) = load_grouped(&files_with(&text, None), &options).unwrap();
    assert_eq!(codes(&b), ["AGRI", "METALS", "ELECTRONICS"]);
    assert_eq!(sc.sectors.as_deref(), Some("AGRI,METALS,ELECTRONICS"));
    // The override applies to a file without the key too.
    let plain = format!("baseline = \"grouped\"{TOP}");
    let (sc, b) = load_grouped(&files_with(&plain, None), &options).unwrap();
    assert_eq!(b.n_sectors(), 3);
    assert_eq!(sc.sectors.as_deref(), Some("AGRI,METALS,ELECTRONICS"));
    // Without either, the baseline is used as it is and the hash is that of `resolve`.
    let (sc, b) = load_grouped(&files_with(&plain, None), &LoadOptions::default()).unwrap();
    assert_eq!(b, grouped());
    assert_eq!(sc.sectors, None);
    let direct = Document::from_text(Path::new("s.toml"), &plain)
        .unwrap()
        .resolve(&grouped())
        .unwrap();
    assert_eq!(sc.hash, direct.hash);
}

#[test]
fn a_child_may_add_sectors_to_its_parents_baseline() {
    let parent = format!("baseline = \"grouped\"{TOP}");
    let child = "extends = \"parent.toml\"\n[baseline]\nsectors = \"AGRI,METALS,ELECTRONICS\"\n";
    let (sc, b) = load_grouped(&files_with(child, Some(&parent)), &LoadOptions::default()).unwrap();
    assert_eq!(b.n_sectors(), 3);
    assert_eq!(sc.baseline, "grouped");
    // A `[baseline]` with neither a name nor a parent's is an error.
    let e = load_err(
        &format!("{TOP}[baseline]\nsectors = \"AGRI\"\n"),
        &LoadOptions::default(),
    );
    assert!(
        e.message.contains("missing key `name` in [baseline]"),
        "{}",
        e.message
    );
}

#[test]
fn bad_sectors_are_located_errors() {
    let none = LoadOptions::default();
    for (spec, needle, at) in [
        (
            "\"NOPE\"",
            "unknown sectors `NOPE`: neither a named grouping (`coarse13`)",
            "\"NOPE\"",
        ),
        (
            "\"AGRI,METALS\"",
            "leaves out sector `ELECTRONICS`",
            "\"AGRI",
        ),
        (
            "\"AGRI,METALS,HARD\"",
            "puts sector `IRON_STEEL` in both `METALS` and `HARD`",
            "\"AGRI",
        ),
        (
            "[\"AGRI\", \"METAL\", \"ELECTRONICS\"]",
            "unknown sector `METAL` in sectors `AGRI,METAL,ELECTRONICS`; did you mean `METALS`?",
            "\"METAL\"",
        ),
        ("\"AGRI,,METALS\"", "empty code", "\"AGRI"),
        (
            "5",
            "`sectors` must be a string or an array of strings",
            "5",
        ),
        ("[]", "found an empty array", "[]"),
    ] {
        let e = load_err(&with_sectors(spec, ""), &none);
        assert!(e.message.contains(needle), "{spec}: {}", e.message);
        assert!(e.line > 0, "{spec}: {e}");
        let col = e.line_text.find(at).map(|c| c + 1);
        assert_eq!(col, Some(e.column), "{spec}: {e}");
    }
    // An unknown key of [baseline], with a suggestion.
    let text = format!("{TOP}[baseline]\nname = \"grouped\"\nsector = \"AGRI\"\n");
    let e = load_err(&text, &none);
    assert!(
        e.message
            .contains("unknown key `sector` in [baseline]; did you mean `sectors`?"),
        "{}",
        e.message
    );
}

#[test]
fn a_bad_override_names_the_file_and_the_grouping() {
    let plain = format!("baseline = \"grouped\"{TOP}");
    for (spec, needle) in [
        (
            "NOPE",
            "unknown sectors `NOPE`: neither a named grouping (`coarse13`)",
        ),
        (
            "coarse13",
            "unknown sector `AGRI_FOOD` in sectors `coarse13`",
        ),
        ("AGRI,METALS", "leaves out sector `ELECTRONICS`"),
    ] {
        let options = LoadOptions {
            sectors: Some(spec.into()),
        };
        let e = load_err(&plain, &options);
        assert!(e.message.contains(needle), "{spec}: {}", e.message);
        assert!(e.to_string().contains("--> s.toml"), "{e}");
        assert!(e.expected.unwrap_or_default().contains("coarse13"));
    }
}
