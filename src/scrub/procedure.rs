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
use crate::encounter::{Encounter, ServiceLine, UnitType};

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
    description: "E/M (99202-99499) billed with a procedure on the same DOS without modifier 25 (or 57)",
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
    description: "units exceed the MUE: per line (adjudication indicator 1) or per DOS (2, 3)",
};
pub const PROC_AGE_CONFLICT: RuleInfo = RuleInfo {
    id: "PROC-AGE-CONFLICT",
    severity: Severity::Error,
    snip_level: 6,
    description: "preventive-medicine or newborn/infant code for another age band than the patient's on the DOS",
};
pub const EM_DATE_SPAN: RuleInfo = RuleInfo {
    id: "EM-DATE-SPAN",
    severity: Severity::Error,
    snip_level: 4,
    description: "E/M visit billed over a span of dates (a visit is one date: one line per day)",
};
pub const UNLISTED_DESCRIPTION: RuleInfo = RuleInfo {
    id: "UNLISTED-DESCRIPTION",
    severity: Severity::Error,
    snip_level: 4,
    description: "unlisted / not-otherwise-classified code without a description (SV101-7), or one over 80 characters",
};
pub const ANESTHESIA_MINUTES: RuleInfo = RuleInfo {
    id: "ANESTHESIA-MINUTES",
    severity: Severity::Error,
    snip_level: 4,
    description: "anesthesia (00100-01999) not billed in minutes (unit type MJ), or minutes on another code",
};

/// The longest SV101-7 description.
pub const MAX_DESCRIPTION: usize = 80;

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

/// A code modifiers 25 and 57 may go on: an E/M visit, or an eye exam visit (92002-92014), which
/// NCCI treats as one.
pub fn takes_visit_modifiers(code: &str) -> bool {
    is_evaluation_and_management(code) || cpt_number(code).is_some_and(|n| (92002..=92014).contains(&n))
}

/// An anesthesia code (00100-01999), billed in minutes.
pub fn is_anesthesia(code: &str) -> bool {
    cpt_number(code).is_some_and(|n| (100..=1999).contains(&n))
}

/// The ages in whole years a code is for: preventive medicine visits by age band (new patients
/// 99381-99387, established 99391-99397) and the newborn and infant codes (newborn care
/// 99460-99463, neonatal critical and intensive care 99468, 99469, 99477: under one year; infant
/// critical care 99471, 99472: 29 days to 24 months; pediatric critical care 99475, 99476: 2 to 5
/// years). `None` for codes without an age band.
pub fn age_band(code: &str) -> Option<(u32, u32)> {
    let n = cpt_number(code)?;
    let preventive = match n {
        99381..=99387 => Some(n - 99381),
        99391..=99397 => Some(n - 99391),
        _ => None,
    };
    if let Some(band) = preventive {
        const BANDS: [(u32, u32); 7] = [(0, 0), (1, 4), (5, 11), (12, 17), (18, 39), (40, 64), (65, 150)];
        return BANDS.get(band as usize).copied();
    }
    match n {
        99460..=99463 | 99468 | 99469 | 99477 => Some((0, 0)),
        99471 | 99472 => Some((0, 2)),
        99475 | 99476 => Some((2, 5)),
        _ => None,
    }
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
    check_line_shapes(e, ctx, out);
}

/// PROC-AGE-CONFLICT, EM-DATE-SPAN, UNLISTED-DESCRIPTION, ANESTHESIA-MINUTES.
fn check_line_shapes(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    for l in &e.lines {
        let code = l.procedure.code.as_str();
        if let Some((lo, hi)) = age_band(code)
            && let Some(age) = e.patient.dob.and_then(|dob| super::age_on(dob, l.date_of_service))
            && !(lo..=hi).contains(&age)
        {
            let band = match (lo, hi) {
                (0, 0) => "under 1 year".to_string(),
                (lo, hi) if hi >= 150 => format!("{lo} and older"),
                (lo, hi) => format!("{lo}-{hi}"),
            };
            out.push_with_data(
                &PROC_AGE_CONFLICT,
                Some(l.number),
                format!("{code} is for patients aged {band}; the patient's age on the date of service is outside it"),
                "use the code of the patient's age band (preventive visits: 99381-99387 new, 99391-99397 established)",
                format!("age {age}"),
            );
        }
        if is_evaluation_and_management(code)
            && let Some(to) = l.date_of_service_to.filter(|to| *to != l.date_of_service)
        {
            out.push(
                &EM_DATE_SPAN,
                Some(l.number),
                format!("E/M {code} is billed from {} to {to}; a visit has one date of service", l.date_of_service),
                "bill one line per visit, each with its own date",
            );
        }
        let description = l.description.as_deref().map(str::trim).filter(|d| !d.is_empty());
        match description {
            Some(d) if d.chars().count() > MAX_DESCRIPTION => out.push(
                &UNLISTED_DESCRIPTION,
                Some(l.number),
                format!(
                    "the procedure description has {} characters; SV101-7 holds {MAX_DESCRIPTION}",
                    d.chars().count()
                ),
                "shorten procedure_description to 80 characters",
            ),
            None if ctx.reference.unlisted(code) => out.push(
                &UNLISTED_DESCRIPTION,
                Some(l.number),
                format!(
                    "{code} is an unlisted (not otherwise classified) code and the line does not say what was done"
                ),
                "enter what was done in procedure_description (up to 80 characters); it is sent in SV101-7",
            ),
            _ => {}
        }
        match (is_anesthesia(code), l.unit_type) {
            (true, UnitType::Units) => out.push(
                &ANESTHESIA_MINUTES,
                Some(l.number),
                format!("anesthesia {code} is billed in units; payers count anesthesia time in minutes"),
                "enter the anesthesia time in minutes as the units and set unit_type to MJ",
            ),
            (false, UnitType::Minutes) => out.push(
                &ANESTHESIA_MINUTES,
                Some(l.number),
                format!("{code} is billed in minutes (MJ); only anesthesia (00100-01999) is"),
                "set unit_type to UN (units) for this code",
            ),
            _ => {}
        }
    }
}

fn same_day(a: &ServiceLine, b: &ServiceLine) -> bool {
    a.date_of_service == b.date_of_service
}

fn check_modifier_25(e: &Encounter, out: &mut Findings<'_>) {
    for l in &e.lines {
        // 57 (decision for surgery) takes the place of 25 before a major procedure.
        if !is_evaluation_and_management(&l.procedure.code)
            || l.procedure.modifiers.iter().any(|m| m == "25" || m == "57")
        {
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

/// Whether the lines' modifiers bypass an NCCI edit with modifier indicator 1, as the NCCI manual
/// allows: with an E/M on either side only 25 (or 57) on the E/M; otherwise a non-anatomic
/// NCCI-associated modifier (59, XE/XS/XP/XU, 24, 27, 58, 78, 79, 91) on either line, or anatomic
/// modifiers naming different sites on the two lines (20610-RT with 20610-LT, not -RT with nothing).
fn ncci_bypassed(col1: &ServiceLine, col2: &ServiceLine, ctx: &ScrubContext<'_>) -> bool {
    let visit_modifier = |l: &ServiceLine| l.procedure.modifiers.iter().any(|m| matches!(m.as_str(), "25" | "57"));
    let em = [col1, col2].into_iter().filter(|l| is_evaluation_and_management(&l.procedure.code));
    let mut em = em.peekable();
    if em.peek().is_some() {
        return em.any(visit_modifier);
    }
    let facts = |m: &str| ctx.reference.modifier(m).unwrap_or_default();
    let distinct = |l: &ServiceLine| {
        l.procedure.modifiers.iter().any(|m| {
            let f = facts(m);
            f.ncci_associated && !f.anatomic && !matches!(m.as_str(), "25" | "57")
        })
    };
    if distinct(col1) || distinct(col2) {
        return true;
    }
    fn sites<'l>(l: &'l ServiceLine, ctx: &ScrubContext<'_>) -> BTreeSet<&'l str> {
        let anatomic = |m: &&str| ctx.reference.modifier(m).is_some_and(|f| f.anatomic);
        l.procedure.modifiers.iter().map(String::as_str).filter(anatomic).collect()
    }
    let (a, b) = (sites(col1, ctx), sites(col2, ctx));
    !a.is_empty() && !b.is_empty() && a != b
}

fn check_ncci(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
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
            let em = is_evaluation_and_management(c1) || is_evaluation_and_management(c2);
            match edit.modifier_indicator {
                0 => out.push(
                    &NCCI_PTP,
                    Some(col2.number),
                    format!("{c2} is not paid with {c1} (line {}) on the same day: NCCI edit, no modifier allowed", col1.number),
                    "remove the bundled code; no modifier bypasses this edit",
                ),
                1 if !ncci_bypassed(col1, col2, ctx) => out.push(
                    &NCCI_PTP,
                    Some(col2.number),
                    format!("{c2} is bundled into {c1} (line {}) on the same day (NCCI edit)", col1.number),
                    if em {
                        "if the visit was significant and separately identifiable, add 25 to the E/M (57 for a decision for major surgery); 59, X and anatomic modifiers do not bypass an E/M edit"
                    } else {
                        "if the service was distinct (other session or encounter), add 59 or XE/XS/XP/XU; anatomic modifiers only when the two lines name different sites (RT and LT); otherwise remove it"
                    },
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
        let most = Decimal::from(limit.units);
        if limit.per_line() {
            // MAI 1: each line on its own (bilateral or distinct-site lines are billed apart).
            for o in e.lines.iter().filter(|o| (o.procedure.code.as_str(), o.date_of_service) == key) {
                if o.units > most {
                    out.push(
                        &MUE_UNITS,
                        Some(o.number),
                        format!(
                            "{} units of {} on one line exceed the MUE of {} per line",
                            o.units, key.0, limit.units
                        ),
                        "check the units; bill distinct sites or sessions on separate lines with their modifiers",
                    );
                }
            }
            continue;
        }
        let units: Decimal =
            e.lines.iter().filter(|o| (o.procedure.code.as_str(), o.date_of_service) == key).map(|o| o.units).sum();
        if units > most {
            out.push(
                &MUE_UNITS,
                Some(l.number),
                format!("{units} units of {} on {} exceed the MUE of {} per day", key.0, key.1, limit.units),
                "check the units; bill more only with documentation the payer accepts (appeal)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

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
    fn ncci_ptp_em_column_two_is_bypassed_only_by_25_or_57_on_the_em() {
        let r = reference().ncci_pair("20610", "99213", 1);
        let mut e = clean_encounter();
        e.lines = vec![line(1, "99213", &[], &[1]), line(2, "20610", &["RT"], &[1])];
        // An anatomic modifier on the procedure does not bypass an E/M edit (MODIFIER-25-EM warns too).
        let f = scrub_with(&e, &practice(), &r);
        assert_eq!(rules_of(&f), ["MODIFIER-25-EM", "NCCI-PTP"], "{f:#?}");
        assert_eq!(f[1].severity, Severity::Error);
        e.lines[0].procedure.modifiers = vec!["25".into()];
        assert!(scrub_with(&e, &practice(), &r).is_empty());
        e.lines[0].procedure.modifiers = vec!["57".into()];
        assert!(scrub_with(&e, &practice(), &r).is_empty());
    }

    #[test]
    fn ncci_ptp_anatomic_modifiers_bypass_only_for_different_sites() {
        let r = reference().procedure_valid("20550", "2020-01-01", None);
        let mut e = clean_encounter();
        e.lines = vec![line(1, "20610", &["RT"], &[1]), line(2, "20550", &["RT"], &[1])];
        assert_only(&scrub_with(&e, &practice(), &r), "NCCI-PTP");
        e.lines[0].procedure.modifiers.clear();
        assert_only(&scrub_with(&e, &practice(), &r), "NCCI-PTP");
        e.lines[0].procedure.modifiers = vec!["LT".into()];
        assert!(scrub_with(&e, &practice(), &r).is_empty());
        // XU on either line bypasses whatever the sites.
        e.lines[0].procedure.modifiers = vec!["RT".into()];
        e.lines[1].procedure.modifiers = vec!["RT".into(), "XU".into()];
        assert!(scrub_with(&e, &practice(), &r).is_empty());
    }

    #[test]
    fn mue_with_indicator_1_counts_each_line_on_its_own() {
        let r = reference().mue_with_indicator("73560", 1, 1);
        let mut e = clean_encounter();
        e.lines = vec![line(1, "73560", &["RT"], &[1]), line(2, "73560", &["LT"], &[1])];
        assert!(scrub_with(&e, &practice(), &r).is_empty(), "one unit per line, two lines: clean");
        e.lines[1].units = Decimal::from(2);
        let f = scrub_with(&e, &practice(), &r);
        assert_only(&f, "MUE-UNITS");
        assert_eq!(f[0].line, Some(2));
        // The same lines under a per-day indicator exceed the day's limit.
        let r = reference().mue_with_indicator("73560", 1, 2);
        e.lines[1].units = Decimal::ONE;
        assert_only(&scrub_with(&e, &practice(), &r), "MUE-UNITS");
    }

    #[test]
    fn proc_age_conflict_flags_an_infant_preventive_visit_on_an_adult() {
        let mut e = clean_encounter();
        e.patient.dob = Some(d("1986-05-01")); // 40 on the date of service
        e.lines[0] = line(1, "99391", &[], &[1]);
        let f = scrub(&e);
        assert_only(&f, "PROC-AGE-CONFLICT");
        assert!(!f[0].message.contains("40"), "the age is patient data: {}", f[0].message);
        assert_eq!(f[0].data.as_deref(), Some("age 40"));
        e.lines[0] = line(1, "99396", &[], &[1]);
        assert!(scrub(&e).is_empty());
        e.lines[0] = line(1, "99460", &[], &[1]);
        assert_only(&scrub(&e), "PROC-AGE-CONFLICT");
        assert_eq!(age_band("99387"), Some((65, 150)));
        assert_eq!(age_band("99213"), None);
    }

    #[test]
    fn em_date_span_flags_a_visit_over_several_days() {
        let mut e = clean_encounter();
        e.lines[0].date_of_service_to = Some(d("2026-11-05"));
        let f = scrub(&e);
        assert_only(&f, "EM-DATE-SPAN");
        assert_eq!(f[0].line, Some(1));
        e.lines[0].date_of_service_to = Some(e.lines[0].date_of_service);
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn unlisted_description_requires_what_was_done_and_at_most_80_characters() {
        let mut e = clean_encounter();
        e.lines[0].procedure.modifiers = vec!["25".into()];
        e.lines[1] = line(2, "17999", &[], &[1]);
        let f = scrub(&e);
        assert_only(&f, "UNLISTED-DESCRIPTION");
        e.lines[1].description = Some("Cryoablation of skin lesion, left forearm".into());
        assert!(scrub(&e).is_empty());
        e.lines[1].description = Some("x".repeat(81));
        assert_only(&scrub(&e), "UNLISTED-DESCRIPTION");
    }

    #[test]
    fn anesthesia_minutes_requires_mj_for_anesthesia_and_only_for_it() {
        let mut e = clean_encounter();
        e.lines[1] = line(2, "00810", &[], &[1]);
        e.lines[1].units = Decimal::from(45);
        let f = scrub(&e);
        assert_only(&f, "ANESTHESIA-MINUTES");
        e.lines[1].unit_type = UnitType::Minutes;
        assert!(scrub(&e).is_empty());
        e.lines[0].unit_type = UnitType::Minutes;
        let f = scrub(&e);
        assert_only(&f, "ANESTHESIA-MINUTES");
        assert_eq!(f[0].line, Some(1));
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
