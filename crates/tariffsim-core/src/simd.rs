//! Run-time choice of the instruction set for the solver's hot loops.
//!
//! The default build targets baseline x86-64 (SSE2), which every x86-64 machine runs. On CPUs
//! with AVX2 the one-sigma-group `armington` evaluation — ~40% of a Monte Carlo draw; AVX2
//! copies of the write-out, the chord products and the Jacobian inverse were measured and gave
//! nothing — runs in a copy compiled for AVX2 (4 doubles per vector instead of 2), chosen once
//! per process. FMA is deliberately *not*
//! enabled: without fused multiply–adds every operation rounds exactly as in the baseline copy,
//! so both copies give bit-identical results (tested) and a run's numbers do not depend on the
//! machine's instruction set. [`set_level`] forces the baseline copy (for comparisons and
//! tests); the environment variable `TARIFFSIM_SIMD=baseline` does the same for a process.

use std::sync::atomic::{AtomicU8, Ordering};

/// Which copy of the hot loops runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// SSE2, the x86-64 baseline (and every non-x86-64 target).
    Baseline,
    /// AVX2 when the CPU has it, else the baseline.
    Auto,
}

const UNSET: u8 = 0;
const BASELINE: u8 = 1;
const AVX2: u8 = 2;

static CHOSEN: AtomicU8 = AtomicU8::new(UNSET);

/// Chooses the copy of the hot loops for the whole process (results are identical either way;
/// only the speed differs).
pub fn set_level(level: Level) {
    let chosen = match level {
        Level::Baseline => BASELINE,
        Level::Auto => detect(),
    };
    CHOSEN.store(chosen, Ordering::Relaxed);
}

/// The copy in use: [`Level::Auto`] unless [`set_level`] or `TARIFFSIM_SIMD=baseline` chose
/// the baseline.
#[must_use]
pub fn level() -> Level {
    if avx2() { Level::Auto } else { Level::Baseline }
}

/// Whether the AVX2 copies run.
#[inline]
pub(crate) fn avx2() -> bool {
    match CHOSEN.load(Ordering::Relaxed) {
        UNSET => {
            let forced = std::env::var_os("TARIFFSIM_SIMD").is_some_and(|v| v == "baseline");
            let chosen = if forced { BASELINE } else { detect() };
            CHOSEN.store(chosen, Ordering::Relaxed);
            chosen == AVX2
        }
        chosen => chosen == AVX2,
    }
}

fn detect() -> u8 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            return AVX2;
        }
    }
    BASELINE
}
