//! `claimkit report` and `claimkit claim show` on a ledger with known claims.

use assert_cmd::Command;
use claimkit::ledger::Ledger;
use predicates::prelude::*;
use rusqlite::params;

fn ledger_with_claims(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("ledger.db");
    let ledger = Ledger::open(&db).unwrap();
    let conn = ledger.conn();
    for (enc, payer) in [("E1", "MCRB1"), ("E2", "ACME1")] {
        conn.execute(
            "INSERT INTO encounters (id, payer_id, patient_id, first_dos, last_dos, total_charge, line_count,
                 content_hash, encounter_json, source_format, source_file, source_locator, imported_at, updated_at)
             VALUES (?1, ?2, 'P1', '2026-10-01', '2026-10-01', '100.00', 1, 'h', '{}', 'csv', 'e.csv', 'line 2', 't', 't')",
            params![enc, payer],
        )
        .unwrap();
    }
    for (pcn, enc, payer, status, dos, billed, paid) in [
        ("CK1", "E1", "MCRB1", "paid", "2026-10-20", "250.00", "180.00"),
        ("CK2", "E2", "ACME1", "submitted", "2026-08-01", "99.99", "0.00"),
    ] {
        conn.execute(
            "INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, encounter_hash, patient_id,
                 first_dos, last_dos, total_charge, status, submitted_at, updated_at)
             VALUES (?1, ?2, ?3, 'P', '1', 'h', 'P1', ?4, ?4, ?5, ?6, '2026-11-01T09:00:00Z', 't')",
            params![pcn, enc, payer, dos, billed, status],
        )
        .unwrap();
        // Its accounts receivable: the charge; what was paid; the rest a contractual adjustment.
        let cents = |s: &str| claimkit::money::to_cents(s.parse().unwrap()).unwrap();
        let (charge, paid) = (cents(billed), cents(paid));
        let mut entries = vec![("charge", charge)];
        if paid > 0 {
            entries.extend([("payment", -paid), ("contractual", paid - charge)]);
        }
        for (kind, amount) in entries {
            conn.execute(
                "INSERT INTO ar_entries (patient_id, encounter_id, pcn, line_number, kind, payer_id, amount_cents,
                     effective_on, posted_at) VALUES ('P1', ?1, ?2, 1, ?3, ?4, ?5, ?6, 't')",
                params![enc, pcn, kind, payer, amount, dos],
            )
            .unwrap();
        }
    }
    conn.execute(
        "INSERT INTO claim_events (pcn, at, kind, status_after, amount, detail, source_file)
         VALUES ('CK1', '2026-11-20T08:00:00Z', 'payment', 'paid', '180.00', 'paid in full less CO-45', 'era.835')",
        [],
    )
    .unwrap();
    db
}

fn claimkit(db: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.arg("--db").arg(db).env_remove("CLAIMKIT_DB").env_remove("CLAIMKIT_TODAY");
    cmd
}

#[test]
fn aging_report_as_json_has_exact_bucket_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_claims(dir.path());
    let out = claimkit(&db).args(["--format", "json", "report", "aging", "--as-of", "2026-11-25"]).output().unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = json["sections"]["aging"].as_array().unwrap();
    let acme = rows.iter().find(|r| r["party"] == "ACME1" && r["balance"] == "insurance").unwrap();
    assert_eq!(acme["91_120"], "99.99"); // 116 days
    // MCRB1 was paid in full (less its contractual adjustment): it owes nothing.
    assert!(!rows.iter().any(|r| r["party"] == "MCRB1"));
    let total = rows.iter().find(|r| r["party"] == "TOTAL").unwrap();
    assert_eq!(total["total"], "99.99");
}

#[test]
fn html_reports_are_one_self_contained_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_claims(dir.path());
    let page = dir.path().join("summary.html");
    claimkit(&db)
        .args(["--format", "html", "report", "summary", "--as-of", "2026-11-25", "--output"])
        .arg(&page)
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg") && html.contains("349.99"));
    assert!(!html.contains("<script") && !html.contains("<link"));
}

#[test]
fn csv_claims_report_filters_by_payer() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_claims(dir.path());
    claimkit(&db)
        .args(["--format", "csv", "report", "claims", "--payer", "MCRB1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("CK1").and(predicate::str::contains("CK2").not()));
}

#[test]
fn claim_show_prints_the_history_and_unknown_pcns_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_claims(dir.path());
    claimkit(&db)
        .args(["claim", "show", "CK1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("payment").and(predicate::str::contains("era.835")));
    claimkit(&db).args(["claim", "show", "NOPE"]).assert().code(3).stderr(predicate::str::contains("NOPE"));
}

#[test]
fn a_report_on_a_ledger_that_does_not_exist_is_a_usage_error_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("typo.db");
    claimkit(&db).args(["report", "summary"]).assert().code(2).stderr(predicate::str::contains("no ledger at"));
    assert!(!db.exists());
}
