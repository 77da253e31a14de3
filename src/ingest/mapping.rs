//! CSV column mappings: read another EMR's export without code changes.
//!
//! A mapping is a small TOML file that says, for each canonical column, where its value comes
//! from: a renamed column, a constant, one part of a split column, or several columns joined.
//! Dates can have their own formats. Columns the mapping does not use are kept as notes.
//!
//! ```toml
//! date_format = "%m/%d/%Y"            # every date column (default %Y-%m-%d)
//! [columns]                           # canonical = "export's header"
//! encounter_id = "Visit ID"
//! procedure_code = "CPT"
//! [constants]                         # canonical = value for every row
//! place_of_service = "11"
//! [date_formats]                      # per column, wins over date_format
//! patient_dob = "%Y%m%d"
//! [values.patient_sex]                # the export's value = canonical value
//! Male = "M"
//! [separators]                        # list columns with another separator
//! diagnosis_codes = ","
//! [[split]]                           # "Lee, Ann" -> patient_last = Lee, patient_first = Ann
//! column = "Patient Name"
//! separator = ","
//! into = ["patient_last", "patient_first"]
//! [[join]]                            # Dx1|Dx2|Dx3 -> diagnosis_codes
//! columns = ["Dx1", "Dx2", "Dx3"]
//! separator = "|"
//! into = "diagnosis_codes"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::IngestError;
use super::columns::CANONICAL_COLUMNS;

/// A parsed, checked mapping file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Field delimiter of the export (default `,`).
    #[serde(default)]
    pub delimiter: Option<char>,
    /// chrono format for every date column (default `%Y-%m-%d`).
    #[serde(default)]
    pub date_format: Option<String>,
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub constants: BTreeMap<String, String>,
    #[serde(default)]
    pub date_formats: BTreeMap<String, String>,
    /// canonical column -> (export's value -> canonical value).
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// List columns (`diagnosis_codes`, `modifiers`, `diagnosis_pointers`) whose export uses
    /// another separator than the canonical `|` / `:`.
    #[serde(default)]
    pub separators: BTreeMap<String, String>,
    #[serde(default)]
    pub split: Vec<Split>,
    #[serde(default)]
    pub join: Vec<Join>,
}

/// One column split into several canonical columns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Split {
    pub column: String,
    pub separator: String,
    pub into: Vec<String>,
}

/// Several columns joined into one canonical column (empty parts are skipped).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Join {
    pub columns: Vec<String>,
    pub separator: String,
    pub into: String,
}

impl Mapping {
    pub fn load(path: &Path) -> Result<Mapping, IngestError> {
        let text = crate::files::read_input_to_string(path).map_err(|e| IngestError::io(path, e))?;
        Mapping::parse(&text, &path.display().to_string())
    }

    /// Parses mapping TOML and checks that every target is a canonical column.
    pub fn parse(text: &str, file: &str) -> Result<Mapping, IngestError> {
        let line_of = |offset: usize| 1 + text[..offset.min(text.len())].matches('\n').count();
        let mapping: Mapping = toml::from_str(text).map_err(|e| IngestError::Mapping {
            file: file.to_string(),
            line: e.span().map_or(1, |s| line_of(s.start)),
            message: e.message().to_string(),
        })?;
        let find_line = |needle: &str| text.lines().position(|l| l.contains(needle)).map_or(1, |i| i + 1);
        let targets = mapping
            .columns
            .keys()
            .chain(mapping.constants.keys())
            .chain(mapping.date_formats.keys())
            .chain(mapping.values.keys())
            .chain(mapping.separators.keys())
            .chain(mapping.split.iter().flat_map(|s| s.into.iter()))
            .chain(mapping.join.iter().map(|j| &j.into));
        for target in targets {
            if !CANONICAL_COLUMNS.contains(&target.as_str()) {
                return Err(IngestError::Mapping {
                    file: file.to_string(),
                    line: find_line(target),
                    message: format!("{target:?} is not a canonical column (see docs/ingest.md)"),
                });
            }
        }
        for (column, format) in mapping.date_formats.iter().chain(mapping.date_format.as_ref().map(|f| (f, f))) {
            let probe = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).map(|d| d.format(format).to_string());
            let round_trips = probe.as_deref().is_some_and(|p| {
                chrono::NaiveDate::parse_from_str(p, format).ok() == chrono::NaiveDate::from_ymd_opt(2026, 11, 2)
            });
            if !round_trips {
                return Err(IngestError::Mapping {
                    file: file.to_string(),
                    line: find_line(format),
                    message: format!("date format {format:?} for {column} cannot read back a full date"),
                });
            }
        }
        Ok(mapping)
    }
}

/// A mapping file to start from for an export with these `headers`: each canonical column is
/// given the header that looks like it (same letters, or a usual synonym) or left for the user to
/// fill in; required columns are uncommented either way, so loading the template before it is
/// filled in says what is missing. `delimiter` is the export's.
pub fn template(file: &str, headers: &[String], delimiter: char) -> String {
    use std::fmt::Write as _;
    let required: Vec<&str> = super::columns::required_columns().collect();
    let mut out = String::new();
    let _ = writeln!(out, "# Column mapping for {file}, written by `claimkit import --print-mapping`.");
    let _ =
        writeln!(out, "# canonical column = \"the export's header\". Check every guess; fill in the required ones.");
    let _ = writeln!(
        out,
        "# Columns of the export: {}",
        headers.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(
        out,
        "# More: [constants], [date_formats], [values.COLUMN], [separators], [[split]], [[join]] (docs/ingest.md)."
    );
    if delimiter != ',' {
        let _ = writeln!(out, "delimiter = {:?}", delimiter.to_string());
    }
    let _ = writeln!(out, "# date_format = \"%m/%d/%Y\"");
    let _ = writeln!(out, "\n[columns]");
    let mut used = vec![false; headers.len()];
    for canonical in CANONICAL_COLUMNS {
        let guess = guess_header(canonical, headers, &used);
        let is_required = required.contains(canonical);
        match (guess, is_required) {
            (Some(i), _) => {
                used[i] = true;
                let note = if is_required { "  # required" } else { "" };
                let _ = writeln!(out, "{canonical} = {:?}{note}", headers[i]);
            }
            (None, true) => {
                let _ = writeln!(out, "{canonical} = \"\"  # required: no column looks like it");
            }
            (None, false) => {
                let _ = writeln!(out, "# {canonical} = \"\"");
            }
        }
    }
    let left: Vec<&String> = headers.iter().zip(&used).filter(|(_, u)| !**u).map(|(h, _)| h).collect();
    if !left.is_empty() {
        let _ = writeln!(
            out,
            "\n# Not mapped (kept as notes): {}",
            left.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", ")
        );
    }
    out
}

/// Usual names other EMRs give the canonical columns (letters and digits only, lower case).
const SYNONYMS: &[(&str, &[&str])] = &[
    ("encounter_id", &["visitid", "visit", "encounter", "ticket", "encounterno", "claimid"]),
    ("patient_id", &["patientaccount", "account", "acct", "mrn", "patientno", "accountno"]),
    ("patient_last", &["lastname", "lname", "patientlastname"]),
    ("patient_first", &["firstname", "fname", "patientfirstname"]),
    ("patient_middle", &["middle", "mi", "middlename"]),
    ("patient_dob", &["dob", "birthdate", "dateofbirth", "birth", "patientbirthdate"]),
    ("patient_sex", &["sex", "gender", "patientgender"]),
    ("patient_address", &["street", "address", "addr1", "address1", "patientaddress"]),
    ("patient_city", &["city"]),
    ("patient_state", &["state", "st"]),
    ("patient_zip", &["zip", "zipcode", "postalcode"]),
    ("relationship", &["insuredrelation", "relation", "rel", "relationshiptoinsured"]),
    ("subscriber_id", &["memberid", "policy", "policyno", "insid", "insuredid"]),
    ("subscriber_dob", &["insureddob", "subscriberbirthdate", "subbirth"]),
    ("subscriber_sex", &["insuredgender", "insuredsex", "subsex"]),
    ("group_number", &["group", "groupno", "groupnumber"]),
    ("secondary_payer_id", &["secondarypayer", "seccarrier", "secondaryinsurance"]),
    ("secondary_subscriber_id", &["secondarypolicy", "secinsid", "secondarymemberid"]),
    ("ndc_units", &["ndcqty", "ndcquantity"]),
    ("ndc_unit_type", &["ndcunit"]),
    ("payer_id", &["payer", "payercode", "carrier", "insurance", "plan"]),
    ("rendering_npi", &["npi", "providernpi", "renderingprovidernpi", "docnpi"]),
    ("date_of_service", &["dos", "servicedate", "dateofservice", "fromdt", "fromdate"]),
    ("procedure_code", &["cpt", "hcpcs", "proc", "procedure", "cptcode"]),
    ("modifiers", &["modifier", "mods", "mod"]),
    ("units", &["qty", "quantity", "unit"]),
    ("charge", &["fee", "billed", "amount", "charges", "chargeamount"]),
    ("diagnosis_codes", &["diagnoses", "diagnosis", "dx", "icd10", "diags", "dxcodes"]),
    ("diagnosis_pointers", &["dxptr", "pointers", "ptrs", "dxpointer"]),
    ("place_of_service", &["pos"]),
    ("prior_auth", &["auth", "authno", "priorauthorization"]),
];

/// The unused header that names `canonical` (same letters, or a synonym).
fn guess_header(canonical: &str, headers: &[String], used: &[bool]) -> Option<usize> {
    let squash = |s: &str| s.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    let wanted = squash(canonical);
    let synonyms = SYNONYMS.iter().find(|(c, _)| *c == canonical).map_or(&[][..], |(_, s)| *s);
    let free = |i: &usize| !used[*i];
    (0..headers.len())
        .filter(free)
        .find(|i| squash(&headers[*i]) == wanted)
        .or_else(|| (0..headers.len()).filter(free).find(|i| synonyms.contains(&squash(&headers[*i]).as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_that_is_not_a_canonical_column_is_refused_with_its_line() {
        let err =
            Mapping::parse("[columns]\nencounter_id = \"Visit\"\npatient_shoe = \"Shoe\"\n", "m.toml").unwrap_err();
        match err {
            IngestError::Mapping { line, message, .. } => {
                assert_eq!(line, 3);
                assert!(message.contains("patient_shoe"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_date_format_without_a_day_is_refused() {
        assert!(Mapping::parse("date_format = \"%m/%Y\"\n", "m.toml").is_err());
        assert!(Mapping::parse("date_format = \"%m/%d/%Y\"\n", "m.toml").is_ok());
    }

    #[test]
    fn the_template_guesses_columns_and_marks_what_is_required() {
        let headers: Vec<String> =
            ["Visit ID", "Acct", "DOB", "CPT", "Fee", "Chart location"].iter().map(|s| s.to_string()).collect();
        let text = template("x.csv", &headers, ';');
        assert!(text.contains("encounter_id = \"Visit ID\"  # required"), "{text}");
        assert!(text.contains("patient_dob = \"DOB\"  # required"), "{text}");
        assert!(text.contains("charge = \"Fee\"  # required"), "{text}");
        assert!(text.contains("diagnosis_codes = \"\"  # required: no column looks like it"), "{text}");
        assert!(text.contains("# ndc = \"\""), "{text}");
        assert!(text.contains("Not mapped (kept as notes): \"Chart location\""), "{text}");
        assert!(text.contains("delimiter = \";\""), "{text}");
        // The template parses as a mapping (the user fills in the blanks).
        Mapping::parse(&text, "t.toml").unwrap();
    }
}
