//! Eligibility: what the payers answered to claimkit's 270 inquiries (see
//! [`crate::eligibility`]). Each coverage of the encounter (primary, secondary, tertiary) is
//! checked against the latest answer about that same payer and member ID; a coverage without an
//! answer is not checked here.
//!
//! The answer is about one date (the first date of service when it was asked), but the payer's
//! dates say more: a plan that ended before a later line's date, or an inactive period that
//! contains it. ELIGIBILITY-INACTIVE judges every date of service by what the 271 said
//! ([`EligibilityAnswer::inactive_on`]).
//!
//! ```text
//! EB*6*IND*30~            inactive on the date asked          -> ELIGIBILITY-INACTIVE
//! AAA*N**75*C~            subscriber not found                -> ELIGIBILITY-MEMBER-NOT-FOUND
//! EB*R**30~ ... NM1*PRP   another payer the practice lacks    -> ELIGIBILITY-OTHER-COVERAGE
//! ```

use std::collections::HashMap;

use super::{Findings, RuleInfo, ScrubContext, Severity};
use crate::eligibility::{EligibilityAnswer, Outcome, reject_reason_words};
use crate::encounter::{CoverageOrder, Encounter};

pub const ELIGIBILITY_INACTIVE: RuleInfo = RuleInfo {
    id: "ELIGIBILITY-INACTIVE",
    severity: Severity::Error,
    snip_level: 7,
    description: "the payer answered that the coverage is inactive on the date of service",
};
pub const ELIGIBILITY_MEMBER_NOT_FOUND: RuleInfo = RuleInfo {
    id: "ELIGIBILITY-MEMBER-NOT-FOUND",
    severity: Severity::Error,
    snip_level: 7,
    description: "the payer could not find the member, or the name or date of birth does not match its records",
};
pub const ELIGIBILITY_OTHER_COVERAGE: RuleInfo = RuleInfo {
    id: "ELIGIBILITY-OTHER-COVERAGE",
    severity: Severity::Warning,
    snip_level: 7,
    description: "the payer reports other coverage that is not on file for the patient",
};
pub const ELIGIBILITY_STALE: RuleInfo = RuleInfo {
    id: "ELIGIBILITY-STALE",
    severity: Severity::Info,
    snip_level: 7,
    description: "the latest eligibility answer is older than the payer's limit (default 30 days)",
};

/// Days after which an answer is stale when the payer sets no `eligibility_stale_days`.
pub const DEFAULT_STALE_DAYS: u32 = 30;

/// The latest eligibility answers per encounter, as the scrubber reads them.
pub trait EligibilityAnswers {
    /// The latest answer about each coverage of the encounter (at most one per coverage order).
    fn answers(&self, encounter_id: &str) -> &[EligibilityAnswer];
}

/// No answers recorded (unit tests, ledgers without inquiries).
pub struct NoEligibility;

impl EligibilityAnswers for NoEligibility {
    fn answers(&self, _: &str) -> &[EligibilityAnswer] {
        &[]
    }
}

impl EligibilityAnswers for HashMap<String, Vec<EligibilityAnswer>> {
    fn answers(&self, encounter_id: &str) -> &[EligibilityAnswer] {
        self.get(encounter_id).map_or(&[], Vec::as_slice)
    }
}

fn order_word(o: CoverageOrder) -> &'static str {
    match o {
        CoverageOrder::Primary => "primary",
        CoverageOrder::Secondary => "secondary",
        CoverageOrder::Tertiary => "tertiary",
    }
}

/// Every date of service of the encounter (each line's first and last day), earliest first.
fn service_days(e: &Encounter) -> impl Iterator<Item = chrono::NaiveDate> {
    let mut days: Vec<_> =
        e.lines.iter().flat_map(|l| [Some(l.date_of_service), l.date_of_service_to]).flatten().collect();
    days.sort_unstable();
    days.dedup();
    days.into_iter()
}

/// ELIGIBILITY-INACTIVE, ELIGIBILITY-MEMBER-NOT-FOUND, ELIGIBILITY-OTHER-COVERAGE, ELIGIBILITY-STALE.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    let answers = ctx.eligibility.answers(&e.id);
    if answers.is_empty() {
        return;
    }
    let coverages = e.coverages();
    for c in &coverages {
        let Some(a) =
            answers.iter().find(|a| a.order == c.order && a.payer_id == c.payer_id && a.member_id == c.member_id)
        else {
            continue;
        };
        let which = order_word(c.order);
        if let Some(day) = service_days(e).find(|day| a.inactive_on(*day)) {
            let asked =
                if day == a.service_date { String::new() } else { format!(" (asked about {})", a.service_date) };
            out.push_with_data(
                &ELIGIBILITY_INACTIVE,
                None,
                format!(
                    "{} answered on {}{asked} that the {which} coverage is not in force on the date of service {day}",
                    c.payer_id, a.answered_on
                ),
                "confirm the patient's current insurance, update the coverage and import the encounter again",
                format!("member ID {}", c.member_id),
            );
        }
        match a.outcome {
            Outcome::NotFound => out.push_with_data(
                &ELIGIBILITY_MEMBER_NOT_FOUND,
                None,
                format!(
                    "{} answered on {} about the {which} coverage: {}",
                    c.payer_id,
                    a.answered_on,
                    reject_reason_words(a.reject_reason.as_deref().unwrap_or(""))
                ),
                "check the member ID, name and date of birth against the insurance card, then ask again",
                format!("member ID {}", c.member_id),
            ),
            Outcome::OtherCoverage => {
                let other = a.other.clone().unwrap_or_default();
                let on_file = coverages.iter().any(|k| {
                    other.payer_id.as_deref() == Some(k.payer_id.as_str())
                        || other.member_id.as_deref() == Some(k.member_id.as_str())
                });
                if !on_file {
                    let payer = match (&other.payer_name, &other.payer_id) {
                        (Some(n), Some(id)) => format!("{n} ({id})"),
                        (Some(x), None) | (None, Some(x)) => x.clone(),
                        (None, None) => "another payer".into(),
                    };
                    out.push_with_data(
                        &ELIGIBILITY_OTHER_COVERAGE,
                        None,
                        format!("{} reports other coverage not on file: {payer}", c.payer_id),
                        "ask the patient about the other coverage; add it in the order of benefits and import again",
                        format!("other member ID {}", other.member_id.as_deref().unwrap_or("not reported")),
                    );
                }
            }
            _ => {}
        }
        let limit =
            ctx.practice.payer(&c.payer_id).and_then(|p| p.eligibility_stale_days).unwrap_or(DEFAULT_STALE_DAYS);
        let age = (ctx.today - a.answered_on).num_days();
        if age > i64::from(limit) {
            out.push(
                &ELIGIBILITY_STALE,
                None,
                format!("the {which} coverage's eligibility answer is {age} days old ({} allows {limit})", c.payer_id),
                "send a new eligibility inquiry (claimkit eligibility request)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::eligibility::OtherCoverage;
    use crate::scrub::{NoBilledClaims, ScrubContext, scrub_encounter};

    fn answer(e: &Encounter, outcome: Outcome, answered_on: &str) -> EligibilityAnswer {
        let primary = e.coverage(CoverageOrder::Primary).unwrap();
        EligibilityAnswer {
            order: CoverageOrder::Primary,
            payer_id: primary.payer_id,
            member_id: primary.member_id,
            service_date: e.first_date_of_service().unwrap(),
            answered_on: d(answered_on),
            outcome,
            reject_reason: (outcome == Outcome::NotFound).then(|| "75".to_string()),
            other: (outcome == Outcome::OtherCoverage).then(|| OtherCoverage {
                payer_id: Some("OTHER1".into()),
                payer_name: Some("OTHER PLAN".into()),
                member_id: Some("X1".into()),
            }),
            dates: Default::default(),
        }
    }

    fn scrub_answered(e: &Encounter, answers: Vec<EligibilityAnswer>) -> Vec<super::super::Finding> {
        let (p, r) = (practice(), reference());
        let map: HashMap<String, Vec<EligibilityAnswer>> = [(e.id.clone(), answers)].into();
        let ctx = ScrubContext::new(&p, &r, today(), &NoBilledClaims).with_eligibility(&map);
        scrub_encounter(e, &ctx)
    }

    #[test]
    fn an_inactive_answer_for_the_date_of_service_holds_the_encounter() {
        let e = clean_encounter();
        assert_only(&scrub_answered(&e, vec![answer(&e, Outcome::Inactive, "2026-11-19")]), "ELIGIBILITY-INACTIVE");
        assert!(scrub_answered(&e, vec![answer(&e, Outcome::Active, "2026-11-19")]).is_empty());
    }

    fn inactive_findings(e: &Encounter, a: EligibilityAnswer) -> usize {
        scrub_answered(e, vec![a]).iter().filter(|f| f.rule_id == "ELIGIBILITY-INACTIVE").count()
    }

    #[test]
    fn an_active_answer_whose_plan_ends_before_the_date_of_service_holds_the_encounter() {
        let e = clean_encounter();
        let dos = e.first_date_of_service().unwrap();
        let mut a = answer(&e, Outcome::Active, "2026-11-19");
        a.service_date = dos - chrono::Days::new(20);
        a.dates.covered_to = Some(dos - chrono::Days::new(1));
        let f = scrub_answered(&e, vec![a.clone()]);
        assert_only(&f, "ELIGIBILITY-INACTIVE");
        assert!(f[0].message.contains(&format!("date of service {dos}")), "{}", f[0].message);
        assert!(f[0].message.contains(&format!("asked about {}", a.service_date)), "{}", f[0].message);
        a.dates.covered_to = Some(dos);
        assert_eq!(inactive_findings(&e, a), 0);
    }

    #[test]
    fn an_inactive_period_containing_the_date_of_service_holds_it_though_another_date_was_asked() {
        let e = clean_encounter();
        let dos = e.first_date_of_service().unwrap();
        let mut a = answer(&e, Outcome::Inactive, "2026-11-19");
        a.service_date = dos + chrono::Days::new(5);
        a.dates.inactive_from = Some(dos - chrono::Days::new(3));
        a.dates.inactive_to = Some(dos + chrono::Days::new(10));
        assert_eq!(inactive_findings(&e, a.clone()), 1);
        // The inactive period starts after the date of service: that date was covered.
        a.dates.inactive_from = Some(dos + chrono::Days::new(1));
        assert_eq!(inactive_findings(&e, a), 0);
    }

    #[test]
    fn an_inactive_answer_whose_plan_ended_after_the_date_of_service_does_not_hold_it() {
        let e = clean_encounter();
        let dos = e.first_date_of_service().unwrap();
        let mut a = answer(&e, Outcome::Inactive, "2026-11-19");
        a.service_date = dos + chrono::Days::new(10);
        a.dates.covered_to = Some(dos + chrono::Days::new(2));
        assert_eq!(inactive_findings(&e, a.clone()), 0);
        a.dates.covered_to = Some(dos - chrono::Days::new(1));
        assert_eq!(inactive_findings(&e, a), 1);
    }

    #[test]
    fn an_inactive_answer_without_dates_is_about_the_date_asked_only() {
        let e = clean_encounter();
        let dos = e.first_date_of_service().unwrap();
        let mut a = answer(&e, Outcome::Inactive, "2026-11-19");
        assert_eq!(inactive_findings(&e, a.clone()), 1);
        a.service_date = dos + chrono::Days::new(30);
        assert_eq!(inactive_findings(&e, a), 0);
    }

    #[test]
    fn a_later_line_outside_the_coverage_holds_the_encounter() {
        let mut e = clean_encounter();
        let dos = e.first_date_of_service().unwrap();
        let mut later = e.lines[0].clone();
        later.date_of_service = dos + chrono::Days::new(7);
        e.lines.push(later);
        let mut a = answer(&e, Outcome::Active, "2026-11-19");
        a.dates.covered_to = Some(dos + chrono::Days::new(3));
        let f: Vec<_> =
            scrub_answered(&e, vec![a]).into_iter().filter(|f| f.rule_id == "ELIGIBILITY-INACTIVE").collect();
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains(&format!("date of service {}", dos + chrono::Days::new(7))), "{}", f[0].message);
    }

    #[test]
    fn a_member_not_found_is_an_error() {
        let e = clean_encounter();
        assert_only(
            &scrub_answered(&e, vec![answer(&e, Outcome::NotFound, "2026-11-19")]),
            "ELIGIBILITY-MEMBER-NOT-FOUND",
        );
    }

    #[test]
    fn other_coverage_warns_only_when_not_on_file() {
        let mut e = clean_encounter();
        let f = scrub_answered(&e, vec![answer(&e, Outcome::OtherCoverage, "2026-11-19")]);
        assert_only(&f, "ELIGIBILITY-OTHER-COVERAGE");
        assert!(f[0].message.contains("OTHER PLAN (OTHER1)"), "{}", f[0].message);
        assert_eq!(f[0].data.as_deref(), Some("other member ID X1"));
        e.secondary = Some(crate::encounter::Coverage {
            payer_id: "OTHER1".into(),
            member_id: "X1".into(),
            ..Default::default()
        });
        let a = answer(&e, Outcome::OtherCoverage, "2026-11-19");
        assert!(scrub_answered(&e, vec![a]).iter().all(|f| f.rule_id != "ELIGIBILITY-OTHER-COVERAGE"));
    }

    #[test]
    fn an_answer_older_than_the_payers_limit_is_stale() {
        let e = clean_encounter();
        // today() is 2026-11-20: 31 days after 2026-10-20.
        assert_only(&scrub_answered(&e, vec![answer(&e, Outcome::Active, "2026-10-20")]), "ELIGIBILITY-STALE");
        assert!(scrub_answered(&e, vec![answer(&e, Outcome::Active, "2026-10-21")]).is_empty());
        let (mut p, r) = (practice(), reference());
        p.payers[0].eligibility_stale_days = Some(60);
        let map: HashMap<String, Vec<EligibilityAnswer>> =
            [(e.id.clone(), vec![answer(&e, Outcome::Active, "2026-10-20")])].into();
        let ctx = ScrubContext::new(&p, &r, today(), &NoBilledClaims).with_eligibility(&map);
        assert!(scrub_encounter(&e, &ctx).is_empty());
    }

    #[test]
    fn an_answer_about_another_member_id_is_not_applied() {
        let e = clean_encounter();
        let mut a = answer(&e, Outcome::NotFound, "2026-11-19");
        a.member_id = "SOMEONE-ELSE".into();
        assert!(scrub_answered(&e, vec![a]).is_empty());
    }
}
