//! `claimkit status-request`: a 276 per receiver asking about every claim without a final answer
//! (submitted or accepted, no remittance, no rejection) sent more than N days ago.
//!
//! Control numbers come from the ledger like a build's (allocated and committed before the file is
//! written); each file is written to a temporary name, synced and renamed into place, then
//! recorded with the claims it asks about and an event in each claim's history.

use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate, NaiveDateTime};

use super::write::{Envelope, Parties, Person, StatusClaim, StatusSet, write_276};
use super::{StatusError, create_private};
use crate::encounter::{Encounter, Relationship};
use crate::ledger::claim_status::{Candidate, RequestFile, candidates, record_request};
use crate::ledger::{Ledger, allocate_envelope, billing::load_practice};

/// What to ask about and where the files go.
#[derive(Debug, Clone)]
pub struct RequestOptions {
    pub out_dir: PathBuf,
    /// Ask about claims sent more than this many days before `as_of`.
    pub older_than_days: u64,
    pub as_of: NaiveDate,
    /// When the files are written (envelope dates).
    pub at: NaiveDateTime,
}

/// One 276 file written.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RequestWritten {
    pub path: PathBuf,
    pub receiver_id: String,
    pub isa13: u64,
    /// (PCN, payer ID, submitted on) of every claim asked about.
    pub claims: Vec<(String, String, String)>,
}

/// What `status-request` did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RequestSummary {
    pub files: Vec<RequestWritten>,
    /// (PCN, why it was not asked about), without patient data.
    pub skipped: Vec<(String, String)>,
}

/// Writes the 276s and records them.
pub fn write_status_requests(ledger: &mut Ledger, opts: &RequestOptions) -> Result<RequestSummary, StatusError> {
    let practice = load_practice(ledger.conn())?.ok_or(StatusError::NoPractice)?;
    let cutoff = opts.as_of.checked_sub_days(Days::new(opts.older_than_days)).unwrap_or(NaiveDate::MIN);
    let mut summary = RequestSummary::default();
    // receiver -> payer -> claims
    let mut plan: BTreeMap<String, BTreeMap<String, Vec<(Candidate, StatusClaim)>>> = BTreeMap::new();
    for c in candidates(ledger.conn(), cutoff)? {
        let Some(payer) = practice.payer(&c.payer_id) else {
            summary.skipped.push((c.pcn.clone(), format!("payer {} is not in the practice file", c.payer_id)));
            continue;
        };
        if practice.receiver(&payer.receiver).is_none() {
            summary.skipped.push((c.pcn.clone(), format!("receiver {} is not in the practice file", payer.receiver)));
            continue;
        }
        let claim = match status_claim(&c) {
            Some(claim) => claim,
            None => {
                summary.skipped.push((c.pcn.clone(), "the billed encounter or its dates cannot be read".into()));
                continue;
            }
        };
        plan.entry(payer.receiver.clone()).or_default().entry(payer.id.clone()).or_default().push((c, claim));
    }
    std::fs::create_dir_all(&opts.out_dir).map_err(|source| StatusError::Io { file: opts.out_dir.clone(), source })?;
    for (receiver_id, by_payer) in plan {
        let Some(receiver) = practice.receiver(&receiver_id) else { continue };
        let (sender, to) = (practice.submitter.interchange_id(), receiver.interchange_id());
        let numbers = allocate_envelope(ledger.conn_mut(), sender, to, by_payer.len() as u64)?;
        let sets: Vec<StatusSet<StatusClaim>> = by_payer
            .iter()
            .map(|(payer_id, claims)| {
                let payer = practice.payer(payer_id);
                StatusSet {
                    parties: Parties {
                        payer_name: payer.map(|p| p.name.clone()).unwrap_or_default(),
                        payer_id: payer_id.clone(),
                        receiver_name: practice.submitter.name.clone(),
                        receiver_etin: practice.submitter.etin.clone(),
                        provider_name: practice.billing_provider.name.clone(),
                        provider_npi: practice.billing_provider.npi.clone(),
                    },
                    items: claims.iter().map(|(_, s)| s.clone()).collect(),
                }
            })
            .collect();
        let envelope = Envelope {
            sender_qualifier: practice.submitter.isa_qualifier.clone(),
            sender_id: sender.to_string(),
            receiver_qualifier: receiver.isa_qualifier.clone(),
            receiver_id: to.to_string(),
            date: opts.at.date(),
            time: opts.at.format("%H%M").to_string(),
            isa13: numbers.interchange,
            gs06: numbers.group,
            transactions: numbers.transactions.clone(),
            usage: receiver.usage.code(),
            functional_id: "HR",
        };
        let name = format!("{}-{:09}.276", safe_name(&receiver_id), numbers.interchange);
        let path = opts.out_dir.join(&name);
        write_file(&path, &opts.out_dir.join(format!(".{name}.tmp")), &envelope, &sets)?;
        let pcns: Vec<String> = by_payer.values().flatten().map(|(c, _)| c.pcn.clone()).collect();
        let tx = ledger.transaction()?;
        record_request(
            &tx,
            &RequestFile {
                receiver_id: &receiver_id,
                path: &path.display().to_string(),
                isa13: numbers.interchange,
                gs06: numbers.group,
                st02: &numbers.transactions.join(","),
                sender_id: sender,
                receiver_isa_id: to,
                pcns: &pcns,
            },
        )?;
        tx.commit().map_err(crate::ledger::LedgerError::from)?;
        summary.files.push(RequestWritten {
            path,
            receiver_id,
            isa13: numbers.interchange,
            claims: by_payer
                .values()
                .flatten()
                .map(|(c, _)| (c.pcn.clone(), c.payer_id.clone(), c.submitted_on.clone()))
                .collect(),
        });
    }
    Ok(summary)
}

fn safe_name(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect()
}

fn write_file(
    path: &Path,
    tmp: &Path,
    envelope: &Envelope,
    sets: &[StatusSet<StatusClaim>],
) -> Result<(), StatusError> {
    let io = |source| StatusError::Io { file: path.to_path_buf(), source };
    if path.exists() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "a file with this name is already there",
        )));
    }
    let _ = std::fs::remove_file(tmp);
    let file = create_private(tmp).map_err(io)?;
    let out = write_276(BufWriter::new(file), envelope, sets)
        .map_err(|source| StatusError::Write { file: path.to_path_buf(), source })?;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    std::fs::rename(tmp, path).map_err(io)
}

/// What a 276 says about a claim, from the encounter as billed.
fn status_claim(c: &Candidate) -> Option<StatusClaim> {
    let encounter: Encounter = serde_json::from_str(&c.encounter_json).ok()?;
    let person = |last: &str, first: &str, dob, sex: &str| Person {
        last: last.to_string(),
        first: first.to_string(),
        dob,
        sex: sex.to_string(),
    };
    let s = &encounter.subscriber;
    let p = &encounter.patient;
    let dependent = (encounter.relationship != Relationship::SelfInsured)
        .then(|| person(&p.name.last, &p.name.first, p.dob, p.sex.code()));
    let subscriber = if dependent.is_some() {
        person(&s.name.last, &s.name.first, s.dob, s.sex.code())
    } else {
        person(&p.name.last, &p.name.first, p.dob.or(s.dob), p.sex.code())
    };
    Some(StatusClaim {
        trace: c.pcn.clone(),
        pcn: c.pcn.clone(),
        payer_claim_number: c.payer_claim_number.clone(),
        subscriber,
        member_id: c.member_id.clone().unwrap_or_else(|| s.member_id.clone()),
        dependent,
        charge: c.total_charge.trim().parse().ok()?,
        from: crate::dates::parse_iso(&c.first_dos)?,
        to: crate::dates::parse_iso(&c.last_dos)?,
    })
}
