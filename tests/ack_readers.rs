//! The acknowledgment readers on every TA1, 999 and 277 under ../shared/fixtures/third-party and on
//! our own synthetic TA1/999 fixtures: accepted and rejected acknowledgments read as such.

use std::path::{Path, PathBuf};

use claimkit::ack::{AckCode, AckKind, AckReadError, read_ack_file};
use rust_decimal::Decimal;

fn third_party(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/third-party").join(rel)
}

fn ours(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ack").join(name)
}

#[test]
fn imsweb_accepted_999_acknowledges_set_0001_of_group_17456() {
    let f = read_ack_file(&third_party("imsweb-x12-parser/837_5010/x12_999_accepted.txt")).unwrap();
    assert_eq!(f.kinds(), vec![AckKind::Ack999]);
    let g = &f.group_acks[0];
    assert_eq!(g.group_control_number, "17456");
    assert_eq!(g.version.as_deref(), Some("005010X223A2"));
    assert_eq!(g.code, AckCode::Accepted);
    assert_eq!((g.sets_included, g.sets_received, g.sets_accepted), (1, 1, 1));
    assert_eq!(g.sets[0].control_number, "0001");
    assert_eq!(g.sets[0].code, AckCode::Accepted);
    // The file's IEA02 does not echo its ISA13: reported, not fatal.
    assert_eq!(f.envelope_findings.len(), 1);
    assert!(f.envelope_findings[0].message.contains("IEA02"));
}

#[test]
fn imsweb_rejected_999_rejects_set_0028_for_an_unrecognized_segment() {
    let f = read_ack_file(&third_party("imsweb-x12-parser/837_5010/x12_999_rejected.txt")).unwrap();
    let g = &f.group_acks[0];
    assert_eq!(g.group_control_number, "28");
    assert!(g.code.is_rejected());
    assert_eq!((g.sets_included, g.sets_received, g.sets_accepted), (1, 1, 0));
    let set = &g.sets[0];
    assert_eq!(set.control_number, "0028");
    assert_eq!(set.implementation, None, "AK203 is absent in this file");
    assert!(set.code.is_rejected());
    assert_eq!(set.error_codes, vec!["5".to_string()]);
    let e = &set.segment_errors[0];
    assert_eq!(
        (e.segment_id.as_str(), e.segment_position, e.loop_id.as_deref(), e.code.as_str()),
        ("NM", 17, None, "1")
    );
    assert_eq!(
        set.explain(),
        "999 set 0028 rejected; IK5 5: one or more segments have errors; NM at segment 17: 1 = segment ID not recognized"
    );
}

#[test]
fn imsweb_accepted_277ca_accepts_claim_5781_with_its_payer_claim_number() {
    let f = read_ack_file(&third_party("imsweb-x12-parser/277_5010/x12_277CA_accepted.txt")).unwrap();
    assert_eq!(f.kinds(), vec![AckKind::ClaimAck277]);
    let t = &f.claim_acks[0];
    assert_eq!(t.implementation, "005010X214");
    assert_eq!(t.payer.id, "141797357");
    assert_eq!(t.receiver_trace.as_deref(), Some("000000674"));
    assert_eq!(t.accepted_quantity, Some(Decimal::ONE));
    assert_eq!(t.accepted_amount, Some(Decimal::new(1250, 1)));
    assert_eq!(t.providers[0].provider.id, "1234567890");
    assert_eq!(t.providers[0].trace.as_deref(), Some("1107000000000135FF"));
    let claims: Vec<_> = t.claims().collect();
    assert_eq!(claims.len(), 1);
    let c = claims[0];
    assert_eq!(c.pcn, "5781");
    assert!(c.is_accepted());
    assert_eq!(c.statuses[0].codes[0].code(), "A2:20");
    assert_eq!(c.payer_claim_number.as_deref(), Some("1107000000014420"));
    assert_eq!(c.statuses[0].amount, Some(Decimal::from(125)));
}

#[test]
fn imsweb_rejected_277ca_with_pipe_component_separator_rejects_the_claim_for_the_billing_npi() {
    let f = read_ack_file(&third_party("imsweb-x12-parser/277_5010/x12_277CA_rejected.txt")).unwrap();
    let c = f.claim_acks[0].claims().next().unwrap().clone();
    assert_eq!(c.pcn, "3920394930203");
    assert!(c.is_rejected());
    assert!(!c.is_accepted());
    assert_eq!(c.statuses[0].codes[0].code(), "A7:562:85");
    assert_eq!(c.bill_type.as_deref(), Some("731"));
    assert_eq!(c.payer_claim_number.as_deref(), Some("1107000000001120"));
    assert_eq!(
        c.explain(),
        "A7:562:85 rejected: information not valid: entity's National Provider Identifier (NPI) (billing provider)"
    );
}

#[test]
fn every_third_party_277_reads_with_its_claims_and_levels() {
    let expected = [
        ("imsweb-x12-parser/277_5010/x12_277_x212.txt", 8),
        ("linuxforhealth-x12/277_005010X212/claim-level-status-ncpdp.277", 1),
        ("linuxforhealth-x12/277_005010X212/claim-level-status.277", 3),
        ("linuxforhealth-x12/277_005010X212/information-receiver-level-status.277", 0),
        ("linuxforhealth-x12/277_005010X212/provider-level-status.277", 1),
        ("linuxforhealth-x12/demo-file/demo.277", 3),
    ];
    for (rel, claims) in expected {
        let f = read_ack_file(&third_party(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(f.claim_acks.len(), 1, "{rel}");
        let t = &f.claim_acks[0];
        assert_eq!(t.implementation, "005010X212", "{rel}");
        assert_eq!(t.claims().count(), claims, "{rel}");
        assert!(f.notes.is_empty(), "{rel}: {:?}", f.notes);
    }
    // A line-level status under a dependent (HL 23) claim.
    let f = read_ack_file(&third_party("linuxforhealth-x12/277_005010X212/claim-level-status.277")).unwrap();
    let third = f.claim_acks[0].claims().nth(2).unwrap().clone();
    assert_eq!(third.pcn, "ABCXYC3");
    assert_eq!(third.statuses[0].codes[0].code(), "F2:88:QC");
    assert_eq!(third.lines.len(), 1);
    assert_eq!(third.lines[0].procedure_code, "99203");
    assert_eq!(third.lines[0].statuses.len(), 1);
    // Receiver-level and provider-level statuses are kept apart from claims.
    let f =
        read_ack_file(&third_party("linuxforhealth-x12/277_005010X212/information-receiver-level-status.277")).unwrap();
    assert_eq!(f.claim_acks[0].receiver_statuses[0].codes[0].code(), "E0:0");
    let f = read_ack_file(&third_party("linuxforhealth-x12/277_005010X212/provider-level-status.277")).unwrap();
    assert!(f.claim_acks[0].providers[0].statuses.is_empty());
    assert_eq!(f.claim_acks[0].providers[1].statuses[0].codes[0].code(), "E0:24:85");
}

#[test]
fn a_rejected_ta1_explains_the_duplicate_interchange() {
    let f = read_ack_file(&ours("ta1-rejected.x12")).unwrap();
    assert_eq!(f.kinds(), vec![AckKind::Ta1]);
    let ta1 = &f.interchange_acks[0];
    assert_eq!((ta1.isa13.as_str(), ta1.date.as_str(), ta1.time.as_str()), ("000000101", "261120", "0915"));
    assert!(ta1.code.is_rejected());
    assert!(ta1.explain().ends_with("note 025 = interchange control number already received (duplicate)"));
    let ok = read_ack_file(&ours("ta1-accepted.x12")).unwrap();
    assert_eq!(ok.interchange_acks[0].code, AckCode::Accepted);
    assert_eq!(ok.interchange_acks[0].note_code, "000");
}

#[test]
fn files_without_acknowledgments_are_refused_with_what_they_hold() {
    let err = read_ack_file(&third_party("linuxforhealth-x12/835_005010X221A1/managed-care.835")).unwrap_err();
    assert!(matches!(err, AckReadError::NotAnAcknowledgment { .. }));
    assert!(err.to_string().contains("835"), "{err}");
    let missing = read_ack_file(Path::new("/nonexistent/file.999")).unwrap_err();
    assert!(matches!(missing, AckReadError::Open { .. }));
}

fn every_fixture_file() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_none_or(|e| e != "md") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&third_party(""), &mut out);
    out.sort();
    assert!(out.len() >= 60, "expected the third-party fixtures beside the repo");
    out
}

#[test]
fn every_third_party_file_is_read_or_refused_without_panicking_and_only_acks_are_acks() {
    let mut acks = Vec::new();
    for path in every_fixture_file() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Ok(f) = read_ack_file(&path) {
            acks.push((name, f.kinds()));
        }
    }
    let names: Vec<&str> = acks.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "x12_277CA_accepted.txt",
            "x12_277CA_rejected.txt",
            "x12_277_x212.txt",
            "x12_999_accepted.txt",
            "x12_999_rejected.txt",
            "claim-level-status-ncpdp.277",
            "claim-level-status.277",
            "information-receiver-level-status.277",
            "provider-level-status.277",
            "demo.277",
        ]
    );
}

#[test]
fn the_simulators_837_extraction_reads_every_third_party_professional_claim_file() {
    for path in every_fixture_file() {
        let text = std::fs::read(&path).unwrap();
        let result = claimkit::simulate::extract_837(&text[..]);
        let is_837p = path.to_string_lossy().contains("837_005010X222A2");
        if is_837p {
            let batch = result.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!batch.claims.is_empty(), "{}", path.display());
            for c in &batch.claims {
                let lines: Decimal = c.lines.iter().map(|l| l.charge).sum();
                assert_eq!(lines, c.charge, "{}: claim {} lines", path.display(), c.pcn);
            }
        }
    }
}

#[test]
fn the_streaming_reader_hands_over_the_same_claims_the_collecting_reader_keeps() {
    for rel in [
        "imsweb-x12-parser/277_5010/x12_277_x212.txt",
        "imsweb-x12-parser/277_5010/x12_277CA_rejected.txt",
        "linuxforhealth-x12/277_005010X212/claim-level-status.277",
    ] {
        let bytes = std::fs::read(third_party(rel)).unwrap();
        let kept: Vec<_> =
            claimkit::ack::read_acknowledgments(&bytes[..]).unwrap().claim_acks[0].claims().cloned().collect();
        let mut streamed = Vec::new();
        let rest =
            claimkit::ack::read_acknowledgments_streaming(&bytes[..], &mut |_, c| streamed.push(c.clone())).unwrap();
        assert_eq!(streamed, kept, "{rel}");
        assert_eq!(rest.claim_acks[0].claims().count(), 0, "{rel}: streamed claims are not kept");
    }
}

#[test]
fn acknowledgments_cut_at_any_byte_or_with_a_byte_changed_never_panic_the_reader() {
    for rel in ["imsweb-x12-parser/277_5010/x12_277CA_rejected.txt", "imsweb-x12-parser/837_5010/x12_999_rejected.txt"]
    {
        let bytes = std::fs::read(third_party(rel)).unwrap();
        for cut in 0..bytes.len() {
            let _ = claimkit::ack::read_acknowledgments(&bytes[..cut]);
        }
        for at in 0..bytes.len() {
            for replacement in [b'*', b'~', b':', b'A', b'0'] {
                let mut changed = bytes.clone();
                changed[at] = replacement;
                let _ = claimkit::ack::read_acknowledgments(&changed[..]);
            }
        }
    }
    let ta1 = std::fs::read(ours("ta1-rejected.x12")).unwrap();
    for cut in 0..ta1.len() {
        let _ = claimkit::ack::read_acknowledgments(&ta1[..cut]);
    }
}

#[test]
fn the_simulators_837_extraction_never_panics_on_a_cut_or_changed_file() {
    let bytes = std::fs::read(ours("two-claims.837")).unwrap();
    for cut in 0..bytes.len() {
        let _ = claimkit::simulate::extract_837(&bytes[..cut]);
    }
    for at in (0..bytes.len()).step_by(3) {
        for replacement in [b'*', b'~', b':', b'X'] {
            let mut changed = bytes.clone();
            changed[at] = replacement;
            let _ = claimkit::simulate::extract_837(&changed[..]);
        }
    }
}
