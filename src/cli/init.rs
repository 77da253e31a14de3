//! `claimkit init --practice FILE.toml`: load (or update) the practice configuration.

use std::path::PathBuf;

use anyhow::{Context, Result};
use claimkit::ledger::billing::save_practice;
use claimkit::ledger::sha256_hex;
use claimkit::practice::{Practice, PracticeError};
use claimkit::report::Table;

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Practice configuration (billing provider, submitter, receivers, payers, rendering providers).
    #[arg(long, value_name = "FILE.toml")]
    pub practice: PathBuf,
}

pub fn exec(global: &GlobalArgs, args: InitArgs) -> Result<Exit> {
    let bytes = std::fs::read(&args.practice).map_err(|e| InputError(format!("{}: {e}", args.practice.display())))?;
    let practice = Practice::load(&args.practice).map_err(|e: PracticeError| InputError(e.to_string()))?;
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let tx = ledger.transaction()?;
    let changed = save_practice(&tx, &practice, &args.practice, &sha256_hex(&bytes)).context("saving the practice")?;
    tx.commit()?;
    let mut t = Table::new(&[
        ("practice", "Practice"),
        ("npi", "Billing NPI"),
        ("payers", "Payers"),
        ("receivers", "Receivers"),
        ("rendering", "Rendering providers"),
        ("status", "Status"),
    ]);
    t.push(vec![
        practice.billing_provider.name.clone().into(),
        practice.billing_provider.npi.clone().into(),
        practice.payers.len().into(),
        practice.receivers.len().into(),
        practice.rendering_providers.len().into(),
        if changed { "loaded" } else { "unchanged" }.into(),
    ]);
    t.render(global.format, &mut std::io::stdout().lock())?;
    Ok(Exit::Clean)
}
