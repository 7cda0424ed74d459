//! Tariff matrices (the rates in force in a phase) and tariff changes (new rates on some cells).

use crate::baseline::{Baseline, next_uid};
use crate::error::{CoreError, Result};
use crate::ids::{RegionId, SectorId};
use serde::{Deserialize, Serialize};

/// Ad valorem tariff rates for every (exporter, importer, sector) cell, same layout as the
/// baseline flows (flat index `(s * N + i) * N + j` of positions: [`Baseline::index`]). Rates are
/// fractions (0.25 = 25%), finite and > −1.
///
/// Each matrix built, deserialised or changed gets a process-unique [`Tariffs::uid`] that clones
/// share, so solvers can cache what they derive from it (the cells that differ from a
/// baseline's tariffs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tariffs {
    n_regions: usize,
    n_sectors: usize,
    rates: Vec<f64>,
    #[serde(skip, default = "next_uid")]
    uid: u64,
}

/// Equality of content: the [`Tariffs::uid`] is not compared.
impl PartialEq for Tariffs {
    fn eq(&self, other: &Self) -> bool {
        self.n_regions == other.n_regions
            && self.n_sectors == other.n_sectors
            && self.rates == other.rates
    }
}

fn check_rate(rate: f64) -> bool {
    rate.is_finite() && rate > -1.0
}

impl Tariffs {
    /// Builds from a full vector of rates, validating each.
    pub fn new(n_regions: usize, n_sectors: usize, rates: Vec<f64>) -> Result<Self> {
        let expected = n_regions * n_regions * n_sectors;
        if rates.len() != expected {
            return Err(CoreError::Shape {
                what: "tariffs",
                expected,
                found: rates.len(),
            });
        }
        if let Some((k, &r)) = rates.iter().enumerate().find(|(_, r)| !check_rate(**r)) {
            return Err(CoreError::InvalidValue {
                what: "tariff",
                value: r,
                location: format!("cell {k}"),
                expected: "a finite ad valorem rate > -1",
            });
        }
        Ok(Self::from_validated(n_regions, n_sectors, rates))
    }

    pub(crate) fn from_validated(n_regions: usize, n_sectors: usize, rates: Vec<f64>) -> Self {
        Self {
            n_regions,
            n_sectors,
            rates,
            uid: next_uid(),
        }
    }

    /// Identity of this matrix's content within the process: two matrices with the same uid hold
    /// the same rates (a clone keeps the uid; every build, deserialisation or [`Tariffs::set`]
    /// gets a new one). Not stable across processes.
    #[must_use]
    pub fn uid(&self) -> u64 {
        self.uid
    }

    /// Number of regions.
    #[must_use]
    pub fn n_regions(&self) -> usize {
        self.n_regions
    }

    /// Number of sectors.
    #[must_use]
    pub fn n_sectors(&self) -> usize {
        self.n_sectors
    }

    /// The rate `importer` levies on `exporter`'s goods in `sector`.
    #[inline]
    #[must_use]
    pub fn rate(&self, exporter: RegionId, importer: RegionId, sector: SectorId) -> f64 {
        self.rates[(sector.index() * self.n_regions + exporter.index()) * self.n_regions
            + importer.index()]
    }

    /// The power of the tariff, `1 + rate`.
    #[inline]
    #[must_use]
    pub fn power(&self, exporter: RegionId, importer: RegionId, sector: SectorId) -> f64 {
        1.0 + self.rate(exporter, importer, sector)
    }

    /// Sets the rate `importer` levies on `exporter`'s goods in `sector`.
    pub fn set(
        &mut self,
        exporter: RegionId,
        importer: RegionId,
        sector: SectorId,
        rate: f64,
    ) -> Result<()> {
        let (i, j, s) = (exporter.index(), importer.index(), sector.index());
        if i >= self.n_regions || j >= self.n_regions || s >= self.n_sectors {
            return Err(CoreError::Incompatible(format!(
                "tariff cell ({i}, {j}, {s}) is outside a {}-region, {}-sector matrix",
                self.n_regions, self.n_sectors
            )));
        }
        if !check_rate(rate) {
            return Err(CoreError::InvalidValue {
                what: "tariff",
                value: rate,
                location: format!("exporter #{i}, importer #{j}, sector #{s}"),
                expected: "a finite ad valorem rate > -1",
            });
        }
        self.rates[(s * self.n_regions + i) * self.n_regions + j] = rate;
        self.uid = next_uid();
        Ok(())
    }

    /// Layout accessor: all rates, sector-major (flat index [`Baseline::index`]).
    #[must_use]
    pub fn rates(&self) -> &[f64] {
        &self.rates
    }

    /// Layout accessor: sector position `s`'s N × N block, `[i * N + j]` for exporter position
    /// `i` and importer position `j`.
    #[must_use]
    pub fn sector_rates(&self, s: usize) -> &[f64] {
        let n2 = self.n_regions * self.n_regions;
        &self.rates[s * n2..(s + 1) * n2]
    }

    /// Checks that this matrix fits `baseline`.
    pub fn check_fits(&self, baseline: &Baseline) -> Result<()> {
        if self.n_regions != baseline.n_regions() || self.n_sectors != baseline.n_sectors() {
            return Err(CoreError::Incompatible(format!(
                "tariffs are {} regions x {} sectors but the baseline is {} x {}",
                self.n_regions,
                self.n_sectors,
                baseline.n_regions(),
                baseline.n_sectors()
            )));
        }
        Ok(())
    }
}

/// One changed cell: importer `importer` now levies `rate` on `exporter`'s sector-`sector` goods.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TariffCell {
    /// Exporter.
    pub exporter: RegionId,
    /// Importer.
    pub importer: RegionId,
    /// Sector.
    pub sector: SectorId,
    /// New ad valorem rate (fraction).
    pub rate: f64,
}

/// A tariff change: new rates on any subset of cells; every other cell keeps its rate.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TariffChange {
    /// The changed cells; a later entry for the same cell wins.
    pub cells: Vec<TariffCell>,
}

impl TariffChange {
    /// No change at all.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds `add` (a fraction) to every sector of importer's tariff on exporter, on top of `from`.
    #[must_use]
    pub fn raise_all_sectors(
        from: &Tariffs,
        exporter: RegionId,
        importer: RegionId,
        add: f64,
    ) -> Self {
        Self {
            cells: (0..from.n_sectors())
                .map(SectorId::from_index)
                .map(|s| TariffCell {
                    exporter,
                    importer,
                    sector: s,
                    rate: from.rate(exporter, importer, s) + add,
                })
                .collect(),
        }
    }

    /// The tariff matrix after the change.
    pub fn apply(&self, from: &Tariffs) -> Result<Tariffs> {
        let mut out = from.clone();
        for c in &self.cells {
            out.set(c.exporter, c.importer, c.sector, c.rate)?;
        }
        Ok(out)
    }
}
