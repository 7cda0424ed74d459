//! Evaluating the residuals (whole-vector, with the SIMD dispatch, or cell by cell), forming the
//! cells and shares the Jacobian needs, and the analytic Jacobian.

use super::*;

impl NestedWorkspace {
    /// Evaluates prices, demand and residuals at `y` (or the trial point) into the workspace's
    /// state; returns `‖F‖∞` over the active exporters, or `None` if anything is not finite.
    /// The shares among foreign sources are left unnormalised in `s_m` (their sum per importer
    /// in `sum_m`); [`NestedWorkspace::normalize_shares`] finishes them when the Jacobian needs
    /// them.
    pub(super) fn evaluate(&mut self, e: &SectorElasticities<'_>, use_trial: bool) -> Option<f64> {
        self.counts.evaluations += 1;
        if self.vector {
            return self.evaluate_vector(e.sigma_m[0], use_trial);
        }
        self.evaluate_cells(e, use_trial)
    }

    /// [`Self::evaluate_vector_body`] in the widest copy the CPU runs ([`crate::simd`]): the same
    /// operations in the same order (no FMA), so the same bits in every copy.
    #[allow(unsafe_code)]
    fn evaluate_vector(&mut self, sm: f64, use_trial: bool) -> Option<f64> {
        if self.home_mask[0] == 0.0 {
            self.evaluate_vector_dispatch::<true>(sm, use_trial)
        } else {
            self.evaluate_vector_dispatch::<false>(sm, use_trial)
        }
    }

    #[allow(unsafe_code)]
    fn evaluate_vector_dispatch<const SEGMENTED: bool>(
        &mut self,
        sm: f64,
        use_trial: bool,
    ) -> Option<f64> {
        #[cfg(target_arch = "x86_64")]
        {
            if crate::simd::avx512() {
                // SAFETY: the CPU has AVX-512F (checked at run time by `simd::avx512`).
                return unsafe { self.evaluate_vector_avx512::<SEGMENTED>(sm, use_trial) };
            }
            if crate::simd::avx2() {
                // SAFETY: the CPU has AVX2 (checked at run time by `simd::avx2`).
                return unsafe { self.evaluate_vector_avx2::<SEGMENTED>(sm, use_trial) };
            }
        }
        self.evaluate_vector_body::<SEGMENTED>(sm, use_trial)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn evaluate_vector_avx512<const SEGMENTED: bool>(
        &mut self,
        sm: f64,
        use_trial: bool,
    ) -> Option<f64> {
        self.evaluate_vector_body::<SEGMENTED>(sm, use_trial)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn evaluate_vector_avx2<const SEGMENTED: bool>(
        &mut self,
        sm: f64,
        use_trial: bool,
    ) -> Option<f64> {
        self.evaluate_vector_body::<SEGMENTED>(sm, use_trial)
    }

    /// The home sales `qhat_jj` of the last whole-vector evaluation, which under segmented
    /// supply leaves them out (they do not enter the residuals: `w_ii = 0`); the write-out and
    /// the Jacobian's cells read them. The same operations as the evaluation under one supply
    /// curve, so the same bits.
    pub(super) fn home_demand(&mut self) {
        if self.home_ready || !self.vector {
            return;
        }
        self.home_ready = true;
        let np = self.y.len();
        for (j, q) in self.q_dom[..np].iter_mut().enumerate() {
            let common = self.c_common[j] * self.lnp[j];
            *q = exp(common + self.neg_sd[j] * self.lnt_diag[j]) * (1.0 - self.idle[j]);
        }
    }

    /// The evaluation with one `sigma_m` and no Cobb–Douglas upper nest, as whole-vector passes
    /// (branch-free `exp`/`ln` of [`crate::linalg`] over exporters, then over importers, then the
    /// N² sweeps). Importers without imports have `imp_mask` 0 (their foreign index is 1);
    /// importers that buy nothing have `idle` 1 (every index 1, no demand).
    /// Under segmented supply (`SEGMENTED`, `home_mask` 0) the home price is fixed, so the
    /// domestic term of the upper nest is a constant of the solve (`dom_c`) and home sales,
    /// outside every residual, are left to [`Self::home_demand`]: 7 `exp`/`ln` per region
    /// instead of 9.
    #[inline(always)]
    fn evaluate_vector_body<const SEGMENTED: bool>(
        &mut self,
        sm: f64,
        use_trial: bool,
    ) -> Option<f64> {
        let n = self.n;
        let np = self.y.len();
        let am = 1.0 - sm;
        let inv_am = 1.0 / am;
        let y = if use_trial {
            &self.trial[..np]
        } else {
            &self.y[..np]
        };
        for ((pp, pd), &yi) in self.p_price[..np]
            .iter_mut()
            .zip(&mut self.p_demand[..np])
            .zip(y)
        {
            *pp = exp(am * yi);
            *pd = exp(-sm * yi);
        }
        // Lower-nest sums `sum_i (thetaM That^(1 − sigma_m))_ij phat_i^(1 − sigma_m)`: the
        // baseline shares over padded rows, then the changed cells' corrections.
        self.sum_m[..np].fill(0.0);
        for i in 0..n {
            let price = self.p_price[i];
            for (acc, &theta) in self.sum_m[..np]
                .iter_mut()
                .zip(&self.b.theta_p[i * np..(i + 1) * np])
            {
                *acc += price * theta;
            }
        }
        for &(j, i, theta_c, _) in &self.corrections {
            self.sum_m[j] += theta_c * self.p_price[i];
        }
        // Per importer, whole vectors (every slice cut to the padded length so the loop has no bounds checks
        // and vectorises, `exp`/`ln` included).
        {
            let (mask, sum_m, lnt_diag, delta, home) = (
                &self.imp_mask[..np],
                &mut self.sum_m[..np],
                &self.lnt_diag[..np],
                &self.delta_p[..np],
                &self.home_mask[..np],
            );
            let (ad, inv_ad, idle, c_common, c_m, neg_sd) = (
                &self.ad[..np],
                &self.inv_ad[..np],
                &self.idle[..np],
                &self.c_common[..np],
                &self.c_m[..np],
                &self.neg_sd[..np],
            );
            let dom_c = &self.dom_c[..np];
            let (lnpm_out, lnp_out, s_dom, scale, q_dom) = (
                &mut self.lnpm[..np],
                &mut self.lnp[..np],
                &mut self.s_dom[..np],
                &mut self.scale[..np],
                &mut self.q_dom[..np],
            );
            for j in 0..np {
                // ln of the sum where the importer buys abroad, ln 1 = 0 otherwise.
                let acc = sum_m[j] * mask[j] + (1.0 - mask[j]);
                let lnpm = ln(acc) * inv_am;
                let ud = y[j] * home[j] + lnt_diag[j];
                let dom = if SEGMENTED {
                    dom_c[j]
                } else {
                    delta[j] * exp(ad[j] * ud)
                };
                let imp = (1.0 - delta[j]) * exp(ad[j] * lnpm);
                let sum = dom + imp + idle[j];
                let lnp = ln(sum) * inv_ad[j];
                let common = c_common[j] * lnp;
                lnpm_out[j] = lnpm;
                lnp_out[j] = lnp;
                s_dom[j] = dom / sum;
                scale[j] = exp(common + c_m[j] * lnpm) * (1.0 - idle[j]);
                if !SEGMENTED {
                    q_dom[j] = exp(common + neg_sd[j] * ud) * (1.0 - idle[j]);
                }
                sum_m[j] = acc;
            }
        }
        // Demand: foreign `qhat_ij = scale_j phat_i^(−sigma_m) That_ij^(−sigma_m)`, so
        // `sum_{j != i} w_ij qhat_ij = phat_i^(−sigma_m) sum_j scale_j (w That^(−sigma_m))_ij`
        // (the baseline shares over padded rows with the diagonal zero, then the changed cells'
        // corrections); the domestic term `w_ii qhat_ii` apart.
        self.demand[..np].fill(0.0);
        for j in 0..n {
            let scale = self.scale[j];
            for (d, &w) in self.demand[..np]
                .iter_mut()
                .zip(&self.b.w_off[j * np..(j + 1) * np])
            {
                *d += scale * w;
            }
        }
        for &(j, i, _, w_c) in &self.corrections {
            self.demand[i] += self.scale[j] * w_c;
        }
        if SEGMENTED {
            for (d, &pd) in self.demand[..n].iter_mut().zip(&self.p_demand[..n]) {
                *d *= pd;
            }
        } else {
            for i in 0..n {
                self.demand[i] =
                    self.demand[i] * self.p_demand[i] + self.b.w[i * n + i] * self.q_dom[i];
            }
        }
        self.materialized = false;
        self.home_ready = !SEGMENTED;
        self.demand[n..np].fill(1.0);
        let f = if use_trial {
            &mut self.f_trial[..np]
        } else {
            &mut self.f[..np]
        };
        for ((fi, &d), (&yi, &ep)) in f
            .iter_mut()
            .zip(&self.demand[..np])
            .zip(y.iter().zip(&self.eps_p[..np]))
        {
            *fi = ln(d) - ep * yi;
        }
        let mut worst = 0.0_f64;
        for &i in &self.active {
            let v = f[i];
            if !v.is_finite() {
                return None;
            }
            worst = worst.max(v.abs());
        }
        for (fi, &pos) in f.iter_mut().zip(&self.pos) {
            if pos == usize::MAX {
                *fi = 0.0;
            }
        }
        Some(worst)
    }

    /// The evaluation cell by cell (any sigmas, Cobb–Douglas limits included).
    fn evaluate_cells(&mut self, e: &SectorElasticities<'_>, use_trial: bool) -> Option<f64> {
        let n = self.n;
        self.materialized = true;
        let y = if use_trial { &self.trial } else { &self.y };
        if self.uniform {
            let sm = e.sigma_m[0];
            let am = 1.0 - sm;
            for ((pp, pd), &yi) in self.p_price[..n]
                .iter_mut()
                .zip(&mut self.p_demand[..n])
                .zip(&y[..n])
            {
                *pp = exp(am * yi);
                *pd = exp(-sm * yi);
            }
        }
        self.demand[..n].fill(0.0);
        for j in 0..n {
            let row = j * n..(j + 1) * n;
            if self.b.spending[j] <= 0.0 {
                self.lnp[j] = 0.0;
                self.lnpm[j] = 0.0;
                self.s_dom[j] = 0.0;
                self.sum_m[j] = 1.0;
                self.q[row].fill(0.0);
                continue;
            }
            let (sm, sd, eta) = (e.sigma_m[j], e.sigma_d[j], e.eta[j]);
            let theta = &self.b.theta_m[row.clone()];
            let lnt = &self.lnt[row.clone()];
            let shares = &mut self.s_m[row.clone()];
            // Lower nest.
            let am = 1.0 - sm;
            let (lnpm, sum) = if !self.b.has_imports[j] {
                shares.fill(0.0);
                (0.0, 1.0)
            } else if self.uniform {
                let tp = &self.t_price[row.clone()];
                let mut acc = 0.0;
                for ((v, &th), (&pp, &t)) in shares
                    .iter_mut()
                    .zip(theta)
                    .zip(self.p_price[..n].iter().zip(tp))
                {
                    *v = th * pp * t;
                    acc += *v;
                }
                (ln(acc) / am, acc)
            } else if am.abs() < SIGMA_ONE_TOL {
                let mut acc = 0.0;
                for i in 0..n {
                    shares[i] = theta[i];
                    if theta[i] > 0.0 {
                        acc += theta[i] * (y[i] + lnt[i]);
                    }
                }
                (acc, 1.0)
            } else {
                let mut acc = 0.0;
                for i in 0..n {
                    let v = if theta[i] > 0.0 {
                        theta[i] * exp(am * (y[i] + lnt[i]))
                    } else {
                        0.0
                    };
                    shares[i] = v;
                    acc += v;
                }
                (ln(acc) / am, acc)
            };
            self.sum_m[j] = sum;
            // Upper nest.
            let delta = self.b.delta[j];
            let ud = e.home(y[j]) + lnt[j];
            let (lnp, s_dom) = if delta <= 0.0 {
                (lnpm, 0.0)
            } else if !self.b.has_imports[j] {
                (ud, 1.0)
            } else {
                let ad = 1.0 - sd;
                if ad.abs() < SIGMA_ONE_TOL {
                    (delta * ud + (1.0 - delta) * lnpm, delta)
                } else {
                    let dom = delta * exp(ad * ud);
                    let imp = (1.0 - delta) * exp(ad * lnpm);
                    let sum = dom + imp;
                    (ln(sum) / ad, dom / sum)
                }
            };
            self.lnp[j] = lnp;
            self.lnpm[j] = lnpm;
            self.s_dom[j] = s_dom;
            // Demand per source: qhat_ij = exp(foreign_j) exp(−sigma_m u_ij) abroad, and
            // exp(common_j − sigma_d u_jj) at home; sales `sum_j w_ij qhat_ij` per exporter.
            let common = (eta + sd) * lnp;
            let foreign = common + (sm - sd) * lnpm;
            let q = &mut self.q[row.clone()];
            let w = &self.b.w[row];
            if self.uniform {
                let scale = exp(foreign);
                let td = &self.t_demand[j * n..(j + 1) * n];
                for ((qi, &pd), &t) in q.iter_mut().zip(&self.p_demand[..n]).zip(td) {
                    *qi = scale * pd * t;
                }
            } else {
                for i in 0..n {
                    q[i] = exp(foreign - sm * (y[i] + lnt[i]));
                }
            }
            q[j] = exp(common - sd * ud);
            for ((d, &wi), &qi) in self.demand[..n].iter_mut().zip(w).zip(q.iter()) {
                *d += wi * qi;
            }
        }
        let f = if use_trial {
            &mut self.f_trial
        } else {
            &mut self.f
        };
        for i in 0..n {
            f[i] = ln(self.demand[i]) - e.eps[i] * y[i];
        }
        let mut worst = 0.0_f64;
        for &i in &self.active {
            let v = f[i];
            if !v.is_finite() {
                return None;
            }
            worst = worst.max(v.abs());
        }
        for i in 0..n {
            if self.pos[i] == usize::MAX {
                f[i] = 0.0;
            }
        }
        Some(worst)
    }

    /// Forms the per-cell quantities `qhat` and unnormalised foreign shares of the last
    /// whole-vector evaluation (which works with row and column factors only): the Jacobian and
    /// the write-out read them.
    fn materialize(&mut self) {
        if self.materialized {
            return;
        }
        self.home_demand();
        self.materialized = true;
        let n = self.n;
        for j in 0..n {
            let row = j * n..(j + 1) * n;
            let scale = self.scale[j];
            for (((q, sm), (&td, (&tp, &th))), (&pd, &pp)) in self.q[row.clone()]
                .iter_mut()
                .zip(&mut self.s_m[row.clone()])
                .zip(
                    self.t_demand[row.clone()]
                        .iter()
                        .zip(self.t_price[row.clone()].iter().zip(&self.b.theta_m[row])),
                )
                .zip(self.p_demand[..n].iter().zip(&self.p_price[..n]))
            {
                *q = scale * pd * td;
                *sm = th * tp * pp;
            }
            self.q[j * n + j] = self.q_dom[j];
        }
    }

    /// Divides the foreign shares of the last evaluation by their sums (the Jacobian's `sM`).
    fn normalize_shares(&mut self) {
        let n = self.n;
        for j in 0..n {
            let inv = 1.0 / self.sum_m[j];
            for v in &mut self.s_m[j * n..(j + 1) * n] {
                *v *= inv;
            }
            self.sum_m[j] = 1.0;
        }
    }

    /// The Jacobian at the last (non-trial) evaluation, restricted to the active exporters
    /// (unfactored, in `jac`).
    pub(super) fn jacobian(&mut self, e: &SectorElasticities<'_>) {
        let n = self.n;
        self.counts.jacobians += 1;
        self.materialize();
        self.normalize_shares();
        // A_jk = (eta + sigma_d) G_jk + (sigma_m − sigma_d) H_jk.
        for j in 0..n {
            let (sm, sd, eta) = (e.sigma_m[j], e.sigma_d[j], e.eta[j]);
            let s_dom = self.s_dom[j];
            let row = j * n..(j + 1) * n;
            let a = &mut self.a[row.clone()];
            let h = &self.s_m[row];
            let (cg, ch) = ((eta + sd) * (1.0 - s_dom), sm - sd);
            for k in 0..n {
                a[k] = (cg + ch) * h[k];
            }
            // H_jj = 0 and G_jj = sD_j (0 under segmented supply: the home price does not
            // follow the export price).
            a[j] = if e.segmented { 0.0 } else { (eta + sd) * s_dom };
        }
        let m = self.active.len();
        let full = &mut self.row_full[..n];
        for (ri, &i) in self.active.iter().enumerate() {
            let d = self.demand[i];
            full.fill(0.0);
            let mut own = e.eps[i];
            for j in 0..n {
                let c = j * n + i;
                let w = self.b.w[c];
                if w <= 0.0 {
                    continue;
                }
                let v = w * self.q[c] / d;
                // Contiguous sweep over the whole row of A (vectorises), gathered below.
                for (f, a) in full.iter_mut().zip(&self.a[j * n..(j + 1) * n]) {
                    *f += v * a;
                }
                own += v * if j == i { e.sigma_d[j] } else { e.sigma_m[j] };
            }
            // The diagonal source is not in the lower nest: take back the
            // `v_ii (sigma_m_i − sigma_d_i) H_ik` the sweep added with row `i` of A.
            let c = i * n + i;
            if self.b.w[c] > 0.0 {
                let coef = self.b.w[c] * self.q[c] / d * (e.sigma_m[i] - e.sigma_d[i]);
                if coef != 0.0 {
                    for (f, h) in full.iter_mut().zip(&self.s_m[i * n..(i + 1) * n]) {
                        *f -= coef * h;
                    }
                }
            }
            let row = &mut self.jac[ri * m..(ri + 1) * m];
            for (r, &k) in row.iter_mut().zip(&self.active) {
                *r = full[k];
            }
            row[ri] -= own;
        }
    }
}
