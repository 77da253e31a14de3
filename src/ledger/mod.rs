//! The ledger: claimkit's SQLite database of practices, encounters, claims, batches, payments and
//! everything that happened to them.
//!
//! Money must never be lost or posted twice, so:
//! - every change happens inside a transaction ([`Ledger::transaction`]): an import, a build or a
//!   remittance posting lands whole or not at all;
//! - the schema is versioned ([`schema`]) and migrated forward on open;
//! - WAL journaling with `synchronous=FULL`: a committed posting survives a power cut;
//! - the file is created readable by its owner only (mode 0600): it holds patient data;
//! - one writer at a time: commands that change the ledger first take [`LedgerLock`]; a second run
//!   gets [`LedgerError::Locked`] at once (exit code 75) instead of waiting.
//!
//! Amounts are stored as decimal text (`"125.00"`) and read back into `rust_decimal::Decimal`;
//! dates as ISO `YYYY-MM-DD` text.

pub mod billing;
pub mod codesets;
mod control;
mod in_place;
mod lock;
pub mod nightly_state;
pub mod schema;
mod wal_flush;

use std::path::{Path, PathBuf};

pub use control::{ControlKind, ControlNumbers, allocate, allocate_envelope};
pub use in_place::{InPlace, InPlaceStatement};
pub use lock::LedgerLock;
use rusqlite::{Connection, OpenFlags};
pub use wal_flush::{wal_path, with_wal_flushed};

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
}

/// Page size of a new ledger file, in bytes.
const PAGE_SIZE: i64 = 16384;

impl Ledger {
    /// Opens (creating if needed, with mode 0600) the ledger at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Ledger> {
        if !path.exists() {
            create_private(path).map_err(|source| LedgerError::Io { path: path.to_path_buf(), source })?;
        }
        one_c_heap();
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(|source| LedgerError::Open { path: path.to_path_buf(), source })?;
        let mut ledger = Ledger { conn, path: Some(path.to_path_buf()) };
        ledger.configure(true)?;
        Ok(ledger)
    }

    /// A private in-memory ledger, for tests and dry runs.
    pub fn open_in_memory() -> Result<Ledger> {
        let conn = Connection::open_in_memory()?;
        let mut ledger = Ledger { conn, path: None };
        ledger.configure(false)?;
        Ok(ledger)
    }

    fn configure(&mut self, on_disk: bool) -> Result<()> {
        self.conn.busy_timeout(std::time::Duration::from_secs(10))?;
        if on_disk {
            // A new ledger gets 16 KiB pages (SQLite's default is 4 KiB): a posting or a build writes
            // tens of megabytes per run, and bigger pages mean a quarter of the pages to find, split,
            // write to the WAL and checkpoint. Ignored by a ledger that already has tables.
            self.conn.pragma_update(None, "page_size", PAGE_SIZE)?;
            self.conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        let display = self.path.clone().unwrap_or_else(|| PathBuf::from(":memory:"));
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

    /// A read-only connection of its own to the ledger file, with a page cache of `cache_kib`
    /// (negative: KiB, as `PRAGMA cache_size` takes it), for a thread that reads beside the one
    /// writing; `None` for an in-memory ledger, which no other connection can see.
    pub fn open_reader(&self, cache_kib: i64) -> Result<Option<Connection>> {
        let Some(path) = self.path() else { return Ok(None) };
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(|source| LedgerError::Open { path: path.to_path_buf(), source })?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "cache_size", cache_kib)?;
        Ok(Some(conn))
    }

    /// Starts an IMMEDIATE transaction: it holds the write lock from the start, so two writers
    /// never interleave. Dropped without `commit()`, it rolls back.
    pub fn transaction(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    /// Runs `write` with foreign keys not enforced, then enforces them again, whatever `write`
    /// returned (the outer error: they could not be switched). For a bulk write whose every row
    /// references one the same transaction inserted or read: enforcing them costs a parent lookup
    /// per row (and, for a multi-row INSERT into a table with one, a statement journal). `write`
    /// calls [`debug_check_foreign_keys`] before it commits. (`PRAGMA foreign_keys` cannot change
    /// inside a transaction: it is set around it.)
    pub fn with_foreign_keys_off<T, E>(
        &mut self,
        write: impl FnOnce(&mut Ledger) -> std::result::Result<T, E>,
    ) -> Result<std::result::Result<T, E>> {
        self.conn.execute_batch("PRAGMA foreign_keys = OFF")?;
        let written = write(self);
        let restored = self.conn.execute_batch("PRAGMA foreign_keys = ON");
        match (written, restored) {
            (Ok(_), Err(e)) => Err(e.into()),
            (written, _) => Ok(written),
        }
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

/// SQLite allocates through the C library's `malloc` (Rust code has an allocator of its own: see
/// `lib.rs`), and glibc gives every thread that allocates an arena of its own. A build and a
/// posting each read on a second connection on a second thread: in two arenas, the same build of 300,000 claims peaked
/// at 120 MB resident instead of 70 MB in one. So the process keeps to one arena (set when the
/// first ledger file is opened, before any reading thread starts); SQLite allocates little per
/// row, and two threads seldom wait for it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_c_heap() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use std::ffi::c_int;
        unsafe extern "C" {
            fn mallopt(param: c_int, value: c_int) -> c_int;
        }
        const M_ARENA_MAX: c_int = -8;
        // SAFETY: mallopt only tunes glibc's allocator; any value of M_ARENA_MAX is valid, and it
        // applies to arenas made after the call (a thread already in one keeps it).
        unsafe {
            mallopt(M_ARENA_MAX, 1);
        }
    });
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_c_heap() {}

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

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::OpenOptions::new().write(true).create(true).open(path).map(|_| ())
}

/// In debug builds (which every test runs), panics when a row's foreign key points nowhere: the
/// check a write made with [`Ledger::with_foreign_keys_off`] owes before it commits (`writer`
/// names it in the message). Nothing in release builds.
pub fn debug_check_foreign_keys(conn: &Connection, writer: &str) {
    #[cfg(debug_assertions)]
    {
        let dangling: i64 = conn
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0))
            .expect("the foreign key check runs");
        assert_eq!(dangling, 0, "{writer} inserted rows whose foreign keys point nowhere");
    }
    #[cfg(not(debug_assertions))]
    let _ = (conn, writer);
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
    row.get_ref(i)?
        .as_str_or_null()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))?
        .ok_or(rusqlite::Error::InvalidColumnType(i, "NULL".into(), rusqlite::types::Type::Null))
}

/// Reads a packed JSON column (migration 5); a malformed value is a corrupt ledger.
pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(text: &str) -> rusqlite::Result<T> {
    serde_json::from_str(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// Money as the ledger stores it: two places, never "-0.00".
pub fn money_text(d: rust_decimal::Decimal) -> String {
    let mut out = String::with_capacity(16);
    push_money_text(&mut out, d);
    out
}

/// Appends the decimal digits of `n`, without the formatting machinery.
pub(crate) fn push_integer(out: &mut String, n: u128) {
    match u64::try_from(n) {
        Ok(n) => {
            let mut digits = [0u8; 20];
            let start = write_digits(&mut digits, n);
            push_ascii(out, &digits[start..]);
        }
        // Beyond 64 bits (never an amount or a count): the formatting machinery.
        Err(_) => out.push_str(&n.to_string()),
    }
}

/// Writes the decimal digits of `n` at the end of `buf` (20 bytes hold any `u64`) and returns
/// where they start. 64-bit divisions by 10 are multiplications; 128-bit ones are library calls.
fn write_digits(buf: &mut [u8], mut n: u64) -> usize {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return i;
        }
    }
}

/// Appends ASCII bytes (digits, '.', '-') without validating them as UTF-8 again.
fn push_ascii(out: &mut String, ascii: &[u8]) {
    debug_assert!(ascii.is_ascii());
    // SAFETY: every caller passes ASCII bytes, which are valid UTF-8 on their own.
    unsafe { out.as_mut_vec().extend_from_slice(ascii) }
}

/// Appends `d` rounded to cents as `-123.45` (never `-0.00`), without the formatting machinery:
/// posting formats several amounts per claim.
pub(crate) fn push_money_text(out: &mut String, d: rust_decimal::Decimal) {
    out.push_str(MoneyText::new(d).as_str());
}

/// Money as the ledger stores it ([`money_text`]), held inline: no allocation per amount.
#[derive(Clone, Copy)]
pub struct MoneyText {
    /// The text is right-aligned: `buf[start..]`.
    buf: [u8; 40],
    start: u8,
}

impl MoneyText {
    pub fn new(d: rust_decimal::Decimal) -> Self {
        // Amounts in an 835 have at most two places: scale them to cents directly; round the rest.
        let m = match d.scale() {
            0 => d.mantissa() * 100,
            1 => d.mantissa() * 10,
            2 => d.mantissa(),
            _ => {
                let mut r = d.round_dp(2);
                r.rescale(2);
                r.mantissa()
            }
        };
        // Written from the right: two places, the point, the units (at least one digit), the sign.
        let mut buf = [0u8; 40];
        let mut i = match u64::try_from(m.unsigned_abs()) {
            // Every real amount.
            Ok(n) => {
                buf[37] = b'.';
                buf[38] = b'0' + (n / 10 % 10) as u8;
                buf[39] = b'0' + (n % 10) as u8;
                write_digits(&mut buf[..37], n / 100)
            }
            // Beyond 184 quadrillion: the formatting machinery.
            Err(_) => {
                let n = m.unsigned_abs();
                let text = format!("{}.{:02}", n / 100, n % 100);
                let start = buf.len() - text.len();
                buf[start..].copy_from_slice(text.as_bytes());
                start
            }
        };
        if m < 0 {
            i -= 1;
            buf[i] = b'-';
        }
        MoneyText { buf, start: i as u8 }
    }

    pub fn as_str(&self) -> &str {
        let text = &self.buf[usize::from(self.start)..];
        debug_assert!(text.is_ascii());
        // SAFETY: `new` writes only ASCII digits, '.' and '-', which are valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(text) }
    }
}

impl Default for MoneyText {
    fn default() -> Self {
        MoneyText::new(rust_decimal::Decimal::ZERO)
    }
}

impl std::ops::Deref for MoneyText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
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

/// The steps of `sql`'s query plan (`EXPLAIN QUERY PLAN`: "SEARCH c USING COVERING INDEX ...").
#[cfg(test)]
pub(crate) fn query_plan(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    explained(conn, "EXPLAIN QUERY PLAN", sql, 3)
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

    use rust_decimal::Decimal;
    use std::str::FromStr;

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
    fn money_text_has_two_places_and_no_negative_zero() {
        assert_eq!(money_text(Decimal::new(-0, 2)), "0.00");
        assert_eq!(money_text(-Decimal::ZERO), "0.00");
        assert_eq!(money_text(Decimal::new(125, 1)), "12.50");
        assert_eq!(money_text(Decimal::new(-4, 3)), "0.00");
    }

    #[test]
    fn money_text_is_the_decimal_rounded_to_cents() {
        for text in [
            "0",
            "7",
            "-7",
            "0.5",
            "-0.05",
            "12.345",
            "12.355",
            "-12.345",
            "123456789.999",
            "184467440737095516.15",
            "184467440737095516.16",
            "-184467440737095516.16",
            "79228162514264337593543950.335",
            "0.004",
            "1e-28",
        ] {
            let d = Decimal::from_str(text).or_else(|_| Decimal::from_scientific(text)).unwrap();
            let r = d.round_dp(2);
            let expected = if r.is_zero() { "0.00".to_string() } else { format!("{r:.2}") };
            assert_eq!(money_text(d), expected, "{text}");
        }
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
        assert_eq!(runs, schema::MIGRATIONS.len() as i64);
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
