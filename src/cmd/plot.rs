//! `tariffsim plot DIR`: (re-)renders the charts (PNG and SVG) and `report.html` of a finished
//! run directory — a Monte Carlo run, a merged run or a compare run — from its files alone.

use anyhow::Result;
use std::path::PathBuf;
use tariffsim_report::ReportError;
use tariffsim_runner::RunnerError;

/// Arguments of `tariffsim plot`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run directory written by `tariffsim run --draws`, `merge` or `compare`.
    pub dir: PathBuf,
}

/// Runs `tariffsim plot`.
pub fn run(args: &Args) -> Result<()> {
    let dir = &args.dir;
    if !dir.join("manifest.json").is_file() {
        return Err(super::invalid(format!(
            "`{}` is not a run directory (no `manifest.json`)\nhint: pass the directory written by `tariffsim run FILE --draws N --out DIR`",
            dir.display()
        )));
    }
    match tariffsim_report::render_dir(dir) {
        Ok(written) => {
            for path in written {
                println!("wrote {}", path.display());
            }
            Ok(())
        }
        // A missing or malformed run file is invalid input; anything else failed to render.
        Err(
            e @ (ReportError::Format { .. }
            | ReportError::Run(RunnerError::Format { .. } | RunnerError::Io { .. })),
        ) => Err(super::invalid(e.to_string())),
        Err(e) => Err(e.into()),
    }
}
