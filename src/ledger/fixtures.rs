//! Bulk set-up for tests and benches: a ledger of many billed claims or scrubbed encounters,
//! written straight into the tables instead of through import, scrub and build (which a bench of
//! posting or reporting does not measure). Not part of claimkit's workflow.

use rusqlite::params;

use super::{Connection, Result, Transaction};

/// A batch row that seeded claims belong to (receiver `SEED`, ISA13 `isa13`).
pub fn seed_batch(tx: &Transaction<'_>, isa13: u64) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO batches (receiver_id, path, sha256, isa13, gs06, st02_list, sender_id, receiver_isa_id, usage,
             claim_count, total_charge, created_at)
         VALUES ('SEED', 'seed.837', '', ?1, ?2, '0001', 'SEEDER', 'SEED', 'T', 0, '0.00', '2026-11-10T00:00:00Z')",
    )?
    .execute(params![format!("{isa13:09}"), isa13.to_string()])?;
    Ok(tx.last_insert_rowid())
}

/// One primary claim of one encounter, billed on one date of service.
#[derive(Debug, Clone)]
pub struct SeedClaim<'a> {
    pub pcn: &'a str,
    pub encounter_id: &'a str,
    pub patient_id: &'a str,
    pub payer_id: &'a str,
    /// ISO date of every line.
    pub date_of_service: &'a str,
    /// The stored encounter (JSON), as an import keeps it.
    pub encounter_json: &'a str,
    /// (procedure code, charge as ledger money text) of each line, numbered from 1.
    pub lines: &'a [(&'a str, &'a str)],
    /// The claim's total charge (ledger money text).
    pub total_charge: &'a str,
    /// `submitted`, `accepted`...
    pub status: &'a str,
}

/// Inserts the encounter row, the claim (in batch `batch_id`) and its lines. Call
/// [`super::ar::record_charges`] for the batch once its claims are in, as a build does.
pub fn seed_claim(tx: &Transaction<'_>, batch_id: i64, c: &SeedClaim<'_>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO encounters (id, payer_id, patient_id, first_dos, last_dos, total_charge, line_count,
             content_hash, encounter_json, source_format, source_file, source_locator, imported_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, 'h', ?7, 'csv', 'seed.csv', '1', 't', 't')",
    )?
    .execute(params![
        c.encounter_id,
        c.payer_id,
        c.patient_id,
        c.date_of_service,
        c.total_charge,
        c.lines.len() as i64,
        c.encounter_json
    ])?;
    tx.prepare_cached(
        "INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, batch_id, st02, encounter_hash,
             patient_id, first_dos, last_dos, total_charge, status, submitted_at, updated_at)
         VALUES (?1, ?2, ?3, 'P', '1', ?4, '0001', 'h', ?5, ?6, ?6, ?7, ?8, '2026-11-10T00:00:00Z', 't')",
    )?
    .execute(params![
        c.pcn,
        c.encounter_id,
        c.payer_id,
        batch_id,
        c.patient_id,
        c.date_of_service,
        c.total_charge,
        c.status
    ])?;
    let mut line = tx.prepare_cached(
        "INSERT INTO claim_lines (pcn, line_number, line_control_number, procedure_code, modifiers, units, charge,
             date_of_service) VALUES (?1, ?2, ?3, ?4, '', '1', ?5, ?6)",
    )?;
    for (i, (code, charge)) in c.lines.iter().enumerate() {
        let n = i + 1;
        line.execute(params![c.pcn, n as i64, format!("{}-{n}", c.pcn), code, charge, c.date_of_service])?;
    }
    Ok(())
}

/// A clean scrub of encounter `encounter_id` for its content `hash`, as the scrub leaves it.
pub fn seed_clean_scrub(
    tx: &Transaction<'_>,
    encounter_id: &str,
    hash: &str,
    primary_pcn: &str,
    payer_id: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO encounter_scrubs (encounter_id, scrub_status, scrubbed_hash, primary_pcn, payer_id, scrubbed_at)
         VALUES (?1, 'clean', ?2, ?3, ?4, 't')",
    )?
    .execute(params![encounter_id, hash, primary_pcn, payer_id])?;
    Ok(())
}

/// How many claim payments were matched to their claim by `method` (`pcn`, `patient_date_charge`...).
pub fn claim_payments_matched_by(conn: &Connection, method: &str) -> Result<u64> {
    let n: i64 =
        conn.query_row("SELECT COUNT(*) FROM claim_payments WHERE match_method = ?1", [method], |r| r.get(0))?;
    Ok(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;

    #[test]
    fn a_seeded_claim_is_billed_and_charged_like_a_built_one() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let tx = ledger.transaction().unwrap();
        let batch = seed_batch(&tx, 1).unwrap();
        let lines = [("99213", "100.00"), ("36415", "50.00")];
        let claim = SeedClaim {
            pcn: "C1",
            encounter_id: "E1",
            patient_id: "P1",
            payer_id: "PAYER1",
            date_of_service: "2026-11-02",
            encounter_json: "{}",
            lines: &lines,
            total_charge: "150.00",
            status: "accepted",
        };
        seed_claim(&tx, batch, &claim).unwrap();
        crate::ledger::ar::record_charges(&tx, batch).unwrap();
        tx.commit().unwrap();
        let charged: i64 = ledger
            .conn()
            .query_row("SELECT SUM(amount_cents) FROM ar_entries WHERE kind = 'charge'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(charged, 15000);
        assert_eq!(claim_payments_matched_by(ledger.conn(), "pcn").unwrap(), 0);
    }
}
