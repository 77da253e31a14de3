#!/usr/bin/env python3
"""Writes claimkit's synthetic sample encounters in every import format.

sample-data/encounters.csv (clean + deliberately defective), and the same CLEAN encounters as
sample-data/encounters.fhir.json (FHIR R4 Bundle) and sample-data/encounters.hl7 (DFT^P03), plus two
differently shaped exports with their mappings in sample-data/mappings/. Every person, number and
address is invented. Run from the repository root: python3 tools/sample-data/generate.py
"""
import csv, io, json, os, random

random.seed(4)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "sample-data")

def luhn_npi(n9):
    s = 24
    for i, ch in enumerate(reversed(n9)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9: d -= 9
        s += d
    return n9 + str((10 - s % 10) % 10)

RENDERING = {  # npi: (last, first)
    "1987654328": ("Okafor", "Adaeze"),
    "1456789019": ("Lindqvist", "Erik"),
    "1678901236": ("Ramos", "Lucia"),
}
REFERRING = ("1102030404", "Chen", "Wei")
assert all(luhn_npi(n[:9]) == n for n in list(RENDERING) + [REFERRING[0]])

MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"
def mbi():
    r = random.choice
    return (r("123456789") + r(MBI_LETTERS) + r(MBI_LETTERS + "0123456789") + r("0123456789") + r(MBI_LETTERS)
            + r(MBI_LETTERS + "0123456789") + r("0123456789") + r(MBI_LETTERS) + r(MBI_LETTERS) + r("0123456789") + r("0123456789"))

STREETS = ["Oak St", "Elm Ave", "Cedar Ln", "Birch Rd", "Walnut Dr", "Chestnut Ct", "Willow Way", "Aspen Pl"]
CITIES = [("Springfield", "IL", "62704"), ("Chatham", "IL", "62629"), ("Rochester", "IL", "62563"), ("Sherman", "IL", "62684")]
LAST = ["Rivera", "Nguyen", "Okonkwo", "Larsen", "Patel", "Moreau", "Haddad", "Kowalski", "Tanaka", "Brennan",
        "Silva", "Abara", "Fischer", "Delgado", "Yilmaz", "Novak", "Quinn", "Osei", "Lindgren", "Castillo",
        "Mbeki", "Sato", "Ferreira", "Dubois", "Kaur", "Walsh", "Ibarra", "Petrov", "Adeyemi", "Hale"]
FIRST_F = ["Ana", "Mai", "Grace", "Ingrid", "Priya", "Claire", "Leila", "Zofia", "Yuki", "Nora", "Lucia", "Amara", "Hanna", "Rosa"]
FIRST_M = ["Luis", "Minh", "Chidi", "Lars", "Ravi", "Henri", "Omar", "Piotr", "Kenji", "Sean", "Tiago", "Emeka", "Felix", "Diego"]

patients = []
def person(i, sex, born):
    last = LAST[i % len(LAST)]
    first = (FIRST_F if sex == "F" else FIRST_M)[i % 14]
    city, state, zip_ = CITIES[i % len(CITIES)]
    street = f"{100 + 7 * i} {STREETS[i % len(STREETS)]}"
    if i == 5:
        street = "5 Mill & Main St"  # an ampersand: HL7 must escape it as \T\
    return {"id": f"P{2001 + i}", "last": last, "first": first, "middle": "J" if i % 4 == 0 else "",
            "dob": born, "sex": sex, "address": street, "city": city, "state": state, "zip": zip_}

# payer plans: (payer, member id function, group)
def medicare(p): return ("MCRB1", mbi(), "")
def medicaid(p): return ("MCD01", f"IL{random.randint(100000000, 999999999)}", "")
def acme(p): return ("ACME1", f"ACM{random.randint(10000000, 99999999)}", "GRP4410")

# 24 patients: 8 Medicare (born <= 1960), 7 Medicaid, 9 Acme
specs = []
for i in range(24):
    sex = "F" if i % 2 == 0 else "M"
    if i < 8:
        born = f"19{45 + i:02d}-{(i % 12) + 1:02d}-{(i * 3) % 27 + 1:02d}"; plan = medicare
    elif i < 15:
        born = f"19{80 + i:02d}-{(i % 12) + 1:02d}-{(i * 5) % 27 + 1:02d}"; plan = medicaid
    else:
        born = f"19{60 + i:02d}-{(i % 12) + 1:02d}-{(i * 7) % 27 + 1:02d}"; plan = acme
    p = person(i, sex, born)
    payer, member, group = plan(p)
    p.update(payer=payer, member=member, group=group, relationship="self", sub=None, secondary=None)
    patients.append(p)
# dual eligible: Medicare primary, Medicaid secondary
patients[1]["secondary"] = ("MCD01", "IL550012345")
patients[3]["secondary"] = ("MCD01", "IL550067890")
# a dependent child on a parent's Acme plan
parent = patients[16]
child = person(24, "M", "2017-06-14")
child.update(last=parent["last"], address=parent["address"], city=parent["city"], state=parent["state"], zip=parent["zip"],
             payer="ACME1", member=parent["member"], group=parent["group"], relationship="child",
             sub={"last": parent["last"], "first": parent["first"], "dob": parent["dob"], "sex": parent["sex"]}, secondary=None)
patients.append(child)

def line(code, charge, mods="", ptr="1", units="1", ndc=None, desc="", unit_type="", ordering=None, to=""):
    return {"code": code, "charge": charge, "mods": mods, "ptr": ptr, "units": units, "ndc": ndc, "desc": desc,
            "unit_type": unit_type, "ordering": ordering, "to": to}

# visit templates: (diagnoses, lines)
V = {
    "dm": (["E11.9", "I10"], [line("99214", "160.00", "25", "1:2"), line("82947", "22.00", "", "1"), line("36415", "12.00", "", "1")]),
    "dm2": (["E11.65", "E78.5"], [line("99214", "160.00", "25", "1:2"), line("83036", "38.00", "", "1"), line("80061", "45.00", "", "2")]),
    "ckd": (["E11.22", "N18.31", "I10"], [line("99215", "215.00", "", "1:2:3")]),
    "uri": (["J06.9"], [line("99213", "110.00")]),
    "strep": (["J02.0"], [line("99213", "110.00", "25", "1"), line("87880", "28.00", "", "1")]),
    "back": (["M54.50"], [line("99213", "110.00")]),
    "knee": (["M25.561"], [line("99213", "110.00", "25", "1"), line("20610", "145.00", "RT", "1")]),
    "awv": (["Z00.00", "Z23"], [line("G0439", "175.00", "", "1"), line("90686", "24.50", "", "2"), line("G0008", "30.00", "", "2")]),
    "physical": (["Z00.00"], [line("99396", "230.00")]),
    "bronch": (["J20.9", "R05.1"], [line("99213", "110.00", "", "1:2")]),
    "uti": (["N39.0"], [line("99213", "110.00", "25", "1"), line("81002", "9.00", "", "1")]),
    "gerd": (["K21.9"], [line("99213", "110.00")]),
    "anx": (["F41.9", "F32.9"], [line("99214", "160.00", "", "1:2")]),
    "thyroid": (["E03.9"], [line("99213", "110.00", "25", "1"), line("84443", "29.00", "", "1")]),
    "asthma": (["J45.909"], [line("99214", "160.00", "25", "1"), line("94640", "42.00", "", "1")]),
    "derm": (["L30.9"], [line("99212", "75.00")]),
    "b12": (["E53.8"], [line("99213", "110.00", "25", "1"), line("96372", "25.00", "", "1"),
                       line("J3420", "18.75", "", "1", "1", ("63323-0044-01", "1", "ML"))]),
    "obesity": (["E66.01", "Z68.30"], [line("99214", "160.00", "", "1:2")]),
    "lac": (["S61.412A"], [line("99213", "110.00", "25", "1"), line("12002", "165.00", "", "1")]),
    "wcc": (["Z00.129"], [line("99393", "150.00")]),
    "otitis": (["H66.90"], [line("99213", "110.00")]),
    "viral": (["B34.9"], [line("99212", "75.00")]),
    # issue 20: the 837P data payers adjudicate with (CSV only: FHIR/HL7 carry the 36 encounters above)
    "skin": (["L57.0"], [line("99213", "110.00", "25", "1"),
                         line("17999", "95.00", "", "1", desc="Cryotherapy of actinic keratosis, left forearm (synthetic)")]),
    "anesthesia": (["Z12.11"], [line("00810", "540.00", "AA", "1", "45", unit_type="MJ")]),
    "lipids": (["E78.5"], [line("80061", "45.00", "", "1", ordering=("1102030404", "Chen", "Wei")),
                           line("36415", "12.00", "", "1")]),
    "kneexr": (["M17.0"], [line("99213", "110.00", "", "1"), line("73560", "48.00", "RT", "1"),
                           line("73560", "48.00", "LT", "1")]),
}

import datetime
def dos(k):
    return (datetime.date(2026, 9, 1) + datetime.timedelta(days=(k * 37) % 80)).isoformat()

encounters = []
plan_order = ["dm", "uri", "awv", "knee", "dm2", "strep", "bronch", "uti", "back", "gerd", "anx", "thyroid", "asthma",
              "derm", "b12", "obesity", "lac", "physical", "ckd", "viral", "uri", "dm", "awv", "strep"]
for i, p in enumerate(patients[:24]):
    encounters.append({"id": f"E{1001 + i}", "patient": p, "visit": plan_order[i], "dos": dos(i),
                       "rendering": list(RENDERING)[i % 3], "pos": "11", "referring": None, "prior_auth": None})
# second visits for some patients
for j, (pi, visit) in enumerate([(0, "dm"), (2, "uri"), (9, "viral"), (12, "asthma"), (17, "derm"), (20, "gerd"),
                                 (4, "ckd"), (10, "anx"), (19, "back"), (22, "strep")]):
    encounters.append({"id": f"E{1025 + j}", "patient": patients[pi], "visit": visit, "dos": dos(30 + j),
                       "rendering": list(RENDERING)[(j + 1) % 3], "pos": "11", "referring": None, "prior_auth": None})
# the child: well-child check and an ear infection
encounters.append({"id": "E1035", "patient": child, "visit": "wcc", "dos": "2026-09-15", "rendering": "1678901236",
                   "pos": "11", "referring": None, "prior_auth": None})
encounters.append({"id": "E1036", "patient": child, "visit": "otitis", "dos": "2026-10-21", "rendering": "1678901236",
                   "pos": "11", "referring": None, "prior_auth": None})
# a referral and a prior authorization
encounters[10]["referring"] = REFERRING
encounters[16]["prior_auth"] = "PA7731902"
encounters[16]["pos"] = "11"
for e in encounters:
    e["dx"], e["lines"] = [list(x) for x in V[e["visit"]]]
    e["lines"] = [dict(l) for l in e["lines"]]
    e["frequency"] = ""
    e["original"] = ""
    e["defect"] = None
    e["facility"] = None
clean = list(encounters)

# Clean encounters for what payers adjudicate with (issue 20), in the CSV only.
SURGERY_CENTER = (luhn_npi("118400000"), "Springfield Outpatient Surgery Center", "400 Center Rd", "Springfield", "IL", "62704")
def extra(eid, pidx, visit, dos_, **changes):
    e = {"id": eid, "patient": patients[pidx], "visit": visit, "dos": dos_, "rendering": "1987654328", "pos": "11",
         "referring": None, "prior_auth": None, "frequency": "", "original": "", "defect": None, "facility": None}
    e["dx"], e["lines"] = list(V[visit][0]), [dict(l) for l in V[visit][1]]
    e.update(changes)
    return e
csv_only = [
    extra("E1037", 8, "b12", "2026-10-06"),                     # a J-code with its NDC, billed to Medicaid
    extra("E1038", 15, "skin", "2026-10-07"),                   # an unlisted code with its description
    extra("E1039", 6, "anesthesia", "2026-10-08", pos="22", facility=SURGERY_CENTER),  # anesthesia in minutes
    extra("E1040", 7, "lipids", "2026-10-09"),                  # Medicare lab: CLIA, QW, an ordering provider
    extra("E1041", 16, "kneexr", "2026-10-12"),                 # 73560-RT + 73560-LT: MUE 1 per line (MAI 1)
]
assert patients[8]["payer"] == "MCD01" and patients[6]["payer"] == "MCRB1" and patients[7]["payer"] == "MCRB1"

# Deliberately defective encounters: each trips one scrub rule.
def defect(eid, pidx, visit, rule, why, **changes):
    p = dict(patients[pidx])
    e = {"id": eid, "patient": p, "visit": visit, "dos": "2026-10-14", "rendering": "1987654328", "pos": "11",
         "referring": None, "prior_auth": None, "frequency": "", "original": "", "defect": (rule, why), "facility": None}
    e["dx"], e["lines"] = list(V[visit][0]), [dict(l) for l in V[visit][1]]
    for k, v in changes.items():
        if k == "patient":
            p.update(v)
        elif k == "line0":
            e["lines"][0].update(v)
        elif k == "line1":
            e["lines"][1].update(v)
        else:
            e[k] = v
    return e

defects = [
    defect("E9001", 8, "uri", "NPI-LUHN", "rendering NPI 1987654320 has a wrong check digit", rendering="1987654320"),
    defect("E9002", 9, "uri", "ICD-NOT-BILLABLE", "E11 is a category header, not a billable code", dx=["E11"]),
    defect("E9003", 10, "uri", "ICD-INVALID", "U99.9 is not an ICD-10-CM code", dx=["U99.9"]),
    defect("E9004", 11, "uri", "DOS-FUTURE", "date of service 2027-01-15 is in the future", dos="2027-01-15"),
    defect("E9005", 12, "uri", "DOB-AFTER-DOS", "patient born 2026-12-01, after the 2026-10-14 visit", patient={"dob": "2026-12-01"}),
    defect("E9006", 13, "bronch", "DX-POINTER", "line 1 points at diagnosis 3 of 2", line0={"ptr": "1:3"}),
    defect("E9007", 14, "uri", "CHARGE-NOT-POSITIVE", "line 1 charge is 0.00", line0={"charge": "0.00"}),
    defect("E9008", 15, "knee", "MODIFIER-DUPLICATE", "modifier 25 twice on the E/M line", line0={"mods": "25:25"}),
    defect("E9009", 18, "knee", "MODIFIER-TOO-MANY", "five modifiers on line 2",
           lines=[dict(V["knee"][1][0]), dict(V["knee"][1][1], mods="RT:59:XS:76:77")]),
    defect("E9010", 5, "uri", "MEMBER-ID-MBI", "Medicare member ID 123456789A is an old HICN, not an MBI", patient={"member": "123456789A"}),
    defect("E9011", 20, "uri", "POS-INVALID", "place of service 35 does not exist", pos="35"),
    defect("E9012", 21, "uri", "FREQUENCY-ORIGINAL-REF", "frequency 7 (replacement) without the original claim number", frequency="7"),
    defect("E9013", 22, "uri", "ICD-EXCLUDES1", "E10.9 and E11.9 together: type 1 excludes type 2", dx=["E10.9", "E11.9"]),
    defect("E9014", 23, "uri", "TIMELY-FILING", "Acme Health allows 180 days; DOS 2026-03-02 is older", dos="2026-03-02"),
    # issue 20: what payers reject or deny at adjudication
    defect("E9015", 9, "b12", "NDC-REQUIRED", "J3420 billed to Medicaid without its NDC",
           lines=[dict(l, ndc=None) for l in V["b12"][1]]),
    defect("E9016", 19, "uri", "ICD-EXTERNAL-CAUSE-FIRST", "W19.XXXA (fall) listed before the injury S80.01XA",
           dx=["W19.XXXA", "S80.01XA"]),
    defect("E9017", 17, "knee", "MODIFIER-EM-ONLY", "modifier 25 on the joint injection 20610 (it belongs on the E/M)",
           line1={"mods": "25"}),
    defect("E9018", 18, "uri", "MODIFIER-59-EM", "modifier 59 on the office visit 99213", line0={"mods": "59"}),
    defect("E9019", 16, "physical", "PROC-AGE-CONFLICT", "infant preventive visit 99391 on a patient in her fifties",
           line0={"code": "99391"}),
    defect("E9020", 2, "uri", "ICD-AGE-CONFLICT", "maternity code O09.90 on a patient in her seventies", dx=["O09.90"]),
    defect("E9021", 11, "uri", "EM-DATE-SPAN", "office visit billed from 2026-10-14 to 2026-10-18", line0={"to": "2026-10-18"}),
    defect("E9022", 21, "uri", "POS-NEEDS-FACILITY", "place of service 21 (inpatient hospital) and no service facility",
           pos="21"),
    defect("E9023", 1, "uri", "DUPLICATE-IN-BATCH", "the same visit as E1002 (patient, payer, date, code) under another ID",
           dos=dos(1), rendering=list(RENDERING)[1]),
    defect("E9024", 22, "skin", "UNLISTED-DESCRIPTION", "unlisted 17999 without a description",
           line1={"desc": ""}),
    defect("E9025", 3, "anesthesia", "ANESTHESIA-MINUTES", "anesthesia 00810 billed as 45 units (UN), not minutes",
           pos="22", facility=SURGERY_CENTER, line0={"unit_type": ""}),
    defect("E9026", 10, "uri", "ICD-SEX-CONFLICT", "N40.0 (prostate) on a female patient, DOS 2024-09-16 when the "
           "MCE had sex edits (a late claim: TIMELY-FILING too)", dx=["N40.0"], dos="2024-09-16"),
    defect("E9027", 12, "knee", "NCCI-PTP", "20610-RT with 99213 and no 25 on the E/M: RT does not bypass an E/M edit "
           "(MODIFIER-25-EM warns too)", line0={"mods": ""}),
]
assert patients[15]["payer"] == "ACME1" and patients[5]["payer"] == "MCRB1" and patients[23]["payer"] == "ACME1"
assert patients[9]["payer"] == "MCD01" and patients[10]["sex"] == "F" and patients[16]["sex"] == "F"
assert patients[2]["sex"] == "F" and patients[2]["payer"] == "MCRB1"
all_encounters = clean + csv_only + defects

# --- checks on the clean data: billable, valid codes, no Excludes1 pair
icd = {}
with open(os.path.join(ROOT, "codesets/icd10cm.tsv")) as f:
    next(f)
    for row in f:
        code, billable, vfrom, vto, *_ = row.rstrip("\n").split("\t")
        icd[code] = (billable, vfrom, vto)
ex1 = []
with open(os.path.join(ROOT, "codesets/icd10cm_excludes1.tsv")) as f:
    next(f)
    for row in f:
        ex1.append(row.rstrip("\n").split("\t"))
def excludes(a, b):
    for code, lo, hi in ex1:
        if a.startswith(code) and lo <= b[:len(lo)] and b[:len(hi)] <= hi:
            return True
    return False
for e in clean + csv_only:
    codes = [d.replace(".", "") for d in e["dx"]]
    for c in codes:
        b, vfrom, vto = icd[c]
        assert b == "1" and vfrom <= e["dos"] and (not vto or vto >= e["dos"]), (e["id"], c)
    for a in codes:
        for b in codes:
            assert a == b or not excludes(a, b), (e["id"], a, b)
    assert "2026-09-01" <= e["dos"] <= "2026-11-20"

# --- CSV
COLUMNS = ["encounter_id", "patient_id", "patient_last", "patient_first", "patient_middle", "patient_dob", "patient_sex",
           "patient_address", "patient_city", "patient_state", "patient_zip", "relationship", "subscriber_id",
           "subscriber_last", "subscriber_first", "subscriber_dob", "subscriber_sex", "group_number", "payer_id",
           "secondary_payer_id", "secondary_subscriber_id", "rendering_npi", "referring_npi", "referring_last",
           "referring_first", "facility_npi", "facility_name", "facility_address", "facility_city", "facility_state",
           "facility_zip", "place_of_service", "date_of_service", "date_of_service_to", "procedure_code", "modifiers",
           "units", "charge", "diagnosis_codes", "diagnosis_pointers", "ndc", "ndc_units", "ndc_unit_type", "prior_auth",
           "onset_date", "frequency", "original_claim_number", "procedure_description", "unit_type", "ordering_npi",
           "ordering_last", "ordering_first"]

def subscriber(p):
    if p["sub"]:
        return p["sub"]
    return {"last": p["last"], "first": p["first"], "dob": p["dob"], "sex": p["sex"]}

def csv_rows(e):
    p = e["patient"]; s = subscriber(p)
    for l in e["lines"]:
        ndc = l["ndc"] or ("", "", "")
        yield {
            "encounter_id": e["id"], "patient_id": p["id"], "patient_last": p["last"], "patient_first": p["first"],
            "patient_middle": p["middle"], "patient_dob": p["dob"], "patient_sex": p["sex"], "patient_address": p["address"],
            "patient_city": p["city"], "patient_state": p["state"], "patient_zip": p["zip"], "relationship": p["relationship"],
            "subscriber_id": p["member"], "subscriber_last": s["last"], "subscriber_first": s["first"],
            "subscriber_dob": s["dob"], "subscriber_sex": s["sex"], "group_number": p["group"], "payer_id": p["payer"],
            "secondary_payer_id": p["secondary"][0] if p["secondary"] else "",
            "secondary_subscriber_id": p["secondary"][1] if p["secondary"] else "",
            "rendering_npi": e["rendering"], "referring_npi": e["referring"][0] if e["referring"] else "",
            "referring_last": e["referring"][1] if e["referring"] else "", "referring_first": e["referring"][2] if e["referring"] else "",
            "place_of_service": e["pos"], "date_of_service": e["dos"], "procedure_code": l["code"], "modifiers": l["mods"],
            "units": l["units"], "charge": l["charge"], "diagnosis_codes": "|".join(e["dx"]), "diagnosis_pointers": l["ptr"],
            "ndc": ndc[0], "ndc_units": ndc[1], "ndc_unit_type": ndc[2], "prior_auth": e["prior_auth"] or "",
            "frequency": e["frequency"], "original_claim_number": e["original"],
            "procedure_description": l["desc"], "unit_type": l["unit_type"],
            "ordering_npi": l["ordering"][0] if l["ordering"] else "", "ordering_last": l["ordering"][1] if l["ordering"] else "",
            "ordering_first": l["ordering"][2] if l["ordering"] else "", "date_of_service_to": l["to"],
            "facility_npi": e["facility"][0] if e["facility"] else "", "facility_name": e["facility"][1] if e["facility"] else "",
            "facility_address": e["facility"][2] if e["facility"] else "", "facility_city": e["facility"][3] if e["facility"] else "",
            "facility_state": e["facility"][4] if e["facility"] else "", "facility_zip": e["facility"][5] if e["facility"] else "",
        }

with open(os.path.join(OUT, "encounters.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, COLUMNS, lineterminator="\n")
    w.writeheader()
    for e in all_encounters:
        for r in csv_rows(e):
            w.writerow(r)

# --- FHIR R4 Bundle (clean encounters only)
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
NPI = "http://hl7.org/fhir/sid/us-npi"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"

def Raw(text):
    """A JSON number written exactly as its decimal text (money must not become a float)."""
    return "@@NUM:" + text + "@@"

entries = []
def add(resource):
    entries.append({"fullUrl": f"http://maple-street.example/fhir/{resource['resourceType']}/{resource['id']}", "resource": resource})

add({"resourceType": "Organization", "id": "billing", "identifier": [{"system": NPI, "value": "1234567893"}],
     "name": "Maple Street Family Medicine"})
for payer, name in [("MCRB1", "Medicare Part B"), ("MCD01", "State Medicaid"), ("ACME1", "Acme Health")]:
    add({"resourceType": "Organization", "id": f"payer-{payer}", "identifier": [{"system": "http://maple-street.example/payer-id", "value": payer}], "name": name})
for npi, (last, first) in list(RENDERING.items()) + [(REFERRING[0], REFERRING[1:])]:
    add({"resourceType": "Practitioner", "id": f"npi-{npi}", "identifier": [{"system": NPI, "value": npi}],
         "name": [{"family": last, "given": [first]}]})

def fhir_patient(p, rid):
    given = [p["first"]] + ([p["middle"]] if p.get("middle") else [])
    return {"resourceType": "Patient", "id": rid,
            "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}, "value": p["id"]}],
            "name": [{"family": p["last"], "given": given}], "gender": {"M": "male", "F": "female"}[p["sex"]],
            "birthDate": p["dob"], "address": [{"line": [p["address"]], "city": p["city"], "state": p["state"], "postalCode": p["zip"]}]}

seen_patients = set()
for n, e in enumerate(clean):
    p = e["patient"]
    pid = f"pat-{p['id']}"
    if pid not in seen_patients:
        seen_patients.add(pid)
        add(fhir_patient(p, pid))
        if p["sub"]:
            s = p["sub"]
            add(fhir_patient({"id": f"SUB-{p['id']}", "last": s["last"], "first": s["first"], "middle": "", "dob": s["dob"], "sex": s["sex"],
                              "address": p["address"], "city": p["city"], "state": p["state"], "zip": p["zip"]}, f"sub-{p['id']}"))
        cov = {"resourceType": "Coverage", "id": f"cov-{p['id']}", "status": "active",
               "subscriber": {"reference": f"Patient/{'sub' if p['sub'] else 'pat'}-{p['id']}"},
               "subscriberId": p["member"], "beneficiary": {"reference": f"Patient/{pid}"},
               "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "code": p["relationship"]}]},
               "payor": [{"reference": f"Organization/payer-{p['payer']}"}]}
        if p["group"]:
            cov["class"] = [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "group"}]}, "value": p["group"]}]
        add(cov)
        if p["secondary"]:
            add({"resourceType": "Coverage", "id": f"cov2-{p['id']}", "status": "active", "subscriberId": p["secondary"][1],
                 "subscriber": {"reference": f"Patient/{pid}"}, "beneficiary": {"reference": f"Patient/{pid}"},
                 "relationship": {"coding": [{"code": "self"}]}, "payor": [{"identifier": {"value": p["secondary"][0]}}]})
    add({"resourceType": "Encounter", "id": f"enc-{e['id']}", "identifier": [{"system": "http://maple-street.example/encounter", "value": e["id"]}],
         "status": "finished", "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
         "subject": {"reference": f"Patient/{pid}"}, "period": {"start": e["dos"], "end": e["dos"]}})
    diagnosis = []
    for k, d in enumerate(e["dx"], 1):
        coding = {"system": ICD, "code": d}
        if n % 2 == 0:
            cid = f"cond-{e['id']}-{k}"
            add({"resourceType": "Condition", "id": cid, "subject": {"reference": f"Patient/{pid}"},
                 "encounter": {"reference": f"Encounter/enc-{e['id']}"}, "code": {"coding": [coding]}})
            diagnosis.append({"sequence": k, "diagnosisReference": {"reference": f"Condition/{cid}"}})
        else:
            diagnosis.append({"sequence": k, "diagnosisCodeableConcept": {"coding": [coding]}})
    care_team = [{"sequence": 1, "provider": {"reference": f"Practitioner/npi-{e['rendering']}"},
                  "role": {"coding": [{"system": "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole", "code": "rendering"}]}}]
    if e["referring"]:
        care_team.append({"sequence": 2, "provider": {"reference": f"Practitioner/npi-{e['referring'][0]}"},
                          "role": {"coding": [{"system": "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole", "code": "referring"}]}})
    insurance = [{"sequence": 1, "focal": True, "coverage": {"reference": f"Coverage/cov-{p['id']}"}}]
    if e["prior_auth"]:
        insurance[0]["preAuthRef"] = [e["prior_auth"]]
    if p["secondary"]:
        insurance.append({"sequence": 2, "focal": False, "coverage": {"reference": f"Coverage/cov2-{p['id']}"}})
    items = []
    for k, l in enumerate(e["lines"], 1):
        system = HCPCS if l["code"][0].isalpha() else CPT
        item = {"sequence": k, "careTeamSequence": [1], "diagnosisSequence": [int(x) for x in l["ptr"].split(":")],
                "productOrService": {"coding": [{"system": system, "code": l["code"]}]},
                "servicedDate": e["dos"], "locationCodeableConcept": {"coding": [{"system": POS, "code": e["pos"]}]},
                "quantity": {"value": Raw(l["units"])}, "net": {"value": Raw(l["charge"]), "currency": "USD"},
                "encounter": [{"reference": f"Encounter/enc-{e['id']}"}]}
        if l["mods"]:
            item["modifier"] = [{"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": m}]} for m in l["mods"].split(":")]
        if l["ndc"]:
            item["detail"] = [{"sequence": 1, "productOrService": {"coding": [{"system": "http://hl7.org/fhir/sid/ndc", "code": l["ndc"][0]}]},
                               "quantity": {"value": Raw(l["ndc"][1]), "unit": "mL", "system": "http://unitsofmeasure.org", "code": l["ndc"][2]}}]
        items.append(item)
    add({"resourceType": "Claim", "id": f"claim-{e['id']}", "status": "active",
         "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
         "use": "claim", "patient": {"reference": f"Patient/{pid}"}, "created": e["dos"],
         "provider": {"reference": "Organization/billing"}, "priority": {"coding": [{"code": "normal"}]},
         "careTeam": care_team, "insurance": insurance, "diagnosis": diagnosis, "item": items,
         "total": {"value": Raw(f"{sum(float(l['charge']) for l in e['lines']):.2f}"), "currency": "USD"}})

bundle = {"resourceType": "Bundle", "id": "maple-sample", "type": "collection", "entry": entries}
import re
text = re.sub(r'"@@NUM:([0-9.]+)@@"', r"\1", json.dumps(bundle, indent=1))
with open(os.path.join(OUT, "encounters.fhir.json"), "w") as f:
    f.write(text + "\n")

# --- HL7 v2 DFT^P03 (clean encounters only)
def esc(v):
    return v.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\").replace("&", "\\T\\").replace("~", "\\R\\")
def seg(name, fields):
    """fields: {position: value}; values are already component-joined."""
    n = max(fields) if fields else 0
    return "|".join([name] + [fields.get(i, "") for i in range(1, n + 1)])
def comps(*parts):
    return "^".join(esc(p) for p in parts).rstrip("^")
def d8(iso): return iso.replace("-", "")

versions = ["2.5.1", "2.3", "2.4", "2.5"]
msgs = []
for n, e in enumerate(clean):
    p = e["patient"]; s = subscriber(p)
    ts = d8(e["dos"]) + "170000"
    segs = ["MSH|^~\\&|MAPLEEMR|MAPLE|CLAIMKIT|MAPLE|%s||DFT^P03|MSG%05d|P|%s" % (ts, n + 1, versions[n % 4])]
    segs.append(seg("EVN", {1: "P03", 2: ts}))
    segs.append(seg("PID", {1: "1", 3: comps(p["id"], "", "", "MAPLE", "MR"), 5: comps(p["last"], p["first"], p["middle"]),
                            7: d8(p["dob"]), 8: p["sex"], 11: comps(p["address"], "", p["city"], p["state"], p["zip"])}))
    r_last, r_first = RENDERING[e["rendering"]]
    pv1 = {1: "1", 2: "O", 3: e["pos"], 7: comps(e["rendering"], r_last, r_first), 19: e["id"]}
    if e["referring"]:
        pv1[8] = comps(*e["referring"])
    segs.append(seg("PV1", pv1))
    for k, l in enumerate(e["lines"], 1):
        dx = "~".join(esc(e["dx"][int(x) - 1]) for x in l["ptr"].split(":"))
        ft1 = {1: str(k), 4: d8(e["dos"]), 6: "CG", 7: l["code"], 10: l["units"], 11: l["charge"], 19: dx,
               20: comps(e["rendering"], r_last, r_first), 25: comps(l["code"], "", "C4" if l["code"][0].isdigit() else "HCPCS")}
        if l["mods"]:
            ft1[26] = "~".join(l["mods"].split(":"))
        if l["ndc"]:
            ft1[29] = comps(l["ndc"][0], "", "N4", l["ndc"][1], l["ndc"][2])
        segs.append(seg("FT1", ft1))
    for k, d in enumerate(e["dx"], 1):
        segs.append(seg("DG1", {1: str(k), 2: "I10", 3: comps(d, "", "I10"), 6: "F"}))
    segs.append(seg("GT1", {1: "1", 3: comps(s["last"], s["first"])}))
    rel = {"self": "SEL", "child": "CHD", "spouse": "SPO", "other": "OTH"}[p["relationship"]]
    in1 = {1: "1", 2: p["payer"], 3: p["payer"], 8: p["group"], 16: comps(s["last"], s["first"], p["middle"] if not p["sub"] else ""),
           17: rel, 18: d8(s["dob"]), 19: comps(p["address"], "", p["city"], p["state"], p["zip"]), 36: p["member"], 43: s["sex"]}
    if e["prior_auth"]:
        in1[14] = e["prior_auth"]
    segs.append(seg("IN1", in1))
    if p["secondary"]:
        segs.append(seg("IN1", {1: "2", 2: p["secondary"][0], 3: p["secondary"][0], 16: comps(p["last"], p["first"], p["middle"]), 17: "SEL",
                                18: d8(p["dob"]), 36: p["secondary"][1], 43: p["sex"]}))
    msgs.append("\n".join(segs))
with open(os.path.join(OUT, "encounters.hl7"), "w", newline="") as f:
    f.write("\n".join(msgs) + "\n")

# --- Two other EMRs' exports with their mappings (some of the same clean encounters)
os.makedirs(os.path.join(OUT, "mappings"), exist_ok=True)
def us(iso): y, m, d = iso.split("-"); return f"{m}/{d}/{y}"
athena_ids = ["E1001", "E1004", "E1015", "E1035"]
with open(os.path.join(OUT, "mappings/athena-style.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["Visit ID", "Patient Account", "Patient Name", "Middle", "DOB", "Gender", "Street", "City", "State", "Zip",
                "Insured Relation", "Policy #", "Insured Name", "Insured DOB", "Insured Gender", "Group #", "Payer Code",
                "Secondary Payer", "Secondary Policy #", "Rendering NPI", "Service Date", "CPT", "Mod 1", "Mod 2", "Qty",
                "Billed", "Dx 1", "Dx 2", "Dx 3", "Dx 4", "Dx Ptr", "NDC", "NDC Qty", "NDC Unit", "Auth #"])
    for e in clean:
        if e["id"] not in athena_ids: continue
        for r in csv_rows(e):
            mods = (r["modifiers"].split(":") + ["", ""])[:2]
            dx = (e["dx"] + ["", "", "", ""])[:4]
            w.writerow([r["encounter_id"], r["patient_id"], f"{r['patient_last']}, {r['patient_first']}", r["patient_middle"],
                        us(r["patient_dob"]), {"M": "Male", "F": "Female"}[r["patient_sex"]], r["patient_address"], r["patient_city"],
                        r["patient_state"], r["patient_zip"], r["relationship"].upper(), r["subscriber_id"],
                        f"{r['subscriber_last']}, {r['subscriber_first']}", us(r["subscriber_dob"]), {"M": "Male", "F": "Female"}[r["subscriber_sex"]],
                        r["group_number"], r["payer_id"], r["secondary_payer_id"], r["secondary_subscriber_id"], r["rendering_npi"],
                        us(r["date_of_service"]), r["procedure_code"], mods[0], mods[1], r["units"], r["charge"]] + dx +
                       [r["diagnosis_pointers"], r["ndc"], r["ndc_units"], r["ndc_unit_type"], r["prior_auth"]])
legacy_ids = ["E1001", "E1019", "E1023"]
with open(os.path.join(OUT, "mappings/legacy-pm.csv"), "w", newline="") as f:
    w = csv.writer(f, delimiter=";", lineterminator="\n")
    w.writerow(["TICKET", "ACCT", "LNAME", "FNAME", "MI", "BIRTH", "SEX", "ADDR1", "CITY", "ST", "ZIPCODE", "REL", "INS_ID",
                "SUB_LNAME", "SUB_FNAME", "SUB_BIRTH", "SUB_SEX", "GROUPNO", "CARRIER", "SEC_CARRIER", "SEC_INS_ID", "DOC_NPI",
                "REF_NPI", "REF_NAME", "FROM_DT", "PROC", "MODS", "UNITS", "FEE", "DIAGS", "PTRS", "CHART_LOCATION"])
    for e in clean:
        if e["id"] not in legacy_ids: continue
        for r in csv_rows(e):
            w.writerow([r["encounter_id"], r["patient_id"], r["patient_last"], r["patient_first"], r["patient_middle"],
                        d8(r["patient_dob"]), r["patient_sex"], r["patient_address"], r["patient_city"], r["patient_state"], r["patient_zip"],
                        {"self": "18", "child": "19"}[r["relationship"]], r["subscriber_id"], r["subscriber_last"], r["subscriber_first"],
                        d8(r["subscriber_dob"]), r["subscriber_sex"], r["group_number"], r["payer_id"], r["secondary_payer_id"],
                        r["secondary_subscriber_id"], r["rendering_npi"], r["referring_npi"],
                        f"{r['referring_last']}/{r['referring_first']}" if r["referring_npi"] else "",
                        d8(r["date_of_service"]), r["procedure_code"], r["modifiers"], r["units"], r["charge"],
                        r["diagnosis_codes"].replace("|", ","), r["diagnosis_pointers"], "Front desk B"])

# --- README table of the defective encounters
with open(os.path.join(OUT, "README.md"), "w") as f:
    f.write("""# Sample data (synthetic)

Every practice, person, member ID, NPI and address here is invented. Regenerate with
`python3 tools/sample-data/generate.py` (deterministic).

| file | what |
|---|---|
| `practice.toml` | Maple Street Family Medicine: 3 payers (MCRB1 Medicare Part B, MCD01 Medicaid, ACME1 Acme Health), one clearinghouse (test), 3 rendering providers |
| `encounters.csv` | %d encounters (%d clean, %d deliberately defective), one row per service line, canonical columns |
| `waived-tests.csv` | a synthetic excerpt in the shape of CMS's list of CLIA-waived tests (`82947QW`: takes QW; `81002`: waived, no QW), for a practice file's `waived_tests_file` (hand-written, not generated) |
| `encounters.fhir.json` | the %d clean encounters as a FHIR R4 Bundle (Patient, Coverage, Encounter, Condition, Claim, Practitioner, Organization) |
| `encounters.hl7` | the %d clean encounters as HL7 v2 DFT^P03 messages (versions 2.3, 2.4, 2.5, 2.5.1) |
| `mappings/athena-style.csv` + `.toml` | encounters %s in another EMR's shape: US dates, "Last, First" names, one column per diagnosis and modifier |
| `mappings/legacy-pm.csv` + `.toml` | encounters %s from an old practice-management system: `;`-separated, YYYYMMDD dates, X12 relationship codes, an extra column kept as a note |

The clean encounters cover: E/M with modifier 25 plus a procedure (e.g. E1004 knee injection 20610-RT), several
diagnoses per claim (E1019: E11.22, N18.31, I10), an NDC drug line (E1015: J3420 with NDC 63323-0044-01, 1 ML),
patients with Medicare primary and Medicaid secondary (P2002, P2004), a dependent child on a parent's Acme plan
(P2025, relationship child: E1035, E1036), a referring provider (E1011) and a prior authorization (E1017).
Dates of service are between 2026-09-01 and 2026-11-20; every diagnosis code is billable and valid on its date.

The practice has a CLIA number (`billing_provider.clia`), so every claim with a laboratory test carries `REF*X4`;
Medicare lab lines get `QW` on waived tests when the claim is built (E1001 glucose 82947, E1005 A1c 83036 and lipid
panel 80061, E1006 strep test 87880; not 81002, which is waived without QW). Five more clean encounters are in
the CSV only (the FHIR and HL7 files carry the %d above): E1037 a J-code with its NDC billed to Medicaid (J3420,
NDC 63323-0044-01), E1038 an unlisted code with its description (17999, SV101-7), E1039 anesthesia in minutes
(00810-AA, 45 minutes, `SV1*...*MJ*45`, at an outpatient surgery center, POS 22, with the facility in 2310C),
E1040 a Medicare lipid panel ordered by another physician (2420E, `NM1*DK`), and E1041 knee x-rays 73560-RT and
73560-LT, clean under an MUE of 1 per line (adjudication indicator 1).

## Defective encounters: the scrub rule each one trips

| encounter | rule | defect |
|---|---|---|
""" % (len(all_encounters), len(clean) + len(csv_only), len(defects), len(clean), len(clean), ", ".join(athena_ids), ", ".join(legacy_ids), len(clean)))
    for e in defects:
        f.write(f"| {e['id']} | {e['defect'][0]} | {e['defect'][1]} |\n")
    f.write("""
`CLIA-MISSING` has no sample encounter: the sample practice has a CLIA number. Load a practice without
`billing_provider.clia` (e.g. `tests/fixtures/practice-minimal.toml`) and every lab line trips it.
""")
print(f"{len(all_encounters)} encounters ({len(clean) + len(csv_only)} clean, {len(defects)} defective)")
