#!/usr/bin/env bash
# test_tmux.sh: the interactive view in a real terminal (tmux), end to end.
#   STRATA=./strata bash tests/tui/test_tmux.sh
# Drives `$STRATA IMAGE` with send-keys and polls capture-pane until the expected text shows
# (no bare sleeps). Images: ../shared/fixtures/peers/test-docker-image.tar and demo/demo.tar
# (skipped by name when absent; under CI=true a skip is a failure).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STRATA=${STRATA:-./strata}
case $STRATA in /*) ;; *) STRATA=$(cd "$(dirname "$STRATA")" && pwd)/$(basename "$STRATA") ;; esac
PEER=${PEER:-$ROOT/../shared/fixtures/peers/test-docker-image.tar}
DEMO=${DEMO:-$ROOT/demo/demo.tar}
SOCK=strata-tui-$$
TIMEOUT=${TUI_TIMEOUT:-20}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-tmux.XXXXXX")
# pass, fail, skip NAME [REASON] (a failure under CI=true), finish (a suite that ran no case fails)
source "$HERE/../harness.bash"

cleanup() { tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT


t() { tmux -L "$SOCK" "$@"; }
# A session that lives as long as the test: killing the last session makes the server exit, and
# a new-session racing that exit fails (seen under ASan on a loaded machine).
t new-session -d -s keepalive -x 20 -y 5 "sleep 100000"
screen() { t capture-pane -p -t "$1" 2>/dev/null; }

# wait_for SESSION TEXT: polls the pane until TEXT (fixed string) is on it
wait_for() {
  local end=$((SECONDS + TIMEOUT))
  while [ $SECONDS -lt $end ]; do
    if screen "$1" | grep -qF -- "$2"; then return 0; fi
    read -r -t 0.05 <> <(:) 2>/dev/null || true
  done
  return 1
}
# wait_gone SESSION TEXT: polls until TEXT is no longer on the pane
wait_gone() {
  local end=$((SECONDS + TIMEOUT))
  while [ $SECONDS -lt $end ]; do
    if ! screen "$1" | grep -qF -- "$2"; then return 0; fi
    read -r -t 0.05 <> <(:) 2>/dev/null || true
  done
  return 1
}
expect() {   # expect SESSION TEXT WHAT
  if wait_for "$1" "$2"; then pass "$3"; else fail "$3: '$2' never showed"; screen "$1" | sed 's/^/    | /'; fi
}

# start SESSION IMAGE [COLS ROWS]: the program in a shell that reports its exit code
start() {
  t new-session -d -s "$1" -x "${3:-120}" -y "${4:-40}" \
    "env LC_ALL=C.UTF-8 $STRATA '$2'; echo EXIT=\$?; read -r x"
}

if [ ! -x "$STRATA" ]; then
  fail "strata binary $STRATA missing (run make)"
  finish "test_tmux.sh"; exit $?
fi
if ! command -v tmux >/dev/null; then
  skip "test_tmux.sh" "tmux not installed"
  finish "test_tmux.sh"; exit $?
fi

if [ -r "$PEER" ]; then
  s=peer
  start $s "$PEER"
  expect $s "Layers (15, 14 with files)" "peer: layers pane"
  expect $s "Files after layer 13" "peer: tree at the last layer"
  expect $s "Findings" "peer: findings pane"
  expect $s "efficiency" "peer: header"
  # the tree: open the first folder, then search inside closed folders
  t send-keys -t $s Enter
  expect $s "▾" "peer: Enter opens a folder"
  t send-keys -t $s / s a v e d Enter
  expect $s "match 1 of" "peer: search"
  t send-keys -t $s n
  expect $s "match 2 of" "peer: next match"
  # layers: Tab twice, then move up: the tree follows
  t send-keys -t $s Tab Tab Home
  expect $s "Files after layer 0" "peer: layer selection retargets the tree"
  expect $s "diff_id sha256:" "peer: layer details"
  t send-keys -t $s c
  expect $s "Changes of layer 0" "peer: changes-only toggle"
  # findings: jump to a file
  t send-keys -t $s Tab Tab
  t send-keys -t $s G Enter
  expect $s ", at layer" "peer: Enter on a finding jumps to the file"
  # resize below 80x24 and back
  t resize-window -t $s -x 70 -y 20
  expect $s "terminal too small" "peer: too-small message"
  t resize-window -t $s -x 100 -y 30
  expect $s "Layers (15" "peer: back after resize"
  t send-keys -t $s '?'
  expect $s "strata: keys" "peer: help"
  t send-keys -t $s Escape
  wait_gone $s "strata: keys" && pass "peer: help closes" || fail "peer: help closes"
  t send-keys -t $s q
  expect $s "EXIT=0" "peer: q quits with 0"
  # the terminal is restored: the shell's output is on a normal screen
  if screen $s | grep -q "Layers ("; then fail "peer: screen restored after q"; else pass "peer: screen restored after q"; fi
  t kill-session -t $s

  # SIGTERM: restored and dead of the signal
  s=term
  start $s "$PEER"
  expect $s "Layers (15" "sigterm: started"
  pid=$(pgrep -P "$(t display -p -t $s '#{pane_pid}')" -f strata | head -1)
  if [ -n "$pid" ]; then
    kill -TERM "$pid"
    expect $s "EXIT=143" "sigterm: exits as killed by SIGTERM"
    if screen $s | grep -q "Layers ("; then fail "sigterm: screen restored"; else pass "sigterm: screen restored"; fi
  else
    fail "sigterm: no strata process found"
  fi
  t kill-session -t $s

  # NO_COLOR and mono still mark changes with symbols
  s=mono
  t new-session -d -s $s -x 120 -y 40 \
    "env NO_COLOR=1 LC_ALL=C.UTF-8 $STRATA '$PEER'; echo EXIT=\$?; read -r x"
  expect $s "Files after layer 13" "NO_COLOR: view"
  expect $s "~" "NO_COLOR: change marks"
  t send-keys -t $s q
  expect $s "EXIT=0" "NO_COLOR: quits"
  t kill-session -t $s
else
  skip "peer fixture $PEER absent"
fi

# a missing image: one strata: line, exit 1, terminal restored
s=bad
start $s "$WORK/missing.tar"
expect $s "EXIT=1" "missing image: exit 1"
if screen $s | grep -q "^strata: "; then pass "missing image: one strata: line"; else fail "missing image: one strata: line"; screen $s | sed 's/^/    | /'; fi
t kill-session -t $s

if [ -r "$DEMO" ]; then
  s=demo
  start $s "$DEMO"
  expect $s "Findings" "demo: findings"
  expect $s "secrets" "demo: header"
  # history step 1 is ENV … DATABASE_PASSWORD=…: the details show its raw text, value masked
  t send-keys -t $s Tab Tab g j
  expect $s "DATABASE_PASSWORD=demo*" "demo: the ENV step's raw text, masked"
  if screen $s | grep -q "not-a-real-password"; then fail "demo: ENV secret drawn whole"; else pass "demo: ENV secret never drawn whole"; fi
  t send-keys -t $s Tab
  t send-keys -t $s Tab Enter
  expect $s ", at layer" "demo: jump to the first finding"
  t send-keys -t $s v
  expect $s "q closes" "demo: viewer opens"
  t send-keys -t $s q
  wait_gone $s "q closes" && pass "demo: viewer closes" || fail "demo: viewer closes"
  t send-keys -t $s q
  expect $s "EXIT=0" "demo: quits"
  t kill-session -t $s
else
  skip "demo image $DEMO absent"
fi

# the single-stage real image: build-only packages are findings ("gcc-12 69.3 MB layer 1")
SINGLE=${REAL_DIR:-/var/tmp/strata-real}/a-single-stage.docker.tar
if [ -r "$SINGLE" ]; then
  s=single
  start $s "$SINGLE"
  expect $s "gcc-12  layer 1, build-only" "single-stage: gcc-12 listed as a build-only package"
  t send-keys -t $s Tab
  for _ in 1 2 3 4 5 6; do
    screen $s | grep -q "gcc-12  layer 1" || break
    t send-keys -t $s j
    if screen $s | grep -q "needed to build, not to run"; then break; fi
  done
  expect $s "installed by layer 1" "single-stage: package details name the installing layer"
  t send-keys -t $s q
  expect $s "EXIT=0" "single-stage: quits"
  t kill-session -t $s
else
  skip "real image $SINGLE absent (../shared/tools/make-real-images.sh)"
fi

finish "test_tmux.sh"
