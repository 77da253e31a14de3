//! `claimkit report NAME [--from DATE] [--to DATE] [--payer ID] [--as-of DATE] [--output FILE]`:
//! the reports billers read, as a table, CSV, JSON or a self-contained HTML page.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use claimkit::report::{self, OutputFormat, Report, ReportScope};
use clap::{Args, ValueEnum};

use super::{Exit, GlobalArgs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportName {
    /// Charges, payments, adjustments, insurance A/R, patient A/R and credits, in total and by payer.
    Balance,
    /// Every claim with status, dates and amounts.
    Claims,
    /// A/R buckets (0-30 ... 120+ days) by responsible party: each payer, and patients.
    Aging,
    /// Claims, billed, paid, denial rate and median days to pay per payer.
    Payers,
    /// The morning overview: unbilled and held encounters, claims by status, billed, paid, A/R.
    Summary,
    /// Per 835 payment: billed, allowed, paid, patient responsibility, adjustments, balanced.
    Reconciliation,
    /// Denied lines by CARC/RARC, payer and procedure.
    Denials,
    /// Everything to act on (rejections, denials, underpayments, unmatched, no response), with the next step.
    Worklist,
    /// Eligibility answers (271) per encounter and coverage, and what each changed.
    Eligibility,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  claimkit report worklist\n  claimkit report summary --as-of 2026-11-25\n  \
                        claimkit --format html report reconciliation --output reconciliation.html\n  \
                        claimkit --format csv report claims --from 2026-10-01 --to 2026-10-31 --payer MCRB1 > october.csv")]
pub struct ReportArgs {
    /// Which report.
    #[arg(value_enum)]
    pub name: ReportName,
    /// First date of service (or payment date for remittance reports) to include.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<NaiveDate>,
    /// Last date to include.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<NaiveDate>,
    /// Only this payer ID.
    #[arg(long, value_name = "ID")]
    pub payer: Option<String>,
    /// Count ages to this date (default today).
    #[arg(long, value_name = "YYYY-MM-DD", env = "CLAIMKIT_TODAY")]
    pub as_of: Option<NaiveDate>,
    /// Worklist: claims without any answer after this many days [default: the config's
    /// `no_response_days`, else 30].
    #[arg(long, value_name = "DAYS")]
    pub no_response_days: Option<i64>,
    /// Write the report to FILE instead of standard output (for `--format html`).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn exec(global: &GlobalArgs, args: ReportArgs) -> Result<Exit> {
    let ledger = global.open_ledger()?;
    let scope = ReportScope {
        from: args.from,
        to: args.to,
        payer: args.payer.clone(),
        as_of: args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive()),
    };
    let conn = &ledger;
    if args.name == ReportName::Balance && global.format == OutputFormat::Json {
        let json = report::claims::balance_json(conn, &scope).context("reading the ledger")?;
        let text = serde_json::to_string_pretty(&json)? + "\n";
        match &args.output {
            Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?,
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())?;
                out.flush()?;
            }
        }
        return Ok(Exit::Clean);
    }
    let no_response_days = args.no_response_days.or(global.settings.report.no_response_days).unwrap_or(30);
    let mut built: Report = match args.name {
        ReportName::Balance => report::claims::balance_report(conn, &scope),
        ReportName::Claims => report::claims::claims_report(conn, &scope),
        ReportName::Aging => report::claims::aging_report(conn, &scope),
        ReportName::Payers => report::claims::payers_report(conn, &scope),
        ReportName::Summary => report::claims::summary_report(conn, &scope),
        ReportName::Reconciliation => report::remittance::reconciliation_report(conn, &scope),
        ReportName::Denials => report::remittance::denials_report(conn, &scope),
        ReportName::Worklist => report::remittance::worklist_report(conn, &scope, no_response_days),
        ReportName::Eligibility => claimkit::eligibility::report::eligibility_report(conn, &scope),
    }
    .context("reading the ledger")?;
    report::present(&mut built, &global.presentation(&ledger));
    write_report(global, &built, args.output.as_ref())?;
    Ok(Exit::Clean)
}

/// Renders to `output` (atomically replaced, mode 0600) or stdout.
pub fn write_report(global: &GlobalArgs, built: &Report, output: Option<&PathBuf>) -> Result<()> {
    let format: OutputFormat = global.format;
    match output {
        Some(path) => {
            let mut bytes = Vec::new();
            built.render(format, &mut bytes)?;
            claimkit::files::write_atomic(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let mut out = global.stdout();
            built.render(format, &mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}
