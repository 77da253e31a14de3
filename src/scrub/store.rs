//! The scrub run over the ledger: scrub every encounter not yet billed (or one), and keep each
//! encounter's findings and status.
//!
//! In one transaction, each scrubbed encounter's `scrub_findings` rows are replaced and its
//! `encounter_scrubs` row (status, the content hash it belongs to, and the CLM01 its primary claim
//! will get) written, so a later step knows the status belongs to the content it checked (a
//! changed re-import makes it stale). The row is narrow on purpose: the wide `encounters` row
//! (which holds the encounter JSON) is only read. An encounter without an `encounter_scrubs` row
//! falls back to the older `encounters.scrub_status` / `scrubbed_hash` columns; the view
//! `encounter_scrub_state` gives the result in force. An encounter whose findings, status and
//! content are what the last scrub stored is left untouched: a second run changes nothing and says
//! so.
//!
//! ```text
//! encounters:       E1001  content_hash=ab12..
//! encounter_scrubs: E1001  scrub_status=error  scrubbed_hash=ab12..  primary_pcn=P1K3V9T2D8Q4M7Z0A
//! scrub_findings:   E1001  ICD-NOT-BILLABLE  error  NULL  "diagnosis E11 is a category..."
//! ```

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::duplicate::{BilledFingerprints, ClaimFingerprint, FingerprintLine};
use super::{CodeReference, EncounterVerdict, Finding, ScrubContext, scrub_encounter};
use crate::claim837::{Responsibility, patient_control_number};
use crate::encounter::ClaimFrequency;
use crate::ledger::scrubs::{self, PendingWrites, StoredFinding, StoredRow, read_stored};
use crate::ledger::{Connection, Ledger, LedgerError, billing, now_timestamp};

/// Why a scrub run could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ScrubError {
    #[error("no practice is loaded in the ledger: run `claimkit init --practice FILE.toml` first")]
    NoPractice,
    #[error("encounter {0} is not in the ledger")]
    UnknownEncounter(String),
    #[error(
        "encounter {encounter_id}: the stored encounter is unreadable (JSON line {line}, column {column}); re-import it"
    )]
    BadEncounter { encounter_id: String, line: usize, column: usize },
    #[error("claim {pcn} line {line}: stored {field} is unreadable")]
    BadClaimLine { pcn: String, line: i64, field: &'static str },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// What to scrub, and against what.
pub struct ScrubOptions<'a> {
    /// Only this encounter (billed or not); `None`: every encounter without a claim.
    pub encounter: Option<String>,
    /// "Today" for DOS-FUTURE and TIMELY-FILING.
    pub today: NaiveDate,
    pub reference: &'a dyn CodeReference,
}

/// One scrubbed encounter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EncounterScrub {
    pub id: String,
    pub status: EncounterVerdict,
    pub findings: Vec<Finding>,
    /// False when the ledger already held exactly this result.
    pub changed: bool,
}

/// Counts of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ScrubSummary {
    pub encounters: usize,
    pub clean: usize,
    pub warning: usize,
    pub error: usize,
    /// Encounters held from billing (the ones with errors).
    pub held: usize,
    /// Encounters whose stored result was already up to date.
    pub unchanged: usize,
    pub service_lines: usize,
}

/// The result of [`run_scrub`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScrubRun {
    pub encounters: Vec<EncounterScrub>,
    /// `TABLE-NOT-LOADED` findings: rules that could not run, once per run.
    pub not_checked: Vec<Finding>,
    pub summary: ScrubSummary,
}

impl ScrubRun {
    /// True when any encounter is held from billing.
    pub fn has_errors(&self) -> bool {
        self.summary.error > 0
    }
}

/// Scrubs the encounters not yet billed (or `options.encounter`) and stores the results, in one
/// transaction.
pub fn run_scrub(ledger: &mut Ledger, options: &ScrubOptions<'_>) -> Result<ScrubRun, ScrubError> {
    run_scrub_with_progress(ledger, options, &crate::progress::Silent)
}

/// [`run_scrub`], reporting each encounter scrubbed to `progress`.
pub fn run_scrub_with_progress(
    ledger: &mut Ledger,
    options: &ScrubOptions<'_>,
    progress: &dyn crate::progress::Progress,
) -> Result<ScrubRun, ScrubError> {
    let mut encounters = Vec::new();
    let mut run = run_scrub_each(ledger, options, progress, &mut |e| encounters.push(e))?;
    encounters.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    run.encounters = encounters;
    Ok(run)
}

/// [`run_scrub_with_progress`] handing each scrubbed encounter to `each` (in table order) instead
/// of keeping them all: the returned run's `encounters` is empty and memory stays flat however
/// many encounters are scrubbed (`claimkit build` needs only the counts).
pub fn run_scrub_each(
    ledger: &mut Ledger,
    options: &ScrubOptions<'_>,
    progress: &dyn crate::progress::Progress,
    each: &mut dyn FnMut(EncounterScrub),
) -> Result<ScrubRun, ScrubError> {
    // The status rows are narrow, but a first run inserts one per encounter into two B-trees: a
    // bounded page cache a little above the default keeps SQLite from spilling them mid-run.
    // Multi-row INSERTs into tables with foreign keys keep a statement journal: in memory.
    progress.start("scrub", None);
    let result =
        ledger.with_cache(SCRUB_CACHE_KIB, true, |ledger| scrub_in_transaction(ledger, options, progress, each));
    progress.finish();
    result
}

/// SQLite page cache during a run, in KiB (negative: `PRAGMA cache_size` takes KiB that way).
const SCRUB_CACHE_KIB: i64 = -16384;

fn scrub_in_transaction(
    ledger: &mut Ledger,
    options: &ScrubOptions<'_>,
    progress: &dyn crate::progress::Progress,
    each: &mut dyn FnMut(EncounterScrub),
) -> Result<ScrubRun, ScrubError> {
    let path = ledger.file();
    let tx = ledger.transaction()?;
    scrubs::defer_foreign_keys(&tx)?;
    let practice = billing::load_practice(&tx)?.ok_or(ScrubError::NoPractice)?;
    // A whole run on a ledger file reads on a connection of its own (opened once this run holds
    // the write lock, so it reads what this run starts from).
    let reader = match (&path, &options.encounter) {
        (Some(path), None) => Some(scrubs::open_reader(path)?),
        _ => None,
    };
    // The fingerprints of every claim billed so far are read only when there is something to
    // scrub: a run with nothing new then costs nothing that grows with the ledger's history.
    let mut anything = false;
    read_stored(&tx, options.encounter.as_deref(), &mut |_| {
        anything = true;
        false
    })?;
    let billed = if anything { load_billed(&tx)? } else { BilledFingerprints::default() };
    let eligibility = crate::ledger::eligibility::latest_answers(&tx)?;
    let ctx = ScrubContext::new(&practice, options.reference, options.today, &billed).with_eligibility(&eligibility);
    let mut run = ScrubRun { encounters: Vec::new(), not_checked: Vec::new(), summary: ScrubSummary::default() };
    let scrubbed_at = now_timestamp();
    let mut seen = false;
    {
        let mut pending = PendingWrites::default();
        let mut process = |row: StoredRow| -> Result<(), ScrubError> {
            seen = true;
            let StoredRow { id, content_hash, encounter, stored_status, scrubbed_hash, has_status_row, has_findings } =
                row;
            let encounter = encounter.map_err(|(line, column)| ScrubError::BadEncounter {
                encounter_id: id.clone(),
                line,
                column,
            })?;
            let findings = scrub_encounter(&encounter, &ctx);
            progress.advance(1);
            let status = EncounterVerdict::of(&findings);
            let status_current = stored_status.as_deref() == Some(status.as_str())
                && scrubbed_hash.as_deref() == Some(content_hash.as_str());
            let findings_current = status_current
                && scrubs::findings(&tx, &id)? == findings.iter().map(stored_finding).collect::<Vec<_>>();
            // Only what changed is written, and only what is stored is deleted.
            if !findings_current && (has_findings || !findings.is_empty()) {
                pending.replace_findings(id.clone(), has_findings, findings.iter().map(stored_finding).collect());
            }
            if !status_current {
                let pcn = patient_control_number(&encounter.id, Responsibility::Primary, ClaimFrequency::Original, 1);
                pending.set_status(
                    has_status_row,
                    (encounter.id.clone(), status.as_str(), content_hash, pcn, encounter.payer_id.clone()),
                );
            }
            if pending.is_full() {
                pending.write(&tx, &scrubbed_at)?;
            }
            let up_to_date = findings_current;
            let s = &mut run.summary;
            s.encounters += 1;
            s.service_lines += encounter.lines.len();
            match status {
                EncounterVerdict::Clean => s.clean += 1,
                EncounterVerdict::Warning => s.warning += 1,
                EncounterVerdict::Error => s.error += 1,
            }
            s.held += usize::from(status.is_held());
            s.unchanged += usize::from(up_to_date);
            each(EncounterScrub { id, status, findings, changed: !up_to_date });
            Ok(())
        };
        match reader {
            // One thread reads and parses the stored encounters (its own connection: WAL lets it
            // read the ledger as committed before this run while this one writes) while this one
            // scrubs them and writes the results; a bounded channel keeps memory flat.
            Some(conn) => {
                let (send, receive) = std::sync::mpsc::sync_channel::<StoredRow>(ROWS_IN_FLIGHT);
                std::thread::scope(|scope| {
                    // Only a whole run (no single encounter) reads on its own connection.
                    let reader = scope.spawn(move || read_stored(&conn, None, &mut |row| send.send(row).is_ok()));
                    let mut processed = Ok(());
                    for row in receive.iter() {
                        processed = process(row);
                        if processed.is_err() {
                            break;
                        }
                    }
                    drop(receive);
                    let read = reader
                        .join()
                        .unwrap_or_else(|_| Err(LedgerError::Corrupt("the reading thread panicked".into())));
                    processed.and(read.map_err(ScrubError::from))
                })?;
            }
            None => {
                let mut failed = None;
                read_stored(&tx, options.encounter.as_deref(), &mut |row| match process(row) {
                    Ok(()) => true,
                    Err(e) => {
                        failed = Some(e);
                        false
                    }
                })?;
                if let Some(e) = failed {
                    return Err(e);
                }
            }
        }
        pending.write(&tx, &scrubbed_at)?;
    }
    if let Some(id) = &options.encounter
        && !seen
    {
        return Err(ScrubError::UnknownEncounter(id.clone()));
    }
    run.not_checked = ctx.not_checked();
    tx.commit().map_err(LedgerError::Sql)?;
    Ok(run)
}

/// Encounters read ahead of the scrub.
const ROWS_IN_FLIGHT: usize = 256;

/// A finding as the ledger keeps it.
fn stored_finding(f: &Finding) -> StoredFinding {
    StoredFinding {
        rule_id: f.rule_id.to_string(),
        severity: f.severity.as_str().to_string(),
        line: f.line.map(i64::from),
        message: f.message.clone(),
        fix: f.fix.clone(),
    }
}

/// Fingerprints of the claims billed so far (not voided or rejected), for DUPLICATE-CLAIM.
fn load_billed(conn: &Connection) -> Result<BilledFingerprints, ScrubError> {
    let rows = scrubs::billed_lines(conn)?;
    let mut billed = BilledFingerprints::default();
    for claim in rows.chunk_by(|a, b| a.pcn == b.pcn) {
        let mut lines = Vec::with_capacity(claim.len());
        for r in claim {
            let bad = |field| ScrubError::BadClaimLine { pcn: r.pcn.clone(), line: r.line, field };
            lines.push(FingerprintLine {
                date_of_service: NaiveDate::parse_from_str(&r.dos, "%Y-%m-%d").map_err(|_| bad("date_of_service"))?,
                procedure_code: &r.code,
                modifiers: r.modifiers.split(':').filter(|m| !m.is_empty()).collect(),
                units: r.units.parse::<Decimal>().map_err(|_| bad("units"))?,
                rendering_npi: r.rendering.as_deref(),
            });
        }
        let first = &claim[0];
        billed.insert(ClaimFingerprint::new(&first.payer_id, &first.patient_id, lines), first.encounter_id.clone());
    }
    Ok(billed)
}

pub use crate::ledger::scrubs::insert_encounter_for_test;

/// The stored status of an encounter, if scrubbed.
pub fn scrub_status(ledger: &Ledger, encounter_id: &str) -> Result<Option<String>, ScrubError> {
    Ok(scrubs::status(ledger.conn(), encounter_id)?)
}
