//! The practice: who bills, who submits, where claims go and which payers pay.
//!
//! Loaded from a TOML file by `claimkit init --practice FILE.toml` and kept in the ledger. The
//! billing provider appears on every claim (837P loop 2010AA); the submitter and receiver name the
//! two ends of the interchange (1000A/1000B, ISA06/ISA08); each payer says which receiver
//! (clearinghouse) its claims go through, its claim filing indicator (SBR09), its timely filing
//! limit, which billing NPIs are enrolled with it, and rule overrides for the scrubber.
//!
//! ```toml
//! [billing_provider]
//! name = "Maple Street Family Medicine"
//! npi = "1234567893"
//! tin = "123456789"
//! taxonomy = "207Q00000X"
//! address = { line1 = "100 Maple St", city = "Springfield", state = "IL", zip = "627011234" }
//!
//! [[payers]]
//! id = "MCRB1"
//! name = "Medicare Part B"
//! receiver = "CLEARINGHOUSE"
//! claim_filing_indicator = "MB"
//! timely_filing_days = 365
//! member_id_format = "mbi"
//! ```

use serde::{Deserialize, Serialize};

use crate::codes::{WaivedTests, clia_number_is_valid};
use crate::encounter::Address;

/// The billing provider (837P 2010AA): the practice or group that is paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillingProvider {
    pub name: String,
    /// Type 2 (organization) or type 1 NPI, 10 digits with a valid check digit.
    pub npi: String,
    /// Employer identification number (EIN), 9 digits, sent as REF*EI.
    pub tin: String,
    /// NUCC provider taxonomy code: 10 characters ending in X.
    pub taxonomy: String,
    /// A street address (no PO box) with a 9-digit ZIP.
    pub address: Address,
    pub phone: Option<String>,
    /// Where payments go, when not the billing address (2010AB).
    pub pay_to: Option<Address>,
    /// The CLIA certificate number of the practice's lab (`14D0123456`), sent as `REF*X4` on claims
    /// with laboratory tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clia: Option<String>,
}

/// A service facility with a lab certificate of its own: claims for services there carry its CLIA
/// number instead of the billing provider's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    /// The facility's NPI, as the encounters name it (`facility_npi`).
    pub npi: String,
    pub clia: String,
}

/// The submitter (1000A): who sends the files, with a contact the clearinghouse can call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submitter {
    pub name: String,
    /// Electronic transmitter ID the clearinghouse assigned (NM109 of 1000A).
    pub etin: String,
    /// ISA05 (default `ZZ`).
    #[serde(default = "mutually_defined")]
    pub isa_qualifier: String,
    /// ISA06 and GS02; defaults to the ETIN.
    pub isa_id: Option<String>,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

impl Submitter {
    pub fn interchange_id(&self) -> &str {
        self.isa_id.as_deref().unwrap_or(&self.etin)
    }
}

/// Test or production data (ISA15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Usage {
    #[default]
    #[serde(rename = "T")]
    Test,
    #[serde(rename = "P")]
    Production,
}

impl Usage {
    pub fn code(self) -> char {
        match self {
            Usage::Test => 'T',
            Usage::Production => 'P',
        }
    }
}

/// A receiver (clearinghouse or payer front end) that claim files are sent to (1000B, ISA08).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receiver {
    /// The practice's own short name for it, used by payers' `receiver = "..."`.
    pub id: String,
    pub name: String,
    /// NM109 of 1000B (the receiver's ETIN).
    pub etin: String,
    /// ISA07 (default `ZZ`).
    #[serde(default = "mutually_defined")]
    pub isa_qualifier: String,
    /// ISA08 and GS03; defaults to the ETIN.
    pub isa_id: Option<String>,
    #[serde(default)]
    pub usage: Usage,
}

impl Receiver {
    pub fn interchange_id(&self) -> &str {
        self.isa_id.as_deref().unwrap_or(&self.etin)
    }
}

/// How a payer's member IDs look, for the member-ID rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MemberIdFormat {
    /// Medicare Beneficiary Identifier: 11 characters, no S L O I B Z.
    Mbi,
    /// Any 2-80 characters.
    #[default]
    Any,
}

/// How a scrub rule applies for one payer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSetting {
    Off,
    Error,
    Warning,
    Info,
}

/// A payer the practice bills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payer {
    /// Payer ID (2010BB NM109), as the clearinghouse lists it.
    pub id: String,
    pub name: String,
    /// The [`Receiver::id`] its claims go through.
    pub receiver: String,
    /// SBR09: MB Medicare Part B, MC Medicaid, CI commercial, BL Blue Cross...
    pub claim_filing_indicator: String,
    /// Days from the date of service within which the claim must be filed.
    pub timely_filing_days: u32,
    #[serde(default)]
    pub member_id_format: MemberIdFormat,
    /// Billing NPIs enrolled with this payer; empty means "not tracked".
    #[serde(default)]
    pub enrolled_npis: Vec<String>,
    /// Scrub rule ID -> setting for this payer (`"MODIFIER-25-EM" = "off"`).
    #[serde(default)]
    pub rule_overrides: std::collections::BTreeMap<String, RuleSetting>,
    /// Drug HCPCS codes (J-codes...) need an NDC; default: Medicaid payers (filing indicator MC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ndc_required: Option<bool>,
    /// Waived lab tests take modifier QW; default: Medicare Part B (filing indicator MB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qw_for_waived_tests: Option<bool>,
    /// How the payer takes a correction of a processed claim: `replacement` (an 837 with frequency
    /// 7 or 8) or `reopening` (a request outside the 837); default: reopening for Medicare Part B
    /// (filing indicator MB), replacement otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrections: Option<CorrectionPolicy>,
    /// Days after which an eligibility answer is stale (`ELIGIBILITY-STALE`); default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility_stale_days: Option<u32>,
}

/// How a payer takes corrections of a processed claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CorrectionPolicy {
    /// A replacement (frequency 7) or void (frequency 8) claim.
    Replacement,
    /// A reopening request (Medicare Part B contractors): no 837 is sent.
    Reopening,
}

impl Payer {
    /// The payer's correction policy (`corrections`, else reopening for Medicare Part B).
    pub fn correction_policy(&self) -> CorrectionPolicy {
        self.corrections.unwrap_or(if self.claim_filing_indicator == "MB" {
            CorrectionPolicy::Reopening
        } else {
            CorrectionPolicy::Replacement
        })
    }

    /// True when the payer rejects a drug HCPCS line without an NDC (`ndc_required`, else Medicaid).
    pub fn requires_ndc(&self) -> bool {
        self.ndc_required.unwrap_or(self.claim_filing_indicator == "MC")
    }

    /// True when waived lab tests go to this payer with QW (`qw_for_waived_tests`, else Medicare).
    pub fn requires_qw(&self) -> bool {
        self.qw_for_waived_tests.unwrap_or(self.claim_filing_indicator == "MB")
    }
}

/// A rendering provider who works for the practice (2310B / 2420A).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderingProvider {
    pub npi: String,
    pub last: String,
    pub first: String,
    pub taxonomy: String,
}

/// The whole practice configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    pub billing_provider: BillingProvider,
    pub submitter: Submitter,
    pub receivers: Vec<Receiver>,
    pub payers: Vec<Payer>,
    #[serde(default)]
    pub rendering_providers: Vec<RenderingProvider>,
    /// Service facilities with a CLIA certificate of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facilities: Vec<Facility>,
    /// CMS's list of CLIA-waived tests (a text or CSV file, relative to the practice file), read
    /// when the practice is loaded; without it the built-in default list is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waived_tests_file: Option<String>,
    /// The waived tests read from `waived_tests_file` (kept with the practice in the ledger).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waived_tests: Option<WaivedTests>,
    /// What patient statements say beyond the ledger's figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statements: Option<StatementSettings>,
}

/// The practice's words on patient statements (`[statements]` in the practice file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StatementSettings {
    /// The practice's own short description of a procedure code, in plain words
    /// (`"99213" = "Office visit"`); never the AMA's CPT descriptors.
    #[serde(default)]
    pub descriptions: std::collections::BTreeMap<String, String>,
    /// How to pay, as printed on the statement ("Pay online at ... or call ...").
    pub how_to_pay: Option<String>,
    /// Days from the statement date to the due date (default 30).
    pub due_days: Option<u32>,
}

impl Practice {
    /// The waived tests: the list named by `waived_tests_file`, else the built-in default list.
    pub fn waived_tests(&self) -> std::borrow::Cow<'_, WaivedTests> {
        match &self.waived_tests {
            Some(w) => std::borrow::Cow::Borrowed(w),
            None => std::borrow::Cow::Owned(WaivedTests::builtin()),
        }
    }

    /// The CLIA number for services at `facility_npi`: the facility's own, else the billing
    /// provider's.
    pub fn clia_for(&self, facility_npi: Option<&str>) -> Option<&str> {
        facility_npi
            .and_then(|npi| self.facilities.iter().find(|f| f.npi == npi))
            .map(|f| f.clia.as_str())
            .or(self.billing_provider.clia.as_deref())
    }

    pub fn payer(&self, id: &str) -> Option<&Payer> {
        self.payers.iter().find(|p| p.id == id)
    }

    pub fn receiver(&self, id: &str) -> Option<&Receiver> {
        self.receivers.iter().find(|r| r.id == id)
    }

    pub fn rendering_provider(&self, npi: &str) -> Option<&RenderingProvider> {
        self.rendering_providers.iter().find(|r| r.npi == npi)
    }
}

fn mutually_defined() -> String {
    "ZZ".into()
}

/// The check digit of an NPI: Luhn over `"80840"` followed by the first nine digits.
///
/// `npi_is_valid("1234567893")` is true; any 10 digits whose last digit does not match, or any
/// other length, is false.
pub fn npi_is_valid(npi: &str) -> bool {
    let bytes = npi.as_bytes();
    if bytes.len() != 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    // The "80840" prefix always contributes 24 to the Luhn sum of a 10-digit NPI.
    let mut sum = 24u32;
    for (i, b) in bytes[..9].iter().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    let check = (10 - sum % 10) % 10;
    u32::from(bytes[9] - b'0') == check
}

/// USPS state, district, territory and military codes accepted in N402.
pub const US_STATE_CODES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
    "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR",
    "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "UM",
    "FM", "MH", "PW", "AA", "AE", "AP",
];

/// True for a USPS state code (`IL`, `DC`, `PR`...).
pub fn state_is_valid(state: &str) -> bool {
    US_STATE_CODES.contains(&state)
}

/// True for a ZIP code of 5 or 9 digits without a hyphen.
pub fn zip_is_valid(zip: &str) -> bool {
    (zip.len() == 5 || zip.len() == 9) && zip.bytes().all(|b| b.is_ascii_digit())
}

/// True for a NUCC taxonomy code shape: 10 characters, letters and digits, ending in X.
pub fn taxonomy_is_valid(taxonomy: &str) -> bool {
    taxonomy.len() == 10 && taxonomy.ends_with('X') && taxonomy.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// True when an address line looks like a post-office box (not allowed for the billing provider).
pub fn is_po_box(line: &str) -> bool {
    let squeezed: String = line.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase();
    squeezed.starts_with("POBOX") || squeezed.starts_with("POSTOFFICEBOX") || squeezed.starts_with("BOX")
}

/// One thing wrong in a practice file, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeProblem {
    /// 1-based line in the TOML file.
    pub line: usize,
    /// Dotted path of the field (`payers[2].receiver`).
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for PracticeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

/// Why a practice file cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PracticeError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Syntax { path: String, line: usize, message: String },
    #[error("{path}: {} problem(s):\n{}", problems.len(), problems.iter().map(|p| format!("  {path}:{}: {}: {}", p.line, p.field, p.message)).collect::<Vec<_>>().join("\n"))]
    Invalid { path: String, problems: Vec<PracticeProblem> },
}

impl Practice {
    /// Reads and validates a practice TOML file; every problem is reported with its line.
    pub fn load(path: &std::path::Path) -> Result<Practice, PracticeError> {
        let text = crate::files::read_input_to_string(path)
            .map_err(|source| PracticeError::Io { path: path.display().to_string(), source })?;
        let mut practice = Practice::parse(&text, &path.display().to_string())?;
        if let Some(name) = &practice.waived_tests_file {
            let file = path.parent().unwrap_or(std::path::Path::new("")).join(name);
            let bytes = std::fs::read(&file)
                .map_err(|source| PracticeError::Io { path: file.display().to_string(), source })?;
            // CMS's exports are Windows-1252; only the ASCII codes matter here.
            let text = String::from_utf8_lossy(&bytes);
            let waived = WaivedTests::parse(&text, name).ok_or_else(|| PracticeError::Invalid {
                path: path.display().to_string(),
                problems: vec![PracticeProblem {
                    line: 1 + text_line_of(&std::fs::read_to_string(path).unwrap_or_default(), "waived_tests_file"),
                    field: "waived_tests_file".into(),
                    message: format!("{} names no procedure code: not a list of waived tests", file.display()),
                }],
            })?;
            practice.waived_tests = Some(waived);
        }
        Ok(practice)
    }

    /// Parses and validates practice TOML text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Practice, PracticeError> {
        let practice: Practice = toml::from_str(text).map_err(|e| PracticeError::Syntax {
            path: path.to_string(),
            line: e.span().map_or(1, |s| line_of_offset(text, s.start)),
            message: e.message().to_string(),
        })?;
        let doc = toml_edit::ImDocument::parse(text).map_err(|e| PracticeError::Syntax {
            path: path.to_string(),
            line: e.span().map_or(1, |s| line_of_offset(text, s.start)),
            message: e.message().to_string(),
        })?;
        let problems = practice.problems(&|field: &str| line_of_field(&doc, text, field));
        if problems.is_empty() {
            Ok(practice)
        } else {
            Err(PracticeError::Invalid { path: path.to_string(), problems })
        }
    }

    /// Every validation problem; `line` maps a dotted field path to its line in the source.
    pub fn problems(&self, line: &dyn Fn(&str) -> usize) -> Vec<PracticeProblem> {
        let mut out = Vec::new();
        let mut add = |field: String, message: String| {
            out.push(PracticeProblem { line: line(&field), field, message });
        };
        let bp = &self.billing_provider;
        required(&mut add, "billing_provider.name", &bp.name);
        check_npi(&mut add, "billing_provider.npi", &bp.npi);
        if !(bp.tin.len() == 9 && bp.tin.bytes().all(|b| b.is_ascii_digit())) {
            add("billing_provider.tin".into(), "TIN must be 9 digits without a hyphen".into());
        }
        check_taxonomy(&mut add, "billing_provider.taxonomy", &bp.taxonomy);
        check_address(&mut add, "billing_provider.address", &bp.address, true);
        if let Some(pay_to) = &bp.pay_to {
            check_address(&mut add, "billing_provider.pay_to", pay_to, false);
        }
        if let Some(phone) = &bp.phone {
            check_phone(&mut add, "billing_provider.phone", phone);
        }
        if let Some(clia) = &bp.clia {
            check_clia(&mut add, "billing_provider.clia", clia);
        }
        for (i, f) in self.facilities.iter().enumerate() {
            check_npi(&mut add, &format!("facilities[{i}].npi"), &f.npi);
            check_clia(&mut add, &format!("facilities[{i}].clia"), &f.clia);
        }
        let sub = &self.submitter;
        required(&mut add, "submitter.name", &sub.name);
        required(&mut add, "submitter.etin", &sub.etin);
        required(&mut add, "submitter.contact_name", &sub.contact_name);
        check_isa(&mut add, "submitter", &sub.isa_qualifier, sub.interchange_id());
        if let Some(phone) = &sub.contact_phone {
            check_phone(&mut add, "submitter.contact_phone", phone);
        }
        if let Some(email) = &sub.contact_email
            && !email.contains('@')
        {
            add("submitter.contact_email".into(), "not an e-mail address".into());
        }
        if self.receivers.is_empty() {
            add("receivers".into(), "at least one receiver (clearinghouse) is required".into());
        }
        for (i, r) in self.receivers.iter().enumerate() {
            let at = format!("receivers[{i}]");
            required(&mut add, &format!("{at}.id"), &r.id);
            required(&mut add, &format!("{at}.name"), &r.name);
            required(&mut add, &format!("{at}.etin"), &r.etin);
            check_isa(&mut add, &at, &r.isa_qualifier, r.interchange_id());
            if self.receivers[..i].iter().any(|o| o.id == r.id) {
                add(format!("{at}.id"), format!("receiver ID {:?} appears twice", r.id));
            }
        }
        if self.payers.is_empty() {
            add("payers".into(), "at least one payer is required".into());
        }
        for (i, p) in self.payers.iter().enumerate() {
            let at = format!("payers[{i}]");
            required(&mut add, &format!("{at}.id"), &p.id);
            if p.id.len() > 80 {
                add(format!("{at}.id"), "payer ID longer than 80 characters".into());
            }
            required(&mut add, &format!("{at}.name"), &p.name);
            if self.payers[..i].iter().any(|o| o.id == p.id) {
                add(format!("{at}.id"), format!("payer ID {:?} appears twice", p.id));
            }
            if self.receiver(&p.receiver).is_none() {
                add(format!("{at}.receiver"), format!("no receiver with id {:?} in [[receivers]]", p.receiver));
            }
            if !claim_filing_indicator_is_valid(&p.claim_filing_indicator) {
                add(
                    format!("{at}.claim_filing_indicator"),
                    format!(
                        "{:?} is not a claim filing indicator (SBR09: MB, MC, CI, BL, HM...)",
                        p.claim_filing_indicator
                    ),
                );
            }
            if p.timely_filing_days == 0 || p.timely_filing_days > 3650 {
                add(format!("{at}.timely_filing_days"), "must be between 1 and 3650 days".into());
            }
            for (k, npi) in p.enrolled_npis.iter().enumerate() {
                check_npi(&mut add, &format!("{at}.enrolled_npis[{k}]"), npi);
            }
            for rule in p.rule_overrides.keys() {
                let shaped =
                    !rule.is_empty() && rule.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
                if !shaped {
                    add(format!("{at}.rule_overrides"), format!("{rule:?} is not a rule ID (like MODIFIER-25-EM)"));
                }
            }
        }
        for (i, r) in self.rendering_providers.iter().enumerate() {
            let at = format!("rendering_providers[{i}]");
            check_npi(&mut add, &format!("{at}.npi"), &r.npi);
            required(&mut add, &format!("{at}.last"), &r.last);
            required(&mut add, &format!("{at}.first"), &r.first);
            check_taxonomy(&mut add, &format!("{at}.taxonomy"), &r.taxonomy);
            if self.rendering_providers[..i].iter().any(|o| o.npi == r.npi) {
                add(format!("{at}.npi"), "rendering provider NPI appears twice".into());
            }
        }
        out
    }
}

/// The 0-based line where `key` is first set in TOML `text` (0 when absent).
fn text_line_of(text: &str, key: &str) -> usize {
    text.lines().position(|l| l.trim_start().starts_with(key)).unwrap_or(0)
}

fn required(add: &mut impl FnMut(String, String), field: &str, value: &str) {
    if value.trim().is_empty() {
        add(field.into(), "required, must not be empty".into());
    }
}

fn check_npi(add: &mut impl FnMut(String, String), field: &str, npi: &str) {
    if !npi_is_valid(npi) {
        add(field.into(), "NPI must be 10 digits with a valid check digit (Luhn over 80840 + first 9)".into());
    }
}

fn check_clia(add: &mut impl FnMut(String, String), field: &str, clia: &str) {
    if !clia_number_is_valid(clia) {
        add(field.into(), "CLIA number must be 10 characters: two digits, D, seven digits (like 14D0123456)".into());
    }
}

fn check_taxonomy(add: &mut impl FnMut(String, String), field: &str, taxonomy: &str) {
    if !taxonomy_is_valid(taxonomy) {
        add(field.into(), "taxonomy must be 10 letters/digits ending in X (NUCC, like 207Q00000X)".into());
    }
}

fn check_phone(add: &mut impl FnMut(String, String), field: &str, phone: &str) {
    if !(phone.len() == 10 && phone.bytes().all(|b| b.is_ascii_digit())) {
        add(field.into(), "phone must be 10 digits (area code + number, no punctuation)".into());
    }
}

fn check_isa(add: &mut impl FnMut(String, String), at: &str, qualifier: &str, id: &str) {
    const QUALIFIERS: &[&str] = &["01", "14", "20", "27", "28", "29", "30", "33", "ZZ"];
    if !QUALIFIERS.contains(&qualifier) {
        add(format!("{at}.isa_qualifier"), format!("{qualifier:?} is not an ISA ID qualifier (ZZ, 01, 30...)"));
    }
    if id.is_empty() || id.len() > 15 {
        add(format!("{at}.isa_id"), "interchange ID must be 1 to 15 characters".into());
    }
}

fn check_address(add: &mut impl FnMut(String, String), at: &str, a: &Address, billing: bool) {
    required(add, &format!("{at}.line1"), &a.line1);
    required(add, &format!("{at}.city"), &a.city);
    if !state_is_valid(&a.state) {
        add(format!("{at}.state"), format!("{:?} is not a USPS state code", a.state));
    }
    if billing {
        if !(a.zip.len() == 9 && a.zip.bytes().all(|b| b.is_ascii_digit())) {
            add(format!("{at}.zip"), "the billing provider needs a 9-digit ZIP (ZIP+4, no hyphen)".into());
        }
        if is_po_box(&a.line1) {
            add(format!("{at}.line1"), "the billing provider needs a street address, not a PO box".into());
        }
    } else if !zip_is_valid(&a.zip) {
        add(format!("{at}.zip"), "ZIP must be 5 or 9 digits without a hyphen".into());
    }
}

/// True for an SBR09 claim filing indicator code.
pub fn claim_filing_indicator_is_valid(code: &str) -> bool {
    include_str!("../codesets/claim_filing_indicator.tsv").lines().skip(1).any(|l| l.split('\t').next() == Some(code))
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count()
}

/// The line of a dotted field path (`payers[1].receiver`); falls back to the nearest parent found.
fn line_of_field(doc: &toml_edit::ImDocument<&str>, text: &str, field: &str) -> usize {
    let mut item = doc.as_item();
    let mut best = 1;
    for part in field.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let Some(next) = item.get(key) else { break };
        item = next;
        if let Some(span) = item.span() {
            best = line_of_offset(text, span.start);
        }
        if let Some(i) = index {
            let Some(next) = item.get(i) else { break };
            item = next;
            if let Some(span) = item.span() {
                best = line_of_offset(text, span.start);
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npi_check_digit_follows_luhn_over_80840_prefix() {
        assert!(npi_is_valid("1234567893"));
        assert!(!npi_is_valid("1234567890"));
        assert!(!npi_is_valid("123456789"));
        assert!(!npi_is_valid("12345678A3"));
        assert!(!npi_is_valid("12345678a3"));
        assert!(npi_is_valid("1245319599"));
    }

    #[test]
    fn the_minimal_practice_loads_clean() {
        let p = Practice::parse(include_str!("../tests/fixtures/practice-minimal.toml"), "p.toml").unwrap();
        assert_eq!(p.payers[0].id, "MCRB1");
    }

    #[test]
    fn invalid_fields_are_reported_with_their_lines() {
        let text = include_str!("../tests/fixtures/practice-minimal.toml")
            .replace("npi = \"1234567893\"", "npi = \"1234567890\"")
            .replace("receiver = \"CLEARINGHOUSE\"", "receiver = \"NOWHERE\"");
        let Err(PracticeError::Invalid { problems, .. }) = Practice::parse(&text, "p.toml") else {
            panic!("expected validation problems");
        };
        let npi_line = text.lines().position(|l| l.starts_with("npi =")).unwrap() + 1;
        let recv_line = text.lines().position(|l| l.contains("NOWHERE")).unwrap() + 1;
        assert!(problems.iter().any(|p| p.field == "billing_provider.npi" && p.line == npi_line), "{problems:?}");
        assert!(problems.iter().any(|p| p.field == "payers[0].receiver" && p.line == recv_line), "{problems:?}");
    }

    #[test]
    fn the_waived_tests_file_is_read_relative_to_the_practice_file() {
        let dir = std::env::temp_dir().join(format!("claimkit-practice-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let toml = format!(
            "waived_tests_file = \"waived.csv\"\n{}",
            include_str!("../tests/fixtures/practice-minimal.toml")
                .replace("zip = \"627011234\" }", "zip = \"627011234\" }\nclia = \"14D0123456\"")
        );
        std::fs::write(dir.join("p.toml"), &toml).unwrap();
        std::fs::write(dir.join("waived.csv"), "Test,CPT\nGlucose (synthetic),82947QW\nDipstick,81002\n").unwrap();
        let p = Practice::load(&dir.join("p.toml")).unwrap();
        let w = p.waived_tests();
        assert_eq!((w.source.as_str(), w.takes_qw("82947"), w.get("81002")), ("waived.csv", true, Some(false)));
        assert!(!w.takes_qw("83036"), "only the file's list, not the built-in one");
        assert_eq!(p.clia_for(None), Some("14D0123456"));
        // Without the file, the built-in default list.
        let builtin = Practice::parse(include_str!("../tests/fixtures/practice-minimal.toml"), "p.toml").unwrap();
        assert_eq!(builtin.waived_tests().source, "built-in default list");
        std::fs::write(dir.join("waived.csv"), "no codes at all\n").unwrap();
        assert!(matches!(Practice::load(&dir.join("p.toml")), Err(PracticeError::Invalid { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_clia_number_must_be_two_digits_d_and_seven_digits() {
        let text = include_str!("../tests/fixtures/practice-minimal.toml")
            .replace("zip = \"627011234\" }", "zip = \"627011234\" }\nclia = \"14X0123456\"");
        let Err(PracticeError::Invalid { problems, .. }) = Practice::parse(&text, "p.toml") else {
            panic!("expected a validation problem");
        };
        assert!(problems.iter().any(|p| p.field == "billing_provider.clia"), "{problems:?}");
    }

    #[test]
    fn a_bad_usage_code_is_a_syntax_error_with_its_line() {
        let text = include_str!("../tests/fixtures/practice-minimal.toml").replace("usage = \"T\"", "usage = \"X\"");
        let line = text.lines().position(|l| l.starts_with("usage")).unwrap() + 1;
        match Practice::parse(&text, "p.toml") {
            Err(PracticeError::Syntax { line: l, .. }) => assert_eq!(l, line),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }
}
