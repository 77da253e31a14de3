//! A report: a title, when it was made and for what period, and one or more sections, each a
//! [`Table`] with an optional chart. Rendered as a terminal table, JSON, CSV (the first section,
//! so the file stays one rectangular table) or a self-contained HTML page.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::table::Table;

/// A bar chart drawn next to a section in the HTML page: one bar per label.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    /// (label, value) in display order.
    pub bars: Vec<(String, Decimal)>,
    /// True when the values are money (labels get two decimals and a `$`).
    pub money: bool,
}

/// One part of a report.
#[derive(Debug, Clone)]
pub struct Section {
    /// JSON key of the section.
    pub key: String,
    pub table: Table,
    pub chart: Option<Chart>,
}

/// A whole report.
#[derive(Debug, Clone)]
pub struct Report {
    /// `aging`, `denials`...
    pub name: String,
    pub title: String,
    /// One line saying the period, payer and as-of date the figures cover.
    pub scope: String,
    pub sections: Vec<Section>,
    /// The practice the figures are for (its billing provider's name), when known.
    pub practice: Option<String>,
    /// When the report was made (local time), when known.
    pub generated_at: Option<NaiveDateTime>,
}

impl Report {
    pub fn new(name: &str, title: &str, scope: impl Into<String>) -> Self {
        Report {
            name: name.into(),
            title: title.into(),
            scope: scope.into(),
            sections: Vec::new(),
            practice: None,
            generated_at: None,
        }
    }

    /// "Generated 2026-11-25 07:30" for headers and footers.
    pub fn generated_line(&self) -> Option<String> {
        self.generated_at.map(|at| format!("generated {}", at.format("%Y-%m-%d %H:%M")))
    }

    /// The section title shown above a section: none when it only repeats the report's title.
    pub fn section_heading<'a>(&self, section: &'a Section) -> Option<&'a str> {
        section.table.title.as_deref().filter(|t| *t != self.title)
    }

    pub fn section(mut self, key: &str, table: Table, chart: Option<Chart>) -> Self {
        self.sections.push(Section { key: key.into(), table, chart });
        self
    }

    /// The section with this key.
    pub fn get(&self, key: &str) -> Option<&Table> {
        self.sections.iter().find(|s| s.key == key).map(|s| &s.table)
    }

    pub fn to_json(&self) -> Value {
        let mut sections = Map::new();
        for s in &self.sections {
            sections.insert(s.key.clone(), s.table.to_json());
        }
        let mut obj = Map::new();
        obj.insert("report".into(), Value::String(self.name.clone()));
        obj.insert("title".into(), Value::String(self.title.clone()));
        obj.insert("scope".into(), Value::String(self.scope.clone()));
        if let Some(practice) = &self.practice {
            obj.insert("practice".into(), Value::String(practice.clone()));
        }
        if let Some(at) = self.generated_at {
            obj.insert("generated_at".into(), Value::String(at.format("%Y-%m-%dT%H:%M:%S").to_string()));
        }
        obj.insert("sections".into(), Value::Object(sections));
        Value::Object(obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Cell, OutputFormat};

    fn report() -> Report {
        let mut t = Table::new(&[("payer", "Payer"), ("paid", "Paid")]).with_title("By payer");
        t.push(vec![Cell::from("MCRB1"), Cell::Money(Decimal::new(12550, 2))]);
        Report::new("payers", "Payers", "as of 2026-11-25").section("by_payer", t, None)
    }

    #[test]
    fn json_keys_sections_and_keeps_money_exact() {
        let v = report().to_json();
        assert_eq!(v["report"], "payers");
        assert_eq!(v["sections"]["by_payer"][0]["paid"], "125.50");
    }

    #[test]
    fn a_section_titled_like_its_report_is_not_titled_twice() {
        let mut t = Table::new(&[("field", "Field"), ("value", "Value")]).with_title("Claim C1");
        t.push(vec![Cell::from("status"), Cell::from("paid")]);
        let report = Report::new("claim", "Claim C1", "status paid").section("claim", t, None);
        let mut out = Vec::new();
        report.render(OutputFormat::Table, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("Claim C1").count(), 1, "{text}");
    }

    #[test]
    fn the_header_says_for_whom_and_when() {
        let mut r = report();
        r.practice = Some("Springfield Family Medicine".into());
        r.generated_at = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).and_then(|d| d.and_hms_opt(7, 30, 0));
        let mut out = Vec::new();
        r.render(OutputFormat::Table, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Springfield Family Medicine; as of 2026-11-25; generated 2026-11-25 07:30"), "{text}");
        assert_eq!(r.to_json()["generated_at"], "2026-11-25T07:30:00");
    }

    #[test]
    fn csv_is_the_first_section_only() {
        let mut out = Vec::new();
        report().render(OutputFormat::Csv, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "payer,paid\nMCRB1,125.50\n");
    }
}
