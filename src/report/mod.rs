//! Reports for billers. Every report builds its rows once as a [`Table`] and renders them as a
//! terminal table, CSV or JSON by one flag ([`OutputFormat`]).

mod table;

pub use table::{Cell, OutputFormat, Table};
