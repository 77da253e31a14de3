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

/// What is wrong with the bytes of a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    #[error("the file is empty")]
    Empty,
    #[error("the file does not start with an ISA interchange header (found segment {found:?})")]
    NoInterchangeHeader { found: String },
    #[error("ISA header is {len} bytes; it must be exactly 106 with fixed-width fields ({detail})")]
    InterchangeHeaderWidth { len: usize, detail: String },
    #[error("ISA header declares unusable separators ({detail})")]
    BadSeparators { detail: String },
    #[error("segment identifier {id:?} is not 2-3 upper-case letters or digits")]
    BadSegmentId { id: String },
    #[error("the file ends inside a segment (no segment terminator {terminator:?} after the last {len} bytes)")]
    Truncated { terminator: char, len: usize },
    #[error("segment is longer than {limit} bytes: wrong segment terminator?")]
    SegmentTooLong { limit: usize },
    #[error("segment {id} found before any ISA header")]
    OutsideInterchange { id: String },
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
