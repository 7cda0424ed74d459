//! `tariffsim check FILE... [--sectors GROUPING]`: validate scenario files (for CI). Prints one
//! `ok: FILE` line per valid file and nothing else; any invalid file makes the command exit 2
//! with its diagnostics. `--sectors` checks them against the baseline aggregated to those
//! sectors (as `run` would solve them).

use anyhow::Result;
use std::path::{Path, PathBuf};
use tariffsim_core::Baseline;
use tariffsim_scenario::{LoadOptions, Scenario, ScenarioError};

/// Arguments of `tariffsim check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub sectors: SectorsArg,
}

/// `--sectors`, shared by the commands that load a scenario to run it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SectorsArg {
    /// Aggregate the baseline's sectors before reading the scenario, overriding its
    /// `[baseline] sectors`: a named grouping (`coarse13`), sector and sector-group codes
    /// separated by commas, or a grouping file (`.csv` with rows `sector,group[,name]`).
    #[arg(long, value_name = "GROUPING")]
    pub sectors: Option<String>,
}

impl SectorsArg {
    fn options(&self) -> LoadOptions {
        LoadOptions {
            sectors: self.sectors.clone(),
        }
    }
}

/// Loads a scenario and its baseline (`tariffsim_data::load`: a built-in name or a path),
/// aggregating the baseline's sectors as `--sectors` or the file's `[baseline] sectors` say.
pub fn load(path: &Path, sectors: &SectorsArg) -> Result<(Scenario, Baseline)> {
    tariffsim_scenario::load_with(path, &sectors.options(), tariffsim_data::load)
        .map_err(|e| invalid(&e))
}

/// A scenario error as invalid input (exit 2): a whole diagnostic, printed as it is.
pub fn invalid(e: &ScenarioError) -> anyhow::Error {
    super::invalid_rendered(e.to_string())
}

/// Runs `tariffsim check`.
pub fn run(args: &Args) -> Result<()> {
    let mut failures = Vec::new();
    for file in &args.files {
        match tariffsim_scenario::load_with(file, &args.sectors.options(), tariffsim_data::load) {
            Ok(_) => println!("ok: {}", file.display()),
            Err(e) => failures.push(e.to_string()),
        }
    }
    if failures.is_empty() {
        return Ok(());
    }
    let n = failures.len();
    let mut text = failures.join("\n\n");
    if args.files.len() > 1 {
        text.push_str(&format!(
            "\n\n{n} of {} scenario files are invalid",
            args.files.len()
        ));
    }
    Err(super::invalid_rendered(text))
}
