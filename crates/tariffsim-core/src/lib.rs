//! `tariffsim-core`: the economics of tariffsim — data types, models, solvers and outcome
//! metrics. No I/O, no printing.
//!
//! A [`Baseline`] holds bilateral flows by sector (`flow(exporter, importer, sector)`, USD at
//! exporter prices) and the baseline ad valorem tariffs. Regions and sectors are named by
//! [`RegionId`] and [`SectorId`] ([`ids`]), which come from the baseline's sets
//! (`baseline.regions().require("USA")?`, `baseline.sectors().ids()`); elasticities are built
//! from the validated [`Sigma`], [`Eta`] and [`Eps`] (and [`SigmaD`]). A scenario turns into a [`Tariffs`]
//! matrix (the rates in force in one phase). [`Elasticities`] carry one draw of `sigma`
//! (substitution between import sources, per importer × sector), `eta` (composite import demand,
//! per importer × sector) and `eps` (export supply, per exporter × sector; `inf` allowed). A
//! [`Model`] maps (baseline, elasticities, tariffs) to an [`Equilibrium`]: price ratios ("hats"),
//! flows after the shock and the welfare pieces. A [`MetricCatalog`] turns an equilibrium into
//! named metrics (`imports.USA.CHN`, `diversion_ratio.USA.CHN`, `balance.CHN`, `welfare.USA`, …;
//! the full list is in [`metrics`]).
//!
//! Models ([`model`]):
//! - `armington` (default): the exact multi-region Armington partial equilibrium — the nonlinear
//!   form of Francois & Hall's GSIM — solved per sector by Newton on `ln phat`.
//! - `gsim-linear`: GSIM's first-order system, one linear solve per sector.
//!
//! Two layers of API: [`Model::solve`] allocates what it needs; [`Model::solve_into`] reuses a
//! [`Workspace`] and an [`Equilibrium`] across calls (the Monte Carlo path).
//!
//! ```
//! use tariffsim_core::{Baseline, Elasticities, Eps, Eta, Focus, MetricCatalog, Model,
//!     Provenance, RegionSet, SectorSet, Sigma, TariffChange};
//!
//! // Three regions, one sector: USA imports from CHN and VNM; CHN also sells to VNM.
//! let regions = RegionSet::from_codes(&["USA", "CHN", "VNM"])?;
//! let sectors = SectorSet::from_codes(&["GOODS"])?;
//! #[rustfmt::skip]
//! let flows = vec![
//!     // to:  USA    CHN    VNM
//!     0.0,   100e9,  20e9,  // from USA
//!     400e9,   0.0,  150e9, // from CHN
//!     120e9,  60e9,   0.0,  // from VNM
//! ];
//! let baseline = Baseline::new(regions, sectors, flows, vec![0.0; 9], false,
//!     Provenance::default())?;
//! let elasticities =
//!     Elasticities::uniform(3, 1, Sigma::new(4.0)?, Eta::new(-1.5)?, Eps::new(10.0)?)?;
//! // USA raises its tariff on CHN by 20 percentage points.
//! let usa = baseline.regions().require("USA")?;
//! let chn = baseline.regions().require("CHN")?;
//! let goods = baseline.sectors().require("GOODS")?;
//! let tariffs = TariffChange::raise_all_sectors(&baseline.baseline_tariffs(), chn, usa, 0.20)
//!     .apply(&baseline.baseline_tariffs())?;
//! let eq = Model::Armington.solve(&baseline, &elasticities, &tariffs)?;
//! assert!(eq.flow(chn, usa, goods) < baseline.flow(chn, usa, goods));
//! let focus = Focus::from_codes(&baseline, "USA", "CHN")?;
//! let metrics = MetricCatalog::new(&baseline, Some(focus)).evaluate(&baseline, &eq);
//! let ratio = metrics.iter().find(|(n, _)| n == "diversion_ratio.USA.CHN").unwrap().1;
//! assert!(ratio > 0.0 && ratio < 1.0);
//! # Ok::<(), tariffsim_core::CoreError>(())
//! ```
//!
//! Errors: constructors validate (a NaN flow or a tariff ≤ −100% cannot be represented), and a
//! solve that does not converge returns a [`SolveError`] naming the sector, the iterations, the
//! residual and the [`StopReason`]. No NaN or infinity ever reaches an [`Equilibrium`].

#![deny(clippy::float_cmp)]

pub mod aggregate;
pub mod baseline;
pub mod elasticity;
pub mod equilibrium;
pub mod error;
pub mod ids;
pub mod linalg;
pub mod members;
pub mod metrics;
pub mod model;
pub mod rerouting;
pub mod sets;
pub mod simd;
pub mod tariff;
pub mod tolerance;

pub use aggregate::{AggregateSector, SectorGrouping};
pub use baseline::{Baseline, Provenance};
pub use elasticity::{
    Elasticities, Eps, Eta, Family, Horizon, HorizonScale, Sigma, SigmaD, SupplyScope,
};
pub use equilibrium::Equilibrium;
pub use error::{CoreError, Result, SolveError, StopReason};
pub use ids::{RegionId, SectorId};
pub use members::Member;
pub use metrics::{Focus, MetricCatalog, MetricWorkspace};
pub use model::{Model, Workspace};
pub use sets::{Group, Region, RegionSet, Sector, SectorSet};
pub use tariff::{TariffCell, TariffChange, Tariffs};
