//! Elasticity priors resolved to every cell, and the map from one draw's normal scores to
//! [`Elasticities`].
//!
//! Structure of a draw. For each family `f` (sigma, sigma_d, eta, eps) and sector `s`, one score
//! `z_fs = sqrt(ρ) · c_f + sqrt(1 − ρ) · e_fs` mixes a common factor `c_f` shared by all sectors
//! with sector-specific noise `e_fs` (`ρ` = the `correlation` setting), so a draw can be
//! "everything elastic" or "everything inelastic". `sigma_d` is tied to `sigma` within a sector:
//! its score is `ρn · z_sigma,s + sqrt(1 − ρn²) · z_fs`, correlated `ρn` =
//! [`defaults::NEST_CORRELATION`] with sigma's. Within a sector, every region's value is its own prior's
//! quantile at that score: regions keep their own medians and spreads (overrides by importer or
//! exporter) but move together, because the literature disagrees about *levels* by sector
//! (estimation method), not about idiosyncratic country noise.
//!
//! Horizon. The priors describe long-run elasticities; the run's [`Horizon`] preset
//! ([`defaults::horizon_scale`]) scales every value — `sigma − 1` and `sigma_d − 1`, `eta` and
//! `eps` — in the central point and in every draw alike. An optional `horizon` prior draws a
//! multiplier `h` per sector that multiplies the preset's scales.
//!
//! Score layout (the sampler's dimensions): `[c_sigma, e_sigma_1..S, c_sigma_d,
//! e_sigma_d_1..S, c_eta, e_eta_1..S, c_eps, e_eps_1..S, horizon]`, `4 (S + 1) + 1` in all.
//!
//! Recorded parameters per draw (for `draws.csv` and the tornado chart), at the horizon:
//! `sigma.SECTOR`, `sigma_d.SECTOR` and `eta.SECTOR` of the focus importer, `eps.SECTOR` of the
//! target exporter, and `horizon`.

use crate::dist::{Dist, at_score};
use crate::error::RunnerError;
use tariffsim_core::{
    Baseline, Elasticities, Eps, Eta, Family, Focus, Horizon, HorizonScale, Model, RegionId,
    SectorId, Sigma,
};
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
        fn all<Id: PartialEq>(v: &[Id], k: Id) -> bool {
            v.is_empty() || v.contains(&k)
        }
        for o in &prior.overrides {
            let regions = if exporters {
                &o.exporters
            } else {
                &o.importers
            };
            for s in (0..n_sectors).filter(|&s| all(&o.sectors, SectorId::from_index(s))) {
                for r in (0..n_regions).filter(|&r| all(regions, RegionId::from_index(r))) {
                    cells[s * n_regions + r] = o.dist;
                }
            }
        }
        Self::new(family, cells)
    }

    /// The prior of `region` in `sector` (`n_regions` regions).
    #[must_use]
    pub fn cell(&self, sector: SectorId, region: RegionId, n_regions: usize) -> &Dist {
        &self.cells[sector.index() * n_regions + region.index()]
    }
}

/// Every prior of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorSet {
    n_regions: usize,
    n_sectors: usize,
    sigma: FamilyPriors,
    sigma_d: FamilyPriors,
    eta: FamilyPriors,
    eps: FamilyPriors,
    horizon: Option<Vec<Dist>>,
    /// The horizon preset's scales.
    scale: HorizonScale,
    correlation: f64,
    /// Region whose sigma/eta are recorded (focus importer).
    record_importer: RegionId,
    /// Region whose eps is recorded (target exporter).
    record_exporter: RegionId,
}

impl PriorSet {
    /// Builds and validates; `correlation` in `[0, 1)`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        n_regions: usize,
        n_sectors: usize,
        sigma: FamilyPriors,
        sigma_d: FamilyPriors,
        eta: FamilyPriors,
        eps: FamilyPriors,
        horizon: Option<Vec<Dist>>,
        scale: HorizonScale,
        correlation: f64,
        record: Focus,
    ) -> Result<Self, RunnerError> {
        let cells = n_regions * n_sectors;
        for f in [&sigma, &sigma_d, &eta, &eps] {
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
        if record.importer.index() >= n_regions || record.target.index() >= n_regions {
            return Err(RunnerError::Prior("recorded region out of range".into()));
        }
        Ok(Self {
            n_regions,
            n_sectors,
            sigma,
            sigma_d,
            eta,
            eps,
            horizon,
            scale,
            correlation,
            record_importer: record.importer,
            record_exporter: record.target,
        })
    }

    /// The priors of a scenario on `baseline`: the scenario's `[priors]` families where set,
    /// else the defaults of `tariffsim-data` (sigma and sigma_d lognormal by sector, eta
    /// truncated normal as `model` reads it, eps lognormal; no horizon multiplier), scaled to
    /// `horizon`. Recorded parameters follow the focus pair.
    pub fn resolve(
        baseline: &Baseline,
        priors: &Priors,
        correlation: f64,
        focus: Focus,
        model: Model,
        preset: Horizon,
    ) -> Result<Self, RunnerError> {
        let n = baseline.n_regions();
        let s_count = baseline.n_sectors();
        let sigma = match &priors.sigma {
            Some(p) => FamilyPriors::from_prior(Family::Sigma, p, n, s_count, false),
            None => {
                let mut cells = Vec::with_capacity(n * s_count);
                for s in baseline.sectors().ids() {
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
        let sigma_d = match &priors.sigma_d {
            Some(p) => FamilyPriors::from_prior(Family::SigmaD, p, n, s_count, false),
            None => {
                let mut cells = Vec::with_capacity(n * s_count);
                for s in baseline.sectors().ids() {
                    let p = defaults::sigma_d_prior(baseline.sectors().code(s));
                    let d = Dist::Lognormal {
                        median: p.median,
                        log_sd: p.log_sd,
                    };
                    cells.extend(std::iter::repeat_n(d, n));
                }
                FamilyPriors::new(Family::SigmaD, cells)
            }
        };
        let eta = match &priors.eta {
            Some(p) => FamilyPriors::from_prior(Family::Eta, p, n, s_count, false),
            None => {
                let d = defaults::eta_prior(model);
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
            sigma_d,
            eta,
            eps,
            horizon,
            defaults::horizon_scale(preset),
            correlation,
            focus,
        )
    }

    /// Number of sampler dimensions: `4 (S + 1) + 1`.
    #[must_use]
    pub fn dimension(&self) -> usize {
        FAMILIES * (self.n_sectors + 1) + 1
    }

    /// Number of recorded parameters: `4 S + 1`.
    #[must_use]
    pub fn n_params(&self) -> usize {
        FAMILIES * self.n_sectors + 1
    }

    /// Names of the recorded parameters (`sigma.ELECTRONICS`, …, `horizon`).
    #[must_use]
    pub fn param_names(&self, sector_codes: &[&str]) -> Vec<String> {
        let mut names = Vec::with_capacity(self.n_params());
        for fam in ["sigma", "sigma_d", "eta", "eps"] {
            for code in sector_codes {
                names.push(format!("{fam}.{code}"));
            }
        }
        names.push("horizon".into());
        names
    }

    /// The central elasticities: every prior's median (scores 0), at the run's horizon.
    pub fn central(&self) -> Result<Elasticities, RunnerError> {
        // Placeholder values, all overwritten by `fill`.
        let mut e = Elasticities::uniform(
            self.n_regions,
            self.n_sectors,
            Sigma::new(2.0)?,
            Eta::new(-1.0)?,
            Eps::new(1.0)?,
        )?;
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
        let rho_n = defaults::NEST_CORRELATION;
        let (an, bn) = (rho_n, (1.0 - rho_n * rho_n).sqrt());
        let horizon_score = z[FAMILIES * (s_count + 1)];
        let multiplier = |s: usize| {
            self.horizon
                .as_ref()
                .map_or(1.0, |h| at_score(&h[s], horizon_score))
        };
        params[FAMILIES * s_count] = multiplier(0);
        let families = [&self.sigma, &self.sigma_d, &self.eta, &self.eps];
        elasticities.try_update(|sigma, sigma_d, eta, eps| {
            let outs: [&mut [f64]; FAMILIES] = [sigma, sigma_d, eta, eps];
            for (f, (prior, out)) in families.iter().zip(outs).enumerate() {
                let base = f * (s_count + 1);
                let common = z[base];
                let record = if f == EPS {
                    self.record_exporter
                } else {
                    self.record_importer
                };
                for s in 0..s_count {
                    let mut score = a * common + b * z[base + 1 + s];
                    if f == SIGMA_D {
                        let sigma_score = a * z[0] + b * z[1 + s];
                        score = an * sigma_score + bn * score;
                    }
                    let scale = self.scale.times(multiplier(s));
                    let at_horizon = |v: f64| match f {
                        SIGMA | SIGMA_D => scale.sigma(v),
                        ETA => v * scale.eta,
                        _ => v * scale.eps,
                    };
                    // Regions mostly share their sector's prior: a cell with the same prior as
                    // the one before it takes its value (same score, so the same bits) instead
                    // of evaluating the quantile function again.
                    let mut last: Option<(&Dist, f64)> = None;
                    for r in 0..n {
                        let cell = &prior.cells[s * n + r];
                        let v = match last {
                            Some((d, v)) if d == cell => v,
                            _ => {
                                let v = at_horizon(at_score(cell, score));
                                last = Some((cell, v));
                                v
                            }
                        };
                        out[s * n + r] = v;
                    }
                    params[f * s_count + s] = out[s * n + record.index()];
                }
            }
        })?;
        Ok(())
    }
}

/// Number of sampled families, and their positions in the score layout.
const FAMILIES: usize = 4;
const SIGMA: usize = 0;
const SIGMA_D: usize = 1;
const ETA: usize = 2;
const EPS: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    fn r(i: usize) -> RegionId {
        RegionId::from_index(i)
    }

    fn sec(s: usize) -> SectorId {
        SectorId::from_index(s)
    }

    /// Records region 0's sigma and eta and region 1's eps.
    fn focus_0_on_1() -> Focus {
        Focus {
            importer: r(0),
            target: r(1),
        }
    }

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
                Family::SigmaD,
                n * s,
                Dist::Lognormal {
                    median: 2.0,
                    log_sd: 0.35,
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
            HorizonScale::ONE,
            correlation,
            focus_0_on_1(),
        )
        .unwrap()
    }

    #[test]
    fn central_is_the_median() {
        let e = set(0.5).central().unwrap();
        assert!((e.sigma(r(2), sec(3)) - 4.0).abs() < 1e-15);
        assert!((e.eps(r(1), sec(0)) - 10.0).abs() < 1e-15);
        assert!((e.eta(r(0), sec(0)) + 1.5).abs() < 0.1);
    }

    /// The horizon preset scales the central point: `sigma − 1`, `sigma_d − 1`, `eta`, `eps`.
    #[test]
    fn horizon_scales_the_central_point() {
        let mut p = set(0.5);
        let long = p.central().unwrap();
        p.scale = HorizonScale {
            sigma: 0.4,
            eta: 0.5,
            eps: 0.25,
        };
        let short = p.central().unwrap();
        assert!((short.sigma(r(2), sec(3)) - (1.0 + 0.4 * 3.0)).abs() < 1e-14);
        assert!(
            (short.sigma_d(r(2), sec(3)) - (1.0 + 0.4 * (long.sigma_d(r(2), sec(3)) - 1.0))).abs()
                < 1e-14
        );
        assert!((short.eta(r(0), sec(0)) - 0.5 * long.eta(r(0), sec(0))).abs() < 1e-14);
        assert!((short.eps(r(1), sec(0)) - 2.5).abs() < 1e-14);
    }

    /// sigma_d's score has correlation `NEST_CORRELATION` with sigma's in the same sector.
    #[test]
    fn sigma_d_follows_sigma() {
        use crate::sampler::{Sampler, SamplerKind};
        let p = set(0.0);
        let sampler = Sampler::new(SamplerKind::Random, 5, 20_000, p.dimension()).unwrap();
        let mut z = vec![0.0; p.dimension()];
        let mut e = p.central().unwrap();
        let mut params = vec![0.0; p.n_params()];
        let mut pairs = Vec::with_capacity(20_000);
        for k in 0..20_000 {
            sampler.scores(k, &mut z);
            p.fill(&z, &mut e, &mut params).unwrap();
            pairs.push((e.sigma(r(0), sec(2)).ln(), e.sigma_d(r(0), sec(2)).ln()));
        }
        let n = pairs.len() as f64;
        let (mx, my) = (
            pairs.iter().map(|p| p.0).sum::<f64>() / n,
            pairs.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let cov = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / n;
        let vx = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>() / n;
        let vy = pairs.iter().map(|p| (p.1 - my).powi(2)).sum::<f64>() / n;
        let corr = cov / (vx * vy).sqrt();
        assert!((corr - defaults::NEST_CORRELATION).abs() < 0.03, "{corr}");
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
            let (x, y) = (e.sigma(r(0), sec(0)).ln(), e.sigma(r(0), sec(1)).ln());
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
                p.sigma_d.clone(),
                p.eta.clone(),
                p.eps.clone(),
                None,
                HorizonScale::ONE,
                1.0,
                focus_0_on_1()
            )
            .is_err()
        );
        assert!(
            PriorSet::new(
                2,
                4,
                p.sigma.clone(),
                p.sigma_d.clone(),
                p.eta.clone(),
                p.eps.clone(),
                None,
                HorizonScale::ONE,
                0.0,
                focus_0_on_1()
            )
            .is_err()
        );
    }
}
