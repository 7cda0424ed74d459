//! Rerouting through third countries: part of an origin's sales to a destination ships through
//! (or is finished in) a conduit and is recorded as the conduit's export.
//!
//! For an origin `c`, a destination `m` and conduits `k`, per sector, the route via `k` costs
//! the conduit's tariff in `m` plus an ad valorem rerouting cost `kappa_k` (and, where a scenario
//! sets one, a penalty on rerouted goods times its enforcement). What moves rerouting is the
//! change of the tariff gap from the baseline (the baseline's recorded flows already hold
//! whatever rerouting there was in 2024):
//!
//! - `gap_k = ln That_cm − ln That_km − ln(1 + kappa_k) − ln(1 + penalty_k)`
//! - the share of `c`'s sales to `m` rerouted via `k`:
//!   `s_k = cap_k (1 − exp(−rho · max(0, gap_k)))`, where `cap_k` is the conduit's capacity —
//!   at most `capacity_k` times its own baseline sales to `m` — as a share of `c`'s baseline
//!   sales to `m` (capped at 1; if the shares add up to more than 1 they are scaled down to 1).
//!   Rerouting is exactly zero when the origin's added tariff does not exceed the conduit's plus
//!   `kappa`, and rises smoothly to the capacity as the gap widens (`rho` is the route
//!   elasticity: `s_k ≈ cap_k rho gap_k` for small gaps).
//! - buyers in `m` pay, per unit of `c`'s good, the route-share-weighted cost:
//!   `T̃_cm = (1 − Σ s_k) T1_cm + Σ_k s_k T1_km (1 + kappa_k)(1 + penalty_k)` — the effective
//!   tariff power the model solves with for the cell `c → m`.
//! - recorded trade: of `c`'s sales to `m` (value at `c`'s prices, `v`), `(1 − Σ s_k) v` is
//!   recorded `c → m`; `s_k v` is recorded `c → k` (the origin's sales to the conduit) and
//!   `s_k v (1 + kappa_k)` as `k → m` (the conduit's sales, its rerouting cost included). `m`'s
//!   tariff revenue on the rerouted part is the conduit's rate (and the penalty's expected take),
//!   not `kappa`.
//!
//! With `rho = 0`, or no conduits, the model is exactly the model without rerouting.
//!
//! # Rerouting already in the baseline
//! A conduit may carry a `baseline_share` `b_k`: the part of its recorded baseline sales to `m` that
//! is the origin's goods rerouted (Iyoha et al. estimate 1.8–16% of Viet Nam's US exports in 2021).
//! At the origin's prices that is `v_k = b_k x_km / (1 + kappa0_k)` (`kappa0`: the conduit's cost
//! as the scenario states it, not a Monte Carlo draw's), at most the origin's recorded sales to
//! the conduit. The model then solves on the **true-origin baseline**: `v_k` moved from `k → m`
//! (as `b_k x_km`) and from `c → k` into `c → m`, whose baseline tariff power becomes the
//! route-weighted `T̃0 = (1 − Σ beta) T0_cm + Σ beta_k T0_km (1 + kappa0_k)` with
//! `beta_k = v_k / (x_cm + Σ v)`. The share routed via `k` is then the baseline part plus any new
//! rerouting, with `D_k = ln That_cm − ln That_km − ln(1 + penalty)` the change of the tariff gap:
//!
//! - baseline part `beta_k exp(rho · min(D_k, 0))`: kept while the gap does not narrow, unwound
//!   (at the same route semi-elasticity `rho`) when it does — a tariff cut on the origin or a
//!   transshipment penalty;
//! - new part `(cap_k − beta_k)⁺ (1 − exp(−rho · max(0, D_k − ln(1 + kappa_k))))`, as above.
//!
//! The baseline part pays `kappa0`, the new part `kappa`. Recording splits the solved sales back
//! into the routes, so a sector whose tariffs do not change is the original baseline, exactly;
//! tariff revenue is measured against the original baseline's (the true-origin baseline's
//! effective power counts `kappa0` as if it were duty).
//!
//! # References
//! - Freund, C. (2024), "The China Wash", working paper (rerouting of Chinese goods through third
//!   countries after the 2018–19 US tariffs).
//! - Iyoha, E., Malesky, E., Wen, J., Wu, S.-J. & Feng, B. (2024), "Exports in Disguise? Trade
//!   Rerouting during the US-China Trade War", Harvard Business School working paper.

use crate::baseline::Baseline;
use crate::equilibrium::Equilibrium;
use crate::error::{CoreError, Result};
use crate::ids::{RegionId, SectorId};
use crate::tariff::Tariffs;

/// One conduit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Conduit {
    /// The conduit region.
    pub region: RegionId,
    /// Ad valorem cost of rerouting through it (≥ 0).
    pub kappa: f64,
    /// Most rerouted value it can carry, as a multiple of its own baseline sales to the
    /// destination in the sector (≥ 0).
    pub capacity: f64,
    /// Share of its recorded baseline sales to the destination that is the origin's goods
    /// rerouted, in every sector (`[0, 1)`; 0: none).
    #[serde(default)]
    pub baseline_share: f64,
    /// The cost of the baseline's rerouting (the scenario's `kappa`, never drawn).
    #[serde(default)]
    pub baseline_kappa: f64,
}

/// A rerouting block: an origin, a destination, its conduits and the route elasticity.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rerouting {
    /// Origin region (`CHN`).
    pub origin: RegionId,
    /// Destination region (`USA`).
    pub destination: RegionId,
    /// Conduits.
    pub conduits: Vec<Conduit>,
    /// Route elasticity `rho` (≥ 0).
    pub rho: f64,
}

impl Rerouting {
    /// Validates against a baseline of `n_regions` regions.
    pub fn validate(&self, n_regions: usize) -> Result<()> {
        let bad = |m: String| Err(CoreError::Incompatible(format!("rerouting: {m}")));
        if self.origin.index() >= n_regions || self.destination.index() >= n_regions {
            return bad("origin or destination out of range".into());
        }
        if self.origin == self.destination {
            return bad("origin and destination are the same region".into());
        }
        if !(self.rho.is_finite() && self.rho >= 0.0) {
            return bad(format!("rho {} is not a finite number >= 0", self.rho));
        }
        for (k, c) in self.conduits.iter().enumerate() {
            if c.region.index() >= n_regions
                || c.region == self.origin
                || c.region == self.destination
            {
                return bad(format!(
                    "conduit #{k} is out of range or the origin/destination"
                ));
            }
            if self.conduits[..k].iter().any(|d| d.region == c.region) {
                return bad(format!("conduit #{k} is listed twice"));
            }
            if !(c.kappa.is_finite() && c.kappa >= 0.0) {
                return bad(format!("kappa {} of conduit #{k} is not >= 0", c.kappa));
            }
            if !(c.capacity.is_finite() && c.capacity >= 0.0) {
                return bad(format!(
                    "capacity {} of conduit #{k} is not >= 0",
                    c.capacity
                ));
            }
            if !((0.0..1.0).contains(&c.baseline_share)
                && c.baseline_kappa.is_finite()
                && c.baseline_kappa >= 0.0)
            {
                return bad(format!(
                    "baseline share {} of conduit #{k} is not in [0, 1) (or its kappa is not >= 0)",
                    c.baseline_share
                ));
            }
        }
        Ok(())
    }

    /// Whether any conduit carries rerouting in the baseline.
    #[must_use]
    pub fn has_baseline_rerouting(&self) -> bool {
        self.conduits.iter().any(|d| d.baseline_share > 0.0)
    }

    /// The baseline's rerouted value via conduit `k` in sector `s`, at the origin's prices:
    /// `v = b_k x_km / (1 + kappa0_k)`, at most the origin's recorded sales to the conduit.
    fn baseline_value(&self, routes: &Baseline, s: SectorId, k: usize) -> f64 {
        let d = &self.conduits[k];
        if d.baseline_share <= 0.0 {
            return 0.0;
        }
        let v = d.baseline_share * routes.flow(d.region, self.destination, s)
            / (1.0 + d.baseline_kappa);
        v.min(routes.flow(self.origin, d.region, s)).max(0.0)
    }

    /// The true-origin baseline (see the module docs): the baseline's rerouted sales moved back
    /// to the origin's own cell, whose baseline tariff becomes the route-weighted power.
    /// `routes` is the baseline as recorded.
    pub fn true_origin_baseline(&self, routes: &Baseline) -> Result<Baseline> {
        let n = routes.n_regions();
        let (c, m) = (self.origin, self.destination);
        let mut flows = routes.flows().to_vec();
        let mut tariffs = routes.tariffs().to_vec();
        let cell =
            |s: SectorId, i: RegionId, j: RegionId| (s.index() * n + i.index()) * n + j.index();
        for s in routes.sectors().ids() {
            let direct = routes.flow(c, m, s);
            let mut moved = 0.0;
            let mut power = direct * (1.0 + routes.tariff(c, m, s));
            for (k, d) in self.conduits.iter().enumerate() {
                let v = self.baseline_value(routes, s, k);
                if v <= 0.0 {
                    continue;
                }
                flows[cell(s, d.region, m)] -= v * (1.0 + d.baseline_kappa);
                flows[cell(s, c, d.region)] -= v;
                moved += v;
                power += v * (1.0 + routes.tariff(d.region, m, s)) * (1.0 + d.baseline_kappa);
            }
            if moved > 0.0 {
                let total = direct + moved;
                flows[cell(s, c, m)] = total;
                tariffs[cell(s, c, m)] = power / total - 1.0;
            }
        }
        for v in &mut flows {
            // A subtraction can leave a rounding residue below zero.
            *v = v.max(0.0);
        }
        let mut provenance = routes.provenance().clone();
        provenance.version = format!("{} + baseline rerouting", provenance.version);
        Baseline::new(
            routes.regions().clone(),
            routes.sectors().clone(),
            flows,
            tariffs,
            routes.has_domestic(),
            provenance,
        )
    }

    /// The rerouted shares of every sector for tariffs `t1`, with an extra ad valorem `penalty`
    /// (expected: rate × enforcement) on rerouted goods: `out[s * 2K + k]` is the share `s_k` of
    /// the origin's sales to the destination routed via conduit `k`, `out[s * 2K + K + k]` its
    /// baseline part. `routes` is the baseline as recorded (see the module docs).
    pub fn shares(&self, routes: &Baseline, t1: &Tariffs, penalty: f64, out: &mut Vec<f64>) {
        let (c, m) = (self.origin, self.destination);
        let kk = self.conduits.len();
        out.clear();
        out.resize(routes.n_sectors() * 2 * kk, 0.0);
        for sector in routes.sectors().ids() {
            let s = sector.index();
            let direct = routes.flow(c, m, sector);
            let moved: f64 = (0..kk)
                .map(|k| self.baseline_value(routes, sector, k))
                .sum();
            let origin_sales = direct + moved;
            if origin_sales <= 0.0 {
                continue;
            }
            let ln_hat =
                |i: RegionId| (t1.power(i, m, sector) / (1.0 + routes.tariff(i, m, sector))).ln();
            let origin_gap = ln_hat(c);
            let (row, base_row) = out[s * 2 * kk..(s + 1) * 2 * kk].split_at_mut(kk);
            let mut total = 0.0;
            for (k, d) in self.conduits.iter().enumerate() {
                let beta = self.baseline_value(routes, sector, k) / origin_sales;
                let change = origin_gap - ln_hat(d.region) - penalty.ln_1p();
                let base = if beta > 0.0 {
                    beta * (self.rho * change.min(0.0)).exp()
                } else {
                    0.0
                };
                let gap = change - d.kappa.ln_1p();
                let cap = (d.capacity * routes.flow(d.region, m, sector) / origin_sales).min(1.0);
                let new = if gap > 0.0 && self.rho > 0.0 && cap > beta {
                    (cap - beta) * -(-self.rho * gap).exp_m1()
                } else {
                    0.0
                };
                row[k] = base + new;
                base_row[k] = base;
                total += row[k];
            }
            if total > 1.0 {
                for (x, b) in row.iter_mut().zip(base_row.iter_mut()) {
                    *x /= total;
                    *b /= total;
                }
            }
        }
    }

    /// The cost factor of the routes via conduit `k` in sector `s` of `shares`:
    /// `(base (1 + kappa0) + new (1 + kappa)) / share`, weighted by the two parts.
    fn route_cost(&self, shares: &[f64], s: usize, k: usize) -> f64 {
        let kk = self.conduits.len();
        let d = &self.conduits[k];
        let (x, base) = (shares[s * 2 * kk + k], shares[s * 2 * kk + kk + k]);
        base * (1.0 + d.baseline_kappa) + (x - base) * (1.0 + d.kappa)
    }

    /// `t1` with the cell `origin → destination` of every sector at the effective power
    /// `T̃ = (1 − Σ s) T1_cm + Σ s_k T1_km (1 + kappa_k)(1 + penalty)` (the baseline part of
    /// `s_k` at `1 + kappa0_k`). With rerouting in the baseline the power is the true-origin
    /// baseline's `T̃0` times the ratio of `T̃` to the same sum at the baseline's shares and
    /// tariffs, so a sector with nothing changed has `T̃ = T̃0` bit for bit (and stays the
    /// baseline, exactly). `(routes, solved)` as in [`Self::record`].
    pub fn effective_tariffs(
        &self,
        (routes, solved): (&Baseline, &Baseline),
        t1: &Tariffs,
        shares: &[f64],
        penalty: f64,
        out: &mut Tariffs,
    ) -> Result<()> {
        out.clone_from(t1);
        let (c, m) = (self.origin, self.destination);
        let kk = self.conduits.len();
        let with_base = self.has_baseline_rerouting();
        for s in 0..t1.n_sectors() {
            let sector = SectorId::from_index(s);
            let row = &shares[s * 2 * kk..s * 2 * kk + kk];
            if row.iter().all(|&x| x == 0.0) {
                continue;
            }
            let direct = 1.0 - row.iter().sum::<f64>();
            let mut routed = 0.0;
            for (k, d) in self.conduits.iter().enumerate() {
                routed += self.route_cost(shares, s, k)
                    * (t1.power(d.region, m, sector) * (1.0 + penalty));
            }
            let mut power = direct * t1.power(c, m, sector) + routed;
            if with_base {
                // The same sum at the baseline (its shares and tariffs, no penalty), in the same
                // order: equal inputs give equal bits, so an unchanged sector stays unchanged.
                let origin_sales = solved.flow(c, m, sector);
                let mut betas = 0.0;
                let mut base_routed = 0.0;
                if origin_sales > 0.0 {
                    for (k, d) in self.conduits.iter().enumerate() {
                        let beta = self.baseline_value(routes, sector, k) / origin_sales;
                        betas += beta;
                        base_routed += beta
                            * (1.0 + d.baseline_kappa)
                            * (1.0 + routes.tariff(d.region, m, sector));
                    }
                }
                let base_power = (1.0 - betas) * (1.0 + routes.tariff(c, m, sector)) + base_routed;
                power = (1.0 + solved.tariff(c, m, sector)) * (power / base_power);
            }
            out.set(c, m, sector, power - 1.0)?;
        }
        Ok(())
    }

    /// Splits the solved sales `origin → destination` into the recorded routes, in place, and
    /// corrects the destination's tariff revenue (the solve charged the effective power on the
    /// whole cell: the rerouted part pays the conduit's rate and the penalty, not `kappa`).
    /// `eq.rerouted` gets each conduit's change in rerouted value from the baseline's, summed
    /// over sectors (USD at origin prices). `routes` is the baseline as recorded, `solved` the
    /// one the model solved on ([`Self::true_origin_baseline`], or `routes` itself without
    /// baseline rerouting): a sector the solver left at `solved` exactly is `routes`, exactly.
    pub fn record(
        &self,
        (routes, solved): (&Baseline, &Baseline),
        t1: &Tariffs,
        shares: &[f64],
        penalty: f64,
        eq: &mut Equilibrium,
    ) {
        let n = routes.n_regions();
        let (c, m) = (self.origin, self.destination);
        let kk = self.conduits.len();
        let mut rerouted = std::mem::take(&mut eq.rerouted);
        rerouted.clear();
        rerouted.resize(kk, 0.0);
        // Runs once per phase of every draw: no allocation (the solver's per-sector state is
        // read before the totals are forgotten at the end).
        for sector in routes.sectors().ids() {
            let s = sector.index();
            let unchanged = eq.totals.of(s) == crate::equilibrium::TotalsState::Unchanged;
            let row = &shares[s * 2 * kk..s * 2 * kk + kk];
            let moved_here = (0..kk).any(|k| self.baseline_value(routes, sector, k) > 0.0);
            if row.iter().all(|&x| x == 0.0) && !moved_here {
                continue;
            }
            let cell = |i: RegionId, j: RegionId| (s * n + i.index()) * n + j.index();
            if unchanged {
                // The baseline's own routes, as recorded (the revenue change is 0 already).
                eq.flows[cell(c, m)] = routes.flow(c, m, sector);
                for d in &self.conduits {
                    eq.flows[cell(c, d.region)] = routes.flow(c, d.region, sector);
                    eq.flows[cell(d.region, m)] = routes.flow(d.region, m, sector);
                }
                continue;
            }
            let sales = eq.flows[cell(c, m)];
            let direct = 1.0 - row.iter().sum::<f64>();
            // The solve's revenue on the cell at the effective power; replace it by the routes'.
            let effective: f64 = direct * t1.power(c, m, sector)
                + (0..kk)
                    .map(|k| {
                        self.route_cost(shares, s, k)
                            * t1.power(self.conduits[k].region, m, sector)
                            * (1.0 + penalty)
                    })
                    .sum::<f64>();
            let mut revenue = -sales * (effective - 1.0) + direct * sales * t1.rate(c, m, sector);
            // The true-origin baseline's revenue on its origin cell counts kappa0 as duty: measure
            // against the recorded baseline's routes instead.
            revenue += solved.flow(c, m, sector) * solved.tariff(c, m, sector)
                - routes.flow(c, m, sector) * routes.tariff(c, m, sector);
            eq.flows[cell(c, m)] = direct * sales;
            for (k, d) in self.conduits.iter().enumerate() {
                let v = row[k] * sales;
                rerouted[k] += v - self.baseline_value(routes, sector, k);
                eq.flows[cell(c, d.region)] += v;
                let recorded = self.route_cost(shares, s, k) * sales;
                eq.flows[cell(d.region, m)] += recorded;
                revenue +=
                    recorded * ((1.0 + t1.rate(d.region, m, sector)) * (1.0 + penalty) - 1.0);
                // The conduit's recorded baseline sales paid its rate on the moved part too.
                let moved = routes.flow(d.region, m, sector) - solved.flow(d.region, m, sector);
                revenue -= moved * routes.tariff(d.region, m, sector);
            }
            eq.tariff_revenue[s * n + m.index()] += revenue;
        }
        eq.forget_solver_totals();
        eq.rerouted = rerouted;
        crate::model::armington::finish_welfare(eq);
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // the baseline part of a share is the share itself, bit for bit
mod tests {
    use super::*;
    use crate::Model;
    use crate::model::test_support::{r, sec, sigma_d, uniform, world};

    fn block(rho: f64) -> Rerouting {
        Rerouting {
            origin: r(1),
            destination: r(0),
            conduits: vec![
                Conduit {
                    region: r(2),
                    kappa: 0.05,
                    capacity: 0.5,
                    baseline_share: 0.0,
                    baseline_kappa: 0.05,
                },
                Conduit {
                    region: r(3),
                    kappa: 0.10,
                    capacity: 0.5,
                    baseline_share: 0.0,
                    baseline_kappa: 0.10,
                },
            ],
            rho,
        }
    }

    fn shock(b: &Baseline, rate: f64) -> Tariffs {
        let mut t = b.baseline_tariffs();
        for s in b.sectors().ids() {
            t.set(r(1), r(0), s, rate).unwrap();
        }
        t
    }

    fn solve(b: &Baseline, rr: &Rerouting, t1: &Tariffs) -> (Equilibrium, Vec<f64>, Vec<f64>) {
        let e = uniform(b.n_regions(), b.n_sectors(), 4.0, -1.0, 5.0)
            .with_sigma_d(sigma_d(2.0, b.n_regions() * b.n_sectors()))
            .unwrap();
        let solved = rr.true_origin_baseline(b).unwrap();
        let mut shares = Vec::new();
        rr.shares(b, t1, 0.0, &mut shares);
        let mut eff = t1.clone();
        rr.effective_tariffs((b, &solved), t1, &shares, 0.0, &mut eff)
            .unwrap();
        let mut eq = Model::Armington.solve(&solved, &e, &eff).unwrap();
        rr.record((b, &solved), t1, &shares, 0.0, &mut eq);
        let rerouted = eq.rerouted.clone();
        (eq, shares, rerouted)
    }

    /// `rho = 0` is the model without rerouting, bit for bit.
    #[test]
    fn no_route_elasticity_is_the_plain_model() {
        let b = world(5, 2);
        let t1 = shock(&b, 1.45);
        let (eq, shares, rerouted) = solve(&b, &block(0.0), &t1);
        assert!(shares.iter().all(|&x| x == 0.0));
        assert!(rerouted.iter().all(|&x| x == 0.0));
        let e = uniform(5, 2, 4.0, -1.0, 5.0)
            .with_sigma_d(sigma_d(2.0, 10))
            .unwrap();
        let plain = Model::Armington.solve(&b, &e, &t1).unwrap();
        assert_eq!(eq.flows, plain.flows);
        assert_eq!(eq.welfare, plain.welfare);
    }

    /// No rerouting while the origin's added tariff does not exceed the conduit's plus kappa.
    #[test]
    fn no_rerouting_below_the_cost() {
        let b = world(5, 2);
        let rr = block(5.0);
        // +4% on the origin: below both conduits' kappa (5%, 10%) over their baseline rates.
        let t1 = b.baseline_tariffs();
        let mut t1 = t1;
        for s in b.sectors().ids() {
            let base = b.tariff(r(1), r(0), s);
            t1.set(r(1), r(0), s, (1.0 + base) * 1.04 - 1.0).unwrap();
        }
        let mut shares = Vec::new();
        rr.shares(&b, &t1, 0.0, &mut shares);
        assert!(shares.iter().all(|&x| x == 0.0), "{shares:?}");
        // A 60% duty: both reroute, the cheaper conduit more, within capacity.
        let t1 = shock(&b, 0.6);
        rr.shares(&b, &t1, 0.0, &mut shares);
        assert!(
            (0..2).all(|s| shares[s * 4..s * 4 + 2].iter().all(|&x| x > 0.0)),
            "{shares:?}"
        );
        // A penalty as large as the gap stops it again.
        rr.shares(&b, &t1, 1.0, &mut shares);
        assert!(shares.iter().all(|&x| x == 0.0), "{shares:?}");
    }

    /// Adding-up: the origin's sales to the destination (the model's, all routes) equal the
    /// recorded direct sales plus the rerouted value; each conduit's recorded sales rise by the
    /// rerouted value times `1 + kappa`, the origin's sales to it by the rerouted value.
    #[test]
    fn routes_add_up() {
        let b = world(5, 2);
        let rr = block(5.0);
        let t1 = shock(&b, 1.45);
        let (eq, shares, rerouted) = solve(&b, &rr, &t1);
        let e = uniform(5, 2, 4.0, -1.0, 5.0)
            .with_sigma_d(sigma_d(2.0, 10))
            .unwrap();
        let mut eff = t1.clone();
        rr.effective_tariffs((&b, &b), &t1, &shares, 0.0, &mut eff)
            .unwrap();
        let unsplit = Model::Armington.solve(&b, &e, &eff).unwrap();
        let mut total_rerouted = 0.0;
        for sector in b.sectors().ids() {
            let s = sector.index();
            let all_routes = unsplit.flow(r(1), r(0), sector);
            let routed: f64 = (0..2).map(|k| shares[s * 4 + k] * all_routes).sum();
            total_rerouted += routed;
            let close = |a: f64, c: f64| (a - c).abs() <= 1e-12 * c.abs().max(1.0);
            assert!(close(eq.flow(r(1), r(0), sector) + routed, all_routes));
            for (k, d) in rr.conduits.iter().enumerate() {
                let v = shares[s * 4 + k] * all_routes;
                assert!(close(
                    eq.flow(r(1), d.region, sector),
                    unsplit.flow(r(1), d.region, sector) + v
                ));
                assert!(close(
                    eq.flow(d.region, r(0), sector),
                    unsplit.flow(d.region, r(0), sector) + v * (1.0 + d.kappa)
                ));
            }
        }
        assert!(total_rerouted > 0.0);
        assert!((rerouted.iter().sum::<f64>() - total_rerouted).abs() <= 1e-9 * total_rerouted);
        // The conduits' recorded sales to the destination rise, the direct route falls further.
        assert!(eq.flow(r(2), r(0), sec(0)) > unsplit.flow(r(2), r(0), sec(0)));
    }

    #[test]
    fn validation_names_the_problem() {
        let mut rr = block(1.0);
        rr.conduits[1].region = r(2);
        assert!(rr.validate(5).unwrap_err().to_string().contains("twice"));
        let mut rr = block(-1.0);
        assert!(rr.validate(5).is_err());
        rr.rho = 1.0;
        rr.conduits[0].region = r(1);
        assert!(rr.validate(5).is_err());
    }

    fn with_baseline(rho: f64, share: f64) -> Rerouting {
        let mut rr = block(rho);
        rr.conduits[0].baseline_share = share;
        rr
    }

    /// Rerouting in the baseline, no tariff change: the recorded baseline, bit for bit, and no
    /// rerouted change.
    #[test]
    fn baseline_rerouting_without_a_shock_is_the_baseline() {
        let b = world(5, 2);
        let rr = with_baseline(1.0, 0.2);
        let (eq, shares, rerouted) = solve(&b, &rr, &b.baseline_tariffs());
        assert!(shares[0] > 0.0 && shares[0] == shares[2], "{shares:?}");
        assert_eq!(eq.flows, b.flows());
        assert!(rerouted.iter().all(|&x| x == 0.0), "{rerouted:?}");
        assert!(eq.tariff_revenue.iter().all(|&x| x == 0.0));
        // The true-origin baseline moved the conduit's rerouted sales to the origin's cell.
        let t = rr.true_origin_baseline(&b).unwrap();
        let s0 = sec(0);
        let v = 0.2 * b.flow(r(2), r(0), s0) / 1.05;
        assert!((t.flow(r(1), r(0), s0) - (b.flow(r(1), r(0), s0) + v)).abs() < 1e-12);
        assert!((t.flow(r(2), r(0), s0) - 0.8 * b.flow(r(2), r(0), s0)).abs() < 1e-12);
        assert!((t.flow(r(1), r(2), s0) - (b.flow(r(1), r(2), s0) - v)).abs() < 1e-12);
    }

    /// A duty on the origin raises rerouting above the baseline's; a cut below the baseline
    /// rate, or a penalty, unwinds part of the baseline's rerouting (the routed share falls below
    /// the baseline's). The routes add up in every case.
    #[test]
    fn baseline_rerouting_rises_and_unwinds() {
        let b = world(5, 2);
        let plain = block(0.0);
        let based = with_baseline(2.0, 0.2);
        // Up: more rerouted than the baseline's.
        let (_, _, up) = solve(&b, &based, &shock(&b, 0.8));
        assert!(up[0] > 0.0, "{up:?}");
        // Down: the origin's rate cut to zero everywhere (below the baseline's).
        let cut = shock(&b, 0.0);
        let (eq_b, shares, _) = solve(&b, &based, &cut);
        let (eq_p, _, _) = solve(&b, &plain, &cut);
        let mut at_base = Vec::new();
        based.shares(&b, &b.baseline_tariffs(), 0.0, &mut at_base);
        // The routed share falls below the baseline's (all of it the baseline's part, unwinding).
        assert!(
            shares[0] < at_base[0] && shares[0] == shares[2],
            "{shares:?} {at_base:?}"
        );
        // Part of the conduit's recorded sales were the origin's goods: they follow the origin's
        // price (and its cut), not the conduit's, so the conduit's recorded sales differ from
        // the model that takes them all for the conduit's own.
        assert!((eq_b.flow(r(2), r(0), sec(0)) - eq_p.flow(r(2), r(0), sec(0))).abs() > 1e-3);
        // Adding-up: the origin's sales by all routes are the solved true-origin cell.
        let solved = based.true_origin_baseline(&b).unwrap();
        let e = uniform(5, 2, 4.0, -1.0, 5.0)
            .with_sigma_d(sigma_d(2.0, 10))
            .unwrap();
        let mut eff = cut.clone();
        based
            .effective_tariffs((&b, &solved), &cut, &shares, 0.0, &mut eff)
            .unwrap();
        let unsplit = Model::Armington.solve(&solved, &e, &eff).unwrap();
        for sector in b.sectors().ids() {
            let s = sector.index();
            let all_routes = unsplit.flow(r(1), r(0), sector);
            let routed: f64 = (0..2).map(|k| shares[s * 4 + k] * all_routes).sum();
            assert!(
                (eq_b.flow(r(1), r(0), sector) + routed - all_routes).abs() <= 1e-9 * all_routes
            );
        }
        // A penalty on rerouted goods unwinds the baseline's rerouting too.
        let mut out = Vec::new();
        based.shares(&b, &b.baseline_tariffs(), 0.0, &mut out);
        let kept = out[0];
        based.shares(&b, &b.baseline_tariffs(), 0.4, &mut out);
        assert!(out[0] < kept && out[0] > 0.0, "{} {kept}", out[0]);
        assert_eq!(out[2], out[0], "all of it is the baseline's part");
    }
}
