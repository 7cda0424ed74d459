//! `tariffsim run` at central elasticities: per-phase and period metrics in three formats.

use crate::util::{TestDir, repo, run};

#[test]
fn run_json_has_every_phase_and_a_day_weighted_period() {
    let dir = TestDir::new();
    let f = repo().join("scenarios/us_china_2025.toml");
    let r = run(
        &dir,
        &[
            "run",
            &f.display().to_string(),
            "--format",
            "json",
            "--point",
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let v: serde_json::Value = serde_json::from_str(&r.stdout()).expect("json");
    let phases = v["phases"].as_array().expect("phases");
    assert_eq!(phases.len(), 9);
    let days: u64 = phases.iter().map(|p| p["days"].as_u64().unwrap()).sum();
    assert_eq!(days, 365);
    let direct = |p: &serde_json::Value| p["metrics"]["imports.USA.CHN"].as_f64().unwrap();
    // No change before Feb 4; a loss afterwards, deepest at the 145% peak.
    assert!(direct(&phases[0]).abs() < 1e-9);
    // Phases 6 and 7 (Apr 10-11, Apr 12-May 13) are the 145% peak.
    let peak = direct(&phases[5]).min(direct(&phases[6]));
    for p in &phases[1..] {
        assert!(direct(p) < 0.0);
        assert!(direct(p) >= peak - 1e-9);
    }
    // The period figure is the day-weighted mean of the phases.
    let want: f64 = phases
        .iter()
        .map(|p| p["days"].as_f64().unwrap() * direct(p))
        .sum::<f64>()
        / 365.0;
    let got = v["period"]["metrics"]["imports.USA.CHN"].as_f64().unwrap();
    assert!((got - want).abs() < 1e-9 * want.abs(), "{got} vs {want}");
    // Diversion by partner and deflection by destination are reported.
    assert!(v["period"]["metrics"]["diversion.USA.CHN.VNM"].is_f64());
    assert!(v["period"]["metrics"]["deflection.USA.CHN.EU27"].is_f64());
    assert!(v["period"]["metrics"]["welfare.USA"].is_f64());
}

#[test]
fn run_table_and_csv() {
    let dir = TestDir::new();
    let f = repo().join("scenarios/truce_20.toml");
    let r = run(&dir, &["run", &f.display().to_string(), "--point"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let out = r.stdout();
    for needle in [
        "imports.USA.CHN",
        "diversion_ratio.USA.CHN",
        "balance.CHN",
        "period",
        "P1",
    ] {
        assert!(out.contains(needle), "{needle} missing in\n{out}");
    }
    let r = run(
        &dir,
        &[
            "run",
            &f.display().to_string(),
            "--format",
            "csv",
            "--point",
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let out = r.stdout();
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("phase,start,end,days,metric,value"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 6));
    assert!(
        rows.iter()
            .any(|r| r[0] == "period" && r[4] == "imports.USA.CHN")
    );
    assert!(
        rows.iter()
            .all(|r| r[5].parse::<f64>().is_ok_and(f64::is_finite))
    );
}

#[test]
fn run_on_an_invalid_file_exits_2_and_prints_nothing() {
    let dir = TestDir::new();
    let f = repo().join("tests/scenarios/bad/unknown_region.toml");
    let r = run(&dir, &["run", &f.display().to_string()]);
    assert_eq!(r.code(), 2);
    assert!(r.stdout().is_empty());
    assert!(r.stderr().contains("unknown region `CHA`"));
}

/// The two-level `armington` on a baseline whose aggregates (EU27, ROW) trade inside themselves
/// on the diagonal, with a 5% internal ROW tariff, and a layer (`internal = true`) that raises it
/// to 15% from July: the run succeeds end to end, the internal tariff moves ROW's revenue and
/// welfare in the second half (not in the first), and the imports-only model, which has no
/// diagonal source, cannot see it.
#[test]
fn internal_tariff_of_an_aggregate_is_a_shock() {
    let dir = TestDir::new();
    let f = repo().join("tests/scenarios/internal_tariff.toml");
    let point = |file: &std::path::Path| -> serde_json::Value {
        let r = run(
            &dir,
            &[
                "run",
                &file.display().to_string(),
                "--format",
                "json",
                "--point",
            ],
        );
        assert_eq!(r.code(), 0, "{}", r.stderr());
        serde_json::from_str(&r.stdout()).expect("json")
    };
    let v = point(&f);
    let phases = v["phases"].as_array().expect("phases");
    assert_eq!(
        phases.len(),
        2,
        "a phase break when the internal tariff rises"
    );
    let metric = |p: &serde_json::Value, m: &str| p["metrics"][m].as_f64().unwrap();
    // US duty on ROW: imports fall, EU27 gains, in both halves.
    for p in phases {
        assert!(metric(p, "imports.USA.ROW") < -1.0);
        assert!(metric(p, "diversion.USA.ROW.EU27") > 0.0);
    }
    // The internal tariff: ROW collects revenue on 600 of trade inside itself.
    let rev = |p| metric(p, "revenue.ROW");
    assert!(
        rev(&phases[1]) > rev(&phases[0]) + 30.0,
        "{} vs {}",
        rev(&phases[1]),
        rev(&phases[0])
    );
    // Without the internal layer the second half is the first.
    let text = std::fs::read_to_string(&f).expect("scenario");
    let cut = text
        .find("[[layer]]\nname = \"row_internal\"")
        .expect("the internal layer");
    let absolute = repo().join("tests/data/baseline/aggregates");
    let plain = dir.write(
        "plain.toml",
        &text[..cut].replace(
            "\"../data/baseline/aggregates\"",
            &format!("{:?}", absolute.display().to_string()),
        ),
    );
    let w = point(&plain);
    let wp = w["phases"].as_array().expect("phases");
    assert_eq!(wp.len(), 1, "no change in July without the internal layer");
    assert!((rev(&wp[0]) - rev(&phases[0])).abs() < 1e-9 * rev(&phases[0]).abs().max(1.0));
    // The imports-only model holds the diagonal fixed: the internal tariff changes nothing.
    let imports_only = dir.write(
        "imports_only.toml",
        &format!(
            "extends = \"{}\"\nmodel = \"armington-imports\"\n",
            f.display()
        ),
    );
    let u = point(&imports_only);
    let up = u["phases"].as_array().expect("phases");
    assert!((metric(&up[1], "imports.USA.ROW") - metric(&up[0], "imports.USA.ROW")).abs() < 1e-9);
}

/// A rerouting block with `rho = 0` and no rerouting in the baseline is the scenario without it
/// (every reported value to 1e-12 relative); with the cited defaults (`scenarios/us_2025_rerouting.toml`) rerouted values are
/// positive, the conduits' recorded US sales rise against the plain run, and the true-origin
/// change adds the rerouted value back to the recorded direct change.
#[test]
fn rerouting_off_is_the_plain_scenario_and_on_adds_up() {
    let dir = TestDir::new();
    let point = |file: &std::path::Path| -> serde_json::Value {
        let r = run(
            &dir,
            &[
                "run",
                &file.display().to_string(),
                "--format",
                "json",
                "--point",
            ],
        );
        assert_eq!(r.code(), 0, "{}", r.stderr());
        let v: serde_json::Value = serde_json::from_str(&r.stdout()).expect("json");
        v["period"]["metrics"].clone()
    };
    let rr = repo().join("scenarios/us_2025_rerouting.toml");
    // Off: no route response and no rerouting in the baseline (with a `baseline_share` and
    // `rho = 0` the baseline's rerouted goods stay on their route: another model, tested in
    // `tariffsim_core::rerouting`).
    let text = std::fs::read_to_string(&rr)
        .unwrap()
        .replace("rho_log_sd = 0.7\n", "")
        .replace("baseline_share = 0.018\n", "");
    assert!(!text.lines().any(|l| l.starts_with("baseline_share")));
    let off = dir.write(
        "off.toml",
        &text.replace("rho = 1.0", "rho = 0.0").replace(
            "extends = \"us_2025.toml\"",
            &format!(
                "extends = {:?}",
                repo().join("scenarios/us_2025.toml").display().to_string()
            ),
        ),
    );
    let plain = point(&repo().join("scenarios/us_2025.toml"));
    let zero = point(&off);
    for (name, v) in plain.as_object().unwrap() {
        let (a, b) = (v.as_f64().unwrap(), zero[name].as_f64().unwrap());
        assert!(
            (a - b).abs() <= 1e-12 * a.abs().max(1.0),
            "{name}: {a} vs {b}"
        );
    }
    let on = point(&rr);
    let get = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k}"));
    let rerouted: f64 = ["VNM", "ASEAN_OTH", "MEX", "TWN", "KOR"]
        .iter()
        .map(|k| get(&on, &format!("rerouted.CHN.{k}.USA")))
        .sum();
    assert!(rerouted > 0.0);
    assert!(get(&on, "rerouted.CHN.VNM.USA") > 0.0);
    let true_origin = get(&on, "imports_true_origin.USA.CHN");
    assert!((true_origin - (get(&on, "imports.USA.CHN") + rerouted)).abs() < 1e-9);
    assert!(get(&on, "diversion.USA.CHN.VNM") > get(&plain, "diversion.USA.CHN.VNM"));
    // With Viet Nam's baseline rerouting, the first phase (no duty yet) is the baseline exactly:
    // the true-origin baseline's routes come back bit for bit.
    let r = run(
        &dir,
        &[
            "run",
            &rr.display().to_string(),
            "--format",
            "json",
            "--point",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout()).expect("json");
    let first = &v["phases"][0]["metrics"];
    assert!(!first.as_object().unwrap().is_empty());
    for (name, x) in first.as_object().unwrap() {
        assert!(x.as_f64() == Some(0.0), "{name}: {x}");
    }
}

/// `rho_log_sd` draws `rho` in the Monte Carlo: `draws.csv` records `rerouting.rho`, spread
/// around the scenario's `rho` (its median), and the rerouted values vary with it.
#[test]
fn rerouting_rho_is_drawn() {
    let dir = TestDir::new();
    let out = dir.path().join("rr");
    let r = run(
        &dir,
        &[
            "run",
            &repo()
                .join("scenarios/us_2025_rerouting.toml")
                .display()
                .to_string(),
            "--draws",
            "60",
            "--quiet",
            "--out",
            &out.display().to_string(),
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let csv = std::fs::read_to_string(out.join("draws.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "rerouting.rho")
        .expect("rho column");
    let vnm = header
        .iter()
        .position(|h| *h == "rerouted.CHN.VNM.USA")
        .expect("rerouted column");
    let rows: Vec<(f64, f64)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[col].parse().unwrap(), f[vnm].parse().unwrap())
        })
        .collect();
    let rhos: Vec<f64> = rows.iter().map(|r| r.0).collect();
    assert!(
        rhos.iter().any(|&x| x < 0.8) && rhos.iter().any(|&x| x > 1.25),
        "{rhos:?}"
    );
    // More route elasticity, more rerouting.
    let lo = rows.iter().min_by(|a, b| a.0.total_cmp(&b.0)).unwrap();
    let hi = rows.iter().max_by(|a, b| a.0.total_cmp(&b.0)).unwrap();
    assert!(hi.1 > lo.1, "{lo:?} {hi:?}");
}

/// The console fits 100 columns (issue 20): phase columns only when they fit, or with
/// `--verbose`; a note says where the per-phase values are.
#[test]
fn console_output_fits_100_columns() {
    let dir = TestDir::new();
    for file in [
        "us_2025.toml",
        "us_china_2025.toml",
        "us_2025_rerouting.toml",
    ] {
        let path = repo().join("scenarios").join(file);
        let r = run(
            &dir,
            &[
                "run",
                path.to_str().unwrap(),
                "--draws",
                "30",
                "--out",
                &format!("o_{file}"),
            ],
        );
        assert_eq!(r.code(), 0, "{}", r.stderr());
        for line in r.stdout().lines() {
            assert!(
                line.chars().count() <= 100,
                "{file}: {} columns: {line}",
                line.chars().count()
            );
        }
        if file == "us_2025.toml" {
            assert!(
                r.stdout().contains("per-phase values in phases.csv"),
                "{}",
                r.stdout()
            );
        }
    }
    let path = repo().join("scenarios/us_2025.toml");
    let r = run(
        &dir,
        &["run", path.to_str().unwrap(), "--point", "--verbose"],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(r.stdout().contains(" P12 "), "{}", r.stdout());
}

/// Every flag is checked before any work (issue 20): a bad flag exits 2 with nothing on stdout
/// (no point table first) and no run folder.
#[test]
fn bad_flags_fail_before_any_output() {
    let dir = TestDir::new();
    let s = repo().join("scenarios/us_china_2025.toml");
    let s = s.to_str().unwrap();
    for (flags, needle) in [
        (vec!["--sampler", "bogus"], "unknown sampler `bogus`"),
        (vec!["--draws", "0"], "`--draws` must be at least 1"),
        (vec!["--threads", "0"], "`--threads` must be at least 1"),
        (vec!["--shard", "5/4"], "invalid shard `5/4`"),
        (vec!["--max-failure-rate", "2"], "must be in [0, 1]"),
        (vec!["--out", s], "must be a directory"),
    ] {
        for cmd in ["run", "backtest"] {
            let mut args = vec![cmd, s];
            if cmd == "backtest" {
                args.extend(["--observed", "none.csv"]);
            }
            args.extend(flags.iter().copied());
            let r = run(&dir, &args);
            assert_eq!(r.code(), 2, "{cmd} {flags:?}: {}", r.stderr());
            assert!(
                r.stderr().contains(needle),
                "{cmd} {flags:?}: {}",
                r.stderr()
            );
            assert!(
                r.stdout().is_empty(),
                "{cmd} {flags:?} printed: {}",
                r.stdout()
            );
        }
    }
    assert!(!dir.path().join("runs").exists(), "no run folder");
    let r = run(&dir, &["show", s, "--plot", s]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("`--plot") && r.stderr().contains("is a file"),
        "{}",
        r.stderr()
    );
}

/// The library entry point `tariffsim_runner::job::run_scenario` writes the same data files, byte
/// for byte, as `tariffsim run` with the same settings (issue 21: the CLI parses, calls, prints).
#[test]
fn the_library_entry_point_writes_what_the_cli_writes() {
    let dir = TestDir::new();
    let file = repo().join("scenarios/us_china_bilateral_2025.toml");
    let r = run(
        &dir,
        &[
            "run",
            file.to_str().unwrap(),
            "--draws",
            "60",
            "--seed",
            "9",
            "--quiet",
            "--out",
            "cli",
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let (sc, baseline) = tariffsim_scenario::load(&file, tariffsim_data::load).unwrap();
    let mut settings =
        tariffsim_runner::mc::RunSettings::from_scenario(&sc, dir.path().join("lib"));
    settings.draws = 60;
    settings.seed = 9;
    settings.quiet = true;
    let done = tariffsim_runner::job::run_scenario(&sc, &baseline, &settings).unwrap();
    assert_eq!(done.outcome.summary.succeeded, 60);
    assert!(done.point.period("imports_pct.USA.CHN").unwrap() < -20.0);
    for f in [
        "draws.csv",
        "summary.json",
        "summary.csv",
        "phases.csv",
        "timeline.csv",
        "rules.json",
        "manifest.json",
    ] {
        let a = std::fs::read(dir.path().join("cli").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("lib").join(f)).unwrap();
        assert!(a == b, "{f} differs between the CLI and the library");
    }
}
