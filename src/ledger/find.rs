//! What `claim find` reads: every claim with its patient, member ID and payer claim number, the
//! exact keys narrowed in SQL. Balances come from [`super::ar::visit_balances`].

use chrono::NaiveDate;
use rusqlite::{Connection, params};
use rust_decimal::Decimal;

use super::{Result, stored_decimal};

/// One claim as `claim find` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundClaim {
    pub pcn: String,
    pub encounter_id: String,
    pub patient_id: String,
    pub patient_last: String,
    pub patient_first: String,
    pub member_id: Option<String>,
    pub payer_id: String,
    pub status: String,
    pub payer_claim_number: Option<String>,
    pub first_dos: NaiveDate,
    pub total_charge: Decimal,
}

/// Exact keys, each ignored when `None`; text keys are compared without regard to case.
#[derive(Debug, Clone, Default)]
pub struct ExactKeys<'a> {
    pub pcn: Option<&'a str>,
    pub encounter_id: Option<&'a str>,
    pub patient_id: Option<&'a str>,
    pub member_id: Option<&'a str>,
    pub payer_id: Option<&'a str>,
    pub payer_claim_number: Option<&'a str>,
    pub status: Option<&'a str>,
}

/// The claims matching every key given, oldest date of service first.
pub fn claims(conn: &Connection, keys: &ExactKeys<'_>) -> Result<Vec<FoundClaim>> {
    let mut stmt = conn.prepare(
        "SELECT c.pcn, c.encounter_id, c.patient_id,
                COALESCE(json_extract(e.encounter_json, '$.patient.name.last'), ''),
                COALESCE(json_extract(e.encounter_json, '$.patient.name.first'), ''),
                c.member_id, c.payer_id, c.status, c.payer_claim_number, c.first_dos, c.total_charge
         FROM claims c JOIN encounters e ON e.id = c.encounter_id
         WHERE (?1 IS NULL OR c.pcn = ?1 COLLATE NOCASE)
           AND (?2 IS NULL OR c.encounter_id = ?2 COLLATE NOCASE)
           AND (?3 IS NULL OR c.patient_id = ?3 COLLATE NOCASE)
           AND (?4 IS NULL OR c.member_id = ?4 COLLATE NOCASE)
           AND (?5 IS NULL OR c.payer_id = ?5 COLLATE NOCASE)
           AND (?6 IS NULL OR c.payer_claim_number = ?6 COLLATE NOCASE)
           AND (?7 IS NULL OR c.status = ?7)
         ORDER BY c.first_dos, c.pcn",
    )?;
    let rows = stmt.query_map(
        params![
            keys.pcn,
            keys.encounter_id,
            keys.patient_id,
            keys.member_id,
            keys.payer_id,
            keys.payer_claim_number,
            keys.status
        ],
        |r| {
            let dos: String = r.get(9)?;
            Ok(FoundClaim {
                pcn: r.get(0)?,
                encounter_id: r.get(1)?,
                patient_id: r.get(2)?,
                patient_last: r.get(3)?,
                patient_first: r.get(4)?,
                member_id: r.get(5)?,
                payer_id: r.get(6)?,
                status: r.get(7)?,
                payer_claim_number: r.get(8)?,
                first_dos: crate::dates::parse_iso(&dos).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(9, rusqlite::types::Type::Text, "not a date".into())
                })?,
                total_charge: stored_decimal(&r.get::<_, String>(10)?)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
