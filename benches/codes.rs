//! Code-set speed: in-process ICD-10-CM lookups per second, the one-time cost of inflating the
//! embedded index, and the cold start of `claimkit codes lookup E119` as a fresh process.
//!
//! `cargo bench --bench codes -- [LOOKUPS] [RUNS]` (defaults 5,000,000 lookups, 30 process runs).
//! Targets: >= 1,000,000 lookups/s; cold start <= 50 ms (median wall time of a fresh release
//! binary, no ledger, output to /dev/null).

use std::hint::black_box;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use claimkit::codes::{IcdLookup, icd10cm, modifier};

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let lookups = args.first().copied().unwrap_or(5_000_000);
    let runs = args.get(1).copied().unwrap_or(30) as usize;

    let start = Instant::now();
    let table = icd10cm();
    let init = start.elapsed();
    println!("index inflate + parse (first use in a process): {:.2} ms", ms(init));

    // A realistic mix: billable codes with and without dots, headers, codes not valid on the
    // date, unknown codes; several dates of service.
    let codes = [
        "E119", "E11.9", "I10", "J069", "Z0000", "M25561", "E11", "I4200", "D691", "R0789", "F329", "K219", "ZZZ99",
        "S82001A", "O80", "Z23",
    ];
    let dates: Vec<NaiveDate> =
        ["2024-11-04", "2025-06-30", "2025-11-15", "2026-10-15"].iter().map(|d| d.parse().unwrap()).collect();
    // Warm the title blocks these codes live in.
    for c in codes {
        black_box(table.lookup(c, dates[0]));
    }
    let start = Instant::now();
    let mut billable = 0u64;
    for i in 0..lookups {
        let code = codes[(i as usize) % codes.len()];
        let on = dates[(i as usize / codes.len()) % dates.len()];
        if let IcdLookup::Valid(c) = black_box(table.lookup(black_box(code), on))
            && c.billable
        {
            billable += 1;
        }
    }
    let elapsed = start.elapsed();
    println!(
        "icd10cm lookups: {lookups} in {:.1} ms = {:.2} M lookups/s ({billable} billable)",
        ms(elapsed),
        lookups as f64 / elapsed.as_secs_f64() / 1e6
    );
    let start = Instant::now();
    for i in 0..lookups {
        black_box(modifier(black_box(if i % 2 == 0 { "25" } else { "XS" })));
    }
    let elapsed = start.elapsed();
    println!("modifier lookups: {:.2} M lookups/s", lookups as f64 / elapsed.as_secs_f64() / 1e6);

    let bin = env!("CARGO_BIN_EXE_claimkit");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("absent.db");
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let status = Command::new(bin)
                .arg("--db")
                .arg(&db)
                .args(["codes", "lookup", "E119", "--on", "2025-11-15"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("run claimkit");
            assert!(status.success());
            start.elapsed()
        })
        .collect();
    times.sort();
    if !times.is_empty() {
        println!(
            "cold start `claimkit codes lookup E119` ({runs} runs): min {:.1} ms, median {:.1} ms, max {:.1} ms",
            ms(times[0]),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1])
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
