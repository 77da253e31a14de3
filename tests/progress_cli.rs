//! Progress bars are for people watching a terminal: scripts and pipes get none.

use assert_cmd::Command;

#[test]
fn a_large_import_draws_no_progress_bar_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let sample = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/encounters.csv")).unwrap();
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let id_col = header.split(',').position(|c| c == "encounter_id").unwrap();
    assert_eq!(id_col, 0, "the sample's first column is encounter_id");
    // Past the 5,000 encounters at which a terminal would get a spinner.
    let mut csv = format!("{header}\n");
    for copy in 0..130 {
        for row in &rows {
            let (id, rest) = row.split_once(',').unwrap();
            csv.push_str(&format!("{id}-{copy},{rest}\n"));
        }
    }
    let file = dir.path().join("big.csv");
    std::fs::write(&file, csv).unwrap();
    Command::cargo_bin("claimkit")
        .unwrap()
        .env_remove("CLAIMKIT_DB")
        .arg("--db")
        .arg(dir.path().join("l.db"))
        .arg("init")
        .assert()
        .success();
    let out = Command::cargo_bin("claimkit")
        .unwrap()
        .env_remove("CLAIMKIT_DB")
        .arg("--db")
        .arg(dir.path().join("l.db"))
        .arg("import")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("import ") && !stderr.contains('\r') && !stderr.contains("\u{1b}["), "{stderr}");
}
