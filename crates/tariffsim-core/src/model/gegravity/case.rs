//! One `OneSectorGE` problem: the trade-cost specification, the validated case, and its solve
//! (baseline and counterfactual resistances, then gegravity's post-processing).

use super::*;

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
