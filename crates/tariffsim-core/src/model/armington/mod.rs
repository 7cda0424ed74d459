//! `armington-imports`: the imports-only Armington partial equilibrium (nonlinear GSIM without
//! the diagonal as a source). The default `armington` is the two-level model of
//! [`nested`](super::nested); this one keeps domestic sales fixed outside the CES composite, so
//! `eta` is the elasticity of *import* demand. A user wants it to reproduce results made before
//! the two-level model, or on a baseline without domestic sales (where both models are the
//! same equations; this solver is the faster one).
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
//! Newton–chord with that analytic Jacobian, started from the baseline (`x = 0`): a fresh
//! Jacobian gives Newton steps with an Armijo backtracking line search on `½‖F‖²`; it is kept for
//! further (chord) steps while they cut `‖F‖∞` by [`CHORD_CONTRACTION`], and refreshed otherwise.
//! Chord steps are Anderson-accelerated (depth 1: the last two iterates mixed, O(m) per step).
//! If Newton stalls, a damped Jacobi fixed point `x_i ← x_i − ω F_i / J_ii` restarts from the
//! baseline.
//!
//! Evaluation cost: the CES term factors, `(phat_i That_ij)^(1−sigma_j) = phat_i^(a_j) ·
//! That_ij^(a_j)`, and the tariff part is fixed during a solve, so an evaluation is one `exp` per
//! exporter and group of importers with equal sigma (one group when elasticities vary by sector
//! only), a log and an exp per importer, a log per exporter and two N² multiply–add sweeps — not
//! one `exp` per cell. With one group the price factor also leaves the demand sweep
//! (`ln demand_i = ln S_i + (a − 1) x_i`). Only the rows of importers whose tariffs change differ
//! from the baseline shares; the others are read from the per-baseline cache.
//! Shares and quantities per cell are formed only when the Jacobian or the results need them.
//!
//! Warm sequences (opt-in, [`crate::Workspace::start_warm_sequence`]; the Monte Carlo uses one
//! per draw): each sector starts from its solution in the previous solve of the sequence with that
//! solve's Jacobian (applied through an explicit inverse for up to 64 active exporters), so a
//! phase after a small tariff step costs a few chord steps and no Jacobian. With one sigma group
//! the first evaluation of such a phase is incremental: at the previous solution only the
//! importers whose tariff rows changed are recomputed. Results agree with a cold solve to the
//! tolerance, not bit for bit; without a sequence every solve depends only on its own inputs.
//! Baseline shares are computed once per baseline ([`Baseline::uid`]) and sector.
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

use super::diffs::{Changed, TariffDiffs};
use crate::baseline::Baseline;
use crate::elasticity::Elasticities;
use crate::equilibrium::{Equilibrium, TotalsState};
use crate::error::{Result, SolveError, StopReason};
use crate::ids::SectorId;
use crate::linalg::{
    dot, exp, invert_in_place, ln, lu_factor, lu_solve, matmul_into, matvec_t_into, padded,
    transpose_padded,
};
use crate::tariff::Tariffs;
/// The model's name.
pub const NAME: &str = "armington-imports";

use crate::tolerance::{
    MAX_FIXED_POINT_ITERATIONS, MAX_NEWTON_ITERATIONS, PRICE_LOG_BOUND, SIGMA_ONE_TOL, SOLVE_TOL,
};

/// A chord step must reduce `‖F‖∞` by at least this factor for the Jacobian's inverse to be
/// kept for the next step. Measured over the Monte Carlo of `us_china_2025.toml` (warm
/// sequences, world2024), callgrind instructions for 50 draws with Anderson-accelerated chord
/// steps (`SectorWorkspace::anderson`): 806 M at 0.03, 789 M at 0.1, 788 M at 0.3 (before the
/// acceleration, plain chord steps: minimum at 0.03, 0.1 and 0.3 4% dearer).
pub const CHORD_CONTRACTION: f64 = 0.1;

/// In warm sequences, up to this many active exporters the chord steps apply an explicit
/// inverse of the Jacobian (`m³` flops once, then `m` independent dot products per step);
/// otherwise the LU factors. Measured (world2024, `m` = 18): the Monte Carlo of
/// `us_china_2025.toml`, where one Jacobian serves ~20 steps across phases, runs 10% faster
/// with the inverse (1.51 vs 1.68 s per 1000 draws, best of 4); a single cold solve, ~4 steps
/// per Jacobian, 8% slower (186 vs 172 µs) — hence only in warm sequences. Large `m` keeps the
/// factors (the extra `m³` outweighs the steps it speeds up).
const INVERSE_MAX_ACTIVE: usize = 64;

/// Size of a sector's slot in [`WarmStarts::inverse`]: room for an `m × m` inverse in the padded
/// transposed layout ([`transpose_padded`]) for any `m ≤ N`.
fn inverse_slot(n: usize) -> usize {
    n * padded(n)
}

/// `row_slot` value of an importer whose rows are the baseline's.
const NO_SLOT: usize = usize::MAX;

/// Work done by the Armington solver, summed over the solves of a workspace (for the
/// achieved-vs-limit benchmark and for tests of the iteration).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SolveCounts {
    /// System evaluations (one `exp` per exporter and sigma group, N² flops each).
    pub evaluations: u64,
    /// Jacobians built and factorised (`2 m² n + 2 m³ / 3` flops each).
    pub jacobians: u64,
    /// Of the evaluations, those done incrementally at the start of a warm solve (only the
    /// importers whose tariff rows changed are recomputed: O(N) per such importer).
    pub incremental: u64,
    /// Sector-solves (counted by the two-level `armington`).
    pub solves: u64,
}

mod cache;
mod iteration;
mod kernels;
mod results;
mod workspace;

use cache::*;
use kernels::*;
pub(crate) use results::finish_welfare;
use results::*;
pub use workspace::SectorWorkspace;

/// Solves every sector touched by the tariff change and writes the outcome into `out`
/// (which the caller has reset to the baseline, except for the flows: every sector's flows are
/// written here, the baseline's for sectors the change does not touch).
pub(crate) fn solve_into(
    baseline: &Baseline,
    elasticities: &Elasticities,
    tariffs: &Tariffs,
    ws: &mut SectorWorkspace,
    out: &mut Equilibrium,
) -> Result<()> {
    let n = baseline.n_regions();
    out.totals.start(n, baseline.n_sectors());
    for s in 0..baseline.n_sectors() {
        let sigma = elasticities.sector_sigma(s);
        let eta = elasticities.sector_eta(s);
        let eps = elasticities.sector_eps(s);
        if !ws.setup(baseline, tariffs, eps, s) {
            let block = s * n * n..(s + 1) * n * n;
            out.flows[block.clone()].copy_from_slice(&baseline.flows()[block]);
            out.totals.state[s] = TotalsState::Unchanged;
            continue;
        }
        let iterations = ws.solve(
            sigma,
            eta,
            eps,
            baseline.sectors().code(SectorId::from_index(s)),
        )?;
        out.iterations[s] = u32::try_from(iterations).unwrap_or(u32::MAX);
        let residual = write_sector(baseline, tariffs, eps, eta, s, n, ws, out);
        out.totals.state[s] = TotalsState::Computed;
        out.residual = out.residual.max(residual);
        // NaN fails this test too: `write_sector` folds every value it writes into the residual.
        if !(residual <= crate::tolerance::CLEARING_TOL) {
            return Err(SolveError {
                model: NAME,
                sector: Some(baseline.sectors().code(SectorId::from_index(s)).to_string()),
                iterations,
                residual,
                reason: StopReason::Diverged,
            }
            .into());
        }
    }
    finish_welfare(out);
    // Every value written per sector was checked in `write_sector`; welfare sums them.
    if !out.welfare.iter().all(|w| w.is_finite()) {
        return Err(super::diverged(out, NAME));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::{r, uniform, world};

    /// The incremental first evaluation of a warm solve gives the state of a full evaluation at
    /// the same point, through phases where importers gain and lose a tariff row (A raises on
    /// B; then B retaliates; then A's duty goes and B's stays).
    #[test]
    fn incremental_first_evaluation_matches_a_full_one() {
        let b = world(5, 2);
        let n = 5;
        let el = uniform(n, 2, 4.0, -1.5, 10.0);
        let mut phases = Vec::new();
        let mut t = b.baseline_tariffs();
        for s in b.sectors().ids() {
            t.set(r(1), r(0), s, 0.4).unwrap();
        }
        phases.push(t.clone());
        for s in b.sectors().ids() {
            t.set(r(1), r(0), s, 1.2).unwrap();
            t.set(r(0), r(1), s, 0.6).unwrap();
        }
        phases.push(t.clone());
        for s in b.sectors().ids() {
            t.set(r(1), r(0), s, b.tariff(r(1), r(0), s)).unwrap();
            t.set(r(2), r(1), s, 0.3).unwrap();
        }
        phases.push(t);
        // Residuals, price-index sums, demand scales, ln Phat, demand sums, ln demand.
        let state = |ws: &SectorWorkspace| {
            [
                ws.f[..ws.active.len()].to_vec(),
                ws.sum[..n].to_vec(),
                ws.scale[..n].to_vec(),
                ws.lnp[..n].to_vec(),
                ws.sales_sum[..n].to_vec(),
                ws.ln_demand[..n].to_vec(),
            ]
        };
        let mut ws = SectorWorkspace::default();
        ws.start_warm_sequence();
        let mut checked = 0;
        for t in &phases {
            for s in 0..2 {
                let (sigma, eta, eps) = (el.sector_sigma(s), el.sector_eta(s), el.sector_eps(s));
                assert!(ws.setup(&b, t, eps, s));
                ws.prepare(sigma, eta);
                let uid = ws.loaded.0;
                if ws.warm.slot_matches(s, uid, sigma, eta, eps) {
                    ws.x[..n].copy_from_slice(&ws.warm.x[s * n..(s + 1) * n]);
                    let incremental = ws.evaluate_incremental(eps, s).unwrap();
                    let got = state(&ws);
                    let full = ws.evaluate(el.sector_eta(s), eps).unwrap();
                    let want = state(&ws);
                    // Same quantities summed in another order: agreement to rounding. The
                    // residuals are differences of O(1) logs: absolute 1e-14.
                    for (g, w) in got.iter().zip(&want) {
                        for (a, b) in g.iter().zip(w) {
                            assert!((a - b).abs() <= 1e-14 * b.abs().max(1.0), "{a} vs {b}");
                        }
                    }
                    assert!((incremental - full).abs() <= 1e-14 * full.max(1e-20));
                    // The tariff change moved the residual away from zero.
                    assert!(full > 1e-8);
                    checked += 1;
                }
                ws.solve(sigma, eta, eps, "X").unwrap();
            }
        }
        assert_eq!(checked, 4, "phases 2 and 3, both sectors");
        assert_eq!(ws.counts.incremental, 4);
    }

    /// The fixed-point fallback (its damped steps in `model::solver::damped_step`) reaches the
    /// solution Newton finds, sector by sector, to 1e-9 in log prices (both stop at ‖F‖∞ ≤ 1e-12).
    #[test]
    fn fixed_point_fallback_reaches_the_newton_solution() {
        let b = world(5, 2);
        let n = 5;
        let el = uniform(n, 2, 4.0, -1.5, 10.0);
        let mut t = b.baseline_tariffs();
        for s in b.sectors().ids() {
            t.set(r(1), r(0), s, 0.5).unwrap();
            t.set(r(0), r(2), s, 0.2).unwrap();
        }
        for s in 0..2 {
            let (sigma, eta, eps) = (el.sector_sigma(s), el.sector_eta(s), el.sector_eps(s));
            let mut ws = SectorWorkspace::default();
            assert!(ws.setup(&b, &t, eps, s));
            ws.prepare(sigma, eta);
            ws.newton(sigma, eta, eps).unwrap();
            let newton = ws.x[..n].to_vec();
            let mut ws = SectorWorkspace::default();
            assert!(ws.setup(&b, &t, eps, s));
            ws.prepare(sigma, eta);
            let it = ws.fixed_point(sigma, eta, eps).unwrap();
            assert!(it > 1, "{it}");
            for (a, c) in newton.iter().zip(&ws.x[..n]) {
                assert!(
                    (a - c).abs() < 1e-9,
                    "sector {s}: {newton:?} vs {:?}",
                    &ws.x[..n]
                );
            }
        }
    }
}
