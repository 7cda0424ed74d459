//! Pieces of the Newton iterations that the models share. Each model keeps its own loop (the
//! factorisation it keeps — LU factors or an explicit inverse —, when it refreshes the Jacobian,
//! how it mixes chord steps), but they search along a Newton direction the same way:
//! [`backtrack`].

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

#[cfg(test)]
mod tests {
    use super::backtrack;

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
