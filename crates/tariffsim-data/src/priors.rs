//! Default elasticity priors, as plain data with their sources. No sampling here: the runner
//! samples from these.
//!
//! - `sigma` (substitution between import sources, per sector): lognormal with the medians and
//!   log-sds of `ELASTICITIES.md` §1 (shared data folder `trade_elasticities/`). Each sector's
//!   5–95% band spans the two largest stored estimate families: the Broda & Weinstein (2006) US
//!   median (low end) and the Fontagné, Guimbard & Orefice (2022) tariff-based estimate
//!   (`sigma = 1 − epsilon`, high end). Median = their geometric mean; log-sd =
//!   `|ln(FGO/BW)| / 3.29`, floored at 0.25.
//! - `eta` (composite import demand): normal(−1.5, 0.5) truncated to [−3, −0.5]; the
//!   import-weighted magnitude of Kee, Nicita & Olarreaga (2008).
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
//! let e = priors::central_elasticities(&b)?; // unknown sectors get sigma = 4
//! assert!((e.sigma(0, 0) - priors::DEFAULT_SIGMA).abs() < 1e-12);
//! # Ok::<(), tariffsim_data::DataError>(())
//! ```
//!
//! # References
//! - Broda, C. & Weinstein, D. (2006), "Globalization and the Gains from Variety", *QJE* 121(2).
//! - Fontagné, L., Guimbard, H. & Orefice, G. (2022), "Tariff-based product-level trade
//!   elasticities", *Journal of International Economics* 137, 103593.
//! - Kee, H. L., Nicita, A. & Olarreaga, M. (2008), "Import Demand Elasticities and Trade
//!   Distortions", *Review of Economics and Statistics* 90(4), 666–682.
//! - Fajgelbaum, P., Goldberg, P., Kennedy, P. & Khandelwal, A. (2020), "The Return to
//!   Protectionism", *QJE* 135(1), 1–55.
//! - Amiti, M., Redding, S. & Weinstein, D. (2019), "The Impact of the 2018 Tariffs on Prices and
//!   Welfare", *Journal of Economic Perspectives* 33(4), 187–210.

use crate::error::Result;
use tariffsim_core::{Baseline, Elasticities};

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

/// `sigma` priors by the 13 goods sectors of `world2024` (`ELASTICITIES.md` §1).
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
];

/// `sigma` for a sector without a prior (the order of the pooled BGW median 3.39 and the
/// structural-gravity trade elasticity of about 4–5, Head & Mayer 2014).
pub const DEFAULT_SIGMA: f64 = 4.0;

/// Prior of `eta`: normal(−1.5, 0.5) truncated to [−3, −0.5] (Kee, Nicita & Olarreaga 2008).
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

/// The `sigma` prior of a sector code, if the sector has one.
#[must_use]
pub fn sigma_prior(sector_code: &str) -> Option<LogNormalPrior> {
    SIGMA_PRIORS
        .iter()
        .find(|(code, _)| *code == sector_code)
        .map(|(_, p)| *p)
}

/// Central elasticities for a baseline: `sigma` = the sector's prior median (or
/// [`DEFAULT_SIGMA`]), `eta` = −1.5 and `eps` = 10 everywhere.
pub fn central_elasticities(baseline: &Baseline) -> Result<Elasticities> {
    let n = baseline.n_regions();
    let s_count = baseline.n_sectors();
    let mut sigma = Vec::with_capacity(n * s_count);
    for s in 0..s_count {
        let median = sigma_prior(baseline.sectors().code(s)).map_or(DEFAULT_SIGMA, |p| p.median);
        sigma.extend(std::iter::repeat_n(median, n));
    }
    Ok(Elasticities::new(
        n,
        s_count,
        sigma,
        vec![ETA_PRIOR.mean; n * s_count],
        vec![EPS_PRIOR.median; n * s_count],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priors_match_elasticities_md() {
        assert_eq!(SIGMA_PRIORS.len(), 13);
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
