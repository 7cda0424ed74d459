//! Named outcome metrics (DESIGN §4), computed from an [`Equilibrium`](crate::Equilibrium)
//! without allocating.
//!
//! Every metric has a stable dotted name. Values are **changes from the baseline** in **USD
//! billion** at exporter prices unless the name says otherwise (`_pct`: percent change; `_ratio`:
//! a pure number; `_level`: the level after the shock, USD bn). Region codes are the baseline's.
//!
//! | name | meaning |
//! | --- | --- |
//! | `imports.M.C` | direct effect: change in focus importer M's imports from target C |
//! | `imports_pct.M.C` | the same in percent of the baseline flow |
//! | `diversion.M.C.K` | change in M's imports from each third country K (K ≠ M, C) |
//! | `diversion_ratio.M.C` | `sum_K diversion.M.C.K / (−imports.M.C)`: share of the lost direct trade replaced by third countries |
//! | `deflection.M.C.D` | change in C's exports to each other market D (D ≠ M, C) |
//! | `deflection_ratio.M.C` | `sum_D deflection.M.C.D / (−imports.M.C)`: share of C's lost sales to M re-sold elsewhere |
//! | `creation.M` | change in M's total imports (trade creation, negative: destruction) |
//! | `exports.R`, `imports.R` | change in region R's total exports / imports (excluding domestic sales) |
//! | `balance.R` | change in R's trade balance (exports − imports) |
//! | `balance_level.R` | R's trade balance after the shock |
//! | `welfare.R` | net welfare change (PE: PS + CS + revenue; GE: equivalent variation) |
//! | `revenue.R` | change in R's tariff revenue |
//! | `cs.R`, `ps.R` | change in consumer / producer surplus |
//! | `export_price_pct.R` | export-weighted change in R's exporter prices, percent |
//! | `import_price_pct.R` | import-weighted change in R's composite price index (the two-level models: domestic and imported goods; `armington-imports`: imports), percent |
//! | `world_trade`, `world_trade_pct` | change in total international trade |
//!
//! On request ([`MetricCatalog::with_extra`], e.g. for `tariffsim backtest`), trade between any
//! two sets of regions, where `X` and `M` are a region code, a group of the baseline (`ASEAN`,
//! `LATAM`) or `*` (every region); cells inside one region (the diagonal) never count:
//!
//! | name | meaning |
//! | --- | --- |
//! | `trade.X.M` | change in the value of X's sales to M, USD bn |
//! | `imports.M.X`, `exports.X.M` | the same (two names for one flow) |
//! | `imports_pct.M.X`, `exports_pct.X.M` | the same in percent of the baseline flow |
//! | `imports_pct.M`, `exports_pct.X` | M's total imports (from `*`), X's total exports (to `*`), percent change |
//! | `import_share.M.X` | X's share of M's imports after the shock, percent (a level) |
//! | `export_share.X.M` | M's share of X's exports after the shock, percent (a level) |
//!
//! Each of the two-region forms takes a fourth part, a sector code, for one sector:
//! `trade.EU27.USA.IRON_STEEL`, `trade.EU27.USA.METALS_MINERALS` (a sector group: its members
//! summed), `imports_pct.USA.CHN.ELECTRONICS`,
//! `import_share.USA.VNM.ELECTRONICS`.
//!
//! A period's `_pct` is linear in the flows, so the day-weighted average of phases is exact; a
//! period's share is recomputed from the period's flows ([`MetricCatalog::recompute_ratios`]).
//!
//! Ratios whose denominator is exactly zero (no direct change at all) are reported as 0.
//!
//! The code by role: the families, units and glossary in `families`, the catalog of a run's
//! metrics (names, on-request trade pairs, rerouting, period ratios) in `catalog`, the
//! computation from an equilibrium in `fill`.

mod catalog;
mod families;
mod fill;
#[cfg(test)]
mod tests;

pub use families::{FAMILIES, MetricFamily, Unit, family_of, glossary_markdown, unit_of};

use crate::baseline::Baseline;
use crate::error::Result;
use crate::ids::RegionId;

const BN: f64 = 1e-9;

/// The focus pair: an importer and the target exporter whose goods it taxes (USA ← CHN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Focus {
    /// Focus importer (M).
    pub importer: RegionId,
    /// Target exporter (C).
    pub target: RegionId,
}

impl Focus {
    /// Resolves codes against the baseline's regions (they must differ).
    pub fn from_codes(baseline: &Baseline, importer: &str, target: &str) -> Result<Self> {
        let importer = baseline.regions().require(importer)?;
        let target = baseline.regions().require(target)?;
        if importer == target {
            return Err(crate::CoreError::Incompatible(format!(
                "focus importer and target are both `{}`",
                baseline.regions().code(importer)
            )));
        }
        Ok(Self { importer, target })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Direct,
    DirectPct,
    Diversion(usize),
    DiversionRatio,
    Deflection(usize),
    DeflectionRatio,
    Creation,
    /// The direct effect in one sector.
    DirectSector(usize),
    /// Diversion to all third countries in one sector.
    DiversionSector(usize),
    /// Deflection to all other markets in one sector.
    DeflectionSector(usize),
    Exports(usize),
    Imports(usize),
    Balance(usize),
    BalanceLevel(usize),
    Welfare(usize),
    Revenue(usize),
    Cs(usize),
    Ps(usize),
    ExportPrice(usize),
    ImportPrice(usize),
    WorldTrade,
    WorldTradePct,
    /// Change in a trade pair's value, USD bn.
    Trade(usize),
    /// Percent change of a trade pair.
    TradePct(usize),
    /// `100 · new(numerator pair) / new(denominator pair)`: a share after the shock, percent.
    Share(usize, usize),
    /// Value rerouted through conduit `k` of the rerouting block, USD bn.
    Rerouted(usize),
    /// Change in the origin's true-origin sales to the destination (recorded direct sales plus
    /// every rerouted value), USD bn; the pair index of the recorded direct flow.
    TrueOrigin(usize),
}

/// A set of exporters selling to a set of importers (diagonal cells excluded), with its baseline
/// value: the unit of the on-request trade metrics.
#[derive(Debug, Clone, PartialEq)]
struct TradePair {
    exporters: Vec<usize>,
    importers: Vec<usize>,
    /// Sectors counted, ascending (`None`: all): one sector, or the members of a sector group.
    sectors: Option<Vec<usize>>,
    /// Baseline value, USD.
    base: f64,
}

impl TradePair {
    /// Whether the pair counts sector `s`.
    fn covers(&self, s: usize) -> bool {
        self.sectors
            .as_ref()
            .is_none_or(|x| x.binary_search(&s).is_ok())
    }

    /// Sum over the pair's cells (diagonal excluded) of `value(cell)` in one sector block.
    fn sum_block(&self, block: &[f64], n: usize) -> f64 {
        let mut total = 0.0;
        for &i in &self.exporters {
            let row = &block[i * n..(i + 1) * n];
            for &j in &self.importers {
                if i != j {
                    total += row[j];
                }
            }
        }
        total
    }
}

/// The list of metrics for a baseline and focus pair, with their names, in a fixed order.
#[derive(Debug, Clone)]
pub struct MetricCatalog {
    focus: Option<Focus>,
    names: Vec<String>,
    kinds: Vec<Kind>,
    n_regions: usize,
    base_exports: Vec<f64>,
    base_imports: Vec<f64>,
    base_direct: f64,
    base_world: f64,
    /// Baseline exports of each exporter by sector, `[s * N + i]` (weights of the export price).
    sector_exports: Vec<f64>,
    /// Baseline imports of each importer by sector, `[s * N + j]` (weights of the import price).
    sector_imports: Vec<f64>,
    /// Trade pairs of the on-request metrics.
    pairs: Vec<TradePair>,
}

/// Scratch for [`MetricCatalog::fill`], reused across draws.
#[derive(Debug, Clone, Default)]
pub struct MetricWorkspace {
    exports: Vec<f64>,
    imports: Vec<f64>,
    focus_row: Vec<f64>,
    target_row: Vec<f64>,
    /// Per sector: the direct change, the diversion and the deflection (USD).
    sector_direct: Vec<f64>,
    sector_diversion: Vec<f64>,
    sector_deflection: Vec<f64>,
    export_price: Vec<f64>,
    import_price: Vec<f64>,
    /// Changes of the catalog's trade pairs, USD.
    pairs: Vec<f64>,
}

/// `100 · part / whole`, 0 when the whole is not positive.
fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        100.0 * part / whole
    } else {
        0.0
    }
}
