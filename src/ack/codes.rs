//! What the codes in acknowledgments mean, in our own words. The official code lists (X12 and the
//! Washington Publishing Company claim status lists) are the authority; these labels are short
//! explanations a biller can act on. Unknown codes get a generic label, never an error.
//!
//! A value where a code belongs that is neither listed nor shaped like a code of its kind is not
//! kept: the reader replaces it with [`UNKNOWN`] ("unknown code"), so it is never echoed in a
//! message nor stored in the ledger. A shifted element (a missing separator in the payer's file)
//! can put a date of birth or a member ID where a code belongs.

/// What the reader keeps in place of a code value it does not know.
pub const UNKNOWN: &str = "?";

/// The label of [`UNKNOWN`].
const UNKNOWN_LABEL: &str = "unknown code (the value sent is not shown)";

/// A label for `code` from `table`, or `fallback` when the code is not listed.
fn lookup(table: &[(&str, &'static str)], code: &str, fallback: &'static str) -> &'static str {
    if code == UNKNOWN {
        return UNKNOWN_LABEL;
    }
    table.iter().find(|(c, _)| *c == code).map_or(fallback, |(_, l)| l)
}

/// `code` when it is empty or listed in `table`, else [`UNKNOWN`].
fn listed(table: &[(&str, &'static str)], code: &str) -> String {
    if code.is_empty() || table.iter().any(|(c, _)| *c == code) { code.to_string() } else { UNKNOWN.to_string() }
}

/// `value` when it is empty or has the shape `fits` accepts, else [`UNKNOWN`].
fn shaped(value: &str, fits: impl Fn(&str) -> bool) -> String {
    if value.is_empty() || fits(value) { value.to_string() } else { UNKNOWN.to_string() }
}

fn upper_alnum(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// TA104, IK501, AK901 as kept: listed codes only.
pub fn known_ack_status(code: &str) -> String {
    listed(ACK_STATUS, code)
}

/// TA105 as kept.
pub fn known_ta1_note(code: &str) -> String {
    listed(TA1_NOTES, code)
}

/// IK304 as kept.
pub fn known_ik3(code: &str) -> String {
    listed(IK3_CODES, code)
}

/// IK403 as kept.
pub fn known_ik4(code: &str) -> String {
    listed(IK4_CODES, code)
}

/// IK502-IK506 as kept.
pub fn known_ik5(code: &str) -> String {
    listed(IK5_CODES, code)
}

/// AK905-AK909 as kept.
pub fn known_ak9(code: &str) -> String {
    listed(AK9_CODES, code)
}

/// STC01-1 as kept: a listed category, or one shaped like the published ones (a letter, then up
/// to three letters or digits: `A7`, `DR05`, `R12`).
pub fn known_category(code: &str) -> String {
    shaped(code, |c| upper_alnum(c, 2, 4) && c.as_bytes()[0].is_ascii_uppercase())
}

/// STC01-2 as kept: the published claim status codes are numbers of up to four digits.
pub fn known_status_code(code: &str) -> String {
    shaped(code, |c| (1..=4).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit()))
}

/// STC01-3 as kept: entity identifier codes are two or three letters or digits.
pub fn known_entity(code: &str) -> String {
    shaped(code, |c| upper_alnum(c, 2, 3))
}

/// IK301 as kept: a segment ID (two or three letters or digits, starting with a letter).
pub fn known_segment_id(id: &str) -> String {
    shaped(id, |c| upper_alnum(c, 2, 3) && c.as_bytes()[0].is_ascii_uppercase())
}

/// IK303 as kept: a loop ID of the guides (`2010BA`, `2300`, `1000A`).
pub fn known_loop_id(id: &str) -> String {
    shaped(id, |c| {
        let b = c.as_bytes();
        (4..=6).contains(&b.len()) && b[..4].iter().all(u8::is_ascii_digit) && b[4..].iter().all(u8::is_ascii_uppercase)
    })
}

/// IK402 as kept: a data element reference number.
pub fn known_data_element(number: &str) -> String {
    shaped(number, |c| (1..=4).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit()))
}

/// An interchange control number (ISA13, TA101) as kept: exactly nine digits.
pub fn known_interchange_number(number: &str) -> String {
    shaped(number, |c| c.len() == 9 && c.bytes().all(|b| b.is_ascii_digit()))
}

/// A group control number (GS06, AK102) as kept: one to nine digits.
pub fn known_group_number(number: &str) -> String {
    shaped(number, |c| (1..=9).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit()))
}

/// A control number (AK202, ST02) as kept: up to nine letters or digits.
pub fn known_control_number(number: &str) -> String {
    shaped(number, |c| (1..=9).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// An implementation guide reference (GS08, ST03, AK103) as kept: `005010X214`.
pub fn known_guide(guide: &str) -> String {
    shaped(guide, |c| (1..=12).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A claim's CLM01 named in a CTX, as kept: letters, digits and hyphens, at most 38 (the guide's
/// maximum); `None` otherwise.
pub fn known_clm01(value: &str) -> Option<String> {
    let ok = (1..=38).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then(|| value.to_string())
}

const TA1_NOTES: &[(&str, &str)] = &[
    ("000", "no error"),
    ("001", "ISA13 and IEA02 control numbers differ"),
    ("002", "control standard (ISA11) not supported"),
    ("003", "interchange version (ISA12) not supported"),
    ("004", "segment terminator not valid"),
    ("005", "sender ID qualifier (ISA05) not valid"),
    ("006", "sender ID (ISA06) not valid"),
    ("007", "receiver ID qualifier (ISA07) not valid"),
    ("008", "receiver ID (ISA08) not valid"),
    ("009", "receiver ID (ISA08) not known to the receiver"),
    ("010", "authorization qualifier (ISA01) not valid"),
    ("011", "authorization information (ISA02) not valid"),
    ("012", "security qualifier (ISA03) not valid"),
    ("013", "security information (ISA04) not valid"),
    ("014", "interchange date (ISA09) not valid"),
    ("015", "interchange time (ISA10) not valid"),
    ("016", "standards identifier (ISA11) not valid"),
    ("017", "version (ISA12) not valid"),
    ("018", "control number (ISA13) not valid"),
    ("019", "acknowledgment requested flag (ISA14) not valid"),
    ("020", "test/production flag (ISA15) not valid"),
    ("021", "group count (IEA01) not valid"),
    ("022", "envelope structure not valid"),
    ("023", "the file ended before the interchange did"),
    ("024", "interchange content not valid (for example a bad GS)"),
    ("025", "interchange control number already received (duplicate)"),
    ("026", "element separator not valid"),
    ("027", "component separator not valid"),
    ("028", "deferred delivery date not valid"),
    ("029", "deferred delivery time not valid"),
    ("030", "deferred delivery time code not valid"),
    ("031", "grade of service code not valid"),
];

/// TA105 interchange note code.
pub fn ta1_note(code: &str) -> &'static str {
    lookup(TA1_NOTES, code, "interchange note code not in claimkit's list")
}

const ACK_STATUS: &[(&str, &str)] = &[
    ("A", "accepted"),
    ("E", "accepted with errors noted"),
    ("M", "rejected: message authentication failed"),
    ("P", "partially accepted: some transaction sets rejected"),
    ("R", "rejected"),
    ("W", "rejected: failed assurance checks"),
    ("X", "rejected: content could not be analyzed after decryption"),
];

/// IK501 / AK901 / TA104 acknowledgment code.
pub fn ack_status(code: &str) -> &'static str {
    lookup(ACK_STATUS, code, "acknowledgment code not in claimkit's list")
}

const IK3_CODES: &[(&str, &str)] = &[
    ("1", "segment ID not recognized"),
    ("2", "segment not expected here"),
    ("3", "a required segment is missing"),
    ("4", "the loop repeats more often than allowed"),
    ("5", "the segment repeats more often than allowed"),
    ("6", "segment does not belong to this transaction set"),
    ("7", "segment out of order"),
    ("8", "segment has element errors (see the element errors)"),
    ("I4", "segment the guide marks Not Used is present"),
    ("I5", "segment repeats fewer times than the guide requires"),
    ("I6", "segment fails a guide pattern check"),
    ("I7", "loop occurs fewer times than the guide requires"),
    ("I8", "segment occurs fewer times than the guide requires"),
    ("I9", "segment is present although the guide says Not Used in this situation"),
];

/// IK304 segment error code.
pub fn ik3_error(code: &str) -> &'static str {
    lookup(IK3_CODES, code, "segment error code not in claimkit's list")
}

const IK4_CODES: &[(&str, &str)] = &[
    ("1", "a required element is missing"),
    ("2", "a conditionally required element is missing"),
    ("3", "too many elements in the segment"),
    ("4", "value shorter than the minimum length"),
    ("5", "value longer than the maximum length"),
    ("6", "value contains a character that is not allowed"),
    ("7", "code value not valid for this element"),
    ("8", "date not valid"),
    ("9", "time not valid"),
    ("10", "element present although another element excludes it"),
    ("12", "element repeats too often"),
    ("13", "too many components in the composite"),
    ("I6", "code value not used by the implementation guide"),
    ("I9", "element the guide requires in this situation is missing"),
    ("I10", "element the guide marks Not Used is present"),
    ("I11", "element repeats fewer times than the guide requires"),
    ("I12", "value fails a guide pattern check"),
    ("I13", "element is present although the guide says Not Used in this situation"),
];

/// IK403 element error code.
pub fn ik4_error(code: &str) -> &'static str {
    lookup(IK4_CODES, code, "element error code not in claimkit's list")
}

const IK5_CODES: &[(&str, &str)] = &[
    ("1", "transaction set type not supported by the receiver"),
    ("2", "SE trailer missing"),
    ("3", "ST02 and SE02 control numbers differ"),
    ("4", "SE01 segment count is wrong"),
    ("5", "one or more segments have errors"),
    ("6", "transaction set identifier missing or not valid"),
    ("7", "transaction set control number missing or not valid"),
    ("8", "authentication key name unknown"),
    ("9", "encryption key name unknown"),
    ("10", "requested service not available"),
    ("11", "security recipient unknown"),
    ("12", "message length wrong"),
    ("13", "message authentication failed"),
    ("15", "security originator unknown"),
    ("16", "syntax error in decrypted text"),
    ("17", "security not supported"),
    ("18", "transaction set not inside a functional group"),
    ("19", "implementation guide reference (ST03) not valid"),
    ("23", "transaction set control number repeated within the group"),
    ("24", "security trailer S3E missing"),
    ("25", "security header S3S missing"),
    ("26", "security trailer S4E missing"),
    ("27", "security header S4S missing"),
    ("I5", "one or more segments break implementation guide rules"),
    ("I6", "implementation guide not supported"),
];

/// IK502-IK506 transaction set error code.
pub fn ik5_error(code: &str) -> &'static str {
    lookup(IK5_CODES, code, "transaction set error code not in claimkit's list")
}

const AK9_CODES: &[(&str, &str)] = &[
    ("1", "functional group type not supported"),
    ("2", "functional group version not supported"),
    ("3", "GE trailer missing"),
    ("4", "GS06 and GE02 control numbers differ"),
    ("5", "GE01 transaction set count is wrong"),
    ("6", "group control number not valid"),
    ("10", "authentication key name unknown"),
    ("11", "encryption key name unknown"),
    ("12", "requested service not available"),
    ("13", "security recipient unknown"),
    ("14", "security originator unknown"),
    ("15", "syntax error in decrypted text"),
    ("16", "security not supported"),
    ("17", "message length wrong"),
    ("18", "message authentication failed"),
    ("19", "group control number repeated within the interchange"),
    ("23", "security trailer S3E missing"),
    ("24", "security header S3S missing"),
    ("25", "security trailer S4E missing"),
    ("26", "security header S4S missing"),
];

/// AK905-AK909 functional group error code.
pub fn ak9_error(code: &str) -> &'static str {
    lookup(AK9_CODES, code, "functional group error code not in claimkit's list")
}

const CATEGORIES: &[(&str, &str)] = &[
    ("A0", "acknowledged: forwarded to another entity"),
    ("A1", "acknowledged: received, not yet accepted for adjudication"),
    ("A2", "acknowledged: accepted into adjudication"),
    ("A3", "returned as unprocessable: rejected, not entered for adjudication"),
    ("A4", "not found in the payer's system"),
    ("A5", "accepted and split into several claims"),
    ("A6", "rejected: information missing"),
    ("A7", "rejected: information not valid"),
    ("A8", "rejected: fields inconsistent with each other"),
    ("DR01", "encounter report received"),
    ("DR02", "encounter report accepted"),
    ("DR03", "encounter report returned as unprocessable"),
    ("DR04", "encounter report not found"),
    ("DR05", "encounter report rejected: information missing"),
    ("DR06", "encounter report rejected: information not valid"),
    ("DR07", "encounter report rejected: fields inconsistent"),
    ("DR08", "encounter report accepted with a warning"),
    ("D0", "search found nothing"),
    ("E0", "no answer possible: error in the request"),
    ("E1", "no answer possible: payer system unavailable"),
    ("E2", "no answer possible: information holder not responding, try later"),
    ("E3", "correction needed: fields inconsistent with each other"),
    ("E4", "trading partner agreement requirement not met"),
    ("F0", "finalized"),
    ("F1", "finalized: paid"),
    ("F2", "finalized: denied"),
    ("F3", "finalized: revised"),
    ("F3F", "finalized: forwarded"),
    ("F3N", "finalized: not forwarded"),
    ("F4", "finalized: adjudication complete, no payment coming"),
    ("P0", "pending"),
    ("P1", "pending: in process"),
    ("P2", "pending: under payer review"),
    ("P3", "pending: waiting for information from the provider"),
    ("P4", "pending: waiting for information from the patient"),
    ("P5", "pending: payer administrative or system hold"),
    ("R0", "more information requested"),
    ("R1", "more information requested about an entity"),
    ("R3", "more information requested about the claim or line"),
    ("R4", "documentation requested"),
    ("RQ", "general question from the payer"),
];

/// STC01-1 claim status category code.
pub fn status_category(code: &str) -> &'static str {
    lookup(CATEGORIES, code, "status category not in claimkit's list")
}

const STATUS_CODES: &[(&str, &str)] = &[
    ("0", "no further status available electronically"),
    ("1", "see the remittance advice for details"),
    ("2", "details sent by letter"),
    ("3", "adjudicated, waiting for the payment cycle"),
    ("6", "balance is due from the subscriber"),
    ("15", "one or more procedure codes were changed by the payer"),
    ("16", "forwarded to the entity named"),
    ("17", "forwarded by a third party to the entity named"),
    ("19", "the entity named acknowledges receiving the claim"),
    ("20", "accepted for processing"),
    ("21", "information missing or not valid"),
    ("23", "returned to the entity named"),
    ("24", "entity not approved as an electronic submitter"),
    ("25", "entity not approved"),
    ("26", "entity not found"),
    ("27", "coverage canceled"),
    ("29", "subscriber and policy number do not match"),
    ("30", "subscriber and subscriber ID do not match"),
    ("31", "subscriber and policyholder name do not match"),
    ("32", "subscriber and policy number not found"),
    ("33", "subscriber and subscriber ID not found"),
    ("34", "subscriber and policyholder name not found"),
    ("35", "claim not found"),
    ("41", "the payer needs special handling"),
    ("42", "waiting for related charges"),
    ("116", "claim sent to the wrong payer"),
    ("128", "entity's tax ID"),
    ("158", "entity's date of birth"),
    ("164", "entity's contract or member number"),
    ("187", "date(s) of service"),
    ("247", "service line information"),
    ("254", "principal diagnosis code"),
    ("255", "diagnosis code"),
    ("400", "claim does not balance"),
    ("454", "procedure code of the service"),
    ("510", "date of service is in the future"),
    ("562", "entity's National Provider Identifier (NPI)"),
    ("732", "information does not follow the billing guidelines"),
];

/// STC01-2 claim status code.
pub fn status_code(code: &str) -> &'static str {
    lookup(STATUS_CODES, code, "status code not in claimkit's list (see the published claim status codes)")
}

const ENTITIES: &[(&str, &str)] = &[
    ("03", "dependent"),
    ("1P", "provider"),
    ("40", "receiver"),
    ("41", "submitter"),
    ("71", "attending provider"),
    ("72", "operating provider"),
    ("77", "service location"),
    ("82", "rendering provider"),
    ("85", "billing provider"),
    ("87", "pay-to provider"),
    ("DK", "ordering provider"),
    ("DN", "referring provider"),
    ("DQ", "supervising provider"),
    ("GB", "other insured"),
    ("IL", "subscriber"),
    ("PR", "payer"),
    ("QC", "patient"),
    ("TT", "transfer-to payer"),
];

/// STC01-3 entity identifier code.
pub fn entity(code: &str) -> &'static str {
    lookup(ENTITIES, code, "entity")
}

/// True for 277 categories that say the claim was not taken into adjudication.
pub fn is_rejection_category(category: &str) -> bool {
    matches!(category, "A3" | "A4" | "A6" | "A7" | "A8")
}

/// True for 277 categories that say the claim was received or accepted.
pub fn is_acceptance_category(category: &str) -> bool {
    matches!(category, "A1" | "A2")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_code_has_a_label_and_unknown_codes_a_fallback() {
        assert_eq!(ta1_note("025"), "interchange control number already received (duplicate)");
        assert_eq!(ik3_error("8"), "segment has element errors (see the element errors)");
        assert_eq!(ik4_error("I12"), "value fails a guide pattern check");
        assert_eq!(status_category("A7"), "rejected: information not valid");
        assert_eq!(status_code("562"), "entity's National Provider Identifier (NPI)");
        assert!(status_code("99999").contains("not in claimkit's list"));
        assert_eq!(TA1_NOTES.len(), 32);
        for table in [TA1_NOTES, ACK_STATUS, IK3_CODES, IK4_CODES, IK5_CODES, AK9_CODES, CATEGORIES, STATUS_CODES] {
            let mut codes: Vec<_> = table.iter().map(|(c, _)| *c).collect();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), table.len(), "duplicate code in a label table");
        }
    }

    #[test]
    fn values_that_are_not_codes_of_their_kind_are_not_kept() {
        assert_eq!(known_ik4("7"), "7");
        assert_eq!(known_ik4("19450101"), UNKNOWN);
        assert_eq!(known_ik3("DOE"), UNKNOWN);
        assert_eq!(known_ack_status("X"), "X");
        assert_eq!(known_ack_status("JANE"), UNKNOWN);
        assert_eq!(known_category("A7"), "A7");
        assert_eq!(known_category("19450101"), UNKNOWN);
        assert_eq!(known_status_code("562"), "562");
        assert_eq!(known_status_code("W123456789"), UNKNOWN);
        assert_eq!(known_loop_id("2010BA"), "2010BA");
        assert_eq!(known_loop_id("19450101"), UNKNOWN);
        assert_eq!(known_segment_id("NM1"), "NM1");
        assert_eq!(known_segment_id("SMITH"), UNKNOWN);
        assert_eq!(known_control_number("000000101"), "000000101");
        assert_eq!(known_control_number("JANE DOE"), UNKNOWN);
        assert_eq!(known_clm01("CK1A2B3C4D5E6F").as_deref(), Some("CK1A2B3C4D5E6F"));
        assert_eq!(known_clm01("DOE, JANE"), None);
        assert_eq!(ik4_error(UNKNOWN), UNKNOWN_LABEL);
        assert_eq!(known_ik4(""), "");
    }

    #[test]
    fn rejection_categories_are_the_a3_to_a8_family_except_a5() {
        for c in ["A3", "A4", "A6", "A7", "A8"] {
            assert!(is_rejection_category(c), "{c}");
        }
        for c in ["A0", "A1", "A2", "A5", "F1", "P1"] {
            assert!(!is_rejection_category(c), "{c}");
        }
    }
}
