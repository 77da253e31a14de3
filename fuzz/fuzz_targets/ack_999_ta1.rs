//! The acknowledgment reader (TA1, 999, 277CA: one reader, seeded with this target's kind) on any
//! bytes, with every explanation a posting would store.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimkit_fuzz::acknowledgments(data));
