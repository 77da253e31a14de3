//! Progress reporting from long library operations (import, scrub, build, remit) to whoever is
//! watching. The library only counts; the CLI decides whether to draw a bar (a terminal, a large
//! job, and neither `--quiet` nor `--no-progress`).

/// Receives progress from a long operation.
pub trait Progress {
    /// A new phase starts; `total` is the number of units when known (lines, claims, bytes).
    fn start(&self, phase: &str, total: Option<u64>);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// The phase is over.
    fn finish(&self);
}

/// Reports nothing: for tests, scripts and small jobs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
