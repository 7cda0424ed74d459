//! `tariffsim compare A.toml B.toml`: both scenarios on the same elasticity draws (common random
//! numbers); reports the distribution of B − A for each focus metric.

use super::montecarlo::{self, McArgs};
use anyhow::Result;
use std::path::PathBuf;
use tariffsim_core::MetricCatalog;

/// Arguments of `tariffsim compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario A (the reference).
    pub a: PathBuf,
    /// Scenario B (compared against A).
    pub b: PathBuf,
    #[command(flatten)]
    pub sectors: super::check::SectorsArg,
    #[command(flatten)]
    pub mc: McArgs,
}

/// Runs `tariffsim compare`.
pub fn run(args: &Args) -> Result<()> {
    args.mc.validate()?;
    if args.mc.point {
        return Err(super::invalid(
            "`compare` is a Monte Carlo comparison; `--point` does not apply",
        ));
    }
    let (mut a, baseline_a) = super::check::load(&args.a, &args.sectors)?;
    let (mut b, baseline_b) = super::check::load(&args.b, &args.sectors)?;
    montecarlo::apply_horizon(&mut a, &args.mc);
    montecarlo::apply_horizon(&mut b, &args.mc);
    let mut settings = montecarlo::settings(&a, &args.mc)?;
    if args.mc.out.is_none() {
        settings.out = std::path::Path::new("runs").join(format!(
            "compare-{}-{}-{}",
            a.name,
            b.name,
            settings
                .out
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.rsplit('-').next())
                .unwrap_or("0")
        ));
    }
    let outcome = tariffsim_runner::job::compare((&a, &baseline_a), (&b, &baseline_b), &settings)
        .map_err(montecarlo::runner_error)?;
    let catalog = MetricCatalog::new(&baseline_a, Some(a.focus));
    let metrics = montecarlo::focus_metrics(&a, catalog.names());
    super::montecarlo::plots(&outcome.dir, settings.quiet, settings.threads)?;
    let s = &outcome.summary;
    println!(
        "compare {} (A) vs {} (B) on common random numbers: {} draws ({} failed), sampler {}, seed {} -> {}",
        a.name,
        b.name,
        s.succeeded + s.failed,
        s.failed,
        settings.sampler.name(),
        settings.seed,
        outcome.dir.display()
    );
    let get = |name: &str| s.metrics.iter().find(|m| m.name == name).map(|m| m.summary);
    let width = metrics.iter().map(String::len).max().unwrap_or(10).max(10);
    println!(
        "{:<width$} {:>10} {:>10} {:>11} {:>11} {:>11}",
        "metric (period)", "A p50", "B p50", "B-A p5", "B-A p50", "B-A p95"
    );
    for m in &metrics {
        if let (Some(sa), Some(sb), Some(d)) = (
            get(&format!("a:{m}")),
            get(&format!("b:{m}")),
            get(&format!("diff:{m}")),
        ) {
            println!(
                "{m:<width$} {:>10.3} {:>10.3} {:>11.3} {:>11.3} {:>11.3}",
                sa.p50, sb.p50, d.p5, d.p50, d.p95
            );
        }
    }
    Ok(())
}
