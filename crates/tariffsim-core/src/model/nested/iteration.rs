//! The iterations of a sector solve: Newton–chord with Anderson acceleration and an Armijo line
//! search, the damped fixed-point fallback, the stability check and warm sequences.

use super::*;

impl NestedWorkspace {
    /// Newton–chord from the current `y`; returns iterations on success. With factors of an
    /// earlier Jacobian at hand (`factored`: from an earlier step, or from the previous solve of
    /// a warm sequence), a chord step reuses them and is kept when it cuts `‖F‖∞` by
    /// [`CHORD_CONTRACTION`]; otherwise (and without factors) a fresh Jacobian gives a Newton
    /// step with an Armijo backtracking line search on `½‖F‖²`.
    pub(super) fn newton(
        &mut self,
        e: &SectorElasticities<'_>,
    ) -> std::result::Result<usize, StopReason> {
        let m = self.active.len();
        let Some(mut norm) = self.evaluate(e, false) else {
            return Err(StopReason::Diverged);
        };
        let mut iterations = 0;
        // Chord steps since the factors were last made or the iterate last left the chord
        // sequence (Anderson mixes only consecutive chord steps).
        let mut chord_steps = 0;
        while norm > SOLVE_TOL {
            if iterations >= MAX_NEWTON_ITERATIONS {
                return Err(StopReason::MaxIterations);
            }
            iterations += 1;
            if self.factored {
                self.apply_inverse();
                self.anderson(chord_steps > 0);
                chord_steps += 1;
                if self.try_step(1.0)
                    && let Some(trial_norm) = self.evaluate(e, true)
                    && trial_norm <= CHORD_CONTRACTION * norm
                {
                    self.accept();
                    norm = trial_norm;
                    continue;
                }
                // Back to the state at `y` for a fresh Jacobian.
                self.factored = false;
                norm = self.evaluate(e, false).ok_or(StopReason::Diverged)?;
                if norm <= SOLVE_TOL {
                    break;
                }
            }
            self.jacobian(e);
            if !invert_in_place(&mut self.jac[..m * m], m, &mut self.piv) {
                return Err(StopReason::SingularJacobian);
            }
            transpose_padded(&mut self.inv_t, &self.jac[..m * m], m);
            self.factored = true;
            chord_steps = 0;
            self.apply_inverse();
            let merit = half_sq(&self.f, &self.active);
            let accepted = super::super::solver::backtrack(
                40,
                |t| {
                    if !self.try_step(t) {
                        return None;
                    }
                    let trial_norm = self.evaluate(e, true)?;
                    Some((trial_norm, half_sq(&self.f_trial, &self.active)))
                },
                // Armijo on ½‖F‖² along a Newton direction (directional derivative −2·merit).
                |&(trial_norm, trial_merit), t| {
                    trial_merit <= (1.0 - 2e-4 * t) * merit || trial_norm <= SOLVE_TOL
                },
            );
            let Some((trial_norm, _)) = accepted else {
                return Err(StopReason::LineSearchFailed);
            };
            self.accept();
            norm = trial_norm;
        }
        Ok(iterations)
    }

    /// `step = −J⁻¹ F` over the active exporters, with the kept inverse.
    fn apply_inverse(&mut self) {
        let m = self.active.len();
        for (r, &i) in self.rhs.iter_mut().zip(&self.active) {
            *r = -self.f[i];
        }
        matvec_t_into(&mut self.step, &self.inv_t, &self.rhs, m);
    }

    /// Anderson acceleration of depth 1 for chord steps: with `g_k = y_k + s_k` the chord map,
    /// the next iterate mixes the last two, `g_k − α (g_k − g_{k−1})` with
    /// `α = s_k·(s_k − s_{k−1}) / ‖s_k − s_{k−1}‖²` (Walker & Ni 2011), written into `step` as
    /// a step from `y_k`. `mix` is false on the first chord step of a sequence (nothing to mix
    /// with); either way the current `(y, step)` is remembered for the next call.
    fn anderson(&mut self, mix: bool) {
        let m = self.active.len();
        if mix {
            let (mut num, mut den) = (0.0, 0.0);
            for ri in 0..m {
                let ds = self.step[ri] - self.prev_step[ri];
                num += self.step[ri] * ds;
                den += ds * ds;
            }
            if den > 0.0 && num.is_finite() {
                let alpha = num / den;
                for (ri, &i) in self.active.iter().enumerate() {
                    let g = self.y[i] + self.step[ri];
                    let g_prev = self.prev_y[ri] + self.prev_step[ri];
                    let mixed = g - alpha * (g - g_prev);
                    // Remember the unmixed step (the chord map's own) before replacing it.
                    self.prev_step[ri] = self.step[ri];
                    self.prev_y[ri] = self.y[i];
                    self.step[ri] = mixed - self.y[i];
                }
                return;
            }
        }
        for (ri, &i) in self.active.iter().enumerate() {
            self.prev_step[ri] = self.step[ri];
            self.prev_y[ri] = self.y[i];
        }
    }

    /// Sets the trial point `y + t · step`; false if it leaves the representable range. Only
    /// the active entries differ between `y` and `trial` (the others are made equal when a
    /// solve starts, and [`Self::accept`] swaps the two).
    fn try_step(&mut self, t: f64) -> bool {
        let mut in_range = true;
        for (ri, &i) in self.active.iter().enumerate() {
            let v = self.y[i] + t * self.step[ri];
            in_range &= v.abs() <= PRICE_LOG_BOUND;
            self.trial[i] = v;
        }
        in_range
    }

    /// Whether the solution in the workspace is a stable, locally unique equilibrium under
    /// Marshallian (quantity) adjustment — the one that fits supply curves sloping down from
    /// scale economies (Fajgelbaum et al. 2024): output expands where the demand price exceeds
    /// the supply price. With `A = ∂ ln D / ∂ ln p` (the demand block of the Jacobian, `J + diag
    /// eps`) the map from log quantities to (demand − supply) log prices has the Jacobian
    /// `M = A⁻¹ − diag(1 / eps)`; the condition checked is that `−M` has positive leading
    /// principal minors (Gaussian elimination without pivoting: every pivot positive), Gale &
    /// Nikaido's (1965) P-matrix condition for a unique equilibrium. For one market it is
    /// `|eps| > e_d` when `eps < 0`: supply flatter than demand, so more demand means more output
    /// at a lower price; a supply curve falling faster than demand (say `eps = −0.3`, an inverse
    /// supply elasticity of −3.3) fails it. With positive `eps` it always holds. Leaves `jac`
    /// overwritten (the kept inverse is dropped).
    fn stable(&mut self, e: &SectorElasticities<'_>) -> bool {
        self.jacobian(e);
        self.factored = false;
        let m = self.active.len();
        // A = J + diag(eps) (pinned exporters are not active).
        for (ri, &i) in self.active.iter().enumerate() {
            self.jac[ri * m + ri] += e.eps[i];
        }
        if !invert_in_place(&mut self.jac[..m * m], m, &mut self.piv) {
            return false;
        }
        // −M = −A⁻¹ + diag(1 / eps).
        let a = &mut self.jac[..m * m];
        for v in a.iter_mut() {
            *v = -*v;
        }
        for (ri, &i) in self.active.iter().enumerate() {
            a[ri * m + ri] += 1.0 / e.eps[i];
        }
        for k in 0..m {
            let pivot = a[k * m + k];
            if !(pivot > 0.0) {
                return false;
            }
            for r in k + 1..m {
                let f = a[r * m + k] / pivot;
                if f != 0.0 {
                    for c in k..m {
                        a[r * m + c] -= f * a[k * m + c];
                    }
                }
            }
        }
        true
    }

    /// Makes the last evaluated trial point the iterate (the state — shares, demand — is
    /// already at it: it was the last point evaluated).
    fn accept(&mut self) {
        std::mem::swap(&mut self.y, &mut self.trial);
        std::mem::swap(&mut self.f, &mut self.f_trial);
    }

    /// Damped Jacobi fixed point from the baseline; returns iterations on success.
    fn fixed_point(
        &mut self,
        e: &SectorElasticities<'_>,
    ) -> std::result::Result<usize, StopReason> {
        self.y.fill(0.0);
        self.factored = false;
        let mut omega = 0.5;
        let mut last = f64::INFINITY;
        for it in 1..=MAX_FIXED_POINT_ITERATIONS {
            let norm = self.evaluate(e, false).ok_or(StopReason::Diverged)?;
            if norm <= SOLVE_TOL {
                return Ok(it);
            }
            if norm > last {
                omega = (omega * 0.5_f64).max(1e-3);
            }
            last = norm;
            self.jacobian(e);
            let m = self.active.len();
            for (ri, &i) in self.active.iter().enumerate() {
                let d = self.jac[ri * m + ri];
                if d >= 0.0 {
                    return Err(StopReason::Diverged);
                }
                self.y[i] -= omega * self.f[i] / d;
                if self.y[i].abs() > PRICE_LOG_BOUND {
                    return Err(StopReason::Diverged);
                }
            }
        }
        Err(StopReason::MaxIterations)
    }

    /// Solves the loaded sector `s`; leaves the state evaluated at the solution.
    pub(super) fn solve(
        &mut self,
        e: &SectorElasticities<'_>,
        s: usize,
        sector: &str,
    ) -> Result<usize> {
        let n = self.n;
        self.counts.solves += 1;
        self.prepare(e);
        self.factored = false;
        if self.warm.matches(s, e) {
            let start = &self.warm.y[s * n..(s + 1) * n];
            self.y[..n].copy_from_slice(start);
            if self.warm.same_shock(s, &self.changed, &self.lnt) {
                // The previous solve of the sequence had this very shock: its solution is this
                // one (bit for bit); one evaluation restores the state the write-out reads.
                let norm = self.evaluate(e, false);
                if norm.is_some_and(|r| r <= SOLVE_TOL) {
                    return Ok(0);
                }
            }
            if self.warm.has_inverse[s] {
                // Borrowed for this solve (the slot holds the workspace's old buffer until
                // `store` swaps back).
                std::mem::swap(&mut self.inv_t, &mut self.warm.inverse[s]);
                self.warm.has_inverse[s] = false;
                self.factored = true;
            }
        } else {
            self.y.fill(0.0);
        }
        self.trial.copy_from_slice(&self.y);
        let outcome = match self.newton(e) {
            Ok(it) => Ok(it),
            Err(first) => self.fixed_point(e).map_err(|_| first),
        };
        // Downward-sloping supply: accept the solution only where it is a stable, unique
        // equilibrium (otherwise Newton can land on an unstable one without a sign).
        let outcome = match outcome {
            Ok(_) if e.eps[..n].iter().any(|&x| x < 0.0) && !self.stable(e) => {
                Err(StopReason::Unstable)
            }
            other => other,
        };
        match outcome {
            Ok(it) => {
                let inverse = self.factored.then_some(&mut self.inv_t);
                self.warm
                    .store(s, &self.y, e, inverse, (&self.changed, &self.lnt));
                Ok(it)
            }
            Err(reason) => Err(SolveError {
                model: NAME,
                sector: Some(sector.to_string()),
                iterations: MAX_NEWTON_ITERATIONS,
                residual: self.f.iter().fold(0.0_f64, |a, b| a.max(b.abs())),
                reason,
            }
            .into()),
        }
    }
}

fn half_sq(f: &[f64], active: &[usize]) -> f64 {
    0.5 * active.iter().map(|&i| f[i] * f[i]).sum::<f64>()
}
