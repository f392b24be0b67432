#!/usr/bin/env bash
# test_images.sh: `strata --json` on every real image we have, checked against tests/e2e/oracle.py
# (an independent Python reader), and the oracle itself checked against `tar -tvf` sums.
#
#   STRATA=./strata bash tests/e2e/test_images.sh
#
# Images: ../shared/fixtures/peers/*.tar (always), demo/demo.tar, and when built:
# /var/tmp/strata-real/*.tar (../shared/tools/make-real-images.sh) and
# /var/tmp/strata-d26/*.tar{,.gz} (../shared/tools/make-docker26-saves.sh).
source "$(dirname "$0")/common.bash"
require_strata "e2e images"
ORACLE="python3 $HERE/oracle.py"
TIMEOUT=${E2E_IMAGE_TIMEOUT:-600}

# ---------------------------------------------------------------- the oracle vs tar -tvf
# Content bytes of a layer blob by GNU tar's own listing: regular files ('-'), not hard links ('h').
tar_bytes() {
  tar -tvf "$1" 2>/dev/null | awk '$1 ~ /^-/ { n = $6; sub(/.*\//, "", n);
      if (n !~ /^\.wh\./ && $6 !~ /^(\.\/)?(stargz\.index\.json|\.prefetch\.landmark|\.no\.prefetch\.landmark)$/) s += $3 }
    END { print s + 0 }'
}

oracle_vs_tar() {  # $1 image tar (plain outer); checks every layer's bytes by tar -tvf
  local img=$1 name; name=$(basename "$1")
  local d=$WORKDIR/x.$name; mkdir -p "$d"
  tar -xf "$img" -C "$d" || { fail "$name: tar -xf"; return; }
  $ORACLE "$img" > "$d.oracle.json" || { fail "$name: oracle failed"; return; }
  local i=0 blob want got bad=0
  while IFS=$'\t' read -r blob want; do
    got=$(tar_bytes "$d/$blob")
    [ "$got" = "$want" ] || { bad=$((bad + 1)); echo "   layer $i ($blob): tar -tvf $got, oracle $want"; }
    i=$((i + 1))
  done < <(jq -r '.layers[] | [.blob, .bytes] | @tsv' "$d.oracle.json")
  check "$name: oracle layer bytes agree with tar -tvf ($i layers)" "$bad" 0
  rm -rf "$d"
}

D=$PEERS/test-docker-image.tar
if [ -f "$D" ]; then
  x=$WORKDIR/docker1809; mkdir -p "$x"; tar -xf "$D" -C "$x"
  check "docker-18.09 fixture: manifest lists 14 layers (jq)" "$(jq '.[0].Layers | length' "$x/manifest.json")" 14
  total=0; first=
  for l in $(jq -r '.[0].Layers[]' "$x/manifest.json"); do
    b=$(tar_bytes "$x/$l"); total=$((total + b)); [ -n "$first" ] || first=$b
  done
  check "docker-18.09 fixture: tar -tvf content bytes = 1,220,598 (dive's figure)" "$total" 1220598
  check "docker-18.09 fixture: tar -tvf bytes outside layer 0 = 66,237 (dive's figure)" "$((total - first))" 66237
  $ORACLE "$D" > "$WORKDIR/d.json"
  check "docker-18.09 fixture: oracle layer count" "$(jq '.layers | length' "$WORKDIR/d.json")" 14
  check "docker-18.09 fixture: oracle layer_bytes" "$(jq '.totals.layer_bytes' "$WORKDIR/d.json")" 1220598
  check "docker-18.09 fixture: oracle bytes outside layer 0" "$(jq '.totals.layer_bytes - .layers[0].bytes' "$WORKDIR/d.json")" 66237
  check "docker-18.09 fixture: oracle diff_ids = sha256 of each layer" \
    "$(jq '[.layers[] | .diff_id == .computed_diff_id] | all' "$WORKDIR/d.json")" true
  check "docker-18.09 fixture: 392 hard links in layer 0 (tar -tvf)" \
    "$(tar -tvf "$x/$(jq -r '.[0].Layers[0]' "$x/manifest.json")" | grep -c '^h')" 392
  check "docker-18.09 fixture: 2 whiteouts (tar -tvf, all layers)" \
    "$(for l in $(jq -r '.[0].Layers[]' "$x/manifest.json"); do tar -tf "$x/$l"; done | grep -c '/\.wh\.')" 2
  rm -rf "$x"
else
  fail "fixture $D missing (../shared beside the repo?)"
fi
for f in "$PEERS"/test-kaniko-image.tar "$PEERS"/test-oci-*-image.tar; do
  [ -f "$f" ] && oracle_vs_tar "$f"
done

# ---------------------------------------------------------------- strata vs the oracle
run_image() {  # $1 image
  local img=$1 name; name=$(basename "$1")
  local o=$WORKDIR/$name.oracle.json s=$WORKDIR/$name.strata.json e=$WORKDIR/$name.err rc
  if ! $ORACLE "$img" > "$o" 2> "$e"; then fail "$name: oracle cannot read it: $(head -c 300 "$e")"; return; fi
  check "$name: oracle diff_ids match layer contents" "$(jq '[.layers[] | .diff_id == .computed_diff_id] | all' "$o")" true
  local t0=$SECONDS
  timeout "$TIMEOUT" "$STRATA" --json "$img" > "$s" 2> "$e"; rc=$?
  if [ $rc -ne 0 ]; then
    fail "$name: strata --json exit $rc: $(head -c 300 "$e")"; return
  fi
  pass "$name: strata --json exit 0 ($((SECONDS - t0))s)"
  [ -s "$e" ] && echo "   (stderr: $(head -c 200 "$e"))"
  python3 "$HERE/compare.py" "$name" "$o" "$s" > "$WORKDIR/cmp.out"; tally "$WORKDIR/cmp.out"
}

for f in "$PEERS"/*.tar; do run_image "$f"; done
[ -f "$ROOT/demo/demo.tar" ] && run_image "$ROOT/demo/demo.tar"

shopt -s nullglob
real=("$REAL_DIR"/*.tar)
if [ ${#real[@]} -eq 0 ]; then
  skip "$REAL_DIR/*.tar not built (run ../shared/tools/make-real-images.sh $REAL_DIR)"
else
  for f in "${real[@]}"; do run_image "$f"; done
fi
d26=("$D26_DIR"/*.tar "$D26_DIR"/*.tar.gz)
if [ ${#d26[@]} -eq 0 ]; then
  skip "$D26_DIR/*.tar not built (run ../shared/tools/make-docker26-saves.sh $D26_DIR)"
else
  for f in "${d26[@]}"; do run_image "$f"; done
fi

finish "e2e images"
