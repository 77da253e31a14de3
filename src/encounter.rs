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

/// A second insurance that is billed after the primary pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SecondaryCoverage {
    pub payer_id: String,
    pub member_id: String,
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
    pub charge: Decimal,
    /// 1-based positions in [`Encounter::diagnoses`], at most four.
    pub diagnosis_pointers: Vec<u8>,
    /// Line place of service when it differs from the claim's.
    pub place_of_service: Option<String>,
    /// Line rendering provider when it differs from the claim's.
    pub rendering_npi: Option<String>,
    pub drug: Option<DrugIdentification>,
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
    pub secondary: Option<SecondaryCoverage>,
    pub rendering_npi: Option<String>,
    pub referring: Option<NamedProvider>,
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

    #[test]
    fn frequency_codes_round_trip() {
        for f in [ClaimFrequency::Original, ClaimFrequency::Replacement, ClaimFrequency::Void] {
            assert_eq!(ClaimFrequency::from_code(f.code()), Some(f));
        }
        assert_eq!(ClaimFrequency::from_code("5"), None);
    }
}
