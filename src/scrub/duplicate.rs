//! Duplicate claims: the same services for the same patient and payer, already billed from
//! another encounter (an EMR that exported a visit twice under two IDs). The payer denies the
//! second one (CARC 18) and may flag the practice.
//!
//! Two claims are the same when payer, patient, and every line's date of service, procedure code,
//! modifiers (in any order), units and rendering NPI agree:
//!
//! ```text
//! MCRB1|P77|2026-11-02,36415,,1,1234567893|2026-11-02,99213,25,1,1234567893
//! ```

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Findings, RuleInfo, ScrubContext, Severity};
use crate::encounter::{ClaimFrequency, Encounter};

pub const DUPLICATE_CLAIM: RuleInfo = RuleInfo {
    id: "DUPLICATE-CLAIM",
    severity: Severity::Error,
    snip_level: 7,
    description: "same payer+patient+DOS+codes+modifiers+units+rendering NPI already billed (different encounter)",
};
pub const DUPLICATE_IN_BATCH: RuleInfo = RuleInfo {
    id: "DUPLICATE-IN-BATCH",
    severity: Severity::Error,
    snip_level: 7,
    description: "same services as another encounter scrubbed in the same run (an import or batch): the second is held",
};

/// Fingerprints of the encounters scrubbed so far in one run, for DUPLICATE-IN-BATCH: a 64-bit
/// hash of the fingerprint (a few bytes an encounter, however long its lines) -> encounter ID.
#[derive(Debug, Default)]
pub struct SeenInRun {
    by_hash: HashMap<u64, Box<str>>,
}

impl SeenInRun {
    /// Records `encounter_id` under `fingerprint`; the encounter first seen with it, when another.
    fn first_with(&mut self, fingerprint: &ClaimFingerprint, encounter_id: &str) -> Option<&str> {
        use std::hash::{Hash, Hasher};
        // SipHash with fixed keys: the same fingerprint always gives the same hash.
        let mut h = std::hash::DefaultHasher::new();
        fingerprint.hash(&mut h);
        let first = self.by_hash.entry(h.finish()).or_insert_with(|| encounter_id.into());
        (&**first != encounter_id).then_some(&**first)
    }
}

/// One billed line, as the fingerprint sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerprintLine<'a> {
    pub date_of_service: NaiveDate,
    pub procedure_code: &'a str,
    pub modifiers: Vec<&'a str>,
    pub units: Decimal,
    pub rendering_npi: Option<&'a str>,
}

/// What makes two claims the same claim, as one canonical string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClaimFingerprint(String);

impl ClaimFingerprint {
    pub fn new<'a>(payer_id: &str, patient_id: &str, lines: impl IntoIterator<Item = FingerprintLine<'a>>) -> Self {
        let mut parts: Vec<String> = lines
            .into_iter()
            .map(|mut l| {
                // QW is added when the claim is built: a billed line has it, the encounter not.
                l.modifiers.retain(|m| *m != "QW");
                l.modifiers.sort_unstable();
                format!(
                    "{},{},{},{},{}",
                    l.date_of_service,
                    l.procedure_code,
                    l.modifiers.join(":"),
                    l.units.normalize(),
                    l.rendering_npi.unwrap_or("")
                )
            })
            .collect();
        parts.sort_unstable();
        ClaimFingerprint(format!("{payer_id}|{patient_id}|{}", parts.join("|")))
    }

    /// The fingerprint of the claim an encounter would become.
    pub fn of_encounter(e: &Encounter) -> Self {
        let lines = e.lines.iter().map(|l| FingerprintLine {
            date_of_service: l.date_of_service,
            procedure_code: &l.procedure.code,
            modifiers: l.procedure.modifiers.iter().map(String::as_str).collect(),
            units: l.units,
            rendering_npi: l.rendering_npi.as_deref().or(e.rendering_npi.as_deref()),
        });
        ClaimFingerprint::new(&e.payer_id, &e.patient.id, lines)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Claims already billed, by fingerprint.
pub trait BilledClaims {
    /// The encounter ID of a billed claim with this fingerprint from another encounter than
    /// `encounter_id`.
    fn billed_elsewhere(&self, fingerprint: &ClaimFingerprint, encounter_id: &str) -> Option<&str>;
    /// Nothing billed yet: the rule can skip fingerprinting.
    fn is_empty(&self) -> bool {
        false
    }
}

/// A ledger with nothing billed.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBilledClaims;

impl BilledClaims for NoBilledClaims {
    fn billed_elsewhere(&self, _: &ClaimFingerprint, _: &str) -> Option<&str> {
        None
    }
    fn is_empty(&self) -> bool {
        true
    }
}

/// Billed claims held in memory: fingerprint -> encounter IDs billed with it.
#[derive(Debug, Clone, Default)]
pub struct BilledFingerprints {
    by_fingerprint: HashMap<ClaimFingerprint, Vec<String>>,
}

impl BilledFingerprints {
    pub fn insert(&mut self, fingerprint: ClaimFingerprint, encounter_id: String) {
        let ids = self.by_fingerprint.entry(fingerprint).or_default();
        if !ids.contains(&encounter_id) {
            ids.push(encounter_id);
        }
    }

    /// How many distinct billed claims there are.
    pub fn len(&self) -> usize {
        self.by_fingerprint.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_fingerprint.is_empty()
    }
}

impl BilledClaims for BilledFingerprints {
    fn billed_elsewhere(&self, fingerprint: &ClaimFingerprint, encounter_id: &str) -> Option<&str> {
        self.by_fingerprint.get(fingerprint)?.iter().find(|id| *id != encounter_id).map(String::as_str)
    }
    fn is_empty(&self) -> bool {
        self.by_fingerprint.is_empty()
    }
}

/// DUPLICATE-CLAIM, DUPLICATE-IN-BATCH.
pub(crate) fn check(e: &Encounter, ctx: &ScrubContext<'_>, out: &mut Findings<'_>) {
    // A replacement or void repeats the services of the claim it changes, on purpose.
    if e.lines.is_empty() || e.frequency != ClaimFrequency::Original {
        return;
    }
    let fingerprint = ClaimFingerprint::of_encounter(e);
    if !ctx.billed.is_empty()
        && let Some(other) = ctx.billed.billed_elsewhere(&fingerprint, &e.id)
    {
        out.push(
            &DUPLICATE_CLAIM,
            None,
            format!("the same services were already billed to {} from encounter {other}", e.payer_id),
            "do not bill it again; if the first claim was wrong, send a replacement (frequency 7) of it",
        );
        return;
    }
    if let Some(first) = ctx.seen_in_run.borrow_mut().first_with(&fingerprint, &e.id) {
        out.push(
            &DUPLICATE_IN_BATCH,
            None,
            format!("the same services for the same patient and payer are in encounter {first}, scrubbed in this run"),
            "remove the duplicate from the EMR export (the same visit under two encounter IDs) and re-import",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{NoBilledClaims, ScrubContext, scrub_encounter};
    use super::*;

    fn scrub_billed(e: &Encounter, billed: &BilledFingerprints) -> Vec<super::super::Finding> {
        let (p, r) = (practice(), reference());
        scrub_encounter(e, &ScrubContext::new(&p, &r, today(), billed))
    }

    #[test]
    fn duplicate_claim_flags_the_same_services_billed_from_another_encounter() {
        let mut billed = BilledFingerprints::default();
        billed.insert(ClaimFingerprint::of_encounter(&clean_encounter()), "E0999".into());
        let f = scrub_billed(&clean_encounter(), &billed);
        assert_only(&f, "DUPLICATE-CLAIM");
        assert!(f[0].message.contains("E0999"));
    }

    #[test]
    fn duplicate_claim_ignores_its_own_claim_and_different_units() {
        let mut billed = BilledFingerprints::default();
        billed.insert(ClaimFingerprint::of_encounter(&clean_encounter()), "E1001".into());
        assert!(scrub_billed(&clean_encounter(), &billed).is_empty());
        let mut billed = BilledFingerprints::default();
        billed.insert(ClaimFingerprint::of_encounter(&clean_encounter()), "E0999".into());
        let mut e = clean_encounter();
        e.lines[1].units = Decimal::from(2);
        assert!(scrub_billed(&e, &billed).is_empty());
    }

    #[test]
    fn duplicate_claim_lets_a_replacement_repeat_the_billed_services() {
        let mut billed = BilledFingerprints::default();
        billed.insert(ClaimFingerprint::of_encounter(&clean_encounter()), "E0999".into());
        let mut e = clean_encounter();
        e.frequency = ClaimFrequency::Replacement;
        e.original_claim_number = Some("PAYER123".into());
        assert!(scrub_billed(&e, &billed).is_empty());
    }

    #[test]
    fn duplicate_in_batch_holds_the_second_of_two_encounters_with_the_same_services() {
        let (p, r) = (practice(), reference());
        let ctx = ScrubContext::new(&p, &r, today(), &NoBilledClaims);
        let mut copy = clean_encounter();
        copy.id = "E1002".into();
        assert!(scrub_encounter(&clean_encounter(), &ctx).is_empty());
        let f = scrub_encounter(&copy, &ctx);
        assert_only(&f, "DUPLICATE-IN-BATCH");
        assert!(f[0].message.contains("E1001"));
        // The first one scrubbed again in the same run is not its own duplicate.
        assert!(scrub_encounter(&clean_encounter(), &ctx).is_empty());
        // Another date of service is another visit.
        let mut other_day = clean_encounter();
        other_day.id = "E1003".into();
        for l in &mut other_day.lines {
            l.date_of_service = d("2026-11-03");
        }
        assert!(scrub_encounter(&other_day, &ctx).is_empty());
    }

    #[test]
    fn fingerprints_ignore_the_qw_the_build_adds() {
        let mut a = clean_encounter();
        a.lines[1].procedure.modifiers = vec!["QW".into()];
        assert_eq!(ClaimFingerprint::of_encounter(&a), ClaimFingerprint::of_encounter(&clean_encounter()));
    }

    #[test]
    fn fingerprints_ignore_modifier_and_line_order_and_unit_scale() {
        let mut a = clean_encounter();
        a.lines[1].procedure.modifiers = vec!["RT".into(), "59".into()];
        let mut b = a.clone();
        b.lines.reverse();
        b.lines[0].procedure.modifiers.reverse();
        b.lines[0].units = Decimal::new(100, 2);
        assert_eq!(ClaimFingerprint::of_encounter(&a), ClaimFingerprint::of_encounter(&b));
    }
}
