//! `tariffsim show FILE [--date D]`: the timeline of a scenario — its phases, the additional duty
//! on the focus pair in each, the countries each rule hits, and the rate table (importer,
//! exporter, sector, rate, which layers) for every phase or for the phase containing `--date`.

use anyhow::Result;
use std::collections::BTreeMap;
use std::path::PathBuf;
use tariffsim_core::{Baseline, RegionId};
use tariffsim_scenario::resolve::fmt_pct;
use tariffsim_scenario::{Date, Phase, Scenario};

/// Arguments of `tariffsim show`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file.
    pub file: PathBuf,
    /// Show only the rates in force on this date (YYYY-MM-DD).
    #[arg(long)]
    pub date: Option<String>,
    /// Also render the tariff timeline chart (`tariff_timeline.png`, `.svg`) into this directory.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = ".")]
    pub plot: Option<PathBuf>,
}

/// The additional duty `importer` levies on `exporter`: one rate if equal in every sector,
/// otherwise the baseline-trade-weighted mean with the range.
pub fn additional_duty(
    b: &Baseline,
    phase: &Phase,
    exporter: RegionId,
    importer: RegionId,
) -> String {
    let ns = b.n_sectors();
    let sectors = || b.sectors().ids();
    let extra: Vec<f64> = sectors()
        .map(|s| phase.tariffs.rate(exporter, importer, s) - b.tariff(exporter, importer, s))
        .collect();
    let lo = extra.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = extra.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if hi - lo < 1e-12 {
        return format!("{}%", fmt_pct(lo));
    }
    let w: f64 = sectors().map(|s| b.flow(exporter, importer, s)).sum();
    let mean = if w > 0.0 {
        sectors()
            .map(|s| b.flow(exporter, importer, s) * extra[s.index()])
            .sum::<f64>()
            / w
    } else {
        extra.iter().sum::<f64>() / ns as f64
    };
    format!(
        "{}% (trade-weighted; {}%-{}%)",
        fmt_pct((mean * 1e4).round() / 1e4),
        fmt_pct(lo),
        fmt_pct(hi)
    )
}

/// A coverage share with up to 4 decimals (`0.1393`, `0.5`).
fn fmt_share(w: f64) -> String {
    let s = format!("{w:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Runs `tariffsim show`.
pub fn run(args: &Args) -> Result<()> {
    let date = match &args.date {
        Some(d) => Some(Date::parse(d).ok_or_else(|| {
            super::invalid(format!(
                "invalid `--date {d}`\n  = expected: a date YYYY-MM-DD"
            ))
        })?),
        None => None,
    };
    if let Some(dir) = &args.plot {
        super::montecarlo::out_dir_ok(dir, "--plot")?;
    }
    let (sc, b) = super::check::load(&args.file, &super::check::SectorsArg::default())?;
    if let Some(dir) = &args.plot {
        let files = tariffsim_report::render_timeline(&sc, &b, dir)?;
        for f in files {
            eprintln!("wrote {}", f.display());
        }
    }
    let phases: Vec<(usize, &Phase)> = match date {
        Some(d) => match sc.phases.iter().position(|p| p.start <= d && d <= p.end) {
            Some(k) => vec![(k, &sc.phases[k])],
            None => {
                return Err(super::invalid(format!(
                    "`--date {d}` is outside the scenario period {} to {}",
                    sc.start, sc.end
                )));
            }
        },
        None => sc.phases.iter().enumerate().collect(),
    };
    print!("{}", render(&sc, &b, &phases));
    Ok(())
}

fn render(sc: &Scenario, b: &Baseline, shown: &[(usize, &Phase)]) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let (m, c) = (&sc.focus_codes.0, &sc.focus_codes.1);
    let _ = writeln!(o, "scenario {} (hash {})", sc.name, sc.hash);
    let _ = writeln!(
        o,
        "baseline {} | model {} | focus {m} <- {c} | period {} to {} ({} days)",
        sc.baseline_id,
        sc.model.name(),
        sc.start,
        sc.end,
        sc.days()
    );
    let _ = writeln!(o, "\nphases (additional duty over the baseline rate):");
    let (mc, cm) = (format!("{m} on {c}"), format!("{c} on {m}"));
    let _ = writeln!(
        o,
        "  {:>3}  {:<10}  {:<10}  {:>5}  {mc:<24}  {cm}",
        "#", "start", "end", "days"
    );
    for (k, p) in sc.phases.iter().enumerate() {
        let _ = writeln!(
            o,
            "  {:>3}  {}  {}  {:>5}  {:<24}  {}",
            k + 1,
            p.start,
            p.end,
            p.days,
            additional_duty(b, p, sc.focus.target, sc.focus.importer),
            additional_duty(b, p, sc.focus.importer, sc.focus.target)
        );
    }
    if !sc.rules.is_empty() {
        let _ = writeln!(
            o,
            "\nrules (evaluated on the baseline, or on a rule's `countries` table):"
        );
        for r in &sc.rules {
            let mut cond = Vec::new();
            if let Some(s) = r.min_share {
                cond.push(format!("share > {}%", fmt_pct(s)));
            }
            if let Some(v) = r.min_value_usd {
                cond.push(format!("value > {:.3} bn USD", v * 1e-9));
            }
            let _ = writeln!(
                o,
                "  {}: {} with {} ({}) -> {} countries hit",
                r.name,
                r.flow,
                r.partner,
                if cond.is_empty() {
                    "listed".to_string()
                } else {
                    cond.join(" and ")
                },
                r.hits.len()
            );
            for h in &r.hits {
                let region = b.regions().code(h.region);
                let note = if h.forced {
                    "  (listed in `include`)".to_string()
                } else if h.code != region {
                    format!("  (inside {region}: its share of {region}'s exports)")
                } else {
                    String::new()
                };
                let _ = writeln!(
                    o,
                    "    {:<12} {:>10.3} bn USD  {:>6.2}%{note}",
                    h.code,
                    h.value_usd * 1e-9,
                    h.share * 100.0,
                );
            }
            if !r.countries_outside.is_empty() {
                let _ = writeln!(
                    o,
                    "    also above the thresholds, but neither a region nor a listed member of the baseline (no duty placed): {}",
                    r.countries_outside.join(", ")
                );
            }
        }
    }
    for (k, p) in shown {
        let _ = writeln!(
            o,
            "\nrates in force, phase {} ({} to {}):",
            k + 1,
            p.start,
            p.end
        );
        let _ = writeln!(
            o,
            "  {:<12} {:<12} {:<18} {:>14} {:>16}  layers",
            "importer", "exporter", "sector", "additional", "rate"
        );
        // Group cells by (importer, exporter): one row when every sector has the same additional
        // duty and layers, one row per sector otherwise.
        let mut groups: BTreeMap<(RegionId, RegionId), Vec<&tariffsim_scenario::CellLayers>> =
            BTreeMap::new();
        for cell in &p.cells {
            groups
                .entry((cell.importer, cell.exporter))
                .or_default()
                .push(cell);
        }
        if groups.is_empty() {
            let _ = writeln!(o, "  (baseline rates only)");
        }
        for ((j, i), cells) in groups {
            // A layer covering part of the cell shows its share: `ieepa_can x 0.14`.
            let names = |c: &tariffsim_scenario::CellLayers| -> String {
                c.layers
                    .iter()
                    .enumerate()
                    .filter_map(|(k, &l)| {
                        let name = sc.layers.get(l)?.name.as_str();
                        Some(match c.weights.get(k) {
                            Some(&w) if w < 1.0 => format!("{name} x {}", fmt_share(w)),
                            _ => name.to_string(),
                        })
                    })
                    .collect::<Vec<_>>()
                    .join(" + ")
            };
            let first = cells[0];
            let uniform = cells.len() == b.n_sectors()
                && cells.iter().all(|c| {
                    (c.additional() - first.additional()).abs() < 1e-12
                        && c.layers == first.layers
                        && c.weights == first.weights
                });
            if uniform {
                let lo = cells.iter().map(|c| c.rate).fold(f64::INFINITY, f64::min);
                let hi = cells
                    .iter()
                    .map(|c| c.rate)
                    .fold(f64::NEG_INFINITY, f64::max);
                let r2 = |x: f64| fmt_pct((x * 1e4).round() / 1e4);
                let rate = if hi - lo < 1e-12 {
                    format!("{}%", r2(lo))
                } else {
                    format!("{}-{}%", r2(lo), r2(hi))
                };
                let _ = writeln!(
                    o,
                    "  {:<12} {:<12} {:<18} {:>14} {:>16}  {}",
                    b.regions().code(j),
                    b.regions().code(i),
                    "* (all)",
                    format!("{}%", fmt_pct(first.additional())),
                    rate,
                    names(first)
                );
            } else {
                for c in cells {
                    let _ = writeln!(
                        o,
                        "  {:<12} {:<12} {:<18} {:>14} {:>16}  {}",
                        b.regions().code(j),
                        b.regions().code(i),
                        b.sectors().code(c.sector),
                        format!("{}%", fmt_pct(c.additional())),
                        format!("{}%", fmt_pct(c.rate)),
                        names(c)
                    );
                }
            }
        }
    }
    o
}
