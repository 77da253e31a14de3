//! `claimkit pay`: a patient payment (or refund) from the front desk, one at a time or a CSV of
//! them; applied to the visit named, else to the oldest balances first; overpayments become a
//! credit. The same reference twice is recorded once.

use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use claimkit::account::{self, PatientPayment};
use claimkit::report::{Cell, OutputFormat, Report, Table};
use clap::Args;
use rust_decimal::Decimal;

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  claimkit pay --patient PAT1001 --amount 25.00 --method card --reference R-88231\n  \
    claimkit pay --file front-desk-2026-12-01.csv\n  claimkit pay --patient PAT1001 --amount 10.00 --method check \
    --reference REF-1 --refund"
)]
pub struct PayArgs {
    /// The patient's account (patient ID).
    #[arg(long, required_unless_present = "file")]
    pub patient: Option<String>,
    /// The amount, in dollars and cents.
    #[arg(long, required_unless_present = "file")]
    pub amount: Option<Decimal>,
    /// When it was received (default today).
    #[arg(long, value_name = "YYYY-MM-DD", env = "CLAIMKIT_TODAY")]
    pub date: Option<NaiveDate>,
    /// cash, check, card, eft or other.
    #[arg(long, default_value = "cash")]
    pub method: String,
    /// Receipt, check or card transaction number: a payment is recorded once per reference.
    #[arg(long, required_unless_present = "file")]
    pub reference: Option<String>,
    /// Apply to this claim's visit first (PCN).
    #[arg(long, value_name = "PCN")]
    pub claim: Option<String>,
    /// A note kept with the payment.
    #[arg(long)]
    pub note: Option<String>,
    /// Pay back a credit instead.
    #[arg(long)]
    pub refund: bool,
    /// A CSV of payments: patient_id,amount,date,method,reference[,claim][,note][,refund].
    #[arg(long, conflicts_with_all = ["patient", "amount", "reference", "claim", "refund"])]
    pub file: Option<PathBuf>,
}

pub fn exec(global: &GlobalArgs, args: PayArgs) -> Result<Exit> {
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let today = args.date.unwrap_or_else(|| chrono::Local::now().date_naive());
    let (payments, mut errors, source) = match &args.file {
        Some(file) => {
            let (payments, errors) = account::read_payments_csv(file)?;
            (payments, errors, file.display().to_string())
        }
        None => (
            vec![PatientPayment {
                patient_id: args.patient.clone().unwrap_or_default(),
                amount: args.amount.unwrap_or_default(),
                received_on: today,
                method: args.method.to_ascii_lowercase(),
                reference: args.reference.clone().unwrap_or_default(),
                pcn: args.claim.clone(),
                note: args.note.clone(),
                refund: args.refund,
            }],
            Vec::new(),
            "claimkit pay".to_string(),
        ),
    };
    let mut t = Table::new(&[
        ("reference", "Reference"),
        ("patient_id", "Patient"),
        ("amount", "Amount"),
        ("status", "Status"),
        ("applied", "Applied to visits"),
        ("credit", "Credit"),
        ("balance_after", "Balance after"),
    ])
    .with_title("Patient payments");
    for p in &payments {
        match account::record_payment(&mut ledger, p, &source) {
            Ok(o) => {
                let applied: Vec<String> = o.applied.iter().map(|(e, a)| format!("{e} {a}")).collect();
                t.push(vec![
                    o.reference.into(),
                    o.patient_id.into(),
                    Cell::Money(o.amount),
                    o.status.into(),
                    applied.join(", ").into(),
                    Cell::Money(o.credit),
                    Cell::Money(o.balance_after),
                ]);
            }
            Err(account::AccountError::Ledger(e)) => return Err(e.into()),
            Err(e) => errors.push(e),
        }
    }
    let report = Report::new("payments", "Patient payments", source).section("payments", t, None);
    if !(global.quiet && global.format == OutputFormat::Table) {
        super::report::write_report(global, &report, None)?;
    }
    for e in &errors {
        eprintln!("error: {e}");
    }
    if !errors.is_empty() {
        if payments.len() == 1 && args.file.is_none() {
            return Err(InputError(errors[0].to_string()).into());
        }
        return Ok(Exit::InputError);
    }
    Ok(Exit::Clean)
}
