//! The files claimkit reads and writes.
//!
//! Inputs are regular files: a FIFO, a device (`/dev/zero`) or a directory given as an input is
//! refused with a message instead of blocking or reading forever ([`open_input`]).
//!
//! Everything claimkit writes can hold patient data (837 batches, reports, the simulator's
//! answers), so every file it creates is readable by its owner only (mode 0600), whatever the
//! umask. A file that replaces another is written under a unique temporary name in the same
//! directory (created exclusively, so it never clobbers anything), flushed to disk and renamed
//! over the target ([`write_atomic`]): a reader sees the old file or the new one, never half of
//! one, and a file of the user's that happens to share the temporary name is never touched.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The mode of every file claimkit creates.
pub const PRIVATE_MODE: u32 = 0o600;

/// Opens an input file for reading after checking that it is a regular file (symbolic links are
/// followed). FIFOs, sockets, devices and directories are refused with
/// [`io::ErrorKind::InvalidInput`] before anything is opened, so a FIFO never blocks the run.
pub fn open_input(path: &Path) -> io::Result<File> {
    check_regular(path)?;
    let file = File::open(path)?;
    // The path may have been swapped between the check and the open.
    if !file.metadata()?.is_file() {
        return Err(not_regular(path, "it changed while being opened"));
    }
    Ok(file)
}

/// Reads a (small) input file as text after checking that it is a regular file.
pub fn read_input_to_string(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    io::Read::read_to_string(&mut open_input(path)?, &mut text)?;
    Ok(text)
}

/// Checks that `path` is a regular file (after following symbolic links).
pub fn check_regular(path: &Path) -> io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if meta.is_file() {
        return Ok(());
    }
    Err(not_regular(path, kind_of(&meta)))
}

fn not_regular(_path: &Path, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({what}); claimkit reads only regular files"),
    )
}

#[cfg(unix)]
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a plain file"
    }
}

#[cfg(not(unix))]
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    if meta.is_dir() { "a directory" } else { "not a plain file" }
}

fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(PRIVATE_MODE);
    }
    options
}

/// Creates `path` for writing with mode 0600; fails with [`io::ErrorKind::AlreadyExists`] when
/// something (a file, a symbolic link) is there already: never clobbers.
pub fn create_private(path: &Path) -> io::Result<File> {
    private_options().create_new(true).open(path)
}

/// Opens (creating it 0600 when missing) a file that is kept between runs and never written,
/// such as a lock file; an existing one we own is narrowed to 0600.
pub fn open_private_lock(path: &Path) -> io::Result<File> {
    let file = private_options().create(true).truncate(false).open(path)?;
    restrict(&file)?;
    Ok(file)
}

#[cfg(unix)]
fn restrict(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = file.metadata()?;
    if meta.permissions().mode() & 0o777 != PRIVATE_MODE {
        file.set_permissions(std::fs::Permissions::from_mode(PRIVATE_MODE))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_file: &File) -> io::Result<()> {
    Ok(())
}

/// A new temporary file beside `path`: `.NAME.PID.N.tmp`, created exclusively with mode 0600
/// (another name is tried when one is taken, so nothing already there is ever overwritten).
pub fn create_temp_beside(path: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "claimkit".into());
    for _ in 0..1000 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match create_private(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free temporary file name"))
}

/// Writes `bytes` to `path` atomically with mode 0600: through a unique temporary file in the same
/// directory, flushed to disk, renamed over `path`, then the directory flushed. On failure the
/// temporary file is removed and `path` is as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (tmp, mut file) = create_temp_beside(path)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all()).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_parent(path)
}

/// Creates `path` afresh for a streaming writer: a new 0600 file is created under a unique
/// temporary name and renamed over `path` at once, so whatever was at `path` (a file of another
/// mode, a symbolic link) is replaced, never written through. The content is written after the
/// rename: use [`write_atomic`] where a reader must never see a partial file.
pub fn replace_private(path: &Path) -> io::Result<File> {
    let (tmp, file) = create_temp_beside(path)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(file)
}

/// Flushes the directory holding `path`, so a rename into it survives a power cut.
pub fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_atomic_write_is_private_and_leaves_files_of_similar_names_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.html");
        let neighbour = dir.path().join("report.tmp");
        std::fs::write(&neighbour, "the user's own").unwrap();
        std::fs::write(&target, "old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(mode(&target), 0o600);
        assert_eq!(std::fs::read_to_string(&neighbour).unwrap(), "the user's own");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 2, "no temporary file left behind: {left:?}");
    }

    #[test]
    fn create_private_never_clobbers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        std::fs::write(&p, "keep").unwrap();
        assert_eq!(create_private(&p).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "keep");
    }

    #[test]
    fn a_replaced_file_is_private_and_a_symlink_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "untouched").unwrap();
        let p = dir.path().join("out.835");
        std::os::unix::fs::symlink(&elsewhere, &p).unwrap();
        let mut f = replace_private(&p).unwrap();
        f.write_all(b"new").unwrap();
        drop(f);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "untouched");
        assert_eq!(mode(&p), 0o600);
    }

    #[test]
    fn a_lock_file_is_narrowed_to_0600() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.lock");
        std::fs::write(&p, "").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_private_lock(&p).unwrap();
        assert_eq!(mode(&p), 0o600);
    }

    #[test]
    fn fifos_devices_and_directories_are_refused_as_inputs() {
        let dir = tempfile::tempdir().unwrap();
        for p in [Path::new("/dev/zero"), Path::new("/dev/null"), dir.path()] {
            let e = open_input(p).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{}", p.display());
        }
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let e = open_input(&fifo).unwrap_err();
            assert!(e.to_string().contains("FIFO"), "{e}");
        }
        let regular = dir.path().join("f");
        std::fs::write(&regular, "x").unwrap();
        open_input(&regular).unwrap();
    }
}
