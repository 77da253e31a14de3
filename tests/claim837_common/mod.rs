//! Shared helpers of the claim837 tests: the fixture practice and encounters, and the validator.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, NaiveDateTime};
use claimkit::encounter::Encounter;
use claimkit::practice::Practice;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claim837")
}

pub fn practice() -> Practice {
    toml::from_str(&std::fs::read_to_string(fixtures().join("practice.toml")).unwrap()).unwrap()
}

pub fn encounters() -> Vec<Encounter> {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("encounters.json")).unwrap()).unwrap()
}

pub fn encounter(id: &str) -> Encounter {
    encounters().into_iter().find(|e| e.id == id).unwrap()
}

pub fn as_of() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap().and_hms_opt(9, 30, 0).unwrap()
}

/// Runs the independent validator on `path` and fails the test unless it passes. Skipped, with a
/// note, only when python3 is missing.
pub fn validate(path: &Path) {
    // The validator installs itself on first use; parallel tests must not race that install.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("NOTE: python3 not found; skipping x12-validate of {}", path.display());
        return;
    }
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/x12-validate");
    let out = Command::new("bash").arg(&tool).arg(path).output().expect("x12-validate runs");
    assert!(
        out.status.success(),
        "x12-validate failed on {}:\n{}\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A ledger at `dir/claimkit.db` with the fixture practice and `encounters` imported and scrubbed
/// clean (scrubbed_hash = content_hash), as ingest and scrub leave them.
pub fn ledger_with(dir: &Path, encounters: &[Encounter]) -> PathBuf {
    let db = dir.join("claimkit.db");
    let mut ledger = claimkit::ledger::Ledger::open(&db).unwrap();
    let tx = ledger.transaction().unwrap();
    let toml = fixtures().join("practice.toml");
    let sha = claimkit::ledger::sha256_file(&toml).unwrap();
    claimkit::ledger::billing::save_practice(&tx, &practice(), &toml, &sha).unwrap();
    for e in encounters {
        insert_encounter(&tx, e, "clean");
    }
    tx.commit().unwrap();
    db
}

/// Inserts an encounter row with `scrub_status` for its current content.
pub fn insert_encounter(tx: &rusqlite::Transaction<'_>, e: &Encounter, scrub_status: &str) {
    let hash = e.content_hash();
    tx.execute(
        "INSERT INTO encounters (id, payer_id, patient_id, first_dos, last_dos, total_charge, line_count, content_hash,
             encounter_json, source_format, source_file, source_locator, imported_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'csv', 'visits.csv', 'line 2', '2026-11-20T09:00:00Z',
             '2026-11-20T09:00:00Z')",
        rusqlite::params![
            e.id,
            e.payer_id,
            e.patient.id,
            e.first_date_of_service().map(|d| d.to_string()),
            e.last_date_of_service().map(|d| d.to_string()),
            format!("{:.2}", e.total_charge()),
            e.lines.len() as i64,
            hash,
            serde_json::to_string(e).unwrap(),
        ],
    )
    .unwrap();
    // A new encounter is left to bill, as import lists it.
    tx.execute("INSERT INTO unbilled_encounters (encounter_id) VALUES (?1)", [&e.id]).unwrap();
    let pcn = claimkit::claim837::patient_control_number(
        &e.id,
        claimkit::claim837::Responsibility::Primary,
        claimkit::encounter::ClaimFrequency::Original,
        1,
    );
    tx.execute(
        "INSERT INTO encounter_scrubs (encounter_id, scrub_status, scrubbed_hash, primary_pcn, payer_id, scrubbed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, '2026-11-20T09:00:00Z')",
        rusqlite::params![e.id, scrub_status, hash, pcn, e.payer_id],
    )
    .unwrap();
}

pub fn claimkit() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("claimkit").unwrap();
    // The fixture encounters are dated for 2026-11-25; `build` scrubs as of that day.
    cmd.env_remove("CLAIMKIT_DB").env("CLAIMKIT_TODAY", "2026-11-25");
    cmd
}

/// The 837 files in `dir` (not dry runs, not set aside), sorted.
pub fn files_837(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|x| x == "837"));
    v.sort();
    v
}

pub fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}
