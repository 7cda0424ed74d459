//! Numerical tolerances, in one place, used by the solvers and by the tests alike.
//!
//! Policy:
//! - Solvers converge on the *relative* market-clearing residual: each exporter's excess supply
//!   divided by its baseline exports (the residual is the log of supply over demand, which is that
//!   relative gap to first order). Relative because flows range from thousands to trillions of USD.
//! - [`SOLVE_TOL`] = 1e-12 leaves three orders of margin to the 1e-10 market-clearing bar the tests
//!   assert ([`CLEARING_TOL`]) and sits ~4 orders above double rounding for N ≤ 200 sums.
//! - Cross-model comparisons (exact vs linearised) use analytic rates, not a fixed tolerance.

/// Convergence tolerance on the infinity norm of the log market-clearing residual.
pub const SOLVE_TOL: f64 = 1e-12;

/// Bar for the relative market-clearing residual checked after every solve (and in tests).
pub const CLEARING_TOL: f64 = 1e-10;

/// |1 − sigma| below this uses the Cobb–Douglas limit of the CES price index. Between this and
/// zero the CES formula loses about `1e-16 / |1 − sigma|` relative accuracy, i.e. < 1e-8.
pub const SIGMA_ONE_TOL: f64 = 1e-8;

/// Prices (as ratios to the baseline) are kept within `exp(±PRICE_LOG_BOUND)`; a solution outside
/// that range is reported as diverged rather than returned as overflowing numbers.
pub const PRICE_LOG_BOUND: f64 = 30.0;

/// Newton iteration budget per sector.
pub const MAX_NEWTON_ITERATIONS: usize = 100;

/// Damped fixed-point iteration budget per sector (fallback).
pub const MAX_FIXED_POINT_ITERATIONS: usize = 20_000;

/// Returns true when `a` and `b` agree to `rel` relative tolerance (with `abs` floor).
#[must_use]
pub fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    let diff = (a - b).abs();
    diff <= abs || diff <= rel * a.abs().max(b.abs())
}
