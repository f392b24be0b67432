#!/usr/bin/env bash
# README promises: its key table is `strata --keys` (generated from the bindings), and its two
# set-up commands exist and are the ones CI runs.
set -u
cd "$(dirname "$0")/../.."
STRATA=${STRATA:-./strata}
pass=0 fail=0
check() { if [ "$1" = 0 ]; then echo "ok - $2"; pass=$((pass + 1)); else echo "FAIL - $2"; fail=$((fail + 1)); fi; }

diff <(sed -n '/<!-- keys:begin -->/,/<!-- keys:end -->/p' README.md | sed '1d;$d') <("$STRATA" --keys) >/dev/null
check $? "README key table == strata --keys"
grep -q '^bash scripts/test.sh' README.md && [ -f scripts/test.sh ]; check $? "README names scripts/test.sh"
grep -q '^bash scripts/demo.sh' README.md && [ -f scripts/demo.sh ]; check $? "README names scripts/demo.sh"
grep -q 'scripts/test.sh' .ci/run; check $? ".ci/run runs the README's test command"
grep -q 'demo/demo.tar' scripts/demo.sh && [ -s demo/demo.tar ]; check $? "the demo image is bundled"
! grep -q 'PLACEHOLDER' README.md; check $? "no placeholder left in README"
echo "e2e readme: $pass passed, $fail failed"
[ "$fail" = 0 ]
