//! Unit tests of parsing: groups, names and missing cells, headers, mutated inputs.

use super::*;
use rand::{RngExt, SeedableRng};
use tariffsim_core::{RegionId, SectorId};

fn text<'a>(file: &'a str, text: &'a str) -> Text<'a> {
    Text { file, text }
}

#[test]
fn reads_groups_names_and_missing_cells_as_zero() {
    let flows = "exporter,importer,sector,value_usd,tariff\n\
                 USA,CHN,GOODS,100,0.25\nCHN,USA,GOODS,300,0.1\nVNM,USA,GOODS,5,0\n";
    let regions = "code,name,groups\nUSA,United States,\nCHN,China,ASIA\nVNM,Viet Nam,ASIA;ASEAN\n";
    let b = parse(
        Texts {
            flows: text("f.csv", flows),
            regions: Some(text("r.csv", regions)),
            sectors: None,
            provenance: None,
            members: None,
        },
        "mine",
    )
    .unwrap();
    assert_eq!(b.regions().regions()[1].name, "China");
    let [usa, chn, vnm] = ["USA", "CHN", "VNM"].map(|c| b.regions().require(c).unwrap());
    assert_eq!(b.regions().group("ASIA").unwrap().members, vec![chn, vnm]);
    assert_eq!(b.regions().group("ASEAN").unwrap().members, vec![vnm]);
    let s0 = SectorId::from_index(0);
    assert!((b.flow(chn, usa, s0) - 300.0).abs() < 1e-12);
    assert!((b.tariff(usa, chn, s0) - 0.25).abs() < 1e-12);
    assert!(b.flow(chn, vnm, s0).abs() < 1e-300 && b.tariff(chn, vnm, s0).abs() < 1e-300);
    assert!(!b.has_domestic());
    assert_eq!(b.provenance().name, "mine");
}

#[test]
fn header_order_and_case_do_not_matter_but_unknown_columns_do() {
    let flows = "Value_USD,Sector,Importer,Exporter\n7,GOODS,USA,CHN\n";
    let b = parse(
        Texts {
            flows: text("f.csv", flows),
            regions: None,
            sectors: None,
            provenance: None,
            members: None,
        },
        "x",
    )
    .unwrap();
    // Codes in order of first appearance, exporter before importer.
    let [first, second] = [0, 1].map(RegionId::from_index);
    assert_eq!(b.regions().code(first), "CHN");
    assert!((b.flow(first, second, SectorId::from_index(0)) - 7.0).abs() < 1e-12);
    let bad = parse(
        Texts {
            flows: text(
                "f.csv",
                "exporter,importer,sector,value_usd,cost
A,B,S,1,2
",
            ),
            regions: None,
            sectors: None,
            provenance: None,
            members: None,
        },
        "x",
    )
    .unwrap_err()
    .to_string();
    assert!(bad.starts_with("f.csv:1: unknown column `cost`"), "{bad}");
}

/// Random byte edits of a valid file give `Ok` or a clean error, never a panic.
#[test]
fn mutated_inputs_never_panic() {
    let base = "exporter,importer,sector,value_usd,tariff\nUSA,USA,GOODS,10,0\nCHN,CHN,GOODS,9,0\n\
                USA,CHN,GOODS,1e9,0.2\nCHN,USA,GOODS,3.5e9,0.1\n";
    let alphabet = b",\n\"-.e0123456789AZ_ #x";
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    for _ in 0..1500 {
        let mut bytes = base.as_bytes().to_vec();
        for _ in 0..rng.random_range(1..4) {
            let k = rng.random_range(0..bytes.len());
            match rng.random_range(0..3) {
                0 => bytes[k] = alphabet[rng.random_range(0..alphabet.len())],
                1 => {
                    bytes.remove(k);
                }
                _ => bytes.insert(k, alphabet[rng.random_range(0..alphabet.len())]),
            }
        }
        let t = String::from_utf8_lossy(&bytes).into_owned();
        let _ = parse(
            Texts {
                flows: text("m.csv", &t),
                regions: None,
                sectors: None,
                provenance: None,
                members: None,
            },
            "m",
        );
        let _ = crate::baci::parse(
            crate::baci::Input {
                file: "b.csv",
                text: &t,
            },
            crate::baci::Input {
                file: "map.csv",
                text: "code,region\n1,A\n2,B\n",
            },
        );
    }
}
