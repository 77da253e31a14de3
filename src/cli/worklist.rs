//! `claimkit worklist`: the open items with stable IDs, and `worklist done|note|assign|snooze ID`
//! to work them. The library (`claimkit::worklist`) finds the items and keeps their history.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use claimkit::report::{Report, Table};
use claimkit::worklist::{Act, Filter, WorklistError, act, history, items};
use clap::{Args, Subcommand};

use super::{Exit, GlobalArgs, InputError};

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  claimkit worklist\n  claimkit worklist --kind denied-claim --payer MCRB1\n  \
                  claimkit worklist --assignee dana --due 2026-12-15\n  claimkit worklist assign W3F2A91C0B7DE dana\n  \
                  claimkit worklist note W3F2A91C0B7DE \"called the payer, reference 88412\"\n  \
                  claimkit worklist snooze W3F2A91C0B7DE --until 2026-12-20\n  \
                  claimkit worklist done W3F2A91C0B7DE --note \"corrected claim sent\"\n  claimkit worklist history"
)]
pub struct WorklistArgs {
    #[command(subcommand)]
    pub action: Option<WorklistAction>,
    /// Only this payer's items.
    #[arg(long)]
    pub payer: Option<String>,
    /// Only items of this kind (rejected-claim, denied-claim, denied-line, underpayment, no-response,
    /// request-a-reopening, held-encounter, ...).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only items assigned to this person.
    #[arg(long)]
    pub assignee: Option<String>,
    /// Items due on or before this date (snoozed items come back on their follow-up date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub due: Option<NaiveDate>,
    /// Done and snoozed items too.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub common: Common,
}

/// Options of the listing and of every action.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// Claims without any answer after this many days [default: the config's `no_response_days`, else 30].
    #[arg(long, global = true)]
    pub no_response_days: Option<i64>,
    /// The date taken as today.
    #[arg(long, global = true, value_name = "YYYY-MM-DD", env = "CLAIMKIT_TODAY")]
    pub as_of: Option<NaiveDate>,
    /// Who is acting, for the item's history [default: $USER].
    #[arg(long, global = true, value_name = "WHO")]
    pub by: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum WorklistAction {
    /// Close an item: it leaves the open list (a new event on its claim opens a new item).
    #[command(
        after_help = "Example:\n  claimkit worklist done W3F2A9C01B7D --note \"resubmitted with the corrected NPI\""
    )]
    Done {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Add a note to an item's history.
    #[command(after_help = "Example:\n  claimkit worklist note W3F2A9C01B7D \"called the payer, reference 88231\"")]
    Note { id: String, text: String },
    /// Give an item to someone.
    #[command(after_help = "Example:\n  claimkit worklist assign W3F2A9C01B7D maria")]
    Assign { id: String, who: String },
    /// Hide an item until a follow-up date.
    #[command(after_help = "Example:\n  claimkit worklist snooze W3F2A9C01B7D --until 2026-12-15")]
    Snooze {
        id: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        until: NaiveDate,
    },
    /// The history of items (who, when, what, note): of the IDs given, else of every item.
    #[command(after_help = "Example:\n  claimkit worklist history W3F2A9C01B7D")]
    History { ids: Vec<String> },
}

pub fn exec(global: &GlobalArgs, args: WorklistArgs) -> Result<Exit> {
    let as_of = args.common.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let days = args.common.no_response_days.or(global.settings.report.no_response_days).unwrap_or(30);
    let who = args.common.by.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "unknown".into());
    let user_error = |e: WorklistError| -> anyhow::Error {
        match e {
            WorklistError::UnknownItem(_) => InputError(e.to_string()).into(),
            other => anyhow::Error::new(other).context("worklist"),
        }
    };
    let to_act = match args.action {
        None => {
            let ledger = global.open_ledger()?;
            let filter =
                Filter { payer: args.payer, kind: args.kind, assignee: args.assignee, due: args.due, all: args.all };
            let found = items(&ledger, as_of, days, &filter).map_err(user_error)?;
            let count = found.len();
            let report = Report::new("worklist", "Worklist", format!("as of {as_of}; {count} item(s)")).section(
                "worklist",
                claimkit::worklist::table(found),
                None,
            );
            super::report::write_report(global, &report, None)?;
            return Ok(if count == 0 { Exit::Clean } else { Exit::Findings });
        }
        Some(WorklistAction::History { ids }) => {
            let ledger = global.open_ledger()?;
            let ids: Vec<String> = ids.iter().map(|i| i.trim().to_ascii_uppercase()).collect();
            let mut t =
                Table::new(&[("id", "Item"), ("at", "When"), ("who", "Who"), ("action", "Action"), ("note", "Note")])
                    .with_title("Worklist history");
            for h in history(&ledger, &ids).context("worklist history")? {
                t.push(vec![h.item_id.into(), h.at.into(), h.who.into(), h.action.into(), h.note.into()]);
            }
            let report = Report::new("worklist-history", "Worklist history", format!("{} action(s)", t.len()))
                .section("history", t, None);
            super::report::write_report(global, &report, None)?;
            return Ok(Exit::Clean);
        }
        Some(WorklistAction::Done { id, note }) => (id, Act::Done { note }),
        Some(WorklistAction::Note { id, text }) => (id, Act::Note(text)),
        Some(WorklistAction::Assign { id, who }) => (id, Act::Assign(who)),
        Some(WorklistAction::Snooze { id, until }) => (id, Act::Snooze(until)),
    };
    let (_lock, mut ledger) = global.open_ledger_for_writing()?;
    let item = act(&mut ledger, &to_act.0, &to_act.1, &who, as_of, days).map_err(user_error)?;
    let report = Report::new("worklist", "Worklist item", format!("{} by {who}", item.state)).section(
        "worklist",
        claimkit::worklist::table(vec![item]),
        None,
    );
    super::report::write_report(global, &report, None)?;
    Ok(Exit::Clean)
}
