//! Coordination of benefits: what the primary payer did with a claim, as the secondary claim
//! reports it (837P loops 2320, 2330A/B and 2430).
//!
//! The primary's 835 says, per line, what it paid (SVC03) and why the rest was not paid (CAS); the
//! secondary claim repeats that, line by line, so the secondary can pay its share:
//!
//! ```text
//! SBR*P*18*******MB~ CAS*CO*45*20~ AMT*D*80~ OI***Y*P**Y~         (2320: the primary, claim level)
//! NM1*IL*1*DOE*JANE****MI*1EG4TE5MK73~ NM1*PR*2*MEDICARE*****PI*MCRB1~   (2330A, 2330B)
//! SVD*MCRB1*80*HC:99213**1~ CAS*PR*2*25~ DTP*573*D8*20261201~     (2430: the primary, line level)
//! ```
//!
//! Each line must balance: its charge (SV102) = the primary's line payment (SVD02) + the sum of
//! the line's CAS amounts; and the primary's claim payment (AMT*D) = the sum of line payments minus
//! the claim-level CAS amounts.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::ClaimError;
use crate::encounter::Encounter;

/// One adjustment (CAS): the same type the 835 reader gives.
pub use crate::remit835::ClaimAdjustment as Adjustment;

/// The primary payer's adjudication of one service line (2430).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineAdjudication {
    /// The LX01 of the line on the claim.
    pub line_number: u32,
    /// SVD02.
    pub paid: Decimal,
    pub adjustments: Vec<Adjustment>,
    /// DTP*573: when the primary adjudicated the line.
    pub adjudication_date: NaiveDate,
}

/// What the primary payer did with the claim, the input to a secondary claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryAdjudication {
    /// The practice's payer ID of the primary (2330B NM109, SVD01).
    pub payer_id: String,
    /// The primary's claim control number (835 CLP07), sent as 2330B REF*F8 when known.
    pub payer_claim_number: Option<String>,
    /// AMT*D: what the primary paid on the claim.
    pub paid: Decimal,
    /// Claim-level adjustments (2320 CAS).
    pub claim_adjustments: Vec<Adjustment>,
    pub lines: Vec<LineAdjudication>,
}

impl PrimaryAdjudication {
    /// The line adjudication of line `number`.
    pub fn line(&self, number: u32) -> Option<&LineAdjudication> {
        self.lines.iter().find(|l| l.line_number == number)
    }

    /// Checks that every line of `encounter` is adjudicated and balances, and that the claim
    /// payment equals the line payments minus the claim-level adjustments.
    pub fn check_balances(&self, encounter: &Encounter) -> Result<(), ClaimError> {
        let mut lines_paid = Decimal::ZERO;
        for line in &encounter.lines {
            let adj = self
                .line(line.number)
                .ok_or(ClaimError::MissingLineAdjudication { encounter: encounter.id.clone(), line: line.number })?;
            let adjusted: Decimal = adj.adjustments.iter().map(|a| a.amount).sum();
            if adj.paid + adjusted != line.charge {
                return Err(ClaimError::UnbalancedLine {
                    encounter: encounter.id.clone(),
                    line: line.number,
                    charge: line.charge,
                    paid: adj.paid,
                    adjusted,
                });
            }
            lines_paid += adj.paid;
        }
        let adjusted: Decimal = self.claim_adjustments.iter().map(|a| a.amount).sum();
        if lines_paid - adjusted != self.paid {
            return Err(ClaimError::UnbalancedClaim {
                encounter: encounter.id.clone(),
                paid: self.paid,
                lines_paid,
                adjusted,
            });
        }
        Ok(())
    }
}

/// Groups adjustments by CAS group code, at most six reasons per CAS segment, in first-seen order.
pub(crate) fn cas_segments(adjustments: &[Adjustment]) -> Vec<(&str, Vec<&Adjustment>)> {
    let mut out: Vec<(&str, Vec<&Adjustment>)> = Vec::new();
    for a in adjustments {
        match out.iter_mut().find(|(g, list)| *g == a.group && list.len() < 6) {
            Some((_, list)) => list.push(a),
            None => out.push((a.group.as_str(), vec![a])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adj(group: &str, reason: &str, amount: i64) -> Adjustment {
        Adjustment { group: group.into(), reason: reason.into(), amount: Decimal::from(amount), quantity: None }
    }

    #[test]
    fn cas_groups_by_group_code_with_at_most_six_reasons_each() {
        let mut list = vec![adj("CO", "45", 1), adj("PR", "2", 2), adj("CO", "253", 3)];
        let grouped = cas_segments(&list);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped[0].0, "CO");
        assert_eq!(grouped[0].1.len(), 2);
        list.extend((0..7).map(|i| adj("OA", "23", i)));
        let grouped = cas_segments(&list);
        assert_eq!(grouped.iter().filter(|(g, _)| *g == "OA").count(), 2);
    }
}
