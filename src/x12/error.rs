//! Errors raised while reading X12. They name where (segment number, byte offset) and what, never
//! the element values: a segment can hold a patient's name or member ID. The raw segment text is
//! kept apart in [`X12Error::segment_text`] for callers that were asked to show data.

use std::fmt;

/// Where in a file something was found: the 1-based segment number and the byte offset of the
/// segment's first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Position {
    pub segment: u64,
    pub offset: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "segment {} (byte {})", self.segment, self.offset)
    }
}

/// What is wrong with the bytes of a file. The messages say what was expected and where (the
/// [`Position`] goes before them), never what was found: the bytes at fault may be a name or a
/// date of birth.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    #[error("the file is empty")]
    Empty,
    #[error("the file does not start with an ISA interchange header")]
    NoInterchangeHeader,
    #[error("the ISA header must be exactly 106 bytes with fixed-width fields: {problem}")]
    InterchangeHeaderWidth { problem: IsaWidthProblem },
    #[error(
        "the ISA header declares unusable separators: the element separator, component separator (ISA16) and \
         segment terminator must be three different characters that are not letters or digits"
    )]
    BadSeparators,
    #[error("segment identifier is not 2-3 upper-case letters/digits starting with a letter")]
    BadSegmentId,
    #[error("the file ends inside a segment (no segment terminator after the last {len} bytes)")]
    Truncated { len: usize },
    #[error("segment is longer than {limit} bytes: wrong segment terminator?")]
    SegmentTooLong { limit: usize },
    #[error("segment found before any ISA header")]
    OutsideInterchange,
}

/// Why an ISA header is not the fixed-width 106 bytes it must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IsaWidthProblem {
    #[error("the file ends inside the ISA segment")]
    EndsInside,
    #[error("only {found} of its 16 elements were found")]
    TooFewElements { found: usize },
    #[error("ISA{element:02} is {width} characters wide, expected {expected}")]
    FieldWidth { element: usize, width: usize, expected: usize },
}

/// A failure to read X12.
#[derive(Debug, thiserror::Error)]
pub enum X12Error {
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
    #[error("{at}: {kind}")]
    Syntax {
        at: Position,
        kind: SyntaxError,
        /// The offending segment's text, shown only with `--show-data`.
        segment_text: Option<String>,
    },
}

impl X12Error {
    pub(crate) fn syntax(at: Position, kind: SyntaxError, raw: &[u8]) -> Self {
        let shown = &raw[..raw.len().min(200)];
        X12Error::Syntax { at, kind, segment_text: Some(String::from_utf8_lossy(shown).into_owned()) }
    }

    /// The position of a syntax error, if this is one.
    pub fn position(&self) -> Option<Position> {
        match self {
            X12Error::Syntax { at, .. } => Some(*at),
            X12Error::Io(_) => None,
        }
    }

    /// The raw text of the segment at fault (may contain patient data).
    pub fn segment_text(&self) -> Option<&str> {
        match self {
            X12Error::Syntax { segment_text, .. } => segment_text.as_deref(),
            X12Error::Io(_) => None,
        }
    }
}
