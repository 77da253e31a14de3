//! Properties of the X12 layer over inputs nobody wrote by hand: it never panics, whatever the
//! bytes, and what the writer writes the reader reads back unchanged.

use claimkit::inspect::inspect;
use claimkit::x12::{Element, GroupHeader, InterchangeHeader, SegmentReader, X12Writer};
use proptest::prelude::*;

const SAMPLE: &[u8] = include_bytes!("../sample-data/x12/claim-batch.837");

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = inspect(&bytes[..], |_| {});
    }

    #[test]
    fn random_bytes_after_a_valid_isa_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut bytes = SAMPLE[..106].to_vec();
        bytes.extend_from_slice(&tail);
        let _ = inspect(&bytes[..], |_| {});
    }

    #[test]
    fn every_truncation_is_reported_not_panicked(cut in 0usize..SAMPLE.len()) {
        // Cutting only the line break after the last terminator leaves a whole file.
        let last_terminator = SAMPLE.iter().rposition(|b| *b == b'~').unwrap_or(0);
        prop_assume!(cut <= last_terminator);
        let result = inspect(&SAMPLE[..cut], |_| {});
        prop_assert!(!result.is_sound(), "a file cut at byte {} must not pass", cut);
    }

    #[test]
    fn mutated_files_never_panic(at in 0usize..SAMPLE.len(), byte in any::<u8>()) {
        let mut bytes = SAMPLE.to_vec();
        bytes[at] = byte;
        let _ = inspect(&bytes[..], |_| {});
    }

    #[test]
    fn written_segments_read_back_unchanged(
        segments in proptest::collection::vec(
            ("[A-Z][A-Z0-9]{1,2}", proptest::collection::vec(
                proptest::collection::vec("[A-Za-z0-9 .,/()-]{0,12}", 1..4), 0..8)),
            1..20)
    ) {
        let mut w = X12Writer::new(Vec::new());
        w.begin_interchange(&InterchangeHeader::new("ZZ", "SENDER", "ZZ", "RECEIVER", "261125", "0930", 7, 'T')).unwrap();
        w.begin_group(&GroupHeader::new("HC", "SENDER", "RECEIVER", "20261125", "0930", 7, "005010X222A1")).unwrap();
        w.begin_transaction("837", "0001", "005010X222A1").unwrap();
        let mut expected = Vec::new();
        for (id, elements) in &segments {
            // Envelope segments (TA1 included: it sits between ISA and GS) never appear inside a set.
            if ["ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"].contains(&id.as_str()) {
                continue;
            }
            let els: Vec<Element<'_>> = elements.iter().map(|parts| Element::Composite(parts.iter().map(String::as_str).collect())).collect();
            w.segment_elements(id, &els).unwrap();
            // What a reader should see: trailing empty components and elements are not written.
            let mut want: Vec<Vec<String>> = elements.iter().map(|parts| {
                let mut p = parts.clone();
                while p.last().is_some_and(String::is_empty) { p.pop(); }
                if p.is_empty() { vec![String::new()] } else { p }
            }).collect();
            while want.last().is_some_and(|e| e.len() == 1 && e[0].is_empty()) { want.pop(); }
            expected.push((id.clone(), want));
        }
        w.end_transaction().unwrap();
        w.end_group().unwrap();
        let bytes = w.end_interchange().unwrap();
        let result = inspect(&bytes[..], |_| {});
        prop_assert!(result.envelopes.is_sound(), "{:?}", result.envelopes.findings);
        let mut reader = SegmentReader::new(&bytes[..]);
        let mut got = Vec::new();
        while let Some(seg) = reader.next_segment().unwrap() {
            if ["ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"].contains(&seg.id()) { continue; }
            let els: Vec<Vec<String>> = (1..=seg.element_count())
                .map(|n| seg.components(n).map(|c| String::from_utf8_lossy(c).into_owned()).collect())
                .collect();
            got.push((seg.id().to_string(), els));
        }
        prop_assert_eq!(got, expected);
    }
}
