//! Envelope checks: every trailer must count what its envelope holds and echo its control number.
//!
//! | trailer | count | echo |
//! |---|---|---|
//! | `SE01`/`SE02` | segments from ST to SE inclusive | ST02 |
//! | `GE01`/`GE02` | transaction sets in the group | GS06 |
//! | `IEA01`/`IEA02` | functional groups in the interchange | ISA13 |
//!
//! [`EnvelopeChecker`] is fed segments in order (it keeps no segment data) and returns the
//! envelopes it saw with any [`EnvelopeFinding`]s. [`check_envelopes`] runs it over a whole file:
//! a posting calls it first and refuses a file whose envelopes are wrong, missing or cut off, so
//! nothing of such a file is posted.
//!
//! Findings say which trailer element is wrong and what the envelope holds (a count claimkit
//! made), never the value that was sent: a shifted element can put a name or a date of birth where
//! a control number belongs.

use std::io::Read;

use serde::Serialize;

use super::{Position, Segment, SegmentReader, X12Error};

/// An `ISA`/`IEA` interchange.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Interchange {
    pub position: Position,
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    pub date: String,
    pub time: String,
    pub version: String,
    pub control_number: String,
    pub usage: String,
    pub ta1_count: u32,
    pub groups: Vec<FunctionalGroup>,
}

/// A `GS`/`GE` functional group.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FunctionalGroup {
    pub position: Position,
    pub functional_id: String,
    pub sender: String,
    pub receiver: String,
    pub date: String,
    pub control_number: String,
    pub version: String,
    pub transactions: Vec<TransactionSet>,
}

/// An `ST`/`SE` transaction set.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TransactionSet {
    pub position: Position,
    /// ST01: 837, 835, 999, 277, ...
    pub id: String,
    /// What the set is, from ST01 and the guide in GS08/ST03: `837P`, `277CA`, ...
    pub kind: String,
    pub control_number: String,
    pub implementation: String,
    pub segment_count: u64,
}

/// What is wrong with an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EnvelopeProblem {
    #[error("SE01 segment count is wrong: the transaction set has {counted} segments")]
    SegmentCount { counted: u64 },
    #[error("SE02 does not match ST02")]
    TransactionControlNumber,
    #[error("GE01 transaction set count is wrong: the group has {counted}")]
    TransactionSetCount { counted: usize },
    #[error("GE02 does not match GS06")]
    GroupControlNumber,
    #[error("IEA01 functional group count is wrong: the interchange has {counted}")]
    GroupCount { counted: usize },
    #[error("IEA02 does not match ISA13")]
    InterchangeControlNumber,
    #[error("ST02 control number repeats an earlier transaction set in this group")]
    RepeatedTransactionControlNumber,
    #[error("ISA starts a new interchange before the previous one ended with IEA")]
    IsaInsideInterchange,
    #[error("GS starts a new group before the previous one ended with GE")]
    GsInsideGroup,
    #[error("ST starts a new transaction set before the previous one ended with SE")]
    StInsideTransaction,
    #[error("TA1 outside an interchange")]
    Ta1Outside,
    #[error("GS outside an interchange (no ISA before it)")]
    GsOutside,
    #[error("ST outside a functional group (no GS before it)")]
    StOutside,
    #[error("SE without a matching ST")]
    SeWithoutSt,
    #[error("GE without a matching GS")]
    GeWithoutGs,
    #[error("IEA without a matching ISA")]
    IeaWithoutIsa,
    #[error("GE ends the group while a transaction set is still open (missing SE)")]
    GeInsideTransaction,
    #[error("IEA ends the interchange while a group is still open (missing GE)")]
    IeaInsideGroup,
    #[error("segment outside a transaction set")]
    OutsideTransaction,
    #[error("file ends inside a transaction set (missing SE)")]
    MissingSe,
    #[error("file ends inside a functional group (missing GE)")]
    MissingGe,
    #[error("file ends inside an interchange (missing IEA)")]
    MissingIea,
    #[error("no interchange found")]
    NoInterchange,
}

/// One envelope problem and where it is.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EnvelopeFinding {
    pub position: Position,
    pub problem: EnvelopeProblem,
    /// The segment at fault (its ID, never its elements).
    pub segment: String,
    /// The problem in words: `SE01 segment count is wrong: ...` (with the segment ID when the
    /// problem is a stray segment).
    pub message: String,
}

impl std::fmt::Display for EnvelopeFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.position, self.message)
    }
}

/// Envelopes and findings of a whole file.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct EnvelopeSummary {
    pub interchanges: Vec<Interchange>,
    pub findings: Vec<EnvelopeFinding>,
    pub segments: u64,
}

impl EnvelopeSummary {
    pub fn is_sound(&self) -> bool {
        self.findings.is_empty()
    }

    pub fn transactions(&self) -> impl Iterator<Item = (&Interchange, &FunctionalGroup, &TransactionSet)> {
        self.interchanges
            .iter()
            .flat_map(|i| i.groups.iter().flat_map(move |g| g.transactions.iter().map(move |t| (i, g, t))))
    }
}

/// The kind of a transaction set, from ST01 and the implementation guide named in GS08 (or ST03).
pub fn transaction_kind(st01: &str, guide: &str) -> String {
    let kind = match st01 {
        "837" if guide.contains("X222") => "837P",
        "837" if guide.contains("X223") => "837I",
        "837" if guide.contains("X224") => "837D",
        "277" if guide.contains("X214") => "277CA",
        "277" if guide.contains("X364") => "277RFAI",
        other => other,
    };
    kind.to_string()
}

#[derive(Debug, Default)]
pub struct EnvelopeChecker {
    summary: EnvelopeSummary,
    in_interchange: bool,
    in_group: bool,
    in_transaction: bool,
    st_segments: u64,
}

impl EnvelopeChecker {
    pub fn new() -> Self {
        Self::default()
    }

    fn finding(&mut self, position: Position, problem: EnvelopeProblem) {
        self.finding_in(position, problem, "");
    }

    fn finding_in(&mut self, position: Position, problem: EnvelopeProblem, segment: &str) {
        let message = match problem {
            EnvelopeProblem::OutsideTransaction => format!("segment {segment} outside a transaction set"),
            p => p.to_string(),
        };
        self.summary.findings.push(EnvelopeFinding { position, problem, segment: segment.to_string(), message });
    }

    fn group(&mut self) -> Option<&mut FunctionalGroup> {
        self.summary.interchanges.last_mut().and_then(|i| i.groups.last_mut())
    }

    /// Feeds the next segment of the file.
    pub fn segment(&mut self, seg: &Segment<'_>) {
        let at = seg.position();
        self.summary.segments += 1;
        match seg.id() {
            "ISA" => {
                if self.in_interchange {
                    self.finding_in(at, EnvelopeProblem::IsaInsideInterchange, "ISA");
                }
                self.in_interchange = true;
                self.in_group = false;
                self.in_transaction = false;
                self.summary.interchanges.push(Interchange {
                    position: at,
                    sender_qualifier: seg.trimmed(5),
                    sender_id: seg.trimmed(6),
                    receiver_qualifier: seg.trimmed(7),
                    receiver_id: seg.trimmed(8),
                    date: seg.trimmed(9),
                    time: seg.trimmed(10),
                    version: seg.trimmed(12),
                    control_number: seg.trimmed(13),
                    usage: seg.trimmed(15),
                    ta1_count: 0,
                    groups: Vec::new(),
                });
            }
            "TA1" => match self.summary.interchanges.last_mut() {
                Some(i) if self.in_interchange => i.ta1_count += 1,
                _ => self.finding_in(at, EnvelopeProblem::Ta1Outside, "TA1"),
            },
            "GS" => {
                if !self.in_interchange {
                    self.finding_in(at, EnvelopeProblem::GsOutside, "GS");
                    return;
                }
                if self.in_group {
                    self.finding_in(at, EnvelopeProblem::GsInsideGroup, "GS");
                }
                self.in_group = true;
                self.in_transaction = false;
                let group = FunctionalGroup {
                    position: at,
                    functional_id: seg.trimmed(1),
                    sender: seg.trimmed(2),
                    receiver: seg.trimmed(3),
                    date: seg.trimmed(4),
                    control_number: seg.trimmed(6),
                    version: seg.trimmed(8),
                    transactions: Vec::new(),
                };
                if let Some(i) = self.summary.interchanges.last_mut() {
                    i.groups.push(group);
                }
            }
            "ST" => {
                if !self.in_group {
                    self.finding_in(at, EnvelopeProblem::StOutside, "ST");
                    return;
                }
                if self.in_transaction {
                    self.finding_in(at, EnvelopeProblem::StInsideTransaction, "ST");
                }
                self.in_transaction = true;
                self.st_segments = 1;
                let control_number = seg.trimmed(2);
                let implementation = seg.trimmed(3);
                let st01 = seg.trimmed(1);
                let group = self.group().expect("in_group implies a group");
                let guide = if implementation.is_empty() { group.version.clone() } else { implementation.clone() };
                let duplicate = group.transactions.iter().any(|t| t.control_number == control_number);
                group.transactions.push(TransactionSet {
                    position: at,
                    kind: transaction_kind(&st01, &guide),
                    id: st01,
                    control_number,
                    implementation,
                    segment_count: 0,
                });
                if duplicate {
                    self.finding_in(at, EnvelopeProblem::RepeatedTransactionControlNumber, "ST");
                }
            }
            "SE" => {
                if !self.in_transaction {
                    self.finding_in(at, EnvelopeProblem::SeWithoutSt, "SE");
                    return;
                }
                self.in_transaction = false;
                self.st_segments += 1;
                let counted = self.st_segments;
                let se01 = seg.trimmed(1);
                let se02 = seg.trimmed(2);
                let tx = self.group().and_then(|g| g.transactions.last_mut()).expect("open transaction");
                tx.segment_count = counted;
                let st02 = tx.control_number.clone();
                if se01.parse::<u64>().ok() != Some(counted) {
                    self.finding_in(at, EnvelopeProblem::SegmentCount { counted }, "SE");
                }
                if se02 != st02 {
                    self.finding_in(at, EnvelopeProblem::TransactionControlNumber, "SE");
                }
            }
            "GE" => {
                if !self.in_group {
                    self.finding_in(at, EnvelopeProblem::GeWithoutGs, "GE");
                    return;
                }
                if self.in_transaction {
                    self.finding_in(at, EnvelopeProblem::GeInsideTransaction, "GE");
                    self.in_transaction = false;
                }
                self.in_group = false;
                let ge01 = seg.trimmed(1);
                let ge02 = seg.trimmed(2);
                let group = self.group().expect("open group");
                let count = group.transactions.len();
                let gs06 = group.control_number.clone();
                if ge01.parse::<usize>().ok() != Some(count) {
                    self.finding_in(at, EnvelopeProblem::TransactionSetCount { counted: count }, "GE");
                }
                if ge02 != gs06 {
                    self.finding_in(at, EnvelopeProblem::GroupControlNumber, "GE");
                }
            }
            "IEA" => {
                if !self.in_interchange {
                    self.finding_in(at, EnvelopeProblem::IeaWithoutIsa, "IEA");
                    return;
                }
                if self.in_group {
                    self.finding_in(at, EnvelopeProblem::IeaInsideGroup, "IEA");
                }
                self.in_interchange = false;
                self.in_group = false;
                self.in_transaction = false;
                let iea01 = seg.trimmed(1);
                let iea02 = seg.trimmed(2);
                let interchange = self.summary.interchanges.last().expect("open interchange");
                let count = interchange.groups.len();
                let isa13 = interchange.control_number.clone();
                if iea01.parse::<usize>().ok() != Some(count) {
                    self.finding_in(at, EnvelopeProblem::GroupCount { counted: count }, "IEA");
                }
                if iea02 != isa13 {
                    self.finding_in(at, EnvelopeProblem::InterchangeControlNumber, "IEA");
                }
            }
            id => {
                if self.in_transaction {
                    self.st_segments += 1;
                } else {
                    self.finding_in(at, EnvelopeProblem::OutsideTransaction, id);
                }
            }
        }
    }

    /// Ends a file that could not be read to its end (a syntax error stopped the reader): what
    /// is still open is not reported missing, since its trailers may well follow the error.
    pub fn abandon(self) -> EnvelopeSummary {
        self.summary
    }

    /// Ends the file: anything still open is missing its trailer.
    pub fn finish(mut self, end: Position) -> EnvelopeSummary {
        if self.in_transaction {
            self.finding(end, EnvelopeProblem::MissingSe);
        }
        if self.in_group {
            self.finding(end, EnvelopeProblem::MissingGe);
        }
        if self.in_interchange {
            self.finding(end, EnvelopeProblem::MissingIea);
        }
        if self.summary.interchanges.is_empty() {
            self.finding(end, EnvelopeProblem::NoInterchange);
        }
        self.summary
    }
}

/// Reads a whole file and checks its envelopes: every `ST`/`SE`, `GS`/`GE` and `ISA`/`IEA` pair
/// present, closed and counted, control numbers echoed. A file cut off anywhere, even right after
/// a segment terminator, ends with a trailer missing. A syntax error is returned as such; the
/// summary's findings (empty when the file is sound) otherwise.
///
/// ```
/// use claimkit::x12::{EnvelopeProblem, check_envelopes};
/// let cut = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261125*0930*^*00501*000000001*0*T*:~\
///             GS*HN*S*R*20261125*0930*1*X*005010X214~ST*277*0001*005010X214~";
/// let summary = check_envelopes(&cut[..]).unwrap();
/// assert_eq!(summary.findings[0].problem, EnvelopeProblem::MissingSe);
/// ```
pub fn check_envelopes<R: Read>(input: R) -> Result<EnvelopeSummary, X12Error> {
    let mut reader = SegmentReader::new(input);
    let mut checker = EnvelopeChecker::new();
    while let Some(seg) = reader.next_segment()? {
        checker.segment(&seg);
    }
    let end = Position { segment: reader.segments_read() + 1, offset: reader.bytes_read() };
    Ok(checker.finish(end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x12::read_segments;

    const ISA: &str =
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261125*0930*^*00501*000000001*0*T*:~";

    fn check(body: &str) -> EnvelopeSummary {
        let input = format!("{ISA}{body}");
        let mut checker = EnvelopeChecker::new();
        let n = read_segments(input.as_bytes(), |s| checker.segment(s)).unwrap();
        checker.finish(Position { segment: n, offset: input.len() as u64 })
    }

    #[test]
    fn correct_trailers_give_no_findings() {
        let s = check(
            "GS*HC*S*R*20261125*0930*7*X*005010X222A1~ST*837*0001*005010X222A1~BHT*0019~SE*3*0001~GE*1*7~IEA*1*000000001~",
        );
        assert!(s.is_sound(), "{:?}", s.findings);
        let (_, g, t) = s.transactions().next().unwrap();
        assert_eq!(g.control_number, "7");
        assert_eq!(t.kind, "837P");
        assert_eq!(t.segment_count, 3);
    }

    #[test]
    fn every_wrong_count_and_echo_is_reported() {
        let s =
            check("GS*HC*S*R*20261125*0930*7*X*005010X222A1~ST*837*0001~BHT*0019~SE*9*0002~GE*2*8~IEA*3*000000002~");
        let all: Vec<_> = s.findings.iter().map(|f| f.problem).collect();
        assert_eq!(
            all,
            [
                EnvelopeProblem::SegmentCount { counted: 3 },
                EnvelopeProblem::TransactionControlNumber,
                EnvelopeProblem::TransactionSetCount { counted: 1 },
                EnvelopeProblem::GroupControlNumber,
                EnvelopeProblem::GroupCount { counted: 1 },
                EnvelopeProblem::InterchangeControlNumber,
            ]
        );
        let messages: Vec<_> = s.findings.iter().map(|f| f.message.as_str()).collect();
        for (m, prefix) in messages.iter().zip(["SE01", "SE02", "GE01", "GE02", "IEA01", "IEA02"]) {
            assert!(m.starts_with(prefix), "{m}");
        }
        // What was sent (SE01 9, SE02 0002, GE01 2, ...) is never echoed.
        for sent in ["9", "0002", "2", "8", "000000002"] {
            assert!(!messages.iter().any(|m| m.split_whitespace().any(|w| w == sent)), "{sent}: {messages:?}");
        }
    }

    #[test]
    fn missing_trailers_are_reported_at_end() {
        let s = check("GS*HC*S*R*20261125*0930*7*X*005010X221A1~ST*835*0001~BPR*I~");
        assert_eq!(s.findings.len(), 3);
        assert_eq!(s.transactions().next().unwrap().2.kind, "835");
    }

    #[test]
    fn a_file_cut_after_any_segment_is_missing_a_trailer() {
        let whole = format!(
            "{ISA}GS*HC*S*R*20261125*0930*7*X*005010X222A1~ST*837*0001*005010X222A1~BHT*0019~SE*3*0001~GE*1*7~IEA*1*000000001~"
        );
        assert!(check_envelopes(whole.as_bytes()).unwrap().is_sound());
        let ends: Vec<usize> = whole.match_indices('~').map(|(i, _)| i + 1).collect();
        for end in &ends[..ends.len() - 1] {
            let s = check_envelopes(&whole.as_bytes()[..*end]).unwrap();
            assert!(!s.is_sound(), "cut at {end}");
        }
    }

    #[test]
    fn a_stopped_read_reports_no_missing_trailers() {
        let mut checker = EnvelopeChecker::new();
        let input = format!("{ISA}GS*HC*S*R*20261125*0930*7*X*005010X222A1~ST*837*0001~");
        read_segments(input.as_bytes(), |s| checker.segment(s)).unwrap();
        assert!(checker.abandon().findings.is_empty());
    }

    #[test]
    fn kinds_come_from_st01_and_the_guide() {
        assert_eq!(transaction_kind("837", "005010X223A2"), "837I");
        assert_eq!(transaction_kind("277", "005010X214"), "277CA");
        assert_eq!(transaction_kind("277", "005010X212"), "277");
        assert_eq!(transaction_kind("999", "005010X231A1"), "999");
    }
}
