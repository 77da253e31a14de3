//! `claimkit rebill PCN...`: bill again, as new claims, claims a clearinghouse or payer rejected
//! before adjudication (TA1/999/277CA) or returned unprocessable (CLP02 4 with MA130).

use anyhow::{Context, Result};
use chrono::NaiveDate;
use claimkit::claim837::rebill::{RebillError, rebill_claims};
use claimkit::report::{Report, Table};
use claimkit::scrub::CodeSetReference;

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  claimkit rebill P1W2T1XQA5EFM2H44\n  claimkit import fixed-encounters.csv && claimkit rebill P1W2T1XQA5EFM2H44 P1K3V9T2D8Q4M7Z0A && claimkit build\n\n\
The claims go out with the next `claimkit build` as new originals (frequency 1) with new PCNs, linked to the\n\
rejected ones in `claimkit claim show`. A claim the payer adjudicated is refused: it takes `claimkit correct`."
)]
pub struct RebillArgs {
    /// The rejected claims' patient control numbers (CLM01), in any case.
    #[arg(value_name = "PCN", required = true)]
    pub pcns: Vec<String>,
    /// The day the encounter is scrubbed on (default today).
    #[arg(long, value_name = "YYYY-MM-DD", env = "CLAIMKIT_TODAY")]
    pub as_of: Option<NaiveDate>,
}

pub fn exec(global: &GlobalArgs, args: RebillArgs) -> Result<Exit> {
    let today = args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let reference = CodeSetReference::new(
        claimkit::ledger::codesets::load_imported(ledger.conn()).context("loading imported code sets")?,
    );
    let done = match rebill_claims(&mut ledger, &args.pcns, &reference, today) {
        Ok(done) => done,
        Err(e @ (RebillError::UnknownClaim(_) | RebillError::Refused { .. } | RebillError::BadReimport { .. })) => {
            return Err(InputError(e.to_string()).into());
        }
        Err(e) => return Err(e).context("rebill"),
    };
    let mut t = Table::new(&[
        ("pcn", "Claim"),
        ("encounter_id", "Encounter"),
        ("payer_id", "Payer"),
        ("reason", "Why it can be billed again"),
        ("reimport_applied", "Re-import applied"),
        ("scrub_status", "Scrub"),
        ("errors", "Scrub errors"),
    ])
    .with_title("Claims to bill again as new");
    let held = done.iter().filter(|d| d.scrub_status == "error").count();
    for d in done {
        t.push(vec![
            d.pcn.into(),
            d.encounter_id.into(),
            d.payer_id.into(),
            d.reason.into(),
            (if d.reimport_applied { "yes" } else { "no" }).into(),
            d.scrub_status.into(),
            d.errors.join(", ").into(),
        ]);
    }
    let scope = if held == 0 {
        "the next `claimkit build` bills them".to_string()
    } else {
        format!("{held} held by scrub errors: fix them in the EMR and re-import; the next build bills the rest")
    };
    let report = Report::new("rebill", "Re-bill", scope).section("rebill", t, None);
    super::report::write_report(global, &report, None)?;
    Ok(if held == 0 { Exit::Clean } else { Exit::Findings })
}
