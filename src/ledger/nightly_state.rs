//! What the last nightly run found, so the next one can tell a new problem from one that was
//! already there ("same as yesterday"). One row per finding, keyed by a stable text the nightly
//! run makes (kind, the encounter or file content it is about, what is wrong); each run replaces
//! the set and keeps the date a finding was first seen.
//!
//! The table is created at first use, outside the versioned schema: it is the nightly run's
//! memory, not billing data, and a ledger without it simply has no previous run.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};

use super::Result;

const CREATE: &str = "CREATE TABLE IF NOT EXISTS nightly_findings (
    key TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL
) WITHOUT ROWID";

/// The findings the last run left, with the date each was first seen.
pub fn previous_findings(conn: &Connection) -> Result<BTreeMap<String, String>> {
    conn.execute_batch(CREATE)?;
    let mut stmt = conn.prepare("SELECT key, first_seen FROM nightly_findings")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Replaces the remembered findings with `current` (key, first seen), in one transaction.
pub fn replace_findings(conn: &mut Connection, current: &[(String, String)]) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(CREATE)?;
    tx.execute("DELETE FROM nightly_findings", [])?;
    {
        let mut insert = tx.prepare("INSERT OR REPLACE INTO nightly_findings (key, first_seen) VALUES (?1, ?2)")?;
        for (key, first_seen) in current {
            insert.execute(params![key, first_seen])?;
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_replaced_run_by_run_and_keep_their_first_date() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert!(previous_findings(&conn).unwrap().is_empty(), "no previous run");
        replace_findings(&mut conn, &[("held:E1".into(), "2026-11-24".into())]).unwrap();
        replace_findings(&mut conn, &[("held:E2".into(), "2026-11-25".into())]).unwrap();
        let previous = previous_findings(&conn).unwrap();
        assert_eq!(previous.into_iter().collect::<Vec<_>>(), [("held:E2".to_string(), "2026-11-25".to_string())]);
    }
}
