//! `gegravity-compat`: USITC `gegravity` 0.3 `OneSectorGE`, reproduced convention for convention.
//!
//! Use this model to compare tariffsim with gegravity number for number. For the textbook
//! endowment general equilibrium with tariff revenue and sectors, use
//! [`gravity-ge`](super::gravity_ge).
//!
//! # Model (as gegravity codes it; spec: `shared/data/gegravity_expected/SPEC.md` §2)
//! Countries `i` (exporter) and `j` (importer), output `Y_i`, expenditure `E_j`, trade-cost power
//! `T_ij = t_ij^(1−σ) = exp(Σ_k β_k x_ijk)` from cost variables `x` and coefficients `β`.
//!
//! - Shares are normalised by **separate** world totals: `y_i = Y_i / Σ Y`, `e_j = E_j / Σ E`.
//! - Unknowns are `a_j = P_j^(σ−1)` and `b_i = Π_i^(σ−1)` (gegravity's `imr_ratio`, `omr_ratio`):
//!   `1 = a_j Σ_i T_ij y_i b_i` (inward, every `j`) and `1 = b_i Σ_j T_ij e_j a_j` (outward, every
//!   `i`). The reference importer's inward resistance is the numeraire, `a_ref = 1`, and its
//!   inward equation is dropped (it is implied by the others since `Σ y = Σ e = 1`).
//! - Counterfactual: the same system with the counterfactual costs `T'` and the **baseline**
//!   shares `y`, `e` (gegravity's "full GE" is block-triangular: its resistances are the
//!   conditional ones). The factory-gate price is `p_i = (b'_i / b_i)^(1/(1−σ)) = Π_i / Π'_i`.
//! - Post-processing: `Y' = p Y`, `E' = p E`, `P = a^(1/(σ−1))`, `Π = b^(1/(σ−1))`,
//!   modelled trade `X_ij = T_ij E_j (Y_i / Y_W) a_j b_i` and
//!   `X'_ij = T'_ij E'_j (Y'_i / Y'_W) a'_j b'_i` with `Y'_W = Σ p Y`, terms of trade and real
//!   GDP change `100 (p P / P' − 1)`, welfare statistic `(E/P) / (E'/P')` (baseline over
//!   counterfactual: below 1 is a gain).
//!
//! Held fixed: endowments (quantities), the expenditure/output ratio `E/Y`, the shares inside the
//! resistance system, and the numeraire `P_ref = 1`. World nominal output is **not** normalised.
//! There is no tariff revenue and one sector.
//!
//! # Solver
//! gegravity calls MINPACK `hybr` (forward-difference Jacobian, `xtol = 1e-8`). Here the
//! resistance system is solved exactly by its alternating fixed point (Sinkhorn–Knopp matrix
//! scaling: `b ← 1 / (T (e∘a))`, `a ← 1 / (Tᵀ (y∘b))`), which converges globally for a
//! non-negative `T` with a positive entry in every row and column, with `a_ref = 1` after every
//! sweep. The sweep is Anderson-accelerated (depth 6: the next `a` is the combination of the last
//! sweeps' images that best cancels their residuals; a step that leaves `a > 0` violated or worsens the
//! residual 10× falls back to the plain sweep), which cuts the sweeps on gegravity's sample from
//! ~85 to ~25 per solve. Systems of up to 64 countries finish with Newton steps on the inward
//! equations (with `b(a)` eliminated, analytic `N × N` Jacobian) once the residual is below
//! 1e-3 (chord steps reuse the factorisation while each cuts the residual 10×): a few steps
//! instead of dozens of sweeps when the sweeps contract slowly (strong home bias, high sigma). It stops when every one of the `2N` equations holds to
//! [`SOLVE_TOL`] (relative: each residual is `1 − a·Σ…`), far
//! tighter than gegravity's own ~1e-8, which is why comparisons use gegravity's accuracy as the
//! tolerance. The counterfactual starts from the baseline solution.
//!
//! # On a [`Baseline`] (the `gegravity-compat` entry of [`crate::Model`])
//! Each sector is its own `OneSectorGE` with that sector's `sigma` (uniform across importers).
//! Costs are calibrated so the model reproduces the observed flows exactly:
//! `T_ij = x_ij W / (Y_i E_j)` with `Y_i = Σ_j x_ij`, `E_j = Σ_i x_ij` (diagonal included),
//! `W = Σ Y = Σ E`, which gives `a = b = 1` at the baseline. A tariff change enters as an
//! iceberg cost, `T'_ij = T_ij (T1_ij / T0_ij)^(1−σ)`, with no revenue (as in gegravity). The
//! reference importer is the region with the largest total expenditure (over all sectors) that
//! buys in the sector. Rows and columns with no trade are left out of the sector's system
//! (`p = 1`). The [`Equilibrium`] gets `phat = p`, `price_index = P'/P`, flows `X'` (which equal
//! the observed flows at the baseline), producer surplus `Y (p − 1)` (the change in nominal
//! output), welfare = the equivalent variation `E_j (p_j P_j / P'_j − 1)` in USD (real
//! expenditure change at baseline prices), consumer surplus = welfare − producer surplus (the
//! cost-of-living part), tariff revenue 0.
//!
//! # References
//! - Herman, P. R. (2021), *gegravity: General Equilibrium Gravity Modeling in Python*, USITC
//!   Economics Working Paper 2021-04-B; package `gegravity` 0.3 (PyPI), `OneSectorGE.py`.
//! - Larch, M. and Y. V. Yotov (2016), "General Equilibrium Trade Policy Analysis with
//!   Structural Gravity", WTO Staff Working Paper ERSD-2016-08 (eq. 30: `E/Y` held fixed).
//! - Anderson, J. E. and E. van Wincoop (2003), "Gravity with Gravitas", *AER* 93(1).
//! - Sinkhorn, R. and P. Knopp (1967), "Concerning nonnegative matrices and doubly stochastic
//!   matrices", *Pacific J. Math.* 21(2).
//! - Walker, H. F. and P. Ni (2011), "Anderson Acceleration for Fixed-Point Iterations",
//!   *SIAM J. Numer. Anal.* 49(4).

use crate::baseline::Baseline;
use crate::elasticity::Elasticities;
use crate::equilibrium::Equilibrium;
use crate::error::{CoreError, Result, SolveError, StopReason};
use crate::linalg::{dot, lu_factor, lu_solve};
use crate::tariff::Tariffs;
use crate::tolerance::{SIGMA_ONE_TOL, SOLVE_TOL};

/// The model name used in errors and in [`Equilibrium::model`].
pub const NAME: &str = "gegravity-compat";

/// Depth of the Anderson acceleration of the fixed point (columns of history).
const ANDERSON_DEPTH: usize = 6;

/// Systems up to this many countries finish with Newton steps (an `N × N` factorisation each)
/// once the residual is below [`NEWTON_SWITCH`]; larger ones stay with the accelerated sweeps.
const NEWTON_MAX_COUNTRIES: usize = 64;

/// Residual below which Newton steps take over (inside their region of quadratic convergence).
const NEWTON_SWITCH: f64 = 1e-3;

/// Iteration budget of one resistance solve (each iteration is two `N × N` matrix–vector
/// products; the sample needs ~100).
pub const MAX_ITERATIONS: usize = 100_000;

/// Trade-cost specification: the names of the cost variables and their coefficients `β_k`
/// (`t_ij^(1−σ) = exp(Σ_k β_k x_ijk)`), as in gegravity's `cost_variables` and `cost_coeffs`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CostSpec {
    /// Variable names (`lndist`, `pta`, ..., `constant`), in the order of the data's columns.
    pub variables: Vec<String>,
    /// One coefficient per variable.
    pub coefficients: Vec<f64>,
}

impl CostSpec {
    /// Validates the coefficients (finite, one per variable).
    pub fn new(variables: Vec<String>, coefficients: Vec<f64>) -> Result<Self> {
        if variables.len() != coefficients.len() {
            return Err(CoreError::Shape {
                what: "cost coefficients",
                expected: variables.len(),
                found: coefficients.len(),
            });
        }
        if let Some((k, &b)) = coefficients
            .iter()
            .enumerate()
            .find(|(_, b)| !b.is_finite())
        {
            return Err(CoreError::InvalidValue {
                what: "cost coefficient",
                value: b,
                location: format!("variable `{}`", variables[k]),
                expected: "a finite number",
            });
        }
        Ok(Self {
            variables,
            coefficients,
        })
    }

    /// `T_ij = exp(Σ_k β_k x_ijk)` for cost data laid out `[(i * N + j) * K + k]`.
    ///
    /// Rejects data that is not `N² × K` (gegravity needs every exporter–importer pair,
    /// including `i = j`) and non-finite values.
    pub fn cost_power(&self, countries: &[String], data: &[f64]) -> Result<Vec<f64>> {
        let n = countries.len();
        let k_vars = self.variables.len();
        if data.len() != n * n * k_vars {
            return Err(CoreError::Incompatible(format!(
                "cost data has {} values, expected {} countries² × {} variables = {} \
                 (gegravity needs square data: every exporter–importer pair, including domestic)",
                data.len(),
                n,
                k_vars,
                n * n * k_vars
            )));
        }
        let mut out = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let row = &data[(i * n + j) * k_vars..(i * n + j + 1) * k_vars];
                let mut z = 0.0;
                for (k, (&x, &beta)) in row.iter().zip(&self.coefficients).enumerate() {
                    if !x.is_finite() {
                        return Err(CoreError::InvalidValue {
                            what: "cost variable",
                            value: x,
                            location: format!(
                                "exporter {}, importer {}, variable `{}`",
                                countries[i], countries[j], self.variables[k]
                            ),
                            expected: "a finite number",
                        });
                    }
                    z += beta * x;
                }
                out[i * n + j] = z.exp();
            }
        }
        Ok(out)
    }
}

/// One gegravity `OneSectorGE` problem: countries, output, expenditure, sigma, the reference
/// importer and the baseline trade costs. Validated on construction.
#[derive(Debug, Clone, PartialEq)]
pub struct GegravityCase {
    countries: Vec<String>,
    output: Vec<f64>,
    expenditure: Vec<f64>,
    output_share: Vec<f64>,
    expenditure_share: Vec<f64>,
    sigma: f64,
    reference: usize,
    cost_spec: Option<CostSpec>,
    cost_power: Vec<f64>,
    max_iterations: usize,
}

/// Everything gegravity reports for one counterfactual: per country and per pair.
///
/// Per-country vectors are in the order of the case's countries; bilateral ones are `[i * N + j]`
/// (exporter `i`, importer `j`).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct GegravityResults {
    /// Country codes.
    pub countries: Vec<String>,
    /// `Y_i / Σ Y`.
    pub output_share: Vec<f64>,
    /// `E_j / Σ E`.
    pub expenditure_share: Vec<f64>,
    /// Baseline `a_j = P_j^(σ−1)` (gegravity `x_imr_baseline`).
    pub imr_ratio_baseline: Vec<f64>,
    /// Baseline `b_i = Π_i^(σ−1)` (gegravity `x_omr_baseline`).
    pub omr_ratio_baseline: Vec<f64>,
    /// Counterfactual `a'_j` (conditional = experiment in gegravity).
    pub imr_ratio_counterfactual: Vec<f64>,
    /// Counterfactual `b'_i`.
    pub omr_ratio_counterfactual: Vec<f64>,
    /// Baseline inward resistance `P_j`.
    pub imr_baseline: Vec<f64>,
    /// Counterfactual inward resistance `P'_j`.
    pub imr_counterfactual: Vec<f64>,
    /// Baseline outward resistance `Π_i`.
    pub omr_baseline: Vec<f64>,
    /// Counterfactual outward resistance `Π'_i`.
    pub omr_counterfactual: Vec<f64>,
    /// gegravity's factory-gate parameter `y_i b_i`.
    pub factory_gate_param: Vec<f64>,
    /// Factory-gate price `p_i = Π_i / Π'_i` (ratio to the baseline price, 1).
    pub factory_gate_price: Vec<f64>,
    /// Baseline output `Y_i`.
    pub output: Vec<f64>,
    /// Baseline expenditure `E_j`.
    pub expenditure: Vec<f64>,
    /// Counterfactual output `p_i Y_i`.
    pub output_counterfactual: Vec<f64>,
    /// Counterfactual expenditure `p_j E_j`.
    pub expenditure_counterfactual: Vec<f64>,
    /// `(E/P) / (E'/P')`: baseline over counterfactual real expenditure (< 1 is a gain).
    pub welfare_statistic: Vec<f64>,
    /// Modelled baseline trade `X_ij`.
    pub baseline_trade: Vec<f64>,
    /// Modelled counterfactual trade `X'_ij`.
    pub counterfactual_trade: Vec<f64>,
    /// Iterations of the baseline and counterfactual resistance solves.
    pub iterations: [usize; 2],
    /// Largest absolute residual of the `2N` resistance equations, over both solves.
    pub residual: f64,
}

fn pct(ratio: f64) -> f64 {
    100.0 * (ratio - 1.0)
}

impl GegravityResults {
    fn n(&self) -> usize {
        self.countries.len()
    }

    /// Factory-gate price change, percent (= output and expenditure change).
    #[must_use]
    pub fn factory_gate_price_change_pct(&self, i: usize) -> f64 {
        pct(self.factory_gate_price[i])
    }

    /// Outward multilateral resistance change, percent.
    #[must_use]
    pub fn omr_change_pct(&self, i: usize) -> f64 {
        pct(self.omr_counterfactual[i] / self.omr_baseline[i])
    }

    /// Inward multilateral resistance change, percent.
    #[must_use]
    pub fn imr_change_pct(&self, i: usize) -> f64 {
        pct(self.imr_counterfactual[i] / self.imr_baseline[i])
    }

    /// Real GDP change `100 ((Y'/P') / (Y/P) − 1)`, percent.
    #[must_use]
    pub fn gdp_change_pct(&self, i: usize) -> f64 {
        pct((self.output_counterfactual[i] / self.imr_counterfactual[i])
            / (self.output[i] / self.imr_baseline[i]))
    }

    /// Terms-of-trade change `100 ((p/P') / (1/P) − 1)`, percent.
    #[must_use]
    pub fn terms_of_trade_change_pct(&self, i: usize) -> f64 {
        pct((self.factory_gate_price[i] / self.imr_counterfactual[i])
            / (1.0 / self.imr_baseline[i]))
    }

    /// Output change, percent.
    #[must_use]
    pub fn output_change_pct(&self, i: usize) -> f64 {
        pct(self.output_counterfactual[i] / self.output[i])
    }

    /// Expenditure change, percent.
    #[must_use]
    pub fn expenditure_change_pct(&self, i: usize) -> f64 {
        pct(self.expenditure_counterfactual[i] / self.expenditure[i])
    }

    fn sum_foreign(&self, trade: &[f64], r: usize, exports: bool) -> f64 {
        let n = self.n();
        (0..n)
            .filter(|&k| k != r)
            .map(|k| {
                if exports {
                    trade[r * n + k]
                } else {
                    trade[k * n + r]
                }
            })
            .sum()
    }

    /// Change in modelled exports to other countries, percent.
    #[must_use]
    pub fn foreign_exports_change_pct(&self, i: usize) -> f64 {
        pct(self.sum_foreign(&self.counterfactual_trade, i, true)
            / self.sum_foreign(&self.baseline_trade, i, true))
    }

    /// Change in modelled imports from other countries, percent.
    #[must_use]
    pub fn foreign_imports_change_pct(&self, j: usize) -> f64 {
        pct(self.sum_foreign(&self.counterfactual_trade, j, false)
            / self.sum_foreign(&self.baseline_trade, j, false))
    }

    /// Change in modelled intranational trade `X_ii`, percent.
    #[must_use]
    pub fn intranational_trade_change_pct(&self, i: usize) -> f64 {
        let k = i * self.n() + i;
        pct(self.counterfactual_trade[k] / self.baseline_trade[k])
    }

    /// Change in modelled trade from `i` to `j`, percent.
    #[must_use]
    pub fn trade_change_pct(&self, i: usize, j: usize) -> f64 {
        let k = i * self.n() + j;
        pct(self.counterfactual_trade[k] / self.baseline_trade[k])
    }
}

impl GegravityCase {
    /// A case whose trade costs come from cost variables: `baseline_costs` is laid out
    /// `[(i * N + j) * K + k]` (exporter, importer, variable), `K = costs.variables.len()`.
    ///
    /// Rejects: duplicate or empty country lists, non-positive or non-finite output or
    /// expenditure, `sigma` ≤ 0, non-finite or equal to 1, an unknown reference importer, and
    /// cost data that is not square.
    pub fn new(
        countries: Vec<String>,
        output_usd: Vec<f64>,
        expenditure_usd: Vec<f64>,
        sigma: f64,
        reference_importer: &str,
        costs: CostSpec,
        baseline_costs: &[f64],
    ) -> Result<Self> {
        let power = costs.cost_power(&countries, baseline_costs)?;
        let mut case = Self::from_cost_powers(
            countries,
            output_usd,
            expenditure_usd,
            sigma,
            reference_importer,
            power,
        )?;
        case.cost_spec = Some(costs);
        Ok(case)
    }

    /// A case from the cost powers `T_ij = t_ij^(1−σ)` directly (`[i * N + j]`, ≥ 0, with a
    /// positive entry in every row and column).
    pub fn from_cost_powers(
        countries: Vec<String>,
        output_usd: Vec<f64>,
        expenditure_usd: Vec<f64>,
        sigma: f64,
        reference_importer: &str,
        cost_power: Vec<f64>,
    ) -> Result<Self> {
        let n = countries.len();
        if n == 0 {
            return Err(CoreError::InvalidSet {
                what: "countries",
                detail: "no countries".into(),
            });
        }
        for (k, c) in countries.iter().enumerate() {
            if countries[..k].contains(c) {
                return Err(CoreError::InvalidSet {
                    what: "countries",
                    detail: format!("`{c}` appears twice"),
                });
            }
        }
        for (what, v) in [("output", &output_usd), ("expenditure", &expenditure_usd)] {
            if v.len() != n {
                return Err(CoreError::Shape {
                    what,
                    expected: n,
                    found: v.len(),
                });
            }
            if let Some((k, &x)) = v
                .iter()
                .enumerate()
                .find(|(_, x)| !(x.is_finite() && **x > 0.0))
            {
                return Err(CoreError::InvalidValue {
                    what,
                    value: x,
                    location: format!("country {}", countries[k]),
                    expected: "a finite value > 0",
                });
            }
        }
        check_sigma(sigma, "the gegravity case")?;
        let reference = countries
            .iter()
            .position(|c| c == reference_importer)
            .ok_or_else(|| CoreError::UnknownCode {
                what: "reference importer",
                code: reference_importer.to_string(),
            })?;
        check_cost_power(&countries, &cost_power, "baseline")?;
        let y_world: f64 = output_usd.iter().sum();
        let e_world: f64 = expenditure_usd.iter().sum();
        Ok(Self {
            output_share: output_usd.iter().map(|y| y / y_world).collect(),
            expenditure_share: expenditure_usd.iter().map(|e| e / e_world).collect(),
            countries,
            output: output_usd,
            expenditure: expenditure_usd,
            sigma,
            reference,
            cost_spec: None,
            cost_power,
            max_iterations: MAX_ITERATIONS,
        })
    }

    /// Sets the iteration budget of each resistance solve (default [`MAX_ITERATIONS`]).
    #[must_use]
    pub fn with_max_iterations(mut self, max_iterations: usize) -> Self {
        self.max_iterations = max_iterations;
        self
    }

    /// Country codes.
    #[must_use]
    pub fn countries(&self) -> &[String] {
        &self.countries
    }

    /// Baseline cost powers `T_ij`.
    #[must_use]
    pub fn cost_power(&self) -> &[f64] {
        &self.cost_power
    }

    /// Solves the baseline and the counterfactual with counterfactual cost data (same layout and
    /// cost variables as the baseline's).
    pub fn solve(&self, counterfactual_costs: &[f64]) -> Result<GegravityResults> {
        let spec = self.cost_spec.as_ref().ok_or_else(|| {
            CoreError::Incompatible(
                "this gegravity case was built from cost powers; use `solve_cost_powers`".into(),
            )
        })?;
        let power = spec.cost_power(&self.countries, counterfactual_costs)?;
        self.solve_cost_powers(&power)
    }

    /// Solves the baseline and the counterfactual given the counterfactual cost powers `T'_ij`.
    pub fn solve_cost_powers(&self, counterfactual_power: &[f64]) -> Result<GegravityResults> {
        check_cost_power(&self.countries, counterfactual_power, "counterfactual")?;
        let n = self.countries.len();
        let mut ws = MrWorkspace::default();
        ws.resize(n);
        let (it0, res0) = ws.solve(
            &self.cost_power,
            &self.output_share,
            &self.expenditure_share,
            self.reference,
            self.max_iterations,
        )?;
        let a0 = ws.a.clone();
        let b0 = ws.b.clone();
        let (it1, res1) = ws.solve(
            counterfactual_power,
            &self.output_share,
            &self.expenditure_share,
            self.reference,
            self.max_iterations,
        )?;
        let a1 = ws.a.clone();
        let b1 = ws.b.clone();
        let s = self.sigma;
        let level = |x: &f64| x.powf(1.0 / (s - 1.0));
        let p: Vec<f64> = (0..n)
            .map(|i| (b1[i] / b0[i]).powf(1.0 / (1.0 - s)))
            .collect();
        let y1: Vec<f64> = (0..n).map(|i| p[i] * self.output[i]).collect();
        let e1: Vec<f64> = (0..n).map(|i| p[i] * self.expenditure[i]).collect();
        let y_world: f64 = self.output.iter().sum();
        let y1_world: f64 = y1.iter().sum();
        let mut x0 = vec![0.0; n * n];
        let mut x1 = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let k = i * n + j;
                x0[k] = self.cost_power[k]
                    * self.expenditure[j]
                    * (self.output[i] / y_world)
                    * a0[j]
                    * b0[i];
                x1[k] = counterfactual_power[k] * e1[j] * (y1[i] / y1_world) * a1[j] * b1[i];
            }
        }
        let imr0: Vec<f64> = a0.iter().map(level).collect();
        let imr1: Vec<f64> = a1.iter().map(level).collect();
        let welfare = (0..n)
            .map(|i| (self.expenditure[i] / imr0[i]) / (e1[i] / imr1[i]))
            .collect();
        let out = GegravityResults {
            countries: self.countries.clone(),
            output_share: self.output_share.clone(),
            expenditure_share: self.expenditure_share.clone(),
            factory_gate_param: (0..n).map(|i| self.output_share[i] * b0[i]).collect(),
            omr_baseline: b0.iter().map(level).collect(),
            omr_counterfactual: b1.iter().map(level).collect(),
            imr_baseline: imr0,
            imr_counterfactual: imr1,
            imr_ratio_baseline: a0,
            omr_ratio_baseline: b0,
            imr_ratio_counterfactual: a1,
            omr_ratio_counterfactual: b1,
            factory_gate_price: p,
            output: self.output.clone(),
            expenditure: self.expenditure.clone(),
            output_counterfactual: y1,
            expenditure_counterfactual: e1,
            welfare_statistic: welfare,
            baseline_trade: x0,
            counterfactual_trade: x1,
            iterations: [it0, it1],
            residual: res0.max(res1),
        };
        let finite = [
            &out.factory_gate_price,
            &out.welfare_statistic,
            &out.imr_counterfactual,
            &out.omr_counterfactual,
            &out.counterfactual_trade,
        ]
        .iter()
        .all(|v| v.iter().all(|x| x.is_finite()));
        if !finite {
            return Err(SolveError {
                model: NAME,
                sector: None,
                iterations: it0 + it1,
                residual: out.residual,
                reason: StopReason::Diverged,
            }
            .into());
        }
        Ok(out)
    }
}

fn check_sigma(sigma: f64, what: &str) -> Result<()> {
    if !(sigma.is_finite() && sigma > 0.0 && (sigma - 1.0).abs() > SIGMA_ONE_TOL) {
        return Err(CoreError::InvalidValue {
            what: "sigma",
            value: sigma,
            location: what.to_string(),
            expected: "a finite sigma > 0 and != 1 (gegravity's resistances are a^(1/(sigma-1)))",
        });
    }
    Ok(())
}

fn check_cost_power(countries: &[String], t: &[f64], which: &str) -> Result<()> {
    let n = countries.len();
    if t.len() != n * n {
        return Err(CoreError::Incompatible(format!(
            "{which} cost powers have {} values, expected {n}² = {} (square data: every \
             exporter–importer pair, including domestic)",
            t.len(),
            n * n
        )));
    }
    for (k, &x) in t.iter().enumerate() {
        if !(x.is_finite() && x >= 0.0) {
            return Err(CoreError::InvalidValue {
                what: "trade-cost power t^(1-sigma)",
                value: x,
                location: format!(
                    "{which}, exporter {}, importer {}",
                    countries[k / n],
                    countries[k % n]
                ),
                expected: "a finite value >= 0",
            });
        }
    }
    for r in 0..n {
        let row = (0..n).any(|j| t[r * n + j] > 0.0);
        let col = (0..n).any(|i| t[i * n + r] > 0.0);
        if !(row && col) {
            return Err(CoreError::Incompatible(format!(
                "{which} trade costs: country {} has no positive cost power as {} \
                 (its resistance is undefined)",
                countries[r],
                if row { "importer" } else { "exporter" }
            )));
        }
    }
    Ok(())
}

/// Scratch and solution of one resistance solve (`a`, `b`), reused across solves.
#[derive(Debug, Default, Clone)]
pub struct MrWorkspace {
    /// `a_j = P_j^(σ−1)`.
    pub(crate) a: Vec<f64>,
    /// `b_i = Π_i^(σ−1)`.
    pub(crate) b: Vec<f64>,
    ea: Vec<f64>,
    yb: Vec<f64>,
    col: Vec<f64>,
    row: Vec<f64>,
    g: Vec<f64>,
    f_prev: Vec<f64>,
    g_prev: Vec<f64>,
    df: Vec<f64>,
    dg: Vec<f64>,
    gram: Vec<f64>,
    jac: Vec<f64>,
    rhs: Vec<f64>,
    v: Vec<f64>,
    piv: Vec<usize>,
    warm: bool,
}

impl MrWorkspace {
    /// Sizes the buffers for `n` countries and forgets any warm start.
    pub fn resize(&mut self, n: usize) {
        for v in [
            &mut self.a,
            &mut self.b,
            &mut self.ea,
            &mut self.yb,
            &mut self.col,
            &mut self.row,
        ] {
            v.clear();
            v.resize(n, 1.0);
        }
        self.warm = false;
    }

    /// Forgets the warm start (the next solve starts from `a = 1`).
    pub fn cold_start(&mut self) {
        self.a.fill(1.0);
        self.warm = false;
    }

    /// Solves `1 = a_j Σ_i T_ij y_i b_i`, `1 = b_i Σ_j T_ij e_j a_j` with `a_ref = 1` into
    /// `self.a`, `self.b`, starting from the current `a` (the previous solution, if any).
    ///
    /// Rows with `y_i = 0` and columns with `e_j = 0` and no positive `T` are inactive: they
    /// keep `1` and do not count in the residual. Returns (iterations, residual).
    pub(crate) fn solve(
        &mut self,
        t: &[f64],
        y: &[f64],
        e: &[f64],
        reference: usize,
        max_iterations: usize,
    ) -> std::result::Result<(usize, f64), SolveError> {
        let n = y.len();
        if !self.warm {
            self.a.fill(1.0);
        }
        let depth = ANDERSON_DEPTH;
        for v in [&mut self.df, &mut self.dg] {
            v.clear();
            v.resize(depth * n, 0.0);
        }
        self.gram.clear();
        self.gram.resize(depth * depth, 0.0);
        for v in [&mut self.f_prev, &mut self.g_prev, &mut self.g] {
            v.clear();
            v.resize(n, 0.0);
        }
        let mut stored = 0; // history columns in use
        let mut next = 0; // ring position of the next column
        let mut have_prev = false;
        let mut best = f64::INFINITY;
        let mut newton_last = f64::INFINITY;
        let mut factored = false;
        let mut iterations = 0;
        let mut residual;
        loop {
            // b(a): the outward equations hold exactly.
            self.omr_sums(t, e);
            for i in 0..n {
                self.b[i] = inv_or_one(self.row[i]);
            }
            // Inward residuals at (a, b(a)): the residual of the whole system.
            self.imr_sums(t, y);
            residual = 0.0_f64;
            for j in 0..n {
                if self.col[j] > 0.0 {
                    residual = residual.max((1.0 - self.a[j] * self.col[j]).abs());
                }
            }
            if !residual.is_finite() || residual <= SOLVE_TOL || iterations >= max_iterations {
                break;
            }
            iterations += 1;
            // Close to the solution of a small system: Newton steps (quadratic convergence).
            if n <= NEWTON_MAX_COUNTRIES && residual <= NEWTON_SWITCH {
                // Chord steps on the last factorisation while they cut the residual 10×;
                // otherwise refactorise here.
                if factored && residual > 0.1 * newton_last {
                    factored = false;
                }
                if !factored {
                    factored = self.newton_factor(t, y, e, reference);
                }
            }
            if factored {
                if self.newton_step(reference) {
                    newton_last = residual;
                    stored = 0;
                    have_prev = false;
                    best = f64::INFINITY;
                    continue;
                }
                factored = false;
            }
            // Anderson safeguard: a step that made things much worse drops the history.
            if residual > 10.0 * best {
                stored = 0;
                have_prev = false;
            }
            best = best.min(residual);
            // Sinkhorn image g(a) = 1 / col, normalised to g_ref = 1.
            for j in 0..n {
                self.g[j] = inv_or_one(self.col[j]);
            }
            let scale = self.g[reference];
            for j in 0..n {
                self.g[j] /= scale;
            }
            // History of differences of f = g − a and of g.
            if have_prev {
                let col = next * n..(next + 1) * n;
                for (k, j) in col.enumerate() {
                    let f = self.g[k] - self.a[k];
                    self.df[j] = f - self.f_prev[k];
                    self.dg[j] = self.g[k] - self.g_prev[k];
                }
                stored = (stored + 1).min(depth);
                // Only the new column's row of the Gram matrix ΔFᵀΔF changes.
                let dn = &self.df[next * n..(next + 1) * n];
                for q in 0..stored {
                    let v = dot(dn, &self.df[q * n..(q + 1) * n]);
                    self.gram[next * depth + q] = v;
                    self.gram[q * depth + next] = v;
                }
                next = (next + 1) % depth;
            }
            for k in 0..n {
                self.f_prev[k] = self.g[k] - self.a[k];
                self.g_prev[k] = self.g[k];
            }
            have_prev = true;
            // a ← g − ΔG γ with γ = argmin ‖f − ΔF γ‖ (normal equations, m ≤ ANDERSON_DEPTH).
            let mut accelerated = false;
            if stored > 0 {
                let m = stored;
                let mut gram = [0.0; ANDERSON_DEPTH * ANDERSON_DEPTH];
                let mut rhs = [0.0; ANDERSON_DEPTH];
                for p in 0..m {
                    rhs[p] = dot(&self.df[p * n..(p + 1) * n], &self.f_prev);
                    for q in 0..m {
                        gram[p * m + q] = self.gram[p * depth + q];
                    }
                }
                let trace: f64 = (0..m).map(|p| gram[p * m + p]).sum();
                for p in 0..m {
                    gram[p * m + p] += 1e-12 * trace + 1e-300;
                }
                let mut piv = [0usize; ANDERSON_DEPTH];
                if crate::linalg::lu_solve_in_place(&mut gram[..m * m], m, &mut rhs[..m], &mut piv)
                {
                    let mut ok = true;
                    for k in 0..n {
                        let mut v = self.g[k];
                        for p in 0..m {
                            v -= self.dg[p * n + k] * rhs[p];
                        }
                        ok &= v > 0.0 && v.is_finite();
                        self.a[k] = v;
                    }
                    accelerated = ok;
                }
                if !accelerated {
                    stored = 0;
                    have_prev = false;
                }
            }
            if !accelerated {
                self.a.copy_from_slice(&self.g);
            }
        }
        // Normalise: (a, b) -> (a / a_ref, b a_ref) leaves every equation unchanged.
        let scale = self.a[reference];
        if scale > 0.0 && scale.is_finite() {
            for v in &mut self.a {
                *v /= scale;
            }
            for v in &mut self.b {
                *v *= scale;
            }
        }
        let final_residual = self.residual(t, y, e);
        if !(final_residual <= SOLVE_TOL) {
            let reason = if !final_residual.is_finite() {
                StopReason::Diverged
            } else {
                StopReason::MaxIterations
            };
            self.warm = false;
            return Err(SolveError {
                model: NAME,
                sector: None,
                iterations,
                residual: if final_residual.is_finite() {
                    final_residual
                } else {
                    residual
                },
                reason,
            });
        }
        self.warm = true;
        Ok((iterations, final_residual))
    }

    /// Builds and factorises the Jacobian of the inward equations `F_j = 1 − a_j c_j(a)` in
    /// `ln a` (`j ≠ ref`), with `b = b(a)` eliminated; expects `row`, `b`, `col` at the current
    /// `a`. `∂F_j/∂ln a_k = Σ_i w_ij v_ik − δ_jk a_j c_j`, `w_ij = a_j T_ij y_i b_i`,
    /// `v_ik = b_i T_ik e_k a_k`. The reference and inactive columns are pinned (identity rows).
    /// Returns false if it is singular.
    fn newton_factor(&mut self, t: &[f64], y: &[f64], e: &[f64], reference: usize) -> bool {
        let n = y.len();
        self.jac.clear();
        self.jac.resize(n * n, 0.0);
        self.piv.clear();
        self.piv.resize(n, 0);
        self.v.clear();
        self.v.resize(n, 0.0);
        for i in 0..n {
            let ti = &t[i * n..(i + 1) * n];
            let bi = self.b[i];
            if self.row[i] <= 0.0 {
                continue;
            }
            for k in 0..n {
                self.v[k] = bi * ti[k] * e[k] * self.a[k];
            }
            let ybi = y[i] * bi;
            for j in 0..n {
                let w = self.a[j] * ti[j] * ybi;
                if w == 0.0 {
                    continue;
                }
                let jrow = &mut self.jac[j * n..(j + 1) * n];
                for (x, &vk) in jrow.iter_mut().zip(&self.v) {
                    *x += w * vk;
                }
            }
        }
        for j in 0..n {
            self.jac[j * n + j] -= self.a[j] * self.col[j];
        }
        for j in 0..n {
            if j == reference || !(self.col[j] > 0.0) {
                for k in 0..n {
                    self.jac[j * n + k] = 0.0;
                    self.jac[k * n + j] = 0.0;
                }
                self.jac[j * n + j] = 1.0;
            }
        }
        lu_factor(&mut self.jac, n, &mut self.piv)
    }

    /// One Newton (or chord) step with the factorised Jacobian: `ln a += J⁻¹ (−F)`, where `F`
    /// uses `col` at the current `a`. Returns false (leaving `a` alone) on a wild step.
    fn newton_step(&mut self, reference: usize) -> bool {
        let n = self.a.len();
        self.rhs.clear();
        self.rhs.resize(n, 0.0);
        for j in 0..n {
            self.rhs[j] = if j != reference && self.col[j] > 0.0 {
                -(1.0 - self.a[j] * self.col[j])
            } else {
                0.0
            };
        }
        lu_solve(&self.jac, n, &self.piv, &mut self.rhs);
        if self.rhs.iter().any(|d| !(d.abs() < 1.0)) {
            return false;
        }
        for j in 0..n {
            self.a[j] *= self.rhs[j].exp();
        }
        true
    }

    /// `row_i = Σ_j T_ij e_j a_j`.
    fn omr_sums(&mut self, t: &[f64], e: &[f64]) {
        let n = e.len();
        for j in 0..n {
            self.ea[j] = e[j] * self.a[j];
        }
        for i in 0..n {
            self.row[i] = dot(&t[i * n..(i + 1) * n], &self.ea);
        }
    }

    /// `col_j = Σ_i T_ij y_i b_i` (row-wise AXPYs, contiguous).
    fn imr_sums(&mut self, t: &[f64], y: &[f64]) {
        let n = y.len();
        self.col.fill(0.0);
        for i in 0..n {
            let w = y[i] * self.b[i];
            if w == 0.0 {
                continue;
            }
            let ti = &t[i * n..(i + 1) * n];
            for (c, &x) in self.col.iter_mut().zip(ti) {
                *c += w * x;
            }
        }
    }

    /// Largest |residual| of all `2N` equations at the stored (a, b), active rows and columns.
    fn residual(&mut self, t: &[f64], y: &[f64], e: &[f64]) -> f64 {
        let n = y.len();
        self.omr_sums(t, e);
        self.imr_sums(t, y);
        let mut worst = 0.0_f64;
        for r in 0..n {
            if self.row[r] > 0.0 {
                let f = (1.0 - self.b[r] * self.row[r]).abs();
                worst = if f.is_finite() {
                    worst.max(f)
                } else {
                    f64::INFINITY
                };
            }
            if self.col[r] > 0.0 {
                let f = (1.0 - self.a[r] * self.col[r]).abs();
                worst = if f.is_finite() {
                    worst.max(f)
                } else {
                    f64::INFINITY
                };
            }
        }
        worst
    }
}

fn inv_or_one(x: f64) -> f64 {
    if x > 0.0 { 1.0 / x } else { 1.0 }
}

/// Scratch for the [`crate::Model::GegravityCompat`] path, reused across solves.
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    mr: MrWorkspace,
    t0: Vec<f64>,
    t1: Vec<f64>,
    y: Vec<f64>,
    e: Vec<f64>,
    output: Vec<f64>,
    expenditure: Vec<f64>,
    b0: Vec<f64>,
}

/// Index of the region with the largest total expenditure (all sectors, diagonal included).
fn default_reference(baseline: &Baseline) -> usize {
    let n = baseline.n_regions();
    let mut spend = vec![0.0; n];
    for s in 0..baseline.n_sectors() {
        let f = baseline.sector_flows(s);
        for i in 0..n {
            for j in 0..n {
                spend[j] += f[i * n + j];
            }
        }
    }
    let mut best = 0;
    for j in 1..n {
        if spend[j] > spend[best] {
            best = j;
        }
    }
    best
}

/// The sector's sigma, which must be the same for every importer.
pub(crate) fn uniform_sigma(
    baseline: &Baseline,
    elasticities: &Elasticities,
    s: usize,
    model: &str,
) -> Result<f64> {
    let row = elasticities.sector_sigma(s);
    let first = row.first().copied().unwrap_or(1.0);
    if let Some((j, &x)) = row
        .iter()
        .enumerate()
        .find(|(_, x)| (**x - first).abs() > 1e-12 * first.abs())
    {
        return Err(CoreError::Incompatible(format!(
            "`{model}` takes one sigma per sector, but sector {} has sigma {first} for importer {} \
             and {x} for importer {}",
            baseline.sectors().code(s),
            baseline.regions().code(0),
            baseline.regions().code(j)
        )));
    }
    Ok(first)
}

/// Checks that the baseline has domestic flows and positive output for every region.
pub(crate) fn require_domestic(baseline: &Baseline, model: &str) -> Result<()> {
    if !baseline.has_domestic() {
        return Err(CoreError::Incompatible(format!(
            "`{model}` needs domestic (intranational) flows on the diagonal, but baseline `{}` \
             has none; use a baseline with domestic sales or the `armington` model",
            baseline.provenance().name
        )));
    }
    let n = baseline.n_regions();
    for r in 0..n {
        let output: f64 = (0..baseline.n_sectors())
            .map(|s| (0..n).map(|j| baseline.flow(r, j, s)).sum::<f64>())
            .sum();
        if !(output > 0.0) {
            return Err(CoreError::InvalidValue {
                what: "output",
                value: output,
                location: format!("region {}", baseline.regions().code(r)),
                expected: "total sales (domestic plus exports) > 0 in a general-equilibrium model",
            });
        }
    }
    Ok(())
}

/// The `gegravity-compat` model on a baseline with domestic flows: one `OneSectorGE` per sector
/// with costs calibrated to the observed flows (see the module docs).
pub(crate) fn solve_into(
    baseline: &Baseline,
    elasticities: &Elasticities,
    tariffs: &Tariffs,
    ws: &mut Workspace,
    out: &mut Equilibrium,
) -> Result<()> {
    require_domestic(baseline, NAME)?;
    let n = baseline.n_regions();
    let global_ref = default_reference(baseline);
    for v in [&mut ws.t0, &mut ws.t1] {
        v.clear();
        v.resize(n * n, 0.0);
    }
    for v in [
        &mut ws.y,
        &mut ws.e,
        &mut ws.output,
        &mut ws.expenditure,
        &mut ws.b0,
    ] {
        v.clear();
        v.resize(n, 0.0);
    }
    for s in 0..baseline.n_sectors() {
        let sigma = uniform_sigma(baseline, elasticities, s, NAME)?;
        let flows = baseline.sector_flows(s);
        let tar0 = baseline.sector_tariffs(s);
        let tar1 = tariffs.sector_rates(s);
        let touched = (0..n * n).any(|k| flows[k] > 0.0 && tar1[k] - tar0[k] != 0.0);
        if !touched {
            continue;
        }
        check_sigma(sigma, &format!("sector {}", baseline.sectors().code(s)))?;
        ws.output.fill(0.0);
        ws.expenditure.fill(0.0);
        for i in 0..n {
            for j in 0..n {
                ws.output[i] += flows[i * n + j];
                ws.expenditure[j] += flows[i * n + j];
            }
        }
        let world: f64 = ws.output.iter().sum();
        let reference = if ws.expenditure[global_ref] > 0.0 {
            global_ref
        } else {
            (0..n)
                .max_by(|&x, &y| ws.expenditure[x].total_cmp(&ws.expenditure[y]))
                .unwrap_or(0)
        };
        for r in 0..n {
            ws.y[r] = ws.output[r] / world;
            ws.e[r] = ws.expenditure[r] / world;
        }
        let a = 1.0 - sigma;
        for i in 0..n {
            for j in 0..n {
                let k = i * n + j;
                let x = flows[k];
                if x > 0.0 {
                    let t = x * world / (ws.output[i] * ws.expenditure[j]);
                    ws.t0[k] = t;
                    ws.t1[k] = t * ((1.0 + tar1[k]) / (1.0 + tar0[k])).powf(a);
                } else {
                    ws.t0[k] = 0.0;
                    ws.t1[k] = 0.0;
                }
            }
        }
        let sector = baseline.sectors().code(s);
        let tag = |mut e: SolveError| {
            e.sector = Some(sector.to_string());
            e
        };
        ws.mr.resize(n);
        let (it0, r0) = ws
            .mr
            .solve(&ws.t0, &ws.y, &ws.e, reference, MAX_ITERATIONS)
            .map_err(tag)?;
        ws.b0.copy_from_slice(&ws.mr.b);
        let a0_ref: Vec<f64> = ws.mr.a.clone();
        let (it1, r1) = ws
            .mr
            .solve(&ws.t1, &ws.y, &ws.e, reference, MAX_ITERATIONS)
            .map_err(tag)?;
        out.iterations[s] = u32::try_from(it0 + it1).unwrap_or(u32::MAX);
        out.residual = out.residual.max(r0).max(r1);
        // Prices and flows.
        let base = s * n;
        let mut y1_world = 0.0;
        for i in 0..n {
            let p = if ws.output[i] > 0.0 {
                (ws.mr.b[i] / ws.b0[i]).powf(1.0 / a)
            } else {
                1.0
            };
            out.phat[base + i] = p;
            y1_world += p * ws.output[i];
        }
        for j in 0..n {
            out.price_index[base + j] = if ws.expenditure[j] > 0.0 {
                (ws.mr.a[j] / a0_ref[j]).powf(-1.0 / a)
            } else {
                1.0
            };
        }
        for i in 0..n {
            for j in 0..n {
                let k = i * n + j;
                if ws.t1[k] > 0.0 {
                    let e1 = out.phat[base + j] * ws.expenditure[j];
                    let y1 = out.phat[base + i] * ws.output[i];
                    out.flows[s * n * n + k] =
                        ws.t1[k] * e1 * (y1 / y1_world) * ws.mr.a[j] * ws.mr.b[i];
                }
            }
        }
        for r in 0..n {
            let p = out.phat[base + r];
            let ps = ws.output[r] * (p - 1.0);
            let ev = ws.expenditure[r] * (p / out.price_index[base + r] - 1.0);
            out.producer_surplus[base + r] = ps;
            out.consumer_surplus[base + r] = ev - ps;
        }
    }
    for r in 0..n {
        out.welfare[r] = (0..baseline.n_sectors())
            .map(|s| out.producer_surplus[s * n + r] + out.consumer_surplus[s * n + r])
            .sum();
    }
    if !out.all_finite() {
        return Err(SolveError {
            model: NAME,
            sector: None,
            iterations: out.iterations.iter().map(|&i| i as usize).sum(),
            residual: out.residual,
            reason: StopReason::Diverged,
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_by_two() -> GegravityCase {
        let countries = vec!["A".to_string(), "B".to_string()];
        GegravityCase::from_cost_powers(
            countries,
            vec![100.0, 50.0],
            vec![90.0, 60.0],
            5.0,
            "B",
            vec![1.0, 0.2, 0.3, 1.0],
        )
        .unwrap()
    }

    #[test]
    fn baseline_equations_hold_and_reference_is_numeraire() {
        let case = two_by_two();
        let r = case.solve_cost_powers(case.cost_power()).unwrap();
        assert!(r.residual <= SOLVE_TOL);
        assert!((r.imr_ratio_baseline[1] - 1.0).abs() < 1e-15);
        // Zero shock: prices exactly... to rounding of the warm-started solve.
        for i in 0..2 {
            assert!((r.factory_gate_price[i] - 1.0).abs() < 1e-12);
        }
        // Modelled consumption equals E at the baseline; shipments equal Y E_W / Y_W.
        let cons: f64 = r.baseline_trade[0] + r.baseline_trade[2];
        assert!((cons / 90.0 - 1.0).abs() < 1e-11);
        let ship: f64 = r.baseline_trade[0] + r.baseline_trade[1];
        assert!((ship / (100.0 * 150.0 / 150.0) - 1.0).abs() < 1e-11);
    }

    #[test]
    fn rejects_bad_inputs() {
        let c = || vec!["A".to_string(), "B".to_string()];
        let t = || vec![1.0, 0.2, 0.3, 1.0];
        let err =
            GegravityCase::from_cost_powers(c(), vec![100.0, 0.0], vec![1.0, 1.0], 5.0, "A", t())
                .unwrap_err();
        assert!(err.to_string().contains("output 0 at country B"), "{err}");
        let err = GegravityCase::from_cost_powers(
            c(),
            vec![1.0, 1.0],
            vec![1.0, 1.0],
            5.0,
            "A",
            vec![1.0; 3],
        )
        .unwrap_err();
        assert!(err.to_string().contains("square"), "{err}");
        assert!(
            GegravityCase::from_cost_powers(c(), vec![1.0, 1.0], vec![1.0, 1.0], 1.0, "A", t())
                .is_err()
        );
        let err =
            GegravityCase::from_cost_powers(c(), vec![1.0, 1.0], vec![1.0, 1.0], 5.0, "ZZ", t())
                .unwrap_err();
        assert!(err.to_string().contains("`ZZ`"), "{err}");
        let spec = CostSpec::new(vec!["lndist".into()], vec![-1.0]).unwrap();
        let err = GegravityCase::new(
            c(),
            vec![1.0, 1.0],
            vec![1.0, 1.0],
            5.0,
            "A",
            spec,
            &[0.0; 3],
        )
        .unwrap_err();
        assert!(err.to_string().contains("square data"), "{err}");
    }

    #[test]
    fn non_convergence_is_reported() {
        let case = two_by_two().with_max_iterations(1);
        let mut t1 = case.cost_power().to_vec();
        t1[1] *= 0.1;
        let err = case.solve_cost_powers(&t1).unwrap_err();
        match err {
            CoreError::Solve(e) => {
                assert_eq!(e.reason, StopReason::MaxIterations);
                assert_eq!(e.model, NAME);
            }
            other => panic!("unexpected {other}"),
        }
    }
}
