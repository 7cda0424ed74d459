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
    type7(sorted.len(), p, |r| sorted[r])
}

/// The type-7 quantile at `p` of `n` values whose order statistic of rank `r` (0-based) is
/// `at(r)`: `h = (n − 1) p`, interpolated between ranks `⌊h⌋` and `⌊h⌋ + 1`; 0 for no values.
fn type7(n: usize, p: f64, at: impl Fn(usize) -> f64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as usize;
    if lo + 1 >= n {
        return at(n - 1);
    }
    let (a, b) = (at(lo), at(lo + 1));
    a + (h - lo as f64) * (b - a)
}

/// Summarises `values` (in draw order; reordered in place by the quantiles' selection).
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
    let [p5, p25, p50, p75, p95] = quantiles_type7(values, [0.05, 0.25, 0.50, 0.75, 0.95]);
    Summary {
        count: n as u64,
        mean,
        sd,
        mcse: sd / (n as f64).sqrt(),
        p5,
        p25,
        p50,
        p75,
        p95,
    }
}

/// Type-7 quantiles at `ps` (each in [0, 1]): the same values as [`quantile_type7`] on the
/// sorted slice, found by selection instead of a sort. Each quantile needs the order statistics
/// `⌊h⌋` and `⌊h⌋ + 1`; they are selected in increasing rank, each right of the previous one
/// (after selecting rank `r` in `values[start..]`, the part right of `r` holds exactly the ranks
/// above `r`). O(n) per rank instead of O(n log n) for a sort: the run summary calls it once per
/// metric and column. Ranks are taken under `f64::total_cmp`, a total order in which equal means
/// bit-identical, so the values do not depend on how ties are arranged. `values` is reordered.
#[must_use]
pub fn quantiles_type7<const K: usize>(values: &mut [f64], ps: [f64; K]) -> [f64; K] {
    let n = values.len();
    let mut out = [0.0; K];
    if n == 0 {
        return out;
    }
    // The ranks each quantile reads, ⌊h⌋ and ⌊h⌋ + 1 (clipped to the last index), distinct and
    // ascending; then each selected right of the previous one.
    let mut ranks: Vec<usize> = ps
        .iter()
        .flat_map(|&p| {
            let lo = (((n - 1) as f64 * p).floor() as usize).min(n - 1);
            [lo, (lo + 1).min(n - 1)]
        })
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    let mut order = Vec::with_capacity(ranks.len());
    let mut start = 0;
    for &r in &ranks {
        let (_, v, _) = values[start..].select_nth_unstable_by(r - start, f64::total_cmp);
        order.push(*v);
        start = r + 1;
    }
    let value = |r: usize| order[ranks.partition_point(|&k| k < r)];
    for (slot, &p) in out.iter_mut().zip(&ps) {
        *slot = type7(n, p, value);
    }
    out
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

    /// Selection gives the bits of the sort-based quantiles, ties and signed zeros included
    /// (values drawn from a small set so that ties are common).
    #[test]
    fn selection_quantiles_are_the_sorted_ones() {
        use proptest::prelude::*;
        let ps = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0];
        let value = prop_oneof![
            (-3i32..4).prop_map(|k| f64::from(k) * 0.5),
            Just(-0.0),
            -1e3..1e3_f64,
        ];
        let values = proptest::collection::vec(value, 0..300);
        proptest!(ProptestConfig::with_cases(500), |(mut v in values)| {
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let got = quantiles_type7(&mut v, ps);
            for (g, &p) in got.iter().zip(&ps) {
                prop_assert_eq!(g.to_bits(), quantile_type7(&sorted, p).to_bits(), "p = {}", p);
            }
        });
    }

    #[test]
    fn degenerate_sizes() {
        assert_eq!(summarize(&mut []).count, 0);
        let s = summarize(&mut [2.5]);
        assert!((s.p5 - 2.5).abs() < 1e-15 && (s.p95 - 2.5).abs() < 1e-15);
        assert!(s.sd.abs() < 1e-15);
    }
}
