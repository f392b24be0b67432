#!/usr/bin/env bash
# test_findings.sh: secrets and waste that strata must find in images whose contents we know:
# the bundled demo (scripts/make-demo-image.sh) and, when built, the real leaked-secrets images.
# Secret values must never be printed whole without --show-secrets.
#
#   STRATA=./strata bash tests/e2e/test_findings.sh
source "$(dirname "$0")/common.bash"
require_strata "e2e findings"
W=$WORKDIR

run() {  # $1 out file, then strata args
  local out=$1; shift
  timeout "${E2E_IMAGE_TIMEOUT:-600}" "$STRATA" "$@" > "$out" 2> "$out.err" < /dev/null
}
q() { jq -r "$1" "$2" 2>/dev/null; }

# secret_check NAME JSON PATH KEY LAYER: an aws-access-key-id at PATH, written by layer LAYER,
# deleted later (visible false), masked
secret_check() {
  local name=$1 j=$2 path=$3 key=$4 layer=$5 sel
  sel=".secrets[]? | select(.rule == \"aws-access-key-id\" and .path == \"$path\")"
  check "$name: aws-access-key-id found in $path" "$(q "[$sel] | length > 0" "$j")" true
  check "$name: $path key: layer $layer" "$(q "[$sel | .layer] | first" "$j")" "$layer"
  check "$name: $path key: visible false (deleted later, still in the tarball)" "$(q "[$sel | .visible] | first" "$j")" false
  check "$name: $path key: severity critical" "$(q "[$sel | .severity | ascii_downcase] | first" "$j")" critical
  check "$name: $path key: created_by is a COPY line" "$(q "[$sel | .created_by] | first | startswith(\"COPY\")" "$j")" true
  local m; m=$(q "[$sel | .match] | first" "$j")
  if [[ $m == AKIA* ]] && [[ $m != "$key" ]] && [[ $m == *"${key: -3}" ]]; then
    pass "$name: $path key: masked match '$m'"
  else
    fail "$name: $path key: want a masked match like AKIA****${key: -3}, got '$m'"
  fi
}

no_leak() {  # $1 what, $2 file, $3 secret value
  if grep -qF -- "$3" "$2"; then fail "$1: the secret '${3:0:6}…' is printed whole"; else pass "$1: secret value not printed whole"; fi
}

# ---------------------------------------------------------------- the bundled demo
DEMO=$ROOT/demo/demo.tar
KEY=AKIAQX7T3DEMOKEY2K9Z
if [ -f "$DEMO" ]; then
  J=$W/demo.json
  if run "$J" --json "$DEMO"; then
    pass "demo.tar: strata --json"
    secret_check demo.tar "$J" /app/.env "$KEY" 3
    no_leak "demo.tar --json" "$J" "$KEY"
    no_leak "demo.tar --json (ENV value)" "$J" demo-not-a-real-password
    no_leak "demo.tar --json (AWS secret key)" "$J" q7Vd2Lm9Xc4Rt8Wz1Np6Hs3Jk5Bf0Gy2Ue7Ai9Oo
    check "demo.tar: a secret of kind env (ENV DATABASE_PASSWORD)" \
      "$(q '[.secrets[]? | select(.kind == "env")] | length > 0' "$J")" true
    check "demo.tar: waste apt-lists = 277,250 bytes in layer 1" \
      "$(q '[.waste.categories[]? | select(.id == "apt-lists") | [.bytes, .layer]] | first | @csv' "$J")" "277250,1"
    check "demo.tar: waste pip-cache = 351,000 bytes in layer 2" \
      "$(q '[.waste.categories[]? | select(.id == "pip-cache") | [.bytes, .layer]] | first | @csv' "$J")" "351000,2"
    check "demo.tar: removable_bytes >= shadowed + deleted" \
      "$(q '.waste.removable_bytes >= (.totals.shadowed_bytes + .totals.deleted_bytes)' "$J")" true
    check "demo.tar: 7 layers, 10 history entries" "$(q '[(.layers | length), (.history | length)] | @csv' "$J")" "7,10"
  else
    fail "demo.tar: strata --json exit $?: $(head -c 300 "$W/demo.json.err")"
  fi
  if run "$W/demo.txt" --report "$DEMO"; then
    pass "demo.tar: strata --report"
    no_leak "demo.tar --report" "$W/demo.txt" "$KEY"
    if grep -q 'AKIA' "$W/demo.txt"; then pass "demo.tar --report: names the AKIA key (masked)"; else fail "demo.tar --report: no AKIA finding"; fi
  else
    fail "demo.tar: strata --report exit $?: $(head -c 300 "$W/demo.txt.err")"
  fi
  if run "$W/demo.show.json" --json --show-secrets "$DEMO"; then
    if grep -qF "$KEY" "$W/demo.show.json"; then pass "demo.tar --show-secrets: key shown whole"; else fail "demo.tar --show-secrets: key not shown"; fi
  else
    fail "demo.tar: strata --json --show-secrets exit $?"
  fi
else
  fail "demo/demo.tar missing"
fi

# ---------------------------------------------------------------- real images with leaked secrets
real_secret() {  # $1 image, $2 .env path, $3 key, $4 layer of the COPY
  local img=$1 name; name=$(basename "$1")
  if [ ! -f "$img" ]; then
    skip "$img not built (run ../shared/tools/make-real-images.sh $(dirname "$img") or make-docker26-saves.sh)"; return
  fi
  local J=$W/$name.json
  if run "$J" --json "$img"; then
    secret_check "$name" "$J" "$2" "$3" "$4"
    no_leak "$name --json" "$J" "$3"
  else
    fail "$name: strata --json exit $?: $(head -c 300 "$J.err")"
  fi
}
real_secret "$REAL_DIR/c-leaked-secrets.docker.tar" /app/.env AKIAQX7T3FIXTURE2K9Z 2
real_secret "$REAL_DIR/g-leaked-secrets.docker-save.tar" /app/.env AKIAQX7T3FIXTURE2K9Z 3
real_secret "$D26_DIR/docker25-save.tar" /srv/app/.env AKIAQ7XK2M9PZL4RT8VN 2
real_secret "$D26_DIR/docker26-containerd-save.tar" /srv/app/.env AKIAQ7XK2M9PZL4RT8VN 2

# ---------------------------------------------------------------- single-stage vs multi-stage waste
# Bytes under a folder of one layer, counted by Python's tarfile straight from the docker-archive
# (an independent reader; buildah's layer.tar symlinks are followed by tarfile itself).
layer_dir_bytes() {  # $1 image, $2 layer index, $3 folder prefix without leading /
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys, tarfile
img, idx, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with tarfile.open(img) as outer:
    m = json.load(outer.extractfile("manifest.json"))
    with tarfile.open(fileobj=outer.extractfile(m[0]["Layers"][idx])) as layer:
        print(sum(t.size for t in layer if t.isreg() and t.name.lstrip("./").startswith(prefix)))
PY
}
A=$REAL_DIR/a-single-stage.docker.tar B=$REAL_DIR/b-multi-stage.docker.tar
if [ -f "$A" ] && [ -f "$B" ]; then
  if run "$W/a.json" --json "$A" && run "$W/b.json" --json "$B"; then
    cat_bytes() { q "[.waste.categories[] | select(.id == \"$1\") | .bytes] | add // 0" "$2"; }
    check "single-stage: apt-lists bytes = tarfile's /var/lib/apt/lists of layer 1" \
      "$(cat_bytes apt-lists "$W/a.json")" "$(layer_dir_bytes "$A" 1 var/lib/apt/lists/)"
    check "single-stage: pip-cache bytes = tarfile's /root/.cache/pip of layer 3" \
      "$(cat_bytes pip-cache "$W/a.json")" "$(layer_dir_bytes "$A" 3 root/.cache/pip/)"
    inc=$(layer_dir_bytes "$A" 1 usr/include/)
    check "single-stage: toolchain >= the headers alone ($inc bytes in /usr/include)" \
      "$(q "[.waste.categories[] | select(.id == \"toolchain\") | .bytes] | add // 0 | . >= $inc" "$W/a.json")" true
    check "single-stage: toolchain fix names gcc and a multi-stage build" \
      "$(q '[.waste.categories[] | select(.id == "toolchain") | .fix] | first | test("gcc") and test("multi-stage")' "$W/a.json")" true
    check "single-stage: build-only packages flagged (gcc-12)" \
      "$(q '[.waste.packages[] | select(.name == "gcc-12") | .build_only] | first' "$W/a.json")" true
    for id in apt-lists pip-cache toolchain; do
      check "multi-stage: no $id" "$(cat_bytes "$id" "$W/b.json")" 0
    done
    for j in a b; do
      check "$j: no secret in the base layer or under /usr/share" \
        "$(q '[.secrets[] | select(.layer == 0 or (.path | startswith("/usr/share/")))] | length' "$W/$j.json")" 0
    done
  else
    fail "single/multi-stage: strata --json failed"
  fi
else
  skip "single/multi-stage images not built (run ../shared/tools/make-real-images.sh $REAL_DIR)"
fi

# ---------------------------------------------------------------- every secret of the leaked-secrets image
C=$REAL_DIR/c-leaked-secrets.docker.tar
if [ -f "$C" ] && run "$W/c.json" --json "$C"; then
  sec() { q "[.secrets[] | select(.rule == \"$1\" and .path == \"$2\") | \"\(.layer) \(.visible)\"] | first" "$W/c.json"; }
  check "leaked: aws-secret-access-key in /app/.env, layer 2, deleted" "$(sec aws-secret-access-key /app/.env)" "2 false"
  check "leaked: url-password in /app/.env, layer 2, deleted" "$(sec url-password /app/.env)" "2 false"
  check "leaked: .env by name, layer 2, deleted" "$(sec cred-file /app/.env)" "2 false"
  check "leaked: private key content in /root/.ssh/id_rsa, layer 3, deleted" "$(sec private-key /root/.ssh/id_rsa)" "3 false"
  check "leaked: id_rsa by name, layer 3, deleted" "$(sec ssh-private-key-file /root/.ssh/id_rsa)" "3 false"
  check "leaked: the deleted 20 MiB dataset is dead bytes of layer 4" \
    "$(q '[.waste.dead_files[] | select(.path == "/app/data/train.csv") | "\(.bytes) \(.layer) \(.how)"] | first' "$W/c.json")" "20971520 4 deleted"
  check "leaked: no secret in the base layer or under /usr/share" \
    "$(q '[.secrets[] | select(.layer == 0 or (.path | startswith("/usr/share/")))] | length' "$W/c.json")" 0
elif [ -f "$C" ]; then
  fail "leaked-secrets: strata --json failed"
fi

finish "e2e findings"
