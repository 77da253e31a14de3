//! A compact extraction of an 837P: just what a payer needs to answer it (envelope control
//! numbers, billing provider, payer, subscriber and patient, each claim with its lines).

use std::io::Read;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ack::Party;
use crate::x12::{Segment, SegmentReader, X12Error};

/// The billing provider of a group of claims (loop 2000A/2010AA).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BillingProvider {
    pub name: String,
    pub npi: String,
    pub tin: String,
    pub address: String,
    pub city: String,
    pub state: String,
    pub zip: String,
}

/// One service line (loop 2400).
#[derive(Debug, Clone, PartialEq)]
pub struct SubmittedLine {
    pub procedure_code: String,
    pub modifiers: Vec<String>,
    pub charge: Decimal,
    pub units: Decimal,
    pub date: Option<NaiveDate>,
    /// REF*6R.
    pub line_control_number: Option<String>,
}

/// One claim (loop 2300) with who it is for and who pays.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmittedClaim {
    pub pcn: String,
    pub charge: Decimal,
    pub place_of_service: String,
    pub frequency: String,
    /// SBR09.
    pub filing_indicator: String,
    pub payer_name: String,
    pub payer_id: String,
    pub subscriber: Party,
    /// Same as the subscriber when the patient is the subscriber.
    pub patient: Party,
    pub patient_is_subscriber: bool,
    /// Index into [`SubmittedBatch::providers`].
    pub provider: usize,
    pub lines: Vec<SubmittedLine>,
    /// ST02 of the set carrying the claim.
    pub st02: String,
}

impl SubmittedClaim {
    /// The first and last service dates of the lines.
    pub fn service_dates(&self) -> Option<(NaiveDate, NaiveDate)> {
        let dates: Vec<NaiveDate> = self.lines.iter().filter_map(|l| l.date).collect();
        Some((*dates.iter().min()?, *dates.iter().max()?))
    }
}

/// One transaction set of the 837, with the functional group that carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmittedSet {
    /// Which functional group of the file (0, 1, ...): GS06 values may repeat across interchanges.
    pub group: usize,
    pub gs06: String,
    /// GS08.
    pub version: String,
    pub st02: String,
    pub implementation: String,
}

/// What a payer needs from one 837P file. Envelope fields are those of the first interchange and
/// group; every transaction set of every group is in `sets`, every claim in `claims`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubmittedBatch {
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    pub isa13: u64,
    pub usage: char,
    pub gs06: String,
    pub version: String,
    pub date: Option<NaiveDate>,
    pub sets: Vec<SubmittedSet>,
    pub providers: Vec<BillingProvider>,
    pub claims: Vec<SubmittedClaim>,
}

#[derive(Clone, Copy, PartialEq)]
enum Level {
    None,
    Provider,
    Subscriber,
    Patient,
    Claim,
    Line,
}

fn decimal(seg: &Segment<'_>, n: usize) -> Decimal {
    Decimal::from_str(seg.text(n).trim()).unwrap_or_default()
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

/// Reads the 837P in `input`.
pub fn extract_837<R: Read>(input: R) -> Result<SubmittedBatch, X12Error> {
    let mut reader = SegmentReader::new(input);
    let mut b = SubmittedBatch { usage: 'T', ..Default::default() };
    let mut level = Level::None;
    let mut st02 = String::new();
    let (mut group, mut version, mut groups) = (String::new(), String::new(), 0usize);
    let (mut filing, mut payer_name, mut payer_id) = (String::new(), String::new(), String::new());
    let mut subscriber = Party::default();
    let mut patient: Option<Party> = None;
    let mut claim: Option<SubmittedClaim> = None;
    let mut claim_date: Option<NaiveDate> = None;
    let mut first_isa = true;
    let flush = |claim: &mut Option<SubmittedClaim>, b: &mut SubmittedBatch| {
        if let Some(c) = claim.take() {
            b.claims.push(c);
        }
    };
    while let Some(seg) = reader.next_segment()? {
        match seg.id() {
            "ISA" if first_isa => {
                first_isa = false;
                b.sender_qualifier = seg.trimmed(5);
                b.sender_id = seg.trimmed(6);
                b.receiver_qualifier = seg.trimmed(7);
                b.receiver_id = seg.trimmed(8);
                b.isa13 = seg.trimmed(13).parse().unwrap_or(0);
                b.usage = seg.trimmed(15).chars().next().unwrap_or('T');
            }
            "GS" => {
                groups += 1;
                group = seg.trimmed(6);
                version = seg.trimmed(8);
                if b.gs06.is_empty() {
                    b.gs06 = group.clone();
                    b.version = version.clone();
                    b.date = NaiveDate::parse_from_str(&seg.trimmed(4), "%Y%m%d").ok();
                }
            }
            "ST" => {
                st02 = seg.trimmed(2);
                b.sets.push(SubmittedSet {
                    group: groups.saturating_sub(1),
                    gs06: group.clone(),
                    version: version.clone(),
                    st02: st02.clone(),
                    implementation: seg.trimmed(3),
                });
            }
            "SE" => {
                flush(&mut claim, &mut b);
                level = Level::None;
            }
            "HL" => {
                flush(&mut claim, &mut b);
                level = match seg.trimmed(3).as_str() {
                    "20" => {
                        b.providers.push(BillingProvider::default());
                        Level::Provider
                    }
                    "22" => {
                        patient = None;
                        payer_name.clear();
                        payer_id.clear();
                        Level::Subscriber
                    }
                    "23" => Level::Patient,
                    _ => Level::None,
                };
            }
            "SBR" if level == Level::Subscriber => filing = seg.trimmed(9),
            "NM1" => match (level, seg.text(1).as_ref()) {
                (Level::Provider, "85") => {
                    if let Some(p) = b.providers.last_mut() {
                        p.name = seg.trimmed(3);
                        p.npi = seg.trimmed(9);
                    }
                }
                (Level::Subscriber, "IL") => subscriber = party(&seg),
                (Level::Subscriber, "PR") => {
                    payer_name = seg.trimmed(3);
                    payer_id = seg.trimmed(9);
                }
                (Level::Patient, "QC") => patient = Some(party(&seg)),
                _ => {}
            },
            "N3" if level == Level::Provider => {
                if let Some(p) = b.providers.last_mut().filter(|p| p.address.is_empty()) {
                    p.address = seg.trimmed(1);
                }
            }
            "N4" if level == Level::Provider => {
                if let Some(p) = b.providers.last_mut().filter(|p| p.city.is_empty()) {
                    p.city = seg.trimmed(1);
                    p.state = seg.trimmed(2);
                    p.zip = seg.trimmed(3);
                }
            }
            "REF" if level == Level::Provider && matches!(seg.text(1).as_ref(), "EI" | "SY") => {
                if let Some(p) = b.providers.last_mut() {
                    p.tin = seg.trimmed(2);
                }
            }
            "CLM" => {
                flush(&mut claim, &mut b);
                level = Level::Claim;
                claim_date = None;
                let patient_party = patient.clone().unwrap_or_else(|| subscriber.clone());
                claim = Some(SubmittedClaim {
                    pcn: seg.trimmed(1),
                    charge: decimal(&seg, 2),
                    place_of_service: seg.component_text(5, 1).trim().to_string(),
                    frequency: seg.component_text(5, 3).trim().to_string(),
                    filing_indicator: filing.clone(),
                    payer_name: payer_name.clone(),
                    payer_id: payer_id.clone(),
                    subscriber: subscriber.clone(),
                    patient: patient_party,
                    patient_is_subscriber: patient.is_none(),
                    provider: b.providers.len().saturating_sub(1),
                    lines: Vec::new(),
                    st02: st02.clone(),
                });
            }
            "DTP" if seg.text(1) == "472" => {
                let date = NaiveDate::parse_from_str(seg.text(3).split('-').next().unwrap_or(""), "%Y%m%d").ok();
                match level {
                    Level::Line => {
                        if let Some(l) = claim.as_mut().and_then(|c| c.lines.last_mut()) {
                            l.date = date;
                        }
                    }
                    Level::Claim => claim_date = date,
                    _ => {}
                }
            }
            "SV1" => {
                if let Some(c) = claim.as_mut() {
                    level = Level::Line;
                    c.lines.push(SubmittedLine {
                        procedure_code: seg.component_text(1, 2).trim().to_string(),
                        modifiers: (3..=6)
                            .map(|k| seg.component_text(1, k).trim().to_string())
                            .filter(|m| !m.is_empty())
                            .collect(),
                        charge: decimal(&seg, 2),
                        units: decimal(&seg, 4),
                        date: claim_date,
                        line_control_number: None,
                    });
                }
            }
            "REF" if level == Level::Line && seg.text(1) == "6R" => {
                if let Some(l) = claim.as_mut().and_then(|c| c.lines.last_mut()) {
                    l.line_control_number = Some(seg.trimmed(2));
                }
            }
            _ => {}
        }
    }
    flush(&mut claim, &mut b);
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_batch_yields_two_claims_with_their_lines_payers_and_patients() {
        let b = extract_837(&include_bytes!("../../tests/fixtures/ack/two-claims.837")[..]).unwrap();
        assert_eq!((b.sender_id.as_str(), b.receiver_id.as_str(), b.isa13), ("MAPLEFM001", "CLEARHOUSE01", 101));
        assert_eq!(b.gs06, "101");
        assert_eq!(b.claims.len(), 2);
        let first = &b.claims[0];
        assert_eq!(first.pcn, "CK1A2B3C4D5E6F");
        assert_eq!(first.charge, Decimal::from(143));
        assert_eq!((first.payer_id.as_str(), first.filing_indicator.as_str()), ("MCRB1", "MB"));
        assert_eq!(first.lines.len(), 2);
        assert_eq!(first.lines[0].modifiers, vec!["25".to_string()]);
        assert_eq!(first.lines[1].line_control_number.as_deref(), Some("CK1A2B3C4D5E6F02"));
        assert!(first.patient_is_subscriber);
        let second = &b.claims[1];
        assert!(!second.patient_is_subscriber);
        assert_eq!(second.patient.first_name, "GAMMA");
        assert_eq!(second.subscriber.first_name, "BETA");
        assert_eq!(second.payer_id, "COMM1");
        assert_eq!(b.providers[0].npi, "1234567893");
    }
}
