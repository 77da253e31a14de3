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
use rusqlite::{OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use serde::Serialize;

use super::duplicate::{BilledFingerprints, ClaimFingerprint, FingerprintLine};
use super::{CodeReference, EncounterVerdict, Finding, ScrubContext, scrub_encounter};
use crate::claim837::{Responsibility, patient_control_number};
use crate::encounter::{ClaimFrequency, Encounter};
use crate::ledger::{Ledger, LedgerError, billing, now_timestamp};

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

impl From<rusqlite::Error> for ScrubError {
    fn from(e: rusqlite::Error) -> Self {
        ScrubError::Ledger(LedgerError::Sql(e))
    }
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
    let path = ledger.path().map(std::path::Path::to_path_buf);
    let tx = ledger.transaction()?;
    // Foreign keys stay on, checked once at commit instead of row by row.
    tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    let practice = billing::load_practice(&tx)?.ok_or(ScrubError::NoPractice)?;
    // A whole run on a ledger file reads on a connection of its own (opened once this run holds
    // the write lock, so it reads what this run starts from).
    let reader = match (&path, &options.encounter) {
        (Some(path), None) => Some(open_reader(path)?),
        _ => None,
    };
    let billed = load_billed(&tx)?;
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
                && stored_findings(&tx, &id)? == findings.iter().map(StoredFinding::of).collect::<Vec<_>>();
            // Only what changed is written, and only what is stored is deleted.
            if !findings_current && (has_findings || !findings.is_empty()) {
                pending.replace_findings(id.clone(), has_findings, &findings);
            }
            if !status_current {
                pending.set_status(&encounter, has_status_row, status, content_hash);
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
                    let read = reader.join().unwrap_or_else(|_| {
                        Err(ScrubError::Ledger(LedgerError::Corrupt("the reading thread panicked".into())))
                    });
                    processed.and(read)
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
    tx.commit()?;
    Ok(run)
}

/// Encounters read ahead of the scrub.
const ROWS_IN_FLIGHT: usize = 256;

/// A stored encounter and the scrub result in force for it.
struct StoredRow {
    id: String,
    content_hash: String,
    /// The encounter, or where its JSON is unreadable (line, column).
    encounter: Result<Encounter, (usize, usize)>,
    stored_status: Option<String>,
    scrubbed_hash: Option<String>,
    /// An `encounter_scrubs` row exists (to be replaced).
    has_status_row: bool,
    /// Findings are stored (to be replaced).
    has_findings: bool,
}

/// Reads encounter `only` (billed or not), or every encounter without a claim, in table order,
/// handing each to `each` until it answers false.
fn read_stored(
    conn: &rusqlite::Connection,
    only: Option<&str>,
    each: &mut dyn FnMut(StoredRow) -> bool,
) -> Result<(), ScrubError> {
    // The result in force: the encounter_scrubs row, else the old encounters columns.
    const COLUMNS: &str = "SELECT e.id, e.content_hash, e.encounter_json,
            s.scrub_status,
            s.scrubbed_hash,
            s.encounter_id IS NOT NULL,
            EXISTS (SELECT 1 FROM scrub_findings f WHERE f.encounter_id = e.id)
         FROM encounters e LEFT JOIN encounter_scrubs s ON s.encounter_id = e.id";
    let mut select = match only {
        Some(_) => conn.prepare(&format!("{COLUMNS} WHERE e.id = ?1"))?,
        // Table order: the wide rows are read once, front to back.
        None => conn.prepare(&format!(
            "{COLUMNS} WHERE NOT EXISTS (SELECT 1 FROM claims_not_rebilled c WHERE c.encounter_id = e.id) ORDER BY e.rowid"
        ))?,
    };
    let mut rows = match only {
        Some(id) => select.query([id])?,
        None => select.query([])?,
    };
    while let Some(row) = rows.next()? {
        let stored = StoredRow {
            id: row.get(0)?,
            content_hash: row.get(1)?,
            // Parsed straight from SQLite's buffer: no copy of the JSON.
            encounter: serde_json::from_str(crate::ledger::stored_text(row, 2)?).map_err(|e| (e.line(), e.column())),
            stored_status: row.get(3)?,
            scrubbed_hash: row.get(4)?,
            has_status_row: row.get(5)?,
            has_findings: row.get(6)?,
        };
        if !each(stored) {
            break;
        }
    }
    Ok(())
}

/// A finding as the ledger keeps it.
#[derive(Debug, PartialEq, Eq)]
struct StoredFinding {
    rule_id: String,
    severity: String,
    line: Option<i64>,
    message: String,
    fix: String,
}

impl StoredFinding {
    fn of(f: &Finding) -> Self {
        StoredFinding {
            rule_id: f.rule_id.to_string(),
            severity: f.severity.as_str().to_string(),
            line: f.line.map(i64::from),
            message: f.message.clone(),
            fix: f.fix.clone(),
        }
    }
}

fn stored_findings(tx: &Transaction<'_>, encounter_id: &str) -> Result<Vec<StoredFinding>, ScrubError> {
    let mut stmt = tx.prepare_cached(
        "SELECT rule_id, severity, line_number, message, fix FROM scrub_findings WHERE encounter_id = ?1 ORDER BY rowid",
    )?;
    let rows = stmt.query_map([encounter_id], |r| {
        Ok(StoredFinding {
            rule_id: r.get(0)?,
            severity: r.get(1)?,
            line: r.get(2)?,
            message: r.get(3)?,
            fix: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Encounters scrubbed per batch of writes.
const ENCOUNTERS_PER_WRITE: usize = 64;

/// Findings and statuses of scrubbed encounters, written to the ledger a batch at a time: one
/// multi-row DELETE/INSERT for the findings and one UPDATE for the statuses instead of a
/// statement per encounter and finding. `OR FAIL`: a multi-row statement that may abort halfway
/// needs a statement journal (a copy of every page it touches); any failure fails the whole run,
/// whose transaction rolls back.
#[derive(Default)]
struct PendingWrites {
    findings: Vec<(String, Vec<StoredFinding>)>,
    /// Encounters whose stored findings are to be deleted.
    stale_findings: Vec<String>,
    /// (encounter ID, status, content hash scrubbed, primary CLM01, payer ID).
    statuses: Vec<(String, EncounterVerdict, String, String, String)>,
    /// Encounters whose `encounter_scrubs` row is to be replaced.
    stale_statuses: Vec<String>,
}

impl PendingWrites {
    fn replace_findings(&mut self, encounter_id: String, stored: bool, findings: &[Finding]) {
        if stored {
            self.stale_findings.push(encounter_id.clone());
        }
        if !findings.is_empty() {
            self.findings.push((encounter_id, findings.iter().map(StoredFinding::of).collect()));
        }
    }

    fn set_status(&mut self, encounter: &Encounter, stored: bool, status: EncounterVerdict, content_hash: String) {
        if stored {
            self.stale_statuses.push(encounter.id.clone());
        }
        let pcn = patient_control_number(&encounter.id, Responsibility::Primary, ClaimFrequency::Original, 1);
        self.statuses.push((encounter.id.clone(), status, content_hash, pcn, encounter.payer_id.clone()));
    }

    fn is_full(&self) -> bool {
        [self.findings.len(), self.stale_findings.len(), self.statuses.len(), self.stale_statuses.len()]
            .iter()
            .any(|n| *n >= ENCOUNTERS_PER_WRITE)
    }

    fn write(&mut self, tx: &Transaction<'_>, scrubbed_at: &str) -> Result<(), ScrubError> {
        for (ids, table) in
            [(&mut self.stale_findings, "scrub_findings"), (&mut self.stale_statuses, "encounter_scrubs")]
        {
            if ids.is_empty() {
                continue;
            }
            let values: Vec<&dyn rusqlite::ToSql> = ids.iter().map(|id| id as &dyn rusqlite::ToSql).collect();
            let sql = format!("DELETE FROM {table} WHERE encounter_id IN ({})", placeholders(1, values.len()));
            execute(tx, &sql, values.len() == ENCOUNTERS_PER_WRITE, &values)?;
            ids.clear();
        }
        if !self.findings.is_empty() {
            let rows: Vec<(&String, &StoredFinding)> =
                self.findings.iter().flat_map(|(id, fs)| fs.iter().map(move |f| (id, f))).collect();
            for chunk in rows.chunks(FINDINGS_PER_INSERT) {
                let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 7);
                for (id, f) in chunk {
                    values.extend_from_slice(&[
                        *id as &dyn rusqlite::ToSql,
                        &f.rule_id,
                        &f.severity,
                        &f.line,
                        &f.message,
                        &f.fix,
                        &scrubbed_at,
                    ]);
                }
                let sql = format!(
                    "INSERT OR FAIL INTO scrub_findings (encounter_id, rule_id, severity, line_number, message, fix,
                         scrubbed_at) VALUES {}",
                    placeholders(7, chunk.len())
                );
                execute(tx, &sql, chunk.len() == FINDINGS_PER_INSERT, &values)?;
            }
            self.findings.clear();
        }
        if !self.statuses.is_empty() {
            // One narrow row per encounter (never the wide encounters row, which holds the JSON).
            let full = self.statuses.len() == ENCOUNTERS_PER_WRITE;
            let codes: Vec<&str> = self.statuses.iter().map(|(_, s, ..)| s.as_str()).collect();
            let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(self.statuses.len() * 6);
            for ((id, _, hash, pcn, payer), code) in self.statuses.iter().zip(&codes) {
                values.extend_from_slice(&[id as &dyn rusqlite::ToSql, code, hash, pcn, payer, &scrubbed_at]);
            }
            let sql = format!(
                "INSERT OR FAIL INTO encounter_scrubs (encounter_id, scrub_status, scrubbed_hash, primary_pcn, payer_id,
                     scrubbed_at)
                 VALUES {}",
                placeholders(6, self.statuses.len())
            );
            execute(tx, &sql, full, &values)?;
            self.statuses.clear();
        }
        Ok(())
    }
}

/// A read-only connection to the ledger file at `path`.
fn open_reader(path: &std::path::Path) -> Result<rusqlite::Connection, ScrubError> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| ScrubError::Ledger(LedgerError::Open { path: path.to_path_buf(), source }))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// Findings per multi-row INSERT.
const FINDINGS_PER_INSERT: usize = 64;

/// `(?,?),(?,?)...`: `rows` groups of `per_row` placeholders; one group without parentheses when
/// `per_row` is 1 (for `IN (...)`).
fn placeholders(per_row: usize, rows: usize) -> String {
    let row = if per_row == 1 { "?".to_string() } else { format!("({})", vec!["?"; per_row].join(",")) };
    vec![row; rows].join(",")
}

/// Runs `sql`: cached when it is a full-size batch (the same text every time), prepared once otherwise.
fn execute(tx: &Transaction<'_>, sql: &str, full: bool, values: &[&dyn rusqlite::ToSql]) -> Result<(), ScrubError> {
    if full {
        tx.prepare_cached(sql)?.execute(values)?;
    } else {
        tx.prepare(sql)?.execute(values)?;
    }
    Ok(())
}

/// Fingerprints of the claims billed so far (not voided or rejected), for DUPLICATE-CLAIM. A line
/// without its own rendering NPI takes the encounter's.
fn load_billed(tx: &Transaction<'_>) -> Result<BilledFingerprints, ScrubError> {
    let mut stmt = tx.prepare(
        "SELECT c.pcn, c.encounter_id, c.payer_id, c.patient_id, l.line_number, l.date_of_service,
                l.procedure_code, l.modifiers, l.units,
                COALESCE(l.rendering_npi, json_extract(e.encounter_json, '$.rendering_npi'))
         FROM claims c JOIN claim_lines l ON l.pcn = c.pcn JOIN encounters e ON e.id = c.encounter_id
         WHERE c.status NOT IN ('voided', 'rejected') AND c.frequency <> '8'
         ORDER BY c.pcn, l.line_number",
    )?;
    struct Row {
        pcn: String,
        encounter_id: String,
        payer_id: String,
        patient_id: String,
        line: i64,
        dos: String,
        code: String,
        modifiers: String,
        units: String,
        rendering: Option<String>,
    }
    let rows = stmt.query_map([], |r| {
        Ok(Row {
            pcn: r.get(0)?,
            encounter_id: r.get(1)?,
            payer_id: r.get(2)?,
            patient_id: r.get(3)?,
            line: r.get(4)?,
            dos: r.get(5)?,
            code: r.get(6)?,
            modifiers: r.get(7)?,
            units: r.get(8)?,
            rendering: r.get(9)?,
        })
    })?;
    let rows: Vec<Row> = rows.collect::<Result<_, _>>()?;
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

/// Inserts an encounter row as ingest does (for tests and benches of the scrub store path).
#[doc(hidden)]
pub fn insert_encounter_for_test(tx: &Transaction<'_>, e: &Encounter) -> Result<(), ScrubError> {
    let json = serde_json::to_string(e).map_err(|_| ScrubError::BadEncounter {
        encounter_id: e.id.clone(),
        line: 0,
        column: 0,
    })?;
    let now = now_timestamp();
    tx.prepare_cached(
        "INSERT INTO encounters (id, payer_id, patient_id, first_dos, last_dos, total_charge, line_count, content_hash,
             encounter_json, source_format, source_file, source_locator, imported_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'csv', ?10, ?11, ?12, ?12)",
    )?
    .execute(params![
        e.id,
        e.payer_id,
        e.patient.id,
        e.first_date_of_service().map(|d| d.to_string()),
        e.last_date_of_service().map(|d| d.to_string()),
        crate::ledger::money_text(e.total_charge()),
        e.lines.len() as i64,
        e.content_hash(),
        json,
        e.source.file,
        e.source.locator,
        now
    ])?;
    Ok(())
}

/// The stored status of an encounter, if scrubbed.
pub fn scrub_status(ledger: &Ledger, encounter_id: &str) -> Result<Option<String>, ScrubError> {
    Ok(ledger
        .conn()
        .query_row("SELECT scrub_status FROM encounter_scrub_state WHERE encounter_id = ?1", [encounter_id], |r| {
            r.get(0)
        })
        .optional()?
        .flatten())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use std::path::Path;

    fn ledger_with(encounters: &[Encounter]) -> Ledger {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let tx = ledger.transaction().unwrap();
        billing::save_practice(&tx, &practice(), Path::new("p.toml"), "x").unwrap();
        for e in encounters {
            insert_encounter_for_test(&tx, e).unwrap();
        }
        tx.commit().unwrap();
        ledger
    }

    fn options(r: &dyn CodeReference) -> ScrubOptions<'_> {
        ScrubOptions { encounter: None, today: today(), reference: r }
    }

    #[test]
    fn a_run_stores_findings_and_status_and_a_second_run_changes_nothing() {
        let mut bad = clean_encounter();
        bad.id = "E2".into();
        bad.patient.id = "P2".into();
        bad.lines[0].charge = Decimal::ZERO;
        let mut ledger = ledger_with(&[clean_encounter(), bad]);
        let r = reference();
        let run = run_scrub(&mut ledger, &options(&r)).unwrap();
        assert_eq!((run.summary.encounters, run.summary.clean, run.summary.error, run.summary.held), (2, 1, 1, 1));
        assert_eq!(run.summary.unchanged, 0);
        assert_eq!(scrub_status(&ledger, "E2").unwrap().as_deref(), Some("error"));
        let stored: i64 = ledger
            .conn()
            .query_row("SELECT COUNT(*) FROM scrub_findings WHERE encounter_id = 'E2'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, 1);
        let again = run_scrub(&mut ledger, &options(&r)).unwrap();
        assert_eq!(again.summary.unchanged, 2);
        assert!(again.encounters.iter().all(|e| !e.changed));
    }

    #[test]
    fn a_run_larger_than_one_write_batch_stores_every_status_and_finding() {
        // 2.5 write batches, so full (cached) and partial statements both run.
        let count = ENCOUNTERS_PER_WRITE * 5 / 2;
        let encounters: Vec<Encounter> = (0..count)
            .map(|i| {
                let mut e = clean_encounter();
                e.id = format!("E{i:04}");
                e.patient.id = format!("P{i:04}");
                if i % 3 == 0 {
                    e.lines[0].charge = Decimal::ZERO;
                }
                e
            })
            .collect();
        let held = encounters.iter().filter(|e| e.lines[0].charge.is_zero()).count();
        let mut ledger = ledger_with(&encounters);
        let r = reference();
        let run = run_scrub(&mut ledger, &options(&r)).unwrap();
        assert_eq!((run.summary.encounters, run.summary.held), (count, held));
        let rows = |ledger: &Ledger, sql: &str| -> i64 { ledger.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            rows(
                &ledger,
                "SELECT COUNT(*) FROM encounter_scrubs s JOIN encounters e ON e.id = s.encounter_id
                 WHERE s.scrubbed_hash = e.content_hash"
            ),
            count as i64
        );
        assert_eq!(rows(&ledger, "SELECT COUNT(*) FROM encounter_scrubs WHERE scrub_status = 'error'"), held as i64);
        let findings: usize = run.encounters.iter().map(|e| e.findings.len()).sum();
        assert_eq!(rows(&ledger, "SELECT COUNT(*) FROM scrub_findings"), findings as i64);
        let again = run_scrub(&mut ledger, &options(&r)).unwrap();
        assert_eq!(again.summary.unchanged, count, "a second run changes nothing");
        assert_eq!(rows(&ledger, "SELECT COUNT(*) FROM scrub_findings"), findings as i64);
    }

    #[test]
    fn a_later_run_refreshes_changed_messages_and_a_changed_import_is_rescrubbed() {
        let mut late = clean_encounter();
        for l in &mut late.lines {
            l.date_of_service = d("2025-06-02");
        }
        let mut ledger = ledger_with(&[late]);
        let r = reference();
        run_scrub(&mut ledger, &options(&r)).unwrap();
        let message = |ledger: &Ledger| -> String {
            ledger.conn().query_row("SELECT message FROM scrub_findings", [], |r| r.get(0)).unwrap()
        };
        let first = message(&ledger);
        let next_day = ScrubOptions { today: d("2026-11-21"), ..options(&r) };
        let run = run_scrub(&mut ledger, &next_day).unwrap();
        assert_eq!((run.summary.unchanged, run.summary.error), (0, 1));
        assert_ne!(message(&ledger), first, "the day count in the TIMELY-FILING message moved on");
        // A changed re-import clears the status (ingest's job); the next run scrubs it again.
        ledger.conn().execute("UPDATE encounters SET content_hash = 'new'", []).unwrap();
        let run = run_scrub(&mut ledger, &next_day).unwrap();
        assert_eq!(run.summary.unchanged, 0);
        assert_eq!(scrub_status(&ledger, "E1001").unwrap().as_deref(), Some("error"));
        let hash: String =
            ledger.conn().query_row("SELECT scrubbed_hash FROM encounter_scrub_state", [], |r| r.get(0)).unwrap();
        assert_eq!(hash, "new");
    }

    #[test]
    fn without_a_practice_the_run_fails_clearly() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let r = reference();
        assert!(matches!(run_scrub(&mut ledger, &options(&r)), Err(ScrubError::NoPractice)));
    }

    #[test]
    fn one_encounter_can_be_scrubbed_and_an_unknown_one_is_an_error() {
        let mut other = clean_encounter();
        other.id = "E2".into();
        let mut ledger = ledger_with(&[clean_encounter(), other]);
        let r = reference();
        let run = run_scrub(&mut ledger, &ScrubOptions { encounter: Some("E2".into()), ..options(&r) }).unwrap();
        assert_eq!(run.encounters.len(), 1);
        assert!(scrub_status(&ledger, "E1001").unwrap().is_none());
        let missing = run_scrub(&mut ledger, &ScrubOptions { encounter: Some("E9".into()), ..options(&r) });
        assert!(matches!(missing, Err(ScrubError::UnknownEncounter(_))));
    }

    #[test]
    fn billed_encounters_are_skipped_and_their_claims_catch_duplicates() {
        let mut copy = clean_encounter();
        copy.id = "E2".into();
        let mut ledger = ledger_with(&[clean_encounter(), copy]);
        let tx = ledger.transaction().unwrap();
        tx.execute(
            "INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, encounter_hash, patient_id,
                 first_dos, last_dos, total_charge, status, submitted_at, updated_at)
             VALUES ('C1', 'E1001', 'MCRB1', 'P', '1', 'h', 'P77', '2026-11-02', '2026-11-02', '250.00', 'submitted', 't', 't')",
            [],
        )
        .unwrap();
        for (n, code) in [(1, "99213"), (2, "36415")] {
            tx.execute(
                "INSERT INTO claim_lines (pcn, line_number, line_control_number, procedure_code, modifiers, units, charge,
                     date_of_service, rendering_npi) VALUES ('C1', ?1, ?2, ?3, '', '1', '125.00', '2026-11-02', NULL)",
                params![n, format!("C1-{n}"), code],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        let r = reference();
        let run = run_scrub(&mut ledger, &options(&r)).unwrap();
        assert_eq!(run.encounters.len(), 1);
        assert_eq!(run.encounters[0].id, "E2");
        assert_eq!(rules_of(&run.encounters[0].findings), ["DUPLICATE-CLAIM"]);
    }
}
