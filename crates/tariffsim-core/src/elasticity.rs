//! Elasticities of one draw: `sigma` (among import sources), `sigma_d` (domestic vs imports) and
//! `eta` per importer × sector, `eps` per exporter × sector.

use crate::error::{CoreError, Result};
use serde::{Deserialize, Serialize};

/// The elasticities the models take, validated.
///
/// Layout: `[s * N + r]` (sector-major, then region).
/// - `sigma[j][s] > 0`: elasticity of substitution between import sources in importer `j`
///   (GTAP's `ESUBM`, the lower nest of the two-level Armington model).
/// - `sigma_d[j][s] > 0`: elasticity of substitution between the domestic good (the diagonal
///   source) and the import composite in importer `j` (GTAP's `ESUBD`, the upper nest). When not
///   given it equals `sigma`: one CES nest over every source, GSIM's form.
/// - `eta[j][s] <= 0`: elasticity of `j`'s total demand for the sector's composite (domestic and
///   imported) with respect to its price index; for a baseline without domestic sales (or the
///   `armington-imports` model) that composite is the imports alone.
/// - `eps[i][s] > 0` or `+inf`: supply elasticity of exporter `i`, covering the sales its
///   [`SupplyScope`] names (`inf` = price fixed); or a finite `eps < 0`: downward-sloping supply
///   (scale economies, Fajgelbaum et al. 2024's bystanders), which the two-level `armington`
///   accepts when the equilibrium it finds is stable (see [`crate::StopReason::Unstable`]).
///
/// The general-equilibrium models use `sigma` only (and take it per sector: they read the value of
/// the first importer and require it to be uniform across importers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Elasticities {
    n_regions: usize,
    n_sectors: usize,
    sigma: Vec<f64>,
    sigma_d: Vec<f64>,
    eta: Vec<f64>,
    eps: Vec<f64>,
    #[serde(default)]
    supply: SupplyScope,
}

/// Which sales one exporter's supply curve (`eps`) covers in the two-level `armington` and
/// `gsim-linear` models.
///
/// - [`SupplyScope::AllSales`] (the library default, GSIM's and GTAP's form): one curve over every
///   sale, the home market included. A fall in export demand lowers the producer price at home
///   as well, and home buyers take part of the output. For a large economy the home market
///   dwarfs any one export market, so the price barely moves and almost nothing is redirected to
///   other export markets.
/// - [`SupplyScope::Exports`] (segmented markets): the curve covers export sales only; home sales
///   are supplied at an unchanged producer price. Output that one export market no longer buys
///   is offered to the other export markets, where it sells by a fall in the export price.
///   Firm-level evidence for the 2018–19 US tariffs: Chinese exporters' sales at home "barely
///   changed" while their lost US sales were "partly offset" by sales to the EU (Jiao et al.
///   2024, "The Impacts of the U.S. Trade War on Chinese Exporters"), and the deflection of
///   tariffed products to third markets was significant (Shen, Wang & Xu 2020, *The World
///   Economy*); sources and quotes in `docs/elasticity-sources.md`, "Supply scope".
///
/// `armington-imports` holds domestic sales fixed, so its supply curve is the segmented one
/// whatever the scope; the general-equilibrium models do not use `eps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SupplyScope {
    /// One supply curve over every sale, home market included.
    #[default]
    AllSales,
    /// One supply curve over export sales; home sales at an unchanged producer price.
    Exports,
}

impl SupplyScope {
    /// Names as written in scenario files.
    pub const NAMES: &'static [&'static str] = &["all-sales", "exports"];

    /// The name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            SupplyScope::AllSales => "all-sales",
            SupplyScope::Exports => "exports",
        }
    }

    /// Parses a name (see [`SupplyScope::NAMES`]).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "all-sales" => Some(SupplyScope::AllSales),
            "exports" => Some(SupplyScope::Exports),
            _ => None,
        }
    }
}

/// Which family a value belongs to (used in messages and by samplers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Family {
    /// Substitution between import sources.
    Sigma,
    /// Substitution between the domestic good and the import composite.
    SigmaD,
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
            Family::SigmaD => "sigma_d",
            Family::Eta => "eta",
            Family::Eps => "eps",
        }
    }

    /// Whether `x` is in the family's domain.
    #[must_use]
    pub fn admits(self, x: f64) -> bool {
        match self {
            Family::Sigma | Family::SigmaD => x.is_finite() && x > 0.0,
            Family::Eta => x.is_finite() && x <= 0.0,
            // Negative: downward-sloping supply (scale economies); the solver checks stability.
            Family::Eps => (x > 0.0 && !x.is_nan()) || (x < 0.0 && x.is_finite()),
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Family::Sigma => "a finite sigma > 0",
            Family::SigmaD => "a finite sigma_d > 0",
            Family::Eta => "a finite eta <= 0 (demand slopes down)",
            Family::Eps => {
                "eps > 0, inf for a perfectly elastic supply, or a finite eps < 0 for a downward-sloping one"
            }
        }
    }
}

/// How long after a tariff change its outcome is read. Trade elasticities grow with the time
/// buyers and suppliers have to adjust (Boehm, Levchenko & Pandalai-Nayar 2023): a run at a
/// shorter horizon scales every elasticity down by a sourced table
/// (`tariffsim_data::priors::horizon_scale`), in the point estimate and in every draw alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Horizon {
    /// About one year after the change.
    Short,
    /// About three years after the change.
    Medium,
    /// The long run (seven years and more): the horizon the default priors were estimated at.
    #[default]
    Long,
}

impl Horizon {
    /// Names as written in scenario files and on the command line.
    pub const NAMES: &'static [&'static str] = &["short", "medium", "long"];

    /// The name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Horizon::Short => "short",
            Horizon::Medium => "medium",
            Horizon::Long => "long",
        }
    }

    /// Parses a name (see [`Horizon::NAMES`]).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "short" => Some(Horizon::Short),
            "medium" => Some(Horizon::Medium),
            "long" => Some(Horizon::Long),
            _ => None,
        }
    }
}

/// Multipliers that carry long-run elasticities to a horizon: `sigma − 1` (both nests) scales
/// by `sigma`, `eta` by `eta`, `eps` by `eps`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HorizonScale {
    /// Multiplier of `sigma − 1` and `sigma_d − 1` (the trade elasticity).
    pub sigma: f64,
    /// Multiplier of `eta`.
    pub eta: f64,
    /// Multiplier of `eps`.
    pub eps: f64,
}

impl HorizonScale {
    /// No scaling.
    pub const ONE: HorizonScale = HorizonScale {
        sigma: 1.0,
        eta: 1.0,
        eps: 1.0,
    };

    /// `sigma` at this horizon.
    #[inline]
    #[must_use]
    pub fn sigma(&self, long_run: f64) -> f64 {
        1.0 + self.sigma * (long_run - 1.0)
    }

    /// Each multiplier times `m` (a drawn horizon multiplier).
    #[must_use]
    pub fn times(&self, m: f64) -> HorizonScale {
        HorizonScale {
            sigma: self.sigma * m,
            eta: self.eta * m,
            eps: self.eps * m,
        }
    }
}

impl Elasticities {
    /// Builds from full vectors (each of length `N * S`), validating every value; `sigma_d`
    /// equals `sigma` (one nest: see [`Elasticities::with_sigma_d`]).
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
            sigma_d: sigma.clone(),
            sigma,
            eta,
            eps,
            supply: SupplyScope::AllSales,
        };
        this.validate()?;
        Ok(this)
    }

    /// The same elasticities with the supply curves covering `scope` (see [`SupplyScope`]).
    #[must_use]
    pub fn with_supply(mut self, scope: SupplyScope) -> Self {
        self.supply = scope;
        self
    }

    /// Which sales the supply curves cover.
    #[must_use]
    pub fn supply(&self) -> SupplyScope {
        self.supply
    }

    /// The same elasticities with `sigma_d` (domestic vs imports, length `N * S`) set, validated.
    pub fn with_sigma_d(mut self, sigma_d: Vec<f64>) -> Result<Self> {
        self.sigma_d = sigma_d;
        self.validate()?;
        Ok(self)
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
            (Family::SigmaD, &self.sigma_d),
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

    /// Overwrites values in place through `update` (which gets `sigma`, `sigma_d`, `eta`, `eps`
    /// slices), then validates. On error the values stay as `update` wrote them and the error is returned, so
    /// the caller must reject the draw (and refill before the next use).
    ///
    /// This is the allocation-free path Monte Carlo uses to refill one draw's elasticities.
    pub fn try_update(
        &mut self,
        update: impl FnOnce(&mut [f64], &mut [f64], &mut [f64], &mut [f64]),
    ) -> Result<()> {
        update(
            &mut self.sigma,
            &mut self.sigma_d,
            &mut self.eta,
            &mut self.eps,
        );
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

    /// Domestic-vs-imports substitution elasticity of importer `j` in sector `s`.
    #[inline]
    #[must_use]
    pub fn sigma_d(&self, j: usize, s: usize) -> f64 {
        self.sigma_d[s * self.n_regions + j]
    }

    /// Composite (total) demand elasticity of importer `j` in sector `s`.
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

    /// Sector `s`'s sigma_d row (one per importer).
    #[must_use]
    pub fn sector_sigma_d(&self, s: usize) -> &[f64] {
        &self.sigma_d[s * self.n_regions..(s + 1) * self.n_regions]
    }

    /// Scales every value to a horizon (see [`HorizonScale`]), validating the result.
    pub fn scale_to_horizon(&mut self, scale: HorizonScale) -> Result<()> {
        self.try_update(|sigma, sigma_d, eta, eps| {
            for v in sigma.iter_mut().chain(sigma_d.iter_mut()) {
                *v = scale.sigma(*v);
            }
            for v in eta.iter_mut() {
                *v *= scale.eta;
            }
            for v in eps.iter_mut() {
                *v *= scale.eps;
            }
        })
    }

    /// Whether `sigma_d` equals `sigma` everywhere (bit for bit): one CES nest.
    #[must_use]
    pub fn is_one_nest(&self) -> bool {
        self.sigma
            .iter()
            .zip(&self.sigma_d)
            .all(|(a, b)| a.to_bits() == b.to_bits())
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
        assert!(Elasticities::uniform(2, 1, 4.0, -1.0, -0.5).is_ok());
        assert!(Elasticities::uniform(2, 1, 4.0, -1.0, f64::NEG_INFINITY).is_err());
        assert!(Elasticities::uniform(2, 1, 4.0, -1.0, f64::NAN).is_err());
        let mut e = Elasticities::uniform(2, 1, 4.0, -1.0, 1.0).unwrap();
        assert!(e.try_update(|s, _, _, _| s[1] = -3.0).is_err());
        assert!(e.try_update(|s, _, _, _| s[1] = 3.0).is_ok());
        assert_eq!(e.sigma(1, 0), 3.0);
        assert_eq!(e.sigma_d(1, 0), 4.0, "sigma_d is its own family");
        assert!(e.try_update(|_, d, _, _| d[0] = 0.0).is_err());
        let e = Elasticities::uniform(2, 1, 4.0, -1.0, 1.0).unwrap();
        assert!(e.is_one_nest());
        let e = e.with_sigma_d(vec![2.0, 2.0]).unwrap();
        assert!(!e.is_one_nest());
        assert_eq!(e.sector_sigma_d(0), &[2.0, 2.0]);
    }
}
