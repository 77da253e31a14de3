#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), at the lowest CPU priority, one after the
# other, then prints each target's executions, coverage and crashes (from libFuzzer's own report).
#
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]
# A target also stops after FUZZ_RUNS executions (default 10,000,000, the goal per reader).
# Inputs are at most FUZZ_MAX_LEN bytes (default 8192): a claim, an encounter, a message or a
# transaction set fits (tools/fuzz-corpus.sh seeds each alone), and every executed input costs
# time in proportion to its length, so longer inputs only slow the search down.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). The toolchain is stable: cargo-fuzz passes
# nightly-only flags to rustc, which RUSTC_BOOTSTRAP=1 allows. The targets run without a
# sanitizer (`-s none`): claimkit has no unsafe code of its own to check, and a panic is what we
# look for. Crashes land in fuzz/artifacts/<target>/; each one found becomes a regression test
# (a minimal file under tests/fixtures/bad/) and a fix.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
runs=${FUZZ_RUNS:-10000000}
max_len=${FUZZ_MAX_LEN:-8192}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(x12_tokenizer remit835 claim837 ack_999_ta1 ack_277 import_csv import_fhir import_hl7)
fi
[ -d fuzz/corpus/x12_tokenizer ] || tools/fuzz-corpus.sh
export RUSTC_BOOTSTRAP=1
logs=fuzz/logs
mkdir -p "$logs"
(cd fuzz && nice -n 19 cargo fuzz build -s none)
status=0
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    echo "== $t: ${seconds}s"
    if ! (cd fuzz && nice -n 19 cargo fuzz run -s none "$t" -- -max_total_time="$seconds" -runs="$runs" -max_len="$max_len" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1) >"$logs/$t.log" 2>&1; then
        status=1
        echo "   CRASH: see $logs/$t.log and fuzz/artifacts/$t/"
    fi
done
echo
printf '%-14s %14s %10s %8s %9s %8s %8s %8s\n' target executions exec/s cov features crashes seconds max_len
for t in "${targets[@]}"; do
    log="$logs/$t.log"
    executed=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
    speed=$(grep -Eo 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
    cov=$(grep -Eo ' cov: [0-9]+' "$log" | grep -Eo '[0-9]+' | tail -1)
    ft=$(grep -Eo ' ft: [0-9]+' "$log" | grep -Eo '[0-9]+' | tail -1)
    crashes=$(find "fuzz/artifacts/$t" -type f -name 'crash-*' 2>/dev/null | wc -l)
    elapsed=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -Eo '[0-9]+ second' | grep -Eo '[0-9]+' | tail -1)
    printf '%-14s %14s %10s %8s %9s %8s %8s %8s\n' "$t" "${executed:--}" "${speed:--}" "${cov:--}" "${ft:--}" "$crashes" \
        "${elapsed:--}" "$max_len"
done
exit $status
