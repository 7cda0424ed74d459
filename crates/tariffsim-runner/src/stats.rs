//! Summary statistics of one metric over the successful draws, in draw order.
//!
//! Quantiles are type 7 (Hyndman & Fan 1996), the default of numpy, pandas and R:
//! `h = (n − 1) p`, `Q(p) = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋ + 1] − x[⌊h⌋])` on the sorted values.
//! Mean and standard deviation are accumulated sequentially in draw order, never as a parallel
//! float reduction, so they do not depend on threads or shards. The Monte Carlo standard error is
//! that of the mean, `sd / sqrt(n)`.

use serde::{Deserialize, Serialize};

/// The summary of one metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Successful draws.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1).
    pub sd: f64,
    /// Monte Carlo standard error of the mean.
    pub mcse: f64,
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// Type-7 quantile of sorted values (`p` in [0, 1]); 0 for an empty slice.
#[must_use]
pub fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p;
            let lo = h.floor() as usize;
            if lo + 1 >= n {
                return sorted[n - 1];
            }
            sorted[lo] + (h - lo as f64) * (sorted[lo + 1] - sorted[lo])
        }
    }
}

/// Summarises `values` (in draw order; reordered in place by sorting).
#[must_use]
pub fn summarize(values: &mut [f64]) -> Summary {
    let n = values.len();
    if n == 0 {
        return Summary {
            count: 0,
            mean: 0.0,
            sd: 0.0,
            mcse: 0.0,
            p5: 0.0,
            p25: 0.0,
            p50: 0.0,
            p75: 0.0,
            p95: 0.0,
        };
    }
    // Welford, sequential in draw order.
    let (mut mean, mut m2) = (0.0, 0.0);
    for (k, &x) in values.iter().enumerate() {
        let delta = x - mean;
        mean += delta / (k + 1) as f64;
        m2 += delta * (x - mean);
    }
    let sd = if n > 1 {
        (m2 / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    values.sort_by(f64::total_cmp);
    Summary {
        count: n as u64,
        mean,
        sd,
        mcse: sd / (n as f64).sqrt(),
        p5: quantile_type7(values, 0.05),
        p25: quantile_type7(values, 0.25),
        p50: quantile_type7(values, 0.50),
        p75: quantile_type7(values, 0.75),
        p95: quantile_type7(values, 0.95),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// numpy.percentile([1, 2, 3, 4, 10], [5, 25, 50, 75, 95]) = [1.2, 2, 3, 4, 8.8].
    #[test]
    fn matches_numpy_default() {
        let mut v = vec![10.0, 2.0, 4.0, 1.0, 3.0];
        let s = summarize(&mut v);
        let expect = [1.2, 2.0, 3.0, 4.0, 8.8];
        for (got, want) in [s.p5, s.p25, s.p50, s.p75, s.p95].iter().zip(expect) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        assert!((s.mean - 4.0).abs() < 1e-15);
        // sample sd of [1,2,3,4,10] = sqrt(12.5)
        assert!((s.sd - 12.5f64.sqrt()).abs() < 1e-12);
        assert!((s.mcse - 12.5f64.sqrt() / 5f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn degenerate_sizes() {
        assert_eq!(summarize(&mut []).count, 0);
        let s = summarize(&mut [2.5]);
        assert!((s.p5 - 2.5).abs() < 1e-15 && (s.p95 - 2.5).abs() < 1e-15);
        assert!(s.sd.abs() < 1e-15);
    }
}
