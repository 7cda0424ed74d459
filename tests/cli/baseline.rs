//! `tariffsim baseline list|show|export|synth`, and the bad-file corpus in `tests/data/baseline/`.

use crate::util::{TestDir, repo, run};

fn corpus(name: &str) -> String {
    repo()
        .join("tests/data/baseline")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn list_names_world2024() {
    let dir = TestDir::new();
    let r = run(&dir, &["baseline", "list"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(
        r.stdout()
            .contains("world2024\tversion 2024.8, year 2024, 19 regions x 22 sectors")
    );
}

#[test]
fn show_world2024_table_and_json() {
    let dir = TestDir::new();
    let r = run(&dir, &["baseline", "show", "world2024", "--top", "3"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let out = r.stdout();
    assert!(
        out.contains("baseline world2024 (version 2024.8, year 2024)"),
        "{out}"
    );
    assert!(out.contains("group ASEAN = VNM + ASEAN_OTH"), "{out}");
    assert!(
        out.contains("group BASE_METALS = IRON_STEEL + NONFERROUS_METALS"),
        "{out}"
    );
    assert!(out.contains("USITC annual tariff database 2024"), "{out}");
    let chn = out
        .lines()
        .find(|l| l.starts_with("CHN "))
        .expect("CHN row");
    let cols: Vec<f64> = chn
        .split_whitespace()
        .skip(1)
        .take(3)
        .map(|x| x.parse().unwrap())
        .collect();
    assert!(
        (cols[0] - 3580.0).abs() < 1.0 && (cols[2] - 990.0).abs() < 5.0,
        "{chn}"
    );
    let flows = out
        .split("largest flows")
        .nth(1)
        .expect("largest flows section");
    assert_eq!(
        flows
            .lines()
            .filter(|l| l.starts_with("  ") && l.contains(" -> "))
            .count(),
        3,
        "{flows}"
    );

    let r = run(&dir, &["baseline", "show", "world2024", "--format", "json"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let v: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(v["provenance"]["name"], "world2024");
    assert_eq!(v["regions"].as_array().unwrap().len(), 19);
    let r = run(&dir, &["baseline", "show", "world2024", "--format", "xml"]);
    assert_eq!(r.code(), 2);
}

#[test]
fn export_round_trips_byte_for_byte() {
    let dir = TestDir::new();
    let r = run(&dir, &["baseline", "export", "world2024", "--out", "a"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let r = run(&dir, &["baseline", "export", "a", "--out", "b"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    for f in [
        "flows.csv",
        "regions.csv",
        "sectors.csv",
        "provenance.csv",
        "members.csv",
    ] {
        let a = std::fs::read(dir.path().join("a").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("b").join(f)).unwrap();
        assert!(a == b, "{f} differs after export -> load -> export");
        let embedded =
            std::fs::read(repo().join("crates/tariffsim-data/data/world2024").join(f)).unwrap();
        assert!(a == embedded, "{f} differs from the embedded table");
    }
    // No temporary files left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path().join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
}

#[test]
fn synth_is_deterministic_and_loadable() {
    let dir = TestDir::new();
    for out in ["s1", "s2"] {
        let r = run(
            &dir,
            &[
                "baseline",
                "synth",
                "--regions",
                "6",
                "--sectors",
                "2",
                "--seed",
                "9",
                "--out",
                out,
            ],
        );
        assert_eq!(r.code(), 0, "{}", r.stderr());
    }
    let a = std::fs::read(dir.path().join("s1/flows.csv")).unwrap();
    let b = std::fs::read(dir.path().join("s2/flows.csv")).unwrap();
    assert!(a == b);
    let r = run(&dir, &["baseline", "show", "s1"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(r.stdout().contains("R006"));
    let r = run(
        &dir,
        &[
            "baseline",
            "synth",
            "--regions",
            "1",
            "--sectors",
            "2",
            "--out",
            "bad",
        ],
    );
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("at least 2 regions"), "{}", r.stderr());
    assert!(!dir.path().join("bad").exists());
}

#[test]
fn baci_is_aggregated_to_regions_and_sectors() {
    let dir = TestDir::new();
    let r = run(
        &dir,
        &[
            "baseline",
            "export",
            &corpus("baci_small.csv"),
            "--countries",
            &corpus("countries.csv"),
            "--out",
            "b",
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let flows = std::fs::read_to_string(dir.path().join("b/flows.csv")).unwrap();
    // thousands of USD -> USD; HKG (344) is inside CHN; CHN -> HKG is intra-regional and dropped.
    for line in [
        "CHN,USA,ELECTRICAL_EQUIP,1500500,0",
        "CHN,USA,ELECTRONICS,200000,0",
        "USA,CHN,AGRI_FOOD,300250,0",
        "VNM,USA,TEXTILE_APPAREL,50000,0",
        "MEX,USA,MOTOR_VEHICLES,1000000,0",
        "CHN,VNM,ELECTRONICS,80000,0",
        "USA,VNM,AGRI_FOOD,10000,0", // 5-digit code 30490 read as 030490 (fish)
    ] {
        assert!(
            flows.lines().any(|l| l == line),
            "missing `{line}` in\n{flows}"
        );
    }
    assert_eq!(flows.lines().count(), 8, "{flows}");
    let prov = std::fs::read_to_string(dir.path().join("b/provenance.csv")).unwrap();
    assert!(prov.contains("year,2022"), "{prov}");
    assert!(
        prov.contains("intra-regional flows dropped: 999000 USD"),
        "{prov}"
    );
}

/// Each bad input gives exit 2, the expected message, and no output directory.
#[test]
fn bad_files_give_clear_errors() {
    let cases: &[(&[&str], &str)] = &[
        (&["missing_column.csv"], ":1: missing column `sector`"),
        (
            &["unknown_column.csv"],
            "unknown column `valeu_usd` (did you mean `value_usd`?)",
        ),
        (
            &["non_numeric.csv"],
            "non_numeric.csv:3: column `value_usd`: `abc` is not a number",
        ),
        (
            &["negative.csv"],
            ":2: column `value_usd`: negative flow -5",
        ),
        (
            &["duplicate.csv"],
            ":4: duplicate cell exporter USA, importer CHN, sector GOODS (first given on line 2)",
        ),
        (&["nan.csv"], "`NaN` is not a finite number"),
        (
            &["tariff_range.csv"],
            "column `tariff`: tariff 25 is out of range",
        ),
        (
            &["bad_code.csv"],
            "column `exporter`: `usa` is not a valid code",
        ),
        (
            &["ragged.csv"],
            ":3: expected 4 fields as in the header, found 3",
        ),
        (
            &["empty.csv"],
            "empty file: expected a header `exporter,importer,sector,value_usd`",
        ),
        (
            &["header_only.csv"],
            "no flows: the file has a header but no records",
        ),
        (
            &["domestic_missing.csv"],
            "domestic sales missing for region CHN in sector GOODS",
        ),
        (&["one_region.csv"], "only one region (USA)"),
        (
            &["huge_flow.csv"],
            "huge_flow.csv:2: column `value_usd`: flow 1e308 USD is above 1e15",
        ),
        (&["unknown_region"], "unknown region `CHA` (not in"),
        (&["unknown_region"], "did you mean `CHN`?"),
        (
            &["dup_region"],
            "regions.csv:3: column `code`: duplicate region `USA`",
        ),
        (
            &["bad_provenance"],
            "provenance.csv:3: column `value`: year `x` is not an integer",
        ),
        (
            &["baci_header.csv", "countries.csv"],
            "not a BACI header: expected `t,i,j,k,v,q`",
        ),
        (
            &["baci_unknown_country.csv", "countries.csv"],
            ":3: column `i`: country code 999 is not in the country mapping",
        ),
        (
            &["baci_chapter99.csv", "countries.csv"],
            "HS product 999999 (chapter 99) has no tariffsim goods sector",
        ),
        (
            &["baci_negative.csv", "countries.csv"],
            "column `v`: value -3 must be a finite number >= 0",
        ),
        (
            &["baci_two_years.csv", "countries.csv"],
            ":3: column `t`: year 2023 differs from 2022 (line 2)",
        ),
        (
            &["baci_small.csv", "baci_bad_map.csv"],
            "baci_bad_map.csv:2: column `code`: country code `CN` is not a non-negative integer",
        ),
        (
            &["baci_bad_product.csv", "countries.csv"],
            ":3: column `k`: product `8507601` is not an HS6 code",
        ),
        (&["baci_small.csv"], "is a CEPII BACI file"),
        (&["no_such_file.csv"], "no such file or directory"),
    ];
    for (files, expected) in cases {
        let dir = TestDir::new();
        let mut args = vec![
            "baseline".to_string(),
            "export".to_string(),
            corpus(files[0]),
        ];
        if let Some(map) = files.get(1) {
            args.extend(["--countries".to_string(), corpus(map)]);
        }
        args.extend(["--out".to_string(), "out".to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&dir, &args);
        assert_eq!(r.code(), 2, "{files:?}: exit {}\n{}", r.code(), r.stderr());
        assert!(
            r.stderr().contains(expected),
            "{files:?}: expected `{expected}` in\n{}",
            r.stderr()
        );
        assert!(!r.stderr().contains("panicked"), "{}", r.stderr());
        assert!(!dir.path().join("out").exists(), "{files:?} left output");
    }
}

#[test]
fn unknown_builtin_suggests_the_nearest() {
    let dir = TestDir::new();
    let r = run(&dir, &["baseline", "show", "world2042"]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("did you mean `world2024`?"),
        "{}",
        r.stderr()
    );
    assert!(
        r.stderr().contains("builtin baselines: world2024"),
        "{}",
        r.stderr()
    );
}
