//! Posting acknowledgments to the ledger: a rejected 999 set or TA1 interchange marks every claim
//! it carried `rejected`; a 277CA moves each claim (matched by `TRN*2` = CLM01) to `accepted` or
//! `rejected` and keeps the payer's claim number (`REF*1K`).
//!
//! One file is one transaction, recorded by content hash (`processed_files`, kind `ack`): posting
//! the same file again changes nothing and says so. A claim the payer has already adjudicated
//! (paid, denied, reversed...) keeps its status; the acknowledgment only adds an event. What
//! matches no batch or claim is listed, never dropped, and kept in the `acknowledgments` table.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, Transaction, params};

use super::{AckCode, AckFile, AckKind, AckReadError, ClaimStatus, GroupAck, InterchangeAck, SetAck, codes};
use crate::ledger::billing::{ClaimEvent, record_claim_event};
use crate::ledger::{Ledger, LedgerError, now_timestamp, record_file};

/// Why a file could not be posted.
#[derive(Debug, thiserror::Error)]
pub enum AckPostError {
    #[error(transparent)]
    Read(#[from] AckReadError),
    #[error("{file}: {source}")]
    Io { file: PathBuf, source: std::io::Error },
    #[error("{file}: {source}")]
    Ledger { file: PathBuf, source: LedgerError },
}

/// What happened to one claim.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClaimOutcome {
    pub pcn: String,
    pub kind: AckKind,
    pub status_before: String,
    pub status_after: String,
    /// True when this acknowledgment rejected the claim (even if its status could not move).
    pub rejected: bool,
    /// The codes explained.
    pub reason: String,
}

/// Something acknowledged that matches none of our batches or claims.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Unmatched {
    pub kind: AckKind,
    /// ISA13, GS06/ST02 or CLM01 as sent.
    pub reference: String,
    pub reason: String,
}

/// The result of posting one acknowledgment file.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AckPosting {
    pub file: PathBuf,
    pub kinds: Vec<AckKind>,
    /// The same content was posted before: nothing changed.
    pub already_posted: bool,
    /// Acknowledged items (interchanges, transaction sets, claims) accepted, rejected, other.
    pub accepted: usize,
    pub rejected: usize,
    pub other: usize,
    pub claims: Vec<ClaimOutcome>,
    pub unmatched: Vec<Unmatched>,
    /// Problems of the acknowledgment file itself and batch-level statuses worth reading.
    pub notes: Vec<String>,
}

impl AckPosting {
    /// True when a biller must act: something rejected or unmatched.
    pub fn needs_attention(&self) -> bool {
        self.rejected > 0 || !self.unmatched.is_empty() || self.claims.iter().any(|c| c.rejected)
    }
}

/// Reads `path` and posts it in one transaction. Posting the same content twice is a no-op.
pub fn post_ack_file(ledger: &mut Ledger, path: &Path) -> Result<AckPosting, AckPostError> {
    let ack = super::read_ack_file(path)?;
    let sha = crate::digest::sha256_file(path).map_err(|source| AckPostError::Io { file: path.into(), source })?;
    let wrap = |source: LedgerError| AckPostError::Ledger { file: path.into(), source };
    let tx = ledger.transaction().map_err(wrap)?;
    if !record_file(&tx, "ack", path, &sha).map_err(wrap)? {
        return Ok(AckPosting { file: path.into(), kinds: ack.kinds(), already_posted: true, ..Default::default() });
    }
    let posting = post_acknowledgments(&tx, &ack, path, &sha).map_err(wrap)?;
    tx.commit().map_err(|e| wrap(e.into()))?;
    Ok(posting)
}

/// Applies a read acknowledgment file inside `tx` (the caller records the file and commits).
pub fn post_acknowledgments(
    tx: &Transaction<'_>,
    ack: &AckFile,
    path: &Path,
    sha256: &str,
) -> Result<AckPosting, LedgerError> {
    let mut p = Poster {
        tx,
        source: path.display().to_string(),
        sha256,
        out: AckPosting { file: path.into(), kinds: ack.kinds(), ..Default::default() },
    };
    for f in &ack.envelope_findings {
        p.out.notes.push(format!("acknowledgment file envelope: {} at {}", f.message, f.position));
    }
    p.out.notes.extend(ack.notes.iter().cloned());
    for ta1 in &ack.interchange_acks {
        p.ta1(ta1)?;
    }
    for g in &ack.group_acks {
        p.group(g)?;
    }
    for t in &ack.claim_acks {
        for s in &t.receiver_statuses {
            p.out.notes.push(format!("277CA batch {}: {}", t.receiver_trace.as_deref().unwrap_or("-"), s.explain()));
        }
        for prov in &t.providers {
            for s in &prov.statuses {
                p.out.notes.push(format!("277CA provider level: {}", s.explain()));
            }
        }
        for c in t.claims() {
            p.claim_277(c)?;
        }
    }
    Ok(p.out)
}

/// Statuses an acknowledgment may still change: nothing after adjudication moves back.
fn movable(status: &str) -> bool {
    matches!(status, "submitted" | "accepted" | "rejected")
}

fn strip_zeros(s: &str) -> &str {
    let t = s.trim().trim_start_matches('0');
    if t.is_empty() && !s.trim().is_empty() { "0" } else { t }
}

struct Batch {
    id: i64,
    st02_list: Vec<String>,
}

struct Poster<'a, 't> {
    tx: &'a Transaction<'t>,
    source: String,
    sha256: &'a str,
    out: AckPosting,
}

impl Poster<'_, '_> {
    /// The batch whose envelope `column` (isa13 or gs06) matches, preferring the one sent to the
    /// acknowledgment's sender by the acknowledgment's receiver; the latest when several remain.
    fn find_batch(
        &self,
        column: &str,
        value: &str,
        ack_sender: &str,
        ack_receiver: &str,
    ) -> Result<Option<Batch>, LedgerError> {
        let sql = format!(
            "SELECT id, st02_list, receiver_isa_id = ?2 AND sender_id = ?3 AS ours FROM batches
             WHERE ltrim({column}, '0') = ltrim(?1, '0') ORDER BY ours DESC, id DESC LIMIT 1"
        );
        let mut stmt = self.tx.prepare_cached(&sql)?;
        Ok(stmt
            .query_row(params![value.trim(), ack_sender, ack_receiver], |r| {
                let list: String = r.get(1)?;
                Ok(Batch {
                    id: r.get(0)?,
                    st02_list: list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
                })
            })
            .optional()?)
    }

    /// (pcn, status) of the claims a batch carried, all of them or those of one transaction set.
    fn batch_claims(&self, batch: &Batch, st02: Option<&str>) -> Result<Vec<(String, String)>, LedgerError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT pcn, status FROM claims WHERE batch_id = ?1
             AND (?2 IS NULL OR ltrim(st02, '0') = ltrim(?2, '0')) ORDER BY pcn",
        )?;
        let mut rows: Vec<(String, String)> =
            stmt.query_map(params![batch.id, st02], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        if rows.is_empty() && st02.is_some() && batch.st02_list.len() == 1 {
            // A builder that did not note ST02 per claim: a one-set batch carried them all.
            rows = self.batch_claims(batch, None)?;
        }
        Ok(rows)
    }

    #[allow(clippy::too_many_arguments)]
    fn record_ack(
        &self,
        kind: AckKind,
        reference: &str,
        batch_id: Option<i64>,
        pcn: Option<&str>,
        verdict: &str,
        codes: &str,
        detail: &str,
        payer_claim_number: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.tx
            .prepare_cached(
                "INSERT INTO acknowledgments (kind, source_file, file_sha256, reference, batch_id, pcn, verdict, codes,
                 detail, payer_claim_number, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                kind.label(),
                self.source,
                self.sha256,
                reference,
                batch_id,
                pcn,
                verdict,
                codes,
                detail,
                payer_claim_number,
                now_timestamp()
            ])?;
        Ok(())
    }

    /// Moves one claim (when its status allows) and records the event.
    fn apply(
        &mut self,
        kind: AckKind,
        pcn: &str,
        status: &str,
        target: Option<&str>,
        reason: String,
    ) -> Result<(), LedgerError> {
        let moves = target.filter(|t| movable(status) && *t != status);
        if let Some(t) = moves {
            self.tx
                .prepare_cached("UPDATE claims SET status = ?2, updated_at = ?3 WHERE pcn = ?1")?
                .execute(params![pcn, t, now_timestamp()])?;
        }
        let event_kind = match (moves, kind) {
            (Some(t), _) => t,
            (None, AckKind::Ta1) => "ack_ta1",
            (None, AckKind::Ack999) => "ack_999",
            (None, AckKind::ClaimAck277) => "ack_277ca",
        };
        let mut detail = reason.clone();
        if target.is_some() && moves.is_none() && !movable(status) {
            detail.push_str(&format!(" (claim already {status}: status kept)"));
        }
        record_claim_event(
            self.tx,
            &ClaimEvent {
                pcn,
                kind: event_kind,
                status_after: moves,
                amount: None,
                detail,
                source_file: Some(&self.source),
            },
        )?;
        let rejected = target == Some("rejected");
        if rejected || moves.is_some() {
            self.out.claims.push(ClaimOutcome {
                pcn: pcn.to_string(),
                kind,
                status_before: status.to_string(),
                status_after: moves.unwrap_or(status).to_string(),
                rejected,
                reason,
            });
        }
        Ok(())
    }

    fn ta1(&mut self, ta1: &InterchangeAck) -> Result<(), LedgerError> {
        let verdict = verdict(&ta1.code);
        let codes = format!("{} {}", ta1.code.code(), ta1.note_code);
        let detail = ta1.explain();
        self.count(&ta1.code);
        let batch = self.find_batch("isa13", &ta1.isa13, &ta1.envelope.sender_id, &ta1.envelope.receiver_id)?;
        let Some(batch) = batch else {
            self.record_ack(AckKind::Ta1, &ta1.isa13, None, None, verdict, &codes, &detail, None)?;
            self.out.unmatched.push(Unmatched {
                kind: AckKind::Ta1,
                reference: ta1.isa13.clone(),
                reason: "no batch with this interchange control number (ISA13)".into(),
            });
            return Ok(());
        };
        self.record_ack(AckKind::Ta1, &ta1.isa13, Some(batch.id), None, verdict, &codes, &detail, None)?;
        let target = if ta1.code.is_rejected() { Some("rejected") } else { None };
        for (pcn, status) in self.batch_claims(&batch, None)? {
            self.apply(AckKind::Ta1, &pcn, &status, target, detail.clone())?;
        }
        Ok(())
    }

    fn count(&mut self, code: &AckCode) {
        if code.is_rejected() {
            self.out.rejected += 1;
        } else if matches!(code, AckCode::Accepted | AckCode::AcceptedWithErrors | AckCode::PartiallyAccepted) {
            self.out.accepted += 1;
        } else {
            self.out.other += 1;
        }
    }

    fn group(&mut self, g: &GroupAck) -> Result<(), LedgerError> {
        let gs06 = &g.group_control_number;
        let batch = self.find_batch("gs06", gs06, &g.envelope.sender_id, &g.envelope.receiver_id)?;
        let group_detail = {
            let mut s = format!("999 group {gs06} {}", g.code.label());
            for c in &g.error_codes {
                s.push_str(&format!("; AK9 {c}: {}", codes::ak9_error(c)));
            }
            s
        };
        if g.sets.is_empty() {
            // A group verdict without set detail: it applies to every set of the group.
            self.count(&g.code);
            let codes = format!("{} {}", g.code.code(), g.error_codes.join(" "));
            let batch_id = batch.as_ref().map(|b| b.id);
            self.record_ack(
                AckKind::Ack999,
                gs06,
                batch_id,
                None,
                verdict(&g.code),
                codes.trim(),
                &group_detail,
                None,
            )?;
            match batch {
                Some(b) => {
                    let target = if g.code.is_rejected() { Some("rejected") } else { None };
                    for (pcn, status) in self.batch_claims(&b, None)? {
                        self.apply(AckKind::Ack999, &pcn, &status, target, group_detail.clone())?;
                    }
                }
                None => self.out.unmatched.push(Unmatched {
                    kind: AckKind::Ack999,
                    reference: gs06.clone(),
                    reason: "no batch with this group control number (GS06)".into(),
                }),
            }
            return Ok(());
        }
        if g.code.is_rejected() || !g.error_codes.is_empty() {
            self.out.notes.push(group_detail);
        }
        for set in &g.sets {
            self.set(g, batch.as_ref(), set)?;
        }
        Ok(())
    }

    fn set(&mut self, g: &GroupAck, batch: Option<&Batch>, set: &SetAck) -> Result<(), LedgerError> {
        let reference = format!("{}/{}", g.group_control_number, set.control_number);
        let detail = format!("{} (GS06 {})", set.explain(), g.group_control_number);
        let codes = format!("{} {}", set.code.code(), set.error_codes.join(" "));
        self.count(&set.code);
        let verdict = verdict(&set.code);
        let Some(batch) = batch else {
            self.record_ack(AckKind::Ack999, &reference, None, None, verdict, codes.trim(), &detail, None)?;
            self.out.unmatched.push(Unmatched {
                kind: AckKind::Ack999,
                reference,
                reason: "no batch with this group control number (GS06)".into(),
            });
            return Ok(());
        };
        self.record_ack(AckKind::Ack999, &reference, Some(batch.id), None, verdict, codes.trim(), &detail, None)?;
        let in_batch = batch.st02_list.iter().any(|s| strip_zeros(s) == strip_zeros(&set.control_number));
        let claims = if in_batch { self.batch_claims(batch, Some(&set.control_number))? } else { Vec::new() };
        if claims.is_empty() {
            self.out.unmatched.push(Unmatched {
                kind: AckKind::Ack999,
                reference,
                reason: if in_batch {
                    format!("batch {} has no claims recorded for this transaction set", batch.id)
                } else {
                    format!(
                        "batch {} (GS06 {}) has no transaction set with this ST02",
                        batch.id, g.group_control_number
                    )
                },
            });
            return Ok(());
        }
        let target = if set.code.is_rejected() { Some("rejected") } else { None };
        for (pcn, status) in claims {
            self.apply(AckKind::Ack999, &pcn, &status, target, detail.clone())?;
        }
        Ok(())
    }

    fn claim_277(&mut self, c: &ClaimStatus) -> Result<(), LedgerError> {
        let codes = c.statuses.iter().flat_map(|s| s.codes.iter().map(|k| k.code())).collect::<Vec<_>>().join(" ");
        let detail = format!("277CA {}", c.explain());
        let (verdict, target) = if c.is_rejected() {
            self.out.rejected += 1;
            ("rejected", Some("rejected"))
        } else if c.is_accepted() {
            self.out.accepted += 1;
            ("accepted", Some("accepted"))
        } else {
            self.out.other += 1;
            ("other", None)
        };
        let status: Option<String> = self
            .tx
            .prepare_cached("SELECT status FROM claims WHERE pcn = ?1")?
            .query_row([&c.pcn], |r| r.get(0))
            .optional()?;
        let pcn = status.as_ref().map(|_| c.pcn.as_str());
        self.record_ack(
            AckKind::ClaimAck277,
            &c.pcn,
            None,
            pcn,
            verdict,
            &codes,
            &detail,
            c.payer_claim_number.as_deref(),
        )?;
        let Some(status) = status else {
            self.out.unmatched.push(Unmatched {
                kind: AckKind::ClaimAck277,
                reference: c.pcn.clone(),
                reason: "no claim with this patient control number (CLM01)".into(),
            });
            return Ok(());
        };
        if let Some(number) = &c.payer_claim_number {
            self.tx
                .prepare_cached(
                    "UPDATE claims SET payer_claim_number = ?2 WHERE pcn = ?1
                     AND (payer_claim_number IS NULL OR status IN ('submitted', 'accepted', 'rejected'))",
                )?
                .execute(params![c.pcn, number])?;
        }
        self.apply(AckKind::ClaimAck277, &c.pcn, &status, target, detail)
    }
}

fn verdict(code: &AckCode) -> &'static str {
    match code {
        AckCode::Accepted => "accepted",
        AckCode::AcceptedWithErrors | AckCode::PartiallyAccepted => "accepted_with_errors",
        c if c.is_rejected() => "rejected",
        _ => "other",
    }
}
