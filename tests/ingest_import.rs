//! `claimkit import` as a biller runs it: the three formats agree, re-imports are no-ops, changes
//! before and after billing, bad records with their position, mappings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use rusqlite::Connection;
use serde_json::Value;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data").join(name)
}

fn claimkit(db: &Path) -> Command {
    if !db.exists() {
        // Only `init` creates a ledger; every test here starts from an empty one.
        let mut init = Command::cargo_bin("claimkit").unwrap();
        init.env_remove("CLAIMKIT_DB").arg("--db").arg(db).arg("init").assert().code(0);
    }
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_DB").arg("--db").arg(db);
    cmd
}

/// Runs `import --format json` and returns the summary rows.
fn import(db: &Path, args: &[&Path], expected_exit: i32) -> Vec<Value> {
    let out = claimkit(db)
        .args(["--format", "json", "import"])
        .args(args)
        .assert()
        .code(expected_exit)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice::<Value>(&out).unwrap().as_array().unwrap().clone()
}

fn count(row: &Value, key: &str) -> i64 {
    row[key].as_i64().unwrap()
}

/// encounter id -> (content_hash, encounter_json without its sources)
fn stored(db: &Path) -> BTreeMap<String, (String, Value)> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT id, content_hash, encounter_json FROM encounters").unwrap();
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .unwrap()
        .map(|r| {
            let (id, hash, json) = r.unwrap();
            let mut v: Value = serde_json::from_str(&json).unwrap();
            v.as_object_mut().unwrap().remove("source");
            for line in v["lines"].as_array_mut().unwrap() {
                line.as_object_mut().unwrap().remove("source");
            }
            (id, (hash, v))
        })
        .collect()
}

fn clean_ids() -> Vec<String> {
    (1001..=1036).map(|n| format!("E{n}")).collect()
}

#[test]
fn csv_fhir_and_hl7_versions_of_the_clean_encounters_store_identical_encounters() {
    let dir = tempfile::tempdir().unwrap();
    let dbs: Vec<PathBuf> = ["csv.db", "fhir.db", "hl7.db"].iter().map(|n| dir.path().join(n)).collect();
    let rows = import(&dbs[0], &[&sample("encounters.csv")], 0);
    assert_eq!(count(&rows[0], "new"), 68);
    let rows = import(&dbs[1], &[&sample("encounters.fhir.json")], 0);
    assert_eq!((rows[0]["format"].as_str().unwrap(), count(&rows[0], "new")), ("fhir", 36));
    let rows = import(&dbs[2], &[&sample("encounters.hl7")], 0);
    assert_eq!((rows[0]["format"].as_str().unwrap(), count(&rows[0], "new")), ("hl7v2", 36));
    let [csv, fhir, hl7] = [stored(&dbs[0]), stored(&dbs[1]), stored(&dbs[2])];
    for id in clean_ids() {
        assert_eq!(fhir.get(&id), csv.get(&id), "FHIR and CSV differ for {id}");
        assert_eq!(hl7.get(&id), csv.get(&id), "HL7 and CSV differ for {id}");
    }
    assert_eq!(fhir.len(), 36);
    assert_eq!(hl7.len(), 36);
}

#[test]
fn importing_the_same_file_twice_changes_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    import(&db, &[&sample("encounters.csv")], 0);
    let conn = Connection::open(&db).unwrap();
    let snapshot = |c: &Connection| -> Vec<(String, String, String)> {
        c.prepare("SELECT id, content_hash, updated_at FROM encounters ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let before = snapshot(&conn);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let rows = import(&db, &[&sample("encounters.csv")], 0);
    assert_eq!((count(&rows[0], "new"), count(&rows[0], "updated"), count(&rows[0], "unchanged")), (0, 0, 68));
    assert_eq!(rows[0]["status"], "unchanged");
    assert_eq!(snapshot(&conn), before);
}

/// The sample CSV with E1001's first line charge changed.
fn changed_csv(dir: &Path, encounter: &str) -> PathBuf {
    let text = std::fs::read_to_string(sample("encounters.csv")).unwrap();
    let mut done = false;
    let changed: Vec<String> = text
        .lines()
        .map(|l| {
            if !done && l.starts_with(&format!("{encounter},")) {
                done = true;
                l.replacen(",160.00,", ",175.00,", 1)
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(done);
    let path = dir.join("changed.csv");
    std::fs::write(&path, changed.join("\n") + "\n").unwrap();
    path
}

#[test]
fn a_changed_encounter_not_yet_billed_is_updated_and_must_be_scrubbed_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    import(&db, &[&sample("encounters.csv")], 0);
    let conn = Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO encounter_scrubs (encounter_id, scrub_status, scrubbed_hash, primary_pcn, payer_id, scrubbed_at)
         SELECT id, 'clean', content_hash, 'P' || id, payer_id, 't' FROM encounters",
        [],
    )
    .unwrap();
    let rows = import(&db, &[&changed_csv(dir.path(), "E1001")], 0);
    assert_eq!((count(&rows[0], "updated"), count(&rows[0], "unchanged")), (1, 67));
    let (status, total): (Option<String>, String) = conn
        .query_row("SELECT CASE WHEN s.scrubbed_hash = e.content_hash THEN s.scrub_status END, e.total_charge FROM encounters e JOIN encounter_scrubs s ON s.encounter_id = e.id WHERE e.id = 'E1001'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(status, None);
    assert_eq!(total, "209.00");
    let untouched: String =
        conn.query_row("SELECT CASE WHEN s.scrubbed_hash = e.content_hash THEN s.scrub_status END FROM encounters e JOIN encounter_scrubs s ON s.encounter_id = e.id WHERE e.id = 'E1002'", [], |r| r.get(0)).unwrap();
    assert_eq!(untouched, "clean");
}

#[test]
fn a_changed_encounter_after_billing_is_a_conflict_and_the_billed_data_stays() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    import(&db, &[&sample("encounters.csv")], 0);
    let conn = Connection::open(&db).unwrap();
    let before: String =
        conn.query_row("SELECT encounter_json FROM encounters WHERE id = 'E1001'", [], |r| r.get(0)).unwrap();
    conn.execute(
        "INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, encounter_hash, patient_id, first_dos,
             last_dos, total_charge, status, submitted_at, updated_at)
         SELECT 'PCN1', id, payer_id, 'P', '1', content_hash, patient_id, first_dos, last_dos, total_charge, 'submitted',
             '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z' FROM encounters WHERE id = 'E1001'",
        [],
    )
    .unwrap();
    let changed = changed_csv(dir.path(), "E1001");
    let out = claimkit(&db)
        .args(["--format", "json", "import"])
        .arg(&changed)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("encounter E1001 changed after it was billed"))
        .get_output()
        .stdout
        .clone();
    let rows: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(rows[0]["conflicts"], 1);
    let after: String =
        conn.query_row("SELECT encounter_json FROM encounters WHERE id = 'E1001'", [], |r| r.get(0)).unwrap();
    assert_eq!(after, before);
    let conflicts: i64 =
        conn.query_row("SELECT COUNT(*) FROM import_conflicts WHERE encounter_id = 'E1001'", [], |r| r.get(0)).unwrap();
    assert_eq!(conflicts, 1);
}

#[test]
fn a_csv_row_with_a_bad_date_is_reported_with_line_and_column_and_the_rest_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    let text = std::fs::read_to_string(sample("encounters.csv")).unwrap().replacen("1945-01-01", "01/01/1945", 1);
    let path = dir.path().join("bad-date.csv");
    std::fs::write(&path, text).unwrap();
    let out = claimkit(&db)
        .args(["--format", "json", "import"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad-date.csv:line 2: patient_dob: not a date in the form YYYY-MM-DD"))
        .stderr(predicate::str::contains("01/01/1945").not())
        .get_output()
        .stdout
        .clone();
    let rows: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!((rows[0]["new"].as_i64(), rows[0]["rejected"].as_i64()), (Some(67), Some(1)));
    claimkit(&dir.path().join("other.db"))
        .args(["--show-data", "import"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("(value \"01/01/1945\")"));
}

#[test]
fn truncated_fhir_json_is_unreadable_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample("encounters.fhir.json")).unwrap();
    let path = dir.path().join("truncated.json");
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    claimkit(&dir.path().join("l.db"))
        .arg("import")
        .arg(&path)
        .assert()
        .code(3)
        .stderr(predicate::str::is_match(r"truncated\.json:line \d+ column \d+: not valid JSON \(the file ends in the middle of a value: truncated\?\)").unwrap());
}

#[test]
fn a_dft_without_pid_is_rejected_by_message_number_and_the_others_import() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample("encounters.hl7")).unwrap();
    let first_pid = text.lines().find(|l| l.starts_with("PID|")).unwrap().to_string();
    let path = dir.path().join("no-pid.hl7");
    std::fs::write(&path, text.replacen(&format!("{first_pid}\n"), "", 1)).unwrap();
    let rows = {
        let out = claimkit(&dir.path().join("l.db"))
            .args(["--format", "json", "import"])
            .arg(&path)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("no-pid.hl7:message 1 (line 1): PID: missing"))
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice::<Value>(&out).unwrap()
    };
    assert_eq!((rows[0]["new"].as_i64(), rows[0]["rejected"].as_i64()), (Some(35), Some(1)));
}

#[test]
fn hl7_with_carriage_returns_and_mllp_framing_reads_the_same_encounters() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample("encounters.hl7")).unwrap();
    let framed: String = text
        .split("MSH|")
        .filter(|m| !m.is_empty())
        .map(|m| format!("\x0bMSH|{}\x1c\r", m.trim_end().replace('\n', "\r")))
        .collect();
    let path = dir.path().join("framed.hl7");
    std::fs::write(&path, framed).unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    import(&a, &[&sample("encounters.hl7")], 0);
    let rows = import(&b, &[&path], 0);
    assert_eq!(count(&rows[0], "new"), 36);
    assert_eq!(stored(&a), stored(&b));
}

#[test]
fn fhir_ndjson_bulk_export_reads_the_same_encounters_as_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(sample("encounters.fhir.json")).unwrap()).unwrap();
    let ndjson: String = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::to_string(&e["resource"]).unwrap() + "\n")
        .collect();
    let path = dir.path().join("export.ndjson");
    std::fs::write(&path, ndjson).unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    import(&a, &[&sample("encounters.fhir.json")], 0);
    let rows = import(&b, &[&path], 0);
    assert_eq!((rows[0]["format"].as_str(), count(&rows[0], "new")), (Some("fhir"), 36));
    assert_eq!(stored(&a), stored(&b));
}

#[test]
fn mapped_exports_of_other_emrs_read_the_same_encounters_as_the_canonical_csv() {
    let dir = tempfile::tempdir().unwrap();
    let canonical = dir.path().join("c.db");
    import(&canonical, &[&sample("encounters.csv")], 0);
    let canonical = stored(&canonical);
    for (name, ids, note) in [
        ("athena-style", vec!["E1001", "E1004", "E1015", "E1035"], None),
        ("legacy-pm", vec!["E1001", "E1019", "E1023"], Some("CHART_LOCATION")),
    ] {
        let db = dir.path().join(format!("{name}.db"));
        let out = claimkit(&db)
            .args(["--format", "json", "import", "--mapping"])
            .arg(sample(&format!("mappings/{name}.toml")))
            .arg(sample(&format!("mappings/{name}.csv")))
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let rows: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(rows[0]["new"].as_i64(), Some(ids.len() as i64), "{name}");
        let mapped = stored(&db);
        for id in ids {
            let (_, mut got) = mapped[id].clone();
            if let Some(note) = note {
                assert!(got["notes"][note].is_string(), "{name} {id}: the unmapped column is kept as a note");
                got["notes"] = serde_json::json!({});
            }
            assert_eq!(got, canonical[id].1, "{name} {id}");
        }
    }
}

#[test]
fn a_mapping_naming_an_unknown_column_is_an_input_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("m.toml");
    std::fs::write(&mapping, "[columns]\nencounter_id = \"Visit\"\npatient_shoe_size = \"Shoe\"\n").unwrap();
    claimkit(&dir.path().join("l.db"))
        .args(["import", "--mapping"])
        .arg(&mapping)
        .arg(sample("encounters.csv"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("m.toml:3: \"patient_shoe_size\" is not a canonical column"));
}

#[test]
fn a_missing_file_exits_3_and_the_readable_files_still_import() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    claimkit(&db)
        .arg("import")
        .arg(dir.path().join("nowhere.csv"))
        .arg(sample("encounters.hl7"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("nowhere.csv"));
    assert_eq!(stored(&db).len(), 36);
}

#[test]
fn the_input_format_can_be_forced() {
    let dir = tempfile::tempdir().unwrap();
    claimkit(&dir.path().join("l.db"))
        .args(["import", "--input-format", "fhir"])
        .arg(sample("encounters.csv"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not valid JSON"));
}

#[test]
fn an_encounter_id_that_reappears_later_in_the_file_is_rejected_not_merged() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample("encounters.csv")).unwrap();
    let first_row = text.lines().nth(1).unwrap().to_string();
    let path = dir.path().join("split.csv");
    std::fs::write(&path, format!("{}{first_row}\n", text)).unwrap();
    let out = claimkit(&dir.path().join("l.db"))
        .args(["--format", "json", "import"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("encounter_id: this encounter ID already appeared earlier in the file"))
        .get_output()
        .stdout
        .clone();
    let rows: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!((rows[0]["new"].as_i64(), rows[0]["rejected"].as_i64()), (Some(68), Some(1)));
}

#[test]
fn the_deliberately_defective_sample_encounters_are_stored_with_their_defects_for_the_scrubber() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("l.db");
    import(&db, &[&sample("encounters.csv")], 0);
    let e = stored(&db);
    let get = |id: &str| e[id].1.clone();
    assert_eq!(get("E9001")["rendering_npi"], "1987654320");
    assert_eq!(get("E9002")["diagnoses"][0], "E11");
    assert_eq!(get("E9003")["diagnoses"][0], "U999");
    assert_eq!(get("E9004")["lines"][0]["date_of_service"], "2027-01-15");
    assert_eq!(get("E9005")["patient"]["dob"], "2026-12-01");
    assert_eq!(get("E9006")["lines"][0]["diagnosis_pointers"], serde_json::json!([1, 3]));
    assert_eq!(get("E9007")["lines"][0]["charge"], "0.00");
    assert_eq!(get("E9008")["lines"][0]["procedure"]["modifiers"], serde_json::json!(["25", "25"]));
    assert_eq!(get("E9009")["lines"][1]["procedure"]["modifiers"].as_array().unwrap().len(), 5);
    assert_eq!(get("E9010")["subscriber"]["member_id"], "123456789A");
    assert_eq!(get("E9011")["place_of_service"], "35");
    assert_eq!(
        (get("E9012")["frequency"].clone(), get("E9012")["original_claim_number"].clone()),
        ("7".into(), Value::Null)
    );
    assert_eq!(get("E9013")["diagnoses"], serde_json::json!(["E109", "E119"]));
    assert_eq!(
        (get("E9014")["payer_id"].clone(), get("E9014")["lines"][0]["date_of_service"].clone()),
        ("ACME1".into(), "2026-03-02".into())
    );
}
