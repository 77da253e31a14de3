//! claimkit as the people who use it run it: a biller at a terminal (widths, colour, pipes, -q), the
//! person who sets up cron (config file, nightly's exit policy, no ledgers made by mistake), and
//! the one who receives another EMR's export (import guards, dry runs, mapping templates).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sample(name: &str) -> PathBuf {
    repo().join("sample-data").join(name)
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("claimkit")
}

/// The binary with none of the environment a developer's shell might carry.
fn claimkit() -> Command {
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    for var in ["CLAIMKIT_DB", "CLAIMKIT_CONFIG", "CLAIMKIT_TODAY", "COLUMNS", "NO_COLOR"] {
        cmd.env_remove(var);
    }
    cmd
}

fn on(db: &Path) -> Command {
    let mut cmd = claimkit();
    cmd.arg("--db").arg(db);
    cmd
}

/// A ledger with the sample practice and code sets.
fn practice_ledger(dir: &Path) -> PathBuf {
    let db = dir.join("ledger.db");
    on(&db).args(["init", "--practice"]).arg(sample("practice.toml")).assert().success();
    for (kind, file) in [("cpt", "cpt.csv"), ("hcpcs", "hcpcs.csv"), ("fee-schedule", "fee-schedule.csv")] {
        on(&db).args(["codes", "import", kind]).arg(sample("codesets").join(file)).assert().success();
    }
    db
}

/// The demo's ledger (the whole cycle: claims, payments, denials, a worklist).
fn demo_ledger(dir: &Path) -> PathBuf {
    let root = dir.join("demo");
    claimkit().args(["--quiet", "--no-progress", "demo", "--dir"]).arg(&root).assert().success();
    root.join("claimkit.db")
}

/// Runs `command` in a pseudo-terminal `columns` wide (util-linux `script`) and returns what the
/// terminal received, without carriage returns.
fn in_terminal(columns: u16, command: &str, extra_env: &[(&str, &str)]) -> String {
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &format!("stty cols {columns} rows 60; {command}"), "/dev/null"]);
    for var in ["COLUMNS", "NO_COLOR", "CLAIMKIT_DB", "CLAIMKIT_CONFIG"] {
        cmd.env_remove(var);
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.stdin(Stdio::null()).output().expect("util-linux script");
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

fn without_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn quoted(path: &Path) -> String {
    format!("'{}'", path.display())
}

#[test]
fn reports_fit_an_80_column_terminal_and_are_coloured_only_there() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_ledger(dir.path());
    for report in ["worklist", "reconciliation", "claims"] {
        let shown = in_terminal(80, &format!("{} --db {} report {report}", quoted(&bin()), quoted(&db)), &[]);
        assert!(shown.contains('\u{1b}'), "{report}: colour on a terminal");
        let plain = without_ansi(&shown);
        assert!(plain.lines().count() > 5, "{report}: {plain}");
        for line in plain.lines() {
            assert!(line.chars().count() <= 80, "{report}: {} columns: {line}", line.chars().count());
        }
        // Everything is still there with --wide, and in a pipe nothing is cut.
        let wide = without_ansi(&in_terminal(
            80,
            &format!("{} --db {} --wide report {report}", quoted(&bin()), quoted(&db)),
            &[],
        ));
        assert!(wide.lines().any(|l| l.chars().count() > 80), "{report}: --wide draws full width");
    }
    let worklist =
        without_ansi(&in_terminal(80, &format!("{} --db {} report worklist", quoted(&bin()), quoted(&db)), &[]));
    assert!(worklist.contains("Denied claim ("), "grouped by kind: {worklist}");
    let no_color =
        in_terminal(80, &format!("{} --db {} report worklist", quoted(&bin()), quoted(&db)), &[("NO_COLOR", "1")]);
    assert!(!no_color.contains('\u{1b}'), "NO_COLOR turns colour off");
    let never = in_terminal(80, &format!("{} --db {} --color never report worklist", quoted(&bin()), quoted(&db)), &[]);
    assert!(!never.contains('\u{1b}'));
    // In a pipe: no colour unless asked, and COLUMNS is honoured.
    let piped = on(&db).env("COLUMNS", "100").args(["report", "worklist"]).output().unwrap();
    let text = String::from_utf8(piped.stdout).unwrap();
    assert!(!text.contains('\u{1b}') && text.lines().all(|l| l.chars().count() <= 100), "{text}");
    let forced = on(&db).args(["--color", "always", "report", "worklist"]).output().unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains('\u{1b}'));
}

#[test]
fn a_closed_pipe_ends_the_command_quietly_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_ledger(dir.path());
    for format in ["table", "csv", "json", "html"] {
        let mut child = std::process::Command::new(bin())
            .arg("--db")
            .arg(&db)
            .args(["--format", format, "report", "claims"])
            .env_remove("COLUMNS")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before claimkit has written anything (`| head -0`).
        drop(child.stdout.take());
        let mut stderr = String::new();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{format}: {stderr}");
        assert_eq!(stderr, "", "{format}: nothing said about the pipe");
    }
    // And the shell's way.
    let out = std::process::Command::new("bash")
        .args([
            "-c",
            &format!(
                "{} --db {} report worklist | head -1; echo \"exit=${{PIPESTATUS[0]}}\"",
                quoted(&bin()),
                quoted(&db)
            ),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.ends_with("exit=0\n"), "{text}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("Broken pipe"));
}

#[test]
fn claim_show_prints_its_title_once_with_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_ledger(dir.path());
    let claims: Value =
        serde_json::from_slice(&on(&db).args(["--format", "json", "report", "claims"]).output().unwrap().stdout)
            .unwrap();
    let pcn = claims["sections"]["claims"][0]["pcn"].as_str().unwrap().to_string();
    let out = on(&db).args(["claim", "show", &pcn]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches(&format!("Claim {pcn}")).count(), 1, "{text}");
    assert!(text.contains("Maple Street Family Medicine"), "{text}");
}

#[test]
fn reports_name_payers_and_the_practice_say_when_and_use_one_json_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_ledger(dir.path());
    let payers: Value =
        serde_json::from_slice(&on(&db).args(["--format", "json", "report", "payers"]).output().unwrap().stdout)
            .unwrap();
    assert_eq!(payers["practice"], "Maple Street Family Medicine");
    assert!(payers["generated_at"].as_str().unwrap().len() == 19);
    let rows = payers["sections"]["payers"].as_array().unwrap();
    let medicare = rows.iter().find(|r| r["payer_id"] == "MCRB1").unwrap();
    assert_eq!(medicare["payer_name"], "Medicare Part B");
    assert!(rows.iter().any(|r| r["denial_rate"].is_number()), "rates are numbers: {rows:?}");
    let claims: Value =
        serde_json::from_slice(&on(&db).args(["--format", "json", "report", "claims"]).output().unwrap().stdout)
            .unwrap();
    let statuses: Vec<&str> =
        claims["sections"]["claims"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"partially_paid") || statuses.contains(&"paid"), "codes in JSON: {statuses:?}");
    let table = String::from_utf8(on(&db).args(["--wide", "report", "claims"]).output().unwrap().stdout).unwrap();
    assert!(!table.contains("partially_paid") && !table.contains("│ paid"), "words on screen");
    let html =
        String::from_utf8(on(&db).args(["--format", "html", "report", "reconciliation"]).output().unwrap().stdout)
            .unwrap();
    assert!(html.contains("@media print") && html.contains("class=\"wide\"") && html.contains(">$"), "{html}");
    assert!(html.contains("Maple Street Family Medicine") && html.contains("generated "));
    let csv = String::from_utf8(on(&db).args(["--format", "csv", "report", "reconciliation"]).output().unwrap().stdout)
        .unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.contains("trace_number") && header.contains("claims_matched"), "{header}");
    // A trace number with a leading zero stays text for spreadsheets.
    assert!(csv.contains("\"=\"\"0"), "{csv}");
}

#[test]
fn quiet_prints_nothing_but_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = practice_ledger(dir.path());
    on(&db).args(["-q", "import"]).arg(sample("encounters.csv")).assert().code(0).stdout("").stderr("");
    on(&db).args(["-q", "report", "summary"]).assert().code(0).stdout("");
    on(&db)
        .args(["-q", "import"])
        .arg(dir.path().join("missing.csv"))
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains("missing.csv"));
}

#[test]
fn only_init_creates_a_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("typo.db");
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let attempts: Vec<Vec<String>> = vec![
        vec!["import".into(), sample("encounters.csv").display().to_string()],
        vec!["codes".into(), "import".into(), "cpt".into(), sample("codesets/cpt.csv").display().to_string()],
        vec![
            "nightly".into(),
            "--inbox".into(),
            inbox.display().to_string(),
            "--outbox".into(),
            dir.path().join("out").display().to_string(),
        ],
        vec!["scrub".into()],
        vec!["build".into()],
        vec!["report".into(), "worklist".into()],
        vec!["claim".into(), "show".into(), "P1".into()],
        vec!["remit".into(), sample("x12/claim-batch.837").display().to_string()],
    ];
    for args in attempts {
        let out = on(&typo).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.matches("no ledger at").count(), 1, "{args:?}: said once: {stderr}");
        assert!(stderr.contains("init --practice"), "{args:?}: says how to create one: {stderr}");
        assert!(!typo.exists(), "{args:?} created a ledger");
    }
    assert!(!dir.path().join("out").exists());
    on(&typo).arg("init").assert().code(0);
    assert!(typo.exists());
}

#[test]
fn a_renamed_column_refuses_the_file_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = practice_ledger(dir.path());
    on(&db).arg("import").arg(sample("encounters.csv")).assert().code(0);
    let before = std::fs::read(&db).unwrap();
    let text = std::fs::read_to_string(sample("encounters.csv")).unwrap();
    for (from, to) in [("diagnosis_codes", "diagnoses"), ("patient_dob", "dob")] {
        let renamed = dir.path().join(format!("renamed-{to}.csv"));
        std::fs::write(&renamed, text.replacen(from, to, 1)).unwrap();
        on(&db)
            .arg("import")
            .arg(&renamed)
            .assert()
            .code(3)
            .stderr(predicate::str::contains(format!("required column(s) missing: {from}")));
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "the ledger is byte for byte what it was");
    // A mapping that leaves a required column unmapped is refused the same way.
    let mapping = dir.path().join("m.toml");
    std::fs::write(&mapping, "[columns]\nencounter_id = \"encounter_id\"\n").unwrap();
    let renamed = dir.path().join("renamed-dob.csv");
    on(&db)
        .args(["import", "--mapping"])
        .arg(&mapping)
        .arg(&renamed)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("patient_dob").and(predicate::str::contains("unmapped")));
}

#[test]
fn an_update_that_would_drop_diagnoses_is_refused_and_unknown_columns_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = practice_ledger(dir.path());
    on(&db).arg("import").arg(sample("encounters.csv")).assert().code(0);
    let text = std::fs::read_to_string(sample("encounters.csv")).unwrap();
    let header = text.lines().next().unwrap();
    let dx = header.split(',').position(|c| c == "diagnosis_codes").unwrap();
    // E1002's rows with the diagnoses emptied, and an extra column.
    let mut rows = format!("{header},chart_room\n");
    for line in text.lines().filter(|l| l.starts_with("E1002,")) {
        let mut fields: Vec<&str> = line.split(',').collect();
        fields[dx] = "";
        rows.push_str(&fields.join(","));
        rows.push_str(",B\n");
    }
    let file = dir.path().join("no-dx.csv");
    std::fs::write(&file, rows).unwrap();
    let out = on(&db).args(["--format", "json", "import"]).arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("E1002") && stderr.contains("would drop its diagnoses"), "{stderr}");
    assert!(stderr.contains("warning") && stderr.contains("chart_room"), "{stderr}");
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((summary[0]["updated"].as_i64(), summary[0]["conflicts"].as_i64()), (Some(0), Some(1)));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let kept: i64 = conn
        .query_row(
            "SELECT json_array_length(encounter_json, '$.diagnoses') FROM encounters WHERE id = 'E1002'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(kept > 0, "the stored diagnoses stay");
}

#[test]
fn import_dry_run_shows_what_would_change_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = practice_ledger(dir.path());
    let out = on(&db).args(["--format", "json", "import", "--dry-run"]).arg(sample("encounters.csv")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary[0]["new"], 68);
    assert_eq!(summary[0]["status"], "would import");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM encounters", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0);
    // Not even recorded as seen: the real import then imports it.
    let out = on(&db).args(["--format", "json", "import"]).arg(sample("encounters.csv")).output().unwrap();
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary[0]["new"], 68);
}

#[test]
fn print_mapping_writes_a_template_that_reads_the_export_once_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    let export = sample("mappings/legacy-pm.csv");
    let out = claimkit().args(["import", "--print-mapping"]).arg(&export).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let template = String::from_utf8(out.stdout).unwrap();
    assert!(template.contains("delimiter = \";\""), "{template}");
    assert!(template.contains("encounter_id = \"TICKET\"  # required"), "{template}");
    assert!(template.contains("procedure_code = \"PROC\"  # required"), "{template}");
    assert!(template.contains("diagnosis_codes = \"DIAGS\"  # required"), "{template}");
    // The export's own mapping has what the template leaves to the user (names, the date format).
    let db = practice_ledger(dir.path());
    let mapping = dir.path().join("legacy.toml");
    let filled = template
        .replace("patient_last = \"\"  # required: no column looks like it", "patient_last = \"LNAME\"")
        .replace("patient_first = \"\"  # required: no column looks like it", "patient_first = \"FNAME\"")
        .replace("# date_format = \"%m/%d/%Y\"", "date_format = \"%Y%m%d\"")
        .replace("[columns]", "[separators]\ndiagnosis_codes = \",\"\n[columns]");
    std::fs::write(&mapping, filled).unwrap();
    let out = on(&db).args(["--format", "json", "import", "--mapping"]).arg(&mapping).arg(&export).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary[0]["new"], 3);
}

/// An inbox with the sample exports and a config file beside the ledger that names it.
fn cron_setup(dir: &Path) -> (PathBuf, PathBuf) {
    let db = practice_ledger(dir);
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::copy(sample("encounters.csv"), inbox.join("encounters.csv")).unwrap();
    std::fs::write(dir.join("claimkit.toml"), "[nightly]\ninbox = \"inbox\"\noutbox = \"outbox\"\n").unwrap();
    (db, inbox)
}

fn nightly(db: &Path, args: &[&str]) -> std::process::Output {
    on(db).args(["--format", "json", "nightly", "--as-of", "2026-11-25"]).args(args).output().unwrap()
}

#[test]
fn nightly_exits_1_only_for_findings_the_last_run_did_not_have() {
    let dir = tempfile::tempdir().unwrap();
    let (db, inbox) = cron_setup(dir.path());
    // First night: 26 encounters held (the CSV export alone), all new.
    let first = nightly(&db, &[]);
    assert_eq!(first.status.code(), Some(1), "{}", String::from_utf8_lossy(&first.stderr));
    let summary: Value = serde_json::from_slice(&first.stdout).unwrap();
    let findings = summary["findings"].as_array().unwrap();
    assert_eq!(findings.iter().filter(|f| f["kind"] == "held encounter").count(), 26);
    assert!(findings.iter().all(|f| f["new"] == true));
    assert!(dir.path().join("outbox").read_dir().unwrap().count() > 0, "the config's outbox");
    // Second night, nothing new: the same encounters are still held, and that is not news.
    let second = nightly(&db, &[]);
    assert_eq!(second.status.code(), Some(0), "{}", String::from_utf8_lossy(&second.stdout));
    let summary: Value = serde_json::from_slice(&second.stdout).unwrap();
    let findings = summary["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 26);
    assert!(findings.iter().all(|f| f["new"] == false && f["since"] == "2026-11-25"));
    // With fail_on = any (option or config), old findings count too.
    assert_eq!(nightly(&db, &["--fail-on", "any"]).status.code(), Some(1));
    // Third night: a new export with one more defective encounter.
    let text = std::fs::read_to_string(sample("encounters.csv")).unwrap();
    let header = text.lines().next().unwrap();
    let e9001: Vec<String> =
        text.lines().filter(|l| l.starts_with("E9001,")).map(|l| l.replacen("E9001", "E9101", 1)).collect();
    std::fs::write(inbox.join("late.csv"), format!("{header}\n{}\n", e9001.join("\n"))).unwrap();
    let third = nightly(&db, &[]);
    assert_eq!(third.status.code(), Some(1));
    let summary: Value = serde_json::from_slice(&third.stdout).unwrap();
    let new: Vec<&str> = summary["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["new"] == true)
        .map(|f| f["reference"].as_str().unwrap())
        .collect();
    assert_eq!(new, ["E9101"]);
    // The table says which are new.
    let table = on(&db).args(["--wide", "nightly", "--as-of", "2026-11-25", "--fail-on", "any"]).output().unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("Findings (0 new, 27 already there after the last run)"), "{text}");
}

#[test]
fn nightly_reads_another_emrs_export_with_the_configs_mapping_for_its_pattern() {
    let dir = tempfile::tempdir().unwrap();
    let db = practice_ledger(dir.path());
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::copy(sample("mappings/athena-style.csv"), inbox.join("athena-2026-11-24.csv")).unwrap();
    std::fs::copy(sample("mappings/legacy-pm.csv"), inbox.join("legacy.csv")).unwrap();
    let config = dir.path().join("cron.toml");
    std::fs::write(
        &config,
        format!(
            "ledger = {:?}\n[nightly]\ninbox = \"inbox\"\noutbox = \"outbox\"\nmapping = {:?}\n\
             [[nightly.mappings]]\npattern = \"athena-*.csv\"\nmapping = {:?}\n",
            db.display().to_string(),
            sample("mappings/legacy-pm.toml").display().to_string(),
            sample("mappings/athena-style.toml").display().to_string()
        ),
    )
    .unwrap();
    let out = claimkit()
        .env("CLAIMKIT_CONFIG", &config)
        .args(["--format", "json", "nightly", "--as-of", "2026-11-25"])
        .output()
        .unwrap();
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["encounters_new"], 6, "{summary:#}");
    assert!(summary["files"].as_array().unwrap().iter().all(|f| f["result"] == "processed"), "{summary:#}");
    // --mapping on the command line for exports no pattern matches.
    let dir2 = tempfile::tempdir().unwrap();
    let db2 = practice_ledger(dir2.path());
    let inbox2 = dir2.path().join("inbox");
    std::fs::create_dir_all(&inbox2).unwrap();
    std::fs::copy(sample("mappings/legacy-pm.csv"), inbox2.join("legacy.csv")).unwrap();
    let out = on(&db2)
        .args(["--format", "json", "nightly", "--as-of", "2026-11-25", "--inbox"])
        .arg(&inbox2)
        .arg("--outbox")
        .arg(dir2.path().join("out"))
        .arg("--mapping")
        .arg(sample("mappings/legacy-pm.toml"))
        .output()
        .unwrap();
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["encounters_new"], 3, "{summary:#}");
}

#[test]
fn a_config_file_that_cannot_be_read_is_a_usage_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claimkit.toml");
    std::fs::write(&config, "[nightly]\nfail_on = \"sometimes\"\n").unwrap();
    claimkit()
        .arg("--config")
        .arg(&config)
        .args(["report", "summary"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("claimkit.toml:2"));
    claimkit()
        .arg("--config")
        .arg(dir.path().join("nope.toml"))
        .args(["report", "summary"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.toml"));
}

#[test]
fn progress_bars_count_whole_units_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = practice_ledger(dir.path());
    let sample_text = std::fs::read_to_string(sample("encounters.csv")).unwrap();
    let mut lines = sample_text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let mut csv = format!("{header}\n");
    for copy in 0..300 {
        for row in &rows {
            let (id, rest) = row.split_once(',').unwrap();
            csv.push_str(&format!("{id}-{copy},{rest}\n"));
        }
    }
    let file = dir.path().join("big.csv");
    std::fs::write(&file, csv).unwrap();
    let shown = in_terminal(120, &format!("{} --db {} import {}", quoted(&bin()), quoted(&db), quoted(&file)), &[]);
    let plain = without_ansi(&shown);
    assert!(plain.contains("encounters/s"), "a bar with its unit: {plain}");
    let rate = regex_like_rate(&plain);
    assert!(rate.iter().all(|r| !r.contains('.')), "whole numbers: {rate:?}");
}

/// Every "<number> encounters/s" shown.
fn regex_like_rate(text: &str) -> Vec<String> {
    text.match_indices(" encounters/s")
        .map(|(at, _)| {
            let before = &text[..at];
            let start = before.rfind(['(', ' ']).map_or(0, |i| i + 1);
            before[start..].to_string()
        })
        .collect()
}

#[test]
fn completions_man_page_and_help_examples() {
    for shell in ["bash", "zsh", "fish"] {
        claimkit().args(["completions", shell]).assert().code(0).stdout(predicate::str::contains("claimkit"));
    }
    claimkit()
        .arg("man")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(".ie").or(predicate::str::contains(".TH")));
    let demo = claimkit().args(["demo", "--help"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&demo.stdout).contains("--db"), "the demo keeps its own ledger");
    for command in [
        "inspect",
        "nightly",
        "demo",
        "report",
        "claim",
        "codes",
        "init",
        "import",
        "scrub",
        "build",
        "correct",
        "void",
        "ack",
        "simulate",
        "remit",
        "completions",
        "man",
    ] {
        let help = claimkit().args([command, "--help"]).output().unwrap();
        let text = String::from_utf8_lossy(&help.stdout);
        assert!(text.contains("Example"), "{command} --help has an example:\n{text}");
    }
    let top = claimkit().arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&top.stdout).contains("CLAIMKIT_TODAY"));
}
