//! `armington` (the default) and `gsim-linear`: GTAP's two-level Armington partial equilibrium,
//! exact and first order, with the diagonal (domestic sales and trade inside an aggregated
//! region) as a source.
//!
//! Per sector, with baseline flows `x_ij` (exporter `i`, importer `j`, USD at exporter prices,
//! the diagonal `x_jj` included), tariff powers `T0 = 1 + t0` before and `T1 = 1 + t1` after
//! (the diagonal may carry a tariff: the internal tariff of an aggregate), `That = T1 / T0` and
//! `u_ij = ln(phat_i That_ij)` the change in the log internal price of `i`'s good in `j`:
//!
//! - baseline values at internal prices: `E_j = sum_i x_ij T0_ij`, domestic share
//!   `delta_j = x_jj T0_jj / E_j`, shares among foreign sources
//!   `thetaM_ij = x_ij T0_ij / sum_{k != j} x_kj T0_kj` (`i != j`)
//! - lower nest, foreign sources (`sigma_m`, the `sigma` family):
//!   `PMhat_j^(1 − sigma_m) = sum_{i != j} thetaM_ij exp((1 − sigma_m) u_ij)`
//! - upper nest, domestic good vs import composite (`sigma_d`):
//!   `Phat_j^(1 − sigma_d) = delta_j exp((1 − sigma_d) u_jj) + (1 − delta_j) PMhat_j^(1 − sigma_d)`
//!   (Cobb–Douglas limits `ln P = sum share · ln price` when a sigma is 1)
//! - total demand for the sector's composite: `Qhat_j = Phat_j^eta_j`
//! - demand: domestic `qhat_jj = Phat_j^(eta_j + sigma_d) exp(−sigma_d u_jj)`; foreign
//!   `qhat_ij = Phat_j^(eta_j + sigma_d) PMhat_j^(sigma_m − sigma_d) exp(−sigma_m u_ij)`
//! - supply of every sale of `i` (domestic included): `Xhat_i = phat_i^eps_i`
//! - market clearing: `sum_j x_ij qhat_ij = X_i phat_i^eps_i`, `X_i = sum_j x_ij`
//!
//! With `sigma_d = sigma_m` the two nests collapse into one CES over every source, the diagonal
//! included: `Phat_j^(1 − sigma) = sum_i theta_ij exp((1 − sigma) u_ij)`,
//! `qhat_ij = Phat_j^(eta + sigma) exp(−sigma u_ij)` — GSIM's form (Francois & Hall), exactly.
//! A baseline without domestic sales (`delta = 0`) gives the imports-only model of
//! [`armington`](super::armington) (`armington-imports`), in which `eta` is the elasticity of
//! import demand.
//!
//! Held fixed: incomes and every other sector (sectors are solved independently).
//!
//! # Solver
//! Unknowns `y_i = ln phat_i` for exporters with sales and finite `eps_i` (`eps = inf` pins the
//! price). Residual `F_i = ln(sum_j w_ij qhat_ij) − eps_i y_i`, `w_ij = x_ij / X_i`. With the new
//! expenditure shares `sD_j` (domestic, upper nest) and `sM_kj` (foreign source `k` within the
//! imports), `G_jk = d ln Phat_j / d y_k = [k = j] sD_j + (1 − sD_j) sM_kj`,
//! `H_jk = d ln PMhat_j / d y_k = sM_kj`, and the new sales shares `v_ij`, the Jacobian is
//! `J_ik = sum_j v_ij ((eta_j + sigma_d_j) G_jk + [j != i] (sigma_m_j − sigma_d_j) H_jk)
//!        − [i = k] (sum_{j != i} v_ij sigma_m_j + v_ii sigma_d_i + eps_i)`.
//! Newton with that analytic Jacobian and an Armijo backtracking line search on `½‖F‖²`, from
//! the baseline (or, in a warm sequence, from the previous solve of the same sector with the same
//! elasticities); a damped Jacobi fixed point `y_i ← y_i − ω F_i / J_ii` if Newton stalls.
//! Converged when `‖F‖∞ ≤ SOLVE_TOL`; the market-clearing residual is then recomputed in levels
//! from the written flows and must be below `CLEARING_TOL`. Sectors whose tariffs do not change
//! on any traded cell are the baseline, exactly.
//!
//! # First-order form (`gsim-linear`)
//! Linearising at the baseline in proportional changes (`p̂_i`, `τ_ij = That_ij − 1`):
//! `P̂M_j = sum_{k != j} thetaM_kj (p̂_k + τ_kj)`,
//! `P̂_j = delta_j (p̂_j + τ_jj) + (1 − delta_j) P̂M_j`,
//! `q̂_ij = (eta + sigma_d) P̂_j + (sigma_m − sigma_d) P̂M_j − sigma_m (p̂_i + τ_ij)` (`i != j`),
//! `q̂_jj = (eta + sigma_d) P̂_j − sigma_d (p̂_j + τ_jj)`, and `sum_j w_ij q̂_ij = eps_i p̂_i`:
//! `J0 p̂ = −b` with `J0` the Jacobian above at the baseline. With one nest these are GSIM's
//! equations: own-price elasticity `theta eta − (1 − theta) sigma`, cross-price
//! `theta_k (eta + sigma)`. New values `x_ij (1 + p̂_i)(1 + q̂_ij)`, with `1 + q̂` floored at 0
//! (a linear model extrapolates quantities below zero for large shocks). Welfare uses GSIM's
//! second-order forms: `PS_i = X_i (p̂_i + ½ eps_i p̂_i²)`, `CS_j = −E_j (P̂_j + ½ eta_j P̂_j²)`.
//!
//! # Welfare (exact integrals of the constant-elasticity curves)
//! - producer surplus of `i`: `X_i (phat^(1+eps) − 1) / (1 + eps)`
//! - consumer surplus of `j`: `−E_j (Phat^(1+eta) − 1) / (1 + eta)` (`−E_j ln Phat` at
//!   `eta = −1`)
//! - tariff revenue of `j`: `sum_i x_ij phat_i qhat_ij t1_ij − x_ij t0_ij`, the diagonal included
//!
//! # References
//! - Hertel, T. W. (ed.) (1997), *Global Trade Analysis: Modeling and Applications*, Cambridge
//!   University Press, ch. 2 (the GTAP model's two-level Armington import demand).
//! - Francois, J. and H. K. Hall (2003), "Global simulation analysis of industry-level trade
//!   policy", GSIM technical paper, World Bank / WITS.
//! - Francois, J. and H. K. Hall (1997), "Partial equilibrium modeling", in J. Francois and
//!   K. Reinert (eds.), *Applied Methods for Trade Policy Analysis*, Cambridge University Press.
//! - Nocedal, J. and S. Wright (2006), *Numerical Optimization*, 2nd ed., §3.1 and §11.1.

use crate::baseline::Baseline;
use crate::elasticity::Elasticities;
use crate::equilibrium::Equilibrium;
use crate::error::{Result, SolveError, StopReason};
use crate::linalg::{lu_factor, lu_solve};
use crate::tariff::Tariffs;
use crate::tolerance::{
    CLEARING_TOL, MAX_FIXED_POINT_ITERATIONS, MAX_NEWTON_ITERATIONS, PRICE_LOG_BOUND,
    SIGMA_ONE_TOL, SOLVE_TOL,
};

/// A chord step (the factors of an earlier Jacobian reused) is kept when it cuts `‖F‖∞` by at
/// least this factor; otherwise the Jacobian is refreshed. The value `armington-imports`
/// measured best (its `CHORD_CONTRACTION`).
pub const CHORD_CONTRACTION: f64 = 0.1;

/// The exact model's name.
pub const NAME: &str = "armington";
/// The first-order model's name.
pub const LINEAR_NAME: &str = "gsim-linear";

/// The elasticities of one sector, one entry per region.
#[derive(Debug, Clone, Copy)]
struct SectorElasticities<'a> {
    sigma_m: &'a [f64],
    sigma_d: &'a [f64],
    eta: &'a [f64],
    eps: &'a [f64],
}

impl<'a> SectorElasticities<'a> {
    fn of(e: &'a Elasticities, s: usize) -> Self {
        Self {
            sigma_m: e.sector_sigma(s),
            sigma_d: e.sector_sigma_d(s),
            eta: e.sector_eta(s),
            eps: e.sector_eps(s),
        }
    }
}

/// Solutions kept per sector across the solves of a warm sequence (the phases of one Monte
/// Carlo draw), keyed by the baseline and the sector's elasticities bit for bit.
#[derive(Debug, Default, Clone)]
struct WarmStarts {
    enabled: bool,
    uid: u64,
    n: usize,
    valid: Vec<bool>,
    /// `ln phat`, `[s * N + i]`.
    y: Vec<f64>,
    /// sigma_m, sigma_d, eta, eps per sector, `[s * 4N ..]`.
    key: Vec<f64>,
    /// Per sector: the LU factors of the last Jacobian (`m × m` in an `N²` slot) and pivots
    /// (`N` slot), if the solve ended with factors.
    factors: Vec<f64>,
    piv: Vec<usize>,
    has_factors: Vec<bool>,
}

impl WarmStarts {
    fn ensure(&mut self, uid: u64, n: usize, sectors: usize) {
        if self.uid == uid && self.n == n && self.valid.len() == sectors {
            return;
        }
        self.uid = uid;
        self.n = n;
        self.valid.clear();
        self.valid.resize(sectors, false);
        self.y.resize(sectors * n, 0.0);
        self.key.resize(sectors * 4 * n, 0.0);
        self.factors.resize(sectors * n * n, 0.0);
        self.piv.resize(sectors * n, 0);
        self.has_factors.clear();
        self.has_factors.resize(sectors, false);
    }

    fn key_of(&self, s: usize) -> &[f64] {
        &self.key[s * 4 * self.n..(s + 1) * 4 * self.n]
    }

    fn matches(&self, s: usize, e: &SectorElasticities<'_>) -> bool {
        if !self.enabled || !self.valid.get(s).copied().unwrap_or(false) {
            return false;
        }
        let n = self.n;
        let key = self.key_of(s);
        let same = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
        same(&key[..n], e.sigma_m)
            && same(&key[n..2 * n], e.sigma_d)
            && same(&key[2 * n..3 * n], e.eta)
            && same(&key[3 * n..], e.eps)
    }

    fn store(
        &mut self,
        s: usize,
        y: &[f64],
        e: &SectorElasticities<'_>,
        factors: Option<(&[f64], &[usize])>,
    ) {
        if !self.enabled {
            return;
        }
        let n = self.n;
        self.y[s * n..(s + 1) * n].copy_from_slice(&y[..n]);
        self.has_factors[s] = factors.is_some();
        if let Some((lu, piv)) = factors {
            self.factors[s * n * n..s * n * n + lu.len()].copy_from_slice(lu);
            self.piv[s * n..s * n + piv.len()].copy_from_slice(piv);
        }
        let key = &mut self.key[s * 4 * n..(s + 1) * 4 * n];
        key[..n].copy_from_slice(e.sigma_m);
        key[n..2 * n].copy_from_slice(e.sigma_d);
        key[2 * n..3 * n].copy_from_slice(e.eta);
        key[3 * n..].copy_from_slice(e.eps);
        self.valid[s] = true;
    }
}

/// Scratch for one sector's solve, reused across sectors, phases and draws. Per-cell arrays are
/// importer-major (`j * N + i`).
#[derive(Debug, Default, Clone)]
pub struct NestedWorkspace {
    n: usize,
    /// Work counters (cumulative): evaluations, Jacobians, sector-solves.
    pub(crate) counts: super::armington::SolveCounts,
    warm: WarmStarts,
    /// Sales of exporter `i`, domestic included: `X_i`.
    sales: Vec<f64>,
    /// Expenditure of importer `j` at internal prices, domestic included: `E_j`.
    spending: Vec<f64>,
    /// Baseline domestic share `delta_j`.
    delta: Vec<f64>,
    /// Importer `j` buys from abroad.
    has_imports: Vec<bool>,
    /// Baseline shares among foreign sources `thetaM` (0 on the diagonal and untraded cells).
    theta_m: Vec<f64>,
    /// Sales shares `w_ij = x_ij / X_i`.
    w: Vec<f64>,
    /// `ln That` (0 on untraded cells).
    lnt: Vec<f64>,
    /// Exporters solved for, and each region's position among them (`usize::MAX`: pinned).
    active: Vec<usize>,
    pos: Vec<usize>,
    /// Unknowns `ln phat` (all regions; pinned ones 0) and the trial point of a line search.
    y: Vec<f64>,
    trial: Vec<f64>,
    /// Residuals at `y` (per region) and at the trial point.
    f: Vec<f64>,
    f_trial: Vec<f64>,
    /// `ln Phat_j`, `ln PMhat_j` and the new domestic share `sD_j`.
    lnp: Vec<f64>,
    lnpm: Vec<f64>,
    s_dom: Vec<f64>,
    /// New shares among foreign sources `sM` and the quantity ratios `qhat` per cell (in the
    /// linear model: the proportional changes `q̂`).
    s_m: Vec<f64>,
    q: Vec<f64>,
    /// Every importer has the same `sigma_m` (≠ 1) in the loaded sector: the evaluation
    /// factors the CES terms ([`NestedWorkspace::prepare`]).
    uniform: bool,
    /// Per cell, fixed during a solve: `That^(1 − sigma_m)` and `That^(−sigma_m)`.
    t_price: Vec<f64>,
    t_demand: Vec<f64>,
    /// Per exporter, per evaluation: `phat^(1 − sigma_m)` and `phat^(−sigma_m)`.
    p_price: Vec<f64>,
    p_demand: Vec<f64>,
    /// Demand `sum_j w_ij qhat_ij` per exporter.
    demand: Vec<f64>,
    /// `A_jk = (eta + sigma_d) G_jk + (sigma_m − sigma_d) H_jk` (importer-major rows).
    a: Vec<f64>,
    /// One full row of the Jacobian before the active columns are gathered.
    row_full: Vec<f64>,
    /// `jac` holds the LU factors of a Jacobian of the loaded sector (with `piv`).
    factored: bool,
    /// Jacobian (active × active, row-major), its factors' pivots, the Newton step.
    jac: Vec<f64>,
    piv: Vec<usize>,
    step: Vec<f64>,
}

impl NestedWorkspace {
    fn resize(&mut self, n: usize) {
        if self.n == n && self.y.len() == n {
            return;
        }
        self.n = n;
        let nn = n * n;
        for v in [
            &mut self.sales,
            &mut self.spending,
            &mut self.delta,
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
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
        for v in [
            &mut self.theta_m,
            &mut self.w,
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
        self.has_imports.clear();
        self.has_imports.resize(n, false);
        self.pos.clear();
        self.pos.resize(n, usize::MAX);
        self.piv.clear();
        self.piv.resize(n, 0);
        self.active.clear();
    }

    /// Starts a warm sequence (see [`crate::Workspace::start_warm_sequence`]).
    pub(crate) fn start_warm_sequence(&mut self) {
        self.warm.enabled = true;
        self.warm.valid.fill(false);
    }

    /// Loads sector `s`; returns false when no traded cell's tariff changes (the sector is the
    /// baseline, exactly).
    fn setup(&mut self, baseline: &Baseline, tariffs: &Tariffs, eps: &[f64], s: usize) -> bool {
        let n = baseline.n_regions();
        self.resize(n);
        self.factored = false;
        let flows = &baseline.sector_flows(s)[..n * n];
        let t0 = &baseline.sector_tariffs(s)[..n * n];
        let t1 = &tariffs.sector_rates(s)[..n * n];
        let mut changed = false;
        for j in 0..n {
            for i in 0..n {
                let k = i * n + j;
                let c = j * n + i;
                self.lnt[c] = if flows[k] > 0.0 && t0[k].to_bits() != t1[k].to_bits() {
                    ((1.0 + t1[k]) / (1.0 + t0[k])).ln()
                } else {
                    0.0
                };
                changed |= self.lnt[c] != 0.0;
            }
        }
        if !changed {
            return false;
        }
        for i in 0..n {
            self.sales[i] = flows[i * n..(i + 1) * n].iter().sum();
        }
        for j in 0..n {
            let mut foreign = 0.0;
            for i in (0..n).filter(|&i| i != j) {
                let k = i * n + j;
                foreign += flows[k] * (1.0 + t0[k]);
            }
            let k = j * n + j;
            let domestic = flows[k] * (1.0 + t0[k]);
            let total = foreign + domestic;
            self.spending[j] = total;
            self.delta[j] = if total > 0.0 { domestic / total } else { 0.0 };
            self.has_imports[j] = foreign > 0.0;
            let inv = if foreign > 0.0 { 1.0 / foreign } else { 0.0 };
            for i in 0..n {
                let k = i * n + j;
                let c = j * n + i;
                self.theta_m[c] = if i == j || flows[k] <= 0.0 {
                    0.0
                } else {
                    flows[k] * (1.0 + t0[k]) * inv
                };
                self.w[c] = if flows[k] > 0.0 {
                    flows[k] / self.sales[i]
                } else {
                    0.0
                };
            }
        }
        self.active.clear();
        for i in 0..n {
            if self.sales[i] > 0.0 && eps[i].is_finite() {
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
    fn prepare(&mut self, e: &SectorElasticities<'_>) {
        let n = self.n;
        let sm = e.sigma_m[0];
        self.uniform = (1.0 - sm).abs() >= SIGMA_ONE_TOL
            && e.sigma_m[..n].iter().all(|s| s.to_bits() == sm.to_bits());
        if !self.uniform {
            return;
        }
        let am = 1.0 - sm;
        for (c, &l) in self.lnt.iter().enumerate() {
            if l == 0.0 {
                self.t_price[c] = 1.0;
                self.t_demand[c] = 1.0;
            } else {
                self.t_price[c] = (am * l).exp();
                self.t_demand[c] = (-sm * l).exp();
            }
        }
    }

    /// Evaluates prices, demand and residuals at `y` (or the trial point) into the workspace's
    /// state; returns `‖F‖∞` over the active exporters, or `None` if anything is not finite.
    fn evaluate(&mut self, e: &SectorElasticities<'_>, use_trial: bool) -> Option<f64> {
        let n = self.n;
        self.counts.evaluations += 1;
        let y = if use_trial { &self.trial } else { &self.y };
        if self.uniform {
            let sm = e.sigma_m[0];
            let am = 1.0 - sm;
            for i in 0..n {
                self.p_price[i] = (am * y[i]).exp();
                self.p_demand[i] = (-sm * y[i]).exp();
            }
        }
        self.demand[..n].fill(0.0);
        for j in 0..n {
            let row = j * n..(j + 1) * n;
            if self.spending[j] <= 0.0 {
                self.lnp[j] = 0.0;
                self.lnpm[j] = 0.0;
                self.s_dom[j] = 0.0;
                self.q[row].fill(0.0);
                continue;
            }
            let (sm, sd, eta) = (e.sigma_m[j], e.sigma_d[j], e.eta[j]);
            let theta = &self.theta_m[row.clone()];
            let lnt = &self.lnt[row.clone()];
            let shares = &mut self.s_m[row.clone()];
            // Lower nest.
            let am = 1.0 - sm;
            let lnpm = if !self.has_imports[j] {
                shares.fill(0.0);
                0.0
            } else if self.uniform {
                let tp = &self.t_price[row.clone()];
                let mut acc = 0.0;
                for i in 0..n {
                    let v = theta[i] * self.p_price[i] * tp[i];
                    shares[i] = v;
                    acc += v;
                }
                let inv = 1.0 / acc;
                for v in shares.iter_mut() {
                    *v *= inv;
                }
                acc.ln() / am
            } else if am.abs() < SIGMA_ONE_TOL {
                let mut acc = 0.0;
                for i in 0..n {
                    shares[i] = theta[i];
                    if theta[i] > 0.0 {
                        acc += theta[i] * (y[i] + lnt[i]);
                    }
                }
                acc
            } else {
                let mut acc = 0.0;
                for i in 0..n {
                    let v = if theta[i] > 0.0 {
                        theta[i] * (am * (y[i] + lnt[i])).exp()
                    } else {
                        0.0
                    };
                    shares[i] = v;
                    acc += v;
                }
                let inv = 1.0 / acc;
                for v in shares.iter_mut() {
                    *v *= inv;
                }
                acc.ln() / am
            };
            // Upper nest.
            let delta = self.delta[j];
            let ud = y[j] + lnt[j];
            let (lnp, s_dom) = if delta <= 0.0 {
                (lnpm, 0.0)
            } else if !self.has_imports[j] {
                (ud, 1.0)
            } else {
                let ad = 1.0 - sd;
                if ad.abs() < SIGMA_ONE_TOL {
                    (delta * ud + (1.0 - delta) * lnpm, delta)
                } else {
                    let dom = delta * (ad * ud).exp();
                    let imp = (1.0 - delta) * (ad * lnpm).exp();
                    let sum = dom + imp;
                    (sum.ln() / ad, dom / sum)
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
            let w = &self.w[row];
            if self.uniform {
                let scale = foreign.exp();
                let td = &self.t_demand[j * n..(j + 1) * n];
                for i in 0..n {
                    q[i] = scale * self.p_demand[i] * td[i];
                }
            } else {
                for i in 0..n {
                    q[i] = (foreign - sm * (y[i] + lnt[i])).exp();
                }
            }
            q[j] = (common - sd * ud).exp();
            for i in 0..n {
                self.demand[i] += w[i] * q[i];
            }
        }
        let mut worst = 0.0_f64;
        for i in 0..n {
            let d = self.demand[i];
            let f = if self.pos[i] == usize::MAX {
                0.0
            } else {
                d.ln() - e.eps[i] * y[i]
            };
            if use_trial {
                self.f_trial[i] = f;
            } else {
                self.f[i] = f;
            }
            if !f.is_finite() {
                return None;
            }
            worst = worst.max(f.abs());
        }
        Some(worst)
    }

    /// The Jacobian at the last (non-trial) evaluation, restricted to the active exporters
    /// (unfactored, in `jac`).
    fn jacobian(&mut self, e: &SectorElasticities<'_>) {
        let n = self.n;
        self.counts.jacobians += 1;
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
            // H_jj = 0 and G_jj = sD_j.
            a[j] = (eta + sd) * s_dom;
        }
        let m = self.active.len();
        let full = &mut self.row_full[..n];
        for (ri, &i) in self.active.iter().enumerate() {
            let d = self.demand[i];
            full.fill(0.0);
            let mut own = e.eps[i];
            for j in 0..n {
                let c = j * n + i;
                let w = self.w[c];
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
            if self.w[c] > 0.0 {
                let coef = self.w[c] * self.q[c] / d * (e.sigma_m[i] - e.sigma_d[i]);
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

    /// Newton–chord from the current `y`; returns iterations on success. With factors of an
    /// earlier Jacobian at hand (`factored`: from an earlier step, or from the previous solve of
    /// a warm sequence), a chord step reuses them and is kept when it cuts `‖F‖∞` by
    /// [`CHORD_CONTRACTION`]; otherwise (and without factors) a fresh Jacobian gives a Newton
    /// step with an Armijo backtracking line search on `½‖F‖²`.
    fn newton(&mut self, e: &SectorElasticities<'_>) -> std::result::Result<usize, StopReason> {
        let m = self.active.len();
        let Some(mut norm) = self.evaluate(e, false) else {
            return Err(StopReason::Diverged);
        };
        let mut iterations = 0;
        while norm > SOLVE_TOL {
            if iterations >= MAX_NEWTON_ITERATIONS {
                return Err(StopReason::MaxIterations);
            }
            iterations += 1;
            if self.factored {
                for (ri, &i) in self.active.iter().enumerate() {
                    self.step[ri] = -self.f[i];
                }
                lu_solve(&self.jac[..m * m], m, &self.piv, &mut self.step[..m]);
                if self.try_step(e, 1.0)
                    && let Some(trial_norm) = self.evaluate(e, true)
                    && trial_norm <= CHORD_CONTRACTION * norm
                {
                    self.accept();
                    norm = trial_norm;
                    continue;
                }
                // Back to the state at `y` for a fresh Jacobian.
                self.factored = false;
                norm = self.evaluate(e, false).ok_or(StopReason::Diverged)?;
                if norm <= SOLVE_TOL {
                    break;
                }
            }
            self.jacobian(e);
            if !lu_factor(&mut self.jac[..m * m], m, &mut self.piv) {
                return Err(StopReason::SingularJacobian);
            }
            self.factored = true;
            for (ri, &i) in self.active.iter().enumerate() {
                self.step[ri] = -self.f[i];
            }
            lu_solve(&self.jac[..m * m], m, &self.piv, &mut self.step[..m]);
            let merit = half_sq(&self.f, &self.active);
            let mut t = 1.0;
            let mut accepted = None;
            for _ in 0..40 {
                if self.try_step(e, t)
                    && let Some(trial_norm) = self.evaluate(e, true)
                {
                    let trial_merit = half_sq(&self.f_trial, &self.active);
                    // Armijo on ½‖F‖² along a Newton direction (directional derivative −2·merit).
                    if trial_merit <= (1.0 - 2e-4 * t) * merit || trial_norm <= SOLVE_TOL {
                        accepted = Some(trial_norm);
                        break;
                    }
                }
                t *= 0.5;
            }
            let Some(trial_norm) = accepted else {
                return Err(StopReason::LineSearchFailed);
            };
            self.accept();
            norm = trial_norm;
        }
        Ok(iterations)
    }

    /// Sets the trial point `y + t · step`; false if it leaves the representable range.
    fn try_step(&mut self, _e: &SectorElasticities<'_>, t: f64) -> bool {
        self.trial.copy_from_slice(&self.y);
        let mut in_range = true;
        for (ri, &i) in self.active.iter().enumerate() {
            let v = self.y[i] + t * self.step[ri];
            in_range &= v.abs() <= PRICE_LOG_BOUND;
            self.trial[i] = v;
        }
        in_range
    }

    /// Makes the last evaluated trial point the iterate (the state — shares, demand — is
    /// already at it: it was the last point evaluated).
    fn accept(&mut self) {
        std::mem::swap(&mut self.y, &mut self.trial);
        std::mem::swap(&mut self.f, &mut self.f_trial);
    }

    /// Damped Jacobi fixed point from the baseline; returns iterations on success.
    fn fixed_point(
        &mut self,
        e: &SectorElasticities<'_>,
    ) -> std::result::Result<usize, StopReason> {
        self.y.fill(0.0);
        self.factored = false;
        let mut omega = 0.5;
        let mut last = f64::INFINITY;
        for it in 1..=MAX_FIXED_POINT_ITERATIONS {
            let norm = self.evaluate(e, false).ok_or(StopReason::Diverged)?;
            if norm <= SOLVE_TOL {
                return Ok(it);
            }
            if norm > last {
                omega = (omega * 0.5_f64).max(1e-3);
            }
            last = norm;
            self.jacobian(e);
            let m = self.active.len();
            for (ri, &i) in self.active.iter().enumerate() {
                let d = self.jac[ri * m + ri];
                if d >= 0.0 {
                    return Err(StopReason::Diverged);
                }
                self.y[i] -= omega * self.f[i] / d;
                if self.y[i].abs() > PRICE_LOG_BOUND {
                    return Err(StopReason::Diverged);
                }
            }
        }
        Err(StopReason::MaxIterations)
    }

    /// Solves the loaded sector `s`; leaves the state evaluated at the solution.
    fn solve(&mut self, e: &SectorElasticities<'_>, s: usize, sector: &str) -> Result<usize> {
        let n = self.n;
        self.counts.incremental += 1;
        self.prepare(e);
        self.factored = false;
        if self.warm.matches(s, e) {
            let start = &self.warm.y[s * n..(s + 1) * n];
            self.y.copy_from_slice(start);
            if self.warm.has_factors[s] {
                let m = self.active.len();
                self.jac[..m * m].copy_from_slice(&self.warm.factors[s * n * n..s * n * n + m * m]);
                self.piv[..m].copy_from_slice(&self.warm.piv[s * n..s * n + m]);
                self.factored = true;
            }
        } else {
            self.y.fill(0.0);
        }
        let outcome = match self.newton(e) {
            Ok(it) => Ok(it),
            Err(first) => self.fixed_point(e).map_err(|_| first),
        };
        match outcome {
            Ok(it) => {
                let m = self.active.len();
                let factors = self.factored.then(|| (&self.jac[..m * m], &self.piv[..m]));
                self.warm.store(s, &self.y, e, factors);
                Ok(it)
            }
            Err(reason) => Err(SolveError {
                model: NAME,
                sector: Some(sector.to_string()),
                iterations: MAX_NEWTON_ITERATIONS,
                residual: self.f.iter().fold(0.0_f64, |a, b| a.max(b.abs())),
                reason,
            }
            .into()),
        }
    }

    /// The first-order solution of the loaded sector: `J0 p̂ = −b` at the baseline.
    fn solve_linear(&mut self, e: &SectorElasticities<'_>, sector: &str) -> Result<()> {
        // The state at the baseline point: every hat 1, shares the baseline's.
        self.factored = false;
        self.s_m.copy_from_slice(&self.theta_m);
        self.s_dom.copy_from_slice(&self.delta);
        self.q.fill(1.0);
        for i in 0..self.n {
            self.demand[i] = if self.sales[i] > 0.0 { 1.0 } else { 0.0 };
        }
        self.jacobian(e);
        // b_i = sum_j w_ij q̂_ij at p̂ = 0, with τ = That − 1.
        self.linear_changes(e, None);
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
        self.linear_changes(e, Some(()));
        Ok(())
    }

    /// Proportional changes of the linear model at `p̂ = y` (or 0 when `at_solution` is
    /// `None`): `lnp` holds `P̂`, `lnpm` holds `P̂M`, `q` holds `q̂` per cell.
    fn linear_changes(&mut self, e: &SectorElasticities<'_>, at_solution: Option<()>) {
        let n = self.n;
        for j in 0..n {
            let (sm, sd, eta) = (e.sigma_m[j], e.sigma_d[j], e.eta[j]);
            let row = j * n..(j + 1) * n;
            let theta = &self.theta_m[row.clone()];
            let lnt = &self.lnt[row.clone()];
            let p = |i: usize| {
                if at_solution.is_some() {
                    self.y[i]
                } else {
                    0.0
                }
            };
            let tau = |i: usize| lnt[i].exp() - 1.0;
            let pm: f64 = (0..n)
                .filter(|&i| theta[i] > 0.0)
                .map(|i| theta[i] * (p(i) + tau(i)))
                .sum();
            let delta = self.delta[j];
            let ud = p(j) + tau(j);
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
        (0..n).map(|j| self.w[j * n + i] * self.q[j * n + i]).sum()
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

fn half_sq(f: &[f64], active: &[usize]) -> f64 {
    0.5 * active.iter().map(|&i| f[i] * f[i]).sum::<f64>()
}

/// Solves the exact two-level model for every sector into `out` (prepared by the caller).
pub(crate) fn solve_into(
    baseline: &Baseline,
    elasticities: &Elasticities,
    tariffs: &Tariffs,
    ws: &mut NestedWorkspace,
    out: &mut Equilibrium,
) -> Result<()> {
    let n = baseline.n_regions();
    let sectors = baseline.n_sectors();
    ws.warm.ensure(baseline.uid(), n, sectors);
    for s in 0..sectors {
        let e = SectorElasticities::of(elasticities, s);
        if !ws.setup(baseline, tariffs, e.eps, s) {
            continue;
        }
        let code = baseline.sectors().code(s);
        let iterations = ws.solve(&e, s, code)?;
        out.iterations[s] = u32::try_from(iterations).unwrap_or(u32::MAX);
        let residual = write_exact(baseline, tariffs, &e, s, ws, out);
        out.residual = out.residual.max(residual);
        if !(residual <= CLEARING_TOL) {
            return Err(SolveError {
                model: NAME,
                sector: Some(code.to_string()),
                iterations,
                residual,
                reason: StopReason::Diverged,
            }
            .into());
        }
    }
    super::armington::finish_welfare(out);
    check_finite(out, NAME)
}

/// Solves the first-order form for every sector into `out` (prepared by the caller).
pub(crate) fn solve_linear_into(
    baseline: &Baseline,
    elasticities: &Elasticities,
    tariffs: &Tariffs,
    ws: &mut NestedWorkspace,
    out: &mut Equilibrium,
) -> Result<()> {
    let n = baseline.n_regions();
    for s in 0..baseline.n_sectors() {
        let e = SectorElasticities::of(elasticities, s);
        if !ws.setup(baseline, tariffs, e.eps, s) {
            continue;
        }
        ws.solve_linear(&e, baseline.sectors().code(s))?;
        out.iterations[s] = 1;
        let flows = &baseline.sector_flows(s)[..n * n];
        let t0 = &baseline.sector_tariffs(s)[..n * n];
        let t1 = &tariffs.sector_rates(s)[..n * n];
        let base = s * n;
        for i in 0..n {
            out.phat[base + i] = 1.0 + ws.y[i];
        }
        for j in 0..n {
            if ws.spending[j] <= 0.0 {
                continue;
            }
            let big_p = ws.lnp[j];
            out.price_index[base + j] = 1.0 + big_p;
            out.consumer_surplus[base + j] =
                -ws.spending[j] * (big_p + 0.5 * e.eta[j] * big_p * big_p);
            let mut revenue = 0.0;
            for i in 0..n {
                let k = i * n + j;
                if flows[k] <= 0.0 {
                    continue;
                }
                let q = ws.q[j * n + i];
                let new_flow = flows[k] * (1.0 + ws.y[i]) * (1.0 + q).max(0.0);
                out.flows[s * n * n + k] = new_flow;
                revenue += new_flow * t1[k] - flows[k] * t0[k];
            }
            out.tariff_revenue[base + j] = revenue;
        }
        for &i in &ws.active {
            let p = ws.y[i];
            out.producer_surplus[base + i] = ws.sales[i] * (p + 0.5 * e.eps[i] * p * p);
        }
    }
    super::armington::finish_welfare(out);
    check_finite(out, LINEAR_NAME)
}

fn check_finite(out: &Equilibrium, model: &'static str) -> Result<()> {
    if out.all_finite() {
        Ok(())
    } else {
        Err(SolveError {
            model,
            sector: None,
            iterations: out.iterations.iter().map(|&i| i as usize).sum(),
            residual: out.residual,
            reason: StopReason::Diverged,
        }
        .into())
    }
}

/// Writes prices, flows and welfare of the solved sector `s` (the workspace is evaluated at the
/// solution); returns the largest relative market-clearing residual recomputed in levels from
/// the new flows.
fn write_exact(
    baseline: &Baseline,
    tariffs: &Tariffs,
    e: &SectorElasticities<'_>,
    s: usize,
    ws: &NestedWorkspace,
    out: &mut Equilibrium,
) -> f64 {
    let n = ws.n;
    let nn = n * n;
    let flows = &baseline.sector_flows(s)[..nn];
    let t0 = &baseline.sector_tariffs(s)[..nn];
    let t1 = &tariffs.sector_rates(s)[..nn];
    let base = s * n;
    for i in 0..n {
        out.phat[base + i] = ws.y[i].exp();
    }
    let out_phat = &out.phat[base..base + n];
    let new_flows = &mut out.flows[s * nn..(s + 1) * nn];
    for j in 0..n {
        let mut revenue = 0.0;
        for i in 0..n {
            let k = i * n + j;
            let x = flows[k];
            let v = if x > 0.0 {
                x * out_phat[i] * ws.q[j * n + i]
            } else {
                0.0
            };
            new_flows[k] = v;
            revenue += v * t1[k] - x * t0[k];
        }
        out.tariff_revenue[base + j] = revenue;
        let spending = ws.spending[j];
        if spending <= 0.0 {
            continue;
        }
        let lnp = ws.lnp[j];
        out.price_index[base + j] = lnp.exp();
        let one_eta = 1.0 + e.eta[j];
        out.consumer_surplus[base + j] = if one_eta.abs() < 1e-12 {
            -spending * lnp
        } else {
            -spending * (one_eta * lnp).exp_m1() / one_eta
        };
    }
    let mut worst = 0.0_f64;
    for &i in &ws.active {
        let y = ws.y[i];
        let eps = e.eps[i];
        let x_i = ws.sales[i];
        out.producer_surplus[base + i] = x_i * ((1.0 + eps) * y).exp_m1() / (1.0 + eps);
        let sold: f64 = new_flows[i * n..(i + 1) * n].iter().sum();
        let supply = x_i * (eps * y).exp();
        let r = (sold / out.phat[base + i] - supply).abs() / supply;
        if !(r <= worst) {
            worst = r;
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::world;

    /// The factored evaluation (uniform `sigma_m`) and the per-cell one give the same solution:
    /// same prices to 1e-13 and the same clearing, on a baseline with domestic sales, internal
    /// tariffs and a large shock.
    #[test]
    fn factored_evaluation_matches_the_per_cell_one() {
        let n = 6;
        let b = world(n, 2);
        let e = Elasticities::uniform(n, 2, 5.0, -0.8, 4.0)
            .unwrap()
            .with_sigma_d(vec![2.2; n * 2])
            .unwrap();
        let mut t = b.baseline_tariffs();
        t.set(1, 0, 0, 1.45).unwrap();
        t.set(2, 2, 0, 0.3).unwrap();
        t.set(0, 3, 1, 0.25).unwrap();
        let mut solutions = Vec::new();
        for force_generic in [false, true] {
            let mut ws = NestedWorkspace::default();
            let mut found = Vec::new();
            for s in 0..2 {
                let se = SectorElasticities::of(&e, s);
                assert!(ws.setup(&b, &t, se.eps, s));
                ws.prepare(&se);
                assert!(ws.uniform);
                if force_generic {
                    ws.uniform = false;
                }
                ws.y.fill(0.0);
                ws.newton(&se).unwrap();
                found.extend_from_slice(&ws.y);
            }
            solutions.push(found);
        }
        for (a, c) in solutions[0].iter().zip(&solutions[1]) {
            assert!((a - c).abs() <= 1e-13, "{a} vs {c}");
        }
        assert!(solutions[0].iter().any(|y| y.abs() > 1e-3));
    }
}
