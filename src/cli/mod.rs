//! Command-line contract shared by every subcommand.
//!
//! Global options: `--db PATH` (env `CLAIMKIT_DB`, default `./claimkit.db`), `--format
//! table|json|csv`, `--quiet`, `--no-progress`, `--show-data`.
//!
//! Exit codes: 0 done and clean; 1 done, with findings a biller must act on; 2 usage error; 3 input
//! data error (a file that cannot be read or parsed); 4 internal, database or I/O error; 75 another
//! run holds the ledger lock.

mod ack;
mod build;
mod claim;
mod codes;
mod correct;
mod demo;
mod import;
mod init;
mod inspect;
mod nightly;
mod progress;
mod remit;
mod report;
mod scrub;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;

use claimkit::ledger::{Ledger, LedgerError, LedgerLock};
use claimkit::report::OutputFormat;
use clap::{Args, Parser, Subcommand};

/// What a finished command reports to the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[allow(dead_code)] // Findings: the ledger commands (import, scrub, build, remit) report them.
pub enum Exit {
    /// 0: done and clean.
    Clean,
    /// 1: done, with findings a biller must act on.
    Findings,
    /// 3: an input file could not be read or parsed.
    InputError,
}

impl Exit {
    fn code(self) -> u8 {
        match self {
            Exit::Clean => 0,
            Exit::Findings => 1,
            Exit::InputError => 3,
        }
    }
}

/// Most lines about one file's problems printed to the terminal (record errors, findings, notes);
/// the rest are counted ("... and 12,345 more"). A broken 300 KB file must not print megabytes.
pub const MOST_LINES_PER_FILE: usize = 100;

/// Prints one line to stderr with control characters escaped (file names and messages can hold
/// terminal escape sequences).
pub fn warn(line: impl std::fmt::Display) {
    eprintln!("{}", claimkit::text::printable(&line.to_string()));
}

/// An input file that cannot be read or parsed (exit 3), as opposed to our own failure (exit 4).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

#[derive(Debug, Parser)]
#[command(
    name = "claimkit",
    version,
    about = "US medical billing: EMR encounters to 837P claims to reconciled 835 remittances"
)]
#[command(propagate_version = true, max_term_width = 110)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Ledger database file.
    #[arg(long, global = true, env = "CLAIMKIT_DB", default_value = "claimkit.db", value_name = "PATH")]
    pub db: PathBuf,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Print only errors (and the requested output for JSON/CSV).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Never draw progress bars.
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Include patient data (segment text, names, member IDs) in error messages.
    #[arg(long, global = true)]
    pub show_data: bool,
}

#[allow(dead_code)] // used by the ledger commands
impl GlobalArgs {
    /// Opens an existing ledger for reading; a missing one is an input error (exit 3) rather than
    /// a new empty ledger created by a report.
    pub fn open_ledger(&self) -> anyhow::Result<Ledger> {
        if !self.db.exists() {
            return Err(InputError(format!(
                "no ledger at {} (give --db or CLAIMKIT_DB, or start one with `claimkit init`)",
                self.db.display()
            ))
            .into());
        }
        Ok(Ledger::open(&self.db)?)
    }

    /// Takes the run lock, then opens the ledger for writing.
    pub fn open_ledger_for_writing(&self) -> Result<(LedgerLock, Ledger), LedgerError> {
        let lock = LedgerLock::acquire(&self.db)?;
        Ok((lock, Ledger::open(&self.db)?))
    }

    /// Prints a progress or status line to stderr unless `--quiet`.
    pub fn note(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            warn(msg);
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the envelopes, transaction types, segments and loops of X12 files, and check them.
    Inspect(inspect::InspectArgs),
    /// The unattended nightly run: import, acknowledgments, remittances, scrub, build, archive.
    Nightly(nightly::NightlyArgs),
    /// The whole billing cycle on the built-in sample practice, in a fresh directory.
    Demo(demo::DemoArgs),
    /// Reports for billers: summary, claims, reconciliation, denials, aging, payers, worklist.
    Report(report::ReportArgs),
    /// One claim: `claim show PCN` prints its lines and whole history.
    Claim(claim::ClaimArgs),
    /// Code sets: import CPT/HCPCS/NCCI/MUE/fee schedules, look up, search, and show what is loaded.
    Codes(codes::CodesArgs),
    /// Load (or update) the practice configuration from a TOML file.
    Init(init::InitArgs),
    /// Import EMR encounters from CSV, FHIR R4 JSON or HL7 v2 DFT^P03 files.
    Import(import::ImportArgs),
    /// Check encounters not yet billed for everything a payer would reject or deny.
    Scrub(scrub::ScrubArgs),
    /// Bill every clean, unbilled encounter: write 837P files (one per receiver) and record them.
    Build(build::BuildArgs),
    /// Re-bill a claim as a replacement (frequency 7) after its encounter was fixed and re-imported.
    Correct(correct::CorrectArgs),
    /// Void a claim (frequency 8).
    Void(correct::CorrectArgs),
    /// Post TA1, 999 and 277CA acknowledgments: rejected claims, accepted claims, payer claim numbers.
    Ack(ack::AckArgs),
    /// Answer an 837P as a payer would: write the 999, 277CA and 835 (for tests and demos).
    Simulate(simulate::SimulateArgs),
    /// Post 835 remittances: balance, match claims and lines, record payments and adjustments.
    Remit(remit::RemitArgs),
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let global = cli.global.clone();
    let result = match cli.command {
        Command::Inspect(args) => inspect::exec(&global, args),
        Command::Nightly(args) => nightly::exec(&global, args),
        Command::Demo(args) => demo::exec(&global, args),
        Command::Report(args) => report::exec(&global, args),
        Command::Claim(args) => claim::exec(&global, args),
        Command::Codes(args) => codes::exec(&global, args),
        Command::Init(args) => init::exec(&global, args),
        Command::Import(args) => import::exec(&global, args),
        Command::Scrub(args) => scrub::exec(&global, args),
        Command::Build(args) => build::exec(&global, args),
        Command::Correct(args) => correct::exec_correct(&global, args),
        Command::Void(args) => correct::exec_void(&global, args),
        Command::Ack(args) => ack::exec(&global, args),
        Command::Simulate(args) => simulate::exec(&global, args),
        Command::Remit(args) => remit::exec(&global, args),
    };
    match result {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) => {
            warn(format_args!("claimkit: error: {e:#}"));
            ExitCode::from(error_code(&e))
        }
    }
}

/// Maps a failure to the exit-code contract.
fn error_code(e: &anyhow::Error) -> u8 {
    for cause in e.chain() {
        if let Some(LedgerError::Locked { .. }) = cause.downcast_ref::<LedgerError>() {
            return 75;
        }
        if cause.downcast_ref::<InputError>().is_some() || cause.downcast_ref::<claimkit::x12::X12Error>().is_some() {
            return 3;
        }
    }
    4
}
