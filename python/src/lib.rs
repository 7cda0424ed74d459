//! `tariffsim._tariffsim`: the Python extension module behind the `tariffsim` package. Thin calls
//! into the Rust library (the same entry points as the CLI: `tariffsim_scenario::load`,
//! `tariffsim_runner::job`, `tariffsim_report`), so results are the CLI's byte for byte. The
//! pandas-facing API is in `pysrc/tariffsim/__init__.py`.

use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::path::{Path, PathBuf};
use tariffsim_core::{Baseline, Horizon};
use tariffsim_runner::mc::RunSettings;
use tariffsim_scenario::{Document, LoadOptions, Scenario};

create_exception!(
    _tariffsim,
    ScenarioError,
    PyValueError,
    "An invalid scenario file (the message names the file, line and column)."
);
create_exception!(
    _tariffsim,
    RunError,
    PyRuntimeError,
    "A run that failed (solver, too many failed draws, files)."
);

/// Loads a scenario, optionally with an in-memory child (`overrides`: TOML text whose keys
/// override the file's, as a file that `extends` it would) — nothing is written to disk.
fn load(path: &str, overrides: Option<&str>) -> PyResult<(Scenario, Baseline)> {
    let scenario_err = |e: tariffsim_scenario::ScenarioError| ScenarioError::new_err(e.to_string());
    let path = PathBuf::from(path);
    let doc = match overrides {
        None => Document::load(&path).map_err(scenario_err)?,
        Some(text) => {
            let parent = std::fs::canonicalize(&path).map_err(|e| {
                ScenarioError::new_err(format!("error: cannot read `{}`: {e}", path.display()))
            })?;
            let dir = parent.parent().unwrap_or(Path::new(".")).to_path_buf();
            let child = dir.join("<overrides>.toml");
            let child_text = format!("extends = {:?}\n{text}", parent.display().to_string());
            let mut read = |p: &Path| -> std::io::Result<String> {
                if p == child {
                    Ok(child_text.clone())
                } else {
                    std::fs::read_to_string(p)
                }
            };
            Document::load_with(&child, &mut read).map_err(scenario_err)?
        }
    };
    // As the CLI: the baseline the file names, aggregated as its `[baseline] sectors` says.
    doc.resolve_with(&LoadOptions::default(), tariffsim_data::load)
        .map_err(scenario_err)
}

fn run_err(e: impl std::fmt::Display) -> PyErr {
    RunError::new_err(e.to_string())
}

/// A scenario at another horizon (as `--horizon`).
fn apply_horizon(sc: &mut Scenario, horizon: Option<&str>) -> PyResult<()> {
    if let Some(h) = horizon {
        sc.horizon = Horizon::from_name(h).ok_or_else(|| {
            PyValueError::new_err(format!(
                "unknown horizon `{h}`: one of {}",
                Horizon::NAMES.join(", ")
            ))
        })?;
    }
    Ok(())
}

/// Settings as the CLI makes them from the scenario and its flags.
fn settings(
    sc: &mut Scenario,
    out: &str,
    draws: Option<u64>,
    seed: Option<u64>,
    horizon: Option<&str>,
    threads: Option<usize>,
) -> PyResult<RunSettings> {
    apply_horizon(sc, horizon)?;
    let mut s = RunSettings::from_scenario(sc, PathBuf::from(out));
    if let Some(d) = draws {
        if d == 0 {
            return Err(PyValueError::new_err("draws must be at least 1"));
        }
        s.draws = d;
    }
    if let Some(seed) = seed {
        s.seed = seed;
    }
    if let Some(t) = threads {
        if t == 0 {
            return Err(PyValueError::new_err("threads must be at least 1"));
        }
        s.threads = t.min(4 * tariffsim_runner::mc::default_threads());
    }
    s.quiet = true;
    Ok(s)
}

/// Validates a scenario file; raises `ScenarioError` with the diagnostic.
#[pyfunction]
#[pyo3(signature = (path, overrides=None))]
fn check(path: &str, overrides: Option<&str>) -> PyResult<()> {
    load(path, overrides).map(|_| ())
}

/// Runs a scenario into `out` (point estimate, Monte Carlo, and with `plots` the charts and
/// report); returns the run folder.
#[pyfunction]
#[pyo3(signature = (path, out, draws=None, seed=None, horizon=None, threads=None, overrides=None, plots=false))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    path: &str,
    out: &str,
    draws: Option<u64>,
    seed: Option<u64>,
    horizon: Option<&str>,
    threads: Option<usize>,
    overrides: Option<&str>,
    plots: bool,
) -> PyResult<String> {
    let (mut sc, baseline) = load(path, overrides)?;
    let settings = settings(&mut sc, out, draws, seed, horizon, threads)?;
    let dir = py.detach(|| -> Result<PathBuf, String> {
        let done = tariffsim_runner::job::run_scenario(&sc, &baseline, &settings)
            .map_err(|e| e.to_string())?;
        if plots {
            tariffsim_report::render_dir(&done.outcome.dir).map_err(|e| e.to_string())?;
        }
        Ok(done.outcome.dir)
    });
    dir.map(|d| d.display().to_string()).map_err(run_err)
}

/// Compares two scenarios on common random numbers into `out`; returns the folder.
#[pyfunction]
#[pyo3(signature = (a, b, out, draws=None, seed=None, horizon=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn compare(
    py: Python<'_>,
    a: &str,
    b: &str,
    out: &str,
    draws: Option<u64>,
    seed: Option<u64>,
    horizon: Option<&str>,
    threads: Option<usize>,
) -> PyResult<String> {
    let (mut sa, ba) = load(a, None)?;
    let (mut sb, bb) = load(b, None)?;
    apply_horizon(&mut sb, horizon)?;
    let settings = settings(&mut sa, out, draws, seed, horizon, threads)?;
    let dir = py.detach(|| {
        tariffsim_runner::job::compare((&sa, &ba), (&sb, &bb), &settings)
            .map(|o| o.dir)
            .map_err(|e| e.to_string())
    });
    dir.map(|d| d.display().to_string()).map_err(run_err)
}

/// Writes a baseline (a builtin name or a path) in long CSV form into `out`; returns the folder.
#[pyfunction]
fn baseline_export(name: &str, out: &str) -> PyResult<String> {
    let b = tariffsim_data::load(name).map_err(|e| PyValueError::new_err(e.to_string()))?;
    tariffsim_data::csvio::write_dir(&b, Path::new(out)).map_err(run_err)?;
    Ok(out.to_string())
}

/// The JSON Schema of scenario files, as text.
#[pyfunction]
fn schema() -> PyResult<String> {
    serde_json::to_string_pretty(&tariffsim_scenario::schema::json_schema()).map_err(run_err)
}

/// The module.
#[pymodule]
fn _tariffsim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(baseline_export, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("RunError", m.py().get_type::<RunError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
