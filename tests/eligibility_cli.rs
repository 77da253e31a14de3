//! Eligibility (270/271, 005010X279A1) end to end with the binary: inquiries for the coverages of
//! encounters not yet billed, the simulated payer's answers, their posting, and the scrub findings
//! each outcome leads to.

mod claim837_common;

use std::path::{Path, PathBuf};

use claim837_common::validate;

fn run(db: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_DB").env("CLAIMKIT_TODAY", "2026-11-25").arg("--db").arg(db).args(args);
    cmd
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data").join(name)
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    out
}

/// A ledger with the sample practice and encounters, asked about and answered with `outcome`;
/// returns the ledger and the scrub's JSON.
fn answered(dir: &Path, outcome: &str) -> (PathBuf, serde_json::Value) {
    let db = dir.join("ledger.db");
    run(&db, &["init", "--practice", sample("practice.toml").to_str().unwrap()]).assert().success();
    run(&db, &["import", sample("encounters.csv").to_str().unwrap()]).assert().success();
    let out = dir.join("out");
    run(&db, &["eligibility", "request", "--out", out.to_str().unwrap()]).assert().success();
    let inquiries = files(&out, "270");
    assert!(!inquiries.is_empty());
    for f in &inquiries {
        validate(f);
    }
    let payer = dir.join("payer");
    for f in &inquiries {
        run(&db, &["simulate", "--from", f.to_str().unwrap(), "--out", payer.to_str().unwrap(), "--outcome", outcome])
            .assert()
            .success();
    }
    let answers = files(&payer, "271");
    assert_eq!(answers.len(), inquiries.len());
    let mut post = vec!["eligibility", "post"];
    let names: Vec<String> = answers.iter().map(|p| p.display().to_string()).collect();
    post.extend(names.iter().map(String::as_str));
    run(&db, &post).assert().success();
    // The same answers again change nothing.
    let again = run(&db, &post).output().unwrap();
    assert!(again.status.success());
    let scrub = run(&db, &["--format", "json", "scrub"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&scrub.stdout).unwrap();
    (db, json)
}

fn rules(scrub: &serde_json::Value) -> Vec<String> {
    let text = scrub.to_string();
    ["ELIGIBILITY-INACTIVE", "ELIGIBILITY-MEMBER-NOT-FOUND", "ELIGIBILITY-OTHER-COVERAGE", "ELIGIBILITY-STALE"]
        .into_iter()
        .filter(|r| text.contains(r))
        .map(str::to_string)
        .collect()
}

#[test]
fn active_coverage_raises_no_eligibility_finding_and_its_271_validates() {
    let dir = tempfile::tempdir().unwrap();
    let (_, scrub) = answered(dir.path(), "active");
    assert!(rules(&scrub).iter().all(|r| r == "ELIGIBILITY-STALE"), "{:?}", rules(&scrub));
    for f in files(&dir.path().join("payer"), "271") {
        validate(&f);
    }
}

#[test]
fn inactive_coverage_holds_the_encounters() {
    let dir = tempfile::tempdir().unwrap();
    let (_, scrub) = answered(dir.path(), "inactive");
    assert!(rules(&scrub).contains(&"ELIGIBILITY-INACTIVE".to_string()), "{scrub}");
    for f in files(&dir.path().join("payer"), "271") {
        validate(&f);
    }
}

#[test]
fn other_coverage_found_is_a_warning_that_says_what_the_payer_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (_, scrub) = answered(dir.path(), "other-coverage");
    assert!(rules(&scrub).contains(&"ELIGIBILITY-OTHER-COVERAGE".to_string()), "{scrub}");
}

#[test]
fn a_member_the_payer_does_not_find_holds_the_encounter() {
    let dir = tempfile::tempdir().unwrap();
    let (db, scrub) = answered(dir.path(), "not-found");
    assert!(rules(&scrub).contains(&"ELIGIBILITY-MEMBER-NOT-FOUND".to_string()), "{scrub}");
    let report = run(&db, &["--format", "json", "report", "eligibility"]).output().unwrap();
    assert!(report.status.success());
    let text = String::from_utf8_lossy(&report.stdout).to_lowercase();
    assert!(text.contains("not found") || text.contains("not_found"), "{text}");
}
