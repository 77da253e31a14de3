//! Writing 837P 005010X222A1 batches: one interchange (ISA) and one functional group (GS) per file,
//! one or more transaction sets (ST) of at most [`CLAIMS_PER_TRANSACTION`] claims each. Claims are
//! streamed: [`Batch837Writer::add`] writes one claim at a time, so memory does not grow with the
//! batch. Every byte goes through [`X12Writer`], which owns separators, counts and trailers.

use std::io::Write;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;

use super::Claim;
use super::cob::cas_segments;
use crate::encounter::{Address, PersonName};
use crate::ledger::ControlNumbers;
use crate::practice::{Practice, Receiver, RenderingProvider};
use crate::x12::x12_decimal;
use crate::x12::{Element, GroupHeader, InterchangeHeader, WriteError, X12Writer};

/// GS08 and ST03 of every 837P claimkit writes (the only professional guide the validator maps).
pub const GUIDE: &str = "005010X222A1";
/// At most this many CLM segments in one transaction set (ST/SE), as clearinghouses require.
pub const CLAIMS_PER_TRANSACTION: usize = 5000;

/// What a finished batch holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchStats {
    pub claims: usize,
    pub total_charge: Decimal,
    /// ST02 of each transaction set written, in order.
    pub transactions: Vec<String>,
}

/// Writes one 837P interchange, claim by claim.
pub struct Batch837Writer<'p, W: Write> {
    w: X12Writer<W>,
    practice: &'p Practice,
    receiver: &'p Receiver,
    numbers: ControlNumbers,
    in_transaction: usize,
    hl: u32,
    date8: String,
    time4: String,
    stats: BatchStats,
}

impl<'p, W: Write> Batch837Writer<'p, W> {
    /// Opens the interchange and the group. `numbers` must hold at least one ST02 per
    /// [`CLAIMS_PER_TRANSACTION`] claims that will be added; unused ones are simply not written.
    pub fn new(
        out: W,
        practice: &'p Practice,
        receiver: &'p Receiver,
        numbers: &ControlNumbers,
        at: NaiveDateTime,
    ) -> Result<Self, WriteError> {
        let mut w = X12Writer::new(out).line_breaks(true);
        let date8 = crate::dates::d8(at.date());
        let time4 = at.format("%H%M").to_string();
        let sender = practice.submitter.interchange_id();
        let to = receiver.interchange_id();
        let mut isa = InterchangeHeader::new(
            &practice.submitter.isa_qualifier,
            sender,
            &receiver.isa_qualifier,
            to,
            &date8[2..],
            &time4,
            numbers.interchange,
            receiver.usage.code(),
        );
        isa.ack_requested = true;
        w.begin_interchange(&isa)?;
        w.begin_group(&GroupHeader::new("HC", sender, to, &date8, &time4, numbers.group, GUIDE))?;
        Ok(Batch837Writer {
            w,
            practice,
            receiver,
            numbers: numbers.clone(),
            in_transaction: 0,
            hl: 0,
            date8: date8.to_string(),
            time4,
            stats: BatchStats::default(),
        })
    }

    /// Claims written so far.
    pub fn claims(&self) -> usize {
        self.stats.claims
    }

    /// Writes one claim; returns the ST02 of the transaction set that carries it.
    pub fn add(&mut self, claim: &Claim) -> Result<String, WriteError> {
        if self.in_transaction == 0 {
            self.begin_transaction()?;
        }
        let st02 = self.stats.transactions.last().cloned().unwrap_or_default();
        self.claim(claim)?;
        self.stats.claims += 1;
        self.stats.total_charge += claim.total_charge();
        self.in_transaction += 1;
        if self.in_transaction == CLAIMS_PER_TRANSACTION {
            self.w.end_transaction()?;
            self.in_transaction = 0;
        }
        Ok(st02)
    }

    /// Closes the open transaction set, the group and the interchange.
    pub fn finish(mut self) -> Result<(W, BatchStats), WriteError> {
        if self.in_transaction > 0 {
            self.w.end_transaction()?;
        }
        self.w.end_group()?;
        let out = self.w.end_interchange()?;
        Ok((out, self.stats))
    }

    fn seg(&mut self, id: &str, elements: &[&str]) -> Result<(), WriteError> {
        self.w.segment(id, elements)
    }

    fn begin_transaction(&mut self) -> Result<(), WriteError> {
        let Some(st02) = self.numbers.transactions.get(self.stats.transactions.len()).cloned() else {
            return Err(WriteError::OutOfOrder("more transaction sets than ST02 control numbers were allocated"));
        };
        self.w.begin_transaction("837", &st02, GUIDE)?;
        let reference = format!("{:09}{st02}", self.numbers.interchange);
        let (date8, time4) = (self.date8.clone(), self.time4.clone());
        self.seg("BHT", &["0019", "00", &reference, &date8, &time4, "CH"])?;
        let practice = self.practice;
        let submitter = &practice.submitter;
        // 1000A submitter, with a contact the clearinghouse can call.
        self.seg("NM1", &["41", "2", &submitter.name, "", "", "", "", "46", &submitter.etin])?;
        let mut per: Vec<&str> = vec!["IC", &submitter.contact_name];
        if let Some(phone) = submitter.contact_phone.as_deref() {
            per.extend(["TE", phone]);
        }
        if let Some(email) = submitter.contact_email.as_deref() {
            per.extend(["EM", email]);
        }
        self.seg("PER", &per)?;
        // 1000B receiver.
        let receiver = self.receiver;
        self.seg("NM1", &["40", "2", &receiver.name, "", "", "", "", "46", &receiver.etin])?;
        // 2000A billing provider.
        let bp = &practice.billing_provider;
        self.seg("HL", &["1", "", "20", "1"])?;
        self.seg("PRV", &["BI", "PXC", &bp.taxonomy])?;
        self.seg("NM1", &["85", "2", &bp.name, "", "", "", "", "XX", &bp.npi])?;
        self.address(&bp.address)?;
        self.seg("REF", &["EI", &bp.tin])?;
        if let Some(pay_to) = bp.pay_to.as_ref().filter(|a| **a != bp.address) {
            self.seg("NM1", &["87", "2"])?;
            self.address(pay_to)?;
        }
        self.hl = 1;
        self.stats.transactions.push(st02);
        Ok(())
    }

    fn address(&mut self, a: &Address) -> Result<(), WriteError> {
        self.seg("N3", &[&a.line1, a.line2.as_deref().unwrap_or("")])?;
        self.seg("N4", &[&a.city, &a.state, &a.zip])
    }

    fn person(&mut self, entity: &str, name: &PersonName, qualifier: &str, id: &str) -> Result<(), WriteError> {
        let middle = name.middle.as_deref().unwrap_or("");
        self.seg("NM1", &[entity, "1", &name.last, &name.first, middle, "", "", qualifier, id])
    }

    fn provider(&mut self, entity: &str, p: &RenderingProvider) -> Result<(), WriteError> {
        self.seg("NM1", &[entity, "1", &p.last, &p.first, "", "", "", "XX", &p.npi])?;
        self.seg("PRV", &["PE", "PXC", &p.taxonomy])
    }

    /// A provider named by NPI without a taxonomy: supervising (DQ), ordering (DK).
    fn named(&mut self, entity: &str, p: &crate::encounter::NamedProvider) -> Result<(), WriteError> {
        let first = p.first.as_deref().unwrap_or("");
        self.seg("NM1", &[entity, "1", &p.last, first, "", "", "", "XX", &p.npi])
    }

    fn claim(&mut self, claim: &Claim) -> Result<(), WriteError> {
        let e = &claim.encounter;
        let coverage = &claim.coverage;
        let self_insured = claim.patient_is_subscriber();
        // 2000B subscriber: the billed coverage's own insured, group and insurance type.
        self.hl += 1;
        let subscriber_hl = self.hl.to_string();
        self.seg("HL", &[&subscriber_hl, "1", "22", if self_insured { "0" } else { "1" }])?;
        let group = coverage.group_number.as_deref().unwrap_or("");
        let sbr02 = if self_insured { "18" } else { "" };
        let sbr05 = match claim.responsibility {
            super::Responsibility::Primary => "",
            _ => coverage.insurance_type.as_deref().filter(|t| is_medicare_secondary_type(t)).unwrap_or(""),
        };
        let filing = claim.payer.claim_filing_indicator.as_str();
        self.seg("SBR", &[claim.responsibility.code(), sbr02, group, "", sbr05, "", "", "", filing])?;
        self.person("IL", &coverage.subscriber.name, "MI", &claim.member_id)?;
        if let Some(a) = &coverage.subscriber.address {
            self.address(a)?;
        }
        if self_insured && let Some(dob) = coverage.subscriber.dob {
            self.seg("DMG", &["D8", &crate::dates::d8(dob), coverage.subscriber.sex.code()])?;
        }
        // 2010BB payer.
        self.seg("NM1", &["PR", "2", &claim.payer.name, "", "", "", "", "PI", &claim.payer.id])?;
        if !self_insured {
            // 2000C patient.
            self.hl += 1;
            let hl = self.hl.to_string();
            self.seg("HL", &[&hl, &subscriber_hl, "23", "0"])?;
            self.seg("PAT", &[coverage.relationship.x12_code()])?;
            let p = &e.patient;
            let middle = p.name.middle.as_deref().unwrap_or("");
            self.seg("NM1", &["QC", "1", &p.name.last, &p.name.first, middle])?;
            if let Some(a) = &p.address {
                self.address(a)?;
            }
            if let Some(dob) = p.dob {
                self.seg("DMG", &["D8", &crate::dates::d8(dob), p.sex.code()])?;
            }
        }
        self.claim_information(claim)?;
        for (index, line) in e.lines.iter().enumerate() {
            self.service_line(claim, index, line)?;
        }
        Ok(())
    }

    fn claim_information(&mut self, claim: &Claim) -> Result<(), WriteError> {
        let e = &claim.encounter;
        let charge = x12_decimal(claim.total_charge());
        self.w.segment_elements(
            "CLM",
            &[
                claim.pcn.as_str().into(),
                charge.into(),
                "".into(),
                "".into(),
                Element::Composite(vec![&e.place_of_service, "B", claim.frequency.code()]),
                "Y".into(),
                "A".into(),
                "Y".into(),
                "Y".into(),
            ],
        )?;
        if let Some(onset) = e.onset_date {
            self.seg("DTP", &["431", "D8", &crate::dates::d8(onset)])?;
        }
        if let Some(auth) = &e.prior_authorization {
            self.seg("REF", &["G1", auth])?;
        }
        if let Some(original) = &claim.original_claim_number {
            self.seg("REF", &["F8", original])?;
        }
        if let Some(clia) = &claim.clia {
            self.seg("REF", &["X4", clia])?;
        }
        let codes: Vec<String> = e.diagnoses.iter().map(|d| d.code().to_string()).collect();
        let hi: Vec<Element<'_>> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| Element::Composite(vec![if i == 0 { "ABK" } else { "ABF" }, c.as_str()]))
            .collect();
        self.w.segment_elements("HI", &hi)?;
        if let Some(r) = &e.referring {
            let first = r.first.as_deref().unwrap_or("");
            self.seg("NM1", &["DN", "1", &r.last, first, "", "", "", "XX", &r.npi])?;
        }
        if let Some(r) = &claim.rendering {
            self.provider("82", r)?;
        }
        if let Some(f) = &claim.facility {
            let (qualifier, npi) = match f.npi.as_deref() {
                Some(npi) => ("XX", npi),
                None => ("", ""),
            };
            self.seg("NM1", &["77", "2", &f.name, "", "", "", "", qualifier, npi])?;
            self.address(&f.address)?;
        }
        if let Some(s) = &e.supervising {
            self.named("DQ", s)?;
        }
        for other in &claim.other_payers {
            // 2320: another coverage of the patient; with the payer's adjudication when it paid
            // before this one.
            let c = &other.coverage;
            let group = c.group_number.as_deref().unwrap_or("");
            let relationship = c.relationship.x12_code();
            let order = c.order.code();
            self.seg("SBR", &[order, relationship, group, "", "", "", "", "", &other.claim_filing_indicator])?;
            if let Some(adjudication) = &other.adjudication {
                self.cas(&adjudication.claim_adjustments)?;
                self.seg("AMT", &["D", &x12_decimal(adjudication.paid)])?;
            }
            self.seg("OI", &["", "", "Y", "P", "", "Y"])?;
            // 2330A other subscriber, 2330B other payer.
            self.person("IL", &c.subscriber.name, "MI", &c.member_id)?;
            if let Some(a) = &c.subscriber.address {
                self.address(a)?;
            }
            self.seg("NM1", &["PR", "2", &other.payer_name, "", "", "", "", "PI", &other.payer_id])?;
            if let Some(number) = other.adjudication.as_ref().and_then(|a| a.payer_claim_number.as_ref()) {
                self.seg("REF", &["F8", number])?;
            }
        }
        Ok(())
    }

    fn cas(&mut self, adjustments: &[super::Adjustment]) -> Result<(), WriteError> {
        for (group, list) in cas_segments(adjustments) {
            let amounts: Vec<String> = list.iter().map(|a| x12_decimal(a.amount)).collect();
            let mut elements: Vec<&str> = vec![group];
            for (a, amount) in list.iter().zip(&amounts) {
                elements.extend([a.reason.as_str(), amount.as_str(), ""]);
            }
            self.seg("CAS", &elements)?;
        }
        Ok(())
    }

    fn service_line(
        &mut self,
        claim: &Claim,
        index: usize,
        line: &crate::encounter::ServiceLine,
    ) -> Result<(), WriteError> {
        let e = &claim.encounter;
        self.seg("LX", &[&(index + 1).to_string()])?;
        let mut procedure: Vec<&str> = vec!["HC", &line.procedure.code];
        procedure.extend(line.procedure.modifiers.iter().map(String::as_str));
        let mut sv101 = procedure.clone();
        if let Some(description) = line.description.as_deref() {
            // SV101-7 follows the four modifier positions, empty or not.
            sv101.resize(6, "");
            sv101.push(description);
        }
        let pointers: Vec<String> = line.diagnosis_pointers.iter().map(u8::to_string).collect();
        let pos = line.place_of_service.as_deref().filter(|p| *p != e.place_of_service).unwrap_or("");
        self.w.segment_elements(
            "SV1",
            &[
                Element::Composite(sv101),
                x12_decimal(line.charge).into(),
                line.unit_type.code().into(),
                x12_decimal(line.units).into(),
                pos.into(),
                "".into(),
                Element::Composite(pointers.iter().map(String::as_str).collect()),
            ],
        )?;
        let from = crate::dates::d8(line.date_of_service);
        match line.date_of_service_to.filter(|to| *to != line.date_of_service) {
            Some(to) => self.seg("DTP", &["472", "RD8", &format!("{from}-{}", crate::dates::d8(to))])?,
            None => self.seg("DTP", &["472", "D8", &from])?,
        }
        self.seg("REF", &["6R", &claim.line_control_number(line)])?;
        if let Some(drug) = &line.drug {
            self.seg("LIN", &["", "N4", &drug.ndc])?;
            self.seg("CTP", &["", "", "", &x12_decimal(drug.quantity), &drug.unit])?;
        }
        if let Some((_, provider)) = claim.line_rendering.iter().find(|(n, _)| *n == line.number) {
            self.provider("82", provider)?;
        }
        if let Some(s) = &line.supervising {
            self.named("DQ", s)?;
        }
        if let Some(o) = &line.ordering {
            self.named("DK", o)?;
        }
        for (other, adjudication) in claim.prior_payers() {
            let Some(adj) = adjudication.line(line.number) else { continue };
            self.w.segment_elements(
                "SVD",
                &[
                    other.payer_id.as_str().into(),
                    x12_decimal(adj.paid).into(),
                    Element::Composite(procedure.clone()),
                    "".into(),
                    x12_decimal(line.units).into(),
                ],
            )?;
            self.cas(&adj.adjustments)?;
            self.seg("DTP", &["573", "D8", &crate::dates::d8(adj.adjudication_date)])?;
        }
        Ok(())
    }
}

/// Insurance type codes (SBR05) that say why Medicare pays second: 12 working aged, 13 ESRD, 14
/// no-fault, 15 workers' compensation, 16 public health service, 41 black lung, 42 veterans, 43
/// disabled with a large group plan, 47 other liability. Only these are valid in 2000B SBR05.
pub fn is_medicare_secondary_type(code: &str) -> bool {
    matches!(code, "12" | "13" | "14" | "15" | "16" | "41" | "42" | "43" | "47")
}

/// Writes `claims` as one 837P interchange to `out` (one ISA/GS; a new ST every
/// [`CLAIMS_PER_TRANSACTION`] claims), returning the ST02 of each claim in order and the totals.
pub fn write_837p<W: Write>(
    practice: &Practice,
    receiver: &Receiver,
    claims: &[Claim],
    numbers: &ControlNumbers,
    at: NaiveDateTime,
    out: W,
) -> Result<(W, Vec<String>, BatchStats), WriteError> {
    let mut writer = Batch837Writer::new(out, practice, receiver, numbers, at)?;
    let mut st02s = Vec::with_capacity(claims.len());
    for claim in claims {
        st02s.push(writer.add(claim)?);
    }
    let (out, stats) = writer.finish()?;
    Ok((out, st02s, stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claim837::ClaimRequest;
    use crate::encounter::Encounter;

    fn practice() -> Practice {
        toml::from_str(include_str!("../../tests/fixtures/claim837/practice.toml")).unwrap()
    }

    fn encounters() -> Vec<Encounter> {
        serde_json::from_str(include_str!("../../tests/fixtures/claim837/encounters.json")).unwrap()
    }

    fn write(claims: &[Claim]) -> String {
        let practice = practice();
        let receiver = practice.receiver("CLEARINGHOUSE").unwrap().clone();
        let numbers = ControlNumbers { interchange: 7, group: 8, transactions: vec!["0009".into()] };
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap().and_hms_opt(9, 30, 0).unwrap();
        let (bytes, _, _) = write_837p(&practice, &receiver, claims, &numbers, at, Vec::new()).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn each_claim_gets_its_subscriber_hl_and_a_patient_hl_only_for_dependents() {
        let practice = practice();
        let claims: Vec<Claim> =
            encounters().iter().map(|e| Claim::plan(e, &practice, &ClaimRequest::default()).unwrap()).collect();
        let text = write(&claims);
        let hls: Vec<&str> = text.lines().filter(|l| l.starts_with("HL*")).collect();
        assert_eq!(hls, ["HL*1**20*1~", "HL*2*1*22*0~", "HL*3*1*22*1~", "HL*4*3*23*0~", "HL*5*1*22*0~"]);
        assert!(text.contains("BHT*0019*00*0000000070009*20261125*0930*CH~"));
        assert!(text.contains("PER*IC*Billing Office*TE*2175550100*EM*billing@example.org~"));
        assert!(text.contains("REF*EI*123456789~"));
        // Medicare self-insured subscriber: DMG in 2010BA; the dependent's DMG is in 2010CA only.
        assert_eq!(text.matches("DMG*").count(), 3);
        assert!(text.contains("SE*"));
        assert!(text.ends_with("GE*1*8~\nIEA*1*000000007~\n"));
    }

    #[test]
    fn the_claim_rendering_provider_is_left_out_when_it_is_the_billing_provider() {
        let practice = practice();
        let mut e = encounters().remove(0);
        e.rendering_npi = Some(practice.billing_provider.npi.clone());
        e.lines[1].rendering_npi = Some(practice.billing_provider.npi.clone());
        let claim = Claim::plan(&e, &practice, &ClaimRequest::default()).unwrap();
        assert!(claim.rendering.is_none() && claim.line_rendering.is_empty());
        let text = write(&[claim]);
        assert!(!text.contains("NM1*82"));
    }

    #[test]
    fn a_facility_at_the_billing_address_is_not_written() {
        let practice = practice();
        let mut e = encounters().remove(1);
        if let Some(f) = e.facility.as_mut() {
            f.address = practice.billing_provider.address.clone();
        }
        let claim = Claim::plan(&e, &practice, &ClaimRequest::default()).unwrap();
        assert!(!write(&[claim]).contains("NM1*77"));
    }

    #[test]
    fn separators_in_patient_data_refuse_the_claim_before_anything_is_written() {
        let mut e = encounters().remove(0);
        e.patient.name.last = "O*Brien".into();
        e.subscriber.name.last = "O*Brien".into();
        let err = Claim::plan(&e, &practice(), &ClaimRequest::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "encounter E1001: patient name contains an X12 separator (* ^ : ~) or a control character"
        );
    }
}
