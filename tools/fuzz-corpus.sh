#!/usr/bin/env bash
# Builds the fuzz targets' seed corpora in fuzz/corpus/<target>/ from sample-data/, tests/fixtures/
# and ../shared/fixtures/ (the corpora are not committed: run this again any time).
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

x12_files=$( (find sample-data tests/fixtures -type f \( -name '*.837' -o -name '*.835' -o -name '*.999' \
    -o -name '*.277' -o -name '*.277ca' -o -name '*.x12' \); \
    find ../shared/fixtures -type f 2>/dev/null) | sort)
for f in $x12_files; do
    head -c 3 "$f" | grep -q '^ISA' || continue
    seed "$out/x12_tokenizer" "$f"
    grep -q 'ST\*835' "$f" && seed "$out/remit835" "$f"
    grep -q 'ST\*837' "$f" && seed "$out/claim837" "$f"
    grep -Eq 'ST\*999|ST\*997|TA1\*' "$f" && seed "$out/ack_999_ta1" "$f"
    grep -q 'ST\*277' "$f" && seed "$out/ack_277" "$f"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# CSV: whole files, and the header with each encounter's rows (small seeds mutate faster).
for f in sample-data/encounters.csv sample-data/mappings/*.csv tests/fixtures/bad/*.csv; do
    [ -f "$f" ] || continue
    seed "$out/import_csv" "$f"
done
awk -F, -v dir="$tmp" 'NR == 1 { header = $0; next }
    { file = dir "/csv-" $1; if (!(file in seen)) { print header > file; seen[file] = 1 } print >> file }' \
    sample-data/encounters.csv
for f in "$tmp"/csv-*; do seed "$out/import_csv" "$f"; done

# FHIR: the sample bundle and the small one of the bad fixtures.
for f in sample-data/encounters.fhir.json tests/fixtures/bad/*.json; do
    [ -f "$f" ] || continue
    seed "$out/import_fhir" "$f"
done

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
