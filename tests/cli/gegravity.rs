//! `tariffsim gegravity`: gegravity's OneSectorGE from a data file, checked against gegravity
//! 0.3's own output on the repository fixture (tests/peers/gegravity), and its input errors.

use crate::util::{TestDir, repo, run};

fn fixture() -> String {
    repo()
        .join("tests/peers/gegravity/data/synthetic_gravity.csv")
        .display()
        .to_string()
}

const COSTS: [&str; 6] = [
    "lndist=-0.85",
    "contiguity=0.45",
    "common_language=0.25",
    "pta=0.38",
    "international=-2.9",
    "constant=12.5",
];

fn args<'a>(data: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "gegravity",
        "--data",
        data,
        "--year",
        "2024",
        "--sigma",
        "6",
    ];
    v.extend(["--reference", "FRA"]);
    for c in COSTS {
        v.extend(["--cost", c]);
    }
    v.extend(extra);
    v
}

/// Reads `country -> column` from a country_results.csv.
fn column(path: &std::path::Path, name: &str) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let c = header.iter().position(|h| *h == name).unwrap();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[c].parse().unwrap())
        })
        .collect()
}

#[test]
fn tariff_145_matches_gegravity_and_writes_results() {
    let dir = TestDir::new();
    let data = fixture();
    let r = run(
        &dir,
        &args(&data, &["--tariff", "CHN,USA,1.45", "--out", "res"]),
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(r.stdout().contains("gegravity-compat: 16 countries"));
    let ours = column(
        &dir.path().join("res/country_results.csv"),
        "factory gate price change (percent)",
    );
    let expected = column(
        &repo().join("tests/peers/gegravity/expected/tariff145_chn_usa/country_results.csv"),
        "factory gate price change (percent)",
    );
    assert_eq!(ours.len(), 16);
    for ((c1, a), (c2, b)) in ours.iter().zip(&expected) {
        assert_eq!(c1, c2);
        // gegravity's accuracy: 1e-5 percentage points (SPEC §6).
        assert!((a - b).abs() < 1e-5, "{c1}: {a} vs {b}");
    }
    let bilateral =
        std::fs::read_to_string(dir.path().join("res/bilateral_trade_results.csv")).unwrap();
    assert_eq!(bilateral.lines().count(), 1 + 256);
    assert!(!dir.path().join("res/country_results.csv.tmp").exists());
}

#[test]
fn set_changes_a_cost_variable() {
    let dir = TestDir::new();
    let data = fixture();
    let r = run(
        &dir,
        &args(
            &data,
            &[
                "--set",
                "BRA,MEX,pta=1",
                "--set",
                "MEX,BRA,pta=1",
                "--out",
                "o",
            ],
        ),
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let ours = column(
        &dir.path().join("o/country_results.csv"),
        "welfare statistic",
    );
    let expected = column(
        &repo().join("tests/peers/gegravity/expected/pta_bra_mex/country_results.csv"),
        "welfare statistic",
    );
    for ((c, a), (_, b)) in ours.iter().zip(&expected) {
        assert!((a / b - 1.0).abs() < 1e-7, "{c}: {a} vs {b}");
    }
}

#[test]
fn bad_inputs_exit_2_with_a_clear_message() {
    let dir = TestDir::new();
    let data = fixture();
    // Missing file.
    let r = run(&dir, &args("nope.csv", &[]));
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("cannot read data file `nope.csv`"),
        "{}",
        r.stderr()
    );
    // Non-square data: drop one pair.
    let text = std::fs::read_to_string(&data).unwrap();
    let cut: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("CHN,USA,"))
        .collect();
    let p = dir.write("cut.csv", &cut.join("\n"));
    let r = run(&dir, &args(p.to_str().unwrap(), &[]));
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr()
            .contains("no row for exporter CHN -> importer USA"),
        "{}",
        r.stderr()
    );
    assert!(r.stderr().contains("square"), "{}", r.stderr());
    // A malformed number names file, line and column.
    let bad = text.replacen("213215.36199999999", "2x3", 1);
    let p = dir.write("bad.csv", &bad);
    let r = run(&dir, &args(p.to_str().unwrap(), &[]));
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("bad.csv:2: column `Y`"),
        "{}",
        r.stderr()
    );
    // Non-positive output.
    let zero = text.replace(",213215.36199999999,", ",0,");
    let p = dir.write("zero.csv", &zero);
    let r = run(&dir, &args(p.to_str().unwrap(), &[]));
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(
        r.stderr().contains("output 0 at country ARG"),
        "{}",
        r.stderr()
    );
    // Unknown country in a counterfactual, unknown reference.
    let r = run(&dir, &args(&data, &["--tariff", "CHA,USA,0.1"]));
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("unknown country `CHA`"),
        "{}",
        r.stderr()
    );
    let mut a = args(&data, &[]);
    a[8] = "XXX";
    let r = run(&dir, &a);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("`XXX`"), "{}", r.stderr());
    assert!(!dir.path().join("o").exists());
}
