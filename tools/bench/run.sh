#!/usr/bin/env bash
# tools/bench/run.sh [SIZES...] -- the whole benchmark in one command.
#
# Builds the pipeline bench once (release profile), runs it for SIZES (default: 10000 100000;
# 1000000 accepted), keeps the 835 of 20,000 claims it generated for the peers
# (target/bench/remit-20000.835), runs tools/bench-peers/run.sh on that same file and prints the
# Python peers' seconds next to claimkit's with the ratio. The full output is also written to
# target/bench/report-<UTC timestamp>.md.
#
# Environment: PEER_CLAIMS (default 20000) is the size of the peers' 835; BENCH_WORK (default
# target/bench/work) is where the data sets are generated (deleted after each size).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10000 100000)
PEER_CLAIMS=${PEER_CLAIMS:-20000}
OUT="$ROOT/target/bench"
WORK=${BENCH_WORK:-$OUT/work}
mkdir -p "$OUT" "$WORK"
FILE="$OUT/remit-$PEER_CLAIMS.835"
REPORT="$OUT/report-$(date -u +%Y%m%dT%H%M%SZ).md"

echo "building the pipeline bench (release profile)..." >&2
cargo bench --bench pipeline --no-run >&2

cargo bench --bench pipeline -- "${SIZES[@]}" --work "$WORK" \
  --peers-835 "$FILE" --peers-claims "$PEER_CLAIMS" | tee "$REPORT.tmp"

echo >&2
echo "running the Python peers on $FILE..." >&2
tools/bench-peers/run.sh "$FILE" | tee "$REPORT.peers"

ck_read=$(awk '$1 == "peers-claimkit" && $2 == "read835" { print $3 }' "$REPORT.tmp")
ck_post=$(awk '$1 == "peers-claimkit" && $2 == "remit" { print $3 }' "$REPORT.tmp")
edi=$(awk '$1 == "peer" && $2 == "edi-835-parser" { print $3 }' "$REPORT.peers")
pyx=$(awk '$1 == "peer" && $2 == "pyx12" { print $3 }' "$REPORT.peers")
{
  cat "$REPORT.tmp"
  echo
  echo "### Same 835 ($PEER_CLAIMS claims, $(stat -c %s "$FILE") bytes): claimkit vs the Python peers"
  echo
  echo "| tool | what it does | seconds | peer ÷ claimkit read | peer ÷ claimkit post |"
  echo "|---|---|---:|---:|---:|"
  awk -v r="$ck_read" -v p="$ck_post" -v e="$edi" -v x="$pyx" 'BEGIN {
    printf "| claimkit read_835 | tokenize, type, balance every claim | %.3f | 1 | — |\n", r
    printf "| claimkit post_835 | read + match + post to the ledger (one transaction) | %.3f | — | 1 |\n", p
    printf "| edi-835-parser 1.8.0 | parse into objects (in-process) | %.3f | %.0f× | %.1f× |\n", e, e / r, e / p
    printf "| pyx12 4.0.0 | x12valid: validate against the map (process) | %.3f | %.0f× | %.1f× |\n", x, x / r, x / p
  }'
} > "$REPORT"
rm -f "$REPORT.tmp" "$REPORT.peers"
echo
sed -n '/^### Same 835/,$p' "$REPORT"
echo
echo "report written to $REPORT" >&2
