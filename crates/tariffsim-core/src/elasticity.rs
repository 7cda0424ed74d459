//! Elasticities of one draw: `sigma` and `eta` per importer × sector, `eps` per exporter × sector.

use crate::error::{CoreError, Result};
use serde::{Deserialize, Serialize};

/// The elasticities the models take, validated.
///
/// Layout: `[s * N + r]` (sector-major, then region).
/// - `sigma[j][s] > 0`: elasticity of substitution between import sources in importer `j`.
/// - `eta[j][s] <= 0`: elasticity of `j`'s composite import demand with respect to its price index.
/// - `eps[i][s] > 0` or `+inf`: export supply elasticity of exporter `i` (`inf` = price fixed).
///
/// The general-equilibrium models use `sigma` only (and take it per sector: they read the value of
/// the first importer and require it to be uniform across importers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Elasticities {
    n_regions: usize,
    n_sectors: usize,
    sigma: Vec<f64>,
    eta: Vec<f64>,
    eps: Vec<f64>,
}

/// Which family a value belongs to (used in messages and by samplers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Family {
    /// Substitution between import sources.
    Sigma,
    /// Composite import demand.
    Eta,
    /// Export supply.
    Eps,
}

impl Family {
    /// `sigma`, `eta` or `eps`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Family::Sigma => "sigma",
            Family::Eta => "eta",
            Family::Eps => "eps",
        }
    }

    /// Whether `x` is in the family's domain.
    #[must_use]
    pub fn admits(self, x: f64) -> bool {
        match self {
            Family::Sigma => x.is_finite() && x > 0.0,
            Family::Eta => x.is_finite() && x <= 0.0,
            Family::Eps => x > 0.0 && !x.is_nan(),
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Family::Sigma => "a finite sigma > 0",
            Family::Eta => "a finite eta <= 0 (demand slopes down)",
            Family::Eps => "eps > 0, or inf for a perfectly elastic supply",
        }
    }
}

impl Elasticities {
    /// Builds from full vectors (each of length `N * S`), validating every value.
    pub fn new(
        n_regions: usize,
        n_sectors: usize,
        sigma: Vec<f64>,
        eta: Vec<f64>,
        eps: Vec<f64>,
    ) -> Result<Self> {
        let this = Self {
            n_regions,
            n_sectors,
            sigma,
            eta,
            eps,
        };
        this.validate()?;
        Ok(this)
    }

    /// The same three values everywhere.
    pub fn uniform(
        n_regions: usize,
        n_sectors: usize,
        sigma: f64,
        eta: f64,
        eps: f64,
    ) -> Result<Self> {
        let len = n_regions * n_sectors;
        Self::new(
            n_regions,
            n_sectors,
            vec![sigma; len],
            vec![eta; len],
            vec![eps; len],
        )
    }

    fn validate(&self) -> Result<()> {
        let len = self.n_regions * self.n_sectors;
        for (family, v) in [
            (Family::Sigma, &self.sigma),
            (Family::Eta, &self.eta),
            (Family::Eps, &self.eps),
        ] {
            if v.len() != len {
                return Err(CoreError::Shape {
                    what: family.name(),
                    expected: len,
                    found: v.len(),
                });
            }
            if let Some((k, &x)) = v.iter().enumerate().find(|(_, x)| !family.admits(**x)) {
                return Err(CoreError::InvalidValue {
                    what: family.name(),
                    value: x,
                    location: format!(
                        "region #{}, sector #{}",
                        k % self.n_regions,
                        k / self.n_regions
                    ),
                    expected: family.expected(),
                });
            }
        }
        Ok(())
    }

    /// Overwrites values in place through `update` (which gets `sigma`, `eta`, `eps` slices), then
    /// validates. On error the values stay as `update` wrote them and the error is returned, so
    /// the caller must reject the draw (and refill before the next use).
    ///
    /// This is the allocation-free path Monte Carlo uses to refill one draw's elasticities.
    pub fn try_update(
        &mut self,
        update: impl FnOnce(&mut [f64], &mut [f64], &mut [f64]),
    ) -> Result<()> {
        update(&mut self.sigma, &mut self.eta, &mut self.eps);
        self.validate()
    }

    /// Number of regions.
    #[must_use]
    pub fn n_regions(&self) -> usize {
        self.n_regions
    }

    /// Number of sectors.
    #[must_use]
    pub fn n_sectors(&self) -> usize {
        self.n_sectors
    }

    /// Substitution elasticity of importer `j` in sector `s`.
    #[inline]
    #[must_use]
    pub fn sigma(&self, j: usize, s: usize) -> f64 {
        self.sigma[s * self.n_regions + j]
    }

    /// Composite import demand elasticity of importer `j` in sector `s`.
    #[inline]
    #[must_use]
    pub fn eta(&self, j: usize, s: usize) -> f64 {
        self.eta[s * self.n_regions + j]
    }

    /// Export supply elasticity of exporter `i` in sector `s`.
    #[inline]
    #[must_use]
    pub fn eps(&self, i: usize, s: usize) -> f64 {
        self.eps[s * self.n_regions + i]
    }

    /// Sector `s`'s sigma row (one per importer).
    #[must_use]
    pub fn sector_sigma(&self, s: usize) -> &[f64] {
        &self.sigma[s * self.n_regions..(s + 1) * self.n_regions]
    }

    /// Sector `s`'s eta row (one per importer).
    #[must_use]
    pub fn sector_eta(&self, s: usize) -> &[f64] {
        &self.eta[s * self.n_regions..(s + 1) * self.n_regions]
    }

    /// Sector `s`'s eps row (one per exporter).
    #[must_use]
    pub fn sector_eps(&self, s: usize) -> &[f64] {
        &self.eps[s * self.n_regions..(s + 1) * self.n_regions]
    }

    /// Checks dimensions against a baseline.
    pub fn check_fits(&self, baseline: &crate::Baseline) -> Result<()> {
        if self.n_regions != baseline.n_regions() || self.n_sectors != baseline.n_sectors() {
            return Err(CoreError::Incompatible(format!(
                "elasticities are {} regions x {} sectors but the baseline is {} x {}",
                self.n_regions,
                self.n_sectors,
                baseline.n_regions(),
                baseline.n_sectors()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // sums of small integers are exact in binary floating point
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert!(Elasticities::uniform(2, 1, 4.0, -1.0, f64::INFINITY).is_ok());
        assert!(Elasticities::uniform(2, 1, 0.0, -1.0, 1.0).is_err());
        assert!(Elasticities::uniform(2, 1, f64::NAN, -1.0, 1.0).is_err());
        assert!(Elasticities::uniform(2, 1, 4.0, 0.5, 1.0).is_err());
        assert!(Elasticities::uniform(2, 1, 4.0, -1.0, 0.0).is_err());
        assert!(Elasticities::uniform(2, 1, 4.0, -1.0, f64::NAN).is_err());
        let mut e = Elasticities::uniform(2, 1, 4.0, -1.0, 1.0).unwrap();
        assert!(e.try_update(|s, _, _| s[1] = -3.0).is_err());
        assert!(e.try_update(|s, _, _| s[1] = 3.0).is_ok());
        assert_eq!(e.sigma(1, 0), 3.0);
    }
}
