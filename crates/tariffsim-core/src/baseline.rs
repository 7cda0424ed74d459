//! The baseline: bilateral flows by sector at exporter prices, baseline tariffs, provenance.

use crate::error::{CoreError, Result};
use crate::ids::{RegionId, SectorId};
use crate::members::Member;
use crate::sets::{RegionSet, SectorSet};
use serde::{Deserialize, Serialize};

/// Where a baseline comes from; carried into every run's outputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Provenance {
    /// Baseline name (`world2024`, or a file path for user data).
    pub name: String,
    /// Version of the baseline build (`2024.1`).
    pub version: String,
    /// Reference year of the flows.
    pub year: i32,
    /// One line per source.
    pub sources: Vec<String>,
}

/// A validated baseline of world trade.
///
/// `flow(exporter, importer, sector)` is the value of `sector`'s goods from `exporter` to
/// `importer`, in USD at exporter (pre-tariff) prices; `tariff(exporter, importer, sector)` is the
/// ad valorem rate `importer` levies on them. Regions and sectors are named by [`RegionId`] and
/// [`SectorId`] (from the baseline's [`RegionSet`] and [`SectorSet`]). Storage is sector-major —
/// flat index `(s * N + i) * N + j` for exporter position `i`, importer position `j` and sector
/// position `s` ([`Baseline::index`]) — so one sector's N × N block is contiguous (the layout
/// accessors [`Baseline::flows`], [`Baseline::sector_flows`] and their tariff twins). When
/// [`Baseline::has_domestic`] is true the diagonal `flow(j, j, s)` holds domestic (intra-region)
/// sales, which the general-equilibrium models need; otherwise the diagonal is zero.
///
/// A baseline is immutable once built. Each one built (or deserialised) gets a process-unique
/// [`Baseline::uid`] that clones share, so solvers can cache what they derive from it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Baseline {
    regions: RegionSet,
    sectors: SectorSet,
    flows: Vec<f64>,
    tariffs: Vec<f64>,
    has_domestic: bool,
    provenance: Provenance,
    /// Countries inside aggregate regions, with their export shares.
    #[serde(default)]
    members: Vec<Member>,
    #[serde(skip, default = "next_uid")]
    uid: u64,
}

/// Equality of content: the [`Baseline::uid`] is not compared.
impl PartialEq for Baseline {
    fn eq(&self, other: &Self) -> bool {
        self.regions == other.regions
            && self.sectors == other.sectors
            && self.flows == other.flows
            && self.tariffs == other.tariffs
            && self.has_domestic == other.has_domestic
            && self.provenance == other.provenance
            && self.members == other.members
    }
}

/// A process-unique identity for content that solvers may cache what they derive from
/// ([`Baseline::uid`], [`crate::Tariffs::uid`]).
pub(crate) fn next_uid() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Baseline {
    /// Validates and builds a baseline.
    ///
    /// Rejects: arrays of the wrong length; non-finite or negative flows; tariffs that are
    /// non-finite or ≤ −100%; a non-zero diagonal when `has_domestic` is false.
    pub fn new(
        regions: RegionSet,
        sectors: SectorSet,
        flows: Vec<f64>,
        tariffs: Vec<f64>,
        has_domestic: bool,
        provenance: Provenance,
    ) -> Result<Self> {
        let n = regions.len();
        let len = n * n * sectors.len();
        for (what, v) in [("flows", &flows), ("tariffs", &tariffs)] {
            if v.len() != len {
                return Err(CoreError::Shape {
                    what,
                    expected: len,
                    found: v.len(),
                });
            }
        }
        let this = Self {
            regions,
            sectors,
            flows,
            tariffs,
            has_domestic,
            provenance,
            members: Vec::new(),
            uid: next_uid(),
        };
        for s in 0..this.sectors.len() {
            for i in 0..n {
                for j in 0..n {
                    let k = this.index(i, j, s);
                    let f = this.flows[k];
                    if !f.is_finite() || f < 0.0 {
                        return Err(this.invalid("flow", f, k, "a finite value >= 0"));
                    }
                    if i == j && !has_domestic && f != 0.0 {
                        return Err(this.invalid(
                            "flow",
                            f,
                            k,
                            "0 on the diagonal (the baseline declares no domestic flows)",
                        ));
                    }
                    let t = this.tariffs[k];
                    if !t.is_finite() || t <= -1.0 {
                        return Err(this.invalid(
                            "tariff",
                            t,
                            k,
                            "a finite ad valorem rate > -1 (a fraction: 0.25 = 25%)",
                        ));
                    }
                }
            }
        }
        Ok(this)
    }

    /// The error of the value at flat index `k`.
    fn invalid(
        &self,
        what: &'static str,
        value: f64,
        k: usize,
        expected: &'static str,
    ) -> CoreError {
        let (exporter, importer, sector) = self.cell_of(k);
        CoreError::InvalidValue {
            what,
            value,
            location: self.cell_name(exporter, importer, sector),
            expected,
        }
    }

    /// The cell at flat index `k` (the inverse of [`Baseline::index`]).
    #[must_use]
    pub fn cell_of(&self, k: usize) -> (RegionId, RegionId, SectorId) {
        let n = self.regions.len();
        (
            RegionId::from_index(k / n % n),
            RegionId::from_index(k % n),
            SectorId::from_index(k / (n * n)),
        )
    }

    /// Identity of this baseline's content within the process: two baselines with the same uid
    /// hold the same data (a clone keeps the uid; every build or deserialisation gets a new
    /// one). Solvers key caches of derived data (shares, totals) on it.
    #[must_use]
    pub fn uid(&self) -> u64 {
        self.uid
    }

    /// `exporter CHN, importer USA, sector ELECTRONICS`.
    #[must_use]
    pub fn cell_name(&self, exporter: RegionId, importer: RegionId, sector: SectorId) -> String {
        format!(
            "exporter {}, importer {}, sector {}",
            self.regions.code(exporter),
            self.regions.code(importer),
            self.sectors.code(sector)
        )
    }

    /// Layout accessor: the flat index `(s * N + i) * N + j` of the cell of exporter position
    /// `i`, importer position `j` and sector position `s`, into [`Baseline::flows`],
    /// [`Baseline::tariffs`] and every per-cell array of the same layout. Positions, not ids:
    /// this is the arithmetic of bulk loops (`RegionId::index` gives an id's position).
    #[inline]
    #[must_use]
    pub fn index(&self, i: usize, j: usize, s: usize) -> usize {
        let n = self.regions.len();
        (s * n + i) * n + j
    }

    /// Flat index of the cell (`exporter`, `importer`, `sector`).
    #[inline]
    fn cell(&self, exporter: RegionId, importer: RegionId, sector: SectorId) -> usize {
        self.index(exporter.index(), importer.index(), sector.index())
    }

    /// Number of regions N.
    #[must_use]
    pub fn n_regions(&self) -> usize {
        self.regions.len()
    }

    /// Number of sectors S.
    #[must_use]
    pub fn n_sectors(&self) -> usize {
        self.sectors.len()
    }

    /// The regions.
    #[must_use]
    pub fn regions(&self) -> &RegionSet {
        &self.regions
    }

    /// The sectors.
    #[must_use]
    pub fn sectors(&self) -> &SectorSet {
        &self.sectors
    }

    /// Whether the diagonal holds domestic sales.
    #[must_use]
    pub fn has_domestic(&self) -> bool {
        self.has_domestic
    }

    /// Provenance.
    #[must_use]
    pub fn provenance(&self) -> &Provenance {
        &self.provenance
    }

    /// Flow from `exporter` to `importer` in `sector`, USD at exporter prices.
    #[inline]
    #[must_use]
    pub fn flow(&self, exporter: RegionId, importer: RegionId, sector: SectorId) -> f64 {
        self.flows[self.cell(exporter, importer, sector)]
    }

    /// Baseline ad valorem tariff `importer` levies on `exporter`'s goods in `sector`.
    #[inline]
    #[must_use]
    pub fn tariff(&self, exporter: RegionId, importer: RegionId, sector: SectorId) -> f64 {
        self.tariffs[self.cell(exporter, importer, sector)]
    }

    /// Layout accessor: all flows, sector-major (flat index [`Baseline::index`]).
    #[must_use]
    pub fn flows(&self) -> &[f64] {
        &self.flows
    }

    /// Layout accessor: all baseline tariffs, sector-major (flat index [`Baseline::index`]).
    #[must_use]
    pub fn tariffs(&self) -> &[f64] {
        &self.tariffs
    }

    /// Layout accessor: sector position `s`'s N × N flow block, `[i * N + j]` for exporter
    /// position `i` and importer position `j` (row = exporter).
    #[must_use]
    pub fn sector_flows(&self, s: usize) -> &[f64] {
        let n2 = self.regions.len() * self.regions.len();
        &self.flows[s * n2..(s + 1) * n2]
    }

    /// Layout accessor: sector position `s`'s N × N baseline tariff block (as
    /// [`Baseline::sector_flows`]).
    #[must_use]
    pub fn sector_tariffs(&self, s: usize) -> &[f64] {
        let n2 = self.regions.len() * self.regions.len();
        &self.tariffs[s * n2..(s + 1) * n2]
    }

    /// Total exports of `exporter` (all sectors, excluding domestic sales), USD.
    #[must_use]
    pub fn exports(&self, exporter: RegionId) -> f64 {
        let (n, i) = (self.n_regions(), exporter.index());
        (0..self.n_sectors())
            .flat_map(|s| (0..n).filter(move |&j| j != i).map(move |j| (s, j)))
            .map(|(s, j)| self.flows[self.index(i, j, s)])
            .sum()
    }

    /// Total imports of `importer` (all sectors, excluding domestic sales), USD at exporter prices.
    #[must_use]
    pub fn imports(&self, importer: RegionId) -> f64 {
        let (n, j) = (self.n_regions(), importer.index());
        (0..self.n_sectors())
            .flat_map(|s| (0..n).filter(move |&i| i != j).map(move |i| (s, i)))
            .map(|(s, i)| self.flows[self.index(i, j, s)])
            .sum()
    }

    /// Total flow from `exporter` to `importer` over all sectors, USD.
    #[must_use]
    pub fn bilateral(&self, exporter: RegionId, importer: RegionId) -> f64 {
        self.sectors
            .ids()
            .map(|s| self.flow(exporter, importer, s))
            .sum()
    }

    /// Trade balance of `region`: exports − imports, USD.
    #[must_use]
    pub fn balance(&self, region: RegionId) -> f64 {
        self.exports(region) - self.imports(region)
    }

    /// The same baseline with countries inside its aggregate regions (see [`crate::members`]);
    /// replaces any members it had. Rejects malformed or duplicate codes, codes of regions,
    /// shares outside [0, 1] and members of one aggregate whose shares sum above 1.
    pub fn with_members(mut self, members: Vec<Member>) -> Result<Self> {
        let codes: Vec<&str> = self
            .regions
            .regions()
            .iter()
            .map(|r| r.code.as_str())
            .collect();
        crate::members::validate(&members, &codes, self.sectors.len())?;
        self.members = members;
        self.uid = next_uid();
        Ok(self)
    }

    /// Countries inside aggregate regions (empty when the baseline lists none).
    #[must_use]
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The member with ISO3 code `code`, if the baseline lists it.
    #[must_use]
    pub fn member(&self, code: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.code == code)
    }

    /// The baseline tariffs as a [`crate::Tariffs`] matrix (the starting point of a scenario).
    #[must_use]
    pub fn baseline_tariffs(&self) -> crate::Tariffs {
        crate::Tariffs::from_validated(self.n_regions(), self.n_sectors(), self.tariffs.clone())
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // sums of small integers are exact in binary floating point
mod tests {
    use super::*;

    fn sets() -> (RegionSet, SectorSet) {
        (
            RegionSet::from_codes(&["A", "B"]).unwrap(),
            SectorSet::from_codes(&["S"]).unwrap(),
        )
    }

    #[test]
    fn validates_values() {
        let (r, s) = sets();
        let build = |flows: Vec<f64>, tariffs: Vec<f64>, diagonal: bool| {
            Baseline::new(
                r.clone(),
                s.clone(),
                flows,
                tariffs,
                diagonal,
                Provenance::default(),
            )
        };
        assert!(build(vec![0.0, 1.0, 2.0, 0.0], vec![0.0; 4], false).is_ok());
        let msg = build(vec![0.0, -1.0, 2.0, 0.0], vec![0.0; 4], false)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("exporter A, importer B"), "{msg}");
        // A non-finite flow; domestic sales without `diagonal`, and with it.
        assert!(build(vec![0.0, f64::NAN, 2.0, 0.0], vec![0.0; 4], false).is_err());
        assert!(build(vec![1.0, 1.0, 2.0, 0.0], vec![0.0; 4], false).is_err());
        assert!(build(vec![1.0, 1.0, 2.0, 0.0], vec![0.0; 4], true).is_ok());
        // A negative tariff; flows of the wrong length.
        assert!(build(vec![0.0, 1.0, 2.0, 0.0], vec![0.0, -1.0, 0.0, 0.0], false).is_err());
        assert!(build(vec![0.0; 3], vec![0.0; 4], false).is_err());
    }

    #[test]
    fn totals() {
        let (r, s) = sets();
        let b = Baseline::new(
            r,
            s,
            vec![5.0, 1.0, 2.0, 7.0],
            vec![0.0; 4],
            true,
            Provenance::default(),
        )
        .unwrap();
        let [a, bb] = [0, 1].map(RegionId::from_index);
        assert_eq!(b.exports(a), 1.0);
        assert_eq!(b.imports(a), 2.0);
        assert_eq!(b.balance(a), -1.0);
        assert_eq!(b.bilateral(bb, a), 2.0);
        assert_eq!(b.flow(a, bb, SectorId::from_index(0)), 1.0);
        for k in 0..4 {
            let (i, j, s) = b.cell_of(k);
            assert_eq!(b.index(i.index(), j.index(), s.index()), k);
        }
    }
}
