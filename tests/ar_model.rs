//! The accounts receivable model (`../shared/docs/ar-model.md`, `docs/ar.md`): one test per rule
//! with a hand-written 835, the model doc's worked example, and a property test that drives random
//! sequences of billing, remittances, reversals, replacements, voids, patient payments,
//! write-offs and refunds and checks the balance identity after every step.

use std::collections::BTreeMap;
use std::path::Path;

use claimkit::account::{self, PatientPayment, Side, WriteOff};
use claimkit::ar::WriteOffReason;
use claimkit::ledger::{Ledger, ar};
use claimkit::remit835::{NoContractRates, PostOptions, post_835};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// One billed visit: encounter `E1`, patient `PAT1`, two lines, primary `MCR` and (when
/// `secondary`) Medicaid `MCD`.
struct Visit {
    lines: Vec<i64>,
    secondary: bool,
}

fn d(cents: i64) -> String {
    claimkit::money::cents_text(cents)
}

/// A ledger with the visit billed to the primary as claim `P1` (batch 1), its charges recorded as
/// a build records them.
fn billed(v: &Visit) -> Ledger {
    let mut ledger = Ledger::open_in_memory().unwrap();
    let total: i64 = v.lines.iter().sum();
    let tx = ledger.transaction().unwrap();
    tx.execute_batch(&format!(
        "INSERT INTO encounters (id, payer_id, patient_id, first_dos, last_dos, total_charge, line_count, content_hash,
             encounter_json, source_format, source_file, source_locator, imported_at, updated_at)
         VALUES ('E1', 'MCR', 'PAT1', '2026-10-01', '2026-10-01', '{total}', {n}, 'h', '{{}}', 'csv', 'e.csv', 'l', 't', 't');
         INSERT INTO batches (id, receiver_id, path, sha256, isa13, gs06, st02_list, sender_id, receiver_isa_id, usage,
             claim_count, total_charge, created_at)
         VALUES (1, 'CH', 'out/CH-1.837', 'x', '000000001', '1', '0001', 'S', 'R', 'T', 1, '{total}', 't');
         INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, batch_id, st02, encounter_hash,
             patient_id, member_id, next_payer_id, first_dos, last_dos, total_charge, status, submitted_at, updated_at)
         VALUES ('P1', 'E1', 'MCR', 'P', '1', 1, '0001', 'h', 'PAT1', 'M1', {next}, '2026-10-01', '2026-10-01',
             '{total}', 'submitted', '2026-10-02T00:00:00Z', 't');",
        total = d(total),
        n = v.lines.len(),
        next = if v.secondary { "'MCD'" } else { "NULL" },
    ))
    .unwrap();
    for (i, charge) in v.lines.iter().enumerate() {
        tx.execute(
            "INSERT INTO claim_lines (pcn, line_number, line_control_number, procedure_code, modifiers, units, charge,
                 date_of_service) VALUES ('P1', ?1, ?2, ?3, '', '1', ?4, '2026-10-01')",
            rusqlite::params![i as i64 + 1, format!("P1{:02}", i + 1), format!("9921{}", i + 2), d(*charge)],
        )
        .unwrap();
    }
    ar::record_charges(&tx, 1).unwrap();
    tx.commit().unwrap();
    ledger
}

/// Bills the secondary claim `S1` the way a build does after the crossover (no charge).
fn bill_secondary(ledger: &mut Ledger, v: &Visit) {
    let total: i64 = v.lines.iter().sum();
    let tx = ledger.transaction().unwrap();
    tx.execute_batch(&format!(
        "INSERT INTO batches (id, receiver_id, path, sha256, isa13, gs06, st02_list, sender_id, receiver_isa_id, usage,
             claim_count, total_charge, created_at)
         VALUES (2, 'CH', 'out/CH-2.837', 'y', '000000002', '2', '0001', 'S', 'R', 'T', 1, '{total}', 't');
         INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, batch_id, st02, encounter_hash,
             patient_id, member_id, first_dos, last_dos, total_charge, status, submitted_at, updated_at)
         VALUES ('S1', 'E1', 'MCD', 'S', '1', 2, '0001', 'h', 'PAT1', 'M2', '2026-10-01', '2026-10-01', '{total}',
             'submitted', '2026-10-20T00:00:00Z', 't');",
        total = d(total)
    ))
    .unwrap();
    for (i, charge) in v.lines.iter().enumerate() {
        tx.execute(
            "INSERT INTO claim_lines (pcn, line_number, line_control_number, procedure_code, modifiers, units, charge,
                 date_of_service) VALUES ('S1', ?1, ?2, ?3, '', '1', ?4, '2026-10-01')",
            rusqlite::params![i as i64 + 1, format!("S1{:02}", i + 1), format!("9921{}", i + 2), d(*charge)],
        )
        .unwrap();
    }
    ar::record_charges(&tx, 2).unwrap();
    tx.commit().unwrap();
}

/// One service line of a hand-written CLP: charge, paid, CAS triplets (group, reason, cents).
struct Svc {
    charge: i64,
    paid: i64,
    cas: Vec<(&'static str, &'static str, i64)>,
}

/// One CLP: the claim, its status code and its lines.
struct Clp {
    pcn: &'static str,
    status: &'static str,
    lines: Vec<Svc>,
}

/// A complete 835 (one transaction set) with correct envelope counts. `plb`: (reason, reference,
/// cents) items.
fn era(trace: &str, payer: &str, claims: &[Clp], plb: &[(&str, &str, i64)]) -> String {
    let mut body: Vec<String> = vec![
        "ST*835*0001".into(),
        String::new(), // BPR, once the total is known
        format!("TRN*1*{trace}*1512345678"),
        "DTM*405*20261101".into(),
        "N1*PR*SYNTHETIC PLAN".into(),
        format!("REF*2U*{payer}"),
        "N1*PE*SYNTHETIC CLINIC*XX*1234567893".into(),
        "LX*1".into(),
    ];
    let mut total = 0;
    for c in claims {
        let charge: i64 = c.lines.iter().map(|l| l.charge).sum();
        let paid: i64 = c.lines.iter().map(|l| l.paid).sum();
        let pr: i64 = c.lines.iter().flat_map(|l| &l.cas).filter(|a| a.0 == "PR").map(|a| a.2).sum();
        total += paid;
        body.push(format!("CLP*{}*{}*{}*{}*{}*12*PAYER-{}", c.pcn, c.status, d(charge), d(paid), d(pr), c.pcn));
        body.push("NM1*QC*1*DOE*JANE****MI*M1".into());
        for (i, l) in c.lines.iter().enumerate() {
            body.push(format!("SVC*HC:9921{}*{}*{}**1", i + 2, d(l.charge), d(l.paid)));
            body.push("DTM*472*20261001".into());
            for (group, reason, cents) in &l.cas {
                body.push(format!("CAS*{group}*{reason}*{}", d(*cents)));
            }
            body.push(format!("REF*6R*{}{:02}", c.pcn, i + 1));
        }
    }
    for (reason, reference, cents) in plb {
        total -= cents;
        body.push(format!("PLB*1234567893*20261231*{reason}:{reference}*{}", d(*cents)));
    }
    body[1] = if total >= 0 {
        format!("BPR*I*{}*C*CHK************20261101", d(total))
    } else {
        format!("BPR*H*{}*D*NON************20261101", d(-total))
    };
    body.push(format!("SE*{}*0001", body.len() + 1));
    let mut text = String::from(
        "ISA*00*          *00*          *ZZ*SYNPAYER       *ZZ*SYNCLINIC      *261101*1200*^*00501*000000001*0*T*:~\
         GS*HP*SYNPAYER*SYNCLINIC*20261101*1200*1*X*005010X221A1~",
    );
    for segment in body {
        text.push_str(&segment);
        text.push('~');
    }
    text.push_str("GE*1*1~IEA*1*000000001~");
    text
}

fn post(ledger: &mut Ledger, dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    post_835(ledger, &path, &NoContractRates, &PostOptions::default()).unwrap();
}

/// What each party owes on the visit, in cents (`patient` for the patient).
fn owed(ledger: &Ledger) -> BTreeMap<String, i64> {
    ar::visit_parties(ledger.conn(), "E1")
        .unwrap()
        .into_iter()
        .map(|(party, cents)| (party.unwrap_or_else(|| "patient".into()), cents))
        .collect()
}

fn totals(ledger: &Ledger) -> claimkit::ar::Balances {
    ar::balance_sheet(ledger.conn(), &Default::default()).unwrap().totals
}

fn owes(ledger: &Ledger, party: &str) -> i64 {
    owed(ledger).get(party).copied().unwrap_or(0)
}

#[test]
fn the_worked_example_crosses_the_patient_share_to_medicaid_then_settles() {
    let dir = tempfile::tempdir().unwrap();
    let visit = Visit { lines: vec![11000], secondary: true };
    let mut ledger = billed(&visit);
    let medicare = Clp {
        pcn: "P1",
        status: "1",
        lines: vec![Svc { charge: 11000, paid: 8800, cas: vec![("CO", "45", 1100), ("PR", "2", 1100)] }],
    };
    post(&mut ledger, dir.path(), "mcr.835", &era("T-MCR", "MCR", &[medicare], &[]));
    let b = totals(&ledger);
    assert_eq!((b.charges, b.payments, b.adjustments), (11000, 8800, 1100));
    assert_eq!((owes(&ledger, "MCD"), owes(&ledger, "patient"), owes(&ledger, "MCR")), (1100, 0, 0));
    // The crossover queue now names the visit for Medicaid.
    let queued = claimkit::ledger::billing::crossover_candidates(ledger.conn()).unwrap();
    assert_eq!(queued.iter().map(|c| c.payer_id.as_str()).collect::<Vec<_>>(), ["MCD"]);
    bill_secondary(&mut ledger, &visit);
    assert!(claimkit::ledger::billing::crossover_candidates(ledger.conn()).unwrap().is_empty());
    let medicaid =
        Clp { pcn: "S1", status: "2", lines: vec![Svc { charge: 11000, paid: 1100, cas: vec![("CO", "23", 9900)] }] };
    post(&mut ledger, dir.path(), "mcd.835", &era("T-MCD", "MCD", &[medicaid], &[]));
    let b = totals(&ledger);
    assert_eq!((b.charges, b.payments, b.adjustments), (11000, 9900, 1100), "the secondary's claim is no new charge");
    assert_eq!((b.insurance_ar, b.patient_ar, b.credits), (0, 0, 0));
}

#[test]
fn a_denial_with_a_non_covered_patient_share_is_owed_by_the_patient() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = billed(&Visit { lines: vec![11000], secondary: false });
    let denied =
        Clp { pcn: "P1", status: "4", lines: vec![Svc { charge: 11000, paid: 0, cas: vec![("PR", "96", 11000)] }] };
    post(&mut ledger, dir.path(), "d.835", &era("T-1", "MCR", &[denied], &[]));
    assert_eq!((owes(&ledger, "patient"), owes(&ledger, "MCR")), (11000, 0));
    let b = totals(&ledger);
    assert_eq!((b.insurance_ar, b.patient_ar), (0, 11000));
}

#[test]
fn a_contractual_denial_stays_owed_by_the_payer_in_the_denied_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = billed(&Visit { lines: vec![11000], secondary: false });
    let denied =
        Clp { pcn: "P1", status: "4", lines: vec![Svc { charge: 11000, paid: 0, cas: vec![("CO", "16", 11000)] }] };
    post(&mut ledger, dir.path(), "d.835", &era("T-1", "MCR", &[denied], &[]));
    assert_eq!((owes(&ledger, "MCR"), owes(&ledger, "patient")), (11000, 0));
    let sheet = ar::balance_sheet(ledger.conn(), &Default::default()).unwrap();
    assert_eq!(sheet.owed_by_payer["MCR"], (11000, 11000), "owed, and all of it denied");
    // Written off for timely filing, the denial leaves nothing owed.
    account::write_off(
        &mut ledger,
        &WriteOff {
            pcn: "p1".into(),
            amount: Decimal::new(11000, 2),
            reason: WriteOffReason::TimelyFiling,
            side: Side::Insurance,
            note: None,
            on: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        },
    )
    .unwrap();
    let b = totals(&ledger);
    assert_eq!((b.adjustments, b.insurance_ar), (11000, 0));
}

#[test]
fn a_line_paid_nothing_for_the_deductible_is_the_patient_s_and_no_denial() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = billed(&Visit { lines: vec![11000], secondary: false });
    let deductible = Clp {
        pcn: "P1",
        status: "1",
        lines: vec![Svc { charge: 11000, paid: 0, cas: vec![("CO", "45", 2000), ("PR", "1", 9000)] }],
    };
    post(&mut ledger, dir.path(), "d.835", &era("T-1", "MCR", &[deductible], &[]));
    assert_eq!(owes(&ledger, "patient"), 9000);
    assert!(claimkit::ledger::reports::denied_lines(ledger.conn()).unwrap().is_empty());
}

#[test]
fn a_forwarded_claim_leaves_no_patient_balance_until_the_next_payer_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = billed(&Visit { lines: vec![11000], secondary: false });
    let forwarded = Clp {
        pcn: "P1",
        status: "19",
        lines: vec![Svc { charge: 11000, paid: 8800, cas: vec![("CO", "45", 1100), ("PR", "2", 1100)] }],
    };
    post(&mut ledger, dir.path(), "f.835", &era("T-1", "MCR", &[forwarded], &[]));
    assert_eq!((owes(&ledger, "patient"), owes(&ledger, "MCR")), (0, 1100));
}

#[test]
fn a_reversal_takes_back_exactly_what_its_payment_did_and_the_correction_settles() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = billed(&Visit { lines: vec![11000], secondary: false });
    let paid = |paid, co, pr| Clp {
        pcn: "P1",
        status: "1",
        lines: vec![Svc { charge: 11000, paid, cas: vec![("CO", "45", co), ("PR", "2", pr)] }],
    };
    post(&mut ledger, dir.path(), "a.835", &era("T-1", "MCR", &[paid(8800, 1100, 1100)], &[]));
    let after_payment = totals(&ledger);
    let reversal = Clp {
        pcn: "P1",
        status: "22",
        lines: vec![Svc { charge: -11000, paid: -8800, cas: vec![("CO", "45", -1100), ("PR", "2", -1100)] }],
    };
    post(&mut ledger, dir.path(), "b.835", &era("T-2", "MCR", &[reversal, paid(9000, 1000, 1000)], &[]));
    let b = totals(&ledger);
    assert_eq!((b.charges, b.payments, b.adjustments), (11000, 9000, 1000));
    assert_eq!((owes(&ledger, "patient"), owes(&ledger, "MCR")), (1000, 0));
    assert_ne!(after_payment, b);
    // Underpayments and denials of the reversed payment no longer count: its claim payment is
    // marked reversed.
    let reversed: i64 = ledger
        .conn()
        .query_row("SELECT COUNT(*) FROM claim_payments WHERE reversed_by IS NOT NULL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(reversed, 1);
}

#[test]
fn a_provider_level_item_naming_the_claim_is_tied_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = billed(&Visit { lines: vec![11000], secondary: false });
    let paid = Clp { pcn: "P1", status: "1", lines: vec![Svc { charge: 11000, paid: 11000, cas: vec![] }] };
    post(&mut ledger, dir.path(), "a.835", &era("T-1", "MCR", &[paid], &[]));
    // The payer recovers an overpayment of 20.00 on P1 from a later check.
    post(&mut ledger, dir.path(), "b.835", &era("T-2", "MCR", &[], &[("WO", "P1", 2000)]));
    assert_eq!(owes(&ledger, "MCR"), 2000, "money taken back is owed again");
    let tied: String =
        ledger.conn().query_row("SELECT matched_pcn FROM provider_adjustments", [], |r| r.get(0)).unwrap();
    assert_eq!(tied, "P1");
}

#[test]
fn an_amount_with_a_fraction_of_a_cent_is_a_finding_never_rounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = billed(&Visit { lines: vec![11000], secondary: false });
    let text = era(
        "T-1",
        "MCR",
        &[Clp { pcn: "P1", status: "1", lines: vec![Svc { charge: 11000, paid: 11000, cas: vec![] }] }],
        &[],
    )
    .replace("*110.00**1~", "*110.005**1~");
    let path = dir.path().join("odd.835");
    std::fs::write(&path, text).unwrap();
    let report = post_835(&mut ledger, &path, &NoContractRates, &PostOptions::default()).unwrap();
    let codes: Vec<&str> = report.transactions[0].findings.iter().map(|f| f.code).collect();
    assert!(codes.contains(&"AMOUNT-NOT-CENTS"), "{codes:?}");
    assert_eq!(owes(&ledger, "MCR"), 11000, "nothing of the claim's A/R was posted");
    // The payment's finding count is every finding stored for it, this one included.
    let (stored, counted): (i64, i64) = ledger
        .conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM remittance_findings), (SELECT finding_count FROM remittances)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(counted, stored);
    assert_eq!(report.transactions[0].finding_count, stored as u64);
}

#[test]
fn patient_payments_apply_oldest_first_overpay_into_a_credit_and_refund_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = billed(&Visit { lines: vec![11000], secondary: false });
    let deductible =
        Clp { pcn: "P1", status: "1", lines: vec![Svc { charge: 11000, paid: 8000, cas: vec![("PR", "1", 3000)] }] };
    post(&mut ledger, dir.path(), "a.835", &era("T-1", "MCR", &[deductible], &[]));
    let pay = |reference: &str, cents: i64, refund: bool| PatientPayment {
        patient_id: "PAT1".into(),
        amount: Decimal::new(cents, 2),
        received_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        method: "card".into(),
        reference: reference.into(),
        pcn: None,
        note: None,
        refund,
    };
    let first = account::record_payment(&mut ledger, &pay("R1", 5000, false), "test").unwrap();
    assert_eq!((first.status, first.credit), ("recorded", Decimal::new(2000, 2)));
    let again = account::record_payment(&mut ledger, &pay("R1", 5000, false), "test").unwrap();
    assert_eq!(again.status, "already_recorded");
    let b = totals(&ledger);
    assert_eq!((b.patient_ar, b.credits), (0, 2000));
    assert!(account::record_payment(&mut ledger, &pay("F1", 2500, true), "test").is_err(), "more than the credit");
    account::record_payment(&mut ledger, &pay("F2", 2000, true), "test").unwrap();
    let b = totals(&ledger);
    assert_eq!((b.payments, b.credits, b.discrepancy()), (8000 + 3000, 0, 0));
}

/// One step of a random billing life.
#[derive(Debug, Clone)]
enum Step {
    /// The primary pays (percent of each line, CO percent, PR the rest).
    Primary {
        paid_pct: u8,
        co_pct: u8,
        status: u8,
    },
    Reverse,
    Secondary {
        paid_pct: u8,
    },
    Replace {
        delta: i64,
    },
    Void,
    PatientPayment {
        cents: i64,
    },
    WriteOff {
        cents: i64,
        patient: bool,
    },
    Refund {
        cents: i64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..=100, 0u8..=100, 0u8..4).prop_map(|(p, c, s)| Step::Primary { paid_pct: p, co_pct: c, status: s }),
        Just(Step::Reverse),
        (0u8..=100).prop_map(|p| Step::Secondary { paid_pct: p }),
        (-3000i64..3000).prop_map(|d| Step::Replace { delta: d }),
        Just(Step::Void),
        (1i64..20000).prop_map(|c| Step::PatientPayment { cents: c }),
        ((1i64..20000), any::<bool>()).prop_map(|(c, p)| Step::WriteOff { cents: c, patient: p }),
        (1i64..5000).prop_map(|c| Step::Refund { cents: c }),
    ]
}

/// The identity for the whole ledger and for the visit, from the entries themselves.
fn assert_identity(ledger: &Ledger, context: &str) {
    let (net, columns) = ar::ledger_identity(ledger.conn()).unwrap();
    assert_eq!(columns.charges - columns.payments - columns.adjustments, net, "{context}");
    let b = totals(ledger);
    assert_eq!(b.discrepancy(), 0, "{context}: {b:?}");
    let visit = ar::visit_balances(ledger.conn(), None).unwrap();
    if let Some(v) = visit.get("E1") {
        let owed = v.insurance() + v.patient;
        let patient_unapplied: i64 = ledger
            .conn()
            .query_row("SELECT COALESCE(SUM(amount_cents), 0) FROM ar_entries WHERE encounter_id IS NULL", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(
            v.charges - v.insurance_payments - v.patient_payments - v.adjustments,
            owed,
            "{context}: visit {v:?}, unapplied {patient_unapplied}"
        );
        // The balance sheet's accounts are the visit's balances, read another way.
        assert_eq!(b.insurance_ar + b.patient_ar - b.credits, owed + patient_unapplied, "{context}: {b:?} {v:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_sequence_keeps_the_balance_identity(
        lines in proptest::collection::vec(1000i64..50000, 1..3),
        secondary in any::<bool>(),
        steps in proptest::collection::vec(step(), 1..8),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let visit = Visit { lines: lines.clone(), secondary };
        let mut ledger = billed(&visit);
        let charges: i64 = lines.iter().sum();
        assert_identity(&ledger, "billed");
        let mut n = 0;
        let mut last_primary: Option<Vec<Svc>> = None;
        let mut secondary_billed = false;
        let mut replaced = 0;
        for s in &steps {
            n += 1;
            let name = format!("{n}.835");
            match s {
                Step::Primary { paid_pct, co_pct, status } => {
                    let svcs: Vec<Svc> = lines.iter().map(|&charge| {
                        let paid = charge * i64::from(*paid_pct) / 100;
                        let co = (charge - paid) * i64::from(*co_pct) / 100;
                        let pr = charge - paid - co;
                        Svc { charge, paid, cas: vec![("CO", "45", co), ("PR", "2", pr)] }
                    }).collect();
                    let status = ["1", "4", "19", "1"][usize::from(*status)];
                    let copy = svcs.iter().map(|l| Svc { charge: l.charge, paid: l.paid, cas: l.cas.clone() }).collect();
                    post(&mut ledger, dir.path(), &name, &era(&format!("T{n}"), "MCR", &[Clp { pcn: "P1", status, lines: svcs }], &[]));
                    last_primary = Some(copy);
                }
                Step::Reverse => {
                    if let Some(prev) = last_primary.take() {
                        let neg = prev.iter().map(|l| Svc {
                            charge: -l.charge,
                            paid: -l.paid,
                            cas: l.cas.iter().map(|(g, r, c)| (*g, *r, -c)).collect(),
                        }).collect();
                        post(&mut ledger, dir.path(), &name, &era(&format!("T{n}"), "MCR", &[Clp { pcn: "P1", status: "22", lines: neg }], &[]));
                    }
                }
                Step::Secondary { paid_pct } => {
                    if secondary {
                        if !secondary_billed {
                            bill_secondary(&mut ledger, &visit);
                            secondary_billed = true;
                        }
                        let svcs = lines.iter().map(|&charge| {
                            let paid = charge * i64::from(*paid_pct) / 400;
                            Svc { charge, paid, cas: vec![("CO", "23", charge - paid)] }
                        }).collect();
                        post(&mut ledger, dir.path(), &name, &era(&format!("T{n}"), "MCD", &[Clp { pcn: "S1", status: "2", lines: svcs }], &[]));
                    }
                }
                Step::Replace { delta } => {
                    // A replacement of the primary claim with the first line's charge changed.
                    replaced += 1;
                    let pcn = format!("R{replaced}");
                    let tx = ledger.transaction().unwrap();
                    let batch = 10 + replaced;
                    tx.execute_batch(&format!(
                        "INSERT INTO batches (id, receiver_id, path, sha256, isa13, gs06, st02_list, sender_id, receiver_isa_id,
                             usage, claim_count, total_charge, created_at)
                         VALUES ({batch}, 'CH', 'out/R.837', 'z', '{batch:09}', '{batch}', '0001', 'S', 'R', 'T', 1, '0', 't');
                         INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, replaces_pcn, batch_id, st02,
                             encounter_hash, patient_id, first_dos, last_dos, total_charge, status, submitted_at, updated_at)
                         VALUES ('{pcn}', 'E1', 'MCR', 'P', '7', 'P1', {batch}, '0001', 'h', 'PAT1', '2026-10-01', '2026-10-01',
                             '0', 'submitted', 't', 't');"
                    )).unwrap();
                    for (i, charge) in lines.iter().enumerate() {
                        let c = if i == 0 { (charge + delta).max(100) } else { *charge };
                        tx.execute(
                            "INSERT INTO claim_lines (pcn, line_number, line_control_number, procedure_code, modifiers, units,
                                 charge, date_of_service) VALUES (?1, ?2, ?3, '99213', '', '1', ?4, '2026-10-01')",
                            rusqlite::params![pcn, i as i64 + 1, format!("{pcn}{:02}", i + 1), d(c)],
                        ).unwrap();
                    }
                    ar::record_charges(&tx, batch).unwrap();
                    tx.commit().unwrap();
                    let b = totals(&ledger);
                    let expected = charges + (lines[0] + delta).max(100) - lines[0];
                    prop_assert_eq!(b.charges, expected, "a replacement charges only what changed");
                }
                Step::Void => {
                    let before = totals(&ledger).charges;
                    let tx = ledger.transaction().unwrap();
                    tx.execute_batch(
                        "INSERT OR IGNORE INTO batches (id, receiver_id, path, sha256, isa13, gs06, st02_list, sender_id,
                             receiver_isa_id, usage, claim_count, total_charge, created_at)
                         VALUES (99, 'CH', 'out/V.837', 'v', '000000099', '99', '0001', 'S', 'R', 'T', 1, '0', 't');
                         INSERT OR IGNORE INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, replaces_pcn,
                             batch_id, st02, encounter_hash, patient_id, first_dos, last_dos, total_charge, status,
                             submitted_at, updated_at)
                         VALUES ('V1', 'E1', 'MCR', 'P', '8', 'P1', 99, '0001', 'h', 'PAT1', '2026-10-01', '2026-10-01', '0',
                             'submitted', 't', 't');",
                    ).unwrap();
                    ar::record_charges(&tx, 99).unwrap();
                    tx.commit().unwrap();
                    prop_assert_eq!(totals(&ledger).charges, before, "a void charges nothing");
                }
                Step::PatientPayment { cents } => {
                    let p = PatientPayment {
                        patient_id: "PAT1".into(),
                        amount: Decimal::new(*cents, 2),
                        received_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                        method: "cash".into(),
                        reference: format!("PAY{n}"),
                        pcn: None,
                        note: None,
                        refund: false,
                    };
                    account::record_payment(&mut ledger, &p, "test").unwrap();
                }
                Step::WriteOff { cents, patient } => {
                    let w = WriteOff {
                        pcn: "P1".into(),
                        amount: Decimal::new(*cents, 2),
                        reason: WriteOffReason::SmallBalance,
                        side: if *patient { Side::Patient } else { Side::Insurance },
                        note: Some(format!("step {n}")),
                        on: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                    };
                    let owed_before = owes(&ledger, if *patient { "patient" } else { "MCR" });
                    match account::write_off(&mut ledger, &w) {
                        Ok(_) => prop_assert!(*cents <= owed_before),
                        Err(_) => prop_assert!(*cents > owed_before, "refused only when more than owed"),
                    }
                }
                Step::Refund { cents } => {
                    let p = PatientPayment {
                        patient_id: "PAT1".into(),
                        amount: Decimal::new(*cents, 2),
                        received_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                        method: "check".into(),
                        reference: format!("REF{n}"),
                        pcn: None,
                        note: None,
                        refund: true,
                    };
                    let credit = -ar::patient_balance(ledger.conn(), "PAT1").unwrap();
                    match account::record_payment(&mut ledger, &p, "test") {
                        Ok(_) => prop_assert!(*cents <= credit),
                        Err(_) => prop_assert!(*cents > credit, "refused only when more than the credit"),
                    }
                }
            }
            assert_identity(&ledger, &format!("after step {n}: {s:?}"));
        }
    }
}

/// The demo's patients get statements whose totals add up to `report balance`'s patient A/R, each
/// written private and recorded as sent (a second run on the same day records nothing new).
#[test]
fn statements_for_the_demo_patients_add_up_to_the_patient_ar() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("demo");
    let run = |args: &[&str]| {
        let mut cmd = assert_cmd::Command::cargo_bin("claimkit").unwrap();
        cmd.env_remove("CLAIMKIT_DB").env("CLAIMKIT_TODAY", "2026-11-25").args(args);
        cmd
    };
    run(&["--no-progress", "demo", "--dir", root.to_str().unwrap()]).assert().success();
    let db = root.join("claimkit.db");
    let out_dir = dir.path().join("statements");
    let out =
        run(&["--db", db.to_str().unwrap(), "--format", "json", "statements", "--out", out_dir.to_str().unwrap()])
            .output()
            .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = listed["sections"]["statements"].as_array().unwrap();
    assert!(!rows.is_empty());
    let cents = |v: &serde_json::Value| claimkit::money::to_cents(v.as_str().unwrap().parse().unwrap()).unwrap();
    let total: i64 = rows.iter().map(|r| cents(&r["total_due"])).sum();
    let balance = run(&["--db", db.to_str().unwrap(), "--format", "json", "report", "balance"]).output().unwrap();
    let balance: serde_json::Value = serde_json::from_slice(&balance.stdout).unwrap();
    assert_eq!(total, cents(&balance["totals"]["patient_ar"]));
    for r in rows {
        let file = std::path::PathBuf::from(r["file"].as_str().unwrap());
        let html = std::fs::read_to_string(&file).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script") && html.contains("Amount due"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
    let ledger = Ledger::open(&db).unwrap();
    let sent: i64 = ledger.conn().query_row("SELECT COUNT(*) FROM statements", [], |r| r.get(0)).unwrap();
    assert_eq!(sent as usize, rows.len());
    drop(ledger);
    run(&["--db", db.to_str().unwrap(), "statements", "--out", out_dir.to_str().unwrap()]).assert().success();
    let ledger = Ledger::open(&db).unwrap();
    let again: i64 = ledger.conn().query_row("SELECT COUNT(*) FROM statements", [], |r| r.get(0)).unwrap();
    assert_eq!(again, sent, "the same day's statements are recorded once");
    // CSV for a print vendor: one row per service line.
    let csv_dir = dir.path().join("vendor");
    run(&["--db", db.to_str().unwrap(), "--format", "csv", "statements", "--out", csv_dir.to_str().unwrap()])
        .assert()
        .success();
    let csv = std::fs::read_to_string(csv_dir.join("statements-2026-11-25.csv")).unwrap();
    assert!(csv.starts_with("account,patient_name"));
}
