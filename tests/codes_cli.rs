//! `claimkit codes` as a user runs it: the code-set facts of domain.md, every importer on its
//! sample file and on a malformed one, re-import no-op, and the JSON shapes of lookup and status.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn claimkit() -> Command {
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_DB");
    cmd
}

/// A new, empty ledger: only `init` creates one.
fn init(db: &Path) {
    claimkit().arg("--db").arg(db).arg("init").assert().code(0);
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/codesets").join(name)
}

fn malformed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codesets").join(name)
}

fn json(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn lookup_json(db: &Path, on: &str, codes: &[&str]) -> Vec<Value> {
    let mut cmd = claimkit();
    cmd.arg("--db").arg(db).args(["--format", "json", "codes", "lookup", "--on", on]).args(codes);
    json(&mut cmd).as_array().unwrap().clone()
}

fn icd(findings: &[Value], code: &str) -> Value {
    findings.iter().find(|f| f["code"] == code && f["system"] == "icd10cm").cloned().unwrap_or(Value::Null)
}

const SAMPLES: [(&str, &str); 8] = [
    ("cpt", "cpt.csv"),
    ("hcpcs", "hcpcs-anweb.txt"),
    ("hcpcs", "hcpcs.csv"),
    ("ncci-ptp", "ncci-ptp-practitioner.txt"),
    ("mue", "mue.csv"),
    ("fee-schedule", "fee-schedule.csv"),
    ("carc", "carc.csv"),
    ("rarc", "rarc.csv"),
];

const MALFORMED: [(&str, &str, &str); 8] = [
    ("cpt", "cpt-bad-code.csv", ":3: "),
    ("hcpcs", "hcpcs-anweb-bad-recid.txt", ":4: "),
    ("hcpcs", "hcpcs-bad-date.csv", ":3: "),
    ("ncci-ptp", "ncci-ptp-bad-indicator.txt", ":6: "),
    ("mue", "mue-bad-units.csv", ":5: "),
    ("fee-schedule", "fee-schedule-bad-amount.csv", ":3: "),
    ("carc", "carc-bad-code.csv", ":3: "),
    ("rarc", "rarc-missing-description.csv", ":3: "),
];

#[test]
fn status_counts_billable_icd10cm_codes_per_fiscal_year() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    for (on, count) in [("2024-10-01", 74_260), ("2025-10-01", 74_719), ("2026-10-01", 74_879)] {
        let mut cmd = claimkit();
        cmd.arg("--db").arg(&db).args(["--format", "json", "codes", "status", "--on", on]);
        let st = json(&mut cmd);
        assert_eq!(st["icd10cm_billable"], count, "on {on}");
        assert_eq!(st["ledger_loaded"], false);
        assert!(
            st["missing"].as_array().unwrap().iter().any(|m| m
                .as_str()
                .unwrap()
                .starts_with("CPT not loaded: procedure codes are checked for format only"))
        );
    }
    assert!(!db.exists(), "status must not create a ledger");
}

#[test]
fn e11_is_a_header_and_e119_is_billable() {
    let dir = tempfile::tempdir().unwrap();
    let f = lookup_json(&dir.path().join("none.db"), "2025-11-15", &["E11", "E11.9", "e119"]);
    let e11 = icd(&f, "E11");
    assert_eq!((e11["billable"].clone(), e11["valid"].clone()), (Value::Bool(false), Value::Bool(false)));
    let e119: Vec<_> = f.iter().filter(|x| x["code"] == "E119").collect();
    assert_eq!(e119.len(), 2, "E11.9 and e119 both find E119");
    for x in e119 {
        assert_eq!(x["billable"], true);
        assert_eq!(x["valid"], true);
        assert_eq!(x["description"], "Type 2 diabetes mellitus without complications");
    }
}

#[test]
fn i4200_is_valid_from_fy2027_and_d691_until_fy2027() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    let before = lookup_json(&db, "2025-11-15", &["I4200", "D691"]);
    let after = lookup_json(&db, "2026-10-15", &["I4200", "D691"]);
    assert_eq!(icd(&before, "I4200")["valid"], false);
    assert_eq!(icd(&after, "I4200")["valid"], true);
    assert_eq!(icd(&before, "D691")["valid"], true);
    assert_eq!(icd(&after, "D691")["valid"], false);
    assert_eq!(icd(&before, "D691")["valid_to"], "2026-09-30");
}

#[test]
fn lookup_json_has_the_promised_fields_and_unknown_codes_have_no_system() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    let f = lookup_json(&db, "2025-11-15", &["E119", "25", "ZZZZ9"]);
    for x in &f {
        for key in ["code", "system", "valid", "billable", "description", "valid_from", "valid_to"] {
            assert!(x.get(key).is_some(), "{key} missing in {x}");
        }
    }
    let modifier = f.iter().find(|x| x["system"] == "modifier").unwrap();
    assert_eq!(modifier["billable"], Value::Null);
    let unknown = f.iter().find(|x| x["code"] == "ZZZZ9").unwrap();
    assert_eq!((unknown["system"].clone(), unknown["valid"].clone()), (Value::Null, Value::Bool(false)));
    assert!(!db.exists(), "lookup must not create a ledger");
}

#[test]
fn lookup_without_a_ledger_says_imported_tables_are_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    claimkit()
        .arg("--db")
        .arg(dir.path().join("none.db"))
        .args(["codes", "lookup", "99213", "--on", "2026-01-05"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("imported tables"))
        .stdout(predicate::str::contains("CPT not loaded"));
}

#[test]
fn every_importer_reads_its_sample_and_a_second_import_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    init(&db);
    for (kind, file) in SAMPLES {
        claimkit()
            .arg("--db")
            .arg(&db)
            .args(["codes", "import", kind])
            .arg(sample(file))
            .assert()
            .code(0)
            .stdout(predicate::str::contains("imported"));
    }
    for (kind, file) in [("cpt", "cpt.csv"), ("hcpcs", "hcpcs.csv")] {
        claimkit()
            .arg("--db")
            .arg(&db)
            .args(["codes", "import", kind])
            .arg(sample(file))
            .assert()
            .code(0)
            .stdout(predicate::str::contains("already in force").and(predicate::str::contains("nothing changed")));
    }
    let mut cmd = claimkit();
    cmd.arg("--db").arg(&db).args(["--format", "json", "codes", "status", "--on", "2026-03-02"]);
    let st = json(&mut cmd);
    assert_eq!(st["missing"].as_array().unwrap().len(), 0);
    let cpt = st["tables"].as_array().unwrap().iter().find(|t| t["table"] == "cpt").unwrap();
    assert_eq!(
        (cpt["loaded"].clone(), cpt["rows"].clone(), cpt["source"].clone()),
        (true.into(), 36.into(), "cpt.csv".into())
    );
    assert_eq!(cpt["sha256"].as_str().unwrap().len(), 64);

    let f = lookup_json(&db, "2026-03-02", &["99213", "J3420", "99201"]);
    let cpt = f.iter().find(|x| x["code"] == "99213").unwrap();
    assert_eq!((cpt["system"].clone(), cpt["valid"].clone()), ("cpt".into(), true.into()));
    assert!(cpt["description"].as_str().unwrap().contains("(synthetic)"));
    assert!(f.iter().any(|x| x["code"] == "J3420" && x["system"] == "hcpcs" && x["valid"] == true));
    let deleted = f.iter().find(|x| x["code"] == "99201").unwrap();
    assert_eq!((deleted["valid"].clone(), deleted["valid_to"].clone()), (false.into(), "2020-12-31".into()));
}

#[test]
fn every_importer_rejects_a_malformed_file_with_file_and_line_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    init(&db);
    for (kind, file, line) in MALFORMED {
        claimkit()
            .arg("--db")
            .arg(&db)
            .args(["codes", "import", kind])
            .arg(malformed(file))
            .assert()
            .code(3)
            .stderr(predicate::str::contains(format!("{file}{line}")));
    }
    let mut cmd = claimkit();
    cmd.arg("--db").arg(&db).args(["--format", "json", "codes", "status"]);
    let st = json(&mut cmd);
    assert_eq!(st["missing"].as_array().unwrap().len(), 7, "nothing was imported: {st}");
}

#[test]
fn search_finds_titles_by_words_best_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = claimkit();
    cmd.arg("--db").arg(dir.path().join("none.db")).args([
        "--format",
        "json",
        "codes",
        "search",
        "type 2 diabetes without complications",
        "--system",
        "icd10cm",
        "--on",
        "2025-11-15",
        "--limit",
        "3",
    ]);
    let hits = json(&mut cmd);
    let hits = hits.as_array().unwrap();
    assert_eq!(hits[0]["code"], "E119");
    assert!(hits.len() <= 3);
}

/// CMS publishes the practitioner PTP edits in parts: one import of them all replaces the table,
/// naming them again (in any order) changes nothing, and a part with a bad row imports none.
#[test]
fn ncci_ptp_parts_import_together() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    init(&db);
    let text = std::fs::read_to_string(sample("ncci-ptp-practitioner.txt")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The notice and title lines, then the edits split in two parts, each with the header.
    let header = lines[..3].join("\n");
    let edits = &lines[3..];
    assert!(edits.len() >= 4, "{edits:?}");
    let (one, two) = edits.split_at(edits.len() / 2);
    let part = |name: &str, rows: &[&str]| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        path
    };
    let (f1, f2) = (part("ptp-f1.txt", one), part("ptp-f2.txt", two));
    let import = |files: &[&PathBuf]| {
        let mut cmd = claimkit();
        cmd.arg("--db").arg(&db).args(["--format", "json", "codes", "import", "ncci-ptp"]).args(files);
        json(&mut cmd)
    };
    let first = import(&[&f1, &f2]);
    assert_eq!(first["rows"], edits.len());
    assert_eq!(first["file_name"], "ptp-f1.txt, ptp-f2.txt");
    let again = import(&[&f2, &f1]);
    assert_eq!(
        (again["status"].as_str(), again["rows"].as_u64()),
        (Some("already_in_force"), Some(edits.len() as u64))
    );
    // One part alone is another import: it replaces the table with its own edits.
    let alone = import(&[&f1]);
    assert_eq!(alone["rows"], one.len());
    // A bad row in the second part: nothing of the first is kept either.
    let bad = part("ptp-f3.txt", &["20610\t99215\t\t20210101\t*\t2\tbad indicator"]);
    claimkit()
        .arg("--db")
        .arg(&db)
        .args(["codes", "import", "ncci-ptp"])
        .args([&f2, &bad])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("ptp-f3.txt:4: modifier indicator \"2\""));
    let status = json(claimkit().arg("--db").arg(&db).args(["--format", "json", "codes", "status"]));
    let ptp = status["tables"].as_array().unwrap().iter().find(|t| t["table"] == "ncci-ptp").cloned().unwrap();
    assert_eq!((ptp["source"].as_str(), ptp["rows"].as_u64()), (Some("ptp-f1.txt"), Some(one.len() as u64)));
    // Only ncci-ptp comes in parts.
    claimkit()
        .arg("--db")
        .arg(&db)
        .args(["codes", "import", "cpt"])
        .args([sample("cpt.csv"), sample("cpt-codes-only.txt")])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("only ncci-ptp is published in parts"));
}
