//! Which implementation-guide loop a segment belongs to. X12 has no loop markers: a loop starts
//! with a known segment (`CLM` opens 2300, `SVC` opens 2110) or, in hierarchical transactions, an
//! `HL` whose level code (HL03) says what it is (20 billing provider, 22 subscriber, 23 patient).

use crate::x12::Segment;

/// Tracks the current loop through one transaction set.
#[derive(Debug, Clone)]
pub struct LoopTracker {
    kind: Family,
    current: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Family {
    Professional,
    Institutional,
    Remittance,
    Acknowledgment,
    Status,
    Other,
}

impl LoopTracker {
    /// A tracker for a transaction set of `kind` (as from [`crate::x12::transaction_kind`]).
    pub fn new(kind: &str) -> Self {
        let kind = match kind {
            "837P" | "837D" => Family::Professional,
            "837I" => Family::Institutional,
            "835" => Family::Remittance,
            "999" => Family::Acknowledgment,
            "277" | "277CA" | "276" => Family::Status,
            _ => Family::Other,
        };
        LoopTracker { kind, current: "header" }
    }

    /// The loop of `seg`, advancing the state.
    pub fn locate(&mut self, seg: &Segment<'_>) -> &'static str {
        let id = seg.id();
        match id {
            "ISA" | "IEA" | "GS" | "GE" | "TA1" => return "envelope",
            "ST" => {
                self.current = "header";
                return "header";
            }
            "SE" => return "trailer",
            _ => {}
        }
        let next = match self.kind {
            Family::Professional | Family::Institutional => self.claim(seg),
            Family::Remittance => match id {
                "N1" if seg.text(1) == "PR" => Some("1000A"),
                "N1" if seg.text(1) == "PE" => Some("1000B"),
                "LX" => Some("2000"),
                "CLP" => Some("2100"),
                "SVC" => Some("2110"),
                "PLB" => Some("summary"),
                _ => None,
            },
            Family::Acknowledgment => match id {
                "AK1" => Some("header"),
                "AK2" => Some("2000"),
                "IK3" => Some("2100"),
                "IK4" => Some("2110"),
                "IK5" => Some("2000"),
                "AK9" => Some("header"),
                _ => None,
            },
            Family::Status => self.status(seg),
            Family::Other => None,
        };
        if let Some(l) = next {
            self.current = l;
        }
        self.current
    }

    fn claim(&self, seg: &Segment<'_>) -> Option<&'static str> {
        let cur = self.current;
        let institutional = self.kind == Family::Institutional;
        match seg.id() {
            "HL" => match seg.text(3).as_ref() {
                "20" => Some("2000A"),
                "22" => Some("2000B"),
                "23" => Some("2000C"),
                _ => Some("2000"),
            },
            "CLM" => Some("2300"),
            "SBR" if cur.starts_with("23") || cur.starts_with("2330") => Some("2320"),
            "LX" => Some("2400"),
            "LIN" => Some("2410"),
            "SVD" => Some("2430"),
            "LQ" => Some("2440"),
            "NM1" => {
                let entity = seg.text(1);
                let e = entity.as_ref();
                if cur == "header" || cur.starts_with("1000") {
                    return match e {
                        "41" => Some("1000A"),
                        "40" => Some("1000B"),
                        _ => None,
                    };
                }
                if cur.starts_with("2000A") || cur.starts_with("2010A") {
                    return match e {
                        "85" => Some("2010AA"),
                        "87" => Some("2010AB"),
                        "PE" => Some("2010AC"),
                        _ => None,
                    };
                }
                if cur.starts_with("2000B") || cur.starts_with("2010B") {
                    return match e {
                        "IL" => Some("2010BA"),
                        "PR" => Some("2010BB"),
                        _ => None,
                    };
                }
                if cur.starts_with("2000C") || cur.starts_with("2010C") {
                    return (e == "QC").then_some("2010CA");
                }
                if cur == "2320" || cur.starts_with("2330") {
                    return match e {
                        "IL" => Some("2330A"),
                        "PR" => Some("2330B"),
                        "DN" | "71" => Some("2330C"),
                        "82" | "72" => Some("2330D"),
                        "77" | "ZZ" => Some("2330E"),
                        "DQ" | "82 " => Some("2330F"),
                        "85" => Some("2330G"),
                        _ => None,
                    };
                }
                if cur == "2300" || cur.starts_with("2310") {
                    return Some(match (institutional, e) {
                        (false, "DN") => "2310A",
                        (false, "82") => "2310B",
                        (false, "77") => "2310C",
                        (false, "DQ") => "2310D",
                        (false, "PW") => "2310E",
                        (false, "45") => "2310F",
                        (true, "71") => "2310A",
                        (true, "72") => "2310B",
                        (true, "ZZ") => "2310C",
                        (true, "82") => "2310D",
                        (true, "77") => "2310E",
                        (true, "DN") => "2310F",
                        _ => "2310",
                    });
                }
                if cur.starts_with("24") {
                    return Some(match (institutional, e) {
                        (false, "82") => "2420A",
                        (false, "QB") => "2420B",
                        (false, "77") => "2420C",
                        (false, "DQ") => "2420D",
                        (false, "DK") => "2420E",
                        (false, "DN") => "2420F",
                        (false, "PW") => "2420G",
                        (false, "45") => "2420H",
                        (true, "72") => "2420A",
                        (true, "ZZ") => "2420B",
                        (true, "82") => "2420C",
                        (true, "DN") => "2420D",
                        _ => "2420",
                    });
                }
                None
            }
            _ => None,
        }
    }

    fn status(&self, seg: &Segment<'_>) -> Option<&'static str> {
        let level = |cur: &str| cur.get(4..5).map(|s| s.to_string());
        match seg.id() {
            "HL" => match seg.text(3).as_ref() {
                "20" => Some("2000A"),
                "21" => Some("2000B"),
                "19" => Some("2000C"),
                "22" | "PT" => Some("2000D"),
                "23" => Some("2000E"),
                _ => Some("2000"),
            },
            "NM1" => match level(self.current).as_deref() {
                Some("A") => Some("2100A"),
                Some("B") => Some("2100B"),
                Some("C") => Some("2100C"),
                Some("D") => Some("2100D"),
                Some("E") => Some("2100E"),
                _ => None,
            },
            "TRN" => match level(self.current).as_deref() {
                Some("A") => Some("2200A"),
                Some("B") => Some("2200B"),
                Some("C") => Some("2200C"),
                Some("D") => Some("2200D"),
                Some("E") => Some("2200E"),
                _ => None,
            },
            "SVC" => match level(self.current).as_deref() {
                Some("D") => Some("2220D"),
                Some("E") => Some("2220E"),
                _ => None,
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x12::{Position, Separators};

    fn walk(kind: &str, segments: &[&str]) -> Vec<&'static str> {
        let mut t = LoopTracker::new(kind);
        segments
            .iter()
            .map(|s| t.locate(&Segment::new(s.as_bytes(), Separators::default(), Position::default())))
            .collect()
    }

    #[test]
    fn professional_claim_loops_follow_the_hl_hierarchy() {
        let loops = walk(
            "837P",
            &[
                "ST*837*1",
                "BHT*0019",
                "NM1*41*2*SUB",
                "PER*IC",
                "NM1*40*2*CH",
                "HL*1**20*1",
                "NM1*85*2*CLINIC",
                "N3*1 MAIN",
                "HL*2*1*22*0",
                "SBR*P*18",
                "NM1*IL*1*DOE",
                "NM1*PR*2*PAYER",
                "CLM*PCN1*100",
                "NM1*82*1*DOC",
                "SBR*S*18",
                "NM1*IL*1*DOE",
                "LX*1",
                "SV1*HC:99213*100",
                "NM1*82*1*DOC",
                "SVD*P1*80",
                "SE*20*1",
            ],
        );
        assert_eq!(
            loops,
            [
                "header", "header", "1000A", "1000A", "1000B", "2000A", "2010AA", "2010AA", "2000B", "2000B", "2010BA",
                "2010BB", "2300", "2310B", "2320", "2330A", "2400", "2400", "2420A", "2430", "trailer"
            ]
        );
    }

    #[test]
    fn remittance_loops() {
        let loops = walk(
            "835",
            &["BPR*I", "N1*PR*PAYER", "N1*PE*CLINIC", "LX*1", "CLP*PCN1*1", "CAS*CO*45*10", "SVC*HC:99213", "PLB*X"],
        );
        assert_eq!(loops, ["header", "1000A", "1000B", "2000", "2100", "2100", "2110", "summary"]);
    }

    #[test]
    fn status_loops() {
        let loops = walk(
            "277CA",
            &["HL*1**20*1", "NM1*PR", "HL*3*2*19*1", "NM1*85", "HL*4*3*PT", "NM1*QC", "TRN*2*PCN1", "STC*A1:20"],
        );
        assert_eq!(loops, ["2000A", "2100A", "2000C", "2100C", "2000D", "2100D", "2200D", "2200D"]);
    }
}
