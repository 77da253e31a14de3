//! What this process has used, read from `/proc/self`, for benchmarks that report their own
//! figures beside wall time.

/// CPU seconds (user + system) this process has used: unlike wall time, not inflated by other
/// processes competing for the cores. Assumes the usual 100 ticks per second.
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of /proc/PID/stat; 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// A `/proc/self/status` figure in KiB (`VmHWM:` the peak resident set), 0 when unreadable.
#[allow(dead_code)]
pub fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(key)).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}
