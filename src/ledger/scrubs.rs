//! Scrub results: each encounter's findings (`scrub_findings`) and status (`encounter_scrubs`, the
//! content hash it belongs to and the CLM01 its primary claim will get), and what the scrub reads:
//! the stored encounters with the result in force (view `encounter_scrub_state`) and the lines
//! already billed. Findings and statuses are written a batch at a time ([`PendingWrites`]).

use rusqlite::types::ToSql;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};

use super::{LedgerError, Result, now_timestamp};
use crate::encounter::Encounter;

/// Foreign keys stay on, checked once at commit instead of row by row.
pub fn defer_foreign_keys(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    Ok(())
}

/// A read-only connection to the ledger file at `path`, for a thread that reads the stored
/// encounters ([`read_stored`]) beside the one writing their results.
pub fn open_reader(file: &super::LedgerFile) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = super::crypt::open_connection(&file.path, flags, file.key.as_ref())?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// A stored encounter and the scrub result in force for it.
pub struct StoredRow {
    pub id: String,
    pub content_hash: String,
    /// The encounter, or where its JSON is unreadable (line, column).
    pub encounter: Result<Encounter, (usize, usize)>,
    pub stored_status: Option<String>,
    pub scrubbed_hash: Option<String>,
    /// An `encounter_scrubs` row exists (to be replaced).
    pub has_status_row: bool,
    /// Findings are stored (to be replaced).
    pub has_findings: bool,
}

/// Reads encounter `only` (billed or not), or every encounter without a claim, in table order,
/// handing each to `each` until it answers false.
pub fn read_stored(conn: &Connection, only: Option<&str>, each: &mut dyn FnMut(StoredRow) -> bool) -> Result<()> {
    // The result in force: the encounter_scrubs row, else the old encounters columns.
    const COLUMNS: &str = "SELECT e.id, e.content_hash, e.encounter_json,
            s.scrub_status,
            s.scrubbed_hash,
            s.encounter_id IS NOT NULL,
            EXISTS (SELECT 1 FROM scrub_findings f WHERE f.encounter_id = e.id)
         FROM encounters e LEFT JOIN encounter_scrubs s ON s.encounter_id = e.id";
    let mut select = match only {
        Some(_) => conn.prepare(&format!("{COLUMNS} WHERE e.id = ?1"))?,
        // Table order: the wide rows are read once, front to back.
        None => conn.prepare(&format!(
            "{COLUMNS} WHERE NOT EXISTS (SELECT 1 FROM claims_not_rebilled c WHERE c.encounter_id = e.id) ORDER BY e.rowid"
        ))?,
    };
    let mut rows = match only {
        Some(id) => select.query([id])?,
        None => select.query([])?,
    };
    while let Some(row) = rows.next()? {
        let stored = StoredRow {
            id: row.get(0)?,
            content_hash: row.get(1)?,
            // Parsed straight from SQLite's buffer: no copy of the JSON.
            encounter: serde_json::from_str(super::stored_text(row, 2)?).map_err(|e| (e.line(), e.column())),
            stored_status: row.get(3)?,
            scrubbed_hash: row.get(4)?,
            has_status_row: row.get(5)?,
            has_findings: row.get(6)?,
        };
        if !each(stored) {
            break;
        }
    }
    Ok(())
}

/// A finding as the ledger keeps it.
#[derive(Debug, PartialEq, Eq)]
pub struct StoredFinding {
    pub rule_id: String,
    pub severity: String,
    pub line: Option<i64>,
    pub message: String,
    pub fix: String,
}

/// The findings stored for `encounter_id`, in the order they were written.
pub fn findings(conn: &Connection, encounter_id: &str) -> Result<Vec<StoredFinding>> {
    let mut stmt = conn.prepare_cached(
        "SELECT rule_id, severity, line_number, message, fix FROM scrub_findings WHERE encounter_id = ?1 ORDER BY rowid",
    )?;
    let rows = stmt.query_map([encounter_id], |r| {
        Ok(StoredFinding {
            rule_id: r.get(0)?,
            severity: r.get(1)?,
            line: r.get(2)?,
            message: r.get(3)?,
            fix: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Encounters scrubbed per batch of writes.
pub const ENCOUNTERS_PER_WRITE: usize = 64;

/// Findings and statuses of scrubbed encounters, written to the ledger a batch at a time: one
/// multi-row DELETE/INSERT for the findings and one UPDATE for the statuses instead of a
/// statement per encounter and finding. `OR FAIL`: a multi-row statement that may abort halfway
/// needs a statement journal (a copy of every page it touches); any failure fails the whole run,
/// whose transaction rolls back.
#[derive(Default)]
pub struct PendingWrites {
    findings: Vec<(String, Vec<StoredFinding>)>,
    /// Encounters whose stored findings are to be deleted.
    stale_findings: Vec<String>,
    /// (encounter ID, status, content hash scrubbed, primary CLM01, payer ID).
    statuses: Vec<(String, &'static str, String, String, String)>,
    /// Encounters whose `encounter_scrubs` row is to be replaced.
    stale_statuses: Vec<String>,
}

impl PendingWrites {
    /// Replaces the findings of `encounter_id` (`stored`: it has some to delete).
    pub fn replace_findings(&mut self, encounter_id: String, stored: bool, findings: Vec<StoredFinding>) {
        if stored {
            self.stale_findings.push(encounter_id.clone());
        }
        if !findings.is_empty() {
            self.findings.push((encounter_id, findings));
        }
    }

    /// Sets the scrub result of `status.0` (`stored`: it has an `encounter_scrubs` row to replace):
    /// (encounter ID, status code, content hash scrubbed, primary CLM01, payer ID).
    pub fn set_status(&mut self, stored: bool, status: (String, &'static str, String, String, String)) {
        if stored {
            self.stale_statuses.push(status.0.clone());
        }
        self.statuses.push(status);
    }

    /// A batch is ready to be written.
    pub fn is_full(&self) -> bool {
        [self.findings.len(), self.stale_findings.len(), self.statuses.len(), self.stale_statuses.len()]
            .iter()
            .any(|n| *n >= ENCOUNTERS_PER_WRITE)
    }

    /// Writes what is pending.
    pub fn write(&mut self, tx: &Transaction<'_>, scrubbed_at: &str) -> Result<()> {
        for (ids, table) in
            [(&mut self.stale_findings, "scrub_findings"), (&mut self.stale_statuses, "encounter_scrubs")]
        {
            if ids.is_empty() {
                continue;
            }
            let values: Vec<&dyn ToSql> = ids.iter().map(|id| id as &dyn ToSql).collect();
            let sql = format!("DELETE FROM {table} WHERE encounter_id IN ({})", placeholders(1, values.len()));
            execute(tx, &sql, values.len() == ENCOUNTERS_PER_WRITE, &values)?;
            ids.clear();
        }
        if !self.findings.is_empty() {
            let rows: Vec<(&String, &StoredFinding)> =
                self.findings.iter().flat_map(|(id, fs)| fs.iter().map(move |f| (id, f))).collect();
            for chunk in rows.chunks(FINDINGS_PER_INSERT) {
                let mut values: Vec<&dyn ToSql> = Vec::with_capacity(chunk.len() * 7);
                for (id, f) in chunk {
                    values.extend_from_slice(&[
                        *id as &dyn ToSql,
                        &f.rule_id,
                        &f.severity,
                        &f.line,
                        &f.message,
                        &f.fix,
                        &scrubbed_at,
                    ]);
                }
                let sql = format!(
                    "INSERT OR FAIL INTO scrub_findings (encounter_id, rule_id, severity, line_number, message, fix,
                         scrubbed_at) VALUES {}",
                    placeholders(7, chunk.len())
                );
                execute(tx, &sql, chunk.len() == FINDINGS_PER_INSERT, &values)?;
            }
            self.findings.clear();
        }
        if !self.statuses.is_empty() {
            // One narrow row per encounter (never the wide encounters row, which holds the JSON).
            let full = self.statuses.len() == ENCOUNTERS_PER_WRITE;
            let codes: Vec<&str> = self.statuses.iter().map(|(_, s, ..)| *s).collect();
            let mut values: Vec<&dyn ToSql> = Vec::with_capacity(self.statuses.len() * 6);
            for ((id, _, hash, pcn, payer), code) in self.statuses.iter().zip(&codes) {
                values.extend_from_slice(&[id as &dyn ToSql, code, hash, pcn, payer, &scrubbed_at]);
            }
            let sql = format!(
                "INSERT OR FAIL INTO encounter_scrubs (encounter_id, scrub_status, scrubbed_hash, primary_pcn, payer_id,
                     scrubbed_at)
                 VALUES {}",
                placeholders(6, self.statuses.len())
            );
            execute(tx, &sql, full, &values)?;
            self.statuses.clear();
        }
        Ok(())
    }
}

/// Findings per multi-row INSERT.
const FINDINGS_PER_INSERT: usize = 64;

/// `(?,?),(?,?)...`: `rows` groups of `per_row` placeholders; one group without parentheses when
/// `per_row` is 1 (for `IN (...)`).
fn placeholders(per_row: usize, rows: usize) -> String {
    let row = if per_row == 1 { "?".to_string() } else { format!("({})", vec!["?"; per_row].join(",")) };
    vec![row; rows].join(",")
}

/// Runs `sql`: cached when it is a full-size batch (the same text every time), prepared once otherwise.
fn execute(tx: &Transaction<'_>, sql: &str, full: bool, values: &[&dyn ToSql]) -> Result<()> {
    if full {
        tx.prepare_cached(sql)?.execute(values)?;
    } else {
        tx.prepare(sql)?.execute(values)?;
    }
    Ok(())
}

/// A line of a billed claim, as DUPLICATE-CLAIM compares it.
pub struct BilledLine {
    pub pcn: String,
    pub encounter_id: String,
    pub payer_id: String,
    pub patient_id: String,
    pub line: i64,
    pub dos: String,
    pub code: String,
    pub modifiers: String,
    pub units: String,
    pub rendering: Option<String>,
}

/// The lines of the claims billed so far (not voided or rejected), by claim and line number, for
/// DUPLICATE-CLAIM. A line without its own rendering NPI has the encounter's.
pub fn billed_lines(conn: &Connection) -> Result<Vec<BilledLine>> {
    let mut stmt = conn.prepare(
        "SELECT c.pcn, c.encounter_id, c.payer_id, c.patient_id, l.line_number, l.date_of_service,
                l.procedure_code, l.modifiers, l.units,
                COALESCE(l.rendering_npi, json_extract(e.encounter_json, '$.rendering_npi'))
         FROM claims c JOIN claim_lines l ON l.pcn = c.pcn JOIN encounters e ON e.id = c.encounter_id
         WHERE c.status NOT IN ('voided', 'rejected') AND c.frequency <> '8'
         ORDER BY c.pcn, l.line_number",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(BilledLine {
            pcn: r.get(0)?,
            encounter_id: r.get(1)?,
            payer_id: r.get(2)?,
            patient_id: r.get(3)?,
            line: r.get(4)?,
            dos: r.get(5)?,
            code: r.get(6)?,
            modifiers: r.get(7)?,
            units: r.get(8)?,
            rendering: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Inserts an encounter row as ingest does (for tests and benches of the scrub store path).
#[doc(hidden)]
pub fn insert_encounter_for_test(tx: &Transaction<'_>, e: &Encounter) -> Result<()> {
    let json = serde_json::to_string(e).map_err(|e| LedgerError::Corrupt(format!("encounter: {e}")))?;
    let now = now_timestamp();
    tx.prepare_cached(
        "INSERT INTO encounters (id, payer_id, patient_id, first_dos, last_dos, total_charge, line_count, content_hash,
             encounter_json, source_format, source_file, source_locator, imported_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'csv', ?10, ?11, ?12, ?12)",
    )?
    .execute(params![
        e.id,
        e.payer_id,
        e.patient.id,
        e.first_date_of_service().map(|d| d.to_string()),
        e.last_date_of_service().map(|d| d.to_string()),
        super::money_text(e.total_charge()),
        e.lines.len() as i64,
        e.content_hash(),
        json,
        e.source.file,
        e.source.locator,
        now
    ])?;
    Ok(())
}

/// The scrub status in force for an encounter, if it was scrubbed.
pub fn status(conn: &Connection, encounter_id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT scrub_status FROM encounter_scrub_state WHERE encounter_id = ?1", [encounter_id], |r| {
            r.get(0)
        })
        .optional()?
        .flatten())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Ledger, billing};
    use crate::scrub::CodeReference;
    use crate::scrub::store::{ScrubError, ScrubOptions, run_scrub, scrub_status};
    use crate::scrub::testing::*;
    use rust_decimal::Decimal;
    use std::path::Path;

    fn ledger_with(encounters: &[Encounter]) -> Ledger {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let tx = ledger.transaction().unwrap();
        billing::save_practice(&tx, &practice(), Path::new("p.toml"), "x").unwrap();
        for e in encounters {
            insert_encounter_for_test(&tx, e).unwrap();
        }
        tx.commit().unwrap();
        ledger
    }

    fn options(r: &dyn CodeReference) -> ScrubOptions<'_> {
        ScrubOptions { encounter: None, today: today(), reference: r }
    }

    #[test]
    fn a_run_stores_findings_and_status_and_a_second_run_changes_nothing() {
        let mut bad = clean_encounter();
        bad.id = "E2".into();
        bad.patient.id = "P2".into();
        bad.lines[0].charge = Decimal::ZERO;
        let mut ledger = ledger_with(&[clean_encounter(), bad]);
        let r = reference();
        let run = run_scrub(&mut ledger, &options(&r)).unwrap();
        assert_eq!((run.summary.encounters, run.summary.clean, run.summary.error, run.summary.held), (2, 1, 1, 1));
        assert_eq!(run.summary.unchanged, 0);
        assert_eq!(scrub_status(&ledger, "E2").unwrap().as_deref(), Some("error"));
        let stored: i64 = ledger
            .conn()
            .query_row("SELECT COUNT(*) FROM scrub_findings WHERE encounter_id = 'E2'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, 1);
        let again = run_scrub(&mut ledger, &options(&r)).unwrap();
        assert_eq!(again.summary.unchanged, 2);
        assert!(again.encounters.iter().all(|e| !e.changed));
    }

    #[test]
    fn a_run_larger_than_one_write_batch_stores_every_status_and_finding() {
        // 2.5 write batches, so full (cached) and partial statements both run.
        let count = ENCOUNTERS_PER_WRITE * 5 / 2;
        let encounters: Vec<Encounter> = (0..count)
            .map(|i| {
                let mut e = clean_encounter();
                e.id = format!("E{i:04}");
                e.patient.id = format!("P{i:04}");
                if i % 3 == 0 {
                    e.lines[0].charge = Decimal::ZERO;
                }
                e
            })
            .collect();
        let held = encounters.iter().filter(|e| e.lines[0].charge.is_zero()).count();
        let mut ledger = ledger_with(&encounters);
        let r = reference();
        let run = run_scrub(&mut ledger, &options(&r)).unwrap();
        assert_eq!((run.summary.encounters, run.summary.held), (count, held));
        let rows = |ledger: &Ledger, sql: &str| -> i64 { ledger.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            rows(
                &ledger,
                "SELECT COUNT(*) FROM encounter_scrubs s JOIN encounters e ON e.id = s.encounter_id
                 WHERE s.scrubbed_hash = e.content_hash"
            ),
            count as i64
        );
        assert_eq!(rows(&ledger, "SELECT COUNT(*) FROM encounter_scrubs WHERE scrub_status = 'error'"), held as i64);
        let findings: usize = run.encounters.iter().map(|e| e.findings.len()).sum();
        assert_eq!(rows(&ledger, "SELECT COUNT(*) FROM scrub_findings"), findings as i64);
        let again = run_scrub(&mut ledger, &options(&r)).unwrap();
        assert_eq!(again.summary.unchanged, count, "a second run changes nothing");
        assert_eq!(rows(&ledger, "SELECT COUNT(*) FROM scrub_findings"), findings as i64);
    }

    #[test]
    fn a_later_run_refreshes_changed_messages_and_a_changed_import_is_rescrubbed() {
        let mut late = clean_encounter();
        for l in &mut late.lines {
            l.date_of_service = d("2025-06-02");
        }
        let mut ledger = ledger_with(&[late]);
        let r = reference();
        run_scrub(&mut ledger, &options(&r)).unwrap();
        let message = |ledger: &Ledger| -> String {
            ledger.conn().query_row("SELECT message FROM scrub_findings", [], |r| r.get(0)).unwrap()
        };
        let first = message(&ledger);
        let next_day = ScrubOptions { today: d("2026-11-21"), ..options(&r) };
        let run = run_scrub(&mut ledger, &next_day).unwrap();
        assert_eq!((run.summary.unchanged, run.summary.error), (0, 1));
        assert_ne!(message(&ledger), first, "the day count in the TIMELY-FILING message moved on");
        // A changed re-import clears the status (ingest's job); the next run scrubs it again.
        ledger.conn().execute("UPDATE encounters SET content_hash = 'new'", []).unwrap();
        let run = run_scrub(&mut ledger, &next_day).unwrap();
        assert_eq!(run.summary.unchanged, 0);
        assert_eq!(scrub_status(&ledger, "E1001").unwrap().as_deref(), Some("error"));
        let hash: String =
            ledger.conn().query_row("SELECT scrubbed_hash FROM encounter_scrub_state", [], |r| r.get(0)).unwrap();
        assert_eq!(hash, "new");
    }

    #[test]
    fn without_a_practice_the_run_fails_clearly() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let r = reference();
        assert!(matches!(run_scrub(&mut ledger, &options(&r)), Err(ScrubError::NoPractice)));
    }

    #[test]
    fn one_encounter_can_be_scrubbed_and_an_unknown_one_is_an_error() {
        let mut other = clean_encounter();
        other.id = "E2".into();
        let mut ledger = ledger_with(&[clean_encounter(), other]);
        let r = reference();
        let run = run_scrub(&mut ledger, &ScrubOptions { encounter: Some("E2".into()), ..options(&r) }).unwrap();
        assert_eq!(run.encounters.len(), 1);
        assert!(scrub_status(&ledger, "E1001").unwrap().is_none());
        let missing = run_scrub(&mut ledger, &ScrubOptions { encounter: Some("E9".into()), ..options(&r) });
        assert!(matches!(missing, Err(ScrubError::UnknownEncounter(_))));
    }

    #[test]
    fn billed_encounters_are_skipped_and_their_claims_catch_duplicates() {
        let mut copy = clean_encounter();
        copy.id = "E2".into();
        let mut ledger = ledger_with(&[clean_encounter(), copy]);
        let tx = ledger.transaction().unwrap();
        tx.execute(
            "INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, encounter_hash, patient_id,
                 first_dos, last_dos, total_charge, status, submitted_at, updated_at)
             VALUES ('C1', 'E1001', 'MCRB1', 'P', '1', 'h', 'P77', '2026-11-02', '2026-11-02', '250.00', 'submitted', 't', 't')",
            [],
        )
        .unwrap();
        for (n, code) in [(1, "99213"), (2, "36415")] {
            tx.execute(
                "INSERT INTO claim_lines (pcn, line_number, line_control_number, procedure_code, modifiers, units, charge,
                     date_of_service, rendering_npi) VALUES ('C1', ?1, ?2, ?3, '', '1', '125.00', '2026-11-02', NULL)",
                params![n, format!("C1-{n}"), code],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        let r = reference();
        let run = run_scrub(&mut ledger, &options(&r)).unwrap();
        assert_eq!(run.encounters.len(), 1);
        assert_eq!(run.encounters[0].id, "E2");
        assert_eq!(rules_of(&run.encounters[0].findings), ["DUPLICATE-CLAIM"]);
    }
}
