//! Versioned schema. Each migration is an SQL file under `migrations/`, applied once, in order,
//! inside one transaction with its row in `schema_migrations`. Never edit a migration that has
//! shipped: add the next one.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use super::{LedgerError, Result};

/// (version, name, SQL), in order.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("migrations/0001_foundation.sql")),
    (2, "billing", include_str!("migrations/0002_billing.sql")),
    (3, "code_imports", include_str!("migrations/0003_code_imports.sql")),
    (4, "remittances", include_str!("migrations/0004_remittances.sql")),
    (5, "lean_postings", include_str!("migrations/0005_lean_postings.sql")),
    (6, "acks", include_str!("migrations/0006_acks.sql")),
    (7, "build_speed", include_str!("migrations/0007_build_speed.sql")),
    (8, "import_order_build", include_str!("migrations/0008_import_order_build.sql")),
    (9, "claim_state_from_postings", include_str!("migrations/0009_claim_state_from_postings.sql")),
    (10, "remittance_claim_payment_range", include_str!("migrations/0010_remittance_claim_payment_range.sql")),
    (11, "checks_without_in_lists", include_str!("migrations/0011_checks_without_in_lists.sql")),
    (12, "posting_lookup_indexes", include_str!("migrations/0012_posting_lookup_indexes.sql")),
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )?;
    let current: i64 = conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
    if current > latest_version() {
        return Err(LedgerError::SchemaTooNew {
            path: path.to_path_buf(),
            found: current,
            supported: latest_version(),
        });
    }
    // Every migration not applied yet, even one numbered below the newest applied: versions are
    // assigned per feature, and a feature may land after a later-numbered one.
    let applied: Vec<i64> = {
        let mut stmt = conn.prepare("SELECT version FROM schema_migrations")?;
        stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| !applied.contains(&m.0)) {
        // A migration that rebuilds a table other tables reference runs with foreign keys off (the
        // only way SQLite lets a parent table be replaced), and proves them intact before commit.
        let rebuilds_parents = sql.starts_with(FOREIGN_KEYS_OFF);
        let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        if rebuilds_parents {
            conn.execute_batch("PRAGMA foreign_keys = OFF")?;
        }
        let result = apply(conn, *version, name, sql, rebuilds_parents);
        if rebuilds_parents && enforced {
            conn.execute_batch("PRAGMA foreign_keys = ON")?;
        }
        result?;
    }
    Ok(())
}

/// The first line of a migration that must run with foreign keys off.
const FOREIGN_KEYS_OFF: &str = "-- claimkit: foreign-keys-off";

/// The first line of a migration that rewrites table definitions in `sqlite_master` (constraints
/// only, nothing stored changes: SQLite's procedure for changing a constraint without copying the
/// table).
const WRITABLE_SCHEMA: &str = "-- claimkit: writable-schema";

/// Runs one migration's SQL in `tx`.
fn run(tx: &rusqlite::Transaction<'_>, sql: &str) -> Result<()> {
    if sql.starts_with(WRITABLE_SCHEMA) { rewrite_schema(tx, sql) } else { Ok(tx.execute_batch(sql)?) }
}

/// Runs `sql` with writable_schema on, bumps the schema version (so that every connection reads
/// the definitions anew), and reads every table's definition back: a definition SQLite cannot
/// parse fails the migration, whose transaction then rolls back, instead of leaving a ledger no
/// one can open.
fn rewrite_schema(tx: &rusqlite::Transaction<'_>, sql: &str) -> Result<()> {
    let version: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
    tx.execute_batch("PRAGMA writable_schema = ON")?;
    let rewritten = tx.execute_batch(sql);
    let bumped = tx.execute_batch(&format!("PRAGMA schema_version = {}", version + 1));
    tx.execute_batch("PRAGMA writable_schema = OFF")?;
    rewritten?;
    bumped?;
    let tables: Vec<String> = {
        let mut stmt =
            tx.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?;
        stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    for table in tables {
        tx.prepare(&format!("SELECT * FROM \"{}\" LIMIT 0", table.replace('"', "\"\"")))?;
    }
    Ok(())
}

fn apply(conn: &mut Connection, version: i64, name: &str, sql: &str, check_foreign_keys: bool) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Another process may have migrated while we waited for the write lock.
    let done: i64 =
        tx.query_row("SELECT COUNT(*) FROM schema_migrations WHERE version = ?1", [version], |r| r.get(0))?;
    if done == 0 {
        run(&tx, sql)?;
        if check_foreign_keys {
            let broken: Option<String> = tx
                .query_row("SELECT \"table\" || ' -> ' || parent FROM pragma_foreign_key_check LIMIT 1", [], |r| {
                    r.get(0)
                })
                .optional()?;
            if let Some(which) = broken {
                return Err(LedgerError::Corrupt(format!(
                    "migration {version} ({name}) would leave a broken reference ({which}); nothing was changed"
                )));
            }
        }
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![version, name, super::now_timestamp()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_in_increasing_version_order() {
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "migration {} must come before {}", pair[0].1, pair[1].1);
        }
    }

    /// An in-memory ledger with just the migrations `applied` keeps, recorded as applied.
    fn ledger_with_migrations(applied: impl Fn(i64) -> bool) -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        conn.execute_batch("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            .unwrap();
        for (version, name, sql) in MIGRATIONS.iter().filter(|m| applied(m.0)) {
            let tx = conn.transaction().unwrap();
            run(&tx, sql).unwrap();
            tx.execute("INSERT INTO schema_migrations VALUES (?1, ?2, 't')", rusqlite::params![version, name]).unwrap();
            tx.commit().unwrap();
        }
        conn
    }

    #[test]
    fn a_migration_numbered_below_the_newest_applied_one_still_applies() {
        // A ledger that got every migration but the second-newest (it landed later).
        let late = MIGRATIONS[MIGRATIONS.len() - 2].0;
        let mut conn = ledger_with_migrations(|version| version != late);
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        let applied: i64 = conn.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(applied, MIGRATIONS.len() as i64);
    }

    #[test]
    fn a_claim_posted_before_migration_9_reads_the_same_through_the_view() {
        let mut conn = ledger_with_migrations(|version| version < 9);
        // C1 was posted twice (its claims row holds what the second posting left, the CLP07 of
        // the first); C2 was only acknowledged.
        conn.execute_batch(
            "INSERT INTO encounters (id, payer_id, patient_id, total_charge, line_count, content_hash, encounter_json,
                 source_format, source_file, source_locator, imported_at, updated_at)
             VALUES ('E1', 'P1', 'PAT1', '150.00', 1, 'h', '{}', 'csv', 'e.csv', 'line 2', 't', 't');
             INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, encounter_hash, patient_id,
                 first_dos, last_dos, total_charge, status, payer_claim_number, paid_amount, patient_responsibility,
                 submitted_at, updated_at)
             VALUES ('C1', 'E1', 'P1', 'P', '1', 'h', 'PAT1', '2026-11-01', '2026-11-01', '150.00', 'paid',
                     'PAY1', '110.00', '20.00', '2026-11-02T00:00:00Z', '2026-11-20T00:00:00Z'),
                    ('C2', 'E1', 'P1', 'S', '1', 'h', 'PAT1', '2026-11-01', '2026-11-01', '150.00', 'accepted',
                     'ACK2', '0.00', '0.00', '2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z');
             INSERT INTO claim_lines (pcn, line_number, line_control_number, procedure_code, modifiers, units, charge,
                 date_of_service)
             VALUES ('C1', 1, 'C1-1', '99213', '', '1', '150.00', '2026-11-01');
             INSERT INTO remittances (id, source_file, sha256, isa13, gs06, st02, payer_id, payer_name, payee_name,
                 trace_number, trace_originator, total_paid, credit_debit, method, posted_at)
             VALUES (1, 'a.835', 'x', '1', '1', '0001', 'P1', 'Payer', 'Clinic', 'T1', '1', '50.00', 'C', 'ACH',
                     '2026-11-10T00:00:00Z'),
                    (2, 'b.835', 'y', '2', '2', '0001', 'P1', 'Payer', 'Clinic', 'T2', '1', '60.00', 'C', 'ACH',
                     '2026-11-20T00:00:00Z');
             INSERT INTO claim_payments (id, remittance_id, clp01, matched_pcn, match_method, status_code, charge, paid,
                 patient_responsibility, filing_indicator, payer_claim_number, claim_status_after, segment, event_seq,
                 claim_paid_after)
             VALUES (1, 1, 'C1', 'C1', 'pcn', '1', '150.00', '50.00', '20.00', '12', 'PAY1', 'partially_paid', 9, 0,
                     '50.00'),
                    (2, 2, 'C1', 'C1', 'pcn', '1', '150.00', '60.00', '0.00', '12', NULL, 'paid', 9, 0, '110.00');",
        )
        .unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        let rows = |sql: &str| -> Vec<String> {
            let mut stmt = conn.prepare(sql).unwrap();
            stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
        };
        assert_eq!(
            rows(
                "SELECT pcn || '|' || status || '|' || paid_amount || '|' || patient_responsibility || '|'
                     || payer_claim_number || '|' || updated_at FROM claims ORDER BY pcn"
            ),
            ["C1|paid|110.00|20.00|PAY1|2026-11-20T00:00:00Z", "C2|accepted|0.00|0.00|ACK2|2026-11-03T00:00:00Z"]
        );
        // The claims' children now reference the table, which the view reads.
        assert_eq!(rows("SELECT \"table\" FROM pragma_foreign_key_list('claim_lines')"), ["billed_claims"]);
        assert_eq!(rows("SELECT type FROM sqlite_schema WHERE name = 'claims'"), ["view"]);
        assert_eq!(rows("SELECT kind FROM claim_history WHERE pcn = 'C1' ORDER BY seq, sub"), ["payment", "payment"]);
        assert!(rows("SELECT \"table\" FROM pragma_foreign_key_check").is_empty());
    }

    #[test]
    fn migration_10_gives_each_remittance_the_id_range_of_its_claim_payments() {
        let mut conn = ledger_with_migrations(|version| version < 10);
        conn.execute_batch(
            "INSERT INTO remittances (id, source_file, sha256, isa13, gs06, st02, payer_id, payer_name, payee_name,
                 trace_number, trace_originator, total_paid, credit_debit, method, posted_at)
             VALUES (1, 'a.835', 'x', '1', '1', '0001', 'P1', 'Payer', 'Clinic', 'T1', '1', '0.00', 'C', 'ACH', 't'),
                    (2, 'a.835', 'x', '1', '1', '0002', 'P1', 'Payer', 'Clinic', 'T2', '1', '0.00', 'C', 'ACH', 't'),
                    (3, 'b.835', 'y', '2', '2', '0001', 'P2', 'Payer', 'Clinic', 'T3', '1', '0.00', 'C', 'ACH', 't');
             INSERT INTO claim_payments (id, remittance_id, clp01, status_code, charge, paid, patient_responsibility,
                 filing_indicator, segment)
             VALUES (5, 1, 'A', '1', '1.00', '0.00', '0.00', '12', 9), (6, 1, 'B', '1', '1.00', '0.00', '0.00', '12', 9),
                    (7, 2, 'C', '1', '1.00', '0.00', '0.00', '12', 9);",
        )
        .unwrap();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        let ranges: Vec<(i64, Option<i64>, Option<i64>)> = conn
            .prepare("SELECT id, first_claim_payment_id, last_claim_payment_id FROM remittances ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(ranges, [(1, Some(5), Some(6)), (2, Some(7), Some(7)), (3, None, None)]);
        let index: i64 = conn
            .query_row("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'claim_payments_remittance'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(index, 0);
    }

    /// The tables of a ledger, but SQLite's own and the migrations' record.
    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn no_table_checks_a_row_it_stores_through_a_temporary_b_tree() {
        // A CHECK (col IN ('a', 'b', 'c')) builds a temporary B-tree at every run of an INSERT:
        // acknowledging a 277CA of 48,000 claims took 5.2 s with them (migration 11).
        let conn = ledger_with_migrations(|_| true);
        let tables = tables(&conn);
        assert!(tables.len() > 20, "{tables:?}");
        for table in tables {
            let sql = format!("INSERT INTO \"{table}\" DEFAULT VALUES");
            assert_eq!(crate::ledger::temporary_b_trees(&conn, &sql), Vec::<String>::new(), "{table}");
        }
    }

    #[test]
    fn migration_11_keeps_every_row_and_every_rule() {
        let mut conn = ledger_with_migrations(|version| version < 11);
        conn.execute_batch(
            "INSERT INTO encounters (id, payer_id, patient_id, total_charge, line_count, content_hash, encounter_json,
                 source_format, source_file, source_locator, imported_at, updated_at, scrub_status)
             VALUES ('E1', 'P1', 'PAT1', '150.00', 1, 'h', '{}', 'hl7v2', 'e.hl7', 'msg 1', 't', 't', 'warning');
             INSERT INTO acknowledgments (kind, source_file, file_sha256, reference, verdict, codes, detail, received_at)
             VALUES ('277CA', 'a.277', 'x', 'C1', 'accepted_with_errors', 'A2:20', 'd', 't');
             INSERT INTO code_mue (code, units, adjudication_indicator, rationale) VALUES ('99213', 1, 3, 'r');",
        )
        .unwrap();
        let before: Vec<String> = tables(&conn);
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(tables(&conn), before);
        let one = |sql: &str| -> String { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(one("SELECT source_format || scrub_status FROM encounters"), "hl7v2warning");
        assert_eq!(one("SELECT kind || verdict FROM acknowledgments"), "277CAaccepted_with_errors");
        assert_eq!(one("SELECT code FROM code_mue WHERE adjudication_indicator = 3"), "99213");
        assert_eq!(one("PRAGMA integrity_check"), "ok");
        let definitions = one("SELECT group_concat(sql, ' ') FROM sqlite_schema WHERE type = 'table'");
        assert!(!definitions.contains("verdict IN") && definitions.contains("verdict = 'other'"), "{definitions}");
        // The rules hold as before: a value outside the list is refused, NULL where allowed is not.
        for bad in [
            "INSERT INTO acknowledgments (kind, source_file, file_sha256, reference, verdict, codes, detail, received_at)
             VALUES ('277CA', 'a', 'x', 'C1', 'maybe', '', '', 't')",
            "INSERT INTO acknowledgments (kind, source_file, file_sha256, reference, verdict, codes, detail, received_at)
             VALUES ('835', 'a', 'x', 'C1', 'other', '', '', 't')",
            "INSERT INTO code_mue (code, units, adjudication_indicator, rationale) VALUES ('99214', 1, 4, 'r')",
            "UPDATE encounters SET scrub_status = 'dirty'",
        ] {
            let refused = conn.execute(bad, []).unwrap_err().to_string();
            assert!(refused.contains("CHECK constraint failed"), "{bad}: {refused}");
        }
        conn.execute("UPDATE encounters SET scrub_status = NULL", []).unwrap();
    }

    #[test]
    fn another_connection_to_the_ledger_reads_the_rewritten_definitions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .unwrap();
        for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 < 11) {
            apply(&mut conn, *version, name, sql, false).unwrap();
        }
        let other = Connection::open(&path).unwrap();
        let insert = "INSERT INTO acknowledgments (kind, source_file, file_sha256, reference, verdict, codes, detail,
            received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
        assert!(!crate::ledger::temporary_b_trees(&other, insert).is_empty());
        migrate(&mut conn, &path).unwrap();
        // The schema version moved: the other connection's next statement reads the definitions
        // again (EXPLAIN alone would show what it had).
        let rows: i64 = other.query_row("SELECT COUNT(*) FROM acknowledgments", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 0);
        assert_eq!(crate::ledger::temporary_b_trees(&other, insert), Vec::<String>::new());
    }

    /// A ledger written before migration 5: postings as one row per line, adjustment and remark.
    fn ledger_before_lean_postings() -> Connection {
        let conn = ledger_with_migrations(|version| version < 5);
        conn.execute_batch(
            "INSERT INTO encounters (id, payer_id, patient_id, total_charge, line_count, content_hash, encounter_json,
                 source_format, source_file, source_locator, imported_at, updated_at)
             VALUES ('E1', 'P1', 'PAT1', '150.00', 2, 'h', '{}', 'csv', 'e.csv', 'line 2', 't', 't');
             INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, encounter_hash, patient_id,
                 first_dos, last_dos, total_charge, status, payer_claim_number, paid_amount, submitted_at, updated_at)
             VALUES ('C1', 'E1', 'P1', 'P', '1', 'h', 'PAT1', '2026-11-01', '2026-11-01', '150.00', 'partially_paid',
                 'PCN77', '80.00', '2026-11-02T00:00:00Z', 't');
             INSERT INTO batches (id, receiver_id, path, sha256, isa13, gs06, st02_list, sender_id, receiver_isa_id,
                 usage, claim_count, total_charge, created_at)
             VALUES (1, 'CH', '/out/CH-000000001.837', 'x', '000000001', '1', '0001', 'S', 'R', 'T', 1, '20.00', 't');
             INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, batch_id, st02, encounter_hash,
                 patient_id, first_dos, last_dos, total_charge, status, submitted_at, updated_at)
             VALUES ('C2', 'E1', 'P1', 'P', '1', 1, '0001', 'h', 'PAT1', '2026-11-01', '2026-11-01', '20.00',
                 'submitted', '2026-11-03T00:00:00Z', 't');
             INSERT INTO claim_lines (pcn, line_number, line_control_number, procedure_code, modifiers, units, charge,
                 date_of_service, paid_amount)
             VALUES ('C1', 1, 'C101', '99213', '25', '1', '100.00', '2026-11-01', '80.00'),
                    ('C1', 2, 'C102', '36415', '', '1', '50.00', '2026-11-01', '0.00');
             INSERT INTO claim_events (pcn, at, kind, status_after, amount, detail, source_file)
             VALUES ('C2', '2026-11-03T00:00:00Z', 'submitted', 'submitted', '20.00',
                     'original claim to payer P1 sent in CH-000000001.837 (ST02 0001)', '/out/CH-000000001.837'),
                    ('C1', '2026-11-02T00:00:00Z', 'submitted', 'submitted', NULL, 'batch 1', 'out.837'),
                    ('C1', '2026-11-09T00:00:00Z', 'payment', 'partially_paid', '80.00', 'paid', 'in.835');
             INSERT INTO remittances (id, source_file, sha256, isa13, gs06, st02, payer_id, payer_name, payee_name,
                 trace_number, trace_originator, total_paid, credit_debit, method, posted_at)
             VALUES (1, 'in.835', 'x', '1', '1', '0001', 'P1', 'Payer', 'Clinic', 'T1', '1', '80.00', 'C', 'ACH', 't');
             INSERT INTO claim_payments (id, remittance_id, clp01, matched_pcn, match_method, status_code, charge, paid,
                 patient_responsibility, filing_indicator, payer_claim_number, claim_status_after, segment)
             VALUES (7, 1, 'C1', 'C1', 'pcn', '1', '150.00', '80.00', '0.00', '12', 'PCN77', 'partially_paid', 20);
             INSERT INTO service_payments (id, claim_payment_id, ordinal, matched_pcn, matched_line_number,
                 match_method, qualifier, procedure_code, modifiers, charge, paid, allowed, units_paid, service_date,
                 line_control_number, segment)
             VALUES (31, 7, 1, 'C1', 1, 'line_control_number', 'HC', '99213', '25', '100.00', '80.00', '80.00', '1',
                     '2026-11-01', 'C101', 24),
                    (32, 7, 2, 'C1', 2, 'line_control_number', 'HC', '36415', '', '50.00', '0.00', NULL, '1',
                     '2026-11-01', 'C102', 30);
             INSERT INTO remit_adjustments (claim_payment_id, service_payment_id, group_code, reason_code, amount, quantity)
             VALUES (7, NULL, 'OA', '23', '0.00', NULL), (7, 31, 'CO', '45', '20.00', NULL),
                    (7, 32, 'CO', '97', '50.00', '1');
             INSERT INTO remit_remark_codes (claim_payment_id, service_payment_id, source, code)
             VALUES (7, NULL, 'MOA', 'MA130'), (7, 32, 'LQ', 'M80');
             INSERT INTO remit_unmatched (remittance_id, claim_payment_id, service_payment_id, kind, clp01,
                 procedure_code, charge, paid, reason)
             VALUES (1, 7, 32, 'line', 'C1', '36415', '50.00', '0.00', 'test');
             INSERT INTO remit_underpayments (remittance_id, service_payment_id, pcn, line_number, payer_id,
                 procedure_code, service_date, allowed, allowed_source, contract_rate, shortfall, tolerance, found_at)
             VALUES (1, 31, 'C1', 1, 'P1', '99213', '2026-11-01', '80.00', 'AMT*B6', '95.00', '15.00', '1.00', 't');",
        )
        .unwrap();
        conn
    }

    #[test]
    fn lean_postings_keep_every_posted_fact_of_an_older_ledger() {
        let mut conn = ledger_before_lean_postings();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        let rows = |sql: &str| -> Vec<String> {
            let mut stmt = conn.prepare(sql).unwrap();
            let n = stmt.column_count();
            stmt.query_map([], |r| {
                Ok((0..n)
                    .map(|i| match r.get_ref(i).unwrap() {
                        rusqlite::types::ValueRef::Null => "NULL".to_string(),
                        rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        other => format!("{other:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect()
        };
        assert_eq!(
            rows(
                "SELECT id, claim_payment_id, ordinal, matched_pcn, matched_line_number, procedure_code, modifiers,
                         charge, paid, allowed, line_control_number, segment FROM service_payments ORDER BY id"
            ),
            ["7001|7|1|C1|1|99213|25|100.00|80.00|80.00|C101|24", "7002|7|2|C1|2|36415||50.00|0.00|NULL|C102|30"]
        );
        assert_eq!(
            rows(
                "SELECT claim_payment_id, service_payment_id, group_code, reason_code, amount, quantity
                  FROM remit_adjustments ORDER BY service_payment_id"
            ),
            ["7|NULL|OA|23|0.00|NULL", "7|7001|CO|45|20.00|NULL", "7|7002|CO|97|50.00|1"]
        );
        assert_eq!(
            rows("SELECT service_payment_id, source, code FROM remit_remark_codes ORDER BY code"),
            ["7002|LQ|M80", "NULL|MOA|MA130"]
        );
        assert_eq!(rows("SELECT claim_payment_id, line_ordinal, reason FROM remit_unmatched"), ["7|2|test"]);
        assert_eq!(rows("SELECT claim_payment_id, line_ordinal, shortfall FROM remit_underpayments"), ["7|1|15.00"]);
        assert_eq!(
            rows("SELECT pcn, line_number, line_control_number FROM claim_lines ORDER BY line_number"),
            ["C1|1|C101", "C1|2|C102"]
        );
        assert_eq!(
            rows("SELECT pcn, status, paid_amount, payer_claim_number FROM claims ORDER BY pcn"),
            ["C1|partially_paid|80.00|PCN77", "C2|submitted|0.00|NULL"]
        );
        assert_eq!(
            rows("SELECT kind, amount FROM claim_history WHERE pcn = 'C1' ORDER BY seq, sub"),
            ["submitted|NULL", "payment|80.00"]
        );
        // A billed claim's `submitted` entry now comes from its claims row, worded as it was stored.
        assert_eq!(
            rows("SELECT seq, at, kind, amount, detail, source_file FROM claim_history WHERE pcn = 'C2'"),
            [
                "0|2026-11-03T00:00:00Z|submitted|20.00|original claim to payer P1 sent in CH-000000001.837 (ST02 0001)|/out/CH-000000001.837"
            ]
        );
        let paid = crate::ledger::billing::line_paid_amounts(&conn, "C1").unwrap();
        assert_eq!(paid.get(&1).map(|d| d.to_string()), Some("80.00".to_string()));
        assert!(rows("PRAGMA foreign_key_check").is_empty());
        assert_eq!(rows("PRAGMA foreign_keys"), ["1"], "foreign keys are enforced again after the migration");
    }

    #[test]
    fn a_migration_that_would_break_a_reference_changes_nothing() {
        let mut conn = ledger_before_lean_postings();
        // A claim line whose claim is gone: only possible with foreign keys off, as a damaged ledger.
        conn.execute_batch("PRAGMA foreign_keys = OFF; DELETE FROM claims; PRAGMA foreign_keys = ON").unwrap();
        let err = migrate(&mut conn, Path::new(":memory:")).unwrap_err();
        assert!(err.to_string().contains("broken reference"), "{err}");
        let version: i64 = conn.query_row("SELECT MAX(version) FROM schema_migrations", [], |r| r.get(0)).unwrap();
        assert_eq!(version, 4);
        let lines: i64 = conn.query_row("SELECT COUNT(*) FROM service_payments", [], |r| r.get(0)).unwrap();
        assert_eq!(lines, 2, "the old tables are untouched");
    }

    #[test]
    fn every_migration_applies_to_an_empty_ledger() {
        crate::ledger::Ledger::open_in_memory().unwrap();
    }
}
