//! The iterations: Newton (chord steps while they converge fast) with backtracking, and the
//! damped tâtonnement fallback.

use super::*;

impl Workspace {
    /// Newton (chord steps while they converge fast) with backtracking. Ok(iterations).
    pub(super) fn newton(
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
            let start = merit;
            let accepted = super::super::solver::backtrack(
                40,
                |alpha| {
                    let mut in_range = true;
                    for i in 0..n {
                        let xi = self.x_trial[i] + alpha * self.step[i];
                        in_range &= xi.abs() <= PRICE_LOG_BOUND;
                        self.x[i] = xi;
                    }
                    if in_range {
                        self.evaluate(closure)
                    } else {
                        None
                    }
                },
                |&trial, alpha| trial <= (1.0 - 1e-4 * alpha) * start,
            );
            it += 1;
            if let Some(trial) = accepted {
                merit = trial;
            } else {
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
    pub(super) fn tatonnement(
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
            let trial = super::super::solver::damped_step(&mut omega, 1e-12, merit, |omega| {
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
                if in_range {
                    self.evaluate(closure)
                } else {
                    None
                }
            });
            let Some(trial) = trial else {
                self.x.copy_from_slice(&self.x_trial);
                self.evaluate(closure);
                return Err((StopReason::LineSearchFailed, it + 1));
            };
            merit = trial;
        }
        if self.residual_inf() <= SOLVE_TOL {
            Ok(max_iterations)
        } else {
            Err((StopReason::MaxIterations, max_iterations))
        }
    }
}
