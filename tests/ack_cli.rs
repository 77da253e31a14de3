//! `claimkit ack` end to end: a ledger holding the sample batch (inserted by SQL, as the 837
//! builder would record it), acknowledgments from the payer simulator and from fixtures.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use claimkit::ack::read_ack_file;
use claimkit::ledger::Ledger;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Our copy of the two-claim sample batch (ISA13 101, GS06 101, ST02 0001).
fn sample_837() -> PathBuf {
    root().join("tests/fixtures/ack/two-claims.837")
}

const FIRST: &str = "CK1A2B3C4D5E6F";
const SECOND: &str = "CK9Z8Y7X6W5V4U3";

/// A ledger at `dir/claimkit.db` that sent tests/fixtures/ack/two-claims.837 (ISA13 101, GS06 101, ST02 0001).
fn ledger_with_sample_batch(dir: &Path) -> PathBuf {
    let db = dir.join("claimkit.db");
    let mut ledger = Ledger::open(&db).unwrap();
    let tx = ledger.transaction().unwrap();
    tx.execute_batch(
        "INSERT INTO batches (id, receiver_id, path, sha256, isa13, gs06, st02_list, sender_id, receiver_isa_id, usage,
             claim_count, total_charge, created_at)
         VALUES (1, 'CLEARINGHOUSE', 'claim-batch.837', 'x', '000000101', '101', '0001', 'MAPLEFM001', 'CLEARHOUSE01',
             'T', 2, '238.00', '2026-11-20T09:15:00Z');",
    )
    .unwrap();
    for (pcn, payer, charge) in [(FIRST, "MCRB1", "143.00"), (SECOND, "COMM1", "95.00")] {
        tx.execute(
            "INSERT INTO encounters (id, payer_id, patient_id, total_charge, line_count, content_hash, encounter_json,
                 source_format, source_file, source_locator, imported_at, updated_at)
             VALUES (?1, ?2, 'P', ?3, 1, 'h', '{}', 'csv', 'e.csv', '1', 't', 't')",
            [pcn, payer, charge],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, batch_id, st02, encounter_hash,
                 patient_id, first_dos, last_dos, total_charge, status, submitted_at, updated_at)
             VALUES (?1, ?1, ?2, 'P', '1', 1, '0001', 'h', 'P', '2026-11-02', '2026-11-05', ?3, 'submitted', 't', 't')",
            [pcn, payer, charge],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    db
}

fn claim(db: &Path, pcn: &str) -> (String, Option<String>) {
    let ledger = Ledger::open(db).unwrap();
    ledger
        .conn()
        .query_row("SELECT status, payer_claim_number FROM claims WHERE pcn = ?1", [pcn], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
}

fn event_count(db: &Path) -> i64 {
    let ledger = Ledger::open(db).unwrap();
    ledger.conn().query_row("SELECT COUNT(*) FROM claim_events", [], |r| r.get(0)).unwrap()
}

fn simulate(out: &Path, deny_rate: &str) {
    Command::cargo_bin("claimkit")
        .unwrap()
        .args(["--quiet", "simulate", "--seed", "7", "--deny-rate", deny_rate, "--from"])
        .arg(sample_837())
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

fn ack(db: &Path, files: &[PathBuf]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("claimkit").unwrap().arg("--db").arg(db).arg("ack").args(files).assert()
}

#[test]
fn simulated_999_and_277ca_accept_both_claims_and_keep_the_payer_claim_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    simulate(dir.path(), "0");
    let files = [dir.path().join("two-claims.999"), dir.path().join("two-claims.277ca")];
    let out = ack(&db, &files).code(0).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("999") && text.contains("277CA"), "{text}");
    let numbers: Vec<_> = read_ack_file(&files[1]).unwrap().claim_acks[0]
        .claims()
        .map(|c| (c.pcn.clone(), c.payer_claim_number.clone()))
        .collect();
    assert_eq!(numbers.len(), 2);
    for (pcn, number) in numbers {
        assert_eq!(claim(&db, &pcn), ("accepted".to_string(), number));
    }
    // One 999 event and one acceptance per claim.
    assert_eq!(event_count(&db), 4);
}

/// A 277CA that arrives after the 835 moves no claim the 835 settled, and its payer claim number
/// replaces none a posting gave; a claim whose posting carried no CLP07 takes the 277CA's.
#[test]
fn a_277ca_after_the_835_keeps_the_posted_status_and_payer_claim_number() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    simulate(dir.path(), "0");
    Command::cargo_bin("claimkit")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .arg("remit")
        .arg(dir.path().join("two-claims.835"))
        .assert()
        // Every claim matched; its lines are not in this ledger (listed as unmatched: exit 1).
        .code(1);
    {
        let ledger = Ledger::open(&db).unwrap();
        ledger
            .conn()
            .execute_batch(&format!(
                "UPDATE claims SET payer_claim_number = 'FROM-835' WHERE pcn = '{FIRST}';
                 UPDATE claims SET payer_claim_number = NULL WHERE pcn = '{SECOND}';"
            ))
            .unwrap();
    }
    let posted = [claim(&db, FIRST).0, claim(&db, SECOND).0];
    assert!(posted.iter().all(|s| s != "submitted" && s != "accepted"), "{posted:?}");
    let file = dir.path().join("two-claims.277ca");
    ack(&db, std::slice::from_ref(&file)).success();
    let from_277ca: Vec<_> = read_ack_file(&file).unwrap().claim_acks[0]
        .claims()
        .filter(|c| c.pcn == SECOND)
        .map(|c| c.payer_claim_number.clone())
        .collect();
    assert!(from_277ca[0].is_some());
    assert_eq!(claim(&db, FIRST), (posted[0].clone(), Some("FROM-835".to_string())));
    assert_eq!(claim(&db, SECOND), (posted[1].clone(), from_277ca[0].clone()));
}

#[test]
fn posting_the_same_acknowledgments_again_changes_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    simulate(dir.path(), "0");
    let files = [dir.path().join("two-claims.999"), dir.path().join("two-claims.277ca")];
    ack(&db, &files).code(0);
    let before = event_count(&db);
    let again = ack(&db, &files).code(0).get_output().stdout.clone();
    assert_eq!(String::from_utf8(again).unwrap().matches("already posted: nothing changed").count(), 2);
    assert_eq!(event_count(&db), before);
}

#[test]
fn a_277ca_rejection_is_listed_with_its_reason_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    simulate(dir.path(), "1");
    let file = dir.path().join("two-claims.277ca");
    let ack_file = read_ack_file(&file).unwrap();
    let rejected: Vec<_> = ack_file.claim_acks[0].claims().filter(|c| c.is_rejected()).cloned().collect();
    assert!(!rejected.is_empty(), "seed 7 at deny rate 1 rejects a claim");
    let out = ack(&db, &[file]).code(1).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    for c in &rejected {
        assert_eq!(claim(&db, &c.pcn).0, "rejected");
        assert!(text.contains(&c.pcn), "{text}");
    }
    assert!(text.contains("submitted -> rejected"), "{text}");
    assert!(text.contains("rejected: information not valid") || text.contains("returned as unprocessable"), "{text}");
}

#[test]
fn a_rejected_ta1_rejects_both_claims_of_interchange_101() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    let out = ack(&db, &[root().join("tests/fixtures/ack/ta1-rejected.x12")]).code(1).get_output().stdout.clone();
    assert!(String::from_utf8(out).unwrap().contains("duplicate"));
    assert_eq!(claim(&db, FIRST).0, "rejected");
    assert_eq!(claim(&db, SECOND).0, "rejected");
}

#[test]
fn a_rejected_999_explains_the_element_error_and_shows_the_bad_value_only_with_show_data() {
    let fixture = root().join("tests/fixtures/ack/999-rejected.x12");
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    let out = ack(&db, std::slice::from_ref(&fixture)).code(1).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("NM109 (data element 67): 6 = value contains a character that is not allowed"), "{text}");
    assert!(!text.contains("1EG4TE5MK7?"), "the IK404 value is patient data");
    assert_eq!(claim(&db, FIRST).0, "rejected");
    assert_eq!(claim(&db, SECOND).0, "rejected");

    let other = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(other.path());
    let shown = Command::cargo_bin("claimkit")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["--show-data", "ack"])
        .arg(&fixture)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(shown).unwrap().contains("1EG4TE5MK7?"));
}

#[test]
fn acknowledgments_of_batches_we_never_sent_are_unmatched_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    // The third-party file's IEA02 does not echo its ISA13 (an envelope error, refused): mended.
    let original = root().join("../shared/fixtures/third-party/imsweb-x12-parser/837_5010/x12_999_accepted.txt");
    let fixture = dir.path().join("x12_999_accepted.txt");
    let text = std::fs::read_to_string(original).unwrap().replace("IEA*1*000000001~", "IEA*1*000000286~");
    std::fs::write(&fixture, text).unwrap();
    let out = Command::cargo_bin("claimkit")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .args(["--format", "json", "ack"])
        .arg(&fixture)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json[0]["accepted"], 1);
    assert_eq!(json[0]["unmatched"][0]["reference"], "17456/0001");
    assert_eq!(claim(&db, FIRST).0, "submitted");
}

#[test]
fn unreadable_files_exit_3_and_the_readable_ones_are_still_posted() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    let garbage = dir.path().join("garbage.999");
    std::fs::write(&garbage, "this is not X12\n").unwrap();
    let cut = dir.path().join("cut.999");
    std::fs::write(&cut, "ISA").unwrap();
    let remit = root().join("../shared/fixtures/third-party/linuxforhealth-x12/835_005010X221A1/managed-care.835");
    let assert = ack(&db, &[garbage, cut, remit, root().join("tests/fixtures/ack/ta1-accepted.x12")]).code(3);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("garbage.999") && err.contains("cut.999") && err.contains("managed-care.835"), "{err}");
    assert!(err.contains("no TA1, 999 or 277 acknowledgment"), "{err}");
    assert_eq!(event_count(&db), 2, "the accepted TA1 was posted to both claims");
}

#[test]
fn a_277ca_cut_off_half_way_changes_nothing_and_the_whole_file_posts_afterwards() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    simulate(dir.path(), "0");
    let whole = std::fs::read(dir.path().join("two-claims.277ca")).unwrap();
    let text = String::from_utf8(whole).unwrap();
    // Cut inside the second claim, after the first has been read (and posted in the open transaction).
    let second = text.find(&format!("TRN*2*{SECOND}")).unwrap();
    let cut = dir.path().join("cut.277ca");
    std::fs::write(&cut, &text[..second + 8]).unwrap();
    ack(&db, std::slice::from_ref(&cut)).code(3);
    assert_eq!(claim(&db, FIRST).0, "submitted");
    assert_eq!(event_count(&db), 0);
    ack(&db, &[dir.path().join("two-claims.277ca")]).code(0);
    assert_eq!(claim(&db, FIRST).0, "accepted");
    assert_eq!(claim(&db, SECOND).0, "accepted");
}
