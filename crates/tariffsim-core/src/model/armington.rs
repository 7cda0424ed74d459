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

/// Largest per-workspace cache of baseline shares (all sectors); above it only the current
/// sector is kept and refilled at every load. A sector takes about `(3 N² + 3 N) × 8` bytes
/// (`theta`, its padded transpose, the padded `w`, the totals): `world2024` 0.15 MB, a synthetic
/// 100 × 50 baseline 12 MB (cached: refilling it at every load cost ~10% of a solve), 200 × 100
/// 96 MB (not cached).
const BASE_CACHE_BYTES: usize = 16 << 20;

/// What a sector's solve needs from the baseline alone — import shares at internal prices
/// `theta` (importer-major) and, for the one-group evaluation's sweeps, transposed
/// (exporter-major), sales shares `w` (importer-major), exports `X_i` and imports `E_j` —
/// computed once per baseline ([`Baseline::uid`]) and sector. The transposed shares and `w` have
/// their rows padded with zeros to a multiple of [`crate::simd::lanes`] (4, or 8 when the AVX-512
/// copy runs), so the sweeps run on whole vectors.
/// Monte Carlo loads every sector once per phase and draw; this is the part that never changes.
#[derive(Debug, Default, Clone)]
pub(crate) struct BaseCache {
    uid: u64,
    n: usize,
    /// Slots: one per sector, or one in all when the baseline is too large to cache.
    slots: usize,
    /// Sector held by each slot (`usize::MAX`: none).
    sector_of_slot: Vec<usize>,
    /// Slot of the loaded sector.
    slot: usize,
    /// Row length of the padded arrays: `N` rounded up to a multiple of [`crate::simd::lanes`]
    /// when the cache was sized (every reader takes it from here, so a change of instruction
    /// set within a process re-sizes the cache instead of mixing strides).
    np: usize,
    theta_all: Vec<f64>,
    /// `w`, importer-major, rows padded with zeros to `np`.
    w_all: Vec<f64>,
    exports_all: Vec<f64>,
    imports_all: Vec<f64>,
    /// `theta` transposed (exporter-major), rows padded with zeros to `np`.
    theta_t_all: Vec<f64>,
    /// Start of the price-index sums: 1 for importers without imports and for the padding
    /// (their sums are 1 by definition), 0 for the others.
    sum_init_all: Vec<f64>,
}

impl BaseCache {
    /// Makes sector `s` of `baseline` present; returns its slot.
    fn load(&mut self, baseline: &Baseline, s: usize) -> usize {
        let n = baseline.n_regions();
        let n_sectors = baseline.n_sectors();
        let np = n.next_multiple_of(crate::simd::lanes());
        if self.uid != baseline.uid()
            || self.n != n
            || self.np != np
            || self.sector_of_slot.is_empty()
        {
            let per_sector = n * n + 2 * n * np + 2 * n + np;
            let all_bytes = n_sectors * per_sector * std::mem::size_of::<f64>();
            self.slots = if all_bytes <= BASE_CACHE_BYTES {
                n_sectors.max(1)
            } else {
                1
            };
            self.uid = baseline.uid();
            self.n = n;
            self.np = np;
            self.sector_of_slot.clear();
            self.sector_of_slot.resize(self.slots, usize::MAX);
            self.theta_all.clear();
            self.theta_all.resize(self.slots * n * n, 0.0);
            for v in [&mut self.exports_all, &mut self.imports_all] {
                v.clear();
                v.resize(self.slots * n, 0.0);
            }
            for v in [&mut self.theta_t_all, &mut self.w_all] {
                v.clear();
                v.resize(self.slots * n * np, 0.0);
            }
            self.sum_init_all.clear();
            self.sum_init_all.resize(self.slots * np, 1.0);
        }
        let slot = if self.slots == 1 { 0 } else { s };
        if self.sector_of_slot[slot] != s {
            self.fill(baseline, s, slot);
            self.sector_of_slot[slot] = s;
        }
        self.slot = slot;
        slot
    }

    /// Import shares at internal prices of the loaded sector (importer-major).
    pub(crate) fn theta(&self) -> &[f64] {
        let nn = self.n * self.n;
        &self.theta_all[self.slot * nn..(self.slot + 1) * nn]
    }

    /// Row length of the padded arrays ([`Self::w`], the transposed shares).
    pub(crate) fn stride(&self) -> usize {
        self.np
    }

    /// Sales shares of the loaded sector (importer-major, rows padded to [`Self::stride`]:
    /// cell `(i, j)` at `j N' + i`).
    pub(crate) fn w(&self) -> &[f64] {
        let size = self.n * self.np;
        &self.w_all[self.slot * size..(self.slot + 1) * size]
    }

    /// `theta` of the loaded sector transposed (exporter-major), rows padded to [`Self::stride`].
    fn theta_t(&self) -> &[f64] {
        let size = self.n * self.np;
        &self.theta_t_all[self.slot * size..(self.slot + 1) * size]
    }

    /// Start of the price-index sums of the loaded sector (see the field).
    fn sum_init(&self) -> &[f64] {
        let np = self.np;
        &self.sum_init_all[self.slot * np..(self.slot + 1) * np]
    }

    /// Baseline exports `X_i` of the loaded sector.
    pub(crate) fn exports(&self) -> &[f64] {
        &self.exports_all[self.slot * self.n..(self.slot + 1) * self.n]
    }

    /// Baseline imports at internal prices `E_j` of the loaded sector.
    pub(crate) fn imports(&self) -> &[f64] {
        &self.imports_all[self.slot * self.n..(self.slot + 1) * self.n]
    }

    fn fill(&mut self, baseline: &Baseline, s: usize, slot: usize) {
        let n = self.n;
        let flows = &baseline.sector_flows(s)[..n * n];
        let t0 = &baseline.sector_tariffs(s)[..n * n];
        let exports = &mut self.exports_all[slot * n..(slot + 1) * n];
        let imports = &mut self.imports_all[slot * n..(slot + 1) * n];
        for i in 0..n {
            let row = &flows[i * n..(i + 1) * n];
            exports[i] = (0..n).filter(|&j| j != i).map(|j| row[j]).sum();
        }
        for j in 0..n {
            imports[j] = (0..n)
                .filter(|&i| i != j)
                .map(|i| flows[i * n + j] * (1.0 + t0[i * n + j]))
                .sum();
        }
        let np = self.np;
        let size = n * np;
        let theta = &mut self.theta_all[slot * n * n..(slot + 1) * n * n];
        let w = &mut self.w_all[slot * size..(slot + 1) * size];
        for j in 0..n {
            let inv_e = if imports[j] > 0.0 {
                1.0 / imports[j]
            } else {
                0.0
            };
            for i in 0..n {
                let k = i * n + j;
                let c = j * n + i;
                let x = flows[k];
                if i == j || x <= 0.0 {
                    theta[c] = 0.0;
                    w[j * np + i] = 0.0;
                } else {
                    theta[c] = x * (1.0 + t0[k]) * inv_e;
                    w[j * np + i] = x / exports[i];
                }
            }
        }
        let theta = &self.theta_all[slot * n * n..(slot + 1) * n * n];
        let theta_t = &mut self.theta_t_all[slot * size..(slot + 1) * size];
        for r in 0..n {
            for c in 0..n {
                theta_t[r * np + c] = theta[c * n + r];
            }
        }
        let sum_init = &mut self.sum_init_all[slot * np..(slot + 1) * np];
        for (j, v) in sum_init.iter_mut().enumerate() {
            *v = if j < n && imports[j] > 0.0 { 0.0 } else { 1.0 };
        }
    }
}

/// Solutions kept per sector for warm starts across a sequence of solves (opt-in:
/// [`crate::Workspace::start_warm_sequence`]).
///
/// A sequence is, for example, the phases of one Monte Carlo draw: same baseline and
/// elasticities, tariffs that change step by step. Each sector then starts from the previous
/// solve's solution with its Jacobian's inverse (first step a chord step, refreshed if it does not
/// contract) instead of from the baseline with a new Jacobian. The key is the baseline uid and
/// the sector's elasticities (bitwise); anything else starts cold. Results agree with a cold
/// start to the solver tolerance, not bit for bit, which is why it is opt-in and reset per
/// sequence.
#[derive(Debug, Default, Clone)]
struct WarmStarts {
    enabled: bool,
    uid: u64,
    n: usize,
    /// Per sector: a stored solution is present.
    valid: Vec<bool>,
    /// Per sector: `ln phat` (`[s * N + i]`).
    x: Vec<f64>,
    /// Per sector ([`inverse_slot`]): inverse of the last Jacobian, transposed with padded rows
    /// ([`transpose_padded`]), or its LU factors
    /// (`m × m`) with `piv` when `m > INVERSE_MAX_ACTIVE`.
    inverse: Vec<f64>,
    piv: Vec<usize>,
    /// Per sector: sigma, eta, eps the solution was computed with (`[s * 3N ..]`).
    key: Vec<f64>,
    /// Per sector, with one sigma group: the last evaluation at the stored solution, for the
    /// next phase's first evaluation ([`SectorWorkspace::evaluate_incremental`]): `phat^a`, the
    /// price-index sums, `ln Phat`, the demand scales (`[s * N + j]`), the demand sums without
    /// the terms of the importers that had a row slot (`[s * N + i]`), and which importers had
    /// one. Stored with every valid slot solved with one sigma group; a slot matches only the
    /// same sigma, so a match with one group always has them.
    pow: Vec<f64>,
    sum: Vec<f64>,
    lnp: Vec<f64>,
    scale: Vec<f64>,
    sales_rest: Vec<f64>,
    slotted: Vec<bool>,
}

impl WarmStarts {
    fn reset(&mut self, enabled: bool) {
        self.enabled = enabled;
        self.valid.fill(false);
    }

    /// Sizes the store for every sector of the baseline `uid` at once (forgetting what it held
    /// when the baseline changes): growing it sector by sector would forget the solutions
    /// already kept (and make the first sequence in a workspace behave differently from the
    /// next ones).
    fn ensure(&mut self, uid: u64, n: usize, sectors: usize) {
        if self.uid == uid && self.n == n && self.valid.len() == sectors {
            return;
        }
        self.uid = uid;
        self.n = n;
        self.valid.clear();
        self.valid.resize(sectors, false);
        for v in [
            &mut self.pow,
            &mut self.sum,
            &mut self.lnp,
            &mut self.scale,
            &mut self.sales_rest,
        ] {
            v.resize(sectors * n, 0.0);
        }
        self.slotted.resize(sectors * n, false);
        self.x.resize(sectors * n, 0.0);
        self.inverse.resize(sectors * inverse_slot(n), 0.0);
        self.piv.resize(sectors * n, 0);
        self.key.resize(sectors * 3 * n, 0.0);
    }

    /// Forgets sector `s`'s stored solution.
    fn forget(&mut self, s: usize) {
        if let Some(v) = self.valid.get_mut(s) {
            *v = false;
        }
    }

    fn slot_matches(&self, s: usize, uid: u64, sigma: &[f64], eta: &[f64], eps: &[f64]) -> bool {
        let n = self.n;
        if !self.enabled || self.uid != uid || s >= self.valid.len() || !self.valid[s] {
            return false;
        }
        let key = &self.key[s * 3 * n..(s + 1) * 3 * n];
        let same = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
        same(&key[..n], &sigma[..n])
            && same(&key[n..2 * n], &eta[..n])
            && same(&key[2 * n..], &eps[..n])
    }
}

/// Scratch for one sector's solve; per-cell arrays are importer-major (`j * N + i`).
#[derive(Debug, Default, Clone)]
pub struct SectorWorkspace {
    n: usize,
    /// Solutions of the previous solves in a warm sequence.
    warm: WarmStarts,
    /// Baseline uid, sector and number of sectors of the loaded sector.
    loaded: (u64, usize, usize),
    /// `jac` holds the factors of a Jacobian of the current sector.
    factored: bool,
    /// Baseline-derived per-sector data, reused across loads.
    pub(crate) base: BaseCache,
    /// Changed tariff cells per (baseline, tariffs, sector), reused across loads.
    diffs: TariffDiffs,
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
    row_slot: Vec<usize>,
    /// Importers holding a slot, in slot order.
    slotted: Vec<usize>,
    /// Per slot: importer `j`'s row of `theta ∘ That^(1 − sigma)`, fixed during a solve.
    theta_rows: Vec<f64>,
    /// Per slot: importer `j`'s row of `w ∘ That^(−sigma)` (padded like `w`), fixed during a
    /// solve.
    w_rows: Vec<f64>,
    /// One sigma group with `sigma != 1` (the usual case: elasticities by sector only): the
    /// evaluation takes the one-group path ([`SectorWorkspace::evaluate`]).
    one_group: bool,
    /// Exponent of the demand scale, `(eta_j + 1) / (1 − sigma_j) − 1` (one-group path).
    scale_exponent: Vec<f64>,
    /// `sum_j scale_j w_ij That_ij^(−sigma_j)`, the demand sums before the price factor
    /// (one-group path).
    sales_sum: Vec<f64>,
    /// Price-index sums per importer.
    sum: Vec<f64>,
    /// Demand scale `Phat_j^(eta_j + 1) / sum_j` per importer.
    scale: Vec<f64>,
    /// `ln Phat_j` of Cobb–Douglas importers (0 for the others).
    cd_lnp: Vec<f64>,
    /// `1 / (1 − sigma_j)` (0 for Cobb–Douglas importers and importers without imports).
    inv_a: Vec<f64>,
    /// `ln demand_i`.
    ln_demand: Vec<f64>,
    /// Tariff part of the CES terms, `That_ij^(1 - sigma_j)` (1 where the tariff is unchanged),
    /// fixed during a solve.
    tpow: Vec<f64>,
    /// Cells (importer-major) whose tariff changes.
    changed: Vec<Changed>,
    /// Importer `j`'s group of equal `1 - sigma_j` (`usize::MAX`: no imports).
    group_of: Vec<usize>,
    /// Importers with imports (those with a group), ascending.
    importers: Vec<usize>,
    /// `1 - sigma` of each group.
    group_a: Vec<f64>,
    /// Price part of the CES terms per group, `phat_i^(1 - sigma_g)`, `[g * N + i]`.
    group_pow: Vec<f64>,
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
    /// `sum_j w_ij qhat_ij`.
    pub(crate) demand: Vec<f64>,
    /// `x_i = ln phat_i` (full length; fixed exporters stay 0).
    pub(crate) x: Vec<f64>,
    x_trial: Vec<f64>,
    /// `‖F‖∞` at the last evaluation.
    res_inf: f64,
    /// Sales (new flows off the diagonal) per exporter of the sector being written.
    sales_out: Vec<f64>,
    /// The previous chord step `r_(k−1)` on the active set (Anderson history).
    aa_step: Vec<f64>,
    /// The previous iterate `x_(k−1)` on the active set (Anderson history).
    aa_x: Vec<f64>,
    /// `1 / phat_i` at the last evaluation (formed by `materialize` on the one-group path).
    inv_phat: Vec<f64>,
    /// Active exporters (compact index -> region).
    pub(crate) active: Vec<usize>,
    /// Residuals on the active set.
    pub(crate) f: Vec<f64>,
    pub(crate) jac: Vec<f64>,
    pub(crate) step: Vec<f64>,
    /// Importers recomputed by [`Self::evaluate_incremental`].
    redo: Vec<usize>,
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
    fn theta_row(&self, j: usize) -> &[f64] {
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
    fn w_row(&self, j: usize) -> &[f64] {
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
    fn evaluate_one_group(&mut self, eps: &[f64]) -> Option<f64> {
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
    fn evaluate_one_group_avx512(&mut self, eps: &[f64]) -> Option<f64> {
        self.evaluate_one_group_body(eps)
    }

    /// [`Self::evaluate_one_group`] compiled for AVX2 (see [`crate::simd`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn evaluate_one_group_avx2(&mut self, eps: &[f64]) -> Option<f64> {
        self.evaluate_one_group_body(eps)
    }

    /// The body of [`Self::evaluate_one_group`], inlined into both copies.
    #[inline(always)]
    fn evaluate_one_group_body(&mut self, eps: &[f64]) -> Option<f64> {
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
    fn finish_one_group(&mut self, sales: Vec<f64>, len: usize, eps: &[f64]) -> Option<f64> {
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
    fn residual_inf(&self) -> f64 {
        self.res_inf
    }

    /// The residuals `F_i = ln demand_i − eps_i x_i` on the active set from `ln_demand`, their
    /// max-norm (kept for [`Self::residual_inf`]; NaN entries are skipped, as `f64::max` does:
    /// an evaluation with a NaN residual is rejected by its merit) and the merit `½‖F‖²`, or
    /// `None` if that is not finite. Inlined, so the evaluation's copies for each instruction set
    /// ([`crate::simd`]) include it (called after the AVX-512 copy as a baseline function it took
    /// 6% of a draw; inlined, a draw is 1.5–2% faster, 4 interleaved rounds).
    #[inline(always)]
    fn residuals(&mut self, eps: &[f64]) -> Option<f64> {
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

    /// Newton–chord with backtracking from the baseline. Ok(steps) or the reason it stopped.
    ///
    /// The Jacobian is factorised at the start and kept while it works: a step with old factors
    /// (a chord step) is accepted only at full length and only if it decreases the merit; the
    /// Jacobian is refreshed at the current point when the last step reduced `‖F‖∞` by less than
    /// [`CHORD_CONTRACTION`] or a chord step fails. Fresh-Jacobian steps are plain Newton steps
    /// with Armijo backtracking. Near the solution a chord step costs one evaluation and a
    /// product with the inverse (or two triangular solves) instead of a Jacobian (`2 m² n`
    /// flops) and a factorisation (`2 m³ / 3`). (Broyden updates of the kept inverse were tried:
    /// 20% fewer evaluations, but their `3 m²` flops per step made the Monte Carlo no faster.)
    fn newton(
        &mut self,
        sigma: &[f64],
        eta: &[f64],
        eps: &[f64],
    ) -> std::result::Result<usize, (StopReason, usize)> {
        let m = self.active.len();
        let (uid, s, _) = self.loaded;
        let mut stale = true;
        self.factored = false;
        let use_inverse = self.use_inverse(m);
        if use_inverse {
            self.warm.ensure(uid, self.n, self.loaded.2);
        }
        let mut warm_state = false;
        if self.warm.slot_matches(s, uid, sigma, eta, eps) {
            let n = self.n;
            self.x[..n].copy_from_slice(&self.warm.x[s * n..(s + 1) * n]);
            warm_state = self.one_group;
            // With the explicit inverse the chord steps read it from the warm slot itself.
            if !use_inverse {
                let at = s * inverse_slot(n);
                let stored = &self.warm.inverse[at..at + m * m];
                self.jac[..m * m].copy_from_slice(stored);
                self.piv[..m].copy_from_slice(&self.warm.piv[s * n..s * n + m]);
            }
            stale = false;
            self.factored = true;
        }
        // At a stored solution only the importers whose tariff rows changed need work.
        let first = if warm_state {
            self.counts.incremental += 1;
            self.evaluate_incremental(eps, s)
        } else {
            self.evaluate(eta, eps)
        };
        let mut merit = first.ok_or((StopReason::Diverged, 0))?;
        self.counts.evaluations += 1;
        // Whether `aa_x` / `aa_step` hold the previous chord iterate of this solve.
        let mut history = false;
        for it in 0..MAX_NEWTON_ITERATIONS {
            let residual = self.residual_inf();
            if residual <= SOLVE_TOL {
                return Ok(it);
            }
            let fresh = stale;
            if stale {
                self.materialize();
                self.jacobian(sigma, eta, eps);
                self.counts.jacobians += 1;
                // The chord steps apply this Jacobian many times (within a solve and, in a warm
                // sequence, across phases): for small systems an explicit inverse makes each
                // application m independent dot products instead of a chain of dependent
                // substitutions (latency-bound at this size); large systems keep the factors.
                let factored = if use_inverse {
                    let ok = invert_in_place(&mut self.jac[..m * m], m, &mut self.piv);
                    let at = s * inverse_slot(self.n);
                    transpose_padded(&mut self.warm.inverse[at..], &self.jac[..m * m], m);
                    ok
                } else {
                    lu_factor(&mut self.jac[..m * m], m, &mut self.piv)
                };
                if !factored {
                    self.factored = false;
                    return Err((StopReason::SingularJacobian, it));
                }
                self.factored = true;
            }
            if use_inverse {
                let at = s * inverse_slot(self.n);
                matvec_t_into(&mut self.step, &self.warm.inverse[at..], &self.f[..m], m);
            } else {
                self.step[..m].copy_from_slice(&self.f[..m]);
                lu_solve(&self.jac[..m * m], m, &self.piv, &mut self.step[..m]);
            }
            for v in &mut self.step[..m] {
                *v = -*v;
            }
            if !self.step[..m].iter().all(|v| v.is_finite()) {
                if fresh {
                    return Err((StopReason::SingularJacobian, it));
                }
                stale = true;
                continue;
            }
            // A fresh Jacobian starts a new chord map: no history to mix with.
            self.anderson(fresh || !history);
            history = true;
            self.x_trial.copy_from_slice(&self.x);
            let mut alpha = 1.0;
            let mut accepted = false;
            for _ in 0..if fresh { 60 } else { 1 } {
                let mut in_range = true;
                for (k, &i) in self.active.iter().enumerate() {
                    let xi = self.x_trial[i] + alpha * self.step[k];
                    in_range &= xi.abs() <= PRICE_LOG_BOUND;
                    self.x[i] = xi;
                }
                if in_range {
                    self.counts.evaluations += 1;
                    if let Some(trial) = self.evaluate(eta, eps)
                        && trial <= (1.0 - 1e-4 * alpha) * merit
                    {
                        merit = trial;
                        accepted = true;
                        break;
                    }
                }
                alpha *= 0.5;
            }
            if !accepted {
                self.x.copy_from_slice(&self.x_trial);
                self.evaluate(eta, eps);
                self.counts.evaluations += 1;
                if fresh {
                    return Err((StopReason::LineSearchFailed, it + 1));
                }
                stale = true;
                continue;
            }
            stale = self.residual_inf() > CHORD_CONTRACTION * residual;
        }
        if self.residual_inf() <= SOLVE_TOL {
            Ok(MAX_NEWTON_ITERATIONS)
        } else {
            Err((StopReason::MaxIterations, MAX_NEWTON_ITERATIONS))
        }
    }

    /// Anderson acceleration of depth 1 for the chord iteration `x ← x + r(x)`, `r = −H F(x)`
    /// with the kept inverse `H` (Walker and Ni 2011, with `m = 1`): with `Δr = r_k − r_(k−1)`
    /// and `Δx = x_k − x_(k−1)`, the step becomes `r_k − γ (Δx + Δr)`, `γ = Δr·r_k / Δr·Δr` —
    /// the combination of the last two iterates whose linearised residual is smallest. The chord
    /// map converges linearly (`H` is an old Jacobian's inverse); the mix removes the error along
    /// its dominant direction. O(m) per step. Measured on the Monte Carlo of `us_china_2025.toml`
    /// (callgrind, 50 draws): 10% fewer evaluations, 3% fewer instructions in all (with
    /// [`CHORD_CONTRACTION`] 0.1, which it makes the best threshold). `self.step` holds `r_k` on
    /// entry and the mixed step on return; the iterate is recorded for the next call.
    fn anderson(&mut self, first: bool) {
        let m = self.active.len();
        let (step, prev_step) = (&mut self.step[..m], &mut self.aa_step[..m]);
        let prev_x = &mut self.aa_x[..m];
        let (mut dr_r, mut dr_dr) = (0.0, 0.0);
        for (r, p) in step.iter().zip(prev_step.iter()) {
            let dr = r - p;
            dr_r += dr * r;
            dr_dr += dr * dr;
        }
        let mix = !first && dr_dr > 0.0;
        let gamma = if mix { dr_r / dr_dr } else { 0.0 };
        for (k, &i) in self.active.iter().enumerate() {
            let (r, x) = (step[k], self.x[i]);
            let (dx, dr) = (x - prev_x[k], r - prev_step[k]);
            prev_step[k] = r;
            prev_x[k] = x;
            if mix {
                step[k] = r - gamma * (dx + dr);
            }
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
        let mut merit = self.evaluate(eta, eps).ok_or((StopReason::Diverged, 0))?;
        let mut omega = 1.0_f64;
        for it in 0..MAX_FIXED_POINT_ITERATIONS {
            if self.residual_inf() <= SOLVE_TOL {
                return Ok(it);
            }
            // Diagonal of the Jacobian.
            self.materialize();
            for (k, &i) in self.active.iter().enumerate() {
                let mut d = -eps[i];
                for j in 0..n {
                    let c = j * n + i;
                    let w = self.base.w()[j * self.base.stride() + i];
                    if w > 0.0 {
                        let v = w * self.q[c] / self.demand[i];
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
                    self.evaluate(eta, eps)
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
                            self.evaluate(eta, eps);
                            return Err((StopReason::LineSearchFailed, it + 1));
                        }
                    }
                }
            }
        }
        Err((StopReason::MaxIterations, MAX_FIXED_POINT_ITERATIONS))
    }

    /// Whether chord steps use the explicit inverse (see [`INVERSE_MAX_ACTIVE`]).
    fn use_inverse(&self, m: usize) -> bool {
        self.warm.enabled && m <= INVERSE_MAX_ACTIVE
    }

    /// Keeps the loaded sector's solution and Jacobian factors for the next solve of the
    /// sequence (when warm starts are on).
    fn remember(&mut self, sigma: &[f64], eta: &[f64], eps: &[f64]) {
        if !self.warm.enabled || !self.factored {
            return;
        }
        let (uid, s, sectors) = self.loaded;
        let n = self.n;
        let m = self.active.len();
        let use_inverse = self.use_inverse(m);
        let warm = &mut self.warm;
        warm.ensure(uid, n, sectors);
        warm.x[s * n..(s + 1) * n].copy_from_slice(&self.x[..n]);
        // The explicit inverse already lives in the slot (see `newton`); LU factors are copied.
        if !use_inverse {
            warm.piv[s * n..s * n + m].copy_from_slice(&self.piv[..m]);
            let at = s * inverse_slot(n);
            warm.inverse[at..at + m * m].copy_from_slice(&self.jac[..m * m]);
        }
        let key = &mut warm.key[s * 3 * n..(s + 1) * 3 * n];
        key[..n].copy_from_slice(&sigma[..n]);
        key[n..2 * n].copy_from_slice(&eta[..n]);
        key[2 * n..].copy_from_slice(&eps[..n]);
        warm.valid[s] = true;
        self.remember_state(s);
    }

    /// Keeps the last evaluation (at the solution just stored) for the next phase's
    /// [`Self::evaluate_incremental`]; one sigma group only.
    fn remember_state(&mut self, s: usize) {
        let n = self.n;
        let at = s * n..(s + 1) * n;
        if !self.one_group {
            return;
        }
        let warm = &mut self.warm;
        warm.pow[at.clone()].copy_from_slice(&self.group_pow[..n]);
        warm.sum[at.clone()].copy_from_slice(&self.sum[..n]);
        warm.lnp[at.clone()].copy_from_slice(&self.lnp[..n]);
        warm.scale[at.clone()].copy_from_slice(&self.scale[..n]);
        warm.sales_rest[at.clone()].copy_from_slice(&self.sales_sum[..n]);
        warm.slotted[at.clone()].fill(false);
        let rest = &mut warm.sales_rest[at.clone()];
        for &j in &self.slotted {
            warm.slotted[s * n + j] = true;
            let np = self.base.stride();
            let row = &self.w_rows[self.row_slot[j] * np..self.row_slot[j] * np + n];
            add_scaled(rest, row, -self.scale[j]);
        }
    }

    /// The first evaluation of a warm solve, at the previous phase's solution (same sector and
    /// elasticities, one sigma group), from that phase's last evaluation at the same point:
    /// `phat^a` is unchanged, and so are the price-index sum and demand scale of every importer
    /// whose tariff row is the baseline's in both phases. Only the importers with a row slot in
    /// either phase are recomputed (one dot product each), and their demand terms are swapped:
    /// `S_i = rest_i − Σ_(j new) scale_old_j w_ij + Σ_(j either) scale_j w_t_ij`, where `rest`
    /// holds the previous sums without the previous slots' terms. O(N) per such importer and
    /// one `ln` per exporter, instead of two N² sweeps and 3N transcendental calls. Same values
    /// as [`Self::evaluate`] up to the rounding of the sums' order (~1e-16 relative); the later
    /// evaluations of the solve are full ones, so the solution is checked as before.
    fn evaluate_incremental(&mut self, eps: &[f64], s: usize) -> Option<f64> {
        let n = self.n;
        let np = self.base.stride();
        let at = s * n..(s + 1) * n;
        self.group_pow[..n].copy_from_slice(&self.warm.pow[at.clone()]);
        self.sum[..n].copy_from_slice(&self.warm.sum[at.clone()]);
        self.lnp[..n].copy_from_slice(&self.warm.lnp[at.clone()]);
        self.scale[..n].copy_from_slice(&self.warm.scale[at.clone()]);
        let mut sales = std::mem::take(&mut self.sales_sum);
        sales[..n].copy_from_slice(&self.warm.sales_rest[at]);
        let was_slotted = |j: usize| self.warm.slotted[s * n + j];
        // Importers slotted now but not before: their old (baseline-row) terms are in `rest`.
        for &j in &self.slotted {
            if !was_slotted(j) {
                add_scaled(
                    &mut sales[..n],
                    &self.base.w()[j * np..j * np + n],
                    -self.scale[j],
                );
            }
        }
        // Every importer slotted in either phase: new sum, scale and demand term.
        let previously = (0..n).filter(|&j| was_slotted(j) && self.row_slot[j] == NO_SLOT);
        let mut redo = std::mem::take(&mut self.redo);
        redo.clear();
        redo.extend(self.slotted.iter().copied().chain(previously));
        for &j in &redo {
            let sum = dot(self.theta_row(j), &self.group_pow[..n]);
            let ln_sum = ln(sum);
            self.sum[j] = sum;
            self.lnp[j] = ln_sum * self.inv_a[j];
            self.scale[j] = exp(ln_sum * self.scale_exponent[j]);
            let row = adjusted_row(self.base.w(), &self.w_rows, self.row_slot[j], j, np);
            add_scaled(&mut sales[..n], row, self.scale[j]);
        }
        self.redo = redo;
        self.finish_one_group(sales, n, eps)
    }

    /// Turns warm starts on and forgets every stored solution (see [`WarmStarts`]).
    pub(crate) fn start_warm_sequence(&mut self) {
        self.warm.reset(true);
    }

    /// Solves the loaded sector: Newton, then the fixed point as fallback.
    pub(crate) fn solve(
        &mut self,
        sigma: &[f64],
        eta: &[f64],
        eps: &[f64],
        sector: &str,
    ) -> std::result::Result<usize, SolveError> {
        self.prepare(sigma, eta);
        let solved = match self.newton(sigma, eta, eps) {
            Ok(it) => {
                self.remember(sigma, eta, eps);
                Ok(it)
            }
            Err((_, newton_its)) => {
                // The slot may hold a Jacobian of this failed attempt: start the next solve of
                // the sequence cold.
                self.warm.forget(self.loaded.1);
                match self.fixed_point(sigma, eta, eps) {
                    Ok(it) => Ok(newton_its + it),
                    Err((reason, it)) => Err(SolveError {
                        model: NAME,
                        sector: Some(sector.to_string()),
                        iterations: newton_its + it,
                        residual: self.residual_inf(),
                        reason,
                    }),
                }
            }
        };
        // The results need shares and quantities per cell, except with one sigma group, where
        // the write-out forms the flows from the row and column factors.
        if !self.one_group {
            self.materialize();
        }
        solved
    }
}

// The row kernels take their arrays as separate slice arguments: `&mut` arguments do not alias,
// which lets the compiler vectorise without run-time overlap checks (it gives up on them when
// many arrays meet in one loop).

/// `demand_i += scale · w_i` (separate slices: vectorises without overlap checks).
#[inline(always)]
fn add_scaled(demand: &mut [f64], w: &[f64], scale: f64) {
    let n = demand.len();
    let w = &w[..n];
    for i in 0..n {
        demand[i] += scale * w[i];
    }
}

/// `demand_i += sum_r scale_r · w_r,i` over four rows (one load and store of `demand_i`).
#[inline(always)]
fn add_scaled4(demand: &mut [f64], w: [&[f64]; 4], scale: [f64; 4]) {
    let n = demand.len();
    let (w0, w1, w2, w3) = (&w[0][..n], &w[1][..n], &w[2][..n], &w[3][..n]);
    for i in 0..n {
        demand[i] += (scale[0] * w0[i] + scale[1] * w1[i]) + (scale[2] * w2[i] + scale[3] * w3[i]);
    }
}

/// Importer `j`'s row of a tariff-adjusted matrix: its slot in `slots` if it has one, else
/// the baseline's row.
#[inline(always)]
fn adjusted_row<'a>(
    base: &'a [f64],
    slots: &'a [f64],
    slot: usize,
    j: usize,
    n: usize,
) -> &'a [f64] {
    if slot == NO_SLOT {
        &base[j * n..(j + 1) * n]
    } else {
        &slots[slot * n..(slot + 1) * n]
    }
}

/// `demand_i += scale · w_i · pow_i` (separate slices: vectorises without overlap checks).
#[inline]
fn add_scaled_product(demand: &mut [f64], w: &[f64], pow: &[f64], scale: f64) {
    let n = demand.len();
    let (w, pow) = (&w[..n], &pow[..n]);
    for i in 0..n {
        demand[i] += scale * w[i] * pow[i];
    }
}

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
        let iterations = ws.solve(sigma, eta, eps, baseline.sectors().code(s))?;
        out.iterations[s] = u32::try_from(iterations).unwrap_or(u32::MAX);
        let residual = write_sector(baseline, tariffs, eps, eta, s, n, ws, out);
        out.totals.state[s] = TotalsState::Computed;
        out.residual = out.residual.max(residual);
        // NaN fails this test too: `write_sector` folds every value it writes into the residual.
        if !(residual <= crate::tolerance::CLEARING_TOL) {
            return Err(SolveError {
                model: NAME,
                sector: Some(baseline.sectors().code(s).to_string()),
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
        return Err(SolveError {
            model: NAME,
            sector: None,
            iterations: out.iterations.iter().map(|&i| i as usize).sum(),
            residual: out.residual,
            reason: StopReason::Diverged,
        }
        .into());
    }
    Ok(())
}

/// Writes prices, flows (every cell of the sector) and welfare of the solved sector `s`; returns
/// the largest relative market-clearing residual, recomputed in levels from the new flows — or
/// NaN if any value written is not finite (all of them are summed into a check value, cheaper
/// than scanning the whole equilibrium afterwards).
#[allow(clippy::too_many_arguments)]
fn write_sector(
    baseline: &Baseline,
    tariffs: &Tariffs,
    eps: &[f64],
    eta: &[f64],
    s: usize,
    n: usize,
    ws: &mut SectorWorkspace,
    out: &mut Equilibrium,
) -> f64 {
    let nn = n * n;
    let flows = &baseline.sector_flows(s)[..nn];
    let t0 = &baseline.sector_tariffs(s)[..nn];
    let t1 = &tariffs.sector_rates(s)[..nn];
    let base = s * n;
    let mut check = 0.0;
    for i in 0..n {
        let p = exp(ws.x[i]);
        out.phat[base + i] = p;
        check += p;
    }
    for j in 0..n {
        let e = ws.base.imports()[j];
        if e <= 0.0 {
            continue;
        }
        let lnp = ws.lnp[j];
        let index = exp(lnp);
        out.price_index[base + j] = index;
        let one_eta = 1.0 + eta[j];
        let cs = if one_eta.abs() < 1e-12 {
            -e * lnp
        } else {
            -e * (one_eta * lnp).exp_m1() / one_eta
        };
        out.consumer_surplus[base + j] = cs;
        check += index + cs;
    }
    let new_flows = &mut out.flows[s * nn..(s + 1) * nn];
    if ws.one_group {
        // new_ij = x_ij phat_i qhat_ij = x_ij phat_i^a scale_j That_ij^(−sigma): a row scale
        // times a column scale, times the tariff factor on the changed cells. Exporter-major,
        // like the flows, so every pass is contiguous.
        let scale = &ws.scale[..n];
        for (i, (row, new_row)) in flows
            .chunks_exact(n)
            .zip(new_flows.chunks_exact_mut(n))
            .enumerate()
        {
            let pow = ws.group_pow[i];
            for ((v, &x), &sc) in new_row.iter_mut().zip(row).zip(scale) {
                // Formed unconditionally, then selected: a select vectorises where a branch
                // around the product did not (untraded cells stay exactly 0 even if the
                // factors overflow).
                let flow = x * pow * sc;
                *v = if x > 0.0 { flow } else { 0.0 };
            }
            // Domestic sales are held fixed.
            new_row[i] = row[i];
        }
        for &Changed {
            cell: c,
            importer: j,
            exporter: i,
        } in &ws.changed
        {
            new_flows[i * n + j] *= ws.tpow[c] * ws.inv_that[c];
        }
    } else {
        new_flows.copy_from_slice(flows);
        for j in 0..n {
            if ws.base.imports()[j] <= 0.0 {
                continue;
            }
            let (theta, q) = (
                &ws.base.theta()[j * n..(j + 1) * n],
                &ws.q[j * n..(j + 1) * n],
            );
            for i in 0..n {
                if theta[i] > 0.0 {
                    new_flows[i * n + j] = flows[i * n + j] * out.phat[base + i] * q[i];
                }
            }
        }
    }
    // Revenue per importer and sales per exporter, off the diagonal, in one contiguous pass.
    let revenue = &mut out.tariff_revenue[base..base + n];
    revenue.fill(0.0);
    let mut sales = std::mem::take(&mut ws.sales_out);
    sales.resize(n, 0.0);
    let purchases = &mut out.totals.imports[base..base + n];
    purchases.fill(0.0);
    // The diagonal (domestic sales, unchanged) adds exactly 0 to the revenue when its tariff is
    // unchanged (x t1 − x t0 with t1 = t0), so whole rows can be swept and the domestic sales
    // taken off the row's sum; otherwise the rows are split around the diagonal.
    let diagonal_unchanged = (0..n).all(|i| t0[i * n + i].to_bits() == t1[i * n + i].to_bits());
    for (i, (((row, new_row), r0), r1)) in flows
        .chunks_exact(n)
        .zip(new_flows.chunks_exact(n))
        .zip(t0.chunks_exact(n))
        .zip(t1.chunks_exact(n))
        .enumerate()
    {
        let sold = if diagonal_unchanged {
            accumulate_revenue(revenue, purchases, row, new_row, r0, r1) - new_row[i]
        } else {
            let mut sold = 0.0;
            for range in [0..i, i + 1..n] {
                sold += accumulate_revenue(
                    &mut revenue[range.clone()],
                    &mut purchases[range.clone()],
                    &row[range.clone()],
                    &new_row[range.clone()],
                    &r0[range.clone()],
                    &r1[range],
                );
            }
            sold
        };
        sales[i] = sold;
        check += sold;
    }
    if diagonal_unchanged {
        // Whole rows put each importer's domestic sales into its purchases: take them off.
        for (j, p) in purchases.iter_mut().enumerate() {
            *p -= new_flows[j * n + j];
        }
    }
    out.totals.exports[base..base + n].copy_from_slice(&sales[..n]);
    check += revenue.iter().sum::<f64>();
    let mut worst = 0.0_f64;
    for &i in &ws.active {
        let x = ws.x[i];
        let e = eps[i];
        let ps = ws.base.exports()[i] * ((1.0 + e) * x).exp_m1() / (1.0 + e);
        out.producer_surplus[base + i] = ps;
        check += ps;
        let supply = ws.base.exports()[i] * exp(e * x);
        // Quantities at baseline prices: sales divided by the price change.
        let demand = sales[i] / out.phat[base + i];
        let r = (demand - supply).abs() / supply;
        if !(r <= worst) {
            worst = r;
        }
    }
    ws.sales_out = sales;
    if check.is_finite() { worst } else { f64::NAN }
}

/// One exporter's row: `revenue_j += new_j t1_j − x_j t0_j` and `purchases_j += new_j`;
/// returns `sum_j new_j` (separate slices: vectorises; four partial sums, so the sum is not one
/// serial chain of additions).
#[inline]
fn accumulate_revenue(
    revenue: &mut [f64],
    purchases: &mut [f64],
    x: &[f64],
    new: &[f64],
    t0: &[f64],
    t1: &[f64],
) -> f64 {
    let n = revenue.len();
    let (purchases, x, new, t0, t1) = (&mut purchases[..n], &x[..n], &new[..n], &t0[..n], &t1[..n]);
    let mut sold = [0.0_f64; 4];
    let full = n - n % 4;
    // Blocks of four as fixed-size chunks: no per-element bounds checks, so the block
    // vectorises (an index loop over `step_by(4)` kept a check per element and stayed scalar).
    for (((((r, p), x), new), t0), t1) in revenue[..full]
        .chunks_exact_mut(4)
        .zip(purchases[..full].chunks_exact_mut(4))
        .zip(x[..full].chunks_exact(4))
        .zip(new[..full].chunks_exact(4))
        .zip(t0[..full].chunks_exact(4))
        .zip(t1[..full].chunks_exact(4))
    {
        for l in 0..4 {
            r[l] += new[l] * t1[l] - x[l] * t0[l];
            p[l] += new[l];
            sold[l] += new[l];
        }
    }
    for k in full..n {
        revenue[k] += new[k] * t1[k] - x[k] * t0[k];
        purchases[k] += new[k];
        sold[0] += new[k];
    }
    (sold[0] + sold[1]) + (sold[2] + sold[3])
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::world;

    /// The incremental first evaluation of a warm solve gives the state of a full evaluation at
    /// the same point, through phases where importers gain and lose a tariff row (A raises on
    /// B; then B retaliates; then A's duty goes and B's stays).
    #[test]
    fn incremental_first_evaluation_matches_a_full_one() {
        let b = world(5, 2);
        let n = 5;
        let el = Elasticities::uniform(n, 2, 4.0, -1.5, 10.0).unwrap();
        let mut phases = Vec::new();
        let mut t = b.baseline_tariffs();
        for s in 0..2 {
            t.set(1, 0, s, 0.4).unwrap();
        }
        phases.push(t.clone());
        for s in 0..2 {
            t.set(1, 0, s, 1.2).unwrap();
            t.set(0, 1, s, 0.6).unwrap();
        }
        phases.push(t.clone());
        for s in 0..2 {
            t.set(1, 0, s, b.tariff(1, 0, s)).unwrap();
            t.set(2, 1, s, 0.3).unwrap();
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
}
