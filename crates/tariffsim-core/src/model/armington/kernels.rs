//! Multiply–add sweeps of the demand evaluation.

use super::NO_SLOT;

/// `demand_i += scale · w_i` (separate slices: vectorises without overlap checks).
#[inline(always)]
pub(super) fn add_scaled(demand: &mut [f64], w: &[f64], scale: f64) {
    let n = demand.len();
    let w = &w[..n];
    for i in 0..n {
        demand[i] += scale * w[i];
    }
}

/// `demand_i += sum_r scale_r · w_r,i` over four rows (one load and store of `demand_i`).
#[inline(always)]
pub(super) fn add_scaled4(demand: &mut [f64], w: [&[f64]; 4], scale: [f64; 4]) {
    let n = demand.len();
    let (w0, w1, w2, w3) = (&w[0][..n], &w[1][..n], &w[2][..n], &w[3][..n]);
    for i in 0..n {
        demand[i] += (scale[0] * w0[i] + scale[1] * w1[i]) + (scale[2] * w2[i] + scale[3] * w3[i]);
    }
}

/// Importer `j`'s row of a tariff-adjusted matrix: its slot in `slots` if it has one, else
/// the baseline's row.
#[inline(always)]
pub(super) fn adjusted_row<'a>(
    base: &'a [f64],
    slots: &'a [f64],
    slot: usize,
    j: usize,
    n: usize,
) -> &'a [f64] {
    if slot == NO_SLOT {
        &base[j * n..(j + 1) * n]
    } else {
        &slots[slot * n..(slot + 1) * n]
    }
}

/// `demand_i += scale · w_i · pow_i` (separate slices: vectorises without overlap checks).
#[inline]
pub(super) fn add_scaled_product(demand: &mut [f64], w: &[f64], pow: &[f64], scale: f64) {
    let n = demand.len();
    let (w, pow) = (&w[..n], &pow[..n]);
    for i in 0..n {
        demand[i] += scale * w[i] * pow[i];
    }
}
