//! One way to print: rows of typed cells, rendered as a terminal table, CSV or JSON.
//!
//! JSON is an array of objects keyed by the column keys; money is a decimal string (`"125.00"`)
//! so no consumer ever sees a rounded float.

use std::io::Write;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// The output formats every command accepts with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Csv,
    /// A self-contained HTML page (reports; other commands print their table in a page).
    Html,
}

/// A typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Money(Decimal),
    Date(NaiveDate),
    Bool(bool),
    Empty,
}

impl Cell {
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Money(d) => format!("{:.2}", d),
            Cell::Date(d) => d.to_string(),
            Cell::Bool(b) => if *b { "yes" } else { "no" }.into(),
            Cell::Empty => String::new(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Int(n) => Value::from(*n),
            Cell::Money(d) => Value::String(format!("{:.2}", d)),
            Cell::Date(d) => Value::String(d.to_string()),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Empty => Value::Null,
        }
    }

    pub fn right_aligned(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Money(_))
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}
impl From<usize> for Cell {
    fn from(n: usize) -> Self {
        Cell::Int(n as i64)
    }
}
impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Cell::Int(n as i64)
    }
}
impl From<Decimal> for Cell {
    fn from(d: Decimal) -> Self {
        Cell::Money(d)
    }
}
impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Self {
        Cell::Date(d)
    }
}
impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Cell::Bool(b)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(o: Option<T>) -> Self {
        o.map_or(Cell::Empty, Into::into)
    }
}

/// Rows with named columns. `key` names the JSON field and CSV header; `label` the table header.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub title: Option<String>,
    columns: Vec<(String, String)>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with columns given as `(key, label)` pairs.
    pub fn new(columns: &[(&str, &str)]) -> Self {
        Table {
            title: None,
            columns: columns.iter().map(|(k, l)| (k.to_string(), l.to_string())).collect(),
            rows: Vec::new(),
        }
    }

    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Adds a row; it must have one cell per column.
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len(), "row width");
        self.rows.push(row);
    }

    /// The `(key, label)` pairs.
    pub fn columns(&self) -> &[(String, String)] {
        &self.columns
    }

    pub fn rows(&self) -> &[Vec<Cell>] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows as JSON objects.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|row| {
                    let mut obj = Map::new();
                    for ((key, _), cell) in self.columns.iter().zip(row) {
                        obj.insert(key.clone(), cell.json());
                    }
                    Value::Object(obj)
                })
                .collect(),
        )
    }

    /// Renders in `format` to `out`.
    pub fn render(&self, format: OutputFormat, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            OutputFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &self.to_json())?;
                writeln!(out)
            }
            OutputFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(self.columns.iter().map(|(k, _)| k.as_str())).map_err(std::io::Error::other)?;
                for row in &self.rows {
                    // Control characters (a file name's escape sequence) are escaped: CSV lands
                    // on terminals too.
                    w.write_record(row.iter().map(|c| crate::text::printable(&c.display()).into_owned()))
                        .map_err(std::io::Error::other)?;
                }
                w.flush()
            }
            OutputFormat::Html => {
                let report = super::document::Report::new("table", self.title.as_deref().unwrap_or("claimkit"), "")
                    .section("rows", self.clone(), None);
                out.write_all(super::html::page(&report).as_bytes())
            }
            OutputFormat::Table => {
                if let Some(title) = &self.title {
                    writeln!(out, "{title}")?;
                }
                writeln!(out, "{}", self.to_terminal())
            }
        }
    }

    /// A terminal table.
    pub fn to_terminal(&self) -> String {
        use comfy_table::{CellAlignment, ContentArrangement, presets::UTF8_FULL_CONDENSED};
        let mut t = comfy_table::Table::new();
        t.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled);
        t.set_header(self.columns.iter().map(|(_, l)| l.as_str()));
        for row in &self.rows {
            t.add_row(row.iter().map(|c| {
                let cell = comfy_table::Cell::new(crate::text::printable(&c.display()));
                if c.right_aligned() { cell.set_alignment(CellAlignment::Right) } else { cell }
            }));
        }
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn sample() -> Table {
        let mut t = Table::new(&[("payer", "Payer"), ("paid", "Paid"), ("claims", "Claims")]);
        t.push(vec!["MEDICARE".into(), Decimal::from_str("1234.5").unwrap().into(), 3i64.into()]);
        t
    }

    #[test]
    fn money_is_exact_text_in_json_and_csv() {
        let t = sample();
        assert_eq!(t.to_json()[0]["paid"], "1234.50");
        let mut csv = Vec::new();
        t.render(OutputFormat::Csv, &mut csv).unwrap();
        assert_eq!(String::from_utf8(csv).unwrap(), "payer,paid,claims\nMEDICARE,1234.50,3\n");
    }

    #[test]
    fn control_characters_in_cells_are_escaped_on_terminals_and_in_csv() {
        let mut t = Table::new(&[("file", "File")]);
        t.push(vec!["in/\u{1b}[2Ja.835".into()]);
        assert!(!t.to_terminal().contains('\u{1b}'));
        let mut csv = Vec::new();
        t.render(OutputFormat::Csv, &mut csv).unwrap();
        assert!(!csv.contains(&0x1b));
        assert!(String::from_utf8(csv).unwrap().contains("\\u{1b}[2Ja.835"));
    }

    #[test]
    fn terminal_table_has_headers_and_values() {
        let text = sample().to_terminal();
        assert!(text.contains("Payer") && text.contains("1234.50"));
    }
}
