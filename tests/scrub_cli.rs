//! `claimkit scrub` end to end: a ledger with the synthetic practice (tests/fixtures/scrub/
//! practice.toml: MCRB1 Medicare, MCD01 Medicaid, ACME1 commercial with rule overrides) and the
//! encounters of tests/fixtures/scrub/encounters.json, each carrying the rules it must trip in
//! `notes.expect_rules` and its status in `notes.expect_status` (E120-E130: the rules payers adjudicate
//! with, issue 20).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use claimkit::encounter::Encounter;
use claimkit::ledger::{Ledger, billing};
use claimkit::practice::Practice;
use rusqlite::params;
use serde_json::Value;

const AS_OF: &str = "2026-11-20";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scrub")
}

fn encounters() -> Vec<Encounter> {
    let text = std::fs::read_to_string(fixtures().join("encounters.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A ledger file with the practice loaded and `encounters` inserted as ingest would.
fn ledger_with(dir: &Path, encounters: &[Encounter]) -> PathBuf {
    let db = dir.join("claimkit.db");
    let mut ledger = Ledger::open(&db).unwrap();
    let practice_path = fixtures().join("practice.toml");
    let practice: Practice = toml::from_str(&std::fs::read_to_string(&practice_path).unwrap()).unwrap();
    let tx = ledger.transaction().unwrap();
    billing::save_practice(&tx, &practice, &practice_path, "fixture").unwrap();
    for e in encounters {
        tx.execute(
            "INSERT INTO encounters (id, payer_id, patient_id, first_dos, last_dos, total_charge, line_count,
                 content_hash, encounter_json, source_format, source_file, source_locator, imported_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'csv', 'encounters.json', ?1, 't', 't')",
            params![
                e.id,
                e.payer_id,
                e.patient.id,
                e.first_date_of_service().map(|d| d.to_string()),
                e.last_date_of_service().map(|d| d.to_string()),
                e.total_charge().to_string(),
                e.lines.len() as i64,
                e.content_hash(),
                serde_json::to_string(e).unwrap(),
            ],
        )
        .unwrap();
        // A new encounter is left to bill, as import lists it.
        tx.execute("INSERT INTO unbilled_encounters (encounter_id) VALUES (?1)", [&e.id]).unwrap();
    }
    tx.commit().unwrap();
    db
}

fn claimkit(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_TODAY").arg("--db").arg(db);
    cmd
}

fn scrub_json(db: &Path, extra: &[&str]) -> (i32, Value) {
    let out = claimkit(db).args(["--format", "json", "scrub", "--as-of", AS_OF]).args(extra).output().unwrap();
    let code = out.status.code().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (code, json)
}

fn rules_of(encounter: &Value) -> BTreeSet<String> {
    encounter["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

#[test]
fn list_rules_prints_every_rule_id_with_severity_and_snip_level() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        claimkit(&dir.path().join("none.db")).args(["--format", "json", "scrub", "--list-rules"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rules: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = rules.as_array().unwrap();
    assert_eq!(rules.len(), 51);
    let npi = rules.iter().find(|r| r["id"] == "NPI-LUHN").unwrap();
    assert_eq!((npi["severity"].as_str(), npi["snip_level"].as_i64()), (Some("error"), Some(2)));
    assert!(rules.iter().any(|r| r["id"] == "TABLE-NOT-LOADED" && r["severity"] == "info"));
    let csv =
        claimkit(&dir.path().join("none.db")).args(["--format", "csv", "scrub", "--list-rules"]).output().unwrap();
    assert!(String::from_utf8_lossy(&csv.stdout).starts_with("id,severity,snip_level,description\n"));
}

#[test]
fn every_fixture_encounter_gets_exactly_the_rules_and_status_it_documents() {
    let dir = tempfile::tempdir().unwrap();
    let encounters = encounters();
    let db = ledger_with(dir.path(), &encounters);
    let (code, json) = scrub_json(&db, &[]);
    assert_eq!(code, 1, "errors hold encounters: exit 1");
    let scrubbed = json["encounters"].as_array().unwrap();
    assert_eq!(scrubbed.len(), encounters.len());
    for e in &encounters {
        let got = scrubbed.iter().find(|s| s["id"] == e.id.as_str()).unwrap();
        let want: BTreeSet<String> =
            e.notes["expect_rules"].split(',').filter(|r| !r.is_empty()).map(str::to_string).collect();
        assert_eq!(rules_of(got), want, "{}: {:#}", e.id, got["findings"]);
        assert_eq!(got["status"], e.notes["expect_status"].as_str(), "{}", e.id);
    }
    let summary = &json["summary"];
    assert_eq!(summary["encounters"], 31);
    assert_eq!(summary["clean"], 5);
    assert_eq!(summary["warning"], 1);
    assert_eq!(summary["held"], summary["error"]);
    assert_eq!(summary["error"], 25);
}

#[test]
fn tables_that_are_not_loaded_are_reported_once_per_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let (_, json) = scrub_json(&db, &[]);
    let not_checked = json["not_checked"].as_array().unwrap();
    let tables: Vec<_> = not_checked.iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert_eq!(not_checked.len(), 4, "CPT, HCPCS, NCCI, MUE: {tables:?}");
    assert!(not_checked.iter().all(|f| f["rule"] == "TABLE-NOT-LOADED" && f["severity"] == "info"));
    assert!(tables.iter().any(|m| m.contains("NCCI")));
}

#[test]
fn scrubbing_twice_changes_nothing_the_second_time_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let first = claimkit(&db).args(["scrub", "--as-of", AS_OF]).output().unwrap();
    assert_eq!(first.status.code(), Some(1));
    let second = claimkit(&db).args(["scrub", "--as-of", AS_OF]).output().unwrap();
    let text = String::from_utf8_lossy(&second.stdout);
    assert!(text.contains("31 encounters scrubbed"), "{text}");
    assert!(text.contains("31 unchanged since the last scrub"), "{text}");
    let ledger = Ledger::open(&db).unwrap();
    let held: i64 = ledger
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM encounters e JOIN encounter_scrub_state s ON s.encounter_id = e.id
             WHERE s.scrub_status = 'error' AND s.scrubbed_hash = e.content_hash",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(held, 25);
}

#[test]
fn a_payer_override_turns_modifier_25_off_for_that_payer_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let (code, acme) = scrub_json(&db, &["--encounter", "E102"]);
    assert_eq!((code, acme["encounters"][0]["status"].as_str()), (0, Some("clean")));
    let (code, medicaid) = scrub_json(&db, &["--encounter", "E103"]);
    assert_eq!(code, 0, "warnings do not hold the encounter");
    assert_eq!(medicaid["encounters"][0]["status"], "warning");
    assert_eq!(medicaid["encounters"][0]["findings"][0]["line"], 1);
}

#[test]
fn member_ids_appear_in_messages_only_with_show_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let (_, json) = scrub_json(&db, &["--encounter", "E105"]);
    let message = json["encounters"][0]["findings"][0]["message"].as_str().unwrap().to_string();
    assert!(message.contains("not a valid Medicare MBI") && !message.contains("123456789A"), "{message}");
    let out = claimkit(&db)
        .args(["--show-data", "--format", "csv", "scrub", "--as-of", AS_OF, "--encounter", "E105"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("123456789A"));
    let (_, table) = (0, claimkit(&db).args(["scrub", "--as-of", AS_OF]).output().unwrap());
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(!text.contains("Testpatient") && !text.contains("123456789A"), "{text}");
}

#[test]
fn as_of_comes_from_claimkit_today_when_not_given() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let out = claimkit(&db)
        .env("CLAIMKIT_TODAY", "2026-11-25")
        .args(["--format", "json", "scrub", "--encounter", "E106"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rules_of(&json["encounters"][0]), BTreeSet::from(["DOS-FUTURE".to_string()]));
    let later =
        claimkit(&db).env("CLAIMKIT_TODAY", "2026-12-01").args(["scrub", "--encounter", "E106"]).output().unwrap();
    assert_eq!(later.status.code(), Some(0));
}

#[test]
fn without_a_practice_or_with_an_unknown_encounter_the_error_is_clear() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    claimkit(&empty).arg("init").assert().code(0);
    let out = claimkit(&empty).args(["scrub", "--as-of", AS_OF]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("claimkit init --practice"));
    let db = ledger_with(dir.path(), &encounters());
    let out = claimkit(&db).args(["scrub", "--as-of", AS_OF, "--encounter", "NOPE"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("encounter NOPE is not in the ledger"));
}

#[test]
fn csv_output_has_one_row_per_finding_including_the_not_checked_tables() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let out = claimkit(&db).args(["--format", "csv", "scrub", "--as-of", AS_OF]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(rows.headers().unwrap(), vec!["encounter", "line", "rule", "severity", "message", "fix"]);
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 26 + 4, "26 findings and 4 tables not loaded");
    assert!(records.iter().any(|r| &r[0] == "E112" && &r[1] == "1" && &r[2] == "DX-POINTER" && &r[3] == "error"));
}
