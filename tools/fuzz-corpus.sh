#!/usr/bin/env bash
# Builds the fuzz targets' seed corpora in fuzz/corpus/<target>/ from sample-data/, tests/fixtures/
# and ../shared/fixtures/ (the corpora are not committed: run this again any time). Besides whole
# files, each X12 transaction set, each 837 claim (subscriber loop), each CSV encounter, each FHIR
# claim and each HL7 message becomes a seed of its own: small seeds mutate faster, and fit the
# fuzzer's -max_len (see tools/fuzz.sh). Needs python3 for the X12 and FHIR splits.
# Usage: tools/fuzz-corpus.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus
rm -rf "$out/seeds"
mkdir -p "$out"/{x12_tokenizer,remit835,claim837,ack_999_ta1,ack_277,import_csv,import_fhir,import_hl7}

seed() { # seed TARGET FILE: copies FILE under its content hash (libFuzzer's own naming)
    local name
    name=$(sha1sum "$2" | cut -c1-40)
    cp "$2" "$1/$name"
}


tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# X12: each transaction set in an envelope of its own, and each 837 claim (its subscriber loop,
# with the billing provider before it) in a transaction set of its own; HL numbers and the SE,
# GE and IEA counts are made right again, so the seeds are sound files.
split_x12() { # split_x12 FILE OUTDIR
    python3 - "$1" "$2" <<'PY'
import os, sys
data = open(sys.argv[1], 'rb').read().lstrip()
if len(data) < 106 or not data.startswith(b'ISA'):
    sys.exit(0)
element, terminator = data[3:4], data[105:106]
segments = [s.strip(b'\r\n') for s in data.split(terminator) if s.strip(b'\r\n')]
isa = gs = None
sets, current = [], None
for seg in segments:
    tag = seg.split(element, 1)[0]
    if tag == b'ISA': isa = seg
    elif tag == b'GS': gs = seg
    elif tag == b'ST': current = [seg]
    elif tag == b'SE':
        if current is not None and isa and gs: sets.append((isa, gs, current))
        current = None
    elif current is not None: current.append(seg)

def envelope(isa, gs, body):
    st = body[0].split(element)
    control = st[2] if len(st) > 2 else b'0001'
    out = list(body) + [element.join([b'SE', str(len(body) + 1).encode(), control])]
    gs06 = gs.split(element)[6] if len(gs.split(element)) > 6 else b'1'
    isa13 = isa.split(element)[13] if len(isa.split(element)) > 13 else b'000000001'
    out = [isa, gs] + out + [element.join([b'GE', b'1', gs06]), element.join([b'IEA', b'1', isa13])]
    return terminator.join(out) + terminator

def claims(body):
    # Header (BHT, 1000A/B, the first 2000A) + one 2000B subscriber loop with what follows it.
    hl = [i for i, s in enumerate(body) if s.startswith(b'HL' + element)]
    level = lambda i: (body[i].split(element) + [b''] * 4)[3]
    providers = [i for i in hl if level(i) == b'20']
    subscribers = [i for i in hl if level(i) == b'22']
    for n, start in enumerate(subscribers):
        provider = max([p for p in providers if p < start], default=None)
        if provider is None: continue
        end = min([i for i in hl if i > start and level(i) in (b'20', b'22')] + [len(body)])
        head = body[:hl[0]] + body[provider:min([i for i in hl if i > provider] + [len(body)])]
        loop = body[start:end]
        renumbered, ids = [], {}
        for seg in head + loop:
            if seg.startswith(b'HL' + element):
                f = seg.split(element) + [b''] * 5
                ids[f[1]] = str(len(ids) + 1).encode()
                f[1] = ids[f[1]]
                f[2] = ids.get(f[2], b'') if f[2] else b''
                seg = element.join(f[:max(5, len(seg.split(element)))])
            renumbered.append(seg)
        yield renumbered

base = os.path.basename(sys.argv[1])
for k, (isa, gs, body) in enumerate(sets):
    if len(sets) > 1:
        open(os.path.join(sys.argv[2], f'{base}-set{k}'), 'wb').write(envelope(isa, gs, body))
    if body[0].startswith(b'ST' + element + b'837'):
        parts = list(claims(body))
        if len(parts) > 1:
            for m, part in enumerate(parts):
                open(os.path.join(sys.argv[2], f'{base}-set{k}-claim{m}'), 'wb').write(envelope(isa, gs, part))
PY
}

x12_files=$( (find sample-data tests/fixtures -type f \( -name '*.837' -o -name '*.835' -o -name '*.999' \
    -o -name '*.277' -o -name '*.277ca' -o -name '*.x12' \); \
    find ../shared/fixtures -type f 2>/dev/null) | sort)
mkdir -p "$tmp/x12"
for f in $x12_files; do
    head -c 3 "$f" | grep -q '^ISA' || continue
    split_x12 "$f" "$tmp/x12" || echo "  (not split: $f)"
done
for f in $x12_files "$tmp"/x12/*; do
    [ -f "$f" ] || continue
    head -c 3 "$f" | grep -q '^ISA' || continue
    seed "$out/x12_tokenizer" "$f"
    grep -q 'ST\*835' "$f" && seed "$out/remit835" "$f"
    grep -q 'ST\*837' "$f" && seed "$out/claim837" "$f"
    grep -Eq 'ST\*999|ST\*997|TA1\*' "$f" && seed "$out/ack_999_ta1" "$f"
    grep -q 'ST\*277' "$f" && seed "$out/ack_277" "$f"
done

# CSV: whole files, and the header with each encounter's rows (small seeds mutate faster).
for f in sample-data/encounters.csv sample-data/mappings/*.csv tests/fixtures/bad/*.csv; do
    [ -f "$f" ] || continue
    seed "$out/import_csv" "$f"
done
awk -F, -v dir="$tmp" 'NR == 1 { header = $0; next }
    { file = dir "/csv-" $1; if (!(file in seen)) { print header > file; seen[file] = 1 } print >> file }' \
    sample-data/encounters.csv
for f in "$tmp"/csv-*; do seed "$out/import_csv" "$f"; done

# FHIR: the sample bundle, the bad fixtures, and one bundle per claim of the sample (the claim,
# what it refers to, and the organizations and practitioners).
for f in sample-data/encounters.fhir.json tests/fixtures/bad/*.json; do
    [ -f "$f" ] || continue
    seed "$out/import_fhir" "$f"
done
python3 - sample-data/encounters.fhir.json "$tmp" <<'PY'
import json, os, sys
bundle = json.load(open(sys.argv[1]))
entries = bundle.get('entry', [])
ref = lambda r: f"{r.get('resourceType')}/{r.get('id')}"
for n, claim in enumerate(e for e in entries if e['resource'].get('resourceType') == 'Claim'):
    text = json.dumps(claim)
    keep = [e for e in entries if e is claim or e['resource'].get('resourceType') in ('Organization', 'Practitioner')
            or (e['resource'].get('resourceType') != 'Claim' and ref(e['resource']) in text)]
    # Coverages and conditions refer to the patient: keep those of the claim's patient too.
    patients = {ref(e['resource']) for e in keep if e['resource'].get('resourceType') == 'Patient'}
    keep += [e for e in entries if e not in keep and e['resource'].get('resourceType') == 'Encounter'
             and e['resource'].get('subject', {}).get('reference') in patients]
    json.dump(dict(bundle, entry=keep), open(os.path.join(sys.argv[2], f'fhir-{n}'), 'w'), indent=1)
PY
for f in "$tmp"/fhir-*; do [ -f "$f" ] && seed "$out/import_fhir" "$f"; done

# HL7 v2: whole files and each message alone.
for f in sample-data/encounters.hl7 tests/fixtures/bad/*.hl7; do
    [ -f "$f" ] || continue
    seed "$out/import_hl7" "$f"
done
awk -v dir="$tmp" 'BEGIN { RS = "\r|\n" } /^MSH/ { n++ } n { print > (dir "/hl7-" n) }' sample-data/encounters.hl7
for f in "$tmp"/hl7-*; do seed "$out/import_hl7" "$f"; done

for d in "$out"/*/; do
    printf '%-14s %4d seeds\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"
done
