//! Acknowledgments (TA1, 999, 277CA) as the ledger keeps them: the batch or claim each one names,
//! the `acknowledgments` rows, and the claim status and payer claim number they may change.
//!
//! The statements run once per claim an acknowledgment names (a 277CA names every claim of a
//! batch, tens of thousands): none builds a temporary B-tree (see the test).

use rusqlite::{OptionalExtension, params};

use super::{Connection, Result, Transaction};

/// Which envelope number of a batch an acknowledgment names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeNumber {
    /// ISA13 (a TA1).
    Interchange,
    /// GS06 (a 999).
    Group,
}

/// A recorded batch an acknowledgment matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckedBatch {
    pub id: i64,
    /// The ST02s the batch's file carries.
    pub st02_list: Vec<String>,
}

/// The batch whose envelope number `which` is `value` (leading zeros aside), preferring the one
/// sent to the acknowledgment's sender by the acknowledgment's receiver; the latest when several
/// remain.
pub fn find_batch(
    conn: &Connection,
    which: EnvelopeNumber,
    value: &str,
    ack_sender: &str,
    ack_receiver: &str,
) -> Result<Option<AckedBatch>> {
    let column = match which {
        EnvelopeNumber::Interchange => "isa13",
        EnvelopeNumber::Group => "gs06",
    };
    let sql = format!(
        "SELECT id, st02_list, receiver_isa_id = ?2 AND sender_id = ?3 AS ours FROM batches
         WHERE ltrim({column}, '0') = ltrim(?1, '0') ORDER BY ours DESC, id DESC LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![value.trim(), ack_sender, ack_receiver], |r| {
            let list: String = r.get(1)?;
            Ok(AckedBatch {
                id: r.get(0)?,
                st02_list: list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
            })
        })
        .optional()?)
}

/// (PCN, status) of the claims batch `batch_id` carried, by PCN: all of them, or those of the
/// transaction set `st02` (leading zeros aside).
pub fn batch_claims(conn: &Connection, batch_id: i64, st02: Option<&str>) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT pcn, status FROM claims WHERE batch_id = ?1
         AND (?2 IS NULL OR ltrim(st02, '0') = ltrim(?2, '0')) ORDER BY pcn",
    )?;
    let rows = stmt.query_map(params![batch_id, st02], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One acknowledgment of a file, group, set or claim, as recorded.
#[derive(Debug, Clone)]
pub struct NewAcknowledgment<'a> {
    /// `TA1`, `999` or `277CA`.
    pub kind: &'a str,
    pub source_file: &'a str,
    pub file_sha256: &'a str,
    /// ISA13, GS06, GS06/ST02 or CLM01.
    pub reference: &'a str,
    pub batch_id: Option<i64>,
    pub pcn: Option<&'a str>,
    /// `accepted`, `accepted_with_errors`, `rejected` or `other`.
    pub verdict: &'a str,
    pub codes: &'a str,
    pub detail: &'a str,
    pub payer_claim_number: Option<&'a str>,
    pub received_at: &'a str,
}

/// Records one acknowledgment.
pub fn record(tx: &Transaction<'_>, ack: &NewAcknowledgment<'_>) -> Result<()> {
    tx.prepare_cached(INSERT_ACKNOWLEDGMENT_SQL)?.execute(params![
        ack.kind,
        ack.source_file,
        ack.file_sha256,
        ack.reference,
        ack.batch_id,
        ack.pcn,
        ack.verdict,
        ack.codes,
        ack.detail,
        ack.payer_claim_number,
        ack.received_at
    ])?;
    Ok(())
}

/// Claim `pcn`'s status as it stands, or `None` when no such claim is recorded.
pub fn claim_status(conn: &Connection, pcn: &str) -> Result<Option<String>> {
    Ok(conn.prepare_cached(CLAIM_STATUS_SQL)?.query_row([pcn], |r| r.get(0)).optional()?)
}

/// Moves claim `pcn` to `status` at `at`.
pub fn set_claim_status(tx: &Transaction<'_>, pcn: &str, status: &str, at: &str) -> Result<()> {
    tx.prepare_cached(SET_CLAIM_STATUS_SQL)?.execute(params![pcn, status, at])?;
    Ok(())
}

/// Keeps the 277CA's payer claim number (REF*1K) for claim `pcn`, unless a posting gave the claim
/// one already and moved it on from submitted, accepted or rejected (a posting's CLP07 comes first).
pub fn set_payer_claim_number(tx: &Transaction<'_>, pcn: &str, number: &str) -> Result<()> {
    tx.prepare_cached(SET_PAYER_CLAIM_NUMBER_SQL)?.execute(params![pcn, number])?;
    Ok(())
}

const INSERT_ACKNOWLEDGMENT_SQL: &str = "INSERT INTO acknowledgments (kind, source_file, file_sha256, reference,
    batch_id, pcn, verdict, codes, detail, payer_claim_number, received_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

const SET_CLAIM_STATUS_SQL: &str = "UPDATE claims SET status = ?2, updated_at = ?3 WHERE pcn = ?1";

const CLAIM_STATUS_SQL: &str = "SELECT status FROM claims WHERE pcn = ?1";

/// The statuses are an OR chain: an IN list builds a temporary B-tree at every run.
const SET_PAYER_CLAIM_NUMBER_SQL: &str = "UPDATE claims SET payer_claim_number = ?2 WHERE pcn = ?1
    AND EXISTS (SELECT 1 FROM claims c WHERE c.pcn = ?1 AND (c.payer_claim_number IS NULL
        OR c.status = 'submitted' OR c.status = 'accepted' OR c.status = 'rejected'))";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;

    #[test]
    fn no_statement_run_per_claim_builds_a_temporary_b_tree() {
        // The payer claim number's update had an IN list: one temporary B-tree per claim of a
        // 277CA, with the acknowledgments table's IN-list checks two more.
        let ledger = Ledger::open_in_memory().unwrap();
        for sql in [
            INSERT_ACKNOWLEDGMENT_SQL,
            SET_CLAIM_STATUS_SQL,
            CLAIM_STATUS_SQL,
            SET_PAYER_CLAIM_NUMBER_SQL,
            crate::ledger::billing::INSERT_CLAIM_EVENT_SQL,
        ] {
            assert_eq!(crate::ledger::temporary_b_trees(ledger.conn(), sql), Vec::<String>::new(), "{sql}");
        }
    }
}
