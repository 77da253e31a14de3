//! Re-billing a rejected claim as a new original (`claimkit rebill`): the rows of
//! `claim_rebills`, the charges of the rejected claim taken back, and the links between the
//! rejected claim and the claim the next build bills for the same encounter.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::billing::{ClaimEvent, record_claim_event};
use super::{Result, now_timestamp};

/// What re-billing needs to know about a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebillSubject {
    pub pcn: String,
    pub encounter_id: String,
    pub payer_id: String,
    /// P, S or T.
    pub responsibility: String,
    /// 1, 7 or 8.
    pub frequency: String,
    pub status: String,
    /// The payer's claim number (277CA REF*1K or 835 CLP07), when known.
    pub payer_claim_number: Option<String>,
    /// The payment in force is a CLP02 4 (denied) carrying remark MA130 (unprocessable).
    pub unprocessable: bool,
    /// Money posted on the claim other than its charges (payments, adjustments, transfers), net.
    pub posted_cents: i64,
    /// When the claim was already marked for re-billing: (requested at, the new claim once billed).
    pub rebilled: Option<(String, Option<String>)>,
}

/// The claim `pcn` as re-billing sees it; `None` when no such claim exists.
pub fn subject(conn: &Connection, pcn: &str) -> Result<Option<RebillSubject>> {
    let row = conn
        .query_row(
            "SELECT c.pcn, c.encounter_id, c.payer_id, c.responsibility, c.frequency, c.status,
                EXISTS (SELECT 1 FROM claim_payments cp JOIN remit_remark_codes rr ON rr.claim_payment_id = cp.id
                        WHERE cp.matched_pcn = c.pcn AND cp.reversed_by IS NULL AND cp.status_code = '4'
                          AND rr.code = 'MA130'),
                (SELECT COALESCE(SUM(a.amount_cents), 0) FROM ar_entries a WHERE a.pcn = c.pcn AND a.kind <> 'charge'),
                r.requested_at, r.new_pcn, c.payer_claim_number
             FROM claims c LEFT JOIN claim_rebills r ON r.pcn = c.pcn WHERE c.pcn = ?1",
            [pcn],
            |r| {
                let requested: Option<String> = r.get(8)?;
                Ok(RebillSubject {
                    pcn: r.get(0)?,
                    encounter_id: r.get(1)?,
                    payer_id: r.get(2)?,
                    responsibility: r.get(3)?,
                    frequency: r.get(4)?,
                    status: r.get(5)?,
                    payer_claim_number: r.get(10)?,
                    unprocessable: r.get(6)?,
                    posted_cents: r.get(7)?,
                    rebilled: requested.map(|at| (at, r.get(9).ok().flatten())),
                })
            },
        )
        .optional()?;
    Ok(row)
}

/// The newest re-import of an encounter recorded as a conflict (its JSON) and the encounter's
/// source format, when there is one.
pub fn newest_conflict(conn: &Connection, encounter_id: &str) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT ic.new_encounter_json, e.source_format FROM import_conflicts ic
             JOIN encounters e ON e.id = ic.encounter_id WHERE ic.encounter_id = ?1 ORDER BY ic.id DESC LIMIT 1",
            [encounter_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Forgets the import conflicts of an encounter (its newest version was stored as an update).
pub fn clear_conflicts(tx: &Transaction<'_>, encounter_id: &str) -> Result<usize> {
    Ok(tx.execute("DELETE FROM import_conflicts WHERE encounter_id = ?1", [encounter_id])?)
}

/// Marks `subject` for re-billing as a new claim: its charges are taken back (the encounter's
/// receivable moves to the claim the next build bills) and the event goes into its history.
pub fn mark(tx: &Transaction<'_>, subject: &RebillSubject, reason: &str) -> Result<()> {
    let now = now_timestamp();
    tx.execute(
        "INSERT INTO claim_rebills (pcn, encounter_id, reason, requested_at) VALUES (?1, ?2, ?3, ?4)",
        params![subject.pcn, subject.encounter_id, reason, now],
    )?;
    // A primary claim re-billed leaves its encounter to bill again, unless another primary claim
    // of it is in force.
    tx.execute(
        "INSERT OR IGNORE INTO unbilled_encounters (encounter_id)
         SELECT c.encounter_id FROM claims c WHERE c.pcn = ?1 AND c.responsibility = 'P'
             AND NOT EXISTS (SELECT 1 FROM claims_not_rebilled o
                 WHERE o.encounter_id = c.encounter_id AND o.responsibility = 'P')",
        [&subject.pcn],
    )?;
    tx.execute(
        "INSERT INTO ar_entries (patient_id, encounter_id, pcn, line_number, kind, payer_id, amount_cents,
             reverses_id, note, effective_on, posted_at)
         SELECT a.patient_id, a.encounter_id, a.pcn, a.line_number, 'charge', a.payer_id, -a.amount_cents, a.id,
             'claim re-billed as new: its charge moves to the new claim', a.effective_on, ?2
         FROM ar_entries a
         WHERE a.pcn = ?1 AND a.kind = 'charge' AND a.reverses_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM ar_entries b WHERE b.reverses_id = a.id)",
        params![subject.pcn, now],
    )?;
    record_claim_event(
        tx,
        &ClaimEvent {
            pcn: &subject.pcn,
            kind: "rebill_requested",
            status_after: None,
            amount: None,
            detail: format!("to be billed again as a new claim: {reason}"),
            source_file: None,
        },
    )?;
    Ok(())
}

/// The sequence each re-billed encounter's next original claim takes (1 + the claims re-billed),
/// for its CLM01; encounters never re-billed are not listed (sequence 1).
pub fn sequences(conn: &Connection) -> Result<HashMap<String, u32>> {
    let mut stmt = conn.prepare("SELECT encounter_id, COUNT(*) FROM claim_rebills GROUP BY encounter_id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, n) = row?;
        out.insert(id, n as u32 + 1);
    }
    Ok(out)
}

/// Links every re-billed claim whose encounter batch `batch_id` billed again to its new claim,
/// both ways: `claim_rebills.new_pcn`, and an event in each claim's history.
pub fn link_new_claims(tx: &Transaction<'_>, batch_id: i64) -> Result<usize> {
    let pairs: Vec<(String, String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT r.pcn, c.pcn, c.status FROM claim_rebills r
             JOIN claims c ON c.encounter_id = r.encounter_id AND c.batch_id = ?1 AND c.frequency = '1'
                 AND c.responsibility = 'P'
             JOIN claims old ON old.pcn = r.pcn
             WHERE r.new_pcn IS NULL ORDER BY r.pcn",
        )?;
        let rows = stmt.query_map([batch_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (old, new, _) in &pairs {
        tx.execute("UPDATE claim_rebills SET new_pcn = ?2 WHERE pcn = ?1", [old, new])?;
        for (pcn, kind, detail) in [
            (old, "rebilled", format!("billed again as new claim {new}")),
            (new, "rebill_of", format!("new claim for {old}, which was not processed")),
        ] {
            record_claim_event(
                tx,
                &ClaimEvent { pcn, kind, status_after: None, amount: None, detail, source_file: None },
            )?;
        }
    }
    Ok(pairs.len())
}

/// The claim a re-billed claim became, and the claim a new one re-bills: (rejected, new) pairs
/// naming `pcn` on either side.
pub fn links(conn: &Connection, pcn: &str) -> Result<Vec<(String, Option<String>)>> {
    let mut stmt = conn.prepare("SELECT pcn, new_pcn FROM claim_rebills WHERE pcn = ?1 OR new_pcn = ?1")?;
    let rows = stmt.query_map([pcn], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The stored encounter's JSON.
pub fn encounter_json(conn: &Connection, encounter_id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT encounter_json FROM encounters WHERE id = ?1", [encounter_id], |r| r.get(0))
        .optional()?)
}

/// The lines of claim `pcn` as billed: (line number, procedure code, modifiers `:`-separated, charge).
pub fn billed_lines(conn: &Connection, pcn: &str) -> Result<Vec<(u32, String, String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT line_number, procedure_code, modifiers, charge FROM claim_lines WHERE pcn = ?1 ORDER BY line_number",
    )?;
    let rows = stmt.query_map([pcn], |r| Ok((r.get::<_, i64>(0)? as u32, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
