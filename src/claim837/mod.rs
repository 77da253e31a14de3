//! 837P professional claims: from a scrubbed [`Encounter`] to a batch file a clearinghouse accepts.
//!
//! One encounter becomes one claim ([`Claim`]) billed to one payer with a *responsibility*: the
//! primary payer first (SBR01 `P`), then, once the primary has paid, the secondary (`S`) with the
//! primary's adjudication attached (coordination of benefits, loops 2320/2330/2430). A claim is
//! written inside the hierarchy billing provider (HL 20) → subscriber (HL 22) → patient (HL 23,
//! only when the patient is not the subscriber):
//!
//! ```text
//! HL*1**20*1~ PRV*BI*PXC*207Q00000X~ NM1*85*2*MAPLE STREET FAMILY MEDICINE*****XX*1234567893~ ...
//! HL*2*1*22*0~ SBR*P*18*******MB~ NM1*IL*1*DOE*JANE****MI*1EG4TE5MK73~ ... NM1*PR*2*MEDICARE*****PI*MCRB1~
//! CLM*P1K3V9T2D8Q4M7Z0A*143***11:B:1*Y*A*Y*Y~ HI*ABK:E119*ABF:I10~
//! LX*1~ SV1*HC:99213:25*125*UN*1***1:2~ DTP*472*D8*20261102~ REF*6R*P1K3V9T2D8Q4M7Z0A01~
//! ```
//!
//! **Claim identity.** CLM01, the patient control number (PCN), is what the payer echoes in the
//! 277CA and the 835, so it must be unique, short and reproducible. claimkit's PCN is 17
//! characters: the responsibility letter (`P`/`S`/`T`), the frequency digit (`1`/`7`/`8`), then 15
//! Crockford base-32 characters of SHA-256(`encounter id | responsibility | frequency | sequence`),
//! where the sequence counts earlier corrections of the same kind (1 for the first). The same
//! encounter always gets the same PCN, in any ledger. Every service line's control number (REF*6R)
//! is the PCN followed by the two-digit line number: unique, and the 835 echoes it for line matching.
//!
//! [`write_837p`] / [`Batch837Writer`] write claims through [`crate::x12::X12Writer`];
//! [`read_837p`] reads them back; [`build`] is the ledger side (`claimkit build`, `correct`, `void`).

pub mod build;
mod cob;
mod read;
pub mod rebill;
pub mod reopen;
mod write;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use cob::{Adjustment, LineAdjudication, PrimaryAdjudication};
pub use read::{ParsedClaim, ParsedLine, ParsedOtherPayer, ReadError, for_each_837p_claim, read_837p};
pub use write::{Batch837Writer, BatchStats, CLAIMS_PER_TRANSACTION, GUIDE, write_837p};

use crate::encounter::{
    Address, ClaimFrequency, CoverageOrder, Encounter, NamedProvider, PersonName, ResolvedCoverage, ServiceFacility,
    ServiceLine,
};
use crate::practice::{Payer, Practice, RenderingProvider};

/// Which payer in the patient's coverage order a claim bills (SBR01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
pub enum Responsibility {
    #[default]
    Primary,
    Secondary,
    Tertiary,
}

impl Responsibility {
    /// The coverage this responsibility bills.
    pub fn coverage_order(self) -> CoverageOrder {
        match self {
            Responsibility::Primary => CoverageOrder::Primary,
            Responsibility::Secondary => CoverageOrder::Secondary,
            Responsibility::Tertiary => CoverageOrder::Tertiary,
        }
    }

    /// SBR01 and the `claims.responsibility` column.
    pub fn code(self) -> &'static str {
        match self {
            Responsibility::Primary => "P",
            Responsibility::Secondary => "S",
            Responsibility::Tertiary => "T",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "P" => Some(Responsibility::Primary),
            "S" => Some(Responsibility::Secondary),
            "T" => Some(Responsibility::Tertiary),
            _ => None,
        }
    }
}

/// Why an encounter cannot be billed as a claim. Carries IDs, never patient data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error("encounter {encounter}: payer {payer} is not in the practice configuration")]
    UnknownPayer { encounter: String, payer: String },
    #[error("encounter {encounter}: receiver {receiver} (of payer {payer}) is not in the practice configuration")]
    UnknownReceiver { encounter: String, payer: String, receiver: String },
    #[error("encounter {encounter}: rendering provider NPI {npi} is not listed under [[rendering_providers]]")]
    UnknownRenderingProvider { encounter: String, npi: String },
    #[error("encounter {encounter}: {field} contains an X12 separator (* ^ : ~) or a control character")]
    SeparatorInData { encounter: String, field: &'static str },
    #[error("encounter {encounter}: has no service lines")]
    NoServiceLines { encounter: String },
    #[error("encounter {encounter}: {count} service lines; an 837P claim carries at most 50")]
    TooManyLines { encounter: String, count: usize },
    #[error("encounter {encounter}: has no diagnosis")]
    NoDiagnosis { encounter: String },
    #[error("encounter {encounter}: {count} diagnoses; an 837P claim carries at most 12")]
    TooManyDiagnoses { encounter: String, count: usize },
    #[error("encounter {encounter}: a frequency {frequency} claim needs the payer's claim number for REF*F8")]
    MissingPayerClaimNumber { encounter: String, frequency: &'static str },
    #[error("encounter {encounter}: no secondary coverage to bill")]
    NoSecondaryCoverage { encounter: String },
    #[error("encounter {encounter}: no tertiary coverage to bill")]
    NoTertiaryCoverage { encounter: String },
    #[error("encounter {encounter}: a secondary claim needs the primary payer's adjudication")]
    MissingPrimaryAdjudication { encounter: String },
    #[error(
        "encounter {encounter} line {line}: charge {charge} must equal the primary's paid {paid} plus adjustments {adjusted}"
    )]
    UnbalancedLine { encounter: String, line: u32, charge: Decimal, paid: Decimal, adjusted: Decimal },
    #[error(
        "encounter {encounter}: primary paid {paid} must equal line payments {lines_paid} minus claim adjustments {adjusted}"
    )]
    UnbalancedClaim { encounter: String, paid: Decimal, lines_paid: Decimal, adjusted: Decimal },
    #[error("encounter {encounter}: the primary adjudication has no payment for line {line}")]
    MissingLineAdjudication { encounter: String, line: u32 },
}

/// What to bill: the payer order, the frequency, and for corrections the payer's claim number.
#[derive(Debug, Clone, Default)]
pub struct ClaimRequest {
    pub responsibility: Responsibility,
    pub frequency: ClaimFrequency,
    /// The payer's claim control number of the claim a replacement or void refers to (REF*F8).
    pub original_claim_number: Option<String>,
    /// 1 for the first claim of this responsibility and frequency, 2 for the next correction...
    pub sequence: u32,
    /// For a secondary or tertiary claim: what the payer just before did with it.
    pub primary: Option<PrimaryAdjudication>,
    /// For a tertiary claim: what the payers before that one did (the primary's adjudication).
    pub earlier: Vec<PrimaryAdjudication>,
}

/// Another coverage of the patient, as the COB loops 2320/2330A/2330B describe it: a payer that
/// adjudicated before this one (with its adjudication), or one known to pay after it (without).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherPayer {
    pub payer_id: String,
    pub payer_name: String,
    pub claim_filing_indicator: String,
    /// Whose coverage it is: its order (2320 SBR01), the patient's relationship to its subscriber
    /// (SBR02), group (SBR03), the subscriber (2330A) and member ID (2330A NM109).
    pub coverage: ResolvedCoverage,
    /// What that payer did with the claim, when it adjudicated before this one.
    pub adjudication: Option<PrimaryAdjudication>,
}

/// What planning finds besides the encounter itself.
struct Planned {
    original_claim_number: Option<String>,
    payer: Payer,
    coverage: ResolvedCoverage,
    other_payers: Vec<OtherPayer>,
    rendering: Option<RenderingProvider>,
    line_rendering: Vec<(u32, RenderingProvider)>,
    facility: Option<ServiceFacility>,
    clia: Option<String>,
}

/// A claim ready to write: the encounter, the payer billed and its identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// CLM01, see [`patient_control_number`].
    pub pcn: String,
    pub responsibility: Responsibility,
    pub frequency: ClaimFrequency,
    /// REF*F8 for frequency 7 and 8.
    pub original_claim_number: Option<String>,
    pub encounter: Encounter,
    /// The payer billed (2010BB).
    pub payer: Payer,
    /// The member ID with the payer billed (2010BA NM109).
    pub member_id: String,
    /// The coverage billed: its subscriber is the insured of 2000B/2010BA.
    pub coverage: ResolvedCoverage,
    /// Rendering provider at claim level when it differs from the billing provider (2310B).
    pub rendering: Option<RenderingProvider>,
    /// Line rendering providers that differ from the claim's (2420A), by line number.
    pub line_rendering: Vec<(u32, RenderingProvider)>,
    /// The service facility when its address differs from the billing provider's (2310C).
    pub facility: Option<ServiceFacility>,
    /// The patient's other coverages in order of benefits (2320/2330A/2330B; 2430 for those that
    /// adjudicated before this payer).
    pub other_payers: Vec<OtherPayer>,
    /// The CLIA certificate number (REF*X4) when the claim bills a laboratory test and the practice
    /// (or the service facility) has one.
    pub clia: Option<String>,
}

impl Claim {
    /// Plans the claim for `encounter` as `request` asks, checking what the 837P cannot carry.
    pub fn plan(encounter: &Encounter, practice: &Practice, request: &ClaimRequest) -> Result<Claim, ClaimError> {
        Claim::plan_owned(encounter.clone(), practice, request)
    }

    /// [`Claim::plan`] taking the encounter by value: the claim keeps it, nothing is copied (a
    /// build plans every claim from an encounter it has just read and needs no other copy).
    pub fn plan_owned(
        mut encounter: Encounter,
        practice: &Practice,
        request: &ClaimRequest,
    ) -> Result<Claim, ClaimError> {
        // LX01 counts from 1 without gaps; the line numbers of the claim are its LX numbers.
        for (i, line) in encounter.lines.iter_mut().enumerate() {
            line.number = i as u32 + 1;
        }
        let planned = Claim::check_and_resolve(&encounter, practice, request)?;
        let Planned { original_claim_number, payer, coverage, other_payers, rendering, line_rendering, facility, clia } =
            planned;
        if payer.requires_qw() {
            add_qw_to_waived_tests(&mut encounter, &practice.waived_tests());
        }
        let sequence = request.sequence.max(1);
        Ok(Claim {
            pcn: patient_control_number(&encounter.id, request.responsibility, request.frequency, sequence),
            responsibility: request.responsibility,
            frequency: request.frequency,
            original_claim_number,
            encounter,
            payer,
            member_id: coverage.member_id.clone(),
            coverage,
            rendering,
            line_rendering,
            facility,
            other_payers,
            clia,
        })
    }

    /// Everything [`Claim::plan_owned`] checks and looks up, from the renumbered encounter.
    fn check_and_resolve(
        encounter: &Encounter,
        practice: &Practice,
        request: &ClaimRequest,
    ) -> Result<Planned, ClaimError> {
        let enc = || encounter.id.clone();
        if let Some(field) = field_with_separator(encounter) {
            return Err(ClaimError::SeparatorInData { encounter: enc(), field });
        }
        if encounter.lines.is_empty() {
            return Err(ClaimError::NoServiceLines { encounter: enc() });
        }
        if encounter.lines.len() > 50 {
            return Err(ClaimError::TooManyLines { encounter: enc(), count: encounter.lines.len() });
        }
        if encounter.diagnoses.is_empty() {
            return Err(ClaimError::NoDiagnosis { encounter: enc() });
        }
        if encounter.diagnoses.len() > 12 {
            return Err(ClaimError::TooManyDiagnoses { encounter: enc(), count: encounter.diagnoses.len() });
        }
        let original_claim_number = match request.frequency {
            ClaimFrequency::Original => None,
            f => match request.original_claim_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(n) => Some(n.to_string()),
                None => return Err(ClaimError::MissingPayerClaimNumber { encounter: enc(), frequency: f.code() }),
            },
        };
        let find_payer = |id: &str| {
            practice.payer(id).cloned().ok_or_else(|| ClaimError::UnknownPayer { encounter: enc(), payer: id.into() })
        };
        let order = request.responsibility.coverage_order();
        let coverages = encounter.coverages();
        let coverage = match coverages.iter().find(|c| c.order == order) {
            Some(c) => c.clone(),
            None if order == CoverageOrder::Tertiary => {
                return Err(ClaimError::NoTertiaryCoverage { encounter: enc() });
            }
            None => return Err(ClaimError::NoSecondaryCoverage { encounter: enc() }),
        };
        let payer = find_payer(&coverage.payer_id)?;
        let mut adjudications: Vec<PrimaryAdjudication> = request.earlier.clone();
        adjudications.extend(request.primary.clone());
        if order != CoverageOrder::Primary && adjudications.is_empty() {
            return Err(ClaimError::MissingPrimaryAdjudication { encounter: enc() });
        }
        for a in &adjudications {
            a.check_balances(encounter)?;
        }
        let mut other_payers = Vec::new();
        for other in coverages.iter().filter(|c| c.order != order) {
            let position = adjudications.iter().position(|a| other.order < order && a.payer_id == other.payer_id);
            let adjudication = position.map(|i| adjudications.remove(i));
            let (payer_name, claim_filing_indicator) = match (practice.payer(&other.payer_id), &adjudication) {
                (Some(p), _) => (p.name.clone(), p.claim_filing_indicator.clone()),
                (None, Some(_)) => {
                    return Err(ClaimError::UnknownPayer { encounter: enc(), payer: other.payer_id.clone() });
                }
                // A coverage the practice does not bill is still named, with its ID as its name
                // and a mutually defined filing indicator (the scrubber warns about it).
                (None, None) => (other.payer_id.clone(), "ZZ".to_string()),
            };
            other_payers.push(OtherPayer {
                payer_id: other.payer_id.clone(),
                payer_name,
                claim_filing_indicator,
                coverage: other.clone(),
                adjudication,
            });
        }
        // An adjudication by a payer no longer among the coverages: the payer before this one, as
        // the primary's subscriber had it.
        for adjudication in adjudications {
            let prior = find_payer(&adjudication.payer_id)?;
            let mut coverage = coverages[0].clone();
            coverage.payer_id = prior.id.clone();
            other_payers.push(OtherPayer {
                payer_id: prior.id.clone(),
                payer_name: prior.name.clone(),
                claim_filing_indicator: prior.claim_filing_indicator.clone(),
                coverage,
                adjudication: Some(adjudication),
            });
        }
        if practice.receiver(&payer.receiver).is_none() {
            return Err(ClaimError::UnknownReceiver {
                encounter: enc(),
                payer: payer.id.clone(),
                receiver: payer.receiver.clone(),
            });
        }
        let billing_npi = practice.billing_provider.npi.as_str();
        let provider = |npi: &str| {
            practice
                .rendering_provider(npi)
                .cloned()
                .ok_or_else(|| ClaimError::UnknownRenderingProvider { encounter: enc(), npi: npi.into() })
        };
        let rendering = match encounter.rendering_npi.as_deref().filter(|n| *n != billing_npi) {
            Some(npi) => Some(provider(npi)?),
            None => None,
        };
        let claim_rendering_npi = encounter.rendering_npi.as_deref().unwrap_or(billing_npi);
        let mut line_rendering = Vec::new();
        for line in &encounter.lines {
            if let Some(npi) = line.rendering_npi.as_deref().filter(|n| *n != claim_rendering_npi) {
                line_rendering.push((line.number, provider(npi)?));
            }
        }
        let clia = encounter
            .lines
            .iter()
            .any(|l| crate::codes::is_clia_covered(&l.procedure.code))
            .then(|| practice.clia_for(encounter.facility.as_ref().and_then(|f| f.npi.as_deref())))
            .flatten()
            .map(str::to_string);
        let facility = encounter.facility.clone().filter(|f| f.address != practice.billing_provider.address);
        Ok(Planned { original_claim_number, payer, coverage, other_payers, rendering, line_rendering, facility, clia })
    }

    /// CLM02: the sum of the line charges (SV102).
    pub fn total_charge(&self) -> Decimal {
        self.encounter.total_charge()
    }

    /// True when the patient is the billed coverage's subscriber (no 2000C loop; DMG in 2010BA).
    pub fn patient_is_subscriber(&self) -> bool {
        self.coverage.patient_is_subscriber()
    }

    /// The other payers that adjudicated before this one, in order of benefits.
    pub fn prior_payers(&self) -> impl Iterator<Item = (&OtherPayer, &PrimaryAdjudication)> {
        self.other_payers.iter().filter_map(|o| o.adjudication.as_ref().map(|a| (o, a)))
    }

    /// The line item control number of `line` (REF*6R).
    pub fn line_control_number(&self, line: &ServiceLine) -> String {
        line_control_number(&self.pcn, line.number)
    }

    /// The referring provider (2310A), when the encounter names one.
    pub fn referring(&self) -> Option<&NamedProvider> {
        self.encounter.referring.as_ref()
    }

    /// The first and last dates of service.
    pub fn dates_of_service(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        (self.encounter.first_date_of_service(), self.encounter.last_date_of_service())
    }
}

/// The payer of the coverage after `responsibility`'s (the crossover target of its PR), if any.
pub fn next_payer_id(encounter: &Encounter, responsibility: Responsibility) -> Option<String> {
    let next = match responsibility {
        Responsibility::Primary => CoverageOrder::Secondary,
        Responsibility::Secondary => CoverageOrder::Tertiary,
        Responsibility::Tertiary => return None,
    };
    encounter.coverage(next).map(|c| c.payer_id)
}

/// Adds modifier QW to every waived test that takes it and lacks it (a line with four modifiers
/// already has no room: the scrubber reports it).
fn add_qw_to_waived_tests(encounter: &mut Encounter, waived: &crate::codes::WaivedTests) {
    for line in &mut encounter.lines {
        let m = &mut line.procedure.modifiers;
        if waived.takes_qw(&line.procedure.code) && !m.iter().any(|x| x == "QW") && m.len() < 4 {
            m.push("QW".into());
        }
    }
}

/// The first text field of `e` that the X12 writer would refuse (a separator or control character).
fn field_with_separator(e: &Encounter) -> Option<&'static str> {
    let bad = |s: &str| s.bytes().any(|b| matches!(b, b'*' | b'^' | b':' | b'~') || b.is_ascii_control());
    let name = |n: &PersonName| bad(&n.last) || bad(&n.first) || n.middle.as_deref().is_some_and(bad);
    let address = |a: &Address| {
        bad(&a.line1) || a.line2.as_deref().is_some_and(bad) || bad(&a.city) || bad(&a.state) || bad(&a.zip)
    };
    let provider = |p: &NamedProvider| bad(&p.last) || p.first.as_deref().is_some_and(bad) || bad(&p.npi);
    let coverage = |c: &crate::encounter::Coverage| {
        bad(&c.member_id)
            || c.group_number.as_deref().is_some_and(bad)
            || c.insurance_type.as_deref().is_some_and(bad)
            || c.subscriber.as_ref().is_some_and(|s| name(&s.name) || s.address.as_ref().is_some_and(address))
    };
    let checks: [(&'static str, bool); 15] = [
        ("patient name", name(&e.patient.name)),
        ("patient address", e.patient.address.as_ref().is_some_and(address)),
        ("subscriber name", name(&e.subscriber.name)),
        ("subscriber address", e.subscriber.address.as_ref().is_some_and(address)),
        (
            "member ID or group number",
            bad(&e.subscriber.member_id) || e.subscriber.group_number.as_deref().is_some_and(bad),
        ),
        ("secondary member ID", e.secondary.as_ref().is_some_and(|s| bad(&s.member_id))),
        (
            "secondary or tertiary coverage",
            e.secondary.as_ref().is_some_and(coverage)
                || e.tertiary.as_ref().is_some_and(coverage)
                || e.insurance_type.as_deref().is_some_and(bad),
        ),
        ("referring provider", e.referring.as_ref().is_some_and(provider)),
        (
            "supervising provider",
            e.supervising.as_ref().is_some_and(provider)
                || e.lines.iter().any(|l| l.supervising.as_ref().is_some_and(provider)),
        ),
        ("ordering provider", e.lines.iter().any(|l| l.ordering.as_ref().is_some_and(provider))),
        (
            "service facility",
            e.facility
                .as_ref()
                .is_some_and(|f| bad(&f.name) || address(&f.address) || f.npi.as_deref().is_some_and(bad)),
        ),
        ("place of service", bad(&e.place_of_service)),
        ("diagnosis code", e.diagnoses.iter().any(|d| bad(d.code()))),
        (
            "prior authorization or original claim number",
            e.prior_authorization.as_deref().is_some_and(bad) || e.original_claim_number.as_deref().is_some_and(bad),
        ),
        (
            "service line",
            e.lines.iter().any(|l| {
                bad(&l.procedure.code)
                    || l.procedure.modifiers.iter().any(|m| bad(m))
                    || l.place_of_service.as_deref().is_some_and(bad)
                    || l.rendering_npi.as_deref().is_some_and(bad)
                    || l.drug.as_ref().is_some_and(|d| bad(&d.ndc) || bad(&d.unit))
                    || l.description.as_deref().is_some_and(bad)
            }),
        ),
    ];
    checks.into_iter().find(|(_, failed)| *failed).map(|(field, _)| field)
}

/// CLM01 for an encounter: `{responsibility}{frequency}` + 15 base-32 characters of a SHA-256 (17
/// characters in all). Deterministic: the same inputs always give the same number.
pub fn patient_control_number(
    encounter_id: &str,
    responsibility: Responsibility,
    frequency: ClaimFrequency,
    sequence: u32,
) -> String {
    let mut h = Sha256::new();
    h.update(encounter_id.as_bytes());
    h.update(b"|");
    h.update(responsibility.code().as_bytes());
    h.update(b"|");
    h.update(frequency.code().as_bytes());
    h.update(b"|");
    h.update(sequence.to_string().as_bytes());
    let digest = h.finalize();
    let mut pcn = String::with_capacity(17);
    pcn.push_str(responsibility.code());
    pcn.push_str(frequency.code());
    pcn.push_str(&crockford_base32(&digest, 15));
    pcn
}

/// REF*6R of line `number` of claim `pcn`: the PCN and the two-digit line number.
pub fn line_control_number(pcn: &str, number: u32) -> String {
    format!("{pcn}{number:02}")
}

/// The first `chars` characters of the Crockford base-32 encoding of `bytes` (no I, L, O, U: easy
/// to read aloud on a phone call with the clearinghouse).
fn crockford_base32(bytes: &[u8], chars: usize) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut out = String::with_capacity(chars);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
            if out.len() == chars {
                return out;
            }
        }
        acc &= (1 << bits) - 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcn_is_17_characters_and_deterministic_per_encounter_payer_and_frequency() {
        let a = patient_control_number("E1001", Responsibility::Primary, ClaimFrequency::Original, 1);
        assert_eq!(a.len(), 17);
        assert!(a.starts_with("P1"));
        assert_eq!(a, patient_control_number("E1001", Responsibility::Primary, ClaimFrequency::Original, 1));
        let others = [
            patient_control_number("E1002", Responsibility::Primary, ClaimFrequency::Original, 1),
            patient_control_number("E1001", Responsibility::Secondary, ClaimFrequency::Original, 1),
            patient_control_number("E1001", Responsibility::Primary, ClaimFrequency::Replacement, 1),
            patient_control_number("E1001", Responsibility::Primary, ClaimFrequency::Replacement, 2),
        ];
        for o in &others {
            assert_ne!(&a, o);
            assert_eq!(o.len(), 17);
        }
        assert!(a.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
        assert!(!a[2..].contains(['I', 'L', 'O', 'U']));
    }

    #[test]
    fn line_control_numbers_append_the_line_number() {
        assert_eq!(line_control_number("P1ABC", 3), "P1ABC03");
        assert!(line_control_number("P1ABCDEFGHJKMNPQR", 50).len() <= 30);
    }

    #[test]
    fn base32_encodes_five_bits_per_character() {
        assert_eq!(crockford_base32(&[0xff, 0xff], 3), "ZZZ");
        assert_eq!(crockford_base32(&[0x00, 0x00], 3), "000");
        assert_eq!(crockford_base32(&[0b0000_1000, 0b0100_0000], 3), "110");
    }
}
