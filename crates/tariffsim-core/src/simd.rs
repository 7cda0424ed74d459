//! Run-time choice of the instruction set for the solver's hot loops.
//!
//! The default build targets baseline x86-64 (SSE2), which every x86-64 machine runs. The
//! one-sigma-group `armington` evaluation — ~40% of a Monte Carlo draw; AVX2 copies of the
//! write-out, the chord products and the Jacobian inverse were measured and gave nothing — also
//! exists in copies compiled for AVX2 (4 doubles per vector instead of 2) and AVX-512 (8), and
//! the widest the CPU has is chosen once per process. Its rows are padded with zeros to a
//! multiple of [`lanes`] (4, or 8 with AVX-512) so its sweeps run on whole vectors. FMA is
//! deliberately *not* used: Rust never fuses a multiply and an add on its own, so every
//! operation rounds exactly as in the baseline copy, and the padding only adds zero lanes, so
//! every copy gives bit-identical results (tested) and a run's numbers do not depend on the
//! machine's instruction set. [`set_level`] forces a narrower copy (for comparisons and tests);
//! the environment variable `TARIFFSIM_SIMD=baseline` (or `avx2`) does the same for a process
//! (any other value, or none, means the widest copy: the choice changes speed only, never a
//! result).

use std::sync::atomic::{AtomicU8, Ordering};

/// Which copy of the hot loops runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// SSE2, the x86-64 baseline (and every non-x86-64 target).
    Baseline,
    /// AVX2 when the CPU has it (even if it has AVX-512), else the baseline.
    Avx2,
    /// The widest the CPU has: AVX-512, AVX2 or the baseline.
    Auto,
}

const UNSET: u8 = 0;
const BASELINE: u8 = 1;
const AVX2: u8 = 2;
const AVX512: u8 = 3;

static CHOSEN: AtomicU8 = AtomicU8::new(UNSET);

/// Chooses the copy of the hot loops for the whole process (results are identical either way;
/// only the speed differs).
pub fn set_level(level: Level) {
    CHOSEN.store(resolve(level), Ordering::Relaxed);
}

/// What `level` means on this CPU.
fn resolve(level: Level) -> u8 {
    match level {
        Level::Baseline => BASELINE,
        Level::Avx2 => detect().min(AVX2),
        Level::Auto => detect(),
    }
}

/// The copy in use: `"baseline"`, `"avx2"` or `"avx512"`.
#[must_use]
pub fn active() -> &'static str {
    match chosen() {
        AVX512 => "avx512",
        AVX2 => "avx2",
        _ => "baseline",
    }
}

/// The copy in use as a level: [`Level::Auto`] when it is the widest the CPU has.
#[must_use]
pub fn level() -> Level {
    let c = chosen();
    if c == BASELINE {
        Level::Baseline
    } else if c == detect() {
        Level::Auto
    } else {
        Level::Avx2
    }
}

/// The largest [`lanes`] of any copy: buffers sized for it fit whatever copy runs.
pub const MAX_LANES: usize = 8;

/// Doubles per vector of the widest copy in use: rows of the evaluation's sweeps are padded to a
/// multiple of this (4 unless the AVX-512 copy runs; the baseline copy takes 4 as well).
#[must_use]
pub fn lanes() -> usize {
    if chosen() == AVX512 { MAX_LANES } else { 4 }
}

/// Whether the AVX-512 copies run.
#[inline]
pub(crate) fn avx512() -> bool {
    chosen() == AVX512
}

/// Whether the AVX2 copies run.
#[inline]
pub(crate) fn avx2() -> bool {
    chosen() == AVX2
}

#[inline]
fn chosen() -> u8 {
    match CHOSEN.load(Ordering::Relaxed) {
        UNSET => {
            let forced = std::env::var_os("TARIFFSIM_SIMD");
            let level = match forced.as_ref().and_then(|v| v.to_str()) {
                Some("baseline") => Level::Baseline,
                Some("avx2") => Level::Avx2,
                _ => Level::Auto,
            };
            let chosen = resolve(level);
            CHOSEN.store(chosen, Ordering::Relaxed);
            chosen
        }
        chosen => chosen,
    }
}

fn detect() -> u8 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return AVX512;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return AVX2;
        }
    }
    BASELINE
}
