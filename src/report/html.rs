//! Self-contained HTML pages: inline CSS and inline SVG charts, no scripts, no external assets, so
//! the page opens offline and can be mailed to the practice manager as one file.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::document::{Chart, Report};
use super::table::{Cell, Table, dollars, status_words};

/// Screen and print styles. Tables of many columns (class `wide`) become one labelled card per
/// row where a page is too narrow for them (print on letter paper, a narrow window), so nothing
/// runs off the right edge; rows never split across printed pages.
const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1f2933;max-width:100%}\
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem}h3{font-size:1rem;margin:1.2rem 0 .3rem}\
.scope{color:#52606d;margin-top:0}\
table{border-collapse:collapse;margin:.5rem 0 1rem;max-width:100%}th,td{padding:.3rem .6rem;border-bottom:1px solid #d9e2ec;vertical-align:top}\
th{background:#f0f4f8;text-align:left}td{overflow-wrap:anywhere}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
table.wide{font-size:.8rem}table.wide th,table.wide td{padding:.25rem .4rem}\
.chart{margin:.5rem 0;max-width:100%}.chart svg{max-width:100%;height:auto}.chart text{font-size:12px;fill:#334e68}\
footer{margin-top:2rem;color:#829ab1;font-size:.8rem}\
@media (max-width:1400px){table.wide,table.wide tbody{display:block}table.wide thead{display:none}\
table.wide tr{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:0 .8rem;border-bottom:2px solid #bcccdc;padding:.4rem 0}\
table.wide td{border:0;display:block;text-align:left}table.wide td.num{text-align:left}\
table.wide td::before{content:attr(data-label);display:block;font-size:.7rem;color:#627d98}}\
@page{size:letter;margin:.5in}\
@media print{body{margin:0;font-size:10pt}h2{break-after:avoid}tr,.chart{break-inside:avoid}thead{display:table-header-group}\
table{width:100%}table.wide,table.wide tbody{display:block}table.wide thead{display:none}\
table.wide tr{display:grid;grid-template-columns:repeat(4,1fr);gap:0 .6rem;border-bottom:2px solid #bcccdc;padding:.3rem 0}\
table.wide td{border:0;display:block;text-align:left}table.wide td.num{text-align:left}\
table.wide td::before{content:attr(data-label);display:block;font-size:7pt;color:#627d98}}";

/// Tables with more columns than this are reflowed into cards on narrow pages.
const WIDE_COLUMNS: usize = 8;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The whole report as one HTML page.
pub fn page(report: &Report) -> String {
    let mut html = String::new();
    let about: Vec<String> = report.practice.iter().cloned().chain([report.scope.clone()]).collect();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1><p class=\"scope\">{}</p>\n",
        escape(&report.title),
        escape(&report.title),
        escape(&about.join(" · "))
    );
    for section in &report.sections {
        if let Some(title) = report.section_heading(section) {
            let _ = writeln!(html, "<h2>{}</h2>", escape(title));
        }
        if let Some(chart) = &section.chart {
            html.push_str(&bar_chart(chart));
        }
        html.push_str(&table(&section.table));
    }
    let generated = report.generated_line().map(|g| format!("{g}; ")).unwrap_or_default();
    let _ = writeln!(
        html,
        "<footer>claimkit report, {}(synthetic or practice data; contains no scripts)</footer></body></html>",
        escape(&generated)
    );
    html
}

/// A table as HTML: one table, or one per group (with a heading) when the table is grouped.
pub fn table(t: &Table) -> String {
    let group = t.group_key().and_then(|k| t.column_index(k));
    if group.is_none() || t.is_empty() {
        let rows: Vec<&Vec<Cell>> = t.rows().iter().collect();
        return rows_table(t, &rows, None);
    }
    let mut html = String::new();
    for (value, rows) in t.groups() {
        let _ = writeln!(html, "<h3>{} ({})</h3>", escape(&status_words(&value)), rows.len());
        html.push_str(&rows_table(t, &rows, group));
    }
    html
}

fn rows_table(t: &Table, rows: &[&Vec<Cell>], skip: Option<usize>) -> String {
    let shown: Vec<usize> = (0..t.columns().len()).filter(|i| Some(*i) != skip).collect();
    let class = if shown.len() > WIDE_COLUMNS { " class=\"wide\"" } else { "" };
    let mut html = format!("<table{class}><thead><tr>");
    for i in &shown {
        let _ = write!(html, "<th>{}</th>", escape(&t.columns()[*i].1));
    }
    html.push_str("</tr></thead><tbody>\n");
    for row in rows {
        html.push_str("<tr>");
        for i in &shown {
            let cell = &row[*i];
            let class = if cell.right_aligned() { " class=\"num\"" } else { "" };
            let label = escape(&t.columns()[*i].1);
            let _ = write!(html, "<td{class} data-label=\"{label}\">{}</td>", escape(&cell.display_for_page()));
        }
        html.push_str("</tr>\n");
    }
    if rows.is_empty() {
        let _ = write!(html, "<tr><td colspan=\"{}\">(none)</td></tr>", shown.len().max(1));
    }
    html.push_str("</tbody></table>\n");
    html
}

/// The colour a bar gets from what its label means: red for denials, rejections and old debt,
/// green for money received and settled claims, amber for what is partly settled, blue otherwise.
pub fn bar_color(chart: &Chart, label: &str) -> &'static str {
    const RED: &str = "#d64545";
    const GREEN: &str = "#3f9142";
    const AMBER: &str = "#e09f3e";
    const BLUE: &str = "#2f80ed";
    let title = chart.title.to_ascii_lowercase();
    if title.contains("denied") || title.contains("denial") {
        return RED;
    }
    if title.contains("paid") || title.contains("payments") {
        return GREEN;
    }
    match label {
        "paid" => GREEN,
        "partially_paid" | "reversed" | "forwarded" => AMBER,
        "denied" | "rejected" | "voided" => RED,
        "0-30" => "#7bc47f",
        "31-60" => "#f0b429",
        "61-90" => "#de911d",
        "91-120" => "#e12d39",
        "120+" => "#8a041a",
        _ => BLUE,
    }
}

/// A horizontal bar chart as inline SVG (it scales down to the page's width).
pub fn bar_chart(chart: &Chart) -> String {
    const LABEL_W: f64 = 170.0;
    const BAR_W: f64 = 360.0;
    const ROW_H: f64 = 22.0;
    let max = chart.bars.iter().map(|(_, v)| v.abs()).max().unwrap_or(Decimal::ZERO);
    let height = ROW_H * chart.bars.len() as f64 + 30.0;
    let width = LABEL_W + BAR_W + 110.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<div class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        escape(&chart.title)
    );
    let _ = write!(svg, "<text x=\"0\" y=\"14\" font-weight=\"bold\">{}</text>", escape(&chart.title));
    for (i, (label, value)) in chart.bars.iter().enumerate() {
        let y = 24.0 + i as f64 * ROW_H;
        let share = if max.is_zero() { 0.0 } else { (value.abs() / max).to_f64().unwrap_or(0.0) };
        let w = (share * BAR_W).max(if value.is_zero() { 0.0 } else { 1.0 });
        let shown =
            if chart.money { dollars(*value) } else { Cell::Int(value.to_i64().unwrap_or(0)).display_for_page() };
        let shown = if chart.money || value.fract().is_zero() { shown } else { value.normalize().to_string() };
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{:.0}\">{}</text><rect x=\"{LABEL_W}\" y=\"{:.0}\" width=\"{w:.1}\" height=\"{:.0}\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.0}\">{}</text>",
            y + 14.0,
            escape(&status_words(label)),
            y + 3.0,
            ROW_H - 6.0,
            bar_color(chart, label),
            LABEL_W + w + 6.0,
            y + 14.0,
            escape(&shown)
        );
    }
    svg.push_str("</svg></div>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_self_contained_and_escaped() {
        let mut t = Table::new(&[("payer", "Payer"), ("paid", "Paid")]).with_title("Paid <by> payer");
        t.push(vec![Cell::from("A&B Health"), Cell::Money(Decimal::new(1000, 2))]);
        let chart =
            Chart { title: "Paid".into(), bars: vec![("A&B Health".into(), Decimal::new(1000, 2))], money: true };
        let report = Report::new("payers", "Payers", "all dates").section("by_payer", t, Some(chart));
        let html = page(&report);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("A&amp;B Health") && html.contains("Paid &lt;by&gt; payer"));
        assert!(html.contains("<svg") && html.contains("$10.00"));
        assert!(html.contains("fill=\"#3f9142\""), "money paid is drawn green");
        for external in ["<script", "http://", "https://", "<link"] {
            let stripped = html.replace("http://www.w3.org/2000/svg", "");
            assert!(!stripped.contains(external), "page must not reference {external}");
        }
    }

    #[test]
    fn pages_show_dollars_words_and_reflow_wide_tables() {
        let keys: Vec<(String, String)> = (0..12).map(|i| (format!("c{i}"), format!("Column {i}"))).collect();
        let columns: Vec<(&str, &str)> = keys.iter().map(|(k, l)| (k.as_str(), l.as_str())).collect();
        let mut t = Table::new(&columns);
        let mut row: Vec<Cell> = (0..10).map(|i| Cell::Int(i * 1000)).collect();
        row.push(Cell::Money(Decimal::new(123456, 2)));
        row.push(Cell::Status("partially_paid".into()));
        t.push(row);
        let html = table(&t);
        assert!(html.starts_with("<table class=\"wide\">"));
        assert!(html.contains("data-label=\"Column 10\">$1,234.56</td>") && html.contains(">9,000<"));
        assert!(html.contains(">Partially paid<"));
    }
}
