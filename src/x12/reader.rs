//! Streaming segment reader: finds segments in any `io::Read` with a bounded buffer, so a 1 GB
//! file needs no more memory than its longest segment plus a 256 KiB read buffer (a small file, a
//! small buffer).
//!
//! ```
//! use claimkit::x12::SegmentReader;
//! let file = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261125*0930*^*00501*000000001*0*T*:~\r\nGS*HC*S*R*20261125*0930*1*X*005010X222A1~";
//! let mut reader = SegmentReader::new(&file[..]);
//! let mut ids = Vec::new();
//! while let Some(segment) = reader.next_segment().unwrap() {
//!     ids.push(segment.id().to_string());
//! }
//! assert_eq!(ids, ["ISA", "GS"]);
//! ```

use std::io::{self, Read};

use super::{IsaWidthProblem, Position, Segment, Separators, SyntaxError, X12Error};

const READ_CHUNK: usize = 256 * 1024;
/// The buffer starts this small and doubles while it fills up, to [`READ_CHUNK`]: a 2 KB 999 is
/// not read through 256 KiB of zeroed memory.
const FIRST_CHUNK: usize = 8 * 1024;
/// No real segment comes near this; hitting it means the terminator is wrong.
pub const MAX_SEGMENT_LEN: usize = 1 << 20;
/// Length of the ISA segment including its terminator.
pub const ISA_LEN: usize = 106;
const ISA_WIDTHS: [usize; 16] = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];

/// Reads segments one at a time, each borrowed from the internal buffer until the next call.
pub struct SegmentReader<R> {
    src: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// File offset of `buf[0]`.
    base: u64,
    eof: bool,
    seps: Option<Separators>,
    count: u64,
}

impl<R: Read> SegmentReader<R> {
    pub fn new(src: R) -> Self {
        SegmentReader { src, buf: vec![0; FIRST_CHUNK], start: 0, end: 0, base: 0, eof: false, seps: None, count: 0 }
    }

    /// Separators of the current interchange (after its ISA has been read).
    pub fn separators(&self) -> Option<Separators> {
        self.seps
    }

    /// Number of segments returned so far.
    pub fn segments_read(&self) -> u64 {
        self.count
    }

    /// Bytes consumed so far (the offset just past the last segment returned).
    pub fn bytes_read(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Reads more input; returns false at end of input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.end == self.buf.len() && self.buf.len() < READ_CHUNK {
            // A long input: read ahead in larger chunks.
            self.buf.resize((self.buf.len() * 2).min(READ_CHUNK), 0);
        }
        if self.start > 0 && (self.end == self.buf.len() || self.start == self.end) {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start as u64;
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let grown = (self.buf.len() * 2).min(MAX_SEGMENT_LEN + READ_CHUNK);
            if grown == self.buf.len() {
                return Ok(true);
            }
            self.buf.resize(grown, 0);
        }
        loop {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Makes at least `n` bytes available from `start` unless the input ends first.
    fn want(&mut self, n: usize) -> io::Result<usize> {
        while self.end - self.start < n && self.fill()? {}
        Ok(self.end - self.start)
    }

    fn here(&self) -> Position {
        Position { segment: self.count + 1, offset: self.base + self.start as u64 }
    }

    /// The next segment, or `None` at the end of the input.
    pub fn next_segment(&mut self) -> Result<Option<Segment<'_>>, X12Error> {
        // Skip white space (and a byte-order mark) between segments: many senders put CR/LF after
        // each terminator.
        loop {
            while self.start < self.end && matches!(self.buf[self.start], b'\r' | b'\n' | b' ' | b'\t' | 0) {
                self.start += 1;
            }
            if self.count == 0 && self.base == 0 && self.buf[self.start..self.end].starts_with(b"\xEF\xBB\xBF") {
                self.start += 3;
                continue;
            }
            if self.start < self.end {
                break;
            }
            if !self.fill()? {
                if self.count == 0 {
                    return Err(X12Error::Syntax { at: self.here(), kind: SyntaxError::Empty, segment_text: None });
                }
                return Ok(None);
            }
        }
        self.want(4)?;
        let (seg_start, seg_end, next) =
            if self.buf[self.start..self.end].starts_with(b"ISA") { self.read_isa()? } else { self.read_other()? };
        let raw = &self.buf[seg_start..seg_end];
        check_segment_id(raw, self.seps.map(|s| s.element).unwrap_or(b'*'))
            .map_err(|kind| X12Error::syntax(self.here(), kind, raw))?;
        let pos = self.here();
        self.count += 1;
        self.start = next;
        let seps = self.seps.expect("separators are set by the first ISA");
        Ok(Some(Segment::new(&self.buf[seg_start..seg_end], seps, pos)))
    }

    fn read_isa(&mut self) -> Result<(usize, usize, usize), X12Error> {
        let avail = self.want(ISA_LEN + 64)?;
        let bytes = &self.buf[self.start..self.start + avail];
        let err = |kind| X12Error::syntax(self.here(), kind, &bytes[..bytes.len().min(ISA_LEN)]);
        let Some(&esep) = bytes.get(3) else {
            return Err(err(SyntaxError::InterchangeHeaderWidth { problem: IsaWidthProblem::EndsInside }));
        };
        let mut seps_at = Vec::with_capacity(16);
        for (i, b) in bytes.iter().enumerate().skip(3) {
            if *b == esep {
                seps_at.push(i);
                if seps_at.len() == 16 {
                    break;
                }
            }
        }
        if seps_at.len() < 16 || seps_at[15] + 2 >= bytes.len() {
            let problem = if seps_at.len() < 16 && bytes.len() < ISA_LEN {
                IsaWidthProblem::EndsInside
            } else {
                IsaWidthProblem::TooFewElements { found: seps_at.len() }
            };
            return Err(err(SyntaxError::InterchangeHeaderWidth { problem }));
        }
        let component = bytes[seps_at[15] + 1];
        let terminator = bytes[seps_at[15] + 2];
        let len = seps_at[15] + 3;
        for (k, width) in ISA_WIDTHS.iter().enumerate() {
            let from = seps_at[k] + 1;
            let to = if k == 15 { from + 1 } else { seps_at[k + 1] };
            if to - from != *width {
                return Err(err(SyntaxError::InterchangeHeaderWidth {
                    problem: IsaWidthProblem::FieldWidth { element: k + 1, width: to - from, expected: *width },
                }));
            }
        }
        if esep.is_ascii_alphanumeric()
            || component.is_ascii_alphanumeric()
            || terminator.is_ascii_alphanumeric()
            || esep == component
            || esep == terminator
            || component == terminator
        {
            return Err(err(SyntaxError::BadSeparators));
        }
        let isa11 = bytes[seps_at[10] + 1];
        let repetition =
            (!isa11.is_ascii_alphanumeric() && ![esep, component, terminator].contains(&isa11)).then_some(isa11);
        self.seps = Some(Separators { element: esep, repetition, component, segment: terminator });
        Ok((self.start, self.start + len - 1, self.start + len))
    }

    fn read_other(&mut self) -> Result<(usize, usize, usize), X12Error> {
        let Some(seps) = self.seps else {
            return Err(X12Error::Syntax {
                at: self.here(),
                kind: if self.count == 0 { SyntaxError::NoInterchangeHeader } else { SyntaxError::OutsideInterchange },
                segment_text: None,
            });
        };
        let mut searched = 0;
        loop {
            if let Some(i) = find_byte(seps.segment, &self.buf[self.start + searched..self.end]) {
                let seg_end = self.start + searched + i;
                return Ok((self.start, seg_end, seg_end + 1));
            }
            searched = self.end - self.start;
            if searched > MAX_SEGMENT_LEN {
                let raw = &self.buf[self.start..self.start + 200];
                return Err(X12Error::syntax(self.here(), SyntaxError::SegmentTooLong { limit: MAX_SEGMENT_LEN }, raw));
            }
            if !self.fill()? {
                let raw = &self.buf[self.start..self.end];
                return Err(X12Error::syntax(self.here(), SyntaxError::Truncated { len: raw.len() }, raw));
            }
        }
    }
}

/// `memchr` with a head start: most segments end within a few words, where looking at eight
/// bytes at a time finds the terminator before `memchr` would have set up its vector search.
#[inline]
fn find_byte(needle: u8, haystack: &[u8]) -> Option<usize> {
    const HEAD_WORDS: usize = 8;
    let pattern = u64::from_ne_bytes([needle; 8]);
    let mut scanned = 0;
    for word in haystack.chunks_exact(8).take(HEAD_WORDS) {
        let Ok(word) = <[u8; 8]>::try_from(word) else { break };
        let hits = zero_bytes(u64::from_le_bytes(word) ^ pattern);
        if hits != 0 {
            return Some(scanned + hits.trailing_zeros() as usize / 8);
        }
        scanned += 8;
    }
    let rest = &haystack[scanned..];
    let found = if rest.len() < 16 { rest.iter().position(|b| *b == needle) } else { memchr::memchr(needle, rest) };
    found.map(|i| scanned + i)
}

/// The high bit of each byte of `x` that is zero, and no other bit (for looking at eight bytes at
/// a time: `zero_bytes(word ^ [needle; 8])` marks where `needle` is).
#[inline]
pub(crate) fn zero_bytes(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// Runs for every segment: a valid ID ends within the first four bytes, so only they are looked
/// at unless the ID is bad.
#[inline]
fn check_segment_id(raw: &[u8], element_sep: u8) -> Result<(), SyntaxError> {
    let id_char = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    if let [first, second, rest @ ..] = raw
        && first.is_ascii_uppercase()
        && id_char(second)
    {
        let ok = match rest {
            [] => true,
            [sep, ..] if *sep == element_sep => true,
            [third] => id_char(third),
            [third, sep, ..] => id_char(third) && *sep == element_sep,
        };
        if ok {
            return Ok(());
        }
    }
    Err(SyntaxError::BadSegmentId)
}

/// Calls `f` for every segment of an in-memory file.
pub fn read_segments(bytes: &[u8], mut f: impl FnMut(&Segment<'_>)) -> Result<u64, X12Error> {
    let mut reader = SegmentReader::new(bytes);
    while let Some(seg) = reader.next_segment()? {
        f(&seg);
    }
    Ok(reader.segments_read())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &str =
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261125*0930*^*00501*000000001*0*T*:~";

    fn ids(input: &[u8]) -> Result<Vec<String>, X12Error> {
        let mut out = Vec::new();
        read_segments(input, |s| out.push(s.id().to_string()))?;
        Ok(out)
    }

    #[test]
    fn isa_is_106_bytes_and_declares_separators() {
        assert_eq!(ISA.len(), ISA_LEN);
        let mut r = SegmentReader::new(ISA.as_bytes());
        let s = r.next_segment().unwrap().unwrap();
        assert_eq!(s.trimmed(6), "SENDER");
        assert_eq!(s.text(16), ":");
        let seps = r.separators().unwrap();
        assert_eq!((seps.element, seps.repetition, seps.component, seps.segment), (b'*', Some(b'^'), b':', b'~'));
    }

    #[test]
    fn crlf_between_segments_is_tolerated_and_offsets_point_at_segment_starts() {
        let input = format!("{ISA}\r\nGS*HC*S*R~\r\n  ST*837*0001~");
        let mut r = SegmentReader::new(input.as_bytes());
        r.next_segment().unwrap();
        let gs = r.next_segment().unwrap().unwrap();
        assert_eq!(gs.position().offset, 108);
        assert_eq!(gs.position().segment, 2);
        let st = r.next_segment().unwrap().unwrap();
        assert_eq!(&input[st.position().offset as usize..][..2], "ST");
        assert!(r.next_segment().unwrap().is_none());
    }

    #[test]
    fn separators_change_with_each_interchange() {
        let second = ISA.replace('*', "|").replace('~', "\n").replace("|:\n", "|>\n");
        let input = format!("{ISA}GS*HC~IEA*1*000000001~{second}GS|HC>X\nIEA|1\n");
        let mut r = SegmentReader::new(input.as_bytes());
        let mut comps = Vec::new();
        while let Some(s) = r.next_segment().unwrap() {
            if s.is("GS") {
                comps.push(s.component_text(1, 1).into_owned());
            }
        }
        assert_eq!(comps, ["HC", "HC"]);
    }

    #[test]
    fn small_reads_give_the_same_segments() {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(3).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let input = format!("{ISA}GS*HC*S*R~ST*837*0001~SE*2*0001~");
        let mut r = SegmentReader::new(Trickle(input.as_bytes()));
        let mut n = 0;
        while r.next_segment().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 4);
    }

    #[test]
    fn a_file_without_isa_is_rejected_with_position() {
        let err = ids(b"GS*HC*S*R~ST*837*1~").unwrap_err();
        assert!(err.to_string().contains("does not start with an ISA"), "{err}");
        assert!(!err.to_string().contains("GS"), "nothing of the file is echoed: {err}");
        assert_eq!(err.position().unwrap().segment, 1);
    }

    #[test]
    fn a_narrow_isa_field_is_named() {
        let bad = ISA.replacen("*          *00", "*         *00", 1);
        let err = ids(bad.as_bytes()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("ISA02 is 9 characters wide, expected 10"), "{msg}");
        // The header's length is not stated: a miscounted field can leave it 106 bytes long.
        assert!(!msg.contains("106 bytes;"), "{msg}");
    }

    #[test]
    fn a_bad_segment_id_is_an_error_without_element_values() {
        let input = format!("{ISA}GS*HC~*IC*SECRET NAME~");
        let err = ids(input.as_bytes()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("segment 3"), "{msg}");
        assert!(!msg.contains("SECRET"), "{msg}");
        assert!(err.segment_text().unwrap().contains("SECRET"));
    }

    #[test]
    fn a_file_of_just_isa_is_an_error_not_a_panic() {
        for text in ["ISA", "ISA*", "  ISA"] {
            let err = read_segments(text.as_bytes(), |_| {}).unwrap_err();
            assert!(matches!(err, X12Error::Syntax { kind: SyntaxError::InterchangeHeaderWidth { .. }, .. }), "{text}");
        }
    }

    #[test]
    fn segment_ids_are_two_or_three_capitals_or_digits_starting_with_a_capital() {
        for good in [&b"GS"[..], b"GS*HC", b"NM1*QC", b"N1", b"N3*X", b"SE*1", b"ISA", b"GS*", b"NM1*"] {
            assert_eq!(check_segment_id(good, b'*'), Ok(()), "{good:?}");
        }
        for bad in [
            &b"G"[..],
            b"G*1",
            b"GSXX*1",
            b"GSXX",
            b"1GS*1",
            b"gs*1",
            b"*IC*X",
            b"TOOLONGID*1",
            b"N\xff*1",
            b"NM1X",
            b"",
            b"N1\xff",
        ] {
            assert_eq!(check_segment_id(bad, b'*'), Err(SyntaxError::BadSegmentId), "{bad:?}");
        }
    }

    #[test]
    fn the_word_at_a_time_search_finds_what_memchr_finds() {
        for len in 0..200 {
            for at in [0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 71, 72, 100, 199] {
                let mut hay = vec![b'A'; len];
                if at < len {
                    hay[at] = b'~';
                }
                if at + 3 < len {
                    hay[at + 3] = b'~';
                }
                for b in hay.iter_mut().step_by(5) {
                    *b ^= 0x80;
                }
                assert_eq!(find_byte(b'~', &hay), memchr::memchr(b'~', &hay), "{len} {at}");
                assert_eq!(find_byte(b'~' ^ 0x80, &hay), memchr::memchr(b'~' ^ 0x80, &hay), "{len} {at}");
            }
        }
    }

    #[test]
    fn truncation_is_reported_not_panicked() {
        let input = format!("{ISA}GS*HC*S*R");
        let err = ids(input.as_bytes()).unwrap_err();
        assert!(matches!(err, X12Error::Syntax { kind: SyntaxError::Truncated { .. }, .. }));
        assert!(ids(b"").is_err());
        assert!(ids(&ISA.as_bytes()[..50]).is_err());
    }
}
