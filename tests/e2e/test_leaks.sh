#!/usr/bin/env bash
# test_leaks.sh: a secret value never appears whole in anything strata prints or writes unless
# --show-secrets. An image made here plants known values in a file, a deleted file, ENV, a
# --build-arg (a "|1 NAME=value" history line), and a RUN line that a waste fix quotes; every
# output of every mode (--report, --json, --ci, --sarif, diff text and JSON, and the view's
# screens in tmux: layers, findings, details, viewer) is searched for each raw value, and one
# hit fails. --show-secrets must show them (so this test can fail). Names with bidirectional
# overrides and C1 controls must reach no output raw.
#
#   STRATA=./strata bash tests/e2e/test_leaks.sh
source "$(dirname "$0")/common.bash"
require_strata "e2e leaks"
W=$WORKDIR

FILE_VAL=ghp_Lk3mN8qR2sT5vW9xY1zA4bC7dE0fG6hJ3kLp     # a GitHub token in /app/config.yml
DELETED_VAL=AKIAZ7LEAKDELETED9QX                      # an AWS key in /app/.env, deleted later
ENV_VAL=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         # ENV HF_TOKEN
ARG_VAL=Xk29vLq7Rt4Wm8Zp3Nc6Bd                        # --build-arg DB_PASSWORD
RUN_VAL=AKIAR7RUNLINE2K9ZQWX                          # RUN K=… apt-get update (quoted by a fix)
VALUES=("$FILE_VAL" "$DELETED_VAL" "$ENV_VAL" "$ARG_VAL" "$RUN_VAL")
NAMES=(file deleted-file ENV build-arg RUN-line)

# make_image OUT WITH_SECRETS: a docker-archive; without secrets, a small base to diff against
make_image() {
  python3 - "$@" "${VALUES[@]}" <<'PY'
import hashlib, io, json, sys, tarfile
out, with_secrets = sys.argv[1], sys.argv[2] == "1"
file_val, deleted_val, env_val, arg_val, run_val = sys.argv[3:8]

def layer(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, body in files:
            ti = tarfile.TarInfo(name)
            if body is None:
                ti.type = tarfile.DIRTYPE; ti.mode = 0o755
                t.addfile(ti)
            else:
                ti.size = len(body); ti.mode = 0o644
                t.addfile(ti, io.BytesIO(body))
    return buf.getvalue()

lists = b"".join(b"Package: pkg%d\nVersion: 1.%d\nDescription: filler text for the apt lists\n\n" % (i, i) for i in range(6000))
layers, history = [], []
def add(created_by, files):
    layers.append(layer(files)); history.append({"created_by": created_by})
def meta(created_by):
    history.append({"created_by": created_by, "empty_layer": True})

add("ADD rootfs.tar / # buildkit", [("usr", None), ("usr/bin", None), ("usr/bin/sh", b"#!shell\n" * 50)])
if with_secrets:
    add("RUN /bin/sh -c K=%s apt-get update && apt-get install -y curl # buildkit" % run_val,
        [("var", None), ("var/lib", None), ("var/lib/apt", None), ("var/lib/apt/lists", None),
         ("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages", lists),
         ("usr/bin/curl", b"\x7fELF curl" + b"\0" * 4000)])
    meta("ENV HF_TOKEN=%s" % env_val)
    add("COPY .env /app/.env # buildkit",
        [("app", None), ("app/.env", b"AWS_ACCESS_KEY_ID=%s\nREGION=eu-west-1\n" % deleted_val.encode())])
    add("COPY config.yml /app/ # buildkit",
        [("app/config.yml", b"service: demo\ngithub_token: %s\n" % file_val.encode())])
    meta("ARG DB_PASSWORD")
    add("RUN |1 DB_PASSWORD=%s /bin/sh -c rm -f /app/.env # buildkit" % arg_val, [("app/.wh..env", b"")])
    # names that would drive a terminal: a right-to-left override and a C1 CSI
    add("COPY notes /app/ # buildkit",
        [("app/notes\u202etxt.sh", b"echo hello\n"), ("app/c1\u009b31mred", b"red\n")])
else:
    add("COPY app /app/ # buildkit", [("app", None), ("app/readme.txt", b"base image\n")])
meta('CMD ["/bin/sh"]')
diff_ids = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
env = ["PATH=/usr/bin:/bin"] + (["HF_TOKEN=" + env_val] if with_secrets else [])
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": env},
                  "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history}).encode()
ch = hashlib.sha256(cfg).hexdigest()
names = [d[7:] + "/layer.tar" for d in diff_ids]
man = json.dumps([{"Config": ch + ".json", "RepoTags": ["leaks:1"], "Layers": names}]).encode()
with tarfile.open(out, "w") as t:
    for n, b in [(ch + ".json", cfg)] + list(zip(names, layers)) + [("manifest.json", man)]:
        ti = tarfile.TarInfo(n); ti.size = len(b); t.addfile(ti, io.BytesIO(b))
PY
}

IMG=$W/leaks.tar BASE=$W/base.tar
make_image "$IMG" 1 || { fail "could not build the test image"; finish "e2e leaks"; exit 1; }
make_image "$BASE" 0 || { fail "could not build the base image"; finish "e2e leaks"; exit 1; }

OUTS=()   # every file an output went to
run() {   # run NAME ARGS…: stdout and stderr of strata into $W/NAME.out / .err
  local name=$1; shift
  timeout "$TIMEOUT" "$STRATA" "$@" > "$W/$name.out" 2> "$W/$name.err" < /dev/null
  local rc=$?
  OUTS+=("$W/$name.out" "$W/$name.err")
  return $rc
}

run report --report "$IMG"; check "--report: exit 0" $? 0
run json --json "$IMG"; check "--json: exit 0" $? 0
run ci --ci "$IMG"; check "--ci: exit 2 (secrets fail it)" $? 2
run sarif --sarif "$W/leaks.sarif" --json "$IMG"; check "--sarif: exit 0" $? 0
OUTS+=("$W/leaks.sarif")
run jsonfile --json="$W/leaks.json" "$IMG"; check "--json=FILE: exit 0" $? 0
OUTS+=("$W/leaks.json")
run difftext diff "$BASE" "$IMG"; check "diff (text): exit 0" $? 0
run diffrev diff "$IMG" "$BASE"; check "diff (text, reversed): exit 0" $? 0
run diffjson diff --json "$BASE" "$IMG"; check "diff --json: exit 0" $? 0
run nocontent --report --no-content "$IMG"; check "--report --no-content: exit 0" $? 0
run ignored --report --ignore generic-api-key "$IMG"
check "--report --ignore: exit 0" $? 0

# the outputs are what we think they are (a test that greps empty files proves nothing)
J=$W/json.out
check "--json: the deleted AWS key found, hidden by layer 4" \
  "$(jq -r '[.secrets[] | select(.rule == "aws-access-key-id" and .path == "/app/.env") | .hidden_by_layer] | first' "$J")" 4
check "--json: ENV finding named HF_TOKEN" \
  "$(jq -r '[.secrets[] | select(.kind == "env") | .name] | unique | join(",")' "$J")" HF_TOKEN
check "--json: build-arg finding named DB_PASSWORD" \
  "$(jq -r '[.secrets[] | select(.rule == "build-arg-secret") | .name] | first' "$J")" DB_PASSWORD
check "--json: RUN-line key found, named K" \
  "$(jq -r '[.secrets[] | select(.kind == "history" and .rule == "aws-access-key-id") | .name] | first' "$J")" K
check "--json: the apt-lists fix quotes the RUN line" \
  "$(jq -r '[.waste.categories[] | select(.id == "apt-lists") | .fix | startswith("RUN K=AKIA")] | first' "$J")" true
check "--json: the GitHub token in /app/config.yml found" \
  "$(jq -r '[.secrets[] | select(.path == "/app/config.yml") | .rule] | first' "$J")" github-pat
grep -q "FAIL  .* secrets\? at or above high, e.g. .* in [^ ]" "$W/ci.out"
check "--ci: the secret line says where" $? 0
if grep -q "in \$" "$W/ci.out"; then fail "--ci: a line ends in 'in '"; else pass "--ci: no line ends in 'in '"; fi
grep -q "ENV HF_TOKEN" "$W/report.out"; check "--report: the ENV finding names HF_TOKEN" $? 0
grep -q "deleted in layer 4" "$W/report.out"; check "--report: the deleted key names the deleting layer" $? 0
check "--sarif: every result's message names where it is" \
  "$(jq '[.runs[0].results[] | .message.text | test(" in |history|ENV ")] | all' "$W/leaks.sarif")" true
grep -q "apt" "$W/difftext.out"; check "diff: lists the apt files" $? 0

# ---------------------------------------------------------------- the view, in tmux
SOCK=strata-leaks-$$
t() { tmux -L "$SOCK" "$@"; }
screen() { t capture-pane -p -t "$1" 2>/dev/null; }
SHOTS=0
shot() {  # shot SESSION: the pane into a file checked below
  SHOTS=$((SHOTS + 1))
  screen "$1" > "$W/screen.$SHOTS"
  OUTS+=("$W/screen.$SHOTS")
}
wait_for() {  # wait_for SESSION TEXT: poll until TEXT is on the pane
  local end=$((SECONDS + TIMEOUT))
  while [ $SECONDS -lt $end ]; do
    screen "$1" | grep -qF -- "$2" && return 0
    read -r -t 0.05 <> <(:) 2>/dev/null || true
  done
  return 1
}
settle() {  # settle SESSION BEFORE_FILE: poll until the pane differs from BEFORE (at most 2 s)
  local end=$((SECONDS + 2))
  while [ $SECONDS -lt $end ]; do
    screen "$1" | cmp -s - "$2" || return 0
    read -r -t 0.05 <> <(:) 2>/dev/null || true
  done
  return 0
}
key() {  # key SESSION KEYS…: send, wait for the redraw, capture
  local s=$1; shift
  screen "$s" > "$W/before"
  t send-keys -t "$s" "$@"
  settle "$s" "$W/before"
  shot "$s"
}
if ! command -v tmux > /dev/null; then
  fail "tmux is not installed (scripts/deps.sh installs it)"
else
  trap 'tmux_reap "$SOCK"; rm -rf "$WORKDIR"' EXIT
  t new-session -d -s keepalive -x 20 -y 5 "sleep 100000"
  view() {  # view SESSION ARGS…
    local s=$1; shift
    t new-session -d -s "$s" -x 160 -y 48 "env LC_ALL=C.UTF-8 $STRATA $* '$IMG'; echo EXIT=\$?; read -r x"
  }
  focus() {  # focus SESSION TITLE: Tab until the details pane is titled TITLE (Layer, Finding)
    for _ in 1 2 3; do screen "$1" | grep -q "─ $2 ─" && return 0; key "$1" Tab; done
    screen "$1" | grep -q "─ $2 ─"
  }
  s=leaks
  view $s
  if wait_for $s "waste)"; then
    pass "view: opens"
    shot $s
    # findings: every row, each with its details
    focus $s Finding || fail "view: cannot focus the findings pane"
    key $s g
    for _ in $(seq 1 14); do key $s j; done
    grep -q "deleted in L4, still shipped" "$W/screen.$SHOTS"
    check "view: the findings list marks the deleted key (deleted in L4, still shipped)" $? 0
    grep -q "ENV HF_TOKEN" "$W/screen.$SHOTS"; check "view: the ENV finding names HF_TOKEN" $? 0
    # layers: every row, each with its details (the raw created_by, masked)
    focus $s Layer || fail "view: cannot focus the layers pane"
    key $s g
    for _ in $(seq 1 10); do key $s j; done
    # the visible token's file, then the deleted key's file, in the viewer
    for f in config.yml .env; do
      focus $s Finding || fail "view: cannot focus the findings pane"
      key $s g
      for _ in $(seq 1 12); do
        screen $s | grep -q "Secret [a-z-]*  /app/$f" && break
        key $s j
      done
      key $s Enter
      key $s v
      if wait_for $s "q closes"; then pass "view: viewer opens on /app/$f"; shot $s; else fail "view: no viewer on /app/$f"; fi
      grep -q "secrets masked" "$W/screen.$SHOTS"; check "view: the viewer of /app/$f says secrets were masked" $? 0
      key $s q
    done
    key $s q
    wait_for $s "EXIT=0" && pass "view: quits with 0" || fail "view: no EXIT=0"
  else
    fail "view: never opened"; screen $s | sed 's/^/    | /'
  fi
  t kill-session -t $s 2>/dev/null
  # diff's split view
  s=dview
  t new-session -d -s $s -x 160 -y 48 "env LC_ALL=C.UTF-8 $STRATA diff '$BASE' '$IMG'; echo EXIT=\$?; read -r x"
  if wait_for $s "apt"; then
    pass "diff view: opens"
    shot $s
    for _ in $(seq 1 8); do key $s j; done
    key $s Tab
    for _ in $(seq 1 8); do key $s j; done
    key $s q
  else
    fail "diff view: never opened"; screen $s | sed 's/^/    | /'
  fi
  t kill-session -t $s 2>/dev/null
  # --show-secrets in the view shows them (the search above can fail)
  s=shown
  view $s --show-secrets
  if wait_for $s "waste)"; then
    # the first row is the secrets group (open); the one below it is the ENV finding
    t send-keys -t $s Tab g j
    wait_for $s "─ Finding ─"
    if wait_for $s "$ENV_VAL"; then pass "view --show-secrets: the ENV value is shown"; else fail "view --show-secrets: the ENV value never shown"; fi
  else
    fail "view --show-secrets: never opened"
  fi
  t kill-session -t $s 2>/dev/null
fi
check "view: screens captured" "$([ "$SHOTS" -ge 40 ] && echo yes || echo "$SHOTS")" yes

# ---------------------------------------------------------------- the search
for i in "${!VALUES[@]}"; do
  v=${VALUES[$i]} hits=()
  for f in "${OUTS[@]}"; do
    [ -e "$f" ] && grep -qF -- "$v" "$f" && hits+=("$(basename "$f")")
  done
  if [ ${#hits[@]} -eq 0 ]; then
    pass "${NAMES[$i]} value (${v:0:6}…) in none of ${#OUTS[@]} outputs"
  else
    fail "${NAMES[$i]} value (${v:0:6}…) printed whole in: ${hits[*]}"
  fi
done
# raw U+202E (e2 80 ae) and U+009B (c2 9b) in no output
for seq in $'\xe2\x80\xae' $'\xc2\x9b'; do
  hits=()
  for f in "${OUTS[@]}"; do [ -e "$f" ] && grep -qF -- "$seq" "$f" && hits+=("$(basename "$f")"); done
  name=$(printf '%s' "$seq" | od -An -tx1 | tr -d ' \n')
  if [ ${#hits[@]} -eq 0 ]; then pass "bytes $name (bidi override / C1) reach no output raw"; else fail "bytes $name raw in: ${hits[*]}"; fi
done
grep -qF 'notes\u202etxt.sh' "$W/difftext.out"; check "diff: the RLO in a name escaped as \\u202e" $? 0
check "diff --json: the RLO name kept exactly (a JSON escape)" \
  "$(jq -r '[.. | .path? // empty | select(test("notes\u202etxt"))] | length > 0' "$W/diffjson.out")" true

# --show-secrets shows every value (so the search above can fail)
run shown --report --show-secrets "$IMG"
run shownjson --json --show-secrets "$IMG"
for i in "${!VALUES[@]}"; do
  if grep -qF -- "${VALUES[$i]}" "$W/shown.out" "$W/shownjson.out"; then pass "--show-secrets: ${NAMES[$i]} value shown"
  else fail "--show-secrets: ${NAMES[$i]} value not shown"; fi
done
finish "e2e leaks"
