//! Command-line contract shared by every subcommand.
//!
//! Global options: `--db PATH` (env `CLAIMKIT_DB`, else the config's `ledger`, else
//! `./claimkit.db`), `--config FILE` (env `CLAIMKIT_CONFIG`, else `claimkit.toml` beside the
//! ledger), `--format table|json|csv|html`, `--quiet`, `--no-progress`, `--show-data`, `--wide`,
//! `--color auto|always|never` (`NO_COLOR` turns `auto` off), `--db-key-file FILE` (env
//! `CLAIMKIT_DB_KEY_FILE`; else the passphrase itself in `CLAIMKIT_DB_KEY`) for an encrypted ledger.
//!
//! Exit codes: 0 done and clean; 1 done, with findings a biller must act on; 2 usage error (a
//! bad option, a config file that cannot be read, no ledger where one was expected); 3 input
//! data error (a file that cannot be read or parsed); 4 internal, database or I/O error (an
//! encrypted ledger without its key included); 75 another run holds the ledger lock (or, for
//! `db encrypt|decrypt|rekey`, has the ledger open). A closed standard output (`| head`) ends the command
//! quietly with 0.

mod ack;
mod adjust;
mod build;
mod claim;
mod codes;
mod completions;
mod correct;
mod db;
mod demo;
mod eligibility;
mod import;
mod init;
mod inspect;
mod nightly;
mod pay;
mod progress;
mod rebill;
mod remit;
mod report;
mod scrub;
mod simulate;
mod statements;
mod status_request;
mod worklist;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use claimkit::config::Config;
use claimkit::ledger::{DbKey, Ledger, LedgerError, LedgerLock};
use claimkit::report::{OutputFormat, Paint, Presentation, TerminalOptions, paint};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

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

/// The command was pointed at the wrong place or misconfigured (exit 2): no ledger where one was
/// expected, a config file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// When to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// When standard output is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Parser)]
#[command(
    name = "claimkit",
    version,
    about = "US medical billing: EMR encounters to 837P claims to reconciled 835 remittances",
    after_help = "Examples:\n  claimkit --db practice.db init --practice practice.toml\n  claimkit import encounters.csv\n  \
                  claimkit build\n  claimkit report worklist\n\nEnvironment: CLAIMKIT_DB (ledger), CLAIMKIT_CONFIG (config file), \
                  CLAIMKIT_DB_KEY (the encrypted ledger's passphrase), CLAIMKIT_TODAY (the date taken as today, YYYY-MM-DD), COLUMNS (terminal width), NO_COLOR."
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
    /// Ledger database file [default: the config's `ledger`, else claimkit.db].
    #[arg(long = "db", global = true, env = "CLAIMKIT_DB", value_name = "PATH")]
    pub db_option: Option<PathBuf>,
    /// The ledger in use (from --db, CLAIMKIT_DB, the config file, or claimkit.db).
    #[arg(skip)]
    pub db: PathBuf,
    /// File holding the passphrase of an encrypted ledger (mode 0600; else the passphrase is taken
    /// from CLAIMKIT_DB_KEY).
    #[arg(long, global = true, env = "CLAIMKIT_DB_KEY_FILE", value_name = "FILE")]
    pub db_key_file: Option<PathBuf>,
    /// The ledger's key, from --db-key-file or CLAIMKIT_DB_KEY (never printed).
    #[arg(skip)]
    pub db_key: Option<DbKey>,
    /// Config file (claimkit.toml) [default: claimkit.toml beside the ledger].
    #[arg(long, global = true, env = "CLAIMKIT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The config file found, if any.
    #[arg(skip)]
    pub settings: Config,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Print nothing but errors (JSON, CSV and HTML asked for with --format are still written).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Never draw progress bars.
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Include patient data (segment text, names, member IDs) in error messages.
    #[arg(long, global = true)]
    pub show_data: bool,
    /// Show every column at full width instead of fitting tables to the terminal.
    #[arg(long, global = true)]
    pub wide: bool,
    /// Colour severity, priority and status (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

impl GlobalArgs {
    /// Finds the config file and the ledger path (the command line wins over the file).
    fn resolve(&mut self) -> Result<(), UsageError> {
        let explicit = self.config.clone();
        let beside_ledger = || {
            let db = self.db_option.clone().unwrap_or_else(|| PathBuf::from("claimkit.db"));
            db.parent().unwrap_or(Path::new("")).join(claimkit::config::FILE_NAME)
        };
        let path = match explicit {
            Some(path) => Some(path),
            None => Some(beside_ledger()).filter(|p| p.is_file()),
        };
        if let Some(path) = path {
            self.settings = Config::load(&path).map_err(|e| UsageError(e.to_string()))?;
        }
        self.db = self
            .db_option
            .clone()
            .or_else(|| self.settings.ledger.clone())
            .unwrap_or_else(|| PathBuf::from("claimkit.db"));
        self.db_key = DbKey::from_file_or_env(self.db_key_file.as_deref(), claimkit::ledger::crypt::KEY_ENV)
            .map_err(|e| UsageError(e.to_string()))?;
        Ok(())
    }

    /// Terminal presentation from the options and the environment.
    fn terminal(&self) -> TerminalOptions {
        let stdout_tty = std::io::stdout().is_terminal();
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stdout_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        let from_env = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).filter(|c| *c > 0);
        let width = from_env
            .or_else(|| if stdout_tty { terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)) } else { None });
        TerminalOptions { width, wide: self.wide, color }
    }

    /// Colour for messages on standard error.
    pub fn stderr_color(&self) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    /// Where a command's output goes: standard output, or nowhere with `--quiet` and a table.
    pub fn stdout(&self) -> Box<dyn Write> {
        if self.quiet && self.format == OutputFormat::Table {
            Box::new(std::io::sink())
        } else {
            Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
        }
    }

    /// The error for a ledger that is not there: only `init` creates one.
    fn missing_ledger(&self) -> UsageError {
        UsageError(format!(
            "no ledger at {}: create one with `claimkit --db {} init --practice FILE.toml`, or point at yours \
             with --db, CLAIMKIT_DB or `ledger` in claimkit.toml",
            self.db.display(),
            self.db.display()
        ))
    }

    /// Opens an existing ledger for reading; a missing one is a usage error (exit 2), never a new
    /// empty ledger.
    pub fn open_ledger(&self) -> anyhow::Result<Ledger> {
        if !self.db.exists() {
            return Err(self.missing_ledger().into());
        }
        Ok(Ledger::open_with_key(&self.db, self.db_key.as_ref())?)
    }

    /// Takes the run lock, then opens an existing ledger for writing.
    pub fn open_ledger_for_writing(&self) -> anyhow::Result<(LedgerLock, Ledger)> {
        if !self.db.exists() {
            return Err(self.missing_ledger().into());
        }
        self.create_or_open_ledger()
    }

    /// Takes the run lock and opens the ledger, creating it when missing (`init` only).
    pub fn create_or_open_ledger(&self) -> anyhow::Result<(LedgerLock, Ledger)> {
        let lock = LedgerLock::acquire(&self.db)?;
        Ok((lock, Ledger::open_with_key(&self.db, self.db_key.as_ref())?))
    }

    /// Names for reports: the practice and its payers, from the ledger.
    pub fn presentation(&self, ledger: &Ledger) -> Presentation {
        let practice = claimkit::ledger::billing::load_practice(ledger.conn()).ok().flatten();
        Presentation::of_practice(practice.as_ref())
    }

    /// Prints a progress or status line to stderr unless `--quiet`.
    pub fn note(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            warn(msg);
        }
    }

    /// Prints a warning to stderr unless `--quiet`.
    pub fn warn(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{} {msg}", paint("claimkit: warning:", Paint::Yellow, self.stderr_color()));
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
    /// Reports for billers: balance, summary, claims, reconciliation, denials, aging, payers, worklist.
    Report(report::ReportArgs),
    /// One claim: `claim show PCN|ENCOUNTER` prints its lines as adjudicated, its A/R and whole history.
    Claim(claim::ClaimArgs),
    /// Code sets: import CPT/HCPCS/NCCI/MUE/fee schedules, look up, search, and show what is loaded.
    Codes(codes::CodesArgs),
    /// Load (or update) the practice configuration from a TOML file.
    Init(init::InitArgs),
    /// Import EMR encounters from CSV, FHIR R4 JSON or HL7 v2 DFT^P03 files.
    Import(import::ImportArgs),
    /// Check encounters not yet billed for everything a payer would reject or deny.
    Scrub(scrub::ScrubArgs),
    /// Eligibility: 270 inquiries for the coverages of unbilled encounters; post the 271 answers.
    Eligibility(eligibility::EligibilityArgs),
    /// Bill every clean, unbilled encounter: write 837P files (one per receiver) and record them.
    Build(build::BuildArgs),
    /// Re-bill a claim as a replacement (frequency 7) after its encounter was fixed and re-imported.
    Correct(correct::CorrectArgs),
    /// Void a claim (frequency 8).
    Void(correct::CorrectArgs),
    /// Bill again, as new claims, claims rejected before adjudication or returned unprocessable (MA130).
    Rebill(rebill::RebillArgs),
    /// Post TA1, 999 and 277CA acknowledgments: rejected claims, accepted claims, payer claim numbers.
    Ack(ack::AckArgs),
    /// Answer an 837P as a payer would: write the 999, 277CA and 835 (or a 276 with a 277), for tests and demos.
    Simulate(simulate::SimulateArgs),
    /// Ask payers where claims without an answer stand: write 276 claim status requests.
    StatusRequest(status_request::StatusRequestArgs),
    /// Post 835 remittances: balance, match claims and lines, record payments and adjustments.
    Remit(remit::RemitArgs),
    /// The worklist with state: open items with stable IDs; done, note, assign, snooze, history.
    Worklist(worklist::WorklistArgs),
    /// Record a patient payment or refund (one, or a CSV of them from the front desk).
    Pay(pay::PayArgs),
    /// Write off part of what a visit's payer or patient owes (timely filing, small balance...).
    Adjust(adjust::AdjustArgs),
    /// Patient statements: one print-ready HTML page per patient with a balance (CSV for a vendor).
    Statements(statements::StatementsArgs),
    /// Encryption at rest: encrypt, decrypt or change the key of the ledger, in place.
    Db(db::DbArgs),
    /// Print a shell completion script (bash, zsh or fish).
    #[command(after_help = "Examples:\n  claimkit completions bash > /etc/bash_completion.d/claimkit\n  \
                            claimkit completions zsh > ~/.zfunc/_claimkit\n  \
                            claimkit completions fish > ~/.config/fish/completions/claimkit.fish")]
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff), e.g. `claimkit man > claimkit.1`.
    #[command(after_help = "Example:\n  claimkit man > /usr/local/share/man/man1/claimkit.1")]
    Man,
}

/// The clap command with its run-time adjustments: `demo` keeps its (plaintext) ledger in its own
/// directory, so its help offers neither `--db`, `--config` nor `--db-key-file`.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    if let Some(demo) = cmd.find_subcommand_mut("demo") {
        // In place (mut_arg would reorder the built argument index).
        let hidden = std::mem::take(demo).mut_args(|a| {
            if matches!(a.get_id().as_str(), "db_option" | "config" | "db_key_file") { a.hide(true) } else { a }
        });
        *demo = hidden;
    }
    cmd
}

pub fn main() -> ExitCode {
    let parsed = command().try_get_matches().and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let mut global = cli.global.clone();
    if let Err(e) = global.resolve() {
        eprintln!("{} {e}", paint("claimkit: error:", Paint::Red, global.stderr_color()));
        return ExitCode::from(2);
    }
    claimkit::report::set_terminal(global.terminal());
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
        Command::Eligibility(args) => eligibility::exec(&global, args),
        Command::Build(args) => build::exec(&global, args),
        Command::Correct(args) => correct::exec_correct(&global, args),
        Command::Void(args) => correct::exec_void(&global, args),
        Command::Rebill(args) => rebill::exec(&global, args),
        Command::Ack(args) => ack::exec(&global, args),
        Command::Simulate(args) => simulate::exec(&global, args),
        Command::StatusRequest(args) => status_request::exec(&global, args),
        Command::Remit(args) => remit::exec(&global, args),
        Command::Worklist(args) => worklist::exec(&global, args),
        Command::Pay(args) => pay::exec(&global, args),
        Command::Adjust(args) => adjust::exec(&global, args),
        Command::Statements(args) => statements::exec(&global, args),
        Command::Db(args) => db::exec(&global, args),
        Command::Completions(args) => completions::exec_completions(&global, args),
        Command::Man => completions::exec_man(&global),
    };
    match result {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "{} {}",
                paint("claimkit: error:", Paint::Red, global.stderr_color()),
                claimkit::text::printable(&format!("{e:#}"))
            );
            ExitCode::from(error_code(&e))
        }
    }
}

/// True when the failure is standard output closed by its reader (`claimkit report worklist | head`).
fn broken_pipe(e: &anyhow::Error) -> bool {
    fn io_broken(e: &std::io::Error) -> bool {
        e.kind() == std::io::ErrorKind::BrokenPipe
            || e.get_ref().is_some_and(|inner| {
                inner.downcast_ref::<std::io::Error>().is_some_and(io_broken)
                    || inner.downcast_ref::<csv::Error>().is_some_and(csv_broken)
                    || inner.downcast_ref::<serde_json::Error>().is_some_and(json_broken)
            })
    }
    fn csv_broken(e: &csv::Error) -> bool {
        matches!(e.kind(), csv::ErrorKind::Io(io) if io_broken(io))
    }
    fn json_broken(e: &serde_json::Error) -> bool {
        e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe)
    }
    e.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(io_broken)
            || cause.downcast_ref::<csv::Error>().is_some_and(csv_broken)
            || cause.downcast_ref::<serde_json::Error>().is_some_and(json_broken)
    })
}

/// Maps a failure to the exit-code contract.
fn error_code(e: &anyhow::Error) -> u8 {
    for cause in e.chain() {
        if let Some(LedgerError::Locked { .. } | LedgerError::InUse { .. }) = cause.downcast_ref::<LedgerError>() {
            return 75;
        }
        if cause.downcast_ref::<UsageError>().is_some() {
            return 2;
        }
        if cause.downcast_ref::<InputError>().is_some() || cause.downcast_ref::<claimkit::x12::X12Error>().is_some() {
            return 3;
        }
    }
    4
}
