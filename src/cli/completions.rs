//! `claimkit completions bash|zsh|fish` and `claimkit man`: shell completion scripts and the
//! manual page, generated from the same argument definitions the command parses with.

use std::io::Write;

use anyhow::Result;
use clap::Args;
use clap_complete::Shell;

use super::{Exit, GlobalArgs};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// The shells claimkit writes completions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

pub fn exec_completions(_global: &GlobalArgs, args: CompletionsArgs) -> Result<Exit> {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut cmd = super::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "claimkit", &mut out);
    out.flush()?;
    Ok(Exit::Clean)
}

pub fn exec_man(_global: &GlobalArgs) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(super::command()).render(&mut out)?;
    out.flush()?;
    Ok(Exit::Clean)
}
