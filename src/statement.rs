//! Patient statements: what a patient owes, in words a patient understands.
//!
//! One statement per patient with a balance: the practice and how to reach it, the statement and
//! due dates, the account number, each visit with its services in plain words (the practice's own
//! description of a code when the practice file gives one, else our own words for the kind of
//! service; never the AMA's CPT text), what was billed, what insurance paid and adjusted and why
//! (the adjustment reasons in plain language), what the patient owes, payments received, the total
//! due, how to pay, and a stub to send back with a payment. Every amount is the ledger's A/R
//! ([`crate::ar`]): the total due of every statement adds up to `report balance`'s patient A/R less
//! the patients' credits.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::encounter::Encounter;
use crate::ledger::{Ledger, LedgerError, statements as rows};
use crate::money::{display, from_cents};
use crate::practice::Practice;
use crate::report::html::escape;

/// One service line as the patient reads it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ServiceItem {
    pub code: String,
    pub description: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub billed: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub insurance_paid: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub insurance_adjusted: Decimal,
    /// Why the patient owes part of it ("Deductible", "Coinsurance"...).
    pub your_share_because: Vec<String>,
}

/// One visit on a statement.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VisitItem {
    pub encounter_id: String,
    pub date_of_service: Option<NaiveDate>,
    pub services: Vec<ServiceItem>,
    #[serde(with = "rust_decimal::serde::str")]
    pub billed: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub insurance_paid: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub insurance_adjusted: Decimal,
    /// The patient's payments and write-offs on the visit.
    #[serde(with = "rust_decimal::serde::str")]
    pub you_paid: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub you_owe: Decimal,
}

/// A whole statement.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Statement {
    pub practice_name: String,
    pub practice_address: Vec<String>,
    pub practice_phone: Option<String>,
    pub statement_date: NaiveDate,
    pub due_date: NaiveDate,
    pub account: String,
    pub patient_name: String,
    pub patient_address: Vec<String>,
    pub visits: Vec<VisitItem>,
    /// Payments or credits not tied to a visit (negative: a credit).
    #[serde(with = "rust_decimal::serde::str")]
    pub unapplied: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub total_due: Decimal,
    pub how_to_pay: String,
}

/// A line's money on a statement: billed, insurance paid, insurance adjusted (cents), and why the
/// patient owes part of it.
type LineMoney = (i64, i64, i64, Vec<String>);

/// Which statements to make.
#[derive(Debug, Clone)]
pub struct StatementOptions {
    pub as_of: NaiveDate,
    pub patient: Option<String>,
    /// Only patients owing at least this much.
    pub min_balance: Decimal,
}

/// Plain words for the kind of service a procedure code is, in our own words (used when the
/// practice file gives no description of its own).
pub fn plain_words(code: &str) -> &'static str {
    let numeric: Option<u32> = code.get(..5).and_then(|c| c.parse().ok());
    match (code.chars().next(), numeric) {
        (_, Some(99202..=99215)) => "Office visit",
        (_, Some(99221..=99239)) => "Hospital visit",
        (_, Some(99281..=99285)) => "Emergency department visit",
        (_, Some(99381..=99397)) => "Preventive checkup",
        (_, Some(99401..=99429)) => "Preventive counseling",
        (_, Some(99441..=99458)) => "Telephone or online care",
        (_, Some(99460..=99499)) => "Care visit",
        (_, Some(90281..=90399)) => "Immune globulin",
        (_, Some(90460..=90474)) => "Vaccine given",
        (_, Some(90476..=90759)) => "Vaccine",
        (_, Some(36400..=36416)) => "Blood draw",
        (_, Some(80000..=89999)) => "Laboratory test",
        (_, Some(70000..=79999)) => "Imaging or radiology",
        (_, Some(93000..=93799)) => "Heart test",
        (_, Some(90000..=99199)) => "Medical service",
        (_, Some(100..=1999)) => "Anesthesia",
        (_, Some(10000..=69999)) => "Procedure",
        (Some('J'), _) => "Medication given",
        (Some('G'), _) => "Medicare service",
        (Some('A'), _) | (Some('E'), _) | (Some('L'), _) => "Supplies or equipment",
        _ => "Medical service",
    }
}

/// Why a patient owes part of a service, from the adjustment that moved it to the patient.
pub fn share_reason(group: Option<&str>, reason: Option<&str>) -> String {
    match (group, reason) {
        (_, Some("1")) => "Deductible: the amount your plan has you pay before it pays".into(),
        (_, Some("2")) => "Coinsurance: your percentage of the cost".into(),
        (_, Some("3")) => "Copay".into(),
        (_, Some("96")) | (_, Some("204")) => "Not covered by your plan".into(),
        (_, Some("27")) | (_, Some("26")) => "Your coverage was not active on the date of service".into(),
        (_, Some("119")) => "Your plan's benefit maximum was reached".into(),
        (_, Some(code)) => match crate::codes::carc(code) {
            Some(label) => format!("Your share ({label})"),
            None => "Your share as your plan set it".into(),
        },
        (_, None) => "Your share".into(),
    }
}

/// A 10-digit US phone number as people write it: `(217) 555-0100`.
fn phone(p: &str) -> String {
    let digits: String = p.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        10 => format!("({}) {}-{}", &digits[..3], &digits[3..6], &digits[6..]),
        _ => p.to_string(),
    }
}

fn address_lines(a: Option<&crate::encounter::Address>) -> Vec<String> {
    let Some(a) = a else { return Vec::new() };
    let mut out = vec![a.line1.clone()];
    out.extend(a.line2.clone());
    let zip = if a.zip.len() == 9 { format!("{}-{}", &a.zip[..5], &a.zip[5..]) } else { a.zip.clone() };
    out.push(format!("{}, {} {zip}", a.city, a.state));
    out
}

/// The statements of every patient with a balance (or of one patient), as of a date.
pub fn statements(
    ledger: &Ledger,
    practice: &Practice,
    opts: &StatementOptions,
) -> Result<Vec<Statement>, LedgerError> {
    let conn = ledger.conn();
    let min = crate::money::to_cents(opts.min_balance).unwrap_or(0).max(1);
    let patients: Vec<(String, i64)> = match &opts.patient {
        Some(p) => {
            rows::patients_owing(conn, i64::MIN / 2, opts.as_of)?.into_iter().filter(|(id, _)| id == p).collect()
        }
        None => rows::patients_owing(conn, min, opts.as_of)?,
    };
    let settings = practice.statements.clone().unwrap_or_default();
    let due_date = opts.as_of + chrono::Duration::days(i64::from(settings.due_days.unwrap_or(30)));
    let bp = &practice.billing_provider;
    let practice_address = address_lines(Some(&bp.address));
    let how_to_pay = settings.how_to_pay.clone().unwrap_or_else(|| {
        let call = bp
            .phone
            .as_deref()
            .map(|p| format!(" To pay by card, or with questions about this bill, call {}.", phone(p)))
            .unwrap_or_default();
        format!("Mail a check payable to {} with the stub below.{call}", bp.name)
    });
    let mut out = Vec::new();
    for (patient_id, _) in patients {
        let mut visits = Vec::new();
        let mut patient: Option<crate::encounter::Patient> = None;
        for v in rows::patient_visits(conn, &patient_id, opts.as_of)? {
            let encounter: Encounter = serde_json::from_str(&v.encounter_json)
                .map_err(|e| LedgerError::Corrupt(format!("encounter {}: {e}", v.encounter_id)))?;
            let entries = rows::visit_entries(conn, &v.encounter_id, opts.as_of)?;
            let mut by_line: BTreeMap<u32, LineMoney> = BTreeMap::new();
            let mut you_paid = 0;
            for e in &entries {
                let line = e.line_number.unwrap_or(0);
                let slot = by_line.entry(line).or_default();
                match (e.kind.as_str(), e.payer_id.is_some()) {
                    ("charge", _) => slot.0 += e.cents,
                    ("payment" | "provider_level", true) => slot.1 -= e.cents,
                    ("contractual" | "writeoff", true) => slot.2 -= e.cents,
                    ("transfer", false) if e.cents > 0 => {
                        let why = share_reason(e.group_code.as_deref(), e.reason_code.as_deref());
                        if !slot.3.contains(&why) {
                            slot.3.push(why);
                        }
                    }
                    ("patient_payment" | "writeoff" | "refund", false) => you_paid -= e.cents,
                    _ => {}
                }
            }
            let services: Vec<ServiceItem> = encounter
                .lines
                .iter()
                .map(|l| {
                    let (billed, paid, adjusted, why) = by_line.get(&l.number).cloned().unwrap_or_default();
                    let code = l.procedure.code.clone();
                    let description =
                        settings.descriptions.get(&code).cloned().unwrap_or_else(|| plain_words(&code).to_string());
                    ServiceItem {
                        code,
                        description,
                        billed: from_cents(billed),
                        insurance_paid: from_cents(paid),
                        insurance_adjusted: from_cents(adjusted),
                        your_share_because: why,
                    }
                })
                .collect();
            let total = |f: fn(&LineMoney) -> i64| from_cents(by_line.values().map(f).sum());
            visits.push(VisitItem {
                encounter_id: v.encounter_id.clone(),
                date_of_service: encounter.lines.iter().map(|l| l.date_of_service).min(),
                services,
                billed: total(|s| s.0),
                insurance_paid: total(|s| s.1),
                insurance_adjusted: total(|s| s.2),
                you_paid: from_cents(you_paid),
                you_owe: from_cents(v.patient_cents),
            });
            patient.get_or_insert(encounter.patient);
        }
        let unapplied = rows::unapplied_cents(conn, &patient_id, opts.as_of)?;
        let total_due: Decimal = visits.iter().map(|v| v.you_owe).sum::<Decimal>() + from_cents(unapplied);
        let (patient_name, patient_address) = match &patient {
            Some(p) => {
                (format!("{} {}", p.name.first, p.name.last).trim().to_string(), address_lines(p.address.as_ref()))
            }
            None => (String::new(), Vec::new()),
        };
        out.push(Statement {
            practice_name: bp.name.clone(),
            practice_address: practice_address.clone(),
            practice_phone: bp.phone.as_deref().map(phone),
            statement_date: opts.as_of,
            due_date,
            account: patient_id,
            patient_name,
            patient_address,
            visits,
            unapplied: from_cents(unapplied),
            total_due,
            how_to_pay: how_to_pay.clone(),
        });
    }
    Ok(out)
}

/// Records that `s` was sent (written to `file`); false when it was already recorded for its date.
pub fn record_sent(ledger: &Ledger, s: &Statement, file: Option<&str>) -> Result<bool, LedgerError> {
    let cents = crate::money::to_cents(s.total_due).unwrap_or(0);
    rows::record_sent(ledger.conn(), &s.account, s.statement_date, s.due_date, cents, file)
}

/// The statement as one self-contained, print-ready HTML page (letter size, no scripts, no
/// external assets), with a stub to return with the payment.
pub fn html(s: &Statement) -> String {
    let mut visits = String::new();
    for v in &s.visits {
        let date = v.date_of_service.map(|d| d.format("%B %-d, %Y").to_string()).unwrap_or_default();
        visits.push_str(&format!(
            "<section class=\"visit\"><h3>Visit on {} <span class=\"ref\">(visit {})</span></h3>\
             <table><thead><tr><th>Service</th><th class=\"n\">Billed</th><th class=\"n\">Insurance paid</th>\
             <th class=\"n\">Insurance adjusted</th><th>Why you owe part of it</th></tr></thead><tbody>",
            escape(&date),
            escape(&v.encounter_id)
        ));
        for item in &v.services {
            visits.push_str(&format!(
                "<tr><td>{} <span class=\"code\">{}</span></td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td>{}</td></tr>",
                escape(&item.description),
                escape(&item.code),
                display(item.billed),
                display(item.insurance_paid),
                display(item.insurance_adjusted),
                escape(&item.your_share_because.join("; "))
            ));
        }
        visits.push_str(&format!(
            "</tbody><tfoot><tr><td>Visit total</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td></td></tr></tfoot></table><p class=\"owe\">You paid {} for this visit. <strong>You owe {}</strong>.</p></section>",
            display(v.billed),
            display(v.insurance_paid),
            display(v.insurance_adjusted),
            display(v.you_paid),
            display(v.you_owe)
        ));
    }
    let unapplied = if s.unapplied.is_zero() {
        String::new()
    } else if s.unapplied < Decimal::ZERO {
        format!("<p>Payments not yet applied to a visit (a credit): {}</p>", display(-s.unapplied))
    } else {
        format!("<p>Other charges on your account: {}</p>", display(s.unapplied))
    };
    let practice = |sep: &str| -> String {
        let mut lines = vec![escape(&s.practice_name)];
        lines.extend(s.practice_address.iter().map(|l| escape(l)));
        lines.extend(s.practice_phone.iter().map(|p| format!("Phone {}", escape(p))));
        lines.join(sep)
    };
    let patient_block = {
        let mut lines = vec![escape(&s.patient_name)];
        lines.extend(s.patient_address.iter().map(|l| escape(l)));
        lines.join("<br>")
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Statement for account {account}</title>\
         <style>{css}</style></head><body><main>\
         <header><div class=\"practice\">{practice}</div><div class=\"summary\"><h1>Statement</h1>\
         <p>Statement date: {date}<br>Account number: {account}<br>Due date: {due}</p>\
         <p class=\"due\">Amount due: {total}</p></div></header>\
         <p class=\"to\">{patient}</p>\
         <p>This statement shows what was billed for your visits, what your insurance paid, and what is left for you to pay.</p>\
         {visits}{unapplied}\
         <p class=\"total\">Total due by {due}: <strong>{total}</strong></p>\
         <h2>How to pay</h2><p>{how}</p>\
         <div class=\"stub\"><p class=\"cut\">Please detach and return this part with your payment.</p>\
         <table><tr><th>Account number</th><td>{account}</td></tr><tr><th>Patient</th><td>{name}</td></tr>\
         <tr><th>Statement date</th><td>{date}</td></tr><tr><th>Amount due</th><td>{total}</td></tr>\
         <tr><th>Amount enclosed</th><td>$__________</td></tr></table>\
         <p>Make checks payable to {practice_name} and mail to: {practice_line}</p></div>\
         </main></body></html>\n",
        css = STATEMENT_CSS,
        practice = practice("<br>"),
        practice_line = s.practice_address.iter().map(|l| escape(l)).collect::<Vec<_>>().join(", "),
        practice_name = escape(&s.practice_name),
        date = s.statement_date.format("%B %-d, %Y"),
        due = s.due_date.format("%B %-d, %Y"),
        account = escape(&s.account),
        total = display(s.total_due),
        patient = patient_block,
        name = escape(&s.patient_name),
        how = escape(&s.how_to_pay),
    )
}

const STATEMENT_CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Arial,sans-serif;color:#111;margin:0}\
main{max-width:7.5in;margin:0 auto;padding:0.4in}header{display:flex;justify-content:space-between;gap:1em;flex-wrap:wrap}\
h1{margin:0 0 .3em;font-size:1.6em}h2{font-size:1.1em;margin-top:1.2em}h3{font-size:1em;margin:1em 0 .3em}\
.ref,.code{color:#555;font-size:.85em}.due{font-size:1.3em;font-weight:bold}.to{margin:1.2em 0}\
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:.9em}th,td{border-bottom:1px solid #ccc;\
padding:.25em .35em;text-align:left;vertical-align:top;overflow-wrap:anywhere}td.n,th.n{text-align:right}\
tfoot td{font-weight:bold}.owe{margin:.3em 0 0}.total{font-size:1.2em;margin-top:1em}\
.stub{margin-top:2em;border-top:2px dashed #333;padding-top:.5em;break-inside:avoid}.cut{font-size:.8em;color:#555}\
.visit{break-inside:avoid}@page{size:letter;margin:0.5in}@media print{main{padding:0;max-width:none}}";

/// The statements as CSV rows for a print vendor: one row per service line, with the
/// statement's header fields repeated (identifiers as text).
pub fn csv(statements: &[Statement], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "account",
        "patient_name",
        "patient_address",
        "statement_date",
        "due_date",
        "total_due",
        "encounter_id",
        "date_of_service",
        "code",
        "description",
        "billed",
        "insurance_paid",
        "insurance_adjusted",
        "your_share_because",
        "visit_you_owe",
    ])?;
    for s in statements {
        for v in &s.visits {
            for item in &v.services {
                w.write_record([
                    s.account.clone(),
                    s.patient_name.clone(),
                    s.patient_address.join(", "),
                    s.statement_date.to_string(),
                    s.due_date.to_string(),
                    crate::money::text(s.total_due),
                    v.encounter_id.clone(),
                    v.date_of_service.map(|d| d.to_string()).unwrap_or_default(),
                    item.code.clone(),
                    item.description.clone(),
                    crate::money::text(item.billed),
                    crate::money::text(item.insurance_paid),
                    crate::money::text(item.insurance_adjusted),
                    item.your_share_because.join("; "),
                    crate::money::text(v.you_owe),
                ])?;
            }
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_get_plain_words_of_our_own() {
        assert_eq!(plain_words("99213"), "Office visit");
        assert_eq!(plain_words("36415"), "Blood draw");
        assert_eq!(plain_words("85025"), "Laboratory test");
        assert_eq!(plain_words("J1100"), "Medication given");
        assert_eq!(plain_words("00810"), "Anesthesia");
    }

    #[test]
    fn a_patient_share_is_explained_in_plain_language() {
        assert!(share_reason(Some("PR"), Some("1")).starts_with("Deductible"));
        assert!(share_reason(Some("PR"), Some("2")).starts_with("Coinsurance"));
        assert_eq!(share_reason(Some("PR"), Some("96")), "Not covered by your plan");
    }
}
