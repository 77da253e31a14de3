//! `claimkit.toml`: where the ledger and the nightly run's folders are, which column mapping reads
//! which EMR export, tolerances, report defaults and when `nightly` exits 1.
//!
//! claimkit looks for it, in order: `--config FILE`, `CLAIMKIT_CONFIG`, then `claimkit.toml` in the
//! ledger's directory. Relative paths in it are relative to the file's own directory. Options given
//! on the command line win over the file.
//!
//! ```toml
//! ledger = "claimkit.db"
//!
//! [nightly]
//! inbox = "inbox"
//! outbox = "outbox"
//! archive = "archive"
//! fail_on = "new"                 # "new": exit 1 only for findings the last run did not have; "any"
//! mapping = "mappings/emr.toml"   # CSV exports that match no pattern below
//!
//! [[nightly.mappings]]            # the first pattern matching the file name wins
//! pattern = "athena-*.csv"
//! mapping = "mappings/athena-style.toml"
//!
//! [tolerances]
//! underpayment = "1.00"           # a line paid this much (or less) below contract is not underpaid
//!
//! [report]
//! no_response_days = 30           # worklist: claims without any answer after this many days
//! ```

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Deserialize;

/// The file name looked for beside the ledger.
pub const FILE_NAME: &str = "claimkit.toml";

/// A config file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config {file}: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("config {file}:{line}: {message}")]
    Invalid { file: String, line: usize, message: String },
}

/// When `nightly` exits 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Only for findings the previous run did not have (the default: cron mails a new problem once).
    #[default]
    New,
    /// For every finding, old or new.
    Any,
}

/// A parsed `claimkit.toml`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The ledger database.
    #[serde(default)]
    pub ledger: Option<PathBuf>,
    #[serde(default)]
    pub nightly: NightlyConfig,
    #[serde(default)]
    pub tolerances: Tolerances,
    #[serde(default)]
    pub report: ReportDefaults,
    /// The file it was read from (empty when built in code).
    #[serde(skip)]
    pub path: PathBuf,
}

/// `[nightly]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NightlyConfig {
    #[serde(default)]
    pub inbox: Option<PathBuf>,
    #[serde(default)]
    pub outbox: Option<PathBuf>,
    #[serde(default)]
    pub archive: Option<PathBuf>,
    #[serde(default)]
    pub fail_on: Option<FailOn>,
    /// The mapping for CSV exports no pattern matches.
    #[serde(default)]
    pub mapping: Option<PathBuf>,
    #[serde(default)]
    pub mappings: Vec<InboxMapping>,
}

/// `[[nightly.mappings]]`: inbox files whose name matches `pattern` (`*` any run of characters,
/// `?` one) are read with `mapping`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InboxMapping {
    pub pattern: String,
    pub mapping: PathBuf,
}

/// `[tolerances]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tolerances {
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub underpayment: Option<Decimal>,
}

/// `[report]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReportDefaults {
    #[serde(default)]
    pub no_response_days: Option<i64>,
}

impl Config {
    /// Reads and checks `path`; relative paths inside become relative to its directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { file: path.display().to_string(), source })?;
        let mut config = Config::parse(&text, &path.display().to_string())?;
        let dir = path.parent().unwrap_or(Path::new(""));
        config.resolve_paths(dir);
        config.path = path.to_path_buf();
        Ok(config)
    }

    /// Parses the TOML text of a config (`file` names it in errors).
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let line_of = |offset: usize| 1 + text[..offset.min(text.len())].matches('\n').count();
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            file: file.to_string(),
            line: e.span().map_or(1, |s| line_of(s.start)),
            message: e.message().to_string(),
        })?;
        if let Some(days) = config.report.no_response_days
            && days < 0
        {
            return Err(ConfigError::Invalid {
                file: file.into(),
                line: text.lines().position(|l| l.contains("no_response_days")).map_or(1, |i| i + 1),
                message: "no_response_days cannot be negative".into(),
            });
        }
        Ok(config)
    }

    fn resolve_paths(&mut self, dir: &Path) {
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        let n = &mut self.nightly;
        for p in [&mut self.ledger, &mut n.inbox, &mut n.outbox, &mut n.archive, &mut n.mapping].into_iter().flatten() {
            resolve(p);
        }
        for m in &mut n.mappings {
            resolve(&mut m.mapping);
        }
    }
}

/// True when a file name matches a pattern of literal characters, `*` (any run) and `?` (one).
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Classic two-pointer glob match with backtracking to the last `*`.
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_config_reads_and_paths_are_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(
            &path,
            r#"ledger = "billing.db"
[nightly]
inbox = "in"
outbox = "/srv/out"
fail_on = "any"
[[nightly.mappings]]
pattern = "athena-*.csv"
mapping = "m/athena.toml"
[tolerances]
underpayment = "2.50"
[report]
no_response_days = 45
"#,
        )
        .unwrap();
        let c = Config::load(&path).unwrap();
        assert_eq!(c.ledger, Some(dir.path().join("billing.db")));
        assert_eq!(c.nightly.inbox, Some(dir.path().join("in")));
        assert_eq!(c.nightly.outbox, Some(PathBuf::from("/srv/out")));
        assert_eq!(c.nightly.fail_on, Some(FailOn::Any));
        assert_eq!(c.nightly.mappings[0].mapping, dir.path().join("m/athena.toml"));
        assert_eq!(c.tolerances.underpayment, Some(Decimal::new(250, 2)));
        assert_eq!(c.report.no_response_days, Some(45));
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_line() {
        let err = Config::parse("ledger = \"a.db\"\n[nightly]\nfail_on = \"sometimes\"\n", "c.toml").unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { line: 3, .. }), "{err}");
        let err = Config::parse("\n[report]\nno_response = 3\n", "c.toml").unwrap_err();
        assert!(err.to_string().starts_with("config c.toml:3:"), "{err}");
    }

    #[test]
    fn patterns_match_whole_names() {
        assert!(name_matches("athena-*.csv", "athena-2026-11-25.csv"));
        assert!(name_matches("*.csv", "x.csv") && name_matches("*", "anything"));
        assert!(name_matches("day-??.csv", "day-01.csv") && !name_matches("day-??.csv", "day-1.csv"));
        assert!(!name_matches("athena-*.csv", "legacy-athena-1.csv"));
        assert!(!name_matches("*.csv", "x.csv.part"));
    }
}
