//! Reading a 276 claim status request into the claims it asks about (the payer simulator answers
//! them). Streams over [`SegmentReader`]; other transaction sets in the file are skipped.

use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;

use super::StatusError;
use super::write::{Parties, Person, StatusClaim};
use crate::x12::{Segment, SegmentReader, X12Error};

/// One 276 transaction set: who asks whom, and about which claims.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Inquiry {
    /// ISA05/ISA06 and ISA07/ISA08 of the request.
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    pub isa13: u64,
    pub usage: char,
    /// GS04.
    pub date: Option<NaiveDate>,
    pub parties: Parties,
    pub claims: Vec<InquiryClaim>,
}

/// A claim asked about.
pub type InquiryClaim = StatusClaim;

#[derive(Clone, Copy, PartialEq)]
enum Level {
    None,
    Payer,
    Receiver,
    Provider,
    Subscriber,
    Dependent,
}

fn date_range(seg: &Segment<'_>) -> Option<(NaiveDate, NaiveDate)> {
    let text = seg.trimmed(3);
    let (from, to) = text.split_once('-').unwrap_or((&text, &text));
    Some((crate::dates::parse_ccyymmdd(from)?, crate::dates::parse_ccyymmdd(to)?))
}

/// Reads every 276 in `input`.
pub fn read_276<R: Read>(input: R) -> Result<Vec<Inquiry>, X12Error> {
    let mut reader = SegmentReader::new(input);
    let mut out: Vec<Inquiry> = Vec::new();
    let mut header = Inquiry::default();
    let mut current: Option<Inquiry> = None;
    let mut level = Level::None;
    let mut subscriber = Person::default();
    let mut member_id = String::new();
    let mut dependent: Option<Person> = None;
    let mut pending_dmg: Option<(Option<NaiveDate>, String)> = None;
    while let Some(seg) = reader.next_segment()? {
        match seg.id() {
            "ISA" => {
                header.sender_qualifier = seg.trimmed(5);
                header.sender_id = seg.trimmed(6);
                header.receiver_qualifier = seg.trimmed(7);
                header.receiver_id = seg.trimmed(8);
                header.isa13 = seg.trimmed(13).parse().unwrap_or(0);
                header.usage = seg.trimmed(15).chars().next().unwrap_or('T');
            }
            "GS" => header.date = crate::dates::parse_ccyymmdd(&seg.trimmed(4)),
            "ST" => {
                current = (seg.trimmed(1) == "276").then(|| header.clone());
                level = Level::None;
            }
            "SE" => out.extend(current.take()),
            _ => {}
        }
        let Some(inq) = current.as_mut() else { continue };
        match seg.id() {
            "HL" => {
                level = match seg.trimmed(3).as_str() {
                    "20" => Level::Payer,
                    "21" => Level::Receiver,
                    "19" => Level::Provider,
                    "22" => {
                        dependent = None;
                        Level::Subscriber
                    }
                    "23" => Level::Dependent,
                    _ => level,
                };
                pending_dmg = None;
            }
            "DMG" => pending_dmg = Some((crate::dates::parse_ccyymmdd(&seg.trimmed(2)), seg.trimmed(3))),
            "NM1" => {
                let (name, id) = (seg.trimmed(3), seg.trimmed(9));
                match level {
                    Level::Payer => (inq.parties.payer_name, inq.parties.payer_id) = (name, id),
                    Level::Receiver => (inq.parties.receiver_name, inq.parties.receiver_etin) = (name, id),
                    Level::Provider => (inq.parties.provider_name, inq.parties.provider_npi) = (name, id),
                    Level::Subscriber | Level::Dependent => {
                        let (dob, sex) = pending_dmg.take().unwrap_or_default();
                        let person = Person { last: name, first: seg.trimmed(4), dob, sex };
                        if level == Level::Subscriber {
                            subscriber = person;
                            member_id = id;
                        } else {
                            dependent = Some(person);
                        }
                    }
                    Level::None => {}
                }
            }
            "TRN" if matches!(level, Level::Subscriber | Level::Dependent) => inq.claims.push(StatusClaim {
                trace: seg.trimmed(2),
                subscriber: subscriber.clone(),
                member_id: member_id.clone(),
                dependent: dependent.clone(),
                ..StatusClaim::default()
            }),
            "REF" => {
                if let Some(claim) = inq.claims.last_mut() {
                    match seg.trimmed(1).as_str() {
                        "EJ" => claim.pcn = seg.trimmed(2),
                        "1K" => claim.payer_claim_number = Some(seg.trimmed(2)).filter(|s| !s.is_empty()),
                        _ => {}
                    }
                }
            }
            "AMT" if seg.trimmed(1) == "T3" => {
                if let Some(claim) = inq.claims.last_mut() {
                    claim.charge = crate::x12::parse_decimal(&seg.text(2))
                        .and_then(crate::encounter::bounded_amount)
                        .unwrap_or_default();
                }
            }
            "DTP" if seg.trimmed(1) == "472" => {
                if let (Some(claim), Some((from, to))) = (inq.claims.last_mut(), date_range(&seg)) {
                    (claim.from, claim.to) = (from, to);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Reads the 276s of the file at `path`; a file without one is refused.
pub fn read_276_file(path: &Path) -> Result<Vec<Inquiry>, StatusError> {
    let file = crate::files::open_input(path).map_err(|source| StatusError::Io { file: path.into(), source })?;
    let inquiries =
        read_276(std::io::BufReader::new(file)).map_err(|source| StatusError::Read { file: path.into(), source })?;
    if inquiries.is_empty() {
        return Err(StatusError::Not276 { file: path.into() });
    }
    Ok(inquiries)
}
