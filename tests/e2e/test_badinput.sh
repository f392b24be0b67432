#!/usr/bin/env bash
# test_badinput.sh: broken inputs give exit 1 and exactly one `strata: FILE: …` line on stderr,
# never a crash or a hang. Each broken image is made here from the peer fixtures.
#
#   STRATA=./strata bash tests/e2e/test_badinput.sh
source "$(dirname "$0")/common.bash"
require_strata "e2e bad input"
B=$WORKDIR/bad; mkdir -p "$B"

# mutate SRC DST OP [ARG]: copy the outer tar SRC to DST, changing one member
mutate() {
  python3 - "$@" <<'PY'
import gzip, io, sys, tarfile
src, dst, op = sys.argv[1:4]
arg = sys.argv[4] if len(sys.argv) > 4 else None
tin = tarfile.open(src)
members = [(m, tin.extractfile(m).read() if m.isfile() else None) for m in tin.getmembers()]
def layers():
    import json
    for m, d in members:
        if m.name == "manifest.json":
            return json.loads(d)[0]["Layers"]
    raise SystemExit("no manifest.json")
out = []
if op == "layer-not-tar":          # first real layer replaced by text
    target = layers()[int(arg)]
    for m, d in members:
        if m.name == target and m.isfile():
            d = b"this is not a tar archive, just some text\n" * 40
        out.append((m, d))
elif op == "truncate-gzip-layer":   # a gzip layer cut in half
    target = layers()[int(arg)]
    for m, d in members:
        if m.name == target:
            assert d[:2] == b"\x1f\x8b", "not gzip"
            d = d[: len(d) // 2]
        out.append((m, d))
elif op == "drop-member":          # a blob the manifest names is not in the tar
    target = layers()[int(arg)] if arg.isdigit() else arg
    out = [(m, d) for m, d in members if m.name != target]
elif op == "replace":              # member ARG gets invalid JSON
    for m, d in members:
        if m.name == arg:
            d = b'{"this": is not json'
        out.append((m, d))
elif op == "missing-manifest-blob":  # OCI: index.json names a manifest that is not there
    import json
    for m, d in members:
        if m.name == "index.json":
            j = json.loads(d)
            j["manifests"][0]["digest"] = "sha256:" + "ab" * 32
            d = json.dumps(j).encode()
        out.append((m, d))
else:
    raise SystemExit("unknown op " + op)
with tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as tout:
    for m, d in out:
        if d is not None:
            m.size = len(d)
            tout.addfile(m, io.BytesIO(d))
        else:
            tout.addfile(m)
PY
}

D=$PEERS/test-docker-image.tar
K=$PEERS/test-kaniko-image.tar
O=$PEERS/test-oci-gzip-image.tar
Z=$PEERS/test-oci-zstd-image.tar

printf 'hello, I am not a container image\n' > "$B/not-an-image.tar"
: > "$B/empty-file.tar"
tar -C "$HERE" -cf "$B/tar-without-manifest.tar" oracle.py
head -c $(( $(stat -c %s "$D") / 2 )) "$D" > "$B/truncated-outer.tar"
head -c 600000 "$K" > "$B/truncated-kaniko-outer.tar"
mutate "$D" "$B/layer-not-tar.tar" layer-not-tar 1
mutate "$K" "$B/truncated-gzip-layer.tar" truncate-gzip-layer 0
mutate "$D" "$B/missing-layer-blob.tar" drop-member 3
mutate "$K" "$B/missing-config.tar" drop-member sha256:ae16a51058a758c7963b2f9b23d1acfa201ce9cbefc8cb93845f8cd934fb144d
mutate "$D" "$B/invalid-manifest-json.tar" replace manifest.json
mutate "$D" "$B/invalid-config-json.tar" replace 75ae28b8ebf89b203319069ddcbecdf5c3838503bbebc0d0d85e4b8589c5de3a.json
mutate "$O" "$B/invalid-index-json.tar" replace index.json
mutate "$O" "$B/missing-manifest-blob.tar" missing-manifest-blob
# a zstd layer cut short, inside an OCI archive
python3 - "$Z" "$B/truncated-zstd-layer.tar" <<'PY'
import io, json, sys, tarfile
src, dst = sys.argv[1:3]
t = tarfile.open(src); mem = {m.name: m for m in t.getmembers()}
rd = lambda n: t.extractfile(mem[n]).read()
idx = json.loads(rd("index.json"))
man = json.loads(rd("blobs/sha256/" + idx["manifests"][0]["digest"][7:]))
lay = "blobs/sha256/" + man["layers"][0]["digest"][7:]
with tarfile.open(dst, "w") as o:
    for m in t.getmembers():
        if m.isfile():
            d = rd(m.name)
            if m.name == lay:
                assert d[:4] == b"\x28\xb5\x2f\xfd"; d = d[: len(d) // 2]
            m.size = len(d); o.addfile(m, io.BytesIO(d))
        else:
            o.addfile(m)
PY
gzip -c "$B/truncated-outer.tar" > "$B/truncated-outer-in-gzip.tar.gz"
head -c 400000 <(gzip -c "$D") > "$B/truncated-gzip-outer.tar.gz"
mkdir -p "$B/oci-dir-missing-blob" && tar -xf "$O" -C "$B/oci-dir-missing-blob" \
  && rm -f "$B/oci-dir-missing-blob"/blobs/sha256/9aef42427209c9a180c61bb36b0b09681cbe3d3ff6409408bde0eb17ec1ba0cc
mkdir -p "$B/empty-dir"

expect_error() {  # $1 path (file or dir)
  local f=$1 name; name=$(basename "$1")
  local err=$WORKDIR/err out=$WORKDIR/out rc lines
  timeout "$TIMEOUT" "$STRATA" --json "$f" > "$out" 2> "$err" < /dev/null; rc=$?
  lines=$(wc -l < "$err")
  if [ $rc -eq 124 ]; then fail "$name: timed out after ${TIMEOUT}s"; return; fi
  if [ $rc -ge 128 ]; then fail "$name: crashed (exit $rc, signal $((rc - 128))): $(head -c 300 "$err")"; return; fi
  local msg; msg=$(head -n 1 "$err")
  if [ $rc -eq 1 ] && [ "$lines" -eq 1 ] && [[ $msg == "strata: "* ]] && [[ $msg == *"$name"* ]]; then
    pass "$name: exit 1, $msg"
  else
    fail "$name: want exit 1 and one line 'strata: …$name…' on stderr; got exit $rc, $lines lines: $(head -c 400 "$err")"
  fi
}

for f in "$B"/*; do expect_error "$f"; done
expect_error "$B/no-such-file.tar"

# stdin: a broken image on stdin fails the same way (the message names standard input somehow)
timeout "$TIMEOUT" "$STRATA" --json - < "$B/truncated-outer.tar" > /dev/null 2> "$WORKDIR/err"; rc=$?
lines=$(wc -l < "$WORKDIR/err")
if [ $rc -eq 1 ] && [ "$lines" -eq 1 ] && grep -q '^strata: ' "$WORKDIR/err"; then
  pass "truncated tar on stdin: exit 1, $(cat "$WORKDIR/err")"
else
  fail "truncated tar on stdin: got exit $rc, $lines lines: $(head -c 300 "$WORKDIR/err")"
fi

# usage errors are 64, not 1
timeout "$TIMEOUT" "$STRATA" --no-such-option "$D" > /dev/null 2>&1 < /dev/null; check "unknown option: exit 64" $? 64

finish "e2e bad input"
