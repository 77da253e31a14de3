//! `claimkit remit FILE... [--underpayment-tolerance AMOUNT]`
//!
//! Posts 835 remittances to the ledger, one transaction per file, and prints per payment: payer,
//! trace, amount, claims matched and unmatched, balanced, findings, or "already posted". Then the
//! findings, unmatched claims and lines, and underpayments. Exit 1 when a file is unbalanced, has
//! unmatched claims or lines, or underpayments; 3 when a file cannot be read as an 835.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use claimkit::codes::ImportKind;
use claimkit::remit835::{
    ContractRates, NoContractRates, PostOptions, PostOutcome, PostReport, post_835_with_progress,
};
use claimkit::report::{OutputFormat, Table};
use rust_decimal::Decimal;

use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  claimkit remit inbox/*.835\n  claimkit --format json remit payment.835 > posted.json\n  \
                        claimkit remit --underpayment-tolerance 0.50 payment.835\n\n\
                        Then run `claimkit build` again: secondary payers are billed once the primary's 835 is posted."
)]
pub struct RemitArgs {
    /// 835 remittance files (005010X221A1); several envelopes per file are fine.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// A paid line allowed this much (or less) below its contract rate is not an underpayment
    /// [default: the config's `tolerances.underpayment`, else 1.00].
    #[arg(long, value_name = "AMOUNT")]
    pub underpayment_tolerance: Option<Decimal>,
}

pub fn exec(global: &GlobalArgs, args: RemitArgs) -> Result<Exit> {
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let tolerance = args
        .underpayment_tolerance
        .or(global.settings.tolerances.underpayment)
        .unwrap_or_else(|| PostOptions::default().underpayment_tolerance);
    let options = PostOptions { underpayment_tolerance: tolerance, ..PostOptions::default() };
    let mut options = options;
    if global.format == OutputFormat::Table {
        // What a terminal shows of one payment's findings, unmatched items and underpayments; the
        // rest are counted (all are in the ledger, and `--format json` lists up to the default).
        options.max_listed = super::MOST_LINES_PER_FILE;
    }
    // The imported fee schedule, when there is one, is what each paid line is held against.
    let fees = claimkit::ledger::codesets::load_imported_kinds(ledger.conn(), &[ImportKind::FeeSchedule])?.fees;
    let rates: &dyn ContractRates = match &fees {
        Some(schedule) => schedule,
        None => &NoContractRates,
    };
    let mut worst = Exit::Clean;
    let progress = super::progress::TerminalProgress::new(global);
    let mut reports = Vec::new();
    for path in &args.files {
        match post_835_with_progress(&mut ledger, path, rates, &options, &progress) {
            Ok(report) => {
                if report.needs_attention() {
                    worst = worst.max(Exit::Findings);
                }
                reports.push(report);
            }
            Err(e) if e.is_input_error() => {
                super::warn(format_args!("claimkit: error: {e}"));
                if global.show_data
                    && let Some(text) = e.segment_text()
                {
                    super::warn(format_args!("claimkit: segment text: {text}"));
                }
                worst = worst.max(Exit::InputError);
            }
            Err(e) => return Err(e.into()),
        }
    }
    render(global, &reports)?;
    Ok(worst)
}

fn render(global: &GlobalArgs, reports: &[PostReport]) -> Result<()> {
    let mut out = global.stdout();
    if global.format == OutputFormat::Json {
        let mut json = serde_json::to_value(reports)?;
        claimkit::report::json_vocabulary(&mut json);
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        return Ok(());
    }
    let mut payments = Table::new(&[
        ("file", "File"),
        ("payer_id", "Payer ID"),
        ("payer", "Payer"),
        ("trace_number", "Trace"),
        ("payment_date", "Date"),
        ("amount", "Amount"),
        ("claims", "Claims"),
        ("claims_matched", "Matched"),
        ("claims_unmatched", "Unmatched claims"),
        ("lines_unmatched", "Unmatched lines"),
        ("underpayments", "Underpaid lines"),
        ("balanced", "Balanced"),
        ("findings", "Findings"),
        ("status", "Status"),
    ])
    .with_title("Payments");
    let mut findings = Table::new(&[
        ("file", "File"),
        ("trace_number", "Trace"),
        ("level", "Level"),
        ("code", "Code"),
        ("pcn", "PCN"),
        ("line", "Line"),
        ("expected", "Expected"),
        ("actual", "Actual"),
        ("segment", "Segment"),
        ("message", "Message"),
    ])
    .with_title("Findings");
    let mut unmatched = Table::new(&[
        ("file", "File"),
        ("trace_number", "Trace"),
        ("kind", "Kind"),
        ("clp01", "CLP01"),
        ("payer_claim_number", "Payer claim"),
        ("line", "Line"),
        ("code", "Code"),
        ("charge", "Charge"),
        ("paid", "Paid"),
        ("reason", "Reason"),
    ])
    .with_title("Unmatched (stored in the ledger; nothing was dropped)");
    let mut underpaid = Table::new(&[
        ("file", "File"),
        ("trace_number", "Trace"),
        ("pcn", "PCN"),
        ("line", "Line"),
        ("code", "Code"),
        ("allowed", "Allowed"),
        ("source", "Allowed from"),
        ("rate", "Contract rate"),
        ("shortfall", "Shortfall"),
    ])
    .with_title("Underpayments");
    for r in reports {
        let file = r.file.display().to_string();
        for t in &r.transactions {
            let status = match (&t.already_posted_from, r.outcome) {
                (Some(from), _) if *from != file => format!("already posted (from {from})"),
                (Some(_), _) | (None, PostOutcome::AlreadyPosted) => "already posted".to_string(),
                (None, PostOutcome::Posted) => "posted".to_string(),
            };
            payments.push(vec![
                file.clone().into(),
                t.payer_id.clone().into(),
                t.payer_name.clone().into(),
                t.trace.clone().into(),
                t.payment_date.into(),
                t.amount.into(),
                t.claims.into(),
                t.matched_claims.into(),
                t.unmatched_claims.into(),
                t.unmatched_lines.into(),
                t.underpayments.into(),
                t.balanced.into(),
                t.finding_count.into(),
                status.into(),
            ]);
            for f in &t.findings {
                findings.push(vec![
                    file.clone().into(),
                    f.trace.clone().into(),
                    f.level.as_str().into(),
                    f.code.into(),
                    f.pcn.clone().into(),
                    f.line.map(i64::from).into(),
                    f.expected.into(),
                    f.actual.into(),
                    f.at.segment.into(),
                    f.message.clone().into(),
                ]);
            }
        }
        for u in &r.unmatched {
            unmatched.push(vec![
                file.clone().into(),
                u.trace.clone().into(),
                u.kind.into(),
                u.clp01.clone().into(),
                u.payer_claim_number.clone().into(),
                u.line.map(i64::from).into(),
                u.procedure_code.clone().into(),
                u.charge.into(),
                u.paid.into(),
                u.reason.clone().into(),
            ]);
        }
        for t in r.transactions.iter().filter(|t| t.finding_count > t.findings.len() as u64) {
            global.note(format!(
                "{file}: {} more findings of payment {} are in the ledger (table remittance_findings)",
                t.finding_count - t.findings.len() as u64,
                t.trace
            ));
        }
        if r.unmatched_total > r.unmatched.len() as u64 {
            global.note(format!(
                "{file}: {} more unmatched items are in the ledger (table remit_unmatched)",
                r.unmatched_total - r.unmatched.len() as u64
            ));
        }
        for u in &r.underpayments {
            underpaid.push(vec![
                file.clone().into(),
                u.trace.clone().into(),
                u.pcn.clone().into(),
                u.line_number.into(),
                u.procedure_code.clone().into(),
                u.allowed.into(),
                u.allowed_source.into(),
                u.contract_rate.into(),
                u.shortfall.into(),
            ]);
        }
    }
    match global.format {
        OutputFormat::Csv => payments.render(OutputFormat::Csv, &mut out)?,
        _ => {
            payments.render(OutputFormat::Table, &mut out)?;
            for t in [&findings, &unmatched, &underpaid] {
                if !t.is_empty() {
                    t.render(OutputFormat::Table, &mut out)?;
                }
            }
        }
    }
    Ok(())
}
