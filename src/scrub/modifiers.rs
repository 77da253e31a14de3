//! Procedure modifiers: at most four per line (SV101-3 to SV101-6), each from the valid list, none
//! repeated.
//!
//! ```text
//! SV1*HC:20610:RT:59*200*UN*1***1~
//! ```

use super::procedure::{is_evaluation_and_management, takes_visit_modifiers};
use super::{Findings, RuleInfo, ScrubContext, Severity};
use crate::encounter::Encounter;

pub const MODIFIER_INVALID: RuleInfo = RuleInfo {
    id: "MODIFIER-INVALID",
    severity: Severity::Error,
    snip_level: 5,
    description: "modifier not in the modifier list",
};
pub const MODIFIER_DUPLICATE: RuleInfo = RuleInfo {
    id: "MODIFIER-DUPLICATE",
    severity: Severity::Error,
    snip_level: 4,
    description: "same modifier twice on a line",
};
pub const MODIFIER_TOO_MANY: RuleInfo = RuleInfo {
    id: "MODIFIER-TOO-MANY",
    severity: Severity::Error,
    snip_level: 2,
    description: "more than 4 modifiers on a line",
};

pub const MODIFIER_EM_ONLY: RuleInfo = RuleInfo {
    id: "MODIFIER-EM-ONLY",
    severity: Severity::Error,
    snip_level: 6,
    description: "modifier 25 or 57 on a code that is not an E/M visit (they mark a visit, not a procedure)",
};
pub const MODIFIER_59_EM: RuleInfo = RuleInfo {
    id: "MODIFIER-59-EM",
    severity: Severity::Error,
    snip_level: 6,
    description: "modifier 59 or XE/XS/XP/XU on an E/M visit (NCCI does not allow them on E/M: use 25)",
};

/// The distinct-procedural-service modifiers, which NCCI never allows on an E/M.
pub const DISTINCT_SERVICE_MODIFIERS: &[&str] = &["59", "XE", "XP", "XS", "XU"];

/// The most modifiers an 837P service line carries.
pub const MAX_MODIFIERS: usize = 4;

/// MODIFIER-INVALID, MODIFIER-DUPLICATE, MODIFIER-TOO-MANY, MODIFIER-EM-ONLY, MODIFIER-59-EM.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    for l in &e.lines {
        let mods = &l.procedure.modifiers;
        let code = l.procedure.code.as_str();
        if let Some(m) = mods.iter().find(|m| matches!(m.as_str(), "25" | "57"))
            && !takes_visit_modifiers(code)
        {
            out.push(
                &MODIFIER_EM_ONLY,
                Some(l.number),
                format!("modifier {m} belongs on an E/M visit, and {code} is not one"),
                "move the modifier to the E/M line billed the same day (or remove it); for a distinct procedure use 59/XS",
            );
        }
        if is_evaluation_and_management(code)
            && let Some(m) = mods.iter().find(|m| DISTINCT_SERVICE_MODIFIERS.contains(&m.as_str()))
        {
            out.push(
                &MODIFIER_59_EM,
                Some(l.number),
                format!("modifier {m} is not allowed on the E/M visit {code}"),
                "use modifier 25 for a significant, separately identifiable visit the same day as a procedure",
            );
        }
        if mods.len() > MAX_MODIFIERS {
            out.push(
                &MODIFIER_TOO_MANY,
                Some(l.number),
                format!("line has {} modifiers; at most {MAX_MODIFIERS} are allowed", mods.len()),
                "keep the four that affect payment most (pricing modifiers first)",
            );
        }
        for (i, m) in mods.iter().enumerate() {
            if ctx.reference.modifier(m).is_none() {
                out.push(
                    &MODIFIER_INVALID,
                    Some(l.number),
                    format!("modifier {m:?} is not a valid CPT/HCPCS modifier"),
                    "correct or remove the modifier",
                );
            }
            if mods[..i].contains(m) {
                out.push(
                    &MODIFIER_DUPLICATE,
                    Some(l.number),
                    format!("modifier {m} appears twice on the line"),
                    "remove the repeated modifier",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn modifier_invalid_flags_an_unknown_modifier() {
        let mut e = clean_encounter();
        e.lines[1].procedure.modifiers = vec!["Q9".into()];
        assert_only(&scrub(&e), "MODIFIER-INVALID");
        e.lines[1].procedure.modifiers = vec!["GT".into()];
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn modifier_duplicate_flags_a_repeated_modifier() {
        let mut e = clean_encounter();
        e.lines[1].procedure.modifiers = vec!["RT".into(), "RT".into()];
        assert_only(&scrub(&e), "MODIFIER-DUPLICATE");
        e.lines[1].procedure.modifiers = vec!["RT".into(), "LT".into()];
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn modifier_em_only_flags_25_on_a_procedure() {
        let mut e = clean_encounter();
        e.lines[1] = line(2, "20610", &["25"], &[1]);
        e.lines[0].procedure.modifiers = vec!["25".into()];
        let f = scrub(&e);
        assert_only(&f, "MODIFIER-EM-ONLY");
        assert_eq!(f[0].line, Some(2));
        e.lines[1].procedure.modifiers.clear();
        assert!(scrub(&e).is_empty());
        // 57 (decision for surgery) is a visit modifier too.
        e.lines[1].procedure.modifiers = vec!["57".into()];
        assert_only(&scrub(&e), "MODIFIER-EM-ONLY");
    }

    #[test]
    fn modifier_59_em_flags_59_and_x_modifiers_on_an_em() {
        for m in ["59", "XU"] {
            let mut e = clean_encounter();
            e.lines[0].procedure.modifiers = vec![m.into()];
            let f = scrub(&e);
            assert_only(&f, "MODIFIER-59-EM");
            assert_eq!(f[0].line, Some(1));
        }
        let mut e = clean_encounter();
        e.lines[1] = line(2, "20610", &["59"], &[1]);
        e.lines[0].procedure.modifiers = vec!["25".into()];
        assert!(scrub(&e).is_empty(), "59 on the procedure, 25 on the E/M");
    }

    #[test]
    fn modifier_too_many_flags_a_fifth_modifier() {
        let mut e = clean_encounter();
        e.lines[1].procedure.modifiers = ["RT", "59", "GT", "76", "XS"].iter().map(|m| m.to_string()).collect();
        assert_only(&scrub(&e), "MODIFIER-TOO-MANY");
        e.lines[1].procedure.modifiers.pop();
        assert!(scrub(&e).is_empty());
    }
}
