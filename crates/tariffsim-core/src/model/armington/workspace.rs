//! The per-sector workspace: its state, the set-up from the baseline cache, the evaluation of the
//! residuals (with the SIMD dispatch of the hot sweep) and the analytic Jacobian.

use super::*;

/// Scratch for one sector's solve; per-cell arrays are importer-major (`j * N + i`).
#[derive(Debug, Default, Clone)]
pub struct SectorWorkspace {
    pub(super) n: usize,
    /// Solutions of the previous solves in a warm sequence.
    pub(super) warm: WarmStarts,
    /// Baseline uid, sector and number of sectors of the loaded sector.
    pub(super) loaded: (u64, usize, usize),
    /// `jac` holds the factors of a Jacobian of the current sector.
    pub(super) factored: bool,
    /// Baseline-derived per-sector data, reused across loads.
    pub(crate) base: BaseCache,
    /// Changed tariff cells per (baseline, tariffs, sector), reused across loads.
    pub(super) diffs: TariffDiffs,
    /// Work counters (cumulative).
    pub(crate) counts: SolveCounts,
    /// `ln That`.
    pub(crate) lnt: Vec<f64>,
    /// `1 / That`.
    pub(crate) inv_that: Vec<f64>,
    /// New import shares `s_ij`.
    pub(crate) share: Vec<f64>,
    /// Quantity ratios `qhat_ij`.
    pub(crate) q: Vec<f64>,
    /// Importer `j`'s slot in `theta_rows` / `w_rows` when a tariff it levies changes
    /// (`NO_SLOT`: its rows are the baseline's `theta` and `w`).
    pub(super) row_slot: Vec<usize>,
    /// Importers holding a slot, in slot order.
    pub(super) slotted: Vec<usize>,
    /// Per slot: importer `j`'s row of `theta ∘ That^(1 − sigma)`, fixed during a solve.
    pub(super) theta_rows: Vec<f64>,
    /// Per slot: importer `j`'s row of `w ∘ That^(−sigma)` (padded like `w`), fixed during a
    /// solve.
    pub(super) w_rows: Vec<f64>,
    /// One sigma group with `sigma != 1` (the usual case: elasticities by sector only): the
    /// evaluation takes the one-group path ([`SectorWorkspace::evaluate`]).
    pub(super) one_group: bool,
    /// Exponent of the demand scale, `(eta_j + 1) / (1 − sigma_j) − 1` (one-group path).
    pub(super) scale_exponent: Vec<f64>,
    /// `sum_j scale_j w_ij That_ij^(−sigma_j)`, the demand sums before the price factor
    /// (one-group path).
    pub(super) sales_sum: Vec<f64>,
    /// Price-index sums per importer.
    pub(super) sum: Vec<f64>,
    /// Demand scale `Phat_j^(eta_j + 1) / sum_j` per importer.
    pub(super) scale: Vec<f64>,
    /// `ln Phat_j` of Cobb–Douglas importers (0 for the others).
    pub(super) cd_lnp: Vec<f64>,
    /// `1 / (1 − sigma_j)` (0 for Cobb–Douglas importers and importers without imports).
    pub(super) inv_a: Vec<f64>,
    /// `ln demand_i`.
    pub(super) ln_demand: Vec<f64>,
    /// Tariff part of the CES terms, `That_ij^(1 - sigma_j)` (1 where the tariff is unchanged),
    /// fixed during a solve.
    pub(super) tpow: Vec<f64>,
    /// Cells (importer-major) whose tariff changes.
    pub(super) changed: Vec<Changed>,
    /// Importer `j`'s group of equal `1 - sigma_j` (`usize::MAX`: no imports).
    pub(super) group_of: Vec<usize>,
    /// Importers with imports (those with a group), ascending.
    pub(super) importers: Vec<usize>,
    /// `1 - sigma` of each group.
    pub(super) group_a: Vec<f64>,
    /// Price part of the CES terms per group, `phat_i^(1 - sigma_g)`, `[g * N + i]`.
    pub(super) group_pow: Vec<f64>,
    /// Jacobian factor `a_ij = v_ij (eta_j + sigma_j)`, active rows × importers (row-major),
    /// rows padded with zeros to a multiple of 4.
    pub(super) jac_left: Vec<f64>,
    /// New import shares of the active exporters, importers × active (row-major), columns
    /// padded with zeros to a multiple of 4.
    pub(super) jac_right: Vec<f64>,
    /// The padded product `jac_left · jac_right`.
    pub(super) jac_product: Vec<f64>,
    /// `1 / demand_i`.
    pub(super) inv_demand: Vec<f64>,
    /// Diagonal term `sum_j v_ij sigma_j + eps_i` on the active set.
    pub(super) jac_diag: Vec<f64>,
    /// `ln Phat_j`.
    pub(crate) lnp: Vec<f64>,
    /// `sum_j w_ij qhat_ij`.
    pub(crate) demand: Vec<f64>,
    /// `x_i = ln phat_i` (full length; fixed exporters stay 0).
    pub(crate) x: Vec<f64>,
    pub(super) x_trial: Vec<f64>,
    /// `‖F‖∞` at the last evaluation.
    pub(super) res_inf: f64,
    /// Sales (new flows off the diagonal) per exporter of the sector being written.
    pub(super) sales_out: Vec<f64>,
    /// The previous chord step `r_(k−1)` on the active set (Anderson history).
    pub(super) aa_step: Vec<f64>,
    /// The previous iterate `x_(k−1)` on the active set (Anderson history).
    pub(super) aa_x: Vec<f64>,
    /// `1 / phat_i` at the last evaluation (formed by `materialize` on the one-group path).
    pub(super) inv_phat: Vec<f64>,
    /// Active exporters (compact index -> region).
    pub(crate) active: Vec<usize>,
    /// Residuals on the active set.
    pub(crate) f: Vec<f64>,
    pub(crate) jac: Vec<f64>,
    pub(crate) step: Vec<f64>,
    /// Importers recomputed by [`Self::evaluate_incremental`].
    pub(super) redo: Vec<usize>,
    pub(crate) piv: Vec<usize>,
}

impl SectorWorkspace {
    /// Sizes every buffer for `n` regions (allocates only when `n` changes).
    pub fn resize(&mut self, n: usize) {
        if self.n == n && self.share.len() == n * n {
            return;
        }
        self.n = n;
        for v in [
            &mut self.lnt,
            &mut self.inv_that,
            &mut self.share,
            &mut self.q,
            &mut self.theta_rows,
            &mut self.tpow,
            &mut self.group_pow,
            &mut self.jac,
        ] {
            v.clear();
            v.resize(n * n, 0.0);
        }
        let np = n.next_multiple_of(crate::simd::MAX_LANES);
        self.w_rows.clear();
        self.w_rows.resize(n * np, 0.0);
        if self.group_pow.len() < np {
            self.group_pow.resize(np, 0.0);
        }
        self.inv_that.fill(1.0);
        self.tpow.fill(1.0);
        self.share.fill(0.0);
        self.q.fill(1.0);
        let mp = padded(n);
        for v in [&mut self.jac_left, &mut self.jac_right] {
            v.clear();
            v.resize(mp * n, 0.0);
        }
        self.jac_product.clear();
        self.jac_product.resize(mp * mp, 0.0);
        for v in [
            &mut self.lnp,
            &mut self.demand,
            &mut self.x,
            &mut self.x_trial,
            &mut self.aa_step,
            &mut self.aa_x,
            &mut self.inv_phat,
            &mut self.f,
            &mut self.step,
            &mut self.inv_demand,
            &mut self.jac_diag,
            &mut self.sum,
            &mut self.scale,
            &mut self.cd_lnp,
            &mut self.inv_a,
            &mut self.ln_demand,
            &mut self.scale_exponent,
            &mut self.sales_sum,
        ] {
            v.clear();
            v.resize(np, 0.0);
        }
        self.piv.clear();
        self.piv.resize(n, 0);
        self.group_of.clear();
        self.group_of.resize(n, usize::MAX);
        self.row_slot.clear();
        self.row_slot.resize(n, NO_SLOT);
        self.slotted.clear();
        self.slotted.reserve(n);
        self.active.clear();
        self.active.reserve(n);
        self.changed.clear();
        self.changed.reserve(n * n);
        self.group_a.clear();
        self.group_a.reserve(n);
    }

    /// Loads sector `s`; returns whether any traded cell's tariff changes.
    ///
    /// The baseline part (shares `theta` and `w`, totals) is computed once per baseline and
    /// sector and kept in [`BaseCache`] (keyed on [`Baseline::uid`]); the tariff part touches
    /// only the cells whose tariff changes (and resets the ones the previous load changed).
    pub(crate) fn setup(
        &mut self,
        baseline: &Baseline,
        tariffs: &Tariffs,
        eps: &[f64],
        s: usize,
    ) -> bool {
        let n = baseline.n_regions();
        self.resize(n);
        self.base.load(baseline, s);
        self.loaded = (baseline.uid(), s, baseline.n_sectors());
        // Undo the previous load's tariff cells.
        for &Changed { cell: c, .. } in &self.changed {
            self.lnt[c] = 0.0;
            self.inv_that[c] = 1.0;
            self.tpow[c] = 1.0;
        }
        self.changed.clear();
        let theta = self.base.theta();
        let n = baseline.n_regions();
        let cells = self
            .diffs
            .sector(baseline, tariffs, s, &|i, j| theta[j * n + i] > 0.0);
        for &(changed, lnt, inv_that) in cells {
            self.lnt[changed.cell] = lnt;
            self.inv_that[changed.cell] = inv_that;
            self.changed.push(changed);
        }
        self.lnp[..n].fill(0.0);
        self.x[..n].fill(0.0);
        self.active.clear();
        for i in 0..n {
            if self.base.exports()[i] > 0.0 && eps[i].is_finite() {
                self.active.push(i);
            }
        }
        !self.changed.is_empty()
    }

    /// Readies the loaded sector for solves at `sigma`.
    ///
    /// The CES term of cell `(i, j)` factors as `phat_i^(a_j) · That_ij^(a_j)`, `a_j = 1 − sigma_j`.
    /// The tariff factor is fixed during a solve, so it is folded into the weights:
    /// `theta_t = theta ∘ That^a` (price-index weights) and `w_t = w ∘ That^(−sigma)` (demand
    /// weights). An evaluation is then two N² multiply–add sweeps against `phat^(a_g)`, one `exp`
    /// per exporter and *group* `g` of importers with equal `a` (elasticities usually vary by
    /// sector only: one group), plus O(N) logarithms — instead of one `exp` per cell. Only the
    /// rows of importers whose tariffs change differ from the cached `theta` and `w`; those rows
    /// get a slot here (`theta_rows`, `w_rows`), the others are read from the cache. Cobb–Douglas
    /// importers (`|a| < SIGMA_ONE_TOL`) form the group `a = 0`.
    pub(crate) fn prepare(&mut self, sigma: &[f64], eta: &[f64]) {
        let n = self.n;
        self.group_a.clear();
        for j in 0..n {
            self.group_of[j] = usize::MAX;
            if self.base.imports()[j] <= 0.0 {
                continue;
            }
            let a = 1.0 - sigma[j];
            let a = if a.abs() < SIGMA_ONE_TOL { 0.0 } else { a };
            let g = match self.group_a.iter().position(|b| b.to_bits() == a.to_bits()) {
                Some(g) => g,
                None => {
                    self.group_a.push(a);
                    self.group_a.len() - 1
                }
            };
            self.group_of[j] = g;
        }
        self.importers.clear();
        self.importers
            .extend((0..n).filter(|&j| self.group_of[j] != usize::MAX));
        for j in 0..n {
            let g = self.group_of[j];
            let a = if g == usize::MAX {
                0.0
            } else {
                self.group_a[g]
            };
            self.inv_a[j] = if a == 0.0 { 0.0 } else { 1.0 / a };
            self.cd_lnp[j] = 0.0;
        }
        self.one_group = self.group_a.len() == 1 && self.group_a[0] != 0.0;
        if self.one_group {
            for j in 0..n {
                self.scale_exponent[j] = (eta[j] + 1.0) * self.inv_a[j] - 1.0;
            }
        }
        // Only the rows of importers whose tariffs change differ from the baseline's shares:
        // those get a slot with their tariff-adjusted rows, the others are read from the cache.
        for &j in &self.slotted {
            self.row_slot[j] = NO_SLOT;
        }
        self.slotted.clear();
        for &Changed {
            cell: c,
            importer: j,
            exporter: i,
        } in &self.changed
        {
            let g = self.group_of[j];
            if g == usize::MAX {
                continue;
            }
            let row = j * n..(j + 1) * n;
            if self.row_slot[j] == NO_SLOT {
                let k = self.slotted.len();
                self.slotted.push(j);
                self.row_slot[j] = k;
                self.theta_rows[k * n..(k + 1) * n]
                    .copy_from_slice(&self.base.theta()[row.clone()]);
                let np = self.base.stride();
                self.w_rows[k * np..(k + 1) * np]
                    .copy_from_slice(&self.base.w()[j * np..(j + 1) * np]);
            }
            let at = self.row_slot[j] * n + i;
            let a = self.group_a[g];
            let tpow = if a == 0.0 { 1.0 } else { exp(a * self.lnt[c]) };
            self.tpow[c] = tpow;
            self.theta_rows[at] = self.base.theta()[c] * tpow;
            let np = self.base.stride();
            self.w_rows[self.row_slot[j] * np + i] =
                self.base.w()[j * np + i] * self.inv_that[c] * tpow;
        }
    }

    /// Importer `j`'s tariff-adjusted price-index weights `theta ∘ That^(1 − sigma)`.
    #[inline(always)]
    pub(super) fn theta_row(&self, j: usize) -> &[f64] {
        adjusted_row(
            self.base.theta(),
            &self.theta_rows,
            self.row_slot[j],
            j,
            self.n,
        )
    }

    /// Importer `j`'s tariff-adjusted demand weights `w ∘ That^(−sigma)`.
    #[inline(always)]
    pub(super) fn w_row(&self, j: usize) -> &[f64] {
        let np = self.base.stride();
        adjusted_row(self.base.w(), &self.w_rows, self.row_slot[j], j, np)
    }

    /// Evaluates price indices, demand and residuals at `self.x`; returns `½‖F‖²`, or `None` if
    /// a value is not finite. Needs [`Self::prepare`] for the current `sigma`. Shares and
    /// quantities per cell are not formed here ([`Self::materialize`] does that when the
    /// Jacobian or the results need them).
    pub(crate) fn evaluate(&mut self, eta: &[f64], eps: &[f64]) -> Option<f64> {
        if self.one_group {
            return self.evaluate_one_group(eps);
        }
        let n = self.n;
        let x = &self.x[..n];
        for (p, &xi) in self.inv_phat[..n].iter_mut().zip(x) {
            *p = exp(-xi);
        }
        for (&a, pow) in self.group_a.iter().zip(self.group_pow.chunks_exact_mut(n)) {
            for (p, &xi) in pow.iter_mut().zip(x) {
                *p = exp(a * xi);
            }
        }
        // Price-index sums `sum_i theta_t_ij phat_i^(a_j)`; Cobb–Douglas importers take
        // `ln Phat = sum_i theta_ij (x_i + lnt_ij)` and a unit sum.
        for j in 0..n {
            let g = self.group_of[j];
            let row = j * n..(j + 1) * n;
            if g == usize::MAX {
                self.sum[j] = 1.0;
                self.cd_lnp[j] = 0.0;
                continue;
            }
            if self.group_a[g] == 0.0 {
                self.sum[j] = 1.0;
                let theta = &self.base.theta()[row.clone()];
                let lnt = &self.lnt[row];
                self.cd_lnp[j] = theta
                    .iter()
                    .zip(lnt)
                    .zip(x)
                    .map(|((t, l), xi)| t * (xi + l))
                    .sum();
            } else {
                self.sum[j] = dot(self.theta_row(j), &self.group_pow[g * n..(g + 1) * n]);
            }
        }
        // ln Phat_j = ln(sum_j) / a_j (Cobb–Douglas: the direct sum, with a unit `sum_j`) and
        // the demand scale Phat^(eta+1) / sum: a pure map over importers, so `ln` and `exp`
        // vectorise.
        {
            let (sum, lnp, scale) = (&self.sum[..n], &mut self.lnp[..n], &mut self.scale[..n]);
            let (inv_a, cd_lnp, eta) = (&self.inv_a[..n], &self.cd_lnp[..n], &eta[..n]);
            for j in 0..n {
                let ln_sum = ln(sum[j]);
                let l = ln_sum * inv_a[j] + cd_lnp[j];
                lnp[j] = l;
                scale[j] = exp((eta[j] + 1.0) * l - ln_sum);
            }
        }
        // demand_i = (1/phat_i) sum_j scale_j w_t_ij phat_i^(a_j)
        let mut demand = std::mem::take(&mut self.demand);
        demand[..n].fill(0.0);
        for j in 0..n {
            let g = self.group_of[j];
            if g == usize::MAX {
                continue;
            }
            add_scaled_product(
                &mut demand[..n],
                self.w_row(j),
                &self.group_pow[g * n..(g + 1) * n],
                self.scale[j],
            );
        }
        for (d, &p) in demand[..n].iter_mut().zip(&self.inv_phat[..n]) {
            *d *= p;
        }
        self.demand = demand;
        for (l, &d) in self.ln_demand[..n].iter_mut().zip(&self.demand[..n]) {
            *l = ln(d);
        }
        self.residuals(eps)
    }

    /// The evaluation with one sigma group (`a = 1 − sigma ≠ 0` for every importer), in the
    /// copy for the CPU's instruction set ([`crate::simd`]: AVX-512, AVX2 or baseline, same
    /// bits): the
    /// price factor `phat_i^a` is common to every importer, so with `S_i = sum_j scale_j w_t_ij`
    /// the demand is `phat_i^(a − 1) S_i` and `ln demand_i = ln S_i + (a − 1) x_i` — one `exp`
    /// per exporter (`phat^a`), a `ln` and an `exp` per importer and a `ln` per exporter. The
    /// demand itself and `1 / phat` are formed by [`Self::materialize`] when needed.
    #[allow(unsafe_code)]
    pub(super) fn evaluate_one_group(&mut self, eps: &[f64]) -> Option<f64> {
        #[cfg(target_arch = "x86_64")]
        {
            if crate::simd::avx512() {
                // SAFETY: the CPU has AVX-512F (checked at run time by `simd::avx512`).
                return unsafe { self.evaluate_one_group_avx512(eps) };
            }
            if crate::simd::avx2() {
                // SAFETY: the CPU has AVX2 (checked at run time by `simd::avx2`).
                return unsafe { self.evaluate_one_group_avx2(eps) };
            }
        }
        self.evaluate_one_group_body(eps)
    }

    /// [`Self::evaluate_one_group`] compiled for AVX-512 (see [`crate::simd`]; the rows are
    /// then padded to a multiple of 8, so the sweeps run on whole 8-double vectors).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    pub(super) fn evaluate_one_group_avx512(&mut self, eps: &[f64]) -> Option<f64> {
        self.evaluate_one_group_body(eps)
    }

    /// [`Self::evaluate_one_group`] compiled for AVX2 (see [`crate::simd`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    pub(super) fn evaluate_one_group_avx2(&mut self, eps: &[f64]) -> Option<f64> {
        self.evaluate_one_group_body(eps)
    }

    /// The body of [`Self::evaluate_one_group`], inlined into both copies.
    #[inline(always)]
    pub(super) fn evaluate_one_group_body(&mut self, eps: &[f64]) -> Option<f64> {
        let n = self.n;
        let np = self.base.stride();
        let a = self.group_a[0];
        {
            let x = &self.x[..np];
            let pow = &mut self.group_pow[..np];
            for (p, &xi) in pow.iter_mut().zip(x) {
                *p = exp(a * xi);
            }
        }
        let mut sum = std::mem::take(&mut self.sum);
        {
            // sum_j = Σ_i theta_ij phat_i^a, swept by exporter over the transposed, padded
            // shares (whole vectors, no horizontal sums); importers with a slot are redone
            // from their tariff-adjusted rows.
            let sum = &mut sum[..np];
            sum.copy_from_slice(self.base.sum_init());
            let theta_t = self.base.theta_t();
            let pow = &self.group_pow[..n];
            let row = |i: usize| &theta_t[i * np..(i + 1) * np];
            let full = n - n % 4;
            for i in (0..full).step_by(4) {
                add_scaled4(
                    sum,
                    [row(i), row(i + 1), row(i + 2), row(i + 3)],
                    [pow[i], pow[i + 1], pow[i + 2], pow[i + 3]],
                );
            }
            for i in full..n {
                add_scaled(sum, row(i), pow[i]);
            }
            for (k, &j) in self.slotted.iter().enumerate() {
                sum[j] = dot(&self.theta_rows[k * n..(k + 1) * n], pow);
            }
        }
        {
            let (lnp, scale) = (&mut self.lnp[..np], &mut self.scale[..np]);
            let (inv_a, k) = (&self.inv_a[..np], &self.scale_exponent[..np]);
            let sum = &sum[..np];
            for j in 0..np {
                let ln_sum = ln(sum[j]);
                lnp[j] = ln_sum * inv_a[j];
                scale[j] = exp(ln_sum * k[j]);
            }
        }
        self.sum = sum;
        let mut sales = std::mem::take(&mut self.sales_sum);
        sales[..np].fill(0.0);
        {
            // Four importers' rows per pass over the sums: one load and store of each sum per
            // four rows.
            let (w, slots) = (self.base.w(), &self.w_rows[..]);
            let (row_slot, scale) = (&self.row_slot[..n], &self.scale[..n]);
            let row = |j: usize| adjusted_row(w, slots, row_slot[j], j, np);
            let mut blocks = self.importers.chunks_exact(4);
            for b in &mut blocks {
                add_scaled4(
                    &mut sales[..np],
                    [row(b[0]), row(b[1]), row(b[2]), row(b[3])],
                    [scale[b[0]], scale[b[1]], scale[b[2]], scale[b[3]]],
                );
            }
            for &j in blocks.remainder() {
                add_scaled(&mut sales[..np], row(j), scale[j]);
            }
        }
        self.finish_one_group(sales, np, eps)
    }

    /// The end of a one-group evaluation from the demand sums `S` (the first `len` entries):
    /// `ln demand_i = ln S_i + (a − 1) x_i`, then the residuals. `sales` goes back into
    /// `sales_sum`. Inlined into each evaluation copy.
    #[inline(always)]
    pub(super) fn finish_one_group(
        &mut self,
        sales: Vec<f64>,
        len: usize,
        eps: &[f64],
    ) -> Option<f64> {
        let shift = self.group_a[0] - 1.0;
        for ((l, &s), &xi) in self.ln_demand[..len]
            .iter_mut()
            .zip(&sales[..len])
            .zip(&self.x[..len])
        {
            *l = ln(s) + shift * xi;
        }
        self.sales_sum = sales;
        self.residuals(eps)
    }

    /// Forms the new import shares `s_ij = theta_ij ces_ij / sum_j` and quantity ratios
    /// `qhat_ij = scale_j ces_ij / (phat_i That_ij)` (1 on untraded cells) at the last evaluated
    /// point, for the Jacobian, the fixed point and the write-out.
    pub(crate) fn materialize(&mut self) {
        let n = self.n;
        if self.one_group {
            // The one-group evaluation leaves these to here.
            let x = &self.x[..n];
            for ((((d, p), &s), &q), &xi) in self.demand[..n]
                .iter_mut()
                .zip(&mut self.inv_phat[..n])
                .zip(&self.sales_sum[..n])
                .zip(&self.group_pow[..n])
                .zip(x)
            {
                *p = exp(-xi);
                *d = s * q * *p;
            }
        }
        for j in 0..n {
            let g = self.group_of[j];
            let row = j * n..(j + 1) * n;
            if g == usize::MAX {
                self.share[row.clone()].fill(0.0);
                self.q[row].fill(1.0);
                continue;
            }
            let inv = 1.0 / self.sum[j];
            let scale = self.scale[j];
            let pow = &self.group_pow[g * n..(g + 1) * n];
            let theta = &self.base.theta()[row.clone()];
            let tpow = &self.tpow[row.clone()];
            let inv_that = &self.inv_that[row.clone()];
            let share = &mut self.share[row.clone()];
            let q = &mut self.q[row];
            for i in 0..n {
                let ces = pow[i] * tpow[i];
                share[i] = theta[i] * ces * inv;
                let qi = scale * ces * self.inv_phat[i] * inv_that[i];
                q[i] = if theta[i] > 0.0 { qi } else { 1.0 };
            }
        }
    }

    /// `‖F‖∞` on the active set at the last evaluation (see [`Self::residuals`]).
    pub(super) fn residual_inf(&self) -> f64 {
        self.res_inf
    }

    /// The residuals `F_i = ln demand_i − eps_i x_i` on the active set from `ln_demand`, their
    /// max-norm (kept for [`Self::residual_inf`]; NaN entries are skipped, as `f64::max` does:
    /// an evaluation with a NaN residual is rejected by its merit) and the merit `½‖F‖²`, or
    /// `None` if that is not finite. Inlined, so the evaluation's copies for each instruction set
    /// ([`crate::simd`]) include it (called after the AVX-512 copy as a baseline function it took
    /// 6% of a draw; inlined, a draw is 1.5–2% faster, 4 interleaved rounds).
    #[inline(always)]
    pub(super) fn residuals(&mut self, eps: &[f64]) -> Option<f64> {
        let mut merit = 0.0;
        let mut top = 0.0_f64;
        for (k, &i) in self.active.iter().enumerate() {
            let f = self.ln_demand[i] - eps[i] * self.x[i];
            self.f[k] = f;
            merit += f * f;
            top = top.max(f.abs());
        }
        self.res_inf = top;
        let merit = 0.5 * merit;
        merit.is_finite().then_some(merit)
    }

    /// Fills `self.jac` (m × m, active set) at the last evaluated point.
    ///
    /// `J = A S − diag(d)` with `A_ij = v_ij (eta_j + sigma_j)` (active exporters × importers),
    /// `S_jk = s_kj` (importers × active exporters) and `d_i = sum_j v_ij sigma_j + eps_i`: one
    /// dense matrix product ([`matmul_into`], sizes padded to multiples of 4), the N³ part, plus
    /// N² set-up.
    pub(crate) fn jacobian(&mut self, sigma: &[f64], eta: &[f64], eps: &[f64]) {
        let n = self.n;
        let m = self.active.len();
        if m == 0 {
            return;
        }
        for &i in &self.active {
            self.inv_demand[i] = 1.0 / self.demand[i];
        }
        let left = &mut self.jac_left[..padded(m) * n];
        let diag = &mut self.jac_diag[..m];
        let sigma = &sigma[..n];
        let eta = &eta[..n];
        let np = self.base.stride();
        let (w, q) = (&self.base.w()[..n * np], &self.q[..n * n]);
        // Row k of A: a_kj = v_ij (eta_j + sigma_j), v_ij = w_ij q_ij / demand_i (importer-major
        // storage: cell (i, j) is at j n + i of q and j n' + i of the padded w). Untraded cells
        // have w = 0 and a finite q: v = 0.
        for ((k, &i), row) in self.active.iter().enumerate().zip(left.chunks_exact_mut(n)) {
            let inv_d = self.inv_demand[i];
            let mut d = eps[i];
            for ((((a, wr), qr), &sig), &et) in row
                .iter_mut()
                .zip(w.chunks_exact(np))
                .zip(q.chunks_exact(n))
                .zip(sigma)
                .zip(eta)
            {
                let v = wr[i] * qr[i] * inv_d;
                *a = v * (et + sig);
                d += v * sig;
            }
            diag[k] = d;
        }
        let mp = padded(m);
        left[m * n..].fill(0.0);
        let right = &mut self.jac_right[..n * mp];
        for (dst, src) in right
            .chunks_exact_mut(mp)
            .zip(self.share[..n * n].chunks_exact(n))
        {
            if m == n {
                dst[..n].copy_from_slice(src);
            } else {
                for (d, &i) in dst.iter_mut().zip(&self.active) {
                    *d = src[i];
                }
            }
            dst[m..].fill(0.0);
        }
        let product = &mut self.jac_product[..mp * mp];
        matmul_into(product, left, right, mp, n, mp);
        let jac = &mut self.jac[..m * m];
        for k in 0..m {
            jac[k * m..(k + 1) * m].copy_from_slice(&product[k * mp..k * mp + m]);
        }
        for k in 0..m {
            jac[k * m + k] -= diag[k];
        }
    }
}
