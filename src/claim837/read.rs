//! Reading 837P claims back: the round-trip check of the writer, `claimkit inspect`'s claim view,
//! and the input of a payer simulator. Streams over [`SegmentReader`]; each claim is handed over as
//! soon as its last segment is read, so a large batch needs memory for one claim at a time.

use std::io::Read;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{Adjustment, Claim};
use crate::encounter::PersonName;
use crate::x12::x12_decimal;
use crate::x12::{Position, Segment, SegmentReader, X12Error};

/// Why an 837P could not be read. Names the place, never element values.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    X12(#[from] X12Error),
    #[error("{at}: {message}")]
    Structure { at: Position, message: String },
}

/// A service line as read from an 837P (loop 2400 with its 2410, 2420A and 2430).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ParsedLine {
    /// LX01.
    pub number: u32,
    pub procedure_code: String,
    pub modifiers: Vec<String>,
    pub charge: Decimal,
    pub units: Decimal,
    /// SV103: `UN` units, `MJ` minutes.
    pub unit_type: String,
    /// SV101-7: what an unlisted code was.
    pub description: Option<String>,
    /// SV105, present only when it differs from the claim's.
    pub place_of_service: Option<String>,
    pub diagnosis_pointers: Vec<u8>,
    pub date_of_service: Option<NaiveDate>,
    pub date_of_service_to: Option<NaiveDate>,
    /// REF*6R.
    pub control_number: String,
    /// LIN03 (11-digit NDC) with CTP04 quantity and CTP05 unit.
    pub ndc: Option<String>,
    pub ndc_quantity: Option<Decimal>,
    pub ndc_unit: Option<String>,
    /// 2420A NM109.
    pub rendering_npi: Option<String>,
    /// 2420D and 2420E NM109.
    pub supervising_npi: Option<String>,
    pub ordering_npi: Option<String>,
    /// 2430: the prior payer's line payment, adjustments and adjudication date.
    pub other_payer_paid: Option<Decimal>,
    pub other_payer_adjustments: Vec<Adjustment>,
    pub other_payer_adjudicated: Option<NaiveDate>,
}

/// A claim as read from an 837P.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ParsedClaim {
    /// ISA13 and ST02 of the interchange and transaction set that carried the claim.
    pub isa13: String,
    pub st02: String,
    /// CLM01.
    pub pcn: String,
    /// CLM02.
    pub total_charge: Decimal,
    pub place_of_service: String,
    /// CLM05-3.
    pub frequency: String,
    /// SBR01 of 2000B.
    pub responsibility: String,
    pub claim_filing_indicator: String,
    pub payer_id: String,
    pub payer_name: String,
    pub member_id: String,
    pub group_number: Option<String>,
    pub subscriber: PersonName,
    /// The patient (the subscriber when SBR02 is 18).
    pub patient: PersonName,
    /// `18` self, or PAT01.
    pub relationship: String,
    pub patient_dob: Option<NaiveDate>,
    pub patient_sex: Option<String>,
    /// HI codes in order (ABK first), without the dot.
    pub diagnoses: Vec<String>,
    pub onset_date: Option<NaiveDate>,
    /// REF*G1.
    pub prior_authorization: Option<String>,
    /// REF*F8 in 2300.
    pub original_claim_number: Option<String>,
    pub referring_npi: Option<String>,
    /// 2310B NM109.
    pub rendering_npi: Option<String>,
    /// 2310D NM109.
    pub supervising_npi: Option<String>,
    /// REF*X4: the CLIA number.
    pub clia: Option<String>,
    /// 2310C NM103.
    pub facility_name: Option<String>,
    /// Every other coverage (2320/2330A/2330B), in file order.
    pub other_payers: Vec<ParsedOtherPayer>,
    /// 2330B NM109, AMT*D, 2320 CAS and 2330B REF*F8 of the payer just before this one (the last
    /// 2320 with AMT*D), for a secondary or tertiary claim.
    pub other_payer_id: Option<String>,
    pub other_payer_paid: Option<Decimal>,
    pub other_payer_adjustments: Vec<Adjustment>,
    pub other_payer_claim_number: Option<String>,
    pub lines: Vec<ParsedLine>,
}

/// One other coverage as loops 2320/2330A/2330B name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ParsedOtherPayer {
    /// SBR01: P, S or T.
    pub responsibility: String,
    /// SBR02: the patient's relationship to this coverage's subscriber.
    pub relationship: String,
    pub group_number: Option<String>,
    pub claim_filing_indicator: String,
    /// 2330A.
    pub subscriber: PersonName,
    pub member_id: String,
    /// 2330B NM109.
    pub payer_id: String,
    /// AMT*D: present only when this payer adjudicated the claim.
    pub paid: Option<Decimal>,
    pub adjustments: Vec<Adjustment>,
    pub claim_number: Option<String>,
}

impl ParsedClaim {
    /// Fills the fields of the payer just before from [`ParsedClaim::other_payers`].
    fn settle_other_payers(&mut self) {
        if let Some(last) = self.other_payers.iter().rev().find(|o| o.paid.is_some()) {
            self.other_payer_id = Some(last.payer_id.clone());
            self.other_payer_paid = last.paid;
            self.other_payer_adjustments = last.adjustments.clone();
            self.other_payer_claim_number = last.claim_number.clone();
        }
    }

    /// What [`read_837p`] gives back for a claim written by [`super::write_837p`] (envelope fields empty).
    pub fn of(claim: &Claim) -> ParsedClaim {
        let e = &claim.encounter;
        let self_insured = claim.patient_is_subscriber();
        let insured = &claim.coverage.subscriber;
        let normalize = |d: Decimal| Decimal::from_str(&x12_decimal(d)).unwrap_or(d);
        let other = claim.prior_payers().last();
        let lines = e
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let adj = other.and_then(|(_, a)| a.line(l.number));
                ParsedLine {
                    number: i as u32 + 1,
                    procedure_code: l.procedure.code.clone(),
                    modifiers: l.procedure.modifiers.clone(),
                    charge: normalize(l.charge),
                    units: normalize(l.units),
                    unit_type: l.unit_type.code().to_string(),
                    description: l.description.clone(),
                    place_of_service: l.place_of_service.clone().filter(|p| *p != e.place_of_service),
                    diagnosis_pointers: l.diagnosis_pointers.clone(),
                    date_of_service: Some(l.date_of_service),
                    date_of_service_to: l.date_of_service_to.filter(|t| *t != l.date_of_service),
                    control_number: claim.line_control_number(l),
                    ndc: l.drug.as_ref().map(|d| d.ndc.clone()),
                    ndc_quantity: l.drug.as_ref().map(|d| normalize(d.quantity)),
                    ndc_unit: l.drug.as_ref().map(|d| d.unit.clone()),
                    rendering_npi: claim
                        .line_rendering
                        .iter()
                        .find(|(n, _)| *n == l.number)
                        .map(|(_, p)| p.npi.clone()),
                    supervising_npi: l.supervising.as_ref().map(|p| p.npi.clone()),
                    ordering_npi: l.ordering.as_ref().map(|p| p.npi.clone()),
                    other_payer_paid: adj.map(|a| normalize(a.paid)),
                    other_payer_adjustments: adj
                        .map(|a| normalize_adjustments(&a.adjustments, normalize))
                        .unwrap_or_default(),
                    other_payer_adjudicated: adj.map(|a| a.adjudication_date),
                }
            })
            .collect();
        ParsedClaim {
            isa13: String::new(),
            st02: String::new(),
            pcn: claim.pcn.clone(),
            total_charge: normalize(claim.total_charge()),
            place_of_service: e.place_of_service.clone(),
            frequency: claim.frequency.code().into(),
            responsibility: claim.responsibility.code().into(),
            claim_filing_indicator: claim.payer.claim_filing_indicator.clone(),
            payer_id: claim.payer.id.clone(),
            payer_name: claim.payer.name.clone(),
            member_id: claim.member_id.clone(),
            group_number: claim.coverage.group_number.clone(),
            subscriber: insured.name.clone(),
            patient: if self_insured { insured.name.clone() } else { e.patient.name.clone() },
            relationship: claim.coverage.relationship.x12_code().into(),
            patient_dob: if self_insured { insured.dob } else { e.patient.dob },
            patient_sex: if self_insured {
                insured.dob.map(|_| insured.sex.code().to_string())
            } else {
                e.patient.dob.map(|_| e.patient.sex.code().to_string())
            },
            diagnoses: e.diagnoses.iter().map(|d| d.code().to_string()).collect(),
            onset_date: e.onset_date,
            prior_authorization: e.prior_authorization.clone(),
            original_claim_number: claim.original_claim_number.clone(),
            referring_npi: e.referring.as_ref().map(|r| r.npi.clone()),
            rendering_npi: claim.rendering.as_ref().map(|r| r.npi.clone()),
            supervising_npi: e.supervising.as_ref().map(|p| p.npi.clone()),
            clia: claim.clia.clone(),
            facility_name: claim.facility.as_ref().map(|f| f.name.clone()),
            other_payers: claim
                .other_payers
                .iter()
                .map(|o| ParsedOtherPayer {
                    responsibility: o.coverage.order.code().into(),
                    relationship: o.coverage.relationship.x12_code().into(),
                    group_number: o.coverage.group_number.clone(),
                    claim_filing_indicator: o.claim_filing_indicator.clone(),
                    subscriber: o.coverage.subscriber.name.clone(),
                    member_id: o.coverage.member_id.clone(),
                    payer_id: o.payer_id.clone(),
                    paid: o.adjudication.as_ref().map(|a| normalize(a.paid)),
                    adjustments: o
                        .adjudication
                        .as_ref()
                        .map(|a| normalize_adjustments(&a.claim_adjustments, normalize))
                        .unwrap_or_default(),
                    claim_number: o.adjudication.as_ref().and_then(|a| a.payer_claim_number.clone()),
                })
                .collect(),
            other_payer_id: other.map(|(o, _)| o.payer_id.clone()),
            other_payer_paid: other.map(|(_, a)| normalize(a.paid)),
            other_payer_adjustments: other
                .map(|(_, a)| normalize_adjustments(&a.claim_adjustments, normalize))
                .unwrap_or_default(),
            other_payer_claim_number: other.and_then(|(_, a)| a.payer_claim_number.clone()),
            lines,
        }
    }

    /// The claim without its envelope fields, to compare with [`ParsedClaim::of`].
    pub fn without_envelope(mut self) -> ParsedClaim {
        self.isa13.clear();
        self.st02.clear();
        self
    }

    /// Initials of the patient (`J.D.`), for displays without `--show-data`.
    pub fn patient_initials(&self) -> String {
        let initial = |s: &str| s.chars().next().map(|c| format!("{}.", c.to_uppercase())).unwrap_or_default();
        format!("{}{}", initial(&self.patient.first), initial(&self.patient.last))
    }

    /// The first and last dates of service of the lines.
    pub fn dates_of_service(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let first = self.lines.iter().filter_map(|l| l.date_of_service).min();
        let last = self.lines.iter().filter_map(|l| l.date_of_service_to.or(l.date_of_service)).max();
        (first, last)
    }
}

fn normalize_adjustments(list: &[Adjustment], normalize: impl Fn(Decimal) -> Decimal) -> Vec<Adjustment> {
    list.iter().map(|a| Adjustment { amount: normalize(a.amount), ..a.clone() }).collect()
}

/// Reads every claim of an 837P file.
pub fn read_837p<R: Read>(input: R) -> Result<Vec<ParsedClaim>, ReadError> {
    let mut claims = Vec::new();
    for_each_837p_claim(input, |c| claims.push(c))?;
    Ok(claims)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Where {
    Outside,
    Subscriber,
    Patient,
    Claim,
    OtherPayer,
    OtherPayerName,
    Line,
    LineAdjudication,
}

#[derive(Default, Clone)]
struct Context {
    responsibility: String,
    relationship: String,
    claim_filing_indicator: String,
    group_number: Option<String>,
    member_id: String,
    subscriber: PersonName,
    subscriber_dob: Option<NaiveDate>,
    subscriber_sex: Option<String>,
    payer_id: String,
    payer_name: String,
    patient: Option<PersonName>,
    patient_dob: Option<NaiveDate>,
    patient_sex: Option<String>,
}

/// Calls `each` with every claim of an 837P stream, in file order; returns the number of claims.
pub fn for_each_837p_claim<R: Read>(input: R, mut each: impl FnMut(ParsedClaim)) -> Result<u64, ReadError> {
    let mut reader = SegmentReader::new(input);
    let mut isa13 = String::new();
    let mut st02 = String::new();
    let mut ctx = Context::default();
    let mut at = Where::Outside;
    let mut claim: Option<ParsedClaim> = None;
    let mut count = 0u64;
    let mut flush = |claim: &mut Option<ParsedClaim>, count: &mut u64| {
        if let Some(mut c) = claim.take() {
            c.settle_other_payers();
            *count += 1;
            each(c);
        }
    };
    while let Some(seg) = reader.next_segment()? {
        let pos = seg.position();
        let bad = |what: &str| ReadError::Structure { at: pos, message: what.to_string() };
        match seg.id() {
            "ISA" => isa13 = seg.trimmed(13),
            "ST" => {
                flush(&mut claim, &mut count);
                st02 = seg.trimmed(2);
                at = Where::Outside;
            }
            "SE" | "GE" | "IEA" => {
                flush(&mut claim, &mut count);
                at = Where::Outside;
            }
            "HL" => {
                flush(&mut claim, &mut count);
                match seg.text(3).as_ref() {
                    "22" => {
                        ctx = Context::default();
                        at = Where::Subscriber;
                    }
                    "23" => at = Where::Patient,
                    _ => at = Where::Outside,
                }
            }
            "SBR" => match at {
                Where::Subscriber => {
                    ctx.responsibility = seg.trimmed(1);
                    ctx.relationship = seg.trimmed(2);
                    ctx.group_number = seg.get(3).map(|s| s.to_string());
                    ctx.claim_filing_indicator = seg.trimmed(9);
                }
                Where::Claim | Where::OtherPayer | Where::OtherPayerName => {
                    at = Where::OtherPayer;
                    if let Some(c) = claim.as_mut() {
                        c.other_payers.push(ParsedOtherPayer {
                            responsibility: seg.trimmed(1),
                            relationship: seg.trimmed(2),
                            group_number: seg.get(3).map(|s| s.to_string()),
                            claim_filing_indicator: seg.trimmed(9),
                            ..ParsedOtherPayer::default()
                        });
                    }
                }
                _ => {}
            },
            "PAT" => ctx.relationship = seg.trimmed(1),
            "NM1" => {
                let name = || PersonName {
                    last: seg.text(3).into_owned(),
                    first: seg.text(4).into_owned(),
                    middle: seg.get(5).map(|s| s.into_owned()),
                };
                match (at, seg.text(1).as_ref()) {
                    (Where::Subscriber, "IL") => {
                        ctx.subscriber = name();
                        ctx.member_id = seg.trimmed(9);
                    }
                    (Where::Subscriber, "PR") => {
                        ctx.payer_name = seg.text(3).into_owned();
                        ctx.payer_id = seg.trimmed(9);
                    }
                    (Where::Patient, "QC") => ctx.patient = Some(name()),
                    (Where::Claim, entity) => {
                        if let Some(c) = claim.as_mut() {
                            match entity {
                                "DN" => c.referring_npi = seg.get(9).map(|s| s.into_owned()),
                                "82" => c.rendering_npi = seg.get(9).map(|s| s.into_owned()),
                                "77" => c.facility_name = Some(seg.text(3).into_owned()),
                                "DQ" => c.supervising_npi = seg.get(9).map(|s| s.into_owned()),
                                _ => {}
                            }
                        }
                    }
                    (Where::OtherPayer, "IL") => {
                        if let Some(o) = claim.as_mut().and_then(|c| c.other_payers.last_mut()) {
                            o.subscriber = name();
                            o.member_id = seg.trimmed(9);
                        }
                    }
                    (Where::OtherPayer | Where::OtherPayerName, "PR") => {
                        at = Where::OtherPayerName;
                        if let Some(o) = claim.as_mut().and_then(|c| c.other_payers.last_mut()) {
                            o.payer_id = seg.trimmed(9);
                        }
                    }
                    (Where::Line, "82" | "DQ" | "DK") => {
                        if let Some(l) = claim.as_mut().and_then(|c| c.lines.last_mut()) {
                            let npi = seg.get(9).map(|s| s.into_owned());
                            match seg.text(1).as_ref() {
                                "82" => l.rendering_npi = npi,
                                "DQ" => l.supervising_npi = npi,
                                _ => l.ordering_npi = npi,
                            }
                        }
                    }
                    _ => {}
                }
            }
            "DMG" => {
                let dob = NaiveDate::parse_from_str(seg.text(2).as_ref(), "%Y%m%d").ok();
                let sex = seg.get(3).map(|s| s.into_owned());
                match at {
                    Where::Subscriber => (ctx.subscriber_dob, ctx.subscriber_sex) = (dob, sex),
                    Where::Patient => (ctx.patient_dob, ctx.patient_sex) = (dob, sex),
                    _ => {}
                }
            }
            "CLM" => {
                flush(&mut claim, &mut count);
                let patient_is_subscriber = ctx.patient.is_none();
                claim = Some(ParsedClaim {
                    isa13: isa13.clone(),
                    st02: st02.clone(),
                    pcn: seg.trimmed(1),
                    total_charge: amount(&seg, 2).ok_or_else(|| bad("CLM02 is not an amount"))?,
                    place_of_service: seg.component_text(5, 1).into_owned(),
                    frequency: seg.component_text(5, 3).into_owned(),
                    responsibility: ctx.responsibility.clone(),
                    claim_filing_indicator: ctx.claim_filing_indicator.clone(),
                    payer_id: ctx.payer_id.clone(),
                    payer_name: ctx.payer_name.clone(),
                    member_id: ctx.member_id.clone(),
                    group_number: ctx.group_number.clone(),
                    subscriber: ctx.subscriber.clone(),
                    patient: ctx.patient.clone().unwrap_or_else(|| ctx.subscriber.clone()),
                    relationship: ctx.relationship.clone(),
                    patient_dob: if patient_is_subscriber { ctx.subscriber_dob } else { ctx.patient_dob },
                    patient_sex: if patient_is_subscriber {
                        ctx.subscriber_sex.clone()
                    } else {
                        ctx.patient_sex.clone()
                    },
                    ..ParsedClaim::default()
                });
                at = Where::Claim;
            }
            "DTP" => {
                let Some(c) = claim.as_mut() else { continue };
                let text = seg.text(3);
                match (seg.text(1).as_ref(), seg.text(2).as_ref()) {
                    ("431", _) => c.onset_date = Some(date(&text).ok_or_else(|| bad("DTP03 is not a date"))?),
                    ("472", qualifier) => {
                        let (from, to) = match (qualifier, text.split_once('-')) {
                            ("RD8", Some((from, to))) => (from, Some(to)),
                            _ => (text.as_ref(), None),
                        };
                        if let Some(l) = c.lines.last_mut() {
                            l.date_of_service = Some(date(from).ok_or_else(|| bad("DTP03 is not a date"))?);
                            l.date_of_service_to =
                                to.map(|t| date(t).ok_or_else(|| bad("DTP03 is not a date range"))).transpose()?;
                        }
                    }
                    ("573", _) => {
                        if let Some(l) = c.lines.last_mut() {
                            l.other_payer_adjudicated = Some(date(&text).ok_or_else(|| bad("DTP03 is not a date"))?);
                        }
                    }
                    _ => {}
                }
            }
            "REF" => {
                let Some(c) = claim.as_mut() else { continue };
                let value = seg.get(2).map(|s| s.into_owned());
                match (at, seg.text(1).as_ref()) {
                    (Where::Claim, "G1") => c.prior_authorization = value,
                    (Where::Claim, "F8") => c.original_claim_number = value,
                    (Where::Claim, "X4") => c.clia = value,
                    (Where::OtherPayerName, "F8") => {
                        if let Some(o) = c.other_payers.last_mut() {
                            o.claim_number = value;
                        }
                    }
                    (Where::Line, "6R") => {
                        if let Some(l) = c.lines.last_mut() {
                            l.control_number = value.unwrap_or_default();
                        }
                    }
                    _ => {}
                }
            }
            "HI" => {
                let Some(c) = claim.as_mut() else { continue };
                for n in 1..=12 {
                    let code = seg.component_text(n, 2);
                    if !code.is_empty() {
                        c.diagnoses.push(code.into_owned());
                    }
                }
            }
            "CAS" => {
                let Some(c) = claim.as_mut() else { continue };
                let group = seg.trimmed(1);
                let mut list = Vec::new();
                for k in 0..6 {
                    let reason = seg.trimmed(2 + 3 * k);
                    if reason.is_empty() {
                        continue;
                    }
                    let amount = amount(&seg, 3 + 3 * k).ok_or_else(|| bad("CAS amount is not an amount"))?;
                    list.push(Adjustment { group: group.clone(), reason, amount, quantity: None });
                }
                match at {
                    Where::LineAdjudication => {
                        if let Some(l) = c.lines.last_mut() {
                            l.other_payer_adjustments.extend(list);
                        }
                    }
                    Where::OtherPayer => {
                        if let Some(o) = c.other_payers.last_mut() {
                            o.adjustments.extend(list);
                        }
                    }
                    _ => {}
                }
            }
            "AMT" if at == Where::OtherPayer && seg.text(1) == "D" => {
                if let Some(o) = claim.as_mut().and_then(|c| c.other_payers.last_mut()) {
                    o.paid = Some(amount(&seg, 2).ok_or_else(|| bad("AMT02 is not an amount"))?);
                }
            }
            "LX" => {
                let Some(c) = claim.as_mut() else { continue };
                let number = seg.trimmed(1).parse().map_err(|_| bad("LX01 is not a number"))?;
                c.lines.push(ParsedLine { number, ..ParsedLine::default() });
                at = Where::Line;
            }
            "SV1" => {
                let Some(l) = claim.as_mut().and_then(|c| c.lines.last_mut()) else { continue };
                l.procedure_code = seg.component_text(1, 2).into_owned();
                l.modifiers =
                    (3..=6).map(|k| seg.component_text(1, k).into_owned()).filter(|m| !m.is_empty()).collect();
                l.charge = amount(&seg, 2).ok_or_else(|| bad("SV102 is not an amount"))?;
                l.units = amount(&seg, 4).ok_or_else(|| bad("SV104 is not a quantity"))?;
                l.unit_type = seg.text(3).into_owned();
                l.description = Some(seg.component_text(1, 7).into_owned()).filter(|d| !d.is_empty());
                l.place_of_service = seg.get(5).map(|s| s.into_owned());
                l.diagnosis_pointers = seg
                    .components(7)
                    .filter(|p| !p.is_empty())
                    .map(|p| std::str::from_utf8(p).ok().and_then(|s| s.parse().ok()))
                    .collect::<Option<Vec<u8>>>()
                    .ok_or_else(|| bad("SV107 pointers are not numbers"))?;
            }
            "LIN" => {
                if let Some(l) = claim.as_mut().and_then(|c| c.lines.last_mut()) {
                    l.ndc = seg.get(3).map(|s| s.into_owned());
                }
            }
            "CTP" => {
                if let Some(l) = claim.as_mut().and_then(|c| c.lines.last_mut()) {
                    l.ndc_quantity = Some(amount(&seg, 4).ok_or_else(|| bad("CTP04 is not a quantity"))?);
                    l.ndc_unit = Some(seg.component_text(5, 1).into_owned());
                }
            }
            "SVD" => {
                if let Some(l) = claim.as_mut().and_then(|c| c.lines.last_mut()) {
                    // The last SVD is the payer just before this one's.
                    l.other_payer_paid = Some(amount(&seg, 2).ok_or_else(|| bad("SVD02 is not an amount"))?);
                    l.other_payer_adjustments.clear();
                    at = Where::LineAdjudication;
                }
            }
            _ => {}
        }
    }
    flush(&mut claim, &mut count);
    Ok(count)
}

fn amount(seg: &Segment<'_>, n: usize) -> Option<Decimal> {
    crate::x12::parse_decimal(&seg.text(n)).and_then(crate::encounter::bounded_amount)
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y%m%d").ok()
}
