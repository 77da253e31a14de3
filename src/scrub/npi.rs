//! National Provider Identifier check digit.
//!
//! An NPI is 10 digits; the last is a Luhn check digit computed over the prefix `80840` (the
//! health-industry issuer) followed by the first nine digits. A typo almost always breaks it, and
//! the clearinghouse rejects the claim (`NM1*85*2*MAPLE STREET*****XX*1234567893~`).

use super::{Findings, RuleInfo, ScrubContext, Severity};
use crate::encounter::Encounter;

pub const NPI_LUHN: RuleInfo = RuleInfo {
    id: "NPI-LUHN",
    severity: Severity::Error,
    snip_level: 2,
    description: "billing/rendering/referring/facility NPI not 10 digits or bad check digit",
};

/// The check digit rule lives with the practice configuration, which validates NPIs on load too.
pub use crate::practice::npi_is_valid;

fn check_one(out: &mut Findings<'_>, role: &str, npi: &str, line: Option<u32>, fix: &str) {
    if !npi_is_valid(npi) {
        let what = if npi.len() == 10 && npi.bytes().all(|c| c.is_ascii_digit()) {
            "has a wrong check digit"
        } else {
            "is not 10 digits"
        };
        out.push(&NPI_LUHN, line, format!("{role} NPI {npi} {what}"), fix);
    }
}

/// NPI-LUHN: every NPI on the claim has 10 digits and a valid check digit.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    check_one(
        out,
        "billing provider",
        &ctx.practice.billing_provider.npi,
        None,
        "correct billing_provider.npi in the practice file (look it up in NPPES)",
    );
    if let Some(npi) = &e.rendering_npi {
        check_one(
            out,
            "rendering provider",
            npi,
            None,
            "correct the rendering provider's NPI in the EMR (look it up in NPPES)",
        );
    }
    if let Some(r) = &e.referring {
        check_one(
            out,
            "referring provider",
            &r.npi,
            None,
            "correct the referring provider's NPI in the EMR (look it up in NPPES)",
        );
    }
    if let Some(npi) = e.facility.as_ref().and_then(|f| f.npi.as_ref()) {
        check_one(out, "service facility", npi, None, "correct the service facility's NPI, or leave it empty");
    }
    for l in &e.lines {
        if let Some(npi) = &l.rendering_npi {
            check_one(
                out,
                "line rendering provider",
                npi,
                Some(l.number),
                "correct the line's rendering NPI in the EMR",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::encounter::NamedProvider;

    #[test]
    fn npi_luhn_flags_a_referring_npi_with_a_bad_check_digit() {
        let mut e = clean_encounter();
        e.referring = Some(NamedProvider { npi: "1234567890".into(), last: "Smith".into(), first: None });
        let f = scrub(&e);
        assert_only(&f, "NPI-LUHN");
        assert!(f[0].message.contains("check digit"));
    }

    #[test]
    fn npi_luhn_flags_a_short_line_rendering_npi_and_passes_a_valid_one() {
        let mut e = clean_encounter();
        e.lines[1].rendering_npi = Some("12345".into());
        let f = scrub(&e);
        assert_only(&f, "NPI-LUHN");
        assert_eq!(f[0].line, Some(2));
        e.lines[1].rendering_npi = Some("1245319599".into());
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn npi_luhn_checks_the_billing_provider() {
        let mut p = practice();
        p.billing_provider.npi = "1234567894".into();
        p.payers[0].enrolled_npis.clear();
        assert_only(&scrub_with(&clean_encounter(), &p, &reference()), "NPI-LUHN");
    }
}
