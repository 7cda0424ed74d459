//! `tariffsim check`: every shipped scenario passes; every file of the bad corpus fails with its
//! expected message, a file:line:column location and exit code 2.

use crate::util::{TestDir, repo, run};
use std::path::PathBuf;

fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_scenario_passes_check() {
    let dir = TestDir::new();
    let files = toml_files("scenarios");
    assert!(files.len() >= 6, "{files:?}");
    let args: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let mut argv = vec!["check"];
    argv.extend(args.iter().map(String::as_str));
    let r = run(&dir, &argv);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let want: String = args.iter().map(|a| format!("ok: {a}\n")).collect();
    assert_eq!(r.stdout(), want);
    assert_eq!(r.stderr(), "");
}

/// `file:line:column` somewhere in the message, with numbers >= 1.
fn has_location(stderr: &str) -> bool {
    stderr.split_whitespace().any(|w| {
        let mut parts = w.rsplitn(3, ':');
        let col = parts.next().and_then(|c| c.parse::<usize>().ok());
        let line = parts.next().and_then(|l| l.parse::<usize>().ok());
        let file = parts.next();
        matches!((file, line, col), (Some(f), Some(l), Some(c)) if f.ends_with(".toml") && l >= 1 && c >= 1)
    })
}

#[test]
fn bad_corpus_fails_with_message_location_and_exit_2() {
    let dir = TestDir::new();
    let files = toml_files("tests/scenarios/bad");
    assert!(files.len() >= 40, "corpus has {} files", files.len());
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} lacks a `# expect:` first line", f.display()));
        let r = run(&dir, &["check", &f.display().to_string()]);
        let err = r.stderr();
        let ok = r.code() == 2
            && r.stdout().is_empty()
            && err.contains(expect)
            && err.starts_with("error: ")
            && !err.contains("error: error:")
            && err.contains("^")
            && has_location(&err)
            && !err.contains("panicked");
        if !ok {
            failures.push(format!(
                "{} (exit {}):\nexpected: {expect}\nstderr:\n{err}",
                f.display(),
                r.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

#[test]
fn errors_show_the_line_and_a_caret_under_the_bad_code() {
    let dir = TestDir::new();
    let f = repo().join("tests/scenarios/bad/unknown_region.toml");
    let r = run(&dir, &["check", &f.display().to_string()]);
    let err = r.stderr();
    assert!(err.contains("unknown_region.toml:16:14"), "{err}");
    assert!(err.contains("16 | exporters = [\"CHA\"]"), "{err}");
    assert!(err.contains("   |              ^^^^^"), "{err}");
    assert!(err.contains("= expected: a region code or group"), "{err}");
}

#[test]
fn one_bad_file_among_good_ones_fails_the_run_and_names_it() {
    let dir = TestDir::new();
    let good = repo().join("scenarios/truce_20.toml");
    let bad = dir.write("bad.toml", "baseline = \"world2024\"\n[focus\n");
    let r = run(
        &dir,
        &[
            "check",
            &good.display().to_string(),
            &bad.display().to_string(),
        ],
    );
    assert_eq!(r.code(), 2);
    assert_eq!(r.stdout(), format!("ok: {}\n", good.display()));
    assert!(r.stderr().contains("TOML syntax error"), "{}", r.stderr());
    assert!(r.stderr().contains("bad.toml:2:"), "{}", r.stderr());
    assert!(r.stderr().contains("1 of 2 scenario files are invalid"));
}

#[test]
fn missing_file_is_invalid_input() {
    let dir = TestDir::new();
    let r = run(&dir, &["check", "nope.toml"]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("cannot read scenario file `nope.toml`"),
        "{}",
        r.stderr()
    );
}

/// Every unknown key of a file in one pass, and keys that landed in an unknown table named with
/// the table (issue 19, item 7): before, this file got "missing key `baseline`" at 1:1.
#[test]
fn every_unknown_key_at_once_and_misplaced_top_level_keys() {
    let dir = TestDir::new();
    let file = dir.write(
        "misplaced.toml",
        "[scenario]\nname = \"x\"\nbaseline = \"world2024\"\n[focus]\nimporter = \"USA\"\ntarget = \"CHN\"\n[period]\nstart = 2025-01-01\nend = 2025-12-31\n[[layer]]\nname = \"a\"\nimportr = \"USA\"\nexporters = \"CHN\"\nrate = \"10%\"\neffective = 2025-02-01\n[[layer.step]]\ndate = 2025-03-01\nrat = \"20%\"\n[[rule]]\nname = \"r\"\nimporter = \"USA\"\npartner = \"IRN\"\nmin_shar = 0.01\n",
    );
    let r = run(&dir, &["check", file.to_str().unwrap()]);
    assert_eq!(r.code(), 2);
    let err = r.stderr();
    for needle in [
        "misplaced.toml:1:2",
        "`[scenario]` holds `name`, `baseline`: top-level keys go before the first `[table]` header",
        "misplaced.toml:12:1",
        "did you mean `importer`",
        "misplaced.toml:18:1",
        "unknown key `rat` in [[layer.step]]",
        "misplaced.toml:23:1",
        "4 problems found",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
    assert!(!err.contains("missing key `baseline`"), "{err}");
}
