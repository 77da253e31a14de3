//! Addresses the 837P carries: a two-letter state code, a ZIP of 5 or 9 digits; for the billing
//! provider a 9-digit ZIP and a street address, never a PO box (payments go to `pay_to`).
//!
//! ```text
//! N3*100 MAPLE ST~
//! N4*SPRINGFIELD*IL*627011234~
//! ```

use super::{Findings, RuleInfo, ScrubContext, Severity};
use crate::encounter::{Address, Encounter, Relationship};

pub const ADDRESS_INVALID: RuleInfo = RuleInfo {
    id: "ADDRESS-INVALID",
    severity: Severity::Error,
    snip_level: 2,
    description: "bad state code, ZIP not 5/9 digits, billing ZIP not 9 digits, billing address is a PO box",
};

/// US states, DC, territories and military "states" (USPS codes).
pub const STATE_CODES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
    "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR",
    "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "FM",
    "MH", "PW", "AA", "AE", "AP",
];

/// True for an address line that is a post office box (`PO Box 12`, `P.O. BOX 12`, `POB 12`).
pub fn is_po_box(line: &str) -> bool {
    let squeezed: String = line.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    squeezed.starts_with("POBOX")
        || squeezed.starts_with("POSTOFFICEBOX")
        || (squeezed.starts_with("POB") && squeezed[3..].starts_with(|c: char| c.is_ascii_digit()))
}

fn zip_ok(zip: &str, nine_only: bool) -> bool {
    let n = zip.len();
    zip.bytes().all(|c| c.is_ascii_digit()) && (n == 9 || (n == 5 && !nine_only))
}

fn check_address(out: &mut Findings<'_>, whose: &str, a: &Address, billing: bool, fix: &str) {
    let mut problems = Vec::new();
    if !STATE_CODES.contains(&a.state.as_str()) {
        problems.push(format!("state {:?} is not a USPS state code", a.state));
    }
    if !zip_ok(&a.zip, billing) {
        problems.push(if billing { "ZIP is not 9 digits".to_string() } else { "ZIP is not 5 or 9 digits".to_string() });
    }
    if billing && is_po_box(&a.line1) {
        problems.push("street address is a PO box".to_string());
    }
    if !problems.is_empty() {
        out.push(&ADDRESS_INVALID, None, format!("{whose} address: {}", problems.join("; ")), fix);
    }
}

/// ADDRESS-INVALID: billing provider, pay-to, subscriber, patient and service facility addresses.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    let bp = &ctx.practice.billing_provider;
    check_address(
        out,
        "billing provider",
        &bp.address,
        true,
        "give the billing provider a street address (payments can go to pay_to) with the ZIP+4 in the practice file",
    );
    if let Some(pay_to) = &bp.pay_to {
        check_address(out, "pay-to", pay_to, false, "correct billing_provider.pay_to in the practice file");
    }
    if let Some(a) = &e.subscriber.address {
        check_address(out, "subscriber", a, false, "correct the subscriber's state and ZIP in the EMR");
    }
    if let Some(a) = &e.patient.address
        && (e.relationship != Relationship::SelfInsured || e.subscriber.address.is_none())
    {
        check_address(out, "patient", a, false, "correct the patient's state and ZIP in the EMR");
    }
    if let Some(f) = &e.facility {
        check_address(out, "service facility", &f.address, false, "correct the service facility's state and ZIP");
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn po_boxes_are_recognized_in_their_usual_spellings() {
        assert!(is_po_box("PO Box 12"));
        assert!(is_po_box("P.O. BOX 12"));
        assert!(is_po_box("POB 7"));
        assert!(!is_po_box("100 Pobox Rd"));
        assert!(!is_po_box("Poplar Ave 3"));
    }

    #[test]
    fn address_invalid_flags_a_bad_state_and_zip_on_the_patient() {
        let mut e = clean_encounter();
        e.subscriber.address.as_mut().unwrap().state = "XX".into();
        assert_only(&scrub(&e), "ADDRESS-INVALID");
        let mut e = clean_encounter();
        e.subscriber.address.as_mut().unwrap().zip = "6270".into();
        assert_only(&scrub(&e), "ADDRESS-INVALID");
        e.subscriber.address.as_mut().unwrap().zip = "627041234".into();
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn address_invalid_requires_a_nine_digit_zip_and_no_po_box_for_billing() {
        let mut p = practice();
        p.billing_provider.address.zip = "62701".into();
        assert_only(&scrub_with(&clean_encounter(), &p, &reference()), "ADDRESS-INVALID");
        let mut p = practice();
        p.billing_provider.address.line1 = "P.O. Box 55".into();
        let f = scrub_with(&clean_encounter(), &p, &reference());
        assert_only(&f, "ADDRESS-INVALID");
        assert!(f[0].message.contains("PO box"));
    }
}
