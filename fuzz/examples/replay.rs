//! Times fuzz targets' bodies over their corpora, without libFuzzer and its instrumentation: what
//! one input costs in the product code. It measures; it asserts nothing.
//!
//! ```sh
//! cd fuzz && cargo run --release --example replay -- [--reps N] [--slowest K] [TARGET...]
//! ```
//!
//! Reads `corpus/<target>/` (see `tools/fuzz-corpus.sh`), runs the target over every file N times
//! (default 3) and prints, per target, the inputs, their mean size, CPU microseconds per input,
//! inputs per second and MB/s, then the K slowest inputs (default 0).

#[path = "../../benches/common/process.rs"]
mod process;

use std::path::Path;
use std::time::Instant;


fn main() {
    let mut reps = 3usize;
    let mut slowest = 0usize;
    let mut names = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--reps" => reps = args.next().and_then(|n| n.parse().ok()).unwrap_or(reps),
            "--slowest" => slowest = args.next().and_then(|n| n.parse().ok()).unwrap_or(slowest),
            _ => names.push(a),
        }
    }
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    println!("{:<14} {:>7} {:>9} {:>11} {:>10} {:>8}", "target", "inputs", "mean B", "us/input", "inputs/s", "MB/s");
    for (name, body) in claimkit_fuzz::TARGETS {
        if !names.is_empty() && !names.iter().any(|n| n == name) {
            continue;
        }
        let mut inputs: Vec<(String, Vec<u8>)> = match std::fs::read_dir(corpus.join(name)) {
            Ok(dir) => dir
                .filter_map(Result::ok)
                .filter_map(|e| Some((e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).ok()?)))
                .collect(),
            Err(e) => {
                println!("{name:<14} {}: {e}", corpus.join(name).display());
                continue;
            }
        };
        inputs.sort();
        let bytes: usize = inputs.iter().map(|(_, d)| d.len()).sum();
        let mut each: Vec<(f64, &str, usize)> = Vec::with_capacity(inputs.len());
        let cpu = process::cpu_seconds();
        for (file, data) in &inputs {
            let start = Instant::now();
            for _ in 0..reps {
                body(std::hint::black_box(data));
            }
            each.push((start.elapsed().as_secs_f64() / reps as f64, file, data.len()));
        }
        let seconds = (process::cpu_seconds() - cpu).max(1e-9);
        let runs = (inputs.len() * reps) as f64;
        println!(
            "{name:<14} {:>7} {:>9} {:>11.1} {:>10.0} {:>8.1}",
            inputs.len(),
            bytes / inputs.len().max(1),
            seconds / runs * 1e6,
            runs / seconds,
            (bytes * reps) as f64 / seconds / 1e6
        );
        each.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (s, file, len) in each.iter().take(slowest) {
            println!("    {:>10.1} us  {len:>7} B  {file}", s * 1e6);
        }
    }
}
