//! `claimkit correct PCN` and `claimkit void PCN`: re-bill a claim as a replacement (frequency 7)
//! or void it (frequency 8), with REF*F8 = the payer's claim number, as a batch of its own.

use std::path::PathBuf;

use anyhow::Result;
use claimkit::claim837::build::{BuildOptions, correct, void};

use super::build::{render, user_error};
use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  claimkit correct P1W2T1XQA5EFM2H44      (after fixing and re-importing the encounter)\n  claimkit void P1W2T1XQA5EFM2H44\n  claimkit correct P1W2T1XQA5EFM2H44 --dry-run --out preview\n\nPCNs are listed by `claimkit build`, `claimkit report claims` and `claimkit report worklist`."
)]
pub struct CorrectArgs {
    /// The claim's patient control number (CLM01), as `claimkit build` lists it (or `report claims`).
    #[arg(value_name = "PCN")]
    pub pcn: String,
    /// Directory the 837 file is written to.
    #[arg(long, default_value = "outbox", value_name = "DIR")]
    pub out: PathBuf,
    /// Write the file but record nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `claimkit correct PCN`: a replacement claim from the corrected, re-imported encounter.
pub fn exec_correct(global: &GlobalArgs, args: CorrectArgs) -> Result<Exit> {
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let report = correct(&mut ledger, &args.pcn, &options(&args)).map_err(user_error)?;
    render(global, &report)
}

/// `claimkit void PCN`: a void of the claim as it was billed.
pub fn exec_void(global: &GlobalArgs, args: CorrectArgs) -> Result<Exit> {
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let report = void(&mut ledger, &args.pcn, &options(&args)).map_err(user_error)?;
    render(global, &report)
}

fn options(args: &CorrectArgs) -> BuildOptions {
    BuildOptions { out_dir: args.out.clone(), payer: None, dry_run: args.dry_run, as_of: None, list_claims: true }
}
