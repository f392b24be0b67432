#!/usr/bin/env bash
# screenshots.sh: real pictures of the interactive view, for the README and for review.
#   make screenshots          (or: STRATA=./strata bash scripts/screenshots.sh)
# Runs ./strata in tmux on the real images in $REAL_DIR (built by
# ../shared/tools/make-real-images.sh), drives it with send-keys, polls capture-pane until the
# expected text is on screen (no bare sleeps), and writes for each scene
#   screenshots/NAME.txt   the plain text of the screen
#   screenshots/NAME.png   capture-pane -e | aha (HTML) | headless Chromium
# Needs tmux, aha and chromium (apt-get install -y tmux aha chromium).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STRATA=${STRATA:-$ROOT/strata}
REAL_DIR=${REAL_DIR:-/var/tmp/strata-real}
OUT=${OUT:-$ROOT/screenshots}
COLS=${COLS:-120}
ROWS=${ROWS:-40}
TIMEOUT=${TIMEOUT:-60}
SOCK=strata-shots-$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-shots.XXXXXX")
cleanup() { tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

for tool in tmux aha; do
  command -v $tool >/dev/null || { echo "screenshots.sh: $tool is not installed" >&2; exit 1; }
done
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$CHROME" ] || { echo "screenshots.sh: chromium is not installed (apt-get install -y chromium)" >&2; exit 1; }
[ -x "$STRATA" ] || { echo "screenshots.sh: $STRATA not built (make)" >&2; exit 1; }
[ -r "$REAL_DIR/a-single-stage.docker.tar" ] || {
  echo "screenshots.sh: $REAL_DIR/a-single-stage.docker.tar missing: run ../shared/tools/make-real-images.sh $REAL_DIR" >&2
  exit 1
}
mkdir -p "$OUT"

t() { tmux -L "$SOCK" "$@"; }
# wait_for SESSION TEXT
wait_for() {
  local end=$((SECONDS + TIMEOUT))
  while [ $SECONDS -lt $end ]; do
    t capture-pane -p -t "$1" 2>/dev/null | grep -qF -- "$2" && return 0
    read -r -t 0.05 <> <(:) 2>/dev/null || true
  done
  echo "screenshots.sh: '$2' never showed in $1:" >&2
  t capture-pane -p -t "$1" >&2 || true
  exit 1
}
start() {   # start SESSION IMAGE [ENV...]
  local s=$1 img=$2
  shift 2
  t new-session -d -s "$s" -x "$COLS" -y "$ROWS" "env LC_ALL=C.UTF-8 $* $STRATA '$img'; read -r x"
}
keys() { local s=$1; shift; t send-keys -t "$s" "$@"; }

# shoot SESSION NAME: the pane as text and as a PNG
shoot() {
  local s=$1 name=$2
  t capture-pane -p -t "$s" >"$OUT/$name.txt"
  t capture-pane -p -e -t "$s" >"$WORK/$name.ans"
  aha --black --title "strata: $name" <"$WORK/$name.ans" |
    sed 's|<pre>|<pre style="font-family: '"'"'DejaVu Sans Mono'"'"', monospace; font-size: 14px; line-height: 17px; margin: 8px;">|' \
      >"$WORK/$name.html"
  local w=$((COLS * 85 / 10 + 24)) h=$((ROWS * 17 + 24))
  "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$WORK/chrome-$name" \
    --screenshot="$OUT/$name.png" --window-size="$w,$h" "file://$WORK/$name.html" >/dev/null 2>&1
  [ -s "$OUT/$name.png" ] || { echo "screenshots.sh: no picture for $name" >&2; exit 1; }
  echo "screenshots/$name.png"
}

A=$REAL_DIR/a-single-stage.docker.tar
C=$REAL_DIR/c-leaked-secrets.docker.tar

# 1. the first full screen of the single-stage image: layers, final tree, findings
start a "$A"
wait_for a "Findings ("
wait_for a "Files after layer"
shoot a overview

# 2. the largest finding, opened: Enter jumps to the file at the layer that wrote it
keys a Tab Home Enter
wait_for a ", at layer"
shoot a finding-jump

# 3. one layer's changes only (the apt-get layer), added/modified/removed marked
keys a Tab Tab Home Down Down Down
wait_for a "Files after layer 1"
keys a Tab c
wait_for a "Changes of layer 1"
keys a Enter
shoot a layer-changes

# 4. the help screen, generated from the action table
keys a '?'
wait_for a "strata: keys"
shoot a help
keys a q q
t kill-session -t a

# 5. leaked secrets: the findings, then a file's content with the secret masked
if [ -r "$C" ]; then
  start c "$C"
  wait_for c "Findings ("
  keys c Tab
  wait_for c " Finding "
  shoot c secrets
  keys c Enter
  wait_for c ", at layer"
  keys c v
  wait_for c "q closes"
  shoot c secret-masked-viewer
  keys c q q
  t kill-session -t c
fi

# 6. monochrome (NO_COLOR): changes still readable through the + ~ - marks
start m "$A" NO_COLOR=1
wait_for m "Files after layer"
keys m Tab Tab Home Down Down Down Tab c
wait_for m "Changes of layer 1"
shoot m monochrome
keys m q
t kill-session -t m

# 7. a terminal below 80x24
t new-session -d -s small -x 70 -y 20 "env LC_ALL=C.UTF-8 $STRATA '$A'; read -r x"
wait_for small "terminal too small"
COLS=70 ROWS=20 shoot small too-small
t kill-session -t small
