//! Claiming a run folder: its lock file, and what may be cleared before a run writes into it.

use super::Manifest;
use crate::error::RunnerError;
use std::path::{Path, PathBuf};

/// Name of the lock file a run holds in its folder while it writes.
pub const LOCK_FILE: &str = ".tariffsim.lock";

/// A run folder claimed by one run: the lock file is removed when this is dropped.
#[derive(Debug)]
pub struct RunDirLock {
    path: PathBuf,
}

impl Drop for RunDirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Claims `dir` for one run: creates it, takes its lock file exclusively (a second run into the
/// same folder is refused while the first holds it), and refuses a folder that already holds
/// files — another run's outputs would mix with this one's — unless `force`, which deletes its
/// files first (and takes over a lock left by a killed run); a folder with subfolders is never
/// cleared. A path that exists and is not a folder is refused. A folder that holds a finished run
/// of the same scenario (its `manifest.json` names `scenario`; no lock) is the same run done
/// again: it is cleared without `force`.
pub fn claim_run_dir(dir: &Path, force: bool, scenario: &str) -> Result<RunDirLock, RunnerError> {
    if dir.exists() && !dir.is_dir() {
        return Err(RunnerError::Setting(format!(
            "`{}` is not a directory: the output (`--out`) must be a directory",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| RunnerError::io(dir, e))?;
    let lock_path = dir.join(LOCK_FILE);
    let open = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock_path)
    };
    match open() {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && force => {
            std::fs::remove_file(&lock_path).map_err(|e| RunnerError::io(&lock_path, e))?;
            open().map_err(|e| RunnerError::io(&lock_path, e))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(RunnerError::Setting(format!(
                "run folder `{}` is in use by another run (`{LOCK_FILE}` present)\nhint: choose another `--out`; if no run is using it (a killed run left the lock), pass `--force`",
                dir.display()
            )));
        }
        Err(e) => return Err(RunnerError::io(&lock_path, e)),
    }
    let lock = RunDirLock { path: lock_path };
    let others: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| RunnerError::io(dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_none_or(|n| n != LOCK_FILE))
        .collect();
    // A finished run of the same scenario: rerunning it into its own folder replaces it.
    let same_run = || -> bool {
        std::fs::read_to_string(dir.join("manifest.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Manifest>(&t).ok())
            .is_some_and(|m| m.run.scenario == scenario)
    };
    if !others.is_empty() {
        if !force && !same_run() {
            let example = others
                .iter()
                .filter_map(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .min()
                .unwrap_or_default();
            return Err(RunnerError::Setting(format!(
                "run folder `{}` is not empty ({} entries, e.g. `{example}`) and does not hold a finished run of `{scenario}`: a run's outputs would mix with what is there\nhint: choose another `--out`, or pass `--force` to clear it first",
                dir.display(),
                others.len()
            )));
        }
        // A run folder holds files only: a folder with subfolders is not one (`--out .` or a
        // home directory), and `--force` never deletes a tree.
        if let Some(sub) = others.iter().find(|p| p.is_dir()) {
            return Err(RunnerError::Setting(format!(
                "`{}` holds the folder `{}`: it is not a run folder, and `--force` only clears files\nhint: choose another `--out`",
                dir.display(),
                sub.display()
            )));
        }
        for p in others {
            std::fs::remove_file(&p).map_err(|e| RunnerError::io(&p, e))?;
        }
    }
    Ok(lock)
}
