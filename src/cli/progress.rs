//! Progress bars on standard error (indicatif), only when a person is watching a large job:
//! stderr is a terminal, neither `--quiet` nor `--no-progress` was given, and the job has at least
//! [`LARGE_JOB`] units (a job of unknown size gets its spinner once it has passed that many).

use std::cell::{Cell, RefCell};
use std::io::IsTerminal;

use claimkit::progress::Progress;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

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
        let unit = unit_of(&self.phase.borrow());
        // Whole numbers with thousands separators and the unit: "12,000/48,000 claims (16,124 claims/s)".
        let count = move |n: u64| format!("{} {unit}", claimkit::report::Cell::Int(n as i64).display_for_page());
        let style = |template: &str, fallback: ProgressStyle| {
            ProgressStyle::with_template(template)
                .unwrap_or(fallback)
                .with_key("done", move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&count(s.pos()));
                })
                .with_key("of", move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                    if let Some(len) = s.len() {
                        let _ = write!(w, "{}", claimkit::report::Cell::Int(len as i64).display_for_page());
                    }
                })
                .with_key("rate", move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let per_sec = s.per_sec();
                    let shown = if per_sec.is_finite() { per_sec.round() as i64 } else { 0 };
                    let _ = write!(w, "{} {unit}/s", claimkit::report::Cell::Int(shown).display_for_page());
                })
        };
        let bar = match total {
            Some(t) => ProgressBar::new(t).with_style(
                style("{msg:>8} [{bar:30}] {of}: {done} ({rate}, {eta} left)", ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner()
                .with_style(style("{msg:>8} {spinner} {done} ({rate}, {elapsed})", ProgressStyle::default_spinner())),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(10));
        bar.set_message(self.phase.borrow().clone());
        bar.set_position(self.done.get());
        *self.bar.borrow_mut() = Some(bar);
    }
}

/// What a phase counts.
fn unit_of(phase: &str) -> &'static str {
    match phase {
        "import" | "scrub" => "encounters",
        "build" | "remit" => "claims",
        _ => "items",
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
