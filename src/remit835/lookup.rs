//! Finding the billed claim each `CLP01` names, with its lines, for a posting.
//!
//! One claim is one query (the claim, its state and its lines: three B-tree descents). A payer
//! paying one submitted batch often lists its claims in PCN order, the ledger's own order: then
//! [`ClaimsAhead`] reads a run of the claims that follow with three range scans (claims, their
//! states, their lines), one descent each for the whole run, and hands them out as the 835 names
//! them. Claims the 835 skips are passed over; an 835 out of PCN order goes back to one query per
//! claim. Both ways read the same rows: the claim as the view `claims` shows it (its claim_state
//! amounts when it has a row, else billing's; migration 9) and its lines by line number.

use std::collections::{HashMap, VecDeque};

use chrono::NaiveDate;
use rusqlite::{Connection, Statement};
use rust_decimal::Decimal;

use crate::ledger::{LedgerError, stored_text};

/// A billed claim as a posting matches a claim payment to it.
pub(super) struct MatchedClaim {
    pub pcn: String,
    pub payer_id: String,
    /// Its net paid amount and patient responsibility before this claim payment.
    pub paid: Decimal,
    pub patient_responsibility: Decimal,
    /// How it was found (`pcn`, `payer_claim_number`, `patient_date_charge`).
    pub method: &'static str,
    pub lines: Vec<BilledLine>,
}

/// A billed line: its number and REF*6R, and (read only when an SVC needs them) code, modifiers,
/// charge and date.
pub(super) struct BilledLine {
    pub line_number: i64,
    pub control_number: String,
    pub code: String,
    pub modifiers: String,
    pub charge: Decimal,
    pub date: Option<NaiveDate>,
    /// Matched to an SVC of the claim payment being posted (each billed line is used once).
    pub used: bool,
}

impl BilledLine {
    fn new(line_number: i64, control_number: String) -> Self {
        BilledLine {
            line_number,
            control_number,
            code: String::new(),
            modifiers: String::new(),
            charge: Decimal::ZERO,
            date: None,
            used: false,
        }
    }
}

/// A claim by PCN with its billed lines (line number and REF*6R), one row per line (sorted by
/// [`claim_with_lines`]), the claim read through the index of just what a posting reads of it
/// (migration 12). Its paid amount and patient responsibility are the view `claims`' (its
/// claim_state row's, else billing's: migration 9), read here from the tables so that the state
/// row is found once per claim rather than once per line and column.
pub(super) const CLAIM_WITH_LINES_SQL: &str = "SELECT c.pcn, c.payer_id, COALESCE(s.paid_amount, c.paid_amount),
        COALESCE(s.patient_responsibility, c.patient_responsibility), l.line_number, l.line_control_number
    FROM billed_claims c INDEXED BY billed_claims_posting
    LEFT JOIN claim_state s ON s.pcn = c.pcn
    LEFT JOIN claim_lines l ON l.pcn = c.pcn
    WHERE c.pcn = ?1";

/// Claim `pcn` with its billed lines ([`CLAIM_WITH_LINES_SQL`] prepared on either connection), or
/// `None` when it is not in the ledger.
pub(super) fn claim_with_lines(
    stmt: &mut Statement<'_>,
    pcn: &str,
    method: &'static str,
) -> Result<Option<MatchedClaim>, LedgerError> {
    let mut rows = stmt.query([pcn])?;
    let mut claim: Option<MatchedClaim> = None;
    while let Some(r) = rows.next()? {
        let claim = match &mut claim {
            Some(claim) => claim,
            None => claim.insert(MatchedClaim {
                pcn: r.get(0)?,
                payer_id: r.get(1)?,
                paid: decimal(stored_text(r, 2)?)?,
                patient_responsibility: decimal(stored_text(r, 3)?)?,
                method,
                lines: Vec::new(),
            }),
        };
        let Some(line_number) = r.get::<_, Option<i64>>(4)? else { continue };
        claim.lines.push(BilledLine::new(line_number, r.get(5)?));
    }
    // In line number order (the lines' primary key gives it; no ORDER BY, which would sort
    // through a temporary B-tree once the claim is read through an index SQLite does not know
    // to be unique on the PCN).
    if let Some(claim) = &mut claim
        && !claim.lines.is_sorted_by_key(|l| l.line_number)
    {
        claim.lines.sort_by_key(|l| l.line_number);
    }
    Ok(claim)
}

/// An amount the ledger stores as text; a malformed one is a corrupt ledger.
pub(super) fn decimal(s: &str) -> Result<Decimal, LedgerError> {
    crate::ledger::stored_decimal(s).map_err(|_| LedgerError::Corrupt(format!("amount {s:?} is not a decimal")))
}

/// Consecutive lookups in ascending PCN order after which the claims that follow are read ahead.
const ASCENDING_BEFORE_READING_AHEAD: u32 = 8;
/// Claims read ahead at first, and at most (each run that is mostly taken doubles the next).
const FIRST_RUN: usize = 16;
const LONGEST_RUN: usize = 128;

/// The three range scans of a run read ahead: the claims from a PCN on, then the states and the
/// lines of the claims between its first and last PCN (all in their primary key's order).
pub(super) const READ_AHEAD_SQL: [&str; 3] = [
    "SELECT pcn, payer_id, paid_amount, patient_responsibility FROM billed_claims INDEXED BY billed_claims_posting
     WHERE pcn >= ?1 ORDER BY pcn LIMIT ?2",
    "SELECT pcn, paid_amount, patient_responsibility FROM claim_state
     WHERE pcn >= ?1 AND pcn <= ?2 ORDER BY pcn",
    "SELECT pcn, line_number, line_control_number FROM claim_lines
     WHERE pcn >= ?1 AND pcn <= ?2 ORDER BY pcn, line_number",
];

/// Finds claims by PCN on a connection of the reading thread, reading ahead while the 835 names
/// them in PCN order (see the module docs). Memory: at most [`LONGEST_RUN`] claims.
pub(super) struct ClaimsAhead<'c> {
    one: Statement<'c>,
    claims: Statement<'c>,
    states: Statement<'c>,
    lines: Statement<'c>,
    /// Claims read ahead, in PCN order, not yet named by the 835.
    ahead: VecDeque<MatchedClaim>,
    /// The PCN looked up last, and how many lookups in a row went up in PCN order.
    last: String,
    ascending: u32,
    /// Claims to read ahead next time.
    run: usize,
    /// Of the run read last: claims handed out, and claims passed over.
    taken: usize,
    passed: usize,
    /// Runs read ahead so far.
    #[cfg_attr(not(test), allow(dead_code))]
    runs_read: usize,
}

impl<'c> ClaimsAhead<'c> {
    pub(super) fn prepare(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(ClaimsAhead {
            one: conn.prepare(CLAIM_WITH_LINES_SQL)?,
            claims: conn.prepare(READ_AHEAD_SQL[0])?,
            states: conn.prepare(READ_AHEAD_SQL[1])?,
            lines: conn.prepare(READ_AHEAD_SQL[2])?,
            ahead: VecDeque::new(),
            last: String::new(),
            ascending: 0,
            run: FIRST_RUN,
            taken: 0,
            passed: 0,
            runs_read: 0,
        })
    }

    /// The claim with this PCN and its lines, or `None` when the ledger has none.
    pub(super) fn find(&mut self, pcn: &str) -> Result<Option<MatchedClaim>, LedgerError> {
        if pcn > self.last.as_str() {
            self.ascending = self.ascending.saturating_add(1);
        } else {
            self.ascending = 0;
        }
        self.last.clear();
        self.last.push_str(pcn);
        // Claims read ahead that the 835 passed over sort before this one.
        while let Some(front) = self.ahead.front() {
            match front.pcn.as_str().cmp(pcn) {
                std::cmp::Ordering::Less => {
                    self.ahead.pop_front();
                    self.passed += 1;
                }
                std::cmp::Ordering::Equal => {
                    self.taken += 1;
                    return Ok(self.ahead.pop_front());
                }
                std::cmp::Ordering::Greater => break,
            }
        }
        // Not read ahead: the 835 went back, or past the run.
        self.ahead.clear();
        if self.ascending < ASCENDING_BEFORE_READING_AHEAD {
            (self.run, self.taken, self.passed) = (FIRST_RUN, 0, 0);
            return claim_with_lines(&mut self.one, pcn, "pcn");
        }
        // A run mostly taken doubles the next one; one mostly passed over halves it, down to
        // reading one claim at a time while the 835 skips most of the ledger's claims.
        if self.taken + self.passed > 0 {
            if self.taken >= 3 * self.passed {
                self.run = (self.run * 2).min(LONGEST_RUN);
            } else if self.passed > self.taken {
                self.run /= 2;
            }
        }
        if self.run < 2 {
            (self.ascending, self.run, self.taken, self.passed) = (0, FIRST_RUN, 0, 0);
            return claim_with_lines(&mut self.one, pcn, "pcn");
        }
        self.read_ahead(pcn)?;
        self.taken = 0;
        self.passed = 0;
        match self.ahead.front() {
            Some(front) if front.pcn == pcn => {
                self.taken += 1;
                Ok(self.ahead.pop_front())
            }
            _ => Ok(None),
        }
    }

    /// Reads `self.run` claims from `from` on, with their states and lines.
    fn read_ahead(&mut self, from: &str) -> Result<(), LedgerError> {
        self.runs_read += 1;
        let mut rows = self.claims.query(rusqlite::params![from, self.run as i64])?;
        while let Some(r) = rows.next()? {
            self.ahead.push_back(MatchedClaim {
                pcn: r.get(0)?,
                payer_id: r.get(1)?,
                paid: decimal(stored_text(r, 2)?)?,
                patient_responsibility: decimal(stored_text(r, 3)?)?,
                method: "pcn",
                lines: Vec::new(),
            });
        }
        let (Some(first), Some(last)) = (self.ahead.front(), self.ahead.back()) else { return Ok(()) };
        let (first, last) = (first.pcn.clone(), last.pcn.clone());
        // Both scans are in PCN order, like the claims: one pass each.
        merge_by_pcn(&mut self.ahead, self.states.query([&first, &last])?, |claim, r| {
            claim.paid = decimal(stored_text(r, 1)?)?;
            claim.patient_responsibility = decimal(stored_text(r, 2)?)?;
            Ok(())
        })?;
        merge_by_pcn(&mut self.ahead, self.lines.query([&first, &last])?, |claim, r| {
            claim.lines.push(BilledLine::new(r.get(1)?, r.get(2)?));
            Ok(())
        })?;
        Ok(())
    }
}

/// The claims whose first date of service is this one, with what patient + charge matching needs
/// (billing's charge and patient ID, the encounter's member ID).
pub(super) const CLAIMS_ON_DATE_SQL: &str =
    "SELECT c.pcn, c.total_charge, c.patient_id, json_extract(e.encounter_json, '$.subscriber.member_id')
     FROM billed_claims c JOIN encounters e ON e.id = c.encounter_id WHERE c.first_dos = ?1";

/// A claim billed for a date of service, as the last fallback (patient + date + charge) sees it.
pub(super) struct ClaimOnDate {
    pub pcn: String,
    pub charge: Decimal,
    pub patient_id: String,
    pub member_id: Option<String>,
}

/// Claims held by [`ClaimsByDate`] at most (about 100 bytes each), beyond the dates of one.
const MOST_CLAIMS_ON_DATES_HELD: usize = 32_768;

/// The claims billed on each date of service the last fallback has looked at, read once per date
/// ([`CLAIMS_ON_DATE_SQL`]): what it reads is billing's and does not change while a posting runs,
/// and an 835 whose CLP01s the ledger does not have names the same dates again and again (read
/// once per claim payment, 100,000 of them against 200 claims a day took 49 s, most of it parsing
/// encounters' JSON). Holds at most [`MOST_CLAIMS_ON_DATES_HELD`] claims, whatever the file size:
/// past that it starts again from none.
#[derive(Default)]
pub(super) struct ClaimsByDate {
    dates: HashMap<NaiveDate, Vec<ClaimOnDate>>,
    held: usize,
    /// Dates read from the ledger so far.
    #[cfg_attr(not(test), allow(dead_code))]
    dates_read: usize,
}

impl ClaimsByDate {
    /// The claims whose first date of service is `date`, read through `stmt` (prepared
    /// [`CLAIMS_ON_DATE_SQL`]) unless held already.
    pub(super) fn on(&mut self, stmt: &mut Statement<'_>, date: NaiveDate) -> Result<&[ClaimOnDate], LedgerError> {
        if !self.dates.contains_key(&date) {
            let mut claims = Vec::new();
            let mut rows = stmt.query([date.to_string()])?;
            while let Some(r) = rows.next()? {
                claims.push(ClaimOnDate {
                    pcn: r.get(0)?,
                    charge: decimal(stored_text(r, 1)?)?,
                    patient_id: r.get(2)?,
                    member_id: r.get(3).ok().flatten(),
                });
            }
            if self.held + claims.len() > MOST_CLAIMS_ON_DATES_HELD {
                self.dates.clear();
                self.held = 0;
            }
            self.held += claims.len();
            self.dates_read += 1;
            self.dates.insert(date, claims);
        }
        Ok(&self.dates[&date])
    }
}

/// Walks `rows` (in PCN order, the PCN in column 0) alongside the claims read ahead, calling
/// `apply` with the claim of each row's PCN (rows of no such claim are passed over).
fn merge_by_pcn(
    ahead: &mut VecDeque<MatchedClaim>,
    mut rows: rusqlite::Rows<'_>,
    mut apply: impl FnMut(&mut MatchedClaim, &rusqlite::Row<'_>) -> Result<(), LedgerError>,
) -> Result<(), LedgerError> {
    let mut at = 0;
    while let Some(r) = rows.next()? {
        let pcn = stored_text(r, 0)?;
        while at < ahead.len() && ahead[at].pcn.as_str() < pcn {
            at += 1;
        }
        if let Some(claim) = ahead.get_mut(at).filter(|c| c.pcn == pcn) {
            apply(claim, r)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;
    use rusqlite::params;

    /// 300 claims C0000..C0299: every third with a claim_state row, 0 to 3 lines each (in an order
    /// other than line number).
    fn ledger() -> Ledger {
        let ledger = Ledger::open_in_memory().unwrap();
        let conn = ledger.conn();
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        for i in 0..300 {
            let pcn = format!("C{i:04}");
            conn.execute(
                "INSERT INTO billed_claims (pcn, encounter_id, payer_id, responsibility, frequency, encounter_hash,
                     patient_id, first_dos, last_dos, total_charge, status, paid_amount, patient_responsibility,
                     submitted_at, updated_at)
                 VALUES (?1, ?1, ?2, 'P', '1', 'h', 'P1', '2026-11-01', '2026-11-01', '100.00', 'submitted',
                     ?3, '0.00', 't', 't')",
                params![pcn, format!("PAYER{}", i % 4), format!("{}.00", i % 5)],
            )
            .unwrap();
            if i % 3 == 0 {
                conn.execute(
                    "INSERT INTO claim_state (pcn, status, paid_amount, patient_responsibility, updated_at)
                     VALUES (?1, 'paid', ?2, ?3, 't')",
                    params![pcn, format!("{i}.50"), format!("{}.25", i % 7)],
                )
                .unwrap();
            }
            for line in (1..=(i % 4)).rev() {
                conn.execute(
                    "INSERT INTO claim_lines (pcn, line_number, line_control_number, procedure_code, modifiers, units,
                         charge, date_of_service) VALUES (?1, ?2, ?3, '99213', '', '1', '50.00', '2026-11-01')",
                    params![pcn, line, format!("{pcn}-{line}")],
                )
                .unwrap();
            }
        }
        ledger
    }

    /// A claim as compared: PCN, payer, paid, patient responsibility, (line number, REF*6R)s.
    type Found = (String, String, Decimal, Decimal, Vec<(i64, String)>);

    fn summary(claim: Option<MatchedClaim>) -> Option<Found> {
        claim.map(|c| {
            let lines = c.lines.into_iter().map(|l| (l.line_number, l.control_number)).collect();
            (c.pcn, c.payer_id, c.paid, c.patient_responsibility, lines)
        })
    }

    /// Every lookup of `pcns` through [`ClaimsAhead`] finds what the one-claim query finds; the
    /// runs it read ahead.
    fn assert_same_as_one_at_a_time(pcns: &[String]) -> usize {
        let ledger = ledger();
        let conn = ledger.conn();
        let mut ahead = ClaimsAhead::prepare(conn).unwrap();
        let mut one = conn.prepare(CLAIM_WITH_LINES_SQL).unwrap();
        for pcn in pcns {
            let expected = summary(claim_with_lines(&mut one, pcn, "pcn").unwrap());
            assert_eq!(summary(ahead.find(pcn).unwrap()), expected, "{pcn}");
        }
        ahead.runs_read
    }

    fn pcns(numbers: impl Iterator<Item = usize>) -> Vec<String> {
        numbers.map(|i| format!("C{i:04}")).collect()
    }

    #[test]
    fn claims_in_pcn_order_are_found_as_one_at_a_time_finds_them() {
        // After 8 lookups one at a time, runs of 16, 32, 64, 128 and what is left.
        assert_eq!(assert_same_as_one_at_a_time(&pcns(0..300)), 5);
    }

    #[test]
    fn claims_skipped_by_the_835_are_passed_over() {
        // Half passed over: runs keep their length.
        assert!(assert_same_as_one_at_a_time(&pcns((0..300).step_by(2))) > 3);
        // Most passed over: runs get shorter, then it is one at a time again (and again runs).
        assert!(assert_same_as_one_at_a_time(&pcns((3..300).step_by(7))) > 1);
        assert_same_as_one_at_a_time(&pcns((0..40).chain(120..125).chain((130..300).step_by(25))));
    }

    #[test]
    fn claims_out_of_pcn_order_are_found_one_at_a_time() {
        assert_eq!(assert_same_as_one_at_a_time(&pcns((0..300).rev())), 0);
        // A permutation (LCG), then runs that go up and come back.
        assert_eq!(assert_same_as_one_at_a_time(&pcns((0..300).map(|i| (i * 113 + 7) % 300))), 0);
        assert_same_as_one_at_a_time(&pcns((0..10).flat_map(|k| (k * 20..k * 20 + 30).chain(k..k + 3))));
    }

    #[test]
    fn unknown_and_repeated_pcns_in_a_run_are_not_found_or_found_again() {
        let mut names = pcns(0..12);
        names.extend(["C0011".into(), "C0011".into(), "C0011A".into(), "C0012".into(), "C0013".into()]);
        names.extend(pcns(14..40));
        names.extend(["C0039Z".into(), "C0040".into(), "D".into(), "".into(), "C".into(), "C0041".into()]);
        names.extend(pcns(42..299));
        names.extend(["C0299".into(), "C0300".into(), "ZZZ".into()]);
        assert_same_as_one_at_a_time(&names);
    }

    #[test]
    fn the_claims_of_a_date_of_service_are_read_once() {
        let ledger = Ledger::open_in_memory().unwrap();
        let conn = ledger.conn();
        for (pcn, dos, charge, member) in [
            ("A1", "2026-11-02", "150.00", Some("M1")),
            ("A2", "2026-11-02", "90.50", None),
            ("B1", "2026-11-03", "150", Some("M3")),
            ("C1", "2026-11-06", "20.00", Some("M4")),
        ] {
            let json = member.map_or("{}".to_string(), |m| format!(r#"{{"subscriber":{{"member_id":"{m}"}}}}"#));
            conn.execute(
                "INSERT INTO encounters (id, payer_id, patient_id, first_dos, last_dos, total_charge, line_count,
                     content_hash, encounter_json, source_format, source_file, source_locator, imported_at, updated_at)
                 VALUES (?1, 'PAYER1', 'P-' || ?1, ?2, ?2, ?3, 1, 'h', ?4, 'csv', 'e.csv', '1', 't', 't')",
                params![pcn, dos, charge, json],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO billed_claims (pcn, encounter_id, payer_id, responsibility, frequency, encounter_hash,
                     patient_id, first_dos, last_dos, total_charge, status, submitted_at, updated_at)
                 VALUES (?1, ?1, 'PAYER1', 'P', '1', 'h', 'P-' || ?1, ?2, ?2, ?3, 'accepted', 't', 't')",
                params![pcn, dos, charge],
            )
            .unwrap();
        }
        let mut stmt = conn.prepare(CLAIMS_ON_DATE_SQL).unwrap();
        let mut dates = ClaimsByDate::default();
        let date = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let seen = |claims: &[ClaimOnDate]| -> Vec<(String, String, String, Option<String>)> {
            let mut v: Vec<_> = claims
                .iter()
                .map(|k| (k.pcn.clone(), k.charge.to_string(), k.patient_id.clone(), k.member_id.clone()))
                .collect();
            v.sort();
            v
        };
        let on_2nd = vec![
            ("A1".into(), "150.00".into(), "P-A1".into(), Some("M1".into())),
            ("A2".into(), "90.50".into(), "P-A2".into(), None),
        ];
        assert_eq!(seen(dates.on(&mut stmt, date(2)).unwrap()), on_2nd);
        assert_eq!(seen(dates.on(&mut stmt, date(3)).unwrap()).len(), 1);
        assert_eq!(dates.dates_read, 2);
        // Asked again: held, not read again.
        assert_eq!(seen(dates.on(&mut stmt, date(2)).unwrap()), on_2nd);
        assert_eq!(dates.dates_read, 2);
        assert!(dates.on(&mut stmt, date(4)).unwrap().is_empty());
        assert_eq!((dates.dates_read, dates.held), (3, 3));
        // Past the most held, it starts again from none (and still answers).
        dates.held = MOST_CLAIMS_ON_DATES_HELD;
        assert_eq!(seen(dates.on(&mut stmt, date(6)).unwrap()).len(), 1);
        assert_eq!((dates.dates_read, dates.held), (4, 1));
        assert_eq!(seen(dates.on(&mut stmt, date(2)).unwrap()), on_2nd);
        assert_eq!((dates.dates_read, dates.held), (5, 3));
    }

    #[test]
    fn a_posting_reads_billed_claims_through_their_narrow_index() {
        // The claims table of a ledger billed by claimkit outgrows the lookups' page cache; the
        // index of the four values they read does not (migration 12).
        let ledger = Ledger::open_in_memory().unwrap();
        for sql in [CLAIM_WITH_LINES_SQL, READ_AHEAD_SQL[0]] {
            let steps = crate::ledger::query_plan(ledger.conn(), sql);
            assert!(steps.iter().any(|s| s.contains("COVERING INDEX billed_claims_posting")), "{steps:?}");
        }
    }
}
