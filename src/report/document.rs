//! A report: a title, when it was made and for what period, and one or more sections, each a
//! [`Table`] with an optional chart. Rendered as a terminal table, JSON, CSV (the first section,
//! so the file stays one rectangular table) or a self-contained HTML page.

use std::io::Write;

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::html;
use super::table::{OutputFormat, Table};

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
}

impl Report {
    pub fn new(name: &str, title: &str, scope: impl Into<String>) -> Self {
        Report { name: name.into(), title: title.into(), scope: scope.into(), sections: Vec::new() }
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
        obj.insert("sections".into(), Value::Object(sections));
        Value::Object(obj)
    }

    pub fn render(&self, format: OutputFormat, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            OutputFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &self.to_json())?;
                writeln!(out)
            }
            OutputFormat::Csv => match self.sections.first() {
                Some(s) => s.table.render(OutputFormat::Csv, out),
                None => Ok(()),
            },
            OutputFormat::Html => out.write_all(html::page(self).as_bytes()),
            OutputFormat::Table => {
                writeln!(out, "{}\n{}\n", self.title, self.scope)?;
                for s in &self.sections {
                    s.table.render(OutputFormat::Table, out)?;
                    writeln!(out)?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Cell;

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
    fn csv_is_the_first_section_only() {
        let mut out = Vec::new();
        report().render(OutputFormat::Csv, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "payer,paid\nMCRB1,125.50\n");
    }
}
