//! `tariffsim-runner`: Monte Carlo over uncertain elasticities — priors, samplers, parallel execution, aggregation, output files and plots.

pub mod point;
