#!/usr/bin/env bash
# build.sh MODE OUTDIR [HARNESS...]: build the fuzz harnesses (tests/fuzz/fuzz_*.c).
#   MODE fuzz     clang, libFuzzer + ASan + UBSan: OUTDIR/NAME fuzzes (make fuzz, run.sh)
#   MODE replay   ${CC:-cc} (gcc or clang) + ASan + UBSan, with tests/fuzz/replay_main.c as main():
#                 OUTDIR/NAME FILE|DIR... runs each input once (make fuzz-replay, no libFuzzer needed)
# The core (src/ minus main.c, analysis/) is built by the Makefile's libcore.a rule in its own
# build folder (build-fuzz/ or build-asan/: the replay flags are make asan's, so CI reuses them).
# Harnesses that run the analysis link with --wrap=secrets_new,secrets_free,secrets_ignore,
# pthread_create (fuzz_analysis.h says why).
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:?usage: build.sh fuzz|replay OUTDIR [HARNESS...]}
out=${2:?usage: build.sh fuzz|replay OUTDIR [HARNESS...]}
shift 2
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do harnesses+=("$(basename "$f" .c)"); done
fi
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
case $mode in
fuzz)
    cc=${CC_FUZZ:-clang}
    b=build-fuzz
    cflags="-O1 -g $san -fsanitize=fuzzer-no-link"
    link="-fsanitize=fuzzer"
    main=
    define=
    ;;
replay)
    cc=${CC:-cc}
    b=build-asan
    cflags="-O1 -g $san"        # exactly make asan's, so its objects are reused
    link=
    main=tests/fuzz/replay_main.c
    define=-DFZ_JSON_CROSSCHECK   # fuzz_json.h's verdict checked against jansson's (it says why)
    ;;
*) echo "build.sh: unknown mode $mode" >&2; exit 64 ;;
esac
command -v "$cc" >/dev/null || { echo "build.sh: no $cc (scripts/deps.sh installs it)" >&2; exit 2; }
make -s -j2 B="$b" CC="$cc" CFLAGS="$cflags" LDFLAGS="-fsanitize=address,undefined" "$b/libcore.a"
pkgs=$(sed -n 's/^PKGS *:= *//p' Makefile)   # the libraries strata links, as the Makefile says
[ -n "$pkgs" ] || { echo "build.sh: no PKGS line in the Makefile" >&2; exit 2; }
mkdir -p "$out"
for h in "${harnesses[@]}"; do
    wrap=
    grep -q 'fuzz_analysis.h' "tests/fuzz/$h.c" && wrap=-Wl,--wrap=secrets_new,--wrap=secrets_free,--wrap=secrets_ignore,--wrap=pthread_create
    # shellcheck disable=SC2046,SC2086
    $cc $cflags $define $link -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror -I. \
        $(pkg-config --cflags $pkgs) $wrap \
        -o "$out/$h" "tests/fuzz/$h.c" $main "$b/libcore.a" $(pkg-config --libs $pkgs) -lpthread -lm
done
