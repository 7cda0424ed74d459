//! Aggregating a baseline's sectors into coarser ones.
//!
//! A [`SectorGrouping`] partitions a baseline's sectors: every fine sector belongs to exactly one
//! output sector. [`Baseline::aggregate_sectors`] then sums the flows (domestic sales included)
//! of each output sector's members and weights their tariffs by those flows:
//!
//! ```text
//! flow(i, j, S)   = Σ_{s ∈ S} flow(i, j, s)
//! tariff(i, j, S) = Σ_{s ∈ S} flow(i, j, s) · tariff(i, j, s) / flow(i, j, S)
//!                   (the simple mean of the members' tariffs when flow(i, j, S) = 0)
//! ```
//!
//! Members' export shares ([`crate::members`]) are re-weighted the same way, by the aggregate
//! region's flows: `share(j, S) = Σ_{s ∈ S} share(j, s) · flow(r, j, s) / flow(r, j, S)`, so the
//! member's exports implied by the aggregated baseline are the sum of those of the fine one.
//! An output sector with one member copies that member's cells bit for bit.
//!
//! A grouping is written as a named grouping ([`NAMED_GROUPINGS`]: `coarse13`, the 13 sectors of
//! the world2024 baseline before its 22-sector split) or as a comma-separated list of codes; each
//! code is a sector of the baseline (an output sector of its own) or a sector group (an output
//! sector summing the group's members).

use crate::baseline::Baseline;
use crate::error::{CoreError, Result};
use crate::ids::SectorId;
use crate::members::Member;
use crate::sets::{Group, Sector, SectorSet};

/// The 13 goods sectors of the world2024 baseline before its split into 22 (code, name), in
/// order. On a 22-sector baseline the five split ones (`AGRI_FOOD`, `ENERGY_MINING`,
/// `WOOD_PAPER`, `CHEM_PLASTICS`, `METALS_MINERALS`) are sector groups of their fine sectors.
pub const COARSE13: &[(&str, &str)] = &[
    ("AGRI_FOOD", "Agriculture and food"),
    ("ENERGY_MINING", "Energy and mining"),
    ("TEXTILE_APPAREL", "Textiles and apparel"),
    ("WOOD_PAPER", "Wood and paper"),
    ("CHEM_PLASTICS", "Chemicals and plastics"),
    ("PHARMA", "Pharmaceuticals"),
    ("METALS_MINERALS", "Metals and minerals"),
    ("ELECTRONICS", "Electronics"),
    ("ELECTRICAL_EQUIP", "Electrical equipment"),
    ("MACHINERY", "Machinery"),
    ("MOTOR_VEHICLES", "Motor vehicles"),
    ("OTHER_TRANSPORT", "Other transport"),
    ("OTHER_MFG", "Other manufacturing"),
];

/// Named groupings [`SectorGrouping::parse`] accepts: (name, output codes in order).
pub const NAMED_GROUPINGS: &[(&str, &[(&str, &str)])] = &[("coarse13", COARSE13)];

/// Names of the [`NAMED_GROUPINGS`].
#[must_use]
pub fn named_groupings() -> Vec<&'static str> {
    NAMED_GROUPINGS.iter().map(|(n, _)| *n).collect()
}

/// One sector of an aggregated baseline: its code, name and description, and the fine sectors it
/// sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateSector {
    /// The output sector.
    pub sector: Sector,
    /// The fine sectors it sums (of the input baseline's sectors).
    pub members: Vec<SectorId>,
}

/// A partition of a baseline's sectors into output sectors, with a label recorded in the
/// aggregated baseline's provenance (`coarse13`, or the list of codes it was written as).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectorGrouping {
    label: String,
    sectors: Vec<AggregateSector>,
}

impl SectorGrouping {
    /// A grouping from its output sectors. Whether it partitions a baseline's sectors is checked
    /// by [`Baseline::aggregate_sectors`].
    #[must_use]
    pub fn new(label: impl Into<String>, sectors: Vec<AggregateSector>) -> Self {
        Self {
            label: label.into(),
            sectors,
        }
    }

    /// A grouping written as `spec`: a name of [`NAMED_GROUPINGS`] (`coarse13`) or a
    /// comma-separated list of codes, each resolved by [`SectorGrouping::from_codes`] (the label
    /// is the name, or the codes joined by commas without spaces).
    ///
    /// Errors: [`CoreError::UnknownGroupingCode`] for a code that is neither a sector nor a
    /// sector group of `set` (a single unknown word is reported as an unknown grouping name).
    pub fn parse(spec: &str, set: &SectorSet) -> Result<Self> {
        let spec = spec.trim();
        if let Some((name, codes)) = NAMED_GROUPINGS.iter().find(|(n, _)| *n == spec) {
            let codes: Vec<&str> = codes.iter().map(|(c, _)| *c).collect();
            return Self::from_codes(name, &codes, set);
        }
        let codes: Vec<&str> = spec.split(',').map(str::trim).collect();
        if codes.iter().any(|c| c.is_empty()) {
            return Err(CoreError::InvalidSet {
                what: "sector grouping",
                detail: format!(
                    "`{spec}` has an empty code: a named grouping ({}) or codes separated by commas",
                    named_groupings().join(", ")
                ),
            });
        }
        Self::from_codes(&codes.join(","), &codes, set)
    }

    /// A grouping from output codes: each one a sector of `set` (an output sector of its own, with
    /// its name and description) or a sector group (an output sector summing the group's members,
    /// named after the group: the [`COARSE13`] name for those codes, else the code; described by
    /// its members' names).
    pub fn from_codes(label: &str, codes: &[&str], set: &SectorSet) -> Result<Self> {
        let sectors = codes
            .iter()
            .map(|&code| {
                if let Some(s) = set.index_of(code) {
                    return Ok(AggregateSector {
                        sector: set.sectors()[s.index()].clone(),
                        members: vec![s],
                    });
                }
                let Some(g) = set.group(code) else {
                    return Err(CoreError::UnknownGroupingCode {
                        grouping: label.to_string(),
                        code: code.to_string(),
                    });
                };
                let name = COARSE13
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map_or(code, |(_, n)| *n);
                let parts: Vec<&str> = g
                    .members
                    .iter()
                    .map(|&s| set.sectors()[s.index()].name.as_str())
                    .collect();
                Ok(AggregateSector {
                    sector: Sector {
                        code: code.to_string(),
                        name: name.to_string(),
                        description: format!("sum of: {}", parts.join("; ")),
                    },
                    members: g.members.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self::new(label, sectors))
    }

    /// The label recorded in provenance.
    #[must_use]
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The output sectors, in order.
    #[must_use]
    pub fn sectors(&self) -> &[AggregateSector] {
        &self.sectors
    }

    /// The output sector of each fine sector (`n_fine` of them), or the typed error naming a
    /// sector left out, put in two output sectors, or out of range.
    fn assignment(&self, fine: &SectorSet) -> Result<Vec<usize>> {
        let mut out: Vec<Option<usize>> = vec![None; fine.len()];
        for (k, a) in self.sectors.iter().enumerate() {
            if a.members.is_empty() {
                return Err(CoreError::InvalidSet {
                    what: "sector grouping",
                    detail: format!(
                        "`{}`: output sector `{}` has no members",
                        self.label, a.sector.code
                    ),
                });
            }
            for &s in &a.members {
                let Some(slot) = out.get_mut(s.index()) else {
                    return Err(CoreError::InvalidSet {
                        what: "sector grouping",
                        detail: format!(
                            "`{}`: output sector `{}` refers to sector #{s} of {}",
                            self.label,
                            a.sector.code,
                            fine.len()
                        ),
                    });
                };
                if let Some(first) = *slot {
                    return Err(CoreError::SectorGroupedTwice {
                        grouping: self.label.clone(),
                        sector: fine.code(s).to_string(),
                        first: self.sectors[first].sector.code.clone(),
                        second: a.sector.code.clone(),
                    });
                }
                *slot = Some(k);
            }
        }
        out.iter()
            .zip(fine.ids())
            .map(|(k, s)| {
                k.ok_or_else(|| CoreError::SectorNotGrouped {
                    grouping: self.label.clone(),
                    sector: fine.code(s).to_string(),
                })
            })
            .collect()
    }
}

impl Baseline {
    /// The baseline with its sectors aggregated by `grouping` (see [`crate::aggregate`]): flows
    /// summed, tariffs and members' export shares weighted by the flows, regions and region
    /// groups kept, provenance noted (`sectors aggregated: coarse13 (22 -> 13 sectors)`).
    ///
    /// Sector groups of the input that are exactly a union of output sectors are kept (over
    /// those sectors) unless their code is an output sector's (a group aggregated into one
    /// sector becomes that sector); groups that cut across an output sector cannot be expressed
    /// and are dropped.
    ///
    /// Errors: [`CoreError::SectorNotGrouped`] or [`CoreError::SectorGroupedTwice`] when the
    /// grouping is not a partition; [`CoreError::InvalidSet`] for duplicate output codes or an
    /// empty output sector.
    pub fn aggregate_sectors(&self, grouping: &SectorGrouping) -> Result<Baseline> {
        let fine = self.sectors();
        let of = grouping.assignment(fine)?;
        let n = self.n_regions();
        let n2 = n * n;
        let outs = grouping.sectors();
        let mut flows = vec![0.0; n2 * outs.len()];
        let mut tariffs = vec![0.0; n2 * outs.len()];
        for (k, a) in outs.iter().enumerate() {
            let (f_out, t_out) = (
                &mut flows[k * n2..(k + 1) * n2],
                &mut tariffs[k * n2..(k + 1) * n2],
            );
            if let [s] = a.members[..] {
                f_out.copy_from_slice(self.sector_flows(s.index()));
                t_out.copy_from_slice(self.sector_tariffs(s.index()));
                continue;
            }
            for c in 0..n2 {
                let (f, t) = weighted(a.members.iter().map(|&s| {
                    (
                        self.sector_flows(s.index())[c],
                        self.sector_tariffs(s.index())[c],
                    )
                }));
                f_out[c] = f;
                t_out[c] = t;
            }
        }
        let groups = fine
            .groups()
            .iter()
            .filter_map(|g| {
                let mut image: Vec<usize> = g.members.iter().map(|&s| of[s.index()]).collect();
                image.sort_unstable();
                image.dedup();
                let covered: usize = image.iter().map(|&k| outs[k].members.len()).sum();
                let exact = covered == g.members.len();
                let clash = outs.iter().any(|a| a.sector.code == g.code);
                (exact && !clash).then(|| Group {
                    code: g.code.clone(),
                    members: image.into_iter().map(SectorId::from_index).collect(),
                })
            })
            .collect();
        let sectors = SectorSet::new(outs.iter().map(|a| a.sector.clone()).collect(), groups)?;
        let mut provenance = self.provenance().clone();
        provenance.sources.push(format!(
            "sectors aggregated: {} ({} -> {} sectors)",
            grouping.label(),
            fine.len(),
            outs.len()
        ));
        let out = Baseline::new(
            self.regions().clone(),
            sectors,
            flows,
            tariffs,
            self.has_domestic(),
            provenance,
        )?;
        if self.members().is_empty() {
            return Ok(out);
        }
        let members = self
            .members()
            .iter()
            .map(|m| self.aggregate_member(m, outs))
            .collect();
        out.with_members(members)
    }

    /// A member's export shares over the output sectors, weighted by its aggregate's flows.
    fn aggregate_member(&self, m: &Member, outs: &[AggregateSector]) -> Member {
        let n = self.n_regions();
        let mut shares = vec![0.0; n * outs.len()];
        for (k, a) in outs.iter().enumerate() {
            for j in self.regions().ids() {
                shares[k * n + j.index()] = match a.members[..] {
                    [s] => m.share(n, j, s),
                    _ => {
                        weighted(
                            a.members
                                .iter()
                                .map(|&s| (self.flow(m.region, j, s), m.share(n, j, s))),
                        )
                        .1
                    }
                };
            }
        }
        Member {
            code: m.code.clone(),
            name: m.name.clone(),
            region: m.region,
            export_shares: shares,
        }
    }
}

/// The sum of the weights and the weighted mean of the values of `(weight, value)` pairs; the
/// simple mean of the values when the weights sum to zero.
fn weighted(items: impl Iterator<Item = (f64, f64)>) -> (f64, f64) {
    let (mut w, mut wv, mut v, mut count) = (0.0, 0.0, 0.0, 0.0);
    for (wi, vi) in items {
        w += wi;
        wv += wi * vi;
        v += vi;
        count += 1.0;
    }
    if w > 0.0 {
        (w, wv / w)
    } else if count > 0.0 {
        (w, v / count)
    } else {
        (0.0, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::Provenance;
    use crate::ids::RegionId;
    use crate::sets::RegionSet;

    const N: usize = 3;

    /// Three regions (C is an aggregate with two members), four sectors A-D with groups
    /// AB = {A, B}, CD = {C, D}, ALL = {A, B, C, D} and AC = {A, C}; domestic sales on the
    /// diagonal; the cell C -> B has no trade in A and B (zero-flow cells).
    fn fine() -> Baseline {
        let regions = RegionSet::from_codes(&["A_R", "B_R", "C_R"]).unwrap();
        let g = |code: &str, members: Vec<usize>| Group {
            code: code.into(),
            members: sectors(&members),
        };
        let sectors = SectorSet::new(
            SectorSet::from_codes(&["A", "B", "C", "D"])
                .unwrap()
                .sectors()
                .to_vec(),
            vec![
                g("AB", vec![0, 1]),
                g("CD", vec![2, 3]),
                g("ALL", vec![0, 1, 2, 3]),
                g("AC", vec![0, 2]),
            ],
        )
        .unwrap();
        let mut flows = vec![0.0; N * N * 4];
        let mut tariffs = vec![0.0; N * N * 4];
        for s in 0..4 {
            for i in 0..N {
                for j in 0..N {
                    let k = (s * N + i) * N + j;
                    flows[k] = 1e9 * (0.37 + ((3 * i + 5 * j + 7 * s) % 11) as f64 / 3.0);
                    tariffs[k] = if i == j {
                        0.0
                    } else {
                        0.01 * ((i + 2 * j + 3 * s) % 7) as f64 + 0.003
                    };
                }
            }
        }
        for s in [0, 1] {
            flows[(s * N + 2) * N + 1] = 0.0;
        }
        let member = |code: &str, base: f64| Member {
            code: code.into(),
            name: code.into(),
            region: RegionId::from_index(2),
            export_shares: (0..4 * N).map(|x| base + 0.01 * (x % 5) as f64).collect(),
        };
        Baseline::new(
            regions,
            sectors,
            flows,
            tariffs,
            true,
            Provenance {
                name: "fine".into(),
                version: "1".into(),
                year: 2024,
                sources: vec!["made up".into()],
            },
        )
        .unwrap()
        .with_members(vec![member("M1", 0.2), member("M2", 0.5)])
        .unwrap()
    }

    fn sectors(positions: &[usize]) -> Vec<SectorId> {
        positions
            .iter()
            .copied()
            .map(SectorId::from_index)
            .collect()
    }

    fn grouping(codes: &[&str], b: &Baseline) -> SectorGrouping {
        SectorGrouping::from_codes(&codes.join(","), codes, b.sectors()).unwrap()
    }

    #[test]
    fn the_identity_grouping_gives_the_baseline_bit_for_bit() {
        let b = fine();
        let id = b
            .aggregate_sectors(&grouping(&["A", "B", "C", "D"], &b))
            .unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(id.flows()), bits(b.flows()));
        assert_eq!(bits(id.tariffs()), bits(b.tariffs()));
        assert_eq!(id.sectors(), b.sectors());
        assert_eq!(id.regions(), b.regions());
        assert_eq!(id.members(), b.members());
        assert_eq!(id.has_domestic(), b.has_domestic());
        let p = id.provenance();
        assert_eq!((p.name.as_str(), p.version.as_str()), ("fine", "1"));
        assert_eq!(
            p.sources.last().map(String::as_str),
            Some("sectors aggregated: A,B,C,D (4 -> 4 sectors)")
        );
    }

    #[test]
    fn one_sector_sums_flows_and_weights_tariffs_and_member_shares() {
        let b = fine();
        let one = b.aggregate_sectors(&grouping(&["ALL"], &b)).unwrap();
        assert_eq!(one.n_sectors(), 1);
        let s = &one.sectors().sectors()[0];
        assert_eq!(s.code, "ALL");
        assert_eq!(s.description, "sum of: A; B; C; D");
        assert!(
            one.sectors().groups().is_empty(),
            "every group folds into one"
        );
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-300);
        let all = SectorId::from_index(0);
        for i in b.regions().ids() {
            for j in b.regions().ids() {
                let f: f64 = b.sectors().ids().map(|s| b.flow(i, j, s)).sum();
                let ft: f64 = b
                    .sectors()
                    .ids()
                    .map(|s| b.flow(i, j, s) * b.tariff(i, j, s))
                    .sum();
                assert!(close(one.flow(i, j, all), f), "{i} {j}");
                assert!(close(one.tariff(i, j, all), ft / f), "{i} {j}");
            }
        }
        // Totals are the sums.
        for r in b.regions().ids() {
            assert!(close(one.exports(r), b.exports(r)));
            assert!(close(one.imports(r), b.imports(r)));
        }
        // A member's implied exports are the sum of its fine ones.
        for m in b.members() {
            let agg = one.member(&m.code).unwrap();
            for j in b.regions().ids() {
                let fine: f64 = b
                    .sectors()
                    .ids()
                    .map(|s| m.share(N, j, s) * b.flow(m.region, j, s))
                    .sum();
                let coarse = agg.share(N, j, all) * one.flow(m.region, j, all);
                assert!(close(coarse, fine), "{} {j}", m.code);
            }
        }
    }

    #[test]
    fn zero_flow_cells_take_the_simple_mean_of_the_tariffs() {
        let b = fine();
        let agg = b.aggregate_sectors(&grouping(&["AB", "CD"], &b)).unwrap();
        let (i, j) = (RegionId::from_index(2), RegionId::from_index(1));
        let [a, bb] = [0, 1].map(SectorId::from_index);
        let ab = a;
        assert_eq!(agg.flow(i, j, ab).to_bits(), 0.0f64.to_bits());
        let mean = (b.tariff(i, j, a) + b.tariff(i, j, bb)) / 2.0;
        assert!((agg.tariff(i, j, ab) - mean).abs() < 1e-15);
        let m = &b.members()[0];
        let share = (m.share(N, j, a) + m.share(N, j, bb)) / 2.0;
        assert!((agg.members()[0].share(N, j, ab) - share).abs() < 1e-15);
    }

    #[test]
    fn groups_survive_when_they_are_unions_of_output_sectors() {
        let b = fine();
        let agg = b
            .aggregate_sectors(&grouping(&["AB", "C", "D"], &b))
            .unwrap();
        let codes: Vec<&str> = agg
            .sectors()
            .sectors()
            .iter()
            .map(|s| s.code.as_str())
            .collect();
        assert_eq!(codes, ["AB", "C", "D"]);
        // AB became a sector; CD and ALL are unions of output sectors; AC cuts AB in two.
        let groups = agg.sectors().groups();
        let find = |c: &str| {
            groups
                .iter()
                .find(|g| g.code == c)
                .map(|g| g.members.clone())
        };
        assert_eq!(find("AB"), None);
        assert_eq!(find("CD"), Some(sectors(&[1, 2])));
        assert_eq!(find("ALL"), Some(sectors(&[0, 1, 2])));
        assert_eq!(find("AC"), None);
    }

    #[test]
    fn a_grouping_that_is_not_a_partition_is_an_error() {
        let b = fine();
        let err = b
            .aggregate_sectors(&grouping(&["AB", "C"], &b))
            .unwrap_err();
        assert_eq!(
            err,
            CoreError::SectorNotGrouped {
                grouping: "AB,C".into(),
                sector: "D".into()
            }
        );
        assert!(err.to_string().contains("leaves out sector `D`"), "{err}");
        let err = b
            .aggregate_sectors(&grouping(&["AB", "CD", "A"], &b))
            .unwrap_err();
        assert_eq!(
            err,
            CoreError::SectorGroupedTwice {
                grouping: "AB,CD,A".into(),
                sector: "A".into(),
                first: "AB".into(),
                second: "A".into(),
            }
        );
        // Out-of-range and empty output sectors (hand-built groupings).
        let bad = SectorGrouping::new(
            "x",
            vec![AggregateSector {
                sector: b.sectors().sectors()[0].clone(),
                members: sectors(&[9]),
            }],
        );
        assert!(matches!(
            b.aggregate_sectors(&bad),
            Err(CoreError::InvalidSet { .. })
        ));
    }

    #[test]
    fn parse_reads_named_groupings_and_code_lists() {
        let b = fine();
        let g = SectorGrouping::parse(" AB , CD ", b.sectors()).unwrap();
        assert_eq!(g.label(), "AB,CD");
        assert_eq!(g.sectors().len(), 2);
        assert_eq!(g.sectors()[1].members, sectors(&[2, 3]));
        for (spec, code) in [("NOPE", "NOPE"), ("AB,XX", "XX"), ("coarse13", "AGRI_FOOD")] {
            match SectorGrouping::parse(spec, b.sectors()) {
                Err(CoreError::UnknownGroupingCode { code: c, .. }) => assert_eq!(c, code),
                other => panic!("{spec}: {other:?}"),
            }
        }
        assert!(matches!(
            SectorGrouping::parse("AB,,CD", b.sectors()),
            Err(CoreError::InvalidSet { .. })
        ));
    }

    #[test]
    fn coarse13_sums_the_groups_of_a_finer_baseline() {
        // The 13 codes, with METALS_MINERALS split into two fine sectors grouped under it.
        let mut codes: Vec<&str> = COARSE13
            .iter()
            .map(|(c, _)| *c)
            .filter(|c| *c != "METALS_MINERALS")
            .collect();
        codes.extend(["IRON_STEEL", "NONFERROUS_METALS"]);
        let sectors = SectorSet::new(
            SectorSet::from_codes(&codes).unwrap().sectors().to_vec(),
            vec![Group {
                code: "METALS_MINERALS".into(),
                members: sectors(&[12, 13]),
            }],
        )
        .unwrap();
        let regions = RegionSet::from_codes(&["X", "Y"]).unwrap();
        let ns = codes.len();
        let flows: Vec<f64> = (0..4 * ns)
            .map(|k| {
                if k % 4 == 1 || k % 4 == 2 {
                    1.0 + k as f64
                } else {
                    0.0
                }
            })
            .collect();
        let b = Baseline::new(
            regions,
            sectors,
            flows,
            vec![0.05; 4 * ns],
            false,
            Provenance::default(),
        )
        .unwrap();
        let g = SectorGrouping::parse("coarse13", b.sectors()).unwrap();
        let agg = b.aggregate_sectors(&g).unwrap();
        let out: Vec<&str> = agg
            .sectors()
            .sectors()
            .iter()
            .map(|s| s.code.as_str())
            .collect();
        let want: Vec<&str> = COARSE13.iter().map(|(c, _)| *c).collect();
        assert_eq!(out, want);
        assert!(agg.sectors().groups().is_empty());
        let metals = agg.sectors().index_of("METALS_MINERALS").unwrap();
        assert_eq!(
            agg.sectors().sectors()[metals.index()].name,
            "Metals and minerals"
        );
        let (x, y) = (RegionId::from_index(0), RegionId::from_index(1));
        let [iron, nonferrous] = [12, 13].map(SectorId::from_index);
        assert!(
            (agg.flow(x, y, metals) - (b.flow(x, y, iron) + b.flow(x, y, nonferrous))).abs()
                < 1e-12
        );
        assert!(
            agg.provenance()
                .sources
                .contains(&"sectors aggregated: coarse13 (14 -> 13 sectors)".to_string())
        );
    }
}
