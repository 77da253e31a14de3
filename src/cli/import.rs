//! `claimkit import FILE... [--format csv|fhir|hl7v2] [--mapping FILE]`

use std::path::PathBuf;

use anyhow::Result;
use claimkit::ingest::{ImportOptions, IngestError, Mapping, SourceFormat, import_file_with_progress};
use claimkit::report::Table;

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Encounter files: CSV, FHIR R4 JSON (Bundle or NDJSON) or HL7 v2 DFT^P03.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The files' format (default: detected from each file's content).
    #[arg(long = "input-format", visible_alias = "as", value_enum, value_name = "csv|fhir|hl7v2")]
    pub input_format: Option<SourceFormat>,
    /// Column mapping (TOML) for CSV exports that do not use the canonical columns.
    #[arg(long, value_name = "FILE.toml")]
    pub mapping: Option<PathBuf>,
}

pub fn exec(global: &GlobalArgs, args: ImportArgs) -> Result<Exit> {
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
                for id in &summary.conflicts {
                    super::warn(format_args!(
                        "claimkit: {}: encounter {id} changed after it was billed: recorded as an import conflict, the billed claim is unchanged",
                        summary.file
                    ));
                }
                if summary.rejected > 0 || !summary.conflicts.is_empty() {
                    worst = worst.max(Exit::Findings);
                }
                let status = if summary.new + summary.updated > 0 {
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
                    summary.conflicts.len().into(),
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
    tx.commit()?;
    if !(global.quiet && global.format == claimkit::report::OutputFormat::Table) {
        table.render(global.format, &mut std::io::stdout().lock())?;
    }
    Ok(worst)
}

fn unreadable_message(e: &IngestError) -> String {
    e.to_string()
}
