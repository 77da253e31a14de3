//! Posting an 835 to the ledger: match every claim and line to what was billed, record payments,
//! adjustments, remark codes, provider-level entries, findings, unmatched items and
//! underpayments, make the claim's accounts receivable entries ([`crate::ar`]) and move its
//! status. One thread, one connection, one transaction per file: the reader streams one claim at
//! a time and each is posted before the next is read, so memory stays flat whatever the size.
//!
//! Matching, in order (the first that finds a claim wins):
//! 1. claim: `CLP01` = `claims.pcn`; `CLP07` = `claims.payer_claim_number` (latest claim);
//!    patient (`NM1*QC`/`IL` NM109 = `claims.patient_id` or the encounter's member ID) + first date
//!    of service (DTM*232 or earliest line date) + charge (`CLP03` = `claims.total_charge`), only
//!    when exactly one claim fits;
//! 2. line, within the matched claim: `REF*6R` = `claim_lines.line_control_number` for every SVC
//!    first; then, for the SVCs left, the billed code (SVC06 when the payer changed it, else SVC01) +
//!    modifiers + date + charge among the billed lines left; each billed line used once.
//!
//! Claim status after a posting (from this `CLP`):
//! - `CLP02 = 22` → `reversed`; the amounts are subtracted (as negatives, whatever sign the payer
//!   used), so a reversal followed by its correction nets to the corrected payment;
//! - `CLP02` 19, 20, 21 → `forwarded`;
//! - `CLP02 = 4` → `denied`;
//! - paid 0 and no patient-responsibility (`PR`) adjustment → `denied` (paid 0 with `PR` only is a
//!   processed claim the patient owes: `paid`);
//! - paid > 0 with a line that paid 0 on a non-zero charge without `PR` → `partially_paid`;
//! - otherwise `paid`.
//!
//! Idempotency: a file whose SHA-256 was posted before changes nothing ("already posted"); a
//! transaction whose payer + `TRN02` + `BPR02` was posted from another file is skipped with a
//! message naming that file.
//!
//! Expected vs paid: for each paid line (not reversals) the allowed amount is `AMT*B6`, or when the
//! payer sent none, the charge less the line's contractual (`CO`) adjustments. When [`ContractRates::allowed`] knows a rate and the allowed amount is below it by
//! more than the tolerance, the line is an [`Underpayment`].

use std::collections::HashMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::ledger::Transaction;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::read::{RemitEvent, RemittanceTrailer, read_835};
use super::{ClaimPayment, Finding, FindingLevel, ProviderAdjustment, RemitError, RemittanceHeader, ServicePayment};
use crate::ledger::{Ledger, LedgerError, ar, file_seen, money_text, record_file, remits, sha256_file};

/// The processed_files kind of 835 files.
pub const FILE_KIND: &str = "remit";

/// Contracted rates (the practice's fee schedule per payer): the imported fee schedule
/// ([`crate::codes::FeeSchedule`]) in `claimkit remit`, a [`ContractRateTable`] in tests.
pub trait ContractRates {
    /// The contracted allowed amount for one unit of `code` (with `modifier`) on `date`, if known.
    fn allowed(&self, payer_id: &str, code: &str, modifier: Option<&str>, date: NaiveDate) -> Option<Decimal>;

    /// True when no rate at all is known: no line can be underpaid, and a posting does not look
    /// at its paid lines one by one.
    fn is_empty(&self) -> bool {
        false
    }
}

/// No fee schedule loaded: no underpayment is ever found.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoContractRates;

impl ContractRates for NoContractRates {
    fn allowed(&self, _: &str, _: &str, _: Option<&str>, _: NaiveDate) -> Option<Decimal> {
        None
    }

    fn is_empty(&self) -> bool {
        true
    }
}

/// A simple in-memory fee schedule: (payer, code, modifier) → rate, any date. A rate for a code
/// without modifier applies to every modifier that has none of its own.
#[derive(Debug, Clone, Default)]
pub struct ContractRateTable {
    rates: HashMap<(String, String, String), Decimal>,
}

impl ContractRateTable {
    pub fn insert(&mut self, payer_id: &str, code: &str, modifier: Option<&str>, rate: Decimal) {
        self.rates.insert((payer_id.into(), code.into(), modifier.unwrap_or("").into()), rate);
    }
}

impl ContractRates for ContractRateTable {
    fn allowed(&self, payer_id: &str, code: &str, modifier: Option<&str>, _date: NaiveDate) -> Option<Decimal> {
        let key = |m: &str| (payer_id.to_string(), code.to_string(), m.to_string());
        modifier.and_then(|m| self.rates.get(&key(m))).or_else(|| self.rates.get(&key(""))).copied()
    }

    fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }
}

/// The practice's imported fee schedule (`claimkit codes import fee-schedule`) is the contract.
impl ContractRates for crate::codes::FeeSchedule {
    fn allowed(&self, payer_id: &str, code: &str, modifier: Option<&str>, date: NaiveDate) -> Option<Decimal> {
        crate::codes::FeeSchedule::allowed(self, payer_id, code, modifier, date)
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How to post.
#[derive(Debug, Clone)]
pub struct PostOptions {
    /// An allowed amount this much (or less) below the contract rate is not an underpayment.
    pub underpayment_tolerance: Decimal,
    /// At most this many findings (per payment), unmatched items and underpayments are kept in the [`PostReport`] (all are
    /// stored in the ledger).
    pub max_listed: usize,
    /// The posting day (`None`: today): entries count from the 835's production date (DTM*405),
    /// else its payment date, but never from a day after this one.
    pub today: Option<NaiveDate>,
}

impl Default for PostOptions {
    fn default() -> Self {
        PostOptions { underpayment_tolerance: Decimal::new(100, 2), max_listed: 1000, today: None }
    }
}

/// What happened to the file as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostOutcome {
    Posted,
    /// Same file content posted before, or every transaction in it was: nothing changed.
    AlreadyPosted,
}

/// One 835 transaction set as posted (or skipped).
#[derive(Debug, Clone, Serialize)]
pub struct TransactionReport {
    pub payer_id: String,
    pub payer_name: String,
    pub trace: String,
    pub amount: Decimal,
    pub payment_date: Option<NaiveDate>,
    pub claims: u64,
    pub matched_claims: u64,
    pub unmatched_claims: u64,
    pub unmatched_lines: u64,
    pub underpayments: u64,
    pub balanced: bool,
    /// Number of findings (all are stored in `remittance_findings`).
    pub finding_count: u64,
    /// The findings, at most [`PostOptions::max_listed`].
    pub findings: Vec<Finding>,
    /// Set when this payment was already posted: the file it was posted from.
    pub already_posted_from: Option<String>,
}

/// A claim or line of the 835 that matches nothing we billed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmatchedItem {
    pub trace: String,
    /// `claim` or `line`.
    pub kind: &'static str,
    pub clp01: String,
    pub payer_claim_number: Option<String>,
    /// SVC ordinal for lines.
    pub line: Option<u32>,
    pub procedure_code: Option<String>,
    pub charge: Decimal,
    pub paid: Decimal,
    pub reason: String,
}

/// A paid line allowed below its contract rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Underpayment {
    pub trace: String,
    pub pcn: String,
    pub line_number: Option<i64>,
    pub payer_id: String,
    pub procedure_code: String,
    pub modifier: Option<String>,
    pub service_date: Option<NaiveDate>,
    pub allowed: Decimal,
    /// `AMT*B6` or `paid+PR`.
    pub allowed_source: &'static str,
    pub contract_rate: Decimal,
    pub shortfall: Decimal,
}

/// The result of posting one file.
#[derive(Debug, Clone, Serialize)]
pub struct PostReport {
    pub file: PathBuf,
    pub sha256: String,
    pub outcome: PostOutcome,
    pub transactions: Vec<TransactionReport>,
    pub unmatched: Vec<UnmatchedItem>,
    pub unmatched_total: u64,
    pub underpayments: Vec<Underpayment>,
    pub underpayments_total: u64,
}

impl PostReport {
    /// True when a biller must act: unbalanced, unmatched or underpaid.
    pub fn needs_attention(&self) -> bool {
        self.outcome == PostOutcome::Posted
            && (self.unmatched_total > 0
                || self.underpayments_total > 0
                || self.transactions.iter().any(|t| t.already_posted_from.is_none() && !t.balanced))
    }
}

/// Posts one 835 file in one transaction: all of it, or (on error) none of it.
pub fn post_835(
    ledger: &mut Ledger,
    path: &Path,
    rates: &dyn ContractRates,
    options: &PostOptions,
) -> Result<PostReport, RemitError> {
    post_835_with_progress(ledger, path, rates, options, &crate::progress::Silent)
}

/// [`post_835`], reporting each claim payment read to `progress`.
pub fn post_835_with_progress(
    ledger: &mut Ledger,
    path: &Path,
    rates: &dyn ContractRates,
    options: &PostOptions,
    progress: &dyn crate::progress::Progress,
) -> Result<PostReport, RemitError> {
    super::read::check_835_envelopes(path)?;
    let io = |source| RemitError::Io { file: path.to_path_buf(), source };
    let ledger_err = |source| RemitError::Ledger { file: path.to_path_buf(), source };
    let sha256 = sha256_file(path).map_err(io)?;
    let mut report = PostReport {
        file: path.to_path_buf(),
        sha256: sha256.clone(),
        outcome: PostOutcome::Posted,
        transactions: Vec::new(),
        unmatched: Vec::new(),
        unmatched_total: 0,
        underpayments: Vec::new(),
        underpayments_total: 0,
    };
    if file_seen(ledger.conn(), FILE_KIND, &sha256).map_err(ledger_err)? {
        report.outcome = PostOutcome::AlreadyPosted;
        report.transactions = remits::payments_of_file(ledger.conn(), &sha256)
            .map_err(ledger_err)?
            .into_iter()
            .map(TransactionReport::already_posted)
            .collect();
        return Ok(report);
    }
    let input = BufReader::with_capacity(1 << 16, crate::files::open_input(path).map_err(io)?);
    let tx = ledger.transaction().map_err(ledger_err)?;
    let mut poster = Poster {
        tx: &tx,
        file: path.display().to_string(),
        sha256: &sha256,
        rates,
        options,
        report: &mut report,
        current: None,
        posted_any: false,
        claims_on_date: HashMap::new(),
        today: options.today.unwrap_or_else(|| chrono::Utc::now().date_naive()),
    };
    progress.start("remit", None);
    let read = read_835(path, input, |event| {
        if let RemitEvent::Claim(_) = &event {
            progress.advance(1);
        }
        poster.event(event).map_err(ledger_err)
    });
    progress.finish();
    read?;
    if poster.posted_any {
        record_file(&tx, FILE_KIND, path, &sha256).map_err(ledger_err)?;
        tx.commit().map_err(|e| ledger_err(e.into()))?;
    } else {
        report.outcome = PostOutcome::AlreadyPosted;
    }
    Ok(report)
}

impl TransactionReport {
    fn already_posted(p: remits::PostedPayment) -> Self {
        TransactionReport {
            payer_id: p.payer_id,
            payer_name: p.payer_name,
            trace: p.trace,
            amount: p.amount,
            payment_date: p.payment_date,
            claims: p.claims,
            matched_claims: p.matched,
            unmatched_claims: p.unmatched,
            unmatched_lines: 0,
            underpayments: 0,
            balanced: p.balanced,
            finding_count: p.findings,
            findings: Vec::new(),
            already_posted_from: Some(p.source_file),
        }
    }
}

/// The transaction set being posted.
struct Current {
    remittance_id: i64,
    /// Posted before (same payer, trace and amount): its claims are passed over.
    skip: bool,
    trace: String,
    /// The date the posting's entries count from: the 835's production date (DTM*405), else
    /// today; never a payment date in the future.
    effective_on: NaiveDate,
    report_index: usize,
    findings: u64,
}

struct Poster<'a, 't> {
    tx: &'a Transaction<'t>,
    file: String,
    sha256: &'a str,
    rates: &'a dyn ContractRates,
    options: &'a PostOptions,
    report: &'a mut PostReport,
    current: Option<Current>,
    posted_any: bool,
    /// Claims per first date of service, read once per posting for the patient + date + charge
    /// fallback (an 835 whose CLP01s the ledger does not know names the same dates again and again).
    claims_on_date: HashMap<NaiveDate, Vec<remits::ClaimOnDate>>,
    today: NaiveDate,
}

impl Poster<'_, '_> {
    fn event(&mut self, event: RemitEvent<'_>) -> Result<(), LedgerError> {
        match event {
            RemitEvent::Header(h) => self.header(h),
            RemitEvent::Claim(c) => self.claim(c),
            RemitEvent::Findings(findings) => self.findings(findings),
            RemitEvent::Trailer(t) => self.trailer(t),
        }
    }

    fn header(&mut self, h: &RemittanceHeader) -> Result<(), LedgerError> {
        let payer_id = h.payer_id().to_string();
        let posted_from = remits::payment_posted_from(self.tx, &payer_id, &h.trace.number, h.payment.amount)?;
        let mut report = TransactionReport {
            payer_id: payer_id.clone(),
            payer_name: h.payer.name.clone(),
            trace: h.trace.number.clone(),
            amount: h.payment.amount,
            payment_date: h.payment.date,
            claims: 0,
            matched_claims: 0,
            unmatched_claims: 0,
            unmatched_lines: 0,
            underpayments: 0,
            balanced: true,
            finding_count: 0,
            findings: Vec::new(),
            already_posted_from: None,
        };
        let skip = posted_from.is_some();
        let remittance_id = match posted_from {
            Some(from) => {
                report.already_posted_from = Some(from);
                0
            }
            None => {
                self.posted_any = true;
                remits::insert_remittance(self.tx, &self.file, self.sha256, h)?
            }
        };
        let effective_on = h.production_date.or(h.payment.date).filter(|d| *d <= self.today).unwrap_or(self.today);
        self.report.transactions.push(report);
        self.current = Some(Current {
            remittance_id,
            skip,
            trace: h.trace.number.clone(),
            effective_on,
            report_index: self.report.transactions.len() - 1,
            findings: 0,
        });
        Ok(())
    }

    fn findings(&mut self, findings: &[Finding]) -> Result<(), LedgerError> {
        let Some(cur) = self.current.as_mut().filter(|c| !c.skip) else { return Ok(()) };
        let tr = &mut self.report.transactions[cur.report_index];
        for f in findings {
            remits::insert_finding(self.tx, cur.remittance_id, f)?;
            cur.findings += 1;
            if f.is_unbalanced() {
                tr.balanced = false;
            }
            if tr.findings.len() < self.options.max_listed {
                tr.findings.push(f.clone());
            }
        }
        tr.finding_count = cur.findings;
        Ok(())
    }

    fn trailer(&mut self, t: &RemittanceTrailer) -> Result<(), LedgerError> {
        self.findings(&t.findings)?;
        let Some(mut cur) = self.current.take().filter(|c| !c.skip) else { return Ok(()) };
        for plb in &t.provider_adjustments {
            self.provider_adjustment(&mut cur, plb)?;
        }
        let tr = &mut self.report.transactions[cur.report_index];
        tr.balanced = tr.balanced && t.balanced();
        let counts = remits::RemittanceCounts {
            claims: tr.claims,
            matched: tr.matched_claims,
            unmatched: tr.unmatched_claims,
            balanced: tr.balanced,
            findings: cur.findings,
        };
        remits::finish_remittance(self.tx, cur.remittance_id, counts)
    }

    /// A PLB item: stored; when its reference names one of our claims, tied to it and to its A/R.
    fn provider_adjustment(&mut self, cur: &mut Current, plb: &ProviderAdjustment) -> Result<(), LedgerError> {
        let claim = match plb.reference.as_deref() {
            Some(reference) => remits::claim_named_by_reference(self.tx, reference)?,
            None => None,
        };
        let id = remits::insert_provider_adjustment(
            self.tx,
            cur.remittance_id,
            plb,
            claim.as_ref().map(|c| c.pcn.as_str()),
        )?;
        let Some(claim) = claim else { return Ok(()) };
        let Some(entry) = crate::ar::provider_level_entry(&claim.payer_id, &plb.reason, plb.amount) else {
            return self.sub_cent(cur, Some(&claim.pcn), None, plb.amount, plb.position);
        };
        let source = ar::EntrySource {
            patient_id: &claim.patient_id,
            encounter_id: Some(&claim.encounter_id),
            pcn: Some(&claim.pcn),
            provider_adjustment_id: Some(id),
            effective_on: Some(cur.effective_on),
            ..ar::EntrySource::default()
        };
        ar::insert_entries(self.tx, &source, &[entry])
    }

    /// An amount that is not whole cents: a finding of the transaction set; its A/R is not posted.
    fn sub_cent(
        &mut self,
        cur: &mut Current,
        pcn: Option<&str>,
        line: Option<u32>,
        amount: Decimal,
        at: crate::x12::Position,
    ) -> Result<(), LedgerError> {
        let finding = Finding {
            level: if line.is_some() { FindingLevel::Line } else { FindingLevel::Claim },
            code: "AMOUNT-NOT-CENTS",
            trace: cur.trace.clone(),
            pcn: pcn.map(str::to_string),
            line,
            expected: None,
            actual: Some(amount),
            message: "an amount has more than two decimal places; it was not rounded and its accounts receivable were \
                      not posted"
                .into(),
            at,
        };
        remits::insert_finding(self.tx, cur.remittance_id, &finding)?;
        cur.findings += 1;
        let tr = &mut self.report.transactions[cur.report_index];
        tr.finding_count = cur.findings;
        if tr.findings.len() < self.options.max_listed {
            tr.findings.push(finding);
        }
        Ok(())
    }

    fn claim(&mut self, c: &mut ClaimPayment) -> Result<(), LedgerError> {
        let Some(mut cur) = self.current.take() else { return Ok(()) };
        let result = if cur.skip { Ok(()) } else { self.post_claim(&mut cur, c) };
        self.current = Some(cur);
        result
    }

    fn post_claim(&mut self, cur: &mut Current, c: &ClaimPayment) -> Result<(), LedgerError> {
        self.report.transactions[cur.report_index].claims += 1;
        let found = self.find_claim(c)?;
        let status = status_after(c);
        let matched = found.as_ref().ok().map(|(claim, method)| remits::ClaimMatch { pcn: &claim.pcn, method });
        let cp_id = remits::insert_claim_payment(self.tx, cur.remittance_id, c, matched, matched.map(|_| status))?;
        let (claim, _) = match found {
            Ok(found) => found,
            Err(reason) => {
                self.report.transactions[cur.report_index].unmatched_claims += 1;
                for (i, line) in c.lines.iter().enumerate() {
                    remits::insert_service_payment(self.tx, cp_id, i as u32 + 1, line, None)?;
                }
                return self.unmatched(cur, cp_id, c, None, &reason);
            }
        };
        self.report.transactions[cur.report_index].matched_claims += 1;
        // Each SVC to a billed line: REF*6R first, then code + modifiers + date + charge.
        let hits = match_lines(&claim.lines, &c.lines, c.first_date_of_service());
        for (i, (line, hit)) in c.lines.iter().zip(&hits).enumerate() {
            let ordinal = i as u32 + 1;
            let matched_line =
                hit.map(|(number, method)| remits::LineMatch { pcn: &claim.pcn, line_number: number, method });
            remits::insert_service_payment(self.tx, cp_id, ordinal, line, matched_line)?;
            if hit.is_none() {
                let reason = match &line.line_control_number {
                    Some(_) => "no billed line with this REF*6R, nor with the same code, modifiers, date and charge",
                    None => "no billed line with the same code, modifiers, date and charge (no REF*6R sent)",
                };
                self.report.transactions[cur.report_index].unmatched_lines += 1;
                self.unmatched(cur, cp_id, c, Some((ordinal, line)), reason)?;
            }
            if !c.is_reversal() && line.paid > Decimal::ZERO {
                let number = hit.map(|(n, _)| n);
                self.underpayment(cur, cp_id, ordinal, &claim, number, line, c.first_date_of_service())?;
            }
        }
        self.post_receivables(cur, cp_id, &claim, c, &hits)?;
        remits::set_claim_adjudicated(self.tx, &claim.pcn, status, c.payer_claim_number.as_deref())?;
        let adjustments: Vec<String> =
            c.all_adjustments().map(|a| format!("{}-{} {}", a.group, a.reason, money_text(a.amount))).collect();
        let detail = format!(
            "835 trace {}: CLP02 {}, charge {}, paid {}, patient responsibility {}{}{}",
            cur.trace,
            c.status,
            money_text(c.charge),
            money_text(c.paid),
            money_text(c.patient_responsibility),
            c.payer_claim_number.as_deref().map(|n| format!(", payer claim {n}")).unwrap_or_default(),
            if adjustments.is_empty() { String::new() } else { format!("; adjustments {}", adjustments.join(", ")) },
        );
        let kind = match status {
            "reversed" => "reversal",
            "denied" => "denial",
            "forwarded" => "forwarded",
            _ => "payment",
        };
        remits::insert_claim_event(
            self.tx,
            &remits::ClaimEventRow {
                pcn: &claim.pcn,
                kind,
                status_after: Some(status),
                amount: Some(c.paid),
                detail: &detail,
                source_file: Some(&self.file),
            },
        )
    }

    /// The A/R of one claim payment: a reversal takes back the entries of the payment it reverses
    /// (when that payment was posted here; else the reversal's own amounts, which are their
    /// negatives); any other payment makes its entries by the rules of [`crate::ar`]. Then the
    /// crossover queue learns whether the next payer now has something to bill.
    fn post_receivables(
        &mut self,
        cur: &mut Current,
        cp_id: i64,
        claim: &remits::BilledClaim,
        c: &ClaimPayment,
        hits: &[Option<(u32, &'static str)>],
    ) -> Result<(), LedgerError> {
        let source = ar::EntrySource {
            patient_id: &claim.patient_id,
            encounter_id: Some(&claim.encounter_id),
            pcn: Some(&claim.pcn),
            claim_payment_id: Some(cp_id),
            effective_on: Some(cur.effective_on),
            ..ar::EntrySource::default()
        };
        let reversed = if c.is_reversal() { remits::payment_to_reverse(self.tx, &claim.pcn)? } else { None };
        if let Some(original) = reversed {
            ar::reverse_claim_payment(self.tx, original, &source)?;
            remits::mark_reversed(self.tx, original, cp_id)?;
        } else {
            let who = crate::ar::Adjudicating {
                payer_id: claim.payer_id.clone(),
                primary: claim.responsibility == "P",
                next_payer: claim.next_payer_id.clone(),
            };
            let lines: Vec<Option<u32>> = hits.iter().map(|h| h.map(|(n, _)| n)).collect();
            let owed = if who.primary || c.is_reversal() {
                HashMap::new()
            } else {
                ar::owed_by_payer(self.tx, &claim.encounter_id, &claim.payer_id)?
            };
            match crate::ar::claim_payment_entries(c, &who, &lines, &owed) {
                Ok(entries) => ar::insert_entries(self.tx, &source, &entries)?,
                Err(odd) => return self.sub_cent(cur, Some(&claim.pcn), odd.line_ordinal, odd.amount, c.position),
            }
        }
        if let Some(next) = &claim.next_payer_id {
            let responsibility = if claim.responsibility == "P" { "S" } else { "T" };
            remits::refresh_crossover(self.tx, &claim.encounter_id, responsibility, next, &claim.pcn)?;
        }
        Ok(())
    }

    /// The claim `c` pays: by CLP01, else by the payer's claim number (CLP07), else by patient +
    /// first date of service + charge when exactly one claim fits; or why none.
    fn find_claim(
        &mut self,
        c: &ClaimPayment,
    ) -> Result<Result<(remits::BilledClaim, &'static str), String>, LedgerError> {
        if !c.pcn.is_empty()
            && let Some(claim) = remits::claim_by_pcn(self.tx, &c.pcn)?
        {
            return Ok(Ok((claim, "pcn")));
        }
        if let Some(number) = c.payer_claim_number.as_deref()
            && let Some(claim) = remits::claim_by_payer_claim_number(self.tx, number)?
        {
            return Ok(Ok((claim, "payer_claim_number")));
        }
        let ids: Vec<&str> = [c.patient.as_ref(), c.insured.as_ref(), c.corrected_patient.as_ref()]
            .into_iter()
            .flatten()
            .map(|n| n.id.as_str())
            .filter(|id| !id.is_empty())
            .collect();
        let Some(dos) = c.first_date_of_service() else {
            return Ok(Err("no claim with this CLP01 or CLP07, and no date of service to match on".into()));
        };
        if ids.is_empty() {
            return Ok(Err("no claim with this CLP01 or CLP07, and no patient ID to match on".into()));
        }
        if !self.claims_on_date.contains_key(&dos) {
            let claims = remits::claims_on_date(self.tx, dos)?;
            self.claims_on_date.insert(dos, claims);
        }
        let charge = c.charge.abs();
        let candidates: Vec<&str> = self.claims_on_date[&dos]
            .iter()
            .filter(|k| {
                k.charge == charge && ids.iter().any(|id| *id == k.patient_id || Some(*id) == k.member_id.as_deref())
            })
            .map(|k| k.pcn.as_str())
            .collect();
        match candidates.as_slice() {
            [] => Ok(Err("no claim with this CLP01, CLP07, or patient + date of service + charge".into())),
            [pcn] => {
                let pcn = pcn.to_string();
                Ok(remits::claim_by_pcn(self.tx, &pcn)?
                    .map(|claim| (claim, "patient_date_charge"))
                    .ok_or_else(|| "the claim matched is gone".to_string()))
            }
            many => Ok(Err(format!("{} claims fit patient + date of service + charge; not guessing", many.len()))),
        }
    }

    fn unmatched(
        &mut self,
        cur: &Current,
        cp_id: i64,
        c: &ClaimPayment,
        line: Option<(u32, &ServicePayment)>,
        reason: &str,
    ) -> Result<(), LedgerError> {
        let (kind, code, charge, paid) = match line {
            Some((_, l)) => ("line", Some(l.procedure.code.as_str()), l.charge, l.paid),
            None => ("claim", None, c.charge, c.paid),
        };
        remits::insert_unmatched(
            self.tx,
            &remits::UnmatchedRow {
                remittance_id: cur.remittance_id,
                claim_payment_id: cp_id,
                line_ordinal: line.map(|(o, _)| o),
                kind,
                clp01: &c.pcn,
                procedure_code: code,
                charge,
                paid,
                reason,
            },
        )?;
        self.report.unmatched_total += 1;
        if self.report.unmatched.len() < self.options.max_listed {
            self.report.unmatched.push(UnmatchedItem {
                trace: cur.trace.clone(),
                kind,
                clp01: c.pcn.clone(),
                payer_claim_number: c.payer_claim_number.clone(),
                line: line.map(|(o, _)| o),
                procedure_code: code.map(str::to_string),
                charge,
                paid,
                reason: reason.to_string(),
            });
        }
        Ok(())
    }

    /// A paid line allowed below its contract rate by more than the tolerance. The allowed amount
    /// is AMT*B6, or when the payer sent none, the charge less the contractual (CO) adjustments.
    #[allow(clippy::too_many_arguments)]
    fn underpayment(
        &mut self,
        cur: &Current,
        cp_id: i64,
        ordinal: u32,
        claim: &remits::BilledClaim,
        line_number: Option<u32>,
        line: &ServicePayment,
        claim_dos: Option<NaiveDate>,
    ) -> Result<(), LedgerError> {
        if self.rates.is_empty() {
            return Ok(());
        }
        let Some(date) = line.service_date.or(claim_dos) else { return Ok(()) };
        let code = &line.procedure.code;
        let modifier = line.procedure.modifiers.first().map(String::as_str);
        let Some(rate) = self.rates.allowed(&claim.payer_id, code, modifier, date) else { return Ok(()) };
        let (allowed, source) = allowed_amount(line);
        let shortfall = rate - allowed;
        if shortfall <= self.options.underpayment_tolerance {
            return Ok(());
        }
        remits::insert_underpayment(
            self.tx,
            &remits::UnderpaymentRow {
                remittance_id: cur.remittance_id,
                claim_payment_id: cp_id,
                line_ordinal: ordinal,
                pcn: &claim.pcn,
                line_number,
                payer_id: &claim.payer_id,
                procedure_code: code,
                modifier,
                service_date: date,
                allowed,
                allowed_source: source,
                contract_rate: rate,
                shortfall,
                tolerance: self.options.underpayment_tolerance,
            },
        )?;
        self.report.transactions[cur.report_index].underpayments += 1;
        self.report.underpayments_total += 1;
        if self.report.underpayments.len() < self.options.max_listed {
            self.report.underpayments.push(Underpayment {
                trace: cur.trace.clone(),
                pcn: claim.pcn.clone(),
                line_number: line_number.map(i64::from),
                payer_id: claim.payer_id.clone(),
                procedure_code: code.clone(),
                modifier: modifier.map(str::to_string),
                service_date: Some(date),
                allowed,
                allowed_source: source,
                contract_rate: rate,
                shortfall,
            });
        }
        Ok(())
    }
}

/// A line's allowed amount: AMT*B6 when the payer sent it (`"AMT*B6"`), else the charge less its
/// contractual (CO) adjustments (`"charge-CO"`).
pub fn allowed_amount(line: &ServicePayment) -> (Decimal, &'static str) {
    match line.allowed {
        Some(a) => (a, "AMT*B6"),
        None => {
            let contractual: Decimal = line.adjustments.iter().filter(|a| a.group == "CO").map(|a| a.amount).sum();
            (line.charge - contractual, "charge-CO")
        }
    }
}

/// Matches each SVC to a billed line: by REF*6R first (for every SVC), then the SVCs left by code
/// (SVC06 when the payer changed it) + modifiers + charge + date among the billed lines left. Each
/// billed line is used once.
fn match_lines(
    billed: &[remits::BilledLine],
    lines: &[ServicePayment],
    claim_dos: Option<NaiveDate>,
) -> Vec<Option<(u32, &'static str)>> {
    let mut used = vec![false; billed.len()];
    let mut hits: Vec<Option<(u32, &'static str)>> = lines
        .iter()
        .map(|line| {
            let lcn = line.line_control_number.as_deref()?;
            let i = billed.iter().enumerate().position(|(i, b)| !used[i] && b.control_number == lcn)?;
            used[i] = true;
            Some((billed[i].line_number, "line_control_number"))
        })
        .collect();
    for (hit, line) in hits.iter_mut().zip(lines) {
        if hit.is_some() {
            continue;
        }
        let p = line.billed_procedure();
        let date = line.service_date.or(claim_dos);
        let found = billed.iter().enumerate().position(|(i, b)| {
            !used[i]
                && b.code == p.code
                && modifiers_equal(&b.modifiers, &p.modifiers)
                && b.charge == line.charge.abs()
                && (date.is_none() || b.date.is_none() || b.date == date)
        });
        if let Some(i) = found {
            used[i] = true;
            *hit = Some((billed[i].line_number, "code_date_charge"));
        }
    }
    hits
}

fn modifiers_equal(billed: &str, sent: &[String]) -> bool {
    if billed.is_empty() {
        return sent.is_empty();
    }
    let mut parts = billed.split(':');
    sent.iter().all(|m| parts.next() == Some(m.as_str())) && parts.next().is_none()
}

/// The status a claim is left in by this CLP (see the module docs).
pub fn status_after(claim: &ClaimPayment) -> &'static str {
    match claim.status.as_str() {
        "22" => return "reversed",
        "19" | "20" | "21" => return "forwarded",
        "4" => return "denied",
        _ => {}
    }
    let is_pr = |a: &super::ClaimAdjustment| a.group == "PR" && a.amount > Decimal::ZERO;
    if claim.paid.is_zero() {
        return if claim.all_adjustments().any(is_pr) { "paid" } else { "denied" };
    }
    let denied_line =
        claim.lines.iter().any(|l| l.paid.is_zero() && !l.charge.is_zero() && !l.adjustments.iter().any(is_pr));
    if denied_line { "partially_paid" } else { "paid" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remit835::{ClaimAdjustment, ServicePayment};

    fn adj(group: &str, reason: &str, amount: i64) -> ClaimAdjustment {
        ClaimAdjustment { group: group.into(), reason: reason.into(), amount: Decimal::from(amount), quantity: None }
    }

    fn line(charge: i64, paid: i64, adjustments: Vec<ClaimAdjustment>) -> ServicePayment {
        ServicePayment { charge: Decimal::from(charge), paid: Decimal::from(paid), adjustments, ..Default::default() }
    }

    fn claim(status: &str, paid: i64, lines: Vec<ServicePayment>) -> ClaimPayment {
        ClaimPayment { status: status.into(), paid: Decimal::from(paid), lines, ..Default::default() }
    }

    #[test]
    fn status_follows_clp02_first() {
        assert_eq!(status_after(&claim("22", -80, vec![])), "reversed");
        assert_eq!(status_after(&claim("19", 80, vec![])), "forwarded");
        assert_eq!(status_after(&claim("4", 0, vec![])), "denied");
    }

    #[test]
    fn a_zero_payment_is_a_denial_only_without_patient_responsibility() {
        assert_eq!(status_after(&claim("1", 0, vec![line(100, 0, vec![adj("CO", "50", 100)])])), "denied");
        assert_eq!(status_after(&claim("1", 0, vec![line(100, 0, vec![adj("PR", "1", 100)])])), "paid");
    }

    #[test]
    fn a_paid_claim_with_a_denied_line_is_partially_paid() {
        let lines = vec![line(100, 80, vec![adj("CO", "45", 20)]), line(50, 0, vec![adj("CO", "97", 50)])];
        assert_eq!(status_after(&claim("1", 80, lines)), "partially_paid");
        let lines = vec![line(100, 80, vec![adj("CO", "45", 20)]), line(50, 0, vec![adj("PR", "2", 50)])];
        assert_eq!(status_after(&claim("1", 80, lines)), "paid");
    }

    #[test]
    fn billed_modifiers_compare_in_order_and_in_full() {
        assert!(modifiers_equal("", &[]));
        assert!(modifiers_equal("25:59", &["25".into(), "59".into()]));
        assert!(!modifiers_equal("25:59", &["59".into(), "25".into()]));
        assert!(!modifiers_equal("25", &["25".into(), "59".into()]));
        assert!(!modifiers_equal("25:59", &["25".into()]));
        assert!(!modifiers_equal("", &["25".into()]));
    }

    #[test]
    fn allowed_is_amt_b6_else_the_charge_less_contractual_adjustments() {
        let mut l = line(100, 70, vec![adj("CO", "45", 20), adj("PR", "1", 10)]);
        assert_eq!(allowed_amount(&l), (Decimal::from(80), "charge-CO"));
        l.allowed = Some(Decimal::from(85));
        assert_eq!(allowed_amount(&l), (Decimal::from(85), "AMT*B6"));
    }

    #[test]
    fn each_billed_line_is_matched_once_by_ref_6r_then_by_details() {
        let billed = |n: u32, lcn: &str, code: &str, charge: i64| remits::BilledLine {
            line_number: n,
            control_number: lcn.into(),
            code: code.into(),
            modifiers: String::new(),
            charge: Decimal::from(charge),
            date: None,
        };
        let lines =
            vec![billed(1, "C101", "99213", 100), billed(2, "C102", "36415", 20), billed(3, "C103", "36415", 20)];
        let mut a = line(20, 20, vec![]);
        a.procedure.code = "36415".into();
        let mut b = a.clone();
        b.line_control_number = Some("C102".into());
        let hits = match_lines(&lines, &[a, b], None);
        assert_eq!(hits, vec![Some((3, "code_date_charge")), Some((2, "line_control_number"))]);
    }
}
