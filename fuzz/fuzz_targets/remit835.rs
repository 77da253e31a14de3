//! The 835 reader on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(remittances) = claimkit::remit835::read_remittances(std::path::Path::new("fuzz.835"), data) {
        for r in &remittances {
            let _ = r.balanced();
            for f in &r.findings {
                let _ = f.to_string();
            }
        }
    }
});
