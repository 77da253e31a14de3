//! The billing tables every step shares: the practice configuration, the claim history, and what a
//! later payer's claim needs of the earlier payer's answer (coordination of benefits).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{LedgerError, Result, now_timestamp};
use crate::practice::Practice;

/// Stores (or replaces) the practice configuration. Returns false when the same file content was
/// already loaded, in which case nothing changes.
pub fn save_practice(tx: &Transaction<'_>, practice: &Practice, source: &Path, sha256: &str) -> Result<bool> {
    let same: Option<String> = tx.query_row("SELECT sha256 FROM practice WHERE id = 1", [], |r| r.get(0)).optional()?;
    if same.as_deref() == Some(sha256) {
        return Ok(false);
    }
    let json = serde_json::to_string(practice).map_err(|e| LedgerError::Corrupt(format!("practice: {e}")))?;
    tx.execute(
        "INSERT INTO practice (id, config_json, source_path, sha256, loaded_at) VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET config_json = excluded.config_json, source_path = excluded.source_path,
             sha256 = excluded.sha256, loaded_at = excluded.loaded_at",
        params![json, source.display().to_string(), sha256, now_timestamp()],
    )?;
    Ok(true)
}

/// The practice configuration, when `claimkit init` has loaded one.
pub fn load_practice(conn: &Connection) -> Result<Option<Practice>> {
    let json: Option<String> =
        conn.query_row("SELECT config_json FROM practice WHERE id = 1", [], |r| r.get(0)).optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(|e| LedgerError::Corrupt(format!("practice: {e}")))).transpose()
}

/// Where a claim stands, as the `claims.status` column holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClaimStatus {
    /// In a batch written to the outbox; no response yet.
    Submitted,
    /// The payer's front end accepted it (277CA A1/A2).
    Accepted,
    /// Rejected by a 999 or 277CA: never entered adjudication, fix and resend.
    Rejected,
    Paid,
    PartiallyPaid,
    Denied,
    /// A payment was taken back (CLP02 22) and no correction has arrived yet.
    Reversed,
    /// The payer forwarded it to another payer (CLP02 19/20/21).
    Forwarded,
    /// Cancelled by a frequency-8 claim.
    Voided,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 9] = [
        ClaimStatus::Submitted,
        ClaimStatus::Accepted,
        ClaimStatus::Rejected,
        ClaimStatus::Paid,
        ClaimStatus::PartiallyPaid,
        ClaimStatus::Denied,
        ClaimStatus::Reversed,
        ClaimStatus::Forwarded,
        ClaimStatus::Voided,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Submitted => "submitted",
            ClaimStatus::Accepted => "accepted",
            ClaimStatus::Rejected => "rejected",
            ClaimStatus::Paid => "paid",
            ClaimStatus::PartiallyPaid => "partially_paid",
            ClaimStatus::Denied => "denied",
            ClaimStatus::Reversed => "reversed",
            ClaimStatus::Forwarded => "forwarded",
            ClaimStatus::Voided => "voided",
        }
    }

    pub fn parse(s: &str) -> Option<ClaimStatus> {
        ClaimStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// True when the payer has not decided yet (the claim still waits for an answer).
    pub fn awaiting_payer(self) -> bool {
        matches!(self, ClaimStatus::Submitted | ClaimStatus::Accepted | ClaimStatus::Forwarded)
    }
}

impl std::fmt::Display for ClaimStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of a claim's history.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClaimEvent<'a> {
    pub pcn: &'a str,
    /// `submitted`, `ack_999`, `accepted`, `rejected`, `payment`, `reversal`, `denied`...
    pub kind: &'a str,
    /// The claim status after the event, when it changed it.
    pub status_after: Option<&'a str>,
    /// Money the event moved (decimal text).
    pub amount: Option<String>,
    /// What happened, in words, without patient data.
    pub detail: String,
    pub source_file: Option<&'a str>,
}

/// One entry of a claim's history.
pub(crate) const INSERT_CLAIM_EVENT_SQL: &str = "INSERT INTO claim_events (pcn, at, kind, status_after, amount, detail,
    source_file) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// Appends an event to a claim's history.
pub fn record_claim_event(tx: &Transaction<'_>, event: &ClaimEvent<'_>) -> Result<()> {
    // Cached: posting an 835 records one event per claim, 100,000 in one run.
    tx.prepare_cached(INSERT_CLAIM_EVENT_SQL)?.execute(params![
        event.pcn,
        now_timestamp(),
        event.kind,
        event.status_after,
        event.amount,
        event.detail,
        event.source_file
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;

    fn practice() -> Practice {
        toml::from_str(include_str!("../../tests/fixtures/practice-minimal.toml")).unwrap()
    }

    #[test]
    fn claim_status_text_matches_the_schema() {
        let sql = include_str!("schema/0001_baseline.sql");
        for status in ClaimStatus::ALL {
            assert!(sql.contains(&format!("'{status}'")), "{status} missing from the claims.status CHECK");
            assert_eq!(ClaimStatus::parse(status.as_str()), Some(status));
        }
    }

    #[test]
    fn the_practice_round_trips_and_an_identical_reload_is_a_no_op() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        assert!(load_practice(ledger.conn()).unwrap().is_none());
        let tx = ledger.transaction().unwrap();
        assert!(save_practice(&tx, &practice(), Path::new("p.toml"), "aa").unwrap());
        assert!(!save_practice(&tx, &practice(), Path::new("p.toml"), "aa").unwrap());
        tx.commit().unwrap();
        assert_eq!(load_practice(ledger.conn()).unwrap(), Some(practice()));
    }
}

/// An encounter whose balance crossed over to its next payer, not billed to it yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossoverCandidate {
    pub encounter_id: String,
    /// The claim of the payer before (its adjudication goes into loops 2320/2430).
    pub prior_pcn: String,
    /// `S` or `T`.
    pub responsibility: String,
    pub payer_id: String,
    pub encounter_json: String,
    pub encounter_hash: String,
}

/// The crossover queue: encounters a posting left owing something to a next payer that has no
/// claim yet. Its size is the work to do, whatever the ledger's history.
pub fn crossover_candidates(conn: &Connection) -> Result<Vec<CrossoverCandidate>> {
    let mut stmt = conn.prepare(
        "SELECT q.encounter_id, q.prior_pcn, q.responsibility, q.payer_id, e.encounter_json, e.content_hash
         FROM crossover_queue q JOIN encounters e ON e.id = q.encounter_id
         WHERE NOT EXISTS (SELECT 1 FROM claims c WHERE c.encounter_id = q.encounter_id
                             AND c.responsibility = q.responsibility)
         ORDER BY q.encounter_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(CrossoverCandidate {
            encounter_id: r.get(0)?,
            prior_pcn: r.get(1)?,
            responsibility: r.get(2)?,
            payer_id: r.get(3)?,
            encounter_json: r.get(4)?,
            encounter_hash: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What the payer of claim `pcn` did with it, from its posted 835 in force (the latest claim
/// payment neither a reversal nor reversed): the input to the next payer's claim. The adjudication
/// date (DTP*573) is the day the 835 was produced (DTM*405), never later than its payment date
/// (BPR16) or the day it was posted. `None` when nothing is posted.
pub fn prior_adjudication(conn: &Connection, pcn: &str) -> Result<Option<crate::claim837::PrimaryAdjudication>> {
    use crate::claim837::{LineAdjudication, PrimaryAdjudication};
    use crate::remit835::ClaimAdjustment;
    /// The claim payment: id, payer, paid, CLP07, production date, payment date, posting date.
    type Posted = (i64, String, String, Option<String>, Option<String>, Option<String>, String);
    let payment: Option<Posted> = conn
        .query_row(
            "SELECT cp.id, c.payer_id, cp.paid, cp.payer_claim_number, r.production_date, r.payment_date,
                    substr(r.posted_at, 1, 10)
             FROM claim_payments cp JOIN claims c ON c.pcn = cp.matched_pcn
             JOIN remittances r ON r.id = cp.remittance_id
             WHERE cp.matched_pcn = ?1 AND cp.status_code <> '22' AND cp.reversed_by IS NULL
             ORDER BY cp.id DESC LIMIT 1",
            [pcn],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .optional()?;
    let Some((payment_id, payer_id, paid, payer_claim_number, produced, paid_on, posted)) = payment else {
        return Ok(None);
    };
    let parse = |d: &Option<String>| d.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let posted_on = parse(&Some(posted)).unwrap_or(chrono::NaiveDate::MIN);
    let adjudicated_on =
        [parse(&produced), parse(&paid_on), Some(posted_on)].into_iter().flatten().min().unwrap_or(posted_on);
    let mut adjustments = conn.prepare_cached(
        "SELECT service_payment_id, group_code, reason_code, amount, quantity FROM remit_adjustments
         WHERE claim_payment_id = ?1 ORDER BY id",
    )?;
    let mut by_line: std::collections::HashMap<Option<i64>, Vec<ClaimAdjustment>> = Default::default();
    let rows = adjustments.query_map([payment_id], |r| {
        Ok((
            r.get::<_, Option<i64>>(0)?,
            ClaimAdjustment {
                group: r.get(1)?,
                reason: r.get(2)?,
                amount: super::stored_decimal(&r.get::<_, String>(3)?)?,
                quantity: r.get::<_, Option<String>>(4)?.map(|q| super::stored_decimal(&q)).transpose()?,
            },
        ))
    })?;
    for row in rows {
        let (line, adjustment) = row?;
        by_line.entry(line).or_default().push(adjustment);
    }
    let mut lines = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT id, matched_line_number, paid FROM service_payments
         WHERE claim_payment_id = ?1 AND matched_line_number IS NOT NULL ORDER BY ordinal",
    )?;
    let rows =
        stmt.query_map([payment_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))?;
    for row in rows {
        let (id, number, line_paid) = row?;
        lines.push(LineAdjudication {
            line_number: number as u32,
            paid: super::stored_decimal(&line_paid)?,
            adjustments: by_line.remove(&Some(id)).unwrap_or_default(),
            adjudication_date: adjudicated_on,
        });
    }
    Ok(Some(PrimaryAdjudication {
        payer_id,
        payer_claim_number,
        paid: super::stored_decimal(&paid)?,
        claim_adjustments: by_line.remove(&None).unwrap_or_default(),
        lines,
    }))
}
