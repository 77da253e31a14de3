//! Progress bars on standard error (indicatif), only when a person is watching a large job:
//! stderr is a terminal, neither `--quiet` nor `--no-progress` was given, and the job has at least
//! [`LARGE_JOB`] units (a job of unknown size gets its spinner once it has passed that many).

use std::cell::{Cell, RefCell};
use std::io::IsTerminal;

use claimkit::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::GlobalArgs;

/// Jobs smaller than this many units finish before a bar would help.
const LARGE_JOB: u64 = 5_000;

/// A terminal progress bar, or nothing.
pub struct TerminalProgress {
    enabled: bool,
    phase: RefCell<String>,
    done: Cell<u64>,
    bar: RefCell<Option<ProgressBar>>,
}

impl TerminalProgress {
    pub fn new(global: &GlobalArgs) -> Self {
        let enabled = !global.quiet && !global.no_progress && std::io::stderr().is_terminal();
        TerminalProgress { enabled, phase: RefCell::default(), done: Cell::new(0), bar: RefCell::new(None) }
    }

    fn show(&self, total: Option<u64>) {
        let bar = match total {
            Some(t) => ProgressBar::new(t).with_style(
                ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{msg:>10} {spinner} {pos} done ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(10));
        bar.set_message(self.phase.borrow().clone());
        bar.set_position(self.done.get());
        *self.bar.borrow_mut() = Some(bar);
    }
}

impl Progress for TerminalProgress {
    fn start(&self, phase: &str, total: Option<u64>) {
        self.finish();
        *self.phase.borrow_mut() = phase.to_string();
        self.done.set(0);
        if self.enabled && total.is_some_and(|t| t >= LARGE_JOB) {
            self.show(total);
        }
    }

    fn advance(&self, n: u64) {
        self.done.set(self.done.get() + n);
        match self.bar.borrow().as_ref() {
            Some(bar) => bar.inc(n),
            None if self.enabled && self.done.get() >= LARGE_JOB => {}
            None => return,
        }
        if self.bar.borrow().is_none() {
            self.show(None);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}
