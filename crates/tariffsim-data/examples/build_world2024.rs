//! Builds the embedded `world2024` baseline from the reference data in `../shared/data` and the
//! published 2024 figures listed in `crates/tariffsim-data/data/world2024/METHOD.md`.
//!
//! Run with `make world2024` (or
//! `cargo run -p tariffsim-data --example build_world2024 -- SHARED_DATA_DIR OUT_DIR`).
//! It writes `flows.csv`, `regions.csv`, `sectors.csv` and `provenance.csv` into `OUT_DIR`, which
//! `tariffsim_data::builtin("world2024")` embeds and parses with the same loader users use.
//!
//! Method (see METHOD.md for the full text and every source):
//! 1. Prior: OECD ICIO 2022 bilateral intermediate flows by sector, 18 regions, uplifted for
//!    final goods by each exporter-sector's ratio of final-and-ROW sales to intermediate sales.
//!    Iran (not in ICIO) from IRICA partner figures and an estimated sector composition.
//! 2. Iterative proportional fitting (RAS generalised to any set of cells) to published 2024
//!    figures: regions' total exports and imports, bilateral totals (China customs, US Census),
//!    US imports by sector and partner (Census), Iran's partner totals.
//! 3. Domestic sales on the diagonal: ICIO 2022 gross output minus fitted 2024 exports.
//! 4. Baseline tariffs: US MFN by sector from the USITC 2024 HTS8 table weighted by 2024 imports
//!    (`scenarios/tools/us_mfn_2024`), US Section 301 on China as sector averages, China's tariffs
//!    on US goods and others (PIIE), WTO MFN averages for the EU, Japan, India, Korea, Viet Nam,
//!    Brazil and Canada.

#![allow(clippy::too_many_lines)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tariffsim_core::{
    Baseline, Group, Provenance, Region, RegionId, RegionSet, Sector, SectorId, SectorSet,
};

type Error = Box<dyn std::error::Error>;

const BN: f64 = 1e9;
const MN: f64 = 1e6;

/// Russia's 2024 goods exports, USD bn (Bank of Russia balance of payments, METHOD.md section 3).
const RUS_EXPORTS: f64 = 417.2;
/// Russia's 2024 goods trade balance, USD bn: Bank of Russia January-November estimate 118.6 plus
/// December 5.6 (METHOD.md section 3). Imports = exports - balance = 293.0.
const RUS_GOODS_BALANCE: f64 = 118.6 + 5.6;

/// Africa's 2024 merchandise exports and imports, USD bn: Afreximbank, *African Economic and Trade
/// Outlook 2025* (April 2025; as reported by theparadise.ng and trojaninsights.com: "exports rose to
/// $682 billion while imports also surged to $719 billion in 2024").
const AFRICA_EXPORTS: f64 = 682.0;
const AFRICA_IMPORTS: f64 = 719.0;
/// Intra-African trade 2024, USD bn: Afreximbank, *African Trade Report 2025* (June 2025; as
/// reported by The Citizen and trendsnafrica.com). It is 14.4% of Africa's total (exports plus
/// imports) trade, so it counts intra-African exports and imports together; half of it is taken off
/// each side, because the baseline books trade among African economies on the diagonal.
const INTRA_AFRICA_TRADE: f64 = 220.3;

/// LATAM_OTH members' published (or derived) 2024 goods exports and imports, USD bn, as listed in
/// METHOD.md section 5 ("Searched again after 2024.4"); `None` where no 2024 figure was found.
/// Imports mix CIF (Colombia) and FOB bases.
const LATAM_OTH_MEMBERS: &[(&str, f64, Option<f64>)] = &[
    // INDEC, via ultimahora.com and masindustrias.com.ar.
    ("Argentina", 79.721, Some(60.822)),
    // Banco Central de Chile, via elmostrador.cl and miningpress.com.
    ("Chile", 100.163, Some(78.025)),
    // DANE, via elnuevosiglo.com.co and mascolombia.com (imports CIF).
    ("Colombia", 49.552, Some(64.104)),
    // BCRP, via infomercado.pe and gestion.pe.
    ("Peru", 75.916, Some(52.095)),
    // Uruguay XXI: exports incl. free zones (infobae.com, elpais.com.uy); imports excluding oil,
    // oil products and energy (Prensa Latina); total imports not found.
    ("Uruguay", 12.845, Some(10.875)),
    // Banco Central del Paraguay, via abc.com.py (14 Jan 2026).
    ("Paraguay", 15.806, Some(16.379)),
    // INE data compiled by IBCE, via Xinhua (12 Mar 2025).
    ("Bolivia", 9.059, Some(9.904)),
    // Banco Central del Ecuador: Jan-Oct 28.252 / 22.734 (ecuador221.com.ec) annualised on exports,
    // imports = exports - published surplus 6.678 (ecuadornoticias360.com); *derived estimate*.
    ("Ecuador", 33.9, Some(27.2)),
    // Costa Rica: BCCR table 2466 exports; imports = exports + SECMCA deficit 3.773 (revistaeyn.com).
    ("Costa Rica", 21.770, Some(21.770 + 3.773)),
    // SECMCA via revistaeyn.com: exports and goods deficit; imports = exports + deficit (*derived*).
    ("El Salvador", 6.448, Some(6.448 + 9.525)),
    ("Guatemala", 14.588, Some(14.588 + 17.901)),
    // Honduras exports: BCH via Forbes Centroamerica; deficit SECMCA.
    ("Honduras", 11.047, Some(11.047 + 8.594)),
    // Panama: exports excluding the Colon Free Zone (MICI, via business24tv.it); imports not found.
    ("Panama", 0.964, None),
    // Dominican Republic: exports "more than 13.0" (DGA via Listin Diario); deficit 15.953 derived
    // from SECMCA's combined 58.804 minus the other five members' deficits.
    ("Dominican Republic", 13.0, Some(13.0 + 15.953)),
    // STATIN, via NCB Capital Markets.
    ("Jamaica", 1.867, Some(7.288)),
    // Guyana: exports 21-23 (2023 13.2 x IDB +59.6% / ECLAC +77%), midpoint 22 (*derived*); imports
    // first half only, 10.222 - 6.976 (Ministry of Finance mid-year report, via Guyana Chronicle).
    ("Guyana", 22.0, Some(10.222 - 6.976)),
];
/// *Estimate* (not from a source) of the 2024 exports and imports of the LATAM_OTH members with no
/// published full-year figure: Venezuela, Trinidad and Tobago, Nicaragua's exports, Panama's
/// imports, Guyana's second-half imports, Cuba, Haiti, the Bahamas, Suriname, Barbados, Belize and
/// the smaller islands. The rough magnitudes recorded in METHOD.md section 5 (45 / 75), anchored on
/// Trinidad and Tobago's Q4 2024 x 4 (9.7 / 8.0, Central Bank via NCB Capital Markets), PDVSA's 2024
/// oil sales 17.5 (Reuters via en-oriente.com) and Guyana's first-half imports repeated (3.2). The
/// ICIO 2022 prior cannot give these economies' share: none of them is an ICIO economy.
const LATAM_OTH_UNPUBLISHED_EXPORTS: f64 = 45.0;
const LATAM_OTH_UNPUBLISHED_IMPORTS: f64 = 75.0;
/// Share of LATAM_OTH members' exports that go to other members, booked on the diagonal: 5.7%, the
/// intermediate goods exports of ARG, CHL, COL, CRI, PER to each other in ICIO 2022 (METHOD.md
/// section 5, *derived*). The IDB's 13.5% (2024, incl. Mexico and Brazil) is the alternative.
const INTRA_LATAM_OTH_SHARE: f64 = 0.057;

/// ASEAN_OTH's 2024 goods trade (USD bn): the nine members' exports and imports (IDN, MYS, PHL,
/// SGP, THA and KHM published or derived, LAO, MMR and BRN *estimates*: 2.2% / 2.1% of the sum),
/// less the trade among them, which the baseline books on the diagonal: 21.2% intra-ASEAN trade
/// (ASEAN, via Bernama) less Viet Nam's part = 321 bn each way. Every term and source:
/// `docs/data/world2024-region-totals.md` §1 (new in 2024.8; uncalibrated before).
const ASEAN_OTH_MEMBERS_EXPORTS: f64 = 1533.1;
const ASEAN_OTH_MEMBERS_IMPORTS: f64 = 1485.6;
const INTRA_ASEAN_OTH_TRADE: f64 = 321.0;

/// MIDEAST_TUR's 2024 goods trade (USD bn): the GCC-6 extra-GCC block (GCC-Stat *Statistical
/// Atlas 2024*: "roughly 1.6 trn", surplus 109.7), Türkiye (TÜİK), Israel (derived from JETRO's
/// deficit), Jordan, Lebanon, Palestine, and *estimates* for Iraq, Syria and Yemen (7.8% / 7.7%
/// of the sum), less an *estimate* of 100 bn each way for trade among the members outside the GCC
/// (built from published links; the ICIO lower bound is 60). `docs/data/world2024-region-totals.md`
/// §2 (new in 2024.8).
const MIDEAST_TUR_MEMBERS_EXPORTS: f64 = 1295.0;
const MIDEAST_TUR_MEMBERS_IMPORTS: f64 = 1325.6;
const INTRA_MIDEAST_TUR_TRADE: f64 = 100.0;

/// UK goods trade balance 2024, GBP bn, excluding precious metals: the ONS 2025 goods deficit of
/// 248.3 was "30.5bn more than the previous year" (ONS annual figures of 12 Feb 2026, as reported by
/// the FT and the Institute of Export). No calendar-2024 level of UK exports or imports was found
/// (METHOD.md section 5), so only the balance is fitted.
const GBR_GOODS_BALANCE_GBP: f64 = -(248.3 - 30.5);
/// USD per GBP, 2024: the mean of the 256 daily ECB reference rates (the GBP/USD cross rate), as
/// listed in `../shared/data/us_tariff_measures_2025/SOURCE.md` (was 1.278 from memory until 2024.7).
const USD_PER_GBP: f64 = 1.2786;

/// (code, name, ICIO members or definition)
const REGIONS: &[(&str, &str)] = &[
    ("USA", "United States"),
    ("CHN", "China (incl. Hong Kong)"),
    ("EU27", "European Union (27)"),
    ("MEX", "Mexico"),
    ("CAN", "Canada"),
    ("JPN", "Japan"),
    ("KOR", "Korea, Republic of"),
    ("TWN", "Taiwan"),
    ("VNM", "Viet Nam"),
    ("IND", "India"),
    ("BRA", "Brazil"),
    ("GBR", "United Kingdom"),
    ("RUS", "Russia"),
    ("IRN", "Iran"),
    (
        "ASEAN_OTH",
        "Other ASEAN (IDN, MYS, PHL, SGP, THA, KHM, LAO, MMR, BRN)",
    ),
    ("AFRICA", "Africa"),
    ("LATAM_OTH", "Other Latin America and Caribbean"),
    (
        "MIDEAST_TUR",
        "Middle East and Turkey (ARE, SAU, ISR, JOR, TUR, other Gulf)",
    ),
    ("ROW", "Rest of world"),
];

/// Named groups: (code, members, why).
const GROUPS: &[(&str, &[&str])] = &[
    ("ASEAN", &["VNM", "ASEAN_OTH"]),
    ("LATAM", &["MEX", "BRA", "LATAM_OTH"]),
    ("USMCA", &["USA", "MEX", "CAN"]),
    ("EAST_ASIA", &["CHN", "JPN", "KOR", "TWN"]),
    ("BRICS", &["BRA", "RUS", "IND", "CHN", "IRN"]),
    ("G7", &["USA", "EU27", "JPN", "CAN", "GBR"]),
    ("CPTPP_CORE", &["JPN", "CAN", "MEX", "VNM", "GBR"]),
];

use tariffsim_data::concordance::{
    FINE_SECTOR_EXTRA_GROUPS, FINE_SECTORS as SECTORS, GOODS_SECTORS, gtap_fine_sector,
    icio_fine_sector,
};

fn region(code: &str) -> usize {
    REGIONS
        .iter()
        .position(|(c, _)| *c == code)
        .unwrap_or_else(|| panic!("region {code}"))
}
fn sector(code: &str) -> usize {
    SECTORS
        .iter()
        .position(|f| f.code == code)
        .unwrap_or_else(|| panic!("sector {code}"))
}

/// The sectors a code names: a sector itself, or the members of a `coarse13` group.
fn sectors_of(code: &str) -> Vec<usize> {
    let members: Vec<usize> = (0..S).filter(|&s| SECTORS[s].coarse13 == code).collect();
    if SECTORS.iter().any(|f| f.code == code) {
        vec![sector(code)]
    } else if members.is_empty() {
        panic!("sector or group {code}")
    } else {
        members
    }
}

/// Splits coarse-sector weights (codes of `coarse13` or fine sectors) over fine sectors: a group's
/// weight goes to its members by `split` (fine code, share of the group), equal shares where
/// `split` names none of them.
fn fine_mix(coarse: &[(&str, f64)], split: &[(&str, f64)]) -> Vec<(usize, f64)> {
    let mut out = Vec::new();
    for &(code, w) in coarse {
        let members = sectors_of(code);
        let named: Vec<(usize, f64)> = members
            .iter()
            .filter_map(|&s| {
                split
                    .iter()
                    .find(|(c, _)| *c == SECTORS[s].code)
                    .map(|&(_, x)| (s, x))
            })
            .collect();
        if members.len() == 1 {
            out.push((members[0], w));
        } else if named.is_empty() {
            out.extend(members.iter().map(|&s| (s, w / members.len() as f64)));
        } else {
            let total: f64 = named.iter().map(|x| x.1).sum();
            out.extend(named.iter().map(|&(s, x)| (s, w * x / total)));
        }
    }
    out
}

const N: usize = 19;
const S: usize = 22;
fn ix(s: usize, i: usize, j: usize) -> usize {
    (s * N + i) * N + j
}

fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), Error> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let header = rdr.headers()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    for r in rdr.records() {
        rows.push(r?.iter().map(str::to_string).collect());
    }
    Ok((header, rows))
}

fn col(header: &[String], name: &str) -> Result<usize, Error> {
    header
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| format!("missing column {name}").into())
}

/// ICIO economy -> world2024 region (`country_region_map.csv`).
fn icio_regions(icio: &Path) -> Result<HashMap<String, usize>, Error> {
    let (h, rows) = read_csv(&icio.join("country_region_map.csv"))?;
    let (cc, cr) = (col(&h, "country")?, col(&h, "region")?);
    Ok(rows
        .iter()
        .map(|r| (r[cc].clone(), region(&r[cr])))
        .collect())
}

/// Calls `f(exporter, icio_sector, importer, usd_mn)` for every row of the country-level ICIO
/// intermediate flows.
fn for_each_icio_flow(
    icio: &Path,
    mut f: impl FnMut(&str, &str, &str, f64) -> Result<(), Error>,
) -> Result<(), Error> {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(
        icio.join("icio2022_intermediate_flows.csv.gz"),
    )?)
    .read_to_string(&mut text)?;
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let h = rdr.headers()?.clone();
    let pos = |name: &str| -> Result<usize, Error> {
        h.iter()
            .position(|x| x == name)
            .ok_or_else(|| format!("icio flows: missing column {name}").into())
    };
    let (ce, cs, ci, cv) = (
        pos("exporter")?,
        pos("sector")?,
        pos("importer")?,
        pos("value_usd_mn")?,
    );
    for rec in rdr.records() {
        let rec = rec?;
        f(&rec[ce], &rec[cs], &rec[ci], rec[cv].parse::<f64>()?)?;
    }
    Ok(())
}

/// The 22-sector aggregation of the country-level files, summed to the 13 sectors, must equal
/// the upstream 13-sector aggregates (`region_intermediate_flows_agg.csv`,
/// `region_nodes_agg.csv`) to rounding: a check on the sector and region maps.
fn check_against_upstream_aggregates(
    icio: &Path,
    inter: &[f64],
    gross_output: &[f64],
) -> Result<(), Error> {
    let coarse =
        |code: &str| -> Vec<usize> { (0..S).filter(|&s| SECTORS[s].coarse13 == code).collect() };
    // The upstream files round to 4 decimals of USD mn, so sums of up to 80 economies differ from
    // ours by up to 0.004 mn: the deviation counted is what exceeds 0.01 mn, relative.
    let excess = |ours: f64, theirs: f64| {
        ((ours - theirs).abs() - 0.01 * MN).max(0.0) / theirs.abs().max(MN)
    };
    let mut worst: f64 = 0.0;
    let (h, rows) = read_csv(&icio.join("region_intermediate_flows_agg.csv"))?;
    let (ce, cs, ci, cv) = (
        col(&h, "exp_region")?,
        col(&h, "agg_sector")?,
        col(&h, "imp_region")?,
        col(&h, "value_usd_mn")?,
    );
    for r in rows.iter().filter(|r| r[cs] != "SERVICES") {
        let (i, j) = (region(&r[ce]), region(&r[ci]));
        let ours: f64 = coarse(&r[cs]).iter().map(|&s| inter[ix(s, i, j)]).sum();
        let theirs = r[cv].parse::<f64>()? * MN;
        worst = worst.max(excess(ours, theirs));
    }
    let (h, rows) = read_csv(&icio.join("region_nodes_agg.csv"))?;
    let (cr, cs, cg) = (
        col(&h, "region")?,
        col(&h, "agg_sector")?,
        col(&h, "gross_output_usd_mn")?,
    );
    for r in rows.iter().filter(|r| r[cs] != "SERVICES") {
        let i = region(&r[cr]);
        let ours: f64 = coarse(&r[cs])
            .iter()
            .map(|&s| gross_output[s * N + i])
            .sum();
        let theirs = r[cg].parse::<f64>()? * MN;
        worst = worst.max(excess(ours, theirs));
    }
    eprintln!(
        "ICIO 22-sector aggregation vs the upstream 13-sector files: worst relative deviation beyond rounding {worst:.2e}"
    );
    if worst > 1e-6 {
        return Err(format!(
            "ICIO aggregation differs from the upstream aggregates by {worst:.2e}"
        )
        .into());
    }
    Ok(())
}

/// A constraint: the sum of `cells` must equal `target` (USD), or, for a balance constraint,
/// the sum of `cells` minus the sum of `minus` must equal `target` (USD, may be negative).
struct Constraint {
    label: String,
    cells: Vec<usize>,
    minus: Vec<usize>,
    target: f64,
}

impl Constraint {
    fn value(&self, flows: &[f64]) -> f64 {
        let sum = |cells: &[usize]| cells.iter().map(|&k| flows[k]).sum::<f64>();
        sum(&self.cells) - sum(&self.minus)
    }

    /// One fitting step; returns the factor applied to `cells` (`minus` gets its inverse).
    /// A sum is scaled proportionally. A balance `X - M = B` is met by scaling X by `s` and M by
    /// `1/s`, which keeps `X * M` (the geometric mean of the two sides) fixed:
    /// `s^2 X - B s - M = 0`, so `s = (B + sqrt(B^2 + 4 X M)) / (2 X)` (the positive root).
    fn step(&self, flows: &mut [f64]) -> f64 {
        let sum = |f: &[f64], cells: &[usize]| cells.iter().map(|&k| f[k]).sum::<f64>();
        let x = sum(flows, &self.cells);
        let f = if self.minus.is_empty() {
            self.target / x
        } else {
            let m = sum(flows, &self.minus);
            let b = self.target;
            (b + (b * b + 4.0 * x * m).sqrt()) / (2.0 * x)
        };
        for &k in &self.cells {
            flows[k] *= f;
        }
        for &k in &self.minus {
            flows[k] /= f;
        }
        f
    }
}

fn all_sectors(i: usize, j: usize) -> Vec<usize> {
    (0..S).map(|s| ix(s, i, j)).collect()
}
fn exports_cells(i: usize) -> Vec<usize> {
    (0..S)
        .flat_map(|s| (0..N).filter(move |&j| j != i).map(move |j| ix(s, i, j)))
        .collect()
}
fn imports_cells(j: usize) -> Vec<usize> {
    (0..S)
        .flat_map(|s| (0..N).filter(move |&i| i != j).map(move |i| ix(s, i, j)))
        .collect()
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let shared = PathBuf::from(args.get(1).map_or("../shared/data", String::as_str));
    let out = PathBuf::from(
        args.get(2)
            .map_or("crates/tariffsim-data/data/world2024", String::as_str),
    );
    let icio = shared.join("oecd_icio2022_intermediate");
    // First, so the Python tools that feed this build (member sectors) can use it.
    write_sector_table(Path::new(SECTOR_TABLE))?;

    // ---- 1. ICIO 2022 prior -------------------------------------------------------------
    // The country-level files (80 economies x 50 industries) aggregated here to the 18 ICIO
    // regions x the 22 goods sectors; checked against the upstream 13-sector aggregates.
    let icio_region = icio_regions(&icio)?;
    let mut inter = vec![0.0; N * N * S];
    for_each_icio_flow(&icio, |exp, sec, imp, v| {
        if let (Some(f), Some(&i), Some(&j)) = (
            icio_fine_sector(sec),
            icio_region.get(exp),
            icio_region.get(imp),
        ) {
            inter[ix(sector(f), i, j)] += v * MN;
        }
        Ok(())
    })?;
    let mut gross_output = vec![0.0; N * S];
    let mut sales = vec![0.0; N * S];
    let mut residual = vec![0.0; N * S];
    let (h, rows) = read_csv(&icio.join("icio2022_nodes.csv"))?;
    let (cc, cs, cgo, csales, cres) = (
        col(&h, "country")?,
        col(&h, "sector")?,
        col(&h, "gross_output_usd_mn")?,
        col(&h, "sales_to_modelled_intermediate_usd_mn")?,
        col(&h, "residual_final_and_row_usd_mn")?,
    );
    for r in &rows {
        let (Some(f), Some(&i)) = (icio_fine_sector(&r[cs]), icio_region.get(&r[cc])) else {
            continue;
        };
        let k = sector(f) * N + i;
        gross_output[k] += r[cgo].parse::<f64>()? * MN;
        sales[k] += r[csales].parse::<f64>()?;
        residual[k] += r[cres].parse::<f64>()?;
    }
    check_against_upstream_aggregates(&icio, &inter, &gross_output)?;
    let uplift: Vec<f64> = (0..N * S)
        .map(|k| {
            if sales[k] > 0.0 {
                1.0 + residual[k] / sales[k]
            } else {
                1.0
            }
        })
        .collect();
    let mut flows = vec![0.0; N * N * S];
    for s in 0..S {
        for i in 0..N {
            for j in 0..N {
                if i != j {
                    flows[ix(s, i, j)] = inter[ix(s, i, j)] * uplift[s * N + i];
                }
            }
        }
    }

    // ---- Iran (IRICA, Iranian calendar year 1403 = 21 Mar 2024 - 20 Mar 2025) --------------
    let irn = region("IRN");
    // IRICA 10-month figures (IRNA, fr.irna.ir/amp/85729526), USD bn, annualised x 12/10.
    let annual = 12.0 / 10.0;
    let oil_10m = 29.9;
    let nonoil_10m = 40.4;
    let nonoil_by_partner_10m = [
        ("CHN", 11.5),
        ("MIDEAST_TUR", 7.7 + 5.2 + 3.5),
        ("IND", 1.8),
    ];
    let oil_share_china = 0.9; // Kpler via IRNA Daily / Press TV: ~90% of crude to China
    let nonoil_partners: f64 = nonoil_by_partner_10m.iter().map(|p| p.1).sum();
    let mut irn_exports: Vec<(&str, f64, f64)> = vec![]; // (partner, oil, non-oil) USD bn
    for (p, v) in nonoil_by_partner_10m {
        let oil = if p == "CHN" {
            oil_10m * oil_share_china
        } else {
            0.0
        };
        irn_exports.push((p, oil * annual, v * annual));
    }
    irn_exports.push((
        "ROW",
        oil_10m * (1.0 - oil_share_china) * annual,
        (nonoil_10m - nonoil_partners) * annual,
    ));
    // Imports: IRICA non-oil trade deficit 14.6 bn for the year to 20 Mar 2025 (Mehr News 2025-05-07)
    let irn_imports_total = nonoil_10m * annual + 14.6;
    // Partner shares of imports (IRICA via Mehr News, en.mehrnews.com/news/164230): CHN 25.6%,
    // UAE 23%, TUR 10.8%, IND 6.5%, DEU 5% (taken for the EU); the rest to ROW.
    let irn_import_shares = [
        ("CHN", 0.256),
        ("MIDEAST_TUR", 0.23 + 0.108),
        ("IND", 0.065),
        ("EU27", 0.05),
    ];
    // Sector composition (estimates, see METHOD.md): non-oil exports and imports, by the 13
    // sectors of 2024.7 and split over the 22 (also estimates: the splits name the main goods of
    // each group in IRICA's and the press's lists: gas condensate and bitumen, methanol, urea and
    // polyethylene, steel and copper, pistachios and fruit; imports of maize, soybeans and oils).
    let irn_nonoil_export_mix = [
        ("ENERGY_MINING", 0.35),
        ("CHEM_PLASTICS", 0.30),
        ("METALS_MINERALS", 0.20),
        ("AGRI_FOOD", 0.10),
        ("OTHER_MFG", 0.02),
        ("TEXTILE_APPAREL", 0.01),
        ("MACHINERY", 0.01),
        ("PHARMA", 0.01),
    ];
    let irn_nonoil_export_mix = fine_mix(
        &irn_nonoil_export_mix,
        &[
            ("PETROLEUM", 0.5),
            ("ENERGY_EXTRACTION", 0.3),
            ("OTHER_MINING", 0.2),
            ("CHEMICALS", 0.9),
            ("RUBBER_PLASTICS", 0.1),
            ("IRON_STEEL", 0.6),
            ("NONFERROUS_METALS", 0.2),
            ("NONMETALLIC_MINERALS", 0.15),
            ("FABRICATED_METALS", 0.05),
            ("AGRICULTURE", 0.6),
            ("FOOD", 0.35),
            ("FISHING", 0.05),
        ],
    );
    let irn_import_mix = [
        ("AGRI_FOOD", 0.25),
        ("MACHINERY", 0.17),
        ("ELECTRONICS", 0.12),
        ("CHEM_PLASTICS", 0.10),
        ("METALS_MINERALS", 0.15),
        ("MOTOR_VEHICLES", 0.07),
        ("ELECTRICAL_EQUIP", 0.05),
        ("PHARMA", 0.04),
        ("TEXTILE_APPAREL", 0.02),
        ("OTHER_MFG", 0.01),
        ("WOOD_PAPER", 0.01),
        ("OTHER_TRANSPORT", 0.005),
        ("ENERGY_MINING", 0.005),
    ];
    let irn_import_mix = fine_mix(
        &irn_import_mix,
        &[
            ("AGRICULTURE", 0.58),
            ("FOOD", 0.4),
            ("FISHING", 0.02),
            ("IRON_STEEL", 0.3),
            ("NONFERROUS_METALS", 0.2),
            ("NONMETALLIC_MINERALS", 0.15),
            ("FABRICATED_METALS", 0.35),
            ("CHEMICALS", 0.7),
            ("RUBBER_PLASTICS", 0.3),
            ("WOOD", 0.4),
            ("PAPER", 0.6),
            ("PETROLEUM", 0.8),
            ("ENERGY_EXTRACTION", 0.1),
            ("OTHER_MINING", 0.1),
        ],
    );
    for (p, oil, nonoil) in &irn_exports {
        let j = region(p);
        flows[ix(sector("ENERGY_EXTRACTION"), irn, j)] += oil * BN;
        for &(sc, w) in &irn_nonoil_export_mix {
            flows[ix(sc, irn, j)] += nonoil * w * BN;
        }
    }
    let named_share: f64 = irn_import_shares.iter().map(|p| p.1).sum();
    for (p, share) in irn_import_shares
        .iter()
        .copied()
        .chain(std::iter::once(("ROW", 1.0 - named_share)))
    {
        let i = region(p);
        for &(sc, w) in &irn_import_mix {
            flows[ix(sc, i, irn)] += irn_imports_total * share * w * BN;
        }
    }
    // Iran's trade with regions not named by IRICA (small, estimate): a seed of 0.2% of its
    // imports/exports so every region pair can trade. Kept fixed by the Iran constraints below.
    for k in 0..N {
        if k == irn {
            continue;
        }
        for &(sc, w) in &irn_import_mix {
            let c = ix(sc, k, irn);
            if flows[c] <= 0.0 {
                flows[c] = irn_imports_total * 0.002 * w * BN;
            }
        }
        for &(sc, w) in &irn_nonoil_export_mix {
            let c = ix(sc, irn, k);
            if flows[c] <= 0.0 {
                flows[c] = nonoil_10m * annual * 0.002 * w * BN;
            }
        }
    }
    let irn_export_total: f64 = irn_exports.iter().map(|e| e.1 + e.2).sum::<f64>();

    // ---- 2. Constraints ------------------------------------------------------------------
    let mut cons: Vec<Constraint> = Vec::new();
    let r = region;
    let mut total = |label: &str, cells: Vec<usize>, target_bn: f64| {
        cons.push(Constraint {
            label: label.to_string(),
            cells,
            minus: Vec::new(),
            target: target_bn * BN,
        });
    };
    // US imports by sector from six partners: Census 2024 consumption imports (Budget Lab file),
    // scaled for CHN, MEX and EU27 to the Census general-imports totals of CALIBRATION_2024.md.
    let us_file = shared.join("us_imports_2024_gtap/us_imports_2024_by_gtap_partner_usd.csv");
    let (h, rows) = read_csv(&us_file)?;
    // GTAP sector -> world2024 sector (tariffsim_data::concordance::FINE_SECTORS); every GTAP
    // code of the Census file must be known (electricity, `ely`, is the one non-good).
    let (h2, rows2) = read_csv(&shared.join("us_imports_2024_gtap/gtap_sectors.csv"))?;
    let mut gtap_agg: HashMap<String, String> = HashMap::new();
    for row in &rows2 {
        let g = row[col(&h2, "gtap_code")?].clone();
        match gtap_fine_sector(&g) {
            Some(f) => {
                gtap_agg.insert(g, f.to_string());
            }
            None if g == "ely" => {}
            None => return Err(format!("GTAP sector {g} has no world2024 sector").into()),
        }
    }
    let partners = tariffsim_data::concordance::CENSUS_PARTNER_GROUPS;
    let mut us_imports_by_sector = vec![[0.0; S]; partners.len()];
    let cg = col(&h, "gtap_code")?;
    for row in &rows {
        let Some(agg) = gtap_agg.get(&row[cg]) else {
            continue;
        };
        let Some(s) = SECTORS.iter().position(|f| f.code == agg) else {
            continue;
        }; // ely
        for (k, (name, _, _)) in partners.iter().enumerate() {
            us_imports_by_sector[k][s] += row[col(&h, name)?].parse::<f64>()?;
        }
    }
    let usa = r("USA");
    let mut zero_cells = Vec::new();
    for (k, (_, code, general)) in partners.iter().enumerate() {
        let consumption: f64 = us_imports_by_sector[k].iter().sum();
        let scale = general.map_or(1.0, |g| g * BN / consumption);
        for s in 0..S {
            let v = us_imports_by_sector[k][s] * scale / BN;
            if v > 0.0 {
                total(
                    &format!("US imports {code} {}", SECTORS[s].code),
                    vec![ix(s, r(code), usa)],
                    v,
                );
            } else {
                // None recorded (e.g. Japan's coal, oil and gas): none in the baseline.
                zero_cells.push(ix(s, r(code), usa));
            }
        }
    }
    // Bilateral totals (USD bn, 2024).
    total(
        "USA->CHN (Census: 438.9 - 295.4 deficit)",
        all_sectors(usa, r("CHN")),
        438.9 - 295.4,
    );
    let chn = r("CHN");
    // US exports to its USMCA partners (Census, as reported: Commerce Dept via opportimes.com for
    // Mexico; canuck.shop for Canada).
    total("USA->MEX (Census)", all_sectors(usa, r("MEX")), 334.041);
    total("USA->CAN (Census)", all_sectors(usa, r("CAN")), 349.4);
    total("CHN->VNM (GAC)", all_sectors(chn, r("VNM")), 161.8);
    total(
        "CHN->ASEAN_OTH (GAC ASEAN 586.5 - VNM 161.8)",
        all_sectors(chn, r("ASEAN_OTH")),
        586.5 - 161.8,
    );
    total(
        "ASEAN->CHN (GAC China-ASEAN trade 982 - exports 586.5)",
        [all_sectors(r("VNM"), chn), all_sectors(r("ASEAN_OTH"), chn)].concat(),
        982.0 - 586.5,
    );
    // EU27 partners (Eurostat 2024, EUR converted at 1.0824): exports to China 213.3 bn,
    // imports from China 517.8 bn; shares of extra-EU exports (US 20.6%, UK 13.2%) and imports
    // (US 13.7%, UK 6.8%) applied to the extra-EU totals; Russia Jan-Aug x 12/8.
    let eur = 1.0824;
    let (eu_x, eu_m) = (2585.0, 2438.0);
    let eu = r("EU27");
    total(
        "EU27->CHN (Eurostat)",
        all_sectors(eu, r("CHN")),
        213.3 * eur,
    );
    total(
        "CHN->EU27 (Eurostat imports)",
        all_sectors(r("CHN"), eu),
        517.8 * eur,
    );
    // US exports follow the US Census side (as does the US export total): 370.2 bn to the EU
    // (Census via D. O'Rear's 2024 US trade summary; Eurostat's 13.7% import share gives 361.5).
    total("USA->EU27 (Census)", all_sectors(usa, eu), 370.2);
    total(
        "EU27->GBR (Eurostat 13.2% of exports)",
        all_sectors(eu, r("GBR")),
        0.132 * eu_x * eur,
    );
    total(
        "GBR->EU27 (Eurostat 6.8% of imports)",
        all_sectors(r("GBR"), eu),
        0.068 * eu_m * eur,
    );
    total(
        "RUS->EU27 (Eurostat Jan-Aug 23.4 x 12/8)",
        all_sectors(r("RUS"), eu),
        23.4 * 12.0 / 8.0 * eur,
    );
    total(
        "EU27->RUS (Eurostat Jan-Aug 21.6 x 12/8)",
        all_sectors(eu, r("RUS")),
        21.6 * 12.0 / 8.0 * eur,
    );
    let latam = ["MEX", "BRA", "LATAM_OTH"];
    total(
        "CHN<->LATAM (GAC)",
        latam
            .iter()
            .flat_map(|l| [all_sectors(chn, r(l)), all_sectors(r(l), chn)].concat())
            .collect(),
        518.0,
    );
    total(
        "CHN->AFRICA (GACC via gbc1.net)",
        all_sectors(chn, r("AFRICA")),
        179.0,
    );
    total(
        "AFRICA->CHN (GACC via gbc1.net)",
        all_sectors(r("AFRICA"), chn),
        117.0,
    );
    total("KOR->CHN (MOTIE)", all_sectors(r("KOR"), chn), 133.0);
    total("TWN->USA (Taiwan MOF)", all_sectors(r("TWN"), usa), 111.4);
    total("KOR->USA (MOTIE)", all_sectors(r("KOR"), usa), 127.8);
    let yen = 150.97; // MoF Japan average 2024 rate, JPY per USD
    total(
        "JPN->CHN (MoF Japan 18.87 trn yen)",
        all_sectors(r("JPN"), chn),
        18_870.0 / yen,
    );
    total("USA->JPN (Census)", all_sectors(usa, r("JPN")), 79.7);
    // US-ASEAN 2024 (BEA/USTR as reported by Viet Nam's MOIT, vntr.moit.gov.vn 2025-12-17):
    // imports from ASEAN 352.1, from Viet Nam 136.5; exports to ASEAN 123.5, to Viet Nam 13.0.
    total("VNM->USA (Census)", all_sectors(r("VNM"), usa), 136.5);
    total("USA->VNM (Census)", all_sectors(usa, r("VNM")), 13.0);
    total(
        "ASEAN_OTH->USA (Census ASEAN 352.1 - VNM 136.5)",
        all_sectors(r("ASEAN_OTH"), usa),
        352.1 - 136.5,
    );
    total(
        "USA->ASEAN_OTH (Census ASEAN 123.5 - VNM 13.0)",
        all_sectors(usa, r("ASEAN_OTH")),
        123.5 - 13.0,
    );
    // US imports from single countries and from aggregates whose members the country table lists
    // (US Census 2024 general imports by country, scenarios/tools/members/census_2024_country_
    // imports.md with its sources). Without these the residual of the US row fell on Russia
    // (23.7 bn against Census 3.0) and too little on ROW (69.5 bn; Switzerland alone is 63.4).
    // ROW stays the residual: its listed members are about three quarters of it.
    let census_path = PathBuf::from(args.get(3).map_or(
        "scenarios/tools/members/census_2024_country_imports.csv",
        String::as_str,
    ));
    if census_path.exists() {
        let (h, rows) = read_csv(&census_path)?;
        let (ci, cv, cb) = (
            col(&h, "iso3")?,
            col(&h, "us_imports_2024_usd")?,
            col(&h, "basis")?,
        );
        let general: HashMap<String, f64> = rows
            .iter()
            .filter(|row| row[cb] == "general")
            .filter_map(|row| Some((row[ci].clone(), row[cv].parse::<f64>().ok()?)))
            .collect();
        for code in ["RUS", "IND", "BRA"] {
            if let Some(v) = general.get(code) {
                total(
                    &format!("{code}->USA (Census, country table)"),
                    all_sectors(r(code), usa),
                    v / BN,
                );
            }
        }
        for agg in ["AFRICA", "LATAM_OTH", "MIDEAST_TUR"] {
            let sum: f64 = general
                .iter()
                .filter(|(iso, _)| member_region(iso) == Some(agg))
                .map(|(_, v)| v)
                .sum();
            if sum > 0.0 {
                total(
                    &format!("{agg}->USA (Census, sum of listed members)"),
                    all_sectors(r(agg), usa),
                    sum / BN,
                );
            }
        }
    }
    // Iran (estimates from IRICA figures, see above).
    for (p, oil, nonoil) in &irn_exports {
        total(
            &format!("IRN->{p} (IRICA, annualised)"),
            all_sectors(irn, r(p)),
            oil + nonoil,
        );
    }
    for (p, share) in irn_import_shares {
        total(
            &format!("{p}->IRN (IRICA shares)"),
            all_sectors(r(p), irn),
            irn_imports_total * share,
        );
    }
    // Region totals (USD bn, 2024).
    let region_totals: &[(&str, Option<f64>, Option<f64>)] = &[
        ("USA", Some(3295.0 - 1212.0), Some(3295.0)),
        ("CHN", Some(3580.0), Some(2590.0)),
        ("EU27", Some(eu_x * eur), Some(eu_m * eur)),
        ("MEX", Some(617.1), Some(625.3)),
        // Canada: Census mirror flows divided by the US shares of Canada's exports (75.9%) and
        // imports (62.2%) in 2024 (Statistics Canada, The Daily 2025-02-05).
        ("CAN", Some(412.7 / 0.759), Some(349.4 / 0.622)),
        ("JPN", Some(107_090.0 / yen), Some(112_420.0 / yen)),
        ("KOR", Some(683.8), Some(632.0)),
        ("TWN", Some(475.07), Some(394.0)),
        ("VNM", Some(405.53), Some(380.76)),
        (
            "IND",
            Some(321.71 + (437.06 - 316.65)),
            Some(532.48 + (677.24 - 506.39)),
        ),
        ("BRA", Some(337.0), Some(262.5)),
        // Russia: Bank of Russia balance of payments. Goods exports 417.2 (full-year preliminary,
        // as reported by Spydell/briefly-news); goods imports derived as exports minus the goods
        // trade balance: January-November 118.6 (Bank of Russia, estimate of 12 Dec 2024) plus
        // December 5.6 (Bank of Russia, as reported by Trading Economics) = 124.2.
        (
            "RUS",
            Some(RUS_EXPORTS),
            Some(RUS_EXPORTS - RUS_GOODS_BALANCE),
        ),
        ("IRN", Some(irn_export_total), Some(irn_imports_total)),
    ];
    for &(code, x, m) in region_totals {
        if let Some(x) = x {
            total(&format!("{code} exports"), exports_cells(r(code)), x);
        }
        if let Some(m) = m {
            total(&format!("{code} imports"), imports_cells(r(code)), m);
        }
    }
    // Africa (Afreximbank): members' totals minus trade among them (on the diagonal here).
    total(
        "AFRICA exports (Afreximbank 682 - intra 220.3/2)",
        exports_cells(r("AFRICA")),
        AFRICA_EXPORTS - INTRA_AFRICA_TRADE / 2.0,
    );
    total(
        "AFRICA imports (Afreximbank 719 - intra 220.3/2)",
        imports_cells(r("AFRICA")),
        AFRICA_IMPORTS - INTRA_AFRICA_TRADE / 2.0,
    );
    // Other Latin America: members' published totals plus an estimate for those without one,
    // minus the trade among members (on the diagonal), METHOD.md section 5.
    let latam_oth_x: f64 =
        LATAM_OTH_MEMBERS.iter().map(|m| m.1).sum::<f64>() + LATAM_OTH_UNPUBLISHED_EXPORTS;
    let latam_oth_m: f64 =
        LATAM_OTH_MEMBERS.iter().filter_map(|m| m.2).sum::<f64>() + LATAM_OTH_UNPUBLISHED_IMPORTS;
    let intra_latam_oth = INTRA_LATAM_OTH_SHARE * latam_oth_x;
    // Aggregates fitted to their members' totals less the trade among them (which this baseline
    // books on the diagonal). Other ASEAN and the Middle East with Turkey since 2024.8; ROW stays
    // free and absorbs what the other totals leave.
    let aggregate_totals: [(&str, &str, f64, f64); 3] = [
        (
            "LATAM_OTH",
            "members + estimate - intra 5.7%",
            latam_oth_x - intra_latam_oth,
            latam_oth_m - intra_latam_oth,
        ),
        (
            "ASEAN_OTH",
            "members - intra 321",
            ASEAN_OTH_MEMBERS_EXPORTS - INTRA_ASEAN_OTH_TRADE,
            ASEAN_OTH_MEMBERS_IMPORTS - INTRA_ASEAN_OTH_TRADE,
        ),
        (
            "MIDEAST_TUR",
            "members - intra 100, estimate",
            MIDEAST_TUR_MEMBERS_EXPORTS - INTRA_MIDEAST_TUR_TRADE,
            MIDEAST_TUR_MEMBERS_IMPORTS - INTRA_MIDEAST_TUR_TRADE,
        ),
    ];
    for (code, why, x, m) in aggregate_totals {
        total(
            &format!("{code} exports ({why})"),
            exports_cells(r(code)),
            x,
        );
        total(
            &format!("{code} imports ({why})"),
            imports_cells(r(code)),
            m,
        );
    }
    // United Kingdom: goods balance only (ONS); exports and imports keep the ratio of their fit.
    cons.push(Constraint {
        label: "GBR goods balance (ONS -217.8 bn GBP)".into(),
        cells: exports_cells(r("GBR")),
        minus: imports_cells(r("GBR")),
        target: GBR_GOODS_BALANCE_GBP * USD_PER_GBP * BN,
    });

    // ---- IPF ------------------------------------------------------------------------------
    for &k in &zero_cells {
        flows[k] = 0.0;
    }
    for c in &cons {
        let mass = |cells: &[usize]| cells.iter().map(|&k| flows[k]).sum::<f64>();
        if !(mass(&c.cells) > 0.0) || (!c.minus.is_empty() && !(mass(&c.minus) > 0.0)) {
            return Err(format!("constraint `{}` has no prior mass", c.label).into());
        }
    }
    let mut max_dev = f64::INFINITY;
    for _ in 0..20_000 {
        max_dev = 0.0;
        for c in &cons {
            let f = c.step(&mut flows);
            max_dev = f64::max(max_dev, (f - 1.0).abs());
        }
        if max_dev < 1e-10 {
            break;
        }
    }
    eprintln!("IPF: largest relative deviation after the last sweep {max_dev:.2e}");
    for c in &cons {
        let sum = c.value(&flows);
        let dev = sum / c.target - 1.0;
        if dev.abs() > 1e-4 {
            eprintln!(
                "  {:<55} target {:>9.1} fitted {:>9.1} ({:+.2}%)",
                c.label,
                c.target / BN,
                sum / BN,
                dev * 100.0
            );
        }
    }

    // ---- 3. Domestic sales ------------------------------------------------------------------
    let exports_of = |flows: &[f64], s: usize, i: usize| -> f64 {
        (0..N).filter(|&j| j != i).map(|j| flows[ix(s, i, j)]).sum()
    };
    let row = r("ROW");
    for s in 0..S {
        for i in 0..N {
            if i == irn {
                continue;
            }
            let x = exports_of(&flows, s, i);
            let go = gross_output[s * N + i];
            // Floor: domestic sales at least 10% of gross output (a 2024 export figure can exceed
            // 2022 gross output minus exports for re-exporters; see METHOD.md).
            flows[ix(s, i, i)] = (go - x).max(0.1 * go);
        }
    }
    for s in 0..S {
        // Iran: ROW's ratio of domestic sales to (exports + imports) in the sector (estimate).
        let trade = |k: usize, f: &[f64]| {
            exports_of(f, s, k)
                + (0..N)
                    .filter(|&i| i != k)
                    .map(|i| f[ix(s, i, k)])
                    .sum::<f64>()
        };
        let ratio = flows[ix(s, row, row)] / trade(row, &flows);
        flows[ix(s, irn, irn)] = ratio * trade(irn, &flows);
    }

    // ---- 4. Tariffs ------------------------------------------------------------------------
    let mut tariffs = vec![0.0; N * N * S];
    let s301 = section301_by_sector(&shared, &gtap_agg)?;
    // US MFN by sector (METHOD.md section 7): statutory 2024 rates, HTS8-based, import-weighted.
    let us_mfn = us_mfn_by_sector(Path::new(US_MFN_TABLE))?;
    let china_on_us = 0.207; // PIIE (Bown): China's average tariff on US exports
    let china_mfn = 0.067; // PIIE (Bown): China's average tariff on the rest of the world
    let us_fta = ["CAN", "MEX", "KOR"];
    for s in 0..S {
        for i in 0..N {
            if i != usa {
                let t = if us_fta.contains(&REGIONS[i].0) {
                    0.0
                } else {
                    us_mfn[s]
                };
                tariffs[ix(s, i, usa)] = if i == chn { t + s301[s] } else { t };
            }
            if i != chn {
                tariffs[ix(s, i, chn)] = if i == usa { china_on_us } else { china_mfn };
            }
        }
    }
    // MFN tariffs of other importers (METHOD.md section 7): the EU by sector, Japan, India and Korea by
    // agricultural / non-agricultural average (India also by a few product groups), Brazil, Canada
    // and Viet Nam economy-wide; zero on partners with a free-trade agreement in force (a
    // simplification).
    for (importer, rate_of_sector, fta) in other_mfn() {
        let j = r(importer);
        for s in 0..S {
            for i in 0..N {
                if i != j {
                    let free = fta.contains(&REGIONS[i].0);
                    tariffs[ix(s, i, j)] = if free { 0.0 } else { rate_of_sector[s] };
                }
            }
        }
    }
    for s in 0..S {
        eprintln!(
            "  Section 301 trade-weighted 2024 average {:<16} {:.4}   US MFN {:.4}",
            SECTORS[s].code, s301[s], us_mfn[s]
        );
    }

    // ---- Assemble and write ----------------------------------------------------------------
    let regions = RegionSet::new(
        REGIONS
            .iter()
            .map(|(c, n)| Region {
                code: (*c).into(),
                name: (*n).into(),
            })
            .collect(),
        GROUPS
            .iter()
            .map(|(g, m)| Group {
                code: (*g).into(),
                members: m.iter().map(|c| RegionId::from_index(r(c))).collect(),
            })
            .collect(),
    )?;
    // Groups: the five 13-sector codes that the 22 refine (so scenario files naming them keep
    // working, and `coarse13` sums them), and the extra named groups.
    let mut sector_groups: Vec<Group<SectorId>> = Vec::new();
    for (code, _, _) in GOODS_SECTORS {
        let members: Vec<SectorId> = (0..S)
            .filter(|&s| SECTORS[s].coarse13 == *code)
            .map(SectorId::from_index)
            .collect();
        if members.len() > 1 {
            sector_groups.push(Group {
                code: (*code).into(),
                members,
            });
        }
    }
    for (code, members) in FINE_SECTOR_EXTRA_GROUPS {
        sector_groups.push(Group {
            code: (*code).into(),
            members: members
                .iter()
                .map(|c| SectorId::from_index(sector(c)))
                .collect(),
        });
    }
    let sectors = SectorSet::new(
        SECTORS
            .iter()
            .map(|f| Sector {
                code: f.code.into(),
                name: f.name.into(),
                description: f.description.into(),
            })
            .collect(),
        sector_groups,
    )?;
    let provenance = Provenance {
        name: "world2024".into(),
        version: "2024.8".into(),
        year: 2024,
        sources: SOURCES.iter().map(|s| (*s).to_string()).collect(),
    };
    let baseline = Baseline::new(regions, sectors, flows, tariffs, true, provenance)?;
    let census = PathBuf::from(args.get(3).map_or(
        "scenarios/tools/members/census_2024_country_imports.csv",
        String::as_str,
    ));
    let members = build_members(&icio, &census, &baseline)?;
    let baseline = baseline.with_members(members)?;
    tariffsim_data::csvio::write_dir(&baseline, &out)?;
    // Reload and write again: the loader orders groups by first appearance, so the embedded
    // files become a fixed point of export -> load -> export (checked by the CLI tests).
    let reloaded = tariffsim_data::csvio::read_path(&out)?;
    tariffsim_data::csvio::write_dir(&reloaded, &out)?;
    for (i, region) in baseline.regions().ids().enumerate() {
        eprintln!(
            "  {:<12} exports {:>8.1} imports {:>8.1} balance {:>8.1}",
            REGIONS[i].0,
            baseline.exports(region) / BN,
            baseline.imports(region) / BN,
            baseline.balance(region) / BN
        );
    }
    eprintln!("wrote {}", out.display());
    Ok(())
}

/// The sector concordance as CSV for the Python tools of `scenarios/tools` (subject shares,
/// member sectors), which aggregate HS-10 / GTAP data to the sectors of this baseline.
const SECTOR_TABLE: &str = "scenarios/tools/world2024_sectors.csv";

fn write_sector_table(path: &Path) -> Result<(), Error> {
    let mut text = String::from("sector,coarse13,icio,gtap\n");
    for f in SECTORS {
        text.push_str(&format!(
            "{},{},{},{}\n",
            f.code,
            f.coarse13,
            f.icio.join(" "),
            f.gtap.join(" ")
        ));
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

/// EU MFN applied simple averages by WTO product group (per cent, 2017; WTO, as reported by the
/// Daily Mail, "Europe's tariffs on imports", 12 Mar 2018). Agricultural groups and fish:
/// animal products, dairy, fruit and vegetables, coffee and tea, cereals, oilseeds, sugars,
/// beverages and tobacco, cotton, other agricultural, fish.
const EU_AGRI_GROUPS: [f64; 11] = [16.2, 37.4, 11.3, 6.1, 15.9, 5.8, 24.6, 19.0, 0.0, 4.8, 11.4];
const EU_PETROLEUM: f64 = 3.1;
const EU_MINERALS_METALS: f64 = 1.9;
const EU_CHEMICALS: f64 = 4.5;
const EU_WOOD_PAPER: f64 = 0.9;
const EU_TEXTILES: f64 = 6.6;
const EU_CLOTHING: f64 = 11.5;
const EU_LEATHER_FOOTWEAR: f64 = 4.2;
const EU_NONELECTRICAL_MACHINERY: f64 = 1.7;
const EU_ELECTRICAL_MACHINERY: f64 = 2.4;
const EU_TRANSPORT_EQUIPMENT: f64 = 4.1;
const EU_MANUFACTURES_NES: f64 = 2.4;

/// Pharmaceuticals enter duty-free in the parties to the WTO Agreement on Trade in Pharmaceutical
/// Products (the Uruguay Round "zero-for-zero" pharma agreement, 1994): Canada, the EU, Japan,
/// Macao (China), Norway, Switzerland, the UK and the US (LexisNexis practice note "The WTO's
/// Pharma Agreement"). Per cent; used for PHARMA in the EU, Japan and Canada instead of their
/// chemicals or all-products averages (since 2024.8).
const PHARMA_AGREEMENT_RATE: f64 = 0.0;

/// Brazil's and Canada's MFN applied simple averages over all products (per cent, 2022; WTO/ITC/
/// UNCTAD *World Tariff Profiles 2023*, summary table "All products", as reproduced on Scribd,
/// "World Country Tariffs WTO October 2023").
const BRA_MFN_ALL: f64 = 11.1;
const CAN_MFN_ALL: f64 = 3.8;

/// India's MFN applied simple averages, per cent, 2021 (WTO/ITC/UNCTAD *World Tariff Profiles
/// 2022*, India page, Parts A.1 and A.2, as reproduced on issuu.com, "worldtradepresss/india-tar"):
/// agricultural products 39.2, non-agricultural products 14.9 (all products 18.3); product groups
/// petroleum 9.2, minerals and metals 11.8, chemicals 10.3. Cross-check: the USTR 2025 National
/// Trade Estimate puts India's 2023 average MFN applied rate at 17% (as reported by the Hindustan
/// Times, 2 Apr 2025).
const IND_MFN_AGRI: f64 = 39.2;
const IND_MFN_NON_AGRI: f64 = 14.9;
const IND_MFN_PETROLEUM: f64 = 9.2;
const IND_MFN_MINERALS_METALS: f64 = 11.8;
const IND_MFN_CHEMICALS: f64 = 10.3;

/// Korea's MFN applied simple averages, per cent: agricultural products 57.0 in 2022 (WTO, as
/// reported by the Chosun Daily, via ADEKO); non-agricultural products 6.6 in 2006 (*World Tariff
/// Profiles 2008*, Korea page, as reproduced on Scribd, "Corea"; the latest non-agricultural
/// figure found). Consistency check: with 2006's agricultural share of lines (the 2006 total 12.1 =
/// share x 47.8 + (1 - share) x 6.6, so share = 0.13), 57.0 and 6.6 give a total of 13.3, against
/// the 13.4% all-products average for 2023 (World Tariff Profiles 2024, as cited by Korea's Ministry
/// of Trade, Industry and Energy, korea.net, 14 Feb 2025).
const KOR_MFN_AGRI: f64 = 57.0;
const KOR_MFN_NON_AGRI: f64 = 6.6;

/// Japan's MFN applied simple averages, per cent: agricultural products 15.5, non-agricultural
/// products 2.5 (all products 4.3), WTO data as quoted from the US International Trade
/// Administration by National Review ("The Corner", April 2025; the year of the WTO data is not
/// stated there, the latest available at the time).
const JPN_MFN_AGRI: f64 = 15.5;
const JPN_MFN_NON_AGRI: f64 = 2.5;

/// Viet Nam's MFN applied simple average over all products, per cent, 2023 (WTO Tariff & Trade Data,
/// Viet Nam profile, ttd.wto.org; the same 9.4% quoted by Viet Nam's Ministry of Industry and Trade,
/// via vietnamleads.com, April 2025). Its trade-weighted MFN average was 5.1% in 2022 (same page).
const VNM_MFN_ALL: f64 = 9.4;

/// A sector rate table from an agricultural rate, a non-agricultural rate and per-sector
/// overrides (per cent in, fractions out).
/// The WTO's "agricultural products" (Agreement on Agriculture, HS ch. 1-24 less fish) are
/// AGRICULTURE and FOOD; FISHING is a non-agricultural product in the WTO's tables.
/// An override names a sector or a `coarse13` group (its members all take the rate).
fn agri_split(agri: f64, non_agri: f64, overrides: &[(&str, f64)]) -> [f64; S] {
    let mut out = [non_agri / 100.0; S];
    for s in sectors_of("AGRICULTURE")
        .into_iter()
        .chain(sectors_of("FOOD"))
    {
        out[s] = agri / 100.0;
    }
    for (code, pct) in overrides {
        for s in sectors_of(code) {
            out[s] = pct / 100.0;
        }
    }
    out
}

/// EU sector rates: WTO product groups mapped to the 22 sectors (METHOD.md section 7). Where a
/// sector spans several groups the groups are averaged with equal weights (line counts are not
/// published in the source).
fn eu_mfn_by_sector() -> [f64; S] {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let pct = |code: &str| -> f64 {
        match code {
            // The ten agricultural groups; fish is the eleventh.
            "AGRICULTURE" | "FOOD" => mean(&EU_AGRI_GROUPS[..10]),
            "FISHING" => EU_AGRI_GROUPS[10],
            "ENERGY_EXTRACTION" | "PETROLEUM" => EU_PETROLEUM,
            "OTHER_MINING" => EU_MINERALS_METALS,
            "TEXTILE_APPAREL" => mean(&[EU_TEXTILES, EU_CLOTHING, EU_LEATHER_FOOTWEAR]),
            "WOOD" | "PAPER" => EU_WOOD_PAPER,
            "CHEMICALS" | "RUBBER_PLASTICS" => EU_CHEMICALS,
            "PHARMA" => PHARMA_AGREEMENT_RATE,
            "NONMETALLIC_MINERALS" | "IRON_STEEL" | "NONFERROUS_METALS" | "FABRICATED_METALS" => {
                EU_MINERALS_METALS
            }
            "ELECTRONICS" | "ELECTRICAL_EQUIP" => EU_ELECTRICAL_MACHINERY,
            "MACHINERY" => EU_NONELECTRICAL_MACHINERY,
            "MOTOR_VEHICLES" | "OTHER_TRANSPORT" => EU_TRANSPORT_EQUIPMENT,
            "OTHER_MFG" => EU_MANUFACTURES_NES,
            other => panic!("no EU product group mapped for sector {other}"),
        }
    };
    let mut out = [0.0; S];
    for (s, f) in SECTORS.iter().enumerate() {
        out[s] = pct(f.code) / 100.0;
    }
    out
}

/// (importer, MFN rate by sector, partners with a free-trade agreement in force that the baseline
/// treats as duty-free). The FTA lists are a simplification: preferential rates are taken as zero,
/// and agreements with only some members of an aggregate region are ignored.
fn other_mfn() -> Vec<(&'static str, [f64; S], &'static [&'static str])> {
    vec![
        // EU: UK (TCA), Japan (EPA), Korea, Canada (CETA), Mexico, Viet Nam (EVFTA, phasing in).
        (
            "EU27",
            eu_mfn_by_sector(),
            &["GBR", "JPN", "KOR", "CAN", "MEX", "VNM"],
        ),
        // Brazil: Mercosur and ACE partners sit inside LATAM_OTH, which keeps the MFN rate.
        ("BRA", [BRA_MFN_ALL / 100.0; S], &[]),
        // Canada: USMCA (USA, MEX), CETA (EU27), UK, CPTPP (JPN, VNM), Korea.
        (
            "CAN",
            agri_split(
                CAN_MFN_ALL,
                CAN_MFN_ALL,
                &[("PHARMA", PHARMA_AGREEMENT_RATE)],
            ),
            &["USA", "MEX", "EU27", "GBR", "JPN", "VNM", "KOR"],
        ),
        // Japan: EPAs with the EU, the UK, ASEAN and its members, India, Mexico; CPTPP (Canada,
        // Mexico, Viet Nam). The US-Japan Trade Agreement (2020) and RCEP (China, Korea) cover only
        // part of the lines, so the US, China and Korea keep the MFN rate.
        (
            "JPN",
            agri_split(
                JPN_MFN_AGRI,
                JPN_MFN_NON_AGRI,
                &[("PHARMA", PHARMA_AGREEMENT_RATE)],
            ),
            &["EU27", "GBR", "CAN", "MEX", "VNM", "ASEAN_OTH", "IND"],
        ),
        // India: CEPAs with Japan and Korea, the ASEAN-India FTA (VNM, ASEAN_OTH).
        (
            "IND",
            agri_split(
                IND_MFN_AGRI,
                IND_MFN_NON_AGRI,
                &[
                    ("ENERGY_EXTRACTION", IND_MFN_PETROLEUM),
                    ("PETROLEUM", IND_MFN_PETROLEUM),
                    ("OTHER_MINING", IND_MFN_MINERALS_METALS),
                    ("METALS_MINERALS", IND_MFN_MINERALS_METALS),
                    ("CHEM_PLASTICS", IND_MFN_CHEMICALS),
                    ("PHARMA", IND_MFN_CHEMICALS),
                ],
            ),
            &["JPN", "KOR", "VNM", "ASEAN_OTH"],
        ),
        // Korea: KORUS, EU, UK, China, India (CEPA), ASEAN and Viet Nam, Canada; Japan only through
        // RCEP (partial), so it keeps the MFN rate.
        (
            "KOR",
            agri_split(KOR_MFN_AGRI, KOR_MFN_NON_AGRI, &[]),
            &[
                "USA",
                "EU27",
                "GBR",
                "CHN",
                "IND",
                "VNM",
                "ASEAN_OTH",
                "CAN",
            ],
        ),
        // Viet Nam: ATIGA (ASEAN_OTH), ASEAN+1 FTAs with China, Korea, Japan and India, EVFTA,
        // UKVFTA, CPTPP (Canada, Mexico, Japan), the Eurasian Economic Union FTA (Russia).
        (
            "VNM",
            [VNM_MFN_ALL / 100.0; S],
            &[
                "ASEAN_OTH",
                "CHN",
                "KOR",
                "JPN",
                "IND",
                "EU27",
                "GBR",
                "CAN",
                "MEX",
                "RUS",
            ],
        ),
    ]
}

/// The US MFN table by sector (`scenarios/tools/us_mfn_2024/`, its SOURCE.md and compute.py).
const US_MFN_TABLE: &str = "scenarios/tools/us_mfn_2024/us_mfn_2024_by_sector.csv";

/// Sectors where specific (per-unit) duties are material and the table's rate, which counts only
/// their ad valorem part, understates the rate (34% and 19% of the weight in such lines: sugar,
/// dairy, beef, vegetable oils, beverages): those lines are taken to pay the rate of the sector's
/// other lines (`mfn_tw_excl_flagged`), an *estimate*. Crude oil and petroleum products carry
/// specific duties too, but of cents per barrel: their table rate stands.
const US_MFN_SPECIFIC_DUTY_SECTORS: &[&str] = &["AGRICULTURE", "FOOD"];

/// US MFN rate by sector (fractions), statutory 2024: the USITC 2024 tariff database (HTS8 MFN
/// rates) weighted by 2024 US imports from the partners that pay MFN duties (China, the UK, Japan,
/// the EU and the rest of the world by HS-10, Census data via The Budget Lab's Tariff-Model;
/// Canada, Mexico and the FTA partners excluded): `scenarios/tools/us_mfn_2024/`. Every sector of
/// the baseline must have a row.
fn us_mfn_by_sector(path: &Path) -> Result<[f64; S], Error> {
    let (h, rows) = read_csv(path)?;
    let (cs, ctw, cex) = (
        col(&h, "sector")?,
        col(&h, "mfn_trade_weighted")?,
        col(&h, "mfn_tw_excl_flagged")?,
    );
    let mut out = [f64::NAN; S];
    for row in &rows {
        let Some(s) = SECTORS.iter().position(|f| f.code == row[cs]) else {
            return Err(format!("{}: unknown sector {}", path.display(), row[cs]).into());
        };
        if out[s].is_finite() {
            return Err(format!("{}: two rows for {}", path.display(), row[cs]).into());
        }
        let column = if US_MFN_SPECIFIC_DUTY_SECTORS.contains(&SECTORS[s].code) {
            cex
        } else {
            ctw
        };
        out[s] = row[column].parse()?;
    }
    if let Some(s) = (0..S).find(|&s| !out[s].is_finite()) {
        return Err(format!("{}: no US MFN rate for {}", path.display(), SECTORS[s].code).into());
    }
    Ok(out)
}

/// Section 301 rate in force on average in 2024 by sector: per HS6 the highest active rate of its
/// listed HTS8 lines (lists 1, 2, 3: 25%; 4A: 7.5%; 4B suspended, excluded; the Biden-era
/// increases effective 27 Sep 2024 weighted by their 96 of 366 days), averaged over the HS6 lines
/// of each GTAP sector (unlisted lines count as 0), then weighted across GTAP sectors by 2024 US
/// imports from China.
fn section301_by_sector(
    shared: &Path,
    gtap_agg: &HashMap<String, String>,
) -> Result<[f64; S], Error> {
    let dir = shared.join("us_tariff_rates_2025");
    let (h, rows) = read_csv(&dir.join("section301_rates_by_ch99.csv"))?;
    let mut rate_of_list: HashMap<String, f64> = HashMap::new();
    for row in &rows {
        let list = row[col(&h, "list")?].clone();
        if !list.is_empty() {
            rate_of_list.insert(list, row[col(&h, "s301_rate")?].parse()?);
        }
    }
    let day_weight = 96.0 / 366.0;
    let (h, rows) = read_csv(&dir.join("section301_china_product_lists_hts8.csv"))?;
    // per HS6: (base rate from Trump-era lists, 2024 Biden increase target)
    let mut base: HashMap<String, f64> = HashMap::new();
    let mut biden: HashMap<String, f64> = HashMap::new();
    for row in &rows {
        let hts8 = &row[col(&h, "hts8")?];
        let list = &row[col(&h, "list")?];
        let hs6 = hts8.chars().take(6).collect::<String>();
        let Some(&rate) = rate_of_list.get(list) else {
            continue;
        };
        match list.as_str() {
            "1" | "2" | "3" | "3_addl" | "4A" => {
                let e = base.entry(hs6).or_insert(0.0);
                *e = e.max(rate);
            }
            "biden_25" | "biden_50" | "biden_100" => {
                let e = biden.entry(hs6).or_insert(0.0);
                *e = e.max(rate);
            }
            _ => {} // 4B (suspended), 2025-26 increases, cranes: not in force in 2024
        }
    }
    let (h, rows) = read_csv(&shared.join("us_imports_2024_gtap/hs6_to_gtap_crosswalk.csv"))?;
    let mut by_gtap: HashMap<String, (f64, usize)> = HashMap::new();
    for row in &rows {
        let hs6 = &row[col(&h, "hs6_code")?];
        let b = base.get(hs6).copied().unwrap_or(0.0);
        let rate = match biden.get(hs6) {
            Some(&new) if new > b => b + (new - b) * day_weight,
            _ => b,
        };
        let e = by_gtap
            .entry(row[col(&h, "gtap_code")?].clone())
            .or_insert((0.0, 0));
        e.0 += rate;
        e.1 += 1;
    }
    // Weights: 2024 US imports from China by GTAP sector.
    let (h, rows) =
        read_csv(&shared.join("us_imports_2024_gtap/us_imports_2024_by_gtap_partner_usd.csv"))?;
    let mut num = [0.0; S];
    let mut den = [0.0; S];
    for row in &rows {
        let g = &row[col(&h, "gtap_code")?];
        let Some(agg) = gtap_agg.get(g) else { continue };
        let Some(s) = SECTORS.iter().position(|f| f.code == agg) else {
            continue;
        };
        let w: f64 = row[col(&h, "china")?].parse()?;
        let (sum, n) = by_gtap.get(g).copied().unwrap_or((0.0, 0));
        if n > 0 {
            num[s] += w * sum / n as f64;
            den[s] += w;
        }
    }
    let mut out = [0.0; S];
    for s in 0..S {
        out[s] = if den[s] > 0.0 { num[s] / den[s] } else { 0.0 };
    }
    Ok(out)
}

const SOURCES: &[&str] = &[
    "OECD ICIO 2025 release (reference year 2022), intermediate flows by region x sector, via ../shared/data/oecd_icio2022_intermediate (prior structure, gross output)",
    "US Census 2024 consumption imports by GTAP sector and partner, via The Budget Lab at Yale Tariff-Model (../shared/data/us_imports_2024_gtap)",
    "US Census 2024: imports 3,295 bn; from China 438.9 bn, Mexico 505.9 bn, EU 605.8 bn; deficit with China 295.4 bn (CALIBRATION_2024.md); goods deficit 1.21 trn (BEA/Census release 2025-02-05)",
    "China GAC 2024: exports 3.58 trn, imports 2.59 trn, to ASEAN 586.5 bn, to Vietnam 161.8 bn, EU-China 785.8 bn, LatAm 518 bn (CALIBRATION_2024.md); China-ASEAN trade 982 bn, Africa exports 179 bn / imports 117 bn (GACC via gbc1.net 2025-01-15)",
    "Eurostat 2024: extra-EU surplus EUR 147 bn, exports +1.1% on 2023 EUR 2,557 bn; EU-China exports 213.3 / imports 517.8 bn EUR; partner shares US 20.6%/13.7%, UK 13.2%/6.8%; EU-Russia Jan-Aug 21.6/23.4 bn EUR; EUR/USD 1.0824 (mean of the 256 daily ECB reference rates of 2024, ../shared/data/us_tariff_measures_2025/SOURCE.md)",
    "INEGI 2024: Mexico exports 617.1 bn, imports 625.3 bn",
    "US Census 2024 (as reported): exports to Mexico 334.04 bn, to Canada 349.4 bn, imports from Canada 412.7 bn; Statistics Canada 2024: US share of Canada's exports 75.9%, of imports 62.2%",
    "MoF Japan 2024: exports 107.09 trn yen, imports 112.42 trn yen, at 150.97 yen/USD; to China 18.87 trn yen (Kyodo/Xinhua 2025-01-23)",
    "US Census 2024 exports by destination (D. O'Rear, US 2024 Trade): EU 370.2, Japan 79.7 bn; US-ASEAN (BEA/USTR via Viet Nam MOIT): imports 352.1 (Viet Nam 136.5), exports 123.5 (Viet Nam 13.0) bn",
    "MOTIE Korea 2024: exports 683.8 bn, imports 632.0 bn; to China 133.0 bn, to US 127.8 bn",
    "MOF Taiwan 2024: exports 475.07 bn, imports 394 bn; to US 111.4 bn",
    "GSO Viet Nam 2024: exports 405.53 bn, imports 380.76 bn",
    "India Ministry of Commerce: FY2023-24 and Apr-Dec 2024 releases (calendar 2024 derived: exports 442.1 bn, imports 703.3 bn)",
    "MDIC Brazil 2024: exports 337.0 bn, imports 262.5 bn",
    "Bank of Russia (BoP) 2024 goods exports 417.2 bn (as reported by Spydell/briefly-news); goods imports 293.0 bn derived from the goods balance Jan-Nov 118.6 bn (Bank of Russia, 12 Dec 2024) + Dec 5.6 bn (Bank of Russia via Trading Economics)",
    "IRICA Iran 1403 (to 20 Mar 2025): 10-month non-oil exports 40.4 bn, oil 29.9 bn, partners CHN 11.5, IRQ 7.7, ARE 5.2, TUR 3.5, IND 1.8 (IRNA); non-oil deficit 14.6 bn (Mehr 2025-05-07); import shares (Mehr); ~90% of crude to China (Kpler)",
    "US Section 301 product lists and rates (tariff-rate-tracker, ../shared/data/us_tariff_rates_2025)",
    "PIIE (Bown): China's average tariff on US exports 20.7%, on others 6.7%",
    "US MFN 2024: USITC annual tariff database 2024 (HTS8 MFN rates), weighted by 2024 US imports by HS-10 from MFN partners (Census via The Budget Lab Tariff-Model); scenarios/tools/us_mfn_2024",
    "ASEAN_OTH 2024 totals: BPS, MITI/DOSM, PSA, SingStat (monthly series), Thailand MOC, Cambodia; intra-ASEAN 21.2% (ASEAN via Bernama); MIDEAST_TUR: GCC-Stat Statistical Atlas 2024, TUIK, JETRO (Israel), Jordan DoS, Lebanon customs; estimates for Laos, Myanmar, Brunei, Iraq, Syria, Yemen and intra-MIDEAST_TUR trade (docs/data/world2024-region-totals.md)",
    "OECD ICIO 2025 release, country level (80 economies x 50 industries), aggregated to the 22 sectors of tariffsim_data::concordance::FINE_SECTORS",
    "Afreximbank African Economic and Trade Outlook 2025: Africa 2024 exports 682 bn, imports 719 bn; African Trade Report 2025: intra-African trade 220.3 bn (14.4% of total trade)",
    "LATAM_OTH 2024 members (METHOD.md section 5): INDEC, Banco Central de Chile, DANE, BCRP, Uruguay XXI, BCP, INE/IBCE, BCE, BCCR, SECMCA, MICI, DGA, STATIN, Guyana MoF; estimate 45/75 bn for Venezuela, Trinidad and Tobago, Panama imports, Cuba, Haiti and the rest of the Caribbean; intra-LATAM_OTH 5.7% (ICIO 2022)",
    "ONS (12 Feb 2026, via FT / Institute of Export): UK 2025 goods deficit 248.3 bn GBP, 30.5 bn wider than 2024 (2024: 217.8 bn GBP, excl. precious metals); USD/GBP 1.2786 (2024 mean of the daily ECB reference rates, cross rate, ../shared/data/us_tariff_measures_2025/SOURCE.md)",
    "WTO MFN applied simple averages: EU by product group 2017 (via Daily Mail 2018-03-12); Brazil 11.1%, Canada 3.8% all products 2022 (World Tariff Profiles 2023 summary table)",
    "WTO MFN applied simple averages: India 2021 agri 39.2%, non-agri 14.9%, petroleum 9.2%, minerals and metals 11.8%, chemicals 10.3% (World Tariff Profiles 2022); Korea agri 57.0% (2022, WTO via Chosun Daily), non-agri 6.6% (2006, World Tariff Profiles 2008); Viet Nam 9.4% all products 2023 (WTO Tariff & Trade Data); Japan agri 15.5%, non-agri 2.5% (WTO data via US ITA, National Review, April 2025)",
];

/// Countries inside the aggregate regions and their share of the aggregate's exports to each
/// importer in each sector (`members.csv`; `tariffsim_core::members`). Method (METHOD.md §8):
/// 1. Prior for every importer: the member's share of the aggregate's intermediate-goods exports
///    to the importer's ICIO members in the sector (OECD ICIO 2022, country level); where the
///    aggregate ships nothing to that importer in the sector in ICIO, the member's share of the
///    aggregate's exports of the sector to all importers; Iran as importer (not in ICIO) gets the
///    latter too.
/// 2. The US row where a published 2024 country total exists (US Census via the table in
///    `census` with its sources): the member's 2024 total spread over sectors by its ICIO mix of
///    sales to the US, divided by the baseline's aggregate flow; members without an ICIO row get
///    the aggregate's own sector mix. Sums above 1 in a sector are scaled down to 1.
/// 3. For members of aggregates that ICIO covers only in part (ROW, AFRICA, LATAM_OTH,
///    MIDEAST_TUR), the ICIO shares of step 1 for other importers are scaled by the listed
///    members' share of the aggregate's US imports (step 2), so the unlisted economies keep the
///    rest; members with a Census figure but no ICIO row carry their US share to every importer
///    (an estimate).
fn build_members(
    icio: &Path,
    census: &Path,
    b: &Baseline,
) -> Result<Vec<tariffsim_core::Member>, Error> {
    let (n, ns) = (N, S);
    let region_of = icio_regions(icio)?;
    let (h, rows) = read_csv(&icio.join("country_region_map.csv"))?;
    let (cc, cn) = (col(&h, "country")?, col(&h, "country_name")?);
    let names: HashMap<String, String> = rows
        .iter()
        .map(|r| (r[cc].clone(), r[cn].clone()))
        .collect();
    // flows[country][sector][importer region], USD mn.
    let mut by_country: HashMap<String, Vec<f64>> = HashMap::new();
    for_each_icio_flow(icio, |exp, sec, imp, v| {
        let Some(f) = icio_fine_sector(sec) else {
            return Ok(());
        };
        let j = *region_of
            .get(imp)
            .ok_or_else(|| format!("ICIO economy {imp} has no region"))?;
        by_country
            .entry(exp.to_string())
            .or_insert_with(|| vec![0.0; n * ns])[sector(f) * n + j] += v;
        Ok(())
    })?;
    // Published 2024 US imports by country (USD), if the table is there.
    let mut us_total: HashMap<String, (String, f64)> = HashMap::new();
    if census.exists() {
        let (h, rows) = read_csv(census)?;
        let (ci, cn, cv) = (
            col(&h, "iso3")?,
            col(&h, "country")?,
            col(&h, "us_imports_2024_usd")?,
        );
        let cb = col(&h, "basis")?;
        // General imports: the basis of the aggregates' US totals (METHOD.md §3).
        for r in rows.iter().filter(|r| r[cb] == "general") {
            if let Ok(v) = r[cv].parse::<f64>() {
                us_total.insert(r[ci].clone(), (r[cn].clone(), v));
            }
        }
    } else {
        eprintln!(
            "  members: no {} — US shares from ICIO only",
            census.display()
        );
    }
    // Census 2024 US imports by member and sector (consumption basis), when the table is there.
    let mut us_by_sector: HashMap<String, Vec<f64>> = HashMap::new();
    let sector_table = census.with_file_name("us_imports_2024_by_member_sector.csv");
    if sector_table.exists() {
        let (h, rows) = read_csv(&sector_table)?;
        let (ci, cs, cv) = (
            col(&h, "iso3")?,
            col(&h, "sector")?,
            col(&h, "imports_usd")?,
        );
        for r in &rows {
            let v: f64 = r[cv].parse()?;
            us_by_sector
                .entry(r[ci].clone())
                .or_insert_with(|| vec![0.0; ns])[sector(&r[cs])] += v;
        }
    }
    let usa = region("USA");
    let aggregates: Vec<usize> = {
        let mut v: Vec<usize> = region_of.values().copied().collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut members = Vec::new();
    for &r in &aggregates {
        let code_r = REGIONS[r].0;
        let mut listed: Vec<String> = region_of
            .iter()
            .filter(|(c, reg)| **reg == r && c.as_str() != code_r)
            .map(|(c, _)| c.clone())
            .collect();
        // Members with a Census figure whose aggregate they belong to by the region's definition.
        for (iso, _) in us_total.iter() {
            if !region_of.contains_key(iso) && member_region(iso) == Some(code_r) {
                listed.push(iso.clone());
            }
        }
        listed.sort();
        if listed.is_empty() {
            continue;
        }
        // Step 1: ICIO shares, of the whole aggregate: every ICIO economy in it, including one
        // whose code is the region's (China's mainland inside CHN), which is not written as a
        // member but stays in the denominator (its share is part of the rest).
        let in_region: Vec<&String> = region_of
            .iter()
            .filter(|(_, reg)| **reg == r)
            .map(|(c, _)| c)
            .collect();
        let total = |j: usize, s: usize| -> f64 {
            in_region
                .iter()
                .filter_map(|c| by_country.get(*c))
                .map(|f| f[s * n + j])
                .sum()
        };
        let world = |c: &str, s: usize| -> f64 {
            by_country
                .get(c)
                .map_or(0.0, |f| (0..n).map(|j| f[s * n + j]).sum())
        };
        let world_total = |s: usize| -> f64 { in_region.iter().map(|c| world(c, s)).sum() };
        let mut shares: Vec<Vec<f64>> = listed
            .iter()
            .map(|c| {
                let mut v = vec![0.0; n * ns];
                for s in 0..ns {
                    for j in 0..n {
                        let t = total(j, s);
                        v[s * n + j] = if t > 0.0 && REGIONS[j].0 != "IRN" {
                            by_country.get(c).map_or(0.0, |f| f[s * n + j]) / t
                        } else if world_total(s) > 0.0 {
                            world(c, s) / world_total(s)
                        } else {
                            0.0
                        };
                    }
                }
                v
            })
            .collect();
        // Step 2: the US row from published totals.
        let agg_us: Vec<f64> = b
            .sectors()
            .ids()
            .map(|s| b.flow(RegionId::from_index(r), RegionId::from_index(usa), s))
            .collect();
        let agg_us_total: f64 = agg_us.iter().sum();
        let mut listed_us = 0.0;
        let mut any_census = false;
        for (k, c) in listed.iter().enumerate() {
            let Some((_, total_usd)) = us_total.get(c) else {
                continue;
            };
            any_census = true;
            listed_us += total_usd;
            let mix: Vec<f64> = match (us_by_sector.get(c), by_country.get(c)) {
                // Census 2024 imports from the member by sector (HS-10 data aggregated).
                (Some(v), _) if v.iter().sum::<f64>() > 0.0 => {
                    let t: f64 = v.iter().sum();
                    v.iter().map(|x| x / t).collect()
                }
                (_, Some(f)) if (0..ns).any(|s| f[s * n + usa] > 0.0) => {
                    let t: f64 = (0..ns).map(|s| f[s * n + usa]).sum();
                    (0..ns).map(|s| f[s * n + usa] / t).collect()
                }
                _ => agg_us.iter().map(|v| v / agg_us_total).collect(),
            };
            for s in 0..ns {
                shares[k][s * n + usa] = if agg_us[s] > 0.0 {
                    total_usd * mix[s] / agg_us[s]
                } else {
                    0.0
                };
            }
        }
        // Every member with Census imports by sector and no country totals (the EU27 countries):
        // the US row is their shares of the members' sum, sector by sector.
        if !any_census && listed.iter().all(|c| us_by_sector.contains_key(c)) {
            for s in 0..ns {
                let sum: f64 = listed.iter().map(|c| us_by_sector[c][s]).sum();
                for (k, c) in listed.iter().enumerate() {
                    shares[k][s * n + usa] = if sum > 0.0 {
                        us_by_sector[c][s] / sum
                    } else {
                        0.0
                    };
                }
            }
            eprintln!("  members of {code_r:<12} US row from Census imports by member and sector");
        }
        if any_census {
            // Members without a Census figure keep no US share they could not be given.
            for (k, c) in listed.iter().enumerate() {
                if !us_total.contains_key(c) {
                    for s in 0..ns {
                        shares[k][s * n + usa] = 0.0;
                    }
                }
            }
            for s in 0..ns {
                let sum: f64 = shares.iter().map(|v| v[s * n + usa]).sum();
                if sum > 1.0 {
                    shares.iter_mut().for_each(|v| v[s * n + usa] /= sum);
                }
            }
            // Step 3: partial aggregates.
            let coverage = (listed_us / agg_us_total).min(1.0);
            let partial = matches!(code_r, "ROW" | "AFRICA" | "LATAM_OTH" | "MIDEAST_TUR");
            for (k, c) in listed.iter().enumerate() {
                let us_share: f64 = us_total.get(c).map_or(0.0, |(_, v)| v / agg_us_total);
                for s in 0..ns {
                    for j in (0..n).filter(|&j| j != usa) {
                        let x = &mut shares[k][s * n + j];
                        if !by_country.contains_key(c) {
                            *x = us_share.min(1.0);
                        } else if partial {
                            *x *= coverage;
                        }
                    }
                }
            }
            // Census-only members may push a non-US sum above 1: scale down.
            for s in 0..ns {
                for j in 0..n {
                    let sum: f64 = shares.iter().map(|v| v[s * n + j]).sum();
                    if sum > 1.0 {
                        shares.iter_mut().for_each(|v| v[s * n + j] /= sum);
                    }
                }
            }
            eprintln!(
                "  members of {code_r:<12} {:>3} listed; published US imports {:>7.1} bn of the aggregate's {:>7.1} bn ({:.0}%)",
                listed.len(),
                listed_us / BN,
                agg_us_total / BN,
                100.0 * listed_us / agg_us_total
            );
        }
        // The rest of the aggregate (economies not listed; for CHN, the mainland) in millionths,
        // so that each (importer, sector) table sums to exactly 1.
        let mut rest_micro = vec![1_000_000_i64; n * ns];
        for (k, c) in listed.iter().enumerate() {
            // Rounded down to 6 decimals (the table is an estimate; short lines; sums of at
            // most 1 stay at most 1), through text so the stored values are the short decimals.
            let micro: Vec<i64> = shares[k].iter().map(|x| (x * 1e6).floor() as i64).collect();
            for (r, m) in rest_micro.iter_mut().zip(&micro) {
                *r -= m;
            }
            let v: Vec<f64> = micro.iter().map(|&m| micro_share(m)).collect();
            let name = names
                .get(c)
                .cloned()
                .or_else(|| us_total.get(c).map(|(n, _)| n.clone()))
                .unwrap_or_default();
            members.push(tariffsim_core::Member {
                code: c.clone(),
                name,
                region: RegionId::from_index(r),
                export_shares: v,
            });
        }
        if rest_micro.iter().any(|&m| m < 0) {
            return Err(format!("members of {code_r}: shares sum above 1").into());
        }
        members.push(tariffsim_core::Member {
            code: format!("{code_r}_REST"),
            name: if code_r == "CHN" {
                "China excluding Hong Kong (the rest of the aggregate)".into()
            } else {
                format!("Rest of {code_r} (economies not listed)")
            },
            region: RegionId::from_index(r),
            export_shares: rest_micro.iter().map(|&m| micro_share(m)).collect(),
        });
    }
    Ok(members)
}

/// A share stored as millionths, through text so the stored value is the short decimal.
fn micro_share(m: i64) -> f64 {
    format!("{:.6}", m as f64 / 1e6).parse().unwrap_or(0.0)
}

/// The aggregate region of a country that ICIO does not list (its own region in world2024 is
/// defined in METHOD.md §1: everything not listed belongs to the aggregate of its continent).
fn member_region(iso3: &str) -> Option<&'static str> {
    const ASEAN: &[&str] = &[
        "IDN", "MYS", "PHL", "SGP", "THA", "KHM", "LAO", "MMR", "BRN",
    ];
    const MIDEAST: &[&str] = &[
        "ARE", "SAU", "ISR", "JOR", "TUR", "QAT", "KWT", "OMN", "BHR", "IRQ", "LBN", "YEM", "SYR",
        "PSE",
    ];
    const LATAM: &[&str] = &[
        "ARG", "CHL", "COL", "CRI", "PER", "ECU", "GTM", "HND", "SLV", "NIC", "PAN", "DOM", "TTO",
        "JAM", "GUY", "URY", "PRY", "BOL", "HTI", "VEN", "CUB", "BHS", "BRB", "BLZ", "SUR",
    ];
    const AFRICA: &[&str] = &[
        "ZAF", "NGA", "EGY", "MAR", "DZA", "AGO", "CIV", "GHA", "KEN", "ETH", "MDG", "LSO", "TUN",
        "MUS", "GAB", "CMR", "COD", "SEN", "STP", "LBY", "TZA", "UGA", "MOZ", "ZMB", "NAM", "BWA",
        "GNQ", "COG", "TCD", "ZWE", "MWI", "SWZ",
    ];
    const NOT_MEMBERS: &[&str] = &[
        "USA", "CHN", "HKG", "MAC", "MEX", "CAN", "JPN", "KOR", "TWN", "VNM", "IND", "BRA", "GBR",
        "RUS", "IRN",
    ];
    if ASEAN.contains(&iso3) {
        Some("ASEAN_OTH")
    } else if MIDEAST.contains(&iso3) {
        Some("MIDEAST_TUR")
    } else if LATAM.contains(&iso3) {
        Some("LATAM_OTH")
    } else if AFRICA.contains(&iso3) {
        Some("AFRICA")
    } else if NOT_MEMBERS.contains(&iso3) || EU27.contains(&iso3) {
        None
    } else {
        Some("ROW")
    }
}

const EU27: &[&str] = &[
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
    "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP",
    "SWE",
];
