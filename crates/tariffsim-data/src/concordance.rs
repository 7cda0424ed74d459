//! tariffsim's goods sectors: the 13 of BACI baselines and of the `coarse13` grouping, the HS →
//! sector concordance used for BACI (and any HS6 data), and the 22 sectors of `world2024`
//! ([`FINE_SECTORS`]) with the ICIO industries and GTAP sectors each one holds.
//!
//! The sectors are the `agg_sector` groups of the OECD ICIO sector map (ISIC Rev.4 divisions).
//! HS products are assigned by chapter, with heading-level exceptions where a chapter spans two
//! ISIC divisions:
//!
//! | sector | HS |
//! | --- | --- |
//! | AGRI_FOOD | ch. 01–24 |
//! | ENERGY_MINING | ch. 25–27 (salt, stone, ores, fuels) |
//! | CHEM_PLASTICS | ch. 28–29, 31–40 |
//! | PHARMA | ch. 30 |
//! | TEXTILE_APPAREL | ch. 41–43 (leather), 50–67 (textiles, apparel, footwear, headgear) |
//! | WOOD_PAPER | ch. 44–49 |
//! | METALS_MINERALS | ch. 68–83 (stone, ceramics, glass, precious metals, base metals) |
//! | MACHINERY | ch. 84 except 8471, 8473 |
//! | ELECTRONICS | 8471, 8473 (computers), 8517–8529, 8540–8542 (telecom, AV, semiconductors, solar cells 854142/854143), ch. 90–91 (instruments, clocks) |
//! | ELECTRICAL_EQUIP | ch. 85 other headings (motors, batteries 8506–8507, appliances, wiring) |
//! | MOTOR_VEHICLES | ch. 87 except 8711–8714 |
//! | OTHER_TRANSPORT | ch. 86, 88, 89; 8711–8714 (motorcycles, bicycles) |
//! | OTHER_MFG | ch. 92–97 (instruments, arms, furniture, toys, miscellaneous, art) |
//!
//! Chapters 77 (reserved), 98, 99 (special national provisions) and 00 have no sector.
//! Approximations: cement (2523) stays in ENERGY_MINING with its chapter; jewellery (7113) is in
//! METALS_MINERALS with precious metals; medical instruments (ch. 90) are in ELECTRONICS.

/// The 13 goods sectors of BACI baselines and of the `coarse13` grouping (`world2024` until
/// 2024.7): (code, name, description).
pub const GOODS_SECTORS: &[(&str, &str, &str)] = &[
    (
        "AGRI_FOOD",
        "Agriculture and food",
        "crops, livestock, forestry, fishing; food, beverages and tobacco (ISIC A01-A03, C10-C12)",
    ),
    (
        "ENERGY_MINING",
        "Energy and mining",
        "coal, crude oil and gas, metal ores, quarrying; coke and refined petroleum (ISIC B05-B09, C19)",
    ),
    (
        "TEXTILE_APPAREL",
        "Textiles and apparel",
        "textiles, wearing apparel, leather and footwear (ISIC C13-C15)",
    ),
    (
        "WOOD_PAPER",
        "Wood and paper",
        "wood products, paper, printing (ISIC C16-C18)",
    ),
    (
        "CHEM_PLASTICS",
        "Chemicals and plastics",
        "chemicals, fertilisers, rubber and plastic products (ISIC C20, C22)",
    ),
    (
        "PHARMA",
        "Pharmaceuticals",
        "pharmaceutical products and preparations (ISIC C21)",
    ),
    (
        "METALS_MINERALS",
        "Metals and minerals",
        "glass, ceramics, cement, iron and steel, non-ferrous metals, metal products (ISIC C23-C25)",
    ),
    (
        "ELECTRONICS",
        "Electronics",
        "computers, semiconductors, phones, instruments, solar cells (ISIC C26; solar cells are ISIC 2610)",
    ),
    (
        "ELECTRICAL_EQUIP",
        "Electrical equipment",
        "motors, wiring, appliances, Li-ion batteries (ISIC C27; batteries are ISIC 2720)",
    ),
    (
        "MACHINERY",
        "Machinery",
        "machinery and equipment n.e.c. (ISIC C28)",
    ),
    (
        "MOTOR_VEHICLES",
        "Motor vehicles",
        "cars, trucks, parts, electric vehicles (ISIC C29)",
    ),
    (
        "OTHER_TRANSPORT",
        "Other transport",
        "ships, rail, aircraft, motorcycles (ISIC C30)",
    ),
    (
        "OTHER_MFG",
        "Other manufacturing",
        "furniture, toys, jewellery, medical supplies, other (ISIC C31-C33)",
    ),
];

/// A goods sector of `world2024` (22 sectors, every OECD ICIO goods industry on its own except
/// where ICIO itself pools them): its code, name and description, the ICIO industries and GTAP-10
/// sectors it holds, and the sector or group of the 13-sector grouping ([`GOODS_SECTORS`],
/// `coarse13`) it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FineSector {
    /// Sector code, e.g. `IRON_STEEL`.
    pub code: &'static str,
    /// Short name.
    pub name: &'static str,
    /// What it holds, with its ISIC Rev.4 divisions.
    pub description: &'static str,
    /// OECD ICIO 2025-release industry codes (`../shared/data/oecd_icio2022_intermediate/sector_map.csv`).
    pub icio: &'static [&'static str],
    /// GTAP-10 sector codes (`../shared/data/us_imports_2024_gtap/gtap_sectors.csv`).
    pub gtap: &'static [&'static str],
    /// Its code in the 13-sector grouping (a sector of that grouping, or a group of this one).
    pub coarse13: &'static str,
}

const fn fine(
    code: &'static str,
    name: &'static str,
    description: &'static str,
    icio: &'static [&'static str],
    gtap: &'static [&'static str],
    coarse13: &'static str,
) -> FineSector {
    FineSector {
        code,
        name,
        description,
        icio,
        gtap,
        coarse13,
    }
}

/// The 22 goods sectors of `world2024` (from version 2024.8), in ICIO order. Eight keep the code
/// and content of [`GOODS_SECTORS`]; the five others of that list become groups of these
/// (`AGRI_FOOD`, `ENERGY_MINING`, `WOOD_PAPER`, `CHEM_PLASTICS`, `METALS_MINERALS`).
pub const FINE_SECTORS: &[FineSector] = &[
    fine(
        "AGRICULTURE",
        "Agriculture and forestry",
        "crops, livestock, forestry and logging (ISIC A01-A02)",
        &["A01", "A02"],
        &[
            "pdr", "wht", "gro", "v_f", "osd", "c_b", "pfb", "ocr", "ctl", "oap", "rmk", "wol",
            "frs",
        ],
        "AGRI_FOOD",
    ),
    fine(
        "FISHING",
        "Fishing",
        "fishing and aquaculture (ISIC A03)",
        &["A03"],
        &["fsh"],
        "AGRI_FOOD",
    ),
    fine(
        "ENERGY_EXTRACTION",
        "Coal, oil and gas",
        "coal, crude petroleum and natural gas (ISIC B05-B06)",
        &["B05", "B06"],
        &["coa", "oil", "gas"],
        "ENERGY_MINING",
    ),
    fine(
        "OTHER_MINING",
        "Other mining",
        "metal ores, stone, sand, other minerals, mining services (ISIC B07-B09)",
        &["B07", "B08", "B09"],
        &["oxt"],
        "ENERGY_MINING",
    ),
    fine(
        "FOOD",
        "Food, beverages and tobacco",
        "processed food, beverages and tobacco products (ISIC C10-C12)",
        &["C10T12"],
        &["cmt", "omt", "vol", "mil", "pcr", "sgr", "ofd", "b_t"],
        "AGRI_FOOD",
    ),
    fine(
        "TEXTILE_APPAREL",
        "Textiles and apparel",
        "textiles, wearing apparel, leather and footwear (ISIC C13-C15)",
        &["C13T15"],
        &["tex", "wap", "lea"],
        "TEXTILE_APPAREL",
    ),
    fine(
        "WOOD",
        "Wood products",
        "sawn wood, lumber, plywood, other wood and cork products (ISIC C16)",
        &["C16"],
        &["lum"],
        "WOOD_PAPER",
    ),
    fine(
        "PAPER",
        "Paper and printing",
        "pulp, paper, paper products, printing (ISIC C17-C18)",
        &["C17_18"],
        &["ppp"],
        "WOOD_PAPER",
    ),
    fine(
        "PETROLEUM",
        "Refined petroleum",
        "coke and refined petroleum products (ISIC C19)",
        &["C19"],
        &["p_c"],
        "ENERGY_MINING",
    ),
    fine(
        "CHEMICALS",
        "Chemicals",
        "basic chemicals, fertilisers, plastics in primary forms, other chemical products (ISIC C20)",
        &["C20"],
        &["chm"],
        "CHEM_PLASTICS",
    ),
    fine(
        "PHARMA",
        "Pharmaceuticals",
        "pharmaceutical products and preparations (ISIC C21)",
        &["C21"],
        &["bph"],
        "PHARMA",
    ),
    fine(
        "RUBBER_PLASTICS",
        "Rubber and plastic products",
        "tyres, rubber and plastic products (ISIC C22)",
        &["C22"],
        &["rpp"],
        "CHEM_PLASTICS",
    ),
    fine(
        "NONMETALLIC_MINERALS",
        "Non-metallic mineral products",
        "glass, ceramics, cement, stone products (ISIC C23)",
        &["C23"],
        &["nmm"],
        "METALS_MINERALS",
    ),
    fine(
        "IRON_STEEL",
        "Iron and steel",
        "basic iron and steel (ISIC C24 ferrous: 241, 2431)",
        &["C24A"],
        &["i_s"],
        "METALS_MINERALS",
    ),
    fine(
        "NONFERROUS_METALS",
        "Non-ferrous metals",
        "aluminium, copper, precious and other non-ferrous metals (ISIC C24 non-ferrous: 242, 2432)",
        &["C24B"],
        &["nfm"],
        "METALS_MINERALS",
    ),
    fine(
        "FABRICATED_METALS",
        "Fabricated metal products",
        "structural metal products, tools, cutlery, other metal products (ISIC C25)",
        &["C25"],
        &["fmp"],
        "METALS_MINERALS",
    ),
    fine(
        "ELECTRONICS",
        "Electronics",
        "computers, semiconductors, phones, instruments, solar cells (ISIC C26; solar cells are ISIC 2610)",
        &["C26"],
        &["ele"],
        "ELECTRONICS",
    ),
    fine(
        "ELECTRICAL_EQUIP",
        "Electrical equipment",
        "motors, wiring, appliances, Li-ion batteries (ISIC C27; batteries are ISIC 2720)",
        &["C27"],
        &["eeq"],
        "ELECTRICAL_EQUIP",
    ),
    fine(
        "MACHINERY",
        "Machinery",
        "machinery and equipment n.e.c. (ISIC C28)",
        &["C28"],
        &["ome"],
        "MACHINERY",
    ),
    fine(
        "MOTOR_VEHICLES",
        "Motor vehicles",
        "cars, trucks, parts, electric vehicles (ISIC C29)",
        &["C29"],
        &["mvh"],
        "MOTOR_VEHICLES",
    ),
    fine(
        "OTHER_TRANSPORT",
        "Other transport",
        "ships, rail, aircraft, motorcycles (ISIC C30)",
        &["C301", "C302T309"],
        &["otn"],
        "OTHER_TRANSPORT",
    ),
    fine(
        "OTHER_MFG",
        "Other manufacturing",
        "furniture, toys, jewellery, medical supplies, other (ISIC C31-C33)",
        &["C31T33"],
        &["omf"],
        "OTHER_MFG",
    ),
];

/// Named groups of [`FINE_SECTORS`] beside the `coarse13` parents: the metals of the US
/// Section 232 steel and aluminium duties.
pub const FINE_SECTOR_EXTRA_GROUPS: &[(&str, &[&str])] =
    &[("BASE_METALS", &["IRON_STEEL", "NONFERROUS_METALS"])];

/// The partner columns of the Census 2024 US imports table by GTAP sector
/// (`../shared/data/us_imports_2024_gtap/us_imports_2024_by_gtap_partner_usd.csv`, consumption
/// imports) that are single `world2024` regions: (column, region, Census 2024 *general* imports in
/// USD bn where the baseline follows them instead — CALIBRATION_2024.md for China, Mexico and the
/// EU, the Census as reported for Canada; the UK and Japan stay on the consumption basis).
pub const CENSUS_PARTNER_GROUPS: &[(&str, &str, Option<f64>)] = &[
    ("china", "CHN", Some(438.9)),
    ("canada", "CAN", Some(412.7)),
    ("mexico", "MEX", Some(505.9)),
    ("uk", "GBR", None),
    ("japan", "JPN", None),
    ("eu", "EU27", Some(605.8)),
];

/// The fine sector of a GTAP-10 code (`None` for non-goods such as `ely`).
#[must_use]
pub fn gtap_fine_sector(gtap: &str) -> Option<&'static str> {
    FINE_SECTORS
        .iter()
        .find(|f| f.gtap.contains(&gtap))
        .map(|f| f.code)
}

/// The fine sector of an OECD ICIO industry code (`None` for services).
#[must_use]
pub fn icio_fine_sector(icio: &str) -> Option<&'static str> {
    FINE_SECTORS
        .iter()
        .find(|f| f.icio.contains(&icio))
        .map(|f| f.code)
}

/// The sector of an HS product code (2 to 6 digits; shorter codes with a dropped leading zero
/// are not accepted here: pad them first). `None` for codes without a goods sector.
#[must_use]
pub fn hs_sector(hs: &str) -> Option<&'static str> {
    if hs.len() < 2 || !hs.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let chapter: u32 = hs[..2].parse().ok()?;
    let heading: Option<u32> = hs.get(..4).and_then(|h| h.parse().ok());
    let in_headings = |lo: u32, hi: u32| heading.is_some_and(|h| (lo..=hi).contains(&h));
    Some(match chapter {
        1..=24 => "AGRI_FOOD",
        25..=27 => "ENERGY_MINING",
        28 | 29 | 31..=40 => "CHEM_PLASTICS",
        30 => "PHARMA",
        41..=43 | 50..=67 => "TEXTILE_APPAREL",
        44..=49 => "WOOD_PAPER",
        68..=76 | 78..=83 => "METALS_MINERALS",
        84 if in_headings(8471, 8471) || in_headings(8473, 8473) => "ELECTRONICS",
        84 => "MACHINERY",
        85 if in_headings(8517, 8529) || in_headings(8540, 8542) => "ELECTRONICS",
        85 => "ELECTRICAL_EQUIP",
        86 | 88 | 89 => "OTHER_TRANSPORT",
        87 if in_headings(8711, 8714) => "OTHER_TRANSPORT",
        87 => "MOTOR_VEHICLES",
        90 | 91 => "ELECTRONICS",
        92..=97 => "OTHER_MFG",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fine_sectors_refine_the_thirteen() {
        assert_eq!(FINE_SECTORS.len(), 22);
        // Every coarse13 code is either a fine sector of the same code or a group of several.
        for (code, _, _) in GOODS_SECTORS {
            let members: Vec<&str> = FINE_SECTORS
                .iter()
                .filter(|f| f.coarse13 == *code)
                .map(|f| f.code)
                .collect();
            assert!(!members.is_empty(), "{code}");
            assert_eq!(
                members.len() == 1,
                members == [*code],
                "{code}: {members:?}"
            );
        }
        // Each GTAP goods sector and each ICIO goods industry in exactly one fine sector.
        let mut gtap: Vec<&str> = FINE_SECTORS
            .iter()
            .flat_map(|f| f.gtap.iter().copied())
            .collect();
        let mut icio: Vec<&str> = FINE_SECTORS
            .iter()
            .flat_map(|f| f.icio.iter().copied())
            .collect();
        let (ng, ni) = (gtap.len(), icio.len());
        gtap.sort_unstable();
        gtap.dedup();
        icio.sort_unstable();
        icio.dedup();
        assert_eq!((gtap.len(), icio.len()), (ng, ni));
        assert_eq!((ng, ni), (45, 27));
        assert_eq!(gtap_fine_sector("i_s"), Some("IRON_STEEL"));
        assert_eq!(gtap_fine_sector("ely"), None);
        assert_eq!(icio_fine_sector("C24B"), Some("NONFERROUS_METALS"));
        assert_eq!(icio_fine_sector("D"), None);
    }

    #[test]
    fn chapters_and_exceptions() {
        assert_eq!(hs_sector("010121"), Some("AGRI_FOOD"));
        assert_eq!(hs_sector("270900"), Some("ENERGY_MINING"));
        assert_eq!(hs_sector("300490"), Some("PHARMA"));
        assert_eq!(hs_sector("847130"), Some("ELECTRONICS"));
        assert_eq!(hs_sector("847989"), Some("MACHINERY"));
        assert_eq!(hs_sector("854143"), Some("ELECTRONICS")); // solar modules
        assert_eq!(hs_sector("850760"), Some("ELECTRICAL_EQUIP")); // Li-ion batteries
        assert_eq!(hs_sector("870380"), Some("MOTOR_VEHICLES")); // electric cars
        assert_eq!(hs_sector("871200"), Some("OTHER_TRANSPORT")); // bicycles
        assert_eq!(hs_sector("940360"), Some("OTHER_MFG"));
        for bad in ["990000", "980100", "770000", "000000", "x1", "1"] {
            assert_eq!(hs_sector(bad), None, "{bad}");
        }
        // Every chapter 01-97 except 77 has a sector, and every sector is reachable.
        for ch in 1..=97u32 {
            let code = format!("{ch:02}0000");
            assert_eq!(hs_sector(&code).is_some(), ch != 77, "{code}");
        }
        for (code, _, _) in GOODS_SECTORS {
            let reachable = (1..=97u32).any(|ch| {
                (0..100u32).any(|h| hs_sector(&format!("{ch:02}{h:02}00")) == Some(code))
            });
            assert!(reachable, "{code}");
        }
    }
}
