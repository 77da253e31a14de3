//! `claimkit codes import|lookup|search|status`: the code sets claimkit checks claims against.
//!
//! ```text
//! claimkit codes import KIND FILE...       cpt | hcpcs | ncci-ptp (all its parts) | mue | fee-schedule | carc | rarc
//! claimkit codes lookup CODE... [--on DATE]
//! claimkit codes search TEXT [--system icd10cm|cpt|hcpcs|modifier|pos|carc|rarc] [--on DATE] [--limit N]
//! claimkit codes status [--on DATE]
//! ```

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use claimkit::codes::{self, CodeFinding, CodeSystem, ImportKind, ImportedCodeSets};
use claimkit::ledger::codesets::{self, CodeSetError, ImportStatus};
use claimkit::ledger::{Ledger, LedgerError};
use claimkit::report::{Cell, OutputFormat, Table};

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  claimkit codes lookup E11.9 99213 --on 2026-11-25\n  claimkit codes search type 2 diabetes --system icd10cm\n  claimkit codes import fee-schedule fees-2026.csv\n  claimkit codes status"
)]
pub struct CodesArgs {
    #[command(subcommand)]
    pub command: CodesCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum CodesCommand {
    /// Import a code-set file into the ledger (the same file again changes nothing; a new file
    /// replaces the table).
    #[command(after_help = "Examples:\n  claimkit codes import cpt my-cpt-2026.csv\n  \
                            claimkit codes import hcpcs HCPC2026_JAN_ANWEB.txt\n  \
                            claimkit codes import ncci-ptp practitioner-ptp-q1-part1.txt practitioner-ptp-q1-part2.txt")]
    Import {
        /// The kind of file.
        #[arg(value_enum)]
        kind: ImportKind,
        /// The file; for ncci-ptp, every part of the quarter's edits (CMS publishes them in
        /// several files): together they replace the table.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Look codes up in every loaded code set (ICD-10-CM with or without the dot, CPT, HCPCS,
    /// modifiers, place of service, CARC, RARC).
    #[command(
        after_help = "Examples:\n  claimkit codes lookup E11.9\n  claimkit codes lookup I20.8 99213 --on 2023-09-30"
    )]
    Lookup {
        #[arg(required = true, value_name = "CODE")]
        codes: Vec<String>,
        /// Date of service to check validity on (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<NaiveDate>,
    },
    /// Search code titles by words, best matches first.
    #[command(after_help = "Examples:\n  claimkit codes search type 2 diabetes\n  \
                            claimkit codes search fracture wrist --system icd10cm --limit 5")]
    Search {
        #[arg(required = true, value_name = "TEXT")]
        text: Vec<String>,
        /// Search one code system only.
        #[arg(long, value_enum)]
        system: Option<CodeSystem>,
        /// Only codes in effect on this date.
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<NaiveDate>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Which code sets are loaded, from which source, and what goes unchecked without the others.
    #[command(after_help = "Example:\n  claimkit codes status --on 2026-11-25")]
    Status {
        /// Count billable ICD-10-CM codes on this date (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<NaiveDate>,
    },
}

pub fn exec(global: &GlobalArgs, args: CodesArgs) -> Result<Exit> {
    match args.command {
        CodesCommand::Import { kind, files } => import(global, kind, &files),
        CodesCommand::Lookup { codes, on } => lookup(global, &codes, on.unwrap_or_else(today)),
        CodesCommand::Search { text, system, on, limit } => search(global, &text.join(" "), system, on, limit),
        CodesCommand::Status { on } => status(global, on.unwrap_or_else(today)),
    }
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Opens the ledger only if it exists: looking codes up never creates one.
fn existing_ledger(global: &GlobalArgs) -> Result<Option<Ledger>> {
    if !global.db.exists() {
        return Ok(None);
    }
    Ok(Some(global.open_ledger()?))
}

fn imported_sets(global: &GlobalArgs) -> Result<Option<ImportedCodeSets>> {
    match existing_ledger(global)? {
        Some(ledger) => Ok(Some(codesets::load_imported_kinds(
            ledger.conn(),
            &[ImportKind::Cpt, ImportKind::Hcpcs, ImportKind::Carc, ImportKind::Rarc],
        )?)),
        None => {
            global.note(format!(
                "claimkit: no ledger at {}: imported tables (CPT, HCPCS, ...) are not loaded; using the embedded code sets",
                global.db.display()
            ));
            Ok(None)
        }
    }
}

fn import(global: &GlobalArgs, kind: ImportKind, files: &[PathBuf]) -> Result<Exit> {
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let tx = ledger.transaction()?;
    let paths: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
    let outcome = match codesets::import_files(&tx, kind, &paths) {
        Ok(o) => o,
        Err(CodeSetError::Import(e)) => return Err(InputError(e.to_string()).into()),
        Err(CodeSetError::Ledger(e)) => {
            let names = files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ");
            return Err(e).context(format!("importing {names}"));
        }
    };
    tx.commit().map_err(LedgerError::from)?;
    let mut out = global.stdout();
    match global.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &outcome)?;
            writeln!(out)?;
        }
        OutputFormat::Csv | OutputFormat::Html => {
            let mut t = Table::new(&[("kind", "Kind"), ("file_name", "File"), ("rows", "Rows"), ("status", "Status")]);
            let status = match outcome.status {
                ImportStatus::Imported => "imported",
                ImportStatus::Replaced { .. } => "replaced",
                ImportStatus::AlreadyInForce { .. } => "already_in_force",
            };
            t.push(vec![
                outcome.kind.clone().into(),
                outcome.file_name.clone().into(),
                outcome.rows.into(),
                status.into(),
            ]);
            t.render(global.format, &mut out)?;
        }
        OutputFormat::Table => {
            let line = match &outcome.status {
                ImportStatus::Imported => {
                    format!("{}: imported {} rows from {}", kind, outcome.rows, outcome.file_name)
                }
                ImportStatus::Replaced { previous } => format!(
                    "{}: imported {} rows from {} (replaced {} rows from {})",
                    kind, outcome.rows, outcome.file_name, previous.rows, previous.file_name
                ),
                ImportStatus::AlreadyInForce { since } => {
                    format!("{}: {} is already in force (imported {since}); nothing changed", kind, outcome.file_name)
                }
            };
            writeln!(out, "{line}")?;
        }
    }
    Ok(Exit::Clean)
}

fn findings_table(findings: &[CodeFinding], with_note: bool) -> Table {
    let mut cols = vec![
        ("code", "Code"),
        ("system", "System"),
        ("valid", "Valid"),
        ("billable", "Billable"),
        ("description", "Description"),
        ("valid_from", "From"),
        ("valid_to", "To"),
        ("attributes", "Attributes"),
    ];
    if with_note {
        cols.push(("note", "Note"));
    }
    let mut t = Table::new(&cols);
    for f in findings {
        let mut row: Vec<Cell> = vec![
            f.code.clone().into(),
            f.system.map(|s| s.name()).into(),
            f.valid.into(),
            f.billable.into(),
            f.description.clone().into(),
            f.valid_from.into(),
            f.valid_to.into(),
            f.attributes.join(",").into(),
        ];
        if with_note {
            row.push(f.note.clone().into());
        }
        t.push(row);
    }
    t
}

fn lookup(global: &GlobalArgs, codes: &[String], on: NaiveDate) -> Result<Exit> {
    let imported = imported_sets(global)?;
    let findings: Vec<CodeFinding> =
        codes.iter().flat_map(|c| codes::lookup_everywhere(c, on, imported.as_ref())).collect();
    let table = findings_table(&findings, true).with_title(format!("Codes on {on}"));
    table.render(global.format, &mut global.stdout())?;
    Ok(Exit::Clean)
}

fn search(
    global: &GlobalArgs,
    text: &str,
    system: Option<CodeSystem>,
    on: Option<NaiveDate>,
    limit: usize,
) -> Result<Exit> {
    let imported =
        if matches!(system, None | Some(CodeSystem::Cpt | CodeSystem::Hcpcs)) { imported_sets(global)? } else { None };
    let hits = codes::search_everywhere(text, system, on, limit, imported.as_ref());
    findings_table(&hits, false).render(global.format, &mut global.stdout())?;
    Ok(Exit::Clean)
}

fn status(global: &GlobalArgs, on: NaiveDate) -> Result<Exit> {
    let ledger = existing_ledger(global)?;
    let st = codesets::status(ledger.as_ref().map(Ledger::conn), on)?;
    let mut out = global.stdout();
    if global.format == OutputFormat::Json {
        serde_json::to_writer_pretty(&mut out, &st)?;
        writeln!(out)?;
        return Ok(Exit::Clean);
    }
    let mut t = Table::new(&[
        ("table", "Table"),
        ("loaded", "Loaded"),
        ("origin", "Origin"),
        ("source", "Source"),
        ("version", "Version"),
        ("rows", "Rows"),
        ("imported_at", "Imported"),
        ("note", "Note"),
    ]);
    for s in &st.tables {
        t.push(vec![
            s.table.clone().into(),
            s.loaded.into(),
            s.origin.into(),
            s.source.clone().into(),
            s.version.clone().into(),
            s.rows.into(),
            s.imported_at.clone().into(),
            s.note.clone().into(),
        ]);
    }
    t.render(global.format, &mut out)?;
    if global.format == OutputFormat::Table {
        writeln!(out, "ICD-10-CM billable codes valid on {}: {}", st.on, st.icd10cm_billable)?;
        if !st.ledger_loaded {
            writeln!(out, "no ledger at {}: imported tables were not looked at", global.db.display())?;
        }
        for m in &st.missing {
            writeln!(out, "missing: {m}")?;
        }
    }
    Ok(Exit::Clean)
}
