//! Procedures: CPT/HCPCS shape and validity on the date of service, modifier 25 on an E/M billed
//! with a procedure, NCCI procedure-to-procedure pairs and MUE unit limits.
//!
//! ```text
//! SV1*HC:99213:25*125*UN*1***1~     E/M with modifier 25: separately identifiable visit
//! SV1*HC:20610*200*UN*1***1~        the procedure done the same day
//! ```
//!
//! CPT codes are five digits (`99213`), or four digits and F/T/U (Category II, III, PLA); HCPCS
//! Level II codes a letter and four digits (`J1030`). The CPT and HCPCS tables, NCCI and MUE are
//! not shipped with claimkit: until they are loaded these rules report "not checked".

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::reference::{CodeTable, ProcedureVerdict, TableAnswer};
use super::{Findings, RuleInfo, ScrubContext, Severity};
use crate::encounter::{Encounter, ServiceLine};

pub const PROC_FORMAT: RuleInfo = RuleInfo {
    id: "PROC-FORMAT",
    severity: Severity::Error,
    snip_level: 2,
    description: "procedure code not CPT (5 digits, or 4 digits + F/T/U) or HCPCS (letter + 4 digits) shape",
};
pub const PROC_NOT_VALID_ON_DOS: RuleInfo = RuleInfo {
    id: "PROC-NOT-VALID-ON-DOS",
    severity: Severity::Error,
    snip_level: 5,
    description: "CPT/HCPCS not in the loaded table or not valid on the DOS (info TABLE-NOT-LOADED when no table)",
};
pub const MODIFIER_25_EM: RuleInfo = RuleInfo {
    id: "MODIFIER-25-EM",
    severity: Severity::Warning,
    snip_level: 6,
    description: "E/M (99202-99499) billed with a procedure on the same DOS without modifier 25",
};
pub const NCCI_PTP: RuleInfo = RuleInfo {
    id: "NCCI-PTP",
    severity: Severity::Error,
    snip_level: 6,
    description: "NCCI PTP pair on the same DOS (indicator 0, or 1 without an NCCI-associated modifier)",
};
pub const MUE_UNITS: RuleInfo = RuleInfo {
    id: "MUE-UNITS",
    severity: Severity::Error,
    snip_level: 6,
    description: "units for a code on one DOS exceed the MUE",
};

/// Which table a procedure code belongs to by its shape: CPT or HCPCS Level II; `None` for neither.
pub fn procedure_kind(code: &str) -> Option<CodeTable> {
    let b = code.as_bytes();
    if b.len() != 5 {
        return None;
    }
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if digits(b) || (digits(&b[..4]) && matches!(b[4], b'F' | b'T' | b'U')) {
        Some(CodeTable::Cpt)
    } else if b[0].is_ascii_uppercase() && digits(&b[1..]) {
        Some(CodeTable::Hcpcs)
    } else {
        None
    }
}

fn cpt_number(code: &str) -> Option<u32> {
    if code.len() == 5 && code.bytes().all(|c| c.is_ascii_digit()) { code.parse().ok() } else { None }
}

/// An evaluation and management visit code (99202-99499).
pub fn is_evaluation_and_management(code: &str) -> bool {
    cpt_number(code).is_some_and(|n| (99202..=99499).contains(&n))
}

/// A procedure that, done the same day, makes an E/M need modifier 25: the CPT surgery section
/// (10004-69990) except blood draws (36400-36425), and the medicine-section injections, infusions,
/// chemotherapy administration and wound care that NCCI bundles with E/M (96360-96549,
/// 97597-97610). Lab, radiology, drugs and vaccine products do not.
pub fn is_procedure_needing_modifier_25(code: &str) -> bool {
    cpt_number(code).is_some_and(|n| {
        ((10004..=69990).contains(&n) && !(36400..=36425).contains(&n))
            || (96360..=96549).contains(&n)
            || (97597..=97610).contains(&n)
    })
}

/// Every procedure rule.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    for l in &e.lines {
        let code = l.procedure.code.as_str();
        let Some(table) = procedure_kind(code) else {
            out.push(
                &PROC_FORMAT,
                Some(l.number),
                format!("procedure code {code:?} is neither CPT (5 digits, or 4 digits + F/T/U) nor HCPCS (letter + 4 digits)"),
                "correct the procedure code in the EMR",
            );
            continue;
        };
        match ctx.reference.procedure(code, l.date_of_service) {
            TableAnswer::NotLoaded => ctx.note_not_loaded(table),
            TableAnswer::Answer(ProcedureVerdict::Valid) => {}
            TableAnswer::Answer(ProcedureVerdict::Unknown) => out.push(
                &PROC_NOT_VALID_ON_DOS,
                Some(l.number),
                format!("procedure {code} is not in the {} table", table.name()),
                "correct the procedure code, or load the current code table",
            ),
            TableAnswer::Answer(ProcedureVerdict::NotValidOn { valid_from, valid_to }) => {
                let period = match valid_to {
                    Some(to) if to < l.date_of_service => format!("it ended on {to}"),
                    _ => format!("it is valid from {valid_from}"),
                };
                out.push(
                    &PROC_NOT_VALID_ON_DOS,
                    Some(l.number),
                    format!("procedure {code} is not valid on the date of service {}: {period}", l.date_of_service),
                    "use the code that was valid on the date of service",
                );
            }
        }
    }
    check_modifier_25(e, out);
    check_ncci(e, ctx, out);
    check_mue(e, ctx, out);
}

fn same_day(a: &ServiceLine, b: &ServiceLine) -> bool {
    a.date_of_service == b.date_of_service
}

fn check_modifier_25(e: &Encounter, out: &mut Findings<'_>) {
    for l in &e.lines {
        if !is_evaluation_and_management(&l.procedure.code) || l.procedure.modifiers.iter().any(|m| m == "25") {
            continue;
        }
        if let Some(p) = e.lines.iter().find(|p| same_day(l, p) && is_procedure_needing_modifier_25(&p.procedure.code))
        {
            out.push(
                &MODIFIER_25_EM,
                Some(l.number),
                format!(
                    "E/M {} is billed the same day as procedure {} (line {}) without modifier 25",
                    l.procedure.code, p.procedure.code, p.number
                ),
                "add modifier 25 to the E/M when the visit was significant and separately identifiable",
            );
        }
    }
}

fn check_ncci(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    let has_ncci_modifier = |l: &ServiceLine| {
        l.procedure.modifiers.iter().any(|m| ctx.reference.modifier(m).is_some_and(|f| f.ncci_associated))
    };
    for col1 in &e.lines {
        for col2 in &e.lines {
            if std::ptr::eq(col1, col2) || !same_day(col1, col2) || col1.procedure.code == col2.procedure.code {
                continue;
            }
            let edit = match ctx.reference.ncci_edit(&col1.procedure.code, &col2.procedure.code, col1.date_of_service) {
                TableAnswer::NotLoaded => {
                    ctx.note_not_loaded(CodeTable::Ncci);
                    return;
                }
                TableAnswer::Answer(None) => continue,
                TableAnswer::Answer(Some(edit)) => edit,
            };
            let (c1, c2) = (&col1.procedure.code, &col2.procedure.code);
            match edit.modifier_indicator {
                0 => out.push(
                    &NCCI_PTP,
                    Some(col2.number),
                    format!("{c2} is not paid with {c1} (line {}) on the same day: NCCI edit, no modifier allowed", col1.number),
                    "remove the bundled code; no modifier bypasses this edit",
                ),
                1 if !has_ncci_modifier(col1) && !has_ncci_modifier(col2) => out.push(
                    &NCCI_PTP,
                    Some(col2.number),
                    format!("{c2} is bundled into {c1} (line {}) on the same day (NCCI edit)", col1.number),
                    "if the service was distinct (other site, session or encounter), add 59 or XE/XS/XP/XU or an anatomic modifier; otherwise remove it",
                ),
                _ => {}
            }
        }
    }
}

fn check_mue(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    let mut seen = BTreeSet::new();
    for l in &e.lines {
        let key = (l.procedure.code.as_str(), l.date_of_service);
        if !seen.insert(key) {
            continue;
        }
        let limit = match ctx.reference.mue_limit(key.0) {
            TableAnswer::NotLoaded => {
                ctx.note_not_loaded(CodeTable::Mue);
                return;
            }
            TableAnswer::Answer(None) => continue,
            TableAnswer::Answer(Some(limit)) => limit,
        };
        let units: Decimal =
            e.lines.iter().filter(|o| (o.procedure.code.as_str(), o.date_of_service) == key).map(|o| o.units).sum();
        if units > Decimal::from(limit) {
            out.push(
                &MUE_UNITS,
                Some(l.number),
                format!("{units} units of {} on {} exceed the MUE of {limit} per day", key.0, key.1),
                "check the units; bill more only with documentation the payer accepts (appeal)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn procedure_codes_are_cpt_or_hcpcs_shaped() {
        assert_eq!(procedure_kind("99213"), Some(CodeTable::Cpt));
        assert_eq!(procedure_kind("0001U"), Some(CodeTable::Cpt));
        assert_eq!(procedure_kind("3074F"), Some(CodeTable::Cpt));
        assert_eq!(procedure_kind("J1030"), Some(CodeTable::Hcpcs));
        assert_eq!(procedure_kind("9921"), None);
        assert_eq!(procedure_kind("j1030"), None);
        assert_eq!(procedure_kind("99213A"), None);
    }

    #[test]
    fn proc_format_flags_a_malformed_code() {
        let mut e = clean_encounter();
        e.lines[1].procedure.code = "3641".into();
        let f = scrub(&e);
        assert_only(&f, "PROC-FORMAT");
        assert_eq!(f[0].line, Some(2));
        e.lines[1].procedure.code = "J1030".into();
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn proc_not_valid_on_dos_flags_unknown_and_expired_codes_when_the_table_is_loaded() {
        let mut e = clean_encounter();
        e.lines[1].procedure.code = "36416".into();
        assert_only(&scrub(&e), "PROC-NOT-VALID-ON-DOS");
        let r = reference().procedure_valid("36415", "2020-01-01", Some("2025-12-31"));
        let f = scrub_with(&clean_encounter(), &practice(), &r);
        assert_only(&f, "PROC-NOT-VALID-ON-DOS");
        assert!(f[0].message.contains("ended on 2025-12-31"));
    }

    #[test]
    fn modifier_25_em_warns_for_an_em_with_a_same_day_procedure() {
        let mut e = clean_encounter();
        e.lines[1] = line(2, "20610", &[], &[1]);
        let f = scrub(&e);
        assert_only(&f, "MODIFIER-25-EM");
        assert_eq!((f[0].line, f[0].severity), (Some(1), Severity::Warning));
        e.lines[0].procedure.modifiers = vec!["25".into()];
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn modifier_25_em_ignores_lab_work_and_other_days() {
        // The clean encounter bills 99213 with a venipuncture: no 25 needed.
        assert!(scrub(&clean_encounter()).is_empty());
        let mut e = clean_encounter();
        e.lines[1] = line(2, "20610", &[], &[1]);
        e.lines[1].date_of_service = d("2026-11-03");
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn ncci_ptp_flags_a_bundled_pair_unless_an_ncci_modifier_is_used() {
        let r = reference().procedure_valid("20550", "2020-01-01", None);
        let mut e = clean_encounter();
        e.lines = vec![line(1, "20610", &[], &[1]), line(2, "20550", &[], &[1])];
        let f = scrub_with(&e, &practice(), &r);
        assert_only(&f, "NCCI-PTP");
        assert_eq!(f[0].line, Some(2));
        e.lines[1].procedure.modifiers = vec!["XS".into()];
        assert!(scrub_with(&e, &practice(), &r).is_empty());
        // A non-NCCI modifier does not bypass it.
        e.lines[1].procedure.modifiers = vec!["76".into()];
        assert_only(&scrub_with(&e, &practice(), &r), "NCCI-PTP");
    }

    #[test]
    fn ncci_ptp_indicator_0_is_never_bypassed_and_9_never_fires() {
        let mut e = clean_encounter();
        e.lines = vec![line(1, "20610", &[], &[1]), line(2, "20550", &["59"], &[1])];
        let r = reference().procedure_valid("20550", "2020-01-01", None).ncci_pair("20610", "20550", 0);
        assert_only(&scrub_with(&e, &practice(), &r), "NCCI-PTP");
        let r = reference().procedure_valid("20550", "2020-01-01", None).ncci_pair("20610", "20550", 9);
        e.lines[1].procedure.modifiers.clear();
        assert!(scrub_with(&e, &practice(), &r).is_empty());
    }

    #[test]
    fn mue_units_adds_up_lines_of_one_code_on_one_day() {
        let mut e = clean_encounter();
        e.lines.push(line(3, "36415", &[], &[1]));
        assert!(scrub(&e).is_empty()); // 2 units, MUE 2
        e.lines[2].units = Decimal::from(2);
        let f = scrub(&e);
        assert_only(&f, "MUE-UNITS");
        assert!(f[0].message.contains("3 units"));
    }
}
