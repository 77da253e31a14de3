//! One way to print: rows of typed cells, rendered as a terminal table, CSV or JSON.
//!
//! JSON is an array of objects keyed by the column keys; money is a decimal string (`"125.00"`)
//! so no consumer ever sees a rounded float; rates are numbers (percentages, `30.0`); dates are
//! ISO (`2026-11-25`). The whole vocabulary is in `docs/json.md`.
//!
//! CSV writes the same keys as its header and plain values, except identifiers a spreadsheet
//! would change when it opens the file (a zero-padded trace number, a 17-digit payer claim
//! number): those are written as `="00042"` so they stay text.
//!
//! The terminal table fits the terminal ([`TerminalOptions`]): low-priority columns are left out
//! first (each report marks its own, see [`Table::low_priority`]), then cells wrap; `--wide` shows
//! everything at full width. Severity and priority are coloured when colour is on.

use std::sync::OnceLock;

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

/// How terminal tables are drawn. The CLI sets it once at start ([`set_terminal`]) from the
/// terminal's width (or `COLUMNS`), `--wide` and `--color`; the library's default is no width
/// limit and no colour (what a file or a test wants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TerminalOptions {
    /// Columns available; `None` draws every table at its natural width.
    pub width: Option<usize>,
    /// Never leave columns out or wrap cells.
    pub wide: bool,
    /// ANSI colour for severity, priority and status.
    pub color: bool,
}

static TERMINAL: OnceLock<TerminalOptions> = OnceLock::new();

/// Sets how terminal tables are drawn for the rest of the process (the first call wins).
pub fn set_terminal(options: TerminalOptions) {
    let _ = TERMINAL.set(options);
}

/// The options [`set_terminal`] set, or the defaults.
pub fn terminal() -> TerminalOptions {
    TERMINAL.get().copied().unwrap_or_default()
}

/// A typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Money(Decimal),
    /// A percentage (`30.0` is 30 %): a number in JSON and CSV, `30.0%` on screen.
    Percent(Decimal),
    Date(NaiveDate),
    Bool(bool),
    /// A status code (`partially_paid`): the code in JSON and CSV, words on screen ("Partially paid").
    Status(String),
    Empty,
}

impl Cell {
    /// The value as a terminal shows it.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Money(d) => crate::money::text(*d),
            Cell::Percent(p) => format!("{:.1}%", p),
            Cell::Date(d) => d.to_string(),
            Cell::Bool(b) => if *b { "yes" } else { "no" }.into(),
            Cell::Status(s) => status_words(s),
            Cell::Empty => String::new(),
        }
    }

    /// The value as a person reads it on a page: `$1,234.50`, `16,123`, statuses in words.
    pub fn display_for_page(&self) -> String {
        match self {
            Cell::Int(n) => thousands(&n.unsigned_abs().to_string(), *n < 0),
            Cell::Money(d) => dollars(*d),
            _ => self.display(),
        }
    }

    /// The value in a CSV file: plain numbers and codes, identifiers a spreadsheet would change as `="..."`.
    pub(super) fn csv(&self) -> String {
        match self {
            Cell::Text(s) if spreadsheet_would_change(s) => format!("=\"{s}\""),
            Cell::Percent(p) => format!("{:.1}", p),
            Cell::Status(s) => s.clone(),
            other => other.display(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) | Cell::Status(s) => Value::String(s.clone()),
            Cell::Int(n) => Value::from(*n),
            Cell::Money(d) => Value::String(crate::money::text(*d)),
            Cell::Percent(p) => format!("{:.1}", p).parse::<serde_json::Number>().map_or(Value::Null, Value::Number),
            Cell::Date(d) => Value::String(d.to_string()),
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Empty => Value::Null,
        }
    }

    pub fn right_aligned(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Money(_) | Cell::Percent(_))
    }
}

/// `partially_paid` -> "Partially paid".
pub fn status_words(code: &str) -> String {
    let spaced = code.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `-1234.5` -> `-$1,234.50`.
pub fn dollars(d: Decimal) -> String {
    crate::money::display(d)
}

/// Digits grouped by three: `1234567` -> `1,234,567`.
fn thousands(digits: &str, negative: bool) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if negative {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// True for text a spreadsheet would read as a number and change: leading zeros dropped
/// (`00042`), more than 15 digits rounded (`12345678901234567`), or `1E5` read as 100000.
fn spreadsheet_would_change(s: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if digits(s) {
        return (s.len() > 1 && s.starts_with('0')) || s.len() > 15;
    }
    s.split_once(['e', 'E']).is_some_and(|(m, e)| digits(m) && digits(e))
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

/// Columns left out first on a narrow terminal when a table marks none of its own: file paths,
/// hashes, control numbers and the like, which the JSON, CSV and `--wide` still show.
pub const USUALLY_LOW_PRIORITY: &[&str] = &[
    "sha256",
    "source_file",
    "file",
    "archived_to",
    "st02",
    "isa13",
    "usage",
    "frequency",
    "responsibility",
    "line_control_number",
    "submitted",
    "payer_claim_number",
    "method",
    "adj_pi",
    "adj_cr",
    "adj_oa",
    "provider_adjustments",
    "segment",
    "expected",
    "actual",
];

/// Rows with named columns. `key` names the JSON field and CSV header; `label` the table header.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub title: Option<String>,
    columns: Vec<(String, String)>,
    rows: Vec<Vec<Cell>>,
    /// Keys of the columns a narrow terminal leaves out first (in this order, last first).
    low_priority: Option<Vec<String>>,
    /// Key of the column whose values split the rows into groups on screen and on a page.
    group_by: Option<String>,
}

impl Table {
    /// A table with columns given as `(key, label)` pairs.
    pub fn new(columns: &[(&str, &str)]) -> Self {
        Table {
            title: None,
            columns: columns.iter().map(|(k, l)| (k.to_string(), l.to_string())).collect(),
            ..Table::default()
        }
    }

    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Marks the columns (by key) a narrow terminal may leave out, least useful last. Without it
    /// the columns named in [`USUALLY_LOW_PRIORITY`] are.
    pub fn low_priority(mut self, keys: &[&str]) -> Self {
        self.low_priority = Some(keys.iter().map(|k| k.to_string()).collect());
        self
    }

    /// Adds columns to leave out first (after the table's own or the usual ones).
    pub fn also_low_priority(mut self, keys: &[&str]) -> Self {
        let mut low =
            self.low_priority.take().unwrap_or_else(|| USUALLY_LOW_PRIORITY.iter().map(|k| k.to_string()).collect());
        low.extend(keys.iter().map(|k| k.to_string()));
        self.low_priority = Some(low);
        self
    }

    /// Groups the rows by the value of column `key` on a terminal and a page (JSON and CSV keep one list).
    pub fn grouped_by(mut self, key: &str) -> Self {
        self.group_by = Some(key.to_string());
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

    /// The rows, for a presentation pass that rewrites cells (names for IDs, statuses in words).
    pub fn rows_mut(&mut self) -> &mut [Vec<Cell>] {
        &mut self.rows
    }

    /// The position of column `key`.
    pub fn column_index(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|(k, _)| k == key)
    }

    /// Inserts a column at `at` with one cell per row from `cell`.
    pub fn insert_column(&mut self, at: usize, key: &str, label: &str, mut cell: impl FnMut(&[Cell]) -> Cell) {
        let at = at.min(self.columns.len());
        self.columns.insert(at, (key.to_string(), label.to_string()));
        for row in &mut self.rows {
            let value = cell(row);
            row.insert(at, value);
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The grouping column's key, when the table has one.
    pub fn group_key(&self) -> Option<&str> {
        self.group_by.as_deref()
    }

    /// The rows split by the grouping column, in order of first appearance: (value, rows).
    pub fn groups(&self) -> Vec<(String, Vec<&Vec<Cell>>)> {
        let Some(i) = self.group_by.as_deref().and_then(|k| self.column_index(k)) else {
            return vec![(String::new(), self.rows.iter().collect())];
        };
        let mut groups: Vec<(String, Vec<&Vec<Cell>>)> = Vec::new();
        for row in &self.rows {
            let value = row[i].display();
            match groups.iter_mut().find(|(v, _)| *v == value) {
                Some((_, rows)) => rows.push(row),
                None => groups.push((value, vec![row])),
            }
        }
        groups
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

    /// A terminal table at its natural width, without colour.
    pub fn to_terminal(&self) -> String {
        self.to_terminal_with(TerminalOptions::default())
    }

    /// A terminal table drawn with `options`: fitted to the width, grouped, coloured.
    pub fn to_terminal_with(&self, options: TerminalOptions) -> String {
        let shown = self.columns_shown(options);
        let group = self.group_by.as_deref().and_then(|k| self.column_index(k));
        let shown_in_groups: Vec<usize> = shown.iter().copied().filter(|i| Some(*i) != group).collect();
        let mut text = String::new();
        if group.is_some() && !self.rows.is_empty() {
            for (value, rows) in self.groups() {
                let heading = format!("{} ({})", status_words(&value), rows.len());
                text.push_str(&paint(&heading, Paint::Bold, options.color));
                text.push('\n');
                text.push_str(&self.draw(&shown_in_groups, &rows, options));
                text.push('\n');
            }
            text.pop();
        } else {
            let rows: Vec<&Vec<Cell>> = self.rows.iter().collect();
            text.push_str(&self.draw(&shown, &rows, options));
        }
        let left_out: Vec<&str> =
            (0..self.columns.len()).filter(|i| !shown.contains(i)).map(|i| self.columns[i].1.as_str()).collect();
        if !left_out.is_empty() {
            let note = format!("(left out to fit the terminal: {}; --wide shows every column)", left_out.join(", "));
            for line in wrap_words(&note, options.width.unwrap_or(usize::MAX)) {
                text.push('\n');
                text.push_str(&line);
            }
        }
        text
    }

    /// The columns a terminal of `options.width` shows: every one that fits, leaving out the
    /// low-priority columns (least useful first) while the table is too wide.
    fn columns_shown(&self, options: TerminalOptions) -> Vec<usize> {
        let mut shown: Vec<usize> = (0..self.columns.len()).collect();
        let Some(width) = options.width.filter(|_| !options.wide) else { return shown };
        let natural: Vec<usize> = (0..self.columns.len())
            .map(|i| {
                let header = self.columns[i].1.chars().count();
                self.rows.iter().map(|r| r[i].display().chars().count()).max().unwrap_or(0).max(header)
            })
            .collect();
        let total = |shown: &[usize]| shown.iter().map(|i| natural[*i] + 3).sum::<usize>() + 1;
        let low: Vec<String> = match &self.low_priority {
            Some(keys) => keys.clone(),
            None => USUALLY_LOW_PRIORITY.iter().map(|k| k.to_string()).collect(),
        };
        for key in low.iter().rev() {
            if total(&shown) <= width {
                break;
            }
            if let Some(i) = self.column_index(key)
                && shown.len() > 1
            {
                shown.retain(|c| *c != i);
            }
        }
        // Wrapping narrows text columns, never numbers and dates: when even the narrowest layout
        // is too wide, the rightmost columns go too (the footer names them).
        let never_wrap = |i: usize| {
            self.rows
                .iter()
                .all(|r| matches!(r[i], Cell::Int(_) | Cell::Money(_) | Cell::Percent(_) | Cell::Date(_) | Cell::Empty))
        };
        let narrowest = |i: usize| {
            let values = self.rows.iter().map(|r| r[i].display().chars().count()).max().unwrap_or(0);
            if never_wrap(i) { values.max(4) } else { natural[i].min(10) }
        };
        while shown.len() > 1 && shown.iter().map(|i| narrowest(*i) + 3).sum::<usize>() + 1 > width {
            shown.pop();
        }
        shown
    }

    fn draw(&self, shown: &[usize], rows: &[&Vec<Cell>], options: TerminalOptions) -> String {
        use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Width, presets::UTF8_FULL_CONDENSED};
        let mut t = comfy_table::Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.force_no_tty();
        if options.color {
            t.enforce_styling();
        }
        match options.width.filter(|_| !options.wide) {
            Some(width) => {
                t.set_content_arrangement(ContentArrangement::Dynamic).set_width(width.min(u16::MAX as usize) as u16);
            }
            None => {
                t.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        t.set_header(shown.iter().map(|i| self.columns[*i].1.as_str()));
        let keys: Vec<&str> = shown.iter().map(|i| self.columns[*i].0.as_str()).collect();
        for row in rows {
            t.add_row(shown.iter().zip(&keys).map(|(i, key)| {
                let c = &row[*i];
                let mut cell = comfy_table::Cell::new(crate::text::printable(&c.display()));
                if c.right_aligned() {
                    cell = cell.set_alignment(CellAlignment::Right);
                }
                if options.color
                    && let Some(color) = meaning_color(key, c)
                {
                    cell = cell.fg(color);
                }
                cell
            }));
        }
        // Numbers, dates and codes are never wrapped mid-value: they keep their natural width.
        if options.width.is_some() && !options.wide {
            let keep: Vec<Option<ColumnConstraint>> = shown
                .iter()
                .map(|i| {
                    let never_wrap = rows.iter().all(|r| {
                        matches!(r[*i], Cell::Int(_) | Cell::Money(_) | Cell::Percent(_) | Cell::Date(_) | Cell::Empty)
                    });
                    never_wrap.then_some(ColumnConstraint::LowerBoundary(Width::Fixed(
                        rows.iter()
                            .map(|r| r[*i].display().chars().count())
                            .max()
                            .unwrap_or(0)
                            .max(1)
                            .min(u16::MAX as usize) as u16,
                    )))
                })
                .collect();
            for (column, constraint) in t.column_iter_mut().zip(keep) {
                if let Some(c) = constraint {
                    column.set_constraint(c);
                }
            }
        }
        t.to_string()
    }
}

/// `text` in lines of at most `width` characters, broken between words.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// What a cell's colour says: red for errors, rejections, denials and priority 1; yellow for
/// warnings and priority 2; green for what is settled.
fn meaning_color(key: &str, cell: &Cell) -> Option<comfy_table::Color> {
    use comfy_table::Color;
    match (key, cell) {
        ("priority", Cell::Int(1)) => Some(Color::Red),
        ("priority", Cell::Int(2)) => Some(Color::Yellow),
        ("balanced", Cell::Bool(false)) => Some(Color::Red),
        (_, Cell::Text(s) | Cell::Status(s)) => match s.as_str() {
            "error" | "rejected" | "denied" | "failed" | "unreadable" | "reversed" => Some(Color::Red),
            "warning" | "needs attention" | "partially_paid" | "unmatched" => Some(Color::Yellow),
            "paid" | "accepted" | "clean" | "processed" | "posted" | "imported" => Some(Color::Green),
            "new" => Some(Color::Red),
            _ => None,
        },
        _ => None,
    }
}

/// A text effect for headings and messages on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    Bold,
    Red,
    Yellow,
}

/// `text` with the ANSI effect when `color` is on.
pub fn paint(text: &str, effect: Paint, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match effect {
        Paint::Bold => "1",
        Paint::Red => "31",
        Paint::Yellow => "33",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
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

    #[test]
    fn rates_are_numbers_in_json_and_csv_and_percentages_on_screen() {
        let mut t = Table::new(&[("denial_rate", "Denial rate")]);
        t.push(vec![Cell::Percent(Decimal::new(300, 1))]);
        assert_eq!(t.to_json()[0]["denial_rate"].to_string(), "30.0");
        assert!(t.to_terminal().contains("30.0%"));
        let mut csv = Vec::new();
        t.render(OutputFormat::Csv, &mut csv).unwrap();
        assert_eq!(String::from_utf8(csv).unwrap(), "denial_rate\n30.0\n");
    }

    #[test]
    fn statuses_are_codes_in_json_and_words_on_screen() {
        let mut t = Table::new(&[("status", "Status")]);
        t.push(vec![Cell::Status("partially_paid".into())]);
        assert_eq!(t.to_json()[0]["status"], "partially_paid");
        assert!(t.to_terminal().contains("Partially paid"));
    }

    #[test]
    fn identifiers_a_spreadsheet_would_change_stay_text_in_csv() {
        let mut t = Table::new(&[("trace_number", "Trace"), ("payer_claim_number", "Payer claim"), ("pcn", "PCN")]);
        t.push(vec!["000123".into(), "12345678901234567".into(), "CK1001".into()]);
        let mut csv = Vec::new();
        t.render(OutputFormat::Csv, &mut csv).unwrap();
        let text = String::from_utf8(csv).unwrap();
        assert_eq!(text.lines().nth(1).unwrap(), r#""=""000123""","=""12345678901234567""",CK1001"#);
        assert_eq!(t.to_json()[0]["trace_number"], "000123", "JSON keeps the plain value");
        assert!(!spreadsheet_would_change("123") && !spreadsheet_would_change("0") && spreadsheet_would_change("1E5"));
    }

    #[test]
    fn pages_show_dollars_and_thousands() {
        assert_eq!(dollars(Decimal::new(123456789, 2)), "$1,234,567.89");
        assert_eq!(dollars(Decimal::new(-1250, 2)), "-$12.50");
        assert_eq!(dollars(Decimal::ZERO), "$0.00");
        assert_eq!(Cell::Int(16123).display_for_page(), "16,123");
        assert_eq!(Cell::Int(-1000).display_for_page(), "-1,000");
        assert_eq!(Cell::Int(999).display_for_page(), "999");
    }

    fn wide_table() -> Table {
        let mut t = Table::new(&[
            ("pcn", "PCN"),
            ("detail", "Detail"),
            ("sha256", "SHA-256"),
            ("source_file", "Source file"),
            ("amount", "Amount"),
        ]);
        for i in 0..3 {
            t.push(vec![
                format!("CK{i:04}").into(),
                "a long explanation of what happened to this claim and what to do next about it".into(),
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
                "/var/spool/claimkit/inbox/remittance-2026-11-25.835".into(),
                Decimal::new(1234567, 2).into(),
            ]);
        }
        t
    }

    #[test]
    fn a_narrow_terminal_leaves_out_low_priority_columns_then_wraps_and_says_so() {
        let options = TerminalOptions { width: Some(80), wide: false, color: false };
        let text = wide_table().to_terminal_with(options);
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{} columns: {line}", line.chars().count());
        }
        let drawn: String = text.lines().filter(|l| l.starts_with(['│', '┌', '├', '└'])).collect();
        assert!(!drawn.contains("SHA-256"), "{text}");
        assert!(text.replace('\n', " ").contains("left out to fit the terminal: SHA-256, Source file"), "{text}");
        assert!(text.contains("12345.67"), "money is never wrapped: {text}");
        let wide = wide_table().to_terminal_with(TerminalOptions { width: Some(80), wide: true, color: false });
        assert!(wide.contains("SHA-256") && wide.lines().any(|l| l.chars().count() > 80));
    }

    #[test]
    fn a_table_names_its_own_low_priority_columns() {
        let t = wide_table().low_priority(&["detail"]);
        let text = t.to_terminal_with(TerminalOptions { width: Some(200), wide: false, color: false });
        let drawn: String = text.lines().filter(|l| l.starts_with(['│', '┌', '├', '└'])).collect();
        assert!(!drawn.contains("Detail") && drawn.contains("SHA-256"), "{text}");
    }

    #[test]
    fn colour_only_when_asked() {
        let mut t = Table::new(&[("priority", "Priority"), ("status", "Status")]);
        t.push(vec![1i64.into(), Cell::Status("denied".into())]);
        assert!(!t.to_terminal().contains('\x1b'));
        let coloured = t.to_terminal_with(TerminalOptions { width: None, wide: false, color: true });
        assert!(coloured.contains("\x1b["), "{coloured:?}");
    }

    #[test]
    fn grouped_rows_get_a_heading_per_group_on_screen_and_one_list_in_json() {
        let mut t = Table::new(&[("item", "What"), ("reference", "Ref")]).grouped_by("item");
        t.push(vec!["denied claim".into(), "A".into()]);
        t.push(vec!["held encounter".into(), "B".into()]);
        t.push(vec!["denied claim".into(), "C".into()]);
        let text = t.to_terminal();
        assert!(text.contains("Denied claim (2)") && text.contains("Held encounter (1)"), "{text}");
        assert!(text.find('A') < text.find('C') && text.find('C') < text.find("Held"));
        assert_eq!(t.to_json().as_array().unwrap().len(), 3);
    }
}
