//! Envelope checks: every trailer must count what its envelope holds and echo its control number.
//!
//! | trailer | count | echo |
//! |---|---|---|
//! | `SE01`/`SE02` | segments from ST to SE inclusive | ST02 |
//! | `GE01`/`GE02` | transaction sets in the group | GS06 |
//! | `IEA01`/`IEA02` | functional groups in the interchange | ISA13 |
//!
//! [`EnvelopeChecker`] is fed segments in order (it keeps no segment data) and returns the
//! envelopes it saw with any [`EnvelopeFinding`]s.

use serde::Serialize;

use super::{Position, Segment};

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

/// One envelope problem.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EnvelopeFinding {
    pub position: Position,
    pub message: String,
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

    fn finding(&mut self, position: Position, message: impl Into<String>) {
        self.summary.findings.push(EnvelopeFinding { position, message: message.into() });
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
                    self.finding(at, "ISA starts a new interchange before the previous one ended with IEA");
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
                _ => self.finding(at, "TA1 outside an interchange"),
            },
            "GS" => {
                if !self.in_interchange {
                    self.finding(at, "GS outside an interchange (no ISA before it)");
                    return;
                }
                if self.in_group {
                    self.finding(at, "GS starts a new group before the previous one ended with GE");
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
                    self.finding(at, "ST outside a functional group (no GS before it)");
                    return;
                }
                if self.in_transaction {
                    self.finding(at, "ST starts a new transaction set before the previous one ended with SE");
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
                    self.finding(at, "ST02 control number repeats an earlier transaction set in this group");
                }
            }
            "SE" => {
                if !self.in_transaction {
                    self.finding(at, "SE without a matching ST");
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
                    self.finding(at, format!("SE01 says {se01:?} segments but the transaction set has {counted}"));
                }
                if se02 != st02 {
                    self.finding(at, format!("SE02 {se02:?} does not match ST02 {st02:?}"));
                }
            }
            "GE" => {
                if !self.in_group {
                    self.finding(at, "GE without a matching GS");
                    return;
                }
                if self.in_transaction {
                    self.finding(at, "GE ends the group while a transaction set is still open (missing SE)");
                    self.in_transaction = false;
                }
                self.in_group = false;
                let ge01 = seg.trimmed(1);
                let ge02 = seg.trimmed(2);
                let group = self.group().expect("open group");
                let count = group.transactions.len();
                let gs06 = group.control_number.clone();
                if ge01.parse::<usize>().ok() != Some(count) {
                    self.finding(at, format!("GE01 says {ge01:?} transaction sets but the group has {count}"));
                }
                if ge02 != gs06 {
                    self.finding(at, format!("GE02 {ge02:?} does not match GS06 {gs06:?}"));
                }
            }
            "IEA" => {
                if !self.in_interchange {
                    self.finding(at, "IEA without a matching ISA");
                    return;
                }
                if self.in_group {
                    self.finding(at, "IEA ends the interchange while a group is still open (missing GE)");
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
                    self.finding(at, format!("IEA01 says {iea01:?} functional groups but the interchange has {count}"));
                }
                if iea02 != isa13 {
                    self.finding(at, format!("IEA02 {iea02:?} does not match ISA13 {isa13:?}"));
                }
            }
            id => {
                if self.in_transaction {
                    self.st_segments += 1;
                } else {
                    self.finding(at, format!("segment {id} outside a transaction set"));
                }
            }
        }
    }

    /// Ends the file: anything still open is missing its trailer.
    pub fn finish(mut self, end: Position) -> EnvelopeSummary {
        if self.in_transaction {
            self.finding(end, "file ends inside a transaction set (missing SE)");
        }
        if self.in_group {
            self.finding(end, "file ends inside a functional group (missing GE)");
        }
        if self.in_interchange {
            self.finding(end, "file ends inside an interchange (missing IEA)");
        }
        if self.summary.interchanges.is_empty() {
            self.finding(end, "no interchange found");
        }
        self.summary
    }
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
        let all: Vec<_> = s.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(all.len(), 6, "{all:?}");
        assert!(all[0].starts_with("SE01"));
        assert!(all[1].starts_with("SE02"));
        assert!(all[2].starts_with("GE01"));
        assert!(all[3].starts_with("GE02"));
        assert!(all[4].starts_with("IEA01"));
        assert!(all[5].starts_with("IEA02"));
    }

    #[test]
    fn missing_trailers_are_reported_at_end() {
        let s = check("GS*HC*S*R*20261125*0930*7*X*005010X221A1~ST*835*0001~BPR*I~");
        assert_eq!(s.findings.len(), 3);
        assert_eq!(s.transactions().next().unwrap().2.kind, "835");
    }

    #[test]
    fn kinds_come_from_st01_and_the_guide() {
        assert_eq!(transaction_kind("837", "005010X223A2"), "837I");
        assert_eq!(transaction_kind("277", "005010X214"), "277CA");
        assert_eq!(transaction_kind("277", "005010X212"), "277");
        assert_eq!(transaction_kind("999", "005010X231A1"), "999");
    }
}
