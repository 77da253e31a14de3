//! Re-billing a claim the payer never processed: `claimkit rebill PCN`.
//!
//! A claim a TA1, 999 or 277CA rejected never reached adjudication, and one a payer returned as
//! unprocessable (CLP02 `4` with remark MA130, "submit a new claim") was never adjudicated either.
//! Neither takes a corrected claim (frequency 7 needs the payer's claim number of a processed
//! claim): the fix is a *new original* claim.
//!
//! `rebill` marks the claim; from then on
//! - a re-import of its encounter is an update, not a conflict (a re-import made before is
//!   applied now);
//! - the encounter is scrubbed again (here, and by every scrub until it is billed);
//! - the next `build` bills it as frequency 1 with a new CLM01 (the encounter's next sequence),
//!   and links the two claims both ways in their histories (`claim show` lists both events).
//!
//! The rejected claim's charges are taken back when it is marked, so the encounter is one
//! receivable, owed on the new claim once billed. A claim a payer adjudicated (paid, denied for
//! another reason, forwarded...) is refused with the reason: it takes `correct`.

use chrono::NaiveDate;
use serde::Serialize;

use crate::encounter::Encounter;
use crate::ingest::SourceFormat;
use crate::ingest::store::{Outcome, store_encounter};
use crate::ledger::{Ledger, LedgerError, rebill, reports::resolve_claim};
use crate::scrub::{CodeReference, ScrubError, ScrubOptions, run_scrub};

/// Why a claim cannot be re-billed, or what failed.
#[derive(Debug, thiserror::Error)]
pub enum RebillError {
    #[error("no claim {0} in the ledger (give the PCN that `claimkit build` or `claim find` lists)")]
    UnknownClaim(String),
    #[error("claim {pcn} cannot be re-billed as new: {reason}")]
    Refused { pcn: String, reason: String },
    #[error("claim {pcn}: the newest re-import of its encounter cannot be read ({message}); re-import it")]
    BadReimport { pcn: String, message: String },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Scrub(#[from] ScrubError),
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
}

/// One claim marked for re-billing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rebilled {
    pub pcn: String,
    pub encounter_id: String,
    pub payer_id: String,
    /// Why it may be billed again.
    pub reason: String,
    /// A re-import recorded as a conflict before was applied to the encounter.
    pub reimport_applied: bool,
    /// The scrub of the encounter now: clean, warning or error (held from the next build).
    pub scrub_status: String,
    /// Rule IDs of the scrub's errors.
    pub errors: Vec<String>,
}

/// Why `claim` may be billed again as new, or why not.
pub fn rebill_reason(claim: &rebill::RebillSubject) -> Result<String, String> {
    if let Some((at, new)) = &claim.rebilled {
        return Err(match new {
            Some(new) => format!("it was already billed again as {new}"),
            None => format!("it is already marked for re-billing (since {at}); run `claimkit build`"),
        });
    }
    if claim.frequency != "1" {
        return Err(format!(
            "it is a {} (frequency {}); send the correction again with `claimkit correct` on the original claim",
            if claim.frequency == "7" { "replacement" } else { "void" },
            claim.frequency
        ));
    }
    if claim.responsibility != "P" {
        return Err("it is a secondary claim; re-billing applies to the primary claim of the visit".into());
    }
    let reason = match claim.status.as_str() {
        "rejected" => "rejected before adjudication (TA1, 999 or 277CA)",
        "denied" if claim.unprocessable => "returned unprocessable by the payer (CLP02 4, remark MA130)",
        "submitted" | "accepted" => {
            return Err(format!(
                "it is {} and has no answer from the payer yet; ask for its status with a 276 before billing it again",
                claim.status
            ));
        }
        other => {
            return Err(format!(
                "the payer adjudicated it (status {}); send a corrected claim with `claimkit correct {}`",
                other.replace('_', " "),
                claim.pcn
            ));
        }
    };
    if claim.posted_cents != 0 {
        return Err("money was posted on it, so the payer processed it: use `claimkit correct`".into());
    }
    Ok(reason.to_string())
}

/// Marks each claim of `keys` (PCNs, any case) for re-billing as new, applies a pending re-import
/// of its encounter, and scrubs the encounter again. All or nothing: the first refusal stops
/// before anything is changed.
pub fn rebill_claims(
    ledger: &mut Ledger,
    keys: &[String],
    reference: &dyn CodeReference,
    today: NaiveDate,
) -> Result<Vec<Rebilled>, RebillError> {
    let mut subjects = Vec::new();
    for key in keys {
        let pcn = resolve_claim(ledger.conn(), key.trim())?.ok_or_else(|| RebillError::UnknownClaim(key.clone()))?;
        let subject = rebill::subject(ledger.conn(), &pcn)?.ok_or_else(|| RebillError::UnknownClaim(key.clone()))?;
        let reason = rebill_reason(&subject).map_err(|reason| RebillError::Refused { pcn: pcn.clone(), reason })?;
        if !subjects.iter().any(|(s, _): &(rebill::RebillSubject, String)| s.pcn == subject.pcn) {
            subjects.push((subject, reason));
        }
    }
    let mut out = Vec::new();
    {
        let tx = ledger.transaction()?;
        for (subject, reason) in &subjects {
            rebill::mark(&tx, subject, reason)?;
            let mut reimport_applied = false;
            if let Some((json, format)) = rebill::newest_conflict(&tx, &subject.encounter_id)? {
                let encounter: Encounter = serde_json::from_str(&json)
                    .map_err(|e| RebillError::BadReimport { pcn: subject.pcn.clone(), message: e.to_string() })?;
                let format = match format.as_str() {
                    "fhir" => SourceFormat::Fhir,
                    "hl7v2" => SourceFormat::Hl7v2,
                    _ => SourceFormat::Csv,
                };
                match store_encounter(&tx, &encounter, format)? {
                    Outcome::Updated | Outcome::Unchanged => reimport_applied = true,
                    Outcome::WouldDrop(what) => {
                        return Err(RebillError::BadReimport {
                            pcn: subject.pcn.clone(),
                            message: format!("it has none of {what}"),
                        });
                    }
                    Outcome::New | Outcome::Conflict => {}
                }
                rebill::clear_conflicts(&tx, &subject.encounter_id)?;
            }
            out.push(Rebilled {
                pcn: subject.pcn.clone(),
                encounter_id: subject.encounter_id.clone(),
                payer_id: subject.payer_id.clone(),
                reason: reason.clone(),
                reimport_applied,
                scrub_status: String::new(),
                errors: Vec::new(),
            });
        }
        tx.commit().map_err(LedgerError::Sql)?;
    }
    for item in &mut out {
        let run = run_scrub(ledger, &ScrubOptions { encounter: Some(item.encounter_id.clone()), today, reference })?;
        if let Some(e) = run.encounters.first() {
            item.scrub_status = e.status.as_str().to_string();
            item.errors = e
                .findings
                .iter()
                .filter(|f| f.severity == crate::scrub::Severity::Error)
                .map(|f| f.rule_id.to_string())
                .collect();
            item.errors.dedup();
        }
    }
    Ok(out)
}
