//! The ledger side of eligibility: the encounters to ask about, the inquiries sent (270) and the
//! answers posted (271). See [`crate::eligibility`].

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::Result;
use crate::eligibility::{AnswerDates, EligibilityAnswer, OtherCoverage, Outcome};
use crate::encounter::{CoverageOrder, Encounter};

/// Hands each encounter without a claim (or only `only`, billed or not) to `each`, in table
/// order: `Err(id)` when its stored JSON is unreadable. Returns false when `only` is not stored.
pub fn for_each_unbilled(
    conn: &Connection,
    only: Option<&str>,
    each: &mut dyn FnMut(std::result::Result<Encounter, String>),
) -> Result<bool> {
    let mut select = match only {
        Some(_) => conn.prepare("SELECT e.id, e.encounter_json FROM encounters e WHERE e.id = ?1")?,
        None => conn.prepare(
            "SELECT e.id, e.encounter_json FROM encounters e
             WHERE e.rowid IN (SELECT e.rowid FROM unbilled_encounters u CROSS JOIN encounters e ON e.id = u.encounter_id
                               WHERE NOT EXISTS (SELECT 1 FROM claims_not_rebilled c WHERE c.encounter_id = e.id))
             ORDER BY e.rowid",
        )?,
    };
    let mut rows = match only {
        Some(id) => select.query([id])?,
        None => select.query([])?,
    };
    let mut seen = false;
    while let Some(row) = rows.next()? {
        seen = true;
        let id: String = row.get(0)?;
        match serde_json::from_str::<Encounter>(super::stored_text(row, 1)?) {
            Ok(e) => each(Ok(e)),
            Err(_) => each(Err(id)),
        }
    }
    Ok(seen || only.is_none())
}

/// An inquiry about to be written.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    pub encounter_id: &'a str,
    pub order: CoverageOrder,
    pub payer_id: &'a str,
    pub member_id: &'a str,
    pub service_date: NaiveDate,
}

/// Records inquiries of one file and returns their trace numbers, in order.
pub fn record_requests(
    tx: &Transaction<'_>,
    receiver_id: &str,
    file_name: &str,
    requested_on: NaiveDate,
    requests: &mut dyn Iterator<Item = NewRequest<'_>>,
) -> Result<Vec<i64>> {
    let mut insert = tx.prepare(
        "INSERT INTO eligibility_requests
           (encounter_id, coverage_order, payer_id, member_id, service_date, receiver_id, file_name, requested_on)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let requested_on = requested_on.to_string();
    let mut traces = Vec::new();
    for r in requests {
        insert.execute(params![
            r.encounter_id,
            r.order.code(),
            r.payer_id,
            r.member_id,
            r.service_date.to_string(),
            receiver_id,
            file_name,
            requested_on
        ])?;
        traces.push(tx.last_insert_rowid());
    }
    Ok(traces)
}

/// An answer read from a 271, to record.
#[derive(Debug, Clone)]
pub struct NewAnswer<'a> {
    pub trace: &'a str,
    pub answered_on: NaiveDate,
    pub outcome: Outcome,
    pub reject_reason: Option<&'a str>,
    pub other: Option<&'a OtherCoverage>,
    pub dates: AnswerDates,
}

/// What recording one answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    New,
    /// This file's answer to this inquiry is already recorded.
    AlreadyRecorded,
    /// No inquiry has this trace number.
    NoInquiry,
}

/// Records one answer of the file `sha256`, matched to its inquiry by trace number.
pub fn record_answer(
    tx: &Transaction<'_>,
    sha256: &str,
    answer: &NewAnswer<'_>,
    recorded_at: &str,
) -> Result<Recorded> {
    let Ok(trace) = answer.trace.parse::<i64>() else { return Ok(Recorded::NoInquiry) };
    let known = tx
        .prepare_cached("SELECT 1 FROM eligibility_requests WHERE trace = ?1")?
        .query_row([trace], |_| Ok(()))
        .optional()?;
    if known.is_none() {
        return Ok(Recorded::NoInquiry);
    }
    let other = answer.other;
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO eligibility_answers
           (trace, file_sha256, answered_on, outcome, reject_reason, other_payer_id, other_payer_name, other_member_id,
            recorded_at, covered_from, covered_to, inactive_from, inactive_to)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            trace,
            sha256,
            answer.answered_on.to_string(),
            answer.outcome.as_str(),
            answer.reject_reason,
            other.and_then(|o| o.payer_id.as_deref()),
            other.and_then(|o| o.payer_name.as_deref()),
            other.and_then(|o| o.member_id.as_deref()),
            recorded_at,
            text(answer.dates.covered_from),
            text(answer.dates.covered_to),
            text(answer.dates.inactive_from),
            text(answer.dates.inactive_to),
        ])?;
    Ok(if inserted == 1 { Recorded::New } else { Recorded::AlreadyRecorded })
}

fn text(day: Option<NaiveDate>) -> Option<String> {
    day.map(|d| d.to_string())
}

const ANSWER_COLUMNS: &str = "r.encounter_id, r.coverage_order, r.payer_id, r.member_id, r.service_date,
    a.answered_on, a.outcome, a.reject_reason, a.other_payer_id, a.other_payer_name, a.other_member_id,
    r.trace, a.recorded_at, r.requested_on, a.covered_from, a.covered_to, a.inactive_from, a.inactive_to";

fn answer_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, EligibilityAnswer)> {
    let optional_date = |i: usize| -> rusqlite::Result<Option<NaiveDate>> {
        let text: Option<String> = row.get(i)?;
        text.map(|t| {
            t.parse()
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
        })
        .transpose()
    };
    let date = |i: usize| -> rusqlite::Result<NaiveDate> {
        optional_date(i)?.ok_or(rusqlite::Error::InvalidColumnType(i, "NULL".into(), rusqlite::types::Type::Null))
    };
    let bad = |i: usize| rusqlite::Error::InvalidColumnType(i, "unknown code".into(), rusqlite::types::Type::Text);
    let order: String = row.get(1)?;
    let outcome: String = row.get(6)?;
    let (payer_id, payer_name, member_id): (Option<String>, Option<String>, Option<String>) =
        (row.get(8)?, row.get(9)?, row.get(10)?);
    let other = (payer_id.is_some() || payer_name.is_some() || member_id.is_some()).then_some(OtherCoverage {
        payer_id,
        payer_name,
        member_id,
    });
    Ok((
        row.get(0)?,
        EligibilityAnswer {
            order: CoverageOrder::from_code(&order).ok_or_else(|| bad(1))?,
            payer_id: row.get(2)?,
            member_id: row.get(3)?,
            service_date: date(4)?,
            answered_on: date(5)?,
            outcome: Outcome::parse(&outcome).ok_or_else(|| bad(6))?,
            reject_reason: row.get(7)?,
            other,
            dates: AnswerDates {
                covered_from: optional_date(14)?,
                covered_to: optional_date(15)?,
                inactive_from: optional_date(16)?,
                inactive_to: optional_date(17)?,
            },
        },
    ))
}

/// The latest answer per encounter and coverage (by answer date, then by inquiry), for the
/// encounters not yet billed.
pub fn latest_answers(conn: &Connection) -> Result<HashMap<String, Vec<EligibilityAnswer>>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ANSWER_COLUMNS} FROM unbilled_encounters u
             CROSS JOIN eligibility_requests r ON r.encounter_id = u.encounter_id
             JOIN eligibility_answers a ON a.trace = r.trace
         WHERE NOT EXISTS (SELECT 1 FROM claims_not_rebilled c WHERE c.encounter_id = r.encounter_id)
         ORDER BY r.encounter_id, r.coverage_order, a.answered_on, r.trace"
    ))?;
    let mut out: HashMap<String, Vec<EligibilityAnswer>> = HashMap::new();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let (encounter, answer) = answer_of(row)?;
        let list = out.entry(encounter).or_default();
        // Ordered by date: a later answer about the same coverage replaces the earlier one.
        match list.last_mut() {
            Some(last) if last.order == answer.order => *last = answer,
            _ => list.push(answer),
        }
    }
    Ok(out)
}

/// A recorded answer, for the report.
#[derive(Debug, Clone)]
pub struct AnswerRow {
    pub encounter_id: String,
    pub trace: i64,
    pub requested_on: NaiveDate,
    pub recorded_at: String,
    pub answer: EligibilityAnswer,
}

/// Every recorded answer, oldest first, optionally of one payer and answered within dates.
pub fn all_answers(
    conn: &Connection,
    payer: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<AnswerRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ANSWER_COLUMNS} FROM eligibility_answers a JOIN eligibility_requests r ON r.trace = a.trace
         WHERE (?1 IS NULL OR r.payer_id = ?1) AND (?2 IS NULL OR a.answered_on >= ?2) AND (?3 IS NULL OR a.answered_on <= ?3)
         ORDER BY r.encounter_id, r.coverage_order, a.answered_on, r.trace"
    ))?;
    let rows = stmt.query_map(params![payer, from.map(|d| d.to_string()), to.map(|d| d.to_string())], |row| {
        let (encounter_id, answer) = answer_of(row)?;
        let requested_on: String = row.get(13)?;
        Ok(AnswerRow {
            encounter_id,
            trace: row.get(11)?,
            requested_on: requested_on.parse().unwrap_or(answer.answered_on),
            recorded_at: row.get(12)?,
            answer,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;

    fn ledger_with_encounter() -> Ledger {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let tx = ledger.transaction().unwrap();
        tx.execute(
            "INSERT INTO encounters (id, payer_id, patient_id, total_charge, line_count, content_hash, encounter_json,
               source_format, source_file, source_locator, imported_at, updated_at)
             VALUES ('E1', 'P1', 'PT1', '10', 1, 'h', '{}', 'csv', 'f', 'l', 't', 't')",
            [],
        )
        .unwrap();
        crate::ledger::encounters::mark_unbilled(&tx, "E1").unwrap();
        tx.commit().unwrap();
        ledger
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_later_answer_replaces_an_earlier_one_and_a_file_records_an_answer_once() {
        let mut ledger = ledger_with_encounter();
        let tx = ledger.transaction().unwrap();
        let req = |order| NewRequest {
            encounter_id: "E1",
            order,
            payer_id: "P1",
            member_id: "M1",
            service_date: d("2026-11-02"),
        };
        let traces = record_requests(
            &tx,
            "CH",
            "CH-000000001.270",
            d("2026-11-03"),
            &mut [req(CoverageOrder::Primary), req(CoverageOrder::Primary)].into_iter(),
        )
        .unwrap();
        let (first, second) = (traces[0].to_string(), traces[1].to_string());
        fn answer<'a>(trace: &'a str, on: &str, outcome: Outcome) -> NewAnswer<'a> {
            NewAnswer {
                trace,
                answered_on: d(on),
                outcome,
                reject_reason: None,
                other: None,
                dates: Default::default(),
            }
        }
        assert_eq!(
            record_answer(&tx, "f1", &answer(&first, "2026-11-03", Outcome::Inactive), "t").unwrap(),
            Recorded::New
        );
        assert_eq!(
            record_answer(&tx, "f1", &answer(&first, "2026-11-03", Outcome::Inactive), "t").unwrap(),
            Recorded::AlreadyRecorded
        );
        assert_eq!(
            record_answer(&tx, "f2", &answer(&second, "2026-11-04", Outcome::Active), "t").unwrap(),
            Recorded::New
        );
        assert_eq!(
            record_answer(&tx, "f2", &answer("999", "2026-11-04", Outcome::Active), "t").unwrap(),
            Recorded::NoInquiry
        );
        let latest = latest_answers(&tx).unwrap();
        assert_eq!(latest["E1"].len(), 1);
        assert_eq!(latest["E1"][0].outcome, Outcome::Active);
        assert_eq!(all_answers(&tx, None, None, None).unwrap().len(), 2);
        assert_eq!(all_answers(&tx, Some("OTHER"), None, None).unwrap().len(), 0);
    }

    #[test]
    fn an_answers_dates_are_kept() {
        let mut ledger = ledger_with_encounter();
        let tx = ledger.transaction().unwrap();
        let req = NewRequest {
            encounter_id: "E1",
            order: CoverageOrder::Primary,
            payer_id: "P1",
            member_id: "M1",
            service_date: d("2026-11-02"),
        };
        let traces = record_requests(&tx, "CH", "f.270", d("2026-11-03"), &mut [req].into_iter()).unwrap();
        let trace = traces[0].to_string();
        let dates = AnswerDates {
            covered_from: Some(d("2026-01-01")),
            covered_to: None,
            inactive_from: Some(d("2026-11-01")),
            inactive_to: Some(d("2026-11-30")),
        };
        let answer = NewAnswer {
            trace: &trace,
            answered_on: d("2026-11-03"),
            outcome: Outcome::Inactive,
            reject_reason: None,
            other: None,
            dates,
        };
        record_answer(&tx, "f1", &answer, "t").unwrap();
        assert_eq!(latest_answers(&tx).unwrap()["E1"][0].dates, dates);
    }
}
