#!/usr/bin/env bash
# The JSON reports against their JSON Schemas (schema/strata-1.schema.json, strata-diff-1):
# `strata --json` on every test image (the demo, ../shared/fixtures/peers, the real images of
# make-real-images.sh, the Docker 26 saves, an OCI layout directory, a two-platform index, standard
# input, --no-content, --show-secrets) and `strata diff --json` on pairs of them; and reports made
# wrong on purpose must fail, so the check can fail.
source "$(dirname "$0")/common.bash"
require_strata "e2e schema"
S1=$ROOT/schema/strata-1.schema.json
S2=$ROOT/schema/strata-diff-1.schema.json
V() { python3 "$HERE/validate_schema.py" "$@"; }
python3 -c 'import jsonschema' 2>/dev/null || { fail "python3-jsonschema is not installed (scripts/deps.sh installs it)"; finish "e2e schema"; exit 1; }
J=$WORKDIR/json; mkdir -p "$J"
n=0
report() {   # report NAME ARGS...: strata --json ARGS > J/NAME.json
  local name=$1; shift
  if timeout 120 "$STRATA" --json "$@" > "$J/$name.json" 2> "$J/$name.err"; then n=$((n + 1))
  else fail "strata --json $* exited $? ($(head -c 300 "$J/$name.err"))"; rm -f "$J/$name.json"; fi
}
DEMO=$ROOT/demo/demo.tar
report demo "$DEMO"
report demo-no-content --no-content "$DEMO"
report demo-show-secrets --show-secrets "$DEMO"
report demo-stdin - < "$DEMO"
report demo-files --files "$DEMO"
[ -f "$PEERS/test-docker-image.tar" ] && report peer-docker-files --files "$PEERS/test-docker-image.tar"
for f in "$PEERS"/*.tar; do [ -f "$f" ] && report "peer-$(basename "$f" .tar)" "$f"; done
[ -f "$PEERS/test-docker-image.tar" ] || fail "no peer fixtures in $PEERS"
OCI=$PEERS/test-oci-gzip-image.tar
if [ -f "$OCI" ]; then
  mkdir -p "$WORKDIR/layout" "$WORKDIR/multi"
  tar -xf "$OCI" -C "$WORKDIR/layout"; tar -xf "$OCI" -C "$WORKDIR/multi"
  report oci-layout-dir "$WORKDIR/layout"
  python3 - "$WORKDIR/multi/index.json" <<'PY'
import json, sys
p = sys.argv[1]; ix = json.load(open(p))
m = ix["manifests"][0]
ix["manifests"] = [dict(m, platform={"os": "linux", "architecture": a, **v}) for a, v in
                   (("arm64", {"variant": "v8"}), ("riscv64", {}))]
json.dump(ix, open(p, "w"))
PY
  report two-platform --platform linux/arm64/v8 "$WORKDIR/multi"
  report two-platform-default "$WORKDIR/multi"
fi
# a partial report: layer 1 of the docker-archive peer replaced by bytes that are not a tar
python3 - "$PEERS/test-docker-image.tar" "$WORKDIR/partial.tar" <<'PY'
import io, json, sys, tarfile
src, dst = sys.argv[1:3]
with tarfile.open(src) as t, tarfile.open(dst, "w") as o:
    layer = json.load(t.extractfile("manifest.json"))[0]["Layers"][1]
    for m in t.getmembers():
        data = t.extractfile(m).read() if m.isfile() else None
        if m.name == layer:
            data = b"this is not a tar archive\n" * 100
            m.size = len(data)
        o.addfile(m, io.BytesIO(data) if data is not None else None)
PY
"$STRATA" --json "$WORKDIR/partial.tar" > "$J/partial.json" 2>/dev/null
check "a damaged layer: exit 1 with a partial report" "$?/$(jq -c '[.partial, (.layers[1].error != null)]' "$J/partial.json" 2>/dev/null)" "1/[true,true]"
n=$((n + 1))
real=0
for f in "$REAL_DIR"/*.tar "$D26_DIR"/*.tar; do
  [ -f "$f" ] || continue
  real=$((real + 1)); report "real-$(basename "$f" .tar)" "$f"
done
[ "$real" -gt 0 ] || skip "no real images in $REAL_DIR or $D26_DIR (.ci/run builds them)"

V "$S1" "$J"/*.json > "$WORKDIR/v1.out"; rc=$?
grep '^FAIL' "$WORKDIR/v1.out"
check "strata --json of $n reports valid against schema/strata-1.schema.json" "$rc/$(grep -c '^ok - ' "$WORKDIR/v1.out")" "0/$n"
jq -e '.image.platforms | length == 2' "$J/two-platform.json" >/dev/null 2>&1
check "the two-platform report (image.platforms) was among them" $? 0

# ---- diff
D=$WORKDIR/diff; mkdir -p "$D"
m=0
dreport() {
  local name=$1; shift
  if timeout 180 "$STRATA" diff --json "$@" > "$D/$name.json" 2> "$D/$name.err"; then m=$((m + 1))
  else fail "strata diff --json $* exited $? ($(head -c 300 "$D/$name.err"))"; rm -f "$D/$name.json"; fi
}
dreport demo-demo "$DEMO" "$DEMO"
dreport docker-kaniko "$PEERS/test-docker-image.tar" "$PEERS/test-kaniko-image.tar"
dreport gzip-zstd-no-content --no-content "$PEERS/test-oci-gzip-image.tar" "$PEERS/test-oci-zstd-image.tar"
dreport demo-peer "$DEMO" "$PEERS/test-docker-image.tar"
if [ -f "$REAL_DIR/a-single-stage.docker.tar" ] && [ -f "$REAL_DIR/b-multi-stage.docker.tar" ]; then
  dreport real-a-b "$REAL_DIR/a-single-stage.docker.tar" "$REAL_DIR/b-multi-stage.docker.tar"
  dreport real-c-g "$REAL_DIR/c-leaked-secrets.docker.tar" "$REAL_DIR/g-leaked-secrets.docker-save.tar"
else
  skip "real images absent: diff of single vs multi-stage not validated"
fi
V "$S2" "$D"/*.json > "$WORKDIR/v2.out"; rc=$?
grep '^FAIL' "$WORKDIR/v2.out"
check "strata diff --json of $m pairs valid against schema/strata-diff-1.schema.json" "$rc/$(grep -c '^ok - ' "$WORKDIR/v2.out")" "0/$m"

# ---- the schemas reject what breaks the contract
B=$WORKDIR/bad; mkdir -p "$B"
bad() { jq "$2" "$J/demo.json" > "$B/$1.json"; V "$S1" "$B/$1.json" >/dev/null; check "schema rejects: $1" $? 1; }
bad no-totals 'del(.totals)'
bad wrong-schema '.schema = "strata/2"'
bad unknown-top-level-key '.surprise = 1'
bad renamed-layer-field '.layers[0] |= (.size = .bytes | del(.bytes))'
bad negative-bytes '.totals.final_bytes = -1'
bad severity-not-in-enum '.secrets[0].severity = "urgent"'
bad efficiency-over-1 '.totals.efficiency = 1.5'
bad layer-as-string '.secrets[0].layer = "3"'
bad share-over-1 '.waste.removable_share = 1.5'
bad blame-without-writer '(.waste.categories[] | select(.id == "deleted") | .blame[0]) |= del(.layer)'
bad truncated-false '(.waste.categories[] | select(.id == "deleted")) += {"truncated": false}'
badf() { jq "$2" "$J/demo-files.json" > "$B/$1.json"; V "$S1" "$B/$1.json" >/dev/null; check "schema rejects: $1" $? 1; }
badf entry-kind-unknown '.layers[0].entries[0].kind = "blob"'
badf entry-without-path '.layers[0].entries[0] |= del(.path)'
badf entry-status-unknown '.layers[0].entries[0].status = "gone"'
jq -e '[.layers[] | .entries | length] | all(. > 0)' "$J/demo-files.json" >/dev/null 2>&1
check "--files: every layer of the demo lists its entries (so the schema checks them)" $? 0
jq -e '[.waste.categories[] | select(.id == "deleted" or .id == "shadowed") | has("blame")] | all and length == 2' "$J/demo.json" >/dev/null 2>&1
check "the demo's dead-byte categories carry blame (so the schema checks it)" $? 0
bad hidden-by-layer-as-string '(.secrets[] | select(.visible == false) | .hidden_by_layer) = "7"'
bad no-partial 'del(.partial)'
jq 'del(.only_in_a)' "$D/demo-demo.json" > "$B/diff.json"; V "$S2" "$B/diff.json" >/dev/null
check "diff schema rejects: no only_in_a" $? 1
jq '.schema = "strata/1"' "$D/demo-demo.json" > "$B/diff2.json"; V "$S2" "$B/diff2.json" >/dev/null
check "diff schema rejects: a strata/1 label" $? 1
# optional names other work adds are allowed where the contract names them
jq '.warnings = [] | .secrets[0].name = "X" | .secrets[0].hidden_by_layer = 4' "$J/demo.json" > "$B/opt.json"
V "$S1" "$B/opt.json" > "$B/opt.out"; check "schema allows warnings, secrets[].name, hidden_by_layer" $? 0
jq -e '[.secrets[] | select(.visible == false) | has("hidden_by_layer")] | all and length > 0' "$J/demo.json" >/dev/null
check "the demo's deleted secrets carry hidden_by_layer (so the schema checks it)" $? 0
finish "e2e schema"
