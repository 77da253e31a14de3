//! Streaming 835 reader: one [`RemitEvent::Claim`] per `CLP` loop, so memory stays flat however
//! many claims a payment carries. Balancing is checked as claims go by and reported with the
//! transaction's [`RemitEvent::Trailer`].
//!
//! Segments come from the X12 reader ([`crate::x12::SegmentReader`]); amounts are X12 decimals
//! ([`crate::x12::parse_decimal`]), kept at the scale the payer wrote. The open claim with its
//! service lines is reused from one `CLP` to the next (its strings' buffers are kept), so a
//! claim read allocates little once the first few have been read.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

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
    /// One claim with its service lines. The receiver may take it (`std::mem::replace` it with an
    /// empty or an earlier claim): the reader reuses whatever is left there for the next `CLP`.
    Claim(&'a mut ClaimPayment),
    /// Findings of the transaction set raised so far, handed over after a claim once
    /// [`FINDINGS_HELD`] have gathered (a payer file unbalanced at every claim has one or more per
    /// claim): memory stays flat whatever the file size. The trailer carries the rest.
    Findings(&'a [Finding]),
    /// End of the transaction set (`SE`): provider adjustments and the findings of the set not
    /// handed over before.
    Trailer(&'a RemittanceTrailer),
}

/// Findings the reader holds before it hands them over ([`RemitEvent::Findings`]).
pub const FINDINGS_HELD: usize = 256;

/// The end of one 835 transaction set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemittanceTrailer {
    pub provider_adjustments: Vec<ProviderAdjustment>,
    pub claim_count: u64,
    /// ΣCLP04
    pub claims_paid: Decimal,
    /// The findings of the transaction set (file, transaction, claim and line levels) not handed
    /// over before in [`RemitEvent::Findings`].
    pub findings: Vec<Finding>,
    /// Findings handed over before, and whether one of them was a balancing finding.
    pub findings_handed_over: u64,
    pub unbalanced_before: bool,
}

impl RemittanceTrailer {
    pub fn balanced(&self) -> bool {
        !self.unbalanced_before && !self.findings.iter().any(Finding::is_unbalanced)
    }

    /// Every finding of the transaction set, handed over before or not.
    pub fn finding_count(&self) -> u64 {
        self.findings_handed_over + self.findings.len() as u64
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
        st.segment(file, &Elements::split(&seg), &mut summary, &mut on)?;
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

/// Refuses an 835 file whose envelopes are wrong, missing or cut off (SE01 count, SE02 = ST02,
/// GE01 = sets, GE02 = GS06, IEA01 = groups, IEA02 = ISA13, every trailer present): a posting
/// runs this first, so nothing of such a file is posted and it is not recorded as processed.
pub fn check_835_envelopes(file: &Path) -> Result<(), RemitError> {
    let input = crate::files::open_input(file).map_err(|source| RemitError::Io { file: file.to_path_buf(), source })?;
    let summary = crate::x12::check_envelopes(std::io::BufReader::with_capacity(1 << 18, input))
        .map_err(|source| RemitError::Syntax { file: file.to_path_buf(), source })?;
    let mut findings = summary.findings.into_iter();
    match findings.next() {
        None => Ok(()),
        Some(first) => Err(RemitError::Envelope { file: file.to_path_buf(), first, more: findings.len() }),
    }
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
            RemitEvent::Findings(findings) => {
                if let Some(r) = out.last_mut() {
                    r.findings.extend_from_slice(findings);
                }
            }
            RemitEvent::Trailer(t) => {
                if let Some(r) = out.last_mut() {
                    r.provider_adjustments = t.provider_adjustments.clone();
                    r.findings.extend_from_slice(&t.findings);
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

/// One segment as the 835 reader reads it: its elements by position, as text without
/// surrounding white space unless asked for as sent.
struct Elements<'a> {
    seg: Segment<'a>,
    at: Position,
}

impl<'a> Elements<'a> {
    fn split(seg: &Segment<'a>) -> Self {
        Elements { seg: *seg, at: seg.position() }
    }

    /// The segment ID as bytes (`b"CLP"`).
    fn id(&self) -> &'a [u8] {
        self.seg.id().as_bytes()
    }

    /// The segment ID as text, for messages (validated ASCII by the segment reader).
    fn id_text(&self) -> &'a str {
        self.seg.id()
    }

    /// Whether the segment has an element `n` (empty or not).
    fn has(&self, n: usize) -> bool {
        n <= self.seg.element_count()
    }

    /// Element `n` exactly as sent; empty when absent.
    fn raw(&self, n: usize) -> &'a [u8] {
        self.seg.element(n)
    }

    /// Element `n` as text, white space kept.
    fn untrimmed(&self, n: usize) -> Cow<'a, str> {
        self.seg.text(n)
    }

    /// Element `n` as text without surrounding white space.
    fn text(&self, n: usize) -> Cow<'a, str> {
        match self.seg.text(n) {
            Cow::Borrowed(t) => Cow::Borrowed(t.trim()),
            Cow::Owned(t) => Cow::Owned(t.trim().to_string()),
        }
    }

    /// True when element `n`, trimmed, is `expected`.
    fn text_is(&self, n: usize, expected: &str) -> bool {
        self.text(n) == expected
    }

    fn string(&self, n: usize) -> String {
        self.text(n).into_owned()
    }

    fn opt(&self, n: usize) -> Option<String> {
        let t = self.text(n);
        if t.is_empty() { None } else { Some(t.into_owned()) }
    }

    /// Component `k` (1-based) of element `n` as text without surrounding white space.
    fn component(&self, n: usize, k: usize) -> Cow<'a, str> {
        match self.seg.component_text(n, k) {
            Cow::Borrowed(t) => Cow::Borrowed(t.trim()),
            Cow::Owned(t) => Cow::Owned(t.trim().to_string()),
        }
    }
}

/// Overwrites `dst` with `text`, keeping its buffer.
fn put(dst: &mut String, text: &str) {
    dst.clear();
    dst.push_str(text);
}

/// Like [`put`] for an optional element: `None` when it is blank.
fn put_opt(dst: &mut Option<String>, t: &str) {
    if t.is_empty() {
        *dst = None;
    } else if let Some(s) = dst {
        s.clear();
        s.push_str(t);
    } else {
        *dst = Some(t.to_string());
    }
}

/// The largest amount or quantity the reader takes (sums of 28-digit amounts overflowed: found by
/// fuzzing).
const MAX_AMOUNT: Decimal = crate::encounter::MAX_AMOUNT;

/// File-level findings raised while reading elements, tagged with the open trace and claim.
struct Notes<'s> {
    findings: &'s mut Vec<Finding>,
    trace: &'s str,
    pcn: Option<&'s str>,
}

impl Notes<'_> {
    fn note(&mut self, code: &'static str, at: Position, message: String, line: Option<u32>) {
        self.findings.push(Finding {
            level: FindingLevel::File,
            code,
            trace: self.trace.to_string(),
            pcn: self.pcn.map(str::to_string),
            line,
            expected: None,
            actual: None,
            message,
            at,
        });
    }

    /// A money element: required ones that are missing or not numbers become findings and zero;
    /// one with a fraction of a cent (`132.005`) is kept as sent, with a finding.
    fn amount(&mut self, seg: &Elements<'_>, n: usize, required: bool) -> Option<Decimal> {
        let amount = self.amount_as_sent(seg, n, required);
        if amount.is_some_and(|d| d.abs() > MAX_AMOUNT) {
            self.out_of_range(seg, n);
            return Some(Decimal::ZERO);
        }
        if let Some(d) = amount
            && d.scale() > 2
            && d.round_dp(2) != d
        {
            self.sub_cent(seg, n);
        }
        amount
    }

    #[cold]
    fn out_of_range(&mut self, seg: &Elements<'_>, n: usize) {
        self.note(
            "AMOUNT-OUT-OF-RANGE",
            seg.at,
            format!("{}{n:02} is beyond {MAX_AMOUNT} in size; read as 0", seg.id_text()),
            None,
        );
    }

    #[cold]
    fn sub_cent(&mut self, seg: &Elements<'_>, n: usize) {
        self.note(
            "AMOUNT-SUB-CENT",
            seg.at,
            format!(
                "{}{n:02} has a fraction of a cent; it is kept as sent (not rounded): the payer's file needs checking",
                seg.id_text()
            ),
            None,
        );
    }

    fn amount_as_sent(&mut self, seg: &Elements<'_>, n: usize, required: bool) -> Option<Decimal> {
        let text = seg.text(n);
        if text.is_empty() {
            if required {
                self.note(
                    "AMOUNT-MISSING",
                    seg.at,
                    format!("{}{n:02} is required and missing; read as 0", seg.id_text()),
                    None,
                );
                return Some(Decimal::ZERO);
            }
            return None;
        }
        match crate::x12::parse_decimal(&text) {
            Some(d) => Some(d),
            None => {
                self.note(
                    "AMOUNT-INVALID",
                    seg.at,
                    format!("{}{n:02} is not a number; read as 0", seg.id_text()),
                    None,
                );
                Some(Decimal::ZERO)
            }
        }
    }

    fn date(&mut self, seg: &Elements<'_>, n: usize) -> Option<NaiveDate> {
        let t = seg.text(n);
        if t.is_empty() {
            return None;
        }
        let d = crate::dates::parse_ccyymmdd(&t);
        if d.is_none() {
            self.note("DATE-INVALID", seg.at, format!("{}{n:02} is not a valid CCYYMMDD date", seg.id_text()), None);
        }
        d
    }
}

/// Parts of earlier claims kept for the next ones, so their strings' buffers are reused.
#[derive(Default)]
struct Spares {
    lines: Vec<ServicePayment>,
    adjustments: Vec<ClaimAdjustment>,
    names: Vec<PersonName>,
    references: Vec<Reference>,
    strings: Vec<String>,
}

impl Spares {
    fn keep_string(&mut self, s: Option<String>) {
        self.strings.extend(s);
    }

    fn string(&mut self, text: &str) -> String {
        let mut s = self.strings.pop().unwrap_or_default();
        put(&mut s, text);
        s
    }

    fn keep_line(&mut self, mut line: ServicePayment) {
        self.adjustments.append(&mut line.adjustments);
        self.references.append(&mut line.references);
        line.amounts.clear();
        line.quantities.clear();
        line.remark_codes.clear();
        self.keep_string(line.line_control_number.take());
        self.lines.push(line);
    }

    /// Empties `claim` for the next `CLP`, keeping its parts.
    fn keep_claim(&mut self, claim: &mut ClaimPayment) {
        self.adjustments.append(&mut claim.adjustments);
        for name in
            [&mut claim.patient, &mut claim.insured, &mut claim.corrected_patient, &mut claim.rendering_provider]
        {
            self.names.extend(name.take());
        }
        self.names.append(&mut claim.other_names);
        claim.inpatient = None;
        claim.outpatient = None;
        self.references.append(&mut claim.references);
        claim.statement_from = None;
        claim.statement_to = None;
        claim.received = None;
        claim.dates.clear();
        claim.amounts.clear();
        claim.quantities.clear();
        for line in claim.lines.drain(..) {
            self.keep_line(line);
        }
    }
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
    /// The claim being read (valid while `claim_open`); kept between claims to reuse its buffers.
    claim: ClaimPayment,
    claim_open: bool,
    trailer: RemittanceTrailer,
    bpr_at: Position,
    spares: Spares,
}

impl State {
    /// Notes for the header and the trailer, where no claim is open.
    fn header_notes(&mut self) -> Notes<'_> {
        Notes { findings: &mut self.trailer.findings, trace: &self.header.trace.number, pcn: None }
    }

    fn finding(&mut self, code: &'static str, at: Position, message: String) {
        self.header_notes().note(code, at, message, None);
    }

    fn structure(file: &Path, seg: &Elements<'_>, problem: impl Into<String>) -> RemitError {
        RemitError::Structure { file: file.to_path_buf(), at: seg.at, problem: problem.into() }
    }

    fn segment(
        &mut self,
        file: &Path,
        seg: &Elements<'_>,
        summary: &mut ReadSummary,
        on: &mut impl FnMut(RemitEvent<'_>) -> Result<(), RemitError>,
    ) -> Result<(), RemitError> {
        match seg.id() {
            b"ISA" => {
                put(&mut self.isa06, &seg.text(6));
                put(&mut self.isa08, &seg.text(8));
                put(&mut self.isa13, &seg.text(13));
                return Ok(());
            }
            b"GS" => {
                put(&mut self.gs06, &seg.text(6));
                put(&mut self.gs08, &seg.text(8));
                return Ok(());
            }
            b"GE" | b"IEA" | b"TA1" => return Ok(()),
            b"ST" => {
                if self.mode != Mode::Outside {
                    return Err(Self::structure(file, seg, "ST inside an open transaction set (missing SE)"));
                }
                if !seg.text_is(1, "835") {
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
                        transaction_control: seg.string(2),
                    },
                    position: seg.at,
                    ..RemittanceHeader::default()
                };
                self.header_loop = HeaderLoop::Top;
                self.header_sent = false;
                self.claim_open = false;
                self.trailer = RemittanceTrailer::default();
                self.bpr_at = seg.at;
                return Ok(());
            }
            _ => {}
        }
        match self.mode {
            Mode::Outside => {
                return Err(Self::structure(file, seg, format!("segment {} outside a transaction set", seg.id_text())));
            }
            Mode::Other => {
                if seg.id() == b"SE" {
                    self.mode = Mode::Outside;
                }
                return Ok(());
            }
            Mode::Header | Mode::Detail => {}
        }
        match seg.id() {
            b"SE" => {
                self.flush_claim(on)?;
                self.send_header(on)?;
                self.balance_transaction(seg.at);
                on(RemitEvent::Trailer(&self.trailer))?;
                summary.transactions += 1;
                summary.claims += self.trailer.claim_count;
                self.mode = Mode::Outside;
            }
            b"LX" | b"TS3" | b"TS2" => {
                self.flush_claim(on)?;
                self.send_header(on)?;
                self.mode = Mode::Detail;
            }
            b"CLP" => {
                self.flush_claim(on)?;
                self.send_header(on)?;
                self.mode = Mode::Detail;
                self.clp(seg);
            }
            b"PLB" => {
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

    /// Opens a claim: the reused [`ClaimPayment`] is emptied and filled from the `CLP`.
    fn clp(&mut self, seg: &Elements<'_>) {
        let claim = &mut self.claim;
        self.spares.keep_claim(claim);
        put(&mut claim.pcn, &seg.text(1));
        put(&mut claim.status, &seg.text(2));
        claim.position = seg.at;
        self.claim_open = true;
        let mut notes =
            Notes { findings: &mut self.trailer.findings, trace: &self.header.trace.number, pcn: Some(&claim.pcn) };
        let charge = notes.amount(seg, 3, true).unwrap_or_default();
        let paid = notes.amount(seg, 4, true).unwrap_or_default();
        let patient_responsibility = notes.amount(seg, 5, false).unwrap_or_default();
        claim.charge = charge;
        claim.paid = paid;
        claim.patient_responsibility = patient_responsibility;
        put(&mut claim.filing_indicator, &seg.text(6));
        put_opt(&mut claim.payer_claim_number, &seg.text(7));
        put_opt(&mut claim.facility_type, &seg.text(8));
        put_opt(&mut claim.frequency, &seg.text(9));
    }

    fn header_segment(&mut self, seg: &Elements<'_>) {
        match seg.id() {
            b"BPR" => {
                self.bpr_at = seg.at;
                let amount = self.header_notes().amount(seg, 2, true).unwrap_or_default();
                let p = &mut self.header.payment;
                p.handling = seg.string(1);
                p.amount = amount;
                p.credit_debit = seg.string(3);
                p.method = seg.string(4);
                p.format = seg.opt(5);
                let bpr16 = seg.text(16);
                let bpr15 = seg.text(15);
                if bpr16.is_empty() {
                    if let Some(d) = crate::dates::parse_ccyymmdd(&bpr15) {
                        self.header.payment.date = Some(d);
                        self.finding(
                            "BPR16-MISSING",
                            seg.at,
                            "BPR16 (payment date) is missing; a date was found in BPR15 (an account number \
                             element) and used as the payment date"
                                .into(),
                        );
                    } else {
                        self.finding("BPR16-MISSING", seg.at, "BPR16 (payment date) is missing".into());
                    }
                } else {
                    self.header.payment.date = crate::dates::parse_ccyymmdd(&bpr16);
                    if self.header.payment.date.is_none() {
                        self.finding(
                            "BPR16-INVALID",
                            seg.at,
                            "BPR16 (payment date) is not a valid CCYYMMDD date; the payment has no date".into(),
                        );
                    }
                }
            }
            b"TRN" => {
                self.header.trace =
                    Trace { number: seg.string(2), originator: seg.string(3), originator_supplemental: seg.opt(4) };
                // Findings raised before TRN (BPR) belong to this trace too.
                let trace = &self.header.trace.number;
                for f in &mut self.trailer.findings {
                    f.trace.clone_from(trace);
                }
            }
            b"DTM" if seg.raw(1) == b"405" => self.header.production_date = self.header_notes().date(seg, 2),
            b"N1" => {
                let party = Party {
                    entity: seg.string(1),
                    name: seg.string(2),
                    id_qualifier: seg.opt(3),
                    id: seg.opt(4),
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
            b"N3" | b"N4" | b"REF" | b"PER" | b"RDM" => {
                let party = match self.header_loop {
                    HeaderLoop::Top => {
                        if seg.id() == b"REF" {
                            self.header.references.push(Reference { qualifier: seg.string(1), value: seg.string(2) });
                        }
                        return;
                    }
                    HeaderLoop::Payer => &mut self.header.payer,
                    HeaderLoop::Payee => &mut self.header.payee,
                };
                match seg.id() {
                    b"N3" => {
                        party.street.extend(seg.opt(1));
                        party.street.extend(seg.opt(2));
                    }
                    b"N4" => {
                        party.city = seg.opt(1);
                        party.state = seg.opt(2);
                        party.zip = seg.opt(3);
                    }
                    b"REF" => party.references.push(Reference { qualifier: seg.string(1), value: seg.string(2) }),
                    b"PER" => party.contacts.push(Contact {
                        function: seg.string(1),
                        name: seg.opt(2),
                        numbers: [(3, 4), (5, 6), (7, 8)]
                            .iter()
                            .filter_map(|(q, v)| Some((seg.opt(*q)?, seg.string(*v))))
                            .collect(),
                    }),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn detail_segment(&mut self, seg: &Elements<'_>) {
        if !self.claim_open {
            // Segments between LX/TS3 and the first CLP, or after PLB: nothing to attach.
            return;
        }
        let State { claim, trailer, header, spares, .. } = self;
        let mut notes = Notes { findings: &mut trailer.findings, trace: &header.trace.number, pcn: Some(&claim.pcn) };
        let in_line = !claim.lines.is_empty();
        match seg.id() {
            b"CAS" => {
                let adjustments = match claim.lines.last_mut() {
                    Some(line) => &mut line.adjustments,
                    None => &mut claim.adjustments,
                };
                cas(seg, &mut notes, adjustments, spares);
            }
            b"NM1" => {
                let mut name = spares.names.pop().unwrap_or_default();
                put(&mut name.entity, &seg.text(1));
                put(&mut name.last, &seg.text(3));
                put(&mut name.first, &seg.text(4));
                put(&mut name.middle, &seg.text(5));
                put(&mut name.id_qualifier, &seg.text(8));
                put(&mut name.id, &seg.text(9));
                let slot = match name.entity.as_str() {
                    "QC" => &mut claim.patient,
                    "IL" => &mut claim.insured,
                    "74" => &mut claim.corrected_patient,
                    "82" => &mut claim.rendering_provider,
                    _ => {
                        claim.other_names.push(name);
                        return;
                    }
                };
                spares.names.extend(slot.replace(name));
            }
            b"MIA" => {
                let elements: Vec<String> = (1..=24).map(|n| seg.string(n)).collect();
                let remark_codes = [5, 20, 21, 22, 23].iter().filter_map(|n| seg.opt(*n)).collect();
                claim.inpatient = Some(AdjudicationInfo { elements, remark_codes });
            }
            b"MOA" => {
                let elements: Vec<String> = (1..=9).map(|n| seg.string(n)).collect();
                let remark_codes = (3..=7).filter_map(|n| seg.opt(n)).collect();
                claim.outpatient = Some(AdjudicationInfo { elements, remark_codes });
            }
            b"SVC" => {
                let line_no = claim.lines.len() as u32 + 1;
                claim.lines.push(spares.lines.pop().unwrap_or_default());
                if let Some(line) = claim.lines.last_mut() {
                    svc(seg, &mut notes, line_no, line);
                }
            }
            b"REF" => {
                let qualifier = seg.text(1);
                match claim.lines.last_mut() {
                    Some(line) if qualifier == "6R" => {
                        let value = spares.string(&seg.text(2));
                        spares.keep_string(line.line_control_number.replace(value));
                    }
                    line => {
                        let mut r = spares.references.pop().unwrap_or_default();
                        r.qualifier.clear();
                        r.qualifier.push_str(&qualifier);
                        put(&mut r.value, &seg.text(2));
                        match line {
                            Some(line) => line.references.push(r),
                            None => claim.references.push(r),
                        }
                    }
                }
            }
            b"DTM" => {
                let qualifier = seg.text(1);
                if let Some(date) = notes.date(seg, 2) {
                    match (claim.lines.last_mut(), qualifier.as_ref()) {
                        (Some(line), "472" | "150") => line.service_date = Some(date),
                        (Some(line), "151") => line.service_date_to = Some(date),
                        (Some(_), _) => {}
                        (None, "232") => claim.statement_from = Some(date),
                        (None, "233") => claim.statement_to = Some(date),
                        (None, "050") => claim.received = Some(date),
                        (None, _) => claim.dates.push(QualifiedDate { qualifier: qualifier.into_owned(), date }),
                    }
                }
            }
            id @ (b"AMT" | b"QTY") => {
                let amount = notes.amount(seg, 2, true).unwrap_or_default();
                let qualifier = seg.text(1);
                let amt = id == b"AMT";
                match claim.lines.last_mut() {
                    Some(line) if amt && qualifier == "B6" => line.allowed = Some(amount),
                    Some(line) => {
                        let qa = QualifiedAmount { qualifier: qualifier.into_owned(), amount };
                        if amt { line.amounts.push(qa) } else { line.quantities.push(qa) }
                    }
                    None => {
                        let qa = QualifiedAmount { qualifier: qualifier.into_owned(), amount };
                        if amt { claim.amounts.push(qa) } else { claim.quantities.push(qa) }
                    }
                }
            }
            b"LQ" if in_line => {
                if let Some(line) = claim.lines.last_mut() {
                    let code = seg.string(2);
                    match seg.raw(1) {
                        b"RX" => line.remark_codes.push(format!("RX:{code}")),
                        _ => line.remark_codes.push(code),
                    }
                }
            }
            _ => {}
        }
    }

    fn plb(&mut self, seg: &Elements<'_>) {
        let provider_id = seg.string(1);
        let mut notes = Notes { findings: &mut self.trailer.findings, trace: &self.header.trace.number, pcn: None };
        let fiscal_period_date = notes.date(seg, 2);
        for k in 0..6 {
            let n = 3 + k * 2;
            let reason = seg.component(n, 1);
            if reason.is_empty() {
                continue;
            }
            let reference = {
                let r = seg.component(n, 2);
                if r.is_empty() { None } else { Some(r.into_owned()) }
            };
            let amount = notes.amount(seg, n + 1, true).unwrap_or_default();
            self.trailer.provider_adjustments.push(ProviderAdjustment {
                provider_id: provider_id.clone(),
                fiscal_period_date,
                reason: reason.into_owned(),
                reference,
                amount,
                position: seg.at,
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
                "PER-BL-MISSING",
                self.header.position,
                "the payer's technical contact (PER*BL, loop 1000A) is required by 005010X221A1 and missing".into(),
            );
        }
        on(RemitEvent::Header(&self.header))
    }

    fn flush_claim(&mut self, on: &mut impl FnMut(RemitEvent<'_>) -> Result<(), RemitError>) -> Result<(), RemitError> {
        if !self.claim_open {
            return Ok(());
        }
        self.claim_open = false;
        self.balance_claim();
        self.trailer.claim_count += 1;
        self.trailer.claims_paid += self.claim.paid;
        on(RemitEvent::Claim(&mut self.claim))?;
        if self.trailer.findings.len() >= FINDINGS_HELD {
            on(RemitEvent::Findings(&self.trailer.findings))?;
            let t = &mut self.trailer;
            t.findings_handed_over += t.findings.len() as u64;
            t.unbalanced_before |= t.findings.iter().any(Finding::is_unbalanced);
            t.findings.clear();
        }
        Ok(())
    }

    fn balance_claim(&mut self) {
        let claim = &self.claim;
        let mut line_adjustments = Decimal::ZERO;
        for (i, line) in claim.lines.iter().enumerate() {
            let adjusted = line.total_adjustments();
            line_adjustments += adjusted;
            let expected = line.charge - adjusted;
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
                        adjusted,
                        expected,
                        line.paid
                    ),
                    at: line.position,
                });
            }
        }
        // ClaimPayment::total_adjustments, with the line sums above (same order of additions).
        let adjustments = claim.adjustments.iter().map(|a| a.amount).sum::<Decimal>() + line_adjustments;
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

/// `CAS`: up to six (reason, amount, quantity) triplets under one group code.
fn cas(seg: &Elements<'_>, notes: &mut Notes<'_>, out: &mut Vec<ClaimAdjustment>, spares: &mut Spares) {
    let group = seg.text(1);
    for k in 0..6 {
        let base = 2 + k * 3;
        if !seg.has(base) {
            break;
        }
        let reason = seg.text(base);
        if reason.is_empty() {
            continue;
        }
        let amount = notes.amount(seg, base + 1, true).unwrap_or_default();
        let quantity = notes.amount(seg, base + 2, false);
        let mut adjustment = spares.adjustments.pop().unwrap_or_default();
        adjustment.group.clear();
        adjustment.group.push_str(&group);
        adjustment.reason.clear();
        adjustment.reason.push_str(&reason);
        adjustment.amount = amount;
        adjustment.quantity = quantity;
        out.push(adjustment);
    }
}

/// `SVC`: one service line, into a new or reused (emptied) [`ServicePayment`].
fn svc(seg: &Elements<'_>, notes: &mut Notes<'_>, line_no: u32, line: &mut ServicePayment) {
    if !procedure(seg, 1, notes, line_no, &mut line.procedure) {
        line.procedure.qualifier.clear();
        line.procedure.code.clear();
        line.procedure.modifiers.clear();
    }
    if line.procedure.code.is_empty() {
        notes.note(
            "SVC01-NO-CODE",
            seg.at,
            "SVC01 has no procedure code (SVC01-2); the line cannot be matched by code".into(),
            Some(line_no),
        );
    }
    line.charge = notes.amount(seg, 2, true).unwrap_or_default();
    line.paid = notes.amount(seg, 3, true).unwrap_or_default();
    line.units_paid = notes.amount(seg, 5, false).unwrap_or(Decimal::ONE);
    let mut original = line.original_procedure.take().unwrap_or_default();
    if procedure(seg, 6, notes, line_no, &mut original) {
        line.original_procedure = Some(original);
    }
    line.original_units = notes.amount(seg, 7, false);
    put_opt(&mut line.revenue_code, &seg.text(4));
    line.service_date = None;
    line.service_date_to = None;
    line.allowed = None;
    line.position = seg.at;
}

/// Reads SVC01/SVC06 into `out` (false when the element is empty), noticing a composite written
/// with another separator than ISA16.
fn procedure(seg: &Elements<'_>, n: usize, notes: &mut Notes<'_>, line_no: u32, out: &mut ProcedureId) -> bool {
    let e = seg.raw(n);
    if e.is_empty() {
        return false;
    }
    let raw = seg.untrimmed(n);
    let component = seg.seg.separators().component;
    let declared = component as char;
    let mut foreign = None;
    if !e.contains(&component) {
        foreign = [':', '>', '|', '^', '\\', '!']
            .into_iter()
            .find(|c| *c != declared && raw.contains(*c) && raw.split(*c).next().is_some_and(|q| q.len() == 2));
        if let Some(c) = foreign {
            notes.note(
                "COMPOSITE-SEPARATOR",
                seg.at,
                format!(
                    "SVC{n:02} separates its components with '{c}' but the interchange declares '{declared}' \
                     (ISA16); read with '{c}'"
                ),
                Some(line_no),
            );
        }
    }
    match foreign {
        Some(c) => fill_procedure(out, raw.split(c)),
        // Text split at an ASCII separator is the bytes split there, each part read as text.
        None if component.is_ascii() => fill_procedure(out, raw.split(declared)),
        None => fill_procedure(out, e.split(|b| *b == component).map(String::from_utf8_lossy)),
    }
    true
}

fn fill_procedure<S: AsRef<str>>(out: &mut ProcedureId, mut parts: impl Iterator<Item = S>) {
    put(&mut out.qualifier, parts.next().as_ref().map_or("", |p| p.as_ref().trim()));
    put(&mut out.code, parts.next().as_ref().map_or("", |p| p.as_ref().trim()));
    out.modifiers.clear();
    out.modifiers.extend(parts.take(4).map(|m| m.as_ref().trim().to_string()).filter(|m| !m.is_empty()));
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
    fn a_fraction_of_a_cent_is_a_finding_and_kept_as_sent() {
        let head = HEAD.replace("BPR*I*80.00", "BPR*I*132.005");
        let r = remit(&format!("{head}CLP*CK1*1*132.005*132.005**12~SVC*HC:99213*132.005*132.005**1~"));
        assert_eq!(r[0].claims[0].paid, Decimal::new(132005, 3));
        let sub_cent: Vec<_> = r[0].findings.iter().filter(|f| f.code == "AMOUNT-SUB-CENT").collect();
        assert_eq!(sub_cent.len(), 5, "BPR02, CLP03, CLP04, SVC02, SVC03: {:?}", r[0].findings);
        assert!(sub_cent.iter().all(|f| !f.message.contains("132")), "{sub_cent:?}");
        // Trailing zeros are not a fraction of a cent.
        let r = remit(&format!("{HEAD}CLP*CK1*1*80.000*80.000**12~"));
        assert!(!r[0].findings.iter().any(|f| f.code == "AMOUNT-SUB-CENT"), "{:?}", r[0].findings);
    }

    #[test]
    fn an_amount_too_large_for_any_payment_is_a_finding_and_read_as_zero() {
        // Found by fuzzing (remit835): the claim's sum of such adjustments overflowed.
        let huge = "10777777777777777777777777777.00";
        let r = remit(&format!("{HEAD}CLP*CK1*1*100.00*80.00**12~CAS*CO*45*{huge}~CAS*CO*45*{huge}~CAS*CO*45*{huge}~"));
        let out: Vec<_> = r[0].findings.iter().filter(|f| f.code == "AMOUNT-OUT-OF-RANGE").collect();
        assert_eq!(out.len(), 3, "{:?}", r[0].findings);
        assert!(!out[0].message.contains("1077"), "{}", out[0].message);
        assert!(r[0].claims[0].adjustments.iter().all(|a| a.amount.is_zero()));
        assert_eq!(MAX_AMOUNT.to_string(), "999999999999.99");
        let r = remit(&format!("{HEAD}CLP*CK1*1*100.00*80.00**12~CAS*CO*45*999999999999.99~"));
        assert!(!r[0].findings.iter().any(|f| f.code == "AMOUNT-OUT-OF-RANGE"));
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
    fn findings_of_a_file_unbalanced_at_every_claim_are_handed_over_in_batches() {
        // 600 claims, each paying 1.00 more than its charge less adjustments (CLAIM-UNBALANCED).
        let claims: String =
            (0..600).map(|i| format!("CLP*C{i}*1*10.00*11.00**12~SVC*HC:99213*10.00*11.00**1~")).collect();
        let text = format!(
            "{ISA}GS*HP*PAYER*PROVIDER*20261201*1200*1*X*005010X221A1~ST*835*0001~\
             BPR*I*6600.00*C*CHK************20261201~TRN*1*TR1*1~N1*PR*P~PER*BL*X~N1*PE*C~LX*1~{claims}\
             SE*2*0001~GE*1*1~IEA*1*000000001~"
        );
        let (mut batches, mut handed, mut held_most) = (0, 0u64, 0usize);
        let mut trailer = None;
        read_835(Path::new("t.835"), text.as_bytes(), |e| {
            match e {
                RemitEvent::Findings(f) => {
                    batches += 1;
                    handed += f.len() as u64;
                    held_most = held_most.max(f.len());
                }
                RemitEvent::Trailer(t) => trailer = Some(t.clone()),
                _ => {}
            }
            Ok(())
        })
        .unwrap();
        let t = trailer.unwrap();
        assert!(batches >= 2, "{batches}");
        // Never more than one claim's findings past the limit.
        assert!(held_most < FINDINGS_HELD + 4 && t.findings.len() < FINDINGS_HELD + 4, "{held_most}");
        assert_eq!(t.findings_handed_over, handed);
        // The trailer still knows the set is unbalanced, and how many findings it had in all.
        assert!(!t.balanced());
        let all = remit(&format!(
            "BPR*I*6600.00*C*CHK************20261201~TRN*1*TR1*1~N1*PR*P~PER*BL*X~N1*PE*C~LX*1~{claims}"
        ));
        assert_eq!(all[0].findings.len() as u64, t.finding_count());
        assert!(all[0].findings.iter().filter(|f| f.code == "CLAIM-UNBALANCED").count() >= 600);
        // In the order raised: claim by claim, then the transaction's own.
        let claim_order: Vec<&str> =
            all[0].findings.iter().filter(|f| f.code == "CLAIM-UNBALANCED").filter_map(|f| f.pcn.as_deref()).collect();
        assert_eq!((claim_order[0], claim_order[599]), ("C0", "C599"));
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
                RemitEvent::Findings(f) => format!("F:{}", f.len()),
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
    fn an_invalid_amount_is_the_same_finding_as_before() {
        let r = remit(&format!("{HEAD}CLP*CK1*1*1O0.00*80.00**12~CAS*CO*45*~"));
        let found: Vec<_> = r[0].findings.iter().map(|f| (f.code, f.message.as_str(), f.pcn.as_deref())).collect();
        assert!(found.contains(&("AMOUNT-INVALID", "CLP03 is not a number; read as 0", Some("CK1"))), "{found:?}");
        assert!(
            found.contains(&("AMOUNT-MISSING", "CAS03 is required and missing; read as 0", Some("CK1"))),
            "{found:?}"
        );
        assert_eq!(r[0].claims[0].charge, Decimal::ZERO);
    }

    #[test]
    fn a_claim_after_a_full_one_starts_empty() {
        let r = remit(&format!(
            "{HEAD}CLP*CK1*1*100.00*80.00*20.00*12*PCN9~NM1*QC*1*DOE*JANE****MI*M1~DTM*232*20261101~REF*EA*X~\
             SVC*HC:99213:25*100.00*80.00**1*HC:99212~DTM*472*20261101~CAS*PR*2*20.00~REF*6R*CK1-1~AMT*B6*100.00~\
             LQ*HE*N130~CLP*CK2*4*0*0**12~SVC*HC:99214*0*0~"
        ));
        let c = &r[0].claims[1];
        assert_eq!((c.pcn.as_str(), c.payer_claim_number.as_ref()), ("CK2", None));
        assert!(c.patient.is_none() && c.statement_from.is_none() && c.references.is_empty());
        let l = &c.lines[0];
        assert_eq!(l.procedure.modifiers, Vec::<String>::new());
        assert!(l.original_procedure.is_none() && l.line_control_number.is_none() && l.allowed.is_none());
        assert!(l.adjustments.is_empty() && l.remark_codes.is_empty() && l.service_date.is_none());
        assert_eq!(r[0].claims[0].lines[0].line_control_number.as_deref(), Some("CK1-1"));
    }

    #[test]
    fn money_dates_and_qualifiers_are_trimmed_like_text_unicode_spaces_included() {
        let r = remit(&format!(
            "{HEAD}CLP*CK1*1* 100.00\u{a0}*\u{a0}80.00*20.00*12~DTM*\u{a0}232 *\u{a0}20261101\u{a0}~\
             SVC*HC:99213*100.00*80.00~REF*\u{2003}6R*L1~CAS*PR*2*\u{a0}20.00~"
        ));
        let c = &r[0].claims[0];
        assert_eq!((c.charge, c.paid), (Decimal::new(10000, 2), Decimal::new(8000, 2)));
        assert_eq!(c.statement_from, NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(c.lines[0].line_control_number.as_deref(), Some("L1"));
        assert_eq!(c.lines[0].adjustments[0].amount, Decimal::new(2000, 2));
        assert!(r[0].findings.is_empty(), "{:?}", r[0].findings);
    }
}
