//! `tariffsim demo`.

use crate::util::{TestDir, run};

#[test]
fn demo_runs_and_reports_diversion() {
    let dir = TestDir::new();
    let r = run(&dir, &["demo"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let line = r
        .stdout()
        .lines()
        .find(|l| l.starts_with("diversion_ratio.USA.CHN"))
        .map(str::to_owned)
        .expect("diversion ratio line");
    let ratio: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(ratio > 0.0 && ratio < 1.0, "{line}");
}

#[test]
fn demo_rejects_unknown_model_with_exit_2() {
    let dir = TestDir::new();
    let r = run(&dir, &["demo", "--model", "gravity"]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("unknown model `gravity`"),
        "{}",
        r.stderr()
    );
}
