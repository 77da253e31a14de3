//! `claimkit simulate --from FILE.837 --out DIR`: write the 999, 277CA and 835 a payer would send;
//! `--from FILE.276` (recognised by content): the 277 claim status response.
//! `claimkit simulate --from FILE.270 --out DIR`: write the 271.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use claimkit::eligibility::respond::{RespondOptions, is_270, respond_file};
use claimkit::eligibility::{EligibilityError, Outcome};
use claimkit::report::{OutputFormat, Table};
use claimkit::simulate::{SimulateError, SimulateOptions, simulate_files};
use claimkit::x12::WriteError;
use rust_decimal::Decimal;

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  claimkit simulate --from outbox/CLEARINGHOUSE-000000001.837 --out payer/\n  claimkit simulate --from batch.837 --out payer/ --seed 7 --deny-rate 0.2\n  claimkit simulate --from outbox/CLEARINGHOUSE-000000002.270 --out payer/ --seed 3"
)]
pub struct SimulateArgs {
    /// The 837P, 276 (claim status request) or 270 (eligibility inquiry) to answer.
    #[arg(long, value_name = "FILE.837|FILE.276|FILE.270")]
    pub from: PathBuf,
    /// Directory for <name>.999, <name>.277ca and <name>.835 (for a 276: <name>.277).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Same seed, same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Share of claims denied in the 835, 0 to 1; a quarter of that share is rejected up front by the 277CA.
    #[arg(long, default_value = "0.1", value_parser = parse_rate)]
    pub deny_rate: Decimal,
    /// Payer name in the 277CA and 835 (default: the 837's NM1*PR name).
    #[arg(long)]
    pub payer_name: Option<String>,
    /// A 270: answer every inquiry with this outcome (default: chosen by seed).
    #[arg(long, value_enum, value_name = "OUTCOME")]
    pub outcome: Option<EligibilityOutcome>,
}

/// The answer `simulate --from FILE.270 --outcome` gives every inquiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EligibilityOutcome {
    Active,
    Inactive,
    OtherCoverage,
    NotFound,
}

impl From<EligibilityOutcome> for Outcome {
    fn from(o: EligibilityOutcome) -> Self {
        match o {
            EligibilityOutcome::Active => Outcome::Active,
            EligibilityOutcome::Inactive => Outcome::Inactive,
            EligibilityOutcome::OtherCoverage => Outcome::OtherCoverage,
            EligibilityOutcome::NotFound => Outcome::NotFound,
        }
    }
}

/// `simulate --from FILE.270`: the 271 a payer would send.
fn exec_270(global: &GlobalArgs, args: &SimulateArgs) -> Result<Exit> {
    let opts = RespondOptions { seed: args.seed, outcome: args.outcome.map(Outcome::from) };
    let summary = respond_file(&args.from, &args.out, opts).map_err(|e| match e {
        EligibilityError::Read { .. } | EligibilityError::Content { .. } => InputError(e.to_string()).into(),
        e => anyhow::Error::from(e),
    })?;
    let mut out = global.stdout();
    if global.format == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
    } else if !global.quiet {
        writeln!(
            out,
            "{} inquiries: {} active, {} inactive, {} other coverage, {} not found\nwrote {}",
            summary.inquiries,
            summary.active,
            summary.inactive,
            summary.other_coverage,
            summary.not_found,
            summary.file.display()
        )?;
    }
    out.flush()?;
    Ok(Exit::Clean)
}

/// A 276: each claim pending, finalized paid, finalized denied or not found, by the seed.
fn answer_276(global: &GlobalArgs, args: &SimulateArgs) -> Result<Exit> {
    use claimkit::status::{StatusError, simulate::answer_file};
    let answered = match answer_file(&args.from, &args.out, args.seed) {
        Ok(a) => a,
        Err(e @ (StatusError::Read { .. } | StatusError::Not276 { .. })) => {
            return Err(InputError(e.to_string()).into());
        }
        Err(e) => return Err(e.into()),
    };
    if global.quiet && global.format == OutputFormat::Table {
        return Ok(Exit::Clean);
    }
    let mut out = global.stdout();
    if global.format == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut out, &answered)?;
        writeln!(out)?;
    } else {
        if global.format == OutputFormat::Table {
            for f in &answered.files {
                writeln!(out, "wrote {}", f.display())?;
            }
        }
        let mut t = Table::new(&[("trace", "Trace (TRN02)"), ("outcome", "Answer")]);
        for (trace, outcome) in &answered.claims {
            t.push(vec![trace.clone().into(), outcome.as_str().into()]);
        }
        t.render(global.format, &mut out)?;
    }
    out.flush()?;
    Ok(Exit::Clean)
}

fn parse_rate(s: &str) -> Result<Decimal, String> {
    let d: Decimal = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if d < Decimal::ZERO || d > Decimal::ONE {
        return Err("the deny rate is between 0 and 1".into());
    }
    Ok(d)
}

pub fn exec(global: &GlobalArgs, args: SimulateArgs) -> Result<Exit> {
    if claimkit::status::is_status_request(&args.from).unwrap_or(false) {
        return answer_276(global, &args);
    }
    if is_270(&args.from) {
        return exec_270(global, &args);
    }
    let options = SimulateOptions { seed: args.seed, deny_rate: args.deny_rate, payer_name: args.payer_name };
    let summary = match simulate_files(&args.from, &args.out, options) {
        Ok(s) => s,
        Err(e @ (SimulateError::Read { .. } | SimulateError::NoClaims { .. })) => {
            return Err(InputError(e.to_string()).into());
        }
        // Data of the 837 that cannot be echoed with our separators is the input's problem.
        Err(e @ SimulateError::Write { source: WriteError::SeparatorInData { .. }, .. }) => {
            return Err(InputError(e.to_string()).into());
        }
        Err(SimulateError::Io { file, source }) if file == args.from => {
            return Err(InputError(format!("{}: {source}", file.display())).into());
        }
        Err(e) => return Err(e.into()),
    };
    if global.quiet && global.format == OutputFormat::Table {
        return Ok(Exit::Clean);
    }
    let mut out = global.stdout();
    if global.format == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
    } else {
        let mut t = Table::new(&[("payer", "Payer"), ("trace", "Trace (TRN02)"), ("paid", "Paid (BPR02)")]);
        for (payer, trace, paid) in &summary.payments {
            t.push(vec![payer.clone().into(), trace.clone().into(), (*paid).into()]);
        }
        if global.format == OutputFormat::Table {
            writeln!(
                out,
                "{} claims: {} paid, {} denied, {} rejected by the 277CA; reversed and corrected: {}",
                summary.claims,
                summary.paid.len(),
                summary.denied.len(),
                summary.rejected.len(),
                summary.reversed.as_deref().unwrap_or("none")
            )?;
            for f in &summary.files {
                writeln!(out, "wrote {}", f.display())?;
            }
        }
        t.render(global.format, &mut out)?;
    }
    out.flush()?;
    Ok(Exit::Clean)
}
