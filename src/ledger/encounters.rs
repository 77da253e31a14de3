//! The encounter store: imported encounters (`encounters`) and the changes that arrived after an
//! encounter was billed (`import_conflicts`).
//!
//! An encounter is keyed by the EMR's encounter ID and compared by its content hash:
//! - new ID: inserted;
//! - same hash: unchanged, nothing is written;
//! - different hash, not yet billed (no `claims` row for it): updated, and its scrub result is
//!   cleared so the scrubber looks at it again;
//! - different hash, already billed: an `import_conflicts` row; the billed data is left alone.

use rusqlite::{Connection, OptionalExtension, params};

use super::{LedgerError, Result, now_timestamp};
use crate::encounter::Encounter;

/// What storing one encounter did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    New,
    Updated,
    Unchanged,
    /// Changed after billing: recorded in `import_conflicts`, the encounter is untouched.
    Conflict,
    /// The new version has no diagnoses or no lines where the stored one has some (a renamed or
    /// unmapped column, most likely): refused, the stored encounter is untouched.
    WouldDrop(&'static str),
}

/// Stores one encounter, read from a file of `format` (`"csv"`, ...), with `total` its total
/// charge as the ledger writes money (see the module docs for the four outcomes).
pub fn store(conn: &Connection, encounter: &Encounter, format: &str, total: &str) -> Result<Outcome> {
    let hash = encounter.content_hash();
    let existing: Option<(String, i64, i64)> = conn
        .prepare_cached(
            "SELECT content_hash, line_count, COALESCE(json_array_length(encounter_json, '$.diagnoses'), 0)
             FROM encounters WHERE id = ?1",
        )?
        .query_row([&encounter.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    if let Some((old, lines, diagnoses)) = &existing
        && *old != hash
    {
        if *diagnoses > 0 && encounter.diagnoses.is_empty() {
            return Ok(Outcome::WouldDrop("its diagnoses"));
        }
        if *lines > 0 && encounter.lines.is_empty() {
            return Ok(Outcome::WouldDrop("its service lines"));
        }
    }
    let existing = existing.map(|(hash, _, _)| hash);
    let json = serde_json::to_string(encounter).map_err(|e| LedgerError::Corrupt(format!("encounter: {e}")))?;
    let now = now_timestamp();
    let first_dos = encounter.first_date_of_service().map(|d| d.to_string());
    let last_dos = encounter.last_date_of_service().map(|d| d.to_string());
    let line_count = encounter.lines.len() as i64;
    // ?1..?13 of both the INSERT and the UPDATE below.
    let row = params![
        encounter.id,
        encounter.payer_id,
        encounter.patient.id,
        first_dos,
        last_dos,
        total,
        line_count,
        hash,
        json,
        format,
        encounter.source.file,
        encounter.source.locator,
        now
    ];
    match existing {
        None => {
            conn.prepare_cached(
                "INSERT INTO encounters (id, payer_id, patient_id, first_dos, last_dos, total_charge, line_count,
                     content_hash, encounter_json, source_format, source_file, source_locator, imported_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
            )?
            .execute(row)?;
            mark_unbilled(conn, &encounter.id)?;
            Ok(Outcome::New)
        }
        Some(old) if old == hash => Ok(Outcome::Unchanged),
        Some(_) => {
            let billed = conn
                .prepare_cached(
                    "SELECT 1 FROM claims_not_rebilled WHERE encounter_id = ?1 AND status <> 'rejected' LIMIT 1",
                )?
                .query_row([&encounter.id], |_| Ok(()))
                .optional()?
                .is_some();
            if billed {
                conn.prepare_cached(
                    "INSERT OR IGNORE INTO import_conflicts (encounter_id, source_file, source_locator,
                         new_content_hash, new_encounter_json, detected_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    encounter.id,
                    encounter.source.file,
                    encounter.source.locator,
                    hash,
                    json,
                    now
                ])?;
                return Ok(Outcome::Conflict);
            }
            conn.prepare_cached(
                "UPDATE encounters SET payer_id = ?2, patient_id = ?3, first_dos = ?4, last_dos = ?5,
                     total_charge = ?6, line_count = ?7, content_hash = ?8, encounter_json = ?9,
                     source_format = ?10, source_file = ?11, source_locator = ?12, updated_at = ?13
                 WHERE id = ?1",
            )?
            .execute(row)?;
            Ok(Outcome::Updated)
        }
    }
}

/// Lists encounter `id` among those left to bill (`unbilled_encounters`): a new encounter has no
/// claim.
pub(crate) fn mark_unbilled(conn: &Connection, id: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO unbilled_encounters (encounter_id) VALUES (?1)")?.execute([id])?;
    Ok(())
}

/// Starts a file's list of encounter IDs seen, to catch an ID that appears twice. The list is a
/// temporary table (on SQLite's temp store, not in our memory).
pub fn begin_seen_ids(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS ingest_seen (id TEXT PRIMARY KEY) WITHOUT ROWID;
         DELETE FROM temp.ingest_seen;",
    )?;
    Ok(())
}

/// Adds `id` to the file's list of IDs seen ([`begin_seen_ids`]); false when it was already there.
pub fn first_sight(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn.prepare_cached("INSERT OR IGNORE INTO temp.ingest_seen (id) VALUES (?1)")?.execute([id])? == 1)
}

/// The encounter as billed (`encounter_json`, content hash), or `None` when the ledger has no such
/// encounter.
pub fn stored(conn: &Connection, id: &str) -> Result<Option<(String, String)>> {
    Ok(conn
        .prepare_cached("SELECT encounter_json, content_hash FROM encounters WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The newest change that arrived after `id` was billed (`new_encounter_json`, content hash), if any.
pub fn latest_conflict(conn: &Connection, id: &str) -> Result<Option<(String, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT new_encounter_json, new_content_hash FROM import_conflicts WHERE encounter_id = ?1
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::csv::read_csv;
    use crate::ingest::{EncounterSink, IngestError, RecordError};
    use crate::ledger::Ledger;

    fn store_csv(conn: &Connection, e: &Encounter) -> Outcome {
        store(conn, e, "csv", &crate::ingest::money(e.total_charge()).to_string()).unwrap()
    }

    fn encounter(charge: &str) -> Encounter {
        encounter_with(charge, "I10")
    }

    fn encounter_with(charge: &str, dx: &str) -> Encounter {
        struct One(Option<Encounter>);
        impl EncounterSink for One {
            fn encounter(&mut self, e: Encounter) -> Result<(), IngestError> {
                self.0 = Some(e);
                Ok(())
            }
            fn reject(&mut self, errors: Vec<RecordError>) {
                panic!("{errors:?}");
            }
        }
        let text = format!(
            "encounter_id,patient_id,patient_last,patient_first,patient_dob,subscriber_id,payer_id,date_of_service,procedure_code,charge,diagnosis_codes\nE1,P1,Lee,Ann,1960-02-03,M1,ACME1,2026-10-01,99213,{charge},{dx}\n"
        );
        let mut one = One(None);
        read_csv(text.as_bytes(), "t.csv", None, &mut one).unwrap();
        let mut e = one.0.unwrap();
        crate::ingest::normalize(&mut e);
        e
    }

    #[test]
    fn new_unchanged_updated_then_conflict_once_billed() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let tx = ledger.transaction().unwrap();
        assert_eq!(store_csv(&tx, &encounter("110.00")), Outcome::New);
        assert_eq!(store_csv(&tx, &encounter("110")), Outcome::Unchanged);
        assert_eq!(store_csv(&tx, &encounter("120.00")), Outcome::Updated);
        let hash: String = tx.query_row("SELECT content_hash FROM encounters", [], |r| r.get(0)).unwrap();
        assert_eq!(hash, encounter("120.00").content_hash(), "a scrub result for the old content is stale");
        tx.execute(
            "INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, encounter_hash, patient_id,
                 first_dos, last_dos, total_charge, status, submitted_at, updated_at)
             VALUES ('C1', 'E1', 'ACME1', 'P', '1', 'h', 'P1', '2026-10-01', '2026-10-01', '120.00', 'submitted', 't', 't')",
            [],
        )
        .unwrap();
        assert_eq!(store_csv(&tx, &encounter("130.00")), Outcome::Conflict);
        let total: String = tx.query_row("SELECT total_charge FROM encounters", [], |r| r.get(0)).unwrap();
        assert_eq!(total, "120.00");
        // The same conflicting content again is reported again but recorded once.
        assert_eq!(store_csv(&tx, &encounter("130.00")), Outcome::Conflict);
        let n: i64 = tx.query_row("SELECT COUNT(*) FROM import_conflicts", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn an_update_that_would_drop_the_diagnoses_is_refused_and_the_stored_encounter_stays() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let tx = ledger.transaction().unwrap();
        assert_eq!(store_csv(&tx, &encounter("110.00")), Outcome::New);
        assert_eq!(store_csv(&tx, &encounter_with("110.00", "")), Outcome::WouldDrop("its diagnoses"));
        let dx: i64 = tx
            .query_row("SELECT json_array_length(encounter_json, '$.diagnoses') FROM encounters", [], |r| r.get(0))
            .unwrap();
        assert_eq!(dx, 1);
        assert_eq!(
            store_csv(&tx, &encounter_with("120.00", "I10|E11.9")),
            Outcome::Updated,
            "a change that keeps diagnoses is an update"
        );
    }
}
