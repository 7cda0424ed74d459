//! The timeline: the rates in force on each day, computed from the layers and the baseline, cut
//! into phases at every date on which any rate changes.
//!
//! On a cell (exporter `i`, importer `j`, sector `s`) on date `d`, with `t0` the baseline rate:
//! 1. the layers in force on `d` that select the cell apply, except a layer displaced by another
//!    applying layer that lists it in `exclusive_with`;
//! 2. if a `replace` layer applies, the rate is its rate (two `replace` layers are an error);
//! 3. otherwise the additional duty is `A = sum of add rates`, raised to the largest `max` rate
//!    if that is higher, and the rate is `t0 + A`; a `floor` layer raises the rate in force
//!    `t0 + A` to its rate.
//!
//! Partial coverage (a layer's `coverage`, or member countries inside an aggregate exporter)
//! enters as an ad valorem equivalent: a layer covering share `w` of the cell's trade counts
//! `w × rate` for `add`; `add + w × max(r − base − add, 0)` for `max` (base 0) and `floor`
//! (base `t0`); a `replace` layer sets `w × r + (1 − w) × (rate without it)`. A layer displaced
//! by an `exclusive_with` layer of weight `w'` keeps `(1 − w')` of its own weight — the two
//! coverages are taken as independent within the cell. With full coverage every formula is the
//! one above, bit for bit.
//!
//! Mirror retaliation reads the additional duty the imposer levies on the retaliating country in
//! the same sector, computed from every non-retaliation layer (first pass), capped.

use crate::context::{Cx, fmt_pct};
use crate::date::Date;
use crate::error::Result;
use crate::scenario::{CellLayers, Layer, LayerRate, Phase, Stacking, is_full};
use tariffsim_core::Tariffs;

pub(crate) fn build(cx: &Cx<'_>, layers: &[Layer], start: Date, end: Date) -> Result<Vec<Phase>> {
    let mut dates: Vec<Date> = layers
        .iter()
        .flat_map(Layer::change_dates)
        .filter(|d| *d > start && *d <= end)
        .collect();
    dates.push(start);
    dates.push(end.succ());
    dates.sort_unstable();
    dates.dedup();
    let n = cx.baseline.n_regions();
    let ns = cx.baseline.n_sectors();
    let mut phases: Vec<Phase> = Vec::new();
    for w in dates.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (rates, cells) = eval(cx, layers, a)?;
        let days = u32::try_from(b.days_since(a)).unwrap_or(u32::MAX);
        if let Some(last) = phases.last_mut() {
            let same_rates = last
                .tariffs
                .rates()
                .iter()
                .zip(&rates)
                .all(|(x, y)| x.to_bits() == y.to_bits());
            let same_cells = last.cells.len() == cells.len()
                && last.cells.iter().zip(&cells).all(|(x, y)| {
                    x.layers == y.layers
                        && x.weights.len() == y.weights.len()
                        && x.weights
                            .iter()
                            .zip(&y.weights)
                            .all(|(a, b)| a.to_bits() == b.to_bits())
                        && (x.exporter, x.importer, x.sector) == (y.exporter, y.importer, y.sector)
                });
            if same_rates && same_cells {
                last.end = b.pred();
                last.days = last.days.saturating_add(days);
                continue;
            }
        }
        let tariffs = Tariffs::new(n, ns, rates).map_err(|e| {
            cx.err(
                layers
                    .first()
                    .map_or_else(Default::default, |l| l.stacking_loc),
                format!("invalid rates on {a}: {e}"),
            )
        })?;
        phases.push(Phase {
            start: a,
            end: b.pred(),
            days,
            tariffs,
            cells,
        });
    }
    Ok(phases)
}

/// Rates in force and per-cell attributions on `date`.
fn eval(cx: &Cx<'_>, layers: &[Layer], date: Date) -> Result<(Vec<f64>, Vec<CellLayers>)> {
    let (first, _) = combine(cx, layers, date, None)?;
    combine(cx, layers, date, Some(&first))
}

fn combine(
    cx: &Cx<'_>,
    layers: &[Layer],
    date: Date,
    first_pass: Option<&[f64]>,
) -> Result<(Vec<f64>, Vec<CellLayers>)> {
    let b = cx.baseline;
    let n = b.n_regions();
    let ns = b.n_sectors();
    let base = b.tariffs();
    let mut lists: Vec<Vec<usize>> = vec![Vec::new(); n * n * ns];
    // value[l][s]: layer l's rate in sector s on this date (mirror layers vary by sector).
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); layers.len()];
    for (l, layer) in layers.iter().enumerate() {
        if !layer.in_force(date) {
            continue;
        }
        let v = match (&layer.rate, first_pass) {
            (LayerRate::Schedule { .. }, _) => match layer.scheduled_rate(date) {
                Some(r) => vec![r; ns],
                None => continue,
            },
            (LayerRate::Mirror { .. }, None) => continue,
            (LayerRate::Mirror { cap }, Some(first)) => {
                // Retaliating country = importer, imposer = exporter of this layer; the rate to
                // mirror is the one the imposer levies on the retaliating country's goods.
                let (by, imposer) = (layer.importers[0], layer.exporters[0]);
                b.sectors()
                    .ids()
                    .map(|s| {
                        let k = b.index(by.index(), imposer.index(), s.index());
                        let extra = (first[k] - base[k]).max(0.0);
                        cap.map_or(extra, |c| extra.min(c))
                    })
                    .collect()
            }
        };
        values[l] = v;
        for &s in &layer.sectors {
            for &i in &layer.exporters {
                for &j in &layer.importers {
                    if i != j || layer.internal {
                        lists[b.index(i.index(), j.index(), s.index())].push(l);
                    }
                }
            }
        }
    }
    let mut rates = base.to_vec();
    let mut cells = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    for (k, list) in lists.iter_mut().enumerate() {
        if list.is_empty() {
            continue;
        }
        let (i, j, sector) = b.cell_of(k);
        let s = sector.index();
        let all = list.clone();
        let own: Vec<f64> = all
            .iter()
            .map(|&l| layers[l].weight(date, n, i, j, sector))
            .collect();
        // Displacement: a layer keeps (1 - w') of its weight per displacing layer of weight w'.
        // Only layers with `exclusive_with` displace: the scan is over them alone (a cell with
        // thousands of plain layers stays linear in their number).
        let displacers: Vec<(usize, f64)> = all
            .iter()
            .zip(&own)
            .filter(|(m, _)| !layers[**m].exclusive_idx.is_empty())
            .map(|(m, w)| (*m, *w))
            .collect();
        weights.clear();
        let mut kept = Vec::with_capacity(all.len());
        for (a, &l) in all.iter().enumerate() {
            let mut w = own[a];
            for &(m, wm) in &displacers {
                if m != l && layers[m].exclusive_idx.contains(&l) {
                    w *= 1.0 - wm;
                }
            }
            if w > 0.0 {
                kept.push(l);
                weights.push(w);
            }
        }
        *list = kept;
        if list.is_empty() {
            continue;
        }
        let mut replace: Option<(usize, f64)> = None;
        let mut add = 0.0;
        for (&l, &w) in list.iter().zip(&weights) {
            let v = values[l][s];
            match layers[l].stacking {
                Stacking::Add => add += if is_full(w) { v } else { w * v },
                Stacking::Max | Stacking::Floor => {}
                Stacking::Replace => {
                    if let Some((r, _)) = replace {
                        let code = |x| b.regions().code(x);
                        return Err(cx
                            .doc
                            .diag(
                                layers[l].stacking_loc,
                                format!(
                                    "overlapping `replace` layers `{}` and `{}` on {} -> {}, sector {}, on {date}",
                                    layers[r].name,
                                    layers[l].name,
                                    code(i),
                                    code(j),
                                    b.sectors().code(sector)
                                ),
                            )
                            .expected("at most one `replace` layer in force on a cell on any day")
                            .hint("end one layer before the other starts, or use `exclusive_with`")
                            .into());
                    }
                    replace = Some((l, w));
                }
            }
        }
        // `max` and `floor`: the largest total additional duty any of them implies.
        let mut additional = add;
        for (&l, &w) in list.iter().zip(&weights) {
            let floor_base = match layers[l].stacking {
                Stacking::Max => 0.0,
                Stacking::Floor => base[k],
                _ => continue,
            };
            let v = values[l][s] - floor_base;
            let candidate = if is_full(w) {
                add.max(v)
            } else {
                add + w * (v - add).max(0.0)
            };
            additional = additional.max(candidate);
        }
        let rate = match replace {
            Some((r, w)) if is_full(w) => values[r][s],
            Some((r, w)) => w * values[r][s] + (1.0 - w) * (base[k] + additional),
            None => base[k] + additional,
        };
        if !(rate.is_finite() && rate > -1.0) {
            let l = list.first().copied().unwrap_or(0);
            return Err(cx.err(
                layers[l].stacking_loc,
                format!("the rate in force would be {}% on {date}", fmt_pct(rate)),
            ));
        }
        rates[k] = rate;
        if first_pass.is_some() {
            cells.push(CellLayers {
                exporter: i,
                importer: j,
                sector,
                baseline_rate: base[k],
                rate,
                layers: list.clone(),
                // Empty when every layer covers the whole cell (the common case: half the memory).
                weights: if weights.iter().all(|w| crate::scenario::is_full(*w)) {
                    Vec::new()
                } else {
                    weights.clone()
                },
            });
        }
    }
    Ok((rates, cells))
}
