//! Spearman's rank correlation, for the tornado chart.

/// Ranks (1-based, ties averaged).
pub(crate) fn ranks(values: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    // Unstable is enough: tied values all get their group's average rank, whatever their order.
    idx.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut r = vec![0.0; values.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && values[idx[j + 1]].total_cmp(&values[idx[i]]).is_eq() {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (Pearson correlation of the ranks); `None` when either side is
/// constant or there are fewer than 3 pairs.
#[must_use]
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len().min(y.len());
    if n < 3 {
        return None;
    }
    spearman_ranked(&x[..n], &ranks(&y[..n]))
}

/// [`spearman`] of `x` against a series whose ranks are `ry` (same length, at least 3): the
/// tornado chart ranks its metric once for every parameter.
pub(crate) fn spearman_ranked(x: &[f64], ry: &[f64]) -> Option<f64> {
    let n = x.len();
    let rx = ranks(x);
    let mean = (n as f64 + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for k in 0..n {
        let (a, b) = (rx[k] - mean, ry[k] - mean);
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_of_monotone_and_reversed() {
        let x: Vec<f64> = (0..50).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| v.powi(3)).collect();
        let r = spearman(&x, &y).unwrap();
        assert!((r - 1.0).abs() < 1e-12);
        let z: Vec<f64> = x.iter().map(|v| (-v).exp()).collect();
        assert!((spearman(&x, &z).unwrap() + 1.0).abs() < 1e-12);
        assert!(spearman(&x, &vec![1.0; 50]).is_none());
    }

    #[test]
    fn spearman_matches_a_hand_computed_value_with_ties() {
        // x ranks: 1, 2.5, 2.5, 4; y ranks: 2, 1, 4, 3. Pearson of the ranks:
        // mean 2.5; dx = -1.5, 0, 0, 1.5; dy = -0.5, -1.5, 1.5, 0.5;
        // sxy = 0.75 + 0 + 0 + 0.75 = 1.5; sxx = 4.5; syy = 5 → 1.5 / sqrt(22.5).
        let r = spearman(&[1.0, 2.0, 2.0, 3.0], &[20.0, 10.0, 40.0, 30.0]).unwrap();
        assert!((r - 1.5 / 22.5f64.sqrt()).abs() < 1e-12, "{r}");
    }
}
