//! Reading a 271: one answer per subscriber (or dependent) loop, handed over as soon as the loop
//! ends, so a file of any size is read in bounded memory.
//!
//! ```text
//! BHT*0022*11*000000001*20261103*0930~   answered on 2026-11-03
//! HL*3*2*22*0~
//! TRN*2*17*1123456789~                   the inquiry's trace, echoed
//! NM1*IL*1*DOE*JANE****MI*W123456789~
//! EB*R**30~                               another payer covers this member...
//! REF*IG*XY998877~                        ...under this member ID...
//! LS*2120~
//! NM1*PRP*2*OTHER PLAN*****PI*OTHER1~     ...named here
//! LE*2120~
//! ```

use std::io::Read;

use chrono::NaiveDate;

use super::{AnswerDates, EligibilityError, OtherCoverage, Outcome};
use crate::x12::{Segment, SegmentReader};

/// One answer of a 271.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// TRN02 of the inquiry (claimkit's trace number).
    pub trace: String,
    pub answered_on: NaiveDate,
    pub outcome: Outcome,
    pub reject_reason: Option<String>,
    pub other: Option<OtherCoverage>,
    pub dates: AnswerDates,
}

/// The benefit (EB) whose 2110 loop is being read: its dates mean different things.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Benefit {
    /// Before the first EB: the 2100 loop's dates are the coverage's.
    #[default]
    None,
    Active,
    Inactive,
    /// Another payer's (EB*R) or a benefit whose dates are not about the coverage.
    Other,
}

#[derive(Default)]
struct Open {
    trace: Option<String>,
    reject_reason: Option<String>,
    active: bool,
    inactive: bool,
    other: Option<OtherCoverage>,
    /// Inside a 2110 loop of an EB*R (its REF and 2120 name the other coverage).
    in_other_eb: bool,
    /// After the 2100 NM1 and before the first EB: an AAA here rejects the member.
    in_name_loop: bool,
    benefit: Benefit,
    dates: AnswerDates,
}

impl Open {
    fn finish(self, answered_on: Option<NaiveDate>) -> Option<Answer> {
        let trace = self.trace?;
        let outcome = if self.reject_reason.is_some() {
            Outcome::NotFound
        } else if self.inactive && !self.active {
            Outcome::Inactive
        } else if self.other.is_some() {
            Outcome::OtherCoverage
        } else if self.active {
            Outcome::Active
        } else {
            // Neither benefits nor a rejection: nothing the payer confirmed.
            return None;
        };
        let other = if outcome == Outcome::OtherCoverage { self.other } else { None };
        Some(Answer {
            trace,
            answered_on: answered_on?,
            outcome,
            reject_reason: self.reject_reason,
            other,
            dates: self.dates,
        })
    }
}

/// Reads every answer of a 271, in file order, handing each to `each`. Returns the number of
/// answers read. A file holding no 271 is an error naming the file.
pub fn read_271<R: Read>(
    input: R,
    file: &str,
    each: &mut dyn FnMut(Answer) -> Result<(), EligibilityError>,
) -> Result<u64, EligibilityError> {
    let mut reader = SegmentReader::new(input);
    let mut answered_on: Option<NaiveDate> = None;
    let mut open: Option<Open> = None;
    let mut in_271 = false;
    let mut seen_271 = false;
    let mut count = 0u64;
    let read_err = |source| EligibilityError::Read { file: file.to_string(), source };
    loop {
        let seg = match reader.next_segment().map_err(read_err)? {
            Some(seg) => seg,
            None => break,
        };
        match seg.id() {
            "ST" => {
                in_271 = seg.trimmed(1) == "271";
                seen_271 |= in_271;
                answered_on = None;
            }
            "SE" => {
                flush_end(&mut open, answered_on, &mut count, each)?;
                in_271 = false;
            }
            _ if !in_271 => {}
            "BHT" => {
                answered_on = crate::dates::parse_ccyymmdd(seg.text(4).trim());
                if answered_on.is_none() {
                    return Err(content(file, &seg, "BHT04 is not a date (CCYYMMDD)"));
                }
            }
            "HL" => {
                let level = seg.trimmed(3);
                if level == "22" || level == "23" {
                    // A dependent loop carries the answer when its subscriber loop had no trace.
                    let keep = level == "23" && open.as_ref().is_some_and(|o| o.trace.is_none());
                    if !keep {
                        flush_end(&mut open, answered_on, &mut count, each)?;
                        open = Some(Open::default());
                    }
                } else {
                    flush_end(&mut open, answered_on, &mut count, each)?;
                }
            }
            id => {
                if let Some(o) = open.as_mut() {
                    on_member_segment(o, id, &seg);
                }
            }
        }
    }
    flush_end(&mut open, answered_on, &mut count, each)?;
    if !seen_271 {
        return Err(EligibilityError::Content {
            file: file.to_string(),
            segment: 0,
            message: "no 271 transaction set in the file".into(),
        });
    }
    Ok(count)
}

fn flush_end(
    open: &mut Option<Open>,
    answered_on: Option<NaiveDate>,
    count: &mut u64,
    each: &mut dyn FnMut(Answer) -> Result<(), EligibilityError>,
) -> Result<(), EligibilityError> {
    if let Some(answer) = open.take().and_then(|o| o.finish(answered_on)) {
        *count += 1;
        each(answer)?;
    }
    Ok(())
}

fn content(file: &str, seg: &Segment<'_>, message: &str) -> EligibilityError {
    EligibilityError::Content { file: file.to_string(), segment: seg.position().segment, message: message.into() }
}

fn on_member_segment(o: &mut Open, id: &str, seg: &Segment<'_>) {
    let nonempty = |s: String| (!s.is_empty()).then_some(s);
    match id {
        // TRN*2: the inquiry's trace echoed (TRN*1 would be the payer's own).
        "TRN" if seg.trimmed(1) == "2" => o.trace = nonempty(seg.trimmed(2)),
        "NM1" if matches!(seg.trimmed(1).as_str(), "IL" | "03") => o.in_name_loop = true,
        "AAA" if o.in_name_loop && seg.trimmed(1) == "N" => {
            o.reject_reason = Some(seg.trimmed(3)).filter(|r| !r.is_empty()).or(Some(String::new()));
        }
        "EB" => {
            o.in_name_loop = false;
            let code = seg.trimmed(1);
            o.in_other_eb = code == "R";
            o.benefit = match code.as_str() {
                "1" | "2" | "3" | "4" | "5" => {
                    o.active = true;
                    Benefit::Active
                }
                "6" | "7" | "8" => {
                    o.inactive = true;
                    Benefit::Inactive
                }
                "R" => {
                    o.active = true;
                    o.other.get_or_insert_with(OtherCoverage::default);
                    Benefit::Other
                }
                _ => Benefit::Other,
            };
        }
        "DTP" => on_date(o, seg),
        "REF" if o.in_other_eb && matches!(seg.trimmed(1).as_str(), "IG" | "1W" | "NQ" | "18") => {
            if let Some(other) = o.other.as_mut() {
                other.member_id = other.member_id.take().or_else(|| nonempty(seg.trimmed(2)));
            }
        }
        "NM1" if o.in_other_eb && matches!(seg.trimmed(1).as_str(), "PRP" | "SEP" | "TTP" | "PR") => {
            if let Some(other) = o.other.as_mut() {
                other.payer_name = nonempty(seg.trimmed(3));
                other.payer_id = nonempty(seg.trimmed(9));
            }
        }
        _ => {}
    }
}

/// A DTP of the member (2100) or benefit (2110) loop: D8 `CCYYMMDD` or RD8 `CCYYMMDD-CCYYMMDD`.
fn on_date(o: &mut Open, seg: &Segment<'_>) {
    let (qualifier, format, value) = (seg.trimmed(1), seg.trimmed(2), seg.trimmed(3));
    let (from, to) = match format.as_str() {
        "D8" => {
            let day = crate::dates::parse_ccyymmdd(&value);
            (day, day)
        }
        "RD8" => match value.split_once('-') {
            Some((a, b)) => (crate::dates::parse_ccyymmdd(a), crate::dates::parse_ccyymmdd(b)),
            None => (None, None),
        },
        _ => (None, None),
    };
    if from.is_none() && to.is_none() {
        return;
    }
    let d = &mut o.dates;
    match (o.benefit, qualifier.as_str(), format.as_str()) {
        // Plan or eligibility begin and end; a plan or eligibility range.
        (Benefit::None | Benefit::Active, "346" | "356", "D8") => d.covered_from = from,
        (Benefit::None | Benefit::Active | Benefit::Inactive, "347" | "357", "D8") => d.covered_to = to,
        (Benefit::None | Benefit::Active, "291" | "307" | "346" | "356", "RD8") => {
            (d.covered_from, d.covered_to) = (from, to);
        }
        // Under an inactive benefit, its period (or day).
        (Benefit::Inactive, "291" | "307", _) => (d.inactive_from, d.inactive_to) = (from, to),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*CLINIC         *261103*0930*^*00501*000000001*0*T*:~\
        GS*HB*PAYER*CLINIC*20261103*0930*1*X*005010X279A1~ST*271*0001*005010X279A1~BHT*0022*11*R1*20261103*0930~\
        HL*1**20*1~NM1*PR*2*PAYER*****PI*P1~HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1234567893~";

    fn answers(body: &str) -> Vec<Answer> {
        let text = format!("{HEAD}{body}SE*1*0001~GE*1*1~IEA*1*000000001~");
        let mut out = Vec::new();
        read_271(text.as_bytes(), "t.271", &mut |a| {
            out.push(a);
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn each_outcome_is_read_with_its_trace_and_date() {
        let got = answers(
            "HL*3*2*22*0~TRN*2*11*1123456789~NM1*IL*1*A*B****MI*M1~EB*1*IND*30~\
             HL*4*2*22*0~TRN*2*12*1123456789~NM1*IL*1*A*B****MI*M2~EB*6*IND*30~\
             HL*5*2*22*0~TRN*2*13*1123456789~NM1*IL*1*A*B****MI*M3~AAA*N**75*C~\
             HL*6*2*22*0~TRN*2*14*1123456789~NM1*IL*1*A*B****MI*M4~EB*1*IND*30~EB*R**30~REF*IG*X9~LS*2120~NM1*PRP*2*OTHER PLAN*****PI*OT1~LE*2120~",
        );
        let outcomes: Vec<_> = got.iter().map(|a| (a.trace.as_str(), a.outcome)).collect();
        assert_eq!(
            outcomes,
            [
                ("11", Outcome::Active),
                ("12", Outcome::Inactive),
                ("13", Outcome::NotFound),
                ("14", Outcome::OtherCoverage)
            ]
        );
        assert_eq!(got[2].reject_reason.as_deref(), Some("75"));
        let other = got[3].other.clone().unwrap();
        assert_eq!(
            (other.payer_id.as_deref(), other.payer_name.as_deref(), other.member_id.as_deref()),
            (Some("OT1"), Some("OTHER PLAN"), Some("X9"))
        );
        assert!(got.iter().all(|a| a.answered_on == NaiveDate::from_ymd_opt(2026, 11, 3).unwrap()));
    }

    #[test]
    fn the_dates_of_an_answer_are_read_by_what_they_qualify() {
        let d = |s: &str| Some(s.parse::<NaiveDate>().unwrap());
        let got = answers(
            "HL*3*2*22*0~TRN*2*11*1123456789~NM1*IL*1*A*B****MI*M1~DTP*346*D8*20260101~DTP*347*D8*20261031~EB*1*IND*30~\
             HL*4*2*22*0~TRN*2*12*1123456789~NM1*IL*1*A*B****MI*M2~EB*6*IND*30~DTP*307*RD8*20261101-20261130~\
             HL*5*2*22*0~TRN*2*13*1123456789~NM1*IL*1*A*B****MI*M3~EB*1*IND*30~EB*R**30~DTP*346*D8*20250101~\
             HL*6*2*22*0~TRN*2*14*1123456789~NM1*IL*1*A*B****MI*M4~DTP*291*RD8*20260201-20260630~EB*1*IND*30~",
        );
        let dates: Vec<_> = got.iter().map(|a| a.dates).collect();
        assert_eq!((dates[0].covered_from, dates[0].covered_to), (d("2026-01-01"), d("2026-10-31")));
        assert_eq!((dates[0].inactive_from, dates[0].inactive_to), (None, None));
        assert_eq!((dates[1].inactive_from, dates[1].inactive_to), (d("2026-11-01"), d("2026-11-30")));
        assert_eq!((dates[1].covered_from, dates[1].covered_to), (None, None));
        // The other payer's dates (under EB*R) are not this coverage's.
        assert_eq!(dates[2], AnswerDates::default());
        assert_eq!((dates[3].covered_from, dates[3].covered_to), (d("2026-02-01"), d("2026-06-30")));
    }

    #[test]
    fn a_dependent_loop_carries_the_answer_when_the_subscriber_loop_has_no_trace() {
        let got =
            answers("HL*3*2*22*1~NM1*IL*1*A*B****MI*M1~HL*4*3*23*0~TRN*2*21*1123456789~NM1*03*1*A*C~AAA*N**71*C~");
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].trace.as_str(), got[0].outcome), ("21", Outcome::NotFound));
        assert_eq!(got[0].reject_reason.as_deref(), Some("71"));
    }

    #[test]
    fn a_file_without_a_271_is_refused() {
        let text = HEAD.replace("ST*271", "ST*270");
        let err = read_271(text.as_bytes(), "x.271", &mut |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("no 271"), "{err}");
    }
}
