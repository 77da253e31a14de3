//! `claim find` by each key, and the claim status inquiry end to end on the demo's ledger: a 276
//! for the claims without an answer, answered by the simulator, posted, and checked.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use common::demo::{claimkit_on, demo_dir};
use serde_json::Value;

fn claimkit(db: &Path) -> Command {
    claimkit_on(db, "2027-02-01")
}

fn demo(dir: &Path) -> PathBuf {
    demo_dir(dir)
}

fn find(db: &Path, args: &[&str]) -> Vec<Value> {
    let out = claimkit(db).args(["--format", "json", "claim", "find"]).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["sections"]["claims"].as_array().unwrap().clone()
}

fn pcns(rows: &[Value]) -> Vec<String> {
    rows.iter().map(|r| r["pcn"].as_str().unwrap().to_string()).collect()
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

fn validate(files: &[&Path]) {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/x12-validate");
    let out = Process::new(tool).args(files).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn claim_find_finds_claims_by_each_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path()).join("claimkit.db");
    let all = find(&db, &[]);
    assert!(all.len() > 10);
    let paid = all.iter().find(|c| c["status"] == "paid" && c["payer_claim_number"].is_string()).unwrap().clone();
    let pcn = text(&paid, "pcn");

    let one = |args: &[&str]| {
        let rows = find(&db, args);
        assert!(pcns(&rows).contains(&pcn), "{args:?} finds {pcn}");
        rows
    };
    assert_eq!(pcns(&one(&["--pcn", &pcn.to_lowercase()])), vec![pcn.clone()], "PCNs in any case");
    assert!(
        one(&["--encounter", &text(&paid, "encounter_id")]).iter().all(|c| c["encounter_id"] == paid["encounter_id"])
    );
    assert!(one(&["--patient-id", &text(&paid, "patient_id")]).iter().all(|c| c["patient_id"] == paid["patient_id"]));
    assert!(
        one(&["--member-id", &text(&paid, "member_id").to_lowercase()])
            .iter()
            .all(|c| c["member_id"] == paid["member_id"])
    );
    assert_eq!(pcns(&one(&["--payer-claim-number", &text(&paid, "payer_claim_number")])), vec![pcn.clone()]);
    let name = text(&paid, "patient_name");
    let last = name.split(',').next().unwrap().to_uppercase();
    assert!(
        one(&["--patient-name", &last])
            .iter()
            .all(|c| text(c, "patient_name") == name || text(c, "patient_name").to_uppercase().contains(&last))
    );
    let by_payer = one(&["--payer", &text(&paid, "payer_id")]);
    assert!(by_payer.len() < all.len() && by_payer.iter().all(|c| c["payer_id"] == paid["payer_id"]));
    let by_status = one(&["--status", "paid"]);
    assert!(by_status.len() < all.len() && by_status.iter().all(|c| c["status"] == "paid"));

    // Balance: what the claim's payer and the patient still owe on the visit.
    let balance = text(&paid, "balance");
    let by_balance = one(&["--min-balance", &balance, "--max-balance", &balance]);
    assert!(by_balance.iter().all(|c| text(c, "balance") == balance));
    let owing = find(&db, &["--min-balance", "0.01"]);
    assert!(!owing.is_empty() && owing.len() < all.len());
    assert!(owing.iter().all(|c| text(c, "balance").parse::<f64>().unwrap() >= 0.01));

    // Age: days since the date of service, as of CLAIMKIT_TODAY.
    let age = paid["age_days"].as_i64().unwrap();
    let by_age = one(&["--min-age", &age.to_string(), "--max-age", &age.to_string()]);
    assert!(by_age.iter().all(|c| c["age_days"] == age));
    assert!(find(&db, &["--max-age", &(age - 1).to_string()]).iter().all(|c| c["age_days"].as_i64().unwrap() < age));

    // Nothing matches: an empty list, no error; CSV has the same rows.
    assert!(find(&db, &["--patient-name", "nobody-by-this-name"]).is_empty());
    let csv = claimkit(&db).args(["--format", "csv", "claim", "find", "--status", "paid"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&csv.stdout).lines().count(), by_status.len() + 1);
    // A bad status is a usage error.
    claimkit(&db).args(["claim", "find", "--status", "lost"]).assert().code(2);
}

#[test]
fn a_claim_without_an_answer_is_asked_about_answered_and_posted() {
    let dir = tempfile::tempdir().unwrap();
    let root = demo(dir.path());
    let db = root.join("claimkit.db");
    let waiting = pcns(&find(&db, &["--status", "submitted"]));
    assert!(!waiting.is_empty(), "the demo's secondary claims have no answer yet");

    // Too recent with the default 30 days as of the day they were sent: nothing to ask.
    let out_dir = dir.path().join("status");
    let today = chrono::Local::now().date_naive().to_string();
    claimkit(&db)
        .args(["--quiet", "status-request", "--out"])
        .arg(&out_dir)
        .args(["--as-of", &today])
        .assert()
        .success();
    assert!(!out_dir.exists() || std::fs::read_dir(&out_dir).unwrap().next().is_none());

    let out = claimkit(&db)
        .args(["--format", "json", "status-request", "--out"])
        .arg(&out_dir)
        .args(["--older-than", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = summary["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "one file per receiver");
    let request = PathBuf::from(files[0]["path"].as_str().unwrap());
    let asked: Vec<String> =
        files[0]["claims"].as_array().unwrap().iter().map(|c| c[0].as_str().unwrap().into()).collect();
    for pcn in &waiting {
        assert!(asked.contains(pcn), "{pcn} is asked about");
    }
    let x12 = std::fs::read_to_string(&request).unwrap();
    assert!(x12.contains("ST*276*") && x12.contains("*005010X212~"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&request).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Control numbers come from the ledger: a second request gets the next interchange.
    let isa13 = files[0]["isa13"].as_u64().unwrap();
    claimkit(&db).arg("inspect").arg(&request).assert().code(0);

    // The payer answers; the same seed gives the same bytes.
    let payer = dir.path().join("payer");
    claimkit(&db).args(["--quiet", "simulate", "--from"]).arg(&request).arg("--out").arg(&payer).assert().success();
    let response = payer.join(request.file_stem().unwrap()).with_extension("277");
    let first = std::fs::read(&response).unwrap();
    claimkit(&db).args(["--quiet", "simulate", "--from"]).arg(&request).arg("--out").arg(&payer).assert().success();
    assert_eq!(first, std::fs::read(&response).unwrap());
    let answer = String::from_utf8(first).unwrap();
    assert!(answer.contains("ST*277*") && answer.contains("GS*HN*") && answer.contains("STC*"));
    claimkit(&db).arg("inspect").arg(&response).assert().code(0);
    validate(&[&request]);

    // Posted through `ack` (recognised by content), once.
    let out = claimkit(&db).args(["--format", "json", "ack"]).arg(&response).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let posted: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(posted[0]["kinds"][0], "277");
    let claims = posted[0]["claims"].as_array().unwrap();
    assert_eq!(claims.len(), asked.len());
    for c in claims {
        assert!(c["reason"].as_str().unwrap().starts_with("277 claim status "), "{c}");
        let history = claimkit(&db).args(["claim", "show", c["pcn"].as_str().unwrap()]).output().unwrap();
        let history = String::from_utf8_lossy(&history.stdout);
        assert!(history.contains("status_request") && history.contains("status_277"), "{history}");
    }
    // A claim the payer has is accepted now, with the payer's claim number.
    let found: Vec<&Value> = claims.iter().filter(|c| !c["reason"].as_str().unwrap().contains("A4:35")).collect();
    for c in &found {
        assert_eq!(c["status_after"], "accepted");
        let row = find(&db, &["--pcn", c["pcn"].as_str().unwrap()]);
        assert!(row[0]["payer_claim_number"].is_string());
    }
    let again = claimkit(&db).args(["--format", "json", "ack"]).arg(&response).output().unwrap();
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again[0]["already_posted"], true);

    // A denied or not found claim is on the worklist.
    let needs_work: Vec<&Value> = claims.iter().filter(|c| c["rejected"] == true).collect();
    let list = claimkit(&db).args(["--format", "json", "worklist"]).output().unwrap();
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    let items = list["sections"]["worklist"].as_array().unwrap();
    for c in needs_work {
        assert!(
            items.iter().any(|i| i["reference"] == c["pcn"]
                && matches!(i["item"].as_str(), Some("denied by status response" | "claim not found by payer"))),
            "{c}"
        );
    }

    let second = claimkit(&db)
        .args(["--format", "json", "status-request", "--out"])
        .arg(&out_dir)
        .args(["--older-than", "0"])
        .output()
        .unwrap();
    let second: Value = serde_json::from_slice(&second.stdout).unwrap();
    if let Some(f) = second["files"].as_array().unwrap().first() {
        assert_eq!(f["isa13"].as_u64().unwrap(), isa13 + 1);
    }
}

#[test]
fn inspect_reads_a_valid_276_with_a_service_line_and_exits_0() {
    // A 276's SVC carries no payment (SVC03): inspect used to require it, as in an 835.
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/status/with-service-line.276");
    assert!(std::fs::read_to_string(&file).unwrap().contains("SVC*HC:99213*125*****1~"));
    let dir = tempfile::tempdir().unwrap();
    let out = claimkit(&dir.path().join("none.db")).arg("inspect").arg(&file).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    validate(&[&file]);
}
