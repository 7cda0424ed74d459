//! [`MetricCatalog::fill`]: every metric of a solved equilibrium, in one pass over the cells of
//! the sectors the solve changed, into a reused [`MetricWorkspace`].

use super::{BN, Kind, MetricCatalog, MetricWorkspace, share};
use crate::baseline::Baseline;
use crate::equilibrium::{Equilibrium, TotalsState};

impl MetricCatalog {
    /// Computes every metric of `eq` (solved on `baseline`) into `out` (length [`Self::len`]).
    pub fn fill(
        &self,
        baseline: &Baseline,
        eq: &Equilibrium,
        ws: &mut MetricWorkspace,
        out: &mut [f64],
    ) {
        let n = self.n_regions;
        let n_sectors = baseline.n_sectors();
        for v in [
            &mut ws.exports,
            &mut ws.imports,
            &mut ws.focus_row,
            &mut ws.target_row,
            &mut ws.export_price,
            &mut ws.import_price,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
        for v in [
            &mut ws.sector_direct,
            &mut ws.sector_diversion,
            &mut ws.sector_deflection,
        ] {
            v.clear();
            v.resize(n_sectors, 0.0);
        }
        // The price changes weight each sector's price by its baseline totals (O(N S)); then one
        // pass over the cells of the sectors the solve changed: the flow changes by exporter and
        // importer, the focus importer's column and the target's row.
        let (m, c) = self.focus.map_or((usize::MAX, usize::MAX), |f| {
            (f.importer.index(), f.target.index())
        });
        for s in 0..n_sectors {
            let known = eq.totals.of(s);
            if known == TotalsState::Unchanged {
                // The solver left the sector exactly at the baseline: every change is 0.
                continue;
            }
            let at = s * n..(s + 1) * n;
            let (phat, index) = (&eq.phat[at.clone()], &eq.price_index[at.clone()]);
            let (weights_x, weights_m) = (
                &self.sector_exports[at.clone()],
                &self.sector_imports[at.clone()],
            );
            for i in 0..n {
                ws.export_price[i] += weights_x[i] * (phat[i] - 1.0);
                ws.import_price[i] += weights_m[i] * (index[i] - 1.0);
            }
            let base_block = &baseline.sector_flows(s)[..n * n];
            let new_block = &eq.flows[s * n * n..(s + 1) * n * n];
            if known == TotalsState::Computed {
                // The solver summed the new flows by exporter and importer while writing them.
                let (exports, imports) = (&eq.totals.exports[at.clone()], &eq.totals.imports[at]);
                for r in 0..n {
                    ws.exports[r] += exports[r] - weights_x[r];
                    ws.imports[r] += imports[r] - weights_m[r];
                }
            } else {
                sweep_flow_changes(ws, base_block, new_block, n);
            }
            // The focus importer's column and the target's row.
            if m < n {
                for i in (0..n).filter(|&i| i != m) {
                    let change = new_block[i * n + m] - base_block[i * n + m];
                    ws.focus_row[i] += change;
                    if i == c {
                        ws.sector_direct[s] = change;
                    } else {
                        ws.sector_diversion[s] += change;
                    }
                }
            }
            if c < n {
                for j in (0..n).filter(|&j| j != c) {
                    let change = new_block[c * n + j] - base_block[c * n + j];
                    ws.target_row[j] += change;
                    if j != m {
                        ws.sector_deflection[s] += change;
                    }
                }
            }
        }
        ws.pairs.clear();
        ws.pairs.resize(self.pairs.len(), 0.0);
        if !self.pairs.is_empty() {
            for s in (0..n_sectors).filter(|&s| eq.totals.of(s) != TotalsState::Unchanged) {
                let base_block = &baseline.sector_flows(s)[..n * n];
                let new_block = &eq.flows[s * n * n..(s + 1) * n * n];
                for (p, change) in self.pairs.iter().zip(ws.pairs.iter_mut()) {
                    if p.covers(s) {
                        *change += p.sum_block(new_block, n) - p.sum_block(base_block, n);
                    }
                }
            }
        }
        let direct = if c < n { ws.focus_row[c] } else { 0.0 };
        let ratio = |num: f64| if direct == 0.0 { 0.0 } else { num / -direct };
        let region_sum = |v: &[f64]| -> f64 { v.iter().sum() };
        let diversion_total = if m < n {
            (0..n)
                .filter(|&k| k != m && k != c)
                .map(|k| ws.focus_row[k])
                .sum()
        } else {
            0.0
        };
        let deflection_total = if c < n {
            (0..n)
                .filter(|&d| d != m && d != c)
                .map(|d| ws.target_row[d])
                .sum()
        } else {
            0.0
        };
        let sector_sum =
            |v: &[f64], r: usize| -> f64 { (0..n_sectors).map(|s| v[s * n + r]).sum() };
        let pct = |change: f64, base: f64| {
            if base > 0.0 {
                100.0 * change / base
            } else {
                0.0
            }
        };
        for (slot, kind) in out.iter_mut().zip(&self.kinds) {
            *slot = match *kind {
                Kind::Direct => direct * BN,
                Kind::DirectPct => pct(direct, self.base_direct),
                Kind::Diversion(k) => ws.focus_row[k] * BN,
                Kind::DiversionRatio => ratio(diversion_total),
                Kind::Deflection(d) => ws.target_row[d] * BN,
                Kind::DeflectionRatio => ratio(deflection_total),
                Kind::Creation => ws.imports[m] * BN,
                Kind::DirectSector(s) => ws.sector_direct[s] * BN,
                Kind::DiversionSector(s) => ws.sector_diversion[s] * BN,
                Kind::DeflectionSector(s) => ws.sector_deflection[s] * BN,
                Kind::Exports(r) => ws.exports[r] * BN,
                Kind::Imports(r) => ws.imports[r] * BN,
                Kind::Balance(r) => (ws.exports[r] - ws.imports[r]) * BN,
                Kind::BalanceLevel(r) => {
                    (self.base_exports[r] + ws.exports[r] - self.base_imports[r] - ws.imports[r])
                        * BN
                }
                Kind::Welfare(r) => eq.welfare[r] * BN,
                Kind::Revenue(r) => sector_sum(&eq.tariff_revenue, r) * BN,
                Kind::Cs(r) => sector_sum(&eq.consumer_surplus, r) * BN,
                Kind::Ps(r) => sector_sum(&eq.producer_surplus, r) * BN,
                Kind::ExportPrice(r) => pct(ws.export_price[r], self.base_exports[r]),
                Kind::ImportPrice(r) => pct(ws.import_price[r], self.base_imports[r]),
                Kind::WorldTrade => region_sum(&ws.exports) * BN,
                Kind::WorldTradePct => pct(region_sum(&ws.exports), self.base_world),
                Kind::Trade(p) => ws.pairs[p] * BN,
                Kind::TradePct(p) => pct(ws.pairs[p], self.pairs[p].base),
                Kind::Share(num, den) => share(
                    self.pairs[num].base + ws.pairs[num],
                    self.pairs[den].base + ws.pairs[den],
                ),
                Kind::Rerouted(k) => eq.rerouted.get(k).copied().unwrap_or(0.0) * BN,
                Kind::TrueOrigin(p) => (ws.pairs[p] + eq.rerouted.iter().sum::<f64>()) * BN,
            };
        }
    }
}

/// Adds one sector's flow changes, off the diagonal, to the exporters' and importers' totals.
/// Where the domestic sales did not change (partial equilibrium models) the diagonal adds exactly
/// 0 and whole rows are swept; otherwise each row is split around the diagonal.
fn sweep_flow_changes(ws: &mut MetricWorkspace, base_block: &[f64], new_block: &[f64], n: usize) {
    let diagonal_unchanged =
        (0..n).all(|i| new_block[i * n + i].to_bits() == base_block[i * n + i].to_bits());
    for i in 0..n {
        let base_row = &base_block[i * n..(i + 1) * n];
        let new_row = &new_block[i * n..(i + 1) * n];
        let row_change = if diagonal_unchanged {
            accumulate_changes(&mut ws.imports, new_row, base_row)
        } else {
            let mut row_change = 0.0;
            for range in [0..i, i + 1..n] {
                row_change += accumulate_changes(
                    &mut ws.imports[range.clone()],
                    &new_row[range.clone()],
                    &base_row[range],
                );
            }
            row_change
        };
        ws.exports[i] += row_change;
    }
}

/// One exporter's row: `imports_j += f_j − b_j`; returns `sum_j (f_j − b_j)` (four partial sums:
/// vectorises; fixed order, so reproducible — and exactly 0 where `f = b`).
fn accumulate_changes(imports: &mut [f64], f: &[f64], b: &[f64]) -> f64 {
    let n = imports.len();
    let (f, b) = (&f[..n], &b[..n]);
    let mut acc = [0.0_f64; 4];
    let full = n - n % 4;
    // Fixed-size blocks: no per-element bounds checks, so the block vectorises.
    for ((imp, f), b) in imports[..full]
        .chunks_exact_mut(4)
        .zip(f[..full].chunks_exact(4))
        .zip(b[..full].chunks_exact(4))
    {
        for l in 0..4 {
            let d = f[l] - b[l];
            imp[l] += d;
            acc[l] += d;
        }
    }
    for k in full..n {
        let d = f[k] - b[k];
        imports[k] += d;
        acc[0] += d;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}
