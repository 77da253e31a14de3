//! The worklist's state: what billers did to its items (done, notes, assignee, follow-up date), the
//! items commands open (reopening requests), and what the items show besides the claims' own rows
//! (patient names, the latest event of each claim).

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Result, now_timestamp};

/// What was done to an item so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemState {
    /// `open` or `done`.
    pub state: String,
    pub assignee: Option<String>,
    /// YYYY-MM-DD.
    pub snoozed_until: Option<String>,
}

/// The state of every item someone acted on, by item ID.
pub fn states(conn: &Connection) -> Result<HashMap<String, ItemState>> {
    let mut stmt = conn.prepare("SELECT id, state, assignee, snoozed_until FROM worklist_items")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, ItemState { state: r.get(1)?, assignee: r.get(2)?, snoozed_until: r.get(3)? }))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One action on an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action<'a> {
    pub item_id: &'a str,
    pub kind: &'a str,
    pub reference: &'a str,
    /// done, note, assign or snooze.
    pub action: &'a str,
    pub who: &'a str,
    pub note: Option<&'a str>,
    pub assignee: Option<&'a str>,
    pub snoozed_until: Option<&'a str>,
}

/// Records `a`: the item's state row (created on its first action) and a history row.
pub fn record_action(tx: &Transaction<'_>, a: &Action<'_>) -> Result<()> {
    let now = now_timestamp();
    tx.execute(
        "INSERT INTO worklist_items (id, kind, reference, state, updated_at) VALUES (?1, ?2, ?3, 'open', ?4)
         ON CONFLICT (id) DO NOTHING",
        params![a.item_id, a.kind, a.reference, now],
    )?;
    match a.action {
        "done" => tx.execute(
            "UPDATE worklist_items SET state = 'done', updated_at = ?2 WHERE id = ?1",
            params![a.item_id, now],
        )?,
        "assign" => tx.execute(
            "UPDATE worklist_items SET assignee = ?2, updated_at = ?3 WHERE id = ?1",
            params![a.item_id, a.assignee, now],
        )?,
        "snooze" => tx.execute(
            "UPDATE worklist_items SET snoozed_until = ?2, updated_at = ?3 WHERE id = ?1",
            params![a.item_id, a.snoozed_until, now],
        )?,
        _ => tx.execute("UPDATE worklist_items SET updated_at = ?2 WHERE id = ?1", params![a.item_id, now])?,
    };
    let note = match a.action {
        "assign" => a.assignee.map(|w| format!("assigned to {w}")),
        "snooze" => a.snoozed_until.map(|d| format!("follow up on {d}")),
        _ => None,
    };
    let note = match (note, a.note) {
        (Some(n), Some(text)) => Some(format!("{n}: {text}")),
        (n, text) => n.or(text.map(str::to_string)),
    };
    tx.execute(
        "INSERT INTO worklist_history (item_id, at, who, action, note) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![a.item_id, now, a.who, a.action, note],
    )?;
    Ok(())
}

/// One row of an item's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub item_id: String,
    pub at: String,
    pub who: String,
    pub action: String,
    pub note: Option<String>,
}

/// The history of the items `ids` (every item when empty), oldest first.
pub fn history(conn: &Connection, ids: &[String]) -> Result<Vec<HistoryRow>> {
    let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare(
        "SELECT item_id, at, who, action, note FROM worklist_history
         WHERE ?1 = '[]' OR item_id IN (SELECT value FROM json_each(?1)) ORDER BY id",
    )?;
    let rows = stmt.query_map([ids], |r| {
        Ok(HistoryRow { item_id: r.get(0)?, at: r.get(1)?, who: r.get(2)?, action: r.get(3)?, note: r.get(4)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The latest event of every claim that has one (its `claim_events` id): a new event on a claim
/// gives its items a new cause.
pub fn latest_events(conn: &Connection) -> Result<HashMap<String, i64>> {
    let mut stmt = conn.prepare("SELECT pcn, MAX(id) FROM claim_events GROUP BY pcn")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Claims marked for re-billing as new: their rejection is being worked.
pub fn rebilled(conn: &Connection) -> Result<HashSet<String>> {
    let mut stmt = conn.prepare("SELECT pcn FROM claim_rebills")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The patient of an encounter: (patient ID, "Last, First").
pub fn patients(conn: &Connection) -> Result<HashMap<String, (String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT id, patient_id, COALESCE(json_extract(encounter_json, '$.patient.name.last'), ''),
             COALESCE(json_extract(encounter_json, '$.patient.name.first'), '') FROM encounters",
    )?;
    let rows = stmt.query_map([], |r| {
        let (last, first): (String, String) = (r.get(2)?, r.get(3)?);
        let name = if first.is_empty() { last } else { format!("{last}, {first}") };
        Ok((r.get::<_, String>(0)?, (r.get::<_, String>(1)?, name)))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A reopening request opened by `correct` or `void` on a payer that takes no corrected claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: i64,
    pub pcn: String,
    pub payer_id: String,
    pub encounter_id: String,
    pub first_dos: String,
    pub total_charge: String,
    /// correct or void.
    pub action: String,
    pub detail: String,
}

/// Opens a reopening request for claim `pcn`.
pub fn open_request(tx: &Transaction<'_>, pcn: &str, payer_id: &str, action: &str, detail: &str) -> Result<i64> {
    tx.execute(
        "INSERT INTO worklist_requests (kind, pcn, payer_id, action, detail, opened_at)
         VALUES ('reopening', ?1, ?2, ?3, ?4, ?5)",
        params![pcn, payer_id, action, detail, now_timestamp()],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Every reopening request.
pub fn requests(conn: &Connection) -> Result<Vec<Request>> {
    let mut stmt = conn.prepare(
        "SELECT w.id, w.pcn, w.payer_id, c.encounter_id, c.first_dos, c.total_charge, w.action, w.detail
         FROM worklist_requests w JOIN claims c ON c.pcn = w.pcn ORDER BY w.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Request {
            id: r.get(0)?,
            pcn: r.get(1)?,
            payer_id: r.get(2)?,
            encounter_id: r.get(3)?,
            first_dos: r.get(4)?,
            total_charge: r.get(5)?,
            action: r.get(6)?,
            detail: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The open reopening request of claim `pcn` for `action`, if one stands.
pub fn open_request_of(conn: &Connection, pcn: &str, action: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM worklist_requests WHERE pcn = ?1 AND action = ?2 ORDER BY id DESC LIMIT 1",
            [pcn, action],
            |r| r.get(0),
        )
        .optional()?)
}
