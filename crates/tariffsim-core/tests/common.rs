//! Shared helpers for the core integration tests: random baselines and independent checks.

#![allow(dead_code)]

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tariffsim_core::{
    Baseline, Elasticities, Eps, Equilibrium, Eta, Provenance, RegionId, RegionSet, SectorId,
    SectorSet, Sigma, SigmaD, TariffCell, TariffChange, Tariffs,
};

/// Region `i` of a test layout.
pub fn r(i: usize) -> RegionId {
    RegionId::from_index(i)
}

/// Sector `s` of a test layout.
pub fn sec(s: usize) -> SectorId {
    SectorId::from_index(s)
}

/// The same `sigma`, `eta` and `eps` everywhere (panics on an invalid value).
pub fn uniform(n: usize, n_sectors: usize, sigma: f64, eta: f64, eps: f64) -> Elasticities {
    Elasticities::uniform(
        n,
        n_sectors,
        Sigma::new(sigma).unwrap(),
        Eta::new(eta).unwrap(),
        Eps::new(eps).unwrap(),
    )
    .unwrap()
}

/// `len` copies of `sigma_d` (panics on an invalid value).
pub fn sigma_d(x: f64, len: usize) -> Vec<SigmaD> {
    vec![SigmaD::new(x).unwrap(); len]
}

/// A random baseline: N regions, S sectors, log-uniform flows over four orders of magnitude,
/// about 15% zero cells, tariffs in [0, 0.3]. Deterministic in `seed`.
pub fn random_baseline(n: usize, s: usize, seed: u64) -> Baseline {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let codes: Vec<String> = (0..n).map(|i| format!("R{i}")).collect();
    let sectors: Vec<String> = (0..s).map(|k| format!("S{k}")).collect();
    let mut flows = vec![0.0; n * n * s];
    let mut tariffs = vec![0.0; n * n * s];
    for k in 0..s {
        for i in 0..n {
            for j in 0..n {
                let c = (k * n + i) * n + j;
                if i != j && rng.random::<f64>() > 0.15 {
                    flows[c] = 10f64.powf(6.0 + 4.0 * rng.random::<f64>());
                }
                tariffs[c] = 0.3 * rng.random::<f64>();
            }
        }
    }
    Baseline::new(
        RegionSet::from_codes(&codes).unwrap(),
        SectorSet::from_codes(&sectors).unwrap(),
        flows,
        tariffs,
        false,
        Provenance::default(),
    )
    .unwrap()
}

/// `b` with domestic sales on the diagonal: `factor` times each region's exports of the sector
/// (and a 5% internal tariff on every third region's diagonal).
pub fn with_domestic_sales(b: &Baseline, factor: f64) -> Baseline {
    let n = b.n_regions();
    let mut flows = b.flows().to_vec();
    let mut tariffs = b.tariffs().to_vec();
    for s in 0..b.n_sectors() {
        for i in 0..n {
            let exports: f64 = (0..n)
                .filter(|&j| j != i)
                .map(|j| b.flow(r(i), r(j), sec(s)))
                .sum();
            flows[(s * n + i) * n + i] = factor * exports.max(1.0);
            tariffs[(s * n + i) * n + i] = if i % 3 == 0 { 0.05 } else { 0.0 };
        }
    }
    Baseline::new(
        b.regions().clone(),
        b.sectors().clone(),
        flows,
        tariffs,
        true,
        Provenance::default(),
    )
    .unwrap()
}

/// Random elasticities within the given ranges (eps = inf with probability `p_inf`).
pub fn random_elasticities(
    n: usize,
    s: usize,
    seed: u64,
    sigma: (f64, f64),
    eta: (f64, f64),
    eps: (f64, f64),
    p_inf: f64,
) -> Elasticities {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut draw = |lo: f64, hi: f64| lo + (hi - lo) * rng.random::<f64>();
    let sig: Vec<Sigma> = (0..n * s)
        .map(|_| Sigma::new(draw(sigma.0, sigma.1)).unwrap())
        .collect();
    let et: Vec<Eta> = (0..n * s)
        .map(|_| Eta::new(draw(eta.0, eta.1)).unwrap())
        .collect();
    let ep: Vec<Eps> = (0..n * s)
        .map(|_| {
            if draw(0.0, 1.0) < p_inf {
                Eps::PERFECTLY_ELASTIC
            } else {
                // log-uniform over the range
                Eps::new((draw(eps.0.ln(), eps.1.ln())).exp()).unwrap()
            }
        })
        .collect();
    Elasticities::new(n, s, sig, et, ep).unwrap()
}

/// Importer `importer` multiplies the tariff power on `exporter` by `factor` in every sector.
pub fn scale_power(b: &Baseline, exporter: RegionId, importer: RegionId, factor: f64) -> Tariffs {
    let base = b.baseline_tariffs();
    let cells = b
        .sectors()
        .ids()
        .map(|s| TariffCell {
            exporter,
            importer,
            sector: s,
            rate: (1.0 + base.rate(exporter, importer, s)) * factor - 1.0,
        })
        .collect();
    TariffChange { cells }.apply(&base).unwrap()
}

/// Relative market-clearing residual recomputed from the equilibrium's flows, independently of
/// the solver: demand (quantity) = sum_j new_flow_ij / phat_i vs supply = X_i phat_i^eps_i.
pub fn clearing_residual(b: &Baseline, e: &Elasticities, eq: &Equilibrium) -> f64 {
    let n = b.n_regions();
    let mut worst = 0.0_f64;
    for s in b.sectors().ids() {
        for i in b.regions().ids() {
            let x: f64 = b
                .regions()
                .ids()
                .filter(|&j| j != i)
                .map(|j| b.flow(i, j, s))
                .sum();
            let eps = e.eps(i, s);
            if x <= 0.0 || !eps.is_finite() {
                continue;
            }
            let phat = eq.phat[s.index() * n + i.index()];
            let demand: f64 = b
                .regions()
                .ids()
                .filter(|&j| j != i)
                .map(|j| eq.flow(i, j, s) / phat)
                .sum();
            let supply = x * phat.powf(eps);
            worst = worst.max((demand - supply).abs() / supply);
        }
    }
    worst
}

/// Validated values from plain numbers (panics on an invalid one): `typed::<Sigma>(v)`.
pub fn typed<T: TryFrom<f64>>(values: Vec<f64>) -> Vec<T>
where
    T::Error: std::fmt::Debug,
{
    values
        .into_iter()
        .map(|x| T::try_from(x).unwrap())
        .collect()
}
