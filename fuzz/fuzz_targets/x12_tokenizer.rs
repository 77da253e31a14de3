//! The X12 tokenizer, the envelope checker and `inspect` on any bytes: no panic, and every error
//! says where it is.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| claimkit_fuzz::x12_tokenizer(data));
