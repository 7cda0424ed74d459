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
//! Segmented supply ([`SupplyScope::Exports`]): the supply curve covers exports only and home
//! sales keep their producer price, so `u_jj = ln That_jj` (no `phat_j`), market clearing is
//! `sum_{j != i} x_ij qhat_ij = X_i phat_i^eps_i` with `X_i = sum_{j != i} x_ij`, home sales are
//! worth `x_ii qhat_ii`, and in the Jacobian below `G_jj = 0` and `w_ii = 0`. Output one export
//! market stops buying is offered to the other export markets instead of being absorbed at home
//! (see [`SupplyScope`] for the evidence). With `eta = −sigma_d` it is the imports-only model of
//! [`armington`](super::armington) with an import-demand elasticity `−sigma_d` (a test).
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
use crate::elasticity::{Elasticities, SupplyScope};
use crate::equilibrium::{Equilibrium, TotalsState};
use crate::error::{Result, SolveError, StopReason};
use crate::linalg::{
    dot, exp, invert_in_place, ln, lu_factor, lu_solve, matvec_t_into, padded, transpose_padded,
};
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
    /// The supply curves cover export sales only ([`SupplyScope::Exports`]): home sales keep
    /// their producer price.
    segmented: bool,
}

impl<'a> SectorElasticities<'a> {
    fn of(e: &'a Elasticities, s: usize) -> Self {
        Self {
            sigma_m: e.sector_sigma(s),
            sigma_d: e.sector_sigma_d(s),
            eta: e.sector_eta(s),
            eps: e.sector_eps(s),
            segmented: e.supply() == SupplyScope::Exports,
        }
    }

    /// The log change of the home producer price given the exporter's `ln phat`: the same
    /// price under one supply curve, unchanged under segmented supply.
    fn home(&self, y: f64) -> f64 {
        if self.segmented { 0.0 } else { y }
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
    /// Per sector: the stored solution had segmented supply.
    segmented: Vec<bool>,
    /// Per sector: the inverse of the last Jacobian, transposed with padded rows
    /// ([`transpose_padded`], an `N × padded(N)` slot), if the solve ended with one.
    inverse: Vec<f64>,
    has_inverse: Vec<bool>,
    /// Per sector: the changed tariff cells (`(cell, ln That)`) the stored solution was solved
    /// for; a solve of the same cells with the same elasticities has the same solution.
    shock: Vec<Vec<(usize, f64)>>,
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
        self.inverse.resize(sectors * n * padded(n), 0.0);
        self.has_inverse.clear();
        self.has_inverse.resize(sectors, false);
        self.segmented.clear();
        self.segmented.resize(sectors, false);
        self.shock.resize_with(sectors, Vec::new);
    }

    /// Whether sector `s`'s stored solution was solved for exactly these changed cells.
    fn same_shock(&self, s: usize, changed: &[usize], lnt: &[f64]) -> bool {
        let stored = &self.shock[s];
        stored.len() == changed.len()
            && stored
                .iter()
                .zip(changed)
                .all(|(&(c, l), &k)| c == k && l.to_bits() == lnt[k].to_bits())
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
        self.segmented[s] == e.segmented
            && same(&key[..n], e.sigma_m)
            && same(&key[n..2 * n], e.sigma_d)
            && same(&key[2 * n..3 * n], e.eta)
            && same(&key[3 * n..], e.eps)
    }

    fn store(
        &mut self,
        s: usize,
        y: &[f64],
        e: &SectorElasticities<'_>,
        inverse: Option<&[f64]>,
        shock: (&[usize], &[f64]),
    ) {
        if !self.enabled {
            return;
        }
        let (changed, lnt) = shock;
        let stored = &mut self.shock[s];
        stored.clear();
        stored.extend(changed.iter().map(|&c| (c, lnt[c])));
        let n = self.n;
        self.y[s * n..(s + 1) * n].copy_from_slice(&y[..n]);
        self.has_inverse[s] = inverse.is_some();
        if let Some(inv) = inverse {
            let slot = s * n * padded(n);
            self.inverse[slot..slot + inv.len()].copy_from_slice(inv);
        }
        let key = &mut self.key[s * 4 * n..(s + 1) * 4 * n];
        key[..n].copy_from_slice(e.sigma_m);
        key[n..2 * n].copy_from_slice(e.sigma_d);
        key[2 * n..3 * n].copy_from_slice(e.eta);
        key[3 * n..].copy_from_slice(e.eps);
        self.segmented[s] = e.segmented;
        self.valid[s] = true;
    }
}

/// Largest per-workspace cache of baseline-derived sector data (`(2 N² + 4 N) × 8` bytes a
/// sector: `world2024` 6 KB, a 100 × 50 baseline 160 KB, 200 × 100 640 KB); above it the data
/// is recomputed at every sector load.
const BASE_CACHE_BYTES: usize = 16 << 20;

/// What a sector's solve needs from the baseline alone.
#[derive(Debug, Default, Clone)]
struct SectorBase {
    /// Sales of exporter `i` its supply curve covers: `X_i`, domestic included (or, under
    /// segmented supply, exports only).
    sales: Vec<f64>,
    /// Expenditure of importer `j` at internal prices, domestic included: `E_j`.
    spending: Vec<f64>,
    /// Baseline domestic share `delta_j`.
    delta: Vec<f64>,
    /// Importer `j` buys from abroad.
    has_imports: Vec<bool>,
    /// Baseline shares among foreign sources `thetaM` (0 on the diagonal and untraded cells),
    /// importer-major.
    theta_m: Vec<f64>,
    /// Sales shares `w_ij = x_ij / X_i`, importer-major (under segmented supply `w_ii = 0`).
    w: Vec<f64>,
}

/// Baseline-derived data of every sector, computed once per baseline ([`Baseline::uid`]) and
/// sector. Loading a sector swaps its slot with the workspace's arrays (no copy); the slot of
/// the sector in the workspace holds the arrays it gave back until it is swapped again.
#[derive(Debug, Default, Clone)]
struct BaseCache {
    uid: u64,
    n: usize,
    /// The slots hold segmented-supply sales and shares.
    segmented: bool,
    filled: Vec<bool>,
    /// One slot per sector; empty when the baseline is too large to cache.
    sectors: Vec<SectorBase>,
}

/// Scratch for one sector's solve, reused across sectors, phases and draws. Per-cell arrays are
/// importer-major (`j * N + i`).
#[derive(Debug, Default, Clone)]
pub struct NestedWorkspace {
    n: usize,
    /// Baseline-derived sector data, per baseline.
    base: BaseCache,
    /// Changed tariff cells per (baseline, tariffs, sector).
    diffs: super::diffs::TariffDiffs,
    /// The loaded sector's changed cells (importer-major indices).
    changed: Vec<usize>,
    /// Work counters (cumulative): evaluations, Jacobians, sector-solves.
    pub(crate) counts: super::armington::SolveCounts,
    warm: WarmStarts,
    /// Baseline-derived data of the loaded sector (swapped in and out of the cache).
    b: SectorBase,
    /// The sector whose cache slot is swapped into `b` (its slot then holds `b`'s old arrays).
    current: Option<usize>,
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
    /// Sum of the unnormalised foreign shares per importer (1 when it has no imports).
    sum_m: Vec<f64>,
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
    /// `uniform` and no upper nest is Cobb–Douglas: the whole-vector evaluation
    /// ([`NestedWorkspace::evaluate_vector_body`]) with the per-importer arrays below.
    vector: bool,
    /// Per importer, fixed during a solve: `1 − sigma_d`, its inverse, `eta + sigma_d`,
    /// `sigma_m − sigma_d`, `−sigma_d`, `ln That_jj`, 1 if it buys abroad, 1 if it buys nothing.
    ad: Vec<f64>,
    inv_ad: Vec<f64>,
    c_common: Vec<f64>,
    c_m: Vec<f64>,
    neg_sd: Vec<f64>,
    lnt_diag: Vec<f64>,
    imp_mask: Vec<f64>,
    idle: Vec<f64>,
    /// Per importer: 1 when its home producer price is its export price (one supply curve), 0
    /// under segmented supply.
    home_mask: Vec<f64>,
    /// Per cell, fixed during a solve of the whole-vector evaluation: `thetaM That^(1 − sigma_m)`
    /// and `w That^(−sigma_m)` (diagonal 0).
    theta_tp: Vec<f64>,
    w_td: Vec<f64>,
    /// `q` and the foreign shares in `s_m` hold the last evaluation's cells.
    materialized: bool,
    /// `delta` and `eps` padded for the whole-vector passes (per solve).
    delta_p: Vec<f64>,
    eps_p: Vec<f64>,
    /// Per importer, per evaluation: the foreign demand scale and the domestic `qhat_jj`.
    scale: Vec<f64>,
    q_dom: Vec<f64>,
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
    /// The previous chord step's iterate and step (active exporters), for Anderson mixing.
    prev_y: Vec<f64>,
    prev_step: Vec<f64>,
    /// One full row of the Jacobian before the active columns are gathered.
    row_full: Vec<f64>,
    /// `inv_t` holds the inverse of a Jacobian of the loaded sector (transposed, padded rows).
    factored: bool,
    /// The inverse of the last Jacobian, transposed with rows padded ([`transpose_padded`]): a
    /// chord step is `m` independent dot products ([`matvec_t_into`]), where a triangular
    /// solve is a chain of dependent ones (measured: 14% of a Monte Carlo draw in `lu_solve`).
    inv_t: Vec<f64>,
    /// The active residuals gathered (right-hand side of a step).
    rhs: Vec<f64>,
    /// Jacobian (active × active, row-major), its factors' pivots, the Newton step.
    jac: Vec<f64>,
    piv: Vec<usize>,
    step: Vec<f64>,
}

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
    fn setup(
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

    /// Makes the baseline-derived arrays of sector `s` (sales, spending, domestic shares,
    /// foreign shares, sales shares) present in `b`: swapped in from the per-baseline cache when
    /// it holds them, else computed (and kept when the baseline fits the cache).
    fn load_base(&mut self, baseline: &Baseline, s: usize, segmented: bool) {
        let n = self.n;
        let sectors = baseline.n_sectors();
        let cache = &mut self.base;
        if cache.uid != baseline.uid()
            || cache.n != n
            || cache.filled.len() != sectors
            || cache.segmented != segmented
        {
            cache.uid = baseline.uid();
            cache.n = n;
            cache.segmented = segmented;
            cache.filled.clear();
            cache.filled.resize(sectors, false);
            let bytes = sectors * (2 * n * n + 4 * n) * std::mem::size_of::<f64>();
            cache.sectors.clear();
            if bytes <= BASE_CACHE_BYTES {
                cache.sectors.resize_with(sectors, SectorBase::default);
            }
            self.current = None;
        }
        if !cache.sectors.is_empty() {
            if self.current == Some(s) {
                return;
            }
            if let Some(k) = self.current.take() {
                std::mem::swap(&mut self.b, &mut cache.sectors[k]);
            }
            if cache.filled[s] {
                std::mem::swap(&mut self.b, &mut cache.sectors[s]);
                self.current = Some(s);
                return;
            }
        }
        self.compute_base(baseline, s, segmented);
        if !self.base.sectors.is_empty() {
            self.base.filled[s] = true;
            self.current = Some(s);
        }
    }

    fn compute_base(&mut self, baseline: &Baseline, s: usize, segmented: bool) {
        let n = self.n;
        let nn = n * n;
        let b = &mut self.b;
        for v in [&mut b.sales, &mut b.spending, &mut b.delta] {
            v.clear();
            v.resize(n, 0.0);
        }
        for v in [&mut b.theta_m, &mut b.w] {
            v.clear();
            v.resize(nn, 0.0);
        }
        b.has_imports.clear();
        b.has_imports.resize(n, false);
        let flows = &baseline.sector_flows(s)[..nn];
        let t0 = &baseline.sector_tariffs(s)[..nn];
        for i in 0..n {
            let row = &flows[i * n..(i + 1) * n];
            b.sales[i] = if segmented {
                row.iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, x)| x)
                    .sum()
            } else {
                row.iter().sum()
            };
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
            b.spending[j] = total;
            b.delta[j] = if total > 0.0 { domestic / total } else { 0.0 };
            b.has_imports[j] = foreign > 0.0;
            let inv = if foreign > 0.0 { 1.0 / foreign } else { 0.0 };
            for i in 0..n {
                let k = i * n + j;
                let c = j * n + i;
                b.theta_m[c] = if i == j || flows[k] <= 0.0 {
                    0.0
                } else {
                    flows[k] * (1.0 + t0[k]) * inv
                };
                b.w[c] = if flows[k] > 0.0 && !(segmented && i == j) {
                    flows[k] / b.sales[i]
                } else {
                    0.0
                };
            }
        }
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

    /// Evaluates prices, demand and residuals at `y` (or the trial point) into the workspace's
    /// state; returns `‖F‖∞` over the active exporters, or `None` if anything is not finite.
    /// The shares among foreign sources are left unnormalised in `s_m` (their sum per importer
    /// in `sum_m`); [`NestedWorkspace::normalize_shares`] finishes them when the Jacobian needs
    /// them.
    fn evaluate(&mut self, e: &SectorElasticities<'_>, use_trial: bool) -> Option<f64> {
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
        #[cfg(target_arch = "x86_64")]
        {
            if crate::simd::avx512() {
                // SAFETY: the CPU has AVX-512F (checked at run time by `simd::avx512`).
                return unsafe { self.evaluate_vector_avx512(sm, use_trial) };
            }
            if crate::simd::avx2() {
                // SAFETY: the CPU has AVX2 (checked at run time by `simd::avx2`).
                return unsafe { self.evaluate_vector_avx2(sm, use_trial) };
            }
        }
        self.evaluate_vector_body(sm, use_trial)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn evaluate_vector_avx512(&mut self, sm: f64, use_trial: bool) -> Option<f64> {
        self.evaluate_vector_body(sm, use_trial)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn evaluate_vector_avx2(&mut self, sm: f64, use_trial: bool) -> Option<f64> {
        self.evaluate_vector_body(sm, use_trial)
    }

    /// The evaluation with one `sigma_m` and no Cobb–Douglas upper nest, as whole-vector passes
    /// (branch-free `exp`/`ln` of [`crate::linalg`] over exporters, then over importers, then the
    /// N² sweeps). Importers without imports have `imp_mask` 0 (their foreign index is 1);
    /// importers that buy nothing have `idle` 1 (every index 1, no demand).
    #[inline(always)]
    fn evaluate_vector_body(&mut self, sm: f64, use_trial: bool) -> Option<f64> {
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
        // Lower-nest sums `sum_i (thetaM That^(1 − sigma_m))_ij phat_i^(1 − sigma_m)`.
        for j in 0..n {
            let row = j * n..(j + 1) * n;
            self.sum_m[j] = dot(&self.theta_tp[row], &self.p_price[..n]);
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
                let dom = delta[j] * exp(ad[j] * ud);
                let imp = (1.0 - delta[j]) * exp(ad[j] * lnpm);
                let sum = dom + imp + idle[j];
                let lnp = ln(sum) * inv_ad[j];
                let common = c_common[j] * lnp;
                lnpm_out[j] = lnpm;
                lnp_out[j] = lnp;
                s_dom[j] = dom / sum;
                scale[j] = exp(common + c_m[j] * lnpm) * (1.0 - idle[j]);
                q_dom[j] = exp(common + neg_sd[j] * ud) * (1.0 - idle[j]);
                sum_m[j] = acc;
            }
        }
        // Demand: foreign `qhat_ij = scale_j phat_i^(−sigma_m) That_ij^(−sigma_m)`, so
        // `sum_{j != i} w_ij qhat_ij = phat_i^(−sigma_m) sum_j scale_j (w That^(−sigma_m))_ij`
        // with the diagonal of `w_td` zero; the domestic term `w_ii qhat_ii` apart.
        self.demand[..n].fill(0.0);
        for j in 0..n {
            let scale = self.scale[j];
            for (d, &wt) in self.demand[..n]
                .iter_mut()
                .zip(&self.w_td[j * n..(j + 1) * n])
            {
                *d += scale * wt;
            }
        }
        for i in 0..n {
            self.demand[i] =
                self.demand[i] * self.p_demand[i] + self.b.w[i * n + i] * self.q_dom[i];
        }
        self.materialized = false;
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
        self.materialized = true;
        let n = self.n;
        for j in 0..n {
            let row = j * n..(j + 1) * n;
            let scale = self.scale[j];
            for (((q, sm), (&td, &tp)), (&pd, &pp)) in self.q[row.clone()]
                .iter_mut()
                .zip(&mut self.s_m[row.clone()])
                .zip(self.t_demand[row.clone()].iter().zip(&self.theta_tp[row]))
                .zip(self.p_demand[..n].iter().zip(&self.p_price[..n]))
            {
                *q = scale * pd * td;
                *sm = tp * pp;
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
    fn jacobian(&mut self, e: &SectorElasticities<'_>) {
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
        // Chord steps since the factors were last made or the iterate last left the chord
        // sequence (Anderson mixes only consecutive chord steps).
        let mut chord_steps = 0;
        while norm > SOLVE_TOL {
            if iterations >= MAX_NEWTON_ITERATIONS {
                return Err(StopReason::MaxIterations);
            }
            iterations += 1;
            if self.factored {
                self.apply_inverse();
                self.anderson(chord_steps > 0);
                chord_steps += 1;
                if self.try_step(1.0)
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
            if !invert_in_place(&mut self.jac[..m * m], m, &mut self.piv) {
                return Err(StopReason::SingularJacobian);
            }
            transpose_padded(&mut self.inv_t, &self.jac[..m * m], m);
            self.factored = true;
            chord_steps = 0;
            self.apply_inverse();
            let merit = half_sq(&self.f, &self.active);
            let mut t = 1.0;
            let mut accepted = None;
            for _ in 0..40 {
                if self.try_step(t)
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

    /// `step = −J⁻¹ F` over the active exporters, with the kept inverse.
    fn apply_inverse(&mut self) {
        let m = self.active.len();
        for (r, &i) in self.rhs.iter_mut().zip(&self.active) {
            *r = -self.f[i];
        }
        matvec_t_into(&mut self.step, &self.inv_t, &self.rhs, m);
    }

    /// Anderson acceleration of depth 1 for chord steps: with `g_k = y_k + s_k` the chord map,
    /// the next iterate mixes the last two, `g_k − α (g_k − g_{k−1})` with
    /// `α = s_k·(s_k − s_{k−1}) / ‖s_k − s_{k−1}‖²` (Walker & Ni 2011), written into `step` as
    /// a step from `y_k`. `mix` is false on the first chord step of a sequence (nothing to mix
    /// with); either way the current `(y, step)` is remembered for the next call.
    fn anderson(&mut self, mix: bool) {
        let m = self.active.len();
        if mix {
            let (mut num, mut den) = (0.0, 0.0);
            for ri in 0..m {
                let ds = self.step[ri] - self.prev_step[ri];
                num += self.step[ri] * ds;
                den += ds * ds;
            }
            if den > 0.0 && num.is_finite() {
                let alpha = num / den;
                for (ri, &i) in self.active.iter().enumerate() {
                    let g = self.y[i] + self.step[ri];
                    let g_prev = self.prev_y[ri] + self.prev_step[ri];
                    let mixed = g - alpha * (g - g_prev);
                    // Remember the unmixed step (the chord map's own) before replacing it.
                    self.prev_step[ri] = self.step[ri];
                    self.prev_y[ri] = self.y[i];
                    self.step[ri] = mixed - self.y[i];
                }
                return;
            }
        }
        for (ri, &i) in self.active.iter().enumerate() {
            self.prev_step[ri] = self.step[ri];
            self.prev_y[ri] = self.y[i];
        }
    }

    /// Sets the trial point `y + t · step`; false if it leaves the representable range.
    fn try_step(&mut self, t: f64) -> bool {
        self.trial.copy_from_slice(&self.y);
        let mut in_range = true;
        for (ri, &i) in self.active.iter().enumerate() {
            let v = self.y[i] + t * self.step[ri];
            in_range &= v.abs() <= PRICE_LOG_BOUND;
            self.trial[i] = v;
        }
        in_range
    }

    /// Whether the solution in the workspace is a stable, locally unique equilibrium under
    /// Marshallian (quantity) adjustment — the one that fits supply curves sloping down from
    /// scale economies (Fajgelbaum et al. 2024): output expands where the demand price exceeds
    /// the supply price. With `A = ∂ ln D / ∂ ln p` (the demand block of the Jacobian, `J + diag
    /// eps`) the map from log quantities to (demand − supply) log prices has the Jacobian
    /// `M = A⁻¹ − diag(1 / eps)`; the condition checked is that `−M` has positive leading
    /// principal minors (Gaussian elimination without pivoting: every pivot positive), Gale &
    /// Nikaido's (1965) P-matrix condition for a unique equilibrium. For one market it is
    /// `|eps| > e_d` when `eps < 0`: supply flatter than demand, so more demand means more output
    /// at a lower price; a supply curve falling faster than demand (say `eps = −0.3`, an inverse
    /// supply elasticity of −3.3) fails it. With positive `eps` it always holds. Leaves `jac`
    /// overwritten (the kept inverse is dropped).
    fn stable(&mut self, e: &SectorElasticities<'_>) -> bool {
        self.jacobian(e);
        self.factored = false;
        let m = self.active.len();
        // A = J + diag(eps) (pinned exporters are not active).
        for (ri, &i) in self.active.iter().enumerate() {
            self.jac[ri * m + ri] += e.eps[i];
        }
        if !invert_in_place(&mut self.jac[..m * m], m, &mut self.piv) {
            return false;
        }
        // −M = −A⁻¹ + diag(1 / eps).
        let a = &mut self.jac[..m * m];
        for v in a.iter_mut() {
            *v = -*v;
        }
        for (ri, &i) in self.active.iter().enumerate() {
            a[ri * m + ri] += 1.0 / e.eps[i];
        }
        for k in 0..m {
            let pivot = a[k * m + k];
            if !(pivot > 0.0) {
                return false;
            }
            for r in k + 1..m {
                let f = a[r * m + k] / pivot;
                if f != 0.0 {
                    for c in k..m {
                        a[r * m + c] -= f * a[k * m + c];
                    }
                }
            }
        }
        true
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
        self.counts.solves += 1;
        self.prepare(e);
        self.factored = false;
        if self.warm.matches(s, e) {
            let start = &self.warm.y[s * n..(s + 1) * n];
            self.y[..n].copy_from_slice(start);
            if self.warm.same_shock(s, &self.changed, &self.lnt) {
                // The previous solve of the sequence had this very shock: its solution is this
                // one (bit for bit); one evaluation restores the state the write-out reads.
                let norm = self.evaluate(e, false);
                if norm.is_some_and(|r| r <= SOLVE_TOL) {
                    return Ok(0);
                }
            }
            if self.warm.has_inverse[s] {
                let size = self.active.len() * padded(self.active.len());
                let slot = s * n * padded(n);
                self.inv_t[..size].copy_from_slice(&self.warm.inverse[slot..slot + size]);
                self.factored = true;
            }
        } else {
            self.y.fill(0.0);
        }
        let outcome = match self.newton(e) {
            Ok(it) => Ok(it),
            Err(first) => self.fixed_point(e).map_err(|_| first),
        };
        // Downward-sloping supply: accept the solution only where it is a stable, unique
        // equilibrium (otherwise Newton can land on an unstable one without a sign).
        let outcome = match outcome {
            Ok(_) if e.eps[..n].iter().any(|&x| x < 0.0) && !self.stable(e) => {
                Err(StopReason::Unstable)
            }
            other => other,
        };
        match outcome {
            Ok(it) => {
                let m = self.active.len();
                let inverse = self.factored.then(|| &self.inv_t[..m * padded(m)]);
                self.warm
                    .store(s, &self.y, e, inverse, (&self.changed, &self.lnt));
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
    // The sectors left at the baseline and the totals of the solved ones, for the metrics (they
    // then need not sweep every flow again).
    out.totals.start(n, sectors);
    for s in 0..sectors {
        let e = SectorElasticities::of(elasticities, s);
        if !ws.setup(baseline, tariffs, &e, s) {
            out.totals.state[s] = TotalsState::Unchanged;
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
    // Every value a solved sector wrote was folded into its residual (NaN fails the clearing
    // test above); the other sectors are the baseline's. Welfare sums them.
    if out.welfare.iter().all(|w| w.is_finite()) {
        Ok(())
    } else {
        check_finite(out, NAME)
    }
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
        if !ws.setup(baseline, tariffs, &e, s) {
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
            if ws.b.spending[j] <= 0.0 {
                continue;
            }
            let big_p = ws.lnp[j];
            out.price_index[base + j] = 1.0 + big_p;
            out.consumer_surplus[base + j] =
                -ws.b.spending[j] * (big_p + 0.5 * e.eta[j] * big_p * big_p);
            let mut revenue = 0.0;
            for i in 0..n {
                let k = i * n + j;
                if flows[k] <= 0.0 {
                    continue;
                }
                let q = ws.q[j * n + i];
                let p = if i == j { e.home(ws.y[i]) } else { ws.y[i] };
                let new_flow = flows[k] * (1.0 + p) * (1.0 + q).max(0.0);
                out.flows[s * n * n + k] = new_flow;
                revenue += new_flow * t1[k] - flows[k] * t0[k];
            }
            out.tariff_revenue[base + j] = revenue;
        }
        for &i in &ws.active {
            let p = ws.y[i];
            out.producer_surplus[base + i] = ws.b.sales[i] * (p + 0.5 * e.eps[i] * p * p);
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
/// the new flows — or NaN if any value written is not finite (they are all folded into a check
/// value, cheaper than scanning the whole equilibrium afterwards).
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
    // New values x_ij phat_i qhat_ij, exporter-major (contiguous): from the cells when the
    // evaluation formed them, else from its factors — a row factor phat_i^(1 − sigma_m) times a
    // column scale, times the tariff factor on the changed cells; the diagonal apart.
    if ws.materialized {
        for (i, (row, new_row)) in flows
            .chunks_exact(n)
            .zip(new_flows.chunks_exact_mut(n))
            .enumerate()
        {
            for (j, (v, &x)) in new_row.iter_mut().zip(row).enumerate() {
                *v = if x > 0.0 {
                    x * out_phat[i] * ws.q[j * n + i]
                } else {
                    0.0
                };
            }
        }
    } else {
        let scale = &ws.scale[..n];
        for (i, (row, new_row)) in flows
            .chunks_exact(n)
            .zip(new_flows.chunks_exact_mut(n))
            .enumerate()
        {
            let f = out_phat[i] * ws.p_demand[i];
            for ((v, &x), &sc) in new_row.iter_mut().zip(row).zip(scale) {
                let flow = x * f * sc;
                *v = if x > 0.0 { flow } else { 0.0 };
            }
            let x = row[i];
            new_row[i] = if x > 0.0 {
                x * out_phat[i] * ws.q_dom[i]
            } else {
                0.0
            };
        }
        for &c in &ws.changed {
            let (j, i) = (c / n, c % n);
            if i != j {
                new_flows[i * n + j] *= ws.t_demand[c];
            }
        }
    }
    // Segmented supply: home sales keep their producer price (`qhat_ii` alone).
    if e.segmented {
        for i in 0..n {
            let x = flows[i * n + i];
            let q = if ws.materialized {
                ws.q[i * n + i]
            } else {
                ws.q_dom[i]
            };
            new_flows[i * n + i] = if x > 0.0 { x * q } else { 0.0 };
        }
    }
    // Revenue per importer, the totals for the metrics and each exporter's sales, in one
    // exporter-major pass (each importer's revenue still adds its cells in exporter order).
    let revenue = &mut out.tariff_revenue[base..base + n];
    revenue.fill(0.0);
    let (exports, imports) = (
        &mut out.totals.exports[base..base + n],
        &mut out.totals.imports[base..base + n],
    );
    imports.fill(0.0);
    let mut check = 0.0;
    for i in 0..n {
        let row = i * n..(i + 1) * n;
        let mut sold_abroad = 0.0;
        for (j, (((r, m), &v), (&x, (&a, &b)))) in revenue
            .iter_mut()
            .zip(imports.iter_mut())
            .zip(&new_flows[row.clone()])
            .zip(
                flows[row.clone()]
                    .iter()
                    .zip(t0[row.clone()].iter().zip(&t1[row])),
            )
            .enumerate()
        {
            *r += v * b - x * a;
            if i != j {
                *m += v;
                sold_abroad += v;
            }
        }
        exports[i] = sold_abroad;
        check += sold_abroad;
    }
    out.totals.state[s] = TotalsState::Computed;
    for j in 0..n {
        check += revenue[j];
        let spending = ws.b.spending[j];
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
        check += out.price_index[base + j] + out.consumer_surplus[base + j];
    }
    let mut worst = 0.0_f64;
    for &i in &ws.active {
        let y = ws.y[i];
        let eps = e.eps[i];
        let x_i = ws.b.sales[i];
        out.producer_surplus[base + i] = if (1.0 + eps).abs() < 1e-12 {
            x_i * y
        } else {
            x_i * ((1.0 + eps) * y).exp_m1() / (1.0 + eps)
        };
        let home = if e.segmented {
            0.0
        } else {
            new_flows[i * n + i]
        };
        let sold = out.totals.exports[base + i] + home;
        check += sold + out.producer_surplus[base + i] + out.phat[base + i];
        let supply = x_i * (eps * y).exp();
        let r = (sold / out.phat[base + i] - supply).abs() / supply;
        if !(r <= worst) {
            worst = r;
        }
    }
    // Every cell's value enters the finiteness check (the domestic ones through the sales).
    for i in 0..n {
        check += new_flows[i * n + i];
    }
    if check.is_finite() { worst } else { f64::NAN }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::world;

    /// The three evaluations — whole-vector, factored cell by cell (uniform `sigma_m`), and cell
    /// by cell — give the same solution: same prices to 1e-13, on a baseline with domestic
    /// sales, internal tariffs and a large shock; under either supply scope.
    #[test]
    fn factored_evaluation_matches_the_per_cell_one() {
        for scope in [SupplyScope::AllSales, SupplyScope::Exports] {
            evaluations_agree(scope);
        }
    }

    fn evaluations_agree(scope: SupplyScope) {
        let n = 6;
        let b = world(n, 2);
        let e = Elasticities::uniform(n, 2, 5.0, -0.8, 4.0)
            .unwrap()
            .with_sigma_d(vec![2.2; n * 2])
            .unwrap()
            .with_supply(scope);
        let mut t = b.baseline_tariffs();
        t.set(1, 0, 0, 1.45).unwrap();
        t.set(2, 2, 0, 0.3).unwrap();
        t.set(0, 3, 1, 0.25).unwrap();
        let mut solutions = Vec::new();
        for path in 0..3 {
            let mut ws = NestedWorkspace::default();
            let mut found = Vec::new();
            for s in 0..2 {
                let se = SectorElasticities::of(&e, s);
                assert!(ws.setup(&b, &t, &se, s));
                ws.prepare(&se);
                assert!(ws.uniform && ws.vector);
                if path > 0 {
                    ws.vector = false;
                }
                if path > 1 {
                    ws.uniform = false;
                }
                ws.y.fill(0.0);
                ws.newton(&se).unwrap();
                found.extend_from_slice(&ws.y);
            }
            solutions.push(found);
        }
        for other in &solutions[1..] {
            for (a, c) in solutions[0].iter().zip(other) {
                assert!((a - c).abs() <= 1e-13, "{a} vs {c}");
            }
        }
        assert!(solutions[0].iter().any(|y| y.abs() > 1e-3));
    }

    /// Downward-sloping supply: a bystander with mild scale economies (eps −10, an inverse supply
    /// elasticity of −0.1) solves, clears its market and, when the US duty on another exporter
    /// diverts demand to it, sells more at a lower price (the pattern Fajgelbaum et al. 2024
    /// find), where with an upward-sloping supply its price rises; one whose supply falls faster
    /// than its demand (eps −0.3, an inverse elasticity of −3.3) is refused as unstable instead
    /// of returned.
    #[test]
    fn negative_supply_elasticity_stable_or_refused() {
        let n = 5;
        let b = world(n, 1);
        let mut t = b.baseline_tariffs();
        t.set(1, 0, 0, 1.0).unwrap();
        let solve_with = |eps2: f64| {
            let mut eps = vec![4.0; n];
            eps[2] = eps2;
            let e = Elasticities::new(n, 1, vec![5.0; n], vec![-1.0; n], eps)
                .unwrap()
                .with_sigma_d(vec![2.0; n])
                .unwrap();
            crate::Model::Armington.solve(&b, &e, &t)
        };
        let up = solve_with(4.0).unwrap();
        let down = solve_with(-10.0).unwrap();
        assert!(down.residual <= 1e-10);
        assert!(
            down.phat[2] < 1.0 && up.phat[2] > 1.0,
            "{} {}",
            down.phat[2],
            up.phat[2]
        );
        assert!(down.flow(2, 0, 0) > up.flow(2, 0, 0));
        let err = solve_with(-0.3).unwrap_err().to_string();
        assert!(err.contains("unstable"), "{err}");
    }

    /// An independent reference for segmented supply: with `eta = −sigma_d` the two-level model's
    /// foreign demand is `PMhat^(sigma_m − sigma_d) (phat That)^(−sigma_m)` — the imports-only
    /// model's with an import-demand elasticity `−sigma_d` — and, the home price being fixed,
    /// home demand does not move; each exporter's supply covers its exports in both. So
    /// `armington` with segmented supply equals `armington-imports` (a different solver) to
    /// the solver tolerance, on a baseline with large home markets; with one supply curve over
    /// all sales it does not (the home price moves with the export price).
    #[test]
    fn segmented_supply_matches_the_imports_only_model() {
        let n = 5;
        let b = world(n, 2);
        let (sm, sd) = (4.5, 2.0);
        let two_level = |scope| {
            Elasticities::uniform(n, 2, sm, -sd, 3.0)
                .unwrap()
                .with_sigma_d(vec![sd; n * 2])
                .unwrap()
                .with_supply(scope)
        };
        let imports_only = Elasticities::uniform(n, 2, sm, -sd, 3.0).unwrap();
        let mut t = b.baseline_tariffs();
        t.set(1, 0, 0, 0.8).unwrap();
        t.set(1, 0, 1, 0.3).unwrap();
        t.set(3, 2, 1, 0.2).unwrap();
        let reference = crate::Model::ArmingtonImports
            .solve(&b, &imports_only, &t)
            .unwrap();
        let seg = crate::Model::Armington
            .solve(&b, &two_level(SupplyScope::Exports), &t)
            .unwrap();
        let all = crate::Model::Armington
            .solve(&b, &two_level(SupplyScope::AllSales), &t)
            .unwrap();
        // Both solvers stop at `‖F‖∞ ≤ SOLVE_TOL` in log prices; flows inherit that relative error.
        for s in 0..2 {
            for i in 0..n {
                let (a, r) = (seg.phat[s * n + i], reference.phat[s * n + i]);
                assert!((a - r).abs() <= 1e-9, "phat {i} {s}: {a} vs {r}");
                for j in 0..n {
                    let (a, r) = (seg.flow(i, j, s), reference.flow(i, j, s));
                    assert!(
                        (a - r).abs() <= 1e-9 * r.abs().max(1.0),
                        "{i}->{j} {s}: {a} vs {r}"
                    );
                }
            }
        }
        assert!(seg.residual <= 1e-10);
        assert!((all.phat[1] - reference.phat[1]).abs() > 1e-4);
    }

    /// Segmented supply redirects an exporter's lost sales to its other export markets: a big
    /// exporter (home sales 50 times its exports) hit by a duty in one market loses about the
    /// same there under both scopes, but its sales to the third markets rise many times more
    /// when its supply curve covers exports only — the home market no longer absorbs the
    /// output — and its export price falls several times more.
    #[test]
    fn segmented_supply_deflects_to_third_markets() {
        let n = 4;
        let mut flows = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                flows[i * n + j] = if i == j { 100.0 } else { 10.0 };
            }
        }
        flows[n + 1] = 1500.0; // region 1 is the large economy, its home market 1500
        let b = crate::Baseline::new(
            crate::RegionSet::from_codes(&["US", "CN", "VN", "EU"]).unwrap(),
            crate::SectorSet::from_codes(&["S"]).unwrap(),
            flows,
            vec![0.0; n * n],
            true,
            crate::Provenance::default(),
        )
        .unwrap();
        let mut t = b.baseline_tariffs();
        t.set(1, 0, 0, 0.5).unwrap();
        let solve = |scope| {
            let e = Elasticities::uniform(n, 1, 4.0, -1.0, 2.0)
                .unwrap()
                .with_sigma_d(vec![2.0; n])
                .unwrap()
                .with_supply(scope);
            crate::Model::Armington.solve(&b, &e, &t).unwrap()
        };
        let (all, seg) = (solve(SupplyScope::AllSales), solve(SupplyScope::Exports));
        let third = |eq: &Equilibrium| eq.flow(1, 2, 0) + eq.flow(1, 3, 0) - 20.0;
        assert!(third(&all) > 0.0 && third(&seg) > 5.0 * third(&all));
        let lost = |eq: &Equilibrium| 10.0 - eq.flow(1, 0, 0);
        assert!((lost(&seg) / lost(&all) - 1.0).abs() < 0.25);
        assert!(1.0 - seg.phat[1] > 5.0 * (1.0 - all.phat[1]) && seg.residual <= 1e-10);
    }
}
