//! Diagnoses: ICD-10-CM validity on the date of service, Excludes1 pairs, manifestation and age
//! edits, duplicates and the line pointers.
//!
//! The claim lists up to 12 diagnoses in one HI segment, the first is the principal (`ABK`), the
//! others `ABF`, sent without the dot; each service line points at up to four of them by position
//! (SV107):
//!
//! ```text
//! HI*ABK:E119*ABF:I10~
//! SV1*HC:99213*125*UN*1***1:2~
//! ```
//!
//! Only leaf codes are billable (`E11.9`, not the category `E11`), and the code set changes every
//! October 1, so validity is checked on the claim's first date of service.

use super::reference::{CodeSex, IcdVerdict};
use super::{Findings, RuleInfo, ScrubContext, Severity, age_on};
use crate::encounter::{Encounter, Sex};

/// The patient's sex as the code editor compares it; `None` when unknown.
fn patient_sex(e: &Encounter) -> Option<CodeSex> {
    match e.patient.sex {
        Sex::Male => Some(CodeSex::Male),
        Sex::Female => Some(CodeSex::Female),
        Sex::Unknown => None,
    }
}

pub const ICD_INVALID: RuleInfo = RuleInfo {
    id: "ICD-INVALID",
    severity: Severity::Error,
    snip_level: 5,
    description: "diagnosis code not in ICD-10-CM at all",
};
pub const ICD_NOT_BILLABLE: RuleInfo = RuleInfo {
    id: "ICD-NOT-BILLABLE",
    severity: Severity::Error,
    snip_level: 5,
    description: "diagnosis is a header (category/subcategory), not a billable leaf",
};
pub const ICD_NOT_VALID_ON_DOS: RuleInfo = RuleInfo {
    id: "ICD-NOT-VALID-ON-DOS",
    severity: Severity::Error,
    snip_level: 5,
    description: "code exists but not valid on the date of service (added later / ended earlier)",
};
pub const ICD_EXCLUDES1: RuleInfo = RuleInfo {
    id: "ICD-EXCLUDES1",
    severity: Severity::Error,
    snip_level: 5,
    description: "two diagnoses on one claim form an Excludes1 pair",
};
pub const ICD_MANIFESTATION_FIRST: RuleInfo = RuleInfo {
    id: "ICD-MANIFESTATION-FIRST",
    severity: Severity::Error,
    snip_level: 5,
    description: "manifestation code as principal (first) diagnosis",
};
pub const ICD_AGE_CONFLICT: RuleInfo = RuleInfo {
    id: "ICD-AGE-CONFLICT",
    severity: Severity::Error,
    snip_level: 6,
    description: "diagnosis age edit (MCE newborn 0, pediatric 0-17, maternity 9-64, adult 15-124) conflicts with age on DOS",
};
pub const ICD_SEX_CONFLICT: RuleInfo = RuleInfo {
    id: "ICD-SEX-CONFLICT",
    severity: Severity::Error,
    snip_level: 6,
    description: "diagnosis for one sex on a patient of the other (MCE sex edits: dates of service through 2024-09-30)",
};
pub const ICD_EXTERNAL_CAUSE_FIRST: RuleInfo = RuleInfo {
    id: "ICD-EXTERNAL-CAUSE-FIRST",
    severity: Severity::Error,
    snip_level: 5,
    description: "external-cause code (V00-Y99: how an injury happened) listed first",
};
pub const DX_DUPLICATE: RuleInfo = RuleInfo {
    id: "DX-DUPLICATE",
    severity: Severity::Error,
    snip_level: 4,
    description: "same diagnosis twice on the claim",
};
pub const DX_POINTER: RuleInfo = RuleInfo {
    id: "DX-POINTER",
    severity: Severity::Error,
    snip_level: 2,
    description: "line pointer missing, > 4, duplicate, or pointing past the diagnosis list; more than 12 diagnoses",
};

/// The most diagnoses one 837P claim carries (HI segments).
pub const MAX_DIAGNOSES: usize = 12;
/// The most diagnosis pointers one service line carries (SV107).
pub const MAX_POINTERS: usize = 4;

/// Every diagnosis rule.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    let dos = e.first_date_of_service().unwrap_or(ctx.today);
    let age = e.patient.dob.and_then(|dob| age_on(dob, dos));
    let mut billable = Vec::with_capacity(e.diagnoses.len());
    for (i, dx) in e.diagnoses.iter().enumerate() {
        let code = dx.code();
        match ctx.reference.icd10(code, dos) {
            IcdVerdict::Unknown => out.push(
                &ICD_INVALID,
                None,
                format!("diagnosis {} is not an ICD-10-CM code", dx.dotted()),
                "correct the diagnosis code in the EMR",
            ),
            IcdVerdict::Header => out.push(
                &ICD_NOT_BILLABLE,
                None,
                format!("diagnosis {} is a category, not a billable code", dx.dotted()),
                "code to the highest specificity: pick the billable code under it",
            ),
            IcdVerdict::NotValidOn { valid_from, valid_to } => {
                let period = match valid_to {
                    Some(to) if to < dos => format!("it ended on {to}"),
                    _ => format!("it is valid from {valid_from}"),
                };
                out.push(
                    &ICD_NOT_VALID_ON_DOS,
                    None,
                    format!("diagnosis {} is not valid on the date of service {dos}: {period}", dx.dotted()),
                    "use the code that was valid on the date of service (ICD-10-CM changes every October 1)",
                );
            }
            IcdVerdict::Billable(facts) => {
                if i == 0 && facts.external_cause {
                    out.push(
                        &ICD_EXTERNAL_CAUSE_FIRST,
                        None,
                        format!(
                            "first-listed diagnosis {} is an external cause (how the injury happened)",
                            dx.dotted()
                        ),
                        "list the injury or condition first; the external-cause code goes after it",
                    );
                }
                if let Some(code_sex) = facts.sex
                    && let Some(patient_sex) = patient_sex(e)
                    && patient_sex != code_sex
                {
                    let (code_for, patient) = match code_sex {
                        CodeSex::Male => ("male", "female"),
                        CodeSex::Female => ("female", "male"),
                    };
                    out.push(
                        &ICD_SEX_CONFLICT,
                        None,
                        format!(
                            "diagnosis {} is for {code_for} patients but the patient is recorded as {patient}",
                            dx.dotted()
                        ),
                        "check the diagnosis code and the patient's sex in the registration",
                    );
                }
                if i == 0 && facts.manifestation {
                    out.push(
                        &ICD_MANIFESTATION_FIRST,
                        None,
                        format!("principal diagnosis {} is a manifestation code", dx.dotted()),
                        "list the underlying condition first and the manifestation after it",
                    );
                }
                if let (Some(group), Some(age)) = (facts.age, age)
                    && !group.admits(age)
                {
                    let ages = match group.years() {
                        (lo, hi) if lo == hi => format!("age {lo}"),
                        (lo, hi) => format!("ages {lo}-{hi}"),
                    };
                    out.push_with_data(
                        &ICD_AGE_CONFLICT,
                        None,
                        format!(
                            "diagnosis {} is a {} diagnosis ({ages}) but the patient's age on the date of service is outside it",
                            dx.dotted(),
                            group.name(),
                        ),
                        "check the diagnosis code and the patient's date of birth",
                        format!("age {age}"),
                    );
                }
                billable.push(i);
            }
        }
        if e.diagnoses[..i].contains(dx) {
            out.push(
                &DX_DUPLICATE,
                None,
                format!("diagnosis {} is listed twice", dx.dotted()),
                "remove the repeated diagnosis and renumber the line pointers",
            );
        }
    }
    for (n, &i) in billable.iter().enumerate() {
        for &j in &billable[n + 1..] {
            let (a, b) = (e.diagnoses[i].code(), e.diagnoses[j].code());
            if a != b && (ctx.reference.excludes1(a, b) || ctx.reference.excludes1(b, a)) {
                out.push(
                    &ICD_EXCLUDES1,
                    None,
                    format!(
                        "diagnoses {} and {} exclude each other (Excludes1)",
                        e.diagnoses[i].dotted(),
                        e.diagnoses[j].dotted()
                    ),
                    "keep the one that was documented; they cannot be coded together",
                );
            }
        }
    }
    check_pointers(e, out);
}

fn check_pointers(e: &Encounter, out: &mut Findings<'_>) {
    let count = e.diagnoses.len();
    if count > MAX_DIAGNOSES {
        out.push(
            &DX_POINTER,
            None,
            format!("the claim has {count} diagnoses; an 837P carries at most {MAX_DIAGNOSES}"),
            "split the encounter into claims of at most 12 diagnoses each",
        );
    }
    for l in &e.lines {
        let p = &l.diagnosis_pointers;
        let mut problem = None;
        if p.is_empty() {
            problem = Some("has no diagnosis pointer".to_string());
        } else if p.len() > MAX_POINTERS {
            problem = Some(format!("has {} diagnosis pointers; at most {MAX_POINTERS} are allowed", p.len()));
        } else if let Some(bad) = p.iter().find(|&&x| x == 0 || usize::from(x) > count) {
            problem = Some(format!("points at diagnosis {bad} but the claim has {count}"));
        } else if p.iter().enumerate().any(|(k, x)| p[..k].contains(x)) {
            problem = Some("points at the same diagnosis twice".to_string());
        }
        if let Some(problem) = problem {
            out.push(
                &DX_POINTER,
                Some(l.number),
                format!("line {problem}"),
                "point the line at 1 to 4 different diagnoses of the claim (1-based positions)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::encounter::Diagnosis;

    fn with_dx(codes: &[&str]) -> crate::encounter::Encounter {
        let mut e = clean_encounter();
        e.diagnoses = codes.iter().map(|c| Diagnosis::new(c)).collect();
        e
    }

    #[test]
    fn icd_invalid_flags_a_code_that_does_not_exist() {
        assert_only(&scrub(&with_dx(&["E11.9", "X99.9"])), "ICD-INVALID");
        assert!(scrub(&with_dx(&["E11.9", "I10"])).is_empty());
    }

    #[test]
    fn icd_not_billable_flags_a_category() {
        let f = scrub(&with_dx(&["E11", "I10"]));
        assert_only(&f, "ICD-NOT-BILLABLE");
        assert!(f[0].message.contains("E11"));
        assert!(scrub(&with_dx(&["E11.65", "I10"])).is_empty());
    }

    #[test]
    fn icd_not_valid_on_dos_flags_a_code_before_it_existed() {
        let mut e = with_dx(&["I42.00", "I10"]);
        for l in &mut e.lines {
            l.date_of_service = d("2026-09-30");
        }
        assert_only(&scrub(&e), "ICD-NOT-VALID-ON-DOS");
        for l in &mut e.lines {
            l.date_of_service = d("2026-10-01");
        }
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn icd_excludes1_flags_type_1_with_type_2_diabetes() {
        assert_only(&scrub(&with_dx(&["E10.9", "E11.9"])), "ICD-EXCLUDES1");
        assert!(scrub(&with_dx(&["E10.9", "I10"])).is_empty());
    }

    #[test]
    fn icd_manifestation_first_is_an_error_only_in_first_position() {
        let f = scrub(&with_dx(&["G63", "E11.9"]));
        assert_only(&f, "ICD-MANIFESTATION-FIRST");
        assert_eq!(f[0].severity, super::Severity::Error);
        assert!(scrub(&with_dx(&["E11.9", "G63"])).is_empty());
    }

    #[test]
    fn icd_external_cause_first_flags_an_external_cause_listed_first() {
        let f = scrub(&with_dx(&["W19.XXXA", "S82.90XA"]));
        assert_only(&f, "ICD-EXTERNAL-CAUSE-FIRST");
        assert!(f[0].message.contains("W19.XXXA"));
        assert!(scrub(&with_dx(&["S82.90XA", "W19.XXXA"])).is_empty());
    }

    #[test]
    fn icd_sex_conflict_applies_only_on_dates_the_mce_had_sex_edits() {
        let mut e = with_dx(&["N40.0", "I10"]);
        for l in &mut e.lines {
            l.date_of_service = d("2024-09-30");
        }
        let f = scrub_on(&e, d("2024-10-15"));
        assert_only(&f, "ICD-SEX-CONFLICT");
        assert_eq!(f[0].severity, super::Severity::Error);
        e.patient.sex = crate::encounter::Sex::Male;
        e.subscriber.sex = crate::encounter::Sex::Male;
        assert!(scrub_on(&e, d("2024-10-15")).is_empty());
        // After 2024-09-30 the MCE has no sex edits.
        let mut later = with_dx(&["N40.0", "I10"]);
        for l in &mut later.lines {
            l.date_of_service = d("2024-10-01");
        }
        assert!(scrub_on(&later, d("2024-10-15")).is_empty());
    }

    #[test]
    fn icd_age_conflict_is_an_error_for_a_newborn_code_on_an_adult() {
        let f = scrub(&with_dx(&["P07.00", "I10"]));
        assert_only(&f, "ICD-AGE-CONFLICT");
        assert_eq!(f[0].severity, super::Severity::Error);
        let mut e = with_dx(&["P07.00", "I10"]);
        e.patient.dob = Some(d("2026-10-30"));
        e.subscriber.dob = e.patient.dob;
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn dx_duplicate_flags_a_repeated_code() {
        let mut e = with_dx(&["E11.9", "E119"]);
        e.lines[0].diagnosis_pointers = vec![1];
        assert_only(&scrub(&e), "DX-DUPLICATE");
        e.diagnoses[1] = Diagnosis::new("E11.65");
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn dx_pointer_flags_missing_past_the_end_duplicate_and_too_many() {
        for pointers in [vec![], vec![3], vec![1, 1], vec![1, 2, 1, 2, 1], vec![0]] {
            let mut e = clean_encounter();
            e.lines[1].diagnosis_pointers = pointers.clone();
            let f = scrub(&e);
            assert_only(&f, "DX-POINTER");
            assert_eq!(f[0].line, Some(2), "{pointers:?}");
        }
    }

    #[test]
    fn dx_pointer_flags_more_than_twelve_diagnoses() {
        let mut e = clean_encounter();
        e.diagnoses =
            ["E119", "I10", "J069", "Z0000", "M545", "R051", "E1165", "E119", "I10", "J069", "Z0000", "M545", "R051"]
                .iter()
                .map(|c| Diagnosis::new(c))
                .collect();
        let f = scrub(&e);
        assert!(f.iter().any(|f| f.rule_id == "DX-POINTER" && f.line.is_none()), "{f:#?}");
        e.diagnoses.truncate(7);
        assert!(scrub(&e).is_empty());
    }
}
