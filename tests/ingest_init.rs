//! `claimkit init --practice FILE.toml`: load, reload unchanged, and file:line validation errors.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn sample_practice() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/practice.toml")
}

fn claimkit(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_DB").arg("--db").arg(db);
    cmd
}

#[test]
fn the_sample_practice_loads_and_loading_it_again_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    claimkit(&db)
        .arg("init")
        .arg("--practice")
        .arg(sample_practice())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("loaded"));
    claimkit(&db)
        .arg("init")
        .arg("--practice")
        .arg(sample_practice())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("unchanged"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let json: String = conn.query_row("SELECT config_json FROM practice", [], |r| r.get(0)).unwrap();
    let practice: claimkit::practice::Practice = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = practice.payers.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["MCRB1", "MCD01", "ACME1"]);
    assert_eq!(practice.rendering_providers.len(), 3);
}

#[test]
fn an_updated_practice_file_replaces_the_loaded_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    let path = dir.path().join("practice.toml");
    let text = std::fs::read_to_string(sample_practice()).unwrap();
    std::fs::write(&path, &text).unwrap();
    claimkit(&db).arg("init").arg("--practice").arg(&path).assert().code(0);
    std::fs::write(&path, text.replace("timely_filing_days = 180", "timely_filing_days = 90")).unwrap();
    claimkit(&db).arg("init").arg("--practice").arg(&path).assert().code(0).stdout(predicate::str::contains("loaded"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let json: String = conn.query_row("SELECT config_json FROM practice", [], |r| r.get(0)).unwrap();
    assert!(json.contains("\"timely_filing_days\":90"));
}

#[test]
fn every_invalid_field_is_reported_with_file_and_line_and_nothing_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    let path = dir.path().join("practice.toml");
    let text = std::fs::read_to_string(sample_practice())
        .unwrap()
        .replace("npi = \"1987654328\"", "npi = \"1987654320\"")
        .replace("tin = \"371234567\"", "tin = \"37-1234567\"")
        .replace("taxonomy = \"363LF0000X\"", "taxonomy = \"363LF0000\"")
        .replacen("receiver = \"CLEARINGHOUSE\"", "receiver = \"NOWHERE\"", 1)
        .replace("state = \"IL\", zip = \"627011234\"", "state = \"XX\", zip = \"62701\"");
    std::fs::write(&path, &text).unwrap();
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let p = path.display().to_string();
    claimkit(&db)
        .arg("init")
        .arg("--practice")
        .arg(&path)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!("{p}:{}: rendering_providers[0].npi", line("1987654320"))))
        .stderr(predicate::str::contains(format!("{p}:{}: billing_provider.tin", line("37-1234567"))))
        .stderr(predicate::str::contains(format!("{p}:{}: rendering_providers[2].taxonomy", line("363LF0000\""))))
        .stderr(predicate::str::contains(format!("{p}:{}: payers[0].receiver", line("NOWHERE"))))
        .stderr(predicate::str::contains(format!("{p}:{}: billing_provider.address.state", line("\"XX\""))))
        .stderr(predicate::str::contains("billing_provider.address.zip: the billing provider needs a 9-digit ZIP"));
    let conn = rusqlite::Connection::open(&db);
    if let Ok(conn) = conn {
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM practice", [], |r| r.get(0)).unwrap_or(0);
        assert_eq!(n, 0);
    }
}

#[test]
fn a_bad_usage_indicator_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("practice.toml");
    let text = std::fs::read_to_string(sample_practice()).unwrap().replace("usage = \"T\"", "usage = \"Q\"");
    std::fs::write(&path, &text).unwrap();
    let line = text.lines().position(|l| l.contains("usage = \"Q\"")).unwrap() + 1;
    claimkit(&dir.path().join("l.db"))
        .arg("init")
        .arg("--practice")
        .arg(&path)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!("{}:{line}:", path.display())));
}
