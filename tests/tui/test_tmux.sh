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

cleanup() { tmux_reap "$SOCK"; rm -rf "$WORK"; }
trap cleanup EXIT

source "$HERE/tmux.bash"   # t, screen, wait_for, expect, analysed, ...

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
  expect $s "Layers (15, 14 with files" "peer: layers pane"
  expect $s "Files after layer 13" "peer: tree at the last layer"
  expect $s "Findings" "peer: findings pane"
  analysed $s "peer: analysed"
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
  # findings: the last row is a group until it is opened; Enter on a file jumps to it
  t send-keys -t $s Tab Tab
  for _ in 1 2 3 4 5 6; do
    t send-keys -t $s G Enter
    wait_for $s ", at layer" && break
  done
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
  analysed $s "demo: analysed"
  expect $s "secrets" "demo: header"
  # history step 1 is ENV … DATABASE_PASSWORD=…: the details show its raw text, value masked
  t send-keys -t $s Tab Tab g j
  expect $s "DATABASE_PASSWORD=demo*" "demo: the ENV step's raw text, masked"
  if screen $s | grep -q "not-a-real-password"; then fail "demo: ENV secret drawn whole"; else pass "demo: ENV secret never drawn whole"; fi
  t send-keys -t $s Tab
  t send-keys -t $s Tab j Enter
  expect $s ", at layer" "demo: jump to the first finding (the first row is the secrets group)"
  t send-keys -t $s v
  expect $s "q closes" "demo: viewer opens"
  t send-keys -t $s q
  wait_gone $s "q closes" && pass "demo: viewer closes" || fail "demo: viewer closes"
  t send-keys -t $s q
  expect $s "EXIT=0" "demo: quits"
  t kill-session -t $s

  # search covers every layer: /app/.env was deleted by layer 6, the view is at layer 6
  s=search
  start $s "$DEMO"
  expect $s "Files after layer 6" "search: starts at the last layer"
  analysed $s "search: analysed"
  t send-keys -t $s / . e n v
  # as you type, before Enter: the match, where it lives, the tree at its layer
  expect $s "/app/.env in layer 3, deleted in 6" "search: incremental, says where the match lives"
  expect $s "Files after layer 3" "search: jumps to the layer that has it"
  t send-keys -t $s Enter
  expect $s "match 1 of 1" "search: Enter keeps the match"
  # n/N across layers: settings.json is in layers 3 and 6, obj/app.o only in layer 5
  t send-keys -t $s / a p p . o Enter
  expect $s "/tmp/build/obj/app.o in layer 5, deleted in 6" "search: a file only an older layer has"
  expect $s "Files after layer 5" "search: the tree follows to layer 5"
  t send-keys -t $s / a p p . Enter
  # the whole query, typed and entered: "app" alone (as typed) has matches of its own, and under
  # ASan a bare "match 1 of" was once taken from that incremental state
  if wait_re $s '"app\.": match 1 of [0-9]+'; then pass "search: several matches"
  else fail "search: several matches: '\"app.\": match 1 of' never showed"; screen $s | sed 's/^/    | /'; fi
  first=$(screen $s | grep -o 'match 1 of [0-9]*, [^ ]*')
  t send-keys -t $s n
  expect $s "match 2 of" "search: n goes to the next match, in any layer"
  t send-keys -t $s N
  expect $s "$first" "search: N comes back"
  # Esc while typing goes back where the search started
  t send-keys -t $s / s e t t
  expect $s "settings.json in layers 3, 6" "search: a file two layers wrote"
  t send-keys -t $s Escape
  wait_gone $s "/sett" && pass "search: Esc closes the prompt" || fail "search: Esc closes the prompt"

  # the filter is a regular expression on the full path; sizes and counts follow it
  t send-keys -t $s f '\.(json|csv)$' Enter
  expect $s "filter /\.(json|csv)\$/: " "filter: a regular expression, in the title"
  expect $s "app/ (2)" "filter: folder counts follow the filter"
  if screen $s | grep -q "etc/"; then fail "filter: non-matching folders hidden"; else pass "filter: non-matching folders hidden"; fi
  t send-keys -t $s f C-u '(' Enter
  expect $s "bad regular expression" "filter: a bad pattern is reported, not applied"
  t send-keys -t $s f
  expect $s "filter (regex; Ctrl-U, Enter clears): " "filter: the prompt says how to clear it"
  t send-keys -t $s C-u Enter
  expect $s "filter cleared" "filter: cleared the way the prompt's hint says (Ctrl-U, Enter)"
  expect $s "etc/" "filter: every folder back"

  # collapse all / expand all, the attributes column (mode and uid:gid on the file's row)
  t send-keys -t $s C
  wait_gone $s "settings.json" && pass "tree: C closes every folder" || fail "tree: C closes every folder"
  wait_gone $s " busybox" && pass "tree: bin/ closed" || fail "tree: bin/ closed"
  t send-keys -t $s O g
  expect $s " busybox" "tree: O opens every folder"
  t send-keys -t $s m
  if wait_re $s 'rwxr-xr-x +0:0 +busybox'; then pass "tree: m shows mode and uid:gid beside the name"
  else fail "tree: m shows mode and uid:gid beside the name"; screen $s | sed 's/^/    | /'; fi
  t send-keys -t $s m
  wait_gone_re $s 'rwxr-xr-x +0:0 +busybox' && pass "tree: m hides the column" || fail "tree: m hides the column"
  t send-keys -t $s q
  expect $s "EXIT=0" "search: quits"
  t kill-session -t $s

  # y copies the selected path with OSC 52 (tmux takes it with set-clipboard on)
  s=copy
  t set -g set-clipboard on
  t set-buffer -b strata-before "nothing copied"
  start $s "$DEMO"
  expect $s "Files after layer 6" "copy: started"
  analysed $s "copy: analysed"
  t send-keys -t $s / s e t t i n g s Enter
  expect $s "match 1 of 1" "copy: a file selected"
  t send-keys -t $s y
  expect $s "copied /app/settings.json" "copy: y says what it copied"
  end=$((SECONDS + TIMEOUT)); got=""
  while [ $SECONDS -lt $end ]; do
    got=$(t show-buffer 2>/dev/null); [ "$got" = "/app/settings.json" ] && break
    read -r -t 0.05 <> <(:) 2>/dev/null || true
  done
  if [ "$got" = "/app/settings.json" ]; then pass "copy: the path is in tmux's clipboard"; else fail "copy: tmux buffer is '$got'"; fi
  t send-keys -t $s q
  t kill-session -t $s

  # the mouse wheel scrolls the pane under the pointer, not the focused one (X10 mouse
  # reports as tmux sends them: ESC [ M button+32 col+33 row+33)
  s=mouse
  start $s "$DEMO" 120 40
  expect $s "Files after layer 6" "mouse: started"
  analysed $s "mouse: analysed (the wheel below acts on the findings pane)"
  fy=$(screen $s | grep -n "Findings (" | head -1 | cut -d: -f1)
  mouse() { t send-keys -t $s -l "$(printf "\033[M%b%b%b" "\\x$(printf %x $(($1 + 32)))" "\\x$(printf %x $(($2 + 33)))" "\\x$(printf %x $(($3 + 33)))")"; }
  mouse 65 5 $((fy + 1))          # wheel down over the findings pane (focus is on the tree)
  expect $s "─ File " "mouse: focus stays on the tree"
  # three rows down: the group, two secrets, the third (cred-file)
  t send-keys -t $s Tab
  expect $s "Secret cred-file" "mouse: the wheel moved the findings pane's selection"
  t send-keys -t $s q
  t kill-session -t $s

  # too small: the message fits any width
  s=tiny
  start $s "$DEMO" 30 10
  expect $s "strata needs at least" "too small: the message wraps at 30 columns"
  expect $s "80x24" "too small: the needed size is whole"
  t resize-window -t $s -x 14 -y 8
  expect $s "14x8," "too small: at 14 columns too"
  t resize-window -t $s -x 100 -y 30
  expect $s "Findings (" "too small: back at 100x30"
  t send-keys -t $s q
  t kill-session -t $s
else
  skip "demo image $DEMO absent"
fi

# the single-stage real image: build-only packages are findings ("gcc-12 69.3 MB layer 1")
SINGLE=${REAL_DIR:-/var/tmp/strata-real}/a-single-stage.docker.tar
if [ -r "$SINGLE" ]; then
  s=single
  start $s "$SINGLE"
  # ~670 waste rows of the old list are a handful of groups: the ~640 files layer 1's
  # apt-get upgrade overwrote are one row. How many, from the image itself (Python's tarfile:
  # layer 0's non-empty regular files that layer 1 writes again; the image is rebuilt on a new
  # machine and the count moves a little from build to build)
  over=$(python3 - "$SINGLE" "$(dirname "${BASH_SOURCE[0]}")/../e2e" <<'EOF'
import json, sys, tarfile
sys.path.insert(0, sys.argv[2])
from final_fs import norm
with tarfile.open(sys.argv[1]) as outer:
    blobs = json.load(outer.extractfile("manifest.json"))[0]["Layers"][:2]
    layers = []
    for blob in blobs:
        with tarfile.open(fileobj=outer.extractfile(blob), mode="r|") as lt:
            layers.append({norm(m.name): m for m in lt})
l0, l1 = layers
print(sum(1 for p, m in l0.items() if m.isreg() and m.size > 0 and p in l1 and not l1[p].isdir()))
EOF
)
  expect $s "by layer 1 ($over files)" "single-stage: the overwritten files ($over, counted by tarfile) are one row for layer 1"
  expect $s "build-only packages (27)" "single-stage: build-only packages are one group"
  rows=$(screen $s | grep -cE '│(junk|pkg |over|del |sec |CRIT|HIGH|MED |low |info) ')
  if [ "$rows" -le 20 ]; then pass "single-stage: findings fit one screen ($rows rows)"; else fail "single-stage: $rows findings rows"; fi
  t send-keys -t $s Tab
  for _ in 1 2 3 4 5 6; do
    t send-keys -t $s j
    wait_for_quick $s "build-only packages: " && break
  done
  t send-keys -t $s Enter
  expect $s "gcc-12  layer 1, build-only" "single-stage: Enter opens the packages group: gcc-12 listed"
  t send-keys -t $s j
  expect $s "installed by layer 1" "single-stage: package details name the installing layer"
  # Enter on a package: the tree shows its files only
  t send-keys -t $s Enter
  expect $s "filter package gcc-12" "single-stage: Enter on a package filters the tree to its files"
  expect $s "x86_64-linux-gnu-gcc-12" "single-stage: the package's files are in the tree"
  t send-keys -t $s f C-u Enter
  expect $s "filter cleared" "single-stage: f, Ctrl-U, Enter clears the package filter"
  # t: one kind at a time, skipping the kinds the image has none of (no secrets, no advice here)
  t send-keys -t $s Tab Tab t
  expect $s "only junk" "single-stage: t shows only one kind (secrets skipped: there are none)"
  t send-keys -t $s t t
  expect $s "only overwritten files" "single-stage: t cycles the kinds"
  if screen $s | grep -q "build-only packages ("; then fail "single-stage: other kinds hidden"; else pass "single-stage: other kinds hidden"; fi
  t send-keys -t $s t
  expect $s "only deleted files" "single-stage: t, the last kind"
  t send-keys -t $s t
  wait_gone $s "; only " && pass "single-stage: t comes back to every kind" || fail "single-stage: t comes back to every kind"
  t send-keys -t $s q
  expect $s "EXIT=0" "single-stage: quits"
  t kill-session -t $s

  # 100x30 (a split tmux pane) shows every pane; 80x24 too
  for size in "100 30" "80 24"; do
    set -- $size
    s=small$1
    start $s "$SINGLE" "$1" "$2"
    expect $s "Findings (" "$1x$2: findings pane"
    expect $s "Layers (" "$1x$2: layers pane"
    expect $s "Files after layer" "$1x$2: tree pane"
    expect $s "─ File " "$1x$2: details pane"
    expect $s "q quit" "$1x$2: the status hint fits (q quit whole)"
    t send-keys -t $s q
    t kill-session -t $s
  done
else
  skip "real image $SINGLE absent (../shared/tools/make-real-images.sh)"
fi

finish "test_tmux.sh"
