//! The traded cells whose tariff changes, per (baseline, tariffs, sector): a cache the
//! Armington solvers share (each workspace holds its own, with its own notion of a traded cell).

use crate::baseline::Baseline;
use crate::tariff::Tariffs;

/// The traded cells whose tariff differs from the baseline's, per (baseline, tariffs, sector),
/// with `ln That` and `1 / That`: a pure function of the two matrices, found by one scan of the
/// sector's N² cells the first time a workspace meets them (keyed on [`Baseline::uid`] and
/// [`Tariffs::uid`]). A Monte Carlo solves the same few phase matrices in every draw; this saves
/// the scan in all but the first.
#[derive(Debug, Default, Clone)]
pub(crate) struct TariffDiffs {
    entries: Vec<DiffEntry>,
    /// Entry replaced next when the store is full.
    evict: usize,
}

#[derive(Debug, Default, Clone)]
struct DiffEntry {
    baseline: u64,
    tariffs: u64,
    /// Per sector: `(start, len)` in `cells`, or `None` before the sector is scanned.
    sectors: Vec<Option<(usize, usize)>>,
    /// `(cell, ln That, 1 / That)`.
    cells: Vec<(Changed, f64, f64)>,
}

/// A cell whose tariff changes: its importer-major index `importer * N + exporter` and both
/// coordinates (kept to spare the integer divisions in the loops over changed cells).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Changed {
    pub(crate) cell: usize,
    pub(crate) importer: usize,
    pub(crate) exporter: usize,
}

/// Most (baseline, tariffs) pairs a workspace remembers (a timeline's phases; more only cost a
/// re-scan).
const DIFF_ENTRIES: usize = 64;

impl TariffDiffs {
    /// The changed cells of sector `s` (scanned on first use).
    pub(crate) fn sector(
        &mut self,
        baseline: &Baseline,
        tariffs: &Tariffs,
        s: usize,
        traded: &dyn Fn(usize, usize) -> bool,
    ) -> &[(Changed, f64, f64)] {
        let key = (baseline.uid(), tariffs.uid());
        let e = match self
            .entries
            .iter()
            .position(|e| (e.baseline, e.tariffs) == key)
        {
            Some(e) => e,
            None => {
                let fresh = DiffEntry {
                    baseline: key.0,
                    tariffs: key.1,
                    sectors: vec![None; baseline.n_sectors()],
                    cells: Vec::new(),
                };
                if self.entries.len() < DIFF_ENTRIES {
                    self.entries.push(fresh);
                    self.entries.len() - 1
                } else {
                    let e = self.evict;
                    self.evict = (self.evict + 1) % DIFF_ENTRIES;
                    self.entries[e] = fresh;
                    e
                }
            }
        };
        let entry = &mut self.entries[e];
        let (start, len) = match entry.sectors[s] {
            Some(range) => range,
            None => {
                let n = baseline.n_regions();
                let nn = n * n;
                let start = entry.cells.len();
                let t0 = &baseline.sector_tariffs(s)[..nn];
                let t1 = &tariffs.sector_rates(s)[..nn];
                for (k, (a, b)) in t0.iter().zip(t1).enumerate() {
                    if a.to_bits() == b.to_bits() {
                        continue;
                    }
                    let (i, j) = (k / n, k % n);
                    let c = j * n + i;
                    if !traded(i, j) {
                        continue;
                    }
                    let t_hat = (1.0 + b) / (1.0 + a);
                    let lnt = t_hat.ln();
                    if lnt != 0.0 {
                        let cell = Changed {
                            cell: c,
                            importer: j,
                            exporter: i,
                        };
                        entry.cells.push((cell, lnt, 1.0 / t_hat));
                    }
                }
                let range = (start, entry.cells.len() - start);
                entry.sectors[s] = Some(range);
                range
            }
        };
        &entry.cells[start..start + len]
    }
}
