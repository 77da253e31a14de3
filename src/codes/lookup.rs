//! One question across every code set: "what is `E119` / `99213` / `25` / `N130`, and may I use it
//! on this date?" A code may belong to several systems (`11` is a place of service and a CARC);
//! each system that knows it gives one [`CodeFinding`].

use chrono::NaiveDate;

use super::imported::{ImportedCodeSets, OfficialCodeList, ProcedureCode, ProcedureLookup, ProcedureTable};
use super::search::{Query, Score};
use super::tables::SmallSystem;
use super::{IcdLookup, icd10cm};

/// The code systems claimkit knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CodeSystem {
    #[value(name = "icd10cm")]
    Icd10Cm,
    Cpt,
    Hcpcs,
    Modifier,
    Pos,
    Carc,
    Rarc,
}

impl CodeSystem {
    pub const ALL: [CodeSystem; 7] = [
        CodeSystem::Icd10Cm,
        CodeSystem::Cpt,
        CodeSystem::Hcpcs,
        CodeSystem::Modifier,
        CodeSystem::Pos,
        CodeSystem::Carc,
        CodeSystem::Rarc,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CodeSystem::Icd10Cm => "icd10cm",
            CodeSystem::Cpt => "cpt",
            CodeSystem::Hcpcs => "hcpcs",
            CodeSystem::Modifier => "modifier",
            CodeSystem::Pos => "pos",
            CodeSystem::Carc => "carc",
            CodeSystem::Rarc => "rarc",
        }
    }

    fn small(self) -> Option<SmallSystem> {
        match self {
            CodeSystem::Modifier => Some(SmallSystem::Modifier),
            CodeSystem::Pos => Some(SmallSystem::PlaceOfService),
            CodeSystem::Carc => Some(SmallSystem::Carc),
            CodeSystem::Rarc => Some(SmallSystem::Rarc),
            _ => None,
        }
    }
}

/// What one code system says about a code. `system` is `None` when no loaded set knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeFinding {
    /// The code as the system spells it (ICD-10-CM without the dot), or as entered when unknown.
    pub code: String,
    pub system: Option<CodeSystem>,
    /// Usable on the date: in effect, and for ICD-10-CM also billable.
    pub valid: bool,
    /// ICD-10-CM only: a billable leaf (as opposed to a header).
    pub billable: Option<bool>,
    pub description: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// ICD-10-CM: Medicare Code Editor attributes of the period. Modifiers: their kind
    /// (`pricing`, `payment`, `informational`, `anatomic`, `ncci`) and `ncci_associated`.
    pub attributes: Vec<&'static str>,
    /// Why it is not valid, or which table was missing.
    pub note: Option<String>,
}

impl CodeFinding {
    fn new(code: impl Into<String>, system: CodeSystem, valid: bool, description: impl Into<String>) -> Self {
        CodeFinding {
            code: code.into(),
            system: Some(system),
            valid,
            billable: None,
            description: description.into(),
            valid_from: None,
            valid_to: None,
            attributes: Vec::new(),
            note: None,
        }
    }
}

fn period_note(from: Option<NaiveDate>, to: Option<NaiveDate>, on: NaiveDate) -> String {
    let range = match (from, to) {
        (Some(f), Some(t)) => format!("valid {f} to {t}"),
        (Some(f), None) => format!("valid from {f}"),
        (None, Some(t)) => format!("valid until {t}"),
        (None, None) => "no validity period".into(),
    };
    format!("not valid on {on}: {range}")
}

/// Looks a code up in every set: the embedded ones and, when given, the imported ones.
pub fn lookup_everywhere(code: &str, on: NaiveDate, imported: Option<&ImportedCodeSets>) -> Vec<CodeFinding> {
    let mut found = Vec::new();
    let entered = code.trim();
    let upper = entered.to_ascii_uppercase();

    match icd10cm().lookup(entered, on) {
        IcdLookup::Unknown => {}
        lookup => {
            if let Some(c) = lookup.code() {
                let valid = lookup.is_billable();
                let mut f = CodeFinding::new(c.code, CodeSystem::Icd10Cm, valid, c.title);
                f.billable = Some(c.billable);
                f.valid_from = Some(c.valid_from);
                f.valid_to = c.valid_to;
                f.attributes = c.attributes.names();
                f.note = match lookup {
                    IcdLookup::NotValidOn { .. } => Some(period_note(Some(c.valid_from), c.valid_to, on)),
                    _ if !c.billable => Some("header code: not billable, report a more specific code".into()),
                    _ => None,
                };
                found.push(f);
            }
        }
    }

    if let Some(pc) = ProcedureCode::parse(entered) {
        let (system, table) = if pc.is_hcpcs_shaped() {
            (CodeSystem::Hcpcs, imported.and_then(|i| i.hcpcs.as_ref()))
        } else {
            (CodeSystem::Cpt, imported.and_then(|i| i.cpt.as_ref()))
        };
        if let Some(f) = table.and_then(|t| procedure_finding(t, system, pc, on)) {
            found.push(f);
        }
    }

    for small in [SmallSystem::Modifier, SmallSystem::PlaceOfService, SmallSystem::Carc, SmallSystem::Rarc] {
        let Some(label) = small.label(&upper) else { continue };
        let system = match small {
            SmallSystem::Modifier => CodeSystem::Modifier,
            SmallSystem::PlaceOfService => CodeSystem::Pos,
            SmallSystem::Carc => CodeSystem::Carc,
            SmallSystem::Rarc => CodeSystem::Rarc,
        };
        let official = match system {
            CodeSystem::Carc => imported.and_then(|i| i.carc_official.as_ref()),
            CodeSystem::Rarc => imported.and_then(|i| i.rarc_official.as_ref()),
            _ => None,
        };
        let mut f = small_finding(&upper, system, label, official, on);
        if let Some(m) = (system == CodeSystem::Modifier).then(|| super::modifier(&upper)).flatten() {
            f.attributes.push(m.kind.name());
            if m.ncci_associated {
                f.attributes.push("ncci_associated");
            }
        }
        found.push(f);
    }
    // Official CARC/RARC codes newer than our embedded list.
    for (system, list) in [
        (CodeSystem::Carc, imported.and_then(|i| i.carc_official.as_ref())),
        (CodeSystem::Rarc, imported.and_then(|i| i.rarc_official.as_ref())),
    ] {
        if !found.iter().any(|f| f.system == Some(system))
            && let Some(list) = list
            && list.get(&upper).is_some()
        {
            found.push(small_finding(&upper, system, "", Some(list), on));
        }
    }

    if found.is_empty() {
        found.push(CodeFinding {
            code: entered.to_string(),
            system: None,
            valid: false,
            billable: None,
            description: String::new(),
            valid_from: None,
            valid_to: None,
            attributes: Vec::new(),
            note: Some(not_found_note(entered, imported)),
        });
    }
    found
}

fn not_found_note(code: &str, imported: Option<&ImportedCodeSets>) -> String {
    match ProcedureCode::parse(code) {
        Some(pc) if pc.is_hcpcs_shaped() && imported.is_none_or(|i| i.hcpcs.is_none()) => {
            super::ImportKind::Hcpcs.missing_note().into()
        }
        Some(pc) if pc.is_cpt_shaped() && imported.is_none_or(|i| i.cpt.is_none()) => {
            super::ImportKind::Cpt.missing_note().into()
        }
        _ => "not found in any loaded code set".into(),
    }
}

fn procedure_finding(
    table: &ProcedureTable,
    system: CodeSystem,
    code: ProcedureCode,
    on: NaiveDate,
) -> Option<CodeFinding> {
    let (entry, valid) = match table.lookup(code.as_str(), on) {
        ProcedureLookup::Valid(e) => (e, true),
        ProcedureLookup::NotValidOn { nearest } => (nearest, false),
        ProcedureLookup::Unknown => return None,
    };
    let mut f = CodeFinding::new(code.as_str(), system, valid, entry.descriptor.clone().unwrap_or_default());
    f.valid_from = entry.valid_from;
    f.valid_to = entry.valid_to;
    if !valid {
        f.note = Some(period_note(entry.valid_from, entry.valid_to, on));
    }
    Some(f)
}

fn small_finding(
    code: &str,
    system: CodeSystem,
    label: &str,
    official: Option<&OfficialCodeList>,
    on: NaiveDate,
) -> CodeFinding {
    match official.and_then(|l| l.get(code)) {
        Some(o) => {
            let valid = o.valid_from.is_none_or(|f| f <= on) && o.valid_to.is_none_or(|t| on <= t);
            let mut f = CodeFinding::new(code, system, valid, o.description.clone());
            f.valid_from = o.valid_from;
            f.valid_to = o.valid_to;
            if !valid {
                f.note = Some(period_note(o.valid_from, o.valid_to, on));
            }
            f
        }
        None => CodeFinding::new(code, system, true, label),
    }
}

/// Searches titles and labels, best matches first. `system` limits the search to one set; the
/// imported CPT/HCPCS tables are searched only when given.
pub fn search_everywhere(
    text: &str,
    system: Option<CodeSystem>,
    on: Option<NaiveDate>,
    limit: usize,
    imported: Option<&ImportedCodeSets>,
) -> Vec<CodeFinding> {
    let query = Query::new(text);
    let mut hits: Vec<(Score, usize, CodeFinding)> = Vec::new();
    // Within a relevance tier, codes a claim can carry (billable ICD-10-CM leaves) come first.
    let wanted = |s: CodeSystem| system.is_none_or(|w| w == s);
    let mut push = |sys: CodeSystem, f: CodeFinding| {
        if let Some(score) = query.score(&f.code, &f.description) {
            let order = CodeSystem::ALL.iter().position(|s| *s == sys).unwrap_or(0);
            hits.push((score, order, f));
        }
    };
    if wanted(CodeSystem::Icd10Cm) {
        for c in icd10cm().search(text, on, limit) {
            let valid = on.is_none_or(|d| c.in_effect_on(d)) && c.billable;
            let mut f = CodeFinding::new(c.code, CodeSystem::Icd10Cm, valid, c.title);
            f.billable = Some(c.billable);
            f.valid_from = Some(c.valid_from);
            f.valid_to = c.valid_to;
            f.attributes = c.attributes.names();
            push(CodeSystem::Icd10Cm, f);
        }
    }
    for (sys, table) in [
        (CodeSystem::Cpt, imported.and_then(|i| i.cpt.as_ref())),
        (CodeSystem::Hcpcs, imported.and_then(|i| i.hcpcs.as_ref())),
    ] {
        if !wanted(sys) {
            continue;
        }
        for e in table.map(|t| t.search(text, on, limit)).unwrap_or_default() {
            let valid = on.is_none_or(|d| e.in_effect_on(d));
            let mut f = CodeFinding::new(e.code.as_str(), sys, valid, e.descriptor.clone().unwrap_or_default());
            f.valid_from = e.valid_from;
            f.valid_to = e.valid_to;
            push(sys, f);
        }
    }
    for sys in [CodeSystem::Modifier, CodeSystem::Pos, CodeSystem::Carc, CodeSystem::Rarc] {
        if !wanted(sys) {
            continue;
        }
        let Some(small) = sys.small() else { continue };
        for (code, label) in super::tables::search_small(small, text, limit) {
            push(sys, CodeFinding::new(code, sys, true, label));
        }
    }
    hits.sort_by_key(|h| (h.0.tier(), h.2.billable == Some(false), h.0, h.1));
    hits.into_iter().take(limit).map(|h| h.2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_modifier_finding_says_whether_it_is_ncci_associated() {
        let f = lookup_everywhere("xs", d("2025-11-15"), None);
        let m = f.iter().find(|f| f.system == Some(CodeSystem::Modifier)).unwrap();
        assert!(m.attributes.contains(&"ncci_associated"), "{m:?}");
    }

    #[test]
    fn an_icd_header_is_found_but_not_valid() {
        let f = lookup_everywhere("E11", d("2025-11-15"), None);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].system, Some(CodeSystem::Icd10Cm));
        assert_eq!((f[0].valid, f[0].billable), (false, Some(false)));
    }

    #[test]
    fn a_code_in_two_systems_gives_two_findings() {
        let f = lookup_everywhere("11", d("2025-11-15"), None);
        let systems: Vec<_> = f.iter().filter_map(|f| f.system).collect();
        assert!(systems.contains(&CodeSystem::Pos) && systems.contains(&CodeSystem::Carc), "{systems:?}");
    }

    #[test]
    fn an_unknown_code_has_no_system_and_says_what_was_missing() {
        let f = lookup_everywhere("99213", d("2025-11-15"), None);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].system, f[0].valid), (None, false));
        assert!(f[0].note.as_deref().unwrap().starts_with("CPT not loaded"));
        let f = lookup_everywhere("QQQ", d("2025-11-15"), None);
        assert_eq!(f[0].system, None);
    }

    #[test]
    fn search_limits_to_one_system() {
        let hits = search_everywhere("office", Some(CodeSystem::Pos), None, 5, None);
        assert!(!hits.is_empty());
        assert!(hits.iter().all(|h| h.system == Some(CodeSystem::Pos)));
    }
}
