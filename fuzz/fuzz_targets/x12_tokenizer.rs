//! The X12 tokenizer, the envelope checker and `inspect` on any bytes: no panic, and every error
//! says where it is.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = claimkit::x12::read_segments(data, |_| {});
    let _ = claimkit::x12::check_envelopes(data);
    let result = claimkit::inspect::inspect(data, |_| {});
    let _ = result.problems();
});
