#!/usr/bin/env bash
# tools/bench-peers/run.sh FILE.835 -- time the Python peers on the same 835 claimkit posts.
#
# Creates a venv in target/bench-peers-venv (first run), installs edi-835-parser 1.8.0 and
# pyx12 4.0.0, then prints the seconds each takes on FILE:
#   edi-835-parser: parse(FILE) in-process (parse only, nothing stored; interpreter start excluded)
#   pyx12:          x12valid FILE (full validation against the 005010X221A1 map; process wall time)
# Besides the human lines it prints one machine-readable line per peer:
#   peer edi-835-parser SECONDS
#   peer pyx12 SECONDS
# Make a file with: cargo bench --bench pipeline -- 10000 --peers-835 target/bench/remit-20000.835
# (or run tools/bench/run.sh, which does both).
set -euo pipefail
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
  echo "usage: tools/bench-peers/run.sh FILE.835" >&2
  exit 2
fi
FILE=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV="$ROOT/target/bench-peers-venv"
CHECK='import importlib.metadata as m, sys
sys.exit(0 if (m.version("edi-835-parser"), m.version("pyx12")) == ("1.8.0", "4.0.0") else 1)'
if ! "$VENV/bin/python" -c "$CHECK" >/dev/null 2>&1; then
  PYTHON=$(command -v python3.11 || command -v python3)
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet edi-835-parser==1.8.0 pyx12==4.0.0
fi
echo "file: $FILE ($(stat -c %s "$FILE") bytes)"

"$VENV/bin/python" - "$FILE" <<'PY'
import sys, time, warnings
from edi_835_parser import parse
# 1.8.0 warns once per unhandled segment id (e.g. LX inside the claim loop); the warnings do not
# change the parse, so keep them out of the report.
warnings.simplefilter("ignore")
start = time.perf_counter()
parsed = parse(sys.argv[1])
secs = time.perf_counter() - start
sets = getattr(parsed, "transaction_sets", None) or [parsed]
claims = sum(len(t.claims) for t in sets)
print(f"edi-835-parser 1.8.0 parse: {secs:.2f} s ({claims} claims)")
print(f"peer edi-835-parser {secs:.6f}")
PY

# x12valid prints "FILE: OK" when the document validates. pyx12 4.0.0 then fails to build its
# own 999 for an 835 ("Cannot create AK2") and exits 1; that happens after validation, so the
# timing stands and the verdict comes from the OK line, not the exit status.
LOG=$(mktemp)
start=$(date +%s.%N)
"$VENV/bin/x12valid" "$FILE" >"$LOG" 2>&1 || true
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }')
if grep -q ": OK$" "$LOG"; then verdict="valid"; else verdict="NOT valid (see $LOG)"; fi
printf 'pyx12 4.0.0 x12valid: %.2f s (%s)\n' "$secs" "$verdict"
echo "peer pyx12 $secs"
[ "$verdict" = "valid" ] && rm -f "$LOG"
exit 0
