//! Synthetic gravity-shaped baselines for tests, benchmarks and demos.
//!
//! [`synthetic`] draws a world of `n_regions` regions (`R001`, `R002`, …) and `n_sectors`
//! sectors (`S001`, …) whose flows have the shape of real trade data:
//!
//! - region incomes `Y_i` are lognormal (median 500 bn USD, log-sd 1.2: a few large economies,
//!   many small ones); expenditure `E_j = Y_j · u_j` with a small lognormal imbalance `u_j`;
//! - regions sit at random points of a 20 000 × 10 000 km plane; `dist_ij ≥ 300 km`;
//! - `flow_sij ∝ w_s · Y_i · E_j / dist_ij^θ · ν_sij` with `θ = 1` (the distance elasticity of
//!   the gravity literature, Head & Mayer 2014), sector weights `w_s` lognormal and a
//!   mean-one lognormal noise `ν` (log-sd 0.6);
//! - about 10% of the off-diagonal cells are zero (each with probability 0.1), but never a whole
//!   row or column of a sector, so every region exports and imports in every sector;
//! - scaled so that world exports are 25% of world income (the order of the world's
//!   goods-trade-to-GDP ratio);
//! - the diagonal holds domestic sales, 1.5–4 times the region's exports of the sector;
//! - baseline tariffs are uniform on `[0, 0.15)` off the diagonal, 0 on it.
//!
//! Every draw comes from one `ChaCha8Rng::seed_from_u64(seed)` in a fixed order, so the same
//! arguments give a bit-identical baseline on every run and thread count.
//!
//! ```
//! let b = tariffsim_data::synth::synthetic(5, 3, 42)?;
//! assert_eq!(b.n_regions(), 5);
//! let first = b.regions().ids().next().unwrap();
//! assert_eq!(b.regions().code(first), "R001");
//! assert_eq!(b.sectors().code(tariffsim_core::SectorId::from_index(2)), "S003");
//! assert!(b.has_domestic());
//! # Ok::<(), tariffsim_data::DataError>(())
//! ```
//!
//! # References
//! - Head, K. & Mayer, T. (2014), "Gravity Equations: Workhorse, Toolkit, and Cookbook",
//!   *Handbook of International Economics* 4, ch. 3 (distance elasticity ≈ 1).

use crate::error::{DataError, Result};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};
use tariffsim_core::{Baseline, Provenance, Region, RegionSet, Sector, SectorSet};

/// Largest accepted `n_regions² · n_sectors` (100 million cells, 1.6 GB of flows and tariffs).
pub const MAX_CELLS: usize = 100_000_000;

/// Probability that an off-diagonal cell is zero before rows and columns are repaired.
const ZERO_PROBABILITY: f64 = 0.10;
/// World exports as a share of world income.
const TRADE_TO_INCOME: f64 = 0.25;

fn lognormal(mu: f64, sigma: f64) -> Result<LogNormal<f64>> {
    LogNormal::new(mu, sigma).map_err(|e| DataError::InvalidArgument(e.to_string()))
}

/// A synthetic gravity-shaped baseline with domestic sales and baseline tariffs, deterministic in
/// `seed`. See the [module docs](self) for the distributions.
///
/// Errors: fewer than 2 regions, no sectors, or more than [`MAX_CELLS`] cells.
pub fn synthetic(n_regions: usize, n_sectors: usize, seed: u64) -> Result<Baseline> {
    if n_regions < 2 {
        return Err(DataError::InvalidArgument(format!(
            "a synthetic baseline needs at least 2 regions, got {n_regions}"
        )));
    }
    if n_sectors < 1 {
        return Err(DataError::InvalidArgument(
            "a synthetic baseline needs at least 1 sector, got 0".into(),
        ));
    }
    let cells = n_regions
        .checked_mul(n_regions)
        .and_then(|c| c.checked_mul(n_sectors))
        .filter(|&c| c <= MAX_CELLS)
        .ok_or_else(|| {
            DataError::InvalidArgument(format!(
                "{n_regions} regions x {n_regions} x {n_sectors} sectors exceeds {MAX_CELLS} cells"
            ))
        })?;
    let n = n_regions;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    let income = lognormal((500e9_f64).ln(), 1.2)?;
    let imbalance = lognormal(0.0, 0.1)?;
    let sector_weight = lognormal(0.0, 0.5)?;
    let noise_sd = 0.6;
    let noise = lognormal(-0.5 * noise_sd * noise_sd, noise_sd)?;

    let y: Vec<f64> = (0..n).map(|_| income.sample(&mut rng)).collect();
    let e: Vec<f64> = y.iter().map(|yj| yj * imbalance.sample(&mut rng)).collect();
    let xy: Vec<(f64, f64)> = (0..n)
        .map(|_| {
            (
                rng.random_range(0.0..20_000.0),
                rng.random_range(0.0..10_000.0),
            )
        })
        .collect();
    let w: Vec<f64> = (0..n_sectors)
        .map(|_| sector_weight.sample(&mut rng))
        .collect();
    let w_sum: f64 = w.iter().sum();

    let mut flows = vec![0.0; cells];
    let mut tariffs = vec![0.0; cells];
    let idx = |s: usize, i: usize, j: usize| (s * n + i) * n + j;
    for s in 0..n_sectors {
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                let (dx, dy) = (xy[i].0 - xy[j].0, xy[i].1 - xy[j].1);
                let dist = (dx * dx + dy * dy).sqrt().max(300.0);
                let zero = rng.random::<f64>() < ZERO_PROBABILITY;
                let nu = noise.sample(&mut rng);
                let k = idx(s, i, j);
                flows[k] = if zero {
                    0.0
                } else {
                    w[s] / w_sum * y[i] * e[j] / dist * nu
                };
                tariffs[k] = rng.random_range(0.0..0.15);
            }
        }
        // Never a whole row or column of zeros: restore one neighbour cell with the gravity mean.
        for i in 0..n {
            if (0..n)
                .filter(|&j| j != i)
                .all(|j| flows[idx(s, i, j)] <= 0.0)
            {
                let j = (i + 1) % n;
                flows[idx(s, i, j)] = w[s] / w_sum * y[i] * e[j] / 300.0;
            }
        }
        for j in 0..n {
            if (0..n)
                .filter(|&i| i != j)
                .all(|i| flows[idx(s, i, j)] <= 0.0)
            {
                let i = (j + 1) % n;
                flows[idx(s, i, j)] = w[s] / w_sum * y[i] * e[j] / 300.0;
            }
        }
    }
    // Scale to world exports = TRADE_TO_INCOME x world income.
    let world_exports: f64 = flows.iter().sum();
    let scale = TRADE_TO_INCOME * y.iter().sum::<f64>() / world_exports;
    flows.iter_mut().for_each(|f| *f *= scale);
    // Domestic sales: 1.5-4 times the region's exports of the sector.
    for s in 0..n_sectors {
        for i in 0..n {
            let exports: f64 = (0..n).map(|j| flows[idx(s, i, j)]).sum();
            flows[idx(s, i, i)] = exports * rng.random_range(1.5..4.0);
        }
    }

    let regions = RegionSet::new(
        (1..=n)
            .map(|k| Region {
                code: format!("R{k:03}"),
                name: format!("Synthetic region {k}"),
            })
            .collect(),
        Vec::new(),
    )?;
    let sectors = SectorSet::new(
        (1..=n_sectors)
            .map(|k| Sector {
                code: format!("S{k:03}"),
                name: format!("Synthetic sector {k}"),
                description: "synthetic gravity-shaped sector".into(),
            })
            .collect(),
        Vec::new(),
    )?;
    let provenance = Provenance {
        name: format!("synth-{n}x{n_sectors}-seed{seed}"),
        version: "synthetic".into(),
        year: 2024,
        sources: vec![format!(
            "synthetic gravity-shaped baseline: tariffsim_data::synth::synthetic({n}, {n_sectors}, {seed}), ChaCha8 seed {seed}"
        )],
    };
    Ok(Baseline::new(
        regions, sectors, flows, tariffs, true, provenance,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_in_the_seed() {
        let a = synthetic(8, 3, 7).unwrap();
        let b = synthetic(8, 3, 7).unwrap();
        let c = synthetic(8, 3, 8).unwrap();
        // Bit-identical: compare the bit patterns, not the values.
        let bits = |b: &Baseline| b.flows().iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b));
        assert_ne!(bits(&a), bits(&c));
    }

    #[test]
    fn gravity_shape_zero_share_and_tariffs() {
        let b = synthetic(30, 4, 1).unwrap();
        let regions = || b.regions().ids();
        let mut zeros = 0usize;
        let mut off = 0usize;
        for s in b.sectors().ids() {
            for i in regions() {
                let row_trade = regions().filter(|&j| j != i).any(|j| b.flow(i, j, s) > 0.0);
                let col_trade = regions().filter(|&j| j != i).any(|j| b.flow(j, i, s) > 0.0);
                assert!(row_trade && col_trade, "region {i} sector {s}");
                let exports: f64 = regions().filter(|&j| j != i).map(|j| b.flow(i, j, s)).sum();
                assert!(b.flow(i, i, s) >= 1.5 * exports);
                assert!(b.tariff(i, i, s).abs() < f64::EPSILON);
                for j in regions().filter(|&j| j != i) {
                    off += 1;
                    zeros += usize::from(b.flow(i, j, s) <= 0.0);
                    let t = b.tariff(i, j, s);
                    assert!((0.0..0.15).contains(&t));
                }
            }
        }
        let share = zeros as f64 / off as f64;
        assert!((0.05..=0.15).contains(&share), "zero share {share}");
        let world: f64 = regions().map(|i| b.exports(i)).sum();
        assert!(world.is_finite() && world > 0.0);
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(synthetic(1, 3, 0).is_err());
        assert!(synthetic(3, 0, 0).is_err());
        assert!(synthetic(100_000, 100_000, 0).is_err());
        let two = synthetic(2, 1, 0).unwrap();
        let first = tariffsim_core::RegionId::from_index(0);
        assert!(two.exports(first) > 0.0 && two.imports(first) > 0.0);
    }
}
