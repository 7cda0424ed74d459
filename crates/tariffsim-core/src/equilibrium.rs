//! The result of one solve: prices, flows after the shock and the welfare pieces.

use crate::baseline::Baseline;
use crate::ids::{RegionId, SectorId};
use serde::{Deserialize, Serialize};

/// An equilibrium after a tariff change, in "hat" form where it is a ratio (new / baseline).
///
/// Layouts follow the baseline: per-cell arrays are `(s * N + i) * N + j`, per-region-and-sector
/// arrays are `s * N + r`. Money is USD; changes are new minus baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Equilibrium {
    /// Model that produced it (`armington`, `gsim-linear`, ...).
    pub model: &'static str,
    /// Number of regions.
    pub n_regions: usize,
    /// Number of sectors.
    pub n_sectors: usize,
    /// Exporter (factory-gate) price ratio `phat[s * N + i]`.
    pub phat: Vec<f64>,
    /// Importer composite price index ratio `price_index[s * N + j]` (tariff-inclusive prices).
    pub price_index: Vec<f64>,
    /// Flows after the shock, USD at exporter prices, baseline layout (diagonal: domestic sales).
    /// A solver may also record per-sector totals of them for the metrics; edit the flows of a
    /// solved equilibrium only after [`Equilibrium::reset`] (which forgets those totals).
    pub flows: Vec<f64>,
    /// Tariff rates in force after the shock, baseline layout ([`Equilibrium::tariffs`]).
    pub(crate) tariffs: Vec<f64>,
    /// Change in producer surplus of exporter `r` in sector `s`, `[s * N + r]`, USD.
    pub producer_surplus: Vec<f64>,
    /// Change in consumer surplus of importer `r` in sector `s`, `[s * N + r]`, USD.
    pub consumer_surplus: Vec<f64>,
    /// Change in tariff revenue of importer `r` in sector `s`, `[s * N + r]`, USD.
    pub tariff_revenue: Vec<f64>,
    /// Net welfare change per region, USD (PE: PS + CS + revenue; GE: equivalent variation).
    pub welfare: Vec<f64>,
    /// Value rerouted through each conduit of a rerouting block (USD at the origin's prices,
    /// summed over sectors, in the block's conduit order); empty without rerouting.
    #[serde(default)]
    pub rerouted: Vec<f64>,
    /// Solver iterations per sector (0 for a sector the shock does not touch).
    pub iterations: Vec<u32>,
    /// Largest relative market-clearing residual over all sectors and exporters.
    pub residual: f64,
    /// Per sector, what the solver recorded of its totals for the metrics (derived data, not
    /// part of the result: not serialised).
    #[serde(skip)]
    pub(crate) totals: SectorTotals,
    /// The [`crate::Tariffs::uid`] whose rates `tariffs` holds, if it came from a `Tariffs`
    /// matrix: a solve with the same matrix skips copying them again (an equilibrium kept per
    /// phase of a Monte Carlo draw sees the same matrix in every draw).
    #[serde(skip)]
    tariffs_source: TariffsSource,
}

/// Where an equilibrium's tariffs came from (bookkeeping, not part of the result: ignored by
/// equality).
#[derive(Debug, Clone, Copy, Default)]
struct TariffsSource(Option<u64>);

impl PartialEq for TariffsSource {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Per-sector totals after the shock that a solver can hand to the metrics so that they need
/// not sweep every flow again: each exporter's exports and each importer's imports, off the
/// diagonal, `[s * N + r]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SectorTotals {
    /// Per sector: what is known (empty: nothing, the metrics sweep the flows).
    pub(crate) state: Vec<TotalsState>,
    pub(crate) exports: Vec<f64>,
    pub(crate) imports: Vec<f64>,
}

/// What a solver recorded about one sector's totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TotalsState {
    /// Nothing: the metrics sum the flows.
    Unknown,
    /// The sector's flows, prices and welfare are exactly the baseline's.
    Unchanged,
    /// `exports` and `imports` hold the sector's totals after the shock.
    Computed,
}

/// Derived data, not part of the result: two equilibria with the same prices, flows and welfare
/// are equal whether or not their solvers recorded totals.
impl PartialEq for SectorTotals {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl SectorTotals {
    /// Forgets everything (every sector `Unknown`).
    pub(crate) fn clear(&mut self) {
        self.state.clear();
    }

    /// Sized for `n` regions and `sectors` sectors, every sector `Unknown` to start with.
    pub(crate) fn start(&mut self, n: usize, sectors: usize) {
        self.state.clear();
        self.state.resize(sectors, TotalsState::Unknown);
        self.exports.resize(n * sectors, 0.0);
        self.imports.resize(n * sectors, 0.0);
    }

    /// What is known of sector `s`.
    pub(crate) fn of(&self, s: usize) -> TotalsState {
        self.state.get(s).copied().unwrap_or(TotalsState::Unknown)
    }
}

impl Equilibrium {
    /// An equilibrium equal to the baseline (every ratio 1, every change 0), sized for `baseline`.
    #[must_use]
    pub fn unchanged(model: &'static str, baseline: &Baseline) -> Self {
        let n = baseline.n_regions();
        let s = baseline.n_sectors();
        Self {
            model,
            n_regions: n,
            n_sectors: s,
            phat: vec![1.0; n * s],
            price_index: vec![1.0; n * s],
            flows: baseline.flows().to_vec(),
            tariffs: baseline.tariffs().to_vec(),
            producer_surplus: vec![0.0; n * s],
            consumer_surplus: vec![0.0; n * s],
            tariff_revenue: vec![0.0; n * s],
            welfare: vec![0.0; n],
            rerouted: Vec::new(),
            iterations: vec![0; s],
            residual: 0.0,
            totals: SectorTotals::default(),
            tariffs_source: TariffsSource(None),
        }
    }

    /// Tariff rates in force after the shock, baseline layout (`(s * N + i) * N + j`).
    #[must_use]
    pub fn tariffs(&self) -> &[f64] {
        &self.tariffs
    }

    /// Resets to the baseline without reallocating (when the shapes already match).
    pub fn reset(&mut self, model: &'static str, baseline: &Baseline) {
        self.reset_to(model, baseline, baseline.tariffs(), None, false);
    }

    /// Forgets the per-sector totals the solver recorded for the metrics (they then sum the
    /// flows): needed when the metrics compare the flows with another baseline than the one
    /// solved on (a `[macro]`-grown baseline measured against the original).
    pub fn forget_solver_totals(&mut self) {
        self.totals.clear();
    }

    /// Resets to the baseline with the tariffs `rates` in force, without reallocating (when the
    /// shapes match); with `keep_flows` the flows are left as they are, for a solver that
    /// writes every cell of them. `source` is the uid of the `Tariffs` matrix the rates come
    /// from, if any: when the equilibrium already holds that matrix's rates they are not copied
    /// again.
    pub(crate) fn reset_to(
        &mut self,
        model: &'static str,
        baseline: &Baseline,
        rates: &[f64],
        source: Option<u64>,
        keep_flows: bool,
    ) {
        let n = baseline.n_regions();
        let s = baseline.n_sectors();
        if self.n_regions != n || self.n_sectors != s {
            *self = Self::unchanged(model, baseline);
        } else {
            self.model = model;
            self.phat.fill(1.0);
            self.price_index.fill(1.0);
            if !keep_flows {
                self.flows.copy_from_slice(baseline.flows());
            }
            self.producer_surplus.fill(0.0);
            self.consumer_surplus.fill(0.0);
            self.tariff_revenue.fill(0.0);
            self.welfare.fill(0.0);
            self.rerouted.clear();
            self.iterations.fill(0);
            self.residual = 0.0;
            self.totals.clear();
        }
        if source.is_none() || self.tariffs_source.0 != source {
            self.tariffs.copy_from_slice(rates);
            self.tariffs_source = TariffsSource(source);
        }
    }

    /// Flow after the shock from `exporter` to `importer` in `sector`.
    #[inline]
    #[must_use]
    pub fn flow(&self, exporter: RegionId, importer: RegionId, sector: SectorId) -> f64 {
        self.flow_at(exporter.index(), importer.index(), sector.index())
    }

    /// The flow at positions (layout `(s * N + i) * N + j`).
    #[inline]
    fn flow_at(&self, i: usize, j: usize, s: usize) -> f64 {
        self.flows[(s * self.n_regions + i) * self.n_regions + j]
    }

    /// Sum of the new flows from `exporter` to `importer` over sectors.
    #[must_use]
    pub fn bilateral(&self, exporter: RegionId, importer: RegionId) -> f64 {
        (0..self.n_sectors)
            .map(|s| self.flow_at(exporter.index(), importer.index(), s))
            .sum()
    }

    /// Total exports of `exporter` after the shock (excluding domestic sales).
    #[must_use]
    pub fn exports(&self, exporter: RegionId) -> f64 {
        let (n, r) = (self.n_regions, exporter.index());
        (0..self.n_sectors)
            .map(|s| {
                (0..n)
                    .filter(|&j| j != r)
                    .map(|j| self.flow_at(r, j, s))
                    .sum::<f64>()
            })
            .sum()
    }

    /// Total imports of `importer` after the shock at exporter prices (excluding domestic sales).
    #[must_use]
    pub fn imports(&self, importer: RegionId) -> f64 {
        let (n, r) = (self.n_regions, importer.index());
        (0..self.n_sectors)
            .map(|s| {
                (0..n)
                    .filter(|&i| i != r)
                    .map(|i| self.flow_at(i, r, s))
                    .sum::<f64>()
            })
            .sum()
    }

    /// Checks that every number is finite (a NaN or infinity is a failed solve, never an outcome).
    #[must_use]
    pub fn all_finite(&self) -> bool {
        [
            &self.phat,
            &self.price_index,
            &self.flows,
            &self.producer_surplus,
            &self.consumer_surplus,
            &self.tariff_revenue,
            &self.welfare,
        ]
        .iter()
        .all(|v| v.iter().all(|x| x.is_finite()))
            && self.residual.is_finite()
    }
}
