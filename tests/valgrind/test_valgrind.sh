#!/usr/bin/env bash
# test_valgrind.sh: strata under Valgrind's memcheck on the fixtures, every output mode, a few
# damaged inputs, and the interactive view (tmux): no invalid read or write, no use of
# uninitialised memory, no leak (definite, indirect or possible), no file descriptor that strata
# opened left open at exit. make asan checks the same suites with LeakSanitizer; this runs the
# -O2 binary as shipped, with the system's own libraries (no sanitizer runtime in between).
#
#   STRATA=./strata bash tests/valgrind/test_valgrind.sh        (make memcheck; make check runs it)
#
# A run fails on memcheck's exit code (99, --error-exitcode) or on an error summary that is not
# zero; the log's first errors are printed. Missing valgrind or tmux is a failure, not a skip.
source "$(dirname "$0")/../e2e/common.bash"
require_strata "valgrind"
TIMEOUT=${VG_TIMEOUT:-300}   # seconds a run may take: memcheck is 20-50 times slower
W=$WORKDIR

for tool in valgrind tmux python3; do
  command -v "$tool" >/dev/null || { fail "$tool not installed (scripts/deps.sh)"; finish "valgrind"; exit 1; }
done
if nm -D "$STRATA" 2>/dev/null | grep -q '__asan_init\|__tsan_init'; then
  fail "$STRATA is built with a sanitizer: memcheck needs the plain build (make, then make memcheck)"
  finish "valgrind"; exit 1
fi

# --track-fds: valgrind lists the descriptors open at exit; one strata opened is an error too
VG=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --track-fds=yes
    --num-callers=30)

# vg_log_ok LOG: the error summary says 0 errors, and every descriptor open at exit was inherited
# (the standard ones, the log, whatever the caller left open): each one strata opened and kept
# is listed with the stack that opened it instead of "<inherited from parent>"
vg_log_ok() {
  grep -q 'ERROR SUMMARY: 0 errors' "$1" || return 1
  awk '/Open (file|AF_UNIX socket|AF_INET socket) descriptor/ { want = 1; next }
       want && /<inherited from parent>/ { want = 0; next }
       want && /at 0x|by 0x/ { bad = 1 }
       END { exit bad }' "$1"
}
vg_show() {   # the first errors of a log, indented
  grep -v '^==[0-9]*== *$' "$1" | grep -A14 -m3 'Invalid\|uninitialised\|definitely\|indirectly\|possibly\|Open file descriptor\|ERROR SUMMARY' \
    | head -n 60 | sed 's/^/    | /'
}

n=0
# run WHAT WANT_RC ARGS...: strata ARGS under memcheck; WANT_RC is its own exit code ("any" for
# no check); stdout to $W/out.N, the log to $W/vg.N; standard input from $VG_STDIN (/dev/null)
run() {
  local what=$1 want=$2
  shift 2
  n=$((n + 1))
  local log=$W/vg.$n rc
  timeout "$TIMEOUT" "${VG[@]}" --log-file="$log" "$STRATA" "$@" > "$W/out.$n" 2> "$W/err.$n" < "${VG_STDIN:-/dev/null}"
  rc=$?
  if [ $rc = 124 ]; then fail "$what: over ${TIMEOUT}s under memcheck"; return; fi
  if [ $rc = 99 ] || ! vg_log_ok "$log"; then
    fail "$what: memcheck found errors (exit $rc, log $log)"; vg_show "$log"; return
  fi
  if [ "$want" != any ] && [ "$rc" != "$want" ]; then
    fail "$what: exit $rc, want $want ($(head -c 300 "$W/err.$n"))"; return
  fi
  pass "$what"
}

# ---------------------------------------------------------------- the images
IMAGES=("$ROOT/demo/demo.tar")
for f in "$PEERS"/*.tar; do [ -e "$f" ] && IMAGES+=("$f"); done
if [ ${#IMAGES[@]} -lt 7 ]; then
  fail "the peer fixtures are missing ($PEERS: ${#IMAGES[@]} images with the demo)"
fi

for img in "${IMAGES[@]}"; do
  b=$(basename "$img" .tar)
  # the --ci exit code is the image's own (2 when a rule fails): any, as long as memcheck is clean
  run "$b: --json --files" 0 --json --files "$img"
  run "$b: --report" 0 --report "$img"
  run "$b: --ci" any --ci "$img"
  run "$b: --sarif FILE, --jobs 1" 0 --jobs 1 --sarif "$W/$b.sarif" "$img"
  run "$b: --json=FILE --no-content --dockerignore" 0 --json="$W/$b.json" --no-content --dockerignore "$img"
done

# one layer read a second time from a directory (an OCI layout) and from standard input
mkdir -p "$W/layout"
tar -xf "$PEERS/test-oci-gzip-image.tar" -C "$W/layout"
run "OCI layout directory: --json" 0 --json "$W/layout"
VG_STDIN=$PEERS/test-oci-zstd-image.tar run "standard input: --report" 0 --report -

# diff in its text and JSON forms
run "diff --report" any diff --report "$PEERS/test-docker-image.tar" "$ROOT/demo/demo.tar"
run "diff --json" any diff --json "$PEERS/test-oci-gzip-image.tar" "$PEERS/test-oci-zstd-image.tar"

# a Dockerfile and a config with thresholds: the paths that read them
cat > "$W/Dockerfile" <<'EOF'
FROM debian:12
RUN apt-get update && apt-get install -y curl
COPY . /app
EOF
printf '[ci]\nlowest-efficiency = 0.5\nfail-on-secret = high\n' > "$W/strata.conf"
run "--dockerfile and --config: --ci" any --ci --dockerfile "$W/Dockerfile" --config "$W/strata.conf" "$ROOT/demo/demo.tar"

# ---------------------------------------------------------------- damaged inputs: the error paths
python3 - "$W" "$ROOT/demo/demo.tar" <<'EOF'
import os, sys, tarfile
w, demo = sys.argv[1], sys.argv[2]
data = open(demo, "rb").read()
open(os.path.join(w, "truncated.tar"), "wb").write(data[: len(data) * 2 // 3])
open(os.path.join(w, "garbage.tar"), "wb").write(os.urandom(70000))
# a layer that is not a tar: the demo with its largest layer member's bytes overwritten
with tarfile.open(demo) as t:
    big = max((m for m in t.getmembers() if m.isfile()), key=lambda m: m.size)
buf = bytearray(data)
buf[big.offset_data: big.offset_data + min(big.size, 4096)] = b"\xa5" * min(big.size, 4096)
open(os.path.join(w, "badlayer.tar"), "wb").write(bytes(buf))
EOF
run "truncated archive: exits 1" 1 --json "$W/truncated.tar"
run "garbage: exits 1" 1 --report "$W/garbage.tar"
run "a damaged layer: partial, exits 1" 1 --json "$W/badlayer.tar"
if grep -q '"partial": *true' "$W/out.$n"; then pass "a damaged layer: the JSON says partial"
else fail "a damaged layer: no \"partial\": true in the JSON ($(head -c 200 "$W/err.$n"))"; fi
run "an unknown --ignore id: exits 64" 64 --ignore no-such-rule --report "$ROOT/demo/demo.tar"

# ---------------------------------------------------------------- the interactive view
SOCK=strata-vg-$$
trap 'tmux_reap "$SOCK"; rm -rf "$WORKDIR"' EXIT
source "$ROOT/tests/tui/tmux.bash"   # t, screen, wait_for, wait_re, ...
# view SESSION LOG ARGS...: strata in tmux under memcheck; its exit code lands in LOG.rc
view() {
  local s=$1 log=$2
  shift 2
  local cmd
  cmd=$(printf '%q ' "${VG[@]}" --log-file="$log" "$STRATA" "$@")
  t new-session -d -s "$s" -x 120 -y 40 "$cmd; echo \$? > $log.rc"
}
# ended SESSION LOG WHAT: waits for the exit code, then checks it and the log
ended() {
  local end=$((SECONDS + TIMEOUT))
  while [ ! -s "$2.rc" ] && [ $SECONDS -lt $end ]; do read -r -t 0.2 <> <(:) 2>/dev/null || true; done
  if [ ! -s "$2.rc" ]; then fail "$3: did not quit"; screen "$1" | sed 's/^/    | /'; return; fi
  if [ "$(cat "$2.rc")" = 0 ] && vg_log_ok "$2"; then pass "$3"
  else fail "$3: exit $(cat "$2.rc"), log $2"; vg_show "$2"; fi
}
keys() { local s=$1; shift; for k in "$@"; do t send-keys -t "$s" "$k"; read -r -t 0.3 <> <(:) 2>/dev/null || true; done; }

view v1 "$W/vg.view" "$ROOT/demo/demo.tar"
if wait_re v1 'Findings \([0-9]+ secrets'; then
  # every pane, a folder, the layers; then each step below is seen on screen before the next
  keys v1 Tab j j Enter Tab j Enter Tab ] [
  keys v1 / . e n v Enter
  expect v1 "/app/.env in layer 3" "the view under memcheck: search finds /app/.env"
  keys v1 v
  expect v1 "(layer 3, secrets masked)" "the view under memcheck: the viewer shows it, masked"
  keys v1 Escape '?'
  expect v1 "strata: keys (q, Esc or ? closes)" "the view under memcheck: help"
  keys v1 Escape O G c s m q
  ended v1 "$W/vg.view" "the view: panes, search, viewer, help, quit"
else
  fail "the view never analysed the demo image under memcheck"; screen v1 | sed 's/^/    | /'
fi

view v2 "$W/vg.diffview" diff "$PEERS/test-docker-image.tar" "$ROOT/demo/demo.tar"
if wait_for v2 'only in A:'; then
  keys v2 j Tab j ] / b i n Enter Escape '?'
  expect v2 "strata diff: keys (q, Esc or ? closes)" "the diff view under memcheck: help"
  keys v2 Escape q
  ended v2 "$W/vg.diffview" "the diff view: move, switch side, quit"
else
  fail "the diff view never drew under memcheck"; screen v2 | sed 's/^/    | /'
fi

finish "valgrind"
