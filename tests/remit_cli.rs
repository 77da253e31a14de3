//! `claimkit remit` as a user runs it: exit codes, "already posted", findings, no patient data.

mod common;

use assert_cmd::Command;
use claimkit::ledger::Ledger;
use common::{remit_fixture, seed_claims, third_party};
use predicates::prelude::*;

fn claimkit(db: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_DB").arg("--db").arg(db);
    cmd
}

fn seeded_db(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let db = dir.path().join("claimkit.db");
    let mut ledger = Ledger::open(&db).unwrap();
    seed_claims(&mut ledger);
    db
}

#[test]
fn remit_a_balanced_fully_matched_file_exits_0_and_the_second_run_says_already_posted() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded_db(&dir);
    claimkit(&db)
        .arg("remit")
        .arg(remit_fixture("original.835"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("TRACE-ORIG"))
        .stdout(predicate::str::contains("posted"));
    claimkit(&db)
        .arg("remit")
        .arg(remit_fixture("original.835"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("already posted"));
}

#[test]
fn remit_unmatched_claims_exit_1_and_are_listed_without_patient_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded_db(&dir);
    claimkit(&db)
        .arg("remit")
        .arg(remit_fixture("paid.835"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("UNKNOWN9"))
        .stdout(predicate::str::contains("422.50"))
        .stdout(predicate::str::contains("ALPHA").not())
        .stdout(predicate::str::contains("ECHO").not());
}

#[test]
fn remit_an_unbalanced_file_exits_1_with_findings_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded_db(&dir);
    let out = claimkit(&db)
        .args(["--format", "json", "remit"])
        .arg(remit_fixture("unbalanced.835"))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let codes: Vec<&str> = json[0]["transactions"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["LINE-UNBALANCED", "CLAIM-UNBALANCED", "TRANSACTION-UNBALANCED"]);
    assert_eq!(json[0]["transactions"][0]["balanced"], false);
}

#[test]
fn remit_third_party_835s_post_with_their_guide_findings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("claimkit.db");
    claimkit(&db).arg("init").assert().code(0);
    let lfh = third_party().join("linuxforhealth-x12/835_005010X221A1");
    claimkit(&db)
        .arg("remit")
        .arg(lfh.join("cob-contractural-adjustment.835"))
        .arg(lfh.join("tertiary-payment.835"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("BPR16-MISSING"))
        .stdout(predicate::str::contains("COMPOSITE-SEPARATOR"))
        .stdout(predicate::str::contains("LINE-UNBALANCED"))
        .stdout(predicate::str::contains("BURCK").not());
}

#[test]
fn remit_a_file_that_cannot_be_parsed_exits_3_without_data_and_the_others_still_post() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded_db(&dir);
    let bad = dir.path().join("bad.835");
    let text = std::fs::read_to_string(remit_fixture("original.835")).unwrap().replace("NM1*QC", "*SECRET");
    std::fs::write(&bad, text).unwrap();
    claimkit(&db)
        .arg("remit")
        .arg(&bad)
        .arg(remit_fixture("original.835"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("segment identifier"))
        .stderr(predicate::str::contains("SECRET").not())
        .stdout(predicate::str::contains("TRACE-ORIG"));
}
