//! The HL7 v2 importer on any bytes, with the importer's check of codes and IDs on every encounter.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimkit_fuzz::import_hl7(data));
