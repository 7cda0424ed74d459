//! Shards: the draws of shard K of N, and the merge of shard folders into the outputs one run
//! would write (bit-identical).

use super::run_dir::{LOCK_FILE, claim_run_dir};
use super::staged::Staged;
use super::summary::points_from_phases;
use super::writer::DrawWriter;
use super::{Manifest, RunSummary, read_manifest};
use crate::error::RunnerError;
use std::path::{Path, PathBuf};

/// The draws of shard `k` (1-based) of `n` over `draws` total: a contiguous range.
pub fn shard_range(draws: u64, k: u64, n: u64) -> Result<(u64, u64), RunnerError> {
    if n == 0 || k == 0 || k > n {
        return Err(RunnerError::Setting(format!(
            "shard `{k}/{n}`: expected K/N with 1 <= K <= N"
        )));
    }
    let at = |i: u64| ((u128::from(draws) * u128::from(i)) / u128::from(n)) as u64;
    Ok((at(k - 1), at(k)))
}

/// Merges shard directories into `out`: checks that the manifests agree and that every draw
/// appears exactly once, then writes the outputs a single run would — bit-identical.
/// Files other than `draws.csv`, `summary.json` and `manifest.json` (e.g. `phases.csv`) are
/// copied from the first shard after checking that every shard has identical copies.
pub fn merge(
    shards: &[PathBuf],
    out: &Path,
    memory_budget_bytes: usize,
) -> Result<RunSummary, RunnerError> {
    merge_with(shards, out, memory_budget_bytes, false)
}

/// [`merge`], also writing `draws_long.csv` when `long_draws` is set.
pub fn merge_with(
    shards: &[PathBuf],
    out: &Path,
    memory_budget_bytes: usize,
    long_draws: bool,
) -> Result<RunSummary, RunnerError> {
    if shards.is_empty() {
        return Err(RunnerError::Merge("no shard directories given".into()));
    }
    let mut manifests = Vec::new();
    for dir in shards {
        manifests.push((read_manifest(dir)?, dir.clone()));
    }
    let run = manifests[0].0.run.clone();
    for (m, dir) in &manifests {
        if m.run != run {
            let what = if m.run.scenario_hash != run.scenario_hash {
                "scenario hash"
            } else if m.run.seed != run.seed {
                "seed"
            } else if m.run.draws != run.draws {
                "total draws"
            } else if m.run.sampler != run.sampler {
                "sampler"
            } else if m.run.tariffsim_version != run.tariffsim_version {
                "tariffsim version"
            } else {
                "run settings"
            };
            return Err(RunnerError::Merge(format!(
                "`{}` has a different {what} from `{}`",
                dir.display(),
                manifests[0].1.display()
            )));
        }
    }
    manifests.sort_by_key(|(m, _)| (m.first, m.end));
    let mut expected = 0;
    for (m, dir) in &manifests {
        if m.first < expected {
            return Err(RunnerError::Merge(format!(
                "`{}` repeats draws {}..{} (overlapping shards)",
                dir.display(),
                m.first,
                expected.min(m.end)
            )));
        }
        if m.first > expected {
            return Err(RunnerError::Merge(format!(
                "draws {expected}..{} are in no shard (missing shard before `{}`)",
                m.first,
                dir.display()
            )));
        }
        expected = m.end;
    }
    if expected != run.draws {
        return Err(RunnerError::Merge(format!(
            "draws {expected}..{} are in no shard (missing shard)",
            run.draws
        )));
    }
    let manifest = Manifest {
        run: run.clone(),
        shard: 1,
        shards: 1,
        first: 0,
        end: run.draws,
        outcome: None,
    };
    // Everything is checked before anything is written: the files the shards share, then every
    // shard's draws (header names and order, draw indices, statuses, finite values).
    let first_dir = &manifests[0].1;
    let entries = std::fs::read_dir(first_dir).map_err(|e| RunnerError::io(first_dir, e))?;
    let mut extras = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ignore = [
            "draws.csv",
            "summary.json",
            "summary.csv",
            "manifest.json",
            LOCK_FILE,
        ]
        .contains(&name.as_str())
            || name.ends_with(".tmp")
            || !entry.path().is_file();
        if !ignore {
            extras.push(name);
        }
    }
    extras.sort();
    let mut extra_bytes = Vec::new();
    for name in extras {
        let bytes = std::fs::read(first_dir.join(&name))
            .map_err(|e| RunnerError::io(first_dir.join(&name), e))?;
        for (_, dir) in &manifests[1..] {
            let other =
                std::fs::read(dir.join(&name)).map_err(|e| RunnerError::io(dir.join(&name), e))?;
            if other != bytes {
                return Err(RunnerError::Merge(format!(
                    "`{name}` differs between `{}` and `{}`",
                    first_dir.display(),
                    dir.display()
                )));
            }
        }
        extra_bytes.push((name, bytes));
    }
    let width = run.params.len() + run.metrics.len();
    let mut header: Vec<String> = vec!["draw".into(), "status".into(), "reason".into()];
    header.extend(run.params.iter().cloned());
    header.extend(run.metrics.iter().cloned());
    for (m, dir) in &manifests {
        read_shard_rows(&dir.join("draws.csv"), m, &header, width, |_, _, _| Ok(()))?;
    }
    let _lock = claim_run_dir(out, false, &manifest.run.scenario)?;
    let mut writer = DrawWriter::create(out, manifest, memory_budget_bytes)?;
    writer.set_long_draws(long_draws);
    for (m, dir) in &manifests {
        read_shard_rows(
            &dir.join("draws.csv"),
            m,
            &header,
            width,
            |draw, row, reason| writer.push(draw, row, reason),
        )?;
    }
    if let Some((_, phases)) = extra_bytes.iter().find(|(n, _)| n == "phases.csv") {
        writer.set_point(points_from_phases(
            &String::from_utf8_lossy(phases),
            &run.metrics,
        ));
    }
    let mut staged = Staged::default();
    for (name, bytes) in extra_bytes {
        staged.write(&out.join(&name), &bytes)?;
    }
    let summary = writer.finish_staged(&mut staged)?;
    staged.commit()?;
    Ok(summary)
}

/// Reads a shard's `draws.csv`, checking its header against `header` (names and order), the
/// draw indices against its manifest, statuses, and that every value of a successful draw is a
/// finite number; hands each row to `f`.
fn read_shard_rows(
    path: &Path,
    m: &Manifest,
    header: &[String],
    width: usize,
    mut f: impl FnMut(u64, &[f64], Option<&str>) -> Result<(), RunnerError>,
) -> Result<(), RunnerError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| RunnerError::Format {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    let found = reader.headers().map_err(|e| RunnerError::Format {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    if found.len() != header.len() || found.iter().zip(header).any(|(a, b)| a != b) {
        let at = found
            .iter()
            .zip(header)
            .position(|(a, b)| a != b)
            .unwrap_or(found.len().min(header.len()));
        return Err(RunnerError::Merge(format!(
            "`{}`: its columns differ from the manifest's from column {} on (`{}` where `{}` was expected)",
            path.display(),
            at + 1,
            found.get(at).unwrap_or(""),
            header.get(at).map_or("", String::as_str)
        )));
    }
    let mut row = vec![0.0; width];
    let mut next = m.first;
    for (line, record) in reader.records().enumerate() {
        let bad = |detail: String| RunnerError::Format {
            path: path.to_path_buf(),
            detail: format!("line {}: {detail}", line + 2),
        };
        let record = record.map_err(|e| bad(e.to_string()))?;
        if record.len() != 3 + width {
            return Err(bad(format!(
                "{} fields, expected {}",
                record.len(),
                3 + width
            )));
        }
        let draw: u64 = record[0]
            .parse()
            .map_err(|_| bad("bad draw index".into()))?;
        if draw != next || draw >= m.end {
            return Err(bad(format!("draw {draw} where {next} was expected")));
        }
        let failed = match &record[1] {
            "ok" => false,
            "failed" => true,
            other => return Err(bad(format!("status `{other}`"))),
        };
        for (c, v) in row.iter_mut().enumerate() {
            let field = &record[3 + c];
            *v = if failed && field.is_empty() {
                0.0
            } else {
                let x: f64 = field
                    .parse()
                    .map_err(|_| bad(format!("`{field}` is not a number")))?;
                if !x.is_finite() {
                    return Err(bad(format!(
                        "`{field}` in column `{}` is not a finite number",
                        header[3 + c]
                    )));
                }
                x
            };
        }
        f(draw, &row, failed.then_some(&record[2]))?;
        next += 1;
    }
    if next != m.end {
        return Err(RunnerError::Merge(format!(
            "`{}` holds draws {}..{next} but its manifest says {}..{}",
            path.display(),
            m.first,
            m.first,
            m.end
        )));
    }
    Ok(())
}
