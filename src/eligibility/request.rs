//! `claimkit eligibility request`: one 270 per receiver for the coverages of the encounters not
//! yet billed, one transaction set per payer.
//!
//! Crash safety as for claims: the control numbers are allocated and committed first (a number is
//! never used twice); the inquiries are recorded in a transaction that commits only once the file
//! is in place, so an inquiry on record always has its file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::{EligibilityError, GUIDE, write_private};
use crate::encounter::{CoverageOrder, Encounter, Insured, PersonName};
use crate::ledger::eligibility::{NewRequest, for_each_unbilled, record_requests};
use crate::ledger::{ControlNumbers, Ledger, allocate_envelope, billing::load_practice};
use crate::practice::{Practice, Receiver};
use crate::x12::{GroupHeader, InterchangeHeader, X12Writer};

/// What to ask about.
#[derive(Debug, Clone)]
pub struct RequestOptions {
    /// Only this encounter (billed or not); `None`: every encounter not yet billed.
    pub encounter: Option<String>,
    pub out_dir: PathBuf,
    /// The inquiry's date (BHT04, ISA09) and time.
    pub at: NaiveDateTime,
}

/// One 270 written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestFile {
    pub receiver_id: String,
    pub path: PathBuf,
    pub isa13: u64,
    pub payers: usize,
    pub inquiries: usize,
}

/// A coverage not asked about, and why (no patient data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotAsked {
    pub encounter_id: String,
    pub reason: String,
}

/// The result of [`request`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct RequestReport {
    pub encounters: usize,
    pub inquiries: usize,
    pub files: Vec<RequestFile>,
    pub not_asked: Vec<NotAsked>,
}

/// One coverage to ask about.
#[derive(Debug, Clone)]
struct Inquiry {
    encounter_id: String,
    order: CoverageOrder,
    member_id: String,
    subscriber: Insured,
    /// The patient, when someone else is the subscriber (loop 2000D).
    dependent: Option<Insured>,
    service_date: NaiveDate,
}

/// Inquiries by receiver, then payer.
type Plan = BTreeMap<String, BTreeMap<String, Vec<Inquiry>>>;

fn plan_encounter(e: &Encounter, practice: &Practice, plan: &mut Plan, report: &mut RequestReport) {
    report.encounters += 1;
    let Some(service_date) = e.first_date_of_service() else {
        report.not_asked.push(NotAsked { encounter_id: e.id.clone(), reason: "no date of service".into() });
        return;
    };
    let patient = Insured {
        name: e.patient.name.clone(),
        dob: e.patient.dob,
        sex: e.patient.sex,
        address: e.patient.address.clone(),
    };
    for c in e.coverages() {
        let Some(payer) = practice.payer(&c.payer_id) else {
            report.not_asked.push(NotAsked {
                encounter_id: e.id.clone(),
                reason: format!("{:?} payer {} is not in the practice file", c.order, c.payer_id).to_lowercase(),
            });
            continue;
        };
        if practice.receiver(&payer.receiver).is_none() {
            report.not_asked.push(NotAsked {
                encounter_id: e.id.clone(),
                reason: format!("payer {}'s receiver {} is not in the practice file", payer.id, payer.receiver),
            });
            continue;
        }
        if c.member_id.trim().is_empty() {
            report
                .not_asked
                .push(NotAsked { encounter_id: e.id.clone(), reason: format!("no member ID for payer {}", payer.id) });
            continue;
        }
        let dependent = (!c.patient_is_subscriber()).then(|| patient.clone());
        plan.entry(payer.receiver.clone()).or_default().entry(payer.id.clone()).or_default().push(Inquiry {
            encounter_id: e.id.clone(),
            order: c.order,
            member_id: c.member_id.clone(),
            subscriber: c.subscriber.clone(),
            dependent,
            service_date,
        });
    }
}

/// Writes the 270s for the coverages of the encounters not yet billed (or one encounter) into
/// `opts.out_dir` and records every inquiry.
pub fn request(ledger: &mut Ledger, opts: &RequestOptions) -> Result<RequestReport, EligibilityError> {
    let practice = load_practice(ledger.conn())?.ok_or(EligibilityError::NoPractice)?;
    let mut report = RequestReport::default();
    let mut plan = Plan::new();
    let mut unreadable = None;
    let found = for_each_unbilled(ledger.conn(), opts.encounter.as_deref(), &mut |e| match e {
        Ok(e) => plan_encounter(&e, &practice, &mut plan, &mut report),
        Err(id) => unreadable = unreadable.take().or(Some(id)),
    })?;
    if let Some(encounter_id) = unreadable {
        return Err(EligibilityError::BadEncounter { encounter_id });
    }
    if !found {
        return Err(EligibilityError::UnknownEncounter(opts.encounter.clone().unwrap_or_default()));
    }
    std::fs::create_dir_all(&opts.out_dir)
        .map_err(|source| EligibilityError::Io { file: opts.out_dir.display().to_string(), source })?;
    for (receiver_id, payers) in &plan {
        let Some(receiver) = practice.receiver(receiver_id) else { continue };
        let (sender, to) = (practice.submitter.interchange_id(), receiver.interchange_id());
        let numbers = allocate_envelope(ledger.conn_mut(), sender, to, payers.len() as u64)?;
        let name = format!("{}-{:09}.270", file_safe(receiver_id), numbers.interchange);
        let path = opts.out_dir.join(&name);
        let tx = ledger.transaction()?;
        let mut traces = Vec::with_capacity(payers.len());
        for (payer_id, inquiries) in payers {
            let mut rows = inquiries.iter().map(|i| NewRequest {
                encounter_id: &i.encounter_id,
                order: i.order,
                payer_id,
                member_id: &i.member_id,
                service_date: i.service_date,
            });
            traces.push(record_requests(&tx, receiver_id, &name, opts.at.date(), &mut rows)?);
        }
        let target = Target { practice: &practice, receiver, numbers: &numbers, at: opts.at };
        write_private(&path, |out| write_270(out, &target, payers, &traces, &path))?;
        tx.commit().map_err(crate::ledger::LedgerError::from)?;
        let inquiries: usize = payers.values().map(Vec::len).sum();
        report.inquiries += inquiries;
        report.files.push(RequestFile {
            receiver_id: receiver_id.clone(),
            path,
            isa13: numbers.interchange,
            payers: payers.len(),
            inquiries,
        });
    }
    Ok(report)
}

fn file_safe(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect()
}

struct Target<'a> {
    practice: &'a Practice,
    receiver: &'a Receiver,
    numbers: &'a ControlNumbers,
    at: NaiveDateTime,
}

fn write_270(
    out: &mut dyn std::io::Write,
    t: &Target<'_>,
    payers: &BTreeMap<String, Vec<Inquiry>>,
    traces: &[Vec<i64>],
    path: &Path,
) -> Result<(), EligibilityError> {
    let wrap = |source| EligibilityError::Write { file: path.display().to_string(), source };
    let mut w = X12Writer::new(out).line_breaks(true);
    let date8 = crate::dates::d8(t.at.date());
    let time4 = t.at.format("%H%M").to_string();
    let (sender, to) = (t.practice.submitter.interchange_id(), t.receiver.interchange_id());
    let isa = InterchangeHeader::new(
        &t.practice.submitter.isa_qualifier,
        sender,
        &t.receiver.isa_qualifier,
        to,
        &date8[2..],
        &time4,
        t.numbers.interchange,
        t.receiver.usage.code(),
    );
    w.begin_interchange(&isa).map_err(wrap)?;
    w.begin_group(&GroupHeader::new("HS", sender, to, &date8, &time4, t.numbers.group, GUIDE)).map_err(wrap)?;
    let bp = &t.practice.billing_provider;
    // TRN03: the originator, "1" and the practice's EIN.
    let originator = format!("1{}", bp.tin);
    for (((payer_id, inquiries), st02), traces) in payers.iter().zip(&t.numbers.transactions).zip(traces) {
        let payer_name = t.practice.payer(payer_id).map_or(payer_id.as_str(), |p| p.name.as_str());
        w.begin_transaction("270", st02, GUIDE).map_err(wrap)?;
        let reference = format!("{:09}{st02}", t.numbers.interchange);
        w.segment("BHT", &["0022", "13", &reference, &date8, &time4]).map_err(wrap)?;
        // One information source and receiver loop per subscriber: the guide allows it, and
        // strict readers (linuxforhealth-x12) take only one subscriber per receiver loop.
        let mut hl = 0u64;
        for (inq, trace) in inquiries.iter().zip(traces) {
            let (source_hl, receiver_hl) = ((hl + 1).to_string(), (hl + 2).to_string());
            w.segment("HL", &[&source_hl, "", "20", "1"]).map_err(wrap)?;
            w.segment("NM1", &["PR", "2", payer_name, "", "", "", "", "PI", payer_id]).map_err(wrap)?;
            w.segment("HL", &[&receiver_hl, &source_hl, "21", "1"]).map_err(wrap)?;
            w.segment("NM1", &["1P", "2", &bp.name, "", "", "", "", "XX", &bp.npi]).map_err(wrap)?;
            hl += 3;
            let subscriber_hl = hl.to_string();
            let has_dependent = inq.dependent.is_some();
            w.segment("HL", &[&subscriber_hl, &receiver_hl, "22", if has_dependent { "1" } else { "0" }])
                .map_err(wrap)?;
            let trace = trace.to_string();
            if !has_dependent {
                w.segment("TRN", &["1", &trace, &originator]).map_err(wrap)?;
            }
            person(&mut w, "IL", &inq.subscriber.name, Some(&inq.member_id)).map_err(wrap)?;
            demographics(&mut w, &inq.subscriber).map_err(wrap)?;
            let dos = crate::dates::d8(inq.service_date);
            match &inq.dependent {
                None => {
                    w.segment("DTP", &["291", "D8", &dos]).map_err(wrap)?;
                    w.segment("EQ", &["30"]).map_err(wrap)?;
                }
                Some(patient) => {
                    hl += 1;
                    w.segment("HL", &[&hl.to_string(), &subscriber_hl, "23", "0"]).map_err(wrap)?;
                    w.segment("TRN", &["1", &trace, &originator]).map_err(wrap)?;
                    person(&mut w, "03", &patient.name, None).map_err(wrap)?;
                    demographics(&mut w, patient).map_err(wrap)?;
                    w.segment("DTP", &["291", "D8", &dos]).map_err(wrap)?;
                    w.segment("EQ", &["30"]).map_err(wrap)?;
                }
            }
        }
        w.end_transaction().map_err(wrap)?;
    }
    w.end_group().map_err(wrap)?;
    w.end_interchange().map_err(wrap)?;
    Ok(())
}

fn person<W: std::io::Write>(
    w: &mut X12Writer<W>,
    entity: &str,
    name: &PersonName,
    member_id: Option<&str>,
) -> Result<(), crate::x12::WriteError> {
    let middle = name.middle.as_deref().unwrap_or("");
    match member_id {
        Some(id) => w.segment("NM1", &[entity, "1", &name.last, &name.first, middle, "", "", "MI", id]),
        None => w.segment("NM1", &[entity, "1", &name.last, &name.first, middle]),
    }
}

fn demographics<W: std::io::Write>(w: &mut X12Writer<W>, who: &Insured) -> Result<(), crate::x12::WriteError> {
    match who.dob {
        Some(dob) => w.segment("DMG", &["D8", &crate::dates::d8(dob), who.sex.code()]),
        None => Ok(()),
    }
}
