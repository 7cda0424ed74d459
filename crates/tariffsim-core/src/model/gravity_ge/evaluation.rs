//! The equations at a point: prices, shares, flows and incomes (`evaluate`), the solver's
//! equation vector and residual, and the analytic Jacobian.

use super::*;

impl Workspace {
    /// Evaluates everything at `self.x`; returns `½‖E‖²` over the solver's equations, or `None`
    /// when a value is not finite or an income is not positive.
    pub(super) fn evaluate(&mut self, closure: DeficitClosure) -> Option<f64> {
        let n = self.n;
        self.sales.fill(0.0);
        self.rho.fill(0.0);
        // Prices and shares, per sector and importer.
        for s in 0..self.n_sectors {
            let a = self.one_minus_sigma[s];
            for i in 0..n {
                self.pow[i] = (a * self.x[i]).exp();
            }
            for m in 0..n {
                let row = (s * n + m) * n..(s * n + m + 1) * n;
                let beta = &self.beta[row.clone()];
                let lam = &mut self.lam[row.clone()];
                let mut sum = 0.0;
                for i in 0..n {
                    let v = beta[i] * self.pow[i];
                    lam[i] = v;
                    sum += v;
                }
                self.ces[s * n + m] = sum;
                if sum > 0.0 {
                    let inv = 1.0 / sum;
                    let margin = &self.margin[row];
                    let mut mbar = 0.0;
                    for i in 0..n {
                        lam[i] *= inv;
                        mbar += lam[i] * margin[i];
                    }
                    self.mbar[s * n + m] = mbar;
                    self.rho[m] += self.alpha[s * n + m] * mbar;
                } else {
                    self.mbar[s * n + m] = 0.0;
                }
            }
        }
        // Incomes.
        let mut u_world = 0.0;
        let mut share_sum = 0.0;
        for m in 0..n {
            let u = self.x[m].exp() * self.output[m];
            u_world += u;
            share_sum += self.deficit_share[m] * u;
        }
        for m in 0..n {
            let u = self.x[m].exp() * self.output[m];
            self.deficit[m] = match closure {
                DeficitClosure::Levels => self.deficit0[m],
                DeficitClosure::ShareOfIncome => {
                    self.deficit_share[m] * u - u / u_world * share_sum
                }
            };
            let budget = u + self.deficit[m];
            let income = budget / (1.0 - self.rho[m]);
            if !(income > 0.0 && income.is_finite()) {
                return None;
            }
            self.income[m] = income;
        }
        // Flows and sales.
        for s in 0..self.n_sectors {
            for m in 0..n {
                let spend = self.alpha[s * n + m] * self.income[m];
                if !(spend > 0.0) {
                    continue;
                }
                let row = (s * n + m) * n..(s * n + m + 1) * n;
                let lam = &self.lam[row.clone()];
                let inv_power = &self.inv_power[row.clone()];
                let flow = &mut self.flow[row];
                for i in 0..n {
                    let v = lam[i] * spend * inv_power[i];
                    flow[i] = v;
                    self.sales[i] += v;
                }
            }
        }
        let mut merit = 0.0;
        let mut numeraire = 0.0;
        for i in 0..n {
            let u = self.x[i].exp() * self.output[i];
            self.f[i] = self.sales[i] / u - 1.0;
            numeraire += u;
            if i != self.anchor {
                merit += self.f[i] * self.f[i];
            }
        }
        let g = numeraire / self.world_output - 1.0;
        merit += g * g;
        let merit = 0.5 * merit;
        merit.is_finite().then_some(merit)
    }

    /// The solver's equation vector: `F` with the anchor's entry replaced by the numeraire.
    pub(super) fn equations_into_step(&mut self) {
        let n = self.n;
        let mut numeraire = 0.0;
        for i in 0..n {
            numeraire += self.x[i].exp() * self.output[i];
            self.step[i] = -self.f[i];
        }
        self.step[self.anchor] = -(numeraire / self.world_output - 1.0);
    }

    pub(super) fn residual_inf(&self) -> f64 {
        let numeraire: f64 = (0..self.n)
            .map(|i| self.x[i].exp() * self.output[i])
            .sum::<f64>()
            / self.world_output
            - 1.0;
        self.f.iter().fold(numeraire.abs(), |m, f| {
            if f.is_finite() {
                m.max(f.abs())
            } else {
                f64::INFINITY
            }
        })
    }

    /// The analytic Jacobian of the solver's equations at the last evaluated point, into `jac`.
    pub(super) fn jacobian(&mut self, closure: DeficitClosure) {
        let n = self.n;
        let jac = &mut self.jac;
        jac.fill(0.0);
        self.q.fill(0.0);
        self.g.fill(0.0);
        for i in 0..n {
            self.u[i] = self.x[i].exp() * self.output[i];
        }
        let u = &self.u;
        // Q_in = Σ_s x'_ins, stored transposed (`q[n * N + i]`) so the sweep is contiguous.
        for s in 0..self.n_sectors {
            for m in 0..n {
                let flow = &self.flow[(s * n + m) * n..(s * n + m + 1) * n];
                for (qv, &f) in self.q[m * n..(m + 1) * n].iter_mut().zip(flow) {
                    *qv += f;
                }
            }
        }
        // Share terms: J_ik −= Σ_{s,n} c_ins λ'_kns with c_ins = x'_ins (1−σ_s) / u_i, plus the
        // diagonal Σ_{s,n} c_ins. A product (N × NS)·(NS × N), computed by tiles of JAC_TILE rows
        // of J held in L1 while each λ' row is streamed once per tile and reused for every row.
        const JAC_TILE: usize = 8;
        for i0 in (0..n).step_by(JAC_TILE) {
            let rows = JAC_TILE.min(n - i0);
            let tile = &mut jac[i0 * n..(i0 + rows) * n];
            let mut diag = [0.0; JAC_TILE];
            for s in 0..self.n_sectors {
                let a = self.one_minus_sigma[s];
                if a.abs() < SIGMA_ONE_TOL {
                    continue;
                }
                for m in 0..n {
                    let row = (s * n + m) * n..(s * n + m + 1) * n;
                    let flow = &self.flow[row.clone()];
                    let lam = &self.lam[row];
                    let mut c = [0.0; JAC_TILE];
                    let mut any = false;
                    for r in 0..rows {
                        c[r] = flow[i0 + r] * a / u[i0 + r];
                        any |= c[r] != 0.0;
                    }
                    if !any {
                        continue;
                    }
                    for r in 0..rows {
                        if c[r] == 0.0 {
                            continue;
                        }
                        diag[r] += c[r];
                        let cr = c[r];
                        for (x, &l) in tile[r * n..(r + 1) * n].iter_mut().zip(lam) {
                            *x -= cr * l;
                        }
                    }
                }
            }
            for r in 0..rows {
                tile[r * n + i0 + r] += diag[r];
            }
        }
        // G_nk = ∂ ln I'_n / ∂x_k: budget channel plus revenue-share channel.
        let u_world: f64 = u.iter().sum();
        let share_sum: f64 = (0..n).map(|k| self.deficit_share[k] * u[k]).sum();
        for m in 0..n {
            let budget = u[m] + self.deficit[m];
            let grow = &mut self.g[m * n..(m + 1) * n];
            match closure {
                DeficitClosure::Levels => grow[m] += u[m] / budget,
                DeficitClosure::ShareOfIncome => {
                    let ratio = share_sum / u_world;
                    grow[m] += u[m] * (1.0 + self.deficit_share[m] - ratio) / budget;
                    for k in 0..n {
                        grow[k] += u[m] * u[k] * (ratio - self.deficit_share[k]) / u_world / budget;
                    }
                }
            }
            let inv_one_rho = 1.0 / (1.0 - self.rho[m]);
            for s in 0..self.n_sectors {
                let a = self.one_minus_sigma[s];
                let alpha = self.alpha[s * n + m];
                if alpha == 0.0 || a.abs() < SIGMA_ONE_TOL {
                    continue;
                }
                let mbar = self.mbar[s * n + m];
                let row = (s * n + m) * n..(s * n + m + 1) * n;
                let lam = &self.lam[row.clone()];
                let margin = &self.margin[row];
                let c = alpha * a * inv_one_rho;
                for k in 0..n {
                    grow[k] += c * lam[k] * (margin[k] - mbar);
                }
            }
        }
        // + Σ_n Q_in G_nk / u_i, and − δ_ik (F_i + 1).
        for i in 0..n {
            let jrow = &mut jac[i * n..(i + 1) * n];
            for m in 0..n {
                let qv = self.q[m * n + i] / u[i];
                if qv == 0.0 {
                    continue;
                }
                let grow = &self.g[m * n..(m + 1) * n];
                for (x, &gv) in jrow.iter_mut().zip(grow) {
                    *x += qv * gv;
                }
            }
            jrow[i] -= self.f[i] + 1.0;
        }
        // The anchor's row is the numeraire: ∂/∂x_k Σ ŵ Y / Y_W.
        let a = self.anchor;
        for k in 0..n {
            jac[a * n + k] = u[k] / self.world_output;
        }
    }
}
