//! The encounter: what a practice's EMR documented about one patient visit, in billing terms.
//!
//! Every import format (CSV, FHIR R4, HL7 v2 DFT^P03) is parsed into [`Encounter`] once, at the
//! edge; the scrubber and the 837P builder work only on these typed values. One encounter becomes
//! one professional claim: a patient, the insurance that pays (subscriber + payer), the
//! diagnoses (ICD-10-CM, in order: the first is the principal), and service lines (CPT/HCPCS with
//! up to four modifiers, units, charge, diagnosis pointers).
//!
//! ```text
//! encounter_id,patient_id,...,date_of_service,procedure_code,modifiers,units,charge,diagnosis_codes,diagnosis_pointers
//! E1001,P77,...,2026-11-02,99213,25,1,125.00,E11.9|I10,1:2
//! E1001,P77,...,2026-11-02,36415,,1,18.00,E11.9|I10,1
//! ```

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The largest amount or quantity claimkit reads from any file (a trillion dollars less a cent): no
/// charge, payment or unit count comes near it, and sums and products of amounts below it stay far
/// inside what a `Decimal` holds. Fuzzing found sums of 28-digit amounts overflowing (a panic).
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(276_447_231, 23_283, 0, false, 2);

/// `d` when it is within ±[`MAX_AMOUNT`]; `None` when it is too large to be an amount.
pub fn bounded_amount(d: Decimal) -> Option<Decimal> {
    (d.abs() <= MAX_AMOUNT).then_some(d)
}

/// Where a record came from, for error messages and the claim's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SourceRef {
    /// The file name as given on the command line.
    pub file: String,
    /// `line 12`, `message 3`, `Encounter/abc-123`...
    pub locator: String,
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.locator.is_empty() { write!(f, "{}", self.file) } else { write!(f, "{}:{}", self.file, self.locator) }
    }
}

/// Administrative sex as the 837 DMG03 carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Sex {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
    #[default]
    #[serde(rename = "U")]
    Unknown,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
            Sex::Unknown => "U",
        }
    }
}

/// A person's name. Never printed in logs or errors without `--show-data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PersonName {
    pub last: String,
    pub first: String,
    pub middle: Option<String>,
}

/// A US postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Address {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    /// Two-letter state code.
    pub state: String,
    /// 5 or 9 digits, no hyphen.
    pub zip: String,
}

/// The patient's relationship to the subscriber (837P SBR02 / PAT01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Relationship {
    /// The patient is the subscriber (SBR02 = 18): no patient loop 2000C.
    #[default]
    #[serde(rename = "self")]
    SelfInsured,
    Spouse,
    Child,
    Other,
}

impl Relationship {
    /// The individual relationship code of SBR02/PAT01.
    pub fn x12_code(self) -> &'static str {
        match self {
            Relationship::SelfInsured => "18",
            Relationship::Spouse => "01",
            Relationship::Child => "19",
            Relationship::Other => "G8",
        }
    }
}

/// The patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Patient {
    /// The practice's patient ID (account number / MRN).
    pub id: String,
    pub name: PersonName,
    #[serde(default, deserialize_with = "crate::dates::serde_iso::optional_date")]
    pub dob: Option<NaiveDate>,
    pub sex: Sex,
    pub address: Option<Address>,
}

/// The insured person whose coverage pays for the claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Subscriber {
    /// Member ID on the insurance card (a Medicare MBI for Medicare).
    pub member_id: String,
    pub name: PersonName,
    #[serde(default, deserialize_with = "crate::dates::serde_iso::optional_date")]
    pub dob: Option<NaiveDate>,
    pub sex: Sex,
    pub address: Option<Address>,
    pub group_number: Option<String>,
}

/// The person insured by a coverage when that is not the patient (or, for the primary, always:
/// [`Encounter::subscriber`] carries the primary's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Insured {
    pub name: PersonName,
    #[serde(default, deserialize_with = "crate::dates::serde_iso::optional_date")]
    pub dob: Option<NaiveDate>,
    #[serde(default)]
    pub sex: Sex,
    #[serde(default)]
    pub address: Option<Address>,
}

/// A coverage after the primary (secondary, tertiary): its payer, the member ID, and whose
/// coverage it is.
///
/// Encounters stored before coverages carried their own subscriber have only `payer_id` and
/// `member_id`: such a coverage ([`Coverage::relationship`] `None`) is read as the primary's
/// subscriber's, as claimkit billed it then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Coverage {
    pub payer_id: String,
    pub member_id: String,
    /// The patient's relationship to this coverage's subscriber; `None` when the source did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<Relationship>,
    /// This coverage's subscriber when it is not the patient. `None` with relationship `self`: the
    /// patient is the subscriber.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriber: Option<Insured>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_number: Option<String>,
    /// Insurance type code (837P SBR05), e.g. `12` Medicare secondary working aged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurance_type: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::dates::serde_iso::optional_date"
    )]
    pub effective_from: Option<NaiveDate>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::dates::serde_iso::optional_date"
    )]
    pub effective_to: Option<NaiveDate>,
}

/// The name the secondary coverage had before coverages carried their own subscriber.
pub type SecondaryCoverage = Coverage;

/// The place of a coverage in the patient's order of benefits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CoverageOrder {
    Primary,
    Secondary,
    Tertiary,
}

impl CoverageOrder {
    /// SBR01: `P`, `S` or `T`.
    pub fn code(self) -> &'static str {
        match self {
            CoverageOrder::Primary => "P",
            CoverageOrder::Secondary => "S",
            CoverageOrder::Tertiary => "T",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "P" => Some(CoverageOrder::Primary),
            "S" => Some(CoverageOrder::Secondary),
            "T" => Some(CoverageOrder::Tertiary),
            _ => None,
        }
    }
}

/// One coverage as a claim or an eligibility inquiry names it, with its subscriber resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolvedCoverage {
    pub order: CoverageOrder,
    pub payer_id: String,
    pub member_id: String,
    pub group_number: Option<String>,
    pub relationship: Relationship,
    /// The subscriber: the patient when `relationship` is self.
    pub subscriber: Insured,
    pub insurance_type: Option<String>,
    pub effective_from: Option<NaiveDate>,
    pub effective_to: Option<NaiveDate>,
}

impl ResolvedCoverage {
    /// True when the patient is this coverage's subscriber (SBR02 18, no 2000C loop).
    pub fn patient_is_subscriber(&self) -> bool {
        self.relationship == Relationship::SelfInsured
    }

    /// True when the coverage is in force on `date` (open ends count as in force).
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.effective_from.is_none_or(|f| f <= date) && self.effective_to.is_none_or(|t| date <= t)
    }
}

/// A provider named on the claim by NPI (referring, ordering, supervising).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NamedProvider {
    pub npi: String,
    pub last: String,
    pub first: Option<String>,
}

/// Where the service was rendered, when not at the billing provider's address (837P 2310C).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ServiceFacility {
    pub npi: Option<String>,
    pub name: String,
    pub address: Address,
}

/// A diagnosis code as billed: ICD-10-CM, upper case, without the dot (`E119`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Diagnosis(String);

impl Diagnosis {
    /// Normalizes `E11.9`, `e119 ` to `E119`.
    pub fn new(code: &str) -> Self {
        Diagnosis(code.trim().chars().filter(|c| *c != '.').flat_map(char::to_uppercase).collect())
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    /// The code with its dot after the third character, as people write it (`E11.9`).
    pub fn dotted(&self) -> String {
        match crate::text::split_at(&self.0, 3) {
            Some((category, rest)) if !rest.is_empty() => format!("{category}.{rest}"),
            _ => self.0.clone(),
        }
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A CPT or HCPCS Level II procedure with its modifiers (at most four on an 837P line).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Procedure {
    pub code: String,
    pub modifiers: Vec<String>,
}

/// The drug given on a line, for NDC billing (837P 2410 LIN/CTP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugIdentification {
    /// 11-digit NDC in 5-4-2 form, digits only.
    pub ndc: String,
    pub quantity: Decimal,
    /// CTP05-1 unit: F2 international unit, GR gram, ME milligram, ML milliliter, UN unit.
    pub unit: String,
}

/// How a line's quantity is counted (SV103): units, or minutes for anesthesia.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum UnitType {
    /// `UN`: units of service.
    #[default]
    #[serde(rename = "UN")]
    Units,
    /// `MJ`: minutes (anesthesia time, 00100-01999).
    #[serde(rename = "MJ")]
    Minutes,
}

impl UnitType {
    /// SV103.
    pub fn code(self) -> &'static str {
        match self {
            UnitType::Units => "UN",
            UnitType::Minutes => "MJ",
        }
    }

    /// `UN` or `MJ` (any case; empty is units).
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "" => Some(UnitType::Units),
            c if c.eq_ignore_ascii_case("UN") => Some(UnitType::Units),
            c if c.eq_ignore_ascii_case("MJ") => Some(UnitType::Minutes),
            _ => None,
        }
    }

    fn is_units(&self) -> bool {
        *self == UnitType::Units
    }
}

/// Claim frequency (CLM05-3): original, replacement of a prior claim, or void of a prior claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ClaimFrequency {
    #[default]
    #[serde(rename = "1")]
    Original,
    #[serde(rename = "7")]
    Replacement,
    #[serde(rename = "8")]
    Void,
}

impl ClaimFrequency {
    pub fn code(self) -> &'static str {
        match self {
            ClaimFrequency::Original => "1",
            ClaimFrequency::Replacement => "7",
            ClaimFrequency::Void => "8",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "" | "1" => Some(ClaimFrequency::Original),
            "7" => Some(ClaimFrequency::Replacement),
            "8" => Some(ClaimFrequency::Void),
            _ => None,
        }
    }
}

/// One billed service: a procedure on a date, with units, a charge and the diagnoses it treats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLine {
    /// 1-based position in the encounter (LX01).
    pub number: u32,
    /// Where the line was read (CSV line, FT1 segment...).
    pub source: SourceRef,
    #[serde(deserialize_with = "crate::dates::serde_iso::date")]
    pub date_of_service: NaiveDate,
    #[serde(default, deserialize_with = "crate::dates::serde_iso::optional_date")]
    pub date_of_service_to: Option<NaiveDate>,
    pub procedure: Procedure,
    pub units: Decimal,
    /// Units (`UN`) or minutes (`MJ`, anesthesia) in [`ServiceLine::units`].
    #[serde(default, skip_serializing_if = "UnitType::is_units")]
    pub unit_type: UnitType,
    /// What was done, for an unlisted (NOC) code whose number says nothing (SV101-7, up to 80
    /// characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub charge: Decimal,
    /// 1-based positions in [`Encounter::diagnoses`], at most four.
    pub diagnosis_pointers: Vec<u8>,
    /// Line place of service when it differs from the claim's.
    pub place_of_service: Option<String>,
    /// Line rendering provider when it differs from the claim's.
    pub rendering_npi: Option<String>,
    pub drug: Option<DrugIdentification>,
    /// The provider who ordered the service (lab, imaging, DME: 837P 2420E).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordering: Option<NamedProvider>,
    /// Line supervising provider when it differs from the claim's (2420D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervising: Option<NamedProvider>,
}

/// One encounter, ready to be scrubbed and billed as one claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encounter {
    /// The EMR's encounter ID (unique within the practice).
    pub id: String,
    pub source: SourceRef,
    pub patient: Patient,
    pub relationship: Relationship,
    pub subscriber: Subscriber,
    /// The payer billed first (the practice file's payer ID).
    pub payer_id: String,
    pub secondary: Option<Coverage>,
    /// A third coverage, billed after the secondary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tertiary: Option<Coverage>,
    /// The primary's insurance type code (SBR05), when the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurance_type: Option<String>,
    /// When the primary coverage starts and ends, when the source says.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::dates::serde_iso::optional_date"
    )]
    pub coverage_from: Option<NaiveDate>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::dates::serde_iso::optional_date"
    )]
    pub coverage_to: Option<NaiveDate>,
    pub rendering_npi: Option<String>,
    pub referring: Option<NamedProvider>,
    /// The provider who supervised the rendering provider (incident-to services: 837P 2310D).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervising: Option<NamedProvider>,
    pub facility: Option<ServiceFacility>,
    /// Claim place of service (CLM05-1), two digits.
    pub place_of_service: String,
    /// In billing order: the first is the principal diagnosis (ABK), the rest ABF.
    pub diagnoses: Vec<Diagnosis>,
    pub lines: Vec<ServiceLine>,
    pub prior_authorization: Option<String>,
    #[serde(default, deserialize_with = "crate::dates::serde_iso::optional_date")]
    pub onset_date: Option<NaiveDate>,
    pub frequency: ClaimFrequency,
    /// The payer's claim control number of the claim a replacement or void refers to (REF*F8).
    pub original_claim_number: Option<String>,
    /// Columns or fields the format had that claimkit does not use, kept for the biller.
    pub notes: BTreeMap<String, String>,
}

impl Encounter {
    /// Total charge: the sum of the line charges (CLM02).
    pub fn total_charge(&self) -> Decimal {
        self.lines.iter().map(|l| l.charge).sum()
    }

    /// The first date of service on the claim.
    pub fn first_date_of_service(&self) -> Option<NaiveDate> {
        self.lines.iter().map(|l| l.date_of_service).min()
    }

    /// The last date of service on the claim (including line end dates).
    pub fn last_date_of_service(&self) -> Option<NaiveDate> {
        self.lines.iter().map(|l| l.date_of_service_to.unwrap_or(l.date_of_service)).max()
    }

    /// The patient's coverages in order of benefits: the primary, then the secondary and tertiary
    /// when known, each with its subscriber resolved.
    pub fn coverages(&self) -> Vec<ResolvedCoverage> {
        let primary_insured = Insured {
            name: self.subscriber.name.clone(),
            dob: self.subscriber.dob,
            sex: self.subscriber.sex,
            address: self.subscriber.address.clone(),
        };
        let patient = Insured {
            name: self.patient.name.clone(),
            dob: self.patient.dob,
            sex: self.patient.sex,
            address: self.patient.address.clone(),
        };
        let mut out = vec![ResolvedCoverage {
            order: CoverageOrder::Primary,
            payer_id: self.payer_id.clone(),
            member_id: self.subscriber.member_id.clone(),
            group_number: self.subscriber.group_number.clone(),
            relationship: self.relationship,
            subscriber: if self.relationship == Relationship::SelfInsured && primary_insured.name.last.is_empty() {
                patient.clone()
            } else {
                primary_insured.clone()
            },
            insurance_type: self.insurance_type.clone(),
            effective_from: self.coverage_from,
            effective_to: self.coverage_to,
        }];
        for (order, coverage) in
            [(CoverageOrder::Secondary, &self.secondary), (CoverageOrder::Tertiary, &self.tertiary)]
        {
            let Some(c) = coverage else { continue };
            let (relationship, subscriber) = match (c.relationship, &c.subscriber) {
                (Some(r), Some(s)) if !s.name.last.is_empty() => (r, s.clone()),
                (Some(Relationship::SelfInsured), _) => (Relationship::SelfInsured, patient.clone()),
                // Someone else's coverage without a name: the primary's subscriber is the best
                // knowledge (a spouse's second plan); a stored encounter without a relationship
                // reads as it was billed before.
                (Some(r), _) => (r, primary_insured.clone()),
                (None, _) => (self.relationship, primary_insured.clone()),
            };
            out.push(ResolvedCoverage {
                order,
                payer_id: c.payer_id.clone(),
                member_id: c.member_id.clone(),
                group_number: c.group_number.clone(),
                relationship,
                subscriber,
                insurance_type: c.insurance_type.clone(),
                effective_from: c.effective_from,
                effective_to: c.effective_to,
            });
        }
        out
    }

    /// Stores a secondary or tertiary that is the primary subscriber's (same relationship, same
    /// person) in its short form (no relationship, no subscriber), so every import format stores
    /// the same encounter and encounters stored before coverages keep their fingerprint.
    pub fn normalize_coverages(&mut self) {
        let coverages = self.coverages();
        let primary = &coverages[0];
        let same = |c: &ResolvedCoverage| {
            c.relationship == primary.relationship
                && c.subscriber.name == primary.subscriber.name
                && c.subscriber.dob == primary.subscriber.dob
                && c.subscriber.sex == primary.subscriber.sex
        };
        let [secondary, tertiary] = [CoverageOrder::Secondary, CoverageOrder::Tertiary]
            .map(|o| coverages.iter().find(|c| c.order == o).is_some_and(same));
        for (coverage, short) in [(&mut self.secondary, secondary), (&mut self.tertiary, tertiary)] {
            if let Some(c) = coverage.as_mut().filter(|_| short) {
                c.relationship = None;
                c.subscriber = None;
            }
        }
    }

    /// The coverage of `order`, when the patient has one.
    pub fn coverage(&self, order: CoverageOrder) -> Option<ResolvedCoverage> {
        self.coverages().into_iter().find(|c| c.order == order)
    }

    /// A fingerprint of everything that is billed, to tell an unchanged re-import from a changed one.
    pub fn content_hash(&self) -> String {
        let mut copy = self.clone();
        copy.source = SourceRef::default();
        for line in &mut copy.lines {
            line.source = SourceRef::default();
        }
        let json = serde_json::to_vec(&copy).unwrap_or_default();
        crate::digest::sha256_hex(&json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnosis_codes_are_stored_without_the_dot() {
        let d = Diagnosis::new(" e11.65 ");
        assert_eq!(d.code(), "E1165");
        assert_eq!(d.dotted(), "E11.65");
        assert_eq!(Diagnosis::new("I10").dotted(), "I10");
        // A non-ASCII character where the dot goes is kept as it is, not panicked on.
        assert_eq!(Diagnosis::new("J0é9").dotted(), "J0É9");
        assert_eq!(Diagnosis::new("Jé").dotted(), "JÉ");
    }

    #[test]
    fn amounts_are_bounded_at_a_trillion_dollars_less_a_cent() {
        assert_eq!(MAX_AMOUNT.to_string(), "999999999999.99");
        assert_eq!(bounded_amount(Decimal::new(-99999999999999, 2)), Some(Decimal::new(-99999999999999, 2)));
        assert_eq!(bounded_amount(Decimal::new(100000000000000, 2)), None);
        assert_eq!(bounded_amount(Decimal::MAX), None);
    }

    fn stored_before_coverages() -> &'static str {
        r#"{"id":"E1","source":{"file":"a.csv","locator":"line 2"},
            "patient":{"id":"P1","name":{"last":"Hart","first":"Lily","middle":null},"dob":"2016-03-14","sex":"F","address":null},
            "relationship":"child",
            "subscriber":{"member_id":"ACM1","name":{"last":"Hart","first":"David","middle":null},"dob":"1984-07-02","sex":"M","address":null,"group_number":"GRP1"},
            "payer_id":"ACME1","secondary":{"payer_id":"MCD01","member_id":"IL5"},
            "rendering_npi":null,"referring":null,"facility":null,"place_of_service":"11","diagnoses":["J069"],"lines":[],
            "prior_authorization":null,"onset_date":null,"frequency":"1","original_claim_number":null,"notes":{}}"#
    }

    #[test]
    fn an_encounter_stored_before_coverages_loads_and_keeps_its_fingerprint() {
        let e: Encounter = serde_json::from_str(stored_before_coverages()).unwrap();
        assert!(e.tertiary.is_none() && e.insurance_type.is_none());
        let written = serde_json::to_value(&e).unwrap();
        assert_eq!(written["secondary"], serde_json::json!({"payer_id": "MCD01", "member_id": "IL5"}));
        assert!(written.get("tertiary").is_none());
        // Read as it was billed then: the primary's subscriber, but never the primary's group.
        let secondary = e.coverage(CoverageOrder::Secondary).unwrap();
        assert_eq!(secondary.subscriber.name.first, "David");
        assert_eq!(secondary.relationship, Relationship::Child);
        assert_eq!(secondary.group_number, None);
    }

    #[test]
    fn a_secondary_with_relationship_self_and_no_subscriber_is_the_patient_s_own() {
        let mut e: Encounter = serde_json::from_str(stored_before_coverages()).unwrap();
        e.secondary.as_mut().unwrap().relationship = Some(Relationship::SelfInsured);
        let c = e.coverages();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].subscriber.name.first, "David");
        assert!(!c[0].patient_is_subscriber());
        assert!(c[1].patient_is_subscriber());
        assert_eq!(c[1].subscriber.name.first, "Lily");
        assert_eq!(c[1].subscriber.dob, e.patient.dob);
        assert_eq!(c[1].member_id, "IL5");
    }

    #[test]
    fn coverage_dates_bound_the_days_it_covers() {
        let mut e: Encounter = serde_json::from_str(stored_before_coverages()).unwrap();
        e.coverage_from = NaiveDate::from_ymd_opt(2026, 1, 1);
        e.coverage_to = NaiveDate::from_ymd_opt(2026, 6, 30);
        let primary = e.coverage(CoverageOrder::Primary).unwrap();
        assert!(primary.covers(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()));
        assert!(!primary.covers(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()));
        assert!(!primary.covers(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()));
    }

    #[test]
    fn frequency_codes_round_trip() {
        for f in [ClaimFrequency::Original, ClaimFrequency::Replacement, ClaimFrequency::Void] {
            assert_eq!(ClaimFrequency::from_code(f.code()), Some(f));
        }
        assert_eq!(ClaimFrequency::from_code("5"), None);
    }
}
