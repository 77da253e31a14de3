//! The issue-5 path, end to end: 100,000 generated encounters inserted into a ledger as ingest does,
//! scrubbed (`run_scrub` against the embedded code sets), then written as 837P and recorded
//! (`claim837::build::build`), what `claimkit build` does. Reports seconds per phase, the
//! scrub + build total, claims/s and peak RSS (VmHWM). Target: scrub + write + record ≤ 5 s on the
//! 2-core reference machine, with flat memory (compare VmHWM at two sizes).
//!
//! `cargo bench --bench build837 -- [COUNT]` (default 100000).

#[path = "common/process.rs"]
mod process;

use std::time::Instant;

use chrono::NaiveDate;
use claimkit::claim837::build::{BuildOptions, build};
use claimkit::encounter::{
    Address, ClaimFrequency, Diagnosis, Encounter, Patient, PersonName, Procedure, Relationship, ServiceLine, Sex,
    SourceRef, Subscriber,
};
use claimkit::ledger::Ledger;
use claimkit::scrub::store::insert_encounter_for_test;
use claimkit::scrub::{CodeSetReference, ScrubOptions, run_scrub};
use rust_decimal::Decimal;

fn encounter(i: u32) -> Encounter {
    let dos = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap() + chrono::Days::new(u64::from(i % 20));
    let name = PersonName { last: format!("Testpatient{}", i % 977), first: "Alpha".into(), middle: None };
    let address = Address {
        line1: format!("{} Elm St", i % 900 + 1),
        line2: None,
        city: "Springfield".into(),
        state: "IL".into(),
        zip: "627021111".into(),
    };
    let line = |n: u32, code: &str, charge: i64, pointers: Vec<u8>| ServiceLine {
        number: n,
        source: SourceRef::default(),
        date_of_service: dos,
        date_of_service_to: None,
        procedure: Procedure { code: code.into(), modifiers: if n == 1 { vec!["25".into()] } else { vec![] } },
        units: Decimal::ONE,
        charge: Decimal::new(charge, 2),
        diagnosis_pointers: pointers,
        place_of_service: None,
        rendering_npi: None,
        drug: None,
        unit_type: Default::default(),
        description: None,
        ordering: None,
        supervising: None,
    };
    Encounter {
        id: format!("E{i:07}"),
        source: SourceRef { file: "bench.csv".into(), locator: format!("line {i}") },
        patient: Patient {
            id: format!("P{i:07}"),
            name: name.clone(),
            dob: NaiveDate::from_ymd_opt(1950, 1, 1),
            sex: Sex::Female,
            address: Some(address.clone()),
        },
        relationship: Relationship::SelfInsured,
        subscriber: Subscriber {
            member_id: format!("1EG4TE5MK{:02}", i % 100),
            name,
            dob: NaiveDate::from_ymd_opt(1950, 1, 1),
            sex: Sex::Female,
            address: Some(address),
            group_number: None,
        },
        payer_id: if i.is_multiple_of(3) { "COMM1".into() } else { "MCRB1".into() },
        secondary: None,
        tertiary: None,
        insurance_type: None,
        coverage_from: None,
        coverage_to: None,
        rendering_npi: None,
        referring: None,
        supervising: None,
        facility: None,
        place_of_service: "11".into(),
        diagnoses: vec![Diagnosis::new("E11.9"), Diagnosis::new("I10")],
        lines: vec![line(1, "99213", 12500, vec![1, 2]), line(2, "36415", 1800, vec![1])],
        prior_authorization: None,
        onset_date: None,
        frequency: ClaimFrequency::Original,
        original_claim_number: None,
        notes: Default::default(),
    }
}

fn main() {
    let count: u32 =
        std::env::args().skip(1).find(|a| !a.starts_with('-')).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let mut ledger = Ledger::open(&db).expect("ledger");

    // Phase 1 (setup, not part of the target): import, as ingest stores encounters (unscrubbed).
    let start = Instant::now();
    {
        let practice_path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claim837/practice.toml");
        let practice: claimkit::practice::Practice =
            toml::from_str(&std::fs::read_to_string(practice_path).unwrap()).unwrap();
        let tx = ledger.transaction().unwrap();
        claimkit::ledger::billing::save_practice(&tx, &practice, std::path::Path::new(practice_path), "bench").unwrap();
        for i in 0..count {
            insert_encounter_for_test(&tx, &encounter(i)).unwrap();
        }
        tx.commit().unwrap();
    }
    let insert_secs = start.elapsed().as_secs_f64();
    let setup_rss = process::status_kib("VmHWM:");

    // Phase 2: scrub, as `claimkit build` does first.
    let reference = CodeSetReference::embedded_only();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let start = Instant::now();
    let cpu_start = process::cpu_seconds();
    let scrubbed =
        run_scrub(&mut ledger, &ScrubOptions { encounter: None, today, reference: &reference }).expect("scrub");
    let scrub_secs = start.elapsed().as_secs_f64();
    let scrub_cpu = process::cpu_seconds() - cpu_start;
    assert_eq!(scrubbed.summary.encounters, count as usize);
    assert_eq!(scrubbed.summary.held, 0, "the generated encounters are clean");

    // Phase 3: write the 837 files and record the claims.
    let opts = BuildOptions { out_dir: dir.path().join("outbox"), ..BuildOptions::default() };
    let start = Instant::now();
    let cpu_start = process::cpu_seconds();
    let report = build(&mut ledger, &opts).expect("build");
    let build_secs = start.elapsed().as_secs_f64();
    let build_cpu = process::cpu_seconds() - cpu_start;
    assert_eq!(report.claims(), count as usize);
    let bytes: u64 = report.batches.iter().map(|b| std::fs::metadata(&b.path).map(|m| m.len()).unwrap_or(0)).sum();
    let total = scrub_secs + build_secs;
    println!("issue-5 path, {count} generated encounters (2 lines each):");
    println!("  insert (setup)         {insert_secs:6.2} s wall");
    println!(
        "  scrub + store          {scrub_secs:6.2} s wall ({scrub_cpu:.2} s CPU), {} clean, {} warning",
        scrubbed.summary.clean, scrubbed.summary.warning
    );
    println!(
        "  write 837 + record     {build_secs:6.2} s wall ({build_cpu:.2} s CPU), {} files, {:.1} MB",
        report.batches.len(),
        bytes as f64 / 1e6
    );
    println!(
        "  total (scrub + build)  {total:6.2} s wall ({:.2} s CPU) = {:.0} claims/s",
        scrub_cpu + build_cpu,
        f64::from(count) / total
    );
    println!(
        "  peak RSS (VmHWM)       {} KiB after setup, {} KiB at the end",
        setup_rss,
        process::status_kib("VmHWM:")
    );
}
