//! Answering a 270 as a payer would (`claimkit simulate --from FILE.270`): a 271 with one answer
//! per inquiry, chosen by the seed and the inquiry's trace number, so the same seed gives the
//! same bytes. Of ten inquiries, about six are active, one inactive on the date, one has other
//! coverage (a payer and a member ID reported), one member is not found and one does not match
//! the payer's name or date of birth. Tests and demos can ask for one outcome for every inquiry.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use super::{EligibilityError, GUIDE, Outcome, write_private};
use crate::x12::{GroupHeader, InterchangeHeader, Segment, SegmentReader, X12Writer};

/// How to answer.
#[derive(Debug, Clone, Copy)]
pub struct RespondOptions {
    pub seed: u64,
    /// Every inquiry gets this outcome; `None`: chosen by seed and trace.
    pub outcome: Option<Outcome>,
}

/// What was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct RespondSummary {
    pub inquiries: usize,
    pub active: usize,
    pub inactive: usize,
    pub other_coverage: usize,
    pub not_found: usize,
    pub file: PathBuf,
}

/// The payer the simulator reports as the other coverage.
pub const OTHER_PAYER_ID: &str = "OTHRPLAN1";
pub const OTHER_PAYER_NAME: &str = "OTHER HEALTH PLAN";

/// True when the file's first transaction set is a 270.
pub fn is_270(path: &Path) -> bool {
    let Ok(file) = crate::files::open_input(path) else { return false };
    let mut reader = SegmentReader::new(std::io::BufReader::new(file));
    while let Ok(Some(seg)) = reader.next_segment() {
        if seg.id() == "ST" {
            return seg.trimmed(1) == "270";
        }
    }
    false
}

/// Writes `<out_dir>/<stem>.271` answering the 270 at `from`.
pub fn respond_file(from: &Path, out_dir: &Path, opts: RespondOptions) -> Result<RespondSummary, EligibilityError> {
    let file = crate::files::open_input(from)
        .map_err(|source| EligibilityError::Io { file: from.display().to_string(), source })?;
    std::fs::create_dir_all(out_dir)
        .map_err(|source| EligibilityError::Io { file: out_dir.display().to_string(), source })?;
    let stem = from.file_stem().map_or("answer".into(), |s| s.to_string_lossy().to_string());
    let path = out_dir.join(format!("{stem}.271"));
    let mut summary = RespondSummary { file: path.clone(), ..Default::default() };
    let name = from.display().to_string();
    write_private(&path, |out| respond(std::io::BufReader::new(file), out, &name, opts, &mut summary))?;
    Ok(summary)
}

/// A segment kept to be written later.
struct Kept {
    id: String,
    elements: Vec<String>,
}

impl Kept {
    fn of(seg: &Segment<'_>) -> Self {
        Kept {
            id: seg.id().to_string(),
            elements: (1..=seg.element_count()).map(|i| seg.text(i).into_owned()).collect(),
        }
    }
}

/// The member loop being read: written when its inquiry (EQ) or the next loop comes.
#[derive(Default)]
struct Member {
    trn: Option<Kept>,
    nm1: Option<Kept>,
    dmg: Option<Kept>,
    service_date: Option<NaiveDate>,
    asked: bool,
    /// A dependent's loop (2000D): its AAA03 codes are the patient's, not the subscriber's.
    dependent: bool,
}

/// Reads a 270 from `input` and writes the 271 to `out`.
pub fn respond<R: Read>(
    input: R,
    out: &mut dyn Write,
    file: &str,
    opts: RespondOptions,
    summary: &mut RespondSummary,
) -> Result<(), EligibilityError> {
    let wrap = |source| EligibilityError::Write { file: file.to_string(), source };
    let mut reader = SegmentReader::new(input);
    let mut w = X12Writer::new(out).line_breaks(true);
    let mut member: Option<Member> = None;
    let mut seen_270 = false;
    while let Some(seg) =
        reader.next_segment().map_err(|source| EligibilityError::Read { file: file.into(), source })?
    {
        match seg.id() {
            "ISA" => {
                let h = InterchangeHeader::from_segment(&seg);
                let mut answer = h.clone();
                (answer.sender_qualifier, answer.sender_id) = (h.receiver_qualifier.clone(), h.receiver_id.clone());
                (answer.receiver_qualifier, answer.receiver_id) = (h.sender_qualifier.clone(), h.sender_id.clone());
                answer.ack_requested = false;
                w.begin_interchange(&answer).map_err(wrap)?;
            }
            "GS" => {
                let g = GroupHeader::from_segment(&seg);
                let answer = GroupHeader::new("HB", &g.receiver, &g.sender, &g.date, &g.time, g.control_number, GUIDE);
                w.begin_group(&answer).map_err(wrap)?;
            }
            "ST" => {
                if seg.trimmed(1) != "270" {
                    return Err(EligibilityError::Content {
                        file: file.into(),
                        segment: seg.position().segment,
                        message: "not a 270 transaction set".into(),
                    });
                }
                seen_270 = true;
                w.begin_transaction("271", &seg.trimmed(2), GUIDE).map_err(wrap)?;
            }
            "BHT" => {
                let (reference, date, time) = (seg.trimmed(3), seg.trimmed(4), seg.trimmed(5));
                w.segment("BHT", &["0022", "11", &reference, &date, &time]).map_err(wrap)?;
            }
            "HL" => {
                if let Some(m) = member.take() {
                    write_member(&mut w, m, opts, summary).map_err(wrap)?;
                }
                let level = seg.trimmed(3);
                if level == "22" || level == "23" {
                    member = Some(Member { dependent: level == "23", ..Member::default() });
                }
                w.copy_segment(&seg).map_err(wrap)?;
            }
            "TRN" => {
                if let Some(m) = member.as_mut() {
                    let mut kept = Kept::of(&seg);
                    if let Some(first) = kept.elements.first_mut() {
                        *first = "2".into();
                    }
                    m.trn = Some(kept);
                }
            }
            "NM1" => match member.as_mut() {
                Some(m) => m.nm1 = Some(Kept::of(&seg)),
                None => w.copy_segment(&seg).map_err(wrap)?,
            },
            "DMG" => {
                if let Some(m) = member.as_mut() {
                    m.dmg = Some(Kept::of(&seg));
                }
            }
            "DTP" => {
                if let Some(m) = member.as_mut()
                    && seg.trimmed(1) == "291"
                {
                    m.service_date = crate::dates::parse_ccyymmdd(seg.text(3).get(..8).unwrap_or(""));
                }
            }
            "EQ" => {
                if let Some(m) = member.as_mut() {
                    m.asked = true;
                }
            }
            "SE" => {
                if let Some(m) = member.take() {
                    write_member(&mut w, m, opts, summary).map_err(wrap)?;
                }
                w.end_transaction().map_err(wrap)?;
            }
            "GE" => w.end_group().map_err(wrap)?,
            "IEA" => w.close_interchange().map_err(wrap)?,
            _ => {}
        }
    }
    if !seen_270 {
        return Err(EligibilityError::Content {
            file: file.into(),
            segment: 0,
            message: "no 270 transaction set in the file".into(),
        });
    }
    drop(w);
    Ok(())
}

fn write<W: Write>(w: &mut X12Writer<W>, kept: &Kept) -> Result<(), crate::x12::WriteError> {
    let refs: Vec<&str> = kept.elements.iter().map(String::as_str).collect();
    w.segment(&kept.id, &refs)
}

/// FNV-1a over the seed and the trace: the same inquiry gets the same answer for a seed.
fn roll(seed: u64, trace: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.to_le_bytes().iter().chain(trace.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// AAA03 as the guide lists it for the loop: the subscriber's (2100C) codes 72, 73, 75 are the
/// patient's 64, 65, 67 in a dependent's loop (2100D); 71 (date of birth) is in both lists.
fn member_reject_reason(subscriber_code: &'static str, dependent: bool) -> &'static str {
    match (dependent, subscriber_code) {
        (true, "72") => "64",
        (true, "73") => "65",
        (true, "75") => "67",
        (_, code) => code,
    }
}

fn write_member<W: Write>(
    w: &mut X12Writer<W>,
    m: Member,
    opts: RespondOptions,
    summary: &mut RespondSummary,
) -> Result<(), crate::x12::WriteError> {
    let trace = m.trn.as_ref().and_then(|t| t.elements.get(1).cloned()).unwrap_or_default();
    let r = roll(opts.seed, &trace);
    let (outcome, reason) = match opts.outcome {
        Some(Outcome::NotFound) => (Outcome::NotFound, "75"),
        Some(o) => (o, ""),
        None => match r % 10 {
            6 => (Outcome::Inactive, ""),
            7 => (Outcome::OtherCoverage, ""),
            8 => (Outcome::NotFound, "75"),
            9 => (Outcome::NotFound, if r % 20 < 10 { "71" } else { "73" }),
            _ => (Outcome::Active, ""),
        },
    };
    if let Some(trn) = &m.trn {
        write(w, trn)?;
    }
    if let Some(nm1) = &m.nm1 {
        write(w, nm1)?;
    }
    if m.asked && outcome == Outcome::NotFound {
        w.segment("AAA", &["N", "", member_reject_reason(reason, m.dependent), "C"])?;
    }
    if let Some(dmg) = &m.dmg {
        write(w, dmg)?;
    }
    if !m.asked {
        return Ok(());
    }
    summary.inquiries += 1;
    let plan_begin = m.service_date.and_then(|d| NaiveDate::from_ymd_opt(chrono::Datelike::year(&d), 1, 1));
    match outcome {
        Outcome::NotFound => summary.not_found += 1,
        Outcome::Inactive => {
            summary.inactive += 1;
            if let Some(end) = m.service_date.and_then(|d| d.pred_opt()) {
                w.segment("DTP", &["347", "D8", &crate::dates::d8(end)])?;
            }
            w.segment("EB", &["6", "IND", "30"])?;
        }
        Outcome::Active | Outcome::OtherCoverage => {
            if let Some(begin) = plan_begin {
                w.segment("DTP", &["346", "D8", &crate::dates::d8(begin)])?;
            }
            w.segment("EB", &["1", "IND", "30"])?;
            if outcome == Outcome::OtherCoverage {
                summary.other_coverage += 1;
                let member_id = format!("ZX{:08}", r % 100_000_000);
                w.segment("EB", &["R", "", "30"])?;
                w.segment("REF", &["IG", &member_id])?;
                w.segment("LS", &["2120"])?;
                w.segment("NM1", &["PRP", "2", OTHER_PAYER_NAME, "", "", "", "", "PI", OTHER_PAYER_ID])?;
                w.segment("LE", &["2120"])?;
            } else {
                summary.active += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 005010X279A1 AAA03 code lists of the subscriber (2100C) and dependent (2100D) name loops.
    const SUBSCRIBER_AAA03: &[&str] = &[
        "15", "35", "42", "43", "45", "47", "48", "49", "51", "52", "56", "57", "58", "60", "61", "62", "63", "71",
        "72", "73", "74", "75", "76", "78",
    ];
    const DEPENDENT_AAA03: &[&str] = &[
        "15", "35", "42", "43", "45", "47", "48", "49", "51", "52", "56", "57", "58", "60", "61", "62", "63", "64",
        "65", "66", "67", "68", "71", "77",
    ];

    #[test]
    fn a_member_not_found_is_answered_with_a_code_of_its_loops_list() {
        for code in ["71", "73", "75"] {
            assert!(SUBSCRIBER_AAA03.contains(&member_reject_reason(code, false)), "{code}");
            assert!(DEPENDENT_AAA03.contains(&member_reject_reason(code, true)), "{code}");
        }
    }

    #[test]
    fn a_dependent_not_found_is_rejected_in_the_dependent_loop_with_a_patient_code() {
        let inquiry = "ISA*00*          *00*          *ZZ*CLINIC         *ZZ*PAYER          *261103*0930*^*00501*000000001*0*T*:~\
            GS*HS*CLINIC*PAYER*20261103*0930*1*X*005010X279A1~ST*270*0001*005010X279A1~BHT*0022*13*R1*20261103*0930~\
            HL*1**20*1~NM1*PR*2*PAYER*****PI*P1~HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1234567893~\
            HL*3*2*22*1~NM1*IL*1*A*B****MI*M1~HL*4*3*23*0~TRN*1*21*1123456789~NM1*03*1*A*C~DTP*291*D8*20261102~EQ*30~\
            SE*13*0001~GE*1*1~IEA*1*000000001~";
        let mut out = Vec::new();
        let opts = RespondOptions { seed: 1, outcome: Some(Outcome::NotFound) };
        respond(inquiry.as_bytes(), &mut out, "t.270", opts, &mut RespondSummary::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let dependent = text.split("HL*4*3*23*0~").nth(1).unwrap();
        assert!(dependent.contains("AAA*N**67*C~"), "{text}");
        assert_eq!(text.matches("AAA*").count(), 1, "{text}");
    }
}
