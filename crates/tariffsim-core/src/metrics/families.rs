//! The metric families: every name pattern with its unit and meaning ([`FAMILIES`]), the
//! lookup of a name's family and unit, and the glossary `docs/metrics.md` generated from them.

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
        description: "Change in X's sales to M in sector S (a sector code of the baseline, or a sector group: its members summed), e.g. trade.EU27.USA.IRON_STEEL.",
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
