//! `claimkit nightly --inbox DIR --outbox DIR [--archive DIR] [--as-of DATE]`: the unattended run
//! for cron. Imports EMR exports, posts acknowledgments and remittances, scrubs, builds 837P
//! batches, archives what it processed, and prints one summary (JSON with `--format json`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use claimkit::codes::ImportKind;
use claimkit::nightly::{self, NightlyOptions, NightlySummary};
use claimkit::remit835::{ContractRates, NoContractRates, PostOptions};
use claimkit::report::{Cell, OutputFormat, Table};
use claimkit::scrub::CodeSetReference;
use rust_decimal::Decimal;

use super::progress::TerminalProgress;
use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Args)]
pub struct NightlyArgs {
    /// Where the EMR exports and the clearinghouse's 999/TA1/277CA/835 files arrive.
    #[arg(long, value_name = "DIR")]
    pub inbox: PathBuf,
    /// Where the 837P batches are written.
    #[arg(long, value_name = "DIR")]
    pub outbox: PathBuf,
    /// Move processed inbox files to DIR/<date>/ (without it they stay, recognised by content).
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
    /// The date taken as today (timely filing, future dates, archive folder).
    #[arg(long, env = "CLAIMKIT_TODAY", value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// A paid line allowed this much (or less) below its contract rate is not an underpayment.
    #[arg(long, value_name = "AMOUNT", default_value = "1.00")]
    pub underpayment_tolerance: Decimal,
}

pub fn exec(global: &GlobalArgs, args: NightlyArgs) -> Result<Exit> {
    // The lock is taken first: a second run exits 75 at once instead of waiting.
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    std::fs::create_dir_all(&args.outbox).with_context(|| format!("creating {}", args.outbox.display()))?;
    let imported = claimkit::ledger::codesets::load_imported(ledger.conn()).context("loading imported code sets")?;
    let fees = claimkit::ledger::codesets::load_imported_kinds(ledger.conn(), &[ImportKind::FeeSchedule])?.fees;
    let reference = CodeSetReference::new(imported);
    let rates: &dyn ContractRates = match &fees {
        Some(schedule) => schedule,
        None => &NoContractRates,
    };
    let options = NightlyOptions {
        inbox: args.inbox,
        outbox: args.outbox,
        archive: args.archive,
        today: args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive()),
        reference: &reference,
        rates,
        post: PostOptions { underpayment_tolerance: args.underpayment_tolerance, ..PostOptions::default() },
    };
    let summary = nightly::run(&mut ledger, &options, &TerminalProgress::new(global))?;
    print_summary(global, &summary)?;
    Ok(exit_for(&summary))
}

/// The exit code of a run: 3 when an inbox file could not be read, 1 when a biller must act.
pub fn exit_for(summary: &NightlySummary) -> Exit {
    if summary.has_input_errors() {
        Exit::InputError
    } else if summary.needs_attention() {
        Exit::Findings
    } else {
        Exit::Clean
    }
}

pub fn print_summary(global: &GlobalArgs, summary: &NightlySummary) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if global.format == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut out, summary)?;
        writeln!(out)?;
        return Ok(());
    }
    let mut files = Table::new(&[
        ("file", "File"),
        ("kind", "Kind"),
        ("result", "Result"),
        ("detail", "Detail"),
        ("archived_to", "Archived to"),
    ])
    .with_title("Inbox");
    for f in &summary.files {
        files.push(vec![
            f.file.display().to_string().into(),
            f.kind.into(),
            f.result.into(),
            f.detail.clone().into(),
            f.archived_to.as_ref().map(|p| p.display().to_string()).into(),
        ]);
    }
    let mut steps = Table::new(&[("step", "Step"), ("count", "Count")]).with_title("Night");
    let scrub = summary.scrub.unwrap_or_default();
    for (step, n) in [
        ("encounters new", summary.encounters_new),
        ("encounters updated", summary.encounters_updated),
        ("records rejected", summary.records_rejected),
        ("acknowledged items rejected", summary.acks_rejected),
        ("remittance claims matched", summary.remit_claims_matched),
        ("remittances needing attention", summary.remittances_needing_attention),
        ("encounters scrubbed", scrub.encounters),
        ("held by scrub errors", scrub.held),
        ("claims built", summary.claims_built),
        ("encounters not billed", summary.encounters_not_billed),
    ] {
        steps.push(vec![step.into(), Cell::Int(n as i64)]);
    }
    for (i, batch) in summary.batches_written.iter().enumerate() {
        steps.push(vec![format!("batch {}", i + 1).into(), batch.display().to_string().into()]);
    }
    if !files.is_empty() {
        files.render(global.format, &mut out)?;
    }
    steps.render(global.format, &mut out)?;
    Ok(())
}
