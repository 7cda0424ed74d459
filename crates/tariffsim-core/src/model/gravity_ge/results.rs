//! Writing the solution into the equilibrium: prices, price indices, flows, revenue, surpluses
//! and welfare.

use super::*;

pub(super) fn write(
    baseline: &Baseline,
    tariffs: &Tariffs,
    trade_cost_hat: Option<&[f64]>,
    iterations: usize,
    ws: &Workspace,
    out: &mut Equilibrium,
) {
    let n = ws.n;
    let n_sectors = ws.n_sectors;
    let its = u32::try_from(iterations).unwrap_or(u32::MAX);
    let mut ln_pindex = vec![0.0; n];
    for s in 0..n_sectors {
        let a = ws.one_minus_sigma[s];
        let flows = baseline.sector_flows(s);
        let t0 = baseline.sector_tariffs(s);
        let t1 = tariffs.sector_rates(s);
        out.iterations[s] = its;
        for i in 0..n {
            out.phat[s * n + i] = ws.x[i].exp();
        }
        for m in 0..n {
            let alpha = ws.alpha[s * n + m];
            let ln_p = if alpha <= 0.0 {
                0.0
            } else if a.abs() < SIGMA_ONE_TOL {
                // Cobb–Douglas limit: ln P̂ = Σ λ ln(ŵ τ̂).
                (0..n)
                    .map(|i| {
                        let k = i * n + m;
                        let mut hat = (1.0 + t1[k]) / (1.0 + t0[k]);
                        if let Some(d) = trade_cost_hat {
                            hat *= d[s * n * n + k];
                        }
                        ws.lam[(s * n + m) * n + i] * (ws.x[i] + hat.ln())
                    })
                    .sum()
            } else {
                ws.ces[s * n + m].ln() / a
            };
            out.price_index[s * n + m] = ln_p.exp();
            ln_pindex[m] += alpha * ln_p;
            let mut revenue = 0.0;
            for i in 0..n {
                let k = i * n + m;
                let v = ws.flow[(s * n + m) * n + i];
                out.flows[s * n * n + k] = v;
                revenue += v * t1[k] - flows[k] * t0[k];
            }
            out.tariff_revenue[s * n + m] = revenue;
        }
        for i in 0..n {
            let new: f64 = (0..n).map(|m| out.flows[s * n * n + i * n + m]).sum();
            let old: f64 = (0..n).map(|m| flows[i * n + m]).sum();
            out.producer_surplus[s * n + i] = new - old;
        }
    }
    for m in 0..n {
        let p_hat = ln_pindex[m].exp();
        let income = ws.income[m];
        let cost_of_living = income * (1.0 / p_hat - 1.0) + (ws.deficit[m] - ws.deficit0[m]);
        for s in 0..n_sectors {
            out.consumer_surplus[s * n + m] = ws.alpha[s * n + m] * cost_of_living;
        }
        out.welfare[m] = income / p_hat - ws.income0[m];
    }
    out.residual = ws.residual_inf();
}
