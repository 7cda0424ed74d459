//! What gegravity reports for one counterfactual, and the percent changes derived from it.

/// Everything gegravity reports for one counterfactual: per country and per pair.
///
/// Per-country vectors are in the order of the case's countries (a gegravity case's own list,
/// not a [`crate::RegionSet`]: the methods take positions in [`GegravityResults::countries`]);
/// bilateral ones are `[i * N + j]` (exporter `i`, importer `j`).
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

    /// Change in modelled trade from `exporter` to `importer` (positions in
    /// [`GegravityResults::countries`]), percent.
    #[must_use]
    pub fn trade_change_pct(&self, exporter: usize, importer: usize) -> f64 {
        let k = exporter * self.n() + importer;
        pct(self.counterfactual_trade[k] / self.baseline_trade[k])
    }
}
