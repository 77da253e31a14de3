//! Parsers for the code-set files users import, one per layout. Each hands its typed rows one at a
//! time to the caller ([`parse_each`]: the NCCI file has millions, and an import stores them as
//! they come, in flat memory) or collects them ([`parse`]); the first bad row stops it with
//! `file:line: reason`, and an import then stores nothing (its transaction rolls back).
//!
//! | kind | layout |
//! |---|---|
//! | `cpt` | CSV or TSV: `code[,descriptor[,valid_from[,valid_to]]]`, header optional |
//! | `hcpcs` | CMS HCPCS quarterly file: the fixed-width record layout (320 columns, Windows-1252), or CSV with its column names |
//! | `ncci-ptp` | CMS practitioner PTP edits, tab-delimited text with its header lines |
//! | `mue` | CMS practitioner MUE table, CSV (or tab) with its header lines |
//! | `fee-schedule` | CSV with header `payer_id,code,modifier,allowed,valid_from,valid_to` |
//! | `carc`, `rarc` | CSV: `code,description[,start_date[,stop_date]]`, header optional |
//!
//! Dates may be `YYYY-MM-DD`, `YYYYMMDD` or `MM/DD/YYYY`; an empty date or `*` means none.
//! Lines before the first data row whose first field is long text or has no digit (copyright
//! notices, column titles) are skipped; after it every line must be a valid row.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::imported::{FeeRow, MueLimit, OfficialCode, ProcedureCode, ProcedureEntry, PtpEdit, PtpRow};

/// The kinds of code-set file `claimkit codes import` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ImportKind {
    /// The user's licensed CPT list.
    Cpt,
    /// The CMS HCPCS Level II quarterly file.
    Hcpcs,
    /// CMS NCCI practitioner procedure-to-procedure edits.
    NcciPtp,
    /// CMS practitioner medically unlikely edits.
    Mue,
    /// The practice's contracted rates.
    FeeSchedule,
    /// The official X12 claim adjustment reason code list.
    Carc,
    /// The official X12 remittance advice remark code list.
    Rarc,
}

impl ImportKind {
    pub const ALL: [ImportKind; 7] = [
        ImportKind::Cpt,
        ImportKind::Hcpcs,
        ImportKind::NcciPtp,
        ImportKind::Mue,
        ImportKind::FeeSchedule,
        ImportKind::Carc,
        ImportKind::Rarc,
    ];

    /// The name on the command line and in the ledger.
    pub fn name(self) -> &'static str {
        match self {
            ImportKind::Cpt => "cpt",
            ImportKind::Hcpcs => "hcpcs",
            ImportKind::NcciPtp => "ncci-ptp",
            ImportKind::Mue => "mue",
            ImportKind::FeeSchedule => "fee-schedule",
            ImportKind::Carc => "carc",
            ImportKind::Rarc => "rarc",
        }
    }

    pub fn from_name(name: &str) -> Option<ImportKind> {
        ImportKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// What goes unchecked while this table is not loaded.
    pub fn missing_note(self) -> &'static str {
        match self {
            ImportKind::Cpt => "CPT not loaded: procedure codes are checked for format only",
            ImportKind::Hcpcs => "HCPCS not loaded: HCPCS Level II codes are checked for format only",
            ImportKind::NcciPtp => "NCCI PTP edits not loaded: code pairs are not checked",
            ImportKind::Mue => "MUE table not loaded: units per day are not checked",
            ImportKind::FeeSchedule => "fee schedule not loaded: expected payments are not checked",
            ImportKind::Carc => "official CARC text not loaded: claimkit's own labels are shown",
            ImportKind::Rarc => "official RARC text not loaded: claimkit's own labels are shown",
        }
    }
}

impl std::fmt::Display for ImportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a code-set file cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: {source}", file.display())]
    Io { file: PathBuf, source: std::io::Error },
    #[error("{}:{line}: {reason}", file.display())]
    Row { file: PathBuf, line: u64, reason: String },
    #[error("{}: {reason}", file.display())]
    File { file: PathBuf, reason: String },
}

/// The typed rows of one file.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportedRows {
    Procedures(Vec<ProcedureEntry>),
    Ptp(Vec<PtpRow>),
    Mue(Vec<MueLimit>),
    Fees(Vec<FeeRow>),
    Official(Vec<OfficialCode>),
}

impl ImportedRows {
    pub fn len(&self) -> usize {
        match self {
            ImportedRows::Procedures(r) => r.len(),
            ImportedRows::Ptp(r) => r.len(),
            ImportedRows::Mue(r) => r.len(),
            ImportedRows::Fees(r) => r.len(),
            ImportedRows::Official(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// No rows of the kind of file `kind` is.
    fn empty(kind: ImportKind) -> Self {
        match kind {
            ImportKind::Cpt | ImportKind::Hcpcs => ImportedRows::Procedures(Vec::new()),
            ImportKind::NcciPtp => ImportedRows::Ptp(Vec::new()),
            ImportKind::Mue => ImportedRows::Mue(Vec::new()),
            ImportKind::FeeSchedule => ImportedRows::Fees(Vec::new()),
            ImportKind::Carc | ImportKind::Rarc => ImportedRows::Official(Vec::new()),
        }
    }

    fn push(&mut self, row: ImportedRow) {
        match (self, row) {
            (ImportedRows::Procedures(v), ImportedRow::Procedure(r)) => v.push(r),
            (ImportedRows::Ptp(v), ImportedRow::Ptp(r)) => v.push(r),
            (ImportedRows::Mue(v), ImportedRow::Mue(r)) => v.push(r),
            (ImportedRows::Fees(v), ImportedRow::Fee(r)) => v.push(r),
            (ImportedRows::Official(v), ImportedRow::Official(r)) => v.push(r),
            _ => unreachable!("each parser hands over rows of its own kind"),
        }
    }
}

/// One typed row of a code-set file.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportedRow {
    Procedure(ProcedureEntry),
    Ptp(PtpRow),
    Mue(MueLimit),
    Fee(FeeRow),
    Official(OfficialCode),
}

/// Where a parser's rows go: [`ControlFlow::Break`] stops the parse (the caller could not keep
/// the row: it has its own error).
pub type RowSink<'a> = dyn FnMut(ImportedRow) -> ControlFlow<()> + 'a;

/// Parses a file of the given kind.
pub fn parse_file(kind: ImportKind, path: &Path) -> Result<ImportedRows, ImportError> {
    parse(kind, path, open(path)?)
}

/// Parses code-set text; `path` names the source in errors.
pub fn parse(kind: ImportKind, path: &Path, input: impl BufRead) -> Result<ImportedRows, ImportError> {
    let mut rows = ImportedRows::empty(kind);
    parse_each(kind, path, input, &mut |row| {
        rows.push(row);
        ControlFlow::Continue(())
    })?;
    Ok(rows)
}

/// Opens a code-set file for [`parse_each`].
pub fn open(path: &Path) -> Result<BufReader<File>, ImportError> {
    let file = crate::files::open_input(path).map_err(|source| ImportError::Io { file: path.to_path_buf(), source })?;
    Ok(BufReader::with_capacity(1 << 16, file))
}

/// Parses code-set text row by row, handing each row to `sink` as soon as it is whole; returns
/// how many it handed over. A file with no row is an error; so is a bad row, after the rows
/// before it were handed over (an import's transaction then rolls back).
pub fn parse_each(
    kind: ImportKind,
    path: &Path,
    input: impl BufRead,
    sink: &mut RowSink<'_>,
) -> Result<usize, ImportError> {
    let mut rows = 0usize;
    let mut counted = |row: ImportedRow| {
        rows += 1;
        sink(row)
    };
    let mut p = Parser { file: path, line: 0, sink: &mut counted };
    match kind {
        ImportKind::Cpt => p.procedures(input, false)?,
        ImportKind::Hcpcs => p.hcpcs(input)?,
        ImportKind::NcciPtp => p.ptp(input)?,
        ImportKind::Mue => p.mue(input)?,
        ImportKind::FeeSchedule => p.fees(input)?,
        ImportKind::Carc | ImportKind::Rarc => p.official(input, kind)?,
    }
    if rows == 0 {
        return Err(ImportError::File { file: path.to_path_buf(), reason: format!("no {kind} rows found") });
    }
    Ok(rows)
}

/// A delimited record with its 1-based line number.
struct Record {
    line: u64,
    fields: Vec<String>,
}

impl Record {
    fn get(&self, i: Option<usize>) -> &str {
        i.and_then(|i| self.fields.get(i)).map_or("", |s| s.trim())
    }
}

/// The lines [`peek_lines`] read, then the rest of the input.
type Reread<R> = std::io::Chain<std::io::Cursor<Vec<u8>>, R>;

/// The first lines of `input` (up to `nonblank` that are not blank), and a reader that reads
/// them again followed by the rest, a UTF-8 byte-order mark at the start dropped: a layout is
/// told from its first lines without holding the file.
fn peek_lines<R: BufRead>(mut input: R, nonblank: usize, path: &Path) -> Result<(Vec<String>, Reread<R>), ImportError> {
    let mut head = Vec::new();
    let mut lines = Vec::new();
    while lines.iter().filter(|l: &&String| !l.trim().is_empty()).count() < nonblank {
        let start = head.len();
        let read = input
            .read_until(b'\n', &mut head)
            .map_err(|source| ImportError::Io { file: path.to_path_buf(), source })?;
        if read == 0 {
            break;
        }
        lines.push(String::from_utf8_lossy(&head[start..]).into_owned());
    }
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        head.drain(..3);
    }
    Ok((lines, std::io::Cursor::new(head).chain(input)))
}

/// CSV or TSV (TSV when one of the first ten lines that are not blank has a tab), read a record
/// at a time, blank lines skipped.
struct Records<R: Read> {
    reader: csv::Reader<R>,
    record: csv::StringRecord,
    path: PathBuf,
}

/// The records of `input` (see [`Records`]).
fn delimited(input: impl BufRead, path: &Path) -> Result<Records<impl Read>, ImportError> {
    let (first, input) = peek_lines(input, 10, path)?;
    // CMS files open with notice lines that have no delimiter: look a little further.
    let tabbed = first.iter().any(|l| l.contains('\t'));
    let delimiter = if tabbed { b'\t' } else { b',' };
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quoting(delimiter == b',')
        .from_reader(input);
    Ok(Records { reader, record: csv::StringRecord::new(), path: path.to_path_buf() })
}

impl<R: Read> Records<R> {
    /// The next record that is not blank, or `None` at the end.
    fn next_record(&mut self) -> Result<Option<Record>, ImportError> {
        loop {
            let more = self.reader.read_record(&mut self.record).map_err(|e| ImportError::Row {
                file: self.path.clone(),
                line: e.position().map_or(0, |p| p.line()),
                reason: format!("unreadable row: {e}"),
            })?;
            if !more {
                return Ok(None);
            }
            if self.record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let line = self.record.position().map_or(0, |p| p.line());
            return Ok(Some(Record { line, fields: self.record.iter().map(str::to_string).collect() }));
        }
    }
}

/// A column title reduced to letters and digits: "ACT EFF DT" -> "acteffdt".
fn norm(title: &str) -> String {
    title.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase()
}

fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().map(|h| norm(h)).position(|h| names.contains(&h.as_str()))
}

/// Preamble lines (copyright notices, column titles) come before the data.
fn is_preamble(first_field: &str) -> bool {
    let f = first_field.trim();
    f.len() > 7 || !f.bytes().any(|b| b.is_ascii_digit())
}

const CODE_NAMES: &[&str] = &["code", "cpt", "cptcode", "hcpc", "hcpcs", "hcpcscode", "procedurecode", "carc", "rarc"];
const DESCRIPTOR_NAMES: &[&str] =
    &["descriptor", "description", "desc", "longdescription", "shortdescription", "title", "label", "text"];
const FROM_NAMES: &[&str] =
    &["validfrom", "effective", "effectivedate", "startdate", "start", "from", "begin", "adddate", "adddt"];
const TO_NAMES: &[&str] =
    &["validto", "termination", "terminationdate", "enddate", "end", "to", "stopdate", "stop", "termdate", "termdt"];

struct Parser<'a, 's> {
    file: &'a Path,
    line: u64,
    sink: &'s mut RowSink<'s>,
}

impl Parser<'_, '_> {
    /// Hands `row` over; false when the caller wants no more.
    fn emit(&mut self, row: ImportedRow) -> bool {
        (self.sink)(row).is_continue()
    }

    /// Holds a code's `entry` in `pending` (a continuation row may still extend its descriptor)
    /// and hands over the one held before; false when the caller wants no more.
    fn hold(&mut self, pending: &mut Option<ProcedureEntry>, entry: ProcedureEntry) -> bool {
        match pending.replace(entry) {
            Some(done) => self.emit(ImportedRow::Procedure(done)),
            None => true,
        }
    }

    fn err<T>(&self, reason: impl Into<String>) -> Result<T, ImportError> {
        Err(ImportError::Row { file: self.file.to_path_buf(), line: self.line, reason: reason.into() })
    }

    fn date(&self, what: &str, text: &str) -> Result<Option<NaiveDate>, ImportError> {
        let t = text.trim();
        if t.is_empty() || t == "*" {
            return Ok(None);
        }
        match parse_date(t) {
            Some(d) => Ok(Some(d)),
            None => self.err(format!("{what} {t:?} is not a date (YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY)")),
        }
    }

    fn code(&self, text: &str) -> Result<ProcedureCode, ImportError> {
        match ProcedureCode::parse(text) {
            Some(c) => Ok(c),
            None => self.err(format!("{:?} is not a five-character CPT/HCPCS code", text.trim())),
        }
    }

    fn period(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<(Option<NaiveDate>, Option<NaiveDate>), ImportError> {
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return self.err(format!("end date {t} is before start date {f}"));
        }
        Ok((from, to))
    }

    /// CPT (and HCPCS CSV without a RECID column): code, descriptor, dates.
    fn procedures(&mut self, input: impl BufRead, hcpcs: bool) -> Result<(), ImportError> {
        let mut records = delimited(input, self.file)?;
        let Some(first) = records.next_record()? else { return Ok(()) };
        let has_header = !first.fields.first().is_some_and(|f| f.bytes().any(|b| b.is_ascii_digit()));
        let (code_i, desc_i, from_i, to_i, recid_i) = if has_header {
            let h = &first.fields;
            let code = column(h, CODE_NAMES);
            if code.is_none() {
                self.line = first.line;
                return self.err("header has no code column (code, cpt, hcpcs)");
            }
            let desc = column(h, &["longdescription"]).or_else(|| column(h, DESCRIPTOR_NAMES));
            let from = if hcpcs { column(h, &["adddt", "adddate", "acteffdt"]) } else { None }
                .or_else(|| column(h, FROM_NAMES));
            (code, desc, from, column(h, TO_NAMES), column(h, &["recid", "recordid"]))
        } else {
            (Some(0), Some(1), Some(2), Some(3), None)
        };
        // A code's entry is handed over once the next row shows it has no continuation left.
        let mut pending: Option<ProcedureEntry> = None;
        let mut next = if has_header { records.next_record()? } else { Some(first) };
        while let Some(rec) = next {
            self.line = rec.line;
            next = records.next_record()?;
            if matches!(rec.get(recid_i), "7" | "8") {
                continue; // modifier records of the HCPCS file
            }
            let code = self.code(rec.get(code_i))?;
            if !hcpcs && !code.is_cpt_shaped() {
                return self.err(format!("{code} is not a CPT code (four digits then a digit or letter)"));
            }
            match rec.get(recid_i) {
                "" | "3" => {}
                // Continuation of the long description of the code above.
                "4" => {
                    if !continue_descriptor(pending.as_mut(), code, rec.get(desc_i)) {
                        return self.err(format!("continuation row for {code} follows no {code} row"));
                    }
                    continue;
                }
                other => return self.err(format!("record id {other:?} is not 3, 4, 7 or 8")),
            }
            if hcpcs && !code.is_hcpcs_shaped() {
                return self.err(format!("{code} is not a HCPCS Level II code (a letter then four digits)"));
            }
            let (valid_from, valid_to) =
                self.period(self.date("start date", rec.get(from_i))?, self.date("end date", rec.get(to_i))?)?;
            let descriptor = Some(rec.get(desc_i).to_string()).filter(|d| !d.is_empty());
            if !self.hold(&mut pending, ProcedureEntry { code, descriptor, valid_from, valid_to }) {
                return Ok(());
            }
        }
        if let Some(done) = pending {
            self.emit(ImportedRow::Procedure(done));
        }
        Ok(())
    }

    /// HCPCS: CMS's fixed-width record layout (told by the record, not by what it contains: a
    /// description may well hold a comma), or CSV with the CMS column names. The fixed-width file
    /// is Windows-1252 text: each field is cut from the record's bytes, then decoded.
    fn hcpcs(&mut self, input: impl BufRead) -> Result<(), ImportError> {
        let (first, input) = peek_lines(input, 1, self.file)?;
        let fixed = first.iter().find(|l| !l.trim().is_empty()).is_some_and(|l| is_hcpcs_record(l));
        if !fixed {
            return self.procedures(BufReader::new(input), true);
        }
        let mut input = BufReader::new(input);
        let mut pending: Option<ProcedureEntry> = None;
        let mut raw = Vec::new();
        loop {
            raw.clear();
            let read = input
                .read_until(b'\n', &mut raw)
                .map_err(|source| ImportError::Io { file: self.file.to_path_buf(), source })?;
            if read == 0 {
                break;
            }
            self.line += 1;
            let mut record = raw.as_slice();
            while let [rest @ .., b'\n' | b'\r'] = record {
                record = rest;
            }
            if record.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            // 1-based, inclusive columns of the CMS record layout.
            let field = |from: usize, to: usize| -> String {
                let bytes = record.get(from - 1..to.min(record.len())).unwrap_or(&[]);
                windows_1252(bytes).trim().to_string()
            };
            if record.len() < 11 {
                return self.err("record shorter than 11 characters (code, sequence, record id)");
            }
            let recid = field(11, 11);
            if recid == "7" || recid == "8" {
                continue;
            }
            let code = self.code(&field(1, 5))?;
            let long = field(HCPCS_LONG.0, HCPCS_LONG.1);
            match recid.as_str() {
                "3" => {}
                "4" => {
                    if !continue_descriptor(pending.as_mut(), code, &long) {
                        return self.err(format!("continuation record for {code} follows no {code} record"));
                    }
                    continue;
                }
                other => return self.err(format!("record id {other:?} at column 11 is not 3, 4, 7 or 8")),
            }
            if !code.is_hcpcs_shaped() {
                return self.err(format!("{code} is not a HCPCS Level II code (a letter then four digits)"));
            }
            let short = field(HCPCS_SHORT.0, HCPCS_SHORT.1);
            let added = self.date("code added date (columns 269-276)", &field(HCPCS_ADDED.0, HCPCS_ADDED.1))?;
            let action =
                self.date("action effective date (columns 277-284)", &field(HCPCS_ACTION.0, HCPCS_ACTION.1))?;
            let terminated = self.date("termination date (columns 285-292)", &field(HCPCS_TERM.0, HCPCS_TERM.1))?;
            let (valid_from, valid_to) = self.period(added.or(action), terminated)?;
            let descriptor = Some(if long.is_empty() { short } else { long }).filter(|d| !d.is_empty());
            if !self.hold(&mut pending, ProcedureEntry { code, descriptor, valid_from, valid_to }) {
                return Ok(());
            }
        }
        if let Some(done) = pending {
            self.emit(ImportedRow::Procedure(done));
        }
        Ok(())
    }

    /// NCCI PTP: column 1, column 2, prior-1996 flag, effective, deletion, modifier indicator,
    /// rationale.
    fn ptp(&mut self, input: impl BufRead) -> Result<(), ImportError> {
        let mut records = delimited(input, self.file)?;
        let mut in_data = false;
        while let Some(rec) = records.next_record()? {
            self.line = rec.line;
            if !in_data && is_preamble(rec.get(Some(0))) {
                continue;
            }
            in_data = true;
            if rec.fields.len() < 6 {
                return self.err(format!(
                    "expected 7 tab-separated fields (column 1, column 2, prior-1996 flag, effective, deletion, \
                     modifier indicator, rationale), found {}",
                    rec.fields.len()
                ));
            }
            let column1 = self.code(rec.get(Some(0)))?;
            let column2 = self.code(rec.get(Some(1)))?;
            let prior_1996 = match rec.get(Some(2)) {
                "*" => true,
                "" => false,
                other => return self.err(format!("prior-1996 flag {other:?} is not '*' or empty")),
            };
            let Some(effective) = self.date("effective date", rec.get(Some(3)))? else {
                return self.err("effective date is missing");
            };
            let deletion = self.date("deletion date", rec.get(Some(4)))?;
            let modifier_indicator = match rec.get(Some(5)) {
                "0" => 0,
                "1" => 1,
                "9" => 9,
                other => return self.err(format!("modifier indicator {other:?} is not 0, 1 or 9")),
            };
            let row = PtpRow {
                edit: PtpEdit { column1, column2, modifier_indicator, effective, deletion, prior_1996 },
                rationale: rec.get(Some(6)).to_string(),
            };
            if !self.emit(ImportedRow::Ptp(row)) {
                break;
            }
        }
        Ok(())
    }

    /// MUE: code, MUE value, adjudication indicator ("1 Line Edit"), rationale.
    fn mue(&mut self, input: impl BufRead) -> Result<(), ImportError> {
        let mut records = delimited(input, self.file)?;
        let mut seen = std::collections::HashSet::new();
        let mut in_data = false;
        while let Some(rec) = records.next_record()? {
            self.line = rec.line;
            if !in_data && is_preamble(rec.get(Some(0))) {
                continue;
            }
            in_data = true;
            if rec.fields.len() < 3 {
                return self.err(format!(
                    "expected 4 fields (code, MUE value, adjudication indicator, rationale), found {}",
                    rec.fields.len()
                ));
            }
            let code = self.code(rec.get(Some(0)))?;
            let units: u32 = match rec.get(Some(1)).parse() {
                Ok(n) => n,
                Err(_) => return self.err(format!("MUE value {:?} is not a whole number", rec.get(Some(1)))),
            };
            let adjudication_indicator = match rec.get(Some(2)).chars().next() {
                Some(c @ '1'..='3') => c as u8 - b'0',
                _ => {
                    return self
                        .err(format!("adjudication indicator {:?} does not start with 1, 2 or 3", rec.get(Some(2))));
                }
            };
            if !seen.insert(code) {
                return self.err(format!("{code} appears twice"));
            }
            let row = MueLimit { code, units, adjudication_indicator, rationale: rec.get(Some(3)).to_string() };
            if !self.emit(ImportedRow::Mue(row)) {
                break;
            }
        }
        Ok(())
    }

    /// Fee schedule CSV with a header naming its columns.
    fn fees(&mut self, input: impl BufRead) -> Result<(), ImportError> {
        let mut records = delimited(input, self.file)?;
        let Some(header) = records.next_record()? else { return Ok(()) };
        self.line = header.line;
        let h = &header.fields;
        let payer_i = column(h, &["payerid", "payer", "payercode"]);
        let code_i = column(h, CODE_NAMES);
        let allowed_i = column(h, &["allowed", "allowedamount", "amount", "rate", "fee"]);
        let (Some(_), Some(_), Some(_)) = (payer_i, code_i, allowed_i) else {
            return self
                .err("header must name payer_id, code and allowed columns (modifier, valid_from, valid_to optional)");
        };
        let modifier_i = column(h, &["modifier", "mod"]);
        let (from_i, to_i) = (column(h, FROM_NAMES), column(h, TO_NAMES));
        while let Some(rec) = records.next_record()? {
            self.line = rec.line;
            let payer_id = rec.get(payer_i);
            if payer_id.is_empty() {
                return self.err("payer_id is empty");
            }
            let code = self.code(rec.get(code_i))?;
            let modifier = match rec.get(modifier_i) {
                "" => None,
                m if m.len() == 2 && m.bytes().all(|b| b.is_ascii_alphanumeric()) => Some(m.to_ascii_uppercase()),
                m => return self.err(format!("modifier {m:?} is not two letters/digits")),
            };
            let text = rec.get(allowed_i).trim_start_matches('$').replace(',', "");
            let allowed = match text.parse::<Decimal>() {
                Ok(a) if a >= Decimal::ZERO => a,
                _ => return self.err(format!("allowed amount {:?} is not a non-negative amount", rec.get(allowed_i))),
            };
            let (valid_from, valid_to) =
                self.period(self.date("valid_from", rec.get(from_i))?, self.date("valid_to", rec.get(to_i))?)?;
            let row = FeeRow { payer_id: payer_id.to_string(), code, modifier, allowed, valid_from, valid_to };
            if !self.emit(ImportedRow::Fee(row)) {
                break;
            }
        }
        Ok(())
    }

    /// The official CARC or RARC list.
    fn official(&mut self, input: impl BufRead, kind: ImportKind) -> Result<(), ImportError> {
        let mut records = delimited(input, self.file)?;
        let Some(first) = records.next_record()? else { return Ok(()) };
        let has_header = !first.fields.first().is_some_and(|f| f.bytes().any(|b| b.is_ascii_digit()));
        let (code_i, desc_i, from_i, to_i) = if has_header {
            let h = &first.fields;
            (column(h, CODE_NAMES), column(h, DESCRIPTOR_NAMES), column(h, FROM_NAMES), column(h, TO_NAMES))
        } else {
            (Some(0), Some(1), Some(2), Some(3))
        };
        if code_i.is_none() || desc_i.is_none() {
            self.line = first.line;
            return self.err("header must name code and description columns");
        }
        let mut next = if has_header { records.next_record()? } else { Some(first) };
        while let Some(rec) = next {
            self.line = rec.line;
            next = records.next_record()?;
            let code = rec.get(code_i).to_ascii_uppercase();
            let shaped = match kind {
                // CARC: 1-3 characters, digits or a letter and digits (1, 45, A1, P12, 253).
                ImportKind::Carc => (1..=3).contains(&code.len()),
                // RARC: M, N or MA then digits (M1, N130, MA04).
                _ => {
                    let digits = code.trim_start_matches(|c: char| c.is_ascii_uppercase());
                    (2..=5).contains(&code.len()) && code.starts_with(['M', 'N']) && !digits.is_empty()
                }
            } && code.bytes().all(|b| b.is_ascii_alphanumeric())
                && code.bytes().any(|b| b.is_ascii_digit());
            if !shaped {
                return self.err(format!("{code:?} is not a {} code", kind.name().to_ascii_uppercase()));
            }
            let description = rec.get(desc_i).to_string();
            if description.is_empty() {
                return self.err(format!("{code} has no description"));
            }
            let (valid_from, valid_to) =
                self.period(self.date("start date", rec.get(from_i))?, self.date("stop date", rec.get(to_i))?)?;
            if !self.emit(ImportedRow::Official(OfficialCode { code, description, valid_from, valid_to })) {
                break;
            }
        }
        Ok(())
    }
}

/// Columns (1-based, inclusive) of CMS's HCPCS record layout: long and short description, code
/// added date, action effective date, termination date. A record is 320 characters: code 1-5,
/// sequence number 6-10, record id 11, ..., action code 293.
const HCPCS_LONG: (usize, usize) = (12, 91);
const HCPCS_SHORT: (usize, usize) = (92, 119);
const HCPCS_ADDED: (usize, usize) = (269, 276);
const HCPCS_ACTION: (usize, usize) = (277, 284);
const HCPCS_TERM: (usize, usize) = (285, 292);
/// The shortest record that reaches the action code (column 293).
const HCPCS_MIN_RECORD: usize = 293;

/// True for a line in CMS's HCPCS record layout: at least 293 characters, a five-character code,
/// a five-digit sequence number and a record id 3, 4, 7 or 8 in column 11.
fn is_hcpcs_record(line: &str) -> bool {
    let line = line.trim_end_matches(['\n', '\r']);
    let c: Vec<char> = line.chars().take(11).collect();
    line.chars().count() >= HCPCS_MIN_RECORD
        && c.len() == 11
        && c[..5].iter().all(char::is_ascii_alphanumeric)
        && c[5..10].iter().all(char::is_ascii_digit)
        && matches!(c[10], '3' | '4' | '7' | '8')
}

/// Decodes Windows-1252 text (CMS's files are not UTF-8): one character per byte.
pub fn windows_1252(bytes: &[u8]) -> String {
    // 0x80-0x9F; the five undefined bytes map to the C1 controls, as the WHATWG decoder does.
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{2C6}',
        '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}',
        '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}',
        '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

/// `YYYY-MM-DD`, `YYYYMMDD` or `MM/DD/YYYY`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%m/%d/%Y"))
        .ok()
        .or_else(|| (t.len() == 8).then(|| NaiveDate::parse_from_str(t, "%Y%m%d").ok()).flatten())
}

/// A HCPCS record id 4 continues the long description of the code just read (`previous`):
/// appends `more` to it. False when the previous entry is not that code.
fn continue_descriptor(previous: Option<&mut ProcedureEntry>, code: ProcedureCode, more: &str) -> bool {
    match previous {
        Some(prev) if prev.code == code => {
            let d = prev.descriptor.get_or_insert_with(String::new);
            if !more.is_empty() {
                if !d.is_empty() {
                    d.push(' ');
                }
                d.push_str(more);
            }
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: ImportKind, text: &str) -> Result<ImportedRows, ImportError> {
        parse(kind, Path::new("t.txt"), text.as_bytes())
    }

    #[test]
    fn dates_in_three_spellings() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 5);
        assert_eq!(parse_date("2026-01-05"), d);
        assert_eq!(parse_date("20260105"), d);
        assert_eq!(parse_date("01/05/2026"), d);
        assert_eq!(parse_date("2026-13-05"), None);
    }

    #[test]
    fn cpt_with_or_without_header() {
        let rows = run(ImportKind::Cpt, "99213\n99214,Office visit (synthetic),2026-01-01\n").unwrap();
        assert_eq!(rows.len(), 2);
        let rows = run(ImportKind::Cpt, "code\tdescriptor\n99213\tvisit\n").unwrap();
        assert_eq!(rows.len(), 1);
        let err = run(ImportKind::Cpt, "99213\n9921\n").unwrap_err().to_string();
        assert!(err.starts_with("t.txt:2: "), "{err}");
    }

    #[test]
    fn ptp_skips_cms_header_lines_then_demands_valid_rows() {
        let text = "CPT codes only copyright 2026 American Medical Association.\n\
                    Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date\tModifier\tPTP Edit Rationale\n\
                    20610\t99213\t\t20210101\t*\t1\tStandard of care\n";
        let ImportedRows::Ptp(rows) = run(ImportKind::NcciPtp, text).unwrap() else { panic!() };
        assert_eq!(rows[0].edit.modifier_indicator, 1);
        assert_eq!(rows[0].edit.deletion, None);
        let bad = format!("{text}20610\t99214\t\t20210101\t*\t2\tx\n");
        let err = run(ImportKind::NcciPtp, &bad).unwrap_err().to_string();
        assert!(err.starts_with("t.txt:4: modifier indicator \"2\""), "{err}");
    }

    #[test]
    fn mue_reads_the_indicator_digit() {
        let text = "\"HCPCS/CPT Code\",\"Practitioner Services MUE Values\",\"MUE Adjudication Indicator\",\"MUE Rationale\"\n\
                    36415,2,\"3 Date of Service Edit: Clinical\",\"Clinical: Data\"\n";
        let ImportedRows::Mue(rows) = run(ImportKind::Mue, text).unwrap() else { panic!() };
        assert_eq!((rows[0].units, rows[0].adjudication_indicator), (2, 3));
    }

    #[test]
    fn fees_need_a_header_and_amounts() {
        let ok = "payer_id,code,modifier,allowed,valid_from,valid_to\nMCRB1,99213,,92.03,2026-01-01,\n";
        assert_eq!(run(ImportKind::FeeSchedule, ok).unwrap().len(), 1);
        let err = run(ImportKind::FeeSchedule, &format!("{ok}MCRB1,99214,,abc,,\n")).unwrap_err().to_string();
        assert!(err.starts_with("t.txt:3: allowed amount"), "{err}");
    }

    #[test]
    fn hcpcs_anweb_joins_continuations_and_skips_modifier_records() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/codesets/hcpcs-anweb.txt");
        let ImportedRows::Procedures(rows) = parse_file(ImportKind::Hcpcs, &path).unwrap() else { panic!() };
        assert_eq!(rows.len(), 5);
        let awv = rows.iter().find(|r| r.code.as_str() == "G0439").unwrap();
        assert!(awv.descriptor.as_deref().unwrap().ends_with("(synthetic wording, continued)"));
        assert_eq!(awv.valid_from, NaiveDate::from_ymd_opt(2011, 1, 1));
        let ended = rows.iter().find(|r| r.code.as_str() == "G0001").unwrap();
        assert_eq!(ended.valid_to, NaiveDate::from_ymd_opt(2012, 12, 31));
        let b12 = rows.iter().find(|r| r.code.as_str() == "J3420").unwrap();
        assert!(b12.descriptor.as_deref().unwrap().contains('\u{2013}'), "Windows-1252 0x96 is an en dash");
        let csv = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/codesets/hcpcs.csv");
        let ImportedRows::Procedures(from_csv) = parse_file(ImportKind::Hcpcs, &csv).unwrap() else { panic!() };
        assert_eq!(from_csv.len(), 5);
    }

    /// A record of CMS's HCPCS layout, 320 bytes: `fields` are (first column, bytes).
    fn hcpcs_record(fields: &[(usize, &[u8])]) -> Vec<u8> {
        let mut r = vec![b' '; 320];
        for (col, bytes) in fields {
            r[col - 1..col - 1 + bytes.len()].copy_from_slice(bytes);
        }
        r
    }

    #[test]
    fn hcpcs_fixed_width_reads_the_cms_columns_whatever_the_description_holds() {
        // A comma in the first description, a Windows-1252 en dash (0x96) and e-acute (0xE9) in
        // the second: the layout is told by the record, and every field after them stays put.
        let first = hcpcs_record(&[
            (1, b"J1100"),
            (6, b"00100"),
            (11, b"3"),
            (12, b"Injection, dexamethasone, 1 mg (synthetic)"),
            (92, b"Dexameth inj (synth)"),
            (269, b"20000101"),
            (277, b"20050701"),
            (293, b"N"),
        ]);
        let second = hcpcs_record(&[
            (1, b"J3420"),
            (6, b"00200"),
            (11, b"3"),
            (12, b"Vitamin B-12 \x96 caf\xe9 synthetic"),
            (92, b"B12 inj"),
            (269, b"19990101"),
            (277, b"20240101"),
            (285, b"20251231"),
            (293, b"D"),
        ]);
        let mut text = first.clone();
        text.extend_from_slice(b"\r\n");
        text.extend_from_slice(&second);
        text.extend_from_slice(b"\r\n");
        let ImportedRows::Procedures(rows) = parse(ImportKind::Hcpcs, Path::new("h.txt"), &text[..]).unwrap() else {
            panic!()
        };
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].descriptor.as_deref(), Some("Injection, dexamethasone, 1 mg (synthetic)"));
        // Code added date (269-276) is the start; the action effective date is not.
        assert_eq!((rows[0].valid_from, rows[0].valid_to), (d(2000, 1, 1), None));
        assert_eq!(rows[1].descriptor.as_deref(), Some("Vitamin B-12 \u{2013} caf\u{e9} synthetic"));
        assert_eq!((rows[1].valid_from, rows[1].valid_to), (d(1999, 1, 1), d(2025, 12, 31)));
        // The same records one column to the right are not the layout (and not CSV either).
        let mut shifted = b" ".to_vec();
        shifted.extend_from_slice(&first);
        assert!(parse(ImportKind::Hcpcs, Path::new("h.txt"), &shifted[..]).is_err());
    }

    #[test]
    fn windows_1252_maps_the_high_bytes_to_their_characters() {
        assert_eq!(windows_1252(b"a\x80\x93\x94\xe9"), "a\u{20ac}\u{201c}\u{201d}\u{e9}");
    }

    #[test]
    fn rows_are_handed_over_as_they_are_read_and_the_caller_may_stop() {
        let text = "Column 1\tColumn 2\t*\tEffective\tDeletion\tModifier\tRationale\n\
                    20610\t99213\t\t20210101\t*\t1\ta\n\
                    20610\t99214\t\t20210101\t*\t0\tb\n\
                    20610\t99215\t\t20210101\t*\t9\tc\n\
                    20610\t99216\t\t20210101\t*\t7\td\n";
        let mut seen = Vec::new();
        let err = parse_each(ImportKind::NcciPtp, Path::new("t.txt"), text.as_bytes(), &mut |row| {
            let ImportedRow::Ptp(r) = row else { panic!() };
            seen.push(r.rationale);
            ControlFlow::Continue(())
        })
        .unwrap_err()
        .to_string();
        // The three good rows went over before the bad one stopped the parse.
        assert_eq!(seen, ["a", "b", "c"]);
        assert!(err.starts_with("t.txt:5: modifier indicator \"7\""), "{err}");
        let mut taken = 0;
        let handed = parse_each(ImportKind::NcciPtp, Path::new("t.txt"), text.as_bytes(), &mut |_| {
            taken += 1;
            if taken == 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        })
        .unwrap();
        assert_eq!((taken, handed), (2, 2));
    }

    #[test]
    fn a_byte_order_mark_and_notice_lines_before_the_data_are_passed_over() {
        let carc = "\u{feff}code,description\n45,Charge exceeds fee schedule (synthetic)\n";
        let ImportedRows::Official(rows) = run(ImportKind::Carc, carc).unwrap() else { panic!() };
        assert_eq!(rows[0].code, "45");
        // Tabs are looked for in the first ten lines that are not blank: a tab first on the
        // eleventh is not seen, and the line, read as CSV, is one long field (a notice line).
        let late_tab = format!("{}20610\t99213\t\t20210101\t*\t1\tx\n", "notice line\n\n".repeat(10));
        let err = run(ImportKind::NcciPtp, &late_tab).unwrap_err().to_string();
        assert!(err.contains("no ncci-ptp rows found"), "{err}");
        let early_tab = format!("{}20610\t99213\t\t20210101\t*\t1\tx\n", "notice line\n\n".repeat(9));
        assert_eq!(run(ImportKind::NcciPtp, &early_tab).unwrap().len(), 1);
    }

    #[test]
    fn a_hcpcs_continuation_extends_the_entry_before_it_is_handed_over() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/codesets/hcpcs-anweb.txt");
        let mut handed = Vec::new();
        parse_each(ImportKind::Hcpcs, &path, open(&path).unwrap(), &mut |row| {
            let ImportedRow::Procedure(p) = row else { panic!() };
            handed.push(p);
            ControlFlow::Continue(())
        })
        .unwrap();
        let awv = handed.iter().find(|r| r.code.as_str() == "G0439").unwrap();
        assert!(awv.descriptor.as_deref().unwrap().ends_with("(synthetic wording, continued)"));
    }

    #[test]
    fn an_empty_file_is_an_error() {
        assert!(matches!(run(ImportKind::Carc, ""), Err(ImportError::File { .. })));
    }
}
