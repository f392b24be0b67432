# harness.bash: the counters and the skip rule of the shell suites (tests/e2e via common.bash,
# tests/tui/*.sh). Sourced, not run.
#
#   pass WHAT / fail WHAT          one case: "ok - WHAT" / "FAIL - WHAT"
#   skip NAME [REASON]             "SKIP NAME: REASON"; by hand a skip is shown and passes, but
#                                  under CI (CI set, not 0/false/no) a skip is a failure: CI
#                                  cannot go green by skipping what it was meant to run
#   finish LABEL                   "(N skipped: …)", "LABEL: P passed, F failed"; returns non-zero
#                                  on a failure, and when the suite ran no case at all (unless,
#                                  by hand, every case was skipped by name)
PASSED=0
FAILED=0
SKIPPED=0
SKIP_NAMES=""

harness_in_ci() { case "${CI:-}" in "" | 0 | false | no) return 1 ;; *) return 0 ;; esac; }
pass() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
skip() {
  local name=$1 reason=${2:-}
  local line="$name${reason:+: $reason}"
  if harness_in_ci; then
    fail "SKIP $line (CI=$CI: a skip is a failure)"
  else
    SKIPPED=$((SKIPPED + 1))
    SKIP_NAMES="$SKIP_NAMES${SKIP_NAMES:+; }$name"
    echo "SKIP $line"
  fi
}
finish() {
  [ "$SKIPPED" -gt 0 ] && echo "($SKIPPED skipped: $SKIP_NAMES)"
  if [ $((PASSED + FAILED + SKIPPED)) -eq 0 ]; then
    fail "$1: no case ran"
  fi
  echo "$1: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

# tmux_reap SOCKET: ends a test's tmux server and every process its panes started. Killing the
# server hangs up the panes, and a strata built with ASan that is exiting just then can be left
# spinning at full CPU in LeakSanitizer's leak check (its tracer child asleep, the pty gone,
# reparented to init): three such were found after clean-clone CI runs, burning both cores for
# the rest of the run. So the panes' process trees are noted first, the server is killed, and
# whatever of them has not ended within 5 s is killed outright.
tmux_reap() {
  local sock=$1 pids="" more p i
  more=$(tmux -L "$sock" list-panes -a -F '#{pane_pid}' 2>/dev/null)
  while [ -n "$more" ]; do          # the panes, their children, theirs, ...
    pids="$pids $more"
    p=$more; more=""
    for i in $p; do more="$more $(pgrep -P "$i" 2>/dev/null | tr '\n' ' ')"; done
    more=$(echo $more)
  done
  tmux -L "$sock" kill-server 2>/dev/null
  [ -n "$pids" ] || return 0
  for i in $(seq 50); do
    kill -0 $pids 2>/dev/null || return 0    # (any one alive keeps kill -0 true)
    read -r -t 0.1 <> <(:) 2>/dev/null || true
  done
  kill -KILL $pids 2>/dev/null
  return 0
}
