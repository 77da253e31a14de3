//! Streaming readers for TA1, 999 and 277CA over [`SegmentReader`]: one pass, any number of
//! interchanges, groups and sets per file; other transaction sets are skipped.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{
    AckCode, AckEnvelopeIds, AckFile, ClaimAckTransaction, ClaimStatus, ElementError, GroupAck, InterchangeAck,
    LineStatus, Party, ProviderStatus, SegmentError, SetAck, StatusCode, StatusInfo, codes,
};
use crate::x12::{EnvelopeChecker, EnvelopeFinding, Position, Segment, SegmentReader, X12Error};

/// Why an acknowledgment file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AckReadError {
    #[error("{file}: {source}")]
    Open { file: PathBuf, source: std::io::Error },
    #[error("{file}: {source}")]
    X12 { file: PathBuf, source: X12Error },
    #[error("{file}: no TA1, 999 or 277 acknowledgment in the file (transaction sets found: {found})")]
    NotAnAcknowledgment { file: PathBuf, found: String },
    /// The envelopes are wrong, missing or cut off: nothing of the file was posted.
    #[error("{file}: {}: {}{}; nothing of the file was posted", .first.position, .first.message, more_problems(*.more))]
    Envelope { file: PathBuf, first: EnvelopeFinding, more: usize },
}

fn more_problems(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " (and 1 more envelope problem)".to_string(),
        n => format!(" (and {n} more envelope problems)"),
    }
}

impl AckReadError {
    /// The offending segment's text (patient data: print only with --show-data).
    pub fn segment_text(&self) -> Option<&str> {
        match self {
            AckReadError::X12 { source, .. } => source.segment_text(),
            _ => None,
        }
    }
}

/// Checks the file at `path` before anything of it is posted: a regular file, X12 to its end,
/// every envelope closed, counted and echoed (the one envelope check of [`crate::x12`]). Returns a
/// digest of what the file acknowledges: every segment but the interchange and group envelopes
/// (`ISA`, `IEA`, `GS`, `GE`, whose dates and control numbers change when the same answer is sent
/// again), with the sender and receiver IDs. The same content under a new ISA13 has the same digest.
pub fn check_ack_file(path: &Path) -> Result<String, AckReadError> {
    use sha2::{Digest, Sha256};
    let file = crate::files::open_input(path).map_err(|source| AckReadError::Open { file: path.into(), source })?;
    let mut reader = SegmentReader::new(BufReader::with_capacity(1 << 16, file));
    let mut checker = EnvelopeChecker::new();
    let mut hasher = Sha256::new();
    loop {
        let seg = match reader.next_segment() {
            Ok(Some(seg)) => seg,
            Ok(None) => break,
            Err(source) => return Err(AckReadError::X12 { file: path.into(), source }),
        };
        checker.segment(&seg);
        let seps = seg.separators();
        match seg.id() {
            "ISA" => {
                for n in [5, 6, 7, 8] {
                    hasher.update(seg.trimmed(n).as_bytes());
                    hasher.update([0]);
                }
            }
            "GS" => {
                for n in [1, 2, 3, 8] {
                    hasher.update(seg.trimmed(n).as_bytes());
                    hasher.update([0]);
                }
            }
            "IEA" | "GE" => {}
            _ => {
                hasher.update([seps.element, seps.component, seps.repetition.unwrap_or(0)]);
                hasher.update(seg.raw());
                hasher.update([0]);
            }
        }
    }
    let end = Position { segment: reader.segments_read() + 1, offset: reader.bytes_read() };
    let mut findings = checker.finish(end).findings.into_iter();
    if let Some(first) = findings.next() {
        return Err(AckReadError::Envelope { file: path.into(), first, more: findings.len() });
    }
    Ok(crate::digest::hex(&hasher.finalize()))
}

/// Reads the acknowledgment file at `path`.
pub fn read_ack_file(path: &Path) -> Result<AckFile, AckReadError> {
    let file =
        crate::files::open_input(path).map_err(|source| AckReadError::Open { file: path.to_path_buf(), source })?;
    let ack = read_acknowledgments(BufReader::with_capacity(1 << 16, file))
        .map_err(|source| AckReadError::X12 { file: path.to_path_buf(), source })?;
    if ack.is_empty() {
        return Err(not_an_acknowledgment(path, &ack));
    }
    Ok(ack)
}

/// The error for a file that holds no acknowledgment, naming what it holds instead.
pub(crate) fn not_an_acknowledgment(path: &Path, ack: &AckFile) -> AckReadError {
    let found = if ack.skipped_sets.is_empty() { "none".to_string() } else { ack.skipped_sets.join(", ") };
    AckReadError::NotAnAcknowledgment { file: path.to_path_buf(), found }
}

/// Reads every TA1, 999 and 277 in `input`. Files holding none give an empty [`AckFile`].
pub fn read_acknowledgments<R: Read>(input: R) -> Result<AckFile, X12Error> {
    read(input, None)
}

/// Reads like [`read_acknowledgments`] but hands each 277 claim to `on_claim` as soon as it is
/// complete instead of keeping it, so a 277CA of any size is read with flat memory. The returned
/// [`AckFile`] has the 277 transactions' headers, levels and statuses, without their claims.
pub fn read_acknowledgments_streaming<R: Read>(
    input: R,
    on_claim: &mut dyn FnMut(&ClaimAckTransaction, &ClaimStatus),
) -> Result<AckFile, X12Error> {
    read(input, Some(on_claim))
}

/// Where streamed 277 claims go.
type ClaimSink<'a> = &'a mut dyn FnMut(&ClaimAckTransaction, &ClaimStatus);

fn read<R: Read>(input: R, on_claim: Option<ClaimSink<'_>>) -> Result<AckFile, X12Error> {
    let mut reader = SegmentReader::new(input);
    let mut state = State { on_claim, ..State::default() };
    let mut checker = EnvelopeChecker::new();
    let mut last = Position::default();
    while let Some(seg) = reader.next_segment()? {
        checker.segment(&seg);
        last = seg.position();
        state.segment(&seg);
    }
    state.finish_set();
    let mut file = state.file;
    file.envelope_findings = checker.finish(last).findings;
    Ok(file)
}

#[derive(Debug, Default, PartialEq)]
enum SetKind {
    #[default]
    None,
    Ack999,
    Claim277,
    Other,
}

/// The 277 hierarchical level we are in.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
enum Level {
    #[default]
    None,
    Payer,
    Receiver,
    Provider,
    /// Subscriber (22), dependent (23) or patient (PT): where claims live.
    Patient,
}

#[derive(Default)]
struct State<'a> {
    /// Set when streaming: claims go here instead of into the transaction.
    on_claim: Option<ClaimSink<'a>>,
    file: AckFile,
    envelope: AckEnvelopeIds,
    kind: SetKind,
    group: Option<GroupAck>,
    set: Option<SetAck>,
    claim_ack: Option<ClaimAckTransaction>,
    level: Level,
    patient: Party,
    claim: Option<ClaimStatus>,
    line: Option<LineStatus>,
}

fn opt(seg: &Segment<'_>, n: usize) -> Option<String> {
    seg.get(n).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn number(seg: &Segment<'_>, n: usize) -> Option<Decimal> {
    crate::x12::parse_decimal(&seg.text(n)).and_then(crate::encounter::bounded_amount)
}

fn date8(s: &str) -> Option<NaiveDate> {
    crate::dates::parse_ccyymmdd(s.trim())
}

/// DTP date or date range (`D8` / `RD8`).
fn dtp_range(seg: &Segment<'_>) -> Option<(NaiveDate, NaiveDate)> {
    let value = seg.text(3);
    match seg.text(2).as_ref() {
        "RD8" => {
            let (a, b) = value.split_once('-')?;
            Some((date8(a)?, date8(b)?))
        }
        _ => date8(&value).map(|d| (d, d)),
    }
}

fn party(seg: &Segment<'_>) -> Party {
    Party {
        entity: seg.trimmed(1),
        name: seg.trimmed(3),
        first_name: seg.trimmed(4),
        id_qualifier: seg.trimmed(8),
        id: seg.trimmed(9),
    }
}

fn status_code(seg: &Segment<'_>, n: usize) -> Option<StatusCode> {
    let category = codes::known_category(seg.component_text(n, 1).trim());
    if category.is_empty() {
        return None;
    }
    let entity = codes::known_entity(seg.component_text(n, 3).trim());
    Some(StatusCode {
        category,
        status: codes::known_status_code(seg.component_text(n, 2).trim()),
        entity: if entity.is_empty() { None } else { Some(entity) },
    })
}

fn status_info(seg: &Segment<'_>) -> StatusInfo {
    StatusInfo {
        codes: [1, 10, 11].iter().filter_map(|n| status_code(seg, *n)).collect(),
        date: seg.get(2).and_then(|d| date8(&d)),
        action: opt(seg, 3),
        amount: number(seg, 4),
        message: opt(seg, 12),
    }
}

/// TA102/TA103 as kept: digits only (a date and a time), anything else dropped.
fn digits_only(s: &str) -> String {
    if s.bytes().all(|b| b.is_ascii_digit()) { s.to_string() } else { String::new() }
}

fn small(seg: &Segment<'_>, n: usize) -> u32 {
    seg.trimmed(n).parse().unwrap_or(0)
}

impl State<'_> {
    fn note(&mut self, at: Position, what: &str) {
        self.file.notes.push(format!("{at}: {what}"));
    }

    fn segment(&mut self, seg: &Segment<'_>) {
        match seg.id() {
            "ISA" => {
                self.finish_set();
                self.envelope = AckEnvelopeIds {
                    sender_id: seg.trimmed(6),
                    receiver_id: seg.trimmed(8),
                    isa13: codes::known_interchange_number(&seg.trimmed(13)),
                    ..AckEnvelopeIds::default()
                };
            }
            "TA1" => self.file.interchange_acks.push(InterchangeAck {
                envelope: self.envelope.clone(),
                isa13: codes::known_interchange_number(&seg.trimmed(1)),
                date: digits_only(&seg.trimmed(2)),
                time: digits_only(&seg.trimmed(3)),
                code: AckCode::parse(&seg.trimmed(4)),
                note_code: codes::known_ta1_note(&seg.trimmed(5)),
                position: seg.position(),
            }),
            "GS" => {
                self.finish_set();
                self.envelope.gs06 = codes::known_group_number(&seg.trimmed(6));
            }
            "ST" => {
                self.finish_set();
                self.envelope.st02 = codes::known_control_number(&seg.trimmed(2));
                let st01 = seg.trimmed(1);
                self.kind = match st01.as_str() {
                    "999" => SetKind::Ack999,
                    "277" => {
                        self.claim_ack = Some(ClaimAckTransaction {
                            envelope: self.envelope.clone(),
                            implementation: codes::known_guide(&seg.trimmed(3)),
                            reference: String::new(),
                            date: None,
                            payer: Party::default(),
                            payer_trace: None,
                            received: None,
                            processed: None,
                            receiver: Party::default(),
                            receiver_trace: None,
                            receiver_statuses: Vec::new(),
                            accepted_quantity: None,
                            rejected_quantity: None,
                            accepted_amount: None,
                            rejected_amount: None,
                            providers: Vec::new(),
                            position: seg.position(),
                        });
                        self.level = Level::None;
                        SetKind::Claim277
                    }
                    _ => {
                        let st01 = codes::known_control_number(&st01);
                        self.file.skipped_sets.push(format!("{st01} {}", self.envelope.st02));
                        SetKind::Other
                    }
                };
            }
            "SE" => self.finish_set(),
            "GE" | "IEA" => self.finish_set(),
            _ => match self.kind {
                SetKind::Ack999 => self.segment_999(seg),
                SetKind::Claim277 => self.segment_277(seg),
                SetKind::None | SetKind::Other => {}
            },
        }
    }

    /// Closes whatever transaction set is open.
    fn finish_set(&mut self) {
        self.finish_999_group();
        self.finish_claim();
        if let Some(t) = self.claim_ack.take() {
            self.file.claim_acks.push(t);
        }
        self.kind = SetKind::None;
    }

    // ---- 999 ----

    fn segment_999(&mut self, seg: &Segment<'_>) {
        let at = seg.position();
        match seg.id() {
            "AK1" => {
                self.finish_999_group();
                self.group = Some(GroupAck {
                    envelope: self.envelope.clone(),
                    functional_id: codes::known_control_number(&seg.trimmed(1)),
                    group_control_number: codes::known_group_number(&seg.trimmed(2)),
                    version: opt(seg, 3).map(|v| codes::known_guide(&v)),
                    sets: Vec::new(),
                    code: AckCode::Other(String::new()),
                    sets_included: 0,
                    sets_received: 0,
                    sets_accepted: 0,
                    error_codes: Vec::new(),
                    position: at,
                });
            }
            "AK2" => {
                self.finish_999_set();
                if self.group.is_none() {
                    self.note(at, "AK2 before any AK1");
                }
                self.set = Some(SetAck {
                    transaction_id: codes::known_control_number(&seg.trimmed(1)),
                    control_number: codes::known_control_number(&seg.trimmed(2)),
                    implementation: opt(seg, 3).map(|v| codes::known_guide(&v)),
                    segment_errors: Vec::new(),
                    code: AckCode::Other(String::new()),
                    error_codes: Vec::new(),
                    position: at,
                });
            }
            "IK3" => match self.set.as_mut() {
                Some(set) => set.segment_errors.push(SegmentError {
                    segment_id: codes::known_segment_id(&seg.trimmed(1)),
                    segment_position: seg.trimmed(2).parse().unwrap_or(0),
                    loop_id: opt(seg, 3).map(|l| codes::known_loop_id(&l)),
                    code: codes::known_ik3(&seg.trimmed(4)),
                    context: Vec::new(),
                    elements: Vec::new(),
                }),
                None => self.note(at, "IK3 outside an AK2 transaction set response"),
            },
            "CTX" => {
                // Only the business unit naming a claim (`CTX*CLM01:CK1A2B3C4D5E6F`) is kept, and
                // only when it looks like a claim number.
                let clm01 = (seg.component_text(1, 1).trim() == "CLM01")
                    .then(|| codes::known_clm01(seg.component_text(1, 2).trim()))
                    .flatten();
                if let (Some(clm01), Some(e)) = (clm01, self.set.as_mut().and_then(|s| s.segment_errors.last_mut())) {
                    e.context.push(format!("CLM01:{clm01}"));
                }
            }
            "IK4" => {
                let component = seg.component_text(1, 2).trim().parse().ok();
                let element = ElementError {
                    position: seg.component_text(1, 1).trim().parse().unwrap_or(0),
                    component,
                    repetition: seg.component_text(1, 3).trim().parse().ok(),
                    data_element: opt(seg, 2).map(|d| codes::known_data_element(&d)),
                    code: codes::known_ik4(&seg.trimmed(3)),
                    bad_value: seg.get(4).map(|v| v.into_owned()),
                };
                match self.set.as_mut().and_then(|s| s.segment_errors.last_mut()) {
                    Some(e) => e.elements.push(element),
                    None => self.note(at, "IK4 without a preceding IK3"),
                }
            }
            "IK5" => match self.set.as_mut() {
                Some(set) => {
                    set.code = AckCode::parse(&seg.trimmed(1));
                    set.error_codes = (2..=6).filter_map(|n| opt(seg, n)).map(|c| codes::known_ik5(&c)).collect();
                    self.finish_999_set();
                }
                None => self.note(at, "IK5 outside an AK2 transaction set response"),
            },
            "AK9" => {
                self.finish_999_set();
                match self.group.as_mut() {
                    Some(g) => {
                        g.code = AckCode::parse(&seg.trimmed(1));
                        g.sets_included = small(seg, 2);
                        g.sets_received = small(seg, 3);
                        g.sets_accepted = small(seg, 4);
                        g.error_codes = (5..=9).filter_map(|n| opt(seg, n)).map(|c| codes::known_ak9(&c)).collect();
                    }
                    None => self.note(at, "AK9 without AK1"),
                }
                self.finish_999_group();
            }
            _ => {}
        }
    }

    fn finish_999_set(&mut self) {
        if let Some(set) = self.set.take() {
            if set.code == AckCode::Other(String::new()) {
                self.file.notes.push(format!("{}: AK2 set {} has no IK5", set.position, set.control_number));
            }
            match self.group.as_mut() {
                Some(g) => g.sets.push(set),
                None => self.file.notes.push(format!("{}: AK2 outside a group response", set.position)),
            }
        }
    }

    fn finish_999_group(&mut self) {
        self.finish_999_set();
        if let Some(g) = self.group.take() {
            if g.code == AckCode::Other(String::new()) {
                self.file.notes.push(format!("{}: AK1 group {} has no AK9", g.position, g.group_control_number));
            }
            self.file.group_acks.push(g);
        }
    }

    // ---- 277 ----

    fn finish_line(&mut self) {
        if let Some(line) = self.line.take() {
            match self.claim.as_mut() {
                Some(c) => c.lines.push(line),
                None => self.file.notes.push("SVC outside a claim".to_string()),
            }
        }
    }

    fn finish_claim(&mut self) {
        self.finish_line();
        if let Some(claim) = self.claim.take() {
            let Some(t) = self.claim_ack.as_mut() else { return };
            if let Some(on_claim) = self.on_claim.as_mut() {
                on_claim(t, &claim);
                return;
            }
            if t.providers.is_empty() {
                t.providers.push(ProviderStatus {
                    provider: Party::default(),
                    trace: None,
                    statuses: Vec::new(),
                    claims: Vec::new(),
                });
            }
            if let Some(p) = t.providers.last_mut() {
                p.claims.push(claim);
            }
        }
    }

    fn segment_277(&mut self, seg: &Segment<'_>) {
        let at = seg.position();
        let Some(t) = self.claim_ack.as_mut() else { return };
        match seg.id() {
            "BHT" => {
                t.reference = seg.trimmed(3);
                t.date = seg.get(4).and_then(|d| date8(&d));
            }
            "HL" => {
                self.finish_claim();
                let Some(t) = self.claim_ack.as_mut() else { return };
                self.level = match seg.trimmed(3).as_str() {
                    "20" => Level::Payer,
                    "21" => Level::Receiver,
                    "19" => {
                        t.providers.push(ProviderStatus {
                            provider: Party::default(),
                            trace: None,
                            statuses: Vec::new(),
                            claims: Vec::new(),
                        });
                        Level::Provider
                    }
                    "22" | "23" | "PT" => {
                        self.patient = Party::default();
                        Level::Patient
                    }
                    _ => {
                        self.file.notes.push(format!("{at}: HL level code not used in a 277"));
                        self.level
                    }
                };
            }
            "NM1" => {
                let p = party(seg);
                match self.level {
                    Level::Payer => t.payer = p,
                    Level::Receiver => t.receiver = p,
                    Level::Provider => {
                        if let Some(pr) = t.providers.last_mut() {
                            pr.provider = p;
                        }
                    }
                    Level::Patient => {
                        // The patient (QC) wins over the subscriber (IL) when both are named.
                        if self.patient.name.is_empty() || p.entity == "QC" {
                            self.patient = p;
                        }
                    }
                    Level::None => {}
                }
            }
            "TRN" => {
                let value = opt(seg, 2);
                match self.level {
                    Level::Payer => t.payer_trace = value,
                    Level::Receiver => t.receiver_trace = value,
                    Level::Provider => {
                        if let Some(pr) = t.providers.last_mut() {
                            pr.trace = value;
                        }
                    }
                    Level::Patient => {
                        self.finish_claim();
                        self.claim = Some(ClaimStatus {
                            pcn: value.unwrap_or_default(),
                            patient: self.patient.clone(),
                            statuses: Vec::new(),
                            payer_claim_number: None,
                            clearinghouse_trace: None,
                            bill_type: None,
                            service_dates: None,
                            lines: Vec::new(),
                            position: at,
                        });
                    }
                    Level::None => {}
                }
            }
            "STC" => {
                let info = status_info(seg);
                if let Some(line) = self.line.as_mut() {
                    line.statuses.push(info);
                } else if let Some(claim) = self.claim.as_mut() {
                    claim.statuses.push(info);
                } else {
                    match self.level {
                        Level::Receiver => t.receiver_statuses.push(info),
                        Level::Provider => {
                            if let Some(pr) = t.providers.last_mut() {
                                pr.statuses.push(info);
                            }
                        }
                        _ => self.file.notes.push(format!("{at}: STC outside a receiver, provider or claim level")),
                    }
                }
            }
            "QTY" if self.level == Level::Receiver => match seg.text(1).as_ref() {
                "90" => t.accepted_quantity = number(seg, 2),
                "AA" => t.rejected_quantity = number(seg, 2),
                _ => {}
            },
            "AMT" if self.level == Level::Receiver => match seg.text(1).as_ref() {
                "YU" => t.accepted_amount = number(seg, 2),
                "YY" => t.rejected_amount = number(seg, 2),
                _ => {}
            },
            "DTP" => {
                let range = dtp_range(seg);
                match seg.text(1).as_ref() {
                    "050" if self.level == Level::Payer => t.received = range.map(|r| r.0),
                    "009" if self.level == Level::Payer => t.processed = range.map(|r| r.0),
                    "472" => {
                        if let Some(line) = self.line.as_mut() {
                            line.service_dates = range;
                        } else if let Some(claim) = self.claim.as_mut() {
                            claim.service_dates = range;
                        }
                    }
                    _ => {}
                }
            }
            "REF" => {
                let value = opt(seg, 2);
                let qualifier = seg.trimmed(1);
                if let Some(line) = self.line.as_mut() {
                    if qualifier == "FJ" {
                        line.line_control_number = value;
                    }
                } else if let Some(claim) = self.claim.as_mut() {
                    match qualifier.as_str() {
                        "1K" => claim.payer_claim_number = value,
                        "D9" => claim.clearinghouse_trace = value,
                        "BLT" => claim.bill_type = value,
                        _ => {}
                    }
                }
            }
            "SVC" => {
                self.finish_line();
                if self.claim.is_none() {
                    self.note(at, "SVC outside a claim");
                    return;
                }
                let modifiers =
                    (3..=6).map(|k| seg.component_text(1, k).trim().to_string()).filter(|m| !m.is_empty()).collect();
                self.line = Some(LineStatus {
                    qualifier: seg.component_text(1, 1).trim().to_string(),
                    procedure_code: seg.component_text(1, 2).trim().to_string(),
                    modifiers,
                    charge: number(seg, 2),
                    units: number(seg, 7),
                    statuses: Vec::new(),
                    line_control_number: None,
                    service_dates: None,
                });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> AckFile {
        read_acknowledgments(text.as_bytes()).unwrap()
    }

    const ISA: &str =
        "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*MAPLEFM001     *261121*0800*^*00501*000000007*0*T*:~";

    #[test]
    fn a_ta1_names_the_interchange_and_explains_the_note() {
        let f = read(&format!("{ISA}TA1*000000101*261120*0915*R*025~IEA*0*000000007~"));
        assert_eq!(f.kinds(), vec![super::super::AckKind::Ta1]);
        let ta1 = &f.interchange_acks[0];
        assert_eq!(ta1.isa13, "000000101");
        assert!(ta1.code.is_rejected());
        assert_eq!(
            ta1.explain(),
            "TA1 rejected interchange 000000101: note 025 = interchange control number already received (duplicate)"
        );
        assert!(f.envelope_findings.is_empty(), "{:?}", f.envelope_findings);
    }

    #[test]
    fn a_999_keeps_segment_and_element_errors_per_set() {
        let f = read(&format!(
            "{ISA}GS*FA*CLEARHOUSE01*MAPLEFM001*20261121*0800*7*X*005010X231A1~ST*999*0001*005010X231A1~\
             AK1*HC*101*005010X222A1~AK2*837*0001*005010X222A1~IK3*NM1*17*2010BA*8~CTX*CLM01:CK1~\
             IK4*9:2*67*7*BADVALUE~IK5*R*5~AK2*837*0002*005010X222A1~IK5*A~AK9*P*2*2*1~SE*10*0001~GE*1*7~IEA*1*000000007~"
        ));
        let g = &f.group_acks[0];
        assert_eq!(g.group_control_number, "101");
        assert_eq!(g.code, AckCode::PartiallyAccepted);
        assert_eq!((g.sets_included, g.sets_received, g.sets_accepted), (2, 2, 1));
        assert_eq!(g.sets.len(), 2);
        let rejected = &g.sets[0];
        assert!(rejected.code.is_rejected());
        let e = &rejected.segment_errors[0];
        assert_eq!((e.segment_id.as_str(), e.segment_position, e.loop_id.as_deref()), ("NM1", 17, Some("2010BA")));
        assert_eq!(e.context, vec!["CLM01:CK1".to_string()]);
        assert_eq!(e.elements[0].position, 9);
        assert_eq!(e.elements[0].component, Some(2));
        assert_eq!(e.elements[0].bad_value.as_deref(), Some("BADVALUE"));
        let words = rejected.explain();
        assert!(words.contains("NM109-2 (data element 67): 7 = code value not valid"), "{words}");
        assert!(
            words.contains("loop 2010BA: 8 = segment has element errors (see the element errors) (claim CK1)"),
            "{words}"
        );
        assert!(!words.contains("BADVALUE"), "the bad value is patient data");
        assert_eq!(g.sets[1].code, AckCode::Accepted);
        assert!(f.notes.is_empty(), "{:?}", f.notes);
    }

    #[test]
    fn a_277ca_nests_claims_and_lines_under_their_provider() {
        let f = read(&format!(
            "{ISA}GS*HN*CLEARHOUSE01*MAPLEFM001*20261121*0800*8*X*005010X214~ST*277*0001*005010X214~\
             BHT*0085*08*B101*20261121*0800*TH~HL*1**20*1~NM1*PR*2*PAYER*****PI*MCRB1~TRN*1*T1~DTP*050*D8*20261120~\
             DTP*009*D8*20261121~HL*2*1*21*1~NM1*41*2*MAPLE*****46*MAPLEFM001~TRN*2*B101~STC*A1:19:PR*20261121*WQ*238~\
             QTY*90*1~QTY*AA*1~AMT*YU*143~AMT*YY*95~HL*3*2*19*1~NM1*85*2*MAPLE*****XX*1234567893~HL*4*3*PT~\
             NM1*QC*1*DOE*JANE****MI*X1~TRN*2*PCN1~STC*A2:20*20261121*WQ*143~REF*1K*PAY1~DTP*472*RD8*20261101-20261102~\
             HL*5*3*PT~NM1*QC*1*ROE*RAY~TRN*2*PCN2~STC*A7:562:85*20261121*U*95~SVC*HC:99213:25*95****1~\
             STC*A7:454*20261121*U*95~REF*FJ*PCN201~DTP*472*D8*20261105~SE*30*0001~GE*1*8~IEA*1*000000007~"
        ));
        let t = &f.claim_acks[0];
        assert_eq!(t.payer.id, "MCRB1");
        assert_eq!(t.receiver_trace.as_deref(), Some("B101"));
        assert_eq!(t.rejected_amount, Some(Decimal::from(95)));
        assert_eq!(t.providers.len(), 1);
        let claims: Vec<_> = t.claims().collect();
        assert_eq!(claims.len(), 2);
        assert!(claims[0].is_accepted());
        assert_eq!(claims[0].payer_claim_number.as_deref(), Some("PAY1"));
        assert_eq!(claims[0].service_dates.map(|d| d.1.to_string()), Some("2026-11-02".into()));
        assert!(claims[1].is_rejected());
        assert_eq!(claims[1].lines[0].line_control_number.as_deref(), Some("PCN201"));
        assert_eq!(claims[1].lines[0].modifiers, vec!["25".to_string()]);
        assert!(claims[1].explain().contains("A7:562:85 rejected: information not valid"));
        assert!(claims[1].explain().contains("line PCN201: A7:454"));
    }

    #[test]
    fn other_transaction_sets_are_skipped_and_named() {
        let f = read(&format!(
            "{ISA}GS*HC*A*B*20261121*0800*9*X*005010X222A1~ST*837*0001*005010X222A1~BHT*0019~SE*3*0001~GE*1*9~IEA*1*000000007~"
        ));
        assert!(f.is_empty());
        assert_eq!(f.skipped_sets, vec!["837 0001".to_string()]);
    }
}
