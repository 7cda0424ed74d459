//! Small dense kernels for the solvers, allocation-free and written so the compiler vectorises
//! them (plain contiguous slices of known length, no bounds checks in inner loops):
//!
//! - [`lu_factor`] / [`lu_solve`]: LU factorisation with partial pivoting, in place, and the
//!   solve with its factors (the Newton and chord iterations of every model reuse one
//!   factorisation for several right-hand sides); [`lu_solve_in_place`] does both. The Armington
//!   Newton step solves an m × m system per iteration and sector (m ≤ number of exporters).
//!   Row-major storage keeps the elimination's inner loop a contiguous AXPY.
//! - [`matmul_into`]: `C = A B` for the Armington Jacobian (register-blocked 4 × 4 tiles).
//! - [`exp`]: a branch-free, inlinable `exp` that vectorises inside loops (glibc's `exp` is an
//!   out-of-line scalar call), accurate to 1 ulp against `f64::exp` in the tested range (see its
//!   docs and the tests below).

/// Factorises the row-major `m × m` matrix `a` in place (L unit-lower, U upper) and solves
/// `a x = b`, overwriting `b` with `x`. `piv` must have length `m`.
///
/// Returns `false` if a pivot is zero or below `1e-300` relative to the largest entry of its
/// column (the matrix is numerically singular); `b` is then unspecified.
pub fn lu_solve_in_place(a: &mut [f64], m: usize, b: &mut [f64], piv: &mut [usize]) -> bool {
    if !lu_factor(a, m, piv) {
        return false;
    }
    lu_solve(a, m, piv, b);
    b[..m].iter().all(|x| x.is_finite())
}

/// LU factorisation with partial pivoting of the row-major `m × m` matrix `a`, in place: on
/// return `a` holds the unit-lower multipliers below the diagonal and U on and above it, rows in
/// pivoted order, and `piv[k]` the row interchanged with row `k` at step `k`. Factor once, then
/// [`lu_solve`] any number of right-hand sides (the Newton and chord iterations reuse factors).
///
/// Returns `false` if a pivot is not above `1e-300` in magnitude (numerically singular).
pub fn lu_factor(a: &mut [f64], m: usize, piv: &mut [usize]) -> bool {
    debug_assert!(a.len() >= m * m && piv.len() >= m);
    let a = &mut a[..m * m];
    for k in 0..m {
        let Some(p) = pivot(a, m, k) else {
            return false;
        };
        piv[k] = p;
        let (top, bottom) = a.split_at_mut((k + 1) * m);
        let pivot_row = &top[k * m..(k + 1) * m];
        let inv = 1.0 / pivot_row[k];
        for row in bottom.chunks_exact_mut(m) {
            let l = row[k] * inv;
            row[k] = l;
            if l != 0.0 {
                sub_scaled(&mut row[k + 1..], &pivot_row[k + 1..], l);
            }
        }
    }
    true
}

/// Partial pivoting at step `k` of an elimination on the row-major `m × m` matrix `a`: swaps
/// into row `k` the row at or below it with the largest `|a[r][k]|` and returns that row's
/// index, or `None` if that entry is not above `1e-300` (numerically singular).
#[inline(always)]
fn pivot(a: &mut [f64], m: usize, k: usize) -> Option<usize> {
    let mut p = k;
    let mut best = a[k * m + k].abs();
    for (r, row) in a.chunks_exact(m).enumerate().skip(k + 1) {
        let v = row[k].abs();
        if v > best {
            best = v;
            p = r;
        }
    }
    if !(best > 1e-300) {
        return None;
    }
    if p != k {
        let (upper, lower) = a.split_at_mut(p * m);
        upper[k * m..(k + 1) * m].swap_with_slice(&mut lower[..m]);
    }
    Some(p)
}

/// Solves `a x = b` with the factors of [`lu_factor`], overwriting `b` (length ≥ `m`).
pub fn lu_solve(a: &[f64], m: usize, piv: &[usize], b: &mut [f64]) {
    let a = &a[..m * m];
    let b = &mut b[..m];
    // The factorisation swapped whole rows (multipliers included), so apply every interchange
    // first, then substitute forward with the unit lower factor (row-oriented: a dot product
    // per row).
    for k in 0..m {
        b.swap(k, piv[k]);
    }
    for k in 1..m {
        let (head, tail) = b.split_at_mut(k);
        tail[0] -= dot(&a[k * m..k * m + k], head);
    }
    // Back substitution.
    for k in (0..m).rev() {
        let row = &a[k * m..(k + 1) * m];
        let (head, tail) = b.split_at_mut(k + 1);
        head[k] = (head[k] - dot(&row[k + 1..], tail)) / row[k];
    }
}

/// Inverts the row-major `m × m` matrix `a` in place by Gauss–Jordan elimination with partial
/// (row) pivoting; `piv` (length ≥ `m`) is scratch for the interchanges.
///
/// For the chord iterations, which apply one Jacobian's inverse many times: a product with the
/// inverse is `m` independent dot products, where a triangular solve is a chain of dependent
/// ones. Every elimination step is a scaling of the pivot row and one AXPY of length `m` per
/// other row (`2 m³` flops in all, on whole contiguous rows, which vectorise without remainder
/// loops). The row interchanges are undone at the end as column interchanges in reverse order:
/// the elimination inverts `P a`, and `a⁻¹ = (P a)⁻¹ P`.
///
/// Returns `false` if a pivot is not above `1e-300` in magnitude (numerically singular); `a` is
/// then unspecified.
pub fn invert_in_place(a: &mut [f64], m: usize, piv: &mut [usize]) -> bool {
    debug_assert!(a.len() >= m * m && piv.len() >= m);
    let a = &mut a[..m * m];
    for k in 0..m {
        let Some(p) = pivot(a, m, k) else {
            return false;
        };
        piv[k] = p;
        let (before, rest) = a.split_at_mut(k * m);
        let (pivot_row, after) = rest.split_at_mut(m);
        // The pivot's own column becomes the inverse's: store 1 there before scaling, so the
        // scaled row holds 1 / pivot at k.
        let inv = 1.0 / pivot_row[k];
        pivot_row[k] = 1.0;
        for v in pivot_row.iter_mut() {
            *v *= inv;
        }
        for row in before.chunks_exact_mut(m).chain(after.chunks_exact_mut(m)) {
            let f = row[k];
            if f != 0.0 {
                row[k] = 0.0;
                sub_scaled(row, pivot_row, f);
            }
        }
    }
    for k in (0..m).rev() {
        let p = piv[k];
        if p != k {
            for row in a.chunks_exact_mut(m) {
                row.swap(k, p);
            }
        }
    }
    true
}

/// Row length of the padded layout of [`transpose_padded`] and [`matvec_t_into`]: `m` rounded up
/// to a multiple of 4.
#[must_use]
pub const fn padded(m: usize) -> usize {
    m.next_multiple_of(4)
}

/// Writes the row-major `m × m` matrix `M` transposed into `mt` with rows padded with zeros to
/// [`padded`]`(m)` (`mt[k * mp + r] = M[r * m + k]`): the layout [`matvec_t_into`] reads.
pub fn transpose_padded(mt: &mut [f64], mat: &[f64], m: usize) {
    let mp = padded(m);
    for (k, row) in mt[..m * mp].chunks_exact_mut(mp).enumerate() {
        for (r, v) in row[..m].iter_mut().enumerate() {
            *v = mat[r * m + k];
        }
        row[m..].fill(0.0);
    }
}

/// `y = M x` from `mt`, `M` transposed and padded by [`transpose_padded`]: `y` (length
/// [`padded`]`(m)`; the padding comes out 0) is swept once per four columns of `M` — whole
/// vectors, no horizontal sums or remainder loops, where a dot product per row of a small matrix
/// spends much of its time on both.
pub fn matvec_t_into(y: &mut [f64], mt: &[f64], x: &[f64], m: usize) {
    let mp = padded(m);
    let y = &mut y[..mp];
    y.fill(0.0);
    let column = |k: usize| &mt[k * mp..(k + 1) * mp];
    let full = m - m % 4;
    for k in (0..full).step_by(4) {
        let (c0, c1, c2, c3) = (column(k), column(k + 1), column(k + 2), column(k + 3));
        let (x0, x1, x2, x3) = (x[k], x[k + 1], x[k + 2], x[k + 3]);
        for r in 0..mp {
            y[r] += (x0 * c0[r] + x1 * c1[r]) + (x2 * c2[r] + x3 * c3[r]);
        }
    }
    for k in full..m {
        let c = column(k);
        for r in 0..mp {
            y[r] += x[k] * c[r];
        }
    }
}

/// `sum_i a_i b_i` over the common length, with four interleaved partial sums: the additions
/// of a triangular solve or a price index do not form one serial latency chain, and the loop
/// vectorises. The summation order is fixed, so results are reproducible.
#[inline(always)]
#[must_use]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0_f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        acc[0] += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// `y -= l x` (separate slice arguments do not alias, so this vectorises without overlap checks).
#[inline]
fn sub_scaled(y: &mut [f64], x: &[f64], l: f64) {
    let n = y.len();
    let x = &x[..n];
    for i in 0..n {
        y[i] -= l * x[i];
    }
}

/// `c = a b` with `a` row-major `m × n`, `b` row-major `n × p`, `c` row-major `m × p`.
///
/// Tiles of 4 rows × 4 columns of `c` are accumulated in registers over the whole inner
/// dimension (16 independent multiply-adds per 4 loads of `b` and 4 of `a`), remainders row by
/// row (slow: callers with small sizes pad `m` and `p` to multiples of 4 with zeros). Each element is summed in the order `j = 0..n`, so results do not depend on the tiling.
pub fn matmul_into(c: &mut [f64], a: &[f64], b: &[f64], m: usize, n: usize, p: usize) {
    let c = &mut c[..m * p];
    let a = &a[..m * n];
    let b = &b[..n * p];
    let p4 = p - p % 4;
    let m4 = m - m % 4;
    for r0 in (0..m4).step_by(4) {
        let a0 = &a[r0 * n..(r0 + 1) * n];
        let a1 = &a[(r0 + 1) * n..(r0 + 2) * n];
        let a2 = &a[(r0 + 2) * n..(r0 + 3) * n];
        let a3 = &a[(r0 + 3) * n..(r0 + 4) * n];
        for k0 in (0..p4).step_by(4) {
            let mut acc = [[0.0_f64; 4]; 4];
            for ((((&x0, &x1), &x2), &x3), brow) in
                a0.iter().zip(a1).zip(a2).zip(a3).zip(b.chunks_exact(p))
            {
                let bj = &brow[k0..k0 + 4];
                let av = [x0, x1, x2, x3];
                for r in 0..4 {
                    for k in 0..4 {
                        acc[r][k] += av[r] * bj[k];
                    }
                }
            }
            for r in 0..4 {
                c[(r0 + r) * p + k0..(r0 + r) * p + k0 + 4].copy_from_slice(&acc[r]);
            }
        }
        for k in p4..p {
            for r in 0..4 {
                let ar = &a[(r0 + r) * n..(r0 + r + 1) * n];
                let mut acc = 0.0;
                for j in 0..n {
                    acc += ar[j] * b[j * p + k];
                }
                c[(r0 + r) * p + k] = acc;
            }
        }
    }
    for r in m4..m {
        let ar = &a[r * n..(r + 1) * n];
        let cr = &mut c[r * p..(r + 1) * p];
        cr.fill(0.0);
        for j in 0..n {
            let x = ar[j];
            let bj = &b[j * p..(j + 1) * p];
            for k in 0..p {
                cr[k] += x * bj[k];
            }
        }
    }
}

/// Above this `exp` returns `+inf` (`f64::exp` overflows only above 709.78; the two agree to
/// 1 ulp below this bound).
pub const EXP_MAX_ARG: f64 = 709.0;
/// Below this `exp` returns `0` (`f64::exp` is subnormal down to −745.1: an absolute difference
/// below 2.3e-308).
pub const EXP_MIN_ARG: f64 = -708.0;

/// `e^x`, branch-free and inlined so that a loop calling it vectorises.
///
/// Cody–Waite reduction `x = k ln2 + r`, `|r| ≤ ln2 / 2` (`k` by the round-to-nearest shift
/// `1.5 · 2^52`, `ln 2` split in a 32-bit-exact high part and a low part), a degree-13 Taylor
/// polynomial for `e^r` (truncation error `< r^14/14! < 5e-18`, far below half an ulp), evaluated
/// as `1 + r (1 + r (1/2 + …))` so the leading terms are exact, and the scale `2^k` built in the
/// exponent bits. Accuracy: within 1 ulp of `f64::exp` on `[EXP_MIN_ARG, EXP_MAX_ARG]`
/// (unit tests: 2 million random arguments plus the end points). Outside: `+inf` above
/// [`EXP_MAX_ARG`], `0` below [`EXP_MIN_ARG`]; NaN gives NaN.
#[inline(always)]
#[must_use]
pub fn exp(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // ln 2 = LN2_HI + LN2_LO, LN2_HI with 32 trailing zero bits so k * LN2_HI is exact.
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
    // Clamp for the arithmetic; out-of-range results are selected at the end. `clamp` keeps NaN,
    // which then propagates through `r`.
    let xc = x.clamp(EXP_MIN_ARG, EXP_MAX_ARG);
    let t = xc * LOG2E + SHIFT;
    let kf = t - SHIFT;
    let r = (xc - kf * LN2_HI) - kf * LN2_LO;
    // Taylor coefficients 1/k!, k = 2..13.
    const C: [f64; 12] = [
        0.5,
        0.166_666_666_666_666_66,
        0.041_666_666_666_666_664,
        0.008_333_333_333_333_333,
        0.001_388_888_888_888_889,
        0.000_198_412_698_412_698_4,
        2.480_158_730_158_73e-5,
        2.755_731_922_398_589_3e-6,
        2.755_731_922_398_589e-7,
        2.505_210_838_544_172e-8,
        2.087_675_698_786_81e-9,
        1.605_904_383_682_161_3e-10,
    ];
    // Estrin-like split for instruction-level parallelism: r^2 terms in two chains.
    let r2 = r * r;
    let p_hi = ((((C[11] * r2 + C[9]) * r2 + C[7]) * r2 + C[5]) * r2 + C[3]) * r2 + C[1];
    let p_lo = ((((C[10] * r2 + C[8]) * r2 + C[6]) * r2 + C[4]) * r2 + C[2]) * r2 + C[0];
    // e^r - 1 - r = r^2 (p_lo + r p_hi)
    let poly = r2 * (p_lo + r * p_hi);
    let er = 1.0 + (r + poly);
    // 2^k in the exponent bits: the low bits of t hold k (two's complement) + the bits of SHIFT.
    let k_bits = t.to_bits().wrapping_sub(SHIFT.to_bits());
    let scale = f64::from_bits(k_bits.wrapping_add(1023) << 52);
    let y = er * scale;
    if x > EXP_MAX_ARG {
        f64::INFINITY
    } else if x < EXP_MIN_ARG {
        0.0
    } else {
        y
    }
}

/// `ln x`, branch-free and inlined so that a loop calling it vectorises (glibc's `log` is an
/// out-of-line scalar call).
///
/// `x = 2^k m` with `m ∈ [√½, √2)` (subnormals are scaled by `2^54` first), then
/// `ln m = 2 atanh f = 2 (f + f³/3 + … + f²¹/21)` with `f = (m − 1)/(m + 1)`, `|f| ≤ 0.1716`
/// (truncation error below `3e-19`), and `ln x = k ln2 + ln m` with `ln 2` split in a high part
/// exact in `k · LN2_HI` and a low part. The exponent is read as a float through the `2^52`
/// bit trick (no integer-to-float conversion, which SSE2 lacks for vectors). Accuracy: within
/// 2 ulp of `f64::ln` on positive finite arguments (unit tests: 2 million random arguments over
/// the whole range and densely near 1, where the solver's arguments live). `ln 0 = −inf`,
/// negative or NaN gives NaN, `ln inf = inf`.
#[inline(always)]
#[must_use]
pub fn ln(x: f64) -> f64 {
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const TWO52: f64 = 4_503_599_627_370_496.0;
    const SQRT2: f64 = std::f64::consts::SQRT_2;
    // 1/(2k+1), k = 1..10.
    const C: [f64; 10] = [
        1.0 / 3.0,
        1.0 / 5.0,
        1.0 / 7.0,
        1.0 / 9.0,
        1.0 / 11.0,
        1.0 / 13.0,
        1.0 / 15.0,
        1.0 / 17.0,
        1.0 / 19.0,
        1.0 / 21.0,
    ];
    let subnormal = x < f64::MIN_POSITIVE;
    let xs = if subnormal {
        x * 18_014_398_509_481_984.0
    } else {
        x
    }; // 2^54
    let bits = xs.to_bits();
    // Biased exponent as a float: put it in the mantissa of 2^52 and subtract 2^52.
    let biased = f64::from_bits(((bits >> 52) & 0x7ff) | TWO52.to_bits()) - TWO52;
    let m1 = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let big = m1 > SQRT2;
    let m = if big { m1 * 0.5 } else { m1 };
    let k = biased - 1023.0 + if big { 1.0 } else { 0.0 } - if subnormal { 54.0 } else { 0.0 };
    let f = (m - 1.0) / (m + 1.0);
    let f2 = f * f;
    let f4 = f2 * f2;
    // Two interleaved chains in f^4 for instruction-level parallelism.
    let p_odd = (((C[9] * f4 + C[7]) * f4 + C[5]) * f4 + C[3]) * f4 + C[1];
    let p_even = (((C[8] * f4 + C[6]) * f4 + C[4]) * f4 + C[2]) * f4 + C[0];
    let tail = f2 * (p_even + f2 * p_odd);
    let two_f = f + f;
    let y = k * LN2_HI + (two_f + (two_f * tail + k * LN2_LO));
    if x > 0.0 && x < f64::INFINITY {
        y
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY {
        f64::INFINITY
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite positive doubles.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    /// Deterministic uniforms on [0, 1) from SplitMix64 (no test depends on an RNG crate).
    fn uniform_stream(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn exp_within_one_ulp_of_std() {
        // Deterministic pseudo-random arguments (SplitMix64) over the whole finite range and
        // densely around 0, where the solver's arguments live.
        let mut next = uniform_stream(0x9E37_79B9_7F4A_7C15);
        let mut worst = 0;
        for k in 0..2_000_000 {
            let u = next();
            let x = if k % 2 == 0 {
                EXP_MIN_ARG + u * (EXP_MAX_ARG - EXP_MIN_ARG)
            } else {
                (u - 0.5) * 20.0
            };
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        for x in [
            0.0,
            -0.0,
            1e-300,
            -1e-300,
            1.0,
            -1.0,
            EXP_MAX_ARG,
            EXP_MIN_ARG,
            0.5 * std::f64::consts::LN_2,
        ] {
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst <= 1, "worst error {worst} ulp");
        assert_eq!(exp(0.0).to_bits(), 1.0_f64.to_bits());
    }

    #[test]
    fn exp_out_of_range_and_nan() {
        assert!(exp(709.5).is_infinite() && exp(709.5) > 0.0);
        assert!(exp(f64::INFINITY).is_infinite());
        assert_eq!(exp(-708.5).to_bits(), 0.0_f64.to_bits());
        assert_eq!(exp(f64::NEG_INFINITY).to_bits(), 0.0_f64.to_bits());
        assert!(exp(f64::NAN).is_nan());
    }

    #[test]
    fn matmul_matches_naive_product() {
        for (m, n, p) in [
            (1, 1, 1),
            (3, 5, 2),
            (4, 4, 4),
            (7, 9, 6),
            (13, 19, 13),
            (19, 19, 19),
        ] {
            let a: Vec<f64> = (0..m * n)
                .map(|k| ((k * 7 + 3) % 11) as f64 - 5.0)
                .collect();
            let b: Vec<f64> = (0..n * p)
                .map(|k| ((k * 5 + 1) % 13) as f64 * 0.25)
                .collect();
            let mut c = vec![f64::NAN; m * p];
            matmul_into(&mut c, &a, &b, m, n, p);
            for r in 0..m {
                for k in 0..p {
                    let want: f64 = (0..n).map(|j| a[r * n + j] * b[j * p + k]).sum();
                    // Integer-valued quarters: every partial sum is exact.
                    assert_eq!(
                        c[r * p + k].to_bits(),
                        want.to_bits(),
                        "({m},{n},{p}) [{r},{k}]"
                    );
                }
            }
        }
    }

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

    #[test]
    fn ln_within_two_ulp_of_std() {
        let mut next = uniform_stream(0x2545_F491_4F6C_DD1D);
        let mut worst = 0;
        let mut worst_near_one = 0.0_f64;
        for k in 0..2_000_000 {
            let u = next();
            let x = match k % 3 {
                // Log-uniform over the whole positive range, subnormals included.
                0 => (u * 1480.0 - 1075.0).exp2(),
                // Dense near 1: the solver's demand ratios.
                1 => 1.0 + (u - 0.5) * 1e-3,
                _ => 0.01 + u * 100.0,
            };
            if x == 0.0 {
                continue;
            }
            let (a, b) = (ln(x), x.ln());
            if b == 0.0 {
                assert_eq!(a.to_bits(), 0.0_f64.to_bits(), "{x}");
                continue;
            }
            if k % 3 == 1 {
                // Near 1 the result is tiny: compare relative to it.
                worst_near_one = worst_near_one.max(((a - b) / b).abs());
            } else {
                worst = worst.max(ulps(a.abs(), b.abs()));
            }
        }
        assert!(worst <= 2, "worst {worst} ulp");
        assert!(
            worst_near_one <= 4.0 * f64::EPSILON,
            "near 1: {worst_near_one:e}"
        );
        assert_eq!(ln(1.0).to_bits(), 0.0_f64.to_bits());
        assert_eq!(ln(0.0).to_bits(), f64::NEG_INFINITY.to_bits());
        assert_eq!(ln(f64::INFINITY).to_bits(), f64::INFINITY.to_bits());
        assert!(ln(-1.0).is_nan() && ln(f64::NAN).is_nan() && ln(f64::NEG_INFINITY).is_nan());
        assert_eq!(ln(std::f64::consts::E).to_bits(), 1.0_f64.to_bits());
        let tiny = f64::from_bits(1); // smallest subnormal
        assert!(ulps(-ln(tiny), -tiny.ln()) <= 2);
    }

    /// `a0 · inv` against the identity.
    fn assert_inverse(a0: &[f64], inv: &[f64], m: usize, tol: f64) {
        for r in 0..m {
            for c in 0..m {
                let v: f64 = (0..m).map(|k| a0[r * m + k] * inv[k * m + c]).sum();
                let expected = if r == c { 1.0 } else { 0.0 };
                assert!((v - expected).abs() < tol, "({r},{c}) {v}");
            }
        }
    }

    #[test]
    fn invert_in_place_inverts_with_interchanges() {
        // A diagonally dominant matrix with pivoting forced by a small leading entry.
        let m = 7;
        let mut a0 = vec![0.0; m * m];
        for r in 0..m {
            for c in 0..m {
                a0[r * m + c] = ((r * 5 + c * 3) % 7) as f64 * 0.1 - 0.3;
            }
            a0[r * m + r] += 2.0;
        }
        a0[0] = 1e-3;
        let mut inv = a0.clone();
        let mut piv = vec![0; m];
        assert!(invert_in_place(&mut inv, m, &mut piv));
        assert_ne!(piv[0], 0, "the small leading entry forces an interchange");
        assert_inverse(&a0, &inv, m, 1e-13);
        // An anti-diagonally dominant matrix: an interchange at every other step, so the
        // reverse-order column interchanges are exercised.
        let m = 18;
        let mut next = uniform_stream(42);
        let mut a0: Vec<f64> = (0..m * m).map(|_| next() - 0.5).collect();
        for r in 0..m {
            a0[r * m + (m - 1 - r)] += 5.0;
        }
        let mut inv = a0.clone();
        let mut piv = vec![0; m];
        assert!(invert_in_place(&mut inv, m, &mut piv));
        assert!((0..m).filter(|&k| piv[k] != k).count() >= m / 2 - 1);
        assert_inverse(&a0, &inv, m, 1e-13);
        // The product with the inverse matches the LU solve.
        let mut lu = a0.clone();
        assert!(lu_factor(&mut lu, m, &mut piv));
        let rhs: Vec<f64> = (0..m).map(|k| k as f64 - 2.5).collect();
        let mut solved = rhs.clone();
        lu_solve(&lu, m, &piv, &mut solved);
        let mp = padded(m);
        let mut inv_t = vec![f64::NAN; m * mp];
        transpose_padded(&mut inv_t, &inv, m);
        let mut product = vec![f64::NAN; mp];
        matvec_t_into(&mut product, &inv_t, &rhs, m);
        assert!(
            product[m..].iter().all(|&v| v == 0.0),
            "padding comes out 0"
        );
        for (x, y) in solved.iter().zip(&product) {
            assert!((x - y).abs() < 1e-12, "{x} {y}");
        }
    }

    /// The transposed, padded product against the plain one for every remainder of `m` mod 4.
    #[test]
    fn matvec_t_matches_the_row_products() {
        let mut next = uniform_stream(7);
        for m in 1_usize..=9 {
            let mp = padded(m);
            let mat: Vec<f64> = (0..m * m).map(|_| next() - 0.5).collect();
            let x: Vec<f64> = (0..m).map(|_| next() - 0.5).collect();
            let mut mt = vec![f64::NAN; m * mp];
            transpose_padded(&mut mt, &mat, m);
            let mut y = vec![f64::NAN; mp];
            matvec_t_into(&mut y, &mt, &x, m);
            for r in 0..m {
                let expected: f64 = (0..m).map(|k| mat[r * m + k] * x[k]).sum();
                // Same products summed in another order: a few ulp of the terms' size.
                assert!((y[r] - expected).abs() <= 1e-15 * m as f64, "m {m} row {r}");
            }
            assert!(y[m..].iter().all(|&v| v == 0.0), "m {m}: padding");
        }
    }

    #[test]
    fn invert_in_place_reports_singular() {
        let mut a = vec![1.0, 2.0, 2.0, 4.0];
        assert!(!invert_in_place(&mut a, 2, &mut [0; 2]));
        let mut zero = vec![0.0; 9];
        assert!(!invert_in_place(&mut zero, 3, &mut [0; 3]));
    }
}
