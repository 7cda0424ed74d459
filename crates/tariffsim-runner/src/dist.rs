//! Prior distributions, each evaluated as a quantile function of a standard-normal score `z`.
//!
//! Writing every draw as `value = F⁻¹(Φ(z))` lets one machinery serve all samplers (random draws,
//! Latin hypercube and Sobol points all become normal scores) and the common-factor correlation
//! (scores are mixed before they are mapped). Lognormal and normal are computed from `z` directly
//! (`median · exp(log_sd · z)`, `mean + sd · z`), which is exact in the tails.

use crate::normal;
pub use tariffsim_scenario::priors::Dist;

/// The value of `dist` at standard-normal score `z` (its `Φ(z)` quantile). The scenario crate has
/// validated the parameters (ordered bounds, positive scales, support in the family's domain).
#[must_use]
pub fn at_score(dist: &Dist, z: f64) -> f64 {
    match *dist {
        Dist::Lognormal { median, log_sd } => median * (log_sd * z).exp(),
        Dist::Normal { mean, sd } => mean + sd * z,
        Dist::Truncnormal {
            mean,
            sd,
            lower,
            upper,
        } => {
            let (fa, fb) = (
                normal::cdf((lower - mean) / sd),
                normal::cdf((upper - mean) / sd),
            );
            let u = fa + normal::cdf(z) * (fb - fa);
            (mean + sd * normal::quantile(u)).clamp(lower, upper)
        }
        Dist::Uniform { lower, upper } => lower + (upper - lower) * normal::cdf(z),
        Dist::Triangular { lower, mode, upper } => {
            let u = normal::cdf(z);
            let width = upper - lower;
            let split = (mode - lower) / width;
            if u < split {
                lower + (u * width * (mode - lower)).sqrt()
            } else {
                upper - ((1.0 - u) * width * (upper - mode)).sqrt()
            }
        }
        Dist::Fixed { value } => value,
    }
}

/// The central value used for point estimates: the median (score 0).
#[must_use]
pub fn median(dist: &Dist) -> f64 {
    at_score(dist, 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_closed_forms() {
        let z95 = 1.644_853_626_951_472_9;
        let ln = Dist::Lognormal {
            median: 3.6,
            log_sd: 0.33,
        };
        assert!((at_score(&ln, z95) - 3.6 * (0.33 * z95).exp()).abs() < 1e-12);
        let u = Dist::Uniform {
            lower: 1.0,
            upper: 3.0,
        };
        assert!((at_score(&u, 0.0) - 2.0).abs() < 1e-15);
        assert!((at_score(&u, z95) - (1.0 + 2.0 * 0.95)).abs() < 1e-12);
        // Triangular(0, 1, 1): F(x) = x², median sqrt(0.5).
        let t = Dist::Triangular {
            lower: 0.0,
            mode: 1.0,
            upper: 1.0,
        };
        assert!((median(&t) - 0.5f64.sqrt()).abs() < 1e-15);
        // Truncated normal symmetric around its mean has that mean as median, stays in bounds.
        let tn = Dist::Truncnormal {
            mean: -1.5,
            sd: 0.5,
            lower: -3.0,
            upper: -0.5,
        };
        // More mass is cut above (+2 sd) than below (-3 sd), so the median sits below the mean:
        // Φ⁻¹(Φ(-3) + (Φ(2) - Φ(-3)) / 2) = -0.02683 sd, i.e. -1.51342.
        assert!((median(&tn) + 1.513_415).abs() < 1e-5, "{}", median(&tn));
        for z in [-10.0, -3.0, 0.0, 3.0, 10.0] {
            let v = at_score(&tn, z);
            assert!((-3.0..=-0.5).contains(&v), "{v}");
        }
        // Asymmetric truncation [-3, -0.5] around -1.5: P(X <= -1.5) = (Φ(0) - Φ(-3)) / (Φ(2) - Φ(-3)).
        let p = (0.5 - normal::cdf(-3.0)) / (normal::cdf(2.0) - normal::cdf(-3.0));
        assert!((at_score(&tn, normal::quantile(p)) + 1.5).abs() < 1e-12);
    }
}
