//! The model-settings sections of a scenario file: `[elasticities]` (central values and the
//! supply scope), `[monte_carlo]`, `[priors]` (distributions per family, with overrides),
//! `[rerouting]` (conduits, penalties, priors on its parameters) and `[macro]` (demand growth
//! outside the tariff model). Each reader turns its table into a typed value or a diagnostic that
//! names the file, line and column.

use crate::context::{Cx, array_of_tables};
use crate::diag::Loc;
use crate::document::{Entry, Table, Val, check_keys};
use crate::error::{Result, ScenarioError};
use crate::keys::*;
use crate::priors::{Dist, MonteCarlo, Prior, PriorFamily, PriorOverride, Priors, Sampler};
use crate::scenario::{ElasticityOverride, ElasticitySpec};
use tariffsim_core::{Model, SupplyScope};

pub(crate) fn elasticity_value(cx: &Cx<'_>, e: &Entry) -> Result<f64> {
    let (family, expected) = match e.key.as_str() {
        "sigma" => (tariffsim_core::Family::Sigma, "sigma > 0 (finite)"),
        "sigma_d" => (tariffsim_core::Family::SigmaD, "sigma_d > 0 (finite)"),
        "eta" => (tariffsim_core::Family::Eta, "eta <= 0 (finite)"),
        _ => (
            tariffsim_core::Family::Eps,
            "eps > 0, \"inf\", or a finite eps < 0 (downward-sloping supply)",
        ),
    };
    let x = cx.number(e, expected)?;
    if !family.admits(x) {
        return Err(cx.err_expected(
            e.node.loc,
            format!("`{}` = {x} is outside its domain", e.key),
            expected,
        ));
    }
    Ok(x)
}

pub(crate) fn parse_elasticities(cx: &Cx<'_>, e: &Entry, model: Model) -> Result<ElasticitySpec> {
    let t = cx.table("elasticities", &e.node, "[elasticities]", ELASTICITY_KEYS)?;
    let get = |k: &str| t.get(k).map(|e| elasticity_value(cx, e)).transpose();
    let mut spec = ElasticitySpec {
        sigma: get("sigma")?,
        sigma_d: get("sigma_d")?,
        eta: get("eta")?,
        eps: get("eps")?,
        supply: match t.get("supply") {
            None => None,
            Some(e) => {
                let v = cx.string(e, "a supply scope")?;
                let scope = SupplyScope::from_name(v).ok_or_else(|| {
                    cx.unknown_name(e.node.loc, "supply scope", v, SupplyScope::NAMES)
                })?;
                let fits = match model {
                    Model::Armington | Model::GsimLinear => true,
                    Model::ArmingtonImports => scope == SupplyScope::Exports,
                    _ => false,
                };
                if !fits {
                    return Err(cx.err_expected(
                        e.node.loc,
                        format!(
                            "`supply = \"{v}\"` does not apply to the `{}` model",
                            model.name()
                        ),
                        "`supply` with `armington` or `gsim-linear` (`armington-imports` holds home sales fixed: its supply is \"exports\"; the general-equilibrium models have no supply elasticity)",
                    ));
                }
                Some(scope)
            }
        },
        overrides: Vec::new(),
    };
    if let Some(o) = t.get("override") {
        for node in array_of_tables(cx, o)? {
            let ot = cx.table(
                "override",
                node,
                "[[elasticities.override]]",
                ELASTICITY_OVERRIDE_KEYS,
            )?;
            let sectors = |k: &str| ot.get(k).map(|e| cx.sectors(e)).unwrap_or(Ok(Vec::new()));
            let regions = |k: &str| ot.get(k).map(|e| cx.regions(e)).unwrap_or(Ok(Vec::new()));
            let get = |k: &str| ot.get(k).map(|e| elasticity_value(cx, e)).transpose();
            let ov = ElasticityOverride {
                sectors: sectors("sectors")?,
                importers: regions("importers")?,
                exporters: regions("exporters")?,
                sigma: get("sigma")?,
                sigma_d: get("sigma_d")?,
                eta: get("eta")?,
                eps: get("eps")?,
            };
            if ov.sigma.is_none() && ov.sigma_d.is_none() && ov.eta.is_none() && ov.eps.is_none() {
                return Err(cx.err_expected(
                    node.loc,
                    "override sets no elasticity",
                    "at least one of `sigma`, `sigma_d`, `eta`, `eps`",
                ));
            }
            if let Some(e) = ot.get("importers").filter(|_| ov.eps.is_some()) {
                return Err(cx.err_expected(
                    e.key_loc,
                    "`importers` cannot select `eps` (export supply is per exporter)",
                    "`exporters` with `eps`, `importers` with `sigma`/`sigma_d`/`eta`",
                ));
            }
            if let Some(e) = ot
                .get("exporters")
                .filter(|_| ov.sigma.is_some() || ov.sigma_d.is_some() || ov.eta.is_some())
            {
                return Err(cx.err_expected(
                    e.key_loc,
                    "`exporters` cannot select `sigma`, `sigma_d` or `eta` (they are per importer)",
                    "`exporters` with `eps`, `importers` with `sigma`/`sigma_d`/`eta`",
                ));
            }
            spec.overrides.push(ov);
        }
    }
    Ok(spec)
}

pub(crate) fn parse_monte_carlo(cx: &Cx<'_>, e: &Entry) -> Result<MonteCarlo> {
    let t = cx.table("monte_carlo", &e.node, "[monte_carlo]", MONTE_CARLO_KEYS)?;
    let mut mc = MonteCarlo::default();
    let int = |e: &Entry, expected: &str| -> Result<i128> {
        match &e.node.val {
            Val::Int(i) => Ok(*i),
            other => Err(cx.err_expected(
                e.node.loc,
                format!(
                    "`{}` must be an integer, found {}",
                    e.key,
                    other.type_name()
                ),
                expected.to_string(),
            )),
        }
    };
    if let Some(e) = t.get("draws") {
        let d = int(e, "an integer > 0")?;
        mc.draws = u64::try_from(d).ok().filter(|&d| d > 0).ok_or_else(|| {
            cx.err_expected(
                e.node.loc,
                format!("`draws` = {d} is not > 0"),
                "an integer > 0",
            )
        })?;
    }
    if let Some(e) = t.get("seed") {
        let s = int(e, "an integer in [0, 2^64)")?;
        mc.seed = u64::try_from(s).map_err(|_| {
            cx.err_expected(
                e.node.loc,
                format!("`seed` = {s} is out of range"),
                "an integer in [0, 2^64)",
            )
        })?;
    }
    if let Some(e) = t.get("sampler") {
        let s = cx.string(e, "`random`, `lhs` or `sobol`")?;
        mc.sampler = Sampler::from_name(s)
            .ok_or_else(|| cx.unknown_name(e.node.loc, "sampler", s, Sampler::NAMES))?;
    }
    if let Some(e) = t.get("max_failure_rate") {
        let x = cx.finite(e, "a share in [0, 1]")?;
        if !(0.0..=1.0).contains(&x) {
            return Err(cx.err_expected(
                e.node.loc,
                format!("`max_failure_rate` = {x} is outside [0, 1]"),
                "a share in [0, 1]",
            ));
        }
        mc.max_failure_rate = x;
    }
    if let Some(e) = t.get("correlation") {
        let x = cx.finite(e, "a share in [0, 1)")?;
        if !(0.0..1.0).contains(&x) {
            return Err(cx.err_expected(
                e.node.loc,
                format!("`correlation` = {x} is outside [0, 1)"),
                "a share of variance in [0, 1)",
            ));
        }
        mc.correlation = x;
    }
    Ok(mc)
}

pub(crate) fn parse_dist(
    cx: &Cx<'_>,
    t: &Table,
    loc: Loc,
    section: &str,
    extra: &[&str],
    family: PriorFamily,
) -> Result<Dist> {
    let de = cx.required(t, "dist", section, loc)?;
    let name = cx.string(de, "a distribution name")?;
    let Some(params) = Dist::params(name) else {
        return Err(cx.unknown_name(de.node.loc, "distribution", name, Dist::NAMES));
    };
    let mut allowed: Vec<&str> = vec!["dist"];
    allowed.extend_from_slice(params);
    allowed.extend_from_slice(extra);
    check_keys(cx.doc, t, &format!("{section} (dist `{name}`)"), &allowed)?;
    let p = |k: &str| -> Result<f64> {
        let e = cx.required(t, k, &format!("{section} (dist `{name}`)"), de.node.loc)?;
        if name == "fixed" && family == PriorFamily::Eps {
            cx.number(e, "a number (or \"inf\")")
        } else {
            cx.finite(e, "a finite number")
        }
    };
    let bad = |k: &str, what: &str| -> ScenarioError {
        let l = t.get(k).map_or(de.node.loc, |e| e.node.loc);
        cx.err_expected(
            l,
            format!("invalid `{name}` prior: {what}"),
            what.to_string(),
        )
    };
    let dist = match name {
        "lognormal" => {
            let (median, log_sd) = (p("median")?, p("log_sd")?);
            if median <= 0.0 {
                return Err(bad("median", "median > 0"));
            }
            // A draw lies within ±9 sds of the median's log: these bounds keep every value a
            // finite, normal number the models can use (1e-300 underflowed to a sigma of 0).
            if !(1e-6..=1e6).contains(&median) {
                return Err(bad(
                    "median",
                    "a median in [1e-6, 1e6] (an elasticity; 1e-300 or 1e300 is a typo)",
                ));
            }
            if log_sd < 0.0 {
                return Err(bad("log_sd", "log_sd >= 0"));
            }
            if log_sd > 5.0 {
                return Err(bad("log_sd", "log_sd <= 5 (a factor of e^5 = 148 per sd)"));
            }
            Dist::Lognormal { median, log_sd }
        }
        "normal" => {
            let (mean, sd) = (p("mean")?, p("sd")?);
            if sd < 0.0 {
                return Err(bad("sd", "sd >= 0"));
            }
            Dist::Normal { mean, sd }
        }
        "truncnormal" => {
            let (mean, sd, lower, upper) = (p("mean")?, p("sd")?, p("lower")?, p("upper")?);
            if sd <= 0.0 {
                return Err(bad("sd", "sd > 0"));
            }
            if lower >= upper {
                return Err(bad("upper", "lower < upper"));
            }
            Dist::Truncnormal {
                mean,
                sd,
                lower,
                upper,
            }
        }
        "uniform" => {
            let (lower, upper) = (p("lower")?, p("upper")?);
            if lower >= upper {
                return Err(bad("upper", "lower < upper"));
            }
            Dist::Uniform { lower, upper }
        }
        "triangular" => {
            let (lower, mode, upper) = (p("lower")?, p("mode")?, p("upper")?);
            if lower >= upper {
                return Err(bad("upper", "lower < upper"));
            }
            if !(lower..=upper).contains(&mode) {
                return Err(bad("mode", "lower <= mode <= upper"));
            }
            Dist::Triangular { lower, mode, upper }
        }
        _ => Dist::Fixed { value: p("value")? },
    };
    if let Err(expected) = family.check(&dist) {
        return Err(cx.err_expected(
            de.node.loc,
            format!(
                "`{name}` prior for `{}` allows values outside its domain",
                family.name()
            ),
            expected,
        ));
    }
    Ok(dist)
}

/// `[rerouting]`: `origin`, `destination`, `rho`, `[[rerouting.conduit]]` (`region`, `kappa`,
/// `capacity`), optional `[[rerouting.penalty]]` (`rate`, `effective`, `enforcement`) and
/// `source`.
pub(crate) fn parse_rerouting(
    cx: &Cx<'_>,
    e: &Entry,
    phases: &[crate::scenario::Phase],
) -> Result<crate::scenario::ReroutingSpec> {
    use tariffsim_core::rerouting::{Conduit, Rerouting};
    let t = cx.table("rerouting", &e.node, "[rerouting]", REROUTING_KEYS)?;
    let origin = cx.region(cx.required(t, "origin", "[rerouting]", e.key_loc)?)?;
    let de = cx.required(t, "destination", "[rerouting]", e.key_loc)?;
    let destination = cx.region(de)?;
    if destination == origin {
        return Err(cx.err_expected(de.node.loc, "destination is the origin", "another region"));
    }
    let re = cx.required(t, "rho", "[rerouting]", e.key_loc)?;
    let rho = cx.number(re, "a route elasticity >= 0")?;
    if !(rho.is_finite() && rho >= 0.0) {
        return Err(cx.err_expected(
            re.node.loc,
            format!("`rho` = {rho}"),
            "a finite number >= 0",
        ));
    }
    let log_sd = |key: &str, what: &str| -> Result<f64> {
        match t.get(key) {
            None => Ok(0.0),
            Some(le) => {
                let v = cx.number(le, "a log-sd >= 0")?;
                if !(v.is_finite() && (0.0..=3.0).contains(&v)) {
                    return Err(cx.err_expected(
                        le.node.loc,
                        format!("`{key}` = {v}"),
                        format!("a log-sd in [0, 3] ({what})"),
                    ));
                }
                Ok(v)
            }
        }
    };
    let rho_log_sd = log_sd("rho_log_sd", "a lognormal prior on rho with median `rho`")?;
    let kappa_log_sd = log_sd(
        "kappa_log_sd",
        "one lognormal factor on every conduit's kappa, median 1",
    )?;
    let capacity_log_sd = log_sd(
        "capacity_log_sd",
        "one lognormal factor on every conduit's capacity, median 1",
    )?;
    let fraction = |entry: &Entry, what: &str| -> Result<f64> {
        let v = match &entry.node.val {
            Val::Str(text) => text
                .trim()
                .strip_suffix('%')
                .and_then(|v| v.trim().parse::<f64>().ok())
                .map(|v| v / 100.0),
            _ => cx.number(entry, what).ok(),
        };
        v.filter(|v| v.is_finite() && *v >= 0.0).ok_or_else(|| {
            cx.err_expected(
                entry.node.loc,
                format!("`{}` is not {what}", entry.key),
                "a number >= 0 or a rate such as \"5%\"",
            )
        })
    };
    let ce = cx.required(t, "conduit", "[rerouting]", e.key_loc)?;
    let mut conduits: Vec<Conduit> = Vec::new();
    for node in array_of_tables(cx, ce)? {
        let ct = cx.table("conduit", node, "[[rerouting.conduit]]", CONDUIT_KEYS)?;
        let re = cx.required(ct, "region", "[[rerouting.conduit]]", node.loc)?;
        let region = cx.region(re)?;
        if region == origin || region == destination {
            return Err(cx.err_expected(
                re.node.loc,
                "a conduit is the origin or the destination",
                "a third region",
            ));
        }
        if conduits.iter().any(|c| c.region == region) {
            return Err(cx.err_expected(re.node.loc, "conduit listed twice", "each region once"));
        }
        let kappa = fraction(
            cx.required(ct, "kappa", "[[rerouting.conduit]]", node.loc)?,
            "a rerouting cost >= 0",
        )?;
        let capacity = fraction(
            cx.required(ct, "capacity", "[[rerouting.conduit]]", node.loc)?,
            "a capacity >= 0 (a multiple of the conduit's own sales to the destination)",
        )?;
        let baseline_share = match ct.get("baseline_share") {
            None => 0.0,
            Some(be) => {
                let v = fraction(be, "a share in [0, 1) of the conduit's baseline sales")?;
                if v >= 1.0 {
                    return Err(cx.err_expected(
                        be.node.loc,
                        format!("`baseline_share` = {v} is not below 1"),
                        "a share in [0, 1): the part of the conduit's 2024 sales to the destination that is the origin's goods rerouted",
                    ));
                }
                v
            }
        };
        if let Some(s) = ct.get("source") {
            cx.string(s, "a source")?;
        }
        conduits.push(Conduit {
            region,
            kappa,
            capacity,
            baseline_share,
            baseline_kappa: kappa,
        });
    }
    let mut penalty_by_phase = vec![0.0; phases.len()];
    if let Some(pe) = t.get("penalty") {
        for node in array_of_tables(cx, pe)? {
            let pt = cx.table("penalty", node, "[[rerouting.penalty]]", PENALTY_KEYS)?;
            let rate = fraction(
                cx.required(pt, "rate", "[[rerouting.penalty]]", node.loc)?,
                "a penalty rate >= 0",
            )?;
            let ee = cx.required(pt, "effective", "[[rerouting.penalty]]", node.loc)?;
            let effective = cx.date(ee)?;
            let fe = cx.required(pt, "enforcement", "[[rerouting.penalty]]", node.loc)?;
            let enforcement = fraction(fe, "an enforcement share in [0, 1]")?;
            if enforcement > 1.0 {
                return Err(cx.err_expected(
                    fe.node.loc,
                    "enforcement above 1",
                    "a share in [0, 1]",
                ));
            }
            if !phases.iter().any(|p| p.start == effective)
                && phases.first().is_none_or(|p| effective > p.start)
            {
                return Err(cx.err_expected(
                    ee.node.loc,
                    format!("penalty from {effective}: no phase starts that day"),
                    "a date on which a layer changes (a phase boundary), so the penalty applies to whole phases",
                ));
            }
            for (k, p) in phases.iter().enumerate() {
                if p.start >= effective {
                    penalty_by_phase[k] = rate * enforcement;
                }
            }
        }
    }
    let source = t
        .get("source")
        .map(|s| cx.string(s, "a source").map(str::to_string))
        .transpose()?;
    let block = Rerouting {
        origin,
        destination,
        conduits,
        rho,
    };
    block
        .validate(cx.baseline.n_regions())
        .map_err(|err| cx.err(e.key_loc, err.to_string()))?;
    Ok(crate::scenario::ReroutingSpec {
        block,
        penalty_by_phase,
        rho_log_sd,
        kappa_log_sd,
        capacity_log_sd,
        source,
    })
}

/// `[macro]`: `[[macro.demand]]` entries with `importer` (codes or groups), `growth` (a rate,
/// `"4.3%"` or 0.043, above −100%), optional `sectors` and `source`; later entries win.
pub(crate) fn parse_macro(cx: &Cx<'_>, e: &Entry) -> Result<Vec<f64>> {
    let t = cx.table("macro", &e.node, "[macro]", MACRO_KEYS)?;
    let d = cx.required(t, "demand", "[macro]", e.key_loc)?;
    let (n, ns) = (cx.baseline.n_regions(), cx.baseline.n_sectors());
    let mut growth = vec![0.0; n * ns];
    for node in array_of_tables(cx, d)? {
        let dt = cx.table("demand", node, "[[macro.demand]]", MACRO_DEMAND_KEYS)?;
        let importers = cx.regions(cx.required(dt, "importer", "[[macro.demand]]", node.loc)?)?;
        let ge = cx.required(dt, "growth", "[[macro.demand]]", node.loc)?;
        let g = match &ge.node.val {
            Val::Str(text) => text
                .trim()
                .strip_suffix('%')
                .and_then(|v| v.trim().parse::<f64>().ok())
                .map(|v| v / 100.0),
            _ => cx.number(ge, "a growth rate").ok(),
        }
        .filter(|g| g.is_finite() && *g > -1.0)
        .ok_or_else(|| {
            cx.err_expected(
                ge.node.loc,
                "`growth` is not a growth rate above -100%",
                "a rate such as \"4.3%\", \"-2%\" or 0.043",
            )
        })?;
        let sectors = match dt.get("sectors") {
            Some(e) => cx.sectors(e)?,
            None => cx.baseline.sectors().ids().collect(),
        };
        if let Some(e) = dt.get("source") {
            cx.string(e, "a source")?;
        }
        for &s in &sectors {
            for &j in &importers {
                growth[s.index() * n + j.index()] = g;
            }
        }
    }
    Ok(growth)
}

pub(crate) fn parse_priors(cx: &Cx<'_>, e: &Entry) -> Result<Priors> {
    let t = cx.table("priors", &e.node, "[priors]", PriorFamily::NAMES)?;
    let mut priors = Priors::default();
    for fe in &t.entries {
        let Some(family) = PriorFamily::from_name(&fe.key) else {
            continue; // unreachable: keys checked above
        };
        let section = format!("[priors.{}]", fe.key);
        let Val::Table(ft) = &fe.node.val else {
            return Err(cx.err_expected(
                fe.node.loc,
                format!("`{}` must be a table", fe.key),
                format!("a {section} table with `dist` and its parameters"),
            ));
        };
        let dist = parse_dist(cx, ft, fe.key_loc, &section, &["override"], family)?;
        let mut overrides = Vec::new();
        if let Some(oe) = ft.get("override") {
            for node in array_of_tables(cx, oe)? {
                let osec = format!("[[priors.{}.override]]", fe.key);
                let Val::Table(ot) = &node.val else {
                    return Err(cx.err_expected(node.loc, "override must be a table", osec));
                };
                let mut extra = vec!["sectors"];
                extra.extend(family.region_key());
                let dist = parse_dist(cx, ot, node.loc, &osec, &extra, family)?;
                let sectors = ot
                    .get("sectors")
                    .map(|e| cx.sectors(e))
                    .transpose()?
                    .unwrap_or_default();
                let regions = family
                    .region_key()
                    .and_then(|k| ot.get(k))
                    .map(|e| cx.regions(e))
                    .transpose()?
                    .unwrap_or_default();
                if ot.get("sectors").is_none() && regions.is_empty() {
                    return Err(cx.err_expected(
                        node.loc,
                        "override selects nothing",
                        format!(
                            "`sectors`{}",
                            family
                                .region_key()
                                .map_or(String::new(), |k| format!(" and/or `{k}`"))
                        ),
                    ));
                }
                let (importers, exporters) = match family {
                    PriorFamily::Eps => (Vec::new(), regions),
                    _ => (regions, Vec::new()),
                };
                overrides.push(PriorOverride {
                    sectors,
                    importers,
                    exporters,
                    dist,
                });
            }
        }
        priors.set(family, Prior { dist, overrides });
    }
    Ok(priors)
}
