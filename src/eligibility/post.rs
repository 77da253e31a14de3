//! `claimkit eligibility post FILE.271...`: record each answer with its date. The file is read
//! once, front to back, and each answer is written as it is read, so memory stays flat. A file
//! whose content was already posted changes nothing.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::EligibilityError;
use super::answer::read_271;
use crate::ledger::eligibility::{NewAnswer, Recorded, record_answer};
use crate::ledger::{Ledger, file_seen, now_timestamp, record_file, sha256_file};

/// The `processed_files` kind of a posted 271.
pub const FILE_KIND: &str = "eligibility";

/// What posting one file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostedFile {
    pub path: PathBuf,
    /// False when the same content was posted before (nothing was recorded).
    pub posted: bool,
    pub answers: u64,
    pub recorded: u64,
    /// Answers whose trace number matches no inquiry claimkit sent.
    pub unmatched: u64,
}

/// Posts one 271 file in one transaction.
pub fn post_file(ledger: &mut Ledger, path: &Path) -> Result<PostedFile, EligibilityError> {
    let name = path.display().to_string();
    let io = |source| EligibilityError::Io { file: name.clone(), source };
    let sha = sha256_file(path).map_err(io)?;
    let mut posted = PostedFile { path: path.to_path_buf(), posted: false, answers: 0, recorded: 0, unmatched: 0 };
    if file_seen(ledger.conn(), FILE_KIND, &sha)? {
        return Ok(posted);
    }
    let file = crate::files::open_input(path).map_err(io)?;
    let recorded_at = now_timestamp();
    let tx = ledger.transaction()?;
    let (mut recorded, mut unmatched) = (0, 0);
    let answers = read_271(std::io::BufReader::with_capacity(256 * 1024, file), &name, &mut |a| {
        let new = NewAnswer {
            trace: &a.trace,
            answered_on: a.answered_on,
            outcome: a.outcome,
            reject_reason: a.reject_reason.as_deref(),
            other: a.other.as_ref(),
            dates: a.dates,
        };
        match record_answer(&tx, &sha, &new, &recorded_at)? {
            Recorded::New => recorded += 1,
            Recorded::AlreadyRecorded => {}
            Recorded::NoInquiry => unmatched += 1,
        }
        Ok(())
    })?;
    record_file(&tx, FILE_KIND, path, &sha)?;
    tx.commit().map_err(crate::ledger::LedgerError::from)?;
    posted.posted = true;
    posted.answers = answers;
    posted.recorded = recorded;
    posted.unmatched = unmatched;
    Ok(posted)
}
