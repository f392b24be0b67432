#!/usr/bin/env bash
# test_diff_view.sh: the split view of `strata diff A B`, driven headless in tmux (120x40): the
# totals, the category and package tables with their saving, the difference column and marks,
# folders labelled by what differs, keys, help, resize and signals of the main loop. The demo's
# screens are also golden files (tests/tui/test_golden.sh).
# Polls capture-pane until the expected text shows (no bare sleeps). Skips without the real
# images of ../shared/tools/make-real-images.sh (/var/tmp/strata-real) or without tmux; under
# CI=true that skip is a failure.
# Last line: `tui diff: N passed, M failed`; exit status non-zero on a failure.
set -uo pipefail
STRATA=${STRATA:-./strata}
case $STRATA in /*) ;; *) STRATA=$(cd "$(dirname "$STRATA")" && pwd)/$(basename "$STRATA") ;; esac
REAL_DIR=${REAL_DIR:-/var/tmp/strata-real}
A=$REAL_DIR/a-single-stage.docker.tar
B=$REAL_DIR/b-multi-stage.docker.tar
# pass, fail, skip NAME [REASON] (a failure under CI=true), finish (a suite that ran no case fails)
source "$(dirname "${BASH_SOURCE[0]}")/../harness.bash"
finish_exit() { finish "tui diff"; exit $?; }

if [ ! -x "$STRATA" ]; then fail "strata binary $STRATA missing (run make)"; finish_exit; fi
if ! command -v tmux > /dev/null; then skip "tui diff" "tmux not installed"; finish_exit; fi
if [ ! -f "$A" ] || [ ! -f "$B" ]; then
  skip "tui diff" "real images absent ($REAL_DIR): run ../shared/tools/make-real-images.sh $REAL_DIR"
  finish_exit
fi

SOCK=strata-diff-view-$$
T="tmux -L $SOCK"
trap '$T kill-server 2>/dev/null' EXIT
# keeps the server up between sessions (a new-session can race the exit of an empty server)
$T new-session -d -s keepalive -x 20 -y 5 "sleep 100000"
screen() { $T capture-pane -p -t dv 2>/dev/null; }

# wait_for TEXT [SECONDS]: poll the pane until TEXT (fixed string) shows
wait_for() {
  local deadline=$((SECONDS + ${2:-20}))
  while [ $SECONDS -lt $deadline ]; do
    screen | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
# wait_gone TEXT: poll until TEXT is no longer on screen
wait_gone() {
  local deadline=$((SECONDS + ${2:-10}))
  while [ $SECONDS -lt $deadline ]; do
    screen | grep -qF -- "$1" || return 0
    sleep 0.1
  done
  return 1
}
expect() { if wait_for "$2" "${3:-10}"; then pass "$1"; else fail "$1: '$2' never showed"; screen | sed 's/^/    | /'; fi; }
# expect_re WHAT REGEX: like expect, an extended regular expression on one line
expect_re() {
  local deadline=$((SECONDS + 10))
  while [ $SECONDS -lt $deadline ]; do
    screen | grep -qE -- "$2" && { pass "$1"; return; }
    sleep 0.1
  done
  fail "$1: /$2/ never matched"; screen | sed 's/^/    | /'
}
expect_gone() { if wait_gone "$2"; then pass "$1"; else fail "$1: '$2' still shown"; screen | sed 's/^/    | /'; fi; }
keys() { $T send-keys -t dv "$@"; }

start() {  # start X Y: a fresh session running strata diff X Y, then a marker with its exit code
  $T kill-session -t dv 2>/dev/null
  $T new-session -d -s dv -x 120 -y 40 \
    "env TERM=screen-256color LC_ALL=C.UTF-8 '$STRATA' diff '$1' '$2'; echo EXIT=\$?; sleep 600"
}

# ---------------------------------------------------------------- A vs B
start "$A" "$B"
expect "header leads with the totals and the saving" "strata diff  final 486 MB -> 117 MB, saved 369 MB (76%)" 30
expect "header: removable in both, file counts" "removable 286 MB -> 12.9 MB  files 11383 -> 4541"
expect "header: only in A / only in B / changed (singular for one)" "- only in A: 7348 files 368 MB   + only in B: 1 file 322 B   ~ changed: 25 files 6.83 MB -> 6.55 MB"
expect "sources named" "A  $A"
expect_re "category table: A, B and the saving, the largest saving first" "^ toolchain +233 MB +0 B +-233 MB  "
expect_re "category table: a category in both images" "^ pycache +24\\.2 MB +11\\.7 MB +-12\\.6 MB  "
expect_re "package table: a package only in A, most saved first" "  gcc-12 \\(deb\\) +69\\.3 MB +- +-69\\.3 MB$"
expect "tree sorted by saving by default" "sort:saving"
expect_re "the first row is /usr with its saving and every kind of difference below it" "^▸ usr +459 MB +-347 MB -\\+~ ▸ usr +112 MB$"
expect_re "/var: only-in-A and changed paths below, nothing only in B" "^▸ var +26\\.4 MB +-21\\.6 MB - ~ ▸ var +4\\.78 MB$"
expect "a folder is labelled by what differs below it (A)" "A  below: 459 MB in all, 6778 files only in A (347 MB), 8 changed (4.79 MB here)"
expect "a folder is labelled by what differs below it (B)" "B  below: 112 MB in all, 1 file only in B (322 B), 8 changed (4.78 MB here)"

# the mouse wheel (X10 encoding: ESC [ M, button 65 = wheel down, column 81, row 5, each +32)
# scrolls the pane under the pointer: three notches over the packages table move it two rows
wheel=$'\e[Ma'"q%"
$T send-keys -t dv -l "$wheel$wheel$wheel"
expect_re "the wheel over the packages table scrolls it" "^ toolchain .*  cpp-12 \\(deb\\) "
expect_re "and not the tree" "^▸ usr +459 MB"

keys U
expect_gone "U hides paths equal in both (boot)" "  boot "
expect "U: the flag shows" "-equal"
keys U
expect "U again shows them" "  boot "

keys /
expect "search prompt" "search:"
keys cc1plus Enter
expect "search opens folders and selects the match" " /usr/lib/gcc/x86_64-linux-gnu/12/cc1plus"
expect "the match traced to A's apt-get RUN" "A  layer 1: RUN apt-get update"
expect "not in B" "B  (not in this image)"
expect_re "a path only in A: its size, its saving, marked -, blank in B" "^ +cc1plus +35\\.5 MB +-35\\.5 MB -$"

keys s
expect "s sorts by size" "sort:size"
expect "s says so" "sorted by size"
keys s
expect "s again sorts by name" "sort:name"
keys g
expect_re "g goes to the first row (app, by name)" "^▸ app +56 B"
keys s

keys f
expect "filter prompt" "filter (empty Enter clears):"
keys lists Enter
expect "filter keeps the matching folders, opened" "lists"
expect "filter flag shows" "filter:lists"
expect "filter shows the apt lists, only in A" "deb.debian.org_debian_dists_bo"
keys G
expect "G goes to the last row (below /var/lib/apt/lists)" " /var/lib/apt/lists/partial"
expect "a folder only in A says so, not which layer touched it last" "A  only in A: 0 B in 0 files"
keys f BSpace BSpace BSpace BSpace BSpace Enter
expect_gone "an empty filter clears it" "filter:lists"

keys Tab Tab End
expect_re "Tab Tab focuses the packages; End shows the last one" "  zlib1g \\(deb\\) +121 kB +121 kB$"
keys Tab
keys z
expect "a key bound to nothing says so, as in the image view" "key z does nothing here"

keys '?'
expect "help lists the keys" "strata diff: keys (q, Esc or ? closes)"
expect "help names the hide toggles" "hide/show paths only in A (-)"
expect "help explains the difference column" "B - A: negative (green) is what the rewrite saved"
keys Escape
expect_gone "Esc closes the help" "strata diff: keys"

$T resize-window -t dv -x 70 -y 20 2>/dev/null || $T resize-pane -t dv -x 70 -y 20
expect "resize below 80x24: the image view's 'too small' screen" "terminal too small: 70x20, strata needs at least 80x24"
$T resize-window -t dv -x 120 -y 40 2>/dev/null || $T resize-pane -t dv -x 120 -y 40
expect "resize back: the view returns" "sort:saving"

keys q
expect "q quits with status 0" "EXIT=0"
expect_gone "the terminal is restored (alternate screen gone)" "strata diff  final"

# ---------------------------------------------------------------- self-diff
start "$A" "$A"
expect "self-diff: nothing differs" "- only in A: 0 files 0 B   + only in B: 0 files 0 B   ~ changed: 0 files" 30
expect "self-diff: same size" "final 486 MB -> 486 MB, same size"
keys U
expect "self-diff: hiding equal paths leaves nothing" "(nothing to show"

# ------------------------------------------- SIGTERM: restored, then dead of it (as the image view)
pid=$($T list-panes -t dv -F '#{pane_pid}')
spid=$(pgrep -P "$pid" | head -1)
if [ -n "$spid" ]; then
  kill -TERM "$spid"
  expect "SIGTERM: the view dies of it, as the image view does" "EXIT=143"
  expect_gone "SIGTERM: the terminal is restored" "strata diff  final"
else
  fail "could not find the strata process of the pane"
fi

finish_exit
