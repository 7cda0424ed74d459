//! Setting up the workspace for a sector: sizing its arrays, loading the sector (changed cells,
//! active exporters) and the per-solve factors of the evaluation.

use super::*;

impl NestedWorkspace {
    fn resize(&mut self, n: usize) {
        let np = n.next_multiple_of(crate::simd::MAX_LANES);
        if self.n == n && self.y.len() == np {
            return;
        }
        self.n = n;
        let nn = n * n;
        for v in [
            &mut self.y,
            &mut self.trial,
            &mut self.f,
            &mut self.f_trial,
            &mut self.lnp,
            &mut self.lnpm,
            &mut self.s_dom,
            &mut self.demand,
            &mut self.step,
            &mut self.p_price,
            &mut self.p_demand,
            &mut self.row_full,
            &mut self.sum_m,
            &mut self.prev_y,
            &mut self.prev_step,
            &mut self.ad,
            &mut self.inv_ad,
            &mut self.c_common,
            &mut self.c_m,
            &mut self.neg_sd,
            &mut self.lnt_diag,
            &mut self.imp_mask,
            &mut self.idle,
            &mut self.home_mask,
            &mut self.scale,
            &mut self.q_dom,
            &mut self.delta_p,
            &mut self.eps_p,
        ] {
            // Padded to whole vectors of the widest SIMD copy: the whole-vector passes run
            // over the padding too (harmless values, never read as results).
            v.clear();
            v.resize(np, 0.0);
        }
        self.idle[n..].fill(1.0);
        self.inv_ad[n..].fill(1.0);
        for v in [
            &mut self.lnt,
            &mut self.s_m,
            &mut self.q,
            &mut self.t_price,
            &mut self.t_demand,
            &mut self.theta_tp,
            &mut self.w_td,
            &mut self.a,
            &mut self.jac,
        ] {
            v.clear();
            v.resize(nn, 0.0);
        }
        // `b` is sized when a sector is loaded; a new size invalidates the cached sectors.
        self.base = BaseCache::default();
        self.current = None;
        self.pos.clear();
        self.pos.resize(n, usize::MAX);
        self.piv.clear();
        self.piv.resize(n, 0);
        self.inv_t.clear();
        self.inv_t.resize(n * padded(n), 0.0);
        self.rhs.clear();
        self.rhs.resize(padded(n), 0.0);
        self.step.clear();
        self.step.resize(padded(n), 0.0);
        self.active.clear();
    }

    /// Starts a warm sequence (see [`crate::Workspace::start_warm_sequence`]).
    pub(crate) fn start_warm_sequence(&mut self) {
        self.warm.enabled = true;
        self.warm.valid.fill(false);
    }

    /// Loads sector `s`; returns false when no traded cell's tariff changes (the sector is the
    /// baseline, exactly).
    pub(super) fn setup(
        &mut self,
        baseline: &Baseline,
        tariffs: &Tariffs,
        e: &SectorElasticities<'_>,
        s: usize,
    ) -> bool {
        let n = baseline.n_regions();
        self.resize(n);
        self.factored = false;
        let flows = &baseline.sector_flows(s)[..n * n];
        let cells = self
            .diffs
            .sector(baseline, tariffs, s, &|i, j| flows[i * n + j] > 0.0);
        if cells.is_empty() {
            return false;
        }
        self.lnt.fill(0.0);
        self.changed.clear();
        for &(changed, l, _) in cells {
            self.lnt[changed.cell] = l;
            self.changed.push(changed.cell);
        }
        self.load_base(baseline, s, e.segmented);
        self.active.clear();
        for i in 0..n {
            if self.b.sales[i] > 0.0 && e.eps[i].is_finite() {
                self.pos[i] = self.active.len();
                self.active.push(i);
            } else {
                self.pos[i] = usize::MAX;
            }
        }
        true
    }

    /// Prepares the per-solve tariff factors of the uniform-sigma evaluation: when every
    /// importer of the sector has the same `sigma_m` (the default priors vary sigma by sector
    /// only), `exp((1 − sigma_m) u_ij)` factors into `phat_i^(1 − sigma_m) · That_ij^(1 −
    /// sigma_m)` and the tariff part is fixed during a solve, so an evaluation needs `O(N)`
    /// exponentials instead of `O(N²)`.
    pub(super) fn prepare(&mut self, e: &SectorElasticities<'_>) {
        let n = self.n;
        let sm = e.sigma_m[0];
        self.uniform = (1.0 - sm).abs() >= SIGMA_ONE_TOL
            && e.sigma_m[..n].iter().all(|s| s.to_bits() == sm.to_bits());
        self.vector = false;
        if !self.uniform {
            return;
        }
        let am = 1.0 - sm;
        self.t_price.fill(1.0);
        self.t_demand.fill(1.0);
        for &c in &self.changed {
            let l = self.lnt[c];
            self.t_price[c] = exp(am * l);
            self.t_demand[c] = exp(-sm * l);
        }
        // The per-importer part runs as whole-vector passes when no upper nest is Cobb–Douglas.
        self.vector = e.sigma_d[..n]
            .iter()
            .all(|sd| (1.0 - sd).abs() >= SIGMA_ONE_TOL);
        if self.vector {
            for (((ttp, &th), (wtd, &w)), (&tp, &td)) in self
                .theta_tp
                .iter_mut()
                .zip(&self.b.theta_m)
                .zip(self.w_td.iter_mut().zip(&self.b.w))
                .zip(self.t_price.iter().zip(&self.t_demand))
            {
                *ttp = th * tp;
                *wtd = w * td;
            }
            for j in 0..n {
                self.w_td[j * n + j] = 0.0;
            }
            self.delta_p[..n].copy_from_slice(&self.b.delta);
            self.eps_p[..n].copy_from_slice(&e.eps[..n]);
            for j in 0..n {
                let sd = e.sigma_d[j];
                self.ad[j] = 1.0 - sd;
                self.inv_ad[j] = 1.0 / (1.0 - sd);
                self.c_common[j] = e.eta[j] + sd;
                self.c_m[j] = sm - sd;
                self.neg_sd[j] = -sd;
                self.lnt_diag[j] = self.lnt[j * n + j];
                self.home_mask[j] = if e.segmented { 0.0 } else { 1.0 };
                let spends = self.b.spending[j] > 0.0;
                self.imp_mask[j] = if spends && self.b.has_imports[j] {
                    1.0
                } else {
                    0.0
                };
                // Importers that buy nothing: their index sum is set to 1 (ln 1 = 0).
                self.idle[j] = if spends { 0.0 } else { 1.0 };
            }
        }
    }
}
