//! Claim-level reports from the ledger: the claims list, a claim's whole history (`claim show`),
//! A/R aging and payer performance.
//!
//! A/R aging counts, for every claim, the money still owed: the **insurance balance** (billed and
//! not yet decided by the payer: submitted, accepted, forwarded, rejected, denied or reversed
//! claims, less what was paid) and the **patient balance** (the patient responsibility from the
//! 835), by days from the first date of service to the as-of date: 0–30, 31–60, 61–90, 91–120, 120+.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;

use super::document::{Chart, Report};
use super::scope::{ReportScope, date, money};
use super::table::{Cell, Table};
use crate::ledger::billing::ClaimStatus;

/// A claim as the reports see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRecord {
    pub pcn: String,
    pub encounter_id: String,
    pub payer_id: String,
    pub responsibility: String,
    pub frequency: String,
    pub status: ClaimStatus,
    pub first_dos: NaiveDate,
    pub submitted_on: NaiveDate,
    pub billed: Decimal,
    pub paid: Decimal,
    pub patient_responsibility: Decimal,
    pub payer_claim_number: Option<String>,
    /// The first payment: the 835's payment date (BPR16), else when it was posted.
    pub first_paid_on: Option<NaiveDate>,
}

impl ClaimRecord {
    /// What the payer may still pay.
    pub fn insurance_balance(&self) -> Decimal {
        match self.status {
            ClaimStatus::Paid | ClaimStatus::PartiallyPaid | ClaimStatus::Voided => Decimal::ZERO,
            _ => (self.billed - self.paid).max(Decimal::ZERO),
        }
    }

    /// Days from the first date of service to `as_of`.
    pub fn age_days(&self, as_of: NaiveDate) -> i64 {
        (as_of - self.first_dos).num_days().max(0)
    }
}

/// The claim records' query, without its WHERE and ORDER BY (one claim or all).
macro_rules! claim_record_select {
    () => {
        "SELECT c.pcn, c.encounter_id, c.payer_id, c.responsibility, c.frequency, c.status, c.first_dos,
                c.submitted_at, c.total_charge, c.paid_amount, c.patient_responsibility, c.payer_claim_number,
                COALESCE(
                    (SELECT MIN(COALESCE(r.payment_date, substr(r.posted_at, 1, 10))) FROM claim_payments cp
                       JOIN remittances r ON r.id = cp.remittance_id
                      WHERE cp.matched_pcn = c.pcn AND cp.status_code <> '22'),
                    (SELECT MIN(e.at) FROM claim_events e WHERE e.pcn = c.pcn AND e.kind = 'payment'))
         FROM claims c"
    };
}

/// Every claim in scope (DOS range and payer), oldest first.
pub fn load_claims(conn: &Connection, scope: &ReportScope) -> rusqlite::Result<Vec<ClaimRecord>> {
    let mut stmt = conn.prepare_cached(concat!(claim_record_select!(), " ORDER BY c.first_dos, c.pcn"))?;
    let rows = stmt.query_map([], claim_record)?;
    let mut out = Vec::new();
    for row in rows {
        let row = row?;
        if scope.covers(row.first_dos) && scope.includes_payer(&row.payer_id) {
            out.push(row);
        }
    }
    Ok(out)
}

/// One row of [`claim_record_select`] as a record.
fn claim_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClaimRecord> {
    let status: String = r.get(5)?;
    Ok(ClaimRecord {
        pcn: r.get(0)?,
        encounter_id: r.get(1)?,
        payer_id: r.get(2)?,
        responsibility: r.get(3)?,
        frequency: r.get(4)?,
        status: ClaimStatus::parse(&status)
            .ok_or_else(|| rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, status.into()))?,
        first_dos: date(&r.get::<_, String>(6)?)?,
        submitted_on: date(&r.get::<_, String>(7)?)?,
        billed: money(&r.get::<_, String>(8)?)?,
        paid: money(&r.get::<_, String>(9)?)?,
        patient_responsibility: money(&r.get::<_, String>(10)?)?,
        payer_claim_number: r.get(11)?,
        first_paid_on: r.get::<_, Option<String>>(12)?.map(|s| date(&s)).transpose()?,
    })
}

/// The record of claim `pcn` alone (one primary-key read, not the whole ledger).
fn load_claim(conn: &Connection, pcn: &str) -> rusqlite::Result<Option<ClaimRecord>> {
    conn.prepare_cached(concat!(claim_record_select!(), " WHERE c.pcn = ?1"))?.query_row([pcn], claim_record).optional()
}

/// `report claims`: every claim with status, dates and amounts.
pub fn claims_report(conn: &Connection, scope: &ReportScope) -> rusqlite::Result<Report> {
    let claims = load_claims(conn, scope)?;
    let mut t = Table::new(&[
        ("pcn", "PCN"),
        ("encounter_id", "Encounter"),
        ("payer_id", "Payer"),
        ("responsibility", "Resp"),
        ("frequency", "Freq"),
        ("status", "Status"),
        ("first_dos", "DOS"),
        ("submitted", "Submitted"),
        ("billed", "Billed"),
        ("paid", "Paid"),
        ("patient_responsibility", "Patient resp"),
        ("insurance_balance", "Ins. balance"),
        ("payer_claim_number", "Payer claim #"),
    ])
    .with_title(format!("Claims ({})", claims.len()));
    for c in &claims {
        t.push(vec![
            c.pcn.clone().into(),
            c.encounter_id.clone().into(),
            c.payer_id.clone().into(),
            c.responsibility.clone().into(),
            c.frequency.clone().into(),
            c.status.as_str().into(),
            c.first_dos.into(),
            c.submitted_on.into(),
            c.billed.into(),
            c.paid.into(),
            c.patient_responsibility.into(),
            c.insurance_balance().into(),
            c.payer_claim_number.clone().into(),
        ]);
    }
    let mut by_status: BTreeMap<ClaimStatus, i64> = BTreeMap::new();
    for c in &claims {
        *by_status.entry(c.status).or_default() += 1;
    }
    let mut status_table = Table::new(&[("status", "Status"), ("claims", "Claims")]).with_title("By status");
    for (s, n) in &by_status {
        status_table.push(vec![s.as_str().into(), (*n).into()]);
    }
    let chart = Chart {
        title: "Claims by status".into(),
        bars: by_status.iter().map(|(s, n)| (s.as_str().to_string(), Decimal::from(*n))).collect(),
        money: false,
    };
    Ok(Report::new("claims", "Claims", scope.describe()).section("claims", t, None).section(
        "by_status",
        status_table,
        Some(chart),
    ))
}

/// The A/R buckets, by days since the date of service.
pub const AGING_BUCKETS: [(&str, i64, i64); 5] =
    [("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("91-120", 91, 120), ("120+", 121, i64::MAX)];

fn bucket(age: i64) -> usize {
    AGING_BUCKETS.iter().position(|(_, lo, hi)| age >= *lo && age <= *hi).unwrap_or(AGING_BUCKETS.len() - 1)
}

/// `report aging`: A/R by payer and age bucket, insurance vs patient balance.
pub fn aging_report(conn: &Connection, scope: &ReportScope) -> rusqlite::Result<Report> {
    let claims = load_claims(conn, scope)?;
    // payer -> (insurance per bucket, patient per bucket)
    let mut rows: BTreeMap<String, ([Decimal; 5], [Decimal; 5])> = BTreeMap::new();
    let mut total_ins = [Decimal::ZERO; 5];
    let mut total_pat = [Decimal::ZERO; 5];
    for c in &claims {
        let b = bucket(c.age_days(scope.as_of));
        let entry = rows.entry(c.payer_id.clone()).or_default();
        entry.0[b] += c.insurance_balance();
        entry.1[b] += c.patient_responsibility;
        total_ins[b] += c.insurance_balance();
        total_pat[b] += c.patient_responsibility;
    }
    let mut columns: Vec<(&str, &str)> = vec![("payer_id", "Payer"), ("balance", "Balance")];
    let keys = ["0_30", "31_60", "61_90", "91_120", "over_120"];
    for (key, (label, _, _)) in keys.iter().zip(AGING_BUCKETS.iter()) {
        columns.push((key, label));
    }
    columns.push(("total", "Total"));
    let mut t = Table::new(&columns).with_title("A/R aging by payer (days since date of service)");
    let push = |t: &mut Table, payer: &str, kind: &str, amounts: &[Decimal; 5]| {
        let mut row: Vec<Cell> = vec![payer.into(), kind.into()];
        row.extend(amounts.iter().map(|a| Cell::Money(*a)));
        row.push(Cell::Money(amounts.iter().copied().sum()));
        t.push(row);
    };
    for (payer, (ins, pat)) in &rows {
        push(&mut t, payer, "insurance", ins);
        push(&mut t, payer, "patient", pat);
    }
    push(&mut t, "TOTAL", "insurance", &total_ins);
    push(&mut t, "TOTAL", "patient", &total_pat);
    let chart = Chart {
        title: "Outstanding A/R by age (insurance + patient)".into(),
        bars: AGING_BUCKETS
            .iter()
            .enumerate()
            .map(|(i, (l, _, _))| (l.to_string(), total_ins[i] + total_pat[i]))
            .collect(),
        money: true,
    };
    Ok(Report::new("aging", "A/R aging", scope.describe()).section("aging", t, Some(chart)))
}

/// `report payers`: claims, billed, paid, denial rate and median days to pay per payer.
pub fn payers_report(conn: &Connection, scope: &ReportScope) -> rusqlite::Result<Report> {
    let claims = load_claims(conn, scope)?;
    #[derive(Default)]
    struct PayerFigures {
        claims: i64,
        billed: Decimal,
        paid: Decimal,
        denied: i64,
        adjudicated: i64,
        days_to_pay: Vec<i64>,
    }
    let mut by_payer: BTreeMap<String, PayerFigures> = BTreeMap::new();
    for c in &claims {
        let f = by_payer.entry(c.payer_id.clone()).or_default();
        f.claims += 1;
        f.billed += c.billed;
        f.paid += c.paid;
        if matches!(c.status, ClaimStatus::Paid | ClaimStatus::PartiallyPaid | ClaimStatus::Denied) {
            f.adjudicated += 1;
        }
        if c.status == ClaimStatus::Denied {
            f.denied += 1;
        }
        if let Some(paid_on) = c.first_paid_on {
            f.days_to_pay.push((paid_on - c.submitted_on).num_days().max(0));
        }
    }
    let mut t = Table::new(&[
        ("payer_id", "Payer"),
        ("claims", "Claims"),
        ("billed", "Billed"),
        ("paid", "Paid"),
        ("denied", "Denied"),
        ("denial_rate", "Denial rate"),
        ("median_days_to_pay", "Median days to pay"),
    ])
    .with_title("Payers");
    for (payer, f) in &mut by_payer {
        let rate = if f.adjudicated == 0 {
            Cell::Empty
        } else {
            Cell::Text(format!("{:.1}%", Decimal::from(f.denied * 100) / Decimal::from(f.adjudicated)))
        };
        t.push(vec![
            payer.clone().into(),
            f.claims.into(),
            f.billed.into(),
            f.paid.into(),
            f.denied.into(),
            rate,
            median(&mut f.days_to_pay).into(),
        ]);
    }
    let chart = Chart {
        title: "Paid by payer".into(),
        bars: by_payer.iter().map(|(p, f)| (p.clone(), f.paid)).collect(),
        money: true,
    };
    Ok(Report::new("payers", "Payers", scope.describe()).section("payers", t, Some(chart)))
}

fn median(days: &mut [i64]) -> Option<i64> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let mid = days.len() / 2;
    Some(if days.len() % 2 == 1 { days[mid] } else { (days[mid - 1] + days[mid]) / 2 })
}

/// `report summary`: the morning overview — encounters, holds, claims by status, money in and out.
pub fn summary_report(conn: &Connection, scope: &ReportScope) -> rusqlite::Result<Report> {
    let claims = load_claims(conn, scope)?;
    let (encounters, held, unscrubbed): (i64, i64, i64) = conn.query_row(
        "SELECT COUNT(*),
                COALESCE(SUM(s.scrub_status = 'error' AND s.scrubbed_hash = e.content_hash), 0),
                COALESCE(SUM(s.scrub_status IS NULL OR s.scrubbed_hash IS NOT e.content_hash), 0)
         FROM encounters e JOIN encounter_scrub_state s ON s.encounter_id = e.id
         WHERE (?1 IS NULL OR e.payer_id = ?1)
           AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.encounter_id = e.id)",
        [scope.payer.as_deref()],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let billed: Decimal = claims.iter().map(|c| c.billed).sum();
    let paid: Decimal = claims.iter().map(|c| c.paid).sum();
    let patient: Decimal = claims.iter().map(|c| c.patient_responsibility).sum();
    let insurance_ar: Decimal = claims.iter().map(ClaimRecord::insurance_balance).sum();
    let count = |s: ClaimStatus| claims.iter().filter(|c| c.status == s).count() as i64;
    let adjudicated = count(ClaimStatus::Paid) + count(ClaimStatus::PartiallyPaid) + count(ClaimStatus::Denied);

    let mut figures = Table::new(&[("figure", "Figure"), ("value", "Value")]).with_title("At a glance");
    let mut add = |k: &str, v: Cell| figures.push(vec![k.into(), v]);
    add("unbilled encounters", encounters.into());
    add("held by scrub errors", held.into());
    add("not yet scrubbed", unscrubbed.into());
    add("claims", (claims.len() as i64).into());
    add("billed", billed.into());
    add("paid", paid.into());
    add("patient responsibility", patient.into());
    add("insurance A/R", insurance_ar.into());
    add(
        "denial rate",
        if adjudicated == 0 {
            Cell::Empty
        } else {
            Cell::Text(format!("{:.1}%", Decimal::from(count(ClaimStatus::Denied) * 100) / Decimal::from(adjudicated)))
        },
    );
    let mut statuses =
        Table::new(&[("status", "Status"), ("claims", "Claims"), ("billed", "Billed"), ("paid", "Paid")])
            .with_title("Claims by status");
    let mut bars = Vec::new();
    for status in ClaimStatus::ALL {
        let of: Vec<&ClaimRecord> = claims.iter().filter(|c| c.status == status).collect();
        if of.is_empty() {
            continue;
        }
        let b: Decimal = of.iter().map(|c| c.billed).sum();
        let p: Decimal = of.iter().map(|c| c.paid).sum();
        statuses.push(vec![status.as_str().into(), (of.len() as i64).into(), b.into(), p.into()]);
        bars.push((status.as_str().to_string(), Decimal::from(of.len() as i64)));
    }
    let chart = Chart { title: "Claims by status".into(), bars, money: false };
    Ok(Report::new("summary", "Billing summary", scope.describe()).section("figures", figures, None).section(
        "by_status",
        statuses,
        Some(chart),
    ))
}

/// One claim's whole story, for `claimkit claim show PCN`.
pub fn claim_history(conn: &Connection, pcn: &str) -> rusqlite::Result<Option<Report>> {
    let Some(claim) = load_claim(conn, pcn)? else {
        return Ok(None);
    };
    let batch: Option<(String, String, String)> = conn
        .query_row(
            "SELECT b.path, b.isa13, b.created_at FROM claims c JOIN batches b ON b.id = c.batch_id WHERE c.pcn = ?1",
            [pcn],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let mut head = Table::new(&[("field", "Field"), ("value", "Value")]).with_title(format!("Claim {pcn}"));
    let mut field = |k: &str, v: Cell| head.push(vec![k.into(), v]);
    field("status", claim.status.as_str().into());
    field("encounter", claim.encounter_id.clone().into());
    field("payer", claim.payer_id.clone().into());
    field("responsibility", claim.responsibility.clone().into());
    field("frequency", claim.frequency.clone().into());
    field("first date of service", claim.first_dos.into());
    field("billed", claim.billed.into());
    field("paid", claim.paid.into());
    field("patient responsibility", claim.patient_responsibility.into());
    field("payer claim number", claim.payer_claim_number.clone().into());
    if let Some((path, isa13, at)) = batch {
        field("batch file", path.into());
        field("batch ISA13", isa13.into());
        field("batch written", at.into());
    }

    let mut lines = Table::new(&[
        ("line", "Line"),
        ("line_control_number", "Line control #"),
        ("procedure", "Procedure"),
        ("modifiers", "Modifiers"),
        ("units", "Units"),
        ("date_of_service", "DOS"),
        ("charge", "Charge"),
        ("paid", "Paid"),
    ])
    .with_title("Service lines");
    let mut stmt = conn.prepare_cached(
        "SELECT line_number, line_control_number, procedure_code, modifiers, units, date_of_service, charge
         FROM claim_lines WHERE pcn = ?1 ORDER BY line_number",
    )?;
    let paid = crate::ledger::billing::line_paid_amounts(conn, pcn)?;
    let rows = stmt.query_map([pcn], |r| {
        Ok(vec![
            Cell::Int(r.get(0)?),
            Cell::Text(r.get(1)?),
            Cell::Text(r.get(2)?),
            Cell::Text(r.get(3)?),
            Cell::Text(r.get(4)?),
            Cell::Text(r.get(5)?),
            Cell::Money(money(&r.get::<_, String>(6)?)?),
            Cell::Money(paid.get(&r.get::<_, i64>(0)?).copied().unwrap_or_default()),
        ])
    })?;
    for row in rows {
        lines.push(row?);
    }

    let mut events = Table::new(&[
        ("at", "Time"),
        ("kind", "Event"),
        ("status_after", "Status"),
        ("amount", "Amount"),
        ("detail", "Detail"),
        ("source_file", "Source file"),
    ])
    .with_title("History");
    let mut stmt = conn.prepare_cached(
        "SELECT at, kind, status_after, amount, detail, source_file FROM claim_history WHERE pcn = ?1 ORDER BY seq, sub",
    )?;
    let rows = stmt.query_map(params![pcn], |r| {
        Ok(vec![
            Cell::Text(r.get(0)?),
            Cell::Text(r.get(1)?),
            r.get::<_, Option<String>>(2)?.into(),
            r.get::<_, Option<String>>(3)?.map(|a| money(&a)).transpose()?.into(),
            Cell::Text(r.get(4)?),
            r.get::<_, Option<String>>(5)?.into(),
        ])
    })?;
    for row in rows {
        events.push(row?);
    }
    Ok(Some(
        Report::new("claim", &format!("Claim {pcn}"), format!("status {}", claim.status))
            .section("claim", head, None)
            .section("lines", lines, None)
            .section("history", events, None),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ledger::Ledger;

    /// A ledger with a practice-less minimal encounter and three claims in different states.
    pub(crate) fn ledger_with_claims() -> Ledger {
        let ledger = Ledger::open_in_memory().unwrap();
        let conn = ledger.conn();
        let encounter = |id: &str, payer: &str| {
            conn.execute(
                "INSERT INTO encounters (id, payer_id, patient_id, first_dos, last_dos, total_charge, line_count,
                     content_hash, encounter_json, source_format, source_file, source_locator, imported_at, updated_at)
                 VALUES (?1, ?2, 'P1', '2026-09-01', '2026-09-01', '100.00', 1, 'h', '{}', 'csv', 'e.csv', 'line 2', 't', 't')",
                params![id, payer],
            )
            .unwrap();
        };
        let claim = |pcn: &str, enc: &str, payer: &str, status: &str, dos: &str, billed: &str, paid: &str, pr: &str| {
            conn.execute(
                "INSERT INTO billed_claims (pcn, encounter_id, payer_id, responsibility, frequency, encounter_hash, patient_id,
                     first_dos, last_dos, total_charge, status, paid_amount, patient_responsibility, submitted_at, updated_at)
                 VALUES (?1, ?2, ?3, 'P', '1', 'h', 'P1', ?4, ?4, ?5, ?6, ?7, ?8, '2026-11-01T09:00:00Z', 't')",
                params![pcn, enc, payer, dos, billed, status, paid, pr],
            )
            .unwrap();
        };
        encounter("E1", "MCRB1");
        encounter("E2", "MCRB1");
        encounter("E3", "ACME1");
        claim("C1", "E1", "MCRB1", "paid", "2026-11-10", "200.00", "120.00", "30.00");
        claim("C2", "E2", "MCRB1", "submitted", "2026-09-20", "150.00", "0.00", "0.00");
        claim("C3", "E3", "ACME1", "denied", "2026-07-01", "80.00", "0.00", "0.00");
        conn.execute(
            "INSERT INTO claim_events (pcn, at, kind, status_after, amount, detail) VALUES
                 ('C1', '2026-11-01T09:00:00Z', 'submitted', 'submitted', NULL, 'in batch 1'),
                 ('C1', '2026-11-15T09:00:00Z', 'payment', 'paid', '120.00', 'paid CO-45 50.00 PR-2 30.00')",
            [],
        )
        .unwrap();
        ledger
    }

    fn as_of() -> ReportScope {
        ReportScope::all(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap())
    }

    #[test]
    fn aging_puts_insurance_and_patient_balances_in_their_buckets() {
        let ledger = ledger_with_claims();
        let report = aging_report(ledger.conn(), &as_of()).unwrap();
        let json = report.to_json();
        let rows = json["sections"]["aging"].as_array().unwrap().clone();
        let find = |payer: &str, kind: &str| {
            rows.iter().find(|r| r["payer_id"] == payer && r["balance"] == kind).unwrap().clone()
        };
        // C1 paid 15 days ago: nothing left for insurance, 30.00 patient in 0-30.
        assert_eq!(find("MCRB1", "patient")["0_30"], "30.00");
        // C2 unpaid, 66 days old.
        assert_eq!(find("MCRB1", "insurance")["61_90"], "150.00");
        // C3 denied, 147 days old: still insurance A/R until appealed or written off.
        assert_eq!(find("ACME1", "insurance")["over_120"], "80.00");
        assert_eq!(find("TOTAL", "insurance")["total"], "230.00");
    }

    #[test]
    fn payers_report_counts_denials_and_days_to_pay() {
        let ledger = ledger_with_claims();
        let json = payers_report(ledger.conn(), &as_of()).unwrap().to_json();
        let rows = json["sections"]["payers"].as_array().unwrap().clone();
        let mcr = rows.iter().find(|r| r["payer_id"] == "MCRB1").unwrap();
        assert_eq!(mcr["claims"], 2);
        assert_eq!(mcr["paid"], "120.00");
        assert_eq!(mcr["median_days_to_pay"], 14);
        let acme = rows.iter().find(|r| r["payer_id"] == "ACME1").unwrap();
        assert_eq!(acme["denial_rate"], "100.0%");
    }

    #[test]
    fn claim_history_lists_every_event_in_order() {
        let ledger = ledger_with_claims();
        let report = claim_history(ledger.conn(), "C1").unwrap().unwrap();
        let events = report.get("history").unwrap().to_json();
        assert_eq!(events[0]["kind"], "submitted");
        assert_eq!(events[1]["amount"], "120.00");
        assert!(claim_history(ledger.conn(), "NOPE").unwrap().is_none());
    }

    #[test]
    fn summary_totals_money_and_counts_denials() {
        let ledger = ledger_with_claims();
        let json = summary_report(ledger.conn(), &as_of()).unwrap().to_json();
        let figures = json["sections"]["figures"].as_array().unwrap().clone();
        let get = |k: &str| figures.iter().find(|r| r["figure"] == k).unwrap()["value"].clone();
        assert_eq!(get("claims"), 3);
        assert_eq!(get("billed"), "430.00");
        assert_eq!(get("paid"), "120.00");
        assert_eq!(get("insurance A/R"), "230.00");
        assert_eq!(get("denial rate"), "50.0%");
        assert_eq!(get("unbilled encounters"), 0);
    }

    #[test]
    fn payer_filter_narrows_the_claims_report() {
        let ledger = ledger_with_claims();
        let mut scope = as_of();
        scope.payer = Some("ACME1".into());
        let json = claims_report(ledger.conn(), &scope).unwrap().to_json();
        assert_eq!(json["sections"]["claims"].as_array().unwrap().len(), 1);
    }
}
