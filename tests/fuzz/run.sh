#!/usr/bin/env bash
# run.sh [SECONDS] [HARNESS...]: build the libFuzzer harnesses and fuzz each for SECONDS
# (default 300), one job each. Not part of `make check` (CI time).
#
#   tests/fuzz/run.sh                      # all three, 300 s each
#   tests/fuzz/run.sh 60 fuzz_layer        # one, a minute
#   FUZZ_DIR=/tmp/fz tests/fuzz/run.sh     # where binaries, corpora and crashes go
#
# Corpora grow in $FUZZ_DIR/corpus/<harness> (seeded by make-seeds.sh); crash, timeout and
# leak inputs land in $FUZZ_DIR/artifacts/<harness>/. Reproduce one with
#   $FUZZ_DIR/bin/<harness> FILE        and minimise with   ... -minimize_crash=1 -runs=10000 FILE
# The last line is "fuzz: N crashes" (N = new artifacts this run); exit status 1 if N > 0.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-300}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(fuzz_tarscan fuzz_layer fuzz_image)
dir=${FUZZ_DIR:-/tmp/strata-fuzz}
cc=${CC_FUZZ:-clang}
mkdir -p "$dir/bin"
[ -d "$dir/seeds" ] || tests/fuzz/make-seeds.sh "$dir/seeds" || exit 2
src="src/util.c src/strpool.c src/model.c src/layer.c src/tarscan.c src/history.c src/image.c"
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=c11
       -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror -I."
libs="$(pkg-config --cflags --libs libarchive jansson libzstd libxxhash) -lpthread -lm"
crashes=0
for h in "${harnesses[@]}"; do
    echo "== build $h"
    # shellcheck disable=SC2086
    $cc $flags -o "$dir/bin/$h" "tests/fuzz/$h.c" $src $libs || exit 2
    seeds=$dir/seeds/${h#fuzz_}
    corpus=$dir/corpus/$h
    art=$dir/artifacts/$h
    mkdir -p "$corpus" "$art"
    before=$(ls "$art" | wc -l)
    echo "== fuzz $h for ${secs}s"
    "$dir/bin/$h" "$corpus" "$seeds" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=262144 -artifact_prefix="$art/" -print_final_stats=1 \
        >"$dir/$h.log" 2>&1
    grep -E 'stat::number_of_executed_units|^#[0-9]+.*DONE' "$dir/$h.log" | tail -2
    after=$(ls "$art" | wc -l)
    new=$((after - before))
    [ "$new" -gt 0 ] && { echo "   $new new artifact(s) in $art:"; ls -t "$art" | head -"$new"; \
                          grep -m3 -E "ERROR:|runtime error" "$dir/$h.log"; }
    crashes=$((crashes + new))
done
echo "fuzz: $crashes crashes"
[ "$crashes" -eq 0 ]
