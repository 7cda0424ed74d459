//! End-to-end tests of the `tariffsim` binary: one test binary, one module per command.

mod util;

mod backtest;
mod baseline;
mod browser;

mod check;
mod demo;
mod etr;
mod gegravity;
mod montecarlo;
mod plot;
mod reliability;
mod run;
mod sectors;
mod show;
