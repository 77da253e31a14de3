//! `claimkit claim show PCN|ENCOUNTER`: one claim's lines as adjudicated, its visit's accounts
//! receivable, and its whole history, every event with its time and source file.
//! `claimkit claim find [KEYS]`: claims by patient, member, encounter, payer claim number, status,
//! payer, balance and age.

use anyhow::{Context, Result};
use claimkit::ledger::billing::ClaimStatus;
use claimkit::report;
use claimkit::report::find::{Criteria, find_claims};
use clap::{Args, Subcommand};
use rust_decimal::Decimal;

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, Args)]
pub struct ClaimArgs {
    #[command(subcommand)]
    pub action: ClaimAction,
}

#[derive(Debug, Subcommand)]
#[command(
    after_help = "Examples:\n  claimkit claim show CK1001   (PCNs are listed by `claimkit build` and `claimkit report claims`)\n  \
                  claimkit claim find --patient-name \"doe jo\" --status accepted\n  \
                  claimkit --format csv claim find --payer MCRB1 --min-age 30 --min-balance 0.01"
)]
pub enum ClaimAction {
    /// The claim, its lines and every event in its life.
    #[command(after_help = "Examples:\n  claimkit claim show P1G89GV7CZYFVBTR8\n  claimkit claim show E1004")]
    Show {
        /// The patient control number (CLM01, any case), or an encounter ID (its latest claim).
        pcn: String,
    },
    /// Claims by patient, member, encounter, payer claim number, status, payer, balance and age.
    Find(Box<FindArgs>),
}

/// Every key given must match; none lists every claim.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  claimkit claim find --patient-name \"mbeki leila\"\n  \
                        claimkit claim find --payer MCRB1 --status denied --min-age 30\n  \
                        claimkit --format csv claim find --min-balance 100.00")]
pub struct FindArgs {
    /// Patient name: every word must be part of the last or first name (any case).
    #[arg(long, value_name = "NAME")]
    pub patient_name: Option<String>,
    /// The EMR's patient ID.
    #[arg(long, value_name = "ID")]
    pub patient_id: Option<String>,
    /// The member ID billed.
    #[arg(long, value_name = "ID")]
    pub member_id: Option<String>,
    /// The encounter ID.
    #[arg(long, value_name = "ID")]
    pub encounter: Option<String>,
    /// The patient control number (CLM01, any case).
    #[arg(long, value_name = "PCN")]
    pub pcn: Option<String>,
    /// The payer's claim number (277CA/277 REF*1K or 835 CLP07).
    #[arg(long, value_name = "NUMBER")]
    pub payer_claim_number: Option<String>,
    /// Claim status: submitted, accepted, rejected, paid, partially_paid, denied, reversed,
    /// forwarded, voided.
    #[arg(long, value_name = "STATUS", value_parser = parse_status)]
    pub status: Option<ClaimStatus>,
    /// Payer ID.
    #[arg(long, value_name = "ID")]
    pub payer: Option<String>,
    /// What the claim's payer and the patient still owe on the visit, at least (dollars).
    #[arg(long, value_name = "AMOUNT")]
    pub min_balance: Option<Decimal>,
    /// ... at most (dollars).
    #[arg(long, value_name = "AMOUNT")]
    pub max_balance: Option<Decimal>,
    /// Days since the date of service, at least.
    #[arg(long, value_name = "DAYS")]
    pub min_age: Option<i64>,
    /// Days since the date of service, at most.
    #[arg(long, value_name = "DAYS")]
    pub max_age: Option<i64>,
    /// The date balances and ages are taken on [default: today].
    #[arg(long, value_name = "YYYY-MM-DD", env = "CLAIMKIT_TODAY")]
    pub as_of: Option<chrono::NaiveDate>,
}

fn parse_status(s: &str) -> Result<ClaimStatus, String> {
    let wanted = s.trim().to_lowercase().replace('-', "_");
    ClaimStatus::parse(&wanted).ok_or_else(|| {
        let all: Vec<&str> = ClaimStatus::ALL.iter().map(|c| c.as_str()).collect();
        format!("not a claim status; one of {}", all.join(", "))
    })
}

pub fn exec(global: &GlobalArgs, args: ClaimArgs) -> Result<Exit> {
    let ledger = global.open_ledger()?;
    match args.action {
        ClaimAction::Show { pcn } => {
            let history = report::claims::claim_history(&ledger, &pcn).context("reading the ledger")?;
            let Some(mut history) = history else {
                return Err(
                    InputError(format!("no claim with PCN or encounter {pcn} in {}", global.db.display())).into()
                );
            };
            report::present(&mut history, &global.presentation(&ledger));
            super::report::write_report(global, &history, None)?;
            Ok(Exit::Clean)
        }
        ClaimAction::Find(args) => {
            let args = *args;
            let criteria = Criteria {
                pcn: args.pcn,
                patient_name: args.patient_name,
                patient_id: args.patient_id,
                member_id: args.member_id,
                encounter_id: args.encounter,
                payer_claim_number: args.payer_claim_number,
                status: args.status,
                payer: args.payer,
                min_balance: args.min_balance,
                max_balance: args.max_balance,
                min_age: args.min_age,
                max_age: args.max_age,
            };
            let as_of = args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
            let mut found = find_claims(&ledger, &criteria, as_of).context("reading the ledger")?;
            if found.sections.iter().all(|s| s.table.rows().is_empty()) {
                global.note("no claim matches");
            }
            report::present(&mut found, &global.presentation(&ledger));
            super::report::write_report(global, &found, None)?;
            Ok(Exit::Clean)
        }
    }
}
