//! Writing 276 requests and 277 responses (005010X212) through [`X12Writer`]: one interchange,
//! one group, one transaction set; the payer, the information receiver and the billing provider
//! once, then one subscriber level per claim (and a dependent level when the patient is not the
//! subscriber).

use std::io::Write;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::GUIDE;
use crate::dates::d8;
use crate::x12::{Element, GroupHeader, InterchangeHeader, WriteError, X12Writer, x12_decimal};

/// The envelope of a 276 or 277: who sends it to whom, and its control numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    pub date: NaiveDate,
    /// HHMM.
    pub time: String,
    pub isa13: u64,
    pub gs06: u64,
    /// ST02 of each transaction set, one per payer.
    pub transactions: Vec<String>,
    /// `T` or `P`.
    pub usage: char,
    /// GS01: `HR` for a 276, `HN` for a 277.
    pub functional_id: &'static str,
}

/// The parties above the claims: payer (2100A), information receiver (2100B, the submitter) and
/// the provider (2100C).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parties {
    pub payer_name: String,
    pub payer_id: String,
    pub receiver_name: String,
    pub receiver_etin: String,
    pub provider_name: String,
    pub provider_npi: String,
}

/// A person named in the subscriber or dependent level.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Person {
    pub last: String,
    pub first: String,
    pub dob: Option<NaiveDate>,
    /// DMG03: F, M or U.
    pub sex: String,
}

/// One claim asked about (276) or answered (277).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatusClaim {
    /// TRN02: claimkit asks with the claim's PCN.
    pub trace: String,
    pub pcn: String,
    pub payer_claim_number: Option<String>,
    pub subscriber: Person,
    pub member_id: String,
    /// The patient, when not the subscriber.
    pub dependent: Option<Person>,
    pub charge: Decimal,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One claim's answer in a 277.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusResponse {
    pub claim: StatusClaim,
    /// STC01-1 and STC01-2.
    pub category: String,
    pub status_code: String,
    pub date: NaiveDate,
    /// STC05, for finalized claims.
    pub paid: Option<Decimal>,
}

/// One transaction set: the parties and what it says about each claim.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusSet<T> {
    pub parties: Parties,
    pub items: Vec<T>,
}

/// Writes a 276 claim status request: one transaction set per payer.
pub fn write_276<W: Write>(out: W, env: &Envelope, sets: &[StatusSet<StatusClaim>]) -> Result<W, WriteError> {
    let mut w = begin(out, env)?;
    for (set, st02) in sets.iter().zip(&env.transactions) {
        w.begin_transaction("276", st02, GUIDE)?;
        let reference = format!("{:09}{st02}", env.isa13);
        w.segment("BHT", &["0010", "13", &reference, &d8(env.date), &env.time])?;
        hierarchy(
            &mut w,
            &set.parties,
            &set.items,
            true,
            |c| c,
            |w, claim| {
                w.segment("TRN", &["1", &claim.trace])?;
                if let Some(number) = &claim.payer_claim_number {
                    w.segment("REF", &["1K", number])?;
                }
                w.segment("REF", &["EJ", &claim.pcn])?;
                w.segment("AMT", &["T3", &x12_decimal(claim.charge)])?;
                dates(w, claim)
            },
        )?;
        w.end_transaction()?;
    }
    finish(w)
}

/// Writes a 277 claim status response: one transaction set per payer.
pub fn write_277<W: Write>(out: W, env: &Envelope, sets: &[StatusSet<StatusResponse>]) -> Result<W, WriteError> {
    let mut w = begin(out, env)?;
    for (set, st02) in sets.iter().zip(&env.transactions) {
        w.begin_transaction("277", st02, GUIDE)?;
        let reference = format!("{:09}{st02}", env.isa13);
        w.segment("BHT", &["0010", "08", &reference, &d8(env.date), &env.time, "DG"])?;
        hierarchy(
            &mut w,
            &set.parties,
            &set.items,
            false,
            |r| &r.claim,
            |w, r| {
                let claim = &r.claim;
                w.segment("TRN", &["2", &claim.trace])?;
                let mut stc = vec![
                    Element::Composite(vec![&r.category, &r.status_code]),
                    Element::Owned(d8(r.date).to_string()),
                    Element::Text(""),
                    Element::Owned(x12_decimal(claim.charge)),
                ];
                if let Some(paid) = r.paid {
                    stc.push(Element::Owned(x12_decimal(paid)));
                }
                w.segment_elements("STC", &stc)?;
                if let Some(number) = &claim.payer_claim_number {
                    w.segment("REF", &["1K", number])?;
                }
                w.segment("REF", &["EJ", &claim.pcn])?;
                dates(w, claim)
            },
        )?;
        w.end_transaction()?;
    }
    finish(w)
}

fn begin<W: Write>(out: W, env: &Envelope) -> Result<X12Writer<W>, WriteError> {
    let mut w = X12Writer::new(out).line_breaks(true);
    let date8 = d8(env.date);
    w.begin_interchange(&InterchangeHeader::new(
        &env.sender_qualifier,
        &env.sender_id,
        &env.receiver_qualifier,
        &env.receiver_id,
        &date8[2..],
        &env.time,
        env.isa13,
        env.usage,
    ))?;
    w.begin_group(&GroupHeader::new(
        env.functional_id,
        &env.sender_id,
        &env.receiver_id,
        &date8,
        &env.time,
        env.gs06,
        GUIDE,
    ))?;
    Ok(w)
}

fn finish<W: Write>(mut w: X12Writer<W>) -> Result<W, WriteError> {
    w.end_group()?;
    w.end_interchange()
}

fn dates<W: Write>(w: &mut X12Writer<W>, claim: &StatusClaim) -> Result<(), WriteError> {
    let range = format!("{}-{}", d8(claim.from), d8(claim.to));
    w.segment("DTP", &["472", "RD8", &range])
}

/// The payer, receiver and provider levels, then a subscriber level (and a dependent level) per
/// claim, each followed by `body`. Demographics (DMG) are the request's: the 277 has none.
fn hierarchy<T, W: Write>(
    w: &mut X12Writer<W>,
    parties: &Parties,
    items: &[T],
    with_demographics: bool,
    claim_of: impl Fn(&T) -> &StatusClaim,
    mut body: impl FnMut(&mut X12Writer<W>, &T) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    w.segment("HL", &["1", "", "20", "1"])?;
    w.segment("NM1", &["PR", "2", &parties.payer_name, "", "", "", "", "PI", &parties.payer_id])?;
    w.segment("HL", &["2", "1", "21", "1"])?;
    w.segment("NM1", &["41", "2", &parties.receiver_name, "", "", "", "", "46", &parties.receiver_etin])?;
    w.segment("HL", &["3", "2", "19", "1"])?;
    w.segment("NM1", &["1P", "2", &parties.provider_name, "", "", "", "", "XX", &parties.provider_npi])?;
    let mut hl = 3u32;
    for item in items {
        let claim = claim_of(item);
        hl += 1;
        let subscriber_hl = hl.to_string();
        let child = if claim.dependent.is_some() { "1" } else { "0" };
        w.segment("HL", &[&subscriber_hl, "3", "22", child])?;
        if with_demographics && claim.dependent.is_none() {
            demographics(w, &claim.subscriber)?;
        }
        let s = &claim.subscriber;
        w.segment("NM1", &["IL", "1", &s.last, &s.first, "", "", "", "MI", &claim.member_id])?;
        if let Some(d) = &claim.dependent {
            hl += 1;
            w.segment("HL", &[&hl.to_string(), &subscriber_hl, "23"])?;
            if with_demographics {
                demographics(w, d)?;
            }
            w.segment("NM1", &["QC", "1", &d.last, &d.first])?;
        }
        body(w, item)?;
    }
    Ok(())
}

fn demographics<W: Write>(w: &mut X12Writer<W>, p: &Person) -> Result<(), WriteError> {
    match p.dob {
        Some(dob) => w.segment("DMG", &["D8", &d8(dob), &p.sex]),
        None => Ok(()),
    }
}
