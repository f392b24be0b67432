#!/usr/bin/env bash
# check-bare-debian.sh [COMMAND...]: proves the README's commands on a bare Debian 12.
#
# Builds (once, cached in /var/tmp/strata-debroot) a debootstrap --variant=minbase bookworm rootfs with
# empty apt lists, imports it into a private Docker engine (started here, stopped at exit), copies the
# committed tree (git archive HEAD) to /work/main and ../shared to /work/shared in a fresh container,
# and runs COMMAND there (default: `bash scripts/test.sh`). Then starts `bash scripts/demo.sh` under
# tmux in the same container and prints the first screen. Needs root, debootstrap, docker.io.
#
#   bash scripts/check-bare-debian.sh                      # test.sh, then the demo screen
#   bash scripts/check-bare-debian.sh bash scripts/deps.sh # any command
#   DEMO=0 bash scripts/check-bare-debian.sh              # skip the demo screen
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
SHARED=$(cd ../shared && pwd)
D=${DEBROOT:-/var/tmp/strata-debroot}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
IMG=strata-deb12:minbase
CMD=("$@"); [ ${#CMD[@]} -gt 0 ] || CMD=(bash scripts/test.sh)
[ "$(id -u)" = 0 ] || { echo "check-bare-debian.sh: must run as root" >&2; exit 1; }
mkdir -p "$D"
log() { printf '[%4ds] %s\n' "$SECONDS" "$*" >&2; }

if [ ! -s "$D/rootfs.tar" ]; then
  command -v debootstrap >/dev/null || bash scripts/deps.sh --images
  log "debootstrap --variant=minbase bookworm $D/rootfs"
  rm -rf "$D/rootfs"
  debootstrap --variant=minbase bookworm "$D/rootfs" "$MIRROR" > "$D/debootstrap.log" 2>&1 \
    || { tail -n 20 "$D/debootstrap.log" >&2; exit 1; }
  rm -rf "$D"/rootfs/var/lib/apt/lists/* "$D"/rootfs/var/cache/apt/*.bin "$D"/rootfs/var/cache/apt/archives/*.deb
  tar --numeric-owner -C "$D/rootfs" -cf "$D/rootfs.tar.tmp" . && mv "$D/rootfs.tar.tmp" "$D/rootfs.tar"
  rm -rf "$D/rootfs"
fi

[ -x /usr/sbin/dockerd ] || bash scripts/deps.sh --images
DPID=""
stop() {
  set +e
  [ -n "${CID:-}" ] && dk rm -f "$CID" >/dev/null 2>&1
  if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
    kill "$DPID"; for _ in $(seq 30); do kill -0 "$DPID" 2>/dev/null || break; sleep 1; done
    log "dockerd $DPID stopped"
  fi
}
trap stop EXIT
mkdir -p "$D/docker-root" "$D/docker-exec"
rm -f "$D/docker.sock" "$D/dockerd.pid"
/usr/sbin/dockerd --data-root "$D/docker-root" --exec-root "$D/docker-exec" \
  -H "unix://$D/docker.sock" --pidfile "$D/dockerd.pid" \
  --iptables=false --ip6tables=false --bridge=none --ip-masq=false > "$D/dockerd.log" 2>&1 < /dev/null &
DPID=$!
dk() { /usr/bin/docker -H "unix://$D/docker.sock" "$@"; }
for _ in $(seq 60); do dk version >/dev/null 2>&1 && break; sleep 1; done
dk version --format 'dockerd {{.Server.Version}}' >&2 || { tail -n 20 "$D/dockerd.log" >&2; exit 1; }

if ! dk image inspect "$IMG" >/dev/null 2>&1; then
  log "docker import $D/rootfs.tar $IMG"
  dk import "$D/rootfs.tar" "$IMG" >/dev/null
fi
CID=$(dk run -d --network host "$IMG" sleep infinity)
log "container ${CID:0:12}: copying the committed tree and ../shared"
dk exec "$CID" mkdir -p /work/main /work/shared
git -C "$REPO" archive HEAD | dk exec -i "$CID" tar -x -C /work/main
tar -C "$SHARED" -cf - . | dk exec -i "$CID" tar -x -C /work/shared
dk exec "$CID" sh -c '. /etc/os-release; echo "in container: $PRETTY_NAME; apt lists: $(ls /var/lib/apt/lists | wc -l) files; gcc: $(command -v gcc || echo none)"' >&2

log "running: ${CMD[*]}"
set +e
dk exec -w /work/main "$CID" "${CMD[@]}" 2>&1 | tee "$D/last-run.log"
rc=${PIPESTATUS[0]}
set -e
log "exit status of '${CMD[*]}': $rc"

if [ "${DEMO:-1}" = 1 ]; then
  log "bash scripts/demo.sh under tmux (80x24)"
  dk exec -w /work/main "$CID" bash scripts/deps.sh
  dk exec -w /work/main -e TERM=xterm-256color "$CID" \
    tmux new-session -d -s demo -x 100 -y 30 'bash scripts/demo.sh; echo "demo.sh exit $?"; sleep 60'
  sleep "${DEMO_WAIT:-20}"
  dk exec "$CID" tmux capture-pane -p -t demo | tee "$D/demo-screen.txt"
  dk exec "$CID" tmux send-keys -t demo q >/dev/null 2>&1 || true
fi
exit "$rc"
