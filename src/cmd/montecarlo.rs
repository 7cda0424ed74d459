//! The Monte Carlo half of `tariffsim run` (and the settings `compare` shares): flags, the run
//! directory, the terminal table of focus metrics with p5/p50/p95.

use anyhow::Result;
use std::path::PathBuf;
use tariffsim_core::Baseline;
use tariffsim_runner::RunnerError;
use tariffsim_runner::mc::{self, RunSettings};
use tariffsim_runner::output::RunSummary;
use tariffsim_runner::sampler::SamplerKind;
use tariffsim_scenario::Scenario;

/// Monte Carlo flags (each overrides the scenario's `[monte_carlo]` value).
#[derive(Debug, Clone, clap::Args)]
pub struct McArgs {
    /// Point estimate only: skip the Monte Carlo.
    #[arg(long)]
    pub point: bool,
    /// Horizon preset scaling every elasticity (overrides the scenario's `horizon`; default
    /// `long`, the horizon the default priors were estimated at).
    #[arg(long, value_enum)]
    pub horizon: Option<HorizonArg>,
    /// Number of draws.
    #[arg(long)]
    pub draws: Option<u64>,
    /// Master seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Sampler: random, lhs or sobol.
    #[arg(long)]
    pub sampler: Option<String>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run only shard K of N (`--shard 3/8`), then `tariffsim merge` the directories.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Run directory (default `runs/<scenario>-<timestamp>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress output.
    #[arg(long)]
    pub quiet: bool,
    /// Clear a non-empty `--out` folder first (and take over a lock a killed run left) instead
    /// of refusing it.
    #[arg(long)]
    pub force: bool,
    /// Also write `draws_long.csv` (`draw,metric,period,value`, one line per value of every
    /// successful draw: the long form R's tidyverse and `pandas.pivot_table` want).
    #[arg(long)]
    pub long_draws: bool,
    /// Largest share of failed draws for which the run still succeeds (default: the scenario's
    /// `max_failure_rate`, itself 0.01 by default).
    #[arg(long)]
    pub max_failure_rate: Option<f64>,
}

/// `--horizon` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HorizonArg {
    /// About one year after the change.
    Short,
    /// About three years.
    Medium,
    /// The long run.
    Long,
}

impl From<HorizonArg> for tariffsim_core::Horizon {
    fn from(h: HorizonArg) -> Self {
        match h {
            HorizonArg::Short => Self::Short,
            HorizonArg::Medium => Self::Medium,
            HorizonArg::Long => Self::Long,
        }
    }
}

/// The scenario's horizon, overridden by `--horizon`.
pub fn apply_horizon(sc: &mut Scenario, args: &McArgs) {
    if let Some(h) = args.horizon {
        sc.horizon = h.into();
    }
}

/// Central elasticities of a scenario's point estimate
/// ([`tariffsim_runner::point::point_elasticities`]); a bad `[elasticities]` is invalid input.
pub fn point_elasticities(
    sc: &Scenario,
    baseline: &Baseline,
) -> Result<tariffsim_core::Elasticities> {
    tariffsim_runner::point::point_elasticities(sc, baseline)
        .map_err(|e| super::invalid(format!("`{}`: {e}", sc.path.display())))
}

impl McArgs {
    /// Every check of the flags that needs no scenario, before any work is done (issue 20): a bad
    /// flag never prints a point table first.
    pub fn validate(&self) -> Result<()> {
        if self.draws == Some(0) {
            return Err(super::invalid("`--draws` must be at least 1"));
        }
        if let Some(name) = &self.sampler
            && SamplerKind::from_name(name).is_none()
        {
            return Err(super::invalid(format!(
                "unknown sampler `{name}`\nhint: one of `random`, `lhs`, `sobol`"
            )));
        }
        if self.threads == Some(0) {
            return Err(super::invalid("`--threads` must be at least 1"));
        }
        if let Some(shard) = &self.shard {
            parse_shard(shard)?;
        }
        if let Some(r) = self.max_failure_rate
            && !(0.0..=1.0).contains(&r)
        {
            return Err(super::invalid(format!(
                "`--max-failure-rate` must be in [0, 1], got {r}"
            )));
        }
        if let Some(out) = &self.out {
            out_dir_ok(out, "--out")?;
        }
        Ok(())
    }
}

/// An output folder flag names a folder or nothing yet, never a file.
pub fn out_dir_ok(dir: &std::path::Path, flag: &str) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(super::invalid(format!(
            "`{flag} {}` is a file: {flag} must be a directory (it is created if missing)",
            dir.display()
        )));
    }
    Ok(())
}

/// Most worker threads per core `--threads` may ask for.
const MAX_THREADS_PER_CORE: usize = 4;

/// Parses `K/N`.
pub fn parse_shard(text: &str) -> Result<(u64, u64)> {
    let bad = || {
        super::invalid(format!(
            "invalid shard `{text}`\nhint: use `--shard K/N` with 1 <= K <= N, e.g. `--shard 3/8`"
        ))
    };
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The run settings: the scenario's `[monte_carlo]`, overridden by flags.
pub fn settings(sc: &Scenario, args: &McArgs) -> Result<RunSettings> {
    let out = args.out.clone().unwrap_or_else(|| mc::default_out_dir(sc));
    let mut s = RunSettings::from_scenario(sc, out);
    s.force = args.force;
    s.long_draws = args.long_draws;
    if let Some(d) = args.draws {
        if d == 0 {
            return Err(super::invalid("`--draws` must be at least 1"));
        }
        s.draws = d;
    }
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    if let Some(name) = &args.sampler {
        s.sampler = SamplerKind::from_name(name).ok_or_else(|| {
            super::invalid(format!(
                "unknown sampler `{name}`\nhint: one of `random`, `lhs`, `sobol`"
            ))
        })?;
    }
    if let Some(t) = args.threads {
        if t == 0 {
            return Err(super::invalid("`--threads` must be at least 1"));
        }
        // More workers than cores only add scheduling; a huge count would try to spawn them all.
        let cap = MAX_THREADS_PER_CORE * mc::default_threads();
        if t > cap && !args.quiet {
            eprintln!(
                "note: `--threads {t}` capped at {cap} ({MAX_THREADS_PER_CORE} per core); results do not depend on it"
            );
        }
        s.threads = t.min(cap);
    }
    if let Some(shard) = &args.shard {
        s.shard = parse_shard(shard)?;
    }
    if let Some(r) = args.max_failure_rate {
        if !(0.0..=1.0).contains(&r) {
            return Err(super::invalid(format!(
                "`--max-failure-rate` must be in [0, 1], got {r}"
            )));
        }
        s.max_failure_rate = r;
    }
    s.quiet = args.quiet;
    Ok(s)
}

/// A runner error as an exit code: invalid settings are invalid input (2), the rest failed runs.
pub fn runner_error(e: RunnerError) -> anyhow::Error {
    match e {
        RunnerError::Setting(msg) => super::invalid(msg),
        other => other.into(),
    }
}

/// The metrics the terminal table shows: the scenario's `metrics`, then diversion by partner and
/// deflection by destination, then (with a rerouting block) the rerouted values and the
/// true-origin change.
pub fn focus_metrics(sc: &Scenario, names: &[String]) -> Vec<String> {
    tariffsim_runner::job::focus_metrics(sc, names)
}

/// `v` with `decimals` places, never `-0.000` (a value that rounds to zero prints as zero).
pub fn fixed(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_string()
    } else {
        text
    }
}

/// Three short lines that answer the run's question: the focus flow's change with its 90% band,
/// the third countries that gain most, the largest deflection of the target's sales (medians over
/// the draws, period figures).
pub fn headline(sc: &Scenario, summary: &RunSummary) -> Option<String> {
    let (m, c) = (&sc.focus_codes.0, &sc.focus_codes.1);
    let get = |name: &str| {
        summary
            .metrics
            .iter()
            .find(|x| x.name == name)
            .map(|x| &x.summary)
    };
    let direct = get(&format!("imports_pct.{m}.{c}"))?;
    // The three largest medians above +0.05 bn of a metric family, or — when nothing rises —
    // the three largest falls, so the line says what happens either way.
    let ranked = |prefix: String, rising: bool| -> Vec<(String, f64)> {
        let mut v: Vec<(String, f64)> = summary
            .metrics
            .iter()
            .filter_map(|x| {
                let code = x.name.strip_prefix(&prefix)?;
                let keep = if rising {
                    x.summary.p50 > 0.05
                } else {
                    x.summary.p50 < -0.05
                };
                (!code.contains(['.', '@']) && keep).then(|| (code.to_string(), x.summary.p50))
            })
            .collect();
        if rising {
            v.sort_by(|a, b| b.1.total_cmp(&a.1));
        } else {
            v.sort_by(|a, b| a.1.total_cmp(&b.1));
        }
        v.truncate(3);
        v
    };
    let line = |prefix: String, gaining: &str, none: &str| {
        let up = ranked(prefix.clone(), true);
        let fmt = |v: &[(String, f64)]| {
            v.iter()
                .map(|(k, x)| format!("{k} {}{x:.1} bn", if *x > 0.0 { "+" } else { "" }))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if up.is_empty() {
            let down = ranked(prefix, false);
            if down.is_empty() {
                format!("{none}: none changes by more than 0.05 bn")
            } else {
                format!("{none}, largest falls: {}", fmt(&down))
            }
        } else {
            format!("{gaining}: {}", fmt(&up))
        }
    };
    Some(format!(
        "{m} imports from {c} {}% (90% band {} to {}%), {} to {}, {} horizon\n  {}\n  {}",
        fixed(direct.p50, 1),
        fixed(direct.p5, 1),
        fixed(direct.p95, 1),
        sc.start,
        sc.end,
        sc.horizon.name(),
        line(
            format!("diversion.{m}.{c}."),
            "third countries gaining most",
            "no third country gains"
        ),
        line(
            format!("deflection.{m}.{c}."),
            &format!("{c}'s sales rising most elsewhere"),
            &format!("{c}'s sales fall everywhere")
        )
    ))
}

/// The Monte Carlo table: point estimate (if known), p5, p50, p95, mean and MCSE per metric.
pub fn table(
    summary: &RunSummary,
    names: &[String],
    point: impl Fn(&str) -> Option<f64>,
) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let width = names.iter().map(String::len).max().unwrap_or(10).max(10);
    // metric, unit, point, p5, p50, p95, mcse: the mean and sd are in summary.csv.
    let _ = writeln!(
        o,
        "{:<width$} {:<6} {:>10} {:>10} {:>10} {:>10} {:>9}",
        "metric (period)", "unit", "point", "p5", "p50", "p95", "mcse"
    );
    for name in names {
        let Some(m) = summary.metrics.iter().find(|m| &m.name == name) else {
            continue;
        };
        let s = &m.summary;
        let p = point(name).map_or_else(|| "-".to_string(), |v| fixed(v, 3));
        let _ = writeln!(
            o,
            "{name:<width$} {:<6} {p:>10} {:>10} {:>10} {:>10} {:>9}",
            tariffsim_core::metrics::unit_of(name).symbol(),
            fixed(s.p5, 3),
            fixed(s.p50, 3),
            fixed(s.p95, 3),
            fixed(s.mcse, 4)
        );
    }
    o
}

/// Renders the charts and `report.html` into a finished run directory on `threads` workers; the
/// run's data files are already complete, so a rendering failure is reported (exit 1) without
/// losing them.
pub fn plots(dir: &std::path::Path, quiet: bool, threads: usize) -> Result<()> {
    let pool = tariffsim_runner::engine::pool(threads).map_err(runner_error)?;
    let files = pool
        .install(|| tariffsim_report::render_dir(dir))
        .map_err(|e| {
            anyhow::anyhow!(
                "{e}\nhint: the run's data files are complete; retry with `tariffsim plot {}`",
                dir.display()
            )
        })?;
    if !quiet {
        eprintln!(
            "wrote {} chart files and report.html into {}",
            files.len(),
            dir.display()
        );
    }
    Ok(())
}

/// Runs the Monte Carlo of `sc` and prints where the outputs are plus the table.
pub fn run(
    sc: &Scenario,
    args: &McArgs,
    job: impl FnOnce(&RunSettings) -> Result<mc::RunOutcome, RunnerError>,
    point: impl Fn(&str) -> Option<f64>,
    print_table: bool,
) -> Result<RunSettings> {
    let settings = settings(sc, args)?;
    let outcome = job(&settings);
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return Err(runner_error(e)),
    };
    if settings.shard == (1, 1) {
        plots(&outcome.dir, settings.quiet, settings.threads)?;
    }
    let s = &outcome.summary;
    if !print_table {
        return Ok(settings);
    }
    println!(
        "\nMonte Carlo: {} draws ({} failed), sampler {}, seed {}, shard {}/{} -> {}",
        s.succeeded + s.failed,
        s.failed,
        settings.sampler.name(),
        settings.seed,
        settings.shard.0,
        settings.shard.1,
        outcome.dir.display()
    );
    if let Some(h) = headline(sc, s) {
        println!("\n{h}");
    }
    let names: Vec<String> = s.metrics.iter().map(|m| m.name.clone()).collect();
    print!("{}", table(s, &focus_metrics(sc, &names), point));
    Ok(settings)
}
