//! `claimkit demo [--dir DIR] [--as-of DATE]`: the whole billing cycle on the built-in sample
//! practice, in a fresh directory: init, import CSV + FHIR + HL7, scrub, build, the simulated
//! payer's 999/277CA/835, acknowledgments, remittances, and the morning reports.

use std::path::PathBuf;

use std::io::Write;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use claimkit::demo;
use claimkit::report::OutputFormat;

use super::progress::TerminalProgress;
use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  claimkit demo\n  claimkit demo --dir /tmp/claimkit-demo --as-of 2026-11-25\n\nThe demo keeps its own ledger in DIR/claimkit.db, whatever the ledger option or CLAIMKIT_DB say."
)]
pub struct DemoArgs {
    /// The demo directory (created; rebuilt if an earlier demo made it).
    #[arg(long, value_name = "DIR", default_value = "claimkit-demo")]
    pub dir: PathBuf,
    /// The date taken as today (default 2026-11-25, the day the sample data is written for).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<NaiveDate>,
}

pub fn exec(global: &GlobalArgs, args: DemoArgs) -> Result<Exit> {
    let today = args.as_of.unwrap_or_else(demo::sample_today);
    global.note(format!("claimkit demo in {} (today = {today})", args.dir.display()));
    if global.db_key.is_some() {
        global
            .warn("the demo's ledger is plaintext (the key given is not used); encrypt it with `claimkit db encrypt`");
    }
    let outcome = match demo::run(&args.dir, today, &TerminalProgress::new(global)) {
        Ok(outcome) => outcome,
        Err(e @ demo::DemoError::NotADemoDir(_)) => return Err(InputError(e.to_string()).into()),
        Err(e) => return Err(e).context("demo"),
    };
    let layout = &outcome.layout;
    if global.format == OutputFormat::Json {
        // One JSON document for scripts: both nights, the payer's answers, every report.
        let reports: serde_json::Map<String, serde_json::Value> =
            outcome.reports.iter().map(|r| (r.name.clone(), r.to_json())).collect();
        let doc = serde_json::json!({
            "dir": layout.root,
            "ledger": layout.db,
            "today": today,
            "billing_night": outcome.billing_night,
            "payer": outcome.payer,
            "posting_night": outcome.posting_night,
            "reports": reports,
        });
        let mut out = global.stdout();
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        out.flush()?;
        return Ok(Exit::Clean);
    }
    let heading = |text: String| -> std::io::Result<()> {
        if global.format == OutputFormat::Table && !global.quiet {
            let mut out = std::io::stdout().lock();
            writeln!(out, "\n== {text}\n")?;
            out.flush()?;
        }
        Ok(())
    };
    heading("Night 1: import the EMR exports (CSV, FHIR, HL7), scrub, build 837P".into())?;
    super::nightly::print_summary(global, &outcome.billing_night)?;
    for answer in &outcome.payer {
        heading(format!(
            "The payer answers: {} claims: {} paid, {} denied, {} rejected by the 277CA{}",
            answer.claims,
            answer.paid.len(),
            answer.denied.len(),
            answer.rejected.len(),
            answer.reversed.as_ref().map(|p| format!("; payment reversed and corrected for {p}")).unwrap_or_default()
        ))?;
    }
    heading("Night 2: post the 999, 277CA and 835, bill secondary payers".into())?;
    super::nightly::print_summary(global, &outcome.posting_night)?;
    for report in &outcome.reports {
        heading(format!("Report: {}", report.name))?;
        let mut out = global.stdout();
        report.render(global.format, &mut out)?;
        out.flush()?;
    }
    heading(format!(
        "Where things are\nledger: {}\n837P files: {}\npayer files: {}\nHTML reports: {}\nlook at one claim: claimkit --db {} claim show PCN",
        layout.db.display(),
        layout.outbox.display(),
        layout.payer.display(),
        layout.reports.display(),
        layout.db.display()
    ))?;
    Ok(Exit::Clean)
}
