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
pub const CHARGE_NOT_CENTS: RuleInfo = RuleInfo {
    id: "CHARGE-NOT-CENTS",
    severity: Severity::Error,
    snip_level: 3,
    description: "line charge with a fraction of a cent (never rounded)",
};
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

pub const NDC_REQUIRED: RuleInfo = RuleInfo {
    id: "NDC-REQUIRED",
    severity: Severity::Error,
    snip_level: 7,
    description: "drug HCPCS (J-codes, Q5101-Q5199) without an NDC, for payers that require one (ndc_required; default Medicaid)",
};
pub const POS_NEEDS_FACILITY: RuleInfo = RuleInfo {
    id: "POS-NEEDS-FACILITY",
    severity: Severity::Error,
    snip_level: 4,
    description: "facility place of service (hospital 21/22/23, nursing facility 31/32, ASC 24...) without a service facility (2310C)",
};

/// Places of service that are a facility other than the practice's office: the claim names it
/// (2310C, name and address).
pub const FACILITY_PLACES_OF_SERVICE: &[&str] =
    &["19", "21", "22", "23", "24", "26", "31", "32", "34", "41", "42", "51", "52", "53", "56", "61", "65"];

/// A physician-administered drug billed by HCPCS: J0120-J9999 (J-codes) and biosimilars
/// Q5101-Q5199, which Medicaid pays only with the drug's NDC.
pub fn is_drug_hcpcs(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 5 || !b[1..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n: u32 = code[1..].parse().unwrap_or(0);
    match b[0] {
        b'J' => n >= 120,
        b'Q' => (5101..=5199).contains(&n),
        _ => false,
    }
}

/// The CTP05-1 units of measure an 837P drug quantity may use.
pub const NDC_UNITS: &[&str] = &["F2", "GR", "ME", "ML", "UN"];

/// UNITS-NOT-POSITIVE, CHARGE-NOT-POSITIVE, CHARGE-NOT-CENTS, POS-INVALID, NDC-FORMAT, NDC-REQUIRED,
/// POS-NEEDS-FACILITY.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    let has_facility =
        e.facility.as_ref().is_some_and(|f| !f.name.trim().is_empty() && !f.address.line1.trim().is_empty());
    if !has_facility {
        let facility_pos = std::iter::once(e.place_of_service.as_str())
            .chain(e.lines.iter().filter_map(|l| l.place_of_service.as_deref()))
            .find(|p| FACILITY_PLACES_OF_SERVICE.contains(p));
        if let Some(pos) = facility_pos {
            out.push(
                &POS_NEEDS_FACILITY,
                None,
                format!("place of service {pos} is a facility, and the claim does not name the service facility"),
                "enter the facility's name, address and NPI (facility_* columns), or correct the place of service (11 office)",
            );
        }
    }
    let ndc_required = ctx.practice.payer(&e.payer_id).is_some_and(|p| p.requires_ndc());
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
                format!("line charge is {}; it must be above zero", crate::money::text(l.charge)),
                "enter the practice's fee for the service",
            );
        } else if crate::money::to_cents(l.charge).is_none() {
            out.push(
                &CHARGE_NOT_CENTS,
                Some(l.number),
                "the line charge has more than two decimal places; claimkit does not round money".to_string(),
                "enter the fee in dollars and cents in the EMR and re-import",
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
        if ndc_required && l.drug.is_none() && is_drug_hcpcs(&l.procedure.code) {
            out.push(
                &NDC_REQUIRED,
                Some(l.number),
                format!(
                    "drug {} is billed without its NDC; {} pays drugs only with the NDC",
                    l.procedure.code, e.payer_id
                ),
                "enter the 11-digit NDC of the vial given, the quantity and its unit (ndc, ndc_units, ndc_unit_type)",
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
    fn charge_not_cents_holds_a_fraction_of_a_cent_instead_of_rounding_it() {
        let mut e = clean_encounter();
        e.lines[0].charge = Decimal::new(132005, 3);
        assert_only(&scrub(&e), "CHARGE-NOT-CENTS");
        e.lines[0].charge = Decimal::new(13200, 2);
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

    fn medicaid() -> crate::practice::Practice {
        let mut p = practice();
        p.payers[0].claim_filing_indicator = "MC".into();
        p.payers[0].member_id_format = crate::practice::MemberIdFormat::Any;
        p
    }

    #[test]
    fn ndc_required_flags_a_j_code_without_ndc_for_medicaid_only() {
        let mut e = clean_encounter();
        e.lines[1] = line(2, "J1030", &[], &[1]);
        let f = scrub_with(&e, &medicaid(), &reference());
        assert_only(&f, "NDC-REQUIRED");
        assert_eq!(f[0].line, Some(2));
        // Medicare (the practice's payer as it is) does not require it; a payer setting can.
        assert!(scrub(&e).is_empty());
        let mut p = practice();
        p.payers[0].ndc_required = Some(true);
        assert_only(&scrub_with(&e, &p, &reference()), "NDC-REQUIRED");
        e.lines[1].drug =
            Some(DrugIdentification { ndc: "00009307402".into(), quantity: Decimal::ONE, unit: "ML".into() });
        assert!(scrub_with(&e, &medicaid(), &reference()).is_empty());
        assert!(super::is_drug_hcpcs("Q5103") && !super::is_drug_hcpcs("J0100") && !super::is_drug_hcpcs("G0008"));
    }

    #[test]
    fn pos_needs_facility_flags_an_inpatient_visit_without_a_service_facility() {
        let mut e = clean_encounter();
        e.place_of_service = "21".into();
        let f = scrub(&e);
        assert_only(&f, "POS-NEEDS-FACILITY");
        assert!(f[0].message.contains("21"));
        e.facility = Some(crate::encounter::ServiceFacility {
            npi: Some("1245319599".into()),
            name: "Springfield General Hospital".into(),
            address: address(),
        });
        assert!(scrub(&e).is_empty());
        let mut e = clean_encounter();
        e.lines[0].place_of_service = Some("22".into());
        assert_only(&scrub(&e), "POS-NEEDS-FACILITY");
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
