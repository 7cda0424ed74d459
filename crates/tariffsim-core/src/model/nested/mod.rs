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
use crate::ids::SectorId;
use crate::linalg::{
    exp, invert_in_place, ln, lu_factor, lu_solve, matvec_t_into, padded, transpose_padded,
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

/// Scratch for one sector's solve, reused across sectors, phases and draws. Per-cell arrays are
/// importer-major (`j * N + i`).
#[derive(Debug, Default, Clone)]
pub struct NestedWorkspace {
    n: usize,
    /// Baseline-derived sector data, per baseline.
    base: BaseCache,
    /// Changed tariff cells per (baseline, tariffs, sector).
    diffs: super::diffs::TariffDiffs,
    /// The loaded sector's changed cells (importer-major indices) and their `1 / That`.
    changed: Vec<usize>,
    changed_inv_that: Vec<f64>,
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
    /// The whole-vector evaluation's sparse part, fixed during a solve: per changed foreign
    /// cell `(importer j, exporter i, thetaM (That^(1 − sigma_m) − 1), w (That^(−sigma_m) −
    /// 1))`, the corrections to the baseline's dense shares (`SectorBase::theta_p`, `w_off`) —
    /// the dense part needs no per-solve work, and a solve touches only the cells that change.
    corrections: Vec<(usize, usize, f64, f64)>,
    /// `q` and the foreign shares in `s_m` hold the last evaluation's cells.
    materialized: bool,
    /// `delta` and `eps` padded for the whole-vector passes (per solve).
    delta_p: Vec<f64>,
    eps_p: Vec<f64>,
    /// Per importer, per evaluation: the foreign demand scale and the domestic `qhat_jj`
    /// (`home_ready`: computed for the last evaluation, see [`NestedWorkspace::home_demand`]).
    scale: Vec<f64>,
    q_dom: Vec<f64>,
    home_ready: bool,
    /// Per importer, fixed during a solve under segmented supply: the domestic term of the
    /// upper nest, `delta_j That_jj^(1 − sigma_d)`.
    dom_c: Vec<f64>,
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
    /// ([`transpose_padded`], `N × padded(N)`), if the solve ended with one. Swapped with the
    /// workspace's `inv_t` in and out (a slot always holds a buffer of that size).
    inverse: Vec<Vec<f64>>,
    has_inverse: Vec<bool>,
    /// Per sector: the changed tariff cells (`(cell, ln That)`) the stored solution was solved
    /// for; a solve of the same cells with the same elasticities has the same solution.
    shock: Vec<Vec<(usize, f64)>>,
}

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
    /// The dense operands of the whole-vector evaluation, rows padded to whole SIMD vectors
    /// (`N × padded N`, padding 0) and the diagonal zeroed, so that both sums are sweeps of
    /// whole rows: `theta_m` exporter-major (row `i`: its shares in every importer) and `w`
    /// importer-major (row `j`: every exporter's share of its sales going to `j`).
    theta_p: Vec<f64>,
    w_off: Vec<f64>,
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

mod cache;
mod evaluation;
mod iteration;
mod linear;
mod results;
#[cfg(test)]
mod tests;
mod workspace;

use results::*;

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
            // The caller left the flows as they were (`keep_flows`): this sector's are the
            // baseline's.
            let cells = s * n * n..(s + 1) * n * n;
            out.flows[cells.clone()].copy_from_slice(&baseline.flows()[cells]);
            continue;
        }
        let code = baseline.sectors().code(SectorId::from_index(s));
        let iterations = ws.solve(&e, s, code)?;
        out.iterations[s] = u32::try_from(iterations).unwrap_or(u32::MAX);
        ws.home_demand();
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
        super::check_finite(out, NAME)
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
        ws.solve_linear(&e, baseline.sectors().code(SectorId::from_index(s)))?;
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
    super::check_finite(out, LINEAR_NAME)
}
