//! Accounts receivable: how money moves on a claim (see `docs/ar.md`).
//!
//! A/R is kept as transactions, never as balances typed into rows. Every money event on a service
//! line or claim is one [`Entry`]: a charge, an insurance payment, a contractual adjustment, a
//! transfer of responsibility to the next coverage or the patient, a denial, a write-off, a
//! patient payment, a refund, a reversal (the exact negatives of the payment it takes back) or a
//! provider-level item tied to a claim. What each responsible party owes is the sum of its
//! entries, so for every line, claim, party and the whole ledger:
//!
//! ```text
//! charges - payments - adjustments = insurance A/R + patient A/R - credits
//! ```
//!
//! This module holds the rules; [`crate::ledger::ar`] stores and sums the entries. The worked
//! example of the model: 99213 charged 110.00, Medicare primary, Medicaid secondary.
//!
//! ```text
//! charge                      Medicare  +110.00
//! Medicare 835: paid 88.00    Medicare   -88.00   (payment)
//!               CO-45 11.00   Medicare   -11.00   (contractual)
//!               PR-2  11.00   Medicare   -11.00 / Medicaid +11.00   (transfer: crossover)
//! Medicaid 835: paid 11.00    Medicaid   -11.00   (payment)
//!               CO-23 99.00   nothing: the prior payer's impact, settled already
//! ```

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::money;
use crate::remit835::{ClaimAdjustment, ClaimPayment};

/// What kind of money event an entry is. Its sign rule: see [`Entry::cents`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKind {
    /// A billed line: opens what the first responsible coverage owes.
    Charge,
    /// An insurance payment (835 SVC03 / CLP04).
    Payment,
    /// A contractual adjustment (CAS CO-45, CO-253, OA...): nobody owes it.
    Contractual,
    /// Responsibility moved from one party to the next (PR to the secondary or the patient).
    Transfer,
    /// A denial: no money moves, the amount stays owed by the payer in the denied state.
    Denial,
    /// A write-off by the practice (`claimkit adjust`), insurance or patient side.
    Writeoff,
    PatientPayment,
    /// A patient credit paid back.
    Refund,
    /// A PLB item whose reference names a claim (WO, FB, 72...): payer money taken or given.
    ProviderLevel,
    /// Interest the payer paid (PLB L6): income, not A/R.
    Interest,
}

impl EntryKind {
    pub const ALL: [EntryKind; 10] = [
        EntryKind::Charge,
        EntryKind::Payment,
        EntryKind::Contractual,
        EntryKind::Transfer,
        EntryKind::Denial,
        EntryKind::Writeoff,
        EntryKind::PatientPayment,
        EntryKind::Refund,
        EntryKind::ProviderLevel,
        EntryKind::Interest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Charge => "charge",
            EntryKind::Payment => "payment",
            EntryKind::Contractual => "contractual",
            EntryKind::Transfer => "transfer",
            EntryKind::Denial => "denial",
            EntryKind::Writeoff => "writeoff",
            EntryKind::PatientPayment => "patient_payment",
            EntryKind::Refund => "refund",
            EntryKind::ProviderLevel => "provider_level",
            EntryKind::Interest => "interest",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Where the entry counts in `charges - payments - adjustments`.
    pub fn column(self) -> Column {
        match self {
            EntryKind::Charge => Column::Charges,
            EntryKind::Payment | EntryKind::PatientPayment | EntryKind::Refund | EntryKind::ProviderLevel => {
                Column::Payments
            }
            EntryKind::Contractual | EntryKind::Writeoff => Column::Adjustments,
            EntryKind::Transfer | EntryKind::Denial | EntryKind::Interest => Column::None,
        }
    }
}

/// The three columns of the balance identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Charges,
    Payments,
    Adjustments,
    /// Transfers (they net to zero), denials and interest (they move nothing).
    None,
}

/// Who owes an amount.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    Payer(String),
    Patient,
}

impl Party {
    pub fn payer_id(&self) -> Option<&str> {
        match self {
            Party::Payer(id) => Some(id),
            Party::Patient => None,
        }
    }
}

/// One A/R transaction, as the rules produce it (the ledger adds the claim, encounter, source and
/// dates). `cents` is the change in what `party` owes: + a charge, a transfer in, a refund, a
/// payment taken back; - a payment, an adjustment, a transfer out. Denials and interest have
/// `cents == 0` and the amount in `noted_cents`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The service line (LX), `None` for claim level.
    pub line: Option<u32>,
    pub kind: EntryKind,
    pub party: Party,
    pub cents: i64,
    pub noted_cents: i64,
    /// CAS group code, when from an 835 adjustment.
    pub group: Option<String>,
    /// CARC, PLB reason or write-off reason.
    pub reason: Option<String>,
}

impl Entry {
    fn new(line: Option<u32>, kind: EntryKind, party: Party, cents: i64) -> Self {
        Entry { line, kind, party, cents, noted_cents: 0, group: None, reason: None }
    }

    fn with_code(mut self, adjustment: &ClaimAdjustment) -> Self {
        self.group = Some(adjustment.group.clone());
        self.reason = Some(adjustment.reason.clone());
        self
    }

    /// The exact negative of this entry (a reversal takes it back).
    pub fn negated(&self) -> Entry {
        Entry { cents: -self.cents, noted_cents: -self.noted_cents, ..self.clone() }
    }
}

/// Claim adjustment reason codes that deny a line when it is paid nothing (CO/OA/PI groups): the
/// payer decided not to pay, and the amount stays owed by it (denied) until it is corrected,
/// appealed or written off. Contractual reductions (45, 253, 59, 94...) and patient shares (1, 2,
/// 3) are not denials.
pub const DENIAL_REASONS: &[&str] = &[
    "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "18", "19", "20", "21", "22", "24", "26",
    "27", "29", "31", "32", "33", "34", "35", "39", "40", "49", "50", "51", "53", "54", "55", "56", "58", "60", "96",
    "97", "107", "109", "110", "111", "114", "115", "116", "119", "129", "131", "135", "136", "140", "146", "149",
    "150", "151", "155", "160", "163", "164", "166", "167", "170", "171", "172", "181", "182", "183", "184", "185",
    "186", "187", "188", "189", "190", "193", "197", "198", "199", "200", "204", "206", "207", "208", "213", "215",
    "216", "219", "222", "226", "227", "228", "229", "231", "234", "236", "237", "238", "239", "240", "241", "242",
    "246", "247", "248", "249", "250", "251", "252", "254", "256", "257", "258", "259", "260", "261", "262", "263",
    "264", "265", "266", "267", "268", "269", "270", "271", "272", "273", "274", "275", "276", "277", "278", "279",
    "280", "281", "282", "283", "284", "285", "286", "287", "288", "289", "290", "291", "292", "293", "294", "295",
    "296", "297", "298", "299", "300", "301", "302", "303", "304", "305", "A1", "B1", "B4", "B5", "B7", "B8", "B9",
    "B11", "B12", "B13", "B14", "B15", "B16", "B20", "B22", "B23", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8",
    "P9", "P10", "P11", "P12", "P13", "P14", "P15", "P16", "P17", "P18", "P19", "P20", "P21", "P22", "P23",
];

/// True when CARC `reason` is a denial reason (see [`DENIAL_REASONS`]).
pub fn is_denial_reason(reason: &str) -> bool {
    DENIAL_REASONS.contains(&reason)
}

/// CARC 23: "the impact of prior payer(s) adjudication": on a secondary claim, what the primary
/// already settled; it reduces nothing a second time.
pub const PRIOR_PAYER_IMPACT: &str = "23";

/// A claim payment's place in the encounter's coverages: who is adjudicating, and who owes the
/// patient's share next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjudicating {
    pub payer_id: String,
    /// The claim is the primary's (P): its adjustments are the whole story. Later payers adjudicate
    /// what the earlier ones left, and reduce only what they owe.
    pub primary: bool,
    /// The next coverage's payer, or `None` when the patient is next.
    pub next_payer: Option<String>,
}

/// An amount of the 835 that is not whole cents: a finding, never rounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubCentAmount {
    /// The SVC ordinal (1-based), `None` at claim level.
    pub line_ordinal: Option<u32>,
    pub amount: Decimal,
}

/// The A/R entries of one claim payment (a CLP that is not a reversal): `lines[i]` is the billed
/// line the i-th SVC was matched to (`None`: claim level). `owed_before` is what the adjudicating
/// payer owed per line (`None` key: the whole claim) before this payment, used on non-primary
/// claims only.
///
/// - paid: a payment by the payer;
/// - PR: a transfer from the payer to the next payer, or to the patient when none is left (a
///   forwarded claim, CLP02 19-21, with no next coverage known keeps it with the payer: no patient
///   balance until the payer it was forwarded to answers);
/// - CO/OA/PI/CR with a denial reason on a line paid nothing, or any of them on a denied claim
///   (CLP02 4): a denial (nothing moves);
/// - CARC 23 on a non-primary claim: nothing (the prior payer's impact);
/// - anything else: a contractual adjustment; on a non-primary claim only up to what the payer
///   still owes on the line (the rest was settled by an earlier payer).
pub fn claim_payment_entries(
    claim: &ClaimPayment,
    who: &Adjudicating,
    lines: &[Option<u32>],
    owed_before: &HashMap<Option<u32>, i64>,
) -> Result<Vec<Entry>, SubCentAmount> {
    let payer = Party::Payer(who.payer_id.clone());
    let forwarded = matches!(claim.status.as_str(), "19" | "20" | "21");
    let next = match &who.next_payer {
        Some(id) => Some(Party::Payer(id.clone())),
        None if forwarded => None,
        None => Some(Party::Patient),
    };
    let denied_claim = claim.status == "4";
    let cents = |amount: Decimal, ordinal: Option<u32>| {
        money::to_cents(amount).ok_or(SubCentAmount { line_ordinal: ordinal, amount })
    };
    let mut out = Vec::new();
    // What the payer still owes per line as this payment's entries are made (non-primary claims).
    let mut owed: HashMap<Option<u32>, i64> = owed_before.clone();
    let mut apply = |out: &mut Vec<Entry>,
                     line: Option<u32>,
                     ordinal: Option<u32>,
                     paid: Option<Decimal>,
                     paid_nothing: bool,
                     adjustments: &[ClaimAdjustment]|
     -> Result<(), SubCentAmount> {
        if let Some(paid) = paid {
            let paid = cents(paid, ordinal)?;
            if paid != 0 {
                out.push(Entry::new(line, EntryKind::Payment, payer.clone(), -paid));
                *owed.entry(line).or_default() -= paid;
            }
        }
        for adjustment in adjustments {
            let amount = cents(adjustment.amount, ordinal)?;
            if amount == 0 {
                continue;
            }
            if adjustment.group == "PR" {
                if let Some(next) = &next {
                    out.push(Entry::new(line, EntryKind::Transfer, payer.clone(), -amount).with_code(adjustment));
                    out.push(Entry::new(line, EntryKind::Transfer, next.clone(), amount).with_code(adjustment));
                    *owed.entry(line).or_default() -= amount;
                }
                continue;
            }
            if !who.primary && adjustment.reason == PRIOR_PAYER_IMPACT {
                continue;
            }
            if denied_claim || (paid_nothing && is_denial_reason(&adjustment.reason)) {
                let mut denial = Entry::new(line, EntryKind::Denial, payer.clone(), 0).with_code(adjustment);
                denial.noted_cents = amount;
                out.push(denial);
                continue;
            }
            let counted = if who.primary || amount < 0 {
                amount
            } else {
                amount.min(owed.get(&line).copied().unwrap_or(0).max(0))
            };
            if counted != 0 {
                out.push(Entry::new(line, EntryKind::Contractual, payer.clone(), -counted).with_code(adjustment));
                *owed.entry(line).or_default() -= counted;
            }
        }
        Ok(())
    };
    // Claim-level amounts: the CLP04 not explained by its lines is paid at claim level.
    let lines_paid: Decimal = claim.lines.iter().map(|l| l.paid).sum();
    let claim_paid = claim.paid - lines_paid;
    let claim_paid = if claim.lines.is_empty() || !claim_paid.is_zero() { Some(claim_paid) } else { None };
    apply(&mut out, None, None, claim_paid, claim.paid.is_zero(), &claim.adjustments)?;
    for (i, svc) in claim.lines.iter().enumerate() {
        let line = lines.get(i).copied().flatten();
        apply(&mut out, line, Some(i as u32 + 1), Some(svc.paid), svc.paid.is_zero(), &svc.adjustments)?;
    }
    Ok(out)
}

/// The entry of a PLB item whose reference names a claim of payer `payer_id`: a positive PLB amount
/// is money the payer withheld from this payment (what is owed on the claim goes up, e.g. WO, 72);
/// a negative one money it paid ahead (FB: a credit owed back to the payer until recovered).
/// Interest (L6) moves no A/R: it is noted.
pub fn provider_level_entry(payer_id: &str, reason: &str, amount: Decimal) -> Option<Entry> {
    let cents = money::to_cents(amount)?;
    let party = Party::Payer(payer_id.to_string());
    let mut entry = if reason == "L6" {
        let mut e = Entry::new(None, EntryKind::Interest, party, 0);
        e.noted_cents = -cents;
        e
    } else {
        Entry::new(None, EntryKind::ProviderLevel, party, cents)
    };
    entry.reason = Some(reason.to_string());
    Some(entry)
}

/// Why the practice writes an amount off (`claimkit adjust --reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOffReason {
    TimelyFiling,
    SmallBalance,
    Hardship,
    BadDebt,
    Courtesy,
    Other,
}

impl WriteOffReason {
    pub const ALL: [WriteOffReason; 6] = [
        WriteOffReason::TimelyFiling,
        WriteOffReason::SmallBalance,
        WriteOffReason::Hardship,
        WriteOffReason::BadDebt,
        WriteOffReason::Courtesy,
        WriteOffReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WriteOffReason::TimelyFiling => "timely_filing",
            WriteOffReason::SmallBalance => "small_balance",
            WriteOffReason::Hardship => "hardship",
            WriteOffReason::BadDebt => "bad_debt",
            WriteOffReason::Courtesy => "courtesy",
            WriteOffReason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<WriteOffReason> {
        let s = s.replace('-', "_");
        WriteOffReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The balances of one scope (a line, a claim, a payer, the ledger), all in cents. The identity
/// `charges - payments - adjustments == insurance_ar + patient_ar - credits` holds by construction
/// when the parts are summed from the same entries ([`Balances::add`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Balances {
    pub charges: i64,
    pub payments: i64,
    pub adjustments: i64,
    pub insurance_ar: i64,
    pub patient_ar: i64,
    pub credits: i64,
}

impl Balances {
    /// Adds one entry's column sums (`charges`, `payments`, `adjustments`).
    pub fn add_entry(&mut self, kind: EntryKind, cents: i64) {
        match kind.column() {
            Column::Charges => self.charges += cents,
            Column::Payments => self.payments -= cents,
            Column::Adjustments => self.adjustments -= cents,
            Column::None => {}
        }
    }

    /// Adds one account's net balance (what one party owes on one account): a positive balance is
    /// A/R of that party, a negative one a credit.
    pub fn add_account(&mut self, party_is_patient: bool, net: i64) {
        match (party_is_patient, net >= 0) {
            (false, true) => self.insurance_ar += net,
            (true, true) => self.patient_ar += net,
            (_, false) => self.credits -= net,
        }
    }

    /// `charges - payments - adjustments - (insurance_ar + patient_ar - credits)`: zero when the
    /// balances agree.
    pub fn discrepancy(&self) -> i64 {
        self.charges - self.payments - self.adjustments - (self.insurance_ar + self.patient_ar - self.credits)
    }

    pub fn add(&mut self, other: &Balances) {
        self.charges += other.charges;
        self.payments += other.payments;
        self.adjustments += other.adjustments;
        self.insurance_ar += other.insurance_ar;
        self.patient_ar += other.patient_ar;
        self.credits += other.credits;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remit835::ServicePayment;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn cas(group: &str, reason: &str, amount: &str) -> ClaimAdjustment {
        ClaimAdjustment { group: group.into(), reason: reason.into(), amount: d(amount), quantity: None }
    }

    fn clp(status: &str, charge: &str, paid: &str, line_adjustments: Vec<ClaimAdjustment>) -> ClaimPayment {
        ClaimPayment {
            pcn: "C1".into(),
            status: status.into(),
            charge: d(charge),
            paid: d(paid),
            lines: vec![ServicePayment {
                charge: d(charge),
                paid: d(paid),
                adjustments: line_adjustments,
                ..ServicePayment::default()
            }],
            ..ClaimPayment::default()
        }
    }

    fn sum_for(entries: &[Entry], party: &Party) -> i64 {
        entries.iter().filter(|e| &e.party == party).map(|e| e.cents).sum()
    }

    fn medicare_then_medicaid() -> (Adjudicating, Adjudicating) {
        (
            Adjudicating { payer_id: "MCR".into(), primary: true, next_payer: Some("MCD".into()) },
            Adjudicating { payer_id: "MCD".into(), primary: false, next_payer: None },
        )
    }

    #[test]
    fn the_worked_example_crosses_the_patient_share_over_to_the_secondary() {
        let (medicare, medicaid) = medicare_then_medicaid();
        let primary = clp("1", "110", "88", vec![cas("CO", "45", "11"), cas("PR", "2", "11")]);
        let first = claim_payment_entries(&primary, &medicare, &[Some(1)], &HashMap::new()).unwrap();
        let mcr = Party::Payer("MCR".into());
        let mcd = Party::Payer("MCD".into());
        // Medicare owed 110.00 from the charge.
        assert_eq!(11000 + sum_for(&first, &mcr), 0);
        assert_eq!(sum_for(&first, &mcd), 1100);
        assert_eq!(sum_for(&first, &Party::Patient), 0);
        let secondary = clp("2", "110", "11", vec![cas("CO", "23", "99")]);
        let owed = HashMap::from([(Some(1), 1100)]);
        let second = claim_payment_entries(&secondary, &medicaid, &[Some(1)], &owed).unwrap();
        assert_eq!(second, vec![Entry::new(Some(1), EntryKind::Payment, mcd.clone(), -1100)]);
    }

    #[test]
    fn a_denial_with_a_non_covered_patient_share_is_the_patient_s() {
        let commercial = Adjudicating { payer_id: "COM".into(), primary: true, next_payer: None };
        let denied = clp("4", "110", "0", vec![cas("PR", "96", "110")]);
        let entries = claim_payment_entries(&denied, &commercial, &[Some(1)], &HashMap::new()).unwrap();
        assert_eq!(sum_for(&entries, &Party::Patient), 11000);
        assert_eq!(sum_for(&entries, &Party::Payer("COM".into())), -11000);
    }

    #[test]
    fn a_contractual_denial_stays_owed_by_the_payer() {
        let commercial = Adjudicating { payer_id: "COM".into(), primary: true, next_payer: None };
        let denied = clp("4", "110", "0", vec![cas("CO", "16", "110")]);
        let entries = claim_payment_entries(&denied, &commercial, &[Some(1)], &HashMap::new()).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!((entries[0].kind, entries[0].cents, entries[0].noted_cents), (EntryKind::Denial, 0, 11000));
    }

    #[test]
    fn a_line_paid_nothing_for_the_deductible_is_no_denial() {
        let commercial = Adjudicating { payer_id: "COM".into(), primary: true, next_payer: None };
        let deductible = clp("1", "110", "0", vec![cas("CO", "45", "20"), cas("PR", "1", "90")]);
        let entries = claim_payment_entries(&deductible, &commercial, &[Some(1)], &HashMap::new()).unwrap();
        assert!(entries.iter().all(|e| e.kind != EntryKind::Denial), "{entries:?}");
        assert_eq!(sum_for(&entries, &Party::Patient), 9000);
    }

    #[test]
    fn a_forwarded_claim_without_a_next_coverage_leaves_no_patient_balance() {
        let medicare = Adjudicating { payer_id: "MCR".into(), primary: true, next_payer: None };
        let forwarded = clp("19", "110", "88", vec![cas("CO", "45", "11"), cas("PR", "2", "11")]);
        let entries = claim_payment_entries(&forwarded, &medicare, &[Some(1)], &HashMap::new()).unwrap();
        assert_eq!(sum_for(&entries, &Party::Patient), 0);
        assert_eq!(sum_for(&entries, &Party::Payer("MCR".into())), -9900);
    }

    #[test]
    fn a_sub_cent_amount_is_refused_not_rounded() {
        let commercial = Adjudicating { payer_id: "COM".into(), primary: true, next_payer: None };
        let odd = clp("1", "132.005", "132.005", vec![]);
        let err = claim_payment_entries(&odd, &commercial, &[Some(1)], &HashMap::new()).unwrap_err();
        assert_eq!(err.amount, d("132.005"));
    }

    #[test]
    fn a_secondary_reduces_only_what_it_owes() {
        let (_, medicaid) = medicare_then_medicaid();
        // Medicaid owes 11.00; it pays 5.00 and reports its own CO-45 of 60.00 on the full charge.
        let secondary = clp("2", "110", "5", vec![cas("CO", "45", "60")]);
        let owed = HashMap::from([(Some(1), 1100)]);
        let entries = claim_payment_entries(&secondary, &medicaid, &[Some(1)], &owed).unwrap();
        assert_eq!(sum_for(&entries, &Party::Payer("MCD".into())), -1100);
    }

    #[test]
    fn balances_put_negative_accounts_in_credits_and_agree() {
        let mut b = Balances::default();
        b.add_entry(EntryKind::Charge, 11000);
        b.add_entry(EntryKind::Payment, -8800);
        b.add_entry(EntryKind::Contractual, -1100);
        b.add_entry(EntryKind::PatientPayment, -1500);
        b.add_account(false, 0);
        b.add_account(true, -400);
        assert_eq!((b.charges, b.payments, b.adjustments, b.credits), (11000, 10300, 1100, 400));
        assert_eq!(b.discrepancy(), 0);
    }
}
