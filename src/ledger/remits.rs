//! Remittances in the ledger: what a posting reads (the billed claims it matches) and writes (the
//! payment, its claims, lines, adjustments, remarks, provider-level items, findings, unmatched
//! items and underpayments), and what reports and secondary claims read back.
//!
//! Every statement a posting runs once per claim is prepared once and cached on the connection.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rust_decimal::Decimal;

use super::{Result, money_text, now_timestamp, stored_decimal};
use crate::remit835::{ClaimAdjustment, ClaimPayment, Finding, ProviderAdjustment, RemittanceHeader, ServicePayment};

/// A billed claim as a posting matches a claim payment to it.
#[derive(Debug, Clone)]
pub struct BilledClaim {
    pub pcn: String,
    pub encounter_id: String,
    pub patient_id: String,
    pub payer_id: String,
    /// `P`, `S` or `T`.
    pub responsibility: String,
    pub next_payer_id: Option<String>,
    pub status: String,
    pub lines: Vec<BilledLine>,
}

/// A billed service line.
#[derive(Debug, Clone)]
pub struct BilledLine {
    pub line_number: u32,
    pub control_number: String,
    pub code: String,
    pub modifiers: String,
    pub charge: Decimal,
    pub date: Option<NaiveDate>,
}

const CLAIM_COLUMNS: &str =
    "pcn, encounter_id, patient_id, payer_id, responsibility, next_payer_id, status FROM claims";

fn billed_claim(conn: &Connection, where_clause: &str, key: &str) -> Result<Option<BilledClaim>> {
    let claim = conn
        .prepare_cached(&format!("SELECT {CLAIM_COLUMNS} {where_clause}"))?
        .query_row([key], |r| {
            Ok(BilledClaim {
                pcn: r.get(0)?,
                encounter_id: r.get(1)?,
                patient_id: r.get(2)?,
                payer_id: r.get(3)?,
                responsibility: r.get(4)?,
                next_payer_id: r.get(5)?,
                status: r.get(6)?,
                lines: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut claim) = claim else { return Ok(None) };
    let mut stmt = conn.prepare_cached(
        "SELECT line_number, line_control_number, procedure_code, modifiers, charge, date_of_service
         FROM claim_lines WHERE pcn = ?1 ORDER BY line_number",
    )?;
    let rows = stmt.query_map([&claim.pcn], |r| {
        Ok(BilledLine {
            line_number: r.get::<_, i64>(0)? as u32,
            control_number: r.get(1)?,
            code: r.get(2)?,
            modifiers: r.get(3)?,
            charge: stored_decimal(&r.get::<_, String>(4)?)?,
            date: r.get::<_, String>(5)?.parse().ok(),
        })
    })?;
    claim.lines = rows.collect::<rusqlite::Result<_>>()?;
    Ok(Some(claim))
}

/// The claim whose CLM01 is `pcn` (as sent, or without regard to case).
pub fn claim_by_pcn(conn: &Connection, pcn: &str) -> Result<Option<BilledClaim>> {
    match billed_claim(conn, "WHERE pcn = ?1", pcn)? {
        Some(c) => Ok(Some(c)),
        None => billed_claim(conn, "WHERE pcn = ?1 COLLATE NOCASE", pcn),
    }
}

/// The latest claim the payer numbered `number` (277CA REF*1K or an earlier CLP07).
pub fn claim_by_payer_claim_number(conn: &Connection, number: &str) -> Result<Option<BilledClaim>> {
    billed_claim(conn, "WHERE payer_claim_number = ?1 ORDER BY submitted_at DESC, pcn DESC LIMIT 1", number)
}

/// A claim billed on a date, as the patient + date + charge fallback compares it.
#[derive(Debug, Clone)]
pub struct ClaimOnDate {
    pub pcn: String,
    pub charge: Decimal,
    pub patient_id: String,
    pub member_id: Option<String>,
}

/// The claims whose first date of service is `date`.
pub fn claims_on_date(conn: &Connection, date: NaiveDate) -> Result<Vec<ClaimOnDate>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.pcn, c.total_charge, c.patient_id,
             COALESCE(c.member_id, json_extract(e.encounter_json, '$.subscriber.member_id'))
         FROM claims c JOIN encounters e ON e.id = c.encounter_id WHERE c.first_dos = ?1",
    )?;
    let rows = stmt.query_map([date.to_string()], |r| {
        Ok(ClaimOnDate {
            pcn: r.get(0)?,
            charge: stored_decimal(&r.get::<_, String>(1)?)?,
            patient_id: r.get(2)?,
            member_id: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The file a payment (payer + trace + amount) was posted from, if it was.
pub fn payment_posted_from(conn: &Connection, payer_id: &str, trace: &str, amount: Decimal) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT source_file FROM remittances WHERE payer_id = ?1 AND trace_number = ?2 AND total_paid = ?3",
        )?
        .query_row(params![payer_id, trace, money_text(amount)], |r| r.get(0))
        .optional()?)
}

/// Inserts the remittance of `header` (counts are set by [`finish_remittance`]).
pub fn insert_remittance(tx: &Transaction<'_>, file: &str, sha256: &str, header: &RemittanceHeader) -> Result<i64> {
    tx.execute(
        "INSERT INTO remittances (source_file, sha256, isa13, gs06, st02, payer_id, payer_name, payee_name, payee_npi,
             payee_tin, trace_number, trace_originator, total_paid, credit_debit, method, payment_date, production_date,
             posted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            file,
            sha256,
            header.envelope.interchange_control,
            header.envelope.group_control,
            header.envelope.transaction_control,
            header.payer_id(),
            header.payer.name,
            header.payee.name,
            header.payee.npi(),
            header.payee.tin(),
            header.trace.number,
            header.trace.originator,
            money_text(header.payment.amount),
            header.payment.credit_debit,
            header.payment.method,
            header.payment.date.map(|d| d.to_string()),
            header.production_date.map(|d| d.to_string()),
            now_timestamp(),
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The counts of a posted remittance.
#[derive(Debug, Clone, Copy, Default)]
pub struct RemittanceCounts {
    pub claims: u64,
    pub matched: u64,
    pub unmatched: u64,
    pub balanced: bool,
    pub findings: u64,
}

pub fn finish_remittance(tx: &Transaction<'_>, remittance_id: i64, counts: RemittanceCounts) -> Result<()> {
    tx.execute(
        "UPDATE remittances SET claim_count = ?2, matched_count = ?3, unmatched_count = ?4, balanced = ?5,
             finding_count = ?6 WHERE id = ?1",
        params![
            remittance_id,
            counts.claims as i64,
            counts.matched as i64,
            counts.unmatched as i64,
            counts.balanced,
            counts.findings as i64
        ],
    )?;
    Ok(())
}

/// How a claim payment was matched to a billed claim.
#[derive(Debug, Clone, Copy)]
pub struct ClaimMatch<'a> {
    pub pcn: &'a str,
    /// `pcn`, `payer_claim_number` or `patient_date_charge`.
    pub method: &'static str,
}

/// Inserts one CLP with its adjustments and remark codes (not its lines: [`insert_service_payment`]).
pub fn insert_claim_payment(
    tx: &Transaction<'_>,
    remittance_id: i64,
    claim: &ClaimPayment,
    matched: Option<ClaimMatch<'_>>,
    status_after: Option<&str>,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO claim_payments (remittance_id, clp01, matched_pcn, match_method, status_code, charge, paid,
             patient_responsibility, filing_indicator, payer_claim_number, facility_type, frequency, statement_from,
             statement_to, received_date, claim_status_after, segment)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        remittance_id,
        claim.pcn,
        matched.map(|m| m.pcn),
        matched.map(|m| m.method),
        claim.status,
        money_text(claim.charge),
        money_text(claim.paid),
        money_text(claim.patient_responsibility),
        claim.filing_indicator,
        claim.payer_claim_number,
        claim.facility_type,
        claim.frequency,
        claim.statement_from.map(|d| d.to_string()),
        claim.statement_to.map(|d| d.to_string()),
        claim.received.map(|d| d.to_string()),
        status_after,
        claim.position.segment as i64,
    ])?;
    let id = tx.last_insert_rowid();
    insert_adjustments(tx, id, None, &claim.adjustments)?;
    for (source, info) in [("MIA", &claim.inpatient), ("MOA", &claim.outpatient)] {
        for code in info.iter().flat_map(|i| i.remark_codes.iter()) {
            insert_remark(tx, id, None, source, code)?;
        }
    }
    Ok(id)
}

fn insert_adjustments(
    tx: &Transaction<'_>,
    claim_payment_id: i64,
    service_payment_id: Option<i64>,
    adjustments: &[ClaimAdjustment],
) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO remit_adjustments (claim_payment_id, service_payment_id, group_code, reason_code, amount, quantity)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for a in adjustments {
        stmt.execute(params![
            claim_payment_id,
            service_payment_id,
            a.group,
            a.reason,
            a.amount.to_string(),
            a.quantity.map(|q| q.to_string())
        ])?;
    }
    Ok(())
}

fn insert_remark(
    tx: &Transaction<'_>,
    claim_payment_id: i64,
    service_payment_id: Option<i64>,
    source: &str,
    code: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO remit_remark_codes (claim_payment_id, service_payment_id, source, code) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![claim_payment_id, service_payment_id, source, code])?;
    Ok(())
}

/// The billed line an SVC was matched to, and how.
#[derive(Debug, Clone, Copy)]
pub struct LineMatch<'a> {
    pub pcn: &'a str,
    pub line_number: u32,
    /// `line_control_number` or `code_date_charge`.
    pub method: &'static str,
}

/// Inserts one SVC (1-based `ordinal` in its CLP) with its adjustments and remark codes.
pub fn insert_service_payment(
    tx: &Transaction<'_>,
    claim_payment_id: i64,
    ordinal: u32,
    line: &ServicePayment,
    matched: Option<LineMatch<'_>>,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO service_payments (claim_payment_id, ordinal, matched_pcn, matched_line_number, match_method,
             qualifier, procedure_code, modifiers, original_procedure_code, charge, paid, allowed, revenue_code,
             units_paid, original_units, service_date, service_date_to, line_control_number, segment)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    )?
    .execute(params![
        claim_payment_id,
        ordinal,
        matched.map(|m| m.pcn),
        matched.map(|m| m.line_number),
        matched.map(|m| m.method),
        line.procedure.qualifier,
        line.procedure.code,
        line.procedure.modifiers.join(":"),
        line.original_procedure.as_ref().map(|p| p.code.as_str()),
        money_text(line.charge),
        money_text(line.paid),
        line.allowed.map(money_text),
        line.revenue_code,
        line.units_paid.to_string(),
        line.original_units.map(|u| u.to_string()),
        line.service_date.map(|d| d.to_string()),
        line.service_date_to.map(|d| d.to_string()),
        line.line_control_number,
        line.position.segment as i64,
    ])?;
    let id = tx.last_insert_rowid();
    insert_adjustments(tx, claim_payment_id, Some(id), &line.adjustments)?;
    for code in &line.remark_codes {
        insert_remark(tx, claim_payment_id, Some(id), "LQ", code)?;
    }
    Ok(id)
}

pub fn insert_finding(tx: &Transaction<'_>, remittance_id: i64, f: &Finding) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO remittance_findings (remittance_id, level, code, pcn, line_number, expected, actual, message,
             segment, byte_offset) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        remittance_id,
        f.level.as_str(),
        f.code,
        f.pcn,
        f.line,
        f.expected.map(money_text),
        f.actual.map(money_text),
        f.message,
        f.at.segment as i64,
        f.at.offset as i64,
    ])?;
    Ok(())
}

/// A claim or line of an 835 matched to nothing billed.
#[derive(Debug, Clone)]
pub struct UnmatchedRow<'a> {
    pub remittance_id: i64,
    pub claim_payment_id: i64,
    pub line_ordinal: Option<u32>,
    pub kind: &'static str,
    pub clp01: &'a str,
    pub procedure_code: Option<&'a str>,
    pub charge: Decimal,
    pub paid: Decimal,
    pub reason: &'a str,
}

pub fn insert_unmatched(tx: &Transaction<'_>, u: &UnmatchedRow<'_>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO remit_unmatched (remittance_id, claim_payment_id, line_ordinal, kind, clp01, procedure_code, charge,
             paid, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        u.remittance_id,
        u.claim_payment_id,
        u.line_ordinal,
        u.kind,
        u.clp01,
        u.procedure_code,
        money_text(u.charge),
        money_text(u.paid),
        u.reason
    ])?;
    Ok(())
}

/// A paid line allowed below its contract rate.
#[derive(Debug, Clone)]
pub struct UnderpaymentRow<'a> {
    pub remittance_id: i64,
    pub claim_payment_id: i64,
    pub line_ordinal: u32,
    pub pcn: &'a str,
    pub line_number: Option<u32>,
    pub payer_id: &'a str,
    pub procedure_code: &'a str,
    pub modifier: Option<&'a str>,
    pub service_date: NaiveDate,
    pub allowed: Decimal,
    pub allowed_source: &'static str,
    pub contract_rate: Decimal,
    pub shortfall: Decimal,
    pub tolerance: Decimal,
}

pub fn insert_underpayment(tx: &Transaction<'_>, u: &UnderpaymentRow<'_>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO remit_underpayments (remittance_id, claim_payment_id, line_ordinal, pcn, line_number, payer_id,
             procedure_code, modifier, service_date, allowed, allowed_source, contract_rate, shortfall, tolerance, found_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        u.remittance_id,
        u.claim_payment_id,
        u.line_ordinal,
        u.pcn,
        u.line_number,
        u.payer_id,
        u.procedure_code,
        u.modifier,
        u.service_date.to_string(),
        money_text(u.allowed),
        u.allowed_source,
        money_text(u.contract_rate),
        money_text(u.shortfall),
        money_text(u.tolerance),
        now_timestamp(),
    ])?;
    Ok(())
}

/// Inserts one PLB item, tied to the claim `matched_pcn` when its reference names one.
pub fn insert_provider_adjustment(
    tx: &Transaction<'_>,
    remittance_id: i64,
    p: &ProviderAdjustment,
    matched_pcn: Option<&str>,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO provider_adjustments (remittance_id, provider_id, fiscal_period_date, reason_code, reference,
             matched_pcn, amount, segment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        remittance_id,
        p.provider_id,
        p.fiscal_period_date.map(|d| d.to_string()),
        p.reason,
        p.reference,
        matched_pcn,
        money_text(p.amount),
        p.position.segment as i64
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Moves claim `pcn` to `status` after a posting, keeping the payer's claim number when it sent one.
pub fn set_claim_adjudicated(
    tx: &Transaction<'_>,
    pcn: &str,
    status: &str,
    payer_claim_number: Option<&str>,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE claims SET status = ?2, payer_claim_number = COALESCE(?3, payer_claim_number), updated_at = ?4
         WHERE pcn = ?1",
    )?
    .execute(params![pcn, status, payer_claim_number, now_timestamp()])?;
    Ok(())
}

/// One entry of a claim's history.
#[derive(Debug, Clone)]
pub struct ClaimEventRow<'a> {
    pub pcn: &'a str,
    pub kind: &'a str,
    pub status_after: Option<&'a str>,
    pub amount: Option<Decimal>,
    pub detail: &'a str,
    pub source_file: Option<&'a str>,
}

pub fn insert_claim_event(tx: &Transaction<'_>, e: &ClaimEventRow<'_>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO claim_events (pcn, at, kind, status_after, amount, detail, source_file)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        e.pcn,
        now_timestamp(),
        e.kind,
        e.status_after,
        e.amount.map(money_text),
        e.detail,
        e.source_file
    ])?;
    Ok(())
}

/// The latest claim payment on `pcn` that is neither a reversal nor reversed: what a CLP02 22
/// takes back.
pub fn payment_to_reverse(conn: &Connection, pcn: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM claim_payments WHERE matched_pcn = ?1 AND status_code <> '22' AND reversed_by IS NULL
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([pcn], |r| r.get(0))
        .optional()?)
}

pub fn mark_reversed(tx: &Transaction<'_>, claim_payment_id: i64, by: i64) -> Result<()> {
    tx.prepare_cached("UPDATE claim_payments SET reversed_by = ?2 WHERE id = ?1")?.execute([claim_payment_id, by])?;
    Ok(())
}

/// The claim a PLB reference names: our CLM01 or the payer's claim number (PLB03-2 often carries
/// one of them, sometimes after the reason and a space).
pub fn claim_named_by_reference(conn: &Connection, reference: &str) -> Result<Option<BilledClaim>> {
    for candidate in std::iter::once(reference).chain(reference.split([' ', ':', '-']).filter(|s| !s.is_empty())) {
        if let Some(c) = claim_by_pcn(conn, candidate)? {
            return Ok(Some(c));
        }
        if let Some(c) = claim_by_payer_claim_number(conn, candidate)? {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// Keeps the crossover queue true for `encounter_id` after a posting: queued for its next payer
/// when that payer owes something and has no claim yet, removed otherwise.
pub fn refresh_crossover(
    tx: &Transaction<'_>,
    encounter_id: &str,
    responsibility: &str,
    next_payer_id: &str,
    prior_pcn: &str,
) -> Result<()> {
    let owed: i64 = tx
        .prepare_cached(
            "SELECT COALESCE(SUM(amount_cents), 0) FROM ar_entries WHERE encounter_id = ?1 AND payer_id = ?2",
        )?
        .query_row([encounter_id, next_payer_id], |r| r.get(0))?;
    let billed: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM claims WHERE encounter_id = ?1 AND responsibility = ?2)")?
        .query_row([encounter_id, responsibility], |r| r.get(0))?;
    if owed > 0 && !billed {
        tx.prepare_cached(
            "INSERT INTO crossover_queue (encounter_id, responsibility, payer_id, prior_pcn, queued_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (encounter_id, responsibility) DO UPDATE SET payer_id = excluded.payer_id,
                 prior_pcn = excluded.prior_pcn",
        )?
        .execute(params![encounter_id, responsibility, next_payer_id, prior_pcn, now_timestamp()])?;
    } else {
        tx.prepare_cached("DELETE FROM crossover_queue WHERE encounter_id = ?1 AND responsibility = ?2")?
            .execute([encounter_id, responsibility])?;
    }
    Ok(())
}

/// A transaction set already posted, as a repeated posting reports it.
#[derive(Debug, Clone)]
pub struct PostedPayment {
    pub payer_id: String,
    pub payer_name: String,
    pub trace: String,
    pub amount: Decimal,
    pub payment_date: Option<NaiveDate>,
    pub claims: u64,
    pub matched: u64,
    pub unmatched: u64,
    pub balanced: bool,
    pub source_file: String,
    pub findings: u64,
}

/// The payments posted from the file with content `sha256`.
pub fn payments_of_file(conn: &Connection, sha256: &str) -> Result<Vec<PostedPayment>> {
    let mut stmt = conn.prepare(
        "SELECT payer_id, payer_name, trace_number, total_paid, payment_date, claim_count, matched_count,
                unmatched_count, balanced, source_file, finding_count
         FROM remittances WHERE sha256 = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([sha256], |r| {
        Ok(PostedPayment {
            payer_id: r.get(0)?,
            payer_name: r.get(1)?,
            trace: r.get(2)?,
            amount: stored_decimal(&r.get::<_, String>(3)?)?,
            payment_date: r.get::<_, Option<String>>(4)?.and_then(|d| d.parse().ok()),
            claims: r.get::<_, i64>(5)? as u64,
            matched: r.get::<_, i64>(6)? as u64,
            unmatched: r.get::<_, i64>(7)? as u64,
            balanced: r.get(8)?,
            source_file: r.get(9)?,
            findings: r.get::<_, i64>(10)? as u64,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
