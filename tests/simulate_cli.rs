//! `claimkit simulate`: deterministic payer answers to an 837P that balance and validate.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use assert_cmd::Command;
use claimkit::ack::read_ack_file;
use claimkit::x12::{Element, GroupHeader, InterchangeHeader, SegmentReader, X12Writer};
use rust_decimal::Decimal;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Our copy of the two-claim sample batch (ISA13 101, GS06 101, ST02 0001).
fn sample_837() -> PathBuf {
    root().join("tests/fixtures/ack/two-claims.837")
}

/// Writes a synthetic 837P with `claims` claims: Medicare and commercial, one to three lines, every
/// fifth patient a dependent.
fn write_837(path: &Path, claims: usize) {
    let mut w = X12Writer::new(Vec::new()).line_breaks(true);
    w.begin_interchange(&InterchangeHeader::new("ZZ", "MAPLEFM001", "ZZ", "CLEARHOUSE01", "261120", "0915", 555, 'T'))
        .unwrap();
    w.begin_group(&GroupHeader::new("HC", "MAPLEFM001", "CLEARHOUSE01", "20261120", "0915", 555, "005010X222A1"))
        .unwrap();
    w.begin_transaction("837", "0001", "005010X222A1").unwrap();
    w.segment("BHT", &["0019", "00", "B555", "20261120", "0915", "CH"]).unwrap();
    w.segment("NM1", &["41", "2", "MAPLE STREET FAMILY MEDICINE", "", "", "", "", "46", "MAPLEFM001"]).unwrap();
    w.segment("PER", &["IC", "BILLING OFFICE", "TE", "2175550100"]).unwrap();
    w.segment("NM1", &["40", "2", "SYNTHETIC CLEARINGHOUSE", "", "", "", "", "46", "CLEARHOUSE01"]).unwrap();
    w.segment("HL", &["1", "", "20", "1"]).unwrap();
    w.segment("NM1", &["85", "2", "MAPLE STREET FAMILY MEDICINE", "", "", "", "", "XX", "1234567893"]).unwrap();
    w.segment("N3", &["100 MAPLE ST"]).unwrap();
    w.segment("N4", &["SPRINGFIELD", "IL", "627011234"]).unwrap();
    w.segment("REF", &["EI", "123456789"]).unwrap();
    let mut hl = 1;
    let codes = [("99213", "125"), ("36415", "18"), ("81002", "12.5"), ("99214", "180")];
    for i in 0..claims {
        let medicare = i % 3 != 0;
        let dependent = i % 5 == 4;
        hl += 1;
        w.segment("HL", &[&hl.to_string(), "1", "22", if dependent { "1" } else { "0" }]).unwrap();
        let subscriber_hl = hl;
        w.segment(
            "SBR",
            &["P", if dependent { "" } else { "18" }, "", "", "", "", "", "", if medicare { "MB" } else { "CI" }],
        )
        .unwrap();
        let member = format!("MEMBER{i:05}");
        let first = format!("PATIENT{i}");
        w.segment("NM1", &["IL", "1", "TESTSUBSCRIBER", &first, "", "", "", "MI", &member]).unwrap();
        let (payer, payer_id) =
            if medicare { ("MEDICARE PART B", "MCRB1") } else { ("SYNTHETIC COMMERCIAL HEALTH", "COMM1") };
        w.segment("NM1", &["PR", "2", payer, "", "", "", "", "PI", payer_id]).unwrap();
        if dependent {
            hl += 1;
            w.segment("HL", &[&hl.to_string(), &subscriber_hl.to_string(), "23", "0"]).unwrap();
            w.segment("PAT", &["19"]).unwrap();
            w.segment("NM1", &["QC", "1", "TESTDEPENDENT", &first]).unwrap();
        }
        let lines = 1 + i % 3;
        let total: Decimal = (0..lines).map(|l| Decimal::from_str(codes[(i + l) % 4].1).unwrap()).sum();
        let pcn = format!("SIM{i:05}");
        let total = total.to_string();
        w.segment_elements(
            "CLM",
            &[
                pcn.as_str().into(),
                total.as_str().into(),
                "".into(),
                "".into(),
                Element::Composite(vec!["11", "B", "1"]),
                "Y".into(),
                "A".into(),
                "Y".into(),
                "Y".into(),
            ],
        )
        .unwrap();
        w.segment_elements("HI", &[Element::Composite(vec!["ABK", "E119"])]).unwrap();
        for l in 0..lines {
            let (code, charge) = codes[(i + l) % 4];
            w.segment("LX", &[&(l + 1).to_string()]).unwrap();
            w.segment_elements(
                "SV1",
                &[
                    Element::Composite(vec!["HC", code]),
                    charge.into(),
                    "UN".into(),
                    "1".into(),
                    "".into(),
                    "".into(),
                    "1".into(),
                ],
            )
            .unwrap();
            w.segment("DTP", &["472", "D8", &format!("202611{:02}", 1 + i % 28)]).unwrap();
            w.segment("REF", &["6R", &format!("{pcn}{:02}", l + 1)]).unwrap();
        }
    }
    w.end_transaction().unwrap();
    w.end_group().unwrap();
    std::fs::write(path, w.end_interchange().unwrap()).unwrap();
}

fn simulate(from: &Path, out: &Path, seed: u64, deny_rate: &str) {
    Command::cargo_bin("claimkit")
        .unwrap()
        .args(["--quiet", "simulate", "--seed", &seed.to_string(), "--deny-rate", deny_rate, "--from"])
        .arg(from)
        .arg("--out")
        .arg(out)
        .assert()
        .code(0);
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("amount {s:?}"))
}

/// What the 835 says, checked with our own sums.
#[derive(Default, Debug)]
struct Remit {
    /// (CLP01, CLP02, CLP03, CLP04, CLP07)
    claims: Vec<(String, String, Decimal, Decimal, String)>,
    carcs: BTreeSet<String>,
    remarks: BTreeSet<String>,
    payments: Vec<Decimal>,
    /// (PLB reason, amount)
    plb: Vec<(String, Decimal)>,
}

/// Reads an 835 and asserts the three balancing levels.
fn balanced_835(path: &Path) -> Remit {
    let bytes = std::fs::read(path).unwrap();
    let mut r = SegmentReader::new(&bytes[..]);
    let mut remit = Remit::default();
    let (mut bpr, mut sum_clp) = (Decimal::ZERO, Decimal::ZERO);
    let mut claim: Option<(Decimal, Decimal, Decimal)> = None; // charge, paid, adjustments
    let mut line: Option<(Decimal, Decimal, Decimal)> = None;
    fn close_line(line: &mut Option<(Decimal, Decimal, Decimal)>, at: &str) {
        if let Some((charge, paid, adj)) = line.take() {
            assert_eq!(charge - adj, paid, "line does not balance before {at}");
        }
    }
    fn close_claim(claim: &mut Option<(Decimal, Decimal, Decimal)>, at: &str) {
        if let Some((charge, paid, adj)) = claim.take() {
            assert_eq!(charge - adj, paid, "claim does not balance before {at}");
        }
    }
    while let Some(seg) = r.next_segment().unwrap() {
        let at = format!("{}", seg.position());
        match seg.id() {
            "BPR" => {
                bpr = dec(&seg.text(2));
                sum_clp = Decimal::ZERO;
                remit.payments.push(bpr);
            }
            "CLP" => {
                close_line(&mut line, &at);
                close_claim(&mut claim, &at);
                let (charge, paid) = (dec(&seg.text(3)), dec(&seg.text(4)));
                sum_clp += paid;
                claim = Some((charge, paid, Decimal::ZERO));
                remit.claims.push((seg.trimmed(1), seg.trimmed(2), charge, paid, seg.trimmed(7)));
            }
            "SVC" => {
                close_line(&mut line, &at);
                line = Some((dec(&seg.text(2)), dec(&seg.text(3)), Decimal::ZERO));
            }
            "CAS" => {
                let mut n = 2;
                while !seg.text(n).is_empty() {
                    let amount = dec(&seg.text(n + 1));
                    remit.carcs.insert(format!("{}-{}", seg.text(1), seg.text(n)));
                    if let Some(l) = line.as_mut() {
                        l.2 += amount;
                    }
                    if let Some(c) = claim.as_mut() {
                        c.2 += amount;
                    }
                    n += 3;
                }
            }
            "LQ" => {
                remit.remarks.insert(seg.trimmed(2));
            }
            "PLB" => {
                let mut n = 3;
                while !seg.text(n).is_empty() {
                    let amount = dec(&seg.text(n + 1));
                    remit.plb.push((seg.component_text(n, 1).into_owned(), amount));
                    sum_clp -= amount;
                    n += 2;
                }
            }
            "SE" => {
                close_line(&mut line, &at);
                close_claim(&mut claim, &at);
                assert_eq!(sum_clp, bpr, "transaction (CLP04 - PLB) does not balance before {at}");
            }
            _ => {}
        }
    }
    remit
}

#[test]
fn the_same_seed_writes_the_same_bytes_and_another_seed_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("forty.837");
    write_837(&from, 40);
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    simulate(&from, &a, 42, "0.3");
    simulate(&from, &b, 42, "0.3");
    simulate(&from, &c, 43, "0.3");
    for ext in ["999", "277ca", "835"] {
        let name = format!("forty.{ext}");
        assert_eq!(std::fs::read(a.join(&name)).unwrap(), std::fs::read(b.join(&name)).unwrap(), "{name}");
    }
    assert_ne!(std::fs::read(a.join("forty.835")).unwrap(), std::fs::read(c.join("forty.835")).unwrap());
}

#[test]
fn every_835_balances_at_line_claim_and_transaction_level() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("forty.837");
    write_837(&from, 40);
    for (seed, rate) in [(1, "0"), (2, "0.3"), (3, "0.6"), (4, "1")] {
        let out = dir.path().join(format!("out{seed}"));
        simulate(&from, &out, seed, rate);
        let remit = balanced_835(&out.join("forty.835"));
        assert_eq!(remit.payments.len(), 2, "one payment per payer");
    }
}

#[test]
fn denials_carry_real_carcs_and_one_paid_claim_is_reversed_then_corrected() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("forty.837");
    write_837(&from, 40);
    simulate(&from, dir.path(), 5, "0.5");
    let remit = balanced_835(&dir.path().join("forty.835"));
    let allowed: BTreeSet<&str> = ["CO-45", "PR-1", "PR-2", "PR-3", "CO-16", "CO-97", "CO-50", "CO-29"].into();
    for carc in &remit.carcs {
        assert!(allowed.contains(carc.as_str()), "unexpected adjustment {carc}");
    }
    assert!(remit.carcs.contains("CO-45") && remit.carcs.iter().any(|c| c.starts_with("PR-")));
    assert!(remit.claims.iter().any(|c| c.1 == "4"), "some claims are denied at deny rate 0.5");
    if remit.carcs.contains("CO-16") {
        assert!(remit.remarks.contains("MA130"));
    }
    let reversals: Vec<usize> = (0..remit.claims.len()).filter(|i| remit.claims[*i].1 == "22").collect();
    assert_eq!(reversals.len(), 1, "exactly one reversal");
    let i = reversals[0];
    let (original, reversal, correction) = (&remit.claims[i - 1], &remit.claims[i], &remit.claims[i + 1]);
    assert_eq!(original.0, reversal.0);
    assert_eq!(correction.0, reversal.0);
    assert_eq!((reversal.2, reversal.3), (-original.2, -original.3), "the reversal negates the original");
    assert_eq!(correction.1, "1");
    assert_eq!(correction.2, original.2);
    assert_ne!(correction.3, original.3, "the correction pays a new amount");
    let numbers: Vec<&str> = remit.claims.iter().filter(|c| c.1 != "22").map(|c| c.4.as_str()).collect();
    assert_eq!(numbers.iter().collect::<BTreeSet<_>>().len(), numbers.len(), "payer claim numbers are unique");
    assert_eq!(remit.plb.len(), 1, "interest on the corrected claim");
    assert_eq!(remit.plb[0].0, "L6");

    // Claims the 277CA rejected never reach the 835.
    let ack = read_ack_file(&dir.path().join("forty.277ca")).unwrap();
    let rejected: BTreeSet<String> =
        ack.claim_acks[0].claims().filter(|c| c.is_rejected()).map(|c| c.pcn.clone()).collect();
    assert!(!rejected.is_empty());
    assert!(remit.claims.iter().all(|c| !rejected.contains(&c.0)));
    assert_eq!(ack.claim_acks[0].claims().count(), 40);
}

#[test]
fn the_sample_batch_is_answered_with_exact_amounts_for_seed_7() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("claimkit")
        .unwrap()
        .args(["--format", "json", "simulate", "--seed", "7", "--deny-rate", "0", "--from"])
        .arg(sample_837())
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let summary: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(summary["claims"], 2);
    assert_eq!(summary["paid"].as_array().unwrap().len(), 2);
    assert_eq!(summary["reversed"], "CK9Z8Y7X6W5V4U3");
    let remit = balanced_835(&dir.path().join("two-claims.835"));
    // COMM1: 49.40 paid, reversed, 48.64 paid again, plus 0.49 interest (PLB L6, 1 % of 48.64).
    assert_eq!(remit.payments, vec![dec("69.78"), dec("49.13")]);
    assert_eq!(remit.plb, vec![("L6".to_string(), dec("-0.49"))]);
    let numbers: Vec<&str> = remit.claims.iter().map(|c| c.4.as_str()).collect();
    assert_eq!(numbers, ["26112001010000001", "26112001010000002", "26112001010000002", "26112001010000002C"]);
    let statuses: Vec<&str> = remit.claims.iter().map(|c| c.1.as_str()).collect();
    assert_eq!(statuses, ["1", "1", "22", "1"]);
    let ack999 = read_ack_file(&dir.path().join("two-claims.999")).unwrap();
    assert_eq!(ack999.group_acks[0].group_control_number, "101");
    assert_eq!(ack999.group_acks[0].sets[0].control_number, "0001");
}

/// Every 837 under sample-data/x12/.
fn sample_837s() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("sample-data/x12"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "837"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

#[test]
fn every_sample_837_is_answered_for_every_claim_with_a_balanced_835() {
    for from in sample_837s() {
        let dir = tempfile::tempdir().unwrap();
        simulate(&from, dir.path(), 11, "0.4");
        let stem = from.file_stem().unwrap().to_string_lossy().into_owned();
        let clms = std::fs::read_to_string(&from).unwrap().matches("CLM*").count();
        let ack = read_ack_file(&dir.path().join(format!("{stem}.277ca"))).unwrap();
        assert_eq!(ack.claim_acks.iter().map(|t| t.claims().count()).sum::<usize>(), clms, "{stem}");
        balanced_835(&dir.path().join(format!("{stem}.835")));
    }
}

#[test]
fn the_999_277ca_and_835_pass_the_independent_validator() {
    let validator = root().join("../shared/tools/x12-validate");
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("forty.837");
    write_837(&from, 40);
    simulate(&from, dir.path(), 5, "0.5");
    let mut names: Vec<String> = vec!["forty.999".into(), "forty.277ca".into(), "forty.835".into()];
    for sample in sample_837s() {
        simulate(&sample, dir.path(), 7, "0.3");
        let stem = sample.file_stem().unwrap().to_string_lossy().into_owned();
        names.extend(["999", "277ca", "835"].map(|ext| format!("{stem}.{ext}")));
    }
    for name in names {
        let out = std::process::Command::new(&validator).arg(dir.path().join(&name)).output().unwrap();
        assert!(
            out.status.success(),
            "{name}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_file_without_claims_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("claimkit")
        .unwrap()
        .args(["simulate", "--from"])
        .arg(root().join("tests/fixtures/ack/999-rejected.x12"))
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(3)
        .stderr(predicates::str::contains("no CLM claims"));
    Command::cargo_bin("claimkit")
        .unwrap()
        .args(["simulate", "--deny-rate", "1.5", "--out", "x", "--from"])
        .arg(sample_837())
        .assert()
        .code(2);
}

#[test]
fn an_837_with_several_functional_groups_gets_one_999_response_per_group() {
    let dir = tempfile::tempdir().unwrap();
    let from = root().join("../shared/fixtures/third-party/imsweb-x12-parser/837_5010/x12_multiple_gs.txt");
    simulate(&from, dir.path(), 1, "0");
    let ack = read_ack_file(&dir.path().join("x12_multiple_gs.999")).unwrap();
    assert_eq!(ack.group_acks.len(), 3);
    for g in &ack.group_acks {
        assert_eq!(g.sets.len(), 1);
        assert_eq!((g.sets_included, g.sets_accepted), (1, 1));
    }
}
