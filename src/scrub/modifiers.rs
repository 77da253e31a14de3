//! Procedure modifiers: at most four per line (SV101-3 to SV101-6), each from the valid list, none
//! repeated.
//!
//! ```text
//! SV1*HC:20610:RT:59*200*UN*1***1~
//! ```

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

/// The most modifiers an 837P service line carries.
pub const MAX_MODIFIERS: usize = 4;

/// MODIFIER-INVALID, MODIFIER-DUPLICATE, MODIFIER-TOO-MANY.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    for l in &e.lines {
        let mods = &l.procedure.modifiers;
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
    fn modifier_too_many_flags_a_fifth_modifier() {
        let mut e = clean_encounter();
        e.lines[1].procedure.modifiers = ["RT", "59", "GT", "76", "XS"].iter().map(|m| m.to_string()).collect();
        assert_only(&scrub(&e), "MODIFIER-TOO-MANY");
        e.lines[1].procedure.modifiers.pop();
        assert!(scrub(&e).is_empty());
    }
}
