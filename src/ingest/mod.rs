//! EMR ingest: encounters from a practice's EMR export, in whatever shape it has, into
//! [`Encounter`] values stored in the ledger.
//!
//! Three formats are read, and the format is detected from the content when not given:
//! - **CSV** ([`csv`]): one row per service line, rows grouped into encounters by `encounter_id`,
//!   canonical columns or another EMR's columns through a TOML [`mapping`];
//! - **FHIR R4 JSON** ([`fhir`]): a Bundle or NDJSON bulk export with Patient, Coverage,
//!   Encounter, Condition, Claim, Practitioner and Organization resources;
//! - **HL7 v2 DFT^P03** ([`hl7v2`]): detail financial transactions, one FT1 per service line.
//!
//! ```text
//! encounter_id,patient_id,...,date_of_service,procedure_code,modifiers,units,charge,diagnosis_codes,diagnosis_pointers
//! E1001,P77,...,2026-11-02,99213,25,1,125.00,E11.9|I10,1:2
//! MSH|^~\&|EMR|MAPLE|CLAIMKIT|MAPLE|20261102||DFT^P03|1|P|2.5.1
//! ```
//!
//! Every parser reports a bad record (row, message, resource) as a [`RecordError`] with the file,
//! its position and the field, without patient data, and goes on with the rest; [`store`] then
//! writes the encounters in the caller's transaction, so re-importing unchanged data changes
//! nothing and a changed encounter that was already billed becomes an import conflict.

pub mod columns;
pub mod csv;
pub mod fhir;
pub mod hl7v2;
pub mod mapping;
pub mod store;

use std::fmt;
use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::encounter::{Encounter, Relationship, Sex};
use crate::ledger::LedgerError;
pub use mapping::Mapping;
pub use store::{FileSummary, Outcome};

/// The formats `claimkit import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceFormat {
    Csv,
    Fhir,
    Hl7v2,
}

impl SourceFormat {
    /// The name stored in `encounters.source_format`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Csv => "csv",
            SourceFormat::Fhir => "fhir",
            SourceFormat::Hl7v2 => "hl7v2",
        }
    }

    /// Guesses the format from the first bytes of a file: `MSH` (after MLLP framing) is HL7 v2,
    /// `{` or `[` is FHIR JSON, anything else is CSV.
    pub fn detect(head: &[u8]) -> SourceFormat {
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let start = head.iter().position(|b| !b.is_ascii_whitespace() && *b != 0x0B).unwrap_or(head.len());
        let rest = &head[start..];
        if rest.starts_with(b"MSH") {
            SourceFormat::Hl7v2
        } else if rest.starts_with(b"{") || rest.starts_with(b"[") {
            SourceFormat::Fhir
        } else {
            SourceFormat::Csv
        }
    }

    /// Reads the start of a file and detects its format.
    pub fn detect_file(path: &Path) -> Result<SourceFormat, IngestError> {
        let mut head = [0u8; 512];
        let mut file = crate::files::open_input(path).map_err(|source| IngestError::io(path, source))?;
        let n = file.read(&mut head).map_err(|source| IngestError::io(path, source))?;
        Ok(SourceFormat::detect(&head[..n]))
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rejected record (CSV row, HL7 message, FHIR resource): the rest of the file still imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub file: String,
    /// `line 12`, `message 3`, `Claim/abc`...
    pub locator: String,
    /// The column, segment field or FHIR element (`patient_dob`, `PID-7`, `Claim.item[1].net`).
    pub field: String,
    /// What is wrong, in words, without patient data.
    pub reason: String,
    /// The offending value: patient data, printed only with `--show-data`.
    pub value: Option<String>,
    /// The record cannot be read as claim data at all (a character X12 cannot carry): an input
    /// data error (exit 3) rather than a finding.
    pub unreadable: bool,
}

impl RecordError {
    pub fn new(file: &str, locator: impl Into<String>, field: impl Into<String>, reason: impl Into<String>) -> Self {
        RecordError {
            file: file.into(),
            locator: locator.into(),
            field: field.into(),
            reason: reason.into(),
            value: None,
            unreadable: false,
        }
    }

    /// Keeps the offending value (shown only with `--show-data`). A value with a character that is
    /// not ASCII where a code, date or ID belongs makes the record unreadable (exit 3).
    pub fn with_value(mut self, value: &str) -> Self {
        self.unreadable |= !value.is_ascii();
        self.value = Some(value.to_string());
        self
    }

    /// `file:line 12: patient_dob: ...`, with the value only when `show_data`.
    pub fn render(&self, show_data: bool) -> String {
        let mut s = format!("{}:{}: {}: {}", self.file, self.locator, self.field, self.reason);
        if show_data && let Some(v) = &self.value {
            s.push_str(&format!(" (value {v:?})"));
        }
        s
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// A file that cannot be imported at all, or a failure of the ledger.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{file}: {source}")]
    Io { file: String, source: std::io::Error },
    /// The file is not the format it claims to be (truncated JSON, no header row, no MSH...).
    #[error("{file}:{position}: {reason}")]
    Unreadable { file: String, position: String, reason: String },
    #[error("mapping {file}:{line}: {message}")]
    Mapping { file: String, line: usize, message: String },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl IngestError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        IngestError::Io { file: path.display().to_string(), source }
    }

    /// True when the input is at fault (exit 3), false for our own failures (exit 4).
    pub fn is_input_error(&self) -> bool {
        !matches!(self, IngestError::Ledger(_))
    }
}

/// Where parsed records go: encounters to be stored, rejected records to be reported.
pub trait EncounterSink {
    fn encounter(&mut self, encounter: Encounter) -> Result<(), IngestError>;
    /// One rejected record (row group, message, resource) with everything wrong in it.
    fn reject(&mut self, errors: Vec<RecordError>);
    /// Columns of a CSV header that no canonical column (or the mapping) uses: kept as notes,
    /// reported as a warning (a renamed column is usually one of them).
    fn unknown_columns(&mut self, _columns: Vec<String>) {}
}

/// Brings an encounter from any format to one canonical shape, so the same visit read from CSV,
/// FHIR or HL7 has the same content hash: codes upper case, money with two decimals, units
/// without trailing zeros, subscriber defaults for a self-insured patient, line place of service
/// and rendering NPI only when they differ from the claim's, lines numbered from 1.
pub fn normalize(enc: &mut Encounter) {
    if enc.relationship == Relationship::SelfInsured {
        let s = &mut enc.subscriber;
        let same_person = s.name.last.eq_ignore_ascii_case(&enc.patient.name.last)
            && s.name.first.eq_ignore_ascii_case(&enc.patient.name.first);
        // Self-insured: the subscriber is the patient, whatever parts of the name the format repeats.
        if (s.name.last.is_empty() && s.name.first.is_empty()) || same_person {
            s.name = enc.patient.name.clone();
        }
        if s.dob.is_none() {
            s.dob = enc.patient.dob;
        }
        if s.sex == Sex::Unknown {
            s.sex = enc.patient.sex;
        }
    }
    if enc.subscriber.address.is_none() {
        enc.subscriber.address = enc.patient.address.clone();
    }
    for n in [&mut enc.patient.name.middle] {
        if n.as_deref().is_some_and(|m| m.trim().is_empty()) {
            *n = None;
        }
    }
    if enc.subscriber.name.middle.as_deref().is_some_and(|m| m.trim().is_empty()) {
        enc.subscriber.name.middle = None;
    }
    for (i, line) in enc.lines.iter_mut().enumerate() {
        line.number = i as u32 + 1;
        line.procedure.code = line.procedure.code.trim().to_ascii_uppercase();
        line.procedure.modifiers =
            line.procedure.modifiers.iter().map(|m| m.trim().to_ascii_uppercase()).filter(|m| !m.is_empty()).collect();
        line.charge = money(line.charge);
        line.units = line.units.normalize();
        if line.place_of_service.as_deref() == Some(enc.place_of_service.as_str()) {
            line.place_of_service = None;
        }
        if line.rendering_npi.is_some() && line.rendering_npi == enc.rendering_npi {
            line.rendering_npi = None;
        }
        if let Some(drug) = &mut line.drug {
            drug.ndc.retain(|c| c.is_ascii_alphanumeric());
            drug.quantity = drug.quantity.normalize();
            drug.unit = drug.unit.trim().to_ascii_uppercase();
        }
    }
}

/// An amount written with two decimal places (`125` → `125.00`); one with more places is kept as
/// it is (never rounded: the scrub holds it, CHARGE-NOT-CENTS).
pub fn money(d: Decimal) -> Decimal {
    let mut d = d.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}

/// Parses a decimal from text exactly (`"125.00"`, `"1e2"` is refused); an amount beyond
/// [`crate::encounter::MAX_AMOUNT`] is not one.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim().trim_start_matches('$').replace(',', "");
    t.parse::<Decimal>().ok().and_then(crate::encounter::bounded_amount)
}

/// Administrative sex from `M`/`F`/`U`, `male`/`female`/`unknown`/`other`.
pub fn parse_sex(text: &str) -> Option<Sex> {
    match text.trim().to_ascii_lowercase().as_str() {
        "m" | "male" => Some(Sex::Male),
        "f" | "female" => Some(Sex::Female),
        "" | "u" | "unknown" | "o" | "other" | "a" | "n" => Some(Sex::Unknown),
        _ => None,
    }
}

/// The patient's relationship to the subscriber from words or X12/HL7 codes
/// (`self`/`18`/`SEL`, `spouse`/`01`/`SPO`, `child`/`19`/`CHD`, `other`/`G8`/`OTH`).
pub fn parse_relationship(text: &str) -> Option<Relationship> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "self" | "18" | "sel" => Some(Relationship::SelfInsured),
        "spouse" | "01" | "spo" => Some(Relationship::Spouse),
        "child" | "19" | "chd" => Some(Relationship::Child),
        "other" | "g8" | "oth" => Some(Relationship::Other),
        _ => None,
    }
}

/// A date in HL7/FHIR form: `YYYYMMDD[HHMM...]` or `YYYY-MM-DD[Thh:mm...]`.
pub fn parse_compact_or_iso_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.as_bytes().get(4) == Some(&b'-') {
        return NaiveDate::parse_from_str(crate::text::head(t, 10)?, "%Y-%m-%d").ok();
    }
    let compact = t.as_bytes().get(..8)?;
    if compact.iter().all(u8::is_ascii_digit) {
        return NaiveDate::parse_from_str(crate::text::head(t, 8)?, "%Y%m%d").ok();
    }
    None
}

/// What to import and how.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The format; detected from the content when `None`.
    pub format: Option<SourceFormat>,
    /// Column mapping for CSV files from another EMR.
    pub mapping: Option<Mapping>,
}

/// Imports one file into the ledger inside the caller's transaction: parses it, stores each
/// encounter ([`store`]) and records the file. A file that cannot be read at all changes nothing
/// (its partial writes are rolled back to a savepoint) and is returned as an error.
pub fn import_file(
    tx: &mut crate::ledger::Transaction<'_>,
    path: &Path,
    options: &ImportOptions,
) -> Result<FileSummary, IngestError> {
    import_file_with_progress(tx, path, options, &crate::progress::Silent)
}

/// The codes and identifiers of `enc` that hold a character X12 cannot carry (anything not ASCII,
/// or an ASCII control character), each as a record error at the line that gave it. An 837 carries
/// them as they are; a code like `J0é9` can be neither billed nor checked against a code set.
pub fn not_ascii(enc: &Encounter) -> Vec<RecordError> {
    fn bad(s: &str) -> bool {
        s.bytes().any(|b| !b.is_ascii() || b.is_ascii_control())
    }
    let mut out = Vec::new();
    let mut check = |source: &crate::encounter::SourceRef, field: &str, value: &str| {
        if bad(value) {
            let mut e = RecordError::new(
                &source.file,
                source.locator.clone(),
                field,
                "holds a character that is not ASCII (or a control character): X12 claims carry codes and IDs in ASCII only",
            )
            .with_value(value);
            e.unreadable = true;
            out.push(e);
        }
    };
    let at = &enc.source;
    check(at, "encounter_id", &enc.id);
    check(at, "patient_id", &enc.patient.id);
    check(at, "subscriber_id", &enc.subscriber.member_id);
    check(at, "group_number", enc.subscriber.group_number.as_deref().unwrap_or(""));
    check(at, "payer_id", &enc.payer_id);
    if let Some(s) = &enc.secondary {
        check(at, "secondary_payer_id", &s.payer_id);
        check(at, "secondary_subscriber_id", &s.member_id);
    }
    check(at, "rendering_npi", enc.rendering_npi.as_deref().unwrap_or(""));
    if let Some(r) = &enc.referring {
        check(at, "referring_npi", &r.npi);
    }
    if let Some(f) = &enc.facility {
        check(at, "facility_npi", f.npi.as_deref().unwrap_or(""));
        check(at, "facility_state", &f.address.state);
        check(at, "facility_zip", &f.address.zip);
    }
    for a in [&enc.patient.address, &enc.subscriber.address].into_iter().flatten() {
        check(at, "patient_state", &a.state);
        check(at, "patient_zip", &a.zip);
    }
    check(at, "place_of_service", &enc.place_of_service);
    for (i, d) in enc.diagnoses.iter().enumerate() {
        check(at, &format!("diagnosis_codes ({})", i + 1), d.code());
    }
    check(at, "prior_auth", enc.prior_authorization.as_deref().unwrap_or(""));
    check(at, "original_claim_number", enc.original_claim_number.as_deref().unwrap_or(""));
    for line in &enc.lines {
        let at = if line.source.file.is_empty() { &enc.source } else { &line.source };
        check(at, "procedure_code", &line.procedure.code);
        for m in &line.procedure.modifiers {
            check(at, "modifiers", m);
        }
        check(at, "place_of_service", line.place_of_service.as_deref().unwrap_or(""));
        check(at, "rendering_npi", line.rendering_npi.as_deref().unwrap_or(""));
        if let Some(drug) = &line.drug {
            check(at, "ndc", &drug.ndc);
            check(at, "ndc_unit_type", &drug.unit);
        }
    }
    out
}

/// Counts encounters for a progress display as they go by.
struct CountingSink<'a> {
    inner: &'a mut dyn EncounterSink,
    progress: &'a dyn crate::progress::Progress,
}

impl EncounterSink for CountingSink<'_> {
    fn encounter(&mut self, encounter: Encounter) -> Result<(), IngestError> {
        self.progress.advance(1);
        let errors = not_ascii(&encounter);
        if !errors.is_empty() {
            self.inner.reject(errors);
            return Ok(());
        }
        self.inner.encounter(encounter)
    }

    fn reject(&mut self, errors: Vec<RecordError>) {
        self.progress.advance(1);
        self.inner.reject(errors)
    }

    fn unknown_columns(&mut self, columns: Vec<String>) {
        self.inner.unknown_columns(columns)
    }
}

/// [`import_file`], reporting each encounter read to `progress`.
pub fn import_file_with_progress(
    tx: &mut crate::ledger::Transaction<'_>,
    path: &Path,
    options: &ImportOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<FileSummary, IngestError> {
    let sha = crate::digest::sha256_file(path).map_err(|e| IngestError::io(path, e))?;
    let format = match options.format {
        Some(f) => f,
        None => SourceFormat::detect_file(path)?,
    };
    let seen_before = crate::ledger::file_seen(tx, "encounters", &sha)?;
    let file_name = path.display().to_string();
    let mut summary = {
        let sp = tx.savepoint().map_err(LedgerError::Sql)?;
        let mut sink = store::StoreSink::new(&sp, format, &file_name)?;
        progress.start("import", None);
        let mut counting = CountingSink { inner: &mut sink, progress };
        let read = match format {
            SourceFormat::Csv => csv::read_csv_file(path, options.mapping.as_ref(), &mut counting),
            SourceFormat::Fhir => fhir::read_fhir_file(path, &mut counting),
            SourceFormat::Hl7v2 => hl7v2::read_hl7_file(path, &mut counting),
        };
        progress.finish();
        read?;
        let summary = sink.finish();
        sp.commit().map_err(LedgerError::Sql)?;
        summary
    };
    summary.already_imported = seen_before;
    crate::ledger::record_file(tx, "encounters", path, &sha)?;
    Ok(summary)
}

/// Collects what a reader produced, for the readers' unit tests.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct Collect {
    pub encounters: Vec<Encounter>,
    pub rejected: Vec<Vec<RecordError>>,
}

#[cfg(test)]
impl EncounterSink for Collect {
    fn encounter(&mut self, e: Encounter) -> Result<(), IngestError> {
        self.encounters.push(e);
        Ok(())
    }
    fn reject(&mut self, errors: Vec<RecordError>) {
        self.rejected.push(errors);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_detected_from_content() {
        assert_eq!(SourceFormat::detect(b"\x0bMSH|^~\\&|"), SourceFormat::Hl7v2);
        assert_eq!(SourceFormat::detect(b"  {\"resourceType\":\"Bundle\"}"), SourceFormat::Fhir);
        assert_eq!(SourceFormat::detect(b"\xEF\xBB\xBFencounter_id,patient_id"), SourceFormat::Csv);
    }

    #[test]
    fn a_date_with_a_character_that_is_not_ascii_is_not_a_date() {
        assert_eq!(parse_compact_or_iso_date("1945-01-0é"), None);
        assert_eq!(parse_compact_or_iso_date("1945-01-0éT10:00"), None);
        assert_eq!(parse_compact_or_iso_date("1945010é"), None);
        assert_eq!(parse_compact_or_iso_date("1945-01-02T10:00"), NaiveDate::from_ymd_opt(1945, 1, 2));
        assert_eq!(parse_compact_or_iso_date("19450102"), NaiveDate::from_ymd_opt(1945, 1, 2));
    }

    #[test]
    fn codes_and_ids_that_are_not_ascii_are_record_errors_without_the_value() {
        let text = "encounter_id,patient_id,patient_last,patient_first,patient_dob,subscriber_id,payer_id,\
                    date_of_service,procedure_code,charge,diagnosis_codes\n\
                    E1,P1,DOE,JANE,1980-01-01,M1,ACME1,2026-10-01,99213,10.00,J0é9|I10\n\
                    E2,P2,DOE,JOHN,1980-01-01,M2,ACME1,2026-10-01,99213,10.00,I10\n";
        let mut c = Collect::default();
        csv::read_csv(text.as_bytes(), "t.csv", None, &mut c).unwrap();
        let first = c.encounters.iter().find(|e| e.id == "E1").unwrap();
        let errors = not_ascii(first);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].unreadable);
        assert_eq!(errors[0].field, "diagnosis_codes (1)");
        assert_eq!(errors[0].locator, "line 2");
        assert!(!errors[0].to_string().contains("J0"), "{}", errors[0]);
        assert!(errors[0].render(true).contains("J0É9"));
        assert!(not_ascii(c.encounters.iter().find(|e| e.id == "E2").unwrap()).is_empty());
    }

    #[test]
    fn money_always_has_two_decimals() {
        assert_eq!(money(Decimal::new(125, 0)).to_string(), "125.00");
        assert_eq!(money(Decimal::new(12550, 3)).to_string(), "12.55");
        assert_eq!(money(Decimal::new(12555, 3)).to_string(), "12.555", "never rounded");
    }
}
