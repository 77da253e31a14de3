//! One writer at a time. A run that changes the ledger holds an exclusive lock on `LEDGER.lock`
//! (an OS file lock, released by the kernel if the process dies, so a killed run never leaves a
//! stale lock behind).

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use super::LedgerError;

/// Held for the life of a run that writes to the ledger.
#[derive(Debug)]
pub struct LedgerLock {
    _file: File,
    path: PathBuf,
}

impl LedgerLock {
    /// Takes the lock beside `ledger`, or fails at once with [`LedgerError::Locked`].
    pub fn acquire(ledger: &Path) -> Result<LedgerLock, LedgerError> {
        let mut name = ledger.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| LedgerError::Io { path: dir.to_path_buf(), source })?;
        }
        let file =
            crate::files::open_private_lock(&path).map_err(|source| LedgerError::Io { path: path.clone(), source })?;
        match file.try_lock() {
            Ok(()) => Ok(LedgerLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(LedgerError::Locked { path: ledger.to_path_buf(), lock: path }),
            Err(TryLockError::Error(source)) => Err(LedgerError::Io { path, source }),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("claimkit.db");
        let first = LedgerLock::acquire(&db).unwrap();
        assert!(matches!(LedgerLock::acquire(&db), Err(LedgerError::Locked { .. })));
        drop(first);
        LedgerLock::acquire(&db).unwrap();
    }
}
