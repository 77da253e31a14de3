//! Versioned schema. Each migration is an SQL file under `migrations/`, applied once, in order,
//! inside one transaction with its row in `schema_migrations`. Never edit a migration that has
//! shipped: add the next one.

use std::path::Path;

use rusqlite::Connection;

use super::{LedgerError, Result};

/// (version, name, SQL), in order.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("migrations/0001_foundation.sql")),
    (2, "billing", include_str!("migrations/0002_billing.sql")),
    (3, "code_imports", include_str!("migrations/0003_code_imports.sql")),
    (4, "remittances", include_str!("migrations/0004_remittances.sql")),
    (6, "acks", include_str!("migrations/0006_acks.sql")),
    (7, "build_speed", include_str!("migrations/0007_build_speed.sql")),
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )?;
    let current: i64 = conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
    if current > latest_version() {
        return Err(LedgerError::SchemaTooNew {
            path: path.to_path_buf(),
            found: current,
            supported: latest_version(),
        });
    }
    // Every migration not applied yet, even one numbered below the newest applied: versions are
    // assigned per feature, and a feature may land after a later-numbered one.
    let applied: Vec<i64> = {
        let mut stmt = conn.prepare("SELECT version FROM schema_migrations")?;
        stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| !applied.contains(&m.0)) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the write lock.
        let done: i64 =
            tx.query_row("SELECT COUNT(*) FROM schema_migrations WHERE version = ?1", [version], |r| r.get(0))?;
        if done == 0 {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                rusqlite::params![version, name, super::now_timestamp()],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_in_increasing_version_order() {
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "migration {} must come before {}", pair[0].1, pair[1].1);
        }
    }

    #[test]
    fn a_migration_numbered_below_the_newest_applied_one_still_applies() {
        // A ledger that got every migration but the second-newest (it landed later).
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        conn.execute_batch("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            .unwrap();
        let late = MIGRATIONS[MIGRATIONS.len() - 2].0;
        for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 != late) {
            conn.execute_batch(sql).unwrap();
            conn.execute("INSERT INTO schema_migrations VALUES (?1, ?2, 't')", rusqlite::params![version, name])
                .unwrap();
        }
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        let applied: i64 = conn.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(applied, MIGRATIONS.len() as i64);
    }

    #[test]
    fn every_migration_applies_to_an_empty_ledger() {
        crate::ledger::Ledger::open_in_memory().unwrap();
    }
}
