//! The 837P reader and `inspect`'s claims table on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(claims) = claimkit::claim837::read_837p(data) {
        for c in &claims {
            let _ = c.dates_of_service();
            let _ = c.patient_initials();
        }
    }
    let _ = claimkit::inspect::claim_summaries(data, false);
});
