//! Posting acknowledgments to the ledger: a rejected 999 set or TA1 interchange marks every claim
//! it carried `rejected`; a 277CA moves each claim (matched by `TRN*2` = CLM01) to `accepted` or
//! `rejected` and keeps the payer's claim number (`REF*1K`).
//!
//! One file is one transaction, recorded by content hash (`processed_files`, kind `ack`): posting
//! the same file again changes nothing and says so. A claim the payer has already adjudicated
//! (paid, denied, reversed...) keeps its status; the acknowledgment only adds an event. What
//! matches no batch or claim is listed, never dropped, and kept in the `acknowledgments` table.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::{
    AckCode, AckFile, AckKind, AckReadError, ClaimStatus, GroupAck, InterchangeAck, SetAck, codes,
    read::check_ack_file, read_acknowledgments_streaming,
};
use crate::ledger::acks::{self, AckedBatch as Batch, EnvelopeNumber, NewAcknowledgment};
use crate::ledger::billing::{ClaimEvent, record_claim_event};
use crate::ledger::{Ledger, LedgerError, Transaction, now_timestamp, record_file};

/// The `processed_files` kind under which an acknowledgment's content digest is recorded
/// ([`super::read::check_ack_file`]): envelopes aside, so a resent answer is recognised.
const CONTENT_KIND: &str = "ack-content";

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
    /// IK404 bad values as (where, value): patient data, printed only with --show-data.
    #[serde(skip)]
    pub element_values: Vec<(String, String)>,
}

impl AckPosting {
    /// True when a biller must act: something rejected or unmatched.
    pub fn needs_attention(&self) -> bool {
        self.rejected > 0 || !self.unmatched.is_empty() || self.claims.iter().any(|c| c.rejected)
    }
}

/// The page cache of an acknowledgment's connection (KiB, negative as `PRAGMA cache_size` takes
/// it). A 277CA names claims in the payer's order, and each one's claim row, history entry and
/// acknowledgment (with their PCN index entries) land wherever that PCN sorts: the cache holds
/// the pages a large file touches, so they are not spilled and read back during the transaction.
const ACK_CACHE_KIB: i64 = -16384;

/// Reads the acknowledgment (TA1, 999, 277CA) at `path` and posts it in one transaction. Posting
/// the same content twice is a no-op. A 277 claim status response is posted by
/// [`crate::status::post::post_payer_response`], which takes either.
///
/// The file is streamed: each 277 claim is posted as soon as it is read, so memory stays flat
/// whatever the file size; a file that turns out unreadable half-way rolls back whole.
pub fn post_ack_file(ledger: &mut Ledger, path: &Path) -> Result<AckPosting, AckPostError> {
    ledger.with_cache(ACK_CACHE_KIB, false, |ledger| post_ack_file_cached(ledger, path))
}

fn post_ack_file_cached(ledger: &mut Ledger, path: &Path) -> Result<AckPosting, AckPostError> {
    let open = |path: &Path| {
        crate::files::open_input(path)
            .map(|f| BufReader::with_capacity(1 << 16, f))
            .map_err(|source| AckPostError::Read(AckReadError::Open { file: path.into(), source }))
    };
    let unreadable = |source| AckPostError::Read(AckReadError::X12 { file: path.into(), source });
    // The whole file is checked before anything is posted: a file cut off or with a wrong
    // envelope is refused and not recorded as processed.
    let content = check_ack_file(path)?;
    let sha = crate::digest::sha256_file(path).map_err(|source| AckPostError::Io { file: path.into(), source })?;
    let wrap = |source: LedgerError| AckPostError::Ledger { file: path.into(), source };
    let tx = ledger.transaction().map_err(wrap)?;
    let new_file = record_file(&tx, "ack", path, &sha).map_err(wrap)?;
    // The same answer sent again under new envelope control numbers changes nothing either.
    let new_content = new_file && record_file(&tx, CONTENT_KIND, path, &content).map_err(wrap)?;
    if !new_content {
        drop(tx);
        let ack = read_acknowledgments_streaming(open(path)?, &mut |_, _| {}).map_err(unreadable)?;
        let notes = if new_file {
            vec!["the same acknowledgment was posted before in another interchange (new ISA13): nothing changed".into()]
        } else {
            Vec::new()
        };
        return Ok(AckPosting {
            file: path.into(),
            kinds: ack.kinds(),
            already_posted: true,
            notes,
            ..Default::default()
        });
    }
    let mut p = Poster::new(&tx, path, &sha);
    let mut failed: Option<LedgerError> = None;
    let ack = read_acknowledgments_streaming(open(path)?, &mut |_, claim| {
        if failed.is_none()
            && let Err(e) = p.claim_277(claim)
        {
            failed = Some(e);
        }
    })
    .map_err(unreadable)?;
    if let Some(e) = failed {
        return Err(wrap(e));
    }
    if ack.is_empty() {
        return Err(AckPostError::Read(super::read::not_an_acknowledgment(path, &ack)));
    }
    p.file_level(&ack).map_err(wrap)?;
    let posting = p.out;
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
    let mut p = Poster::new(tx, path, sha256);
    for c in ack.claim_acks.iter().flat_map(|t| t.claims()) {
        p.claim_277(c)?;
    }
    p.file_level(ack)?;
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

struct Poster<'a, 't> {
    tx: &'a Transaction<'t>,
    source: String,
    sha256: &'a str,
    out: AckPosting,
}

impl<'a, 't> Poster<'a, 't> {
    fn new(tx: &'a Transaction<'t>, path: &Path, sha256: &'a str) -> Self {
        Poster {
            tx,
            source: path.display().to_string(),
            sha256,
            out: AckPosting { file: path.into(), ..Default::default() },
        }
    }

    /// Everything but the 277 claims: file notes, TA1s, 999 groups and 277 batch-level statuses.
    fn file_level(&mut self, ack: &AckFile) -> Result<(), LedgerError> {
        self.out.kinds = ack.kinds();
        for f in &ack.envelope_findings {
            self.out.notes.push(format!("acknowledgment file envelope: {} at {}", f.message, f.position));
        }
        self.out.notes.extend(ack.notes.iter().cloned());
        for ta1 in &ack.interchange_acks {
            self.ta1(ta1)?;
        }
        for g in &ack.group_acks {
            self.group(g)?;
        }
        for t in &ack.claim_acks {
            if t.implementation != "005010X214" {
                self.out.notes.push(format!(
                    "transaction set {} is a 277 for {}, not a 277CA (005010X214): its claim statuses were applied the same way",
                    t.envelope.st02,
                    if t.implementation.is_empty() { "an unnamed guide" } else { t.implementation.as_str() }
                ));
            }
            // Batch- and provider-level statuses matter when they are not plain receipts.
            let notable = |s: &&super::StatusInfo| !codes::is_acceptance_category(s.category());
            for s in t.receiver_statuses.iter().filter(notable) {
                let trace = t.receiver_trace.as_deref().unwrap_or("-");
                self.out.notes.push(format!("277CA batch {trace}: {}", s.explain()));
            }
            for prov in &t.providers {
                for s in prov.statuses.iter().filter(notable) {
                    self.out.notes.push(format!("277CA provider level: {}", s.explain()));
                }
            }
        }
        Ok(())
    }

    /// (pcn, status) of the claims a batch carried, all of them or those of one transaction set.
    fn batch_claims(&self, batch: &Batch, st02: Option<&str>) -> Result<Vec<(String, String)>, LedgerError> {
        let mut rows = acks::batch_claims(self.tx, batch.id, st02)?;
        if rows.is_empty() && st02.is_some() && batch.st02_list.len() == 1 {
            // A builder that did not note ST02 per claim: a one-set batch carried them all.
            rows = acks::batch_claims(self.tx, batch.id, None)?;
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
        acks::record(
            self.tx,
            &NewAcknowledgment {
                kind: kind.label(),
                source_file: &self.source,
                file_sha256: self.sha256,
                reference,
                batch_id,
                pcn,
                verdict,
                codes,
                detail,
                payer_claim_number,
                received_at: &now_timestamp(),
            },
        )
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
            acks::set_claim_status(self.tx, pcn, t, &now_timestamp())?;
        }
        let event_kind = match (moves, kind) {
            (Some(t), _) => t,
            (None, AckKind::Ta1) => "ack_ta1",
            (None, AckKind::Ack999) => "ack_999",
            (None, AckKind::ClaimAck277) => "ack_277ca",
            (None, AckKind::ClaimStatus277) => "status_277",
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
        let batch = acks::find_batch(
            self.tx,
            EnvelopeNumber::Interchange,
            &ta1.isa13,
            &ta1.envelope.sender_id,
            &ta1.envelope.receiver_id,
        )?;
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
        let batch =
            acks::find_batch(self.tx, EnvelopeNumber::Group, gs06, &g.envelope.sender_id, &g.envelope.receiver_id)?;
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
        for e in &set.segment_errors {
            for el in &e.elements {
                if let Some(v) = &el.bad_value {
                    let at = format!("set {reference} segment {} {}", e.segment_position, el.explain(&e.segment_id));
                    self.out.element_values.push((at, v.clone()));
                }
            }
        }
        let verdict = verdict(&set.code);
        if set.code == AckCode::AcceptedWithErrors {
            // Accepted, but the errors will come back as rejections if left unfixed.
            self.out.notes.push(detail.clone());
        }
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
        let status = acks::claim_status(self.tx, &c.pcn)?;
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
            acks::set_payer_claim_number(self.tx, &c.pcn, number)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ack::read_acknowledgments;

    const ISA: &str =
        "ISA*00*          *00*          *ZZ*CLEARHOUSE01   *ZZ*MAPLEFM001     *261121*0800*^*00501*000000007*0*T*:~";

    /// A ledger with batch 1 (ISA13 101, GS06 101, sets 0001 and 0002) carrying claims PCN1, PCN2
    /// (set 0001) and PCN3 (set 0002).
    fn ledger() -> Ledger {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let tx = ledger.transaction().unwrap();
        tx.execute_batch(
            "INSERT INTO batches (id, receiver_id, path, sha256, isa13, gs06, st02_list, sender_id, receiver_isa_id,
                 usage, claim_count, total_charge, created_at)
             VALUES (1, 'CLEARINGHOUSE', 'b.837', 'x', '000000101', '101', '0001,0002', 'MAPLEFM001', 'CLEARHOUSE01',
                 'T', 3, '300.00', '2026-11-20T09:15:00Z');",
        )
        .unwrap();
        for (pcn, st02, status) in
            [("PCN1", "0001", "submitted"), ("PCN2", "0001", "paid"), ("PCN3", "0002", "submitted")]
        {
            tx.execute(
                "INSERT INTO encounters (id, payer_id, patient_id, total_charge, line_count, content_hash, encounter_json,
                     source_format, source_file, source_locator, imported_at, updated_at)
                 VALUES (?1, 'MCRB1', 'P1', '100.00', 1, 'h', '{}', 'csv', 'e.csv', '1', 't', 't')",
                [pcn],
            )
            .unwrap();
            tx.execute(
                "INSERT INTO claims (pcn, encounter_id, payer_id, responsibility, frequency, batch_id, st02, encounter_hash,
                     patient_id, first_dos, last_dos, total_charge, status, submitted_at, updated_at)
                 VALUES (?1, ?1, 'MCRB1', 'P', '1', 1, ?2, 'h', 'P1', '2026-11-02', '2026-11-02', '100.00', ?3, 't', 't')",
                [pcn, st02, status],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        ledger
    }

    fn post(ledger: &mut Ledger, text: &str) -> AckPosting {
        let ack = read_acknowledgments(text.as_bytes()).unwrap();
        let tx = ledger.transaction().unwrap();
        let p = post_acknowledgments(&tx, &ack, Path::new("a.ack"), "sha").unwrap();
        tx.commit().unwrap();
        p
    }

    fn status(ledger: &Ledger, pcn: &str) -> (String, Option<String>) {
        ledger
            .conn()
            .query_row("SELECT status, payer_claim_number FROM claims WHERE pcn = ?1", [pcn], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap()
    }

    fn events(ledger: &Ledger, pcn: &str) -> Vec<(String, String)> {
        let mut stmt =
            ledger.conn().prepare("SELECT kind, detail FROM claim_events WHERE pcn = ?1 ORDER BY id").unwrap();
        stmt.query_map([pcn], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    }

    fn ack_999(sets: &str) -> String {
        format!(
            "{ISA}GS*FA*CLEARHOUSE01*MAPLEFM001*20261121*0800*7*X*005010X231A1~ST*999*0001*005010X231A1~\
             AK1*HC*101*005010X222A1~{sets}AK9*P*2*2*1~SE*9*0001~GE*1*7~IEA*1*000000007~"
        )
    }

    #[test]
    fn a_rejected_999_set_rejects_its_claims_with_the_errors_explained_and_spares_paid_ones() {
        let mut ledger = ledger();
        let p = post(
            &mut ledger,
            &ack_999(
                "AK2*837*0001*005010X222A1~IK3*NM1*17*2010BA*8~IK4*9*67*7*SECRETID~IK5*R*5~AK2*837*0002*005010X222A1~IK5*A~",
            ),
        );
        assert_eq!((p.accepted, p.rejected), (1, 1));
        assert_eq!(status(&ledger, "PCN1").0, "rejected");
        assert_eq!(status(&ledger, "PCN2").0, "paid", "an adjudicated claim is not moved back");
        assert_eq!(status(&ledger, "PCN3").0, "submitted", "an accepted 999 set leaves the status");
        let (kind, detail) = &events(&ledger, "PCN1")[0];
        assert_eq!(kind, "rejected");
        assert!(detail.contains("NM1 at segment 17 loop 2010BA: 8 = segment has element errors"), "{detail}");
        assert!(detail.contains("NM109 (data element 67): 7 = code value not valid"), "{detail}");
        assert!(!detail.contains("SECRETID"));
        assert!(events(&ledger, "PCN2")[0].1.contains("claim already paid: status kept"));
        assert_eq!(events(&ledger, "PCN3")[0].0, "ack_999");
        let rejected: Vec<_> = p.claims.iter().filter(|c| c.rejected).map(|c| c.pcn.as_str()).collect();
        assert_eq!(rejected, ["PCN1", "PCN2"]);
        assert!(p.needs_attention());
    }

    #[test]
    fn a_999_set_accepted_with_errors_keeps_the_status_and_notes_the_errors() {
        let mut ledger = ledger();
        let p = post(&mut ledger, &ack_999("AK2*837*0002*005010X222A1~IK3*REF*30*2300*I9~IK5*E~"));
        assert_eq!((p.accepted, p.rejected), (1, 0));
        assert_eq!(status(&ledger, "PCN3").0, "submitted");
        assert!(
            p.notes.iter().any(|n| n.contains("accepted with errors noted; REF at segment 30 loop 2300: I9")),
            "{:?}",
            p.notes
        );
        assert!(events(&ledger, "PCN3")[0].1.contains("I9 = segment is present although the guide says Not Used"));
        assert!(!p.needs_attention());
    }

    #[test]
    fn a_999_for_an_unknown_group_or_set_is_listed_as_unmatched() {
        let mut ledger = ledger();
        let p = post(&mut ledger, &ack_999("AK2*837*0009*005010X222A1~IK5*A~"));
        assert_eq!(p.unmatched.len(), 1);
        assert_eq!(p.unmatched[0].reference, "101/0009");
        let other =
            post(&mut ledger, &ack_999("AK2*837*0001*005010X222A1~IK5*A~").replace("AK1*HC*101*", "AK1*HC*555*"));
        assert_eq!(other.unmatched[0].reference, "555/0001");
        assert!(other.unmatched[0].reason.contains("GS06"));
        let unmatched: i64 = ledger
            .conn()
            .query_row("SELECT COUNT(*) FROM acknowledgments WHERE batch_id IS NULL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(unmatched, 1);
    }

    fn ack_277(claims: &str) -> String {
        let set = format!(
            "ST*277*0001*005010X214~\
             BHT*0085*08*B101*20261121*0800*TH~HL*1**20*1~NM1*PR*2*PAYER*****PI*MCRB1~TRN*1*T1~\
             HL*2*1*21*1~NM1*41*2*MAPLE*****46*MAPLEFM001~TRN*2*B101~HL*3*2*19*1~NM1*85*2*MAPLE*****XX*1234567893~\
             {claims}"
        );
        let se01 = set.matches('~').count() + 1;
        format!(
            "{ISA}GS*HN*CLEARHOUSE01*MAPLEFM001*20261121*0800*8*X*005010X214~{set}SE*{se01}*0001~GE*1*8~IEA*1*000000007~"
        )
    }

    #[test]
    fn a_277ca_accepts_and_rejects_claims_by_clm01_and_keeps_the_payer_claim_number() {
        let mut ledger = ledger();
        let p = post(
            &mut ledger,
            &ack_277(
                "HL*4*3*PT~NM1*QC*1*DOE*JANE~TRN*2*PCN1~STC*A2:20*20261121*WQ*100~REF*1K*PAYER001~\
                 HL*5*3*PT~NM1*QC*1*ROE*RAY~TRN*2*PCN3~STC*A7:562:85*20261121*U*100~REF*1K*PAYER003~\
                 HL*6*3*PT~NM1*QC*1*POE*EDGAR~TRN*2*NOSUCHPCN~STC*A1:19:PR*20261121*WQ*50~",
            ),
        );
        assert_eq!((p.accepted, p.rejected, p.other), (2, 1, 0));
        assert_eq!(status(&ledger, "PCN1"), ("accepted".into(), Some("PAYER001".into())));
        assert_eq!(status(&ledger, "PCN3"), ("rejected".into(), Some("PAYER003".into())));
        let (kind, detail) = &events(&ledger, "PCN3")[0];
        assert_eq!(kind, "rejected");
        assert!(detail.contains("A7:562:85 rejected: information not valid: entity's National Provider Identifier (NPI) (billing provider)"), "{detail}");
        assert_eq!(p.unmatched.len(), 1);
        assert_eq!(p.unmatched[0].reference, "NOSUCHPCN");
    }

    #[test]
    fn a_277ca_does_not_move_an_adjudicated_claim_back() {
        let mut ledger = ledger();
        post(&mut ledger, &ack_277("HL*4*3*PT~NM1*QC*1*DOE*JANE~TRN*2*PCN2~STC*A2:20*20261121*WQ*100~"));
        assert_eq!(status(&ledger, "PCN2").0, "paid");
        assert_eq!(events(&ledger, "PCN2")[0].0, "ack_277ca");
    }

    #[test]
    fn a_rejected_ta1_rejects_every_claim_of_the_interchange() {
        let mut ledger = ledger();
        let p = post(&mut ledger, &format!("{ISA}TA1*000000101*261120*0915*R*006~IEA*0*000000007~"));
        assert_eq!(p.rejected, 1);
        assert_eq!(status(&ledger, "PCN1").0, "rejected");
        assert_eq!(status(&ledger, "PCN3").0, "rejected");
        assert!(events(&ledger, "PCN1")[0].1.contains("note 006 = sender ID (ISA06) not valid"));
    }

    #[test]
    fn posting_the_same_file_twice_changes_nothing_the_second_time() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.277");
        std::fs::write(&file, ack_277("HL*4*3*PT~NM1*QC*1*ROE*RAY~TRN*2*PCN3~STC*A7:562:85*20261121*U*100~")).unwrap();
        let mut ledger = ledger();
        let first = post_ack_file(&mut ledger, &file).unwrap();
        assert!(!first.already_posted);
        assert_eq!(first.rejected, 1);
        let second = post_ack_file(&mut ledger, &file).unwrap();
        assert!(second.already_posted);
        assert_eq!(second.claims.len(), 0);
        assert_eq!(events(&ledger, "PCN3").len(), 1);
        let acks: i64 = ledger.conn().query_row("SELECT COUNT(*) FROM acknowledgments", [], |r| r.get(0)).unwrap();
        assert_eq!(acks, 1);
    }
}
