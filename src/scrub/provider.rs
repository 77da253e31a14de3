//! The billing provider's identifiers and its enrollment with the payer.
//!
//! The 837P carries the billing provider's EIN (`REF*EI*123456789~`, 9 digits, no hyphen), its NUCC
//! taxonomy (`PRV*BI*PXC*207Q00000X~`, 10 characters ending in X) and its NPI, which must be
//! enrolled with the payer (or the claim is rejected as "provider not on file").

use super::{Findings, RuleInfo, ScrubContext, Severity};
use crate::encounter::Encounter;

pub const TIN_FORMAT: RuleInfo =
    RuleInfo { id: "TIN-FORMAT", severity: Severity::Error, snip_level: 2, description: "billing TIN not 9 digits" };

pub const TAXONOMY_FORMAT: RuleInfo = RuleInfo {
    id: "TAXONOMY-FORMAT",
    severity: Severity::Error,
    snip_level: 2,
    description: "billing/rendering taxonomy not 10 chars ending in X",
};

pub const NPI_NOT_ENROLLED: RuleInfo = RuleInfo {
    id: "NPI-NOT-ENROLLED",
    severity: Severity::Error,
    snip_level: 7,
    description: "billing NPI not in the payer's enrolled_npis (when the list is non-empty)",
};

/// A NUCC taxonomy code: 10 letters/digits, the last one `X`.
pub fn taxonomy_is_valid(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 10 && b[9] == b'X' && b.iter().all(u8::is_ascii_alphanumeric)
}

/// TIN-FORMAT, TAXONOMY-FORMAT, NPI-NOT-ENROLLED.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    let billing = &ctx.practice.billing_provider;
    let tin = billing.tin.as_bytes();
    if tin.len() != 9 || !tin.iter().all(u8::is_ascii_digit) {
        out.push(
            &TIN_FORMAT,
            None,
            "billing provider TIN is not 9 digits".into(),
            "set billing_provider.tin in the practice file to the 9-digit EIN, without hyphen",
        );
    }
    if !taxonomy_is_valid(&billing.taxonomy) {
        out.push(
            &TAXONOMY_FORMAT,
            None,
            format!("billing provider taxonomy {:?} is not 10 characters ending in X", billing.taxonomy),
            "set billing_provider.taxonomy to the NUCC code (e.g. 207Q00000X)",
        );
    }
    let renderers = e
        .rendering_npi
        .iter()
        .map(|n| (n, None))
        .chain(e.lines.iter().filter_map(|l| l.rendering_npi.as_ref().map(|n| (n, Some(l.number)))));
    for (npi, line) in renderers {
        if let Some(r) = ctx.practice.rendering_provider(npi)
            && !taxonomy_is_valid(&r.taxonomy)
        {
            out.push(
                &TAXONOMY_FORMAT,
                line,
                format!("rendering provider {npi} taxonomy {:?} is not 10 characters ending in X", r.taxonomy),
                "correct the rendering provider's taxonomy in the practice file",
            );
        }
    }
    if let Some(payer) = ctx.practice.payer(&e.payer_id)
        && !payer.enrolled_npis.is_empty()
        && !payer.enrolled_npis.contains(&billing.npi)
    {
        out.push(
            &NPI_NOT_ENROLLED,
            None,
            format!("billing NPI {} is not enrolled with payer {}", billing.npi, payer.id),
            "enroll the billing NPI with the payer, or add it to the payer's enrolled_npis once enrolled",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::practice::RenderingProvider;

    #[test]
    fn tin_format_requires_nine_digits() {
        let mut p = practice();
        p.billing_provider.tin = "12-3456789".into();
        assert_only(&scrub_with(&clean_encounter(), &p, &reference()), "TIN-FORMAT");
        p.billing_provider.tin = "123456789".into();
        assert!(scrub_with(&clean_encounter(), &p, &reference()).is_empty());
    }

    #[test]
    fn taxonomy_format_requires_ten_characters_ending_in_x() {
        let mut p = practice();
        p.billing_provider.taxonomy = "207Q00000".into();
        assert_only(&scrub_with(&clean_encounter(), &p, &reference()), "TAXONOMY-FORMAT");
    }

    #[test]
    fn taxonomy_format_checks_the_rendering_provider_from_the_practice_file() {
        let mut p = practice();
        p.rendering_providers.push(RenderingProvider {
            npi: "1234567893".into(),
            last: "Lee".into(),
            first: "Ann".into(),
            taxonomy: "207R00000Y".into(),
        });
        assert_only(&scrub_with(&clean_encounter(), &p, &reference()), "TAXONOMY-FORMAT");
        p.rendering_providers[0].taxonomy = "207R00000X".into();
        assert!(scrub_with(&clean_encounter(), &p, &reference()).is_empty());
    }

    #[test]
    fn npi_not_enrolled_when_the_payer_lists_other_npis() {
        let mut p = practice();
        p.payers[0].enrolled_npis = vec!["1245319599".into()];
        assert_only(&scrub_with(&clean_encounter(), &p, &reference()), "NPI-NOT-ENROLLED");
        p.payers[0].enrolled_npis.push("1234567893".into());
        assert!(scrub_with(&clean_encounter(), &p, &reference()).is_empty());
    }
}
