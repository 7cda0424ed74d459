//! Loading a solve: the workspace sized for the baseline, the baseline's shares, incomes and
//! deficits, and the shock's cost changes.

use super::*;
use crate::ids::RegionId;

impl Workspace {
    fn resize(&mut self, n: usize, n_sectors: usize) {
        self.n = n;
        self.n_sectors = n_sectors;
        let cells = n * n * n_sectors;
        for v in [
            &mut self.beta,
            &mut self.lam,
            &mut self.flow,
            &mut self.margin,
            &mut self.inv_power,
        ] {
            v.clear();
            v.resize(cells, 0.0);
        }
        for v in [&mut self.alpha, &mut self.ces, &mut self.mbar] {
            v.clear();
            v.resize(n * n_sectors, 0.0);
        }
        self.one_minus_sigma.clear();
        self.one_minus_sigma.resize(n_sectors, 0.0);
        for v in [
            &mut self.output,
            &mut self.income0,
            &mut self.deficit0,
            &mut self.deficit_share,
            &mut self.deficit,
            &mut self.income,
            &mut self.rho,
            &mut self.sales,
            &mut self.f,
            &mut self.x,
            &mut self.x_trial,
            &mut self.step,
            &mut self.pow,
            &mut self.u,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
        for v in [&mut self.jac, &mut self.q, &mut self.g] {
            v.clear();
            v.resize(n * n, 0.0);
        }
        self.piv.clear();
        self.piv.resize(n, 0);
    }

    /// Loads the baseline and the shock; returns whether any traded cell's cost changes.
    pub(super) fn setup(
        &mut self,
        baseline: &Baseline,
        sigma: &[f64],
        tariffs: &Tariffs,
        trade_cost_hat: Option<&[f64]>,
    ) -> Result<bool> {
        let n = baseline.n_regions();
        let n_sectors = baseline.n_sectors();
        self.resize(n, n_sectors);
        let mut touched = false;
        for s in 0..n_sectors {
            let a = 1.0 - sigma[s];
            self.one_minus_sigma[s] = a;
            let flows = baseline.sector_flows(s);
            let t0 = baseline.sector_tariffs(s);
            let t1 = tariffs.sector_rates(s);
            for i in 0..n {
                for m in 0..n {
                    self.output[i] += flows[i * n + m];
                }
            }
            for m in 0..n {
                let spend: f64 = (0..n)
                    .map(|i| flows[i * n + m] * (1.0 + t0[i * n + m]))
                    .sum();
                self.alpha[s * n + m] = spend; // spending for now; shares below
                self.income0[m] += spend;
                for i in 0..n {
                    let k = i * n + m;
                    let c = (s * n + m) * n + i;
                    let x = flows[k];
                    self.margin[c] = t1[k] / (1.0 + t1[k]);
                    self.inv_power[c] = 1.0 / (1.0 + t1[k]);
                    self.deficit0[m] += x * (1.0 + t0[k]);
                    self.deficit0[i] -= x;
                    self.deficit0[m] -= x * t0[k];
                    if x <= 0.0 {
                        self.beta[c] = 0.0;
                        continue;
                    }
                    let mut hat = (1.0 + t1[k]) / (1.0 + t0[k]);
                    if let Some(d) = trade_cost_hat {
                        hat *= d[s * n * n + k];
                    }
                    let lam = x * (1.0 + t0[k]) / spend;
                    // Most cells are untouched: skip the ln/exp when the ratio is exactly 1.
                    let unchanged = hat - 1.0 == 0.0;
                    self.beta[c] = if unchanged || a.abs() < SIGMA_ONE_TOL {
                        lam
                    } else {
                        lam * (a * hat.ln()).exp()
                    };
                    touched |= !unchanged;
                }
            }
        }
        for m in 0..n {
            let income = self.income0[m];
            if !(income > 0.0 && income.is_finite()) {
                return Err(CoreError::InvalidValue {
                    what: "income",
                    value: income,
                    location: format!(
                        "region {}",
                        baseline.regions().code(RegionId::from_index(m))
                    ),
                    expected: "total spending (domestic plus imports, tariff-inclusive) > 0",
                });
            }
            for s in 0..n_sectors {
                self.alpha[s * n + m] /= income;
            }
            self.deficit_share[m] = self.deficit0[m] / self.output[m];
        }
        self.world_output = self.output.iter().sum();
        self.anchor = (0..n)
            .max_by(|&a, &b| self.output[a].total_cmp(&self.output[b]))
            .unwrap_or(0);
        Ok(touched)
    }
}
