//! `gegravity-compat`: USITC `gegravity` 0.3 `OneSectorGE`, reproduced convention for convention.
//!
//! Use this model to compare tariffsim with gegravity number for number. For the textbook
//! endowment general equilibrium with tariff revenue and sectors, use
//! [`gravity-ge`](super::gravity_ge).
//!
//! # Model (as gegravity codes it; spec: `shared/data/gegravity_expected/SPEC.md` §2)
//! Countries `i` (exporter) and `j` (importer), output `Y_i`, expenditure `E_j`, trade-cost power
//! `T_ij = t_ij^(1−σ) = exp(Σ_k β_k x_ijk)` from cost variables `x` and coefficients `β`.
//!
//! - Shares are normalised by **separate** world totals: `y_i = Y_i / Σ Y`, `e_j = E_j / Σ E`.
//! - Unknowns are `a_j = P_j^(σ−1)` and `b_i = Π_i^(σ−1)` (gegravity's `imr_ratio`, `omr_ratio`):
//!   `1 = a_j Σ_i T_ij y_i b_i` (inward, every `j`) and `1 = b_i Σ_j T_ij e_j a_j` (outward, every
//!   `i`). The reference importer's inward resistance is the numeraire, `a_ref = 1`, and its
//!   inward equation is dropped (it is implied by the others since `Σ y = Σ e = 1`).
//! - Counterfactual: the same system with the counterfactual costs `T'` and the **baseline**
//!   shares `y`, `e` (gegravity's "full GE" is block-triangular: its resistances are the
//!   conditional ones). The factory-gate price is `p_i = (b'_i / b_i)^(1/(1−σ)) = Π_i / Π'_i`.
//! - Post-processing: `Y' = p Y`, `E' = p E`, `P = a^(1/(σ−1))`, `Π = b^(1/(σ−1))`,
//!   modelled trade `X_ij = T_ij E_j (Y_i / Y_W) a_j b_i` and
//!   `X'_ij = T'_ij E'_j (Y'_i / Y'_W) a'_j b'_i` with `Y'_W = Σ p Y`, terms of trade and real
//!   GDP change `100 (p P / P' − 1)`, welfare statistic `(E/P) / (E'/P')` (baseline over
//!   counterfactual: below 1 is a gain).
//!
//! Held fixed: endowments (quantities), the expenditure/output ratio `E/Y`, the shares inside the
//! resistance system, and the numeraire `P_ref = 1`. World nominal output is **not** normalised.
//! There is no tariff revenue and one sector.
//!
//! # Solver
//! gegravity calls MINPACK `hybr` (forward-difference Jacobian, `xtol = 1e-8`). Here the
//! resistance system is solved exactly by its alternating fixed point (Sinkhorn–Knopp matrix
//! scaling: `b ← 1 / (T (e∘a))`, `a ← 1 / (Tᵀ (y∘b))`), which converges globally for a
//! non-negative `T` with a positive entry in every row and column, with `a_ref = 1` after every
//! sweep. The sweep is Anderson-accelerated (depth 6: the next `a` is the combination of the last
//! sweeps' images that best cancels their residuals; a step that leaves `a > 0` violated or worsens the
//! residual 10× falls back to the plain sweep), which cuts the sweeps on gegravity's sample from
//! ~85 to ~25 per solve. Systems of up to 64 countries finish with Newton steps on the inward
//! equations (with `b(a)` eliminated, analytic `N × N` Jacobian) once the residual is below
//! 1e-3 (chord steps reuse the factorisation while each cuts the residual 10×): a few steps
//! instead of dozens of sweeps when the sweeps contract slowly (strong home bias, high sigma). It stops when every one of the `2N` equations holds to
//! [`SOLVE_TOL`] (relative: each residual is `1 − a·Σ…`), far
//! tighter than gegravity's own ~1e-8, which is why comparisons use gegravity's accuracy as the
//! tolerance. The counterfactual starts from the baseline solution.
//!
//! # On a [`Baseline`] (the `gegravity-compat` entry of [`crate::Model`])
//! Each sector is its own `OneSectorGE` with that sector's `sigma` (uniform across importers).
//! Costs are calibrated so the model reproduces the observed flows exactly:
//! `T_ij = x_ij W / (Y_i E_j)` with `Y_i = Σ_j x_ij`, `E_j = Σ_i x_ij` (diagonal included),
//! `W = Σ Y = Σ E`, which gives `a = b = 1` at the baseline. A tariff change enters as an
//! iceberg cost, `T'_ij = T_ij (T1_ij / T0_ij)^(1−σ)`, with no revenue (as in gegravity). The
//! reference importer is the region with the largest total expenditure (over all sectors) that
//! buys in the sector. Rows and columns with no trade are left out of the sector's system
//! (`p = 1`). The [`Equilibrium`] gets `phat = p`, `price_index = P'/P`, flows `X'` (which equal
//! the observed flows at the baseline), producer surplus `Y (p − 1)` (the change in nominal
//! output), welfare = the equivalent variation `E_j (p_j P_j / P'_j − 1)` in USD (real
//! expenditure change at baseline prices), consumer surplus = welfare − producer surplus (the
//! cost-of-living part), tariff revenue 0.
//!
//! # References
//! - Herman, P. R. (2021), *gegravity: General Equilibrium Gravity Modeling in Python*, USITC
//!   Economics Working Paper 2021-04-B; package `gegravity` 0.3 (PyPI), `OneSectorGE.py`.
//! - Larch, M. and Y. V. Yotov (2016), "General Equilibrium Trade Policy Analysis with
//!   Structural Gravity", WTO Staff Working Paper ERSD-2016-08 (eq. 30: `E/Y` held fixed).
//! - Anderson, J. E. and E. van Wincoop (2003), "Gravity with Gravitas", *AER* 93(1).
//! - Sinkhorn, R. and P. Knopp (1967), "Concerning nonnegative matrices and doubly stochastic
//!   matrices", *Pacific J. Math.* 21(2).
//! - Walker, H. F. and P. Ni (2011), "Anderson Acceleration for Fixed-Point Iterations",
//!   *SIAM J. Numer. Anal.* 49(4).

use crate::baseline::Baseline;
use crate::elasticity::Elasticities;
use crate::equilibrium::Equilibrium;
use crate::error::{CoreError, Result, SolveError, StopReason};
use crate::ids::{RegionId, SectorId};
use crate::linalg::{dot, lu_factor, lu_solve};
use crate::tariff::Tariffs;
use crate::tolerance::{SIGMA_ONE_TOL, SOLVE_TOL};

/// The model name used in errors and in [`Equilibrium::model`].
pub const NAME: &str = "gegravity-compat";

/// Depth of the Anderson acceleration of the fixed point (columns of history).
const ANDERSON_DEPTH: usize = 6;

/// Systems up to this many countries finish with Newton steps (an `N × N` factorisation each)
/// once the residual is below [`NEWTON_SWITCH`]; larger ones stay with the accelerated sweeps.
const NEWTON_MAX_COUNTRIES: usize = 64;

/// Residual below which Newton steps take over (inside their region of quadratic convergence).
const NEWTON_SWITCH: f64 = 1e-3;

/// Iteration budget of one resistance solve (each iteration is two `N × N` matrix–vector
/// products; the sample needs ~100).
pub const MAX_ITERATIONS: usize = 100_000;

mod case;
mod resistance;
mod results;
#[cfg(test)]
mod tests;

pub use case::{CostSpec, GegravityCase};
pub use resistance::MrWorkspace;
pub use results::GegravityResults;

fn check_sigma(sigma: f64, what: &str) -> Result<()> {
    if !(sigma.is_finite() && sigma > 0.0 && (sigma - 1.0).abs() > SIGMA_ONE_TOL) {
        return Err(CoreError::InvalidValue {
            what: "sigma",
            value: sigma,
            location: what.to_string(),
            expected: "a finite sigma > 0 and != 1 (gegravity's resistances are a^(1/(sigma-1)))",
        });
    }
    Ok(())
}

/// Scratch for the [`crate::Model::GegravityCompat`] path, reused across solves.
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    mr: MrWorkspace,
    t0: Vec<f64>,
    t1: Vec<f64>,
    y: Vec<f64>,
    e: Vec<f64>,
    output: Vec<f64>,
    expenditure: Vec<f64>,
    b0: Vec<f64>,
}

/// Index of the region with the largest total expenditure (all sectors, diagonal included).
fn default_reference(baseline: &Baseline) -> usize {
    let n = baseline.n_regions();
    let mut spend = vec![0.0; n];
    for s in 0..baseline.n_sectors() {
        let f = baseline.sector_flows(s);
        for i in 0..n {
            for j in 0..n {
                spend[j] += f[i * n + j];
            }
        }
    }
    let mut best = 0;
    for j in 1..n {
        if spend[j] > spend[best] {
            best = j;
        }
    }
    best
}

/// The sector's sigma, which must be the same for every importer.
pub(crate) fn uniform_sigma(
    baseline: &Baseline,
    elasticities: &Elasticities,
    s: usize,
    model: &str,
) -> Result<f64> {
    let row = elasticities.sector_sigma(s);
    let first = row.first().copied().unwrap_or(1.0);
    if let Some((j, &x)) = row
        .iter()
        .enumerate()
        .find(|(_, x)| (**x - first).abs() > 1e-12 * first.abs())
    {
        return Err(CoreError::Incompatible(format!(
            "`{model}` takes one sigma per sector, but sector {} has sigma {first} for importer {} \
             and {x} for importer {}",
            baseline.sectors().code(SectorId::from_index(s)),
            baseline.regions().code(RegionId::from_index(0)),
            baseline.regions().code(RegionId::from_index(j))
        )));
    }
    Ok(first)
}

/// Checks that the baseline has domestic flows and positive output for every region.
pub(crate) fn require_domestic(baseline: &Baseline, model: &str) -> Result<()> {
    if !baseline.has_domestic() {
        return Err(CoreError::Incompatible(format!(
            "`{model}` needs domestic (intranational) flows on the diagonal, but baseline `{}` \
             has none; use a baseline with domestic sales or the `armington` model",
            baseline.provenance().name
        )));
    }
    for r in baseline.regions().ids() {
        let output: f64 = baseline
            .sectors()
            .ids()
            .map(|s| {
                baseline
                    .regions()
                    .ids()
                    .map(|j| baseline.flow(r, j, s))
                    .sum::<f64>()
            })
            .sum();
        if !(output > 0.0) {
            return Err(CoreError::InvalidValue {
                what: "output",
                value: output,
                location: format!("region {}", baseline.regions().code(r)),
                expected: "total sales (domestic plus exports) > 0 in a general-equilibrium model",
            });
        }
    }
    Ok(())
}

/// The `gegravity-compat` model on a baseline with domestic flows: one `OneSectorGE` per sector
/// with costs calibrated to the observed flows (see the module docs).
pub(crate) fn solve_into(
    baseline: &Baseline,
    elasticities: &Elasticities,
    tariffs: &Tariffs,
    ws: &mut Workspace,
    out: &mut Equilibrium,
) -> Result<()> {
    require_domestic(baseline, NAME)?;
    let n = baseline.n_regions();
    let global_ref = default_reference(baseline);
    for v in [&mut ws.t0, &mut ws.t1] {
        v.clear();
        v.resize(n * n, 0.0);
    }
    for v in [
        &mut ws.y,
        &mut ws.e,
        &mut ws.output,
        &mut ws.expenditure,
        &mut ws.b0,
    ] {
        v.clear();
        v.resize(n, 0.0);
    }
    for s in 0..baseline.n_sectors() {
        let sigma = uniform_sigma(baseline, elasticities, s, NAME)?;
        let flows = baseline.sector_flows(s);
        let tar0 = baseline.sector_tariffs(s);
        let tar1 = tariffs.sector_rates(s);
        let touched = (0..n * n).any(|k| flows[k] > 0.0 && tar1[k] - tar0[k] != 0.0);
        if !touched {
            continue;
        }
        check_sigma(
            sigma,
            &format!(
                "sector {}",
                baseline.sectors().code(SectorId::from_index(s))
            ),
        )?;
        ws.output.fill(0.0);
        ws.expenditure.fill(0.0);
        for i in 0..n {
            for j in 0..n {
                ws.output[i] += flows[i * n + j];
                ws.expenditure[j] += flows[i * n + j];
            }
        }
        let world: f64 = ws.output.iter().sum();
        let reference = if ws.expenditure[global_ref] > 0.0 {
            global_ref
        } else {
            (0..n)
                .max_by(|&x, &y| ws.expenditure[x].total_cmp(&ws.expenditure[y]))
                .unwrap_or(0)
        };
        for r in 0..n {
            ws.y[r] = ws.output[r] / world;
            ws.e[r] = ws.expenditure[r] / world;
        }
        let a = 1.0 - sigma;
        for i in 0..n {
            for j in 0..n {
                let k = i * n + j;
                let x = flows[k];
                if x > 0.0 {
                    let t = x * world / (ws.output[i] * ws.expenditure[j]);
                    ws.t0[k] = t;
                    ws.t1[k] = t * ((1.0 + tar1[k]) / (1.0 + tar0[k])).powf(a);
                } else {
                    ws.t0[k] = 0.0;
                    ws.t1[k] = 0.0;
                }
            }
        }
        let sector = baseline.sectors().code(SectorId::from_index(s));
        let tag = |mut e: SolveError| {
            e.sector = Some(sector.to_string());
            e
        };
        ws.mr.resize(n);
        let (it0, r0) = ws
            .mr
            .solve(&ws.t0, &ws.y, &ws.e, reference, MAX_ITERATIONS)
            .map_err(tag)?;
        ws.b0.copy_from_slice(&ws.mr.b);
        let a0_ref: Vec<f64> = ws.mr.a.clone();
        let (it1, r1) = ws
            .mr
            .solve(&ws.t1, &ws.y, &ws.e, reference, MAX_ITERATIONS)
            .map_err(tag)?;
        out.iterations[s] = u32::try_from(it0 + it1).unwrap_or(u32::MAX);
        out.residual = out.residual.max(r0).max(r1);
        // Prices and flows.
        let base = s * n;
        let mut y1_world = 0.0;
        for i in 0..n {
            let p = if ws.output[i] > 0.0 {
                (ws.mr.b[i] / ws.b0[i]).powf(1.0 / a)
            } else {
                1.0
            };
            out.phat[base + i] = p;
            y1_world += p * ws.output[i];
        }
        for j in 0..n {
            out.price_index[base + j] = if ws.expenditure[j] > 0.0 {
                (ws.mr.a[j] / a0_ref[j]).powf(-1.0 / a)
            } else {
                1.0
            };
        }
        for i in 0..n {
            for j in 0..n {
                let k = i * n + j;
                if ws.t1[k] > 0.0 {
                    let e1 = out.phat[base + j] * ws.expenditure[j];
                    let y1 = out.phat[base + i] * ws.output[i];
                    out.flows[s * n * n + k] =
                        ws.t1[k] * e1 * (y1 / y1_world) * ws.mr.a[j] * ws.mr.b[i];
                }
            }
        }
        for r in 0..n {
            let p = out.phat[base + r];
            let ps = ws.output[r] * (p - 1.0);
            let ev = ws.expenditure[r] * (p / out.price_index[base + r] - 1.0);
            out.producer_surplus[base + r] = ps;
            out.consumer_surplus[base + r] = ev - ps;
        }
    }
    for r in 0..n {
        out.welfare[r] = (0..baseline.n_sectors())
            .map(|s| out.producer_surplus[s * n + r] + out.consumer_surplus[s * n + r])
            .sum();
    }
    super::check_finite(out, NAME)
}
