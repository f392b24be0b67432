# common.bash: sourced by tests/e2e/test_*.sh (not a test itself: `make e2e` runs only *.sh).
# Sets HERE, ROOT, SHARED, PEERS, STRATA, WORKDIR (removed on exit) and the check counters.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/../shared" 2>/dev/null && pwd || echo "$ROOT/../shared")}
PEERS=$SHARED/fixtures/peers
REAL_DIR=${REAL_DIR:-/var/tmp/strata-real}
D26_DIR=${D26_DIR:-/var/tmp/strata-d26}
STRATA=${STRATA:-./strata}
case $STRATA in /*) ;; *) STRATA=$(cd "$(dirname "$STRATA")" && pwd)/$(basename "$STRATA") ;; esac
TIMEOUT=${E2E_TIMEOUT:-20}
WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/strata-e2e.XXXXXX")
trap 'rm -rf "$WORKDIR"' EXIT
PASSED=0
FAILED=0
SKIPPED=0

pass() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP: $*"; }
# check WHAT GOT WANT
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi; }

# tally OUTPUT_FILE: echo a compare.py output and add its ok/FAIL lines to the counters
tally() {
  cat "$1"
  PASSED=$((PASSED + $(grep -c '^ok - ' "$1")))
  FAILED=$((FAILED + $(grep -c '^FAIL - ' "$1")))
}

# finish LABEL: the closing line, and the exit status
finish() {
  [ "$SKIPPED" -gt 0 ] && echo "($SKIPPED skipped)"
  echo "$1: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

require_strata() {
  if [ ! -x "$STRATA" ]; then
    fail "strata binary $STRATA is missing (run make)"
    finish "${1:-e2e}"; exit 1
  fi
}
