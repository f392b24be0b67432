#!/usr/bin/env bash
# test_golden.sh: whole screens of the interactive view, compared with committed golden files.
#
#   bash tests/tui/test_golden.sh                      compare every scene (make tui runs it)
#   make golden      (= UPDATE_GOLDEN=1 bash tests/tui/test_golden.sh)
#                    rewrite tests/tui/golden/*.txt from the current binary; review with git diff
#   GOLDEN_ONLY='help diff' bash tests/tui/test_golden.sh   only the scenes named
#   SHOTS=DIR ...    also keep each scene's screen with its colours (capture-pane -e) as
#                    DIR/NAME.ans; scripts/screenshots.sh (make screenshots) turns them into PNGs
#
# After a change that moves what a screen shows, run `make golden` and commit the new golden files
# with the change: the diff of tests/tui/golden/ is the review of the screens.
#
# Each scene runs ./strata in tmux at a fixed size (120x40, 80x24, 70x20 for "too small"), with
# TERM=screen-256color, LC_ALL=C.UTF-8, no NO_COLOR, in an empty folder (no .strata.conf) where the
# images have short relative names, on deterministic fixtures: the committed demo image
# (demo/demo.tar) and its "multi-stage rewrite" made from it by tests/tui/make_demo_slim.py. A
# scene waits until its text is on screen and the screen stops changing (no bare sleeps, nothing
# timed on screen), captures it (capture-pane -p) and compares it with tests/tui/golden/NAME.txt;
# a mismatch prints a unified diff. Last line: `tui golden: N passed, M failed`.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STRATA=${STRATA:-$ROOT/strata}
case $STRATA in /*) ;; *) STRATA=$(cd "$(dirname "$STRATA")" && pwd)/$(basename "$STRATA") ;; esac
DEMO=${DEMO:-$ROOT/demo/demo.tar}
GOLDEN=${GOLDEN:-$HERE/golden}
UPDATE=${UPDATE_GOLDEN:-0}
ONLY=${GOLDEN_ONLY:-}
SHOTS=${SHOTS:-}
TIMEOUT=${TUI_TIMEOUT:-30}
SOCK=strata-golden-$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-golden.XXXXXX")
# pass, fail, skip NAME [REASON] (a failure under CI=true), finish (a suite that ran no case fails)
source "$HERE/../harness.bash"
cleanup() { tmux_reap "$SOCK"; rm -rf "$WORK"; }
trap cleanup EXIT
finish_exit() { finish "tui golden"; exit $?; }

if [ ! -x "$STRATA" ]; then fail "strata binary $STRATA missing (run make)"; finish_exit; fi
if ! command -v tmux >/dev/null; then skip "tui golden" "tmux not installed"; finish_exit; fi
if [ ! -r "$DEMO" ]; then fail "demo image $DEMO missing"; finish_exit; fi
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
ln -s "$DEMO" "$WORK/demo.tar"
if ! "$PY" "$HERE/make_demo_slim.py" "$DEMO" "$WORK/slim.tar"; then
  fail "make_demo_slim.py could not make the rewrite of the demo"; finish_exit
fi
mkdir -p "$GOLDEN"
[ -n "$SHOTS" ] && mkdir -p "$SHOTS"

t() { tmux -L "$SOCK" -f /dev/null "$@"; }
# A session that lives as long as the test: killing the last session makes the server exit, and
# a new-session racing that exit fails.
t new-session -d -s keepalive -x 20 -y 5 "sleep 100000"
S=""          # the current scene's session
SKIP_SCENE=0  # 1: the session is not in GOLDEN_ONLY's list

wanted() { [ -z "$ONLY" ] && return 0; case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
screen() { t capture-pane -p -t "$S" 2>/dev/null; }

# open SESSION COLS ROWS [VAR=VALUE...] -- ARGS...: strata ARGS in $WORK, then a marker line
open() {
  local s=$1 cols=$2 rows=$3
  shift 3
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  local q="" a
  for a in "$@"; do q+=" '$a'"; done
  S=$s
  t new-session -d -s "$s" -x "$cols" -y "$rows" -c "$WORK" \
    "env -u NO_COLOR -u COLORFGBG TERM=screen-256color LC_ALL=C.UTF-8 ${envs[*]} '$STRATA'$q; echo EXIT=\$?; sleep 100000"
}
press() { t send-keys -t "$S" "$@"; }
close() { t kill-session -t "$S" 2>/dev/null; S=""; }

# settle TEXT: waits until TEXT (a fixed string) is on screen and two captures 200 ms apart agree
settle() {
  local end=$((SECONDS + TIMEOUT)) a b
  while [ $SECONDS -lt $end ]; do
    a=$(screen)
    if grep -qF -- "$1" <<<"$a"; then
      read -r -t 0.2 <> <(:) 2>/dev/null || true
      b=$(screen)
      [ "$a" = "$b" ] && return 0
    else
      read -r -t 0.05 <> <(:) 2>/dev/null || true
    fi
  done
  return 1
}

# shot NAME TEXT: the scene NAME once TEXT shows, compared with (or written to) golden/NAME.txt
shot() {
  local name=$1 text=$2
  wanted "$name" || return 0
  if ! settle "$text"; then
    fail "$name: '$text' never showed (or the screen never settled)"
    screen | sed 's/^/    | /'
    return 0
  fi
  screen >"$WORK/$name.txt"
  if [ -n "$SHOTS" ]; then
    t capture-pane -p -e -t "$S" >"$SHOTS/$name.ans"
    t display-message -p -t "$S" "# size $name #{pane_width} #{pane_height}" >>"$SHOTS/sizes"
  fi
  if [ "$UPDATE" = 1 ]; then
    if cmp -s "$WORK/$name.txt" "$GOLDEN/$name.txt"; then pass "$name: unchanged"
    else cp "$WORK/$name.txt" "$GOLDEN/$name.txt"; pass "$name: golden/$name.txt written"; fi
  elif [ ! -f "$GOLDEN/$name.txt" ]; then
    fail "$name: no golden/$name.txt (make golden writes it)"
  elif diff -u --label "golden/$name.txt" --label "screen" "$GOLDEN/$name.txt" "$WORK/$name.txt" >"$WORK/$name.diff"; then
    pass "$name"
  else
    fail "$name: the screen differs from golden/$name.txt (make golden rewrites it)"
    cat "$WORK/$name.diff"
  fi
}

# ---------------------------------------------------------------- the main view, 120x40
# (the files pane has the focus at start; Tab: findings, Tab again: layers)
open main 120 40 -- demo.tar
shot overview "Findings (4 secrets"
press Enter
shot tree-open "▾ bin/"
press Enter Tab
shot findings "Findings ("
press Home Down Enter
shot finding-jump ", at layer"
press v
shot secret-viewer "q closes"
press q '?'
shot help "strata: keys"
press Escape q
close

open layers 120 40 -- demo.tar
settle "Findings (4 secrets" >/dev/null   # analysed: keys sent while loading act on the loading view
press Tab Tab Home Down Down
shot layer-select "Files after layer 1"
press Tab c
shot layer-changes "Changes of layer 1"
press q
close

open search 120 40 -- demo.tar
settle "Findings (4 secrets" >/dev/null   # analysed: keys sent while loading act on the loading view
press / s e t t i n g s
shot search-prompt "settings"
press Enter
shot search "match 1 of"
press q
close

open filter 120 40 -- demo.tar
settle "Findings (4 secrets" >/dev/null   # analysed: keys sent while loading act on the loading view
press f d a t a
shot filter-prompt "data"
press Enter
shot filter "filter"
press q
close

# a file's details and its content in the viewer
open viewer 120 40 -- demo.tar
settle "Findings (4 secrets" >/dev/null   # analysed: keys sent while loading act on the loading view
press / d a t a s e t Enter
shot details "dataset.csv"
press v
shot viewer "q closes"
press q q
close

# ---------------------------------------------------------------- 80x24, too small, no colour
open small 80 24 -- demo.tar
shot overview-80x24 "Findings (4 secrets"
press q
close
open tiny 70 20 -- demo.tar
shot too-small "too small"
press q
close
open mono 120 40 NO_COLOR=1 -- demo.tar
settle "Findings (4 secrets" >/dev/null   # analysed: keys sent while loading act on the loading view
press Tab Tab Home Down Down Tab c
shot monochrome "Changes of layer 1"
press q
close

# ---------------------------------------------------------------- strata diff demo.tar slim.tar
open diff 120 40 -- diff demo.tar slim.tar
shot diff "strata diff"
press '?'
shot diff-help "strata diff: keys"
press Escape
press / d a t a s e t Enter
shot diff-search "dataset.csv"
press s s f l i s t s Enter
shot diff-filter "filter:lists"
press Tab
shot diff-tables "Waste categories (4)"
press q
close
open diff80 80 24 -- diff demo.tar slim.tar
shot diff-80x24 "strata diff"
press q
close

finish_exit
