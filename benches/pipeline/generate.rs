//! Seeded synthetic inputs for the pipeline bench: every generator is a pure function of its size,
//! so two runs of the same size measure the same bytes. No real patients, no CPT descriptors.

use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::NaiveDate;
use claimkit::encounter::{
    Address, ClaimFrequency, Diagnosis, Encounter, Patient, PersonName, Procedure, Relationship, ServiceLine, Sex,
    SourceRef, Subscriber,
};
use claimkit::ledger::{Ledger, billing, fixtures};
use claimkit::practice::Practice;
use claimkit::x12::{Element, GroupHeader, InterchangeHeader, X12Writer};
use rust_decimal::Decimal;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn manifest(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn practice(rel: &str) -> Result<Practice> {
    Ok(toml::from_str(&std::fs::read_to_string(manifest(rel))?)?)
}

/// An 837P of `claims` claims written with `X12Writer` (it passes `x12-validate`): the sample
/// batch's billing provider, then per claim one subscriber HL with a two-line claim modelled on
/// the sample's first claim (unique claim and line control numbers).
pub fn write_837(path: &Path, claims: u64) -> Result<()> {
    use Element::{Composite, Text};
    let out = BufWriter::with_capacity(1 << 18, std::fs::File::create(path)?);
    let mut w = X12Writer::new(out).line_breaks(true);
    w.begin_interchange(&InterchangeHeader::new("ZZ", "MAPLEFM001", "ZZ", "CLEARHOUSE01", "261120", "0915", 101, 'T'))?;
    w.begin_group(&GroupHeader::new("HC", "MAPLEFM001", "CLEARHOUSE01", "20261120", "0915", 101, "005010X222A1"))?;
    w.begin_transaction("837", "0001", "005010X222A1")?;
    w.segment("BHT", &["0019", "00", "B101", "20261120", "0915", "CH"])?;
    w.segment("NM1", &["41", "2", "MAPLE STREET FAMILY MEDICINE", "", "", "", "", "46", "MAPLEFM001"])?;
    w.segment("PER", &["IC", "BILLING OFFICE", "TE", "2175550100"])?;
    w.segment("NM1", &["40", "2", "SYNTHETIC CLEARINGHOUSE", "", "", "", "", "46", "CLEARHOUSE01"])?;
    w.segment("HL", &["1", "", "20", "1"])?;
    w.segment("PRV", &["BI", "PXC", "207Q00000X"])?;
    w.segment("NM1", &["85", "2", "MAPLE STREET FAMILY MEDICINE", "", "", "", "", "XX", "1234567893"])?;
    w.segment("N3", &["100 MAPLE ST"])?;
    w.segment("N4", &["SPRINGFIELD", "IL", "627011234"])?;
    w.segment("REF", &["EI", "123456789"])?;
    for i in 0..claims {
        let hl = (i + 2).to_string();
        let claim_id = format!("CKT{i:012}");
        let member = format!("1EG4TE5MK{:02}", i % 100);
        w.segment("HL", &[&hl, "1", "22", "0"])?;
        w.segment("SBR", &["P", "18", "", "", "", "", "", "", "MB"])?;
        w.segment("NM1", &["IL", "1", "TESTPATIENT", "ALPHA", "", "", "", "MI", &member])?;
        w.segment("N3", &["12 ELM ST"])?;
        w.segment("N4", &["SPRINGFIELD", "IL", "627021111"])?;
        w.segment("DMG", &["D8", "19480312", "F"])?;
        w.segment("NM1", &["PR", "2", "MEDICARE PART B", "", "", "", "", "PI", "MCRB1"])?;
        w.segment_elements(
            "CLM",
            &[
                Text(&claim_id),
                Text("143"),
                Text(""),
                Text(""),
                Composite(vec!["11", "B", "1"]),
                Text("Y"),
                Text("A"),
                Text("Y"),
                Text("Y"),
            ],
        )?;
        w.segment_elements("HI", &[Composite(vec!["ABK", "E119"]), Composite(vec!["ABF", "I10"])])?;
        for (n, code, modifier, charge, pointers) in
            [("1", "99213", "25", "125", vec!["1", "2"]), ("2", "36415", "", "18", vec!["1"])]
        {
            let procedure = if modifier.is_empty() { vec!["HC", code] } else { vec!["HC", code, modifier] };
            let control = format!("{claim_id}0{n}");
            w.segment("LX", &[n])?;
            w.segment_elements(
                "SV1",
                &[Composite(procedure), Text(charge), Text("UN"), Text("1"), Text(""), Text(""), Composite(pointers)],
            )?;
            w.segment("DTP", &["472", "D8", "20261102"])?;
            w.segment("REF", &["6R", &control])?;
        }
    }
    w.end_transaction()?;
    w.end_group()?;
    let mut out = w.end_interchange()?;
    out.flush()?;
    Ok(())
}

/// An encounter CSV of `lines` service lines: the sample encounters repeated, every copy with new
/// encounter IDs (`E1001-17`).
pub fn write_csv(path: &Path, lines: u64) -> Result<()> {
    let sample = std::fs::read_to_string(manifest("sample-data/encounters.csv"))?;
    let mut rows = sample.lines();
    let header = rows.next().ok_or("empty sample CSV")?;
    let body: Vec<(&str, &str)> = rows.filter_map(|r| r.split_once(',')).collect();
    let mut out = BufWriter::with_capacity(1 << 18, std::fs::File::create(path)?);
    writeln!(out, "{header}")?;
    let (mut written, mut copy) = (0u64, 0u64);
    'outer: loop {
        for (id, rest) in &body {
            if written >= lines {
                break 'outer;
            }
            writeln!(out, "{id}-{copy},{rest}")?;
            written += 1;
        }
        copy += 1;
    }
    out.flush()?;
    Ok(())
}

fn address(i: u64) -> Address {
    Address {
        line1: format!("{} Elm St", i % 900 + 1),
        line2: None,
        city: "Springfield".into(),
        state: "IL".into(),
        zip: "627021111".into(),
    }
}

fn service_line(n: u32, dos: NaiveDate, code: &str, modifiers: &[&str], charge: i64, pointers: Vec<u8>) -> ServiceLine {
    ServiceLine {
        number: n,
        source: SourceRef::default(),
        date_of_service: dos,
        date_of_service_to: None,
        procedure: Procedure { code: code.into(), modifiers: modifiers.iter().map(|m| m.to_string()).collect() },
        units: Decimal::ONE,
        charge: Decimal::new(charge, 2),
        diagnosis_pointers: pointers,
        place_of_service: None,
        rendering_npi: None,
        drug: None,
        unit_type: Default::default(),
        description: None,
        ordering: None,
        supervising: None,
    }
}

fn encounter(i: u64, payer: &str, diagnoses: Vec<Diagnosis>, lines: Vec<ServiceLine>) -> Encounter {
    let name = PersonName { last: format!("Testpatient{}", i % 977), first: "Alpha".into(), middle: None };
    Encounter {
        id: format!("E{i:08}"),
        source: SourceRef { file: "bench.csv".into(), locator: format!("line {i}") },
        patient: Patient {
            id: format!("P{i:08}"),
            name: name.clone(),
            dob: NaiveDate::from_ymd_opt(1950, 1, 1),
            sex: Sex::Female,
            address: Some(address(i)),
        },
        relationship: Relationship::SelfInsured,
        subscriber: Subscriber {
            member_id: format!("1EG4TE5MK{:02}", i % 100),
            name,
            dob: NaiveDate::from_ymd_opt(1950, 1, 1),
            sex: Sex::Female,
            address: Some(address(i)),
            group_number: None,
        },
        payer_id: payer.into(),
        secondary: None,
        tertiary: None,
        insurance_type: None,
        coverage_from: None,
        coverage_to: None,
        rendering_npi: Some("1234567893".into()),
        referring: None,
        supervising: None,
        facility: None,
        place_of_service: "11".into(),
        diagnoses,
        lines,
        prior_authorization: None,
        onset_date: None,
        frequency: ClaimFrequency::Original,
        original_claim_number: None,
        notes: Default::default(),
    }
}

const SCRUB_DIAGNOSES: &[&str] = &["E119", "I10", "E785", "J069", "M1711", "E1165", "R051", "M5450", "E11", "G63"];
const SCRUB_PROCEDURES: &[(&str, &[&str])] =
    &[("99213", &[]), ("99214", &["25"]), ("36415", &[]), ("20610", &["RT"]), ("J1030", &[]), ("96372", &["59"])];

/// "Today" for the scrub phases (timely filing, future dates): after every generated date of service.
pub fn scrub_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default()
}

/// A three-line encounter for the scrub phase; the code mix makes about one in ten fail a rule
/// (unspecified or non-billable diagnoses, modifier pairs).
pub fn scrub_encounter(i: u64) -> Encounter {
    let dos = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default() + chrono::Days::new(i % 150);
    let lines = (0..3u64)
        .map(|k| {
            let (code, mods) = SCRUB_PROCEDURES[((i + k) as usize) % SCRUB_PROCEDURES.len()];
            service_line(k as u32 + 1, dos, code, mods, 12500, vec![1, 2])
        })
        .collect();
    let d = SCRUB_DIAGNOSES.len() as u64;
    let diagnoses = vec![
        Diagnosis::new(SCRUB_DIAGNOSES[(i % d) as usize]),
        Diagnosis::new(SCRUB_DIAGNOSES[((i + 3) % d) as usize]),
    ];
    encounter(i, "MCRB1", diagnoses, lines)
}

/// The practice the scrub phases check against.
pub fn scrub_practice() -> Result<Practice> {
    practice("tests/fixtures/scrub/practice.toml")
}

/// A ledger holding the scrub practice and `lines / 3` unscrubbed encounters (at least one).
pub fn seed_scrub_ledger(db: &Path, lines: u64) -> Result<()> {
    let practice = scrub_practice()?;
    let mut ledger = Ledger::open(db)?;
    let tx = ledger.transaction()?;
    billing::save_practice(&tx, &practice, Path::new("practice.toml"), "bench")?;
    for i in 0..(lines / 3).max(1) {
        claimkit::scrub::store::insert_encounter_for_test(&tx, &scrub_encounter(i))?;
    }
    tx.commit()?;
    Ok(())
}

/// A clean two-line encounter for the build phase (one in three to the commercial payer).
pub fn build_encounter(i: u64) -> Encounter {
    let dos = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default() + chrono::Days::new(i % 20);
    let lines = vec![
        service_line(1, dos, "99213", &["25"], 12500, vec![1, 2]),
        service_line(2, dos, "36415", &[], 1800, vec![1]),
    ];
    let payer = if i.is_multiple_of(3) { "COMM1" } else { "MCRB1" };
    let mut e = encounter(i, payer, vec![Diagnosis::new("E11.9"), Diagnosis::new("I10")], lines);
    e.rendering_npi = None;
    e
}

/// A ledger holding the 837 practice and `claims` encounters, already scrubbed clean when
/// `scrubbed` (else never scrubbed, as after an import).
pub fn seed_build_ledger(db: &Path, claims: u64, scrubbed: bool) -> Result<()> {
    let practice = practice("tests/fixtures/claim837/practice.toml")?;
    let mut ledger = Ledger::open(db)?;
    let tx = ledger.transaction()?;
    billing::save_practice(&tx, &practice, Path::new("practice.toml"), "bench")?;
    for i in 0..claims {
        let e = build_encounter(i);
        claimkit::ledger::scrubs::insert_encounter_for_test(&tx, &e)?;
        if scrubbed {
            // What a clean scrub leaves: the encounter's narrow status row.
            let pcn = claimkit::claim837::patient_control_number(
                &e.id,
                claimkit::claim837::Responsibility::Primary,
                claimkit::encounter::ClaimFrequency::Original,
                1,
            );
            fixtures::seed_clean_scrub(&tx, &e.id, &e.content_hash(), &pcn, &e.payer_id)?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn pcn(i: u64) -> String {
    format!("CKB{i:09}")
}

/// The order in which a generated 835 lists its claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayerOrder {
    /// In PCN order, as billed (a payer paying a batch in the order it came).
    Pcn,
    /// Scattered over the whole batch: each claim about 0.618 × N claims away from the one before
    /// (claim `i` of the file is claim `i × stride mod N`, `stride` coprime to N), as a payer
    /// listing claims by its own key would.
    Scattered,
}

impl PayerOrder {
    /// The step from one listed claim to the next among `claims`: claim `i` of the file is claim
    /// `i × stride mod claims` (1 for PCN order; coprime to `claims`, so every claim is listed once).
    fn stride(self, claims: u64) -> u64 {
        match self {
            PayerOrder::Pcn => 1,
            PayerOrder::Scattered => {
                let gcd = |mut a: u64, mut b: u64| {
                    while b != 0 {
                        (a, b) = (b, a % b);
                    }
                    a
                };
                let mut stride = (claims as f64 * 0.618) as u64 | 1;
                while gcd(stride, claims) != 1 {
                    stride += 2;
                }
                stride
            }
        }
    }
}

/// What a generated 835's CLP01s are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayerClaimIds {
    /// Our PCNs, as billed (CLP01 = CLM01, the usual case).
    Billed,
    /// The payer's own numbers, which name no billed claim and no payer claim number: each claim
    /// payment is matched by its patient (member ID) + date of service + charge.
    Payers,
}

/// Claim `n`'s date of service: 200 claims a day from 2026-01-01, as a practice bills them.
fn date_of_service(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date") + chrono::Days::new(n / 200)
}

/// An 835 paying the `claims` claims of [`seed_remit_ledger`] (two service lines each,
/// contractual and patient-responsibility adjustments), listed in `order`, naming them by `ids`,
/// written with `X12Writer`; it balances.
pub fn write_835(path: &Path, claims: u64, order: PayerOrder, ids: PayerClaimIds) -> Result<()> {
    let stride = u128::from(order.stride(claims));
    let out = BufWriter::with_capacity(1 << 18, std::fs::File::create(path)?);
    let mut w = X12Writer::new(out).line_breaks(true);
    w.begin_interchange(&InterchangeHeader::new("ZZ", "SYNPAYER", "ZZ", "SYNCLINIC", "261201", "1200", 9001, 'T'))?;
    w.begin_group(&GroupHeader::new("HP", "SYNPAYER", "SYNCLINIC", "20261201", "1200", 9001, "005010X221A1"))?;
    w.begin_transaction("835", "0001", "")?;
    let total = format!("{}.00", 110 * claims);
    w.segment("BPR", &["I", &total, "C", "CHK", "", "", "", "", "", "", "", "", "", "", "", "20261201"])?;
    w.segment("TRN", &["1", "BENCH-TRACE-1", "1512345678"])?;
    w.segment("DTM", &["405", "20261201"])?;
    w.segment("N1", &["PR", "SYNTHETIC HEALTH PLAN"])?;
    w.segment("N3", &["1 EXAMPLE WAY"])?;
    w.segment("N4", &["SPRINGFIELD", "IL", "627010001"])?;
    w.segment("REF", &["2U", "SYNPAY1"])?;
    w.segment("PER", &["BL", "EDI HELP DESK", "TE", "5555550100"])?;
    w.segment("N1", &["PE", "SYNTHETIC CLINIC", "XX", "1234567893"])?;
    w.segment("REF", &["TJ", "123456789"])?;
    for i in 0..claims {
        if i % 1000 == 0 {
            w.segment("LX", &[&(i / 1000 + 1).to_string()])?;
        }
        let n = ((u128::from(i) * stride) % u128::from(claims)) as u64;
        let pcn = pcn(n);
        let clp01 = match ids {
            PayerClaimIds::Billed => pcn.clone(),
            PayerClaimIds::Payers => format!("X{n:011}"),
        };
        let payer_claim = format!("PAY{n:09}");
        let member = format!("MB{n:09}");
        let dos = date_of_service(n).format("%Y%m%d").to_string();
        w.segment("CLP", &[&clp01, "1", "150.00", "110.00", "20.00", "12", &payer_claim, "11", "1"])?;
        w.segment("NM1", &["QC", "1", "SYNTHETIC", "PATIENT", "", "", "", "MI", &member])?;
        w.segment("DTM", &["232", &dos])?;
        for (k, code, charge, paid, co, pr, reason, allowed) in [
            (1, "99213", "100.00", "80.00", "10.00", "10.00", "2", "90.00"),
            (2, "36415", "50.00", "30.00", "10.00", "10.00", "1", "40.00"),
        ] {
            w.segment_elements(
                "SVC",
                &[Element::Composite(vec!["HC", code]), charge.into(), paid.into(), "".into(), "1".into()],
            )?;
            w.segment("DTM", &["472", &dos])?;
            w.segment("CAS", &["CO", "45", co])?;
            w.segment("CAS", &["PR", reason, pr])?;
            w.segment("REF", &["6R", &format!("{pcn}-{k}")])?;
            w.segment("AMT", &["B6", allowed])?;
        }
    }
    w.end_transaction()?;
    w.end_group()?;
    let mut out = w.end_interchange()?;
    out.flush()?;
    Ok(())
}

/// A ledger holding the `claims` accepted claims (two lines each, 200 claims a day) that
/// [`write_835`] pays; each encounter carries its subscriber's member ID, as an import stores it.
pub fn seed_remit_ledger(db: &Path, claims: u64) -> Result<()> {
    let mut ledger = Ledger::open(db)?;
    let tx = ledger.transaction()?;
    let batch = fixtures::seed_batch(&tx, 1)?;
    let lines = [("99213", "100.00"), ("36415", "50.00")];
    for i in 0..claims {
        let pcn = pcn(i);
        let encounter = format!("E{i}");
        let patient = format!("P{i}");
        let dos = date_of_service(i).to_string();
        let json = format!(r#"{{"subscriber":{{"member_id":"MB{i:09}","relationship":"self"}}}}"#);
        fixtures::seed_claim(
            &tx,
            batch,
            &fixtures::SeedClaim {
                pcn: &pcn,
                encounter_id: &encounter,
                patient_id: &patient,
                payer_id: "PAYER1",
                date_of_service: &dos,
                encounter_json: &json,
                lines: &lines,
                total_charge: "150.00",
                status: "accepted",
            },
        )?;
    }
    claimkit::ledger::ar::record_charges(&tx, batch)?;
    tx.commit()?;
    Ok(())
}

/// A practitioner NCCI PTP file in the CMS layout (notice and title lines, then tab-separated
/// edits) of `edits` rows: column 1 codes in runs of 40 column 2 codes, every modifier indicator,
/// every 50th edit in existence before 1996, synthetic rationales.
pub fn write_ncci_ptp(path: &Path, edits: u64) -> Result<()> {
    let mut out = BufWriter::with_capacity(1 << 18, std::fs::File::create(path)?);
    writeln!(out, "Synthetic edits in the CMS layout (no CPT descriptors).")?;
    writeln!(out, "Column1/Column2 Edits")?;
    writeln!(
        out,
        "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\t\
         Modifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale"
    )?;
    for i in 0..edits {
        let column1 = 10_000 + (i / 40) % 80_000;
        let column2 = 90_000 + (i * 7_919) % 9_000;
        let prior = if i % 50 == 0 { "*" } else { "" };
        let modifier = [0, 1, 9][(i % 3) as usize];
        writeln!(
            out,
            "{column1}\t{column2}\t{prior}\t20210101\t*\t{modifier}\tStandard of care (synthetic rationale)"
        )?;
    }
    out.flush()?;
    Ok(())
}
