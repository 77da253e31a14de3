//! `claim find`: claims by patient, member, encounter, payer claim number, status, payer, what is
//! still owed on the visit and age, as one [`Report`] (table, CSV, JSON or HTML).
//!
//! Exact keys (PCN, encounter, patient ID, member ID, payer, payer claim number, status) are
//! matched without regard to case; a patient name matches when every word of it is part of the
//! patient's last or first name (`"doe jo"` finds Jo Doe and John Doe). The balance is what the
//! claim's payer and the patient still owe on the claim's visit, from the A/R entries
//! ([`crate::ledger::ar::visit_balances`]); the age is days since the first date of service.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Cell, Report, Section, Table};
use crate::ledger::billing::ClaimStatus;
use crate::ledger::find::{ExactKeys, claims};
use crate::ledger::{Ledger, LedgerError, ar::visit_balances};
use crate::money::from_cents;

/// What to look for; every criterion given must hold.
#[derive(Debug, Clone, Default)]
pub struct Criteria {
    pub pcn: Option<String>,
    pub patient_name: Option<String>,
    pub patient_id: Option<String>,
    pub member_id: Option<String>,
    pub encounter_id: Option<String>,
    pub payer_claim_number: Option<String>,
    pub status: Option<ClaimStatus>,
    pub payer: Option<String>,
    /// Balance at least / at most (dollars).
    pub min_balance: Option<Decimal>,
    pub max_balance: Option<Decimal>,
    /// Days since the date of service, at least / at most.
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
}

/// True when `name` matches a patient named `last`, `first`: each word is part of one of them.
pub fn name_matches(name: &str, last: &str, first: &str) -> bool {
    let (last, first) = (last.to_lowercase(), first.to_lowercase());
    let words: Vec<String> =
        name.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    !words.is_empty() && words.iter().all(|w| last.contains(w.as_str()) || first.contains(w.as_str()))
}

/// The claims meeting `criteria`, oldest date of service first, with ages as of `as_of`.
pub fn find_claims(ledger: &Ledger, criteria: &Criteria, as_of: NaiveDate) -> Result<Report, LedgerError> {
    let conn = ledger.conn();
    let keys = ExactKeys {
        pcn: criteria.pcn.as_deref(),
        encounter_id: criteria.encounter_id.as_deref(),
        patient_id: criteria.patient_id.as_deref(),
        member_id: criteria.member_id.as_deref(),
        payer_id: criteria.payer.as_deref(),
        payer_claim_number: criteria.payer_claim_number.as_deref(),
        status: criteria.status.map(ClaimStatus::as_str),
    };
    let found = claims(conn, &keys)?;
    let balances = if found.is_empty() { Default::default() } else { visit_balances(conn, Some(as_of))? };
    let mut table = Table::new(&[
        ("pcn", "PCN"),
        ("encounter_id", "Encounter"),
        ("patient_id", "Patient ID"),
        ("patient_name", "Patient"),
        ("member_id", "Member ID"),
        ("payer_id", "Payer"),
        ("status", "Status"),
        ("payer_claim_number", "Payer claim #"),
        ("date_of_service", "DOS"),
        ("age_days", "Age (days)"),
        ("billed", "Billed"),
        ("payer_owes", "Payer owes"),
        ("patient_owes", "Patient owes"),
        ("balance", "Balance"),
    ])
    .low_priority(&["patient_id", "member_id", "payer_claim_number", "billed"]);
    for c in found {
        if criteria.patient_name.as_deref().is_some_and(|n| !name_matches(n, &c.patient_last, &c.patient_first)) {
            continue;
        }
        let age = (as_of - c.first_dos).num_days();
        if criteria.min_age.is_some_and(|m| age < m) || criteria.max_age.is_some_and(|m| age > m) {
            continue;
        }
        let visit = balances.get(&c.encounter_id);
        let payer_owes = visit.and_then(|v| v.payers.get(&c.payer_id)).copied().unwrap_or(0);
        let patient_owes = visit.map_or(0, |v| v.patient);
        let balance = from_cents(payer_owes + patient_owes);
        if criteria.min_balance.is_some_and(|m| balance < m) || criteria.max_balance.is_some_and(|m| balance > m) {
            continue;
        }
        let name = if c.patient_first.is_empty() {
            c.patient_last
        } else {
            format!("{}, {}", c.patient_last, c.patient_first)
        };
        let opt = |s: Option<String>| s.map_or(Cell::Empty, Cell::Text);
        table.push(vec![
            c.pcn.into(),
            c.encounter_id.into(),
            c.patient_id.into(),
            name.into(),
            opt(c.member_id),
            c.payer_id.into(),
            Cell::Text(c.status),
            opt(c.payer_claim_number),
            c.first_dos.into(),
            age.into(),
            c.total_charge.into(),
            from_cents(payer_owes).into(),
            from_cents(patient_owes).into(),
            balance.into(),
        ]);
    }
    let mut report = Report::new("claim-find", "Claims found", format!("as of {as_of}"));
    report.sections.push(Section { key: "claims".into(), table, chart: None });
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_matches_when_every_word_is_part_of_the_last_or_first_name() {
        assert!(name_matches("doe", "Doe", "John"));
        assert!(name_matches("DOE, jo", "Doe", "John"));
        assert!(name_matches("john doe", "Doe", "John"));
        assert!(!name_matches("doe jane", "Doe", "John"));
        assert!(!name_matches("  ", "Doe", "John"));
    }
}
