//! The FHIR importer on any text, with the importer's check of codes and IDs on every encounter.
#![no_main]

use claimkit::encounter::Encounter;
use claimkit::ingest::{EncounterSink, IngestError, RecordError};
use libfuzzer_sys::fuzz_target;

struct Sink;

impl EncounterSink for Sink {
    fn encounter(&mut self, mut e: Encounter) -> Result<(), IngestError> {
        claimkit::ingest::normalize(&mut e);
        let _ = claimkit::ingest::not_ascii(&e);
        let _ = (e.content_hash(), e.diagnoses.iter().map(|d| d.dotted()).count());
        Ok(())
    }
    fn reject(&mut self, errors: Vec<RecordError>) {
        for e in errors {
            let _ = e.to_string();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = claimkit::ingest::fhir::read_fhir(&String::from_utf8_lossy(data), "fuzz.json", &mut Sink);
});
