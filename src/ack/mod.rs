//! Acknowledgments: what the clearinghouse and the payer say about the 837 files we sent.
//!
//! Three answers come back, at three levels:
//! - **TA1** (interchange acknowledgment): the `ISA`/`IEA` envelope was accepted or rejected.
//!   `TA1*000000101*261120*0930*R*025~` rejects interchange 101 as a duplicate.
//! - **999** (005010X231A1, implementation acknowledgment): per functional group (`AK1`, our
//!   GS06) and transaction set (`AK2`, our ST02) the set is accepted (`IK5*A`), accepted with
//!   errors (`E`) or rejected (`R`); `IK3`/`IK4` point at the segment and element at fault. A
//!   rejected set means none of its claims was received.
//!   ```text
//!   AK1*HC*101*005010X222A1~  AK2*837*0001*005010X222A1~  IK3*NM1*17*2010BA*8~  IK4*9*67*7*XYZ~  IK5*R*5~
//!   ```
//! - **277CA** (005010X214, claim acknowledgment): per claim (`TRN*2` echoes our CLM01) a status
//!   `STC*category:status:entity`; categories A1/A2 accept the claim into adjudication,
//!   A3/A4/A6/A7/A8 reject it. `REF*1K` carries the payer's claim number.
//!   ```text
//!   HL*4*3*PT~ TRN*2*CK1A2B3C4D5E6F~ STC*A7:562:85*20261121*U*143~ REF*1K*PAYER123~
//!   ```
//!
//! [`read_acknowledgments`] streams any of them (several in one file) into typed values;
//! [`write_999`] and [`write_277ca`] write them back (the payer simulator uses those); [`post`]
//! applies them to the claims in the ledger. [`codes`] explains every code in plain words.

pub mod codes;
pub mod post;
mod read;
mod write;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::x12::{EnvelopeFinding, Position};

pub use read::{AckReadError, read_ack_file, read_acknowledgments, read_acknowledgments_streaming};
pub use write::{AckEnvelope, ClaimAckWriter, money_text, write_277ca, write_999};

/// Which acknowledgment a transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum AckKind {
    /// Interchange acknowledgment.
    #[serde(rename = "TA1")]
    Ta1,
    /// 999 implementation acknowledgment.
    #[serde(rename = "999")]
    Ack999,
    /// 277CA claim acknowledgment (or a 277 claim status response read the same way).
    #[serde(rename = "277CA")]
    ClaimAck277,
    /// 277 claim status response (005010X212), posted by [`crate::status::post`].
    #[serde(rename = "277")]
    ClaimStatus277,
}

impl AckKind {
    pub fn label(self) -> &'static str {
        match self {
            AckKind::Ta1 => "TA1",
            AckKind::Ack999 => "999",
            AckKind::ClaimAck277 => "277CA",
            AckKind::ClaimStatus277 => "277",
        }
    }
}

impl std::fmt::Display for AckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The acknowledgment code of a TA1, IK5 or AK9.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum AckCode {
    Accepted,
    AcceptedWithErrors,
    PartiallyAccepted,
    Rejected,
    /// M, W, X (rejected for security reasons); [`codes::UNKNOWN`] for a value that is not a
    /// listed code (never kept as sent); empty when missing.
    Other(String),
}

impl AckCode {
    /// Reads an acknowledgment code; a value that is not one is kept as [`codes::UNKNOWN`].
    pub fn parse(code: &str) -> AckCode {
        match code {
            "A" => AckCode::Accepted,
            "E" => AckCode::AcceptedWithErrors,
            "P" => AckCode::PartiallyAccepted,
            "R" => AckCode::Rejected,
            other => AckCode::Other(codes::known_ack_status(other)),
        }
    }

    /// The X12 code.
    pub fn code(&self) -> &str {
        match self {
            AckCode::Accepted => "A",
            AckCode::AcceptedWithErrors => "E",
            AckCode::PartiallyAccepted => "P",
            AckCode::Rejected => "R",
            AckCode::Other(c) => c,
        }
    }

    /// True when what was acknowledged was not taken (R, and the security rejections M, W, X).
    pub fn is_rejected(&self) -> bool {
        matches!(self.code(), "R" | "M" | "W" | "X")
    }

    pub fn label(&self) -> &'static str {
        codes::ack_status(self.code())
    }
}

/// Where an acknowledgment sat in the file that carried it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AckEnvelopeIds {
    /// ISA06 of the acknowledgment (the clearinghouse or payer that sent it).
    pub sender_id: String,
    /// ISA08 (us).
    pub receiver_id: String,
    pub isa13: String,
    pub gs06: String,
    pub st02: String,
}

/// A TA1: the verdict on one interchange we sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InterchangeAck {
    pub envelope: AckEnvelopeIds,
    /// TA101: the ISA13 of our interchange.
    pub isa13: String,
    /// TA102 (YYMMDD) and TA103 (HHMM) of our interchange.
    pub date: String,
    pub time: String,
    /// TA104.
    pub code: AckCode,
    /// TA105.
    pub note_code: String,
    pub position: Position,
}

impl InterchangeAck {
    pub fn explain(&self) -> String {
        format!(
            "TA1 {} interchange {}: note {} = {}",
            self.code.label(),
            self.isa13,
            self.note_code,
            codes::ta1_note(&self.note_code)
        )
    }
}

/// One functional group acknowledged by a 999 (`AK1` ... `AK9`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupAck {
    pub envelope: AckEnvelopeIds,
    /// AK101: functional identifier of our group (HC for claims).
    pub functional_id: String,
    /// AK102: our GS06.
    pub group_control_number: String,
    /// AK103: our GS08.
    pub version: Option<String>,
    pub sets: Vec<SetAck>,
    /// AK901.
    pub code: AckCode,
    /// AK902, AK903, AK904.
    pub sets_included: u32,
    pub sets_received: u32,
    pub sets_accepted: u32,
    /// AK905-AK909.
    pub error_codes: Vec<String>,
    pub position: Position,
}

/// One transaction set acknowledged by a 999 (`AK2` ... `IK5`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SetAck {
    /// AK201 (837).
    pub transaction_id: String,
    /// AK202: our ST02.
    pub control_number: String,
    /// AK203: our ST03.
    pub implementation: Option<String>,
    pub segment_errors: Vec<SegmentError>,
    /// IK501.
    pub code: AckCode,
    /// IK502-IK506.
    pub error_codes: Vec<String>,
    pub position: Position,
}

/// The segment (and element) errors a set's explanation spells out; it counts the rest. The
/// explanation goes to every claim of the set (its history, the worklist): a 999 that flags
/// thousands of segments must not repeat them all for each claim.
pub const MOST_EXPLAINED: usize = 10;

impl SetAck {
    /// The set's verdict and every error, in words, without the bad values (patient data).
    pub fn explain(&self) -> String {
        let mut s = format!("999 set {} {}", self.control_number, self.code.label());
        for c in &self.error_codes {
            s.push_str(&format!("; IK5 {c}: {}", codes::ik5_error(c)));
        }
        for e in self.segment_errors.iter().take(MOST_EXPLAINED) {
            s.push_str("; ");
            s.push_str(&e.explain());
        }
        if self.segment_errors.len() > MOST_EXPLAINED {
            s.push_str(&format!("; ... and {} more segment errors", self.segment_errors.len() - MOST_EXPLAINED));
        }
        s
    }
}

/// An `IK3`: a segment of our transaction set that has an error.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SegmentError {
    /// IK301.
    pub segment_id: String,
    /// IK302: position of the segment in our set (ST is 1).
    pub segment_position: u64,
    /// IK303: loop of the segment (2010BA...).
    pub loop_id: Option<String>,
    /// IK304.
    pub code: String,
    /// CTX segments after the IK3 (business unit such as `CLM01:...`, or the situational trigger).
    pub context: Vec<String>,
    pub elements: Vec<ElementError>,
}

impl SegmentError {
    pub fn explain(&self) -> String {
        let mut s = format!(
            "{} at segment {}{}: {} = {}",
            self.segment_id,
            self.segment_position,
            self.loop_id.as_ref().map(|l| format!(" loop {l}")).unwrap_or_default(),
            self.code,
            codes::ik3_error(&self.code)
        );
        // A business-unit context names the claim at fault (`CTX*CLM01:CK1A2B3C4D5E6F`).
        for c in self.context.iter().filter_map(|c| c.strip_prefix("CLM01:")).filter_map(codes::known_clm01) {
            s.push_str(&format!(" (claim {c})"));
        }
        for e in self.elements.iter().take(MOST_EXPLAINED) {
            s.push_str("; ");
            s.push_str(&e.explain(&self.segment_id));
        }
        if self.elements.len() > MOST_EXPLAINED {
            s.push_str(&format!("; ... and {} more element errors", self.elements.len() - MOST_EXPLAINED));
        }
        s
    }
}

/// An `IK4`: an element with an error. The bad value may be patient data: print it only when asked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ElementError {
    /// IK401-1: element position in the segment.
    pub position: u32,
    /// IK401-2: component position, for composites.
    pub component: Option<u32>,
    /// IK401-3: repetition.
    pub repetition: Option<u32>,
    /// IK402: data element reference number.
    pub data_element: Option<String>,
    /// IK403.
    pub code: String,
    /// IK404: the value that was wrong (patient data: shown only with --show-data).
    #[serde(skip)]
    pub bad_value: Option<String>,
}

impl ElementError {
    /// `NM109 (element 67): 7 = code value not valid` — never the bad value.
    pub fn explain(&self, segment_id: &str) -> String {
        let comp = self.component.map(|c| format!("-{c}")).unwrap_or_default();
        let de = self.data_element.as_ref().map(|d| format!(" (data element {d})")).unwrap_or_default();
        format!("{segment_id}{:02}{comp}{de}: {} = {}", self.position, self.code, codes::ik4_error(&self.code))
    }
}

/// An entity named in a 277 (`NM1`): payer, receiver, provider or patient.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Party {
    /// NM101 (PR, 41, 85, QC, IL...).
    pub entity: String,
    /// NM103: organization or last name.
    pub name: String,
    /// NM104.
    pub first_name: String,
    /// NM108.
    pub id_qualifier: String,
    /// NM109.
    pub id: String,
}

/// One code triple of an STC: `A7:562:85`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatusCode {
    pub category: String,
    pub status: String,
    pub entity: Option<String>,
}

impl StatusCode {
    /// `A7:562:85`.
    pub fn code(&self) -> String {
        match &self.entity {
            Some(e) => format!("{}:{}:{e}", self.category, self.status),
            None => format!("{}:{}", self.category, self.status),
        }
    }

    /// `A7:562:85 rejected: information not valid: entity's National Provider Identifier (NPI) (billing provider)`.
    pub fn explain(&self) -> String {
        let entity = self.entity.as_deref().map(|e| format!(" ({})", codes::entity(e))).unwrap_or_default();
        format!(
            "{} {}: {}{entity}",
            self.code(),
            codes::status_category(&self.category),
            codes::status_code(&self.status)
        )
    }
}

/// An `STC` segment: one to three status codes with a date, action and amount.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StatusInfo {
    /// STC01, then STC10 and STC11 when present.
    pub codes: Vec<StatusCode>,
    /// STC02.
    pub date: Option<NaiveDate>,
    /// STC03 (WQ accepted, U rejected in 277CA).
    pub action: Option<String>,
    /// STC04: total charge of what the status is about.
    pub amount: Option<Decimal>,
    /// STC12 free-form message.
    pub message: Option<String>,
}

impl StatusInfo {
    /// The category of the first code (STC01-1).
    pub fn category(&self) -> &str {
        self.codes.first().map_or("", |c| c.category.as_str())
    }

    pub fn is_rejection(&self) -> bool {
        self.codes.iter().any(|c| codes::is_rejection_category(&c.category))
    }

    pub fn explain(&self) -> String {
        self.codes.iter().map(StatusCode::explain).collect::<Vec<_>>().join("; ")
    }
}

/// A service line's status in a 277 (loop 2220D, `SVC`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LineStatus {
    /// SVC01-1 (HC) and SVC01-2.
    pub qualifier: String,
    pub procedure_code: String,
    pub modifiers: Vec<String>,
    /// SVC02.
    pub charge: Option<Decimal>,
    /// SVC07.
    pub units: Option<Decimal>,
    pub statuses: Vec<StatusInfo>,
    /// REF*FJ: our line item control number (REF*6R of the 837).
    pub line_control_number: Option<String>,
    pub service_dates: Option<(NaiveDate, NaiveDate)>,
}

/// One claim in a 277CA (loop 2200D).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClaimStatus {
    /// TRN02: our CLM01 (patient control number).
    pub pcn: String,
    pub patient: Party,
    pub statuses: Vec<StatusInfo>,
    /// REF*1K.
    pub payer_claim_number: Option<String>,
    /// REF*D9.
    pub clearinghouse_trace: Option<String>,
    /// REF*BLT (institutional bill type).
    pub bill_type: Option<String>,
    /// DTP*472.
    pub service_dates: Option<(NaiveDate, NaiveDate)>,
    pub lines: Vec<LineStatus>,
    pub position: Position,
}

impl ClaimStatus {
    /// The claim-level category that decides: a rejection if any STC rejects, else the first.
    pub fn deciding_status(&self) -> Option<&StatusInfo> {
        self.statuses.iter().find(|s| s.is_rejection()).or(self.statuses.first())
    }

    pub fn is_rejected(&self) -> bool {
        self.statuses.iter().any(StatusInfo::is_rejection)
    }

    pub fn is_accepted(&self) -> bool {
        !self.is_rejected() && self.statuses.iter().any(|s| codes::is_acceptance_category(s.category()))
    }

    /// Every claim and line status in words.
    pub fn explain(&self) -> String {
        let mut parts: Vec<String> = self.statuses.iter().map(StatusInfo::explain).collect();
        for line in &self.lines {
            for st in &line.statuses {
                let which = line.line_control_number.clone().unwrap_or_else(|| line.procedure_code.clone());
                parts.push(format!("line {which}: {}", st.explain()));
            }
        }
        parts.join("; ")
    }
}

/// A billing provider level (HL 19) of a 277 with its claims.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProviderStatus {
    pub provider: Party,
    /// TRN*1 at the provider level.
    pub trace: Option<String>,
    pub statuses: Vec<StatusInfo>,
    pub claims: Vec<ClaimStatus>,
}

/// One 277CA transaction set.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClaimAckTransaction {
    pub envelope: AckEnvelopeIds,
    /// ST03 (005010X214; 005010X212 for a claim status response).
    pub implementation: String,
    /// BHT03.
    pub reference: String,
    /// BHT04.
    pub date: Option<NaiveDate>,
    /// HL 20: the payer or clearinghouse answering.
    pub payer: Party,
    /// TRN*1 at the payer level.
    pub payer_trace: Option<String>,
    /// DTP*050 (received) and DTP*009 (processed).
    pub received: Option<NaiveDate>,
    pub processed: Option<NaiveDate>,
    /// HL 21: us (the submitter), with the batch status.
    pub receiver: Party,
    /// TRN*2 at the receiver level (our batch reference).
    pub receiver_trace: Option<String>,
    pub receiver_statuses: Vec<StatusInfo>,
    /// QTY*90 / QTY*AA and AMT*YU / AMT*YY at the receiver level.
    pub accepted_quantity: Option<Decimal>,
    pub rejected_quantity: Option<Decimal>,
    pub accepted_amount: Option<Decimal>,
    pub rejected_amount: Option<Decimal>,
    pub providers: Vec<ProviderStatus>,
    pub position: Position,
}

impl ClaimAckTransaction {
    pub fn claims(&self) -> impl Iterator<Item = &ClaimStatus> {
        self.providers.iter().flat_map(|p| p.claims.iter())
    }
}

/// Everything a file of acknowledgments says.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AckFile {
    pub interchange_acks: Vec<InterchangeAck>,
    pub group_acks: Vec<GroupAck>,
    pub claim_acks: Vec<ClaimAckTransaction>,
    /// Transaction sets that are not acknowledgments (`837 0001`...), skipped.
    pub skipped_sets: Vec<String>,
    /// Envelope problems of the acknowledgment file itself (counts, control echoes): reported, not fatal.
    pub envelope_findings: Vec<EnvelopeFinding>,
    /// Structure that does not follow the guide (IK4 without IK3...): reported, not fatal.
    pub notes: Vec<String>,
}

impl AckFile {
    /// The kinds of acknowledgment the file holds, in order TA1, 999, 277CA.
    pub fn kinds(&self) -> Vec<AckKind> {
        let mut k = Vec::new();
        if !self.interchange_acks.is_empty() {
            k.push(AckKind::Ta1);
        }
        if !self.group_acks.is_empty() {
            k.push(AckKind::Ack999);
        }
        if !self.claim_acks.is_empty() {
            k.push(AckKind::ClaimAck277);
        }
        k
    }

    pub fn is_empty(&self) -> bool {
        self.kinds().is_empty()
    }
}
