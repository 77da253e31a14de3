//! `claimkit nightly [--inbox DIR] [--outbox DIR] [--archive DIR] [--mapping FILE] [--fail-on new|any]`:
//! the unattended run for cron. Imports EMR exports, posts acknowledgments and remittances,
//! scrubs, builds 837P batches, archives what it processed, and prints one summary (JSON with
//! `--format json`). Folders, mappings, the tolerance and the exit policy can come from
//! `claimkit.toml` instead of options.
//!
//! Exit policy (`fail_on`): with `new` (the default) the run exits 1 only for findings the previous
//! run did not have, and 3 only for an inbox file that newly failed or newly held records that
//! cannot be read as claim data (as `import` does); with `any`, for every one.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use claimkit::codes::ImportKind;
use claimkit::config::FailOn;
use claimkit::ingest::Mapping;
use claimkit::nightly::{self, NightlyOptions, NightlySummary};
use claimkit::remit835::{ContractRates, NoContractRates, PostOptions};
use claimkit::report::{Cell, OutputFormat, Table};
use claimkit::scrub::CodeSetReference;
use rust_decimal::Decimal;

use super::progress::TerminalProgress;
use super::{Exit, GlobalArgs, InputError, UsageError};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  claimkit nightly --inbox /srv/billing/inbox --outbox /srv/billing/outbox --archive /srv/billing/archive\n  \
                        claimkit --config /srv/billing/claimkit.toml -q nightly        (folders from the config; for cron)\n  \
                        claimkit nightly --inbox in --outbox out --mapping athena.toml --fail-on any"
)]
pub struct NightlyArgs {
    /// Where the EMR exports and the clearinghouse's 999/TA1/277CA/835 files arrive [default: the config's].
    #[arg(long, value_name = "DIR")]
    pub inbox: Option<PathBuf>,
    /// Where the 837P batches are written [default: the config's].
    #[arg(long, value_name = "DIR")]
    pub outbox: Option<PathBuf>,
    /// Move processed inbox files to DIR/<date>/ (without it they stay, recognised by content).
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
    /// Column mapping (TOML) for CSV exports no pattern of the config matches.
    #[arg(long, value_name = "FILE.toml")]
    pub mapping: Option<PathBuf>,
    /// Exit 1 for new findings only (not there after the last run), or for any [default: the config's, else new].
    #[arg(long, value_enum, value_name = "new|any")]
    pub fail_on: Option<FailOn>,
    /// The date taken as today (timely filing, future dates, archive folder).
    #[arg(long, env = "CLAIMKIT_TODAY", value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
    /// A paid line allowed this much (or less) below its contract rate is not an underpayment
    /// [default: the config's `tolerances.underpayment`, else 1.00].
    #[arg(long, value_name = "AMOUNT")]
    pub underpayment_tolerance: Option<Decimal>,
}

pub fn exec(global: &GlobalArgs, args: NightlyArgs) -> Result<Exit> {
    let settings = &global.settings.nightly;
    let inbox = args.inbox.or_else(|| settings.inbox.clone()).ok_or_else(|| {
        UsageError("no inbox: give --inbox DIR or set `inbox` under [nightly] in claimkit.toml".into())
    })?;
    let outbox = args.outbox.or_else(|| settings.outbox.clone()).ok_or_else(|| {
        UsageError("no outbox: give --outbox DIR or set `outbox` under [nightly] in claimkit.toml".into())
    })?;
    let archive = args.archive.or_else(|| settings.archive.clone());
    let fail_on = args.fail_on.or(settings.fail_on).unwrap_or_default();
    let load = |path: &PathBuf| Mapping::load(path).map_err(|e| InputError(e.to_string()));
    let mapping = match args.mapping.as_ref().or(settings.mapping.as_ref()) {
        Some(path) => Some(load(path)?),
        None => None,
    };
    let mut mappings = Vec::with_capacity(settings.mappings.len());
    for m in &settings.mappings {
        mappings.push((m.pattern.clone(), load(&m.mapping)?));
    }
    let tolerance = args
        .underpayment_tolerance
        .or(global.settings.tolerances.underpayment)
        .unwrap_or_else(|| PostOptions::default().underpayment_tolerance);
    // The lock is taken first: a second run exits 75 at once instead of waiting.
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    std::fs::create_dir_all(&outbox).with_context(|| format!("creating {}", outbox.display()))?;
    let imported = claimkit::ledger::codesets::load_imported(ledger.conn()).context("loading imported code sets")?;
    let fees = claimkit::ledger::codesets::load_imported_kinds(ledger.conn(), &[ImportKind::FeeSchedule])?.fees;
    let reference = CodeSetReference::new(imported);
    let rates: &dyn ContractRates = match &fees {
        Some(schedule) => schedule,
        None => &NoContractRates,
    };
    let today = args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let options = NightlyOptions {
        inbox,
        outbox,
        archive,
        today,
        reference: &reference,
        rates,
        post: PostOptions { underpayment_tolerance: tolerance, ..PostOptions::default() },
        mappings,
        mapping,
    };
    let mut summary = nightly::run(&mut ledger, &options, &TerminalProgress::new(global))?;
    nightly::remember_findings(&mut ledger, &mut summary, today).context("remembering the run's findings")?;
    print_summary(global, &summary)?;
    Ok(exit_for(&summary, fail_on))
}

/// The exit code of a run: 3 when an inbox file, or a record of an export, could not be read (a
/// code, date or ID with a character X12 cannot carry), 1 when a biller must act;
/// with `fail_on = new`, only for what the previous run did not already report.
pub fn exit_for(summary: &NightlySummary, fail_on: FailOn) -> Exit {
    let (input_errors, findings) = match fail_on {
        FailOn::Any => (summary.has_input_errors(), summary.needs_attention()),
        FailOn::New => (summary.has_new_input_errors(), summary.has_new_findings()),
    };
    if input_errors {
        Exit::InputError
    } else if findings {
        Exit::Findings
    } else {
        Exit::Clean
    }
}

pub fn print_summary(global: &GlobalArgs, summary: &NightlySummary) -> Result<()> {
    let mut out = global.stdout();
    if global.format == OutputFormat::Json {
        let mut json = serde_json::to_value(summary)?;
        claimkit::report::json_vocabulary(&mut json);
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    let mut files = Table::new(&[
        ("file", "File"),
        ("kind", "Kind"),
        ("result", "Result"),
        ("detail", "Detail"),
        ("archived_to", "Archived to"),
    ])
    .with_title("Inbox")
    .low_priority(&["archived_to", "kind"]);
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
        ("records unreadable (exit 3)", summary.records_unreadable),
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
    let mut findings = Table::new(&[
        ("new", "New"),
        ("kind", "Kind"),
        ("reference", "Encounter / file"),
        ("detail", "Detail"),
        ("since", "Since"),
    ])
    .with_title(format!(
        "Findings ({} new, {} already there after the last run)",
        summary.findings.iter().filter(|f| f.new).count(),
        summary.findings.iter().filter(|f| !f.new).count()
    ));
    // New findings first: they are what the exit code is about.
    for f in summary.findings.iter().filter(|f| f.new).chain(summary.findings.iter().filter(|f| !f.new)) {
        findings.push(vec![
            if f.new { "new" } else { "" }.into(),
            f.kind.into(),
            f.reference.clone().into(),
            f.detail.clone().into(),
            f.since.clone().into(),
        ]);
    }
    if !files.is_empty() {
        files.render(global.format, &mut out)?;
    }
    steps.render(global.format, &mut out)?;
    if !findings.is_empty() {
        findings.render(global.format, &mut out)?;
    }
    out.flush()?;
    Ok(())
}
