//! Secondary claims from posted primary remittances.
//!
//! When the primary payer's 835 is posted and the encounter has a second insurance, the balance
//! is billed to the secondary payer with what the primary did: claim-level CAS and AMT*D in loop
//! 2320, and per line SVD (paid), CAS and DTP*573 (adjudication date) in loop 2430.
//!
//! ```text
//! 835 from primary:  CLP*P1...*1*200*120*30~  CAS*CO*45*50~  SVC*HC:99213*200*120~ CAS*PR*2*30~
//! 837 to secondary:  SBR*S...  2320 AMT*D*120~  2430 SVD*MCRB1*120*HC:99213**1~ CAS*CO*45*50*...
//! ```
//!
//! The adjudication is read from the ledger's posted remittance: the most recent payment for the
//! primary claim that is not itself a reversal (so a reversal followed by its correction yields
//! the corrected amounts).

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};

use super::cob::{Adjustment, LineAdjudication, PrimaryAdjudication};

/// A primary claim whose encounter can now be billed to its secondary payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondaryCandidate {
    pub encounter_id: String,
    pub primary_pcn: String,
    pub encounter_json: String,
    pub encounter_hash: String,
}

/// Primary claims paid (fully or partly) whose encounter names a secondary payer and has no
/// secondary claim yet.
pub fn secondary_candidates(conn: &Connection) -> rusqlite::Result<Vec<SecondaryCandidate>> {
    let mut stmt = conn.prepare(
        "SELECT c.encounter_id, c.pcn, e.encounter_json, c.encounter_hash
         FROM claims c JOIN encounters e ON e.id = c.encounter_id
         WHERE c.responsibility = 'P' AND c.status IN ('paid', 'partially_paid')
           AND json_extract(e.encounter_json, '$.secondary.payer_id') IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM claims s WHERE s.encounter_id = c.encounter_id AND s.responsibility = 'S')
           AND NOT EXISTS (SELECT 1 FROM claims v WHERE v.replaces_pcn = c.pcn)
         ORDER BY c.encounter_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SecondaryCandidate {
            encounter_id: r.get(0)?,
            primary_pcn: r.get(1)?,
            encounter_json: r.get(2)?,
            encounter_hash: r.get(3)?,
        })
    })?;
    rows.collect()
}

use crate::ledger::stored_decimal as decimal;

/// The posted CLP row: id, primary payer, paid, CLP07, payment date, posting time.
type PostedPayment = (i64, String, String, Option<String>, Option<String>, String);

/// What the primary payer did with claim `pcn`, from its posted 835; `None` when nothing is posted.
pub fn primary_adjudication(conn: &Connection, pcn: &str) -> rusqlite::Result<Option<PrimaryAdjudication>> {
    let payment: Option<PostedPayment> = conn
        .query_row(
            "SELECT cp.id, c.payer_id, cp.paid, cp.payer_claim_number, r.payment_date, r.posted_at
             FROM claim_payments cp JOIN claims c ON c.pcn = cp.matched_pcn
             JOIN remittances r ON r.id = cp.remittance_id
             WHERE cp.matched_pcn = ?1 AND cp.status_code <> '22'
             ORDER BY cp.id DESC LIMIT 1",
            [pcn],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    let Some((payment_id, payer_id, paid, payer_claim_number, payment_date, posted_at)) = payment else {
        return Ok(None);
    };
    let adjudicated_on = payment_date
        .as_deref()
        .or(posted_at.get(..10))
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or(NaiveDate::MIN);
    let adjustments = |json: &str| -> rusqlite::Result<Vec<Adjustment>> {
        let packed = crate::remit835::unpack_adjustments(json)?;
        Ok(packed.into_iter().map(|a| Adjustment { group: a.group, reason: a.reason, amount: a.amount }).collect())
    };
    let claim_adjustments: String =
        conn.query_row("SELECT adjustments FROM claim_payments WHERE id = ?1", [payment_id], |r| r.get(0))?;
    let mut lines = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT j.value ->> 1, j.value ->> 8, j.value -> 17
         FROM claim_payments cp, json_each(cp.service_lines) j
         WHERE cp.id = ?1 AND j.value ->> 1 IS NOT NULL ORDER BY j.value ->> 0",
    )?;
    let rows = stmt.query_map([payment_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
    })?;
    for row in rows {
        let (number, line_paid, line_adjustments) = row?;
        lines.push(LineAdjudication {
            line_number: number as u32,
            paid: decimal(&line_paid)?,
            adjustments: adjustments(line_adjustments.as_deref().unwrap_or("[]"))?,
            adjudication_date: adjudicated_on,
        });
    }
    Ok(Some(PrimaryAdjudication {
        payer_id,
        payer_claim_number,
        paid: decimal(&paid)?,
        claim_adjustments: adjustments(&claim_adjustments)?,
        lines,
    }))
}
