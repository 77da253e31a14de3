//! Eligibility: asking each payer whether a coverage is in force before the claim is sent
//! (ASC X12 270 inquiry, 271 answer, implementation guide 005010X279A1).
//!
//! Eligibility and registration errors are the most common cause of front-end rejections and
//! denials. So before billing, claimkit asks every payer of every encounter not yet billed
//! (primary, secondary and tertiary) about the coverage on the date of service, and keeps each
//! answer with its date. The scrubber then holds an encounter whose coverage was inactive on the
//! date, or whose member the payer could not find, and warns about other coverage the payer
//! knows of and the practice does not.
//!
//! A 270 names the payer (2000A), the practice asking (2000B), and per coverage the subscriber
//! (2000C), the patient when someone else is the subscriber (2000D), the date of service and the
//! service type asked about (`EQ*30`, health benefit plan coverage). The inquiry's trace number
//! (`TRN02`) is claimkit's: the 271 echoes it, and that is how an answer finds its inquiry.
//!
//! ```text
//! HL*3*2*22*0~
//! TRN*1*17*1123456789~                 trace 17, originated by the practice (1 + its EIN)
//! NM1*IL*1*DOE*JANE****MI*W123456789~
//! DMG*D8*19800101*F~
//! DTP*291*D8*20261102~
//! EQ*30~
//! ```
//!
//! The 271 answers with benefit segments: `EB*1` active, `EB*6` inactive, `EB*R` other or
//! additional payer (named in loop 2120C: `NM1*PRP*2*OTHER PLAN*****PI*OTHER1`, its member ID in
//! `REF*IG`), or a rejection `AAA*N**75*C` (subscriber not found; 72 invalid member ID, 73 name,
//! 71 date of birth, 58 and 64 to 67 a patient the payer cannot match: all "member not found").
//!
//! - [`request`] writes the 270s (one file per receiver, one transaction set per payer) and
//!   records each inquiry;
//! - [`answer`] reads a 271 one subscriber at a time (memory stays flat however large the file);
//! - [`respond`] answers a 270 as a payer would, for tests and demos;
//! - [`post`] records the answers of 271 files (a file already posted is recognised by its content);
//! - [`report`] lists the answers and what each changed.

pub mod answer;
pub mod post;
pub mod report;
pub mod request;
pub mod respond;

use chrono::NaiveDate;
use serde::Serialize;

use crate::encounter::CoverageOrder;

/// The implementation guide of claimkit's 270s and 271s (GS08, ST03).
pub const GUIDE: &str = "005010X279A1";

/// What a payer said about a coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Coverage in force on the date asked about.
    Active,
    /// Coverage not in force on the date.
    Inactive,
    /// In force, and the payer knows of another payer (EB*R).
    OtherCoverage,
    /// The payer could not find the member, or the name or date of birth did not match (AAA).
    NotFound,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Active => "active",
            Outcome::Inactive => "inactive",
            Outcome::OtherCoverage => "other_coverage",
            Outcome::NotFound => "not_found",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Outcome::Active, Outcome::Inactive, Outcome::OtherCoverage, Outcome::NotFound]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// Another coverage a payer reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct OtherCoverage {
    pub payer_id: Option<String>,
    pub payer_name: Option<String>,
    pub member_id: Option<String>,
}

/// An answer as the scrubber sees it: the inquiry it answers and what the payer said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EligibilityAnswer {
    pub order: CoverageOrder,
    pub payer_id: String,
    pub member_id: String,
    /// The date asked about.
    pub service_date: NaiveDate,
    /// When the payer answered (BHT04 of the 271).
    pub answered_on: NaiveDate,
    pub outcome: Outcome,
    /// AAA03 of a member not found.
    pub reject_reason: Option<String>,
    pub other: Option<OtherCoverage>,
    /// The dates the payer gave with its answer.
    pub dates: AnswerDates,
}

/// The dates a 271 gives with an answer: when the coverage is in force (plan or eligibility
/// begin and end, `DTP*346/356`, `DTP*347/357`, or a range `DTP*291/307*RD8`) and, with an
/// inactive benefit (`EB*6`), the period it is inactive (`DTP*RD8` under that `EB`). Any of them
/// may be missing: a payer often answers only about the date asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct AnswerDates {
    pub covered_from: Option<NaiveDate>,
    pub covered_to: Option<NaiveDate>,
    pub inactive_from: Option<NaiveDate>,
    pub inactive_to: Option<NaiveDate>,
}

impl AnswerDates {
    fn in_inactive_period(&self, day: NaiveDate) -> bool {
        self.has_inactive_period()
            && self.inactive_from.is_none_or(|f| f <= day)
            && self.inactive_to.is_none_or(|t| day <= t)
    }

    fn outside_coverage(&self, day: NaiveDate) -> bool {
        self.covered_from.is_some_and(|f| day < f) || self.covered_to.is_some_and(|t| day > t)
    }

    fn has_inactive_period(&self) -> bool {
        self.inactive_from.is_some() || self.inactive_to.is_some()
    }
}

impl EligibilityAnswer {
    /// Whether, by what the payer said, the coverage is not in force on `day` (a date of service
    /// that need not be the date asked about): `day` falls in a period the payer calls inactive,
    /// or outside the period it gives for the coverage. An inactive answer without an inactive
    /// period is also about the date asked.
    pub fn inactive_on(&self, day: NaiveDate) -> bool {
        let d = &self.dates;
        match self.outcome {
            Outcome::NotFound => false,
            Outcome::Active | Outcome::OtherCoverage => d.in_inactive_period(day) || d.outside_coverage(day),
            Outcome::Inactive => {
                let asked = !d.has_inactive_period() && day == self.service_date;
                asked || d.in_inactive_period(day) || d.outside_coverage(day)
            }
        }
    }
}

/// What a reject reason (AAA03) of a member not found means, in our words.
pub fn reject_reason_words(code: &str) -> &'static str {
    match code {
        "71" => "the date of birth does not match the payer's",
        "72" => "the member ID is not valid",
        "73" => "the name does not match the payer's",
        "58" | "64" | "65" | "66" | "67" => "the payer cannot match the patient",
        "75" => "the payer has no such subscriber",
        _ => "the payer could not find the member",
    }
}

/// Why an eligibility step failed.
#[derive(Debug, thiserror::Error)]
pub enum EligibilityError {
    #[error("no practice is loaded in the ledger: run `claimkit init --practice FILE.toml` first")]
    NoPractice,
    #[error("encounter {0} is not in the ledger")]
    UnknownEncounter(String),
    #[error("encounter {encounter_id}: the stored encounter is unreadable; re-import it")]
    BadEncounter { encounter_id: String },
    #[error("{file}: {source}")]
    Read { file: String, source: crate::x12::X12Error },
    #[error("{file}: segment {segment}: {message}")]
    Content { file: String, segment: u64, message: String },
    #[error("{file}: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}: {source}")]
    Write { file: String, source: crate::x12::WriteError },
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
}

/// Writes `bytes` to `path` through a temporary file renamed into place, readable by the owner only.
pub(crate) fn write_private(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> Result<(), EligibilityError>,
) -> Result<(), EligibilityError> {
    let io = |source| EligibilityError::Io { file: path.display().to_string(), source };
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&tmp).map_err(io)?;
    let mut out = std::io::BufWriter::new(file);
    write(&mut out)?;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io)?;
    Ok(())
}
