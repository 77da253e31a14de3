//! The ledger: claimkit's SQLite database of practices, encounters, claims, batches, payments and
//! everything that happened to them.
//!
//! Money must never be lost or posted twice, so:
//! - every change happens inside a transaction ([`Ledger::transaction`]): an import, a build or a
//!   remittance posting lands whole or not at all;
//! - the schema is one baseline plus versioned migrations ([`schema`]), applied on open; a file
//!   that is not a claimkit ledger is refused untouched;
//! - WAL journaling with `synchronous=FULL`: a committed posting survives a power cut;
//! - the file is created readable by its owner only (mode 0600): it holds patient data;
//! - it can be encrypted at rest with SQLCipher ([`crypt`]): a ledger opened with a key
//!   ([`Ledger::open_with_key`]) is readable with that key only;
//! - one writer at a time: commands that change the ledger first take [`LedgerLock`]; a second run
//!   gets [`LedgerError::Locked`] at once (exit code 75) instead of waiting.
//!
//! Amounts as billed or posted are stored as decimal text (`"125.00"`) and read back into
//! `rust_decimal::Decimal`; accounts receivable ([`ar`]) as whole cents; dates as ISO `YYYY-MM-DD`
//! text.
//!
//! Only this module names SQLite or a table: the stages call its typed functions.

pub mod acks;
pub mod ar;
pub mod batches;
pub mod billing;
pub mod claim_status;
pub mod codesets;
mod control;
pub mod coverage;
pub mod crypt;
pub mod eligibility;
pub mod encounters;
pub mod find;
#[doc(hidden)]
pub mod fixtures;
mod lock;
pub mod nightly_state;
pub mod rebill;
pub mod remits;
pub mod reports;
pub mod schema;
pub mod scrubs;
pub mod statements;
pub mod worklist;

use std::path::{Path, PathBuf};

pub use control::{ControlKind, ControlNumbers, allocate, allocate_envelope};
pub use crypt::DbKey;
pub use lock::LedgerLock;
use rusqlite::OpenFlags;
/// The handles a stage passes to this module's functions: a connection for reads, a transaction
/// (or savepoint) for writes. The stages hold them and never run SQL on them.
pub use rusqlite::{Connection, Savepoint, Transaction};

/// Failures of the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("ledger {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("ledger: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("ledger {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("ledger {path} is in use by another claimkit run (lock {lock} is held); try again when it finishes")]
    Locked { path: PathBuf, lock: PathBuf },
    #[error(
        "{path} is not a claimkit ledger (another application's SQLite database); it was not changed. Give --db a new path, or the ledger `claimkit init` made"
    )]
    NotALedger { path: PathBuf },
    #[error(
        "ledger {path} was written by an earlier claimkit whose balances were kept in another model; it was not changed. Start a new ledger (`claimkit --db NEW.db init --practice practice.toml`), import the EMR exports and post the 999/277CA/835 files again: every file is recognised by content, so nothing is counted twice"
    )]
    PreBaseline { path: PathBuf },
    #[error(
        "ledger {path} is encrypted (or is not a SQLite database at all); it was not changed. Give its key with CLAIMKIT_DB_KEY or --db-key-file FILE"
    )]
    Encrypted { path: PathBuf },
    #[error(
        "the key given does not open ledger {path} (a wrong key, or a file that is not a ledger); it was not changed"
    )]
    WrongKey { path: PathBuf },
    #[error(
        "ledger {path} is not encrypted, but a key was given (CLAIMKIT_DB_KEY or --db-key-file); it was not changed. Run without the key, or encrypt the ledger first with `claimkit db encrypt`"
    )]
    KeyForPlaintext { path: PathBuf },
    #[error(
        "ledger {path} is already encrypted (or is not a SQLite database at all); it was not changed. To change its key use `claimkit db rekey`"
    )]
    AlreadyEncrypted { path: PathBuf },
    #[error(
        "ledger {path} is open in another claimkit run (a report, a claim lookup); it was not changed. Try again when it finishes"
    )]
    InUse { path: PathBuf },
    #[error("ledger {path} has schema version {found}, newer than this claimkit ({supported}); upgrade claimkit")]
    SchemaTooNew { path: PathBuf, found: i64, supported: i64 },
    #[error("control number {kind} for {sender} -> {receiver} is exhausted (max {max})")]
    ControlNumbersExhausted { kind: &'static str, sender: String, receiver: String, max: u64 },
    #[error("ledger data is inconsistent: {0}")]
    Corrupt(String),
}

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;

/// An open ledger.
pub struct Ledger {
    conn: Connection,
    path: Option<PathBuf>,
    key: Option<DbKey>,
}

/// Page size of a new ledger file, in bytes.
const PAGE_SIZE: i64 = 16384;

impl Ledger {
    /// Opens (creating if needed, with mode 0600) the plaintext ledger at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Ledger> {
        Ledger::open_with_key(path, None)
    }

    /// Opens (creating if needed, with mode 0600) the ledger at `path` and migrates it; with `key`,
    /// the ledger is encrypted (a new one is created encrypted). A wrong or missing key, or a key
    /// for a plaintext ledger, is refused before anything is written ([`crypt`]).
    pub fn open_with_key(path: &Path, key: Option<&DbKey>) -> Result<Ledger> {
        if !path.exists() {
            create_private(path).map_err(|source| LedgerError::Io { path: path.to_path_buf(), source })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = crypt::open_connection(path, flags, key)?;
        let mut ledger = Ledger { conn, path: Some(path.to_path_buf()), key: key.cloned() };
        ledger.configure(true)?;
        Ok(ledger)
    }

    /// A private in-memory ledger, for tests and dry runs.
    pub fn open_in_memory() -> Result<Ledger> {
        let conn = Connection::open_in_memory()?;
        let mut ledger = Ledger { conn, path: None, key: None };
        ledger.configure(false)?;
        Ok(ledger)
    }

    fn configure(&mut self, on_disk: bool) -> Result<()> {
        self.conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let display = self.path.clone().unwrap_or_else(|| PathBuf::from(":memory:"));
        // Whether the file is a ledger is known before anything is written to it (its mode too).
        schema::check_owned(&self.conn, &display)?;
        if on_disk && let Some(path) = &self.path {
            keep_private(path).map_err(|source| LedgerError::Io { path: path.clone(), source })?;
        }
        if on_disk {
            // A new ledger gets 16 KiB pages (SQLite's default is 4 KiB); ignored by a ledger that
            // already has tables. An encrypted ledger keeps SQLCipher's 4 KiB pages: its page size
            // is not recorded in the (encrypted) file, so any other size would have to be given
            // again by every program that opens it, the `sqlcipher` shell included.
            if self.key.is_none() {
                self.conn.pragma_update(None, "page_size", PAGE_SIZE)?;
            }
            self.conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut self.conn, &display)
    }

    /// Where the ledger lives (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The connection, for reads.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The connection, for modules that manage their own transactions.
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Starts an IMMEDIATE transaction: it holds the write lock from the start, so two writers
    /// never interleave. Dropped without `commit()`, it rolls back.
    pub fn transaction(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    /// Runs `work` with the connection's page cache at `cache_kib` (negative: KiB, as `PRAGMA
    /// cache_size` takes it) and, with `temp_in_memory`, temporary tables and statement journals in
    /// memory; then puts back what the connection had. One bulk job (a build, a scrub, a posting,
    /// an acknowledgment) sizes the cache for the pages it touches, bounded whatever the file size,
    /// and the next job on the connection (the nightly run does several) starts from its own.
    /// Settings that cannot be read or changed leave the connection's (they tune, they do not
    /// decide anything).
    pub fn with_cache<T>(&mut self, cache_kib: i64, temp_in_memory: bool, work: impl FnOnce(&mut Ledger) -> T) -> T {
        let cache_pages: i64 = self.conn.query_row("PRAGMA cache_size", [], |r| r.get(0)).unwrap_or(-2000);
        let temp_store: i64 = self.conn.query_row("PRAGMA temp_store", [], |r| r.get(0)).unwrap_or(0);
        let _ = self.conn.pragma_update(None, "cache_size", cache_kib);
        if temp_in_memory {
            let _ = self.conn.pragma_update(None, "temp_store", "MEMORY");
        }
        let done = work(self);
        let _ = self.conn.pragma_update(None, "cache_size", cache_pages);
        if temp_in_memory {
            let _ = self.conn.pragma_update(None, "temp_store", temp_store);
        }
        done
    }

    /// The schema version in force.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?)
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// An existing ledger readable by others is made private (0600): it holds patient data.
#[cfg(unix)]
fn keep_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700 | 0o600))?;
        eprintln!("note: ledger {} was readable by other users; it is now private (mode 0600)", path.display());
    }
    Ok(())
}

#[cfg(not(unix))]
fn keep_private(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::OpenOptions::new().write(true).create(true).open(path).map(|_| ())
}

/// Records that a file was processed, keyed by kind and SHA-256. Returns false when the same
/// content was already recorded for that kind (the caller then changes nothing).
pub fn record_file(tx: &rusqlite::Transaction<'_>, kind: &str, path: &Path, sha256: &str) -> Result<bool> {
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO processed_files (kind, sha256, path, processed_at) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![kind, sha256, path.display().to_string(), now_timestamp()],
    )?;
    Ok(inserted == 1)
}

/// True when a file with this content was already processed as `kind`.
pub fn file_seen(conn: &Connection, kind: &str, sha256: &str) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM processed_files WHERE kind = ?1 AND sha256 = ?2", [kind, sha256], |_| Ok(()))
        .map(|_| true)
        .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(false) } else { Err(e) })?)
}

/// Current time as an RFC 3339 UTC timestamp with seconds, the ledger's time format.
pub fn now_timestamp() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub use crate::digest::{sha256_file, sha256_hex};

/// Reads an amount the ledger stores as text (`"80.00"`); a malformed value is a corrupt ledger.
pub(crate) fn stored_decimal(text: &str) -> rusqlite::Result<rust_decimal::Decimal> {
    <rust_decimal::Decimal as std::str::FromStr>::from_str(text.trim())
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// Column `i` of `row` as text borrowed from SQLite's buffer (no copy); NULL or a value that is not
/// text is a corrupt ledger.
pub(crate) fn stored_text<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    stored_text_or_null(row, i)?.ok_or(rusqlite::Error::InvalidColumnType(
        i,
        "NULL".into(),
        rusqlite::types::Type::Null,
    ))
}

/// Column `i` of `row` as text borrowed from SQLite's buffer, `None` for NULL.
pub(crate) fn stored_text_or_null<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<&'r str>> {
    row.get_ref(i)?
        .as_str_or_null()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

pub use crate::money::text as money_text;

/// A date bound as the ledger stores it (ISO text), without an allocation.
impl rusqlite::ToSql for crate::dates::DateText {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(self.as_str().as_bytes())))
    }
}

/// The opcodes of `sql`'s plan that build a temporary B-tree or sorter at every run of the
/// statement (an IN list of three or more values, UNION, DISTINCT, an ORDER BY no index gives, an
/// automatic index; in a CHECK constraint too): none belongs in a statement run once per row of a
/// large file, where it means an allocation of pages per row. Parameters stay unbound: the plan
/// is the same.
#[cfg(test)]
pub(crate) fn temporary_b_trees(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut opcodes = explained(conn, "EXPLAIN", sql, 1);
    opcodes.retain(|op| matches!(op.as_str(), "OpenEphemeral" | "OpenAutoindex" | "SorterOpen"));
    opcodes
}

/// Column `column` of every row `explain` (EXPLAIN or EXPLAIN QUERY PLAN) gives for `sql`, its
/// parameters unbound.
#[cfg(test)]
fn explained(conn: &rusqlite::Connection, explain: &str, sql: &str, column: usize) -> Vec<String> {
    let mut plan = conn.prepare(&format!("{explain} {sql}")).unwrap();
    let mut rows = plan.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        out.push(r.get(column).unwrap());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_job_cache_is_the_job_s_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("ledger.db")).unwrap();
        let setting = |ledger: &Ledger, name: &str| -> i64 {
            ledger.conn().query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).unwrap()
        };
        let before = (setting(&ledger, "cache_size"), setting(&ledger, "temp_store"));
        let during = ledger.with_cache(-16384, true, |ledger| {
            (setting(ledger, "cache_size"), setting(ledger, "temp_store"), Err::<(), &str>("failed"))
        });
        assert_eq!((during.0, during.1), (-16384, 2));
        assert_eq!((setting(&ledger, "cache_size"), setting(&ledger, "temp_store")), before);
        ledger.with_cache(-4096, false, |ledger| assert_eq!(setting(ledger, "temp_store"), before.1));
        assert_eq!(setting(&ledger, "cache_size"), before.0);
    }

    #[test]
    fn a_new_ledger_is_private_wal_and_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/claimkit.db");
        let ledger = Ledger::open(&path).unwrap();
        assert_eq!(ledger.schema_version().unwrap(), schema::latest_version());
        let mode: String = ledger.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        drop(ledger);
        // Opening again does not re-run migrations.
        let again = Ledger::open(&path).unwrap();
        let runs: i64 = again.conn().query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(runs, 1 + schema::MIGRATIONS.len() as i64);
    }

    #[test]
    fn a_dropped_transaction_changes_nothing() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        {
            let tx = ledger.transaction().unwrap();
            assert!(record_file(&tx, "remit", Path::new("a.835"), "abc").unwrap());
        }
        assert!(!file_seen(ledger.conn(), "remit", "abc").unwrap());
        let tx = ledger.transaction().unwrap();
        assert!(record_file(&tx, "remit", Path::new("a.835"), "abc").unwrap());
        assert!(!record_file(&tx, "remit", Path::new("copy.835"), "abc").unwrap());
        tx.commit().unwrap();
        assert!(file_seen(ledger.conn(), "remit", "abc").unwrap());
    }
}
