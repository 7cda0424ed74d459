//! `gravity-ge`: multi-sector structural gravity general equilibrium in exact hat algebra.
//!
//! # Model
//! Regions `i` (exporter) and `n` (importer), sectors `s`. Each region produces a variety of every
//! sector's good with one factor (an endowment of "labour", perfectly mobile across sectors), so
//! every sector's factory-gate price moves with the factor price: `p̂_is = ŵ_i`. Importers buy
//! varieties with Armington–CES preferences per sector (`sigma_s`, the same for every importer)
//! and split spending across sectors Cobb–Douglas. Tariffs are ad valorem on the exporter-price
//! value, their revenue is rebated to the importer, and trade deficits are held fixed.
//!
//! Baseline, from flows `x_ins` (USD at exporter prices, diagonal = domestic sales) and tariffs
//! `t0`: output `Y_i = Σ_s Σ_n x_ins`, spending `X_ns = Σ_i x_ins (1 + t0_ins)`, income
//! `I_n = Σ_s X_ns`, Cobb–Douglas shares `α_ns = X_ns / I_n`, import shares at consumer prices
//! `λ_ins = x_ins (1 + t0_ins) / X_ns`, revenue `R_n = Σ x_ins t0_ins`, deficit
//! `D_n = I_n − Y_n − R_n` (Σ D = 0 by construction).
//!
//! Counterfactual with tariff powers `τ̂ = (1 + t1) / (1 + t0)` (and optional iceberg trade-cost
//! changes `d̂`, multiplied into `τ̂`), unknowns `ŵ_i`:
//!
//! - sector price index: `P̂_ns^(1−σ_s) = Σ_i λ_ins (ŵ_i τ̂_ins)^(1−σ_s)` (closed form)
//! - new shares: `λ'_ins = λ_ins (ŵ_i τ̂_ins)^(1−σ_s) / P̂_ns^(1−σ_s)`
//! - revenue share of spending: `ρ_n = Σ_s α_ns Σ_i λ'_ins t1_ins / (1 + t1_ins)`
//! - income (revenue rebated): `I'_n = (ŵ_n Y_n + D'_n) / (1 − ρ_n)`, spending
//!   `X'_ns = α_ns I'_n`, flows `x'_ins = λ'_ins X'_ns / (1 + t1_ins)`
//! - factor market clearing: `ŵ_i Y_i = Σ_s Σ_n x'_ins`
//! - numeraire: world nominal output is unchanged, `Σ_i ŵ_i Y_i = Σ_i Y_i`
//! - deficits ([`DeficitClosure`]): `Levels`: `D'_n = D_n` (in units of world output);
//!   `ShareOfIncome`: `D'_n = δ_n ŵ_n Y_n − (ŵ_n Y_n / Σ ŵY) Σ_k δ_k ŵ_k Y_k` with
//!   `δ_n = D_n / Y_n` — each deficit keeps its share of factor income, and the world
//!   discrepancy that creates is spread in proportion to income, so deficits still sum to zero.
//!
//! Welfare is real income `Ŵ_n = Î_n / P̂_n` with the Cobb–Douglas index
//! `ln P̂_n = Σ_s α_ns ln P̂_ns`, reported as the equivalent variation `EV_n = I_n (Ŵ_n − 1)`,
//! USD at baseline prices. Held fixed: factor endowments, preferences (`α`, CES weights), iceberg
//! trade costs (unless given), deficits (per the closure), world nominal output.
//!
//! [`Equilibrium`] fields: `phat[s N + i] = ŵ_i` (every sector), `price_index = P̂_ns`, flows
//! `x'` including the diagonal, tariffs `t1`; `tariff_revenue` = change in `Σ_i x_ins t_ins` per
//! importer and sector; `producer_surplus` = change in factor income earned in the sector,
//! `Σ_n x'_ins − Σ_n x_ins` (nominal, numeraire = world output); `consumer_surplus` =
//! `α_ns [I'_n (1/P̂_n − 1) + (D'_n − D_n)]`, the cost-of-living effect on the new budget plus the
//! closure's deficit change, allocated to sectors by spending share — so that
//! `Σ_s (PS + CS + revenue) = EV_n = welfare[n]` exactly.
//!
//! With one sector, no tariffs and no deficits this is the endowment economy of Yotov et al.
//! (2016, ch. 2; Anderson & van Wincoop 2003). It differs from `gegravity-compat` (by ~0.1 pp on
//! gegravity's sample) because gegravity keeps the **baseline** output and expenditure shares
//! inside its resistance system and never iterates them with the new prices, normalises shares by
//! separate world totals of output and expenditure, and fixes the reference importer's inward
//! resistance instead of world output (`shared/data/gegravity_expected/SPEC.md` §2.3, §7).
//!
//! # Solver
//! A reduced system in the `N` unknowns `x_i = ln ŵ_i` (sector price indices are closed forms, so
//! there is never an `(N·S)²` Jacobian): the `N − 1` market-clearing residuals
//! `F_i = Σ_{s,n} x'_ins / (ŵ_i Y_i) − 1` (the one of the largest economy is implied by Walras'
//! law and replaced by the numeraire) solved by Newton with the analytic `N × N` Jacobian
//!
//! `∂F_i/∂x_k = [δ_ik Σ_{s,n} x'_ins (1−σ_s) − Σ_{s,n} x'_ins (1−σ_s) λ'_kns + Σ_n Q_in G_nk] / u_i
//!  − δ_ik (F_i + 1)`,
//!
//! `u_i = ŵ_i Y_i`, `Q_in = Σ_s x'_ins`, `G_nk = ∂ ln I'_n / ∂x_k` (income and revenue channels),
//! with Armijo backtracking on `½‖F‖²`. The Jacobian (`O(S N³)`, one GEMM-like sweep) is reused
//! across steps while the residual falls by 10× per step (chord steps, `O(N²)` each), and rebuilt
//! otherwise. If Newton stalls, a damped tâtonnement `x_i += ω ln(1 + F_i) / σ̄` (then
//! renormalised) restarts from the baseline. Converged means every `|F_i|`, the dropped one
//! included, and the numeraire residual are ≤ [`SOLVE_TOL`].
//! A shock that moves no traded cell returns the baseline exactly.
//!
//! # References
//! - Yotov, Y. V., R. Piermartini, J.-A. Monteiro and M. Larch (2016), *An Advanced Guide to Trade
//!   Policy Analysis: The Structural Gravity Model*, WTO/UNCTAD, ch. 2.
//! - Costinot, A. and A. Rodríguez-Clare (2014), "Trade Theory with Numbers: Quantifying the
//!   Consequences of Globalization", *Handbook of International Economics* 4, §3–4 (multi-sector
//!   Armington with tariff revenue, exact hat algebra).
//! - Caliendo, L. and F. Parro (2015), "Estimates of the Trade and Welfare Effects of NAFTA",
//!   *Review of Economic Studies* 82(1) (hat algebra with tariff revenue and fixed deficits).
//! - Dekle, R., J. Eaton and S. Kortum (2007), "Unbalanced Trade", *AER P&P* 97(2).
//! - Nocedal, J. and S. Wright (2006), *Numerical Optimization*, 2nd ed., §11.1 (Newton and chord
//!   methods for nonlinear equations), §3.1 (backtracking).

use crate::baseline::Baseline;
use crate::elasticity::Elasticities;
use crate::equilibrium::Equilibrium;
use crate::error::{CoreError, Result, SolveError, StopReason};
use crate::linalg::{lu_factor, lu_solve};
use crate::model::gegravity::{require_domestic, uniform_sigma};
use crate::tariff::Tariffs;
use crate::tolerance::{PRICE_LOG_BOUND, SIGMA_ONE_TOL, SOLVE_TOL};
use serde::{Deserialize, Serialize};

/// The model name used in errors and in [`Equilibrium::model`].
pub const NAME: &str = "gravity-ge";

/// How trade deficits are held fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DeficitClosure {
    /// `D'_n = D_n` in units of world nominal output (the numeraire). The default.
    #[default]
    Levels,
    /// `D'_n / (ŵ_n Y_n) = D_n / Y_n`, with the world discrepancy spread by income.
    ShareOfIncome,
}

/// Options of `gravity-ge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct GravityGeOptions {
    /// Deficit closure.
    pub closure: DeficitClosure,
    /// Newton iteration budget (the tâtonnement fallback gets 20× this, at most 2000).
    pub max_iterations: u32,
}

impl Default for GravityGeOptions {
    fn default() -> Self {
        Self {
            closure: DeficitClosure::Levels,
            max_iterations: 100,
        }
    }
}

/// Scratch for one `gravity-ge` solve; per-cell arrays are importer-major,
/// `[(s * N + n) * N + i]`, so one importer's sources are contiguous.
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    n: usize,
    n_sectors: usize,
    /// `λ_ins τ̂_ins^(1−σ_s)`.
    beta: Vec<f64>,
    /// `λ'_ins`.
    lam: Vec<f64>,
    /// `x'_ins` (new flows at exporter prices).
    flow: Vec<f64>,
    /// `t1 / (1 + t1)`.
    margin: Vec<f64>,
    /// `1 / (1 + t1)`.
    inv_power: Vec<f64>,
    /// `σ_s` of the solve (one per sector; reused, no allocation per solve).
    sigma: Vec<f64>,
    one_minus_sigma: Vec<f64>,
    /// `α_ns`, `[s * N + n]`.
    alpha: Vec<f64>,
    /// `P̂_ns^(1−σ_s)`, `[s * N + n]`.
    ces: Vec<f64>,
    /// `Σ_i λ'_ins m_ins`, `[s * N + n]`.
    mbar: Vec<f64>,
    output: Vec<f64>,
    income0: Vec<f64>,
    deficit0: Vec<f64>,
    deficit_share: Vec<f64>,
    deficit: Vec<f64>,
    income: Vec<f64>,
    rho: Vec<f64>,
    sales: Vec<f64>,
    f: Vec<f64>,
    x: Vec<f64>,
    x_trial: Vec<f64>,
    step: Vec<f64>,
    jac: Vec<f64>,
    q: Vec<f64>,
    g: Vec<f64>,
    /// `ŵ_i^(1−σ_s)` of the sector being evaluated.
    pow: Vec<f64>,
    /// `ŵ_i Y_i`.
    u: Vec<f64>,
    piv: Vec<usize>,
    world_output: f64,
    anchor: usize,
}

mod evaluation;
mod iteration;
mod results;
mod setup;
#[cfg(test)]
mod tests;

use results::write;

/// `gravity-ge` with tariff changes only (the [`crate::Model::GravityGe`] entry).
pub(crate) fn solve_into(
    baseline: &Baseline,
    elasticities: &Elasticities,
    tariffs: &Tariffs,
    options: GravityGeOptions,
    ws: &mut Workspace,
    out: &mut Equilibrium,
) -> Result<()> {
    solve_inner(baseline, elasticities, tariffs, None, options, ws, out)
}

/// `gravity-ge` with tariff changes and iceberg trade-cost changes `trade_cost_hat`
/// (`d̂_ins = d'_ins / d_ins` for exporter `i`, importer `n`, sector `s`, baseline layout
/// `(s * N + i) * N + n`; 1 = unchanged; a trade agreement is `d̂ < 1`). Iceberg costs raise
/// the consumer price like a tariff but yield no revenue.
///
/// `out` is reset first. This is the entry for non-tariff counterfactuals (trade agreements,
/// gegravity-style cost shocks); [`crate::Model::solve`] covers tariff-only shocks.
pub fn solve_with_trade_costs(
    baseline: &Baseline,
    elasticities: &Elasticities,
    tariffs: &Tariffs,
    trade_cost_hat: &[f64],
    options: GravityGeOptions,
    ws: &mut Workspace,
    out: &mut Equilibrium,
) -> Result<()> {
    elasticities.check_fits(baseline)?;
    tariffs.check_fits(baseline)?;
    let len = baseline.flows().len();
    if trade_cost_hat.len() != len {
        return Err(CoreError::Shape {
            what: "trade-cost changes",
            expected: len,
            found: trade_cost_hat.len(),
        });
    }
    if let Some((k, &d)) = trade_cost_hat
        .iter()
        .enumerate()
        .find(|(_, d)| !(d.is_finite() && **d > 0.0))
    {
        let (exporter, importer, sector) = baseline.cell_of(k);
        return Err(CoreError::InvalidValue {
            what: "trade-cost change",
            value: d,
            location: baseline.cell_name(exporter, importer, sector),
            expected: "a finite ratio > 0 (1 = unchanged)",
        });
    }
    out.reset_to(NAME, baseline, tariffs.rates(), Some(tariffs.uid()), false);
    solve_inner(
        baseline,
        elasticities,
        tariffs,
        Some(trade_cost_hat),
        options,
        ws,
        out,
    )
}

/// The solve behind both entries; `out` has been reset to the baseline with `tariffs` in force
/// (by [`crate::Model::solve_into`] or [`solve_with_trade_costs`]).
fn solve_inner(
    baseline: &Baseline,
    elasticities: &Elasticities,
    tariffs: &Tariffs,
    trade_cost_hat: Option<&[f64]>,
    options: GravityGeOptions,
    ws: &mut Workspace,
    out: &mut Equilibrium,
) -> Result<()> {
    require_domestic(baseline, NAME)?;
    let mut sigma = std::mem::take(&mut ws.sigma);
    sigma.clear();
    for s in 0..baseline.n_sectors() {
        sigma.push(uniform_sigma(baseline, elasticities, s, NAME)?);
    }
    let changed = ws.setup(baseline, &sigma, tariffs, trade_cost_hat);
    ws.sigma = sigma;
    if !changed? {
        return Ok(());
    }
    let closure = options.closure;
    let max_newton = options.max_iterations as usize;
    let iterations = match ws.newton(closure, max_newton) {
        Ok(it) => it,
        Err((_, newton_its)) => {
            let budget = (20 * max_newton).min(2000);
            match ws.tatonnement(closure, budget) {
                Ok(it) => newton_its + it,
                Err((reason, it)) => {
                    return Err(SolveError {
                        model: NAME,
                        sector: None,
                        iterations: newton_its + it,
                        residual: ws.residual_inf(),
                        reason,
                    }
                    .into());
                }
            }
        }
    };
    // Recompute at the solution (the line search may have left another point evaluated last).
    if ws.evaluate(closure).is_none() {
        return Err(SolveError {
            model: NAME,
            sector: None,
            iterations,
            residual: f64::INFINITY,
            reason: StopReason::Diverged,
        }
        .into());
    }
    write(baseline, tariffs, trade_cost_hat, iterations, ws, out);
    if !out.all_finite() || !(out.residual <= SOLVE_TOL) {
        return Err(SolveError {
            model: NAME,
            sector: None,
            iterations,
            residual: out.residual,
            reason: StopReason::Diverged,
        }
        .into());
    }
    Ok(())
}
