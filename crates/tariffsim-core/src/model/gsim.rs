//! `gsim-linear`: the first-order GSIM system of Francois & Hall, one linear solve per sector.
//!
//! Linearising the [`armington`](super::armington) equations around the baseline, in proportional
//! changes (`p̂_i` exporter price, `τ_ij = That_ij − 1` change in the tariff power, `P̂_j` import
//! price index, `q̂_ij` quantity):
//!
//! - `P̂_j = sum_k theta_kj (p̂_k + τ_kj)`
//! - `q̂_ij = (eta_j + sigma_j) P̂_j − sigma_j (p̂_i + τ_ij)`, i.e. own-price elasticity
//!   `theta eta − (1 − theta) sigma` and cross-price `theta_k (eta + sigma)`
//! - market clearing: `sum_j w_ij q̂_ij = eps_i p̂_i`
//!
//! which is `J p̂ = −b` with `J` the Armington Jacobian at the baseline and
//! `b_i = sum_j w_ij ((eta_j + sigma_j) sum_k theta_kj τ_kj − sigma_j τ_ij)`. New values are
//! `x_ij (1 + p̂_i)(1 + q̂_ij)`; a linear model can extrapolate quantities below zero for large
//! shocks, so `1 + q̂` is floored at 0 (use `armington` for large shocks).
//!
//! Welfare uses GSIM's second-order forms: `PS_i = X_i (p̂_i + ½ eps_i p̂_i²)`,
//! `CS_j = −E_j (P̂_j + ½ eta_j P̂_j²)`, revenue = new value × `t1` − old value × `t0`.
//!
//! # References
//! - Francois, J. and H. K. Hall (2003), "Global simulation analysis of industry-level trade
//!   policy", GSIM technical paper.
//! - Francois, J. and H. K. Hall (1997), "Partial equilibrium modeling", in J. Francois and
//!   K. Reinert (eds.), *Applied Methods for Trade Policy Analysis*, Cambridge University Press.

use super::armington::{SectorWorkspace, finish_welfare};
use crate::baseline::Baseline;
use crate::elasticity::Elasticities;
use crate::equilibrium::Equilibrium;
use crate::error::{Result, SolveError, StopReason};
use crate::linalg::lu_solve_in_place;
use crate::tariff::Tariffs;

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
        // tau = That - 1, kept in `step`-free storage: reuse `lnt` for tau, and evaluate the
        // Jacobian at the baseline (x = 0, no tariff change) where shares are theta and q = 1.
        for c in 0..n * n {
            let tau = (ws.lnt[c]).exp() - 1.0;
            ws.lnt[c] = tau;
        }
        ws.jacobian_at_baseline(sigma, eta, eps);
        let m = ws.active.len();
        // Tariff-only price index change per importer, `sum_k theta_kj tau_kj` (held in `lnp`,
        // which the linear model does not otherwise use): N² once, not per exporter.
        for j in 0..n {
            let row = j * n..(j + 1) * n;
            ws.lnp[j] = ws.base.theta()[row.clone()]
                .iter()
                .zip(&ws.lnt[row])
                .map(|(t, tau)| t * tau)
                .sum();
        }
        // Right-hand side: -b_i.
        for (ki, &i) in ws.active.iter().enumerate() {
            let mut b = 0.0;
            for j in 0..n {
                let c = j * n + i;
                let w = ws.base.w()[j * ws.base.stride() + i];
                if w <= 0.0 {
                    continue;
                }
                b += w * ((eta[j] + sigma[j]) * ws.lnp[j] - sigma[j] * ws.lnt[c]);
            }
            ws.step[ki] = -b;
        }
        if m > 0 && !lu_solve_in_place(&mut ws.jac[..m * m], m, &mut ws.step[..m], &mut ws.piv) {
            return Err(SolveError {
                model: "gsim-linear",
                sector: Some(baseline.sectors().code(s).to_string()),
                iterations: 1,
                residual: f64::NAN,
                reason: StopReason::SingularJacobian,
            }
            .into());
        }
        ws.x.fill(0.0);
        for (ki, &i) in ws.active.iter().enumerate() {
            ws.x[i] = ws.step[ki];
        }
        out.iterations[s] = 1;
        write_sector(baseline, tariffs, sigma, eta, eps, s, n, ws, out);
    }
    finish_welfare(out);
    if !out.all_finite() {
        return Err(SolveError {
            model: "gsim-linear",
            sector: None,
            iterations: 1,
            residual: f64::NAN,
            reason: StopReason::Diverged,
        }
        .into());
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn write_sector(
    baseline: &Baseline,
    tariffs: &Tariffs,
    sigma: &[f64],
    eta: &[f64],
    eps: &[f64],
    s: usize,
    n: usize,
    ws: &SectorWorkspace,
    out: &mut Equilibrium,
) {
    let flows = baseline.sector_flows(s);
    let t0 = baseline.sector_tariffs(s);
    let t1 = tariffs.sector_rates(s);
    let base = s * n;
    let p_hat = &ws.x; // proportional price changes
    for i in 0..n {
        out.phat[base + i] = 1.0 + p_hat[i];
    }
    for j in 0..n {
        let e = ws.base.imports()[j];
        if e <= 0.0 {
            continue;
        }
        let row = j * n..(j + 1) * n;
        let big_p: f64 = ws.base.theta()[row.clone()]
            .iter()
            .zip(&ws.lnt[row])
            .zip(p_hat.iter())
            .map(|((t, tau), p)| t * (p + tau))
            .sum();
        out.price_index[base + j] = 1.0 + big_p;
        out.consumer_surplus[base + j] = -e * (big_p + 0.5 * eta[j] * big_p * big_p);
        let mut revenue = 0.0;
        for i in 0..n {
            let c = j * n + i;
            let k = i * n + j;
            if ws.base.theta()[c] <= 0.0 {
                continue;
            }
            let q_hat = (eta[j] + sigma[j]) * big_p - sigma[j] * (p_hat[i] + ws.lnt[c]);
            let new_flow = flows[k] * (1.0 + p_hat[i]) * (1.0 + q_hat).max(0.0);
            out.flows[s * n * n + k] = new_flow;
            revenue += new_flow * t1[k] - flows[k] * t0[k];
        }
        out.tariff_revenue[base + j] = revenue;
    }
    for &i in &ws.active {
        let p = p_hat[i];
        out.producer_surplus[base + i] = ws.base.exports()[i] * (p + 0.5 * eps[i] * p * p);
    }
}

impl SectorWorkspace {
    /// The Armington Jacobian at the baseline point: shares `theta`, quantities 1, `v = w`.
    pub(crate) fn jacobian_at_baseline(&mut self, sigma: &[f64], eta: &[f64], eps: &[f64]) {
        let n = self.base.theta().len().isqrt();
        for j in 0..n {
            for i in 0..n {
                let c = j * n + i;
                self.share[c] = self.base.theta()[c];
                self.q[c] = 1.0;
            }
        }
        for i in 0..n {
            self.demand[i] = 1.0;
        }
        self.jacobian(sigma, eta, eps);
    }
}
