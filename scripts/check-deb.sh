#!/usr/bin/env bash
# check-deb.sh: builds the Debian package and proves it on a fresh Debian 12.
#
#   1. scripts/build-deb.sh build/deb  (dpkg-buildpackage -us -uc -b on a copy of the tree)
#   2. lintian: no tag left but the overridden ones (debian/strata.lintian-overrides says why)
#   3. Depends: from dpkg-shlibdeps, naming every shared library the binary links
#   4. a fresh container of a debootstrap --variant=minbase bookworm rootfs (cached in
#      /var/tmp/strata-debroot/rootfs.tar, as scripts/check-bare-debian.sh makes it; empty apt
#      lists, no gcc) on a private Docker engine: dpkg -i, apt-get -f install, then
#      `strata --report demo/demo.tar`, the man page, the completions, dpkg -r.
# Needs root, debootstrap, docker.io, dpkg-dev, debhelper, lintian. Exits non-zero on any failure,
# including a Docker engine that does not start.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
D=${DEBROOT:-/var/tmp/strata-debroot}
K=${DEBCHECK:-/var/tmp/strata-debcheck}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
IMG=strata-deb12:minbase
[ "$(id -u)" = 0 ] || { echo "check-deb.sh: must run as root" >&2; exit 1; }
log() { printf '[check-deb %4ds] %s\n' "$SECONDS" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# ---- 1-3: the package
DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-"nocheck parallel=2"} bash scripts/build-deb.sh build/deb
VER=$(dpkg-parsechangelog -S Version)
DEB=$(ls build/deb/strata_"$VER"_*.deb)
tags=$(grep -E '^[EWIPX]: ' build/deb/lintian.txt || true)
[ -z "$tags" ] || die "lintian tags not overridden nor explained:"$'\n'"$tags"
log "lintian: clean (overrides: $(grep -c '^strata:' debian/strata.lintian-overrides))"
dep=$(dpkg-deb -f "$DEB" Depends)
for lib in libarchive13 libcurl4 libjansson4 libzstd1 libisal2 libxxhash0 libpcre2-8-0 libvectorscan5 libncursesw6 libc6; do
  [[ ", $dep" == *", $lib "* ]] || die "Depends lacks $lib: $dep"
done
log "Depends: $dep"
contents=$(dpkg-deb -c "$DEB" | awk '{print $6}')
for f in ./usr/bin/strata ./usr/share/man/man1/strata.1.gz ./usr/share/bash-completion/completions/strata \
         ./usr/share/zsh/vendor-completions/_strata ./usr/share/fish/vendor_completions.d/strata.fish \
         ./usr/share/doc/strata/copyright ./usr/share/doc/strata/examples/strata.conf; do
  grep -qxF "$f" <<<"$contents" || die "the package lacks $f"
done

# ---- 4: a fresh Debian 12
mkdir -p "$D" "$K"
if [ ! -s "$D/rootfs.tar" ]; then
  command -v debootstrap >/dev/null || bash scripts/deps.sh --images
  log "debootstrap --variant=minbase bookworm $D/rootfs"
  rm -rf "$D/rootfs"
  debootstrap --variant=minbase bookworm "$D/rootfs" "$MIRROR" > "$D/debootstrap.log" 2>&1 \
    || { tail -n 20 "$D/debootstrap.log" >&2; die debootstrap; }
  rm -rf "$D"/rootfs/var/lib/apt/lists/* "$D"/rootfs/var/cache/apt/*.bin "$D"/rootfs/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "$D/rootfs" -cf "$D/rootfs.tar.tmp" . && mv "$D/rootfs.tar.tmp" "$D/rootfs.tar"
  rm -rf "$D/rootfs"
fi
[ -x /usr/sbin/dockerd ] || bash scripts/deps.sh --images
DPID="" CID=""
dk() { /usr/bin/docker -H "unix://$K/docker.sock" "$@"; }
stop() {
  set +e
  [ -n "$CID" ] && dk rm -f "$CID" >/dev/null 2>&1
  if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
    kill "$DPID"; for _ in $(seq 30); do kill -0 "$DPID" 2>/dev/null || break; sleep 1; done
  fi
}
trap stop EXIT
mkdir -p "$K/docker-root" "$K/docker-exec"
rm -f "$K/docker.sock" "$K/dockerd.pid"
/usr/sbin/dockerd --data-root "$K/docker-root" --exec-root "$K/docker-exec" \
  -H "unix://$K/docker.sock" --pidfile "$K/dockerd.pid" \
  --iptables=false --ip6tables=false --bridge=none --ip-masq=false > "$K/dockerd.log" 2>&1 < /dev/null &
DPID=$!
for _ in $(seq 60); do dk version >/dev/null 2>&1 && break; sleep 1; done
dk version --format 'dockerd {{.Server.Version}}' >&2 || { tail -n 20 "$K/dockerd.log" >&2; die "the private Docker engine did not start"; }
dk image inspect "$IMG" >/dev/null 2>&1 || dk import "$D/rootfs.tar" "$IMG" >/dev/null
CID=$(dk run -d --network host "$IMG" sleep infinity)
dk cp "$DEB" "$CID:/tmp/strata.deb"
dk cp demo/demo.tar "$CID:/tmp/demo.tar"
log "container ${CID:0:12}: dpkg -i, apt-get -f install, strata --report"
set +e
dk exec -e DEBIAN_FRONTEND=noninteractive "$CID" bash -euc '
  . /etc/os-release; echo "in container: $PRETTY_NAME; gcc: $(command -v gcc || echo none); apt lists: $(ls /var/lib/apt/lists | wc -l) files"
  dpkg -i /tmp/strata.deb >/tmp/dpkg.log 2>&1 && { echo "dpkg -i succeeded without the libraries?"; exit 1; }
  grep -q "dependency problems" /tmp/dpkg.log
  apt-get update -qq
  apt-get install -y -qq -f --no-install-recommends >/tmp/apt.log 2>&1 || { tail -20 /tmp/apt.log; exit 1; }
  dpkg-query -W -f="\${Package} \${Version} \${db:Status-Status}\n" strata
  strata --version
  strata --report /tmp/demo.tar > /tmp/report.txt
  head -n 12 /tmp/report.txt
  grep -q aws-access-key-id /tmp/report.txt
  set +e; strata --ci /tmp/demo.tar > /dev/null; rc=$?; set -e
  [ "$rc" = 2 ] || { echo "strata --ci on the demo: exit $rc, want 2"; exit 1; }
  test -s /usr/share/man/man1/strata.1.gz
  zcat /usr/share/man/man1/strata.1.gz | grep -q "^\.Sh KEYS"
  bash -c "source /usr/share/bash-completion/completions/strata; COMP_WORDS=(strata --ignore aws-access); COMP_CWORD=2; _strata; [ \"\${COMPREPLY[*]}\" = aws-access-key-id ]"
  echo "bash completion of --ignore in the container: ok"
  dpkg -r strata >/dev/null
  ! test -e /usr/bin/strata
  echo "dpkg -r strata: removed"
' 2>&1 | tee "$K/last-run.log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] || die "in the fresh Debian 12 container (exit $rc)"
log "PASS: $DEB installs on a fresh Debian 12 minbase and runs"
