//! Runs that cannot corrupt each other (issue 19): a run folder is owned by one run, default
//! folders do not collide, a closed stdout ends quietly, `--out` must be a folder, `--threads`
//! is capped.

use crate::util::{Run, TestDir, repo, run};
use std::process::Stdio;

fn scenario() -> String {
    repo().join("scenarios/truce_20.toml").display().to_string()
}

/// Two runs started together into one folder: the second is refused (the folder is locked or
/// already holds the first's files), exit 2; the files there are one run's (the draws' seed is
/// the summary's).
#[test]
fn two_runs_into_one_folder_do_not_mix() {
    let dir = TestDir::new();
    let out = dir.path().join("shared");
    let spawn = |seed: &str, draws: &str| {
        dir.cmd()
            .args([
                "run",
                &scenario(),
                "--draws",
                draws,
                "--seed",
                seed,
                "--quiet",
                "--out",
                &out.display().to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let a = spawn("1", "400");
    let b = spawn("2", "300");
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let codes = [a.status.code(), b.status.code()];
    assert!(codes.contains(&Some(0)), "one run completes: {codes:?}");
    // The other is refused while the first holds the folder; had the first finished before the
    // second started, the second would rerun the same scenario into it (also exit 0).
    if codes.contains(&Some(2)) {
        let refused = if a.status.code() == Some(2) { &a } else { &b };
        let msg = String::from_utf8_lossy(&refused.stderr);
        assert!(
            msg.contains("is in use by another run") || msg.contains("is not empty"),
            "{msg}"
        );
    } else {
        assert_eq!(codes, [Some(0), Some(0)], "{codes:?}");
    }
    let summary = tariffsim_runner::output::read_summary(&out).unwrap();
    let draws = std::fs::read_to_string(out.join("draws.csv")).unwrap();
    let seed = summary.run.seed;
    let expected_rows = if seed == 1 { 400 } else { 300 };
    assert_eq!(draws.lines().count() - 1, expected_rows);
    assert!(
        !out.join(".tariffsim.lock").exists(),
        "the lock goes with the run"
    );
}

/// A finished run's folder takes the same scenario again (the rerun replaces it, stale files
/// included); another scenario, or a folder that is not a finished run, is refused without
/// `--force`, which clears the folder first.
#[test]
fn a_used_folder_needs_force() {
    let dir = TestDir::new();
    let out = dir.path().join("o").display().to_string();
    let file = scenario();
    let other = repo().join("scenarios/peak_145.toml").display().to_string();
    let go = |f: &str, extra: &[&str]| {
        let mut args = vec!["run", f, "--draws", "50", "--quiet", "--out", &out];
        args.extend_from_slice(extra);
        run(&dir, &args)
    };
    assert_eq!(go(&file, &[]).code(), 0);
    std::fs::write(dir.path().join("o/stale.txt"), "old").unwrap();
    let again = go(&file, &[]);
    assert_eq!(again.code(), 0, "{}", again.stderr());
    assert!(
        !dir.path().join("o/stale.txt").exists(),
        "a rerun replaces the whole folder"
    );
    let other_run = go(&other, &[]);
    assert_eq!(other_run.code(), 2, "{}", other_run.stderr());
    assert!(
        other_run
            .stderr()
            .contains("does not hold a finished run of `peak_145`"),
        "{}",
        other_run.stderr()
    );
    let forced = go(&other, &["--force"]);
    assert_eq!(forced.code(), 0, "{}", forced.stderr());
    let manifest = std::fs::read_to_string(dir.path().join("o/manifest.json")).unwrap();
    assert!(manifest.contains("\"peak_145\""), "{manifest}");
    // A folder of other files (no manifest) is refused.
    let plain = dir.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(plain.join("notes.txt"), "mine").unwrap();
    let r = run(
        &dir,
        &[
            "run",
            &file,
            "--draws",
            "50",
            "--quiet",
            "--out",
            plain.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(plain.join("notes.txt").exists());
}

/// Default folders of runs started in the same second differ.
#[test]
fn default_folders_do_not_collide() {
    let dir = TestDir::new();
    let spawn = || {
        dir.cmd()
            .args(["run", &scenario(), "--draws", "30", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    assert!(a.wait_with_output().unwrap().status.success());
    assert!(b.wait_with_output().unwrap().status.success());
    let runs: Vec<_> = std::fs::read_dir(dir.path().join("runs"))
        .unwrap()
        .collect();
    assert_eq!(runs.len(), 2, "two folders");
}

/// `check … | head -1`: a closed stdout ends the process without a panic.
#[test]
fn closed_stdout_is_not_a_panic() {
    let dir = TestDir::new();
    let files: Vec<String> = std::fs::read_dir(repo().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.display().to_string())
        .collect();
    for args in [
        {
            let mut a = vec!["check".to_string()];
            a.extend(files.iter().cloned());
            // Enough output to outlast the pipe's buffer.
            for _ in 0..200 {
                a.extend(files.iter().cloned());
            }
            a
        },
        vec!["baseline".into(), "show".into(), "world2024".into()],
    ] {
        let mut child = dir
            .cmd()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_ne!(out.status.code(), Some(101), "{stderr}");
    }
}

/// `--out` naming a file is invalid input (exit 2) with one clear message.
#[test]
fn out_must_be_a_folder() {
    let dir = TestDir::new();
    let file = dir.write("taken.txt", "x");
    let r = run(
        &dir,
        &[
            "run",
            &scenario(),
            "--draws",
            "10",
            "--quiet",
            "--out",
            &file.display().to_string(),
        ],
    );
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(r.stderr().contains("must be a directory"), "{}", r.stderr());
    assert_eq!(r.stderr().matches("error").count(), 1, "{}", r.stderr());
}

/// `--threads 100000` is capped (and says so) instead of spawning them all.
#[test]
fn threads_are_capped() {
    let dir = TestDir::new();
    let r = run(
        &dir,
        &[
            "run",
            &scenario(),
            "--draws",
            "20",
            "--threads",
            "100000",
            "--out",
            &dir.path().join("t").display().to_string(),
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(r.stderr().contains("capped at"), "{}", r.stderr());
}

/// Two shards of one run (draws 0..10 and 10..20) in `s1`, `s2`.
fn two_shards(dir: &TestDir) {
    for k in ["1", "2"] {
        let r = run(
            dir,
            &[
                "run",
                &scenario(),
                "--draws",
                "20",
                "--seed",
                "3",
                "--quiet",
                "--shard",
                &format!("{k}/2"),
                "--out",
                &format!("s{k}"),
            ],
        );
        assert_eq!(r.code(), 0, "{}", r.stderr());
    }
}

/// `merge` checks every shard completely before it writes: a NaN in a shard, a shard whose
/// columns were reordered, a `phases.csv` that differs — each refused, and no merged folder.
#[test]
fn merge_checks_before_it_writes() {
    type Spoil = fn(&std::path::Path);
    let cases: [(&str, Spoil, &str); 3] = [
        (
            "nan",
            |s2| {
                let p = s2.join("draws.csv");
                let text = std::fs::read_to_string(&p).unwrap();
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                let mut fields: Vec<String> = lines[3].split(',').map(str::to_string).collect();
                let last = fields.len() - 1;
                fields[last] = "NaN".into();
                lines[3] = fields.join(",");
                std::fs::write(&p, lines.join("\n") + "\n").unwrap();
            },
            "is not a finite number",
        ),
        (
            "reordered",
            |s2| {
                let p = s2.join("draws.csv");
                let text = std::fs::read_to_string(&p).unwrap();
                let swapped: Vec<String> = text
                    .lines()
                    .map(|l| {
                        let mut f: Vec<&str> = l.split(',').collect();
                        let n = f.len();
                        f.swap(n - 1, n - 2);
                        f.join(",")
                    })
                    .collect();
                std::fs::write(&p, swapped.join("\n") + "\n").unwrap();
            },
            "columns differ from the manifest's",
        ),
        (
            "phases",
            |s2| {
                let p = s2.join("phases.csv");
                let mut text = std::fs::read_to_string(&p).unwrap_or_default();
                text.push_str("# edited\n");
                std::fs::write(&p, text).unwrap();
            },
            "differs between",
        ),
    ];
    for (name, spoil, want) in cases {
        let dir = TestDir::new();
        two_shards(&dir);
        spoil(&dir.path().join("s2"));
        let r = run(&dir, &["merge", "s1", "s2", "--out", "merged"]);
        assert_ne!(r.code(), 0, "{name}: {}", r.stdout());
        assert!(r.stderr().contains(want), "{name}: {}", r.stderr());
        let merged = dir.path().join("merged");
        assert!(
            !merged.exists() || std::fs::read_dir(&merged).unwrap().next().is_none(),
            "{name}: nothing written"
        );
    }
}

/// `check` reads at most 16 MiB (an endless stream is an error, not a hang) and reports an
/// invalid UTF-8 byte with its line, column and offset.
#[test]
fn input_size_cap_and_encoding_position() {
    let dir = TestDir::new();
    if std::path::Path::new("/dev/zero").exists() {
        let r = run(&dir, &["check", "/dev/zero"]);
        assert_eq!(r.code(), 2, "{}", r.stderr());
        assert!(r.stderr().contains("larger than 16 MiB"), "{}", r.stderr());
    }
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, b"name = \"x\"\nbaseline = \"wor\xffld2024\"\n").unwrap();
    let r = run(&dir, &["check", &bad.display().to_string()]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(
        r.stderr()
            .contains("invalid byte 0xff at line 2, column 16 (byte offset 26)"),
        "{}",
        r.stderr()
    );
}

/// A run that fails (more failed draws than allowed: every draw fails at an absurd supply
/// elasticity that makes every equilibrium unstable) leaves no final-named file in its folder:
/// no `summary.json`, `manifest.json`, `phases.csv` or `draws.csv`, only nothing or temporaries
/// already removed.
#[test]
fn a_failed_run_leaves_no_final_file() {
    let dir = TestDir::new();
    let file = dir.write(
        "unstable.toml",
        &format!(
            "extends = {:?}\n[priors.eps]\ndist = \"fixed\"\nvalue = -0.05\n",
            repo()
                .join("scenarios/us_china_2025.toml")
                .display()
                .to_string()
        ),
    );
    let out = dir.path().join("failed");
    let r = run(
        &dir,
        &[
            "run",
            &file.display().to_string(),
            "--draws",
            "20",
            "--quiet",
            "--out",
            &out.display().to_string(),
        ],
    );
    assert_eq!(r.code(), 1, "{}", r.stderr());
    assert!(r.stderr().contains("draws failed"), "{}", r.stderr());
    if out.exists() {
        let left: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        for name in [
            "summary.json",
            "summary.csv",
            "manifest.json",
            "phases.csv",
            "draws.csv",
        ] {
            assert!(!left.contains(&name.to_string()), "{name} left: {left:?}");
        }
        assert!(left.iter().all(|n| !n.ends_with(".tmp")), "{left:?}");
    }
}

/// `--force` clears a run folder's files but never a folder tree: `--out` at a folder with
/// subfolders is refused even with `--force`, and nothing in it is touched.
#[test]
fn force_never_deletes_a_tree() {
    let dir = TestDir::new();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join("documents")).unwrap();
    std::fs::write(home.join("documents/keep.txt"), "mine").unwrap();
    std::fs::write(home.join("notes.txt"), "mine").unwrap();
    let r = run(
        &dir,
        &[
            "run",
            &scenario(),
            "--draws",
            "10",
            "--quiet",
            "--force",
            "--out",
            &home.display().to_string(),
        ],
    );
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(
        r.stderr().contains("it is not a run folder"),
        "{}",
        r.stderr()
    );
    assert!(home.join("documents/keep.txt").exists() && home.join("notes.txt").exists());
    assert!(!home.join(".tariffsim.lock").exists());
}

/// Fault injection (debug builds: `TARIFFSIM_FAIL_OUTPUT=NAME` fails the write and the rename of
/// that output as a full disk would): whichever data file fails, the run exits non-zero and
/// leaves no final-named data file, and no temporary either.
#[test]
fn a_disk_failing_at_each_output_file_leaves_no_final_file() {
    const DATA_FILES: [&str; 7] = [
        "phases.csv",
        "timeline.csv",
        "rules.json",
        "draws.csv",
        "summary.json",
        "summary.csv",
        "manifest.json",
    ];
    for failing in DATA_FILES {
        let dir = TestDir::new();
        let out = dir.path().join("o");
        let r = Run {
            out: dir
                .cmd()
                .env("TARIFFSIM_FAIL_OUTPUT", failing)
                .args([
                    "run",
                    &repo()
                        .join("scenarios/iran_secondary_25.toml")
                        .display()
                        .to_string(),
                    "--draws",
                    "20",
                    "--quiet",
                    "--out",
                    &out.display().to_string(),
                ])
                .output()
                .expect("spawn"),
        };
        assert_ne!(r.code(), 0, "{failing}: {}", r.stderr());
        assert!(
            r.stderr().contains("injected fault"),
            "{failing}: {}",
            r.stderr()
        );
        let left: Vec<String> = std::fs::read_dir(&out)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        for name in DATA_FILES {
            assert!(
                !left.contains(&name.to_string()),
                "{failing}: {name} left: {left:?}"
            );
        }
        assert!(
            left.iter().all(|n| !n.ends_with(".tmp")),
            "{failing}: temporaries left: {left:?}"
        );
    }
}
