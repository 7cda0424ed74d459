//! Typed indices of regions and sectors.
//!
//! Every public accessor that names a cell takes them in the order of the economics —
//! `flow(exporter, importer, sector)` — so an exporter passed where a sector is expected, or a
//! region index from one set used as a sector, does not compile. Arguments of the same type
//! (exporter and importer are both [`RegionId`]s) are named for what they are; the types guard
//! against mixing regions with sectors, the names against swapping two regions.
//!
//! An id comes from its set — [`crate::RegionSet::require`] / [`crate::RegionSet::index_of`] by
//! code, [`crate::RegionSet::ids`] for all of them (the same on [`crate::SectorSet`]) — or, in
//! loops over a layout that already knows its dimensions, from [`RegionId::from_index`], which is
//! not checked against any set: an index out of range panics at the first access, as a `usize`
//! index did. [`RegionId::index`] gives the position back for flat-array arithmetic.
//!
//! Both serialise as the bare index (`serde(transparent)`) and display as it (`3`), so files and
//! messages written before the ids existed are unchanged.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(usize);

        impl $name {
            #[doc = concat!("The ", $what, " at position `index`, unchecked against a set: for internal")]
            /// and bulk loops over a layout whose dimensions are known (`0..n`). Prefer the set's
            /// `require`, `index_of` or `ids`, which only give ids that exist.
            #[inline]
            #[must_use]
            pub const fn from_index(index: usize) -> Self {
                Self(index)
            }

            #[doc = concat!("The ", $what, "'s position in its set (for flat-array layouts).")]
            #[inline]
            #[must_use]
            pub const fn index(self) -> usize {
                self.0
            }
        }

        /// The index (`3`), as messages printed it before the ids existed.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

id_type!(
    /// A region of a [`crate::RegionSet`] (an exporter or an importer), by position.
    RegionId,
    "region"
);

id_type!(
    /// A sector of a [`crate::SectorSet`], by position.
    SectorId,
    "sector"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_serde_and_order_are_the_index() {
        let r = RegionId::from_index(3);
        assert_eq!(r.index(), 3);
        assert_eq!(r.to_string(), "3");
        assert_eq!(serde_json::to_string(&r).unwrap(), "3");
        assert_eq!(
            serde_json::from_str::<SectorId>("7").unwrap(),
            SectorId::from_index(7)
        );
        assert!(RegionId::from_index(1) < RegionId::from_index(2));
    }
}
