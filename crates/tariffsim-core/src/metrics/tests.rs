//! Unit tests of the metrics: by hand on small baselines, the solver's totals, on-request trade
//! metrics, sectors, and the families and glossary.

use super::*;
use crate::equilibrium::Equilibrium;
use crate::{Elasticities, Eps, Eta, Provenance, RegionSet, SectorId, SectorSet, Sigma};

/// Region and sector ids by position (the test baselines' layouts).
fn r(i: usize) -> RegionId {
    RegionId::from_index(i)
}

fn sec(s: usize) -> SectorId {
    SectorId::from_index(s)
}

/// sigma 4, eta -1.5, eps 6 everywhere.
fn elasticities(n: usize, n_sectors: usize) -> Elasticities {
    Elasticities::uniform(
        n,
        n_sectors,
        Sigma::new(4.0).unwrap(),
        Eta::new(-1.5).unwrap(),
        Eps::new(6.0).unwrap(),
    )
    .unwrap()
}

/// Focus importer region 0, target region 1.
fn focus_0_1() -> Focus {
    Focus {
        importer: r(0),
        target: r(1),
    }
}

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
    let focus = focus_0_1();
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
    let focus = focus_0_1();
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
    let m = MetricCatalog::new(&b, Some(focus_0_1()));
    assert_eq!(m.index_of("imports.M.C"), Some(0));
}

/// `armington-imports` records each solved sector's totals while writing its flows and marks the
/// sectors it left untouched; the metrics from those agree with the metrics from sweeping the
/// flows (to rounding: the sums run in another order), and a zero shock gives exact zeros.
#[test]
fn solver_totals_give_the_metrics_of_the_flows() {
    use crate::Model;
    use crate::equilibrium::TotalsState;
    let (b, _) = six_regions_three_sectors();
    let n = b.n_regions();
    let e = elasticities(n, 3);
    let catalog = MetricCatalog::new(&b, Some(focus_0_1()));
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
    for s in [sec(0), sec(1)] {
        t.set(r(1), r(0), s, 0.6).unwrap();
        t.set(r(0), r(1), s, 0.3).unwrap();
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
    use crate::Model;
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
    let e = elasticities(n, 3);
    let mut t = b.baseline_tariffs();
    for s in b.sectors().ids() {
        t.set(r(1), r(0), s, 0.5).unwrap();
    }
    let eq = Model::Armington.solve(&b, &e, &t).unwrap();
    let mut out = vec![0.0; catalog.len()];
    catalog.fill(&b, &eq, &mut MetricWorkspace::default(), &mut out);
    let get = |name: &str| out[catalog.index_of(name).unwrap()];
    type Flow<'a> = &'a dyn Fn(RegionId, RegionId, SectorId) -> f64;
    let flow = |f: Flow, x: &[RegionId], m: &[RegionId]| -> f64 {
        let mut total = 0.0;
        for s in b.sectors().ids() {
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
    let all: Vec<RegionId> = b.regions().ids().collect();
    let new = |i, j, s| eq.flow(i, j, s);
    let old = |i, j, s| b.flow(i, j, s);
    let (ba_new, ba_old) = (flow(&new, &[r(1)], &[r(0)]), flow(&old, &[r(1)], &[r(0)]));
    let close = |a: f64, c: f64| (a - c).abs() <= 1e-9 * c.abs().max(1.0);
    assert!(close(get("exports.B.A"), (ba_new - ba_old) * 1e-9));
    assert!(close(
        get("imports_pct.A.B"),
        100.0 * (ba_new / ba_old - 1.0)
    ));
    let (a_new, a_old) = (flow(&new, &all, &[r(0)]), flow(&old, &all, &[r(0)]));
    assert!(close(get("imports_pct.A"), 100.0 * (a_new / a_old - 1.0)));
    assert!(close(get("trade.*.A"), (a_new - a_old) * 1e-9));
    assert!(close(get("import_share.A.B"), 100.0 * ba_new / a_new));
    let b_new = flow(&new, &[r(1)], &all);
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
    for region in b.regions().ids() {
        let r = region.index();
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
            100.0 * ex_price / b.exports(region)
        ));
        assert!(close(
            values[&format!("import_price_pct.{c}")],
            100.0 * im_price / b.imports(region)
        ));
        assert!(close(
            values[&format!("exports.{c}")],
            (eq.exports(region) - b.exports(region)) / 1e9
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
        origin: r(1),
        destination: r(0),
        rho: 2.0,
        conduits: vec![crate::rerouting::Conduit {
            region: r(2),
            kappa: 0.05,
            capacity: 0.5,
            baseline_share: 0.0,
            baseline_kappa: 0.05,
        }],
    };
    let catalog = MetricCatalog::new(&b, Some(focus_0_1()))
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
    use crate::Model;
    let (b, _) = six_regions_three_sectors();
    let n = b.n_regions();
    let sector_names: Vec<String> = b
        .sectors()
        .ids()
        .map(|s| b.sectors().code(s).to_string())
        .collect();
    let mut names: Vec<String> = vec!["trade.B.A".into(), "import_share.A.B".into()];
    for s in &sector_names {
        names.push(format!("trade.B.A.{s}"));
        names.push(format!("imports_pct.A.B.{s}"));
        names.push(format!("import_share.A.B.{s}"));
    }
    let catalog = MetricCatalog::new(&b, None).with_extra(&b, &names).unwrap();
    let e = elasticities(n, 3);
    let mut t = b.baseline_tariffs();
    t.set(r(1), r(0), sec(0), 0.5).unwrap();
    let eq = Model::Armington.solve(&b, &e, &t).unwrap();
    let v: std::collections::HashMap<String, f64> = catalog.evaluate(&b, &eq).into_iter().collect();
    let by_sector: f64 = sector_names
        .iter()
        .map(|s| v[&format!("trade.B.A.{s}")])
        .sum();
    assert!((by_sector - v["trade.B.A"]).abs() < 1e-9 * v["trade.B.A"].abs().max(1.0));
    // The taxed sector falls; its percent is its own flow's.
    let s0 = &sector_names[0];
    let base0 = b.flow(r(1), r(0), sec(0));
    let new0 = eq.flow(r(1), r(0), sec(0));
    assert!((v[&format!("imports_pct.A.B.{s0}")] - 100.0 * (new0 / base0 - 1.0)).abs() < 1e-9);
    let total0: f64 = b
        .regions()
        .ids()
        .filter(|&i| i != r(0))
        .map(|i| eq.flow(i, r(0), sec(0)))
        .sum();
    assert!((v[&format!("import_share.A.B.{s0}")] - 100.0 * new0 / total0).abs() < 1e-9);
    // Errors: an unknown sector.
    let err = MetricCatalog::new(&b, None)
        .with_extra(&b, &["trade.B.A.NOPE".to_string()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("neither a sector nor a sector group"), "{err}");
    assert!(unit_of(&format!("import_share.A.B.{s0}")) == Unit::Percent);
    assert!(family_of(&format!("trade.B.A.{s0}")).is_some());
}

/// The focus metrics by sector add up to their totals: the direct effect, the diversion to
/// every third country and the deflection to every other market; and the direct effect by
/// sector is the on-request `trade.C.M.S` (computed by another path).
#[test]
fn focus_metrics_by_sector_add_up() {
    use crate::Model;
    let (b, _) = six_regions_three_sectors();
    let n = b.n_regions();
    let focus = focus_0_1();
    let sectors: Vec<String> = b
        .sectors()
        .ids()
        .map(|s| b.sectors().code(s).to_string())
        .collect();
    let on_request: Vec<String> = sectors.iter().map(|s| format!("trade.B.A.{s}")).collect();
    let catalog = MetricCatalog::new(&b, Some(focus))
        .with_extra(&b, &on_request)
        .unwrap();
    let e = elasticities(n, 3);
    let mut t = b.baseline_tariffs();
    t.set(r(1), r(0), sec(0), 0.5).unwrap();
    t.set(r(1), r(0), sec(2), 0.2).unwrap();
    let eq = Model::Armington.solve(&b, &e, &t).unwrap();
    let v: std::collections::HashMap<String, f64> = catalog.evaluate(&b, &eq).into_iter().collect();
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

/// A sector part may name a sector group: the metric sums its members (here `XZ` = X + Z), equal
/// to the sum of the members' own metrics, in the baseline and after a solve.
#[test]
fn trade_metrics_by_sector_group_sum_the_members() {
    use crate::{Group, Model, Sector};
    let (plain, _) = six_regions_three_sectors();
    let sector = |c: &str| Sector {
        code: c.into(),
        name: c.into(),
        description: String::new(),
    };
    let sectors = SectorSet::new(
        vec![sector("X"), sector("Y"), sector("Z")],
        vec![Group {
            code: "XZ".into(),
            members: vec![sec(2), sec(0)],
        }],
    )
    .unwrap();
    let b = Baseline::new(
        plain.regions().clone(),
        sectors,
        plain.flows().to_vec(),
        plain.tariffs().to_vec(),
        true,
        Provenance::default(),
    )
    .unwrap();
    let n = b.n_regions();
    let names: Vec<String> = [
        "trade.B.A.X",
        "trade.B.A.Z",
        "trade.B.A.XZ",
        "imports_pct.A.B.XZ",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect();
    let catalog = MetricCatalog::new(&b, None).with_extra(&b, &names).unwrap();
    let e = elasticities(n, 3);
    let mut t = b.baseline_tariffs();
    t.set(r(1), r(0), sec(0), 0.5).unwrap();
    t.set(r(1), r(0), sec(1), 0.5).unwrap();
    let eq = Model::Armington.solve(&b, &e, &t).unwrap();
    let v: std::collections::HashMap<String, f64> = catalog.evaluate(&b, &eq).into_iter().collect();
    let group = v["trade.B.A.XZ"];
    assert!(group < 0.0, "X is taxed: {group}");
    let members = v["trade.B.A.X"] + v["trade.B.A.Z"];
    assert!(
        (group - members).abs() <= 1e-12 * members.abs(),
        "{group} vs {members}"
    );
    let (base, new): (f64, f64) = [sec(0), sec(2)]
        .iter()
        .map(|&s| (b.flow(r(1), r(0), s), eq.flow(r(1), r(0), s)))
        .fold((0.0, 0.0), |(a, c), (x, y)| (a + x, c + y));
    assert!((v["imports_pct.A.B.XZ"] - 100.0 * (new / base - 1.0)).abs() < 1e-9);
}
