//! The whole billing cycle through the real binary: the demo (build -> simulate -> ack -> remit ->
//! report) with exact expected totals, and the nightly run's guarantees: idempotent, one run at a
//! time, and safe to kill at any point.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

fn claimkit() -> Command {
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_DB").env_remove("CLAIMKIT_TODAY");
    cmd
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> Option<PathBuf> {
    let tool = repo().join("../shared/tools/x12-validate");
    (tool.exists() && std::process::Command::new("python3").arg("--version").output().is_ok()).then_some(tool)
}

fn validate(files: &[PathBuf]) {
    let Some(tool) = validator() else {
        eprintln!("x12-validate or python3 missing: independent validation skipped");
        return;
    };
    let out = std::process::Command::new(tool).args(files).output().unwrap();
    assert!(
        out.status.success(),
        "x12-validate failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn files_with(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

fn figure(summary: &Value, name: &str) -> Value {
    summary["sections"]["figures"].as_array().unwrap().iter().find(|r| r["figure"] == name).unwrap()["value"].clone()
}

#[test]
fn the_demo_runs_the_whole_cycle_to_exact_totals() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("demo");
    let out = claimkit().args(["--format", "json", "demo", "--dir"]).arg(&root).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();

    // Night 1: 68 encounters, the 27 deliberately defective ones held, 41 billed.
    let night1 = &doc["billing_night"];
    assert_eq!(night1["encounters_new"], 68);
    assert_eq!(night1["scrub"]["held"], 27);
    assert_eq!(night1["claims_built"], 41);
    // The payer: 36 paid, 4 denied, 1 rejected up front, one payment reversed and corrected.
    let payer = &doc["payer"][0];
    assert_eq!((payer["paid"].as_array().unwrap().len(), payer["denied"].as_array().unwrap().len()), (36, 4));
    assert_eq!(payer["rejected"].as_array().unwrap().len(), 1);
    assert!(payer["reversed"].is_string());
    // Night 2: everything posted and matched; the patients with Medicaid as second insurance
    // whose primary left a share are billed to Medicaid with the primary's adjudication (one
    // whose primary settled everything is not: Medicaid owes nothing there).
    let night2 = &doc["posting_night"];
    assert_eq!(night2["remit_claims_matched"], 42, "41 claims + the reversal's correction");
    assert_eq!(night2["claims_built"], 2);

    // Reconciliation to the cent, every payment balanced.
    let payments = doc["reports"]["reconciliation"]["sections"]["remittances"].as_array().unwrap();
    let by_payer = |p: &str| payments.iter().find(|r| r["payer_id"] == p).unwrap().clone();
    for (payer, amount, billed, paid, patient) in [
        ("MCRB1", "1369.93", "2514.50", "1368.77", "447.26"),
        ("MCD01", "495.28", "1540.50", "495.28", "305.52"),
        ("ACME1", "1260.94", "2655.50", "1260.94", "454.65"),
    ] {
        let row = by_payer(payer);
        assert_eq!(
            (
                row["amount"].as_str(),
                row["billed"].as_str(),
                row["paid"].as_str(),
                row["patient_responsibility"].as_str()
            ),
            (Some(amount), Some(billed), Some(paid), Some(patient)),
            "{payer}"
        );
        assert_eq!(row["balanced"], true);
    }
    // Allowed (the lines' AMT*B6), adjustments by group (claims' and lines' CAS), PLB.
    for (payer, allowed, co, pr, oa, plb) in [
        ("MCRB1", "1816.03", "698.47", "447.26", "0.00", "-1.16"),
        ("MCD01", "800.80", "739.70", "305.52", "0.00", "0.00"),
        ("ACME1", "1715.59", "939.91", "454.65", "0.00", "0.00"),
    ] {
        let row = by_payer(payer);
        let figures = ["allowed", "adj_co", "adj_pr", "adj_oa", "provider_adjustments"].map(|k| row[k].clone());
        assert_eq!(figures, [allowed, co, pr, oa, plb], "{payer}");
    }
    let summary = &doc["reports"]["summary"];
    assert_eq!(figure(summary, "claims"), 43);
    // One receivable per visit: the secondary claim's repeated charge is not a new one.
    assert_eq!(figure(summary, "charges"), "6785.50");
    assert_eq!(figure(summary, "payments"), "3124.99");
    assert_eq!(figure(summary, "adjustments"), "1688.33");
    assert_eq!(figure(summary, "insurance A/R"), "863.82");
    assert_eq!(figure(summary, "patient A/R"), "1108.36");
    for name in ["days in A/R", "clean-claim rate %", "first-pass resolution rate %", "net collection rate %"] {
        assert!(figure(summary, name).is_number(), "{name}");
    }
    // The summary agrees with `report balance` to the cent, and the balance identity holds.
    let balance = claimkit()
        .args(["--format", "json", "--db"])
        .arg(root.join("claimkit.db"))
        .args(["report", "balance", "--as-of", "2026-11-25"])
        .output()
        .unwrap();
    let balance: Value = serde_json::from_slice(&balance.stdout).unwrap();
    let totals = &balance["totals"];
    let keys: Vec<&str> = totals.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    for (key, figure_name) in [
        ("charges", "charges"),
        ("payments", "payments"),
        ("adjustments", "adjustments"),
        ("insurance_ar", "insurance A/R"),
        ("patient_ar", "patient A/R"),
        ("credits", "credits"),
    ] {
        assert_eq!(totals[key], figure(summary, figure_name), "{key}");
    }
    let cents = |v: &Value| claimkit::money::to_cents(v.as_str().unwrap().parse().unwrap()).unwrap();
    assert_eq!(
        cents(&totals["charges"]) - cents(&totals["payments"]) - cents(&totals["adjustments"]),
        cents(&totals["insurance_ar"]) + cents(&totals["patient_ar"]) - cents(&totals["credits"])
    );
    let rows = balance["by_payer"].as_array().unwrap();
    let sum = |key: &str| rows.iter().map(|r| cents(&r[key])).sum::<i64>();
    assert_eq!(sum("charges"), cents(&totals["charges"]));
    assert_eq!(sum("payments"), cents(&totals["payments"]));
    assert_eq!(figure(summary, "held by scrub errors"), 27);
    let denials = doc["reports"]["denials"]["sections"]["by_reason"].as_array().unwrap();
    assert!(denials.iter().any(|r| r["carc"] == "16" && r["label"].as_str().is_some_and(|l| !l.is_empty())));
    let worklist = doc["reports"]["worklist"]["sections"]["worklist"].as_array().unwrap();
    for item in ["rejected claim", "denied claim", "held encounter", "underpayment"] {
        assert!(worklist.iter().any(|r| r["item"] == item), "worklist has a {item}");
    }

    // Everything claimkit and its payer simulator wrote passes the independent validator.
    let mut x12 = files_with(&root.join("outbox"), "837");
    assert_eq!(x12.len(), 2);
    x12.extend(files_with(&root.join("payer"), "999"));
    x12.extend(files_with(&root.join("payer"), "835"));
    validate(&x12);
    for name in ["summary", "reconciliation", "denials", "aging", "worklist"] {
        let html = std::fs::read_to_string(root.join(format!("reports/{name}.html"))).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"), "{name}.html");
    }

    // A second demo in the same directory starts over and lands on the same figures.
    let again = claimkit().args(["--format", "json", "demo", "--dir"]).arg(&root).output().unwrap();
    let doc2: Value = serde_json::from_slice(&again.stdout).unwrap();
    let figures = |doc: &Value| {
        let mut report = doc["reports"]["reconciliation"].clone();
        report.as_object_mut().unwrap().remove("generated_at");
        report
    };
    assert_eq!(figures(&doc2), figures(&doc));
}

#[test]
fn the_demo_never_wipes_a_directory_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "keep me").unwrap();
    claimkit().args(["demo", "--dir"]).arg(dir.path()).assert().code(3);
    assert!(dir.path().join("notes.txt").exists());
}

/// A ledger with the sample practice and code sets, and an inbox with the sample EMR exports.
fn nightly_setup(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let db = dir.join("ledger.db");
    let inbox = dir.join("inbox");
    let outbox = dir.join("outbox");
    std::fs::create_dir_all(&inbox).unwrap();
    claimkit()
        .arg("--db")
        .arg(&db)
        .args(["init", "--practice"])
        .arg(repo().join("sample-data/practice.toml"))
        .assert()
        .success();
    for (kind, file) in [("cpt", "cpt.csv"), ("hcpcs", "hcpcs.csv"), ("fee-schedule", "fee-schedule.csv")] {
        claimkit()
            .arg("--db")
            .arg(&db)
            .args(["codes", "import", kind])
            .arg(repo().join("sample-data/codesets").join(file))
            .assert()
            .success();
    }
    for name in ["encounters.csv", "encounters.fhir.json", "encounters.hl7"] {
        std::fs::copy(repo().join("sample-data").join(name), inbox.join(name)).unwrap();
    }
    (db, inbox, outbox)
}

fn nightly(db: &Path, inbox: &Path, outbox: &Path) -> Command {
    let mut cmd = claimkit();
    cmd.arg("--db")
        .arg(db)
        .args(["--format", "json", "nightly", "--as-of", "2026-11-25", "--inbox"])
        .arg(inbox)
        .arg("--outbox")
        .arg(outbox);
    cmd
}

fn count(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_second_nightly_run_over_the_same_inbox_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (db, inbox, outbox) = nightly_setup(dir.path());
    // Held encounters are findings a biller must act on: exit 1.
    let first = nightly(&db, &inbox, &outbox).output().unwrap();
    assert_eq!(first.status.code(), Some(1), "{}", String::from_utf8_lossy(&first.stderr));
    let summary: Value = serde_json::from_slice(&first.stdout).unwrap();
    // 41 clean encounters, and E9027, whose NCCI edit is not checked without the NCCI table.
    assert_eq!(summary["claims_built"], 42);
    assert_eq!(files_with(&outbox, "837").len(), 1);
    let second: Value = serde_json::from_slice(&nightly(&db, &inbox, &outbox).output().unwrap().stdout).unwrap();
    assert_eq!(second["claims_built"], 0);
    assert!(second["files"].as_array().unwrap().iter().all(|f| f["result"] == "already processed"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims"), 42);
    assert_eq!(files_with(&outbox, "837").len(), 1);
}

#[test]
fn nightly_archives_what_it_processed_and_keeps_what_it_could_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let (db, inbox, outbox) = nightly_setup(dir.path());
    std::fs::write(inbox.join("broken.835"), "ISA*00*garbage~").unwrap();
    let archive = dir.path().join("archive");
    let out = nightly(&db, &inbox, &outbox).arg("--archive").arg(&archive).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "an unreadable inbox file is an input error");
    assert_eq!(files_with(&archive.join("2026-11-25"), "csv").len(), 1);
    assert!(inbox.join("broken.835").exists(), "failed files stay for a person to look at");
    assert!(!inbox.join("encounters.csv").exists());
}

#[test]
fn a_nightly_run_while_another_holds_the_ledger_exits_75_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (db, inbox, outbox) = nightly_setup(dir.path());
    let _held = claimkit::ledger::LedgerLock::acquire(&db).unwrap();
    let started = std::time::Instant::now();
    nightly(&db, &inbox, &outbox).assert().code(75);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_nightly_run_killed_at_any_point_then_rerun_bills_every_claim_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let (db, inbox, outbox) = nightly_setup(dir.path());
    let bin = assert_cmd::cargo::cargo_bin("claimkit");
    // Kill -9 at a spread of moments: before, during and after import, scrub and build.
    for delay_ms in [5u64, 40, 80, 150, 250, 400] {
        let mut child = std::process::Command::new(&bin)
            .arg("--db")
            .arg(&db)
            .args(["--quiet", "nightly", "--as-of", "2026-11-25", "--inbox"])
            .arg(&inbox)
            .arg("--outbox")
            .arg(&outbox)
            .env_remove("CLAIMKIT_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    // A killed run may have finished and remembered its findings: ask for every finding.
    nightly(&db, &inbox, &outbox).args(["--fail-on", "any"]).assert().code(1);
    // Every clean encounter billed exactly once...
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims"), 42);
    assert_eq!(count(&db, "SELECT COUNT(DISTINCT encounter_id) FROM claims"), 42);
    // ...in exactly one file that is in the outbox and recorded; set-aside files are never sent.
    let recorded: i64 = count(&db, "SELECT COALESCE(SUM(claim_count), 0) FROM batches");
    assert_eq!(recorded, 42);
    let sendable = files_with(&outbox, "837");
    let clms: usize = sendable
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap().split('~').filter(|s| s.trim_start().starts_with("CLM*")).count())
        .sum();
    assert_eq!(clms, 42, "files in the outbox: {sendable:?}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM batches") as usize, sendable.len());
    // The encounters were imported once, whatever the interruptions.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM encounters"), 68);
}

#[test]
fn the_cycle_command_by_command_reaches_the_demo_totals() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    let run = |args: &[&str]| {
        let mut cmd = claimkit();
        cmd.arg("--db").arg(&db).env("CLAIMKIT_TODAY", "2026-11-25").args(args);
        cmd
    };
    let sample = |p: &str| repo().join("sample-data").join(p).display().to_string();
    run(&["init", "--practice", &sample("practice.toml")]).assert().success();
    for (kind, file) in [
        ("cpt", "codesets/cpt.csv"),
        ("hcpcs", "codesets/hcpcs.csv"),
        ("ncci-ptp", "codesets/ncci-ptp-practitioner.txt"),
        ("mue", "codesets/mue.csv"),
        ("fee-schedule", "codesets/fee-schedule.csv"),
    ] {
        run(&["codes", "import", kind, &sample(file)]).assert().success();
    }
    run(&["import", &sample("encounters.csv"), &sample("encounters.fhir.json"), &sample("encounters.hl7")])
        .assert()
        .success();
    let outbox = dir.path().join("outbox");
    // 14 encounters are held by the scrub: findings, exit 1.
    run(&["build", "--out", outbox.to_str().unwrap()]).assert().code(1);
    let batch = files_with(&outbox, "837").remove(0);
    let payer = dir.path().join("payer");
    run(&["simulate", "--from", batch.to_str().unwrap(), "--out", payer.to_str().unwrap()]).assert().success();
    // One claim rejected by the 277CA: exit 1.
    let acks: Vec<String> = [files_with(&payer, "999"), files_with(&payer, "277ca")]
        .concat()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    run(&[&["ack"], &acks.iter().map(String::as_str).collect::<Vec<_>>()[..]].concat()).assert().code(1);
    // Underpayments against the fee schedule: exit 1.
    let remit = files_with(&payer, "835").remove(0);
    run(&["remit", remit.to_str().unwrap()]).assert().code(1);
    // Posting the same 835 again changes nothing.
    let again = run(&["--format", "json", "remit", remit.to_str().unwrap()]).output().unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("already_posted"));
    // The secondary payer is billed once the primary left it a balance.
    run(&["build", "--out", outbox.to_str().unwrap()]).assert().code(1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims WHERE responsibility = 'S'"), 2);

    let out = run(&["--format", "json", "report", "reconciliation"]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let amounts: Vec<(String, String)> = report["sections"]["remittances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["payer_id"].as_str().unwrap().to_string(), r["amount"].as_str().unwrap().to_string()))
        .collect();
    // One payment per payer, in the order the simulated payer wrote them (its first claim's place
    // in the 837, which lists claims in the order their encounters were imported).
    assert_eq!(
        amounts,
        [
            ("MCRB1".to_string(), "1369.93".to_string()),
            ("MCD01".into(), "495.28".into()),
            ("ACME1".into(), "1260.94".into())
        ]
    );
    validate(&files_with(&outbox, "837"));
}
