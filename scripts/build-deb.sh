#!/usr/bin/env bash
# build-deb.sh [OUTDIR]: the Debian package, `dpkg-buildpackage -us -uc -b`, in a copy of the tree.
#
# The copy holds the files git knows (committed, staged or new but not ignored), so the build sees
# no stale build/ and `debian/rules clean` never touches the checkout. Writes OUTDIR/strata_*.deb
# (default build/deb), the .buildinfo/.changes, build.log, and lintian.txt (lintian's verdict;
# every tag it may print is explained in debian/README.source or overridden with a reason).
# DEB_BUILD_OPTIONS=nocheck skips the unit tests inside the package build (CI runs them anyway).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(mkdir -p "${1:-build/deb}" && cd "${1:-build/deb}" && pwd)
VER=$(dpkg-parsechangelog -S Version)
W=$(mktemp -d /var/tmp/strata-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/strata-$VER"
git ls-files -co --exclude-standard | while IFS= read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done \
  | tar -cf - -T - | tar -xf - -C "$W/strata-$VER"
log() { printf '[build-deb] %s\n' "$*" >&2; }
log "dpkg-buildpackage -us -uc -b in $W/strata-$VER (log: $OUT/build.log)"
if ! (cd "$W/strata-$VER" && dpkg-buildpackage -us -uc -b) > "$OUT/build.log" 2>&1; then
  tail -n 30 "$OUT/build.log" >&2; log "dpkg-buildpackage failed"; exit 1
fi
rm -f "$OUT"/strata_*.deb "$OUT"/strata-dbgsym_*
cp "$W"/*.deb "$W"/*.buildinfo "$W"/*.changes "$OUT"/
cp "$W"/*.ddeb "$OUT"/ 2>/dev/null || true
DEB=$(ls "$OUT"/strata_"$VER"_*.deb)
log "built $DEB"
dpkg-deb -f "$DEB" Package Version Architecture Depends Installed-Size >&2
log "lintian"
lintian --info --display-info --pedantic "$OUT"/strata_"$VER"_*.changes > "$OUT/lintian.txt" 2>&1 || true
cat "$OUT/lintian.txt" >&2
