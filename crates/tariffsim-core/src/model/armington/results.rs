//! Writing a solved sector into the equilibrium: flows, prices, surpluses, revenue, welfare.

use super::*;

/// Writes prices, flows (every cell of the sector) and welfare of the solved sector `s`; returns
/// the largest relative market-clearing residual, recomputed in levels from the new flows — or
/// NaN if any value written is not finite (all of them are summed into a check value, cheaper
/// than scanning the whole equilibrium afterwards).
#[allow(clippy::too_many_arguments)]
pub(super) fn write_sector(
    baseline: &Baseline,
    tariffs: &Tariffs,
    eps: &[f64],
    eta: &[f64],
    s: usize,
    n: usize,
    ws: &mut SectorWorkspace,
    out: &mut Equilibrium,
) -> f64 {
    let nn = n * n;
    let flows = &baseline.sector_flows(s)[..nn];
    let t0 = &baseline.sector_tariffs(s)[..nn];
    let t1 = &tariffs.sector_rates(s)[..nn];
    let base = s * n;
    let mut check = 0.0;
    for i in 0..n {
        let p = exp(ws.x[i]);
        out.phat[base + i] = p;
        check += p;
    }
    for j in 0..n {
        let e = ws.base.imports()[j];
        if e <= 0.0 {
            continue;
        }
        let lnp = ws.lnp[j];
        let index = exp(lnp);
        out.price_index[base + j] = index;
        let one_eta = 1.0 + eta[j];
        let cs = if one_eta.abs() < 1e-12 {
            -e * lnp
        } else {
            -e * (one_eta * lnp).exp_m1() / one_eta
        };
        out.consumer_surplus[base + j] = cs;
        check += index + cs;
    }
    let new_flows = &mut out.flows[s * nn..(s + 1) * nn];
    if ws.one_group {
        // new_ij = x_ij phat_i qhat_ij = x_ij phat_i^a scale_j That_ij^(−sigma): a row scale
        // times a column scale, times the tariff factor on the changed cells. Exporter-major,
        // like the flows, so every pass is contiguous.
        let scale = &ws.scale[..n];
        for (i, (row, new_row)) in flows
            .chunks_exact(n)
            .zip(new_flows.chunks_exact_mut(n))
            .enumerate()
        {
            let pow = ws.group_pow[i];
            for ((v, &x), &sc) in new_row.iter_mut().zip(row).zip(scale) {
                // Formed unconditionally, then selected: a select vectorises where a branch
                // around the product did not (untraded cells stay exactly 0 even if the
                // factors overflow).
                let flow = x * pow * sc;
                *v = if x > 0.0 { flow } else { 0.0 };
            }
            // Domestic sales are held fixed.
            new_row[i] = row[i];
        }
        for &Changed {
            cell: c,
            importer: j,
            exporter: i,
        } in &ws.changed
        {
            new_flows[i * n + j] *= ws.tpow[c] * ws.inv_that[c];
        }
    } else {
        new_flows.copy_from_slice(flows);
        for j in 0..n {
            if ws.base.imports()[j] <= 0.0 {
                continue;
            }
            let (theta, q) = (
                &ws.base.theta()[j * n..(j + 1) * n],
                &ws.q[j * n..(j + 1) * n],
            );
            for i in 0..n {
                if theta[i] > 0.0 {
                    new_flows[i * n + j] = flows[i * n + j] * out.phat[base + i] * q[i];
                }
            }
        }
    }
    // Revenue per importer and sales per exporter, off the diagonal, in one contiguous pass.
    let revenue = &mut out.tariff_revenue[base..base + n];
    revenue.fill(0.0);
    let mut sales = std::mem::take(&mut ws.sales_out);
    sales.resize(n, 0.0);
    let purchases = &mut out.totals.imports[base..base + n];
    purchases.fill(0.0);
    // The diagonal (domestic sales, unchanged) adds exactly 0 to the revenue when its tariff is
    // unchanged (x t1 − x t0 with t1 = t0), so whole rows can be swept and the domestic sales
    // taken off the row's sum; otherwise the rows are split around the diagonal.
    let diagonal_unchanged = (0..n).all(|i| t0[i * n + i].to_bits() == t1[i * n + i].to_bits());
    for (i, (((row, new_row), r0), r1)) in flows
        .chunks_exact(n)
        .zip(new_flows.chunks_exact(n))
        .zip(t0.chunks_exact(n))
        .zip(t1.chunks_exact(n))
        .enumerate()
    {
        let sold = if diagonal_unchanged {
            accumulate_revenue(revenue, purchases, row, new_row, r0, r1) - new_row[i]
        } else {
            let mut sold = 0.0;
            for range in [0..i, i + 1..n] {
                sold += accumulate_revenue(
                    &mut revenue[range.clone()],
                    &mut purchases[range.clone()],
                    &row[range.clone()],
                    &new_row[range.clone()],
                    &r0[range.clone()],
                    &r1[range],
                );
            }
            sold
        };
        sales[i] = sold;
        check += sold;
    }
    if diagonal_unchanged {
        // Whole rows put each importer's domestic sales into its purchases: take them off.
        for (j, p) in purchases.iter_mut().enumerate() {
            *p -= new_flows[j * n + j];
        }
    }
    out.totals.exports[base..base + n].copy_from_slice(&sales[..n]);
    check += revenue.iter().sum::<f64>();
    let mut worst = 0.0_f64;
    for &i in &ws.active {
        let x = ws.x[i];
        let e = eps[i];
        let ps = ws.base.exports()[i] * ((1.0 + e) * x).exp_m1() / (1.0 + e);
        out.producer_surplus[base + i] = ps;
        check += ps;
        let supply = ws.base.exports()[i] * exp(e * x);
        // Quantities at baseline prices: sales divided by the price change.
        let demand = sales[i] / out.phat[base + i];
        let r = (demand - supply).abs() / supply;
        if !(r <= worst) {
            worst = r;
        }
    }
    ws.sales_out = sales;
    if check.is_finite() { worst } else { f64::NAN }
}

/// One exporter's row: `revenue_j += new_j t1_j − x_j t0_j` and `purchases_j += new_j`;
/// returns `sum_j new_j` (separate slices: vectorises; four partial sums, so the sum is not one
/// serial chain of additions).
#[inline]
pub(super) fn accumulate_revenue(
    revenue: &mut [f64],
    purchases: &mut [f64],
    x: &[f64],
    new: &[f64],
    t0: &[f64],
    t1: &[f64],
) -> f64 {
    let n = revenue.len();
    let (purchases, x, new, t0, t1) = (&mut purchases[..n], &x[..n], &new[..n], &t0[..n], &t1[..n]);
    let mut sold = [0.0_f64; 4];
    let full = n - n % 4;
    // Blocks of four as fixed-size chunks: no per-element bounds checks, so the block
    // vectorises (an index loop over `step_by(4)` kept a check per element and stayed scalar).
    for (((((r, p), x), new), t0), t1) in revenue[..full]
        .chunks_exact_mut(4)
        .zip(purchases[..full].chunks_exact_mut(4))
        .zip(x[..full].chunks_exact(4))
        .zip(new[..full].chunks_exact(4))
        .zip(t0[..full].chunks_exact(4))
        .zip(t1[..full].chunks_exact(4))
    {
        for l in 0..4 {
            r[l] += new[l] * t1[l] - x[l] * t0[l];
            p[l] += new[l];
            sold[l] += new[l];
        }
    }
    for k in full..n {
        revenue[k] += new[k] * t1[k] - x[k] * t0[k];
        purchases[k] += new[k];
        sold[0] += new[k];
    }
    (sold[0] + sold[1]) + (sold[2] + sold[3])
}

/// Net welfare per region: PS + CS + revenue summed over sectors.
pub(crate) fn finish_welfare(out: &mut Equilibrium) {
    let n = out.n_regions;
    for r in 0..n {
        out.welfare[r] = (0..out.n_sectors)
            .map(|s| {
                let k = s * n + r;
                out.producer_surplus[k] + out.consumer_surplus[k] + out.tariff_revenue[k]
            })
            .sum();
    }
}
