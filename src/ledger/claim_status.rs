//! Claim status inquiries in the ledger: the claims a 276 asks about, the 276 files written
//! (`status_requests`) and every claim status a 277 reported (`claim_status_responses`).

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Result, now_timestamp};

/// A claim still waiting for an answer, with what a 276 needs to name it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub pcn: String,
    pub payer_id: String,
    pub member_id: Option<String>,
    pub first_dos: String,
    pub last_dos: String,
    pub total_charge: String,
    pub payer_claim_number: Option<String>,
    pub submitted_on: String,
    /// The encounter as billed (serde JSON of `crate::encounter::Encounter`).
    pub encounter_json: String,
}

/// Claims submitted or accepted (no final answer), not re-billed nor replaced, sent on or before
/// `submitted_by`, in PCN order.
pub fn candidates(conn: &Connection, submitted_by: NaiveDate) -> Result<Vec<Candidate>> {
    let mut stmt = conn.prepare(
        "SELECT c.pcn, c.payer_id, c.member_id, c.first_dos, c.last_dos, c.total_charge, c.payer_claim_number,
                substr(c.submitted_at, 1, 10), e.encounter_json
         FROM claims_not_rebilled c JOIN encounters e ON e.id = c.encounter_id
         WHERE (c.status = 'submitted' OR c.status = 'accepted') AND c.frequency <> '8'
           AND substr(c.submitted_at, 1, 10) <= ?1
           AND NOT EXISTS (SELECT 1 FROM claims r WHERE r.replaces_pcn = c.pcn)
         ORDER BY c.pcn",
    )?;
    let rows = stmt.query_map([submitted_by.to_string()], |r| {
        Ok(Candidate {
            pcn: r.get(0)?,
            payer_id: r.get(1)?,
            member_id: r.get(2)?,
            first_dos: r.get(3)?,
            last_dos: r.get(4)?,
            total_charge: r.get(5)?,
            payer_claim_number: r.get(6)?,
            submitted_on: r.get(7)?,
            encounter_json: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One 276 file as written.
#[derive(Debug, Clone)]
pub struct RequestFile<'a> {
    pub receiver_id: &'a str,
    pub path: &'a str,
    pub isa13: u64,
    pub gs06: u64,
    pub st02: &'a str,
    pub sender_id: &'a str,
    pub receiver_isa_id: &'a str,
    pub pcns: &'a [String],
}

/// Records a 276 file and the claims it asks about, with an event in each claim's history.
pub fn record_request(tx: &Transaction<'_>, file: &RequestFile<'_>) -> Result<i64> {
    let now = now_timestamp();
    tx.execute(
        "INSERT INTO status_requests (receiver_id, path, isa13, gs06, st02, sender_id, receiver_isa_id, claim_count,
             created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            file.receiver_id,
            file.path,
            format!("{:09}", file.isa13),
            file.gs06.to_string(),
            file.st02,
            file.sender_id,
            file.receiver_isa_id,
            file.pcns.len() as i64,
            now
        ],
    )?;
    let id = tx.last_insert_rowid();
    let name = std::path::Path::new(file.path).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let mut link = tx.prepare_cached("INSERT INTO status_request_claims (request_id, pcn) VALUES (?1, ?2)")?;
    for pcn in file.pcns {
        link.execute(params![id, pcn])?;
        super::billing::record_claim_event(
            tx,
            &super::billing::ClaimEvent {
                pcn,
                kind: "status_request",
                status_after: None,
                amount: None,
                detail: format!("claim status inquiry (276) sent in {name}"),
                source_file: Some(file.path),
            },
        )?;
    }
    Ok(id)
}

/// The status of the claim with this PCN (as stored), if there is one.
pub fn claim_status(tx: &Transaction<'_>, pcn: &str) -> Result<Option<(String, String)>> {
    Ok(tx
        .prepare_cached("SELECT pcn, status FROM claims WHERE pcn = ?1 COLLATE NOCASE")?
        .query_row([pcn], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// One claim status of a 277 as recorded.
#[derive(Debug, Clone, Default)]
pub struct ResponseRow<'a> {
    pub pcn: Option<&'a str>,
    pub reference: &'a str,
    pub source_file: &'a str,
    pub file_sha256: &'a str,
    pub category: &'a str,
    pub status_code: &'a str,
    pub codes: &'a str,
    /// pending, paid, denied, not_found or other.
    pub outcome: &'a str,
    pub detail: &'a str,
    pub payer_claim_number: Option<&'a str>,
    pub status_date: Option<NaiveDate>,
    pub charge: Option<String>,
    pub paid: Option<String>,
}

/// Records one claim status of a 277.
pub fn record_response(tx: &Transaction<'_>, r: &ResponseRow<'_>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO claim_status_responses (pcn, reference, source_file, file_sha256, category, status_code, codes,
             outcome, detail, payer_claim_number, status_date, charge, paid, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        r.pcn,
        r.reference,
        r.source_file,
        r.file_sha256,
        r.category,
        r.status_code,
        r.codes,
        r.outcome,
        r.detail,
        r.payer_claim_number,
        r.status_date.map(|d| d.to_string()),
        r.charge,
        r.paid,
        now_timestamp()
    ])?;
    Ok(())
}

/// Keeps the payer's claim number a status response reported, unless a remittance already gave
/// the claim one (a claim still submitted or accepted has had no remittance).
pub fn set_payer_claim_number(tx: &Transaction<'_>, pcn: &str, number: &str) -> Result<()> {
    tx.execute(
        "UPDATE claims SET payer_claim_number = ?2
         WHERE pcn = ?1 AND (payer_claim_number IS NULL OR status = 'submitted' OR status = 'accepted')",
        params![pcn, number],
    )?;
    Ok(())
}

/// Moves a claim the payer reports having received from submitted to accepted.
pub fn mark_received(tx: &Transaction<'_>, pcn: &str) -> Result<bool> {
    let moved = tx.execute(
        "UPDATE claims SET status = 'accepted', updated_at = ?2 WHERE pcn = ?1 AND status = 'submitted'",
        params![pcn, now_timestamp()],
    )?;
    Ok(moved == 1)
}

/// A claim whose latest status response needs a biller: the payer reports it denied or does not
/// find it, and no remittance has answered it since (it is still submitted or accepted).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusWorkRow {
    pub pcn: String,
    pub encounter_id: String,
    pub first_dos: String,
    pub payer_id: String,
    pub total_charge: String,
    pub outcome: String,
    pub detail: String,
}

/// The claims [`StatusWorkRow`] describes, in PCN order.
pub fn work_rows(conn: &Connection) -> Result<Vec<StatusWorkRow>> {
    let mut stmt = conn.prepare(
        "SELECT c.pcn, c.encounter_id, c.first_dos, c.payer_id, c.total_charge, s.outcome, s.detail
         FROM claim_status_responses s JOIN claims_not_rebilled c ON c.pcn = s.pcn
         WHERE s.id = (SELECT MAX(l.id) FROM claim_status_responses l WHERE l.pcn = s.pcn)
           AND (s.outcome = 'denied' OR s.outcome = 'not_found')
           AND (c.status = 'submitted' OR c.status = 'accepted')
         ORDER BY c.pcn",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(StatusWorkRow {
            pcn: r.get(0)?,
            encounter_id: r.get(1)?,
            first_dos: r.get(2)?,
            payer_id: r.get(3)?,
            total_charge: r.get(4)?,
            outcome: r.get(5)?,
            detail: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
