//! Reports for billers. Every report builds its rows once as a [`Table`] (grouped in a [`Report`]
//! with optional charts) and renders them as a terminal table, CSV, JSON or a self-contained HTML
//! page by one flag ([`OutputFormat`]).
//!
//! Before rendering, [`present`] adds what a person needs beyond the rows: the practice's name,
//! when the report was made, payer names beside payer IDs, statuses in words on screen, rates as
//! numbers, the worklist grouped by kind.

pub mod claims;
mod document;
pub mod find;
pub mod html;
pub mod remittance;
mod render;
mod scope;
mod table;

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;

pub use document::{Chart, Report, Section};
pub use scope::ReportScope;
pub use table::{
    Cell, OutputFormat, Paint, Table, TerminalOptions, USUALLY_LOW_PRIORITY, dollars, paint, set_terminal,
    status_words, terminal,
};

/// What the rendering knows beyond a report's rows.
#[derive(Debug, Clone, Default)]
pub struct Presentation {
    /// The practice's name (the billing provider's).
    pub practice: Option<String>,
    /// Payer ID -> payer name, from the practice configuration.
    pub payer_names: BTreeMap<String, String>,
    pub generated_at: Option<NaiveDateTime>,
}

impl Presentation {
    /// The names a practice configuration gives, made now.
    pub fn of_practice(practice: Option<&crate::practice::Practice>) -> Self {
        Presentation {
            practice: practice.map(|p| p.billing_provider.name.clone()),
            payer_names: practice
                .map(|p| p.payers.iter().map(|payer| (payer.id.clone(), payer.name.clone())).collect())
                .unwrap_or_default(),
            generated_at: Some(chrono::Local::now().naive_local().with_nanosecond_zeroed()),
        }
    }
}

trait WithoutNanos {
    fn with_nanosecond_zeroed(self) -> Self;
}

impl WithoutNanos for NaiveDateTime {
    fn with_nanosecond_zeroed(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

/// Columns that hold a status code, shown in words on screen and on a page.
const STATUS_COLUMNS: &[&str] = &["status", "status_after"];

/// Readies a built report for people: practice and time in the header, a `payer_name` column
/// beside every `payer_id` column, status codes as [`Cell::Status`], percentages written as text
/// (`"30.0%"`) as [`Cell::Percent`] numbers, the worklist grouped by kind.
pub fn present(report: &mut Report, presentation: &Presentation) {
    if report.practice.is_none() {
        report.practice = presentation.practice.clone();
    }
    if report.generated_at.is_none() {
        report.generated_at = presentation.generated_at;
    }
    for section in &mut report.sections {
        present_table(&mut section.table, presentation);
        if report.name == "worklist" && section.table.column_index("item").is_some() {
            // Each group is one kind and one priority: the heading says both.
            section.table = std::mem::take(&mut section.table).grouped_by("item").also_low_priority(&["priority"]);
        }
    }
}

/// [`present`] for one table (commands other than `report` print tables of their own).
pub fn present_table(table: &mut Table, presentation: &Presentation) {
    let status: Vec<usize> = STATUS_COLUMNS.iter().filter_map(|k| table.column_index(k)).collect();
    for row in table.rows_mut() {
        for cell in row.iter_mut() {
            if let Cell::Text(text) = cell
                && let Some(rate) = percent_text(text)
            {
                *cell = Cell::Percent(rate);
            }
        }
        for i in &status {
            if let Cell::Text(code) = &row[*i] {
                row[*i] = Cell::Status(code.clone());
            }
        }
    }
    if let Some(i) = table.column_index("payer_id")
        && table.column_index("payer_name").is_none()
        && table.column_index("payer").is_none()
        && !presentation.payer_names.is_empty()
    {
        table.insert_column(i + 1, "payer_name", "Payer name", |row| match &row[i] {
            Cell::Text(id) => presentation.payer_names.get(id).cloned().into(),
            _ => Cell::Empty,
        });
        // With the name beside it, the ID is the first thing a narrow terminal can do without.
        *table = std::mem::take(table).also_low_priority(&["payer_id"]);
    }
}

/// Names some library types serialize under, and the one name every command's JSON uses for
/// them (`docs/json.md`).
pub const JSON_RENAMES: &[(&str, &str)] = &[
    ("trace", "trace_number"),
    ("matched_claims", "claims_matched"),
    ("unmatched_claims", "claims_unmatched"),
    ("unmatched_lines", "lines_unmatched"),
];

/// Renames the keys of `value` (at every depth) to the shared vocabulary ([`JSON_RENAMES`]).
pub fn json_vocabulary(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (from, to) in JSON_RENAMES {
                if !map.contains_key(*to)
                    && let Some(v) = map.remove(*from)
                {
                    map.insert((*to).to_string(), v);
                }
            }
            map.values_mut().for_each(json_vocabulary);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(json_vocabulary),
        _ => {}
    }
}

/// `"30.0%"` -> 30.0.
fn percent_text(text: &str) -> Option<Decimal> {
    let number = text.strip_suffix('%')?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') {
        return None;
    }
    number.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Presentation {
        Presentation {
            practice: Some("Springfield Family Medicine".into()),
            payer_names: [("MCRB1".to_string(), "Medicare Part B".to_string())].into(),
            generated_at: None,
        }
    }

    #[test]
    fn payer_names_statuses_and_rates_are_presented_and_json_keeps_codes() {
        let mut t = Table::new(&[("payer_id", "Payer"), ("status", "Status"), ("denial_rate", "Denial rate")]);
        t.push(vec!["MCRB1".into(), "partially_paid".into(), "30.0%".into()]);
        t.push(vec!["TOTAL".into(), "paid".into(), Cell::Empty]);
        let mut report = Report::new("payers", "Payers", "all dates").section("payers", t, None);
        present(&mut report, &names());
        let json = report.to_json();
        let row = &json["sections"]["payers"][0];
        assert_eq!(row["payer_name"], "Medicare Part B");
        assert_eq!(row["status"], "partially_paid");
        assert_eq!(row["denial_rate"].to_string(), "30.0");
        assert_eq!(json["sections"]["payers"][1]["payer_name"], serde_json::Value::Null);
        assert_eq!(json["practice"], "Springfield Family Medicine");
        let text = report.get("payers").unwrap().to_terminal();
        assert!(text.contains("Partially paid") && text.contains("Medicare Part B"), "{text}");
    }

    #[test]
    fn the_worklist_is_grouped_by_kind() {
        let mut t = Table::new(&[("priority", "Priority"), ("item", "What")]);
        t.push(vec![1i64.into(), "denied claim".into()]);
        let mut report = Report::new("worklist", "Worklist", "").section("worklist", t, None);
        present(&mut report, &Presentation::default());
        assert_eq!(report.get("worklist").unwrap().group_key(), Some("item"));
    }

    #[test]
    fn json_keys_are_renamed_to_the_shared_vocabulary_at_every_depth() {
        let mut v = serde_json::json!([{"trace": "1", "transactions": [{"matched_claims": 3, "trace": "2"}]}]);
        json_vocabulary(&mut v);
        assert_eq!(
            v,
            serde_json::json!([{"trace_number": "1", "transactions": [{"claims_matched": 3, "trace_number": "2"}]}])
        );
    }

    #[test]
    fn only_percent_text_becomes_a_rate() {
        assert_eq!(percent_text("30.0%"), Some(Decimal::new(300, 1)));
        assert_eq!(percent_text("%"), None);
        assert_eq!(percent_text("about 30%"), None);
    }
}
