//! `tariffsim`: the command-line interface. Thin: argument parsing, commands, terminal output.
//! The economics live in `tariffsim-core`, baselines in `tariffsim-data`, the scenario language
//! in `tariffsim-scenario` and Monte Carlo in `tariffsim-runner`.

mod cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Tariff scenario simulation: what happens to bilateral trade, prices, revenue, welfare and
/// trade balances when tariffs change.
#[derive(Debug, Parser)]
#[command(
    name = "tariffsim",
    version,
    about = "What-if tariff schedules (TOML) against a baseline of world trade: diversion, deflection, prices, revenue, welfare and trade balances, with uncertainty bands",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a built-in demonstration shock (USA raises its tariff on CHN) on a small example.
    Demo(cmd::demo::Args),
    /// Solve gegravity's OneSectorGE on a gegravity-shaped data file (`gegravity-compat`).
    Gegravity(cmd::gegravity::Args),
    /// Baselines: list the builtins, show or export one, generate a synthetic one.
    Baseline(cmd::baseline::Args),
    /// Validate scenario files: prints `ok: FILE` lines, or diagnostics and exit 2.
    Check(cmd::check::Args),
    /// Show a scenario's phases, rule hits and the rates in force (optionally on one date).
    Show(cmd::show::Args),
    /// The import-weighted tariff rate a scenario's schedule implies on the baseline's weights.
    Etr(cmd::etr::Args),
    /// Print the JSON Schema of scenario files (for editors: Even Better TOML, taplo).
    Schema(cmd::schema::Args),
    /// Run a scenario: point estimate per phase and for the period, then Monte Carlo bands.
    Run(cmd::run::Args),
    /// Re-render the charts (PNG, SVG) and `report.html` of a finished run directory.
    Plot(cmd::plot::Args),
    /// Merge the run directories of `run --shard K/N` into one run's outputs (bit-identical).
    Merge(cmd::merge::Args),
    /// Run two scenarios on the same elasticity draws and report the distribution of B - A.
    Compare(cmd::compare::Args),
    /// Compare a scenario's Monte Carlo bands with observed outcomes (coverage, signs, errors).
    Backtest(cmd::backtest::Args),
}

/// Exit codes (DESIGN §8): 0 ok, 1 run failed, 2 invalid input.
pub(crate) mod exit {
    /// A run or solve failed.
    pub const FAILED: u8 = 1;
    /// The input was invalid.
    pub const INVALID: u8 = 2;
}

/// A closed stdout (`tariffsim check *.toml | head -1`) ends the process as it ends every Unix
/// filter: by SIGPIPE, quietly (status 141 in a shell). Rust ignores SIGPIPE by default, which
/// turns every later `print!` into a "Broken pipe" panic.
#[cfg(unix)]
#[allow(unsafe_code)]
fn default_sigpipe() {
    // SAFETY: `signal` with `SIG_DFL` for SIGPIPE, once, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    #[cfg(unix)]
    default_sigpipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => cmd::demo::run(&args),
        Command::Gegravity(args) => cmd::gegravity::run(&args),
        Command::Baseline(args) => cmd::baseline::run(&args),
        Command::Check(args) => cmd::check::run(&args),
        Command::Show(args) => cmd::show::run(&args),
        Command::Etr(args) => cmd::etr::run(&args),
        Command::Schema(args) => cmd::schema::run(&args),
        Command::Run(args) => cmd::run::run(&args),
        Command::Plot(args) => cmd::plot::run(&args),
        Command::Merge(args) => cmd::merge::run(&args),
        Command::Compare(args) => cmd::compare::run(&args),
        Command::Backtest(args) => cmd::backtest::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = cmd::exit_code(&e);
            match e.downcast_ref::<cmd::Exit>() {
                Some(exit) => eprintln!("{}", exit.report()),
                None => eprintln!("error: {e:#}"),
            }
            ExitCode::from(code)
        }
    }
}
