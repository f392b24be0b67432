#!/usr/bin/env bash
# The CI recipes of docs/ci run here, as their CI would run them, against the demo image (secrets:
# the CI rules fail) and a clean peer image (they pass):
#   GitHub Actions: the steps whose id starts with "strata", each as `bash -eo pipefail`, and the
#     SARIF file the upload step names; GitLab CI: the job's script lines in one shell that stops at
#     the first failure, and its secret_detection report against GitLab's required fields;
#   the fleet loop (docs/ci/fleet.sh): independent jobs with xargs -P, merged with jq.
source "$(dirname "$0")/common.bash"
require_strata "e2e recipes"
python3 -c 'import yaml' 2>/dev/null || { fail "python3-yaml is not installed (scripts/deps.sh installs it)"; finish "e2e recipes"; exit 1; }
DOCS=$ROOT/docs/ci
DEMO=$ROOT/demo/demo.tar
CLEAN=$PEERS/test-docker-image.tar
[ -f "$CLEAN" ] || { fail "peer fixture $CLEAN is missing"; finish "e2e recipes"; exit 1; }
mkdir -p "$WORKDIR/bin"; ln -s "$STRATA" "$WORKDIR/bin/strata"
export PATH=$WORKDIR/bin:$PATH
# the secret the demo hides, unmasked: no report of a recipe may contain it
RAW=$(strata --json --show-secrets "$DEMO" | jq -r '.secrets[] | select(.rule == "aws-access-key-id") | .match' | head -n 1)
[ ${#RAW} -ge 16 ] || fail "no unmasked AWS key read from the demo image"

# ---- GitHub Actions
# gh.py FILE: the strata steps as "id<TAB>base64(run)", then facts of the workflow as key=value
cat > "$WORKDIR/gh.py" <<'PY'
import base64, sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
steps = [s for j in w["jobs"].values() for s in j["steps"]]
for s in steps:
    if str(s.get("id", "")).startswith("strata"):
        print("step\t%s\t%s" % (s["id"], base64.b64encode(s["run"].encode()).decode()))
up = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif")]
print("upload_sarif_file\t" + (up[0]["with"]["sarif_file"] if up else ""))
print("upload_if\t" + (str(up[0].get("if", "")) if up else ""))
print("security_events\t" + str(w.get("permissions", {}).get("security-events", "")))
print("image_env\t" + str(w.get("env", {}).get("IMAGE", "")))
PY
gh_run() {   # gh_run IMAGE DIR: every strata step, in order; prints "id exit" lines
  local img=$1 dir=$2; mkdir -p "$dir"
  while IFS=$'\t' read -r kind id b64; do
    [ "$kind" = step ] || continue
    echo "$b64" | base64 -d > "$dir/$id.sh"
    (cd "$dir" && IMAGE=$img bash --noprofile --norc -eo pipefail "$dir/$id.sh" > "$dir/$id.out" 2>&1)
    echo "$id $?"
  done < "$WORKDIR/gh.facts"
}
if python3 "$WORKDIR/gh.py" "$DOCS/github-actions.yml" > "$WORKDIR/gh.facts"; then
  pass "docs/ci/github-actions.yml parses as YAML"
else
  fail "docs/ci/github-actions.yml does not parse"
fi
fact() { awk -F'\t' -v k="$1" '$1 == k {print $2}' "$WORKDIR/gh.facts"; }
check "github: strata steps found" "$(grep -c '^step' "$WORKDIR/gh.facts")" 2
check "github: the SARIF upload runs even when --ci failed" "$(fact upload_if)" "always()"
check "github: permissions security-events: write" "$(fact security_events)" write
G=$WORKDIR/gh-demo
check "github on the demo image: report step passes, CI step fails (exit 2)" "$(gh_run "$DEMO" "$G" | tr '\n' ' ')" "strata-report 0 strata-ci 2 "
SARIF=$G/$(fact upload_sarif_file)
jq -e '.version == "2.1.0" and (.runs[0].results | length) > 0 and (.runs[0].tool.driver.name | test("strata"))' "$SARIF" >/dev/null 2>&1
check "github: the uploaded file ($(fact upload_sarif_file)) is SARIF 2.1.0 with results" $? 0
python3 "$HERE/validate_schema.py" "$ROOT/schema/strata-1.schema.json" "$G/strata.json" >/dev/null
check "github: the kept strata.json is a valid strata/1 report" $? 0
grep -rqF -- "$RAW" "$G"; check "github: no output holds the unmasked secret" $? 1
G2=$WORKDIR/gh-clean
check "github on a clean image: both steps pass" "$(gh_run "$CLEAN" "$G2" | tr '\n' ' ')" "strata-report 0 strata-ci 0 "
jq -e '.runs[0].results == []' "$G2/$(fact upload_sarif_file)" >/dev/null 2>&1
check "github: a clean image uploads an empty SARIF run" $? 0

# ---- GitLab CI
cat > "$WORKDIR/gl.py" <<'PY'
import sys, yaml
j = yaml.safe_load(open(sys.argv[1]))["strata"]
print("\n".join(j["script"]))
sys.stderr.write("%s\t%s\t%s\n" % (j["artifacts"]["reports"]["secret_detection"], j["artifacts"].get("when", ""),
                                   j.get("variables", {}).get("IMAGE", "")))
PY
gl_run() {   # gl_run IMAGE DIR: the job's script in one shell, stopping at the first failing line
  local img=$1 dir=$2; mkdir -p "$dir"; ln -s "$ROOT/docs" "$dir/docs"
  (cd "$dir" && IMAGE=$img bash --noprofile --norc -eo pipefail "$WORKDIR/gl-script.sh" > "$dir/job.log" 2>&1)
  echo $?
}
python3 "$WORKDIR/gl.py" "$DOCS/gitlab-ci.yml" > "$WORKDIR/gl-script.sh" 2> "$WORKDIR/gl.facts"
check "docs/ci/gitlab-ci.yml parses, job strata has a script" "$(wc -l < "$WORKDIR/gl-script.sh")" 4
IFS=$'\t' read -r GLREP GLWHEN _ < "$WORKDIR/gl.facts"
check "gitlab: artifacts are kept when the job fails" "$GLWHEN" always
L=$WORKDIR/gl-demo
check "gitlab on the demo image: the job fails with --ci's exit 2" "$(gl_run "$DEMO" "$L")" 2
python3 "$HERE/validate_schema.py" "$HERE/gitlab-secret-detection-facts.schema.json" "$L/$GLREP" > "$WORKDIR/gl.v"
check "gitlab: $GLREP has every field GitLab requires" $? 0
check "gitlab: one vulnerability per strata secret" "$(jq '.vulnerabilities | length' "$L/$GLREP")" "$(jq '.secrets | length' "$L/strata.json")"
check "gitlab: ids unique" "$(jq '[.vulnerabilities[].id] | unique | length' "$L/$GLREP")" "$(jq '.vulnerabilities | length' "$L/$GLREP")"
check "gitlab: the AWS key is Critical at /app/.env" \
  "$(jq -r '.vulnerabilities[] | select(.identifiers[0].value == "aws-access-key-id") | "\(.severity) \(.location.file)"' "$L/$GLREP")" "Critical /app/.env"
grep -rqF -- "$RAW" "$L/$GLREP" "$L/job.log" "$L/strata.json"; check "gitlab: no output holds the unmasked secret" $? 1
L1=$WORKDIR/gl-demo-again; gl_run "$DEMO" "$L1" >/dev/null
check "gitlab: vulnerability ids stable across runs" "$(jq -c '[.vulnerabilities[].id]' "$L1/$GLREP")" "$(jq -c '[.vulnerabilities[].id]' "$L/$GLREP")"
L2=$WORKDIR/gl-clean
check "gitlab on a clean image: the job passes" "$(gl_run "$CLEAN" "$L2")" 0
check "gitlab: a clean image, no vulnerability" "$(jq '.vulnerabilities | length' "$L2/$GLREP")" 0
jq '.vulnerabilities[0].severity = "Severe"' "$L/$GLREP" > "$WORKDIR/gl-bad.json"
python3 "$HERE/validate_schema.py" "$HERE/gitlab-secret-detection-facts.schema.json" "$WORKDIR/gl-bad.json" >/dev/null
check "gitlab facts schema rejects a severity GitLab does not know" $? 1

# ---- fleet
F=$WORKDIR/fleet
printf '%s\n' "# a fleet" "$DEMO" "$CLEAN" "" "$PEERS/test-kaniko-image.tar" "$WORKDIR/no-such-image.tar" > "$WORKDIR/fleet.list"
bash "$DOCS/fleet.sh" "$WORKDIR/fleet.list" "$F" 2 > "$WORKDIR/fleet.out" 2>&1
check "fleet: an unreadable image makes exit 1" $? 1
check "fleet: every image ran as its own job" "$(jq -c '[.images[] | .exit]' "$F/fleet.json")" "[2,0,0,1]"
check "fleet: merged in list order" "$(jq -r '.images[1].image' "$F/fleet.json")" "$CLEAN"
want=$(for i in "$DEMO" "$CLEAN" "$PEERS/test-kaniko-image.tar"; do strata --json "$i" | jq .waste.removable_bytes; done | awk '{s += $1} END {print s}')
check "fleet: totals.removable_bytes == the sum of the three --json reports" "$(jq .totals.removable_bytes "$F/fleet.json")" "$want"
check "fleet: totals" "$(jq -c '.totals | [.images, .failed_ci, .unreadable, .secrets]' "$F/fleet.json")" "[4,1,1,$(strata --json "$DEMO" | jq '.secrets | length')]"
printf '%s\n' "$CLEAN" "$PEERS/test-kaniko-image.tar" > "$WORKDIR/clean.list"
bash "$DOCS/fleet.sh" "$WORKDIR/clean.list" "$WORKDIR/fleet-clean" 2 > /dev/null 2>&1
check "fleet: clean images, exit 0" $? 0
printf '%s\n' "$CLEAN" "$DEMO" > "$WORKDIR/ci.list"
bash "$DOCS/fleet.sh" "$WORKDIR/ci.list" "$WORKDIR/fleet-ci" 2 > /dev/null 2>&1
check "fleet: a CI failure, exit 2" $? 2
finish "e2e recipes"
