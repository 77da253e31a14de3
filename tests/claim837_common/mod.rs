//! Shared helpers of the claim837 tests: the fixture practice and encounters, and the validator.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, NaiveDateTime};
use claimkit::encounter::Encounter;
use claimkit::practice::Practice;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claim837")
}

pub fn practice() -> Practice {
    toml::from_str(&std::fs::read_to_string(fixtures().join("practice.toml")).unwrap()).unwrap()
}

pub fn encounters() -> Vec<Encounter> {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("encounters.json")).unwrap()).unwrap()
}

pub fn encounter(id: &str) -> Encounter {
    encounters().into_iter().find(|e| e.id == id).unwrap()
}

pub fn as_of() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap().and_hms_opt(9, 30, 0).unwrap()
}

/// Runs the independent validator on `path` and fails the test unless it passes. Skipped, with a
/// note, only when python3 is missing.
pub fn validate(path: &Path) {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("NOTE: python3 not found; skipping x12-validate of {}", path.display());
        return;
    }
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/x12-validate");
    let out = Command::new("bash").arg(&tool).arg(path).output().expect("x12-validate runs");
    assert!(
        out.status.success(),
        "x12-validate failed on {}:\n{}\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
