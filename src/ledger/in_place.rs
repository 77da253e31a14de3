//! Statements whose text parameters SQLite reads in place.
//!
//! rusqlite binds every text parameter as `SQLITE_TRANSIENT`: SQLite allocates and copies it
//! before the statement runs, and frees it on the next bind. A posting binds 28 values per claim
//! payment (its row is hundreds of bytes of packed service lines), and those copies were a fifth
//! of the posting thread's instructions. An [`InPlaceStatement`] binds them as `SQLITE_STATIC`
//! for the length of one [`InPlaceStatement::execute`], which runs the statement to completion
//! and clears the bindings before it returns: no pointer to the caller's values outlives the call.

use std::ffi::{CStr, c_int};
use std::marker::PhantomData;
use std::ptr::NonNull;

use rusqlite::{Connection, ffi};

/// One parameter value, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum InPlace<'a> {
    Null,
    Integer(i64),
    Text(&'a str),
}

impl<'a> From<&'a str> for InPlace<'a> {
    fn from(s: &'a str) -> Self {
        InPlace::Text(s)
    }
}

impl<'a> From<&'a String> for InPlace<'a> {
    fn from(s: &'a String) -> Self {
        InPlace::Text(s)
    }
}

impl From<i64> for InPlace<'_> {
    fn from(n: i64) -> Self {
        InPlace::Integer(n)
    }
}

impl<'a, T: Into<InPlace<'a>>> From<Option<T>> for InPlace<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(InPlace::Null, Into::into)
    }
}

/// A prepared statement of `conn` that binds its parameters in place (see the module docs). It
/// is tied to its connection's thread like the connection's own statements.
pub struct InPlaceStatement<'c> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    db: NonNull<ffi::sqlite3>,
    _conn: PhantomData<&'c Connection>,
}

impl<'c> InPlaceStatement<'c> {
    /// Prepares `sql` (one statement) on `conn`, to be run many times.
    pub fn prepare(conn: &'c Connection, sql: &str) -> rusqlite::Result<Self> {
        // SAFETY: the handle is the open connection `conn`, which outlives the statement ('c);
        // SQLite reads `sql` (pointer and length) only during the call.
        unsafe {
            let db = NonNull::new(conn.handle()).ok_or(rusqlite::Error::InvalidQuery)?;
            let mut stmt = std::ptr::null_mut();
            let rc = ffi::sqlite3_prepare_v3(
                db.as_ptr(),
                sql.as_ptr().cast(),
                c_int::try_from(sql.len()).map_err(|_| rusqlite::Error::InvalidQuery)?,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                std::ptr::null_mut(),
            );
            if rc != ffi::SQLITE_OK {
                return Err(error(db, rc));
            }
            let stmt = NonNull::new(stmt).ok_or(rusqlite::Error::InvalidQuery)?;
            Ok(InPlaceStatement { stmt, db, _conn: PhantomData })
        }
    }

    /// Binds `params` (?1, ?2, ... in order) without copying them, runs the statement to
    /// completion, and clears the bindings. Returns the number of rows changed.
    pub fn execute(&mut self, params: &[InPlace<'_>]) -> rusqlite::Result<usize> {
        // SAFETY: the statement is live (finalized only on drop); every text pointer bound here
        // is borrowed for this whole call, and the bindings are cleared before it returns, so
        // SQLite never reads one after its value is gone.
        unsafe {
            let stmt = self.stmt.as_ptr();
            if usize::try_from(ffi::sqlite3_bind_parameter_count(stmt)) != Ok(params.len()) {
                return Err(rusqlite::Error::InvalidParameterCount(
                    params.len(),
                    ffi::sqlite3_bind_parameter_count(stmt) as usize,
                ));
            }
            let mut rc = ffi::SQLITE_OK;
            for (i, p) in params.iter().enumerate() {
                let at = i as c_int + 1;
                rc = match *p {
                    // Every parameter is NULL here: after prepare, and after the clear below.
                    InPlace::Null => continue,
                    InPlace::Integer(n) => ffi::sqlite3_bind_int64(stmt, at, n),
                    InPlace::Text(s) => match c_int::try_from(s.len()) {
                        Ok(len) => ffi::sqlite3_bind_text(stmt, at, s.as_ptr().cast(), len, ffi::SQLITE_STATIC()),
                        Err(_) => ffi::SQLITE_TOOBIG,
                    },
                };
                if rc != ffi::SQLITE_OK {
                    break;
                }
            }
            if rc == ffi::SQLITE_OK {
                rc = ffi::sqlite3_step(stmt);
                while rc == ffi::SQLITE_ROW {
                    rc = ffi::sqlite3_step(stmt);
                }
            }
            let result = if rc == ffi::SQLITE_DONE || rc == ffi::SQLITE_OK {
                Ok(ffi::sqlite3_changes64(self.db.as_ptr()) as usize)
            } else {
                Err(error(self.db, rc))
            };
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
            result
        }
    }
}

impl Drop for InPlaceStatement<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement is live and dropped once; its connection outlives it ('c).
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// The connection's error for result code `rc`, as rusqlite reports it.
///
/// # Safety
/// `db` is an open connection.
unsafe fn error(db: NonNull<ffi::sqlite3>, rc: c_int) -> rusqlite::Error {
    // SAFETY: sqlite3_errmsg returns a NUL-terminated string owned by the open connection.
    let message = unsafe {
        let text = ffi::sqlite3_errmsg(db.as_ptr());
        (!text.is_null()).then(|| CStr::from_ptr(text).to_string_lossy().into_owned())
    };
    let code = unsafe { ffi::sqlite3_extended_errcode(db.as_ptr()) };
    rusqlite::Error::SqliteFailure(ffi::Error::new(if code != 0 { code } else { rc }), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT, n INTEGER)")
            .unwrap();
        conn
    }

    #[test]
    fn texts_integers_and_nulls_are_stored_as_bound() {
        let conn = table();
        let mut insert = InPlaceStatement::prepare(&conn, "INSERT INTO t (name, note, n) VALUES (?1, ?2, ?3)").unwrap();
        for i in 0..3i64 {
            // A value made for this call only: it is gone once execute returns.
            let name = format!("claim-{i}");
            let note: Option<&str> = (i == 1).then_some("é and \"quotes\"");
            assert_eq!(insert.execute(&[(&name).into(), note.into(), i.into()]).unwrap(), 1);
        }
        let rows: Vec<(String, Option<String>, i64)> = conn
            .prepare("SELECT name, note, n FROM t ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            rows,
            [
                ("claim-0".into(), None, 0),
                ("claim-1".into(), Some("é and \"quotes\"".into()), 1),
                ("claim-2".into(), None, 2)
            ]
        );
    }

    #[test]
    fn a_constraint_failure_is_an_error_and_the_statement_runs_again_after_it() {
        let conn = table();
        let mut insert = InPlaceStatement::prepare(&conn, "INSERT INTO t (name) VALUES (?1)").unwrap();
        let err = insert.execute(&[InPlace::Null]).unwrap_err();
        assert_eq!(err.sqlite_error_code(), Some(rusqlite::ErrorCode::ConstraintViolation), "{err}");
        assert!(err.to_string().contains("NOT NULL"), "{err}");
        assert_eq!(insert.execute(&["after".into()]).unwrap(), 1);
        let mut update = InPlaceStatement::prepare(&conn, "UPDATE t SET note = ?2 WHERE name = ?1").unwrap();
        assert_eq!(update.execute(&["after".into(), "noted".into()]).unwrap(), 1);
        assert_eq!(update.execute(&["nobody".into(), "noted".into()]).unwrap(), 0);
        assert!(matches!(update.execute(&["after".into()]), Err(rusqlite::Error::InvalidParameterCount(1, 2))));
    }

    #[test]
    fn bad_sql_is_an_error_not_a_statement() {
        let conn = table();
        let err = InPlaceStatement::prepare(&conn, "INSERT INTO nowhere VALUES (?1)").err().unwrap();
        assert!(err.to_string().contains("nowhere"), "{err}");
    }
}
