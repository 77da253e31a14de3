//! Laboratory codes and CLIA: which procedure codes are laboratory tests a lab certificate covers,
//! and which tests are "waived" (simple enough for a certificate of waiver).
//!
//! A practice that runs tests in its own lab holds a CLIA certificate; Medicare denies a lab line
//! without the certificate number (`REF*X4` in loop 2300, CO-B7 / MA120), and bills a waived test
//! from a waived lab with modifier `QW`:
//!
//! ```text
//! REF*X4*14D0123456~
//! SV1*HC:82947:QW*18*UN*1***1~      glucose, blood: waived when done with a waived device
//! SV1*HC:81002*12*UN*1***1~         dipstick urinalysis: waived, and never takes QW
//! ```
//!
//! CMS publishes the list of waived tests with their codes, `82947QW` for a code that takes the
//! modifier and `81002` for one that does not. [`WaivedTests::parse`] reads that list (any text or
//! CSV export of it: every code-shaped word is taken); [`WaivedTests::builtin`] is a small default
//! list of common waived tests, used until the practice names the current CMS list.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// True for a code a CLIA certificate covers: the CPT pathology and laboratory section (80047-89398)
/// without the services that are not tests of a specimen (skin tests 86485, 86486, 86580; autopsy
/// 88000-88099; sweat and sputum collection 89220, 89230), the proprietary laboratory analyses
/// (four digits and `U`), and the HCPCS laboratory codes in [`HCPCS_LAB_CODES`].
pub fn is_clia_covered(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 5 {
        return false;
    }
    if b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'U' {
        return true;
    }
    if let Ok(n) = code.parse::<u32>()
        && b.iter().all(u8::is_ascii_digit)
    {
        return (80047..=89398).contains(&n)
            && !matches!(n, 86485 | 86486 | 86580 | 89220 | 89230)
            && !(88000..=88099).contains(&n);
    }
    HCPCS_LAB_CODES.contains(&code)
}

/// HCPCS Level II codes for laboratory tests (PSA, screening Pap, fecal occult blood, blood counts
/// and the provider-performed microscopy tests Q0111-Q0115).
pub const HCPCS_LAB_CODES: &[&str] = &[
    "G0103", "G0123", "G0124", "G0141", "G0143", "G0144", "G0145", "G0147", "G0148", "G0306", "G0307", "G0328",
    "G0472", "G0475", "G0476", "G0499", "P3000", "P3001", "Q0111", "Q0112", "Q0113", "Q0114", "Q0115",
];

/// Built-in default: waived tests billed with QW (a common subset of CMS's list; not the whole
/// list, and CMS adds tests every quarter: name the current list with `waived_tests_file`).
const BUILTIN_QW: &[&str] = &[
    "80061", "81003", "82044", "82465", "82947", "82950", "82951", "83036", "83718", "84478", "85014", "85018",
    "85610", "86308", "86318", "87426", "87502", "87631", "87636", "87637", "87804", "87807", "87811", "87880",
    "G0328",
];
/// Built-in default: waived tests that never take QW.
const BUILTIN_NO_QW: &[&str] = &["81002", "81025", "82270", "82272", "82962", "83026", "84830", "85013", "85651"];

/// The waived tests: code -> whether the claim line takes modifier QW.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct WaivedTests {
    /// Where the list came from: `built-in default list` or the file name.
    pub source: String,
    codes: BTreeMap<String, bool>,
}

impl WaivedTests {
    /// The small built-in default list (labelled `built-in default list`).
    pub fn builtin() -> Self {
        let mut codes = BTreeMap::new();
        codes.extend(BUILTIN_QW.iter().map(|c| (c.to_string(), true)));
        codes.extend(BUILTIN_NO_QW.iter().map(|c| (c.to_string(), false)));
        WaivedTests { source: "built-in default list".into(), codes }
    }

    /// Reads CMS's list of waived tests, as text or CSV: every word shaped like a procedure code
    /// is a waived test, followed by `QW` (`82947QW`) when it takes the modifier. A code listed
    /// both ways takes QW. `None` when the text names no code at all.
    pub fn parse(text: &str, source: &str) -> Option<Self> {
        let mut codes: BTreeMap<String, bool> = BTreeMap::new();
        for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            let word = word.to_ascii_uppercase();
            let (code, qw) = match word.len() {
                7 if word.ends_with("QW") => (&word[..5], true),
                5 => (&word[..], false),
                _ => continue,
            };
            if procedure_shaped(code) {
                *codes.entry(code.to_string()).or_insert(qw) |= qw;
            }
        }
        (!codes.is_empty()).then(|| WaivedTests { source: source.to_string(), codes })
    }

    /// `Some(takes_qw)` for a waived test, `None` for any other code.
    pub fn get(&self, code: &str) -> Option<bool> {
        self.codes.get(code).copied()
    }

    /// True for a waived test billed with QW.
    pub fn takes_qw(&self, code: &str) -> bool {
        self.get(code) == Some(true)
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// CPT (five digits, or four and F/T/U) or HCPCS Level II (a letter and four digits).
fn procedure_shaped(code: &str) -> bool {
    let b = code.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    b.len() == 5
        && (digits(b)
            || (digits(&b[..4]) && matches!(b[4], b'F' | b'T' | b'U'))
            || (b[0].is_ascii_uppercase() && digits(&b[1..])))
}

/// A CLIA certificate number: two digits, `D`, seven digits (`14D0123456`).
pub fn clia_number_is_valid(number: &str) -> bool {
    let b = number.as_bytes();
    b.len() == 10 && b[..2].iter().all(u8::is_ascii_digit) && b[2] == b'D' && b[3..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laboratory_codes_are_the_cpt_lab_section_pla_codes_and_hcpcs_lab_codes() {
        for code in ["82947", "83036", "80061", "87880", "81002", "0001U", "G0328", "Q0111"] {
            assert!(is_clia_covered(code), "{code}");
        }
        for code in ["99213", "36415", "86580", "88020", "J1100", "80046", "89399", "8294"] {
            assert!(!is_clia_covered(code), "{code}");
        }
    }

    #[test]
    fn the_cms_list_marks_codes_taking_qw_with_the_modifier() {
        let text = "Test Name,Manufacturer,CPT Code(s),Use\n\
                    \"Cholestech LDX, lipid panel\",Synthetic Co.,\"80061QW, 82947QW\",Lipids\n\
                    Dipstick urinalysis (synthetic),Synthetic Co.,81002,Urine\n\
                    Glucose meter (synthetic),Other Co.,82947,Glucose\n";
        let w = WaivedTests::parse(text, "waived.csv").unwrap();
        assert_eq!((w.get("80061"), w.get("81002"), w.get("82947")), (Some(true), Some(false), Some(true)));
        assert_eq!(w.get("99213"), None);
        assert_eq!(w.len(), 3);
        assert!(WaivedTests::parse("no codes here, 2026\n", "x").is_none());
    }

    #[test]
    fn the_builtin_list_is_labelled_and_knows_common_tests() {
        let w = WaivedTests::builtin();
        assert_eq!(w.source, "built-in default list");
        assert!(w.takes_qw("82947") && w.takes_qw("83036") && w.takes_qw("87880"));
        assert_eq!(w.get("81002"), Some(false));
        assert!(BUILTIN_QW.iter().chain(BUILTIN_NO_QW).all(|c| is_clia_covered(c)));
    }

    #[test]
    fn clia_numbers_are_two_digits_d_and_seven_digits() {
        assert!(clia_number_is_valid("14D0123456"));
        assert!(!clia_number_is_valid("14X0123456"));
        assert!(!clia_number_is_valid("14D012345"));
    }
}
