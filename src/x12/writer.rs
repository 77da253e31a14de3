//! The one place that writes X12. It owns the separators, pads the fixed-width `ISA`, refuses data
//! that contains a separator, drops trailing empty elements and components, and computes the
//! trailer counts (`SE01`, `GE01`, `IEA01`) and control-number echoes itself.
//!
//! ```
//! use claimkit::x12::{InterchangeHeader, GroupHeader, X12Writer};
//! let mut w = X12Writer::new(Vec::new());
//! w.begin_interchange(&InterchangeHeader::new("ZZ", "SUBMITTER", "ZZ", "CLEARINGHOUSE", "261125", "0930", 101, 'T')).unwrap();
//! w.begin_group(&GroupHeader::new("HC", "SUBMITTER", "CLEARINGHOUSE", "20261125", "0930", 101, "005010X222A1")).unwrap();
//! w.begin_transaction("837", "0001", "005010X222A1").unwrap();
//! w.segment("BHT", &["0019", "00", "B1", "20261125", "0930", "CH"]).unwrap();
//! w.end_transaction().unwrap();
//! w.end_group().unwrap();
//! let bytes = w.end_interchange().unwrap();
//! let text = String::from_utf8(bytes).unwrap();
//! assert!(text.contains("SE*3*0001~GE*1*101~IEA*1*000000101~"));
//! ```

use std::io::{self, Read, Write};

use super::{Segment, SegmentReader, Separators, X12Error};

/// Why a segment could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("write failed: {0}")]
    Io(#[from] io::Error),
    #[error("{segment}{element:02} contains a separator character; clean the data before building")]
    SeparatorInData { segment: String, element: usize },
    #[error("ISA{element:02} is {len} characters; at most {max} fit")]
    HeaderFieldTooLong { element: usize, len: usize, max: usize },
    #[error("{0}")]
    OutOfOrder(&'static str),
}

/// One element to write: plain text, or a composite written with the component separator.
#[derive(Debug, Clone)]
pub enum Element<'a> {
    Text(&'a str),
    Owned(String),
    Composite(Vec<&'a str>),
}

impl<'a> From<&'a str> for Element<'a> {
    fn from(s: &'a str) -> Self {
        Element::Text(s)
    }
}

impl<'a> From<&'a String> for Element<'a> {
    fn from(s: &'a String) -> Self {
        Element::Text(s)
    }
}

impl From<String> for Element<'_> {
    fn from(s: String) -> Self {
        Element::Owned(s)
    }
}

/// The `ISA` header's variable fields. Widths are checked when written.
#[derive(Debug, Clone, PartialEq)]
pub struct InterchangeHeader {
    pub authorization_qualifier: String,
    pub authorization: String,
    pub security_qualifier: String,
    pub security: String,
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    /// YYMMDD
    pub date: String,
    /// HHMM
    pub time: String,
    pub version: String,
    pub control_number: u64,
    pub ack_requested: bool,
    /// `T` test or `P` production.
    pub usage: char,
}

impl InterchangeHeader {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        sender_qualifier: &str,
        sender_id: &str,
        receiver_qualifier: &str,
        receiver_id: &str,
        date: &str,
        time: &str,
        control_number: u64,
        usage: char,
    ) -> Self {
        InterchangeHeader {
            authorization_qualifier: "00".into(),
            authorization: String::new(),
            security_qualifier: "00".into(),
            security: String::new(),
            sender_qualifier: sender_qualifier.into(),
            sender_id: sender_id.into(),
            receiver_qualifier: receiver_qualifier.into(),
            receiver_id: receiver_id.into(),
            date: date.into(),
            time: time.into(),
            version: "00501".into(),
            control_number,
            ack_requested: false,
            usage,
        }
    }

    /// The header of an `ISA` segment that was read.
    pub fn from_segment(seg: &Segment<'_>) -> Self {
        InterchangeHeader {
            authorization_qualifier: seg.trimmed(1),
            authorization: seg.trimmed(2),
            security_qualifier: seg.trimmed(3),
            security: seg.trimmed(4),
            sender_qualifier: seg.trimmed(5),
            sender_id: seg.trimmed(6),
            receiver_qualifier: seg.trimmed(7),
            receiver_id: seg.trimmed(8),
            date: seg.trimmed(9),
            time: seg.trimmed(10),
            version: seg.trimmed(12),
            control_number: seg.trimmed(13).parse().unwrap_or(0),
            ack_requested: seg.trimmed(14) == "1",
            usage: seg.trimmed(15).chars().next().unwrap_or('P'),
        }
    }
}

/// The `GS` header's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupHeader {
    pub functional_id: String,
    pub sender: String,
    pub receiver: String,
    /// CCYYMMDD
    pub date: String,
    /// HHMM
    pub time: String,
    pub control_number: u64,
    pub version: String,
}

impl GroupHeader {
    pub fn new(
        functional_id: &str,
        sender: &str,
        receiver: &str,
        date: &str,
        time: &str,
        control_number: u64,
        version: &str,
    ) -> Self {
        GroupHeader {
            functional_id: functional_id.into(),
            sender: sender.into(),
            receiver: receiver.into(),
            date: date.into(),
            time: time.into(),
            control_number,
            version: version.into(),
        }
    }

    pub fn from_segment(seg: &Segment<'_>) -> Self {
        GroupHeader {
            functional_id: seg.trimmed(1),
            sender: seg.trimmed(2),
            receiver: seg.trimmed(3),
            date: seg.trimmed(4),
            time: seg.trimmed(5),
            control_number: seg.trimmed(6).parse().unwrap_or(0),
            version: seg.trimmed(8),
        }
    }
}

#[derive(Debug, Default)]
struct Open {
    isa13: Option<u64>,
    groups: u64,
    gs06: Option<u64>,
    sets: u64,
    st02: Option<String>,
    segments: u64,
}

/// Writes segments to `out`, tracking envelopes so trailers are always right.
pub struct X12Writer<W: Write> {
    out: W,
    seps: Separators,
    line_breaks: bool,
    open: Open,
    line: Vec<u8>,
}

impl<W: Write> X12Writer<W> {
    /// A writer with the common separators `*` `^` `:` `~`.
    pub fn new(out: W) -> Self {
        Self::with_separators(out, Separators::default())
    }

    pub fn with_separators(out: W, seps: Separators) -> Self {
        X12Writer { out, seps, line_breaks: false, open: Open::default(), line: Vec::with_capacity(256) }
    }

    /// Puts a line feed after every segment terminator (easier to read; every receiver accepts it).
    pub fn line_breaks(mut self, on: bool) -> Self {
        self.line_breaks = on;
        self
    }

    pub fn separators(&self) -> Separators {
        self.seps
    }

    /// Segments written in the open transaction set so far, ST included.
    pub fn transaction_segments(&self) -> u64 {
        self.open.segments
    }

    fn check(&self, segment: &str, element: usize, text: &str) -> Result<(), WriteError> {
        if text.bytes().any(|b| self.seps.is_separator(b)) {
            return Err(WriteError::SeparatorInData { segment: segment.into(), element });
        }
        Ok(())
    }

    fn emit(&mut self) -> Result<(), WriteError> {
        self.line.push(self.seps.segment);
        if self.line_breaks {
            self.line.push(b'\n');
        }
        self.out.write_all(&self.line)?;
        self.line.clear();
        if self.open.st02.is_some() {
            self.open.segments += 1;
        }
        Ok(())
    }

    /// Writes a segment of simple elements.
    pub fn segment(&mut self, id: &str, elements: &[&str]) -> Result<(), WriteError> {
        let last = elements.iter().rposition(|e| !e.is_empty()).map_or(0, |i| i + 1);
        self.line.extend_from_slice(id.as_bytes());
        for (i, e) in elements[..last].iter().enumerate() {
            self.check(id, i + 1, e)?;
            self.line.push(self.seps.element);
            self.line.extend_from_slice(e.as_bytes());
        }
        self.emit()
    }

    /// Writes a segment whose elements may be composites.
    pub fn segment_elements(&mut self, id: &str, elements: &[Element<'_>]) -> Result<(), WriteError> {
        let is_empty = |e: &Element<'_>| match e {
            Element::Text(s) => s.is_empty(),
            Element::Owned(s) => s.is_empty(),
            Element::Composite(parts) => parts.iter().all(|p| p.is_empty()),
        };
        let last = elements.iter().rposition(|e| !is_empty(e)).map_or(0, |i| i + 1);
        self.line.extend_from_slice(id.as_bytes());
        for (i, e) in elements[..last].iter().enumerate() {
            self.line.push(self.seps.element);
            match e {
                Element::Text(s) => {
                    self.check(id, i + 1, s)?;
                    self.line.extend_from_slice(s.as_bytes());
                }
                Element::Owned(s) => {
                    self.check(id, i + 1, s)?;
                    self.line.extend_from_slice(s.as_bytes());
                }
                Element::Composite(parts) => {
                    let used = parts.iter().rposition(|p| !p.is_empty()).map_or(0, |i| i + 1);
                    for (k, p) in parts[..used].iter().enumerate() {
                        self.check(id, i + 1, p)?;
                        if k > 0 {
                            self.line.push(self.seps.component);
                        }
                        self.line.extend_from_slice(p.as_bytes());
                    }
                }
            }
        }
        self.emit()
    }

    /// Writes the `ISA` header with every field padded to its fixed width.
    pub fn begin_interchange(&mut self, h: &InterchangeHeader) -> Result<(), WriteError> {
        if self.open.isa13.is_some() {
            return Err(WriteError::OutOfOrder("an interchange is already open"));
        }
        let fixed = |n: usize, s: &str, width: usize| -> Result<String, WriteError> {
            if s.len() > width {
                return Err(WriteError::HeaderFieldTooLong { element: n, len: s.len(), max: width });
            }
            Ok(format!("{s:<width$}"))
        };
        if h.control_number > 999_999_999 {
            return Err(WriteError::HeaderFieldTooLong { element: 13, len: 10, max: 9 });
        }
        let fields = [
            fixed(1, &h.authorization_qualifier, 2)?,
            fixed(2, &h.authorization, 10)?,
            fixed(3, &h.security_qualifier, 2)?,
            fixed(4, &h.security, 10)?,
            fixed(5, &h.sender_qualifier, 2)?,
            fixed(6, &h.sender_id, 15)?,
            fixed(7, &h.receiver_qualifier, 2)?,
            fixed(8, &h.receiver_id, 15)?,
            fixed(9, &h.date, 6)?,
            fixed(10, &h.time, 4)?,
            (self.seps.repetition.unwrap_or(b'U') as char).to_string(),
            fixed(12, &h.version, 5)?,
            format!("{:09}", h.control_number),
            if h.ack_requested { "1" } else { "0" }.to_string(),
            h.usage.to_string(),
            (self.seps.component as char).to_string(),
        ];
        self.line.extend_from_slice(b"ISA");
        for (i, f) in fields.iter().enumerate() {
            if i != 10 && i != 15 {
                self.check("ISA", i + 1, f)?;
            }
            self.line.push(self.seps.element);
            self.line.extend_from_slice(f.as_bytes());
        }
        self.emit()?;
        self.open.isa13 = Some(h.control_number);
        self.open.groups = 0;
        Ok(())
    }

    pub fn begin_group(&mut self, g: &GroupHeader) -> Result<(), WriteError> {
        if self.open.isa13.is_none() || self.open.gs06.is_some() {
            return Err(WriteError::OutOfOrder("GS needs an open interchange and no open group"));
        }
        let control = g.control_number.to_string();
        self.segment("GS", &[&g.functional_id, &g.sender, &g.receiver, &g.date, &g.time, &control, "X", &g.version])?;
        self.open.gs06 = Some(g.control_number);
        self.open.sets = 0;
        self.open.groups += 1;
        Ok(())
    }

    pub fn begin_transaction(&mut self, id: &str, control: &str, implementation: &str) -> Result<(), WriteError> {
        if self.open.gs06.is_none() || self.open.st02.is_some() {
            return Err(WriteError::OutOfOrder("ST needs an open group and no open transaction set"));
        }
        self.open.st02 = Some(control.to_string());
        self.open.segments = 0;
        self.segment("ST", &[id, control, implementation])?;
        self.open.sets += 1;
        Ok(())
    }

    /// Writes `SE` with the segment count and the ST02 echo.
    pub fn end_transaction(&mut self) -> Result<(), WriteError> {
        let Some(st02) = self.open.st02.clone() else {
            return Err(WriteError::OutOfOrder("SE without an open transaction set"));
        };
        let count = (self.open.segments + 1).to_string();
        self.segment("SE", &[&count, &st02])?;
        self.open.st02 = None;
        Ok(())
    }

    /// Writes `GE` with the transaction-set count and the GS06 echo.
    pub fn end_group(&mut self) -> Result<(), WriteError> {
        if self.open.st02.is_some() {
            return Err(WriteError::OutOfOrder("GE while a transaction set is open"));
        }
        let Some(gs06) = self.open.gs06 else {
            return Err(WriteError::OutOfOrder("GE without an open group"));
        };
        let (sets, gs06) = (self.open.sets.to_string(), gs06.to_string());
        self.segment("GE", &[&sets, &gs06])?;
        self.open.gs06 = None;
        Ok(())
    }

    /// Writes `IEA` and hands back the output.
    pub fn end_interchange(mut self) -> Result<W, WriteError> {
        self.close_interchange()?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Writes `IEA` and keeps the writer for another interchange.
    pub fn close_interchange(&mut self) -> Result<(), WriteError> {
        if self.open.gs06.is_some() {
            return Err(WriteError::OutOfOrder("IEA while a group is open"));
        }
        let Some(isa13) = self.open.isa13 else {
            return Err(WriteError::OutOfOrder("IEA without an open interchange"));
        };
        let (groups, isa13) = (self.open.groups.to_string(), format!("{isa13:09}"));
        self.segment("IEA", &[&groups, &isa13])?;
        self.open.isa13 = None;
        Ok(())
    }

    /// Writes a segment that was read (possibly with other separators) with this writer's
    /// separators. Envelope segments are re-created so their counts are this writer's own.
    pub fn copy_segment(&mut self, seg: &Segment<'_>) -> Result<(), WriteError> {
        match seg.id() {
            "ISA" => self.begin_interchange(&InterchangeHeader::from_segment(seg)),
            "GS" => self.begin_group(&GroupHeader::from_segment(seg)),
            "ST" => self.begin_transaction(&seg.trimmed(1), &seg.trimmed(2), &seg.trimmed(3)),
            "SE" => self.end_transaction(),
            "GE" => self.end_group(),
            "IEA" => self.close_interchange(),
            id => {
                let src = seg.separators();
                let mut elements: Vec<String> = Vec::new();
                for e in seg.elements().skip(1) {
                    let reps: Vec<&[u8]> = match src.repetition {
                        Some(r) => e.split(|b| *b == r).collect(),
                        None => vec![e],
                    };
                    let mut text = Vec::with_capacity(e.len());
                    for (ri, rep) in reps.iter().enumerate() {
                        if ri > 0 {
                            text.push(self.seps.repetition.unwrap_or(b'^'));
                        }
                        for (ci, comp) in rep.split(|b| *b == src.component).enumerate() {
                            if ci > 0 {
                                text.push(self.seps.component);
                            }
                            if comp.iter().any(|b| self.seps.is_separator(*b)) {
                                return Err(WriteError::SeparatorInData {
                                    segment: id.into(),
                                    element: elements.len() + 1,
                                });
                            }
                            text.extend_from_slice(comp);
                        }
                    }
                    elements.push(String::from_utf8_lossy(&text).into_owned());
                }
                self.line.extend_from_slice(id.as_bytes());
                let last = elements.iter().rposition(|e| !e.is_empty()).map_or(0, |i| i + 1);
                for e in &elements[..last] {
                    self.line.push(self.seps.element);
                    self.line.extend_from_slice(e.as_bytes());
                }
                self.emit()
            }
        }
    }
}

/// Reads every segment of `input` and writes it again with `writer`'s separators.
pub fn rewrite<R: Read, W: Write>(input: R, writer: &mut X12Writer<W>) -> Result<u64, RewriteError> {
    let mut reader = SegmentReader::new(input);
    while let Some(seg) = reader.next_segment()? {
        writer.copy_segment(&seg)?;
    }
    Ok(reader.segments_read())
}

/// Failure of [`rewrite`].
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    #[error(transparent)]
    Read(#[from] X12Error),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Formats an amount or quantity as X12 wants it: no trailing zeros, no exponent (`143.50` → `143.5`).
pub fn x12_decimal(d: rust_decimal::Decimal) -> String {
    let n = d.normalize();
    let (mantissa, scale) = (n.mantissa(), n.scale() as usize);
    if n.is_zero() || n.is_sign_negative() || mantissa > i128::from(u64::MAX) {
        return n.to_string();
    }
    // Written by hand: every amount and quantity of every claim comes through here.
    let mut digits = [0u8; 40];
    let mut len = 0;
    let mut m = mantissa as u64;
    while m > 0 || len <= scale {
        if len == scale && scale > 0 {
            digits[len] = b'.';
            len += 1;
        }
        digits[len] = b'0' + (m % 10) as u8;
        len += 1;
        m /= 10;
    }
    digits[..len].iter().rev().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x12_amounts_drop_trailing_zeros() {
        use rust_decimal::Decimal;
        assert_eq!(x12_decimal(Decimal::new(14350, 2)), "143.5");
        assert_eq!(x12_decimal(Decimal::new(12500, 2)), "125");
        assert_eq!(x12_decimal(Decimal::new(0, 2)), "0");
    }

    #[test]
    fn x12_decimals_are_rust_decimals_normalized_text() {
        use std::str::FromStr;
        for text in [
            "0",
            "0.00",
            "-0.00",
            "7",
            "125.00",
            "125.50",
            "0.5",
            "0.05",
            "1.005",
            "10",
            "100.00",
            "-12.50",
            "3.0",
            "18446744073709551615",
            "18446744073709551616",
            "1234567.891",
            "0.0001",
        ] {
            let d = rust_decimal::Decimal::from_str(text).unwrap();
            assert_eq!(x12_decimal(d), d.normalize().to_string(), "{text}");
        }
    }

    #[test]
    fn trailing_empty_elements_and_components_are_dropped() {
        let mut w = X12Writer::new(Vec::new());
        w.segment("NM1", &["85", "2", "CLINIC", "", "", "", "", "XX", "1234567893", "", ""]).unwrap();
        w.segment_elements(
            "SV1",
            &[Element::Composite(vec!["HC", "99213", "", ""]), "100".into(), "UN".into(), "1".into()],
        )
        .unwrap();
        assert_eq!(String::from_utf8(w.out).unwrap(), "NM1*85*2*CLINIC*****XX*1234567893~SV1*HC:99213*100*UN*1~");
    }

    #[test]
    fn data_containing_a_separator_is_refused() {
        let mut w = X12Writer::new(Vec::new());
        let err = w.segment("NM1", &["IL", "1", "O*BRIEN"]).unwrap_err();
        assert_eq!(err.to_string(), "NM103 contains a separator character; clean the data before building");
    }

    #[test]
    fn isa_is_padded_to_fixed_width() {
        let mut w = X12Writer::new(Vec::new());
        w.begin_interchange(&InterchangeHeader::new("ZZ", "ME", "ZZ", "YOU", "261125", "0930", 42, 'P')).unwrap();
        let text = String::from_utf8(w.out.clone()).unwrap();
        assert_eq!(text.len(), 106);
        assert!(text.ends_with("*^*00501*000000042*0*P*:~"));
        let long = InterchangeHeader::new("ZZ", "A-SENDER-ID-THAT-IS-TOO-LONG", "ZZ", "YOU", "261125", "0930", 1, 'P');
        assert!(matches!(
            X12Writer::new(Vec::new()).begin_interchange(&long),
            Err(WriteError::HeaderFieldTooLong { element: 6, .. })
        ));
    }

    #[test]
    fn trailers_out_of_order_are_refused() {
        let mut w = X12Writer::new(Vec::new());
        assert!(w.end_transaction().is_err());
        assert!(w.end_group().is_err());
        assert!(w.begin_group(&GroupHeader::new("HC", "A", "B", "20260101", "0000", 1, "005010X222A1")).is_err());
    }
}
