//! `gravity-ge`: multi-sector structural gravity general equilibrium in exact hat algebra.
//!
//! # Model
//! Regions `i` (exporter) and `n` (importer), sectors `s`. Each region produces a variety of every
//! sector's good with one factor (an endowment of "labour", perfectly mobile across sectors), so
//! every sector's factory-gate price moves with the factor price: `p̂_is = ŵ_i`. Importers buy
//! varieties with Armington–CES preferences per sector (`sigma_s`, the same for every importer)
//! and split spending across sectors Cobb–Douglas. Tariffs are ad valorem on the exporter-price
//! value, their revenue is rebated to the importer, and trade deficits are held fixed.
//!
//! Baseline, from flows `x_ins` (USD at exporter prices, diagonal = domestic sales) and tariffs
//! `t0`: output `Y_i = Σ_s Σ_n x_ins`, spending `X_ns = Σ_i x_ins (1 + t0_ins)`, income
//! `I_n = Σ_s X_ns`, Cobb–Douglas shares `α_ns = X_ns / I_n`, import shares at consumer prices
//! `λ_ins = x_ins (1 + t0_ins) / X_ns`, revenue `R_n = Σ x_ins t0_ins`, deficit
//! `D_n = I_n − Y_n − R_n` (Σ D = 0 by construction).
//!
//! Counterfactual with tariff powers `τ̂ = (1 + t1) / (1 + t0)` (and optional iceberg trade-cost
//! changes `d̂`, multiplied into `τ̂`), unknowns `ŵ_i`:
//!
//! - sector price index: `P̂_ns^(1−σ_s) = Σ_i λ_ins (ŵ_i τ̂_ins)^(1−σ_s)` (closed form)
//! - new shares: `λ'_ins = λ_ins (ŵ_i τ̂_ins)^(1−σ_s) / P̂_ns^(1−σ_s)`
//! - revenue share of spending: `ρ_n = Σ_s α_ns Σ_i λ'_ins t1_ins / (1 + t1_ins)`
//! - income (revenue rebated): `I'_n = (ŵ_n Y_n + D'_n) / (1 − ρ_n)`, spending
//!   `X'_ns = α_ns I'_n`, flows `x'_ins = λ'_ins X'_ns / (1 + t1_ins)`
//! - factor market clearing: `ŵ_i Y_i = Σ_s Σ_n x'_ins`
//! - numeraire: world nominal output is unchanged, `Σ_i ŵ_i Y_i = Σ_i Y_i`
//! - deficits ([`DeficitClosure`]): `Levels`: `D'_n = D_n` (in units of world output);
//!   `ShareOfIncome`: `D'_n = δ_n ŵ_n Y_n − (ŵ_n Y_n / Σ ŵY) Σ_k δ_k ŵ_k Y_k` with
//!   `δ_n = D_n / Y_n` — each deficit keeps its share of factor income, and the world
//!   discrepancy that creates is spread in proportion to income, so deficits still sum to zero.
//!
//! Welfare is real income `Ŵ_n = Î_n / P̂_n` with the Cobb–Douglas index
//! `ln P̂_n = Σ_s α_ns ln P̂_ns`, reported as the equivalent variation `EV_n = I_n (Ŵ_n − 1)`,
//! USD at baseline prices. Held fixed: factor endowments, preferences (`α`, CES weights), iceberg
//! trade costs (unless given), deficits (per the closure), world nominal output.
//!
//! [`Equilibrium`] fields: `phat[s N + i] = ŵ_i` (every sector), `price_index = P̂_ns`, flows
//! `x'` including the diagonal, tariffs `t1`; `tariff_revenue` = change in `Σ_i x_ins t_ins` per
//! importer and sector; `producer_surplus` = change in factor income earned in the sector,
//! `Σ_n x'_ins − Σ_n x_ins` (nominal, numeraire = world output); `consumer_surplus` =
//! `α_ns [I'_n (1/P̂_n − 1) + (D'_n − D_n)]`, the cost-of-living effect on the new budget plus the
//! closure's deficit change, allocated to sectors by spending share — so that
//! `Σ_s (PS + CS + revenue) = EV_n = welfare[n]` exactly.
//!
//! With one sector, no tariffs and no deficits this is the endowment economy of Yotov et al.
//! (2016, ch. 2; Anderson & van Wincoop 2003). It differs from `gegravity-compat` (by ~0.1 pp on
//! gegravity's sample) because gegravity keeps the **baseline** output and expenditure shares
//! inside its resistance system and never iterates them with the new prices, normalises shares by
//! separate world totals of output and expenditure, and fixes the reference importer's inward
//! resistance instead of world output (`shared/data/gegravity_expected/SPEC.md` §2.3, §7).
//!
//! # Solver
//! A reduced system in the `N` unknowns `x_i = ln ŵ_i` (sector price indices are closed forms, so
//! there is never an `(N·S)²` Jacobian): the `N − 1` market-clearing residuals
//! `F_i = Σ_{s,n} x'_ins / (ŵ_i Y_i) − 1` (the one of the largest economy is implied by Walras'
//! law and replaced by the numeraire) solved by Newton with the analytic `N × N` Jacobian
//!
//! `∂F_i/∂x_k = [δ_ik Σ_{s,n} x'_ins (1−σ_s) − Σ_{s,n} x'_ins (1−σ_s) λ'_kns + Σ_n Q_in G_nk] / u_i
//!  − δ_ik (F_i + 1)`,
//!
//! `u_i = ŵ_i Y_i`, `Q_in = Σ_s x'_ins`, `G_nk = ∂ ln I'_n / ∂x_k` (income and revenue channels),
//! with Armijo backtracking on `½‖F‖²`. The Jacobian (`O(S N³)`, one GEMM-like sweep) is reused
//! across steps while the residual falls by 10× per step (chord steps, `O(N²)` each), and rebuilt
//! otherwise. If Newton stalls, a damped tâtonnement `x_i += ω ln(1 + F_i) / σ̄` (then
//! renormalised) restarts from the baseline. Converged means every `|F_i|`, the dropped one
//! included, and the numeraire residual are ≤ [`SOLVE_TOL`].
//! A shock that moves no traded cell returns the baseline exactly.
//!
//! # References
//! - Yotov, Y. V., R. Piermartini, J.-A. Monteiro and M. Larch (2016), *An Advanced Guide to Trade
//!   Policy Analysis: The Structural Gravity Model*, WTO/UNCTAD, ch. 2.
//! - Costinot, A. and A. Rodríguez-Clare (2014), "Trade Theory with Numbers: Quantifying the
//!   Consequences of Globalization", *Handbook of International Economics* 4, §3–4 (multi-sector
//!   Armington with tariff revenue, exact hat algebra).
//! - Caliendo, L. and F. Parro (2015), "Estimates of the Trade and Welfare Effects of NAFTA",
//!   *Review of Economic Studies* 82(1) (hat algebra with tariff revenue and fixed deficits).
//! - Dekle, R., J. Eaton and S. Kortum (2007), "Unbalanced Trade", *AER P&P* 97(2).
//! - Nocedal, J. and S. Wright (2006), *Numerical Optimization*, 2nd ed., §11.1 (Newton and chord
//!   methods for nonlinear equations), §3.1 (backtracking).

use crate::baseline::Baseline;
use crate::elasticity::Elasticities;
use crate::equilibrium::Equilibrium;
use crate::error::{CoreError, Result, SolveError, StopReason};
use crate::linalg::{lu_factor, lu_solve};
use crate::model::gegravity::{require_domestic, uniform_sigma};
use crate::tariff::Tariffs;
use crate::tolerance::{PRICE_LOG_BOUND, SIGMA_ONE_TOL, SOLVE_TOL};
use serde::{Deserialize, Serialize};

/// The model name used in errors and in [`Equilibrium::model`].
pub const NAME: &str = "gravity-ge";

/// How trade deficits are held fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DeficitClosure {
    /// `D'_n = D_n` in units of world nominal output (the numeraire). The default.
    #[default]
    Levels,
    /// `D'_n / (ŵ_n Y_n) = D_n / Y_n`, with the world discrepancy spread by income.
    ShareOfIncome,
}

/// Options of `gravity-ge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct GravityGeOptions {
    /// Deficit closure.
    pub closure: DeficitClosure,
    /// Newton iteration budget (the tâtonnement fallback gets 20× this, at most 2000).
    pub max_iterations: u32,
}

impl Default for GravityGeOptions {
    fn default() -> Self {
        Self {
            closure: DeficitClosure::Levels,
            max_iterations: 100,
        }
    }
}

/// Scratch for one `gravity-ge` solve; per-cell arrays are importer-major,
/// `[(s * N + n) * N + i]`, so one importer's sources are contiguous.
#[derive(Debug, Default, Clone)]
pub struct Workspace {
    n: usize,
    n_sectors: usize,
    /// `λ_ins τ̂_ins^(1−σ_s)`.
    beta: Vec<f64>,
    /// `λ'_ins`.
    lam: Vec<f64>,
    /// `x'_ins` (new flows at exporter prices).
    flow: Vec<f64>,
    /// `t1 / (1 + t1)`.
    margin: Vec<f64>,
    /// `1 / (1 + t1)`.
    inv_power: Vec<f64>,
    /// `σ_s` of the solve (one per sector; reused, no allocation per solve).
    sigma: Vec<f64>,
    one_minus_sigma: Vec<f64>,
    /// `α_ns`, `[s * N + n]`.
    alpha: Vec<f64>,
    /// `P̂_ns^(1−σ_s)`, `[s * N + n]`.
    ces: Vec<f64>,
    /// `Σ_i λ'_ins m_ins`, `[s * N + n]`.
    mbar: Vec<f64>,
    output: Vec<f64>,
    income0: Vec<f64>,
    deficit0: Vec<f64>,
    deficit_share: Vec<f64>,
    deficit: Vec<f64>,
    income: Vec<f64>,
    rho: Vec<f64>,
    sales: Vec<f64>,
    f: Vec<f64>,
    x: Vec<f64>,
    x_trial: Vec<f64>,
    step: Vec<f64>,
    jac: Vec<f64>,
    q: Vec<f64>,
    g: Vec<f64>,
    /// `ŵ_i^(1−σ_s)` of the sector being evaluated.
    pow: Vec<f64>,
    /// `ŵ_i Y_i`.
    u: Vec<f64>,
    piv: Vec<usize>,
    world_output: f64,
    anchor: usize,
}

impl Workspace {
    fn resize(&mut self, n: usize, n_sectors: usize) {
        self.n = n;
        self.n_sectors = n_sectors;
        let cells = n * n * n_sectors;
        for v in [
            &mut self.beta,
            &mut self.lam,
            &mut self.flow,
            &mut self.margin,
            &mut self.inv_power,
        ] {
            v.clear();
            v.resize(cells, 0.0);
        }
        for v in [&mut self.alpha, &mut self.ces, &mut self.mbar] {
            v.clear();
            v.resize(n * n_sectors, 0.0);
        }
        self.one_minus_sigma.clear();
        self.one_minus_sigma.resize(n_sectors, 0.0);
        for v in [
            &mut self.output,
            &mut self.income0,
            &mut self.deficit0,
            &mut self.deficit_share,
            &mut self.deficit,
            &mut self.income,
            &mut self.rho,
            &mut self.sales,
            &mut self.f,
            &mut self.x,
            &mut self.x_trial,
            &mut self.step,
            &mut self.pow,
            &mut self.u,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
        for v in [&mut self.jac, &mut self.q, &mut self.g] {
            v.clear();
            v.resize(n * n, 0.0);
        }
        self.piv.clear();
        self.piv.resize(n, 0);
    }

    /// Loads the baseline and the shock; returns whether any traded cell's cost changes.
    fn setup(
        &mut self,
        baseline: &Baseline,
        sigma: &[f64],
        tariffs: &Tariffs,
        trade_cost_hat: Option<&[f64]>,
    ) -> Result<bool> {
        let n = baseline.n_regions();
        let n_sectors = baseline.n_sectors();
        self.resize(n, n_sectors);
        let mut touched = false;
        for s in 0..n_sectors {
            let a = 1.0 - sigma[s];
            self.one_minus_sigma[s] = a;
            let flows = baseline.sector_flows(s);
            let t0 = baseline.sector_tariffs(s);
            let t1 = tariffs.sector_rates(s);
            for i in 0..n {
                for m in 0..n {
                    self.output[i] += flows[i * n + m];
                }
            }
            for m in 0..n {
                let spend: f64 = (0..n)
                    .map(|i| flows[i * n + m] * (1.0 + t0[i * n + m]))
                    .sum();
                self.alpha[s * n + m] = spend; // spending for now; shares below
                self.income0[m] += spend;
                for i in 0..n {
                    let k = i * n + m;
                    let c = (s * n + m) * n + i;
                    let x = flows[k];
                    self.margin[c] = t1[k] / (1.0 + t1[k]);
                    self.inv_power[c] = 1.0 / (1.0 + t1[k]);
                    self.deficit0[m] += x * (1.0 + t0[k]);
                    self.deficit0[i] -= x;
                    self.deficit0[m] -= x * t0[k];
                    if x <= 0.0 {
                        self.beta[c] = 0.0;
                        continue;
                    }
                    let mut hat = (1.0 + t1[k]) / (1.0 + t0[k]);
                    if let Some(d) = trade_cost_hat {
                        hat *= d[s * n * n + k];
                    }
                    let lam = x * (1.0 + t0[k]) / spend;
                    // Most cells are untouched: skip the ln/exp when the ratio is exactly 1.
                    let unchanged = hat - 1.0 == 0.0;
                    self.beta[c] = if unchanged || a.abs() < SIGMA_ONE_TOL {
                        lam
                    } else {
                        lam * (a * hat.ln()).exp()
                    };
                    touched |= !unchanged;
                }
            }
        }
        for m in 0..n {
            let income = self.income0[m];
            if !(income > 0.0 && income.is_finite()) {
                return Err(CoreError::InvalidValue {
                    what: "income",
                    value: income,
                    location: format!("region {}", baseline.regions().code(m)),
                    expected: "total spending (domestic plus imports, tariff-inclusive) > 0",
                });
            }
            for s in 0..n_sectors {
                self.alpha[s * n + m] /= income;
            }
            self.deficit_share[m] = self.deficit0[m] / self.output[m];
        }
        self.world_output = self.output.iter().sum();
        self.anchor = (0..n)
            .max_by(|&a, &b| self.output[a].total_cmp(&self.output[b]))
            .unwrap_or(0);
        Ok(touched)
    }

    /// Evaluates everything at `self.x`; returns `½‖E‖²` over the solver's equations, or `None`
    /// when a value is not finite or an income is not positive.
    fn evaluate(&mut self, closure: DeficitClosure) -> Option<f64> {
        let n = self.n;
        self.sales.fill(0.0);
        self.rho.fill(0.0);
        // Prices and shares, per sector and importer.
        for s in 0..self.n_sectors {
            let a = self.one_minus_sigma[s];
            for i in 0..n {
                self.pow[i] = (a * self.x[i]).exp();
            }
            for m in 0..n {
                let row = (s * n + m) * n..(s * n + m + 1) * n;
                let beta = &self.beta[row.clone()];
                let lam = &mut self.lam[row.clone()];
                let mut sum = 0.0;
                for i in 0..n {
                    let v = beta[i] * self.pow[i];
                    lam[i] = v;
                    sum += v;
                }
                self.ces[s * n + m] = sum;
                if sum > 0.0 {
                    let inv = 1.0 / sum;
                    let margin = &self.margin[row];
                    let mut mbar = 0.0;
                    for i in 0..n {
                        lam[i] *= inv;
                        mbar += lam[i] * margin[i];
                    }
                    self.mbar[s * n + m] = mbar;
                    self.rho[m] += self.alpha[s * n + m] * mbar;
                } else {
                    self.mbar[s * n + m] = 0.0;
                }
            }
        }
        // Incomes.
        let mut u_world = 0.0;
        let mut share_sum = 0.0;
        for m in 0..n {
            let u = self.x[m].exp() * self.output[m];
            u_world += u;
            share_sum += self.deficit_share[m] * u;
        }
        for m in 0..n {
            let u = self.x[m].exp() * self.output[m];
            self.deficit[m] = match closure {
                DeficitClosure::Levels => self.deficit0[m],
                DeficitClosure::ShareOfIncome => {
                    self.deficit_share[m] * u - u / u_world * share_sum
                }
            };
            let budget = u + self.deficit[m];
            let income = budget / (1.0 - self.rho[m]);
            if !(income > 0.0 && income.is_finite()) {
                return None;
            }
            self.income[m] = income;
        }
        // Flows and sales.
        for s in 0..self.n_sectors {
            for m in 0..n {
                let spend = self.alpha[s * n + m] * self.income[m];
                if !(spend > 0.0) {
                    continue;
                }
                let row = (s * n + m) * n..(s * n + m + 1) * n;
                let lam = &self.lam[row.clone()];
                let inv_power = &self.inv_power[row.clone()];
                let flow = &mut self.flow[row];
                for i in 0..n {
                    let v = lam[i] * spend * inv_power[i];
                    flow[i] = v;
                    self.sales[i] += v;
                }
            }
        }
        let mut merit = 0.0;
        let mut numeraire = 0.0;
        for i in 0..n {
            let u = self.x[i].exp() * self.output[i];
            self.f[i] = self.sales[i] / u - 1.0;
            numeraire += u;
            if i != self.anchor {
                merit += self.f[i] * self.f[i];
            }
        }
        let g = numeraire / self.world_output - 1.0;
        merit += g * g;
        let merit = 0.5 * merit;
        merit.is_finite().then_some(merit)
    }

    /// The solver's equation vector: `F` with the anchor's entry replaced by the numeraire.
    fn equations_into_step(&mut self) {
        let n = self.n;
        let mut numeraire = 0.0;
        for i in 0..n {
            numeraire += self.x[i].exp() * self.output[i];
            self.step[i] = -self.f[i];
        }
        self.step[self.anchor] = -(numeraire / self.world_output - 1.0);
    }

    fn residual_inf(&self) -> f64 {
        let numeraire: f64 = (0..self.n)
            .map(|i| self.x[i].exp() * self.output[i])
            .sum::<f64>()
            / self.world_output
            - 1.0;
        self.f.iter().fold(numeraire.abs(), |m, f| {
            if f.is_finite() {
                m.max(f.abs())
            } else {
                f64::INFINITY
            }
        })
    }

    /// The analytic Jacobian of the solver's equations at the last evaluated point, into `jac`.
    fn jacobian(&mut self, closure: DeficitClosure) {
        let n = self.n;
        let jac = &mut self.jac;
        jac.fill(0.0);
        self.q.fill(0.0);
        self.g.fill(0.0);
        for i in 0..n {
            self.u[i] = self.x[i].exp() * self.output[i];
        }
        let u = &self.u;
        // Q_in = Σ_s x'_ins, stored transposed (`q[n * N + i]`) so the sweep is contiguous.
        for s in 0..self.n_sectors {
            for m in 0..n {
                let flow = &self.flow[(s * n + m) * n..(s * n + m + 1) * n];
                for (qv, &f) in self.q[m * n..(m + 1) * n].iter_mut().zip(flow) {
                    *qv += f;
                }
            }
        }
        // Share terms: J_ik −= Σ_{s,n} c_ins λ'_kns with c_ins = x'_ins (1−σ_s) / u_i, plus the
        // diagonal Σ_{s,n} c_ins. A product (N × NS)·(NS × N), computed by tiles of JAC_TILE rows
        // of J held in L1 while each λ' row is streamed once per tile and reused for every row.
        const JAC_TILE: usize = 8;
        for i0 in (0..n).step_by(JAC_TILE) {
            let rows = JAC_TILE.min(n - i0);
            let tile = &mut jac[i0 * n..(i0 + rows) * n];
            let mut diag = [0.0; JAC_TILE];
            for s in 0..self.n_sectors {
                let a = self.one_minus_sigma[s];
                if a.abs() < SIGMA_ONE_TOL {
                    continue;
                }
                for m in 0..n {
                    let row = (s * n + m) * n..(s * n + m + 1) * n;
                    let flow = &self.flow[row.clone()];
                    let lam = &self.lam[row];
                    let mut c = [0.0; JAC_TILE];
                    let mut any = false;
                    for r in 0..rows {
                        c[r] = flow[i0 + r] * a / u[i0 + r];
                        any |= c[r] != 0.0;
                    }
                    if !any {
                        continue;
                    }
                    for r in 0..rows {
                        if c[r] == 0.0 {
                            continue;
                        }
                        diag[r] += c[r];
                        let cr = c[r];
                        for (x, &l) in tile[r * n..(r + 1) * n].iter_mut().zip(lam) {
                            *x -= cr * l;
                        }
                    }
                }
            }
            for r in 0..rows {
                tile[r * n + i0 + r] += diag[r];
            }
        }
        // G_nk = ∂ ln I'_n / ∂x_k: budget channel plus revenue-share channel.
        let u_world: f64 = u.iter().sum();
        let share_sum: f64 = (0..n).map(|k| self.deficit_share[k] * u[k]).sum();
        for m in 0..n {
            let budget = u[m] + self.deficit[m];
            let grow = &mut self.g[m * n..(m + 1) * n];
            match closure {
                DeficitClosure::Levels => grow[m] += u[m] / budget,
                DeficitClosure::ShareOfIncome => {
                    let ratio = share_sum / u_world;
                    grow[m] += u[m] * (1.0 + self.deficit_share[m] - ratio) / budget;
                    for k in 0..n {
                        grow[k] += u[m] * u[k] * (ratio - self.deficit_share[k]) / u_world / budget;
                    }
                }
            }
            let inv_one_rho = 1.0 / (1.0 - self.rho[m]);
            for s in 0..self.n_sectors {
                let a = self.one_minus_sigma[s];
                let alpha = self.alpha[s * n + m];
                if alpha == 0.0 || a.abs() < SIGMA_ONE_TOL {
                    continue;
                }
                let mbar = self.mbar[s * n + m];
                let row = (s * n + m) * n..(s * n + m + 1) * n;
                let lam = &self.lam[row.clone()];
                let margin = &self.margin[row];
                let c = alpha * a * inv_one_rho;
                for k in 0..n {
                    grow[k] += c * lam[k] * (margin[k] - mbar);
                }
            }
        }
        // + Σ_n Q_in G_nk / u_i, and − δ_ik (F_i + 1).
        for i in 0..n {
            let jrow = &mut jac[i * n..(i + 1) * n];
            for m in 0..n {
                let qv = self.q[m * n + i] / u[i];
                if qv == 0.0 {
                    continue;
                }
                let grow = &self.g[m * n..(m + 1) * n];
                for (x, &gv) in jrow.iter_mut().zip(grow) {
                    *x += qv * gv;
                }
            }
            jrow[i] -= self.f[i] + 1.0;
        }
        // The anchor's row is the numeraire: ∂/∂x_k Σ ŵ Y / Y_W.
        let a = self.anchor;
        for k in 0..n {
            jac[a * n + k] = u[k] / self.world_output;
        }
    }

    /// Newton (chord steps while they converge fast) with backtracking. Ok(iterations).
    fn newton(
        &mut self,
        closure: DeficitClosure,
        max_iterations: usize,
    ) -> std::result::Result<usize, (StopReason, usize)> {
        let n = self.n;
        let mut merit = self.evaluate(closure).ok_or((StopReason::Diverged, 0))?;
        let mut fresh = false;
        let mut have_jacobian = false;
        let mut last_residual = self.residual_inf();
        let mut it = 0;
        while it < max_iterations {
            let residual = self.residual_inf();
            if residual <= SOLVE_TOL {
                return Ok(it);
            }
            // Rebuild the Jacobian unless the last (chord) step cut the residual 10×.
            if !have_jacobian || residual > 0.1 * last_residual {
                self.jacobian(closure);
                if !lu_factor(&mut self.jac, n, &mut self.piv) {
                    return Err((StopReason::SingularJacobian, it));
                }
                have_jacobian = true;
                fresh = true;
            }
            last_residual = residual;
            self.equations_into_step();
            lu_solve(&self.jac, n, &self.piv, &mut self.step);
            self.x_trial.copy_from_slice(&self.x);
            let mut alpha = 1.0;
            let mut accepted = false;
            for _ in 0..40 {
                let mut in_range = true;
                for i in 0..n {
                    let xi = self.x_trial[i] + alpha * self.step[i];
                    in_range &= xi.abs() <= PRICE_LOG_BOUND;
                    self.x[i] = xi;
                }
                if in_range
                    && let Some(trial) = self.evaluate(closure)
                    && trial <= (1.0 - 1e-4 * alpha) * merit
                {
                    merit = trial;
                    accepted = true;
                    break;
                }
                alpha *= 0.5;
            }
            it += 1;
            if !accepted {
                self.x.copy_from_slice(&self.x_trial);
                self.evaluate(closure);
                if fresh {
                    return Err((StopReason::LineSearchFailed, it));
                }
                // A stale Jacobian: rebuild it and try again.
                have_jacobian = false;
                continue;
            }
            fresh = false;
        }
        if self.residual_inf() <= SOLVE_TOL {
            Ok(it)
        } else {
            Err((StopReason::MaxIterations, it))
        }
    }

    /// Damped tâtonnement from the baseline: `x_i += ω ln(1 + F_i) / σ̄`, renormalised.
    fn tatonnement(
        &mut self,
        closure: DeficitClosure,
        max_iterations: usize,
    ) -> std::result::Result<usize, (StopReason, usize)> {
        let n = self.n;
        let sigma_bar = 1.0
            - self.one_minus_sigma.iter().sum::<f64>() / self.one_minus_sigma.len().max(1) as f64;
        let scale = 1.0 / sigma_bar.max(1.0);
        self.x.fill(0.0);
        let mut merit = self.evaluate(closure).ok_or((StopReason::Diverged, 0))?;
        let mut omega = 1.0_f64;
        for it in 0..max_iterations {
            if self.residual_inf() <= SOLVE_TOL {
                return Ok(it);
            }
            self.x_trial.copy_from_slice(&self.x);
            for i in 0..n {
                self.step[i] = (1.0 + self.f[i]).max(1e-300).ln() * scale;
            }
            loop {
                for i in 0..n {
                    self.x[i] = self.x_trial[i] + omega * self.step[i];
                }
                let total: f64 = (0..n).map(|i| self.x[i].exp() * self.output[i]).sum();
                let shift = (total / self.world_output).ln();
                let mut in_range = true;
                for v in &mut self.x {
                    *v -= shift;
                    in_range &= v.abs() <= PRICE_LOG_BOUND;
                }
                let trial = if in_range {
                    self.evaluate(closure)
                } else {
                    None
                };
                match trial {
                    Some(t) if t < merit => {
                        merit = t;
                        omega = (omega * 1.5).min(1.0);
                        break;
                    }
                    _ => {
                        omega *= 0.5;
                        if omega < 1e-12 {
                            self.x.copy_from_slice(&self.x_trial);
                            self.evaluate(closure);
                            return Err((StopReason::LineSearchFailed, it + 1));
                        }
                    }
                }
            }
        }
        if self.residual_inf() <= SOLVE_TOL {
            Ok(max_iterations)
        } else {
            Err((StopReason::MaxIterations, max_iterations))
        }
    }
}

/// `gravity-ge` with tariff changes only (the [`crate::Model::GravityGe`] entry).
pub(crate) fn solve_into(
    baseline: &Baseline,
    elasticities: &Elasticities,
    tariffs: &Tariffs,
    options: GravityGeOptions,
    ws: &mut Workspace,
    out: &mut Equilibrium,
) -> Result<()> {
    solve_inner(baseline, elasticities, tariffs, None, options, ws, out)
}

/// `gravity-ge` with tariff changes and iceberg trade-cost changes `trade_cost_hat`
/// (`d̂_ins = d'_ins / d_ins` for exporter `i`, importer `n`, sector `s`, baseline layout
/// `(s * N + i) * N + n`; 1 = unchanged; a trade agreement is `d̂ < 1`). Iceberg costs raise
/// the consumer price like a tariff but yield no revenue.
///
/// `out` is reset first. This is the entry for non-tariff counterfactuals (trade agreements,
/// gegravity-style cost shocks); [`crate::Model::solve`] covers tariff-only shocks.
pub fn solve_with_trade_costs(
    baseline: &Baseline,
    elasticities: &Elasticities,
    tariffs: &Tariffs,
    trade_cost_hat: &[f64],
    options: GravityGeOptions,
    ws: &mut Workspace,
    out: &mut Equilibrium,
) -> Result<()> {
    elasticities.check_fits(baseline)?;
    tariffs.check_fits(baseline)?;
    let len = baseline.flows().len();
    if trade_cost_hat.len() != len {
        return Err(CoreError::Shape {
            what: "trade-cost changes",
            expected: len,
            found: trade_cost_hat.len(),
        });
    }
    if let Some((k, &d)) = trade_cost_hat
        .iter()
        .enumerate()
        .find(|(_, d)| !(d.is_finite() && **d > 0.0))
    {
        let n = baseline.n_regions();
        return Err(CoreError::InvalidValue {
            what: "trade-cost change",
            value: d,
            location: baseline.cell_name((k / n) % n, k % n, k / (n * n)),
            expected: "a finite ratio > 0 (1 = unchanged)",
        });
    }
    out.reset_to(NAME, baseline, tariffs.rates(), Some(tariffs.uid()), false);
    solve_inner(
        baseline,
        elasticities,
        tariffs,
        Some(trade_cost_hat),
        options,
        ws,
        out,
    )
}

/// The solve behind both entries; `out` has been reset to the baseline with `tariffs` in force
/// (by [`crate::Model::solve_into`] or [`solve_with_trade_costs`]).
fn solve_inner(
    baseline: &Baseline,
    elasticities: &Elasticities,
    tariffs: &Tariffs,
    trade_cost_hat: Option<&[f64]>,
    options: GravityGeOptions,
    ws: &mut Workspace,
    out: &mut Equilibrium,
) -> Result<()> {
    require_domestic(baseline, NAME)?;
    let mut sigma = std::mem::take(&mut ws.sigma);
    sigma.clear();
    for s in 0..baseline.n_sectors() {
        sigma.push(uniform_sigma(baseline, elasticities, s, NAME)?);
    }
    let changed = ws.setup(baseline, &sigma, tariffs, trade_cost_hat);
    ws.sigma = sigma;
    if !changed? {
        return Ok(());
    }
    let closure = options.closure;
    let max_newton = options.max_iterations as usize;
    let iterations = match ws.newton(closure, max_newton) {
        Ok(it) => it,
        Err((_, newton_its)) => {
            let budget = (20 * max_newton).min(2000);
            match ws.tatonnement(closure, budget) {
                Ok(it) => newton_its + it,
                Err((reason, it)) => {
                    return Err(SolveError {
                        model: NAME,
                        sector: None,
                        iterations: newton_its + it,
                        residual: ws.residual_inf(),
                        reason,
                    }
                    .into());
                }
            }
        }
    };
    // Recompute at the solution (the line search may have left another point evaluated last).
    if ws.evaluate(closure).is_none() {
        return Err(SolveError {
            model: NAME,
            sector: None,
            iterations,
            residual: f64::INFINITY,
            reason: StopReason::Diverged,
        }
        .into());
    }
    write(baseline, tariffs, trade_cost_hat, iterations, ws, out);
    if !out.all_finite() || !(out.residual <= SOLVE_TOL) {
        return Err(SolveError {
            model: NAME,
            sector: None,
            iterations,
            residual: out.residual,
            reason: StopReason::Diverged,
        }
        .into());
    }
    Ok(())
}

fn write(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::world;

    /// The analytic Jacobian against central finite differences, both closures, away from the
    /// baseline (tariffs changed, prices perturbed).
    #[test]
    fn jacobian_matches_finite_differences() {
        let (n, n_sectors) = (5, 3);
        let b = world(n, n_sectors);
        let sigma = [2.0, 4.0, 7.5];
        let mut rates = b.tariffs().to_vec();
        for (k, r) in rates.iter_mut().enumerate() {
            if k % 4 == 1 {
                *r += 0.3;
            }
        }
        let tariffs = Tariffs::new(n, n_sectors, rates).unwrap();
        for closure in [DeficitClosure::Levels, DeficitClosure::ShareOfIncome] {
            let mut ws = Workspace::default();
            assert!(ws.setup(&b, &sigma, &tariffs, None).unwrap());
            let x0: Vec<f64> = (0..n).map(|i| 0.05 * (i as f64 - 2.0)).collect();
            ws.x.copy_from_slice(&x0);
            ws.evaluate(closure).unwrap();
            ws.jacobian(closure);
            let analytic = ws.jac.clone();
            let h = 1e-6;
            for k in 0..n {
                let mut col = [vec![0.0; n], vec![0.0; n]];
                for (side, sign) in [(0, 1.0), (1, -1.0)] {
                    ws.x.copy_from_slice(&x0);
                    ws.x[k] += sign * h;
                    ws.evaluate(closure).unwrap();
                    ws.equations_into_step();
                    for i in 0..n {
                        col[side][i] = -ws.step[i];
                    }
                }
                for i in 0..n {
                    let fd = (col[0][i] - col[1][i]) / (2.0 * h);
                    let an = analytic[i * n + k];
                    assert!(
                        (fd - an).abs() < 1e-7 * (1.0 + an.abs()),
                        "{closure:?} J[{i}][{k}]: analytic {an}, finite difference {fd}"
                    );
                }
            }
        }
    }

    #[test]
    fn baseline_point_solves_the_system() {
        let b = world(4, 2);
        let mut ws = Workspace::default();
        ws.setup(&b, &[3.0, 5.0], &b.baseline_tariffs(), None)
            .unwrap();
        ws.evaluate(DeficitClosure::Levels).unwrap();
        assert!(ws.residual_inf() < 1e-14, "{}", ws.residual_inf());
    }
}
