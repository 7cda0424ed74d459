//! `tariffsim etr FILE [--date D]... [--by exporter|sector|exporter,sector]`: the import-weighted
//! tariff rate a scenario's schedule implies on the baseline's own weights — the statutory,
//! pre-substitution rate that tariff trackers publish — total and additional to the baseline,
//! per importer × exporter (× sector). `--daily` prints the overall rate for every day instead.

use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;
use tariffsim_scenario::Date;
use tariffsim_scenario::etr::{EtrBy, EtrRow, daily, etr};

/// Arguments of `tariffsim etr`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file.
    pub file: PathBuf,
    /// Dates (YYYY-MM-DD), repeatable; default: the first day of every phase.
    #[arg(long = "date", value_name = "D")]
    pub dates: Vec<String>,
    /// How to split the rows: `exporter`, `sector` or `exporter,sector`; a `*` row is the total.
    #[arg(long, default_value = "exporter")]
    pub by: String,
    /// The importer (default: the scenario's focus importer).
    #[arg(long)]
    pub importer: Option<String>,
    /// Output format: `table`, `csv` or `json`.
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Print the overall rate for every day of the period (`date,etr_total,etr_additional`)
    /// instead of rows by exporter or sector.
    #[arg(long, conflicts_with_all = ["dates", "by"])]
    pub daily: bool,
}

/// Runs `tariffsim etr`.
pub fn run(args: &Args) -> Result<()> {
    const FORMATS: &[&str] = &["table", "csv", "json"];
    if !FORMATS.contains(&args.format.as_str()) {
        return Err(super::invalid(format!(
            "unknown format `{}`\nhint: one of table, csv, json",
            args.format
        )));
    }
    let by = EtrBy::from_name(&args.by).ok_or_else(|| {
        super::invalid(format!(
            "unknown `--by {}`\nhint: one of {}",
            args.by,
            EtrBy::NAMES.join(", ")
        ))
    })?;
    let mut dates = Vec::new();
    for d in &args.dates {
        dates.push(Date::parse(d).ok_or_else(|| {
            super::invalid(format!(
                "invalid `--date {d}`\n  = expected: a date YYYY-MM-DD"
            ))
        })?);
    }
    let (sc, b) = super::check::load(&args.file)?;
    let importer = match &args.importer {
        None => sc.focus.importer,
        Some(code) => b.regions().index_of(code).ok_or_else(|| {
            super::invalid(format!(
                "unknown importer `{code}`\nhint: a region of the baseline ({})",
                b.regions()
                    .regions()
                    .iter()
                    .map(|r| r.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
    };
    let mut out = std::io::stdout().lock();
    if args.daily {
        let days = daily(&sc, &b, importer);
        match args.format.as_str() {
            "json" => {
                let v: Vec<serde_json::Value> = days
                    .iter()
                    .map(|(d, t, a)| {
                        serde_json::json!({"date": d, "etr_total": t, "etr_additional": a})
                    })
                    .collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            }
            _ => {
                writeln!(out, "date,etr_total,etr_additional")?;
                for (d, t, a) in days {
                    writeln!(out, "{d},{t},{a}")?;
                }
            }
        }
        return Ok(());
    }
    if dates.is_empty() {
        dates = sc.phases.iter().map(|p| p.start).collect();
    }
    let mut rows: Vec<EtrRow> = Vec::new();
    for d in dates {
        rows.extend(
            etr(&sc, &b, importer, d, by).map_err(|e| super::invalid(format!("`--date`: {e}")))?,
        );
    }
    match args.format.as_str() {
        "json" => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
        "csv" => {
            writeln!(
                out,
                "date,importer,exporter,sector,etr_total,etr_additional,imports_usd"
            )?;
            for r in &rows {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{}",
                    r.date,
                    r.importer,
                    r.exporter,
                    r.sector,
                    r.etr_total,
                    r.etr_additional,
                    r.imports_usd
                )?;
            }
        }
        _ => {
            writeln!(
                out,
                "{:<10}  {:<8}  {:<12}  {:<16}  {:>9}  {:>10}  {:>12}",
                "date", "importer", "exporter", "sector", "total %", "added %", "imports bn"
            )?;
            for r in &rows {
                writeln!(
                    out,
                    "{:<10}  {:<8}  {:<12}  {:<16}  {:>9.2}  {:>10.2}  {:>12.1}",
                    r.date.to_string(),
                    r.importer,
                    r.exporter,
                    r.sector,
                    100.0 * r.etr_total,
                    100.0 * r.etr_additional,
                    r.imports_usd / 1e9
                )?;
            }
        }
    }
    Ok(())
}
