//! `tariffsim-data`: baselines (the embedded `world2024` table and loaders for user data), region
//! and sector concordances and default elasticity priors, each with provenance.
//!
//! - [`synth::synthetic`]: a synthetic gravity-shaped baseline, deterministic in its seed.
//! - [`DataError`]: the one error type; file errors name the file, line and column.

#![deny(clippy::float_cmp)]

pub mod csvio;
pub mod error;
pub mod priors;
pub mod synth;

pub use error::{DataError, Result};
