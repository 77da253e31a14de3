//! FHIR R4 encounters: a Bundle (collection, transaction, searchset, batch) or an NDJSON bulk
//! export (one resource per line), read through the Claim resource.
//!
//! Each Claim becomes one encounter: `Claim.item[].encounter` names the Encounter (whose first
//! identifier is the EMR's encounter ID), `Claim.patient` the Patient, `Claim.insurance[]` the
//! Coverages (subscriber, member ID, payer Organization), `Claim.diagnosis[]` the ICD-10-CM codes,
//! `Claim.careTeam[]` the rendering and referring Practitioners (NPI), `Claim.item[]` the service
//! lines. Money is read from the JSON number text, never through a float.
//!
//! ```json
//! {"resourceType": "Claim", "id": "E1001",
//!  "item": [{"sequence": 1, "productOrService": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "99214"}]},
//!            "net": {"value": 160.00, "currency": "USD"}, "diagnosisSequence": [1, 2]}]}
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rust_decimal::Decimal;
use serde_json::Value;

use super::{EncounterSink, IngestError, RecordError, parse_compact_or_iso_date, parse_relationship, parse_sex};
use crate::encounter::{
    Address, ClaimFrequency, Coverage, Diagnosis, DrugIdentification, Encounter, Insured, NamedProvider, Patient,
    PersonName, Procedure, ServiceFacility, ServiceLine, SourceRef, Subscriber,
};

pub const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
pub const CPT: &str = "http://www.ama-assn.org/go/cpt";
pub const HCPCS: &str = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
pub const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
pub const NDC: &str = "http://hl7.org/fhir/sid/ndc";
pub const POS: &str = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set";

/// A resource with where it was found.
struct Located {
    resource: Value,
    locator: String,
}

/// Reads a FHIR JSON Bundle or NDJSON file into `sink`.
pub fn read_fhir_file(path: &Path, sink: &mut dyn EncounterSink) -> Result<(), IngestError> {
    let text = crate::files::read_input_to_string(path).map_err(|e| IngestError::io(path, e))?;
    read_fhir(&text, &path.display().to_string(), sink)
}

/// Reads FHIR JSON text (a Bundle or NDJSON); `file` names it in errors and sources.
pub fn read_fhir(text: &str, file: &str, sink: &mut dyn EncounterSink) -> Result<(), IngestError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    let mut resources = Vec::new();
    let single: Result<Value, _> = serde_json::from_str(trimmed);
    match single {
        Ok(Value::Object(mut obj)) if obj.get("resourceType").and_then(Value::as_str) == Some("Bundle") => {
            // The entries are moved out of the parsed bundle, not copied: a large bundle is held once.
            let entries = match obj.remove("entry") {
                Some(Value::Array(entries)) => entries,
                _ => Vec::new(),
            };
            for (i, mut entry) in entries.into_iter().enumerate() {
                let full_url = entry.get("fullUrl").and_then(Value::as_str).map(String::from);
                if let Some(resource) = entry.as_object_mut().and_then(|e| e.remove("resource")) {
                    let locator = format!("entry {} ({})", i + 1, type_and_id(&resource));
                    resources.push((full_url, Located { resource, locator }));
                }
            }
        }
        Ok(Value::Object(obj)) if obj.get("resourceType").is_some() && !trimmed.contains('\n') => {
            let resource = Value::Object(obj);
            let locator = format!("line 1 ({})", type_and_id(&resource));
            resources.push((None, Located { resource, locator }));
        }
        Ok(_) if !trimmed.starts_with('{') || !looks_like_ndjson(trimmed) => {
            return Err(IngestError::Unreadable {
                file: file.into(),
                position: "line 1".into(),
                reason: "JSON that is neither a FHIR Bundle nor NDJSON resources".into(),
            });
        }
        Err(e) if !looks_like_ndjson(trimmed) => {
            return Err(IngestError::Unreadable {
                file: file.into(),
                position: format!("line {} column {}", e.line(), e.column()),
                reason: format!("not valid JSON ({})", json_error_kind(&e)),
            });
        }
        _ => {
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(line) {
                    Ok(resource) => {
                        let locator = format!("line {} ({})", i + 1, type_and_id(&resource));
                        resources.push((None, Located { resource, locator }));
                    }
                    Err(e) => sink.reject(vec![RecordError::new(
                        file,
                        format!("line {} column {}", i + 1, e.column()),
                        "resource",
                        format!("not valid JSON ({})", json_error_kind(&e)),
                    )]),
                }
            }
        }
    }
    let index = Index::new(resources);
    let mut claimed_encounters = std::collections::HashSet::new();
    for located in index.all.iter().filter(|r| resource_type(&r.resource) == "Claim") {
        let mut errors = Vec::new();
        let reader = ClaimReader { index: &index, file, locator: &located.locator, errors: &mut errors };
        let encounter = reader.read(&located.resource);
        for item in located.resource.get("item").and_then(Value::as_array).into_iter().flatten() {
            for reference in item.get("encounter").and_then(Value::as_array).into_iter().flatten() {
                if let Some(i) = index.resolve_index(reference) {
                    claimed_encounters.insert(i);
                }
            }
        }
        match encounter {
            Some(e) if errors.is_empty() => sink.encounter(e)?,
            _ => {
                if errors.is_empty() {
                    errors.push(RecordError::new(file, located.locator.clone(), "Claim", "cannot be read"));
                }
                sink.reject(errors);
            }
        }
    }
    for (i, located) in index.all.iter().enumerate() {
        if resource_type(&located.resource) == "Encounter" && !claimed_encounters.contains(&i) {
            sink.reject(vec![RecordError::new(
                file,
                located.locator.clone(),
                "Encounter",
                "no Claim refers to this Encounter: charges and service lines come from Claim.item",
            )]);
        }
    }
    Ok(())
}

fn looks_like_ndjson(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    lines.next().is_some_and(|l| l.trim_start().starts_with('{') && l.trim_end().ends_with('}'))
        && lines.next().is_some()
}

fn json_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "the file ends in the middle of a value: truncated?",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Io => "read error",
    }
}

fn resource_type(v: &Value) -> &str {
    v.get("resourceType").and_then(Value::as_str).unwrap_or("")
}

fn type_and_id(v: &Value) -> String {
    // Only what has the shape of a FHIR resource type and logical id is shown: the text of a
    // malformed resource may be anything, patient data included.
    let ty = resource_type(v);
    let ty = if !ty.is_empty() && ty.len() <= 64 && ty.bytes().all(|b| b.is_ascii_alphabetic()) { ty } else { "?" };
    let id = v.get("id").and_then(Value::as_str).unwrap_or("?");
    let id_ok = (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    format!("{ty}/{}", if id_ok { id } else { "?" })
}

/// The text at a path of object keys ("" when absent).
fn str_at<'v>(v: &'v Value, path: &[&str]) -> &'v str {
    let mut cur = v;
    for key in path {
        match cur.get(key) {
            Some(next) => cur = next,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

/// An exact decimal from a JSON number (its original text) or a numeric string.
fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => {
            n.to_string().parse::<Decimal>().ok().or_else(|| Decimal::from_scientific(&n.to_string()).ok())
        }
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .and_then(crate::encounter::bounded_amount)
}

/// The code of the first coding with `system` in a CodeableConcept.
fn code_in<'v>(concept: &'v Value, systems: &[&str]) -> Option<&'v str> {
    concept.get("coding")?.as_array()?.iter().find_map(|c| {
        let system = c.get("system").and_then(Value::as_str).unwrap_or("");
        if systems.contains(&system) { c.get("code").and_then(Value::as_str) } else { None }
    })
}

fn any_code(concept: &Value) -> Option<&str> {
    concept.get("coding")?.as_array()?.first()?.get("code")?.as_str()
}

/// Resources by `Type/id` and by `fullUrl`.
struct Index {
    all: Vec<Located>,
    by_ref: HashMap<String, usize>,
}

impl Index {
    fn new(resources: Vec<(Option<String>, Located)>) -> Index {
        let mut index = Index { all: Vec::new(), by_ref: HashMap::new() };
        for (full_url, located) in resources {
            let i = index.all.len();
            index.by_ref.insert(type_and_id(&located.resource), i);
            if let Some(url) = full_url {
                index.by_ref.insert(url, i);
            }
            index.all.push(located);
        }
        index
    }

    fn resolve(&self, reference: &Value) -> Option<&Value> {
        self.resolve_index(reference).map(|i| &self.all[i].resource)
    }

    fn resolve_index(&self, reference: &Value) -> Option<usize> {
        let r = reference.get("reference")?.as_str()?;
        let key = r.rsplit_once("/_history").map_or(r, |(k, _)| k);
        let key = key.strip_prefix("http://").map_or(key, |rest| rest.split_once('/').map_or(rest, |(_, k)| k));
        if let Some(i) = self.by_ref.get(key).or_else(|| self.by_ref.get(r)) {
            return Some(*i);
        }
        // An absolute URL: match on its last two segments (Type/id).
        let mut parts = r.rsplit('/');
        let (id, ty) = (parts.next()?, parts.next()?);
        self.by_ref.get(&format!("{ty}/{id}")).copied()
    }
}

struct ClaimReader<'a> {
    index: &'a Index,
    file: &'a str,
    locator: &'a str,
    errors: &'a mut Vec<RecordError>,
}

impl ClaimReader<'_> {
    fn fail(&mut self, field: &str, reason: impl Into<String>) {
        self.errors.push(RecordError::new(self.file, self.locator, field, reason));
    }

    /// A record error about `value` (kept, shown only with `--show-data`; a character that is not
    /// ASCII in it makes the record unreadable, exit 3).
    fn fail_with(&mut self, field: &str, reason: &str, value: &str) {
        self.errors.push(RecordError::new(self.file, self.locator, field, reason).with_value(value));
    }

    /// The date `text` holds (`None` when empty); one that is not a date is a record error that
    /// keeps the value (shown only with `--show-data`; a character that is not ASCII makes the
    /// record unreadable, exit 3).
    fn date(&mut self, field: &str, text: &str) -> Option<chrono::NaiveDate> {
        if text.is_empty() {
            return None;
        }
        let d = parse_compact_or_iso_date(text);
        if d.is_none() {
            let e = RecordError::new(self.file, self.locator, field, "not a date (YYYY-MM-DD)").with_value(text);
            self.errors.push(e);
        }
        d
    }

    fn read(mut self, claim: &Value) -> Option<Encounter> {
        let index = self.index;
        let encounter_resource = claim
            .get("item")
            .and_then(Value::as_array)
            .and_then(|items| items.iter().find_map(|i| i.get("encounter")?.as_array()?.first()))
            .and_then(|r| index.resolve(r));
        let id = encounter_resource
            .and_then(|e| e.get("identifier")?.as_array()?.first()?.get("value")?.as_str())
            .or_else(|| claim.get("identifier")?.as_array()?.first()?.get("value")?.as_str())
            .or_else(|| claim.get("id")?.as_str())
            .unwrap_or("")
            .to_string();
        if id.is_empty() {
            self.fail("Claim.identifier", "no encounter ID (Encounter.identifier, Claim.identifier or Claim.id)");
        }
        let Some(patient_res) = claim.get("patient").and_then(|r| index.resolve(r)) else {
            self.fail("Claim.patient", "missing, or the Patient is not in the file");
            return None;
        };
        let patient = self.person(patient_res, "Patient");
        // Insurance, by sequence; focal first.
        let mut insurance: Vec<&Value> =
            claim.get("insurance").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
        insurance.sort_by_key(|i| {
            (
                !i.get("focal").and_then(Value::as_bool).unwrap_or(false),
                i.get("sequence").and_then(Value::as_u64).unwrap_or(99),
            )
        });
        let mut coverages: Vec<(&Value, &Value)> =
            insurance.iter().filter_map(|i| Some((*i, i.get("coverage").and_then(|c| index.resolve(c))?))).collect();
        // Coverage.order (1 primary, 2 secondary...) wins over the claim's insurance sequence.
        coverages.sort_by_key(|(i, c)| {
            (
                !i.get("focal").and_then(Value::as_bool).unwrap_or(false)
                    && c.get("order").and_then(Value::as_u64).is_none(),
                c.get("order").and_then(Value::as_u64).unwrap_or(99),
            )
        });
        let Some((primary_ins, primary)) = coverages.first().copied() else {
            self.fail("Claim.insurance", "no Coverage (payer and member ID) for the claim");
            return None;
        };
        let relationship_code = primary.get("relationship").and_then(any_code).unwrap_or("self");
        let relationship = parse_relationship(relationship_code).unwrap_or_else(|| {
            self.fail_with("Coverage.relationship", "must be self, spouse, child or other", relationship_code);
            Default::default()
        });
        let subscriber_person = primary.get("subscriber").and_then(|r| index.resolve(r));
        let sub = subscriber_person.map(|p| self.person(p, "Coverage.subscriber"));
        let subscriber = Subscriber {
            member_id: str_at(primary, &["subscriberId"]).to_string(),
            name: sub.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
            dob: sub.as_ref().and_then(|s| s.dob),
            sex: sub.as_ref().map(|s| s.sex).unwrap_or_default(),
            address: sub.as_ref().and_then(|s| s.address.clone()),
            group_number: group_number(primary),
        };
        let payer_id = self.payer_id(primary);
        let secondary = coverages.get(1).map(|(_, c)| self.coverage(c));
        let tertiary = coverages.get(2).map(|(_, c)| self.coverage(c));
        let insurance_type = insurance_type(primary);
        let (coverage_from, coverage_to) = self.period(primary);
        let prior_authorization = primary_ins
            .get("preAuthRef")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .map(String::from);
        // Care team: sequence -> (role, NPI, name).
        let mut care_team: BTreeMap<u64, (String, String, PersonName)> = BTreeMap::new();
        for member in claim.get("careTeam").and_then(Value::as_array).into_iter().flatten() {
            let seq = member.get("sequence").and_then(Value::as_u64).unwrap_or(0);
            let role = member.get("role").and_then(any_code).unwrap_or("").to_ascii_lowercase();
            let Some(provider) = member.get("provider").and_then(|r| index.resolve(r)) else {
                self.fail("Claim.careTeam.provider", "the Practitioner is not in the file");
                continue;
            };
            let npi = npi_of(provider).unwrap_or_default();
            care_team.insert(seq, (role, npi, human_name(provider)));
        }
        let rendering_npi = care_team
            .values()
            .find(|(role, ..)| matches!(role.as_str(), "rendering" | "performing" | "primary"))
            .map(|(_, npi, _)| npi.clone())
            .or_else(|| {
                claim
                    .get("provider")
                    .and_then(|r| index.resolve(r))
                    .filter(|p| resource_type(p) == "Practitioner")
                    .and_then(npi_of)
            });
        let named = |wanted: &str| {
            care_team.values().find(|(role, ..)| role == wanted).map(|(_, npi, name)| NamedProvider {
                npi: npi.clone(),
                last: name.last.clone(),
                first: (!name.first.is_empty()).then(|| name.first.clone()),
            })
        };
        let referring = named("referring");
        // The care team role `supervisor` (claimcareteamrole): the supervising provider (2310D).
        let supervising = named("supervisor");
        let facility = claim.get("facility").and_then(|r| index.resolve(r)).map(|f| ServiceFacility {
            npi: npi_of(f),
            name: str_at(f, &["name"]).to_string(),
            address: address_of(f).unwrap_or_default(),
        });
        // Diagnoses in sequence order; remember sequence -> 1-based position.
        let mut diagnosis_entries: Vec<&Value> =
            claim.get("diagnosis").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
        diagnosis_entries.sort_by_key(|d| d.get("sequence").and_then(Value::as_u64).unwrap_or(0));
        let mut diagnoses = Vec::new();
        let mut position_of_sequence = HashMap::new();
        for d in diagnosis_entries {
            let code = d.get("diagnosisCodeableConcept").and_then(|c| code_in(c, &[ICD10CM])).or_else(|| {
                d.get("diagnosisReference")
                    .and_then(|r| index.resolve(r))
                    .and_then(|c| c.get("code"))
                    .and_then(|c| code_in(c, &[ICD10CM]))
            });
            match code {
                Some(code) => {
                    diagnoses.push(Diagnosis::new(code));
                    if let Some(seq) = d.get("sequence").and_then(Value::as_u64) {
                        position_of_sequence.insert(seq, diagnoses.len() as u64);
                    }
                }
                None => self.fail("Claim.diagnosis", format!("no ICD-10-CM coding ({ICD10CM})")),
            }
        }
        let onset = claim
            .get("diagnosis")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|d| d.get("diagnosisReference"))
            .and_then(|r| index.resolve(r))
            .and_then(|c| c.get("onsetDateTime").and_then(Value::as_str))
            .unwrap_or("");
        let onset_date = self.date("Condition.onsetDateTime", onset);
        let mut place_of_service = String::new();
        let mut lines = Vec::new();
        let mut items: Vec<&Value> =
            claim.get("item").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
        items.sort_by_key(|i| i.get("sequence").and_then(Value::as_u64).unwrap_or(0));
        if items.is_empty() {
            self.fail("Claim.item", "the claim has no service lines");
        }
        for (n, item) in items.iter().enumerate() {
            let at = |f: &str| format!("Claim.item[{}].{f}", n + 1);
            let Some(code) = item.get("productOrService").and_then(|p| code_in(p, &[CPT, HCPCS])) else {
                self.fail(&at("productOrService"), format!("no CPT ({CPT}) or HCPCS coding"));
                continue;
            };
            let modifiers = item
                .get("modifier")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(any_code)
                .map(String::from)
                .collect();
            let (from_text, to_text, from_field) = match (str_at(item, &["servicedDate"]), item.get("servicedPeriod")) {
                (d, _) if !d.is_empty() => (d, "", "servicedDate"),
                (_, Some(p)) => (str_at(p, &["start"]), str_at(p, &["end"]), "servicedPeriod.start"),
                _ => ("", "", "servicedDate"),
            };
            let from = self.date(&at(from_field), from_text);
            let to = self.date(&at("servicedPeriod.end"), to_text);
            let Some(date_of_service) = from else {
                if from_text.is_empty() {
                    self.fail(&at(from_field), "missing (servicedDate or servicedPeriod.start)");
                }
                continue;
            };
            let units = match item.get("quantity").and_then(|q| q.get("value")) {
                None => Decimal::ONE,
                Some(v) => decimal(v).unwrap_or_else(|| {
                    self.fail(&at("quantity"), "not a number");
                    Decimal::ONE
                }),
            };
            let charge = match item.get("net").and_then(|m| m.get("value")).and_then(decimal) {
                Some(c) => c,
                None => match item.get("unitPrice").and_then(|m| m.get("value")).and_then(decimal) {
                    Some(p) => p * units,
                    None => {
                        self.fail(&at("net"), "no charge (net or unitPrice)");
                        continue;
                    }
                },
            };
            let mut diagnosis_pointers = Vec::new();
            for seq in item.get("diagnosisSequence").and_then(Value::as_array).into_iter().flatten() {
                let seq = seq.as_u64().unwrap_or(0);
                // A pointer to a missing diagnosis stays out of range for the scrubber to catch.
                let position = position_of_sequence.get(&seq).copied().unwrap_or(seq);
                diagnosis_pointers.push(u8::try_from(position).unwrap_or(u8::MAX));
            }
            let line_pos = item
                .get("locationCodeableConcept")
                .and_then(|c| code_in(c, &[POS]).or_else(|| any_code(c)))
                .map(String::from);
            if n == 0 {
                place_of_service = line_pos.clone().unwrap_or_default();
            }
            let line_rendering = item
                .get("careTeamSequence")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_u64)
                .find_map(|s| {
                    care_team
                        .get(&s)
                        .filter(|(role, ..)| role != "referring" && role != "supervisor")
                        .map(|(_, npi, _)| npi.clone())
                });
            let drug = item.get("detail").and_then(Value::as_array).and_then(|d| d.first()).and_then(|detail| {
                let ndc = detail.get("productOrService").and_then(|p| code_in(p, &[NDC]))?;
                let q = detail.get("quantity");
                Some(DrugIdentification {
                    ndc: ndc.to_string(),
                    quantity: q.and_then(|q| q.get("value")).and_then(decimal).unwrap_or_default(),
                    unit: q.map(|q| str_at(q, &["code"])).unwrap_or("").to_string(),
                })
            });
            lines.push(ServiceLine {
                number: n as u32 + 1,
                source: SourceRef { file: self.file.to_string(), locator: format!("{} item {}", self.locator, n + 1) },
                date_of_service,
                date_of_service_to: to,
                procedure: Procedure { code: code.to_string(), modifiers },
                units,
                charge,
                diagnosis_pointers,
                place_of_service: line_pos,
                rendering_npi: line_rendering,
                drug,
                unit_type: Default::default(),
                description: None,
                ordering: None,
                supervising: None,
            });
        }
        let mut encounter = Encounter {
            id,
            source: SourceRef { file: self.file.to_string(), locator: self.locator.to_string() },
            patient,
            relationship,
            subscriber,
            payer_id,
            secondary,
            tertiary,
            insurance_type,
            coverage_from,
            coverage_to,
            rendering_npi,
            referring,
            supervising,
            facility,
            place_of_service,
            diagnoses,
            lines,
            prior_authorization,
            onset_date,
            frequency: ClaimFrequency::Original,
            original_claim_number: None,
            notes: BTreeMap::new(),
        };
        encounter.normalize_coverages();
        Some(encounter)
    }

    fn person(&mut self, p: &Value, field: &str) -> Patient {
        let gender = str_at(p, &["gender"]);
        let sex = parse_sex(gender).unwrap_or_else(|| {
            self.fail_with(&format!("{field}.gender"), "must be male, female, other or unknown", gender);
            Default::default()
        });
        let dob = self.date(&format!("{field}.birthDate"), str_at(p, &["birthDate"]));
        let id = p
            .get("identifier")
            .and_then(Value::as_array)
            .and_then(|ids| {
                ids.iter()
                    .find(|i| i.get("type").and_then(any_code) == Some("MR"))
                    .or_else(|| ids.first())
                    .and_then(|i| i.get("value")?.as_str())
            })
            .or_else(|| p.get("id")?.as_str())
            .unwrap_or("")
            .to_string();
        Patient { id, name: human_name(p), dob, sex, address: address_of(p) }
    }

    /// A coverage after the primary: payer, member ID, relationship, subscriber, group, type, period.
    fn coverage(&mut self, c: &Value) -> Coverage {
        let relationship = c.get("relationship").and_then(any_code).map(|code| {
            parse_relationship(code).unwrap_or_else(|| {
                self.fail_with("Coverage.relationship", "must be self, spouse, child or other", code);
                Default::default()
            })
        });
        let subscriber = c.get("subscriber").and_then(|r| self.index.resolve(r)).map(|p| {
            let person = self.person(p, "Coverage.subscriber");
            Insured { name: person.name, dob: person.dob, sex: person.sex, address: person.address }
        });
        let (effective_from, effective_to) = self.period(c);
        Coverage {
            payer_id: self.payer_id(c),
            member_id: str_at(c, &["subscriberId"]).to_string(),
            relationship,
            subscriber,
            group_number: group_number(c),
            insurance_type: insurance_type(c),
            effective_from,
            effective_to,
        }
    }

    /// Coverage.period start and end.
    fn period(&mut self, c: &Value) -> (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>) {
        let start = self.date("Coverage.period.start", str_at(c, &["period", "start"]));
        (start, self.date("Coverage.period.end", str_at(c, &["period", "end"])))
    }

    fn payer_id(&mut self, coverage: &Value) -> String {
        let payor = coverage.get("payor").and_then(Value::as_array).and_then(|a| a.first());
        let id = payor.and_then(|p| p.get("identifier")?.get("value")?.as_str().map(String::from)).or_else(|| {
            let org = self.index.resolve(payor?)?;
            org.get("identifier")?.as_array()?.first()?.get("value")?.as_str().map(String::from)
        });
        id.unwrap_or_else(|| {
            self.fail("Coverage.payor", "no payer ID (Organization.identifier)");
            String::new()
        })
    }
}

/// The X12 insurance type code (SBR05) from a `Coverage.type` coding whose system names the X12
/// insurance type list (e.g. `12` Medicare secondary working aged).
fn insurance_type(coverage: &Value) -> Option<String> {
    coverage.get("type")?.get("coding")?.as_array()?.iter().find_map(|c| {
        let system = c.get("system").and_then(Value::as_str).unwrap_or("");
        system.contains("insurance-type").then(|| c.get("code")?.as_str().map(String::from))?
    })
}

fn group_number(coverage: &Value) -> Option<String> {
    coverage.get("class")?.as_array()?.iter().find_map(|c| {
        (c.get("type").and_then(any_code) == Some("group")).then(|| c.get("value")?.as_str().map(String::from))?
    })
}

fn npi_of(resource: &Value) -> Option<String> {
    resource.get("identifier")?.as_array()?.iter().find_map(|i| {
        (i.get("system").and_then(Value::as_str) == Some(NPI)).then(|| i.get("value")?.as_str().map(String::from))?
    })
}

fn human_name(p: &Value) -> PersonName {
    let Some(name) = p.get("name").and_then(Value::as_array).and_then(|a| a.first()) else {
        return PersonName::default();
    };
    let given: Vec<&str> =
        name.get("given").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    PersonName {
        last: str_at(name, &["family"]).to_string(),
        first: given.first().copied().unwrap_or("").to_string(),
        middle: given.get(1).map(|m| m.to_string()),
    }
}

fn address_of(p: &Value) -> Option<Address> {
    let a = match p.get("address")? {
        Value::Array(list) => list.first()?,
        other => other,
    };
    let lines: Vec<&str> =
        a.get("line").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    Some(Address {
        line1: lines.first().copied().unwrap_or("").to_string(),
        line2: lines.get(1).map(|l| l.to_string()),
        city: str_at(a, &["city"]).to_string(),
        state: str_at(a, &["state"]).to_ascii_uppercase(),
        zip: str_at(a, &["postalCode"]).replace('-', ""),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::Collect;

    fn bundle(net: &str) -> String {
        format!(
            r#"{{"resourceType": "Bundle", "type": "searchset", "entry": [
              {{"resource": {{"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1960-02-03",
                 "name": [{{"family": "Lee", "given": ["Ann"]}}]}}}},
              {{"resource": {{"resourceType": "Coverage", "id": "c1", "subscriberId": "M1",
                 "subscriber": {{"reference": "Patient/p1"}}, "payor": [{{"identifier": {{"value": "ACME1"}}}}]}}}},
              {{"resource": {{"resourceType": "Claim", "id": "E7", "patient": {{"reference": "Patient/p1"}},
                 "insurance": [{{"sequence": 1, "focal": true, "coverage": {{"reference": "Coverage/c1"}}}}],
                 "diagnosis": [{{"sequence": 1, "diagnosisCodeableConcept": {{"coding": [{{"system": "{ICD10CM}", "code": "I10"}}]}}}}],
                 "item": [{{"sequence": 1, "productOrService": {{"coding": [{{"system": "{CPT}", "code": "99213"}}]}},
                   "servicedDate": "2026-10-01", "diagnosisSequence": [1], "net": {{"value": {net}}}}}]}}}}]}}"#
        )
    }

    #[test]
    fn money_is_read_exactly_from_the_json_number_text() {
        let mut sink = Collect::default();
        read_fhir(&bundle("0.30000000000000004"), "b.json", &mut sink).unwrap();
        assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
        let e = &sink.encounters[0];
        assert_eq!(e.lines[0].charge.to_string(), "0.30000000000000004");
        assert_eq!(e.id, "E7");
        assert_eq!(e.payer_id, "ACME1");
        assert_eq!(e.subscriber.member_id, "M1");
    }

    #[test]
    fn a_care_team_supervisor_is_the_supervising_provider_not_a_line_renderer() {
        let text = bundle("100.00")
            .replace(
                r#"{"resource": {"resourceType": "Claim""#,
                r#"{"resource": {"resourceType": "Practitioner", "id": "s1",
                     "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1245319599"}],
                     "name": [{"family": "Stone", "given": ["Ida"]}]}},
                   {"resource": {"resourceType": "Claim""#,
            )
            .replace(
                r#""insurance": [{"sequence": 1"#,
                r#""careTeam": [{"sequence": 1, "provider": {"reference": "Practitioner/s1"},
                     "role": {"coding": [{"code": "supervisor"}]}}],
                   "insurance": [{"sequence": 1"#,
            )
            .replace(r#""diagnosisSequence": [1]"#, r#""diagnosisSequence": [1], "careTeamSequence": [1]"#);
        let mut sink = Collect::default();
        read_fhir(&text, "b.json", &mut sink).unwrap();
        assert!(sink.rejected.is_empty(), "{:?}", sink.rejected);
        let e = &sink.encounters[0];
        let s = e.supervising.as_ref().unwrap();
        assert_eq!((s.npi.as_str(), s.last.as_str()), ("1245319599", "Stone"));
        assert_eq!(e.lines[0].rendering_npi, None);
    }

    #[test]
    fn a_claim_item_without_a_charge_rejects_the_claim_with_the_element() {
        let mut sink = Collect::default();
        read_fhir(&bundle("\"x\""), "b.json", &mut sink).unwrap();
        assert!(sink.encounters.is_empty());
        assert_eq!(sink.rejected[0][0].field, "Claim.item[1].net");
        assert!(sink.rejected[0][0].locator.contains("Claim/E7"));
    }

    #[test]
    fn a_date_or_code_with_a_character_that_is_not_ascii_makes_the_claim_unreadable_without_echoing_it() {
        let coverage = r#""subscriberId": "M1","#;
        for (from, to, field) in [
            (r#""servicedDate": "2026-10-01""#, r#""servicedDate": "2026-10-0é""#, "Claim.item[1].servicedDate"),
            (
                r#""servicedDate": "2026-10-01""#,
                r#""servicedPeriod": {"start": "2026-10-01", "end": "2026-10-0é"}"#,
                "Claim.item[1].servicedPeriod.end",
            ),
            (coverage, r#""subscriberId": "M1", "period": {"start": "2026-01-0é"},"#, "Coverage.period.start"),
            (r#""gender": "female""#, r#""gender": "femalé""#, "Patient.gender"),
            (
                coverage,
                r#""subscriberId": "M1", "relationship": {"coding": [{"code": "sélf"}]},"#,
                "Coverage.relationship",
            ),
        ] {
            let text = bundle("100.00").replace(from, to);
            assert_ne!(text, bundle("100.00"), "{field}");
            let mut sink = Collect::default();
            read_fhir(&text, "b.json", &mut sink).unwrap();
            assert!(sink.encounters.is_empty(), "{field}");
            // The patient is also the subscriber: a gender may be named twice.
            let errors = &sink.rejected[0];
            assert_eq!(errors[0].field, field, "{errors:?}");
            assert!(errors[0].unreadable, "{field}: a character X12 cannot carry is an input data error");
            assert!(!errors[0].to_string().contains('é'), "{}", errors[0]);
        }
    }

    #[test]
    fn a_date_that_is_not_one_is_a_record_error_and_a_missing_service_date_says_so() {
        let mut sink = Collect::default();
        read_fhir(&bundle("100.00").replace("2026-10-01", "2026-13-01"), "b.json", &mut sink).unwrap();
        let e = &sink.rejected[0][0];
        assert_eq!(
            (e.field.as_str(), e.reason.as_str(), e.unreadable),
            ("Claim.item[1].servicedDate", "not a date (YYYY-MM-DD)", false)
        );
        let mut sink = Collect::default();
        read_fhir(&bundle("100.00").replace(r#""servicedDate": "2026-10-01","#, ""), "b.json", &mut sink).unwrap();
        assert!(sink.rejected[0][0].reason.starts_with("missing"), "{:?}", sink.rejected);
    }

    #[test]
    fn json_that_is_not_fhir_is_unreadable() {
        let mut sink = Collect::default();
        assert!(matches!(read_fhir("[1, 2]", "b.json", &mut sink), Err(IngestError::Unreadable { .. })));
    }
}
