//! The ledger side of claims: `claimkit build`, `claimkit correct` and `claimkit void`.
//!
//! **Build.** Every encounter whose last scrub was clean (or warnings only) for its current content
//! and that has no primary claim yet becomes a claim. Claims are grouped by receiver
//! (clearinghouse): one file per receiver, named `<receiver>-<ISA13>.837`, e.g.
//! `CLEARINGHOUSE-000000042.837`.
//!
//! Claims go out in the order their encounters were imported
//! ([`crate::ledger::batches::for_each_billable`]). One thread on one connection does everything:
//! each encounter is read, planned, written to the file and recorded in the build's transaction
//! before the next is read, so memory stays flat however many claims a build writes.
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
//! **Dry run.** The files are written with placeholder control numbers (ISA13 `000000000`, GS06 `0`:
//! nothing is allocated or recorded, so no real batch's numbers appear in a preview), as
//! `<receiver>.837.preview` (never matched by an upload script's `*.837`), with ISA15 forced to `T`
//! (test) so that a preview sent by mistake is never processed as production data.
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
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Batch837Writer, CLAIMS_PER_TRANSACTION, Claim, ClaimError, ClaimRequest, Responsibility};
use crate::encounter::{ClaimFrequency, Encounter};
use crate::ledger::batches::{self, NewBatch, NewClaim, NewClaimLine};
use crate::ledger::{
    Connection, ControlNumbers, Ledger, LedgerError, Transaction, allocate_envelope, billing::load_practice,
    now_timestamp,
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
    /// List every claim written in [`BatchSummary::written`] (one small row per claim).
    pub list_claims: bool,
}

/// One claim written to a file, for the listing `build` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WrittenClaim {
    pub pcn: String,
    pub encounter_id: String,
    pub payer_id: String,
    /// The claim's total charge (CLM02), as the ledger records it.
    pub total_charge: String,
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
    /// The claims written, when [`BuildOptions::list_claims`] asked for them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub written: Vec<WrittenClaim>,
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
    /// The practice's payers sent through this receiver, or `None` when the batch carries only
    /// planned claims.
    stored_payers: Option<Vec<String>>,
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
        // An upper bound (the encounters are read once, while writing): a re-import after the
        // scrub makes a row stale, and a stale row is not billed.
        plan.stored = batches::count_billable(conn, &payers)?;
        plan.stored_payers = Some(payers.into_iter().map(str::to_string).collect());
    }
    // Clean encounters whose payer or receiver is not configured: reported, not billed.
    for (id, payer_id) in batches::clean_of_other_payers(conn, &billable)? {
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
    // Secondary claims: a posting left the encounter's next payer owing something (the crossover
    // queue), and that payer has no claim yet.
    for candidate in crate::ledger::billing::crossover_candidates(ledger.conn())? {
        let id = candidate.encounter_id.clone();
        let encounter: Encounter = serde_json::from_str(&candidate.encounter_json)
            .map_err(|e| BuildError::BadEncounter { encounter: id.clone(), message: e.to_string() })?;
        let responsibility = Responsibility::from_code(&candidate.responsibility).unwrap_or(Responsibility::Secondary);
        let next_payer = encounter.coverage(responsibility.coverage_order()).map(|c| c.payer_id).unwrap_or_default();
        if opts.payer.as_ref().is_some_and(|p| *p != next_payer) {
            continue;
        }
        let Some(primary) = crate::ledger::billing::prior_adjudication(ledger.conn(), &candidate.prior_pcn)? else {
            continue;
        };
        let earlier = crate::ledger::coverage::earlier_adjudications(ledger.conn(), &id, responsibility.code())?;
        let request = ClaimRequest {
            responsibility,
            frequency: ClaimFrequency::Original,
            original_claim_number: None,
            sequence: 1,
            primary: Some(primary),
            earlier,
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
    let Some(batches::BilledClaim { encounter_id, responsibility, frequency: billed_frequency, payer_claim_number }) =
        batches::billed_claim(conn, pcn)?
    else {
        return Err(BuildError::UnknownClaim(pcn.to_string()));
    };
    if billed_frequency == "8" {
        return Err(BuildError::ClaimIsVoid { pcn: pcn.to_string() });
    }
    let action = if frequency == ClaimFrequency::Void { "void" } else { "replacement" };
    let Some(payer_claim_number) = payer_claim_number.filter(|n| !n.trim().is_empty()) else {
        return Err(BuildError::NoPayerClaimNumber { pcn: pcn.to_string(), action });
    };
    if let Some(by) = batches::voided_by(conn, pcn)? {
        return Err(BuildError::AlreadyVoided { pcn: pcn.to_string(), by });
    }
    let stored = crate::ledger::encounters::stored(conn, &encounter_id)?;
    let newer = if frequency == ClaimFrequency::Replacement {
        crate::ledger::encounters::latest_conflict(conn, &encounter_id)?
    } else {
        None
    };
    let Some((json, encounter_hash)) = newer.or(stored) else {
        return Err(BuildError::BadEncounter { encounter: encounter_id, message: "no stored encounter".into() });
    };
    let encounter: Encounter = serde_json::from_str(&json)
        .map_err(|e| BuildError::BadEncounter { encounter: encounter_id.clone(), message: e.to_string() })?;
    let responsibility = Responsibility::from_code(&responsibility).unwrap_or_default();
    let earlier = batches::claims_billed(conn, &encounter_id, responsibility.code(), frequency.code())?;
    let request = ClaimRequest {
        responsibility,
        frequency,
        original_claim_number: Some(payer_claim_number),
        sequence: earlier + 1,
        primary: None,
        earlier: Vec::new(),
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

/// The file name of a batch: `<receiver>-<ISA13>.837` (`<receiver>.837.preview` for a dry run).
pub fn batch_file_name(receiver_id: &str, isa13: u64, dry_run: bool) -> String {
    let safe: String =
        receiver_id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    if dry_run { format!("{safe}.837.preview") } else { format!("{safe}-{isa13:09}.837") }
}

/// The control numbers of a dry run: placeholders, none taken from (or shown of) the ledger's.
fn preview_envelope(transactions: u64) -> ControlNumbers {
    ControlNumbers {
        interchange: 0,
        group: 0,
        transactions: (1..=transactions.max(1)).map(|n| format!("{n:04}")).collect(),
    }
}

/// The sender/receiver pair control numbers are kept for (ISA06, ISA08).
fn partner_ids<'a>(practice: &'a Practice, receiver: &'a Receiver) -> (&'a str, &'a str) {
    (practice.submitter.interchange_id(), receiver.interchange_id())
}

/// Renames 837 files in `dir` that a crashed run left without recording their claims.
fn set_aside_unrecorded(conn: &Connection, dir: &Path) -> Result<Vec<PathBuf>, BuildError> {
    let io = |source| BuildError::Io { path: dir.to_path_buf(), source };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
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
        let recorded =
            batches::receivers_with_isa13(conn, isa13)?.iter().any(|r| batch_file_name(r, isa13_n, false) == name);
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
        let numbers =
            if opts.dry_run { preview_envelope(sets) } else { allocate_envelope(ledger.conn_mut(), sender, to, sets)? };
        batches.push((receiver, numbers, plan));
    }
    // 2. Files and rows; 3. commit. Files renamed into place are removed again on any failure.
    // A bounded page cache a little above the default (the same however large the build) holds
    // the index pages the inserts touch.
    let mut written: Vec<PathBuf> = Vec::new();
    let result = ledger.with_cache(BUILD_CACHE_KIB, true, |ledger| -> Result<(), BuildError> {
        let tx = ledger.transaction()?;
        for (receiver, numbers, plan) in &batches {
            let batch = BatchTarget { practice, receiver, numbers, opts, at };
            if let Some(summary) = write_batch(&tx, &batch, plan, &mut written, &mut report.skipped, progress)? {
                report.batches.push(summary);
            }
        }
        if !opts.dry_run {
            tx.commit().map_err(LedgerError::from)?;
        }
        Ok(())
    });
    if let Err(e) = result {
        if !opts.dry_run {
            for path in &written {
                let _ = std::fs::remove_file(path);
            }
        }
        return Err(e);
    }
    Ok(report)
}

/// SQLite page cache during a build, in KiB (negative: `PRAGMA cache_size` takes KiB that way).
const BUILD_CACHE_KIB: i64 = -32768;

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

/// What the ledger records of `claim`, written with ST02 `st02`, taking its strings (the claim is
/// written and not needed again).
fn claim_record(claim: Claim, st02: String, encounter_hash: String, replaces: Option<String>) -> NewClaim {
    let (first, last) = claim.dates_of_service();
    let iso = |d: Option<chrono::NaiveDate>| d.map(crate::dates::iso).unwrap_or_default();
    let total_charge = crate::ledger::money_text(claim.total_charge());
    let Claim { pcn, responsibility, frequency, encounter, payer, member_id, .. } = claim;
    // The coverage after this payer: the secondary after the primary, the tertiary after the
    // secondary; the patient after the last.
    let next_payer_id = super::next_payer_id(&encounter, responsibility);
    let claim_rendering = encounter.rendering_npi;
    let lines = encounter
        .lines
        .into_iter()
        .map(|line| NewClaimLine {
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
    NewClaim {
        pcn,
        encounter_id: encounter.id,
        payer_id: payer.id,
        responsibility: responsibility.code(),
        frequency: frequency.code(),
        replaces,
        st02,
        encounter_hash,
        patient_id: encounter.patient.id,
        member_id,
        next_payer_id,
        first_dos: iso(first),
        last_dos: iso(last),
        total_charge,
        lines,
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
/// from the ledger (in import order), planned, written to the temporary file and recorded in the
/// open transaction before the next is read. The file is renamed into place once every claim is
/// written and fsynced.
fn write_batch(
    tx: &Transaction<'_>,
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
    let gs06 = numbers.group.to_string();
    let now = now_timestamp();
    let shown = path.display().to_string();
    let batch_id = batches::begin(
        tx,
        &NewBatch {
            receiver_id: &receiver.id,
            path: &shown,
            isa13: &isa13,
            gs06: &gs06,
            sender_id: sender,
            receiver_isa_id: to,
            usage: receiver.usage.code(),
            created_at: &now,
        },
    )?;
    let mut listed: Vec<WrittenClaim> = Vec::new();
    let mut record = |item: Produced| -> Result<(), BuildError> {
        match item {
            Produced::Claim(claim) => {
                let claim = *claim;
                progress.advance(1);
                batches::record_claim(tx, batch_id, &now, &claim, &name, &shown)?;
                if opts.list_claims {
                    listed.push(WrittenClaim {
                        pcn: claim.pcn,
                        encounter_id: claim.encounter_id,
                        payer_id: claim.payer_id,
                        total_charge: claim.total_charge,
                    });
                }
            }
            Produced::Skipped(s) => skipped.push(s),
        }
        Ok(())
    };
    let file = match produce(tx, target, plan, &tmp, &mut record) {
        Ok(Some(file)) => file,
        Ok(None) => {
            // Every candidate was skipped: no file, no batch row.
            let _ = std::fs::remove_file(&tmp);
            batches::discard(tx, batch_id)?;
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
    batches::finish(
        tx,
        batch_id,
        &file.sha256,
        &stats.transactions,
        stats.claims,
        &crate::ledger::money_text(stats.total_charge),
    )?;
    // The batch's claims in accounts receivable: their charges, and the crossover queue emptied of
    // the claims it billed.
    crate::ledger::ar::record_charges(tx, batch_id)?;
    crate::ledger::rebill::link_new_claims(tx, batch_id)?;
    Ok(Some(BatchSummary {
        receiver_id: receiver.id.clone(),
        path,
        sha256: file.sha256,
        isa13,
        gs06,
        st02: stats.transactions,
        usage: receiver.usage.code(),
        claims: stats.claims,
        total_charge: stats.total_charge,
        written: listed,
    }))
}

/// What the writing side hands to the recording side.
enum Produced {
    Claim(Box<NewClaim>),
    Skipped(SkippedEncounter),
}

/// The writing side of [`write_batch`]: reads the batch's clean encounters from `conn` (in import
/// order), plans and writes each claim to `tmp`, then the planned claims, and hands each to `sink`;
/// then flushes and fsyncs the file. `None` when no claim was written.
fn produce(
    conn: &Connection,
    target: &BatchTarget<'_>,
    plan: &BatchPlan,
    tmp: &Path,
    sink: &mut dyn FnMut(Produced) -> Result<(), BuildError>,
) -> Result<Option<WrittenFile>, BuildError> {
    let BatchTarget { practice, receiver, numbers, at, .. } = *target;
    let io = |source| BuildError::Io { path: tmp.to_path_buf(), source };
    let wrap = |source| BuildError::Write { path: tmp.to_path_buf(), source };
    let file = crate::files::create_private(tmp).map_err(io)?;
    let out = HashingWriter { inner: BufWriter::with_capacity(1 << 18, file), hasher: Sha256::new() };
    let mut writer = Batch837Writer::new(out, practice, receiver, numbers, at).map_err(wrap)?;
    let mut add = |sink: &mut dyn FnMut(Produced) -> Result<(), BuildError>,
                   claim: Claim,
                   encounter_hash: String,
                   replaces: Option<String>|
     -> Result<(), BuildError> {
        let st02 = writer.add(&claim).map_err(wrap)?;
        sink(Produced::Claim(Box::new(claim_record(claim, st02, encounter_hash, replaces))))
    };
    // A re-billed encounter's new claim takes its next CLM01 (`claimkit rebill`).
    let sequences = crate::ledger::rebill::sequences(conn)?;
    if let Some(payers) = &plan.stored_payers {
        let payers: Vec<&str> = payers.iter().map(String::as_str).collect();
        batches::for_each_billable(conn, &payers, |row| -> Result<bool, BuildError> {
            // Parsed straight from SQLite's buffer: no copy of the JSON.
            let planned = match serde_json::from_str::<Encounter>(row.encounter_json) {
                Ok(encounter) => {
                    let sequence = sequences.get(&encounter.id).copied().unwrap_or(1);
                    let request = ClaimRequest { sequence, ..ClaimRequest::default() };
                    Claim::plan_owned(encounter, practice, &request).map_err(|e| e.to_string())
                }
                Err(e) => Err(format!("the stored encounter cannot be read: {e}")),
            };
            match planned {
                Ok(claim) => add(sink, claim, row.content_hash.to_string(), None)?,
                Err(reason) => sink(Produced::Skipped(SkippedEncounter { encounter_id: row.id.to_string(), reason }))?,
            }
            Ok(true)
        })?;
    }
    for p in &plan.planned {
        add(sink, p.claim.as_ref().clone(), p.encounter_hash.clone(), p.replaces.clone())?;
    }
    if writer.claims() == 0 {
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
        assert_eq!(batch_file_name("Acme EDI/West", 7, true), "Acme_EDI_West.837.preview");
    }

    #[test]
    fn a_dry_run_uses_placeholder_numbers_and_takes_none() {
        let preview = preview_envelope(2);
        assert_eq!((preview.interchange, preview.group), (0, 0), "no number a real batch ever gets");
        assert_eq!(preview.transactions, ["0001", "0002"]);
        let mut ledger = Ledger::open_in_memory().unwrap();
        let taken = allocate_envelope(ledger.conn_mut(), "S", "R", 1).unwrap();
        assert_eq!(taken.interchange, 1, "the ledger's numbers start where they were: the preview took none");
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
    }

    /// Inserts `e` as ingest does, scrubbed clean for its content as `how` says.
    fn insert_scrubbed(tx: &Transaction<'_>, e: &Encounter, how: Scrubbed) {
        let hash = e.content_hash();
        let Scrubbed::Clean = how;
        tx.execute(
            "INSERT INTO encounters (id, payer_id, patient_id, total_charge, line_count, content_hash,
                 encounter_json, source_format, source_file, source_locator, imported_at, updated_at)
             VALUES (?1, ?2, ?3, '0', 1, ?4, ?5, 'csv', 'f', 'l', 't', 't')",
            (&e.id, &e.payer_id, &e.patient.id, &hash, serde_json::to_string(e).unwrap()),
        )
        .unwrap();
        crate::ledger::encounters::mark_unbilled(tx, &e.id).unwrap();
        {
            let pcn = super::super::patient_control_number(&e.id, Responsibility::Primary, ClaimFrequency::Original, 1);
            tx.execute(
                "INSERT INTO encounter_scrubs (encounter_id, scrub_status, scrubbed_hash, primary_pcn, payer_id, scrubbed_at)
                 VALUES (?1, 'clean', ?2, ?3, ?4, 't')",
                (&e.id, &hash, &pcn, &e.payer_id),
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
    fn a_build_of_many_claims_records_every_claim_line_and_event() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let (practice, fixtures) = fixture_practice_and_encounters();
        let count = 160;
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
