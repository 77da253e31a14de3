//! Answering a 276 as a payer would: a 277 per request with each claim pending, finalized paid,
//! finalized denied or not found, decided by the seed and the claim's trace number alone (same
//! seed, same bytes).

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use super::read::{Inquiry, read_276_file};
use super::write::{Envelope, StatusResponse, StatusSet, write_277};
use super::{Outcome, StatusError, create_private};

/// What the simulated payer answered.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Answered {
    pub files: Vec<PathBuf>,
    /// (trace, outcome) for every claim, in the request's order.
    pub claims: Vec<(String, Outcome)>,
}

/// The outcome for a claim: 5 in 10 pending, 2 paid, 2 denied, 1 not found.
pub fn outcome(seed: u64, trace: &str) -> Outcome {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for b in trace.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    match (h >> 17) % 10 {
        0..=4 => Outcome::Pending,
        5 | 6 => Outcome::Paid,
        7 | 8 => Outcome::Denied,
        _ => Outcome::NotFound,
    }
}

/// The envelope of the 277 answering `inquiry` (and the other sets of its file).
fn envelope_for(inquiry: &Inquiry, sets: usize) -> Envelope {
    Envelope {
        sender_qualifier: inquiry.receiver_qualifier.clone(),
        sender_id: inquiry.receiver_id.clone(),
        receiver_qualifier: inquiry.sender_qualifier.clone(),
        receiver_id: inquiry.sender_id.clone(),
        date: inquiry.date.unwrap_or_default(),
        time: "1200".into(),
        isa13: inquiry.isa13,
        gs06: inquiry.isa13,
        transactions: (1..=sets).map(|n| format!("{n:04}")).collect(),
        usage: inquiry.usage,
        functional_id: "HN",
    }
}

/// The 277 answer to one 276 transaction set.
pub fn answer(inquiry: &Inquiry, seed: u64) -> StatusSet<StatusResponse> {
    let date = inquiry.date.unwrap_or_default();
    let items = inquiry
        .claims
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let o = outcome(seed, &c.trace);
            let (category, code, paid) = match o {
                Outcome::Pending => ("P1", "20", None),
                Outcome::Paid => ("F1", "1", Some((c.charge * Decimal::new(7, 1)).round_dp(2))),
                Outcome::Denied => ("F2", "1", Some(Decimal::ZERO)),
                _ => ("A4", "35", None),
            };
            let mut claim = c.clone();
            if o != Outcome::NotFound && claim.payer_claim_number.is_none() {
                claim.payer_claim_number =
                    Some(format!("{}{:06}{:05}", crate::dates::d8(date), inquiry.isa13 % 1_000_000, i + 1));
            }
            if o == Outcome::NotFound {
                claim.payer_claim_number = None;
            }
            StatusResponse { claim, category: category.into(), status_code: code.into(), date, paid }
        })
        .collect();
    StatusSet { parties: inquiry.parties.clone(), items }
}

/// Answers the 276 at `from` with `<stem>.277` in `out_dir`: one transaction set per set asked.
pub fn answer_file(from: &Path, out_dir: &Path, seed: u64) -> Result<Answered, StatusError> {
    let inquiries = read_276_file(from)?;
    std::fs::create_dir_all(out_dir).map_err(|source| StatusError::Io { file: out_dir.into(), source })?;
    let stem = from.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "status".into());
    let path = out_dir.join(format!("{stem}.277"));
    let sets: Vec<StatusSet<StatusResponse>> = inquiries.iter().map(|i| answer(i, seed)).collect();
    let envelope = envelope_for(&inquiries[0], sets.len());
    let io = |source| StatusError::Io { file: path.clone(), source };
    if path.exists() {
        std::fs::remove_file(&path).map_err(io)?;
    }
    let file = create_private(&path).map_err(io)?;
    let out = write_277(BufWriter::new(file), &envelope, &sets)
        .map_err(|source| StatusError::Write { file: path.clone(), source })?;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    let claims = sets
        .iter()
        .flat_map(|s| s.items.iter().map(|r| (r.claim.trace.clone(), Outcome::of_category(&r.category))))
        .collect();
    Ok(Answered { files: vec![path], claims })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcome_depends_on_the_seed_and_trace_only_and_covers_every_answer() {
        assert_eq!(outcome(1, "CK1"), outcome(1, "CK1"));
        let seen: std::collections::HashSet<_> = (0..200).map(|i| outcome(1, &format!("CK{i}"))).collect();
        for o in [Outcome::Pending, Outcome::Paid, Outcome::Denied, Outcome::NotFound] {
            assert!(seen.contains(&o), "{o:?}");
        }
    }
}
