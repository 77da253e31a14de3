//! The 837P batches a build writes (`batches`), the claims and lines it records in them (`claims`,
//! `claim_lines`, and a `claim_events` row on the claim a replacement or void supersedes), and the
//! reads a build, a correction and a void start from: the clean, unbilled encounters and the
//! claim being re-billed.
//!
//! Every write goes into the build's one open transaction, with foreign keys enforced; nothing is
//! committed here (see the crash-safety protocol in `claim837::build`).

use rusqlite::{OptionalExtension, params};

use super::{Connection, LedgerError, Result, Transaction, stored_text};
use crate::dates::DateText;

/// A batch row as a build opens it, before its file is complete (its hash, transaction sets,
/// claim count and total are set by [`finish`]).
#[derive(Debug, Clone)]
pub struct NewBatch<'a> {
    pub receiver_id: &'a str,
    /// The file's final path, as shown to the user.
    pub path: &'a str,
    /// ISA13, 9 digits.
    pub isa13: &'a str,
    pub gs06: &'a str,
    /// ISA06 and ISA08: the pair the control numbers belong to.
    pub sender_id: &'a str,
    pub receiver_isa_id: &'a str,
    /// ISA15 (`P` or `T`).
    pub usage: char,
    pub created_at: &'a str,
}

/// Opens a batch row in `tx`; returns its ID.
pub fn begin(tx: &Transaction<'_>, batch: &NewBatch<'_>) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO batches (receiver_id, path, sha256, isa13, gs06, st02_list, sender_id, receiver_isa_id, usage,
             claim_count, total_charge, created_at)
         VALUES (?1, ?2, '', ?3, ?4, '', ?5, ?6, ?7, 0, '0.00', ?8)",
    )?
    .execute(params![
        batch.receiver_id,
        batch.path,
        batch.isa13,
        batch.gs06,
        batch.sender_id,
        batch.receiver_isa_id,
        batch.usage.to_string(),
        batch.created_at
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Completes batch `id` once its file is written: the file's SHA-256, its ST02s, how many claims
/// it carries and their total charge (ledger money text).
pub fn finish(
    tx: &Transaction<'_>,
    id: i64,
    sha256: &str,
    st02: &[String],
    claims: usize,
    total_charge: &str,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE batches SET sha256 = ?1, st02_list = ?2, claim_count = ?3, total_charge = ?4 WHERE id = ?5",
    )?
    .execute(params![sha256, st02.join(","), claims as i64, total_charge, id])?;
    Ok(())
}

/// Removes batch `id`, opened in this transaction, that ended up carrying no claim.
pub fn discard(tx: &Transaction<'_>, id: i64) -> Result<()> {
    tx.prepare_cached("DELETE FROM batches WHERE id = ?1")?.execute([id])?;
    Ok(())
}

/// The receivers of the recorded batches whose ISA13 is `isa13` (9 digits).
pub fn receivers_with_isa13(conn: &Connection, isa13: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT receiver_id FROM batches WHERE isa13 = ?1")?;
    let rows = stmt.query_map([isa13], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One claim as the ledger records it when its batch is written.
#[derive(Debug, Clone)]
pub struct NewClaim {
    pub pcn: String,
    pub encounter_id: String,
    pub payer_id: String,
    /// SBR01 (`P`, `S`, `T`).
    pub responsibility: &'static str,
    /// CLM05-3 (`1`, `7`, `8`).
    pub frequency: &'static str,
    /// The claim a replacement or void supersedes.
    pub replaces: Option<String>,
    pub st02: String,
    /// The content hash of the encounter version billed.
    pub encounter_hash: String,
    pub patient_id: String,
    pub member_id: String,
    /// The coverage after this payer (the secondary, after a primary claim).
    pub next_payer_id: Option<String>,
    pub first_dos: DateText,
    pub last_dos: DateText,
    /// Ledger money text.
    pub total_charge: String,
    pub lines: Vec<NewClaimLine>,
}

/// One service line of a [`NewClaim`].
#[derive(Debug, Clone)]
pub struct NewClaimLine {
    pub number: u32,
    pub control_number: String,
    pub procedure_code: String,
    /// Modifiers joined by `:`.
    pub modifiers: String,
    pub units: String,
    /// Ledger money text.
    pub charge: String,
    pub date_of_service: DateText,
    pub rendering_npi: Option<String>,
}

/// Records `claim` as submitted in batch `batch_id` at `at`, with its lines; for a replacement or
/// a void, also the event on the claim it supersedes, naming `file` (the batch's file name) and
/// `source` (its path).
pub fn record_claim(
    tx: &Transaction<'_>,
    batch_id: i64,
    at: &str,
    claim: &NewClaim,
    file: &str,
    source: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, replaces_pcn, batch_id, st02,
             encounter_hash, patient_id, member_id, next_payer_id, first_dos, last_dos, total_charge, submitted_at,
             updated_at, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16, 'submitted')",
    )?
    .execute(params![
        claim.pcn,
        claim.encounter_id,
        claim.payer_id,
        claim.responsibility,
        claim.frequency,
        claim.replaces,
        batch_id,
        claim.st02,
        claim.encounter_hash,
        claim.patient_id,
        claim.member_id,
        claim.next_payer_id,
        claim.first_dos,
        claim.last_dos,
        claim.total_charge,
        at
    ])?;
    if claim.responsibility == "P" {
        // Its encounter is billed: no longer among those left to bill.
        tx.prepare_cached("DELETE FROM unbilled_encounters WHERE encounter_id = ?1")?.execute([&claim.encounter_id])?;
    }
    let mut line = tx.prepare_cached(
        "INSERT INTO claim_lines (pcn, line_number, line_control_number, procedure_code, modifiers, units, charge,
             date_of_service, rendering_npi)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for l in &claim.lines {
        line.execute(params![
            claim.pcn,
            l.number,
            l.control_number,
            l.procedure_code,
            l.modifiers,
            l.units,
            l.charge,
            l.date_of_service,
            l.rendering_npi
        ])?;
    }
    // A claim's own `submitted` entry is its claims row (the view claim_history words it); the
    // claim it supersedes gets an event.
    if let Some(old) = &claim.replaces {
        let (kind, words) = if claim.frequency == "8" { ("voided", "void") } else { ("corrected", "replacement") };
        tx.prepare_cached(
            "INSERT INTO claim_events (pcn, at, kind, status_after, amount, detail, source_file)
             VALUES (?1, ?2, ?3, NULL, NULL, ?4, ?5)",
        )?
        .execute(params![old, at, kind, format!("{words} claim {} sent in {file}", claim.pcn), source])?;
    }
    Ok(())
}

/// The scrub rows of encounters without a primary claim in force (`s`), and the test of such a row
/// being clean and of one of the payers in `?1` (a JSON array). They read the narrow rows alone:
/// whether the row is still for its encounter's current content is left to the query that reads
/// the encounter. `unbilled_encounters` holds only what is left to bill, so the cost does not
/// grow with the claims billed before.
const UNBILLED_SCRUBS: &str = "unbilled_encounters u CROSS JOIN encounter_scrubs s ON s.encounter_id = u.encounter_id";
const CLEAN_OF_PAYERS: &str =
    "s.scrub_status IN ('clean', 'warning') AND s.payer_id IN (SELECT value FROM json_each(?1))";

fn json_list(ids: &[&str]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// How many encounters of `payers` a build may bill: an upper bound read from the narrow scrub
/// rows alone (a row made stale by a re-import since counts, but is not billed).
pub fn count_billable(conn: &Connection, payers: &[&str]) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM {UNBILLED_SCRUBS} WHERE {CLEAN_OF_PAYERS}"))?
        .query_row([json_list(payers)], |r| r.get(0))?;
    Ok(n as usize)
}

/// The clean, unbilled encounters (ID, payer ID, by ID) of every payer not in `billable`: clean,
/// but with no payer or receiver configured to send them to.
pub fn clean_of_other_payers(conn: &Connection, billable: &[&str]) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT e.id, e.payer_id FROM {UNBILLED_SCRUBS} CROSS JOIN encounters e ON e.id = s.encounter_id
         WHERE s.scrub_status IN ('clean', 'warning') AND s.payer_id NOT IN (SELECT value FROM json_each(?1))
           AND s.scrubbed_hash = e.content_hash
         ORDER BY e.id"
    ))?;
    let rows = stmt.query_map([json_list(billable)], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One clean, unbilled encounter as [`for_each_billable`] reads it, borrowed from SQLite's buffer.
pub struct BillableEncounter<'r> {
    pub id: &'r str,
    pub encounter_json: &'r str,
    pub content_hash: &'r str,
}

/// Calls `each` with every clean, unbilled encounter of `payers` whose scrub is for its current
/// content, in the order the encounters were imported, until `each` answers false or fails.
///
/// The candidates are picked from the narrow scrub rows first (their encounters' rowids come from
/// the ID index alone; the list is made before the first row is returned, so the claims `each`
/// records meanwhile on the same connection do not change it); the wide rows are then read in
/// rowid order, each page once. Only the candidates' rowids are held: memory stays flat however
/// many encounters.
pub fn for_each_billable<E: From<LedgerError>>(
    conn: &Connection,
    payers: &[&str],
    mut each: impl FnMut(BillableEncounter<'_>) -> std::result::Result<bool, E>,
) -> std::result::Result<(), E> {
    let sql = format!(
        "SELECT e.id, e.encounter_json, e.content_hash
         FROM encounters e CROSS JOIN encounter_scrubs s ON s.encounter_id = e.id
         WHERE e.rowid IN (SELECT e.rowid FROM {UNBILLED_SCRUBS} CROSS JOIN encounters e ON e.id = s.encounter_id
                           WHERE {CLEAN_OF_PAYERS})
           AND s.scrubbed_hash = e.content_hash
         ORDER BY e.rowid"
    );
    let sql_err = |e: rusqlite::Error| E::from(LedgerError::Sql(e));
    let mut stmt = conn.prepare_cached(&sql).map_err(sql_err)?;
    let mut rows = stmt.query([json_list(payers)]).map_err(sql_err)?;
    while let Some(row) = rows.next().map_err(sql_err)? {
        let encounter = BillableEncounter {
            id: stored_text(row, 0).map_err(sql_err)?,
            encounter_json: stored_text(row, 1).map_err(sql_err)?,
            content_hash: stored_text(row, 2).map_err(sql_err)?,
        };
        if !each(encounter)? {
            break;
        }
    }
    Ok(())
}

/// What a correction or void needs of the claim it re-bills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilledClaim {
    pub encounter_id: String,
    /// SBR01 code.
    pub responsibility: String,
    /// CLM05-3 code.
    pub frequency: String,
    pub payer_claim_number: Option<String>,
}

/// Claim `pcn`, if recorded.
pub fn billed_claim(conn: &Connection, pcn: &str) -> Result<Option<BilledClaim>> {
    Ok(conn
        .prepare_cached(
            "SELECT encounter_id, responsibility, frequency, payer_claim_number FROM claims WHERE pcn = ?1",
        )?
        .query_row([pcn], |r| {
            Ok(BilledClaim {
                encounter_id: r.get(0)?,
                responsibility: r.get(1)?,
                frequency: r.get(2)?,
                payer_claim_number: r.get(3)?,
            })
        })
        .optional()?)
}

/// The void (frequency 8) that superseded claim `pcn`, if any.
pub fn voided_by(conn: &Connection, pcn: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT pcn FROM claims WHERE replaces_pcn = ?1 AND frequency = '8'")?
        .query_row([pcn], |r| r.get(0))
        .optional()?)
}

/// How many claims of encounter `encounter_id` were billed with this responsibility and frequency.
pub fn claims_billed(conn: &Connection, encounter_id: &str, responsibility: &str, frequency: &str) -> Result<u32> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM claims WHERE encounter_id = ?1 AND responsibility = ?2 AND frequency = ?3",
        )?
        .query_row(params![encounter_id, responsibility, frequency], |r| r.get(0))?;
    Ok(n as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;

    fn date(s: &str) -> DateText {
        crate::dates::iso(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    fn batch(tx: &Transaction<'_>, isa13: &str) -> i64 {
        begin(
            tx,
            &NewBatch {
                receiver_id: "CH1",
                path: "out/CH1-000000001.837",
                isa13,
                gs06: "1",
                sender_id: "S",
                receiver_isa_id: "R",
                usage: 'T',
                created_at: "t",
            },
        )
        .unwrap()
    }

    fn claim(pcn: &str, replaces: Option<&str>, frequency: &'static str) -> NewClaim {
        NewClaim {
            pcn: pcn.into(),
            encounter_id: "E1".into(),
            payer_id: "P1".into(),
            responsibility: "P",
            frequency,
            replaces: replaces.map(str::to_string),
            st02: "0001".into(),
            encounter_hash: "h".into(),
            patient_id: "PT1".into(),
            member_id: "M1".into(),
            next_payer_id: None,
            first_dos: date("2026-10-01"),
            last_dos: date("2026-10-01"),
            total_charge: "100.00".into(),
            lines: vec![NewClaimLine {
                number: 1,
                control_number: format!("{pcn}-1"),
                procedure_code: "99213".into(),
                modifiers: String::new(),
                units: "1".into(),
                charge: "100.00".into(),
                date_of_service: date("2026-10-01"),
                rendering_npi: None,
            }],
        }
    }

    fn with_encounter() -> Ledger {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let tx = ledger.transaction().unwrap();
        tx.execute(
            "INSERT INTO encounters (id, payer_id, patient_id, total_charge, line_count, content_hash, encounter_json,
                 source_format, source_file, source_locator, imported_at, updated_at)
             VALUES ('E1', 'P1', 'PT1', '100.00', 1, 'h', '{}', 'csv', 'f', 'l', 't', 't')",
            [],
        )
        .unwrap();
        crate::ledger::encounters::mark_unbilled(&tx, "E1").unwrap();
        tx.commit().unwrap();
        ledger
    }

    #[test]
    fn a_void_is_recorded_with_its_line_and_an_event_on_the_claim_it_supersedes() {
        let mut ledger = with_encounter();
        let tx = ledger.transaction().unwrap();
        let id = batch(&tx, "000000001");
        record_claim(&tx, id, "t", &claim("C1", None, "1"), "f.837", "out/f.837").unwrap();
        record_claim(&tx, id, "t", &claim("C2", Some("C1"), "8"), "f.837", "out/f.837").unwrap();
        finish(&tx, id, "abc", &["0001".into()], 2, "200.00").unwrap();
        tx.commit().unwrap();
        let conn = ledger.conn();
        assert_eq!(voided_by(conn, "C1").unwrap().as_deref(), Some("C2"));
        assert_eq!(claims_billed(conn, "E1", "P", "1").unwrap(), 1);
        let billed = billed_claim(conn, "C2").unwrap().unwrap();
        assert_eq!((billed.frequency.as_str(), billed.payer_claim_number), ("8", None));
        let (kind, detail): (String, String) = conn
            .query_row("SELECT kind, detail FROM claim_events WHERE pcn = 'C1'", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!((kind.as_str(), detail.as_str()), ("voided", "void claim C2 sent in f.837"));
        let lines: i64 = conn.query_row("SELECT COUNT(*) FROM claim_lines", [], |r| r.get(0)).unwrap();
        assert_eq!(lines, 2);
        assert_eq!(receivers_with_isa13(conn, "000000001").unwrap(), ["CH1"]);
        assert!(receivers_with_isa13(conn, "000000002").unwrap().is_empty());
    }

    #[test]
    fn a_claim_of_an_unknown_encounter_is_refused_by_its_foreign_key() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let tx = ledger.transaction().unwrap();
        let id = batch(&tx, "000000001");
        let err = record_claim(&tx, id, "t", &claim("C1", None, "1"), "f.837", "out/f.837").unwrap_err();
        assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    }

    #[test]
    fn a_discarded_batch_leaves_no_row() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let tx = ledger.transaction().unwrap();
        let id = batch(&tx, "000000007");
        discard(&tx, id).unwrap();
        assert!(receivers_with_isa13(&tx, "000000007").unwrap().is_empty());
    }
}
