#!/usr/bin/env bash
# tools/bench-peers/run.sh FILE.835 -- time the Python peers on the same 835 claimkit posts.
#
# Creates a venv in target/bench-peers-venv (first run), installs edi-835-parser 1.8.0 and
# pyx12 4.0.0, then prints the seconds each takes on FILE:
#   edi-835-parser: parse(FILE) (parse only, nothing stored)
#   pyx12:          x12valid FILE (full validation against the 005010X221A1 map)
# Make a file with: cargo bench --bench remit835 -- 20000 --write-835 /tmp/remit-20k.835
set -euo pipefail
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
  echo "usage: tools/bench-peers/run.sh FILE.835" >&2
  exit 2
fi
FILE=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV="$ROOT/target/bench-peers-venv"
if ! "$VENV/bin/python" -c 'import edi_835_parser, pyx12' >/dev/null 2>&1; then
  PYTHON=$(command -v python3.11 || command -v python3)
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet edi-835-parser==1.8.0 pyx12==4.0.0
fi
echo "file: $FILE ($(stat -c %s "$FILE") bytes)"
"$VENV/bin/python" - "$FILE" <<'PY'
import sys, time
from edi_835_parser import parse
start = time.perf_counter()
parsed = parse(sys.argv[1])
secs = time.perf_counter() - start
claims = sum(len(t.claims) for t in getattr(parsed, "transaction_sets", [parsed]))
print(f"edi-835-parser 1.8.0 parse: {secs:.2f} s ({claims} claims)")
PY
start=$(date +%s.%N)
"$VENV/bin/x12valid" --quiet "$FILE" >/dev/null 2>&1 || true
end=$(date +%s.%N)
echo "pyx12 4.0.0 x12valid: $(echo "$end - $start" | bc) s"
