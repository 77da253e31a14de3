//! CSV encounters: one row per service line, rows of one encounter next to each other.
//!
//! The canonical columns are [`super::columns::CANONICAL_COLUMNS`]; claim-level columns (patient, insurance,
//! providers, diagnoses) are read from the first row of each encounter, line-level columns from
//! every row. Other columns are kept in [`Encounter::notes`]. A [`Mapping`] reads another EMR's
//! shape. The file is streamed: only the encounter being read is held in memory, which is why
//! the rows of one encounter must be contiguous (as every EMR export we know writes them).
//!
//! ```text
//! encounter_id,patient_id,patient_last,...,procedure_code,modifiers,units,charge,diagnosis_codes,diagnosis_pointers
//! E1001,P77,Rivera,...,99214,25,1,160.00,E11.9|I10,1:2
//! E1001,P77,Rivera,...,82947,,1,22.00,E11.9|I10,1
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::columns::{CANONICAL_COLUMNS, Col, CoverageCols, REQUIRED_COLUMNS, SECONDARY_COLS, TERTIARY_COLS};
use super::mapping::Mapping;
use super::{EncounterSink, IngestError, RecordError, parse_decimal, parse_relationship, parse_sex};
use crate::encounter::{
    Address, ClaimFrequency, Coverage, Diagnosis, DrugIdentification, Encounter, Insured, NamedProvider, Patient,
    PersonName, Procedure, ServiceFacility, ServiceLine, SourceRef, Subscriber, UnitType,
};

/// The header row of a CSV file (with the delimiter a mapping gives, else `,`; a leading BOM removed).
pub fn read_header(path: &Path, delimiter: Option<char>) -> Result<Vec<String>, IngestError> {
    let file = std::fs::File::open(path).map_err(|e| IngestError::io(path, e))?;
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(path));
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(u8::try_from(delimiter).unwrap_or(b','))
        .from_reader(std::io::BufReader::new(file));
    let headers = rdr.headers().map_err(|e| csv_fatal(&path.display().to_string(), &e))?;
    Ok(headers
        .iter()
        .enumerate()
        .map(|(i, h)| if i == 0 { h.trim_start_matches('\u{feff}') } else { h }.trim().to_string())
        .collect())
}

/// The delimiter of a file's first line: the most frequent of `,`, `;`, tab and `|`.
pub fn sniff_delimiter(path: &Path) -> char {
    let mut first = String::new();
    if let Ok(file) = std::fs::File::open(path) {
        let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(file), &mut first);
    }
    [',', ';', '\t', '|'].into_iter().max_by_key(|d| first.matches(*d).count()).unwrap_or(',')
}

/// Where one canonical column's value comes from in a row.
#[derive(Debug, Clone)]
enum Source {
    Missing,
    Column(usize),
    Constant(String),
    Split { column: usize, separator: String, part: usize, last: bool },
    Join { columns: Vec<usize>, separator: String },
}

/// How to read the canonical columns from the rows of one file.
struct RowPlan {
    sources: Vec<Source>,
    date_formats: Vec<String>,
    values: Vec<Option<BTreeMap<String, String>>>,
    /// (export's separator, canonical separator) for list columns.
    list_separators: Vec<Option<(String, &'static str)>>,
    /// Columns no canonical column uses: (index, header), kept as notes.
    extra: Vec<(usize, String)>,
}

impl RowPlan {
    fn new(headers: &csv::StringRecord, mapping: Option<&Mapping>, file: &str) -> Result<RowPlan, IngestError> {
        // Every canonical column and mapping entry is looked up by name: the headers trimmed and
        // lower-cased once (the first of two equal headers wins).
        let mut positions: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            positions.entry(h.trim().to_ascii_lowercase()).or_insert(i);
        }
        let find = |name: &str| positions.get(&name.trim().to_ascii_lowercase()).copied();
        let unreadable =
            |reason: String| IngestError::Unreadable { file: file.to_string(), position: "line 1".into(), reason };
        let default_format = mapping.and_then(|m| m.date_format.clone()).unwrap_or_else(|| "%Y-%m-%d".into());
        let mut plan = RowPlan {
            sources: vec![Source::Missing; CANONICAL_COLUMNS.len()],
            date_formats: vec![default_format; CANONICAL_COLUMNS.len()],
            values: vec![None; CANONICAL_COLUMNS.len()],
            list_separators: vec![None; CANONICAL_COLUMNS.len()],
            extra: Vec::new(),
        };
        let mut used = vec![false; headers.len()];
        let index = |name: &str| CANONICAL_COLUMNS.iter().position(|c| *c == name);
        for (i, name) in CANONICAL_COLUMNS.iter().enumerate() {
            if let Some(h) = find(name) {
                plan.sources[i] = Source::Column(h);
                used[h] = true;
            }
        }
        if let Some(m) = mapping {
            for (canonical, header) in &m.columns {
                let (Some(i), Some(h)) = (index(canonical), find(header)) else {
                    return Err(unreadable(format!(
                        "the mapping's column {header:?} (for {canonical}) is not in the header row"
                    )));
                };
                plan.sources[i] = Source::Column(h);
                used[h] = true;
            }
            for (canonical, value) in &m.constants {
                if let Some(i) = index(canonical) {
                    plan.sources[i] = Source::Constant(value.clone());
                }
            }
            for split in &m.split {
                let Some(h) = find(&split.column) else {
                    return Err(unreadable(format!(
                        "the mapping's split column {:?} is not in the header row",
                        split.column
                    )));
                };
                used[h] = true;
                for (part, canonical) in split.into.iter().enumerate() {
                    if let Some(i) = index(canonical) {
                        let last = part + 1 == split.into.len();
                        plan.sources[i] = Source::Split { column: h, separator: split.separator.clone(), part, last };
                    }
                }
            }
            for join in &m.join {
                let mut columns = Vec::new();
                for c in &join.columns {
                    let Some(h) = find(c) else {
                        return Err(unreadable(format!("the mapping's join column {c:?} is not in the header row")));
                    };
                    used[h] = true;
                    columns.push(h);
                }
                if let Some(i) = index(&join.into) {
                    plan.sources[i] = Source::Join { columns, separator: join.separator.clone() };
                }
            }
            for (canonical, format) in &m.date_formats {
                if let Some(i) = index(canonical) {
                    plan.date_formats[i] = format.clone();
                }
            }
            for (canonical, separator) in &m.separators {
                let canonical_separator = if canonical == "diagnosis_codes" { "|" } else { ":" };
                if let Some(i) = index(canonical) {
                    plan.list_separators[i] = Some((separator.clone(), canonical_separator));
                }
            }
            for (canonical, values) in &m.values {
                if let Some(i) = index(canonical) {
                    plan.values[i] = Some(values.clone());
                }
            }
        }
        let missing: Vec<&str> = REQUIRED_COLUMNS
            .iter()
            .filter(|c| matches!(plan.sources[**c as usize], Source::Missing))
            .map(|c| CANONICAL_COLUMNS[*c as usize])
            .collect();
        if !missing.is_empty() {
            let how = if mapping.is_some() {
                "the mapping leaves them unmapped: add them under [columns] (nothing was imported)"
            } else {
                "renamed in the export? give --mapping (`claimkit import --print-mapping FILE` writes a template); nothing was imported"
            };
            return Err(unreadable(format!("required column(s) missing: {}; {how}", missing.join(", "))));
        }
        plan.extra = headers
            .iter()
            .enumerate()
            .filter(|(i, h)| !used[*i] && !h.trim().is_empty())
            .map(|(i, h)| (i, h.trim().to_string()))
            .collect();
        Ok(plan)
    }

    /// The trimmed value of a canonical column in a row ("" when absent).
    fn get<'r>(&self, rec: &'r csv::StringRecord, col: Col) -> Cow<'r, str> {
        let raw: Cow<'r, str> = match &self.sources[col as usize] {
            Source::Missing => Cow::Borrowed(""),
            Source::Column(i) => Cow::Borrowed(rec.get(*i).unwrap_or("").trim()),
            Source::Constant(v) => Cow::Owned(v.clone()),
            Source::Split { column, separator, part, last } => {
                let whole = rec.get(*column).unwrap_or("");
                // The last target takes the rest of the value ("Lee, Ann, Jr" -> "Ann, Jr").
                let pieces = if *last { part + 1 } else { part + 2 };
                let piece = whole.splitn(pieces, separator.as_str()).nth(*part).unwrap_or("");
                Cow::Owned(piece.trim().to_string())
            }
            Source::Join { columns, separator } => Cow::Owned(
                columns
                    .iter()
                    .filter_map(|i| rec.get(*i).map(str::trim).filter(|v| !v.is_empty()))
                    .collect::<Vec<_>>()
                    .join(separator),
            ),
        };
        let raw = match &self.values[col as usize] {
            Some(map) => match map.get(raw.as_ref()) {
                Some(v) => Cow::Owned(v.clone()),
                None => raw,
            },
            None => raw,
        };
        match &self.list_separators[col as usize] {
            Some((from, to)) if raw.contains(from.as_str()) => Cow::Owned(raw.replace(from.as_str(), to)),
            _ => raw,
        }
    }
}

/// Reads a CSV file of encounters into `sink`, one encounter at a time.
pub fn read_csv_file(path: &Path, mapping: Option<&Mapping>, sink: &mut dyn EncounterSink) -> Result<(), IngestError> {
    let file = crate::files::open_input(path).map_err(|e| IngestError::io(path, e))?;
    read_csv(std::io::BufReader::with_capacity(1 << 16, file), &path.display().to_string(), mapping, sink)
}

/// The longest record (all its lines) a CSV file may have: a row of an EMR export is a few hundred
/// bytes, and a longer one (a file that is not CSV, a quote never closed) would otherwise be held
/// whole in memory, however long.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// Passes a CSV stream through, cutting every record longer than `limit` bytes short: the rest of
/// such a record is dropped as it is read and the line it starts on is noted in `cut`, for the
/// reader to reject the record. Quotes are followed the way a CSV parser reads them, so a record
/// ends at a line break outside quotes. The dropped part's line breaks are kept inside a quoted
/// field the cut opens (or was in), so the parser counts the same lines as in the file.
struct RecordLimit<R> {
    inner: R,
    limit: usize,
    buf: Vec<u8>,
    /// Bytes of `buf` already handed out, and bytes read into it.
    at: usize,
    end: usize,
    in_quotes: bool,
    record_len: usize,
    line: u64,
    record_line: u64,
    dropping: bool,
    /// Bytes owed to the parser before the next byte of the file (quotes around a cut).
    owed: std::collections::VecDeque<u8>,
    cut: std::rc::Rc<std::cell::RefCell<std::collections::BTreeSet<u64>>>,
}

impl<R: std::io::Read> RecordLimit<R> {
    fn new(inner: R, limit: usize) -> Self {
        RecordLimit {
            inner,
            limit,
            buf: vec![0; 1 << 16],
            at: 0,
            end: 0,
            in_quotes: false,
            record_len: 0,
            line: 1,
            record_line: 1,
            dropping: false,
            owed: Default::default(),
            cut: Default::default(),
        }
    }
}

impl<R: std::io::Read> std::io::Read for RecordLimit<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < out.len() {
            if let Some(b) = self.owed.pop_front() {
                out[n] = b;
                n += 1;
                continue;
            }
            if self.at == self.end {
                if n > 0 {
                    break;
                }
                self.end = self.inner.read(&mut self.buf)?;
                self.at = 0;
                if self.end == 0 {
                    if self.dropping {
                        // The file ends inside a cut record: close the quoted field it is in.
                        self.dropping = false;
                        self.owed.push_back(b'"');
                        continue;
                    }
                    break;
                }
            }
            // Bytes that are neither a quote nor a line break change nothing but the record's
            // length: they go out in one copy, up to the limit.
            if !self.dropping && self.record_len < self.limit {
                let ahead = &self.buf[self.at..self.end];
                let run = memchr::memchr2(b'"', b'\n', ahead)
                    .unwrap_or(ahead.len())
                    .min(out.len() - n)
                    .min(self.limit - self.record_len);
                if run > 0 {
                    out[n..n + run].copy_from_slice(&ahead[..run]);
                    (n, self.at, self.record_len) = (n + run, self.at + run, self.record_len + run);
                    continue;
                }
            }
            let b = self.buf[self.at];
            self.at += 1;
            let quotes_before = self.in_quotes;
            if b == b'"' {
                self.in_quotes = !self.in_quotes;
            }
            let record_ends = b == b'\n' && !self.in_quotes;
            if b == b'\n' {
                self.line += 1;
            }
            if !self.dropping && !record_ends && self.record_len >= self.limit {
                self.dropping = true;
                self.cut.borrow_mut().insert(self.record_line);
                // From here the parser is in a quoted field: the one the record was in, or a
                // new last field.
                if !quotes_before {
                    self.owed.extend(b",\"");
                }
            }
            if self.dropping {
                if record_ends {
                    self.dropping = false;
                    self.owed.extend(b"\"\n");
                    self.record_len = 0;
                    self.record_line = self.line;
                } else if b == b'\n' {
                    self.owed.push_back(b'\n');
                }
                continue;
            }
            self.record_len += 1;
            out[n] = b;
            n += 1;
            if record_ends {
                self.record_len = 0;
                self.record_line = self.line;
            }
        }
        Ok(n)
    }
}

/// Reads CSV encounters from any reader; `file` names it in errors and sources. A record longer
/// than [`MAX_RECORD_BYTES`] is a record error (memory stays flat whatever the file holds).
pub fn read_csv(
    reader: impl std::io::Read,
    file: &str,
    mapping: Option<&Mapping>,
    sink: &mut dyn EncounterSink,
) -> Result<(), IngestError> {
    read_csv_limited(reader, file, mapping, sink, MAX_RECORD_BYTES)
}

fn read_csv_limited(
    reader: impl std::io::Read,
    file: &str,
    mapping: Option<&Mapping>,
    sink: &mut dyn EncounterSink,
    limit: usize,
) -> Result<(), IngestError> {
    let delimiter = mapping.and_then(|m| m.delimiter).unwrap_or(',');
    let limited = RecordLimit::new(reader, limit);
    let cut = limited.cut.clone();
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(u8::try_from(delimiter).unwrap_or(b','))
        .from_reader(limited);
    let headers = rdr.headers().map_err(|e| csv_fatal(file, &e))?.clone();
    if headers.is_empty() || headers.iter().all(|h| h.trim().is_empty()) {
        return Err(IngestError::Unreadable {
            file: file.into(),
            position: "line 1".into(),
            reason: "empty file: no header row".into(),
        });
    }
    let mut headers = headers;
    if let Some(first) = headers.get(0).map(|h| h.trim_start_matches('\u{feff}').to_string()) {
        let mut fixed = csv::StringRecord::new();
        fixed.push_field(&first);
        for h in headers.iter().skip(1) {
            fixed.push_field(h);
        }
        headers = fixed;
    }
    let plan = RowPlan::new(&headers, mapping, file)?;
    if !plan.extra.is_empty() {
        sink.unknown_columns(plan.extra.iter().map(|(_, h)| h.clone()).collect());
    }
    let mut rec = csv::StringRecord::new();
    let mut pending: Option<Pending> = None;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(csv_fatal(file, &e));
                }
                let line = e.position().map_or(0, |p| p.line());
                if let Some(p) = pending.take() {
                    p.flush(sink)?;
                }
                sink.reject(vec![RecordError::new(
                    file,
                    format!("line {line}"),
                    "row",
                    "not readable text (bad UTF-8 or quoting)",
                )]);
                continue;
            }
        }
        let line = rec.position().map_or(0, |p| p.line());
        if cut.borrow_mut().remove(&line) {
            if let Some(p) = pending.take() {
                p.flush(sink)?;
            }
            let reason = format!("the record is longer than {} MiB: not read", limit >> 20);
            let reason =
                if limit < 1 << 20 { format!("the record is longer than {limit} bytes: not read") } else { reason };
            sink.reject(vec![RecordError::new(file, format!("line {line}"), "row", reason)]);
            continue;
        }
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let id = plan.get(&rec, Col::EncounterId);
        if id.is_empty() {
            sink.reject(vec![RecordError::new(
                file,
                format!("line {line}"),
                "encounter_id",
                "required, the row is empty there",
            )]);
            continue;
        }
        if pending.as_ref().is_some_and(|p| p.encounter.id != id)
            && let Some(p) = pending.take()
        {
            p.flush(sink)?;
        }
        match &mut pending {
            Some(p) => p.add_row(&plan, &rec, line, file),
            None => {
                let mut p = Pending::start(&plan, &rec, line, file);
                p.add_row(&plan, &rec, line, file);
                pending = Some(p);
            }
        }
    }
    if let Some(p) = pending.take() {
        p.flush(sink)?;
    }
    Ok(())
}

fn csv_fatal(file: &str, e: &csv::Error) -> IngestError {
    let position = e.position().map_or_else(|| "line 1".to_string(), |p| format!("line {}", p.line()));
    let reason = match e.kind() {
        csv::ErrorKind::Io(io) => format!("cannot read: {io}"),
        csv::ErrorKind::Utf8 { .. } => "the header row is not UTF-8 text".into(),
        _ => "not a CSV file".into(),
    };
    IngestError::Unreadable { file: file.into(), position, reason }
}

/// A provider named by NPI, last and first name columns; `None` when the NPI and last name are empty.
fn named_provider(plan: &RowPlan, rec: &csv::StringRecord, [npi, last, first]: [Col; 3]) -> Option<NamedProvider> {
    let (npi, last) = (plan.get(rec, npi), plan.get(rec, last));
    (!npi.is_empty() || !last.is_empty()).then(|| NamedProvider {
        npi: npi.into_owned(),
        last: last.into_owned(),
        first: RowCheck::optional(plan, rec, first),
    })
}

/// The encounter being read: its claim-level fields from the first row, lines from every row.
struct Pending {
    encounter: Encounter,
    errors: Vec<RecordError>,
    first_line: u64,
    last_line: u64,
    diagnosis_text: String,
}

/// Collects field errors of one row.
struct RowCheck<'a> {
    file: &'a str,
    line: u64,
    errors: &'a mut Vec<RecordError>,
}

impl RowCheck<'_> {
    fn fail(&mut self, col: Col, reason: impl Into<String>, value: &str) {
        let mut e = RecordError::new(self.file, format!("line {}", self.line), CANONICAL_COLUMNS[col as usize], reason);
        if !value.is_empty() {
            e = e.with_value(value);
        }
        self.errors.push(e);
    }

    fn required(&mut self, plan: &RowPlan, rec: &csv::StringRecord, col: Col) -> String {
        let v = plan.get(rec, col);
        if v.is_empty() {
            self.fail(col, "required", "");
        }
        v.into_owned()
    }

    fn optional(plan: &RowPlan, rec: &csv::StringRecord, col: Col) -> Option<String> {
        let v = plan.get(rec, col);
        if v.is_empty() { None } else { Some(v.into_owned()) }
    }

    fn date(&mut self, plan: &RowPlan, rec: &csv::StringRecord, col: Col) -> Option<NaiveDate> {
        let v = plan.get(rec, col);
        if v.is_empty() {
            return None;
        }
        let format = &plan.date_formats[col as usize];
        match NaiveDate::parse_from_str(&v, format) {
            Ok(d) => Some(d),
            Err(_) => {
                let shown = format.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD");
                self.fail(col, format!("not a date in the form {shown}"), &v);
                None
            }
        }
    }

    fn decimal(&mut self, plan: &RowPlan, rec: &csv::StringRecord, col: Col, default: Option<Decimal>) -> Decimal {
        let v = plan.get(rec, col);
        if v.is_empty() {
            return match default {
                Some(d) => d,
                None => {
                    self.fail(col, "required", "");
                    Decimal::ZERO
                }
            };
        }
        match parse_decimal(&v) {
            Some(d) => d,
            None => {
                self.fail(col, "not a number", &v);
                Decimal::ZERO
            }
        }
    }
}

/// A secondary or tertiary coverage from its columns, when its payer column is filled. Without
/// its own member ID it has the primary's; without a relationship column it reads as before
/// coverages had subscribers (see [`Coverage`]).
fn coverage(
    c: &mut RowCheck<'_>,
    plan: &RowPlan,
    rec: &csv::StringRecord,
    cols: &CoverageCols,
    primary_member_id: &str,
) -> Option<Coverage> {
    let opt = |col: Col| RowCheck::optional(plan, rec, col);
    let payer_id = opt(cols.payer)?;
    let relationship_text = plan.get(rec, cols.relationship).into_owned();
    let relationship = if relationship_text.trim().is_empty() {
        None
    } else {
        match parse_relationship(&relationship_text) {
            Some(r) => Some(r),
            None => {
                c.fail(cols.relationship, "must be self, spouse, child or other", &relationship_text);
                None
            }
        }
    };
    let sex_text = plan.get(rec, cols.sex).into_owned();
    let sex = parse_sex(&sex_text).unwrap_or_else(|| {
        c.fail(cols.sex, "must be M, F or U", &sex_text);
        Default::default()
    });
    let dob = c.date(plan, rec, cols.dob);
    let last = opt(cols.last);
    let subscriber = last.map(|last| Insured {
        name: PersonName { last, first: opt(cols.first).unwrap_or_default(), middle: None },
        dob,
        sex,
        address: None,
    });
    Some(Coverage {
        payer_id,
        member_id: opt(cols.member).unwrap_or_else(|| primary_member_id.to_string()),
        relationship,
        subscriber,
        group_number: opt(cols.group),
        insurance_type: opt(cols.insurance_type),
        effective_from: c.date(plan, rec, cols.from),
        effective_to: c.date(plan, rec, cols.to),
    })
}

impl Pending {
    fn start(plan: &RowPlan, rec: &csv::StringRecord, line: u64, file: &str) -> Pending {
        let mut errors = Vec::new();
        let mut c = RowCheck { file, line, errors: &mut errors };
        let get = |col: Col| plan.get(rec, col).into_owned();
        let opt = |col: Col| RowCheck::optional(plan, rec, col);
        let patient_sex = parse_sex(&get(Col::PatientSex)).unwrap_or_else(|| {
            c.fail(Col::PatientSex, "must be M, F or U", &get(Col::PatientSex));
            Default::default()
        });
        let subscriber_sex = parse_sex(&get(Col::SubscriberSex)).unwrap_or_else(|| {
            c.fail(Col::SubscriberSex, "must be M, F or U", &get(Col::SubscriberSex));
            Default::default()
        });
        let relationship = parse_relationship(&get(Col::Relationship)).unwrap_or_else(|| {
            c.fail(Col::Relationship, "must be self, spouse, child or other", &get(Col::Relationship));
            Default::default()
        });
        let frequency = ClaimFrequency::from_code(&get(Col::Frequency)).unwrap_or_else(|| {
            c.fail(Col::Frequency, "must be 1 (original), 7 (replacement) or 8 (void)", &get(Col::Frequency));
            Default::default()
        });
        let address = |line1: Col, city: Col, state: Col, zip: Col| {
            let parts = [get(line1), get(city), get(state), get(zip)];
            if parts.iter().all(String::is_empty) {
                None
            } else {
                let [line1, city, state, zip] = parts;
                Some(Address { line1, line2: None, city, state: state.to_ascii_uppercase(), zip: zip.replace('-', "") })
            }
        };
        let patient = Patient {
            id: c.required(plan, rec, Col::PatientId),
            name: PersonName {
                last: get(Col::PatientLast),
                first: get(Col::PatientFirst),
                middle: opt(Col::PatientMiddle),
            },
            dob: c.date(plan, rec, Col::PatientDob),
            sex: patient_sex,
            address: address(Col::PatientAddress, Col::PatientCity, Col::PatientState, Col::PatientZip),
        };
        let subscriber = Subscriber {
            member_id: get(Col::SubscriberId),
            name: PersonName { last: get(Col::SubscriberLast), first: get(Col::SubscriberFirst), middle: None },
            dob: c.date(plan, rec, Col::SubscriberDob),
            sex: subscriber_sex,
            address: None,
            group_number: opt(Col::GroupNumber),
        };
        let secondary = coverage(&mut c, plan, rec, &SECONDARY_COLS, &get(Col::SubscriberId));
        let tertiary = coverage(&mut c, plan, rec, &TERTIARY_COLS, &get(Col::SubscriberId));
        let insurance_type = opt(Col::InsuranceType);
        let coverage_from = c.date(plan, rec, Col::CoverageFrom);
        let coverage_to = c.date(plan, rec, Col::CoverageTo);
        let referring = named_provider(plan, rec, [Col::ReferringNpi, Col::ReferringLast, Col::ReferringFirst]);
        let supervising = named_provider(plan, rec, [Col::SupervisingNpi, Col::SupervisingLast, Col::SupervisingFirst]);
        let facility =
            (!get(Col::FacilityName).is_empty() || !get(Col::FacilityNpi).is_empty()).then(|| ServiceFacility {
                npi: opt(Col::FacilityNpi),
                name: get(Col::FacilityName),
                address: address(Col::FacilityAddress, Col::FacilityCity, Col::FacilityState, Col::FacilityZip)
                    .unwrap_or_default(),
            });
        let diagnosis_text = get(Col::DiagnosisCodes);
        let diagnoses = diagnosis_text.split('|').filter(|d| !d.trim().is_empty()).map(Diagnosis::new).collect();
        let mut encounter = Encounter {
            id: get(Col::EncounterId),
            source: SourceRef { file: file.to_string(), locator: format!("line {line}") },
            patient,
            relationship,
            subscriber,
            payer_id: c.required(plan, rec, Col::PayerId),
            secondary,
            tertiary,
            insurance_type,
            coverage_from,
            coverage_to,
            rendering_npi: opt(Col::RenderingNpi),
            referring,
            supervising,
            facility,
            place_of_service: get(Col::PlaceOfService),
            diagnoses,
            lines: Vec::new(),
            prior_authorization: opt(Col::PriorAuth),
            onset_date: c.date(plan, rec, Col::OnsetDate),
            frequency,
            original_claim_number: opt(Col::OriginalClaimNumber),
            notes: BTreeMap::new(),
        };
        encounter.normalize_coverages();
        Pending { encounter, errors, first_line: line, last_line: line, diagnosis_text }
    }

    fn add_row(&mut self, plan: &RowPlan, rec: &csv::StringRecord, line: u64, file: &str) {
        self.last_line = line;
        let mut c = RowCheck { file, line, errors: &mut self.errors };
        if line != self.first_line {
            for (col, expected) in
                [(Col::PatientId, &self.encounter.patient.id), (Col::PayerId, &self.encounter.payer_id)]
            {
                let v = plan.get(rec, col);
                if !v.is_empty() && v != expected.as_str() {
                    c.fail(col, "differs from the first row of the same encounter", &v);
                }
            }
            let dx = plan.get(rec, Col::DiagnosisCodes);
            if !dx.is_empty() && dx != self.diagnosis_text.as_str() {
                c.fail(Col::DiagnosisCodes, "differs from the first row of the same encounter", &dx);
            }
        }
        let date_of_service = c.date(plan, rec, Col::DateOfService);
        if plan.get(rec, Col::DateOfService).is_empty() {
            c.fail(Col::DateOfService, "required", "");
        }
        let date_of_service_to = c.date(plan, rec, Col::DateOfServiceTo);
        let code = c.required(plan, rec, Col::ProcedureCode);
        let modifiers: Vec<String> = plan
            .get(rec, Col::Modifiers)
            .split(':')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(String::from)
            .collect();
        let units = c.decimal(plan, rec, Col::Units, Some(Decimal::ONE));
        let unit_type = UnitType::from_code(&plan.get(rec, Col::UnitType)).unwrap_or_else(|| {
            c.fail(Col::UnitType, "must be UN (units) or MJ (anesthesia minutes)", &plan.get(rec, Col::UnitType));
            UnitType::Units
        });
        let charge = c.decimal(plan, rec, Col::Charge, None);
        let pointer_text = plan.get(rec, Col::DiagnosisPointers);
        let mut diagnosis_pointers = Vec::new();
        if pointer_text.is_empty() {
            diagnosis_pointers.push(1);
        } else {
            for p in pointer_text.split(':').map(str::trim).filter(|p| !p.is_empty()) {
                match p.parse::<u8>() {
                    Ok(n) => diagnosis_pointers.push(n),
                    Err(_) => {
                        c.fail(Col::DiagnosisPointers, "pointers are numbers 1-12 separated by ':'", &pointer_text)
                    }
                }
            }
        }
        let ndc = plan.get(rec, Col::Ndc);
        let drug = if ndc.is_empty() {
            None
        } else {
            let quantity = c.decimal(plan, rec, Col::NdcUnits, Some(Decimal::ZERO));
            Some(DrugIdentification {
                ndc: ndc.replace('-', ""),
                quantity,
                unit: plan.get(rec, Col::NdcUnitType).into_owned(),
            })
        };
        for (i, header) in &plan.extra {
            if let Some(v) = rec.get(*i).map(str::trim).filter(|v| !v.is_empty()) {
                self.encounter.notes.entry(header.clone()).or_insert_with(|| v.to_string());
            }
        }
        let Some(date_of_service) = date_of_service else { return };
        self.encounter.lines.push(ServiceLine {
            number: self.encounter.lines.len() as u32 + 1,
            source: SourceRef { file: file.to_string(), locator: format!("line {line}") },
            date_of_service,
            date_of_service_to,
            procedure: Procedure { code, modifiers },
            units,
            charge,
            diagnosis_pointers,
            place_of_service: RowCheck::optional(plan, rec, Col::PlaceOfService),
            rendering_npi: RowCheck::optional(plan, rec, Col::RenderingNpi),
            drug,
            unit_type,
            description: RowCheck::optional(plan, rec, Col::ProcedureDescription),
            ordering: named_provider(plan, rec, [Col::OrderingNpi, Col::OrderingLast, Col::OrderingFirst]),
            // A line names its supervising provider only when it differs from the claim's (2420D).
            supervising: named_provider(plan, rec, [Col::SupervisingNpi, Col::SupervisingLast, Col::SupervisingFirst])
                .filter(|s| Some(s) != self.encounter.supervising.as_ref()),
        });
    }

    fn flush(mut self, sink: &mut dyn EncounterSink) -> Result<(), IngestError> {
        if !self.errors.is_empty() {
            sink.reject(self.errors);
            return Ok(());
        }
        if self.last_line != self.first_line {
            self.encounter.source.locator = format!("lines {}-{}", self.first_line, self.last_line);
        }
        sink.encounter(self.encounter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::Collect;

    const HEADER: &str = "encounter_id,patient_id,patient_last,patient_first,patient_dob,payer_id,subscriber_id,date_of_service,procedure_code,modifiers,units,charge,diagnosis_codes,diagnosis_pointers,room\n";

    #[test]
    fn a_record_over_the_limit_is_a_record_error_and_the_next_rows_still_import() {
        let long = "x".repeat(300);
        let quoted = format!("\"{}\n{}\"", "y".repeat(150), "z".repeat(150));
        let text = format!(
            "{HEADER}E1,P1,Lee,Ann,1960-02-03,ACME1,M1,2026-10-01,99214,,1,160.00,I10,,{long}\n\
             E2,P2,Kim,Bo,1970-01-01,ACME1,M2,2026-10-02,99213,,1,110.00,I10,,\n\
             E3,P3,Kim,Bo,1970-01-01,ACME1,M3,2026-10-02,99213,,1,110.00,I10,,{quoted}\n\
             E4,P4,Kim,Bo,1970-01-01,ACME1,M4,2026-10-02,99213,,1,110.00,I10,,\n"
        );
        let mut sink = Collect::default();
        read_csv_limited(text.as_bytes(), "t.csv", None, &mut sink, 200).unwrap();
        let ids: Vec<_> = sink.encounters.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["E2", "E4"]);
        let errors: Vec<_> = sink.rejected.iter().flatten().map(|e| (e.locator.as_str(), e.field.as_str())).collect();
        assert_eq!(errors, [("line 2", "row"), ("line 4", "row")]);
        let mut whole = Collect::default();
        read_csv_limited(text.as_bytes(), "t.csv", None, &mut whole, 1 << 20).unwrap();
        assert_eq!(whole.encounters.len(), 4);
        assert_eq!(sink.encounters[1].source, whole.encounters[3].source, "line numbers stay right after a cut");
        assert!(sink.rejected[0][0].reason.contains("longer than 200 bytes"));
    }

    #[test]
    fn the_record_limit_passes_every_byte_of_records_within_it() {
        use std::io::Read;
        let text = "a,\"b\nc\",d\r\n\"x\"\"y\",z\n".repeat(50);
        let mut out = String::new();
        RecordLimit::new(text.as_bytes(), 20).read_to_string(&mut out).unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn the_record_limit_cuts_the_same_records_however_the_parser_reads() {
        use std::io::Read;
        // Records of 18, 19, 21 (quoted, over two lines) and 40 bytes before their line break.
        let text = "aaaaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbbbbb\n\"ccccccccc\nccccccccc\"\ndddddddddddddddddddddddddddddddddddddddd\nee\n";
        let read_in = |chunk: usize| {
            let mut limited = RecordLimit::new(text.as_bytes(), 20);
            let (mut out, mut buf) = (Vec::new(), vec![0; chunk]);
            loop {
                let n = limited.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            (String::from_utf8(out).unwrap(), limited.cut.borrow().clone())
        };
        let (whole, cut) = read_in(1 << 16);
        assert_eq!(cut.into_iter().collect::<Vec<_>>(), [3, 5], "the records over 20 bytes");
        assert!(whole.starts_with("aaaaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbbbbb\n"), "{whole:?}");
        assert!(whole.ends_with("\nee\n"), "{whole:?}");
        for chunk in [1, 2, 3, 7, 19, 20, 21] {
            assert_eq!(read_in(chunk), read_in(1 << 16), "read {chunk} bytes at a time");
        }
    }

    #[test]
    fn rows_group_into_encounters_and_extra_columns_become_notes() {
        let text = format!(
            "{HEADER}E1,P1,Lee,Ann,1960-02-03,ACME1,M1,2026-10-01,99214,25,1,160.00,E11.9|I10,1:2,A\n\
             E1,P1,Lee,Ann,1960-02-03,ACME1,M1,2026-10-01,82947,,1,22,E11.9|I10,,A\n\
             E2,P2,Kim,Bo,1970-01-01,ACME1,M2,2026-10-02,99213,,1,110.00,I10,,\n"
        );
        let mut sink = Collect::default();
        read_csv(text.as_bytes(), "t.csv", None, &mut sink).unwrap();
        assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
        assert_eq!(sink.encounters.len(), 2);
        let e1 = &sink.encounters[0];
        assert_eq!(e1.lines.len(), 2);
        assert_eq!(e1.diagnoses, vec![Diagnosis::new("E119"), Diagnosis::new("I10")]);
        assert_eq!(e1.lines[0].procedure.modifiers, vec!["25"]);
        assert_eq!(e1.lines[0].diagnosis_pointers, vec![1, 2]);
        assert_eq!(e1.lines[1].diagnosis_pointers, vec![1]);
        assert_eq!(e1.notes.get("room").map(String::as_str), Some("A"));
        assert_eq!(e1.source.locator, "lines 2-3");
    }

    #[test]
    fn a_bad_date_rejects_that_encounter_with_line_and_column_and_no_patient_data() {
        let text = format!(
            "{HEADER}E1,P1,Lee,Ann,1960-13-45,ACME1,M1,2026-10-01,99214,,1,160.00,I10,,\n\
             E2,P2,Kim,Bo,1970-01-01,ACME1,M2,2026-10-02,99213,,1,110.00,I10,,\n"
        );
        let mut sink = Collect::default();
        read_csv(text.as_bytes(), "t.csv", None, &mut sink).unwrap();
        assert_eq!(sink.encounters.len(), 1);
        let err = &sink.rejected[0][0];
        assert_eq!(err.to_string(), "t.csv:line 2: patient_dob: not a date in the form YYYY-MM-DD");
        assert!(err.render(true).contains("1960-13-45"));
    }

    #[test]
    fn a_file_without_the_required_columns_is_unreadable() {
        let mut sink = Collect::default();
        let err = read_csv("name,age\nAnn,3\n".as_bytes(), "t.csv", None, &mut sink).unwrap_err();
        assert!(err.to_string().contains("required column(s) missing: encounter_id, patient_id"), "{err}");
    }

    #[test]
    fn a_renamed_required_column_refuses_the_file_and_names_it() {
        let text = HEADER.replace("patient_dob", "birth_date").replace("diagnosis_codes", "diagnoses")
            + "E1,P1,Lee,Ann,1960-02-03,ACME1,M1,2026-10-01,99214,,1,160.00,I10,,\n";
        let mut sink = Collect::default();
        let err = read_csv(text.as_bytes(), "t.csv", None, &mut sink).unwrap_err().to_string();
        assert!(err.contains("missing: patient_dob, diagnosis_codes") && err.contains("--print-mapping"), "{err}");
        assert!(sink.encounters.is_empty());
    }

    #[test]
    fn unknown_columns_are_reported_and_kept_as_notes() {
        #[derive(Default)]
        struct Columns(Collect, Vec<String>);
        impl EncounterSink for Columns {
            fn encounter(&mut self, e: Encounter) -> Result<(), IngestError> {
                self.0.encounter(e)
            }
            fn reject(&mut self, errors: Vec<RecordError>) {
                self.0.reject(errors)
            }
            fn unknown_columns(&mut self, columns: Vec<String>) {
                self.1 = columns;
            }
        }
        let text = format!("{HEADER}E1,P1,Lee,Ann,1960-02-03,ACME1,M1,2026-10-01,99214,,1,160.00,I10,,A\n");
        let mut sink = Columns::default();
        read_csv(text.as_bytes(), "t.csv", None, &mut sink).unwrap();
        assert_eq!(sink.1, ["room"]);
        assert_eq!(sink.0.encounters[0].notes.get("room").map(String::as_str), Some("A"));
    }

    #[test]
    fn a_mapping_that_leaves_a_required_column_unmapped_says_so() {
        let mapping = Mapping::parse("[columns]\nencounter_id = \"Visit\"\n", "m.toml").unwrap();
        let text = HEADER.replace("encounter_id", "Visit").replace("patient_dob", "DOB");
        let mut sink = Collect::default();
        let err = read_csv(text.as_bytes(), "t.csv", Some(&mapping), &mut sink).unwrap_err().to_string();
        assert!(err.contains("missing: patient_dob") && err.contains("mapping leaves them unmapped"), "{err}");
    }

    #[test]
    fn a_mapping_renames_splits_joins_translates_and_reads_other_date_formats() {
        let mapping = Mapping::parse(
            r#"
delimiter = ";"
date_format = "%m/%d/%Y"
[columns]
encounter_id = "Visit"
patient_id = "Acct"
payer_id = "Plan"
date_of_service = "Seen"
procedure_code = "CPT"
charge = "Fee"
patient_sex = "Gender"
patient_dob = "Born"
subscriber_id = "Member"
[constants]
place_of_service = "11"
[values.patient_sex]
Female = "F"
[separators]
modifiers = ","
[[split]]
column = "Name"
separator = ","
into = ["patient_last", "patient_first"]
[[join]]
columns = ["Dx1", "Dx2"]
separator = "|"
into = "diagnosis_codes"
"#,
            "m.toml",
        )
        .unwrap();
        let text = "Visit;Acct;Name;Born;Gender;Member;Plan;Seen;CPT;modifiers;Fee;Dx1;Dx2\n\
                    V1;A1;Lee, Ann, Jr;02/03/1960;Female;M1;ACME1;11/02/2026;99213;25,59;110;E11.9;\n";
        let mut sink = Collect::default();
        read_csv(text.as_bytes(), "t.csv", Some(&mapping), &mut sink).unwrap();
        assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
        let e = &sink.encounters[0];
        assert_eq!((e.patient.name.last.as_str(), e.patient.name.first.as_str()), ("Lee", "Ann, Jr"));
        assert_eq!(e.patient.sex, crate::encounter::Sex::Female);
        assert_eq!(e.place_of_service, "11");
        assert_eq!(e.diagnoses, vec![Diagnosis::new("E119")]);
        assert_eq!(e.lines[0].procedure.modifiers, vec!["25", "59"]);
        assert_eq!(e.lines[0].date_of_service, NaiveDate::from_ymd_opt(2026, 11, 2).unwrap());
        assert!(e.notes.is_empty());
    }
}
