//! tariffsim's 13 goods sectors and the HS → sector concordance used for BACI (and any HS6 data).
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

/// The 13 goods sectors: (code, name, description).
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
