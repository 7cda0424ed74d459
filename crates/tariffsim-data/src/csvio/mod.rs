//! The long CSV format: read (from files or embedded text) and write, round-tripping exactly.
//!
//! A baseline directory holds:
//!
//! | file | columns | required |
//! | --- | --- | --- |
//! | `flows.csv` | `exporter,importer,sector,value_usd[,tariff]` | yes |
//! | `regions.csv` | `code,name[,groups]` (`groups`: `;`-separated group codes) | no |
//! | `sectors.csv` | `code,name[,description][,groups]` | no |
//! | `provenance.csv` | `key,value` with keys `name`, `version`, `year`, `source` (repeatable) | no |
//!
//! Rules: `value_usd` is USD at exporter prices, finite and ≥ 0; `tariff` is an ad valorem
//! fraction (0.25 = 25%) in (−1, 10]; a missing cell is a zero flow with a zero tariff (safe: a
//! zero flow has no weight in any model); a key given twice is an error naming both lines. Rows
//! with `exporter == importer` are domestic sales (for an aggregate region, its sales inside
//! itself): if any is present, every region that exports in a sector must have one in that sector
//! (general-equilibrium models need the full square). Their `tariff` is the internal tariff of an
//! aggregate (trade inside it, as in GSIM's rest-of-world example); the two-level `armington`
//! and `gsim-linear` models read it, the imports-only and general-equilibrium models do not.
//! Without `regions.csv` / `sectors.csv` the codes are taken in order of first appearance; with
//! them, codes not listed are errors with a did-you-mean hint.
//!
//! Floats are written with Rust's shortest round-trip formatting (`{}`), so
//! [`write_dir`] → [`read_path`] gives a bit-identical [`Baseline`](tariffsim_core::Baseline).
//!
//! The code by role: reading a CSV table with located messages (`table`), the declaration files
//! (`declarations`), parsing a baseline from its texts or a path (`read`), the member table
//! (`members`), and writing (`write`).

mod declarations;
mod members;
mod read;
mod table;
#[cfg(test)]
mod tests;
mod write;

pub use members::read_members;
pub(crate) use read::read_text;
pub use read::{parse, read_path};
pub(crate) use table::{Table, check_code, csv_error, field};
pub use write::{to_texts, write_dir};

/// Largest accepted flow in one cell, USD (1e15: forty times world goods trade; far larger values
/// overflow the summaries' sums of squares to infinity).
pub const MAX_FLOW_USD: f64 = 1e15;

/// Largest accepted tariff (1000%): larger values are almost surely percentages typed as fractions.
pub const MAX_TARIFF: f64 = 10.0;

/// One input text with the name used in messages.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    /// File name for messages.
    pub file: &'a str,
    /// Contents.
    pub text: &'a str,
}

/// The texts of a baseline in long form.
#[derive(Debug, Clone, Copy)]
pub struct Texts<'a> {
    /// `flows.csv`.
    pub flows: Text<'a>,
    /// `regions.csv`, if any.
    pub regions: Option<Text<'a>>,
    /// `sectors.csv`, if any.
    pub sectors: Option<Text<'a>>,
    /// `provenance.csv`, if any.
    pub provenance: Option<Text<'a>>,
    /// `members.csv`, if any: countries inside aggregate regions (see [`read_members`]).
    pub members: Option<Text<'a>>,
}
