//! `claimkit claim show PCN|ENCOUNTER`: one claim's lines as adjudicated, its visit's accounts
//! receivable, and its whole history, every event with its time and source file.

use anyhow::{Context, Result};
use claimkit::report;
use clap::{Args, Subcommand};

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, Args)]
pub struct ClaimArgs {
    #[command(subcommand)]
    pub action: ClaimAction,
}

#[derive(Debug, Subcommand)]
#[command(
    after_help = "Example:\n  claimkit claim show CK1001   (PCNs are listed by `claimkit build` and `claimkit report claims`)"
)]
pub enum ClaimAction {
    /// The claim, its lines and every event in its life.
    Show {
        /// The patient control number (CLM01, any case), or an encounter ID (its latest claim).
        pcn: String,
    },
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
    }
}
