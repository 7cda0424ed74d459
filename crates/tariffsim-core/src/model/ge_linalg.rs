//! Dense LU with separate factor and solve steps, for the general-equilibrium models' Newton and
//! chord iterations (one factorisation reused for several right-hand sides; the crate's
//! [`crate::linalg::lu_solve_in_place`] factorises and solves in one call).

/// LU factorisation with partial pivoting of the row-major `m × m` matrix `a`, in place.
/// Returns `false` when a pivot is (numerically) zero.
pub(crate) fn lu_factor(a: &mut [f64], m: usize, piv: &mut [usize]) -> bool {
    for k in 0..m {
        let mut p = k;
        let mut best = a[k * m + k].abs();
        for r in k + 1..m {
            let v = a[r * m + k].abs();
            if v > best {
                best = v;
                p = r;
            }
        }
        if !(best > 1e-300) {
            return false;
        }
        piv[k] = p;
        if p != k {
            for c in 0..m {
                a.swap(k * m + c, p * m + c);
            }
        }
        let (top, bottom) = a.split_at_mut((k + 1) * m);
        let pivot_row = &top[k * m..(k + 1) * m];
        let inv = 1.0 / pivot_row[k];
        for r in 0..m - k - 1 {
            let row = &mut bottom[r * m..(r + 1) * m];
            let l = row[k] * inv;
            row[k] = l;
            if l != 0.0 {
                for (x, &y) in row[k + 1..].iter_mut().zip(&pivot_row[k + 1..]) {
                    *x -= l * y;
                }
            }
        }
    }
    true
}

/// Solves `a x = b` with the factors of [`lu_factor`], overwriting `b`.
pub(crate) fn lu_solve(a: &[f64], m: usize, piv: &[usize], b: &mut [f64]) {
    // The factorisation swapped whole rows (multipliers included), so apply every row
    // interchange first, then substitute forward with the unit lower factor.
    for k in 0..m {
        b.swap(k, piv[k]);
    }
    for k in 0..m {
        let bk = b[k];
        if bk != 0.0 {
            for r in k + 1..m {
                b[r] -= a[r * m + k] * bk;
            }
        }
    }
    for k in (0..m).rev() {
        let row = &a[k * m..(k + 1) * m];
        let mut acc = b[k];
        for c in k + 1..m {
            acc -= row[c] * b[c];
        }
        b[k] = acc / row[k];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_once_solve_twice() {
        let a0 = [0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0];
        let mut a = a0;
        let mut piv = [0; 3];
        assert!(lu_factor(&mut a, 3, &mut piv));
        for x_true in [[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]] {
            let mut b = [0.0; 3];
            for r in 0..3 {
                b[r] = (0..3).map(|c| a0[r * 3 + c] * x_true[c]).sum();
            }
            lu_solve(&a, 3, &piv, &mut b);
            for c in 0..3 {
                assert!((b[c] - x_true[c]).abs() < 1e-14);
            }
        }
        // Regression: two row interchanges (steps 0 and 1) with different multipliers. Applying
        // each interchange just before its elimination step, while the stored multipliers are
        // already in the final row order, gave a wrong solution (gravity-ge's Newton steps).
        let a0 = [1.0, 0.0, 0.0, 2.0, 1.0, 0.0, 4.0, 3.0, 1.0];
        let mut a = a0;
        assert!(lu_factor(&mut a, 3, &mut piv));
        assert_eq!(piv, [2, 2, 2]);
        let x_true = [1.0, -2.0, 0.5];
        let mut b = [0.0; 3];
        for r in 0..3 {
            b[r] = (0..3).map(|c| a0[r * 3 + c] * x_true[c]).sum();
        }
        lu_solve(&a, 3, &piv, &mut b);
        for c in 0..3 {
            assert!((b[c] - x_true[c]).abs() < 1e-14, "{b:?}");
        }
        let mut singular = [1.0, 2.0, 2.0, 4.0];
        assert!(!lu_factor(&mut singular, 2, &mut [0; 2]));
    }
}
