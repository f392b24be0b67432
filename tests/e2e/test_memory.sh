#!/usr/bin/env bash
# test_memory.sh: small inputs that once took gigabytes of memory or minutes of CPU (issue 8,
# item 5) stay within the metadata budget (--max-metadata, default 256 MiB) plus a fixed margin,
# and fail with one line naming what was too big (a package database: a warning, no packages).
# Inputs are made by memory_shapes.py; peak RSS and CPU come from /usr/bin/time (scripts/deps.sh
# installs it). Ceilings are wide: before the budget these shapes peaked at 1 to 4.8 GB, or
# took minutes of CPU.
#
#   STRATA=./strata bash tests/e2e/test_memory.sh
source "$(dirname "$0")/common.bash"
require_strata "e2e memory"
GEN=$HERE/memory_shapes.py
M=$WORKDIR/mem; mkdir -p "$M"
if [ ! -x /usr/bin/time ]; then
  fail "/usr/bin/time is missing (scripts/deps.sh installs the time package)"
  finish "e2e memory"; exit 1
fi
# A sanitizer build keeps freed memory in quarantine and shadows it: a wider margin, more CPU.
MARGIN_MB=160 CPU_X=1
case $(basename "$STRATA") in *asan*) MARGIN_MB=700 CPU_X=6 ;; esac

# measure LABEL STDIN ARGS...: runs strata; sets RC, RSS_MB, CPU_S, and $M/LABEL.{out,err}
measure() {
  local label=$1 in=$2; shift 2
  timeout 600 /usr/bin/time -o "$M/$label.time" -f '%M %U %S' "$STRATA" "$@" \
    < "$in" > "$M/$label.out" 2> "$M/$label.err"
  RC=$?
  read -r kb user sys < <(tail -n 1 "$M/$label.time")
  RSS_MB=$(( ${kb:-0} / 1024 ))
  CPU_S=$(python3 -c "print(round(${user:-0} + ${sys:-0}, 2))")
  echo "# $label: exit $RC, peak RSS ${RSS_MB} MB, CPU ${CPU_S} s"
}
# under CEIL_MB CPU_MAX_S: the last measure stayed under both
under() {
  local ceil=$(( $1 + MARGIN_MB )) cpu=$(( $2 * CPU_X ))
  if [ "$RSS_MB" -gt 0 ] && [ "$RSS_MB" -le "$ceil" ]; then pass "$LABEL: peak RSS ${RSS_MB} MB <= $ceil MB"
  else fail "$LABEL: peak RSS ${RSS_MB} MB, ceiling $ceil MB"; fi
  if python3 -c "import sys; sys.exit(0 if $CPU_S <= $cpu else 1)"; then pass "$LABEL: CPU ${CPU_S} s <= $cpu s"
  else fail "$LABEL: CPU ${CPU_S} s, ceiling $cpu s"; fi
}
# one_line LABEL PATTERN: stderr is exactly one "strata: …" line matching PATTERN
one_line() {
  local n; n=$(wc -l < "$M/$LABEL.err")
  if [ "$n" = 1 ] && grep -q -- "$1" "$M/$LABEL.err"; then pass "$LABEL: one line: $(cat "$M/$LABEL.err")"
  else fail "$LABEL: stderr should be one line matching '$1', got: $(head -c 600 "$M/$LABEL.err")"; fi
}

for s in json-stream config-objects manifest-repeat packages symlink-chain; do
  python3 "$GEN" "$s" "$M/$s.tar" || { fail "memory_shapes.py $s"; finish "e2e memory"; exit 1; }
done
BUDGET="does not fit in the metadata budget"

# 16 JSON-looking members of 60 MB in a .tar.gz on stdin; the manifest's config is the last one.
LABEL=json-stream
measure $LABEL "$M/json-stream.tar" --json -
check "$LABEL: exit" "$RC" 1
one_line "^strata: -: config blobs/sha256/0*f (62.9 MB) $BUDGET (256 MiB; --max-metadata SIZE"
under 256 30

# A 60 MB config of [{},{},…]: 20 million parsed objects.
LABEL=config-objects
measure $LABEL /dev/null --json "$M/config-objects.tar"
check "$LABEL: exit" "$RC" 1
one_line "config config.json (62.9 MB): its parsed form $BUDGET (256 MiB;"
under 256 30
LABEL=config-objects-16M     # the text alone is more than the budget
measure $LABEL /dev/null --max-metadata 16M --report "$M/config-objects.tar"
check "$LABEL: exit" "$RC" 1
one_line "config config.json (62.9 MB) $BUDGET (16 MiB;"
under 16 30
LABEL=config-objects-diff
PEER=$PEERS/test-docker-image.tar
measure $LABEL /dev/null diff --max-metadata 16M --json "$PEER" "$M/config-objects.tar"
check "$LABEL: exit" "$RC" 1
one_line "config-objects.tar: config config.json (62.9 MB) $BUDGET (16 MiB;"
LABEL=peer-diff-16M          # an ordinary image fits in a small budget
measure $LABEL /dev/null diff --max-metadata 16M --json "$PEER" "$PEER"
check "$LABEL: exit" "$RC" 0

# A manifest naming one layer of 400 files 65,000 times: 26 million entry copies.
LABEL=manifest-repeat
measure $LABEL /dev/null --json "$M/manifest-repeat.tar"
check "$LABEL: exit" "$RC" 1
one_line "the manifest names layer 0 (sha256:[0-9a-f]*…) 65000 times; a copy of its 401 entries for each use $BUDGET"
under 256 30

# A 60 MB dpkg status and 12 pip RECORD files of 60 MB: a warning, no attribution, the rest runs.
LABEL=packages
measure $LABEL /dev/null --json "$M/packages.tar"
check "$LABEL: exit" "$RC" 0
one_line "^strata: warning: package database /usr/lib/python3/dist-packages/p[0-9]*-1.0.dist-info/RECORD (62.9 MB) $BUDGET (256 MiB; --max-metadata SIZE to change it): no package attribution"
check "$LABEL: no packages" "$(jq '.packages | length' "$M/$LABEL.out")" 0
check "$LABEL: files still counted" "$(jq '.layers[0].files' "$M/$LABEL.out")" 14
under 256 60

# 30,001 layers, each but the first a symlink through a 15-hop chain to the same blob.
LABEL=symlink-chain
measure $LABEL /dev/null --json "$M/symlink-chain.tar"
check "$LABEL: exit" "$RC" 0
check "$LABEL: layers" "$(jq '.layers | length' "$M/$LABEL.out")" 30001
under 150 30

# --max-metadata values
LABEL=bad-size
for v in 0 abc 12X -5 ""; do
  "$STRATA" --max-metadata "$v" --json "$M/symlink-chain.tar" > /dev/null 2> "$M/bad.err"
  check "--max-metadata '$v': usage error" "$?" 64
done
grep -q -- "--max-metadata SIZE" <("$STRATA" --help) && pass "--help lists --max-metadata" || fail "--help lists --max-metadata"

finish "e2e memory"
