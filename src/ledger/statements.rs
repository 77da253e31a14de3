//! What patient statements read (each patient's visits, lines and A/R entries) and the record of
//! the statements sent.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use super::{Result, now_timestamp};

/// Patients whose own balance (their A/R, net of credits) is at least `min_cents`, by patient ID.
pub fn patients_owing(conn: &Connection, min_cents: i64, as_of: NaiveDate) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT patient_id, SUM(amount_cents) FROM ar_entries
         WHERE payer_id IS NULL AND effective_on <= ?2
         GROUP BY patient_id HAVING SUM(amount_cents) >= ?1 AND SUM(amount_cents) > 0 ORDER BY patient_id",
    )?;
    let rows = stmt.query_map(params![min_cents, as_of.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A visit of the patient with some activity on the patient's side: its encounter (JSON), and what
/// the patient owes on it.
#[derive(Debug, Clone)]
pub struct VisitRow {
    pub encounter_id: String,
    pub encounter_json: String,
    pub patient_cents: i64,
}

/// The patient's visits with a patient balance or patient payments, oldest first.
pub fn patient_visits(conn: &Connection, patient_id: &str, as_of: NaiveDate) -> Result<Vec<VisitRow>> {
    let mut stmt = conn.prepare(
        "SELECT e.id, e.encounter_json, SUM(a.amount_cents) FROM ar_entries a JOIN encounters e ON e.id = a.encounter_id
         WHERE a.patient_id = ?1 AND a.payer_id IS NULL AND a.effective_on <= ?2
         GROUP BY e.id ORDER BY MIN(e.first_dos), e.id",
    )?;
    let rows = stmt.query_map(params![patient_id, as_of.to_string()], |r| {
        Ok(VisitRow { encounter_id: r.get(0)?, encounter_json: r.get(1)?, patient_cents: r.get(2)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One A/R entry of a visit as a statement explains it.
#[derive(Debug, Clone)]
pub struct VisitEntry {
    pub line_number: Option<u32>,
    pub kind: String,
    /// `None`: the patient.
    pub payer_id: Option<String>,
    pub cents: i64,
    pub group_code: Option<String>,
    pub reason_code: Option<String>,
    pub effective_on: String,
}

pub fn visit_entries(conn: &Connection, encounter_id: &str, as_of: NaiveDate) -> Result<Vec<VisitEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT line_number, kind, payer_id, amount_cents, group_code, reason_code, effective_on FROM ar_entries
         WHERE encounter_id = ?1 AND effective_on <= ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![encounter_id, as_of.to_string()], |r| {
        Ok(VisitEntry {
            line_number: r.get::<_, Option<i64>>(0)?.map(|n| n as u32),
            kind: r.get(1)?,
            payer_id: r.get(2)?,
            cents: r.get(3)?,
            group_code: r.get(4)?,
            reason_code: r.get(5)?,
            effective_on: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The patient's payments and credits not tied to a visit (an overpayment, a refund).
pub fn unapplied_cents(conn: &Connection, patient_id: &str, as_of: NaiveDate) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COALESCE(SUM(amount_cents), 0) FROM ar_entries
         WHERE patient_id = ?1 AND payer_id IS NULL AND encounter_id IS NULL AND effective_on <= ?2",
        params![patient_id, as_of.to_string()],
        |r| r.get(0),
    )?)
}

/// Records that a statement was sent (once per patient and statement date).
pub fn record_sent(
    conn: &Connection,
    patient_id: &str,
    statement_date: NaiveDate,
    due_date: NaiveDate,
    total_due_cents: i64,
    file: Option<&str>,
) -> Result<bool> {
    let done = conn.execute(
        "INSERT OR IGNORE INTO statements (patient_id, statement_date, due_date, total_due_cents, file, sent_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![patient_id, statement_date.to_string(), due_date.to_string(), total_due_cents, file, now_timestamp()],
    )?;
    Ok(done == 1)
}

/// How many statements a patient was sent, and the last date.
pub fn sent_to(conn: &Connection, patient_id: &str) -> Result<(i64, Option<String>)> {
    Ok(conn
        .query_row("SELECT COUNT(*), MAX(statement_date) FROM statements WHERE patient_id = ?1", [patient_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .unwrap_or((0, None)))
}
