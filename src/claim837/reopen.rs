//! Corrections by payer policy: a replacement/void claim (frequency 7/8) or a reopening.
//!
//! Medicare Part B contractors take no corrected claim for a processed claim: a change goes
//! through a *reopening* (a phone, portal or written request). A payer's `corrections` setting in
//! the practice file says which it takes (`"replacement"` or `"reopening"`; default reopening for
//! claim filing indicator MB). On a reopening payer, `correct` and `void` write no 837: they open
//! a worklist item "request a reopening" that says what changed.
//!
//! Before either, `correct` scrubs the corrected encounter (the newest re-import) and refuses
//! while it has errors: a correction with errors would be denied again.

use chrono::NaiveDate;

use crate::encounter::Encounter;
use crate::ledger::{Ledger, LedgerError, rebill, reports::resolve_claim, worklist};
use crate::practice::CorrectionPolicy;
use crate::scrub::{CodeReference, NoBilledClaims, ScrubContext, Severity, scrub_encounter};

/// Correct (frequency 7) or void (frequency 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    Correct,
    Void,
}

impl Correction {
    fn as_str(self) -> &'static str {
        match self {
            Correction::Correct => "correct",
            Correction::Void => "void",
        }
    }
}

/// Why a correction cannot go ahead, or what failed.
#[derive(Debug, thiserror::Error)]
pub enum CorrectionError {
    #[error("claim {0} is not in the ledger")]
    UnknownClaim(String),
    #[error("the ledger has no practice configuration; load one with `claimkit init --practice FILE.toml`")]
    NoPractice,
    #[error(
        "claim {pcn}: the corrected encounter {encounter} has scrub errors ({rules}); fix them in the EMR and re-import before correcting"
    )]
    ScrubErrors { pcn: String, encounter: String, rules: String },
    #[error("claim {pcn}: the stored encounter cannot be read ({message}); re-import it")]
    BadEncounter { pcn: String, message: String },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// What to do for a correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The payer takes a replacement or void claim: build it (the claim's PCN as stored).
    Claim { pcn: String },
    /// The payer takes a reopening: a worklist item was opened (or already stood).
    Reopening { pcn: String, payer_id: String, request_id: Option<i64>, detail: String },
}

/// Decides how the correction of claim `key` goes to its payer; scrubs the corrected encounter
/// for `correct`; opens the reopening request (unless `dry_run`) on a reopening payer.
pub fn decide(
    ledger: &mut Ledger,
    key: &str,
    correction: Correction,
    reference: &dyn CodeReference,
    today: NaiveDate,
    dry_run: bool,
) -> Result<Decision, CorrectionError> {
    let conn = ledger.conn();
    let pcn = resolve_claim(conn, key.trim())?.ok_or_else(|| CorrectionError::UnknownClaim(key.to_string()))?;
    let claim = rebill::subject(conn, &pcn)?.ok_or_else(|| CorrectionError::UnknownClaim(key.to_string()))?;
    let practice = crate::ledger::billing::load_practice(conn)?.ok_or(CorrectionError::NoPractice)?;
    let bad = |message: String| CorrectionError::BadEncounter { pcn: pcn.clone(), message };
    let newest = match rebill::newest_conflict(conn, &claim.encounter_id)? {
        Some((json, _)) => Some(json),
        None => rebill::encounter_json(conn, &claim.encounter_id)?,
    };
    let encounter: Option<Encounter> =
        newest.map(|json| serde_json::from_str(&json).map_err(|e| bad(e.to_string()))).transpose()?;
    if correction == Correction::Correct
        && let Some(encounter) = &encounter
    {
        let ctx = ScrubContext::new(&practice, reference, today, &NoBilledClaims);
        let mut rules: Vec<&str> = scrub_encounter(encounter, &ctx)
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.rule_id)
            .collect();
        rules.dedup();
        if !rules.is_empty() {
            return Err(CorrectionError::ScrubErrors {
                pcn,
                encounter: claim.encounter_id.clone(),
                rules: rules.join(", "),
            });
        }
    }
    // Without the payer's claim number neither a corrected claim nor a reopening can name the
    // claim: the build refuses it with the reason.
    if claim.payer_claim_number.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Ok(Decision::Claim { pcn });
    }
    let policy = practice.payer(&claim.payer_id).map_or(CorrectionPolicy::Replacement, |p| p.correction_policy());
    if policy == CorrectionPolicy::Replacement {
        return Ok(Decision::Claim { pcn });
    }
    let detail = match (correction, &encounter) {
        (Correction::Void, _) => {
            "the claim should not have been billed: ask the contractor to reopen and void it".into()
        }
        (Correction::Correct, Some(encounter)) => {
            // As a claim would bill it (QW added for waived tests, lines renumbered).
            let planned = super::Claim::plan(encounter, &practice, &super::ClaimRequest::default())
                .map_or_else(|_| encounter.clone(), |c| c.encounter);
            what_changed(&rebill::billed_lines(ledger.conn(), &pcn)?, &planned)
        }
        (Correction::Correct, None) => "the encounter is not stored".into(),
    };
    let request_id = if dry_run {
        None
    } else {
        let existing = worklist::open_request_of(ledger.conn(), &pcn, correction.as_str())?;
        match existing {
            Some(id) => Some(id),
            None => {
                let tx = ledger.transaction()?;
                let id = worklist::open_request(&tx, &pcn, &claim.payer_id, correction.as_str(), &detail)?;
                crate::ledger::billing::record_claim_event(
                    &tx,
                    &crate::ledger::billing::ClaimEvent {
                        pcn: &pcn,
                        kind: "reopening_requested",
                        status_after: None,
                        amount: None,
                        detail: format!("{}: request a reopening ({detail})", correction.as_str()),
                        source_file: None,
                    },
                )?;
                tx.commit().map_err(LedgerError::Sql)?;
                Some(id)
            }
        }
    };
    Ok(Decision::Reopening { pcn, payer_id: claim.payer_id, request_id, detail })
}

/// The lines that differ between the claim as billed and the corrected encounter, in words
/// (codes, modifiers and charges: no patient data).
fn what_changed(billed: &[(u32, String, String, String)], encounter: &Encounter) -> String {
    let mut changes = Vec::new();
    let count = billed.len().max(encounter.lines.len());
    for i in 0..count {
        let before = billed.get(i).map(|(_, code, mods, charge)| {
            let mods = if mods.is_empty() { String::new() } else { format!("-{}", mods.replace(':', "-")) };
            format!("{code}{mods} {charge}")
        });
        let after = encounter.lines.get(i).map(|l| {
            let mods = l.procedure.modifiers.iter().map(|m| format!("-{m}")).collect::<String>();
            format!("{}{mods} {}", l.procedure.code, crate::money::text(l.charge))
        });
        if before != after {
            changes.push(format!(
                "line {}: {} -> {}",
                i + 1,
                before.unwrap_or_else(|| "none".into()),
                after.unwrap_or_else(|| "removed".into())
            ));
        }
    }
    if changes.is_empty() {
        "the lines are as billed (the change is outside the service lines)".into()
    } else {
        changes.join("; ")
    }
}
