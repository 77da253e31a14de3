//! The billing tables every step shares: the practice configuration and the claim history.
//!
//! Each pipeline module owns its own queries (ingest writes `encounters`, claim837 writes
//! `batches`/`claims`/`claim_lines`, ack and remit835 update claim status); what they all need, the
//! practice and the claim's event trail, lives here so there is one way to do it.

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

/// What each billed line of claim `pcn` was paid, net of every 835 posted to it: line number →
/// the sum of the matched service lines' SVC03, a reversal (CLP02 22) counting negative whatever
/// sign the payer used. Lines paid nothing are absent.
pub fn line_paid_amounts(
    conn: &rusqlite::Connection,
    pcn: &str,
) -> rusqlite::Result<std::collections::BTreeMap<i64, rust_decimal::Decimal>> {
    let mut stmt = conn.prepare_cached(
        "SELECT j.value ->> 1, cp.status_code, j.value ->> 8
         FROM claim_payments cp, json_each(cp.service_lines) j
         WHERE cp.matched_pcn = ?1 AND j.value ->> 1 IS NOT NULL",
    )?;
    let mut paid = std::collections::BTreeMap::new();
    let mut rows = stmt.query([pcn])?;
    while let Some(r) = rows.next()? {
        let amount = super::stored_decimal(&r.get::<_, String>(2)?)?;
        let signed = if r.get::<_, String>(1)? == "22" { -amount.abs() } else { amount };
        *paid.entry(r.get::<_, i64>(0)?).or_default() += signed;
    }
    Ok(paid)
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
        let sql = include_str!("migrations/0002_billing.sql");
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
