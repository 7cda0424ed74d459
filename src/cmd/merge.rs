//! `tariffsim merge DIR... --out OUT`: joins the run directories of `--shard K/N` runs into the
//! outputs one whole run would have written, bit for bit.

use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `tariffsim merge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Shard run directories (any order).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write `draws_long.csv` (see `tariffsim run --long-draws`).
    #[arg(long)]
    pub long_draws: bool,
}

/// Runs `tariffsim merge`.
pub fn run(args: &Args) -> Result<()> {
    for d in &args.dirs {
        if !d.join("manifest.json").is_file() {
            return Err(super::invalid(format!(
                "`{}` is not a finished run directory (no `manifest.json`)\nhint: pass the `--out` directories of `tariffsim run --shard K/N`",
                d.display()
            )));
        }
    }
    let summary =
        tariffsim_runner::output::merge_with(&args.dirs, &args.out, 256 << 20, args.long_draws)
            .map_err(|e| match e {
                tariffsim_runner::RunnerError::Merge(_)
                | tariffsim_runner::RunnerError::Format { .. } => super::invalid(e.to_string()),
                other => other.into(),
            })?;
    println!(
        "merged {} shards: {} draws ({} failed) -> {}",
        args.dirs.len(),
        summary.succeeded + summary.failed,
        summary.failed,
        args.out.display()
    );
    super::montecarlo::plots(&args.out, false, tariffsim_runner::mc::default_threads())?;
    tariffsim_runner::mc::check_failures(&summary, summary.run.max_failure_rate)?;
    Ok(())
}
