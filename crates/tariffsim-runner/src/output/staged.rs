//! Staged output: files written under temporary names and renamed into place together, and the
//! single-file atomic write.

use crate::error::RunnerError;
use std::path::{Path, PathBuf};

pub(super) fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Output files written under temporary names and renamed into place together by
/// [`Staged::commit`]: a run that fails anywhere before the commit (a disk full, too many failed
/// draws) leaves no final-named file; dropping an uncommitted set deletes its temporaries.
#[derive(Debug, Default)]
pub struct Staged {
    /// `(temporary, final)` paths, in commit order.
    files: Vec<(PathBuf, PathBuf)>,
    committed: bool,
}

/// Fault injection for the tests of debug builds: `TARIFFSIM_FAIL_OUTPUT=NAME` makes writing and
/// renaming the output file `NAME` fail as a full disk would. Compiled out of release builds.
fn injected_fault(path: &Path) -> Option<std::io::Error> {
    if cfg!(debug_assertions) {
        let name = std::env::var("TARIFFSIM_FAIL_OUTPUT").ok()?;
        let file = path.file_name()?.to_string_lossy();
        let file = file.strip_suffix(".tmp").unwrap_or(&file);
        if file == name {
            return Some(std::io::Error::other(format!(
                "injected fault (TARIFFSIM_FAIL_OUTPUT={name}): no space left on device"
            )));
        }
    }
    None
}

impl Staged {
    /// Writes `bytes` to `path`'s temporary name.
    pub fn write(&mut self, path: &Path, bytes: &[u8]) -> Result<(), RunnerError> {
        let tmp = tmp_path(path);
        if let Some(e) = injected_fault(path) {
            return Err(RunnerError::io(&tmp, e));
        }
        std::fs::write(&tmp, bytes).map_err(|e| RunnerError::io(&tmp, e))?;
        self.files.push((tmp, path.to_path_buf()));
        Ok(())
    }

    /// Adds a temporary file written elsewhere (`tmp` becomes `path` at the commit).
    pub fn adopt(&mut self, tmp: PathBuf, path: PathBuf) {
        self.files.push((tmp, path));
    }

    /// Renames every file into place, in the order staged; on a failure removes the files it
    /// already renamed (and the temporaries left) before returning the error.
    pub fn commit(mut self) -> Result<(), RunnerError> {
        let files = std::mem::take(&mut self.files);
        for (k, (tmp, path)) in files.iter().enumerate() {
            let renamed = match injected_fault(path) {
                Some(e) => Err(e),
                None => std::fs::rename(tmp, path),
            };
            if let Err(e) = renamed {
                for (_, done) in &files[..k] {
                    let _ = std::fs::remove_file(done);
                }
                for (left, _) in &files[k..] {
                    let _ = std::fs::remove_file(left);
                }
                self.committed = true;
                return Err(RunnerError::io(path, e));
            }
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            for (tmp, _) in &self.files {
                let _ = std::fs::remove_file(tmp);
            }
        }
    }
}

/// Writes `bytes` to `path` atomically (temp file, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunnerError> {
    let tmp = tmp_path(path);
    std::fs::write(&tmp, bytes).map_err(|e| RunnerError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| RunnerError::io(path, e))
}
