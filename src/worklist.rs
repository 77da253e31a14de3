//! The worklist with state: what a biller must act on, each item with a stable ID.
//!
//! Items are found in the ledger on every run (rejections, denials, underpayments grouped per
//! claim payment, unmatched and unbalanced remittances, reversed payments, claims without an
//! answer, held encounters, changes after billing) plus the reopening requests `correct` and
//! `void` open on payers that take no corrected claims. An item's ID (`W` + 12 hexadecimal
//! characters) is derived from its cause: its kind, its claim or reference, and the claim's latest
//! event. It stays the same on every run while that cause stands; a new event on the claim (a
//! payment, a denial, a status response) is a new cause and opens a new item.
//!
//! What billers do to an item is kept in the ledger: `done` (it leaves the open list), `note`,
//! `assign` and `snooze` (it is hidden until the follow-up date), each with who and when.
//!
//! Next steps follow the CARC and RARC: MA130 → bill again as new (`claimkit rebill`); CO-16 with
//! a remark naming what to fix → correct; CO-29 → proof of timely filing or write off; OA-18 →
//! check for a duplicate.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ledger::{Ledger, LedgerError, reports::work_rows, worklist as store};

/// Failures of the worklist commands.
#[derive(Debug, thiserror::Error)]
pub enum WorklistError {
    #[error(
        "no open worklist item {0} (run `claimkit worklist` for the current IDs; an item's cause may have changed)"
    )]
    UnknownItem(String),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// One item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkItem {
    pub id: String,
    pub priority: i64,
    pub kind: String,
    /// The claim (PCN, or "PCN line N"), encounter, trace number or CLP01 it concerns.
    pub reference: String,
    pub encounter_id: Option<String>,
    pub patient_id: Option<String>,
    pub patient_name: Option<String>,
    pub date_of_service: Option<String>,
    pub payer_id: String,
    pub amount: Option<Decimal>,
    pub detail: String,
    pub next_step: String,
    /// open or done.
    pub state: String,
    pub assignee: Option<String>,
    pub follow_up: Option<NaiveDate>,
}

/// Which items to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub payer: Option<String>,
    /// Kind, as listed (`denied claim`), or with dashes (`denied-claim`).
    pub kind: Option<String>,
    pub assignee: Option<String>,
    /// Only items due on or before this date (an item without a follow-up date is due today).
    pub due: Option<NaiveDate>,
    /// Include done items and items snoozed past today.
    pub all: bool,
}

/// The next step for a denial by its CARC and remark codes.
pub fn denial_next_step(group_carc: &str, carc: &str, remarks: &[String]) -> String {
    let remark = |code: &str| remarks.iter().any(|r| r == code);
    if remark("MA130") {
        return "unprocessable claim: fix what the remark codes name and bill it again as new (`claimkit rebill PCN`)"
            .into();
    }
    match carc {
        "16" if remarks.iter().any(|r| r != "MA130") => format!(
            "add or fix what remark {} names and send a corrected claim (`claimkit correct PCN`)",
            remarks.join(", ")
        ),
        "29" => "timely filing: appeal with proof of timely filing (the 999/277CA acceptance), otherwise write off \
                 (`claimkit adjust PCN --reason timely-filing`)"
            .into(),
        "18" if group_carc.starts_with("OA") || group_carc.is_empty() || group_carc.contains("OA-18") => {
            "duplicate: check for the original claim (`claimkit claim find`) and its status before anything else".into()
        }
        _ => next_step_for_denial(carc, remarks).to_string(),
    }
}

/// What to do about a denial, by its CARC.
pub fn next_step_for_carc(carc: &str) -> &'static str {
    match carc {
        "16" => "add the missing or invalid information (see the remark code) and send a corrected claim (frequency 7)",
        "18" => "duplicate: check the original claim's status before doing anything",
        "22" | "23" => {
            "bill the other payer first (coordination of benefits), then send this payer the secondary claim"
        }
        "27" | "26" => "coverage ended or not yet started: verify eligibility and bill the right payer or the patient",
        "29" => "timely filing: appeal only with proof of timely submission, otherwise write off",
        "31" | "33" | "140" => {
            "patient or subscriber not identified: verify the member ID and demographics, then resubmit"
        }
        "50" | "56" | "57" => "medical necessity: appeal with the clinical documentation",
        "96" | "204" => "non-covered service: bill the patient if an ABN/waiver is on file, otherwise write off",
        "97" | "234" => "bundled: check NCCI edits; if the service was distinct, resubmit with 59/XE/XS/XP/XU",
        "119" => "benefit maximum reached: bill secondary insurance or the patient",
        "151" => "frequency or units exceeded: review units against MUE and the documentation; appeal if justified",
        "167" | "11" => "diagnosis not covered or inconsistent: review coding and send a corrected claim",
        "197" | "15" | "62" => "authorization missing: obtain retro-authorization and resubmit with REF*G1",
        "4" | "5" | "6" | "7" | "8" | "9" | "10" => {
            "coding inconsistency: correct modifier, place of service or age/sex coding and resubmit"
        }
        _ => "read the remark codes, correct and resubmit or appeal",
    }
}

/// The next step for a denial, by its remark codes first (MA130: the claim was unprocessable:
/// bill it again as new), then its CARC.
pub fn next_step_for_denial(carc: &str, remarks: &[String]) -> &'static str {
    if remarks.iter().any(|r| r == "MA130") {
        return "unprocessable claim: fix what the remark codes name and bill it again as a new claim (not a correction)";
    }
    next_step_for_carc(carc)
}

/// (priority, next step) of an item of `kind`.
fn next_step(kind: &str, detail: &str, carc: &str, remarks: &[String]) -> (i64, String) {
    match kind {
        "rejected claim" => (
            1,
            "fix the reported error in the EMR, re-import, then `claimkit rebill PCN` and build (a rejected claim was \
             never received)"
                .into(),
        ),
        "denied claim" => (1, denial_next_step(detail, carc, remarks)),
        "denied line" => (2, denial_next_step(detail, carc, remarks)),
        "request a reopening" => (
            1,
            "ask the contractor for a reopening (phone, portal or written request) with what changed; do not send a \
             corrected claim"
                .into(),
        ),
        "underpayment" => (
            2,
            "appeal the underpayment with the contract rate, or update the fee schedule if the contract changed".into(),
        ),
        "unmatched remittance item" => {
            (2, "find the claim the payer means (`claimkit claim find`) and post it by hand".into())
        }
        "unbalanced remittance" => {
            (2, "posted as received: compare with the bank deposit and ask the payer for a corrected 835".into())
        }
        "provider-level adjustment" => (2, "check the provider-level item against the claim's history".into()),
        "payment reversed" => {
            (2, "watch for the corrected payment; if none comes within 30 days, call the payer".into())
        }
        "denied by status response" => (
            2,
            "the payer reports the claim denied (277): watch for its 835; if none comes within 30 days, ask for it"
                .into(),
        ),
        "claim not found by payer" => (
            1,
            "the payer has no such claim (277): check the payer and member ID billed and ask the clearinghouse \
             where the claim went; keep proof of timely filing"
                .into(),
        ),
        "no response" => (3, "ask the payer for the claim's status (276/277 or the payer's portal)".into()),
        "held encounter" => (3, "fix in the EMR and re-import (see `claimkit scrub --encounter ID`)".into()),
        _ => (3, "if the change matters, send a corrected claim (`claimkit correct PCN`)".into()),
    }
}

/// The stable ID of an item with this cause.
fn item_id(cause: &str) -> String {
    let digest = Sha256::digest(cause.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02X}")).collect();
    format!("W{hex}")
}

fn same_kind(a: &str, b: &str) -> bool {
    a.replace('-', " ").eq_ignore_ascii_case(&b.replace('-', " "))
}

/// Every item found now, with its state (done items included), by priority.
pub fn all_items(ledger: &Ledger, as_of: NaiveDate, no_response_days: i64) -> Result<Vec<WorkItem>, WorklistError> {
    let conn = ledger.conn();
    let latest = store::latest_events(conn)?;
    let rebilled = store::rebilled(conn)?;
    let patients = store::patients(conn)?;
    let states = store::states(conn)?;
    let mut items = Vec::new();
    let mut push = |kind: &str,
                    reference: String,
                    pcn: Option<&str>,
                    row: (Option<String>, Option<String>, String, Option<Decimal>, String),
                    carc: &str,
                    remarks: &[String]| {
        let (encounter_id, date_of_service, payer_id, amount, detail) = row;
        // The cause: the claim's latest event when the item is about a claim, else what it says.
        let marker = pcn.and_then(|p| latest.get(p)).map_or_else(|| detail.clone(), |e| e.to_string());
        let id = item_id(&format!("{kind}|{reference}|{marker}"));
        let (priority, next) = next_step(kind, &detail, carc, remarks);
        let patient = encounter_id.as_ref().and_then(|e| patients.get(e));
        let state = states.get(&id).cloned().unwrap_or_default();
        items.push(WorkItem {
            id,
            priority,
            kind: kind.to_string(),
            reference,
            patient_id: patient.map(|p| p.0.clone()),
            patient_name: patient.map(|p| p.1.clone()),
            encounter_id,
            date_of_service,
            payer_id,
            amount,
            detail,
            next_step: next,
            state: if state.state.is_empty() { "open".into() } else { state.state },
            assignee: state.assignee,
            follow_up: state.snoozed_until.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
        });
    };
    for r in work_rows(conn, as_of, no_response_days)? {
        let pcn = r.reference.split(' ').next().unwrap_or_default().to_string();
        let is_claim = latest.contains_key(&pcn);
        if is_claim && rebilled.contains(&pcn) && matches!(r.kind, "rejected claim" | "denied claim" | "denied line") {
            continue;
        }
        let carc = r.carc.clone().unwrap_or_default();
        push(
            r.kind,
            r.reference,
            is_claim.then_some(pcn.as_str()),
            (r.encounter_id, r.date_of_service, r.payer_id, r.amount, r.detail),
            &carc,
            &r.remarks,
        );
    }
    for q in store::requests(conn)? {
        let amount = q.total_charge.parse::<Decimal>().ok();
        let what = if q.action == "void" { "void the claim" } else { "correct the claim" };
        push(
            "request a reopening",
            q.pcn.clone(),
            None,
            (
                Some(q.encounter_id),
                Some(q.first_dos),
                q.payer_id,
                amount,
                format!("{what} (request {}): {}", q.id, q.detail),
            ),
            "",
            &[],
        );
    }
    for r in crate::ledger::claim_status::work_rows(conn)? {
        let kind = if r.outcome == "denied" { "denied by status response" } else { "claim not found by payer" };
        let amount = r.total_charge.parse::<Decimal>().ok();
        push(
            kind,
            r.pcn.clone(),
            Some(r.pcn.as_str()),
            (Some(r.encounter_id), Some(r.first_dos), r.payer_id, amount, r.detail),
            "",
            &[],
        );
    }
    items.sort_by(|a, b| {
        a.priority.cmp(&b.priority).then_with(|| a.kind.cmp(&b.kind)).then(a.reference.cmp(&b.reference))
    });
    Ok(items)
}

/// The items `filter` asks for (by default: the open ones, not snoozed past `as_of`).
pub fn items(
    ledger: &Ledger,
    as_of: NaiveDate,
    no_response_days: i64,
    filter: &Filter,
) -> Result<Vec<WorkItem>, WorklistError> {
    let mut items = all_items(ledger, as_of, no_response_days)?;
    items.retain(|i| {
        let due_on = i.follow_up.unwrap_or(as_of);
        let due = (filter.all && filter.due.is_none()) || due_on <= filter.due.unwrap_or(as_of);
        (filter.all || i.state == "open")
            && due
            && filter.payer.as_ref().is_none_or(|p| *p == i.payer_id)
            && filter.kind.as_ref().is_none_or(|k| same_kind(k, &i.kind))
            && filter.assignee.as_ref().is_none_or(|w| i.assignee.as_ref().is_some_and(|a| a.eq_ignore_ascii_case(w)))
    });
    Ok(items)
}

/// What to do to an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    Done { note: Option<String> },
    Note(String),
    Assign(String),
    Snooze(NaiveDate),
}

/// Applies `act` to the current item `id` (done items included, so they can be noted), as `who`.
pub fn act(
    ledger: &mut Ledger,
    id: &str,
    act: &Act,
    who: &str,
    as_of: NaiveDate,
    no_response_days: i64,
) -> Result<WorkItem, WorklistError> {
    let wanted = id.trim().to_ascii_uppercase();
    let item = all_items(ledger, as_of, no_response_days)?
        .into_iter()
        .find(|i| i.id == wanted)
        .ok_or_else(|| WorklistError::UnknownItem(id.to_string()))?;
    let snooze = match act {
        Act::Snooze(d) => Some(d.to_string()),
        _ => None,
    };
    let action = store::Action {
        item_id: &item.id,
        kind: &item.kind,
        reference: &item.reference,
        action: match act {
            Act::Done { .. } => "done",
            Act::Note(_) => "note",
            Act::Assign(_) => "assign",
            Act::Snooze(_) => "snooze",
        },
        who,
        note: match act {
            Act::Done { note } => note.as_deref(),
            Act::Note(text) => Some(text.as_str()),
            _ => None,
        },
        assignee: match act {
            Act::Assign(w) => Some(w.as_str()),
            _ => None,
        },
        snoozed_until: snooze.as_deref(),
    };
    let tx = ledger.transaction()?;
    store::record_action(&tx, &action)?;
    tx.commit().map_err(LedgerError::Sql)?;
    let updated = all_items(ledger, as_of, no_response_days)?.into_iter().find(|i| i.id == item.id).unwrap_or(item);
    Ok(updated)
}

/// The history of items `ids` (all when empty).
pub fn history(ledger: &Ledger, ids: &[String]) -> Result<Vec<store::HistoryRow>, WorklistError> {
    Ok(store::history(ledger.conn(), ids)?)
}

/// The items as a table, for `claimkit worklist` and `report worklist` alike.
pub fn table(items: Vec<WorkItem>) -> crate::report::Table {
    let mut t = crate::report::Table::new(&[
        ("id", "ID"),
        ("priority", "Priority"),
        ("item", "What"),
        ("reference", "Claim / reference"),
        ("patient_name", "Patient"),
        ("encounter_id", "Encounter"),
        ("date_of_service", "DOS"),
        ("payer_id", "Payer"),
        ("amount", "Amount"),
        ("detail", "Detail"),
        ("next_step", "Next step"),
        ("state", "State"),
        ("assignee", "Assignee"),
        ("follow_up", "Follow up"),
    ])
    .with_title("Worklist")
    .low_priority(&["encounter_id", "state", "follow_up"]);
    for i in items {
        t.push(vec![
            i.id.into(),
            i.priority.into(),
            i.kind.into(),
            i.reference.into(),
            i.patient_name.into(),
            i.encounter_id.into(),
            i.date_of_service.into(),
            i.payer_id.into(),
            i.amount.into(),
            i.detail.into(),
            i.next_step.into(),
            i.state.into(),
            i.assignee.into(),
            i.follow_up.map_or(crate::report::Cell::Empty, crate::report::Cell::from),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_denial_has_a_specific_next_step() {
        for carc in ["16", "29", "50", "97", "197", "22"] {
            assert_ne!(next_step_for_carc(carc), next_step_for_carc("999"), "CARC {carc}");
        }
    }

    #[test]
    fn denial_next_steps_follow_the_carc_and_remark_codes() {
        let r = |codes: &[&str]| codes.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert!(denial_next_step("CO-16", "16", &r(&["MA130"])).contains("rebill"));
        assert!(denial_next_step("CO-16", "16", &r(&["N290"])).contains("correct"));
        assert!(denial_next_step("CO-29", "29", &[]).contains("proof of timely filing"));
        assert!(denial_next_step("OA-18", "18", &[]).contains("duplicate"));
    }

    #[test]
    fn an_item_id_is_stable_per_cause_and_new_for_a_new_cause() {
        assert_eq!(item_id("denied claim|P1|7"), item_id("denied claim|P1|7"));
        assert_ne!(item_id("denied claim|P1|7"), item_id("denied claim|P1|9"));
        assert_eq!(item_id("x").len(), 13);
    }
}
