//! `claimkit inspect` as a user runs it: exit codes, output formats, and no patient data in errors.

use assert_cmd::Command;
use predicates::prelude::*;

const THIRD_PARTY: &str = "../shared/fixtures/third-party";

fn claimkit() -> Command {
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_DB");
    cmd
}

#[test]
fn a_sound_file_exits_0_and_shows_loops_names_and_types() {
    claimkit()
        .args(["inspect", "sample-data/x12/claim-batch.837"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("2300     CLM Patient control number: CK1A2B3C4D5E6F"))
        .stdout(predicate::str::contains("837P"))
        .stdout(predicate::str::contains("checks: envelopes and required elements OK"));
}

#[test]
fn transaction_types_come_from_st01_and_gs08() {
    let out = claimkit()
        .args(["inspect", "--summary", "--format", "json"])
        .arg(format!("{THIRD_PARTY}/linuxforhealth-x12/demo-file/demo.835"))
        .arg(format!("{THIRD_PARTY}/linuxforhealth-x12/837_005010X223A3/institutional-claim.837i"))
        .arg(format!("{THIRD_PARTY}/imsweb-x12-parser/277_5010/x12_277CA_rejected.txt"))
        .arg(format!("{THIRD_PARTY}/imsweb-x12-parser/837_5010/x12_999_rejected.txt"))
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let files: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let kinds: Vec<&str> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["interchanges"][0]["groups"][0]["transactions"][0]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["835", "837I", "277CA", "999"]);
}

#[test]
fn a_file_with_wrong_trailers_exits_3_with_reasons() {
    claimkit()
        .args(["inspect", "--summary"])
        .arg(format!("{THIRD_PARTY}/imsweb-x12-parser/837_5010/x12_multiple_gs.txt"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "segment 110 (byte 3394): IEA01 functional group count is wrong: the interchange has 3",
        ));
}

#[test]
fn a_bad_segment_never_prints_patient_data_unless_asked() {
    let file = format!("{THIRD_PARTY}/imsweb-x12-parser/837_5010/x12_bad_segment_identifier.txt");
    claimkit()
        .args(["inspect", "--summary", &file])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("x12_bad_segment_identifier.txt: segment 6 (byte 280)"))
        .stderr(predicate::str::contains("DAVID").not());
    claimkit()
        .args(["inspect", "--summary", "--show-data", &file])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("DAVID ANGELASZEK"));
}

#[test]
fn a_missing_file_is_an_input_error_and_the_others_are_still_read() {
    claimkit()
        .args(["inspect", "--summary", "no-such-file.837", "sample-data/x12/claim-batch.837"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no-such-file.837"))
        .stdout(predicate::str::contains("claim-batch.837: 52 segments"));
}

#[test]
fn csv_lists_one_row_per_element() {
    claimkit()
        .args(["inspect", "--format", "csv", "sample-data/x12/claim-batch.837"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("file,segment,offset,transaction,loop,id,element,name,value\n"))
        .stdout(predicate::str::contains(",2400,SV1,SV102,Line charge,125\n"));
}

#[test]
fn usage_errors_exit_2() {
    claimkit().args(["inspect"]).assert().code(2);
    claimkit().args(["no-such-command"]).assert().code(2);
    claimkit().args(["inspect", "--format", "xml", "x"]).assert().code(2);
}
