//! ASC X12 for health care: reading, checking and writing interchanges.
//!
//! An X12 file is a stream of *segments*, each a segment ID followed by *elements*, ended by a
//! segment terminator. The separators are not fixed: every interchange declares its own in the
//! fixed-width `ISA` header (the element separator is byte 4, the repetition separator ISA11, the
//! component separator ISA16 and the terminator the byte after it):
//!
//! ```text
//! ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*CLEARINGHOUSE  *261125*0930*^*00501*000000101*0*T*:~
//! GS*HC*SUBMITTER*CLEARINGHOUSE*20261125*0930*101*X*005010X222A1~
//! ST*837*0001*005010X222A1~
//! ...
//! SE*42*0001~
//! GE*1*101~
//! IEA*1*000000101~
//! ```
//!
//! Envelopes nest: an interchange (`ISA`/`IEA`) holds functional groups (`GS`/`GE`), which hold
//! transaction sets (`ST`/`SE`). The trailers carry counts and echo control numbers, which
//! [`EnvelopeChecker`] verifies.
//!
//! This module knows nothing of claims: [`SegmentReader`] streams borrowed [`Segment`]s from any
//! `io::Read` with a bounded buffer, and [`X12Writer`] is the one place that writes X12. Errors carry
//! the segment number and byte offset, never element values, because elements hold patient data.

mod envelope;
mod error;
mod reader;
mod segment;
mod writer;

pub use envelope::{
    EnvelopeChecker, EnvelopeFinding, EnvelopeProblem, EnvelopeSummary, FunctionalGroup, Interchange, TransactionSet,
    check_envelopes, transaction_kind,
};
pub use error::{IsaWidthProblem, Position, SyntaxError, X12Error};
pub use reader::{SegmentReader, read_segments};
pub use segment::{Segment, Separators, parse_decimal};
pub use writer::{Element, GroupHeader, InterchangeHeader, RewriteError, WriteError, X12Writer, rewrite, x12_decimal};
