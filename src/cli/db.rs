//! `claimkit db encrypt|decrypt|rekey`: change the ledger's encryption at rest, in place and
//! safely (a new file is written beside the ledger, checked, and renamed over it; see
//! `claimkit::ledger::crypt`).
//!
//! The ledger's key comes, as for every command, from `--db-key-file FILE` or `CLAIMKIT_DB_KEY`:
//! for `encrypt` it is the key the ledger gets, for `decrypt` and `rekey` the key it has. The new
//! key of `rekey` comes from `--new-key-file FILE` or `CLAIMKIT_DB_NEW_KEY`.

use std::path::PathBuf;

use anyhow::Result;
use claimkit::ledger::DbKey;
use claimkit::ledger::crypt::{self, Converted, NEW_KEY_ENV};
use claimkit::report::Table;

use super::{Exit, GlobalArgs, UsageError};

#[derive(Debug, clap::Args)]
pub struct DbArgs {
    #[command(subcommand)]
    pub action: DbAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum DbAction {
    /// Encrypt a plaintext ledger with the key of --db-key-file or CLAIMKIT_DB_KEY.
    #[command(after_help = "Example:\n  \
                            (umask 077; head -c 32 /dev/urandom | base64 > /root/claimkit.key)\n  \
                            claimkit --db practice.db --db-key-file /root/claimkit.key db encrypt\n\n\
                            Keep a copy of the key apart from the ledger's backups: without it the ledger cannot be read.")]
    Encrypt,
    /// Change the key of an encrypted ledger (new key from --new-key-file or CLAIMKIT_DB_NEW_KEY).
    #[command(after_help = "Example:\n  \
                            claimkit --db practice.db --db-key-file old.key db rekey --new-key-file new.key")]
    Rekey(RekeyArgs),
    /// Turn an encrypted ledger back into a plaintext one (to move off encryption).
    #[command(after_help = "Example:\n  claimkit --db practice.db --db-key-file /root/claimkit.key db decrypt")]
    Decrypt,
}

#[derive(Debug, clap::Args)]
pub struct RekeyArgs {
    /// File holding the new passphrase (mode 0600) [default: CLAIMKIT_DB_NEW_KEY].
    #[arg(long, value_name = "FILE")]
    pub new_key_file: Option<PathBuf>,
}

pub fn exec(global: &GlobalArgs, args: DbArgs) -> Result<Exit> {
    if !global.db.exists() {
        return Err(global.missing_ledger().into());
    }
    let current = || {
        global.db_key.as_ref().ok_or_else(|| {
            UsageError("no key given: put the passphrase in a file (mode 0600) and give --db-key-file FILE, or set CLAIMKIT_DB_KEY".into())
        })
    };
    let (done, status) = match args.action {
        DbAction::Encrypt => (crypt::convert(&global.db, None, Some(current()?))?, "encrypted"),
        DbAction::Decrypt => (crypt::convert(&global.db, Some(current()?), None)?, "decrypted (plaintext now)"),
        DbAction::Rekey(rekey) => {
            let new = DbKey::from_file_or_env(rekey.new_key_file.as_deref(), NEW_KEY_ENV)
                .map_err(|e| UsageError(e.to_string()))?
                .ok_or_else(|| UsageError("no new key given: --new-key-file FILE or CLAIMKIT_DB_NEW_KEY".into()))?;
            (crypt::convert(&global.db, Some(current()?), Some(&new))?, "key changed")
        }
    };
    render(global, &done, status)?;
    Ok(Exit::Clean)
}

fn render(global: &GlobalArgs, done: &Converted, status: &str) -> Result<()> {
    let mut t =
        Table::new(&[("ledger", "Ledger"), ("status", "Status"), ("tables", "Tables"), ("rows", "Rows checked")]);
    t.push(vec![global.db.display().to_string().into(), status.into(), done.tables.into(), done.rows.into()]);
    t.render(global.format, &mut global.stdout())?;
    Ok(())
}
