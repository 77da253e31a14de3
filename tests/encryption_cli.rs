//! Encryption at rest through the real binary: a ledger created with a key holds nothing readable
//! without it, runs the billing cycle as a plaintext one does, and is refused (untouched) without
//! its key or with a wrong one; `db encrypt`, `db rekey` and `db decrypt` convert a ledger in
//! place and every report reads the same afterwards.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use assert_cmd::Command;

const KEY: &str = "correct horse battery staple";
const OTHER_KEY: &str = "Tr0ub4dor&3 o'neil";

fn claimkit() -> Command {
    let mut cmd = Command::cargo_bin("claimkit").unwrap();
    cmd.env_remove("CLAIMKIT_DB")
        .env_remove("CLAIMKIT_DB_KEY")
        .env_remove("CLAIMKIT_DB_KEY_FILE")
        .env_remove("CLAIMKIT_DB_NEW_KEY")
        .env("CLAIMKIT_TODAY", "2026-11-25");
    cmd
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data").join(name)
}

/// A key file with `passphrase` and a trailing newline, mode 0600.
fn key_file(dir: &Path, name: &str, passphrase: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{passphrase}\n")).unwrap();
    set_mode(&path, 0o600);
    path
}

fn set_mode(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// Runs claimkit on `db` with `key` (a key file) and `args`; returns (exit code, stdout, stderr).
fn run(db: &Path, key: Option<&Path>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = claimkit();
    cmd.arg("--db").arg(db);
    if let Some(key) = key {
        cmd.arg("--db-key-file").arg(key);
    }
    let out = cmd.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(db: &Path, key: Option<&Path>, args: &[&str]) -> String {
    let (code, stdout, stderr) = run(db, key, args);
    assert!(code == 0 || code == 1, "claimkit {args:?} exited {code}: {stderr}");
    stdout
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The bytes and modification time of a file, to show a refusal left it alone.
fn snapshot(path: &Path) -> (Vec<u8>, SystemTime) {
    (std::fs::read(path).unwrap(), std::fs::metadata(path).unwrap().modified().unwrap())
}

fn only_file(dir: &Path, ext: &str) -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found.remove(0)
}

#[test]
fn an_encrypted_ledger_runs_the_cycle_and_shows_nothing_without_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("practice.db");
    let key = key_file(dir.path(), "ledger.key", KEY);
    let outbox = dir.path().join("outbox");
    let payer = dir.path().join("payer");

    ok(&db, Some(&key), &["init", "--practice", sample("practice.toml").to_str().unwrap()]);
    ok(&db, Some(&key), &["import", sample("encounters.csv").to_str().unwrap()]);
    ok(&db, Some(&key), &["build", "--out", outbox.to_str().unwrap()]);
    let claims = only_file(&outbox, "837");
    ok(&db, Some(&key), &["simulate", "--from", claims.to_str().unwrap(), "--out", payer.to_str().unwrap()]);
    let acks = [only_file(&payer, "999"), only_file(&payer, "277ca")];
    ok(&db, Some(&key), &["ack", acks[0].to_str().unwrap(), acks[1].to_str().unwrap()]);
    ok(&db, Some(&key), &["remit", only_file(&payer, "835").to_str().unwrap()]);
    let claims_report = ok(&db, Some(&key), &["--format", "csv", "report", "claims"]);
    assert!(claims_report.lines().count() > 30, "{claims_report}");
    assert!(claims_report.contains(",paid,"), "the 835 was posted: {claims_report}");

    // Nothing of it is readable in the file: no SQLite header, no patient names, no member IDs.
    let bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() > 100_000);
    assert!(!contains(&bytes, b"SQLite format 3\0"));
    for plaintext in [&b"Rivera"[..], b"4ME6UF1DA68", b"Springfield", b"encounters"] {
        assert!(!contains(&bytes, plaintext), "{} is readable in the ledger", String::from_utf8_lossy(plaintext));
    }
    for side in ["practice.db-wal", "practice.db-journal"] {
        let side = dir.path().join(side);
        assert!(!side.exists() || !contains(&std::fs::read(&side).unwrap(), b"Rivera"));
    }

    // Without the key, or with a wrong one: a clear refusal, exit 4, the file untouched.
    let before = snapshot(&db);
    let (code, _, stderr) = run(&db, None, &["report", "balance"]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("is encrypted") && stderr.contains("CLAIMKIT_DB_KEY"), "{stderr}");
    let wrong = key_file(dir.path(), "wrong.key", OTHER_KEY);
    let (code, _, stderr) = run(&db, Some(&wrong), &["import", sample("encounters.csv").to_str().unwrap()]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("does not open"), "{stderr}");
    assert!(!stderr.contains(OTHER_KEY));
    let (code, _, stderr) = claimkit()
        .arg("--db")
        .arg(&db)
        .env("CLAIMKIT_DB_KEY", OTHER_KEY)
        .args(["report", "balance"])
        .output()
        .map(|o| (o.status.code().unwrap(), (), String::from_utf8_lossy(&o.stderr).into_owned()))
        .unwrap();
    assert_eq!(code, 4, "{stderr}");
    assert!(!stderr.contains(OTHER_KEY));
    assert!(snapshot(&db) == before, "a refused open changed the ledger");

    // The key from the environment opens it as the key file does.
    let out = claimkit()
        .arg("--db")
        .arg(&db)
        .env("CLAIMKIT_DB_KEY", KEY)
        .args(["--format", "csv", "report", "claims"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), claims_report);
}

#[test]
fn db_encrypt_rekey_and_decrypt_keep_every_report_of_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("demo");
    let out = claimkit()
        .args(["--quiet", "--no-progress", "demo", "--as-of", "2026-11-25", "--dir"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let db = root.join("claimkit.db");
    let reports = |key: Option<&Path>| -> Vec<String> {
        ["balance", "summary", "claims", "reconciliation", "denials", "aging", "payers", "worklist"]
            .iter()
            .map(|name| ok(&db, key, &["--format", "csv", "report", name]))
            .collect()
    };
    let plaintext = reports(None);
    assert!(plaintext[2].lines().count() > 30);

    let key = key_file(dir.path(), "ledger.key", KEY);
    let (code, stdout, stderr) = run(&db, Some(&key), &["--format", "csv", "db", "encrypt"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("encrypted"), "{stdout}");
    let bytes = std::fs::read(&db).unwrap();
    assert!(!contains(&bytes, b"SQLite format 3\0") && !contains(&bytes, b"Rivera"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&db).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let leftovers: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(reports(Some(&key)), plaintext);

    // Encrypting again is refused: the ledger already has a key.
    let (code, _, stderr) = run(&db, Some(&key), &["db", "encrypt"]);
    assert_eq!(code, 4);
    assert!(stderr.contains("already encrypted") && stderr.contains("db rekey"), "{stderr}");

    // A new key: the old one no longer opens the ledger, the new one does.
    let new_key = key_file(dir.path(), "new.key", OTHER_KEY);
    let (code, _, stderr) = run(&db, Some(&key), &["db", "rekey", "--new-key-file", new_key.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(&db, Some(&key), &["report", "balance"]);
    assert_eq!(code, 4);
    assert!(stderr.contains("does not open"), "{stderr}");
    assert_eq!(reports(Some(&new_key)), plaintext);

    // Back to plaintext: a SQLite file again, opened without a key, the same reports.
    let (code, _, stderr) = run(&db, Some(&new_key), &["db", "decrypt"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read(&db).unwrap().starts_with(b"SQLite format 3\0"));
    assert_eq!(reports(None), plaintext);
}

#[test]
fn a_key_given_for_a_plaintext_ledger_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plain.db");
    ok(&db, None, &["init", "--practice", sample("practice.toml").to_str().unwrap()]);
    let before = snapshot(&db);
    let key = key_file(dir.path(), "ledger.key", KEY);
    let (code, _, stderr) = run(&db, Some(&key), &["report", "balance"]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("not encrypted") && stderr.contains("db encrypt"), "{stderr}");
    assert!(snapshot(&db) == before);
    // `db decrypt` and `db rekey` on it say the same.
    let (code, _, stderr) = run(&db, Some(&key), &["db", "decrypt"]);
    assert_eq!(code, 4);
    assert!(stderr.contains("not encrypted"), "{stderr}");
    assert!(snapshot(&db) == before);
}

#[test]
fn a_foreign_sqlite_file_stays_untouched_with_or_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("other-app.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x');")
        .unwrap();
    set_mode(&db, 0o600);
    let before = snapshot(&db);
    let key = key_file(dir.path(), "ledger.key", KEY);
    let (code, _, stderr) = run(&db, None, &["db", "encrypt"]);
    assert_eq!(code, 2, "no key given: {stderr}");
    let (code, _, stderr) = run(&db, Some(&key), &["db", "encrypt"]);
    assert_eq!(code, 4);
    assert!(stderr.contains("not a claimkit ledger"), "{stderr}");
    let (code, _, _) = run(&db, None, &["report", "balance"]);
    assert_eq!(code, 4);
    let (code, _, _) = run(&db, Some(&key), &["report", "balance"]);
    assert_eq!(code, 4);
    assert!(snapshot(&db) == before, "the foreign file changed");
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 3, "only the file, its lock and the key");
}

#[test]
fn a_key_file_others_can_read_is_refused_without_showing_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("practice.db");
    let key = key_file(dir.path(), "ledger.key", KEY);
    set_mode(&key, 0o644);
    let (code, stdout, stderr) = run(&db, Some(&key), &["init"]);
    if cfg!(unix) {
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("chmod 600"), "{stderr}");
        assert!(!db.exists(), "nothing is created with a key that protects nothing");
    }
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));
}

#[test]
fn the_key_in_the_environment_never_shows_in_help_or_errors() {
    let out = claimkit().env("CLAIMKIT_DB_KEY", KEY).args(["report", "--help"]).output().unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains(KEY));
    let dir = tempfile::tempdir().unwrap();
    let out = claimkit()
        .env("CLAIMKIT_DB_KEY", KEY)
        .arg("--db")
        .arg(dir.path().join("missing.db"))
        .args(["db", "rekey"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains(KEY), "{text}");
}
