//! The code sets the scrubber asks about, behind one trait so the real code-set module can be
//! plugged in without touching a rule.
//!
//! Every question is keyed on the date of service, because code sets change: ICD-10-CM every
//! October 1 (`I42.00` exists from 2026-10-01, `D69.1` stops being billable the day before), CPT
//! and HCPCS every quarter. Tables that claimkit cannot ship (CPT is AMA-licensed; HCPCS, NCCI and
//! MUE come from CMS's quarterly files the user imports) answer [`TableAnswer::NotLoaded`], and the
//! scrubber reports "not checked" once per run instead of passing silently.
//!
//! ```text
//! icd10("E119", 2026-11-02)   -> Billable(IcdFacts { manifestation: false, age: None })
//! icd10("E11",  2026-11-02)   -> Header
//! procedure("99213", ...)      -> NotLoaded
//! ```

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::codes::{self, ImportedCodeSets};

/// The Medicare Code Editor age groups, as the code-set module defines them.
pub use crate::codes::AgeGroup;

/// What the code editor knows about a billable diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IcdFacts {
    /// A manifestation ("in diseases classified elsewhere"): never the principal diagnosis.
    pub manifestation: bool,
    pub age: Option<AgeGroup>,
}

/// The answer for one ICD-10-CM code on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcdVerdict {
    /// Not an ICD-10-CM code at all.
    Unknown,
    /// A category or subcategory with codes under it: not billable.
    Header,
    /// The code exists but not on that date (added later or ended earlier).
    NotValidOn {
        valid_from: NaiveDate,
        valid_to: Option<NaiveDate>,
    },
    Billable(IcdFacts),
}

/// What the modifier list says about a modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ModifierFacts {
    /// Bypasses an NCCI PTP edit with modifier indicator 1 (59, XE, XS, XP, XU, anatomic...).
    pub ncci_associated: bool,
}

/// A table that may not be loaded (claimkit cannot ship it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CodeTable {
    Cpt,
    Hcpcs,
    Ncci,
    Mue,
}

impl CodeTable {
    pub fn name(self) -> &'static str {
        match self {
            CodeTable::Cpt => "CPT",
            CodeTable::Hcpcs => "HCPCS Level II",
            CodeTable::Ncci => "NCCI PTP",
            CodeTable::Mue => "MUE",
        }
    }
}

/// The answer of a table that may not be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableAnswer<T> {
    NotLoaded,
    Answer(T),
}

/// A CPT/HCPCS code on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcedureVerdict {
    Unknown,
    NotValidOn { valid_from: NaiveDate, valid_to: Option<NaiveDate> },
    Valid,
}

/// An NCCI procedure-to-procedure edit: column 2 code is not paid with column 1 code on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PtpEdit {
    /// 0 never together; 1 allowed with an NCCI-associated modifier; 9 edit deleted.
    pub modifier_indicator: u8,
}

/// The code sets the scrub rules consult.
pub trait CodeReference {
    /// An ICD-10-CM code (no dot, upper case) on a date of service.
    fn icd10(&self, code: &str, on: NaiveDate) -> IcdVerdict;
    /// True when `a` carries an Excludes1 note naming `b` (one direction; the rule asks both).
    fn excludes1(&self, a: &str, b: &str) -> bool;
    fn modifier(&self, m: &str) -> Option<ModifierFacts>;
    fn place_of_service_known(&self, pos: &str) -> bool;
    fn procedure(&self, code: &str, on: NaiveDate) -> TableAnswer<ProcedureVerdict>;
    /// The PTP edit with `a` in column 1 and `b` in column 2, effective on the date.
    fn ncci_edit(&self, a: &str, b: &str, on: NaiveDate) -> TableAnswer<Option<PtpEdit>>;
    /// The practitioner MUE: most units of the code per day of service.
    fn mue_limit(&self, code: &str) -> TableAnswer<Option<u32>>;
}

// ---------------------------------------------------------------------------------------------
// The real code sets: embedded public tables plus whatever the user imported into the ledger.

/// The scrubber's view of [`crate::codes`]: embedded ICD-10-CM, Excludes1, modifiers and place of
/// service, plus the imported CPT, HCPCS, NCCI PTP and MUE tables when the user loaded them (the
/// ones not loaded answer [`TableAnswer::NotLoaded`]).
#[derive(Debug, Default)]
pub struct CodeSetReference {
    imported: ImportedCodeSets,
}

impl CodeSetReference {
    /// With the imported tables loaded from the ledger (`ledger::codesets::load_imported`).
    pub fn new(imported: ImportedCodeSets) -> Self {
        CodeSetReference { imported }
    }

    /// Only what ships in the binary: procedure, NCCI and MUE checks report "not checked".
    pub fn embedded_only() -> Self {
        CodeSetReference::default()
    }

    /// The imported tables (the fee schedule is used by remittance posting).
    pub fn imported(&self) -> &ImportedCodeSets {
        &self.imported
    }
}

impl CodeReference for CodeSetReference {
    fn icd10(&self, code: &str, on: NaiveDate) -> IcdVerdict {
        match codes::icd10cm().lookup(code, on) {
            codes::IcdLookup::Unknown => IcdVerdict::Unknown,
            codes::IcdLookup::Valid(c) if !c.billable => IcdVerdict::Header,
            codes::IcdLookup::Valid(c) => {
                IcdVerdict::Billable(IcdFacts { manifestation: c.attributes.manifestation, age: c.attributes.age })
            }
            codes::IcdLookup::NotValidOn { .. } => {
                let periods = codes::icd10cm().periods(code);
                let valid_from = periods.iter().map(|p| p.valid_from).min().unwrap_or(on);
                let valid_to = if periods.iter().any(|p| p.valid_to.is_none()) {
                    None
                } else {
                    periods.iter().filter_map(|p| p.valid_to).max()
                };
                IcdVerdict::NotValidOn { valid_from, valid_to }
            }
        }
    }

    fn excludes1(&self, a: &str, b: &str) -> bool {
        codes::icd10cm().excludes1(a, b)
    }

    fn modifier(&self, m: &str) -> Option<ModifierFacts> {
        codes::modifier(m).map(|m| ModifierFacts { ncci_associated: m.ncci_associated })
    }

    fn place_of_service_known(&self, pos: &str) -> bool {
        codes::place_of_service(pos).is_some()
    }

    fn procedure(&self, code: &str, on: NaiveDate) -> TableAnswer<ProcedureVerdict> {
        let hcpcs_shaped = code.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        let table = if hcpcs_shaped { self.imported.hcpcs.as_ref() } else { self.imported.cpt.as_ref() };
        let Some(table) = table else { return TableAnswer::NotLoaded };
        TableAnswer::Answer(match table.lookup(code, on) {
            codes::ProcedureLookup::Valid(_) => ProcedureVerdict::Valid,
            codes::ProcedureLookup::NotValidOn { nearest } => ProcedureVerdict::NotValidOn {
                valid_from: nearest.valid_from.unwrap_or(NaiveDate::MIN),
                valid_to: nearest.valid_to,
            },
            codes::ProcedureLookup::Unknown => ProcedureVerdict::Unknown,
        })
    }

    fn ncci_edit(&self, a: &str, b: &str, on: NaiveDate) -> TableAnswer<Option<PtpEdit>> {
        let Some(table) = self.imported.ncci_ptp.as_ref() else { return TableAnswer::NotLoaded };
        // The codes module answers for either order; the rule asks with `a` in column 1.
        TableAnswer::Answer(
            table
                .edit(a, b, on)
                .filter(|e| e.column1.as_str() == a)
                .map(|e| PtpEdit { modifier_indicator: e.modifier_indicator }),
        )
    }

    fn mue_limit(&self, code: &str) -> TableAnswer<Option<u32>> {
        let Some(table) = self.imported.mue.as_ref() else { return TableAnswer::NotLoaded };
        TableAnswer::Answer(table.limit(code).map(|l| l.units))
    }
}

#[derive(Debug, Clone, Copy)]
struct IcdRow {
    billable: bool,
    from: NaiveDate,
    to: Option<NaiveDate>,
    facts: IcdFacts,
}

/// Code (category or leaf) -> the code ranges its Excludes1 note names, `(from, to)`.
type Excludes1Notes = HashMap<Box<str>, Vec<(Box<str>, Box<str>)>>;
/// First and last day a code is valid (`None`: open-ended).
type Validity = (NaiveDate, Option<NaiveDate>);
/// Column 1 and column 2 of an NCCI edit.
type CodePair = (Box<str>, Box<str>);

fn iso(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

fn in_code_range(code: &str, from: &str, to: &str) -> bool {
    let head = |n: usize| &code[..n.min(code.len())];
    head(from.len()) >= from && head(to.len()) <= to
}

/// Answers an ICD-10-CM question from a code's dated rows.
fn icd_verdict(rows: Option<&Vec<IcdRow>>, on: NaiveDate) -> IcdVerdict {
    let Some(rows) = rows.filter(|r| !r.is_empty()) else { return IcdVerdict::Unknown };
    match rows.iter().find(|r| r.from <= on && r.to.is_none_or(|t| on <= t)) {
        Some(r) if r.billable => IcdVerdict::Billable(r.facts),
        Some(_) => IcdVerdict::Header,
        None => {
            let valid_from = rows.iter().map(|r| r.from).min().unwrap_or(on);
            let valid_to =
                if rows.iter().any(|r| r.to.is_none()) { None } else { rows.iter().filter_map(|r| r.to).max() };
            IcdVerdict::NotValidOn { valid_from, valid_to }
        }
    }
}

fn excludes1_in(notes: &Excludes1Notes, a: &str, b: &str) -> bool {
    // The note on a category applies to every code under it: try each prefix of `a`.
    (3..=a.len())
        .filter(|n| a.is_char_boundary(*n))
        .any(|n| notes.get(&a[..n]).is_some_and(|ranges| ranges.iter().any(|(from, to)| in_code_range(b, from, to))))
}

// ---------------------------------------------------------------------------------------------
// Test support.

/// A small hand-written code reference for tests and benches: a few ICD-10-CM rows, Excludes1
/// notes, modifiers, POS codes and, optionally, procedure/NCCI/MUE tables.
#[derive(Debug, Default)]
pub struct TestReference {
    icd: HashMap<Box<str>, Vec<IcdRow>>,
    excludes1: Excludes1Notes,
    modifiers: HashMap<Box<str>, ModifierFacts>,
    pos: HashSet<Box<str>>,
    /// `None`: the table is not loaded.
    procedures: Option<HashMap<Box<str>, Validity>>,
    ncci: Option<HashMap<CodePair, u8>>,
    mue: Option<HashMap<Box<str>, u32>>,
}

fn date(s: &str) -> NaiveDate {
    iso(s).unwrap_or(NaiveDate::MIN)
}

impl TestReference {
    /// A reference with common codes: E11.9, E11.65, I10, J06.9, Z00.00, G63 (manifestation),
    /// E11/E10 headers, P07.00 (newborn), Z3A.00 (maternity), I42.00 (from 2026-10-01), D69.1
    /// (billable until 2026-09-30); Excludes1 E10 <-> E11; modifiers 25, 59, XS, LT, RT, 76, GT;
    /// POS 11, 02, 10, 21, 22, 23.
    pub fn standard() -> Self {
        let mut r = TestReference::default();
        for code in ["E119", "E1165", "I10", "J069", "Z0000", "M545", "R051", "E109"] {
            r = r.billable(code, IcdFacts::default());
        }
        r = r.billable("G63", IcdFacts { manifestation: true, age: None });
        r = r.billable("P0700", IcdFacts { manifestation: false, age: Some(AgeGroup::Newborn) });
        r = r.billable("Z3A00", IcdFacts { manifestation: false, age: Some(AgeGroup::Maternity) });
        r = r.billable("Z0012", IcdFacts { manifestation: false, age: Some(AgeGroup::Pediatric) });
        r = r.header("E11").header("E10");
        r.icd.entry("I4200".into()).or_default().push(IcdRow {
            billable: true,
            from: date("2026-10-01"),
            to: None,
            facts: IcdFacts::default(),
        });
        let d691 = r.icd.entry("D691".into()).or_default();
        d691.push(IcdRow {
            billable: true,
            from: date("2015-10-01"),
            to: Some(date("2026-09-30")),
            facts: IcdFacts::default(),
        });
        d691.push(IcdRow { billable: false, from: date("2026-10-01"), to: None, facts: IcdFacts::default() });
        r.excludes1.entry("E11".into()).or_default().push(("E10".into(), "E10".into()));
        r.excludes1.entry("E10".into()).or_default().push(("E11".into(), "E11".into()));
        for (m, ncci) in
            [("25", true), ("59", true), ("XS", true), ("LT", true), ("RT", true), ("76", false), ("GT", false)]
        {
            r.modifiers.insert(m.into(), ModifierFacts { ncci_associated: ncci });
        }
        for p in ["11", "02", "10", "21", "22", "23"] {
            r.pos.insert(p.into());
        }
        r
    }

    pub fn billable(mut self, code: &str, facts: IcdFacts) -> Self {
        self.icd.entry(code.into()).or_default().push(IcdRow {
            billable: true,
            from: date("2015-10-01"),
            to: None,
            facts,
        });
        self
    }

    pub fn header(mut self, code: &str) -> Self {
        self.icd.entry(code.into()).or_default().push(IcdRow {
            billable: false,
            from: date("2015-10-01"),
            to: None,
            facts: IcdFacts::default(),
        });
        self
    }

    /// Loads the procedure table with codes valid from `from` to `to` (inclusive).
    pub fn procedure_valid(mut self, code: &str, from: &str, to: Option<&str>) -> Self {
        self.procedures.get_or_insert_with(HashMap::new).insert(code.into(), (date(from), to.map(date)));
        self
    }

    /// Loads the NCCI table with a column-1/column-2 pair.
    pub fn ncci_pair(mut self, column1: &str, column2: &str, modifier_indicator: u8) -> Self {
        self.ncci.get_or_insert_with(HashMap::new).insert((column1.into(), column2.into()), modifier_indicator);
        self
    }

    /// Loads the MUE table with a limit.
    pub fn mue(mut self, code: &str, limit: u32) -> Self {
        self.mue.get_or_insert_with(HashMap::new).insert(code.into(), limit);
        self
    }
}

impl CodeReference for TestReference {
    fn icd10(&self, code: &str, on: NaiveDate) -> IcdVerdict {
        icd_verdict(self.icd.get(code), on)
    }

    fn excludes1(&self, a: &str, b: &str) -> bool {
        excludes1_in(&self.excludes1, a, b)
    }

    fn modifier(&self, m: &str) -> Option<ModifierFacts> {
        self.modifiers.get(m).copied()
    }

    fn place_of_service_known(&self, pos: &str) -> bool {
        self.pos.contains(pos)
    }

    fn procedure(&self, code: &str, on: NaiveDate) -> TableAnswer<ProcedureVerdict> {
        let Some(table) = &self.procedures else { return TableAnswer::NotLoaded };
        TableAnswer::Answer(match table.get(code) {
            None => ProcedureVerdict::Unknown,
            Some((from, to)) if *from <= on && to.is_none_or(|t| on <= t) => ProcedureVerdict::Valid,
            Some((from, to)) => ProcedureVerdict::NotValidOn { valid_from: *from, valid_to: *to },
        })
    }

    fn ncci_edit(&self, a: &str, b: &str, _on: NaiveDate) -> TableAnswer<Option<PtpEdit>> {
        let Some(table) = &self.ncci else { return TableAnswer::NotLoaded };
        TableAnswer::Answer(table.get(&(Box::from(a), Box::from(b))).map(|i| PtpEdit { modifier_indicator: *i }))
    }

    fn mue_limit(&self, code: &str) -> TableAnswer<Option<u32>> {
        let Some(table) = &self.mue else { return TableAnswer::NotLoaded };
        TableAnswer::Answer(table.get(code).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        date(s)
    }

    #[test]
    fn embedded_icd10_knows_billable_header_and_dated_codes() {
        let r = CodeSetReference::embedded_only();
        assert!(matches!(r.icd10("E119", d("2026-11-02")), IcdVerdict::Billable(_)));
        assert_eq!(r.icd10("E11", d("2026-11-02")), IcdVerdict::Header);
        assert_eq!(r.icd10("E999", d("2026-11-02")), IcdVerdict::Unknown);
        // I42.00 is new on 2026-10-01; D69.1 became a header the same day.
        assert!(matches!(r.icd10("I4200", d("2026-09-30")), IcdVerdict::NotValidOn { .. }));
        assert!(matches!(r.icd10("I4200", d("2026-10-01")), IcdVerdict::Billable(_)));
        assert!(matches!(r.icd10("D691", d("2026-09-30")), IcdVerdict::Billable(_)));
        // T81.32XA ended on 2024-09-30.
        assert_eq!(
            r.icd10("T8132XA", d("2025-01-02")),
            IcdVerdict::NotValidOn { valid_from: d("2015-10-01"), valid_to: Some(d("2024-09-30")) }
        );
        assert_eq!(r.icd10("D691", d("2026-10-01")), IcdVerdict::Header);
    }

    #[test]
    fn embedded_icd10_carries_manifestation_and_age_facts() {
        let r = CodeSetReference::embedded_only();
        let IcdVerdict::Billable(g63) = r.icd10("G63", d("2026-01-05")) else { panic!("G63 billable") };
        assert!(g63.manifestation);
        let IcdVerdict::Billable(p) = r.icd10("A33", d("2026-01-05")) else { panic!("A33 billable") };
        assert_eq!(p.age, Some(AgeGroup::Newborn));
    }

    #[test]
    fn embedded_excludes1_applies_to_codes_under_the_noted_category() {
        let r = CodeSetReference::embedded_only();
        // E10 (type 1 diabetes) excludes E11 (type 2) and everything under it.
        assert!(r.excludes1("E109", "E1165") || r.excludes1("E1165", "E109"));
        assert!(!r.excludes1("E119", "I10") && !r.excludes1("I10", "E119"));
    }

    #[test]
    fn embedded_modifiers_and_places_of_service() {
        let r = CodeSetReference::embedded_only();
        assert_eq!(r.modifier("59"), Some(ModifierFacts { ncci_associated: true }));
        assert_eq!(r.modifier("25").map(|m| m.ncci_associated), Some(true));
        assert_eq!(r.modifier("ZZ"), None);
        assert!(r.place_of_service_known("11"));
        assert!(!r.place_of_service_known("00"));
        assert_eq!(r.procedure("99213", d("2026-01-05")), TableAnswer::NotLoaded);
    }

    #[test]
    fn iso_dates_are_read_strictly() {
        assert_eq!(iso("2026-10-01"), NaiveDate::from_ymd_opt(2026, 10, 1));
        assert_eq!(iso("2026-02-30"), None);
        assert_eq!(iso("2026-1-01"), None);
        assert_eq!(iso("20261001"), None);
        assert_eq!(iso(""), None);
    }

    #[test]
    fn code_ranges_compare_on_prefixes() {
        assert!(in_code_range("E1165", "E10", "E13"));
        assert!(in_code_range("E10", "E10", "E10"));
        assert!(!in_code_range("E14", "E10", "E13"));
        assert!(!in_code_range("E0", "E10", "E13"));
    }
}
