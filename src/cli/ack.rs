//! `claimkit ack FILE...`: post TA1, 999 and 277CA acknowledgments to the ledger.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use claimkit::ack::post::{AckPostError, AckPosting};
use claimkit::report::{OutputFormat, Table};
use claimkit::status::post::post_payer_response;

use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  claimkit ack inbox/*.999 inbox/*.277ca\n  claimkit --format csv ack batch-1.277ca > ack.csv"
)]
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
        match post_payer_response(&mut ledger, path) {
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
                super::warn(format_args!("claimkit: error: {e}"));
                if global.show_data
                    && let Some(text) = e.segment_text()
                {
                    super::warn(format_args!("claimkit: segment text: {text}"));
                }
                worst = worst.max(Exit::InputError);
            }
            Err(e) => {
                super::warn(format_args!("claimkit: error: {e}"));
                worst = worst.max(Exit::InputError);
            }
        }
    }
    let mut out = global.stdout();
    match global.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &postings)?;
            writeln!(out)?;
        }
        OutputFormat::Csv | OutputFormat::Html => {
            outcomes(&postings, usize::MAX, str::to_string).0.render(global.format, &mut out)?
        }
        OutputFormat::Table if postings.is_empty() => {}
        OutputFormat::Table => {
            summary(&postings).render(OutputFormat::Table, &mut out)?;
            let (rows, left_out) = outcomes(&postings, MOST_LISTED_PER_FILE, shortened);
            if !rows.is_empty() {
                rows.with_title("Rejected, moved and unmatched").render(OutputFormat::Table, &mut out)?;
            }
            for (p, left_out) in postings.iter().zip(left_out) {
                if left_out > 0 {
                    writeln!(
                        out,
                        "{}: {left_out} more claims moved or kept (`--format csv` lists every one; \
                         `claimkit claim show PCN` a claim's history)",
                        claimkit::text::path(&p.file)
                    )?;
                }
            }
            for p in &postings {
                let file = claimkit::text::path(&p.file);
                let most = super::MOST_LINES_PER_FILE;
                for n in p.notes.iter().take(most) {
                    writeln!(out, "note: {file}: {}", claimkit::text::printable(n))?;
                }
                if p.notes.len() > most {
                    writeln!(out, "note: {file}: ... and {} more notes", p.notes.len() - most)?;
                }
                if global.show_data {
                    for (at, value) in p.element_values.iter().take(most) {
                        writeln!(out, "bad value: {file}: {at}: {value:?}")?;
                    }
                    if p.element_values.len() > most {
                        writeln!(out, "bad value: {file}: ... and {} more", p.element_values.len() - most)?;
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

/// The terminal table lists at most this many claims per file: every rejected claim and
/// unmatched item first (a biller acts on those), then claims moved or kept. A 277CA for a large
/// batch accepts tens of thousands of claims, and the table holds every row to size its columns.
const MOST_LISTED_PER_FILE: usize = super::MOST_LINES_PER_FILE;

/// The longest reason the terminal table shows whole; longer ones (a set's errors, one by one)
/// are cut there, and every row is padded to the widest: `--format csv` and `claim show` have them
/// whole.
const LONGEST_REASON_SHOWN: usize = 400;

fn shortened(reason: &str) -> String {
    match reason.char_indices().nth(LONGEST_REASON_SHOWN) {
        Some((at, _)) => format!("{}... (`claim show` has it all)", &reason[..at]),
        None => reason.to_string(),
    }
}

/// The claims and unmatched items of each posting, at most `most` per file (rejected and
/// unmatched first, then in the order acknowledged), and how many of each file's were left out.
fn outcomes(postings: &[AckPosting], most: usize, reason: fn(&str) -> String) -> (Table, Vec<usize>) {
    let mut t = Table::new(&[
        ("file", "File"),
        ("kind", "Kind"),
        ("reference", "Claim / reference"),
        ("outcome", "Outcome"),
        ("reason", "Reason"),
    ]);
    let mut left_out = Vec::with_capacity(postings.len());
    for p in postings {
        let file = p.file.display().to_string();
        let mut listed = 0usize;
        let mut list = |t: &mut Table, row: Vec<claimkit::report::Cell>| {
            if listed < most {
                t.push(row);
                listed += 1;
            }
        };
        let claim_row = |c: &claimkit::ack::post::ClaimOutcome| {
            let outcome = if c.status_before == c.status_after {
                format!("{} (kept)", c.status_after)
            } else {
                format!("{} -> {}", c.status_before, c.status_after)
            };
            vec![
                file.clone().into(),
                c.kind.label().into(),
                c.pcn.clone().into(),
                outcome.into(),
                reason(&c.reason).into(),
            ]
        };
        for c in p.claims.iter().filter(|c| c.rejected) {
            list(&mut t, claim_row(c));
        }
        for u in &p.unmatched {
            list(
                &mut t,
                vec![
                    file.clone().into(),
                    u.kind.label().into(),
                    u.reference.clone().into(),
                    "unmatched".into(),
                    reason(&u.reason).into(),
                ],
            );
        }
        for c in p.claims.iter().filter(|c| !c.rejected) {
            list(&mut t, claim_row(c));
        }
        left_out.push(p.claims.len() + p.unmatched.len() - listed);
    }
    (t, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use claimkit::ack::AckKind;
    use claimkit::ack::post::{ClaimOutcome, Unmatched};

    fn claim(pcn: &str, after: &str, rejected: bool) -> ClaimOutcome {
        ClaimOutcome {
            pcn: pcn.into(),
            kind: AckKind::ClaimAck277,
            status_before: "submitted".into(),
            status_after: after.into(),
            rejected,
            reason: String::new(),
        }
    }

    fn references(t: &Table) -> Vec<String> {
        t.rows().iter().map(|r| r[2].display()).collect()
    }

    #[test]
    fn the_terminal_table_lists_what_needs_action_first_and_counts_what_it_leaves_out() {
        let posting = AckPosting {
            file: "a.277ca".into(),
            claims: vec![claim("A", "accepted", false), claim("B", "rejected", true), claim("C", "accepted", false)],
            unmatched: vec![Unmatched { kind: AckKind::ClaimAck277, reference: "U".into(), reason: String::new() }],
            ..AckPosting::default()
        };
        let postings = [posting.clone(), posting];
        let (t, left_out) = outcomes(&postings, 2, str::to_string);
        assert_eq!(references(&t), ["B", "U", "B", "U"]);
        assert_eq!(left_out, [2, 2]);
        let (t, left_out) = outcomes(&postings, usize::MAX, str::to_string);
        assert_eq!(references(&t), ["B", "U", "A", "C", "B", "U", "A", "C"]);
        assert_eq!(left_out, [0, 0]);
    }
}
