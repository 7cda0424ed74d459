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
//! # References
//! - Freund, C. (2024), "The China Wash", working paper (rerouting of Chinese goods through third
//!   countries after the 2018–19 US tariffs).
//! - Iyoha, E., Malesky, E., Wen, J., Wu, S.-J. & Feng, B. (2024), "Exports in Disguise? Trade
//!   Rerouting during the US-China Trade War", Harvard Business School working paper.

use crate::baseline::Baseline;
use crate::equilibrium::Equilibrium;
use crate::error::{CoreError, Result};
use crate::tariff::Tariffs;

/// One conduit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Conduit {
    /// Region index.
    pub region: usize,
    /// Ad valorem cost of rerouting through it (≥ 0).
    pub kappa: f64,
    /// Most rerouted value it can carry, as a multiple of its own baseline sales to the
    /// destination in the sector (≥ 0).
    pub capacity: f64,
}

/// A rerouting block: an origin, a destination, its conduits and the route elasticity.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rerouting {
    /// Origin region (`CHN`).
    pub origin: usize,
    /// Destination region (`USA`).
    pub destination: usize,
    /// Conduits.
    pub conduits: Vec<Conduit>,
    /// Route elasticity `rho` (≥ 0).
    pub rho: f64,
}

impl Rerouting {
    /// Validates against a baseline of `n_regions` regions.
    pub fn validate(&self, n_regions: usize) -> Result<()> {
        let bad = |m: String| Err(CoreError::Incompatible(format!("rerouting: {m}")));
        if self.origin >= n_regions || self.destination >= n_regions {
            return bad("origin or destination out of range".into());
        }
        if self.origin == self.destination {
            return bad("origin and destination are the same region".into());
        }
        if !(self.rho.is_finite() && self.rho >= 0.0) {
            return bad(format!("rho {} is not a finite number >= 0", self.rho));
        }
        for (k, c) in self.conduits.iter().enumerate() {
            if c.region >= n_regions || c.region == self.origin || c.region == self.destination {
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
        }
        Ok(())
    }

    /// The rerouted shares `s_k` of every sector (`[s * K + k]`) for tariffs `t1`, with an extra
    /// ad valorem `penalty` (expected: rate × enforcement) on rerouted goods.
    pub fn shares(&self, baseline: &Baseline, t1: &Tariffs, penalty: f64, out: &mut Vec<f64>) {
        let (c, m) = (self.origin, self.destination);
        let kk = self.conduits.len();
        out.clear();
        out.resize(baseline.n_sectors() * kk, 0.0);
        for s in 0..baseline.n_sectors() {
            let origin_sales = baseline.flow(c, m, s);
            if origin_sales <= 0.0 || self.rho == 0.0 {
                continue;
            }
            let ln_hat = |i: usize| (t1.power(i, m, s) / (1.0 + baseline.tariff(i, m, s))).ln();
            let origin_gap = ln_hat(c);
            let row = &mut out[s * kk..(s + 1) * kk];
            let mut total = 0.0;
            for (share, d) in row.iter_mut().zip(&self.conduits) {
                let gap = origin_gap - ln_hat(d.region) - d.kappa.ln_1p() - penalty.ln_1p();
                if gap <= 0.0 {
                    continue;
                }
                let cap = (d.capacity * baseline.flow(d.region, m, s) / origin_sales).min(1.0);
                *share = cap * -(-self.rho * gap).exp_m1();
                total += *share;
            }
            if total > 1.0 {
                for share in row.iter_mut() {
                    *share /= total;
                }
            }
        }
    }

    /// `t1` with the cell `origin → destination` of every sector at the effective power
    /// `T̃ = (1 − Σ s) T1_cm + Σ s_k T1_km (1 + kappa_k)(1 + penalty)`.
    pub fn effective_tariffs(
        &self,
        t1: &Tariffs,
        shares: &[f64],
        penalty: f64,
        out: &mut Tariffs,
    ) -> Result<()> {
        out.clone_from(t1);
        let (c, m) = (self.origin, self.destination);
        let kk = self.conduits.len();
        for s in 0..t1.n_sectors() {
            let row = &shares[s * kk..(s + 1) * kk];
            if row.iter().all(|&x| x == 0.0) {
                continue;
            }
            let direct = 1.0 - row.iter().sum::<f64>();
            let mut power = direct * t1.power(c, m, s);
            for (&share, d) in row.iter().zip(&self.conduits) {
                power += share * t1.power(d.region, m, s) * (1.0 + d.kappa) * (1.0 + penalty);
            }
            out.set(c, m, s, power - 1.0)?;
        }
        Ok(())
    }

    /// Splits the solved sales `origin → destination` into the recorded routes, in place, and
    /// corrects the destination's tariff revenue (the solve charged the effective power on the
    /// whole cell: the rerouted part pays the conduit's rate and the penalty, not `kappa`).
    /// `eq.rerouted` gets each conduit's rerouted value summed over sectors (USD at origin
    /// prices).
    pub fn record(
        &self,
        baseline: &Baseline,
        t1: &Tariffs,
        shares: &[f64],
        penalty: f64,
        eq: &mut Equilibrium,
    ) {
        let n = baseline.n_regions();
        let (c, m) = (self.origin, self.destination);
        let kk = self.conduits.len();
        let mut rerouted = std::mem::take(&mut eq.rerouted);
        rerouted.clear();
        rerouted.resize(kk, 0.0);
        eq.forget_solver_totals();
        for s in 0..baseline.n_sectors() {
            let row = &shares[s * kk..(s + 1) * kk];
            if row.iter().all(|&x| x == 0.0) {
                continue;
            }
            let cell = |i: usize, j: usize| (s * n + i) * n + j;
            let sales = eq.flows[cell(c, m)];
            let direct = 1.0 - row.iter().sum::<f64>();
            // The solve's revenue on the cell at the effective power; replace it by the routes'.
            let effective: f64 = direct * t1.power(c, m, s)
                + row
                    .iter()
                    .zip(&self.conduits)
                    .map(|(&x, d)| x * t1.power(d.region, m, s) * (1.0 + d.kappa) * (1.0 + penalty))
                    .sum::<f64>();
            let mut revenue = -sales * (effective - 1.0) + direct * sales * t1.rate(c, m, s);
            eq.flows[cell(c, m)] = direct * sales;
            for ((&x, d), total) in row.iter().zip(&self.conduits).zip(rerouted.iter_mut()) {
                let v = x * sales;
                *total += v;
                eq.flows[cell(c, d.region)] += v;
                let recorded = v * (1.0 + d.kappa);
                eq.flows[cell(d.region, m)] += recorded;
                revenue += recorded * ((1.0 + t1.rate(d.region, m, s)) * (1.0 + penalty) - 1.0);
            }
            eq.tariff_revenue[s * n + m] += revenue;
        }
        eq.rerouted = rerouted;
        crate::model::armington::finish_welfare(eq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::world;
    use crate::{Elasticities, Model};

    fn block(rho: f64) -> Rerouting {
        Rerouting {
            origin: 1,
            destination: 0,
            conduits: vec![
                Conduit {
                    region: 2,
                    kappa: 0.05,
                    capacity: 0.5,
                },
                Conduit {
                    region: 3,
                    kappa: 0.10,
                    capacity: 0.5,
                },
            ],
            rho,
        }
    }

    fn shock(b: &Baseline, rate: f64) -> Tariffs {
        let mut t = b.baseline_tariffs();
        for s in 0..b.n_sectors() {
            t.set(1, 0, s, rate).unwrap();
        }
        t
    }

    fn solve(b: &Baseline, rr: &Rerouting, t1: &Tariffs) -> (Equilibrium, Vec<f64>, Vec<f64>) {
        let e = Elasticities::uniform(b.n_regions(), b.n_sectors(), 4.0, -1.0, 5.0)
            .unwrap()
            .with_sigma_d(vec![2.0; b.n_regions() * b.n_sectors()])
            .unwrap();
        let mut shares = Vec::new();
        rr.shares(b, t1, 0.0, &mut shares);
        let mut eff = t1.clone();
        rr.effective_tariffs(t1, &shares, 0.0, &mut eff).unwrap();
        let mut eq = Model::Armington.solve(b, &e, &eff).unwrap();
        rr.record(b, t1, &shares, 0.0, &mut eq);
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
        let e = Elasticities::uniform(5, 2, 4.0, -1.0, 5.0)
            .unwrap()
            .with_sigma_d(vec![2.0; 10])
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
        for s in 0..2 {
            let base = b.tariff(1, 0, s);
            t1.set(1, 0, s, (1.0 + base) * 1.04 - 1.0).unwrap();
        }
        let mut shares = Vec::new();
        rr.shares(&b, &t1, 0.0, &mut shares);
        assert!(shares.iter().all(|&x| x == 0.0), "{shares:?}");
        // A 60% duty: both reroute, the cheaper conduit more, within capacity.
        let t1 = shock(&b, 0.6);
        rr.shares(&b, &t1, 0.0, &mut shares);
        assert!(shares.iter().all(|&x| x > 0.0), "{shares:?}");
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
        let e = Elasticities::uniform(5, 2, 4.0, -1.0, 5.0)
            .unwrap()
            .with_sigma_d(vec![2.0; 10])
            .unwrap();
        let mut eff = t1.clone();
        rr.effective_tariffs(&t1, &shares, 0.0, &mut eff).unwrap();
        let unsplit = Model::Armington.solve(&b, &e, &eff).unwrap();
        let mut total_rerouted = 0.0;
        for s in 0..2 {
            let all_routes = unsplit.flow(1, 0, s);
            let routed: f64 = (0..2).map(|k| shares[s * 2 + k] * all_routes).sum();
            total_rerouted += routed;
            let close = |a: f64, c: f64| (a - c).abs() <= 1e-12 * c.abs().max(1.0);
            assert!(close(eq.flow(1, 0, s) + routed, all_routes));
            for (k, d) in rr.conduits.iter().enumerate() {
                let v = shares[s * 2 + k] * all_routes;
                assert!(close(
                    eq.flow(1, d.region, s),
                    unsplit.flow(1, d.region, s) + v
                ));
                assert!(close(
                    eq.flow(d.region, 0, s),
                    unsplit.flow(d.region, 0, s) + v * (1.0 + d.kappa)
                ));
            }
        }
        assert!(total_rerouted > 0.0);
        assert!((rerouted.iter().sum::<f64>() - total_rerouted).abs() <= 1e-9 * total_rerouted);
        // The conduits' recorded sales to the destination rise, the direct route falls further.
        assert!(eq.flow(2, 0, 0) > unsplit.flow(2, 0, 0));
    }

    #[test]
    fn validation_names_the_problem() {
        let mut rr = block(1.0);
        rr.conduits[1].region = 2;
        assert!(rr.validate(5).unwrap_err().to_string().contains("twice"));
        let mut rr = block(-1.0);
        assert!(rr.validate(5).is_err());
        rr.rho = 1.0;
        rr.conduits[0].region = 1;
        assert!(rr.validate(5).is_err());
    }
}
