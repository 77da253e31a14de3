//! The ledger side of claims: `claimkit build`, `claimkit correct` and `claimkit void`.
//!
//! **Build.** Every encounter whose last scrub was clean (or warnings only) for its current content
//! and that has no primary claim yet becomes a claim. Claims are grouped by receiver
//! (clearinghouse): one file per receiver, named `<receiver>-<ISA13>.837`, e.g.
//! `CLEARINGHOUSE-000000042.837`.
//!
//! Claims go out in the order their encounters were imported: the build picks its candidates from
//! the scrub's narrow rows (`encounter_scrubs`), then streams the wide encounter rows (each holds
//! the whole encounter JSON) in rowid order, front to back, each page read once; each encounter is
//! read, planned, written and recorded before the next is read. Only the candidates' rowids are
//! held (8 bytes a claim, in SQLite): memory stays flat however many claims a build writes.
//! (Reading in CLM01 order instead, so that the claims' keys went into their B-trees in ascending
//! order, cost a random page read per claim: a third more time for 100,000 claims.)
//!
//! **Crash safety.** The order of a build is:
//! 1. allocate ISA13/GS06/ST02 and commit them at once (a number is never used twice, even after
//!    a crash);
//! 2. open one ledger transaction; write each file to a hidden temporary file in the output
//!    directory while inserting its batch, claims, lines and `submitted` events into that
//!    transaction; fsync the file, rename it to its final name, fsync the directory;
//! 3. commit. If anything fails before the commit, the renamed files are removed and the
//!    transaction rolls back: no claim is marked submitted without its file, and no file stays
//!    without its claims.
//!
//! A crash (power cut) between a rename and the commit leaves a file whose claims are not
//! recorded. The next build (or correct/void) finds it (its name parses as `<receiver>-<ISA13>.837`
//! but no batch with that receiver and ISA13 is recorded) and renames it to
//! `<name>.unrecorded`, so it is not picked up and sent; its claims are still unbilled and go out
//! again in the new file, with the same CLM01s and new control numbers.
//!
//! **Dry run.** The files are written with the numbers the next real build would get (nothing is
//! allocated or recorded), as `<receiver>-<ISA13>.dry-run.837`, with ISA15 forced to `T` (test)
//! so that a dry-run file sent by mistake is never processed as production data.
//!
//! **Corrections.** `correct PCN` re-bills a claim as a replacement (CLM05-3 `7`) and `void PCN` as
//! a void (`8`), each with REF*F8 = the payer's claim number recorded from the 277CA or 835, in a
//! batch of its own. A replacement bills the newest re-imported version of the encounter (an
//! import conflict, when ingest recorded one after the claim was billed), a void the version that
//! was billed. Both refuse when no payer claim number is known.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Batch837Writer, CLAIMS_PER_TRANSACTION, Claim, ClaimError, ClaimRequest, Responsibility};
use crate::dates::DateText;
use crate::encounter::{ClaimFrequency, Encounter};
use crate::handoff::ChunkSender;
use crate::ledger::{
    ControlNumbers, Ledger, LedgerError, allocate_envelope, billing::load_practice, now_timestamp, stored_text,
};
use crate::practice::{Practice, Receiver, Usage};
use crate::x12::WriteError;

/// What `build` (and `correct`/`void`) should do.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Where the 837 files go (the CLI's default is `./outbox`).
    pub out_dir: PathBuf,
    /// Bill only this payer's encounters.
    pub payer: Option<String>,
    /// Write the files, record nothing, allocate no control numbers.
    pub dry_run: bool,
    /// The date and time written in ISA/GS/BHT; now (UTC) when `None`.
    pub as_of: Option<NaiveDateTime>,
}

/// One file written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    pub receiver_id: String,
    pub path: PathBuf,
    pub sha256: String,
    /// ISA13 as written (9 digits).
    pub isa13: String,
    pub gs06: String,
    pub st02: Vec<String>,
    pub usage: char,
    pub claims: usize,
    pub total_charge: Decimal,
}

/// An encounter that could not be billed, and why (no patient data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedEncounter {
    pub encounter_id: String,
    pub reason: String,
}

/// The outcome of a build.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildReport {
    pub dry_run: bool,
    pub batches: Vec<BatchSummary>,
    pub skipped: Vec<SkippedEncounter>,
    /// Files left by a crashed earlier run whose claims were never recorded, renamed to `.unrecorded`.
    pub unrecorded_files: Vec<PathBuf>,
}

impl BuildReport {
    /// Claims written in all files.
    pub fn claims(&self) -> usize {
        self.batches.iter().map(|b| b.claims).sum()
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }
}

/// Failures of build, correct and void.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("the ledger has no practice configuration; load one with `claimkit init --practice FILE.toml`")]
    NoPractice,
    #[error("payer {0} is not in the practice configuration")]
    UnknownPayer(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Write { path: PathBuf, source: WriteError },
    #[error("{path} already exists; refusing to overwrite an 837 file (is another ledger writing to this directory?)")]
    FileExists { path: PathBuf },
    #[error("encounter {encounter}: the stored encounter cannot be read ({message})")]
    BadEncounter { encounter: String, message: String },
    #[error("claim {0} is not in the ledger")]
    UnknownClaim(String),
    #[error(
        "claim {pcn}: no payer claim number is known yet (it comes from the payer's 277CA or 835); a {action} needs it for REF*F8"
    )]
    NoPayerClaimNumber { pcn: String, action: &'static str },
    #[error("claim {pcn} is itself a void; it cannot be corrected or voided")]
    ClaimIsVoid { pcn: String },
    #[error("claim {pcn} was already voided by claim {by}")]
    AlreadyVoided { pcn: String, by: String },
    #[error(transparent)]
    Claim(#[from] ClaimError),
}

fn sql(e: rusqlite::Error) -> BuildError {
    BuildError::Ledger(LedgerError::Sql(e))
}

/// A claim planned beforehand (secondary claims, corrections and voids).
struct PlannedClaim {
    claim: Box<Claim>,
    encounter_hash: String,
    replaces: Option<String>,
}

/// What goes into one receiver's file: the clean encounters of its payers still unbilled (read
/// from the ledger while writing, in import order, never held in memory), then claims planned
/// beforehand.
#[derive(Default)]
struct BatchPlan {
    /// The practice's payers sent through this receiver (a JSON array, bound for `json_each`), or
    /// `None` when the batch carries only planned claims.
    stored_payers: Option<String>,
    /// How many stored encounters the batch may carry (an upper bound: the transaction sets are
    /// allocated from it before anything is read).
    stored: usize,
    planned: Vec<PlannedClaim>,
}

impl BatchPlan {
    fn claims(&self) -> usize {
        self.stored + self.planned.len()
    }
}

/// Which clean, unbilled encounters a candidates query picks by payer, `?1` being a JSON array of
/// payer IDs: those of the payers in it (to bill), or of every other payer (clean, but with no
/// payer or receiver configured to send them to: reported).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Payers {
    Listed,
    NotListed,
}

impl Payers {
    fn test(self) -> &'static str {
        match self {
            Payers::Listed => "IN",
            Payers::NotListed => "NOT IN",
        }
    }
}

/// The test of a clean, unbilled `encounter_scrubs` row `s` of the payers `payers` picks. It reads
/// the narrow rows alone: whether the row is still for its encounter's current content (a
/// re-import since makes it stale) is left to the query that reads the encounter.
fn scrubbed_unbilled(payers: Payers) -> String {
    format!(
        "s.scrub_status IN ('clean', 'warning') AND s.payer_id {} (SELECT value FROM json_each(?1))
      AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.encounter_id = s.encounter_id AND c.responsibility = 'P')",
        payers.test()
    )
}

/// The clean, unbilled encounters (`FROM ... WHERE ...`): those whose `encounter_scrubs` row is
/// for their current content.
fn scrubbed_candidates(payers: Payers) -> String {
    format!(
        "
    FROM encounter_scrubs s CROSS JOIN encounters e ON e.id = s.encounter_id
    WHERE {} AND s.scrubbed_hash = e.content_hash",
        scrubbed_unbilled(payers)
    )
}

/// [`scrubbed_candidates`] of the listed payers as the build reads them: whole encounters, in the
/// order they were imported. The candidates are picked from the narrow rows first (their
/// encounters' rowids come from the ID index alone); the wide rows are then read in rowid order,
/// front to back, each page once, instead of one random page per claim.
fn billable_in_import_order() -> String {
    format!(
        "SELECT e.id, e.encounter_json, e.content_hash
    FROM encounters e CROSS JOIN encounter_scrubs s ON s.encounter_id = e.id
    WHERE e.rowid IN (SELECT e.rowid FROM encounter_scrubs s CROSS JOIN encounters e ON e.id = s.encounter_id
                      WHERE {})
      AND s.scrubbed_hash = e.content_hash
    ORDER BY e.rowid",
        scrubbed_unbilled(Payers::Listed)
    )
}

/// [`scrubbed_candidates`] for encounters without an `encounter_scrubs` row, from the older
/// `encounters.scrub_status` columns.
fn old_status_candidates(payers: Payers) -> String {
    let test = payers.test();
    format!(
        "
    FROM encounters e
    WHERE e.scrub_status IS NOT NULL AND e.scrub_status IN ('clean', 'warning') AND e.scrubbed_hash = e.content_hash
      AND NOT EXISTS (SELECT 1 FROM encounter_scrubs s WHERE s.encounter_id = e.id)
      AND e.payer_id {test} (SELECT value FROM json_each(?1))
      AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.encounter_id = e.id AND c.responsibility = 'P')"
    )
}

/// Bills every clean, unbilled encounter: writes one 837P per receiver and records the batches.
pub fn build(ledger: &mut Ledger, opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    build_with_progress(ledger, opts, &crate::progress::Silent)
}

/// [`build`], reporting each claim written to `progress`.
pub fn build_with_progress(
    ledger: &mut Ledger,
    opts: &BuildOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<BuildReport, BuildError> {
    let practice = load_practice(ledger.conn())?.ok_or(BuildError::NoPractice)?;
    if let Some(p) = &opts.payer
        && practice.payer(p).is_none()
    {
        return Err(BuildError::UnknownPayer(p.clone()));
    }
    let wanted = |payer: &str| opts.payer.as_deref().is_none_or(|p| p == payer);
    let mut skipped = Vec::new();
    let mut plans: BTreeMap<String, BatchPlan> = BTreeMap::new();
    // The payers each receiver bills, and every payer a claim can be sent to.
    let mut billable: Vec<&str> = Vec::new();
    for payer in practice.payers.iter().filter(|p| practice.receiver(&p.receiver).is_some()) {
        billable.push(&payer.id);
        if wanted(&payer.id) {
            plans.entry(payer.receiver.clone()).or_default();
        }
    }
    let conn = ledger.conn();
    for (receiver, plan) in plans.iter_mut() {
        let payers: Vec<&str> = practice
            .payers
            .iter()
            .filter(|p| p.receiver == *receiver && wanted(&p.id))
            .map(|p| p.id.as_str())
            .collect();
        let payers = serde_json::to_string(&payers).unwrap_or_else(|_| "[]".into());
        // An upper bound read from the narrow rows alone (the encounters are read once, while
        // writing): a re-import after the scrub makes a row stale, and a stale row is not billed.
        let scrubbed: i64 = conn
            .query_row(
                &format!("SELECT COUNT(*) FROM encounter_scrubs s WHERE {}", scrubbed_unbilled(Payers::Listed)),
                [&payers],
                |r| r.get(0),
            )
            .map_err(sql)?;
        let old: i64 = conn
            .query_row(&format!("SELECT COUNT(*) {}", old_status_candidates(Payers::Listed)), [&payers], |r| r.get(0))
            .map_err(sql)?;
        plan.stored = (scrubbed + old) as usize;
        plan.stored_payers = Some(payers);
    }
    // Clean encounters whose payer or receiver is not configured: reported, not billed.
    {
        let billable = serde_json::to_string(&billable).unwrap_or_else(|_| "[]".into());
        for from in [scrubbed_candidates(Payers::NotListed), old_status_candidates(Payers::NotListed)] {
            let mut stmt = conn.prepare(&format!("SELECT e.id, e.payer_id {from} ORDER BY e.id")).map_err(sql)?;
            let rows =
                stmt.query_map([&billable], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(sql)?;
            for row in rows {
                let (id, payer_id) = row.map_err(sql)?;
                if !wanted(&payer_id) {
                    continue;
                }
                let reason = match practice.payer(&payer_id) {
                    Some(payer) => ClaimError::UnknownReceiver {
                        encounter: id.clone(),
                        payer: payer_id.clone(),
                        receiver: payer.receiver.clone(),
                    },
                    None => ClaimError::UnknownPayer { encounter: id.clone(), payer: payer_id },
                };
                skipped.push(SkippedEncounter { reason: reason.to_string(), encounter_id: id });
            }
        }
        skipped.sort_by(|a, b| a.encounter_id.cmp(&b.encounter_id));
    }
    // Secondary claims: the primary payer has paid and the encounter names a second insurance.
    for candidate in super::secondary::secondary_candidates(ledger.conn()).map_err(sql)? {
        let id = candidate.encounter_id.clone();
        let encounter: Encounter = serde_json::from_str(&candidate.encounter_json)
            .map_err(|e| BuildError::BadEncounter { encounter: id.clone(), message: e.to_string() })?;
        let secondary_payer = encounter.secondary.as_ref().map(|s| s.payer_id.clone()).unwrap_or_default();
        if opts.payer.as_ref().is_some_and(|p| *p != secondary_payer) {
            continue;
        }
        let Some(primary) =
            super::secondary::primary_adjudication(ledger.conn(), &candidate.primary_pcn).map_err(sql)?
        else {
            continue;
        };
        let request = ClaimRequest {
            responsibility: Responsibility::Secondary,
            frequency: ClaimFrequency::Original,
            original_claim_number: None,
            sequence: 1,
            primary: Some(primary),
        };
        match Claim::plan_owned(encounter, &practice, &request) {
            Ok(claim) => plans.entry(claim.payer.receiver.clone()).or_default().planned.push(PlannedClaim {
                claim: Box::new(claim),
                encounter_hash: candidate.encounter_hash,
                replaces: None,
            }),
            Err(e) => skipped.push(SkippedEncounter { encounter_id: id, reason: format!("secondary claim: {e}") }),
        }
    }
    // Planned claims (secondary ones) follow the stored encounters in PCN order, so a rebuilt
    // file lists them the same way.
    for plan in plans.values_mut() {
        plan.planned.sort_by(|a, b| a.claim.pcn.cmp(&b.claim.pcn));
    }
    let total = plans.values().map(BatchPlan::claims).sum::<usize>() as u64;
    progress.start("build", Some(total));
    let report = emit(ledger, &practice, plans, opts, progress);
    progress.finish();
    let mut report = report?;
    skipped.append(&mut report.skipped);
    report.skipped = skipped;
    Ok(report)
}

/// Re-bills claim `pcn` as a replacement (frequency 7) of the newest version of its encounter.
pub fn correct(ledger: &mut Ledger, pcn: &str, opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    resubmit(ledger, pcn, ClaimFrequency::Replacement, opts)
}

/// Voids claim `pcn` (frequency 8).
pub fn void(ledger: &mut Ledger, pcn: &str, opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    resubmit(ledger, pcn, ClaimFrequency::Void, opts)
}

fn resubmit(
    ledger: &mut Ledger,
    pcn: &str,
    frequency: ClaimFrequency,
    opts: &BuildOptions,
) -> Result<BuildReport, BuildError> {
    let practice = load_practice(ledger.conn())?.ok_or(BuildError::NoPractice)?;
    let conn = ledger.conn();
    let row: Option<(String, String, String, Option<String>)> = conn
        .query_row(
            "SELECT encounter_id, responsibility, frequency, payer_claim_number FROM claims WHERE pcn = ?1",
            [pcn],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(sql)?;
    let Some((encounter_id, responsibility, billed_frequency, payer_claim_number)) = row else {
        return Err(BuildError::UnknownClaim(pcn.to_string()));
    };
    if billed_frequency == "8" {
        return Err(BuildError::ClaimIsVoid { pcn: pcn.to_string() });
    }
    let action = if frequency == ClaimFrequency::Void { "void" } else { "replacement" };
    let Some(payer_claim_number) = payer_claim_number.filter(|n| !n.trim().is_empty()) else {
        return Err(BuildError::NoPayerClaimNumber { pcn: pcn.to_string(), action });
    };
    let voided_by: Option<String> = conn
        .query_row("SELECT pcn FROM claims WHERE replaces_pcn = ?1 AND frequency = '8'", [pcn], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    if let Some(by) = voided_by {
        return Err(BuildError::AlreadyVoided { pcn: pcn.to_string(), by });
    }
    let stored: Option<(String, String)> = conn
        .query_row("SELECT encounter_json, content_hash FROM encounters WHERE id = ?1", [&encounter_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .map_err(sql)?;
    let newer: Option<(String, String)> = if frequency == ClaimFrequency::Replacement {
        conn.query_row(
            "SELECT new_encounter_json, new_content_hash FROM import_conflicts WHERE encounter_id = ?1
             ORDER BY id DESC LIMIT 1",
            [&encounter_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(sql)?
    } else {
        None
    };
    let Some((json, encounter_hash)) = newer.or(stored) else {
        return Err(BuildError::BadEncounter { encounter: encounter_id, message: "no stored encounter".into() });
    };
    let encounter: Encounter = serde_json::from_str(&json)
        .map_err(|e| BuildError::BadEncounter { encounter: encounter_id.clone(), message: e.to_string() })?;
    let responsibility = Responsibility::from_code(&responsibility).unwrap_or_default();
    let earlier: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM claims WHERE encounter_id = ?1 AND responsibility = ?2 AND frequency = ?3",
            params![encounter_id, responsibility.code(), frequency.code()],
            |r| r.get(0),
        )
        .map_err(sql)?;
    let request = ClaimRequest {
        responsibility,
        frequency,
        original_claim_number: Some(payer_claim_number),
        sequence: earlier as u32 + 1,
        primary: None,
    };
    let claim = Claim::plan_owned(encounter, &practice, &request)?;
    let receiver = claim.payer.receiver.clone();
    let mut plans = BTreeMap::new();
    plans.insert(
        receiver,
        BatchPlan {
            planned: vec![PlannedClaim { claim: Box::new(claim), encounter_hash, replaces: Some(pcn.to_string()) }],
            ..BatchPlan::default()
        },
    );
    emit(ledger, &practice, plans, opts, &crate::progress::Silent)
}

/// The file name of a batch: `<receiver>-<ISA13>.837` (`.dry-run.837` for a dry run).
pub fn batch_file_name(receiver_id: &str, isa13: u64, dry_run: bool) -> String {
    let safe: String =
        receiver_id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    format!("{safe}-{isa13:09}{}.837", if dry_run { ".dry-run" } else { "" })
}

/// The sender/receiver pair control numbers are kept for (ISA06, ISA08).
fn partner_ids<'a>(practice: &'a Practice, receiver: &'a Receiver) -> (&'a str, &'a str) {
    (practice.submitter.interchange_id(), receiver.interchange_id())
}

/// The numbers the next allocation would hand out, without allocating them.
fn peek_envelope(
    conn: &rusqlite::Connection,
    sender: &str,
    receiver: &str,
    transactions: u64,
) -> Result<ControlNumbers, BuildError> {
    let next = |kind: &str| -> Result<u64, BuildError> {
        let last: Option<i64> = conn
            .query_row(
                "SELECT last_value FROM control_numbers WHERE sender = ?1 AND receiver = ?2 AND kind = ?3",
                [sender, receiver, kind],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        Ok(last.unwrap_or(0) as u64 + 1)
    };
    let st = next("ST02")?;
    Ok(ControlNumbers {
        interchange: next("ISA13")?,
        group: next("GS06")?,
        transactions: (st..st + transactions.max(1)).map(|n| format!("{n:04}")).collect(),
    })
}

/// Renames 837 files in `dir` that a crashed run left without recording their claims.
fn set_aside_unrecorded(conn: &rusqlite::Connection, dir: &Path) -> Result<Vec<PathBuf>, BuildError> {
    let io = |source| BuildError::Io { path: dir.to_path_buf(), source };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
    let mut stmt = conn.prepare("SELECT receiver_id FROM batches WHERE isa13 = ?1").map_err(sql)?;
    let mut moved = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".837.tmp") {
            // A temporary file of a run that died before its rename: never complete, never sent.
            let _ = std::fs::remove_file(entry.path());
            continue;
        }
        let Some(stem) = name.strip_suffix(".837").filter(|s| !s.ends_with(".dry-run")) else { continue };
        let Some((_, isa13)) = stem.rsplit_once('-') else { continue };
        if isa13.len() != 9 || !isa13.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let isa13_n: u64 = isa13.parse().unwrap_or(0);
        let recorded = stmt
            .query_map([isa13], |r| r.get::<_, String>(0))
            .map_err(sql)?
            .filter_map(Result::ok)
            .any(|r| batch_file_name(&r, isa13_n, false) == name);
        if !recorded {
            let to = entry.path().with_file_name(format!("{name}.unrecorded"));
            std::fs::rename(entry.path(), &to).map_err(io)?;
            moved.push(to);
        }
    }
    Ok(moved)
}

/// Writes one batch per receiver and records them all in one transaction.
fn emit(
    ledger: &mut Ledger,
    practice: &Practice,
    plans: BTreeMap<String, BatchPlan>,
    opts: &BuildOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<BuildReport, BuildError> {
    let mut report = BuildReport { dry_run: opts.dry_run, ..BuildReport::default() };
    if !opts.dry_run {
        report.unrecorded_files = set_aside_unrecorded(ledger.conn(), &opts.out_dir)?;
    }
    let plans: Vec<(String, BatchPlan)> = plans.into_iter().filter(|(_, p)| p.claims() > 0).collect();
    if plans.is_empty() {
        return Ok(report);
    }
    std::fs::create_dir_all(&opts.out_dir).map_err(|source| BuildError::Io { path: opts.out_dir.clone(), source })?;
    let at = opts.as_of.unwrap_or_else(|| chrono::Utc::now().naive_utc());
    // 1. Control numbers, committed before anything is written.
    let mut batches = Vec::with_capacity(plans.len());
    for (receiver_id, plan) in plans {
        let Some(receiver) = practice.receiver(&receiver_id) else { continue };
        let mut receiver = receiver.clone();
        if opts.dry_run {
            receiver.usage = Usage::Test;
        }
        let (sender, to) = partner_ids(practice, &receiver);
        let sets = plan.claims().div_ceil(CLAIMS_PER_TRANSACTION) as u64;
        let numbers = if opts.dry_run {
            peek_envelope(ledger.conn(), sender, to, sets)?
        } else {
            allocate_envelope(ledger.conn_mut(), sender, to, sets)?
        };
        batches.push((receiver, numbers, plan));
    }
    // 2. Files and rows; 3. commit. Files renamed into place are removed again on any failure.
    // A bounded page cache a little above the default (the same however large the build) holds
    // the index pages the inserts touch; the candidates' rowids (see `billable_in_import_order`)
    // stay in memory rather than in a temporary file.
    // Foreign keys are not enforced while a build records: every row it references is one the
    // same transaction inserts (the batch, the claim of a line or event) or read (the encounter,
    // the claim replaced), and checking them cost two thirds of the recorder's time.
    let mut written: Vec<PathBuf> = Vec::new();
    let result = ledger.with_cache(BUILD_CACHE_KIB, true, |ledger| {
        ledger.with_foreign_keys_off(|ledger| -> Result<(), BuildError> {
            // The thread that reads and writes the claims reads on a connection of its own (none for
            // an in-memory ledger: one thread then does everything).
            let mut reader = ledger.open_reader(READER_CACHE_KIB)?;
            let tx = ledger.transaction()?;
            for (receiver, numbers, plan) in &batches {
                let batch = BatchTarget { practice, receiver, numbers, opts, at };
                let reader = reader.as_mut();
                if let Some(summary) =
                    write_batch(&tx, reader, &batch, plan, &mut written, &mut report.skipped, progress)?
                {
                    report.batches.push(summary);
                }
            }
            crate::ledger::debug_check_foreign_keys(&tx, "a build");
            if !opts.dry_run {
                tx.commit().map_err(sql)?;
            }
            Ok(())
        })
    });
    if let Ok(Err(e)) = result {
        if !opts.dry_run {
            for path in &written {
                let _ = std::fs::remove_file(path);
            }
        }
        return Err(e);
    }
    result?.map(|()| report)
}

/// SQLite page cache during a build, in KiB (negative: `PRAGMA cache_size` takes KiB that way).
const BUILD_CACHE_KIB: i64 = -32768;
/// The reading connection's page cache, in KiB: enough to keep the encounters' ID index and the
/// scrub rows in memory while the wide rows are read in rowid order (bounded: the same however
/// many claims).
const READER_CACHE_KIB: i64 = -16384;

/// Tees written bytes into a SHA-256 so the file need not be read again.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// What the ledger records of one written claim.
struct ClaimRecord {
    pcn: String,
    encounter_id: String,
    payer_id: String,
    responsibility: &'static str,
    frequency: ClaimFrequency,
    replaces: Option<String>,
    st02: String,
    encounter_hash: String,
    patient_id: String,
    first_dos: DateText,
    last_dos: DateText,
    total_charge: String,
    lines: Vec<LineRecord>,
}

struct LineRecord {
    number: u32,
    control_number: String,
    procedure_code: String,
    modifiers: String,
    units: String,
    charge: String,
    date_of_service: DateText,
    rendering_npi: Option<String>,
}

impl ClaimRecord {
    /// The record of `claim`, taking its strings (the claim is written and not needed again).
    fn new(claim: Claim, st02: String, encounter_hash: String, replaces: Option<String>) -> Self {
        let (first, last) = claim.dates_of_service();
        let iso = |d: Option<chrono::NaiveDate>| d.map(crate::dates::iso).unwrap_or_default();
        let total_charge = crate::ledger::money_text(claim.total_charge());
        let Claim { pcn, responsibility, frequency, encounter, payer, .. } = claim;
        let claim_rendering = encounter.rendering_npi;
        let lines = encounter
            .lines
            .into_iter()
            .map(|line| LineRecord {
                number: line.number,
                control_number: super::line_control_number(&pcn, line.number),
                modifiers: line.procedure.modifiers.join(":"),
                procedure_code: line.procedure.code,
                units: crate::x12::x12_decimal(line.units),
                charge: crate::ledger::money_text(line.charge),
                date_of_service: crate::dates::iso(line.date_of_service),
                rendering_npi: line.rendering_npi.or_else(|| claim_rendering.clone()),
            })
            .collect();
        ClaimRecord {
            pcn,
            encounter_id: encounter.id,
            payer_id: payer.id,
            responsibility: responsibility.code(),
            frequency,
            replaces,
            st02,
            encounter_hash,
            patient_id: encounter.patient.id,
            first_dos: iso(first),
            last_dos: iso(last),
            total_charge,
            lines,
        }
    }
}

/// Where one batch goes and with what envelope.
struct BatchTarget<'a> {
    practice: &'a Practice,
    receiver: &'a Receiver,
    numbers: &'a ControlNumbers,
    opts: &'a BuildOptions,
    at: NaiveDateTime,
}

/// Writes one receiver's file and records its batch, claim by claim: each clean encounter is read
/// from the ledger (in import order), planned, written to the temporary file and recorded in the open
/// transaction; nothing accumulates but a few buffered rows. The file is renamed into place once
/// every claim is written and fsynced.
fn write_batch(
    tx: &Transaction<'_>,
    reader: Option<&mut rusqlite::Connection>,
    target: &BatchTarget<'_>,
    plan: &BatchPlan,
    written: &mut Vec<PathBuf>,
    skipped: &mut Vec<SkippedEncounter>,
    progress: &dyn crate::progress::Progress,
) -> Result<Option<BatchSummary>, BuildError> {
    let BatchTarget { practice, receiver, numbers, opts, .. } = *target;
    let name = batch_file_name(&receiver.id, numbers.interchange, opts.dry_run);
    let path = opts.out_dir.join(&name);
    let tmp = opts.out_dir.join(format!(".{name}.tmp"));
    if !opts.dry_run && path.exists() {
        return Err(BuildError::FileExists { path });
    }
    let (sender, to) = partner_ids(practice, receiver);
    let isa13 = format!("{:09}", numbers.interchange);
    let now = now_timestamp();
    tx.execute(
        "INSERT INTO batches (receiver_id, path, sha256, isa13, gs06, st02_list, sender_id, receiver_isa_id, usage,
             claim_count, total_charge, created_at)
         VALUES (?1, ?2, '', ?3, ?4, '', ?5, ?6, ?7, 0, '0.00', ?8)",
        params![
            receiver.id,
            path.display().to_string(),
            isa13,
            numbers.group.to_string(),
            sender,
            to,
            receiver.usage.code().to_string(),
            now
        ],
    )
    .map_err(sql)?;
    let batch_id = tx.last_insert_rowid();
    let mut recorder = ClaimRecorder::new(tx, batch_id, &path, &now);
    let produced = match reader {
        // One thread: read, plan and write each claim, then record it, on the ledger's connection.
        None => {
            let mut sink = |item: Produced| -> Result<bool, BuildError> {
                match item {
                    Produced::Claim(record) => {
                        progress.advance(1);
                        recorder.push(*record)?;
                    }
                    Produced::Skipped(s) => skipped.push(s),
                }
                Ok(true)
            };
            produce(tx, target, plan, &tmp, &mut sink).and_then(|file| recorder.flush().map(|()| file))
        }
        // Two threads: this one records in the transaction while the other reads (its own
        // connection: WAL lets it read the committed ledger while this one writes), plans and
        // writes the X12; a bounded channel between them keeps memory flat.
        Some(conn) => {
            let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Produced>>(CHUNKS_IN_FLIGHT);
            std::thread::scope(|scope| {
                let tmp = &tmp;
                let producer = scope.spawn(move || {
                    let mut sender = ChunkSender::new(send, CHUNK);
                    let produced = produce(conn, target, plan, tmp, &mut |item| Ok(sender.push(item)));
                    if produced.is_ok() {
                        sender.finish();
                    }
                    produced
                });
                let mut recorded = Ok(());
                'chunks: for chunk in receive.iter() {
                    for item in chunk {
                        match item {
                            Produced::Skipped(s) => skipped.push(s),
                            Produced::Claim(record) => {
                                progress.advance(1);
                                if let Err(e) = recorder.push(*record) {
                                    recorded = Err(e);
                                    // Dropping the receiver stops the producer at its next chunk.
                                    break 'chunks;
                                }
                            }
                        }
                    }
                }
                drop(receive);
                if recorded.is_ok() {
                    recorded = recorder.flush();
                }
                let produced = producer.join().unwrap_or_else(|_| {
                    Err(BuildError::Io {
                        path: tmp.clone(),
                        source: std::io::Error::other("the writing thread panicked"),
                    })
                });
                recorded.and(produced)
            })
        }
    };
    let file = match produced {
        Ok(Some(file)) => file,
        Ok(None) => {
            // Every candidate was skipped: no file, no batch row.
            let _ = std::fs::remove_file(&tmp);
            tx.execute("DELETE FROM batches WHERE id = ?1", [batch_id]).map_err(sql)?;
            return Ok(None);
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| BuildError::Io { path: p, source }
    };
    if let Err(e) = std::fs::rename(&tmp, &path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(&path)(e));
    }
    written.push(path.clone());
    sync_dir(&opts.out_dir).map_err(io(&opts.out_dir))?;
    let stats = file.stats;
    tx.execute(
        "UPDATE batches SET sha256 = ?1, st02_list = ?2, claim_count = ?3, total_charge = ?4 WHERE id = ?5",
        params![
            file.sha256,
            stats.transactions.join(","),
            stats.claims as i64,
            crate::ledger::money_text(stats.total_charge),
            batch_id
        ],
    )
    .map_err(sql)?;
    Ok(Some(BatchSummary {
        receiver_id: receiver.id.clone(),
        path,
        sha256: file.sha256,
        isa13,
        gs06: numbers.group.to_string(),
        st02: stats.transactions,
        usage: receiver.usage.code(),
        claims: stats.claims,
        total_charge: stats.total_charge,
    }))
}

/// What the writing side hands to the recording side.
enum Produced {
    Claim(Box<ClaimRecord>),
    Skipped(SkippedEncounter),
}

/// Written claims handed from the writing thread to the recording one at a time, and hand-overs
/// in flight: cheap hand-overs, and memory that stays flat however large the batch.
const CHUNK: usize = 64;
const CHUNKS_IN_FLIGHT: usize = 16;

/// The writing side of [`write_batch`]: reads the batch's clean encounters from `conn` (in import
/// order), plans and writes each claim to `tmp`, then the planned claims, and hands each to `sink`
/// (which answers false to stop); then flushes and fsyncs the file. `None` when no claim was
/// written.
fn produce(
    conn: &rusqlite::Connection,
    target: &BatchTarget<'_>,
    plan: &BatchPlan,
    tmp: &Path,
    sink: &mut dyn FnMut(Produced) -> Result<bool, BuildError>,
) -> Result<Option<WrittenFile>, BuildError> {
    let BatchTarget { practice, receiver, numbers, at, .. } = *target;
    let io = |source| BuildError::Io { path: tmp.to_path_buf(), source };
    let wrap = |source| BuildError::Write { path: tmp.to_path_buf(), source };
    let file = crate::files::create_private(tmp).map_err(io)?;
    let out = HashingWriter { inner: BufWriter::with_capacity(1 << 18, file), hasher: Sha256::new() };
    let mut writer = Batch837Writer::new(out, practice, receiver, numbers, at).map_err(wrap)?;
    let mut add = |sink: &mut dyn FnMut(Produced) -> Result<bool, BuildError>,
                   claim: Claim,
                   encounter_hash: String,
                   replaces: Option<String>|
     -> Result<bool, BuildError> {
        let st02 = writer.add(&claim).map_err(wrap)?;
        sink(Produced::Claim(Box::new(ClaimRecord::new(claim, st02, encounter_hash, replaces))))
    };
    let mut go_on = true;
    if let Some(payers) = &plan.stored_payers {
        for query in [
            billable_in_import_order(),
            format!("SELECT e.id, e.encounter_json, e.content_hash {}", old_status_candidates(Payers::Listed)),
        ] {
            if !go_on {
                break;
            }
            let mut stmt = conn.prepare(&query).map_err(sql)?;
            let mut rows = stmt.query([payers]).map_err(sql)?;
            while let Some(row) = rows.next().map_err(sql)? {
                let id = stored_text(row, 0).map_err(sql)?;
                let skip =
                    |reason: String| Produced::Skipped(SkippedEncounter { encounter_id: id.to_string(), reason });
                // Parsed straight from SQLite's buffer: no copy of the JSON.
                let planned = match serde_json::from_str::<Encounter>(stored_text(row, 1).map_err(sql)?) {
                    Ok(encounter) => {
                        Claim::plan_owned(encounter, practice, &ClaimRequest::default()).map_err(|e| e.to_string())
                    }
                    Err(e) => Err(format!("the stored encounter cannot be read: {e}")),
                };
                go_on = match planned {
                    Ok(claim) => add(sink, claim, stored_text(row, 2).map_err(sql)?.to_string(), None)?,
                    Err(reason) => sink(skip(reason))?,
                };
                if !go_on {
                    break;
                }
            }
        }
    }
    for p in &plan.planned {
        if !go_on {
            break;
        }
        go_on = add(sink, p.claim.as_ref().clone(), p.encounter_hash.clone(), p.replaces.clone())?;
    }
    if !go_on || writer.claims() == 0 {
        // Stopped by the recorder (which reports why), or nothing to write.
        return Ok(None);
    }
    let (out, stats) = writer.finish().map_err(wrap)?;
    let HashingWriter { inner, hasher } = out;
    let file = inner.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Some(WrittenFile { stats, sha256 }))
}

/// A written, fsynced temporary file.
struct WrittenFile {
    stats: super::BatchStats,
    sha256: String,
}

/// Claims per multi-row INSERT: one statement for many rows instead of one each. 64 claim rows of
/// 15 parameters stay far below SQLite's limit.
///
/// The inserts are `INSERT OR FAIL`, with foreign keys not enforced (see [`emit`]): a multi-row
/// statement that may abort halfway needs a statement journal (a copy of every page it touches),
/// which costs more than the batching saves. Any failure fails the whole build, whose transaction
/// then rolls back.
const ROWS_PER_INSERT: usize = 64;

/// Buffers written claims and inserts them into the open transaction `ROWS_PER_INSERT` rows per
/// statement (claims, then their lines, then their events).
struct ClaimRecorder<'t, 'c> {
    tx: &'t Transaction<'c>,
    batch_id: i64,
    file: String,
    source: String,
    now: String,
    pending: Vec<ClaimRecord>,
    /// The full-size statements, prepared on first use and kept for the batch.
    full: [Option<rusqlite::Statement<'t>>; 3],
}

/// One table's multi-row INSERT: its head, and one row's values as a template in which `#` is
/// the row's next parameter and `?1`/`?2` are the batch ID and the time, bound once per statement.
struct RowInsert {
    head: &'static str,
    row: &'static str,
}

impl RowInsert {
    /// Parameters of one row (its `#`s).
    fn width(&self) -> usize {
        self.row.bytes().filter(|b| *b == b'#').count()
    }

    /// The statement for `rows` rows: `head VALUES (..),(..)` with numbered parameters, the row
    /// values from `?3` on.
    fn sql(&self, rows: usize) -> String {
        let mut sql = String::with_capacity(self.head.len() + rows * (self.row.len() + 4 * self.width() + 1));
        sql.push_str(self.head);
        sql.push_str(" VALUES ");
        let mut next = SHARED_PARAMETERS + 1;
        for r in 0..rows {
            if r > 0 {
                sql.push(',');
            }
            for ch in self.row.chars() {
                if ch == '#' {
                    sql.push('?');
                    sql.push_str(&next.to_string());
                    next += 1;
                } else {
                    sql.push(ch);
                }
            }
        }
        sql
    }
}

/// `?1` (the batch ID) and `?2` (the time), bound once per statement for all its rows.
const SHARED_PARAMETERS: usize = 2;

const CLAIMS: RowInsert = RowInsert {
    head: "INSERT OR FAIL INTO billed_claims (pcn, encounter_id, payer_id, responsibility, frequency, replaces_pcn, batch_id,
    st02, encounter_hash, patient_id, first_dos, last_dos, total_charge, submitted_at, updated_at, status)",
    row: "(#,#,#,#,#,#,?1,#,#,#,#,#,#,?2,?2,'submitted')",
};
const LINES: RowInsert = RowInsert {
    head: "INSERT OR FAIL INTO claim_lines (pcn, line_number, line_control_number, procedure_code, modifiers, units,
    charge, date_of_service, rendering_npi)",
    row: "(#,#,#,#,#,#,#,#,#)",
};
const EVENTS: RowInsert = RowInsert {
    head: "INSERT OR FAIL INTO claim_events (pcn, at, kind, status_after, amount, detail, source_file)",
    row: "(#,?2,#,#,#,#,#)",
};

impl<'t, 'c> ClaimRecorder<'t, 'c> {
    fn new(tx: &'t Transaction<'c>, batch_id: i64, path: &Path, now: &str) -> Self {
        ClaimRecorder {
            tx,
            batch_id,
            file: path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
            source: path.display().to_string(),
            now: now.to_string(),
            pending: Vec::with_capacity(ROWS_PER_INSERT),
            full: [None, None, None],
        }
    }

    fn push(&mut self, claim: ClaimRecord) -> Result<(), BuildError> {
        self.pending.push(claim);
        if self.pending.len() >= ROWS_PER_INSERT { self.flush() } else { Ok(()) }
    }

    /// Inserts `items` into `table` ([`ROWS_PER_INSERT`] rows per statement; `slot` keeps its
    /// full-size statement); `row` appends one item's values.
    fn insert_rows<T>(
        &mut self,
        table: &RowInsert,
        slot: usize,
        items: &[T],
        row: impl for<'v> Fn(&'v T, &mut Vec<&'v dyn rusqlite::ToSql>),
    ) -> Result<(), BuildError> {
        let width = table.width();
        let batch_id = self.batch_id;
        let now = self.now.clone();
        for chunk in items.chunks(ROWS_PER_INSERT) {
            let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(SHARED_PARAMETERS + chunk.len() * width);
            values.push(&batch_id);
            values.push(&now);
            for item in chunk {
                row(item, &mut values);
            }
            if chunk.len() == ROWS_PER_INSERT {
                if self.full[slot].is_none() {
                    let text = table.sql(ROWS_PER_INSERT);
                    let stmt = self
                        .tx
                        .prepare_with_flags(&text, rusqlite::PrepFlags::SQLITE_PREPARE_PERSISTENT)
                        .map_err(sql)?;
                    self.full[slot] = Some(stmt);
                }
                if let Some(stmt) = self.full[slot].as_mut() {
                    stmt.execute(&values[..]).map_err(sql)?;
                }
            } else {
                self.tx.prepare(&table.sql(chunk.len())).map_err(sql)?.execute(&values[..]).map_err(sql)?;
            }
        }
        Ok(())
    }

    /// Inserts every buffered claim with its lines and events.
    fn flush(&mut self) -> Result<(), BuildError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let claims: Vec<(&ClaimRecord, &str)> = pending.iter().map(|c| (c, c.frequency.code())).collect();
        self.insert_rows(&CLAIMS, 0, &claims, |(c, freq), v| {
            v.extend_from_slice(&[
                &c.pcn as &dyn rusqlite::ToSql,
                &c.encounter_id,
                &c.payer_id,
                &c.responsibility,
                freq,
                &c.replaces,
                &c.st02,
                &c.encounter_hash,
                &c.patient_id,
                &c.first_dos,
                &c.last_dos,
                &c.total_charge,
            ])
        })?;
        let lines: Vec<(&ClaimRecord, &LineRecord)> =
            pending.iter().flat_map(|c| c.lines.iter().map(move |l| (c, l))).collect();
        self.insert_rows(&LINES, 1, &lines, |(c, l), v| {
            v.extend_from_slice(&[
                &c.pcn as &dyn rusqlite::ToSql,
                &l.number,
                &l.control_number,
                &l.procedure_code,
                &l.modifiers,
                &l.units,
                &l.charge,
                &l.date_of_service,
                &l.rendering_npi,
            ])
        })?;
        // For a replacement or void, the event on the claim it replaces. (A claim's own `submitted`
        // entry is its claims row: the view claim_history words it, migration 7.)
        struct Event<'a> {
            pcn: &'a str,
            kind: &'static str,
            status_after: Option<&'static str>,
            amount: Option<&'a str>,
            detail: String,
        }
        let mut events = Vec::with_capacity(pending.len());
        for claim in &pending {
            if let Some(old) = &claim.replaces {
                let (kind, words) = match claim.frequency {
                    ClaimFrequency::Void => ("voided", "void"),
                    _ => ("corrected", "replacement"),
                };
                events.push(Event {
                    pcn: old,
                    kind,
                    status_after: None,
                    amount: None,
                    detail: format!("{words} claim {} sent in {}", claim.pcn, self.file),
                });
            }
        }
        let source = self.source.clone();
        self.insert_rows(&EVENTS, 2, &events, |e, v| {
            v.extend_from_slice(&[
                &e.pcn as &dyn rusqlite::ToSql,
                &e.kind,
                &e.status_after,
                &e.amount,
                &e.detail,
                &source,
            ])
        })?;
        self.pending = pending;
        self.pending.clear();
        Ok(())
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_file_names_carry_the_receiver_and_the_nine_digit_isa13() {
        assert_eq!(batch_file_name("MEDICARE-EDI", 42, false), "MEDICARE-EDI-000000042.837");
        assert_eq!(batch_file_name("Acme EDI/West", 7, true), "Acme_EDI_West-000000007.dry-run.837");
    }

    #[test]
    fn a_dry_run_peeks_at_the_next_numbers_without_taking_them() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let first = peek_envelope(ledger.conn(), "S", "R", 2).unwrap();
        assert_eq!(
            (first.interchange, first.group, first.transactions.clone()),
            (1, 1, vec!["0001".into(), "0002".into()])
        );
        let taken = allocate_envelope(ledger.conn_mut(), "S", "R", 2).unwrap();
        assert_eq!(taken, first, "the real build gets what the dry run showed");
        assert_eq!(peek_envelope(ledger.conn(), "S", "R", 1).unwrap().interchange, 2);
    }

    /// The CLM01s of an 837P file, in file order.
    fn file_pcns(path: &Path) -> Vec<String> {
        let claims = super::super::read_837p(File::open(path).unwrap()).unwrap();
        claims.into_iter().map(|c| c.pcn).collect()
    }

    /// Asserts that the claims of the 837P file at `path` are in the order their encounters were
    /// imported; returns those encounters' IDs, in file order.
    fn assert_import_order(ledger: &Ledger, path: &Path) -> Vec<String> {
        let encounters: Vec<(i64, String)> = file_pcns(path)
            .iter()
            .map(|pcn| {
                ledger
                    .conn()
                    .query_row(
                        "SELECT e.rowid, e.id FROM claims c JOIN encounters e ON e.id = c.encounter_id WHERE c.pcn = ?1",
                        [pcn],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .unwrap()
            })
            .collect();
        assert!(encounters.windows(2).all(|w| w[0].0 < w[1].0), "claims go out in the order encounters were imported");
        encounters.into_iter().map(|(_, id)| id).collect()
    }

    /// The practice and encounters of tests/fixtures/claim837.
    fn fixture_practice_and_encounters() -> (Practice, Vec<Encounter>) {
        let practice = toml::from_str(include_str!("../../tests/fixtures/claim837/practice.toml")).unwrap();
        let encounters = serde_json::from_str(include_str!("../../tests/fixtures/claim837/encounters.json")).unwrap();
        (practice, encounters)
    }

    /// An in-memory ledger with the fixture practice and encounters, scrubbed clean.
    fn fixture_ledger() -> Ledger {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let (practice, encounters) = fixture_practice_and_encounters();
        let tx = ledger.transaction().unwrap();
        crate::ledger::billing::save_practice(&tx, &practice, Path::new("p.toml"), "x").unwrap();
        for e in &encounters {
            insert_scrubbed(&tx, e, Scrubbed::Clean);
        }
        tx.commit().unwrap();
        ledger
    }

    /// Where an encounter's clean scrub result is kept.
    #[derive(Clone, Copy)]
    enum Scrubbed {
        /// An `encounter_scrubs` row, as the scrub writes it.
        Clean,
        /// Only the older `encounters.scrub_status` columns (a ledger scrubbed before migration 7).
        CleanInOldColumns,
    }

    /// Inserts `e` as ingest does, scrubbed clean for its content as `how` says.
    fn insert_scrubbed(tx: &Transaction<'_>, e: &Encounter, how: Scrubbed) {
        let hash = e.content_hash();
        let old = matches!(how, Scrubbed::CleanInOldColumns);
        tx.execute(
            "INSERT INTO encounters (id, payer_id, patient_id, total_charge, line_count, content_hash,
                 encounter_json, source_format, source_file, source_locator, scrub_status, scrubbed_hash,
                 imported_at, updated_at)
             VALUES (?1, ?2, ?3, '0', 1, ?4, ?5, 'csv', 'f', 'l', ?6, ?7, 't', 't')",
            params![
                e.id,
                e.payer_id,
                e.patient.id,
                hash,
                serde_json::to_string(e).unwrap(),
                old.then_some("clean"),
                old.then_some(&hash)
            ],
        )
        .unwrap();
        if !old {
            let pcn = super::super::patient_control_number(&e.id, Responsibility::Primary, ClaimFrequency::Original, 1);
            tx.execute(
                "INSERT INTO encounter_scrubs (encounter_id, scrub_status, scrubbed_hash, primary_pcn, payer_id, scrubbed_at)
                 VALUES (?1, 'clean', ?2, ?3, ?4, 't')",
                params![e.id, hash, pcn, e.payer_id],
            )
            .unwrap();
        }
    }

    #[test]
    fn a_later_build_on_a_ledger_file_bills_only_what_was_imported_since_in_import_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("ledger.db")).unwrap();
        let (practice, fixtures) = fixture_practice_and_encounters();
        // IDs that sort against the import order (and PCNs, hashes of them, in no order at all).
        let import = |ledger: &mut Ledger, numbers: std::ops::Range<usize>| -> Vec<String> {
            let tx = ledger.transaction().unwrap();
            let ids = numbers
                .map(|i| {
                    let mut e = fixtures[i % fixtures.len()].clone();
                    e.id = format!("Z{:03}-{}", 999 - i, e.id);
                    insert_scrubbed(&tx, &e, Scrubbed::Clean);
                    e.id
                })
                .collect();
            tx.commit().unwrap();
            ids
        };
        {
            let tx = ledger.transaction().unwrap();
            crate::ledger::billing::save_practice(&tx, &practice, Path::new("p.toml"), "x").unwrap();
            tx.commit().unwrap();
        }
        let opts = BuildOptions { out_dir: dir.path().join("out"), ..BuildOptions::default() };
        import(&mut ledger, 0..20);
        let first = build(&mut ledger, &opts).unwrap();
        assert_eq!(first.claims(), 20);
        let later = import(&mut ledger, 20..30);
        // Re-imported with other content after its scrub: its scrub row is stale, not billable.
        ledger
            .conn()
            .execute("UPDATE encounter_scrubs SET scrubbed_hash = 'older' WHERE encounter_id = ?1", [&later[4]])
            .unwrap();
        let second = build(&mut ledger, &opts).unwrap();
        assert_eq!(second.claims(), 9);
        let mut billed = Vec::new();
        for b in &second.batches {
            billed.extend(assert_import_order(&ledger, &b.path));
        }
        billed.sort();
        let mut expected: Vec<String> = later.iter().filter(|id| **id != later[4]).cloned().collect();
        expected.sort();
        assert_eq!(billed, expected, "the new clean encounters, each once; not the stale one");
        let rows = |sql: &str| -> i64 { ledger.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(rows("SELECT COUNT(*) FROM claims"), 29);
        assert_eq!(rows("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
    }

    #[test]
    fn clean_encounters_of_an_unconfigured_payer_are_reported_from_both_status_sources_and_not_billed() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let (practice, encounters) = fixture_practice_and_encounters();
        let tx = ledger.transaction().unwrap();
        crate::ledger::billing::save_practice(&tx, &practice, Path::new("p.toml"), "x").unwrap();
        let mut nowhere = encounters[0].clone();
        nowhere.payer_id = "NOWHERE".into();
        let mut nowhere_old = encounters[1].clone();
        nowhere_old.payer_id = "NOWHERE".into();
        insert_scrubbed(&tx, &nowhere, Scrubbed::Clean);
        insert_scrubbed(&tx, &nowhere_old, Scrubbed::CleanInOldColumns);
        insert_scrubbed(&tx, &encounters[2], Scrubbed::Clean);
        tx.commit().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let opts = BuildOptions { out_dir: dir.path().to_path_buf(), ..BuildOptions::default() };
        let report = build(&mut ledger, &opts).unwrap();
        assert_eq!(report.claims(), 1);
        let skipped: Vec<&str> = report.skipped.iter().map(|s| s.encounter_id.as_str()).collect();
        let mut expected = vec![nowhere.id.as_str(), nowhere_old.id.as_str()];
        expected.sort();
        assert_eq!(skipped, expected);
        assert!(report.skipped.iter().all(|s| s.reason.contains("NOWHERE")), "{:?}", report.skipped);
        let billed: String = ledger.conn().query_row("SELECT encounter_id FROM claims", [], |r| r.get(0)).unwrap();
        assert_eq!(billed, encounters[2].id);
    }

    #[test]
    fn encounters_scrubbed_clean_before_the_narrow_status_table_are_billed_once() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let (practice, encounters) = fixture_practice_and_encounters();
        let tx = ledger.transaction().unwrap();
        crate::ledger::billing::save_practice(&tx, &practice, Path::new("p.toml"), "x").unwrap();
        insert_scrubbed(&tx, &encounters[0], Scrubbed::CleanInOldColumns);
        insert_scrubbed(&tx, &encounters[1], Scrubbed::Clean);
        // Clean in the old columns, but a newer scrub (the narrow row) held it: not billed.
        insert_scrubbed(&tx, &encounters[2], Scrubbed::CleanInOldColumns);
        tx.execute(
            "INSERT INTO encounter_scrubs (encounter_id, scrub_status, scrubbed_hash, primary_pcn, payer_id, scrubbed_at)
             SELECT id, 'error', content_hash, 'P1X', payer_id, 't' FROM encounters WHERE id = ?1",
            [&encounters[2].id],
        )
        .unwrap();
        tx.commit().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let opts = BuildOptions { out_dir: dir.path().to_path_buf(), ..BuildOptions::default() };
        let report = build(&mut ledger, &opts).unwrap();
        assert_eq!(report.claims(), 2);
        let billed: Vec<String> = {
            let mut stmt = ledger.conn().prepare("SELECT encounter_id FROM claims ORDER BY encounter_id").unwrap();
            stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
        };
        assert_eq!(billed, [encounters[0].id.clone(), encounters[1].id.clone()]);
        assert!(build(&mut ledger, &opts).unwrap().is_empty(), "a second build has nothing new");
    }

    #[test]
    fn an_in_memory_ledger_builds_too_and_records_the_claims() {
        let mut ledger = fixture_ledger();
        let dir = tempfile::tempdir().unwrap();
        let opts = BuildOptions { out_dir: dir.path().to_path_buf(), ..BuildOptions::default() };
        let report = build(&mut ledger, &opts).unwrap();
        assert_eq!(report.claims(), 3);
        assert!(report.skipped.is_empty());
        let recorded: i64 = ledger.conn().query_row("SELECT COUNT(*) FROM claims", [], |r| r.get(0)).unwrap();
        assert_eq!(recorded, 3);
        for b in &report.batches {
            assert_import_order(&ledger, &b.path);
            assert_eq!(crate::ledger::sha256_file(&b.path).unwrap(), b.sha256);
        }
        assert!(build(&mut ledger, &opts).unwrap().is_empty(), "a second build has nothing new");
    }

    #[test]
    fn a_build_larger_than_one_insert_batch_records_every_claim_line_and_event() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let (practice, fixtures) = fixture_practice_and_encounters();
        // 2.5 batches of ROWS_PER_INSERT claims, so full (cached) and partial statements both run.
        let count = ROWS_PER_INSERT * 5 / 2;
        let mut expected_lines = 0;
        {
            let tx = ledger.transaction().unwrap();
            crate::ledger::billing::save_practice(&tx, &practice, Path::new("p.toml"), "x").unwrap();
            for i in 0..count {
                let mut e = fixtures[i % fixtures.len()].clone();
                e.id = format!("{}-{i:04}", e.id);
                expected_lines += e.lines.len() as i64;
                insert_scrubbed(&tx, &e, Scrubbed::Clean);
            }
            tx.commit().unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let opts = BuildOptions { out_dir: dir.path().to_path_buf(), ..BuildOptions::default() };
        let report = build(&mut ledger, &opts).unwrap();
        assert_eq!(report.claims(), count);
        let conn = ledger.conn();
        let rows = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(rows("SELECT COUNT(*) FROM claims WHERE status = 'submitted'"), count as i64);
        assert_eq!(rows("SELECT COUNT(*) FROM claim_lines"), expected_lines);
        assert_eq!(rows("SELECT COUNT(*) FROM claim_history WHERE kind = 'submitted'"), count as i64);
        assert_eq!(
            rows("SELECT COUNT(*) FROM claims c WHERE NOT EXISTS (SELECT 1 FROM claim_lines l WHERE l.pcn = c.pcn)"),
            0,
            "every claim has its lines"
        );
        assert_eq!(rows("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0, "every row's references hold");
        assert_eq!(rows("PRAGMA foreign_keys"), 1, "foreign keys are enforced again after the build");
        let mut written = 0;
        for b in &report.batches {
            written += assert_import_order(&ledger, &b.path).len();
        }
        assert_eq!(written, count);
        assert!(build(&mut ledger, &opts).unwrap().is_empty(), "a second build has nothing new");
    }

    #[test]
    fn a_failed_insert_rolls_back_the_whole_build_and_removes_its_files() {
        let mut ledger = fixture_ledger();
        {
            let tx = ledger.transaction().unwrap();
            // Every claim line insert fails, after the claims of the batch were inserted.
            tx.execute_batch(
                "CREATE TRIGGER refuse_lines BEFORE INSERT ON claim_lines BEGIN SELECT RAISE(FAIL, 'refused'); END",
            )
            .unwrap();
            tx.commit().unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let opts = BuildOptions { out_dir: dir.path().to_path_buf(), ..BuildOptions::default() };
        assert!(build(&mut ledger, &opts).is_err());
        let conn = ledger.conn();
        let claims: i64 = conn.query_row("SELECT COUNT(*) FROM claims", [], |r| r.get(0)).unwrap();
        let batches: i64 = conn.query_row("SELECT COUNT(*) FROM batches", [], |r| r.get(0)).unwrap();
        assert_eq!((claims, batches), (0, 0), "nothing recorded");
        let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert!(enforced, "foreign keys are enforced again after a failed build");
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(files.is_empty(), "no 837 file stays without its claims");
    }

    #[test]
    fn building_without_a_practice_is_refused() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let err = build(&mut ledger, &BuildOptions::default()).unwrap_err();
        assert!(matches!(err, BuildError::NoPractice));
    }
}
