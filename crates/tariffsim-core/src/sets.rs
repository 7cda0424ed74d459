//! Regions and sectors: ordered, validated code sets with names and named groups.

use crate::error::{CoreError, Result};
use crate::ids::{RegionId, SectorId};
use serde::{Deserialize, Serialize};

/// One region (a country or an aggregate of countries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// Short upper-case code (`USA`, `EU27`, `ASEAN_OTH`).
    pub code: String,
    /// Human-readable name.
    pub name: String,
}

/// One goods sector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sector {
    /// Short upper-case code (`ELECTRONICS`).
    pub code: String,
    /// Short name (`Electronics`).
    pub name: String,
    /// What it contains, for users ("computers, semiconductors, solar cells, ...").
    pub description: String,
}

/// A named group of members (`ASEAN` = VNM + ASEAN_OTH) of the owning set: `Group<RegionId>` in
/// a [`RegionSet`], `Group<SectorId>` in a [`SectorSet`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group<Id> {
    /// Group code (`ASEAN`).
    pub code: String,
    /// The members, ascending.
    pub members: Vec<Id>,
}

/// The id types a set's groups hold.
trait MemberId: Copy + Ord + std::fmt::Display {
    fn position(self) -> usize;
}

impl MemberId for RegionId {
    fn position(self) -> usize {
        self.index()
    }
}

impl MemberId for SectorId {
    fn position(self) -> usize {
        self.index()
    }
}

fn validate_code(what: &'static str, code: &str) -> Result<()> {
    let ok = !code.is_empty()
        && code.len() <= 32
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidSet {
            what,
            detail: format!(
                "code `{code}` must be 1-32 characters of A-Z, 0-9 and `_`, starting with a letter"
            ),
        })
    }
}

fn validate_groups<Id: MemberId>(
    what: &'static str,
    codes: &[&str],
    groups: &mut [Group<Id>],
) -> Result<()> {
    for g in groups.iter_mut() {
        validate_code(what, &g.code)?;
        if codes.contains(&g.code.as_str()) {
            return Err(CoreError::InvalidSet {
                what,
                detail: format!("group `{}` has the same code as a member", g.code),
            });
        }
        if g.members.is_empty() {
            return Err(CoreError::InvalidSet {
                what,
                detail: format!("group `{}` is empty", g.code),
            });
        }
        if let Some(&bad) = g.members.iter().find(|&&m| m.position() >= codes.len()) {
            return Err(CoreError::InvalidSet {
                what,
                detail: format!("group `{}` refers to member index {bad}", g.code),
            });
        }
        g.members.sort_unstable();
        g.members.dedup();
    }
    for (k, g) in groups.iter().enumerate() {
        if groups[..k].iter().any(|h| h.code == g.code) {
            return Err(CoreError::InvalidSet {
                what,
                detail: format!("duplicate group `{}`", g.code),
            });
        }
    }
    Ok(())
}

fn validate_unique(what: &'static str, codes: &[&str]) -> Result<()> {
    if codes.is_empty() {
        return Err(CoreError::InvalidSet {
            what,
            detail: "no entries".into(),
        });
    }
    for (k, c) in codes.iter().enumerate() {
        validate_code(what, c)?;
        if codes[..k].contains(c) {
            return Err(CoreError::InvalidSet {
                what,
                detail: format!("duplicate code `{c}`"),
            });
        }
    }
    Ok(())
}

/// An ordered set of regions with named groups. Index `i` is the region's position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionSet {
    regions: Vec<Region>,
    groups: Vec<Group<RegionId>>,
}

impl RegionSet {
    /// Validates codes (unique, `A-Z0-9_`) and groups (non-empty, known members, no clash).
    pub fn new(regions: Vec<Region>, mut groups: Vec<Group<RegionId>>) -> Result<Self> {
        let codes: Vec<&str> = regions.iter().map(|r| r.code.as_str()).collect();
        validate_unique("regions", &codes)?;
        validate_groups("regions", &codes, &mut groups)?;
        Ok(Self { regions, groups })
    }

    /// Regions named by code only (name = code), no groups. Handy for tests and synthetic data.
    pub fn from_codes<S: AsRef<str>>(codes: &[S]) -> Result<Self> {
        Self::new(
            codes
                .iter()
                .map(|c| Region {
                    code: c.as_ref().to_string(),
                    name: c.as_ref().to_string(),
                })
                .collect(),
            Vec::new(),
        )
    }

    /// Number of regions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.regions.len()
    }

    /// Always false for a validated set; present for clippy's `len_without_is_empty`.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// The regions in order (the region of [`RegionId`] `r` is at `r.index()`).
    #[must_use]
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Every region's id, in order.
    pub fn ids(
        &self,
    ) -> impl ExactSizeIterator<Item = RegionId> + DoubleEndedIterator + Clone + use<> {
        (0..self.regions.len()).map(RegionId::from_index)
    }

    /// The named groups.
    #[must_use]
    pub fn groups(&self) -> &[Group<RegionId>] {
        &self.groups
    }

    /// Code of `region`.
    #[must_use]
    pub fn code(&self, region: RegionId) -> &str {
        &self.regions[region.index()].code
    }

    /// The region with this code.
    #[must_use]
    pub fn index_of(&self, code: &str) -> Option<RegionId> {
        self.regions
            .iter()
            .position(|r| r.code == code)
            .map(RegionId::from_index)
    }

    /// The region with this code, or [`CoreError::UnknownCode`].
    pub fn require(&self, code: &str) -> Result<RegionId> {
        self.index_of(code).ok_or_else(|| CoreError::UnknownCode {
            what: "region",
            code: code.to_string(),
        })
    }

    /// A group by code.
    #[must_use]
    pub fn group(&self, code: &str) -> Option<&Group<RegionId>> {
        self.groups.iter().find(|g| g.code == code)
    }
}

/// An ordered set of sectors with named groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectorSet {
    sectors: Vec<Sector>,
    groups: Vec<Group<SectorId>>,
}

impl SectorSet {
    /// Validates codes and groups as [`RegionSet::new`] does.
    pub fn new(sectors: Vec<Sector>, mut groups: Vec<Group<SectorId>>) -> Result<Self> {
        let codes: Vec<&str> = sectors.iter().map(|r| r.code.as_str()).collect();
        validate_unique("sectors", &codes)?;
        validate_groups("sectors", &codes, &mut groups)?;
        Ok(Self { sectors, groups })
    }

    /// Sectors named by code only, no groups.
    pub fn from_codes<S: AsRef<str>>(codes: &[S]) -> Result<Self> {
        Self::new(
            codes
                .iter()
                .map(|c| Sector {
                    code: c.as_ref().to_string(),
                    name: c.as_ref().to_string(),
                    description: String::new(),
                })
                .collect(),
            Vec::new(),
        )
    }

    /// Number of sectors.
    #[must_use]
    pub fn len(&self) -> usize {
        self.sectors.len()
    }

    /// Always false for a validated set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sectors.is_empty()
    }

    /// The sectors in order (the sector of [`SectorId`] `s` is at `s.index()`).
    #[must_use]
    pub fn sectors(&self) -> &[Sector] {
        &self.sectors
    }

    /// Every sector's id, in order.
    pub fn ids(
        &self,
    ) -> impl ExactSizeIterator<Item = SectorId> + DoubleEndedIterator + Clone + use<> {
        (0..self.sectors.len()).map(SectorId::from_index)
    }

    /// The named groups.
    #[must_use]
    pub fn groups(&self) -> &[Group<SectorId>] {
        &self.groups
    }

    /// Code of `sector`.
    #[must_use]
    pub fn code(&self, sector: SectorId) -> &str {
        &self.sectors[sector.index()].code
    }

    /// The sector with this code.
    #[must_use]
    pub fn index_of(&self, code: &str) -> Option<SectorId> {
        self.sectors
            .iter()
            .position(|r| r.code == code)
            .map(SectorId::from_index)
    }

    /// The sector with this code, or [`CoreError::UnknownCode`].
    pub fn require(&self, code: &str) -> Result<SectorId> {
        self.index_of(code).ok_or_else(|| CoreError::UnknownCode {
            what: "sector",
            code: code.to_string(),
        })
    }

    /// A group by code.
    #[must_use]
    pub fn group(&self, code: &str) -> Option<&Group<SectorId>> {
        self.groups.iter().find(|g| g.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_duplicates_and_bad_codes() {
        assert!(RegionSet::from_codes(&["USA", "USA"]).is_err());
        assert!(RegionSet::from_codes(&["usa"]).is_err());
        assert!(RegionSet::from_codes::<&str>(&[]).is_err());
        assert!(RegionSet::from_codes(&["1AB"]).is_err());
        let ok = RegionSet::from_codes(&["USA", "CHN"]).unwrap();
        assert_eq!(ok.require("CHN").unwrap(), RegionId::from_index(1));
        assert_eq!(ok.index_of("USA"), Some(RegionId::from_index(0)));
        assert_eq!(ok.code(ok.require("CHN").unwrap()), "CHN");
        let ids: Vec<RegionId> = ok.ids().collect();
        assert_eq!(ids, [RegionId::from_index(0), RegionId::from_index(1)]);
        assert!(matches!(
            ok.require("CHA"),
            Err(CoreError::UnknownCode { .. })
        ));
    }

    #[test]
    fn groups_are_validated() {
        let regions = RegionSet::from_codes(&["VNM", "ASEAN_OTH"])
            .unwrap()
            .regions()
            .to_vec();
        let g = |code: &str, members: Vec<usize>| Group {
            code: code.into(),
            members: members.into_iter().map(RegionId::from_index).collect(),
        };
        assert!(RegionSet::new(regions.clone(), vec![g("ASEAN", vec![1, 0, 0])]).is_ok());
        assert!(RegionSet::new(regions.clone(), vec![g("ASEAN", vec![])]).is_err());
        assert!(RegionSet::new(regions.clone(), vec![g("ASEAN", vec![2])]).is_err());
        assert!(RegionSet::new(regions.clone(), vec![g("VNM", vec![0])]).is_err());
        let set = RegionSet::new(regions, vec![g("ASEAN", vec![1, 0])]).unwrap();
        let ids: Vec<RegionId> = set.ids().collect();
        assert_eq!(set.group("ASEAN").unwrap().members, ids);
    }
}
