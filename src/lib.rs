//! claimkit: US medical billing from EMR encounters to reconciled remittances.
//!
//! The pipeline, one module per step, over shared foundations:
//!
//! ```text
//! ingest -> scrub -> claim837 -> (ack) -> remit835 -> report
//!                 x12 (read/write)   codes (code sets)   ledger (SQLite)
//! ```

pub mod ack;
pub mod claim837;
pub mod codes;
pub mod dates;
pub mod demo;
pub mod digest;
pub mod encounter;
pub mod files;
pub(crate) mod handoff;
pub mod ingest;
pub mod inspect;
pub mod ledger;
pub mod nightly;
pub mod practice;
pub mod progress;
pub mod remit835;
pub mod report;
pub mod scrub;
pub mod simulate;
pub mod text;
pub mod x12;

/// jemalloc rather than the C library's allocator: the build and the posting allocate and free
/// many small strings per claim, often freed by another thread than the one that made them, where
/// glibc's allocator spends a tenth of the run (docs/benchmarks.md).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
