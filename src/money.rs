//! Money: exact decimal amounts, never floating point.
//!
//! Amounts are `rust_decimal::Decimal` everywhere in claimkit. X12 carries them with at most two
//! places; the ledger's accounts receivable keep them as whole cents (`i64`), so that every
//! balance is an exact integer sum. An amount with more than two places is never rounded
//! silently: [`to_cents`] refuses it and the caller reports a finding.
//!
//! ```
//! use claimkit::money;
//! use rust_decimal::Decimal;
//! assert_eq!(money::to_cents(Decimal::new(12550, 2)), Some(12550));
//! assert_eq!(money::to_cents(Decimal::new(132005, 3)), None); // 132.005: not money
//! assert_eq!(money::text(money::from_cents(-705)), "-7.05");
//! ```

use rust_decimal::Decimal;

/// Whole cents of `d`, or `None` when `d` has a fraction of a cent (or does not fit).
pub fn to_cents(d: Decimal) -> Option<i64> {
    let cents = d.checked_mul(Decimal::ONE_HUNDRED)?;
    if cents.fract() != Decimal::ZERO {
        return None;
    }
    i64::try_from(cents.trunc().mantissa() / 10i128.pow(cents.trunc().scale())).ok()
}

/// The amount of `cents` whole cents, with two places.
pub fn from_cents(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// `d` as the ledger, CSV and JSON write money: two places, never `-0.00` (`d` is rounded to cents
/// half away from zero; amounts that reach here were checked to be whole cents).
pub fn text(d: Decimal) -> String {
    let mut r = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    if r.is_zero() {
        r = Decimal::ZERO;
    }
    r.rescale(2);
    r.to_string()
}

/// `cents` as [`text`] writes it.
pub fn cents_text(cents: i64) -> String {
    text(from_cents(cents))
}

/// `d` for people: `$1,234.50`, `-$7.05`.
pub fn display(d: Decimal) -> String {
    let t = text(d);
    let (sign, digits) = t.strip_prefix('-').map_or(("", t.as_str()), |rest| ("-", rest));
    let (whole, cents) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}${grouped}.{cents}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn cents_are_exact_and_sub_cent_amounts_are_refused() {
        assert_eq!(to_cents(d("110")), Some(11000));
        assert_eq!(to_cents(d("-0.05")), Some(-5));
        assert_eq!(to_cents(d("88.00")), Some(8800));
        assert_eq!(to_cents(d("88.000")), Some(8800));
        assert_eq!(to_cents(d("132.005")), None);
        assert_eq!(to_cents(d("1e-28")), None);
        assert_eq!(from_cents(12345), d("123.45"));
    }

    #[test]
    fn text_has_two_places_and_no_negative_zero() {
        assert_eq!(text(d("-0")), "0.00");
        assert_eq!(text(d("12.5")), "12.50");
        assert_eq!(text(d("-0.004")), "0.00");
        assert_eq!(text(d("12.345")), "12.35");
        assert_eq!(text(d("-12.345")), "-12.35");
        assert_eq!(cents_text(-705), "-7.05");
    }

    #[test]
    fn display_groups_thousands_with_a_dollar_sign() {
        assert_eq!(display(d("1234567.5")), "$1,234,567.50");
        assert_eq!(display(d("-7.05")), "-$7.05");
        assert_eq!(display(d("999")), "$999.00");
        assert_eq!(display(d("0")), "$0.00");
    }
}
