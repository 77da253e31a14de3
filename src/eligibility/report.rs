//! `claimkit report eligibility`: every answer recorded, and what it changed for its coverage
//! (the first answer, a change from the previous one, or the same as before) and for billing (the
//! scrub finding it leads to).

use super::{EligibilityAnswer, Outcome, reject_reason_words};
use crate::ledger::eligibility::all_answers;
use crate::ledger::{Ledger, LedgerError};
use crate::report::{Cell, Report, ReportScope, Table};

/// The report, one row per answer, oldest first per encounter and coverage.
pub fn eligibility_report(ledger: &Ledger, scope: &ReportScope) -> Result<Report, LedgerError> {
    let mut t = Table::new(&[
        ("encounter_id", "Encounter"),
        ("coverage", "Coverage"),
        ("payer_id", "Payer"),
        ("member_id", "Member ID"),
        ("service_date", "Service date"),
        ("answered_on", "Answered on"),
        ("outcome", "Outcome"),
        ("detail", "What the payer said"),
        ("changed", "Changed"),
        ("scrub", "Scrub finding"),
        ("trace", "Trace"),
    ])
    .with_title("Eligibility answers")
    .low_priority(&["trace", "member_id"]);
    let rows = all_answers(ledger.conn(), scope.payer.as_deref(), scope.from, scope.to)?;
    let mut previous: Option<(String, crate::encounter::CoverageOrder, Outcome)> = None;
    for row in &rows {
        let a = &row.answer;
        let key = (row.encounter_id.clone(), a.order);
        let changed = match &previous {
            Some((e, o, before)) if (e.clone(), *o) == key => {
                if *before == a.outcome {
                    "unchanged".to_string()
                } else {
                    format!("was {}", before.as_str().replace('_', " "))
                }
            }
            _ => "first answer".to_string(),
        };
        previous = Some((key.0, key.1, a.outcome));
        let order = format!("{:?}", a.order).to_lowercase();
        t.push(vec![
            row.encounter_id.clone().into(),
            order.into(),
            a.payer_id.clone().into(),
            a.member_id.clone().into(),
            a.service_date.into(),
            a.answered_on.into(),
            Cell::Status(a.outcome.as_str().into()),
            detail(a).into(),
            changed.into(),
            scrub_effect(a).into(),
            row.trace.into(),
        ]);
    }
    Ok(Report::new("eligibility", "Eligibility", scope.describe()).section("answers", t, None))
}

fn detail(a: &EligibilityAnswer) -> String {
    let said = said(a);
    let d = &a.dates;
    let mut dates = Vec::new();
    match (d.covered_from, d.covered_to) {
        (Some(f), Some(t)) => dates.push(format!("covered {f} to {t}")),
        (Some(f), None) => dates.push(format!("covered from {f}")),
        (None, Some(t)) => dates.push(format!("covered until {t}")),
        (None, None) => {}
    }
    match (d.inactive_from, d.inactive_to) {
        (Some(f), Some(t)) => dates.push(format!("inactive {f} to {t}")),
        (Some(f), None) => dates.push(format!("inactive from {f}")),
        (None, Some(t)) => dates.push(format!("inactive until {t}")),
        (None, None) => {}
    }
    if dates.is_empty() { said } else { format!("{said} ({})", dates.join("; ")) }
}

fn said(a: &EligibilityAnswer) -> String {
    match a.outcome {
        Outcome::Active => "coverage in force on the date".into(),
        Outcome::Inactive => "coverage not in force on the date".into(),
        Outcome::NotFound => reject_reason_words(a.reject_reason.as_deref().unwrap_or("")).into(),
        Outcome::OtherCoverage => {
            let other = a.other.clone().unwrap_or_default();
            let payer = match (other.payer_name, other.payer_id) {
                (Some(n), Some(id)) => format!("{n} ({id})"),
                (Some(x), None) | (None, Some(x)) => x,
                (None, None) => "another payer".into(),
            };
            match other.member_id {
                Some(m) => format!("other coverage: {payer}, member ID {m}"),
                None => format!("other coverage: {payer}"),
            }
        }
    }
}

fn scrub_effect(a: &EligibilityAnswer) -> &'static str {
    // About the date asked; the scrub judges every date of service the same way.
    if a.inactive_on(a.service_date) {
        return crate::scrub::eligibility::ELIGIBILITY_INACTIVE.id;
    }
    match a.outcome {
        Outcome::Active | Outcome::Inactive => "",
        Outcome::NotFound => crate::scrub::eligibility::ELIGIBILITY_MEMBER_NOT_FOUND.id,
        Outcome::OtherCoverage => "ELIGIBILITY-OTHER-COVERAGE (when not on file)",
    }
}
