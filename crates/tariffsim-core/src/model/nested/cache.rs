//! Per-baseline caches (baseline-derived sector data) and warm starts of solve sequences.

use super::*;

impl WarmStarts {
    pub(super) fn ensure(&mut self, uid: u64, n: usize, sectors: usize) {
        if self.uid == uid && self.n == n && self.valid.len() == sectors {
            return;
        }
        self.uid = uid;
        self.n = n;
        self.valid.clear();
        self.valid.resize(sectors, false);
        self.y.resize(sectors * n, 0.0);
        self.key.resize(sectors * 4 * n, 0.0);
        self.inverse.clear();
        self.inverse
            .resize_with(sectors, || vec![0.0; n * padded(n)]);
        self.has_inverse.clear();
        self.has_inverse.resize(sectors, false);
        self.segmented.clear();
        self.segmented.resize(sectors, false);
        self.shock.resize_with(sectors, Vec::new);
    }

    /// Whether sector `s`'s stored solution was solved for exactly these changed cells.
    pub(super) fn same_shock(&self, s: usize, changed: &[usize], lnt: &[f64]) -> bool {
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

    pub(super) fn matches(&self, s: usize, e: &SectorElasticities<'_>) -> bool {
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

    /// Keeps sector `s`'s solution; with `inverse` (the workspace's buffer holding the last
    /// Jacobian's inverse) that buffer is swapped with the sector's slot, no copy.
    pub(super) fn store(
        &mut self,
        s: usize,
        y: &[f64],
        e: &SectorElasticities<'_>,
        inverse: Option<&mut Vec<f64>>,
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
            std::mem::swap(inv, &mut self.inverse[s]);
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

/// Largest per-workspace cache of baseline-derived sector data (`(2 N² + 2 N padded(N) + 4 N)
/// × 8` bytes a sector: `world2024` 13 KB, a 100 × 50 baseline 330 KB, 200 × 100 1.3 MB); above
/// it the data is recomputed at every sector load.
const BASE_CACHE_BYTES: usize = 16 << 20;

impl NestedWorkspace {
    /// Makes the baseline-derived arrays of sector `s` (sales, spending, domestic shares,
    /// foreign shares, sales shares) present in `b`: swapped in from the per-baseline cache when
    /// it holds them, else computed (and kept when the baseline fits the cache).
    pub(super) fn load_base(&mut self, baseline: &Baseline, s: usize, segmented: bool) {
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
            let bytes =
                sectors * (2 * n * n + 2 * n * padded(n) + 4 * n) * std::mem::size_of::<f64>();
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
        let np = n.next_multiple_of(crate::simd::MAX_LANES);
        for v in [&mut b.theta_p, &mut b.w_off] {
            v.clear();
            v.resize(n * np, 0.0);
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
                if i != j {
                    b.theta_p[i * np + j] = b.theta_m[c];
                    b.w_off[j * np + i] = b.w[c];
                }
            }
        }
    }
}
