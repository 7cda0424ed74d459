//! Effective tariff rates implied by a schedule on the baseline's own weights.
//!
//! The statutory, pre-substitution rate that trackers such as The Budget Lab at Yale's
//! `tariff-rate-tracker` publish: on a date, the rate in force on every (exporter, importer,
//! sector) cell weighted by the baseline's flows (USD at exporter prices) — no model response.
//! `etr_total` includes the baseline rate; `etr_additional` is the part the scenario adds. A cell
//! with partial coverage enters at its ad valorem equivalent (its import-weighted rate), which is
//! exactly what such trackers compute at the product level.

use crate::date::Date;
use crate::scenario::{Phase, Scenario};
use serde::Serialize;
use tariffsim_core::{Baseline, RegionId, SectorId};

/// How rows are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtrBy {
    /// One row per exporter, plus the total.
    Exporter,
    /// One row per sector, plus the total.
    Sector,
    /// One row per exporter and sector, plus per-exporter and overall totals.
    ExporterSector,
}

impl EtrBy {
    /// Names as written on the command line.
    pub const NAMES: &'static [&'static str] = &["exporter", "sector", "exporter,sector"];

    /// Parses a name.
    #[must_use]
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "exporter" => Some(Self::Exporter),
            "sector" => Some(Self::Sector),
            "exporter,sector" | "sector,exporter" => Some(Self::ExporterSector),
            _ => None,
        }
    }
}

/// One row: the import-weighted rate on `date` for `importer` over the selected exporters and
/// sectors (`"*"` = all).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EtrRow {
    /// The date.
    pub date: Date,
    /// Importer code.
    pub importer: String,
    /// Exporter code or `*`.
    pub exporter: String,
    /// Sector code or `*`.
    pub sector: String,
    /// Import-weighted rate in force (baseline included), a fraction.
    pub etr_total: f64,
    /// Import-weighted rate added by the scenario (rate in force minus baseline rate).
    pub etr_additional: f64,
    /// The weight: baseline imports of these cells, USD.
    pub imports_usd: f64,
}

/// Weighted sums of (rate, additional, weight) over the cells `(i, s)` yields, for `importer`.
fn weighted(
    b: &Baseline,
    phase: &Phase,
    importer: RegionId,
    cells: impl Iterator<Item = (RegionId, SectorId)>,
) -> (f64, f64, f64) {
    let (mut r, mut a, mut w) = (0.0, 0.0, 0.0);
    for (i, s) in cells {
        if i == importer {
            continue;
        }
        let f = b.flow(i, importer, s);
        if f == 0.0 {
            continue;
        }
        let rate = phase.tariffs.rate(i, importer, s);
        r += f * rate;
        a += f * (rate - b.tariff(i, importer, s));
        w += f;
    }
    (r, a, w)
}

/// The rows for `importer` on `date` (which must lie in the scenario period).
///
/// # Errors
/// The date is outside the period (the message names the period).
pub fn etr(
    sc: &Scenario,
    b: &Baseline,
    importer: RegionId,
    date: Date,
    by: EtrBy,
) -> Result<Vec<EtrRow>, String> {
    let phase = sc.phase_at(date).ok_or_else(|| {
        format!(
            "{date} is outside the scenario period {} to {}",
            sc.start, sc.end
        )
    })?;
    let (regions, sectors) = (b.regions(), b.sectors());
    let code = |i: RegionId| regions.code(i).to_string();
    let mut rows = Vec::new();
    let mut push = |exporter: String, sector: String, (r, a, w): (f64, f64, f64)| {
        if w > 0.0 {
            rows.push(EtrRow {
                date,
                importer: code(importer),
                exporter,
                sector,
                etr_total: r / w,
                etr_additional: a / w,
                imports_usd: w,
            });
        }
    };
    let star = || "*".to_string();
    match by {
        EtrBy::Exporter => {
            for i in regions.ids().filter(|&i| i != importer) {
                push(
                    code(i),
                    star(),
                    weighted(b, phase, importer, sectors.ids().map(|s| (i, s))),
                );
            }
        }
        EtrBy::Sector => {
            for s in sectors.ids() {
                push(
                    star(),
                    sectors.code(s).to_string(),
                    weighted(b, phase, importer, regions.ids().map(|i| (i, s))),
                );
            }
        }
        EtrBy::ExporterSector => {
            for i in regions.ids().filter(|&i| i != importer) {
                for s in sectors.ids() {
                    push(
                        code(i),
                        sectors.code(s).to_string(),
                        weighted(b, phase, importer, std::iter::once((i, s))),
                    );
                }
                push(
                    code(i),
                    star(),
                    weighted(b, phase, importer, sectors.ids().map(|s| (i, s))),
                );
            }
        }
    }
    push(star(), star(), weighted(b, phase, importer, all_cells(b)));
    Ok(rows)
}

/// The overall additional rate for `importer` on every day of the period, `(date, etr_total,
/// etr_additional)`: one value per phase, repeated over its days.
#[must_use]
pub fn daily(sc: &Scenario, b: &Baseline, importer: RegionId) -> Vec<(Date, f64, f64)> {
    let mut out = Vec::new();
    for phase in &sc.phases {
        let (r, a, w) = weighted(b, phase, importer, all_cells(b));
        let (t, x) = if w > 0.0 { (r / w, a / w) } else { (0.0, 0.0) };
        let mut d = phase.start;
        while d <= phase.end {
            out.push((d, t, x));
            d = d.succ();
        }
    }
    out
}

/// Every (exporter, sector) pair, exporter-major.
fn all_cells(b: &Baseline) -> impl Iterator<Item = (RegionId, SectorId)> + use<> {
    let sectors = b.sectors().ids();
    b.regions()
        .ids()
        .flat_map(move |i| sectors.clone().map(move |s| (i, s)))
}
