//! `tariffsim run FILE [--format table|json|csv]`: solves every phase of the scenario at central
//! elasticities (the data crate's defaults with the file's `[elasticities]` applied) and prints
//! the focus metrics per phase and day-weighted over the period; then (unless `--point`) runs the
//! Monte Carlo over the elasticity priors into a run directory (`draws.csv`, `summary.json`,
//! `phases.csv`, `manifest.json`) and prints p5/p50/p95 of the focus metrics. `--sectors`
//! aggregates the baseline's sectors first (`coarse13`; recorded in `manifest.json`).

use anyhow::{Context, Result};
use std::path::PathBuf;
use tariffsim_runner::point::PointResult;
use tariffsim_scenario::Scenario;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable table.
    Table,
    /// One JSON document.
    Json,
    /// Long CSV: `phase,start,end,days,metric,value`.
    Csv,
}

/// Arguments of `tariffsim run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Print every phase's column in the point table even when it is wider than 100 columns
    /// (the per-phase values are always in `phases.csv`).
    #[arg(long)]
    pub verbose: bool,
    #[command(flatten)]
    pub sectors: super::check::SectorsArg,
    #[command(flatten)]
    pub mc: super::montecarlo::McArgs,
}

/// Runs `tariffsim run`.
pub fn run(args: &Args) -> Result<()> {
    args.mc.validate()?;
    let (mut sc, baseline) = super::check::load(&args.file, &args.sectors)?;
    super::montecarlo::apply_horizon(&mut sc, &args.mc);
    // Invalid central elasticities are invalid input; a failed solve names the file.
    super::montecarlo::point_elasticities(&sc, &baseline)?;
    let result = tariffsim_runner::job::point(&sc, &baseline)
        .with_context(|| format!("solving `{}`", args.file.display()))?;
    let names = super::montecarlo::focus_metrics(&sc, &result.names);
    let text = match args.format {
        Format::Table => table(&sc, &result, &names, args.verbose),
        Format::Json => json(&sc, &result, &names)?,
        Format::Csv => csv(&result, &names),
    };
    print!("{text}");
    if args.mc.point {
        return Ok(());
    }
    let mut mc = args.mc.clone();
    if args.format != Format::Table {
        // Keep stdout machine-readable: the Monte Carlo results go to the run directory only.
        mc.quiet = true;
    }
    let point = |name: &str| result.period(name);
    let settings = super::montecarlo::run(
        &sc,
        &mc,
        |settings| tariffsim_runner::job::monte_carlo(&sc, &baseline, settings, &result),
        point,
        args.format == Format::Table,
    )?;
    if args.format != Format::Table {
        eprintln!("Monte Carlo outputs: {}", settings.out.display());
    }
    Ok(())
}

/// The metric's unit, from the catalog's families (`tariffsim_core::metrics::FAMILIES`).
fn unit(name: &str) -> &'static str {
    tariffsim_core::metrics::unit_of(name).symbol()
}

/// Widest console line the tables aim for (issue 20): phase columns are dropped beyond it unless
/// `--verbose`.
const CONSOLE_WIDTH: usize = 100;

fn table(sc: &Scenario, r: &PointResult, names: &[String], verbose: bool) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let (m, c) = (&sc.focus_codes.0, &sc.focus_codes.1);
    let _ = writeln!(
        o,
        "scenario {} (hash {}) | baseline {} | focus {m} <- {c}\nmodel {} | horizon {}",
        sc.name,
        sc.hash,
        sc.baseline_id,
        sc.model.name(),
        sc.horizon.name()
    );
    let _ = writeln!(
        o,
        "point estimate at central elasticities; changes from the baseline at annual rates"
    );
    let _ = writeln!(o, "\nphases:");
    for (k, (s, e, d)) in r.phases.iter().enumerate() {
        let _ = writeln!(o, "  P{:<3} {s} to {e} ({d} days)", k + 1);
    }
    let width = names.iter().map(String::len).max().unwrap_or(10).max(10);
    let full = width + 7 + 10 * r.phases.len() + 11;
    let show_phases = verbose || full <= CONSOLE_WIDTH;
    let phase_cols = if show_phases { r.phases.len() } else { 0 };
    let mut header = format!("\n{:<width$} {:>6}", "metric", "unit");
    for k in 0..phase_cols {
        let _ = write!(header, " {:>9}", format!("P{}", k + 1));
    }
    let _ = write!(header, " {:>10}", "period");
    let _ = writeln!(o, "{header}");
    for n in names {
        let _ = write!(o, "{n:<width$} {:>6}", unit(n));
        for k in (0..phase_cols).chain(std::iter::once(r.phases.len())) {
            let v = r.get(k, n).unwrap_or(f64::NAN);
            let w = if k == r.phases.len() { 10 } else { 9 };
            let _ = write!(o, " {:>w$}", super::montecarlo::fixed(v, 3));
        }
        let _ = writeln!(o);
    }
    if !show_phases {
        let _ = writeln!(
            o,
            "({} phases: per-phase values in phases.csv, or on screen with --verbose)",
            r.phases.len()
        );
    }
    o
}

fn json(sc: &Scenario, r: &PointResult, names: &[String]) -> Result<String> {
    let metrics = |k: usize| -> serde_json::Map<String, serde_json::Value> {
        names
            .iter()
            .filter_map(|n| r.get(k, n).map(|v| (n.clone(), serde_json::json!(v))))
            .collect()
    };
    let phases: Vec<serde_json::Value> = r
        .phases
        .iter()
        .enumerate()
        .map(|(k, (s, e, d))| {
            serde_json::json!({
                "start": s.to_string(), "end": e.to_string(), "days": d, "metrics": metrics(k)
            })
        })
        .collect();
    let doc = serde_json::json!({
        "scenario": sc.name,
        "hash": sc.hash,
        "baseline": sc.baseline_id,
        "model": sc.model.name(),
        "focus": { "importer": sc.focus_codes.0, "target": sc.focus_codes.1 },
        "period": { "start": sc.start.to_string(), "end": sc.end.to_string(), "days": sc.days(),
                    "metrics": metrics(r.phases.len()) },
        "phases": phases,
        "rules": sc.rules,
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

fn csv(r: &PointResult, names: &[String]) -> String {
    tariffsim_runner::job::phases_csv(r, names)
}
