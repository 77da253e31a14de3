//! Names of the elements claimkit reads and writes, as the implementation guides call them, and
//! the elements a segment cannot do without.

/// `NM101` entity codes whose names, identifiers and addresses are patient data: subscriber,
/// patient, corrected patient, dependent, other insured.
const PERSON_ENTITIES: &[&str] = &["IL", "QC", "74", "03", "GB"];

/// `REF01` qualifiers of identifiers that are not about the patient (providers, payers, claims and
/// lines as the sender numbered them).
const NOT_PATIENT_REFERENCES: &[&str] =
    &["6R", "F8", "EI", "G2", "0B", "LU", "1K", "D9", "BLT", "87", "TJ", "EV", "2U", "HPI", "SY0", "FJ", "PQ"];

/// Follows a file's segments and says which elements hold patient data (names, identifiers,
/// addresses, dates of birth and of service): `claimkit inspect` shows them masked unless asked
/// to show data.
#[derive(Debug, Default)]
pub struct PatientDataMask {
    /// The last `NM1` named a patient or an insured person: their `N3`/`N4` follow.
    person: bool,
}

impl PatientDataMask {
    /// Notes segment `id` (call for every segment, in order); `nm101` is the `NM1`'s entity.
    pub fn see(&mut self, id: &str, nm101: &str) {
        match id {
            "NM1" | "N1" => self.person = PERSON_ENTITIES.contains(&nm101),
            "HL" | "CLM" | "LX" | "CLP" | "SVC" | "SV1" | "SBR" | "ST" => self.person = false,
            _ => {}
        }
    }

    /// True when element `n` of segment `id` (seen last) is patient data; `ref01` is the
    /// segment's first element (the qualifier of a `REF`).
    pub fn masks(&self, id: &str, n: usize, ref01: &str) -> bool {
        match id {
            "NM1" => self.person && matches!(n, 3 | 4 | 5 | 7 | 9),
            "N3" => self.person,
            "N4" => self.person && matches!(n, 1 | 3),
            "DMG" => n == 2,
            "PAT" => (5..=8).contains(&n),
            "SBR" => matches!(n, 3 | 4),
            "REF" => n >= 2 && !NOT_PATIENT_REFERENCES.contains(&ref01),
            "DTP" => n == 3,
            "DTM" => n == 2,
            "IK4" => n == 4,
            _ => false,
        }
    }
}

/// The guide's name for element `n` of segment `id`, where claimkit knows it.
pub fn element_name(id: &str, n: usize) -> Option<&'static str> {
    let names: &[&str] = match id {
        "ISA" => &[
            "Authorization qualifier",
            "Authorization information",
            "Security qualifier",
            "Security information",
            "Sender ID qualifier",
            "Sender ID",
            "Receiver ID qualifier",
            "Receiver ID",
            "Interchange date",
            "Interchange time",
            "Repetition separator",
            "Version",
            "Interchange control number",
            "Acknowledgment requested",
            "Usage indicator",
            "Component separator",
        ],
        "IEA" => &["Number of functional groups", "Interchange control number"],
        "GS" => &[
            "Functional identifier",
            "Application sender",
            "Application receiver",
            "Date",
            "Time",
            "Group control number",
            "Responsible agency",
            "Version / implementation guide",
        ],
        "GE" => &["Number of transaction sets", "Group control number"],
        "ST" => &["Transaction set ID", "Transaction set control number", "Implementation guide"],
        "SE" => &["Number of segments", "Transaction set control number"],
        "TA1" => &["Interchange control number", "Date", "Time", "Acknowledgment code", "Note code"],
        "BHT" => &["Hierarchical structure code", "Purpose code", "Reference ID", "Date", "Time", "Transaction type"],
        "HL" => &["Hierarchical ID", "Parent ID", "Level code", "Child code"],
        "NM1" => &[
            "Entity identifier",
            "Entity type",
            "Last or organization name",
            "First name",
            "Middle name",
            "Prefix",
            "Suffix",
            "ID qualifier",
            "Identifier",
        ],
        "N1" => &["Entity identifier", "Name", "ID qualifier", "Identifier"],
        "N3" => &["Address line 1", "Address line 2"],
        "N4" => &["City", "State", "ZIP code", "Country"],
        "PER" => &[
            "Contact function",
            "Name",
            "Qualifier 1",
            "Number 1",
            "Qualifier 2",
            "Number 2",
            "Qualifier 3",
            "Number 3",
        ],
        "REF" => &["Reference qualifier", "Reference number"],
        "DMG" => &["Date format", "Date of birth", "Sex"],
        "PRV" => &["Provider code", "Qualifier", "Taxonomy code"],
        "SBR" => &[
            "Payer responsibility",
            "Relationship",
            "Group number",
            "Group name",
            "Insurance type",
            "",
            "",
            "",
            "Claim filing indicator",
        ],
        "PAT" => &["Relationship to insured"],
        "CLM" => &[
            "Patient control number",
            "Total claim charge",
            "",
            "",
            "Place of service : qualifier : frequency",
            "Provider signature",
            "Assignment",
            "Benefits assignment",
            "Release of information",
            "Patient signature source",
            "Related causes",
        ],
        "DTP" => &["Date qualifier", "Date format", "Date"],
        "HI" => &[
            "Diagnosis 1",
            "Diagnosis 2",
            "Diagnosis 3",
            "Diagnosis 4",
            "Diagnosis 5",
            "Diagnosis 6",
            "Diagnosis 7",
            "Diagnosis 8",
            "Diagnosis 9",
            "Diagnosis 10",
            "Diagnosis 11",
            "Diagnosis 12",
        ],
        "LX" => &["Line number"],
        "SV1" => &[
            "Procedure (qualifier : code : modifiers)",
            "Line charge",
            "Unit basis",
            "Units",
            "Place of service",
            "",
            "Diagnosis pointers",
            "",
            "Emergency",
            "",
            "EPSDT",
            "Family planning",
        ],
        "SV2" => &["Revenue code", "Procedure", "Line charge", "Unit basis", "Units"],
        "LIN" => &["", "Product ID qualifier", "National Drug Code"],
        "CTP" => &["", "", "", "Quantity", "Unit of measure"],
        "SVD" => &["Other payer ID", "Paid amount", "Procedure", "", "Paid units", "Bundled line number"],
        "AMT" => &["Amount qualifier", "Amount"],
        "QTY" => &["Quantity qualifier", "Quantity"],
        "CAS" => &[
            "Adjustment group",
            "Reason 1",
            "Amount 1",
            "Quantity 1",
            "Reason 2",
            "Amount 2",
            "Quantity 2",
            "Reason 3",
            "Amount 3",
            "Quantity 3",
            "Reason 4",
            "Amount 4",
            "Quantity 4",
            "Reason 5",
            "Amount 5",
            "Quantity 5",
            "Reason 6",
            "Amount 6",
            "Quantity 6",
        ],
        "BPR" => &[
            "Transaction handling",
            "Total payment",
            "Credit/debit",
            "Payment method",
            "Payment format",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "Payment date",
        ],
        "TRN" => &["Trace type", "Trace number", "Originator ID", "Originator supplemental ID"],
        "DTM" => &["Date qualifier", "Date"],
        "CLP" => &[
            "Patient control number",
            "Claim status",
            "Claim charge",
            "Claim payment",
            "Patient responsibility",
            "Claim filing indicator",
            "Payer claim control number",
            "Facility type",
            "Frequency",
            "",
            "DRG code",
        ],
        "SVC" => &[
            "Procedure (qualifier : code : modifiers)",
            "Line charge",
            "Line payment",
            "Revenue code",
            "Paid units",
            "Submitted procedure",
            "Submitted units",
        ],
        "MIA" => {
            &["Covered days", "PPS operating outlier", "Lifetime psychiatric days", "Claim DRG amount", "Remark code"]
        }
        "MOA" => &["Reimbursement rate", "HCPCS payable amount", "Remark code 1", "Remark code 2", "Remark code 3"],
        "LQ" => &["Code list qualifier", "Remark code"],
        "PLB" => &[
            "Provider identifier",
            "Fiscal period end",
            "Adjustment reason : reference 1",
            "Amount 1",
            "Adjustment reason 2",
            "Amount 2",
            "Adjustment reason 3",
            "Amount 3",
        ],
        "TS3" => &["Provider identifier", "Facility type", "Fiscal period end", "Claim count", "Total charge"],
        "AK1" => &["Functional identifier", "Group control number", "Version"],
        "AK2" => &["Transaction set ID", "Transaction set control number", "Implementation guide"],
        "IK3" => &["Segment ID in error", "Segment position", "Loop", "Segment error code"],
        "IK4" => &["Element position", "Data element reference", "Element error code", "Bad element copy"],
        "IK5" => &["Transaction set acknowledgment", "Error code 1", "Error code 2", "Error code 3"],
        "AK9" => &["Group acknowledgment", "Sets included", "Sets received", "Sets accepted", "Error code"],
        "STC" => {
            &["Status (category : status : entity)", "Status date", "Action code", "Total charge", "Payment amount"]
        }
        _ => return None,
    };
    names.get(n.checked_sub(1)?).copied().filter(|s| !s.is_empty())
}

/// Elements (1-based) of segment `id` that must not be empty in a transaction set of `kind` (as
/// from [`crate::x12::transaction_kind`]): [`required_elements`], except where a guide uses the
/// segment otherwise. A 276's or 277's SVC has no payment (SVC03) to require: only the 835's does.
pub fn required_elements_in(kind: &str, id: &str) -> &'static [usize] {
    match (kind, id) {
        ("276" | "277" | "277CA", "SVC") => &[1, 2],
        _ => required_elements(id),
    }
}

/// Elements (1-based) that must not be empty in any implementation guide claimkit reads.
pub fn required_elements(id: &str) -> &'static [usize] {
    match id {
        "GS" => &[1, 2, 3, 4, 5, 6, 7, 8],
        "ST" => &[1, 2],
        "SE" => &[1, 2],
        "GE" => &[1, 2],
        "IEA" => &[1, 2],
        "BHT" => &[1, 2, 4, 5],
        "HL" => &[1, 3],
        "NM1" => &[1, 2],
        "N1" => &[1],
        "N3" => &[1],
        "N4" => &[1],
        "REF" => &[1, 2],
        "DMG" => &[1, 2],
        "SBR" => &[1],
        "CLM" => &[1, 2, 5],
        "DTP" => &[1, 2, 3],
        "HI" => &[1],
        "LX" => &[1],
        "SV1" => &[1, 2, 3, 4],
        "SV2" => &[1, 3],
        "SVD" => &[1, 2, 5],
        "CAS" => &[1, 2, 3],
        "BPR" => &[1, 2, 3, 4, 16],
        "TRN" => &[1, 2],
        "CLP" => &[1, 2, 3, 4],
        "SVC" => &[1, 2, 3],
        "AMT" => &[1, 2],
        "AK1" => &[1, 2],
        "AK2" => &[1, 2],
        "IK3" => &[1, 2, 4],
        "IK5" => &[1],
        "AK9" => &[1, 2, 3, 4],
        "STC" => &[1],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_835_requires_an_svc_payment() {
        assert_eq!(required_elements_in("835", "SVC"), &[1, 2, 3]);
        assert_eq!(required_elements_in("276", "SVC"), &[1, 2]);
        assert_eq!(required_elements_in("277", "SVC"), &[1, 2]);
        assert_eq!(required_elements_in("276", "TRN"), required_elements("TRN"));
    }

    #[test]
    fn names_are_one_based_like_the_guides() {
        assert_eq!(element_name("CLM", 1), Some("Patient control number"));
        assert_eq!(element_name("CLP", 7), Some("Payer claim control number"));
        assert_eq!(element_name("CLM", 3), None);
        assert_eq!(element_name("CLM", 0), None);
        assert_eq!(element_name("ZZZ", 1), None);
    }
}
