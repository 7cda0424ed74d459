//! Default elasticity priors, as plain data with their sources. No sampling here: the runner
//! samples from these.
//!
//! - `sigma` (substitution between import sources, per sector): lognormal. Each sector's
//!   5–95% band spans the two largest stored estimate families: the Broda & Weinstein (2006) US
//!   median (usually the low end; BW = median of the US HTS-10 sigmas of all lines of the
//!   sector's GTAP sectors, pooled) and the Fontagné, Guimbard & Orefice (2022) tariff-based
//!   estimate (`sigma = 1 − epsilon`, epsilon weighted over the GTAP sectors by 2024 US imports;
//!   usually the high end). Median = their geometric mean (1 decimal); log-sd =
//!   `|ln(FGO/BW)| / 3.29`, floored at 0.25 (2 decimals). Two sets of codes:
//!   - the 13 group codes (`AGRI_FOOD`, `ENERGY_MINING`, `WOOD_PAPER`, `CHEM_PLASTICS`,
//!     `METALS_MINERALS` and eight that are also sectors of `world2024`): the medians and log-sds
//!     of `ELASTICITIES.md` §1 (shared data folder `trade_elasticities/`), used by BACI
//!     baselines and the coarse 13-sector grouping. `WOOD_PAPER` keeps that file's 5.2 although
//!     the geometric mean is 5.15 (2 decimals), 5.1 at one decimal;
//!   - the 14 finer codes of the 22 sectors of `world2024` 2024.8 (OECD ICIO goods industries:
//!     `AGRICULTURE` … `FABRICATED_METALS`), derived the same way by
//!     `crates/tariffsim-data/tools/derive_sigma_priors.py`, which also reproduces the 13. A code
//!     with fewer than 10 BW lines takes its group's BW: only `ENERGY_EXTRACTION` (coal, crude
//!     oil, gas: 6 lines) does, BW 3.18 of `ENERGY_MINING`. `PETROLEUM` is the one sector where
//!     BW (6.7) is above FGO (4.6). Table and sources: `docs/elasticity-sources.md`, "Sigma by
//!     the 22 sectors of world2024 (2024.8)".
//! - `sigma_d` (domestic good vs import composite, the upper nest of the two-level `armington`):
//!   lognormal, median `max(1.2, sigma/2)`, log-sd 0.35 — GTAP's "rule of two"
//!   (`ESUBD = ESUBM / 2`, Hertel et al. 2007; verified as GTAP practice in the sources of
//!   `docs/elasticity-sources.md` §2) applied to this crate's `sigma` medians, not GTAP's own
//!   levels (GTAP's `ESUBM` sit above the stored estimates, e.g. electronics 8.8 vs 3.6). The
//!   floor keeps the lower tail near the macro home–foreign elasticity of about 1 (Feenstra,
//!   Luck, Obstfeld & Russ 2018); the upper tail (95% at ×1.8) reaches the meta-analytic median
//!   of 3.8 (Bajzik et al. 2020) for most sectors. Its score is correlated 0.5 with sigma's (an
//!   estimate: GTAP ties them exactly, separate estimates do not).
//! - `eta` in `armington-imports` (import demand): normal(−1.5, 0.5) truncated to [−3, −0.5];
//!   the import-weighted magnitude of Kee, Nicita & Olarreaga (2008).
//! - `eta` in the two-level models (total demand for a sector's goods, domestic and imported):
//!   normal(−1, 0.3) truncated to [−2, −0.3]. Aggregate price elasticities are "close to −1"
//!   (Gagnon 2003, FRB IFDP 754); an estimate, marked as such — no stored source gives a
//!   sector-level total-demand elasticity.
//! - `eps` (export supply): lognormal, median 10, log-sd 0.8 — highly elastic supply, i.e. near
//!   complete pass-through of tariffs to importers as found for the 2018–19 US tariffs
//!   (Fajgelbaum et al. 2020; Amiti, Redding & Weinstein 2019).
//!
//! ```
//! use tariffsim_data::priors;
//! let p = priors::sigma_prior("ELECTRONICS").unwrap();
//! assert!((p.median - 3.6).abs() < 1e-12);
//! assert!(priors::sigma_prior("SERVICES").is_none());
//! let b = tariffsim_data::synth::synthetic(3, 2, 1)?;
//! let e = priors::central_elasticities(&b, tariffsim_core::Model::Armington)?; // unknown sectors get sigma = 4
//! let (first, sector) = (b.regions().require("R001")?, b.sectors().require("S001")?);
//! assert!((e.sigma(first, sector) - priors::DEFAULT_SIGMA).abs() < 1e-12);
//! # Ok::<(), tariffsim_data::DataError>(())
//! ```
//!
//! - Horizon presets ([`horizon_scale`]): the priors above are long-run (tariff-based,
//!   cross-sectional) values. One year after a change the tariff trade elasticity is about 0.4 of
//!   its long-run value — −0.76 vs −1.75 to −2.25 (Boehm, Levchenko & Pandalai-Nayar 2023),
//!   −1.4 vs −3.7 for the 2018 US tariffs (Tamberi 2025), long/short 2.3–3.4 (Khan &
//!   Khederlarian 2021), long-run domestic-vs-import elasticities "approximately two times" the
//!   short-run ones (Gallaway, McDaniel & Rivera 2003) — so `short` scales `sigma − 1` (both
//!   nests) by 0.4; `medium` (about three years) by 0.7, between a five-year half-life of the gap
//!   (NBER w33568) and the 15-month stabilisation Tamberi finds. `eta` and `eps` scale by 0.5
//!   (short) and 0.8 (medium): short-run aggregate import price elasticities are 0.12–0.51 where
//!   the long run is 1 in the EU QUEST II model; the supply scaling is a judgement (short-run
//!   capacity limits), an estimate. Quotes and locations: `docs/elasticity-sources.md`.
//!
//! # References
//! - Broda, C. & Weinstein, D. (2006), "Globalization and the Gains from Variety", *QJE* 121(2).
//! - Fontagné, L., Guimbard, H. & Orefice, G. (2022), "Tariff-based product-level trade
//!   elasticities", *Journal of International Economics* 137, 103593.
//! - Kee, H. L., Nicita, A. & Olarreaga, M. (2008), "Import Demand Elasticities and Trade
//!   Distortions", *Review of Economics and Statistics* 90(4), 666–682.
//! - Fajgelbaum, P., Goldberg, P., Kennedy, P. & Khandelwal, A. (2020), "The Return to
//!   Protectionism", *QJE* 135(1), 1–55.
//! - Hertel, T., Hummels, D., Ivanic, M. & Keeney, R. (2007), "How confident can we be of
//!   CGE-based assessments of Free Trade Agreements?", *Economic Modelling* 24(4), 611–635.
//! - Boehm, C., Levchenko, A. & Pandalai-Nayar, N. (2023), "The Long and Short (Run) of Trade
//!   Elasticities", *American Economic Review* 113(4), 861–905.
//! - Feenstra, R., Luck, P., Obstfeld, M. & Russ, K. (2018), "In Search of the Armington
//!   Elasticity", *Review of Economics and Statistics* 100(1), 135–150.
//! - Bajzik, J., Havranek, T., Irsova, Z. & Schwarz, J. (2020), "Estimating the Armington
//!   elasticity: The importance of study design and publication bias", *JIE* 127, 103383.
//! - Gallaway, M., McDaniel, C. & Rivera, S. (2003), "Short-run and long-run industry-level
//!   estimates of U.S. Armington elasticities", *North American Journal of Economics and
//!   Finance* 14(1), 49–68.
//! - Khan, S. & Khederlarian, A. (2021), "How does trade respond to anticipated tariff
//!   changes? Evidence from NAFTA", *JIE* 133, 103538.
//! - Tamberi, N. (2025), "The dynamics of the trade elasticity: evidence from the 2018 US trade
//!   war", CITP Working Paper 027.
//! - Gagnon, J. (2003), "Long-run supply effects and the elasticities approach to trade", FRB
//!   International Finance Discussion Paper 754.
//! - Amiti, M., Redding, S. & Weinstein, D. (2019), "The Impact of the 2018 Tariffs on Prices and
//!   Welfare", *Journal of Economic Perspectives* 33(4), 187–210.

use crate::error::Result;
use tariffsim_core::{
    Baseline, Elasticities, Eps, Eta, Horizon, HorizonScale, Model, Sigma, SigmaD, SupplyScope,
};

/// A lognormal prior: `ln x ~ Normal(ln median, log_sd)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormalPrior {
    /// Median of `x`.
    pub median: f64,
    /// Standard deviation of `ln x`.
    pub log_sd: f64,
}

/// A normal prior truncated to `[lower, upper]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruncatedNormalPrior {
    /// Mean of the untruncated normal.
    pub mean: f64,
    /// Standard deviation of the untruncated normal.
    pub sd: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

/// `sigma` priors by sector code: the 13 group codes (`ELASTICITIES.md` §1; BACI baselines and
/// the coarse 13-sector grouping) and the 14 finer codes of the 22 goods sectors of `world2024`
/// 2024.8 (`tools/derive_sigma_priors.py`); the 8 codes the two sets share appear once.
pub const SIGMA_PRIORS: &[(&str, LogNormalPrior)] = &[
    (
        "AGRI_FOOD",
        LogNormalPrior {
            median: 4.5,
            log_sd: 0.25,
        },
    ),
    (
        "ENERGY_MINING",
        LogNormalPrior {
            median: 5.5,
            log_sd: 0.33,
        },
    ),
    (
        "TEXTILE_APPAREL",
        LogNormalPrior {
            median: 4.6,
            log_sd: 0.25,
        },
    ),
    (
        "WOOD_PAPER",
        LogNormalPrior {
            median: 5.2,
            log_sd: 0.37,
        },
    ),
    (
        "CHEM_PLASTICS",
        LogNormalPrior {
            median: 4.9,
            log_sd: 0.34,
        },
    ),
    (
        "PHARMA",
        LogNormalPrior {
            median: 5.0,
            log_sd: 0.35,
        },
    ),
    (
        "METALS_MINERALS",
        LogNormalPrior {
            median: 5.1,
            log_sd: 0.29,
        },
    ),
    (
        "ELECTRONICS",
        LogNormalPrior {
            median: 3.6,
            log_sd: 0.33,
        },
    ),
    (
        "ELECTRICAL_EQUIP",
        LogNormalPrior {
            median: 3.6,
            log_sd: 0.28,
        },
    ),
    (
        "MACHINERY",
        LogNormalPrior {
            median: 3.8,
            log_sd: 0.25,
        },
    ),
    (
        "MOTOR_VEHICLES",
        LogNormalPrior {
            median: 5.8,
            log_sd: 0.33,
        },
    ),
    (
        "OTHER_TRANSPORT",
        LogNormalPrior {
            median: 5.3,
            log_sd: 0.33,
        },
    ),
    (
        "OTHER_MFG",
        LogNormalPrior {
            median: 3.7,
            log_sd: 0.29,
        },
    ),
    // The 14 finer codes of world2024's 22 sectors (tools/derive_sigma_priors.py).
    (
        "AGRICULTURE",
        LogNormalPrior {
            median: 3.9,
            log_sd: 0.25,
        },
    ),
    (
        "FISHING",
        LogNormalPrior {
            median: 5.9,
            log_sd: 0.25,
        },
    ),
    (
        "ENERGY_EXTRACTION",
        LogNormalPrior {
            median: 6.1,
            log_sd: 0.40,
        },
    ),
    (
        "OTHER_MINING",
        LogNormalPrior {
            median: 4.9,
            log_sd: 0.38,
        },
    ),
    (
        "FOOD",
        LogNormalPrior {
            median: 4.7,
            log_sd: 0.25,
        },
    ),
    (
        "WOOD",
        LogNormalPrior {
            median: 5.3,
            log_sd: 0.36,
        },
    ),
    (
        "PAPER",
        LogNormalPrior {
            median: 5.1,
            log_sd: 0.36,
        },
    ),
    (
        "PETROLEUM",
        LogNormalPrior {
            median: 5.6,
            log_sd: 0.25,
        },
    ),
    (
        "CHEMICALS",
        LogNormalPrior {
            median: 5.0,
            log_sd: 0.35,
        },
    ),
    (
        "RUBBER_PLASTICS",
        LogNormalPrior {
            median: 4.6,
            log_sd: 0.33,
        },
    ),
    (
        "NONMETALLIC_MINERALS",
        LogNormalPrior {
            median: 3.6,
            log_sd: 0.29,
        },
    ),
    (
        "IRON_STEEL",
        LogNormalPrior {
            median: 4.4,
            log_sd: 0.25,
        },
    ),
    (
        "NONFERROUS_METALS",
        LogNormalPrior {
            median: 7.5,
            log_sd: 0.40,
        },
    ),
    (
        "FABRICATED_METALS",
        LogNormalPrior {
            median: 3.5,
            log_sd: 0.25,
        },
    ),
];

/// `sigma` for a sector without a prior (the order of the pooled BGW median 3.39 and the
/// structural-gravity trade elasticity of about 4–5, Head & Mayer 2014).
pub const DEFAULT_SIGMA: f64 = 4.0;

/// Prior of `eta` in `armington-imports`, where it is the elasticity of *import* demand:
/// normal(−1.5, 0.5) truncated to [−3, −0.5] (Kee, Nicita & Olarreaga 2008).
pub const ETA_PRIOR: TruncatedNormalPrior = TruncatedNormalPrior {
    mean: -1.5,
    sd: 0.5,
    lower: -3.0,
    upper: -0.5,
};

/// Prior of `eps`: lognormal, median 10, log-sd 0.8 (Fajgelbaum et al. 2020; Amiti, Redding &
/// Weinstein 2019).
pub const EPS_PRIOR: LogNormalPrior = LogNormalPrior {
    median: 10.0,
    log_sd: 0.8,
};

/// Prior of `eta` in the two-level models (`armington`, `gsim-linear`), where it is the
/// elasticity of *total* demand for a sector's goods, domestic and imported together: see the
/// module docs for its source.
pub const TOTAL_ETA_PRIOR: TruncatedNormalPrior = TruncatedNormalPrior {
    mean: -1.0,
    sd: 0.3,
    lower: -2.0,
    upper: -0.3,
};

/// Log-sd of the `sigma_d` prior (ELASTICITIES.md §1: "median = max(1.2, sigma_M/2), log-SD
/// 0.35").
pub const SIGMA_D_LOG_SD: f64 = 0.35;

/// Smallest `sigma_d` median: the short-run macro (home vs foreign) elasticity is near 1
/// (Feenstra, Luck, Obstfeld & Russ 2018), and the lower tail should stay near it.
pub const SIGMA_D_MIN_MEDIAN: f64 = 1.2;

/// Correlation, within a sector, between the normal scores of `sigma_d` and `sigma`. GTAP ties
/// them exactly (`ESUBD = ESUBM / 2`); estimates made separately (Feenstra et al. 2018) move
/// them together but not one for one: 0.5 is a judgement between the two, an estimate.
pub const NEST_CORRELATION: f64 = 0.5;

/// The `sigma_d` prior of a sector: GTAP's "rule of two" on the sector's `sigma` median
/// (`ESUBD = ESUBM / 2`, Hertel, Hummels, Ivanic & Keeney 2007), floored at
/// [`SIGMA_D_MIN_MEDIAN`], log-sd [`SIGMA_D_LOG_SD`].
#[must_use]
pub fn sigma_d_prior(sector_code: &str) -> LogNormalPrior {
    let sigma = sigma_prior(sector_code).map_or(DEFAULT_SIGMA, |p| p.median);
    LogNormalPrior {
        median: (0.5 * sigma).max(SIGMA_D_MIN_MEDIAN),
        log_sd: SIGMA_D_LOG_SD,
    }
}

/// The `eta` prior a model reads: import demand for `armington-imports`, total demand for the
/// two-level models (the general-equilibrium models do not read `eta`).
#[must_use]
pub fn eta_prior(model: Model) -> TruncatedNormalPrior {
    match model {
        Model::ArmingtonImports => ETA_PRIOR,
        _ => TOTAL_ETA_PRIOR,
    }
}

/// Multipliers that carry the default (long-run) elasticities to a horizon; see the module docs
/// for the sources.
#[must_use]
pub fn horizon_scale(horizon: Horizon) -> HorizonScale {
    match horizon {
        Horizon::Short => HorizonScale {
            sigma: 0.4,
            eta: 0.5,
            eps: 0.5,
        },
        Horizon::Medium => HorizonScale {
            sigma: 0.7,
            eta: 0.8,
            eps: 0.8,
        },
        Horizon::Long => HorizonScale::ONE,
    }
}

/// The `sigma` prior of a sector code, if the sector has one.
#[must_use]
pub fn sigma_prior(sector_code: &str) -> Option<LogNormalPrior> {
    SIGMA_PRIORS
        .iter()
        .find(|(code, _)| *code == sector_code)
        .map(|(_, p)| *p)
}

/// Central (long-run) elasticities of `model` for a baseline: `sigma` = the sector's prior
/// median (or [`DEFAULT_SIGMA`]), `sigma_d` its [`sigma_d_prior`] median, `eta` the mean of
/// [`eta_prior`] and `eps` = 10 everywhere.
pub fn central_elasticities(baseline: &Baseline, model: Model) -> Result<Elasticities> {
    let n = baseline.n_regions();
    let s_count = baseline.n_sectors();
    let mut sigma = Vec::with_capacity(n * s_count);
    let mut sigma_d = Vec::with_capacity(n * s_count);
    for s in baseline.sectors().ids() {
        let code = baseline.sectors().code(s);
        let median = Sigma::new(sigma_prior(code).map_or(DEFAULT_SIGMA, |p| p.median))?;
        sigma.extend(std::iter::repeat_n(median, n));
        sigma_d.extend(std::iter::repeat_n(
            SigmaD::new(sigma_d_prior(code).median)?,
            n,
        ));
    }
    Ok(Elasticities::new(
        n,
        s_count,
        sigma,
        vec![Eta::new(eta_prior(model).mean)?; n * s_count],
        vec![Eps::new(EPS_PRIOR.median)?; n * s_count],
    )?
    .with_sigma_d(sigma_d)?
    .with_supply(default_supply(model)))
}

/// Which sales an exporter's supply curve covers unless a scenario says otherwise
/// (`[elasticities] supply`): export sales only, home sales at an unchanged producer price
/// ([`SupplyScope::Exports`]). Chinese exporters' home sales "barely changed" after the 2018 US
/// tariffs while their lost US sales were partly made up in the EU (Jiao et al. 2024), and the
/// tariffed products were deflected to third markets (Shen, Wang & Xu 2020); one supply curve over
/// all sales lets China's home market, 47 times its US sales, absorb the output instead, and
/// deflects next to nothing (`docs/elasticity-sources.md`, "Supply scope").
pub const DEFAULT_SUPPLY: SupplyScope = SupplyScope::Exports;

/// The supply scope of `model` unless a scenario says otherwise: [`DEFAULT_SUPPLY`], except
/// `gsim-linear`, whose job is GSIM's published system (one supply curve over every sale, as in
/// Francois & Hall's worked example), so it keeps [`SupplyScope::AllSales`].
#[must_use]
pub fn default_supply(model: Model) -> SupplyScope {
    match model {
        Model::GsimLinear => SupplyScope::AllSales,
        _ => DEFAULT_SUPPLY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supply_scope_defaults() {
        assert_eq!(default_supply(Model::Armington), SupplyScope::Exports);
        assert_eq!(default_supply(Model::GsimLinear), SupplyScope::AllSales);
        assert_eq!(
            default_supply(Model::ArmingtonImports),
            SupplyScope::Exports
        );
    }

    #[test]
    fn sigma_d_follows_the_rule_of_two() {
        let d = sigma_d_prior("ELECTRONICS");
        assert!((d.median - 1.8).abs() < 1e-12);
        let d = sigma_d_prior("MOTOR_VEHICLES");
        assert!((d.median - 2.9).abs() < 1e-12);
        assert!((sigma_d_prior("NOT_A_SECTOR").median - 2.0).abs() < 1e-12);
    }

    #[test]
    fn horizons_are_ordered() {
        let (s, m, l) = (
            horizon_scale(Horizon::Short),
            horizon_scale(Horizon::Medium),
            horizon_scale(Horizon::Long),
        );
        assert_eq!(l, HorizonScale::ONE);
        assert!(s.sigma < m.sigma && m.sigma < l.sigma);
        assert!(s.eta < m.eta && s.eps < m.eps);
    }

    /// The 14 finer codes of `world2024`'s 22 sectors: `(code, BW, FGO, median, log_sd)`, BW =
    /// Broda–Weinstein US median sigma of the code's HTS-10 lines, FGO = `1 − epsilon` of
    /// Fontagné–Guimbard–Orefice (2022) weighted by 2024 US imports. Source: the output of
    /// `crates/tariffsim-data/tools/derive_sigma_priors.py` on the shared `trade_elasticities/`
    /// and `us_imports_2024_gtap/` files. `ENERGY_EXTRACTION` pools only 6 BW lines and takes
    /// the BW of its group `ENERGY_MINING` (3.177; its own lines give 4.612).
    const FINE_SECTOR_SOURCES: &[(&str, f64, f64, f64, f64)] = &[
        ("AGRICULTURE", 3.145, 4.857, 3.9, 0.25),
        ("FISHING", 4.482, 7.647, 5.9, 0.25),
        ("ENERGY_EXTRACTION", 3.177, 11.892, 6.1, 0.40),
        ("OTHER_MINING", 2.620, 9.277, 4.9, 0.38),
        ("FOOD", 4.299, 5.066, 4.7, 0.25),
        ("WOOD", 2.929, 9.686, 5.3, 0.36),
        ("PAPER", 2.803, 9.177, 5.1, 0.36),
        ("PETROLEUM", 6.725, 4.638, 5.6, 0.25),
        ("CHEMICALS", 2.807, 8.829, 5.0, 0.35),
        ("RUBBER_PLASTICS", 2.689, 8.037, 4.6, 0.33),
        ("NONMETALLIC_MINERALS", 2.224, 5.827, 3.6, 0.29),
        ("IRON_STEEL", 4.274, 4.449, 4.4, 0.25),
        ("NONFERROUS_METALS", 3.860, 14.387, 7.5, 0.40),
        ("FABRICATED_METALS", 2.346, 5.250, 3.5, 0.25),
    ];

    #[test]
    fn fine_sector_priors_follow_from_bw_and_fgo() {
        for &(code, bw, fgo, median, log_sd) in FINE_SECTOR_SOURCES {
            let p = sigma_prior(code).unwrap_or_else(|| panic!("{code} has no prior"));
            assert!((p.median - median).abs() < 1e-12, "{code}: {}", p.median);
            assert!((p.log_sd - log_sd).abs() < 1e-12, "{code}: {}", p.log_sd);
            // The same construction as ELASTICITIES.md section 1, rounded as there.
            let gmean = (bw * fgo).sqrt();
            let sd = ((fgo / bw).ln().abs() / 3.29).max(0.25);
            assert!(
                ((gmean * 10.0).round() / 10.0 - median).abs() < 1e-9,
                "{code}: {gmean}"
            );
            assert!(
                ((sd * 100.0).round() / 100.0 - log_sd).abs() < 1e-9,
                "{code}: {sd}"
            );
        }
    }

    #[test]
    fn fine_sector_medians_lie_between_bw_and_fgo() {
        for &(code, bw, fgo, _, _) in FINE_SECTOR_SOURCES {
            let m = sigma_prior(code).unwrap().median;
            assert!(
                bw.min(fgo) <= m && m <= bw.max(fgo),
                "{code}: {m} not in {bw}..{fgo}"
            );
        }
    }

    #[test]
    fn priors_match_elasticities_md() {
        assert_eq!(SIGMA_PRIORS.len(), 13 + FINE_SECTOR_SOURCES.len());
        for (i, (code, _)) in SIGMA_PRIORS.iter().enumerate() {
            assert!(
                SIGMA_PRIORS[..i].iter().all(|(c, _)| c != code),
                "{code} twice"
            );
        }
        for (code, p) in SIGMA_PRIORS {
            assert!(p.median > 1.0 && p.log_sd >= 0.25, "{code}");
        }
        // Spot checks against ELASTICITIES.md section 1 (5%-95% band = median * exp(±1.645 sd)).
        let e = sigma_prior("MOTOR_VEHICLES").unwrap();
        let p95 = e.median * (1.645 * e.log_sd).exp();
        assert!((p95 - 10.0).abs() < 0.1, "{p95}");
        let a = sigma_prior("AGRI_FOOD").unwrap();
        let p5 = a.median * (-1.645 * a.log_sd).exp();
        assert!((p5 - 3.0).abs() < 0.05, "{p5}");
    }
}
