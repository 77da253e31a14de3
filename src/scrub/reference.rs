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

/// The sex a diagnosis applies to, as the code editor defines it.
pub use crate::codes::Sex as CodeSex;

/// What the code editor knows about a billable diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IcdFacts {
    /// A manifestation ("in diseases classified elsewhere"): never the principal diagnosis.
    pub manifestation: bool,
    pub age: Option<AgeGroup>,
    /// An external cause (how an injury happened, V00-Y99): never the first-listed diagnosis.
    pub external_cause: bool,
    /// The sex the code applies to, on the dates the MCE had sex edits (through 2024-09-30).
    pub sex: Option<CodeSex>,
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
    /// An anatomic modifier (LT, RT, F1, T5, E2, LC...): names a body site.
    pub anatomic: bool,
}

/// A medically unlikely edit: the most units of a code, and how they are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MueFacts {
    pub units: u32,
    /// MUE adjudication indicator: 1 per claim line; 2 (policy) and 3 (clinical) per date of service.
    pub adjudication_indicator: u8,
}

impl MueFacts {
    /// True when the limit applies to each line on its own (MAI 1), not to the day's total.
    pub fn per_line(self) -> bool {
        self.adjudication_indicator == 1
    }
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
    /// The practitioner MUE: most units of the code per line or per day of service.
    fn mue_limit(&self, code: &str) -> TableAnswer<Option<MueFacts>>;
    /// True for an unlisted (not otherwise classified) procedure code, which needs a description:
    /// the common ones in [`UNLISTED_CODES`], and, when a table is loaded, any code its descriptor
    /// calls unlisted or not otherwise classified.
    fn unlisted(&self, code: &str) -> bool {
        UNLISTED_CODES.binary_search(&code).is_ok()
    }
}

/// Common unlisted CPT codes and not-otherwise-classified HCPCS codes, sorted (not every one:
/// with the CPT or HCPCS table loaded, the descriptor tells the rest).
pub const UNLISTED_CODES: &[&str] = &[
    "15999", "17999", "19499", "20999", "21089", "21299", "21499", "22899", "22999", "23929", "24999", "25999",
    "26989", "27299", "27599", "27899", "28899", "29799", "29999", "30999", "31299", "31599", "31899", "32999",
    "33999", "36299", "37799", "38999", "39499", "39599", "40799", "40899", "41599", "41899", "42299", "42699",
    "42999", "43289", "43499", "43999", "44799", "45399", "45999", "46999", "47999", "48999", "49999", "51999",
    "53899", "54699", "55899", "58999", "59899", "60699", "64999", "66999", "67999", "68899", "69399", "69799",
    "69979", "76499", "76999", "77299", "77399", "77499", "77799", "78099", "78199", "78299", "78399", "78499",
    "78599", "78699", "78799", "78999", "79999", "81099", "81479", "81599", "84999", "85999", "86849", "87999",
    "88099", "88199", "88299", "88399", "88749", "89398", "90399", "90749", "90899", "91299", "92499", "93799",
    "93998", "94799", "95199", "95999", "96379", "96549", "96999", "97039", "97139", "97799", "99199", "99429",
    "99499", "99600", "A4649", "A9999", "E1399", "J3490", "J3590", "J7599", "J7699", "J7799", "J8499", "J8999",
    "J9999", "L2999", "L3999", "L8699", "T5999",
];

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
            codes::IcdLookup::Valid(c) => IcdVerdict::Billable(IcdFacts {
                manifestation: c.attributes.manifestation,
                age: c.attributes.age,
                external_cause: c.attributes.external_cause || is_external_cause_chapter(code),
                sex: c.attributes.sex,
            }),
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
        codes::modifier(m).map(|m| ModifierFacts {
            ncci_associated: m.ncci_associated,
            anatomic: m.kind == codes::ModifierKind::Anatomic,
        })
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

    fn mue_limit(&self, code: &str) -> TableAnswer<Option<MueFacts>> {
        let Some(table) = self.imported.mue.as_ref() else { return TableAnswer::NotLoaded };
        TableAnswer::Answer(
            table.limit(code).map(|l| MueFacts { units: l.units, adjudication_indicator: l.adjudication_indicator }),
        )
    }

    fn unlisted(&self, code: &str) -> bool {
        if UNLISTED_CODES.binary_search(&code).is_ok() {
            return true;
        }
        // Any period's descriptor will do: a code does not stop being unlisted.
        let Some(entries) = self.imported.procedure_table_for(code).map(|t| t.entries()) else { return false };
        let start = entries.partition_point(|e| e.code.as_str() < code);
        entries[start..].iter().take_while(|e| e.code.as_str() == code).any(|e| {
            e.descriptor.as_deref().is_some_and(|d| {
                let d = d.to_ascii_lowercase();
                d.contains("unlisted")
                    || d.contains("not otherwise classified")
                    || d.contains("not otherwise specified")
            })
        })
    }
}

/// ICD-10-CM chapter 20, external causes of morbidity: V00-Y99.
fn is_external_cause_chapter(code: &str) -> bool {
    matches!(code.as_bytes().first(), Some(b'V' | b'W' | b'X' | b'Y'))
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
    mue: Option<HashMap<Box<str>, MueFacts>>,
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
        r = r.billable("G63", IcdFacts { manifestation: true, ..IcdFacts::default() });
        r = r.billable("P0700", IcdFacts { age: Some(AgeGroup::Newborn), ..IcdFacts::default() });
        r = r.billable("Z3A00", IcdFacts { age: Some(AgeGroup::Maternity), ..IcdFacts::default() });
        r = r.billable("Z0012", IcdFacts { age: Some(AgeGroup::Pediatric), ..IcdFacts::default() });
        r = r.billable("W19XXXA", IcdFacts { external_cause: true, ..IcdFacts::default() });
        r = r.billable("S8290XA", IcdFacts::default());
        // N40.0 (prostate) carried a male sex edit through 2024-09-30, none after.
        let n400 = r.icd.entry("N400".into()).or_default();
        n400.push(IcdRow {
            billable: true,
            from: date("2015-10-01"),
            to: Some(date("2024-09-30")),
            facts: IcdFacts { sex: Some(CodeSex::Male), ..IcdFacts::default() },
        });
        n400.push(IcdRow { billable: true, from: date("2024-10-01"), to: None, facts: IcdFacts::default() });
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
        for (m, ncci, anatomic) in [
            ("25", true, false),
            ("57", true, false),
            ("59", true, false),
            ("XS", true, false),
            ("XU", true, false),
            ("LT", true, true),
            ("RT", true, true),
            ("76", false, false),
            ("GT", false, false),
            ("QW", false, false),
        ] {
            r.modifiers.insert(m.into(), ModifierFacts { ncci_associated: ncci, anatomic });
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

    /// Loads the MUE table with a limit per date of service (adjudication indicator 3).
    pub fn mue(self, code: &str, limit: u32) -> Self {
        self.mue_with_indicator(code, limit, 3)
    }

    /// Loads the MUE table with a limit and its adjudication indicator (1 line, 2 or 3 day).
    pub fn mue_with_indicator(mut self, code: &str, limit: u32, adjudication_indicator: u8) -> Self {
        self.mue
            .get_or_insert_with(HashMap::new)
            .insert(code.into(), MueFacts { units: limit, adjudication_indicator });
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

    fn mue_limit(&self, code: &str) -> TableAnswer<Option<MueFacts>> {
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
        assert_eq!(r.modifier("59"), Some(ModifierFacts { ncci_associated: true, anatomic: false }));
        assert_eq!(r.modifier("RT"), Some(ModifierFacts { ncci_associated: true, anatomic: true }));
        assert_eq!(r.modifier("25").map(|m| m.ncci_associated), Some(true));
        assert_eq!(r.modifier("ZZ"), None);
        assert!(r.place_of_service_known("11"));
        assert!(!r.place_of_service_known("00"));
        assert_eq!(r.procedure("99213", d("2026-01-05")), TableAnswer::NotLoaded);
    }

    #[test]
    fn unlisted_codes_are_sorted_for_lookup_and_known_without_a_table() {
        assert!(UNLISTED_CODES.windows(2).all(|w| w[0] < w[1]));
        let r = CodeSetReference::embedded_only();
        assert!(r.unlisted("17999") && r.unlisted("J3490"));
        assert!(!r.unlisted("17000") && !r.unlisted("99213"));
    }

    #[test]
    fn embedded_icd10_knows_external_causes_and_dated_sex_edits() {
        let r = CodeSetReference::embedded_only();
        let IcdVerdict::Billable(w19) = r.icd10("W19XXXA", d("2026-11-02")) else { panic!("W19XXXA billable") };
        assert!(w19.external_cause);
        let IcdVerdict::Billable(e119) = r.icd10("E119", d("2026-11-02")) else { panic!("E119 billable") };
        assert!(!e119.external_cause);
        let IcdVerdict::Billable(old) = r.icd10("N400", d("2024-09-30")) else { panic!("N400 billable") };
        assert_eq!(old.sex, Some(CodeSex::Male));
        let IcdVerdict::Billable(new) = r.icd10("N400", d("2024-10-01")) else { panic!("N400 billable") };
        assert_eq!(new.sex, None);
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
