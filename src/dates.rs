//! Calendar dates as claimkit reads and writes them, by hand: X12 carries them as `CCYYMMDD`
//! (D8) and the ledger and stored encounters as ISO `CCYY-MM-DD`. A build or a posting reads and
//! writes several per claim, where chrono's general format machinery costs more than the rest of
//! the claim's fields together; anything outside the plain four-digit-year shapes goes to chrono.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// `CCYYMMDD` (exactly eight digits), as chrono's `%Y%m%d` reads it.
pub fn parse_ccyymmdd(s: &str) -> Option<NaiveDate> {
    parse_ccyymmdd_bytes(s.as_bytes())
}

/// [`parse_ccyymmdd`] of an element's bytes.
pub fn parse_ccyymmdd_bytes(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(&b[0..4]) as i32, digits(&b[4..6]), digits(&b[6..8]))
}

/// An ISO date (`2026-11-02`), as chrono's `NaiveDate::from_str` reads it.
pub fn parse_iso(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let plain = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0..4, 5..7, 8..10].into_iter().all(|r| b[r].iter().all(u8::is_ascii_digit));
    if !plain {
        return NaiveDate::from_str(s).ok();
    }
    NaiveDate::from_ymd_opt(digits(&b[0..4]) as i32, digits(&b[5..7]), digits(&b[8..10]))
}

fn digits(b: &[u8]) -> u32 {
    b.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
}

/// A date written out without allocating: `CCYYMMDD` ([`d8`]) or `CCYY-MM-DD` ([`iso`]); the
/// default is empty (no date).
#[derive(Clone, Copy, Default)]
pub struct DateText {
    buf: [u8; 10],
    len: u8,
}

impl DateText {
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and '-' are ever written.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::ops::Deref for DateText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for DateText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for DateText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// `d` as X12 writes it (D8, `%Y%m%d`). A year outside 0..=9999 has no D8 form; it is written as
/// chrono would (`+10000...`), which a validator then rejects.
pub fn d8(d: NaiveDate) -> DateText {
    write(d, false)
}

/// `d` as the ledger stores it (`%Y-%m-%d`, chrono's `Display`).
pub fn iso(d: NaiveDate) -> DateText {
    write(d, true)
}

fn write(d: NaiveDate, dashes: bool) -> DateText {
    let mut buf = [0u8; 10];
    let year = d.year();
    if !(0..=9999).contains(&year) {
        // Never seen in billing: chrono's own text, cut to what fits.
        let text = if dashes { d.to_string() } else { d.format("%Y%m%d").to_string() };
        let n = text.len().min(buf.len());
        buf[..n].copy_from_slice(&text.as_bytes()[..n]);
        return DateText { buf, len: n as u8 };
    }
    let mut len = 0;
    for (value, width) in [(year as u32, 4), (d.month(), 2), (d.day(), 2)] {
        if dashes && len > 0 {
            buf[len] = b'-';
            len += 1;
        }
        let mut v = value;
        for k in (0..width).rev() {
            buf[len + k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        len += width;
    }
    DateText { buf, len: len as u8 }
}

/// serde helpers for stored encounters' dates: read with [`parse_iso`], written as chrono writes
/// them. `#[serde(deserialize_with = "crate::dates::serde_iso::date")]`, or `optional_date` (with
/// `#[serde(default)]`) for an `Option<NaiveDate>`.
pub mod serde_iso {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, de::Error};

    pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse_iso(&s).ok_or_else(|| D::Error::custom(format!("{s:?} is not a date (YYYY-MM-DD)")))
    }

    pub fn optional_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match <Option<std::borrow::Cow<'de, str>>>::deserialize(d)? {
            None => Ok(None),
            Some(s) => super::parse_iso(&s)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("{s:?} is not a date (YYYY-MM-DD)"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<NaiveDate> {
        let mut v: Vec<NaiveDate> = [(2026, 11, 2), (2024, 2, 29), (1, 1, 1), (0, 1, 1), (9999, 12, 31), (1950, 10, 9)]
            .into_iter()
            .map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
            .collect();
        v.push(NaiveDate::from_ymd_opt(10000, 1, 1).unwrap());
        v.push(NaiveDate::from_ymd_opt(-5, 3, 4).unwrap());
        v
    }

    #[test]
    fn written_dates_are_chronos_text() {
        for d in samples() {
            if (0..=9999).contains(&d.year()) {
                assert_eq!(iso(d).as_str(), d.to_string(), "{d:?}");
                assert_eq!(d8(d).as_str(), d.format("%Y%m%d").to_string(), "{d:?}");
            } else {
                // No plain form: chrono's text as far as it fits, never a valid-looking date.
                assert!(iso(d).as_str().starts_with(&d.to_string()[..1]), "{d:?}");
            }
        }
    }

    #[test]
    fn iso_dates_are_read_like_chrono_reads_them() {
        for s in [
            "2026-11-02",
            "2024-02-29",
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "0000-01-01",
            "9999-12-31",
            "2026-1-02",
            "2026-11-2",
            "+12026-11-02",
            "2026-11-02x",
            "20261102",
            "2026-1a-02",
            "",
        ] {
            assert_eq!(parse_iso(s), NaiveDate::from_str(s).ok(), "{s}");
        }
    }

    #[test]
    fn ccyymmdd_dates_are_read_like_chrono_reads_them() {
        for s in [
            "20261102",
            "20240229",
            "20250229",
            "20261301",
            "20260001",
            "20260100",
            "20261231",
            "00000101",
            "99991231",
            "2026110",
            "202611021",
            "2026-1-1",
            "2026110x",
            "",
        ] {
            let chrono = NaiveDate::parse_from_str(s, "%Y%m%d").ok().filter(|_| s.len() == 8);
            assert_eq!(parse_ccyymmdd(s), chrono, "{s}");
        }
    }

    #[test]
    fn stored_dates_deserialize_and_a_bad_one_is_an_error() {
        #[derive(serde::Deserialize)]
        struct Row {
            #[serde(deserialize_with = "serde_iso::date")]
            on: NaiveDate,
            #[serde(default, deserialize_with = "serde_iso::optional_date")]
            to: Option<NaiveDate>,
        }
        let r: Row = serde_json::from_str(r#"{"on":"2026-11-02","to":null}"#).unwrap();
        assert_eq!((r.on, r.to), (NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(), None));
        let r: Row = serde_json::from_str(r#"{"on":"2026-11-02"}"#).unwrap();
        assert_eq!(r.to, None);
        let r: Row = serde_json::from_str(r#"{"on":"2026-11-02","to":"2026-11-03"}"#).unwrap();
        assert_eq!(r.to, NaiveDate::from_ymd_opt(2026, 11, 3));
        assert!(serde_json::from_str::<Row>(r#"{"on":"2026-11-31"}"#).is_err());
        assert!(serde_json::from_str::<Row>(r#"{"on":"11/02/2026"}"#).is_err());
    }
}
