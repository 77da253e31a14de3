//! The nightly run: everything a billing office does overnight, in one unattended command.
//!
//! ```text
//! inbox/  encounters.csv  remit-1125.835  acks.999      (dropped by the EMR and the clearinghouse)
//!   1. import encounter exports        4. scrub every unbilled encounter
//!   2. read acknowledgments (999/277CA) 5. build 837P batches into outbox/ (primary and secondary)
//!   3. post remittances (835)           6. move processed files to archive/<date>/
//! ```
//!
//! Every step is idempotent (files are recognised by content hash, claims are built once per
//! encounter), so a run killed at any point and started again finishes the work without duplicate
//! claims, files or postings.

pub mod inbox;
mod run;

pub use run::{InboxFileOutcome, NightlyError, NightlyFinding, NightlyOptions, NightlySummary, remember_findings, run};
