//! Posting speed and memory: writes a synthetic 835 of N claims (default 100,000, about 38 MB)
//! with `X12Writer`, pre-inserts the N matching claims (two lines each) into a fresh ledger, then
//! posts the file and reports seconds and peak resident memory (VmHWM, reset just before posting).
//! Target: ≤ 2 s and ≤ 64 MB for 100,000 claims.
//!
//! `cargo bench --bench remit835 -- [CLAIMS] [--write-835 PATH]` (`--write-835` keeps the generated
//! file, e.g. for `tools/bench-peers/run.sh`).

use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

use claimkit::ledger::Ledger;
use claimkit::remit835::{NoContractRates, PostOptions, RemitEvent, post_835, read_835};
use claimkit::x12::{Element, GroupHeader, InterchangeHeader, X12Writer};

fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(key)).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// Resets VmHWM to the current RSS (Linux: writing 5 to clear_refs).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn pcn(i: u64) -> String {
    format!("CKB{i:09}")
}

fn write_835(path: &Path, claims: u64) {
    let out = BufWriter::with_capacity(1 << 18, std::fs::File::create(path).unwrap());
    let mut w = X12Writer::new(out).line_breaks(true);
    w.begin_interchange(&InterchangeHeader::new("ZZ", "SYNPAYER", "ZZ", "SYNCLINIC", "261201", "1200", 9001, 'T'))
        .unwrap();
    w.begin_group(&GroupHeader::new("HP", "SYNPAYER", "SYNCLINIC", "20261201", "1200", 9001, "005010X221A1")).unwrap();
    w.begin_transaction("835", "0001", "").unwrap();
    let total = format!("{}.00", 110 * claims);
    w.segment("BPR", &["I", &total, "C", "CHK", "", "", "", "", "", "", "", "", "", "", "", "20261201"]).unwrap();
    w.segment("TRN", &["1", "BENCH-TRACE-1", "1512345678"]).unwrap();
    w.segment("DTM", &["405", "20261201"]).unwrap();
    w.segment("N1", &["PR", "SYNTHETIC HEALTH PLAN"]).unwrap();
    w.segment("N3", &["1 EXAMPLE WAY"]).unwrap();
    w.segment("N4", &["SPRINGFIELD", "IL", "627010001"]).unwrap();
    w.segment("REF", &["2U", "SYNPAY1"]).unwrap();
    w.segment("PER", &["BL", "EDI HELP DESK", "TE", "5555550100"]).unwrap();
    w.segment("N1", &["PE", "SYNTHETIC CLINIC", "XX", "1234567893"]).unwrap();
    w.segment("REF", &["TJ", "123456789"]).unwrap();
    for i in 0..claims {
        if i % 1000 == 0 {
            w.segment("LX", &[&(i / 1000 + 1).to_string()]).unwrap();
        }
        let pcn = pcn(i);
        let payer_claim = format!("PAY{i:09}");
        let member = format!("MB{i:09}");
        w.segment("CLP", &[&pcn, "1", "150.00", "110.00", "20.00", "12", &payer_claim, "11", "1"]).unwrap();
        w.segment("NM1", &["QC", "1", "SYNTHETIC", "PATIENT", "", "", "", "MI", &member]).unwrap();
        w.segment("DTM", &["232", "20261102"]).unwrap();
        for (k, code, charge, paid, co, pr, reason) in [
            (1, "99213", "100.00", "80.00", "10.00", "10.00", "2"),
            (2, "36415", "50.00", "30.00", "10.00", "10.00", "1"),
        ] {
            w.segment_elements(
                "SVC",
                &[Element::Composite(vec!["HC", code]), charge.into(), paid.into(), "".into(), "1".into()],
            )
            .unwrap();
            w.segment("DTM", &["472", "20261102"]).unwrap();
            w.segment("CAS", &["CO", "45", co]).unwrap();
            w.segment("CAS", &["PR", reason, pr]).unwrap();
            w.segment("REF", &["6R", &format!("{pcn}-{k}")]).unwrap();
            w.segment("AMT", &["B6", if k == 1 { "90.00" } else { "40.00" }]).unwrap();
        }
    }
    w.end_transaction().unwrap();
    w.end_group().unwrap();
    let mut out = w.end_interchange().unwrap();
    std::io::Write::flush(&mut out).unwrap();
}

fn seed(ledger: &mut Ledger, claims: u64) {
    use claimkit::ledger::fixtures;
    let tx = ledger.transaction().unwrap();
    let batch = fixtures::seed_batch(&tx, 1).unwrap();
    let lines = [("99213", "100.00"), ("36415", "50.00")];
    for i in 0..claims {
        let pcn = pcn(i);
        let encounter = format!("E{i}");
        let patient = format!("P{i}");
        let claim = fixtures::SeedClaim {
            pcn: &pcn,
            encounter_id: &encounter,
            patient_id: &patient,
            payer_id: "PAYER1",
            date_of_service: "2026-11-02",
            encounter_json: "{}",
            lines: &lines,
            total_charge: "150.00",
            status: "accepted",
        };
        fixtures::seed_claim(&tx, batch, &claim).unwrap();
    }
    claimkit::ledger::ar::record_charges(&tx, batch).unwrap();
    tx.commit().unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let claims: u64 = args.iter().find(|a| !a.starts_with('-')).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let keep = args.iter().position(|a| a == "--write-835").and_then(|i| args.get(i + 1)).map(std::path::PathBuf::from);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = keep.clone().unwrap_or_else(|| dir.path().join("bench.835"));
    let start = Instant::now();
    write_835(&path, claims);
    let bytes = std::fs::metadata(&path).unwrap().len();
    println!(
        "wrote {claims} claims, {:.1} MB in {:.2} s: {}",
        bytes as f64 / 1e6,
        start.elapsed().as_secs_f64(),
        path.display()
    );
    // Reading alone (tokenize, type, balance every claim), to compare with parse-only peers.
    let start = Instant::now();
    let mut read_claims = 0u64;
    let input = std::io::BufReader::with_capacity(1 << 18, std::fs::File::open(&path).unwrap());
    read_835(&path, input, |event| {
        if let RemitEvent::Claim(_) = event {
            read_claims += 1;
        }
        Ok(())
    })
    .unwrap();
    println!("read and balanced {read_claims} claims (no posting) in {:.3} s", start.elapsed().as_secs_f64());
    let db = dir.path().join("bench.db");
    let mut ledger = Ledger::open(&db).unwrap();
    let start = Instant::now();
    seed(&mut ledger, claims);
    println!("pre-inserted {claims} claims in {:.2} s", start.elapsed().as_secs_f64());
    let reset = reset_peak();
    let rss_before = status_kib("VmRSS:");
    let start = Instant::now();
    let report = post_835(&mut ledger, &path, &NoContractRates, &PostOptions::default()).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let t = &report.transactions[0];
    assert_eq!(t.matched_claims, claims, "every claim matched");
    assert!(t.balanced && report.unmatched_total == 0);
    println!(
        "posted {claims} claims ({:.1} MB) in {secs:.3} s = {:.0} claims/s; peak RSS while posting {} KiB \
         (RSS before {} KiB; peak {})",
        bytes as f64 / 1e6,
        claims as f64 / secs,
        status_kib("VmHWM:"),
        rss_before,
        if reset { "reset before posting" } else { "since process start: clear_refs unavailable" }
    );
}
