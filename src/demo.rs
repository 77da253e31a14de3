//! The demo: the whole billing cycle on the synthetic sample practice, in a fresh directory.
//!
//! ```text
//! claimkit-demo/
//!   claimkit.db     the ledger            inbox/    what the EMR and the payer drop
//!   outbox/         837P files built      archive/  inbox files after processing
//!   payer/          what the simulated payer answered (999, 277CA, 835)
//!   reports/        summary, reconciliation, denials, aging and worklist as HTML
//! ```
//!
//! The sample files are compiled into the binary, so the demo runs from any directory. The
//! sample encounters are dated for 2026-11-25: the demo takes that day as "today" unless told
//! otherwise, so timely-filing and future-date checks give the same answers every time.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::codes::ImportKind;
use crate::ledger::{self, Ledger, LedgerError};
use crate::nightly::{self, NightlyOptions, NightlySummary};
use crate::progress::Progress;
use crate::remit835::{ContractRates, NoContractRates, PostOptions};
use crate::report::{self, OutputFormat, Report, ReportScope};
use crate::scrub::CodeSetReference;
use crate::simulate::{SimulateOptions, SimulationSummary, simulate_files};

/// The day the sample data is written for.
pub const SAMPLE_TODAY: (i32, u32, u32) = (2026, 11, 25);

/// A marker file: only a directory holding it is wiped and rebuilt by a new demo run.
pub const MARKER: &str = ".claimkit-demo";

/// The sample practice configuration.
pub const PRACTICE_TOML: &str = include_str!("../sample-data/practice.toml");

/// The EMR exports the demo drops in the inbox: the same clean encounters in three formats plus
/// the deliberately defective ones in the CSV.
pub const ENCOUNTER_FILES: [(&str, &str); 3] = [
    ("encounters.csv", include_str!("../sample-data/encounters.csv")),
    ("encounters.fhir.json", include_str!("../sample-data/encounters.fhir.json")),
    ("encounters.hl7", include_str!("../sample-data/encounters.hl7")),
];

/// Synthetic code-set files the demo imports (CPT codes without descriptors, HCPCS, NCCI, MUE,
/// the practice's fee schedule).
pub const CODESET_FILES: [(ImportKind, &str, &str); 5] = [
    (ImportKind::Cpt, "cpt.csv", include_str!("../sample-data/codesets/cpt.csv")),
    (ImportKind::Hcpcs, "hcpcs.csv", include_str!("../sample-data/codesets/hcpcs.csv")),
    (
        ImportKind::NcciPtp,
        "ncci-ptp-practitioner.txt",
        include_str!("../sample-data/codesets/ncci-ptp-practitioner.txt"),
    ),
    (ImportKind::Mue, "mue.csv", include_str!("../sample-data/codesets/mue.csv")),
    (ImportKind::FeeSchedule, "fee-schedule.csv", include_str!("../sample-data/codesets/fee-schedule.csv")),
];

/// The folders of a demo directory.
#[derive(Debug, Clone)]
pub struct DemoLayout {
    pub root: PathBuf,
    pub db: PathBuf,
    pub inbox: PathBuf,
    pub outbox: PathBuf,
    pub archive: PathBuf,
    pub payer: PathBuf,
    pub reports: PathBuf,
    pub codesets: PathBuf,
}

impl DemoLayout {
    pub fn new(root: &Path) -> Self {
        DemoLayout {
            root: root.to_path_buf(),
            db: root.join("claimkit.db"),
            inbox: root.join("inbox"),
            outbox: root.join("outbox"),
            archive: root.join("archive"),
            payer: root.join("payer"),
            reports: root.join("reports"),
            codesets: root.join("codesets"),
        }
    }

    fn parts(&self) -> [&Path; 7] {
        [&self.inbox, &self.outbox, &self.archive, &self.payer, &self.reports, &self.codesets, &self.root]
    }
}

/// Why a demo directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0} exists and is not a claimkit demo directory (no {MARKER} file): choose another --dir")]
    NotADemoDir(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Nightly(#[from] nightly::NightlyError),
}

/// The sample day as a date.
pub fn sample_today() -> NaiveDate {
    let (y, m, d) = SAMPLE_TODAY;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Empties (or creates) the demo directory and writes the sample inbox and code-set files.
/// Refuses a non-empty directory that an earlier demo did not create.
pub fn prepare(root: &Path) -> Result<DemoLayout, DemoError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DemoError::Io { path, source }
    };
    let layout = DemoLayout::new(root);
    if root.exists() {
        let marked = root.join(MARKER).exists();
        let empty = std::fs::read_dir(root).map_err(io(root))?.next().is_none();
        if !marked && !empty {
            return Err(DemoError::NotADemoDir(root.to_path_buf()));
        }
        for dir in &layout.parts()[..6] {
            if dir.exists() {
                std::fs::remove_dir_all(dir).map_err(io(dir))?;
            }
        }
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let file = PathBuf::from(format!("{}{suffix}", layout.db.display()));
            if file.exists() {
                std::fs::remove_file(&file).map_err(io(&file))?;
            }
        }
    }
    for dir in layout.parts() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    crate::files::write_atomic(
        &root.join(MARKER),
        b"claimkit demo directory: `claimkit demo` may wipe and rebuild it\n",
    )
    .map_err(io(root))?;
    for (name, text) in ENCOUNTER_FILES {
        let path = layout.inbox.join(name);
        crate::files::write_atomic(&path, text.as_bytes()).map_err(io(&path))?;
    }
    for (_, name, text) in CODESET_FILES {
        let path = layout.codesets.join(name);
        crate::files::write_atomic(&path, text.as_bytes()).map_err(io(&path))?;
    }
    let practice = layout.root.join("practice.toml");
    crate::files::write_atomic(&practice, PRACTICE_TOML.as_bytes()).map_err(io(&practice))?;
    Ok(layout)
}

/// Loads the practice and imports the sample code sets into the demo ledger.
pub fn load_reference_data(ledger: &mut Ledger, layout: &DemoLayout) -> Result<(), DemoError> {
    let practice_path = layout.root.join("practice.toml");
    let practice = crate::practice::Practice::load(&practice_path)
        .map_err(|e| DemoError::Io { path: practice_path.clone(), source: std::io::Error::other(e.to_string()) })?;
    let tx = ledger.transaction()?;
    let sha = ledger::sha256_hex(PRACTICE_TOML.as_bytes());
    ledger::billing::save_practice(&tx, &practice, &practice_path, &sha)?;
    for (kind, name, _) in CODESET_FILES {
        let path = layout.codesets.join(name);
        ledger::codesets::import(&tx, kind, &path)
            .map_err(|e| DemoError::Io { path: path.clone(), source: std::io::Error::other(e.to_string()) })?;
    }
    tx.commit().map_err(LedgerError::from)?;
    Ok(())
}

/// What the demo did, step by step, for the terminal.
#[derive(Debug)]
pub struct DemoOutcome {
    pub layout: DemoLayout,
    /// The first night: encounters imported, scrubbed, billed.
    pub billing_night: NightlySummary,
    /// What the simulated payer answered.
    pub payer: Vec<SimulationSummary>,
    /// The second night: acknowledgments and remittances posted, secondary claims billed.
    pub posting_night: NightlySummary,
    /// The reports a biller reads in the morning, also written as HTML under `reports/`.
    pub reports: Vec<Report>,
}

/// The reports the demo writes, in reading order.
pub const MORNING_REPORTS: [&str; 5] = ["summary", "reconciliation", "denials", "aging", "worklist"];

/// Runs the whole cycle in `root`: a fresh ledger, the sample practice and code sets, a billing
/// night over the sample EMR exports, the simulated payer's 999/277CA/835, a posting night, and
/// the morning reports.
pub fn run(root: &Path, today: NaiveDate, progress: &dyn Progress) -> Result<DemoOutcome, DemoError> {
    let layout = prepare(root)?;
    let mut ledger = Ledger::open(&layout.db)?;
    load_reference_data(&mut ledger, &layout)?;
    let imported = ledger::codesets::load_imported(ledger.conn())?;
    let fees = imported.fees.clone();
    let reference = CodeSetReference::new(imported);
    let rates: &dyn ContractRates = match &fees {
        Some(schedule) => schedule,
        None => &NoContractRates,
    };
    let options = NightlyOptions {
        inbox: layout.inbox.clone(),
        outbox: layout.outbox.clone(),
        archive: Some(layout.archive.clone()),
        today,
        reference: &reference,
        rates,
        post: PostOptions::default(),
        mappings: Vec::new(),
        mapping: None,
    };
    let billing_night = nightly::run(&mut ledger, &options, progress)?;

    // The payer answers every batch; its files arrive in the inbox for the next night.
    let mut payer = Vec::new();
    for batch in &billing_night.batches_written {
        let answer = simulate_files(batch, &layout.payer, SimulateOptions::default())
            .map_err(|e| DemoError::Io { path: batch.clone(), source: std::io::Error::other(e.to_string()) })?;
        for file in &answer.files {
            let name = file.file_name().unwrap_or_default();
            std::fs::copy(file, layout.inbox.join(name))
                .map_err(|source| DemoError::Io { path: file.clone(), source })?;
        }
        payer.push(answer);
    }
    let posting_night = nightly::run(&mut ledger, &options, progress)?;

    let scope = ReportScope::all(today);
    let conn = &ledger;
    let presentation = report::Presentation::of_practice(ledger::billing::load_practice(ledger.conn())?.as_ref());
    let mut reports = Vec::new();
    for name in MORNING_REPORTS {
        let built = match name {
            "summary" => report::claims::summary_report(conn, &scope),
            "reconciliation" => report::remittance::reconciliation_report(conn, &scope),
            "denials" => report::remittance::denials_report(conn, &scope),
            "aging" => report::claims::aging_report(conn, &scope),
            _ => report::remittance::worklist_report(conn, &scope, 30),
        }?;
        let mut built = built;
        report::present(&mut built, &presentation);
        let path = layout.reports.join(format!("{name}.html"));
        let mut html = Vec::new();
        built
            .render(OutputFormat::Html, &mut html)
            .and_then(|()| crate::files::write_atomic(&path, &html))
            .map_err(|source| DemoError::Io { path: path.clone(), source })?;
        reports.push(built);
    }
    Ok(DemoOutcome { layout, billing_night, payer, posting_night, reports })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_foreign_non_empty_directory_is_never_wiped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("thesis.docx"), "precious").unwrap();
        assert!(matches!(prepare(dir.path()), Err(DemoError::NotADemoDir(_))));
        assert!(dir.path().join("thesis.docx").exists());
    }

    #[test]
    fn a_demo_directory_is_rebuilt_from_scratch() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("demo");
        let layout = prepare(&root).unwrap();
        std::fs::write(layout.outbox.join("old.837"), "x").unwrap();
        let layout = prepare(&root).unwrap();
        assert!(!layout.outbox.join("old.837").exists());
        assert_eq!(std::fs::read_dir(&layout.inbox).unwrap().count(), 3);
        let mut ledger = Ledger::open(&layout.db).unwrap();
        load_reference_data(&mut ledger, &layout).unwrap();
        assert!(ledger::billing::load_practice(ledger.conn()).unwrap().is_some());
    }
}
