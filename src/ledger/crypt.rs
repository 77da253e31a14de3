//! Encryption at rest: a ledger file can be encrypted with SQLCipher, so a copied disk, a backup
//! tape or a stolen laptop does not give away the patients in it.
//!
//! SQLCipher encrypts every page of the database file (AES-256 in CBC mode, each page with its
//! own IV and an HMAC-SHA512 that detects tampering) with a key derived from a passphrase
//! (PBKDF2-HMAC-SHA512, 256,000 iterations, a random salt kept in the file's first 16 bytes). An
//! encrypted ledger has no `SQLite format 3` header: to anything without the key it is random
//! bytes. The passphrase ([`DbKey`]) comes from the environment (`CLAIMKIT_DB_KEY`) or a key file
//! (`--db-key-file`), never from the command line (a process listing shows arguments to every
//! user of the machine).
//!
//! Every connection the ledger opens on a file goes through [`open_connection`], which looks at
//! the file's first bytes before SQLite does and refuses, untouched:
//! - an encrypted (or unreadable) file opened without a key ([`LedgerError::Encrypted`]),
//! - an encrypted file whose key does not open it ([`LedgerError::WrongKey`]),
//! - a plaintext file opened with a key ([`LedgerError::KeyForPlaintext`]): a key given is never
//!   ignored, so nobody believes a ledger is encrypted when it is not.
//!
//! An empty or missing file opened with a key becomes an encrypted ledger. In-memory ledgers
//! (tests, dry runs) are never keyed: nothing of them is at rest. SQLite's temporary files stay in
//! memory (SQLCipher is built with `SQLITE_TEMP_STORE=2`), so no plaintext spills to disk.
//!
//! [`convert`] changes a ledger's encryption in place (`claimkit db encrypt`, `db decrypt`,
//! `db rekey`): under the ledger lock it exports the whole ledger into a new file under a unique
//! name beside it (`ATTACH ... KEY` and `sqlcipher_export()`), checks the copy (it opens with its
//! key, `integrity_check` passes, it carries the ledger's `application_id` and schema version,
//! every table has the same number of rows), flushes it to disk and renames it over the original.
//! A crash at any point leaves the old file or the new one whole, never a mixture; at worst a
//! temporary file is left beside the ledger.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::schema::APPLICATION_ID;
use super::{Ledger, LedgerError, LedgerLock, Result};

/// The environment variable holding the ledger's passphrase.
pub const KEY_ENV: &str = "CLAIMKIT_DB_KEY";
/// The environment variable holding the new passphrase for `claimkit db rekey`.
pub const NEW_KEY_ENV: &str = "CLAIMKIT_DB_NEW_KEY";

/// Longest passphrase accepted, in bytes: a key file is a passphrase, not a document.
const MOST_KEY_BYTES: u64 = 1024;

/// What every SQLite file starts with; SQLCipher encrypts it away.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// A ledger's passphrase. It is never printed: `Debug` shows `DbKey(hidden)`, and no error of
/// this module carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct DbKey(String);

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(hidden)")
    }
}

/// Why a key could not be read. None of these shows the key or any part of it.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "key file {path} can be read by other users (mode {mode:03o}); it was not used. A key must be private to its owner: chmod 600 {path}"
    )]
    NotPrivate { path: PathBuf, mode: u32 },
    #[error("key file {path} is empty (a passphrase on its first line is expected)")]
    EmptyFile { path: PathBuf },
    #[error("key file {path} is longer than {MOST_KEY_BYTES} bytes; it should hold only the passphrase")]
    TooLong { path: PathBuf },
    #[error("key file {path} is not text (it must be UTF-8 without NUL characters)")]
    NotText { path: PathBuf },
    #[error("{var} is set but empty; unset it or give the passphrase")]
    EmptyEnv { var: &'static str },
    #[error("{var} is not text (it must be UTF-8 without NUL characters)")]
    EnvNotText { var: &'static str },
}

impl DbKey {
    /// A key from a passphrase; `None` when it is empty or holds a NUL character.
    pub fn new(passphrase: impl Into<String>) -> Option<DbKey> {
        let passphrase = passphrase.into();
        (!passphrase.is_empty() && !passphrase.contains('\0')).then_some(DbKey(passphrase))
    }

    /// Reads the passphrase in `path`: the whole file, less its trailing line ends (`\n`, `\r\n`).
    /// The file must be a regular file readable by its owner only (mode 0600 or 0400, as ssh asks
    /// of a private key): a key others can read protects nothing, and refusing it tells the admin
    /// at once instead of after the laptop is lost.
    pub fn from_file(path: &Path) -> Result<DbKey, KeyError> {
        let read = |source| KeyError::Read { path: path.to_path_buf(), source };
        crate::files::check_regular(path).map_err(read)?;
        let mut file = File::open(path).map_err(read)?;
        let meta = file.metadata().map_err(read)?;
        check_private(path, &meta)?;
        if meta.len() > MOST_KEY_BYTES {
            return Err(KeyError::TooLong { path: path.to_path_buf() });
        }
        let mut bytes = Vec::new();
        (&mut file).take(MOST_KEY_BYTES + 1).read_to_end(&mut bytes).map_err(read)?;
        if bytes.len() as u64 > MOST_KEY_BYTES {
            return Err(KeyError::TooLong { path: path.to_path_buf() });
        }
        let text = String::from_utf8(bytes).map_err(|_| KeyError::NotText { path: path.to_path_buf() })?;
        let passphrase = text.trim_end_matches(['\n', '\r']);
        if passphrase.is_empty() {
            return Err(KeyError::EmptyFile { path: path.to_path_buf() });
        }
        DbKey::new(passphrase).ok_or_else(|| KeyError::NotText { path: path.to_path_buf() })
    }

    /// The passphrase in environment variable `var` ([`KEY_ENV`] or [`NEW_KEY_ENV`]), taken
    /// whole; `None` when it is not set.
    pub fn from_env(var: &'static str) -> Result<Option<DbKey>, KeyError> {
        match std::env::var_os(var) {
            None => Ok(None),
            Some(value) if value.is_empty() => Err(KeyError::EmptyEnv { var }),
            Some(value) => {
                let text = value.into_string().map_err(|_| KeyError::EnvNotText { var })?;
                DbKey::new(text).map(Some).ok_or(KeyError::EnvNotText { var })
            }
        }
    }

    /// The key from a key file when one is given, else from `var`, else none.
    pub fn from_file_or_env(file: Option<&Path>, var: &'static str) -> Result<Option<DbKey>, KeyError> {
        match file {
            Some(path) => DbKey::from_file(path).map(Some),
            None => DbKey::from_env(var),
        }
    }

    fn passphrase(&self) -> &str {
        &self.0
    }
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::NotPrivate { path: path.to_path_buf(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), KeyError> {
    Ok(())
}

/// What a database file looks like from its first bytes.
#[derive(Debug, PartialEq, Eq)]
enum Header {
    /// Missing or empty: a new ledger.
    Empty,
    /// A plaintext SQLite file.
    Plain,
    /// Anything else: an encrypted database, or not a database at all.
    Opaque,
}

fn header(path: &Path) -> std::io::Result<Header> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Header::Empty),
        Err(e) => return Err(e),
    };
    let mut first = Vec::with_capacity(SQLITE_HEADER.len());
    (&mut file).take(SQLITE_HEADER.len() as u64).read_to_end(&mut first)?;
    Ok(if first.is_empty() {
        Header::Empty
    } else if first == SQLITE_HEADER {
        Header::Plain
    } else {
        Header::Opaque
    })
}

/// True when the ledger file at `path` is encrypted (neither empty nor plaintext SQLite).
pub fn is_encrypted(path: &Path) -> Result<bool> {
    header(path).map(|h| h == Header::Opaque).map_err(|source| LedgerError::Io { path: path.to_path_buf(), source })
}

/// Opens a connection on the ledger file at `path` with `key` (see the module docs for what is
/// refused). The key is applied before anything is read, and checked by reading the schema.
pub(crate) fn open_connection(path: &Path, flags: OpenFlags, key: Option<&DbKey>) -> Result<Connection> {
    let found = header(path).map_err(|source| LedgerError::Io { path: path.to_path_buf(), source })?;
    match (&found, key) {
        (Header::Plain, Some(_)) => return Err(LedgerError::KeyForPlaintext { path: path.to_path_buf() }),
        (Header::Opaque, None) => return Err(LedgerError::Encrypted { path: path.to_path_buf() }),
        _ => {}
    }
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|source| LedgerError::Open { path: path.to_path_buf(), source })?;
    if let Some(key) = key {
        apply_key(&conn, key)?;
        let readable = conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0));
        match readable {
            Ok(_) => {}
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) => {
                return Err(LedgerError::WrongKey { path: path.to_path_buf() });
            }
            Err(source) => return Err(LedgerError::Open { path: path.to_path_buf(), source }),
        }
    }
    Ok(conn)
}

/// `PRAGMA key`, the passphrase quoted as a literal by rusqlite (never formatted into an error).
fn apply_key(conn: &Connection, key: &DbKey) -> Result<()> {
    conn.pragma_update(None, "key", key.passphrase())?;
    Ok(())
}

/// What [`convert`] checked in the new file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// Tables whose rows were counted in both files.
    pub tables: usize,
    /// Rows in all of them.
    pub rows: u64,
    /// Where the new file was written before it was renamed over the ledger.
    pub temporary: PathBuf,
}

/// Rewrites the ledger at `path`, readable with `from` (`None`: plaintext), as a file readable with
/// `to` (`None`: plaintext), in place and safely (see the module docs). `claimkit db encrypt` is
/// `(None, Some)`, `db decrypt` `(Some, None)`, `db rekey` `(Some, Some)`. Takes the ledger lock;
/// a ledger other runs are reading is refused with [`LedgerError::InUse`], untouched.
pub fn convert(path: &Path, from: Option<&DbKey>, to: Option<&DbKey>) -> Result<Converted> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LedgerError::Io { path, source }
    };
    if !path.exists() {
        return Err(LedgerError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no ledger there"),
        });
    }
    let _lock = LedgerLock::acquire(path)?;
    match (header(path).map_err(io(path))?, from) {
        (Header::Opaque, None) => return Err(LedgerError::AlreadyEncrypted { path: path.to_path_buf() }),
        (Header::Plain | Header::Empty, Some(_)) => {
            return Err(LedgerError::KeyForPlaintext { path: path.to_path_buf() });
        }
        _ => {}
    }
    // Opening as the ledger checks that it is one (a foreign file is refused untouched) and brings
    // its schema up to date, so the copy is of a current ledger.
    let source = Ledger::open_with_key(path, from)?;
    let mut conn = source.conn;
    // Another run's connection is a refusal at once, not a wait.
    conn.busy_timeout(std::time::Duration::from_millis(200))?;
    let expected = counts(&conn)?;
    let user_version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    quiesce(&conn, path)?;

    let (temporary, file) = crate::files::create_temp_beside(path).map_err(io(path))?;
    drop(file);
    let written = export(&mut conn, &temporary, to, user_version)
        .and_then(|()| verify(&temporary, to, &expected, user_version))
        .and_then(|()| File::open(&temporary).and_then(|f| f.sync_all()).map_err(io(&temporary)));
    if let Err(e) = written {
        drop(conn);
        remove_temporary(&temporary);
        return Err(e);
    }
    // Closed before the rename: the old file keeps no connection of ours.
    drop(conn);
    if let Err(source) = std::fs::rename(&temporary, path) {
        remove_temporary(&temporary);
        return Err(LedgerError::Io { path: path.to_path_buf(), source });
    }
    crate::files::sync_parent(path).map_err(io(path))?;
    // The ledger as every command will open it from now on.
    Ledger::open_with_key(path, to)?;
    Ok(Converted { tables: expected.len(), rows: expected.iter().map(|(_, n)| n).sum(), temporary })
}

fn remove_temporary(path: &Path) {
    let _ = std::fs::remove_file(path);
    let mut journal = path.as_os_str().to_owned();
    journal.push("-journal");
    let _ = std::fs::remove_file(PathBuf::from(journal));
}

/// Every table of the ledger (not SQLite's own) with its row count, by name.
fn counts(conn: &Connection) -> Result<Vec<(String, u64)>> {
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    names
        .into_iter()
        .map(|name| {
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            let rows: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {quoted}"), [], |r| r.get(0))?;
            Ok((name, u64::try_from(rows).unwrap_or(0)))
        })
        .collect()
}

/// Makes sure no other connection uses the ledger and its write-ahead log is empty: the log
/// belongs to the old file, and one left beside the new file would be replayed into it. Leaving
/// WAL mode needs the only connection to the file, so this also refuses while a report or any
/// other reader has the ledger open.
fn quiesce(conn: &Connection, path: &Path) -> Result<()> {
    let busy = |_| LedgerError::InUse { path: path.to_path_buf() };
    let (blocked, _, _): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    if blocked != 0 {
        return Err(LedgerError::InUse { path: path.to_path_buf() });
    }
    let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0)).map_err(busy)?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(LedgerError::InUse { path: path.to_path_buf() });
    }
    Ok(())
}

/// Copies the ledger open on `conn` into the empty file `target`, readable with `to`.
fn export(conn: &mut Connection, target: &Path, to: Option<&DbKey>, user_version: i64) -> Result<()> {
    // An empty KEY makes the attached file plaintext. The file name and the key are bound, not
    // formatted into the statement.
    let target_name = target.to_str().ok_or_else(|| LedgerError::Io {
        path: target.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path is not UTF-8"),
    })?;
    let key = to.map_or("", DbKey::passphrase);
    conn.execute("ATTACH DATABASE ?1 AS converted KEY ?2", [target_name, key])?;
    let copied = conn
        .query_row("SELECT sqlcipher_export('converted')", [], |_| Ok(()))
        .map_err(LedgerError::from)
        .and_then(|()| {
            // sqlcipher_export copies schema and rows, not the header fields.
            conn.execute_batch(&format!(
                "PRAGMA converted.application_id = {APPLICATION_ID}; PRAGMA converted.user_version = {user_version};"
            ))?;
            Ok(())
        });
    let detached = conn.execute("DETACH DATABASE converted", []);
    copied?;
    detached?;
    Ok(())
}

/// Opens the new file as every command will and checks it against the old one's counts.
fn verify(target: &Path, key: Option<&DbKey>, expected: &[(String, u64)], user_version: i64) -> Result<()> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = open_connection(target, flags, key)?;
    let corrupt = |what: String| LedgerError::Corrupt(format!("the converted copy {}: {what}", target.display()));
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if integrity != "ok" {
        return Err(corrupt("integrity_check failed".into()));
    }
    let application_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if application_id != APPLICATION_ID || version != user_version {
        return Err(corrupt("its header (application_id, user_version) differs".into()));
    }
    let found = counts(&conn)?;
    if found != expected {
        return Err(corrupt("its tables or row counts differ from the ledger's".into()));
    }
    // The journal mode every ledger has, set while this file is ours alone.
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_file(dir: &Path, content: &[u8], mode: u32) -> PathBuf {
        let path = dir.join("key");
        std::fs::write(&path, content).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
        path
    }

    #[test]
    fn a_key_file_loses_its_trailing_line_end_only() {
        let dir = tempfile::tempdir().unwrap();
        for (content, passphrase) in [
            (&b"correct horse\n"[..], "correct horse"),
            (b"correct horse\r\n", "correct horse"),
            (b"correct horse", "correct horse"),
            (b" spaced out \n\n", " spaced out "),
        ] {
            let key = DbKey::from_file(&key_file(dir.path(), content, 0o600)).unwrap();
            assert_eq!(key.passphrase(), passphrase);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused_without_showing_the_key() {
        let dir = tempfile::tempdir().unwrap();
        for mode in [0o644, 0o640, 0o604] {
            let path = key_file(dir.path(), b"s3cret-passphrase\n", mode);
            let err = DbKey::from_file(&path).unwrap_err();
            assert!(matches!(err, KeyError::NotPrivate { .. }), "mode {mode:o}: {err}");
            assert!(err.to_string().contains("chmod 600"));
            assert!(!err.to_string().contains("s3cret"));
        }
        DbKey::from_file(&key_file(dir.path(), b"s3cret-passphrase\n", 0o400)).unwrap();
    }

    #[test]
    fn an_empty_binary_or_oversized_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = |content: &[u8]| DbKey::from_file(&key_file(dir.path(), content, 0o600)).unwrap_err();
        assert!(matches!(err(b""), KeyError::EmptyFile { .. }));
        assert!(matches!(err(b"\n\r\n"), KeyError::EmptyFile { .. }));
        assert!(matches!(err(b"\xff\xfekey"), KeyError::NotText { .. }));
        assert!(matches!(err(b"pass\0word"), KeyError::NotText { .. }));
        assert!(matches!(err(&[b'k'; 1025]), KeyError::TooLong { .. }));
        assert!(DbKey::from_file(&key_file(dir.path(), &[b'k'; 1024], 0o600)).is_ok());
    }

    #[test]
    fn a_missing_key_file_or_a_directory_is_a_read_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(DbKey::from_file(&dir.path().join("nope")), Err(KeyError::Read { .. })));
        assert!(matches!(DbKey::from_file(dir.path()), Err(KeyError::Read { .. })));
    }

    #[test]
    fn a_key_never_shows_in_debug_output() {
        let key = DbKey::new("hunter2").unwrap();
        assert_eq!(format!("{key:?}"), "DbKey(hidden)");
        assert!(DbKey::new("").is_none());
    }

    #[test]
    fn an_encrypted_ledger_opens_with_its_key_only_and_stays_untouched_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let key = DbKey::new("right").unwrap();
        drop(Ledger::open_with_key(&path, Some(&key)).unwrap());
        let before = std::fs::read(&path).unwrap();
        assert_ne!(&before[..16], SQLITE_HEADER);
        assert!(is_encrypted(&path).unwrap());
        assert!(matches!(Ledger::open(&path), Err(LedgerError::Encrypted { .. })));
        let wrong = DbKey::new("wrong").unwrap();
        assert!(matches!(Ledger::open_with_key(&path, Some(&wrong)), Err(LedgerError::WrongKey { .. })));
        assert!(std::fs::read(&path).unwrap() == before, "the file changed");
        let ledger = Ledger::open_with_key(&path, Some(&key)).unwrap();
        assert_eq!(ledger.schema_version().unwrap(), super::super::schema::latest_version());
    }

    #[test]
    fn a_key_given_for_a_plaintext_ledger_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        drop(Ledger::open(&path).unwrap());
        let key = DbKey::new("k").unwrap();
        assert!(matches!(Ledger::open_with_key(&path, Some(&key)), Err(LedgerError::KeyForPlaintext { .. })));
        assert!(!is_encrypted(&path).unwrap());
    }

    #[test]
    fn convert_round_trips_and_keeps_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        {
            let mut ledger = Ledger::open(&path).unwrap();
            let tx = ledger.transaction().unwrap();
            super::super::record_file(&tx, "835", Path::new("a.835"), "abc").unwrap();
            tx.commit().unwrap();
        }
        let (one, two) = (DbKey::new("one").unwrap(), DbKey::new("two").unwrap());
        let done = convert(&path, None, Some(&one)).unwrap();
        assert!(done.rows >= 1 && !done.temporary.exists());
        assert!(is_encrypted(&path).unwrap());
        convert(&path, Some(&one), Some(&two)).unwrap();
        assert!(matches!(Ledger::open_with_key(&path, Some(&one)), Err(LedgerError::WrongKey { .. })));
        convert(&path, Some(&two), None).unwrap();
        let ledger = Ledger::open(&path).unwrap();
        assert!(super::super::file_seen(ledger.conn(), "835", "abc").unwrap());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn convert_refuses_a_ledger_another_connection_has_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let reader = Ledger::open(&path).unwrap();
        let key = DbKey::new("k").unwrap();
        assert!(matches!(convert(&path, None, Some(&key)), Err(LedgerError::InUse { .. })));
        // The reader goes on reading the same plaintext ledger; nothing is left beside it.
        assert_eq!(reader.schema_version().unwrap(), super::super::schema::latest_version());
        drop(reader);
        assert!(!is_encrypted(&path).unwrap());
        Ledger::open(&path).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")), "{names:?}");
    }

    #[test]
    fn convert_refuses_a_foreign_sqlite_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        Connection::open(&path).unwrap().execute_batch("CREATE TABLE notes (t TEXT)").unwrap();
        let before = std::fs::read(&path).unwrap();
        let key = DbKey::new("k").unwrap();
        assert!(matches!(convert(&path, None, Some(&key)), Err(LedgerError::NotALedger { .. })));
        assert!(std::fs::read(&path).unwrap() == before, "the file changed");
    }
}
