//! Calibration of the embedded `world2024` baseline against published 2024 figures
//! (`../shared/data/CALIBRATION_2024.md` and the region totals cited in
//! `crates/tariffsim-data/data/world2024/METHOD.md`), plus its invariants.
//!
//! Tolerances: 3% for the CALIBRATION_2024.md figures and China's surplus (the bar), 5% for
//! the region totals. The fit itself hits its targets to better than 0.1% (the build prints any
//! miss); the margins cover the difference between a target and the published figure it stands for
//! (e.g. US imports by partner on the consumption basis for CAN/GBR/JPN).

use tariffsim_core::{Baseline, RegionId};

const BN: f64 = 1e9;

fn world() -> Baseline {
    tariffsim_data::builtin("world2024").expect("world2024 parses")
}

fn idx(b: &Baseline, code: &str) -> RegionId {
    b.regions().require(code).expect(code)
}

fn bilateral(b: &Baseline, from: &[&str], to: &[&str]) -> f64 {
    from.iter()
        .flat_map(|i| to.iter().map(move |j| (*i, *j)))
        .map(|(i, j)| b.bilateral(idx(b, i), idx(b, j)))
        .sum()
}

#[track_caller]
fn within(what: &str, model: f64, published: f64, tol: f64) {
    let rel = model / published - 1.0;
    assert!(
        rel.abs() <= tol,
        "{what}: baseline {:.1} bn vs published {:.1} bn ({:+.2}%, tolerance {:.0}%)",
        model / BN,
        published / BN,
        rel * 100.0,
        tol * 100.0
    );
}

#[test]
fn calibration_2024_figures_within_3_percent() {
    let b = world();
    let chn = idx(&b, "CHN");
    let usa = idx(&b, "USA");
    let tol = 0.03;
    // China customs (GAC).
    within("China total exports", b.exports(chn), 3580.0 * BN, tol);
    within("China total imports", b.imports(chn), 2590.0 * BN, tol);
    within("China trade surplus", b.balance(chn), 992.1 * BN, tol);
    within(
        "China exports to ASEAN",
        bilateral(&b, &["CHN"], &["VNM", "ASEAN_OTH"]),
        586.5 * BN,
        tol,
    );
    within(
        "China exports to Vietnam",
        bilateral(&b, &["CHN"], &["VNM"]),
        161.8 * BN,
        tol,
    );
    within(
        "EU-China total trade",
        bilateral(&b, &["CHN"], &["EU27"]) + bilateral(&b, &["EU27"], &["CHN"]),
        785.8 * BN,
        tol,
    );
    let latam = ["MEX", "BRA", "LATAM_OTH"];
    within(
        "China-Latin America total trade",
        bilateral(&b, &["CHN"], &latam) + bilateral(&b, &latam, &["CHN"]),
        518.0 * BN,
        tol,
    );
    within(
        "China-Africa total trade (about 295 bn)",
        bilateral(&b, &["CHN"], &["AFRICA"]) + bilateral(&b, &["AFRICA"], &["CHN"]),
        295.0 * BN,
        tol,
    );
    // US Census.
    within("US goods imports", b.imports(usa), 3295.0 * BN, tol);
    within(
        "US imports from China",
        b.bilateral(chn, usa),
        438.9 * BN,
        tol,
    );
    within(
        "US deficit with China",
        b.bilateral(chn, usa) - b.bilateral(usa, chn),
        295.4 * BN,
        tol,
    );
    within(
        "US imports from Mexico",
        bilateral(&b, &["MEX"], &["USA"]),
        505.9 * BN,
        tol,
    );
    within(
        "US imports from the EU",
        bilateral(&b, &["EU27"], &["USA"]),
        605.8 * BN,
        tol,
    );
    // US exports and US-ASEAN cells (Census, METHOD.md section 3).
    let usa_to = |to: &str| bilateral(&b, &["USA"], &[to]);
    within("US exports to Mexico", usa_to("MEX"), 334.041 * BN, tol);
    within("US exports to Canada", usa_to("CAN"), 349.4 * BN, tol);
    within("US exports to the EU", usa_to("EU27"), 370.2 * BN, tol);
    within(
        "US imports from Viet Nam",
        bilateral(&b, &["VNM"], &["USA"]),
        136.5 * BN,
        tol,
    );
    let asean = bilateral(&b, &["VNM", "ASEAN_OTH"], &["USA"]);
    within("US imports from ASEAN", asean, 352.1 * BN, tol);
}

/// The US-China cell follows the US Census side (imports 438.9, deficit 295.4, so US exports
/// 143.5 and total trade 582.4). China customs reports 688.3 bn of China-US trade; the baseline is
/// 15.4% below it. This test pins that documented gap so a silent switch of sides is caught.
#[test]
fn us_china_follows_census_and_misses_gac_total_by_15_percent() {
    let b = world();
    let (chn, usa) = (idx(&b, "CHN"), idx(&b, "USA"));
    let total = b.bilateral(chn, usa) + b.bilateral(usa, chn);
    within("US-China total trade, Census side", total, 582.4 * BN, 0.01);
    let gap = total / (688.3 * BN) - 1.0;
    assert!(
        (-0.165..=-0.145).contains(&gap),
        "gap to GAC total {gap:.4}"
    );
}

#[test]
fn region_totals_within_5_percent_of_cited_figures() {
    let b = world();
    let yen = 150.97;
    // (region, exports bn, imports bn): sources in METHOD.md section 3.
    let cited: &[(&str, Option<f64>, Option<f64>)] = &[
        ("USA", Some(2083.0), Some(3295.0)),
        ("CHN", Some(3580.0), Some(2590.0)),
        ("EU27", Some(2585.0 * 1.0824), Some(2438.0 * 1.0824)),
        ("MEX", Some(617.1), Some(625.3)),
        ("CAN", Some(412.7 / 0.759), Some(349.4 / 0.622)),
        ("JPN", Some(107_090.0 / yen), Some(112_420.0 / yen)),
        ("KOR", Some(683.8), Some(632.0)),
        ("TWN", Some(475.07), Some(394.0)),
        ("VNM", Some(405.53), Some(380.76)),
        ("IND", Some(442.12), Some(703.33)),
        ("BRA", Some(337.0), Some(262.5)),
        // Bank of Russia: goods exports 417.2; imports = 417.2 - goods balance (118.6 Jan-Nov +
        // 5.6 Dec) = 293.0 (derived, METHOD.md section 3).
        ("RUS", Some(417.2), Some(417.2 - 124.2)),
        // Other ASEAN and the Middle East with Turkey (2024.8): members' totals less the trade
        // among them, docs/data/world2024-region-totals.md sections 1 and 2 (MIDEAST_TUR's
        // intra-member trade and ASEAN_OTH's three small members are estimates).
        ("ASEAN_OTH", Some(1533.1 - 321.0), Some(1485.6 - 321.0)),
        ("MIDEAST_TUR", Some(1295.0 - 100.0), Some(1325.6 - 100.0)),
        // Iran: estimates from IRICA figures (METHOD.md section 4).
        ("IRN", Some(84.36), Some(63.08)),
        // Africa: Afreximbank 2024 exports 682 and imports 719 (African Economic and Trade Outlook
        // 2025) minus half each of the 220.3 bn of intra-African trade (African Trade Report 2025),
        // which the baseline books on the diagonal (derived, METHOD.md section 3).
        (
            "AFRICA",
            Some(682.0 - 220.3 / 2.0),
            Some(719.0 - 220.3 / 2.0),
        ),
        // Other Latin America: a PARTLY ESTIMATED target (METHOD.md section 5). Members' published
        // or derived 2024 totals (ARG, CHL, COL, PER, URY, PRY, BOL, ECU, CRI, SLV, GTM, HND, PAN
        // exports, DOM, JAM, GUY) sum to 468.646 / 452.537; Venezuela, Trinidad and Tobago, Panama's
        // imports, Cuba, Haiti, the Bahamas and the smaller islands are an *estimate* of 45 / 75,
        // i.e. 8.8% of the gross exports and 14.2% of the gross imports; trade among the members
        // (5.7% of their exports, ICIO 2022) is taken off both sides because it sits on the
        // diagonal. The IDB's 13.5% intraregional ratio would put the target 8% lower.
        (
            "LATAM_OTH",
            Some((468.646 + 45.0) * (1.0 - 0.057)),
            Some(452.537 + 75.0 - 0.057 * (468.646 + 45.0)),
        ),
    ];
    for &(code, x, m) in cited {
        let r = idx(&b, code);
        if let Some(x) = x {
            within(&format!("{code} exports"), b.exports(r), x * BN, 0.05);
        }
        if let Some(m) = m {
            within(&format!("{code} imports"), b.imports(r), m * BN, 0.05);
        }
    }
    // Every region is either checked above on both sides or listed here with the reason it is
    // not (METHOD.md section 5); a region that is neither fails the test.
    for code in b.regions().regions().iter().map(|r| r.code.as_str()) {
        let checked = cited
            .iter()
            .any(|&(c, x, m)| c == code && x.is_some() && m.is_some());
        let excused = UNCALIBRATED_TOTALS.iter().find(|&&(c, _)| c == code);
        assert!(
            checked != excused.is_some(),
            "{code}: checked {checked}, listed as uncalibrated {excused:?}"
        );
        if let Some((_, why)) = excused {
            eprintln!("{code} totals not calibrated: {why}");
        }
    }
}

/// Regions whose 2024 total exports and imports are NOT held to a published figure, and why
/// (METHOD.md section 5). Their totals come out of the fit and are not asserted.
const UNCALIBRATED_TOTALS: &[(&str, &str)] = &[
    (
        "GBR",
        "no ONS/HMRC calendar-2024 level of goods exports or imports was found in the stored \
         sources searched (only monthly and three-monthly ONS bulletins); only the ONS 2024 goods \
         balance (-217.8 bn GBP) is fitted, checked by `gbr_goods_balance_follows_ons`",
    ),
    (
        "ROW",
        "residual region (AUS, NZL, CHE, NOR, ..., everything not named): its members' totals are a \
         fifth (exports) to over a quarter (imports) estimated (docs/data/world2024-region-totals.md \
         section 3), and since the matrix's world exports must equal its world imports, the free \
         region absorbs the c.i.f./f.o.b. gap of the published totals (about 1.5% of world trade): \
         ROW's imports come out near 950 bn against about 1,220 bn for its members",
    ),
];

/// The UK's goods balance follows the ONS: the 2025 deficit of 248.3 bn GBP was 30.5 bn wider than
/// 2024's, so 2024 = -217.8 bn GBP (excluding precious metals), at 1.278 USD per GBP (2024 average,
/// METHOD.md section 3). 5% as for the region totals. Exports and imports are not calibrated
/// (`UNCALIBRATED_TOTALS`), but they must stay of the order the monthly ONS bulletins show (goods
/// exports about GBP 29 bn a month in December 2024, i.e. roughly 350-600 bn USD a year).
#[test]
fn gbr_goods_balance_follows_ons() {
    let b = world();
    let gbr = idx(&b, "GBR");
    within(
        "UK goods balance",
        b.balance(gbr),
        -(248.3 - 30.5) * 1.2786 * BN,
        0.05,
    );
    let x = b.exports(gbr) / BN;
    assert!((350.0..600.0).contains(&x), "GBR exports {x:.1} bn");
}

#[test]
fn flows_finite_nonnegative_and_every_region_trades_every_sector() {
    let b = world();
    assert_eq!(b.n_regions(), 19);
    assert_eq!(b.n_sectors(), 22);
    // The 13-sector codes that the 22 refine are groups of them (scenario files keep working).
    for (g, n) in [
        ("AGRI_FOOD", 3),
        ("ENERGY_MINING", 3),
        ("WOOD_PAPER", 2),
        ("CHEM_PLASTICS", 2),
        ("METALS_MINERALS", 4),
        ("BASE_METALS", 2),
    ] {
        assert_eq!(
            b.sectors().group(g).map(|g| g.members.len()),
            Some(n),
            "{g}"
        );
    }
    assert!(b.has_domestic());
    assert!(b.flows().iter().all(|f| f.is_finite() && *f >= 0.0));
    assert!(
        b.tariffs()
            .iter()
            .all(|t| t.is_finite() && *t >= 0.0 && *t < 1.0)
    );
    let irn = idx(&b, "IRN");
    for s in b.sectors().ids() {
        for r in b.regions().ids() {
            let exports: f64 = b
                .regions()
                .ids()
                .filter(|&j| j != r)
                .map(|j| b.flow(r, j, s))
                .sum();
            let imports: f64 = b
                .regions()
                .ids()
                .filter(|&i| i != r)
                .map(|i| b.flow(i, r, s))
                .sum();
            let who = format!("{} {}", b.regions().code(r), b.sectors().code(s));
            assert!(imports > 0.0, "{who} imports");
            assert!(b.flow(r, r, s) > 0.0, "{who} domestic sales");
            // IRICA shows Iranian exports in a few sectors only (METHOD.md section 2).
            if r != irn {
                assert!(exports > 0.0, "{who} exports");
            }
        }
    }
}

#[test]
fn iran_partners_in_published_order() {
    let b = world();
    let irn = idx(&b, "IRN");
    let mut partners: Vec<(f64, &str)> = b
        .regions()
        .ids()
        .filter(|&j| j != irn)
        .map(|j| {
            (
                b.bilateral(irn, j) + b.bilateral(j, irn),
                b.regions().code(j),
            )
        })
        .collect();
    partners.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert_eq!(partners[0].1, "CHN", "{partners:?}");
    // UAE, Turkey and Iraq (MIDEAST_TUR) follow China.
    assert_eq!(partners[1].1, "MIDEAST_TUR", "{partners:?}");
    let exports_to = |c: &str| b.bilateral(irn, idx(&b, c));
    assert!(exports_to("CHN") > exports_to("MIDEAST_TUR"));
    assert!(exports_to("MIDEAST_TUR") > exports_to("IND"));
}

#[test]
fn tariffs_carry_section_301_and_retaliation() {
    let b = world();
    let (chn, usa, vnm) = (idx(&b, "CHN"), idx(&b, "USA"), idx(&b, "VNM"));
    let s = b.sectors().require("MACHINERY").unwrap();
    // US on China: MFN proxy + Section 301 (lists 1-3 at 25% cover most machinery lines).
    assert!(b.tariff(chn, usa, s) > 0.15 && b.tariff(chn, usa, s) < 0.30);
    assert!(b.tariff(vnm, usa, s) < 0.05);
    // China on the US: 20.7% including retaliation (PIIE); on others 6.7%.
    assert!((b.tariff(usa, chn, s) - 0.207).abs() < 1e-12);
    assert!((b.tariff(vnm, chn, s) - 0.067).abs() < 1e-12);
    // MFN tariffs elsewhere (METHOD.md section 7): the EU by WTO product group (machinery 1.7%,
    // apparel the mean of textiles 6.6, clothing 11.5, leather 4.2), zero for its FTA partners;
    // Brazil 11.1% and Canada 3.8% on all products, Canada zero on its USMCA partners.
    let eu = idx(&b, "EU27");
    let textiles = b.sectors().require("TEXTILE_APPAREL").unwrap();
    assert!((b.tariff(chn, eu, s) - 0.017).abs() < 1e-12);
    assert!((b.tariff(usa, eu, textiles) - (6.6 + 11.5 + 4.2) / 300.0).abs() < 1e-12);
    assert!(b.tariff(vnm, eu, s).abs() < 1e-12);
    assert!(b.tariff(idx(&b, "GBR"), eu, textiles).abs() < 1e-12);
    let (bra, can) = (idx(&b, "BRA"), idx(&b, "CAN"));
    assert!((b.tariff(chn, bra, textiles) - 0.111).abs() < 1e-12);
    assert!((b.tariff(chn, can, s) - 0.038).abs() < 1e-12);
    assert!(b.tariff(usa, can, s).abs() < 1e-12);
    // US MFN by sector (METHOD.md section 7, since 2024.8): the USITC 2024 HTS8 rates weighted by
    // 2024 imports from the partners that pay MFN (scenarios/tools/us_mfn_2024): apparel 12.84%,
    // machinery 0.97%, food 2.71% (its specific-duty lines at the rate of its other lines, an
    // estimate); FTA partners stay duty-free; China pays MFN plus Section 301.
    let food = b.sectors().require("FOOD").unwrap();
    let apparel_us = b.tariff(vnm, usa, textiles);
    assert!((apparel_us - 0.128406).abs() < 1e-12, "{apparel_us}");
    let food_us = b.tariff(eu, usa, food);
    assert!((food_us - 0.0271196).abs() < 1e-12, "{food_us}");
    assert!((b.tariff(vnm, usa, s) - 0.00966).abs() < 1e-4);
    assert!(b.tariff(idx(&b, "MEX"), usa, textiles).abs() < 1e-12);
    assert!(b.tariff(chn, usa, textiles) > apparel_us + 0.10);
    // Japan, India, Korea and Viet Nam (METHOD.md section 7): WTO simple averages, agricultural
    // products apart for Japan, India and Korea, zero for their FTA partners.
    let (ind, kor, jpn) = (idx(&b, "IND"), idx(&b, "KOR"), idx(&b, "JPN"));
    let energy = b.sectors().require("PETROLEUM").unwrap();
    assert!((b.tariff(usa, ind, food) - 0.392).abs() < 1e-12);
    assert!((b.tariff(usa, ind, s) - 0.149).abs() < 1e-12);
    assert!((b.tariff(usa, ind, energy) - 0.092).abs() < 1e-12);
    assert!(b.tariff(jpn, ind, s).abs() < 1e-12);
    assert!((b.tariff(jpn, kor, food) - 0.570).abs() < 1e-12);
    assert!((b.tariff(jpn, kor, s) - 0.066).abs() < 1e-12);
    assert!(b.tariff(usa, kor, food).abs() < 1e-12);
    assert!((b.tariff(usa, vnm, s) - 0.094).abs() < 1e-12);
    assert!(b.tariff(chn, vnm, s).abs() < 1e-12);
    assert!((b.tariff(usa, jpn, food) - 0.155).abs() < 1e-12);
    assert!((b.tariff(chn, jpn, s) - 0.025).abs() < 1e-12);
    assert!(b.tariff(eu, jpn, s).abs() < 1e-12);
    // Provenance travels with the baseline.
    let p = b.provenance();
    assert_eq!((p.name.as_str(), p.year), ("world2024", 2024));
    assert_eq!(p.version, "2024.8");
    assert!(p.sources.iter().any(|s| s.contains("ICIO")));
    let groups: Vec<&str> = b
        .regions()
        .groups()
        .iter()
        .map(|g| g.code.as_str())
        .collect();
    for g in ["ASEAN", "LATAM", "USMCA", "EAST_ASIA", "BRICS", "G7"] {
        assert!(groups.contains(&g), "{g}");
    }
}

#[test]
fn export_then_load_is_bit_identical() {
    let b = world();
    let dir = tempfile::tempdir().unwrap();
    tariffsim_data::csvio::write_dir(&b, dir.path()).unwrap();
    let back = tariffsim_data::load(dir.path().to_str().unwrap()).unwrap();
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(b.flows()), bits(back.flows()));
    assert_eq!(bits(b.tariffs()), bits(back.tariffs()));
    assert_eq!(b.regions(), back.regions());
    assert_eq!(b.sectors(), back.sectors());
    assert_eq!(b.provenance(), back.provenance());
    assert_eq!(b.has_domestic(), back.has_domestic());
    // A synthetic baseline (zero cells, no groups) round-trips too.
    let s = tariffsim_data::synth::synthetic(7, 3, 11).unwrap();
    let d2 = tempfile::tempdir().unwrap();
    tariffsim_data::csvio::write_dir(&s, d2.path()).unwrap();
    let s2 = tariffsim_data::load(d2.path().to_str().unwrap()).unwrap();
    assert_eq!(bits(s.flows()), bits(s2.flows()));
    assert_eq!(bits(s.tariffs()), bits(s2.tariffs()));
    assert_eq!(s.provenance(), s2.provenance());
}

/// The baseline's tariffs are statutory rates, not collected ones (issue 16): the US
/// import-weighted rate on 2024 flows is 3.6% — China 20.5% (PIIE's average US tariff on Chinese
/// goods at 2025-01-20, 20.8%, ../shared/data/us_tariff_measures_2025/SOURCE.md, "Related 2024
/// figures"), everyone else 1.0% (MFN, HTS8-based, zero for the FTA partners: the statutory MFN owed
/// is 1.22% of all 2024 imports, scenarios/tools/us_mfn_2024/SOURCE.md) — above the 2.4% of imports
/// actually collected in 2024 (Treasury receipts ÷ Census imports, same SOURCE.md), which
/// exemptions, free-trade zones, drawback and Section 301 exclusions lower. METHOD.md §7 says so;
/// a change of either number must be deliberate.
#[test]
fn us_baseline_tariffs_are_statutory_not_collected() {
    let b = world();
    let usa = idx(&b, "USA");
    let chn = idx(&b, "CHN");
    let (mut all, mut w_all, mut ch, mut w_ch) = (0.0, 0.0, 0.0, 0.0);
    for s in b.sectors().ids() {
        for i in b.regions().ids().filter(|&i| i != usa) {
            let (v, t) = (b.flow(i, usa, s), b.tariff(i, usa, s));
            all += v * t;
            w_all += v;
            if i == chn {
                ch += v * t;
                w_ch += v;
            }
        }
    }
    let (overall, china, rest) = (all / w_all, ch / w_ch, (all - ch) / (w_all - w_ch));
    assert!(
        (china - 0.208).abs() < 0.004,
        "China: {china} (PIIE: 20.8%)"
    );
    assert!((0.009..0.012).contains(&rest), "others: {rest}");
    assert!((0.034..0.039).contains(&overall), "overall: {overall}");
    assert!(overall > 0.024, "statutory above the 2.4% collected");
}

/// Türkiye inside MIDEAST_TUR: TÜİK's 2024 exports, 261.9 bn USD
/// (`../shared/data/us_tariff_measures_2025/SOURCE.md`), against what the baseline implies — the
/// member's shares of MIDEAST_TUR's exports (`members.csv`: Census 2024 for the US, ICIO 2022
/// intermediate shares elsewhere, an *estimate*) times the aggregate's flows. Its sales to the
/// other members (Iraq, the UAE, …) sit on MIDEAST_TUR's diagonal with the members' home sales and
/// are not split, so the implied figure must fall short of TÜİK's, by less than a third: a check
/// that the member weights are of the right size, not a calibration (METHOD.md section 9).
#[test]
fn turkey_inside_mideast_tur_is_of_the_size_tuik_reports() {
    let b = world();
    let agg = idx(&b, "MIDEAST_TUR");
    let n = b.n_regions();
    let tur = b.member("TUR").expect("TUR is a member of MIDEAST_TUR");
    assert_eq!(tur.region, agg);
    let mut implied = 0.0;
    for s in b.sectors().ids() {
        for j in b.regions().ids().filter(|&j| j != agg) {
            implied += tur.share(n, j, s) * b.flow(agg, j, s);
        }
    }
    let tuik = 261.9 * BN;
    // 190 bn in 2024.7: 73% of TÜİK's figure.
    assert!(
        implied < tuik && implied > 0.65 * tuik,
        "implied {:.1} bn against TÜİK {:.1} bn",
        implied / BN,
        tuik / BN
    );
}

/// `../shared/data` beside the repository, when it is there; its absence fails the test under
/// `TARIFFSIM_REQUIRE_PEER_DATA=1` (CI) and skips it otherwise.
fn shared_data() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if dir.join("us_imports_2024_gtap").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("TARIFFSIM_REQUIRE_PEER_DATA").is_err(),
        "../shared/data is missing and TARIFFSIM_REQUIRE_PEER_DATA is set"
    );
    eprintln!("skipped: no ../shared/data beside the repository");
    None
}

/// US imports by partner and sector against the Census 2024 table by GTAP sector and partner
/// group (`us_imports_2024_gtap`, consumption imports; The Budget Lab), aggregated to the 22
/// sectors with `concordance::gtap_fine_sector`, for the six partners it names. China, Canada,
/// Mexico and the EU are scaled to their Census *general* imports (the basis of the region
/// totals, CALIBRATION_2024.md), as the build does; the UK and Japan stay on the consumption
/// basis. Tolerance 1% per cell above 0.05 bn (the bar; the fit reaches 1e-4), and
/// 0.5 mn absolute below it.
#[test]
fn us_imports_by_partner_and_sector_follow_the_census_table() {
    let Some(shared) = shared_data() else { return };
    let b = world();
    let usa = idx(&b, "USA");
    let path = shared.join("us_imports_2024_gtap/us_imports_2024_by_gtap_partner_usd.csv");
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let partners = tariffsim_data::concordance::CENSUS_PARTNER_GROUPS;
    let ns = b.n_sectors();
    let mut census = vec![vec![0.0; ns]; partners.len()];
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let Some(code) = tariffsim_data::concordance::gtap_fine_sector(&rec[0]) else {
            assert_eq!(
                &rec[0], "ely",
                "every GTAP goods sector has a world2024 sector"
            );
            continue;
        };
        let s = b.sectors().require(code).unwrap();
        for (k, (column, _, _)) in partners.iter().enumerate() {
            let c = header.iter().position(|h| h == column).unwrap();
            census[k][s.index()] += rec[c].parse::<f64>().unwrap();
        }
    }
    let mut cells = 0;
    for (k, (_, code, general)) in partners.iter().enumerate() {
        let scale = general.map_or(1.0, |g| g * BN / census[k].iter().sum::<f64>());
        for s in b.sectors().ids() {
            let published = census[k][s.index()] * scale;
            let model = b.flow(idx(&b, code), usa, s);
            let what = format!("US imports from {code}, {}", b.sectors().code(s));
            if published > 0.05 * BN {
                within(&what, model, published, 0.01);
                cells += 1;
            } else {
                assert!(
                    (model - published).abs() < 0.5e6,
                    "{what}: {model} vs {published}"
                );
            }
        }
    }
    assert!(cells > 100, "{cells} cells checked");
}

/// The US baseline tariffs against the statutory benchmark (The Budget Lab's tariff-rate
/// tracker, `../shared/data/us_tariff_measures_2025/budgetlab_tracker`, on 2024 import weights):
/// - the additional (non-MFN) rate on all imports on 2025-01-01 was 2.48%
///   (`daily_overall.csv`, `weighted_etr_additional`; Section 301 2.22% and 232 0.26% in
///   `daily_by_authority.csv`); here the additional rate is a cell's tariff above the MFN rate a
///   partner without a US agreement pays in the same sector (Japan's row). The baseline carries
///   Section 301 but not the 2024 Section 232 duties (METHOD.md §7), within the 0.5 pp the issue
///   allows;
/// - on China, 37.58% on 2025-03-17 (`etr_by_partner.csv`, label "Fentanyl") less the 20 pp
///   fentanyl duty then in force = 17.58%, within 2 pp;
/// - China on the US: PIIE's trade-weighted 21.2% (Bown, 2025-01-20), within 3 pp.
#[test]
fn us_additional_tariffs_match_the_statutory_benchmark() {
    let b = world();
    let (usa, chn, jpn) = (idx(&b, "USA"), idx(&b, "CHN"), idx(&b, "JPN"));
    let (mut all, mut w_all, mut ch, mut w_ch) = (0.0, 0.0, 0.0, 0.0);
    for s in b.sectors().ids() {
        let mfn = b.tariff(jpn, usa, s);
        for i in b.regions().ids().filter(|&i| i != usa) {
            let (v, t) = (b.flow(i, usa, s), b.tariff(i, usa, s));
            let additional = (t - mfn).max(0.0);
            all += v * additional;
            w_all += v;
            if i == chn {
                ch += v * additional;
                w_ch += v;
            }
        }
    }
    let (overall, china) = (all / w_all, ch / w_ch);
    assert!(
        (overall - 0.0248).abs() < 0.005,
        "additional US rate {overall:.4} vs the tracker's 2.48%"
    );
    assert!(
        (china - (0.3758 - 0.20)).abs() < 0.02,
        "additional US rate on China {china:.4} vs the tracker's 17.58% (37.58% less fentanyl)"
    );
    let (mut x, mut w) = (0.0, 0.0);
    for s in b.sectors().ids() {
        x += b.flow(usa, chn, s) * b.tariff(usa, chn, s);
        w += b.flow(usa, chn, s);
    }
    let china_on_us = x / w;
    assert!(
        (china_on_us - 0.212).abs() < 0.03,
        "China on the US {china_on_us:.4} vs PIIE 21.2%"
    );
}

/// US imports from Russia: Census 2024 general imports, 3.0075 bn
/// (`scenarios/tools/members/census_2024_country_imports.csv`, with its source), within 10%.
/// (Before 2024.6 the residual of the US row fell on Russia: 23.7 bn.)
#[test]
fn us_imports_from_russia_follow_the_census() {
    let b = world();
    let census = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/tools/members/census_2024_country_imports.csv"
    ))
    .unwrap();
    let published: f64 = census
        .lines()
        .find(|l| l.starts_with("RUS,") && l.contains(",general,"))
        .and_then(|l| l.split(',').nth(2))
        .and_then(|v| v.parse().ok())
        .expect("RUS general imports in the country table");
    let model = b.bilateral(idx(&b, "RUS"), idx(&b, "USA"));
    within("US imports from Russia", model, published, 0.10);
}

/// Every member table sums to 1: for each aggregate with members, importer and sector, the
/// listed members' shares plus the explicit rest (`<REGION>_REST`: the economies not listed; for
/// CHN, the mainland) add up to 1 within the rounding of the table (6 decimals per share).
#[test]
fn member_tables_sum_to_one() {
    let b = world();
    let n = b.n_regions();
    let mut regions: Vec<RegionId> = b.members().iter().map(|m| m.region).collect();
    regions.sort_unstable();
    regions.dedup();
    assert!(regions.len() >= 6, "{regions:?}");
    for &r in &regions {
        let code = b.regions().code(r);
        assert!(
            b.member(&format!("{code}_REST")).is_some(),
            "{code} has its rest"
        );
        for j in b.regions().ids().filter(|&j| j != r) {
            for s in b.sectors().ids() {
                let sum: f64 = b
                    .members()
                    .iter()
                    .filter(|m| m.region == r)
                    .map(|m| m.share(n, j, s))
                    .sum();
                assert!(
                    (sum - 1.0).abs() < 1e-9,
                    "{code} -> {} {}: {sum}",
                    b.regions().code(j),
                    b.sectors().code(s)
                );
            }
        }
    }
}

/// Hong Kong inside CHN: a small share of the aggregate's exports outside the US (ICIO 2022:
/// about 2% of CHN+HKG's intermediate exports to the EU), and the rest — the mainland, `CHN_REST`
/// — the bulk. (Until 2024.8 the member shares of CHN's non-US exports were taken over Hong Kong
/// alone, which gave it 100%.)
#[test]
fn hong_kong_is_a_small_part_of_chinas_exports() {
    let b = world();
    let n = b.n_regions();
    let (chn, eu) = (idx(&b, "CHN"), idx(&b, "EU27"));
    let (hkg, rest) = (b.member("HKG").unwrap(), b.member("CHN_REST").unwrap());
    let (mut h, mut r, mut total) = (0.0, 0.0, 0.0);
    for s in b.sectors().ids() {
        let v = b.flow(chn, eu, s);
        h += hkg.share(n, eu, s) * v;
        r += rest.share(n, eu, s) * v;
        total += v;
    }
    assert!(
        h / total < 0.05,
        "HKG {:.3} of CHN's exports to the EU",
        h / total
    );
    assert!(r / total > 0.95, "mainland {:.3}", r / total);
}
