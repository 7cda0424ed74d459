//! `tariffsim backtest FILE --observed OBS.csv`: runs the scenario's Monte Carlo with every
//! observed metric reported, compares each observed figure with the model's point and 5–95%
//! band (`tariffsim_runner::backtest`), prints the table and the scores, and writes
//! `backtest.csv`, `backtest.json`, the backtest charts and `report.html` into the run folder.
//! `--require-coverage X` makes the exit status 1 when fewer than `X` of the rows lie inside
//! their band (for CI).

use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `tariffsim backtest`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file.
    pub file: PathBuf,
    /// Observed outcomes: CSV `metric,period,value,unit,source` (see `backtests/README.md`).
    #[arg(long, value_name = "OBS.csv")]
    pub observed: PathBuf,
    /// Fail (exit 1) when the share of observed figures inside the 5–95% band is below this,
    /// a number in [0, 1].
    #[arg(long, value_name = "X")]
    pub require_coverage: Option<f64>,
    #[command(flatten)]
    pub sectors: super::check::SectorsArg,
    #[command(flatten)]
    pub mc: super::montecarlo::McArgs,
}

/// Runs `tariffsim backtest`.
pub fn run(args: &Args) -> Result<()> {
    args.mc.validate()?;
    if let Some(x) = args.require_coverage
        && !(0.0..=1.0).contains(&x)
    {
        return Err(super::invalid(format!(
            "`--require-coverage {x}`: a share in [0, 1] (0.8 = 80% of the rows inside their band)"
        )));
    }
    if args.mc.point {
        return Err(super::invalid(
            "`backtest` compares Monte Carlo bands; `--point` does not apply",
        ));
    }
    if args.mc.shard.is_some() {
        return Err(super::invalid(
            "`backtest` runs whole; shard a `run` and `merge` it instead",
        ));
    }
    let (mut sc, baseline) = super::check::load(&args.file, &args.sectors)?;
    super::montecarlo::apply_horizon(&mut sc, &args.mc);
    let observed = tariffsim_runner::backtest::read_observed(&args.observed, &baseline, &sc)
        .map_err(super::montecarlo::runner_error)?;
    let settings = super::montecarlo::settings(&sc, &args.mc)?;
    let outcome = tariffsim_runner::backtest::run(&sc, &baseline, &observed, &settings, &[])
        .map_err(super::montecarlo::runner_error)?;
    super::montecarlo::plots(&outcome.run.dir, settings.quiet, settings.threads)?;
    print!("{}", outcome.report.table());
    println!("outputs: {}", outcome.run.dir.display());
    if let Some(x) = args.require_coverage
        && outcome.report.coverage < x
    {
        return Err(super::Exit {
            code: crate::exit::FAILED,
            message: format!(
                "error: coverage {:.0}% is below the required {:.0}%",
                100.0 * outcome.report.coverage,
                100.0 * x
            ),
            rendered: true,
        }
        .into());
    }
    Ok(())
}
