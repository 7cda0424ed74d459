//! [`DrawWriter`]: streams the draws' rows to `draws.csv`, keeps their values for the summary (in
//! memory, or in the column store `draws.bin.tmp`) and finishes the run's files.

use super::draws_long::write_draws_long;
use super::format::{json_bytes, row_line};
use super::staged::{Staged, tmp_path};
use super::summary::{summarize_columns, summary_csv};
use super::{Manifest, MetricSummary, RunSummary};
use crate::engine::Chunk;
use crate::error::RunnerError;
use crate::stats::Summary;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Streams draws into a run directory and finishes it with a summary.
pub struct DrawWriter {
    dir: PathBuf,
    manifest: Manifest,
    /// `draws.csv.tmp`: the header through the `csv` crate, the rows as built by [`row_line`].
    csv: BufWriter<File>,
    /// Where the values are kept for the summary.
    values: Values,
    /// Memory for the summary (see [`Self::create`]).
    memory_budget_bytes: usize,
    width: usize,
    ok: Vec<bool>,
    next_draw: u64,
    failures_by_reason: BTreeMap<String, u64>,
    first_failures: Vec<(u64, String)>,
    /// The CSV line being written (reused: no allocation per row once grown).
    line: Vec<u8>,
    /// [`Self::finish`] renamed `draws.csv` into place: nothing to clean up on drop.
    finished: bool,
    /// Point estimates of the metrics (empty: none).
    point: Vec<Option<f64>>,
    /// Also write `draws_long.csv`.
    long_draws: bool,
}

/// A writer dropped before [`DrawWriter::finish`] completed (the draws or the sink failed, or
/// finishing failed) deletes its temporary files, so a failed run leaves no partial output
/// behind; only a killed process can leave a `.tmp` file (never mistaken for output).
impl Drop for DrawWriter {
    fn drop(&mut self) {
        if !self.finished {
            for name in ["draws.csv.tmp", "draws.bin.tmp"] {
                let _ = std::fs::remove_file(self.dir.join(name));
            }
        }
    }
}

/// Where a [`DrawWriter`] keeps the draws' values for the summary.
enum Values {
    /// Every row, row-major, in `draws.bin.tmp` (read back a block of columns at a time).
    Store(BufWriter<File>),
    /// The successful draws' values by column, when the whole run fits the memory budget
    /// ([`DrawWriter::create`]).
    Memory(Vec<Vec<f64>>),
}

impl DrawWriter {
    /// Opens `dir` (created if needed) for the draws `manifest.first..manifest.end`, with
    /// `memory_budget_bytes` for the summary: when every draw's values fit in it they are kept in
    /// memory, column by column (the summary then needs no pass over a column store, which is read
    /// back and transposed after the draws, on the critical path of a run); otherwise they go to
    /// the column store `draws.bin.tmp`, read back that much at a time. Same values in the same
    /// order either way, so the same summary (tested).
    pub fn create(
        dir: &Path,
        manifest: Manifest,
        memory_budget_bytes: usize,
    ) -> Result<Self, RunnerError> {
        std::fs::create_dir_all(dir).map_err(|e| RunnerError::io(dir, e))?;
        let csv_tmp = tmp_path(&dir.join("draws.csv"));
        let file = File::create(&csv_tmp).map_err(|e| RunnerError::io(&csv_tmp, e))?;
        let mut csv = BufWriter::new(file);
        let mut header: Vec<String> = vec!["draw".into(), "status".into(), "reason".into()];
        header.extend(manifest.run.params.iter().cloned());
        header.extend(manifest.run.metrics.iter().cloned());
        let mut header_csv = csv::WriterBuilder::new().from_writer(Vec::new());
        let format_error = |e: &dyn std::fmt::Display| RunnerError::Format {
            path: csv_tmp.clone(),
            detail: e.to_string(),
        };
        header_csv
            .write_record(&header)
            .map_err(|e| format_error(&e))?;
        let header_bytes = header_csv.into_inner().map_err(|e| format_error(&e))?;
        csv.write_all(&header_bytes)
            .map_err(|e| RunnerError::io(&csv_tmp, e))?;
        let width = manifest.run.params.len() + manifest.run.metrics.len();
        let span = manifest.end.saturating_sub(manifest.first);
        let rows = usize::try_from(span).unwrap_or(usize::MAX);
        let fits = rows
            .checked_mul(width)
            .and_then(|v| v.checked_mul(8))
            .is_some_and(|bytes| bytes <= memory_budget_bytes);
        let values = if fits {
            Values::Memory((0..width).map(|_| Vec::with_capacity(rows)).collect())
        } else {
            let store_path = dir.join("draws.bin.tmp");
            let store = File::create(&store_path).map_err(|e| RunnerError::io(&store_path, e))?;
            Values::Store(BufWriter::new(store))
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            next_draw: manifest.first,
            manifest,
            csv,
            values,
            memory_budget_bytes,
            width,
            ok: Vec::new(),
            failures_by_reason: BTreeMap::new(),
            first_failures: Vec::new(),
            line: Vec::new(),
            finished: false,
            point: Vec::new(),
            long_draws: false,
        })
    }

    /// The text of one row as this writer writes it, for [`crate::engine::Plan::text`]: the
    /// workers form the lines in parallel and the sink only writes them.
    pub fn row_text(&self) -> impl Fn(u64, &[f64], Option<&str>, &mut Vec<u8>) + Sync + use<> {
        let n_params = self.manifest.run.params.len();
        move |draw, row, reason, text| row_line(text, draw, row, n_params, reason)
    }

    /// Appends one draw (in draw order). `reason` is `Some` for a failed draw.
    pub fn push(
        &mut self,
        draw: u64,
        row: &[f64],
        reason: Option<&str>,
    ) -> Result<(), RunnerError> {
        self.push_with_text(draw, row, reason, None)
    }

    /// [`Self::push`] with the row's line already formed by [`Self::row_text`], if given.
    fn push_with_text(
        &mut self,
        draw: u64,
        row: &[f64],
        reason: Option<&str>,
        text: Option<&[u8]>,
    ) -> Result<(), RunnerError> {
        if draw != self.next_draw || row.len() != self.width {
            return Err(RunnerError::Setting(format!(
                "internal: draw {draw} out of order (expected {}) or row width {} != {}",
                self.next_draw,
                row.len(),
                self.width
            )));
        }
        self.next_draw += 1;
        let n_params = self.manifest.run.params.len();
        let line = match text {
            Some(text) => text,
            None => {
                row_line(&mut self.line, draw, row, n_params, reason);
                &self.line
            }
        };
        self.csv
            .write_all(line)
            .map_err(|e| RunnerError::io(self.dir.join("draws.csv.tmp"), e))?;
        if let Some(r) = reason {
            *self.failures_by_reason.entry(r.to_string()).or_insert(0) += 1;
            if self.first_failures.len() < 20 {
                self.first_failures.push((draw, r.to_string()));
            }
        }
        self.ok.push(reason.is_none());
        match &mut self.values {
            Values::Memory(columns) => {
                if reason.is_none() {
                    for (column, &x) in columns.iter_mut().zip(row) {
                        column.push(x);
                    }
                }
            }
            Values::Store(store) => {
                for &x in row {
                    store
                        .write_all(&x.to_le_bytes())
                        .map_err(|e| RunnerError::io(self.dir.join("draws.bin.tmp"), e))?;
                }
            }
        }
        Ok(())
    }

    /// Appends a chunk from the engine.
    pub fn push_chunk(&mut self, chunk: &Chunk<'_>) -> Result<(), RunnerError> {
        for i in 0..chunk.len() {
            self.push_with_text(
                chunk.first + i as u64,
                chunk.row(i),
                chunk.status[i].as_deref(),
                chunk.text.map(|t| t[i].as_slice()),
            )?;
        }
        Ok(())
    }

    /// Number of failed draws so far.
    #[must_use]
    pub fn failed(&self) -> u64 {
        self.ok.iter().filter(|ok| !**ok).count() as u64
    }

    /// Summaries of every column of the column store at `store_path` (successful draws only),
    /// reading it a block of columns at a time so that a block of `n_ok` values per column fits
    /// `memory_budget_bytes`.
    fn summarize_store(
        &self,
        store_path: &Path,
        memory_budget_bytes: usize,
        n_ok: usize,
    ) -> Result<Vec<Summary>, RunnerError> {
        let block = (memory_budget_bytes / (8 * n_ok.max(1))).clamp(1, self.width.max(1));
        let mut summaries = Vec::with_capacity(self.width);
        let mut columns: Vec<Vec<f64>> = Vec::new();
        let mut row = vec![0u8; 8 * self.width];
        let mut c0 = 0;
        while c0 < self.width {
            let c1 = (c0 + block).min(self.width);
            columns.clear();
            columns.resize_with(c1 - c0, || Vec::with_capacity(n_ok));
            let file = File::open(store_path).map_err(|e| RunnerError::io(store_path, e))?;
            let mut reader = BufReader::with_capacity(1 << 20, file);
            for &ok in &self.ok {
                reader
                    .read_exact(&mut row)
                    .map_err(|e| RunnerError::io(store_path, e))?;
                if !ok {
                    continue;
                }
                for (c, col) in (c0..c1).zip(columns.iter_mut()) {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&row[8 * c..8 * c + 8]);
                    col.push(f64::from_le_bytes(b));
                }
            }
            summaries.extend(summarize_columns(&mut columns));
            c0 = c1;
        }
        Ok(summaries)
    }

    /// Sets the point estimates of the metrics (aligned with the manifest's metric names, e.g.
    /// from [`points_from_phases`](super::points_from_phases)): written beside the statistics in
    /// the summary files.
    pub fn set_point(&mut self, point: Vec<Option<f64>>) {
        self.point = point;
    }

    /// Also writes `draws_long.csv` (`draw,metric,period,value`, one line per value of every
    /// successful draw, the same text as `draws.csv`) when the run finishes.
    pub fn set_long_draws(&mut self, long: bool) {
        self.long_draws = long;
    }

    /// Flushes, summarises and renames every file into place. Returns the summary.
    pub fn finish(self) -> Result<RunSummary, RunnerError> {
        let mut staged = Staged::default();
        let summary = self.finish_staged(&mut staged)?;
        staged.commit()?;
        Ok(summary)
    }

    /// Flushes and summarises; `draws.csv`, `summary.json`, `summary.csv` and `manifest.json`
    /// are left under temporary names in `staged` (manifest last: a folder with a
    /// `manifest.json` is complete), for the caller to commit with its other files.
    pub fn finish_staged(mut self, staged: &mut Staged) -> Result<RunSummary, RunnerError> {
        if self.next_draw != self.manifest.end {
            return Err(RunnerError::Setting(format!(
                "internal: run ended at draw {} instead of {}",
                self.next_draw, self.manifest.end
            )));
        }
        let csv_tmp = self.dir.join("draws.csv.tmp");
        self.csv.flush().map_err(|e| RunnerError::io(&csv_tmp, e))?;
        let store_path = self.dir.join("draws.bin.tmp");
        let n_rows = self.ok.len();
        let n_ok = self.ok.iter().filter(|x| **x).count();
        let summaries = match std::mem::replace(&mut self.values, Values::Memory(Vec::new())) {
            Values::Memory(mut columns) => summarize_columns(&mut columns),
            Values::Store(mut store) => {
                store.flush().map_err(|e| RunnerError::io(&store_path, e))?;
                drop(store);
                let summaries =
                    self.summarize_store(&store_path, self.memory_budget_bytes, n_ok)?;
                std::fs::remove_file(&store_path).map_err(|e| RunnerError::io(&store_path, e))?;
                summaries
            }
        };
        let n_params = self.manifest.run.params.len();
        let point = &self.point;
        let named = |names: &[String], stats: &[Summary], with_point: bool| {
            names
                .iter()
                .zip(stats)
                .enumerate()
                .map(|(k, (name, s))| MetricSummary {
                    name: name.clone(),
                    point: if with_point {
                        point.get(k).copied().flatten()
                    } else {
                        None
                    },
                    summary: *s,
                })
                .collect::<Vec<_>>()
        };
        let summary = RunSummary {
            run: self.manifest.run.clone(),
            succeeded: n_ok as u64,
            failed: (n_rows - n_ok) as u64,
            failures_by_reason: std::mem::take(&mut self.failures_by_reason),
            first_failures: std::mem::take(&mut self.first_failures),
            params: named(
                &self.manifest.run.params,
                &summaries[..n_params.min(summaries.len())],
                false,
            ),
            metrics: named(
                &self.manifest.run.metrics,
                summaries.get(n_params..).unwrap_or_default(),
                true,
            ),
        };
        self.manifest.outcome = Some(summary.outcome());
        if self.long_draws {
            let long_tmp = self.dir.join("draws_long.csv.tmp");
            staged.adopt(long_tmp.clone(), self.dir.join("draws_long.csv"));
            write_draws_long(&csv_tmp, &long_tmp)?;
        }
        staged.adopt(csv_tmp, self.dir.join("draws.csv"));
        // From here the staged set owns the draws' temporary file.
        self.finished = true;
        staged.write(
            &self.dir.join("summary.json"),
            &json_bytes(&summary.records()),
        )?;
        staged.write(&self.dir.join("summary.csv"), &summary_csv(&summary))?;
        staged.write(&self.dir.join("manifest.json"), &json_bytes(&self.manifest))?;
        Ok(summary)
    }
}
