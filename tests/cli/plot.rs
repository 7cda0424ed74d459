//! `tariffsim plot DIR`: re-renders a finished run's charts and report, byte for byte, on a
//! machine without fonts (fontconfig pointed at an empty configuration); bad directories are
//! invalid input (exit 2) and leave nothing behind.

use crate::util::{TestDir, repo};
use std::path::Path;
use tariffsim_report as plot;
use tariffsim_runner::mc::{self, RunSettings};

/// A small Monte Carlo run of a scenario file into `dir`, with its timeline, through the
/// runner's API (as `tariffsim run FILE --draws N` does).
fn finished_run(file: &str, dir: &Path, draws: u64) {
    let path = repo().join("scenarios").join(file);
    let (sc, b) = tariffsim_scenario::load(&path, tariffsim_data::load).unwrap();
    let mut settings = RunSettings::from_scenario(&sc, dir.to_path_buf());
    settings.draws = draws;
    settings.quiet = true;
    settings.threads = 1;
    mc::run(
        &sc,
        &b,
        &settings,
        &[("timeline.csv", plot::timeline_csv(&sc, &b))],
    )
    .unwrap();
}

/// `tariffsim ARGS` with no usable system font configuration.
fn run_without_fonts(dir: &TestDir, args: &[&str]) -> std::process::Output {
    let conf = dir.write(
        "fonts-empty.conf",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig></fontconfig>\n",
    );
    dir.cmd()
        .args(args)
        .env("FONTCONFIG_FILE", &conf)
        .env("FONTCONFIG_PATH", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("HOME", dir.path())
        .output()
        .unwrap()
}

const FILES: &[&str] = &[
    "diversion_ratio.png",
    "diversion_ratio.svg",
    "diversion_by_partner.png",
    "deflection_by_destination.svg",
    "tariff_timeline.png",
    "tornado.png",
    "trade_balances.svg",
    "report.html",
];

#[test]
fn plot_reproduces_a_finished_runs_files_without_system_fonts() {
    let t = TestDir::new();
    let run_dir = t.path().join("run");
    finished_run("truce_20.toml", &run_dir, 50);
    plot::render_run(&run_dir).unwrap();
    let before: Vec<Vec<u8>> = FILES
        .iter()
        .map(|f| std::fs::read(run_dir.join(f)).unwrap())
        .collect();
    for f in FILES {
        std::fs::remove_file(run_dir.join(f)).unwrap();
    }
    let out = run_without_fonts(&t, &["plot", "run"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("report.html"), "{stdout}");
    for (f, b) in FILES.iter().zip(&before) {
        let now = std::fs::read(run_dir.join(f)).unwrap();
        assert!(now == *b, "{f} differs after `tariffsim plot`");
    }
}

#[test]
fn plot_rejects_a_directory_that_is_not_a_run() {
    let t = TestDir::new();
    std::fs::create_dir(t.path().join("empty")).unwrap();
    let out = run_without_fonts(&t, &["plot", "empty"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("manifest.json") && stderr.contains("hint:"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(t.path().join("empty")).unwrap().count(),
        0
    );
    let out = run_without_fonts(&t, &["plot", "missing"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn plot_names_the_line_of_a_corrupt_draws_file_and_writes_nothing() {
    let t = TestDir::new();
    let run_dir = t.path().join("run");
    finished_run("peak_145.toml", &run_dir, 20);
    let path = run_dir.join("draws.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[4] = lines[4].replacen(",ok,", ",maybe,", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = run_without_fonts(&t, &["plot", "run"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("draws.csv") && stderr.contains("line 5"),
        "{stderr}"
    );
    let written: Vec<String> = std::fs::read_dir(&run_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.ends_with(".png")
                || n.ends_with(".svg")
                || n.ends_with(".html")
                || n.ends_with(".tmp")
        })
        .collect();
    assert!(written.is_empty(), "{written:?}");
}
