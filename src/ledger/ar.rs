//! Accounts receivable in the ledger: the `ar_entries` table (one row per money event, see
//! [`crate::ar`]) and every balance derived from it.
//!
//! A balance is never stored: what a party owes on a visit is the sum of its entries there. An
//! *account* is one party on one visit (encounter) for a payer, and the whole patient for the
//! patient (a patient's payment may be applied to any visit, and an overpayment is a credit of the
//! patient's); a positive account is A/R, a negative one a credit.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Result, now_timestamp, stored_text, stored_text_or_null};
use crate::ar::{Balances, Entry, EntryKind, Party};

/// Where a group of entries comes from: who and what they belong to.
#[derive(Debug, Clone, Default)]
pub struct EntrySource<'a> {
    pub patient_id: &'a str,
    /// `None`: a patient credit not applied to any visit.
    pub encounter_id: Option<&'a str>,
    pub pcn: Option<&'a str>,
    pub claim_payment_id: Option<i64>,
    pub provider_adjustment_id: Option<i64>,
    pub patient_payment_id: Option<i64>,
    pub note: Option<&'a str>,
    pub effective_on: Option<NaiveDate>,
}

const INSERT_ENTRY_SQL: &str = "INSERT INTO ar_entries (patient_id, encounter_id, pcn, line_number, kind, payer_id,
        amount_cents, noted_cents, group_code, reason_code, claim_payment_id, provider_adjustment_id, patient_payment_id,
        reverses_id, note, effective_on, posted_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";

/// Inserts `entries` from `source` in `tx`.
pub fn insert_entries(tx: &Transaction<'_>, source: &EntrySource<'_>, entries: &[Entry]) -> Result<()> {
    insert_with_reversal_links(tx, source, entries.iter().map(|e| (e, None)))
}

fn insert_with_reversal_links<'e>(
    tx: &Transaction<'_>,
    source: &EntrySource<'_>,
    entries: impl Iterator<Item = (&'e Entry, Option<i64>)>,
) -> Result<()> {
    let now = now_timestamp();
    let effective = source.effective_on.map(|d| d.to_string()).unwrap_or_else(|| now[..10].to_string());
    let mut stmt = tx.prepare_cached(INSERT_ENTRY_SQL)?;
    for (e, reverses) in entries {
        stmt.execute(params![
            source.patient_id,
            source.encounter_id,
            source.pcn,
            e.line.map(i64::from),
            e.kind.as_str(),
            e.party.payer_id(),
            e.cents,
            e.noted_cents,
            e.group,
            e.reason,
            source.claim_payment_id,
            source.provider_adjustment_id,
            source.patient_payment_id,
            reverses,
            source.note,
            effective,
            now,
        ])?;
    }
    Ok(())
}

/// Takes back every entry a claim payment made: inserts their exact negatives, each linked to the
/// entry it reverses, from `source` (the reversal's claim payment). Returns how many.
pub fn reverse_claim_payment(tx: &Transaction<'_>, reversed: i64, source: &EntrySource<'_>) -> Result<usize> {
    let entries = claim_payment_entries(tx, reversed)?;
    let negated: Vec<(Entry, i64)> = entries.iter().map(|(id, e)| (e.negated(), *id)).collect();
    insert_with_reversal_links(tx, source, negated.iter().map(|(e, id)| (e, Some(*id))))?;
    Ok(negated.len())
}

/// The entries a claim payment made, with their IDs.
pub fn claim_payment_entries(conn: &Connection, claim_payment_id: i64) -> Result<Vec<(i64, Entry)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, line_number, kind, payer_id, amount_cents, noted_cents, group_code, reason_code
         FROM ar_entries WHERE claim_payment_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([claim_payment_id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            Entry {
                line: r.get::<_, Option<i64>>(1)?.map(|n| n as u32),
                kind: entry_kind(&r.get::<_, String>(2)?)?,
                party: party(r.get(3)?),
                cents: r.get(4)?,
                noted_cents: r.get(5)?,
                group: r.get(6)?,
                reason: r.get(7)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn entry_kind(s: &str) -> rusqlite::Result<EntryKind> {
    EntryKind::parse(s)
        .ok_or_else(|| rusqlite::Error::InvalidColumnType(0, format!("ar kind {s}"), rusqlite::types::Type::Text))
}

fn party(payer_id: Option<String>) -> Party {
    payer_id.map_or(Party::Patient, Party::Payer)
}

/// What `payer_id` owes on each line of an encounter (key `None`: on the whole encounter).
pub fn owed_by_payer(conn: &Connection, encounter_id: &str, payer_id: &str) -> Result<HashMap<Option<u32>, i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT line_number, SUM(amount_cents) FROM ar_entries
         WHERE encounter_id = ?1 AND payer_id = ?2 GROUP BY line_number",
    )?;
    let mut owed = HashMap::new();
    let mut total = 0;
    let rows = stmt.query_map([encounter_id, payer_id], |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (line, cents) = row?;
        total += cents;
        if let Some(line) = line {
            owed.insert(Some(line as u32), cents);
        }
    }
    owed.insert(None, total);
    Ok(owed)
}

/// Records the charges of the claims a batch billed: each line of an original claim to its first
/// payer is charged to that payer; a replacement charges only what changed on each line (the
/// receivable is the encounter's, not the claim's); a void and a later payer's claim charge nothing
/// (the later payer's share reached it as a transfer).
pub fn record_charges(tx: &Transaction<'_>, batch_id: i64) -> Result<()> {
    {
        let mut lines = tx.prepare(
            "SELECT c.patient_id, c.encounter_id, c.pcn, l.line_number, c.payer_id, l.charge, l.date_of_service
             FROM claims c JOIN claim_lines l ON l.pcn = c.pcn
             WHERE c.batch_id = ?1 AND c.frequency = '1' AND c.responsibility = 'P'",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO ar_entries (patient_id, encounter_id, pcn, line_number, kind, payer_id, amount_cents,
                 effective_on, posted_at) VALUES (?1, ?2, ?3, ?4, 'charge', ?5, ?6, ?7, ?8)",
        )?;
        let now = now_timestamp();
        let mut rows = lines.query([batch_id])?;
        while let Some(r) = rows.next()? {
            let charge = super::stored_decimal(super::stored_text(r, 5)?)?;
            let cents = crate::money::to_cents(charge)
                .ok_or_else(|| super::LedgerError::Corrupt(format!("claim line charge {charge} is not whole cents")))?;
            insert.execute(params![
                super::stored_text(r, 0)?,
                super::stored_text(r, 1)?,
                super::stored_text(r, 2)?,
                r.get::<_, i64>(3)?,
                super::stored_text(r, 4)?,
                cents,
                super::stored_text(r, 6)?,
                now
            ])?;
        }
    }
    tx.execute(
        "DELETE FROM crossover_queue WHERE EXISTS (SELECT 1 FROM claims c WHERE c.batch_id = ?1
             AND c.encounter_id = crossover_queue.encounter_id AND c.responsibility = crossover_queue.responsibility)",
        [batch_id],
    )?;
    // Replacements: the change of each line's charge against the charges in force on the encounter.
    let replacements: Vec<(String, String, String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT pcn, encounter_id, patient_id, payer_id FROM claims
             WHERE batch_id = ?1 AND frequency = '7' AND responsibility = 'P'",
        )?;
        let rows = stmt.query_map([batch_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (pcn, encounter_id, patient_id, payer_id) in replacements {
        let charged = charges_by_line(tx, &encounter_id)?;
        let billed: BTreeMap<u32, (i64, String)> = {
            let mut stmt =
                tx.prepare_cached("SELECT line_number, charge, date_of_service FROM claim_lines WHERE pcn = ?1")?;
            let rows = stmt.query_map([&pcn], |r| {
                Ok((r.get::<_, i64>(0)? as u32, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })?;
            let mut out = BTreeMap::new();
            for row in rows {
                let (line, charge, date) = row?;
                let cents = super::stored_decimal(&charge).ok().and_then(crate::money::to_cents).unwrap_or(0);
                out.insert(line, (cents, date));
            }
            out
        };
        let mut entries = Vec::new();
        let lines: std::collections::BTreeSet<u32> = charged.keys().chain(billed.keys()).copied().collect();
        for line in lines {
            let now_billed = billed.get(&line).map_or(0, |b| b.0);
            let delta = now_billed - charged.get(&line).copied().unwrap_or(0);
            if delta != 0 {
                entries.push(Entry {
                    line: Some(line),
                    kind: EntryKind::Charge,
                    party: Party::Payer(payer_id.clone()),
                    cents: delta,
                    noted_cents: 0,
                    group: None,
                    reason: None,
                });
            }
        }
        let source = EntrySource {
            patient_id: &patient_id,
            encounter_id: Some(&encounter_id),
            pcn: Some(&pcn),
            note: Some("replacement claim: the change of the line's charge"),
            ..EntrySource::default()
        };
        insert_entries(tx, &source, &entries)?;
    }
    Ok(())
}

fn charges_by_line(conn: &Connection, encounter_id: &str) -> Result<HashMap<u32, i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT line_number, SUM(amount_cents) FROM ar_entries
         WHERE encounter_id = ?1 AND kind = 'charge' AND line_number IS NOT NULL GROUP BY line_number",
    )?;
    let rows = stmt.query_map([encounter_id], |r| Ok((r.get::<_, i64>(0)? as u32, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The balances of the whole ledger and of each visit's first payer (its primary coverage: the
/// payer a practice files the account under), and what each payer owes now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BalanceSheet {
    pub totals: Balances,
    /// Per primary payer: every account of the visits billed first to it (the patient's share of
    /// them included). Unapplied patient credits are under `None`.
    pub by_payer: BTreeMap<Option<String>, Balances>,
    /// What each payer owes now (its positive accounts), and of that how much is denied.
    pub owed_by_payer: BTreeMap<String, (i64, i64)>,
}

/// Which entries a balance sheet counts.
#[derive(Debug, Clone, Default)]
pub struct BalanceScope {
    /// Entries effective on or before this date.
    pub as_of: Option<NaiveDate>,
    /// Only visits whose primary payer is this one.
    pub payer_id: Option<String>,
    /// Only this patient.
    pub patient_id: Option<String>,
}

/// Sums every entry in `scope` into a [`BalanceSheet`]: one pass over the entries in table order,
/// summed per visit in memory (a visit's accounts are known once all its entries are read), then
/// the visits' accounts into the sheet.
pub fn balance_sheet(conn: &Connection, scope: &BalanceScope) -> Result<BalanceSheet> {
    let as_of = scope.as_of.map(|d| d.to_string()).unwrap_or_else(|| "9999-12-31".into());
    // Each visit's primary payer: the payer of its first charge, the encounter's payer.
    let primary_of: HashMap<String, String> = {
        let mut stmt = conn.prepare("SELECT id, payer_id FROM encounters")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    // Per visit (None: patient credits not applied to a visit, per patient).
    let mut visits: HashMap<String, VisitSums> = HashMap::new();
    let mut unapplied: HashMap<String, VisitSums> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT encounter_id, patient_id, payer_id, kind, amount_cents, noted_cents FROM ar_entries
         WHERE effective_on <= ?1 AND (?2 IS NULL OR patient_id = ?2)",
    )?;
    let mut rows = stmt.query(params![as_of, scope.patient_id])?;
    while let Some(r) = rows.next()? {
        let encounter = stored_text_or_null(r, 0)?;
        let primary = encounter.and_then(|e| primary_of.get(e));
        if scope.payer_id.is_some() && primary != scope.payer_id.as_ref() {
            continue;
        }
        let patient = stored_text(r, 1)?;
        let visit = match encounter {
            Some(e) => visits.entry_ref(e, || VisitSums::new(patient, primary.cloned())),
            None => unapplied.entry_ref(patient, || VisitSums::new(patient, None)),
        };
        let kind = entry_kind(stored_text(r, 3)?)?;
        let cents: i64 = r.get(4)?;
        visit.entries.add_entry(kind, cents);
        match stored_text_or_null(r, 2)? {
            Some(payer) => visit.payer(payer).add(cents, kind == EntryKind::Denial && r.get::<_, i64>(5)? != 0),
            None => visit.patient_net += cents,
        }
    }
    let mut sheet = BalanceSheet::default();
    // Patient accounts are the whole patient: summed first, then split into A/R or credit.
    let mut patient_accounts: BTreeMap<(String, Option<String>), i64> = BTreeMap::new();
    for visit in visits.into_values().chain(unapplied.into_values()) {
        sheet.totals.add(&visit.entries);
        let by_payer = sheet.by_payer.entry(visit.primary.clone()).or_default();
        by_payer.add(&visit.entries);
        for (payer, account) in visit.payers {
            by_payer.add_account(false, account.net);
            sheet.totals.add_account(false, account.net);
            if account.net > 0 {
                let owed = sheet.owed_by_payer.entry(payer).or_default();
                owed.0 += account.net;
                if account.denied {
                    owed.1 += account.net;
                }
            }
        }
        *patient_accounts.entry((visit.patient, visit.primary)).or_default() += visit.patient_net;
    }
    // A patient's balance nets across visits; what nets out is split back by primary payer in
    // proportion only when it does not change sign, which keeps each row's identity: so patient
    // accounts are counted per (patient, primary payer), and the total per patient.
    let mut per_patient: BTreeMap<String, i64> = BTreeMap::new();
    for ((patient, primary), net) in patient_accounts {
        *per_patient.entry(patient).or_default() += net;
        sheet.by_payer.entry(primary).or_default().add_account(true, net);
    }
    for net in per_patient.values() {
        sheet.totals.add_account(true, *net);
    }
    Ok(sheet)
}

/// One visit's entries as a balance sheet sums them.
struct VisitSums {
    patient: String,
    primary: Option<String>,
    /// The entries' column sums (charges, payments, adjustments).
    entries: Balances,
    /// Each payer's account on the visit, in the order first seen.
    payers: Vec<(String, PayerAccount)>,
    patient_net: i64,
}

/// A payer's net on one visit, and whether a denial of it stands.
#[derive(Default)]
struct PayerAccount {
    net: i64,
    denied: bool,
}

impl PayerAccount {
    fn add(&mut self, cents: i64, denial: bool) {
        self.net += cents;
        self.denied |= denial;
    }
}

impl VisitSums {
    fn new(patient: &str, primary: Option<String>) -> Self {
        VisitSums {
            patient: patient.to_string(),
            primary,
            entries: Balances::default(),
            payers: Vec::new(),
            patient_net: 0,
        }
    }

    fn payer(&mut self, payer: &str) -> &mut PayerAccount {
        let at = match self.payers.iter().position(|(p, _)| p == payer) {
            Some(at) => at,
            None => {
                self.payers.push((payer.to_string(), PayerAccount::default()));
                self.payers.len() - 1
            }
        };
        &mut self.payers[at].1
    }
}

/// A map entry looked up by a borrowed key, the key copied only when it is new.
trait EntryRef<V> {
    fn entry_ref(&mut self, key: &str, new: impl FnOnce() -> V) -> &mut V;
}

impl<V> EntryRef<V> for HashMap<String, V> {
    fn entry_ref(&mut self, key: &str, new: impl FnOnce() -> V) -> &mut V {
        if !self.contains_key(key) {
            self.insert(key.to_string(), new());
        }
        self.get_mut(key).expect("inserted above")
    }
}

/// One visit's balances by party, in cents, for reports and `claim show`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitBalance {
    pub charges: i64,
    pub insurance_payments: i64,
    pub patient_payments: i64,
    pub adjustments: i64,
    /// What each payer owes, and whether a denial stands on it.
    pub payers: BTreeMap<String, i64>,
    pub denied: BTreeMap<String, i64>,
    pub patient: i64,
}

impl VisitBalance {
    pub fn insurance(&self) -> i64 {
        self.payers.values().sum()
    }
}

/// The balances of every visit (by encounter ID) in one pass.
pub fn visit_balances(conn: &Connection, as_of: Option<NaiveDate>) -> Result<HashMap<String, VisitBalance>> {
    let as_of = as_of.map(|d| d.to_string()).unwrap_or_else(|| "9999-12-31".into());
    let mut stmt = conn.prepare(
        "SELECT encounter_id, payer_id, kind, SUM(amount_cents), SUM(noted_cents) FROM ar_entries
         WHERE encounter_id IS NOT NULL AND effective_on <= ?1 GROUP BY encounter_id, payer_id, kind",
    )?;
    let mut out: HashMap<String, VisitBalance> = HashMap::new();
    let rows = stmt.query_map([as_of], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    for row in rows {
        let (encounter, payer, kind, cents, noted) = row?;
        let kind = entry_kind(&kind)?;
        let v = out.entry(encounter).or_default();
        match kind {
            EntryKind::Charge => v.charges += cents,
            EntryKind::Payment | EntryKind::ProviderLevel => v.insurance_payments -= cents,
            EntryKind::PatientPayment | EntryKind::Refund => v.patient_payments -= cents,
            EntryKind::Contractual | EntryKind::Writeoff => v.adjustments -= cents,
            EntryKind::Transfer | EntryKind::Denial | EntryKind::Interest => {}
        }
        match payer {
            Some(p) => {
                *v.payers.entry(p.clone()).or_default() += cents;
                if kind == EntryKind::Denial {
                    *v.denied.entry(p).or_default() += noted;
                }
            }
            None => v.patient += cents,
        }
    }
    Ok(out)
}

/// A patient's visits with what the patient owes on each, oldest date of service first.
pub fn patient_visits_owing(conn: &Connection, patient_id: &str) -> Result<Vec<(String, Option<String>, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.encounter_id, MIN(e.first_dos), SUM(a.amount_cents) FROM ar_entries a
         JOIN encounters e ON e.id = a.encounter_id
         WHERE a.patient_id = ?1 AND a.payer_id IS NULL AND a.encounter_id IS NOT NULL
         GROUP BY a.encounter_id HAVING SUM(a.amount_cents) > 0
         ORDER BY MIN(e.first_dos), a.encounter_id",
    )?;
    let rows = stmt.query_map([patient_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What a patient owes in all (negative: a credit).
pub fn patient_balance(conn: &Connection, patient_id: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COALESCE(SUM(amount_cents), 0) FROM ar_entries WHERE patient_id = ?1 AND payer_id IS NULL",
        [patient_id],
        |r| r.get(0),
    )?)
}

/// A patient payment or refund as `claimkit pay` records it.
#[derive(Debug, Clone)]
pub struct PatientPaymentRow<'a> {
    pub patient_id: &'a str,
    pub cents: i64,
    pub received_on: NaiveDate,
    pub method: &'a str,
    pub reference: &'a str,
    pub is_refund: bool,
    pub pcn: Option<&'a str>,
    pub note: Option<&'a str>,
    pub source: &'a str,
}

/// Inserts a patient payment; `None` when one with the same reference exists (nothing changes).
pub fn insert_patient_payment(tx: &Transaction<'_>, p: &PatientPaymentRow<'_>) -> Result<Option<i64>> {
    let exists: Option<i64> =
        tx.query_row("SELECT id FROM patient_payments WHERE reference = ?1", [p.reference], |r| r.get(0)).optional()?;
    if exists.is_some() {
        return Ok(None);
    }
    tx.execute(
        "INSERT INTO patient_payments (patient_id, amount_cents, received_on, method, reference, is_refund, pcn, note,
             source, posted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            p.patient_id,
            p.cents,
            p.received_on.to_string(),
            p.method,
            p.reference,
            p.is_refund,
            p.pcn,
            p.note,
            p.source,
            now_timestamp()
        ],
    )?;
    Ok(Some(tx.last_insert_rowid()))
}

/// The claim `pcn` as a write-off or payment names it: (encounter, patient, payer), with the PCN as
/// stored (PCNs are matched without regard to case).
pub fn claim_parties(conn: &Connection, pcn: &str) -> Result<Option<(String, String, String, String)>> {
    Ok(conn
        .query_row(
            "SELECT pcn, encounter_id, patient_id, payer_id FROM claims WHERE pcn = ?1 COLLATE NOCASE",
            [pcn],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?)
}

/// What each party owes on one visit now (payer ID, or `None` for the patient).
pub fn visit_parties(conn: &Connection, encounter_id: &str) -> Result<BTreeMap<Option<String>, i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT payer_id, SUM(amount_cents) FROM ar_entries WHERE encounter_id = ?1 GROUP BY payer_id",
    )?;
    let rows = stmt.query_map([encounter_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The sum over every entry of the ledger of `amount_cents`, and of the identity's three columns:
/// a consistency check for tests and `report balance`.
pub fn ledger_identity(conn: &Connection) -> Result<(i64, Balances)> {
    let mut stmt = conn.prepare("SELECT kind, SUM(amount_cents) FROM ar_entries GROUP BY kind")?;
    let mut b = Balances::default();
    let mut net = 0;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (kind, cents) = row?;
        b.add_entry(entry_kind(&kind)?, cents);
        net += cents;
    }
    Ok((net, b))
}

/// True when a write-off with `reference` was recorded.
pub fn insert_writeoff_exists(conn: &Connection, reference: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM ar_entries WHERE kind = 'writeoff' AND reference = ?1)",
        [reference],
        |r| r.get(0),
    )?)
}

/// Records a write-off of `cents` on visit `encounter_id` for `party`, keyed by `reference` (the
/// caller asks [`insert_writeoff_exists`] first; the unique index refuses a second one anyway).
#[allow(clippy::too_many_arguments)]
pub fn insert_writeoff(
    tx: &Transaction<'_>,
    patient_id: &str,
    encounter_id: &str,
    pcn: &str,
    party: &Party,
    cents: i64,
    reason: &str,
    reference: &str,
    note: Option<&str>,
    effective_on: NaiveDate,
) -> Result<()> {
    tx.execute(
        "INSERT INTO ar_entries (patient_id, encounter_id, pcn, kind, payer_id, amount_cents, reason_code, reference, note,
             effective_on, posted_at)
         VALUES (?1, ?2, ?3, 'writeoff', ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            patient_id,
            encounter_id,
            pcn,
            party.payer_id(),
            -cents,
            reason,
            reference,
            note,
            effective_on.to_string(),
            now_timestamp()
        ],
    )?;
    Ok(())
}

/// Cents per entry kind, for entries effective by `as_of` (and, with `since`, after it).
pub fn totals_by_kind(conn: &Connection, since: Option<NaiveDate>, as_of: NaiveDate) -> Result<BTreeMap<String, i64>> {
    let mut stmt = conn.prepare(
        "SELECT kind, SUM(amount_cents) FROM ar_entries
         WHERE effective_on <= ?1 AND (?2 IS NULL OR effective_on > ?2) GROUP BY kind",
    )?;
    let rows =
        stmt.query_map(params![as_of.to_string(), since.map(|d| d.to_string())], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
