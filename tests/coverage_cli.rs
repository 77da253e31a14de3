//! Coverages as they are, end to end through the real binary: a child on her father's commercial
//! plan with her own Medicaid, and a working-aged patient whose Medicare pays second. Each is
//! imported from CSV, FHIR and HL7; the primary claim lists the other coverage (2320/2330A/2330B),
//! the primary's 835 is posted, and the secondary claim names the secondary coverage's own insured.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn claimkit() -> Command {
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_DB").env("CLAIMKIT_TODAY", "2026-11-25");
    cmd
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validate(files: &[PathBuf]) {
    let tool = repo().join("../shared/tools/x12-validate");
    if !tool.exists() {
        eprintln!("x12-validate missing: independent validation skipped");
        return;
    }
    let out = std::process::Command::new(tool).args(files).output().unwrap();
    assert!(
        out.status.success(),
        "x12-validate failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn only_file(dir: &Path, ext: &str) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// The segments of the claim whose CLM01 starts with `prefix`, from its subscriber HL to the next HL.
fn claim_of<'a>(text: &'a str, encounter_pcn_prefix: &str) -> Vec<&'a str> {
    let segments: Vec<&str> = text.split('~').map(str::trim).filter(|s| !s.is_empty()).collect();
    let clm = segments.iter().position(|s| s.starts_with(&format!("CLM*{encounter_pcn_prefix}"))).unwrap();
    let start = segments[..clm].iter().rposition(|s| s.starts_with("HL*") && s.split('*').nth(3) == Some("22"));
    let end = segments[clm..].iter().position(|s| s.starts_with("HL*") || s.starts_with("SE*")).unwrap() + clm;
    segments[start.unwrap()..end].to_vec()
}

struct Billed {
    primary: String,
    secondary: String,
}

/// import -> build (primary claims) -> simulated payer answers -> remit -> build (secondary claims).
fn bill_through_the_secondary(file: &str) -> Billed {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    let run = |args: &[&str]| {
        let mut cmd = claimkit();
        cmd.arg("--db").arg(&db).args(args);
        cmd
    };
    let sample = |p: &str| repo().join("sample-data").join(p).display().to_string();
    run(&["init", "--practice", &sample("practice.toml")]).assert().success();
    run(&["import", &sample(&format!("coverage/{file}"))]).assert().success();
    let first = dir.path().join("first");
    run(&["build", "--out", first.to_str().unwrap()]).assert().success();
    let batch = only_file(&first, "837");
    validate(std::slice::from_ref(&batch));
    let payer = dir.path().join("payer");
    run(&["simulate", "--from", batch.to_str().unwrap(), "--out", payer.to_str().unwrap()]).assert().success();
    run(&["remit", only_file(&payer, "835").to_str().unwrap()]).assert().success();
    let second = dir.path().join("second");
    run(&["build", "--out", second.to_str().unwrap()]).assert().success();
    let secondary = only_file(&second, "837");
    validate(std::slice::from_ref(&secondary));
    Billed { primary: std::fs::read_to_string(batch).unwrap(), secondary: std::fs::read_to_string(secondary).unwrap() }
}

fn check_child_with_own_medicaid(billed: &Billed) {
    // Primary: the father is the commercial plan's insured, the child the patient; her Medicaid
    // is listed as the other coverage, with her as its subscriber, without adjudication.
    let child = claim_of(&billed.primary, "P18E6NN8DCWZWPC4F");
    assert!(child.contains(&"SBR*P**GRP7781******CI"), "{child:?}");
    assert!(child.contains(&"NM1*IL*1*Hart*David****MI*ACM900112"));
    assert!(child.contains(&"PAT*19"));
    let other = child.iter().position(|s| *s == "SBR*S*18*******MC").expect("2320 for Medicaid");
    assert_eq!(child[other + 1], "OI***Y*P**Y", "no adjudication on a primary claim");
    assert_eq!(child[other + 2], "NM1*IL*1*Hart*Lily****MI*IL550019011");
    assert!(child.contains(&"NM1*PR*2*State Medicaid*****PI*MCD01"));
    assert!(!billed.primary.contains("AMT*D"));
    // Secondary: the child is Medicaid's insured with her own ID and DMG; no patient loop; the
    // commercial group is the other payer's, not Medicaid's.
    let medicaid = claim_of(&billed.secondary, "S154TDNGWPFMNTXKS");
    assert_eq!(medicaid[1], "SBR*S*18*******MC");
    assert_eq!(medicaid[2], "NM1*IL*1*Hart*Lily****MI*IL550019011");
    assert!(medicaid.contains(&"DMG*D8*20160314*F"));
    assert!(!medicaid.iter().any(|s| s.starts_with("PAT*") || s.starts_with("NM1*QC")));
    assert!(medicaid.contains(&"SBR*P*19*GRP7781******CI"));
    assert!(medicaid.contains(&"NM1*IL*1*Hart*David****MI*ACM900112"));
    assert!(medicaid.iter().any(|s| s.starts_with("AMT*D*")));
    assert!(medicaid.iter().any(|s| s.starts_with("SVD*ACME1*")));
}

fn check_working_aged_medicare_secondary(billed: &Billed) {
    let primary = claim_of(&billed.primary, "P1HM1F8NXVY2B6EP1");
    assert!(primary.contains(&"SBR*P*18*GRP7781******CI"));
    assert!(primary.contains(&"SBR*S*18*******MB"), "Medicare listed as the other coverage: {primary:?}");
    assert!(primary.contains(&"NM1*IL*1*Quinn*Robert****MI*7QX2HV4TN55"));
    // Medicare secondary: SBR05 12 (working aged), no employer group number of Medicare's own.
    let medicare = claim_of(&billed.secondary, "S1RT4J2KRT7VGHG4A");
    assert_eq!(medicare[1], "SBR*S*18***12****MB");
    assert_eq!(medicare[2], "NM1*IL*1*Quinn*Robert****MI*7QX2HV4TN55");
    assert!(medicare.contains(&"SBR*P*18*GRP7781******CI"));
    assert!(medicare.iter().any(|s| s.starts_with("SVD*ACME1*")));
}

#[test]
fn coverages_from_csv_bill_each_payer_with_its_own_insured() {
    let billed = bill_through_the_secondary("coverage.csv");
    check_child_with_own_medicaid(&billed);
    check_working_aged_medicare_secondary(&billed);
}

#[test]
fn coverages_from_fhir_bill_each_payer_with_its_own_insured() {
    let billed = bill_through_the_secondary("coverage.fhir.json");
    check_child_with_own_medicaid(&billed);
    check_working_aged_medicare_secondary(&billed);
}

#[test]
fn coverages_from_hl7_bill_each_payer_with_its_own_insured() {
    let billed = bill_through_the_secondary("coverage.hl7");
    check_child_with_own_medicaid(&billed);
    check_working_aged_medicare_secondary(&billed);
}
