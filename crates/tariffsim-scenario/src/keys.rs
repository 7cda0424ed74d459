//! The keys each section of a scenario file accepts: the resolver checks files against them
//! (unknown keys are errors with a did-you-mean) and `tariffsim schema` describes them; a test
//! ties both and `docs/scenarios.md` to these lists.

pub(crate) const TOP_KEYS: &[&str] = &[
    "extends",
    "name",
    "description",
    "baseline",
    "model",
    "horizon",
    "focus",
    "period",
    "layer",
    "rule",
    "retaliation",
    "elasticities",
    "monte_carlo",
    "priors",
    "metrics",
    "macro",
    "rerouting",
];
/// `[baseline]` (when `baseline` is a table rather than a name).
pub(crate) const BASELINE_KEYS: &[&str] = &["name", "sectors"];
pub(crate) const LAYER_KEYS: &[&str] = &[
    "name",
    "authority",
    "importer",
    "exporters",
    "except",
    "sectors",
    "except_sectors",
    "rate",
    "step",
    "effective",
    "expires",
    "stacking",
    "exclusive_with",
    "allow_extreme",
    "internal",
    "coverage",
    "coverage_step",
];
pub(crate) const STEP_KEYS: &[&str] = &["date", "rate"];
pub(crate) const FOCUS_KEYS: &[&str] = &["importer", "target"];
pub(crate) const PERIOD_KEYS: &[&str] = &["start", "end"];
pub(crate) const ELASTICITY_KEYS: &[&str] =
    &["sigma", "sigma_d", "eta", "eps", "supply", "override"];
pub(crate) const ELASTICITY_OVERRIDE_KEYS: &[&str] = &[
    "sectors",
    "importers",
    "exporters",
    "sigma",
    "sigma_d",
    "eta",
    "eps",
];
pub(crate) const MONTE_CARLO_KEYS: &[&str] = &[
    "draws",
    "seed",
    "sampler",
    "max_failure_rate",
    "correlation",
];
pub(crate) const REROUTING_KEYS: &[&str] = &[
    "origin",
    "destination",
    "rho",
    "rho_log_sd",
    "kappa_log_sd",
    "capacity_log_sd",
    "conduit",
    "penalty",
    "source",
];
pub(crate) const CONDUIT_KEYS: &[&str] =
    &["region", "kappa", "capacity", "baseline_share", "source"];
pub(crate) const PENALTY_KEYS: &[&str] = &["rate", "effective", "enforcement", "source"];
pub(crate) const MACRO_KEYS: &[&str] = &["demand"];
pub(crate) const MACRO_DEMAND_KEYS: &[&str] = &["importer", "growth", "sectors", "source"];
pub(crate) const RULE_KEYS: &[&str] = &[
    "name",
    "authority",
    "importer",
    "partner",
    "flow",
    "min_share",
    "min_value_usd",
    "sectors",
    "except_sectors",
    "except",
    "include",
    "countries",
    "rate",
    "effective",
    "expires",
    "stacking",
    "exclusive_with",
    "allow_extreme",
    "coverage",
    "coverage_step",
];
pub(crate) const RETALIATION_KEYS: &[&str] = &[
    "name",
    "authority",
    "by",
    "against",
    "mode",
    "cap",
    "rate",
    "step",
    "sectors",
    "except_sectors",
    "effective",
    "expires",
    "allow_extreme",
];
pub(crate) const COVERAGE_STEP_KEYS: &[&str] = &["date", "coverage"];
