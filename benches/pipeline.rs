//! The whole-pipeline benchmark: for each size it generates a seeded synthetic data set and
//! measures, phase by phase, wall and CPU seconds, throughput and peak resident memory:
//!
//! | phase    | input (size N)                       | unit          |
//! |----------|--------------------------------------|---------------|
//! | tokenize | an 837P file of N claims             | segments, MB  |
//! | import   | an encounter CSV of N service lines  | lines, MB     |
//! | scrub-rules | N service lines through every rule, in memory (encounters generated first) | lines |
//! | scrub    | N service lines (N/3 encounters) read from the ledger, scrubbed, findings stored | lines |
//! | build    | N encounters scrubbed clean → 837P   | claims, MB out|
//! | scrub-build | N unscrubbed encounters: scrub, then build (what `claimkit build` does) | claims, MB out |
//! | read835  | an 835 of N claims, read and balanced| claims, MB    |
//! | remit    | the same 835 posted to the ledger    | claims, MB    |
//! | remit-scattered | an 835 of the same claims listed out of PCN order, posted | claims, MB |
//! | remit-fallback | the 835 naming the claims by the payer's own numbers (CLP01s we never billed): each matched by patient + date + charge | claims, MB |
//! | remit-unmatched | the 835 of `remit` posted to a ledger without its claims: each listed unmatched | claims, MB |
//! | codes-ncci | a CMS-layout NCCI PTP file of N edits imported into a fresh ledger | rows, MB |
//! | balance  | `report balance` (JSON) on a ledger of N billed claims, the 835 of `remit` posted | claims |
//! | eligibility-request | 270s for N encounters not yet billed (one coverage each), inquiries recorded | inquiries, MB out |
//! | eligibility-post | a 271 of N answers (the simulated payer's, one outcome in ten inactive, ...) posted | answers, MB |
//! | nightly-idle | a nightly run with an empty inbox on a ledger of N built claims; also run at 1,000 claims, so its two rows show whether the cost grows with history | claims |
//!
//! Every phase runs in its own child process (this binary re-executed with
//! `--phase NAME --size N --dir D`), after its inputs were written by another child
//! (`--phase prepare-NAME`), so each peak RSS (VmHWM) is that phase's own.
//!
//! `cargo bench --bench pipeline -- [SIZES...] [--phases a,b] [--work DIR] [--peers-835 PATH]
//! [--peers-claims N]` (default sizes `10000 100000`). `--peers-835` also writes an 835 of
//! `--peers-claims` (default 20000) claims to PATH, times claimkit reading and posting it, and
//! prints `peers-claimkit PHASE SECONDS` lines for `tools/bench/run.sh`.

#[path = "pipeline/generate.rs"]
mod generate;
#[path = "common/process.rs"]
mod process;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use generate::{PayerClaimIds, PayerOrder, Result};

const PHASES: &[&str] = &[
    "tokenize",
    "import",
    "scrub-rules",
    "scrub",
    "build",
    "scrub-build",
    "read835",
    "remit",
    "remit-scattered",
    "remit-fallback",
    "remit-unmatched",
    "codes-ncci",
    "balance",
    "nightly-idle",
    "eligibility-request",
    "eligibility-post",
];

/// The size `nightly-idle` is also measured at, beside each requested size.
const NIGHTLY_SMALL: u64 = 1_000;

/// One phase's figures, as a child prints them on its `RESULT` line.
#[derive(Debug, Clone)]
struct Measure {
    phase: String,
    size: u64,
    wall: f64,
    cpu: f64,
    items: u64,
    unit: &'static str,
    bytes: u64,
    peak_kib: u64,
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Child side: prepare inputs, or run one phase and print its RESULT line.

fn prepare(phase: &str, size: u64, dir: &Path) -> Result<()> {
    match phase {
        "tokenize" => generate::write_837(&dir.join("input.837"), size),
        "import" => generate::write_csv(&dir.join("encounters.csv"), size),
        "scrub-rules" => Ok(()),
        "scrub" => generate::seed_scrub_ledger(&dir.join("scrub.db"), size),
        "build" => generate::seed_build_ledger(&dir.join("build.db"), size, true),
        "scrub-build" => generate::seed_build_ledger(&dir.join("scrub-build.db"), size, false),
        "read835" => generate::write_835(&dir.join("remit.835"), size, PayerOrder::Pcn, PayerClaimIds::Billed),
        "codes-ncci" => generate::write_ncci_ptp(&dir.join("ncci-ptp.txt"), size),
        "balance" => {
            use claimkit::remit835::{NoContractRates, PostOptions, post_835};
            let file = dir.join("balance.835");
            generate::write_835(&file, size, PayerOrder::Pcn, PayerClaimIds::Billed)?;
            let db = dir.join("balance.db");
            generate::seed_remit_ledger(&db, size)?;
            let mut ledger = claimkit::ledger::Ledger::open(&db)?;
            post_835(&mut ledger, &file, &NoContractRates, &PostOptions::default())?;
            Ok(())
        }
        "nightly-idle" => {
            use claimkit::claim837::build::{BuildOptions, build};
            let db = dir.join("nightly-idle.db");
            generate::seed_build_ledger(&db, size, true)?;
            let mut ledger = claimkit::ledger::Ledger::open(&db)?;
            let opts = BuildOptions { out_dir: dir.join("nightly-outbox"), ..BuildOptions::default() };
            build(&mut ledger, &opts)?;
            std::fs::create_dir_all(dir.join("nightly-inbox"))?;
            Ok(())
        }
        "remit" | "remit-scattered" | "remit-fallback" | "remit-unmatched" => {
            let (order, ids) = match phase {
                "remit-scattered" => (PayerOrder::Scattered, PayerClaimIds::Billed),
                "remit-fallback" => (PayerOrder::Pcn, PayerClaimIds::Payers),
                _ => (PayerOrder::Pcn, PayerClaimIds::Billed),
            };
            let file = dir.join(format!("{phase}.835"));
            if !file.exists() {
                generate::write_835(&file, size, order, ids)?;
            }
            let db = dir.join(format!("{phase}.db"));
            if phase == "remit-unmatched" {
                // A ledger with none of the claims: its schema only.
                claimkit::ledger::Ledger::open(&db)?;
                Ok(())
            } else {
                generate::seed_remit_ledger(&db, size)
            }
        }
        "eligibility-request" => generate::seed_build_ledger(&dir.join("eligibility-request.db"), size, false),
        "eligibility-post" => {
            use claimkit::eligibility::request::request;
            use claimkit::eligibility::respond::{RespondOptions, respond_file};
            let db = dir.join("eligibility-post.db");
            generate::seed_build_ledger(&db, size, false)?;
            let mut ledger = claimkit::ledger::Ledger::open(&db)?;
            let report = request(&mut ledger, &eligibility_request_options(dir, "eligibility-post-270"))?;
            let out = dir.join("eligibility-post-271");
            for f in &report.files {
                respond_file(&f.path, &out, RespondOptions { seed: 1, outcome: None })?;
            }
            Ok(())
        }
        other => Err(format!("unknown phase {other}").into()),
    }
}

fn eligibility_request_options(dir: &Path, out: &str) -> claimkit::eligibility::request::RequestOptions {
    let at = generate::scrub_today().and_hms_opt(9, 30, 0).unwrap_or_default();
    claimkit::eligibility::request::RequestOptions { encounter: None, out_dir: dir.join(out), at }
}

/// The files of `dir` with extension `ext`, sorted.
fn files_with(dir: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// What a phase reports: items done, their unit, bytes read or written, and its own (wall, CPU)
/// seconds when it times itself.
type PhaseOutput = (u64, &'static str, u64, Option<(f64, f64)>);

/// Runs one phase on the prepared inputs; returns (items, unit, bytes, and (wall, CPU) seconds
/// when the phase times itself because it has set-up that is not part of the measure).
fn run_phase(phase: &str, size: u64, dir: &Path) -> Result<PhaseOutput> {
    use claimkit::ledger::Ledger;
    match phase {
        "tokenize" => {
            let path = dir.join("input.837");
            let input = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(&path)?);
            let mut reader = claimkit::x12::SegmentReader::new(input);
            let mut segments = 0u64;
            while let Some(seg) = reader.next_segment()? {
                segments += 1;
                std::hint::black_box(seg.element_count());
            }
            Ok((segments, "segments", file_len(&path), None))
        }
        "import" => {
            let csv = dir.join("encounters.csv");
            let mut ledger = Ledger::open(&dir.join("import.db"))?;
            let mut tx = ledger.transaction()?;
            let summary = claimkit::ingest::import_file(&mut tx, &csv, &claimkit::ingest::ImportOptions::default())?;
            tx.commit()?;
            if summary.new == 0 {
                return Err("import stored no encounters".into());
            }
            Ok((size, "lines", file_len(&csv), None))
        }
        "scrub-rules" => {
            use claimkit::scrub::{CodeSetReference, NoBilledClaims, ScrubContext, scrub_encounter};
            let practice = generate::scrub_practice()?;
            let reference = CodeSetReference::embedded_only();
            let ctx = ScrubContext::new(&practice, &reference, generate::scrub_today(), &NoBilledClaims);
            let encounters: Vec<_> = (0..(size / 3).max(1)).map(generate::scrub_encounter).collect();
            // Parse the embedded code sets before the clock starts: that is start-up, not scrubbing.
            std::hint::black_box(scrub_encounter(&encounters[0], &ctx));
            let (start, cpu_start) = (Instant::now(), process::cpu_seconds());
            let mut findings = 0usize;
            for e in &encounters {
                findings += scrub_encounter(e, &ctx).len();
            }
            let lines: usize = encounters.iter().map(|e| e.lines.len()).sum();
            std::hint::black_box(findings);
            Ok((lines as u64, "lines", 0, Some((start.elapsed().as_secs_f64(), process::cpu_seconds() - cpu_start))))
        }
        "scrub" => {
            let mut ledger = Ledger::open(&dir.join("scrub.db"))?;
            let reference = claimkit::scrub::CodeSetReference::embedded_only();
            let options = claimkit::scrub::ScrubOptions {
                encounter: None,
                today: generate::scrub_today(),
                reference: &reference,
            };
            let run = claimkit::scrub::run_scrub(&mut ledger, &options)?;
            Ok((run.summary.service_lines as u64, "lines", 0, None))
        }
        "build" | "scrub-build" => {
            use claimkit::claim837::build::{BuildOptions, build};
            let mut ledger = Ledger::open(&dir.join(format!("{phase}.db")))?;
            if phase == "scrub-build" {
                let reference = claimkit::scrub::CodeSetReference::embedded_only();
                let today = generate::scrub_today();
                let options = claimkit::scrub::ScrubOptions { encounter: None, today, reference: &reference };
                // As `claimkit build` runs it: counts kept, per-encounter results not.
                let run =
                    claimkit::scrub::run_scrub_each(&mut ledger, &options, &claimkit::progress::Silent, &mut |_| {})?;
                if run.summary.held > 0 {
                    return Err(format!("scrub held {} of {size} encounters", run.summary.held).into());
                }
            }
            let opts = BuildOptions { out_dir: dir.join(format!("outbox-{phase}")), ..BuildOptions::default() };
            let report = build(&mut ledger, &opts)?;
            let bytes = report.batches.iter().map(|b| file_len(&b.path)).sum();
            if report.claims() as u64 != size {
                return Err(format!("built {} claims of {size}", report.claims()).into());
            }
            Ok((size, "claims", bytes, None))
        }
        "read835" => {
            use claimkit::remit835::{RemitEvent, read_835};
            let path = dir.join("remit.835");
            let input = std::io::BufReader::with_capacity(1 << 18, std::fs::File::open(&path)?);
            let mut claims = 0u64;
            read_835(&path, input, |event| {
                if let RemitEvent::Claim(_) = event {
                    claims += 1;
                }
                Ok(())
            })?;
            Ok((claims, "claims", file_len(&path), None))
        }
        "remit" | "remit-scattered" | "remit-fallback" | "remit-unmatched" => {
            use claimkit::remit835::{NoContractRates, PostOptions, post_835};
            let path = dir.join(format!("{phase}.835"));
            let mut ledger = Ledger::open(&dir.join(format!("{phase}.db")))?;
            let report = post_835(&mut ledger, &path, &NoContractRates, &PostOptions::default())?;
            let matched: u64 = report.transactions.iter().map(|t| t.matched_claims).sum();
            let expected = if phase == "remit-unmatched" { (0, size) } else { (size, 0) };
            if (matched, report.unmatched_total) != expected {
                return Err(format!("matched {matched} claims of {size}, {} unmatched", report.unmatched_total).into());
            }
            if phase == "remit-fallback" {
                let by_fallback =
                    claimkit::ledger::fixtures::claim_payments_matched_by(ledger.conn(), "patient_date_charge")?;
                if by_fallback != size {
                    return Err(format!("{by_fallback} of {size} matched by patient + date + charge").into());
                }
            }
            Ok((size, "claims", file_len(&path), None))
        }
        "codes-ncci" => {
            use claimkit::codes::ImportKind;
            let path = dir.join("ncci-ptp.txt");
            let mut ledger = Ledger::open(&dir.join("codes.db"))?;
            let tx = ledger.transaction()?;
            let outcome = claimkit::ledger::codesets::import(&tx, ImportKind::NcciPtp, &path)?;
            tx.commit()?;
            if outcome.rows as u64 != size {
                return Err(format!("imported {} edits of {size}", outcome.rows).into());
            }
            Ok((size, "rows", file_len(&path), None))
        }
        "balance" => {
            use claimkit::report::{ReportScope, claims::balance_json};
            let ledger = Ledger::open(&dir.join("balance.db"))?;
            // As of a date after every seeded date of service.
            let as_of = chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap_or_default();
            let json = balance_json(&ledger, &ReportScope::all(as_of))?;
            let text = serde_json::to_string(&json)?;
            let charges = json["totals"]["charges"].as_str().unwrap_or("");
            let expected = format!("{}.00", size * 150);
            if charges != expected {
                return Err(format!("balance charges {charges}, expected {expected}").into());
            }
            Ok((size, "claims", text.len() as u64, None))
        }
        "nightly-idle" => {
            use claimkit::nightly::{NightlyOptions, run};
            use claimkit::remit835::{NoContractRates, PostOptions};
            let mut ledger = Ledger::open(&dir.join("nightly-idle.db"))?;
            let reference = claimkit::scrub::CodeSetReference::embedded_only();
            let opts = NightlyOptions {
                inbox: dir.join("nightly-inbox"),
                outbox: dir.join("nightly-outbox"),
                archive: None,
                today: generate::scrub_today(),
                reference: &reference,
                rates: &NoContractRates,
                post: PostOptions::default(),
                mappings: Vec::new(),
                mapping: None,
            };
            let summary = run(&mut ledger, &opts, &claimkit::progress::Silent)?;
            if summary.claims_built > 0 {
                return Err("a nightly with nothing new built claims".into());
            }
            Ok((size, "claims", 0, None))
        }
        "eligibility-request" => {
            use claimkit::eligibility::request::request;
            let mut ledger = Ledger::open(&dir.join("eligibility-request.db"))?;
            let report = request(&mut ledger, &eligibility_request_options(dir, "eligibility-270"))?;
            if report.inquiries as u64 != size || !report.not_asked.is_empty() {
                return Err(format!("{} inquiries for {size} encounters", report.inquiries).into());
            }
            let bytes = report.files.iter().map(|f| file_len(&f.path)).sum();
            Ok((size, "inquiries", bytes, None))
        }
        "eligibility-post" => {
            use claimkit::eligibility::post::post_file;
            let mut ledger = Ledger::open(&dir.join("eligibility-post.db"))?;
            let (mut recorded, mut bytes) = (0, 0);
            for path in files_with(&dir.join("eligibility-post-271"), "271")? {
                recorded += post_file(&mut ledger, &path)?.recorded;
                bytes += file_len(&path);
            }
            if recorded != size {
                return Err(format!("recorded {recorded} answers of {size}").into());
            }
            Ok((size, "answers", bytes, None))
        }
        other => Err(format!("unknown phase {other}").into()),
    }
}

fn child(phase: &str, size: u64, dir: &Path) -> Result<()> {
    if let Some(target) = phase.strip_prefix("prepare-") {
        return prepare(target, size, dir);
    }
    let cpu_start = process::cpu_seconds();
    let start = Instant::now();
    let (items, unit, bytes, own) = run_phase(phase, size, dir)?;
    let (wall, cpu) = own.unwrap_or_else(|| (start.elapsed().as_secs_f64(), process::cpu_seconds() - cpu_start));
    println!(
        "RESULT\t{phase}\t{size}\t{wall:.6}\t{cpu:.2}\t{items}\t{unit}\t{bytes}\t{}",
        process::status_kib("VmHWM:")
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Parent side: spawn the children, collect, print.

fn spawn(phase: &str, size: u64, dir: &Path) -> Result<Option<Measure>> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .args(["--phase", phase, "--size", &size.to_string(), "--dir"])
        .arg(dir)
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("phase {phase} (size {size}) failed: {}", out.status).into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let Some(line) = stdout.lines().find(|l| l.starts_with("RESULT\t")) else { return Ok(None) };
    let f: Vec<&str> = line.split('\t').collect();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let unit = match f.get(6).copied() {
        Some("segments") => "segments",
        Some("lines") => "lines",
        Some("rows") => "rows",
        Some("inquiries") => "inquiries",
        Some("answers") => "answers",
        _ => "claims",
    };
    Ok(Some(Measure {
        phase: f.get(1).unwrap_or(&phase).to_string(),
        size,
        wall: num(3),
        cpu: num(4),
        items: num(5) as u64,
        unit,
        bytes: num(7) as u64,
        peak_kib: num(8) as u64,
    }))
}

fn measure(phase: &str, size: u64, dir: &Path) -> Result<Measure> {
    let started = Instant::now();
    spawn(&format!("prepare-{phase}"), size, dir)?;
    // The inputs just written go to disk now, not while the phase runs: the kernel's writeback of
    // a freshly seeded ledger (100+ MB) would otherwise stall the phase's own fsyncs (a posting's
    // commit), which then measures the generator's I/O as much as its own work.
    let _ = Command::new("sync").status();
    eprintln!("  {phase} {size}: inputs ready in {:.1} s", started.elapsed().as_secs_f64());
    let m = spawn(phase, size, dir)?.ok_or_else(|| format!("phase {phase} printed no RESULT line"))?;
    eprintln!("  {phase} {size}: {:.3} s, peak {} MiB", m.wall, m.peak_kib / 1024);
    Ok(m)
}

fn human(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.2} M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

fn table(rows: &[Measure]) {
    println!("| phase | size | wall s | CPU s | throughput | MB/s | input/output MB | peak RSS MiB |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for m in rows {
        let wall = m.wall.max(1e-9);
        let mb = m.bytes as f64 / 1e6;
        let mbps = if m.bytes > 0 { format!("{:.0}", mb / wall) } else { "—".into() };
        let mbcol = if m.bytes > 0 { format!("{mb:.1}") } else { "—".into() };
        println!(
            "| {} | {} | {:.3} | {:.2} | {} {}/s | {} | {} | {:.1} |",
            m.phase,
            m.size,
            m.wall,
            m.cpu,
            human(m.items as f64 / wall),
            m.unit,
            mbps,
            mbcol,
            m.peak_kib as f64 / 1024.0
        );
    }
}

fn machine() {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let nproc = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string()))
        .and_then(|k| k.parse::<u64>().ok())
        .unwrap_or(0);
    println!("- date: {}", chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"));
    println!("- CPU: {model}; nproc {nproc}; memory {:.1} GiB", mem as f64 / 1024.0 / 1024.0);
    println!("- kernel: {}", std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim());
    loadavg("start");
}

fn loadavg(when: &str) {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let first: Vec<&str> = load.split_whitespace().take(3).collect();
    println!("- load average at {when}: {}", first.join(" "));
}

struct Args {
    sizes: Vec<u64>,
    phases: Vec<String>,
    work: Option<PathBuf>,
    peers_835: Option<PathBuf>,
    peers_claims: u64,
}

fn parse_args(args: &[String]) -> Result<Args> {
    let mut a = Args {
        sizes: Vec::new(),
        phases: PHASES.iter().map(|p| p.to_string()).collect(),
        work: None,
        peers_835: None,
        peers_claims: 20_000,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--phases" => a.phases = value()?.split(',').map(str::to_string).collect(),
            "--work" => a.work = Some(PathBuf::from(value()?)),
            "--peers-835" => a.peers_835 = Some(PathBuf::from(value()?)),
            "--peers-claims" => a.peers_claims = value()?.parse()?,
            "--bench" => {} // cargo bench passes it to harness = false binaries
            n => a.sizes.push(n.replace('_', "").parse().map_err(|_| format!("not a size: {n}"))?),
        }
    }
    if a.sizes.is_empty() {
        a.sizes = vec![10_000, 100_000];
    }
    if let Some(bad) = a.phases.iter().find(|p| !PHASES.contains(&p.as_str())) {
        return Err(format!("unknown phase {bad}; phases: {}", PHASES.join(",")).into());
    }
    Ok(a)
}

fn parent(args: Args) -> Result<()> {
    let work = match &args.work {
        Some(w) => {
            std::fs::create_dir_all(w)?;
            tempfile::tempdir_in(w)?
        }
        None => tempfile::tempdir()?,
    };
    println!("## claimkit pipeline benchmark\n");
    machine();
    println!();
    let mut rows = Vec::new();
    if args.phases.iter().any(|p| p == "nightly-idle") && !args.sizes.contains(&NIGHTLY_SMALL) {
        let dir = work.path().join(NIGHTLY_SMALL.to_string());
        std::fs::create_dir_all(&dir)?;
        rows.push(measure("nightly-idle", NIGHTLY_SMALL, &dir)?);
        std::fs::remove_dir_all(&dir)?;
    }
    for &size in &args.sizes {
        let dir = work.path().join(size.to_string());
        std::fs::create_dir_all(&dir)?;
        for phase in &args.phases {
            rows.push(measure(phase, size, &dir)?);
        }
        std::fs::remove_dir_all(&dir)?;
    }
    table(&rows);
    if let Some(keep) = &args.peers_835 {
        let size = args.peers_claims;
        let dir = work.path().join(format!("peers-{size}"));
        std::fs::create_dir_all(&dir)?;
        let read = measure("read835", size, &dir)?;
        let post = measure("remit", size, &dir)?;
        if let Some(parent) = keep.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(dir.join("remit.835"), keep)?;
        println!(
            "\n### The 835 kept for the Python peers ({size} claims, {:.1} MB): {}\n",
            read.bytes as f64 / 1e6,
            keep.display()
        );
        table(&[read.clone(), post.clone()]);
        println!();
        println!("peers-claimkit read835 {:.6}", read.wall);
        println!("peers-claimkit remit {:.6}", post.wall);
    }
    println!();
    loadavg("end");
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if let Some(i) = args.iter().position(|a| a == "--phase") {
        let get = |flag: &str| args.iter().position(|a| a == flag).and_then(|j| args.get(j + 1));
        match (args.get(i + 1), get("--size").and_then(|s| s.parse().ok()), get("--dir")) {
            (Some(phase), Some(size), Some(dir)) => child(phase, size, Path::new(dir)),
            _ => Err("usage: pipeline --phase NAME --size N --dir DIR".into()),
        }
    } else {
        parse_args(&args).and_then(parent)
    };
    if let Err(e) = result {
        eprintln!("pipeline: {e}");
        std::process::exit(1);
    }
}
