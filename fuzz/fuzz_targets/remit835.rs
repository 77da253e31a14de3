//! The 835 reader on any bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimkit_fuzz::remit835(data));
