//! `tariffsim-scenario`: the TOML scenario language, turned into a validated timeline of tariff
//! matrices.
//!
//! A scenario file names a baseline, a model, a focus pair (importer, target exporter), a period,
//! tariff `[[layer]]`s with dates and stacking rules, conditional `[[rule]]`s evaluated on the
//! baseline (e.g. 25% on every country that imports from Iran), `[[retaliation]]`s, point
//! `[elasticities]`, `[monte_carlo]` settings and `[priors]`, and `metrics` to report. The user
//! guide, with every key, is `docs/scenarios.md`.
//!
//! Data flow:
//! 1. [`Document::load`] reads the file and its `extends` parents into one tree where every key
//!    and value keeps its file, line and column (TOML syntax errors are reported here).
//! 2. [`Document::baseline_ref`] says which baseline the file wants; the caller loads it (the
//!    CLI uses `tariffsim_data::load`), so this crate does not depend on where baselines live.
//!    [`Document::prepare_baseline`] aggregates its sectors when `[baseline] sectors` (or
//!    [`LoadOptions::sectors`], the command line's `--sectors`) asks
//!    ([`tariffsim_core::SectorGrouping`]), before anything else is resolved.
//! 3. [`Document::resolve`] checks every key, code, rate and date against that [`Baseline`] and
//!    builds the [`Scenario`]: its [`Layer`]s, the countries each rule hits ([`RuleHits`]), the
//!    timeline of [`Phase`]s (each a full [`tariffsim_core::Tariffs`] matrix plus which layers set
//!    each cell), elasticity settings, [`MonteCarlo`] settings, [`Priors`] and a content hash.
//!
//! [`load`] (and [`load_with`], [`Document::resolve_with`]) does all three with a resolver
//! closure. Every error is a [`ScenarioError`] whose
//! [`Diagnostic`] names the file, line and column, shows the line with a caret, says what was
//! expected and suggests the nearest valid code or key. Nothing here panics on any input (the
//! parser is fuzzed: `make fuzz-smoke`).
//!
//! ```
//! use tariffsim_core::{Baseline, Provenance, RegionSet, SectorSet};
//! use tariffsim_scenario::{Date, Document};
//! use std::path::Path;
//!
//! let regions = RegionSet::from_codes(&["USA", "CHN", "VNM"])?;
//! let sectors = SectorSet::from_codes(&["GOODS"])?;
//! let flows = vec![0.0, 100e9, 20e9, 400e9, 0.0, 150e9, 120e9, 60e9, 0.0];
//! let baseline = Baseline::new(regions, sectors, flows, vec![0.0; 9], false,
//!     Provenance::default())?;
//! let text = r#"
//! baseline = "tiny"
//! focus = { importer = "USA", target = "CHN" }
//! period = { start = 2025-01-01, end = 2025-12-31 }
//! [[layer]]
//! name = "reciprocal"
//! importer = "USA"
//! exporters = ["CHN"]
//! rate = "10%"
//! effective = 2025-04-05
//! [[layer.step]]
//! date = 2025-04-10
//! rate = "125%"
//! "#;
//! let doc = Document::from_text(Path::new("example.toml"), text)?;
//! assert_eq!(doc.baseline_ref()?, "tiny");
//! let scenario = doc.resolve(&baseline)?;
//! assert_eq!(scenario.phases.len(), 3);
//! let peak = scenario.phase_at(Date::parse("2025-05-01").unwrap()).unwrap();
//! let (usa, chn) = (baseline.regions().require("USA")?, baseline.regions().require("CHN")?);
//! let goods = baseline.sectors().require("GOODS")?;
//! assert!((peak.tariffs.rate(chn, usa, goods) - 1.25).abs() < 1e-12);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(clippy::float_cmp)]

mod baseline;
mod context;
mod coverage;
pub mod date;
pub mod diag;
pub mod document;
pub mod error;
pub mod etr;
mod grouping_file;
mod keys;
mod layers;
pub mod priors;
pub mod resolve;
mod rules;
pub mod scenario;
pub mod schema;
mod settings;
mod timeline;

pub use baseline::LoadOptions;
pub use date::Date;
pub use diag::{Diagnostic, SourceFile};
pub use document::Document;
pub use error::{Result, ScenarioError};
pub use priors::{Dist, MonteCarlo, Prior, PriorFamily, PriorOverride, Priors, Sampler};
pub use resolve::{RATE_SANITY_CAP, default_metrics};
pub use scenario::{
    CellLayers, CoverageStep, ElasticityOverride, ElasticitySpec, Layer, LayerOrigin, LayerRate,
    PartialExporter, Phase, ReroutingSpec, RuleHit, RuleHits, Scenario, Stacking, Step,
};

use std::path::Path;
use tariffsim_core::Baseline;

impl Document {
    /// Checks everything against `baseline` as given and builds the [`Scenario`]. The file's
    /// `[baseline] sectors` is not applied here: [`Document::resolve_with`] loads, aggregates
    /// and resolves.
    pub fn resolve(&self, baseline: &Baseline) -> Result<Scenario> {
        let r = self.baseline_ref()?;
        resolve::resolve(self, baseline, &r, None)
    }
}

/// Loads `path`: reads it and its parents, asks `resolver` for the baseline it names (an `Err`
/// message is reported at the baseline's name), aggregates its sectors if `[baseline] sectors`
/// asks, and resolves. Returns the baseline the scenario was resolved against.
pub fn load<E: std::fmt::Display>(
    path: &Path,
    resolver: impl FnOnce(&str) -> std::result::Result<Baseline, E>,
) -> Result<(Scenario, Baseline)> {
    load_with(path, &LoadOptions::default(), resolver)
}

/// [`load`] with options: `options.sectors` overrides the file's `[baseline] sectors`.
pub fn load_with<E: std::fmt::Display>(
    path: &Path,
    options: &LoadOptions,
    resolver: impl FnOnce(&str) -> std::result::Result<Baseline, E>,
) -> Result<(Scenario, Baseline)> {
    Document::load(path)?.resolve_with(options, resolver)
}

#[cfg(test)]
mod tests;
