//! The 837P writer as a clearinghouse sees its output: every file passes the independent validator
//! (pyx12, `../shared/tools/x12-validate`), reads back into the same claims, and balances.

mod claim837_common;

use std::path::Path;

use chrono::NaiveDate;
use claim837_common::{as_of, encounter, encounters, practice, validate};
use claimkit::claim837::{
    Adjustment, Claim, ClaimRequest, LineAdjudication, ParsedClaim, PrimaryAdjudication, Responsibility, read_837p,
    write_837p,
};
use claimkit::encounter::ClaimFrequency;
use claimkit::ledger::ControlNumbers;
use rust_decimal::Decimal;

fn numbers(sets: usize) -> ControlNumbers {
    ControlNumbers { interchange: 42, group: 42, transactions: (1..=sets).map(|n| format!("{n:04}")).collect() }
}

fn write(claims: &[Claim], receiver: &str, dir: &Path, name: &str) -> (std::path::PathBuf, Vec<String>) {
    let practice = practice();
    let receiver = practice.receiver(receiver).unwrap().clone();
    let sets = claims.len().div_ceil(5000).max(1);
    let (bytes, st02s, stats) =
        write_837p(&practice, &receiver, claims, &numbers(sets), as_of(), Vec::new()).expect("written");
    assert_eq!(stats.claims, claims.len());
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    (path, st02s)
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn secondary_claim() -> Claim {
    let e = encounter("E1002");
    let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let adj =
        |g: &str, r: &str, a: &str| Adjustment { group: g.into(), reason: r.into(), amount: dec(a), quantity: None };
    let primary = PrimaryAdjudication {
        payer_id: "COMM1".into(),
        payer_claim_number: Some("COMM-77001".into()),
        paid: dec("180.40"),
        claim_adjustments: vec![],
        lines: vec![
            LineAdjudication {
                line_number: 1,
                paid: dec("100"),
                adjustments: vec![adj("CO", "45", "40"), adj("PR", "2", "20")],
                adjudication_date: day,
            },
            LineAdjudication {
                line_number: 2,
                paid: dec("20.40"),
                adjustments: vec![adj("CO", "45", "10.10"), adj("PR", "3", "5")],
                adjudication_date: day,
            },
            LineAdjudication {
                line_number: 3,
                paid: dec("60"),
                adjustments: vec![adj("PR", "1", "30")],
                adjudication_date: day,
            },
        ],
    };
    let request =
        ClaimRequest { responsibility: Responsibility::Secondary, primary: Some(primary), ..Default::default() };
    Claim::plan(&e, &practice(), &request).expect("a balanced secondary claim plans")
}

#[test]
fn originals_for_self_and_dependent_subscribers_pass_the_validator_and_read_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let practice = practice();
    let claims: Vec<Claim> = encounters()
        .iter()
        .filter(|e| e.payer_id == "COMM1" || e.payer_id == "MCRB1")
        .map(|e| Claim::plan(e, &practice, &ClaimRequest::default()).unwrap())
        .collect();
    let (path, st02s) = write(&claims, "CLEARINGHOUSE", dir.path(), "originals.837");
    validate(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("GS*HC*MAPLEFM001*CLEARHOUSE01*20261125*0930*42*X*005010X222A1~"));
    // Dependent: SBR02 empty, patient loop with PAT01 child; self: SBR02 18 with DMG in 2010BA.
    assert!(text.contains("SBR*P**GRP100******CI~"));
    assert!(text.contains("PAT*19~"));
    assert!(text.contains("SBR*P*18*******MB~"));
    // Pay-to differs from the billing address: 2010AB.
    assert!(text.contains("NM1*87*2~"));
    // Referring, rendering, facility, prior authorization, onset.
    assert!(text.contains("NM1*DN*1*Referrer*Delta****XX*1972543213~"));
    assert!(text.contains("NM1*82*1*Rivera*Ana****XX*1245319599~"));
    assert!(text.contains("NM1*77*2*Springfield Outpatient Center*****XX*1657382911~"));
    assert!(text.contains("REF*G1*AUTH55501~"));
    assert!(text.contains("DTP*431*D8*20261028~"));
    // Lines: modifiers, line POS only when different, range dates, NDC, line rendering.
    assert!(text.contains("SV1*HC:97110:GP:59*90*UN*2***3:4~"));
    assert!(text.contains("SV1*HC:87880:QW*35.5*UN*1*11**1~"));
    assert!(text.contains("DTP*472*RD8*20261105-20261107~"));
    assert!(text.contains("LIN**N4*00009330501~\nCTP****2*ML~"));
    assert!(text.contains("NM1*82*1*Chen*Li****XX*1679576722~\nPRV*PE*PXC*207R00000X~"));
    assert!(text.contains("HI*ABK:J069*ABF:R509*ABF:R051*ABF:Z23~"));
    let read = read_837p(std::fs::File::open(&path).unwrap()).unwrap();
    assert_eq!(read.len(), claims.len());
    for ((parsed, claim), st02) in read.iter().zip(&claims).zip(&st02s) {
        assert_eq!(parsed.isa13, "000000042");
        assert_eq!(&parsed.st02, st02);
        assert_eq!(parsed.clone().without_envelope(), ParsedClaim::of(claim));
        let lines: Decimal = parsed.lines.iter().map(|l| l.charge).sum();
        assert_eq!(parsed.total_charge, lines, "CLM02 = sum of SV102");
    }
}

#[test]
fn secondary_claim_carries_the_primary_adjudication_in_2320_2330_and_2430() {
    let dir = tempfile::tempdir().unwrap();
    let claim = secondary_claim();
    assert_eq!(claim.payer.id, "GAP1");
    assert_eq!(claim.member_id, "GAP998877");
    let (path, _) = write(std::slice::from_ref(&claim), "CLEARINGHOUSE", dir.path(), "secondary.837");
    validate(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("SBR*S**GRP100******CI~"));
    assert!(text.contains("SBR*P*19*GRP100******CI~\nAMT*D*180.4~\nOI***Y*P**Y~"));
    assert!(text.contains("NM1*PR*2*Synthetic Commercial Health*****PI*COMM1~\nREF*F8*COMM-77001~"));
    assert!(text.contains("SVD*COMM1*100*HC:99214:25**1~\nCAS*CO*45*40~\nCAS*PR*2*20~\nDTP*573*D8*20261201~"));
    let read = read_837p(std::fs::File::open(&path).unwrap()).unwrap();
    assert_eq!(read[0].clone().without_envelope(), ParsedClaim::of(&claim));
    for (line, parsed) in claim.encounter.lines.iter().zip(&read[0].lines) {
        let adjusted: Decimal = parsed.other_payer_adjustments.iter().map(|a| a.amount).sum();
        assert_eq!(parsed.other_payer_paid.unwrap() + adjusted, line.charge, "SV102 = SVD02 + sum(CAS)");
    }
}

#[test]
fn an_unbalanced_primary_adjudication_is_refused() {
    let mut e = encounter("E1002");
    e.lines.truncate(1);
    let primary = PrimaryAdjudication {
        payer_id: "COMM1".into(),
        payer_claim_number: None,
        paid: dec("100"),
        claim_adjustments: vec![],
        lines: vec![LineAdjudication {
            line_number: 1,
            paid: dec("100"),
            adjustments: vec![Adjustment {
                group: "CO".into(),
                reason: "45".into(),
                amount: dec("50"),
                quantity: None,
            }],
            adjudication_date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        }],
    };
    let request =
        ClaimRequest { responsibility: Responsibility::Secondary, primary: Some(primary), ..Default::default() };
    let err = Claim::plan(&e, &practice(), &request).unwrap_err();
    assert!(
        err.to_string().contains("line 1: charge 160.00 must equal the primary's paid 100 plus adjustments 50"),
        "{err}"
    );
}

#[test]
fn replacement_and_void_carry_ref_f8_and_pass_the_validator() {
    let dir = tempfile::tempdir().unwrap();
    let practice = practice();
    let e = encounter("E1001");
    let make = |frequency| {
        let request =
            ClaimRequest { frequency, original_claim_number: Some("MCR26110200123".into()), ..Default::default() };
        Claim::plan(&e, &practice, &request).unwrap()
    };
    let claims = vec![make(ClaimFrequency::Replacement), make(ClaimFrequency::Void)];
    assert!(claims[0].pcn.starts_with("P7") && claims[1].pcn.starts_with("P8"));
    let (path, _) = write(&claims, "MEDICARE-EDI", dir.path(), "corrections.837");
    validate(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("*11:B:7*Y*A*Y*Y~"));
    assert!(text.contains("*11:B:8*Y*A*Y*Y~"));
    assert_eq!(text.matches("REF*F8*MCR26110200123~").count(), 2);
    // Production receiver: ISA15 P.
    assert!(text.lines().next().unwrap().contains("*P*:~"));
    let missing = Claim::plan(&e, &practice, &ClaimRequest { frequency: ClaimFrequency::Void, ..Default::default() });
    assert!(missing.unwrap_err().to_string().contains("needs the payer's claim number"));
}

#[test]
fn more_than_5000_claims_split_into_several_transaction_sets() {
    let dir = tempfile::tempdir().unwrap();
    let practice = practice();
    let base = encounter("E1003");
    let claims: Vec<Claim> = (0..5001)
        .map(|i| {
            let mut e = base.clone();
            e.id = format!("E9{i:05}");
            Claim::plan(&e, &practice, &ClaimRequest::default()).unwrap()
        })
        .collect();
    let (path, st02s) = write(&claims, "MEDICARE-EDI", dir.path(), "large.837");
    assert_eq!(st02s.iter().filter(|s| *s == "0001").count(), 5000);
    assert_eq!(st02s.last().unwrap(), "0002");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("\nST*837*").count(), 2);
    assert_eq!(text.matches("\nGS*").count(), 1);
    assert!(text.contains("GE*2*42~"));
    let read = read_837p(std::fs::File::open(&path).unwrap()).unwrap();
    assert_eq!(read.len(), 5001);
    let pcns: std::collections::HashSet<_> = read.iter().map(|c| c.pcn.clone()).collect();
    assert_eq!(pcns.len(), 5001, "every CLM01 unique");
    validate(&path);
}

/// sample-data/x12/claim-batch-full.837 is exactly what the writer produces for the fixture
/// encounters (self and dependent subscribers, referring, rendering, facility, NDC, a replacement
/// and a secondary claim with COB). Regenerate with `CLAIMKIT_BLESS=1 cargo test --test claim837_writer`.
#[test]
fn the_full_sample_batch_is_what_the_writer_writes_and_passes_the_validator() {
    let practice = practice();
    let mut claims: Vec<Claim> =
        encounters().iter().map(|e| Claim::plan(e, &practice, &ClaimRequest::default()).unwrap()).collect();
    let replacement = ClaimRequest {
        frequency: ClaimFrequency::Replacement,
        original_claim_number: Some("MCR26110200123".into()),
        ..Default::default()
    };
    claims.push(Claim::plan(&encounter("E1001"), &practice, &replacement).unwrap());
    claims.push(secondary_claim());
    let receiver = practice.receiver("CLEARINGHOUSE").unwrap().clone();
    let numbers = ControlNumbers { interchange: 102, group: 102, transactions: vec!["0001".into()] };
    let (bytes, _, _) = write_837p(&practice, &receiver, &claims, &numbers, as_of(), Vec::new()).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/x12/claim-batch-full.837");
    if std::env::var_os("CLAIMKIT_BLESS").is_some() {
        std::fs::write(&sample, &bytes).unwrap();
    }
    let on_disk = std::fs::read(&sample).expect("sample exists (CLAIMKIT_BLESS=1 writes it)");
    assert!(on_disk == bytes, "the sample differs from the writer's output; bless it if the change is intended");
    validate(&sample);
    let read = read_837p(&on_disk[..]).unwrap();
    let expected: Vec<ParsedClaim> = claims.iter().map(ParsedClaim::of).collect();
    let got: Vec<ParsedClaim> = read.into_iter().map(ParsedClaim::without_envelope).collect();
    assert_eq!(got, expected);
}
