//! Shared helpers of the `ge_*` tests: locating peer data, reading gegravity-shaped CSV files,
//! building a `GegravityCase` from them and comparing with gegravity's outputs.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tariffsim_core::model::gegravity::{CostSpec, GegravityCase, GegravityResults};

// The id and elasticity helpers are those of the other core tests.
#[path = "../common.rs"]
mod common;
#[allow(unused_imports)]
pub use common::{r, sec, typed, uniform};

/// `../shared/data` relative to the repository root, when it exists. When it does not, prints
/// that the test is skipped, or panics when `TARIFFSIM_REQUIRE_PEER_DATA=1` (CI).
pub fn shared_data(what: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let needed = [dir.join("gegravity_sample"), dir.join("gegravity_expected")];
    if needed.iter().all(|p| p.is_dir()) {
        return Some(dir);
    }
    if std::env::var("TARIFFSIM_REQUIRE_PEER_DATA").as_deref() == Ok("1") {
        panic!(
            "{what}: peer data missing at {} and TARIFFSIM_REQUIRE_PEER_DATA=1",
            dir.display()
        );
    }
    eprintln!("{what}: SKIPPED, peer data not found at {}", dir.display());
    None
}

/// The repository's own gegravity fixtures (`tests/peers/gegravity`).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers/gegravity")
}

/// A CSV table (plain: no quoted fields), header and rows of strings.
pub struct Table {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn read(path: &Path) -> Table {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<String> = lines
            .next()
            .unwrap_or_else(|| panic!("{} is empty", path.display()))
            .split(',')
            .map(|s| s.trim().to_string())
            .collect();
        let rows = lines
            .map(|l| {
                l.split(',')
                    .map(|s| s.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>();
        for (k, r) in rows.iter().enumerate() {
            assert_eq!(r.len(), header.len(), "{} line {}", path.display(), k + 2);
        }
        Table {
            path: path.to_path_buf(),
            header,
            rows,
        }
    }

    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{}: no column `{name}`", self.path.display()))
    }

    pub fn num(&self, row: usize, name: &str) -> f64 {
        let c = self.col(name);
        self.rows[row][c].parse().unwrap_or_else(|e| {
            panic!(
                "{} line {} column `{name}`: {e}",
                self.path.display(),
                row + 2
            )
        })
    }

    pub fn text(&self, row: usize, name: &str) -> &str {
        &self.rows[row][self.col(name)]
    }
}

/// A gegravity-shaped data set (`exporter, importer, Y, E, cost variables...`), one year.
pub struct GravityData {
    pub countries: Vec<String>,
    pub output: Vec<f64>,
    pub expenditure: Vec<f64>,
    /// `[(i * N + j) * K + k]` for the requested variables (`constant` = 1).
    pub costs: Vec<f64>,
    pub variables: Vec<String>,
}

impl GravityData {
    /// Reads rows (optionally of one `year`), country order sorted by code; `Y` and `E` are the
    /// means over rows as in gegravity.
    pub fn read(path: &Path, year: Option<&str>, variables: &[String]) -> GravityData {
        let t = Table::read(path);
        let rows: Vec<usize> = (0..t.rows.len())
            .filter(|&r| year.is_none_or(|y| t.text(r, "year") == y))
            .collect();
        let mut countries: Vec<String> = rows
            .iter()
            .flat_map(|&r| {
                [
                    t.text(r, "exporter").to_string(),
                    t.text(r, "importer").to_string(),
                ]
            })
            .collect();
        countries.sort();
        countries.dedup();
        let n = countries.len();
        let index: HashMap<&str, usize> = countries
            .iter()
            .enumerate()
            .map(|(k, c)| (c.as_str(), k))
            .collect();
        let k_vars = variables.len();
        let mut costs = vec![f64::NAN; n * n * k_vars];
        let mut y_sum = vec![0.0; n];
        let mut y_cnt = vec![0.0; n];
        let mut e_sum = vec![0.0; n];
        let mut e_cnt = vec![0.0; n];
        for &r in &rows {
            let i = index[t.text(r, "exporter")];
            let j = index[t.text(r, "importer")];
            y_sum[i] += t.num(r, "Y");
            y_cnt[i] += 1.0;
            e_sum[j] += t.num(r, "E");
            e_cnt[j] += 1.0;
            for (k, v) in variables.iter().enumerate() {
                costs[(i * n + j) * k_vars + k] = match v.as_str() {
                    "constant" => 1.0,
                    "ln_tau" => 0.0,
                    name => t.num(r, name),
                };
            }
        }
        GravityData {
            output: (0..n).map(|i| y_sum[i] / y_cnt[i]).collect(),
            expenditure: (0..n).map(|j| e_sum[j] / e_cnt[j]).collect(),
            countries,
            costs,
            variables: variables.to_vec(),
        }
    }

    pub fn index(&self, code: &str) -> usize {
        self.countries
            .iter()
            .position(|c| c == code)
            .unwrap_or_else(|| panic!("no country `{code}`"))
    }

    /// Sets variable `var` of the pair (exporter, importer) in `costs`.
    pub fn set(&self, costs: &mut [f64], exporter: &str, importer: &str, var: &str, value: f64) {
        let n = self.countries.len();
        let k_vars = self.variables.len();
        let k = self
            .variables
            .iter()
            .position(|v| v == var)
            .unwrap_or_else(|| panic!("no variable `{var}`"));
        let (i, j) = (self.index(exporter), self.index(importer));
        costs[(i * n + j) * k_vars + k] = value;
    }

    pub fn case(&self, sigma: f64, reference: &str, coefficients: &[f64]) -> GegravityCase {
        GegravityCase::new(
            self.countries.clone(),
            self.output.clone(),
            self.expenditure.clone(),
            sigma,
            reference,
            CostSpec::new(self.variables.clone(), coefficients.to_vec()).unwrap(),
            &self.costs,
        )
        .unwrap()
    }
}

/// Accumulates comparisons and reports every failure at once.
#[derive(Default)]
pub struct Compare {
    pub checked: usize,
    pub failures: Vec<String>,
    pub worst_rel: f64,
    pub worst_pp: f64,
}

/// Levels and ratios: 1e-7 relative (gegravity's own hybr solve is accurate to ~1e-8: SPEC §6).
pub const LEVEL_REL: f64 = 1e-7;
/// Percent changes: 1e-5 percentage points absolute (SPEC §6: gegravity's error is <= 6e-7 pp;
/// some changes are ~1e-4 %, so a relative bound on them is meaningless).
pub const PCT_ABS: f64 = 1e-5;

impl Compare {
    pub fn level(&mut self, what: &str, ours: f64, theirs: f64) {
        self.checked += 1;
        let rel = (ours - theirs).abs() / theirs.abs().max(1e-300);
        self.worst_rel = self.worst_rel.max(rel);
        if !(rel <= LEVEL_REL) {
            self.failures.push(format!(
                "{what}: ours {ours:e}, gegravity {theirs:e}, rel {rel:.2e}"
            ));
        }
    }

    pub fn pct(&mut self, what: &str, ours: f64, theirs: f64) {
        self.checked += 1;
        let d = (ours - theirs).abs();
        self.worst_pp = self.worst_pp.max(d);
        if !(d <= PCT_ABS) {
            self.failures.push(format!(
                "{what}: ours {ours:e} %, gegravity {theirs:e} %, diff {d:.2e} pp"
            ));
        }
    }

    pub fn finish(self, label: &str) {
        eprintln!(
            "{label}: {} values compared, worst level rel {:.2e}, worst pct diff {:.2e} pp",
            self.checked, self.worst_rel, self.worst_pp
        );
        assert!(
            self.failures.is_empty(),
            "{label}: {} of {} values differ from gegravity:\n{}",
            self.failures.len(),
            self.checked,
            self.failures[..self.failures.len().min(20)].join("\n")
        );
    }
}

/// Compares every country result, resistance, solver unknown and bilateral flow in an expected
/// folder (gegravity's file layout) with `ours`.
pub fn compare_with_expected(dir: &Path, ours: &GegravityResults, label: &str) {
    let idx = |code: &str| {
        ours.countries
            .iter()
            .position(|c| c == code)
            .unwrap_or_else(|| panic!("{label}: gegravity reports unknown country `{code}`"))
    };
    let mut cmp = Compare::default();
    let t = Table::read(&dir.join("country_results.csv"));
    assert_eq!(t.rows.len(), ours.countries.len(), "{label}: country count");
    for r in 0..t.rows.len() {
        let code = t.text(r, "country").to_string();
        let i = idx(&code);
        let pcts: [(&str, f64); 10] = [
            (
                "factory gate price change (percent)",
                ours.factory_gate_price_change_pct(i),
            ),
            ("omr change (percent)", ours.omr_change_pct(i)),
            ("imr change (percent)", ours.imr_change_pct(i)),
            ("GDP change (percent)", ours.gdp_change_pct(i)),
            (
                "terms of trade change (percent)",
                ours.terms_of_trade_change_pct(i),
            ),
            ("output change (percent)", ours.output_change_pct(i)),
            (
                "expenditure change (percent)",
                ours.expenditure_change_pct(i),
            ),
            (
                "foreign exports change (percent)",
                ours.foreign_exports_change_pct(i),
            ),
            (
                "foreign imports change (percent)",
                ours.foreign_imports_change_pct(i),
            ),
            (
                "intranational trade change (percent)",
                ours.intranational_trade_change_pct(i),
            ),
        ];
        for (name, v) in pcts {
            cmp.pct(&format!("{code} {name}"), v, t.num(r, name));
            // The same change as a ratio 1 + chg/100, to 1e-7 relative.
            cmp.level(
                &format!("{code} 1+{name}/100"),
                1.0 + v / 100.0,
                1.0 + t.num(r, name) / 100.0,
            );
        }
        cmp.level(
            &format!("{code} welfare statistic"),
            ours.welfare_statistic[i],
            t.num(r, "welfare statistic"),
        );
    }
    let t = Table::read(&dir.join("country_mr_terms.csv"));
    for r in 0..t.rows.len() {
        let code = t.text(r, "country").to_string();
        let i = idx(&code);
        for (name, v) in [
            ("baseline imr", ours.imr_baseline[i]),
            ("conditional imr", ours.imr_counterfactual[i]),
            ("experiment imr", ours.imr_counterfactual[i]),
            ("baseline omr", ours.omr_baseline[i]),
            ("conditional omr", ours.omr_counterfactual[i]),
            ("experiment omr", ours.omr_counterfactual[i]),
        ] {
            cmp.level(&format!("{code} {name}"), v, t.num(r, name));
        }
    }
    let t = Table::read(&dir.join("solver_unknowns.csv"));
    for r in 0..t.rows.len() {
        let code = t.text(r, "country").to_string();
        let i = idx(&code);
        for (name, v) in [
            ("Y", ours.output[i]),
            ("E", ours.expenditure[i]),
            ("output_share_Y_over_sumY", ours.output_share[i]),
            ("expend_share_E_over_sumE", ours.expenditure_share[i]),
            ("x_imr_baseline", ours.imr_ratio_baseline[i]),
            ("x_omr_baseline", ours.omr_ratio_baseline[i]),
            ("x_imr_conditional", ours.imr_ratio_counterfactual[i]),
            ("x_omr_conditional", ours.omr_ratio_counterfactual[i]),
            ("x_imr_experiment", ours.imr_ratio_counterfactual[i]),
            ("x_omr_experiment", ours.omr_ratio_counterfactual[i]),
            ("factory_gate_param_beta", ours.factory_gate_param[i]),
            ("p_experiment", ours.factory_gate_price[i]),
            ("Y_experiment", ours.output_counterfactual[i]),
            ("E_experiment", ours.expenditure_counterfactual[i]),
            ("welfare_stat", ours.welfare_statistic[i]),
        ] {
            cmp.level(&format!("{code} {name}"), v, t.num(r, name));
        }
    }
    let t = Table::read(&dir.join("bilateral_trade_results.csv"));
    let n = ours.countries.len();
    assert_eq!(t.rows.len(), n * n, "{label}: bilateral rows");
    for r in 0..t.rows.len() {
        let (ex, im) = (
            t.text(r, "exporter").to_string(),
            t.text(r, "importer").to_string(),
        );
        let (i, j) = (idx(&ex), idx(&im));
        let k = i * n + j;
        cmp.level(
            &format!("{ex}->{im} baseline modeled trade"),
            ours.baseline_trade[k],
            t.num(r, "baseline modeled trade"),
        );
        cmp.level(
            &format!("{ex}->{im} experiment trade"),
            ours.counterfactual_trade[k],
            t.num(r, "experiment trade"),
        );
        cmp.pct(
            &format!("{ex}->{im} trade change"),
            ours.trade_change_pct(i, j),
            t.num(r, "trade change (percent)"),
        );
    }
    assert!(
        ours.residual <= tariffsim_core::tolerance::SOLVE_TOL,
        "{label}: residual {:e}",
        ours.residual
    );
    cmp.finish(label);
}
