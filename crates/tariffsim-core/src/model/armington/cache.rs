//! Per-baseline caches (baseline shares per sector) and warm starts of solve sequences.

use super::*;

/// Largest per-workspace cache of baseline shares (all sectors); above it only the current
/// sector is kept and refilled at every load. A sector takes about `(3 N² + 3 N) × 8` bytes
/// (`theta`, its padded transpose, the padded `w`, the totals): `world2024` 0.15 MB, a synthetic
/// 100 × 50 baseline 12 MB (cached: refilling it at every load cost ~10% of a solve), 200 × 100
/// 96 MB (not cached).
pub(super) const BASE_CACHE_BYTES: usize = 16 << 20;

/// What a sector's solve needs from the baseline alone — import shares at internal prices
/// `theta` (importer-major) and, for the one-group evaluation's sweeps, transposed
/// (exporter-major), sales shares `w` (importer-major), exports `X_i` and imports `E_j` —
/// computed once per baseline ([`Baseline::uid`]) and sector. The transposed shares and `w` have
/// their rows padded with zeros to a multiple of [`crate::simd::lanes`] (4, or 8 when the AVX-512
/// copy runs), so the sweeps run on whole vectors.
/// Monte Carlo loads every sector once per phase and draw; this is the part that never changes.
#[derive(Debug, Default, Clone)]
pub(crate) struct BaseCache {
    pub(super) uid: u64,
    pub(super) n: usize,
    /// Slots: one per sector, or one in all when the baseline is too large to cache.
    pub(super) slots: usize,
    /// Sector held by each slot (`usize::MAX`: none).
    pub(super) sector_of_slot: Vec<usize>,
    /// Slot of the loaded sector.
    pub(super) slot: usize,
    /// Row length of the padded arrays: `N` rounded up to a multiple of [`crate::simd::lanes`]
    /// when the cache was sized (every reader takes it from here, so a change of instruction
    /// set within a process re-sizes the cache instead of mixing strides).
    pub(super) np: usize,
    pub(super) theta_all: Vec<f64>,
    /// `w`, importer-major, rows padded with zeros to `np`.
    pub(super) w_all: Vec<f64>,
    pub(super) exports_all: Vec<f64>,
    pub(super) imports_all: Vec<f64>,
    /// `theta` transposed (exporter-major), rows padded with zeros to `np`.
    pub(super) theta_t_all: Vec<f64>,
    /// Start of the price-index sums: 1 for importers without imports and for the padding
    /// (their sums are 1 by definition), 0 for the others.
    pub(super) sum_init_all: Vec<f64>,
}

impl BaseCache {
    /// Makes sector `s` of `baseline` present; returns its slot.
    pub(super) fn load(&mut self, baseline: &Baseline, s: usize) -> usize {
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
    pub(super) fn theta_t(&self) -> &[f64] {
        let size = self.n * self.np;
        &self.theta_t_all[self.slot * size..(self.slot + 1) * size]
    }

    /// Start of the price-index sums of the loaded sector (see the field).
    pub(super) fn sum_init(&self) -> &[f64] {
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

    pub(super) fn fill(&mut self, baseline: &Baseline, s: usize, slot: usize) {
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
pub(super) struct WarmStarts {
    pub(super) enabled: bool,
    pub(super) uid: u64,
    pub(super) n: usize,
    /// Per sector: a stored solution is present.
    pub(super) valid: Vec<bool>,
    /// Per sector: `ln phat` (`[s * N + i]`).
    pub(super) x: Vec<f64>,
    /// Per sector ([`inverse_slot`]): inverse of the last Jacobian, transposed with padded rows
    /// ([`transpose_padded`]), or its LU factors
    /// (`m × m`) with `piv` when `m > INVERSE_MAX_ACTIVE`.
    pub(super) inverse: Vec<f64>,
    pub(super) piv: Vec<usize>,
    /// Per sector: sigma, eta, eps the solution was computed with (`[s * 3N ..]`).
    pub(super) key: Vec<f64>,
    /// Per sector, with one sigma group: the last evaluation at the stored solution, for the
    /// next phase's first evaluation ([`SectorWorkspace::evaluate_incremental`]): `phat^a`, the
    /// price-index sums, `ln Phat`, the demand scales (`[s * N + j]`), the demand sums without
    /// the terms of the importers that had a row slot (`[s * N + i]`), and which importers had
    /// one. Stored with every valid slot solved with one sigma group; a slot matches only the
    /// same sigma, so a match with one group always has them.
    pub(super) pow: Vec<f64>,
    pub(super) sum: Vec<f64>,
    pub(super) lnp: Vec<f64>,
    pub(super) scale: Vec<f64>,
    pub(super) sales_rest: Vec<f64>,
    pub(super) slotted: Vec<bool>,
}

impl WarmStarts {
    pub(super) fn reset(&mut self, enabled: bool) {
        self.enabled = enabled;
        self.valid.fill(false);
    }

    /// Sizes the store for every sector of the baseline `uid` at once (forgetting what it held
    /// when the baseline changes): growing it sector by sector would forget the solutions
    /// already kept (and make the first sequence in a workspace behave differently from the
    /// next ones).
    pub(super) fn ensure(&mut self, uid: u64, n: usize, sectors: usize) {
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
    pub(super) fn forget(&mut self, s: usize) {
        if let Some(v) = self.valid.get_mut(s) {
            *v = false;
        }
    }

    pub(super) fn slot_matches(
        &self,
        s: usize,
        uid: u64,
        sigma: &[f64],
        eta: &[f64],
        eps: &[f64],
    ) -> bool {
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
