#!/usr/bin/env bash
# fleet.sh LIST OUTDIR [JOBS]: strata on a fleet of images, one independent job per image.
#
# LIST holds one image a line (a tar, an OCI layout directory; '#' comments allowed). Each image
# runs as its own job, JOBS at a time (default: the number of CPUs) with xargs -P: a broken image
# fails its own job only. Each job writes OUTDIR/NAME.json (strata --json) and OUTDIR/NAME.ci
# (strata --ci, with its exit status on the last line). Then jq merges them into OUTDIR/fleet.json:
#   {"schema": "strata-fleet/1",
#    "images": [{"image", "exit", "efficiency", "layer_bytes", "removable_bytes", "secrets",
#                "worst_secret", "top_waste"} …],          # one per image, in LIST order
#    "totals": {"images", "failed_ci", "unreadable", "layer_bytes", "removable_bytes", "secrets"}}
# Exit status: 0 all passed, 2 a CI rule failed somewhere, 1 an image could not be read.
# CI matrix alternative: run the per-image command of job() in each matrix job, and the jq merge
# in a final job over the downloaded artifacts.
set -uo pipefail
LIST=${1:?usage: fleet.sh LIST OUTDIR [JOBS]} OUT=${2:?usage: fleet.sh LIST OUTDIR [JOBS]}
JOBS=${3:-$(nproc 2>/dev/null || echo 2)}
STRATA=${STRATA:-strata}
mkdir -p "$OUT"

# One job: names come from the line number and the file name, so equal names never collide.
job() {
  local n=$1 img=$2 name
  name=$(printf '%04d-%s' "$n" "$(basename "$img" | tr -c 'A-Za-z0-9._-' _)")
  "$STRATA" --json="$OUT/$name.json" --ci "$img" > "$OUT/$name.ci" 2>&1
  local rc=$?
  echo "exit $rc" >> "$OUT/$name.ci"
  [ -s "$OUT/$name.json" ] || echo '{}' > "$OUT/$name.json"
  jq -n --arg image "$img" --argjson exit "$rc" --slurpfile r "$OUT/$name.json" '{image: $image, exit: $exit, report: $r[0]}' \
    > "$OUT/$name.job"
  echo "$rc $img"
}
export -f job; export OUT STRATA

grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$LIST" | awk '{printf "%d\t%s\n", NR, $0}' |
  tr '\n' '\0' | xargs -0 -P "$JOBS" -I{} bash -c 'IFS=$'"'"'\t'"'"' read -r n img <<< "$1"; job "$n" "$img"' _ {}

# Merge: the .job files in LIST order (their names start with the line number).
jq -s '
  def worst: ([.[] | .severity] as $s | ["critical","high","medium","low","info"] | map(select(. as $x | $s | index($x))) | .[0]);
  {schema: "strata-fleet/1",
   images: map({image, exit,
                efficiency: .report.totals.efficiency,
                layer_bytes: .report.totals.layer_bytes,
                removable_bytes: .report.waste.removable_bytes,
                secrets: (.report.secrets // [] | length),
                worst_secret: (.report.secrets // [] | worst),
                top_waste: (.report.waste.categories // [] | .[0].id)}),
   totals: {images: length,
            failed_ci: map(select(.exit == 2)) | length,
            unreadable: map(select(.exit != 0 and .exit != 2)) | length,
            layer_bytes: map(.report.totals.layer_bytes // 0) | add,
            removable_bytes: map(.report.waste.removable_bytes // 0) | add,
            secrets: map(.report.secrets // [] | length) | add}}' "$OUT"/*.job > "$OUT/fleet.json"
jq -r '.images[] | "\(.exit)\t\(.image)\t\(.removable_bytes // "-") removable\t\(.secrets) secrets"' "$OUT/fleet.json"
jq -r '.totals | "fleet: \(.images) images, \(.failed_ci) failed CI, \(.unreadable) unreadable"' "$OUT/fleet.json"
jq -e '.totals.unreadable == 0' "$OUT/fleet.json" >/dev/null || exit 1
jq -e '.totals.failed_ci == 0' "$OUT/fleet.json" >/dev/null || exit 2
exit 0
