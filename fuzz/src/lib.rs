//! The bodies of the fuzz targets, one function per target: `fuzz_targets/` hands them libFuzzer's
//! inputs, and `examples/replay.rs` times them over a corpus without the fuzzer's instrumentation
//! (what an input costs, to tell a slow target from a slow fuzzer).

use claimkit::encounter::Encounter;
use claimkit::ingest::{EncounterSink, IngestError, RecordError};

/// The X12 tokenizer, the envelope checker and `inspect`: no panic, and every error says where it is.
pub fn x12_tokenizer(data: &[u8]) {
    let _ = claimkit::x12::read_segments(data, |_| {});
    let _ = claimkit::x12::check_envelopes(data);
    let result = claimkit::inspect::inspect(data, |_| {});
    let _ = result.problems();
}

/// The 835 reader with its balancing and findings.
pub fn remit835(data: &[u8]) {
    if let Ok(remittances) = claimkit::remit835::read_remittances(std::path::Path::new("fuzz.835"), data) {
        for r in &remittances {
            let _ = r.balanced();
            for f in &r.findings {
                let _ = f.to_string();
            }
        }
    }
}

/// The 837P reader and `inspect`'s claims table.
pub fn claim837(data: &[u8]) {
    if let Ok(claims) = claimkit::claim837::read_837p(data) {
        for c in &claims {
            let _ = c.dates_of_service();
            let _ = c.patient_initials();
        }
    }
    let _ = claimkit::inspect::claim_summaries(data, false);
}

/// The acknowledgment reader (TA1, 999, 277CA: one reader; the targets differ by seed corpus),
/// with every explanation a posting would store.
pub fn acknowledgments(data: &[u8]) {
    if let Ok(ack) = claimkit::ack::read_acknowledgments(data) {
        for t in &ack.interchange_acks {
            let _ = t.explain();
        }
        for g in &ack.group_acks {
            for s in &g.sets {
                let _ = s.explain();
            }
        }
        for c in ack.claim_acks.iter().flat_map(|t| t.claims()) {
            let _ = (c.explain(), c.is_rejected(), c.is_accepted());
        }
    }
}

/// Every encounter an importer reads goes through what `import` does to it before storing it:
/// the ASCII check, normalisation and the content hash.
struct Sink;

impl EncounterSink for Sink {
    fn encounter(&mut self, mut e: Encounter) -> Result<(), IngestError> {
        claimkit::ingest::normalize(&mut e);
        let _ = claimkit::ingest::not_ascii(&e);
        std::hint::black_box(e.content_hash());
        for d in &e.diagnoses {
            std::hint::black_box(d.dotted());
        }
        Ok(())
    }
    fn reject(&mut self, errors: Vec<RecordError>) {
        for e in errors {
            let _ = e.to_string();
        }
    }
}

/// The CSV importer.
pub fn import_csv(data: &[u8]) {
    let _ = claimkit::ingest::csv::read_csv(data, "fuzz.csv", None, &mut Sink);
}

/// The FHIR importer (on the text the bytes hold).
pub fn import_fhir(data: &[u8]) {
    let _ = claimkit::ingest::fhir::read_fhir(&String::from_utf8_lossy(data), "fuzz.json", &mut Sink);
}

/// The HL7 v2 importer.
pub fn import_hl7(data: &[u8]) {
    let _ = claimkit::ingest::hl7v2::read_hl7_from(data, "fuzz.hl7", &mut Sink);
}

/// A target's body: any bytes in, nothing out but a panic when something is wrong.
pub type Target = fn(&[u8]);

/// Every target by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("x12_tokenizer", x12_tokenizer),
    ("remit835", remit835),
    ("claim837", claim837),
    ("ack_999_ta1", acknowledgments),
    ("ack_277", acknowledgments),
    ("import_csv", import_csv),
    ("import_fhir", import_fhir),
    ("import_hl7", import_hl7),
];
