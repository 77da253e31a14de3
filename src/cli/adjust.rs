//! `claimkit adjust PCN --amount X --reason R`: write off part of what a visit's payer (default)
//! or patient owes, never more than is owed; the same write-off twice is recorded once.

use anyhow::Result;
use chrono::NaiveDate;
use claimkit::account::{self, Side, WriteOff};
use claimkit::ar::WriteOffReason;
use claimkit::report::{Cell, Report, Table};
use clap::{Args, ValueEnum};
use rust_decimal::Decimal;

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SideArg {
    Insurance,
    Patient,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  claimkit adjust CK1A2B3C4D5E6F --amount 110.00 --reason timely-filing\n  \
    claimkit adjust CK1A2B3C4D5E6F --amount 4.50 --reason small-balance --side patient --note \"under $5\"")]
pub struct AdjustArgs {
    /// The claim (PCN) whose visit the write-off is on.
    pub pcn: String,
    /// The amount written off, in dollars and cents.
    #[arg(long)]
    pub amount: Decimal,
    /// timely-filing, small-balance, hardship, bad-debt, courtesy or other.
    #[arg(long)]
    pub reason: String,
    /// Whose balance: the claim's payer (insurance) or the patient.
    #[arg(long, value_enum, default_value = "insurance")]
    pub side: SideArg,
    /// Why, in words (kept with the write-off).
    #[arg(long)]
    pub note: Option<String>,
    /// The day it counts from (default today).
    #[arg(long, value_name = "YYYY-MM-DD", env = "CLAIMKIT_TODAY")]
    pub date: Option<NaiveDate>,
}

pub fn exec(global: &GlobalArgs, args: AdjustArgs) -> Result<Exit> {
    let Some(reason) = WriteOffReason::parse(&args.reason) else {
        let names: Vec<String> = WriteOffReason::ALL.iter().map(|r| r.as_str().replace('_', "-")).collect();
        return Err(InputError(format!("--reason must be one of {}", names.join(", "))).into());
    };
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let w = WriteOff {
        pcn: args.pcn.clone(),
        amount: args.amount,
        reason,
        side: match args.side {
            SideArg::Insurance => Side::Insurance,
            SideArg::Patient => Side::Patient,
        },
        note: args.note.clone(),
        on: args.date.unwrap_or_else(|| chrono::Local::now().date_naive()),
    };
    let o = match account::write_off(&mut ledger, &w) {
        Ok(o) => o,
        Err(account::AccountError::Ledger(e)) => return Err(e.into()),
        Err(e) => return Err(InputError(e.to_string()).into()),
    };
    let mut t = Table::new(&[
        ("pcn", "Claim"),
        ("encounter_id", "Encounter"),
        ("amount", "Written off"),
        ("status", "Status"),
        ("balance_after", "Still owed"),
    ])
    .with_title("Write-off");
    t.push(vec![
        o.pcn.into(),
        o.encounter_id.into(),
        Cell::Money(o.amount),
        o.status.into(),
        Cell::Money(o.balance_after),
    ]);
    let report = Report::new("adjust", "Write-off", reason.as_str()).section("writeoff", t, None);
    super::report::write_report(global, &report, None)?;
    Ok(Exit::Clean)
}
