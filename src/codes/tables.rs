//! The small code lists billers meet on every claim and remittance: modifiers, place of service,
//! claim adjustment reason codes (CARC), remittance advice remark codes (RARC), CAS group codes,
//! claim filing indicators and claim frequency codes.
//!
//! ```text
//! SV1*HC:99213:25*125*UN*1***1~    modifier 25 on an office visit, CLM05-1 place of service 11
//! CAS*CO*45*40.00~                 group CO, CARC 45 (charge over the fee schedule)
//! LQ*HE*N130~                      RARC N130
//! ```
//! Labels are our own words (the official CARC/RARC texts belong to X12 and may be imported).

use std::sync::OnceLock;

static SMALL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/small_tables.bin"));
static COUNTS: &str = include_str!(concat!(env!("OUT_DIR"), "/small_table_counts.tsv"));

/// What a modifier does to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModifierKind {
    Pricing,
    Payment,
    Informational,
    Anatomic,
    Ncci,
}

impl ModifierKind {
    pub fn name(self) -> &'static str {
        match self {
            ModifierKind::Pricing => "pricing",
            ModifierKind::Payment => "payment",
            ModifierKind::Informational => "informational",
            ModifierKind::Anatomic => "anatomic",
            ModifierKind::Ncci => "ncci",
        }
    }
}

/// A CPT/HCPCS modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modifier {
    pub code: &'static str,
    pub label: &'static str,
    /// May bypass an NCCI PTP edit whose modifier indicator is 1 (59, XE, XS, XP, XU, anatomic, ...).
    pub ncci_associated: bool,
    pub kind: ModifierKind,
}

/// One embedded list: rows of tab-separated fields, sorted by code.
struct List {
    rows: Vec<Vec<&'static str>>,
}

impl List {
    fn get(&self, code: &str) -> Option<&[&'static str]> {
        let code = code.trim();
        self.rows.binary_search_by(|r| r[0].cmp(code)).ok().map(|i| self.rows[i].as_slice())
    }
}

fn texts() -> &'static Vec<(String, String)> {
    static TEXTS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let bytes = super::inflate(SMALL);
        let mut out = Vec::new();
        let mut at = 0;
        let mut take = |n: usize| {
            let s = bytes.get(at..at + n).unwrap_or_default();
            at += n;
            s
        };
        loop {
            let len = |b: &[u8]| b.try_into().map(u32::from_le_bytes).unwrap_or(0) as usize;
            let n = len(take(4));
            if n == 0 {
                break;
            }
            let name = String::from_utf8_lossy(take(n)).into_owned();
            let t = len(take(4));
            let text = String::from_utf8_lossy(take(t)).into_owned();
            out.push((name, text));
        }
        out
    })
}

fn list(name: &str, cell: &'static OnceLock<List>) -> &'static List {
    cell.get_or_init(|| {
        let text = texts().iter().find(|(n, _)| n == name).map_or("", |(_, t)| t.as_str());
        let mut rows: Vec<Vec<&'static str>> = text
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .filter(|f| f.len() >= 2)
            .collect();
        rows.sort_by(|a, b| a[0].cmp(b[0]));
        List { rows }
    })
}

macro_rules! embedded_list {
    ($fn:ident, $name:literal) => {
        fn $fn() -> &'static List {
            static CELL: OnceLock<List> = OnceLock::new();
            list($name, &CELL)
        }
    };
}
embedded_list!(pos_list, "pos");
embedded_list!(modifier_list, "modifiers");
embedded_list!(carc_list, "carc");
embedded_list!(rarc_list, "rarc");
embedded_list!(cas_list, "cas_group");
embedded_list!(cfi_list, "claim_filing_indicator");
embedded_list!(frequency_list, "claim_frequency");

fn label(row: &[&'static str]) -> &'static str {
    row.get(1).copied().unwrap_or("")
}

fn modifier_of(row: &[&'static str]) -> Option<Modifier> {
    let kind = match row.get(3).copied()? {
        "pricing" => ModifierKind::Pricing,
        "payment" => ModifierKind::Payment,
        "informational" => ModifierKind::Informational,
        "anatomic" => ModifierKind::Anatomic,
        "ncci" => ModifierKind::Ncci,
        _ => return None,
    };
    Some(Modifier { code: row[0], label: label(row), ncci_associated: row.get(2) == Some(&"1"), kind })
}

/// A CPT/HCPCS modifier (`25`, `59`, `xs` -> `XS`).
pub fn modifier(code: &str) -> Option<Modifier> {
    modifier_list().get(&code.trim().to_ascii_uppercase()).and_then(modifier_of)
}

/// Every embedded modifier.
pub fn modifiers() -> Vec<Modifier> {
    modifier_list().rows.iter().filter_map(|r| modifier_of(r)).collect()
}

/// The CMS place-of-service name of a two-digit code (`11` -> Office).
pub fn place_of_service(code: &str) -> Option<&'static str> {
    pos_list().get(code).map(label)
}

/// Our label for a claim adjustment reason code (`45`).
pub fn carc(code: &str) -> Option<&'static str> {
    carc_list().get(&code.trim().to_ascii_uppercase()).map(label)
}

/// Our label for a remittance advice remark code (`N130`); the label may be empty for codes we
/// have not described (the code is still valid).
pub fn rarc(code: &str) -> Option<&'static str> {
    rarc_list().get(&code.trim().to_ascii_uppercase()).map(label)
}

/// The name of an SBR09 claim filing indicator (`MB` Medicare Part B).
pub fn claim_filing_indicator(code: &str) -> Option<&'static str> {
    cfi_list().get(&code.trim().to_ascii_uppercase()).map(label)
}

/// The name of a CAS01 claim adjustment group (`CO`, `PR`, `OA`, `PI`; `CR` for old data).
pub fn cas_group(code: &str) -> Option<&'static str> {
    cas_list().get(&code.trim().to_ascii_uppercase()).map(label)
}

/// A CLM05-3 claim frequency code: its name and whether professional claims use it.
pub fn claim_frequency(code: &str) -> Option<(&'static str, bool)> {
    frequency_list().get(code).map(|r| (label(r), r.get(2) == Some(&"1")))
}

/// The small systems [`search_small`] and [`SmallSystem::label`] know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallSystem {
    Modifier,
    PlaceOfService,
    Carc,
    Rarc,
}

impl SmallSystem {
    pub const ALL: [SmallSystem; 4] =
        [SmallSystem::Modifier, SmallSystem::PlaceOfService, SmallSystem::Carc, SmallSystem::Rarc];

    /// The name used in `--system` and JSON output.
    pub fn name(self) -> &'static str {
        match self {
            SmallSystem::Modifier => "modifier",
            SmallSystem::PlaceOfService => "pos",
            SmallSystem::Carc => "carc",
            SmallSystem::Rarc => "rarc",
        }
    }

    fn list(self) -> &'static List {
        match self {
            SmallSystem::Modifier => modifier_list(),
            SmallSystem::PlaceOfService => pos_list(),
            SmallSystem::Carc => carc_list(),
            SmallSystem::Rarc => rarc_list(),
        }
    }

    /// The label of a code in this system.
    pub fn label(self, code: &str) -> Option<&'static str> {
        match self {
            SmallSystem::Modifier => modifier(code).map(|m| m.label),
            SmallSystem::PlaceOfService => place_of_service(code),
            SmallSystem::Carc => carc(code),
            SmallSystem::Rarc => rarc(code),
        }
    }
}

/// Codes of a small system whose label matches the words, best first: (code, label).
pub fn search_small(system: SmallSystem, words: &str, limit: usize) -> Vec<(&'static str, &'static str)> {
    let query = super::search::Query::new(words);
    let mut hits: Vec<_> =
        system.list().rows.iter().filter_map(|r| query.score(r[0], label(r)).map(|s| (s, r[0], label(r)))).collect();
    hits.sort();
    hits.into_iter().take(limit).map(|(_, c, l)| (c, l)).collect()
}

/// Where an embedded small table comes from (`codesets/SOURCES.md` has the details).
pub fn embedded_source(table: &str) -> &'static str {
    match table {
        "pos" => "CMS place-of-service codes, checked against pyx12==4.0.0",
        "modifiers" => "claimkit (tools/codesets/modifiers_labels.tsv), labels in our own words",
        "carc" => "codes: validedi==0.4.0; labels in our own words",
        "rarc" => "codes: pyx12==4.0.0; labels in our own words",
        "cas_group" | "claim_filing_indicator" => "pyx12==4.0.0 maps; names in our own words",
        "claim_frequency" => "NUBC/X12 frequency codes; names in our own words",
        _ => "codesets/SOURCES.md",
    }
}

/// Row counts of the embedded small tables, by file name (`pos`, `modifiers`, ...), without
/// inflating them.
pub fn embedded_counts() -> Vec<(&'static str, usize)> {
    COUNTS.lines().filter_map(|l| l.split_once('\t')).map(|(name, n)| (name, n.parse().unwrap_or(0))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_know_ncci_association() {
        let m59 = modifier("59").unwrap();
        assert!(m59.ncci_associated);
        assert!(modifier("xs").unwrap().ncci_associated);
        assert!(!modifier("26").unwrap().ncci_associated);
        assert!(modifier("25").is_some());
        assert!(modifier("ZZ").is_none());
    }

    #[test]
    fn small_lists_answer_by_code() {
        assert!(place_of_service("11").unwrap().contains("Office"));
        assert!(place_of_service("00").is_none());
        assert!(carc("45").is_some());
        assert!(rarc("N130").is_some());
        assert!(claim_filing_indicator("MB").is_some());
        assert!(cas_group("CO").is_some());
        assert_eq!(claim_frequency("7").map(|f| f.1), Some(true));
        assert_eq!(claim_frequency("5").map(|f| f.1), Some(false));
    }

    #[test]
    fn counts_match_the_tables() {
        let counts = embedded_counts();
        assert!(counts.contains(&("pos", 52)));
        assert!(counts.contains(&("carc", 273)));
    }
}
