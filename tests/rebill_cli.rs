//! `claimkit rebill` end to end with the binary: a claim a 999 rejected and a claim a 277CA
//! rejected billed again as new originals (new CLM01, frequency 1, linked both ways), the files
//! checked by the independent validator; an adjudicated claim refused with the reason.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use claimkit::ledger::Ledger;
use common::demo::{claimkit_on, demo_dir};
use serde_json::Value;

/// Runs `cmd`, which finishes with or without findings (exit 0 or 1).
fn ran(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn claimkit(db: &Path) -> Command {
    claimkit_on(db, "2026-12-01")
}

fn validate(files: &[PathBuf]) {
    let tool = repo().join("../shared/tools/x12-validate");
    if !tool.exists() || std::process::Command::new("python3").arg("--version").output().is_err() {
        eprintln!("x12-validate or python3 missing: independent validation skipped");
        return;
    }
    let out = std::process::Command::new(tool).args(files).output().unwrap();
    assert!(out.status.success(), "x12-validate failed:\n{}", String::from_utf8_lossy(&out.stdout));
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

fn query(db: &Path, sql: &str, param: &str) -> Vec<Vec<String>> {
    let ledger = Ledger::open(db).unwrap();
    let mut stmt = ledger.conn().prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([param], |r| (0..n).map(|i| r.get::<_, Option<String>>(i).map(Option::unwrap_or_default)).collect())
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The demo's ledger (build, simulate, ack, remit, second build), in `dir/demo`.
fn demo(dir: &Path) -> PathBuf {
    demo_dir(dir).join("claimkit.db")
}

/// The new claim of the re-billed `old`: (pcn, frequency, encounter), from the ledger.
fn new_claim_of(db: &Path, old: &str) -> Vec<String> {
    let rows = query(
        db,
        "SELECT c.pcn, c.frequency, c.encounter_id FROM claim_rebills r JOIN claims c ON c.pcn = r.new_pcn
         WHERE r.pcn = ?1",
        old,
    );
    assert_eq!(rows.len(), 1, "{old} is linked to one new claim");
    rows[0].clone()
}

/// The ledger's list of encounters left to bill is what its claims say: every encounter without a
/// primary claim in force, and no other.
fn assert_unbilled_kept(db: &Path) {
    let kept = query(db, "SELECT encounter_id FROM unbilled_encounters WHERE ?1 = ?1 ORDER BY 1", "");
    let derived = query(
        db,
        "SELECT e.id FROM encounters e WHERE ?1 = ?1 AND NOT EXISTS (SELECT 1 FROM claims_not_rebilled c
             WHERE c.encounter_id = e.id AND c.responsibility = 'P') ORDER BY 1",
        "",
    );
    assert_eq!(kept, derived);
}

fn is_unbilled(db: &Path, encounter: &str) -> bool {
    !query(db, "SELECT encounter_id FROM unbilled_encounters WHERE encounter_id = ?1", encounter).is_empty()
}

fn history_kinds(db: &Path, pcn: &str) -> Vec<String> {
    let out = claimkit(db).args(["--format", "json", "claim", "show", pcn]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["sections"]["history"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_claim_the_277ca_rejected_is_billed_again_as_a_new_original_linked_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let rejected = query(&db, "SELECT pcn, encounter_id FROM claims WHERE status = ?1 ORDER BY pcn", "rejected");
    assert!(!rejected.is_empty(), "the demo's 277CA rejects a claim");
    let (old, encounter) = (rejected[0][0].clone(), rejected[0][1].clone());
    let balance = |db: &Path| -> Value {
        let out = claimkit(db).args(["--format", "json", "report", "balance"]).output().unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["totals"].clone()
    };
    let before = balance(&db);

    // A build before the re-bill sends nothing for it: a billed claim is never sent twice.
    let early = dir.path().join("early");
    claimkit(&db).args(["--quiet", "build", "--out"]).arg(&early).assert().code(1);
    assert!(!early.exists() || files_in(&early).is_empty());

    assert_unbilled_kept(&db);
    assert!(!is_unbilled(&db, &encounter));

    // PCNs are case-insensitive on input.
    claimkit(&db).args(["rebill", &old.to_lowercase()]).assert().success();
    assert!(is_unbilled(&db, &encounter), "a re-billed claim leaves its encounter to bill");
    assert_unbilled_kept(&db);
    let out = dir.path().join("out");
    claimkit(&db).args(["--quiet", "build", "--out"]).arg(&out).assert().code(1);
    assert!(!is_unbilled(&db, &encounter), "the new claim bills it");
    assert_unbilled_kept(&db);
    let files = files_in(&out);
    assert_eq!(files.len(), 1);
    validate(&files);

    let new = new_claim_of(&db, &old);
    assert_ne!(new[0], old, "a new CLM01");
    assert_eq!(new[1], "1", "an original, not a replacement");
    assert_eq!(new[2], encounter);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains(&format!("CLM*{}*", new[0])) && !text.contains("REF*F8"), "{text}");
    assert!(history_kinds(&db, &old).contains(&"rebilled".to_string()));
    assert!(history_kinds(&db, &new[0]).contains(&"rebill_of".to_string()));
    // One receivable per encounter: the rejected claim's charge moved to the new claim.
    assert_eq!(balance(&db), before);

    // A second re-bill of the same claim is refused, with the reason.
    let again = claimkit(&db).args(["rebill", &old]).output().unwrap();
    assert_eq!(again.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already billed again as"));
}

#[test]
fn a_claim_the_payer_adjudicated_is_refused_and_sent_to_correct() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let paid = query(&db, "SELECT pcn FROM claims WHERE status = ?1 AND responsibility = 'P' ORDER BY pcn", "paid");
    let out = claimkit(&db).args(["rebill", &paid[0][0]]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("adjudicated") && err.contains("claimkit correct"), "{err}");
    assert!(query(&db, "SELECT pcn FROM claim_rebills WHERE pcn = ?1", &paid[0][0]).is_empty());
}

#[test]
fn a_claim_returned_unprocessable_with_ma130_is_billed_again_as_new() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let ma130 = query(
        &db,
        "SELECT DISTINCT cp.matched_pcn FROM claim_payments cp JOIN remit_remark_codes rr ON rr.claim_payment_id = cp.id
         WHERE cp.status_code = '4' AND rr.code = ?1 ORDER BY 1",
        "MA130",
    );
    assert!(!ma130.is_empty(), "the demo's 835 returns a claim unprocessable");
    let old = &ma130[0][0];
    claimkit(&db).args(["--quiet", "rebill", old]).assert().success();
    let out = dir.path().join("out");
    claimkit(&db).args(["--quiet", "build", "--out"]).arg(&out).assert().code(1);
    validate(&files_in(&out));
    assert_eq!(new_claim_of(&db, old)[1], "1");
}

/// The GS06 and ST02 of the 837 at `path`.
fn group_and_set(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let field = |tag: &str, i: usize| {
        text.split('~').map(str::trim).find(|s| s.starts_with(tag)).unwrap().split('*').nth(i).unwrap().to_string()
    };
    (field("GS*", 6), field("ST*", 2))
}

#[test]
fn a_claim_the_999_rejected_is_re_imported_as_an_update_and_billed_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("claimkit.db");
    claimkit(&db)
        .args(["--quiet", "init", "--practice"])
        .arg(repo().join("sample-data/practice.toml"))
        .assert()
        .success();
    let csv = repo().join("sample-data/encounters.csv");
    ran(claimkit(&db).args(["--quiet", "import"]).arg(&csv));
    ran(claimkit(&db).args(["--quiet", "scrub"]));
    let first = dir.path().join("first");
    ran(claimkit(&db).args(["--quiet", "build", "--out"]).arg(&first));
    let batch = files_in(&first).into_iter().next().expect("the build wrote a file");
    let (gs06, st02) = group_and_set(&batch);
    let ack = dir.path().join("reject.999");
    std::fs::write(
        &ack,
        format!(
            "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*MAPLEFM001     *261201*1000*^*00501*000000903*0*T*:~\
             GS*FA*CLEARHOUSE01*MAPLEFM001*20261201*1000*903*X*005010X231A1~ST*999*0001*005010X231A1~\
             AK1*HC*{gs06}*005010X222A1~AK2*837*{st02}*005010X222A1~IK5*R*5~AK9*R*1*1*0~SE*6*0001~GE*1*903~IEA*1*000000903~"
        ),
    )
    .unwrap();
    ran(claimkit(&db).args(["--quiet", "ack"]).arg(&ack));
    let rejected = query(
        &db,
        "SELECT c.pcn, c.encounter_id FROM claims c JOIN encounters e ON e.id = c.encounter_id
         WHERE c.status = ?1 AND e.encounter_json LIKE '%Springfield%' ORDER BY c.pcn",
        "rejected",
    );
    assert!(!rejected.is_empty(), "the 999 rejected the transaction set's claims");
    let (old, encounter) = (rejected[0][0].clone(), rejected[0][1].clone());

    // The same encounters re-imported with a change (the fix) update the rejected claim's encounter.
    let fixed = dir.path().join("fixed.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(&fixed, text.replace(",Springfield,", ",Springfield Heights,")).unwrap();
    ran(claimkit(&db).args(["--quiet", "import"]).arg(&fixed));
    assert!(query(&db, "SELECT encounter_id FROM import_conflicts WHERE encounter_id = ?1", &encounter).is_empty());
    let stored = query(&db, "SELECT encounter_json FROM encounters WHERE id = ?1", &encounter);
    assert!(stored[0][0].contains("Springfield Heights"), "the re-import updated the encounter");

    ran(claimkit(&db).args(["--quiet", "rebill", &old]));
    let out = dir.path().join("out");
    ran(claimkit(&db).args(["--quiet", "build", "--out"]).arg(&out));
    let files = files_in(&out);
    assert_eq!(files.len(), 1);
    validate(&files);
    let new = new_claim_of(&db, &old);
    assert_eq!((new[1].as_str(), new[2].as_str()), ("1", encounter.as_str()));
}
