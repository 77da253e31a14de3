//! A payer simulator: given an 837P, writes what a clearinghouse and payer would send back, so the
//! whole cycle (build → acknowledge → remit → report) can be tested and demonstrated without a
//! trading partner.
//!
//! For `batch.837` it writes `batch.999` (every transaction set accepted), `batch.277ca` (every
//! claim accepted with a payer claim number, except a few rejections when the deny rate allows)
//! and `batch.835` (one payment per payer). In the 835 paid lines carry a contractual write-off
//! and patient responsibility, some claims are denied with real reason codes, and one paid claim
//! is reversed and corrected (with 1 % late-payment interest as a PLB L6 item):
//!
//! ```text
//! CLP*CK1A2B3C4D5E6F*1*143*69.78*17.45*MB*26112001010000001*11*1~
//! SVC*HC:99213:25*125*61~ DTM*472*20261102~ CAS*CO*45*48.75~ CAS*PR*2*15.25~ REF*6R*CK1A2B3C4D5E6F01~ AMT*B6*76.25~
//! ```
//!
//! Everything is deterministic for a seed (same seed, same bytes) and balances at the line,
//! claim and transaction level. Amounts are [`Decimal`]; allowed amounts are 60-85 % of charge.

mod extract;

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

pub use extract::{BillingProvider, SubmittedBatch, SubmittedClaim, SubmittedLine, extract_837};

use crate::ack::{
    AckCode, AckEnvelope, AckEnvelopeIds, ClaimAckTransaction, ClaimAckWriter, ClaimStatus, GroupAck, Party,
    ProviderStatus, SetAck, StatusCode, StatusInfo, write_999,
};
use crate::dates::d8;
use crate::x12::{Element, GroupHeader, InterchangeHeader, WriteError, X12Error, X12Writer};

/// Why a simulation failed.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("{file}: {source}")]
    Io { file: PathBuf, source: std::io::Error },
    #[error("{file}: {source}")]
    Read { file: PathBuf, source: X12Error },
    #[error("{file}: no CLM claims found: is it an 837P?")]
    NoClaims { file: PathBuf },
    #[error("{file}: {source}")]
    Write { file: PathBuf, source: WriteError },
}

/// How the simulated payer behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulateOptions {
    pub seed: u64,
    /// Share of claims denied in the 835 (0 to 1); a quarter of that share is rejected up front by
    /// the 277CA and never adjudicated.
    pub deny_rate: Decimal,
    /// Payer name for the 277CA and 835 (default: the 837's `NM1*PR` name).
    pub payer_name: Option<String>,
}

impl Default for SimulateOptions {
    fn default() -> Self {
        SimulateOptions { seed: 1, deny_rate: Decimal::new(1, 1), payer_name: None }
    }
}

/// A deterministic generator (SplitMix64), salted per claim so each claim's fate depends only on
/// the seed and its CLM01, not on its position in the file.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, salt: &str) -> Rng {
        let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for b in salt.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Uniform in [0, 1) with four decimals.
    fn unit(&mut self) -> Decimal {
        Decimal::new(self.below(10_000) as i64, 4)
    }
}

fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// One CAS adjustment: claimkit's one adjustment type.
pub use crate::remit835::ClaimAdjustment as Adjustment;

/// A CAS adjustment the simulated payer makes.
fn cas(group: &str, reason: &str, amount: Decimal) -> Adjustment {
    Adjustment { group: group.into(), reason: reason.into(), amount, quantity: None }
}

/// A service line as paid.
#[derive(Debug, Clone, PartialEq)]
pub struct LinePayment {
    /// Index into the claim's lines.
    pub line: usize,
    pub charge: Decimal,
    pub paid: Decimal,
    pub allowed: Option<Decimal>,
    pub adjustments: Vec<Adjustment>,
    /// RARC sent in LQ*HE.
    pub remark: Option<&'static str>,
}

/// A claim as paid (one CLP).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimPayment {
    /// Index into the batch's claims.
    pub claim: usize,
    /// CLP02: 1 processed as primary, 4 denied, 22 reversal.
    pub status: &'static str,
    pub charge: Decimal,
    pub paid: Decimal,
    pub patient_responsibility: Decimal,
    pub payer_claim_number: String,
    pub lines: Vec<LinePayment>,
}

impl ClaimPayment {
    /// The same claim with every amount negated (CLP02 22).
    fn reversal(&self) -> ClaimPayment {
        let neg = |d: Decimal| -d;
        ClaimPayment {
            status: "22",
            charge: neg(self.charge),
            paid: neg(self.paid),
            patient_responsibility: neg(self.patient_responsibility),
            lines: self
                .lines
                .iter()
                .map(|l| LinePayment {
                    charge: neg(l.charge),
                    paid: neg(l.paid),
                    allowed: l.allowed.map(neg),
                    adjustments: l
                        .adjustments
                        .iter()
                        .map(|a| Adjustment { amount: neg(a.amount), ..a.clone() })
                        .collect(),
                    ..l.clone()
                })
                .collect(),
            ..self.clone()
        }
    }
}

/// What the payer decided for one claim.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Rejected by the 277CA (never adjudicated): category, status, entity.
    Rejected(&'static str, &'static str, Option<&'static str>),
    /// Adjudicated: the CLPs written for it (one, or original + reversal + correction).
    Adjudicated(Vec<ClaimPayment>),
}

/// The simulated answer to one 837.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub batch: SubmittedBatch,
    pub options: SimulateOptions,
    /// One per claim, in the 837's order.
    pub decisions: Vec<Decision>,
    /// Index of the claim reversed and corrected, if any claim was paid.
    pub reversed: Option<usize>,
}

/// Totals of a simulation, for the CLI and tests.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SimulationSummary {
    pub claims: usize,
    pub rejected: Vec<String>,
    pub denied: Vec<String>,
    pub paid: Vec<String>,
    pub reversed: Option<String>,
    /// (payer ID, trace number TRN02, BPR02) per 835 transaction.
    pub payments: Vec<(String, String, Decimal)>,
    pub files: Vec<PathBuf>,
}

/// Claims per 277CA transaction set written by the simulator.
pub const CLAIMS_PER_277: usize = 5_000;

const DENIALS: [(&str, Option<&str>); 4] = [("16", Some("MA130")), ("97", None), ("50", None), ("29", None)];

/// Decides every claim of `batch`.
pub fn simulate(batch: SubmittedBatch, options: SimulateOptions) -> Simulation {
    let reject_rate = options.deny_rate / Decimal::from(4);
    let mut decisions = Vec::with_capacity(batch.claims.len());
    for (i, claim) in batch.claims.iter().enumerate() {
        let mut rng = Rng::new(options.seed, &claim.pcn);
        let number = payer_claim_number(&batch, i, false);
        if rng.unit() < reject_rate {
            let pick = if rng.below(2) == 0 { ("A7", "562", Some("85")) } else { ("A3", "33", None) };
            decisions.push(Decision::Rejected(pick.0, pick.1, pick.2));
            continue;
        }
        let payment = if rng.unit() < options.deny_rate {
            let (reason, remark) = DENIALS[rng.below(DENIALS.len() as u64) as usize];
            deny(i, claim, number, reason, remark)
        } else {
            let pct = 60 + rng.below(26) as i64;
            let plan = PatientShare::pick(&mut rng, &claim.filing_indicator);
            pay(i, claim, number, pct, plan)
        };
        decisions.push(Decision::Adjudicated(vec![payment]));
    }
    // One paid claim is reversed and corrected with a lower allowed amount: picked among the paid
    // claims in PCN order, so the pick does not depend on the order of the claims in the file.
    let mut paid: Vec<usize> = decisions
        .iter()
        .enumerate()
        .filter(|(_, d)| matches!(d, Decision::Adjudicated(p) if p[0].status == "1" && p[0].paid > Decimal::ZERO))
        .map(|(i, _)| i)
        .collect();
    paid.sort_by(|a, b| batch.claims[*a].pcn.cmp(&batch.claims[*b].pcn));
    let reversed = if paid.is_empty() {
        None
    } else {
        let mut rng = Rng::new(options.seed, "reversal");
        Some(paid[rng.below(paid.len() as u64) as usize])
    };
    if let Some(i) = reversed {
        let claim = &batch.claims[i];
        let mut rng = Rng::new(options.seed, &format!("{}#correction", claim.pcn));
        let number = payer_claim_number(&batch, i, true);
        if let Decision::Adjudicated(payments) = &mut decisions[i] {
            let original = payments[0].clone();
            let pct = 55 + rng.below(10) as i64;
            let plan = PatientShare::pick(&mut rng, &claim.filing_indicator);
            payments.push(original.reversal());
            payments.push(pay(i, claim, number, pct, plan));
        }
    }
    Simulation { batch, options, decisions, reversed }
}

/// A payer claim control number unique within the batch (and across batches of other days or
/// interchange numbers): date, ISA13, claim position; a correction gets its own with a `C` suffix.
fn payer_claim_number(batch: &SubmittedBatch, index: usize, correction: bool) -> String {
    let day = batch.date.map(|d| d.format("%y%m%d").to_string()).unwrap_or_else(|| "000000".into());
    let suffix = if correction { "C" } else { "" };
    format!("{day}{:04}{:07}{suffix}", batch.isa13 % 10_000, index + 1)
}

/// How the patient's share is taken on a paid claim.
#[derive(Debug, Clone, Copy)]
enum PatientShare {
    Deductible(Decimal),
    Coinsurance,
    Copay(Decimal),
}

impl PatientShare {
    fn pick(rng: &mut Rng, filing: &str) -> PatientShare {
        let medicare = matches!(filing, "MA" | "MB");
        match rng.below(10) {
            0 | 1 => PatientShare::Deductible(Decimal::from(40 + 10 * rng.below(4) as i64)),
            7..=9 if !medicare => PatientShare::Copay(Decimal::from(20 + 5 * rng.below(3) as i64)),
            _ => PatientShare::Coinsurance,
        }
    }
}

fn pay(index: usize, claim: &SubmittedClaim, number: String, pct: i64, share: PatientShare) -> ClaimPayment {
    let mut left = match share {
        PatientShare::Deductible(d) | PatientShare::Copay(d) => d,
        PatientShare::Coinsurance => Decimal::ZERO,
    };
    let lines: Vec<LinePayment> = claim
        .lines
        .iter()
        .enumerate()
        .map(|(n, line)| {
            let allowed = cents(line.charge * Decimal::from(pct) / Decimal::from(100));
            let mut adjustments = Vec::new();
            if line.charge > allowed {
                adjustments.push(cas("CO", "45", line.charge - allowed));
            }
            let (reason, patient) = match share {
                PatientShare::Coinsurance => ("2", cents(allowed * Decimal::new(2, 1))),
                PatientShare::Deductible(_) => ("1", left.min(allowed)),
                PatientShare::Copay(_) => ("3", left.min(allowed)),
            };
            left -= patient.min(left);
            if patient > Decimal::ZERO {
                adjustments.push(cas("PR", reason, patient));
            }
            LinePayment {
                line: n,
                charge: line.charge,
                paid: allowed - patient,
                allowed: Some(allowed),
                adjustments,
                remark: None,
            }
        })
        .collect();
    claim_payment(index, number, "1", lines)
}

fn deny(
    index: usize,
    claim: &SubmittedClaim,
    number: String,
    reason: &'static str,
    remark: Option<&'static str>,
) -> ClaimPayment {
    // A bundling denial (CO-97) hits only the last line of a claim with several lines.
    let line_only = reason == "97" && claim.lines.len() > 1;
    let last = claim.lines.len().saturating_sub(1);
    let lines: Vec<LinePayment> = claim
        .lines
        .iter()
        .enumerate()
        .map(|(n, line)| {
            if line_only && n != last {
                let allowed = cents(line.charge * Decimal::new(7, 1));
                return LinePayment {
                    line: n,
                    charge: line.charge,
                    paid: allowed,
                    allowed: Some(allowed),
                    adjustments: vec![cas("CO", "45", line.charge - allowed)],
                    remark: None,
                };
            }
            LinePayment {
                line: n,
                charge: line.charge,
                paid: Decimal::ZERO,
                allowed: None,
                adjustments: vec![cas("CO", reason, line.charge)],
                remark,
            }
        })
        .collect();
    claim_payment(index, number, if line_only { "1" } else { "4" }, lines)
}

/// CLP03 is the sum of the lines as adjudicated (an 837 whose CLM02 differs from its lines is
/// the scrubber's business, not the payer simulator's).
fn claim_payment(index: usize, number: String, status: &'static str, lines: Vec<LinePayment>) -> ClaimPayment {
    let charge: Decimal = lines.iter().map(|l| l.charge).sum();
    let paid: Decimal = lines.iter().map(|l| l.paid).sum();
    let patient = lines.iter().flat_map(|l| &l.adjustments).filter(|a| a.group == "PR").map(|a| a.amount).sum();
    ClaimPayment {
        claim: index,
        status,
        charge,
        paid,
        patient_responsibility: patient,
        payer_claim_number: number,
        lines,
    }
}

impl Simulation {
    fn base_date(&self) -> NaiveDate {
        self.batch.date.unwrap_or_else(|| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default())
    }

    fn envelope(&self, days: u64, offset: u64) -> AckEnvelope {
        let b = &self.batch;
        AckEnvelope {
            sender_qualifier: if b.receiver_qualifier.is_empty() { "ZZ".into() } else { b.receiver_qualifier.clone() },
            sender_id: if b.receiver_id.is_empty() { "PAYERSIM".into() } else { b.receiver_id.clone() },
            receiver_qualifier: if b.sender_qualifier.is_empty() { "ZZ".into() } else { b.sender_qualifier.clone() },
            receiver_id: b.sender_id.clone(),
            date: self.base_date() + Days::new(days),
            time: "0800".into(),
            isa13: (b.isa13 + offset) % 1_000_000_000,
            gs06: (b.isa13 + offset) % 1_000_000_000,
            usage: b.usage,
        }
    }

    /// Writes the 999: every transaction set of every functional group of the 837 accepted, one
    /// `ST*999` per group.
    pub fn write_999<W: Write>(&self, out: W) -> Result<W, WriteError> {
        let mut groups: Vec<GroupAck> = Vec::new();
        let mut current = None;
        for s in &self.batch.sets {
            let set = SetAck {
                transaction_id: "837".into(),
                control_number: s.st02.clone(),
                implementation: Some(s.implementation.clone()).filter(|i| !i.is_empty()),
                segment_errors: Vec::new(),
                code: AckCode::Accepted,
                error_codes: Vec::new(),
                position: Default::default(),
            };
            match groups.last_mut().filter(|_| current == Some(s.group)) {
                Some(g) => g.sets.push(set),
                None => groups.push(GroupAck {
                    envelope: AckEnvelopeIds::default(),
                    functional_id: "HC".into(),
                    group_control_number: s.gs06.clone(),
                    version: Some(s.version.clone()).filter(|v| !v.is_empty()),
                    sets: vec![set],
                    code: AckCode::Accepted,
                    sets_included: 0,
                    sets_received: 0,
                    sets_accepted: 0,
                    error_codes: Vec::new(),
                    position: Default::default(),
                }),
            }
            current = Some(s.group);
        }
        for g in &mut groups {
            let n = g.sets.len() as u32;
            (g.sets_included, g.sets_received, g.sets_accepted) = (n, n, n);
        }
        write_999(out, &self.envelope(0, 1), &groups)
    }

    /// Writes the 277CA: each claim accepted (A2:20 with REF*1K) or rejected, in transaction
    /// sets of at most [`CLAIMS_PER_277`] claims so memory stays flat for large batches.
    pub fn write_277ca<W: Write>(&self, out: W) -> Result<W, WriteError> {
        let mut w = ClaimAckWriter::begin(out, &self.envelope(1, 2))?;
        let n = self.batch.claims.len();
        for start in (0..n.max(1)).step_by(CLAIMS_PER_277) {
            w.transaction(&self.claim_ack_transaction(start..(start + CLAIMS_PER_277).min(n)))?;
        }
        w.finish()
    }

    fn claim_ack_transaction(&self, claims: std::ops::Range<usize>) -> ClaimAckTransaction {
        let date = self.base_date() + Days::new(1);
        let stc = |category: &str, status: &str, entity: Option<&str>, action: &str, amount: Decimal| StatusInfo {
            codes: vec![StatusCode {
                category: category.into(),
                status: status.into(),
                entity: entity.map(str::to_string),
            }],
            date: Some(date),
            action: Some(action.into()),
            amount: Some(amount),
            message: None,
        };
        let mut providers: Vec<ProviderStatus> = self
            .batch
            .providers
            .iter()
            .map(|p| ProviderStatus {
                provider: Party {
                    entity: "85".into(),
                    name: p.name.clone(),
                    first_name: String::new(),
                    id_qualifier: "XX".into(),
                    id: p.npi.clone(),
                },
                trace: Some("0".into()),
                statuses: Vec::new(),
                claims: Vec::new(),
            })
            .collect();
        if providers.is_empty() {
            providers.push(ProviderStatus {
                provider: Party::default(),
                trace: None,
                statuses: Vec::new(),
                claims: Vec::new(),
            });
        }
        let (mut accepted, mut rejected) = ((0u64, Decimal::ZERO), (0u64, Decimal::ZERO));
        for (claim, decision) in self.batch.claims[claims.clone()].iter().zip(&self.decisions[claims]) {
            let (status, number) = match decision {
                Decision::Rejected(cat, code, entity) => {
                    rejected = (rejected.0 + 1, rejected.1 + claim.charge);
                    (stc(cat, code, *entity, "U", claim.charge), None)
                }
                Decision::Adjudicated(p) => {
                    accepted = (accepted.0 + 1, accepted.1 + claim.charge);
                    (stc("A2", "20", None, "WQ", claim.charge), Some(p[0].payer_claim_number.clone()))
                }
            };
            let mut patient = claim.patient.clone();
            patient.entity = "QC".into();
            if patient.name.is_empty() {
                patient.name = "UNKNOWN".into();
            }
            // The 277CA names the patient with the member ID the claim was billed under.
            patient.id_qualifier = "MI".into();
            patient.id = claim.subscriber.id.clone();
            let at = claim.provider.min(providers.len() - 1);
            providers[at].claims.push(ClaimStatus {
                pcn: claim.pcn.clone(),
                patient,
                statuses: vec![status],
                payer_claim_number: number,
                clearinghouse_trace: None,
                bill_type: None,
                service_dates: claim.service_dates(),
                lines: Vec::new(),
                position: Default::default(),
            });
        }
        providers.retain(|p| !p.claims.is_empty());
        for p in &mut providers {
            let total = p.claims.iter().filter_map(|c| c.statuses[0].amount).sum();
            // The billing provider level carries no status date (STC02 is Not Used there).
            p.statuses.push(StatusInfo { date: None, ..stc("A1", "19", Some("PR"), "WQ", total) });
        }
        ClaimAckTransaction {
            envelope: AckEnvelopeIds::default(),
            implementation: "005010X214".into(),
            reference: format!("SIM{}", self.batch.gs06),
            date: Some(date),
            payer: Party {
                entity: "PR".into(),
                name: self.payer_name(self.batch.claims.first()),
                first_name: String::new(),
                id_qualifier: "PI".into(),
                id: self.batch.claims.first().map(|c| c.payer_id.clone()).unwrap_or_default(),
            },
            payer_trace: Some(format!("SIM{}", self.batch.isa13)),
            received: Some(self.base_date()),
            processed: Some(date),
            receiver: Party {
                entity: "41".into(),
                name: self.batch.providers.first().map(|p| p.name.clone()).unwrap_or_else(|| "SUBMITTER".into()),
                first_name: String::new(),
                id_qualifier: "46".into(),
                id: self.batch.sender_id.clone(),
            },
            receiver_trace: Some(self.batch.gs06.clone()),
            receiver_statuses: vec![stc("A1", "19", Some("PR"), "WQ", accepted.1 + rejected.1)],
            accepted_quantity: Some(Decimal::from(accepted.0)),
            rejected_quantity: Some(Decimal::from(rejected.0)),
            accepted_amount: Some(accepted.1),
            rejected_amount: Some(rejected.1),
            providers,
            position: Default::default(),
        }
    }

    fn payer_name(&self, claim: Option<&SubmittedClaim>) -> String {
        self.options
            .payer_name
            .clone()
            .or_else(|| claim.map(|c| c.payer_name.clone()).filter(|n| !n.is_empty()))
            .unwrap_or_else(|| "SIMULATED PAYER".into())
    }

    /// Payer IDs in order of first appearance, each with the indexes of its adjudicated claims.
    fn by_payer(&self) -> Vec<(String, Vec<usize>)> {
        let mut out: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, (claim, d)) in self.batch.claims.iter().zip(&self.decisions).enumerate() {
            if matches!(d, Decision::Rejected(..)) {
                continue;
            }
            match out.iter_mut().find(|(p, _)| *p == claim.payer_id) {
                Some((_, v)) => v.push(i),
                None => out.push((claim.payer_id.clone(), vec![i])),
            }
        }
        out
    }

    /// (payer ID, trace, total) of each 835 transaction.
    pub fn payments(&self) -> Vec<(String, String, Decimal)> {
        self.by_payer()
            .into_iter()
            .map(|(payer, claims)| {
                let trace = self.trace_number(&payer);
                let total = self.payment_total(&claims);
                (payer, trace, total)
            })
            .collect()
    }

    /// BPR02: the claims' CLP04 minus the PLB amounts (interest is a negative PLB amount).
    fn payment_total(&self, claims: &[usize]) -> Decimal {
        let paid: Decimal =
            claims.iter().map(|i| self.claim_payments(*i).iter().map(|p| p.paid).sum::<Decimal>()).sum();
        paid + self.interest(claims).map_or(Decimal::ZERO, |(_, amount)| amount)
    }

    /// Late-payment interest (PLB L6) on the corrected claim, when it is among `claims`: 1 % of
    /// its new payment.
    fn interest(&self, claims: &[usize]) -> Option<(&str, Decimal)> {
        let i = self.reversed.filter(|i| claims.contains(i))?;
        let correction = self.claim_payments(i).last()?;
        let amount = cents(correction.paid / Decimal::from(100));
        (amount > Decimal::ZERO).then(|| (self.batch.claims[i].pcn.as_str(), amount))
    }

    fn claim_payments(&self, i: usize) -> &[ClaimPayment] {
        match &self.decisions[i] {
            Decision::Adjudicated(p) => p,
            Decision::Rejected(..) => &[],
        }
    }

    fn trace_number(&self, payer: &str) -> String {
        let mut rng = Rng::new(self.options.seed, &format!("trace:{payer}:{}", self.batch.isa13));
        format!("{:010}", rng.below(10_000_000_000))
    }

    /// Writes the 835: one transaction (one payment) per payer.
    pub fn write_835<W: Write>(&self, out: W) -> Result<W, WriteError> {
        let env = self.envelope(14, 3);
        let paid_on = env.date;
        let mut w = X12Writer::new(out).line_breaks(true);
        w.begin_interchange(&InterchangeHeader::new(
            &env.sender_qualifier,
            &env.sender_id,
            &env.receiver_qualifier,
            &env.receiver_id,
            &paid_on.format("%y%m%d").to_string(),
            &env.time,
            env.isa13,
            env.usage,
        ))?;
        w.begin_group(&GroupHeader::new(
            "HP",
            &env.sender_id,
            &env.receiver_id,
            &paid_on.format("%Y%m%d").to_string(),
            &env.time,
            env.gs06,
            "005010X221A1",
        ))?;
        for (n, (payer, claims)) in self.by_payer().iter().enumerate() {
            let first = claims.first().map(|i| &self.batch.claims[*i]);
            let total = self.payment_total(claims);
            w.begin_transaction("835", &format!("{:04}", n + 1), "")?;
            let date = d8(paid_on);
            let amount = money(total);
            let bpr: [&str; 16] = if total > Decimal::ZERO {
                ["I", &amount, "C", "CHK", "", "", "", "", "", "", "", "", "", "", "", &date]
            } else {
                ["H", "0", "C", "NON", "", "", "", "", "", "", "", "", "", "", "", &date]
            };
            w.segment("BPR", &bpr)?;
            let mut rng = Rng::new(self.options.seed, &format!("payer-tin:{payer}"));
            let payer_tin = format!("1{:09}", rng.below(1_000_000_000));
            w.segment("TRN", &["1", &self.trace_number(payer), &payer_tin])?;
            w.segment("DTM", &["405", &d8(paid_on - Days::new(1))])?;
            w.segment("N1", &["PR", &self.payer_name(first)])?;
            w.segment("N3", &["100 SIMULATED PAYER WAY"])?;
            w.segment("N4", &["SPRINGFIELD", "IL", "627010000"])?;
            if !payer.is_empty() {
                w.segment("REF", &["2U", payer])?;
            }
            w.segment("PER", &["BL", "PROVIDER SERVICES", "TE", "8005550100"])?;
            let provider = first.and_then(|c| self.batch.providers.get(c.provider)).cloned().unwrap_or_default();
            w.segment("N1", &["PE", &provider.name, "XX", &provider.npi])?;
            if !provider.address.is_empty() {
                w.segment("N3", &[&provider.address])?;
                w.segment("N4", &[&provider.city, &provider.state, &provider.zip])?;
            }
            if !provider.tin.is_empty() {
                w.segment("REF", &["TJ", &provider.tin])?;
            }
            w.segment("LX", &["1"])?;
            for i in claims {
                for p in self.claim_payments(*i) {
                    self.write_clp(&mut w, p)?;
                }
            }
            if let Some((pcn, interest)) = self.interest(claims) {
                let fiscal_year_end = format!("{}1231", paid_on.format("%Y"));
                w.segment_elements(
                    "PLB",
                    &[
                        provider.npi.as_str().into(),
                        Element::Owned(fiscal_year_end),
                        Element::Composite(vec!["L6", pcn]),
                        Element::Owned(money(-interest)),
                    ],
                )?;
            }
            w.end_transaction()?;
        }
        w.end_group()?;
        w.end_interchange()
    }

    fn write_clp<W: Write>(&self, w: &mut X12Writer<W>, p: &ClaimPayment) -> Result<(), WriteError> {
        let claim = &self.batch.claims[p.claim];
        let filing = match claim.filing_indicator.as_str() {
            f @ ("12" | "13" | "14" | "15" | "16" | "17" | "AM" | "CH" | "DS" | "HM" | "LM" | "MA" | "MB" | "MC"
            | "OF" | "TV" | "VA" | "WC") => f,
            "CI" | "BL" => "12",
            _ => "ZZ",
        };
        let pos = if claim.place_of_service.is_empty() { "11" } else { &claim.place_of_service };
        w.segment(
            "CLP",
            &[
                &claim.pcn,
                p.status,
                &money(p.charge),
                &money(p.paid),
                &money(p.patient_responsibility),
                filing,
                &p.payer_claim_number,
                pos,
                "1",
            ],
        )?;
        let patient = &claim.patient;
        if claim.patient_is_subscriber {
            w.segment("NM1", &["QC", "1", &patient.name, &patient.first_name, "", "", "", "MI", &patient.id])?;
        } else {
            w.segment("NM1", &["QC", "1", &patient.name, &patient.first_name])?;
            let s = &claim.subscriber;
            w.segment("NM1", &["IL", "1", &s.name, &s.first_name, "", "", "", "MI", &s.id])?;
        }
        w.segment("DTM", &["050", &d8(self.base_date() + Days::new(1))])?;
        for l in &p.lines {
            let Some(line) = claim.lines.get(l.line) else { continue };
            let mut svc01: Vec<&str> = vec!["HC", &line.procedure_code];
            svc01.extend(line.modifiers.iter().map(String::as_str));
            let units = if line.units == Decimal::ONE || line.units.is_zero() {
                String::new()
            } else {
                line.units.normalize().to_string()
            };
            w.segment_elements(
                "SVC",
                &[
                    Element::Composite(svc01),
                    Element::Owned(money(l.charge)),
                    Element::Owned(money(l.paid)),
                    "".into(),
                    Element::Owned(units),
                ],
            )?;
            if let Some(d) = line.date {
                w.segment("DTM", &["472", &d8(d)])?;
            }
            for group in ["CO", "PR", "OA", "PI", "CR"] {
                let items: Vec<&Adjustment> = l.adjustments.iter().filter(|a| a.group == group).collect();
                if items.is_empty() {
                    continue;
                }
                let amounts: Vec<String> = items.iter().map(|a| money(a.amount)).collect();
                let mut elements: Vec<&str> = vec![group];
                for (a, amount) in items.iter().zip(&amounts) {
                    if elements.len() > 1 {
                        elements.push("");
                    }
                    elements.push(&a.reason);
                    elements.push(amount);
                }
                w.segment("CAS", &elements)?;
            }
            if let Some(lcn) = &line.line_control_number {
                w.segment("REF", &["6R", lcn])?;
            }
            if let Some(allowed) = l.allowed {
                w.segment("AMT", &["B6", &money(allowed)])?;
            }
            if let Some(remark) = l.remark {
                w.segment("LQ", &["HE", remark])?;
            }
        }
        Ok(())
    }

    /// The totals of this simulation.
    pub fn summary(&self) -> SimulationSummary {
        let mut s = SimulationSummary { claims: self.batch.claims.len(), ..Default::default() };
        for (claim, d) in self.batch.claims.iter().zip(&self.decisions) {
            match d {
                Decision::Rejected(..) => s.rejected.push(claim.pcn.clone()),
                Decision::Adjudicated(p) if p[0].status == "4" => s.denied.push(claim.pcn.clone()),
                Decision::Adjudicated(_) => s.paid.push(claim.pcn.clone()),
            }
        }
        s.reversed = self.reversed.map(|i| self.batch.claims[i].pcn.clone());
        s.payments = self.payments();
        s
    }
}

fn money(d: Decimal) -> String {
    crate::ack::money_text(d)
}

/// Reads `from` (an 837P) and writes `<stem>.999`, `<stem>.277ca` and `<stem>.835` into `out_dir`.
pub fn simulate_files(
    from: &Path,
    out_dir: &Path,
    options: SimulateOptions,
) -> Result<SimulationSummary, SimulateError> {
    let io = |file: &Path| {
        let file = file.to_path_buf();
        move |source| SimulateError::Io { file, source }
    };
    let input = crate::files::open_input(from).map_err(io(from))?;
    let batch = extract_837(BufReader::with_capacity(1 << 18, input) as BufReader<File>)
        .map_err(|source| SimulateError::Read { file: from.into(), source })?;
    if batch.claims.is_empty() {
        return Err(SimulateError::NoClaims { file: from.into() });
    }
    let sim = simulate(batch, options);
    std::fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    let stem = from.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "batch".into());
    let mut summary = sim.summary();
    type Writer = fn(&Simulation, BufWriter<File>) -> Result<BufWriter<File>, WriteError>;
    let outputs: [(&str, Writer); 3] =
        [("999", |s, w| s.write_999(w)), ("277ca", |s, w| s.write_277ca(w)), ("835", |s, w| s.write_835(w))];
    for (ext, write) in outputs {
        let path = out_dir.join(format!("{stem}.{ext}"));
        let file = crate::files::replace_private(&path).map_err(io(&path))?;
        let mut w =
            write(&sim, BufWriter::new(file)).map_err(|source| SimulateError::Write { file: path.clone(), source })?;
        w.flush().map_err(io(&path))?;
        summary.files.push(path);
    }
    Ok(summary)
}

/// Simulates from any reader (for tests and library users).
pub fn simulate_reader<R: Read>(input: R, options: SimulateOptions) -> Result<Simulation, X12Error> {
    Ok(simulate(extract_837(input)?, options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(pcn: &str, charges: &[i64]) -> SubmittedClaim {
        SubmittedClaim {
            pcn: pcn.into(),
            charge: charges.iter().map(|c| Decimal::from(*c)).sum(),
            place_of_service: "11".into(),
            frequency: "1".into(),
            filing_indicator: "CI".into(),
            payer_name: "PAYER".into(),
            payer_id: "P1".into(),
            subscriber: Party::default(),
            patient: Party::default(),
            patient_is_subscriber: true,
            provider: 0,
            lines: charges
                .iter()
                .map(|c| SubmittedLine {
                    procedure_code: "99213".into(),
                    modifiers: Vec::new(),
                    charge: Decimal::from(*c),
                    units: Decimal::ONE,
                    date: None,
                    line_control_number: None,
                })
                .collect(),
            st02: "0001".into(),
        }
    }

    #[test]
    fn a_deductible_is_taken_line_by_line_until_used_up() {
        let p = pay(0, &claim("A", &[125, 18]), "N".into(), 80, PatientShare::Deductible(Decimal::from(110)));
        let amounts: Vec<_> = p.lines.iter().map(|l| (l.allowed, l.paid)).collect();
        assert_eq!(
            amounts,
            [(Some(Decimal::from(100)), Decimal::ZERO), (Some(Decimal::new(1440, 2)), Decimal::new(440, 2))]
        );
        assert_eq!(p.patient_responsibility, Decimal::from(110));
        assert_eq!(p.lines[1].adjustments[1], cas("PR", "1", Decimal::from(10)));
        assert_eq!(p.paid, Decimal::new(440, 2));
    }

    #[test]
    fn a_reversal_negates_every_amount_and_keeps_the_payer_claim_number() {
        let p = pay(0, &claim("A", &[125]), "N1".into(), 70, PatientShare::Coinsurance);
        let r = p.reversal();
        assert_eq!(r.status, "22");
        assert_eq!((r.charge, r.paid, r.patient_responsibility), (-p.charge, -p.paid, -p.patient_responsibility));
        assert_eq!(r.payer_claim_number, "N1");
        assert_eq!(r.lines[0].adjustments[0].amount, -p.lines[0].adjustments[0].amount);
    }

    #[test]
    fn a_bundling_denial_hits_only_the_last_line_of_a_multi_line_claim() {
        let p = deny(0, &claim("A", &[100, 50]), "N".into(), "97", None);
        assert_eq!(p.status, "1");
        assert_eq!(p.lines[0].paid, Decimal::from(70));
        assert_eq!(p.lines[1].paid, Decimal::ZERO);
        assert_eq!(p.lines[1].adjustments[0].reason, "97");
        let whole = deny(0, &claim("B", &[100]), "N".into(), "97", None);
        assert_eq!(whole.status, "4");
    }

    #[test]
    fn each_claims_fate_depends_on_the_seed_and_its_clm01_not_its_position() {
        let claims: Vec<_> = (0..30).map(|i| claim(&format!("C{i}"), &[100, 20])).collect();
        let options = SimulateOptions { seed: 9, deny_rate: Decimal::new(5, 1), payer_name: None };
        let forward = simulate(SubmittedBatch { claims: claims.clone(), ..Default::default() }, options.clone());
        let mut reversed_order = claims;
        reversed_order.reverse();
        let backward = simulate(SubmittedBatch { claims: reversed_order, ..Default::default() }, options);
        let first = |d: &Decision| match d {
            Decision::Rejected(c, s, _) => format!("{c}:{s}"),
            Decision::Adjudicated(p) => format!("{} {}", p[0].status, p[0].paid),
        };
        for (i, d) in forward.decisions.iter().enumerate() {
            assert_eq!(first(d), first(&backward.decisions[29 - i]), "claim C{i}");
        }
        let reversed = |s: &Simulation| s.reversed.map(|i| s.batch.claims[i].pcn.clone());
        assert!(reversed(&forward).is_some());
        assert_eq!(reversed(&forward), reversed(&backward), "the same claim is reversed whatever the order");
    }
}
