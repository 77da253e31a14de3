//! CSV import throughput and memory: generates a large encounter CSV (the sample encounters repeated
//! with new encounter IDs), imports it into a ledger on disk in one transaction, and reports
//! lines/s and peak resident memory.
//!
//! `cargo bench --bench import_csv -- [LINES]` (default 1,000,000). Memory must not grow with the
//! file: the bench imports a tenth of the lines first and prints VmHWM after each run.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use claimkit::ingest::{ImportOptions, import_file};
use claimkit::ledger::Ledger;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn generate(path: &Path, lines: u64) {
    let sample = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/encounters.csv")).unwrap();
    let mut rows = sample.lines();
    let header = rows.next().unwrap();
    let body: Vec<&str> = rows.collect();
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "{header}").unwrap();
    let mut written = 0u64;
    let mut copy = 0u64;
    while written < lines {
        for row in &body {
            if written >= lines {
                break;
            }
            // E1001 -> E1001-17: every copy is a new encounter.
            let (id, rest) = row.split_once(',').unwrap();
            writeln!(out, "{id}-{copy},{rest}").unwrap();
            written += 1;
        }
        copy += 1;
    }
}

fn run(dir: &Path, lines: u64) {
    let csv = dir.join(format!("encounters-{lines}.csv"));
    generate(&csv, lines);
    let mut ledger = Ledger::open(&dir.join(format!("ledger-{lines}.db"))).unwrap();
    let start = Instant::now();
    let mut tx = ledger.transaction().unwrap();
    let summary = import_file(&mut tx, &csv, &ImportOptions::default()).unwrap();
    tx.commit().unwrap();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "import_csv: {lines} lines, {} encounters in {secs:.2} s = {:.0} lines/s; peak RSS (VmHWM) {} KiB",
        summary.new,
        lines as f64 / secs,
        peak_rss_kib()
    );
}

fn main() {
    let lines: u64 =
        std::env::args().skip(1).find(|a| !a.starts_with('-')).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    println!("import_csv: peak RSS before {} KiB", peak_rss_kib());
    run(dir.path(), (lines / 10).max(1));
    run(dir.path(), lines);
}
