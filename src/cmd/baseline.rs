//! `tariffsim baseline list|show|export|synth`: inspect, export and generate baselines.

use anyhow::Result;
use std::path::{Path, PathBuf};
use tariffsim_core::{Baseline, RegionId};
use tariffsim_data::{DataError, baci};

/// Arguments of `tariffsim baseline`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

/// The `baseline` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// List the builtin baselines.
    List,
    /// Show a baseline: regions, sectors, totals, each region's exports, imports and balance, and
    /// the largest bilateral flows.
    Show {
        /// A builtin name (`world2024`), a long CSV file, a directory with `flows.csv`, or a BACI
        /// file (with `--countries`).
        source: String,
        /// Country-code → region mapping (`code,region`): reads SOURCE as a CEPII BACI file.
        #[arg(long)]
        countries: Option<PathBuf>,
        /// How many of the largest flows to list.
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// Output format: table or json.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// Write a baseline in long CSV form (flows, regions, sectors, provenance) into a directory;
    /// loading it back gives a bit-identical baseline.
    Export {
        /// As for `show`.
        source: String,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Country-code → region mapping: reads SOURCE as a CEPII BACI file.
        #[arg(long)]
        countries: Option<PathBuf>,
    },
    /// Generate a synthetic gravity-shaped baseline (deterministic in the seed).
    Synth {
        /// Number of regions (R001, R002, ...).
        #[arg(long)]
        regions: usize,
        /// Number of sectors (S001, ...).
        #[arg(long)]
        sectors: usize,
        /// Random seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs a `baseline` subcommand.
pub fn run(args: &Args) -> Result<()> {
    match &args.command {
        Sub::List => {
            for name in tariffsim_data::BUILTIN {
                let b = tariffsim_data::builtin(name).map_err(invalid)?;
                let p = b.provenance();
                println!(
                    "{name}\tversion {}, year {}, {} regions x {} sectors",
                    p.version,
                    p.year,
                    b.n_regions(),
                    b.n_sectors()
                );
            }
            Ok(())
        }
        Sub::Show {
            source,
            countries,
            top,
            format,
        } => {
            if format != "table" && format != "json" {
                return Err(super::invalid(format!(
                    "unknown format `{format}`\nhint: one of table, json"
                )));
            }
            let b = open(source, countries.as_deref())?;
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&summary_json(&b, *top))?);
            } else {
                print_table(&b, *top);
            }
            Ok(())
        }
        Sub::Export {
            source,
            out,
            countries,
        } => {
            let b = open(source, countries.as_deref())?;
            tariffsim_data::csvio::write_dir(&b, out)?;
            eprintln!(
                "wrote {} ({} regions x {} sectors)",
                out.display(),
                b.n_regions(),
                b.n_sectors()
            );
            Ok(())
        }
        Sub::Synth {
            regions,
            sectors,
            seed,
            out,
        } => {
            let b = tariffsim_data::synth::synthetic(*regions, *sectors, *seed).map_err(invalid)?;
            tariffsim_data::csvio::write_dir(&b, out)?;
            eprintln!(
                "wrote {} ({} regions x {} sectors, seed {seed})",
                out.display(),
                regions,
                sectors
            );
            Ok(())
        }
    }
}

fn invalid(e: DataError) -> anyhow::Error {
    super::invalid(e.to_string())
}

/// Loads a baseline from a builtin name, a long CSV path, or a BACI file with a mapping.
fn open(source: &str, countries: Option<&Path>) -> Result<Baseline> {
    if let Some(map) = countries {
        return baci::read(Path::new(source), map).map_err(invalid);
    }
    let path = Path::new(source);
    if path.is_file() {
        let first = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| t.lines().next().map(str::to_string))
            .unwrap_or_default();
        if baci::looks_like_baci(&first) {
            return Err(super::invalid(format!(
                "`{source}` is a CEPII BACI file (header t,i,j,k,v,q)\nhint: pass `--countries MAP.csv` mapping its numeric country codes to regions (`code,region`)"
            )));
        }
    }
    tariffsim_data::load(source).map_err(invalid)
}

const BN: f64 = 1e9;

/// The `top` largest (exporter, importer, all-sector flow) pairs.
fn largest_flows(b: &Baseline, top: usize) -> Vec<(RegionId, RegionId, f64)> {
    let regions = b.regions();
    let mut pairs: Vec<(RegionId, RegionId, f64)> = regions
        .ids()
        .flat_map(|i| regions.ids().filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| (i, j, b.bilateral(i, j)))
        .collect();
    pairs.sort_by(|a, c| c.2.total_cmp(&a.2));
    pairs.truncate(top);
    pairs
}

fn print_table(b: &Baseline, top: usize) {
    let p = b.provenance();
    println!(
        "baseline {} (version {}, year {})",
        p.name, p.version, p.year
    );
    for s in &p.sources {
        println!("  source: {s}");
    }
    let n = b.n_regions();
    let world: f64 = b.regions().ids().map(|i| b.exports(i)).sum();
    println!(
        "{} regions, {} sectors, domestic sales: {}, world exports {:.1} bn USD",
        n,
        b.n_sectors(),
        if b.has_domestic() { "yes" } else { "no" },
        world / BN
    );
    for g in b.regions().groups() {
        let members: Vec<&str> = g.members.iter().map(|&m| b.regions().code(m)).collect();
        println!("  group {} = {}", g.code, members.join(" + "));
    }
    println!("sectors:");
    let width = b
        .sectors()
        .sectors()
        .iter()
        .map(|s| s.code.chars().count())
        .max()
        .unwrap_or(0)
        .max(18);
    for s in b.sectors().sectors() {
        println!("  {:<width$} {} — {}", s.code, s.name, s.description);
    }
    for g in b.sectors().groups() {
        let members: Vec<&str> = g.members.iter().map(|&m| b.sectors().code(m)).collect();
        println!("  group {} = {}", g.code, members.join(" + "));
    }
    println!(
        "{:<14} {:>12} {:>12} {:>12}  name",
        "region", "exports_bn", "imports_bn", "balance_bn"
    );
    for (i, r) in b.regions().ids().zip(b.regions().regions()) {
        println!(
            "{:<14} {:>12.1} {:>12.1} {:>12.1}  {}",
            r.code,
            b.exports(i) / BN,
            b.imports(i) / BN,
            b.balance(i) / BN,
            r.name
        );
    }
    println!("largest flows (all sectors, exporter -> importer, bn USD):");
    for (i, j, v) in largest_flows(b, top) {
        println!(
            "  {:<12} -> {:<12} {:>10.1}",
            b.regions().code(i),
            b.regions().code(j),
            v / BN
        );
    }
}

fn summary_json(b: &Baseline, top: usize) -> serde_json::Value {
    let regions: Vec<_> = b
        .regions()
        .regions()
        .iter()
        .zip(b.regions().ids())
        .map(|(r, i)| {
            serde_json::json!({
                "code": r.code, "name": r.name,
                "exports_usd": b.exports(i), "imports_usd": b.imports(i), "balance_usd": b.balance(i),
            })
        })
        .collect();
    let flows: Vec<_> = largest_flows(b, top)
        .into_iter()
        .map(|(i, j, v)| {
            serde_json::json!({
                "exporter": b.regions().code(i), "importer": b.regions().code(j), "value_usd": v,
            })
        })
        .collect();
    serde_json::json!({
        "provenance": b.provenance(),
        "has_domestic": b.has_domestic(),
        "sectors": b.sectors().sectors(),
        "groups": b.regions().groups().iter().map(|g| serde_json::json!({
            "code": g.code,
            "members": g.members.iter().map(|&m| b.regions().code(m)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "regions": regions,
        "largest_flows": flows,
    })
}
