//! `tariffsim demo`: a built-in shock on a small built-in example, no files needed.

use anyhow::Result;
use tariffsim_core::{
    Baseline, Elasticities, Eps, Eta, Focus, MetricCatalog, Model, Provenance, RegionSet,
    SectorSet, Sigma, TariffChange,
};

/// Arguments of `tariffsim demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Additional US tariff on China, percent.
    #[arg(long, default_value_t = 145.0)]
    pub tariff_pct: f64,
    /// Model: armington or gsim-linear.
    #[arg(long, default_value = "armington")]
    pub model: String,
}

/// A 5-region, 2-sector toy world (USD bn, rounded 2024 orders of magnitude; illustrative only).
fn example() -> Result<Baseline> {
    let regions = RegionSet::from_codes(&["USA", "CHN", "VNM", "MEX", "EU27"])?;
    let sectors = SectorSet::from_codes(&["GOODS_A", "GOODS_B"])?;
    #[rustfmt::skip]
    let per_sector: [[f64; 25]; 2] = [
        [   0.0,  80.0, 8.0, 180.0, 200.0,
          250.0,   0.0, 90.0, 50.0, 270.0,
           70.0,  30.0,  0.0,  3.0,  30.0,
          280.0,   8.0,  2.0,  0.0,  20.0,
          330.0, 150.0, 10.0, 40.0,   0.0 ],
        [   0.0,  60.0, 5.0, 150.0, 170.0,
          190.0,   0.0, 70.0, 40.0, 240.0,
           65.0,  20.0,  0.0,  2.0,  25.0,
          225.0,   7.0,  1.0,  0.0,  15.0,
          275.0, 120.0,  8.0, 30.0,   0.0 ],
    ];
    let flows: Vec<f64> = per_sector.iter().flatten().map(|v| v * 1e9).collect();
    Ok(Baseline::new(
        regions,
        sectors,
        flows,
        vec![0.03; 50]
            .into_iter()
            .enumerate()
            .map(|(k, t)| if k % 6 == 0 { 0.0 } else { t })
            .collect(),
        false,
        Provenance {
            name: "demo".into(),
            version: "0".into(),
            year: 2024,
            sources: vec!["built-in illustrative example".into()],
        },
    )?)
}

/// Runs the demo and prints the focus metrics.
pub fn run(args: &Args) -> Result<()> {
    let model = Model::from_name(&args.model).ok_or_else(|| {
        super::invalid(format!(
            "unknown model `{}`\nhint: one of {}",
            args.model,
            Model::NAMES.join(", ")
        ))
    })?;
    let baseline = example()?;
    let base = baseline.baseline_tariffs();
    let usa = baseline.regions().require("USA")?;
    let chn = baseline.regions().require("CHN")?;
    let tariffs =
        TariffChange::raise_all_sectors(&base, chn, usa, args.tariff_pct / 100.0).apply(&base)?;
    let elasticities =
        Elasticities::uniform(5, 2, Sigma::new(4.0)?, Eta::new(-1.5)?, Eps::new(10.0)?)?;
    let eq = model.solve(&baseline, &elasticities, &tariffs)?;
    let focus = Focus::from_codes(&baseline, "USA", "CHN")?;
    let metrics = MetricCatalog::new(&baseline, Some(focus)).evaluate(&baseline, &eq);
    println!(
        "demo: USA +{}% on CHN, model {}, sigma 4, eta -1.5, eps 10 (illustrative toy world)",
        args.tariff_pct,
        model.name()
    );
    for (name, value) in metrics.iter().filter(|(n, _)| {
        n.starts_with("imports.USA.CHN")
            || n.starts_with("diversion")
            || n.starts_with("deflection")
            || n.starts_with("welfare.")
            || n.starts_with("balance.")
    }) {
        println!("{name:<32} {value:>12.4}");
    }
    Ok(())
}
