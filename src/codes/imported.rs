//! Code sets the user imports (licensed or published quarterly), as typed in-memory tables:
//! CPT and HCPCS Level II procedure codes, NCCI procedure-to-procedure edits, medically unlikely
//! edits (MUE), the practice's fee schedule and the official CARC/RARC texts.
//!
//! An NCCI PTP edit says two codes billed together on one day for one patient pay only the
//! column 1 code unless the modifier indicator allows an NCCI-associated modifier:
//! ```text
//! Column 1  Column 2  *  Effective  Deletion  Modifier  Rationale
//! 20610     99213        20210101   *         1         Misuse of column two code with column one code
//! ```
//! The ledger stores these tables (`ledger::codesets`); this module only answers questions.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A five-character CPT or HCPCS code (`99213`, `0001U`, `J1100`), upper case.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProcedureCode([u8; 5]);

impl ProcedureCode {
    /// Parses a code; `None` unless exactly five ASCII letters/digits.
    pub fn parse(text: &str) -> Option<ProcedureCode> {
        let t = text.trim().as_bytes();
        if t.len() != 5 || !t.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        let mut b = [0u8; 5];
        for (o, i) in b.iter_mut().zip(t) {
            *o = i.to_ascii_uppercase();
        }
        Some(ProcedureCode(b))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// A CPT shape: four digits then a digit or letter (99213, 0001U, 1234F, 0075T).
    pub fn is_cpt_shaped(&self) -> bool {
        self.0[..4].iter().all(u8::is_ascii_digit)
    }

    /// A HCPCS Level II shape: a letter then four digits (J1100, G0439).
    pub fn is_hcpcs_shaped(&self) -> bool {
        self.0[0].is_ascii_uppercase() && self.0[1..].iter().all(u8::is_ascii_digit)
    }
}

impl std::fmt::Debug for ProcedureCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.as_str())
    }
}

impl std::fmt::Display for ProcedureCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn in_period(from: Option<NaiveDate>, to: Option<NaiveDate>, on: NaiveDate) -> bool {
    from.is_none_or(|f| f <= on) && to.is_none_or(|t| on <= t)
}

/// One CPT or HCPCS code with its optional descriptor and validity period (inclusive ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureEntry {
    pub code: ProcedureCode,
    /// CPT descriptors come only from the user's licensed file and stay in their ledger.
    pub descriptor: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl ProcedureEntry {
    pub fn in_effect_on(&self, on: NaiveDate) -> bool {
        in_period(self.valid_from, self.valid_to, on)
    }
}

/// Whether a CPT/HCPCS code may be billed on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcedureLookup<'a> {
    Valid(&'a ProcedureEntry),
    /// Known, but not in effect on that date (added later or terminated).
    NotValidOn {
        nearest: &'a ProcedureEntry,
    },
    Unknown,
}

/// The CPT or HCPCS table imported by the user.
#[derive(Debug, Clone, Default)]
pub struct ProcedureTable {
    entries: Vec<ProcedureEntry>,
}

impl ProcedureTable {
    pub fn new(mut entries: Vec<ProcedureEntry>) -> Self {
        entries.sort_by_key(|e| (e.code, e.valid_from));
        ProcedureTable { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[ProcedureEntry] {
        &self.entries
    }

    fn periods(&self, code: ProcedureCode) -> &[ProcedureEntry] {
        let start = self.entries.partition_point(|e| e.code < code);
        let end = self.entries.partition_point(|e| e.code <= code);
        &self.entries[start..end]
    }

    /// The entry of `code` in effect on `on`.
    pub fn lookup(&self, code: &str, on: NaiveDate) -> ProcedureLookup<'_> {
        let Some(code) = ProcedureCode::parse(code) else { return ProcedureLookup::Unknown };
        let periods = self.periods(code);
        if let Some(e) = periods.iter().rev().find(|e| e.in_effect_on(on)) {
            return ProcedureLookup::Valid(e);
        }
        let distance = |e: &&ProcedureEntry| match (e.valid_from, e.valid_to) {
            (Some(f), _) if on < f => (f - on).num_days(),
            (_, Some(t)) if t < on => (on - t).num_days(),
            _ => 0,
        };
        match periods.iter().min_by_key(distance) {
            Some(nearest) => ProcedureLookup::NotValidOn { nearest },
            None => ProcedureLookup::Unknown,
        }
    }

    /// Entries whose descriptor matches the words, best first (latest period of each code).
    pub fn search(&self, words: &str, on: Option<NaiveDate>, limit: usize) -> Vec<&ProcedureEntry> {
        let query = super::search::Query::new(words);
        let mut hits: Vec<_> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(i, e)| self.entries.get(i + 1).is_none_or(|next| next.code != e.code) || on.is_some())
            .filter(|(_, e)| on.is_none_or(|d| e.in_effect_on(d)))
            .filter_map(|(_, e)| {
                query.score(e.code.as_str(), e.descriptor.as_deref().unwrap_or("")).map(|s| (s, e.code, e))
            })
            .collect();
        hits.sort_by_key(|h| (h.0, h.1));
        hits.dedup_by_key(|h| h.1);
        hits.into_iter().take(limit).map(|h| h.2).collect()
    }
}

/// An NCCI procedure-to-procedure edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PtpEdit {
    /// The code that is paid.
    pub column1: ProcedureCode,
    /// The code denied when billed with column 1 (unless an allowed modifier applies).
    pub column2: ProcedureCode,
    /// 0 never together; 1 allowed with an NCCI-associated modifier; 9 edit not applicable.
    pub modifier_indicator: u8,
    pub effective: NaiveDate,
    /// Last day the edit applies; `None` while in force.
    pub deletion: Option<NaiveDate>,
    /// The pair existed before 1996 (`*` in the CMS file).
    pub prior_1996: bool,
}

impl PtpEdit {
    pub fn in_effect_on(&self, on: NaiveDate) -> bool {
        self.effective <= on && self.deletion.is_none_or(|d| on <= d)
    }
}

/// One row of an NCCI PTP file: the edit and CMS's rationale text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PtpRow {
    pub edit: PtpEdit,
    pub rationale: String,
}

/// The NCCI practitioner PTP edits, held compactly: the CMS files carry millions of edits but a
/// few dozen distinct rationales, so each edit keeps its rationale as an index into the distinct
/// texts (28 bytes an edit instead of about 100 with a text of its own).
#[derive(Debug, Clone, Default)]
pub struct NcciPtpTable {
    /// Sorted by column 1, column 2, effective date.
    edits: Vec<HeldPtpEdit>,
    rationales: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct HeldPtpEdit {
    edit: PtpEdit,
    rationale: u32,
}

/// Builds an [`NcciPtpTable`] one edit at a time (a loader reading millions of rows keeps no
/// rationale text per row).
#[derive(Debug, Default)]
pub struct NcciPtpTableBuilder {
    edits: Vec<HeldPtpEdit>,
    rationales: Vec<String>,
    known: HashMap<String, u32>,
}

impl NcciPtpTableBuilder {
    pub fn push(&mut self, edit: PtpEdit, rationale: &str) {
        let rationale = match self.known.get(rationale) {
            Some(&i) => i,
            None => {
                let i = self.rationales.len() as u32;
                self.rationales.push(rationale.to_string());
                self.known.insert(rationale.to_string(), i);
                i
            }
        };
        self.edits.push(HeldPtpEdit { edit, rationale });
    }

    pub fn build(mut self) -> NcciPtpTable {
        self.edits.sort_by_key(|h| (h.edit.column1, h.edit.column2, h.edit.effective));
        self.edits.shrink_to_fit();
        NcciPtpTable { edits: self.edits, rationales: self.rationales }
    }
}

impl NcciPtpTable {
    pub fn new(rows: Vec<PtpRow>) -> Self {
        let mut builder = NcciPtpTableBuilder::default();
        for row in rows {
            builder.push(row.edit, &row.rationale);
        }
        builder.build()
    }

    pub fn len(&self) -> usize {
        self.edits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    fn find(&self, c1: ProcedureCode, c2: ProcedureCode, on: NaiveDate) -> Option<&HeldPtpEdit> {
        let start = self.edits.partition_point(|h| (h.edit.column1, h.edit.column2) < (c1, c2));
        self.edits[start..]
            .iter()
            .take_while(|h| h.edit.column1 == c1 && h.edit.column2 == c2)
            .filter(|h| h.edit.in_effect_on(on))
            .last()
    }

    /// The edit in effect on `on` between `a` and `b`, whichever is column 1.
    pub fn edit(&self, a: &str, b: &str, on: NaiveDate) -> Option<PtpEdit> {
        let (a, b) = (ProcedureCode::parse(a)?, ProcedureCode::parse(b)?);
        self.find(a, b, on).or_else(|| self.find(b, a, on)).map(|h| h.edit)
    }

    /// The rationale of the edit [`NcciPtpTable::edit`] returns.
    pub fn rationale(&self, edit: &PtpEdit) -> Option<&str> {
        self.find(edit.column1, edit.column2, edit.effective).map(|h| self.rationales[h.rationale as usize].as_str())
    }
}

/// A medically unlikely edit: the most units of a code per line or per day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MueLimit {
    pub code: ProcedureCode,
    pub units: u32,
    /// 1 per line; 2 per date of service (policy, absolute); 3 per date of service (clinical).
    pub adjudication_indicator: u8,
    pub rationale: String,
}

/// The CMS practitioner MUE table.
#[derive(Debug, Clone, Default)]
pub struct MueTable {
    limits: HashMap<ProcedureCode, MueLimit>,
}

impl MueTable {
    pub fn new(rows: Vec<MueLimit>) -> Self {
        MueTable { limits: rows.into_iter().map(|r| (r.code, r)).collect() }
    }

    pub fn len(&self) -> usize {
        self.limits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.limits.is_empty()
    }

    pub fn limit(&self, code: &str) -> Option<&MueLimit> {
        self.limits.get(&ProcedureCode::parse(code)?)
    }
}

/// A contracted (allowed) amount for a code at one payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeRow {
    pub payer_id: String,
    pub code: ProcedureCode,
    /// A rate for the code with this modifier only (26, TC, ...); `None` = the base rate.
    pub modifier: Option<String>,
    pub allowed: Decimal,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// The practice's fee schedule: allowed amounts by payer, code and modifier.
#[derive(Debug, Clone, Default)]
pub struct FeeSchedule {
    rows: HashMap<(String, ProcedureCode), Vec<FeeRow>>,
    len: usize,
}

impl FeeSchedule {
    pub fn new(rows: Vec<FeeRow>) -> Self {
        let len = rows.len();
        let mut map: HashMap<(String, ProcedureCode), Vec<FeeRow>> = HashMap::new();
        for r in rows {
            map.entry((r.payer_id.clone(), r.code)).or_default().push(r);
        }
        FeeSchedule { rows: map, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The allowed amount on `on`: the rate for that modifier if the payer has one, else the base
    /// rate of the code.
    pub fn allowed(&self, payer_id: &str, code: &str, modifier: Option<&str>, on: NaiveDate) -> Option<Decimal> {
        let rows = self.rows.get(&(payer_id.trim().to_string(), ProcedureCode::parse(code)?))?;
        let pick = |m: Option<&str>| {
            rows.iter()
                .filter(|r| in_period(r.valid_from, r.valid_to, on))
                .filter(|r| r.modifier.as_deref().map(str::to_ascii_uppercase) == m.map(str::to_ascii_uppercase))
                .max_by_key(|r| r.valid_from)
                .map(|r| r.allowed)
        };
        modifier.and_then(|m| pick(Some(m))).or_else(|| pick(None))
    }
}

/// The official description of a CARC or RARC code, as imported from the X12 list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialCode {
    pub code: String,
    pub description: String,
    pub valid_from: Option<NaiveDate>,
    /// The stop date: not to be used after it.
    pub valid_to: Option<NaiveDate>,
}

/// An imported official CARC or RARC list.
#[derive(Debug, Clone, Default)]
pub struct OfficialCodeList {
    codes: HashMap<String, OfficialCode>,
}

impl OfficialCodeList {
    pub fn new(rows: Vec<OfficialCode>) -> Self {
        OfficialCodeList { codes: rows.into_iter().map(|r| (r.code.clone(), r)).collect() }
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    pub fn get(&self, code: &str) -> Option<&OfficialCode> {
        self.codes.get(&code.trim().to_ascii_uppercase())
    }

    /// The official text of a code.
    pub fn description(&self, code: &str) -> Option<&str> {
        self.get(code).map(|c| c.description.as_str())
    }
}

/// Every table the user has imported; `None` where nothing was imported, so callers can say
/// "not checked: no table loaded" instead of passing silently.
#[derive(Debug, Clone, Default)]
pub struct ImportedCodeSets {
    pub cpt: Option<ProcedureTable>,
    pub hcpcs: Option<ProcedureTable>,
    pub ncci_ptp: Option<NcciPtpTable>,
    pub mue: Option<MueTable>,
    pub fees: Option<FeeSchedule>,
    pub carc_official: Option<OfficialCodeList>,
    pub rarc_official: Option<OfficialCodeList>,
}

impl ImportedCodeSets {
    /// The CPT or HCPCS table a code belongs in, by its shape.
    pub fn procedure_table_for(&self, code: &str) -> Option<&ProcedureTable> {
        let code = ProcedureCode::parse(code)?;
        if code.is_hcpcs_shaped() { self.hcpcs.as_ref() } else { self.cpt.as_ref() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn pc(s: &str) -> ProcedureCode {
        ProcedureCode::parse(s).unwrap()
    }

    #[test]
    fn procedure_lookup_respects_dates() {
        let t = ProcedureTable::new(vec![
            ProcedureEntry { code: pc("99213"), descriptor: None, valid_from: None, valid_to: None },
            ProcedureEntry {
                code: pc("G0008"),
                descriptor: Some("Flu vaccine administration".into()),
                valid_from: Some(d("2020-01-01")),
                valid_to: Some(d("2025-12-31")),
            },
        ]);
        assert!(matches!(t.lookup("99213", d("2026-01-05")), ProcedureLookup::Valid(_)));
        assert!(matches!(t.lookup("g0008", d("2025-06-01")), ProcedureLookup::Valid(_)));
        assert!(matches!(t.lookup("G0008", d("2026-01-05")), ProcedureLookup::NotValidOn { .. }));
        assert_eq!(t.lookup("99214", d("2026-01-05")), ProcedureLookup::Unknown);
        assert_eq!(t.search("vaccine", None, 5).len(), 1);
    }

    #[test]
    fn ptp_edit_is_found_in_either_order_within_its_dates() {
        let edit = PtpEdit {
            column1: pc("20610"),
            column2: pc("99213"),
            modifier_indicator: 1,
            effective: d("2021-01-01"),
            deletion: None,
            prior_1996: false,
        };
        let t = NcciPtpTable::new(vec![PtpRow { edit, rationale: "Misuse".into() }]);
        assert_eq!(t.edit("99213", "20610", d("2026-01-05")), Some(edit));
        assert_eq!(t.edit("20610", "99213", d("2026-01-05")), Some(edit));
        assert_eq!(t.edit("20610", "99213", d("2020-01-05")), None);
        assert_eq!(t.rationale(&edit), Some("Misuse"));
    }

    #[test]
    fn ptp_edits_share_their_rationale_texts_and_keep_their_own_periods() {
        let edit = |c1: &str, c2: &str, from: &str, to: Option<&str>| PtpEdit {
            column1: pc(c1),
            column2: pc(c2),
            modifier_indicator: 1,
            effective: d(from),
            deletion: to.map(d),
            prior_1996: false,
        };
        let mut b = NcciPtpTableBuilder::default();
        // Out of order, two periods of one pair with different rationales, a text shared by two.
        b.push(edit("36415", "99213", "2021-01-01", None), "Standard of care");
        b.push(edit("20610", "99213", "2023-01-01", None), "Mutually exclusive");
        b.push(edit("20610", "99213", "2019-01-01", Some("2022-12-31")), "Standard of care");
        let t = b.build();
        assert_eq!((t.len(), t.rationales.len()), (3, 2));
        let old = t.edit("99213", "20610", d("2020-06-01")).unwrap();
        assert_eq!((old.effective, t.rationale(&old)), (d("2019-01-01"), Some("Standard of care")));
        let new = t.edit("20610", "99213", d("2026-01-05")).unwrap();
        assert_eq!((new.effective, t.rationale(&new)), (d("2023-01-01"), Some("Mutually exclusive")));
        let other = t.edit("99213", "36415", d("2026-01-05")).unwrap();
        assert_eq!(t.rationale(&other), Some("Standard of care"));
        assert_eq!(t.edit("36415", "20610", d("2026-01-05")), None);
    }

    #[test]
    fn fee_schedule_prefers_the_modifier_rate_then_the_base_rate() {
        let row = |m: Option<&str>, amt: &str| FeeRow {
            payer_id: "MCRB1".into(),
            code: pc("93000"),
            modifier: m.map(Into::into),
            allowed: amt.parse().unwrap(),
            valid_from: Some(d("2026-01-01")),
            valid_to: None,
        };
        let f = FeeSchedule::new(vec![row(None, "16.50"), row(Some("26"), "8.10")]);
        let on = d("2026-03-01");
        assert_eq!(f.allowed("MCRB1", "93000", Some("26"), on), Some("8.10".parse().unwrap()));
        assert_eq!(f.allowed("MCRB1", "93000", Some("59"), on), Some("16.50".parse().unwrap()));
        assert_eq!(f.allowed("MCRB1", "93000", None, on), Some("16.50".parse().unwrap()));
        assert_eq!(f.allowed("MCRB1", "93000", None, d("2025-12-31")), None);
        assert_eq!(f.allowed("ACME1", "93000", None, on), None);
    }
}
