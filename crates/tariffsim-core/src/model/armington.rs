//! `armington`: the exact multi-region Armington partial equilibrium (nonlinear GSIM).
//!
//! Per sector, with baseline flows `x_ij` (exporter `i`, importer `j`, USD at exporter prices),
//! tariff powers `T0 = 1 + t0` before and `T1 = 1 + t1` after, and `That = T1 / T0`:
//!
//! - import share at internal prices: `theta_ij = x_ij T0_ij / sum_k x_kj T0_kj`
//! - price index: `Phat_j^(1 - sigma_j) = sum_i theta_ij (phat_i That_ij)^(1 - sigma_j)`
//!   (Cobb–Douglas limit `ln Phat_j = sum_i theta_ij ln(phat_i That_ij)` when `sigma_j = 1`)
//! - demand: `qhat_ij = Phat_j^(eta_j + sigma_j) (phat_i That_ij)^(-sigma_j)`
//! - supply: `Xhat_i = phat_i^(eps_i)`
//! - market clearing: `sum_j x_ij qhat_ij = X_i phat_i^(eps_i)`, `X_i = sum_j x_ij`
//!
//! Only international flows enter (the diagonal, if any, is domestic sales, which this partial
//! model holds fixed: `eta` is the elasticity of *import* demand). Held fixed: incomes, domestic
//! sales, every other sector (sectors are solved independently).
//!
//! # Solver
//! Unknowns are `x_i = ln phat_i` for exporters with positive exports and finite `eps_i`
//! (`eps = inf` pins `phat_i = 1`). Residual `F_i = ln(sum_j w_ij qhat_ij) − eps_i x_i` with
//! `w_ij = x_ij / X_i`; its Jacobian is, with `v_ij` the new sales shares of exporter `i` and
//! `s_kj` the new import shares of importer `j`,
//! `J_ik = sum_j v_ij (eta_j + sigma_j) s_kj − δ_ik (sum_j v_ij sigma_j + eps_i)`.
//! Newton with that analytic Jacobian and an Armijo backtracking line search on `½‖F‖²`, started
//! from the baseline (`x = 0`); if it stalls, a damped Jacobi fixed point `x_i ← x_i − ω F_i / J_ii`
//! restarted from the baseline. Each cell costs one `exp` per evaluation: `qhat_ij` is rebuilt from
//! the CES term `(phat That)^(1−sigma)` and cached reciprocals rather than a second `powf`.
//!
//! Sectors whose tariffs do not change on any traded cell are not solved: they are the baseline,
//! exactly.
//!
//! # Welfare (exact integrals of the constant-elasticity curves)
//! - producer surplus of `i`: `X_i (phat^(1+eps) − 1) / (1 + eps)`
//! - consumer surplus of `j`: `−E_j (Phat^(1+eta) − 1) / (1 + eta)` (`−E_j ln Phat` at `eta = −1`),
//!   `E_j = sum_i x_ij T0_ij`
//! - tariff revenue of `j`: `sum_i x_ij phat_i qhat_ij t1_ij − x_ij t0_ij`
//!
//! # References
//! - Francois, J. and H. K. Hall (2003), "Global simulation analysis of industry-level trade
//!   policy", GSIM technical paper, World Bank / WITS.
//! - Nocedal, J. and S. Wright (2006), *Numerical Optimization*, 2nd ed., §3.1 (backtracking
//!   line search) and §11.1 (Newton's method for nonlinear equations).

use crate::baseline::Baseline;
use crate::elasticity::Elasticities;
use crate::equilibrium::Equilibrium;
use crate::error::{Result, SolveError, StopReason};
use crate::linalg::{exp, lu_solve_in_place, matmul_into};
use crate::tariff::Tariffs;
use crate::tolerance::{
    MAX_FIXED_POINT_ITERATIONS, MAX_NEWTON_ITERATIONS, PRICE_LOG_BOUND, SIGMA_ONE_TOL, SOLVE_TOL,
};

/// Scratch for one sector's solve; per-cell arrays are importer-major (`j * N + i`).
#[derive(Debug, Default, Clone)]
pub struct SectorWorkspace {
    n: usize,
    /// Baseline import shares at internal prices.
    pub(crate) theta: Vec<f64>,
    /// `ln That`.
    pub(crate) lnt: Vec<f64>,
    /// `1 / That`.
    pub(crate) inv_that: Vec<f64>,
    /// Baseline sales shares `w_ij = x_ij / X_i`.
    pub(crate) w: Vec<f64>,
    /// New import shares `s_ij`.
    pub(crate) share: Vec<f64>,
    /// Quantity ratios `qhat_ij`.
    pub(crate) q: Vec<f64>,
    /// CES terms `(phat_i That_ij)^(1 - sigma_j)` (1 on untraded cells).
    ces: Vec<f64>,
    /// Jacobian factor `a_ij = v_ij (eta_j + sigma_j)`, active rows × importers (row-major),
    /// rows padded with zeros to a multiple of 4.
    jac_left: Vec<f64>,
    /// New import shares of the active exporters, importers × active (row-major), columns
    /// padded with zeros to a multiple of 4.
    jac_right: Vec<f64>,
    /// The padded product `jac_left · jac_right`.
    jac_product: Vec<f64>,
    /// `1 / demand_i`.
    inv_demand: Vec<f64>,
    /// Diagonal term `sum_j v_ij sigma_j + eps_i` on the active set.
    jac_diag: Vec<f64>,
    /// `ln Phat_j`.
    pub(crate) lnp: Vec<f64>,
    /// Baseline imports at internal prices `E_j`.
    pub(crate) imports_internal: Vec<f64>,
    /// Baseline exports `X_i`.
    pub(crate) exports: Vec<f64>,
    /// `sum_j w_ij qhat_ij`.
    pub(crate) demand: Vec<f64>,
    /// `x_i = ln phat_i` (full length; fixed exporters stay 0).
    pub(crate) x: Vec<f64>,
    x_trial: Vec<f64>,
    inv_phat: Vec<f64>,
    /// Active exporters (compact index -> region).
    pub(crate) active: Vec<usize>,
    /// Residuals on the active set.
    pub(crate) f: Vec<f64>,
    pub(crate) jac: Vec<f64>,
    pub(crate) step: Vec<f64>,
    pub(crate) piv: Vec<usize>,
}

impl SectorWorkspace {
    /// Sizes every buffer for `n` regions (allocates only when `n` changes).
    pub fn resize(&mut self, n: usize) {
        if self.n == n && self.theta.len() == n * n {
            return;
        }
        self.n = n;
        for v in [
            &mut self.theta,
            &mut self.lnt,
            &mut self.inv_that,
            &mut self.w,
            &mut self.share,
            &mut self.q,
            &mut self.ces,
            &mut self.jac,
        ] {
            v.clear();
            v.resize(n * n, 0.0);
        }
        let padded = n.next_multiple_of(4);
        for v in [&mut self.jac_left, &mut self.jac_right] {
            v.clear();
            v.resize(padded * n, 0.0);
        }
        self.jac_product.clear();
        self.jac_product.resize(padded * padded, 0.0);
        for v in [
            &mut self.lnp,
            &mut self.imports_internal,
            &mut self.exports,
            &mut self.demand,
            &mut self.x,
            &mut self.x_trial,
            &mut self.inv_phat,
            &mut self.f,
            &mut self.step,
            &mut self.inv_demand,
            &mut self.jac_diag,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
        self.piv.clear();
        self.piv.resize(n, 0);
        self.active.clear();
        self.active.reserve(n);
    }

    /// Loads sector `s`; returns whether any traded cell's tariff changes.
    pub(crate) fn setup(
        &mut self,
        baseline: &Baseline,
        tariffs: &Tariffs,
        eps: &[f64],
        s: usize,
    ) -> bool {
        let n = baseline.n_regions();
        self.resize(n);
        let flows = baseline.sector_flows(s);
        let t0 = baseline.sector_tariffs(s);
        let t1 = tariffs.sector_rates(s);
        let flows = &flows[..n * n];
        let t0 = &t0[..n * n];
        let t1 = &t1[..n * n];
        // Baseline totals; `inv_demand` holds 1 / X_i meanwhile (0 for a non-exporter).
        for i in 0..n {
            let row = &flows[i * n..(i + 1) * n];
            let x: f64 = (0..n).filter(|&j| j != i).map(|j| row[j]).sum();
            self.exports[i] = x;
            self.inv_demand[i] = if x > 0.0 { 1.0 / x } else { 0.0 };
        }
        let mut touched = false;
        for j in 0..n {
            let e: f64 = (0..n)
                .filter(|&i| i != j)
                .map(|i| flows[i * n + j] * (1.0 + t0[i * n + j]))
                .sum();
            self.imports_internal[j] = e;
            self.lnp[j] = 0.0;
            let inv_e = if e > 0.0 { 1.0 / e } else { 0.0 };
            let row = j * n..(j + 1) * n;
            let theta = &mut self.theta[row.clone()];
            let w = &mut self.w[row.clone()];
            let lnt = &mut self.lnt[row.clone()];
            let inv_that = &mut self.inv_that[row.clone()];
            let q = &mut self.q[row.clone()];
            let share = &mut self.share[row];
            for i in 0..n {
                let k = i * n + j;
                let x = flows[k];
                q[i] = 1.0;
                share[i] = 0.0;
                lnt[i] = 0.0;
                inv_that[i] = 1.0;
                if i == j || x <= 0.0 {
                    theta[i] = 0.0;
                    w[i] = 0.0;
                    continue;
                }
                theta[i] = x * (1.0 + t0[k]) * inv_e;
                w[i] = x * self.inv_demand[i];
                // Most cells keep their tariff: no logarithm needed.
                if t1[k].to_bits() != t0[k].to_bits() {
                    let t_hat = (1.0 + t1[k]) / (1.0 + t0[k]);
                    lnt[i] = t_hat.ln();
                    inv_that[i] = 1.0 / t_hat;
                    touched |= lnt[i] != 0.0;
                }
            }
        }
        self.active.clear();
        for i in 0..n {
            self.x[i] = 0.0;
            if self.exports[i] > 0.0 && eps[i].is_finite() {
                self.active.push(i);
            }
        }
        touched
    }

    /// Evaluates prices, quantities and residuals at `self.x`; returns `½‖F‖²`, or `None` if a
    /// value is not finite.
    pub(crate) fn evaluate(&mut self, sigma: &[f64], eta: &[f64], eps: &[f64]) -> Option<f64> {
        let n = self.n;
        let x = &self.x[..n];
        let inv_phat = &mut self.inv_phat[..n];
        let demand = &mut self.demand[..n];
        for i in 0..n {
            inv_phat[i] = exp(-x[i]);
            demand[i] = 0.0;
        }
        for j in 0..n {
            if self.imports_internal[j] <= 0.0 {
                continue;
            }
            let sig = sigma[j];
            let a = 1.0 - sig;
            let row = j * n..(j + 1) * n;
            let theta = &self.theta[row.clone()];
            let lnt = &self.lnt[row.clone()];
            let share = &mut self.share[row.clone()];
            let q = &mut self.q[row.clone()];
            let w = &self.w[row.clone()];
            if a.abs() < SIGMA_ONE_TOL {
                let mut lnp = 0.0;
                for i in 0..n {
                    share[i] = theta[i];
                    lnp += theta[i] * (x[i] + lnt[i]);
                }
                self.lnp[j] = lnp;
                for i in 0..n {
                    if theta[i] > 0.0 {
                        q[i] = ((eta[j] + sig) * lnp - sig * (x[i] + lnt[i])).exp();
                        demand[i] += w[i] * q[i];
                    }
                }
                continue;
            }
            // ces_i = (phat_i That_i)^(1 - sigma); 1 on untraded cells so nothing overflows
            // there. A pure map: it vectorises with the inlined `exp`.
            let ces = &mut self.ces[row.clone()];
            ces_row(ces, theta, x, lnt, a);
            let sum = weighted_sum(theta, ces);
            let inv = 1.0 / sum;
            let lnp = sum.ln() / a;
            self.lnp[j] = lnp;
            // s_i = theta_i ces_i / sum and qhat_i = Phat^(eta+sigma) (pT)^(-sigma)
            //     = Phat^(eta+1) ces_i / (sum phat_i That_i): no second power per cell.
            let scale = ((eta[j] + 1.0) * lnp).exp() * inv;
            let inv_that = &self.inv_that[row];
            finish_row(
                share, q, demand, theta, ces, inv_phat, inv_that, w, inv, scale,
            );
        }
        let mut merit = 0.0;
        for (k, &i) in self.active.iter().enumerate() {
            let f = self.demand[i].ln() - eps[i] * self.x[i];
            self.f[k] = f;
            merit += f * f;
        }
        let merit = 0.5 * merit;
        merit.is_finite().then_some(merit)
    }

    fn residual_inf(&self) -> f64 {
        self.f[..self.active.len()]
            .iter()
            .fold(0.0_f64, |m, f| m.max(f.abs()))
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
        let left = &mut self.jac_left[..m.next_multiple_of(4) * n];
        let diag = &mut self.jac_diag[..m];
        let sigma = &sigma[..n];
        let eta = &eta[..n];
        let (w, q) = (&self.w[..n * n], &self.q[..n * n]);
        // Row k of A: a_kj = v_ij (eta_j + sigma_j), v_ij = w_ij q_ij / demand_i (importer-major
        // storage: cell (i, j) is at j n + i). Untraded cells have w = 0 and a finite q: v = 0.
        for ((k, &i), row) in self.active.iter().enumerate().zip(left.chunks_exact_mut(n)) {
            let inv_d = self.inv_demand[i];
            let mut d = eps[i];
            for ((((a, wr), qr), &sig), &et) in row
                .iter_mut()
                .zip(w.chunks_exact(n))
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
        let mp = m.next_multiple_of(4);
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

    /// Newton with backtracking from the baseline. Ok(iterations) or the reason it stopped.
    fn newton(
        &mut self,
        sigma: &[f64],
        eta: &[f64],
        eps: &[f64],
    ) -> std::result::Result<usize, (StopReason, usize)> {
        let m = self.active.len();
        let mut merit = self
            .evaluate(sigma, eta, eps)
            .ok_or((StopReason::Diverged, 0))?;
        for it in 0..MAX_NEWTON_ITERATIONS {
            if self.residual_inf() <= SOLVE_TOL {
                return Ok(it);
            }
            self.jacobian(sigma, eta, eps);
            for k in 0..m {
                self.step[k] = -self.f[k];
            }
            if !lu_solve_in_place(
                &mut self.jac[..m * m],
                m,
                &mut self.step[..m],
                &mut self.piv,
            ) {
                return Err((StopReason::SingularJacobian, it));
            }
            self.x_trial.copy_from_slice(&self.x);
            let mut alpha = 1.0;
            let mut accepted = false;
            for _ in 0..60 {
                let mut in_range = true;
                for (k, &i) in self.active.iter().enumerate() {
                    let xi = self.x_trial[i] + alpha * self.step[k];
                    in_range &= xi.abs() <= PRICE_LOG_BOUND;
                    self.x[i] = xi;
                }
                if in_range
                    && let Some(trial) = self.evaluate(sigma, eta, eps)
                    && trial <= (1.0 - 1e-4 * alpha) * merit
                {
                    merit = trial;
                    accepted = true;
                    break;
                }
                alpha *= 0.5;
            }
            if !accepted {
                self.x.copy_from_slice(&self.x_trial);
                self.evaluate(sigma, eta, eps);
                return Err((StopReason::LineSearchFailed, it + 1));
            }
        }
        if self.residual_inf() <= SOLVE_TOL {
            Ok(MAX_NEWTON_ITERATIONS)
        } else {
            Err((StopReason::MaxIterations, MAX_NEWTON_ITERATIONS))
        }
    }

    /// Damped Jacobi fixed point from the baseline: `x_i ← x_i − ω F_i / J_ii`.
    fn fixed_point(
        &mut self,
        sigma: &[f64],
        eta: &[f64],
        eps: &[f64],
    ) -> std::result::Result<usize, (StopReason, usize)> {
        let n = self.n;
        self.x.fill(0.0);
        let mut merit = self
            .evaluate(sigma, eta, eps)
            .ok_or((StopReason::Diverged, 0))?;
        let mut omega = 1.0_f64;
        for it in 0..MAX_FIXED_POINT_ITERATIONS {
            if self.residual_inf() <= SOLVE_TOL {
                return Ok(it);
            }
            // Diagonal of the Jacobian.
            for (k, &i) in self.active.iter().enumerate() {
                let mut d = -eps[i];
                for j in 0..n {
                    let c = j * n + i;
                    if self.w[c] > 0.0 {
                        let v = self.w[c] * self.q[c] / self.demand[i];
                        d += v * ((eta[j] + sigma[j]) * self.share[c] - sigma[j]);
                    }
                }
                self.step[k] = if d < 0.0 { -self.f[k] / d } else { self.f[k] };
            }
            self.x_trial.copy_from_slice(&self.x);
            loop {
                let mut in_range = true;
                for (k, &i) in self.active.iter().enumerate() {
                    let xi = self.x_trial[i] + omega * self.step[k];
                    in_range &= xi.abs() <= PRICE_LOG_BOUND;
                    self.x[i] = xi;
                }
                let trial = if in_range {
                    self.evaluate(sigma, eta, eps)
                } else {
                    None
                };
                match trial {
                    Some(t) if t < merit => {
                        merit = t;
                        omega = (omega * 1.5).min(1.0);
                        break;
                    }
                    _ => {
                        omega *= 0.5;
                        if omega < 1e-14 {
                            self.x.copy_from_slice(&self.x_trial);
                            self.evaluate(sigma, eta, eps);
                            return Err((StopReason::LineSearchFailed, it + 1));
                        }
                    }
                }
            }
        }
        Err((StopReason::MaxIterations, MAX_FIXED_POINT_ITERATIONS))
    }

    /// Solves the loaded sector: Newton, then the fixed point as fallback.
    pub(crate) fn solve(
        &mut self,
        sigma: &[f64],
        eta: &[f64],
        eps: &[f64],
        sector: &str,
    ) -> std::result::Result<usize, SolveError> {
        match self.newton(sigma, eta, eps) {
            Ok(it) => Ok(it),
            Err((_, newton_its)) => match self.fixed_point(sigma, eta, eps) {
                Ok(it) => Ok(newton_its + it),
                Err((reason, it)) => Err(SolveError {
                    model: "armington",
                    sector: Some(sector.to_string()),
                    iterations: newton_its + it,
                    residual: self.residual_inf(),
                    reason,
                }),
            },
        }
    }
}

// The row kernels take their arrays as separate slice arguments: `&mut` arguments do not alias,
// which lets the compiler vectorise without run-time overlap checks (it gives up on them when
// many arrays meet in one loop).

/// `ces_i = exp(a (x_i + lnt_i))` where `theta_i > 0`, else 1.
#[inline]
fn ces_row(ces: &mut [f64], theta: &[f64], x: &[f64], lnt: &[f64], a: f64) {
    let n = ces.len();
    let (theta, x, lnt) = (&theta[..n], &x[..n], &lnt[..n]);
    for i in 0..n {
        // Loads outside the select: conditional loads would stop the vectoriser.
        let arg = a * (x[i] + lnt[i]);
        ces[i] = exp(if theta[i] > 0.0 { arg } else { 0.0 });
    }
}

/// New shares `s_i = theta_i ces_i inv`, quantities `qhat_i = scale ces_i / (phat_i That_i)`
/// (1 on untraded cells) and the demand accumulation `demand_i += w_i qhat_i`.
#[inline]
#[allow(clippy::too_many_arguments)]
fn finish_row(
    share: &mut [f64],
    q: &mut [f64],
    demand: &mut [f64],
    theta: &[f64],
    ces: &[f64],
    inv_phat: &[f64],
    inv_that: &[f64],
    w: &[f64],
    inv: f64,
    scale: f64,
) {
    let n = share.len();
    let (q, demand) = (&mut q[..n], &mut demand[..n]);
    let (theta, ces, inv_phat, inv_that, w) = (
        &theta[..n],
        &ces[..n],
        &inv_phat[..n],
        &inv_that[..n],
        &w[..n],
    );
    for i in 0..n {
        let e = ces[i];
        share[i] = theta[i] * e * inv;
        let qi = scale * e * inv_phat[i] * inv_that[i];
        let qi = if theta[i] > 0.0 { qi } else { 1.0 };
        q[i] = qi;
        demand[i] += w[i] * qi;
    }
}

/// `sum_i a_i b_i` with four interleaved partial sums (so it vectorises; the order of summation
/// is fixed, so results are reproducible).
#[inline]
fn weighted_sum(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0_f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        acc[0] += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Solves every sector touched by the tariff change and writes the outcome into `out`
/// (which the caller has reset to the baseline).
pub(crate) fn solve_into(
    baseline: &Baseline,
    elasticities: &Elasticities,
    tariffs: &Tariffs,
    ws: &mut SectorWorkspace,
    out: &mut Equilibrium,
) -> Result<()> {
    let n = baseline.n_regions();
    for s in 0..baseline.n_sectors() {
        let sigma = elasticities.sector_sigma(s);
        let eta = elasticities.sector_eta(s);
        let eps = elasticities.sector_eps(s);
        if !ws.setup(baseline, tariffs, eps, s) {
            continue;
        }
        let iterations = ws.solve(sigma, eta, eps, baseline.sectors().code(s))?;
        out.iterations[s] = u32::try_from(iterations).unwrap_or(u32::MAX);
        let residual = write_sector(baseline, tariffs, eps, eta, s, n, ws, out);
        out.residual = out.residual.max(residual);
        if !(residual <= crate::tolerance::CLEARING_TOL) {
            return Err(SolveError {
                model: "armington",
                sector: Some(baseline.sectors().code(s).to_string()),
                iterations,
                residual,
                reason: StopReason::Diverged,
            }
            .into());
        }
    }
    finish_welfare(out);
    if !out.all_finite() {
        return Err(SolveError {
            model: "armington",
            sector: None,
            iterations: out.iterations.iter().map(|&i| i as usize).sum(),
            residual: out.residual,
            reason: StopReason::Diverged,
        }
        .into());
    }
    Ok(())
}

/// Writes prices, flows and welfare of the solved sector `s`; returns the largest relative
/// market-clearing residual, recomputed in levels from the new flows.
#[allow(clippy::too_many_arguments)]
fn write_sector(
    baseline: &Baseline,
    tariffs: &Tariffs,
    eps: &[f64],
    eta: &[f64],
    s: usize,
    n: usize,
    ws: &SectorWorkspace,
    out: &mut Equilibrium,
) -> f64 {
    let flows = baseline.sector_flows(s);
    let t0 = baseline.sector_tariffs(s);
    let t1 = tariffs.sector_rates(s);
    let base = s * n;
    for i in 0..n {
        out.phat[base + i] = ws.x[i].exp();
    }
    for j in 0..n {
        let e = ws.imports_internal[j];
        if e <= 0.0 {
            continue;
        }
        let lnp = ws.lnp[j];
        out.price_index[base + j] = lnp.exp();
        let one_eta = 1.0 + eta[j];
        out.consumer_surplus[base + j] = if one_eta.abs() < 1e-12 {
            -e * lnp
        } else {
            -e * (one_eta * lnp).exp_m1() / one_eta
        };
        let mut revenue = 0.0;
        for i in 0..n {
            let c = j * n + i;
            let k = i * n + j;
            if ws.theta[c] <= 0.0 {
                continue;
            }
            let new_flow = flows[k] * out.phat[base + i] * ws.q[c];
            out.flows[s * n * n + k] = new_flow;
            revenue += new_flow * t1[k] - flows[k] * t0[k];
        }
        out.tariff_revenue[base + j] = revenue;
    }
    let mut worst = 0.0_f64;
    for &i in &ws.active {
        let x = ws.x[i];
        let e = eps[i];
        out.producer_surplus[base + i] = ws.exports[i] * ((1.0 + e) * x).exp_m1() / (1.0 + e);
        let supply = ws.exports[i] * (e * x).exp();
        let demand: f64 = (0..n)
            .filter(|&j| j != i)
            .map(|j| flows[i * n + j] * ws.q[j * n + i])
            .sum();
        worst = worst.max((demand - supply).abs() / supply);
    }
    worst
}

/// Net welfare per region: PS + CS + revenue summed over sectors.
pub(crate) fn finish_welfare(out: &mut Equilibrium) {
    let n = out.n_regions;
    for r in 0..n {
        out.welfare[r] = (0..out.n_sectors)
            .map(|s| {
                let k = s * n + r;
                out.producer_surplus[k] + out.consumer_surplus[k] + out.tariff_revenue[k]
            })
            .sum();
    }
}
