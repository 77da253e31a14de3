//! The claims of an 837P, one readable row each: who, which payer, when, what was billed and why.
//!
//! ```text
//! PCN                Patient  Payer            DOS         Lines                      Diagnoses   Total
//! P1K3V9T2D8Q4M7Z0A  A.T.     Medicare Part B  2026-11-02  99213:25 x1 125; 36415 x1 18  E11.9, I10  143.00
//! ```
//!
//! Patients show as initials unless the user asked to see data (`--show-data`).

use std::io::Read;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::claim837::{ParsedClaim, ReadError, for_each_837p_claim};
use crate::encounter::Diagnosis;

/// One claim as `claimkit inspect` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimSummary {
    pub pcn: String,
    /// Initials, or the full name with `show_data`.
    pub patient: String,
    pub payer: String,
    pub responsibility: String,
    pub frequency: String,
    pub first_dos: Option<NaiveDate>,
    pub last_dos: Option<NaiveDate>,
    /// `99213:25 x1 125` per line.
    pub lines: Vec<String>,
    /// Dotted ICD-10-CM codes, principal first.
    pub diagnoses: Vec<String>,
    /// CLM02 with two decimals.
    pub total_charge: Decimal,
}

impl ClaimSummary {
    pub fn new(c: &ParsedClaim, show_data: bool) -> Self {
        let (first_dos, last_dos) = c.dates_of_service();
        let patient = if show_data {
            let middle = c.patient.middle.as_deref().map(|m| format!(" {m}")).unwrap_or_default();
            format!("{}, {}{middle}", c.patient.last, c.patient.first)
        } else {
            c.patient_initials()
        };
        let lines = c
            .lines
            .iter()
            .map(|l| {
                let mut code = l.procedure_code.clone();
                for m in &l.modifiers {
                    code.push(':');
                    code.push_str(m);
                }
                format!("{code} x{} {}", l.units, l.charge)
            })
            .collect();
        let mut total_charge = c.total_charge;
        total_charge.rescale(2);
        ClaimSummary {
            pcn: c.pcn.clone(),
            patient,
            payer: if c.payer_name.is_empty() {
                c.payer_id.clone()
            } else {
                format!("{} ({})", c.payer_name, c.payer_id)
            },
            responsibility: c.responsibility.clone(),
            frequency: c.frequency.clone(),
            first_dos,
            last_dos,
            lines,
            diagnoses: c.diagnoses.iter().map(|d| Diagnosis::new(d).dotted()).collect(),
            total_charge,
        }
    }
}

/// Reads the claims of an 837P stream as summaries.
pub fn claim_summaries<R: Read>(input: R, show_data: bool) -> Result<Vec<ClaimSummary>, ReadError> {
    let mut out = Vec::new();
    for_each_837p_claim(input, |c| out.push(ClaimSummary::new(&c, show_data)))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_batch_reads_as_claims_with_initials_only() {
        let sample = include_bytes!("../../sample-data/x12/claim-batch.837");
        let claims = claim_summaries(&sample[..], false).unwrap();
        assert_eq!(claims.len(), 2);
        let first = &claims[0];
        assert_eq!(first.pcn, "CK1A2B3C4D5E6F");
        assert_eq!(first.patient, "A.T.");
        assert_eq!(first.lines, ["99213:25 x1 125", "36415 x1 18"]);
        assert_eq!(first.diagnoses, ["E11.9", "I10"]);
        assert_eq!(first.total_charge, Decimal::from(143));
        assert_eq!(claims[1].patient, "G.T.", "a dependent shows the patient, not the subscriber");
        let shown = claim_summaries(&sample[..], true).unwrap();
        assert_eq!(shown[0].patient, "TESTPATIENT, ALPHA");
    }
}
