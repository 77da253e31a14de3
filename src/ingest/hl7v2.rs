//! HL7 v2 DFT^P03 (detail financial transaction), versions 2.3 to 2.5.1.
//!
//! One message is one encounter: PID the patient, PV1 the visit (PV1-19 visit number = the
//! encounter ID), DG1 the diagnoses in order, IN1/IN2 the insurances (IN1-1 = 1 primary, 2
//! secondary), and one FT1 per service line (FT1-4 date, FT1-10 quantity, FT1-11/12 amounts,
//! FT1-19 diagnoses, FT1-20/21 performed/ordered by, FT1-25 procedure, FT1-26 modifiers). A
//! file holds many messages, separated by `\r`, `\n` or MLLP framing, and is read one message at a
//! time. A message is split into segments, fields, repetitions and components with the separators
//! its MSH declares ([`Message`]: slices of the text, nothing copied), and a value's escape
//! sequences (`\F\ \S\ \T\ \R\ \E\`) are decoded when it is read.
//!
//! ```text
//! MSH|^~\&|EMR|MAPLE|CLAIMKIT|MAPLE|20261102120000||DFT^P03|MSG0001|P|2.5.1
//! PID|1||P1001^^^MAPLE^MR||Rivera^Ana^M||19580412|F|||12 Oak St^^Springfield^IL^62704
//! PV1|1|O|11||||1987654328^Okafor^Adaeze||||||||||||E1001
//! FT1|1|||20261102||CG|99214|||1|160.00||||||||E11.9~I10|1987654328||||||99214|25
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;

use super::{
    EncounterSink, IngestError, RecordError, parse_compact_or_iso_date, parse_decimal, parse_relationship, parse_sex,
};
use crate::encounter::{
    Address, ClaimFrequency, Coverage, Diagnosis, DrugIdentification, Encounter, Insured, NamedProvider, Patient,
    PersonName, Procedure, ServiceLine, SourceRef, Subscriber,
};

const VERSIONS: &[&str] = &["2.3", "2.3.1", "2.4", "2.5", "2.5.1"];

/// Reads an HL7 v2 file of DFT^P03 messages into `sink`.
pub fn read_hl7_file(path: &Path, sink: &mut dyn EncounterSink) -> Result<(), IngestError> {
    let file = crate::files::open_input(path).map_err(|e| IngestError::io(path, e))?;
    read_hl7_from(std::io::BufReader::with_capacity(1 << 16, file), &path.display().to_string(), sink).map_err(|e| {
        match e {
            IngestError::Io { source, .. } => IngestError::io(path, source),
            other => other,
        }
    })
}

/// Reads HL7 v2 text; `file` names it in errors and sources.
pub fn read_hl7(text: &str, file: &str, sink: &mut dyn EncounterSink) -> Result<(), IngestError> {
    read_hl7_from(text.as_bytes(), file, sink)
}

/// Reads HL7 v2 messages from a stream, one message at a time (memory does not grow with the file).
/// Segments end with `\r`, `\n` or both; MLLP start (0x0B) and end (0x1C) bytes are dropped.
pub fn read_hl7_from(
    mut reader: impl std::io::BufRead,
    file: &str,
    sink: &mut dyn EncounterSink,
) -> Result<(), IngestError> {
    let mut splitter = MessageSplitter { file, messages: 0, current: None, stray_line: None };
    let mut segment: Vec<u8> = Vec::new();
    let (mut line, mut segment_line) = (1usize, 1usize);
    loop {
        let buf = reader.fill_buf().map_err(|source| IngestError::Io { file: file.into(), source })?;
        if buf.is_empty() {
            break;
        }
        match memchr::memchr3(b'\r', b'\n', 0x1C, buf) {
            Some(i) => {
                segment.extend_from_slice(&buf[..i]);
                let newline = buf[i] == b'\n';
                reader.consume(i + 1);
                splitter.segment(&segment, segment_line, sink)?;
                segment.clear();
                if newline {
                    line += 1;
                }
                segment_line = line;
            }
            None => {
                let len = buf.len();
                segment.extend_from_slice(buf);
                reader.consume(len);
            }
        }
    }
    splitter.segment(&segment, segment_line, sink)?;
    splitter.flush(sink)?;
    if splitter.messages == 0 {
        return Err(IngestError::Unreadable {
            file: file.into(),
            position: "line 1".into(),
            reason: "no MSH segment: not an HL7 v2 file".into(),
        });
    }
    Ok(())
}

/// The separators a message declares in MSH-1 and MSH-2 (`|^~\\&` by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Separators {
    field: char,
    component: char,
    repetition: char,
    escape: char,
    subcomponent: char,
}

impl Default for Separators {
    fn default() -> Self {
        Separators { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' }
    }
}

/// One segment: its name and its fields as slices of the message (`fields[0]` is field 1; for MSH,
/// field 1 is the field separator and field 2 the encoding characters, as HL7 numbers them).
struct Segment<'m> {
    name: &'m str,
    fields: Vec<&'m str>,
}

impl<'m> Segment<'m> {
    /// Field `f`, repetition `r`, component `c` (all 1-based), undecoded; `None` when absent.
    fn component(&self, seps: &Separators, f: usize, r: usize, c: usize) -> Option<&'m str> {
        let field = *self.fields.get(f.checked_sub(1)?)?;
        field.split(seps.repetition).nth(r.checked_sub(1)?)?.split(seps.component).nth(c.checked_sub(1)?)
    }

    /// How many repetitions field `f` has (0 when the segment does not reach it).
    fn repetitions(&self, seps: &Separators, f: usize) -> usize {
        f.checked_sub(1).and_then(|i| self.fields.get(i)).map_or(0, |field| field.split(seps.repetition).count())
    }
}

/// One message split into segments (`\r`-separated) with its separators. Splitting is all it
/// does: values are cut out of the text only when a reader asks for them.
struct Message<'m> {
    separators: Separators,
    segments: Vec<Segment<'m>>,
}

/// Why a message's text cannot be split into segments (positions only, never the text).
#[derive(Debug, PartialEq, Eq)]
enum MessageError {
    /// MSH is not followed by the five separator characters (ASCII).
    Separators,
    /// Segment `n` (1-based) does not start with a 3-character name and the field separator.
    Segment(usize),
}

impl<'m> Message<'m> {
    fn parse(text: &'m str) -> Result<Message<'m>, MessageError> {
        let mut lines = text.split('\r');
        let msh = lines.next().unwrap_or("");
        let declared = msh.strip_prefix("MSH").ok_or(MessageError::Separators)?;
        let mut chars = declared.chars();
        let mut next = || chars.next().filter(char::is_ascii).ok_or(MessageError::Separators);
        let separators = Separators {
            field: next()?,
            component: next()?,
            repetition: next()?,
            escape: next()?,
            subcomponent: next()?,
        };
        // The five separators are ASCII: MSH-1 is byte 3, MSH-2 bytes 4..8.
        let rest = &msh[8..];
        let mut fields = vec![&msh[3..4], &msh[4..8]];
        fields.extend(rest.strip_prefix(separators.field).unwrap_or(rest).split(separators.field));
        let mut segments = vec![Segment { name: "MSH", fields }];
        for (i, line) in lines.enumerate() {
            let name = line.get(..3).filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric()));
            let after = name.map(|n| &line[n.len()..]);
            let (Some(name), Some(after)) = (name, after) else { return Err(MessageError::Segment(i + 2)) };
            let fields = match after.strip_prefix(separators.field) {
                Some(fields) => fields.split(separators.field).collect(),
                None if after.is_empty() => Vec::new(),
                None => return Err(MessageError::Segment(i + 2)),
            };
            segments.push(Segment { name, fields });
        }
        Ok(Message { separators, segments })
    }

    /// The first segment named `name`.
    fn segment(&self, name: &str) -> Option<&Segment<'m>> {
        self.segments.iter().find(|s| s.name == name)
    }

    fn segments(&self) -> impl Iterator<Item = &Segment<'m>> {
        self.segments.iter()
    }
}

/// Collects segments into messages and hands each complete message to [`DftReader`].
struct MessageSplitter<'f> {
    file: &'f str,
    messages: usize,
    /// (line of its MSH, segments joined by `\r`)
    current: Option<(usize, String)>,
    stray_line: Option<usize>,
}

impl MessageSplitter<'_> {
    fn segment(&mut self, bytes: &[u8], line: usize, sink: &mut dyn EncounterSink) -> Result<(), IngestError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let start = bytes.iter().position(|b| *b != 0x0B).unwrap_or(bytes.len());
        let bytes = &bytes[start..];
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        // HL7 v2 files are often Latin-1: fall back to one char per byte rather than refusing them.
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(_) => std::borrow::Cow::Owned(bytes.iter().map(|b| char::from(*b)).collect::<String>()),
        };
        if text.starts_with("MSH") {
            self.flush(sink)?;
            self.current = Some((line, text.into_owned()));
        } else if let Some((_, message)) = &mut self.current {
            message.push('\r');
            message.push_str(&text);
        } else if self.stray_line.is_none() {
            self.stray_line = Some(line);
            sink.reject(vec![RecordError::new(
                self.file,
                format!("line {line}"),
                "MSH",
                "segments before the first MSH are ignored",
            )]);
        }
        Ok(())
    }

    fn flush(&mut self, sink: &mut dyn EncounterSink) -> Result<(), IngestError> {
        let Some((line, text)) = self.current.take() else { return Ok(()) };
        self.messages += 1;
        let file = self.file;
        let locator = format!("message {} (line {line})", self.messages);
        let message = match Message::parse(&text) {
            Ok(m) => m,
            Err(MessageError::Separators) => {
                let reason =
                    "MSH-1 and MSH-2 are not the five separator characters (ASCII): not a parseable HL7 v2 message";
                sink.reject(vec![RecordError::new(file, locator, "MSH", reason)]);
                return Ok(());
            }
            Err(MessageError::Segment(n)) => {
                let reason = "not an HL7 segment (a name of 3 letters or digits, then the field separator)";
                sink.reject(vec![RecordError::new(file, locator, format!("segment {n}"), reason)]);
                return Ok(());
            }
        };
        let mut errors = Vec::new();
        let encounter =
            DftReader { file, locator: &locator, seps: &message.separators, errors: &mut errors }.read(&message);
        match encounter {
            Some(e) if errors.is_empty() => sink.encounter(e),
            _ => {
                sink.reject(errors);
                Ok(())
            }
        }
    }
}

/// Decodes HL7 escape sequences (`\F\ \S\ \T\ \R\ \E\ \X0A\ \X0D\ \.br\`; any other keeps its
/// content). Cut at byte offsets of the escape character, so any text decodes (the HL7 parser
/// crate claimkit used before cut at character counts and panicked on `\£\`, found by fuzzing).
fn decode_escapes(value: &str, seps: &Separators) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find(seps.escape) {
        out.push_str(&rest[..start]);
        let after = &rest[start + seps.escape.len_utf8()..];
        let Some(end) = after.find(seps.escape) else {
            // An escape that is never closed is text.
            out.push_str(&rest[start..]);
            return out;
        };
        match &after[..end] {
            "F" => out.push(seps.field),
            "R" => out.push(seps.repetition),
            "S" => out.push(seps.component),
            "T" => out.push(seps.subcomponent),
            "E" => out.push(seps.escape),
            "X0A" => out.push('\n'),
            "X0D" | ".br" => out.push('\r'),
            other => out.push_str(other),
        }
        rest = &after[end + seps.escape.len_utf8()..];
    }
    out.push_str(rest);
    out
}

struct DftReader<'a> {
    file: &'a str,
    locator: &'a str,
    seps: &'a Separators,
    errors: &'a mut Vec<RecordError>,
}

impl DftReader<'_> {
    fn fail(&mut self, field: &str, reason: impl Into<String>) {
        self.errors.push(RecordError::new(self.file, self.locator, field, reason));
    }

    /// A record error about `value` (kept, shown only with `--show-data`; a character that is not
    /// ASCII in it makes the record unreadable, exit 3).
    fn fail_with(&mut self, field: &str, reason: &str, value: &str) {
        self.errors.push(RecordError::new(self.file, self.locator, field, reason).with_value(value));
    }

    /// Field `f`, repetition `r`, component `c` (1-based), first subcomponent, decoded and trimmed.
    fn get(&self, seg: &Segment<'_>, f: usize, r: usize, c: usize) -> String {
        let raw = seg.component(self.seps, f, r, c).unwrap_or("");
        let first = raw.split(self.seps.subcomponent).next().unwrap_or("");
        decode_escapes(first, self.seps).trim().to_string()
    }

    fn repetitions(&self, seg: &Segment<'_>, f: usize) -> usize {
        seg.repetitions(self.seps, f)
    }

    fn date(&mut self, seg: &Segment<'_>, f: usize, c: usize, name: &str) -> Option<chrono::NaiveDate> {
        let v = self.get(seg, f, 1, c);
        if v.is_empty() {
            return None;
        }
        let d = parse_compact_or_iso_date(&v);
        if d.is_none() {
            self.errors.push(RecordError::new(self.file, self.locator, name, "not a date (YYYYMMDD)").with_value(&v));
        }
        d
    }

    fn name(&self, seg: &Segment<'_>, f: usize) -> PersonName {
        let middle = self.get(seg, f, 1, 3);
        PersonName {
            last: self.get(seg, f, 1, 1),
            first: self.get(seg, f, 1, 2),
            middle: (!middle.is_empty()).then_some(middle),
        }
    }

    fn address(&self, seg: &Segment<'_>, f: usize) -> Option<Address> {
        let parts: Vec<String> = (1..=5).map(|c| self.get(seg, f, 1, c)).collect();
        if parts.iter().all(String::is_empty) {
            return None;
        }
        Some(Address {
            line1: parts[0].clone(),
            line2: (!parts[1].is_empty()).then(|| parts[1].clone()),
            city: parts[2].clone(),
            state: parts[3].to_ascii_uppercase(),
            zip: parts[4].replace('-', ""),
        })
    }

    fn sex(&mut self, seg: &Segment<'_>, f: usize, name: &str) -> crate::encounter::Sex {
        let code = self.get(seg, f, 1, 1);
        parse_sex(&code).unwrap_or_else(|| {
            self.fail_with(name, "must be M, F, U, O, A or N", &code);
            Default::default()
        })
    }

    fn read(mut self, message: &Message<'_>) -> Option<Encounter> {
        let msh = message.segment("MSH")?;
        let (kind, event) = (self.get(msh, 9, 1, 1), self.get(msh, 9, 1, 2));
        if kind != "DFT" || event != "P03" {
            let shown = format!("{kind}^{event}");
            self.errors.push(
                RecordError::new(self.file, self.locator, "MSH-9", "message type is not DFT^P03").with_value(&shown),
            );
            return None;
        }
        let version = self.get(msh, 12, 1, 1);
        if !VERSIONS.contains(&version.as_str()) {
            self.errors.push(
                RecordError::new(self.file, self.locator, "MSH-12", "version is not 2.3 to 2.5.1").with_value(&version),
            );
        }
        let Some(pid) = message.segment("PID") else {
            self.fail("PID", "missing: a DFT^P03 needs the patient (PID segment)");
            return None;
        };
        let patient = Patient {
            id: self.get(pid, 3, 1, 1),
            name: self.name(pid, 5),
            dob: self.date(pid, 7, 1, "PID-7"),
            sex: self.sex(pid, 8, "PID-8"),
            address: self.address(pid, 11),
        };
        if patient.id.is_empty() {
            self.fail("PID-3", "no patient identifier");
        }
        let Some(pv1) = message.segment("PV1") else {
            self.fail("PV1", "missing: the visit number (PV1-19) is the encounter ID");
            return None;
        };
        let id = self.get(pv1, 19, 1, 1);
        if id.is_empty() {
            self.fail("PV1-19", "no visit number (the encounter ID)");
        }
        let place_of_service = self.get(pv1, 3, 1, 1);
        let rendering_npi = Some(self.get(pv1, 7, 1, 1)).filter(|n| !n.is_empty());
        let provider = |me: &Self, seg: &Segment<'_>, f: usize| {
            let npi = me.get(seg, f, 1, 1);
            let first = me.get(seg, f, 1, 3);
            (!npi.is_empty()).then(|| NamedProvider {
                npi,
                last: me.get(seg, f, 1, 2),
                first: (!first.is_empty()).then_some(first),
            })
        };
        let mut referring = provider(&self, pv1, 8);
        let mut diagnoses: Vec<Diagnosis> = Vec::new();
        for dg1 in message.segments().filter(|s| s.name == "DG1") {
            let code = self.get(dg1, 3, 1, 1);
            if code.is_empty() {
                self.fail("DG1-3", "no diagnosis code");
            } else {
                diagnoses.push(Diagnosis::new(&code));
            }
        }
        // Insurances in IN1-1 order, with the IN2 that follows each.
        let mut insurances: Vec<(&Segment<'_>, Option<&Segment<'_>>)> = Vec::new();
        let segs: Vec<&Segment<'_>> = message.segments().collect();
        for (i, s) in segs.iter().enumerate() {
            if s.name == "IN1" {
                let in2 = segs.get(i + 1).filter(|n| n.name == "IN2").copied();
                insurances.push((s, in2));
            }
        }
        insurances.sort_by_key(|(in1, _)| self.get(in1, 1, 1, 1).parse::<u32>().unwrap_or(99));
        let Some((in1, in2)) = insurances.first().copied() else {
            self.fail("IN1", "missing: the payer and member ID come from IN1");
            return None;
        };
        let member_id = |me: &Self, in1: &Segment<'_>, in2: Option<&Segment<'_>>| {
            let policy = me.get(in1, 36, 1, 1);
            if !policy.is_empty() {
                return policy;
            }
            in2.map(|s| {
                let medicare = me.get(s, 6, 1, 1);
                if medicare.is_empty() { me.get(s, 8, 1, 1) } else { medicare }
            })
            .unwrap_or_default()
        };
        let relationship_code = self.get(in1, 17, 1, 1);
        let relationship = parse_relationship(&relationship_code).unwrap_or_else(|| {
            self.fail_with(
                "IN1-17",
                "relationship must be SEL, SPO, CHD or OTH (or 18, 01, 19, G8)",
                &relationship_code,
            );
            Default::default()
        });
        let group = self.get(in1, 8, 1, 1);
        let subscriber = Subscriber {
            member_id: member_id(&self, in1, in2),
            name: self.name(in1, 16),
            dob: self.date(in1, 18, 1, "IN1-18"),
            sex: self.sex(in1, 43, "IN1-43"),
            address: self.address(in1, 19),
            group_number: (!group.is_empty()).then_some(group),
        };
        let payer_id = self.get(in1, 3, 1, 1);
        if payer_id.is_empty() {
            self.fail("IN1-3", "no insurance company (payer) ID");
        }
        let prior_auth = self.get(in1, 14, 1, 1);
        let coverage = |me: &mut Self, n: usize| {
            let (in1, in2) = insurances.get(n).copied()?;
            let at = |f: usize| format!("IN1[{}]-{f}", n + 1);
            let code = me.get(in1, 17, 1, 1);
            let relationship = (!code.is_empty()).then(|| {
                parse_relationship(&code).unwrap_or_else(|| {
                    me.fail_with(&at(17), "relationship must be SEL, SPO, CHD or OTH (or 18, 01, 19, G8)", &code);
                    Default::default()
                })
            });
            let name = me.name(in1, 16);
            let subscriber = (!name.last.is_empty()).then(|| Insured {
                name,
                dob: me.date(in1, 18, 1, &at(18)),
                sex: me.sex(in1, 43, &at(43)),
                address: me.address(in1, 19),
            });
            let group = me.get(in1, 8, 1, 1);
            let kind = me.get(in1, 15, 1, 1);
            Some(Coverage {
                payer_id: me.get(in1, 3, 1, 1),
                member_id: member_id(me, in1, in2),
                relationship,
                subscriber,
                group_number: (!group.is_empty()).then_some(group),
                insurance_type: (!kind.is_empty()).then_some(kind),
                effective_from: me.date(in1, 12, 1, &at(12)),
                effective_to: me.date(in1, 13, 1, &at(13)),
            })
        };
        let secondary = coverage(&mut self, 1);
        let tertiary = coverage(&mut self, 2);
        let primary_type = self.get(in1, 15, 1, 1);
        let insurance_type = (!primary_type.is_empty()).then_some(primary_type);
        let coverage_from = self.date(in1, 12, 1, "IN1-12");
        let coverage_to = self.date(in1, 13, 1, "IN1-13");
        let mut lines = Vec::new();
        let ft1s: Vec<&Segment<'_>> = message.segments().filter(|s| s.name == "FT1").collect();
        if ft1s.is_empty() {
            self.fail("FT1", "missing: the message has no service lines");
        }
        for (n, ft1) in ft1s.iter().enumerate() {
            let at = |f: usize| format!("FT1[{}]-{f}", n + 1);
            let Some(date_of_service) = self.date(ft1, 4, 1, &at(4)) else {
                if self.get(ft1, 4, 1, 1).is_empty() {
                    self.fail(&at(4), "no transaction (service) date");
                }
                continue;
            };
            let date_of_service_to = self.date(ft1, 4, 2, &at(4));
            let mut code = self.get(ft1, 25, 1, 1);
            if code.is_empty() {
                code = self.get(ft1, 7, 1, 1);
            }
            if code.is_empty() {
                self.fail(&at(25), "no procedure code (FT1-25 or FT1-7)");
                continue;
            }
            let modifiers =
                (1..=self.repetitions(ft1, 26)).map(|r| self.get(ft1, 26, r, 1)).filter(|m| !m.is_empty()).collect();
            let quantity_text = self.get(ft1, 10, 1, 1);
            let units = if quantity_text.is_empty() {
                Decimal::ONE
            } else {
                parse_decimal(&quantity_text).unwrap_or_else(|| {
                    self.fail_with(&at(10), "quantity is not a number", &quantity_text);
                    Decimal::ONE
                })
            };
            let extended = self.get(ft1, 11, 1, 1);
            let unit_amount = self.get(ft1, 12, 1, 1);
            let charge = match (parse_decimal(&extended), parse_decimal(&unit_amount)) {
                (Some(c), _) => c,
                (None, Some(u)) if extended.is_empty() => u * units,
                _ => {
                    self.fail(&at(11), "no charge: FT1-11 (extended amount) or FT1-12 (unit amount) must be a number");
                    continue;
                }
            };
            let mut diagnosis_pointers = Vec::new();
            for r in 1..=self.repetitions(ft1, 19) {
                let code = self.get(ft1, 19, r, 1);
                if code.is_empty() {
                    continue;
                }
                let dx = Diagnosis::new(&code);
                let position = match diagnoses.iter().position(|d| *d == dx) {
                    Some(p) => p + 1,
                    None => {
                        diagnoses.push(dx);
                        diagnoses.len()
                    }
                };
                diagnosis_pointers.push(u8::try_from(position).unwrap_or(u8::MAX));
            }
            if diagnosis_pointers.is_empty() {
                diagnosis_pointers.push(1);
            }
            let performer = self.get(ft1, 20, 1, 1);
            // FT1-21 "ordered by": the line's ordering provider (2420E), and the claim's
            // referring provider when PV1-8 names none.
            let ordering = provider(&self, ft1, 21);
            if referring.is_none() {
                referring = ordering.clone();
            }
            let line_pos = self.get(ft1, 16, 1, 1);
            let ndc = self.get(ft1, 29, 1, 1);
            let drug = (!ndc.is_empty()).then(|| DrugIdentification {
                ndc: ndc.clone(),
                quantity: parse_decimal(&self.get(ft1, 29, 1, 4)).unwrap_or_default(),
                unit: self.get(ft1, 29, 1, 5),
            });
            lines.push(ServiceLine {
                number: n as u32 + 1,
                source: SourceRef { file: self.file.to_string(), locator: format!("{} FT1 {}", self.locator, n + 1) },
                date_of_service,
                date_of_service_to,
                procedure: Procedure { code, modifiers },
                units,
                charge,
                diagnosis_pointers,
                place_of_service: (!line_pos.is_empty()).then_some(line_pos),
                rendering_npi: (!performer.is_empty()).then_some(performer),
                drug,
                unit_type: Default::default(),
                description: None,
                ordering,
                supervising: None,
            });
        }
        let mut encounter = Encounter {
            id,
            source: SourceRef { file: self.file.to_string(), locator: self.locator.to_string() },
            patient,
            relationship,
            subscriber,
            payer_id,
            secondary,
            tertiary,
            insurance_type,
            coverage_from,
            coverage_to,
            rendering_npi,
            referring,
            supervising: None,
            facility: None,
            place_of_service,
            diagnoses,
            lines,
            prior_authorization: (!prior_auth.is_empty()).then_some(prior_auth),
            onset_date: None,
            frequency: ClaimFrequency::Original,
            original_claim_number: None,
            notes: BTreeMap::new(),
        };
        encounter.normalize_coverages();
        Some(encounter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::Collect;

    const DFT: &str = "MSH|^~\\&|EMR|MAPLE|CK|MAPLE|20261102||DFT^P03|1|P|2.4\r\
        PID|1||P1^^^M^MR||O'Neil^Ann||19600203|F|||1 Mill \\T\\ Main^^Springfield^IL^62704\r\
        PV1|1|O|11||||1987654328^Okafor^Adaeze||||||||||||E1\r\
        FT1|1|||20261102||CG|99214|||1|160.00&USD||||||||I10~E11.9||||||99214|25~59\r\
        DG1|1||E11.9^^I10\r\
        IN1|1|ACME1|ACME1|||||G1||||||PA1||O'Neil^Ann|SEL|19600203||||||||||||||||||M123|||||||F\r";

    #[test]
    fn a_dft_maps_to_an_encounter_with_decoded_escapes_and_pointers_into_dg1() {
        let mut sink = Collect::default();
        read_hl7(DFT, "t.hl7", &mut sink).unwrap();
        assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
        let e = &sink.encounters[0];
        assert_eq!(e.id, "E1");
        assert_eq!(e.patient.address.as_ref().unwrap().line1, "1 Mill & Main");
        // FT1-19 lists I10 first: it is added after DG1's E11.9 and pointed at as 2.
        assert_eq!(e.diagnoses, vec![Diagnosis::new("E119"), Diagnosis::new("I10")]);
        assert_eq!(e.lines[0].diagnosis_pointers, vec![2, 1]);
        assert_eq!(e.lines[0].procedure.modifiers, vec!["25", "59"]);
        assert_eq!(e.lines[0].charge.to_string(), "160.00");
        assert_eq!(e.subscriber.member_id, "M123");
        assert_eq!(e.prior_authorization.as_deref(), Some("PA1"));
    }

    #[test]
    fn a_code_with_a_character_that_is_not_ascii_makes_the_message_unreadable_without_echoing_it() {
        for (from, to, field) in [
            ("19600203|F|", "19600203|É|", "PID-8"),
            ("|SEL|", "|SÉL|", "IN1-17"),
            ("|CG|99214|||1|", "|CG|99214|||1é|", "FT1[1]-10"),
        ] {
            let text = DFT.replace(from, to);
            assert_ne!(text, DFT, "{field}");
            let mut sink = Collect::default();
            read_hl7(&text, "t.hl7", &mut sink).unwrap();
            assert!(sink.encounters.is_empty(), "{field}");
            let errors = &sink.rejected[0];
            assert_eq!(errors.len(), 1, "{field}: {errors:?}");
            assert!(errors[0].field.starts_with(field), "{field}: {errors:?}");
            assert!(errors[0].unreadable, "{field}");
            assert!(!errors[0].to_string().contains('É') && !errors[0].to_string().contains('é'), "{}", errors[0]);
        }
    }

    #[test]
    fn ft1_21_names_the_lines_ordering_provider() {
        let mut sink = Collect::default();
        let ordered = DFT.replace("I10~E11.9||||||99214", "I10~E11.9||1102030404^Chen^Wei||||99214");
        read_hl7(&ordered, "t.hl7", &mut sink).unwrap();
        let ordering = sink.encounters[0].lines[0].ordering.as_ref().unwrap();
        assert_eq!((ordering.npi.as_str(), ordering.last.as_str()), ("1102030404", "Chen"));
        let mut sink = Collect::default();
        read_hl7(DFT, "t.hl7", &mut sink).unwrap();
        assert_eq!(sink.encounters[0].lines[0].ordering, None);
    }

    #[test]
    fn a_message_that_is_not_a_dft_p03_is_rejected_with_msh_9() {
        let mut sink = Collect::default();
        read_hl7(&DFT.replace("DFT^P03", "ADT^A01"), "t.hl7", &mut sink).unwrap();
        assert!(sink.encounters.is_empty());
        assert_eq!(sink.rejected[0][0].field, "MSH-9");
    }

    #[test]
    fn escapes_after_characters_that_are_not_ascii_decode_without_a_panic() {
        let seps = Separators::default();
        assert_eq!(decode_escapes("5 Mill \\£\\ Main St", &seps), "5 Mill £ Main St");
        assert_eq!(decode_escapes("Müller \\T\\ Söhne \\S\\", &seps), "Müller & Söhne ^");
        assert_eq!(decode_escapes("open \\T", &seps), "open \\T");
        let mut sink = Collect::default();
        read_hl7(&DFT.replace("1 Mill \\T\\ Main", "5 Mill \\£\\ Main"), "t.hl7", &mut sink).unwrap();
        assert_eq!(sink.encounters[0].patient.address.as_ref().unwrap().line1, "5 Mill £ Main");
    }

    #[test]
    fn a_message_is_split_with_the_separators_its_msh_declares() {
        let text =
            "MSH#@*!$#EMR#MAPLE#CK#MAPLE#20261102##DFT@P03#1#P#2.4\rPID#1##P1@@@M@MR##Lee@Ann$x##19600203*19610304";
        let m = Message::parse(text).unwrap();
        let seps = m.separators;
        assert_eq!(
            (seps.field, seps.component, seps.repetition, seps.escape, seps.subcomponent),
            ('#', '@', '*', '!', '$')
        );
        let msh = m.segment("MSH").unwrap();
        assert_eq!(msh.fields[..2], ["#", "@*!$"]);
        assert_eq!(msh.component(&seps, 9, 1, 2), Some("P03"));
        assert_eq!(msh.component(&seps, 12, 1, 1), Some("2.4"));
        let pid = m.segment("PID").unwrap();
        assert_eq!(pid.component(&seps, 3, 1, 5), Some("MR"));
        assert_eq!(pid.component(&seps, 5, 1, 2), Some("Ann$x"));
        assert_eq!(pid.component(&seps, 7, 2, 1), Some("19610304"));
        assert_eq!(pid.repetitions(&seps, 7), 2);
        assert_eq!((pid.component(&seps, 8, 1, 1), pid.component(&seps, 0, 1, 1)), (None, None));
        assert_eq!(pid.repetitions(&seps, 40), 0);
    }

    #[test]
    fn a_line_that_is_not_a_segment_rejects_its_message_instead_of_cutting_it_short() {
        // A note wrapped onto its own line: the FT1 after it must not be dropped without a word.
        let wrapped = DFT.replace("DG1|1||E11.9^^I10\r", "DG1|1||E11.9^^I10\rcontinued note\r");
        let mut sink = Collect::default();
        read_hl7(&wrapped, "t.hl7", &mut sink).unwrap();
        assert!(sink.encounters.is_empty());
        assert_eq!(sink.rejected[0][0].field, "segment 6");
        assert!(!sink.rejected[0][0].to_string().contains("continued"), "{}", sink.rejected[0][0]);
        assert_eq!(Message::parse("MSH|^~").err(), Some(MessageError::Separators));
        assert_eq!(Message::parse("MSH|^~\\é|x").err(), Some(MessageError::Separators));
        assert_eq!(Message::parse("MSH|^~\\&|x\rPID").unwrap().segments[1].fields.len(), 0);
    }

    #[test]
    fn text_without_msh_is_not_hl7() {
        let mut sink = Collect::default();
        assert!(matches!(read_hl7("PID|1\r", "t.hl7", &mut sink), Err(IngestError::Unreadable { .. })));
    }
}
