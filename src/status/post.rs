//! Posting a 277 claim status response (005010X212) onto the claims it names: each status is
//! recorded with its codes in words, the payer's claim number is kept, the claim's history gets an
//! event, a submitted claim the payer reports having moves to accepted, and a claim the payer
//! denied or cannot find opens a worklist item (see [`crate::worklist`]). No money moves: the 835
//! brings it. The same file content is posted once (it shares the acknowledgments' record).

use std::path::Path;

use super::{GUIDE, Outcome};
use crate::ack::post::{AckPostError, AckPosting, ClaimOutcome, Unmatched};
use crate::ack::{AckKind, ClaimStatus, read_ack_file};
use crate::ledger::billing::{ClaimEvent, record_claim_event};
use crate::ledger::claim_status::{ResponseRow, claim_status, mark_received, record_response, set_payer_claim_number};
use crate::ledger::{Ledger, LedgerError, record_file};

/// Posts what a clearinghouse or payer answered with: a 277 claim status response (005010X212,
/// the answer to a 276) here, any other acknowledgment (TA1, 999, 277CA) as
/// [`crate::ack::post::post_ack_file`] does.
pub fn post_payer_response(ledger: &mut Ledger, path: &Path) -> Result<AckPosting, AckPostError> {
    if super::is_status_response(path).unwrap_or(false) {
        post_response_file(ledger, path)
    } else {
        crate::ack::post::post_ack_file(ledger, path)
    }
}

/// Reads the 277 at `path` and posts its claim statuses in one transaction.
pub fn post_response_file(ledger: &mut Ledger, path: &Path) -> Result<AckPosting, AckPostError> {
    let ack = read_ack_file(path)?;
    let sha = crate::digest::sha256_file(path).map_err(|source| AckPostError::Io { file: path.into(), source })?;
    let wrap = |source: LedgerError| AckPostError::Ledger { file: path.into(), source };
    let mut posting = AckPosting { file: path.into(), kinds: vec![AckKind::ClaimStatus277], ..AckPosting::default() };
    let tx = ledger.transaction().map_err(wrap)?;
    if !record_file(&tx, "ack", path, &sha).map_err(wrap)? {
        posting.already_posted = true;
        return Ok(posting);
    }
    let source = path.display().to_string();
    for t in &ack.claim_acks {
        if t.implementation != GUIDE {
            posting.notes.push(format!(
                "transaction set {} is a {} 277, not a claim status response: post it on its own",
                t.envelope.st02, t.implementation
            ));
            continue;
        }
        for c in t.claims() {
            post_claim(&tx, c, &source, &sha, &mut posting).map_err(wrap)?;
        }
    }
    tx.commit().map_err(|e| wrap(e.into()))?;
    Ok(posting)
}

fn post_claim(
    tx: &crate::ledger::Transaction<'_>,
    c: &ClaimStatus,
    source: &str,
    sha: &str,
    posting: &mut AckPosting,
) -> Result<(), LedgerError> {
    let first = c.statuses.first();
    let code = first.and_then(|s| s.codes.first());
    let category = code.map(|k| k.category.clone()).unwrap_or_default();
    let status_code = code.map(|k| k.status.clone()).unwrap_or_default();
    let outcome = Outcome::of_category(&category);
    let codes = c.statuses.iter().flat_map(|s| s.codes.iter().map(|k| k.code())).collect::<Vec<_>>().join(" ");
    let mut detail = format!("277 claim status {}", c.explain());
    if let Some(number) = &c.payer_claim_number {
        detail.push_str(&format!("; payer claim number {number}"));
    }
    let claim = claim_status(tx, &c.pcn)?;
    let money = |d: Option<rust_decimal::Decimal>| d.map(crate::money::text);
    record_response(
        tx,
        &ResponseRow {
            pcn: claim.as_ref().map(|(pcn, _)| pcn.as_str()),
            reference: &c.pcn,
            source_file: source,
            file_sha256: sha,
            category: &category,
            status_code: &status_code,
            codes: &codes,
            outcome: outcome.as_str(),
            detail: &detail,
            payer_claim_number: c.payer_claim_number.as_deref(),
            status_date: first.and_then(|s| s.date),
            charge: money(first.and_then(|s| s.amount)),
            paid: None,
        },
    )?;
    let needs_work = matches!(outcome, Outcome::Denied | Outcome::NotFound);
    match outcome {
        Outcome::Pending | Outcome::Paid => posting.accepted += 1,
        Outcome::Denied | Outcome::NotFound => posting.rejected += 1,
        Outcome::Other => posting.other += 1,
    }
    let Some((pcn, before)) = claim else {
        posting.unmatched.push(Unmatched {
            kind: AckKind::ClaimStatus277,
            reference: c.pcn.clone(),
            reason: "no claim with this trace number (claimkit asks with the claim's CLM01)".into(),
        });
        return Ok(());
    };
    if let Some(number) = &c.payer_claim_number {
        set_payer_claim_number(tx, &pcn, number)?;
    }
    let moved = outcome.payer_has_claim() && mark_received(tx, &pcn)?;
    let after = if moved { "accepted".to_string() } else { before.clone() };
    record_claim_event(
        tx,
        &ClaimEvent {
            pcn: &pcn,
            kind: "status_277",
            status_after: moved.then_some("accepted"),
            amount: None,
            detail: detail.clone(),
            source_file: Some(source),
        },
    )?;
    posting.claims.push(ClaimOutcome {
        pcn,
        kind: AckKind::ClaimStatus277,
        status_before: before,
        status_after: after,
        rejected: needs_work,
        reason: detail,
    });
    Ok(())
}
