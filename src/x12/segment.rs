//! One segment, borrowed from the reader's buffer: `NM1*IL*1*DOE*JANE****MI*W123456789`.
//! Elements are numbered from 1 as in the implementation guides (`NM103` is `element(3)`);
//! element 0 is the segment ID.

use std::borrow::Cow;

use super::Position;

/// The four separators an `ISA` header declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separators {
    pub element: u8,
    /// ISA11 in 005010; `None` where ISA11 is a letter (the 004010 "U" standards ID).
    pub repetition: Option<u8>,
    pub component: u8,
    pub segment: u8,
}

impl Default for Separators {
    /// The separators most trading partners use: `*`, `^`, `:` and `~`.
    fn default() -> Self {
        Separators { element: b'*', repetition: Some(b'^'), component: b':', segment: b'~' }
    }
}

impl Separators {
    /// True when `byte` is one of the four separators and so cannot appear inside an element.
    pub fn is_separator(&self, byte: u8) -> bool {
        byte == self.element || byte == self.component || byte == self.segment || Some(byte) == self.repetition
    }
}

/// A segment: its ID and elements, as bytes borrowed from the input.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    raw: &'a [u8],
    seps: Separators,
    pos: Position,
}

impl<'a> Segment<'a> {
    /// Wraps the bytes of one segment (without its terminator).
    pub fn new(raw: &'a [u8], seps: Separators, pos: Position) -> Self {
        Segment { raw, seps, pos }
    }

    /// The segment's bytes without the terminator.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    pub fn separators(&self) -> Separators {
        self.seps
    }

    /// Segment number (1-based, counted from the start of the file) and byte offset.
    pub fn position(&self) -> Position {
        self.pos
    }

    /// The segment ID (`CLM`, `SV1`, ...). Validated by the reader: 2-3 upper-case ASCII letters/digits.
    pub fn id(&self) -> &'a str {
        let end = memchr::memchr(self.seps.element, self.raw).unwrap_or(self.raw.len());
        std::str::from_utf8(&self.raw[..end]).unwrap_or("")
    }

    /// True when the ID is `id`.
    pub fn is(&self, id: &str) -> bool {
        self.id() == id
    }

    /// Number of elements after the ID (trailing empty elements are normally omitted by senders).
    pub fn element_count(&self) -> usize {
        memchr::memchr_iter(self.seps.element, self.raw).count()
    }

    /// Element `n` (1-based) as raw bytes; empty when absent.
    pub fn element(&self, n: usize) -> &'a [u8] {
        self.elements().nth(n).unwrap_or(&[])
    }

    /// Element `n` as text (borrowed when it is valid UTF-8, which X12 data nearly always is).
    pub fn text(&self, n: usize) -> Cow<'a, str> {
        String::from_utf8_lossy(self.element(n))
    }

    /// Element `n` as text with surrounding spaces removed (`ISA06` is space-padded).
    pub fn trimmed(&self, n: usize) -> String {
        self.text(n).trim().to_string()
    }

    /// Element `n` or `None` when it is absent or empty.
    pub fn get(&self, n: usize) -> Option<Cow<'a, str>> {
        let e = self.element(n);
        if e.is_empty() { None } else { Some(String::from_utf8_lossy(e)) }
    }

    /// All elements, starting with the ID as element 0.
    pub fn elements(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let sep = self.seps.element;
        self.raw.split(move |b| *b == sep)
    }

    /// Component `k` (1-based) of composite element `n`: `SV101-2` is `component(1, 2)`.
    pub fn component(&self, n: usize, k: usize) -> &'a [u8] {
        if k == 0 {
            return &[];
        }
        self.components(n).nth(k - 1).unwrap_or(&[])
    }

    /// Component `k` of element `n` as text.
    pub fn component_text(&self, n: usize, k: usize) -> Cow<'a, str> {
        String::from_utf8_lossy(self.component(n, k))
    }

    /// The components of element `n` (a simple element yields itself).
    pub fn components(&self, n: usize) -> impl Iterator<Item = &'a [u8]> + 'a {
        let c = self.seps.component;
        self.element(n).split(move |b| *b == c)
    }

    /// The repetitions of element `n` (one, when the interchange declares no repetition separator).
    pub fn repetitions(&self, n: usize) -> Vec<&'a [u8]> {
        let e = self.element(n);
        match self.seps.repetition {
            Some(r) => e.split(|b| *b == r).collect(),
            None => vec![e],
        }
    }
}

/// Reads an X12 decimal (data type R) written as a plain number: an optional minus, digits and
/// an optional decimal point, a leading point allowed (`80`, `-5.00`, `.5`). Surrounding spaces
/// are ignored; anything else (an exponent, a plus sign, a thousands separator, nothing) is not
/// a decimal. The scale is kept as written.
pub fn parse_decimal(text: &str) -> Option<rust_decimal::Decimal> {
    let t = text.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    let plain = digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|b| *b == b'.').count() <= 1
        && digits.bytes().any(|b| b.is_ascii_digit());
    if !plain {
        return None;
    }
    let fixed: std::borrow::Cow<'_, str> = match (t.strip_prefix("-."), t.strip_prefix('.')) {
        (Some(rest), _) => format!("-0.{rest}").into(),
        (_, Some(rest)) => format!("0.{rest}").into(),
        _ => t.into(),
    };
    std::str::FromStr::from_str(&fixed).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_as_written_and_only_plain_numbers() {
        use rust_decimal::Decimal;
        for (text, mantissa, scale) in [
            ("80", 80, 0),
            ("80.00", 8000, 2),
            ("-5.00", -500, 2),
            ("0012.50", 1250, 2),
            (" 7 ", 7, 0),
            (".5", 5, 1),
            ("-.5", -5, 1),
            ("132.005", 132005, 3),
            ("5.", 5, 0),
        ] {
            assert_eq!(parse_decimal(text), Some(Decimal::new(mantissa, scale)), "{text}");
        }
        for text in ["", " ", "-", ".", "1e2", "+5", "1,000", "5.0.0", "--5", "x", "٣"] {
            assert_eq!(parse_decimal(text), None, "{text}");
        }
    }

    fn seg(s: &str) -> Segment<'_> {
        Segment::new(s.as_bytes(), Separators::default(), Position::default())
    }

    #[test]
    fn elements_are_numbered_from_one_like_the_guides() {
        let s = seg("NM1*IL*1*DOE*JANE****MI*W123");
        assert_eq!(s.id(), "NM1");
        assert_eq!(s.text(1), "IL");
        assert_eq!(s.text(3), "DOE");
        assert_eq!(s.text(5), "");
        assert_eq!(s.text(9), "W123");
        assert_eq!(s.text(10), "");
        assert_eq!(s.get(5), None);
        assert_eq!(s.element_count(), 9);
    }

    #[test]
    fn composites_split_on_the_component_separator() {
        let s = seg("SV1*HC:99213:25*125*UN*1***1:2");
        assert_eq!(s.component_text(1, 1), "HC");
        assert_eq!(s.component_text(1, 2), "99213");
        assert_eq!(s.component_text(1, 3), "25");
        assert_eq!(s.component_text(1, 4), "");
        assert_eq!(s.components(7).count(), 2);
        assert_eq!(s.component(1, 0), b"");
    }

    #[test]
    fn repetitions_need_a_repetition_separator() {
        let s = seg("HI*ABK:E119^ABF:I10");
        assert_eq!(s.repetitions(1).len(), 2);
        let old = Segment::new(
            b"HI*ABK:E119^ABF:I10",
            Separators { repetition: None, ..Separators::default() },
            Position::default(),
        );
        assert_eq!(old.repetitions(1).len(), 1);
    }
}
