//! One nightly run over an inbox, step by step. Each step commits on its own, so a run stopped at
//! any point leaves the ledger consistent, and the next run picks up what is left.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use super::inbox::{self, InboxKind};
use crate::ack::post::post_ack_file;
use crate::claim837::build::{BuildOptions, BuildReport, build_with_progress};
use crate::ingest::{ImportOptions, import_file_with_progress};
use crate::ledger::{Ledger, LedgerError};
use crate::progress::Progress;
use crate::remit835::post::{ContractRates, PostOptions, PostOutcome, post_835_with_progress};
use crate::scrub::{CodeReference, ScrubOptions, ScrubSummary, run_scrub_each};

/// What a nightly run is told.
pub struct NightlyOptions<'a> {
    pub inbox: PathBuf,
    pub outbox: PathBuf,
    /// Processed files are moved to `archive/<date>/`; left in the inbox when `None` (they are
    /// recognised by content and not processed twice).
    pub archive: Option<PathBuf>,
    /// "Today" for scrubbing (timely filing, future dates) and the archive folder.
    pub today: NaiveDate,
    pub reference: &'a dyn CodeReference,
    pub rates: &'a dyn ContractRates,
    pub post: PostOptions,
}

/// What happened to one inbox file.
#[derive(Debug, Clone, Serialize)]
pub struct InboxFileOutcome {
    pub file: PathBuf,
    /// `encounters`, `acknowledgment`, `remittance`, `other`.
    pub kind: &'static str,
    /// `processed`, `already processed`, `needs attention`, `failed`, `skipped`.
    pub result: &'static str,
    /// One line: counts, or the error.
    pub detail: String,
    /// Where it was archived.
    pub archived_to: Option<PathBuf>,
}

/// The whole run, for the morning summary.
#[derive(Debug, Clone, Serialize, Default)]
pub struct NightlySummary {
    pub files: Vec<InboxFileOutcome>,
    pub encounters_new: usize,
    pub encounters_updated: usize,
    pub records_rejected: usize,
    pub acks_rejected: usize,
    pub remit_claims_matched: usize,
    pub remittances_needing_attention: usize,
    pub scrub: Option<ScrubSummary>,
    pub claims_built: usize,
    pub batches_written: Vec<PathBuf>,
    pub encounters_not_billed: usize,
}

impl NightlySummary {
    /// A file could not be read at all.
    pub fn has_input_errors(&self) -> bool {
        self.files.iter().any(|f| f.result == "failed")
    }

    /// Something a biller must act on: rejected records, held encounters, rejections,
    /// unbalanced or unmatched remittances.
    pub fn needs_attention(&self) -> bool {
        self.records_rejected > 0
            || self.acks_rejected > 0
            || self.remittances_needing_attention > 0
            || self.scrub.as_ref().is_some_and(|s| s.held > 0)
            || self.encounters_not_billed > 0
            || self.files.iter().any(|f| f.result == "needs attention")
    }
}

/// Failures that stop the run (the ledger or the outbox), as opposed to a bad inbox file, which
/// is reported and skipped.
#[derive(Debug, thiserror::Error)]
pub enum NightlyError {
    #[error("inbox {path}: {source}")]
    Inbox { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("scrub: {0}")]
    Scrub(#[from] crate::scrub::ScrubError),
    #[error("build: {0}")]
    Build(#[from] crate::claim837::build::BuildError),
}

/// Runs every step over the inbox: import, acknowledgments, remittances, scrub, build, archive.
pub fn run(
    ledger: &mut Ledger,
    opts: &NightlyOptions<'_>,
    progress: &dyn Progress,
) -> Result<NightlySummary, NightlyError> {
    let mut summary = NightlySummary::default();
    let listing =
        inbox::list_files(&opts.inbox).map_err(|source| NightlyError::Inbox { path: opts.inbox.clone(), source })?;
    for (path, why) in listing.refused {
        summary.files.push(outcome(&path, "other", "failed", why));
    }
    let mut classified = Vec::with_capacity(listing.files.len());
    for path in listing.files {
        match inbox::classify(&path) {
            Ok(kind) => classified.push((path, kind)),
            Err(e) => summary.files.push(outcome(&path, "other", "failed", e.to_string())),
        }
    }
    let of_kind = |k: InboxKind| classified.iter().filter(move |(_, kind)| *kind == k).map(|(p, _)| p.clone());

    // 1. Encounters from the EMR: one transaction per file.
    let encounter_files: Vec<PathBuf> = of_kind(InboxKind::Encounters).collect();
    for path in encounter_files {
        let mut tx = ledger.transaction()?;
        match import_file_with_progress(&mut tx, &path, &ImportOptions::default(), progress) {
            Ok(s) => {
                tx.commit().map_err(LedgerError::from)?;
                summary.encounters_new += s.new;
                summary.encounters_updated += s.updated;
                summary.records_rejected += s.rejected;
                let result = if s.already_imported {
                    "already processed"
                } else if s.rejected > 0 || !s.conflicts.is_empty() {
                    "needs attention"
                } else {
                    "processed"
                };
                let detail = format!(
                    "{} new, {} updated, {} unchanged, {} conflicts, {} records rejected",
                    s.new,
                    s.updated,
                    s.unchanged,
                    s.conflicts.len(),
                    s.rejected
                );
                summary.files.push(outcome(&path, "encounters", result, detail));
            }
            Err(e) => {
                drop(tx);
                summary.files.push(outcome(&path, "encounters", "failed", e.to_string()));
            }
        }
    }

    // 2. Acknowledgments (999, TA1, 277CA).
    for path in of_kind(InboxKind::Acknowledgment) {
        match post_ack_file(ledger, &path) {
            Ok(p) => {
                summary.acks_rejected += p.rejected;
                let result = if p.already_posted {
                    "already processed"
                } else if p.needs_attention() {
                    "needs attention"
                } else {
                    "processed"
                };
                let detail =
                    format!("{} accepted, {} rejected, {} unmatched", p.accepted, p.rejected, p.unmatched.len());
                summary.files.push(outcome(&path, "acknowledgment", result, detail));
            }
            Err(e) => summary.files.push(outcome(&path, "acknowledgment", "failed", e.to_string())),
        }
    }

    // 3. Remittances (835).
    for path in of_kind(InboxKind::Remittance) {
        match post_835_with_progress(ledger, &path, opts.rates, &opts.post, progress) {
            Ok(r) => {
                let paid = r.transactions.iter().map(|t| t.matched_claims as usize).sum::<usize>();
                summary.remit_claims_matched += paid;
                let result = if r.outcome != PostOutcome::Posted {
                    "already processed"
                } else if r.needs_attention() {
                    summary.remittances_needing_attention += 1;
                    "needs attention"
                } else {
                    "processed"
                };
                let detail = format!(
                    "{} payment(s), {} claims matched, {} unmatched, {} underpayments",
                    r.transactions.len(),
                    paid,
                    r.unmatched_total,
                    r.underpayments_total
                );
                summary.files.push(outcome(&path, "remittance", result, detail));
            }
            Err(e) if e.is_input_error() => {
                summary.files.push(outcome(&path, "remittance", "failed", e.to_string()));
            }
            Err(e) => return Err(NightlyError::Inbox { path: path.clone(), source: std::io::Error::other(e) }),
        }
    }
    for path in of_kind(InboxKind::OtherX12) {
        summary.files.push(outcome(
            &path,
            "other",
            "skipped",
            "not an 835, 999, TA1 or 277CA: left in the inbox".into(),
        ));
    }

    // 4. Scrub every unbilled encounter; 5. bill the clean ones (and secondary claims).
    // Only the totals are reported: encounters are not kept (memory stays flat however many).
    let scrub = run_scrub_each(
        ledger,
        &ScrubOptions { encounter: None, today: opts.today, reference: opts.reference },
        progress,
        &mut |_| {},
    )?;
    summary.scrub = Some(scrub.summary);
    let built: BuildReport = build_with_progress(
        ledger,
        &BuildOptions { out_dir: opts.outbox.clone(), payer: None, dry_run: false, as_of: None },
        progress,
    )?;
    summary.claims_built = built.claims();
    summary.batches_written = built.batches.iter().map(|b| b.path.clone()).collect();
    summary.encounters_not_billed = built.skipped.len();

    // 6. Archive what was processed; failed and skipped files stay for a person to look at.
    if let Some(archive_dir) = &opts.archive {
        for f in &mut summary.files {
            if matches!(f.result, "processed" | "already processed" | "needs attention") {
                let moved = inbox::archive(&f.file, archive_dir, opts.today)
                    .map_err(|source| NightlyError::Inbox { path: f.file.clone(), source })?;
                f.archived_to = Some(moved);
            }
        }
    }
    Ok(summary)
}

fn outcome(path: &Path, kind: &'static str, result: &'static str, detail: String) -> InboxFileOutcome {
    InboxFileOutcome { file: path.to_path_buf(), kind, result, detail, archived_to: None }
}
