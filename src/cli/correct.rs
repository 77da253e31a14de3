//! `claimkit correct PCN` and `claimkit void PCN`: re-bill a claim as a replacement (frequency 7)
//! or void it (frequency 8), with REF*F8 = the payer's claim number, as a batch of its own. A payer
//! whose corrections go through a reopening (`corrections = "reopening"`, the default for Medicare
//! Part B) gets no 837: a worklist item "request a reopening" is opened instead. `correct` refuses
//! while the corrected encounter has scrub errors.

use std::path::PathBuf;

use anyhow::{Context, Result};
use claimkit::claim837::build::{BuildOptions, correct, void};
use claimkit::claim837::reopen::{Correction, CorrectionError, Decision, decide};
use claimkit::report::{Report, Table};
use claimkit::scrub::CodeSetReference;

use super::build::{render, user_error};
use super::{Exit, GlobalArgs, InputError};

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
    /// The day the corrected encounter is scrubbed on (default today).
    #[arg(long, value_name = "YYYY-MM-DD", env = "CLAIMKIT_TODAY")]
    pub as_of: Option<chrono::NaiveDate>,
}

/// `claimkit correct PCN`: a replacement claim from the corrected, re-imported encounter.
pub fn exec_correct(global: &GlobalArgs, args: CorrectArgs) -> Result<Exit> {
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let pcn = match policy(global, &mut ledger, &args, Correction::Correct)? {
        Ok(pcn) => pcn,
        Err(exit) => return Ok(exit),
    };
    let report = correct(&mut ledger, &pcn, &options(&args)).map_err(user_error)?;
    render(global, &report)
}

/// `claimkit void PCN`: a void of the claim as it was billed.
pub fn exec_void(global: &GlobalArgs, args: CorrectArgs) -> Result<Exit> {
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let pcn = match policy(global, &mut ledger, &args, Correction::Void)? {
        Ok(pcn) => pcn,
        Err(exit) => return Ok(exit),
    };
    let report = void(&mut ledger, &pcn, &options(&args)).map_err(user_error)?;
    render(global, &report)
}

/// The payer's correction policy: `Ok(pcn)` to write the 837, or the exit after a reopening
/// request was opened (and shown).
fn policy(
    global: &GlobalArgs,
    ledger: &mut claimkit::ledger::Ledger,
    args: &CorrectArgs,
    correction: Correction,
) -> Result<std::result::Result<String, Exit>> {
    let reference = CodeSetReference::new(
        claimkit::ledger::codesets::load_imported(ledger.conn()).context("loading imported code sets")?,
    );
    let today = args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let decision = match decide(ledger, &args.pcn, correction, &reference, today, args.dry_run) {
        Ok(d) => d,
        Err(e @ CorrectionError::Ledger(_)) => return Err(e).context("correct"),
        Err(e) => return Err(InputError(e.to_string()).into()),
    };
    let (pcn, payer_id, request_id, detail) = match decision {
        Decision::Claim { pcn } => return Ok(Ok(pcn)),
        Decision::Reopening { pcn, payer_id, request_id, detail } => (pcn, payer_id, request_id, detail),
    };
    let mut t =
        Table::new(&[("pcn", "Claim"), ("payer_id", "Payer"), ("request", "Request"), ("detail", "What changed")])
            .with_title("Reopening requested");
    t.push(vec![pcn.into(), payer_id.into(), request_id.map(|i| i.to_string()).into(), detail.into()]);
    let scope = if args.dry_run {
        "dry run: the payer takes reopenings, not corrected claims; nothing was recorded".to_string()
    } else {
        "the payer takes reopenings, not corrected claims: no 837 was written; see `claimkit worklist --kind request-a-reopening`".to_string()
    };
    let report = Report::new("reopening", "Reopening", scope).section("reopening", t, None);
    super::report::write_report(global, &report, None)?;
    Ok(Err(Exit::Findings))
}

fn options(args: &CorrectArgs) -> BuildOptions {
    BuildOptions { out_dir: args.out.clone(), payer: None, dry_run: args.dry_run, as_of: None, list_claims: true }
}
