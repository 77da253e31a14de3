//! Streaming 835 reader: one [`RemitEvent::Claim`] per `CLP` loop, so memory stays flat however
//! many claims a payment carries. Balancing is checked as claims go by and reported with the
//! transaction's [`RemitEvent::Trailer`].

use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::RemitError;
use super::model::*;
use crate::x12::{Position, Segment, SegmentReader};

/// What the reader hands over, in file order, for each 835 transaction set.
#[derive(Debug)]
pub enum RemitEvent<'a> {
    /// Payment, trace, payer and payee: before the first claim.
    Header(&'a RemittanceHeader),
    /// One claim with its service lines.
    Claim(&'a ClaimPayment),
    /// End of the transaction set (`SE`): provider adjustments and every finding of the set.
    Trailer(&'a RemittanceTrailer),
}

/// The end of one 835 transaction set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemittanceTrailer {
    pub provider_adjustments: Vec<ProviderAdjustment>,
    pub claim_count: u64,
    /// ΣCLP04
    pub claims_paid: Decimal,
    /// All findings of the transaction set (file, transaction, claim and line levels).
    pub findings: Vec<Finding>,
}

impl RemittanceTrailer {
    pub fn balanced(&self) -> bool {
        !self.findings.iter().any(Finding::is_unbalanced)
    }
}

/// Counts for a whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadSummary {
    pub transactions: u64,
    pub claims: u64,
    pub segments: u64,
    /// Transaction sets of other types (not 835) that were skipped.
    pub other_transactions: u64,
}

/// Reads every 835 transaction set in `input` (several ISA/GS/ST allowed), calling `on` for each
/// header, claim and trailer. `file` names the input in errors. Stops at the first error `on` returns.
pub fn read_835<R: Read>(
    file: &Path,
    input: R,
    mut on: impl FnMut(RemitEvent<'_>) -> Result<(), RemitError>,
) -> Result<ReadSummary, RemitError> {
    let mut reader = SegmentReader::new(input);
    let mut st = State::default();
    let mut summary = ReadSummary::default();
    loop {
        let seg = match reader.next_segment() {
            Ok(Some(seg)) => seg,
            Ok(None) => break,
            Err(source) => return Err(RemitError::Syntax { file: file.to_path_buf(), source }),
        };
        st.segment(file, &seg, &mut summary, &mut on)?;
    }
    summary.segments = reader.segments_read();
    if st.mode != Mode::Outside {
        return Err(RemitError::Structure {
            file: file.to_path_buf(),
            at: Position { segment: reader.segments_read(), offset: reader.bytes_read() },
            problem: "the file ends inside a transaction set (no SE)".into(),
        });
    }
    if summary.transactions == 0 {
        return Err(RemitError::No835 { file: file.to_path_buf() });
    }
    Ok(summary)
}

/// Reads a whole file into [`Remittance`]s (for small files and tests; use [`read_835`] to stream).
pub fn read_remittances<R: Read>(file: &Path, input: R) -> Result<Vec<Remittance>, RemitError> {
    let mut out: Vec<Remittance> = Vec::new();
    read_835(file, input, |event| {
        match event {
            RemitEvent::Header(h) => out.push(Remittance { header: h.clone(), ..Remittance::default() }),
            RemitEvent::Claim(c) => {
                if let Some(r) = out.last_mut() {
                    r.claims.push(c.clone());
                }
            }
            RemitEvent::Trailer(t) => {
                if let Some(r) = out.last_mut() {
                    r.provider_adjustments = t.provider_adjustments.clone();
                    r.findings = t.findings.clone();
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Mode {
    #[default]
    Outside,
    /// Inside an ST that is not an 835.
    Other,
    /// Before the first LX/CLP.
    Header,
    Detail,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum HeaderLoop {
    #[default]
    Top,
    Payer,
    Payee,
}

#[derive(Default)]
struct State {
    mode: Mode,
    isa13: String,
    isa06: String,
    isa08: String,
    gs06: String,
    gs08: String,
    header: RemittanceHeader,
    header_loop: HeaderLoop,
    header_sent: bool,
    claim: Option<ClaimPayment>,
    /// CLP01 of the open claim, for findings raised while it is being read.
    current_pcn: Option<String>,
    trailer: RemittanceTrailer,
    bpr_at: Position,
}

fn text(seg: &Segment<'_>, n: usize) -> String {
    seg.text(n).trim().to_string()
}

fn opt(seg: &Segment<'_>, n: usize) -> Option<String> {
    let t = seg.text(n);
    let t = t.trim();
    if t.is_empty() { None } else { Some(t.to_string()) }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y%m%d").ok()
}

fn parse_decimal(s: &str) -> Option<Decimal> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    Decimal::from_str(s).ok().or_else(|| {
        // X12 R type allows a leading '.' or '-.'.
        let fixed = if let Some(rest) = s.strip_prefix("-.") {
            format!("-0.{rest}")
        } else if let Some(rest) = s.strip_prefix('.') {
            format!("0.{rest}")
        } else {
            return None;
        };
        Decimal::from_str(&fixed).ok()
    })
}

impl State {
    fn finding(
        &mut self,
        level: FindingLevel,
        code: &'static str,
        at: Position,
        message: String,
        pcn: Option<String>,
        line: Option<u32>,
    ) {
        self.trailer.findings.push(Finding {
            level,
            code,
            trace: self.header.trace.number.clone(),
            pcn,
            line,
            expected: None,
            actual: None,
            message,
            at,
        });
    }

    /// A money element: required ones that are missing or not numbers become findings and zero.
    fn amount(&mut self, seg: &Segment<'_>, n: usize, required: bool) -> Option<Decimal> {
        let t = seg.text(n);
        let t = t.trim();
        if t.is_empty() {
            if required {
                let pcn = self.current_pcn.clone();
                self.finding(
                    FindingLevel::File,
                    "AMOUNT-MISSING",
                    seg.position(),
                    format!("{}{n:02} is required and missing; read as 0", seg.id()),
                    pcn,
                    None,
                );
                return Some(Decimal::ZERO);
            }
            return None;
        }
        match parse_decimal(t) {
            Some(d) => Some(d),
            None => {
                let pcn = self.current_pcn.clone();
                self.finding(
                    FindingLevel::File,
                    "AMOUNT-INVALID",
                    seg.position(),
                    format!("{}{n:02} is not a number; read as 0", seg.id()),
                    pcn,
                    None,
                );
                Some(Decimal::ZERO)
            }
        }
    }

    fn date(&mut self, seg: &Segment<'_>, n: usize) -> Option<NaiveDate> {
        let t = seg.text(n);
        let t = t.trim();
        if t.is_empty() {
            return None;
        }
        let d = parse_date(t);
        if d.is_none() {
            let pcn = self.current_pcn.clone();
            self.finding(
                FindingLevel::File,
                "DATE-INVALID",
                seg.position(),
                format!("{}{n:02} is not a valid CCYYMMDD date", seg.id()),
                pcn,
                None,
            );
        }
        d
    }

    fn structure(file: &Path, seg: &Segment<'_>, problem: impl Into<String>) -> RemitError {
        RemitError::Structure { file: file.to_path_buf(), at: seg.position(), problem: problem.into() }
    }

    fn segment(
        &mut self,
        file: &Path,
        seg: &Segment<'_>,
        summary: &mut ReadSummary,
        on: &mut impl FnMut(RemitEvent<'_>) -> Result<(), RemitError>,
    ) -> Result<(), RemitError> {
        let id = seg.id();
        match id {
            "ISA" => {
                self.isa06 = seg.trimmed(6);
                self.isa08 = seg.trimmed(8);
                self.isa13 = seg.trimmed(13);
                return Ok(());
            }
            "GS" => {
                self.gs06 = seg.trimmed(6);
                self.gs08 = seg.trimmed(8);
                return Ok(());
            }
            "GE" | "IEA" | "TA1" => return Ok(()),
            "ST" => {
                if self.mode != Mode::Outside {
                    return Err(Self::structure(file, seg, "ST inside an open transaction set (missing SE)"));
                }
                if seg.trimmed(1) != "835" {
                    self.mode = Mode::Other;
                    summary.other_transactions += 1;
                    return Ok(());
                }
                self.mode = Mode::Header;
                self.header = RemittanceHeader {
                    envelope: EnvelopeIds {
                        interchange_control: self.isa13.clone(),
                        sender_id: self.isa06.clone(),
                        receiver_id: self.isa08.clone(),
                        group_control: self.gs06.clone(),
                        version: self.gs08.clone(),
                        transaction_control: seg.trimmed(2),
                    },
                    position: seg.position(),
                    ..RemittanceHeader::default()
                };
                self.header_loop = HeaderLoop::Top;
                self.header_sent = false;
                self.claim = None;
                self.trailer = RemittanceTrailer::default();
                self.bpr_at = seg.position();
                return Ok(());
            }
            _ => {}
        }
        match self.mode {
            Mode::Outside => {
                return Err(Self::structure(file, seg, format!("segment {id} outside a transaction set")));
            }
            Mode::Other => {
                if id == "SE" {
                    self.mode = Mode::Outside;
                }
                return Ok(());
            }
            Mode::Header | Mode::Detail => {}
        }
        match id {
            "SE" => {
                self.flush_claim(on)?;
                self.send_header(on)?;
                self.balance_transaction(seg.position());
                on(RemitEvent::Trailer(&self.trailer))?;
                summary.transactions += 1;
                summary.claims += self.trailer.claim_count;
                self.mode = Mode::Outside;
            }
            "LX" | "TS3" | "TS2" => {
                self.flush_claim(on)?;
                self.send_header(on)?;
                self.mode = Mode::Detail;
            }
            "CLP" => {
                self.flush_claim(on)?;
                self.send_header(on)?;
                self.mode = Mode::Detail;
                let mut claim = ClaimPayment {
                    pcn: text(seg, 1),
                    status: text(seg, 2),
                    position: seg.position(),
                    ..ClaimPayment::default()
                };
                self.current_pcn = Some(claim.pcn.clone());
                claim.charge = self.amount(seg, 3, true).unwrap_or_default();
                claim.paid = self.amount(seg, 4, true).unwrap_or_default();
                claim.patient_responsibility = self.amount(seg, 5, false).unwrap_or_default();
                claim.filing_indicator = text(seg, 6);
                claim.payer_claim_number = opt(seg, 7);
                claim.facility_type = opt(seg, 8);
                claim.frequency = opt(seg, 9);
                self.claim = Some(claim);
            }
            "PLB" => {
                self.flush_claim(on)?;
                self.send_header(on)?;
                self.mode = Mode::Detail;
                self.plb(seg);
            }
            _ if self.mode == Mode::Header => self.header_segment(seg),
            _ => self.detail_segment(seg),
        }
        Ok(())
    }

    fn header_segment(&mut self, seg: &Segment<'_>) {
        match seg.id() {
            "BPR" => {
                self.bpr_at = seg.position();
                let amount = self.amount(seg, 2, true).unwrap_or_default();
                let p = &mut self.header.payment;
                p.handling = text(seg, 1);
                p.amount = amount;
                p.credit_debit = text(seg, 3);
                p.method = text(seg, 4);
                p.format = opt(seg, 5);
                let bpr16 = text(seg, 16);
                let bpr15 = text(seg, 15);
                if bpr16.is_empty() {
                    if let Some(d) = parse_date(&bpr15) {
                        self.header.payment.date = Some(d);
                        self.finding(
                            FindingLevel::File,
                            "BPR16-MISSING",
                            seg.position(),
                            "BPR16 (payment date) is missing; a date was found in BPR15 (an account number \
                             element) and used as the payment date"
                                .into(),
                            None,
                            None,
                        );
                    } else {
                        self.finding(
                            FindingLevel::File,
                            "BPR16-MISSING",
                            seg.position(),
                            "BPR16 (payment date) is missing".into(),
                            None,
                            None,
                        );
                    }
                } else {
                    self.header.payment.date = parse_date(&bpr16);
                    if self.header.payment.date.is_none() {
                        self.finding(
                            FindingLevel::File,
                            "BPR16-INVALID",
                            seg.position(),
                            "BPR16 (payment date) is not a valid CCYYMMDD date; the payment has no date".into(),
                            None,
                            None,
                        );
                    }
                }
            }
            "TRN" => {
                self.header.trace =
                    Trace { number: text(seg, 2), originator: text(seg, 3), originator_supplemental: opt(seg, 4) };
                // Findings raised before TRN (BPR) belong to this trace too.
                let trace = self.header.trace.number.clone();
                for f in &mut self.trailer.findings {
                    f.trace.clone_from(&trace);
                }
            }
            "DTM" if seg.text(1) == "405" => self.header.production_date = self.date(seg, 2),
            "N1" => {
                let party = Party {
                    entity: text(seg, 1),
                    name: text(seg, 2),
                    id_qualifier: opt(seg, 3),
                    id: opt(seg, 4),
                    ..Party::default()
                };
                match party.entity.as_str() {
                    "PR" => {
                        self.header.payer = party;
                        self.header_loop = HeaderLoop::Payer;
                    }
                    _ => {
                        self.header.payee = party;
                        self.header_loop = HeaderLoop::Payee;
                    }
                }
            }
            "N3" | "N4" | "REF" | "PER" | "RDM" => {
                let party = match self.header_loop {
                    HeaderLoop::Top => {
                        if seg.id() == "REF" {
                            self.header.references.push(Reference { qualifier: text(seg, 1), value: text(seg, 2) });
                        }
                        return;
                    }
                    HeaderLoop::Payer => &mut self.header.payer,
                    HeaderLoop::Payee => &mut self.header.payee,
                };
                match seg.id() {
                    "N3" => {
                        party.street.extend(opt(seg, 1));
                        party.street.extend(opt(seg, 2));
                    }
                    "N4" => {
                        party.city = opt(seg, 1);
                        party.state = opt(seg, 2);
                        party.zip = opt(seg, 3);
                    }
                    "REF" => party.references.push(Reference { qualifier: text(seg, 1), value: text(seg, 2) }),
                    "PER" => party.contacts.push(Contact {
                        function: text(seg, 1),
                        name: opt(seg, 2),
                        numbers: [(3, 4), (5, 6), (7, 8)]
                            .iter()
                            .filter_map(|(q, v)| Some((opt(seg, *q)?, text(seg, *v))))
                            .collect(),
                    }),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn detail_segment(&mut self, seg: &Segment<'_>) {
        let Some(mut claim) = self.claim.take() else {
            // Segments between LX/TS3 and the first CLP, or after PLB: nothing to attach.
            return;
        };
        let in_line = !claim.lines.is_empty();
        match seg.id() {
            "CAS" => {
                let adjustments = self.cas(seg);
                match claim.lines.last_mut() {
                    Some(line) => line.adjustments.extend(adjustments),
                    None => claim.adjustments.extend(adjustments),
                }
            }
            "NM1" => {
                let name = PersonName {
                    entity: text(seg, 1),
                    last: text(seg, 3),
                    first: text(seg, 4),
                    middle: text(seg, 5),
                    id_qualifier: text(seg, 8),
                    id: text(seg, 9),
                };
                match name.entity.as_str() {
                    "QC" => claim.patient = Some(name),
                    "IL" => claim.insured = Some(name),
                    "74" => claim.corrected_patient = Some(name),
                    "82" => claim.rendering_provider = Some(name),
                    _ => claim.other_names.push(name),
                }
            }
            "MIA" => {
                let elements: Vec<String> = (1..=24).map(|n| text(seg, n)).collect();
                let remark_codes = [5, 20, 21, 22, 23].iter().filter_map(|n| opt(seg, *n)).collect();
                claim.inpatient = Some(AdjudicationInfo { elements, remark_codes });
            }
            "MOA" => {
                let elements: Vec<String> = (1..=9).map(|n| text(seg, n)).collect();
                let remark_codes = (3..=7).filter_map(|n| opt(seg, n)).collect();
                claim.outpatient = Some(AdjudicationInfo { elements, remark_codes });
            }
            "SVC" => {
                let line = self.svc(seg, &claim);
                claim.lines.push(line);
            }
            "REF" => {
                let r = Reference { qualifier: text(seg, 1), value: text(seg, 2) };
                match claim.lines.last_mut() {
                    Some(line) if r.qualifier == "6R" => line.line_control_number = Some(r.value),
                    Some(line) => line.references.push(r),
                    None => claim.references.push(r),
                }
            }
            "DTM" => {
                let qualifier = text(seg, 1);
                let date = self.date(seg, 2);
                if let Some(date) = date {
                    match (claim.lines.last_mut(), qualifier.as_str()) {
                        (Some(line), "472" | "150") => line.service_date = Some(date),
                        (Some(line), "151") => line.service_date_to = Some(date),
                        (Some(_), _) => {}
                        (None, "232") => claim.statement_from = Some(date),
                        (None, "233") => claim.statement_to = Some(date),
                        (None, "050") => claim.received = Some(date),
                        (None, _) => claim.dates.push(QualifiedDate { qualifier, date }),
                    }
                }
            }
            "AMT" | "QTY" => {
                let amount = self.amount(seg, 2, true).unwrap_or_default();
                let qa = QualifiedAmount { qualifier: text(seg, 1), amount };
                match (claim.lines.last_mut(), seg.id()) {
                    (Some(line), "AMT") if qa.qualifier == "B6" => line.allowed = Some(qa.amount),
                    (Some(line), "AMT") => line.amounts.push(qa),
                    (Some(line), _) => line.quantities.push(qa),
                    (None, "AMT") => claim.amounts.push(qa),
                    (None, _) => claim.quantities.push(qa),
                }
            }
            "LQ" if in_line => {
                if let Some(line) = claim.lines.last_mut() {
                    let code = text(seg, 2);
                    match seg.text(1).as_ref() {
                        "RX" => line.remark_codes.push(format!("RX:{code}")),
                        _ => line.remark_codes.push(code),
                    }
                }
            }
            _ => {}
        }
        self.claim = Some(claim);
    }

    fn cas(&mut self, seg: &Segment<'_>) -> Vec<ClaimAdjustment> {
        let group = text(seg, 1);
        let mut out = Vec::new();
        for k in 0..6 {
            let base = 2 + k * 3;
            let reason = text(seg, base);
            if reason.is_empty() {
                continue;
            }
            let amount = self.amount(seg, base + 1, true).unwrap_or_default();
            let quantity = self.amount(seg, base + 2, false);
            out.push(ClaimAdjustment { group: group.clone(), reason, amount, quantity });
        }
        out
    }

    /// Splits SVC01/SVC06, noticing a composite written with another separator than ISA16.
    fn procedure(&mut self, seg: &Segment<'_>, n: usize, claim: &ClaimPayment) -> Option<ProcedureId> {
        let raw = seg.text(n);
        if raw.is_empty() {
            return None;
        }
        let declared = seg.separators().component as char;
        let mut parts: Vec<String> = seg.components(n).map(|c| String::from_utf8_lossy(c).trim().to_string()).collect();
        if parts.len() == 1 {
            let foreign = [':', '>', '|', '^', '\\', '!']
                .into_iter()
                .find(|c| *c != declared && raw.contains(*c) && raw.split(*c).next().is_some_and(|q| q.len() == 2));
            if let Some(c) = foreign {
                self.finding(
                    FindingLevel::File,
                    "COMPOSITE-SEPARATOR",
                    seg.position(),
                    format!(
                        "SVC{n:02} separates its components with '{c}' but the interchange declares '{declared}' \
                         (ISA16); read with '{c}'"
                    ),
                    Some(claim.pcn.clone()),
                    Some(claim.lines.len() as u32 + 1),
                );
                parts = raw.split(c).map(|p| p.trim().to_string()).collect();
            }
        }
        let mut it = parts.into_iter();
        let qualifier = it.next().unwrap_or_default();
        let code = it.next().unwrap_or_default();
        let modifiers: Vec<String> = it.take(4).filter(|m| !m.is_empty()).collect();
        Some(ProcedureId { qualifier, code, modifiers })
    }

    fn svc(&mut self, seg: &Segment<'_>, claim: &ClaimPayment) -> ServicePayment {
        let line_no = claim.lines.len() as u32 + 1;
        let procedure = self.procedure(seg, 1, claim).unwrap_or_default();
        if procedure.code.is_empty() {
            self.finding(
                FindingLevel::File,
                "SVC01-NO-CODE",
                seg.position(),
                "SVC01 has no procedure code (SVC01-2); the line cannot be matched by code".into(),
                Some(claim.pcn.clone()),
                Some(line_no),
            );
        }
        let charge = self.amount(seg, 2, true).unwrap_or_default();
        let paid = self.amount(seg, 3, true).unwrap_or_default();
        let units_paid = self.amount(seg, 5, false).unwrap_or(Decimal::ONE);
        let original_procedure = self.procedure(seg, 6, claim);
        let original_units = self.amount(seg, 7, false);
        ServicePayment {
            procedure,
            charge,
            paid,
            revenue_code: opt(seg, 4),
            units_paid,
            original_procedure,
            original_units,
            position: seg.position(),
            ..ServicePayment::default()
        }
    }

    fn plb(&mut self, seg: &Segment<'_>) {
        let provider_id = text(seg, 1);
        let fiscal_period_date = self.date(seg, 2);
        for k in 0..6 {
            let n = 3 + k * 2;
            let reason = seg.component_text(n, 1).trim().to_string();
            if reason.is_empty() {
                continue;
            }
            let reference = {
                let r = seg.component_text(n, 2);
                let r = r.trim();
                if r.is_empty() { None } else { Some(r.to_string()) }
            };
            let amount = self.amount(seg, n + 1, true).unwrap_or_default();
            self.trailer.provider_adjustments.push(ProviderAdjustment {
                provider_id: provider_id.clone(),
                fiscal_period_date,
                reason,
                reference,
                amount,
                position: seg.position(),
            });
        }
    }

    fn send_header(&mut self, on: &mut impl FnMut(RemitEvent<'_>) -> Result<(), RemitError>) -> Result<(), RemitError> {
        if self.header_sent {
            return Ok(());
        }
        self.header_sent = true;
        if !self.header.payer.contacts.iter().any(|c| c.function == "BL") {
            self.finding(
                FindingLevel::File,
                "PER-BL-MISSING",
                self.header.position,
                "the payer's technical contact (PER*BL, loop 1000A) is required by 005010X221A1 and missing".into(),
                None,
                None,
            );
        }
        on(RemitEvent::Header(&self.header))
    }

    fn flush_claim(&mut self, on: &mut impl FnMut(RemitEvent<'_>) -> Result<(), RemitError>) -> Result<(), RemitError> {
        let Some(claim) = self.claim.take() else { return Ok(()) };
        self.current_pcn = None;
        self.balance_claim(&claim);
        self.trailer.claim_count += 1;
        self.trailer.claims_paid += claim.paid;
        on(RemitEvent::Claim(&claim))
    }

    fn balance_claim(&mut self, claim: &ClaimPayment) {
        for (i, line) in claim.lines.iter().enumerate() {
            let expected = line.charge - line.total_adjustments();
            if expected != line.paid {
                self.trailer.findings.push(Finding {
                    level: FindingLevel::Line,
                    code: "LINE-UNBALANCED",
                    trace: self.header.trace.number.clone(),
                    pcn: Some(claim.pcn.clone()),
                    line: Some(i as u32 + 1),
                    expected: Some(expected),
                    actual: Some(line.paid),
                    message: format!(
                        "line {}: charge {} minus adjustments {} is {}, but SVC03 paid is {}",
                        i + 1,
                        line.charge,
                        line.total_adjustments(),
                        expected,
                        line.paid
                    ),
                    at: line.position,
                });
            }
        }
        let adjustments = claim.total_adjustments();
        let expected = claim.charge - adjustments;
        if expected != claim.paid {
            self.trailer.findings.push(Finding {
                level: FindingLevel::Claim,
                code: "CLAIM-UNBALANCED",
                trace: self.header.trace.number.clone(),
                pcn: Some(claim.pcn.clone()),
                line: None,
                expected: Some(expected),
                actual: Some(claim.paid),
                message: format!(
                    "claim charge {} minus claim and line adjustments {} is {}, but CLP04 paid is {}",
                    claim.charge, adjustments, expected, claim.paid
                ),
                at: claim.position,
            });
        }
    }

    fn balance_transaction(&mut self, se: Position) {
        let plb: Decimal = self.trailer.provider_adjustments.iter().map(|p| p.amount).sum();
        let expected = self.trailer.claims_paid - plb;
        let actual = self.header.payment.signed_amount();
        if expected != actual {
            self.trailer.findings.push(Finding {
                level: FindingLevel::Transaction,
                code: "TRANSACTION-UNBALANCED",
                trace: self.header.trace.number.clone(),
                pcn: None,
                line: None,
                expected: Some(expected),
                actual: Some(actual),
                message: format!(
                    "claims paid {} minus provider adjustments {} is {}, but BPR02 total payment is {}",
                    self.trailer.claims_paid, plb, expected, actual
                ),
                at: if self.bpr_at.segment > 0 { self.bpr_at } else { se },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &str =
        "ISA*00*          *00*          *ZZ*PAYER          *ZZ*PROVIDER       *261201*1200*^*00501*000000001*0*T*:~";

    fn remit(body: &str) -> Vec<Remittance> {
        let text = format!(
            "{ISA}GS*HP*PAYER*PROVIDER*20261201*1200*1*X*005010X221A1~ST*835*0001~{body}SE*2*0001~GE*1*1~IEA*1*000000001~"
        );
        read_remittances(Path::new("t.835"), text.as_bytes()).unwrap()
    }

    const HEAD: &str = "BPR*I*80.00*C*ACH*CCP*01*999999999*DA*1*1512345678**01*999988880*DA*2*20261201~\
        TRN*1*TR1*1512345678~N1*PR*PAYER~PER*BL*HELP*TE*5555551234~N1*PE*CLINIC*XX*1234567893~";

    #[test]
    fn a_balanced_claim_with_one_line_reads_into_typed_values() {
        let r = remit(&format!(
            "{HEAD}LX*1~CLP*CK1*1*100.00*80.00*20.00*12*PCN9~NM1*QC*1*DOE*JANE****MI*M1~DTM*232*20261101~\
             SVC*HC:99213:25*100.00*80.00**1~DTM*472*20261101~CAS*PR*2*20.00~REF*6R*CK1-1~AMT*B6*100.00~LQ*HE*N130~"
        ));
        let c = &r[0].claims[0];
        assert_eq!(r[0].header.payment.amount, Decimal::new(8000, 2));
        assert_eq!(r[0].header.trace.number, "TR1");
        assert_eq!(r[0].header.payee.npi(), Some("1234567893"));
        assert_eq!(c.payer_claim_number.as_deref(), Some("PCN9"));
        let l = &c.lines[0];
        assert_eq!(l.procedure.code, "99213");
        assert_eq!(l.procedure.modifiers, ["25"]);
        assert_eq!(l.line_control_number.as_deref(), Some("CK1-1"));
        assert_eq!(l.allowed, Some(Decimal::new(10000, 2)));
        assert_eq!(l.remark_codes, ["N130"]);
        assert_eq!(l.adjustments[0].group, "PR");
        assert!(r[0].balanced(), "{:?}", r[0].findings);
        assert!(r[0].findings.is_empty(), "{:?}", r[0].findings);
        assert!(!format!("{c:?}").contains("DOE"), "names never in Debug");
    }

    #[test]
    fn each_balancing_level_reports_expected_and_actual() {
        let r = remit(&format!("{HEAD}CLP*CK1*1*100.00*70.00**12~SVC*HC:99213*100.00*75.00**1~CAS*CO*45*20.00~"));
        let codes: Vec<_> = r[0].findings.iter().map(|f| (f.code, f.expected, f.actual)).collect();
        assert!(codes.contains(&("LINE-UNBALANCED", Some(Decimal::new(8000, 2)), Some(Decimal::new(7500, 2)))));
        assert!(codes.contains(&("CLAIM-UNBALANCED", Some(Decimal::new(8000, 2)), Some(Decimal::new(7000, 2)))));
        assert!(codes.contains(&("TRANSACTION-UNBALANCED", Some(Decimal::new(7000, 2)), Some(Decimal::new(8000, 2)))));
        assert!(!r[0].balanced());
    }

    #[test]
    fn plb_pairs_count_in_transaction_balancing() {
        let r = remit(&format!(
            "{HEAD}CLP*CK1*1*100.00*85.00**12~CAS*CO*45*15.00~PLB*1234567893*20261231*WO:ABC*10.00*L6*-5.00~"
        ));
        assert_eq!(r[0].provider_adjustments.len(), 2);
        assert_eq!(r[0].provider_adjustments[0].reference.as_deref(), Some("ABC"));
        assert!(r[0].balanced(), "{:?}", r[0].findings);
    }

    #[test]
    fn cas_reads_up_to_six_triplets() {
        let r = remit(&format!("{HEAD}CLP*CK1*1*100.00*40.00**12~CAS*CO*45*10*1*A2*10**B1*10**B2*10**B3*10**B4*10~"));
        assert_eq!(r[0].claims[0].adjustments.len(), 6);
        assert_eq!(r[0].claims[0].adjustments[0].quantity, Some(Decimal::ONE));
    }

    #[test]
    fn a_missing_se_is_a_structure_error_with_position() {
        let text = format!("{ISA}GS*HP*P*R*20261201*1200*1*X*005010X221A1~ST*835*0001~{HEAD}");
        let err = read_remittances(Path::new("t.835"), text.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("no SE"), "{err}");
    }

    #[test]
    fn a_file_without_835_is_refused() {
        let text = format!(
            "{ISA}GS*HC*P*R*20261201*1200*1*X*005010X222A1~ST*837*0001~BHT*1~SE*3*0001~GE*1*1~IEA*1*000000001~"
        );
        let err = read_remittances(Path::new("t.837"), text.as_bytes()).unwrap_err();
        assert!(matches!(err, RemitError::No835 { .. }));
    }

    #[test]
    fn events_stream_header_claims_trailer_per_transaction_across_envelopes() {
        let st = |n: &str, trace: &str| {
            format!(
                "ST*835*{n}~BPR*I*10.00*C*CHK************20261201~TRN*1*{trace}*1~N1*PR*P~PER*BL*X~N1*PE*C~LX*1~\
                 CLP*A{n}*1*10.00*10.00**12~CLP*B{n}*1*0*0**12~SE*9*{n}~"
            )
        };
        let text = format!(
            "{ISA}GS*HP*P*R*20261201*1200*1*X*005010X221A1~{}{}GE*2*1~IEA*1*000000001~\
             {ISA}GS*HP*P*R*20261201*1200*2*X*005010X221A1~{}GE*1*2~IEA*1*000000001~",
            st("0001", "T1"),
            st("0002", "T2"),
            st("0003", "T3")
        );
        let mut seen = Vec::new();
        let summary = read_835(Path::new("t.835"), text.as_bytes(), |e| {
            seen.push(match e {
                RemitEvent::Header(h) => format!("H:{}", h.trace.number),
                RemitEvent::Claim(c) => format!("C:{}", c.pcn),
                RemitEvent::Trailer(t) => format!("T:{}:{}", t.claim_count, t.balanced()),
            });
            Ok(())
        })
        .unwrap();
        assert_eq!(summary.transactions, 3);
        assert_eq!(seen[..4], ["H:T1".to_string(), "C:A0001".into(), "C:B0001".into(), "T:2:true".into()]);
        assert_eq!(seen.len(), 12);
        assert_eq!(seen[8], "H:T3");
    }

    #[test]
    fn decimals_accept_a_leading_point() {
        assert_eq!(parse_decimal(".5"), Some(Decimal::new(5, 1)));
        assert_eq!(parse_decimal("-.5"), Some(Decimal::new(-5, 1)));
        assert_eq!(parse_decimal("x"), None);
    }
}
