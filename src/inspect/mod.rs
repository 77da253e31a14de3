//! `claimkit inspect`: open any health-care X12 file and read it.
//!
//! For each file: its envelopes, the type of each transaction set (837P, 835, 999, 277CA, ... from
//! ST01 and GS08), every segment with the loop it belongs to and the names of its elements, then the
//! envelope checks and the required-element checks; for an 837P, each claim readably
//! ([`claim_summaries`]). The file is streamed: segments are handed to a callback one at a time, so
//! a large file can be listed without holding it in memory.

mod claims;
mod loops;
mod names;

use std::io::Read;

pub use claims::{ClaimSummary, claim_summaries};
pub use loops::LoopTracker;
pub use names::{PatientDataMask, element_name, required_elements, required_elements_in};
use serde::Serialize;

use crate::x12::{EnvelopeChecker, EnvelopeSummary, Position, Segment, SegmentReader, X12Error, transaction_kind};

/// One segment as shown to a reader.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentView {
    pub number: u64,
    pub offset: u64,
    /// The transaction type this segment is in (`837P`...), empty on envelope segments.
    pub transaction: String,
    #[serde(rename = "loop")]
    pub loop_id: &'static str,
    pub id: String,
    pub elements: Vec<ElementView>,
}

/// One non-empty element.
#[derive(Debug, Clone, Serialize)]
pub struct ElementView {
    /// `CLM01`, `SV101`...
    pub reference: String,
    pub name: Option<&'static str>,
    pub value: String,
}

/// What a masked element shows instead of its value.
pub const MASKED: &str = "***";

impl SegmentView {
    fn new(seg: &Segment<'_>, transaction: &str, loop_id: &'static str, mask: Option<&PatientDataMask>) -> Self {
        let id = seg.id().to_string();
        let ref01 = seg.trimmed(1);
        let elements = seg
            .elements()
            .enumerate()
            .skip(1)
            .filter(|(_, e)| !e.is_empty())
            .map(|(n, e)| ElementView {
                reference: reference(&id, n),
                name: element_name(&id, n),
                value: if mask.is_some_and(|m| m.masks(&id, n, &ref01)) {
                    MASKED.to_string()
                } else {
                    String::from_utf8_lossy(e).into_owned()
                },
            })
            .collect();
        let p = seg.position();
        SegmentView { number: p.segment, offset: p.offset, transaction: transaction.to_string(), loop_id, id, elements }
    }
}

/// `CLM01`, `SV101`: a segment ID and an element number of at least two digits (built for every
/// element shown, so without the formatting machinery).
fn reference(id: &str, n: usize) -> String {
    let mut r = String::with_capacity(id.len() + 3);
    r.push_str(id);
    if n < 100 {
        r.push(char::from(b'0' + (n / 10) as u8));
        r.push(char::from(b'0' + (n % 10) as u8));
    } else {
        r.push_str(&n.to_string());
    }
    r
}

/// A problem found in a segment's content.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ContentFinding {
    pub position: Position,
    pub segment: String,
    pub message: String,
}

/// The outcome of inspecting one file.
#[derive(Debug, Serialize)]
pub struct Inspection {
    pub envelopes: EnvelopeSummary,
    pub content: Vec<ContentFinding>,
    /// A syntax error that stopped reading, if any (its text carries no element values).
    pub error: Option<String>,
    #[serde(skip)]
    pub error_detail: Option<X12Error>,
}

impl Inspection {
    /// True when the file read to the end with sound envelopes and all required elements.
    pub fn is_sound(&self) -> bool {
        self.error.is_none() && self.envelopes.is_sound() && self.content.is_empty()
    }

    /// Every problem as a one-line message with its position.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(e) = &self.error {
            out.push(e.clone());
        }
        out.extend(self.envelopes.findings.iter().map(|f| format!("{}: {}", f.position, f.message)));
        out.extend(self.content.iter().map(|f| format!("{}: {}", f.position, f.message)));
        out
    }
}

/// Reads `input` to the end, calling `each` for every segment, and checks it. Names, identifiers,
/// addresses and dates of patients are shown as [`MASKED`] (see [`inspect_with`]).
pub fn inspect<R: Read>(input: R, each: impl FnMut(SegmentView)) -> Inspection {
    inspect_with(input, false, each)
}

/// [`inspect`], with patient data shown as sent when `show_data`.
pub fn inspect_with<R: Read>(input: R, show_data: bool, mut each: impl FnMut(SegmentView)) -> Inspection {
    read(input, show_data, Some(&mut each))
}

/// The checks of [`inspect`] without the segment listing (`inspect --summary`): no segment is
/// shown, so none is turned into a [`SegmentView`].
pub fn check<R: Read>(input: R) -> Inspection {
    read(input, false, None)
}

fn read<R: Read>(input: R, show_data: bool, mut each: Option<&mut dyn FnMut(SegmentView)>) -> Inspection {
    let mut mask = PatientDataMask::default();
    let mut reader = SegmentReader::new(input);
    let mut checker = EnvelopeChecker::new();
    let mut content = Vec::new();
    let mut tracker: Option<LoopTracker> = None;
    let mut kind = String::new();
    let mut group_version = String::new();
    let mut error_detail = None;
    loop {
        let seg = match reader.next_segment() {
            Ok(Some(seg)) => seg,
            Ok(None) => break,
            Err(e) => {
                error_detail = Some(e);
                break;
            }
        };
        checker.segment(&seg);
        let id = seg.id();
        match id {
            "GS" => group_version = seg.trimmed(8),
            "ST" => {
                let guide = seg.get(3).map(|s| s.trim().to_string()).unwrap_or_else(|| group_version.clone());
                kind = transaction_kind(seg.text(1).trim(), &guide);
                tracker = Some(LoopTracker::new(&kind));
            }
            _ => {}
        }
        let required = if matches!(id, "ISA" | "IEA" | "GS" | "GE" | "ST" | "SE") {
            required_elements(id)
        } else {
            required_elements_in(&kind, id)
        };
        for &n in required {
            if seg.element(n).iter().all(|b| *b == b' ') {
                let name = element_name(id, n).map(|s| format!(" ({s})")).unwrap_or_default();
                content.push(ContentFinding {
                    position: seg.position(),
                    segment: id.to_string(),
                    message: format!("{id}{n:02}{name} is required but empty"),
                });
            }
        }
        if let Some(each) = each.as_mut() {
            let loop_id = match (&mut tracker, id) {
                (_, "ISA" | "IEA" | "GS" | "GE" | "TA1") => "envelope",
                (Some(t), _) => t.locate(&seg),
                (None, _) => "",
            };
            let in_tx = !matches!(id, "ISA" | "IEA" | "GS" | "GE" | "TA1");
            mask.see(id, seg.text(1).trim());
            let shown_mask = if show_data { None } else { Some(&mask) };
            each(SegmentView::new(&seg, if in_tx { &kind } else { "" }, loop_id, shown_mask));
        }
        if id == "SE" {
            tracker = None;
        }
    }
    // After a syntax error the envelopes' trailers may well follow: they are not reported missing.
    let envelopes = if error_detail.is_some() {
        checker.abandon()
    } else {
        checker.finish(Position { segment: reader.segments_read(), offset: reader.bytes_read() })
    };
    Inspection { envelopes, content, error: error_detail.as_ref().map(|e| e.to_string()), error_detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_references_have_two_digits_at_least() {
        assert_eq!(reference("CLM", 1), "CLM01");
        assert_eq!(reference("SV1", 10), "SV110");
        assert_eq!(reference("ISA", 99), "ISA99");
        assert_eq!(reference("X", 100), "X100");
    }

    #[test]
    fn checking_without_the_listing_finds_what_inspect_finds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for file in [
            "sample-data/x12/claim-batch.837",
            "tests/fixtures/bad/837-bad-segment-then-trailers.837",
            "tests/fixtures/bad/835-se01-off-iea02-changed.835",
            "tests/fixtures/bad/835-no-ge-iea.835",
        ] {
            let data = std::fs::read(root.join(file)).unwrap();
            let mut shown = 0;
            let listed = inspect(&data[..], |_| shown += 1);
            let checked = check(&data[..]);
            assert!(shown > 0, "{file}");
            assert_eq!(checked.problems(), listed.problems(), "{file}");
            assert_eq!(checked.is_sound(), listed.is_sound(), "{file}");
            assert_eq!(checked.envelopes.segments, listed.envelopes.segments, "{file}");
        }
    }
}
