//! Shared test fixtures for the rule unit tests: a practice, a clean encounter and a code reference.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Finding, NoBilledClaims, ScrubContext, TestReference, scrub_encounter};
use crate::encounter::*;
use crate::practice::Practice;

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn today() -> NaiveDate {
    d("2026-11-20")
}

/// practice-minimal.toml: billing NPI 1234567893, one payer MCRB1 (Medicare, MBI member IDs).
pub fn practice() -> Practice {
    toml::from_str(include_str!("../../tests/fixtures/practice-minimal.toml")).unwrap()
}

/// The standard test reference with the clean encounter's procedures, NCCI and MUE loaded.
pub fn reference() -> TestReference {
    TestReference::standard()
        .procedure_valid("99213", "2020-01-01", None)
        .procedure_valid("36415", "2020-01-01", None)
        .procedure_valid("20610", "2020-01-01", None)
        .procedure_valid("J1030", "2020-01-01", None)
        .procedure_valid("82947", "2020-01-01", None)
        .procedure_valid("87880", "2020-01-01", None)
        .procedure_valid("73560", "2020-01-01", None)
        .procedure_valid("17999", "2020-01-01", None)
        .procedure_valid("00810", "2020-01-01", None)
        .procedure_valid("99391", "2020-01-01", None)
        .procedure_valid("99396", "2020-01-01", None)
        .procedure_valid("99460", "2020-01-01", None)
        .ncci_pair("20610", "20550", 1)
        .mue("36415", 2)
}

pub fn address() -> Address {
    Address {
        line1: "12 Oak Ave".into(),
        line2: None,
        city: "Springfield".into(),
        state: "IL".into(),
        zip: "62704".into(),
    }
}

pub fn line(number: u32, code: &str, modifiers: &[&str], pointers: &[u8]) -> ServiceLine {
    ServiceLine {
        number,
        source: SourceRef::default(),
        date_of_service: d("2026-11-02"),
        date_of_service_to: None,
        procedure: Procedure { code: code.into(), modifiers: modifiers.iter().map(|m| m.to_string()).collect() },
        units: Decimal::ONE,
        charge: Decimal::new(12500, 2),
        diagnosis_pointers: pointers.to_vec(),
        place_of_service: None,
        rendering_npi: None,
        drug: None,
        unit_type: Default::default(),
        description: None,
        ordering: None,
        supervising: None,
    }
}

/// A Medicare patient who is the subscriber: office visit and a venipuncture for diabetes and
/// hypertension, on 2026-11-02. Passes every rule.
pub fn clean_encounter() -> Encounter {
    let name = PersonName { last: "Doe".into(), first: "Jane".into(), middle: None };
    Encounter {
        id: "E1001".into(),
        source: SourceRef::default(),
        patient: Patient {
            id: "P77".into(),
            name: name.clone(),
            dob: Some(d("1950-03-04")),
            sex: Sex::Female,
            address: Some(address()),
        },
        relationship: Relationship::SelfInsured,
        subscriber: Subscriber {
            member_id: "1EG4TE5MK73".into(),
            name,
            dob: Some(d("1950-03-04")),
            sex: Sex::Female,
            address: Some(address()),
            group_number: None,
        },
        payer_id: "MCRB1".into(),
        secondary: None,
        tertiary: None,
        insurance_type: None,
        coverage_from: None,
        coverage_to: None,
        rendering_npi: Some("1234567893".into()),
        referring: None,
        supervising: None,
        facility: None,
        place_of_service: "11".into(),
        diagnoses: vec![Diagnosis::new("E11.9"), Diagnosis::new("I10")],
        lines: vec![line(1, "99213", &[], &[1, 2]), line(2, "36415", &[], &[1])],
        prior_authorization: None,
        onset_date: None,
        frequency: ClaimFrequency::Original,
        original_claim_number: None,
        notes: Default::default(),
    }
}

pub fn scrub_with(e: &Encounter, p: &Practice, r: &TestReference) -> Vec<Finding> {
    let ctx = ScrubContext::new(p, r, today(), &NoBilledClaims);
    scrub_encounter(e, &ctx)
}

/// Scrubs with "today" set to `today` (for dates of service long ago).
pub fn scrub_on(e: &Encounter, today: NaiveDate) -> Vec<Finding> {
    let (p, r) = (practice(), reference());
    scrub_encounter(e, &ScrubContext::new(&p, &r, today, &NoBilledClaims))
}

pub fn scrub(e: &Encounter) -> Vec<Finding> {
    scrub_with(e, &practice(), &reference())
}

pub fn rules_of(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.rule_id).collect()
}

/// Asserts the findings are exactly the given rule, once.
#[track_caller]
pub fn assert_only(f: &[Finding], rule: &str) {
    assert_eq!(rules_of(f), [rule], "{f:#?}");
}
