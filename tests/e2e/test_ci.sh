#!/usr/bin/env bash
# test_ci.sh: --ci (rules, thresholds from flags and from the config file, exit codes) and
# --sarif (SARIF 2.1.0, one result per secret finding, values masked) on the bundled demo image,
# whose figures are known: efficiency 94.2 %, removable 21.1 %, secrets at critical and high.
source "$(dirname "$0")/common.bash"
require_strata "e2e ci"
W=$WORKDIR
DEMO=$ROOT/demo/demo.tar
KEY=AKIAQX7T3DEMOKEY2K9Z
ci() { "$STRATA" --ci "$@" "$DEMO" > "$W/out" 2> "$W/err" < /dev/null; echo $?; }

check "defaults: secrets fail the run, exit 2" "$(ci)" 2
grep -q '^  FAIL  .*secret' "$W/out"; check "defaults: the secret rule says FAIL" $? 0
grep -q '^FAIL' "$W/out"; check "defaults: a verdict line" $? 0

check "lenient flags pass, exit 0" \
  "$(ci --fail-on-secret none --lowest-efficiency 0.5 --highest-removable-percent 50)" 0
grep -q '^PASS' "$W/out"; check "lenient flags: PASS verdict" $? 0

check "efficiency above 0.95 required: exit 2" \
  "$(ci --fail-on-secret none --lowest-efficiency 0.95 --highest-removable-percent 50)" 2
grep -q 'FAIL  efficiency 94.2%' "$W/out"; check "efficiency rule names the figure" $? 0

check "removable bytes over 1 kB: exit 2" \
  "$(ci --fail-on-secret none --lowest-efficiency 0.5 --highest-removable-percent 50 --highest-removable-bytes 1kB)" 2
grep -q 'FAIL  removable 866 kB' "$W/out"; check "removable-bytes rule names the figure" $? 0

printf 'fail-on-secret = none\nlowest-efficiency = 0.5\nhighest-removable-percent = 30\n' > "$W/ok.conf"
check "thresholds from --config: exit 0" "$(ci --config "$W/ok.conf")" 0
check "a flag overrides the config file: exit 2" "$(ci --config "$W/ok.conf" --highest-removable-percent 5)" 2

check "bad threshold value: usage error 64" "$(ci --lowest-efficiency 2)" 64
check "unreadable config: exit 1" "$(ci --config "$W/none.conf")" 1
check "unreadable config: one line on stderr" "$(wc -l < "$W/err")" 1

# SARIF
"$STRATA" --json --sarif "$W/s.sarif" "$DEMO" > "$W/j.json" 2>/dev/null < /dev/null
check "--sarif with --json: exit 0" $? 0
check "SARIF: there are results to compare" "$(jq '.runs[0].results | length > 0' "$W/s.sarif")" true
check "SARIF version 2.1.0" "$(jq -r .version "$W/s.sarif")" 2.1.0
check "SARIF: one result per secret finding" \
  "$(jq '.runs[0].results | length' "$W/s.sarif")" "$(jq '.secrets | length' "$W/j.json")"
check "SARIF: rule ids as in --json" \
  "$(jq -c '[.runs[0].results[].ruleId] | sort' "$W/s.sarif")" "$(jq -c '[.secrets[].rule] | sort' "$W/j.json")"
check "SARIF: every ruleIndex points at its rule" \
  "$(jq '[.runs[0] as $r | $r.results[] | ($r.tool.driver.rules[.ruleIndex].id == .ruleId)] | all' "$W/s.sarif")" true
check "SARIF: the deleted .env is reported as not visible" \
  "$(jq '[.runs[0].results[] | select(.ruleId == "aws-access-key-id") | .properties.visible] | first' "$W/s.sarif")" false
grep -qF "$KEY" "$W/s.sarif"; check "SARIF: the key is never written whole" $? 1
"$STRATA" --sarif "$W/s2.sarif" --show-secrets --json "$DEMO" > /dev/null 2>&1 < /dev/null
grep -qF "$KEY" "$W/s2.sarif"; check "SARIF --show-secrets: the key is shown" $? 0

finish "e2e ci"
