//! `tariffsim schema`: the JSON Schema of scenario files, for editors (Even Better TOML / taplo).

use anyhow::Result;

/// Arguments of `tariffsim schema`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Prints the schema.
pub fn run(_args: &Args) -> Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(&tariffsim_scenario::schema::json_schema())?
    );
    Ok(())
}
