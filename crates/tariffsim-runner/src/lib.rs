//! `tariffsim-runner`: Monte Carlo over uncertain elasticities — priors, samplers, parallel
//! execution, aggregation and output files (charts and the report: `tariffsim-report`).
//!
//! Data flow of a run: a validated scenario (`tariffsim-scenario`) and its baseline give a
//! [`priors::PriorSet`] (every cell's prior, the common-factor correlation) and an evaluator
//! (solve every phase of the timeline at one draw's elasticities → metrics; [`point`]). A
//! [`sampler::Sampler`] turns draw index `k` into standard-normal scores — a pure function of
//! (seed, k) — the priors map them to elasticities, and [`engine::run`] computes chunks of draws
//! in parallel (rayon) and hands them to a sink in draw order. The sink streams rows to
//! `draws.csv` and a binary column store; [`stats`] then summarises every metric (mean, sd, MCSE,
//! type-7 quantiles) sequentially in draw order, so results are bit-identical for any thread
//! count and any shard split merged afterwards.

pub mod backtest;
pub mod dist;
pub mod engine;
pub mod error;
pub mod job;
pub mod mc;
pub mod normal;
pub mod output;
pub mod point;
pub mod priors;
pub mod progress;
pub mod sampler;
pub mod stats;
pub mod timeline;

pub use error::RunnerError;
