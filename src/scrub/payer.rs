//! The payer and the insured: a payer the practice file knows, the subscriber fields the 837P
//! requires, Medicare's member ID pattern, and replacement/void claims that name the claim they
//! change.
//!
//! ```text
//! SBR*P*18*******MB~
//! NM1*IL*1*DOE*JANE****MI*1EG4TE5MK73~     subscriber name and MBI
//! CLM*E1001*125***11:B:7~  REF*F8*PAYERCLAIM123~   replacement: the payer's claim number
//! ```

use super::{Findings, RuleInfo, ScrubContext, Severity};
use crate::encounter::{ClaimFrequency, Encounter, Relationship, Sex};
use crate::practice::MemberIdFormat;

pub const PAYER_UNKNOWN: RuleInfo = RuleInfo {
    id: "PAYER-UNKNOWN",
    severity: Severity::Error,
    snip_level: 7,
    description: "payer ID not in the practice file",
};
pub const SUBSCRIBER_REQUIRED: RuleInfo = RuleInfo {
    id: "SUBSCRIBER-REQUIRED",
    severity: Severity::Error,
    snip_level: 2,
    description: "member ID, subscriber name, or (for self) DOB/sex/address missing where the 837P requires it",
};
pub const MEMBER_ID_MBI: RuleInfo = RuleInfo {
    id: "MEMBER-ID-MBI",
    severity: Severity::Error,
    snip_level: 7,
    description: "Medicare member ID is not a valid MBI (11 chars, pattern, no S L O I B Z)",
};
pub const FREQUENCY_ORIGINAL_REF: RuleInfo = RuleInfo {
    id: "FREQUENCY-ORIGINAL-REF",
    severity: Severity::Error,
    snip_level: 4,
    description: "frequency 7/8 without original_claim_number",
};

/// True for a Medicare Beneficiary Identifier: 11 characters in the CMS pattern
/// `C A AN N A AN N A A N N` (C 1-9, N digit, A letter other than S L O I B Z, AN either).
pub fn mbi_is_valid(id: &str) -> bool {
    let b = id.as_bytes();
    if b.len() != 11 {
        return false;
    }
    let alpha = |c: u8| c.is_ascii_uppercase() && !b"SLOIBZ".contains(&c);
    let num = |c: u8| c.is_ascii_digit();
    let alnum = |c: u8| alpha(c) || num(c);
    (b'1'..=b'9').contains(&b[0])
        && alpha(b[1])
        && alnum(b[2])
        && num(b[3])
        && alpha(b[4])
        && alnum(b[5])
        && num(b[6])
        && alpha(b[7])
        && alpha(b[8])
        && num(b[9])
        && num(b[10])
}

/// PAYER-UNKNOWN, SUBSCRIBER-REQUIRED, MEMBER-ID-MBI, FREQUENCY-ORIGINAL-REF.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    let payer = ctx.practice.payer(&e.payer_id);
    if payer.is_none() {
        out.push(
            &PAYER_UNKNOWN,
            None,
            format!("payer {:?} is not in the practice file", e.payer_id),
            "add the payer to the practice file (claimkit init) or correct the encounter's payer ID",
        );
    }
    if let Some(s) = &e.secondary
        && ctx.practice.payer(&s.payer_id).is_none()
    {
        out.push(
            &PAYER_UNKNOWN,
            None,
            format!("secondary payer {:?} is not in the practice file", s.payer_id),
            "add the secondary payer to the practice file or correct the encounter's secondary payer ID",
        );
    }
    check_subscriber(e, out);
    let member_id = e.subscriber.member_id.trim();
    if let Some(p) = payer
        && p.member_id_format == MemberIdFormat::Mbi
        && !member_id.is_empty()
        && !mbi_is_valid(member_id)
    {
        out.push_with_data(
            &MEMBER_ID_MBI,
            None,
            "member ID is not a valid Medicare MBI".into(),
            "enter the 11-character MBI from the Medicare card, without dashes (not the old SSN-based HICN)",
            format!("member ID {member_id}"),
        );
    }
    if matches!(e.frequency, ClaimFrequency::Replacement | ClaimFrequency::Void)
        && e.original_claim_number.as_deref().is_none_or(|n| n.trim().is_empty())
    {
        out.push(
            &FREQUENCY_ORIGINAL_REF,
            None,
            format!("a frequency {} claim has no original claim number", e.frequency.code()),
            "enter the payer's claim control number of the claim being replaced or voided (835 CLP07)",
        );
    }
}

fn check_subscriber(e: &Encounter, out: &mut Findings<'_>) {
    let mut missing = Vec::new();
    let s = &e.subscriber;
    if s.member_id.trim().is_empty() {
        missing.push("subscriber member ID");
    }
    if s.name.last.trim().is_empty() {
        missing.push("subscriber last name");
    }
    // The person whose demographics the 837P carries: the subscriber when the patient is the
    // subscriber (2010BA), the patient otherwise (2010CA). Either record may hold them.
    let (who, dob, sex, address) = if e.relationship == Relationship::SelfInsured {
        let sex = if s.sex != Sex::Unknown { s.sex } else { e.patient.sex };
        ("subscriber", s.dob.or(e.patient.dob), sex, s.address.as_ref().or(e.patient.address.as_ref()))
    } else {
        if e.patient.name.last.trim().is_empty() {
            missing.push("patient last name");
        }
        ("patient", e.patient.dob, e.patient.sex, e.patient.address.as_ref())
    };
    if dob.is_none() {
        missing.push(if who == "patient" { "patient date of birth" } else { "subscriber date of birth" });
    }
    if sex == Sex::Unknown {
        missing.push(if who == "patient" { "patient sex" } else { "subscriber sex" });
    }
    if address.is_none_or(|a| a.line1.trim().is_empty() || a.city.trim().is_empty()) {
        missing.push(if who == "patient" { "patient address" } else { "subscriber address" });
    }
    if !missing.is_empty() {
        out.push(
            &SUBSCRIBER_REQUIRED,
            None,
            format!("missing {}", missing.join(", ")),
            "complete the registration in the EMR from the insurance card and re-import",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::encounter::SecondaryCoverage;

    #[test]
    fn mbi_pattern_excludes_confusable_letters() {
        assert!(mbi_is_valid("1EG4TE5MK73"));
        assert!(!mbi_is_valid("1EG4-TE5-MK73"));
        assert!(!mbi_is_valid("0EG4TE5MK73"));
        assert!(!mbi_is_valid("1SG4TE5MK73"));
        assert!(!mbi_is_valid("123456789A"));
    }

    #[test]
    fn payer_unknown_flags_a_payer_missing_from_the_practice_file() {
        let mut e = clean_encounter();
        e.payer_id = "NOPE1".into();
        assert_only(&scrub(&e), "PAYER-UNKNOWN");
        let mut e = clean_encounter();
        e.secondary =
            Some(SecondaryCoverage { payer_id: "MCRB1".into(), member_id: "X1".into(), ..Default::default() });
        assert!(scrub(&e).is_empty());
        e.secondary =
            Some(SecondaryCoverage { payer_id: "NOPE2".into(), member_id: "X1".into(), ..Default::default() });
        assert_only(&scrub(&e), "PAYER-UNKNOWN");
    }

    #[test]
    fn subscriber_required_flags_missing_member_id_without_printing_names() {
        let mut e = clean_encounter();
        e.subscriber.member_id = " ".into();
        let f = scrub(&e);
        assert_only(&f, "SUBSCRIBER-REQUIRED");
        assert!(!f[0].message.contains("Doe"));
    }

    #[test]
    fn subscriber_required_for_self_uses_patient_demographics_as_fallback() {
        let mut e = clean_encounter();
        e.subscriber.dob = None;
        e.subscriber.address = None;
        assert!(scrub(&e).is_empty());
        e.patient.dob = None;
        assert_only(&scrub(&e), "SUBSCRIBER-REQUIRED");
    }

    #[test]
    fn subscriber_required_for_a_dependent_needs_the_patients_demographics() {
        let mut e = clean_encounter();
        e.relationship = Relationship::Child;
        e.subscriber.dob = None;
        e.subscriber.address = None;
        assert!(scrub(&e).is_empty());
        e.patient.sex = Sex::Unknown;
        let f = scrub(&e);
        assert_only(&f, "SUBSCRIBER-REQUIRED");
        assert!(f[0].message.contains("patient sex"));
    }

    #[test]
    fn member_id_mbi_applies_to_payers_with_mbi_format_only() {
        let mut e = clean_encounter();
        e.subscriber.member_id = "123456789A".into();
        let f = scrub(&e);
        assert_only(&f, "MEMBER-ID-MBI");
        assert!(!f[0].message.contains("123456789A"));
        assert_eq!(f[0].data.as_deref(), Some("member ID 123456789A"));
        assert!(f[0].message_with_data(true).ends_with("(member ID 123456789A)"));
        let mut p = practice();
        p.payers[0].member_id_format = MemberIdFormat::Any;
        assert!(scrub_with(&e, &p, &reference()).is_empty());
    }

    #[test]
    fn frequency_original_ref_requires_the_payer_claim_number_for_7_and_8() {
        let mut e = clean_encounter();
        e.frequency = ClaimFrequency::Replacement;
        assert_only(&scrub(&e), "FREQUENCY-ORIGINAL-REF");
        e.original_claim_number = Some("PCN123".into());
        assert!(scrub(&e).is_empty());
    }
}
