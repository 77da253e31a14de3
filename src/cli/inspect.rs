//! `claimkit inspect FILE...`

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use claimkit::inspect::{ClaimSummary, Inspection, SegmentView, claim_summaries, inspect_with};
use claimkit::report::{OutputFormat, Table};

use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  claimkit inspect batch.837\n  claimkit inspect --summary inbox/*.835\n  claimkit --format json inspect payment.835 > segments.json"
)]
pub struct InspectArgs {
    /// X12 files (837P/I, 835, 999, 277CA, 277, 270/271, 276, 834, TA1).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Show envelopes and checks only, not every segment (for large files).
    #[arg(long)]
    pub summary: bool,
}

pub fn exec(global: &GlobalArgs, args: InspectArgs) -> Result<Exit> {
    let mut out = global.stdout();
    let mut worst = Exit::Clean;
    let mut json_files = Vec::new();
    let mut csv_rows = Table::new(&[
        ("file", "File"),
        ("segment", "Segment"),
        ("offset", "Offset"),
        ("transaction", "Transaction"),
        ("loop", "Loop"),
        ("id", "ID"),
        ("element", "Element"),
        ("name", "Name"),
        ("value", "Value"),
    ]);
    for path in &args.files {
        let file = match claimkit::files::open_input(path) {
            Ok(f) => f,
            Err(e) => {
                super::warn(format_args!("claimkit: error: {}: {e}", path.display()));
                worst = worst.max(Exit::InputError);
                continue;
            }
        };
        let mut segments = Vec::new();
        if global.format == OutputFormat::Table && !args.summary {
            writeln!(out, "== {}", claimkit::text::path(path))?;
        }
        let input = std::io::BufReader::with_capacity(1 << 18, file);
        let result = if args.summary {
            claimkit::inspect::check(input)
        } else {
            inspect_with(input, global.show_data, |view| match global.format {
                OutputFormat::Table => {
                    let _ = print_segment(&mut out, &view);
                }
                _ => segments.push(view),
            })
        };
        if !result.is_sound() {
            worst = worst.max(Exit::InputError);
            let problems = result.problems();
            for p in problems.iter().take(super::MOST_LINES_PER_FILE) {
                super::warn(format_args!("claimkit: {}: {p}", path.display()));
            }
            if problems.len() > super::MOST_LINES_PER_FILE {
                super::warn(format_args!(
                    "claimkit: {}: ... and {} more problems",
                    path.display(),
                    problems.len() - super::MOST_LINES_PER_FILE
                ));
            }
            if global.show_data
                && let Some(text) = result.error_detail.as_ref().and_then(|e| e.segment_text())
            {
                super::warn(format_args!("claimkit: {}: segment text: {text}", path.display()));
            }
        }
        let is_837p = result.envelopes.transactions().any(|(_, _, t)| t.kind == "837P");
        let claims = if is_837p && !args.summary {
            claimkit::files::open_input(path)
                .ok()
                .and_then(|f| claim_summaries(std::io::BufReader::new(f), global.show_data).ok())
        } else {
            None
        };
        match global.format {
            OutputFormat::Table => {
                if let Some(claims) = &claims {
                    print_claims(&mut out, claims)?;
                }
                print_summary(&mut out, path, &result)?
            }
            OutputFormat::Json => json_files.push(serde_json::json!({
                "file": path.display().to_string(),
                "sound": result.is_sound(),
                "interchanges": result.envelopes.interchanges,
                "segment_count": result.envelopes.segments,
                "problems": result.problems(),
                "segments": if args.summary { None } else { Some(&segments) },
                "claims": claims,
            })),
            OutputFormat::Csv | OutputFormat::Html => {
                for s in &segments {
                    for e in &s.elements {
                        csv_rows.push(vec![
                            path.display().to_string().into(),
                            s.number.into(),
                            s.offset.into(),
                            s.transaction.clone().into(),
                            s.loop_id.into(),
                            s.id.clone().into(),
                            e.reference.clone().into(),
                            e.name.unwrap_or("").into(),
                            e.value.clone().into(),
                        ]);
                    }
                }
            }
        }
    }
    match global.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &json_files)?;
            writeln!(out)?;
        }
        OutputFormat::Csv | OutputFormat::Html => csv_rows.render(global.format, &mut out)?,
        OutputFormat::Table => {}
    }
    out.flush()?;
    Ok(worst)
}

fn print_segment(out: &mut impl Write, view: &SegmentView) -> std::io::Result<()> {
    write!(out, "{:>7}  {:<8} {:<4}", view.number, view.loop_id, view.id)?;
    for (i, e) in view.elements.iter().enumerate() {
        let sep = if i == 0 { "" } else { " | " };
        match e.name {
            Some(name) => write!(out, "{sep}{name}: {}", e.value)?,
            None => write!(out, "{sep}{}: {}", e.reference, e.value)?,
        }
    }
    writeln!(out)
}

fn print_claims(out: &mut impl Write, claims: &[ClaimSummary]) -> Result<()> {
    let mut t = Table::new(&[
        ("pcn", "PCN"),
        ("patient", "Patient"),
        ("payer", "Payer"),
        ("sbr", "Resp."),
        ("freq", "Freq."),
        ("dos", "DOS"),
        ("lines", "Lines"),
        ("diagnoses", "Diagnoses"),
        ("total", "Total"),
    ])
    .with_title("claims");
    writeln!(out, "claims ({}):", claims.len())?;
    for c in claims {
        let dos = match (c.first_dos, c.last_dos) {
            (Some(a), Some(b)) if a != b => format!("{a} to {b}"),
            (Some(a), _) => a.to_string(),
            _ => String::new(),
        };
        t.push(vec![
            c.pcn.clone().into(),
            c.patient.clone().into(),
            c.payer.clone().into(),
            c.responsibility.clone().into(),
            c.frequency.clone().into(),
            dos.into(),
            c.lines.join("; ").into(),
            c.diagnoses.join(", ").into(),
            c.total_charge.into(),
        ]);
    }
    writeln!(out, "{}", t.to_terminal())?;
    Ok(())
}

fn print_summary(out: &mut impl Write, path: &std::path::Path, result: &Inspection) -> Result<()> {
    let mut t = Table::new(&[
        ("isa13", "ISA13"),
        ("sender", "Sender"),
        ("receiver", "Receiver"),
        ("usage", "Usage"),
        ("gs06", "GS06"),
        ("guide", "GS08"),
        ("st02", "ST02"),
        ("type", "Type"),
        ("segments", "Segments"),
    ]);
    for i in &result.envelopes.interchanges {
        if i.groups.is_empty() {
            t.push(vec![
                i.control_number.clone().into(),
                i.sender_id.clone().into(),
                i.receiver_id.clone().into(),
                i.usage.clone().into(),
                "".into(),
                "".into(),
                "".into(),
                if i.ta1_count > 0 { "TA1" } else { "" }.into(),
                "".into(),
            ]);
        }
        for g in &i.groups {
            for tx in &g.transactions {
                t.push(vec![
                    i.control_number.clone().into(),
                    i.sender_id.clone().into(),
                    i.receiver_id.clone().into(),
                    i.usage.clone().into(),
                    g.control_number.clone().into(),
                    g.version.clone().into(),
                    tx.control_number.clone().into(),
                    tx.kind.clone().into(),
                    tx.segment_count.into(),
                ]);
            }
        }
    }
    writeln!(out, "{}: {} segments", claimkit::text::path(path), result.envelopes.segments)?;
    writeln!(out, "{}", t.to_terminal())?;
    if result.is_sound() {
        writeln!(out, "checks: envelopes and required elements OK")?;
    } else {
        let problems = result.problems();
        writeln!(out, "checks: {} problem(s)", problems.len())?;
        for p in problems.iter().take(super::MOST_LINES_PER_FILE) {
            writeln!(out, "  - {p}")?;
        }
        if problems.len() > super::MOST_LINES_PER_FILE {
            writeln!(out, "  - ... and {} more", problems.len() - super::MOST_LINES_PER_FILE)?;
        }
    }
    writeln!(out)?;
    Ok(())
}
