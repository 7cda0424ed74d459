//! The validated scenario: what `tariffsim-runner` and the CLI consume.

use crate::date::Date;
use crate::diag::Loc;
use crate::priors::{MonteCarlo, Priors};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tariffsim_core::{
    Baseline, CoreError, Elasticities, Focus, Horizon, Model, RegionId, SectorId, SupplyScope,
    Tariffs,
};

/// How a layer combines with the others on a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Stacking {
    /// The layer's rate adds to the baseline rate and the other `add` layers (the default:
    /// duties stack on the customs value).
    #[default]
    Add,
    /// The additional duty is the larger of this rate and the sum of the `add` layers.
    Max,
    /// The rate in force is exactly this layer's rate: the baseline rate and every other layer
    /// on the cell are ignored. Two `replace` layers may not overlap.
    Replace,
    /// An all-in floor: the rate in force (baseline rate included) is at least this layer's
    /// rate — the EU's and Japan's 15% of 2025 ("15% including MFN"): `t0 + max(add, r - t0)`.
    Floor,
}

impl Stacking {
    /// Names as written in scenario files.
    pub const NAMES: &'static [&'static str] = &["add", "max", "replace", "floor"];

    /// The name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Stacking::Add => "add",
            Stacking::Max => "max",
            Stacking::Replace => "replace",
            Stacking::Floor => "floor",
        }
    }
}

/// Where a layer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerOrigin {
    /// A `[[layer]]`.
    Layer,
    /// A conditional `[[rule]]` (its exporters are the countries the rule hits).
    Rule,
    /// A `[[retaliation]]`.
    Retaliation,
}

/// From `from` on, the layer's rate is `rate` (a fraction).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// First day of this rate.
    pub from: Date,
    /// Additional ad valorem rate (fraction, >= 0).
    pub rate: f64,
}

/// How a layer's rate is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum LayerRate {
    /// A schedule: the first step starts on `effective`, each later step on its own date.
    Schedule {
        /// The steps, strictly increasing dates.
        steps: Vec<Step>,
    },
    /// Mirror retaliation: on each cell, the additional duty the imposer (the layer's exporter)
    /// levies on the retaliating country (the layer's importer) in the same sector, at most `cap`.
    Mirror {
        /// Largest rate, if capped.
        cap: Option<f64>,
    },
}

/// From `from` on, the layer applies to `shares[s]` of each selected cell's trade in sector `s`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageStep {
    /// First day of these shares.
    pub from: Date,
    /// Share of the cell's trade covered, per sector, in [0, 1].
    pub shares: Vec<f64>,
}

/// An exporter a layer selects in part: through countries inside an aggregate region (`THA`
/// inside `ASEAN_OTH`), or an aggregate minus such countries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialExporter {
    /// The aggregate region.
    pub exporter: RegionId,
    /// The member codes named, as written (`except` ones prefixed by `-`).
    pub members: Vec<String>,
    /// Share of the aggregate's exports the layer selects, at `sector * N + importer` (positions).
    pub shares: Vec<f64>,
}

/// Whether a coverage weight is exactly 1 (full coverage): such cells take the formulas without
/// weights, so files without partial coverage give bit-identical rates.
#[must_use]
pub(crate) fn is_full(w: f64) -> bool {
    w.to_bits() == 1.0_f64.to_bits()
}

/// One tariff layer in force between `effective` and `expires` on a set of cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    /// Unique name.
    pub name: String,
    /// Legal authority (free text).
    pub authority: Option<String>,
    /// Where it comes from.
    pub origin: LayerOrigin,
    /// Importers (ascending).
    pub importers: Vec<RegionId>,
    /// Exporters (ascending).
    pub exporters: Vec<RegionId>,
    /// Sectors (ascending).
    pub sectors: Vec<SectorId>,
    /// How it stacks.
    pub stacking: Stacking,
    /// Names of layers this one displaces where both apply.
    pub exclusive_with: Vec<String>,
    /// First day in force.
    pub effective: Date,
    /// First day no longer in force (`None`: in force to the end of the period).
    pub expires: Option<Date>,
    /// The rate.
    pub rate: LayerRate,
    /// Also taxes the diagonal cell of an importer among its exporters: trade inside an
    /// aggregate region (an internal tariff).
    #[serde(default)]
    pub internal: bool,
    /// Partial coverage by date (empty: the layer covers all of each selected cell's trade).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<CoverageStep>,
    /// Exporters selected in part, through member countries (also listed in `exporters`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partial_exporters: Vec<PartialExporter>,
    #[serde(skip)]
    pub(crate) stacking_loc: Loc,
    #[serde(skip)]
    pub(crate) exclusive_idx: Vec<usize>,
}

impl Layer {
    /// Whether the layer is in force on `date`.
    #[must_use]
    pub fn in_force(&self, date: Date) -> bool {
        date >= self.effective && self.expires.is_none_or(|e| date < e)
    }

    /// The scheduled rate on `date` (`None` when not in force or for a mirror layer).
    #[must_use]
    pub fn scheduled_rate(&self, date: Date) -> Option<f64> {
        if !self.in_force(date) {
            return None;
        }
        match &self.rate {
            LayerRate::Schedule { steps } => steps
                .iter()
                .take_while(|s| s.from <= date)
                .last()
                .map(|s| s.rate),
            LayerRate::Mirror { .. } => None,
        }
    }

    /// The share of the cell (`exporter`, `importer`, `sector`) the layer covers on `date`
    /// (`n` regions): the coverage in force times the share of the exporter it selects.
    #[must_use]
    pub fn weight(
        &self,
        date: Date,
        n: usize,
        exporter: RegionId,
        importer: RegionId,
        sector: SectorId,
    ) -> f64 {
        let s = sector.index();
        let coverage = self
            .coverage
            .iter()
            .take_while(|c| c.from <= date)
            .last()
            .map_or(1.0, |c| c.shares[s]);
        let selected = self
            .partial_exporters
            .iter()
            .find(|p| p.exporter == exporter)
            .map_or(1.0, |p| p.shares[s * n + importer.index()]);
        if is_full(selected) {
            coverage
        } else {
            coverage * selected
        }
    }

    /// Every date on which the layer's rate may change.
    pub(crate) fn change_dates(&self) -> impl Iterator<Item = Date> + '_ {
        let steps: &[Step] = match &self.rate {
            LayerRate::Schedule { steps } => steps,
            LayerRate::Mirror { .. } => &[],
        };
        std::iter::once(self.effective)
            .chain(self.expires)
            .chain(steps.iter().map(|s| s.from))
            .chain(self.coverage.iter().map(|c| c.from))
    }
}

/// One country a rule hits, with the baseline trade that triggered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleHit {
    /// The region (for a member country: its aggregate).
    pub region: RegionId,
    /// Region code.
    pub code: String,
    /// Baseline trade with the rule's partner counted by the rule, USD.
    pub value_usd: f64,
    /// That trade as a share of the region's total (of the same direction).
    pub share: f64,
    /// True when listed in `include` rather than found by the thresholds.
    pub forced: bool,
}

/// A conditional rule and the countries it hits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleHits {
    /// Rule name (also the name of the layer it generates).
    pub name: String,
    /// The partner whose trade triggers the rule (IRN).
    pub partner: String,
    /// Which trade is counted: `imports` (from the partner), `exports` or `trade`.
    pub flow: String,
    /// Share threshold, if any.
    pub min_share: Option<f64>,
    /// Value threshold in USD, if any.
    pub min_value_usd: Option<f64>,
    /// Countries hit, by descending value (with a `countries` table: member countries hit carry
    /// their own code and their aggregate's `region`).
    pub hits: Vec<RuleHit>,
    /// Countries of a `countries` table that exceed the thresholds but are neither a region nor
    /// a listed member of the baseline (so no duty can be placed on them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries_outside: Vec<String>,
}

/// One cell a layer touches in a phase, and which layers set its rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellLayers {
    /// Exporter.
    pub exporter: RegionId,
    /// Importer.
    pub importer: RegionId,
    /// Sector.
    pub sector: SectorId,
    /// Baseline rate.
    pub baseline_rate: f64,
    /// Rate in force.
    pub rate: f64,
    /// Indices into [`Scenario::layers`] of the layers that apply (after exclusions).
    pub layers: Vec<usize>,
    /// The share of the cell's trade each of `layers` applies to (1: all of it), after partial
    /// coverage, member countries and displacement by `exclusive_with` layers; empty when every
    /// layer applies to all of it.
    #[serde(default)]
    pub weights: Vec<f64>,
}

impl CellLayers {
    /// Additional duty over the baseline rate.
    #[must_use]
    pub fn additional(&self) -> f64 {
        self.rate - self.baseline_rate
    }
}

/// A stretch of days with the same rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    /// First day.
    pub start: Date,
    /// Last day (inclusive).
    pub end: Date,
    /// Number of days, `end - start + 1`.
    pub days: u32,
    /// Every rate in force.
    pub tariffs: Tariffs,
    /// Cells some layer applies to, ordered by (sector, exporter, importer).
    pub cells: Vec<CellLayers>,
}

/// `[rerouting]`: the block and, per phase, the expected penalty on rerouted goods (rate in
/// force at the phase's start × enforcement share).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReroutingSpec {
    /// The block (origin, destination, conduits, rho).
    pub block: tariffsim_core::rerouting::Rerouting,
    /// Expected penalty (fraction) in each phase, in phase order.
    pub penalty_by_phase: Vec<f64>,
    /// Log-sd of a lognormal prior on `rho` around `block.rho` (its median); 0: `rho` fixed.
    pub rho_log_sd: f64,
    /// Log-sd of one lognormal factor (median 1) on every conduit's `kappa`; 0: fixed.
    #[serde(default)]
    pub kappa_log_sd: f64,
    /// Log-sd of one lognormal factor (median 1) on every conduit's `capacity`; 0: fixed.
    #[serde(default)]
    pub capacity_log_sd: f64,
    /// Where the settings come from (free text).
    pub source: Option<String>,
}

/// Point (central) elasticity settings from `[elasticities]`, applied on top of the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ElasticitySpec {
    /// Every sigma, if set.
    pub sigma: Option<f64>,
    /// Every sigma_d, if set.
    pub sigma_d: Option<f64>,
    /// Every eta, if set.
    pub eta: Option<f64>,
    /// Every eps, if set (`inf` allowed).
    pub eps: Option<f64>,
    /// `supply`: which sales the supply curves cover, if set (else the runner's default,
    /// `tariffsim_data::priors::default_supply`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supply: Option<SupplyScope>,
    /// Overrides, in file order (a later one wins).
    pub overrides: Vec<ElasticityOverride>,
}

/// `[[elasticities.override]]`: values for some sectors and regions (empty selector: all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElasticityOverride {
    /// Sectors.
    pub sectors: Vec<SectorId>,
    /// Importers (sigma, eta).
    pub importers: Vec<RegionId>,
    /// Exporters (eps).
    pub exporters: Vec<RegionId>,
    /// Sigma.
    pub sigma: Option<f64>,
    /// Sigma_d.
    pub sigma_d: Option<f64>,
    /// Eta.
    pub eta: Option<f64>,
    /// Eps.
    pub eps: Option<f64>,
}

impl ElasticitySpec {
    /// `defaults` with this spec's values applied (global values first, then overrides; the
    /// supply scope of `defaults` unless `supply` is set).
    pub fn apply(&self, defaults: &Elasticities) -> Result<Elasticities, CoreError> {
        let n = defaults.n_regions();
        let n_sectors = defaults.n_sectors();
        let mut out = defaults
            .clone()
            .with_supply(self.supply.unwrap_or(defaults.supply()));
        // The values are plain numbers here (the parser checked them against the families'
        // rules); `try_update` validates the result and names any bad cell.
        out.try_update(|sigma, sigma_d, eta, eps| {
            for (values, global) in [
                (&mut *sigma, self.sigma),
                (&mut *sigma_d, self.sigma_d),
                (&mut *eta, self.eta),
                (&mut *eps, self.eps),
            ] {
                if let Some(x) = global {
                    values.fill(x);
                }
            }
            let all_sectors =
                |v: &[SectorId], s: usize| v.is_empty() || v.contains(&SectorId::from_index(s));
            let all_regions =
                |v: &[RegionId], r: usize| v.is_empty() || v.contains(&RegionId::from_index(r));
            for o in &self.overrides {
                for s in (0..n_sectors).filter(|&s| all_sectors(&o.sectors, s)) {
                    for r in 0..n {
                        if all_regions(&o.importers, r) {
                            if let Some(x) = o.sigma {
                                sigma[s * n + r] = x;
                            }
                            if let Some(x) = o.sigma_d {
                                sigma_d[s * n + r] = x;
                            }
                            if let Some(x) = o.eta {
                                eta[s * n + r] = x;
                            }
                        }
                        if let Some(x) = o.eps.filter(|_| all_regions(&o.exporters, r)) {
                            eps[s * n + r] = x;
                        }
                    }
                }
            }
        })?;
        Ok(out)
    }
}

/// A validated scenario: baseline reference, model, focus, period, layers, rule hits, the
/// timeline of phases, elasticity settings, Monte Carlo settings and priors, metrics and a
/// content hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// The scenario file.
    #[serde(skip)]
    pub path: PathBuf,
    /// Name (`name` key, else the file stem).
    pub name: String,
    /// Free-text description.
    pub description: Option<String>,
    /// Baseline as passed to the resolver (a built-in name, or a path resolved relative to the
    /// file that names it).
    pub baseline: String,
    /// Baseline provenance name and version (from the resolved baseline), and the sector
    /// grouping it was aggregated by (`world2024 2024.1, sectors coarse13`).
    pub baseline_id: String,
    /// The sector grouping the baseline was aggregated by before resolution (`[baseline]
    /// sectors` or the command line's `--sectors`: `coarse13`, or the codes joined by commas); `None`
    /// when the baseline's own sectors are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sectors: Option<String>,
    /// Model.
    pub model: Model,
    /// Horizon preset (`horizon` key; default `long`): scales every elasticity, in the point
    /// estimate and in every draw.
    pub horizon: Horizon,
    /// `[macro]`: nominal demand growth of each importer by sector (`[s * N + j]`, a fraction)
    /// between the baseline year and the period, applied to the baseline before the tariffs;
    /// `None` without the table.
    pub macro_growth: Option<Vec<f64>>,
    /// `[rerouting]`: an origin's sales to a destination routed through conduits.
    pub rerouting: Option<ReroutingSpec>,
    /// Focus importer and target exporter (indices).
    pub focus: Focus,
    /// Focus codes (importer, target).
    pub focus_codes: (String, String),
    /// First day of the period.
    pub start: Date,
    /// Last day of the period (inclusive).
    pub end: Date,
    /// Every layer: `[[layer]]`s, then one per rule, then one per retaliation.
    pub layers: Vec<Layer>,
    /// Countries each rule hits.
    pub rules: Vec<RuleHits>,
    /// The timeline.
    pub phases: Vec<Phase>,
    /// Point elasticity settings.
    pub elasticities: ElasticitySpec,
    /// Monte Carlo settings (defaults when the section is absent).
    pub monte_carlo: MonteCarlo,
    /// Priors (`None` families: the data crate's defaults).
    pub priors: Priors,
    /// Metrics to report, validated against the baseline's metric catalog.
    pub metrics: Vec<String>,
    /// Content hash of everything above except the path: FNV-1a 64 of the canonical JSON, hex.
    pub hash: String,
}

impl Scenario {
    /// Number of days in the period.
    #[must_use]
    pub fn days(&self) -> u32 {
        self.phases.iter().map(|p| p.days).sum()
    }

    /// The phase containing `date`.
    #[must_use]
    pub fn phase_at(&self, date: Date) -> Option<&Phase> {
        self.phases
            .iter()
            .find(|p| p.start <= date && date <= p.end)
    }

    /// Central elasticities: `defaults` (e.g. `tariffsim_data::priors::central_elasticities`)
    /// with `[elasticities]` applied.
    pub fn central_elasticities(&self, defaults: &Elasticities) -> Result<Elasticities, CoreError> {
        self.elasticities.apply(defaults)
    }

    /// Checks the scenario was resolved against a baseline of this shape.
    pub fn check_fits(&self, baseline: &Baseline) -> Result<(), CoreError> {
        match self.phases.first() {
            Some(p) => p.tariffs.check_fits(baseline),
            None => Ok(()),
        }
    }
}

/// FNV-1a 64-bit, as an `io::Write` sink (to hash serialised content without buffering it).
#[derive(Debug)]
pub(crate) struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::io::Write for Fnv {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for &b in buf {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
