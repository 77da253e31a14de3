//! Claim status inquiry and response (005010X212): asking a payer where a claim stands.
//!
//! A claim that was sent but has no final answer (no remittance, no rejection) after some weeks is
//! asked about with a **276** (claim status request). It names the payer, us as the information
//! receiver, the billing provider, the subscriber (and the patient when a dependent), and per claim
//! a trace number (`TRN*1`, claimkit uses the claim's CLM01), the patient control number
//! (`REF*EJ`), the payer's claim number when known (`REF*1K`), the charge and the dates of service:
//!
//! ```text
//! HL*4*3*22*0~ NM1*IL*1*DOE*JOHN****MI*1EG4TE5MK73~ TRN*1*CK1A2B3C4D5E6F~ REF*EJ*CK1A2B3C4D5E6F~
//! AMT*T3*143~ DTP*472*RD8*20261102-20261102~
//! ```
//!
//! The payer answers with a **277** (claim status response): the same hierarchy, and per claim the
//! trace echoed (`TRN*2`), a status `STC*category:status` and the payer's claim number:
//!
//! ```text
//! TRN*2*CK1A2B3C4D5E6F~ STC*F2:1*20261201**143*0~ REF*1K*26112001010000001~ REF*EJ*CK1A2B3C4D5E6F~
//! ```
//!
//! Categories say where the claim is: `P` pending (`P1` in process), `F` finalized (`F1` paid,
//! `F2` denied, `F4` no payment coming), `A4` not found, `E` the question could not be answered,
//! `R` more information wanted. Posting a 277 records every status with its codes in words, keeps
//! the payer's claim number, adds an event to the claim's history, moves a submitted claim the
//! payer has to accepted, and opens a worklist item when the payer denied the claim or does not
//! find it. Money moves only with the 835: a "finalized: paid" status changes no balance.
//!
//! [`request`] writes the 276s (one per receiver, control numbers from the ledger like `build`),
//! [`simulate`] answers one as a payer would, [`post`] posts a 277. The 277 is read by
//! [`crate::ack`]'s reader, which reads every 277; the 276 by [`read`].

pub mod post;
pub mod read;
pub mod request;
pub mod simulate;
mod write;

use std::path::{Path, PathBuf};

pub use read::{Inquiry, InquiryClaim, read_276, read_276_file};
pub use write::{Envelope, Parties, Person, StatusClaim, StatusResponse, StatusSet, write_276, write_277};

use crate::x12::{WriteError, X12Error};

/// GS08 and ST03 of the 276 and 277 claimkit writes.
pub const GUIDE: &str = "005010X212";

/// Failures of the claim status commands.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("{file}: {source}")]
    Io { file: PathBuf, source: std::io::Error },
    #[error("{file}: {source}")]
    Read { file: PathBuf, source: X12Error },
    #[error("{file}: no 276 claim status request in the file")]
    Not276 { file: PathBuf },
    #[error("{file}: {source}")]
    Write { file: PathBuf, source: WriteError },
    #[error("no practice loaded: run `claimkit init --practice FILE.toml` first")]
    NoPractice,
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
}

/// What a payer said about a claim, in the few outcomes a biller acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Received and in process (P categories, A0-A2).
    Pending,
    /// Finalized and paid (F1): the 835 brings the money.
    Paid,
    /// Finalized without payment (F2 denied, F4 nothing coming).
    Denied,
    /// The payer has no such claim (A4).
    NotFound,
    /// Anything else: a question that could not be answered (E), more information wanted (R)...
    Other,
}

impl Outcome {
    /// The outcome of a status category (STC01-1).
    pub fn of_category(category: &str) -> Outcome {
        match category {
            "F1" => Outcome::Paid,
            "F2" | "F4" => Outcome::Denied,
            "A4" => Outcome::NotFound,
            c if c.starts_with('P') || matches!(c, "A0" | "A1" | "A2") => Outcome::Pending,
            _ => Outcome::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Paid => "paid",
            Outcome::Denied => "denied",
            Outcome::NotFound => "not_found",
            Outcome::Other => "other",
        }
    }

    /// True when the payer shows it has the claim.
    pub fn payer_has_claim(self) -> bool {
        matches!(self, Outcome::Pending | Outcome::Paid | Outcome::Denied)
    }
}

/// True when the file holds a 277 claim status response (005010X212), as opposed to a 277CA.
pub fn is_status_response(path: &Path) -> std::io::Result<bool> {
    first_set_is(path, "277")
}

/// True when the file's first transaction set is `st01` of the 005010X212 guide.
fn first_set_is(path: &Path, st01: &str) -> std::io::Result<bool> {
    let file = crate::files::open_input(path)?;
    let mut reader = crate::x12::SegmentReader::new(std::io::BufReader::new(file));
    let mut gs08 = String::new();
    loop {
        match reader.next_segment() {
            Ok(Some(seg)) => match seg.id() {
                "GS" => gs08 = seg.trimmed(8),
                "ST" => {
                    let guide = seg.get(3).map(|g| g.trim().to_string()).filter(|g| !g.is_empty()).unwrap_or(gs08);
                    return Ok(seg.trimmed(1) == st01 && guide == GUIDE);
                }
                _ => {}
            },
            // Not X12, or X12 that cannot be read: not a status response (its own reader says why).
            Ok(None) | Err(_) => return Ok(false),
        }
    }
}

/// True when the file holds a 276 claim status request.
pub fn is_status_request(path: &Path) -> std::io::Result<bool> {
    first_set_is(path, "276")
}

/// Creates `path` readable by its owner only (it holds patient data), failing if it exists.
pub(crate) fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_map_to_what_a_biller_acts_on() {
        assert_eq!(Outcome::of_category("P1"), Outcome::Pending);
        assert_eq!(Outcome::of_category("A1"), Outcome::Pending);
        assert_eq!(Outcome::of_category("F1"), Outcome::Paid);
        assert_eq!(Outcome::of_category("F2"), Outcome::Denied);
        assert_eq!(Outcome::of_category("F4"), Outcome::Denied);
        assert_eq!(Outcome::of_category("A4"), Outcome::NotFound);
        assert_eq!(Outcome::of_category("E1"), Outcome::Other);
        assert!(!Outcome::NotFound.payer_has_claim());
    }
}
