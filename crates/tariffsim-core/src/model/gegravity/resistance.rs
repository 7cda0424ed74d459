//! The multilateral-resistance system: the Anderson-accelerated Sinkhorn fixed point, the Newton
//! and chord steps that finish small systems, and the residual of all `2N` equations.

use super::*;

/// Scratch and solution of one resistance solve (`a`, `b`), reused across solves.
#[derive(Debug, Default, Clone)]
pub struct MrWorkspace {
    /// `a_j = P_j^(σ−1)`.
    pub(crate) a: Vec<f64>,
    /// `b_i = Π_i^(σ−1)`.
    pub(crate) b: Vec<f64>,
    ea: Vec<f64>,
    yb: Vec<f64>,
    col: Vec<f64>,
    row: Vec<f64>,
    g: Vec<f64>,
    f_prev: Vec<f64>,
    g_prev: Vec<f64>,
    df: Vec<f64>,
    dg: Vec<f64>,
    gram: Vec<f64>,
    jac: Vec<f64>,
    rhs: Vec<f64>,
    v: Vec<f64>,
    piv: Vec<usize>,
    warm: bool,
}

impl MrWorkspace {
    /// Sizes the buffers for `n` countries and forgets any warm start.
    pub fn resize(&mut self, n: usize) {
        for v in [
            &mut self.a,
            &mut self.b,
            &mut self.ea,
            &mut self.yb,
            &mut self.col,
            &mut self.row,
        ] {
            v.clear();
            v.resize(n, 1.0);
        }
        self.warm = false;
    }

    /// Forgets the warm start (the next solve starts from `a = 1`).
    pub fn cold_start(&mut self) {
        self.a.fill(1.0);
        self.warm = false;
    }

    /// Solves `1 = a_j Σ_i T_ij y_i b_i`, `1 = b_i Σ_j T_ij e_j a_j` with `a_ref = 1` into
    /// `self.a`, `self.b`, starting from the current `a` (the previous solution, if any).
    ///
    /// Rows with `y_i = 0` and columns with `e_j = 0` and no positive `T` are inactive: they
    /// keep `1` and do not count in the residual. Returns (iterations, residual).
    pub(crate) fn solve(
        &mut self,
        t: &[f64],
        y: &[f64],
        e: &[f64],
        reference: usize,
        max_iterations: usize,
    ) -> std::result::Result<(usize, f64), SolveError> {
        let n = y.len();
        if !self.warm {
            self.a.fill(1.0);
        }
        let depth = ANDERSON_DEPTH;
        for v in [&mut self.df, &mut self.dg] {
            v.clear();
            v.resize(depth * n, 0.0);
        }
        self.gram.clear();
        self.gram.resize(depth * depth, 0.0);
        for v in [&mut self.f_prev, &mut self.g_prev, &mut self.g] {
            v.clear();
            v.resize(n, 0.0);
        }
        let mut stored = 0; // history columns in use
        let mut next = 0; // ring position of the next column
        let mut have_prev = false;
        let mut best = f64::INFINITY;
        let mut newton_last = f64::INFINITY;
        let mut factored = false;
        let mut iterations = 0;
        let mut residual;
        loop {
            // b(a): the outward equations hold exactly.
            self.omr_sums(t, e);
            for i in 0..n {
                self.b[i] = inv_or_one(self.row[i]);
            }
            // Inward residuals at (a, b(a)): the residual of the whole system.
            self.imr_sums(t, y);
            residual = 0.0_f64;
            for j in 0..n {
                if self.col[j] > 0.0 {
                    residual = residual.max((1.0 - self.a[j] * self.col[j]).abs());
                }
            }
            if !residual.is_finite() || residual <= SOLVE_TOL || iterations >= max_iterations {
                break;
            }
            iterations += 1;
            // Close to the solution of a small system: Newton steps (quadratic convergence).
            if n <= NEWTON_MAX_COUNTRIES && residual <= NEWTON_SWITCH {
                // Chord steps on the last factorisation while they cut the residual 10×;
                // otherwise refactorise here.
                if factored && residual > 0.1 * newton_last {
                    factored = false;
                }
                if !factored {
                    factored = self.newton_factor(t, y, e, reference);
                }
            }
            if factored {
                if self.newton_step(reference) {
                    newton_last = residual;
                    stored = 0;
                    have_prev = false;
                    best = f64::INFINITY;
                    continue;
                }
                factored = false;
            }
            // Anderson safeguard: a step that made things much worse drops the history.
            if residual > 10.0 * best {
                stored = 0;
                have_prev = false;
            }
            best = best.min(residual);
            // Sinkhorn image g(a) = 1 / col, normalised to g_ref = 1.
            for j in 0..n {
                self.g[j] = inv_or_one(self.col[j]);
            }
            let scale = self.g[reference];
            for j in 0..n {
                self.g[j] /= scale;
            }
            // History of differences of f = g − a and of g.
            if have_prev {
                let col = next * n..(next + 1) * n;
                for (k, j) in col.enumerate() {
                    let f = self.g[k] - self.a[k];
                    self.df[j] = f - self.f_prev[k];
                    self.dg[j] = self.g[k] - self.g_prev[k];
                }
                stored = (stored + 1).min(depth);
                // Only the new column's row of the Gram matrix ΔFᵀΔF changes.
                let dn = &self.df[next * n..(next + 1) * n];
                for q in 0..stored {
                    let v = dot(dn, &self.df[q * n..(q + 1) * n]);
                    self.gram[next * depth + q] = v;
                    self.gram[q * depth + next] = v;
                }
                next = (next + 1) % depth;
            }
            for k in 0..n {
                self.f_prev[k] = self.g[k] - self.a[k];
                self.g_prev[k] = self.g[k];
            }
            have_prev = true;
            // a ← g − ΔG γ with γ = argmin ‖f − ΔF γ‖ (normal equations, m ≤ ANDERSON_DEPTH).
            let mut accelerated = false;
            if stored > 0 {
                let m = stored;
                let mut gram = [0.0; ANDERSON_DEPTH * ANDERSON_DEPTH];
                let mut rhs = [0.0; ANDERSON_DEPTH];
                for p in 0..m {
                    rhs[p] = dot(&self.df[p * n..(p + 1) * n], &self.f_prev);
                    for q in 0..m {
                        gram[p * m + q] = self.gram[p * depth + q];
                    }
                }
                let trace: f64 = (0..m).map(|p| gram[p * m + p]).sum();
                for p in 0..m {
                    gram[p * m + p] += 1e-12 * trace + 1e-300;
                }
                let mut piv = [0usize; ANDERSON_DEPTH];
                if crate::linalg::lu_solve_in_place(&mut gram[..m * m], m, &mut rhs[..m], &mut piv)
                {
                    let mut ok = true;
                    for k in 0..n {
                        let mut v = self.g[k];
                        for p in 0..m {
                            v -= self.dg[p * n + k] * rhs[p];
                        }
                        ok &= v > 0.0 && v.is_finite();
                        self.a[k] = v;
                    }
                    accelerated = ok;
                }
                if !accelerated {
                    stored = 0;
                    have_prev = false;
                }
            }
            if !accelerated {
                self.a.copy_from_slice(&self.g);
            }
        }
        // Normalise: (a, b) -> (a / a_ref, b a_ref) leaves every equation unchanged.
        let scale = self.a[reference];
        if scale > 0.0 && scale.is_finite() {
            for v in &mut self.a {
                *v /= scale;
            }
            for v in &mut self.b {
                *v *= scale;
            }
        }
        let final_residual = self.residual(t, y, e);
        if !(final_residual <= SOLVE_TOL) {
            let reason = if !final_residual.is_finite() {
                StopReason::Diverged
            } else {
                StopReason::MaxIterations
            };
            self.warm = false;
            return Err(SolveError {
                model: NAME,
                sector: None,
                iterations,
                residual: if final_residual.is_finite() {
                    final_residual
                } else {
                    residual
                },
                reason,
            });
        }
        self.warm = true;
        Ok((iterations, final_residual))
    }

    /// Builds and factorises the Jacobian of the inward equations `F_j = 1 − a_j c_j(a)` in
    /// `ln a` (`j ≠ ref`), with `b = b(a)` eliminated; expects `row`, `b`, `col` at the current
    /// `a`. `∂F_j/∂ln a_k = Σ_i w_ij v_ik − δ_jk a_j c_j`, `w_ij = a_j T_ij y_i b_i`,
    /// `v_ik = b_i T_ik e_k a_k`. The reference and inactive columns are pinned (identity rows).
    /// Returns false if it is singular.
    fn newton_factor(&mut self, t: &[f64], y: &[f64], e: &[f64], reference: usize) -> bool {
        let n = y.len();
        self.jac.clear();
        self.jac.resize(n * n, 0.0);
        self.piv.clear();
        self.piv.resize(n, 0);
        self.v.clear();
        self.v.resize(n, 0.0);
        for i in 0..n {
            let ti = &t[i * n..(i + 1) * n];
            let bi = self.b[i];
            if self.row[i] <= 0.0 {
                continue;
            }
            for k in 0..n {
                self.v[k] = bi * ti[k] * e[k] * self.a[k];
            }
            let ybi = y[i] * bi;
            for j in 0..n {
                let w = self.a[j] * ti[j] * ybi;
                if w == 0.0 {
                    continue;
                }
                let jrow = &mut self.jac[j * n..(j + 1) * n];
                for (x, &vk) in jrow.iter_mut().zip(&self.v) {
                    *x += w * vk;
                }
            }
        }
        for j in 0..n {
            self.jac[j * n + j] -= self.a[j] * self.col[j];
        }
        for j in 0..n {
            if j == reference || !(self.col[j] > 0.0) {
                for k in 0..n {
                    self.jac[j * n + k] = 0.0;
                    self.jac[k * n + j] = 0.0;
                }
                self.jac[j * n + j] = 1.0;
            }
        }
        lu_factor(&mut self.jac, n, &mut self.piv)
    }

    /// One Newton (or chord) step with the factorised Jacobian: `ln a += J⁻¹ (−F)`, where `F`
    /// uses `col` at the current `a`. Returns false (leaving `a` alone) on a wild step.
    fn newton_step(&mut self, reference: usize) -> bool {
        let n = self.a.len();
        self.rhs.clear();
        self.rhs.resize(n, 0.0);
        for j in 0..n {
            self.rhs[j] = if j != reference && self.col[j] > 0.0 {
                -(1.0 - self.a[j] * self.col[j])
            } else {
                0.0
            };
        }
        lu_solve(&self.jac, n, &self.piv, &mut self.rhs);
        if self.rhs.iter().any(|d| !(d.abs() < 1.0)) {
            return false;
        }
        for j in 0..n {
            self.a[j] *= self.rhs[j].exp();
        }
        true
    }

    /// `row_i = Σ_j T_ij e_j a_j`.
    fn omr_sums(&mut self, t: &[f64], e: &[f64]) {
        let n = e.len();
        for j in 0..n {
            self.ea[j] = e[j] * self.a[j];
        }
        for i in 0..n {
            self.row[i] = dot(&t[i * n..(i + 1) * n], &self.ea);
        }
    }

    /// `col_j = Σ_i T_ij y_i b_i` (row-wise AXPYs, contiguous).
    fn imr_sums(&mut self, t: &[f64], y: &[f64]) {
        let n = y.len();
        self.col.fill(0.0);
        for i in 0..n {
            let w = y[i] * self.b[i];
            if w == 0.0 {
                continue;
            }
            let ti = &t[i * n..(i + 1) * n];
            for (c, &x) in self.col.iter_mut().zip(ti) {
                *c += w * x;
            }
        }
    }

    /// Largest |residual| of all `2N` equations at the stored (a, b), active rows and columns.
    fn residual(&mut self, t: &[f64], y: &[f64], e: &[f64]) -> f64 {
        let n = y.len();
        self.omr_sums(t, e);
        self.imr_sums(t, y);
        let mut worst = 0.0_f64;
        for r in 0..n {
            if self.row[r] > 0.0 {
                let f = (1.0 - self.b[r] * self.row[r]).abs();
                worst = if f.is_finite() {
                    worst.max(f)
                } else {
                    f64::INFINITY
                };
            }
            if self.col[r] > 0.0 {
                let f = (1.0 - self.a[r] * self.col[r]).abs();
                worst = if f.is_finite() {
                    worst.max(f)
                } else {
                    f64::INFINITY
                };
            }
        }
        worst
    }
}

fn inv_or_one(x: f64) -> f64 {
    if x > 0.0 { 1.0 / x } else { 1.0 }
}
