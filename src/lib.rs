//! claimkit: US medical billing from EMR encounters to reconciled remittances.
//!
//! The pipeline, one module per step, over shared foundations:
//!
//! ```text
//! ingest -> scrub -> claim837 -> (ack) -> remit835 -> report
//!                 x12 (read/write)   codes (code sets)   ledger (SQLite)
//! ```

pub mod account;
pub mod ack;
pub mod ar;
pub mod claim837;
pub mod codes;
pub mod config;
pub mod dates;
pub mod demo;
pub mod digest;
pub mod eligibility;
pub mod encounter;
pub mod files;
pub mod ingest;
pub mod inspect;
pub mod ledger;
pub mod money;
pub mod nightly;
pub mod practice;
pub mod progress;
pub mod remit835;
pub mod report;
pub mod scrub;
pub mod simulate;
pub mod statement;
pub mod status;
pub mod text;
pub mod worklist;
pub mod x12;
