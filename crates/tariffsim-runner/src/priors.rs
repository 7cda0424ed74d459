//! Elasticity priors resolved to every cell, and the map from one draw's normal scores to
//! [`Elasticities`].
//!
//! Structure of a draw. For each family `f` (sigma, eta, eps) and sector `s`, one score
//! `z_fs = sqrt(ρ) · c_f + sqrt(1 − ρ) · e_fs` mixes a common factor `c_f` shared by all sectors
//! with sector-specific noise `e_fs` (`ρ` = the `correlation` setting), so a draw can be
//! "everything elastic" or "everything inelastic". Within a sector, every region's value is its
//! own prior's quantile at that score: regions keep their own medians and spreads (overrides by
//! importer or exporter) but move together, because the literature disagrees about *levels* by
//! sector (estimation method), not about idiosyncratic country noise. An optional `horizon`
//! multiplier `h` scales the trade elasticity: `sigma ← 1 + h (sigma − 1)`.
//!
//! Score layout (the sampler's dimensions): `[c_sigma, e_sigma_1..S, c_eta, e_eta_1..S,
//! c_eps, e_eps_1..S, horizon]`, `3 (S + 1) + 1` in all.
//!
//! Recorded parameters per draw (for `draws.csv` and the tornado chart): `sigma.SECTOR` and
//! `eta.SECTOR` of the focus importer, `eps.SECTOR` of the target exporter, and `horizon`.

use crate::dist::{Dist, at_score};
use crate::error::RunnerError;
use tariffsim_core::{Baseline, Elasticities, Family, Focus};
use tariffsim_data::priors as defaults;
use tariffsim_scenario::priors::{Prior, Priors};

/// Log-sd of the `sigma` prior for a sector the default table does not cover (the middle of the
/// table's 0.25–0.37 range).
pub const DEFAULT_SIGMA_LOG_SD: f64 = 0.3;

/// One family's priors, one per (sector, region): `[s * N + r]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyPriors {
    family: Family,
    cells: Vec<Dist>,
}

impl FamilyPriors {
    /// One distribution per cell (`[s * N + r]`), validated upstream by the scenario crate.
    #[must_use]
    pub fn new(family: Family, cells: Vec<Dist>) -> Self {
        Self { family, cells }
    }

    /// The same prior for every cell.
    #[must_use]
    pub fn uniform(family: Family, n_cells: usize, dist: Dist) -> Self {
        Self::new(family, vec![dist; n_cells])
    }

    /// Resolves a scenario prior (default distribution, then overrides in file order) to cells;
    /// `region_of` picks the override's region selector (importers or exporters).
    fn from_prior(
        family: Family,
        prior: &Prior,
        n_regions: usize,
        n_sectors: usize,
        exporters: bool,
    ) -> Self {
        let mut cells = vec![prior.dist; n_regions * n_sectors];
        let all = |v: &[usize], k: usize| v.is_empty() || v.contains(&k);
        for o in &prior.overrides {
            let regions = if exporters {
                &o.exporters
            } else {
                &o.importers
            };
            for s in (0..n_sectors).filter(|&s| all(&o.sectors, s)) {
                for r in (0..n_regions).filter(|&r| all(regions, r)) {
                    cells[s * n_regions + r] = o.dist;
                }
            }
        }
        Self::new(family, cells)
    }

    /// The prior of one cell.
    #[must_use]
    pub fn cell(&self, s: usize, r: usize, n_regions: usize) -> &Dist {
        &self.cells[s * n_regions + r]
    }
}

/// Every prior of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorSet {
    n_regions: usize,
    n_sectors: usize,
    sigma: FamilyPriors,
    eta: FamilyPriors,
    eps: FamilyPriors,
    horizon: Option<Vec<Dist>>,
    correlation: f64,
    /// Region whose sigma/eta are recorded (focus importer).
    record_importer: usize,
    /// Region whose eps is recorded (target exporter).
    record_exporter: usize,
}

impl PriorSet {
    /// Builds and validates; `correlation` in `[0, 1)`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        n_regions: usize,
        n_sectors: usize,
        sigma: FamilyPriors,
        eta: FamilyPriors,
        eps: FamilyPriors,
        horizon: Option<Vec<Dist>>,
        correlation: f64,
        record: (usize, usize),
    ) -> Result<Self, RunnerError> {
        let cells = n_regions * n_sectors;
        for f in [&sigma, &eta, &eps] {
            if f.cells.len() != cells {
                return Err(RunnerError::Prior(format!(
                    "{} priors have {} cells, expected {cells}",
                    f.family.name(),
                    f.cells.len()
                )));
            }
        }
        if !(0.0..1.0).contains(&correlation) {
            return Err(RunnerError::Prior(format!(
                "correlation must be in [0, 1), got {correlation}"
            )));
        }
        if horizon.as_ref().is_some_and(|h| h.len() != n_sectors) {
            return Err(RunnerError::Prior(
                "horizon priors need one entry per sector".into(),
            ));
        }
        if record.0 >= n_regions || record.1 >= n_regions {
            return Err(RunnerError::Prior("recorded region out of range".into()));
        }
        Ok(Self {
            n_regions,
            n_sectors,
            sigma,
            eta,
            eps,
            horizon,
            correlation,
            record_importer: record.0,
            record_exporter: record.1,
        })
    }

    /// The priors of a scenario on `baseline`: the scenario's `[priors]` families where set,
    /// else the defaults of `tariffsim-data` (sigma lognormal by sector, eta truncated normal,
    /// eps lognormal; no horizon multiplier). Recorded parameters follow the focus pair.
    pub fn resolve(
        baseline: &Baseline,
        priors: &Priors,
        correlation: f64,
        focus: Focus,
    ) -> Result<Self, RunnerError> {
        let n = baseline.n_regions();
        let s_count = baseline.n_sectors();
        let sigma = match &priors.sigma {
            Some(p) => FamilyPriors::from_prior(Family::Sigma, p, n, s_count, false),
            None => {
                let mut cells = Vec::with_capacity(n * s_count);
                for s in 0..s_count {
                    let d = defaults::sigma_prior(baseline.sectors().code(s)).map_or(
                        Dist::Lognormal {
                            median: defaults::DEFAULT_SIGMA,
                            log_sd: DEFAULT_SIGMA_LOG_SD,
                        },
                        |p| Dist::Lognormal {
                            median: p.median,
                            log_sd: p.log_sd,
                        },
                    );
                    cells.extend(std::iter::repeat_n(d, n));
                }
                FamilyPriors::new(Family::Sigma, cells)
            }
        };
        let eta = match &priors.eta {
            Some(p) => FamilyPriors::from_prior(Family::Eta, p, n, s_count, false),
            None => {
                let d = defaults::ETA_PRIOR;
                FamilyPriors::uniform(
                    Family::Eta,
                    n * s_count,
                    Dist::Truncnormal {
                        mean: d.mean,
                        sd: d.sd,
                        lower: d.lower,
                        upper: d.upper,
                    },
                )
            }
        };
        let eps = match &priors.eps {
            Some(p) => FamilyPriors::from_prior(Family::Eps, p, n, s_count, true),
            None => FamilyPriors::uniform(
                Family::Eps,
                n * s_count,
                Dist::Lognormal {
                    median: defaults::EPS_PRIOR.median,
                    log_sd: defaults::EPS_PRIOR.log_sd,
                },
            ),
        };
        let horizon = priors
            .horizon
            .as_ref()
            .map(|p| FamilyPriors::from_prior(Family::Sigma, p, 1, s_count, false).cells);
        Self::new(
            n,
            s_count,
            sigma,
            eta,
            eps,
            horizon,
            correlation,
            (focus.importer, focus.target),
        )
    }

    /// Number of sampler dimensions: `3 (S + 1) + 1`.
    #[must_use]
    pub fn dimension(&self) -> usize {
        3 * (self.n_sectors + 1) + 1
    }

    /// Number of recorded parameters: `3 S + 1`.
    #[must_use]
    pub fn n_params(&self) -> usize {
        3 * self.n_sectors + 1
    }

    /// Names of the recorded parameters (`sigma.ELECTRONICS`, …, `horizon`).
    #[must_use]
    pub fn param_names(&self, sector_codes: &[&str]) -> Vec<String> {
        let mut names = Vec::with_capacity(self.n_params());
        for fam in ["sigma", "eta", "eps"] {
            for code in sector_codes {
                names.push(format!("{fam}.{code}"));
            }
        }
        names.push("horizon".into());
        names
    }

    /// The central elasticities: every prior's median, horizon at its median.
    pub fn central(&self) -> Result<Elasticities, RunnerError> {
        let mut e = Elasticities::uniform(self.n_regions, self.n_sectors, 2.0, -1.0, 1.0)?;
        let zeros = vec![0.0; self.dimension()];
        let mut params = vec![0.0; self.n_params()];
        self.fill(&zeros, &mut e, &mut params)?;
        Ok(e)
    }

    /// Maps one draw's scores `z` (length [`Self::dimension`]) to elasticities (validated) and
    /// the recorded parameters.
    pub fn fill(
        &self,
        z: &[f64],
        elasticities: &mut Elasticities,
        params: &mut [f64],
    ) -> Result<(), RunnerError> {
        let n = self.n_regions;
        let s_count = self.n_sectors;
        let rho = self.correlation;
        let (a, b) = (rho.sqrt(), (1.0 - rho).sqrt());
        let horizon_score = z[3 * (s_count + 1)];
        let horizon_of = |s: usize| {
            self.horizon
                .as_ref()
                .map_or(1.0, |h| at_score(&h[s], horizon_score))
        };
        params[3 * s_count] = horizon_of(0);
        let families = [&self.sigma, &self.eta, &self.eps];
        elasticities.try_update(|sigma, eta, eps| {
            let outs: [&mut [f64]; 3] = [sigma, eta, eps];
            for (f, (prior, out)) in families.iter().zip(outs).enumerate() {
                let base = f * (s_count + 1);
                let common = z[base];
                let record = if f == 2 {
                    self.record_exporter
                } else {
                    self.record_importer
                };
                for s in 0..s_count {
                    let score = a * common + b * z[base + 1 + s];
                    let horizon = if f == 0 { horizon_of(s) } else { 1.0 };
                    // Regions mostly share their sector's prior: a cell with the same prior as
                    // the one before it takes its value (same score, so the same bits) instead
                    // of evaluating the quantile function again.
                    let mut last: Option<(&Dist, f64)> = None;
                    for r in 0..n {
                        let cell = &prior.cells[s * n + r];
                        let v = match last {
                            Some((d, v)) if d == cell => v,
                            _ => {
                                let mut v = at_score(cell, score);
                                if f == 0 {
                                    v = 1.0 + horizon * (v - 1.0);
                                }
                                last = Some((cell, v));
                                v
                            }
                        };
                        out[s * n + r] = v;
                    }
                    params[f * s_count + s] = at_score(&prior.cells[s * n + record], score);
                }
            }
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(correlation: f64) -> PriorSet {
        let (n, s) = (3, 4);
        PriorSet::new(
            n,
            s,
            FamilyPriors::uniform(
                Family::Sigma,
                n * s,
                Dist::Lognormal {
                    median: 4.0,
                    log_sd: 0.3,
                },
            ),
            FamilyPriors::uniform(
                Family::Eta,
                n * s,
                Dist::Truncnormal {
                    mean: -1.5,
                    sd: 0.5,
                    lower: -3.0,
                    upper: -0.5,
                },
            ),
            FamilyPriors::uniform(
                Family::Eps,
                n * s,
                Dist::Lognormal {
                    median: 10.0,
                    log_sd: 0.8,
                },
            ),
            None,
            correlation,
            (0, 1),
        )
        .unwrap()
    }

    #[test]
    fn central_is_the_median() {
        let e = set(0.5).central().unwrap();
        assert!((e.sigma(2, 3) - 4.0).abs() < 1e-15);
        assert!((e.eps(1, 0) - 10.0).abs() < 1e-15);
        assert!((e.eta(0, 0) + 1.5).abs() < 0.1);
    }

    /// With correlation ρ the sector scores of one family have pairwise correlation ρ.
    #[test]
    fn common_factor_induces_correlation() {
        use crate::sampler::{Sampler, SamplerKind};
        let p = set(0.5);
        let sampler = Sampler::new(SamplerKind::Random, 3, 20_000, p.dimension()).unwrap();
        let mut z = vec![0.0; p.dimension()];
        let mut e = p.central().unwrap();
        let mut params = vec![0.0; p.n_params()];
        let (mut sxy, mut sxx, mut syy, mut sx, mut sy) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let n = 20_000.0;
        for k in 0..20_000 {
            sampler.scores(k, &mut z);
            p.fill(&z, &mut e, &mut params).unwrap();
            let (x, y) = (e.sigma(0, 0).ln(), e.sigma(0, 1).ln());
            sx += x;
            sy += y;
            sxy += x * y;
            sxx += x * x;
            syy += y * y;
        }
        let cov = sxy / n - sx * sy / n / n;
        let corr = cov / ((sxx / n - sx * sx / n / n) * (syy / n - sy * sy / n / n)).sqrt();
        assert!((corr - 0.5).abs() < 0.03, "{corr}");
    }

    #[test]
    fn rejects_bad_settings() {
        let p = set(0.0);
        assert!(
            PriorSet::new(
                3,
                4,
                p.sigma.clone(),
                p.eta.clone(),
                p.eps.clone(),
                None,
                1.0,
                (0, 1)
            )
            .is_err()
        );
        assert!(
            PriorSet::new(
                2,
                4,
                p.sigma.clone(),
                p.eta.clone(),
                p.eps.clone(),
                None,
                0.0,
                (0, 1)
            )
            .is_err()
        );
    }
}
