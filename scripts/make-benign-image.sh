#!/usr/bin/env bash
# make-benign-image.sh OUTDIR
#
# Builds a large image of real software and nothing secret, for the false-positive test
# (tests/e2e/test_benign.sh): a Debian bookworm minbase rootfs (layer 1) and, on top, Debian's
# default-jdk-headless, python3-pandas, python3-scipy, python3-fonttools and libboost-all-dev
# (layer 2), written as a docker-archive: OUTDIR/benign.docker.tar. Every file in it comes from a
# Debian package, so any secret strata reports there is a false alarm.
#
# Needs root, debootstrap, buildah and the Debian mirror. Several minutes and about 1 GB of output,
# so the result is cached: a second run returns at once when OUTDIR/SHA256SUMS verifies and
# OUTDIR/.recipe holds this script's sha256 (as ../shared/tools/make-real-images.sh does).
# Exit status is non-zero on any failure (CI fails rather than skipping the test).
#
# Env knobs: MIRROR=http://deb.debian.org/debian, WORK=/var/tmp/xyz (scratch, removed at the end).
set -euo pipefail

OUT=${1:?usage: $0 OUTDIR}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
PACKAGES="default-jdk-headless python3-pandas python3-scipy python3-fonttools libboost-all-dev"
T0=$SECONDS
log()  { printf '[%4ds] %s\n' $((SECONDS - T0)) "$*" >&2; }
die()  { echo "make-benign-image: ERROR: $*" >&2; exit 1; }
retry() { local n; for n in 1 2 3; do "$@" && return 0; echo "retry $n/3: $*" >&2; sleep 5; done; return 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
for t in debootstrap buildah; do command -v "$t" >/dev/null || die "$t is not installed (scripts/deps.sh --images)"; done
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
RECIPE=$(sha256sum "$0" | cut -d' ' -f1)
if [ -s "$OUT/SHA256SUMS" ] && [ "$(cat "$OUT/.recipe" 2>/dev/null)" = "$RECIPE" ] \
   && (cd "$OUT" && sha256sum --quiet -c SHA256SUMS) 2>/dev/null; then
  echo "make-benign-image: $OUT is up to date" >&2; exit 0
fi
WORK=${WORK:-$(mktemp -d /var/tmp/make-benign.XXXXXX)}
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)

# vfs: no kernel overlay support needed; two layers only, so its copies are affordable
B() { buildah --root "$WORK/storage" --runroot "$WORK/run" --storage-driver vfs "$@"; }
cleanup() {
  set +e
  B rm -a >/dev/null 2>&1; B rmi -a -f >/dev/null 2>&1
  grep -F " $WORK/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

log "debootstrap --variant=minbase $SUITE"
R=$WORK/rootfs
retry debootstrap --variant=minbase "$SUITE" "$R" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
  || { tail -20 "$WORK/debootstrap.log" >&2; die debootstrap; }
rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/* "$R"/var/log/* "$R"/tmp/* "$R"/dev/* \
       "$R"/etc/resolv.conf
: > "$R/etc/hostname"
printf 'deb %s %s main\ndeb %s %s-updates main\n' "$MIRROR" "$SUITE" "$MIRROR" "$SUITE" > "$R/etc/apt/sources.list"
echo 'Acquire::Retries "5";' > "$R/etc/apt/apt.conf.d/80-retries"
mkdir -p "$WORK/base" "$WORK/pkgs"
tar --numeric-owner -C "$R" -cf "$WORK/base/rootfs.tar" .
rm -rf "$R"

printf 'FROM scratch\nADD rootfs.tar /\nCMD ["bash"]\n' > "$WORK/base/Dockerfile"
cat > "$WORK/pkgs/Dockerfile" <<EOF
FROM localhost/benign-base:latest
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
EOF
BUD() { B bud --isolation chroot --layers --format docker --pull=never "$@"; }
log "layer 1: base"
BUD -t localhost/benign-base:latest "$WORK/base" > "$WORK/base.log" 2>&1 || { tail -20 "$WORK/base.log" >&2; die "base import"; }
log "layer 2: apt-get install $PACKAGES"
retry BUD -t localhost/benign:latest "$WORK/pkgs" > "$WORK/pkgs.log" 2>&1 || { tail -30 "$WORK/pkgs.log" >&2; die "package install"; }

log "exporting"
rm -f "$OUT"/*.tar "$OUT/SHA256SUMS"
# written beside, then renamed: a reader never sees half an archive
B push -q localhost/benign:latest "docker-archive:$WORK/benign.docker.tar:fixture/benign:latest"
n=$(tar -xOf "$WORK/benign.docker.tar" manifest.json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["Layers"]))')
[ "$n" = 2 ] || die "expected 2 layers, got $n"
mv "$WORK/benign.docker.tar" "$OUT/benign.docker.tar"
(cd "$OUT" && sha256sum -- *.tar > SHA256SUMS)
echo "$RECIPE" > "$OUT/.recipe"
log "done: $(du -sh "$OUT/benign.docker.tar" | cut -f1) in $OUT"
