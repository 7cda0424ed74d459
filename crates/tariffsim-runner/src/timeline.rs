//! The tariff timeline of the focus pair: the effective additional tariff the focus importer `M`
//! levies on the target exporter `C` in each phase, by layer, as `timeline.csv`.
//!
//! The effective rate of a phase is trade-weighted over sectors by the baseline flows
//! `X[C→M, s]` (USD at exporter prices):
//!
//! `additional = Σ_s X_s (t_s − t0_s) / Σ_s X_s`
//!
//! where `t_s` is the rate in force in the phase and `t0_s` the baseline rate. When the baseline
//! has no trade at all from `C` to `M`, every sector weighs the same. Each cell's additional duty
//! is attributed to the layers that set it with the scenario's stacking rules (a `replace` layer
//! takes it all; otherwise the `add` layers their rates, unless a `max` layer is higher, which
//! then takes it all). A mirror retaliation layer's rate is read from the duty its imposer
//! levies in the same phase (capped); any rounding residual is spread over the layers in
//! proportion, so the layers of a phase always add up to its total.
//!
//! `timeline.csv` (long format, one row per phase and layer, then the phase's total):
//! `phase,start,end,days,importer,exporter,layer,origin,additional_rate,statutory_rate,sectors` —
//! `phase` is 1-based, `origin` is `layer`, `rule`, `retaliation` or `total`, `additional_rate`
//! the trade-weighted fraction above; `statutory_rate` the layer's own rate in the phase as the
//! scenario states it (empty for a mirror retaliation and the total), `sectors` the sector codes
//! of the focus pair the layer applies to in the phase, `;`-separated (`all` when it covers every
//! sector, empty when none). The statutory rate on the covered sectors beside the trade-weighted
//! rate is what tells "25% on steel" from "4% on everything".

use crate::error::RunnerError;
use std::fmt::Write as _;
use std::path::Path;
use tariffsim_core::{Baseline, SectorId};
use tariffsim_scenario::{CellLayers, LayerOrigin, LayerRate, Phase, Scenario, Stacking};

/// One phase of a [`Timeline`].
#[derive(Debug, Clone, PartialEq)]
pub struct TimelinePhase {
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Last day (inclusive), `YYYY-MM-DD`.
    pub end: String,
    /// Days in the phase.
    pub days: u32,
    /// Effective additional tariff of each layer (aligned with [`Timeline::layers`]), fraction.
    pub by_layer: Vec<f64>,
    /// Effective additional tariff of all layers, fraction.
    pub total: f64,
    /// Each layer's statutory rate in the phase (`None`: a mirror retaliation, or not read).
    pub statutory: Vec<Option<f64>>,
    /// Each layer's covered sectors of the focus pair in the phase (`all`, codes joined by `;`,
    /// or empty).
    pub sectors: Vec<String>,
}

/// The focus pair's tariff timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Focus importer code.
    pub importer: String,
    /// Target exporter code.
    pub exporter: String,
    /// Layer names and origins (`layer`, `rule`, `retaliation`) that touch the focus pair.
    pub layers: Vec<(String, String)>,
    /// The phases, in order.
    pub phases: Vec<TimelinePhase>,
}

fn origin_name(o: LayerOrigin) -> &'static str {
    match o {
        LayerOrigin::Layer => "layer",
        LayerOrigin::Rule => "rule",
        LayerOrigin::Retaliation => "retaliation",
    }
}

/// Each applying layer's share of a cell's additional duty (layer index, rate).
fn attribute(
    scenario: &Scenario,
    baseline: &Baseline,
    phase: &Phase,
    cell: &CellLayers,
) -> Vec<(usize, f64)> {
    let s = cell.sector;
    let value = |l: usize| -> f64 {
        let Some(layer) = scenario.layers.get(l) else {
            return 0.0;
        };
        match &layer.rate {
            LayerRate::Schedule { .. } => layer.scheduled_rate(phase.start).unwrap_or(0.0),
            LayerRate::Mirror { cap } => {
                let (Some(&by), Some(&imposer)) =
                    (layer.importers.first(), layer.exporters.first())
                else {
                    return 0.0;
                };
                if by.index() >= baseline.n_regions() || imposer.index() >= baseline.n_regions() {
                    return 0.0;
                }
                let extra =
                    (phase.tariffs.rate(by, imposer, s) - baseline.tariff(by, imposer, s)).max(0.0);
                cap.map_or(extra, |c| extra.min(c))
            }
        }
    };
    let stacking = |l: usize| scenario.layers.get(l).map_or(Stacking::Add, |x| x.stacking);
    let additional = cell.additional();
    let mut out: Vec<(usize, f64)> = Vec::with_capacity(cell.layers.len());
    if let Some(&r) = cell
        .layers
        .iter()
        .find(|&&l| stacking(l) == Stacking::Replace)
    {
        out.push((r, additional));
        return out;
    }
    // A layer covering part of the cell counts its weight times its rate (partial coverage).
    let weight = |k: usize| cell.weights.get(k).copied().unwrap_or(1.0);
    let add: f64 = cell
        .layers
        .iter()
        .enumerate()
        .filter(|&(_, &l)| stacking(l) == Stacking::Add)
        .map(|(k, &l)| weight(k) * value(l))
        .sum();
    let best_max = cell
        .layers
        .iter()
        .enumerate()
        .filter(|&(_, &l)| matches!(stacking(l), Stacking::Max | Stacking::Floor))
        .map(|(k, &l)| (l, value(l), weight(k)))
        .fold(
            None,
            |acc: Option<(usize, f64, f64)>, (l, v, w)| match acc {
                Some((_, m, _)) if m >= v => acc,
                _ => Some((l, v, w)),
            },
        );
    match best_max {
        // A fully covering `max` layer above the adds sets the duty alone.
        Some((l, m, w)) if w >= 1.0 && stacking(l) == Stacking::Max && m > add => {
            out.push((l, additional));
        }
        _ => {
            for (k, &l) in cell.layers.iter().enumerate() {
                if stacking(l) == Stacking::Add {
                    out.push((l, weight(k) * value(l)));
                }
            }
            // A floor (or partly covering max) tops the adds up: it gets the rest.
            if let Some((l, _, _)) = best_max {
                let rest = additional - add;
                if rest > 1e-12 {
                    out.push((l, rest));
                }
            }
        }
    }
    // Make the layers add up to the cell's duty exactly (mirror rates are read from the final
    // rates in force, which can differ from the first pass the scenario uses).
    let sum: f64 = out.iter().map(|(_, v)| v).sum();
    if (sum - additional).abs() > 1e-12 {
        if sum.abs() > 1e-12 {
            let k = additional / sum;
            for (_, v) in &mut out {
                *v *= k;
            }
        } else if let Some(first) = out.first_mut() {
            first.1 = additional;
        } else if let Some(&l) = cell.layers.first() {
            out.push((l, additional));
        }
    }
    out
}

/// Computes the focus pair's timeline (see the module docs).
#[must_use]
pub fn timeline(scenario: &Scenario, baseline: &Baseline) -> Timeline {
    let m = scenario.focus.importer;
    let c = scenario.focus.target;
    let ns = baseline.n_sectors();
    let n = baseline.n_regions();
    let in_range = m.index() < n && c.index() < n;
    let mut weights: Vec<f64> = if in_range {
        baseline
            .sectors()
            .ids()
            .map(|s| baseline.flow(c, m, s).max(0.0))
            .collect()
    } else {
        vec![0.0; ns]
    };
    if weights.iter().sum::<f64>() <= 0.0 {
        weights = vec![1.0; ns];
    }
    let total_weight: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    // Layers that touch the focus pair in some phase, in scenario order.
    let mut used = vec![false; scenario.layers.len()];
    let mut phases = Vec::with_capacity(scenario.phases.len());
    let mut raw: Vec<Vec<f64>> = Vec::with_capacity(scenario.phases.len());
    let mut covered_raw: Vec<Vec<Vec<SectorId>>> = Vec::with_capacity(scenario.phases.len());
    for phase in &scenario.phases {
        let mut by_layer = vec![0.0; scenario.layers.len()];
        let mut covered: Vec<Vec<SectorId>> = vec![Vec::new(); scenario.layers.len()];
        for cell in &phase.cells {
            if cell.importer != m || cell.exporter != c || cell.sector.index() >= ns {
                continue;
            }
            for &l in &cell.layers {
                if let Some(list) = covered.get_mut(l)
                    && !list.contains(&cell.sector)
                {
                    list.push(cell.sector);
                }
            }
            let w = weights[cell.sector.index()] / total_weight;
            for (l, v) in attribute(scenario, baseline, phase, cell) {
                if let Some(slot) = by_layer.get_mut(l) {
                    *slot += w * v;
                    used[l] = true;
                }
            }
        }
        let total = if in_range && phase.tariffs.n_regions() == n {
            baseline
                .sectors()
                .ids()
                .map(|s| {
                    weights[s.index()] * (phase.tariffs.rate(c, m, s) - baseline.tariff(c, m, s))
                })
                .sum::<f64>()
                / total_weight
        } else {
            by_layer.iter().sum()
        };
        raw.push(by_layer);
        covered_raw.push(covered);
        phases.push(TimelinePhase {
            start: phase.start.to_string(),
            end: phase.end.to_string(),
            days: phase.days,
            by_layer: Vec::new(),
            total: round_rate(total),
            statutory: Vec::new(),
            sectors: Vec::new(),
        });
    }
    let keep: Vec<usize> = (0..scenario.layers.len()).filter(|&l| used[l]).collect();
    let sector_list = |mut list: Vec<SectorId>| -> String {
        list.sort_unstable();
        if list.len() == ns && ns > 0 {
            return "all".into();
        }
        list.iter()
            .map(|&s| baseline.sectors().code(s))
            .collect::<Vec<_>>()
            .join(";")
    };
    for ((p, by_layer), (phase, covered)) in phases
        .iter_mut()
        .zip(raw)
        .zip(scenario.phases.iter().zip(covered_raw))
    {
        p.by_layer = keep.iter().map(|&l| round_rate(by_layer[l])).collect();
        p.statutory = keep
            .iter()
            .map(|&l| match &scenario.layers[l].rate {
                LayerRate::Schedule { .. } => scenario.layers[l]
                    .scheduled_rate(phase.start)
                    .map(round_rate),
                LayerRate::Mirror { .. } => None,
            })
            .collect();
        p.sectors = keep
            .iter()
            .map(|&l| sector_list(covered[l].clone()))
            .collect();
    }
    Timeline {
        importer: scenario.focus_codes.0.clone(),
        exporter: scenario.focus_codes.1.clone(),
        layers: keep
            .iter()
            .map(|&l| {
                let layer = &scenario.layers[l];
                (layer.name.clone(), origin_name(layer.origin).to_string())
            })
            .collect(),
        phases,
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A rate difference without the float noise of the subtraction that made it (`0.3 − 0.2` is
/// `0.09999999999999998`): rounded to 1e-12, far below any rate a schedule can state. Applied
/// when the timeline is built, so the chart, `timeline.csv` and a read-back agree exactly.
fn round_rate(v: f64) -> f64 {
    let r = (v * 1e12).round() / 1e12;
    if r == 0.0 { 0.0 } else { r }
}

impl Timeline {
    /// The `timeline.csv` text (see the module docs).
    #[must_use]
    pub fn to_csv(&self) -> String {
        let mut o = String::from(
            "phase,start,end,days,importer,exporter,layer,origin,additional_rate,statutory_rate,sectors\n",
        );
        for (k, p) in self.phases.iter().enumerate() {
            let rows = self
                .layers
                .iter()
                .enumerate()
                .map(|(l, (name, origin))| {
                    let statutory = p
                        .statutory
                        .get(l)
                        .copied()
                        .flatten()
                        .map(crate::output::fmt_f64)
                        .unwrap_or_default();
                    let sectors = p.sectors.get(l).cloned().unwrap_or_default();
                    let v = p.by_layer.get(l).copied().unwrap_or(0.0);
                    (name.as_str(), origin.as_str(), v, statutory, sectors)
                })
                .chain(std::iter::once((
                    "total",
                    "total",
                    p.total,
                    String::new(),
                    String::new(),
                )));
            for (name, origin, v, statutory, sectors) in rows {
                let _ = writeln!(
                    o,
                    "{},{},{},{},{},{},{},{},{},{},{}",
                    k + 1,
                    p.start,
                    p.end,
                    p.days,
                    csv_field(&self.importer),
                    csv_field(&self.exporter),
                    csv_field(name),
                    origin,
                    crate::output::fmt_f64(v),
                    statutory,
                    csv_field(&sectors)
                );
            }
        }
        o
    }

    /// Reads `timeline.csv` (as written by [`Timeline::to_csv`]); errors name the line.
    pub fn from_csv(path: &Path, text: &str) -> Result<Self, RunnerError> {
        let bad = |line: usize, detail: String| RunnerError::Format {
            path: path.to_path_buf(),
            detail: format!("line {line}: {detail}"),
        };
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let header = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
        let expected = [
            "phase",
            "start",
            "end",
            "days",
            "importer",
            "exporter",
            "layer",
            "origin",
            "additional_rate",
            "statutory_rate",
            "sectors",
        ];
        // Files written before the statutory columns existed have the first nine.
        let width = header.len();
        if !(width == 9 || width == expected.len())
            || header.iter().ne(expected[..width].iter().copied())
        {
            return Err(bad(1, format!("header should be `{}`", expected.join(","))));
        }
        let mut t = Timeline {
            importer: String::new(),
            exporter: String::new(),
            layers: Vec::new(),
            phases: Vec::new(),
        };
        let mut rows: Vec<(usize, String, f64, Option<f64>, String)> = Vec::new();
        for (k, record) in reader.records().enumerate() {
            let line = k + 2;
            let r = record.map_err(|e| bad(line, e.to_string()))?;
            if r.len() != width {
                return Err(bad(line, format!("{} fields, expected {width}", r.len())));
            }
            let statutory: Option<f64> = match r.get(9).unwrap_or_default() {
                "" => None,
                text => Some(
                    text.parse()
                        .ok()
                        .filter(|x: &f64| x.is_finite())
                        .ok_or_else(|| {
                            bad(line, format!("statutory rate `{text}` is not a number"))
                        })?,
                ),
            };
            let sectors = r.get(10).unwrap_or_default().to_string();
            let phase: usize = r[0]
                .parse()
                .ok()
                .filter(|&p| p >= 1)
                .ok_or_else(|| bad(line, format!("phase `{}` is not a number >= 1", &r[0])))?;
            let days: u32 = r[3]
                .parse()
                .map_err(|_| bad(line, format!("days `{}` is not a number", &r[3])))?;
            let v: f64 = r[8]
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite())
                .ok_or_else(|| bad(line, format!("rate `{}` is not a number", &r[8])))?;
            if phase > t.phases.len() + 1 {
                return Err(bad(line, format!("phase {phase} out of order")));
            }
            if phase == t.phases.len() + 1 {
                t.phases.push(TimelinePhase {
                    start: r[1].to_string(),
                    end: r[2].to_string(),
                    days,
                    by_layer: Vec::new(),
                    total: 0.0,
                    statutory: Vec::new(),
                    sectors: Vec::new(),
                });
            }
            t.importer = r[4].to_string();
            t.exporter = r[5].to_string();
            if &r[7] == "total" {
                if let Some(p) = t.phases.get_mut(phase - 1) {
                    p.total = v;
                }
            } else {
                if !t.layers.iter().any(|(n, _)| n == &r[6]) {
                    t.layers.push((r[6].to_string(), r[7].to_string()));
                }
                rows.push((phase - 1, r[6].to_string(), v, statutory, sectors));
            }
        }
        let nl = t.layers.len();
        for p in &mut t.phases {
            p.by_layer = vec![0.0; nl];
            p.statutory = vec![None; nl];
            p.sectors = vec![String::new(); nl];
        }
        for (p, name, v, statutory, sectors) in rows {
            if let (Some(ph), Some(l)) = (
                t.phases.get_mut(p),
                t.layers.iter().position(|(n, _)| *n == name),
            ) {
                ph.by_layer[l] = v;
                ph.statutory[l] = statutory;
                ph.sectors[l] = sectors;
            }
        }
        if t.phases.is_empty() {
            return Err(bad(2, "no phases".into()));
        }
        Ok(t)
    }
}

/// `timeline.csv` of a scenario: what `tariffsim run` writes into the run directory.
#[must_use]
pub fn timeline_csv(scenario: &Scenario, baseline: &Baseline) -> Vec<u8> {
    timeline(scenario, baseline).to_csv().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::round_rate;

    #[test]
    fn rates_are_written_without_subtraction_noise() {
        let noisy: f64 = 0.3 - 0.2; // 0.09999999999999998
        assert_ne!(noisy.to_bits(), 0.1_f64.to_bits());
        assert_eq!(crate::output::fmt_f64(round_rate(noisy)), "0.1");
        assert_eq!(crate::output::fmt_f64(round_rate(1.45 - 1e-17)), "1.45");
        assert_eq!(crate::output::fmt_f64(round_rate(-0.0)), "0");
        assert_eq!(crate::output::fmt_f64(round_rate(0.125)), "0.125");
    }
}
