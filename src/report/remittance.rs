//! Reports over posted remittances and the biller's to-do list.
//!
//! - **reconciliation**: one row per 835 payment (BPR/TRN): what was billed, allowed, paid and
//!   left to the patient, adjustments by CAS group, PLB items, and whether the payer's file
//!   balanced. This is what the deposit is matched against.
//! - **denials**: service lines (or line-less claims) the payer paid nothing on, by reason
//!   (CARC with its group), remark code (RARC), payer and procedure.
//! - **worklist**: everything someone must act on, with the next step.

use std::collections::BTreeMap;

use rusqlite::Connection;
use rust_decimal::Decimal;

use super::document::{Chart, Report};
use super::scope::{ReportScope, date, money};
use super::table::{Cell, Table};

/// `report reconciliation`: one row per payment.
pub fn reconciliation_report(conn: &Connection, scope: &ReportScope) -> rusqlite::Result<Report> {
    let mut t = Table::new(&[
        ("payer_id", "Payer"),
        ("trace_number", "Trace (TRN02)"),
        ("payment_date", "Paid on"),
        ("method", "Method"),
        ("amount", "Amount (BPR02)"),
        ("claims_matched", "Claims matched"),
        ("claims_unmatched", "Unmatched"),
        ("billed", "Billed"),
        ("allowed", "Allowed"),
        ("paid", "Paid"),
        ("patient_responsibility", "Patient resp"),
        ("adj_co", "CO"),
        ("adj_pr", "PR"),
        ("adj_oa", "OA"),
        ("adj_pi", "PI"),
        ("adj_cr", "CR"),
        ("provider_adjustments", "PLB"),
        ("balanced", "Balanced"),
        ("source_file", "File"),
    ])
    .with_title("Remittances");
    let mut remittances = conn.prepare_cached(
        "SELECT r.id, r.payer_id, r.trace_number, COALESCE(r.payment_date, substr(r.posted_at, 1, 10)), r.method,
                r.total_paid, r.matched_count, r.unmatched_count, r.balanced, r.source_file,
                r.first_claim_payment_id, r.last_claim_payment_id,
                (SELECT COALESCE(group_concat(p.amount, '|'), '') FROM provider_adjustments p WHERE p.remittance_id = r.id)
         FROM remittances r ORDER BY 4, r.id",
    )?;
    let mut payments = conn.prepare_cached(CLAIM_PAYMENT_TOTALS_SQL)?;
    let mut by_payer: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut rows = remittances.query([])?;
    while let Some(r) = rows.next()? {
        let payer: String = r.get(1)?;
        let paid_on = date(&r.get::<_, String>(3)?)?;
        if !(scope.covers(paid_on) && scope.includes_payer(&payer)) {
            continue;
        }
        let totals = ClaimPaymentTotals::of(&mut payments, r.get(0)?, r.get(10)?, r.get(11)?)?;
        let g = |k: &str| Cell::Money(totals.adjustments.get(k).copied().unwrap_or_default());
        let amount = money(&r.get::<_, String>(5)?)?;
        *by_payer.entry(payer.clone()).or_default() += amount;
        t.push(vec![
            payer.into(),
            Cell::Text(r.get(2)?),
            paid_on.into(),
            Cell::Text(r.get(4)?),
            amount.into(),
            Cell::Int(r.get(6)?),
            Cell::Int(r.get(7)?),
            totals.billed.into(),
            totals.allowed.into(),
            totals.paid.into(),
            totals.patient_responsibility.into(),
            g("CO"),
            g("PR"),
            g("OA"),
            g("PI"),
            g("CR"),
            sum_of(&r.get::<_, String>(12)?)?.into(),
            Cell::Bool(r.get::<_, i64>(8)? != 0),
            Cell::Text(r.get(9)?),
        ]);
    }
    let chart = Chart { title: "Payments received by payer".into(), bars: by_payer.into_iter().collect(), money: true };
    Ok(Report::new("reconciliation", "Remittance reconciliation", scope.describe()).section(
        "remittances",
        t,
        Some(chart),
    ))
}

/// A remittance's claim payments, one row each: its charge, paid and patient amounts, the allowed
/// amounts of its lines (AMT*B6, position 9 of a packed line) and every adjustment of the claim
/// and its lines as `group=amount` (position 17 of a packed line), `|`-separated. A remittance's
/// claim payments are an id range (migration 10): `?1`..`?2`, kept to remittance `?3`.
const CLAIM_PAYMENT_TOTALS_SQL: &str = "SELECT cp.charge, cp.paid, cp.patient_responsibility,
        (SELECT COALESCE(group_concat(j.value ->> 9, '|'), '') FROM json_each(cp.service_lines) j
         WHERE j.value ->> 9 IS NOT NULL),
        (SELECT COALESCE(group_concat(a.value ->> 0 || '=' || (a.value ->> 2), '|'), '') FROM (
            SELECT a.value FROM json_each(cp.adjustments) a
            UNION ALL
            SELECT a.value FROM json_each(cp.service_lines) j, json_each(j.value, '$[17]') a) a)
    FROM claim_payments cp WHERE cp.id BETWEEN ?1 AND ?2 AND cp.remittance_id = ?3";

/// The sum of a `|`-separated list of amounts (`group_concat`'s), empty items skipped.
fn sum_of(list: &str) -> rusqlite::Result<Decimal> {
    list.split('|').filter(|s| !s.is_empty()).map(money).sum()
}

/// What a remittance's claim payments add up to.
#[derive(Default)]
struct ClaimPaymentTotals {
    billed: Decimal,
    allowed: Decimal,
    paid: Decimal,
    patient_responsibility: Decimal,
    /// By CAS group (CO, PR, OA, PI, CR), claims' and lines' together.
    adjustments: BTreeMap<String, Decimal>,
}

impl ClaimPaymentTotals {
    /// The totals of remittance `id`'s claim payments (ids `first..=last`; none when it has no range),
    /// read through `stmt` ([`CLAIM_PAYMENT_TOTALS_SQL`]) in one pass.
    fn of(
        stmt: &mut rusqlite::Statement<'_>,
        id: i64,
        first: Option<i64>,
        last: Option<i64>,
    ) -> rusqlite::Result<Self> {
        let mut totals = ClaimPaymentTotals::default();
        let (Some(first), Some(last)) = (first, last) else { return Ok(totals) };
        let mut rows = stmt.query(rusqlite::params![first, last, id])?;
        while let Some(r) = rows.next()? {
            totals.billed += money(&r.get::<_, String>(0)?)?;
            totals.paid += money(&r.get::<_, String>(1)?)?;
            totals.patient_responsibility += money(&r.get::<_, String>(2)?)?;
            totals.allowed += sum_of(&r.get::<_, String>(3)?)?;
            for pair in r.get::<_, String>(4)?.split('|').filter(|s| !s.is_empty()) {
                if let Some((group, amount)) = pair.split_once('=') {
                    *totals.adjustments.entry(group.to_string()).or_default() += money(amount)?;
                }
            }
        }
        Ok(totals)
    }
}

/// A denied service line (or a claim denied without lines), with its reasons.
#[derive(Debug, Clone, PartialEq)]
struct DeniedItem {
    payer_id: String,
    procedure_code: String,
    charge: Decimal,
    reasons: Vec<(String, String, Decimal)>,
    remarks: Vec<String>,
}

fn denied_items(conn: &Connection, scope: &ReportScope) -> rusqlite::Result<Vec<DeniedItem>> {
    // Lines paid nothing on a claim that is not a reversal.
    let mut stmt = conn.prepare_cached(
        "SELECT r.payer_id, COALESCE(r.payment_date, substr(r.posted_at, 1, 10)), j.value ->> 4,
                j.value ->> 7, j.value -> 17, j.value -> 18, cp.remark_codes
         FROM claim_payments cp
         JOIN remittances r ON r.id = cp.remittance_id, json_each(cp.service_lines) j
         WHERE cp.status_code <> '22' AND CAST(j.value ->> 8 AS REAL) = 0 AND CAST(j.value ->> 7 AS REAL) > 0
         UNION ALL
         SELECT r.payer_id, COALESCE(r.payment_date, substr(r.posted_at, 1, 10)), '(claim)', cp.charge, cp.adjustments,
                '[]', cp.remark_codes
         FROM claim_payments cp
         JOIN remittances r ON r.id = cp.remittance_id
         WHERE cp.status_code = '4' AND json_array_length(cp.service_lines) = 0",
    )?;
    let mut items = Vec::new();
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    for row in rows {
        let (payer_id, paid_on, procedure_code, charge, adjustments, line_remarks, claim_remarks) = row?;
        if !scope.covers(date(&paid_on)?) || !scope.includes_payer(&payer_id) {
            continue;
        }
        let reasons = crate::remit835::unpack_adjustments(&adjustments)?
            .into_iter()
            .filter(|a| a.group != "PR")
            .map(|a| (a.group, a.reason, a.amount))
            .collect();
        // Claim-level remarks (MIA/MOA) first, then the line's own (LQ).
        let claim_remarks: Vec<(String, String)> = crate::ledger::stored_json(&claim_remarks)?;
        let line_remarks: Vec<String> = crate::ledger::stored_json(&line_remarks)?;
        let remarks = claim_remarks.into_iter().map(|(_, code)| code).chain(line_remarks).collect();
        items.push(DeniedItem { payer_id, procedure_code, charge: money(&charge)?, reasons, remarks });
    }
    Ok(items)
}

/// `report denials`: by reason, remark, payer and procedure, with counts and amounts.
pub fn denials_report(conn: &Connection, scope: &ReportScope) -> rusqlite::Result<Report> {
    let items = denied_items(conn, scope)?;
    let mut by_reason: BTreeMap<(String, String), (i64, Decimal)> = BTreeMap::new();
    let mut by_remark: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_payer: BTreeMap<String, (i64, Decimal)> = BTreeMap::new();
    let mut by_code: BTreeMap<String, (i64, Decimal)> = BTreeMap::new();
    for item in &items {
        for (group, reason, amount) in &item.reasons {
            let e = by_reason.entry((group.clone(), reason.clone())).or_default();
            e.0 += 1;
            e.1 += *amount;
        }
        for remark in &item.remarks {
            *by_remark.entry(remark.clone()).or_default() += 1;
        }
        let p = by_payer.entry(item.payer_id.clone()).or_default();
        p.0 += 1;
        p.1 += item.charge;
        let c = by_code.entry(item.procedure_code.clone()).or_default();
        c.0 += 1;
        c.1 += item.charge;
    }
    let mut reasons = Table::new(&[
        ("group", "Group"),
        ("carc", "CARC"),
        ("label", "Meaning"),
        ("count", "Denials"),
        ("amount", "Amount"),
    ])
    .with_title("By reason (CARC)");
    for ((group, reason), (n, amount)) in &by_reason {
        reasons.push(vec![
            group.clone().into(),
            reason.clone().into(),
            crate::codes::carc(reason).unwrap_or("").into(),
            (*n).into(),
            (*amount).into(),
        ]);
    }
    let mut remarks =
        Table::new(&[("rarc", "RARC"), ("label", "Meaning"), ("count", "Denials")]).with_title("By remark (RARC)");
    for (code, n) in &by_remark {
        remarks.push(vec![code.clone().into(), crate::codes::rarc(code).unwrap_or("").into(), (*n).into()]);
    }
    let mut payers = Table::new(&[("payer_id", "Payer"), ("count", "Denied lines"), ("amount", "Charges denied")])
        .with_title("By payer");
    for (payer, (n, amount)) in &by_payer {
        payers.push(vec![payer.clone().into(), (*n).into(), (*amount).into()]);
    }
    let mut codes =
        Table::new(&[("procedure_code", "Procedure"), ("count", "Denied lines"), ("amount", "Charges denied")])
            .with_title("By procedure");
    for (code, (n, amount)) in &by_code {
        codes.push(vec![code.clone().into(), (*n).into(), (*amount).into()]);
    }
    let chart = Chart {
        title: "Denied amount by reason".into(),
        bars: by_reason.iter().map(|((g, r), (_, a))| (format!("{g}-{r}"), *a)).collect(),
        money: true,
    };
    Ok(Report::new("denials", "Denials", format!("{}; {} denied line(s)", scope.describe(), items.len()))
        .section("by_reason", reasons, Some(chart))
        .section("by_remark", remarks, None)
        .section("by_payer", payers, None)
        .section("by_procedure", codes, None))
}

/// What to do about a denial, by its CARC.
pub fn next_step_for_carc(carc: &str) -> &'static str {
    match carc {
        "16" => "add the missing or invalid information (see the remark code) and send a corrected claim (frequency 7)",
        "18" => "duplicate: check the original claim's status before doing anything",
        "22" | "23" => {
            "bill the other payer first (coordination of benefits), then send this payer the secondary claim"
        }
        "27" | "26" => "coverage ended or not yet started: verify eligibility and bill the right payer or the patient",
        "29" => "timely filing: appeal only with proof of timely submission, otherwise write off",
        "31" | "33" | "140" => {
            "patient or subscriber not identified: verify the member ID and demographics, then resubmit"
        }
        "50" | "56" | "57" => "medical necessity: appeal with the clinical documentation",
        "96" | "204" => "non-covered service: bill the patient if an ABN/waiver is on file, otherwise write off",
        "97" | "234" => "bundled: check NCCI edits; if the service was distinct, resubmit with 59/XE/XS/XP/XU",
        "119" => "benefit maximum reached: bill secondary insurance or the patient",
        "151" => "frequency or units exceeded: review units against MUE and the documentation; appeal if justified",
        "167" | "11" => "diagnosis not covered or inconsistent: review coding and send a corrected claim",
        "197" | "15" | "62" => "authorization missing: obtain retro-authorization and resubmit with REF*G1",
        "4" | "5" | "6" | "7" | "8" | "9" | "10" => {
            "coding inconsistency: correct modifier, place of service or age/sex coding and resubmit"
        }
        _ => "read the remark codes, correct and resubmit or appeal",
    }
}

/// The rows of a query whose columns are all text (NULL read as empty).
fn text_rows(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<Vec<String>>> {
    let mut stmt = conn.prepare(sql)?;
    let n = stmt.column_count();
    let rows =
        stmt.query_map([], |r| (0..n).map(|i| Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default())).collect())?;
    rows.collect()
}

/// One kind of worklist item: the query that finds them (columns: reference, payer, amount, then
/// whatever `describe` needs) and how to word it.
struct WorkItem {
    priority: i64,
    what: &'static str,
    sql: &'static str,
    /// (detail, next step) from the row.
    describe: fn(&[String]) -> (String, String),
}

const LAST_EVENT: &str =
    "(SELECT e.detail FROM claim_history e WHERE e.pcn = c.pcn ORDER BY e.seq DESC, e.sub DESC LIMIT 1)";
/// Every adjustment (claim and line level) posted to claim `c`, one JSON `[group, CARC, amount, quantity]` per row.
const CLAIM_ADJUSTMENTS: &str =
    "(SELECT a.value FROM claim_payments cp, json_each(cp.adjustments) a WHERE cp.matched_pcn = c.pcn
    UNION ALL SELECT a.value FROM claim_payments cp, json_each(cp.service_lines) j, json_each(j.value, '$[17]') a
    WHERE cp.matched_pcn = c.pcn)";

fn work_items() -> Vec<WorkItem> {
    vec![
        WorkItem {
            priority: 1,
            what: "rejected claim",
            sql: "SELECT c.pcn, c.payer_id, c.total_charge, LAST_EVENT FROM claims c WHERE c.status = 'rejected' ORDER BY c.pcn",
            describe: |r| {
                (r[3].clone(), "fix the reported error in the EMR, re-import and rebuild (a rejected claim was never received)".into())
            },
        },
        WorkItem {
            priority: 1,
            what: "denied claim",
            sql: "SELECT c.pcn, c.payer_id, c.total_charge,
                    (SELECT a.value ->> 1 FROM CLAIM_ADJUSTMENTS a WHERE a.value ->> 0 <> 'PR'
                      ORDER BY CAST(a.value ->> 2 AS REAL) DESC LIMIT 1),
                    (SELECT group_concat(DISTINCT (a.value ->> 0) || '-' || (a.value ->> 1)) FROM CLAIM_ADJUSTMENTS a
                      WHERE a.value ->> 0 <> 'PR')
                  FROM claims c WHERE c.status = 'denied' ORDER BY c.pcn",
            describe: |r| (format!("denied: {}", r[4]), next_step_for_carc(&r[3]).into()),
        },
        WorkItem {
            priority: 2,
            what: "denied line",
            sql: "SELECT cp.matched_pcn, r.payer_id, j.value ->> 7, j.value ->> 4,
                    (SELECT a.value ->> 1 FROM json_each(j.value, '$[17]') a WHERE a.value ->> 0 <> 'PR'
                      ORDER BY CAST(a.value ->> 2 AS REAL) DESC LIMIT 1)
                  FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id
                  JOIN claims c ON c.pcn = cp.matched_pcn, json_each(cp.service_lines) j
                  WHERE c.status IN ('paid', 'partially_paid') AND cp.status_code <> '22'
                    AND CAST(j.value ->> 8 AS REAL) = 0 AND CAST(j.value ->> 7 AS REAL) > 0",
            describe: |r| (format!("{} denied (CARC {})", r[3], r[4]), next_step_for_carc(&r[4]).into()),
        },
        WorkItem {
            priority: 2,
            what: "underpayment",
            sql: "SELECT pcn, payer_id, shortfall, procedure_code, allowed, contract_rate FROM remit_underpayments ORDER BY id",
            describe: |r| {
                (
                    format!("{}: allowed {}, contract {}", r[3], r[4], r[5]),
                    "appeal the underpayment with the contract rate, or update the fee schedule if the contract changed".into(),
                )
            },
        },
        WorkItem {
            priority: 2,
            what: "unmatched remittance item",
            sql: "SELECT u.clp01, r.payer_id, u.paid, u.kind, u.reason FROM remit_unmatched u
                  JOIN remittances r ON r.id = u.remittance_id WHERE u.resolved_at IS NULL ORDER BY u.id",
            describe: |r| {
                (
                    format!("{}: {}", r[3], r[4]),
                    "find the claim the payer means (the PCN may be altered) and post it by hand".into(),
                )
            },
        },
        WorkItem {
            priority: 2,
            what: "unbalanced remittance",
            sql: "SELECT trace_number, payer_id, total_paid, source_file FROM remittances WHERE balanced = 0 ORDER BY id",
            describe: |r| {
                (
                    format!("{} does not balance", r[3]),
                    "posted as received: compare with the bank deposit and ask the payer for a corrected 835".into(),
                )
            },
        },
        WorkItem {
            priority: 2,
            what: "payment reversed",
            sql: "SELECT c.pcn, c.payer_id, c.total_charge, LAST_EVENT FROM claims c WHERE c.status = 'reversed' ORDER BY c.pcn",
            describe: |r| {
                (r[3].clone(), "watch for the corrected payment; if none comes within 30 days, call the payer".into())
            },
        },
        WorkItem {
            priority: 3,
            what: "held encounter",
            sql: "SELECT e.id, e.payer_id, e.total_charge,
                    (SELECT group_concat(DISTINCT f.rule_id) FROM scrub_findings f WHERE f.encounter_id = e.id AND f.severity = 'error')
                  FROM encounters e JOIN encounter_scrub_state s ON s.encounter_id = e.id
                  WHERE s.scrub_status = 'error' AND s.scrubbed_hash = e.content_hash
                    AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.encounter_id = e.id) ORDER BY e.id",
            describe: |r| {
                (format!("scrub errors: {}", r[3]), "fix in the EMR and re-import (see `claimkit scrub --encounter ID`)".into())
            },
        },
        WorkItem {
            priority: 3,
            what: "changed after billing",
            sql: "SELECT ic.encounter_id, e.payer_id, NULL, ic.source_file FROM import_conflicts ic
                  JOIN encounters e ON e.id = ic.encounter_id ORDER BY ic.id",
            describe: |r| {
                (
                    format!("{} changed the encounter after it was billed", r[3]),
                    "if the change matters, send a corrected claim (`claimkit correct PCN`) once the payer claim number is known".into(),
                )
            },
        },
    ]
}

/// `report worklist`: everything to act on, with the next step.
pub fn worklist_report(conn: &Connection, scope: &ReportScope, no_response_days: i64) -> rusqlite::Result<Report> {
    let mut t = Table::new(&[
        ("priority", "Priority"),
        ("item", "What"),
        ("reference", "Claim / reference"),
        ("payer_id", "Payer"),
        ("amount", "Amount"),
        ("detail", "Detail"),
        ("next_step", "Next step"),
    ])
    .with_title("Worklist");
    let mut push = |priority: i64, what: &str, row: &[String], detail: String, next: String| -> rusqlite::Result<()> {
        if scope.includes_payer(&row[1]) {
            let amount = if row[2].is_empty() { Cell::Empty } else { Cell::Money(money(&row[2])?) };
            t.push(vec![
                priority.into(),
                what.into(),
                row[0].clone().into(),
                row[1].clone().into(),
                amount,
                detail.into(),
                next.into(),
            ]);
        }
        Ok(())
    };
    let mut items = work_items();
    // Claims with no answer after N days go between the money items and the housekeeping.
    let no_response = items.len() - 2;
    for (i, item) in items.drain(..).enumerate() {
        if i == no_response {
            let cutoff = scope.as_of - chrono::Duration::days(no_response_days);
            for row in text_rows(
                conn,
                "SELECT pcn, payer_id, total_charge, substr(submitted_at, 1, 10), status FROM claims
                 WHERE status IN ('submitted', 'accepted') ORDER BY submitted_at, pcn",
            )? {
                let submitted_on = date(&row[3])?;
                if submitted_on <= cutoff {
                    let days = (scope.as_of - submitted_on).num_days();
                    let detail = format!("{} {days} days ago, no payment yet", row[4]);
                    push(
                        3,
                        "no response",
                        &row,
                        detail,
                        "check claim status with the payer (276/277 or portal)".into(),
                    )?;
                }
            }
        }
        for row in text_rows(
            conn,
            &item.sql.replace("LAST_EVENT", LAST_EVENT).replace("CLAIM_ADJUSTMENTS", CLAIM_ADJUSTMENTS),
        )? {
            let (detail, next) = (item.describe)(&row);
            push(item.priority, item.what, &row, detail, next)?;
        }
    }
    let count = t.len();
    Ok(Report::new(
        "worklist",
        "Worklist",
        format!("{}; {count} item(s), no-response after {no_response_days} days", scope.describe()),
    )
    .section("worklist", t, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_denial_has_a_specific_next_step() {
        for carc in ["16", "29", "50", "97", "197", "22"] {
            assert_ne!(next_step_for_carc(carc), next_step_for_carc("999"), "CARC {carc}");
        }
    }
}
