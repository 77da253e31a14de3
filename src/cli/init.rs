//! `claimkit init [--practice FILE.toml]`: create the ledger (the only command that does), and
//! load (or update) the practice configuration.

use std::path::PathBuf;

use anyhow::{Context, Result};
use claimkit::ledger::billing::save_practice;
use claimkit::ledger::sha256_hex;
use claimkit::practice::{Practice, PracticeError};
use claimkit::report::Table;

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  claimkit --db practice.db init --practice practice.toml\n  \
                        claimkit --db practice.db init            (an empty ledger; load the practice later)")]
pub struct InitArgs {
    /// Practice configuration (billing provider, submitter, receivers, payers, rendering providers).
    #[arg(long, value_name = "FILE.toml")]
    pub practice: Option<PathBuf>,
}

pub fn exec(global: &GlobalArgs, args: InitArgs) -> Result<Exit> {
    let Some(practice_path) = args.practice else {
        let existed = global.db.exists();
        let (_lock, _ledger) = global.create_or_open_ledger()?;
        let mut t = Table::new(&[("ledger", "Ledger"), ("status", "Status")]);
        t.push(vec![
            global.db.display().to_string().into(),
            if existed { "already there" } else { "created (load the practice with --practice)" }.into(),
        ]);
        t.render(global.format, &mut global.stdout())?;
        return Ok(Exit::Clean);
    };
    let bytes = std::fs::read(&practice_path).map_err(|e| InputError(format!("{}: {e}", practice_path.display())))?;
    let practice = Practice::load(&practice_path).map_err(|e: PracticeError| InputError(e.to_string()))?;
    let (_lock, mut ledger) = global.create_or_open_ledger()?;
    let tx = ledger.transaction()?;
    let changed = save_practice(&tx, &practice, &practice_path, &sha256_hex(&bytes)).context("saving the practice")?;
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
    t.render(global.format, &mut global.stdout())?;
    Ok(Exit::Clean)
}
