//! `tariffsim backtest`: the report's arithmetic on the shipped 2025 case (not the model's
//! success), `--require-coverage`, and bad observed files (clear errors naming the line, exit 2,
//! no run folder written).

use crate::util::{TestDir, repo, run};

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().expect("number")
}

/// The backtest of `scenarios/us_2025.toml` against `backtests/2025/observed.csv`: every
/// scenario-year row's band is the run's own `summary.json` quantiles, its point the period value
/// of the point run, and the flags and scores follow from the numbers.
#[test]
fn report_arithmetic_on_the_2025_case() {
    let dir = TestDir::new();
    let out = dir.path().join("bt");
    let r = run(
        &dir,
        &[
            "backtest",
            &repo().join("scenarios/us_2025.toml").display().to_string(),
            "--observed",
            &repo()
                .join("backtests/2025/observed.csv")
                .display()
                .to_string(),
            "--draws",
            "200",
            "--quiet",
            "--out",
            &out.display().to_string(),
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(r.stdout().contains("coverage"), "{}", r.stdout());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("backtest.json")).unwrap()).unwrap();
    let summary = tariffsim_runner::output::read_summary(&out).unwrap();
    let observed = std::fs::read_to_string(repo().join("backtests/2025/observed.csv")).unwrap();
    let rows = report["rows"].as_array().unwrap();
    let calibration = report["calibration"].as_array().unwrap();
    assert_eq!(rows.len() + calibration.len(), observed.lines().count() - 1);
    let quantiles = |name: &str| {
        let m = summary
            .metrics
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("{name} in summary.json"));
        (m.summary.p5, m.summary.p50, m.summary.p95)
    };
    let (mut inside, mut signed, mut right) = (0, 0, 0);
    let mut abs_err: std::collections::BTreeMap<String, (usize, f64)> = Default::default();
    for row in rows {
        let name = row["metric"].as_str().unwrap();
        let (p5, p50, p95) = quantiles(name);
        assert_eq!(
            (f(&row["p5"]), f(&row["p50"]), f(&row["p95"])),
            (p5, p50, p95),
            "{name}"
        );
        let obs = f(&row["observed"]);
        let is_inside = p5 <= obs && obs <= p95;
        assert_eq!(row["inside"].as_bool().unwrap(), is_inside, "{name}");
        inside += usize::from(is_inside);
        assert!((f(&row["error"]) - (p50 - obs)).abs() < 1e-12, "{name}");
        if let Some(s) = row["sign_agrees"].as_bool() {
            signed += 1;
            right += usize::from(s);
            if !name.contains("_share.") {
                assert_eq!(s, p50 * obs > 0.0, "{name}");
            }
        } else if !name.contains("_share.") {
            assert!(obs == 0.0, "{name}: only an observed 0 has no sign");
        }
        let e = abs_err
            .entry(row["unit"].as_str().unwrap().to_string())
            .or_default();
        e.0 += 1;
        e.1 += (p50 - obs).abs();
    }
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    assert!(close(
        f(&report["coverage"]),
        inside as f64 / rows.len() as f64
    ));
    assert!(close(
        f(&report["sign_hit_rate"]),
        right as f64 / signed as f64
    ));
    for e in report["errors"].as_array().unwrap() {
        let (n, sum) = abs_err[e["unit"].as_str().unwrap()];
        assert_eq!(e["rows"].as_u64().unwrap() as usize, n);
        assert!(close(f(&e["mean_abs_error"]), sum / n as f64));
    }
    // Calibration rows carry the baseline's own value, no band, no sign.
    for row in calibration {
        assert_eq!(row["period"], "2024");
        assert!(row["sign_agrees"].is_null());
        assert!(
            (f(&row["p5"]) - f(&row["p95"])).abs() < 1e-12,
            "a calibration band is a point"
        );
    }
    // The point column is `run --point`'s period value.
    let p = run(
        &dir,
        &[
            "run",
            &repo().join("scenarios/us_2025.toml").display().to_string(),
            "--point",
            "--format",
            "json",
        ],
    );
    assert_eq!(p.code(), 0, "{}", p.stderr());
    let point: serde_json::Value = serde_json::from_str(&p.stdout()).unwrap();
    let want = f(&point["period"]["metrics"]["imports_pct.USA.CHN"]);
    let got = rows
        .iter()
        .find(|r| r["metric"] == "imports_pct.USA.CHN")
        .map(|r| f(&r["point"]))
        .unwrap();
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    for file in [
        "backtest.csv",
        "backtest.png",
        "backtest.svg",
        "report.html",
    ] {
        assert!(out.join(file).is_file(), "{file}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Backtest against observed 2025"));
}

#[test]
fn require_coverage_fails_the_exit_status() {
    let dir = TestDir::new();
    let obs = dir.write(
        "obs.csv",
        "metric,period,value,unit,source\nimports_pct.USA.CHN,2025,-99,%,made up\n",
    );
    let r = run(
        &dir,
        &[
            "backtest",
            &repo()
                .join("scenarios/us_china_2025.toml")
                .display()
                .to_string(),
            "--observed",
            &obs.display().to_string(),
            "--draws",
            "50",
            "--quiet",
            "--out",
            &dir.path().join("o").display().to_string(),
            "--require-coverage",
            "0.5",
        ],
    );
    assert_eq!(r.code(), 1, "{}", r.stderr());
    assert!(
        r.stderr().contains("coverage 0% is below the required 50%"),
        "{}",
        r.stderr()
    );
    // One `error:` prefix (it used to print `error: error: coverage …`).
    assert!(!r.stderr().contains("error: error:"), "{}", r.stderr());
}

#[test]
fn bad_observed_files_are_clear_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "metric,period,value,unit,source\nimports_pct.USA.CHA,2025,-30,%,x\n",
            "obs.csv:2: metric `imports_pct.USA.CHA`",
        ),
        (
            "metric,period,value,unit,source\nimports_pct.USA.CHN,2025,-30,,x\n",
            "obs.csv:2: missing `unit` for `imports_pct.USA.CHN` (expected `%`)",
        ),
        (
            "metric,period,value,unit,source\nimports.USA.CHN,2025,-30,%,x\n",
            "its unit is `USD bn`",
        ),
        (
            "metric,period,value,unit,source\nimports_pct.USA.CHN,2025,-30,%,x\nimports_pct.USA.CHN,2025,-29,%,y\n",
            "obs.csv:3: `imports_pct.USA.CHN` for `2025` again (first on line 2)",
        ),
        (
            "metric,period,value,unit,source\nimports_pct.USA.CHN,2019,-30,%,x\n",
            "period `2019`",
        ),
        (
            "metric,period,value,unit,source\nimports_pct.USA.CHN,2025,abc,%,x\n",
            "obs.csv:2: `value` `abc` is not a finite number",
        ),
        ("metric,value\nx,1\n", "obs.csv:1: header `metric,value`"),
        ("metric,period,value,unit,source\n", "no observed rows"),
    ];
    for (text, want) in cases {
        let dir = TestDir::new();
        let obs = dir.write("obs.csv", text);
        let out = dir.path().join("o");
        let r = run(
            &dir,
            &[
                "backtest",
                &repo()
                    .join("scenarios/us_china_2025.toml")
                    .display()
                    .to_string(),
                "--observed",
                &obs.display().to_string(),
                "--draws",
                "20",
                "--quiet",
                "--out",
                &out.display().to_string(),
            ],
        );
        assert_eq!(r.code(), 2, "{want}: {}", r.stderr());
        assert!(
            r.stderr().contains(want),
            "want `{want}` in: {}",
            r.stderr()
        );
        assert!(!out.exists(), "no run folder for bad input ({want})");
    }
}

/// `[macro]` grows US demand: levels include it, shares hardly move (a uniform growth cancels
/// out of a share). Not exactly: the grown US market weighs more in every exporter's sales, so
/// the tariff's price effects differ a little (measured: 0.002 pp on the total) — the tolerances
/// say so.
#[test]
fn macro_growth_moves_levels_not_shares() {
    let dir = TestDir::new();
    let base = repo().join("scenarios/us_china_2025.toml");
    let grown = dir.write(
        "grown.toml",
        &format!(
            "extends = {:?}\nmetrics = [\"imports_pct.USA\", \"import_share.USA.CHN\", \"imports_pct.USA.CHN\"]\n[macro]\n[[macro.demand]]\nimporter = \"USA\"\ngrowth = \"10%\"\n",
            base.display().to_string()
        ),
    );
    let plain = dir.write(
        "plain.toml",
        &format!(
            "extends = {:?}\nmetrics = [\"imports_pct.USA\", \"import_share.USA.CHN\", \"imports_pct.USA.CHN\"]\n",
            base.display().to_string()
        ),
    );
    let period = |file: &std::path::Path| -> serde_json::Value {
        let r = run(
            &dir,
            &[
                "run",
                &file.display().to_string(),
                "--point",
                "--format",
                "json",
            ],
        );
        assert_eq!(r.code(), 0, "{}", r.stderr());
        let v: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
        v["period"]["metrics"].clone()
    };
    let (g, p) = (period(&grown), period(&plain));
    let share = |v: &serde_json::Value| f(&v["import_share.USA.CHN"]);
    assert!(
        (share(&g) - share(&p)).abs() < 0.01,
        "{} vs {}",
        share(&g),
        share(&p)
    );
    // Levels: (1 + tariff effect) × 1.1 − 1.
    let total = |v: &serde_json::Value| f(&v["imports_pct.USA"]);
    let want = (1.0 + total(&p) / 100.0) * 1.1 * 100.0 - 100.0;
    assert!((total(&g) - want).abs() < 0.05, "{} vs {want}", total(&g));
    assert!(total(&g) > total(&p) + 9.0);
    let china = |v: &serde_json::Value| f(&v["imports_pct.USA.CHN"]);
    assert!(china(&g) > china(&p));
}
