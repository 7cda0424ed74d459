//! `tariffsim-data`: baselines for tariffsim — the embedded `world2024` table, loaders for users'
//! own data, the HS-chapter concordance, synthetic baselines and the default elasticity priors,
//! each with provenance.
//!
//! Principal items:
//! - [`builtin`] / [`BUILTIN`]: baselines compiled into the binary (`world2024`: 19 regions,
//!   22 goods sectors of `concordance::FINE_SECTORS`, 2024 USD; built by `make world2024`, method and sources in
//!   `crates/tariffsim-data/data/world2024/METHOD.md`).
//! - [`load`]: a builtin name, or a path to a long CSV file or a directory with `flows.csv`
//!   (+ optional `regions.csv`, `sectors.csv`, `provenance.csv`); format in [`csvio`].
//! - [`baci`]: CEPII BACI files aggregated to the user's regions and tariffsim's sectors.
//! - [`synth::synthetic`]: a seeded gravity-shaped baseline for tests and benchmarks.
//! - [`priors`]: default elasticity priors as plain data, with their sources.
//! - [`DataError`]: the one error type; file errors name the file, line and column.
//!
//! Data flow: text (embedded or on disk) → [`csvio::parse`] (validates, names file:line) →
//! [`tariffsim_core::Baseline`] (validated again by core). [`csvio::write_dir`] writes the same
//! format back with shortest round-trip floats, so export → load is bit-identical.
//!
//! ```
//! let world = tariffsim_data::builtin("world2024")?;
//! let chn = world.regions().require("CHN")?;
//! assert!(world.exports(chn) > 3.0e12);
//! assert_eq!(world.provenance().year, 2024);
//! let err = tariffsim_data::load("world2042").unwrap_err().to_string();
//! assert!(err.contains("did you mean `world2024`"), "{err}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(clippy::float_cmp)]

pub mod baci;
pub mod concordance;
pub mod csvio;
pub mod error;
pub mod priors;
pub mod synth;

pub use error::{DataError, Result};

use std::path::Path;
use tariffsim_core::Baseline;

/// Names of the baselines compiled into the binary.
pub const BUILTIN: &[&str] = &["world2024"];

mod world2024 {
    pub const FLOWS: &str = include_str!("../data/world2024/flows.csv");
    pub const REGIONS: &str = include_str!("../data/world2024/regions.csv");
    pub const SECTORS: &str = include_str!("../data/world2024/sectors.csv");
    pub const PROVENANCE: &str = include_str!("../data/world2024/provenance.csv");
    pub const MEMBERS: &str = include_str!("../data/world2024/members.csv");
}

/// A builtin baseline by name. An unknown name is an error listing the builtins, with a
/// did-you-mean hint. Each builtin is parsed once per process; later calls return a copy of it
/// (with the same [`Baseline::uid`], so caches keyed on it are shared): a run loads the
/// baseline for the scenario and again for the charts' display names.
pub fn builtin(name: &str) -> Result<Baseline> {
    static WORLD2024: std::sync::OnceLock<Baseline> = std::sync::OnceLock::new();
    match name {
        "world2024" => {
            if let Some(b) = WORLD2024.get() {
                return Ok(b.clone());
            }
            let parsed = parse_world2024()?;
            Ok(WORLD2024.get_or_init(|| parsed).clone())
        }
        _ => Err(unknown(name)),
    }
}

/// Parses the embedded `world2024` tables.
fn parse_world2024() -> Result<Baseline> {
    csvio::parse(
        csvio::Texts {
            flows: csvio::Text {
                file: "world2024/flows.csv",
                text: world2024::FLOWS,
            },
            regions: Some(csvio::Text {
                file: "world2024/regions.csv",
                text: world2024::REGIONS,
            }),
            sectors: Some(csvio::Text {
                file: "world2024/sectors.csv",
                text: world2024::SECTORS,
            }),
            provenance: Some(csvio::Text {
                file: "world2024/provenance.csv",
                text: world2024::PROVENANCE,
            }),
            members: Some(csvio::Text {
                file: "world2024/members.csv",
                text: world2024::MEMBERS,
            }),
        },
        "world2024",
    )
}

fn unknown(name: &str) -> DataError {
    DataError::UnknownBaseline {
        name: name.to_string(),
        suggestion: error::suggest(name, BUILTIN.iter().copied()),
        builtins: BUILTIN.iter().map(|s| (*s).to_string()).collect(),
    }
}

/// A builtin name, or a path to a long CSV file or to a directory holding `flows.csv`.
pub fn load(name_or_path: &str) -> Result<Baseline> {
    if BUILTIN.contains(&name_or_path) {
        return builtin(name_or_path);
    }
    let path = Path::new(name_or_path);
    if path.is_file() {
        let text = csvio::read_text(path)?;
        if baci::looks_like_baci(text.lines().next().unwrap_or("")) {
            return Err(DataError::File {
                file: name_or_path.to_string(),
                message:
                    "a CEPII BACI file (header t,i,j,k,v,q) needs a country -> region mapping: \
                          use `baci::read` (CLI: `--countries MAP.csv`)"
                        .into(),
            });
        }
    }
    if path.exists() {
        return csvio::read_path(path);
    }
    Err(unknown(name_or_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A builtin is parsed once: later loads are copies with the same uid and the content of
    /// a fresh parse.
    #[test]
    fn builtins_are_parsed_once() {
        let (a, b) = (builtin("world2024").unwrap(), load("world2024").unwrap());
        assert_eq!(a.uid(), b.uid());
        let fresh = parse_world2024().unwrap();
        assert!(fresh == a && fresh.uid() != a.uid());
    }

    #[test]
    fn builtin_names_and_errors() {
        for name in BUILTIN {
            assert!(builtin(name).is_ok(), "{name}");
        }
        let msg = builtin("World2024x").unwrap_err().to_string();
        assert!(msg.contains("world2024"), "{msg}");
        let msg = load("no/such/place").unwrap_err().to_string();
        assert!(msg.contains("no such file or directory"), "{msg}");
        assert!(msg.contains("builtin baselines: world2024"), "{msg}");
    }
}
