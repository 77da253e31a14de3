//! `claimkit build`, `correct` and `void` as a biller runs them, on a ledger prepared like ingest and
//! scrub leave it: files per receiver that pass the validator, recorded once, never sent twice.

mod claim837_common;

use std::path::{Path, PathBuf};

use claim837_common::{claimkit, count, encounter, encounters, files_837, insert_encounter, ledger_with, validate};
use claimkit::claim837::read_837p;
use predicates::prelude::*;
use rust_decimal::Decimal;

fn build(db: &Path, out: &Path) -> assert_cmd::assert::Assert {
    claimkit().arg("--db").arg(db).arg("build").arg("--out").arg(out).assert()
}

#[test]
fn build_writes_one_valid_file_per_receiver_and_records_every_claim_as_submitted() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let out = dir.path().join("outbox");
    build(&db, &out).code(0).stderr(predicate::str::contains("3 claim(s) in 2 file(s) recorded as submitted"));
    let files = files_837(&out);
    let names: Vec<String> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["CLEARINGHOUSE-000000001.837", "MEDICARE-EDI-000000001.837"]);
    let conn = rusqlite::Connection::open(&db).unwrap();
    for file in &files {
        validate(file);
        let (sha, isa13, st02s, n, total): (String, String, String, i64, String) = conn
            .query_row(
                "SELECT sha256, isa13, st02_list, claim_count, total_charge FROM batches WHERE path = ?1",
                [file.display().to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(sha, claimkit::ledger::sha256_file(file).unwrap());
        assert_eq!((isa13.as_str(), st02s.as_str()), ("000000001", "0001"));
        let claims = read_837p(std::fs::File::open(file).unwrap()).unwrap();
        assert_eq!(claims.len() as i64, n);
        let file_total: Decimal = claims.iter().map(|c| c.total_charge).sum();
        assert_eq!(file_total, total.parse::<Decimal>().unwrap());
        for c in &claims {
            let lines: Decimal = c.lines.iter().map(|l| l.charge).sum();
            assert_eq!(c.total_charge, lines, "CLM02 = sum of SV102");
            let (status, st02, charge): (String, String, String) = conn
                .query_row("SELECT status, st02, total_charge FROM claims WHERE pcn = ?1", [&c.pcn], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .unwrap();
            assert_eq!((status.as_str(), st02.as_str()), ("submitted", "0001"));
            assert_eq!(charge.parse::<Decimal>().unwrap(), c.total_charge);
            for l in &c.lines {
                let recorded: String = conn
                    .query_row(
                        "SELECT line_control_number FROM claim_lines WHERE pcn = ?1 AND line_number = ?2",
                        rusqlite::params![c.pcn, l.number],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(recorded, l.control_number);
            }
        }
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims WHERE responsibility = 'P' AND frequency = '1'"), 3);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claim_lines"), 7);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claim_history WHERE kind = 'submitted'"), 3);
    // The production receiver gets ISA15 P, the test one T.
    let medicare = std::fs::read_to_string(&files[1]).unwrap();
    assert!(medicare.lines().next().unwrap().ends_with("*P*:~"));
}

#[test]
fn rebuilding_writes_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let out = dir.path().join("outbox");
    build(&db, &out).code(0);
    let before = files_837(&out);
    build(&db, &out).code(0).stderr(predicate::str::contains("nothing to build"));
    assert_eq!(files_837(&out), before);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM batches"), 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims"), 3);
}

#[test]
fn the_same_encounters_built_in_two_ledgers_get_the_same_clm01s() {
    let pcns = |tag: &str| {
        let dir = tempfile::tempdir().unwrap();
        let db = ledger_with(dir.path(), &encounters());
        build(&db, &dir.path().join(tag)).code(0);
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn.prepare("SELECT encounter_id, pcn FROM claims ORDER BY encounter_id").unwrap();
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    };
    let a = pcns("a");
    assert_eq!(a.len(), 3);
    assert_eq!(a, pcns("b"));
    assert!(a.iter().all(|(_, pcn)| pcn.len() <= 17));
}

#[test]
fn dry_run_writes_preview_files_with_placeholder_numbers_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let preview = dir.path().join("preview");
    claimkit()
        .arg("--db")
        .arg(&db)
        .args(["build", "--dry-run", "--out"])
        .arg(&preview)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("dry run: nothing recorded"));
    assert!(files_837(&preview).is_empty(), "no preview is named like a sendable *.837");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&preview).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let names: Vec<String> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["CLEARINGHOUSE.837.preview", "MEDICARE-EDI.837.preview"]);
    for f in &files {
        let isa = std::fs::read_to_string(f).unwrap().lines().next().unwrap().to_string();
        assert!(isa.ends_with("*000000000*1*T*:~"), "placeholder ISA13, test usage: {isa}");
        validate(f);
    }
    for table in ["batches", "claims", "claim_lines", "claim_events", "control_numbers"] {
        assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM {table}")), 0, "{table} is untouched");
    }
    // The real build takes the first control numbers: the preview used none of them.
    let out = dir.path().join("outbox");
    build(&db, &out).code(0);
    assert!(out.join("MEDICARE-EDI-000000001.837").exists());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims"), 3);
}

#[test]
fn a_dry_run_without_out_prints_the_x12_and_leaves_the_outbox_empty() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let outbox = dir.path().join("outbox");
    std::fs::create_dir_all(&outbox).unwrap();
    let config = dir.path().join("claimkit.toml");
    std::fs::write(&config, format!("[nightly]\noutbox = {:?}\n", outbox.display().to_string())).unwrap();
    let out = claimkit()
        .arg("--db")
        .arg(&db)
        .arg("--config")
        .arg(&config)
        .args(["--format", "json", "build", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let x12 = String::from_utf8(out.stdout).unwrap();
    assert_eq!(x12.matches("ISA*").count(), 2, "both receivers' interchanges on stdout");
    let claims = read_837p(x12.as_bytes()).unwrap();
    assert_eq!(claims.len(), 3);
    // The listing goes to stderr: every claim with its PCN, encounter, payer and amount.
    let listing: serde_json::Value =
        serde_json::Deserializer::from_slice(&out.stderr).into_iter().next().unwrap().unwrap();
    let listed: Vec<&str> = listing["claims"].as_array().unwrap().iter().map(|c| c["pcn"].as_str().unwrap()).collect();
    for c in &claims {
        assert!(listed.contains(&c.pcn.as_str()), "{} listed", c.pcn);
    }
    assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 0, "nothing near the outbox");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims"), 0);
}

#[test]
fn build_lists_the_claims_it_wrote_in_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let out = dir.path().join("outbox");
    let json = claimkit().arg("--db").arg(&db).args(["--format", "json", "build", "--out"]).arg(&out).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let claims = doc["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 3);
    let conn = rusqlite::Connection::open(&db).unwrap();
    for c in claims {
        let (encounter, payer, charge): (String, String, String) = conn
            .query_row(
                "SELECT encounter_id, payer_id, total_charge FROM claims WHERE pcn = ?1",
                [c["pcn"].as_str().unwrap()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            (c["encounter_id"].as_str().unwrap(), c["payer_id"].as_str().unwrap()),
            (encounter.as_str(), payer.as_str())
        );
        assert_eq!(c["total_charge"].as_str().unwrap(), charge);
    }
}

#[test]
fn build_scrubs_first_and_bills_only_encounters_clean_for_their_current_content() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &[encounter("E1001")]);
    {
        let mut conn = rusqlite::Connection::open(&db).unwrap();
        let tx = conn.transaction().unwrap();
        // Marked clean by an old scrub, but its content now has a zero charge: the new scrub holds it.
        let mut defective = encounter("E1002");
        defective.lines[0].charge = rust_decimal::Decimal::ZERO;
        insert_encounter(&tx, &defective, "clean");
        // Scrubbed for other content (stale): scrubbed again now, found clean, billed.
        insert_encounter(&tx, &encounter("E1003"), "warning");
        tx.execute("UPDATE encounter_scrubs SET scrubbed_hash = 'stale' WHERE encounter_id = 'E1003'", []).unwrap();
        tx.commit().unwrap();
    }
    // Exit 1: an encounter is held, which a biller must act on.
    build(&db, &dir.path().join("outbox")).code(1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims"), 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims WHERE encounter_id = 'E1002'"), 0);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM encounter_scrub_state WHERE encounter_id = 'E1002' AND scrub_status = 'error'"
        ),
        1
    );
}

#[test]
fn payer_option_bills_only_that_payer() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let out = dir.path().join("outbox");
    claimkit().arg("--db").arg(&db).args(["build", "--payer", "COMM1", "--out"]).arg(&out).assert().code(0);
    assert_eq!(files_837(&out).len(), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims WHERE payer_id = 'COMM1'"), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims"), 1);
    claimkit()
        .arg("--db")
        .arg(&db)
        .args(["build", "--payer", "NOPE", "--out"])
        .arg(&out)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("payer NOPE is not in the practice configuration"));
}

#[test]
fn a_file_left_by_a_crash_before_the_commit_is_set_aside_and_its_claims_billed_once() {
    // Ledger A builds and records; its file, copied into ledger B's outbox, is exactly what a crash
    // between rename and commit leaves for B: a file whose claims B never recorded.
    let dir = tempfile::tempdir().unwrap();
    let a = tempfile::tempdir().unwrap();
    let db_a = ledger_with(a.path(), &[encounter("E1002")]);
    build(&db_a, &a.path().join("outbox")).code(0);
    let orphan = files_837(&a.path().join("outbox")).remove(0);
    let db = ledger_with(dir.path(), &[encounter("E1002")]);
    let out = dir.path().join("outbox");
    std::fs::create_dir_all(&out).unwrap();
    let name = orphan.file_name().unwrap().to_owned();
    std::fs::copy(&orphan, out.join(&name)).unwrap();
    std::fs::write(out.join(".CLEARINGHOUSE-000000007.837.tmp"), "ISA*partial").unwrap();
    build(&db, &out).code(0).stderr(predicate::str::contains("set aside"));
    let set_aside = out.join(format!("{}.unrecorded", name.to_string_lossy()));
    assert!(set_aside.exists());
    assert!(!out.join(".CLEARINGHOUSE-000000007.837.tmp").exists());
    let files = files_837(&out);
    assert_eq!(files.len(), 1, "only the recorded file is left to send");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM batches"), 1);
    validate(&files[0]);
}

#[test]
fn a_failure_after_a_file_is_in_place_removes_it_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &encounters());
    let out = dir.path().join("outbox");
    // A claim number that the MEDICARE-EDI batch (written second) will collide with.
    let pcn = claimkit::claim837::patient_control_number(
        "E1003",
        claimkit::claim837::Responsibility::Primary,
        claimkit::encounter::ClaimFrequency::Original,
        1,
    );
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, encounter_hash, patient_id,
                 first_dos, last_dos, total_charge, status, submitted_at, updated_at)
             VALUES ('{pcn}', 'E1001', 'GAP1', 'S', '1', 'h', 'P1001', '2026-11-02', '2026-11-02', '1.00',
                 'submitted', 't', 't');"
        ))
        .unwrap();
    }
    build(&db, &out).code(4).stderr(predicate::str::contains("UNIQUE"));
    assert_eq!(files_837(&out), Vec::<std::path::PathBuf>::new(), "the CLEARINGHOUSE file written first is removed");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM batches"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims"), 1);
    // Its control numbers stay burned: the next file gets new ones.
    assert_eq!(
        count(&db, "SELECT last_value FROM control_numbers WHERE kind = 'ISA13' AND receiver = 'CLEARHOUSE01'"),
        1
    );
}

#[test]
fn correct_and_void_need_the_payer_claim_number_and_send_ref_f8() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &[encounter("E1001")]);
    let out = dir.path().join("outbox");
    build(&db, &out).code(0);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let pcn: String = conn.query_row("SELECT pcn FROM claims", [], |r| r.get(0)).unwrap();
    let run = |cmd: &str| claimkit().arg("--db").arg(&db).args([cmd, &pcn, "--out"]).arg(&out).assert();
    run("correct").code(3).stderr(predicate::str::contains("no payer claim number is known yet"));
    run("void").code(3).stderr(predicate::str::contains("no payer claim number is known yet"));
    claimkit()
        .arg("--db")
        .arg(&db)
        .args(["void", "P1NOSUCHCLAIM0000", "--out"])
        .arg(&out)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not in the ledger"));
    conn.execute("UPDATE claims SET payer_claim_number = 'MCR26110200123', status = 'accepted'", []).unwrap();
    // This payer takes replacement claims (Medicare Part B defaults to reopenings).
    conn.execute(
        "UPDATE practice SET config_json = json_set(config_json, '$.payers[0].corrections', 'replacement')
         WHERE json_extract(config_json, '$.payers[0].id') = 'MCRB1'",
        [],
    )
    .unwrap();
    // The encounter was fixed and re-imported: ingest recorded the new version as a conflict.
    let mut fixed = encounter("E1001");
    fixed.lines[0].procedure.modifiers.clear();
    conn.execute(
        "INSERT INTO import_conflicts (encounter_id, source_file, source_locator, new_content_hash,
             new_encounter_json, detected_at) VALUES ('E1001', 'visits2.csv', 'line 2', ?1, ?2, 't')",
        rusqlite::params![fixed.content_hash(), serde_json::to_string(&fixed).unwrap()],
    )
    .unwrap();
    run("correct").code(0);
    let (replacement, hash): (String, String) = conn
        .query_row("SELECT pcn, encounter_hash FROM claims WHERE frequency = '7' AND replaces_pcn = ?1", [&pcn], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(hash, fixed.content_hash());
    run("void").code(0);
    run("void").code(3).stderr(predicate::str::contains("already voided"));
    let files = files_837(&out);
    assert_eq!(files.len(), 3, "original, replacement and void are three batches");
    let mut frequencies = Vec::new();
    for f in &files {
        validate(f);
        for c in read_837p(std::fs::File::open(f).unwrap()).unwrap() {
            if c.frequency != "1" {
                assert_eq!(c.original_claim_number.as_deref(), Some("MCR26110200123"));
            }
            if c.pcn == replacement {
                assert_eq!(c.lines[0].modifiers, Vec::<String>::new(), "the replacement bills the fixed encounter");
            }
            frequencies.push(c.frequency);
        }
    }
    frequencies.sort();
    assert_eq!(frequencies, ["1", "7", "8"]);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claim_events WHERE kind IN ('corrected', 'voided')"), 2);
}

#[test]
fn inspect_shows_each_built_claim_with_initials_unless_asked_for_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &[encounter("E1002")]);
    let out = dir.path().join("outbox");
    build(&db, &out).code(0);
    let file = files_837(&out).remove(0);
    let json = |show: bool| {
        let mut cmd = claimkit();
        cmd.args(["inspect", "--format", "json"]).arg(&file);
        if show {
            cmd.arg("--show-data");
        }
        let stdout = cmd.assert().code(0).get_output().stdout.clone();
        let v: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
        v[0]["claims"][0].clone()
    };
    let claim = json(false);
    assert_eq!(claim["patient"], "G.T.");
    assert_eq!(claim["payer"], "Synthetic Commercial Health (COMM1)");
    assert_eq!(claim["diagnoses"], serde_json::json!(["J06.9", "R50.9", "R05.1", "Z23"]));
    assert_eq!(claim["lines"][2], "97110:GP:59 x2 90");
    assert_eq!(claim["total_charge"], "285.50");
    assert_eq!(json(true)["patient"], "Testsubscriber, Gamma Q");
    claimkit()
        .arg("inspect")
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("claims (1):"))
        .stdout(predicate::str::contains("2026-11-05 to 2026-11-07"))
        .stdout(predicate::str::contains("checks: envelopes and required elements OK"));
}

/// `correct` scrubs the corrected encounter first: while it has errors, no replacement is written.
#[test]
fn a_correction_whose_encounter_has_scrub_errors_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with(dir.path(), &[encounter("E1001")]);
    let out = dir.path().join("outbox");
    build(&db, &out).code(0);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let pcn: String = conn.query_row("SELECT pcn FROM claims", [], |r| r.get(0)).unwrap();
    conn.execute("UPDATE claims SET payer_claim_number = 'MCR26110200123', status = 'accepted'", []).unwrap();
    conn.execute(
        "UPDATE practice SET config_json = json_set(config_json, '$.payers[0].corrections', 'replacement')
         WHERE json_extract(config_json, '$.payers[0].id') = 'MCRB1'",
        [],
    )
    .unwrap();
    // The re-imported version has a zero charge: CHARGE-NOT-POSITIVE holds it.
    let mut broken = encounter("E1001");
    broken.lines[0].charge = rust_decimal::Decimal::ZERO;
    conn.execute(
        "INSERT INTO import_conflicts (encounter_id, source_file, source_locator, new_content_hash,
             new_encounter_json, detected_at) VALUES ('E1001', 'visits2.csv', 'line 2', ?1, ?2, 't')",
        rusqlite::params![broken.content_hash(), serde_json::to_string(&broken).unwrap()],
    )
    .unwrap();
    let before = files_837(&out).len();
    claimkit()
        .arg("--db")
        .arg(&db)
        .args(["correct", &pcn, "--out"])
        .arg(&out)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("CHARGE-NOT-POSITIVE"));
    assert_eq!(files_837(&out).len(), before, "no replacement was written");
    let replacements: i64 =
        conn.query_row("SELECT COUNT(*) FROM claims WHERE frequency = '7'", [], |r| r.get(0)).unwrap();
    assert_eq!(replacements, 0);
}
