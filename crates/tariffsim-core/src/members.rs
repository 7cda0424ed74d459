//! Countries inside aggregate regions.
//!
//! A baseline's regions may be aggregates (`ASEAN_OTH`, `ROW`). Policy is set per country: the
//! 2025 US reciprocal rates were 19% on Thailand and 39% on Switzerland, both inside aggregates.
//! A [`Member`] names such a country (ISO3), its aggregate, and its share of the aggregate's
//! exports to each importer in each sector: `share(j, s)` = exports of the member to `j` in `s`
//! ÷ exports of the aggregate to `j` in `s`. A duty on a member enters the aggregate's cell as a
//! partly covered layer with that share as coverage (an ad valorem equivalent: the cell pays
//! `share × rate`), so the aggregate's import-weighted rate is what the members' rates imply on
//! the baseline's own weights.
//!
//! The members of an aggregate need not be complete (`ROW` lists the largest economies only):
//! shares of an aggregate's members sum to at most 1 on each (importer, sector); the remainder is
//! the unlisted economies.

use crate::error::{CoreError, Result};
use crate::ids::{RegionId, SectorId};
use serde::{Deserialize, Serialize};

/// Tolerance on the sum of members' shares of one aggregate (rounding in the table).
pub const SHARE_SUM_TOLERANCE: f64 = 1e-6;

/// A country inside an aggregate region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// ISO3 code (`THA`).
    pub code: String,
    /// Display name (`Thailand`).
    pub name: String,
    /// The aggregate region that holds it.
    pub region: RegionId,
    /// Share of the aggregate's exports to importer position `j` in sector position `s`, at
    /// `s * N + j`, in [0, 1] (layout; [`Member::share`] reads one by ids).
    pub export_shares: Vec<f64>,
}

impl Member {
    /// The member's share of its aggregate's exports to `importer` in `sector` (N regions).
    #[must_use]
    pub fn share(&self, n_regions: usize, importer: RegionId, sector: SectorId) -> f64 {
        self.export_shares[sector.index() * n_regions + importer.index()]
    }
}

/// Validates a member list against region codes and dimensions: unique codes that are not region
/// codes, a valid aggregate, shares finite in [0, 1] with sums per aggregate of at most 1.
pub(crate) fn validate(members: &[Member], region_codes: &[&str], n_sectors: usize) -> Result<()> {
    let n = region_codes.len();
    let bad = |detail: String| CoreError::InvalidSet {
        what: "members",
        detail,
    };
    let mut sums = vec![0.0; n * n * n_sectors];
    for (k, m) in members.iter().enumerate() {
        if m.code.is_empty()
            || !m
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(bad(format!("malformed member code `{}`", m.code)));
        }
        if region_codes.contains(&m.code.as_str()) {
            return Err(bad(format!(
                "member `{}` is also a region code: a country with its own region is not a member",
                m.code
            )));
        }
        if members[..k].iter().any(|o| o.code == m.code) {
            return Err(bad(format!("duplicate member `{}`", m.code)));
        }
        if m.region.index() >= n {
            return Err(bad(format!("member `{}`: no region #{}", m.code, m.region)));
        }
        if m.export_shares.len() != n * n_sectors {
            return Err(CoreError::Shape {
                what: "member export shares",
                expected: n * n_sectors,
                found: m.export_shares.len(),
            });
        }
        for (x, &v) in m.export_shares.iter().enumerate() {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(CoreError::InvalidValue {
                    what: "member share",
                    value: v,
                    location: format!("member {}, importer #{}, sector #{}", m.code, x % n, x / n),
                    expected: "a share in [0, 1]",
                });
            }
            sums[m.region.index() * n * n_sectors + x] += v;
        }
    }
    if let Some((x, &v)) = sums
        .iter()
        .enumerate()
        .find(|(_, v)| **v > 1.0 + SHARE_SUM_TOLERANCE)
    {
        let per = n * n_sectors;
        let (region, rest) = (x / per, x % per);
        return Err(CoreError::InvalidValue {
            what: "sum of member shares",
            value: v,
            location: format!(
                "aggregate {}, importer {}, sector #{}",
                region_codes[region],
                region_codes[rest % n],
                rest / n
            ),
            expected: "at most 1 (the members of an aggregate cannot export more than it)",
        });
    }
    Ok(())
}
