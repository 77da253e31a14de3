//! The FHIR importer on any text, with the importer's check of codes and IDs on every encounter.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimkit_fuzz::import_fhir(data));
