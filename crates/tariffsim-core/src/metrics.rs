//! Named outcome metrics (DESIGN §4), computed from an [`Equilibrium`] without allocating.
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
//! `trade.EU27.USA.METALS_MINERALS`, `imports_pct.USA.CHN.ELECTRONICS`,
//! `import_share.USA.VNM.ELECTRONICS`.
//!
//! A period's `_pct` is linear in the flows, so the day-weighted average of phases is exact; a
//! period's share is recomputed from the period's flows ([`MetricCatalog::recompute_ratios`]).
//!
//! Ratios whose denominator is exactly zero (no direct change at all) are reported as 0.

use crate::baseline::Baseline;

/// The unit a metric is reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Unit {
    /// A change (or a level, for `_level`) in USD billion at exporter prices.
    UsdBn,
    /// Percent (a percent change, or a share in percent for `_share`).
    Percent,
    /// A pure number (diversion and deflection ratios: 0.25 = a quarter of the lost direct trade).
    Ratio,
}

impl Unit {
    /// As written in output files' `unit` columns: `USD bn`, `%`, `ratio`.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::UsdBn => "USD bn",
            Unit::Percent => "%",
            Unit::Ratio => "ratio",
        }
    }
}

/// One family of metric names: its pattern (`M`, `C`, `K`, `D`, `R`, `X` stand for region codes,
/// `X` and `M` in on-request names also for a group or `*`), unit and meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricFamily {
    /// The name pattern, e.g. `diversion.M.C.K`.
    pub pattern: &'static str,
    /// Unit.
    pub unit: Unit,
    /// What it measures (one sentence).
    pub description: &'static str,
    /// How it comes into a run: `default` (every run), `focus` (runs with a focus pair),
    /// `on request` (named in `metrics` or an observed file), `rerouting` (with `[rerouting]`).
    pub origin: &'static str,
}

/// Every metric family: the one place names, units and descriptions live (the console, the
/// output files, the charts, the report and `docs/metrics.md` read it).
pub const FAMILIES: &[MetricFamily] = &[
    MetricFamily {
        pattern: "imports.M.C",
        unit: Unit::UsdBn,
        origin: "focus",
        description: "Direct effect: change in focus importer M's imports from target C.",
    },
    MetricFamily {
        pattern: "imports_pct.M.C",
        unit: Unit::Percent,
        origin: "focus",
        description: "The direct effect in percent of the baseline flow C -> M.",
    },
    MetricFamily {
        pattern: "diversion.M.C.K",
        unit: Unit::UsdBn,
        origin: "focus",
        description: "Change in M's imports from third country K (K is neither M nor C).",
    },
    MetricFamily {
        pattern: "imports.M.C.S",
        unit: Unit::UsdBn,
        origin: "focus",
        description: "The direct effect in sector S (a sector code of the baseline): change in M's imports from C in S.",
    },
    MetricFamily {
        pattern: "diversion_by_sector.M.C.S",
        unit: Unit::UsdBn,
        origin: "focus",
        description: "Change in M's imports in sector S from every third country together (neither M nor C): who replaces C, sector by sector.",
    },
    MetricFamily {
        pattern: "deflection_by_sector.M.C.S",
        unit: Unit::UsdBn,
        origin: "focus",
        description: "Change in C's exports in sector S to every other market together (neither M nor C): where C's goods go instead, sector by sector.",
    },
    MetricFamily {
        pattern: "diversion_ratio.M.C",
        unit: Unit::Ratio,
        origin: "focus",
        description: "Sum of diversion.M.C.K over K divided by the lost direct trade (-imports.M.C): the share of the lost direct trade replaced by third countries.",
    },
    MetricFamily {
        pattern: "deflection.M.C.D",
        unit: Unit::UsdBn,
        origin: "focus",
        description: "Change in C's exports to another market D (D is neither M nor C).",
    },
    MetricFamily {
        pattern: "deflection_ratio.M.C",
        unit: Unit::Ratio,
        origin: "focus",
        description: "Sum of deflection.M.C.D over D divided by the lost direct trade: the share of C's lost sales to M sold elsewhere.",
    },
    MetricFamily {
        pattern: "creation.M",
        unit: Unit::UsdBn,
        origin: "focus",
        description: "Change in M's total imports (trade creation; negative: destruction).",
    },
    MetricFamily {
        pattern: "exports.R",
        unit: Unit::UsdBn,
        origin: "default",
        description: "Change in region R's total exports (domestic sales excluded).",
    },
    MetricFamily {
        pattern: "imports.R",
        unit: Unit::UsdBn,
        origin: "default",
        description: "Change in region R's total imports (domestic sales excluded).",
    },
    MetricFamily {
        pattern: "balance.R",
        unit: Unit::UsdBn,
        origin: "default",
        description: "Change in R's trade balance (exports - imports).",
    },
    MetricFamily {
        pattern: "balance_level.R",
        unit: Unit::UsdBn,
        origin: "default",
        description: "R's trade balance after the shock (a level, not a change).",
    },
    MetricFamily {
        pattern: "welfare.R",
        unit: Unit::UsdBn,
        origin: "default",
        description: "Net welfare change: producer plus consumer surplus plus tariff revenue (partial-equilibrium models); equivalent variation (general-equilibrium models).",
    },
    MetricFamily {
        pattern: "revenue.R",
        unit: Unit::UsdBn,
        origin: "default",
        description: "Change in R's tariff revenue.",
    },
    MetricFamily {
        pattern: "cs.R",
        unit: Unit::UsdBn,
        origin: "default",
        description: "Change in R's consumer surplus.",
    },
    MetricFamily {
        pattern: "ps.R",
        unit: Unit::UsdBn,
        origin: "default",
        description: "Change in R's producer surplus.",
    },
    MetricFamily {
        pattern: "export_price_pct.R",
        unit: Unit::Percent,
        origin: "default",
        description: "Export-weighted change in R's exporter (producer) prices.",
    },
    MetricFamily {
        pattern: "import_price_pct.R",
        unit: Unit::Percent,
        origin: "default",
        description: "Change in R's composite price index (two-level models: domestic and imported goods; armington-imports: imports), weighted by purchases.",
    },
    MetricFamily {
        pattern: "world_trade",
        unit: Unit::UsdBn,
        origin: "default",
        description: "Change in total international trade.",
    },
    MetricFamily {
        pattern: "world_trade_pct",
        unit: Unit::Percent,
        origin: "default",
        description: "Change in total international trade, percent.",
    },
    MetricFamily {
        pattern: "trade.X.M",
        unit: Unit::UsdBn,
        origin: "on request",
        description: "Change in the value of X's sales to M (X, M: region, group or *; trade inside one region never counts).",
    },
    MetricFamily {
        pattern: "imports.M.X",
        unit: Unit::UsdBn,
        origin: "on request",
        description: "The same flow as trade.X.M, named from the importer's side.",
    },
    MetricFamily {
        pattern: "exports.X.M",
        unit: Unit::UsdBn,
        origin: "on request",
        description: "The same flow as trade.X.M, named from the exporter's side.",
    },
    MetricFamily {
        pattern: "imports_pct.M.X",
        unit: Unit::Percent,
        origin: "on request",
        description: "Change in M's imports from X, percent of the baseline flow.",
    },
    MetricFamily {
        pattern: "exports_pct.X.M",
        unit: Unit::Percent,
        origin: "on request",
        description: "Change in X's exports to M, percent of the baseline flow.",
    },
    MetricFamily {
        pattern: "imports_pct.M",
        unit: Unit::Percent,
        origin: "on request",
        description: "Change in M's total imports, percent.",
    },
    MetricFamily {
        pattern: "exports_pct.X",
        unit: Unit::Percent,
        origin: "on request",
        description: "Change in X's total exports, percent.",
    },
    MetricFamily {
        pattern: "import_share.M.X",
        unit: Unit::Percent,
        origin: "on request",
        description: "X's share of M's imports after the shock (a level, percent).",
    },
    MetricFamily {
        pattern: "export_share.X.M",
        unit: Unit::Percent,
        origin: "on request",
        description: "M's share of X's exports after the shock (a level, percent).",
    },
    MetricFamily {
        pattern: "trade.X.M.S",
        unit: Unit::UsdBn,
        origin: "on request",
        description: "Change in X's sales to M in sector S (a sector code of the baseline), e.g. trade.EU27.USA.METALS_MINERALS.",
    },
    MetricFamily {
        pattern: "imports.M.X.S",
        unit: Unit::UsdBn,
        origin: "on request",
        description: "The same flow as trade.X.M.S, named from the importer's side.",
    },
    MetricFamily {
        pattern: "exports.X.M.S",
        unit: Unit::UsdBn,
        origin: "on request",
        description: "The same flow as trade.X.M.S, named from the exporter's side.",
    },
    MetricFamily {
        pattern: "imports_pct.M.X.S",
        unit: Unit::Percent,
        origin: "on request",
        description: "Change in M's imports from X in sector S, percent of the baseline flow.",
    },
    MetricFamily {
        pattern: "exports_pct.X.M.S",
        unit: Unit::Percent,
        origin: "on request",
        description: "Change in X's exports to M in sector S, percent of the baseline flow.",
    },
    MetricFamily {
        pattern: "import_share.M.X.S",
        unit: Unit::Percent,
        origin: "on request",
        description: "X's share of M's imports in sector S after the shock (a level, percent).",
    },
    MetricFamily {
        pattern: "export_share.X.M.S",
        unit: Unit::Percent,
        origin: "on request",
        description: "M's share of X's exports in sector S after the shock (a level, percent).",
    },
    MetricFamily {
        pattern: "rerouted.C.K.M",
        unit: Unit::UsdBn,
        origin: "rerouting",
        description: "Change in the value of C's goods reaching M through conduit K, recorded as K's exports, from the baseline's (the conduit's baseline_share; 0 without one).",
    },
    MetricFamily {
        pattern: "imports_true_origin.M.C",
        unit: Unit::UsdBn,
        origin: "rerouting",
        description: "Change in C's sales to M counted by origin: recorded direct sales plus the value rerouted through conduits.",
    },
];

/// The family of a metric name (`a:`/`b:`/`diff:` prefixes of compare runs are ignored), by its
/// first segment and its number of segments; `None` for a name that is not a metric.
#[must_use]
pub fn family_of(name: &str) -> Option<&'static MetricFamily> {
    let base = name.split_once(':').map_or(name, |(_, r)| r);
    let parts: Vec<&str> = base.split('.').collect();
    FAMILIES.iter().find(|f| {
        let p: Vec<&str> = f.pattern.split('.').collect();
        p[0] == parts[0] && p.len() == parts.len()
    })
}

/// The unit of a metric name ([`family_of`]); `USD bn` for an unknown name.
#[must_use]
pub fn unit_of(name: &str) -> Unit {
    family_of(name).map_or(Unit::UsdBn, |f| f.unit)
}

/// `docs/metrics.md`: the glossary of every metric family, generated from [`FAMILIES`].
#[must_use]
pub fn glossary_markdown() -> String {
    let mut o = String::from(
        "# Metrics\n\n\
         Generated from `tariffsim_core::metrics::FAMILIES` (a test fails when this file is stale; \
         regenerate with `TARIFFSIM_BLESS=1 cargo test -p tariffsim-core glossary`).\n\n\
         Every metric is a change from the baseline at annual rates, at exporter prices, unless its \
         unit or description says otherwise. Letters in names stand for region codes of the \
         baseline: `M` the focus importer, `C` the target, `K` a third country, `D` another \
         destination, `R` any region; in on-request names `X` and `M` may also be a group of the \
         baseline (`ASEAN`) or `*` (every region). Compare runs prefix names with `a:`, `b:` and \
         `diff:`; a phase's value is reported per phase in `phases.csv`.\n\n\
         | name | unit | in a run | meaning |\n| --- | --- | --- | --- |\n",
    );
    for f in FAMILIES {
        o.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            f.pattern,
            f.unit.symbol(),
            f.origin,
            f.description
        ));
    }
    o
}
use crate::equilibrium::{Equilibrium, TotalsState};
use crate::error::Result;

const BN: f64 = 1e-9;

/// The focus pair: an importer and the target exporter whose goods it taxes (USA ← CHN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Focus {
    /// Focus importer index (M).
    pub importer: usize,
    /// Target exporter index (C).
    pub target: usize,
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
    /// Sectors counted (`None`: all).
    sector: Option<usize>,
    /// Baseline value, USD.
    base: f64,
}

impl TradePair {
    /// Whether the pair counts sector `s`.
    fn covers(&self, s: usize) -> bool {
        self.sector.is_none_or(|x| x == s)
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

impl MetricCatalog {
    /// All metrics for `baseline`; the focus-pair metrics only when `focus` is given.
    #[must_use]
    pub fn new(baseline: &Baseline, focus: Option<Focus>) -> Self {
        Self::build(baseline, focus)
    }

    /// This catalog with the on-request trade metrics of `names` added (see the module docs;
    /// names already in the catalog are kept as they are). An error names the first name that is
    /// not a metric, or a code that is neither a region nor a group of the baseline.
    pub fn with_extra(mut self, baseline: &Baseline, names: &[String]) -> Result<Self> {
        for name in names {
            if self.index_of(name).is_some() {
                continue;
            }
            let kind = self.parse_extra(baseline, name)?;
            self.names.push(name.clone());
            self.kinds.push(kind);
            // A share's period value is recomputed from its two flows: carry them as metrics.
            let parts: Vec<&str> = name.split('.').collect();
            let flows = match (kind, parts.as_slice()) {
                (Kind::Share(..), ["import_share", m, x]) => {
                    [format!("trade.{x}.{m}"), format!("trade.*.{m}")]
                }
                (Kind::Share(..), ["export_share", x, m]) => {
                    [format!("trade.{x}.{m}"), format!("trade.{x}.*")]
                }
                (Kind::Share(..), ["import_share", m, x, s]) => {
                    [format!("trade.{x}.{m}.{s}"), format!("trade.*.{m}.{s}")]
                }
                (Kind::Share(..), ["export_share", x, m, s]) => {
                    [format!("trade.{x}.{m}.{s}"), format!("trade.{x}.*.{s}")]
                }
                _ => continue,
            };
            for f in flows {
                if self.index_of(&f).is_none() {
                    let k = self.parse_extra(baseline, &f)?;
                    self.names.push(f);
                    self.kinds.push(k);
                }
            }
        }
        Ok(self)
    }

    /// This catalog with the metrics of a rerouting block: `rerouted.C.K.M` per conduit (change in
    /// the value rerouted from C through K to M from the baseline's, USD bn) and `imports_true_origin.M.C`
    /// (change in C's sales to M counted by origin: recorded direct sales plus rerouted value).
    pub fn with_rerouting(
        mut self,
        baseline: &Baseline,
        block: &crate::rerouting::Rerouting,
    ) -> Result<Self> {
        let code = |r: usize| baseline.regions().code(r).to_string();
        let (c, m) = (code(block.origin), code(block.destination));
        for (k, d) in block.conduits.iter().enumerate() {
            let name = format!("rerouted.{c}.{}.{m}", code(d.region));
            if self.index_of(&name).is_none() {
                self.names.push(name);
                self.kinds.push(Kind::Rerouted(k));
            }
        }
        let name = format!("imports_true_origin.{m}.{c}");
        if self.index_of(&name).is_none() {
            let Kind::Trade(p) = self.parse_extra(baseline, &format!("trade.{c}.{m}"))? else {
                return Err(crate::CoreError::Incompatible(format!(
                    "`trade.{c}.{m}` is not a trade metric"
                )));
            };
            self.names.push(name);
            self.kinds.push(Kind::TrueOrigin(p));
        }
        Ok(self)
    }

    /// The on-request kind of `name`, adding the trade pairs it needs.
    fn parse_extra(&mut self, baseline: &Baseline, name: &str) -> Result<Kind> {
        let bad = |why: String| crate::CoreError::Incompatible(format!("metric `{name}`: {why}"));
        let parts: Vec<&str> = name.split('.').collect();
        // A fourth part names one sector: `trade.CHN.USA.ELECTRONICS`.
        let (kind, a, b, sector) = match parts.as_slice() {
            [k, a, b, s] => {
                let code = baseline
                    .sectors()
                    .index_of(s)
                    .ok_or_else(|| bad(format!("`{s}` is not a sector of the baseline")))?;
                (*k, *a, Some(*b), Some(code))
            }
            [k, a, b] => (*k, *a, Some(*b), None),
            [k, a] => (*k, *a, None, None),
            _ => return Err(bad("expected `KIND.REGION[.REGION[.SECTOR]]`".into())),
        };
        if sector.is_some()
            && !matches!(
                kind,
                "trade"
                    | "imports"
                    | "exports"
                    | "imports_pct"
                    | "exports_pct"
                    | "import_share"
                    | "export_share"
            )
        {
            return Err(bad(
                "a sector part is for trade, imports, exports, their _pct and the shares".into(),
            ));
        }
        let mut pair = |exporters: &str, importers: &str| -> Result<usize> {
            let x = resolve_set(baseline, exporters).map_err(bad)?;
            let m = resolve_set(baseline, importers).map_err(bad)?;
            if let Some(k) = self
                .pairs
                .iter()
                .position(|p| p.exporters == x && p.importers == m && p.sector == sector)
            {
                return Ok(k);
            }
            let p = TradePair {
                exporters: x,
                importers: m,
                sector,
                base: 0.0,
            };
            let base: f64 = (0..baseline.n_sectors())
                .filter(|&s| p.covers(s))
                .map(|s| p.sum_block(baseline.sector_flows(s), baseline.n_regions()))
                .sum();
            self.pairs.push(TradePair { base, ..p });
            Ok(self.pairs.len() - 1)
        };
        Ok(match (kind, b) {
            ("trade", Some(b)) | ("exports", Some(b)) => Kind::Trade(pair(a, b)?),
            ("imports", Some(b)) => Kind::Trade(pair(b, a)?),
            ("exports_pct", Some(b)) => Kind::TradePct(pair(a, b)?),
            ("imports_pct", Some(b)) => Kind::TradePct(pair(b, a)?),
            ("exports_pct", None) => Kind::TradePct(pair(a, "*")?),
            ("imports_pct", None) => Kind::TradePct(pair("*", a)?),
            ("exports", None) => Kind::Trade(pair(a, "*")?),
            ("imports", None) => Kind::Trade(pair("*", a)?),
            ("import_share", Some(b)) => Kind::Share(pair(b, a)?, pair("*", a)?),
            ("export_share", Some(b)) => Kind::Share(pair(a, b)?, pair(a, "*")?),
            _ => {
                return Err(bad(
                    "not a metric of the catalog nor one of `trade.X.M`, `imports[_pct].M[.X]`, \
                     `exports[_pct].X[.M]`, `import_share.M.X`, `export_share.X.M`"
                        .into(),
                ));
            }
        })
    }

    fn build(baseline: &Baseline, focus: Option<Focus>) -> Self {
        let n = baseline.n_regions();
        let code = |r: usize| baseline.regions().code(r).to_string();
        let mut names = Vec::new();
        let mut kinds = Vec::new();
        let mut push = |name: String, kind: Kind| {
            names.push(name);
            kinds.push(kind);
        };
        let mut base_direct = 0.0;
        if let Some(Focus {
            importer: m,
            target: c,
        }) = focus
        {
            let (mc, cc) = (code(m), code(c));
            base_direct = baseline.bilateral(c, m);
            push(format!("imports.{mc}.{cc}"), Kind::Direct);
            push(format!("imports_pct.{mc}.{cc}"), Kind::DirectPct);
            push(format!("diversion_ratio.{mc}.{cc}"), Kind::DiversionRatio);
            push(format!("deflection_ratio.{mc}.{cc}"), Kind::DeflectionRatio);
            push(format!("creation.{mc}"), Kind::Creation);
            for k in (0..n).filter(|&k| k != m && k != c) {
                push(
                    format!("diversion.{mc}.{cc}.{}", code(k)),
                    Kind::Diversion(k),
                );
            }
            for d in (0..n).filter(|&d| d != m && d != c) {
                push(
                    format!("deflection.{mc}.{cc}.{}", code(d)),
                    Kind::Deflection(d),
                );
            }
            let sector_code = |s: usize| baseline.sectors().code(s).to_string();
            type SectorCtor = fn(usize) -> Kind;
            let by_sector: [(&str, SectorCtor); 3] = [
                ("imports", Kind::DirectSector),
                ("diversion_by_sector", Kind::DiversionSector),
                ("deflection_by_sector", Kind::DeflectionSector),
            ];
            for (prefix, ctor) in by_sector {
                for s in 0..baseline.n_sectors() {
                    push(format!("{prefix}.{mc}.{cc}.{}", sector_code(s)), ctor(s));
                }
            }
        }
        type Ctor = fn(usize) -> Kind;
        let per_region: [(&str, Ctor); 10] = [
            ("exports", Kind::Exports),
            ("imports", Kind::Imports),
            ("balance", Kind::Balance),
            ("balance_level", Kind::BalanceLevel),
            ("welfare", Kind::Welfare),
            ("revenue", Kind::Revenue),
            ("cs", Kind::Cs),
            ("ps", Kind::Ps),
            ("export_price_pct", Kind::ExportPrice),
            ("import_price_pct", Kind::ImportPrice),
        ];
        for (prefix, ctor) in per_region {
            for r in 0..n {
                push(format!("{prefix}.{}", code(r)), ctor(r));
            }
        }
        push("world_trade".into(), Kind::WorldTrade);
        push("world_trade_pct".into(), Kind::WorldTradePct);
        let base_exports: Vec<f64> = (0..n).map(|r| baseline.exports(r)).collect();
        let base_imports: Vec<f64> = (0..n).map(|r| baseline.imports(r)).collect();
        let base_world = base_exports.iter().sum();
        let (sector_exports, sector_imports) = sector_totals(baseline);
        Self {
            sector_exports,
            sector_imports,
            pairs: Vec::new(),
            focus,
            names,
            kinds,
            n_regions: n,
            base_exports,
            base_imports,
            base_direct,
            base_world,
        }
    }

    /// Metric names, in the order [`MetricCatalog::fill`] writes them.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Recomputes the focus ratios of an averaged row (e.g. a period's day-weighted average of
    /// its phases) from the averaged parts: a diversion ratio of an average is the averaged
    /// diversion over the averaged fall in direct imports, not the average of the phases'
    /// ratios. The same convention as [`Self::fill`]: no direct change at all gives ratio 0.
    /// Without a focus pair there is nothing to recompute.
    pub fn recompute_ratios(&self, row: &mut [f64]) {
        self.recompute_shares(row);
        let (mut direct, mut diversion_ratio, mut deflection_ratio) = (None, None, None);
        let (mut diversion, mut deflection) = (0.0, 0.0);
        for (k, kind) in self.kinds.iter().enumerate() {
            match kind {
                Kind::Direct => direct = Some(k),
                Kind::DiversionRatio => diversion_ratio = Some(k),
                Kind::DeflectionRatio => deflection_ratio = Some(k),
                Kind::Diversion(_) => diversion += row[k],
                Kind::Deflection(_) => deflection += row[k],
                _ => {}
            }
        }
        let Some(d) = direct else {
            return;
        };
        let loss = -row[d];
        let ratio = |x: f64| if loss == 0.0 { 0.0 } else { x / loss };
        if let Some(k) = diversion_ratio {
            row[k] = ratio(diversion);
        }
        if let Some(k) = deflection_ratio {
            row[k] = ratio(deflection);
        }
    }

    /// Recomputes the shares of an averaged row from its averaged trade changes: a period's share
    /// is the share of the period's flows. A share needs the changes of both its pairs in the
    /// row; [`Self::with_extra`] does not add them, so here they are recomputed from the row's
    /// `Trade`/`TradePct` entries where present and otherwise left as averaged.
    fn recompute_shares(&self, row: &mut [f64]) {
        let change_of = |p: usize| -> Option<f64> {
            self.kinds
                .iter()
                .enumerate()
                .find_map(|(k, kind)| match *kind {
                    Kind::Trade(q) if q == p => Some(row[k] / BN),
                    Kind::TradePct(q) if q == p => Some(row[k] / 100.0 * self.pairs[p].base),
                    _ => None,
                })
        };
        let mut updates = Vec::new();
        for (k, kind) in self.kinds.iter().enumerate() {
            if let Kind::Share(num, den) = *kind
                && let (Some(a), Some(b)) = (change_of(num), change_of(den))
            {
                updates.push((k, share(self.pairs[num].base + a, self.pairs[den].base + b)));
            }
        }
        for (k, v) in updates {
            row[k] = v;
        }
    }

    /// Number of metrics.
    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no metrics (never, for a valid baseline).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Position of a metric by name.
    #[must_use]
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The focus pair, if any.
    #[must_use]
    pub fn focus(&self) -> Option<Focus> {
        self.focus
    }

    /// Computes every metric of `eq` (solved on `baseline`) into `out` (length [`Self::len`]).
    pub fn fill(
        &self,
        baseline: &Baseline,
        eq: &Equilibrium,
        ws: &mut MetricWorkspace,
        out: &mut [f64],
    ) {
        let n = self.n_regions;
        let n_sectors = baseline.n_sectors();
        for v in [
            &mut ws.exports,
            &mut ws.imports,
            &mut ws.focus_row,
            &mut ws.target_row,
            &mut ws.export_price,
            &mut ws.import_price,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
        for v in [
            &mut ws.sector_direct,
            &mut ws.sector_diversion,
            &mut ws.sector_deflection,
        ] {
            v.clear();
            v.resize(n_sectors, 0.0);
        }
        // The price changes weight each sector's price by its baseline totals (O(N S)); then one
        // pass over the cells of the sectors the solve changed: the flow changes by exporter and
        // importer, the focus importer's column and the target's row.
        let (m, c) = self
            .focus
            .map_or((usize::MAX, usize::MAX), |f| (f.importer, f.target));
        for s in 0..n_sectors {
            let known = eq.totals.of(s);
            if known == TotalsState::Unchanged {
                // The solver left the sector exactly at the baseline: every change is 0.
                continue;
            }
            let at = s * n..(s + 1) * n;
            let (phat, index) = (&eq.phat[at.clone()], &eq.price_index[at.clone()]);
            let (weights_x, weights_m) = (
                &self.sector_exports[at.clone()],
                &self.sector_imports[at.clone()],
            );
            for i in 0..n {
                ws.export_price[i] += weights_x[i] * (phat[i] - 1.0);
                ws.import_price[i] += weights_m[i] * (index[i] - 1.0);
            }
            let base_block = &baseline.sector_flows(s)[..n * n];
            let new_block = &eq.flows[s * n * n..(s + 1) * n * n];
            if known == TotalsState::Computed {
                // The solver summed the new flows by exporter and importer while writing them.
                let (exports, imports) = (&eq.totals.exports[at.clone()], &eq.totals.imports[at]);
                for r in 0..n {
                    ws.exports[r] += exports[r] - weights_x[r];
                    ws.imports[r] += imports[r] - weights_m[r];
                }
            } else {
                sweep_flow_changes(ws, base_block, new_block, n);
            }
            // The focus importer's column and the target's row.
            if m < n {
                for i in (0..n).filter(|&i| i != m) {
                    let change = new_block[i * n + m] - base_block[i * n + m];
                    ws.focus_row[i] += change;
                    if i == c {
                        ws.sector_direct[s] = change;
                    } else {
                        ws.sector_diversion[s] += change;
                    }
                }
            }
            if c < n {
                for j in (0..n).filter(|&j| j != c) {
                    let change = new_block[c * n + j] - base_block[c * n + j];
                    ws.target_row[j] += change;
                    if j != m {
                        ws.sector_deflection[s] += change;
                    }
                }
            }
        }
        ws.pairs.clear();
        ws.pairs.resize(self.pairs.len(), 0.0);
        if !self.pairs.is_empty() {
            for s in (0..n_sectors).filter(|&s| eq.totals.of(s) != TotalsState::Unchanged) {
                let base_block = &baseline.sector_flows(s)[..n * n];
                let new_block = &eq.flows[s * n * n..(s + 1) * n * n];
                for (p, change) in self.pairs.iter().zip(ws.pairs.iter_mut()) {
                    if p.covers(s) {
                        *change += p.sum_block(new_block, n) - p.sum_block(base_block, n);
                    }
                }
            }
        }
        let direct = if c < n { ws.focus_row[c] } else { 0.0 };
        let ratio = |num: f64| if direct == 0.0 { 0.0 } else { num / -direct };
        let region_sum = |v: &[f64]| -> f64 { v.iter().sum() };
        let diversion_total = if m < n {
            (0..n)
                .filter(|&k| k != m && k != c)
                .map(|k| ws.focus_row[k])
                .sum()
        } else {
            0.0
        };
        let deflection_total = if c < n {
            (0..n)
                .filter(|&d| d != m && d != c)
                .map(|d| ws.target_row[d])
                .sum()
        } else {
            0.0
        };
        let sector_sum =
            |v: &[f64], r: usize| -> f64 { (0..n_sectors).map(|s| v[s * n + r]).sum() };
        let pct = |change: f64, base: f64| {
            if base > 0.0 {
                100.0 * change / base
            } else {
                0.0
            }
        };
        for (slot, kind) in out.iter_mut().zip(&self.kinds) {
            *slot = match *kind {
                Kind::Direct => direct * BN,
                Kind::DirectPct => pct(direct, self.base_direct),
                Kind::Diversion(k) => ws.focus_row[k] * BN,
                Kind::DiversionRatio => ratio(diversion_total),
                Kind::Deflection(d) => ws.target_row[d] * BN,
                Kind::DeflectionRatio => ratio(deflection_total),
                Kind::Creation => ws.imports[m] * BN,
                Kind::DirectSector(s) => ws.sector_direct[s] * BN,
                Kind::DiversionSector(s) => ws.sector_diversion[s] * BN,
                Kind::DeflectionSector(s) => ws.sector_deflection[s] * BN,
                Kind::Exports(r) => ws.exports[r] * BN,
                Kind::Imports(r) => ws.imports[r] * BN,
                Kind::Balance(r) => (ws.exports[r] - ws.imports[r]) * BN,
                Kind::BalanceLevel(r) => {
                    (self.base_exports[r] + ws.exports[r] - self.base_imports[r] - ws.imports[r])
                        * BN
                }
                Kind::Welfare(r) => eq.welfare[r] * BN,
                Kind::Revenue(r) => sector_sum(&eq.tariff_revenue, r) * BN,
                Kind::Cs(r) => sector_sum(&eq.consumer_surplus, r) * BN,
                Kind::Ps(r) => sector_sum(&eq.producer_surplus, r) * BN,
                Kind::ExportPrice(r) => pct(ws.export_price[r], self.base_exports[r]),
                Kind::ImportPrice(r) => pct(ws.import_price[r], self.base_imports[r]),
                Kind::WorldTrade => region_sum(&ws.exports) * BN,
                Kind::WorldTradePct => pct(region_sum(&ws.exports), self.base_world),
                Kind::Trade(p) => ws.pairs[p] * BN,
                Kind::TradePct(p) => pct(ws.pairs[p], self.pairs[p].base),
                Kind::Share(num, den) => share(
                    self.pairs[num].base + ws.pairs[num],
                    self.pairs[den].base + ws.pairs[den],
                ),
                Kind::Rerouted(k) => eq.rerouted.get(k).copied().unwrap_or(0.0) * BN,
                Kind::TrueOrigin(p) => (ws.pairs[p] + eq.rerouted.iter().sum::<f64>()) * BN,
            };
        }
    }

    /// Convenience: computes the metrics into a new vector of `(name, value)` pairs.
    #[must_use]
    pub fn evaluate(&self, baseline: &Baseline, eq: &Equilibrium) -> Vec<(String, f64)> {
        let mut ws = MetricWorkspace::default();
        let mut out = vec![0.0; self.len()];
        self.fill(baseline, eq, &mut ws, &mut out);
        self.names.iter().cloned().zip(out).collect()
    }
}

/// Adds one sector's flow changes, off the diagonal, to the exporters' and importers' totals.
/// Where the domestic sales did not change (partial equilibrium models) the diagonal adds exactly
/// 0 and whole rows are swept; otherwise each row is split around the diagonal.
fn sweep_flow_changes(ws: &mut MetricWorkspace, base_block: &[f64], new_block: &[f64], n: usize) {
    let diagonal_unchanged =
        (0..n).all(|i| new_block[i * n + i].to_bits() == base_block[i * n + i].to_bits());
    for i in 0..n {
        let base_row = &base_block[i * n..(i + 1) * n];
        let new_row = &new_block[i * n..(i + 1) * n];
        let row_change = if diagonal_unchanged {
            accumulate_changes(&mut ws.imports, new_row, base_row)
        } else {
            let mut row_change = 0.0;
            for range in [0..i, i + 1..n] {
                row_change += accumulate_changes(
                    &mut ws.imports[range.clone()],
                    &new_row[range.clone()],
                    &base_row[range],
                );
            }
            row_change
        };
        ws.exports[i] += row_change;
    }
}

/// `100 · part / whole`, 0 when the whole is not positive.
fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        100.0 * part / whole
    } else {
        0.0
    }
}

/// The regions a code stands for: a region, a group of the baseline, or `*` (every region).
fn resolve_set(baseline: &Baseline, code: &str) -> std::result::Result<Vec<usize>, String> {
    let regions = baseline.regions();
    if code == "*" {
        return Ok((0..regions.len()).collect());
    }
    if let Some(i) = regions.index_of(code) {
        return Ok(vec![i]);
    }
    if let Some(g) = regions.group(code) {
        return Ok(g.members.clone());
    }
    Err(format!(
        "`{code}` is neither a region nor a group of the baseline (regions: {})",
        regions
            .regions()
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Baseline exports by exporter and imports by importer of every sector, off the diagonal,
/// `[s * N + r]`.
fn sector_totals(baseline: &Baseline) -> (Vec<f64>, Vec<f64>) {
    let n = baseline.n_regions();
    let n_sectors = baseline.n_sectors();
    let mut exports = vec![0.0; n * n_sectors];
    let mut imports = vec![0.0; n * n_sectors];
    for s in 0..n_sectors {
        let block = baseline.sector_flows(s);
        for i in 0..n {
            for j in (0..n).filter(|&j| j != i) {
                let x = block[i * n + j];
                exports[s * n + i] += x;
                imports[s * n + j] += x;
            }
        }
    }
    (exports, imports)
}

/// One exporter's row: `imports_j += f_j − b_j`; returns `sum_j (f_j − b_j)` (four partial sums:
/// vectorises; fixed order, so reproducible — and exactly 0 where `f = b`).
fn accumulate_changes(imports: &mut [f64], f: &[f64], b: &[f64]) -> f64 {
    let n = imports.len();
    let (f, b) = (&f[..n], &b[..n]);
    let mut acc = [0.0_f64; 4];
    let full = n - n % 4;
    // Fixed-size blocks: no per-element bounds checks, so the block vectorises.
    for ((imp, f), b) in imports[..full]
        .chunks_exact_mut(4)
        .zip(f[..full].chunks_exact(4))
        .zip(b[..full].chunks_exact(4))
    {
        for l in 0..4 {
            let d = f[l] - b[l];
            imp[l] += d;
            acc[l] += d;
        }
    }
    for k in full..n {
        let d = f[k] - b[k];
        imports[k] += d;
        acc[0] += d;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Provenance, RegionSet, SectorSet};

    /// Six regions A..F, three sectors X, Y, Z: uneven off-diagonal flows (some zero) and 50 bn of
    /// domestic sales on every diagonal, no tariffs.
    fn six_regions_three_sectors() -> (Baseline, [&'static str; 6]) {
        let codes = ["A", "B", "C", "D", "E", "F"];
        let n = codes.len();
        let value = |i: usize, j: usize, s: usize| ((i * 7 + j * 3 + s * 5) % 11) as f64 * 1e9;
        let mut flows = vec![0.0; n * n * 3];
        for s in 0..3 {
            for i in 0..n {
                for j in 0..n {
                    flows[(s * n + i) * n + j] = value(i, j, s) + if i == j { 50e9 } else { 0.0 };
                }
            }
        }
        let b = Baseline::new(
            RegionSet::from_codes(&codes).unwrap(),
            SectorSet::from_codes(&["X", "Y", "Z"]).unwrap(),
            flows,
            vec![0.0; n * n * 3],
            true,
            Provenance::default(),
        )
        .unwrap();
        (b, codes)
    }

    /// Every metric by name, focus importer region 0 and target region 1.
    fn focus_0_on_1(b: &Baseline, eq: &Equilibrium) -> std::collections::HashMap<String, f64> {
        let focus = Focus {
            importer: 0,
            target: 1,
        };
        MetricCatalog::new(b, Some(focus))
            .evaluate(b, eq)
            .into_iter()
            .collect()
    }

    /// Ratios of an averaged row are ratios of its averaged parts; no direct change gives 0; a
    /// catalog without a focus pair leaves the row alone.
    #[test]
    fn ratios_are_recomputed_from_the_averaged_parts() {
        let (b, _) = six_regions_three_sectors();
        let focus = Focus {
            importer: 0,
            target: 1,
        };
        let catalog = MetricCatalog::new(&b, Some(focus));
        let at = |name: &str| catalog.index_of(name).unwrap();
        let mut row = vec![7.0; catalog.len()];
        row[at("imports.A.B")] = -40.0;
        for (k, code) in ["C", "D", "E", "F"].iter().enumerate() {
            row[at(&format!("diversion.A.B.{code}"))] = k as f64;
            row[at(&format!("deflection.A.B.{code}"))] = 2.0 * k as f64;
        }
        catalog.recompute_ratios(&mut row);
        assert_eq!(
            row[at("diversion_ratio.A.B")].to_bits(),
            f64::to_bits(6.0 / 40.0)
        );
        assert_eq!(
            row[at("deflection_ratio.A.B")].to_bits(),
            f64::to_bits(12.0 / 40.0)
        );
        assert_eq!(row[at("imports_pct.A.B")].to_bits(), f64::to_bits(7.0));
        row[at("imports.A.B")] = 0.0;
        catalog.recompute_ratios(&mut row);
        assert_eq!(row[at("diversion_ratio.A.B")].to_bits(), f64::to_bits(0.0));
        let plain = MetricCatalog::new(&b, None);
        let mut row = vec![7.0; plain.len()];
        plain.recompute_ratios(&mut row);
        assert!(row.iter().all(|v| v.to_bits() == 7f64.to_bits()));
    }

    /// Hand-built equilibrium: M imports 100 from C and 50 from K; C also sells 40 to D.
    /// After: C→M 60 (−40), K→M 80 (+30), C→D 50 (+10). Diversion ratio 30/40, deflection 10/40.
    #[test]
    fn focus_metrics_by_hand() {
        let regions = RegionSet::from_codes(&["M", "C", "K", "D"]).unwrap();
        let n = 4;
        let mut flows = vec![0.0; n * n];
        flows[n] = 100e9; // C -> M
        flows[2 * n] = 50e9; // K -> M
        flows[n + 3] = 40e9; // C -> D
        let b = Baseline::new(
            regions,
            SectorSet::from_codes(&["G"]).unwrap(),
            flows,
            vec![0.0; n * n],
            false,
            Provenance::default(),
        )
        .unwrap();
        let mut eq = Equilibrium::unchanged("test", &b);
        eq.flows[n] = 60e9;
        eq.flows[2 * n] = 80e9;
        eq.flows[n + 3] = 50e9;
        eq.welfare[0] = -2e9;
        let values = focus_0_on_1(&b, &eq);
        let get = |k: &str| values[k];
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(get("imports.M.C"), -40.0));
        assert!(close(get("imports_pct.M.C"), -40.0));
        assert!(close(get("diversion.M.C.K"), 30.0));
        assert!(close(get("diversion.M.C.D"), 0.0));
        assert!(close(get("diversion_ratio.M.C"), 0.75));
        assert!(close(get("deflection.M.C.D"), 10.0));
        assert!(close(get("deflection_ratio.M.C"), 0.25));
        assert!(close(get("creation.M"), -10.0));
        assert!(close(get("balance.C"), -30.0));
        assert!(close(get("balance_level.C"), 110.0));
        assert!(close(get("balance.M"), 10.0));
        assert!(close(get("welfare.M"), -2.0));
        assert!(close(get("world_trade"), 0.0));
        assert!(!values.contains_key("diversion.M.C.C"));
        let m = MetricCatalog::new(
            &b,
            Some(Focus {
                importer: 0,
                target: 1,
            }),
        );
        assert_eq!(m.index_of("imports.M.C"), Some(0));
    }

    /// `armington-imports` records each solved sector's totals while writing its flows and marks the
    /// sectors it left untouched; the metrics from those agree with the metrics from sweeping the
    /// flows (to rounding: the sums run in another order), and a zero shock gives exact zeros.
    #[test]
    fn solver_totals_give_the_metrics_of_the_flows() {
        use crate::equilibrium::TotalsState;
        use crate::{Elasticities, Model};
        let (b, _) = six_regions_three_sectors();
        let n = b.n_regions();
        let e = Elasticities::uniform(n, 3, 4.0, -1.5, 6.0).unwrap();
        let catalog = MetricCatalog::new(
            &b,
            Some(Focus {
                importer: 0,
                target: 1,
            }),
        );
        let metrics = |eq: &Equilibrium| {
            let mut out = vec![0.0; catalog.len()];
            catalog.fill(&b, eq, &mut MetricWorkspace::default(), &mut out);
            out
        };
        let zero = Model::ArmingtonImports
            .solve(&b, &e, &b.baseline_tariffs())
            .unwrap();
        for (name, v) in catalog.names().iter().zip(metrics(&zero)) {
            // Levels (`balance_level`) are the baseline's; every change is exactly 0.
            assert!(name.contains("_level") || v == 0.0, "{name}: {v}");
        }
        let mut t = b.baseline_tariffs();
        for s in 0..2 {
            t.set(1, 0, s, 0.6).unwrap();
            t.set(0, 1, s, 0.3).unwrap();
        }
        let eq = Model::ArmingtonImports.solve(&b, &e, &t).unwrap();
        assert_eq!(eq.totals.of(0), TotalsState::Computed);
        assert_eq!(eq.totals.of(2), TotalsState::Unchanged);
        let mut swept = eq.clone();
        swept.totals.clear();
        assert_eq!(swept.totals.of(0), TotalsState::Unknown);
        // The totals are derived data: they do not enter the equilibrium's equality.
        assert_eq!(swept, eq);
        let (fast, slow) = (metrics(&eq), metrics(&swept));
        assert!(slow.iter().any(|v| v.abs() > 1.0));
        for ((name, a), b) in catalog.names().iter().zip(&fast).zip(&slow) {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                "{name}: {a} vs {b}"
            );
        }
    }

    /// The on-request trade metrics against naive sums: a pair's change and percent, totals with
    /// `*` (the diagonal never counts), a group, a share after the shock and its period value
    /// recomputed from the averaged flows (not the average of the phases' shares).
    #[test]
    fn trade_metrics_on_request() {
        use crate::{Elasticities, Model};
        let (b, codes) = six_regions_three_sectors();
        let n = b.n_regions();
        let names: Vec<String> = [
            "imports_pct.A.B",
            "exports.B.A",
            "imports_pct.A",
            "import_share.A.B",
            "export_share.B.A",
            "trade.*.A",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let catalog = MetricCatalog::new(&b, None).with_extra(&b, &names).unwrap();
        assert!(
            catalog.index_of("trade.B.A").is_some(),
            "a share brings its flows"
        );
        let e = Elasticities::uniform(n, 3, 4.0, -1.5, 6.0).unwrap();
        let mut t = b.baseline_tariffs();
        for s in 0..3 {
            t.set(1, 0, s, 0.5).unwrap();
        }
        let eq = Model::Armington.solve(&b, &e, &t).unwrap();
        let mut out = vec![0.0; catalog.len()];
        catalog.fill(&b, &eq, &mut MetricWorkspace::default(), &mut out);
        let get = |name: &str| out[catalog.index_of(name).unwrap()];
        let flow = |f: &dyn Fn(usize, usize, usize) -> f64, x: &[usize], m: &[usize]| -> f64 {
            let mut total = 0.0;
            for s in 0..3 {
                for &i in x {
                    for &j in m {
                        if i != j {
                            total += f(i, j, s);
                        }
                    }
                }
            }
            total
        };
        let all: Vec<usize> = (0..n).collect();
        let new = |i, j, s| eq.flow(i, j, s);
        let old = |i, j, s| b.flow(i, j, s);
        let (ba_new, ba_old) = (flow(&new, &[1], &[0]), flow(&old, &[1], &[0]));
        let close = |a: f64, c: f64| (a - c).abs() <= 1e-9 * c.abs().max(1.0);
        assert!(close(get("exports.B.A"), (ba_new - ba_old) * 1e-9));
        assert!(close(
            get("imports_pct.A.B"),
            100.0 * (ba_new / ba_old - 1.0)
        ));
        let (a_new, a_old) = (flow(&new, &all, &[0]), flow(&old, &all, &[0]));
        assert!(close(get("imports_pct.A"), 100.0 * (a_new / a_old - 1.0)));
        assert!(close(get("trade.*.A"), (a_new - a_old) * 1e-9));
        assert!(close(get("import_share.A.B"), 100.0 * ba_new / a_new));
        let b_new = flow(&new, &[1], &all);
        assert!(close(get("export_share.B.A"), 100.0 * ba_new / b_new));
        assert!(get("imports_pct.A.B") < 0.0);
        // A period row: the share of averaged flows, not the average of shares.
        let zero = vec![0.0; catalog.len()];
        let mut shocked = vec![0.0; catalog.len()];
        catalog.fill(&b, &eq, &mut MetricWorkspace::default(), &mut shocked);
        let mut avg: Vec<f64> = zero
            .iter()
            .zip(&shocked)
            .map(|(a, c)| 0.5 * (a + c))
            .collect();
        let base_share = 100.0 * ba_old / a_old;
        let k = catalog.index_of("import_share.A.B").unwrap();
        avg[k] = 0.5 * (base_share + shocked[k]);
        catalog.recompute_ratios(&mut avg);
        let want = 100.0 * (ba_old + 0.5 * (ba_new - ba_old)) / (a_old + 0.5 * (a_new - a_old));
        assert!(close(avg[k], want), "{} vs {want}", avg[k]);
        // Errors name the metric and the code.
        let err = MetricCatalog::new(&b, None)
            .with_extra(&b, &["imports_pct.A.ZZ".to_string()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("imports_pct.A.ZZ") && err.contains("`ZZ`"),
            "{err}"
        );
        let err = MetricCatalog::new(&b, None)
            .with_extra(&b, &["nonsense.A".to_string()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("nonsense.A"), "{err}");
        let _ = codes;
    }

    /// The one-pass totals against naive per-cell sums written here, on a multi-sector baseline
    /// with a domestic diagonal that the equilibrium changes (as GE models do): the diagonal
    /// must stay out of every trade total, and each price index weighs its own cells.
    #[test]
    fn region_totals_match_naive_sums() {
        let (b, codes) = six_regions_three_sectors();
        let (n, n_sectors) = (b.n_regions(), b.n_sectors());
        let flows = b.flows().to_vec();
        let mut eq = Equilibrium::unchanged("test", &b);
        for (k, f) in eq.flows.iter_mut().enumerate() {
            *f *= 1.0 + 0.01 * (k % 13) as f64 - 0.05;
        }
        for (k, p) in eq.phat.iter_mut().enumerate() {
            *p = 1.0 + 0.003 * (k % 5) as f64;
        }
        for (k, p) in eq.price_index.iter_mut().enumerate() {
            *p = 1.0 - 0.002 * (k % 7) as f64;
        }
        let values = focus_0_on_1(&b, &eq);
        let off = |i: usize, j: usize| i != j;
        for r in 0..n {
            let (mut ex, mut im, mut ex_price, mut im_price) = (0.0, 0.0, 0.0, 0.0);
            for s in 0..n_sectors {
                for j in 0..n {
                    let k = (s * n + r) * n + j;
                    if off(r, j) {
                        ex += eq.flows[k] - flows[k];
                        ex_price += flows[k] * (eq.phat[s * n + r] - 1.0);
                    }
                    let k = (s * n + j) * n + r;
                    if off(j, r) {
                        im += eq.flows[k] - flows[k];
                        im_price += flows[k] * (eq.price_index[s * n + r] - 1.0);
                    }
                }
            }
            let c = codes[r];
            // Relative 1e-12: the one-pass sums add in a different order than these loops.
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
            assert!(
                close(values[&format!("exports.{c}")], ex / 1e9),
                "exports.{c}"
            );
            assert!(
                close(values[&format!("imports.{c}")], im / 1e9),
                "imports.{c}"
            );
            assert!(close(values[&format!("balance.{c}")], (ex - im) / 1e9));
            assert!(close(
                values[&format!("export_price_pct.{c}")],
                100.0 * ex_price / b.exports(r)
            ));
            assert!(close(
                values[&format!("import_price_pct.{c}")],
                100.0 * im_price / b.imports(r)
            ));
            assert!(close(
                values[&format!("exports.{c}")],
                (eq.exports(r) - b.exports(r)) / 1e9
            ));
        }
        // Focus column and target row.
        let cell = |i: usize, j: usize| -> f64 {
            (0..n_sectors)
                .map(|s| eq.flows[(s * n + i) * n + j] - flows[(s * n + i) * n + j])
                .sum()
        };
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
        assert!(close(values["imports.A.B"], cell(1, 0) / 1e9));
        assert!(close(values["diversion.A.B.C"], cell(2, 0) / 1e9));
        assert!(close(values["deflection.A.B.D"], cell(1, 3) / 1e9));
    }

    /// `docs/metrics.md` is the glossary generated from [`FAMILIES`]; `TARIFFSIM_BLESS=1`
    /// rewrites it.
    #[test]
    fn glossary_is_generated_from_the_families() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/metrics.md");
        let want = glossary_markdown();
        if std::env::var_os("TARIFFSIM_BLESS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/metrics.md is stale: run `TARIFFSIM_BLESS=1 cargo test -p tariffsim-core glossary`"
        );
    }

    /// Every metric a catalog can hold (focus, defaults, on-request names, rerouting) belongs to
    /// a family, so every output can name its unit and meaning.
    #[test]
    fn every_metric_has_a_family_and_unit() {
        let (b, _) = six_regions_three_sectors();
        let extra: Vec<String> = [
            "imports_pct.A.B",
            "exports.B.A",
            "exports_pct.B.A",
            "imports_pct.A",
            "exports_pct.B",
            "import_share.A.B",
            "export_share.B.A",
            "trade.*.A",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let block = crate::rerouting::Rerouting {
            origin: 1,
            destination: 0,
            rho: 2.0,
            conduits: vec![crate::rerouting::Conduit {
                region: 2,
                kappa: 0.05,
                capacity: 0.5,
                baseline_share: 0.0,
                baseline_kappa: 0.05,
            }],
        };
        let catalog = MetricCatalog::new(
            &b,
            Some(Focus {
                importer: 0,
                target: 1,
            }),
        )
        .with_extra(&b, &extra)
        .unwrap()
        .with_rerouting(&b, &block)
        .unwrap();
        for name in catalog.names() {
            assert!(family_of(name).is_some(), "no family for `{name}`");
            assert!(family_of(&format!("diff:{name}")).is_some());
        }
        assert_eq!(unit_of("diversion_ratio.USA.CHN"), Unit::Ratio);
        assert_eq!(unit_of("import_share.USA.VNM"), Unit::Percent);
        assert_eq!(unit_of("a:balance.CHN"), Unit::UsdBn);
        assert!(family_of("nonsense.A").is_none());
        // Patterns are unique.
        for (k, f) in FAMILIES.iter().enumerate() {
            assert!(
                FAMILIES[..k].iter().all(|g| g.pattern != f.pattern),
                "{}",
                f.pattern
            );
        }
    }

    /// A sector part restricts an on-request trade metric to one sector: the sectors' changes add
    /// up to the all-sector change, and the sector's percent and share are its own.
    #[test]
    fn trade_metrics_by_sector() {
        use crate::{Elasticities, Model};
        let (b, _) = six_regions_three_sectors();
        let n = b.n_regions();
        let sector_names: Vec<String> = (0..3).map(|s| b.sectors().code(s).to_string()).collect();
        let mut names: Vec<String> = vec!["trade.B.A".into(), "import_share.A.B".into()];
        for s in &sector_names {
            names.push(format!("trade.B.A.{s}"));
            names.push(format!("imports_pct.A.B.{s}"));
            names.push(format!("import_share.A.B.{s}"));
        }
        let catalog = MetricCatalog::new(&b, None).with_extra(&b, &names).unwrap();
        let e = Elasticities::uniform(n, 3, 4.0, -1.5, 6.0).unwrap();
        let mut t = b.baseline_tariffs();
        t.set(1, 0, 0, 0.5).unwrap();
        let eq = Model::Armington.solve(&b, &e, &t).unwrap();
        let v: std::collections::HashMap<String, f64> =
            catalog.evaluate(&b, &eq).into_iter().collect();
        let by_sector: f64 = sector_names
            .iter()
            .map(|s| v[&format!("trade.B.A.{s}")])
            .sum();
        assert!((by_sector - v["trade.B.A"]).abs() < 1e-9 * v["trade.B.A"].abs().max(1.0));
        // The taxed sector falls; its percent is its own flow's.
        let s0 = &sector_names[0];
        let base0 = b.flow(1, 0, 0);
        let new0 = eq.flow(1, 0, 0);
        assert!((v[&format!("imports_pct.A.B.{s0}")] - 100.0 * (new0 / base0 - 1.0)).abs() < 1e-9);
        let total0: f64 = (0..n).filter(|&i| i != 0).map(|i| eq.flow(i, 0, 0)).sum();
        assert!((v[&format!("import_share.A.B.{s0}")] - 100.0 * new0 / total0).abs() < 1e-9);
        // Errors: an unknown sector.
        let err = MetricCatalog::new(&b, None)
            .with_extra(&b, &["trade.B.A.NOPE".to_string()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a sector"), "{err}");
        assert!(unit_of(&format!("import_share.A.B.{s0}")) == Unit::Percent);
        assert!(family_of(&format!("trade.B.A.{s0}")).is_some());
    }

    /// The focus metrics by sector add up to their totals: the direct effect, the diversion to
    /// every third country and the deflection to every other market; and the direct effect by
    /// sector is the on-request `trade.C.M.S` (computed by another path).
    #[test]
    fn focus_metrics_by_sector_add_up() {
        use crate::{Elasticities, Model};
        let (b, _) = six_regions_three_sectors();
        let n = b.n_regions();
        let focus = Focus {
            importer: 0,
            target: 1,
        };
        let sectors: Vec<String> = (0..3).map(|s| b.sectors().code(s).to_string()).collect();
        let on_request: Vec<String> = sectors.iter().map(|s| format!("trade.B.A.{s}")).collect();
        let catalog = MetricCatalog::new(&b, Some(focus))
            .with_extra(&b, &on_request)
            .unwrap();
        let e = Elasticities::uniform(n, 3, 4.0, -1.5, 6.0).unwrap();
        let mut t = b.baseline_tariffs();
        t.set(1, 0, 0, 0.5).unwrap();
        t.set(1, 0, 2, 0.2).unwrap();
        let eq = Model::Armington.solve(&b, &e, &t).unwrap();
        let v: std::collections::HashMap<String, f64> =
            catalog.evaluate(&b, &eq).into_iter().collect();
        let sum = |prefix: &str| -> f64 {
            sectors
                .iter()
                .map(|s| v[&format!("{prefix}.A.B.{s}")])
                .sum()
        };
        let over = |prefix: &str| -> f64 {
            v.iter()
                .filter(|(k, _)| k.starts_with(prefix) && k.split('.').count() == 4)
                .map(|(_, x)| x)
                .sum()
        };
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        assert!(close(sum("imports"), v["imports.A.B"]));
        assert!(close(sum("diversion_by_sector"), over("diversion.A.B.")));
        assert!(close(sum("deflection_by_sector"), over("deflection.A.B.")));
        for s in &sectors {
            assert!(close(
                v[&format!("imports.A.B.{s}")],
                v[&format!("trade.B.A.{s}")]
            ));
        }
        assert!(v[&format!("imports.A.B.{}", sectors[0])] < 0.0);
        assert!(v[&format!("diversion_by_sector.A.B.{}", sectors[0])] > 0.0);
        assert!(unit_of(&format!("diversion_by_sector.A.B.{}", sectors[0])) == Unit::UsdBn);
    }
}
