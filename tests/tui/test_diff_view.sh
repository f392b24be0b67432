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
trap 'tmux_reap "$SOCK"' EXIT
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

# ---------------------------------------------------------------- what the screens must show
# Figures follow the images as built (make-real-images.sh builds them afresh on a new machine and
# their bytes move from build to build): tests/tui/diff_view_facts.py takes the trees' figures
# from the images themselves (Python's tarfile, tests/e2e/final_fs.py), the header's from
# `strata diff --json` (checked against that reader by tests/e2e/test_diff.sh) and the package
# table from each image's own --json.
FACTS=$(mktemp -d "${TMPDIR:-/tmp}/strata-dv.XXXXXX")
trap 'tmux_reap "$SOCK"; rm -rf "$FACTS"' EXIT
if ! "$STRATA" diff --json "$A" "$B" > "$FACTS/ab.json" || ! "$STRATA" --json "$A" > "$FACTS/a.json" ||
   ! "$STRATA" --json "$B" > "$FACTS/b.json" ||
   ! python3 "$(dirname "${BASH_SOURCE[0]}")/diff_view_facts.py" "$A" "$B" "$FACTS/ab.json" \
       "$FACTS/a.json" "$FACTS/b.json" > "$FACTS/facts.sh"; then
  fail "could not work out what the view must show (strata --json, diff_view_facts.py)"; finish_exit
fi
# shellcheck disable=SC1091
source "$FACTS/facts.sh"
for v in HDR_TOTALS HDR_REMOVABLE HDR_COUNTS SELF_SIZE CAT_TOOLCHAIN_RE CAT_PYCACHE_RE PKG_FIRST_RE \
         PKG_THIRD_RE PKG_LAST_RE USR_ROW_RE VAR_ROW_RE USR_BELOW_A USR_BELOW_B CC1_RE CC1_LAYER APP_RE; do
  [ -n "${!v:-}" ] || { fail "diff_view_facts.py gave no $v"; finish_exit; }
done

# ---------------------------------------------------------------- A vs B
start "$A" "$B"
expect "header leads with the totals and the saving" "$HDR_TOTALS" 30
expect "header: removable in both, file counts" "$HDR_REMOVABLE"
expect "header: only in A / only in B / changed (singular for one)" "$HDR_COUNTS"
expect "sources named" "A  $A"
expect_re "category table: A, B and the saving, the largest saving first" "$CAT_TOOLCHAIN_RE"
expect_re "category table: a category in both images" "$CAT_PYCACHE_RE"
expect_re "package table: a package only in A, most saved first" "$PKG_FIRST_RE"
expect "tree sorted by saving by default" "sort:saving"
expect_re "the first row is /usr with its saving and every kind of difference below it" "$USR_ROW_RE"
expect_re "/var: only-in-A and changed paths below, nothing only in B" "$VAR_ROW_RE"
expect "a folder is labelled by what differs below it (A)" "$USR_BELOW_A"
expect "a folder is labelled by what differs below it (B)" "$USR_BELOW_B"

# the mouse wheel (X10 encoding: ESC [ M, button 65 = wheel down, column 81, row 5, each +32)
# scrolls the pane under the pointer: three notches over the packages table move it two rows
wheel=$'\e[Ma'"q%"
$T send-keys -t dv -l "$wheel$wheel$wheel"
expect_re "the wheel over the packages table scrolls it" "^ toolchain .*$PKG_THIRD_RE"
expect_re "and not the tree" "$USR_ROW_RE"

keys U
expect_gone "U hides paths equal in both (boot)" "  boot "
expect "U: the flag shows" "-equal"
keys U
expect "U again shows them" "  boot "

keys /
expect "search prompt" "search:"
keys cc1plus Enter
expect "search opens folders and selects the match" " /usr/lib/gcc/x86_64-linux-gnu/12/cc1plus"
expect "the match traced to A's apt-get RUN" "A  layer $CC1_LAYER: RUN apt-get update"
expect "not in B" "B  (not in this image)"
expect_re "a path only in A: its size, its saving, marked -, blank in B" "$CC1_RE"

keys s
expect "s sorts by size" "sort:size"
expect "s says so" "sorted by size"
keys s
expect "s again sorts by name" "sort:name"
keys g
expect_re "g goes to the first row (app, by name)" "$APP_RE"
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
expect_re "Tab Tab focuses the packages; End shows the last one" "$PKG_LAST_RE"
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
expect "self-diff: same size" "$SELF_SIZE"
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
