//! The baseline: bilateral flows by sector at exporter prices, baseline tariffs, provenance.

use crate::error::{CoreError, Result};
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
/// `flow(i, j, s)` is the value of sector-`s` goods from exporter `i` to importer `j`, in USD at
/// exporter (pre-tariff) prices. `tariff(i, j, s)` is the ad valorem rate importer `j` levies on
/// them. Storage is sector-major — index `(s * N + i) * N + j` — so one sector's N × N block is
/// contiguous. When [`Baseline::has_domestic`] is true the diagonal `flow(j, j, s)` holds domestic
/// (intra-region) sales, which the general-equilibrium models need; otherwise the diagonal is zero.
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
                        return Err(this.invalid("flow", f, i, j, s, "a finite value >= 0"));
                    }
                    if i == j && !has_domestic && f != 0.0 {
                        return Err(this.invalid(
                            "flow",
                            f,
                            i,
                            j,
                            s,
                            "0 on the diagonal (the baseline declares no domestic flows)",
                        ));
                    }
                    let t = this.tariffs[k];
                    if !t.is_finite() || t <= -1.0 {
                        return Err(this.invalid(
                            "tariff",
                            t,
                            i,
                            j,
                            s,
                            "a finite ad valorem rate > -1 (a fraction: 0.25 = 25%)",
                        ));
                    }
                }
            }
        }
        Ok(this)
    }

    fn invalid(
        &self,
        what: &'static str,
        value: f64,
        i: usize,
        j: usize,
        s: usize,
        expected: &'static str,
    ) -> CoreError {
        CoreError::InvalidValue {
            what,
            value,
            location: self.cell_name(i, j, s),
            expected,
        }
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
    pub fn cell_name(&self, i: usize, j: usize, s: usize) -> String {
        format!(
            "exporter {}, importer {}, sector {}",
            self.regions.code(i),
            self.regions.code(j),
            self.sectors.code(s)
        )
    }

    /// Flat index of cell (exporter `i`, importer `j`, sector `s`).
    #[inline]
    #[must_use]
    pub fn index(&self, i: usize, j: usize, s: usize) -> usize {
        let n = self.regions.len();
        (s * n + i) * n + j
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

    /// Flow from exporter `i` to importer `j` in sector `s`, USD at exporter prices.
    #[inline]
    #[must_use]
    pub fn flow(&self, i: usize, j: usize, s: usize) -> f64 {
        self.flows[self.index(i, j, s)]
    }

    /// Baseline ad valorem tariff of importer `j` on exporter `i` in sector `s`.
    #[inline]
    #[must_use]
    pub fn tariff(&self, i: usize, j: usize, s: usize) -> f64 {
        self.tariffs[self.index(i, j, s)]
    }

    /// All flows, sector-major.
    #[must_use]
    pub fn flows(&self) -> &[f64] {
        &self.flows
    }

    /// All baseline tariffs, sector-major.
    #[must_use]
    pub fn tariffs(&self) -> &[f64] {
        &self.tariffs
    }

    /// One sector's N × N flow block (row = exporter).
    #[must_use]
    pub fn sector_flows(&self, s: usize) -> &[f64] {
        let n2 = self.regions.len() * self.regions.len();
        &self.flows[s * n2..(s + 1) * n2]
    }

    /// One sector's N × N baseline tariff block.
    #[must_use]
    pub fn sector_tariffs(&self, s: usize) -> &[f64] {
        let n2 = self.regions.len() * self.regions.len();
        &self.tariffs[s * n2..(s + 1) * n2]
    }

    /// Total exports of region `i` (all sectors, excluding domestic sales), USD.
    #[must_use]
    pub fn exports(&self, i: usize) -> f64 {
        let n = self.n_regions();
        (0..self.n_sectors())
            .flat_map(|s| (0..n).filter(move |&j| j != i).map(move |j| (s, j)))
            .map(|(s, j)| self.flow(i, j, s))
            .sum()
    }

    /// Total imports of region `j` (all sectors, excluding domestic sales), USD at exporter prices.
    #[must_use]
    pub fn imports(&self, j: usize) -> f64 {
        let n = self.n_regions();
        (0..self.n_sectors())
            .flat_map(|s| (0..n).filter(move |&i| i != j).map(move |i| (s, i)))
            .map(|(s, i)| self.flow(i, j, s))
            .sum()
    }

    /// Total flow from `i` to `j` over all sectors, USD.
    #[must_use]
    pub fn bilateral(&self, i: usize, j: usize) -> f64 {
        (0..self.n_sectors()).map(|s| self.flow(i, j, s)).sum()
    }

    /// Trade balance of region `r`: exports − imports, USD.
    #[must_use]
    pub fn balance(&self, r: usize) -> f64 {
        self.exports(r) - self.imports(r)
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
        assert_eq!(b.exports(0), 1.0);
        assert_eq!(b.imports(0), 2.0);
        assert_eq!(b.balance(0), -1.0);
        assert_eq!(b.bilateral(1, 0), 2.0);
    }
}
