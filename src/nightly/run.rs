//! One nightly run over an inbox, step by step. Each step commits on its own, so a run stopped at
//! any point leaves the ledger consistent, and the next run picks up what is left.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use super::inbox::{self, InboxKind};
use crate::claim837::build::{BuildOptions, BuildReport, build_with_progress};
use crate::ingest::{ImportOptions, Mapping, import_file_with_progress};
use crate::ledger::{Ledger, LedgerError};
use crate::progress::Progress;
use crate::remit835::post::{ContractRates, PostOptions, PostOutcome, post_835_with_progress};
use crate::scrub::{CodeReference, ScrubOptions, ScrubSummary, run_scrub_each};
use crate::status::post::post_payer_response;

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
    /// Column mappings for CSV exports, by file-name pattern (`*`, `?`): the first match wins.
    pub mappings: Vec<(String, Mapping)>,
    /// The mapping for CSV exports no pattern matches (`None`: the canonical columns).
    pub mapping: Option<Mapping>,
}

impl NightlyOptions<'_> {
    /// The mapping an encounter export named `name` is read with.
    pub fn mapping_for(&self, name: &str) -> Option<&Mapping> {
        self.mappings
            .iter()
            .find(|(pattern, _)| crate::config::name_matches(pattern, name))
            .map(|(_, m)| m)
            .or(self.mapping.as_ref())
    }
}

/// Something a biller must act on, as the run found it. `key` stays the same from one run to the
/// next while the problem does (the encounter and its rules, or the file's content and what is
/// wrong), so "same as yesterday" can be told from new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NightlyFinding {
    pub key: String,
    /// `held encounter`, `not billed`, `inbox file`, `unreadable records`, `failed file`.
    pub kind: &'static str,
    /// The encounter ID or file.
    pub reference: String,
    pub detail: String,
    /// Not there after the previous run ([`remember_findings`] sets it; true until then).
    pub new: bool,
    /// The date it was first seen (the run's date when new).
    pub since: Option<String>,
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
    /// Of the records rejected, those that cannot be read as claim data at all (a code, date or ID
    /// holding a character X12 cannot carry): input data errors, exit 3 like `import`'s.
    pub records_unreadable: usize,
    pub acks_rejected: usize,
    pub remit_claims_matched: usize,
    pub remittances_needing_attention: usize,
    pub scrub: Option<ScrubSummary>,
    pub claims_built: usize,
    pub batches_written: Vec<PathBuf>,
    pub encounters_not_billed: usize,
    /// Every finding of the run (see [`NightlyFinding`]).
    pub findings: Vec<NightlyFinding>,
}

impl NightlySummary {
    /// A file could not be read at all, or records of an export could not be read as claim data.
    pub fn has_input_errors(&self) -> bool {
        self.files.iter().any(|f| f.result == "failed") || self.records_unreadable > 0
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

    /// A finding the previous run did not have.
    pub fn has_new_findings(&self) -> bool {
        self.findings.iter().any(|f| f.new)
    }

    /// A file that could not be read at all, or an export with unreadable records, that the
    /// previous run did not report the same way.
    pub fn has_new_input_errors(&self) -> bool {
        self.findings.iter().any(|f| f.new && matches!(f.kind, "failed file" | "unreadable records"))
    }
}

/// Marks which of `summary`'s findings the previous run (remembered in the ledger) did not have,
/// and remembers this run's for the next.
pub fn remember_findings(
    ledger: &mut Ledger,
    summary: &mut NightlySummary,
    today: NaiveDate,
) -> Result<(), LedgerError> {
    let previous = crate::ledger::nightly_state::previous_findings(ledger.conn())?;
    let mut current = Vec::with_capacity(summary.findings.len());
    for f in &mut summary.findings {
        let since = previous.get(&f.key).cloned();
        f.new = since.is_none();
        let since = since.unwrap_or_else(|| today.to_string());
        current.push((f.key.clone(), since.clone()));
        f.since = Some(since);
    }
    crate::ledger::nightly_state::replace_findings(ledger.conn_mut(), &current)
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
    let mut with_unreadable_records: Vec<PathBuf> = Vec::new();
    for path in encounter_files {
        let mut tx = ledger.transaction()?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let import = ImportOptions { format: None, mapping: opts.mapping_for(&name).cloned() };
        match import_file_with_progress(&mut tx, &path, &import, progress) {
            Ok(s) => {
                tx.commit().map_err(LedgerError::from)?;
                summary.encounters_new += s.new;
                summary.encounters_updated += s.updated;
                summary.records_rejected += s.rejected;
                summary.records_unreadable += s.unreadable;
                let result = if s.already_imported {
                    "already processed"
                } else if s.rejected > 0 || !s.conflicts.is_empty() {
                    "needs attention"
                } else {
                    "processed"
                };
                let mut detail = format!(
                    "{} new, {} updated, {} unchanged, {} conflicts, {} records rejected",
                    s.new,
                    s.updated,
                    s.unchanged,
                    s.conflicts.len(),
                    s.rejected
                );
                if s.unreadable > 0 {
                    detail.push_str(&format!(
                        " ({} unreadable: a code, date or ID holds a character X12 cannot carry)",
                        s.unreadable
                    ));
                    if !s.already_imported {
                        with_unreadable_records.push(path.clone());
                    }
                }
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
        match post_payer_response(ledger, &path) {
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
        let post = PostOptions { today: opts.post.today.or(Some(opts.today)), ..opts.post.clone() };
        match post_835_with_progress(ledger, &path, opts.rates, &post, progress) {
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
    // 3b. Eligibility answers (271), before the scrub that checks them.
    for path in of_kind(InboxKind::Eligibility) {
        match crate::eligibility::post::post_file(ledger, &path) {
            Ok(p) => {
                let result = if !p.posted {
                    "already processed"
                } else if p.unmatched > 0 {
                    "needs attention"
                } else {
                    "processed"
                };
                let detail = format!("{} answers, {} recorded, {} unmatched", p.answers, p.recorded, p.unmatched);
                summary.files.push(outcome(&path, "eligibility", result, detail));
            }
            Err(e) => summary.files.push(outcome(&path, "eligibility", "failed", e.to_string())),
        }
    }
    for path in of_kind(InboxKind::OtherX12) {
        summary.files.push(outcome(
            &path,
            "other",
            "skipped",
            "not an 835, 999, TA1, 277CA or 271: left in the inbox".into(),
        ));
    }

    // 4. Scrub every unbilled encounter; 5. bill the clean ones (and secondary claims).
    // Only the totals are reported: encounters are not kept (memory stays flat however many).
    let mut held: Vec<(String, String)> = Vec::new();
    let scrub = run_scrub_each(
        ledger,
        &ScrubOptions { encounter: None, today: opts.today, reference: opts.reference },
        progress,
        &mut |e| {
            if e.status == crate::scrub::EncounterVerdict::Error {
                let mut rules: Vec<&str> = e
                    .findings
                    .iter()
                    .filter(|f| f.severity == crate::scrub::Severity::Error)
                    .map(|f| f.rule_id)
                    .collect();
                rules.sort_unstable();
                rules.dedup();
                held.push((e.id, rules.join(", ")));
            }
        },
    )?;
    summary.scrub = Some(scrub.summary);
    let built: BuildReport = build_with_progress(
        ledger,
        &BuildOptions { out_dir: opts.outbox.clone(), payer: None, dry_run: false, as_of: None, list_claims: false },
        progress,
    )?;
    summary.claims_built = built.claims();
    summary.batches_written = built.batches.iter().map(|b| b.path.clone()).collect();
    summary.encounters_not_billed = built.skipped.len();
    // A held encounter is the same finding until it is fixed, whatever rule holds it today (a
    // duplicate held against its twin in the same import is held against the billed twin the
    // next night).
    for (id, rules) in held {
        summary.findings.push(finding(format!("held:{id}"), "held encounter", id, format!("scrub errors: {rules}")));
    }
    for s in &built.skipped {
        summary.findings.push(finding(
            format!("not billed:{}:{}", s.encounter_id, s.reason),
            "not billed",
            s.encounter_id.clone(),
            s.reason.clone(),
        ));
    }
    for f in &summary.files {
        let kind = match f.result {
            "failed" => "failed file",
            "needs attention" if with_unreadable_records.contains(&f.file) => "unreadable records",
            "needs attention" => "inbox file",
            _ => continue,
        };
        // The same content failing again is the same finding, whatever the file is called.
        let content = crate::digest::sha256_file(&f.file).unwrap_or_default();
        let key = format!("{kind}:{content}:{}", f.detail);
        let finding = finding(key, kind, f.file.display().to_string(), f.detail.clone());
        summary.findings.push(finding);
    }

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

fn finding(key: String, kind: &'static str, reference: String, detail: String) -> NightlyFinding {
    NightlyFinding { key, kind, reference, detail, new: true, since: None }
}

fn outcome(path: &Path, kind: &'static str, result: &'static str, detail: String) -> InboxFileOutcome {
    InboxFileOutcome { file: path.to_path_buf(), kind, result, detail, archived_to: None }
}
