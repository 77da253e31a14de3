//! The demo's ledger as a starting point for command tests.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Runs `claimkit demo` (build, simulate, acknowledgments, remittances, second build) into
/// `dir/demo` and returns that folder; its ledger is `claimkit.db` in it.
pub fn demo_dir(dir: &Path) -> PathBuf {
    let root = dir.join("demo");
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_DB").env_remove("CLAIMKIT_TODAY").args(["--quiet", "demo", "--dir"]).arg(&root);
    cmd.assert().success();
    root
}

/// `claimkit` on the ledger `db`, with no config file, on the day `today`.
pub fn claimkit_on(db: &Path, today: &str) -> Command {
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_CONFIG").env("CLAIMKIT_DB", db).env("CLAIMKIT_TODAY", today);
    cmd
}
