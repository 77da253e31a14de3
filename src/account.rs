//! Patient accounts: payments the front desk takes, refunds of credits, and write-offs
//! (`claimkit pay`, `claimkit adjust`). Each is one ledger transaction made of A/R entries
//! ([`crate::ar`]); the same payment (by its reference) or the same write-off twice changes nothing.
//!
//! A payment is applied to the visit it names (through one of its claims), else to the patient's
//! oldest balances first; what is left over is a credit on the patient's account, which a refund
//! pays back.
//!
//! ```text
//! patient_id,amount,date,method,reference,claim,note
//! PAT1001,25.00,2026-12-01,card,R-88231,,copay at check-in
//! ```

use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::ar::{Entry, EntryKind, Party, WriteOffReason};
use crate::ledger::{Ledger, LedgerError, ar};
use crate::money;

/// Why a payment, refund or write-off was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Refused(String),
    #[error("{file}: line {line}: {problem}")]
    BadRecord { file: String, line: u64, problem: String },
    #[error("{file}: {source}")]
    Io { file: String, source: std::io::Error },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// One payment (or refund) as the front desk records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientPayment {
    pub patient_id: String,
    pub amount: Decimal,
    pub received_on: NaiveDate,
    /// cash, check, card, eft, other.
    pub method: String,
    /// Receipt, check or card transaction number: a payment is recorded once per reference.
    pub reference: String,
    /// Apply to this claim's visit first.
    pub pcn: Option<String>,
    pub note: Option<String>,
    pub refund: bool,
}

/// What happened to one payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentOutcome {
    pub reference: String,
    pub patient_id: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// `recorded`, `already_recorded`.
    pub status: &'static str,
    /// (encounter, amount) applied to each visit.
    pub applied: Vec<(String, String)>,
    /// Left on the patient's account as a credit.
    #[serde(with = "rust_decimal::serde::str")]
    pub credit: Decimal,
    /// The patient's balance after it (negative: a credit).
    #[serde(with = "rust_decimal::serde::str")]
    pub balance_after: Decimal,
}

pub const METHODS: [&str; 5] = ["cash", "check", "card", "eft", "other"];

fn cents(amount: Decimal, what: &str) -> Result<i64, AccountError> {
    let c = money::to_cents(amount)
        .ok_or_else(|| AccountError::Refused(format!("{what} {amount} is not an amount in dollars and cents")))?;
    if c <= 0 {
        return Err(AccountError::Refused(format!("{what} must be more than zero")));
    }
    Ok(c)
}

/// Records one payment or refund in one transaction.
pub fn record_payment(ledger: &mut Ledger, p: &PatientPayment, source: &str) -> Result<PaymentOutcome, AccountError> {
    let amount_cents = cents(p.amount, "the amount")?;
    if !METHODS.contains(&p.method.as_str()) {
        return Err(AccountError::Refused(format!("method must be one of {}", METHODS.join(", "))));
    }
    if p.reference.trim().is_empty() {
        return Err(AccountError::Refused("a payment needs a reference (receipt, check or card number)".into()));
    }
    let tx = ledger.transaction()?;
    let mut outcome = PaymentOutcome {
        reference: p.reference.clone(),
        patient_id: p.patient_id.clone(),
        amount: p.amount,
        status: "recorded",
        applied: Vec::new(),
        credit: Decimal::ZERO,
        balance_after: Decimal::ZERO,
    };
    // The claim it names must be the patient's.
    let claim = match &p.pcn {
        Some(pcn) => {
            let Some((pcn, encounter, patient, _)) = ar::claim_parties(&tx, pcn)? else {
                return Err(AccountError::Refused(format!("no claim {pcn} in the ledger")));
            };
            if patient != p.patient_id {
                return Err(AccountError::Refused(format!("claim {pcn} is not patient {}'s", p.patient_id)));
            }
            Some((pcn, encounter))
        }
        None => None,
    };
    let row = ar::PatientPaymentRow {
        patient_id: &p.patient_id,
        cents: amount_cents,
        received_on: p.received_on,
        method: &p.method,
        reference: &p.reference,
        is_refund: p.refund,
        pcn: claim.as_ref().map(|c| c.0.as_str()),
        note: p.note.as_deref(),
        source,
    };
    let Some(payment_id) = ar::insert_patient_payment(&tx, &row)? else {
        outcome.status = "already_recorded";
        outcome.balance_after = money::from_cents(ar::patient_balance(&tx, &p.patient_id)?);
        return Ok(outcome);
    };
    let balance = ar::patient_balance(&tx, &p.patient_id)?;
    let mut entries: Vec<(Option<String>, Entry)> = Vec::new();
    let entry = |kind, cents| Entry {
        line: None,
        kind,
        party: Party::Patient,
        cents,
        noted_cents: 0,
        group: None,
        reason: None,
    };
    if p.refund {
        if balance >= 0 || -balance < amount_cents {
            return Err(AccountError::Refused(format!(
                "patient {} has a credit of {}: a refund cannot be more",
                p.patient_id,
                money::cents_text((-balance).max(0))
            )));
        }
        entries.push((None, entry(EntryKind::Refund, amount_cents)));
    } else {
        let mut left = amount_cents;
        let mut visits = ar::patient_visits_owing(&tx, &p.patient_id)?;
        if let Some((_, encounter)) = &claim
            && let Some(i) = visits.iter().position(|v| &v.0 == encounter)
        {
            let named = visits.remove(i);
            visits.insert(0, named);
        }
        for (encounter, _, owed) in visits {
            if left == 0 {
                break;
            }
            let applied = owed.min(left);
            left -= applied;
            outcome.applied.push((encounter.clone(), money::cents_text(applied)));
            entries.push((Some(encounter), entry(EntryKind::PatientPayment, -applied)));
        }
        if left > 0 {
            outcome.credit = money::from_cents(left);
            entries.push((None, entry(EntryKind::PatientPayment, -left)));
        }
    }
    for (encounter, e) in &entries {
        let source = ar::EntrySource {
            patient_id: &p.patient_id,
            encounter_id: encounter.as_deref(),
            pcn: claim.as_ref().filter(|c| Some(&c.1) == encounter.as_ref()).map(|c| c.0.as_str()),
            patient_payment_id: Some(payment_id),
            note: p.note.as_deref(),
            effective_on: Some(p.received_on),
            ..ar::EntrySource::default()
        };
        ar::insert_entries(&tx, &source, std::slice::from_ref(e))?;
    }
    outcome.balance_after = money::from_cents(ar::patient_balance(&tx, &p.patient_id)?);
    tx.commit().map_err(LedgerError::from)?;
    Ok(outcome)
}

/// Reads a front-desk CSV of payments: `patient_id,amount,date,method,reference[,claim][,note][,refund]`
/// with a header row. Bad rows are errors with their line; the others are returned.
pub fn read_payments_csv(path: &Path) -> Result<(Vec<PatientPayment>, Vec<AccountError>), AccountError> {
    let file = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| AccountError::Io { file: file.clone(), source: std::io::Error::other(e.to_string()) })?;
    let headers = reader
        .headers()
        .map_err(|e| AccountError::Io { file: file.clone(), source: std::io::Error::other(e.to_string()) })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let required = ["patient_id", "amount", "date", "method", "reference"];
    let missing: Vec<&str> = required.iter().copied().filter(|c| col(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(AccountError::BadRecord {
            file,
            line: 1,
            problem: format!("missing column(s): {}", missing.join(", ")),
        });
    }
    let (mut payments, mut errors) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(AccountError::BadRecord {
                    file: file.clone(),
                    line,
                    problem: "unreadable CSV record".into(),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let field = |name: &str| col(name).and_then(|i| record.get(i)).unwrap_or("").to_string();
        let bad = |problem: String| AccountError::BadRecord { file: file.clone(), line, problem };
        let amount = match field("amount").parse::<Decimal>() {
            Ok(a) => a,
            Err(_) => {
                errors.push(bad("amount is not a decimal number".into()));
                continue;
            }
        };
        let received_on = match NaiveDate::parse_from_str(&field("date"), "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                errors.push(bad("date is not YYYY-MM-DD".into()));
                continue;
            }
        };
        let opt = |s: String| (!s.is_empty()).then_some(s);
        payments.push(PatientPayment {
            patient_id: field("patient_id"),
            amount,
            received_on,
            method: field("method").to_ascii_lowercase(),
            reference: field("reference"),
            pcn: opt(field("claim")),
            note: opt(field("note")),
            refund: matches!(field("refund").to_ascii_lowercase().as_str(), "y" | "yes" | "true" | "1"),
        });
    }
    Ok((payments, errors))
}

/// Which side of a visit a write-off reduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// What the claim's payer owes.
    Insurance,
    Patient,
}

/// A write-off as `claimkit adjust` records it.
#[derive(Debug, Clone)]
pub struct WriteOff {
    pub pcn: String,
    pub amount: Decimal,
    pub reason: WriteOffReason,
    pub side: Side,
    pub note: Option<String>,
    pub on: NaiveDate,
}

/// What a write-off did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WriteOffOutcome {
    pub pcn: String,
    pub encounter_id: String,
    /// `recorded`, `already_recorded`.
    pub status: &'static str,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// What the side owes on the visit after it.
    #[serde(with = "rust_decimal::serde::str")]
    pub balance_after: Decimal,
}

/// Writes off part of what a visit's payer or patient owes, never more than is owed.
pub fn write_off(ledger: &mut Ledger, w: &WriteOff) -> Result<WriteOffOutcome, AccountError> {
    let amount_cents = cents(w.amount, "the amount")?;
    let tx = ledger.transaction()?;
    let Some((pcn, encounter, patient, payer)) = ar::claim_parties(&tx, &w.pcn)? else {
        return Err(AccountError::Refused(format!("no claim {} in the ledger", w.pcn)));
    };
    let party = match w.side {
        Side::Insurance => Party::Payer(payer),
        Side::Patient => Party::Patient,
    };
    let owed = ar::visit_parties(&tx, &encounter)?.get(&party.payer_id().map(str::to_string)).copied().unwrap_or(0);
    let reference = format!(
        "{pcn}:{}:{}:{}:{}:{}",
        party.payer_id().unwrap_or("patient"),
        amount_cents,
        w.reason.as_str(),
        w.on,
        w.note.as_deref().unwrap_or("")
    );
    let mut outcome = WriteOffOutcome {
        pcn: pcn.clone(),
        encounter_id: encounter.clone(),
        status: "recorded",
        amount: w.amount,
        balance_after: money::from_cents(owed),
    };
    if ar::insert_writeoff_exists(&tx, &reference)? {
        outcome.status = "already_recorded";
        return Ok(outcome);
    }
    if amount_cents > owed {
        let who = party.payer_id().map_or("the patient".to_string(), |p| format!("payer {p}"));
        return Err(AccountError::Refused(format!(
            "{who} owes {} on the visit of claim {pcn}: a write-off cannot be more",
            money::cents_text(owed.max(0))
        )));
    }
    ar::insert_writeoff(
        &tx,
        &patient,
        &encounter,
        &pcn,
        &party,
        amount_cents,
        w.reason.as_str(),
        &reference,
        w.note.as_deref(),
        w.on,
    )?;
    outcome.balance_after = money::from_cents(owed - amount_cents);
    tx.commit().map_err(LedgerError::from)?;
    Ok(outcome)
}
