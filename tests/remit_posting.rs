//! 835 reading and posting, as a library user drives it: balancing, matching, status, reversals,
//! idempotency, provider-level adjustments, underpayments. The claims paid are inserted by SQL
//! (tests/common); the 835s are the hand-written fixtures in tests/fixtures/remit/.

mod common;

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use claimkit::ledger::Ledger;
use claimkit::remit835::{
    ContractRateTable, NoContractRates, PostOptions, PostOutcome, PostReport, RemitError, post_835, read_remittances,
};
use common::{count, remit_fixture, seeded_ledger, text, third_party};
use rust_decimal::Decimal;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn post(ledger: &mut Ledger, name: &str) -> PostReport {
    post_835(ledger, &remit_fixture(name), &NoContractRates, &PostOptions::default()).unwrap()
}

/// Fixture `name` with `from` (which it must hold) replaced by `to`, written into `dir`.
fn fixture_with(dir: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(remit_fixture(name)).unwrap();
    assert!(text.contains(from), "{name} has no {from:?}");
    let path = dir.join(format!("changed-{name}"));
    std::fs::write(&path, text.replace(from, to)).unwrap();
    path
}

/// A claim's status, what its payer paid through it, and what the patient owes on its visit (from
/// the A/R entries).
fn claim(ledger: &Ledger, pcn: &str) -> (String, String, String) {
    let (status, paid, patient): (String, i64, i64) = ledger
        .conn()
        .query_row(
            "SELECT status,
                 (SELECT -COALESCE(SUM(amount_cents), 0) FROM ar_entries
                   WHERE pcn = c.pcn AND kind IN ('payment', 'provider_level')),
                 (SELECT COALESCE(SUM(amount_cents), 0) FROM ar_entries
                   WHERE encounter_id = c.encounter_id AND payer_id IS NULL)
             FROM claims c WHERE pcn = ?1",
            [pcn],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    (status, claimkit::money::cents_text(paid), claimkit::money::cents_text(patient))
}

/// What was paid on each line of a claim, by line number.
fn line_paid(ledger: &Ledger, pcn: &str) -> std::collections::BTreeMap<i64, rust_decimal::Decimal> {
    claimkit::ledger::reports::claim_lines(ledger.conn(), pcn)
        .unwrap()
        .into_iter()
        .filter(|l| !l.paid.is_zero())
        .map(|l| (l.line_number, l.paid))
        .collect()
}

fn finding_codes(path: &Path) -> BTreeSet<&'static str> {
    let remits = read_remittances(path, File::open(path).unwrap()).unwrap();
    remits.iter().flat_map(|r| r.findings.iter().map(|f| f.code)).collect()
}

fn all_835s(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all_835s(&path, out);
        } else if std::fs::read(&path).unwrap().windows(7).any(|w| w == b"ST*835*") {
            out.push(path);
        }
    }
}

#[test]
fn remit_every_third_party_835_reads_and_reports_what_differs_from_the_guide() {
    let mut files = Vec::new();
    all_835s(&third_party(), &mut files);
    files.sort();
    assert_eq!(files.len(), 6, "{files:?}");
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let expected: &[&str] = match name {
            // Date in BPR15 instead of BPR16; SVC01 written HC>55669 while ISA16 declares ':'.
            "cob-contractural-adjustment.835" => &["BPR16-MISSING", "PER-BL-MISSING", "COMPOSITE-SEPARATOR"],
            // BPR16 20002316 is not a date.
            "managed-care.835" => &["BPR16-INVALID", "PER-BL-MISSING"],
            "medicare-part-a.835" | "demo.835" => &["PER-BL-MISSING"],
            "secondary-payment.835" => &["BPR16-MISSING", "PER-BL-MISSING", "COMPOSITE-SEPARATOR"],
            // SVC*HC*24599.00*1766.50*187.50: the code is missing and the amounts shifted one element,
            // so the line does not balance (the claim does).
            "tertiary-payment.835" => &["BPR16-MISSING", "PER-BL-MISSING", "SVC01-NO-CODE", "LINE-UNBALANCED"],
            other => panic!("unexpected 835 {other}"),
        };
        assert_eq!(finding_codes(path), expected.iter().copied().collect(), "{name}");
    }
}

#[test]
fn remit_third_party_details_are_read_into_the_model() {
    let dir = third_party().join("linuxforhealth-x12/835_005010X221A1");
    let path = dir.join("secondary-payment.835");
    let r = &read_remittances(&path, File::open(&path).unwrap()).unwrap()[0];
    assert_eq!(r.header.payment.date, chrono::NaiveDate::from_ymd_opt(2005, 4, 12));
    let line = &r.claims[1].lines[1];
    assert_eq!((line.procedure.code.as_str(), line.procedure.modifiers.as_slice()), ("66543", &["26".to_string()][..]));
    assert_eq!(line.adjustments.len(), 3, "CAS*PR*1*150.00**2*70.00 holds two triplets");
    assert_eq!(line.allowed, Some(dec("500.00")));
    let path = dir.join("medicare-part-a.835");
    let r = &read_remittances(&path, File::open(&path).unwrap()).unwrap()[0];
    assert_eq!(r.header.payer_id(), "999", "REF*2U");
    assert_eq!(r.provider_adjustments[0].reason, "CV");
    assert_eq!(r.provider_adjustments[0].amount, dec("-1.27"));
    assert!(r.balanced(), "ΣCLP04 149998.73 − PLB −1.27 = BPR02 150000.00");
    assert_eq!(r.claims[1].outpatient.as_ref().unwrap().remark_codes, ["MA02"]);
}

#[test]
fn remit_hand_written_fixtures_balance_except_the_unbalanced_one() {
    for name in
        ["paid.835", "paid-resent.835", "original.835", "reversal-and-correction.835", "reversal.835", "correction.835"]
    {
        assert!(finding_codes(&remit_fixture(name)).is_empty(), "{name}: {:?}", finding_codes(&remit_fixture(name)));
    }
}

#[test]
fn remit_unbalanced_at_each_level_is_still_posted_with_a_finding_per_level() {
    let mut ledger = seeded_ledger();
    let report = post(&mut ledger, "unbalanced.835");
    assert_eq!(report.outcome, PostOutcome::Posted);
    let t = &report.transactions[0];
    assert!(!t.balanced);
    let got: Vec<_> = t.findings.iter().map(|f| (f.code, f.expected, f.actual)).collect();
    assert_eq!(
        got,
        [
            ("LINE-UNBALANCED", Some(dec("90.00")), Some(dec("85.00"))),
            ("CLAIM-UNBALANCED", Some(dec("90.00")), Some(dec("80.00"))),
            ("TRANSACTION-UNBALANCED", Some(dec("80.00")), Some(dec("100.00"))),
        ]
    );
    assert!(report.needs_attention());
    assert_eq!(claim(&ledger, "CK1001").1, "80.00", "posted as the payer sent it, no balancing line invented");
    assert_eq!(count(&ledger, "SELECT COUNT(*) FROM remittance_findings"), 3);
    assert_eq!(count(&ledger, "SELECT balanced FROM remittances"), 0);
}

#[test]
fn remit_matches_claims_by_clp01_then_clp07_then_patient_date_and_charge() {
    assert_claims_matched_by_each_method(seeded_ledger());
}

/// On a ledger file the reading thread looks each CLP01 up on a connection of its own; a CLP01
/// it finds no claim for goes on to the CLP07 and patient lookups the same way.
#[test]
fn remit_matches_claims_by_each_method_on_a_ledger_file_too() {
    let (_dir, ledger) = common::seeded_ledger_file();
    assert_claims_matched_by_each_method(ledger);
}

fn assert_claims_matched_by_each_method(mut ledger: Ledger) {
    let report = post(&mut ledger, "paid.835");
    let methods: Vec<(String, Option<String>, Option<String>)> = ledger
        .conn()
        .prepare("SELECT clp01, matched_pcn, match_method FROM claim_payments ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        methods,
        [
            ("CK1001".into(), s("CK1001"), s("pcn")),
            ("CK1OO2".into(), s("CK1002"), s("payer_claim_number")),
            ("XYZ3".into(), s("CK1003"), s("patient_date_charge")),
            ("CK1004".into(), s("CK1004"), s("pcn")),
            ("UNKNOWN9".into(), None, None),
        ]
    );
    assert_eq!(report.transactions[0].matched_claims, 4);
    assert_eq!(report.transactions[0].unmatched_claims, 1);
    assert_eq!(text(&ledger, "SELECT payer_claim_number FROM claims WHERE pcn = 'CK1003'"), "PAYCLM1003");
}

#[test]
fn remit_matches_lines_by_ref_6r_then_by_code_modifiers_date_and_charge() {
    assert_lines_matched_by_each_method(seeded_ledger());
}

/// On a ledger file the reading thread matches the lines of the claims it looked up (reading the
/// billed code, modifiers, charge and date on its own connection when a REF*6R matches nothing).
#[test]
fn remit_matches_lines_by_each_method_on_a_ledger_file_too() {
    let (_dir, ledger) = common::seeded_ledger_file();
    assert_lines_matched_by_each_method(ledger);
}

fn assert_lines_matched_by_each_method(mut ledger: Ledger) {
    post(&mut ledger, "paid.835");
    let lines: Vec<(String, Option<i64>, Option<String>)> = ledger
        .conn()
        .prepare("SELECT procedure_code, matched_line_number, match_method FROM service_payments ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let s = |v: &str| Some(v.to_string());
    assert_eq!(lines[0], ("99213".into(), Some(1), s("line_control_number")));
    assert_eq!(lines[1], ("36415".into(), Some(2), s("code_date_charge")));
    assert_eq!(lines[3], ("99212".into(), Some(1), s("code_date_charge")));
    let line = count(&ledger, "SELECT line_number FROM claim_lines WHERE line_control_number = 'CK1001-2'");
    let paid = line_paid(&ledger, "CK1001");
    assert_eq!(paid[&line], dec("30.00"));
}

#[test]
fn remit_posting_sets_status_net_amounts_and_events() {
    let mut ledger = seeded_ledger();
    post(&mut ledger, "paid.835");
    assert_eq!(claim(&ledger, "CK1001"), ("paid".into(), "110.00".into(), "20.00".into()));
    assert_eq!(claim(&ledger, "CK1004"), ("denied".into(), "0.00".into(), "0.00".into()));
    let detail = text(&ledger, "SELECT detail FROM claim_history WHERE pcn = 'CK1004' AND kind = 'denial'");
    assert!(detail.contains("CO-50 90.00"), "{detail}");
    let event: (String, String) = ledger
        .conn()
        .query_row("SELECT kind, amount FROM claim_history WHERE pcn = 'CK1001'", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(event, ("payment".into(), "110.00".into()));
    assert_eq!(count(&ledger, "SELECT COUNT(*) FROM remit_adjustments"), 7);
    assert_eq!(count(&ledger, "SELECT COUNT(*) FROM remit_remark_codes WHERE code IN ('N130', 'M127')"), 2);
}

#[test]
fn remit_unmatched_claims_are_stored_and_listed_not_dropped() {
    let mut ledger = seeded_ledger();
    let report = post(&mut ledger, "paid.835");
    assert_eq!(report.unmatched.len(), 1);
    assert_eq!(report.unmatched[0].clp01, "UNKNOWN9");
    assert_eq!(report.unmatched[0].paid, dec("60.00"));
    assert_eq!(text(&ledger, "SELECT clp01 FROM remit_unmatched WHERE kind = 'claim'"), "UNKNOWN9");
    assert!(report.needs_attention());
}

#[test]
fn remit_provider_level_adjustments_are_recorded_and_count_in_balancing() {
    let mut ledger = seeded_ledger();
    let report = post(&mut ledger, "paid.835");
    assert!(report.transactions[0].balanced);
    let plb: (String, String, String) = ledger
        .conn()
        .query_row("SELECT reason_code, reference, amount FROM provider_adjustments", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(plb, ("L6".into(), "INTEREST1".into(), "-2.50".into()));
}

/// The claim CK1005 paid 80.00, then reversed and corrected to 90.00 in one file.
fn assert_reversal_then_correction_in_one_file(ledger: &mut Ledger) {
    post(ledger, "original.835");
    assert_eq!(claim(ledger, "CK1005").1, "80.00");
    post(ledger, "reversal-and-correction.835");
    assert_eq!(claim(ledger, "CK1005"), ("paid".into(), "90.00".into(), "0.00".into()));
    let paid = line_paid(ledger, "CK1005");
    assert_eq!(paid.values().copied().collect::<Vec<_>>(), [dec("90.00")]);
    let kinds: Vec<(String, String)> = ledger
        .conn()
        .prepare("SELECT kind, amount FROM claim_history WHERE pcn = 'CK1005' ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        kinds,
        [("payment".into(), "80.00".into()), ("reversal".into(), "-80.00".into()), ("payment".into(), "90.00".into())]
    );
    assert_eq!(text(ledger, "SELECT payer_claim_number FROM claims WHERE pcn = 'CK1005'"), "PAYCLM1005B");
    assert_eq!(count(ledger, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0, "every row's references hold");
    assert_eq!(count(ledger, "PRAGMA foreign_keys"), 1, "foreign keys are enforced again after a posting");
}

#[test]
fn remit_reversal_then_correction_in_one_file_nets_to_new_payment() {
    assert_reversal_then_correction_in_one_file(&mut seeded_ledger());
}

/// On a ledger file, the reading thread looks claims up on a connection of its own, which sees
/// the ledger as it was before the posting: the correction must net against the reversal posted
/// just before it, not against the 80.00 that connection still sees.
#[test]
fn remit_reversal_then_correction_in_one_file_nets_on_a_ledger_file_too() {
    let (_dir, mut ledger) = common::seeded_ledger_file();
    assert_reversal_then_correction_in_one_file(&mut ledger);
}

/// The reading thread reads each claim as the posting began; a claim the posting matched by
/// patient + date + charge (not by its CLP01) and that a later CLP of the same file names by its
/// CLP01 is read again (on a ledger file: the reading thread's lookups take part).
#[test]
fn remit_a_claim_matched_by_a_fallback_then_by_its_clp01_in_one_file_nets() {
    let (dir, mut ledger) = common::seeded_ledger_file();
    post(&mut ledger, "original.835");
    assert_eq!(claim(&ledger, "CK1005").1, "80.00");
    // The reversal names no claim we billed (CLP01, and its CLP07 none either).
    let file = fixture_with(
        dir.path(),
        "reversal-and-correction.835",
        "CLP*CK1005*22*-100.00*-80.00**12*PAYCLM1005*",
        "CLP*XYZ5*22*-100.00*-80.00**12*PAYXYZ*",
    );
    let report = post_835(&mut ledger, &file, &NoContractRates, &PostOptions::default()).unwrap();
    assert_eq!(report.transactions[0].matched_claims, 2, "{:?}", report.unmatched);
    let matched = text(&ledger, "SELECT matched_pcn || ' ' || match_method FROM claim_payments WHERE clp01 = 'XYZ5'");
    assert_eq!(matched, "CK1005 patient_date_charge");
    assert_eq!(claim(&ledger, "CK1005"), ("paid".into(), "90.00".into(), "0.00".into()));
}

/// A claim's updates are written a window at a time; a CLP07 match must still see the payer claim
/// number an earlier CLP of the same file gave the claim.
#[test]
fn remit_a_clp07_set_earlier_in_the_same_file_matches_a_later_claim_payment() {
    let dir = tempfile::tempdir().unwrap();
    // The correction names no claim we billed (CLP01) but the payer claim number the reversal set.
    let file = fixture_with(
        dir.path(),
        "reversal-and-correction.835",
        "CLP*CK1005*1*100.00*90.00**12*PAYCLM1005B",
        "CLP*WRONG5*1*100.00*90.00**12*PAYCLM1005",
    );
    let mut ledger = seeded_ledger();
    assert_eq!(
        count(&ledger, "SELECT COUNT(*) FROM claims WHERE payer_claim_number IS NOT NULL AND pcn = 'CK1005'"),
        0
    );
    let report = post_835(&mut ledger, &file, &NoContractRates, &PostOptions::default()).unwrap();
    assert_eq!(report.transactions[0].matched_claims, 2, "{:?}", report.unmatched);
    let matched = text(&ledger, "SELECT matched_pcn || ' ' || match_method FROM claim_payments WHERE clp01 = 'WRONG5'");
    assert_eq!(matched, "CK1005 payer_claim_number");
    assert_eq!(claim(&ledger, "CK1005"), ("paid".into(), "10.00".into(), "0.00".into()));
}

/// Several claims may carry the CLP07 (a replacement claim keeps the payer's number): the latest
/// submitted wins, then the greater PCN; a claim whose number a posting has since replaced is not
/// one of them.
#[test]
fn remit_a_clp07_shared_by_claims_matches_the_latest_that_still_carries_it() {
    let mut ledger = seeded_ledger();
    ledger
        .conn()
        .execute_batch(
            "UPDATE claims SET payer_claim_number = 'PCN-77', submitted_at = '2026-11-12T00:00:00Z'
                 WHERE pcn IN ('CK1003', 'CK1005');
             UPDATE claims SET payer_claim_number = 'PCN-77', submitted_at = '2026-11-20T00:00:00Z'
                 WHERE pcn = 'CK1004';
             UPDATE claims SET status = 'paid', payer_claim_number = 'PAYCLM1004-OLD' WHERE pcn = 'CK1004';",
        )
        .unwrap();
    // paid.835 names CK1OO2 (a CLP01 we never billed) with CLP07 PCN-77.
    let report = post(&mut ledger, "paid.835");
    assert!(report.transactions[0].matched_claims >= 1, "{:?}", report.unmatched);
    let matched = text(&ledger, "SELECT matched_pcn || ' ' || match_method FROM claim_payments WHERE clp01 = 'CK1OO2'");
    assert_eq!(matched, "CK1005 payer_claim_number");
}

#[test]
fn remit_reversal_then_correction_in_separate_files_nets_to_new_payment() {
    let mut ledger = seeded_ledger();
    // The seeded claims have no A/R yet: CK1005's charge, as a build records it.
    ledger
        .conn()
        .execute_batch(
            "INSERT INTO ar_entries (patient_id, encounter_id, pcn, line_number, kind, payer_id, amount_cents,
                 effective_on, posted_at)
             SELECT patient_id, encounter_id, pcn, 1, 'charge', payer_id, 10000, first_dos, 't'
             FROM claims WHERE pcn = 'CK1005'",
        )
        .unwrap();
    post(&mut ledger, "original.835");
    let report = post(&mut ledger, "reversal.835");
    assert!(report.transactions[0].balanced, "{:?}", report.transactions[0].findings);
    // The payment is taken back, but the money is not yet: the payer sent it as a forward
    // balance (PLB FB tied to the claim), so the cash on the claim is still 80.00 until the
    // payer recovers it.
    assert_eq!(claim(&ledger, "CK1005"), ("reversed".into(), "80.00".into(), "0.00".into()));
    post(&mut ledger, "correction.835");
    // The correction pays 90.00 and recovers nothing yet: 170.00 received on the claim, of which
    // the 80.00 forward balance is a credit owed back to the payer until it recovers it.
    assert_eq!(claim(&ledger, "CK1005"), ("paid".into(), "170.00".into(), "0.00".into()));
    assert_eq!(text(&ledger, "SELECT reason_code FROM provider_adjustments"), "FB");
    let (_, encounter, _, payer) = claimkit::ledger::ar::claim_parties(ledger.conn(), "CK1005").unwrap().unwrap();
    let owed = claimkit::ledger::ar::visit_parties(ledger.conn(), &encounter).unwrap();
    assert_eq!(owed[&Some(payer)], -8000, "a credit of 80.00 owed back to the payer");
    let sheet = claimkit::ledger::ar::balance_sheet(ledger.conn(), &Default::default()).unwrap();
    assert_eq!(sheet.totals.discrepancy(), 0);
}

#[test]
fn remit_posting_the_same_file_twice_changes_nothing_the_second_time() {
    let mut ledger = seeded_ledger();
    assert_eq!(post(&mut ledger, "paid.835").outcome, PostOutcome::Posted);
    let tables = ["remittances", "claim_payments", "service_payments", "remit_adjustments", "claim_history"];
    let before: Vec<i64> = tables.iter().map(|t| count(&ledger, &format!("SELECT COUNT(*) FROM {t}"))).collect();
    let again = post(&mut ledger, "paid.835");
    assert_eq!(again.outcome, PostOutcome::AlreadyPosted);
    assert_eq!(again.transactions[0].trace, "TRACE-A");
    assert!(!again.needs_attention());
    let after: Vec<i64> = tables.iter().map(|t| count(&ledger, &format!("SELECT COUNT(*) FROM {t}"))).collect();
    assert_eq!(before, after);
    assert_eq!(claim(&ledger, "CK1001").1, "110.00");
}

#[test]
fn remit_same_payer_trace_and_amount_from_another_file_is_skipped_and_the_rest_posted() {
    let mut ledger = seeded_ledger();
    post(&mut ledger, "paid.835");
    let report = post(&mut ledger, "paid-resent.835");
    assert_eq!(report.outcome, PostOutcome::Posted, "the new payment in the second interchange is posted");
    let skipped = &report.transactions[0];
    assert_eq!(skipped.trace, "TRACE-A");
    assert!(skipped.already_posted_from.as_deref().unwrap().ends_with("paid.835"));
    assert_eq!(report.transactions[1].trace, "TRACE-NEW");
    assert!(report.transactions[1].already_posted_from.is_none());
    assert_eq!(claim(&ledger, "CK1001").1, "110.00", "not paid twice");
    assert_eq!(count(&ledger, "SELECT COUNT(*) FROM remittances"), 2);
    assert_eq!(count(&ledger, "SELECT COUNT(*) FROM claim_payments"), 6);
}

#[test]
fn remit_underpayment_is_a_paid_line_allowed_below_contract_beyond_tolerance() {
    let mut rates = ContractRateTable::default();
    rates.insert("PAYER1", "99213", None, dec("95.00")); // AMT*B6 90.00: 5.00 short
    rates.insert("PAYER1", "99214", Some("25"), dec("150.50")); // paid 150 + PR 0: 0.50 short, within tolerance
    rates.insert("PAYER1", "99211", None, dec("500.00")); // denied line: paid 0, not an underpayment
    let mut ledger = seeded_ledger();
    let options = PostOptions { underpayment_tolerance: dec("1.00"), ..PostOptions::default() };
    let report = post_835(&mut ledger, &remit_fixture("paid.835"), &rates, &options).unwrap();
    assert_eq!(report.underpayments_total, 1);
    let u = &report.underpayments[0];
    assert_eq!((u.pcn.as_str(), u.line_number, u.allowed_source), ("CK1001", Some(1), "AMT*B6"));
    assert_eq!((u.allowed, u.contract_rate, u.shortfall), (dec("90.00"), dec("95.00"), dec("5.00")));
    assert_eq!(text(&ledger, "SELECT shortfall FROM remit_underpayments"), "5.00");
    // Without AMT*B6 the allowed amount is paid + PR: 36415 paid 30 + PR 10 = 40.
    rates.insert("PAYER1", "36415", None, dec("45.00"));
    let mut ledger = seeded_ledger();
    let report = post_835(&mut ledger, &remit_fixture("paid.835"), &rates, &options).unwrap();
    assert_eq!(report.underpayments_total, 2);
    assert_eq!((report.underpayments[1].allowed, report.underpayments[1].allowed_source), (dec("40.00"), "charge-CO"));
}

#[test]
fn remit_a_file_that_is_not_x12_is_an_input_error_and_posts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.835");
    std::fs::write(&path, "this is not an 835").unwrap();
    let mut ledger = seeded_ledger();
    let err = post_835(&mut ledger, &path, &NoContractRates, &PostOptions::default()).unwrap_err();
    assert!(err.is_input_error());
    assert!(matches!(err, RemitError::Syntax { .. }));
    assert_eq!(count(&ledger, "SELECT COUNT(*) FROM processed_files"), 0);
}

#[test]
fn remit_a_file_cut_off_mid_transaction_posts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.835");
    let full = std::fs::read_to_string(remit_fixture("paid.835")).unwrap();
    let cut = &full[..full.find("PLB*").unwrap()];
    std::fs::write(&path, cut).unwrap();
    let mut ledger = seeded_ledger();
    let err = post_835(&mut ledger, &path, &NoContractRates, &PostOptions::default()).unwrap_err();
    assert!(err.to_string().contains("missing SE"), "{err}");
    assert_eq!(count(&ledger, "SELECT COUNT(*) FROM remittances"), 0);
    assert_eq!(claim(&ledger, "CK1001").1, "0.00");
}

/// paid.835's envelope and header with `claims` unmatched one-line claims, cut off after the
/// last claim when `cut`, else closed with correct trailers.
fn many_claims_835(claims: usize, cut: bool) -> String {
    let full = std::fs::read_to_string(remit_fixture("paid.835")).unwrap();
    let head = &full[..full.find("LX*1~").unwrap()];
    let mut body = String::from("LX*1~");
    for i in 0..claims {
        body.push_str(&format!(
            "CLP*NOSUCH{i}*1*10.00*10.00**12*NOPAYER{i}*11*1~NM1*QC*1*ZULU*TEST****MI*Z{i}~\
             SVC*HC:99213*10.00*10.00**1~DTM*472*20261102~"
        ));
    }
    if cut {
        return format!("{head}{body}");
    }
    let st_to_se = head[head.find("ST*835").unwrap()..].matches('~').count() + body.matches('~').count() + 1;
    format!("{head}{body}SE*{st_to_se}*0001~GE*1*101~IEA*1*000000101~")
}

/// Posts [`many_claims_835`] of 1,500 claims into the seeded ledger.
fn post_many_claims(cut: bool) -> (Ledger, Result<PostReport, RemitError>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.835");
    std::fs::write(&path, many_claims_835(1500, cut)).unwrap();
    let mut ledger = seeded_ledger();
    let posted = post_835(&mut ledger, &path, &NoContractRates, &PostOptions::default());
    (ledger, posted)
}

#[test]
fn remit_a_long_file_cut_off_after_many_claims_posts_none_of_them() {
    // Far more claims than the reading thread hands over at a time: the posting thread has
    // posted many of them into the transaction when the reader finds the file cut off.
    let (ledger, posted) = post_many_claims(true);
    let err = posted.unwrap_err();
    assert!(err.to_string().contains("missing SE"), "{err}");
    for table in ["remittances", "claim_payments", "remit_unmatched", "processed_files"] {
        assert_eq!(count(&ledger, &format!("SELECT COUNT(*) FROM {table}")), 0, "{table}");
    }
}

#[test]
fn remit_a_long_file_posts_every_claim_in_order() {
    let (ledger, posted) = post_many_claims(false);
    let report = posted.unwrap();
    assert_eq!(report.transactions[0].claims, 1500);
    assert_eq!(report.unmatched_total, 1500);
    assert_eq!(count(&ledger, "SELECT COUNT(*) FROM claim_payments"), 1500);
    // In file order: CLP01 NOSUCH<n> is the n-th claim payment row.
    let out_of_order = count(
        &ledger,
        "SELECT COUNT(*) FROM claim_payments WHERE clp01 <> 'NOSUCH' || (id - (SELECT MIN(id) FROM claim_payments))",
    );
    assert_eq!(out_of_order, 0);
}

/// A payer file unbalanced at every claim: its findings reach the posting in batches (the reader
/// holds a few hundred at most), and every one is stored and counted; the report lists the first.
#[test]
fn remit_a_file_unbalanced_at_every_claim_stores_every_finding() {
    let dir = tempfile::tempdir().unwrap();
    let claims: String = (0..700).map(|i| format!("CLP*X{i}*1*10.00*11.00**12~SVC*HC:99213*10.00*11.00**1~")).collect();
    let file = dir.path().join("unbalanced-everywhere.835");
    std::fs::write(
        &file,
        format!(
            "ISA*00*          *00*          *ZZ*SYNPAYER       *ZZ*SYNCLINIC      *261201*1200*^*00501*000000301*0*T*:~\
             GS*HP*SYNPAYER*SYNCLINIC*20261201*1200*301*X*005010X221A1~ST*835*0001~\
             BPR*I*7700.00*C*CHK************20261201~TRN*1*TRACE-U*1512345678~N1*PR*P~PER*BL*X~N1*PE*C~LX*1~\
             {claims}SE*{}*0001~GE*1*301~IEA*1*000000301~",
            8 + 2 * 700
        ),
    )
    .unwrap();
    let mut ledger = seeded_ledger();
    let options = PostOptions { max_listed: 10, ..PostOptions::default() };
    let report = post_835(&mut ledger, &file, &NoContractRates, &options).unwrap();
    let t = &report.transactions[0];
    assert!(!t.balanced);
    let stored = count(&ledger, "SELECT COUNT(*) FROM remittance_findings");
    assert!(stored > 700, "{stored}");
    assert_eq!(t.finding_count, stored as u64);
    assert_eq!(count(&ledger, "SELECT finding_count FROM remittances"), stored);
    assert_eq!(count(&ledger, "SELECT COUNT(*) FROM remittance_findings WHERE code = 'CLAIM-UNBALANCED'"), 700);
    assert_eq!(t.findings.len(), 10);
    assert_eq!(t.findings[0].pcn.as_deref(), Some("X0"));
}
