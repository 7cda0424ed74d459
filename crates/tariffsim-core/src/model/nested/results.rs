//! Writing a solved sector into the equilibrium: prices, flows, surpluses, revenue, totals and
//! the market-clearing check.

use super::*;

/// Writes prices, flows and welfare of the solved sector `s` (the workspace is evaluated at the
/// solution); returns the largest relative market-clearing residual recomputed in levels from
/// the new flows — or NaN if any value written is not finite (they are all folded into a check
/// value, cheaper than scanning the whole equilibrium afterwards).
pub(super) fn write_exact(
    baseline: &Baseline,
    tariffs: &Tariffs,
    e: &SectorElasticities<'_>,
    s: usize,
    ws: &NestedWorkspace,
    out: &mut Equilibrium,
) -> f64 {
    let n = ws.n;
    let nn = n * n;
    let flows = &baseline.sector_flows(s)[..nn];
    let t0 = &baseline.sector_tariffs(s)[..nn];
    let t1 = &tariffs.sector_rates(s)[..nn];
    let base = s * n;
    for i in 0..n {
        out.phat[base + i] = ws.y[i].exp();
    }
    let out_phat = &out.phat[base..base + n];
    let new_flows = &mut out.flows[s * nn..(s + 1) * nn];
    // New values x_ij phat_i qhat_ij, exporter-major (contiguous): from the cells when the
    // evaluation formed them, else from its factors — a row factor phat_i^(1 − sigma_m) times a
    // column scale, times the tariff factor on the changed cells; the diagonal apart.
    if ws.materialized {
        for (i, (row, new_row)) in flows
            .chunks_exact(n)
            .zip(new_flows.chunks_exact_mut(n))
            .enumerate()
        {
            for (j, (v, &x)) in new_row.iter_mut().zip(row).enumerate() {
                *v = if x > 0.0 {
                    x * out_phat[i] * ws.q[j * n + i]
                } else {
                    0.0
                };
            }
        }
    } else {
        let scale = &ws.scale[..n];
        for (i, (row, new_row)) in flows
            .chunks_exact(n)
            .zip(new_flows.chunks_exact_mut(n))
            .enumerate()
        {
            let f = out_phat[i] * ws.p_demand[i];
            for ((v, &x), &sc) in new_row.iter_mut().zip(row).zip(scale) {
                let flow = x * f * sc;
                *v = if x > 0.0 { flow } else { 0.0 };
            }
            let x = row[i];
            new_row[i] = if x > 0.0 {
                x * out_phat[i] * ws.q_dom[i]
            } else {
                0.0
            };
        }
        for &c in &ws.changed {
            let (j, i) = (c / n, c % n);
            if i != j {
                new_flows[i * n + j] *= ws.t_demand[c];
            }
        }
    }
    // Segmented supply: home sales keep their producer price (`qhat_ii` alone).
    if e.segmented {
        for i in 0..n {
            let x = flows[i * n + i];
            let q = if ws.materialized {
                ws.q[i * n + i]
            } else {
                ws.q_dom[i]
            };
            new_flows[i * n + i] = if x > 0.0 { x * q } else { 0.0 };
        }
    }
    // Revenue per importer, the totals for the metrics and each exporter's sales, in one
    // exporter-major pass (each importer's revenue still adds its cells in exporter order).
    let revenue = &mut out.tariff_revenue[base..base + n];
    revenue.fill(0.0);
    let (exports, imports) = (
        &mut out.totals.exports[base..base + n],
        &mut out.totals.imports[base..base + n],
    );
    imports.fill(0.0);
    let mut check = 0.0;
    for i in 0..n {
        let row = i * n..(i + 1) * n;
        let new_row = &new_flows[row.clone()];
        // Whole-row sweeps (they vectorise); the importer's own cell is not an import: its
        // running total is put back after the sweep, so every sum adds the same terms in the
        // same order as a sweep that skipped it.
        for ((r, &v), (&x, (&a, &b))) in revenue.iter_mut().zip(new_row).zip(
            flows[row.clone()]
                .iter()
                .zip(t0[row.clone()].iter().zip(&t1[row])),
        ) {
            *r += v * b - x * a;
        }
        let own = imports[i];
        for (m, &v) in imports.iter_mut().zip(new_row) {
            *m += v;
        }
        imports[i] = own;
        let mut sold_abroad = 0.0;
        for (j, &v) in new_row.iter().enumerate() {
            if i != j {
                sold_abroad += v;
            }
        }
        exports[i] = sold_abroad;
        check += sold_abroad;
    }
    out.totals.state[s] = TotalsState::Computed;
    for j in 0..n {
        check += revenue[j];
        let spending = ws.b.spending[j];
        if spending <= 0.0 {
            continue;
        }
        let lnp = ws.lnp[j];
        out.price_index[base + j] = lnp.exp();
        let one_eta = 1.0 + e.eta[j];
        out.consumer_surplus[base + j] = if one_eta.abs() < 1e-12 {
            -spending * lnp
        } else {
            -spending * (one_eta * lnp).exp_m1() / one_eta
        };
        check += out.price_index[base + j] + out.consumer_surplus[base + j];
    }
    let mut worst = 0.0_f64;
    for &i in &ws.active {
        let y = ws.y[i];
        let eps = e.eps[i];
        let x_i = ws.b.sales[i];
        out.producer_surplus[base + i] = if (1.0 + eps).abs() < 1e-12 {
            x_i * y
        } else {
            x_i * ((1.0 + eps) * y).exp_m1() / (1.0 + eps)
        };
        let home = if e.segmented {
            0.0
        } else {
            new_flows[i * n + i]
        };
        let sold = out.totals.exports[base + i] + home;
        check += sold + out.producer_surplus[base + i] + out.phat[base + i];
        let supply = x_i * (eps * y).exp();
        let r = (sold / out.phat[base + i] - supply).abs() / supply;
        if !(r <= worst) {
            worst = r;
        }
    }
    // Every cell's value enters the finiteness check (the domestic ones through the sales).
    for i in 0..n {
        check += new_flows[i * n + i];
    }
    if check.is_finite() { worst } else { f64::NAN }
}
