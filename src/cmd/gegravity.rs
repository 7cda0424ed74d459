//! `tariffsim gegravity`: gegravity's `OneSectorGE` on a gegravity-shaped data file, solved by
//! `gegravity-compat` (same conventions, same numbers; see `tariffsim_core::model::gegravity`).
//!
//! The data file is comma-separated with a header: `exporter`, `importer`, `Y` (exporter
//! output), `E` (importer expenditure), optionally `year`, and the cost variables named by
//! `--cost NAME=COEF` (`constant` needs no column). Every exporter–importer pair, domestic ones
//! included, must appear once. Counterfactuals: `--set EXP,IMP,VAR=VALUE` changes a cost
//! variable of one pair; `--tariff EXP,IMP,RATE` multiplies the pair's iceberg cost by
//! `1 + RATE` (gegravity's `ln_tau` trick: `t^(1−σ)` × `(1 + RATE)^(1−σ)`, no revenue).
//!
//! Prints country results; `--out DIR` also writes `country_results.csv` and
//! `bilateral_trade_results.csv` with gegravity's column names (each file written to a temporary
//! name, then renamed). `--repeat K` solves K times and reports the fastest pure solve on stderr
//! (what `make bench-peers` compares with gegravity's `root` time).

use anyhow::{Context, Result};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tariffsim_core::model::gegravity::{CostSpec, GegravityCase, GegravityResults};

/// Arguments of `tariffsim gegravity`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Gegravity-shaped data file (CSV: exporter, importer, Y, E, cost variables).
    #[arg(long)]
    pub data: PathBuf,
    /// Keep only rows whose `year` column equals this.
    #[arg(long)]
    pub year: Option<String>,
    /// Elasticity of substitution.
    #[arg(long)]
    pub sigma: f64,
    /// Reference importer (its inward resistance is the numeraire).
    #[arg(long)]
    pub reference: String,
    /// Cost variable and its coefficient in t^(1-sigma), `NAME=COEF` (repeat for each).
    #[arg(long = "cost", value_name = "NAME=COEF", required = true)]
    pub costs: Vec<String>,
    /// Counterfactual: set a cost variable of one pair, `EXP,IMP,VAR=VALUE` (repeatable).
    #[arg(long = "set", value_name = "EXP,IMP,VAR=VALUE")]
    pub sets: Vec<String>,
    /// Counterfactual: a tariff-like iceberg cost on one pair, `EXP,IMP,RATE` (0.1 = 10%).
    #[arg(long = "tariff", value_name = "EXP,IMP,RATE")]
    pub tariffs: Vec<String>,
    /// Directory for `country_results.csv` and `bilateral_trade_results.csv`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Solve this many times and print the fastest pure solve time to stderr.
    #[arg(long, default_value_t = 1)]
    pub repeat: u32,
}

struct Data {
    countries: Vec<String>,
    output: Vec<f64>,
    expenditure: Vec<f64>,
    /// `[(i * N + j) * K + k]`.
    costs: Vec<f64>,
}

fn parse_number(file: &Path, line: usize, column: &str, text: &str) -> Result<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            super::invalid(format!(
                "{}:{line}: column `{column}`: expected a finite number, found `{text}`",
                file.display()
            ))
        })
}

fn read_data(path: &Path, year: Option<&str>, variables: &[String]) -> Result<Data> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| super::invalid(format!("cannot read data file `{}`: {e}", path.display())))?;
    // The csv crate (quotes, CRLF, blank lines); fields trimmed as before.
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| super::invalid(format!("{}:1: {e}", path.display())))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(super::invalid(format!("`{}` is empty", path.display())));
    }
    let col = |name: &str| -> Result<usize> {
        header.iter().position(|h| h == name).ok_or_else(|| {
            super::invalid(format!(
                "{}:1: no column `{name}`\nhint: the header is {}",
                path.display(),
                header.join(",")
            ))
        })
    };
    let (ce, ci, cy, cx) = (col("exporter")?, col("importer")?, col("Y")?, col("E")?);
    let cyear = if year.is_some() {
        Some(col("year")?)
    } else {
        None
    };
    let var_cols: Vec<Option<usize>> = variables
        .iter()
        .map(|v| {
            if v == "constant" {
                Ok(None)
            } else {
                col(v).map(Some)
            }
        })
        .collect::<Result<_>>()?;
    let mut rows: Vec<(usize, csv::StringRecord)> = Vec::new();
    for rec in rdr.records() {
        let fields = rec.map_err(|e| super::invalid(format!("{}: {e}", path.display())))?;
        let line = fields.position().map_or(0, |p| p.line() as usize);
        if fields.len() != header.len() {
            return Err(super::invalid(format!(
                "{}:{}: {} fields, the header has {}",
                path.display(),
                line,
                fields.len(),
                header.len()
            )));
        }
        if let (Some(c), Some(y)) = (cyear, year)
            && &fields[c] != y
        {
            continue;
        }
        rows.push((line, fields));
    }
    let mut countries: Vec<String> = rows
        .iter()
        .flat_map(|(_, f)| [f[ce].to_string(), f[ci].to_string()])
        .collect();
    countries.sort();
    countries.dedup();
    if countries.is_empty() {
        return Err(super::invalid(format!("{}: no data rows", path.display())));
    }
    let n = countries.len();
    let index: HashMap<&str, usize> = countries
        .iter()
        .enumerate()
        .map(|(k, c)| (c.as_str(), k))
        .collect();
    let k_vars = variables.len();
    let mut costs = vec![0.0; n * n * k_vars];
    let mut seen = vec![0usize; n * n];
    let mut y = vec![(0.0, 0.0); n];
    let mut e = vec![(0.0, 0.0); n];
    for (line, f) in &rows {
        let (i, j) = (index[&f[ce]], index[&f[ci]]);
        if seen[i * n + j] != 0 {
            return Err(super::invalid(format!(
                "{}:{line}: pair {} -> {} already given on line {}",
                path.display(),
                &f[ce],
                &f[ci],
                seen[i * n + j]
            )));
        }
        seen[i * n + j] = *line;
        let yv = parse_number(path, *line, "Y", &f[cy])?;
        let ev = parse_number(path, *line, "E", &f[cx])?;
        y[i] = (y[i].0 + yv, y[i].1 + 1.0);
        e[j] = (e[j].0 + ev, e[j].1 + 1.0);
        for (k, c) in var_cols.iter().enumerate() {
            costs[(i * n + j) * k_vars + k] = match c {
                None => 1.0,
                Some(c) => parse_number(path, *line, &variables[k], &f[*c])?,
            };
        }
    }
    if let Some(missing) = seen.iter().position(|&s| s == 0) {
        return Err(super::invalid(format!(
            "{}: no row for exporter {} -> importer {}: gegravity needs square data (every pair, \
             domestic ones included; {} of {} pairs present)",
            path.display(),
            countries[missing / n],
            countries[missing % n],
            seen.iter().filter(|&&s| s != 0).count(),
            n * n
        )));
    }
    Ok(Data {
        // gegravity takes the mean over an exporter's (importer's) rows.
        output: y.iter().map(|(s, c)| s / c).collect(),
        expenditure: e.iter().map(|(s, c)| s / c).collect(),
        countries,
        costs,
    })
}

fn split_assignment<'a>(flag: &str, text: &'a str) -> Result<(&'a str, &'a str)> {
    text.split_once('=')
        .map(|(a, b)| (a.trim(), b.trim()))
        .ok_or_else(|| super::invalid(format!("`{flag} {text}`: expected NAME=VALUE")))
}

fn pair(data: &Data, flag: &str, spec: &str, exp: &str, imp: &str) -> Result<(usize, usize)> {
    let find = |code: &str| {
        data.countries
            .iter()
            .position(|c| c == code)
            .ok_or_else(|| {
                super::invalid(format!(
                    "`{flag} {spec}`: unknown country `{code}`\nhint: the data has {}",
                    data.countries.join(" ")
                ))
            })
    };
    Ok((find(exp)?, find(imp)?))
}

fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    let tmp = path.with_extension("csv.tmp");
    std::fs::write(&tmp, contents).with_context(|| format!("writing `{}`", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to `{}`", path.display()))?;
    Ok(())
}

fn country_csv(r: &GegravityResults) -> String {
    let mut s = String::from(
        "country,factory gate price change (percent),omr change (percent),imr change (percent),\
         GDP change (percent),welfare statistic,terms of trade change (percent),\
         output change (percent),expenditure change (percent),foreign exports change (percent),\
         foreign imports change (percent),intranational trade change (percent)\n",
    );
    for (i, c) in r.countries.iter().enumerate() {
        let _ = writeln!(
            s,
            "{c},{:e},{:e},{:e},{:e},{:e},{:e},{:e},{:e},{:e},{:e},{:e}",
            r.factory_gate_price_change_pct(i),
            r.omr_change_pct(i),
            r.imr_change_pct(i),
            r.gdp_change_pct(i),
            r.welfare_statistic[i],
            r.terms_of_trade_change_pct(i),
            r.output_change_pct(i),
            r.expenditure_change_pct(i),
            r.foreign_exports_change_pct(i),
            r.foreign_imports_change_pct(i),
            r.intranational_trade_change_pct(i),
        );
    }
    s
}

fn bilateral_csv(r: &GegravityResults) -> String {
    let n = r.countries.len();
    let mut s = String::from(
        "exporter,importer,baseline modeled trade,experiment trade,trade change (percent)\n",
    );
    for i in 0..n {
        for j in 0..n {
            let k = i * n + j;
            let _ = writeln!(
                s,
                "{},{},{:e},{:e},{:e}",
                r.countries[i],
                r.countries[j],
                r.baseline_trade[k],
                r.counterfactual_trade[k],
                r.trade_change_pct(i, j)
            );
        }
    }
    s
}

/// Runs the command.
pub fn run(args: &Args) -> Result<()> {
    let mut names = Vec::new();
    let mut coefficients = Vec::new();
    for c in &args.costs {
        let (name, value) = split_assignment("--cost", c)?;
        let value: f64 = value
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                super::invalid(format!(
                    "`--cost {c}`: the coefficient must be a finite number"
                ))
            })?;
        if names.iter().any(|n| n == name) {
            return Err(super::invalid(format!("`--cost {name}` given twice")));
        }
        names.push(name.to_string());
        coefficients.push(value);
    }
    let data = read_data(&args.data, args.year.as_deref(), &names)?;
    let n = data.countries.len();
    let k_vars = names.len();
    let spec = CostSpec::new(names.clone(), coefficients)?;
    let case = GegravityCase::new(
        data.countries.clone(),
        data.output.clone(),
        data.expenditure.clone(),
        args.sigma,
        &args.reference,
        spec.clone(),
        &data.costs,
    )?;
    let mut cf = data.costs.clone();
    for s in &args.sets {
        let (lhs, value) = split_assignment("--set", s)?;
        let parts: Vec<&str> = lhs.split(',').map(str::trim).collect();
        let [exp, imp, var] = parts[..] else {
            return Err(super::invalid(format!(
                "`--set {s}`: expected EXP,IMP,VAR=VALUE"
            )));
        };
        let (i, j) = pair(&data, "--set", s, exp, imp)?;
        let k = names.iter().position(|v| v == var).ok_or_else(|| {
            super::invalid(format!(
                "`--set {s}`: `{var}` is not a cost variable (given: {})",
                names.join(", ")
            ))
        })?;
        cf[(i * n + j) * k_vars + k] = value
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                super::invalid(format!("`--set {s}`: the value must be a finite number"))
            })?;
    }
    let mut power = spec.cost_power(&data.countries, &cf)?;
    for t in &args.tariffs {
        let parts: Vec<&str> = t.split(',').map(str::trim).collect();
        let [exp, imp, rate] = parts[..] else {
            return Err(super::invalid(format!(
                "`--tariff {t}`: expected EXP,IMP,RATE"
            )));
        };
        let (i, j) = pair(&data, "--tariff", t, exp, imp)?;
        let rate: f64 = rate
            .parse()
            .ok()
            .filter(|r: &f64| r.is_finite() && *r > -1.0)
            .ok_or_else(|| {
                super::invalid(format!(
                    "`--tariff {t}`: RATE must be a number > -1 (0.1 = 10%)"
                ))
            })?;
        power[i * n + j] *= (1.0 + rate).powf(1.0 - args.sigma);
    }
    let mut best = f64::INFINITY;
    let mut result = None;
    for _ in 0..args.repeat.max(1) {
        let start = std::time::Instant::now();
        let r = case.solve_cost_powers(&power)?;
        best = best.min(start.elapsed().as_secs_f64());
        result = Some(r);
    }
    let r = result.context("no solve ran")?;
    if args.repeat > 1 {
        eprintln!(
            "pure solve: {:.3} us (fastest of {} runs; baseline + counterfactual, {} + {} sweeps, residual {:.1e})",
            best * 1e6,
            args.repeat,
            r.iterations[0],
            r.iterations[1],
            r.residual
        );
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating output directory `{}`", dir.display()))?;
        write_atomically(&dir.join("country_results.csv"), &country_csv(&r))?;
        write_atomically(&dir.join("bilateral_trade_results.csv"), &bilateral_csv(&r))?;
    }
    println!(
        "gegravity-compat: {n} countries, sigma {}, reference importer {}",
        args.sigma, args.reference
    );
    println!(
        "{:<8} {:>14} {:>14} {:>14} {:>12}",
        "country", "price chg %", "imr chg %", "GDP chg %", "welfare st."
    );
    for (i, c) in r.countries.iter().enumerate() {
        println!(
            "{c:<8} {:>14.6} {:>14.6} {:>14.6} {:>12.8}",
            r.factory_gate_price_change_pct(i),
            r.imr_change_pct(i),
            r.gdp_change_pct(i),
            r.welfare_statistic[i]
        );
    }
    Ok(())
}
