//! Pieces of the Newton iterations that the models share. Each model keeps its own loop (the
//! factorisation it keeps — LU factors or an explicit inverse —, when it refreshes the Jacobian,
//! how it mixes chord steps), but they search along a Newton direction the same way
//! ([`backtrack`]), and the fallbacks of `armington-imports` and `gravity-ge` damp their steps
//! the same way ([`damped_step`]).

/// Backtracking along a step: tries the step lengths `1, ½, ¼, …` (at most `tries` of them)
/// and returns the first trial that `accept` takes, or `None`.
///
/// `try_at(alpha)` sets the trial point `x + alpha · step` and evaluates it, returning `None`
/// when the point leaves the representable range or the evaluation is not finite;
/// `accept(trial, alpha)` is the sufficient-decrease test (Armijo on the model's merit). The
/// lengths are halved exactly (no rounding), so a model that moved its own loop here keeps its
/// results to the bit.
pub(crate) fn backtrack<T>(
    tries: usize,
    mut try_at: impl FnMut(f64) -> Option<T>,
    accept: impl Fn(&T, f64) -> bool,
) -> Option<T> {
    let mut alpha = 1.0;
    for _ in 0..tries {
        if let Some(trial) = try_at(alpha)
            && accept(&trial, alpha)
        {
            return Some(trial);
        }
        alpha *= 0.5;
    }
    None
}

/// One damped step of a fixed-point fallback: tries the step length `*omega` and halves it
/// until the merit falls strictly below `merit`, returning the new merit and growing `*omega` by
/// half (at most 1) for the next iteration; `None` once `*omega` falls below `floor` (the
/// caller restores its iterate). `try_at(omega)` sets and evaluates the trial point as in
/// [`backtrack`].
pub(crate) fn damped_step(
    omega: &mut f64,
    floor: f64,
    merit: f64,
    mut try_at: impl FnMut(f64) -> Option<f64>,
) -> Option<f64> {
    loop {
        match try_at(*omega) {
            Some(trial) if trial < merit => {
                *omega = (*omega * 1.5).min(1.0);
                return Some(trial);
            }
            _ => {
                *omega *= 0.5;
                if *omega < floor {
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{backtrack, damped_step};

    /// A damped step halves until the merit falls, then grows omega by half for the next one;
    /// it gives up below the floor.
    #[test]
    fn damped_steps_halve_then_grow() {
        let f = |x: f64| (x - 1.0) * (x - 1.0);
        let mut omega = 1.0;
        // From 0 with step 4: omega 1 gives 9, 0.5 gives 1 (not < 1), 0.25 gives 0.
        let got = damped_step(&mut omega, 1e-12, f(0.0), |w| Some(f(4.0 * w)));
        assert_eq!(got, Some(0.0));
        // 0.25 × 1.5, exact in binary.
        assert_eq!(omega.to_bits(), 0.375_f64.to_bits());
        let mut omega = 1.0;
        assert_eq!(damped_step(&mut omega, 0.2, 1.0, |_| None), None);
        assert!(omega < 0.2);
    }

    /// On `f(x) = (x − 1)²` from 0 with the step 4 (too long), Armijo takes `alpha = 1/4`
    /// (`x = 1`, the minimum); a failed evaluation counts as a rejected length; `tries` bounds
    /// the halvings.
    #[test]
    fn halves_until_sufficient_decrease() {
        let f = |x: f64| (x - 1.0) * (x - 1.0);
        let merit = f(0.0);
        let mut tried = Vec::new();
        let got = backtrack(
            10,
            |a| {
                tried.push(a);
                (a < 1.0).then(|| (f(4.0 * a), a))
            },
            |&(m, _), a| m <= (1.0 - 1e-4 * a) * merit,
        );
        assert_eq!(got, Some((0.0, 0.25)));
        assert_eq!(tried, vec![1.0, 0.5, 0.25]);
        let none = backtrack(
            2,
            |a| Some(f(4.0 * a)),
            |&m, a| m <= (1.0 - 1e-4 * a) * merit,
        );
        assert_eq!(none, None);
    }
}
