//! `draws_long.csv`: the long form of `draws.csv` (one line per value of a successful draw).

use crate::error::RunnerError;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

/// `draws_long.csv` from `draws.csv` at `wide`: one line per successful draw, parameter or
/// metric and period — `draw,metric,period,value` — the shape R's tidyverse (`read_csv`,
/// `ggplot`) and `pandas.pivot_table` want. Values are `draws.csv`'s text (the same bits); failed
/// draws are left out (their reasons stay in `draws.csv`). Plain CSV and not Parquet: it needs no
/// dependency, every tool reads it, and its size (a few dozen bytes per value) is fine at the
/// thousands of draws a scenario runs; `draws.csv` stays the compact wide file.
pub(super) fn write_draws_long(wide: &Path, long: &Path) -> Result<(), RunnerError> {
    let input = File::open(wide).map_err(|e| RunnerError::io(wide, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(BufReader::new(input));
    let header: Vec<(String, String)> = reader
        .headers()
        .map_err(|e| RunnerError::Format {
            path: wide.to_path_buf(),
            detail: e.to_string(),
        })?
        .iter()
        .map(|h| {
            let (m, p) = h.split_once('@').unwrap_or((h, "period"));
            (m.to_string(), p.to_string())
        })
        .collect();
    let file = File::create(long).map_err(|e| RunnerError::io(long, e))?;
    let mut out = BufWriter::new(file);
    let io = |e| RunnerError::io(long, e);
    out.write_all(b"draw,metric,period,value\n").map_err(io)?;
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader
            .read_record(&mut record)
            .map_err(|e| RunnerError::Format {
                path: wide.to_path_buf(),
                detail: e.to_string(),
            })?;
        if !more {
            break;
        }
        if record.get(1) != Some("ok") {
            continue;
        }
        let draw = record.get(0).unwrap_or_default();
        for ((metric, period), value) in header.iter().zip(record.iter()).skip(3) {
            writeln!(out, "{draw},{metric},{period},{value}").map_err(io)?;
        }
    }
    out.flush().map_err(io)
}
