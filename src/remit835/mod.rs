//! 835 remittance advice (005010X221A1): what the payer paid, adjusted and why, down to the
//! service line, and posting it to the ledger.
//!
//! One 835 transaction set is one payment (a check or an EFT) to one payee. It opens with the
//! payment (`BPR`) and its trace number (`TRN`, which the bank deposit echoes), names the payer
//! (`N1*PR`) and payee (`N1*PE`), then lists one `CLP` per adjudicated claim, each with claim-level
//! adjustments (`CAS`), patient and provider names (`NM1`), dates (`DTM`) and one `SVC` per paid
//! service line with its own adjustments, line item control number (`REF*6R`), allowed amount
//! (`AMT*B6`) and remark codes (`LQ`). Provider-level adjustments (`PLB`: interest, recoveries)
//! close the transaction.
//!
//! ```text
//! BPR*I*80.00*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20261201~
//! TRN*1*EFT0001*1512345678~
//! CLP*CK0001*1*100.00*80.00*20.00*12*PAYERCLM0001~
//! SVC*HC:99213*100.00*80.00**1~
//! CAS*PR*2*20.00~
//! REF*6R*CK0001-1~
//! ```
//!
//! It balances at three levels (checked by the reader, each failure a [`Finding`]):
//! line `SVC02 − ΣCAS = SVC03`, claim `CLP03 − Σ(claim and line CAS) = CLP04`, and transaction
//! `ΣCLP04 − ΣPLB = BPR02`. An unbalanced file is still posted; claimkit never invents a balancing
//! line. [`read_835`] streams one event per claim so a file of any size is read with flat memory;
//! [`post::post_835`] matches each claim and line to what was billed and posts it.

mod model;
pub mod post;
mod read;

pub use model::*;
pub use post::{
    ContractRateTable, ContractRates, NoContractRates, PostOptions, PostOutcome, PostReport, TransactionReport,
    Underpayment, UnmatchedItem, allowed_amount, post_835, post_835_with_progress,
};
pub use read::{ReadSummary, RemitEvent, check_835_envelopes, read_835, read_remittances};

use std::path::PathBuf;

use crate::x12::{EnvelopeFinding, Position, X12Error};

fn more_problems(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " (and 1 more envelope problem)".to_string(),
        n => format!(" (and {n} more envelope problems)"),
    }
}

/// Why an 835 could not be read or posted. Messages name the file and position, never data.
#[derive(Debug, thiserror::Error)]
pub enum RemitError {
    #[error("{file}: {source}")]
    Io { file: PathBuf, source: std::io::Error },
    #[error("{file}: {source}")]
    Syntax { file: PathBuf, source: X12Error },
    #[error("{file}: {at}: {problem}")]
    Structure { file: PathBuf, at: Position, problem: String },
    #[error("{file}: no 835 transaction set in the file")]
    No835 { file: PathBuf },
    /// The file's envelopes are wrong, missing or cut off: nothing of it was posted.
    #[error("{file}: {}: {}{}; nothing of the file was posted", .first.position, .first.message, more_problems(*.more))]
    Envelope { file: PathBuf, first: EnvelopeFinding, more: usize },
    #[error("{file}: {source}")]
    Ledger { file: PathBuf, source: crate::ledger::LedgerError },
}

impl RemitError {
    /// True when the input file is at fault (unreadable, not X12, not an 835), not the ledger.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, RemitError::Ledger { .. })
    }

    /// The raw segment text of a syntax error (may hold patient data: show only with --show-data).
    pub fn segment_text(&self) -> Option<&str> {
        match self {
            RemitError::Syntax { source, .. } => source.segment_text(),
            _ => None,
        }
    }
}
