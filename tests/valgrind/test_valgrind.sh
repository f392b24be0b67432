#!/usr/bin/env bash
# test_valgrind.sh: strata under Valgrind's memcheck on the fixtures, every output mode, a few
# damaged inputs, and the interactive view (tmux): no invalid read or write, no use of
# uninitialised memory, no leak (definite, indirect or possible), no file descriptor that strata
# opened left open at exit. make asan checks the same suites with LeakSanitizer; this runs the
# -O2 binary as shipped, with the system's own libraries (no sanitizer runtime in between).
#
#   STRATA=./strata bash tests/valgrind/test_valgrind.sh        (make memcheck; make check runs it)
#
# A run fails on memcheck's exit code (99, --error-exitcode) or on an error summary that is not
# zero; the log's first errors are printed. Missing valgrind or tmux is a failure, not a skip.
source "$(dirname "$0")/../e2e/common.bash"
require_strata "valgrind"
TIMEOUT=${VG_TIMEOUT:-300}   # seconds a run may take: memcheck is 20-50 times slower
W=$WORKDIR

for tool in valgrind tmux python3; do
  command -v "$tool" >/dev/null || { fail "$tool not installed (scripts/deps.sh)"; finish "valgrind"; exit 1; }
done
if nm -D "$STRATA" 2>/dev/null | grep -q '__asan_init\|__tsan_init'; then
  fail "$STRATA is built with a sanitizer: memcheck needs the plain build (make, then make memcheck)"
  finish "valgrind"; exit 1
fi

# --track-fds: valgrind lists the descriptors open at exit; one strata opened is an error too
VG=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --track-fds=yes
    --num-callers=30)

# vg_log_ok LOG: the error summary says 0 errors, and every descriptor open at exit was inherited
# (the standard ones, the log, whatever the caller left open): each one strata opened and kept
# is listed with the stack that opened it instead of "<inherited from parent>"
vg_log_ok() {
  grep -q 'ERROR SUMMARY: 0 errors' "$1" || return 1
  awk '/Open (file|AF_UNIX socket|AF_INET socket) descriptor/ { want = 1; next }
       want && /<inherited from parent>/ { want = 0; next }
       want && /at 0x|by 0x/ { bad = 1 }
       END { exit bad }' "$1"
}
vg_show() {   # the first errors of a log, indented
  grep -v '^==[0-9]*== *$' "$1" | grep -A14 -m3 'Invalid\|uninitialised\|definitely\|indirectly\|possibly\|Open file descriptor\|ERROR SUMMARY' \
    | head -n 60 | sed 's/^/    | /'
}

n=0
# run WHAT WANT_RC ARGS...: strata ARGS under memcheck; WANT_RC is its own exit code ("any" for
# no check); stdout to $W/out.N, standard input from $VG_STDIN (/dev/null). Each process logs
# apart, $W/vg.N.PID: for an engine's save stream strata forks a producer (src/source.c), which
# ends in _exit with the parent's heap still allocated, and memcheck reports there what it cannot
# reach (aligned blocks such as Vectorscan's scratch, reached only through interior pointers,
# read as "possibly lost"). So in a forked child memory errors and definite or indirect leaks
# fail the case; in the process strata started every leak kind does, and every descriptor it
# opened and kept (vg_log_ok).
run() {
  local what=$1 want=$2
  shift 2
  n=$((n + 1))
  local log=$W/vg.$n rc f pp root= bad=
  timeout "$TIMEOUT" "${VG[@]}" --errors-for-leak-kinds=definite,indirect --log-file="$log.%p" \
    "$STRATA" "$@" > "$W/out.$n" 2> "$W/err.$n" < "${VG_STDIN:-/dev/null}"
  rc=$?
  if [ $rc = 124 ]; then fail "$what: over ${TIMEOUT}s under memcheck"; return; fi
  local pids=" $(for f in "$log".*; do printf '%s ' "${f##*.}"; done)"
  for f in "$log".*; do
    grep -q 'ERROR SUMMARY: 0 errors' "$f" || bad="$bad $f"
    pp=$(sed -n 's/^==[0-9]*== Parent PID: \([0-9]*\)$/\1/p' "$f" | head -1)
    case $pids in *" $pp "*) ;; *) root=$f ;; esac      # its parent is none of them
  done
  if [ -z "$root" ]; then fail "$what: no log of the process strata started ($log.*)"; return; fi
  if ! vg_log_ok "$root" || grep -q 'possibly lost: [1-9]' "$root"; then
    case "$bad " in *" $root "*) ;; *) bad="$bad $root" ;; esac
  fi
  if [ $rc = 99 ] || [ -n "$bad" ]; then
    fail "$what: memcheck found errors (exit $rc, logs$bad)"
    for f in $bad; do vg_show "$f"; done
    return
  fi
  if [ "$want" != any ] && [ "$rc" != "$want" ]; then
    fail "$what: exit $rc, want $want ($(head -c 300 "$W/err.$n"))"; return
  fi
  pass "$what"
}

# ---------------------------------------------------------------- the images
IMAGES=("$ROOT/demo/demo.tar")
for f in "$PEERS"/*.tar; do [ -e "$f" ] && IMAGES+=("$f"); done
if [ ${#IMAGES[@]} -lt 7 ]; then
  fail "the peer fixtures are missing ($PEERS: ${#IMAGES[@]} images with the demo)"
fi

for img in "${IMAGES[@]}"; do
  b=$(basename "$img" .tar)
  # the --ci exit code is the image's own (2 when a rule fails): any, as long as memcheck is clean
  run "$b: --json --files" 0 --json --files "$img"
  run "$b: --report" 0 --report "$img"
  run "$b: --ci" any --ci "$img"
  run "$b: --sarif FILE, --jobs 1" 0 --jobs 1 --sarif "$W/$b.sarif" "$img"
  run "$b: --json=FILE --no-content --dockerignore" 0 --json="$W/$b.json" --no-content --dockerignore "$img"
done

# one layer read a second time from a directory (an OCI layout) and from standard input
mkdir -p "$W/layout"
tar -xf "$PEERS/test-oci-gzip-image.tar" -C "$W/layout"
run "OCI layout directory: --json" 0 --json "$W/layout"
VG_STDIN=$PEERS/test-oci-zstd-image.tar run "standard input: --report" 0 --report -

# diff in its text and JSON forms
run "diff --report" any diff --report "$PEERS/test-docker-image.tar" "$ROOT/demo/demo.tar"
run "diff --json" any diff --json "$PEERS/test-oci-gzip-image.tar" "$PEERS/test-oci-zstd-image.tar"

# a Dockerfile and a config with thresholds: the paths that read them
cat > "$W/Dockerfile" <<'EOF'
FROM debian:12
RUN apt-get update && apt-get install -y curl
COPY . /app
EOF
printf '[ci]\nlowest-efficiency = 0.5\nfail-on-secret = high\n' > "$W/strata.conf"
run "--dockerfile and --config: --ci" any --ci --dockerfile "$W/Dockerfile" --config "$W/strata.conf" "$ROOT/demo/demo.tar"

# ---------------------------------------------------------------- damaged inputs: the error paths
python3 - "$W" "$ROOT/demo/demo.tar" <<'EOF'
import os, sys, tarfile
w, demo = sys.argv[1], sys.argv[2]
data = open(demo, "rb").read()
open(os.path.join(w, "truncated.tar"), "wb").write(data[: len(data) * 2 // 3])
open(os.path.join(w, "garbage.tar"), "wb").write(os.urandom(70000))
# a layer that is not a tar: the demo with its largest layer member's bytes overwritten
with tarfile.open(demo) as t:
    big = max((m for m in t.getmembers() if m.isfile()), key=lambda m: m.size)
buf = bytearray(data)
buf[big.offset_data: big.offset_data + min(big.size, 4096)] = b"\xa5" * min(big.size, 4096)
open(os.path.join(w, "badlayer.tar"), "wb").write(bytes(buf))
EOF
run "truncated archive: exits 1" 1 --json "$W/truncated.tar"
run "garbage: exits 1" 1 --report "$W/garbage.tar"
run "a damaged layer: partial, exits 1" 1 --json "$W/badlayer.tar"
if grep -q '"partial": *true' "$W/out.$n"; then pass "a damaged layer: the JSON says partial"
else fail "a damaged layer: no \"partial\": true in the JSON ($(head -c 200 "$W/err.$n"))"; fi
run "an unknown --ignore id: exits 64" 64 --ignore no-such-rule --report "$ROOT/demo/demo.tar"

# ---------------------------------------------------------------- images from a registry
# What an image file never goes through: libcurl opened at run time, the transfer threads, a
# bearer token, basic auth over TLS with a CA made here, and the error paths of a missing tag,
# refused credentials and a registry that is down. Debian's docker-registry on loopback, the demo
# image pushed with skopeo, a token front from tests/e2e/regproxy.py (tests/e2e/services.bash).
source "$ROOT/tests/e2e/services.bash"
trap 'service_stop_all; rm -rf "$WORKDIR"' EXIT
same_report() {   # same_report WHAT A.json B.json [layer-digests]
  local what=$1; shift
  if service_same_report "$@"; then pass "$what"; else fail "$what: the reports differ"; fi
}
missing=
for tool in docker-registry skopeo openssl htpasswd curl; do
  command -v "$tool" >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  skip "registry under memcheck" "not installed:$missing (scripts/deps.sh --images)"
else
  # the demo as a gzip OCI archive: a registry serves these very blobs, so the reports must agree
  skopeo copy -q --dest-compress --dest-compress-format gzip "docker-archive:$ROOT/demo/demo.tar" \
    "oci-archive:$W/demo-oci.tar"
  "$STRATA" --json "$W/demo-oci.tar" > "$W/demo.json"
  P1=$(service_free_port)
  service_registry_start "$W/plain" "$P1"
  PLAIN_PID=$SERVICE_PID
  if ! service_wait_v2 "$P1" || ! skopeo copy -q --dest-tls-verify=false "oci-archive:$W/demo-oci.tar" \
        "docker://127.0.0.1:$P1/demo/app:1"; then
    fail "registry: did not start or take the demo image: $(tail -c 300 "$W/plain/log")"
  else
    R1=127.0.0.1:$P1
    mkdir -p "$W/nohome" "$W/nort" "$W/rt/containers"
    old_home=$HOME old_rt=${XDG_RUNTIME_DIR:-}
    export HOME=$W/nohome XDG_RUNTIME_DIR=$W/nort   # no stored credentials but those made here
    run "registry: --json" 0 --json "docker://$R1/demo/app:1"
    same_report "registry: the same report as the file's" "$W/out.$n" "$W/demo.json"
    run "registry: --report --jobs 1" 0 --report --jobs 1 "docker://$R1/demo/app:1"
    run "registry: a missing tag exits 1" 1 --json "docker://$R1/demo/app:no-such-tag"
    # a bearer-token front: /v2/ answers 401 with a realm, the token comes from its /token
    P3=$(service_free_port)
    python3 "$ROOT/tests/e2e/regproxy.py" "$P3" "$P1" token "$W/p3.log" bob:t0ken-pw & SERVICE_PIDS+=($!)
    if service_wait_v2 "$P3"; then
      printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$P3" "$(printf bob:t0ken-pw | base64 -w0)" \
        > "$W/rt/containers/auth.json"
      XDG_RUNTIME_DIR=$W/rt run "registry: a bearer token (auth.json)" 0 --json "docker://127.0.0.1:$P3/demo/app:1"
      same_report "registry: a bearer token: the same report" "$W/out.$n" "$W/demo.json"
    else
      fail "registry: the token front did not start"
    fi
    # TLS + htpasswd basic auth, a CA made here
    service_tls_ca_make "$W/ca"
    P2=$(service_free_port)
    service_registry_start "$W/tls" "$P2" "$(service_tls_yaml "$W/ca")"
    if service_wait_v2 "$P2" https && skopeo copy -q --dest-tls-verify=false --dest-creds alice:s3cret-pw \
         "oci-archive:$W/demo-oci.tar" "docker://127.0.0.1:$P2/demo/app:1"; then
      printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$P2" "$(printf alice:s3cret-pw | base64 -w0)" \
        > "$W/rt/containers/auth.json"
      XDG_RUNTIME_DIR=$W/rt SSL_CERT_FILE=$W/ca/ca.pem run "registry: TLS + basic auth" 0 --json "docker://127.0.0.1:$P2/demo/app:1"
      same_report "registry: TLS + basic auth: the same report" "$W/out.$n" "$W/demo.json"
      XDG_RUNTIME_DIR=$W/rt run "registry: TLS, a CA it does not know: exits 1" 1 --json "docker://127.0.0.1:$P2/demo/app:1"
      printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$P2" "$(printf alice:wrong | base64 -w0)" \
        > "$W/rt/containers/auth.json"
      XDG_RUNTIME_DIR=$W/rt SSL_CERT_FILE=$W/ca/ca.pem run "registry: refused credentials exit 1" 1 --json "docker://127.0.0.1:$P2/demo/app:1"
    else
      fail "registry: the TLS registry did not start or take the demo image: $(tail -c 300 "$W/tls/log")"
    fi
    service_stop "$PLAIN_PID"
    run "registry: one that is down exits 1" 1 --json "docker://$R1/demo/app:1"
    export HOME=$old_home XDG_RUNTIME_DIR=$old_rt
  fi
fi
service_stop_all

# ---------------------------------------------------------------- images from a Docker engine
# An engine's save stream comes from a producer strata forks (src/source.c): the API over a unix
# socket (libcurl), written into a pipe the reader reads; run checks both processes.
if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
  skip "Docker engine under memcheck" "dockerd is not installed (scripts/deps.sh --images)"
else
  DW=$(mktemp -d /var/tmp/strata-vg-dockerd.XXXXXX)
  if ! service_dockerd_start "$DW" ||
     ! docker -H "unix://$DW/docker.sock" load -q -i "$ROOT/demo/demo.tar" > /dev/null 2> "$W/load.err"; then
    fail "engine: a private dockerd did not start or load the demo: $(tail -c 300 "$DW/log" "$W/load.err")"
  else
    "$STRATA" --json "$ROOT/demo/demo.tar" > "$W/demo-file.json"
    DOCKER_HOST=unix://$DW/docker.sock run "engine: --json" 0 --json docker-daemon:strata-demo:latest
    check "engine: the forked producer was checked too" "$(ls "$W/vg.$n".* | wc -l)" 2
    # the engine's save names its layer members its own way: all else must agree
    same_report "engine: the same report as the demo file's" "$W/out.$n" "$W/demo-file.json" layer-digests
    DOCKER_HOST=unix://$DW/docker.sock run "engine: --report" 0 --report docker-daemon:strata-demo:latest
    DOCKER_HOST=unix://$DW/docker.sock run "engine: a missing image exits 1" 1 --json docker-daemon:no/such-image:1
    DOCKER_HOST=unix://$DW/no.sock run "engine: no engine there exits 1" 1 --json docker-daemon:strata-demo:latest
  fi
  service_stop_all
  rm -rf "$DW" 2>/dev/null || true
fi

# ---------------------------------------------------------------- the interactive view
SOCK=strata-vg-$$
trap 'tmux_reap "$SOCK"; service_stop_all; rm -rf "$WORKDIR"' EXIT
source "$ROOT/tests/tui/tmux.bash"   # t, screen, wait_for, wait_re, ...
# view SESSION LOG ARGS...: strata in tmux under memcheck; its exit code lands in LOG.rc
view() {
  local s=$1 log=$2
  shift 2
  local cmd
  cmd=$(printf '%q ' "${VG[@]}" --log-file="$log" "$STRATA" "$@")
  t new-session -d -s "$s" -x 120 -y 40 "$cmd; echo \$? > $log.rc"
}
# ended SESSION LOG WHAT: waits for the exit code, then checks it and the log
ended() {
  local end=$((SECONDS + TIMEOUT))
  while [ ! -s "$2.rc" ] && [ $SECONDS -lt $end ]; do read -r -t 0.2 <> <(:) 2>/dev/null || true; done
  if [ ! -s "$2.rc" ]; then fail "$3: did not quit"; screen "$1" | sed 's/^/    | /'; return; fi
  if [ "$(cat "$2.rc")" = 0 ] && vg_log_ok "$2"; then pass "$3"
  else fail "$3: exit $(cat "$2.rc"), log $2"; vg_show "$2"; fi
}
keys() { local s=$1; shift; for k in "$@"; do t send-keys -t "$s" "$k"; read -r -t 0.3 <> <(:) 2>/dev/null || true; done; }

view v1 "$W/vg.view" "$ROOT/demo/demo.tar"
if wait_re v1 'Findings \([0-9]+ secrets'; then
  # every pane, a folder, the layers; then each step below is seen on screen before the next
  keys v1 Tab j j Enter Tab j Enter Tab ] [
  keys v1 / . e n v Enter
  expect v1 "/app/.env in layer 3" "the view under memcheck: search finds /app/.env"
  keys v1 v
  expect v1 "(layer 3, secrets masked)" "the view under memcheck: the viewer shows it, masked"
  keys v1 Escape '?'
  expect v1 "strata: keys (q, Esc or ? closes)" "the view under memcheck: help"
  keys v1 Escape O G c s m q
  ended v1 "$W/vg.view" "the view: panes, search, viewer, help, quit"
else
  fail "the view never analysed the demo image under memcheck"; screen v1 | sed 's/^/    | /'
fi

view v2 "$W/vg.diffview" diff "$PEERS/test-docker-image.tar" "$ROOT/demo/demo.tar"
if wait_for v2 'only in A:'; then
  keys v2 j Tab j ] / b i n Enter Escape '?'
  expect v2 "strata diff: keys (q, Esc or ? closes)" "the diff view under memcheck: help"
  keys v2 Escape q
  ended v2 "$W/vg.diffview" "the diff view: move, switch side, quit"
else
  fail "the diff view never drew under memcheck"; screen v2 | sed 's/^/    | /'
fi

finish "valgrind"
