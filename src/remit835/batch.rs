//! Buffered ledger writes for 835 posting: the rows of many claims go to SQLite in multi-row
//! statements (`INSERT ... VALUES (..), (..)`, `UPDATE ... FROM (VALUES (..), (..))`) instead of
//! one statement per row. A 100,000-claim 835 is ~900,000 rows; one statement each costs more than
//! the B-tree writes themselves.
//!
//! ```text
//! INSERT INTO claim_payments (id, remittance_id, clp01, ...) VALUES (?, ?, ?, ...), (?, ?, ?, ...)
//! UPDATE claims SET paid_amount = v.column3 ... FROM (VALUES (?, ?, ?), ...) AS v WHERE claims.pcn = v.column1
//! ```
//!
//! The poster flushes the buffers (in parent-before-child order) before it reads anything a
//! buffered write could change, so reads always see every earlier posting of the same file.

use rusqlite::Transaction;
use rusqlite::types::Value;

/// Rows per multi-row statement (SQLite allows 32,766 parameters; the widest row here has 19).
const ROWS_PER_STATEMENT: usize = 64;

/// The rows of one statement shape waiting to be written.
pub(super) struct RowBuffer {
    /// The statement with `{values}` where the `(?, ?), (?, ?)` list goes.
    template: &'static str,
    columns: usize,
    values: Vec<Value>,
    /// The statement for a full chunk, built once.
    full_sql: String,
}

impl RowBuffer {
    pub(super) fn new(template: &'static str, columns: usize) -> Self {
        let full_sql = Self::sql(template, columns, ROWS_PER_STATEMENT);
        RowBuffer { template, columns, values: Vec::new(), full_sql }
    }

    fn sql(template: &str, columns: usize, rows: usize) -> String {
        let row = format!("({})", vec!["?"; columns].join(", "));
        template.replace("{values}", &vec![row.as_str(); rows].join(", "))
    }

    /// Adds one row; `row` must have exactly `columns` values.
    pub(super) fn push<const N: usize>(&mut self, row: [Value; N]) {
        debug_assert_eq!(N, self.columns);
        self.values.extend(row);
    }

    /// Writes every buffered row, in the order they were pushed.
    pub(super) fn flush(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        if self.values.is_empty() {
            return Ok(());
        }
        let per_statement = self.columns * ROWS_PER_STATEMENT;
        for chunk in self.values.chunks(per_statement) {
            let rows = chunk.len() / self.columns;
            if rows == ROWS_PER_STATEMENT {
                tx.prepare_cached(&self.full_sql)?.execute(rusqlite::params_from_iter(chunk.iter()))?;
            } else {
                tx.prepare(&Self::sql(self.template, self.columns, rows))?
                    .execute(rusqlite::params_from_iter(chunk.iter()))?;
            }
        }
        self.values.clear();
        Ok(())
    }
}

/// Text value.
pub(super) fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// Text or NULL.
pub(super) fn opt_text(s: Option<&str>) -> Value {
    s.map_or(Value::Null, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_beyond_one_statement_are_all_written_in_order() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, note TEXT)").unwrap();
        let tx = conn.transaction().unwrap();
        let mut buffer = RowBuffer::new("INSERT INTO t (id, name, note) VALUES {values}", 3);
        let total = ROWS_PER_STATEMENT as i64 * 2 + 5;
        for i in 0..total {
            buffer.push([Value::Integer(i), text(&format!("n{i}")), opt_text(None)]);
        }
        buffer.flush(&tx).unwrap();
        buffer.flush(&tx).unwrap();
        let (count, last): (i64, String) = tx
            .query_row("SELECT COUNT(*), MAX(name) FILTER (WHERE id = ?1) FROM t", [total - 1], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((count, last.as_str()), (total, format!("n{}", total - 1).as_str()));
    }

    #[test]
    fn an_update_from_values_changes_only_the_listed_rows() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT); INSERT INTO t VALUES ('a', '0'), ('b', '0'), ('c', '0');",
        )
        .unwrap();
        let tx = conn.transaction().unwrap();
        let mut buffer =
            RowBuffer::new("UPDATE t SET v = x.column2 FROM (VALUES {values}) AS x WHERE t.k = x.column1", 2);
        buffer.push([text("a"), text("1")]);
        buffer.push([text("c"), text("3")]);
        buffer.flush(&tx).unwrap();
        let all: String = tx.query_row("SELECT group_concat(k || v, ',') FROM t ORDER BY k", [], |r| r.get(0)).unwrap();
        assert_eq!(all, "a1,b0,c3");
    }
}
