//! `claimkit status-request --out DIR [--older-than DAYS] [--as-of DATE]`: write 276 claim status
//! requests (one per receiver) for claims without a final answer, and record them.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use claimkit::report::{OutputFormat, Table};
use claimkit::status::StatusError;
use claimkit::status::request::{RequestOptions, write_status_requests};

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  claimkit status-request --out outbox\n  \
                        claimkit status-request --out outbox --older-than 45 --as-of 2027-02-01\n  \
                        claimkit simulate --from outbox/CLEARINGHOUSE-000000003.276 --out payer/   (a test answer)")]
pub struct StatusRequestArgs {
    /// Directory the 276 files are written to, created if needed.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Ask about claims submitted or accepted more than this many days ago and not answered.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub older_than: u64,
    /// The date taken as today [default: today].
    #[arg(long, value_name = "YYYY-MM-DD", env = "CLAIMKIT_TODAY")]
    pub as_of: Option<chrono::NaiveDate>,
}

pub fn exec(global: &GlobalArgs, args: StatusRequestArgs) -> Result<Exit> {
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let as_of = args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let at = chrono::Local::now().naive_local();
    let opts = RequestOptions { out_dir: args.out, older_than_days: args.older_than, as_of, at };
    let summary = match write_status_requests(&mut ledger, &opts) {
        Ok(s) => s,
        Err(e @ StatusError::NoPractice) => return Err(InputError(e.to_string()).into()),
        Err(e) => return Err(e.into()),
    };
    if summary.files.is_empty() {
        global.note(format!(
            "no claim without a final answer was sent more than {} days before {as_of}: nothing to ask",
            args.older_than
        ));
    }
    let mut out = global.stdout();
    if global.format == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
    } else {
        let mut t = Table::new(&[
            ("file", "File"),
            ("receiver_id", "Receiver"),
            ("pcn", "PCN"),
            ("payer_id", "Payer"),
            ("submitted_on", "Submitted"),
        ]);
        for f in &summary.files {
            for (pcn, payer, submitted) in &f.claims {
                t.push(vec![
                    f.path.display().to_string().into(),
                    f.receiver_id.clone().into(),
                    pcn.clone().into(),
                    payer.clone().into(),
                    submitted.clone().into(),
                ]);
            }
        }
        if !summary.files.is_empty() {
            t.render(global.format, &mut out)?;
        }
        for (pcn, why) in &summary.skipped {
            global.warn(format!("claim {pcn} not asked about: {why}"));
        }
    }
    out.flush()?;
    Ok(if summary.skipped.is_empty() { Exit::Clean } else { Exit::Findings })
}
