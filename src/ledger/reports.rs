//! What the reports read: typed rows from the billing, remittance and A/R tables. The report
//! module words and renders them; every amount owed comes from [`super::ar`]'s entries, so every
//! report agrees with `report balance`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;

use super::billing::ClaimStatus;
use super::{LedgerError, Result, stored_decimal};
use crate::money::from_cents;

fn date(text: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d")
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn money(text: &str) -> rusqlite::Result<Decimal> {
    stored_decimal(text)
}

/// A claim as the reports see it, with its money from the A/R entries made through it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRow {
    pub pcn: String,
    pub encounter_id: String,
    pub patient_id: String,
    pub payer_id: String,
    pub responsibility: String,
    pub frequency: String,
    pub status: ClaimStatus,
    pub first_dos: NaiveDate,
    pub submitted_on: NaiveDate,
    /// CLM02 as billed (a later payer's claim repeats the full charge: it is not a new charge).
    pub billed: Decimal,
    /// What this claim's payer paid through it (net of reversals and PLB items tied to it).
    pub paid: Decimal,
    /// Contractual adjustments and write-offs through it.
    pub adjusted: Decimal,
    pub payer_claim_number: Option<String>,
    /// The first payment: the 835's payment date (BPR16), else when it was posted.
    pub first_paid_on: Option<NaiveDate>,
    /// Another claim replaces or voids it.
    pub superseded: bool,
    /// A payer answered it (a claim payment that is not a reversal and was not reversed).
    pub adjudicated: bool,
    /// A denial entry stands on it (the whole claim or a line).
    pub denied: bool,
    /// A TA1, 999 or 277CA rejected it at some point.
    pub rejected_ever: bool,
}

/// Every claim, oldest date of service first.
pub fn claims(conn: &Connection) -> Result<Vec<ClaimRow>> {
    let mut money_by_pcn: HashMap<String, (i64, i64, bool)> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT pcn, kind, SUM(amount_cents), SUM(noted_cents) FROM ar_entries WHERE pcn IS NOT NULL
               AND (claim_payment_id IS NULL
                    OR claim_payment_id NOT IN (SELECT id FROM claim_payments WHERE reversed_by IS NOT NULL
                                                UNION SELECT reversed_by FROM claim_payments WHERE reversed_by IS NOT NULL))
             GROUP BY pcn, kind",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
        })?;
        for row in rows {
            let (pcn, kind, cents, noted) = row?;
            let e = money_by_pcn.entry(pcn).or_default();
            match kind.as_str() {
                "payment" | "provider_level" => e.0 -= cents,
                "contractual" | "writeoff" => e.1 -= cents,
                "denial" => e.2 |= noted != 0,
                _ => {}
            }
        }
    }
    let first_paid: HashMap<String, String> = {
        let mut stmt = conn.prepare(
            "SELECT cp.matched_pcn, MIN(COALESCE(r.payment_date, substr(r.posted_at, 1, 10)))
             FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id
             WHERE cp.matched_pcn IS NOT NULL AND cp.status_code <> '22' GROUP BY cp.matched_pcn",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let adjudicated: HashSet<String> = {
        let mut stmt = conn.prepare(
            "SELECT DISTINCT matched_pcn FROM claim_payments
             WHERE matched_pcn IS NOT NULL AND status_code <> '22' AND reversed_by IS NULL",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let rejected: HashSet<String> = {
        let mut stmt = conn.prepare("SELECT DISTINCT pcn FROM claim_events WHERE status_after = 'rejected'")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let superseded: HashSet<String> = {
        let mut stmt = conn.prepare("SELECT replaces_pcn FROM claims WHERE replaces_pcn IS NOT NULL")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut stmt = conn.prepare(
        "SELECT pcn, encounter_id, patient_id, payer_id, responsibility, frequency, status, first_dos, submitted_at,
                total_charge, payer_claim_number
         FROM claims ORDER BY first_dos, pcn",
    )?;
    let rows = stmt.query_map([], |r| {
        let status: String = r.get(6)?;
        let pcn: String = r.get(0)?;
        let (paid, adjusted, denied) = money_by_pcn.get(&pcn).copied().unwrap_or_default();
        Ok(ClaimRow {
            encounter_id: r.get(1)?,
            patient_id: r.get(2)?,
            payer_id: r.get(3)?,
            responsibility: r.get(4)?,
            frequency: r.get(5)?,
            status: ClaimStatus::parse(&status).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, status.into())
            })?,
            first_dos: date(&r.get::<_, String>(7)?)?,
            submitted_on: date(&r.get::<_, String>(8)?)?,
            billed: money(&r.get::<_, String>(9)?)?,
            paid: from_cents(paid),
            adjusted: from_cents(adjusted),
            payer_claim_number: r.get(10)?,
            first_paid_on: first_paid.get(&pcn).map(|d| date(d)).transpose()?,
            superseded: superseded.contains(&pcn),
            adjudicated: adjudicated.contains(&pcn),
            denied,
            rejected_ever: rejected.contains(&pcn) || r.get::<_, String>(6)? == "rejected",
            pcn,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The claim `key` names: its PCN (without regard to case), else the latest claim of the encounter
/// with that ID. Returns the PCN as stored.
pub fn resolve_claim(conn: &Connection, key: &str) -> Result<Option<String>> {
    let by_pcn: Option<String> =
        conn.query_row("SELECT pcn FROM claims WHERE pcn = ?1 COLLATE NOCASE", [key], |r| r.get(0)).optional()?;
    if by_pcn.is_some() {
        return Ok(by_pcn);
    }
    Ok(conn
        .query_row(
            "SELECT pcn FROM claims WHERE encounter_id = ?1 ORDER BY submitted_at DESC, pcn DESC LIMIT 1",
            [key],
            |r| r.get(0),
        )
        .optional()?)
}

/// Encounters not billed yet: how many, how many held by scrub errors, how many not scrubbed for
/// their current content.
pub fn unbilled_counts(conn: &Connection, payer: Option<&str>) -> Result<(i64, i64, i64)> {
    Ok(conn.query_row(
        "SELECT COUNT(*),
                COALESCE(SUM(s.scrub_status = 'error' AND s.scrubbed_hash = e.content_hash), 0),
                COALESCE(SUM(s.scrub_status IS NULL OR s.scrubbed_hash IS NOT e.content_hash), 0)
         FROM encounters e JOIN encounter_scrub_state s ON s.encounter_id = e.id
         WHERE (?1 IS NULL OR e.payer_id = ?1)
           AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.encounter_id = e.id)",
        [payer],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

/// The batch that carried a claim: file, ISA13, when written.
pub fn claim_batch(conn: &Connection, pcn: &str) -> Result<Option<(String, String, String)>> {
    Ok(conn
        .query_row(
            "SELECT b.path, b.isa13, b.created_at FROM claims c JOIN batches b ON b.id = c.batch_id WHERE c.pcn = ?1",
            [pcn],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

/// One billed line with what happened to it.
#[derive(Debug, Clone, PartialEq)]
pub struct LineRow {
    pub line_number: i64,
    pub control_number: String,
    pub procedure_code: String,
    pub modifiers: String,
    pub units: String,
    pub date_of_service: String,
    pub charge: Decimal,
    /// From the claim payments in force (not reversed) matched to this line.
    pub allowed: Option<Decimal>,
    pub paid: Decimal,
    /// `(group, CARC, amount)` of each adjustment.
    pub adjustments: Vec<(String, String, Decimal)>,
    pub remarks: Vec<String>,
}

/// The lines of claim `pcn` with their adjudication.
pub fn claim_lines(conn: &Connection, pcn: &str) -> Result<Vec<LineRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT line_number, line_control_number, procedure_code, modifiers, units, date_of_service, charge
         FROM claim_lines WHERE pcn = ?1 ORDER BY line_number",
    )?;
    let rows = stmt.query_map([pcn], |r| {
        Ok(LineRow {
            line_number: r.get(0)?,
            control_number: r.get(1)?,
            procedure_code: r.get(2)?,
            modifiers: r.get(3)?,
            units: r.get(4)?,
            date_of_service: r.get(5)?,
            charge: money(&r.get::<_, String>(6)?)?,
            allowed: None,
            paid: Decimal::ZERO,
            adjustments: Vec::new(),
            remarks: Vec::new(),
        })
    })?;
    let mut lines: Vec<LineRow> = rows.collect::<rusqlite::Result<_>>()?;
    let mut svc = conn.prepare_cached(
        "SELECT sp.id, sp.matched_line_number, sp.paid, sp.allowed FROM service_payments sp
         JOIN claim_payments cp ON cp.id = sp.claim_payment_id
         WHERE sp.matched_pcn = ?1 AND cp.reversed_by IS NULL AND cp.status_code <> '22' ORDER BY sp.id",
    )?;
    let svcs = svc.query_map([pcn], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
    })?;
    let mut adjustments = conn.prepare_cached(
        "SELECT group_code, reason_code, amount FROM remit_adjustments WHERE service_payment_id = ?1 ORDER BY id",
    )?;
    let mut remarks =
        conn.prepare_cached("SELECT code FROM remit_remark_codes WHERE service_payment_id = ?1 ORDER BY id")?;
    for s in svcs {
        let (id, number, paid, allowed) = s?;
        let Some(line) = lines.iter_mut().find(|l| l.line_number == number) else { continue };
        line.paid += money(&paid)?;
        if let Some(a) = allowed {
            *line.allowed.get_or_insert(Decimal::ZERO) += money(&a)?;
        }
        let adj = adjustments.query_map([id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, money(&r.get::<_, String>(2)?)?))
        })?;
        for a in adj {
            line.adjustments.push(a?);
        }
        let rem = remarks.query_map([id], |r| r.get::<_, String>(0))?;
        for r in rem {
            line.remarks.push(r?);
        }
    }
    Ok(lines)
}

/// One entry of a claim's history.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub at: String,
    pub kind: String,
    pub status_after: Option<String>,
    pub amount: Option<Decimal>,
    pub detail: String,
    pub source_file: Option<String>,
}

pub fn claim_events(conn: &Connection, pcn: &str) -> Result<Vec<EventRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, kind, status_after, amount, detail, source_file FROM claim_history WHERE pcn = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([pcn], |r| {
        Ok(EventRow {
            at: r.get(0)?,
            kind: r.get(1)?,
            status_after: r.get(2)?,
            amount: r.get::<_, Option<String>>(3)?.map(|a| money(&a)).transpose()?,
            detail: r.get(4)?,
            source_file: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An A/R entry as `claim show` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRow {
    pub effective_on: String,
    pub kind: String,
    pub party: String,
    pub line_number: Option<i64>,
    pub amount: Decimal,
    pub noted: Decimal,
    pub code: String,
    pub pcn: Option<String>,
}

/// Every A/R entry of an encounter, in order.
pub fn visit_entries(conn: &Connection, encounter_id: &str) -> Result<Vec<EntryRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT effective_on, kind, COALESCE(payer_id, 'patient'), line_number, amount_cents, noted_cents,
                TRIM(COALESCE(group_code || '-', '') || COALESCE(reason_code, '')), pcn
         FROM ar_entries WHERE encounter_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([encounter_id], |r| {
        Ok(EntryRow {
            effective_on: r.get(0)?,
            kind: r.get(1)?,
            party: r.get(2)?,
            line_number: r.get(3)?,
            amount: from_cents(r.get(4)?),
            noted: from_cents(r.get(5)?),
            code: r.get(6)?,
            pcn: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One 835 payment with what its claims add up to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RemittanceRow {
    pub id: i64,
    pub payer_id: String,
    pub payer_name: String,
    pub trace_number: String,
    pub paid_on: Option<NaiveDate>,
    pub method: String,
    pub amount: Decimal,
    pub claims_matched: i64,
    pub claims_unmatched: i64,
    pub billed: Decimal,
    /// AMT*B6 of each line, or when absent its charge less its contractual (CO) adjustments.
    pub allowed: Decimal,
    pub paid: Decimal,
    pub patient_responsibility: Decimal,
    /// By CAS group (CO, PR, OA, PI, CR), claims' and lines' together.
    pub adjustments: BTreeMap<String, Decimal>,
    /// PLB items, all of them.
    pub provider_adjustments: Decimal,
    /// Of those, the ones tied to one of our claims by their reference.
    pub provider_adjustments_tied: Decimal,
    pub balanced: bool,
    pub source_file: String,
}

/// Every posted payment, by payment date.
pub fn remittances(conn: &Connection) -> Result<Vec<RemittanceRow>> {
    let mut out: Vec<RemittanceRow> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT id, payer_id, payer_name, trace_number, COALESCE(payment_date, substr(posted_at, 1, 10)), method,
                    total_paid, matched_count, unmatched_count, balanced, source_file
             FROM remittances ORDER BY 5, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(RemittanceRow {
                id: r.get(0)?,
                payer_id: r.get(1)?,
                payer_name: r.get(2)?,
                trace_number: r.get(3)?,
                paid_on: Some(date(&r.get::<_, String>(4)?)?),
                method: r.get(5)?,
                amount: money(&r.get::<_, String>(6)?)?,
                claims_matched: r.get(7)?,
                claims_unmatched: r.get(8)?,
                balanced: r.get::<_, i64>(9)? != 0,
                source_file: r.get(10)?,
                ..RemittanceRow::default()
            })
        })?;
        for row in rows {
            let row = row?;
            index.insert(row.id, out.len());
            out.push(row);
        }
    }
    // Claim payments: billed, paid, patient responsibility. Allowed: per line AMT*B6, else its
    // charge less its CO adjustments; a claim without lines, its charge less its CO adjustments.
    let mut claims: HashMap<i64, (usize, Decimal)> = HashMap::new();
    {
        let mut stmt =
            conn.prepare("SELECT id, remittance_id, charge, paid, patient_responsibility FROM claim_payments")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(&i) = index.get(&r.get::<_, i64>(1)?) else { continue };
            let charge = money(&r.get::<_, String>(2)?)?;
            out[i].billed += charge;
            out[i].paid += money(&r.get::<_, String>(3)?)?;
            out[i].patient_responsibility += money(&r.get::<_, String>(4)?)?;
            claims.insert(r.get(0)?, (i, charge));
        }
    }
    let mut with_lines: HashSet<i64> = HashSet::new();
    let mut lines: HashMap<i64, (usize, Decimal, bool)> = HashMap::new();
    {
        let mut stmt = conn.prepare("SELECT id, claim_payment_id, charge, allowed FROM service_payments")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let cp: i64 = r.get(1)?;
            let Some(&(i, _)) = claims.get(&cp) else { continue };
            with_lines.insert(cp);
            let (base, given) = match r.get::<_, Option<String>>(3)? {
                Some(a) => (money(&a)?, true),
                None => (money(&r.get::<_, String>(2)?)?, false),
            };
            lines.insert(r.get(0)?, (i, base, given));
        }
    }
    {
        let mut stmt =
            conn.prepare("SELECT claim_payment_id, service_payment_id, group_code, amount FROM remit_adjustments")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let cp: i64 = r.get(0)?;
            let Some(claim) = claims.get_mut(&cp) else { continue };
            let i = claim.0;
            let group: String = r.get(2)?;
            let amount = money(&r.get::<_, String>(3)?)?;
            if group == "CO" {
                match r.get::<_, Option<i64>>(1)? {
                    Some(sp) => {
                        if let Some(line) = lines.get_mut(&sp).filter(|l| !l.2) {
                            line.1 -= amount;
                        }
                    }
                    None => claim.1 -= amount,
                }
            }
            *out[i].adjustments.entry(group).or_default() += amount;
        }
    }
    for (i, allowed, _) in lines.values() {
        out[*i].allowed += *allowed;
    }
    for (cp, (i, allowed)) in &claims {
        if !with_lines.contains(cp) {
            out[*i].allowed += *allowed;
        }
    }
    {
        let mut stmt =
            conn.prepare("SELECT remittance_id, amount, matched_pcn IS NOT NULL FROM provider_adjustments")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(&i) = index.get(&r.get::<_, i64>(0)?) else { continue };
            let amount = money(&r.get::<_, String>(1)?)?;
            out[i].provider_adjustments += amount;
            if r.get::<_, bool>(2)? {
                out[i].provider_adjustments_tied += amount;
            }
        }
    }
    Ok(out)
}

/// A denied service line (or a claim denied without lines), with its reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct DeniedLine {
    pub pcn: Option<String>,
    pub payer_id: String,
    pub paid_on: NaiveDate,
    pub procedure_code: String,
    pub charge: Decimal,
    /// `(group, CARC, amount)`, patient-responsibility (PR) reasons included.
    pub reasons: Vec<(String, String, Decimal)>,
    pub remarks: Vec<String>,
}

/// The denied lines of the payments in force: lines of a denied claim (CLP02 4) and lines with a
/// denial entry (paid nothing for a denial reason). Lines paid nothing because of the deductible
/// or another patient share are not denials.
pub fn denied_lines(conn: &Connection) -> Result<Vec<DeniedLine>> {
    let mut stmt = conn.prepare(
        "SELECT sp.id, cp.id, cp.matched_pcn, r.payer_id, COALESCE(r.payment_date, substr(r.posted_at, 1, 10)),
                sp.procedure_code, sp.charge
         FROM service_payments sp JOIN claim_payments cp ON cp.id = sp.claim_payment_id
         JOIN remittances r ON r.id = cp.remittance_id
         WHERE cp.reversed_by IS NULL AND cp.status_code <> '22'
           AND (cp.status_code = '4'
                OR EXISTS (SELECT 1 FROM ar_entries a WHERE a.claim_payment_id = cp.id AND a.kind = 'denial'
                             AND a.line_number = sp.matched_line_number))
         UNION ALL
         SELECT NULL, cp.id, cp.matched_pcn, r.payer_id, COALESCE(r.payment_date, substr(r.posted_at, 1, 10)),
                '(claim)', cp.charge
         FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id
         WHERE cp.reversed_by IS NULL AND cp.status_code = '4'
           AND NOT EXISTS (SELECT 1 FROM service_payments sp WHERE sp.claim_payment_id = cp.id)",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Option<i64>>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut adjustments = conn.prepare_cached(
        "SELECT group_code, reason_code, amount FROM remit_adjustments
         WHERE claim_payment_id = ?1 AND (service_payment_id = ?2 OR service_payment_id IS NULL) ORDER BY id",
    )?;
    let mut remarks = conn.prepare_cached(
        "SELECT code FROM remit_remark_codes
         WHERE claim_payment_id = ?1 AND (service_payment_id = ?2 OR service_payment_id IS NULL)
         ORDER BY service_payment_id IS NOT NULL, id",
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (sp, cp, pcn, payer_id, paid_on, procedure_code, charge) = row?;
        let reasons = adjustments
            .query_map(params![cp, sp], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, money(&r.get::<_, String>(2)?)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let remark_codes = remarks.query_map(params![cp, sp], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        out.push(DeniedLine {
            pcn,
            payer_id,
            paid_on: date(&paid_on)?,
            procedure_code,
            charge: money(&charge)?,
            reasons,
            remarks: remark_codes,
        });
    }
    Ok(out)
}

/// A row of the worklist as found in the ledger: its kind, the claim or reference, the payer, an
/// amount, the patient, the date of service and what the reasons are.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkRow {
    pub kind: &'static str,
    pub reference: String,
    pub payer_id: String,
    pub amount: Option<Decimal>,
    pub encounter_id: Option<String>,
    pub date_of_service: Option<String>,
    /// Codes (CARCs, rule IDs) or wording from the ledger.
    pub detail: String,
    /// The main CARC, for the next step.
    pub carc: Option<String>,
    /// Remark codes (RARC), for the next step.
    pub remarks: Vec<String>,
}

fn strings(conn: &Connection, sql: &str, p: &[&dyn rusqlite::ToSql]) -> Result<Vec<Vec<String>>> {
    let mut stmt = conn.prepare(sql)?;
    let n = stmt.column_count();
    let rows = stmt.query_map(p, |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => String::new(),
                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    other => {
                        return Err(rusqlite::Error::InvalidColumnType(i, format!("{other:?}"), other.data_type()));
                    }
                })
            })
            .collect()
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn amount(s: &str) -> Result<Option<Decimal>> {
    if s.is_empty() { Ok(None) } else { Ok(Some(money(s).map_err(LedgerError::from)?)) }
}

/// Everything a biller must act on, found in the ledger (the report words the next steps).
pub fn work_rows(conn: &Connection, as_of: NaiveDate, no_response_days: i64) -> Result<Vec<WorkRow>> {
    let balances = super::ar::visit_balances(conn, None)?;
    let owed = |encounter: &str, payer: &str| -> Option<Decimal> {
        balances.get(encounter).and_then(|v| v.payers.get(payer)).map(|c| from_cents(*c))
    };
    let mut out = Vec::new();
    // Rejected claims, with the reason of the rejection (not an earlier acceptance).
    for r in strings(
        conn,
        "SELECT c.pcn, c.payer_id, c.total_charge, c.encounter_id, c.first_dos,
                (SELECT e.detail FROM claim_events e WHERE e.pcn = c.pcn AND e.status_after = 'rejected'
                  ORDER BY e.id DESC LIMIT 1)
         FROM claims c WHERE c.status = 'rejected' ORDER BY c.pcn",
        &[],
    )? {
        out.push(WorkRow {
            kind: "rejected claim",
            reference: r[0].clone(),
            payer_id: r[1].clone(),
            amount: amount(&r[2])?,
            encounter_id: opt(&r[3]),
            date_of_service: opt(&r[4]),
            detail: r[5].clone(),
            ..WorkRow::default()
        });
    }
    // Denied claims and denied lines of the payments in force.
    let mut denied: BTreeMap<(String, String), WorkRow> = BTreeMap::new();
    for r in strings(
        conn,
        "SELECT c.pcn, c.payer_id, c.encounter_id, c.first_dos, a.group_code, a.reason_code, a.noted_cents, a.line_number,
                cp.status_code, cp.id
         FROM ar_entries a JOIN claim_payments cp ON cp.id = a.claim_payment_id JOIN claims c ON c.pcn = a.pcn
         WHERE a.kind = 'denial' AND cp.reversed_by IS NULL AND c.status <> 'voided'
           AND NOT EXISTS (SELECT 1 FROM claims n WHERE n.replaces_pcn = c.pcn)
         ORDER BY c.pcn, a.noted_cents DESC",
        &[],
    )? {
        let whole = r[8] == "4";
        let kind = if whole { "denied claim" } else { "denied line" };
        let key = (r[0].clone(), if whole { String::new() } else { r[7].clone() });
        let item = denied.entry(key).or_insert_with(|| WorkRow {
            kind,
            reference: if whole || r[7].is_empty() { r[0].clone() } else { format!("{} line {}", r[0], r[7]) },
            payer_id: r[1].clone(),
            amount: owed(&r[2], &r[1]),
            encounter_id: opt(&r[2]),
            date_of_service: opt(&r[3]),
            carc: Some(r[5].clone()),
            ..WorkRow::default()
        });
        let code = format!("{}-{}", r[4], r[5]);
        if !item.detail.split(", ").any(|c| c == code) {
            if !item.detail.is_empty() {
                item.detail.push_str(", ");
            }
            item.detail.push_str(&code);
        }
        let cp: i64 = r[9].parse().unwrap_or_default();
        if item.remarks.is_empty() {
            item.remarks = strings(
                conn,
                "SELECT DISTINCT code FROM remit_remark_codes WHERE claim_payment_id = ?1 ORDER BY code",
                &[&cp],
            )?
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
        }
    }
    out.extend(denied.into_values());
    // Underpayments, one item per claim payment in force.
    let mut under: BTreeMap<String, WorkRow> = BTreeMap::new();
    for r in strings(
        conn,
        "SELECT u.pcn, u.payer_id, u.shortfall, u.procedure_code, c.encounter_id, c.first_dos, u.claim_payment_id
         FROM remit_underpayments u JOIN claim_payments cp ON cp.id = u.claim_payment_id
         JOIN claims c ON c.pcn = u.pcn
         WHERE cp.reversed_by IS NULL ORDER BY u.id",
        &[],
    )? {
        let item = under.entry(r[6].clone()).or_insert_with(|| WorkRow {
            kind: "underpayment",
            reference: r[0].clone(),
            payer_id: r[1].clone(),
            amount: Some(Decimal::ZERO),
            encounter_id: opt(&r[4]),
            date_of_service: opt(&r[5]),
            ..WorkRow::default()
        });
        item.amount = Some(item.amount.unwrap_or_default() + money(&r[2])?);
        if !item.detail.is_empty() {
            item.detail.push_str(", ");
        }
        item.detail.push_str(&format!("{} short {}", r[3], r[2]));
    }
    out.extend(under.into_values());
    for r in strings(
        conn,
        "SELECT u.clp01, r.payer_id, u.paid, u.kind, u.reason FROM remit_unmatched u
         JOIN remittances r ON r.id = u.remittance_id WHERE u.resolved_at IS NULL ORDER BY u.id",
        &[],
    )? {
        out.push(WorkRow {
            kind: "unmatched remittance item",
            reference: r[0].clone(),
            payer_id: r[1].clone(),
            amount: amount(&r[2])?,
            detail: format!("{}: {}", r[3], r[4]),
            ..WorkRow::default()
        });
    }
    for r in strings(
        conn,
        "SELECT trace_number, payer_id, total_paid, source_file FROM remittances WHERE balanced = 0 ORDER BY id",
        &[],
    )? {
        out.push(WorkRow {
            kind: "unbalanced remittance",
            reference: r[0].clone(),
            payer_id: r[1].clone(),
            amount: amount(&r[2])?,
            detail: format!("{} does not balance", r[3]),
            ..WorkRow::default()
        });
    }
    // Provider-level items tied to a claim that leave money owed back to the payer (FB).
    for r in strings(
        conn,
        "SELECT p.matched_pcn, r.payer_id, p.amount, p.reason_code, c.encounter_id, c.first_dos
         FROM provider_adjustments p JOIN remittances r ON r.id = p.remittance_id JOIN claims c ON c.pcn = p.matched_pcn
         ORDER BY p.id",
        &[],
    )? {
        out.push(WorkRow {
            kind: "provider-level adjustment",
            reference: r[0].clone(),
            payer_id: r[1].clone(),
            amount: amount(&r[2])?,
            encounter_id: opt(&r[4]),
            date_of_service: opt(&r[5]),
            detail: format!("PLB {} {}", r[3], r[2]),
            carc: Some(r[3].clone()),
            ..WorkRow::default()
        });
    }
    for r in strings(
        conn,
        "SELECT c.pcn, c.payer_id, c.encounter_id, c.first_dos,
                (SELECT e.detail FROM claim_events e WHERE e.pcn = c.pcn ORDER BY e.id DESC LIMIT 1)
         FROM claims c WHERE c.status = 'reversed' ORDER BY c.pcn",
        &[],
    )? {
        out.push(WorkRow {
            kind: "payment reversed",
            reference: r[0].clone(),
            payer_id: r[1].clone(),
            amount: owed(&r[2], &r[1]),
            encounter_id: opt(&r[2]),
            date_of_service: opt(&r[3]),
            detail: r[4].clone(),
            ..WorkRow::default()
        });
    }
    let cutoff = as_of - chrono::Duration::days(no_response_days);
    for r in strings(
        conn,
        "SELECT pcn, payer_id, total_charge, substr(submitted_at, 1, 10), status, encounter_id, first_dos FROM claims c
         WHERE status IN ('submitted', 'accepted') AND NOT EXISTS (SELECT 1 FROM claims n WHERE n.replaces_pcn = c.pcn)
         ORDER BY submitted_at, pcn",
        &[],
    )? {
        let submitted_on = date(&r[3]).map_err(LedgerError::from)?;
        if submitted_on <= cutoff {
            out.push(WorkRow {
                kind: "no response",
                reference: r[0].clone(),
                payer_id: r[1].clone(),
                amount: amount(&r[2])?,
                encounter_id: opt(&r[5]),
                date_of_service: opt(&r[6]),
                detail: format!("{} {} days ago, no payment yet", r[4], (as_of - submitted_on).num_days()),
                ..WorkRow::default()
            });
        }
    }
    for r in strings(
        conn,
        "SELECT e.id, e.payer_id, e.total_charge, e.first_dos,
            (SELECT group_concat(DISTINCT f.rule_id) FROM scrub_findings f WHERE f.encounter_id = e.id AND f.severity = 'error')
         FROM encounters e JOIN encounter_scrub_state s ON s.encounter_id = e.id
         WHERE s.scrub_status = 'error' AND s.scrubbed_hash = e.content_hash
           AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.encounter_id = e.id) ORDER BY e.id",
        &[],
    )? {
        out.push(WorkRow {
            kind: "held encounter",
            reference: r[0].clone(),
            payer_id: r[1].clone(),
            amount: amount(&r[2])?,
            encounter_id: opt(&r[0]),
            date_of_service: opt(&r[3]),
            detail: format!("scrub errors: {}", r[4]),
            ..WorkRow::default()
        });
    }
    for r in strings(
        conn,
        "SELECT ic.encounter_id, e.payer_id, ic.source_file, e.first_dos FROM import_conflicts ic
         JOIN encounters e ON e.id = ic.encounter_id ORDER BY ic.id",
        &[],
    )? {
        out.push(WorkRow {
            kind: "changed after billing",
            reference: r[0].clone(),
            payer_id: r[1].clone(),
            encounter_id: opt(&r[0]),
            date_of_service: opt(&r[3]),
            detail: format!("{} changed the encounter after it was billed", r[2]),
            ..WorkRow::default()
        });
    }
    Ok(out)
}

/// The payer's name as its latest 835 gives it, by payer ID.
pub fn payer_names(conn: &Connection) -> Result<HashMap<String, String>> {
    let mut stmt = conn.prepare("SELECT payer_id, payer_name FROM remittances ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
