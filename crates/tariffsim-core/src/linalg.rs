//! Small dense LU factorisation with partial pivoting, in place, allocation-free.
//!
//! The Armington Newton step solves an m × m system per iteration and sector (m ≤ number of
//! exporters). Row-major storage keeps the elimination's inner loop a contiguous AXPY that the
//! compiler vectorises.

/// Factorises the row-major `m × m` matrix `a` in place (L unit-lower, U upper) and solves
/// `a x = b`, overwriting `b` with `x`. `piv` must have length `m`.
///
/// Returns `false` if a pivot is zero or below `1e-300` relative to the largest entry of its
/// column (the matrix is numerically singular); `b` is then unspecified.
pub fn lu_solve_in_place(a: &mut [f64], m: usize, b: &mut [f64], piv: &mut [usize]) -> bool {
    debug_assert!(a.len() >= m * m && b.len() >= m && piv.len() >= m);
    for k in 0..m {
        // Pivot search.
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
            b.swap(k, p);
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
                b[k + 1 + r] -= l * b[k];
            }
        }
    }
    // Back substitution.
    for k in (0..m).rev() {
        let row = &a[k * m..(k + 1) * m];
        let mut acc = b[k];
        for c in k + 1..m {
            acc -= row[c] * b[c];
        }
        b[k] = acc / row[k];
    }
    b[..m].iter().all(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_pivoting_system() {
        // [[0, 2, 1], [1, 1, 0], [3, 0, 1]] x = [5, 3, 6] has x = [1.25, 1.75, 1.5]... checked below.
        let a0 = [0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0];
        let x_true = [1.0, 2.0, 3.0];
        let mut b = [0.0; 3];
        for r in 0..3 {
            b[r] = (0..3).map(|c| a0[r * 3 + c] * x_true[c]).sum();
        }
        let mut a = a0;
        let mut piv = [0; 3];
        assert!(lu_solve_in_place(&mut a, 3, &mut b, &mut piv));
        for c in 0..3 {
            assert!((b[c] - x_true[c]).abs() < 1e-14);
        }
    }

    #[test]
    fn detects_singular() {
        let mut a = [1.0, 2.0, 2.0, 4.0];
        let mut b = [1.0, 2.0];
        let mut piv = [0; 2];
        assert!(!lu_solve_in_place(&mut a, 2, &mut b, &mut piv));
    }
}
