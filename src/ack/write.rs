//! Writing 999 and 277CA through [`X12Writer`] (the payer simulator answers our 837s with them).

use std::io::Write;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{ClaimAckTransaction, GroupAck, Party, StatusCode, StatusInfo};
use crate::dates::d8;
use crate::x12::{Element, GroupHeader, InterchangeHeader, WriteError, X12Writer};

/// The envelope of an acknowledgment file we write: sender is the clearinghouse or payer.
#[derive(Debug, Clone, PartialEq)]
pub struct AckEnvelope {
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    pub date: NaiveDate,
    /// HHMM.
    pub time: String,
    pub isa13: u64,
    pub gs06: u64,
    /// `T` or `P`.
    pub usage: char,
}

impl AckEnvelope {
    fn begin<W: Write>(&self, w: &mut X12Writer<W>, functional_id: &str, version: &str) -> Result<(), WriteError> {
        w.begin_interchange(&InterchangeHeader::new(
            &self.sender_qualifier,
            &self.sender_id,
            &self.receiver_qualifier,
            &self.receiver_id,
            &self.date.format("%y%m%d").to_string(),
            &self.time,
            self.isa13,
            self.usage,
        ))?;
        w.begin_group(&GroupHeader::new(
            functional_id,
            &self.sender_id,
            &self.receiver_id,
            &self.date.format("%Y%m%d").to_string(),
            &self.time,
            self.gs06,
            version,
        ))
    }
}

/// Money as X12 writes it: at most two decimals, no trailing zeros (`143`, `12.5`).
pub fn money_text(d: Decimal) -> String {
    crate::x12::x12_decimal(d.round_dp(2))
}

/// Writes a 999 interchange: one `ST*999` per acknowledged functional group.
pub fn write_999<W: Write>(out: W, envelope: &AckEnvelope, groups: &[GroupAck]) -> Result<W, WriteError> {
    let mut w = X12Writer::new(out).line_breaks(true);
    envelope.begin(&mut w, "FA", "005010X231A1")?;
    for (i, g) in groups.iter().enumerate() {
        let st02 = format!("{:04}", i + 1);
        w.begin_transaction("999", &st02, "005010X231A1")?;
        w.segment("AK1", &[&g.functional_id, &g.group_control_number, g.version.as_deref().unwrap_or("")])?;
        for set in &g.sets {
            w.segment("AK2", &[&set.transaction_id, &set.control_number, set.implementation.as_deref().unwrap_or("")])?;
            for e in &set.segment_errors {
                let position = e.segment_position.to_string();
                w.segment("IK3", &[&e.segment_id, &position, e.loop_id.as_deref().unwrap_or(""), &e.code])?;
                for el in &e.elements {
                    let position = el.position.to_string();
                    let component = el.component.map(|c| c.to_string()).unwrap_or_default();
                    let repetition = el.repetition.map(|c| c.to_string()).unwrap_or_default();
                    w.segment_elements(
                        "IK4",
                        &[
                            Element::Composite(vec![&position, &component, &repetition]),
                            el.data_element.as_deref().unwrap_or("").into(),
                            el.code.as_str().into(),
                            el.bad_value.as_deref().unwrap_or("").into(),
                        ],
                    )?;
                }
            }
            let mut ik5: Vec<&str> = vec![set.code.code()];
            ik5.extend(set.error_codes.iter().take(5).map(String::as_str));
            w.segment("IK5", &ik5)?;
        }
        let (inc, rec, acc) = (g.sets_included.to_string(), g.sets_received.to_string(), g.sets_accepted.to_string());
        let mut ak9: Vec<&str> = vec![g.code.code(), &inc, &rec, &acc];
        ak9.extend(g.error_codes.iter().take(5).map(String::as_str));
        w.segment("AK9", &ak9)?;
        w.end_transaction()?;
    }
    w.end_group()?;
    w.end_interchange()
}

fn nm1<W: Write>(w: &mut X12Writer<W>, p: &Party, person: bool) -> Result<(), WriteError> {
    let kind = if person { "1" } else { "2" };
    w.segment("NM1", &[&p.entity, kind, &p.name, &p.first_name, "", "", "", &p.id_qualifier, &p.id])
}

fn stc<W: Write>(w: &mut X12Writer<W>, s: &StatusInfo) -> Result<(), WriteError> {
    fn composite(c: Option<&StatusCode>) -> Element<'_> {
        match c {
            Some(c) => Element::Composite(vec![&c.category, &c.status, c.entity.as_deref().unwrap_or("")]),
            None => Element::Text(""),
        }
    }
    let date = s.date.map(|d| d8(d).to_string()).unwrap_or_default();
    let amount = s.amount.map(money_text).unwrap_or_default();
    w.segment_elements(
        "STC",
        &[
            composite(s.codes.first()),
            Element::Owned(date),
            s.action.as_deref().unwrap_or("").into(),
            Element::Owned(amount),
            "".into(),
            "".into(),
            "".into(),
            "".into(),
            "".into(),
            composite(s.codes.get(1)),
            composite(s.codes.get(2)),
            s.message.as_deref().unwrap_or("").into(),
        ],
    )
}

fn dtp_472<W: Write>(w: &mut X12Writer<W>, dates: Option<(NaiveDate, NaiveDate)>) -> Result<(), WriteError> {
    match dates {
        Some((a, b)) if a == b => w.segment("DTP", &["472", "D8", &d8(a)]),
        Some((a, b)) => w.segment("DTP", &["472", "RD8", &format!("{}-{}", d8(a), d8(b))]),
        None => Ok(()),
    }
}

/// Writes a 277CA (005010X214) one transaction set at a time, so a large answer never has to be
/// held whole in memory.
pub struct ClaimAckWriter<W: Write> {
    w: X12Writer<W>,
    date: NaiveDate,
    time: String,
    sets: u64,
}

impl<W: Write> ClaimAckWriter<W> {
    /// Writes the ISA and GS headers.
    pub fn begin(out: W, envelope: &AckEnvelope) -> Result<Self, WriteError> {
        let mut w = X12Writer::new(out).line_breaks(true);
        envelope.begin(&mut w, "HN", "005010X214")?;
        Ok(ClaimAckWriter { w, date: envelope.date, time: envelope.time.clone(), sets: 0 })
    }

    /// Writes one `ST*277` ... `SE` transaction set.
    pub fn transaction(&mut self, t: &ClaimAckTransaction) -> Result<(), WriteError> {
        self.sets += 1;
        let st02 = format!("{:04}", self.sets);
        self.w.begin_transaction("277", &st02, "005010X214")?;
        let date = t.date.unwrap_or(self.date);
        self.w.segment("BHT", &["0085", "08", &t.reference, &d8(date), &self.time, "TH"])?;
        self.w.segment("HL", &["1", "", "20", "1"])?;
        nm1(&mut self.w, &t.payer, false)?;
        self.w.segment("TRN", &["1", t.payer_trace.as_deref().unwrap_or(&t.reference)])?;
        self.w.segment("DTP", &["050", "D8", &d8(t.received.unwrap_or(date))])?;
        self.w.segment("DTP", &["009", "D8", &d8(t.processed.unwrap_or(date))])?;
        self.w.segment("HL", &["2", "1", "21", "1"])?;
        nm1(&mut self.w, &t.receiver, false)?;
        self.w.segment("TRN", &["2", t.receiver_trace.as_deref().unwrap_or(&t.reference)])?;
        for s in &t.receiver_statuses {
            stc(&mut self.w, s)?;
        }
        for (q, v) in [("90", t.accepted_quantity), ("AA", t.rejected_quantity)] {
            if let Some(v) = v {
                self.w.segment("QTY", &[q, &v.normalize().to_string()])?;
            }
        }
        for (q, v) in [("YU", t.accepted_amount), ("YY", t.rejected_amount)] {
            if let Some(v) = v {
                self.w.segment("AMT", &[q, &money_text(v)])?;
            }
        }
        let mut hl = 2u64;
        for p in &t.providers {
            hl += 1;
            let provider_hl = hl.to_string();
            self.w.segment("HL", &[&provider_hl, "2", "19", if p.claims.is_empty() { "0" } else { "1" }])?;
            nm1(&mut self.w, &p.provider, false)?;
            self.w.segment("TRN", &["1", p.trace.as_deref().unwrap_or("0")])?;
            for s in &p.statuses {
                stc(&mut self.w, s)?;
            }
            for c in &p.claims {
                hl += 1;
                self.w.segment("HL", &[&hl.to_string(), &provider_hl, "PT"])?;
                nm1(&mut self.w, &c.patient, true)?;
                self.w.segment("TRN", &["2", &c.pcn])?;
                for s in &c.statuses {
                    stc(&mut self.w, s)?;
                }
                if let Some(n) = &c.payer_claim_number {
                    self.w.segment("REF", &["1K", n])?;
                }
                if let Some(n) = &c.clearinghouse_trace {
                    self.w.segment("REF", &["D9", n])?;
                }
                dtp_472(&mut self.w, c.service_dates)?;
                for line in &c.lines {
                    let mut svc01: Vec<&str> = vec![&line.qualifier, &line.procedure_code];
                    svc01.extend(line.modifiers.iter().map(String::as_str));
                    let charge = line.charge.map(money_text).unwrap_or_default();
                    let units = line.units.map(|u| u.normalize().to_string()).unwrap_or_default();
                    self.w.segment_elements(
                        "SVC",
                        &[
                            Element::Composite(svc01),
                            Element::Owned(charge),
                            "".into(),
                            "".into(),
                            "".into(),
                            "".into(),
                            Element::Owned(units),
                        ],
                    )?;
                    for s in &line.statuses {
                        stc(&mut self.w, s)?;
                    }
                    if let Some(n) = &line.line_control_number {
                        self.w.segment("REF", &["FJ", n])?;
                    }
                    dtp_472(&mut self.w, line.service_dates)?;
                }
            }
        }
        self.w.end_transaction()
    }

    /// Writes the GE and IEA trailers and hands back the output.
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.w.end_group()?;
        self.w.end_interchange()
    }
}

/// Writes a 277CA (005010X214) interchange: one `ST*277` per transaction.
pub fn write_277ca<W: Write>(
    out: W,
    envelope: &AckEnvelope,
    transactions: &[ClaimAckTransaction],
) -> Result<W, WriteError> {
    let mut w = ClaimAckWriter::begin(out, envelope)?;
    for t in transactions {
        w.transaction(t)?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ack::{
        AckCode, AckEnvelopeIds, ClaimStatus, ElementError, ProviderStatus, SegmentError, SetAck, read_acknowledgments,
    };
    use crate::x12::Position;

    fn envelope() -> AckEnvelope {
        AckEnvelope {
            sender_qualifier: "ZZ".into(),
            sender_id: "CLEARHOUSE01".into(),
            receiver_qualifier: "ZZ".into(),
            receiver_id: "MAPLEFM001".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
            time: "0800".into(),
            isa13: 7,
            gs06: 7,
            usage: 'T',
        }
    }

    fn ids(st02: &str) -> AckEnvelopeIds {
        AckEnvelopeIds {
            sender_id: "CLEARHOUSE01".into(),
            receiver_id: "MAPLEFM001".into(),
            isa13: "000000007".into(),
            gs06: "7".into(),
            st02: st02.into(),
        }
    }

    #[test]
    fn a_written_999_reads_back_the_same() {
        let group = GroupAck {
            envelope: ids("0001"),
            functional_id: "HC".into(),
            group_control_number: "101".into(),
            version: Some("005010X222A1".into()),
            sets: vec![SetAck {
                transaction_id: "837".into(),
                control_number: "0001".into(),
                implementation: Some("005010X222A1".into()),
                segment_errors: vec![SegmentError {
                    segment_id: "NM1".into(),
                    segment_position: 17,
                    loop_id: Some("2010BA".into()),
                    code: "8".into(),
                    context: Vec::new(),
                    elements: vec![ElementError {
                        position: 9,
                        component: None,
                        repetition: None,
                        data_element: Some("67".into()),
                        code: "6".into(),
                        bad_value: Some("X?".into()),
                    }],
                }],
                code: AckCode::Rejected,
                error_codes: vec!["5".into()],
                position: Position { segment: 5, offset: 0 },
            }],
            code: AckCode::Rejected,
            sets_included: 1,
            sets_received: 1,
            sets_accepted: 0,
            error_codes: Vec::new(),
            position: Position { segment: 4, offset: 0 },
        };
        let bytes = write_999(Vec::new(), &envelope(), std::slice::from_ref(&group)).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("IK4*9*67*6*X?~\nIK5*R*5~\nAK9*R*1*1*0~\nSE*8*0001~"), "{text}");
        let back = read_acknowledgments(&bytes[..]).unwrap();
        let mut read = back.group_acks[0].clone();
        // Positions are where the reader found the segments.
        read.position = group.position;
        read.sets[0].position = group.sets[0].position;
        assert_eq!(read, group);
        assert!(back.envelope_findings.is_empty());
    }

    #[test]
    fn a_written_277ca_reads_back_the_same() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let status = |c: &str, s: &str, e: Option<&str>, action: &str| StatusInfo {
            codes: vec![StatusCode { category: c.into(), status: s.into(), entity: e.map(Into::into) }],
            date: Some(date),
            action: Some(action.into()),
            amount: Some(Decimal::new(14300, 2)),
            message: None,
        };
        let party = |entity: &str, name: &str, q: &str, id: &str| Party {
            entity: entity.into(),
            name: name.into(),
            first_name: String::new(),
            id_qualifier: q.into(),
            id: id.into(),
        };
        let t = ClaimAckTransaction {
            envelope: ids("0001"),
            implementation: "005010X214".into(),
            reference: "B101".into(),
            date: Some(date),
            payer: party("PR", "PAYER", "PI", "MCRB1"),
            payer_trace: Some("T1".into()),
            received: Some(date),
            processed: Some(date),
            receiver: party("41", "MAPLE", "46", "MAPLEFM001"),
            receiver_trace: Some("101".into()),
            receiver_statuses: vec![status("A1", "19", Some("PR"), "WQ")],
            accepted_quantity: Some(Decimal::ONE),
            rejected_quantity: Some(Decimal::ZERO),
            accepted_amount: Some(Decimal::new(14300, 2)),
            rejected_amount: Some(Decimal::ZERO),
            providers: vec![provider(vec![ClaimStatus {
                pcn: "CK1".into(),
                patient: party("QC", "DOE", "MI", "M1"),
                statuses: vec![status("A7", "562", Some("85"), "U")],
                payer_claim_number: Some("P1".into()),
                clearinghouse_trace: Some("D9X".into()),
                bill_type: None,
                service_dates: Some((date, date)),
                lines: Vec::new(),
                position: Position::default(),
            }])],
            position: Position::default(),
        };
        let bytes = write_277ca(Vec::new(), &envelope(), std::slice::from_ref(&t)).unwrap();
        let back = read_acknowledgments(&bytes[..]).unwrap();
        assert!(back.envelope_findings.is_empty());
        let mut read = back.claim_acks[0].clone();
        read.position = t.position;
        read.providers[0].claims[0].position = Position::default();
        assert_eq!(read, t);
    }

    fn provider(claims: Vec<ClaimStatus>) -> ProviderStatus {
        ProviderStatus {
            provider: Party {
                entity: "85".into(),
                name: "MAPLE".into(),
                first_name: String::new(),
                id_qualifier: "XX".into(),
                id: "1234567893".into(),
            },
            trace: Some("0".into()),
            statuses: Vec::new(),
            claims,
        }
    }
}
