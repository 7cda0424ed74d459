//! The first-order form (`gsim-linear`) of a loaded sector: `J0 p̂ = −b` at the baseline and the
//! proportional changes it implies.

use super::*;

impl NestedWorkspace {
    /// The first-order solution of the loaded sector: `J0 p̂ = −b` at the baseline.
    pub(super) fn solve_linear(&mut self, e: &SectorElasticities<'_>, sector: &str) -> Result<()> {
        // The state at the baseline point: every hat 1, shares the baseline's.
        self.factored = false;
        self.s_m.copy_from_slice(&self.b.theta_m);
        self.materialized = true;
        self.sum_m.fill(1.0);
        self.s_dom[..self.n].copy_from_slice(&self.b.delta);
        self.q.fill(1.0);
        for i in 0..self.n {
            self.demand[i] = if self.b.sales[i] > 0.0 { 1.0 } else { 0.0 };
        }
        self.jacobian(e);
        // b_i = sum_j w_ij q̂_ij at p̂ = 0, with τ = That − 1.
        self.linear_changes(e, false);
        let m = self.active.len();
        for (ri, &i) in self.active.iter().enumerate() {
            self.step[ri] = -self.demand_change(i);
        }
        if m > 0 {
            if !lu_factor(&mut self.jac[..m * m], m, &mut self.piv) {
                return Err(linear_error(sector, StopReason::SingularJacobian));
            }
            lu_solve(&self.jac[..m * m], m, &self.piv, &mut self.step[..m]);
        }
        self.y.fill(0.0);
        for (ri, &i) in self.active.iter().enumerate() {
            self.y[i] = self.step[ri];
        }
        self.linear_changes(e, true);
        Ok(())
    }

    /// Proportional changes of the linear model at `p̂ = y` (or 0 when `at_solution` is
    /// false): `lnp` holds `P̂`, `lnpm` holds `P̂M`, `q` holds `q̂` per cell.
    fn linear_changes(&mut self, e: &SectorElasticities<'_>, at_solution: bool) {
        let n = self.n;
        for j in 0..n {
            let (sm, sd, eta) = (e.sigma_m[j], e.sigma_d[j], e.eta[j]);
            let row = j * n..(j + 1) * n;
            let theta = &self.b.theta_m[row.clone()];
            let lnt = &self.lnt[row.clone()];
            let p = |i: usize| {
                if at_solution { self.y[i] } else { 0.0 }
            };
            let tau = |i: usize| lnt[i].exp() - 1.0;
            let pm: f64 = (0..n)
                .filter(|&i| theta[i] > 0.0)
                .map(|i| theta[i] * (p(i) + tau(i)))
                .sum();
            let delta = self.b.delta[j];
            let ud = e.home(p(j)) + tau(j);
            let big_p = if delta <= 0.0 {
                pm
            } else {
                delta * ud + (1.0 - delta) * pm
            };
            for i in 0..n {
                let q = if i == j {
                    (eta + sd) * big_p - sd * ud
                } else {
                    (eta + sd) * big_p + (sm - sd) * pm - sm * (p(i) + tau(i))
                };
                self.q[j * n + i] = q;
            }
            self.lnp[j] = big_p;
            self.lnpm[j] = pm;
        }
    }

    /// `sum_j w_ij q̂_ij` for exporter `i` from the linear changes in `q`.
    fn demand_change(&self, i: usize) -> f64 {
        let n = self.n;
        (0..n)
            .map(|j| self.b.w[j * n + i] * self.q[j * n + i])
            .sum()
    }
}

fn linear_error(sector: &str, reason: StopReason) -> crate::error::CoreError {
    SolveError {
        model: LINEAR_NAME,
        sector: Some(sector.to_string()),
        iterations: 1,
        residual: f64::NAN,
        reason,
    }
    .into()
}
