//! The 837P reader and `inspect`'s claims table on any bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimkit_fuzz::claim837(data));
