//! Service-line amounts and codes: units and charge above zero, a known place of service, and the
//! drug identification of NDC lines.
//!
//! ```text
//! SV1*HC:J1030*25*UN*1*11**1~       units 1, charge 25.00, place of service 11 (office)
//! LIN**N4*00009307402~              NDC 00009-3074-02 in 5-4-2 form, 11 digits
//! CTP****1*ML~                      quantity and unit of the drug given
//! ```

use rust_decimal::Decimal;

use super::{Findings, RuleInfo, ScrubContext, Severity};
use crate::encounter::Encounter;

pub const UNITS_NOT_POSITIVE: RuleInfo =
    RuleInfo { id: "UNITS-NOT-POSITIVE", severity: Severity::Error, snip_level: 2, description: "units <= 0" };
pub const CHARGE_NOT_POSITIVE: RuleInfo =
    RuleInfo { id: "CHARGE-NOT-POSITIVE", severity: Severity::Error, snip_level: 3, description: "line charge <= 0" };
pub const POS_INVALID: RuleInfo = RuleInfo {
    id: "POS-INVALID",
    severity: Severity::Error,
    snip_level: 5,
    description: "place of service not in the POS code list",
};
pub const NDC_FORMAT: RuleInfo = RuleInfo {
    id: "NDC-FORMAT",
    severity: Severity::Error,
    snip_level: 5,
    description: "NDC not 11 digits (5-4-2) or missing quantity/unit",
};

/// The CTP05-1 units of measure an 837P drug quantity may use.
pub const NDC_UNITS: &[&str] = &["F2", "GR", "ME", "ML", "UN"];

/// UNITS-NOT-POSITIVE, CHARGE-NOT-POSITIVE, POS-INVALID, NDC-FORMAT.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    if !ctx.reference.place_of_service_known(&e.place_of_service) {
        out.push(
            &POS_INVALID,
            None,
            format!("place of service {:?} is not a CMS place-of-service code", e.place_of_service),
            "use the two-digit place-of-service code (11 office, 02/10 telehealth, 22 outpatient hospital...)",
        );
    }
    for l in &e.lines {
        if l.units <= Decimal::ZERO {
            out.push(
                &UNITS_NOT_POSITIVE,
                Some(l.number),
                format!("line units are {}; they must be above zero", l.units),
                "enter the number of units provided (at least 1)",
            );
        }
        if l.charge <= Decimal::ZERO {
            out.push(
                &CHARGE_NOT_POSITIVE,
                Some(l.number),
                format!("line charge is {:.2}; it must be above zero", l.charge),
                "enter the practice's fee for the service",
            );
        }
        if let Some(pos) = &l.place_of_service
            && !ctx.reference.place_of_service_known(pos)
        {
            out.push(
                &POS_INVALID,
                Some(l.number),
                format!("line place of service {pos:?} is not a CMS place-of-service code"),
                "use a two-digit place-of-service code, or leave it empty to use the claim's",
            );
        }
        if let Some(drug) = &l.drug {
            let ndc = drug.ndc.as_bytes();
            let problem = if ndc.len() != 11 || !ndc.iter().all(u8::is_ascii_digit) {
                Some(format!("NDC {:?} is not 11 digits (5-4-2, no hyphens)", drug.ndc))
            } else if drug.quantity <= Decimal::ZERO {
                Some("NDC quantity is missing or not above zero".to_string())
            } else if !NDC_UNITS.contains(&drug.unit.as_str()) {
                Some(format!("NDC unit {:?} is not one of F2, GR, ME, ML, UN", drug.unit))
            } else {
                None
            };
            if let Some(problem) = problem {
                out.push(
                    &NDC_FORMAT,
                    Some(l.number),
                    problem,
                    "enter the 11-digit NDC (pad the short segment with a leading zero), the quantity given and its unit",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::encounter::DrugIdentification;
    use rust_decimal::Decimal;

    #[test]
    fn units_not_positive_flags_zero_units() {
        let mut e = clean_encounter();
        e.lines[1].units = Decimal::ZERO;
        assert_only(&scrub(&e), "UNITS-NOT-POSITIVE");
        e.lines[1].units = Decimal::new(5, 1);
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn charge_not_positive_flags_a_negative_charge() {
        let mut e = clean_encounter();
        e.lines[0].charge = Decimal::new(-500, 2);
        let f = scrub(&e);
        assert_only(&f, "CHARGE-NOT-POSITIVE");
        assert_eq!(f[0].line, Some(1));
        e.lines[0].charge = Decimal::new(1, 2);
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn pos_invalid_flags_unknown_claim_and_line_codes() {
        let mut e = clean_encounter();
        e.place_of_service = "00".into();
        assert_only(&scrub(&e), "POS-INVALID");
        let mut e = clean_encounter();
        e.lines[0].place_of_service = Some("1".into());
        assert_only(&scrub(&e), "POS-INVALID");
        e.lines[0].place_of_service = Some("02".into());
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn ndc_format_requires_eleven_digits_a_quantity_and_a_unit() {
        let mut e = clean_encounter();
        e.lines[1] = line(2, "J1030", &[], &[1]);
        e.lines[1].drug =
            Some(DrugIdentification { ndc: "00009307402".into(), quantity: Decimal::ONE, unit: "ML".into() });
        assert!(scrub(&e).is_empty());
        for (ndc, qty, unit) in [("0009-3074-02", 1, "ML"), ("00009307402", 0, "ML"), ("00009307402", 1, "")] {
            e.lines[1].drug =
                Some(DrugIdentification { ndc: ndc.into(), quantity: Decimal::from(qty), unit: unit.into() });
            assert_only(&scrub(&e), "NDC-FORMAT");
        }
    }
}
