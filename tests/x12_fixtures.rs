//! Every X12 file under ../shared/fixtures/third-party goes through the reader. Files written by
//! other projects are the best test of a parser: a failure on one of them is a claimkit bug unless
//! the file itself is wrong, and where it is (wrong SE01 counts in the imsweb files, for example)
//! the expected finding is listed here and was confirmed with pyx12.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use claimkit::inspect::inspect;
use claimkit::x12::{SegmentReader, SyntaxError, X12Error, X12Writer, rewrite};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/third-party")
}

fn all_fixture_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_none_or(|e| e != "md") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&fixtures(), &mut out);
    out.sort();
    assert!(out.len() >= 60, "expected the third-party fixtures beside the repo, found {}", out.len());
    out
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The files that are not X12 a reader can accept, and why.
fn expected_syntax_errors() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        ("x12_no_isa_line.txt", "does not start with an ISA"),
        ("x12_bad_first_line.txt", "ISA02 is 9 characters wide, expected 10"),
        ("x12_bad_segment_identifier.txt", "segment identifier"),
    ])
}

/// The kinds of envelope finding in third-party files whose trailers are wrong (each confirmed
/// with pyx12: "SE count of 25 for SE02=987654 is wrong. I count 34", "IEA count ... is wrong").
fn expected_envelope_findings(file: &str) -> BTreeSet<&'static str> {
    let kinds: &[&str] = match file {
        "x12_277_x212.txt" | "x12_999_accepted.txt" => &["IEA02"],
        "x12_complex.txt" => &["SE01", "GE01"],
        "x12_multiple_gs.txt" => &["SE01", "IEA01"],
        "x12_multiple_st.txt" => &["SE01", "ST02", "GE01"],
        "x12_277CA_accepted.txt" | "x12_277CA_rejected.txt" | "x12_999_rejected.txt" => &[],
        f if f.starts_with("x12_") || f == "x223-test.txt" => &["SE01"],
        _ => &[],
    };
    kinds.iter().copied().collect()
}

#[test]
fn every_third_party_file_reads_or_fails_with_a_clear_positioned_error() {
    let syntax = expected_syntax_errors();
    for path in all_fixture_files() {
        let file = name(&path);
        let bytes = std::fs::read(&path).unwrap();
        let result = inspect(&bytes[..], |_| {});
        match syntax.get(file.as_str()) {
            Some(expected) => {
                let err = result.error.as_deref().unwrap_or_else(|| panic!("{file}: expected a syntax error"));
                assert!(err.contains(expected), "{file}: {err}");
                assert!(err.starts_with("segment "), "{file}: error must name the position: {err}");
            }
            None => assert!(result.error.is_none(), "{file}: {:?}", result.error),
        }
    }
}

#[test]
fn envelope_checks_pass_on_sound_files_and_name_each_wrong_trailer() {
    let syntax = expected_syntax_errors();
    for path in all_fixture_files() {
        let file = name(&path);
        if syntax.contains_key(file.as_str()) || file == "x12_missing_elements.txt" || file == "x12_segment_errors.txt"
        {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let result = inspect(&bytes[..], |_| {});
        let found: BTreeSet<&str> =
            result.envelopes.findings.iter().map(|f| f.message.split_whitespace().next().unwrap()).collect();
        assert_eq!(found, expected_envelope_findings(&file), "{file}: {:?}", result.envelopes.findings);
    }
}

#[test]
fn linuxforhealth_files_have_sound_envelopes_and_known_transaction_types() {
    let mut kinds = BTreeMap::new();
    for path in all_fixture_files().into_iter().filter(|p| p.to_string_lossy().contains("linuxforhealth")) {
        let bytes = std::fs::read(&path).unwrap();
        let result = inspect(&bytes[..], |_| {});
        assert!(result.envelopes.is_sound(), "{}: {:?}", path.display(), result.envelopes.findings);
        for (_, _, tx) in result.envelopes.transactions() {
            *kinds.entry(tx.kind.clone()).or_insert(0) += 1;
        }
    }
    assert!(kinds.contains_key("837P") && kinds.contains_key("837I") && kinds.contains_key("835"), "{kinds:?}");
    assert!(kinds.contains_key("277"), "{kinds:?}");
}

#[test]
fn missing_required_elements_are_named() {
    let path = fixtures().join("imsweb-x12-parser/837_5010/x12_missing_elements.txt");
    let result = inspect(std::fs::File::open(path).unwrap(), |_| {});
    let messages: Vec<_> = result.content.iter().map(|c| c.message.as_str()).collect();
    assert!(messages.contains(&"NM102 (Entity type) is required but empty"), "{messages:?}");
    assert!(!result.is_sound());
}

#[test]
fn the_277ca_with_a_pipe_component_separator_splits_composites() {
    let path = fixtures().join("imsweb-x12-parser/277_5010/x12_277CA_accepted.txt");
    let bytes = std::fs::read(path).unwrap();
    let mut reader = SegmentReader::new(&bytes[..]);
    let mut categories = Vec::new();
    while let Some(seg) = reader.next_segment().unwrap() {
        if seg.is("STC") {
            categories.push(seg.component_text(1, 1).into_owned());
        }
    }
    assert!(!categories.is_empty());
    assert!(categories.iter().all(|c| c.starts_with('A')), "{categories:?}");
}

/// Segments as element lists with components and repetitions normalized, for comparison.
fn normalized(bytes: &[u8]) -> Vec<Vec<Vec<Vec<String>>>> {
    let mut reader = SegmentReader::new(bytes);
    let mut out = Vec::new();
    while let Some(seg) = reader.next_segment().unwrap() {
        let mut elements = Vec::new();
        for n in 1..=seg.element_count() {
            if seg.is("ISA") {
                elements.push(vec![vec![seg.trimmed(n)]]);
                continue;
            }
            elements.push(
                seg.repetitions(n)
                    .iter()
                    .map(|rep| {
                        rep.split(|b| *b == seg.separators().component)
                            .map(|c| String::from_utf8_lossy(c).into_owned())
                            .collect()
                    })
                    .collect(),
            );
        }
        while elements.last().is_some_and(|e| e.iter().all(|r| r.iter().all(String::is_empty))) {
            elements.pop();
        }
        // ISA11 and ISA16 are the separators themselves: compared through the segments they split.
        if seg.is("ISA") {
            elements[10].clear();
            elements[15].clear();
        }
        out.push((seg.id().to_string(), elements));
    }
    out.into_iter()
        .map(|(id, mut e)| {
            e.insert(0, vec![vec![id]]);
            e
        })
        .collect()
}

#[test]
fn writing_back_any_sound_file_gives_the_same_segments() {
    let mut checked = 0;
    for path in all_fixture_files() {
        let bytes = std::fs::read(&path).unwrap();
        let result = inspect(&bytes[..], |_| {});
        if !result.envelopes.is_sound() || result.error.is_some() {
            continue;
        }
        let mut out = Vec::new();
        let mut writer = X12Writer::new(&mut out);
        rewrite(&bytes[..], &mut writer).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        drop(writer);
        assert_eq!(normalized(&out), normalized(&bytes), "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} files were round-tripped");
}

#[test]
fn reading_from_a_slow_source_gives_the_same_segments_as_reading_from_memory() {
    struct OneByte<'a>(&'a [u8]);
    impl std::io::Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }
    let path = fixtures().join("linuxforhealth-x12/835_005010X221A1/managed-care.835");
    let bytes = std::fs::read(path).unwrap();
    let mut fast = SegmentReader::new(&bytes[..]);
    let mut slow = SegmentReader::new(OneByte(&bytes));
    loop {
        let a = fast.next_segment().unwrap().map(|s| (s.raw().to_vec(), s.position()));
        let b = slow.next_segment().unwrap().map(|s| (s.raw().to_vec(), s.position()));
        assert_eq!(a, b);
        if a.is_none() {
            break;
        }
    }
}

#[test]
fn errors_never_carry_element_values() {
    let path = fixtures().join("imsweb-x12-parser/837_5010/x12_bad_segment_identifier.txt");
    let bytes = std::fs::read(path).unwrap();
    let mut reader = SegmentReader::new(&bytes[..]);
    let err = loop {
        match reader.next_segment() {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("expected an error"),
            Err(e) => break e,
        }
    };
    assert!(matches!(err, X12Error::Syntax { kind: SyntaxError::BadSegmentId, .. }));
    assert!(!err.to_string().contains("ANGELASZEK"), "{err}");
    assert!(err.segment_text().unwrap().contains("ANGELASZEK"));
}
