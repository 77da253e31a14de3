//! Claim-level reports: the balance sheet, the claims list, a claim's whole story (`claim show`),
//! A/R aging by responsible party, payer performance and the morning summary.
//!
//! Every amount owed comes from the ledger's A/R entries ([`crate::ar`]): a visit's balance is
//! what each responsible party (a payer, the patient) still owes on it, so the figures of every
//! report agree with `report balance` to the cent.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::document::{Chart, Report};
use super::scope::ReportScope;
use super::table::{Cell, Table};
use crate::ar::Balances;
use crate::ledger::billing::ClaimStatus;
use crate::ledger::reports::{self as rows, ClaimRow};
use crate::ledger::{Ledger, LedgerError, ar};
use crate::money::from_cents;

type Result<T> = std::result::Result<T, LedgerError>;

/// The claims in scope (DOS range and payer), oldest first.
fn claims_in(ledger: &Ledger, scope: &ReportScope) -> Result<Vec<ClaimRow>> {
    let mut claims = rows::claims(ledger.conn())?;
    claims.retain(|c| scope.covers(c.first_dos) && scope.includes_payer(&c.payer_id));
    Ok(claims)
}

/// The balances as JSON and a table row: the six fields of the identity.
fn balance_cells(b: &Balances) -> Vec<Cell> {
    [b.charges, b.payments, b.adjustments, b.insurance_ar, b.patient_ar, b.credits]
        .into_iter()
        .map(|c| Cell::Money(from_cents(c)))
        .collect()
}

const BALANCE_COLUMNS: [(&str, &str); 6] = [
    ("charges", "Charges"),
    ("payments", "Payments"),
    ("adjustments", "Adjustments"),
    ("insurance_ar", "Insurance A/R"),
    ("patient_ar", "Patient A/R"),
    ("credits", "Credits"),
];

/// `report balance`: charges, payments, adjustments, insurance A/R, patient A/R and credits, in
/// total and per primary payer (every visit under the payer billed first for it), and what each
/// payer owes now. `charges - payments - adjustments = insurance A/R + patient A/R - credits` holds
/// on every row.
pub fn balance_report(ledger: &Ledger, scope: &ReportScope) -> Result<Report> {
    let sheet = ar::balance_sheet(
        ledger.conn(),
        &ar::BalanceScope { as_of: Some(scope.as_of), payer_id: scope.payer.clone(), patient_id: None },
    )?;
    let mut totals = Table::new(&BALANCE_COLUMNS).with_title("Balance");
    totals.push(balance_cells(&sheet.totals));
    let mut by_payer_columns = vec![("payer_id", "Primary payer")];
    by_payer_columns.extend(BALANCE_COLUMNS);
    let mut by_payer = Table::new(&by_payer_columns).with_title("By primary payer");
    for (payer, b) in &sheet.by_payer {
        let mut row: Vec<Cell> = vec![payer.clone().unwrap_or_else(|| "(unapplied patient credit)".into()).into()];
        row.extend(balance_cells(b));
        by_payer.push(row);
    }
    let mut owed = Table::new(&[("payer_id", "Payer"), ("owed", "Owes now"), ("denied", "Of which denied")])
        .with_title("Owed by each payer");
    for (payer, (cents, denied)) in &sheet.owed_by_payer {
        owed.push(vec![payer.clone().into(), Cell::Money(from_cents(*cents)), Cell::Money(from_cents(*denied))]);
    }
    let chart = Chart {
        title: "Who owes what".into(),
        bars: vec![
            ("Insurance A/R".into(), from_cents(sheet.totals.insurance_ar)),
            ("Patient A/R".into(), from_cents(sheet.totals.patient_ar)),
            ("Credits".into(), from_cents(sheet.totals.credits)),
        ],
        money: true,
    };
    Ok(Report::new("balance", "Accounts receivable balance", scope.describe())
        .section("totals", totals, Some(chart))
        .section("by_payer", by_payer, None)
        .section("owed_by_payer", owed, None))
}

/// `report balance` as JSON: `totals` (an object with exactly `charges`, `payments`,
/// `adjustments`, `insurance_ar`, `patient_ar`, `credits`, decimal strings), `by_payer` (rows with
/// the same fields and `payer_id`, per primary payer) and `owed_by_payer` (what each payer owes now).
pub fn balance_json(ledger: &Ledger, scope: &ReportScope) -> Result<serde_json::Value> {
    use serde_json::{Map, Value, json};
    let sheet = ar::balance_sheet(
        ledger.conn(),
        &ar::BalanceScope { as_of: Some(scope.as_of), payer_id: scope.payer.clone(), patient_id: None },
    )?;
    let fields = |b: &Balances| -> Map<String, Value> {
        let mut m = Map::new();
        for ((key, _), cents) in
            BALANCE_COLUMNS.iter().zip([b.charges, b.payments, b.adjustments, b.insurance_ar, b.patient_ar, b.credits])
        {
            m.insert(key.to_string(), Value::String(crate::money::cents_text(cents)));
        }
        m
    };
    let by_payer: Vec<Value> = sheet
        .by_payer
        .iter()
        .map(|(payer, b)| {
            let mut m = fields(b);
            m.insert("payer_id".into(), payer.clone().map_or(Value::Null, Value::String));
            Value::Object(m)
        })
        .collect();
    let owed: Vec<Value> = sheet
        .owed_by_payer
        .iter()
        .map(|(payer, (owed, denied))| {
            json!({"payer_id": payer, "owed": crate::money::cents_text(*owed), "denied": crate::money::cents_text(*denied)})
        })
        .collect();
    Ok(json!({
        "report": "balance",
        "as_of": scope.as_of.to_string(),
        "scope": scope.describe(),
        "totals": Value::Object(fields(&sheet.totals)),
        "by_payer": by_payer,
        "owed_by_payer": owed,
    }))
}

/// `report claims`: every claim with status, dates, what its payer paid and still owes.
pub fn claims_report(ledger: &Ledger, scope: &ReportScope) -> Result<Report> {
    let claims = claims_in(ledger, scope)?;
    let visits = ar::visit_balances(ledger.conn(), None)?;
    let mut t = Table::new(&[
        ("pcn", "PCN"),
        ("encounter_id", "Encounter"),
        ("payer_id", "Payer"),
        ("responsibility", "Resp"),
        ("frequency", "Freq"),
        ("status", "Status"),
        ("first_dos", "DOS"),
        ("submitted", "Submitted"),
        ("billed", "Billed"),
        ("paid", "Paid"),
        ("adjusted", "Adjusted"),
        ("insurance_balance", "Payer owes"),
        ("patient_balance", "Patient owes"),
        ("payer_claim_number", "Payer claim #"),
    ])
    .with_title(format!("Claims ({})", claims.len()));
    for c in &claims {
        let visit = visits.get(&c.encounter_id);
        // A visit's balances show on the claim in force of each payer (a replaced claim shows none).
        let in_force = !c.superseded && c.status != ClaimStatus::Voided;
        let payer_owes = visit.and_then(|v| v.payers.get(&c.payer_id)).copied().filter(|_| in_force).unwrap_or(0);
        let patient_owes = visit.map(|v| v.patient).filter(|_| in_force && c.responsibility == "P").unwrap_or(0);
        t.push(vec![
            c.pcn.clone().into(),
            c.encounter_id.clone().into(),
            c.payer_id.clone().into(),
            c.responsibility.clone().into(),
            c.frequency.clone().into(),
            c.status.as_str().into(),
            c.first_dos.into(),
            c.submitted_on.into(),
            c.billed.into(),
            c.paid.into(),
            c.adjusted.into(),
            Cell::Money(from_cents(payer_owes)),
            Cell::Money(from_cents(patient_owes)),
            c.payer_claim_number.clone().into(),
        ]);
    }
    let mut by_status: BTreeMap<ClaimStatus, i64> = BTreeMap::new();
    for c in &claims {
        *by_status.entry(c.status).or_default() += 1;
    }
    let mut status_table = Table::new(&[("status", "Status"), ("claims", "Claims")]).with_title("By status");
    for (s, n) in &by_status {
        status_table.push(vec![s.as_str().into(), (*n).into()]);
    }
    let chart = Chart {
        title: "Claims by status".into(),
        bars: by_status.iter().map(|(s, n)| (s.as_str().to_string(), Decimal::from(*n))).collect(),
        money: false,
    };
    Ok(Report::new("claims", "Claims", scope.describe()).section("claims", t, None).section(
        "by_status",
        status_table,
        Some(chart),
    ))
}

/// The A/R buckets, by days since the date of service.
pub const AGING_BUCKETS: [(&str, i64, i64); 5] =
    [("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("91-120", 91, 120), ("120+", 121, i64::MAX)];

fn bucket(age: i64) -> usize {
    AGING_BUCKETS.iter().position(|(_, lo, hi)| age >= *lo && age <= *hi).unwrap_or(AGING_BUCKETS.len() - 1)
}

/// `report aging`: what each responsible party owes (each payer, and patients), by days since the
/// visit's date of service. Credits are not aged: `report balance` lists them.
pub fn aging_report(ledger: &Ledger, scope: &ReportScope) -> Result<Report> {
    let visits = ar::visit_balances(ledger.conn(), Some(scope.as_of))?;
    let mut first_dos: BTreeMap<String, (NaiveDate, String)> = BTreeMap::new();
    for c in rows::claims(ledger.conn())? {
        if c.responsibility == "P" {
            first_dos.entry(c.encounter_id.clone()).or_insert((c.first_dos, c.payer_id.clone()));
        }
    }
    // party -> amounts per bucket
    let mut rows_by_party: BTreeMap<(u8, String), [Decimal; 5]> = BTreeMap::new();
    let mut total = [Decimal::ZERO; 5];
    for (encounter, visit) in &visits {
        let Some((dos, primary)) = first_dos.get(encounter) else { continue };
        if !scope.covers(*dos) || !scope.includes_payer(primary) {
            continue;
        }
        let b = bucket((scope.as_of - *dos).num_days().max(0));
        for (payer, cents) in &visit.payers {
            if *cents > 0 {
                rows_by_party.entry((0, payer.clone())).or_default()[b] += from_cents(*cents);
                total[b] += from_cents(*cents);
            }
        }
        if visit.patient > 0 {
            rows_by_party.entry((1, "patients".into())).or_default()[b] += from_cents(visit.patient);
            total[b] += from_cents(visit.patient);
        }
    }
    let mut columns: Vec<(&str, &str)> = vec![("party", "Responsible party"), ("balance", "Balance")];
    let keys = ["0_30", "31_60", "61_90", "91_120", "over_120"];
    for (key, (label, _, _)) in keys.iter().zip(AGING_BUCKETS.iter()) {
        columns.push((key, label));
    }
    columns.push(("total", "Total"));
    let mut t = Table::new(&columns).with_title("A/R aging by responsible party (days since date of service)");
    let push = |t: &mut Table, party: &str, kind: &str, amounts: &[Decimal; 5]| {
        let mut row: Vec<Cell> = vec![party.into(), kind.into()];
        row.extend(amounts.iter().map(|a| Cell::Money(*a)));
        row.push(Cell::Money(amounts.iter().copied().sum()));
        t.push(row);
    };
    for ((kind, party), amounts) in &rows_by_party {
        push(&mut t, party, if *kind == 0 { "insurance" } else { "patient" }, amounts);
    }
    push(&mut t, "TOTAL", "all", &total);
    let chart = Chart {
        title: "Outstanding A/R by age".into(),
        bars: AGING_BUCKETS.iter().enumerate().map(|(i, (l, _, _))| (l.to_string(), total[i])).collect(),
        money: true,
    };
    // Patients who owe, with the statements they were sent.
    let mut patients = Table::new(&[
        ("patient_id", "Patient"),
        ("owes", "Owes"),
        ("statements_sent", "Statements sent"),
        ("last_statement", "Last statement"),
    ])
    .with_title("Patient balances and statements");
    for (patient, cents) in crate::ledger::statements::patients_owing(ledger.conn(), 1, scope.as_of)? {
        let (sent, last) = crate::ledger::statements::sent_to(ledger.conn(), &patient)?;
        patients.push(vec![patient.into(), Cell::Money(from_cents(cents)), sent.into(), last.into()]);
    }
    Ok(Report::new("aging", "A/R aging", scope.describe())
        .section("aging", t, Some(chart))
        .section("patients", patients, None))
}

/// The denial rate: claims with a denial standing (the whole claim, or a line paid nothing for a
/// denial reason) divided by claims a payer answered, in percent with one decimal; `None` when
/// none was answered. The one definition every report uses (`docs/ar.md`).
pub fn denial_rate(denied: usize, adjudicated: usize) -> Option<Decimal> {
    (adjudicated > 0).then(|| (Decimal::from(denied * 100) / Decimal::from(adjudicated)).round_dp(1))
}

fn rate_cell(rate: Option<Decimal>) -> Cell {
    rate.map_or(Cell::Empty, Cell::Percent)
}

/// `report payers`: claims, billed, paid, denials, denial rate, median days to pay and what each
/// payer owes now.
pub fn payers_report(ledger: &Ledger, scope: &ReportScope) -> Result<Report> {
    let claims = claims_in(ledger, scope)?;
    let sheet = ar::balance_sheet(ledger.conn(), &ar::BalanceScope { as_of: Some(scope.as_of), ..Default::default() })?;
    #[derive(Default)]
    struct PayerFigures {
        claims: i64,
        billed: Decimal,
        paid: Decimal,
        denied: usize,
        adjudicated: usize,
        days_to_pay: Vec<i64>,
    }
    let mut by_payer: BTreeMap<String, PayerFigures> = BTreeMap::new();
    for c in &claims {
        let f = by_payer.entry(c.payer_id.clone()).or_default();
        f.claims += 1;
        f.billed += c.billed;
        f.paid += c.paid;
        if c.adjudicated {
            f.adjudicated += 1;
            if c.denied {
                f.denied += 1;
            }
        }
        if let Some(paid_on) = c.first_paid_on {
            f.days_to_pay.push((paid_on - c.submitted_on).num_days().max(0));
        }
    }
    let mut t = Table::new(&[
        ("payer_id", "Payer"),
        ("claims", "Claims"),
        ("billed", "Billed"),
        ("paid", "Paid"),
        ("denied", "Denied"),
        ("denial_rate", "Denial rate %"),
        ("median_days_to_pay", "Median days to pay"),
        ("owed", "Owes now"),
    ])
    .with_title("Payers");
    for (payer, f) in &mut by_payer {
        let owed = sheet.owed_by_payer.get(payer).map_or(0, |o| o.0);
        t.push(vec![
            payer.clone().into(),
            f.claims.into(),
            f.billed.into(),
            f.paid.into(),
            (f.denied as i64).into(),
            rate_cell(denial_rate(f.denied, f.adjudicated)),
            median(&mut f.days_to_pay).into(),
            Cell::Money(from_cents(owed)),
        ]);
    }
    let chart = Chart {
        title: "Paid by payer".into(),
        bars: by_payer.iter().map(|(p, f)| (p.clone(), f.paid)).collect(),
        money: true,
    };
    Ok(Report::new("payers", "Payers", scope.describe()).section("payers", t, Some(chart)))
}

fn median(days: &mut [i64]) -> Option<i64> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let mid = days.len() / 2;
    Some(if days.len() % 2 == 1 { days[mid] } else { (days[mid - 1] + days[mid]) / 2 })
}

/// `report summary`: the morning overview: encounters, holds, claims by status, and the money
/// as `report balance` counts it.
pub fn summary_report(ledger: &Ledger, scope: &ReportScope) -> Result<Report> {
    let claims = claims_in(ledger, scope)?;
    let (encounters, held, unscrubbed) = rows::unbilled_counts(ledger.conn(), scope.payer.as_deref())?;
    let sheet = ar::balance_sheet(
        ledger.conn(),
        &ar::BalanceScope { as_of: Some(scope.as_of), payer_id: scope.payer.clone(), patient_id: None },
    )?;
    let b = &sheet.totals;
    let adjudicated = claims.iter().filter(|c| c.adjudicated).count();
    let denied = claims.iter().filter(|c| c.adjudicated && c.denied).count();

    let mut figures = Table::new(&[("figure", "Figure"), ("value", "Value")]).with_title("At a glance");
    let mut add = |k: &str, v: Cell| figures.push(vec![k.into(), v]);
    add("unbilled encounters", encounters.into());
    add("held by scrub errors", held.into());
    add("not yet scrubbed", unscrubbed.into());
    add("claims", (claims.len() as i64).into());
    add("charges", Cell::Money(from_cents(b.charges)));
    add("payments", Cell::Money(from_cents(b.payments)));
    add("adjustments", Cell::Money(from_cents(b.adjustments)));
    add("insurance A/R", Cell::Money(from_cents(b.insurance_ar)));
    add("patient A/R", Cell::Money(from_cents(b.patient_ar)));
    add("credits", Cell::Money(from_cents(b.credits)));
    add("denial rate %", rate_cell(denial_rate(denied, adjudicated)));
    for (name, value) in practice_figures(ledger, scope, &claims, b)? {
        add(name, value);
    }
    let mut statuses =
        Table::new(&[("status", "Status"), ("claims", "Claims"), ("billed", "Billed"), ("paid", "Paid")])
            .with_title("Claims by status");
    let mut bars = Vec::new();
    for status in ClaimStatus::ALL {
        let of: Vec<&ClaimRow> = claims.iter().filter(|c| c.status == status).collect();
        if of.is_empty() {
            continue;
        }
        let billed: Decimal = of.iter().map(|c| c.billed).sum();
        let paid: Decimal = of.iter().map(|c| c.paid).sum();
        statuses.push(vec![status.as_str().into(), (of.len() as i64).into(), billed.into(), paid.into()]);
        bars.push((status.as_str().to_string(), Decimal::from(of.len() as i64)));
    }
    let chart = Chart { title: "Claims by status".into(), bars, money: false };
    Ok(Report::new("summary", "Billing summary", scope.describe()).section("figures", figures, None).section(
        "by_status",
        statuses,
        Some(chart),
    ))
}

/// The practice-level figures of `report summary` (defined in `docs/ar.md`).
fn practice_figures(
    ledger: &Ledger,
    scope: &ReportScope,
    claims: &[ClaimRow],
    b: &Balances,
) -> Result<Vec<(&'static str, Cell)>> {
    let percent = |num: usize, den: usize| rate_cell(denial_rate(num, den));
    // Days in A/R: what is owed now over the average day's charges of the last 90 days.
    let since = scope.as_of - chrono::Duration::days(90);
    let recent = ar::totals_by_kind(ledger.conn(), Some(since), scope.as_of)?;
    let daily = Decimal::from(recent.get("charge").copied().unwrap_or(0)) / Decimal::from(90);
    let owed = Decimal::from(b.insurance_ar + b.patient_ar);
    let days_in_ar = (!daily.is_zero()).then(|| i64::try_from((owed / daily).round().mantissa()).unwrap_or(i64::MAX));
    // Clean claims: original claims never rejected at the front end, of all original claims.
    let originals: Vec<&ClaimRow> = claims.iter().filter(|c| c.frequency == "1").collect();
    let clean = originals.iter().filter(|c| !c.rejected_ever).count();
    // First-pass resolution: answered claims paid on their first submission with no denial.
    let answered: Vec<&&ClaimRow> = originals.iter().filter(|c| c.adjudicated).collect();
    let first_pass = answered.iter().filter(|c| !c.denied && !c.rejected_ever && !c.superseded).count();
    // Net collection rate: payments over charges less contractual adjustments.
    let all = ar::totals_by_kind(ledger.conn(), None, scope.as_of)?;
    let contractual = -all.get("contractual").copied().unwrap_or(0);
    let collectable = b.charges - contractual;
    let net_collection =
        (collectable > 0).then(|| (Decimal::from(b.payments * 100) / Decimal::from(collectable)).round_dp(1));
    Ok(vec![
        ("days in A/R", days_in_ar.map_or(Cell::Empty, Cell::Int)),
        ("clean-claim rate %", percent(clean, originals.len())),
        ("first-pass resolution rate %", percent(first_pass, answered.len())),
        ("net collection rate %", net_collection.map_or(Cell::Empty, Cell::Percent)),
    ])
}

/// One claim's whole story, for `claimkit claim show PCN|ENCOUNTER`: the claim, each line's
/// adjudication (allowed, paid, every CAS with its meaning, remark codes), the visit's A/R entries
/// and who owes what now, and the claim's history.
pub fn claim_history(ledger: &Ledger, key: &str) -> Result<Option<Report>> {
    let conn = ledger.conn();
    let Some(pcn) = rows::resolve_claim(conn, key)? else { return Ok(None) };
    let Some(claim) = rows::claims(conn)?.into_iter().find(|c| c.pcn == pcn) else { return Ok(None) };
    let visit = ar::visit_balances(conn, None)?.remove(&claim.encounter_id).unwrap_or_default();
    let mut head = Table::new(&[("field", "Field"), ("value", "Value")]).with_title(format!("Claim {pcn}"));
    let mut field = |k: &str, v: Cell| head.push(vec![k.into(), v]);
    field("status", claim.status.as_str().into());
    field("encounter", claim.encounter_id.clone().into());
    field("patient", claim.patient_id.clone().into());
    field("payer", claim.payer_id.clone().into());
    field("responsibility", claim.responsibility.clone().into());
    field("frequency", claim.frequency.clone().into());
    field("first date of service", claim.first_dos.into());
    field("billed", claim.billed.into());
    field("paid by this payer", claim.paid.into());
    field("payer claim number", claim.payer_claim_number.clone().into());
    for (payer, cents) in &visit.payers {
        field(&format!("{payer} owes"), Cell::Money(from_cents(*cents)));
    }
    field("patient owes", Cell::Money(from_cents(visit.patient)));
    if let Some((path, isa13, at)) = rows::claim_batch(conn, &pcn)? {
        field("batch file", path.into());
        field("batch ISA13", isa13.into());
        field("batch written", at.into());
    }

    let mut lines = Table::new(&[
        ("line", "Line"),
        ("procedure", "Procedure"),
        ("modifiers", "Modifiers"),
        ("units", "Units"),
        ("date_of_service", "DOS"),
        ("charge", "Charge"),
        ("allowed", "Allowed"),
        ("paid", "Paid"),
        ("adjustments", "Adjustments"),
        ("remarks", "Remarks"),
    ])
    .with_title("Service lines and their adjudication");
    for l in rows::claim_lines(conn, &pcn)? {
        let adjustments: Vec<String> = l
            .adjustments
            .iter()
            .map(|(g, r, a)| {
                let label = crate::codes::carc(r).map(|t| format!(" ({t})")).unwrap_or_default();
                format!("{g}-{r} {}{label}", crate::money::text(*a))
            })
            .collect();
        let remarks: Vec<String> = l
            .remarks
            .iter()
            .map(|r| match crate::codes::rarc(r) {
                Some(t) => format!("{r} ({t})"),
                None => r.clone(),
            })
            .collect();
        lines.push(vec![
            l.line_number.into(),
            l.procedure_code.into(),
            l.modifiers.into(),
            l.units.into(),
            l.date_of_service.into(),
            l.charge.into(),
            l.allowed.into(),
            l.paid.into(),
            adjustments.join("; ").into(),
            remarks.join("; ").into(),
        ]);
    }

    let mut entries = Table::new(&[
        ("effective_on", "Date"),
        ("kind", "Transaction"),
        ("party", "Party"),
        ("line", "Line"),
        ("amount", "Amount"),
        ("noted", "Noted"),
        ("code", "Code"),
        ("pcn", "Through claim"),
    ])
    .with_title("Accounts receivable of the visit");
    for e in rows::visit_entries(conn, &claim.encounter_id)? {
        entries.push(vec![
            e.effective_on.into(),
            e.kind.into(),
            e.party.into(),
            e.line_number.into(),
            e.amount.into(),
            if e.noted.is_zero() { Cell::Empty } else { e.noted.into() },
            e.code.into(),
            e.pcn.into(),
        ]);
    }

    let mut events = Table::new(&[
        ("at", "Time"),
        ("kind", "Event"),
        ("status_after", "Status"),
        ("amount", "Amount"),
        ("detail", "Detail"),
        ("source_file", "Source file"),
    ])
    .with_title("History");
    for e in rows::claim_events(conn, &pcn)? {
        events.push(vec![
            e.at.into(),
            e.kind.into(),
            e.status_after.into(),
            e.amount.into(),
            e.detail.into(),
            e.source_file.into(),
        ]);
    }
    Ok(Some(
        Report::new("claim", &format!("Claim {pcn}"), format!("status {}", claim.status))
            .section("claim", head, None)
            .section("lines", lines, None)
            .section("receivables", entries, None)
            .section("history", events, None),
    ))
}
