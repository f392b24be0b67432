#!/usr/bin/env bash
# check-image.sh [OUTDIR]: builds strata's own image from the Dockerfile and checks it with strata.
#
#   1. a Debian 12 slim base without a registry: the debootstrap minbase rootfs of
#      /var/tmp/strata-debroot/rootfs.tar (made here if absent, as check-deb.sh and
#      check-bare-debian.sh make it) slimmed as the official debian:bookworm-slim is (no docs, man
#      pages or locales, dpkg path-excludes, apt cleaning hooks), imported with buildah as
#      localhost/strata-base:bookworm-slim
#   2. buildah bud --build-arg BASE=that on a copy of the tree (the files git knows)
#   3. buildah push docker-archive:OUTDIR/strata-image.tar (default build/image)
#   4. strata --version inside the image (its runtime libraries are enough), then strata on its
#      own saved image, run inside the image: --ci with tight thresholds (efficiency >= 0.97,
#      removable <= 1%, any secret of low severity or more fails), no junk category, no secret
#   5. prints the runtime image's size (layer bytes as strata counts them, the saved tar, buildah's
#      figure) into OUTDIR/size.txt
# Needs root, buildah, debootstrap and the Debian mirror. Non-zero on any failure. The buildah
# storage stays in /var/tmp/strata-image-cache (IMAGE_CACHE), so only the first run downloads and
# installs the -dev packages (about 10 minutes on a loaded 2-core machine; a later run 2 to 3).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT=$(mkdir -p "${1:-build/image}" && cd "${1:-build/image}" && pwd)
D=${DEBROOT:-/var/tmp/strata-debroot}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
BASE=localhost/strata-base:bookworm-slim
TAG=localhost/strata:$(sed -n 's/^#define STRATA_VERSION "\(.*\)"/\1/p' src/main.c)
[ "$(id -u)" = 0 ] || { echo "check-image.sh: must run as root" >&2; exit 1; }
command -v buildah >/dev/null || bash scripts/deps.sh --images
log() { printf '[check-image %4ds] %s\n' "$SECONDS" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
retry() { local n; for n in 1 2 3; do "$@" && return 0; log "retry $n/3: $*"; sleep 5; done; return 1; }

W=$(mktemp -d /var/tmp/strata-image.XXXXXX)
# The buildah storage is kept (like the real images of .ci/run): the base and the apt-get layers
# are built once, a later run rebuilds from `COPY . .` on. vfs: no kernel overlay support needed.
S=${IMAGE_CACHE:-/var/tmp/strata-image-cache}
mkdir -p "$S"
B() { buildah --root "$S/storage" --runroot "$S/run" --storage-driver vfs "$@"; }
cleanup() {
  set +e
  B rm -a >/dev/null 2>&1; B rmi --prune >/dev/null 2>&1
  rm -rf "$W"
}
trap cleanup EXIT

if [ ! -s "$D/rootfs.tar" ]; then
  mkdir -p "$D"
  log "debootstrap --variant=minbase bookworm (cached in $D/rootfs.tar)"
  retry debootstrap --variant=minbase bookworm "$D/rootfs" "$MIRROR" > "$D/debootstrap.log" 2>&1 \
    || { tail -n 20 "$D/debootstrap.log" >&2; die debootstrap; }
  rm -rf "$D"/rootfs/var/lib/apt/lists/* "$D"/rootfs/var/cache/apt/*.bin "$D"/rootfs/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "$D/rootfs" -cf "$D/rootfs.tar.tmp" . && mv "$D/rootfs.tar.tmp" "$D/rootfs.tar"
  rm -rf "$D/rootfs"
fi
# ---- 1. the base (made again when the rootfs or this script changes)
STAMP=$(cat "$D/rootfs.tar" "$0" 2>/dev/null | sha256sum | cut -c1-16)
if [ -s "$D/rootfs.tar" ] && [ "$(cat "$S/base.stamp" 2>/dev/null)" = "$STAMP" ] && B inspect "$BASE" >/dev/null 2>&1; then
  log "base $BASE: cached"
else
log "slim base from $D/rootfs.tar"
R=$W/rootfs; mkdir -p "$R" "$W/base"
tar --numeric-owner -C "$R" -xf "$D/rootfs.tar"
rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/*.bin "$R"/var/lib/apt/lists/* \
       "$R"/usr/share/doc/* "$R"/usr/share/man/* "$R"/usr/share/locale/* "$R"/usr/share/info/* \
       "$R"/usr/share/lintian/* "$R"/usr/share/groff/* \
       "$R"/var/log/* "$R"/tmp/* "$R"/dev/* "$R"/etc/resolv.conf "$R"/var/cache/debconf/*-old
: > "$R/etc/hostname"
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$MIRROR" "$MIRROR" > "$R/etc/apt/sources.list"
cat > "$R/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOC'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOC
cat > "$R/etc/apt/apt.conf.d/docker-clean" <<'EOC'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOC
echo 'Acquire::Languages "none";' > "$R/etc/apt/apt.conf.d/docker-no-languages"
echo 'Acquire::Retries "5";' > "$R/etc/apt/apt.conf.d/80-retries"
tar --numeric-owner -C "$R" -cf "$W/base/rootfs.tar" . && rm -rf "$R"
printf 'FROM scratch\nADD rootfs.tar /\nCMD ["bash"]\n' > "$W/base/Dockerfile"
B bud --isolation chroot --pull=never -t "$BASE" "$W/base" > "$W/base.log" 2>&1 || { tail -n 20 "$W/base.log" >&2; die "base import"; }
echo "$STAMP" > "$S/base.stamp"
fi

# ---- 2. the image
mkdir -p "$W/ctx"
git ls-files -co --exclude-standard | while IFS= read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done \
  | tar -cf - -T - | tar -xf - -C "$W/ctx"
log "buildah bud --build-arg BASE=$BASE -t $TAG (log: $OUT/build.log)"
if ! retry B bud --isolation chroot --pull=never --layers --format docker --build-arg BASE="$BASE" \
       -t "$TAG" -f "$W/ctx/Dockerfile" "$W/ctx" > "$OUT/build.log" 2>&1; then
  tail -n 30 "$OUT/build.log" >&2; die "buildah bud"
fi
rm -f "$OUT/strata-image.tar"
B push "$TAG" "docker-archive:$OUT/strata-image.tar:${TAG#localhost/}" > /dev/null 2>&1 || die "buildah push"

# ---- 4. strata on itself, inside itself
C=$(B from --pull=never "$TAG")
B run --isolation chroot "$C" -- strata --version || die "strata --version in the image"
run() { B run --isolation chroot -v "$OUT:/work:rw" "$C" -- "$@"; }
set +e
run strata --ci --json=/work/self.json --lowest-efficiency 0.97 --highest-removable-percent 1 \
    --fail-on-secret low /work/strata-image.tar > "$OUT/self-ci.txt" 2>&1
rc=$?
set -e
cat "$OUT/self-ci.txt"
[ "$rc" = 0 ] || die "strata --ci on its own image: exit $rc"
junk=$(jq -r '[.waste.categories[] | select(.id != "shadowed" and .id != "deleted") | "\(.id) \(.bytes)"] | join(", ")' "$OUT/self.json")
[ -z "$junk" ] || die "junk in strata's own image: $junk"
[ "$(jq '.secrets | length' "$OUT/self.json")" = 0 ] || die "secrets in strata's own image: $(jq -c '[.secrets[].rule]' "$OUT/self.json")"
run strata --report /work/strata-image.tar > "$OUT/self-report.txt"
log "no junk category, no secret, --ci passed"

# ---- 5. size
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
{
  echo "runtime image $TAG (base $BASE)"
  echo "layers: $(jq '.layers | length' "$OUT/self.json"); content bytes in all layers: $(jq .totals.layer_bytes "$OUT/self.json") ($(mb "$(jq .totals.layer_bytes "$OUT/self.json")"))"
  jq -r '.layers[] | "  layer \(.index): \(.bytes) bytes  \(.created_by[:90])"' "$OUT/self.json"
  echo "saved docker-archive: $(stat -c %s "$OUT/strata-image.tar") bytes ($(mb "$(stat -c %s "$OUT/strata-image.tar")"))"
  echo "buildah images: $(B images --format '{{.Size}}' "$TAG")"
  echo "efficiency $(jq .totals.efficiency "$OUT/self.json"), removable $(jq .waste.removable_bytes "$OUT/self.json") bytes"
} | tee "$OUT/size.txt"
log "PASS: $OUT/strata-image.tar"
