//! Imported code sets in the ledger: CPT, HCPCS, NCCI PTP, MUE, fee schedule and the official
//! CARC/RARC texts, each with the file it came from (name, SHA-256, time).
//!
//! One version of each table is in force. Importing the file that is already in force changes
//! nothing; importing a different file of the same kind replaces the table whole, inside the
//! caller's transaction (all or nothing). CPT descriptors are licensed text: they live here, in
//! the user's own ledger, never in claimkit's repository.
//!
//! ```text
//! claimkit codes import ncci-ptp PTP-practitioner-2026q1.txt   -> 12 rows (replaced PTP-2025q4.txt)
//! claimkit codes import ncci-ptp PTP-practitioner-2026q1.txt   -> already in force, nothing changed
//! ```

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rust_decimal::Decimal;

use super::{LedgerError, now_timestamp};
use crate::codes::import::ImportedRow;
use crate::codes::{
    self, FeeRow, FeeSchedule, ImportError, ImportKind, ImportedCodeSets, MueLimit, MueTable, NcciPtpTableBuilder,
    OfficialCode, OfficialCodeList, ProcedureCode, ProcedureEntry, ProcedureTable, PtpEdit,
};

/// Why an import failed. `Import` is the file's fault (exit 3); `Ledger` is ours.
#[derive(Debug, thiserror::Error)]
pub enum CodeSetError {
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl From<rusqlite::Error> for CodeSetError {
    fn from(e: rusqlite::Error) -> Self {
        CodeSetError::Ledger(LedgerError::Sql(e))
    }
}

/// The file behind a table in force.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportRecord {
    pub kind: String,
    pub file_name: String,
    pub sha256: String,
    pub rows: usize,
    pub imported_at: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ImportStatus {
    /// First table of this kind.
    Imported,
    /// Replaced the table from another file.
    Replaced { previous: ImportRecord },
    /// This very file is already in force: nothing changed.
    AlreadyInForce { since: String },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportOutcome {
    pub kind: String,
    pub file_name: String,
    pub sha256: String,
    pub rows: usize,
    #[serde(flatten)]
    pub status: ImportStatus,
}

fn iso(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

fn in_force(conn: &Connection, kind: ImportKind) -> Result<Option<ImportRecord>, LedgerError> {
    Ok(conn
        .prepare_cached(
            "SELECT kind, file_name, sha256, row_count, imported_at FROM code_imports
             WHERE kind = ?1 AND replaced_at IS NULL",
        )?
        .query_row([kind.name()], |r| {
            Ok(ImportRecord {
                kind: r.get(0)?,
                file_name: r.get(1)?,
                sha256: r.get(2)?,
                rows: r.get::<_, i64>(3)? as usize,
                imported_at: r.get(4)?,
            })
        })
        .optional()?)
}

/// The file in force for every imported kind, in [`ImportKind::ALL`] order.
pub fn imports_in_force(conn: &Connection) -> Result<Vec<ImportRecord>, LedgerError> {
    let mut out = Vec::new();
    for kind in ImportKind::ALL {
        out.extend(in_force(conn, kind)?);
    }
    Ok(out)
}

/// Imports a code-set file into the ledger inside `tx`. The caller commits.
pub fn import(tx: &Transaction<'_>, kind: ImportKind, path: &Path) -> Result<ImportOutcome, CodeSetError> {
    import_files(tx, kind, &[path])
}

/// Imports one code set published in several files (CMS splits the NCCI practitioner PTP edits
/// into parts by column 1 code): their rows together replace the table, as one import whose
/// SHA-256 is that of the files' own (sorted, so the order they are named in does not matter).
/// Only `ncci-ptp` comes in parts; any other kind takes one file. The caller commits.
pub fn import_files(tx: &Transaction<'_>, kind: ImportKind, paths: &[&Path]) -> Result<ImportOutcome, CodeSetError> {
    let Some(first) = paths.first() else {
        return Err(ImportError::File { file: PathBuf::new(), reason: "no file to import".into() }.into());
    };
    if paths.len() > 1 && kind != ImportKind::NcciPtp {
        return Err(ImportError::File {
            file: first.to_path_buf(),
            reason: format!("only ncci-ptp is published in parts: import one {kind} file"),
        }
        .into());
    }
    let mut hashes = Vec::with_capacity(paths.len());
    for path in paths {
        let sha =
            crate::digest::sha256_file(path).map_err(|source| ImportError::Io { file: path.to_path_buf(), source })?;
        hashes.push(sha);
    }
    let sha256 = match hashes.as_slice() {
        [one] => one.clone(),
        several => {
            let mut sorted = several.to_vec();
            sorted.sort();
            sorted.dedup();
            crate::digest::sha256_hex(sorted.join("\n").as_bytes())
        }
    };
    let name =
        |path: &Path| path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let file_name = paths.iter().map(|p| name(p)).collect::<Vec<_>>().join(", ");
    let previous = in_force(tx, kind)?;
    if let Some(prev) = previous.as_ref().filter(|p| p.sha256 == sha256) {
        return Ok(ImportOutcome {
            kind: kind.name().into(),
            file_name,
            sha256,
            rows: prev.rows,
            status: ImportStatus::AlreadyInForce { since: prev.imported_at.clone() },
        });
    }
    // The rows go to the table as they are parsed (the NCCI files have millions): a bad row stops
    // the parse with its error, and the caller's transaction then rolls back.
    let mut writer = RowWriter::replacing(tx, kind)?;
    let mut rows = 0usize;
    for path in paths {
        let mut failed: Option<LedgerError> = None;
        let parsed =
            codes::import::parse_each(kind, path, codes::import::open(path)?, &mut |row| match writer.insert(row) {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    failed = Some(e);
                    ControlFlow::Break(())
                }
            });
        if let Some(e) = failed {
            return Err(e.into());
        }
        rows += parsed?;
    }
    let now = now_timestamp();
    tx.execute(
        "UPDATE code_imports SET replaced_at = ?2 WHERE kind = ?1 AND replaced_at IS NULL",
        params![kind.name(), now],
    )?;
    tx.execute(
        "INSERT INTO code_imports (kind, file_name, sha256, row_count, imported_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![kind.name(), file_name, sha256, rows as i64, now],
    )?;
    for (path, sha) in paths.iter().zip(&hashes) {
        super::record_file(tx, &format!("codes:{}", kind.name()), path, sha)?;
    }
    Ok(ImportOutcome {
        kind: kind.name().into(),
        file_name,
        sha256,
        rows,
        status: match previous {
            Some(previous) => ImportStatus::Replaced { previous },
            None => ImportStatus::Imported,
        },
    })
}

/// Writes one kind's imported rows in place of the rows it had.
struct RowWriter<'t> {
    kind: ImportKind,
    insert: rusqlite::CachedStatement<'t>,
}

impl<'t> RowWriter<'t> {
    /// Deletes the rows of `kind` and prepares the insert of new ones.
    fn replacing(tx: &'t Transaction<'_>, kind: ImportKind) -> Result<Self, LedgerError> {
        // CPT and HCPCS share a table, as CARC and RARC do: their rows are told by `system`.
        let (delete, insert, by_system) = match kind {
            ImportKind::Cpt | ImportKind::Hcpcs => (
                "DELETE FROM code_procedures WHERE system = ?1",
                "INSERT INTO code_procedures (system, code, descriptor, valid_from, valid_to) VALUES (?1, ?2, ?3, ?4, ?5)",
                true,
            ),
            ImportKind::NcciPtp => (
                "DELETE FROM code_ncci_ptp",
                "INSERT INTO code_ncci_ptp (column1, column2, prior_1996, effective, deletion, modifier_indicator, rationale)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                false,
            ),
            ImportKind::Mue => (
                "DELETE FROM code_mue",
                "INSERT INTO code_mue (code, units, adjudication_indicator, rationale) VALUES (?1, ?2, ?3, ?4)",
                false,
            ),
            ImportKind::FeeSchedule => (
                "DELETE FROM code_fees",
                "INSERT INTO code_fees (payer_id, code, modifier, allowed, valid_from, valid_to) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                false,
            ),
            ImportKind::Carc | ImportKind::Rarc => (
                "DELETE FROM code_official_text WHERE system = ?1",
                "INSERT INTO code_official_text (system, code, description, valid_from, valid_to) VALUES (?1, ?2, ?3, ?4, ?5)",
                true,
            ),
        };
        if by_system {
            tx.execute(delete, [kind.name()])?;
        } else {
            tx.execute(delete, [])?;
        }
        Ok(RowWriter { kind, insert: tx.prepare_cached(insert)? })
    }

    fn insert(&mut self, row: ImportedRow) -> Result<(), LedgerError> {
        let kind = self.kind.name();
        match row {
            ImportedRow::Procedure(r) => {
                self.insert.execute(params![kind, r.code.as_str(), r.descriptor, iso(r.valid_from), iso(r.valid_to)])?
            }
            ImportedRow::Ptp(r) => {
                let e = &r.edit;
                self.insert.execute(params![
                    e.column1.as_str(),
                    e.column2.as_str(),
                    e.prior_1996,
                    e.effective.to_string(),
                    iso(e.deletion),
                    e.modifier_indicator,
                    r.rationale
                ])?
            }
            ImportedRow::Mue(r) => {
                self.insert.execute(params![r.code.as_str(), r.units, r.adjudication_indicator, r.rationale])?
            }
            ImportedRow::Fee(r) => self.insert.execute(params![
                r.payer_id,
                r.code.as_str(),
                r.modifier,
                r.allowed.to_string(),
                iso(r.valid_from),
                iso(r.valid_to)
            ])?,
            ImportedRow::Official(r) => {
                self.insert.execute(params![kind, r.code, r.description, iso(r.valid_from), iso(r.valid_to)])?
            }
        };
        Ok(())
    }
}

fn date(text: Option<String>) -> Result<Option<NaiveDate>, LedgerError> {
    text.map(|t| t.parse().map_err(|_| LedgerError::Corrupt(format!("code-set date {t:?}")))).transpose()
}

fn code(text: &str) -> Result<ProcedureCode, LedgerError> {
    ProcedureCode::parse(text).ok_or_else(|| LedgerError::Corrupt(format!("code-set procedure code {text:?}")))
}

/// Loads every imported table in force. Kinds never imported are `None`.
pub fn load_imported(conn: &Connection) -> Result<ImportedCodeSets, LedgerError> {
    load_imported_kinds(conn, &ImportKind::ALL)
}

/// Loads only the given kinds (a lookup needs no NCCI table of a million rows).
pub fn load_imported_kinds(conn: &Connection, wanted: &[ImportKind]) -> Result<ImportedCodeSets, LedgerError> {
    let kinds: Vec<String> = imports_in_force(conn)?.into_iter().map(|r| r.kind).collect();
    let has = |k: ImportKind| wanted.contains(&k) && kinds.iter().any(|n| n == k.name());
    let mut sets = ImportedCodeSets::default();
    if has(ImportKind::Cpt) {
        sets.cpt = Some(load_procedures(conn, ImportKind::Cpt)?);
    }
    if has(ImportKind::Hcpcs) {
        sets.hcpcs = Some(load_procedures(conn, ImportKind::Hcpcs)?);
    }
    if has(ImportKind::NcciPtp) {
        let mut stmt = conn.prepare_cached(
            "SELECT column1, column2, prior_1996, effective, deletion, modifier_indicator, rationale FROM code_ncci_ptp",
        )?;
        let mut table = NcciPtpTableBuilder::default();
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let effective: String = r.get(3)?;
            let edit = PtpEdit {
                column1: code(super::stored_text(r, 0)?)?,
                column2: code(super::stored_text(r, 1)?)?,
                prior_1996: r.get(2)?,
                effective: date(Some(effective))?.unwrap_or_default(),
                deletion: date(r.get(4)?)?,
                modifier_indicator: r.get(5)?,
            };
            table.push(edit, super::stored_text(r, 6)?);
        }
        sets.ncci_ptp = Some(table.build());
    }
    if has(ImportKind::Mue) {
        let mut stmt = conn.prepare_cached("SELECT code, units, adjudication_indicator, rationale FROM code_mue")?;
        let mut rows = Vec::new();
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            rows.push(MueLimit {
                code: code(&r.get::<_, String>(0)?)?,
                units: r.get(1)?,
                adjudication_indicator: r.get(2)?,
                rationale: r.get(3)?,
            });
        }
        sets.mue = Some(MueTable::new(rows));
    }
    if has(ImportKind::FeeSchedule) {
        let mut stmt =
            conn.prepare_cached("SELECT payer_id, code, modifier, allowed, valid_from, valid_to FROM code_fees")?;
        let mut rows = Vec::new();
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let allowed: String = r.get(3)?;
            rows.push(FeeRow {
                payer_id: r.get(0)?,
                code: code(&r.get::<_, String>(1)?)?,
                modifier: r.get(2)?,
                allowed: allowed
                    .parse::<Decimal>()
                    .map_err(|_| LedgerError::Corrupt(format!("fee schedule amount {allowed:?}")))?,
                valid_from: date(r.get(4)?)?,
                valid_to: date(r.get(5)?)?,
            });
        }
        sets.fees = Some(FeeSchedule::new(rows));
    }
    if has(ImportKind::Carc) {
        sets.carc_official = Some(load_official(conn, ImportKind::Carc)?);
    }
    if has(ImportKind::Rarc) {
        sets.rarc_official = Some(load_official(conn, ImportKind::Rarc)?);
    }
    Ok(sets)
}

fn load_procedures(conn: &Connection, kind: ImportKind) -> Result<ProcedureTable, LedgerError> {
    let mut stmt =
        conn.prepare_cached("SELECT code, descriptor, valid_from, valid_to FROM code_procedures WHERE system = ?1")?;
    let mut rows = Vec::new();
    let mut q = stmt.query([kind.name()])?;
    while let Some(r) = q.next()? {
        rows.push(ProcedureEntry {
            code: code(&r.get::<_, String>(0)?)?,
            descriptor: r.get(1)?,
            valid_from: date(r.get(2)?)?,
            valid_to: date(r.get(3)?)?,
        });
    }
    Ok(ProcedureTable::new(rows))
}

fn load_official(conn: &Connection, kind: ImportKind) -> Result<OfficialCodeList, LedgerError> {
    let mut stmt = conn
        .prepare_cached("SELECT code, description, valid_from, valid_to FROM code_official_text WHERE system = ?1")?;
    let mut rows = Vec::new();
    let mut q = stmt.query([kind.name()])?;
    while let Some(r) = q.next()? {
        rows.push(OfficialCode {
            code: r.get(0)?,
            description: r.get(1)?,
            valid_from: date(r.get(2)?)?,
            valid_to: date(r.get(3)?)?,
        });
    }
    Ok(OfficialCodeList::new(rows))
}

/// One table in `claimkit codes status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableStatus {
    /// `icd10cm`, `pos`, `cpt`, `ncci-ptp`, ...
    pub table: String,
    pub loaded: bool,
    /// `embedded` (shipped in claimkit) or `imported` (from the user's ledger).
    pub origin: &'static str,
    /// Package versions or the imported file name.
    pub source: Option<String>,
    pub version: Option<String>,
    pub rows: Option<usize>,
    pub imported_at: Option<String>,
    pub sha256: Option<String>,
    /// What is not checked while the table is missing.
    pub note: Option<String>,
}

/// What code sets claimkit can check with, on a date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CodeSetStatus {
    pub on: NaiveDate,
    /// Billable ICD-10-CM codes in effect on `on`.
    pub icd10cm_billable: usize,
    /// False when no ledger was opened: imported tables were not looked at.
    pub ledger_loaded: bool,
    pub tables: Vec<TableStatus>,
    /// One sentence per missing table: what goes unchecked.
    pub missing: Vec<String>,
}

/// The status of every embedded and imported table. `conn` is `None` when there is no ledger.
pub fn status(conn: Option<&Connection>, on: NaiveDate) -> Result<CodeSetStatus, LedgerError> {
    let icd = codes::icd10cm();
    let mut tables = vec![TableStatus {
        table: "icd10cm".into(),
        loaded: true,
        origin: "embedded",
        source: Some(codes::ICD10CM_SOURCE.into()),
        version: Some(codes::ICD10CM_VERSION.into()),
        rows: Some(icd.period_count()),
        imported_at: None,
        sha256: None,
        note: None,
    }];
    for (name, rows) in codes::embedded_counts() {
        tables.push(TableStatus {
            table: name.replace('_', "-"),
            loaded: true,
            origin: "embedded",
            source: Some(codes::embedded_source(name).into()),
            version: Some("codesets/SOURCES.md".into()),
            rows: Some(rows),
            imported_at: None,
            sha256: None,
            note: None,
        });
    }
    let imports = match conn {
        Some(c) => imports_in_force(c)?,
        None => Vec::new(),
    };
    let mut missing = Vec::new();
    for kind in ImportKind::ALL {
        match imports.iter().find(|r| r.kind == kind.name()) {
            Some(r) => tables.push(TableStatus {
                table: kind.name().into(),
                loaded: true,
                origin: "imported",
                source: Some(r.file_name.clone()),
                version: Some(r.file_name.clone()),
                rows: Some(r.rows),
                imported_at: Some(r.imported_at.clone()),
                sha256: Some(r.sha256.clone()),
                note: None,
            }),
            None => {
                let note = kind.missing_note().to_string();
                missing.push(note.clone());
                tables.push(TableStatus {
                    table: kind.name().into(),
                    loaded: false,
                    origin: "imported",
                    source: None,
                    version: None,
                    rows: None,
                    imported_at: None,
                    sha256: None,
                    note: Some(note),
                });
            }
        }
    }
    Ok(CodeSetStatus {
        on,
        icd10cm_billable: icd.billable_count_on(on),
        ledger_loaded: conn.is_some(),
        tables,
        missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;
    use std::path::PathBuf;

    fn sample(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/codesets").join(name)
    }

    fn import_one(ledger: &mut Ledger, kind: ImportKind, path: &Path) -> Result<ImportOutcome, CodeSetError> {
        let tx = ledger.transaction().unwrap();
        let out = import(&tx, kind, path)?;
        tx.commit().unwrap();
        Ok(out)
    }

    #[test]
    fn the_same_file_twice_is_a_no_op_and_a_new_file_replaces_the_table() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let first = import_one(&mut ledger, ImportKind::Cpt, &sample("cpt.csv")).unwrap();
        assert_eq!(first.status, ImportStatus::Imported);
        let again = import_one(&mut ledger, ImportKind::Cpt, &sample("cpt.csv")).unwrap();
        assert!(matches!(again.status, ImportStatus::AlreadyInForce { .. }));
        let history: i64 = ledger.conn().query_row("SELECT COUNT(*) FROM code_imports", [], |r| r.get(0)).unwrap();
        assert_eq!(history, 1);

        let other = import_one(&mut ledger, ImportKind::Cpt, &sample("cpt-codes-only.txt")).unwrap();
        assert!(matches!(other.status, ImportStatus::Replaced { .. }));
        let sets = load_imported(ledger.conn()).unwrap();
        assert_eq!(sets.cpt.unwrap().len(), other.rows);
    }

    #[test]
    fn a_malformed_file_imports_nothing() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        import_one(&mut ledger, ImportKind::Mue, &sample("mue.csv")).unwrap();
        let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codesets/mue-bad-units.csv");
        let err = import_one(&mut ledger, ImportKind::Mue, &bad).unwrap_err();
        assert!(matches!(err, CodeSetError::Import(ImportError::Row { .. })), "{err}");
        let sets = load_imported(ledger.conn()).unwrap();
        assert!(sets.mue.unwrap().limit("36415").is_some());
    }

    #[test]
    fn every_sample_file_loads_into_typed_tables() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        for (kind, file) in [
            (ImportKind::Cpt, "cpt.csv"),
            (ImportKind::Hcpcs, "hcpcs-anweb.txt"),
            (ImportKind::NcciPtp, "ncci-ptp-practitioner.txt"),
            (ImportKind::Mue, "mue.csv"),
            (ImportKind::FeeSchedule, "fee-schedule.csv"),
            (ImportKind::Carc, "carc.csv"),
            (ImportKind::Rarc, "rarc.csv"),
        ] {
            import_one(&mut ledger, kind, &sample(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        let sets = load_imported(ledger.conn()).unwrap();
        let on: NaiveDate = "2026-03-02".parse().unwrap();
        assert!(matches!(sets.cpt.as_ref().unwrap().lookup("99213", on), codes::ProcedureLookup::Valid(_)));
        assert!(matches!(sets.hcpcs.as_ref().unwrap().lookup("J1100", on), codes::ProcedureLookup::Valid(_)));
        let edit = sets.ncci_ptp.as_ref().unwrap().edit("99213", "20610", on).unwrap();
        assert_eq!(edit.modifier_indicator, 1);
        assert_eq!(sets.mue.as_ref().unwrap().limit("36415").unwrap().units, 2);
        assert!(sets.fees.as_ref().unwrap().allowed("MCRB1", "99213", None, on).is_some());
        assert!(sets.carc_official.is_some() && sets.rarc_official.is_some());
        let st = status(Some(ledger.conn()), on).unwrap();
        assert!(st.missing.is_empty());
    }
}
