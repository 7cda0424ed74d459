//! `tariffsim check FILE...`: validate scenario files (for CI). Prints one `ok: FILE` line per
//! valid file and nothing else; any invalid file makes the command exit 2 with its diagnostics.

use anyhow::Result;
use std::path::{Path, PathBuf};
use tariffsim_core::Baseline;
use tariffsim_scenario::{Scenario, ScenarioError};

/// Arguments of `tariffsim check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Loads a scenario and its baseline (`tariffsim_data::load`: a built-in name or a path).
pub fn load(path: &Path) -> Result<(Scenario, Baseline)> {
    tariffsim_scenario::load(path, tariffsim_data::load).map_err(|e| invalid(&e))
}

/// A scenario error as invalid input (exit 2): a whole diagnostic, printed as it is.
pub fn invalid(e: &ScenarioError) -> anyhow::Error {
    super::invalid_rendered(e.to_string())
}

/// Runs `tariffsim check`.
pub fn run(args: &Args) -> Result<()> {
    let mut failures = Vec::new();
    for file in &args.files {
        match tariffsim_scenario::load(file, tariffsim_data::load) {
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
