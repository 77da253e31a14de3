//! The canonical encounter columns: their names in the documented order, the coverage columns
//! after the primary, and the columns every export must have. The CSV reader reads by them; a
//! mapping ([`super::mapping`]) names another EMR's columns in their terms.

macro_rules! canonical_columns {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// The canonical CSV columns, in the documented order.
        pub const CANONICAL_COLUMNS: &[&str] = &[$($name),*];
        #[derive(Debug, Clone, Copy)]
        pub(super) enum Col { $($variant),* }
    };
}

canonical_columns! {
    EncounterId = "encounter_id", PatientId = "patient_id", PatientLast = "patient_last",
    PatientFirst = "patient_first", PatientMiddle = "patient_middle", PatientDob = "patient_dob",
    PatientSex = "patient_sex", PatientAddress = "patient_address", PatientCity = "patient_city",
    PatientState = "patient_state", PatientZip = "patient_zip", Relationship = "relationship",
    SubscriberId = "subscriber_id", SubscriberLast = "subscriber_last", SubscriberFirst = "subscriber_first",
    SubscriberDob = "subscriber_dob", SubscriberSex = "subscriber_sex", GroupNumber = "group_number",
    PayerId = "payer_id", SecondaryPayerId = "secondary_payer_id", SecondarySubscriberId = "secondary_subscriber_id",
    RenderingNpi = "rendering_npi", ReferringNpi = "referring_npi", ReferringLast = "referring_last",
    ReferringFirst = "referring_first", FacilityNpi = "facility_npi", FacilityName = "facility_name",
    FacilityAddress = "facility_address", FacilityCity = "facility_city", FacilityState = "facility_state",
    FacilityZip = "facility_zip", PlaceOfService = "place_of_service", DateOfService = "date_of_service",
    DateOfServiceTo = "date_of_service_to", ProcedureCode = "procedure_code", Modifiers = "modifiers",
    Units = "units", Charge = "charge", DiagnosisCodes = "diagnosis_codes", DiagnosisPointers = "diagnosis_pointers",
    Ndc = "ndc", NdcUnits = "ndc_units", NdcUnitType = "ndc_unit_type", PriorAuth = "prior_auth",
    OnsetDate = "onset_date", Frequency = "frequency", OriginalClaimNumber = "original_claim_number",
    ProcedureDescription = "procedure_description", UnitType = "unit_type", OrderingNpi = "ordering_npi",
    OrderingLast = "ordering_last", OrderingFirst = "ordering_first", SupervisingNpi = "supervising_npi",
    SupervisingLast = "supervising_last", SupervisingFirst = "supervising_first",
    InsuranceType = "insurance_type", CoverageFrom = "coverage_from", CoverageTo = "coverage_to",
    SecondaryRelationship = "secondary_relationship", SecondarySubscriberLast = "secondary_subscriber_last",
    SecondarySubscriberFirst = "secondary_subscriber_first", SecondarySubscriberDob = "secondary_subscriber_dob",
    SecondarySubscriberSex = "secondary_subscriber_sex", SecondaryGroupNumber = "secondary_group_number",
    SecondaryInsuranceType = "secondary_insurance_type", SecondaryFrom = "secondary_from",
    SecondaryTo = "secondary_to", TertiaryPayerId = "tertiary_payer_id",
    TertiarySubscriberId = "tertiary_subscriber_id", TertiaryRelationship = "tertiary_relationship",
    TertiarySubscriberLast = "tertiary_subscriber_last", TertiarySubscriberFirst = "tertiary_subscriber_first",
    TertiarySubscriberDob = "tertiary_subscriber_dob", TertiarySubscriberSex = "tertiary_subscriber_sex",
    TertiaryGroupNumber = "tertiary_group_number", TertiaryInsuranceType = "tertiary_insurance_type",
    TertiaryFrom = "tertiary_from", TertiaryTo = "tertiary_to",
}

/// The columns of one coverage after the primary, in [`Col`] terms.
pub(super) struct CoverageCols {
    pub(super) payer: Col,
    pub(super) member: Col,
    pub(super) relationship: Col,
    pub(super) last: Col,
    pub(super) first: Col,
    pub(super) dob: Col,
    pub(super) sex: Col,
    pub(super) group: Col,
    pub(super) insurance_type: Col,
    pub(super) from: Col,
    pub(super) to: Col,
}

pub(super) const SECONDARY_COLS: CoverageCols = CoverageCols {
    payer: Col::SecondaryPayerId,
    member: Col::SecondarySubscriberId,
    relationship: Col::SecondaryRelationship,
    last: Col::SecondarySubscriberLast,
    first: Col::SecondarySubscriberFirst,
    dob: Col::SecondarySubscriberDob,
    sex: Col::SecondarySubscriberSex,
    group: Col::SecondaryGroupNumber,
    insurance_type: Col::SecondaryInsuranceType,
    from: Col::SecondaryFrom,
    to: Col::SecondaryTo,
};

pub(super) const TERTIARY_COLS: CoverageCols = CoverageCols {
    payer: Col::TertiaryPayerId,
    member: Col::TertiarySubscriberId,
    relationship: Col::TertiaryRelationship,
    last: Col::TertiarySubscriberLast,
    first: Col::TertiarySubscriberFirst,
    dob: Col::TertiarySubscriberDob,
    sex: Col::TertiarySubscriberSex,
    group: Col::TertiaryGroupNumber,
    insurance_type: Col::TertiaryInsuranceType,
    from: Col::TertiaryFrom,
    to: Col::TertiaryTo,
};

/// Columns every encounter export must have (directly or through a mapping): without one, every
/// claim would go out without the patient's name, birth date, member ID or diagnoses, so the file
/// is refused before anything is stored. Every other canonical column is optional; columns that
/// are not canonical are kept as notes and listed in a warning.
pub(super) const REQUIRED_COLUMNS: &[Col] = &[
    Col::EncounterId,
    Col::PatientId,
    Col::PatientLast,
    Col::PatientFirst,
    Col::PatientDob,
    Col::SubscriberId,
    Col::PayerId,
    Col::DateOfService,
    Col::ProcedureCode,
    Col::Charge,
    Col::DiagnosisCodes,
];

/// The names of the [`REQUIRED_COLUMNS`], in documented order.
pub fn required_columns() -> impl Iterator<Item = &'static str> {
    REQUIRED_COLUMNS.iter().map(|c| CANONICAL_COLUMNS[*c as usize])
}
