//! `claimkit build [--out DIR] [--payer ID] [--dry-run]`: bill every clean, unbilled encounter as
//! 837P files, one per receiver, and record the batches.

use std::path::PathBuf;

use anyhow::{Context, Result};
use claimkit::claim837::build::{BuildError, BuildOptions, BuildReport, build_with_progress};
use claimkit::report::{OutputFormat, Table};
use claimkit::scrub::{CodeSetReference, ScrubError, ScrubOptions, run_scrub_each};

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Directory the 837 files are written to (created if needed).
    #[arg(long, default_value = "outbox", value_name = "DIR")]
    pub out: PathBuf,
    /// Bill only this payer's encounters (a payer ID of the practice file).
    #[arg(long, value_name = "ID")]
    pub payer: Option<String>,
    /// Write the files (named *.dry-run.837, ISA15 T) but record nothing and use no control numbers.
    #[arg(long)]
    pub dry_run: bool,
    /// The date taken as today by the scrub that runs first (timely filing, future dates).
    #[arg(long, env = "CLAIMKIT_TODAY", value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
}

pub fn exec(global: &GlobalArgs, args: BuildArgs) -> Result<Exit> {
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    // Scrub first, so only encounters that are clean as of now are billed.
    let reference = CodeSetReference::new(
        claimkit::ledger::codesets::load_imported(ledger.conn()).context("loading imported code sets")?,
    );
    let today = args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let scrubbed = match run_scrub_each(
        &mut ledger,
        &ScrubOptions { encounter: None, today, reference: &reference },
        &super::progress::TerminalProgress::new(global),
        &mut |_| {},
    ) {
        Ok(run) => run,
        Err(ScrubError::NoPractice) => return Err(user_error(BuildError::NoPractice)),
        Err(e) => return Err(e).context("scrub before build"),
    };
    if scrubbed.summary.held > 0 {
        global.note(format!(
            "{} encounter(s) held by scrub errors are not billed (see `claimkit scrub`)",
            scrubbed.summary.held
        ));
    }
    let opts = BuildOptions { out_dir: args.out, payer: args.payer, dry_run: args.dry_run, as_of: None };
    let report =
        build_with_progress(&mut ledger, &opts, &super::progress::TerminalProgress::new(global)).map_err(user_error)?;
    if report.is_empty() && report.skipped.is_empty() {
        global.note("nothing to build: no clean, unbilled encounters (already billed claims are never sent twice)");
    }
    let exit = render(global, &report)?;
    Ok(if scrubbed.summary.held > 0 { exit.max(Exit::Findings) } else { exit })
}

/// Refusals the user can act on are input errors (exit 3); the rest are ours (exit 4).
pub fn user_error(e: BuildError) -> anyhow::Error {
    match e {
        BuildError::Ledger(_) | BuildError::Io { .. } | BuildError::Write { .. } => anyhow::Error::new(e),
        other => anyhow::Error::new(InputError(other.to_string())),
    }
}

/// Prints the files written and the encounters skipped; exit 1 when some encounters were skipped.
pub fn render(global: &GlobalArgs, report: &BuildReport) -> Result<Exit> {
    for path in &report.unrecorded_files {
        global.note(format!(
            "set aside {}: an earlier run crashed before recording its claims; they are billed again now",
            path.display()
        ));
    }
    let mut batches = Table::new(&[
        ("receiver", "Receiver"),
        ("file", "File"),
        ("isa13", "ISA13"),
        ("st02", "ST02"),
        ("usage", "Usage"),
        ("claims", "Claims"),
        ("total_charge", "Total charge"),
        ("sha256", "SHA-256"),
    ])
    .with_title(if report.dry_run { "837P files (dry run: nothing recorded)" } else { "837P files written" });
    for b in &report.batches {
        batches.push(vec![
            b.receiver_id.clone().into(),
            b.path.display().to_string().into(),
            b.isa13.clone().into(),
            b.st02.join(",").into(),
            b.usage.to_string().into(),
            b.claims.into(),
            b.total_charge.into(),
            b.sha256.clone().into(),
        ]);
    }
    let mut skipped =
        Table::new(&[("encounter", "Encounter"), ("reason", "Not billed because")]).with_title("Encounters not billed");
    for s in &report.skipped {
        skipped.push(vec![s.encounter_id.clone().into(), s.reason.clone().into()]);
    }
    let mut out = global.stdout();
    match global.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({
                    "dry_run": report.dry_run,
                    "batches": batches.to_json(),
                    "skipped": skipped.to_json(),
                    "unrecorded_files": report.unrecorded_files,
                }),
            )?;
            use std::io::Write;
            writeln!(out)?;
        }
        format => {
            if !batches.is_empty() {
                batches.render(format, &mut out)?;
            }
            if !skipped.is_empty() {
                skipped.render(format, &mut out)?;
            }
        }
    }
    if !report.is_empty() {
        global.note(format!(
            "{} claim(s) in {} file(s){}",
            report.claims(),
            report.batches.len(),
            if report.dry_run { " (dry run: nothing recorded)" } else { " recorded as submitted" }
        ));
    }
    Ok(if report.skipped.is_empty() { Exit::Clean } else { Exit::Findings })
}
