//! Laboratory tests: a claim billing a test a CLIA certificate covers carries the lab's CLIA number
//! (`REF*X4` in loop 2300); without it Medicare denies the line (CO-B7 with MA120), and most
//! payers follow.
//!
//! ```text
//! REF*X4*14D0123456~
//! SV1*HC:82947:QW*18*UN*1***1~
//! ```
//!
//! The number comes from the practice file: `billing_provider.clia`, or the `[[facilities]]` entry
//! of the encounter's service facility. claimkit writes it (and `QW` on waived tests, for payers
//! that require it) when it builds the claim; this rule holds the claim when there is none to write.

use super::{Findings, RuleInfo, ScrubContext, Severity};
use crate::codes::is_clia_covered;
use crate::encounter::Encounter;

pub const CLIA_MISSING: RuleInfo = RuleInfo {
    id: "CLIA-MISSING",
    severity: Severity::Error,
    snip_level: 7,
    description: "laboratory test billed with no CLIA number for the billing provider or service facility (REF*X4)",
};

/// CLIA-MISSING.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    let Some(test) = e.lines.iter().find(|l| is_clia_covered(&l.procedure.code)) else { return };
    let facility_npi = e.facility.as_ref().and_then(|f| f.npi.as_deref());
    if ctx.practice.clia_for(facility_npi).is_none() {
        out.push(
            &CLIA_MISSING,
            Some(test.number),
            format!("laboratory test {} needs the lab's CLIA number, and the practice file has none", test.procedure.code),
            "set billing_provider.clia (or the service facility's clia under [[facilities]]) in the practice file and run claimkit init again",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::practice::Facility;

    #[test]
    fn clia_missing_flags_a_lab_test_when_no_clia_number_is_configured() {
        let mut e = clean_encounter();
        e.lines[1] = line(2, "82947", &[], &[1]);
        let f = scrub(&e);
        assert_only(&f, "CLIA-MISSING");
        assert_eq!(f[0].line, Some(2));
        let mut p = practice();
        p.billing_provider.clia = Some("14D0123456".into());
        assert!(scrub_with(&e, &p, &reference()).is_empty());
    }

    #[test]
    fn clia_missing_accepts_the_service_facilitys_own_certificate() {
        let mut e = clean_encounter();
        e.lines[1] = line(2, "87880", &[], &[1]);
        e.facility = Some(crate::encounter::ServiceFacility {
            npi: Some("1245319599".into()),
            name: "Oak Street Lab".into(),
            address: address(),
        });
        let mut p = practice();
        p.facilities.push(Facility { npi: "1245319599".into(), clia: "14D0654321".into() });
        assert!(scrub_with(&e, &p, &reference()).is_empty());
        assert_eq!(p.clia_for(Some("1245319599")), Some("14D0654321"));
    }
}
