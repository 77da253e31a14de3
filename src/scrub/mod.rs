//! The claim scrubber: every check a clearinghouse or payer would reject or deny a claim for, run
//! on an encounter before it is billed.
//!
//! Each rule is a small named unit with a fixed ID (`NPI-LUHN`, `ICD-NOT-BILLABLE`, ...), a
//! severity and the SNIP level of the edit it anticipates (1 syntax ... 5 external code sets, 6
//! line of service, 7 trading partner). A rule produces [`Finding`]s: what is wrong, in words a
//! biller understands, and how to fix it. An encounter with an error finding is held from billing;
//! warnings are shown but do not hold it. A payer may turn a rule off or change its severity in
//! the practice file:
//!
//! ```toml
//! [[payers]]
//! id = "ACME1"
//! rule_overrides = { "MODIFIER-25-EM" = "off", "ICD-AGE-CONFLICT" = "error" }
//! ```
//!
//! A finding for the CSV row `E1001,...,2026-11-02,99213,,1,125.00,E11|I10,1:2` reads
//! `E1001 line 1 ICD-NOT-BILLABLE error: diagnosis E11 is a category, not a billable code`.
//!
//! Rules whose table is not loaded (CPT, HCPCS, NCCI, MUE: claimkit cannot ship them) report one
//! `TABLE-NOT-LOADED` info finding per run ([`ScrubContext::not_checked`]), never a silent pass.

pub mod addresses;
pub mod dates;
pub mod diagnosis;
pub mod duplicate;
pub mod eligibility;
pub mod lab;
pub mod lines;
pub mod modifiers;
pub mod npi;
pub mod payer;
pub mod procedure;
pub mod provider;
pub mod reference;
pub mod store;

use std::cell::{Cell, RefCell};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

pub use duplicate::{BilledClaims, ClaimFingerprint, NoBilledClaims};
pub use reference::{CodeReference, CodeSetReference, CodeTable, TestReference};
pub use store::{
    EncounterScrub, ScrubError, ScrubOptions, ScrubRun, ScrubSummary, run_scrub, run_scrub_each,
    run_scrub_with_progress,
};

use crate::encounter::Encounter;
use crate::practice::{Practice, RuleSetting};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The outcome for one encounter: errors hold it from billing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EncounterVerdict {
    Clean,
    Warning,
    Error,
}

impl EncounterVerdict {
    /// The verdict of a list of findings: the worst severity (info counts as clean).
    pub fn of(findings: &[Finding]) -> Self {
        match findings.iter().map(|f| f.severity).max() {
            Some(Severity::Error) => EncounterVerdict::Error,
            Some(Severity::Warning) => EncounterVerdict::Warning,
            _ => EncounterVerdict::Clean,
        }
    }

    /// The `encounters.scrub_status` value.
    pub fn as_str(self) -> &'static str {
        match self {
            EncounterVerdict::Clean => "clean",
            EncounterVerdict::Warning => "warning",
            EncounterVerdict::Error => "error",
        }
    }

    /// Errors hold the encounter from billing.
    pub fn is_held(self) -> bool {
        self == EncounterVerdict::Error
    }
}

/// One thing wrong with an encounter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's fixed ID, e.g. `NPI-LUHN`.
    #[serde(rename = "rule")]
    pub rule_id: &'static str,
    pub severity: Severity,
    /// Empty for run-level findings (`TABLE-NOT-LOADED`).
    #[serde(rename = "encounter")]
    pub encounter_id: String,
    /// The service line (LX number), `None` for claim-level findings.
    pub line: Option<u32>,
    /// What is wrong, without patient data (unless `--show-data`).
    pub message: String,
    /// How to fix it.
    pub fix: String,
    /// The patient data behind the finding (a member ID, a date of birth), never part of
    /// `message` and never stored: shown only with `--show-data`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

impl Finding {
    /// The message, with the patient data behind it in parentheses when `show_data`.
    pub fn message_with_data(&self, show_data: bool) -> String {
        match (&self.data, show_data) {
            (Some(data), true) => format!("{} ({data})", self.message),
            _ => self.message.clone(),
        }
    }
}

/// A scrub rule as listed by `claimkit scrub --list-rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    pub id: &'static str,
    pub severity: Severity,
    /// The SNIP level of the edit: 2 implementation guide, 4 situational, 5 code sets, 6 line of
    /// service, 7 trading partner.
    pub snip_level: u8,
    pub description: &'static str,
}

/// The run-level rule: a table a rule needs is not loaded.
pub const TABLE_NOT_LOADED: RuleInfo = RuleInfo {
    id: "TABLE-NOT-LOADED",
    severity: Severity::Info,
    snip_level: 5,
    description: "a rule's table (CPT, HCPCS, NCCI, MUE) is not loaded: reported once per run as not checked",
};

/// Every rule, in the order they are listed.
pub const RULES: &[RuleInfo] = &[
    npi::NPI_LUHN,
    provider::TIN_FORMAT,
    provider::TAXONOMY_FORMAT,
    diagnosis::ICD_INVALID,
    diagnosis::ICD_NOT_BILLABLE,
    diagnosis::ICD_NOT_VALID_ON_DOS,
    diagnosis::ICD_EXCLUDES1,
    diagnosis::ICD_MANIFESTATION_FIRST,
    diagnosis::ICD_AGE_CONFLICT,
    diagnosis::DX_DUPLICATE,
    diagnosis::DX_POINTER,
    procedure::PROC_FORMAT,
    procedure::PROC_NOT_VALID_ON_DOS,
    modifiers::MODIFIER_INVALID,
    modifiers::MODIFIER_DUPLICATE,
    modifiers::MODIFIER_TOO_MANY,
    procedure::MODIFIER_25_EM,
    procedure::NCCI_PTP,
    procedure::MUE_UNITS,
    lines::UNITS_NOT_POSITIVE,
    lines::CHARGE_NOT_POSITIVE,
    lines::CHARGE_NOT_CENTS,
    lines::POS_INVALID,
    dates::DOS_FUTURE,
    dates::DOB_AFTER_DOS,
    dates::TIMELY_FILING,
    duplicate::DUPLICATE_CLAIM,
    payer::PAYER_UNKNOWN,
    payer::SUBSCRIBER_REQUIRED,
    addresses::ADDRESS_INVALID,
    payer::MEMBER_ID_MBI,
    provider::NPI_NOT_ENROLLED,
    payer::FREQUENCY_ORIGINAL_REF,
    lines::NDC_FORMAT,
    lines::NDC_REQUIRED,
    diagnosis::ICD_EXTERNAL_CAUSE_FIRST,
    diagnosis::ICD_SEX_CONFLICT,
    modifiers::MODIFIER_EM_ONLY,
    modifiers::MODIFIER_59_EM,
    procedure::PROC_AGE_CONFLICT,
    procedure::EM_DATE_SPAN,
    lines::POS_NEEDS_FACILITY,
    duplicate::DUPLICATE_IN_BATCH,
    procedure::UNLISTED_DESCRIPTION,
    procedure::ANESTHESIA_MINUTES,
    lab::CLIA_MISSING,
    eligibility::ELIGIBILITY_INACTIVE,
    eligibility::ELIGIBILITY_MEMBER_NOT_FOUND,
    eligibility::ELIGIBILITY_OTHER_COVERAGE,
    eligibility::ELIGIBILITY_STALE,
    TABLE_NOT_LOADED,
];

/// Looks a rule up by ID.
pub fn rule(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// What the rules need besides the encounter.
pub struct ScrubContext<'a> {
    pub practice: &'a Practice,
    pub reference: &'a dyn CodeReference,
    /// "Today" for future-date and timely-filing checks (`--as-of` makes runs reproducible).
    pub today: NaiveDate,
    /// Claims already billed, for `DUPLICATE-CLAIM`.
    pub billed: &'a dyn BilledClaims,
    /// The latest eligibility answers (271s posted), for the `ELIGIBILITY-*` rules.
    pub eligibility: &'a dyn eligibility::EligibilityAnswers,
    /// Tables found not loaded during this run (a bit per [`CodeTable`]).
    not_loaded: Cell<u8>,
    /// The encounters scrubbed so far in this run, for `DUPLICATE-IN-BATCH`.
    seen_in_run: RefCell<duplicate::SeenInRun>,
}

impl<'a> ScrubContext<'a> {
    pub fn new(
        practice: &'a Practice,
        reference: &'a dyn CodeReference,
        today: NaiveDate,
        billed: &'a dyn BilledClaims,
    ) -> Self {
        ScrubContext {
            practice,
            reference,
            today,
            billed,
            eligibility: &eligibility::NoEligibility,
            not_loaded: Cell::new(0),
            seen_in_run: RefCell::new(duplicate::SeenInRun::default()),
        }
    }

    /// The context with the eligibility answers the `ELIGIBILITY-*` rules check.
    pub fn with_eligibility(mut self, answers: &'a dyn eligibility::EligibilityAnswers) -> Self {
        self.eligibility = answers;
        self
    }

    /// Notes that a rule could not run because its table is not loaded.
    pub fn note_not_loaded(&self, table: CodeTable) {
        self.not_loaded.set(self.not_loaded.get() | (1 << table as u8));
    }

    /// The `TABLE-NOT-LOADED` findings of the run so far: one per table, not per encounter.
    pub fn not_checked(&self) -> Vec<Finding> {
        let tables = [
            (CodeTable::Cpt, "PROC-NOT-VALID-ON-DOS"),
            (CodeTable::Hcpcs, "PROC-NOT-VALID-ON-DOS"),
            (CodeTable::Ncci, "NCCI-PTP"),
            (CodeTable::Mue, "MUE-UNITS"),
        ];
        tables
            .iter()
            .filter(|(t, _)| self.not_loaded.get() & (1 << *t as u8) != 0)
            .map(|(t, rule)| Finding {
                rule_id: TABLE_NOT_LOADED.id,
                severity: TABLE_NOT_LOADED.severity,
                encounter_id: String::new(),
                line: None,
                message: format!("{rule} not checked: no {} table is loaded", t.name()),
                fix: format!("import the {} table to check {rule}", t.name()),
                data: None,
            })
            .collect()
    }
}

/// Collects the findings of one encounter.
pub(crate) struct Findings<'e> {
    encounter_id: &'e str,
    pub(crate) items: Vec<Finding>,
}

impl<'e> Findings<'e> {
    pub(crate) fn new(encounter_id: &'e str) -> Self {
        Findings { encounter_id, items: Vec::new() }
    }

    pub(crate) fn push(&mut self, rule: &RuleInfo, line: Option<u32>, message: String, fix: impl Into<String>) {
        self.items.push(Finding {
            rule_id: rule.id,
            severity: rule.severity,
            encounter_id: self.encounter_id.to_string(),
            line,
            message,
            fix: fix.into(),
            data: None,
        });
    }

    /// Like `push`, with the patient data behind the finding kept apart from the message.
    pub(crate) fn push_with_data(
        &mut self,
        rule: &RuleInfo,
        line: Option<u32>,
        message: String,
        fix: impl Into<String>,
        data: String,
    ) {
        self.push(rule, line, message, fix);
        if let Some(f) = self.items.last_mut() {
            f.data = Some(data);
        }
    }
}

/// Runs every rule on one encounter and applies the payer's rule overrides.
pub fn scrub_encounter(encounter: &Encounter, ctx: &ScrubContext<'_>) -> Vec<Finding> {
    let mut out = Findings::new(&encounter.id);
    npi::check(encounter, ctx, &mut out);
    provider::check(encounter, ctx, &mut out);
    diagnosis::check(encounter, ctx, &mut out);
    procedure::check(encounter, ctx, &mut out);
    modifiers::check(encounter, ctx, &mut out);
    lines::check(encounter, ctx, &mut out);
    dates::check(encounter, ctx, &mut out);
    payer::check(encounter, ctx, &mut out);
    addresses::check(encounter, ctx, &mut out);
    lab::check(encounter, ctx, &mut out);
    duplicate::check(encounter, ctx, &mut out);
    eligibility::check(encounter, ctx, &mut out);
    let mut findings = out.items;
    if let Some(payer) = ctx.practice.payer(&encounter.payer_id)
        && !payer.rule_overrides.is_empty()
    {
        findings.retain_mut(|f| match payer.rule_overrides.get(f.rule_id) {
            None => true,
            Some(RuleSetting::Off) => false,
            Some(RuleSetting::Error) => {
                f.severity = Severity::Error;
                true
            }
            Some(RuleSetting::Warning) => {
                f.severity = Severity::Warning;
                true
            }
            Some(RuleSetting::Info) => {
                f.severity = Severity::Info;
                true
            }
        });
    }
    findings
}

/// Age in whole years on a date; `None` when born after it.
pub fn age_on(dob: NaiveDate, on: NaiveDate) -> Option<u32> {
    if dob > on {
        return None;
    }
    let mut years = on.year() - dob.year();
    if (on.month(), on.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_match_the_contract() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), 51);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 51);
        let warnings: Vec<_> = RULES.iter().filter(|r| r.severity == Severity::Warning).map(|r| r.id).collect();
        assert_eq!(warnings, ["MODIFIER-25-EM", "ELIGIBILITY-OTHER-COVERAGE"]);
        assert_eq!(rule("TABLE-NOT-LOADED").map(|r| r.severity), Some(Severity::Info));
    }

    #[test]
    fn a_clean_encounter_has_no_findings() {
        let f = scrub(&clean_encounter());
        assert!(f.is_empty(), "{f:#?}");
        assert_eq!(EncounterVerdict::of(&f), EncounterVerdict::Clean);
    }

    #[test]
    fn a_payer_override_turns_a_rule_off_or_changes_its_severity() {
        let mut e = clean_encounter();
        e.lines[0].charge = rust_decimal::Decimal::ZERO;
        let mut p = practice();
        p.payers[0].rule_overrides.insert("CHARGE-NOT-POSITIVE".into(), RuleSetting::Warning);
        let f = scrub_with(&e, &p, &reference());
        assert_eq!(rules_of(&f), ["CHARGE-NOT-POSITIVE"]);
        assert_eq!(EncounterVerdict::of(&f), EncounterVerdict::Warning);
        p.payers[0].rule_overrides.insert("CHARGE-NOT-POSITIVE".into(), RuleSetting::Off);
        assert!(scrub_with(&e, &p, &reference()).is_empty());
    }

    #[test]
    fn missing_tables_are_reported_once_per_run() {
        let p = practice();
        let r = TestReference::standard();
        let ctx = ScrubContext::new(&p, &r, today(), &NoBilledClaims);
        for _ in 0..3 {
            scrub_encounter(&clean_encounter(), &ctx);
        }
        let n = ctx.not_checked();
        assert_eq!(n.len(), 3, "{n:#?}"); // CPT, NCCI, MUE; no HCPCS code was billed
        assert!(n.iter().all(|f| f.rule_id == "TABLE-NOT-LOADED" && f.severity == Severity::Info));
        let loaded = reference();
        let ctx = ScrubContext::new(&p, &loaded, today(), &NoBilledClaims);
        scrub_encounter(&clean_encounter(), &ctx);
        assert!(ctx.not_checked().is_empty());
    }

    #[test]
    fn age_counts_whole_years() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(age_on(d("2000-06-15"), d("2026-06-14")), Some(25));
        assert_eq!(age_on(d("2000-06-15"), d("2026-06-15")), Some(26));
        assert_eq!(age_on(d("2026-06-15"), d("2026-06-14")), None);
    }
}
