//! Reports over posted remittances and the biller's to-do list.
//!
//! - **reconciliation**: one row per 835 payment (BPR/TRN): what was billed, allowed, paid and
//!   left to the patient, adjustments by CAS group, PLB items, and whether the payer's file
//!   balanced. This is what the deposit is matched against.
//! - **denials**: service lines (or line-less claims) the payer denied, by reason (CARC with its
//!   group), remark code (RARC), payer and procedure. A line paid nothing because of the
//!   deductible or another patient share is not a denial.
//! - **worklist**: everything someone must act on, with the next step.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::document::{Chart, Report};
use super::scope::ReportScope;
use super::table::{Cell, Table};
use crate::ledger::{Ledger, LedgerError, reports as rows};

type Result<T> = std::result::Result<T, LedgerError>;

/// `report reconciliation`: one row per payment.
pub fn reconciliation_report(ledger: &Ledger, scope: &ReportScope) -> Result<Report> {
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
        ("provider_adjustments_tied", "PLB on claims"),
        ("balanced", "Balanced"),
        ("source_file", "File"),
    ])
    .with_title("Remittances");
    let mut by_payer: BTreeMap<String, Decimal> = BTreeMap::new();
    for r in rows::remittances(ledger.conn())? {
        let paid_on = r.paid_on.unwrap_or(scope.as_of);
        if !(scope.covers(paid_on) && scope.includes_payer(&r.payer_id)) {
            continue;
        }
        let g = |k: &str| Cell::Money(r.adjustments.get(k).copied().unwrap_or_default());
        *by_payer.entry(r.payer_id.clone()).or_default() += r.amount;
        t.push(vec![
            r.payer_id.clone().into(),
            r.trace_number.clone().into(),
            paid_on.into(),
            r.method.clone().into(),
            r.amount.into(),
            r.claims_matched.into(),
            r.claims_unmatched.into(),
            r.billed.into(),
            r.allowed.into(),
            r.paid.into(),
            r.patient_responsibility.into(),
            g("CO"),
            g("PR"),
            g("OA"),
            g("PI"),
            g("CR"),
            r.provider_adjustments.into(),
            r.provider_adjustments_tied.into(),
            r.balanced.into(),
            r.source_file.clone().into(),
        ]);
    }
    let chart = Chart { title: "Payments received by payer".into(), bars: by_payer.into_iter().collect(), money: true };
    Ok(Report::new("reconciliation", "Remittance reconciliation", scope.describe()).section(
        "remittances",
        t,
        Some(chart),
    ))
}

/// `report denials`: by reason, remark, payer and procedure, with counts and amounts.
pub fn denials_report(ledger: &Ledger, scope: &ReportScope) -> Result<Report> {
    let mut items = rows::denied_lines(ledger.conn())?;
    items.retain(|i| scope.covers(i.paid_on) && scope.includes_payer(&i.payer_id));
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

/// `report worklist`: the open worklist items (`claimkit worklist` works them: done, note,
/// assign, snooze), each with the patient's visit and the next step.
pub fn worklist_report(ledger: &Ledger, scope: &ReportScope, no_response_days: i64) -> Result<Report> {
    let filter = crate::worklist::Filter { payer: scope.payer.clone(), ..Default::default() };
    let items = crate::worklist::items(ledger, scope.as_of, no_response_days, &filter).map_err(|e| match e {
        crate::worklist::WorklistError::Ledger(e) => e,
        other => LedgerError::Corrupt(other.to_string()),
    })?;
    let count = items.len();
    Ok(Report::new(
        "worklist",
        "Worklist",
        format!("{}; {count} open item(s), no-response after {no_response_days} days", scope.describe()),
    )
    .section("worklist", crate::worklist::table(items), None))
}
