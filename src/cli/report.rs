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
    /// Every claim with status, dates and amounts.
    Claims,
    /// A/R buckets (0-30 ... 120+ days) by payer, insurance vs patient balance.
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
}

#[derive(Debug, Args)]
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
    /// Worklist: claims without any answer after this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub no_response_days: i64,
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
    let conn = ledger.conn();
    let built: Report = match args.name {
        ReportName::Claims => report::claims::claims_report(conn, &scope),
        ReportName::Aging => report::claims::aging_report(conn, &scope),
        ReportName::Payers => report::claims::payers_report(conn, &scope),
        ReportName::Summary => report::claims::summary_report(conn, &scope),
        ReportName::Reconciliation => report::remittance::reconciliation_report(conn, &scope),
        ReportName::Denials => report::remittance::denials_report(conn, &scope),
        ReportName::Worklist => report::remittance::worklist_report(conn, &scope, args.no_response_days),
    }
    .context("reading the ledger")?;
    write_report(&built, global.format, args.output.as_ref())?;
    Ok(Exit::Clean)
}

/// Renders to `output` (atomically replaced) or stdout.
pub fn write_report(built: &Report, format: OutputFormat, output: Option<&PathBuf>) -> Result<()> {
    match output {
        Some(path) => {
            let mut bytes = Vec::new();
            built.render(format, &mut bytes)?;
            claimkit::files::write_atomic(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            built.render(format, &mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}
