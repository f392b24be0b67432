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
