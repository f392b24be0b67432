#!/usr/bin/env bash
# test_inputs.sh: the same image read as a file, from standard input, inside gzip or zstd, and as an
# OCI layout directory gives the same report (only image.source, and image.format for a directory,
# may differ).
#
#   STRATA=./strata bash tests/e2e/test_inputs.sh
source "$(dirname "$0")/common.bash"
require_strata "e2e inputs"
W=$WORKDIR

# the report without the fields that name the input
strip() { jq -S 'del(.image.source) | del(.image.format)' "$1"; }

json_of() {  # $1 label, then the command; writes $W/$1.json, returns strata's exit status
  local label=$1; shift
  timeout "$TIMEOUT" "$@" > "$W/$label.json" 2> "$W/$label.err"
}

agree() {  # $1 what, $2 reference json, $3 other json
  if diff <(strip "$2") <(strip "$3") > "$W/diff.out"; then
    pass "$1: same report"
  else
    fail "$1: reports differ: $(head -n 8 "$W/diff.out" | tr '\n' ' ' | head -c 400)"
  fi
}

for img in "$PEERS/test-docker-image.tar" "$PEERS/test-kaniko-image.tar" "$PEERS/test-oci-zstd-image.tar"; do
  n=$(basename "$img" .tar)
  if ! json_of "$n.file" "$STRATA" --json "$img" < /dev/null; then
    fail "$n: strata --json FILE exit $?: $(head -c 300 "$W/$n.file.err")"; continue
  fi
  pass "$n: strata --json FILE"
  fmt=$(jq -r '.image.format' "$W/$n.file.json")

  if json_of "$n.stdin" sh -c 'cat "$1" | "$2" --json -' sh "$img" "$STRATA"; then
    agree "$n: cat IMG | strata --json -" "$W/$n.file.json" "$W/$n.stdin.json"
    check "$n: stdin: image.format" "$(jq -r '.image.format' "$W/$n.stdin.json")" "$fmt"
  else
    fail "$n: cat IMG | strata --json -: exit $?: $(head -c 300 "$W/$n.stdin.err")"
  fi

  # a writer that hands the pipe small pieces (as `podman image save` does): every member's first
  # bytes arrive in several reads, and the reader must still know a layer from its header
  if json_of "$n.dribble" sh -c 'python3 -c "
import sys, os
d = open(sys.argv[1], \"rb\").read()
i = 0
while i < len(d):
    k = 100 + (i * 7919) % 400
    os.write(1, d[i:i + k]); i += k
" "$1" | "$2" --json -' sh "$img" "$STRATA"; then
    agree "$n: written to the pipe 100-500 bytes at a time" "$W/$n.file.json" "$W/$n.dribble.json"
  else
    fail "$n: dribbled into strata --json -: exit $?: $(head -c 300 "$W/$n.dribble.err")"
  fi

  gzip -c "$img" > "$W/$n.tar.gz"
  if json_of "$n.gz" "$STRATA" --json "$W/$n.tar.gz" < /dev/null; then
    agree "$n: gzip -c IMG > x.tar.gz" "$W/$n.file.json" "$W/$n.gz.json"
    check "$n: .tar.gz: image.format" "$(jq -r '.image.format' "$W/$n.gz.json")" "$fmt"
  else
    fail "$n: strata --json x.tar.gz: exit $?: $(head -c 300 "$W/$n.gz.err")"
  fi

  if json_of "$n.gzstdin" sh -c 'gzip -c "$1" | "$2" --json -' sh "$img" "$STRATA"; then
    agree "$n: gzip -c IMG | strata --json -" "$W/$n.file.json" "$W/$n.gzstdin.json"
  else
    fail "$n: gzip -c IMG | strata --json -: exit $?: $(head -c 300 "$W/$n.gzstdin.err")"
  fi

  zstd -q -c "$img" > "$W/$n.tar.zst"
  if json_of "$n.zst" "$STRATA" --json "$W/$n.tar.zst" < /dev/null; then
    agree "$n: zstd -c IMG > x.tar.zst" "$W/$n.file.json" "$W/$n.zst.json"
  else
    fail "$n: strata --json x.tar.zst: exit $?: $(head -c 300 "$W/$n.zst.err")"
  fi
done

# OCI layout directories: extracted OCI archives, also checked against the oracle
for img in "$PEERS"/test-oci-*-image.tar; do
  n=$(basename "$img" .tar)
  d=$W/$n.layout; mkdir -p "$d"; tar -xf "$img" -C "$d"
  json_of "$n.file" "$STRATA" --json "$img" < /dev/null || { fail "$n: strata --json FILE exit $?"; continue; }
  if json_of "$n.dir" "$STRATA" --json "$d" < /dev/null; then
    agree "$n: OCI layout directory" "$W/$n.file.json" "$W/$n.dir.json"
    check "$n: directory: image.format" "$(jq -r '.image.format' "$W/$n.dir.json")" oci-layout
    python3 "$HERE/oracle.py" "$d" > "$W/$n.dir.oracle.json"
    python3 "$HERE/compare.py" "$n (layout dir)" "$W/$n.dir.oracle.json" "$W/$n.dir.json" > "$W/cmp.out"
    tally "$W/cmp.out"
  else
    fail "$n: strata --json DIR: exit $?: $(head -c 300 "$W/$n.dir.err")"
  fi
done

finish "e2e inputs"
