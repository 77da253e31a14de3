//! Self-contained HTML pages: inline CSS and inline SVG charts, no scripts, no external assets, so
//! the page opens offline and can be mailed to the practice manager as one file.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::document::{Chart, Report};
use super::table::Table;

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1f2933}\
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem}.scope{color:#52606d;margin-top:0}\
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{padding:.3rem .7rem;border-bottom:1px solid #d9e2ec}\
th{background:#f0f4f8;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}\
.chart{margin:.5rem 0}.chart text{font-size:12px;fill:#334e68}footer{margin-top:2rem;color:#829ab1;font-size:.8rem}";

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
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1><p class=\"scope\">{}</p>\n",
        escape(&report.title),
        escape(&report.title),
        escape(&report.scope)
    );
    for section in &report.sections {
        if let Some(title) = &section.table.title {
            let _ = writeln!(html, "<h2>{}</h2>", escape(title));
        }
        if let Some(chart) = &section.chart {
            html.push_str(&bar_chart(chart));
        }
        html.push_str(&table(&section.table));
    }
    html.push_str("<footer>claimkit report (synthetic or practice data; contains no scripts)</footer></body></html>\n");
    html
}

/// A table as HTML.
pub fn table(t: &Table) -> String {
    let mut html = String::from("<table><thead><tr>");
    for (_, label) in t.columns() {
        let _ = write!(html, "<th>{}</th>", escape(label));
    }
    html.push_str("</tr></thead><tbody>\n");
    for row in t.rows() {
        html.push_str("<tr>");
        for cell in row {
            let class = if cell.right_aligned() { " class=\"num\"" } else { "" };
            let _ = write!(html, "<td{class}>{}</td>", escape(&cell.display()));
        }
        html.push_str("</tr>\n");
    }
    if t.is_empty() {
        let _ = write!(html, "<tr><td colspan=\"{}\">(none)</td></tr>", t.columns().len().max(1));
    }
    html.push_str("</tbody></table>\n");
    html
}

/// A horizontal bar chart as inline SVG.
pub fn bar_chart(chart: &Chart) -> String {
    const LABEL_W: f64 = 170.0;
    const BAR_W: f64 = 360.0;
    const ROW_H: f64 = 22.0;
    let max = chart.bars.iter().map(|(_, v)| v.abs()).max().unwrap_or(Decimal::ZERO);
    let height = ROW_H * chart.bars.len() as f64 + 30.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<div class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        LABEL_W + BAR_W + 110.0,
        escape(&chart.title)
    );
    let _ = write!(svg, "<text x=\"0\" y=\"14\" font-weight=\"bold\">{}</text>", escape(&chart.title));
    for (i, (label, value)) in chart.bars.iter().enumerate() {
        let y = 24.0 + i as f64 * ROW_H;
        let share = if max.is_zero() { 0.0 } else { (value.abs() / max).to_f64().unwrap_or(0.0) };
        let w = (share * BAR_W).max(if value.is_zero() { 0.0 } else { 1.0 });
        let shown = if chart.money { format!("${value:.2}") } else { value.normalize().to_string() };
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{:.0}\">{}</text><rect x=\"{LABEL_W}\" y=\"{:.0}\" width=\"{w:.1}\" height=\"{:.0}\" fill=\"#2f80ed\"/><text x=\"{:.1}\" y=\"{:.0}\">{}</text>",
            y + 14.0,
            escape(label),
            y + 3.0,
            ROW_H - 6.0,
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
    use crate::report::Cell;

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
        for external in ["<script", "http://", "https://", "<link"] {
            let stripped = html.replace("http://www.w3.org/2000/svg", "");
            assert!(!stripped.contains(external), "page must not reference {external}");
        }
    }
}
