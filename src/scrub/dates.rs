//! Dates: no service in the future, no patient born after the service (or older than 150), and
//! the payer's timely filing limit (a late claim is denied with CARC 29).
//!
//! ```text
//! DMG*D8*19500304*F~          patient born 1950-03-04
//! DTP*472*D8*20261102~        service on 2026-11-02: after the birth, not after today
//! ```

use super::{Findings, RuleInfo, ScrubContext, Severity, age_on};
use crate::encounter::Encounter;

pub const DOS_FUTURE: RuleInfo =
    RuleInfo { id: "DOS-FUTURE", severity: Severity::Error, snip_level: 4, description: "date of service after today" };
pub const DOB_AFTER_DOS: RuleInfo = RuleInfo {
    id: "DOB-AFTER-DOS",
    severity: Severity::Error,
    snip_level: 4,
    description: "patient born after the date of service; or age >= 150",
};
pub const TIMELY_FILING: RuleInfo = RuleInfo {
    id: "TIMELY-FILING",
    severity: Severity::Error,
    snip_level: 7,
    description: "DOS older than the payer's timely filing limit",
};

/// Ages from this one are taken for a data-entry error.
pub const IMPOSSIBLE_AGE: u32 = 150;

/// DOS-FUTURE, DOB-AFTER-DOS, TIMELY-FILING.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    for l in &e.lines {
        let last = l.date_of_service_to.unwrap_or(l.date_of_service).max(l.date_of_service);
        if last > ctx.today {
            out.push(
                &DOS_FUTURE,
                Some(l.number),
                format!("date of service {last} is after today ({})", ctx.today),
                "correct the date of service, or bill after the service is provided",
            );
        }
    }
    let Some(first) = e.first_date_of_service() else { return };
    if let Some(dob) = e.patient.dob {
        let problem = match age_on(dob, first) {
            None => Some("the patient's date of birth is after the date of service"),
            Some(age) if age >= IMPOSSIBLE_AGE => Some("the patient's age on the date of service is 150 or more"),
            Some(_) => None,
        };
        if let Some(problem) = problem {
            out.push_with_data(
                &DOB_AFTER_DOS,
                None,
                problem.to_string(),
                "correct the date of birth or the date of service",
                format!("date of birth {dob}"),
            );
        }
    }
    if let Some(payer) = ctx.practice.payer(&e.payer_id) {
        let age_days = (ctx.today - first).num_days();
        if age_days > i64::from(payer.timely_filing_days) {
            out.push(
                &TIMELY_FILING,
                None,
                format!(
                    "date of service {first} is {age_days} days ago; {} accepts claims within {} days",
                    payer.id, payer.timely_filing_days
                ),
                "file only with proof of timely filing (an earlier submission or payer delay), or write it off",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn dos_future_flags_a_service_after_today() {
        let mut e = clean_encounter();
        e.lines[1].date_of_service = d("2026-11-21");
        let f = scrub(&e);
        assert_only(&f, "DOS-FUTURE");
        e.lines[1].date_of_service = today();
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn dob_after_dos_flags_birth_after_service_and_impossible_age() {
        let mut e = clean_encounter();
        e.patient.dob = Some(d("2026-11-03"));
        assert_only(&scrub(&e), "DOB-AFTER-DOS");
        e.patient.dob = Some(d("1876-11-02"));
        assert_only(&scrub(&e), "DOB-AFTER-DOS");
        e.patient.dob = Some(d("1876-11-03"));
        assert!(scrub(&e).is_empty());
    }

    #[test]
    fn timely_filing_uses_the_payers_limit() {
        let mut e = clean_encounter();
        for l in &mut e.lines {
            l.date_of_service = d("2025-11-19"); // 366 days before 2026-11-20
        }
        assert_only(&scrub(&e), "TIMELY-FILING");
        for l in &mut e.lines {
            l.date_of_service = d("2025-11-20"); // 365 days: still in time
        }
        assert!(scrub(&e).is_empty());
    }
}
