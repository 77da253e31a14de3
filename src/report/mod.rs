//! Reports for billers. Every report builds its rows once as a [`Table`] (grouped in a [`Report`]
//! with optional charts) and renders them as a terminal table, CSV, JSON or a self-contained HTML
//! page by one flag ([`OutputFormat`]).

pub mod claims;
mod document;
pub mod html;
pub mod remittance;
mod scope;
mod table;

pub use document::{Chart, Report, Section};
pub use scope::ReportScope;
pub use table::{Cell, OutputFormat, Table};
