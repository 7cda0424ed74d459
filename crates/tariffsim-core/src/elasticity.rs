//! Elasticities of one draw: `sigma` (among import sources), `sigma_d` (domestic vs imports) and
//! `eta` per importer × sector, `eps` per exporter × sector.

use crate::error::{CoreError, Result};
use crate::ids::{RegionId, SectorId};
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

    /// Whether `x` is in the family's domain (the rule of [`Sigma`], [`SigmaD`], [`Eta`] or
    /// [`Eps`]).
    #[must_use]
    pub fn admits(self, x: f64) -> bool {
        match self {
            Family::Sigma => Sigma::admits(x),
            Family::SigmaD => SigmaD::admits(x),
            Family::Eta => Eta::admits(x),
            Family::Eps => Eps::admits(x),
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Family::Sigma => Sigma::EXPECTED,
            Family::SigmaD => SigmaD::EXPECTED,
            Family::Eta => Eta::EXPECTED,
            Family::Eps => Eps::EXPECTED,
        }
    }
}

macro_rules! elasticity_value {
    ($(#[$doc:meta])* $name:ident, $family:expr, $expected:literal, |$x:ident| $rule:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
        pub struct $name(f64);

        impl $name {
            /// What a valid value is, as error messages say it.
            pub const EXPECTED: &'static str = $expected;

            /// Whether `x` is a valid value.
            #[inline]
            #[must_use]
            pub fn admits($x: f64) -> bool {
                $rule
            }

            /// A validated value, or [`CoreError::InvalidValue`] naming the family and the rule.
            pub fn new(x: f64) -> Result<Self> {
                if Self::admits(x) {
                    Ok(Self(x))
                } else {
                    Err(CoreError::InvalidValue {
                        what: $family.name(),
                        value: x,
                        location: "the value given".into(),
                        expected: Self::EXPECTED,
                    })
                }
            }

            /// The value.
            #[inline]
            #[must_use]
            pub const fn get(self) -> f64 {
                self.0
            }
        }

        impl TryFrom<f64> for $name {
            type Error = CoreError;

            fn try_from(x: f64) -> Result<Self> {
                Self::new(x)
            }
        }

        impl From<$name> for f64 {
            fn from(v: $name) -> f64 {
                v.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

elasticity_value!(
    /// Elasticity of substitution between import sources (GTAP's `ESUBM`): finite and `> 0`.
    /// `sigma = 1` (Cobb–Douglas) is admitted, as it always was.
    Sigma,
    Family::Sigma,
    "a finite sigma > 0",
    |x| x.is_finite() && x > 0.0
);

elasticity_value!(
    /// Elasticity of substitution between the domestic good and the import composite (GTAP's
    /// `ESUBD`): finite and `> 0`.
    SigmaD,
    Family::SigmaD,
    "a finite sigma_d > 0",
    |x| x.is_finite() && x > 0.0
);

elasticity_value!(
    /// Elasticity of total (composite) demand with respect to its price index: finite and `<= 0`
    /// (demand slopes down).
    Eta,
    Family::Eta,
    "a finite eta <= 0 (demand slopes down)",
    |x| x.is_finite() && x <= 0.0
);

elasticity_value!(
    /// Export supply elasticity: `> 0`, `+inf` for a perfectly elastic supply (price fixed), or a
    /// finite `< 0` for a downward-sloping supply (scale economies), which the two-level
    /// `armington` accepts when the equilibrium it finds is stable (see
    /// [`crate::StopReason::Unstable`]). Zero and NaN are rejected.
    Eps,
    Family::Eps,
    "eps > 0, inf for a perfectly elastic supply, or a finite eps < 0 for a downward-sloping one",
    // Negative: downward-sloping supply (scale economies); the solver checks stability.
    |x| (x > 0.0 && !x.is_nan()) || (x < 0.0 && x.is_finite())
);

impl Eps {
    /// `+inf`: a perfectly elastic supply (the exporter's price does not move).
    pub const PERFECTLY_ELASTIC: Eps = Eps(f64::INFINITY);
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
    /// Builds from full vectors of validated values (each of length `N * S`, layout
    /// `[s * N + r]`), checking their lengths; `sigma_d` equals `sigma` (one nest: see
    /// [`Elasticities::with_sigma_d`]).
    pub fn new(
        n_regions: usize,
        n_sectors: usize,
        sigma: Vec<Sigma>,
        eta: Vec<Eta>,
        eps: Vec<Eps>,
    ) -> Result<Self> {
        let sigma: Vec<f64> = sigma.into_iter().map(Sigma::get).collect();
        let this = Self {
            n_regions,
            n_sectors,
            sigma_d: sigma.clone(),
            sigma,
            eta: eta.into_iter().map(Eta::get).collect(),
            eps: eps.into_iter().map(Eps::get).collect(),
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

    /// The same elasticities with `sigma_d` (domestic vs imports, length `N * S`) set; the
    /// length is checked.
    pub fn with_sigma_d(mut self, sigma_d: Vec<SigmaD>) -> Result<Self> {
        self.sigma_d = sigma_d.into_iter().map(SigmaD::get).collect();
        self.validate()?;
        Ok(self)
    }

    /// The same three values everywhere (`sigma_d` = `sigma`).
    pub fn uniform(
        n_regions: usize,
        n_sectors: usize,
        sigma: Sigma,
        eta: Eta,
        eps: Eps,
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

    /// Substitution elasticity between import sources of `importer` in `sector`.
    #[inline]
    #[must_use]
    pub fn sigma(&self, importer: RegionId, sector: SectorId) -> f64 {
        self.sigma[sector.index() * self.n_regions + importer.index()]
    }

    /// Domestic-vs-imports substitution elasticity of `importer` in `sector`.
    #[inline]
    #[must_use]
    pub fn sigma_d(&self, importer: RegionId, sector: SectorId) -> f64 {
        self.sigma_d[sector.index() * self.n_regions + importer.index()]
    }

    /// Composite (total) demand elasticity of `importer` in `sector`.
    #[inline]
    #[must_use]
    pub fn eta(&self, importer: RegionId, sector: SectorId) -> f64 {
        self.eta[sector.index() * self.n_regions + importer.index()]
    }

    /// Export supply elasticity of `exporter` in `sector`.
    #[inline]
    #[must_use]
    pub fn eps(&self, exporter: RegionId, sector: SectorId) -> f64 {
        self.eps[sector.index() * self.n_regions + exporter.index()]
    }

    /// Layout accessor: sector `s`'s sigma row, indexed by importer position (`[r]`).
    #[must_use]
    pub fn sector_sigma(&self, s: usize) -> &[f64] {
        &self.sigma[s * self.n_regions..(s + 1) * self.n_regions]
    }

    /// Layout accessor: sector `s`'s sigma_d row, indexed by importer position.
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

    /// Layout accessor: sector `s`'s eta row, indexed by importer position.
    #[must_use]
    pub fn sector_eta(&self, s: usize) -> &[f64] {
        &self.eta[s * self.n_regions..(s + 1) * self.n_regions]
    }

    /// Layout accessor: sector `s`'s eps row, indexed by exporter position.
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

    fn uniform(sigma: f64, eta: f64, eps: f64) -> Elasticities {
        Elasticities::uniform(
            2,
            1,
            Sigma::new(sigma).unwrap(),
            Eta::new(eta).unwrap(),
            Eps::new(eps).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn domains() {
        assert!(Eps::new(f64::INFINITY).is_ok());
        assert!(Sigma::new(0.0).is_err());
        assert!(Sigma::new(f64::NAN).is_err());
        assert!(Sigma::new(f64::INFINITY).is_err());
        assert!(SigmaD::new(0.0).is_err());
        assert!(Eta::new(0.5).is_err());
        assert!(Eta::new(0.0).is_ok());
        assert!(Eps::new(0.0).is_err());
        assert!(Eps::new(-0.5).is_ok());
        assert!(Eps::new(f64::NEG_INFINITY).is_err());
        assert!(Eps::new(f64::NAN).is_err());
        // The messages of the families, which the vector checks share.
        let msg = Eta::new(0.5).unwrap_err().to_string();
        assert_eq!(
            msg,
            "invalid eta 0.5 at the value given: a finite eta <= 0 (demand slopes down)"
        );
        for x in [0.0, -1.0, 1.0, f64::INFINITY, f64::NAN, -0.5] {
            assert_eq!(Family::Sigma.admits(x), Sigma::new(x).is_ok());
            assert_eq!(Family::Eps.admits(x), Eps::new(x).is_ok());
        }
        let mut e = uniform(4.0, -1.0, 1.0);
        let msg = e
            .try_update(|s, _, _, _| s[1] = -3.0)
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "invalid sigma -3 at region #1, sector #0: a finite sigma > 0"
        );
        assert!(e.try_update(|s, _, _, _| s[1] = 3.0).is_ok());
        let (r1, s0) = (RegionId::from_index(1), SectorId::from_index(0));
        assert_eq!(e.sigma(r1, s0), 3.0);
        assert_eq!(e.sigma_d(r1, s0), 4.0, "sigma_d is its own family");
        assert!(e.try_update(|_, d, _, _| d[0] = 0.0).is_err());
        let e = uniform(4.0, -1.0, 1.0);
        assert!(e.is_one_nest());
        let e = e.with_sigma_d(vec![SigmaD::new(2.0).unwrap(); 2]).unwrap();
        assert!(!e.is_one_nest());
        assert_eq!(e.sector_sigma_d(0), &[2.0, 2.0]);
        assert!(
            e.with_sigma_d(vec![SigmaD::new(2.0).unwrap(); 3]).is_err(),
            "length is checked"
        );
    }
}
