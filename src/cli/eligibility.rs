//! `claimkit eligibility request|post`: ask the payers about the coverages of the encounters not
//! yet billed (270) and record their answers (271).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use claimkit::eligibility::EligibilityError;
use claimkit::eligibility::post::post_file;
use claimkit::eligibility::request::{RequestOptions, request};
use claimkit::report::{OutputFormat, Table};
use clap::{Args, Subcommand};

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, Args)]
pub struct EligibilityArgs {
    #[command(subcommand)]
    pub command: EligibilityCommand,
}

#[derive(Debug, Subcommand)]
pub enum EligibilityCommand {
    /// Write 270 inquiries (one file per receiver) for every coverage of the encounters not yet billed.
    #[command(after_help = "Examples:\n  claimkit eligibility request --out outbox/\n  \
                            claimkit eligibility request --out outbox/ --encounter E1001 --as-of 2026-11-03")]
    Request(RequestArgs),
    /// Record the answers of 271 files (a file already posted changes nothing).
    #[command(after_help = "Examples:\n  claimkit eligibility post inbox/CLEARINGHOUSE-000000001.271\n  \
                            claimkit simulate --from outbox/CLEARINGHOUSE-000000001.270 --out payer/ && \
                            claimkit eligibility post payer/*.271")]
    Post(PostArgs),
}

#[derive(Debug, Args)]
pub struct RequestArgs {
    /// Directory for the 270 files (<receiver>-<ISA13>.270).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Only this encounter (billed or not).
    #[arg(long, value_name = "ID")]
    pub encounter: Option<String>,
    /// The date of the inquiry (BHT04) [default: today].
    #[arg(long, value_name = "YYYY-MM-DD", env = "CLAIMKIT_TODAY")]
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct PostArgs {
    /// 271 files.
    #[arg(required = true, value_name = "FILE.271")]
    pub files: Vec<PathBuf>,
}

pub fn exec(global: &GlobalArgs, args: EligibilityArgs) -> Result<Exit> {
    match args.command {
        EligibilityCommand::Request(a) => exec_request(global, a),
        EligibilityCommand::Post(a) => exec_post(global, a),
    }
}

fn input_error(e: EligibilityError) -> anyhow::Error {
    match e {
        EligibilityError::Read { .. } | EligibilityError::Content { .. } | EligibilityError::UnknownEncounter(_) => {
            InputError(e.to_string()).into()
        }
        e => e.into(),
    }
}

fn exec_request(global: &GlobalArgs, args: RequestArgs) -> Result<Exit> {
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let now = chrono::Local::now().naive_local();
    let at = match args.as_of {
        Some(d) => d.and_time(now.time()),
        None => now,
    };
    let opts = RequestOptions { encounter: args.encounter, out_dir: args.out, at };
    let report = request(&mut ledger, &opts).map_err(input_error)?;
    for n in &report.not_asked {
        global.warn(format!("encounter {}: not asked: {}", n.encounter_id, n.reason));
    }
    let mut out = global.stdout();
    if global.format == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        let mut t = Table::new(&[
            ("receiver", "Receiver"),
            ("file", "File"),
            ("isa13", "ISA13"),
            ("payers", "Payers"),
            ("inquiries", "Inquiries"),
        ]);
        for f in &report.files {
            t.push(vec![
                f.receiver_id.clone().into(),
                f.path.display().to_string().into(),
                f.isa13.into(),
                f.payers.into(),
                f.inquiries.into(),
            ]);
        }
        if global.format == OutputFormat::Table {
            writeln!(
                out,
                "{} encounters, {} inquiries in {} file(s), {} coverages not asked about",
                report.encounters,
                report.inquiries,
                report.files.len(),
                report.not_asked.len()
            )?;
        }
        t.render(global.format, &mut out)?;
    }
    out.flush()?;
    Ok(if report.not_asked.is_empty() { Exit::Clean } else { Exit::Findings })
}

fn exec_post(global: &GlobalArgs, args: PostArgs) -> Result<Exit> {
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let mut posted = Vec::new();
    for path in &args.files {
        posted.push(post_file(&mut ledger, path).map_err(input_error)?);
    }
    let mut out = global.stdout();
    if global.format == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut out, &posted)?;
        writeln!(out)?;
    } else {
        let mut t = Table::new(&[
            ("file", "File"),
            ("result", "Result"),
            ("answers", "Answers"),
            ("recorded", "Recorded"),
            ("unmatched", "Unmatched"),
        ]);
        for p in &posted {
            t.push(vec![
                p.path.display().to_string().into(),
                if p.posted { "posted" } else { "already posted" }.into(),
                p.answers.into(),
                p.recorded.into(),
                p.unmatched.into(),
            ]);
        }
        t.render(global.format, &mut out)?;
    }
    out.flush()?;
    let unmatched: u64 = posted.iter().map(|p| p.unmatched).sum();
    if unmatched > 0 {
        global.warn(format!("{unmatched} answer(s) match no inquiry claimkit sent"));
    }
    Ok(if unmatched > 0 { Exit::Findings } else { Exit::Clean })
}
