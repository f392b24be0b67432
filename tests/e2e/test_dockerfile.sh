#!/usr/bin/env bash
# test_dockerfile.sh: --dockerfile (findings cite Dockerfile:LINE) and --dockerignore on the images
# tests/e2e/advice/build.sh builds with buildah and docker (ADVICE_DIR, default
# /var/tmp/strata-advice; a missing image is a skip, a failure under CI=true), with the
# Dockerfiles exactly as the builders saw them (ADVICE_DIR/contexts/NAME/).
#
# Facts come from elsewhere: each cited line is checked with grep -n on the Dockerfile, the
# layer of each instruction with jq on the image's own config history; the .dockerignore is fed
# back to a rebuild of the same context by buildah, and what the rebuild's COPY layer lost is
# counted from `tar -tv` of both layers, to the byte and the file.
source "$(dirname "$0")/common.bash"
require_strata "e2e dockerfile"
ADV=${ADVICE_DIR:-/var/tmp/strata-advice}
W=$WORKDIR

need() {   # need NAME...: all present, else skip the group
  local f
  for f in "$@"; do
    [ -s "$ADV/$f" ] || { skip "$f" "not built (bash tests/e2e/advice/build.sh $ADV)"; return 1; }
  done
}
# grepline FILE REGEX: the line number of the one line matching, else empty
grepline() { local n; n=$(grep -nE -- "$2" "$1" | cut -d: -f1); [ "$(echo "$n" | wc -l)" = 1 ] && echo "$n"; }
# layers ARCHIVE: the layer members in manifest order (docker-archive / docker save)
layers() { tar -xOf "$1" manifest.json | jq -r '.[0].Layers[]'; }
# sums ARCHIVE MEMBER: "bytes files" of the regular files of one layer (tar -tv, not links, not whiteouts)
sums() {
  tar -xOf "$1" "$2" | tar -tvf - --numeric-owner 2>/dev/null \
    | awk 'substr($1, 1, 1) == "-" && $6 !~ /(^|\/)\.wh\./ { b += $3; n++ } END { printf "%d %d\n", b, n }'
}
# paths ARCHIVE MEMBER: the regular files of one layer, sorted
paths() {
  tar -xOf "$1" "$2" | tar -tvf - --numeric-owner 2>/dev/null \
    | awk 'substr($1, 1, 1) == "-" { $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }' | sort
}

# ------------------------------------------------------------------ line numbers (buildah)
if need ml-single.docker.tar; then
  IMG=$ADV/ml-single.docker.tar DF=$ADV/contexts/ml-single/Dockerfile
  "$STRATA" --json="$W/s.json" --report --dockerfile "$DF" "$IMG" > "$W/s.txt" 2> "$W/s.err"
  check "ml-single --dockerfile: exit 0" $? 0
  COPY_LINE=$(grepline "$DF" '^COPY \. \.$') RUN_LINE=$(grepline "$DF" '^RUN pip install -r requirements.txt$')
  CMD_LINE=$(grepline "$DF" '^CMD ') WD_LINE=$(grepline "$DF" '^WORKDIR ')
  # the COPY layer from the image's own history: the entry whose created_by holds "COPY"
  COPY_LAYER=$(jq -r '[.history[] | select(.empty_layer | not)] | to_entries[] | select(.value.instruction | startswith("COPY")) | .key' "$W/s.json" | tail -1)
  check "ml-single: every instruction of the final stage matched, none unmatched" \
    "$(jq -c '[.dockerfile.matched, .dockerfile.unmatched_lines]' "$W/s.json")" "[5,[]]"
  check "ml-single: COPY . . is line $COPY_LINE and made the COPY layer of the history" \
    "$(jq -c --argjson l "$COPY_LINE" '[.dockerfile.instructions[] | select(.line == $l) | .layer]' "$W/s.json")" "[$COPY_LAYER]"
  for l in "$WD_LINE" "$RUN_LINE" "$CMD_LINE"; do
    kw=$(sed -n "${l}p" "$DF" | cut -d' ' -f1)
    got=$(jq -r --argjson l "$l" '.dockerfile.instructions[] | select(.line == $l) | .history as $h | if $h == null then "none" else $h end' "$W/s.json")
    hi=$(jq -r --argjson h "${got/none/-1}" 'if $h < 0 then "none" else .history[$h].instruction end' "$W/s.json")
    case $hi in "$kw "*) pass "ml-single: line $l ($kw) matched history entry $got ($hi)" ;;
                *) fail "ml-single: line $l ($kw) matched history '$got': '$hi'" ;; esac
  done
  check "ml-single: the .env secrets cite the COPY line" \
    "$(jq -c '[.secrets[] | select(.path == "/app/.env") | .line] | unique' "$W/s.json")" "[$COPY_LINE]"
  check "ml-single: the pip hint (DL3042) cites the RUN line, its fix speaks BuildKit" \
    "$(jq -r '.waste.hints[] | select(.id == "DL3042") | "\(.line) \(.dockerfile_fix | test("--mount=type=cache,target=/root/.cache/pip"))"' "$W/s.json")" "$RUN_LINE true"
  check "ml-single: the dockerignore hint cites the COPY line" \
    "$(jq -r '.waste.hints[] | select(.id == "dockerignore") | .line' "$W/s.json")" "$COPY_LINE"
  nocite=$(jq '[.waste.categories[] | select(.layer != null and .layer > 1 and .line == null)] | length' "$W/s.json")
  check "ml-single: every waste category of the service's own layers cites a line" "$nocite" 0
  grep -q "^  $COPY_LINE  *[0-9]*  *$COPY_LAYER  *COPY \. \.$" "$W/s.txt" \
    && pass "--report: the Dockerfile section shows line $COPY_LINE, layer $COPY_LAYER" \
    || fail "--report: no row for line $COPY_LINE: $(grep -A8 '^Dockerfile ' "$W/s.txt")"
  grep -q "Dockerfile:$COPY_LINE: keep the file out" "$W/s.txt" \
    && pass "--report: the secret's fix cites Dockerfile:$COPY_LINE" || fail "--report: no cited fix for the .env"
  "$STRATA" --sarif "$W/s.sarif" --dockerfile "$DF" "$IMG" > /dev/null 2>&1
  check "SARIF: the .env results' first location is the Dockerfile at line $COPY_LINE" \
    "$(jq -c --arg df "$DF" '[.runs[0].results[] | select(.locations[1].physicalLocation.artifactLocation.uri | endswith("/app/.env")) | .locations[0].physicalLocation | select(.artifactLocation.uri == $df) | .region.startLine] | unique' "$W/s.sarif")" "[$COPY_LINE]"
  python3 "$HERE/validate_schema.py" "$ROOT/schema/strata-1.schema.json" "$W/s.json" > "$W/v.out" 2>&1 \
    && pass "--json with --dockerfile validates against the schema" || fail "schema: $(cat "$W/v.out")"

  # an instruction the image never ran, and an ARG: listed as unmatched, the others still matched
  awk -v l="$RUN_LINE" '{ print } NR == l { print "RUN echo not-in-this-image"; print "ENV NOT_THERE=1" }' "$DF" > "$W/Dockerfile.extra"
  "$STRATA" --json --dockerfile "$W/Dockerfile.extra" "$IMG" > "$W/x.json" 2> /dev/null
  check "an instruction not in the image: lines $((RUN_LINE + 1)) and $((RUN_LINE + 2)) unmatched, 5 matched" \
    "$(jq -c '[.dockerfile.matched, .dockerfile.unmatched_lines]' "$W/x.json")" "[5,[$((RUN_LINE + 1)),$((RUN_LINE + 2))]]"
  check "an instruction not in the image: CMD still cites its own line ($((CMD_LINE + 2)))" \
    "$(jq -r '.dockerfile.instructions[-1].line' "$W/x.json")" "$((CMD_LINE + 2))"
  # the Dockerfile of another build: nothing matches, nothing is guessed
  printf 'FROM localhost/python:3.11-bookworm\nWORKDIR /srv\nCOPY src/ /srv/\nRUN make\n' > "$W/Dockerfile.other"
  "$STRATA" --json --dockerfile "$W/Dockerfile.other" "$IMG" > "$W/o.json" 2> /dev/null
  check "another build's Dockerfile: no match, every line unmatched, no finding cites a line" \
    "$(jq -c '[.dockerfile.matched, .dockerfile.unmatched_lines, ([.. | objects | select(has("line") and (has("rule") or has("fix") or has("text")))] | length)]' "$W/o.json")" "[0,[2,3,4],0]"
fi

# ------------------------------------------------------------------ classic builder and BuildKit
if need ml-single.docker-save.tar; then
  DF=$ADV/contexts/ml-single/Dockerfile
  "$STRATA" --json --dockerfile "$DF" "$ADV/ml-single.docker-save.tar" > "$W/c.json" 2> /dev/null
  check "classic builder (docker save): every instruction matched" \
    "$(jq -c '[.dockerfile.matched, .dockerfile.unmatched_lines]' "$W/c.json")" "[5,[]]"
fi
if need ml-fixed.docker-save.tar; then
  DF=$ADV/contexts/ml-fixed/Dockerfile
  "$STRATA" --json --dockerfile "$DF" "$ADV/ml-fixed.docker-save.tar" > "$W/k.json" 2> /dev/null
  n=$(awk '/^FROM/ { s++ } s == 2 && /^[A-Z]/ && !/^FROM/ { n++ } END { print n }' "$DF")
  check "BuildKit multi-stage: the final stage's $n instructions matched (COPY --from included)" \
    "$(jq -c '[.dockerfile.matched, .dockerfile.unmatched_lines]' "$W/k.json")" "[$n,[]]"
  FROM2=$(grep -n '^FROM' "$DF" | sed -n 2p | cut -d: -f1)
  check "BuildKit multi-stage: the chain starts at the final FROM (line $FROM2)" \
    "$(jq -r '.dockerfile.instructions[0].line' "$W/k.json")" "$FROM2"
fi
if need ml-fixed.docker.tar; then
  "$STRATA" --dockerignore "$ADV/ml-fixed.docker.tar" > "$W/fixed.di" 2> /dev/null
  check "the fixed image (its own .dockerignore): nothing more to keep out" \
    "$(tail -1 "$W/fixed.di")" "# total: 0 bytes (0 B) in 0 files"
  "$STRATA" --json --dockerfile "$ADV/contexts/ml-fixed/Dockerfile" "$ADV/ml-fixed.docker.tar" > "$W/f.json" 2> /dev/null
  check "the fixed image: no dockerignore hint; buildah multi-stage matched, none unmatched" \
    "$(jq -c '[([.waste.hints[] | select(.id == "dockerignore")] | length), .dockerfile.unmatched_lines]' "$W/f.json")" "[0,[]]"
fi

# ------------------------------------------------------------------ bad Dockerfiles
printf 'FROM a\nFORM b\n' > "$W/bad"
"$STRATA" --json --dockerfile "$W/bad" "$ROOT/demo/demo.tar" > /dev/null 2> "$W/bad.err"
check "a malformed Dockerfile: exit 1, one line naming file and line" \
  "$? $(cat "$W/bad.err")" "1 strata: $W/bad:2: unknown instruction 'FORM'"
"$STRATA" --json --dockerfile "$W/missing" "$ROOT/demo/demo.tar" > /dev/null 2> "$W/miss.err"
check "a missing Dockerfile: exit 1" "$? $(cat "$W/miss.err")" "1 strata: $W/missing: No such file or directory"
"$STRATA" --dockerignore --json "$ROOT/demo/demo.tar" > /dev/null 2> "$W/u.err"
check "--dockerignore with --json on standard output: usage error" "$?" 64
# secrets in the Dockerfile's ENV lines are masked in every output that quotes it
awk '/^cat > "\$CTX\/Dockerfile" <</ { f = 1; next } f && /^EOF$/ { exit } f' "$ROOT/scripts/make-demo-image.sh" > "$W/demo.Dockerfile"
"$STRATA" --json --report --dockerfile "$W/demo.Dockerfile" "$ROOT/demo/demo.tar" > "$W/d.out" 2>&1
grep -q 'demo-not-a-real-password' "$W/d.out" && fail "the demo's ENV password shows in the output" \
  || pass "the Dockerfile's ENV password is masked in --json and --report"
check "demo (buildah, FROM scratch): 10 instructions matched, none unmatched" \
  "$("$STRATA" --json --dockerfile "$W/demo.Dockerfile" "$ROOT/demo/demo.tar" 2>/dev/null | jq -c '[.dockerfile.matched, .dockerfile.unmatched_lines]')" "[10,[]]"

# ------------------------------------------------------------------ the .dockerignore, fed back
if need ml-single.docker.tar python-full.docker.tar && [ -d "$ADV/contexts/ml-single" ]; then
  IMG=$ADV/ml-single.docker.tar DF=$ADV/contexts/ml-single/Dockerfile
  "$STRATA" --dockerignore --dockerfile "$DF" "$IMG" > "$W/gen.dockerignore" 2> "$W/gen.err"
  check "--dockerignore: exit 0" $? 0
  read -r SAVE_B SAVE_F < <(sed -n 's/^# total: \([0-9]*\) bytes .* in \([0-9]*\) files\{0,1\}$/\1 \2/p' "$W/gen.dockerignore")
  for p in data/ models/ .git/ '**/.env' '**/*.ipynb' '**/__pycache__/'; do
    grep -qxF -- "$p" "$W/gen.dockerignore" && pass ".dockerignore has $p" || fail ".dockerignore lacks $p"
  done
  # each line's comment adds up to the total
  sum=$(awk '/^# [0-9]+ bytes/ { b += $2 } END { print b + 0 }' "$W/gen.dockerignore")
  check ".dockerignore: the lines' bytes add up to the total" "$sum" "$SAVE_B"
  if ! command -v buildah > /dev/null; then
    skip dockerignore-rebuild "no buildah (scripts/deps.sh --images)"
  elif [ "$(id -u)" != 0 ]; then
    skip dockerignore-rebuild "needs root (buildah)"
  else
    BW=$(mktemp -d /var/tmp/strata-dockerignore.XXXXXX)
    B() { buildah --root "$BW/storage" --runroot "$BW/run" --storage-driver vfs "$@"; }
    cp -a "$ADV/contexts/ml-single" "$BW/ctx"
    cp "$W/gen.dockerignore" "$BW/ctx/.dockerignore"
    if B pull -q "docker-archive:$ADV/python-full.docker.tar" > "$BW/pull.log" 2>&1 \
       && B tag "$(B images -q | head -1)" localhost/python:3.11-bookworm >> "$BW/pull.log" 2>&1 \
       && B bud --isolation chroot --layers --pull=never --format docker -t localhost/di-check "$BW/ctx" > "$BW/bud.log" 2>&1 \
       && B push -q localhost/di-check "docker-archive:$BW/after.tar:di-check:latest" >> "$BW/bud.log" 2>&1; then
      # the COPY layer: the one after the base's layers and WORKDIR, as the history says
      cl=$(jq -r '[.history[] | select(.empty_layer | not)] | to_entries[] | select(.value.instruction | startswith("COPY")) | .key' "$W/s.json" | tail -1)
      L1=$(layers "$IMG" | sed -n "$((cl + 1))p") L2=$(layers "$BW/after.tar" | sed -n "$((cl + 1))p")
      read -r b1 f1 < <(sums "$IMG" "$L1")
      read -r b2 f2 < <(sums "$BW/after.tar" "$L2")
      # COPY . . now also copies the .dockerignore itself (it is in the context): the one new file
      comm -13 <(paths "$IMG" "$L1") <(paths "$BW/after.tar" "$L2") > "$W/new"
      check "rebuild: the only new file in the COPY layer is the .dockerignore itself" "$(cat "$W/new")" "app/.dockerignore"
      DI=$(stat -c %s "$W/gen.dockerignore")
      check "rebuild with the .dockerignore: the COPY layer lost exactly $SAVE_B bytes in $SAVE_F files (tar -tv, the .dockerignore's $DI bytes aside)" \
        "$((b1 - b2 + DI)) $((f1 - f2 + 1))" "$SAVE_B $SAVE_F"
      comm -23 <(paths "$IMG" "$L1") <(paths "$BW/after.tar" "$L2") > "$W/gone"
      bad=$(grep -cvE '^app/(data/|models/|\.git/|\.env$|app/__pycache__/|notebooks/.*\.ipynb$)' "$W/gone")
      check "rebuild: every file that went is under a line of the .dockerignore" "$bad" 0
      check "rebuild: as many files went as the .dockerignore said" "$(wc -l < "$W/gone")" "$SAVE_F"
      "$STRATA" --json "$BW/after.tar" > "$W/after.json" 2> /dev/null
      check "rebuild: strata --json says the same ($SAVE_B bytes fewer in the COPY layer, the .dockerignore aside)" \
        "$(( $(jq --argjson l "$cl" '.layers[$l].bytes' "$W/s.json") - $(jq --argjson l "$cl" '.layers[$l].bytes' "$W/after.json") + DI ))" "$SAVE_B"
      check "rebuild: the .env secret is gone" "$(jq '[.secrets[] | select(.path == "/app/.env")] | length' "$W/after.json")" 0
      "$STRATA" --dockerignore "$BW/after.tar" > "$W/again.di" 2> /dev/null
      check "rebuild: --dockerignore on it finds nothing more" "$(tail -1 "$W/again.di")" "# total: 0 bytes (0 B) in 0 files"
    else
      fail "rebuild with the .dockerignore failed: $(tail -5 "$BW/pull.log" "$BW/bud.log" 2>/dev/null)"
    fi
    B rm -a > /dev/null 2>&1; B rmi -a -f > /dev/null 2>&1
    grep -F " $BW/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rm -rf "$BW"
  fi
fi

finish "e2e dockerfile"
