//! Every reader's error messages, warnings and findings say where and what was expected, and
//! carry none of the input's bytes (beyond a segment ID): a file's text can be a patient's name
//! or date of birth.
//!
//! Each property takes a sound file, puts a marker where data goes (a run of the letters q, x, z
//! and j, which no message and no sample file holds), optionally with separators around it that
//! shift or break the structure, optionally cuts the file short, reads it, and looks for any four
//! letters of the marker in everything the reader says.

use std::path::Path;

use claimkit::ack::read_acknowledgments;
use claimkit::claim837::read_837p;
use claimkit::encounter::Encounter;
use claimkit::ingest::{EncounterSink, IngestError, RecordError};
use claimkit::inspect::inspect;
use claimkit::remit835::read_remittances;
use claimkit::x12::read_segments;
use proptest::prelude::*;

const CLAIMS: &str = include_str!("../sample-data/x12/claim-batch-full.837");
const REMIT: &str = include_str!("fixtures/remit/paid.835");
const ACK_999: &str = include_str!("fixtures/ack/999-rejected.x12");
const TA1: &str = include_str!("fixtures/ack/ta1-rejected.x12");
const CLAIM_ACK: &str = include_str!("fixtures/bad/277ca-cut-after-segment.277");
const CSV: &str = include_str!("fixtures/bad/dx-not-ascii.csv");
const FHIR: &str = include_str!("fixtures/bad/dob-not-ascii.fhir.json");
const HL7: &str = include_str!("fixtures/bad/not-dft.hl7");

/// A marker and how it goes into the file.
#[derive(Debug, Clone)]
struct Mutation {
    /// Where, as a fraction of the file's length.
    at: f64,
    marker: String,
    before: &'static str,
    after: &'static str,
    /// Cut the result at this fraction of its length (1.0: keep all).
    cut: f64,
}

fn mutation(separators: &'static [&'static str]) -> impl Strategy<Value = Mutation> {
    (
        0.0..1.0f64,
        "[qxzj]{8,24}",
        proptest::sample::select(separators),
        proptest::sample::select(separators),
        prop_oneof![3 => Just(1.0f64), 1 => 0.0..1.0f64],
    )
        .prop_map(|(at, marker, before, after, cut)| Mutation { at, marker, before, after, cut })
}

const X12_SEPARATORS: &[&str] = &["", "", "*", "~", ":", "^", "~\r\n", "**", "~ISA*"];
const TEXT_SEPARATORS: &[&str] = &["", "", ",", "\n", "\"", "|", "^", "\r", "-", "\":\"", "}"];

impl Mutation {
    fn apply(&self, text: &str) -> String {
        let mut at = ((text.len() as f64) * self.at) as usize;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut out = format!("{}{}{}{}{}", &text[..at], self.before, self.marker, self.after, &text[at..]);
        let mut cut = ((out.len() as f64) * self.cut) as usize;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out
    }

    /// Fails when `said` holds four letters in a row of the marker.
    fn check(&self, reader: &str, said: &str) -> Result<(), TestCaseError> {
        for window in self.marker.as_bytes().windows(4) {
            let w = std::str::from_utf8(window).unwrap();
            prop_assert!(!said.contains(w), "{reader} echoed {w:?} of the marker {:?}: {said}", self.marker);
        }
        Ok(())
    }
}

/// Every record error and encounter of an import, rendered as the user sees them without
/// --show-data (the codes and IDs check of the importer included).
#[derive(Default)]
struct Said(Vec<String>);

impl EncounterSink for Said {
    fn encounter(&mut self, encounter: Encounter) -> Result<(), IngestError> {
        self.0.extend(claimkit::ingest::not_ascii(&encounter).iter().map(RecordError::to_string));
        Ok(())
    }
    fn reject(&mut self, errors: Vec<RecordError>) {
        self.0.extend(errors.iter().map(RecordError::to_string));
    }
}

/// `s` without its `(Type/id)` locators.
fn without_resource_ids(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(open) = rest.find('(') {
        out.push_str(&rest[..open]);
        match rest[open..].find(')') {
            Some(close) if rest[open..open + close].contains('/') => rest = &rest[open + close + 1..],
            _ => {
                out.push('(');
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_x12_tokenizer_and_inspect_say_nothing_of_the_bytes(m in mutation(X12_SEPARATORS)) {
        for sample in [CLAIMS, REMIT, ACK_999, CLAIM_ACK] {
            let text = m.apply(sample);
            if let Err(e) = read_segments(text.as_bytes(), |_| {}) {
                m.check("tokenizer", &e.to_string())?;
            }
            let result = inspect(text.as_bytes(), |_| {});
            m.check("inspect", &result.problems().join("\n"))?;
        }
    }

    #[test]
    fn the_835_reader_says_nothing_of_the_bytes(m in mutation(X12_SEPARATORS)) {
        let text = m.apply(REMIT);
        match read_remittances(Path::new("t.835"), text.as_bytes()) {
            Ok(remittances) => {
                for f in remittances.iter().flat_map(|r| &r.findings) {
                    m.check("835 finding", &f.to_string())?;
                }
            }
            Err(e) => m.check("835 reader", &e.to_string())?,
        }
    }

    #[test]
    fn the_837_reader_says_nothing_of_the_bytes(m in mutation(X12_SEPARATORS)) {
        if let Err(e) = read_837p(m.apply(CLAIMS).as_bytes()) {
            m.check("837 reader", &e.to_string())?;
        }
    }

    #[test]
    fn the_acknowledgment_readers_say_nothing_of_the_bytes(m in mutation(X12_SEPARATORS)) {
        for sample in [ACK_999, TA1, CLAIM_ACK] {
            match read_acknowledgments(m.apply(sample).as_bytes()) {
                Ok(ack) => {
                    m.check("ack notes", &ack.notes.join("\n"))?;
                    for f in &ack.envelope_findings {
                        m.check("ack envelope", &f.to_string())?;
                    }
                    for g in &ack.group_acks {
                        for s in &g.sets {
                            m.check("999 explanation", &s.explain())?;
                        }
                    }
                    for t in &ack.interchange_acks {
                        m.check("TA1 explanation", &t.explain())?;
                    }
                    for c in ack.claim_acks.iter().flat_map(|t| t.claims()) {
                        for s in &c.statuses {
                            m.check("277CA explanation", &s.explain())?;
                        }
                    }
                }
                Err(e) => m.check("ack reader", &e.to_string())?,
            }
        }
    }

    #[test]
    fn the_csv_importer_says_nothing_of_the_bytes(m in mutation(TEXT_SEPARATORS)) {
        let mut said = Said::default();
        if let Err(e) = claimkit::ingest::csv::read_csv(m.apply(CSV).as_bytes(), "t.csv", None, &mut said) {
            said.0.push(e.to_string());
        }
        m.check("csv", &said.0.join("\n"))?;
    }

    #[test]
    fn the_fhir_importer_says_nothing_of_the_bytes(m in mutation(TEXT_SEPARATORS)) {
        let mut said = Said::default();
        if let Err(e) = claimkit::ingest::fhir::read_fhir(&m.apply(FHIR), "t.json", &mut said) {
            said.0.push(e.to_string());
        }
        // A resource's type and logical ID (`entry 14 (Claim/claim-E1001)`) say where, as a segment
        // number does in X12: they are the position, not data.
        let said: Vec<String> = said.0.iter().map(|s| without_resource_ids(s)).collect();
        m.check("fhir", &said.join("\n"))?;
    }

    #[test]
    fn the_hl7_importer_says_nothing_of_the_bytes(m in mutation(TEXT_SEPARATORS)) {
        let mut said = Said::default();
        if let Err(e) = claimkit::ingest::hl7v2::read_hl7(&m.apply(HL7), "t.hl7", &mut said) {
            said.0.push(e.to_string());
        }
        m.check("hl7", &said.0.join("\n"))?;
    }
}
