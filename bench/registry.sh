#!/usr/bin/env bash
# bench/registry.sh: the same gzip image read from a local registry and from its tarball, in one
# run (issue: the registry path within 1.2x the tarball path). `make bench` runs it after
# bench/run.sh; it can run alone. A docker-registry is started on 127.0.0.1 and stopped by PID.
#
# Environment: STRATA (default ./strata), BENCH_REG_IMAGE (an OCI archive with gzip layers; default
# the real single-stage gzip image of ../shared/tools/make-real-images.sh), BENCH_REPEAT (default 5:
# the registry part varies most on 2 cores). Each figure is the best wall time of BENCH_REPEAT runs,
# with the peak RSS of the worst.
set -euo pipefail
cd "$(dirname "$0")/.."
STRATA=$(realpath "${STRATA:-./strata}")
IMG=${BENCH_REG_IMAGE:-/var/tmp/strata-real/e-single-stage-gzip.oci.tar}
REPEAT=${BENCH_REPEAT:-5}
[ -s "$IMG" ] || { echo "bench/registry.sh: $IMG missing (make-real-images.sh)" >&2; exit 1; }
for t in docker-registry skopeo /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench/registry.sh: $t missing (scripts/deps.sh --images)" >&2; exit 1; }
done
TMP=$(mktemp -d /var/tmp/strata-bench-reg.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
  "$TMP/data" "$PORT" > "$TMP/config.yml"
docker-registry serve "$TMP/config.yml" > "$TMP/log" 2>&1 &
PID=$!
for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/" && break; sleep 0.1; done
skopeo copy -q --dest-tls-verify=false "oci-archive:$IMG" "docker://127.0.0.1:$PORT/bench/image:1"
REF=docker://127.0.0.1:$PORT/bench/image:1

run1() {   # run1 ARGS...: one run; sets W (wall s) and M (peak RSS KiB)
  /usr/bin/time -f '%e %M' -o "$TMP/t" "$STRATA" "$@" > "$TMP/out" 2> "$TMP/err" ||
    { echo "FAILED: strata $*: $(head -2 "$TMP/err")"; exit 1; }
  read -r W M < "$TMP/t"
}
echo "== registry vs tarball: $(basename "$IMG") ($(du -m "$IMG" | cut -f1) MB), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   (tarball and registry runs alternate, so both meet the same moments of a busy machine)"
for mode in --no-content ""; do
  TW=; TM=0; RW=; RM=0
  for ((i = 0; i < REPEAT; i++)); do
    run1 --json $mode "$IMG"
    { [ -z "$TW" ] || awk "BEGIN { exit !($W < $TW) }"; } && TW=$W; ((M > TM)) && TM=$M
    run1 --json $mode "$REF"
    { [ -z "$RW" ] || awk "BEGIN { exit !($W < $RW) }"; } && RW=$W; ((M > RM)) && RM=$M
  done
  printf '  %-13s tarball %6.2f s %7d KiB   registry %6.2f s %7d KiB   ratio %.2fx (target <= 1.2x)\n' \
    "${mode:-full}" "$TW" "$TM" "$RW" "$RM" "$(awk "BEGIN { print $RW / $TW }")"
done
