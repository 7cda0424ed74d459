//! Monte Carlo settings and elasticity priors (`[monte_carlo]`, `[priors]`): parsed and validated
//! here, sampled by `tariffsim-runner`.

use serde::{Deserialize, Serialize};
use tariffsim_core::{RegionId, SectorId};

/// How draws are generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Sampler {
    /// Independent pseudo-random draws.
    #[default]
    Random,
    /// Latin hypercube.
    Lhs,
    /// Scrambled Sobol sequence.
    Sobol,
}

impl Sampler {
    /// Names as written in scenario files.
    pub const NAMES: &'static [&'static str] = &["random", "lhs", "sobol"];

    /// Parses a name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "random" => Some(Sampler::Random),
            "lhs" => Some(Sampler::Lhs),
            "sobol" => Some(Sampler::Sobol),
            _ => None,
        }
    }

    /// The name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Sampler::Random => "random",
            Sampler::Lhs => "lhs",
            Sampler::Sobol => "sobol",
        }
    }
}

/// `[monte_carlo]`: every key has a default (see [`MonteCarlo::default`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MonteCarlo {
    /// Number of draws, > 0 (default 1000).
    pub draws: u64,
    /// Master seed (default 0).
    pub seed: u64,
    /// Sampler (default random).
    pub sampler: Sampler,
    /// Largest share of failed draws for which a run still succeeds, in [0, 1] (default 0.01).
    pub max_failure_rate: f64,
    /// Share of each elasticity's log-variance from one factor common to all sectors, in [0, 1)
    /// (default 0: independent sectors).
    pub correlation: f64,
}

impl Default for MonteCarlo {
    fn default() -> Self {
        Self {
            draws: 1000,
            seed: 0,
            sampler: Sampler::Random,
            max_failure_rate: 0.01,
            correlation: 0.0,
        }
    }
}

/// A prior distribution. Parameters are validated (see each variant) and the support lies in the
/// family's domain.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase")]
pub enum Dist {
    /// `exp(N(ln median, log_sd^2))`: median > 0, log_sd >= 0.
    Lognormal {
        /// Median, > 0.
        median: f64,
        /// Standard deviation of the log, >= 0.
        log_sd: f64,
    },
    /// `N(mean, sd^2)`: sd >= 0.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation, >= 0.
        sd: f64,
    },
    /// `N(mean, sd^2)` truncated to [lower, upper]: sd > 0, lower < upper.
    Truncnormal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Standard deviation of the untruncated normal, > 0.
        sd: f64,
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// Uniform on [lower, upper]: lower < upper.
    Uniform {
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// Triangular: lower <= mode <= upper, lower < upper.
    Triangular {
        /// Lower bound.
        lower: f64,
        /// Mode.
        mode: f64,
        /// Upper bound.
        upper: f64,
    },
    /// A fixed value (`inf` allowed for `eps`).
    Fixed {
        /// The value.
        value: f64,
    },
}

impl Dist {
    /// Distribution names as written in scenario files.
    pub const NAMES: &'static [&'static str] = &[
        "lognormal",
        "normal",
        "truncnormal",
        "uniform",
        "triangular",
        "fixed",
    ];

    /// The parameter keys of a distribution name.
    #[must_use]
    pub fn params(name: &str) -> Option<&'static [&'static str]> {
        Some(match name {
            "lognormal" => &["median", "log_sd"],
            "normal" => &["mean", "sd"],
            "truncnormal" => &["mean", "sd", "lower", "upper"],
            "uniform" => &["lower", "upper"],
            "triangular" => &["lower", "mode", "upper"],
            "fixed" => &["value"],
            _ => return None,
        })
    }

    /// The smallest and largest values the distribution can produce.
    #[must_use]
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Dist::Lognormal { median, log_sd } => {
                if log_sd > 0.0 {
                    (0.0, f64::INFINITY)
                } else {
                    (median, median)
                }
            }
            Dist::Normal { mean, sd } => {
                if sd > 0.0 {
                    (f64::NEG_INFINITY, f64::INFINITY)
                } else {
                    (mean, mean)
                }
            }
            Dist::Truncnormal { lower, upper, .. }
            | Dist::Uniform { lower, upper }
            | Dist::Triangular { lower, upper, .. } => (lower, upper),
            Dist::Fixed { value } => (value, value),
        }
    }
}

/// Elasticity families that take priors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PriorFamily {
    /// Substitution between import sources (importer × sector), > 0.
    Sigma,
    /// Substitution between the domestic good and the import composite (importer × sector), > 0.
    SigmaD,
    /// Composite import demand (importer × sector), <= 0.
    Eta,
    /// Export supply (exporter × sector), > 0 or inf.
    Eps,
    /// Multiplier on the trade elasticity for the horizon (sector), > 0.
    Horizon,
}

impl PriorFamily {
    /// Names as written in `[priors.<family>]`.
    pub const NAMES: &'static [&'static str] = &["sigma", "sigma_d", "eta", "eps", "horizon"];

    /// The name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            PriorFamily::Sigma => "sigma",
            PriorFamily::SigmaD => "sigma_d",
            PriorFamily::Eta => "eta",
            PriorFamily::Eps => "eps",
            PriorFamily::Horizon => "horizon",
        }
    }

    /// Parses a name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sigma" => Some(PriorFamily::Sigma),
            "sigma_d" => Some(PriorFamily::SigmaD),
            "eta" => Some(PriorFamily::Eta),
            "eps" => Some(PriorFamily::Eps),
            "horizon" => Some(PriorFamily::Horizon),
            _ => None,
        }
    }

    /// The region selector an override may use: `importers` (sigma, eta), `exporters` (eps), or
    /// none (horizon).
    #[must_use]
    pub fn region_key(self) -> Option<&'static str> {
        match self {
            PriorFamily::Sigma | PriorFamily::SigmaD | PriorFamily::Eta => Some("importers"),
            PriorFamily::Eps => Some("exporters"),
            PriorFamily::Horizon => None,
        }
    }

    /// Whether every value of `dist` lies in the family's domain; `Err` says what is expected.
    pub fn check(self, dist: &Dist) -> Result<(), &'static str> {
        let (lo, hi) = dist.support();
        let ok = match self {
            PriorFamily::Sigma | PriorFamily::SigmaD | PriorFamily::Horizon => {
                lo > 0.0 && hi.is_finite()
            }
            // Entirely negative: downward-sloping supply (the solver checks stability).
            PriorFamily::Eps => lo > 0.0 || (hi < 0.0 && lo.is_finite()),
            PriorFamily::Eta => hi <= 0.0 && lo.is_finite(),
        };
        // Lognormal has support (0, inf): the lower end is never reached.
        let ok = ok
            || (matches!(dist, Dist::Lognormal { .. })
                && matches!(
                    self,
                    PriorFamily::Sigma
                        | PriorFamily::SigmaD
                        | PriorFamily::Horizon
                        | PriorFamily::Eps
                ));
        if ok {
            Ok(())
        } else {
            Err(match self {
                PriorFamily::Sigma => {
                    "values > 0 (sigma): lognormal, or truncnormal/uniform/triangular with lower > 0"
                }
                PriorFamily::SigmaD => {
                    "values > 0 (sigma_d): lognormal, or truncnormal/uniform/triangular with lower > 0"
                }
                PriorFamily::Horizon => {
                    "values > 0 (horizon multiplier): lognormal, or bounds with lower > 0"
                }
                PriorFamily::Eps => {
                    "values > 0 or inf (eps): lognormal, or bounds with lower > 0, or fixed `inf`; or all < 0 (downward-sloping supply): bounds with upper < 0"
                }
                PriorFamily::Eta => {
                    "values <= 0 (eta): truncnormal/uniform/triangular with upper <= 0, or fixed <= 0"
                }
            })
        }
    }
}

/// An override of a family's prior for some sectors and/or regions. Empty selectors mean all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorOverride {
    /// Sectors (empty: all sectors).
    pub sectors: Vec<SectorId>,
    /// Importers (sigma, eta; empty: all).
    pub importers: Vec<RegionId>,
    /// Exporters (eps; empty: all).
    pub exporters: Vec<RegionId>,
    /// The distribution for the selected cells.
    pub dist: Dist,
}

/// One family's prior: a default distribution and overrides (a later override wins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prior {
    /// The distribution for every cell no override selects.
    pub dist: Dist,
    /// Overrides, in file order.
    pub overrides: Vec<PriorOverride>,
}

/// `[priors]`: `None` for a family means "use the defaults shipped in `tariffsim-data`".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Priors {
    /// `[priors.sigma]`.
    pub sigma: Option<Prior>,
    /// `[priors.sigma_d]`.
    pub sigma_d: Option<Prior>,
    /// `[priors.eta]`.
    pub eta: Option<Prior>,
    /// `[priors.eps]`.
    pub eps: Option<Prior>,
    /// `[priors.horizon]`.
    pub horizon: Option<Prior>,
}

impl Priors {
    /// The prior of a family, if the scenario sets one.
    #[must_use]
    pub fn get(&self, family: PriorFamily) -> Option<&Prior> {
        match family {
            PriorFamily::Sigma => self.sigma.as_ref(),
            PriorFamily::SigmaD => self.sigma_d.as_ref(),
            PriorFamily::Eta => self.eta.as_ref(),
            PriorFamily::Eps => self.eps.as_ref(),
            PriorFamily::Horizon => self.horizon.as_ref(),
        }
    }

    pub(crate) fn set(&mut self, family: PriorFamily, prior: Prior) {
        let slot = match family {
            PriorFamily::Sigma => &mut self.sigma,
            PriorFamily::SigmaD => &mut self.sigma_d,
            PriorFamily::Eta => &mut self.eta,
            PriorFamily::Eps => &mut self.eps,
            PriorFamily::Horizon => &mut self.horizon,
        };
        *slot = Some(prior);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_domains() {
        let ln = Dist::Lognormal {
            median: 4.0,
            log_sd: 0.3,
        };
        assert!(PriorFamily::Sigma.check(&ln).is_ok());
        assert!(PriorFamily::Eta.check(&ln).is_err());
        let n = Dist::Normal {
            mean: -1.5,
            sd: 0.5,
        };
        assert!(PriorFamily::Eta.check(&n).is_err());
        let tn = Dist::Truncnormal {
            mean: -1.5,
            sd: 0.5,
            lower: -3.0,
            upper: -0.5,
        };
        assert!(PriorFamily::Eta.check(&tn).is_ok());
        assert!(PriorFamily::Sigma.check(&tn).is_err());
        let inf = Dist::Fixed {
            value: f64::INFINITY,
        };
        assert!(PriorFamily::Eps.check(&inf).is_ok());
        assert!(PriorFamily::Sigma.check(&inf).is_err());
        let u = Dist::Uniform {
            lower: 0.0,
            upper: 1.0,
        };
        assert!(PriorFamily::Horizon.check(&u).is_err());
    }
}
