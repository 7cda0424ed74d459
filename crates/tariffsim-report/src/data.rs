//! Reading a finished run directory for plotting: manifest, summary, point results, timeline,
//! and selected columns of `draws.csv`, streamed (never every column of every row).

use crate::ReportError;
use crate::prefix_csv::PrefixReader;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tariffsim_runner::output::{Manifest, MetricSummary, RunSummary};
use tariffsim_runner::stats::Summary;
use tariffsim_runner::timeline::Timeline;

/// Everything but the draws.
pub struct RunData {
    /// The run directory.
    pub dir: PathBuf,
    /// `manifest.json`.
    pub manifest: Manifest,
    /// `summary.json`.
    pub summary: RunSummary,
    /// Period point estimates from `phases.csv` (metric → value), empty when absent.
    pub point: HashMap<String, f64>,
    /// `timeline.csv`, when present.
    pub timeline: Option<Timeline>,
    /// `backtest.json`, when the run is a backtest.
    pub backtest: Option<tariffsim_runner::backtest::BacktestReport>,
    /// Region code → display name (from the baseline when it can be loaded, else the code).
    names: HashMap<String, String>,
    /// Sector code → display name.
    sector_names: HashMap<String, String>,
    /// Focus importer and target codes (`None` only for a compare run of other metrics).
    pub focus: Option<(String, String)>,
}

fn read_text(path: &Path) -> Result<String, ReportError> {
    std::fs::read_to_string(path).map_err(|e| ReportError::io(path, e))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, ReportError> {
    let text = read_text(path)?;
    serde_json::from_str(&text).map_err(|e| ReportError::Format {
        path: path.to_path_buf(),
        detail: format!("not a tariffsim {what}: {e}"),
    })
}

/// Strips a compare prefix (`a:`, `b:`, `diff:`).
fn strip_side(name: &str) -> &str {
    name.split_once(':').map_or(name, |(_, rest)| rest)
}

/// Reads the period values of `phases.csv` (`phase,...,metric,value` with `phase = period`).
fn read_point(path: &Path) -> Result<HashMap<String, f64>, ReportError> {
    let mut out = HashMap::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(out);
    };
    let bad = |line: usize, detail: String| ReportError::Format {
        path: path.to_path_buf(),
        detail: format!("line {line}: {detail}"),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(phase), Some(metric), Some(value)) = (col("phase"), col("metric"), col("value"))
    else {
        return Err(bad(
            1,
            "expected columns `phase`, `metric` and `value`".into(),
        ));
    };
    for (k, record) in reader.records().enumerate() {
        let r = record.map_err(|e| bad(k + 2, e.to_string()))?;
        if r.get(phase) != Some("period") {
            continue;
        }
        let (Some(m), Some(v)) = (r.get(metric), r.get(value)) else {
            return Err(bad(k + 2, "missing fields".into()));
        };
        let v: f64 = v
            .parse()
            .map_err(|_| bad(k + 2, format!("value `{v}` is not a number")))?;
        if v.is_finite() {
            out.insert(m.to_string(), v);
        }
    }
    Ok(out)
}

/// Short display name: the name without a parenthesised list (`Other ASEAN (IDN, ...)` →
/// `Other ASEAN`), or the code when there is no name.
fn short_name(name: &str, code: &str) -> String {
    let s = name.split(" (").next().unwrap_or(name).trim();
    if s.is_empty() {
        code.to_string()
    } else {
        s.to_string()
    }
}

impl RunData {
    /// Loads a run directory (`manifest.json`, `summary.json`; `phases.csv` and `timeline.csv`
    /// when present).
    pub fn load(dir: &Path) -> Result<Self, ReportError> {
        if !dir.is_dir() {
            return Err(ReportError::io(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such run directory"),
            ));
        }
        let manifest: Manifest = read_json(&dir.join("manifest.json"), "manifest")?;
        let summary: RunSummary = tariffsim_runner::output::read_summary(dir)?;
        let point = read_point(&dir.join("phases.csv"))?;
        let tl_path = dir.join("timeline.csv");
        let timeline = if tl_path.is_file() {
            Some(Timeline::from_csv(&tl_path, &read_text(&tl_path)?)?)
        } else {
            None
        };
        let bt_path = dir.join("backtest.json");
        let backtest = if bt_path.is_file() {
            Some(read_json(&bt_path, "backtest report")?)
        } else {
            None
        };
        // The focus pair from `diversion_ratio.M.C` (or, in a compare run that does not
        // compare it, `imports.M.C`).
        let pair = |prefix: &str| {
            manifest
                .run
                .metrics
                .iter()
                .map(|m| strip_side(m))
                .find_map(|m| {
                    let rest = m.strip_prefix(prefix)?;
                    let (a, b) = rest.split_once('.')?;
                    (!b.contains(['.', '@'])).then(|| (a.to_string(), b.to_string()))
                })
        };
        let focus = pair("diversion_ratio.").or_else(|| pair("imports."));
        let mut names = HashMap::new();
        let mut sector_names = HashMap::new();
        if let Ok(b) = tariffsim_data::load(&manifest.run.baseline.name) {
            for r in b.regions().regions() {
                names.insert(r.code.clone(), short_name(&r.name, &r.code));
            }
            // A run on aggregated sectors names them as the aggregation did.
            let grouping = manifest
                .run
                .sectors
                .as_deref()
                .and_then(|g| tariffsim_core::SectorGrouping::parse(g, b.sectors()).ok());
            let sectors: Vec<tariffsim_core::Sector> = match &grouping {
                Some(g) => g.sectors().iter().map(|a| a.sector.clone()).collect(),
                None => b.sectors().sectors().to_vec(),
            };
            for s in &sectors {
                sector_names.insert(s.code.clone(), short_name(&s.name, &s.code));
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            manifest,
            summary,
            point,
            timeline,
            backtest,
            names,
            sector_names,
            focus,
        })
    }

    /// The display name of a region code.
    #[must_use]
    pub fn name(&self, code: &str) -> String {
        self.names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// The display name of a sampled parameter (`sigma.ELECTRONICS` → `σ · Electronics`).
    #[must_use]
    pub fn param_label(&self, param: &str) -> String {
        let Some((family, sector)) = param.split_once('.') else {
            return param.to_string();
        };
        let symbol = match family {
            "sigma" => "σ",
            "eta" => "η",
            "eps" => "ε",
            other => other,
        };
        let sector = self
            .sector_names
            .get(sector)
            .cloned()
            .unwrap_or_else(|| sector.to_string());
        format!("{symbol} · {sector}")
    }

    /// A metric's summary.
    #[must_use]
    pub fn metric(&self, name: &str) -> Option<&Summary> {
        self.summary
            .metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| &m.summary)
    }

    /// Period metrics (no `@`) whose name starts with `prefix`, with the rest of the name.
    #[must_use]
    pub fn metrics_with_prefix<'a>(&'a self, prefix: &str) -> Vec<(String, &'a MetricSummary)> {
        self.summary
            .metrics
            .iter()
            .filter(|m| !m.name.contains('@'))
            .filter_map(|m| Some((m.name.strip_prefix(prefix)?.to_string(), m)))
            .collect()
    }

    /// The source line of every chart.
    #[must_use]
    pub fn source_line(&self) -> String {
        let r = &self.manifest.run;
        let b = &r.baseline;
        let mut hash = r.scenario_hash.clone();
        hash.truncate(12);
        format!(
            "Source: tariffsim {} · scenario {} ({}) · baseline {} {} · model {} ({} horizon) · {} draws ({} failed), {} sampler, seed {}",
            r.tariffsim_version,
            r.scenario,
            hash,
            b.name,
            b.version,
            r.model,
            r.horizon,
            group_thousands(self.summary.succeeded + self.summary.failed),
            group_thousands(self.summary.failed),
            r.sampler,
            r.seed
        )
    }
}

impl RunData {
    /// The focus pair, or an error naming the manifest.
    pub fn require_focus(&self) -> Result<(String, String), ReportError> {
        self.focus.clone().ok_or_else(|| ReportError::Format {
            path: self.dir.join("manifest.json"),
            detail: "the run has no `diversion_ratio.M.C` metric, so no focus pair to plot".into(),
        })
    }

    /// Whether this is a compare run (metric columns `a:`, `b:`, `diff:`).
    #[must_use]
    pub fn is_compare(&self) -> bool {
        self.manifest
            .run
            .metrics
            .iter()
            .any(|m| m.starts_with("a:"))
    }
}

/// `1234567` → `1,234,567`.
#[must_use]
pub fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (k, ch) in s.chars().enumerate() {
        if k > 0 && (s.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// One column request: the column's name and how many successful rows to keep at most.
pub struct ColumnRequest<'a> {
    /// Column name in `draws.csv`.
    pub name: &'a str,
    /// Keep at most this many values (the first successful draws).
    pub cap: usize,
}

/// Streams `draws.csv` and returns, for each requested column, its values over the successful
/// draws (in draw order, at most `cap` each). Failed draws are skipped; a non-numeric cell in a
/// successful draw, or a record too short for a requested column, is an error naming the line
/// (counted in records, the header being line 1). Each record is parsed only up to the last
/// column needed ([`PrefixReader`]): the requested columns are the parameters and a few metrics
/// near the front of a row hundreds of columns wide.
pub fn read_columns(
    dir: &Path,
    requests: &[ColumnRequest<'_>],
) -> Result<Vec<Vec<f64>>, ReportError> {
    let path = dir.join("draws.csv");
    let file = std::fs::File::open(&path).map_err(|e| ReportError::io(&path, e))?;
    let mut reader = PrefixReader::new(file);
    let bad = |line: u64, detail: String| ReportError::Format {
        path: path.clone(),
        detail: format!("line {line}: {detail}"),
    };
    let io = |e: std::io::Error| ReportError::io(&path, e);
    if !reader.next_record(usize::MAX).map_err(io)? {
        return Err(bad(1, "empty file: no header".into()));
    }
    let header: Vec<Vec<u8>> = (0..reader.len())
        .filter_map(|k| reader.field(k).map(std::borrow::Cow::into_owned))
        .collect();
    let index = |name: &str| header.iter().position(|h| h == name.as_bytes());
    let status = index("status").ok_or_else(|| bad(1, "no `status` column".into()))?;
    let cols: Vec<usize> = requests
        .iter()
        .map(|r| index(r.name).ok_or_else(|| bad(1, format!("no column `{}`", r.name))))
        .collect::<Result<_, _>>()?;
    let needed = cols.iter().copied().chain([status]).max().unwrap_or(status) + 1;
    let max_cap = requests.iter().map(|r| r.cap).max().unwrap_or(0);
    let mut out: Vec<Vec<f64>> = requests.iter().map(|_| Vec::new()).collect();
    let mut line = 1u64;
    let mut kept = 0usize;
    while reader.next_record(needed).map_err(io)? {
        line += 1;
        if reader.len() < needed {
            return Err(bad(
                line,
                format!(
                    "{} fields, the header has {} (a requested column is missing)",
                    reader.len(),
                    header.len()
                ),
            ));
        }
        match reader.field(status).as_deref() {
            Some(b"ok") => {}
            Some(b"failed") => continue,
            _ => return Err(bad(line, "status is neither `ok` nor `failed`".into())),
        }
        if kept >= max_cap {
            break;
        }
        for ((c, req), col) in cols.iter().zip(requests).zip(&mut out) {
            if col.len() >= req.cap {
                continue;
            }
            let field = reader.field(*c).unwrap_or_default();
            let v = std::str::from_utf8(&field)
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    bad(
                        line,
                        format!(
                            "column `{}`: `{}` is not a number",
                            req.name,
                            String::from_utf8_lossy(&field)
                        ),
                    )
                })?;
            col.push(v);
        }
        kept += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Requested columns over the successful draws, skipping failed draws whose reason holds a
    /// quoted comma and line break; caps per column; a record too short for a requested column
    /// and a non-numeric cell are errors naming their line.
    #[test]
    fn columns_are_read_from_draws_csv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("draws.csv");
        let write = |text: &str| std::fs::write(&path, text).unwrap();
        let req = |name, cap| ColumnRequest { name, cap };
        write(concat!(
            "draw,status,reason,sigma.A,m1,m2\n",
            "0,ok,,1.5,10,100\n",
            "1,failed,\"solver, \"\"armington\"\"\nstopped\",2.5,,\n",
            "2,ok,,3.5,30,300\r\n",
            "3,ok,,4.5,40,400",
        ));
        let cols = read_columns(dir.path(), &[req("m2", usize::MAX), req("sigma.A", 2)]).unwrap();
        assert_eq!(cols, vec![vec![100.0, 300.0, 400.0], vec![1.5, 3.5]]);
        write("draw,status,reason,sigma.A,m1,m2\n0,ok,,1.5,10,100\n1,ok,,2.5\n");
        let err = read_columns(dir.path(), &[req("m2", usize::MAX)]).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        write("draw,status,reason,sigma.A,m1,m2\n0,ok,,1.5,x,100\n");
        let err = read_columns(dir.path(), &[req("m1", usize::MAX)]).unwrap_err();
        assert!(
            err.to_string().contains("line 2") && err.to_string().contains("`x`"),
            "{err}"
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn short_names_drop_member_lists() {
        assert_eq!(
            short_name("Other ASEAN (IDN, MYS)", "ASEAN_OTH"),
            "Other ASEAN"
        );
        assert_eq!(short_name("Viet Nam", "VNM"), "Viet Nam");
        assert_eq!(short_name("", "VNM"), "VNM");
    }

    #[test]
    fn compare_prefixes_are_stripped() {
        assert_eq!(
            strip_side("a:diversion_ratio.USA.CHN"),
            "diversion_ratio.USA.CHN"
        );
        assert_eq!(
            strip_side("diversion_ratio.USA.CHN"),
            "diversion_ratio.USA.CHN"
        );
    }
}
