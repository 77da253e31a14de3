//! Writing imported encounters to the ledger's `encounters` table.
//!
//! An encounter is keyed by the EMR's encounter ID and compared by [`Encounter::content_hash`]:
//! - new ID: inserted;
//! - same hash: unchanged, nothing is written;
//! - different hash, not yet billed (no `claims` row for it): updated, and its scrub result is
//!   cleared so the scrubber looks at it again;
//! - different hash, already billed: an `import_conflicts` row; the billed data is left alone. A
//!   claim rejected before adjudication, or marked for re-billing (`claimkit rebill`), does not
//!   count as billed: its encounter is updated.

use super::{EncounterSink, IngestError, RecordError, SourceFormat};
use crate::encounter::Encounter;
pub use crate::ledger::encounters::Outcome;
use crate::ledger::{Connection, encounters};

/// The result of importing one file.
#[derive(Debug, Clone, Default)]
pub struct FileSummary {
    pub file: String,
    pub format: String,
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Encounter IDs changed after they were billed.
    pub conflicts: Vec<String>,
    /// Updates refused because they would drop what the stored encounter has: (encounter ID, what).
    pub refused: Vec<(String, &'static str)>,
    /// Header columns no canonical column or mapping uses (CSV).
    pub unknown_columns: Vec<String>,
    /// Rejected records, one entry per problem found.
    pub errors: Vec<RecordError>,
    /// Records (rows of an encounter, messages, resources) that were not imported.
    pub rejected: usize,
    /// Of those, the records that cannot be read as claim data at all (a code, date or ID holding a
    /// character X12 cannot carry): input data errors (exit 3), not findings.
    pub unreadable: usize,
    /// The same file content was imported before.
    pub already_imported: bool,
}

impl FileSummary {
    pub fn encounters(&self) -> usize {
        self.new + self.updated + self.unchanged + self.conflicts.len() + self.refused.len()
    }
}

/// Stores one encounter (see the module docs for the four outcomes).
pub fn store_encounter(conn: &Connection, encounter: &Encounter, format: SourceFormat) -> Result<Outcome, IngestError> {
    let total = super::money(encounter.total_charge()).to_string();
    Ok(encounters::store(conn, encounter, format.as_str(), &total)?)
}

/// An [`EncounterSink`] that stores each encounter as it is parsed and counts the outcomes.
pub struct StoreSink<'c> {
    conn: &'c Connection,
    format: SourceFormat,
    summary: FileSummary,
}

impl<'c> StoreSink<'c> {
    /// A sink for one file. The encounter IDs seen in the file are kept in a temporary table (on
    /// SQLite's temp store, not in our memory) to catch an ID that appears twice.
    pub fn new(conn: &'c Connection, format: SourceFormat, file: &str) -> Result<Self, IngestError> {
        encounters::begin_seen_ids(conn)?;
        Ok(StoreSink {
            conn,
            format,
            summary: FileSummary { file: file.to_string(), format: format.as_str().to_string(), ..Default::default() },
        })
    }

    pub fn finish(self) -> FileSummary {
        self.summary
    }
}

impl EncounterSink for StoreSink<'_> {
    fn encounter(&mut self, mut encounter: Encounter) -> Result<(), IngestError> {
        if !encounters::first_sight(self.conn, &encounter.id)? {
            let error = RecordError::new(
                &self.summary.file,
                encounter.source.locator.clone(),
                "encounter_id",
                "this encounter ID already appeared earlier in the file (the rows of one encounter must be next to each other)",
            )
            .with_value(&encounter.id);
            self.reject(vec![error]);
            return Ok(());
        }
        super::normalize(&mut encounter);
        match store_encounter(self.conn, &encounter, self.format)? {
            Outcome::New => self.summary.new += 1,
            Outcome::Updated => self.summary.updated += 1,
            Outcome::Unchanged => self.summary.unchanged += 1,
            Outcome::Conflict => self.summary.conflicts.push(encounter.id),
            Outcome::WouldDrop(what) => self.summary.refused.push((encounter.id, what)),
        }
        Ok(())
    }

    fn reject(&mut self, errors: Vec<RecordError>) {
        self.summary.rejected += 1;
        if errors.iter().any(|e| e.unreadable) {
            self.summary.unreadable += 1;
        }
        self.summary.errors.extend(errors);
    }

    fn unknown_columns(&mut self, columns: Vec<String>) {
        self.summary.unknown_columns = columns;
    }
}
