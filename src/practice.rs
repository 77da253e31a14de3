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
}

impl Practice {
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
