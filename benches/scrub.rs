//! Scrub throughput: service lines per second through every rule (in memory), and through the
//! ledger store path (read encounters, scrub, replace findings, set status, one transaction).
//!
//! `cargo bench --bench scrub -- [ENCOUNTERS]` (default 100000; 3 lines each). Target: at least
//! 200,000 service lines per second for the rules, with every table loaded.

use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use claimkit::encounter::*;
use claimkit::ledger::{Ledger, billing};
use claimkit::practice::Practice;
use claimkit::scrub::store::insert_encounter_for_test;
use claimkit::scrub::{CodeSetReference, NoBilledClaims, ScrubContext, ScrubOptions, run_scrub, scrub_encounter};
use rust_decimal::Decimal;

const DIAGNOSES: &[&str] = &["E119", "I10", "E785", "J069", "M1711", "E1165", "R051", "M5450", "E11", "G63"];
const PROCEDURES: &[(&str, &[&str])] =
    &[("99213", &[]), ("99214", &["25"]), ("36415", &[]), ("20610", &["RT"]), ("J1030", &[]), ("96372", &["59"])];

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap() + chrono::Duration::days(n % 150)
}

/// A synthetic encounter with three lines; about one in ten has a defect.
fn encounter(i: usize) -> Encounter {
    let name = PersonName { last: "Synthetic".into(), first: format!("P{i}"), middle: None };
    let address = Address {
        line1: "12 Oak Ave".into(),
        line2: None,
        city: "Springfield".into(),
        state: "IL".into(),
        zip: "62704".into(),
    };
    let dos = day(i as i64);
    let lines = (0..3)
        .map(|k| {
            let (code, mods) = PROCEDURES[(i + k) % PROCEDURES.len()];
            ServiceLine {
                number: k as u32 + 1,
                source: SourceRef { file: "bench.csv".into(), locator: format!("line {}", i * 3 + k) },
                date_of_service: dos,
                date_of_service_to: None,
                procedure: Procedure { code: code.into(), modifiers: mods.iter().map(|m| m.to_string()).collect() },
                units: Decimal::ONE,
                charge: Decimal::new(12500, 2),
                diagnosis_pointers: vec![1, 2],
                place_of_service: None,
                rendering_npi: None,
                drug: None,
                unit_type: Default::default(),
                description: None,
                ordering: None,
                supervising: None,
            }
        })
        .collect();
    Encounter {
        id: format!("E{i:08}"),
        source: SourceRef { file: "bench.csv".into(), locator: format!("line {}", i * 3) },
        patient: Patient {
            // 50,000 patients: no two of the 100,000 encounters bill the same visit (DUPLICATE-IN-BATCH).
            id: format!("P{}", i % 50_000),
            name: name.clone(),
            dob: Some(NaiveDate::from_ymd_opt(1950, 3, 4).unwrap()),
            sex: Sex::Female,
            address: Some(address.clone()),
        },
        relationship: Relationship::SelfInsured,
        subscriber: Subscriber {
            member_id: "1EG4TE5MK73".into(),
            name,
            dob: None,
            sex: Sex::Female,
            address: Some(address),
            group_number: None,
        },
        payer_id: "MCRB1".into(),
        secondary: None,
        tertiary: None,
        insurance_type: None,
        coverage_from: None,
        coverage_to: None,
        rendering_npi: Some("1234567893".into()),
        referring: None,
        supervising: None,
        facility: None,
        place_of_service: "11".into(),
        diagnoses: vec![
            Diagnosis::new(DIAGNOSES[i % DIAGNOSES.len()]),
            Diagnosis::new(DIAGNOSES[(i + 3) % DIAGNOSES.len()]),
        ],
        lines,
        prior_authorization: None,
        onset_date: None,
        frequency: ClaimFrequency::Original,
        original_claim_number: None,
        notes: Default::default(),
    }
}

fn practice() -> Practice {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scrub/practice.toml");
    toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The sample code-set files, parsed into the tables a ledger would load.
fn sample_tables() -> claimkit::codes::ImportedCodeSets {
    use claimkit::codes::import::{ImportKind, ImportedRows, parse_file};
    use claimkit::codes::{ImportedCodeSets, MueTable, NcciPtpTable, ProcedureTable};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/codesets");
    let parse = |kind, file: &str| parse_file(kind, &dir.join(file)).unwrap();
    let procedures = |rows| match rows {
        ImportedRows::Procedures(p) => Some(ProcedureTable::new(p)),
        _ => None,
    };
    let mut sets = ImportedCodeSets {
        cpt: procedures(parse(ImportKind::Cpt, "cpt.csv")),
        hcpcs: procedures(parse(ImportKind::Hcpcs, "hcpcs-anweb.txt")),
        ..ImportedCodeSets::default()
    };
    if let ImportedRows::Ptp(rows) = parse(ImportKind::NcciPtp, "ncci-ptp-practitioner.txt") {
        sets.ncci_ptp = Some(NcciPtpTable::new(rows));
    }
    if let ImportedRows::Mue(rows) = parse(ImportKind::Mue, "mue.csv") {
        sets.mue = Some(MueTable::new(rows));
    }
    sets
}

fn main() {
    let count: usize =
        std::env::args().skip(1).find(|a| !a.starts_with('-')).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let practice = practice();
    let reference = CodeSetReference::embedded_only();
    let started = Instant::now();
    let _ = scrub_encounter(&encounter(0), &ScrubContext::new(&practice, &reference, today, &NoBilledClaims));
    println!("code sets parsed in {:.0} ms", started.elapsed().as_secs_f64() * 1e3);

    let encounters: Vec<Encounter> = (0..count).map(encounter).collect();
    let lines: usize = encounters.iter().map(|e| e.lines.len()).sum();
    let ctx = ScrubContext::new(&practice, &reference, today, &NoBilledClaims);
    let started = Instant::now();
    let mut findings = 0usize;
    for e in &encounters {
        findings += scrub_encounter(e, &ctx).len();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "rules: {count} encounters, {lines} lines, {findings} findings in {secs:.3} s: {:.0} lines/s",
        lines as f64 / secs
    );

    // The same with every table a user imports loaded (the sample CPT, HCPCS, NCCI PTP and MUE
    // files): procedure validity, NCCI, MUE and the descriptor-based unlisted check all run.
    let loaded = CodeSetReference::new(sample_tables());
    let ctx = ScrubContext::new(&practice, &loaded, today, &NoBilledClaims);
    let started = Instant::now();
    let mut findings = 0usize;
    for e in &encounters {
        findings += scrub_encounter(e, &ctx).len();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "rules, every table loaded: {count} encounters, {lines} lines, {findings} findings in {secs:.3} s: {:.0} lines/s",
        lines as f64 / secs
    );

    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("bench.db")).unwrap();
    {
        let tx = ledger.transaction().unwrap();
        billing::save_practice(&tx, &practice, Path::new("practice.toml"), "bench").unwrap();
        for e in &encounters {
            insert_encounter_for_test(&tx, e).unwrap();
        }
        tx.commit().unwrap();
    }
    drop(encounters);
    let options = ScrubOptions { encounter: None, today, reference: &reference };
    for label in ["store (first run)", "store (unchanged rerun)"] {
        let started = Instant::now();
        let run = run_scrub(&mut ledger, &options).unwrap();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{label}: {} encounters, {} lines ({} held, {} unchanged) in {secs:.3} s: {:.0} lines/s",
            run.summary.encounters,
            run.summary.service_lines,
            run.summary.held,
            run.summary.unchanged,
            run.summary.service_lines as f64 / secs
        );
    }
}
