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
    /// With `--daily`: also draw the daily additional rate (`etr_daily.png`, `.svg`) into DIR.
    #[arg(long, value_name = "DIR", requires = "daily")]
    pub plot: Option<PathBuf>,
    /// With `--plot`: a benchmark's daily series to draw beside the schedule's, a CSV file with
    /// a `date` column (e.g. The Budget Lab's `daily_overall.csv`).
    #[arg(long, value_name = "FILE", requires = "plot")]
    pub benchmark: Option<PathBuf>,
    /// The benchmark's column with the additional rate (a fraction).
    #[arg(
        long,
        default_value = "weighted_etr_additional",
        requires = "benchmark"
    )]
    pub benchmark_column: String,
}

/// `(date, value)` from a benchmark CSV's `date` and `column`; rows with an empty or `NA` value
/// are skipped. Errors name the file and line.
fn read_benchmark(path: &std::path::Path, column: &str) -> Result<Vec<(Date, f64)>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| super::invalid(format!("cannot read `{}`: {e}", path.display())))?;
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| super::invalid(format!("{}: {e}", path.display())))?
        .clone();
    let find = |name: &str| header.iter().position(|h| h == name);
    let (Some(cd), Some(cv)) = (find("date"), find(column)) else {
        return Err(super::invalid(format!(
            "{}: needs columns `date` and `{column}` (found: {})",
            path.display(),
            header.iter().collect::<Vec<_>>().join(", ")
        )));
    };
    let mut out = Vec::new();
    for (k, rec) in rdr.records().enumerate() {
        let line = k + 2;
        let rec = rec.map_err(|e| super::invalid(format!("{}:{line}: {e}", path.display())))?;
        let (d, v) = (rec.get(cd).unwrap_or(""), rec.get(cv).unwrap_or(""));
        if v.is_empty() || v == "NA" {
            continue;
        }
        let date = Date::parse(d).ok_or_else(|| {
            super::invalid(format!(
                "{}:{line}: `{d}` is not a date YYYY-MM-DD",
                path.display()
            ))
        })?;
        let value: f64 = v.parse().map_err(|_| {
            super::invalid(format!(
                "{}:{line}: `{v}` in `{column}` is not a number",
                path.display()
            ))
        })?;
        out.push((date, value));
    }
    Ok(out)
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
    if let Some(dir) = &args.plot {
        super::montecarlo::out_dir_ok(dir, "--plot")?;
    }
    let (sc, b) = super::check::load(&args.file, &super::check::SectorsArg::default())?;
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
    let benchmark = match &args.benchmark {
        Some(p) => Some(read_benchmark(p, &args.benchmark_column)?),
        None => None,
    };
    if args.daily {
        let days = daily(&sc, &b, importer);
        if let Some(dir) = &args.plot {
            let code = b.regions().code(importer);
            let mut series = vec![(
                sc.name.clone(),
                Some(format!(
                    "on {} {} weights",
                    b.provenance().name,
                    b.provenance().version
                )),
                days.iter().map(|&(d, _, a)| (d, a)).collect(),
                false,
            )];
            if let (Some(bench), Some(p)) = (benchmark, &args.benchmark) {
                let (start, end) = (sc.start, sc.end);
                series.push((
                    "Benchmark".to_string(),
                    Some(format!(
                        "{} ({})",
                        p.file_name()
                            .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
                        args.benchmark_column
                    )),
                    bench
                        .into_iter()
                        .filter(|(d, _)| *d >= start && *d <= end)
                        .collect(),
                    true,
                ));
            }
            let frame = tariffsim_report::chart::Frame {
                title: format!("Import-weighted additional tariff of {code}, by day"),
                subtitle: format!(
                    "Rates in force on each day over the baseline's rates, weighted by the baseline's {code} imports (statutory, before any response)"
                ),
                source: format!(
                    "Source: tariffsim {} · scenario {} · baseline {} {}",
                    env!("CARGO_PKG_VERSION"),
                    sc.name,
                    b.provenance().name,
                    b.provenance().version
                ),
            };
            let files = tariffsim_report::render_daily(
                "etr_daily",
                frame,
                &format!("Additional tariff of {code} (%)"),
                series,
                dir,
            )?;
            for f in files {
                eprintln!("wrote {}", f.display());
            }
        }
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
