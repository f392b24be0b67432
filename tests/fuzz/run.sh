#!/usr/bin/env bash
# run.sh [RUNS] [HARNESS...]: build the libFuzzer harnesses (clang, ASan + UBSan) and fuzz each
# for RUNS inputs (default 100000; `make fuzz FUZZ_RUNS=N`), one process each, one after the
# other. Not part of `make check`; CI replays the saved corpora instead (replay.sh).
#
#   tests/fuzz/run.sh                         # every harness, 100000 inputs each
#   tests/fuzz/run.sh 10000000 fuzz_layer     # one, ten million inputs
#   FUZZ_DIR=/tmp/fz tests/fuzz/run.sh        # where binaries, corpora and crashes go
#   FUZZ_TIME=600 tests/fuzz/run.sh           # also stop each after 600 s
#
# Each harness starts from its committed corpus (tests/fuzz/corpus/NAME) and the seeds of
# make-seeds.sh; what it finds goes to $FUZZ_DIR/corpus/NAME, crash, timeout and leak inputs to
# $FUZZ_DIR/artifacts/NAME/. Reproduce one with  $FUZZ_DIR/bin/NAME FILE,  minimise it with
# ... -minimize_crash=1 -runs=10000 FILE, and commit it to tests/fuzz/crashers/NAME/ with the fix.
# To refresh a committed corpus (keep it small):
#   $FUZZ_DIR/bin/NAME -merge=1 NEW $FUZZ_DIR/corpus/NAME tests/fuzz/corpus/NAME
# Prints libFuzzer's "#N DONE cov: … exec/s: …" per harness; the last line is "fuzz: N crashes";
# exit status 1 if N > 0.
set -uo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-100000}
shift || true
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do harnesses+=("$(basename "$f" .c)"); done
fi
dir=${FUZZ_DIR:-/tmp/strata-fuzz}
mkdir -p "$dir"
[ -d "$dir/seeds" ] || tests/fuzz/make-seeds.sh "$dir/seeds" || exit 2
tests/fuzz/build.sh fuzz "$dir/bin" "${harnesses[@]}" || exit 2
crashes=0
for h in "${harnesses[@]}"; do
    corpus=$dir/corpus/$h
    art=$dir/artifacts/$h
    mkdir -p "$corpus" "$art"
    extra=()
    [ -d "tests/fuzz/corpus/$h" ] && extra+=("tests/fuzz/corpus/$h")
    [ -d "$dir/seeds/${h#fuzz_}" ] && extra+=("$dir/seeds/${h#fuzz_}")
    before=$(ls "$art" | wc -l)
    echo "== fuzz $h: $runs inputs"
    "$dir/bin/$h" "$corpus" "${extra[@]}" -runs="$runs" ${FUZZ_TIME:+-max_total_time=$FUZZ_TIME} \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$art/" -print_final_stats=1 \
        >"$dir/$h.log" 2>&1
    grep -E '^#[0-9]+.*DONE' "$dir/$h.log" | tail -1
    after=$(ls "$art" | wc -l)
    new=$((after - before))
    [ "$new" -gt 0 ] && { echo "   $new new artifact(s) in $art:"; ls -t "$art" | head -"$new"; \
                          grep -m3 -E "ERROR:|runtime error" "$dir/$h.log"; }
    crashes=$((crashes + new))
done
echo "fuzz: $crashes crashes"
[ "$crashes" -eq 0 ]
