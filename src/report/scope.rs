//! What a report covers: a date range (on the date of service, or the payment date for
//! remittance reports), one payer or all, and the "as of" date ages are counted to.

use chrono::NaiveDate;

/// Filters every ledger report accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportScope {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub payer: Option<String>,
    /// Ages and "days without response" are counted to this date.
    pub as_of: NaiveDate,
}

impl ReportScope {
    /// Everything, as of `as_of`.
    pub fn all(as_of: NaiveDate) -> Self {
        ReportScope { from: None, to: None, payer: None, as_of }
    }

    /// One line for the report header.
    pub fn describe(&self) -> String {
        let period = match (self.from, self.to) {
            (Some(f), Some(t)) => format!("{f} to {t}"),
            (Some(f), None) => format!("from {f}"),
            (None, Some(t)) => format!("up to {t}"),
            (None, None) => "all dates".into(),
        };
        let payer = self.payer.as_deref().map_or("all payers".to_string(), |p| format!("payer {p}"));
        format!("{period}, {payer}, as of {}", self.as_of)
    }

    /// True when `date` is inside the range.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| date >= f) && self.to.is_none_or(|t| date <= t)
    }

    /// True when the payer filter lets `payer` through.
    pub fn includes_payer(&self, payer: &str) -> bool {
        self.payer.as_deref().is_none_or(|p| p == payer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn scope_filters_dates_inclusively_and_payers_exactly() {
        let d = |s: &str| NaiveDate::from_str(s).unwrap();
        let scope = ReportScope {
            from: Some(d("2026-10-01")),
            to: Some(d("2026-10-31")),
            payer: Some("MCRB1".into()),
            as_of: d("2026-11-25"),
        };
        assert!(scope.covers(d("2026-10-01")) && scope.covers(d("2026-10-31")));
        assert!(!scope.covers(d("2026-11-01")));
        assert!(scope.includes_payer("MCRB1") && !scope.includes_payer("ACME1"));
        assert_eq!(scope.describe(), "2026-10-01 to 2026-10-31, payer MCRB1, as of 2026-11-25");
    }
}
