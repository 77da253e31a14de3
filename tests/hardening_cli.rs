//! Hardening, as a user meets it: no panic on any input, no patient data where it does not
//! belong, strict envelopes, private files, bounded resources. Each case runs the real binary on
//! a minimal file of tests/fixtures/bad/ (see its README) or on one the test writes.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use claimkit::ledger::Ledger;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn bad(name: &str) -> PathBuf {
    root().join("tests/fixtures/bad").join(name)
}

fn sample(name: &str) -> PathBuf {
    root().join("sample-data").join(name)
}

/// The binary against the ledger `db`, with a time limit: an input that hangs fails the test.
fn claimkit(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_DB").arg("--db").arg(db).arg("--no-progress").timeout(Duration::from_secs(60));
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// A new, empty ledger in `dir` (only `init` creates one).
fn new_ledger(dir: &Path) -> PathBuf {
    let db = dir.join("l.db");
    if !db.exists() {
        let out = claimkit(&db).arg("init").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    db
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn count(db: &Path, sql: &str) -> i64 {
    Ledger::open(db).unwrap().conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Values of the fixtures that are patient data (names, member IDs, dates of birth, codes typed
/// wrong): none may appear on stderr without --show-data.
const PATIENT_DATA: &[&str] = &[
    "ZULU",
    "YANKEE",
    "19450101",
    "1945-01-0",
    "2026-09-0\u{e9}",
    "ZQXW",
    "J0",
    "ADT^A08",
    "ALPHA",
    "TESTPATIENT",
    "1EG4TE5MK73",
    "19480312",
    "Rivera",
    "4ME6UF1DA68",
];

fn assert_no_patient_data(what: &str, text: &str) {
    for line in text.lines() {
        for value in PATIENT_DATA {
            assert!(!line.contains(value), "{what}: {value:?} printed: {line}");
        }
    }
}

fn assert_no_panic(what: &str, r: &Run) {
    assert_ne!(r.code, Some(101), "{what} panicked: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
}

// ---- 1. No panic on any input ----

#[test]
fn a_diagnosis_that_is_not_ascii_is_a_record_error_exit_3_and_the_other_encounter_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    let r = run(claimkit(&db).arg("import").arg(bad("dx-not-ascii.csv")));
    assert_no_panic("import", &r);
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    assert!(r.stderr.contains("dx-not-ascii.csv:lines 2-4: diagnosis_codes (1): holds a character that is not ASCII"));
    assert_no_patient_data("import", &r.stderr);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM encounters WHERE id = 'E1002'"), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM encounters WHERE id = 'E1001'"), 0);
    let shown = run(claimkit(&db).args(["--show-data", "import"]).arg(bad("dx-not-ascii.csv")));
    assert!(shown.stderr.contains("J0É9"), "{}", shown.stderr);
}

#[test]
fn a_birth_date_that_is_not_ascii_is_a_record_error_exit_3_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    let r = run(claimkit(&db).arg("import").arg(bad("dob-not-ascii.fhir.json")));
    assert_no_panic("import", &r);
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    assert!(r.stderr.contains("Patient.birthDate: not a date"), "{}", r.stderr);
    assert_no_patient_data("import", &r.stderr);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM encounters WHERE id = 'E1002'"), 1);
}

#[test]
fn a_service_date_that_is_not_ascii_is_a_record_error_exit_3_and_the_other_encounter_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    let r = run(claimkit(&db).arg("import").arg(bad("dos-not-ascii.fhir.json")));
    assert_no_panic("import", &r);
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    assert!(r.stderr.contains("Claim.item[1].servicedDate: not a date"), "{}", r.stderr);
    assert_no_patient_data("import", &r.stderr);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM encounters WHERE id = 'E1002'"), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM encounters WHERE id = 'E1001'"), 0);
}

/// `nightly --format json` on an inbox holding `file`, against a ledger with the sample practice.
fn nightly_json(db: &Path, inbox: &Path, outbox: &Path, fail_on: &str) -> (Option<i32>, serde_json::Value) {
    let r = run(claimkit(db)
        .args(["--format", "json", "nightly", "--as-of", "2026-11-25", "--fail-on", fail_on, "--inbox"])
        .arg(inbox)
        .arg("--outbox")
        .arg(outbox));
    assert_no_panic("nightly", &r);
    assert_no_patient_data("nightly stderr", &r.stderr);
    (r.code, serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout)))
}

#[test]
fn nightly_counts_an_encounter_with_a_code_that_is_not_ascii_as_an_input_error_exit_3_as_import_does() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    claimkit(&db).arg("init").arg("--practice").arg(sample("practice.toml")).assert().success();
    let inbox = dir.path().join("in");
    let outbox = dir.path().join("out");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::copy(bad("dx-not-ascii.csv"), inbox.join("export.csv")).unwrap();
    let (code, json) = nightly_json(&db, &inbox, &outbox, "new");
    assert_eq!(code, Some(3), "{json:#}");
    assert_eq!(json["records_rejected"], 1, "{json:#}");
    assert_eq!(json["records_unreadable"], 1, "{json:#}");
    let kinds: Vec<&str> = json["findings"].as_array().unwrap().iter().filter_map(|f| f["kind"].as_str()).collect();
    assert!(kinds.contains(&"unreadable records"), "{kinds:?}");
    assert!(json["files"][0]["detail"].as_str().unwrap().contains("1 unreadable"), "{json:#}");
    assert_no_patient_data("nightly stdout", &json.to_string());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM encounters WHERE id = 'E1002'"), 1, "the rest of the file imports");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM encounters WHERE id = 'E1001'"), 0);
    // The next night the same file is the same problem: not new (exit 3 only with --fail-on any).
    let (code, _) = nightly_json(&db, &inbox, &outbox, "new");
    assert_eq!(code, Some(0));
    let (code, _) = nightly_json(&db, &inbox, &outbox, "any");
    assert_eq!(code, Some(3));
}

#[test]
fn an_encounter_stored_with_a_diagnosis_that_is_not_ascii_stops_no_later_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    claimkit(&db).arg("init").arg("--practice").arg(sample("practice.toml")).assert().success();
    claimkit(&db).arg("import").arg(sample("encounters.csv")).assert().code(0);
    // As an earlier release let it in: the code as typed, in the stored encounter.
    let ledger = Ledger::open(&db).unwrap();
    let changed = ledger
        .conn()
        .execute(
            "UPDATE encounters SET encounter_json = replace(encounter_json, '\"E119\"', '\"J0É9\"') WHERE id = 'E1001'",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(ledger);
    let out = dir.path().join("out");
    let inbox = dir.path().join("in");
    std::fs::create_dir_all(&inbox).unwrap();
    for (what, args) in [
        ("scrub", vec!["scrub", "--as-of", "2026-11-25", "--encounter", "E1001"]),
        ("scrub all", vec!["scrub", "--as-of", "2026-11-25"]),
        ("build", vec!["build", "--as-of", "2026-11-25", "--out", out.to_str().unwrap()]),
        (
            "nightly",
            vec![
                "nightly",
                "--inbox",
                inbox.to_str().unwrap(),
                "--outbox",
                out.to_str().unwrap(),
                "--as-of",
                "2026-11-25",
            ],
        ),
    ] {
        let r = run(claimkit(&db).args(&args));
        assert_no_panic(what, &r);
        assert!(matches!(r.code, Some(0 | 1)), "{what}: {:?} {}", r.code, r.stderr);
    }
    for entry in std::fs::read_dir(&out).unwrap() {
        let r = run(claimkit(&db).arg("inspect").arg(entry.unwrap().path()));
        assert_no_panic("inspect", &r);
    }
}

#[test]
fn an_hl7_escape_holding_a_character_that_is_not_ascii_imports() {
    // Found by fuzzing (import_hl7): the HL7 parser crate's escape decoder panicked here.
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    let r = run(claimkit(&db).arg("import").arg(bad("hl7-escape-not-ascii.hl7")));
    assert_no_panic("import", &r);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let json: String = Ledger::open(&db)
        .unwrap()
        .conn()
        .query_row("SELECT encounter_json FROM encounters WHERE id = 'E1001'", [], |r| r.get(0))
        .unwrap();
    assert!(json.contains("5 Mill £ Main St"), "{json}");
}

#[test]
fn amounts_too_large_to_add_up_are_refused_not_panicked_on() {
    // Found by fuzzing (remit835): the sum of 29-digit adjustments overflowed.
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    let r = run(claimkit(&db).args(["--format", "json", "remit"]).arg(bad("835-amount-overflow.835")));
    assert_no_panic("remit", &r);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stdout.contains("AMOUNT-OUT-OF-RANGE"), "{}", r.stdout);
    let r = run(claimkit(&db).arg("import").arg(bad("charge-overflow.csv")));
    assert_no_panic("import", &r);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("charge-overflow.csv:line 2: charge:"), "{}", r.stderr);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM encounters"), 1);
}

// ---- 2. One rule for patient data ----

#[test]
fn x12_syntax_errors_say_where_and_what_was_expected_never_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    let r = run(claimkit(&db).arg("remit").arg(bad("835-stray-terminator.835")));
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    assert!(r.stderr.contains("segment identifier is not 2-3 upper-case letters/digits"), "{}", r.stderr);
    assert!(r.stderr.contains("835-stray-terminator.835: segment 17 (byte 521): "), "{}", r.stderr);
    assert_no_patient_data("remit", &r.stderr);
    let shown = run(claimkit(&db).args(["--show-data", "remit"]).arg(bad("835-stray-terminator.835")));
    assert!(shown.stderr.contains("19450101ZULUPATIENT"), "{}", shown.stderr);
}

#[test]
fn hl7_errors_do_not_echo_the_message_type() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    let r = run(claimkit(&db).arg("import").arg(bad("not-dft.hl7")));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("MSH-9: message type is not DFT^P03"), "{}", r.stderr);
    assert_no_patient_data("import", &r.stderr);
    let shown = run(claimkit(&db).args(["--show-data", "import"]).arg(bad("not-dft.hl7")));
    assert!(shown.stderr.contains("ADT^A08"), "{}", shown.stderr);
}

const FIRST: &str = "CK1A2B3C4D5E6F";
const SECOND: &str = "CK9Z8Y7X6W5V4U3";

/// A ledger that sent tests/fixtures/ack/two-claims.837 (ISA13 101, GS06 101, ST02 0001).
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

#[test]
fn ack_code_values_that_are_not_codes_are_unknown_codes_never_echoed_nor_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    let r = run(claimkit(&db).arg("ack").arg(bad("999-shifted-values.999")));
    assert_eq!(r.code, Some(1), "{} {}", r.stdout, r.stderr);
    assert!(r.stdout.contains("unknown code"), "{}", r.stdout);
    assert_no_patient_data("ack stdout", &r.stdout);
    assert_no_patient_data("ack stderr", &r.stderr);
    let ledger = Ledger::open(&db).unwrap();
    let stored: Vec<String> = ledger
        .conn()
        .prepare(
            "SELECT reference || ' ' || codes || ' ' || detail FROM acknowledgments
             UNION ALL SELECT detail FROM claim_events",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!stored.is_empty());
    assert_no_patient_data("ledger", &stored.join("\n"));
    let shown = run(claimkit(&db).args(["claim", "show", FIRST]));
    assert_no_patient_data("claim show", &shown.stdout);
}

#[test]
fn inspect_masks_names_ids_and_dates_in_every_format_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.db");
    let file = sample("x12/claim-batch.837");
    for format in ["table", "csv", "json"] {
        let r = run(claimkit(&db).args(["--format", format, "inspect"]).arg(&file));
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        for value in ["TESTPATIENT", "1EG4TE5MK73", "19480312", "TESTSUBSCRIBER", "XQC123456789"] {
            assert!(!r.stdout.contains(value), "{format}: {value}");
        }
        assert!(r.stdout.contains("***"), "{format}");
        let shown = run(claimkit(&db).args(["--show-data", "--format", format, "inspect"]).arg(&file));
        assert!(shown.stdout.contains("TESTPATIENT") && shown.stdout.contains("19480312"), "{format}");
    }
}

// ---- 3. Envelope integrity ----

#[test]
fn remit_refuses_a_wrong_missing_or_cut_envelope_and_posts_nothing() {
    for (file, problem) in [
        ("835-se01-off-iea02-changed.835", "SE01 segment count is wrong"),
        ("835-no-ge-iea.835", "missing GE"),
        ("835-cut-after-segment.835", "missing SE"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let db = new_ledger(dir.path());
        let r = run(claimkit(&db).arg("remit").arg(bad(file)));
        assert_eq!(r.code, Some(3), "{file}: {} {}", r.stdout, r.stderr);
        assert!(r.stderr.contains(&format!("{file}: segment ")), "{file}: {}", r.stderr);
        assert!(r.stderr.contains(problem), "{file}: {}", r.stderr);
        assert!(r.stderr.contains("nothing of the file was posted"), "{file}: {}", r.stderr);
        for table in ["remittances", "claim_payments", "processed_files"] {
            assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM {table}")), 0, "{file}: {table}");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let r = run(claimkit(&new_ledger(dir.path())).arg("remit").arg(bad("835-se01-off-iea02-changed.835")));
    assert!(r.stderr.contains("(and 1 more envelope problem)"), "{}", r.stderr);
}

#[test]
fn ack_refuses_a_277ca_cut_after_a_segment_and_does_not_record_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    let r = run(claimkit(&db).arg("ack").arg(bad("277ca-cut-after-segment.277")));
    assert_eq!(r.code, Some(3), "{} {}", r.stdout, r.stderr);
    assert!(r.stderr.contains("missing SE"), "{}", r.stderr);
    assert_no_patient_data("ack", &r.stderr);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM processed_files"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claim_events"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claims WHERE status = 'submitted'"), 2);
}

#[test]
fn an_acknowledgment_sent_again_under_a_new_isa13_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    let original = root().join("tests/fixtures/ack/999-rejected.x12");
    let resent = dir.path().join("resent.999");
    let text = std::fs::read_to_string(&original)
        .unwrap()
        .replace("*000000903*", "*000000917*")
        .replace("IEA*1*000000903", "IEA*1*000000917")
        .replace("*261120*1000*", "*261121*0700*");
    std::fs::write(&resent, text).unwrap();
    claimkit(&db).arg("ack").arg(&original).assert().code(1);
    let events = count(&db, "SELECT COUNT(*) FROM claim_events");
    let acks = count(&db, "SELECT COUNT(*) FROM acknowledgments");
    assert!(events > 0);
    let r = run(claimkit(&db).arg("ack").arg(&resent));
    assert_eq!(r.code, Some(0), "{} {}", r.stdout, r.stderr);
    assert!(r.stdout.contains("already posted"), "{}", r.stdout);
    assert!(r.stdout.contains("another interchange"), "{}", r.stdout);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM claim_events"), events);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM acknowledgments"), acks);
}

#[test]
fn inspect_names_no_missing_trailers_after_a_fatal_error_and_states_isa_widths_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.db");
    let r = run(claimkit(&db).args(["inspect", "--summary"]).arg(bad("837-bad-segment-then-trailers.837")));
    assert_eq!(r.code, Some(3));
    assert!(r.stderr.contains("segment 17 (byte 589): segment identifier is not"), "{}", r.stderr);
    assert!(!r.stderr.contains("missing"), "the trailers follow the error: {}", r.stderr);
    assert_no_patient_data("inspect", &r.stderr);
    let r = run(claimkit(&db).args(["inspect", "--summary"]).arg(bad("837-isa-misaligned.837")));
    assert_eq!(r.code, Some(3));
    assert!(r.stderr.contains("ISA02 is 9 characters wide, expected 10"), "{}", r.stderr);
    assert!(!r.stderr.contains("106 bytes;"), "{}", r.stderr);
}

#[test]
fn a_fraction_of_a_cent_in_an_835_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    let r = run(claimkit(&db).args(["--format", "json", "remit"]).arg(bad("835-sub-cent.835")));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let codes: Vec<&str> =
        json[0]["transactions"][0]["findings"].as_array().unwrap().iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(codes.contains(&"AMOUNT-SUB-CENT"), "{codes:?}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM remittance_findings WHERE code = 'AMOUNT-SUB-CENT'"), 1);
}

// ---- 4. Private files ----

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn every_file_claimkit_writes_is_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let r = run(Command::cargo_bin("claimkit").unwrap().env_remove("CLAIMKIT_DB").arg("demo").arg("--dir").arg(&demo));
    assert!(matches!(r.code, Some(0 | 1)), "{}", r.stderr);
    let mut seen = 0;
    let mut dirs = vec![demo.clone()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                assert_eq!(mode(&p), 0o600, "{}", p.display());
                seen += 1;
            }
        }
    }
    assert!(seen > 15, "{seen}");
    let db = demo.join("claimkit.db");
    let outbox = dir.path().join("out");
    std::fs::create_dir_all(&outbox).unwrap();
    claimkit(&db)
        .args(["simulate", "--from"])
        .arg(demo.join("outbox/CLEARINGHOUSE-000000001.837"))
        .arg("--out")
        .arg(&outbox)
        .assert()
        .success();
    let report = outbox.join("summary.html");
    let neighbour = outbox.join("summary.tmp");
    std::fs::write(&neighbour, "the user's own file").unwrap();
    claimkit(&db).args(["--format", "html", "report", "summary", "--output"]).arg(&report).assert().success();
    for entry in std::fs::read_dir(&outbox).unwrap() {
        let p = entry.unwrap().path();
        if p != neighbour {
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
    assert_eq!(std::fs::read_to_string(&neighbour).unwrap(), "the user's own file");
    claimkit(&db).arg("import").arg(sample("encounters.csv")).assert().code(0);
    assert_eq!(mode(&demo.join("claimkit.db.lock")), 0o600);
}

#[test]
fn another_applications_sqlite_file_given_as_db_is_refused_exit_4_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("notes.db");
    {
        let conn = claimkit::ledger::Connection::open(&foreign).unwrap();
        conn.execute_batch(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'x');",
        )
        .unwrap();
    }
    std::fs::set_permissions(&foreign, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = std::fs::read(&foreign).unwrap();
    let siblings = |dir: &Path| {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    let listed = siblings(dir.path());
    for args in [vec!["init"], vec!["import"], vec!["report", "summary"], vec!["claim", "find", "--patient-id", "P1"]] {
        let mut cmd = claimkit(&foreign);
        cmd.args(&args);
        if args == ["import"] {
            cmd.arg(sample("encounters.csv"));
        }
        let r = run(&mut cmd);
        assert_eq!(r.code, Some(4), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("is not a claimkit ledger"), "{args:?}: {}", r.stderr);
        assert_eq!(std::fs::read(&foreign).unwrap(), before, "{args:?}: the file's bytes changed");
        assert_eq!(mode(&foreign), 0o644, "{args:?}: the file's mode changed");
        let now: Vec<String> = siblings(dir.path()).into_iter().filter(|n| !n.ends_with(".lock")).collect();
        assert_eq!(now, listed, "{args:?}: no journal or WAL file left beside it");
    }
}

#[test]
fn an_existing_ledger_readable_by_others_is_made_private_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = run(claimkit(&db).args(["report", "summary"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(mode(&db), 0o600);
    assert!(r.stderr.contains("was readable by other users; it is now private (mode 0600)"), "{}", r.stderr);
    let again = run(claimkit(&db).args(["report", "summary"]));
    assert!(!again.stderr.contains("now private"), "said once: {}", again.stderr);
}

// ---- 5. Bounded resources ----

#[test]
fn fifos_and_devices_given_as_inputs_are_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    let fifo = dir.path().join("in.835");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for (command, input) in [
        ("remit", fifo.as_path()),
        ("ack", Path::new("/dev/zero")),
        ("import", fifo.as_path()),
        ("import", Path::new("/dev/zero")),
        ("inspect", Path::new("/dev/zero")),
    ] {
        let r = run(claimkit(&db).arg(command).arg(input));
        assert_eq!(r.code, Some(3), "{command} {}: {}", input.display(), r.stderr);
        assert!(r.stderr.contains("not a regular file"), "{command}: {}", r.stderr);
    }
}

#[test]
fn a_csv_record_over_1_mib_is_a_record_error_and_the_rest_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    let text = std::fs::read_to_string(sample("encounters.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let e1002: Vec<&str> = lines.filter(|l| l.starts_with("E1002,")).collect();
    let csv = dir.path().join("long.csv");
    let long = format!("E1001,P2001,{}", "x".repeat(2 << 20));
    std::fs::write(&csv, format!("{header}\n{long}\n{}\n", e1002.join("\n"))).unwrap();
    let r = run(claimkit(&db).arg("import").arg(&csv));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("long.csv:line 2: row: the record is longer than 1 MiB"), "{}", r.stderr);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM encounters"), 1);
}

#[test]
fn one_file_s_output_is_bounded_and_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let db = ledger_with_sample_batch(dir.path());
    // One rejected set with 5,000 segment errors, then 3,000 set responses without IK5.
    let mut body = String::from("AK1*HC*101*005010X222A1~AK2*837*0001*005010X222A1~");
    for i in 0..5000 {
        body.push_str(&format!("IK3*NM1*{}*2010BA*8~IK4*9*67*7~", i + 10));
    }
    body.push_str("IK5*R*5~");
    for i in 0..3000 {
        body.push_str(&format!("AK2*837*{:04}*005010X222A1~", i + 2));
    }
    body.push_str("AK9*R*3001*3001*0~");
    let set = format!("ST*999*0001*005010X231A1~{body}");
    let se01 = set.matches('~').count() + 1;
    let text = format!(
        "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*MAPLEFM001     *261120*1000*^*00501*000000905*0*T*:~\
         GS*FA*CLEARHOUSE01*MAPLEFM001*20261120*1000*905*X*005010X231A1~{set}SE*{se01}*0001~GE*1*905~IEA*1*000000905~"
    );
    assert!(text.len() > 150_000);
    let file = dir.path().join("big.999");
    std::fs::write(&file, &text).unwrap();
    let r = run(claimkit(&db).arg("ack").arg(&file));
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stdout.len() < text.len(), "{} bytes of output for a {}-byte file", r.stdout.len(), text.len());
    assert!(
        r.stdout.contains(": 2902 more claims moved or kept"),
        "{}",
        &r.stdout[r.stdout.len().saturating_sub(3000)..]
    );
    let other = tempfile::tempdir().unwrap();
    let csv = run(claimkit(&ledger_with_sample_batch(other.path())).args(["--format", "csv", "ack"]).arg(&file));
    assert!(csv.stdout.contains("... and 4990 more segment errors"), "a set's errors are counted past the tenth");
    assert!(r.stdout.contains("more notes"), "notes are summarised");
}

#[test]
fn inbox_symlinks_leading_out_are_reported_and_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    let inbox = dir.path().join("in");
    let outbox = dir.path().join("out");
    std::fs::create_dir_all(&inbox).unwrap();
    claimkit(&db).arg("init").arg("--practice").arg(sample("practice.toml")).assert().success();
    std::os::unix::fs::symlink(sample("encounters.csv"), inbox.join("export.csv")).unwrap();
    let r =
        run(claimkit(&db).args(["--format", "json", "nightly", "--inbox"]).arg(&inbox).arg("--outbox").arg(&outbox));
    assert_eq!(r.code, Some(3), "{} {}", r.stdout, r.stderr);
    assert!(r.stdout.contains("symbolic link to a file outside the inbox"), "{}", r.stdout);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM encounters"), 0);
}

#[test]
fn file_names_with_terminal_escapes_are_printed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let db = new_ledger(dir.path());
    let file = dir.path().join("pay\u{1b}[2Jment.835");
    std::fs::write(&file, "not X12 at all").unwrap();
    let r = run(claimkit(&db).arg("remit").arg(&file));
    assert_eq!(r.code, Some(3));
    assert!(!r.stderr.contains('\u{1b}'), "{:?}", r.stderr);
    assert!(r.stderr.contains("pay\\u{1b}[2Jment.835"), "{}", r.stderr);
}

// ---- Every failure case, one more time: stderr carries no patient data ----

#[test]
fn no_failure_case_prints_patient_data_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let acks = ledger_with_sample_batch(dir.path());
    let fresh = dir.path().join("fresh.db");
    let cases: Vec<(&Path, Vec<&str>, PathBuf)> = vec![
        (&fresh, vec!["import"], bad("dx-not-ascii.csv")),
        (&fresh, vec!["import"], bad("dob-not-ascii.fhir.json")),
        (&fresh, vec!["import"], bad("dos-not-ascii.fhir.json")),
        (&fresh, vec!["import"], bad("not-dft.hl7")),
        (&fresh, vec!["remit"], bad("835-stray-terminator.835")),
        (&fresh, vec!["remit"], bad("835-se01-off-iea02-changed.835")),
        (&fresh, vec!["remit"], bad("835-no-ge-iea.835")),
        (&fresh, vec!["remit"], bad("835-cut-after-segment.835")),
        (&fresh, vec!["remit"], bad("835-sub-cent.835")),
        (&acks, vec!["ack"], bad("277ca-cut-after-segment.277")),
        (&acks, vec!["ack"], bad("999-shifted-values.999")),
        (&fresh, vec!["inspect"], bad("837-bad-segment-then-trailers.837")),
        (&fresh, vec!["inspect"], bad("837-isa-misaligned.837")),
        (&fresh, vec!["inspect"], bad("835-stray-terminator.835")),
        (&fresh, vec!["inspect"], bad("277ca-cut-after-segment.277")),
        (&fresh, vec!["simulate", "--out", "/nonexistent/x", "--from"], bad("837-bad-segment-then-trailers.837")),
        (&fresh, vec!["remit"], bad("835-amount-overflow.835")),
        (&fresh, vec!["import"], bad("charge-overflow.csv")),
    ];
    // Every defective fixture is a case here (the one that imports cleanly is not a failure).
    let covered: Vec<String> =
        cases.iter().map(|(_, _, f)| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    for entry in std::fs::read_dir(root().join("tests/fixtures/bad")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name != "README.md" && name != "hl7-escape-not-ascii.hl7" {
            assert!(covered.contains(&name), "tests/fixtures/bad/{name} is not among the failure cases");
        }
    }
    for (db, args, file) in cases {
        let r = run(claimkit(db).args(&args).arg(&file));
        assert_no_panic(&file.display().to_string(), &r);
        assert_ne!(r.code, Some(0), "{}: a failure case", file.display());
        assert_no_patient_data(&format!("{args:?} {}", file.display()), &r.stderr);
    }
}
