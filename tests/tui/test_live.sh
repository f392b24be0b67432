#!/usr/bin/env bash
# test_live.sh: the loading screen while the image is still being read (ui/load.c).
#   STRATA=./strata bash tests/tui/test_live.sh
# Without racing the clock: a seekable image is held by the reader right after its manifest
# (STRATA_TEST_HOLD_LAYERS=FILE, a hook for tests in ui/load.c) until the test creates FILE; a
# streamed one comes through a named pipe that a writer fills half, then finishes only when told.
# Image: ../shared/fixtures/peers/test-docker-image.tar (14 layers, 15 history rows; skipped by
# name when absent; under CI=true a skip is a failure).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STRATA=${STRATA:-./strata}
case $STRATA in /*) ;; *) STRATA=$(cd "$(dirname "$STRATA")" && pwd)/$(basename "$STRATA") ;; esac
PEER=${PEER:-$ROOT/../shared/fixtures/peers/test-docker-image.tar}
SOCK=strata-live-$$
TIMEOUT=${TUI_TIMEOUT:-20}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-live.XXXXXX")
WRITER=
source "$HERE/../harness.bash"

cleanup() {
  [ -n "$WRITER" ] && kill "$WRITER" 2>/dev/null
  tmux_reap "$SOCK"
  rm -rf "$WORK"
}
trap cleanup EXIT

source "$HERE/tmux.bash"   # t, screen, wait_for, ...

# check NAME COMMAND...: pass when the command succeeds, else fail with the screen
check() {
  local name=$1 s=$2
  shift 2
  if "$@"; then pass "$name"; else fail "$name"; screen "$s" | sed 's/^/    | /'; fi
}
on_screen() { screen "$1" | grep -qF -- "$2"; }
not_on_screen() { ! screen "$1" | grep -qF -- "$2"; }

if [ ! -f "$PEER" ]; then
  skip "live loading screen" "no $PEER"
  finish test_live.sh
  exit $?
fi

# ---------------------------------------------------------------- seekable: the manifest's layer list at once
GO=$WORK/go
t new-session -d -s seek -x 100 -y 24 \
  "STRATA_TEST_HOLD_LAYERS='$GO' '$STRATA' '$PEER'; echo STRATA-EXITED; sleep 100000"
check "layers pane from the manifest while no layer is read" seek wait_for seek "Layers (15, from the manifest; sizes as stored)"
check "progress bar still running: bytes and layers" seek on_screen seek "reading 0 B of 1.47 MB (0%), layers 0 of 14"
check "the manifest's instructions: ADD with its path" seek on_screen seek "ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in /"
# before the analysis no secret is known: RUN lines show their keyword only
check "RUN text held back until analysed" seek on_screen seek "RUN …"
check "no RUN text before the analysis" seek not_on_screen seek "RUN cp /somefile"
check "the first row selected" seek on_screen seek "row 1 of 15: layer 0"
t send-keys -t seek j j
check "j answers while loading (selection on row 3, layer 1)" seek wait_for seek "row 3 of 15: layer 1 "
t send-keys -t seek G
check "G answers while loading (last row)" seek wait_for seek "row 15 of 15: layer 13 "
t send-keys -t seek k
check "k answers while loading" seek wait_for seek "row 14 of 15: layer 12 "
check "still loading after the keys (no tree yet)" seek not_on_screen seek "Files after layer"
touch "$GO"
check "the view once every layer is read" seek wait_for seek "Files after layer"
check "the view's layers pane replaces the preview" seek wait_for seek "Layers (15, 14 with files"
check "RUN text shown once analysed" seek on_screen seek "RUN cp /somefile"
t send-keys -t seek q
check "q quits the view" seek wait_for seek "STRATA-EXITED"

# ---------------------------------------------------------------- the tree while loading
# STRATA_TEST_HOLD_STACKED=2:FILE holds the reader once layers 0 and 1 are stacked and that tree
# is published (ui/load.c), until FILE exists.
GO3=$WORK/go3
t new-session -d -s tree -x 100 -y 30 \
  "STRATA_TEST_HOLD_STACKED='2:$GO3' '$STRATA' '$PEER'; echo STRATA-EXITED; sleep 100000"
check "partial tree: the layers pane says how many are stacked" tree wait_for tree "Layers (15, 2 of 14 stacked so far)"
check "partial tree: the files after layer 1" tree on_screen tree "Files after layer 1, by size"
check "partial tree: layer 1's file is in it" tree on_screen tree "somefile.txt"
check "partial tree: progress still shown (bytes, layers)" tree on_screen tree "files shown to layer 1"
check "partial tree: findings wait for the analysis" tree on_screen tree "Findings (once analysed)"
check "partial tree: nothing of layer 2 on (its /root/example)" tree not_on_screen tree "example"
check "partial tree: RUN text still held back" tree not_on_screen tree "RUN cp /somefile"
# the tree pane has the focus: bin/, somefile.txt, etc/ by size; open etc/
t send-keys -t tree j j Enter
check "partial tree: keys work (etc/ opened)" tree wait_for tree "passwd"
t send-keys -t tree j
check "partial tree: the selection moves (details of /etc/passwd)" tree wait_for tree "│ /etc/passwd "
touch "$GO3"
check "complete: the loaded view follows" tree wait_for tree "Layers (15, 14 with files"
check "complete: files after the last layer" tree wait_for tree "Files after layer 13"
check "complete: the folder opened while loading is still open" tree on_screen tree "passwd"
check "complete: the selection survived (details of /etc/passwd)" tree on_screen tree "│ /etc/passwd "
check "complete: findings analysed" tree wait_for tree "waste)"
check "complete: RUN text shown once analysed" tree on_screen tree "RUN cp /somefile"
t send-keys -t tree q
check "complete: q quits" tree wait_for tree "STRATA-EXITED"

# a search made while loading stays with the loaded view: its "match 1 of N" on the status line,
# and n goes on with it (the view is rebuilt when the reader is done)
rm -f "$GO3"
t new-session -d -s srch -x 100 -y 30 \
  "STRATA_TEST_HOLD_STACKED='2:$GO3' '$STRATA' '$PEER'; echo STRATA-EXITED; sleep 100000"
check "search while loading: the partial tree" srch wait_for srch "Layers (15, 2 of 14 stacked so far)"
t send-keys -t srch / p a s s w d Enter
check "search while loading: Enter shows the match" srch wait_for srch '"passwd": match 1 of'
touch "$GO3"
check "search while loading: the loaded view follows" srch wait_for srch "waste)"
check "search while loading: the match stays on the status line" srch on_screen srch '"passwd": match 1 of'
t send-keys -t srch n
check "search while loading: n goes on with it in the loaded view" srch wait_for srch '"passwd": match 2 of'
t send-keys -t srch q
check "search while loading: q quits" srch wait_for srch "STRATA-EXITED"

# ---------------------------------------------------------------- typed ahead on the loading screen
# Once a key is typed for the view, the ones after it are kept for it in order, j/k/q included:
# "/network" and Enter typed while the reader is held at the manifest must reach the view as a
# search (its k must not move the layer list), and find /etc/network.
rm -f "$GO"
t new-session -d -s ahead -x 100 -y 30 \
  "STRATA_TEST_HOLD_LAYERS='$GO' '$STRATA' '$PEER'; echo STRATA-EXITED; sleep 100000"
check "typed ahead: the loading screen first" ahead wait_for ahead "Layers (15, from the manifest; sizes as stored)"
t send-keys -t ahead G
check "typed ahead: G first moves the layer list (not kept)" ahead wait_for ahead "row 15 of 15: layer 13 "
t send-keys -t ahead / n e t w o r k Enter
check "typed ahead: all 9 keys kept for the view" ahead wait_for ahead "9 keys kept for the view"
check "typed ahead: the k did not move the layer list" ahead on_screen ahead "row 15 of 15: layer 13 "
touch "$GO"
check "typed ahead: the search ran in the view (details of /etc/network)" ahead wait_for ahead "│ /etc/network "
check "typed ahead: then the loaded view" ahead wait_for ahead "Layers (15, 14 with files"
check "typed ahead: the found folder still selected" ahead on_screen ahead "│ /etc/network "
t send-keys -t ahead q
check "typed ahead: q quits" ahead wait_for ahead "STRATA-EXITED"

# q while loading leaves at once (the reader is left to the process exit)
rm -f "$GO"
t new-session -d -s quit -x 100 -y 24 \
  "STRATA_TEST_HOLD_LAYERS='$GO' '$STRATA' '$PEER'; echo STRATA-EXITED; sleep 100000"
wait_for quit "Layers (15, from the manifest" || true
t send-keys -t quit q
check "q quits while loading" quit wait_for quit "STRATA-EXITED"

# STRATA_KEYLOG (what bench/keys.py times keys by): a "ready" line when each view starts, and a
# "key" line with the key's code once its effect is drawn
KL=$WORK/keylog
t new-session -d -s klog -x 100 -y 30 "STRATA_KEYLOG='$KL' '$STRATA' '$PEER'; echo STRATA-EXITED; sleep 100000"
check "keylog: the loaded view" klog wait_for klog "waste)"
t send-keys -t klog j
kl_key() { local end=$((SECONDS + TIMEOUT)); while [ $SECONDS -lt $end ]; do grep -Eq '^key loaded 106 [0-9]+\.[0-9]{9}$' "$KL" && return 0; read -r -t 0.05 <> <(:) 2>/dev/null || true; done; return 1; }
check "keylog: the j once drawn (key loaded 106 SEC.NSEC)" klog kl_key
check "keylog: the loaded view's start (ready loaded SEC.NSEC)" klog grep -Eq '^ready loaded [0-9]+\.[0-9]{9}$' "$KL"
# what was ready before the keys: the findings pane's groups from the reader, and the layer
# below the one shown, built by the prefetch thread and taken before '[' asks for it
check "keylog: the findings groups came from the reader" klog grep -Eq '^groups loaded reader [0-9]+\.' "$KL"
kl_wait() { local end=$((SECONDS + TIMEOUT)); while [ $SECONDS -lt $end ]; do grep -Eq "$1" "$KL" && return 0; read -r -t 0.05 <> <(:) 2>/dev/null || true; done; return 1; }
TOP=$(sed -n 's/^layer loaded \([0-9]*\) .*/\1/p' "$KL" | head -1)   # the loaded view's first
check "keylog: the tree opens on the top layer (layer loaded N)" klog test -n "$TOP"
BELOW=$((${TOP:-1} - 1))
check "keylog: the layer below it prefetched" klog kl_wait "^prefetched loaded $BELOW [0-9]+\."
t send-keys -t klog '['
check "keylog: [ finds that layer cached" klog kl_wait "^layer loaded $BELOW cached [0-9]+\."
check "keylog: and [ is drawn" klog kl_wait '^key loaded 91 [0-9]+\.'
t send-keys -t klog q
check "keylog: q quits" klog wait_for klog "STRATA-EXITED"

# ---------------------------------------------------------------- streamed: the list comes with the manifest
# A named pipe read in one pass: the writer sends the first 300 kB (of 1.5 MB), then the rest
# slowly once GO2 exists.
FIFO=$WORK/image.pipe
GO2=$WORK/go2
mkfifo "$FIFO"
python3 - "$PEER" "$FIFO" "$GO2" <<'PY' &
import os, sys, time
src, fifo, go = sys.argv[1:4]
data = open(src, "rb").read()
with open(fifo, "wb", buffering=0) as out:
    out.write(data[:300000])
    while not os.path.exists(go):
        time.sleep(0.02)
    for i in range(300000, len(data), 65536):
        out.write(data[i:i + 65536])
        time.sleep(0.01)   # a slow source; nothing is timed
PY
WRITER=$!
t new-session -d -s stream -x 100 -y 24 "'$STRATA' '$FIFO'; echo STRATA-EXITED; sleep 100000"
check "streamed: says when the layer list comes" stream wait_for stream "layer list known when the archive's manifest arrives"
check "streamed: progress shows bytes read" stream on_screen stream "reading "
check "streamed: no layer list before the manifest" stream not_on_screen stream "Layers ("
touch "$GO2"
check "streamed: the view once the stream ends" stream wait_for stream "Files after layer"
check "streamed: the same layers as the file" stream wait_for stream "Layers (15, 14 with files"
t send-keys -t stream q
check "streamed: q quits the view" stream wait_for stream "STRATA-EXITED"
wait "$WRITER" 2>/dev/null
WRITER=

finish test_live.sh
