//! Rendering reports and bare tables in each output format: a terminal table, JSON, CSV or a
//! self-contained HTML page. It stands above the report's parts (document, table, html), which
//! know nothing of each other's formats.

use std::io::Write;

use super::document::Report;
use super::html;
use super::table::{OutputFormat, Paint, Table, paint, terminal, wrap_words};

impl Report {
    /// Renders in `format` to `out` (CSV: the first section, so the file stays one rectangular
    /// table).
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
                let options = terminal();
                writeln!(out, "{}", paint(&self.title, Paint::Bold, options.color))?;
                let about: Vec<String> =
                    self.practice.iter().cloned().chain([self.scope.clone()]).chain(self.generated_line()).collect();
                for line in wrap_words(&about.join("; "), options.width.unwrap_or(usize::MAX)) {
                    writeln!(out, "{line}")?;
                }
                writeln!(out)?;
                for s in &self.sections {
                    if let Some(heading) = self.section_heading(s) {
                        writeln!(out, "{}", paint(heading, Paint::Bold, options.color))?;
                    }
                    writeln!(out, "{}\n", s.table.to_terminal_with(options))?;
                }
                Ok(())
            }
        }
    }
}

impl Table {
    /// Renders in `format` to `out`.
    pub fn render(&self, format: OutputFormat, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            OutputFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &self.to_json())?;
                writeln!(out)
            }
            OutputFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(self.columns().iter().map(|(k, _)| k.as_str())).map_err(std::io::Error::other)?;
                for row in self.rows() {
                    // Control characters (a file name's escape sequence) are escaped: CSV lands
                    // on terminals too.
                    w.write_record(row.iter().map(|c| crate::text::printable(&c.csv()).into_owned()))
                        .map_err(std::io::Error::other)?;
                }
                w.flush()
            }
            OutputFormat::Html => {
                let report = Report::new("table", self.title.as_deref().unwrap_or("claimkit"), "").section(
                    "rows",
                    self.clone(),
                    None,
                );
                out.write_all(html::page(&report).as_bytes())
            }
            OutputFormat::Table => {
                if let Some(title) = &self.title {
                    writeln!(out, "{}", paint(title, Paint::Bold, terminal().color))?;
                }
                writeln!(out, "{}", self.to_terminal_with(terminal()))
            }
        }
    }
}
