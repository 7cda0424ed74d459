//! Samplers: independent random draws, Latin hypercube and scrambled Sobol points, all returned as
//! standard-normal scores, each a pure function of (seed, draw index, total draws, dimension).
//!
//! - `random`: `ChaCha8Rng` seeded with the run seed, stream = draw index (so draw `k` never
//!   depends on which thread or shard computed it), scores from `rand_distr::StandardNormal`.
//! - `lhs`: for every dimension, draw `k` sits in stratum `π_d(k)` of `draws` equal-probability
//!   strata, where `π_d` is a keyed pseudo-random permutation (a Feistel network with cycle
//!   walking, keyed by seed and dimension) — computable for one `k` without materialising the
//!   permutation — plus a uniform jitter inside the stratum from the draw's own ChaCha stream.
//! - `sobol`: Owen-scrambled Sobol points (`sobol_burley`, Burley 2020), seeded by the run seed.
//!   Limits of that crate: at most 65,536 draws and 256 dimensions, single-precision points.
//!
//! # References
//! - McKay, Beckman & Conover (1979), "A comparison of three methods for selecting values of
//!   input variables in the analysis of output from a computer code", *Technometrics* 21(2).
//! - Burley, B. (2020), "Practical Hash-based Owen Scrambling", *JCGT* 9(4).

use crate::error::RunnerError;
use crate::normal;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// Which sampler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SamplerKind {
    /// Independent random draws.
    #[default]
    Random,
    /// Latin hypercube.
    Lhs,
    /// Owen-scrambled Sobol.
    Sobol,
}

/// The scenario's `[monte_carlo] sampler` (an exhaustive match: a sampler the scenario language
/// gains must be given a kind here).
impl From<tariffsim_scenario::priors::Sampler> for SamplerKind {
    fn from(s: tariffsim_scenario::priors::Sampler) -> Self {
        use tariffsim_scenario::priors::Sampler;
        match s {
            Sampler::Random => SamplerKind::Random,
            Sampler::Lhs => SamplerKind::Lhs,
            Sampler::Sobol => SamplerKind::Sobol,
        }
    }
}

impl SamplerKind {
    /// `random`, `lhs` or `sobol`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            SamplerKind::Random => "random",
            SamplerKind::Lhs => "lhs",
            SamplerKind::Sobol => "sobol",
        }
    }

    /// Parses a sampler name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "random" => Some(SamplerKind::Random),
            "lhs" => Some(SamplerKind::Lhs),
            "sobol" => Some(SamplerKind::Sobol),
            _ => None,
        }
    }
}

/// A configured sampler for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sampler {
    kind: SamplerKind,
    seed: u64,
    draws: u64,
    dimension: usize,
}

/// The RNG used for draws, named in run manifests.
pub const RNG_ID: &str = "ChaCha8Rng (rand_chacha 0.10), seed = run seed, stream = draw index";

impl Sampler {
    /// A sampler of `draws` points in `dimension` dimensions.
    pub fn new(
        kind: SamplerKind,
        seed: u64,
        draws: u64,
        dimension: usize,
    ) -> Result<Self, RunnerError> {
        if draws == 0 {
            return Err(RunnerError::Setting("draws must be > 0".into()));
        }
        if kind == SamplerKind::Sobol {
            if draws > 1 << 16 {
                return Err(RunnerError::Setting(format!(
                    "the sobol sampler supports at most 65536 draws ({draws} requested); use `lhs` or `random`"
                )));
            }
            if dimension > sobol_burley::NUM_DIMENSIONS as usize {
                return Err(RunnerError::Setting(format!(
                    "the sobol sampler supports at most {} dimensions ({dimension} needed); use `lhs` or `random`",
                    sobol_burley::NUM_DIMENSIONS
                )));
            }
        }
        Ok(Self {
            kind,
            seed,
            draws,
            dimension,
        })
    }

    /// Number of dimensions.
    #[must_use]
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// The sampler kind.
    #[must_use]
    pub fn kind(&self) -> SamplerKind {
        self.kind
    }

    fn rng(&self, k: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(k);
        rng
    }

    /// Fills `z` (length = dimension) with the standard-normal scores of draw `k`.
    pub fn scores(&self, k: u64, z: &mut [f64]) {
        debug_assert_eq!(z.len(), self.dimension);
        match self.kind {
            SamplerKind::Random => {
                let mut rng = self.rng(k);
                for v in z.iter_mut() {
                    *v = StandardNormal.sample(&mut rng);
                }
            }
            SamplerKind::Lhs => {
                let mut rng = self.rng(k);
                for (d, v) in z.iter_mut().enumerate() {
                    let stratum = permute(k, self.draws, mix(self.seed, d as u64));
                    let jitter = unit_open(rng.next_u64());
                    *v = normal::quantile((stratum as f64 + jitter) / self.draws as f64);
                }
            }
            SamplerKind::Sobol => {
                let seed = (self.seed ^ (self.seed >> 32)) as u32;
                for (d, v) in z.iter_mut().enumerate() {
                    let u = f64::from(sobol_burley::sample(k as u32, d as u32, seed));
                    // points lie in [0, 1) on a 2^-24 grid: shift to the cell centre, never 0.
                    *v = normal::quantile(u + 0.5 / f64::from(1u32 << 24));
                }
            }
        }
    }
}

/// A uniform in (0, 1) from 53 random bits, never 0 or 1.
fn unit_open(bits: u64) -> f64 {
    ((bits >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// SplitMix64 finaliser: a strong 64-bit mixer used to derive keys.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A keyed pseudo-random permutation of `0..n`, evaluated at `k`: a 4-round balanced Feistel
/// network on the smallest even number of bits covering `n`, with cycle walking back into range.
#[must_use]
pub fn permute(k: u64, n: u64, key: u64) -> u64 {
    debug_assert!(k < n);
    let bits = (64 - (n - 1).max(1).leading_zeros()).max(2);
    let half = bits.div_ceil(2);
    let mask = (1u64 << half) - 1;
    let mut x = k;
    loop {
        let (mut left, mut right) = (x >> half, x & mask);
        for round in 0..4u64 {
            let f = mix(right, key.wrapping_add(round)) & mask;
            let next = left ^ f;
            left = right;
            right = next;
        }
        x = (left << half) | right;
        if x < n {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_is_a_bijection() {
        for n in [1u64, 2, 3, 7, 100, 1000, 4097] {
            let mut seen = vec![false; n as usize];
            for k in 0..n {
                let p = permute(k, n, 42);
                assert!(p < n);
                assert!(!seen[p as usize], "n {n}: {p} twice");
                seen[p as usize] = true;
            }
        }
    }

    /// Every LHS dimension puts exactly one draw in each of the `draws` strata.
    #[test]
    fn lhs_stratifies_each_dimension() {
        let draws = 257;
        let s = Sampler::new(SamplerKind::Lhs, 7, draws, 5).unwrap();
        let mut z = vec![0.0; 5];
        let mut counts = vec![vec![0u32; draws as usize]; 5];
        for k in 0..draws {
            s.scores(k, &mut z);
            for d in 0..5 {
                let u = normal::cdf(z[d]);
                counts[d][((u * draws as f64) as usize).min(draws as usize - 1)] += 1;
            }
        }
        assert!(counts.iter().flatten().all(|&c| c == 1));
    }

    /// Draw k is a pure function of (seed, k): computing it alone or after others is identical,
    /// and the scores have mean ~0 and variance ~1 for every sampler.
    #[test]
    fn draws_are_pure_and_standard() {
        for kind in [SamplerKind::Random, SamplerKind::Lhs, SamplerKind::Sobol] {
            let n = 4096;
            let s = Sampler::new(kind, 99, n, 3).unwrap();
            let mut z = vec![0.0; 3];
            let (mut sum, mut sq) = (0.0, 0.0);
            for k in 0..n {
                s.scores(k, &mut z);
                sum += z[1];
                sq += z[1] * z[1];
            }
            let mean = sum / n as f64;
            let var = sq / n as f64 - mean * mean;
            assert!(mean.abs() < 0.06, "{kind:?} mean {mean}");
            assert!((var - 1.0).abs() < 0.08, "{kind:?} var {var}");
            let mut again = vec![0.0; 3];
            s.scores(1234, &mut again);
            Sampler::new(kind, 99, n, 3).unwrap().scores(1234, &mut z);
            assert!(
                z.iter()
                    .zip(&again)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
        }
    }

    #[test]
    fn sobol_limits_are_errors() {
        assert!(Sampler::new(SamplerKind::Sobol, 1, 70_000, 3).is_err());
        assert!(Sampler::new(SamplerKind::Sobol, 1, 10, 10_000).is_err());
        assert!(Sampler::new(SamplerKind::Random, 1, 0, 3).is_err());
    }
}
