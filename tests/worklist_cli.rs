//! `claimkit worklist` end to end on the demo's ledger: stable item IDs, filters, an item assigned,
//! noted, snoozed, closed, and a later event on its claim opening a new item.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::demo::{claimkit_on, demo_dir};
use serde_json::Value;

/// Runs `cmd`, which finishes with or without findings (exit 0 or 1).
fn ran(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
}

fn claimkit(db: &Path) -> Command {
    claimkit_on(db, "2027-02-01")
}

fn demo(dir: &Path) -> PathBuf {
    demo_dir(dir)
}

fn list(db: &Path, args: &[&str]) -> Vec<Value> {
    let out = claimkit(db).args(["--format", "json", "worklist"]).args(args).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["sections"]["worklist"].as_array().unwrap().clone()
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_worklist_item_is_assigned_noted_snoozed_closed_and_reopened_by_a_later_event() {
    let dir = tempfile::tempdir().unwrap();
    let root = demo(dir.path());
    let db = root.join("claimkit.db");
    // The demo's second build (its secondary claims) has no answer yet.
    let second = root.join("outbox/CLEARINGHOUSE-000000002.837");
    let text = std::fs::read_to_string(&second).unwrap();
    let open = list(&db, &[]);
    assert_eq!(ids(&open), ids(&list(&db, &[])), "the same IDs on every run");
    let item = open
        .iter()
        .find(|i| i["item"] == "no response" && text.contains(&format!("CLM*{}*", i["reference"].as_str().unwrap())))
        .expect("a claim of the second build has no answer")
        .clone();
    let id = item["id"].as_str().unwrap().to_string();
    let reference = item["reference"].as_str().unwrap().to_string();
    for field in ["patient_name", "date_of_service", "encounter_id"] {
        assert!(item[field].as_str().is_some_and(|s| !s.is_empty()), "items carry {field}: {item}");
    }

    // Filters.
    let denied = list(&db, &["--kind", "denied-claim"]);
    assert!(!denied.is_empty() && denied.iter().all(|i| i["item"] == "denied claim"));
    let payer = item["payer_id"].as_str().unwrap();
    let by_payer = list(&db, &["--payer", payer]);
    assert!(by_payer.len() < open.len() && by_payer.iter().all(|i| i["payer_id"] == payer));

    // Assign, note, snooze.
    claimkit(&db).args(["--quiet", "worklist", "assign", &id.to_lowercase(), "dana", "--by", "lee"]).assert().success();
    assert_eq!(ids(&list(&db, &["--assignee", "dana"])), vec![id.clone()]);
    claimkit(&db).args(["--quiet", "worklist", "note", &id, "called the payer", "--by", "dana"]).assert().success();
    claimkit(&db).args(["--quiet", "worklist", "snooze", &id, "--until", "2027-02-15"]).assert().success();
    assert!(!ids(&list(&db, &[])).contains(&id), "a snoozed item leaves the open list");
    assert!(ids(&list(&db, &["--due", "2027-02-15"])).contains(&id), "and comes back on its follow-up date");
    assert!(!ids(&list(&db, &["--due", "2027-02-14"])).contains(&id));

    // Done.
    claimkit(&db)
        .args(["--quiet", "worklist", "done", &id, "--note", "asked for status", "--by", "dana"])
        .assert()
        .success();
    assert!(!ids(&list(&db, &["--due", "2027-03-01"])).contains(&id), "a done item leaves the open list");
    let all = list(&db, &["--all"]);
    assert_eq!(all.iter().find(|i| i["id"] == id.as_str()).unwrap()["state"], "done");

    // Its history, in the ledger: who, what, the notes.
    let out = claimkit(&db).args(["--format", "json", "worklist", "history", &id]).output().unwrap();
    let history: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = history["sections"]["history"].as_array().unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["assign", "note", "snooze", "done"]);
    assert_eq!(rows[0]["who"], "lee");
    assert_eq!(rows[1]["note"], "called the payer");
    assert_eq!(rows[3]["note"], "asked for status");

    // A later event on the claim (the payer's acknowledgments) opens a new item.
    let payer_dir = dir.path().join("payer2");
    Command::cargo_bin("claimkit")
        .unwrap()
        .args(["--quiet", "simulate", "--deny-rate", "0", "--from"])
        .arg(&second)
        .arg("--out")
        .arg(&payer_dir)
        .assert()
        .success();
    let mut acks: Vec<PathBuf> = std::fs::read_dir(&payer_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "999" || e == "277ca"))
        .collect();
    acks.sort();
    ran(claimkit(&db).args(["--quiet", "ack"]).args(&acks));
    let after = list(&db, &[]);
    let again: Vec<&Value> = after.iter().filter(|i| i["reference"] == reference.as_str()).collect();
    assert_eq!(again.len(), 1, "{after:?}");
    assert_ne!(again[0]["id"], id.as_str());
    assert_eq!(again[0]["state"], "open");

    // An ID that is no current item.
    let out = claimkit(&db).args(["worklist", "done", "WFFFFFFFFFFFF"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn a_medicare_correction_becomes_a_reopening_item_and_no_837() {
    let dir = tempfile::tempdir().unwrap();
    let root = demo(dir.path());
    let db = root.join("claimkit.db");
    let ledger = claimkit::ledger::Ledger::open(&db).unwrap();
    let pcn: String = ledger
        .conn()
        .query_row(
            "SELECT pcn FROM claims WHERE payer_id = 'MCRB1' AND status = 'paid' AND payer_claim_number IS NOT NULL
             ORDER BY pcn LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(ledger);
    let out = dir.path().join("corrections");
    for action in ["correct", "void"] {
        let run = claimkit(&db).args([action, &pcn, "--out"]).arg(&out).output().unwrap();
        assert_eq!(run.status.code(), Some(1), "{}", String::from_utf8_lossy(&run.stderr));
        assert!(String::from_utf8_lossy(&run.stdout).contains("no 837 was written"));
    }
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(), "no 837 for a reopening payer");
    let items = list(&db, &["--kind", "request-a-reopening"]);
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items.iter().all(|i| i["reference"] == pcn.as_str() && i["payer_id"] == "MCRB1"));
    assert!(items.iter().any(|i| i["detail"].as_str().unwrap().starts_with("void the claim")));
    // Asking again opens nothing new.
    claimkit(&db).args(["--quiet", "correct", &pcn, "--out"]).arg(&out).assert().code(1);
    assert_eq!(list(&db, &["--kind", "request-a-reopening"]).len(), 2);
}
