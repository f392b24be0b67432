#!/usr/bin/env bash
# replay.sh [HARNESS...]: the fuzz regression test (make fuzz-replay, CI). Builds every harness
# with ${CC:-cc} + ASan + UBSan and replay_main.c (no libFuzzer needed: gcc is enough) and runs
# it once over each input of its committed corpus (tests/fuzz/corpus/NAME) and crash
# reproducers (tests/fuzz/crashers/NAME). No fuzzing: the same inputs every time.
# Fails on a sanitizer report or crash, and on a harness without a corpus.
set -uo pipefail
cd "$(dirname "$0")/../.."
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do harnesses+=("$(basename "$f" .c)"); done
fi
bin=build-asan/fuzz
tests/fuzz/build.sh replay "$bin" "${harnesses[@]}" || exit 2
fail=0
for h in "${harnesses[@]}"; do
    dirs=()
    for d in "tests/fuzz/corpus/$h" "tests/fuzz/crashers/$h"; do
        [ -d "$d" ] && [ -n "$(ls -A "$d")" ] && dirs+=("$d")
    done
    if [ ! -d "tests/fuzz/corpus/$h" ] || [ -z "$(ls -A "tests/fuzz/corpus/$h")" ]; then
        echo "FAIL $h: no corpus in tests/fuzz/corpus/$h"
        fail=1
        continue
    fi
    if out=$(ASAN_OPTIONS=detect_leaks=1 timeout 900 "$bin/$h" "${dirs[@]}" 2>&1); then
        echo "ok   $h: $(printf '%s\n' "$out" | tail -1) (${dirs[*]})"
    else
        echo "FAIL $h:"
        printf '%s\n' "$out" | grep -v '^fuzz:' | head -40
        fail=1
    fi
done
[ "$fail" -eq 0 ] && echo "fuzz-replay: all passed"
exit "$fail"
