//! `tariffsim etr` against the statutory benchmark: The Budget Lab at Yale's tariff-rate-tracker
//! (`../shared/data/us_tariff_measures_2025/budgetlab_tracker/etr_by_partner.csv` and
//! `etr_overall.csv`, commit 01e8e76, MIT; the values are quoted below with that citation). The
//! tracker's `etr` is the import-weighted duty **additional to MFN** at HTS-10 level on 2024
//! weights, and it includes Section 301 on China, which world2024 keeps in China's baseline rate:
//! the comparison adds that part back (China's baseline rate minus the EU's MFN proxy, sector by
//! sector, as `scenarios/tools/us_2025/compare.md` explains).
//!
//! Strict (2 percentage points) on every (date, partner) except the ones listed in `WHERE_BL_
//! DATES_DIFFER`, each with the measure and the reason the gap is on the benchmark's side. The
//! USMCA claim shares are a vintage choice, not an error: the benchmark applies 2024 claims all
//! year, so the strict check runs on `tests/scenarios/us_2025_claims2024.toml` (the shipped
//! schedule with those claims) and the shipped file, with 2025's monthly claims, is checked where
//! its claims were at the 2024 level (March and April) and shown to part from it from July, when
//! claims rose to 0.86.

use crate::util::{TestDir, repo, run};
use std::collections::HashMap;

const DATES: [&str; 5] = [
    "2025-03-17",
    "2025-04-17",
    "2025-07-17",
    "2025-10-17",
    "2025-11-17",
];

/// (date, partner, etr) from etr_by_partner.csv (partners: china, canada, mexico, uk, japan,
/// eu) and etr_overall.csv (`*`), The Budget Lab tariff-rate-tracker @01e8e76.
const BENCHMARK: &[(&str, &str, f64)] = &[
    ("2025-03-17", "CAN", 0.1161),
    ("2025-03-17", "CHN", 0.3758),
    ("2025-03-17", "EU27", 0.0292),
    ("2025-03-17", "JPN", 0.0753),
    ("2025-03-17", "MEX", 0.1250),
    ("2025-03-17", "GBR", 0.0464),
    ("2025-03-17", "*", 0.1005),
    ("2025-04-17", "CAN", 0.1153),
    ("2025-04-17", "CHN", 0.4626),
    ("2025-04-17", "EU27", 0.0750),
    ("2025-04-17", "JPN", 0.1311),
    ("2025-04-17", "MEX", 0.1221),
    ("2025-04-17", "GBR", 0.0856),
    ("2025-04-17", "*", 0.1419),
    ("2025-07-17", "CAN", 0.1723),
    ("2025-07-17", "CHN", 0.4711),
    ("2025-07-17", "EU27", 0.0815),
    ("2025-07-17", "JPN", 0.1378),
    ("2025-07-17", "MEX", 0.1272),
    ("2025-07-17", "GBR", 0.0553),
    ("2025-07-17", "*", 0.1543),
    ("2025-10-17", "CAN", 0.1679),
    ("2025-10-17", "CHN", 0.3731),
    ("2025-10-17", "EU27", 0.0861),
    ("2025-10-17", "JPN", 0.1197),
    ("2025-10-17", "MEX", 0.1272),
    ("2025-10-17", "GBR", 0.0579),
    ("2025-10-17", "*", 0.1542),
    ("2025-11-17", "CAN", 0.1679),
    ("2025-11-17", "CHN", 0.3731),
    ("2025-11-17", "EU27", 0.0861),
    ("2025-11-17", "JPN", 0.1197),
    ("2025-11-17", "MEX", 0.1272),
    ("2025-11-17", "GBR", 0.0579),
    ("2025-11-17", "*", 0.1520),
];

/// Where the benchmark dates a measure at its HTS publication rather than its legal date (the
/// tracker's `revision_dates.csv`; legal dates from `measures_2025.csv`), so on that date it
/// shows a rate not yet (or no longer) in force. The schedule follows the legal dates.
const WHERE_BL_DATES_DIFFER: &[(&str, &str, &str)] = &[
    (
        "2025-03-17",
        "JPN",
        "Section 232 autos: the tracker's rev_6 (2025-03-12); legally from 2025-04-03 \
         (Proclamation 10908). Japan's 51.8 bn of vehicles x 25% is ~6 of the 7 pp gap.",
    ),
    (
        "2025-03-17",
        "GBR",
        "Section 232 autos dated 2025-03-12 as for JPN (11.2 bn of the UK's 62.3 bn are vehicles).",
    ),
    (
        "2025-03-17",
        "EU27",
        "Section 232 autos dated 2025-03-12 as for JPN.",
    ),
    (
        "2025-04-17",
        "CHN",
        "The tracker's rev_12 (dated 2025-04-14) has China's reciprocal duty at 10%; legally it \
         was 125% until the Geneva arrangement (EO 14298, in force 2025-05-14): 145% in all.",
    ),
    (
        "2025-04-17",
        "*",
        "China's rate on 2025-04-17 as above (China is 13% of the weights).",
    ),
    (
        "2025-04-17",
        "JPN",
        "Section 232 auto parts: the tracker's rev_11 (2025-04-11); legally from 2025-05-03.",
    ),
    (
        "2025-07-17",
        "CAN",
        "Canada 25% -> 35%: the tracker's rev_17 (2025-07-01); legally from 2025-08-01 \
         (EO 14325). At 35% the schedule's 13.1% would be 18.3%.",
    ),
    (
        "2025-10-17",
        "CHN",
        "Fentanyl duty 20% -> 10%: the tracker's rev_27 (2025-10-15); legally from 2025-11-10. \
         On 2025-11-17 the two agree.",
    ),
];

/// Where the schedule itself is short of the benchmark by a little more than 2 pp: allowed 3 pp,
/// with the reason.
const WHERE_THE_SCHEDULE_APPROXIMATES: &[(&str, &str, &str)] = &[
    (
        "2025-10-17",
        "JPN",
        "The schedule lacks the Section 232 steel and aluminium derivatives expansion of \
         2025-08-18 (407 HTS lines at 50% on their metal content; no metal-content data in the \
         stored files), which taxes Japan's machinery and electrical equipment; and Japan's \
         all-in 15% floor is written per sector as (15% - the sector's mean MFN) x the subject \
         share, below the product-level mean of max(15% - MFN_i, 0) where MFN varies (Jensen). \
         The schedule is low.",
    ),
    ("2025-11-17", "JPN", "As on 2025-10-17."),
];

/// `tariffsim etr FILE --by exporter,sector` at the five dates: (date, exporter, sector) ->
/// (etr_total, etr_additional, imports).
fn etr_cells(file: &str, dates: &[&str]) -> HashMap<(String, String, String), (f64, f64, f64)> {
    let dir = TestDir::new();
    let path = repo().join(file);
    let mut args = vec![
        "etr",
        path.to_str().unwrap(),
        "--by",
        "exporter,sector",
        "--format",
        "csv",
    ];
    for d in dates {
        args.push("--date");
        args.push(d);
    }
    let r = run(&dir, &args);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let mut out = HashMap::new();
    let text = r.stdout();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("date,importer,exporter,sector,etr_total,etr_additional,imports_usd")
    );
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[1], "USA");
        let num = |k: usize| f[k].parse::<f64>().unwrap();
        out.insert(
            (f[0].to_string(), f[2].to_string(), f[3].to_string()),
            (num(4), num(5), num(6)),
        );
    }
    out
}

/// The schedule's rate comparable with the benchmark's: additional duties, plus Section 301 on
/// China (China's baseline rate minus the EU's in each sector, weighted by China's imports).
fn comparable(
    cells: &HashMap<(String, String, String), (f64, f64, f64)>,
    dates: &[&str],
) -> HashMap<(String, String), f64> {
    let mut out = HashMap::new();
    for &date in dates {
        let get = |e: &str, s: &str| cells[&(date.to_string(), e.to_string(), s.to_string())];
        let sectors: Vec<String> = cells
            .keys()
            .filter(|(d, e, s)| d == date && e == "CHN" && s != "*")
            .map(|(_, _, s)| s.clone())
            .collect();
        let (mut s301, mut w) = (0.0, 0.0);
        for s in &sectors {
            let (tot, add, imports) = get("CHN", s);
            let (eu_tot, eu_add, _) = get("EU27", s);
            s301 += imports * ((tot - add) - (eu_tot - eu_add));
            w += imports;
        }
        let chn_s301 = s301 / w;
        for e in ["CHN", "CAN", "MEX", "GBR", "JPN", "EU27", "*"] {
            let (_, add, imports) = get(e, "*");
            let extra = match e {
                "CHN" => chn_s301,
                "*" => chn_s301 * w / imports,
                _ => 0.0,
            };
            out.insert((date.to_string(), e.to_string()), add + extra);
        }
    }
    out
}

#[test]
fn the_2025_schedule_reproduces_the_statutory_benchmark_within_2pp() {
    let ours = comparable(
        &etr_cells("tests/scenarios/us_2025_claims2024.toml", &DATES),
        &DATES,
    );
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for &(date, partner, bl) in BENCHMARK {
        let v = ours[&(date.to_string(), partner.to_string())];
        let gap = 100.0 * (v - bl);
        let excused = WHERE_BL_DATES_DIFFER
            .iter()
            .find(|(d, p, _)| *d == date && *p == partner);
        report.push(format!(
            "{date} {partner:<5} ours {:6.2}%  benchmark {:6.2}%  gap {gap:+6.2} pp{}",
            100.0 * v,
            100.0 * bl,
            if excused.is_some() {
                "  (benchmark dating)"
            } else {
                ""
            }
        ));
        match excused {
            // The dating gaps must stay gaps in the documented direction: if the schedule moved
            // to the benchmark's dates, this list would be stale.
            Some(_) => {
                if gap.abs() <= 2.0 {
                    failures.push(format!(
                        "{date} {partner}: listed as a dating gap but within 2 pp"
                    ));
                }
            }
            None if WHERE_THE_SCHEDULE_APPROXIMATES
                .iter()
                .any(|(d, p, _)| *d == date && *p == partner) =>
            {
                if gap.abs() > 3.0 {
                    failures.push(format!("{date} {partner}: {gap:+.2} pp (allowed 3)"));
                }
            }
            None => {
                if gap.abs() > 2.0 {
                    failures.push(format!("{date} {partner}: {gap:+.2} pp"));
                }
            }
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{failures:#?}\n{}", report.join("\n"));
}

#[test]
fn the_shipped_schedule_follows_the_2025_usmca_claims() {
    let shipped = comparable(&etr_cells("scenarios/us_2025.toml", &DATES), &DATES);
    let bench = |date: &str, p: &str| {
        BENCHMARK
            .iter()
            .find(|(d, q, _)| *d == date && *q == p)
            .unwrap()
            .2
    };
    // March and April: monthly claims 0.48 / 0.50, about the 2024 level: within 2 pp.
    for date in ["2025-03-17", "2025-04-17"] {
        for p in ["CAN", "MEX"] {
            let gap = 100.0 * (shipped[&(date.to_string(), p.to_string())] - bench(date, p));
            assert!(gap.abs() <= 2.0, "{date} {p}: {gap:+.2} pp");
        }
    }
    // From July claims were 0.86: the statutory rate on non-claiming trade is far lower.
    for date in ["2025-10-17", "2025-11-17"] {
        for p in ["CAN", "MEX"] {
            let v = shipped[&(date.to_string(), p.to_string())];
            assert!(v < bench(date, p) - 0.04 && v > 0.03, "{date} {p}: {v}");
        }
    }
}

#[test]
fn daily_series_plot_and_benchmark_errors() {
    let dir = TestDir::new();
    let file = repo().join("scenarios/us_china_2025.toml");
    let f = file.to_str().unwrap();
    // One row per day of the period; the rate steps on the layers' dates.
    let r = run(&dir, &["etr", f, "--daily"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let text = r.stdout();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 365);
    assert!(rows[0].starts_with("2025-01-01,"));
    let add = |k: usize| rows[k].split(',').nth(2).unwrap().parse::<f64>().unwrap();
    assert!(
        add(0).abs() < 1e-300 && add(300) > 0.01,
        "{} {}",
        rows[0],
        rows[300]
    );
    // A benchmark with a daily column beside it, drawn.
    let bench = dir.write(
        "bench.csv",
        "date,weighted_etr_additional\n2025-01-01,0.02\n2025-06-01,NA\n2025-12-31,0.15\n",
    );
    let r = run(
        &dir,
        &[
            "etr",
            f,
            "--daily",
            "--plot",
            "out",
            "--benchmark",
            bench.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    for ext in ["png", "svg"] {
        let p = dir.path().join("out").join(format!("etr_daily.{ext}"));
        assert!(
            std::fs::metadata(&p).unwrap().len() > 1000,
            "{}",
            p.display()
        );
    }
    let svg = std::fs::read_to_string(dir.path().join("out/etr_daily.svg")).unwrap();
    assert!(svg.contains("Benchmark"), "legend names the benchmark");
    // Bad benchmark files: a missing column, a bad date, a bad number — file and line named.
    for (body, needle) in [
        (
            "day,value\n2025-01-01,0.1\n",
            "needs columns `date` and `weighted_etr_additional`",
        ),
        (
            "date,weighted_etr_additional\n2025-13-01,0.1\n",
            "bad.csv:2: `2025-13-01` is not a date",
        ),
        (
            "date,weighted_etr_additional\n2025-01-01,x\n",
            "bad.csv:2: `x` in `weighted_etr_additional` is not a number",
        ),
    ] {
        let bad = dir.write("bad.csv", body);
        let r = run(
            &dir,
            &[
                "etr",
                f,
                "--daily",
                "--plot",
                "out2",
                "--benchmark",
                bad.to_str().unwrap(),
            ],
        );
        assert_eq!(r.code(), 2, "{}", r.stderr());
        assert!(r.stderr().contains(needle), "{needle}: {}", r.stderr());
        assert!(!dir.path().join("out2").exists(), "no output on bad input");
    }
    // Flags are checked before any work.
    let r = run(&dir, &["etr", f, "--by", "country"]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr()
            .contains("one of exporter, sector, exporter,sector"),
        "{}",
        r.stderr()
    );
    let r = run(&dir, &["etr", f, "--importer", "XYZ"]);
    assert_eq!(r.code(), 2);
    let r = run(&dir, &["etr", f, "--date", "2024-06-01"]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("outside the scenario period"),
        "{}",
        r.stderr()
    );
}

#[test]
fn show_prints_the_share_a_partial_layer_covers() {
    let dir = TestDir::new();
    let file = repo().join("scenarios/us_2025.toml");
    let r = run(
        &dir,
        &["show", file.to_str().unwrap(), "--date", "2025-11-17"],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let out = r.stdout();
    let line = out
        .lines()
        .find(|l| l.contains(" CAN ") && l.contains("TEXTILE_APPAREL"))
        .expect("a CAN textile row");
    assert!(line.contains("ieepa_can x 0."), "{line}");
}

/// 2026 after the ruling: the benchmark's 2026-02-25 rates (etr_by_partner.csv, etr_overall.csv,
/// The Budget Lab tariff-rate-tracker @01e8e76): IEEPA void, Section 122 10%, Section 232 on.
/// `scenarios/us_2026.toml` derives Section 122's exemptions from these rates (see its header),
/// so this checks the schedule's assembly (expiries, 232, USMCA coverage), within 2 pp.
#[test]
fn the_2026_schedule_reproduces_the_benchmark_after_the_ruling() {
    const BENCH_2026: &[(&str, f64)] = &[
        ("CAN", 0.0478),
        ("CHN", 0.2536),
        ("EU27", 0.0716),
        ("JPN", 0.1048),
        ("MEX", 0.0707),
        ("GBR", 0.0591),
        ("*", 0.0975),
    ];
    let dates = ["2026-02-25"];
    let ours = comparable(&etr_cells("scenarios/us_2026.toml", &dates), &dates);
    let mut bad = Vec::new();
    for &(p, bl) in BENCH_2026 {
        let v = ours[&("2026-02-25".to_string(), p.to_string())];
        let gap = 100.0 * (v - bl);
        eprintln!(
            "2026-02-25 {p:<5} ours {:6.2}%  benchmark {:6.2}%  gap {gap:+.2} pp",
            100.0 * v,
            100.0 * bl
        );
        if gap.abs() > 2.0 {
            bad.push(format!("{p}: {gap:+.2} pp"));
        }
    }
    assert!(bad.is_empty(), "{bad:?}");
}
