//! Shared by the remit tests: a ledger holding the claims the 835 fixtures in
//! tests/fixtures/remit/ pay (inserted by SQL, as the 837 builder would have written them).
#![allow(dead_code)]

pub mod demo;

use std::path::{Path, PathBuf};

use claimkit::ledger::Ledger;

pub fn remit_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/remit").join(name)
}

pub fn third_party() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/third-party")
}

/// (pcn, patient id, member id, first DOS, charge, payer claim number, lines: (control number, code, modifiers, charge))
type Claim = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [(&'static str, &'static str, &'static str, &'static str)],
);

pub const CLAIMS: &[Claim] = &[
    (
        "CK1001",
        "P1",
        "M1",
        "2026-11-02",
        "150.00",
        None,
        &[("CK1001-1", "99213", "", "100.00"), ("CK1001-2", "36415", "", "50.00")],
    ),
    ("CK1002", "P2", "M2", "2026-11-03", "200.00", Some("PCN-77"), &[("CK1002-1", "99214", "25", "200.00")]),
    ("CK1003", "P3", "M3", "2026-11-04", "120.00", None, &[("CK1003-1", "99212", "", "120.00")]),
    ("CK1004", "P4", "M4", "2026-11-05", "90.00", None, &[("CK1004-1", "99211", "", "90.00")]),
    ("CK1005", "P5", "M5", "2026-11-06", "100.00", None, &[("CK1005-1", "99213", "", "100.00")]),
];

/// Inserts the encounters, claims and claim lines of [`CLAIMS`].
pub fn seed_claims(ledger: &mut Ledger) {
    let tx = ledger.transaction().unwrap();
    for (pcn, patient, member, dos, charge, payer_claim, lines) in CLAIMS {
        let encounter = format!("E-{pcn}");
        let json = format!(r#"{{"subscriber":{{"member_id":"{member}"}}}}"#);
        tx.execute(
            "INSERT INTO encounters (id, payer_id, patient_id, first_dos, last_dos, total_charge, line_count,
                content_hash, encounter_json, source_format, source_file, source_locator, imported_at, updated_at)
             VALUES (?1, 'PAYER1', ?2, ?3, ?3, ?4, ?5, 'h', ?6, 'csv', 'enc.csv', '1', 't', 't')",
            rusqlite::params![encounter, patient, dos, charge, lines.len() as i64, json],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, encounter_hash, patient_id,
                first_dos, last_dos, total_charge, status, payer_claim_number, submitted_at, updated_at)
             VALUES (?1, ?2, 'PAYER1', 'P', '1', 'h', ?3, ?4, ?4, ?5, 'accepted', ?6, '2026-11-10T00:00:00Z', 't')",
            rusqlite::params![pcn, encounter, patient, dos, charge, payer_claim],
        )
        .unwrap();
        for (i, (control, code, modifiers, line_charge)) in lines.iter().enumerate() {
            tx.execute(
                "INSERT INTO claim_lines (pcn, line_number, line_control_number, procedure_code, modifiers, units,
                    charge, date_of_service) VALUES (?1, ?2, ?3, ?4, ?5, '1', ?6, ?7)",
                rusqlite::params![pcn, i as i64 + 1, control, code, modifiers, line_charge, dos],
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

pub fn seeded_ledger() -> Ledger {
    let mut ledger = Ledger::open_in_memory().unwrap();
    seed_claims(&mut ledger);
    ledger
}

/// The seeded claims in a ledger file (a posting then looks claims up on a second connection);
/// the directory goes with it.
pub fn seeded_ledger_file() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("ledger.db")).unwrap();
    seed_claims(&mut ledger);
    (dir, ledger)
}

/// One text value from the ledger.
pub fn text(ledger: &Ledger, sql: &str) -> String {
    ledger.conn().query_row(sql, [], |r| r.get::<_, String>(0)).unwrap()
}

pub fn count(ledger: &Ledger, sql: &str) -> i64 {
    ledger.conn().query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap()
}
