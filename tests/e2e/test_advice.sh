#!/usr/bin/env bash
# test_advice.sh: base image versus yours, layer order that breaks the cache, and CUDA (issue 11),
# on the images tests/e2e/advice/build.sh builds with buildah and docker (ADVICE_DIR, default
# /var/tmp/strata-advice; a missing image is a skip, a failure under CI=true).
#
# Facts come from elsewhere: layer byte and file counts from `tar -tv` of each layer in the
# archive, the base's layer count from the base image's own archive (python-full.docker.tar), the
# base name from the Dockerfile's FROM line, the install's layer from the config history (jq), the
# CUDA devel and torch bundle bytes from `tar -tv` paths. Each finding fires on the image built to
# show it and stays silent on the fixed one.
source "$(dirname "$0")/common.bash"
require_strata "e2e advice"
ADV=${ADVICE_DIR:-/var/tmp/strata-advice}
SRC=$HERE/advice
W=$WORKDIR

# layers ARCHIVE: the layer members in manifest order (docker-archive / docker save)
layers() { tar -xOf "$1" manifest.json | jq -r '.[0].Layers[]'; }
# oci_layers ARCHIVE: the layer blobs of an OCI archive's first manifest
oci_layers() {
  local m; m=$(tar -xOf "$1" index.json | jq -r '.manifests[0].digest' | cut -d: -f2)
  tar -xOf "$1" "blobs/sha256/$m" | jq -r '.layers[].digest' | sed 's|sha256:|blobs/sha256/|'
}
# listing ARCHIVE MEMBER: "type size path" of every entry of one layer (gzip or plain)
listing() {
  tar -xOf "$1" "$2" | { if [ "${3:-}" = z ]; then gzip -dc; else cat; fi; } \
    | tar -tvf - --numeric-owner 2>/dev/null \
    | awk '{ t = substr($1, 1, 1); s = $3; $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print t, s, $0 }'
}
# sums: "bytes files" of regular files in a listing on stdin (not hard links, not whiteouts)
sums() { awk '$1 == "-" && $3 !~ /(^|\/)\.wh\./ { b += $2; n++ } END { printf "%d %d\n", b, n }'; }
# side_facts ARCHIVE N [z]: "base_bytes base_files own_bytes own_files" for a boundary at layer N
side_facts() {
  local i=0 bb=0 bf=0 ob=0 of=0 b f l list=layers
  [ "${3:-}" = z ] && list=oci_layers
  while read -r l; do
    read -r b f < <(listing "$1" "$l" "${3:-}" | sums)
    if [ "$i" -lt "$2" ]; then bb=$((bb + b)); bf=$((bf + f)); else ob=$((ob + b)); of=$((of + f)); fi
    i=$((i + 1))
  done < <($list "$1")
  echo "$bb $bf $ob $of"
}
json() { "$STRATA" --json "$@" 2> "$W/err" < /dev/null; }

need() {   # need NAME...: all present, else skip the group
  local f
  for f in "$@"; do
    [ -s "$ADV/$f" ] || { skip "$f" "not built (bash tests/e2e/advice/build.sh $ADV)"; return 1; }
  done
}

# ------------------------------------------------------------------ base versus yours
NBASE=
if need python-full.docker.tar; then
  NBASE=$(layers "$ADV/python-full.docker.tar" | wc -l)
  check "python base image: 2 layers (debian + python)" "$NBASE" 2
fi
FROM_NAME=$(awk '/^FROM/ { print $2; exit }' "$SRC/ml-single/Dockerfile")

if [ -n "$NBASE" ] && need ml-single.docker.tar; then
  I=$ADV/ml-single.docker.tar
  json "$I" > "$W/s.json"; check "ml-single (buildah): --json exit 0" $? 0
  check "ml-single: boundary from buildah's FROM comment" "$(jq -r .base.evidence "$W/s.json")" history-comment
  check "ml-single: boundary = the base image's layer count" "$(jq .base.boundary_layer "$W/s.json")" "$NBASE"
  check "ml-single: base name = the Dockerfile's FROM" "$(jq -r .base.name "$W/s.json")" "$FROM_NAME"
  read -r bb bf ob of < <(side_facts "$I" "$NBASE")
  check "ml-single: base bytes = tar -tv sum of its layers" "$(jq .base.base.bytes "$W/s.json")" "$bb"
  check "ml-single: base files = tar -tv count" "$(jq .base.base.files "$W/s.json")" "$bf"
  check "ml-single: own bytes = tar -tv sum of the layers above" "$(jq .base.own.bytes "$W/s.json")" "$ob"
  check "ml-single: own files = tar -tv count" "$(jq .base.own.files "$W/s.json")" "$of"
  check "ml-single: base + own waste = removable" \
    "$(jq '.base.base.waste_bytes + .base.own.waste_bytes == .waste.removable_bytes' "$W/s.json")" true
  check "ml-single: full python base, slim named" "$(jq -r '.base.flavour + " " + .base.slimmer' "$W/s.json")" \
    "full python:3.11-slim-bookworm"
  check "ml-single: base-slimmer advice" "$(jq '[.advice[] | select(.id == "base-slimmer")] | length' "$W/s.json")" 1
  # layer order: pip install -r after COPY . .
  check "ml-single: one layer-order finding" "$(jq '[.advice[] | select(.id == "layer-order")] | length' "$W/s.json")" 1
  L=$(jq '.advice[] | select(.id == "layer-order") | .layer' "$W/s.json")
  CFG=$(tar -xOf "$I" manifest.json | jq -r '.[0].Config')
  INSTR=$(tar -xOf "$I" "$CFG" | jq -r --argjson l "$L" '[.history[] | select(.empty_layer != true)][$l].created_by')
  case $INSTR in *"pip install -r requirements.txt"*) pass "ml-single: the finding's layer is the pip install (config history)" ;;
                 *) fail "ml-single: layer $L is '$INSTR', not the pip install" ;; esac
  read -r ib _ < <(listing "$I" "$(layers "$I" | sed -n "$((L + 1))p")" | sums)
  check "ml-single: the install's bytes = tar -tv sum of its layer" \
    "$(jq '.advice[] | select(.id == "layer-order") | .bytes' "$W/s.json")" "$ib"
  jq -r '.advice[] | select(.id == "layer-order") | .fix' "$W/s.json" | grep -q 'COPY requirements.txt ./ alone first'
  check "ml-single: the fix copies requirements.txt first" $? 0
  "$STRATA" --report "$I" > "$W/s.txt" 2>/dev/null < /dev/null
  grep -q "^Base       $FROM_NAME, $NBASE layers, .* (boundary from history-comment)$" "$W/s.txt"
  check "ml-single --report: Base line" $? 0
  grep -q '^Yours      ' "$W/s.txt"; check "ml-single --report: Yours line" $? 0
  grep -q '^  layer-order  RUN pip install -r requirements.txt' "$W/s.txt"; check "ml-single --report: layer-order advice" $? 0
  check "ml-single: no CUDA block" "$(jq 'has("cuda")' "$W/s.json")" false
  # advice is silenced by its id, like every other finding
  "$STRATA" --json --ignore layer-order "$I" > "$W/si.json" 2>/dev/null < /dev/null
  check "--ignore layer-order: no layer-order advice, base-slimmer kept" \
    "$(jq -c '[.advice[].id] | map(select(. == "layer-order" or . == "base-slimmer"))' "$W/si.json")" '["base-slimmer"]'
  # --ci on the image's own part
  OWN=$(jq .base.own.bytes "$W/s.json")
  "$STRATA" --ci --fail-on-secret none --lowest-efficiency 0 --highest-removable-percent 100 \
    --highest-own-bytes $((OWN - 1)) "$I" > "$W/ci" 2>&1 < /dev/null
  check "--highest-own-bytes below own bytes: exit 2" $? 2
  grep -q '^  FAIL  own layers ' "$W/ci"; check "--ci: own layers rule says FAIL" $? 0
  "$STRATA" --ci --fail-on-secret none --lowest-efficiency 0 --highest-removable-percent 100 \
    --highest-own-bytes "$OWN" --highest-own-waste 1G "$I" > "$W/ci" 2>&1 < /dev/null
  check "--highest-own-bytes at own bytes: exit 0" $? 0
  check "--ci: both own rules PASS" "$(grep -c '^  PASS  own ' "$W/ci")" 2
  python3 "$HERE/validate_schema.py" "$ROOT/schema/strata-1.schema.json" "$W/s.json" > "$W/v" 2>&1
  check "ml-single: JSON valid against the schema" $? 0
fi

if [ -n "$NBASE" ] && need ml-single.oci.tar; then
  I=$ADV/ml-single.oci.tar
  json "$I" > "$W/o.json"; check "ml-single (OCI): --json exit 0" $? 0
  m=$(tar -xOf "$I" index.json | jq -r '.manifests[0].digest' | cut -d: -f2)
  ANN=$(tar -xOf "$I" "blobs/sha256/$m" | jq -r '.annotations["org.opencontainers.image.base.name"] // empty')
  if [ -n "$ANN" ]; then
    check "ml-single (OCI): name from the annotation" "$(jq -r '.base.name_from + " " + .base.name' "$W/o.json")" "oci-annotation $ANN"
  else
    check "ml-single (OCI): no annotation, name from the comment" "$(jq -r .base.name_from "$W/o.json")" history-comment
  fi
  check "ml-single (OCI): boundary" "$(jq .base.boundary_layer "$W/o.json")" "$NBASE"
  read -r bb bf ob of < <(side_facts "$I" "$NBASE" z)
  check "ml-single (OCI): own bytes = tar -tv sum" "$(jq .base.own.bytes "$W/o.json")" "$ob"
  check "ml-single (OCI): layer-order fires" "$(jq '[.advice[] | select(.id == "layer-order")] | length' "$W/o.json")" 1
fi

if [ -n "$NBASE" ] && need ml-single.docker-save.tar; then
  I=$ADV/ml-single.docker-save.tar
  json "$I" > "$W/d.json"; check "ml-single (docker classic): --json exit 0" $? 0
  check "docker classic: the stale buildah comment is not used; the base's CMD decides" \
    "$(jq -r .base.evidence "$W/d.json")" history-cmd
  check "docker classic: boundary" "$(jq .base.boundary_layer "$W/d.json")" "$NBASE"
  check "docker classic: layer-order fires" "$(jq '[.advice[] | select(.id == "layer-order")] | length' "$W/d.json")" 1
  json --base "$ADV/python-full.docker.tar" "$I" > "$W/db.json"
  check "docker classic --base python-full: evidence base-image" "$(jq -r .base.evidence "$W/db.json")" base-image
  check "docker classic --base: boundary" "$(jq .base.boundary_layer "$W/db.json")" "$NBASE"
  check "docker classic --base: name is the base's tag" "$(jq -r .base.name "$W/db.json")" "localhost/python:3.11-bookworm"
  read -r bb bf ob of < <(side_facts "$I" "$NBASE")
  check "docker classic --base: base bytes = tar -tv sum" "$(jq .base.base.bytes "$W/db.json")" "$bb"
  check "docker classic --base: own bytes = tar -tv sum" "$(jq .base.own.bytes "$W/db.json")" "$ob"
  "$STRATA" --base "$W/none.tar" --json "$I" > /dev/null 2> "$W/err" < /dev/null
  check "--base on a missing file: exit 1" $? 1
  grep -q '^strata: --base: ' "$W/err"; check "--base on a missing file: one line naming --base" $? 0
fi

# ------------------------------------------------------------------ the fixed service
if need ml-fixed.docker.tar; then
  I=$ADV/ml-fixed.docker.tar
  json "$I" > "$W/f.json"; check "ml-fixed: --json exit 0" $? 0
  check "ml-fixed: no layer-order finding (requirements first)" "$(jq '[.advice[] | select(.id == "layer-order")] | length' "$W/f.json")" 0
  check "ml-fixed: final stage on the slim base" "$(jq -r '.base.name + " " + .base.flavour' "$W/f.json")" \
    "localhost/python:3.11-slim-bookworm slim"
  check "ml-fixed: no base-slimmer finding on slim" "$(jq '[.advice[] | select(.id == "base-slimmer")] | length' "$W/f.json")" 0
  SLIM_N=$(layers "$ADV/python-slim.docker.tar" | wc -l)
  check "ml-fixed: boundary = the slim base's layer count" "$(jq .base.boundary_layer "$W/f.json")" "$SLIM_N"
  if [ -s "$ADV/ml-single.docker.tar" ]; then
    check "ml-fixed: own bytes smaller than ml-single's" "$(jq -s '.[0].base.own.bytes < .[1].base.own.bytes' "$W/f.json" "$W/s.json")" true
  fi
fi
if need ml-fixed.docker-save.tar; then
  json "$ADV/ml-fixed.docker-save.tar" > "$W/fb.json"
  check "ml-fixed (BuildKit): no layer-order finding" "$(jq '[.advice[] | select(.id == "layer-order")] | length' "$W/fb.json")" 0
  check "ml-fixed (BuildKit): boundary from the base's CMD" "$(jq -r .base.evidence "$W/fb.json")" history-cmd
fi

# ------------------------------------------------------------------ CUDA
if need cuda-devel-app.docker.tar; then
  I=$ADV/cuda-devel-app.docker.tar
  json "$I" > "$W/c.json"; check "cuda-devel-app: --json exit 0" $? 0
  check "cuda-devel-app: CUDA 12.4.1 devel, driver 525.60.13" \
    "$(jq -r '[.cuda.version, .cuda.flavour, .cuda.min_driver] | join(" ")' "$W/c.json")" "12.4.1 devel 525.60.13"
  check "cuda-devel-app: NVIDIA's ENV read" "$(jq -r '.cuda.visible_devices + " " + .cuda.driver_capabilities' "$W/c.json")" \
    "all compute,utility"
  : > "$W/all"
  while read -r l; do listing "$I" "$l" >> "$W/all"; done < <(layers "$I")
  read -r db df < <(grep -E ' usr/local/cuda-12\.4/(bin/|nvvm/|targets/[^/]+/include/|targets/[^/]+/lib/stubs/|.*\.a$)' "$W/all" | sums)
  check "cuda-devel-app: devel bytes = tar -tv sum of the devel files" "$(jq .cuda.devel_bytes "$W/c.json")" "$db"
  check "cuda-devel-app: devel files" "$(jq .cuda.devel_files "$W/c.json")" "$df"
  read -r sb _ < <(grep -E ' usr/local/cuda-12\.4/' "$W/all" | sums)
  check "cuda-devel-app: system CUDA bytes = tar -tv sum" "$(jq .cuda.system_bytes "$W/c.json")" "$sb"
  check "cuda-devel-app: cuda-devel advice with its bytes" \
    "$(jq --argjson b "$db" '[.advice[] | select(.id == "cuda-devel" and .bytes == $b)] | length' "$W/c.json")" 1
  jq -r '.advice[] | select(.id == "cuda-devel") | .fix' "$W/c.json" | grep -q 'use the -runtime image in the final stage'
  check "cuda-devel-app: the fix names the runtime image" $? 0
  check "cuda-devel-app: torch built for CUDA 12.1, mismatch" "$(jq -r '.cuda.torch.cuda + " " + (.cuda.torch.mismatch | tostring)' "$W/c.json")" "12.1 true"
  jq -r .cuda.torch.loads "$W/c.json" | grep -q '/dist-packages/nvidia/cuda_runtime/lib/libcudart.so.12$'
  check "cuda-devel-app: torch loads the bundled libcudart" $? 0
  read -r tb _ < <(grep -E ' usr/local/lib/python3[^/]*/dist-packages/nvidia/' "$W/all" | sums)
  check "cuda-devel-app: bundled bytes = tar -tv sum of site-packages/nvidia" "$(jq .cuda.torch.bundled_bytes "$W/c.json")" "$tb"
  check "cuda-devel-app: torch-cuda advice" "$(jq '[.advice[] | select(.id == "torch-cuda")] | length' "$W/c.json")" 1
  check "cuda-devel-app: base is the devel image, runtime named" "$(jq -r '.base.flavour + " " + .base.slimmer' "$W/c.json")" \
    "devel nvidia/cuda:12.4.1-runtime-debian12"
  check "cuda-devel-app: no layer-order finding (requirements first)" "$(jq '[.advice[] | select(.id == "layer-order")] | length' "$W/c.json")" 0
  "$STRATA" --report "$I" > "$W/c.txt" 2>/dev/null < /dev/null
  grep -q '^CUDA       12.4.1 devel (ENV CUDA_VERSION), host driver >= 525.60.13' "$W/c.txt"
  check "cuda-devel-app --report: CUDA line" $? 0
  python3 "$HERE/validate_schema.py" "$ROOT/schema/strata-1.schema.json" "$W/c.json" > "$W/v" 2>&1
  check "cuda-devel-app: JSON valid against the schema" $? 0
fi
if need cuda-runtime-app.docker.tar; then
  I=$ADV/cuda-runtime-app.docker.tar
  json "$I" > "$W/r.json"; check "cuda-runtime-app: --json exit 0" $? 0
  check "cuda-runtime-app: CUDA 12.4.1 runtime" "$(jq -r '.cuda.version + " " + .cuda.flavour' "$W/r.json")" "12.4.1 runtime"
  check "cuda-runtime-app: no devel bytes" "$(jq .cuda.devel_bytes "$W/r.json")" 0
  check "cuda-runtime-app: torch 12.4, no mismatch" "$(jq -r '.cuda.torch.cuda + " " + (.cuda.torch.mismatch | tostring)' "$W/r.json")" "12.4 false"
  check "cuda-runtime-app: no advice at all" "$(jq '.advice | length' "$W/r.json")" 0
  check "cuda-runtime-app: base is the runtime image" "$(jq -r .base.name "$W/r.json")" "localhost/nvidia/cuda:12.4.1-runtime-debian12"
  python3 "$HERE/validate_schema.py" "$ROOT/schema/strata-1.schema.json" "$W/r.json" > "$W/v" 2>&1
  check "cuda-runtime-app: JSON valid against the schema" $? 0
fi
if need cuda-devel.docker.tar cuda-runtime.docker.tar; then
  json "$ADV/cuda-runtime.docker.tar" > "$W/cr.json"
  check "the runtime base itself: runtime flavour" "$(jq -r .cuda.flavour "$W/cr.json")" runtime
  json --base "$ADV/cuda-runtime.docker.tar" "$ADV/cuda-devel.docker.tar" > "$W/cd.json"
  check "devel --base runtime: boundary from the history comment (stronger than --base)" \
    "$(jq -r .base.evidence "$W/cd.json")" history-comment
  check "devel over runtime: base layers = the runtime image's layers" "$(jq .base.boundary_layer "$W/cd.json")" \
    "$(layers "$ADV/cuda-runtime.docker.tar" | wc -l)"
fi

# the view: the advice is a group of the findings, each piece citing its Dockerfile line
if need ml-single.docker.tar; then
  S=strata-advice-$$
  scr() { tmux capture-pane -p -t "$S" 2> /dev/null; }
  until_seen() { for _ in $(seq 300); do scr | grep -q -- "$1" && return 0; sleep 0.2; done; return 1; }
  tmux new-session -d -s "$S" -x 120 -y 40 -c "$HERE/../.." "env LC_ALL=C.UTF-8 TERM=screen-256color '$STRATA' \
    --dockerfile tests/e2e/advice/ml-single/Dockerfile '$ADV/ml-single.docker.tar'; sleep 30"
  # the loaded findings title ends in 'waste)'; while loading it says 'Findings (once analysed)'
  if until_seen 'waste)'; then
    scr | grep -q 'adv .* Dockerfile advice (2)'; check "view: a Dockerfile advice group of 2" $? 0
    tmux send-keys -t "$S" Tab
    for _ in $(seq 20); do scr | grep -q '│ 2 pieces of Dockerfile advice' && break; tmux send-keys -t "$S" j; sleep 0.3; done
    tmux send-keys -t "$S" Enter
    for _ in $(seq 5); do scr | grep -q 'Advice layer-order' && break; tmux send-keys -t "$S" j; sleep 0.3; done
    until_seen 'Advice layer-order'; check "view: the layer-order advice opens in the details pane" $? 0
    until_seen "at tests/e2e/advice/ml-single/Dockerfile:$(grep -n '^RUN pip install -r' "$HERE/advice/ml-single/Dockerfile" | cut -d: -f1) "
    check "view: it cites the pip install's line (grep -n)" $? 0
    for _ in $(seq 5); do scr | grep -q 'Advice base-slimmer' && break; tmux send-keys -t "$S" k; sleep 0.3; done
    until_seen "at tests/e2e/advice/ml-single/Dockerfile:$(grep -n '^FROM' "$HERE/advice/ml-single/Dockerfile" | cut -d: -f1) "
    check "view: base-slimmer cites the FROM line" $? 0
  else
    fail "view: never opened: $(scr | tail -3)"
  fi
  tmux kill-session -t "$S" 2> /dev/null
fi

finish "e2e advice"
