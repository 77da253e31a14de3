//! Coverage queries: what the payers before a tertiary claim did with the encounter.
//!
//! A tertiary claim reports every earlier payer's adjudication (837P 2320/2430): the secondary's
//! comes from the crossover queue's prior claim, the primary's from the encounter's primary claim
//! in force (the newest one not voided).

use rusqlite::{Connection, OptionalExtension};

use super::Result;

/// The adjudications of the payers before the one just before `responsibility` (`T`: the
/// primary's), in order of benefits. Empty for `P` and `S`, and when nothing is posted.
pub fn earlier_adjudications(
    conn: &Connection,
    encounter_id: &str,
    responsibility: &str,
) -> Result<Vec<crate::claim837::PrimaryAdjudication>> {
    if responsibility != "T" {
        return Ok(Vec::new());
    }
    let pcn: Option<String> = conn
        .prepare_cached(
            "SELECT pcn FROM claims WHERE encounter_id = ?1 AND responsibility = 'P' AND frequency <> '8'
             ORDER BY submitted_at DESC, pcn DESC LIMIT 1",
        )?
        .query_row([encounter_id], |r| r.get(0))
        .optional()?;
    let Some(pcn) = pcn else { return Ok(Vec::new()) };
    Ok(super::billing::prior_adjudication(conn, &pcn)?.into_iter().collect())
}
