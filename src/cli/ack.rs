//! `claimkit ack FILE...`: post TA1, 999 and 277CA acknowledgments to the ledger.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Result;
use claimkit::ack::post::{AckPostError, AckPosting, post_ack_file};
use claimkit::report::{OutputFormat, Table};

use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Args)]
pub struct AckArgs {
    /// Acknowledgment files (TA1, 999, 277CA; several per file are fine).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

pub fn exec(global: &GlobalArgs, args: AckArgs) -> Result<Exit> {
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let mut worst = Exit::Clean;
    let mut postings = Vec::new();
    for path in &args.files {
        match post_ack_file(&mut ledger, path) {
            Ok(p) => {
                if p.needs_attention() {
                    worst = worst.max(Exit::Findings);
                }
                postings.push(p);
            }
            Err(AckPostError::Ledger { file, source }) => {
                return Err(anyhow::Error::new(source).context(format!("posting {}", file.display())));
            }
            Err(AckPostError::Read(e)) => {
                eprintln!("claimkit: error: {e}");
                if global.show_data
                    && let Some(text) = e.segment_text()
                {
                    eprintln!("claimkit: segment text: {text}");
                }
                worst = worst.max(Exit::InputError);
            }
            Err(e) => {
                eprintln!("claimkit: error: {e}");
                worst = worst.max(Exit::InputError);
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match global.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &postings)?;
            writeln!(out)?;
        }
        OutputFormat::Csv | OutputFormat::Html => outcomes(&postings).render(global.format, &mut out)?,
        OutputFormat::Table if postings.is_empty() => {}
        OutputFormat::Table => {
            summary(&postings).render(OutputFormat::Table, &mut out)?;
            let rows = outcomes(&postings);
            if !rows.is_empty() {
                rows.with_title("Rejected, moved and unmatched").render(OutputFormat::Table, &mut out)?;
            }
            for p in &postings {
                for n in &p.notes {
                    writeln!(out, "note: {}: {n}", p.file.display())?;
                }
                if global.show_data {
                    for (at, value) in &p.element_values {
                        writeln!(out, "bad value: {}: {at}: {value:?}", p.file.display())?;
                    }
                }
            }
        }
    }
    out.flush()?;
    Ok(worst)
}

fn summary(postings: &[AckPosting]) -> Table {
    let mut t = Table::new(&[
        ("file", "File"),
        ("kind", "Kind"),
        ("accepted", "Accepted"),
        ("rejected", "Rejected"),
        ("other", "Other"),
        ("unmatched", "Unmatched"),
        ("result", "Result"),
    ]);
    for p in postings {
        let kinds = p.kinds.iter().map(|k| k.label()).collect::<Vec<_>>().join("+");
        let result = if p.already_posted { "already posted: nothing changed" } else { "posted" };
        t.push(vec![
            p.file.display().to_string().into(),
            kinds.into(),
            p.accepted.into(),
            p.rejected.into(),
            p.other.into(),
            p.unmatched.len().into(),
            result.into(),
        ]);
    }
    t
}

fn outcomes(postings: &[AckPosting]) -> Table {
    let mut t = Table::new(&[
        ("file", "File"),
        ("kind", "Kind"),
        ("reference", "Claim / reference"),
        ("outcome", "Outcome"),
        ("reason", "Reason"),
    ]);
    for p in postings {
        for c in &p.claims {
            let outcome = if c.status_before == c.status_after {
                format!("{} (kept)", c.status_after)
            } else {
                format!("{} -> {}", c.status_before, c.status_after)
            };
            t.push(vec![
                p.file.display().to_string().into(),
                c.kind.label().into(),
                c.pcn.clone().into(),
                outcome.into(),
                c.reason.clone().into(),
            ]);
        }
        for u in &p.unmatched {
            t.push(vec![
                p.file.display().to_string().into(),
                u.kind.label().into(),
                u.reference.clone().into(),
                "unmatched".into(),
                u.reason.clone().into(),
            ]);
        }
    }
    t
}
