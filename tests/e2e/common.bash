# common.bash: sourced by tests/e2e/test_*.sh (not a test itself: `make e2e` runs only *.sh).
# Sets HERE, ROOT, SHARED, PEERS, STRATA, WORKDIR (removed on exit) and the check counters
# (tests/harness.bash: under CI=true a skip is a failure, and a suite that ran no case fails).
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
# pass, fail, skip NAME [REASON] (a failure under CI=true), finish LABEL (no case run fails)
source "$HERE/../harness.bash"
# check WHAT GOT WANT
check() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi; }

# tally OUTPUT_FILE: echo a compare.py output and add its ok/FAIL lines to the counters
tally() {
  cat "$1"
  PASSED=$((PASSED + $(grep -c '^ok - ' "$1")))
  FAILED=$((FAILED + $(grep -c '^FAIL - ' "$1")))
}


require_strata() {
  if [ ! -x "$STRATA" ]; then
    fail "strata binary $STRATA is missing (run make)"
    finish "${1:-e2e}"; exit 1
  fi
}
