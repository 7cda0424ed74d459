//! `tariffsim run` Monte Carlo, `merge` and `compare` end to end: determinism across threads
//! and shards, merge checks, interrupted runs, a golden hash of the first draws.

use crate::util::{TestDir, repo, run};
use std::path::Path;

fn scenario(name: &str) -> String {
    repo().join("scenarios").join(name).display().to_string()
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

/// FNV-1a 64: a stable hash for the golden test.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn mc(dir: &TestDir, out: &str, extra: &[&str]) -> crate::util::Run {
    let file = scenario("us_china_2025.toml");
    let mut args = vec!["run", file.as_str(), "--quiet", "--out", out];
    args.extend_from_slice(extra);
    let r = run(dir, &args);
    assert_eq!(r.code(), 0, "stderr: {}", r.stderr());
    r
}

#[test]
fn threads_and_shards_give_identical_files() {
    let dir = TestDir::new();
    mc(
        &dir,
        "t1",
        &["--draws", "24", "--seed", "7", "--threads", "1"],
    );
    mc(
        &dir,
        "t2",
        &["--draws", "24", "--seed", "7", "--threads", "2"],
    );
    mc(
        &dir,
        "t4",
        &["--draws", "24", "--seed", "7", "--threads", "4"],
    );
    for s in ["1/3", "2/3", "3/3"] {
        let out = format!("s{}", &s[..1]);
        mc(
            &dir,
            &out,
            &[
                "--draws",
                "24",
                "--seed",
                "7",
                "--threads",
                "2",
                "--shard",
                s,
            ],
        );
    }
    let r = run(&dir, &["merge", "s3", "s1", "s2", "--out", "merged"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let base = dir.path().join("t1");
    for other in ["t2", "t4", "merged"] {
        for f in ["draws.csv", "summary.json", "manifest.json", "phases.csv"] {
            assert!(
                read(&base, f) == read(&dir.path().join(other), f),
                "{f} differs between t1 and {other}"
            );
        }
    }
    // The table reports the focus metrics with bands.
    let r = mc(&dir, "t5", &["--draws", "16"]);
    let out = r.stdout();
    assert!(out.contains("Monte Carlo: 16 draws (0 failed)"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("diversion_ratio.USA.CHN")),
        "{out}"
    );
}

#[test]
fn merge_rejects_mismatched_and_incomplete_shards() {
    let dir = TestDir::new();
    mc(
        &dir,
        "a1",
        &["--draws", "10", "--seed", "1", "--shard", "1/2"],
    );
    mc(
        &dir,
        "a2",
        &["--draws", "10", "--seed", "1", "--shard", "2/2"],
    );
    mc(
        &dir,
        "b2",
        &["--draws", "10", "--seed", "2", "--shard", "2/2"],
    );
    let r = run(&dir, &["merge", "a1", "b2", "--out", "m1"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("different seed"), "{}", r.stderr());
    let r = run(&dir, &["merge", "a1", "--out", "m2"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("missing shard"), "{}", r.stderr());
    let r = run(&dir, &["merge", "a1", "a1", "a2", "--out", "m3"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("overlapping"), "{}", r.stderr());
    let r = run(&dir, &["merge", "nope", "--out", "m4"]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("not a finished run directory"),
        "{}",
        r.stderr()
    );
    assert!(!dir.path().join("m1/summary.json").exists());
}

#[test]
fn bad_run_settings_exit_2() {
    let dir = TestDir::new();
    let file = scenario("us_china_2025.toml");
    for (flags, message) in [
        (vec!["--shard", "3/2"], "invalid shard `3/2`"),
        (vec!["--shard", "x"], "invalid shard `x`"),
        (vec!["--sampler", "halton"], "unknown sampler `halton`"),
        (vec!["--draws", "0"], "`--draws` must be at least 1"),
        (
            vec!["--max-failure-rate", "2"],
            "`--max-failure-rate` must be in [0, 1]",
        ),
        (
            vec!["--sampler", "sobol", "--draws", "70000"],
            "at most 65536 draws",
        ),
    ] {
        let mut args = vec!["run", file.as_str(), "--quiet", "--out", "x"];
        args.extend(flags.iter().copied());
        let r = run(&dir, &args);
        assert_eq!(r.code(), 2, "{flags:?}: {}", r.stderr());
        assert!(r.stderr().contains(message), "{flags:?}: {}", r.stderr());
    }
}

/// Killing a run mid-way leaves only `*.tmp` files: nothing that looks complete.
#[test]
fn interrupted_run_leaves_no_complete_looking_file() {
    let dir = TestDir::new();
    let file = scenario("us_china_2025.toml");
    let mut child = dir
        .cmd()
        .args([
            "run",
            file.as_str(),
            "--quiet",
            "--draws",
            "2000000",
            "--out",
            "big",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let big = dir.path().join("big");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !big.join("draws.csv.tmp").exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert!(
        big.join("draws.csv.tmp").exists(),
        "the run never started writing"
    );
    for f in ["draws.csv", "summary.json", "manifest.json"] {
        assert!(!big.join(f).exists(), "{f} exists after an interrupted run");
    }
}

/// Golden: the sampled parameters of the first draws of a fixed run (draw, status and every
/// `sigma.*`, `sigma_d.*`, `eta.*`, `eps.*`, `horizon` column). It guards the random streams — the sampler,
/// the RNG keying, the prior mapping and the math library underneath (`rand_distr` can switch
/// between libm and std math when a dependency enables `num-traits/std`: STYLE.md) — and is
/// independent of baseline data revisions. Changes only on purpose; record each in CHANGELOG.md.
#[test]
fn golden_first_draws() {
    let dir = TestDir::new();
    mc(
        &dir,
        "g",
        &["--draws", "6", "--seed", "20250410", "--threads", "2"],
    );
    let csv = String::from_utf8(read(&dir.path().join("g"), "draws.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&c| {
            c < 2
                || ["sigma.", "sigma_d.", "eta.", "eps."]
                    .iter()
                    .any(|p| header[c].starts_with(p))
                || header[c] == "horizon"
        })
        .collect();
    assert_eq!(keep.len(), 2 + 4 * 22 + 1, "{header:?}");
    let mut kept = String::new();
    for line in csv.lines() {
        let fields: Vec<&str> = line.split(',').collect();
        let row: Vec<&str> = keep.iter().map(|&c| fields[c]).collect();
        kept.push_str(&row.join(","));
        kept.push('\n');
    }
    let hash = fnv1a(kept.as_bytes());
    assert_eq!(
        format!("{hash:016x}"),
        GOLDEN,
        "draws.csv of the golden run changed; if on purpose, update GOLDEN and CHANGELOG.md"
    );
}

const GOLDEN: &str = "cd16b0de80286003";

#[test]
fn compare_uses_common_random_numbers() {
    let dir = TestDir::new();
    let (a, b) = (scenario("truce_20.toml"), scenario("peak_145.toml"));
    let r = run(
        &dir,
        &[
            "compare",
            a.as_str(),
            b.as_str(),
            "--draws",
            "12",
            "--quiet",
            "--out",
            "cmp",
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(
        r.stdout().contains("common random numbers"),
        "{}",
        r.stdout()
    );
    // The report says what the comparison found: both scenarios, the difference and its band,
    // with the median difference of the summary.
    let html = std::fs::read_to_string(dir.path().join("cmp/report.html")).unwrap();
    let summary = tariffsim_runner::output::read_summary(&dir.path().join("cmp")).unwrap();
    let diff = summary
        .metrics
        .iter()
        .find(|m| m.name == "diff:imports.USA.CHN")
        .unwrap()
        .summary
        .p50;
    let para = html
        .split("<h2>What this run found</h2>")
        .nth(1)
        .and_then(|t| t.split("</p>").next())
        .expect("a findings paragraph");
    assert!(
        para.contains("under truce_20") && para.contains("under peak_145"),
        "{para}"
    );
    let shown = format!("{:.1}", diff).replace('-', "−");
    assert!(para.contains(&shown), "{shown} in {para}");
    // Comparing a scenario with itself gives exactly zero differences in every draw.
    let r = run(
        &dir,
        &[
            "compare",
            a.as_str(),
            a.as_str(),
            "--draws",
            "5",
            "--quiet",
            "--out",
            "self",
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let summary = tariffsim_runner::output::read_summary(&dir.path().join("self")).unwrap();
    for m in &summary.metrics {
        if m.name.starts_with("diff:") {
            assert!(
                m.summary.p5.abs() == 0.0 && m.summary.p95.abs() == 0.0,
                "{m:?}"
            );
        }
    }
}

/// A whole run directory holds the data files, the side files and every chart; `show --plot`
/// renders the timeline alone.
#[test]
fn run_directory_is_complete_and_show_plots_the_timeline() {
    let dir = TestDir::new();
    mc(&dir, "full", &["--draws", "8"]);
    let full = dir.path().join("full");
    for f in [
        "draws.csv",
        "summary.json",
        "manifest.json",
        "phases.csv",
        "rules.json",
        "timeline.csv",
        "report.html",
        "diversion_ratio.png",
        "diversion_ratio.svg",
        "tariff_timeline.png",
        "tornado.svg",
        "trade_balances.png",
    ] {
        assert!(full.join(f).is_file(), "{f} missing");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&full)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let file = scenario("us_china_2025.toml");
    let r = run(&dir, &["show", file.as_str(), "--plot", "charts"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(dir.path().join("charts/tariff_timeline.png").is_file());
    assert!(dir.path().join("charts/tariff_timeline.svg").is_file());
}

/// `summary.csv` (tidy long form) holds the records of `summary.json` — a JSON array that
/// `pandas.read_json` reads as a table — one line per parameter and metric, with a unit for every
/// metric, `period` or the phase's first day, and the point estimate of every metric (from
/// `phases.csv`, the run's point estimate).
#[test]
fn summary_csv_round_trips_with_summary_json() {
    let dir = TestDir::new();
    mc(&dir, "s", &["--draws", "30", "--seed", "5"]);
    let folder = dir.path().join("s");
    let json: serde_json::Value =
        serde_json::from_str(&String::from_utf8(read(&folder, "summary.json")).unwrap()).unwrap();
    let records = json
        .as_array()
        .expect("summary.json is an array of records");
    let csv = String::from_utf8(read(&folder, "summary.csv")).unwrap();
    let mut lines = csv.lines();
    let header = "metric,kind,unit,period,point,mean,sd,p5,p25,p50,p75,p95,mcse,count,failures";
    assert_eq!(lines.next().unwrap(), header);
    let keys: Vec<&str> = header.split(',').collect();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), records.len());
    let phases = String::from_utf8(read(&folder, "phases.csv")).unwrap();
    let mut points = 0;
    for (row, e) in rows.iter().zip(records) {
        for (k, key) in keys.iter().enumerate() {
            let (text, value) = (&row[k], &e[*key]);
            match value {
                serde_json::Value::String(v) => assert_eq!(text, v, "{key}"),
                serde_json::Value::Null => assert!(text.is_empty(), "{key} {row:?}"),
                v => {
                    let (a, b) = (text.parse::<f64>().unwrap(), v.as_f64().unwrap());
                    // serde_json's default float parser is not correctly rounded (it can land
                    // one ulp off the shortest text both files hold): compare to 2 ulp.
                    assert!(
                        (a - b).abs() <= 4.0 * f64::EPSILON * b.abs(),
                        "{key}: {a} vs {b}"
                    );
                }
            }
        }
        assert!(!row[2].is_empty(), "{row:?} has a unit");
        if row[1] == "metric" {
            // The point is phases.csv's value for the same metric and period.
            let want = phases
                .lines()
                .map(|l| l.split(',').collect::<Vec<_>>())
                .find(|f| {
                    f[4] == row[0]
                        && (f[0] == "period" && row[3] == "period"
                            || f[0] != "period" && f[1] == row[3])
                })
                .map(|f| f[5].to_string());
            assert_eq!(Some(row[4].clone()), want, "{row:?}");
            points += 1;
        } else {
            assert!(row[4].is_empty(), "parameters have no point: {row:?}");
        }
    }
    assert!(points > 0);
    let summary = tariffsim_runner::output::read_summary(&folder).unwrap();
    assert_eq!(summary.succeeded, 30);
    assert_eq!(summary.records().len(), records.len());
}

/// The headline after a Monte Carlo: three lines, each at most 100 columns; the third-country
/// line says who gains or, when nobody does, who loses most (issue 20).
#[test]
fn headline_says_who_gains_or_who_loses() {
    let dir = TestDir::new();
    for file in ["us_2025.toml", "us_china_bilateral_2025.toml"] {
        let path = scenario(file);
        let r = run(
            &dir,
            &[
                "run",
                &path,
                "--draws",
                "40",
                "--quiet",
                "--out",
                &format!("o_{file}"),
            ],
        );
        assert_eq!(r.code(), 0, "{}", r.stderr());
        let out = r.stdout();
        let start = out
            .lines()
            .position(|l| l.starts_with("USA imports from CHN "))
            .unwrap_or_else(|| panic!("no headline in:\n{out}"));
        let lines: Vec<&str> = out.lines().skip(start).take(3).collect();
        assert!(lines[0].contains("% (90% band "), "{}", lines[0]);
        assert!(
            lines[1].contains("third countries gaining most: ")
                || lines[1].contains("no third country gains, largest falls: "),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].contains("CHN's sales rising most elsewhere: ")
                || lines[2].contains("CHN's sales fall everywhere"),
            "{}",
            lines[2]
        );
        for l in &lines {
            assert!(
                l.chars().count() <= 100,
                "{} columns: {l}",
                l.chars().count()
            );
        }
    }
}

/// `[rerouting]` priors on kappa and capacity: one lognormal factor each, median 1, recorded in
/// `draws.csv` beside `rerouting.rho`; their log-sd matches the scenario's (0.5 and 0.7) within
/// sampling error on 400 draws.
#[test]
fn rerouting_kappa_and_capacity_are_drawn() {
    let dir = TestDir::new();
    let path = scenario("us_2025_rerouting.toml");
    let r = run(
        &dir,
        &["run", &path, "--draws", "400", "--quiet", "--out", "o"],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let text = std::fs::read_to_string(dir.path().join("o/draws.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (ck, cc, cv) = (
        col("rerouting.kappa_scale"),
        col("rerouting.capacity_scale"),
        col("rerouted.CHN.VNM.USA"),
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            vec![
                f[ck].parse().unwrap(),
                f[cc].parse().unwrap(),
                f[cv].parse().unwrap(),
            ]
        })
        .collect();
    let log_sd = |k: usize| {
        let v: Vec<f64> = rows.iter().map(|r| r[k].ln()).collect();
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt();
        (m, sd)
    };
    let (mk, sk) = log_sd(0);
    let (mc, sc) = log_sd(1);
    // Standard errors on 400 draws: mean ~0.7/20 = 0.035, sd ~0.7/28 = 0.025 (LHS or Sobol
    // make both smaller); 4 standard errors allowed.
    assert!(
        mk.abs() < 0.1 && (sk - 0.5).abs() < 0.1,
        "kappa factor: {mk} {sk}"
    );
    assert!(
        mc.abs() < 0.14 && (sc - 0.7).abs() < 0.12,
        "capacity factor: {mc} {sc}"
    );
    // More capacity, more rerouting (rank correlation clearly positive).
    let mut idx: Vec<usize> = (0..rows.len()).collect();
    idx.sort_by(|&a, &b| rows[a][1].total_cmp(&rows[b][1]));
    let low: f64 = idx[..100].iter().map(|&i| rows[i][2]).sum();
    let high: f64 = idx[300..].iter().map(|&i| rows[i][2]).sum();
    assert!(
        high > 2.0 * low,
        "rerouted via VNM: top capacity quartile {high} vs bottom {low}"
    );
}

/// `--long-draws` writes `draws_long.csv` (`draw,metric,period,value`): every value of every
/// successful draw of `draws.csv`, the same text, metric names split at `@` into metric and
/// period; a sharded run merged with `--long-draws` gives the same bytes.
#[test]
fn long_draws_hold_every_value_of_the_wide_file() {
    let dir = TestDir::new();
    mc(&dir, "w", &["--draws", "12", "--seed", "3", "--long-draws"]);
    let wide = String::from_utf8(read(&dir.path().join("w"), "draws.csv")).unwrap();
    let long = String::from_utf8(read(&dir.path().join("w"), "draws_long.csv")).unwrap();
    let mut lines = wide.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut expected = vec!["draw,metric,period,value".to_string()];
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        if f[1] != "ok" {
            continue;
        }
        for (name, value) in header.iter().zip(&f).skip(3) {
            let (m, p) = name.split_once('@').unwrap_or((name, "period"));
            expected.push(format!("{},{m},{p},{value}", f[0]));
        }
    }
    assert!(expected.len() > 12 * 50, "{}", expected.len());
    assert_eq!(long.lines().collect::<Vec<_>>(), expected);
    for k in 1..=2 {
        let shard = format!("{k}/2");
        mc(
            &dir,
            &format!("s{k}"),
            &["--draws", "12", "--seed", "3", "--shard", &shard],
        );
    }
    let r = run(&dir, &["merge", "s1", "s2", "--out", "m", "--long-draws"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(read(&dir.path().join("m"), "draws_long.csv") == long.as_bytes());
}
