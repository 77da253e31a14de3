//! `claimkit scrub [--encounter ID] [--list-rules] [--as-of DATE]`
//!
//! Runs every scrub rule on every encounter not yet billed (or one encounter), stores each
//! encounter's findings and status in the ledger, and prints one row per finding and a summary.
//! Exit 0 when every encounter is clean or warning-only, 1 when any has errors (held from billing).

use std::io::Write;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use claimkit::report::{Cell, OutputFormat, Table};
use claimkit::scrub::{CodeSetReference, Finding, RULES, ScrubError, ScrubOptions, ScrubRun, run_scrub_with_progress};

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  claimkit scrub\n  claimkit scrub --encounter E1001\n  claimkit scrub --list-rules\n  CLAIMKIT_TODAY=2026-11-25 claimkit --format csv scrub > findings.csv"
)]
pub struct ScrubArgs {
    /// Scrub only this encounter (even if already billed).
    #[arg(long, value_name = "ID", conflicts_with = "list_rules")]
    pub encounter: Option<String>,
    /// List every rule with its ID, severity, SNIP level and description, and exit.
    #[arg(long)]
    pub list_rules: bool,
    /// The date taken as today (YYYY-MM-DD), for reproducible runs; default the real date.
    #[arg(long, env = "CLAIMKIT_TODAY", value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)"))
}

pub fn exec(global: &GlobalArgs, args: ScrubArgs) -> Result<Exit> {
    let mut out = global.stdout();
    if args.list_rules {
        rules_table().render(global.format, &mut out)?;
        out.flush()?;
        return Ok(Exit::Clean);
    }
    let today = args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let reference = CodeSetReference::new(
        claimkit::ledger::codesets::load_imported(ledger.conn()).context("loading imported code sets")?,
    );
    let options = ScrubOptions { encounter: args.encounter, today, reference: &reference };
    let mut run = match run_scrub_with_progress(&mut ledger, &options, &super::progress::TerminalProgress::new(global))
    {
        Ok(run) => run,
        Err(e @ (ScrubError::NoPractice | ScrubError::UnknownEncounter(_))) => {
            return Err(InputError(e.to_string()).into());
        }
        Err(e) => return Err(e).context("scrub"),
    };
    // Patient data behind a finding goes into the message only with --show-data.
    for f in run.encounters.iter_mut().flat_map(|e| e.findings.iter_mut()) {
        f.message = f.message_with_data(global.show_data);
        f.data = None;
    }
    match global.format {
        OutputFormat::Json => {
            let json = serde_json::json!({
                "encounters": run.encounters.iter().map(|e| serde_json::json!({
                    "id": e.id,
                    "status": e.status,
                    "changed": e.changed,
                    "findings": e.findings,
                })).collect::<Vec<_>>(),
                "summary": run.summary,
                "not_checked": run.not_checked,
            });
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        OutputFormat::Csv | OutputFormat::Html => findings_table(&run).render(global.format, &mut out)?,
        OutputFormat::Table => {
            let table = findings_table(&run);
            if !table.is_empty() {
                table.render(OutputFormat::Table, &mut out)?;
            }
            writeln!(out, "{}", summary_line(&run))?;
        }
    }
    out.flush()?;
    Ok(if run.has_errors() { Exit::Findings } else { Exit::Clean })
}

fn rules_table() -> Table {
    let mut t =
        Table::new(&[("id", "Rule"), ("severity", "Severity"), ("snip_level", "SNIP"), ("description", "Checks")]);
    for r in RULES {
        t.push(vec![r.id.into(), r.severity.as_str().into(), i64::from(r.snip_level).into(), r.description.into()]);
    }
    t
}

fn finding_row(f: &Finding, encounter: &str) -> Vec<Cell> {
    vec![
        encounter.into(),
        f.line.map(i64::from).into(),
        f.rule_id.into(),
        f.severity.as_str().into(),
        f.message.clone().into(),
        f.fix.clone().into(),
    ]
}

fn findings_table(run: &ScrubRun) -> Table {
    let mut t = Table::new(&[
        ("encounter", "Encounter"),
        ("line", "Line"),
        ("rule", "Rule"),
        ("severity", "Severity"),
        ("message", "Problem"),
        ("fix", "Fix"),
    ]);
    for e in &run.encounters {
        for f in &e.findings {
            t.push(finding_row(f, &e.id));
        }
    }
    for f in &run.not_checked {
        t.push(finding_row(f, "(all)"));
    }
    t
}

fn summary_line(run: &ScrubRun) -> String {
    let s = &run.summary;
    let mut line = format!(
        "{} encounters scrubbed ({} service lines): {} clean, {} warning, {} error; {} held from billing",
        s.encounters, s.service_lines, s.clean, s.warning, s.error, s.held
    );
    if s.unchanged > 0 {
        line.push_str(&format!("; {} unchanged since the last scrub", s.unchanged));
    }
    if !run.not_checked.is_empty() {
        line.push_str(&format!("; {} rule table(s) not loaded (not checked)", run.not_checked.len()));
    }
    line
}
