//! Tokenizer throughput and memory: streams a large generated 837P file from disk through
//! `SegmentReader` and reports MB/s and peak resident memory.
//!
//! `cargo bench --bench tokenize -- [SIZE_MB]` (default 512). Peak memory must not grow with the
//! file: compare the VmHWM figure at two sizes.

use std::io::{BufWriter, Write};
use std::time::Instant;

use claimkit::x12::SegmentReader;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn main() {
    let size_mb: u64 =
        std::env::args().skip(1).find(|a| !a.starts_with('-')).and_then(|a| a.parse().ok()).unwrap_or(512);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("large.837");
    let sample =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/x12/claim-batch.837")).unwrap();
    let claim_block: String = sample.lines().skip(13).take(17).map(|l| format!("{l}\r\n")).collect();
    {
        let mut out = BufWriter::new(std::fs::File::create(&path).unwrap());
        for line in sample.lines().take(13) {
            write!(out, "{line}\r\n").unwrap();
        }
        let mut written = 0u64;
        while written < size_mb << 20 {
            out.write_all(claim_block.as_bytes()).unwrap();
            written += claim_block.len() as u64;
        }
        out.write_all(b"SE*1*0001~\r\nGE*1*101~\r\nIEA*1*000000101~\r\n").unwrap();
    }
    let bytes = std::fs::metadata(&path).unwrap().len();
    let before = peak_rss_kib();
    for run in 1..=3 {
        let start = Instant::now();
        let mut reader = SegmentReader::new(std::fs::File::open(&path).unwrap());
        let (mut segments, mut elements) = (0u64, 0u64);
        while let Some(seg) = reader.next_segment().unwrap() {
            segments += 1;
            elements += seg.element_count() as u64;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "run {run}: {:.0} MB in {:.3} s = {:.0} MB/s ({segments} segments, {elements} elements)",
            bytes as f64 / 1e6,
            secs,
            bytes as f64 / 1e6 / secs
        );
    }
    println!("peak RSS: {} KiB before reading, {} KiB after (file {} MB)", before, peak_rss_kib(), bytes / 1_000_000);
}
