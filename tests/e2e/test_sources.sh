#!/usr/bin/env bash
# test_sources.sh: images where they live. A real registry (Debian's docker-registry) on
# 127.0.0.1, plain and with TLS + htpasswd (a CA made here), a bearer-token front and a
# misbehaving front (tests/e2e/regproxy.py), and a private Docker engine (Debian's docker.io):
# strata's --json from each source agrees with the saved tarball's; wrong credentials, a missing
# tag, a corrupted blob, a dropped connection and a registry that is down each give one clear line.
# Services are started here and stopped by PID on exit.
source "$(dirname "$0")/common.bash"
require_strata sources

E=$REAL_DIR/e-single-stage-gzip.oci.tar
C=$REAL_DIR/c-leaked-secrets.docker.tar
G=$REAL_DIR/g-leaked-secrets.docker-save.tar
if [ ! -s "$E" ] || [ ! -s "$C" ] || [ ! -s "$G" ]; then
  skip sources "real images missing in $REAL_DIR (../shared/tools/make-real-images.sh)"
  finish sources; exit
fi
for t in docker-registry skopeo openssl htpasswd dockerd buildah tmux; do
  command -v "$t" >/dev/null || { fail "sources: $t is not installed (scripts/deps.sh --images)"; finish sources; exit 1; }
done

source "$HERE/services.bash"   # service_* (SERVICE_PIDS), registry and engine starters
trap 'service_stop_all; rm -rf "$WORKDIR"' EXIT
# the facts that must agree: everything but where it came from and what it is called
facts() { jq -S 'del(.image.source, .image.tags, .image.format)' "$1"; }
same_json() {   # same_json WHAT A.json B.json
  if [ -s "$2" ] && [ -s "$3" ] && diff <(facts "$2") <(facts "$3") > "$WORKDIR/d" && \
     [ "$(jq '.layers | length' "$2")" -gt 0 ]; then pass "$1"
  else fail "$1: the reports differ: $(head -c 600 "$WORKDIR/d")"; fi
}
expect_err() {  # expect_err WHAT PATTERN strata-args...: exit 1 and one line matching PATTERN
  local what=$1 pat=$2; shift 2
  timeout 120 "$STRATA" "$@" > "$WORKDIR/out" 2> "$WORKDIR/err"
  local rc=$?
  if [ $rc -eq 1 ] && [ "$(wc -l < "$WORKDIR/err")" -ge 1 ] && grep -q -- "$pat" "$WORKDIR/err" && [ ! -s "$WORKDIR/out" ]; then
    pass "$what ($(head -1 "$WORKDIR/err" | cut -c1-150))"
  else
    fail "$what: exit $rc, stderr: $(head -c 300 "$WORKDIR/err")"
  fi
}

# ---------------------------------------------------------------- a plain registry on loopback
P1=$(service_free_port)
service_registry_start "$WORKDIR/plain" "$P1"
PLAIN_PID=$SERVICE_PID
service_wait_v2 "$P1" || { fail "registry: did not start: $(cat "$WORKDIR/plain/log")"; finish sources; exit 1; }
R1=127.0.0.1:$P1
skopeo copy -q --dest-tls-verify=false "oci-archive:$E" "docker://$R1/fixture/single:gzip" || fail "skopeo push e"
skopeo copy -q --dest-tls-verify=false "docker-archive:$C" "docker://$R1/fixture/leaked:1" || fail "skopeo push c"

timeout 300 "$STRATA" --json "$E" > "$WORKDIR/e.file.json"
timeout 300 "$STRATA" --json "docker://$R1/fixture/single:gzip" > "$WORKDIR/e.reg.json" 2> "$WORKDIR/e.reg.err"
same_json "registry (gzip OCI) == its oci-archive" "$WORKDIR/e.reg.json" "$WORKDIR/e.file.json"
check "registry: source named as given" "$(jq -r .image.source "$WORKDIR/e.reg.json")" "docker://$R1/fixture/single:gzip"
check "registry: the tag as HOST/REPO:TAG" "$(jq -r '.image.tags[0]' "$WORKDIR/e.reg.json")" "$R1/fixture/single:gzip"
timeout 300 "$STRATA" --json "oci-archive:$E" > "$WORKDIR/e.tr.json"
same_json "oci-archive:PATH == PATH" "$WORKDIR/e.tr.json" "$WORKDIR/e.file.json"

# by digest: the manifest digest skopeo reports
DIG=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$R1/fixture/single:gzip")
timeout 300 "$STRATA" --json "docker://$R1/fixture/single@$DIG" > "$WORKDIR/e.dig.json"
same_json "registry by @digest" "$WORKDIR/e.dig.json" "$WORKDIR/e.file.json"
# the layer digests strata saw are the ones skopeo lists
check "registry: layer count as skopeo inspect" "$(jq '.layers | length' "$WORKDIR/e.reg.json")" \
  "$(skopeo inspect --tls-verify=false "docker://$R1/fixture/single:gzip" | jq '.Layers | length')"

# v reads a file of a registry image: its layer blob fetched again (src/blobsrc.h), in a real
# terminal (tmux); /usr/lib/os-release is the second "os-release" (the first, /etc's, a symlink)
TS=strata-src-$$
tmux -L "$TS" new-session -d -s v -x 120 -y 40 "env LC_ALL=C.UTF-8 $STRATA 'docker://$R1/fixture/single:gzip'; read -r x"
pane() { local i; for i in $(seq 300); do tmux -L "$TS" capture-pane -p -t v | grep -qF -- "$1" && return 0; sleep 0.1; done; return 1; }
# the tree shows while loading (after each stacked layer): search once the image is analysed
if pane "Files after layer" && pane "efficiency"; then
  tmux -L "$TS" send-keys -t v / o s - r e l e a s e Enter
  pane "match 1 of" && tmux -L "$TS" send-keys -t v n
  pane "/usr/lib/os-release in layer" && tmux -L "$TS" send-keys -t v v
  if pane 'PRETTY_NAME="Debian'; then pass "registry: v shows a file's bytes (the blob fetched again)"
  else fail "registry: v: $(tmux -L "$TS" capture-pane -p -t v | tail -3 | tr '\n' ' ')"; fi
else
  fail "registry: the view did not open: $(tmux -L "$TS" capture-pane -p -t v | tail -3 | tr '\n' ' ')"
fi
tmux_reap "$TS"

# a docker-archive pushed as Docker v2 schema 2: layer facts and findings as its tarball's
timeout 300 "$STRATA" --json "$C" > "$WORKDIR/c.file.json"
timeout 300 "$STRATA" --json "docker://$R1/fixture/leaked:1" > "$WORKDIR/c.reg.json"
lf() { jq -S '{totals, secrets, waste, history, layers: [.layers[] | del(.compressed_bytes, .compression, .digest)]}' "$1"; }
if diff <(lf "$WORKDIR/c.reg.json") <(lf "$WORKDIR/c.file.json") > "$WORKDIR/d" && [ -s "$WORKDIR/c.reg.json" ]; then
  pass "registry (docker v2s2) == its docker-archive: totals, layers, findings"
else fail "registry (docker v2s2): $(head -c 400 "$WORKDIR/d")"; fi
check "registry: secrets found ($(jq '.secrets|length' "$WORKDIR/c.file.json"))" \
  "$(jq '.secrets|length' "$WORKDIR/c.reg.json")" "$(jq '.secrets|length' "$WORKDIR/c.file.json")"

expect_err "registry: a missing tag" "not found" --json "docker://$R1/fixture/single:nosuchtag"
expect_err "registry: a missing repository" "not found\|unknown" --json "docker://$R1/nosuch/repo:1"

# ---------------------------------------------------------------- multi-platform (buildah manifest push --all)
ML=$WORKDIR/ml
buildah manifest create "strata-test-list-$$" > /dev/null 2>&1 &&
buildah manifest add --os linux --arch amd64 "strata-test-list-$$" "oci-archive:$E" > /dev/null 2>&1 &&
buildah manifest add --os linux --arch arm64 --variant v8 "strata-test-list-$$" "docker-archive:$C" > /dev/null 2>&1 &&
buildah manifest push -q --all --tls-verify=false "strata-test-list-$$" "docker://$R1/fixture/multi:1" > /dev/null 2>&1
rc=$?
buildah manifest rm "strata-test-list-$$" > /dev/null 2>&1
if [ $rc -ne 0 ]; then
  fail "buildah manifest push --all to the registry failed"
else
  timeout 300 "$STRATA" --json --platform linux/arm64/v8 "docker://$R1/fixture/multi:1" > "$WORKDIR/m.arm.json"
  check "multi-platform: --platform linux/arm64/v8 picks the arm64 image (its layers)" \
    "$(jq '.totals.layer_bytes' "$WORKDIR/m.arm.json")" "$(jq '.totals.layer_bytes' "$WORKDIR/c.file.json")"
  timeout 300 "$STRATA" --json --platform linux/amd64 "docker://$R1/fixture/multi:1" > "$WORKDIR/m.amd.json"
  check "multi-platform: --platform linux/amd64 picks the amd64 image" \
    "$(jq '.totals.layer_bytes' "$WORKDIR/m.amd.json")" "$(jq '.totals.layer_bytes' "$WORKDIR/e.file.json")"
  expect_err "multi-platform: no such platform lists what there is" "linux/amd64, linux/arm64/v8" \
    --json --platform linux/s390x "docker://$R1/fixture/multi:1"
fi

# ---------------------------------------------------------------- a blob whose bytes do not match its digest
BLOBS=$WORKDIR/plain/data/docker/registry/v2/blobs/sha256
LAYER=$(jq -r '.layers[-1].digest' < <(skopeo inspect --raw --tls-verify=false "docker://$R1/fixture/leaked:1"))
LHEX=${LAYER#sha256:}
F=$BLOBS/${LHEX:0:2}/$LHEX/data
if [ -f "$F" ]; then
  cp "$F" "$WORKDIR/blob.bak"
  python3 - "$F" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0xff; open(p, "wb").write(bytes(b))
PY
  expect_err "registry: a corrupted blob is an error naming the layer" "layer [0-9]*.*hash" --json "docker://$R1/fixture/leaked:1"
  cp "$WORKDIR/blob.bak" "$F"
else
  fail "registry storage layout: $F not found"
fi

# ---------------------------------------------------------------- broken transfers, redirects, tokens
P3=$(service_free_port)
python3 "$HERE/regproxy.py" "$P3" "$P1" drop-once,503-once "$WORKDIR/p3.log" & SERVICE_PIDS+=($!)
service_wait_v2 "$P3" || fail "regproxy drop-once did not start"
timeout 300 "$STRATA" --json "docker://127.0.0.1:$P3/fixture/single:gzip" > "$WORKDIR/e.drop.json" 2> "$WORKDIR/e.drop.err"
same_json "a 503 is retried and a connection dropped mid-blob is resumed (same report)" "$WORKDIR/e.drop.json" "$WORKDIR/e.file.json"
check "the manifest was asked again after the 503" "$(grep -c '^GET /v2/fixture/single/manifests/gzip' "$WORKDIR/p3.log")" 2
[ "$(grep -c '^GET /v2/fixture/single/blobs/' "$WORKDIR/p3.log")" -gt "$(jq '.layers | length + 1' "$WORKDIR/e.file.json")" ] &&
  pass "the dropped blob was asked for again" || fail "no blob was asked for twice: $(grep -c blobs "$WORKDIR/p3.log")"
P4=$(service_free_port)
python3 "$HERE/regproxy.py" "$P4" "$P1" drop-always "$WORKDIR/p4.log" & SERVICE_PIDS+=($!)
service_wait_v2 "$P4" || fail "regproxy drop-always did not start"
expect_err "a transfer that keeps breaking is an error, not a partial report" "broke off\|bytes served" \
  --json "docker://127.0.0.1:$P4/fixture/single:gzip"

P5=$(service_free_port)
python3 "$HERE/regproxy.py" "$P5" "$P1" token,redirect "$WORKDIR/p5.log" tok:secret-pass & SERVICE_PIDS+=($!)
service_wait_v2 "$P5" || fail "regproxy token did not start"
mkdir -p "$WORKDIR/dcfg"
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$P5" "$(printf tok:secret-pass | base64 -w0)" > "$WORKDIR/dcfg/config.json"
DOCKER_CONFIG=$WORKDIR/dcfg timeout 300 "$STRATA" --json "docker://127.0.0.1:$P5/fixture/single:gzip" > "$WORKDIR/e.tok.json" 2> "$WORKDIR/e.tok.err"
same_json "bearer token (credentials from DOCKER_CONFIG) + blob redirects" "$WORKDIR/e.tok.json" "$WORKDIR/e.file.json"
check "token service asked with basic credentials" "$(grep -c '^GET /token.* auth=yes' "$WORKDIR/p5.log")" "$(grep -c '^GET /token' "$WORKDIR/p5.log")"
check "Authorization not forwarded to the redirect's other host" "$(grep -c '^GET /redir/.*auth=yes' "$WORKDIR/p5.log")" 0
[ "$(grep -c '^GET /redir/' "$WORKDIR/p5.log")" -gt 0 ] && pass "blob GETs were redirected" || fail "no redirect happened"
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$P5" "$(printf tok:wrong | base64 -w0)" > "$WORKDIR/dcfg/config.json"
# a credential helper (credHelpers), as `docker-credential-NAME get` answers with the host on stdin
mkdir -p "$WORKDIR/bin"
printf '#!/bin/sh\n[ "$1" = get ] || exit 1\nread host\n[ "$host" = "127.0.0.1:%s" ] || exit 1\necho "{\\"ServerURL\\":\\"$host\\",\\"Username\\":\\"tok\\",\\"Secret\\":\\"secret-pass\\"}"\n' "$P5" \
  > "$WORKDIR/bin/docker-credential-strata-test"
chmod +x "$WORKDIR/bin/docker-credential-strata-test"
printf '{"credHelpers":{"127.0.0.1:%s":"strata-test"}}\n' "$P5" > "$WORKDIR/dcfg/config.json"
PATH=$WORKDIR/bin:$PATH DOCKER_CONFIG=$WORKDIR/dcfg timeout 300 "$STRATA" --json "docker://127.0.0.1:$P5/fixture/single:gzip" > "$WORKDIR/e.helper.json" 2>/dev/null
same_json "credentials from a credHelpers helper" "$WORKDIR/e.helper.json" "$WORKDIR/e.file.json"
# the same helper named by credsStore (the default store for every registry)
printf '{"credsStore":"strata-test"}\n' > "$WORKDIR/dcfg/config.json"
PATH=$WORKDIR/bin:$PATH DOCKER_CONFIG=$WORKDIR/dcfg timeout 300 "$STRATA" --json "docker://127.0.0.1:$P5/fixture/single:gzip" > "$WORKDIR/e.store.json" 2>/dev/null
same_json "credentials from the credsStore helper" "$WORKDIR/e.store.json" "$WORKDIR/e.file.json"
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$P5" "$(printf tok:wrong | base64 -w0)" > "$WORKDIR/dcfg/config.json"
DOCKER_CONFIG=$WORKDIR/dcfg expect_err "bearer: wrong credentials" "refused the credentials" --json "docker://127.0.0.1:$P5/fixture/single:gzip"

# several blobs in flight (--jobs): a front that answers blob GETs slowly shows the overlap
P7=$(service_free_port)
python3 "$HERE/regproxy.py" "$P7" "$P1" slow "$WORKDIR/p7.log" & SERVICE_PIDS+=($!)
service_wait_v2 "$P7" || fail "regproxy slow did not start"
NBLOBS=$(($(jq '.layers | length' "$WORKDIR/e.file.json") + 1))
timeout 300 "$STRATA" --json --jobs 3 "docker://127.0.0.1:$P7/fixture/single:gzip" > "$WORKDIR/e.j3.json" 2> "$WORKDIR/e.j3.err"
same_json "--jobs 3: blobs fetched three at a time, same report" "$WORKDIR/e.j3.json" "$WORKDIR/e.file.json"
MAXIN=$(grep -o 'inflight=[0-9]*' "$WORKDIR/p7.log" | cut -d= -f2 | sort -n | tail -1)
if [ "$NBLOBS" -ge 3 ] && [ "${MAXIN:-0}" -ge 2 ] && [ "${MAXIN:-0}" -le 3 ]; then
  pass "--jobs 3: up to $MAXIN blob GETs in flight at once ($NBLOBS blobs)"
else
  fail "--jobs 3: at most ${MAXIN:-none} blob GETs in flight ($NBLOBS blobs; want 2 or 3)"
fi
: > "$WORKDIR/p7.log"
timeout 300 "$STRATA" --json --jobs 1 "docker://127.0.0.1:$P7/fixture/single:gzip" > "$WORKDIR/e.j1.json" 2>/dev/null
same_json "--jobs 1: same report" "$WORKDIR/e.j1.json" "$WORKDIR/e.file.json"
check "--jobs 1: one blob GET at a time" "$(grep -o 'inflight=[0-9]*' "$WORKDIR/p7.log" | cut -d= -f2 | sort -n | tail -1)" 1

# a registry that serves a Docker v2 schema 1 manifest: refused by name, never half-read
P6=$(service_free_port)
python3 "$HERE/regproxy.py" "$P6" "$P1" schema1 "$WORKDIR/p6.log" & SERVICE_PIDS+=($!)
service_wait_v2 "$P6" || fail "regproxy schema1 did not start"
expect_err "a schema 1 manifest is a clear error" "schema 1 manifests are not supported" \
  --json "docker://127.0.0.1:$P6/fixture/single:gzip"
check "no blob was asked for after a schema 1 manifest" "$(grep -c '/blobs/' "$WORKDIR/p6.log")" 0

# ---------------------------------------------------------------- TLS + htpasswd basic auth, CA made here
CA=$WORKDIR/ca
service_tls_ca_make "$CA"
P2=$(service_free_port)
service_registry_start "$WORKDIR/tls" "$P2" "$(service_tls_yaml "$CA")"
service_wait_v2 "$P2" https || { fail "TLS registry did not start: $(cat "$WORKDIR/tls/log")"; finish sources; exit 1; }
R2=127.0.0.1:$P2
skopeo copy -q --dest-cert-dir "$CA" --dest-creds alice:s3cret-pw "oci-archive:$E" "docker://$R2/fixture/single:gzip" 2>/dev/null ||
  skopeo copy -q --dest-tls-verify=false --dest-creds alice:s3cret-pw "oci-archive:$E" "docker://$R2/fixture/single:gzip" || fail "skopeo push to TLS registry"
mkdir -p "$WORKDIR/rt/containers"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$R2" "$(printf alice:s3cret-pw | base64 -w0)" > "$WORKDIR/rt/containers/auth.json"
# credentials from $XDG_RUNTIME_DIR/containers/auth.json, the CA through SSL_CERT_FILE
env -u DOCKER_CONFIG HOME="$WORKDIR/nohome" XDG_RUNTIME_DIR="$WORKDIR/rt" SSL_CERT_FILE="$CA/ca.pem" \
  timeout 300 "$STRATA" --json "docker://$R2/fixture/single:gzip" > "$WORKDIR/e.tls.json" 2> "$WORKDIR/e.tls.err"
same_json "TLS + htpasswd registry (auth.json, CA from SSL_CERT_FILE)" "$WORKDIR/e.tls.json" "$WORKDIR/e.file.json"
# $REGISTRY_AUTH_FILE (podman's and skopeo's variable) comes before every other store
mkdir -p "$WORKDIR/af"
cp "$WORKDIR/rt/containers/auth.json" "$WORKDIR/af/auth.json"
env -u DOCKER_CONFIG HOME="$WORKDIR/nohome" XDG_RUNTIME_DIR="$WORKDIR/nort" REGISTRY_AUTH_FILE="$WORKDIR/af/auth.json" \
  SSL_CERT_FILE="$CA/ca.pem" timeout 300 "$STRATA" --json "docker://$R2/fixture/single:gzip" > "$WORKDIR/e.af.json" 2> "$WORKDIR/e.af.err"
same_json "credentials from \$REGISTRY_AUTH_FILE" "$WORKDIR/e.af.json" "$WORKDIR/e.file.json"
# the system's CAs are read as a hashed folder (OpenSSL looks up only the CA it needs):
# SSL_CERT_DIR names one that holds the test CA
mkdir -p "$CA/dir"
cp "$CA/ca.pem" "$CA/dir/strata-test-ca.pem"
openssl rehash "$CA/dir" 2>/dev/null || c_rehash "$CA/dir" > /dev/null
env -u SSL_CERT_FILE HOME="$WORKDIR/nohome" XDG_RUNTIME_DIR="$WORKDIR/rt" SSL_CERT_DIR="$CA/dir" \
  timeout 300 "$STRATA" --json "docker://$R2/fixture/single:gzip" > "$WORKDIR/e.cadir.json" 2> "$WORKDIR/e.cadir.err"
same_json "TLS: the CA found in a hashed folder (SSL_CERT_DIR)" "$WORKDIR/e.cadir.json" "$WORKDIR/e.file.json"
HOME=$WORKDIR/nohome XDG_RUNTIME_DIR=$WORKDIR/rt expect_err "TLS: an unknown CA is refused" "certificate\|SSL" \
  --json "docker://$R2/fixture/single:gzip"
HOME=$WORKDIR/nohome XDG_RUNTIME_DIR=$WORKDIR/rt timeout 300 "$STRATA" --json --tls-verify=false "docker://$R2/fixture/single:gzip" > "$WORKDIR/e.tlsno.json" 2>/dev/null
same_json "TLS: --tls-verify=false reads it" "$WORKDIR/e.tlsno.json" "$WORKDIR/e.file.json"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$R2" "$(printf alice:wrong | base64 -w0)" > "$WORKDIR/rt/containers/auth.json"
HOME=$WORKDIR/nohome XDG_RUNTIME_DIR=$WORKDIR/rt SSL_CERT_FILE=$CA/ca.pem expect_err "basic auth: wrong credentials" \
  "refused the stored credentials\|401" --json "docker://$R2/fixture/single:gzip"
HOME=$WORKDIR/nohome XDG_RUNTIME_DIR=$WORKDIR/nort SSL_CERT_FILE=$CA/ca.pem expect_err "basic auth: no credentials stored" \
  "no user name\|none is stored" --json "docker://$R2/fixture/single:gzip"

# ---------------------------------------------------------------- a registry that is down
service_stop "$PLAIN_PID"
expect_err "a registry that is down" "cannot reach the registry" --json "docker://$R1/fixture/single:gzip"

# ---------------------------------------------------------------- no libcurl
# libcurl is opened only by the engine and registry sources (src/curl_api.h). In a mount
# namespace where every libcurl soname is /dev/null, a file still opens and a registry
# reference says in one line what is missing.
nocurl() {
  unshare -m sh -c 'for f in /usr/lib/*/libcurl.so.4 /usr/lib/*/libcurl-gnutls.so.4; do
      [ -e "$f" ] && { mount --bind /dev/null "$f" || exit 99; }; done; exec "$@"' nocurl "$@"
}
nocurl timeout 120 "$STRATA" --json "$E" > "$WORKDIR/nocurl.json" 2> "$WORKDIR/nocurl.err"
rc=$?
if [ $rc -eq 0 ] && jq -e '.layers | length > 0' "$WORKDIR/nocurl.json" > /dev/null; then
  pass "without libcurl, a file opens"
else
  fail "without libcurl, a file: exit $rc, $(head -c 300 "$WORKDIR/nocurl.err")"
fi
nocurl timeout 120 "$STRATA" --json "docker://$R1/fixture/single:gzip" > "$WORKDIR/out" 2> "$WORKDIR/err"
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l < "$WORKDIR/err")" -eq 1 ] && grep -q "needs libcurl, which could not be opened: .*libcurl" "$WORKDIR/err"; then
  pass "without libcurl, a registry says so ($(cut -c1-150 "$WORKDIR/err"))"
else
  fail "without libcurl, a registry: exit $rc, stderr: $(head -c 300 "$WORKDIR/err")"
fi

# ---------------------------------------------------------------- a private Docker engine
DW=$(mktemp -d /var/tmp/strata-e2e-dockerd.XXXXXX)
service_dockerd_start "$DW"
dockerd_rc=$?
DPID=$SERVICE_PID
if [ $dockerd_rc != 0 ]; then
  fail "private dockerd did not start: $(tail -5 "$DW/log")"
else
  docker -H "unix://$DW/docker.sock" load -q -i "$G" > /dev/null
  TAG=$(tar -xOf "$G" manifest.json | jq -r '.[0].RepoTags[0]')
  timeout 300 "$STRATA" --json "$G" > "$WORKDIR/g.file.json"
  DOCKER_HOST=unix://$DW/docker.sock timeout 300 "$STRATA" --json "docker-daemon:$TAG" > "$WORKDIR/g.eng.json" 2> "$WORKDIR/g.eng.err"
  same_json "docker-daemon:$TAG == its docker save" "$WORKDIR/g.eng.json" "$WORKDIR/g.file.json"
  check "engine: same layer digests" "$(jq -c '[.layers[].diff_id]' "$WORKDIR/g.eng.json")" "$(jq -c '[.layers[].diff_id]' "$WORKDIR/g.file.json")"
  (cd "$WORKDIR" && DOCKER_HOST=unix://$DW/docker.sock timeout 300 "$STRATA" --json "$TAG") > "$WORKDIR/g.bare.json"
  same_json "a bare name asks the Docker engine" "$WORKDIR/g.bare.json" "$WORKDIR/g.file.json"
  # the current context from DOCKER_CONFIG/config.json, as the docker CLI stores it
  mkdir -p "$WORKDIR/ctx"
  docker --config "$WORKDIR/ctx" context create strata-test --docker "host=unix://$DW/docker.sock" > /dev/null 2>&1 &&
    docker --config "$WORKDIR/ctx" context use strata-test > /dev/null 2>&1
  env -u DOCKER_HOST DOCKER_CONFIG=$WORKDIR/ctx timeout 300 "$STRATA" --json "docker-daemon:$TAG" > "$WORKDIR/g.ctx.json" 2> "$WORKDIR/g.ctx.err"
  same_json "the docker context's endpoint" "$WORKDIR/g.ctx.json" "$WORKDIR/g.file.json"
  # DOCKER_CONTEXT names the context even when config.json names another (the CLI's order)
  docker --config "$WORKDIR/ctx" context use default > /dev/null 2>&1
  env -u DOCKER_HOST DOCKER_CONFIG=$WORKDIR/ctx DOCKER_CONTEXT=strata-test timeout 300 "$STRATA" --json "docker-daemon:$TAG" \
    > "$WORKDIR/g.ctxenv.json" 2> "$WORKDIR/g.ctxenv.err"
  same_json "DOCKER_CONTEXT names the engine" "$WORKDIR/g.ctxenv.json" "$WORKDIR/g.file.json"
  DOCKER_HOST= DOCKER_CONFIG=$WORKDIR/ctx DOCKER_CONTEXT=no-such-ctx expect_err "DOCKER_CONTEXT naming no context" \
    "docker context no-such-ctx" --json "docker-daemon:$TAG"
  DOCKER_HOST=unix://$DW/docker.sock expect_err "engine: a missing image, never pulled" "no such image" --json "docker-daemon:nosuch/image:1"
  DOCKER_HOST=unix://$DW/nosock expect_err "engine: no engine there" "cannot reach the engine" --json "docker-daemon:$TAG"
fi
service_stop "$DPID"
rm -rf "$DW" 2>/dev/null || true

# ---------------------------------------------------------------- Podman, its API service on a private socket
PW=$(mktemp -d /var/tmp/strata-e2e-podman.XXXXXX)
PM=(podman --root "$PW/root" --runroot "$PW/run" --storage-driver vfs)
if ! command -v podman > /dev/null; then
  fail "podman is not installed (scripts/deps.sh --images)"
elif ! timeout 300 "${PM[@]}" load -q -i "$C" > /dev/null 2> "$PW/load.err"; then
  fail "podman load: $(tail -2 "$PW/load.err")"
else
  "${PM[@]}" system service --time=0 "unix://$PW/podman.sock" > "$PW/svc.log" 2>&1 &
  PPID_=$!
  SERVICE_PIDS+=($PPID_)
  for i in $(seq 100); do [ -S "$PW/podman.sock" ] && break; sleep 0.2; done
  CONTAINER_HOST=unix://$PW/podman.sock timeout 300 "$STRATA" --json podman:fixture/leaked-secrets:latest > "$WORKDIR/c.pod.json" 2> "$WORKDIR/c.pod.err"
  same_json "podman:NAME (API socket) == its docker-archive" "$WORKDIR/c.pod.json" "$WORKDIR/c.file.json"
  # a bare name: Docker is asked first (nothing there), then Podman
  (cd "$WORKDIR" && DOCKER_HOST=unix://$PW/no-docker.sock CONTAINER_HOST=unix://$PW/podman.sock \
    timeout 300 "$STRATA" --json fixture/leaked-secrets:latest) > "$WORKDIR/c.bare.json" 2>/dev/null
  same_json "a bare name falls back to Podman" "$WORKDIR/c.bare.json" "$WORKDIR/c.file.json"
  DOCKER_HOST=unix://$PW/no-docker.sock CONTAINER_HOST=unix://$PW/podman.sock expect_err \
    "a bare name neither engine has says both were asked" "Docker: .*Podman: " --json nosuch-image:1
  kill "$PPID_" 2>/dev/null; wait "$PPID_" 2>/dev/null
  # no API socket anywhere: `podman image save` on a pipe, the store named by CONTAINERS_STORAGE_CONF
  printf '[storage]\ndriver = "vfs"\nrunroot = "%s/run"\ngraphroot = "%s/root"\n' "$PW" "$PW" > "$PW/storage.conf"
  env -u CONTAINER_HOST XDG_RUNTIME_DIR="$PW/nort" CONTAINERS_STORAGE_CONF="$PW/storage.conf" \
    timeout 300 "$STRATA" --json podman:fixture/leaked-secrets:latest > "$WORKDIR/c.psave.json" 2> "$WORKDIR/c.psave.err"
  same_json "podman:NAME without a socket (podman image save) == its docker-archive" "$WORKDIR/c.psave.json" "$WORKDIR/c.file.json"
  # podman image save needs no libcurl: the same without one (nocurl, above)
  nocurl env -u CONTAINER_HOST XDG_RUNTIME_DIR="$PW/nort" CONTAINERS_STORAGE_CONF="$PW/storage.conf" \
    timeout 300 "$STRATA" --json podman:fixture/leaked-secrets:latest > "$WORKDIR/c.pnocurl.json" 2> "$WORKDIR/c.pnocurl.err"
  same_json "podman:NAME without a socket, and without libcurl" "$WORKDIR/c.pnocurl.json" "$WORKDIR/c.file.json"
  # an engine's API does need it: one line naming what is missing
  DOCKER_HOST=unix://$PW/no-docker.sock nocurl timeout 120 "$STRATA" --json docker-daemon:fixture/leaked-secrets:latest \
    > "$WORKDIR/out" 2> "$WORKDIR/err"
  rc=$?
  if [ $rc -eq 1 ] && [ "$(wc -l < "$WORKDIR/err")" -eq 1 ] && grep -q "Docker engine's API needs libcurl, which could not be opened" "$WORKDIR/err"; then
    pass "without libcurl, an engine's API says so ($(cut -c1-150 "$WORKDIR/err"))"
  else
    fail "without libcurl, an engine's API: exit $rc, stderr: $(head -c 300 "$WORKDIR/err")"
  fi
  CONTAINER_HOST= XDG_RUNTIME_DIR="$PW/nort" CONTAINERS_STORAGE_CONF="$PW/storage.conf" expect_err \
    "podman image save: a missing image" "nosuch" --json podman:nosuch/image:1
fi
rm -rf "$PW" 2>/dev/null || true
finish sources
