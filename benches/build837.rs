//! `claimkit build` throughput and memory: 100,000 generated encounters (already scrubbed clean)
//! written as 837P and recorded in the ledger. Target: ≤ 5 s on the 2-core reference machine, with
//! flat memory (compare VmHWM at two sizes).
//!
//! `cargo bench --bench build837 -- [COUNT]` (default 100000).

use std::time::Instant;

use chrono::NaiveDate;
use claimkit::claim837::build::{BuildOptions, build};
use claimkit::encounter::{
    Address, ClaimFrequency, Diagnosis, Encounter, Patient, PersonName, Procedure, Relationship, ServiceLine, Sex,
    SourceRef, Subscriber,
};
use claimkit::ledger::Ledger;
use rust_decimal::Decimal;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// CPU seconds (user + system) this process has used: unlike wall time, not inflated by other
/// processes competing for the cores.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of /proc/PID/stat; 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

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
        rendering_npi: None,
        referring: None,
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
    {
        let practice_path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claim837/practice.toml");
        let practice: claimkit::practice::Practice =
            toml::from_str(&std::fs::read_to_string(practice_path).unwrap()).unwrap();
        let tx = ledger.transaction().unwrap();
        claimkit::ledger::billing::save_practice(&tx, &practice, std::path::Path::new(practice_path), "bench").unwrap();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO encounters (id, payer_id, patient_id, first_dos, last_dos, total_charge, line_count,
                         content_hash, encounter_json, source_format, source_file, source_locator, scrub_status,
                         scrubbed_hash, imported_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?4, ?5, 2, ?6, ?7, 'csv', 'bench.csv', 'line', 'clean', ?6, 't', 't')",
                )
                .unwrap();
            for i in 0..count {
                let e = encounter(i);
                insert
                    .execute(rusqlite::params![
                        e.id,
                        e.payer_id,
                        e.patient.id,
                        e.first_date_of_service().unwrap().to_string(),
                        format!("{:.2}", e.total_charge()),
                        e.content_hash(),
                        serde_json::to_string(&e).unwrap()
                    ])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let setup_rss = peak_rss_kib();
    let opts = BuildOptions { out_dir: dir.path().join("outbox"), ..BuildOptions::default() };
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let report = build(&mut ledger, &opts).expect("build");
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_start;
    assert_eq!(report.claims(), count as usize);
    let bytes: u64 = report.batches.iter().map(|b| std::fs::metadata(&b.path).map(|m| m.len()).unwrap_or(0)).sum();
    println!(
        "build837: {count} claims in {} files ({:.1} MB) written and recorded in {secs:.2} s wall \
         ({cpu:.2} s CPU) = {:.0} claims/s; peak RSS (VmHWM) {} KiB after setup, {} KiB after build",
        report.batches.len(),
        bytes as f64 / 1e6,
        f64::from(count) / secs,
        setup_rss,
        peak_rss_kib()
    );
}
