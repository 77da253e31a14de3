//! Eligibility (270/271, 005010X279A1) end to end with the binary: inquiries for the coverages of
//! encounters not yet billed, the simulated payer's answers, their posting, and the scrub findings
//! each outcome leads to.
//!
//! Every 270 and 271 is handed to the independent validator as written, with one exception: it
//! judges 270s and 271s with linuxforhealth-x12 0.57.0, which takes the subscriber's and
//! dependent's AAA03 (2100C/2100D) from the receiver's code list (2100B), lacking the guide's
//! member codes 71, 72, 73, 75 ("subscriber not found"...); a 271 carrying one of those is
//! handed over with that code replaced (see [`judgeable`]).

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

fn segments(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .split('~')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.split('*').map(str::to_string).collect())
        .collect()
}

/// The AAA03 codes the validator's model accepts in 2100C/2100D (its 2100B list).
const MODEL_AAA03: &[&str] = &["15", "41", "43", "44", "45", "46", "47", "48", "50", "51", "79", "97", "T4"];

/// The HL structure claimkit writes (one information source and receiver per subscriber, as the
/// validator's model takes them): per transaction set, HLs numbered 1, 2, 3..., each payer (20)
/// followed by its receiver (21, its child) and one subscriber (22, the receiver's child), a
/// dependent (23) a child of the subscriber before it. Returns the number of subscribers.
fn assert_hierarchy(path: &Path) -> usize {
    let (mut subscribers, mut next) = (0, 1u64);
    let mut last: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for seg in segments(path) {
        match seg[0].as_str() {
            "ST" => (next, last) = (1, Default::default()),
            "HL" => {
                assert_eq!(seg[1], next.to_string(), "HL numbering in {}: {seg:?}", path.display());
                let expected_parent = match seg[3].as_str() {
                    "20" => None,
                    "21" => last.get("20").copied(),
                    "22" => {
                        subscribers += 1;
                        assert_eq!(last.get("21").copied(), Some(next - 1), "one subscriber per receiver: {seg:?}");
                        last.get("21").copied()
                    }
                    _ => last.get("22").copied(),
                };
                assert_eq!(seg[2], expected_parent.map(|p| p.to_string()).unwrap_or_default(), "{seg:?}");
                last.insert(seg[3].clone(), next);
                next += 1;
            }
            _ => {}
        }
    }
    subscribers
}

/// The 271 at `path` as the validator can judge it (in `judgeable/` beside it): a member AAA03
/// its model lacks replaced by 15 (required application data missing), which it has. Everything
/// else is byte for byte the original's; a file without such a code is returned as it is.
fn judgeable(path: &Path) -> PathBuf {
    let mut level = String::new();
    let mut changed = false;
    let mut out = Vec::new();
    for mut seg in segments(path) {
        match seg[0].as_str() {
            "HL" => level = seg[3].clone(),
            "AAA" if matches!(level.as_str(), "22" | "23") && !MODEL_AAA03.contains(&seg[3].as_str()) => {
                seg[3] = "15".into();
                changed = true;
            }
            _ => {}
        }
        out.push(seg.join("*"));
    }
    if !changed {
        return path.to_path_buf();
    }
    let dir = path.parent().unwrap().join("judgeable");
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join(path.file_name().unwrap());
    std::fs::write(&copy, out.iter().map(|s| format!("{s}~\n")).collect::<String>()).unwrap();
    copy
}

/// The structure checked here, the rest by the validator.
fn validate_eligibility(path: &Path) {
    assert!(assert_hierarchy(path) > 0, "no subscriber in {}", path.display());
    validate(&judgeable(path));
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
        validate_eligibility(f);
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
        validate_eligibility(&f);
    }
}

#[test]
fn inactive_coverage_holds_the_encounters() {
    let dir = tempfile::tempdir().unwrap();
    let (_, scrub) = answered(dir.path(), "inactive");
    assert!(rules(&scrub).contains(&"ELIGIBILITY-INACTIVE".to_string()), "{scrub}");
    for f in files(&dir.path().join("payer"), "271") {
        validate_eligibility(&f);
    }
}

#[test]
fn other_coverage_found_is_a_warning_that_says_what_the_payer_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (_, scrub) = answered(dir.path(), "other-coverage");
    assert!(rules(&scrub).contains(&"ELIGIBILITY-OTHER-COVERAGE".to_string()), "{scrub}");
    for f in files(&dir.path().join("payer"), "271") {
        validate_eligibility(&f);
    }
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
    for f in files(&dir.path().join("payer"), "271") {
        validate_eligibility(&f);
    }
}

#[test]
fn a_plan_that_begins_after_the_date_of_service_holds_the_encounter_though_the_answer_is_active() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    run(&db, &["init", "--practice", sample("practice.toml").to_str().unwrap()]).assert().success();
    run(&db, &["import", sample("encounters.csv").to_str().unwrap()]).assert().success();
    let out = dir.path().join("out");
    run(&db, &["eligibility", "request", "--out", out.to_str().unwrap()]).assert().success();
    let payer = dir.path().join("payer");
    for f in files(&out, "270") {
        run(&db, &["simulate", "--from", f.to_str().unwrap(), "--out", payer.to_str().unwrap(), "--outcome", "active"])
            .assert()
            .success();
    }
    // The payer answers "active" about the date asked, but says the plan begins in 2027: every
    // date of service (all in 2026) is before the coverage.
    let answers = files(&payer, "271");
    let mut moved = 0;
    for f in &answers {
        let text = std::fs::read_to_string(f).unwrap();
        let edited: Vec<String> = text
            .split('~')
            .map(|seg| {
                if seg.trim_start().starts_with("DTP*346*D8*") {
                    moved += 1;
                    "\nDTP*346*D8*20270101".to_string()
                } else {
                    seg.to_string()
                }
            })
            .collect();
        std::fs::write(f, edited.join("~")).unwrap();
        validate_eligibility(f);
    }
    assert!(moved > 0);
    let mut post = vec!["eligibility".to_string(), "post".to_string()];
    post.extend(answers.iter().map(|p| p.display().to_string()));
    let post: Vec<&str> = post.iter().map(String::as_str).collect();
    run(&db, &post).assert().success();
    let scrub = run(&db, &["--format", "json", "scrub"]).output().unwrap();
    let text = String::from_utf8_lossy(&scrub.stdout);
    assert!(text.contains("ELIGIBILITY-INACTIVE"), "{text}");
    let report = run(&db, &["--format", "json", "report", "eligibility"]).output().unwrap();
    assert!(String::from_utf8_lossy(&report.stdout).contains("ELIGIBILITY-INACTIVE"));
}

#[test]
fn an_inquiry_about_one_encounter_and_its_answer_pass_the_validator_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    run(&db, &["init", "--practice", sample("practice.toml").to_str().unwrap()]).assert().success();
    run(&db, &["import", sample("encounters.csv").to_str().unwrap()]).assert().success();
    let out = dir.path().join("out");
    run(&db, &["eligibility", "request", "--out", out.to_str().unwrap(), "--encounter", "E1001"]).assert().success();
    let payer = dir.path().join("payer");
    for f in files(&out, "270") {
        assert_eq!(assert_hierarchy(&f), 1);
        validate(&f);
        run(
            &db,
            &["simulate", "--from", f.to_str().unwrap(), "--out", payer.to_str().unwrap(), "--outcome", "inactive"],
        )
        .assert()
        .success();
    }
    for f in files(&payer, "271") {
        validate(&f);
    }
}
