//! `claimkit build [--out DIR] [--payer ID] [--dry-run]`: bill every clean, unbilled encounter as
//! 837P files, one per receiver, record the batches, and list the claims written.
//!
//! A dry run records nothing, takes no control numbers and writes nowhere near the outbox: the
//! X12 goes to standard output (the listing to standard error), or with `--out DIR` to
//! `DIR/<receiver>.837.preview`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use claimkit::claim837::build::{BuildError, BuildOptions, BuildReport, build_with_progress};
use claimkit::report::{Cell, OutputFormat, Table};
use claimkit::scrub::{CodeSetReference, ScrubError, ScrubOptions, run_scrub_each};

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  claimkit build                          (into the config's outbox, else ./outbox)\n  \
                        claimkit build --out /srv/billing/outbox --payer MCRB1\n  \
                        claimkit build --dry-run | less          (the X12 a build would write; nothing recorded)\n  \
                        claimkit --format json build             (the claims written: PCN, encounter, payer, amount)"
)]
pub struct BuildArgs {
    /// Directory the 837 files are written to, created if needed [default: the config's outbox,
    /// else ./outbox]. With --dry-run: where the .837.preview files go (default: standard output).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Bill only this payer's encounters (a payer ID of the practice file).
    #[arg(long, value_name = "ID")]
    pub payer: Option<String>,
    /// Show what would be billed: the X12 on standard output (or DIR/<receiver>.837.preview with
    /// --out), ISA15 T, placeholder control numbers; nothing is recorded or taken.
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
    // A dry run without --out writes into a private scratch directory and copies the X12 to stdout.
    let scratch = if args.dry_run && args.out.is_none() { Some(tempfile::tempdir()?) } else { None };
    let out_dir = match (&scratch, args.out) {
        (Some(dir), _) => dir.path().to_path_buf(),
        (None, Some(out)) => out,
        (None, None) => global.settings.nightly.outbox.clone().unwrap_or_else(|| PathBuf::from("outbox")),
    };
    let opts = BuildOptions { out_dir, payer: args.payer, dry_run: args.dry_run, as_of: None, list_claims: true };
    let report =
        build_with_progress(&mut ledger, &opts, &super::progress::TerminalProgress::new(global)).map_err(user_error)?;
    drop(ledger);
    if report.is_empty() && report.skipped.is_empty() {
        global.note("nothing to build: no clean, unbilled encounters (already billed claims are never sent twice)");
    }
    let exit = match &scratch {
        Some(_) => {
            let mut stdout = std::io::stdout().lock();
            for batch in &report.batches {
                let mut file = std::fs::File::open(&batch.path)
                    .with_context(|| format!("reading the preview {}", batch.path.display()))?;
                std::io::copy(&mut file, &mut stdout)?;
            }
            stdout.flush()?;
            let mut shown = report.clone();
            for batch in &mut shown.batches {
                batch.path = PathBuf::from("(standard output)");
            }
            render_to(global, &shown, &mut std::io::stderr().lock())?
        }
        None => render(global, &report)?,
    };
    Ok(if scrubbed.summary.held > 0 { exit.max(Exit::Findings) } else { exit })
}

/// Refusals the user can act on are input errors (exit 3); the rest are ours (exit 4).
pub fn user_error(e: BuildError) -> anyhow::Error {
    match e {
        BuildError::Ledger(_) | BuildError::Io { .. } | BuildError::Write { .. } => anyhow::Error::new(e),
        other => anyhow::Error::new(InputError(other.to_string())),
    }
}

/// Prints the files written, the claims in them and the encounters skipped; exit 1 when some
/// encounters were skipped.
pub fn render(global: &GlobalArgs, report: &BuildReport) -> Result<Exit> {
    render_to(global, report, &mut global.stdout())
}

/// The terminal table lists at most this many claims (JSON and CSV list every one).
const MOST_CLAIMS_LISTED: usize = 1000;

/// [`render`] to `out`.
pub fn render_to(global: &GlobalArgs, report: &BuildReport, out: &mut dyn Write) -> Result<Exit> {
    if global.quiet && global.format == OutputFormat::Table {
        return Ok(if report.skipped.is_empty() { Exit::Clean } else { Exit::Findings });
    }
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
    let mut skipped = Table::new(&[("encounter_id", "Encounter"), ("reason", "Not billed because")])
        .with_title("Encounters not billed");
    for s in &report.skipped {
        skipped.push(vec![s.encounter_id.clone().into(), s.reason.clone().into()]);
    }
    let mut claims = Table::new(&[
        ("pcn", "PCN"),
        ("encounter_id", "Encounter"),
        ("payer_id", "Payer"),
        ("total_charge", "Amount"),
        ("file", "File"),
    ])
    .with_title(if report.dry_run { "Claims a build would bill" } else { "Claims billed" });
    let all_claims = report.batches.iter().flat_map(|b| b.written.iter().map(move |c| (b, c)));
    let listed = if global.format == OutputFormat::Table { MOST_CLAIMS_LISTED } else { usize::MAX };
    for (batch, c) in all_claims.take(listed) {
        claims.push(vec![
            c.pcn.clone().into(),
            c.encounter_id.clone().into(),
            c.payer_id.clone().into(),
            c.total_charge.parse::<rust_decimal::Decimal>().map_or_else(|_| c.total_charge.clone().into(), Cell::Money),
            batch.path.display().to_string().into(),
        ]);
    }
    match global.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &serde_json::json!({
                    "dry_run": report.dry_run,
                    "batches": batches.to_json(),
                    "claims": claims.to_json(),
                    "skipped": skipped.to_json(),
                    "unrecorded_files": report.unrecorded_files,
                }),
            )?;
            writeln!(out)?;
        }
        OutputFormat::Csv => claims.render(OutputFormat::Csv, out)?,
        format => {
            if !batches.is_empty() {
                batches.render(format, out)?;
            }
            if !claims.is_empty() {
                claims.render(format, out)?;
                if report.claims() > claims.len() {
                    writeln!(
                        out,
                        "{} more claims (`--format csv` or `--format json` lists every one)",
                        report.claims() - claims.len()
                    )?;
                }
            }
            if !skipped.is_empty() {
                skipped.render(format, out)?;
            }
        }
    }
    out.flush()?;
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
