//! The typed 835: a [`Remittance`] per transaction set, [`ClaimPayment`] per `CLP`,
//! [`ServicePayment`] per `SVC`, [`ClaimAdjustment`] per `CAS` triplet, [`ProviderAdjustment`] per
//! `PLB` pair. Names of people are kept in [`PersonName`], whose `Debug` hides them.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::x12::Position;

/// Where the transaction set sits in its envelopes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnvelopeIds {
    /// ISA13
    pub interchange_control: String,
    /// ISA06, trimmed
    pub sender_id: String,
    /// ISA08, trimmed
    pub receiver_id: String,
    /// GS06
    pub group_control: String,
    /// GS08 (`005010X221A1`)
    pub version: String,
    /// ST02
    pub transaction_control: String,
}

/// `BPR`: the money moved by this remittance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Payment {
    /// BPR01: `I` remittance with payment, `H` advice only, `C` payment accompanies remittance...
    pub handling: String,
    /// BPR02: total actual provider payment.
    pub amount: Decimal,
    /// BPR03: `C` credit or `D` debit.
    pub credit_debit: String,
    /// BPR04: `ACH`, `CHK`, `BOP`, `FWT`, `NON`.
    pub method: String,
    /// BPR05: `CCP`, `CTX`.
    pub format: Option<String>,
    /// BPR16: check issue or EFT effective date (or BPR15 when a payer put it there: see findings).
    pub date: Option<NaiveDate>,
}

impl Payment {
    /// The amount signed as the provider sees it: a debit (`BPR03 = D`) takes money back.
    pub fn signed_amount(&self) -> Decimal {
        if self.credit_debit == "D" { -self.amount } else { self.amount }
    }
}

/// `TRN`: the reassociation trace (check or EFT trace number).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// TRN02
    pub number: String,
    /// TRN03: payer identifier (`1` + EIN)
    pub originator: String,
    /// TRN04
    pub originator_supplemental: Option<String>,
}

/// `REF`: a qualified reference number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub qualifier: String,
    pub value: String,
}

/// `PER`: a contact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// PER01: `CX` claims, `BL` technical, `IC` web site.
    pub function: String,
    pub name: Option<String>,
    /// (qualifier, number) pairs: `TE` phone, `EM` e-mail, `UR` web...
    pub numbers: Vec<(String, String)>,
}

/// `N1` loop of the payer (`PR`) or payee (`PE`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Party {
    /// N101: `PR` or `PE`.
    pub entity: String,
    pub name: String,
    /// N103: `XV` plan ID, `XX` NPI, `FI` TIN...
    pub id_qualifier: Option<String>,
    pub id: Option<String>,
    pub street: Vec<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub references: Vec<Reference>,
    pub contacts: Vec<Contact>,
}

impl Party {
    /// The first `REF` with this qualifier.
    pub fn reference(&self, qualifier: &str) -> Option<&str> {
        self.references.iter().find(|r| r.qualifier == qualifier).map(|r| r.value.as_str())
    }

    /// The payee's NPI (N103 `XX`).
    pub fn npi(&self) -> Option<&str> {
        if self.id_qualifier.as_deref() == Some("XX") { self.id.as_deref() } else { None }
    }

    /// The payee's tax ID (N103 `FI`, else `REF*TJ`).
    pub fn tin(&self) -> Option<&str> {
        if self.id_qualifier.as_deref() == Some("FI") { self.id.as_deref() } else { self.reference("TJ") }
    }
}

/// Everything before the first claim: envelope, payment, trace, payer and payee.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RemittanceHeader {
    pub envelope: EnvelopeIds,
    pub payment: Payment,
    pub trace: Trace,
    /// DTM*405 production date.
    pub production_date: Option<NaiveDate>,
    /// Header `REF` (EV receiver, F2 version).
    pub references: Vec<Reference>,
    pub payer: Party,
    pub payee: Party,
    /// Segment of `ST`.
    pub position: Position,
}

impl RemittanceHeader {
    /// The payer's identifier: `REF*2U`, else N104 of the payer, else TRN03.
    pub fn payer_id(&self) -> &str {
        self.payer
            .reference("2U")
            .or(self.payer.id.as_deref())
            .filter(|s| !s.is_empty())
            .unwrap_or(&self.trace.originator)
    }
}

/// One whole 835 transaction set, held in memory (see [`crate::remit835::read_835`] to stream).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Remittance {
    pub header: RemittanceHeader,
    pub claims: Vec<ClaimPayment>,
    pub provider_adjustments: Vec<ProviderAdjustment>,
    pub findings: Vec<Finding>,
}

impl Remittance {
    /// True when no balancing finding was raised at any level.
    pub fn balanced(&self) -> bool {
        !self.findings.iter().any(Finding::is_unbalanced)
    }
}

/// One `CAS` triplet: group (CO, PR, OA, PI, CR), reason (CARC), amount, quantity. The one
/// adjustment type of claimkit: the 835 gives it, the secondary claim's 2320/2430 repeat it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ClaimAdjustment {
    pub group: String,
    pub reason: String,
    /// Positive reduces payment.
    pub amount: Decimal,
    pub quantity: Option<Decimal>,
}

/// A person or organization named in a claim (`NM1*QC` patient, `IL` insured, `74` corrected
/// patient, `82` rendering provider...). Kept for matching; `Debug` shows only the entity code.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PersonName {
    pub entity: String,
    pub last: String,
    pub first: String,
    pub middle: String,
    pub id_qualifier: String,
    pub id: String,
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName {{ entity: {:?}, .. }}", self.entity)
    }
}

impl Serialize for PersonName {
    /// Only the entity code: names and IDs are patient data.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.entity)
    }
}

/// A dated qualifier (`DTM*232*20261101`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualifiedDate {
    pub qualifier: String,
    pub date: NaiveDate,
}

/// A qualified amount (`AMT*AU*912.00`) or quantity (`QTY*CA*8`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualifiedAmount {
    pub qualifier: String,
    pub amount: Decimal,
}

/// `MIA` (inpatient) or `MOA` (outpatient) adjudication: the elements as sent, and their remark
/// codes (MIA05, MIA20-23; MOA03-07).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AdjudicationInfo {
    pub elements: Vec<String>,
    pub remark_codes: Vec<String>,
}

/// One `CLP` loop (2100): a claim as adjudicated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClaimPayment {
    /// CLP01: the patient control number we sent as CLM01.
    pub pcn: String,
    /// CLP02: 1/2/3 processed as primary/secondary/tertiary, 4 denied, 19/20/21 forwarded, 22 reversal.
    pub status: String,
    pub charge: Decimal,
    pub paid: Decimal,
    pub patient_responsibility: Decimal,
    /// CLP06: `MB` Medicare B, `12` PPO, `HM` HMO...
    pub filing_indicator: String,
    /// CLP07: the payer's claim control number.
    pub payer_claim_number: Option<String>,
    /// CLP08: place of service or facility type.
    pub facility_type: Option<String>,
    /// CLP09: claim frequency.
    pub frequency: Option<String>,
    pub adjustments: Vec<ClaimAdjustment>,
    pub patient: Option<PersonName>,
    pub insured: Option<PersonName>,
    pub corrected_patient: Option<PersonName>,
    pub rendering_provider: Option<PersonName>,
    /// Other NM1 (crossover carrier TT, corrected priority payer PR, other subscriber GB).
    pub other_names: Vec<PersonName>,
    pub inpatient: Option<AdjudicationInfo>,
    pub outpatient: Option<AdjudicationInfo>,
    pub references: Vec<Reference>,
    /// DTM*232 statement from.
    pub statement_from: Option<NaiveDate>,
    /// DTM*233 statement to.
    pub statement_to: Option<NaiveDate>,
    /// DTM*050 received by the payer.
    pub received: Option<NaiveDate>,
    /// Other claim dates (036 coverage expiration...).
    pub dates: Vec<QualifiedDate>,
    pub amounts: Vec<QualifiedAmount>,
    pub quantities: Vec<QualifiedAmount>,
    pub lines: Vec<ServicePayment>,
    /// Segment of the `CLP`.
    pub position: Position,
}

impl ClaimPayment {
    /// CLP02 = 22.
    pub fn is_reversal(&self) -> bool {
        self.status == "22"
    }

    /// The sum of claim- and line-level adjustment amounts.
    pub fn total_adjustments(&self) -> Decimal {
        self.adjustments.iter().map(|a| a.amount).sum::<Decimal>()
            + self.lines.iter().map(ServicePayment::total_adjustments).sum::<Decimal>()
    }

    /// Every adjustment of the claim and its lines.
    pub fn all_adjustments(&self) -> impl Iterator<Item = &ClaimAdjustment> {
        self.adjustments.iter().chain(self.lines.iter().flat_map(|l| l.adjustments.iter()))
    }

    /// The first date of service: DTM*232, else the earliest line date.
    pub fn first_date_of_service(&self) -> Option<NaiveDate> {
        self.statement_from.or_else(|| self.lines.iter().filter_map(|l| l.service_date).min())
    }
}

/// `SVC01` / `SVC06`: a procedure as adjudicated (`HC:99213:25`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProcedureId {
    /// `HC` HCPCS/CPT, `AD` ADA, `N4` NDC, `NU` revenue code...
    pub qualifier: String,
    pub code: String,
    pub modifiers: Vec<String>,
}

/// One `SVC` loop (2110): a service line as adjudicated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServicePayment {
    pub procedure: ProcedureId,
    pub charge: Decimal,
    pub paid: Decimal,
    /// SVC04: NUBC revenue code.
    pub revenue_code: Option<String>,
    /// SVC05: units paid (1 when absent).
    pub units_paid: Decimal,
    /// SVC06: the procedure as submitted, when the payer paid a different one.
    pub original_procedure: Option<ProcedureId>,
    /// SVC07: original units.
    pub original_units: Option<Decimal>,
    /// DTM*472 (or DTM*150 service period start).
    pub service_date: Option<NaiveDate>,
    /// DTM*151 service period end.
    pub service_date_to: Option<NaiveDate>,
    pub adjustments: Vec<ClaimAdjustment>,
    /// REF*6R: our line item control number echoed.
    pub line_control_number: Option<String>,
    pub references: Vec<Reference>,
    /// AMT*B6: allowed amount.
    pub allowed: Option<Decimal>,
    pub amounts: Vec<QualifiedAmount>,
    pub quantities: Vec<QualifiedAmount>,
    /// LQ*HE remark codes (RARC), with LQ*RX (NCPDP reject codes) prefixed `RX:`.
    pub remark_codes: Vec<String>,
    pub position: Position,
}

impl ServicePayment {
    pub fn total_adjustments(&self) -> Decimal {
        self.adjustments.iter().map(|a| a.amount).sum()
    }

    /// The procedure as we billed it: SVC06 when present (the payer changed it), else SVC01.
    pub fn billed_procedure(&self) -> &ProcedureId {
        self.original_procedure.as_ref().unwrap_or(&self.procedure)
    }
}

/// One `PLB` reason/amount pair: a provider-level adjustment outside any claim.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProviderAdjustment {
    /// PLB01
    pub provider_id: String,
    /// PLB02: last day of the provider's fiscal period.
    pub fiscal_period_date: Option<NaiveDate>,
    /// PLB03-1: `WO` overpayment recovery, `FB` forwarding balance, `L6` interest, `CV` capital...
    pub reason: String,
    /// PLB03-2
    pub reference: Option<String>,
    /// Positive reduces the payment.
    pub amount: Decimal,
    pub position: Position,
}

/// How bad a finding is for the biller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingLevel {
    /// The file differs from the implementation guide but was read.
    File,
    /// BPR/PLB level.
    Transaction,
    Claim,
    Line,
}

impl FindingLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingLevel::File => "file",
            FindingLevel::Transaction => "transaction",
            FindingLevel::Claim => "claim",
            FindingLevel::Line => "line",
        }
    }
}

/// Something off in a remittance: an imbalance or a departure from the guide. No patient data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: FindingLevel,
    /// `LINE-UNBALANCED`, `CLAIM-UNBALANCED`, `TRANSACTION-UNBALANCED`, `BPR16-MISSING`...
    pub code: &'static str,
    /// TRN02 of the transaction.
    pub trace: String,
    /// CLP01 for claim and line findings.
    pub pcn: Option<String>,
    /// 1-based SVC ordinal within the claim, for line findings.
    pub line: Option<u32>,
    pub expected: Option<Decimal>,
    pub actual: Option<Decimal>,
    pub message: String,
    pub at: Position,
}

impl Finding {
    /// True for the three balancing findings.
    pub fn is_unbalanced(&self) -> bool {
        self.code.ends_with("-UNBALANCED")
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] {}", self.at, self.code, self.message)
    }
}
