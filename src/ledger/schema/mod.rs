//! The ledger's schema: one baseline ([`BASELINE`]) and the migrations after it, each applied once,
//! in order, inside one transaction with its row in `schema_migrations`. Never edit a migration
//! that has shipped (the baseline included): add the next one to [`MIGRATIONS`].
//!
//! A claimkit ledger carries SQLite's `application_id` [`APPLICATION_ID`], so a file that is not
//! one is recognised before anything is written to it:
//! - an empty database becomes a ledger (the baseline, then every migration);
//! - a claimkit ledger is brought up to date, or refused when it is newer than this claimkit;
//! - a ledger written by claimkit before the baseline (its own twelve migrations, no
//!   application_id) is refused with what to do: its balances were kept in another model;
//! - any other SQLite file is refused untouched.

use std::path::Path;

use rusqlite::Connection;

use super::{LedgerError, Result};

/// SQLite `application_id` of a claimkit ledger ("CKLD").
pub const APPLICATION_ID: i32 = 0x434B_4C44;

/// The baseline schema: version 1.
pub const BASELINE: &str = include_str!("0001_baseline.sql");

/// Migrations after the baseline: (version, name, SQL), in increasing version order from 2.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (2, "statements", include_str!("0002_statements.sql")),
    (3, "worklist", include_str!("0003_worklist.sql")),
    (4, "claim_status", include_str!("0004_claim_status.sql")),
    (5, "eligibility", include_str!("0005_eligibility.sql")),
    (6, "unbilled", include_str!("0006_unbilled.sql")),
    (7, "eligibility_dates", include_str!("0007_eligibility_dates.sql")),
];

/// The schema version this claimkit writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(1, |m| m.0)
}

/// What an opened database file is.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Empty,
    Ledger,
    /// A ledger of claimkit's first releases (schema_migrations up to 12, no application_id).
    PreBaseline,
    Foreign,
}

fn kind(conn: &Connection) -> Result<Kind> {
    let application_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if application_id == APPLICATION_ID {
        return Ok(Kind::Ledger);
    }
    let objects: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| r.get(0))?;
    if objects == 0 && application_id == 0 {
        return Ok(Kind::Empty);
    }
    let old: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('schema_migrations', 'billed_claims')",
        [],
        |r| r.get(0),
    )?;
    Ok(if old == 2 && application_id == 0 { Kind::PreBaseline } else { Kind::Foreign })
}

/// Refuses (with the reason) a database that is neither empty nor a claimkit ledger, before
/// anything is written to it.
pub(super) fn check_owned(conn: &Connection, path: &Path) -> Result<()> {
    match kind(conn)? {
        Kind::Foreign => Err(LedgerError::NotALedger { path: path.to_path_buf() }),
        Kind::PreBaseline => Err(LedgerError::PreBaseline { path: path.to_path_buf() }),
        Kind::Empty | Kind::Ledger => Ok(()),
    }
}

/// Makes `conn` a current claimkit ledger, or refuses it (nothing written) with the reason.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    check_owned(conn, path)?;
    match kind(conn)? {
        Kind::Foreign | Kind::PreBaseline => unreachable!("refused by check_owned"),
        Kind::Empty => {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // Another process may have created it while we waited for the write lock.
            if kind(&tx)? == Kind::Empty {
                tx.execute_batch(BASELINE)?;
                tx.execute_batch(&format!(
                    "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                         applied_at TEXT NOT NULL);
                     PRAGMA application_id = {APPLICATION_ID};"
                ))?;
                record(&tx, 1, "baseline")?;
            }
            tx.commit()?;
        }
        Kind::Ledger => {}
    }
    let current: i64 = conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
    if current > latest_version() {
        return Err(LedgerError::SchemaTooNew {
            path: path.to_path_buf(),
            found: current,
            supported: latest_version(),
        });
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done: i64 =
            tx.query_row("SELECT COUNT(*) FROM schema_migrations WHERE version = ?1", [version], |r| r.get(0))?;
        if done == 0 {
            tx.execute_batch(sql)?;
            record(&tx, *version, name)?;
        }
        tx.commit()?;
    }
    Ok(())
}

fn record(tx: &rusqlite::Transaction<'_>, version: i64, name: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
        rusqlite::params![version, name, super::now_timestamp()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_follow_the_baseline_in_increasing_version_order() {
        let mut previous = 1;
        for (version, name, _) in MIGRATIONS {
            assert!(*version > previous, "migration {name} must come after version {previous}");
            previous = *version;
        }
    }

    #[test]
    fn an_empty_database_becomes_a_ledger_with_foreign_keys_enforced() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(kind(&conn).unwrap(), Kind::Ledger);
        let version: i64 = conn.query_row("SELECT MAX(version) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(version, latest_version());
        // A second open changes nothing.
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        let rows: i64 = conn.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1 + MIGRATIONS.len() as i64);
    }

    #[test]
    fn another_applications_database_is_refused_untouched() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)").unwrap();
        let err = migrate(&mut conn, Path::new("notes.db")).unwrap_err();
        assert!(matches!(err, LedgerError::NotALedger { .. }), "{err}");
        let objects: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| r.get(0)).unwrap();
        assert_eq!(objects, 1);
    }

    #[test]
    fn a_ledger_of_the_first_releases_is_refused_with_what_to_do() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT);
             INSERT INTO schema_migrations VALUES (12, 'posting_lookup_indexes', 't');
             CREATE TABLE billed_claims (pcn TEXT PRIMARY KEY);",
        )
        .unwrap();
        let err = migrate(&mut conn, Path::new("old.db")).unwrap_err().to_string();
        assert!(err.contains("init --practice") && err.contains("old.db"), "{err}");
    }

    #[test]
    fn a_ledger_newer_than_this_claimkit_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        conn.execute("INSERT INTO schema_migrations VALUES (?1, 'future', 't')", [latest_version() + 1]).unwrap();
        let err = migrate(&mut conn, Path::new("new.db")).unwrap_err();
        assert!(matches!(err, LedgerError::SchemaTooNew { .. }), "{err}");
    }
}
