//! `claimkit statements --out DIR [--patient ID] [--min-balance AMOUNT] [--as-of DATE]`: one
//! print-ready HTML statement per patient with a balance (or `--format csv` of the same data for a
//! print vendor); each statement written is recorded as sent on its date.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use claimkit::report::{Cell, OutputFormat, Report, Table};
use claimkit::statement::{self, StatementOptions};
use clap::Args;
use rust_decimal::Decimal;

use super::{Exit, GlobalArgs};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  claimkit statements --out statements/\n  \
    claimkit statements --out statements/ --patient PAT1001\n  \
    claimkit --format csv statements --out vendor/ --min-balance 5.00")]
pub struct StatementsArgs {
    /// Where to write the statements (one HTML file per patient, or statements.csv).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Only this patient's statement (whatever the balance).
    #[arg(long, value_name = "ID")]
    pub patient: Option<String>,
    /// Only patients owing at least this much.
    #[arg(long, value_name = "AMOUNT", default_value = "0.01")]
    pub min_balance: Decimal,
    /// The statement date (default today); the due date follows it (30 days, or the practice's).
    #[arg(long, value_name = "YYYY-MM-DD", env = "CLAIMKIT_TODAY")]
    pub as_of: Option<NaiveDate>,
}

pub fn exec(global: &GlobalArgs, args: StatementsArgs) -> Result<Exit> {
    let (_lock, ledger) = global.open_ledger_for_writing()?;
    let Some(practice) = claimkit::ledger::billing::load_practice(ledger.conn())? else {
        bail!("no practice is loaded in the ledger: run `claimkit init --practice FILE.toml` first");
    };
    let opts = StatementOptions {
        as_of: args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive()),
        patient: args.patient.clone(),
        min_balance: args.min_balance,
    };
    let statements = statement::statements(&ledger, &practice, &opts).context("reading the ledger")?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut t = Table::new(&[
        ("account", "Account"),
        ("visits", "Visits"),
        ("total_due", "Total due"),
        ("due_date", "Due"),
        ("file", "File"),
    ])
    .with_title(format!("Statements ({})", statements.len()));
    let csv_path = args.out.join(format!("statements-{}.csv", opts.as_of));
    if global.format == OutputFormat::Csv {
        let mut bytes = Vec::new();
        statement::csv(&statements, &mut bytes)?;
        claimkit::files::write_atomic(&csv_path, &bytes).with_context(|| format!("writing {}", csv_path.display()))?;
    }
    for s in &statements {
        let file = if global.format == OutputFormat::Csv {
            csv_path.clone()
        } else {
            let name: String =
                s.account.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
            let path = args.out.join(format!("statement-{name}-{}.html", opts.as_of));
            claimkit::files::write_atomic(&path, statement::html(s).as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            path
        };
        statement::record_sent(&ledger, s, Some(&file.display().to_string())).context("recording the statement")?;
        t.push(vec![
            s.account.clone().into(),
            (s.visits.len() as i64).into(),
            Cell::Money(s.total_due),
            s.due_date.into(),
            file.display().to_string().into(),
        ]);
    }
    let report =
        Report::new("statements", "Patient statements", format!("as of {}", opts.as_of)).section("statements", t, None);
    let shown = if global.format == OutputFormat::Csv { OutputFormat::Table } else { global.format };
    let mut summary_global = global.clone();
    summary_global.format = shown;
    super::report::write_report(&summary_global, &report, None)?;
    Ok(Exit::Clean)
}
