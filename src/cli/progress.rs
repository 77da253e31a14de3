//! Progress bars on standard error (indicatif), only when a person is watching a large job:
//! stderr is a terminal, and neither `--quiet` nor `--no-progress` was given.

use std::io::IsTerminal;

use claimkit::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::GlobalArgs;

/// Jobs smaller than this many units finish before a bar would help.
const LARGE_JOB: u64 = 5_000;

/// A terminal progress bar, or nothing.
pub struct TerminalProgress {
    enabled: bool,
    bar: std::cell::RefCell<Option<ProgressBar>>,
}

impl TerminalProgress {
    pub fn new(global: &GlobalArgs) -> Self {
        let enabled = !global.quiet && !global.no_progress && std::io::stderr().is_terminal();
        TerminalProgress { enabled, bar: std::cell::RefCell::new(None) }
    }
}

impl Progress for TerminalProgress {
    fn start(&self, phase: &str, total: Option<u64>) {
        self.finish();
        if !self.enabled || total.is_some_and(|t| t < LARGE_JOB) {
            return;
        }
        let bar = match total {
            Some(t) => ProgressBar::new(t).with_style(
                ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{msg:>10} {spinner} {pos} ({per_sec})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(10));
        bar.set_message(phase.to_string());
        *self.bar.borrow_mut() = Some(bar);
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = self.bar.borrow().as_ref() {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}
