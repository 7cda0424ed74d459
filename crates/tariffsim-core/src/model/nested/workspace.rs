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
            &mut self.dom_c,
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
            &mut self.a,
            &mut self.jac,
        ] {
            v.clear();
            v.resize(nn, 0.0);
        }
        // Kept at 0 / 1 outside the loaded sector's changed cells (reset cell by cell).
        self.t_price.fill(1.0);
        self.t_demand.fill(1.0);
        self.changed.clear();
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
        // Only the previous sector's changed cells differ from 0 (`ln That`) and 1 (the tariff
        // factors): reset them, not the N² arrays.
        for &c in &self.changed {
            self.lnt[c] = 0.0;
            self.t_price[c] = 1.0;
            self.t_demand[c] = 1.0;
        }
        self.changed.clear();
        self.changed_inv_that.clear();
        for &(changed, l, inv_that) in cells {
            self.lnt[changed.cell] = l;
            self.changed.push(changed.cell);
            self.changed_inv_that.push(inv_that);
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
        // `That^(−sigma_m)`, and `That^(1 − sigma_m)` from it (one exponential a cell).
        for (&c, &inv_that) in self.changed.iter().zip(&self.changed_inv_that) {
            let td = exp(-sm * self.lnt[c]);
            self.t_demand[c] = td;
            self.t_price[c] = td / inv_that;
        }
        // The per-importer part runs as whole-vector passes when no upper nest is Cobb–Douglas.
        self.vector = e.sigma_d[..n]
            .iter()
            .all(|sd| (1.0 - sd).abs() >= SIGMA_ONE_TOL);
        if self.vector {
            self.corrections.clear();
            for &c in &self.changed {
                let (j, i) = (c / n, c % n);
                if i != j {
                    self.corrections.push((
                        j,
                        i,
                        self.b.theta_m[c] * (self.t_price[c] - 1.0),
                        self.b.w[c] * (self.t_demand[c] - 1.0),
                    ));
                }
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
                // The evaluation's own operations (`ud = 0 · y + ln That_jj`), so the same bits
                // (`exp(0)` is 1 exactly: no internal tariff change, no exponential).
                let ud = self.lnt_diag[j];
                self.dom_c[j] = if ud == 0.0 {
                    self.delta_p[j]
                } else {
                    self.delta_p[j] * exp(self.ad[j] * (0.0 + ud))
                };
            }
        }
    }
}
