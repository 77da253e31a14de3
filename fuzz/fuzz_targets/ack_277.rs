//! The acknowledgment reader (TA1, 999, 277CA: one reader, seeded with this target's kind) on any
//! bytes, with every explanation a posting would store.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ack) = claimkit::ack::read_acknowledgments(data) {
        for t in &ack.interchange_acks {
            let _ = t.explain();
        }
        for g in &ack.group_acks {
            for s in &g.sets {
                let _ = s.explain();
            }
        }
        for c in ack.claim_acks.iter().flat_map(|t| t.claims()) {
            let _ = (c.explain(), c.is_rejected(), c.is_accepted());
        }
    }
});
