//! `claimkit import FILE... [--input-format csv|fhir|hl7v2] [--mapping FILE] [--dry-run]`, and
//! `claimkit import --print-mapping FILE`: a mapping template for an export's columns.

use std::path::PathBuf;

use anyhow::Result;
use claimkit::ingest::{ImportOptions, IngestError, Mapping, SourceFormat, import_file_with_progress};
use claimkit::report::Table;

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  claimkit import encounters.csv encounters.fhir.json encounters.hl7\n  \
                        claimkit import --dry-run export.csv                 (what would change; nothing is stored)\n  \
                        claimkit import --print-mapping export.csv > emr.toml  (a mapping template for its columns)\n  \
                        claimkit import --mapping emr.toml export.csv")]
pub struct ImportArgs {
    /// Encounter files: CSV, FHIR R4 JSON (Bundle or NDJSON) or HL7 v2 DFT^P03.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Read the files and show what would change, but store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a mapping template (TOML) for each CSV file's columns instead of importing.
    #[arg(long, conflicts_with = "dry_run")]
    pub print_mapping: bool,
    /// The files' format (default: detected from each file's content).
    #[arg(long = "input-format", visible_alias = "as", value_enum, value_name = "csv|fhir|hl7v2")]
    pub input_format: Option<SourceFormat>,
    /// Column mapping (TOML) for CSV exports that do not use the canonical columns.
    #[arg(long, value_name = "FILE.toml")]
    pub mapping: Option<PathBuf>,
}

pub fn exec(global: &GlobalArgs, args: ImportArgs) -> Result<Exit> {
    if args.print_mapping {
        return print_mapping(&args);
    }
    let mapping = match &args.mapping {
        Some(path) => Some(Mapping::load(path).map_err(|e| InputError(e.to_string()))?),
        None => None,
    };
    let options = ImportOptions { format: args.input_format, mapping };
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let mut tx = ledger.transaction()?;
    let mut worst = Exit::Clean;
    let mut table = Table::new(&[
        ("file", "File"),
        ("format", "Format"),
        ("new", "New"),
        ("updated", "Updated"),
        ("unchanged", "Unchanged"),
        ("conflicts", "Conflicts"),
        ("rejected", "Rejected"),
        ("status", "Status"),
    ]);
    if args.dry_run {
        table = table.with_title("Dry run: what the import would do (nothing was stored)");
    }
    let progress = super::progress::TerminalProgress::new(global);
    for path in &args.files {
        match import_file_with_progress(&mut tx, path, &options, &progress) {
            Ok(summary) => {
                for e in summary.errors.iter().take(super::MOST_LINES_PER_FILE) {
                    super::warn(format_args!("claimkit: {}", e.render(global.show_data)));
                }
                if let Some(more) = summary.errors.len().checked_sub(super::MOST_LINES_PER_FILE).filter(|n| *n > 0) {
                    super::warn(format_args!("claimkit: {}: ... and {more} more record errors", summary.file));
                }
                if summary.errors.iter().any(|e| e.unreadable) {
                    worst = worst.max(Exit::InputError);
                }
                if !summary.unknown_columns.is_empty() {
                    global.warn(format!(
                        "{}: column(s) not read as encounter data (kept as notes): {}; expected columns are listed in docs/ingest.md",
                        summary.file,
                        summary.unknown_columns.join(", ")
                    ));
                }
                for id in &summary.conflicts {
                    super::warn(format_args!(
                        "claimkit: {}: encounter {id} changed after it was billed: recorded as an import conflict, the billed claim is unchanged",
                        summary.file
                    ));
                }
                for (id, what) in &summary.refused {
                    eprintln!(
                        "claimkit: {}: encounter {id}: update refused as a conflict: it would drop {what} (a renamed or unmapped column?); the stored encounter is unchanged",
                        summary.file
                    );
                }
                if summary.rejected > 0 || !summary.conflicts.is_empty() || !summary.refused.is_empty() {
                    worst = worst.max(Exit::Findings);
                }
                let status = if args.dry_run && summary.new + summary.updated > 0 {
                    "would import"
                } else if summary.new + summary.updated > 0 {
                    "imported"
                } else if summary.already_imported || summary.encounters() > 0 {
                    "unchanged"
                } else {
                    "nothing imported"
                };
                table.push(vec![
                    summary.file.clone().into(),
                    summary.format.clone().into(),
                    summary.new.into(),
                    summary.updated.into(),
                    summary.unchanged.into(),
                    (summary.conflicts.len() + summary.refused.len()).into(),
                    summary.rejected.into(),
                    status.into(),
                ]);
            }
            Err(e) if e.is_input_error() => {
                super::warn(format_args!("claimkit: error: {}", unreadable_message(&e)));
                worst = worst.max(Exit::InputError);
                table.push(vec![
                    path.display().to_string().into(),
                    "".into(),
                    0usize.into(),
                    0usize.into(),
                    0usize.into(),
                    0usize.into(),
                    0usize.into(),
                    "unreadable".into(),
                ]);
            }
            Err(e) => return Err(e.into()),
        }
    }
    if args.dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    table.render(global.format, &mut global.stdout())?;
    Ok(worst)
}

/// `--print-mapping`: a template for each CSV file's header row.
fn print_mapping(args: &ImportArgs) -> Result<Exit> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let mut worst = Exit::Clean;
    for path in &args.files {
        let delimiter = claimkit::ingest::csv::sniff_delimiter(path);
        match claimkit::ingest::csv::read_header(path, Some(delimiter)) {
            Ok(headers) => {
                let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
                out.write_all(claimkit::ingest::mapping::template(&name, &headers, delimiter).as_bytes())?;
            }
            Err(e) => {
                eprintln!("claimkit: error: {}", unreadable_message(&e));
                worst = worst.max(Exit::InputError);
            }
        }
    }
    out.flush()?;
    Ok(worst)
}

fn unreadable_message(e: &IngestError) -> String {
    e.to_string()
}
