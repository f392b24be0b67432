#!/usr/bin/env bash
# test_badinput.sh: broken inputs give exit 1 and exactly one `strata: FILE: …` line on stderr,
# never a crash or a hang. A damaged layer (not a tar, a truncated or corrupt gzip/zstd stream, a
# tar cut short inside a sound stream) is not fatal: exit 1 with a partial report ("partial": true,
# the layer's "error" naming the failure's kind, a warning line naming file and layer), and the
# other layers' figures equal those oracle.py (Python's tarfile) reads from the intact image.
# Each broken image is made here from the peer fixtures.
#
#   STRATA=./strata bash tests/e2e/test_badinput.sh
source "$(dirname "$0")/common.bash"
require_strata "e2e bad input"
B=$WORKDIR/bad; mkdir -p "$B"
P=$WORKDIR/partial; mkdir -p "$P"

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
elif op == "corrupt-gzip-layer":   # a gzip layer with its middle bytes flipped
    target = layers()[int(arg)]
    for m, d in members:
        if m.name == target:
            assert d[:2] == b"\x1f\x8b", "not gzip"
            mid = len(d) // 2
            d = d[:mid] + bytes(b ^ 0x5a for b in d[mid:mid + 64]) + d[mid + 64:]
        out.append((m, d))
elif op == "truncate-tar-in-gzip":  # the tar inside a gzip layer cut at 60%, then gzipped whole
    target = layers()[int(arg)]
    for m, d in members:
        if m.name == target:
            raw = gzip.decompress(d)
            d = gzip.compress(raw[: len(raw) * 3 // 5], 6, mtime=0)
        out.append((m, d))
elif op in ("zstd-truncated-layer", "zstd-corrupt-layer"):  # a plain layer as zstd, damaged
    import subprocess
    target = layers()[int(arg)]
    for m, d in members:
        if m.name == target:
            d = subprocess.run(["zstd", "-q", "-c", "-3"], input=d, capture_output=True, check=True).stdout
            mid = len(d) // 2
            d = d[:mid] if op == "zstd-truncated-layer" else d[:mid] + bytes(b ^ 0x5a for b in d[mid:mid + 64]) + d[mid + 64:]
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
mutate "$D" "$B/missing-layer-blob.tar" drop-member 3
mutate "$K" "$B/missing-config.tar" drop-member sha256:ae16a51058a758c7963b2f9b23d1acfa201ce9cbefc8cb93845f8cd934fb144d
mutate "$D" "$B/invalid-manifest-json.tar" replace manifest.json
mutate "$D" "$B/invalid-config-json.tar" replace 75ae28b8ebf89b203319069ddcbecdf5c3838503bbebc0d0d85e4b8589c5de3a.json
mutate "$O" "$B/invalid-index-json.tar" replace index.json
mutate "$O" "$B/missing-manifest-blob.tar" missing-manifest-blob
# a zstd layer cut short, inside an OCI archive
python3 - "$Z" "$P/truncated-zstd-layer.tar" <<'PY'
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

# ---- damaged layers: a partial report, exit 1 ----
mutate "$D" "$P/layer-not-tar.tar" layer-not-tar 1
mutate "$K" "$P/truncated-gzip-layer.tar" truncate-gzip-layer 0
mutate "$K" "$P/corrupt-gzip-layer.tar" corrupt-gzip-layer 2
mutate "$K" "$P/truncated-tar-in-gzip.tar" truncate-tar-in-gzip 0
mutate "$D" "$P/zstd-truncated-layer.tar" zstd-truncated-layer 2
mutate "$D" "$P/zstd-corrupt-layer.tar" zstd-corrupt-layer 2
gzip -c "$P/truncated-gzip-layer.tar" > "$WORKDIR/truncated-gzip-layer-outer.tar.gz"

# expect_partial NAME IMAGE SOURCE LAYER PHRASE [--stdin]: strata --json IMAGE exits 1 with a
# partial report: layer LAYER's error holds PHRASE, no other layer has one, a warning line on
# stderr names the file and the layer, totals add up, and every other layer's bytes and files
# equal oracle.py's reading of SOURCE (the intact image the damaged one was made from); the
# damaged layer holds no more than the whole one.
expect_partial() {
  local name=$1 img=$2 src=$3 layer=$4 phrase=$5 how=${6:-}
  local out=$WORKDIR/p.json err=$WORKDIR/p.err rc
  if [ "$how" = --stdin ]; then
    timeout "$TIMEOUT" "$STRATA" --json - < "$img" > "$out" 2> "$err"; rc=$?
  else
    timeout "$TIMEOUT" "$STRATA" --json "$img" > "$out" 2> "$err" < /dev/null; rc=$?
  fi
  if [ $rc -eq 124 ] || [ $rc -ge 128 ]; then fail "$name: exit $rc (hang or crash): $(head -c 300 "$err")"; return; fi
  check "$name: exit 1 (partial)" "$rc" 1
  local label; label=$([ "$how" = --stdin ] && echo "-" || basename "$img")
  if grep -q "^strata: warning: .*$label.*: layer $layer (sha256:[0-9a-f]*…): $phrase" "$err"; then
    pass "$name: stderr names the file and layer $layer: $phrase"
  else
    fail "$name: no 'strata: warning: …$label…: layer $layer (sha256:…): $phrase' on stderr: $(head -c 400 "$err")"
  fi
  if grep -qv '^strata: warning: ' "$err"; then
    fail "$name: stderr holds more than warnings: $(grep -v '^strata: warning: ' "$err" | head -c 300)"
  fi
  python3 - "$out" "$WORKDIR/oracle-$(basename "$src").json" "$layer" "$phrase" <<'PY' > "$WORKDIR/cmp.out"
import json, sys
rep_path, ora_path, layer, phrase = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def check(what, ok, got=None):
    print(("ok - " if ok else "FAIL - ") + what + ("" if ok or got is None else ": got %r" % (got,)))
try:
    rep = json.load(open(rep_path))
except Exception as e:
    check("--json output is valid JSON", False, str(e)); sys.exit(0)
ora = json.load(open(ora_path))
check('"partial": true', rep.get("partial") is True, rep.get("partial"))
ls, ol = rep["layers"], ora["layers"]
check("as many layers as the intact image", len(ls) == len(ol), (len(ls), len(ol)))
err = ls[layer].get("error", "") if layer < len(ls) else ""
check("layers[%d].error says %r" % (layer, phrase), phrase in err, err)
others = [i for i, l in enumerate(ls) if i != layer and "error" in l]
check("no other layer has an error", not others, others)
t = rep["totals"]
check("totals: layer_bytes == final + shadowed + deleted",
      t["layer_bytes"] == t["final_bytes"] + t["shadowed_bytes"] + t["deleted_bytes"], t)
check("totals: layer_bytes is the sum of the layers' bytes", t["layer_bytes"] == sum(l["bytes"] for l in ls))
bad = [(i, l["bytes"], l["files"], o["bytes"], o["files"]) for i, (l, o) in enumerate(zip(ls, ol))
       if i != layer and (l["bytes"] != o["bytes"] or l["files"] != o["files"])]
check("the %d readable layers' bytes and files equal the oracle's" % (len(ls) - 1), not bad, bad[:4])
if layer < len(ls):
    l, o = ls[layer], ol[layer]
    check("the damaged layer holds no more than the whole one",
          l["bytes"] <= o["bytes"] and l["files"] <= o["files"], (l["bytes"], l["files"], o["bytes"], o["files"]))
PY
  sed "s/^\(ok\|FAIL\) - /\1 - $name: /" "$WORKDIR/cmp.out" > "$WORKDIR/cmp2.out"
  tally "$WORKDIR/cmp2.out"
}

for src in "$D" "$K" "$Z"; do
  python3 "$HERE/oracle.py" "$src" > "$WORKDIR/oracle-$(basename "$src").json" ||
    fail "oracle.py cannot read $(basename "$src")"
done
expect_partial "layer-not-tar.tar" "$P/layer-not-tar.tar" "$D" 1 "not a tar archive"
expect_partial "layer-not-tar.tar on stdin" "$P/layer-not-tar.tar" "$D" 1 "not a tar archive" --stdin
expect_partial "truncated-gzip-layer.tar" "$P/truncated-gzip-layer.tar" "$K" 0 "truncated gzip stream"
expect_partial "truncated-gzip-layer.tar in a .tar.gz" "$WORKDIR/truncated-gzip-layer-outer.tar.gz" "$K" 0 "truncated gzip stream"
expect_partial "corrupt-gzip-layer.tar" "$P/corrupt-gzip-layer.tar" "$K" 2 "corrupt gzip stream"
expect_partial "corrupt-gzip-layer.tar on stdin" "$P/corrupt-gzip-layer.tar" "$K" 2 "corrupt gzip stream" --stdin
expect_partial "truncated-tar-in-gzip.tar" "$P/truncated-tar-in-gzip.tar" "$K" 0 "truncated tar archive (the gzip stream itself is whole)"
expect_partial "truncated-zstd-layer.tar" "$P/truncated-zstd-layer.tar" "$Z" 0 "truncated zstd stream"
expect_partial "zstd-truncated-layer.tar" "$P/zstd-truncated-layer.tar" "$D" 2 "truncated zstd stream"
expect_partial "zstd-corrupt-layer.tar" "$P/zstd-corrupt-layer.tar" "$D" 2 "corrupt zstd stream"
expect_partial "zstd-corrupt-layer.tar on stdin" "$P/zstd-corrupt-layer.tar" "$D" 2 "corrupt zstd stream" --stdin
expect_partial "truncated-zstd-layer.tar on stdin" "$P/truncated-zstd-layer.tar" "$Z" 0 "truncated zstd stream" --stdin

# diff with a damaged image: the comparison is made, said to be partial, exit 1
timeout "$TIMEOUT" "$STRATA" diff --json "$P/corrupt-gzip-layer.tar" "$K" > "$WORKDIR/d.json" 2> "$WORKDIR/d.err" < /dev/null; rc=$?
if [ $rc -eq 1 ] && jq -e '.schema == "strata-diff/1"' "$WORKDIR/d.json" > /dev/null 2>&1 &&
   grep -q "^strata: warning: .*corrupt-gzip-layer.tar: layer 2: corrupt gzip stream.*partial" "$WORKDIR/d.err"; then
  pass "diff with a damaged image: exit 1, its JSON, a warning naming layer 2"
else
  fail "diff with a damaged image: exit $rc: $(head -c 300 "$WORKDIR/d.err")"
fi

# the text report says it is partial, and exits 1 too
timeout "$TIMEOUT" "$STRATA" --report "$P/truncated-gzip-layer.tar" > "$WORKDIR/r.txt" 2> /dev/null < /dev/null; rc=$?
if [ $rc -eq 1 ] && grep -q "^PARTIAL .*layer 0 is damaged (truncated gzip stream)" "$WORKDIR/r.txt"; then
  pass "--report of a damaged layer: exit 1, a PARTIAL line naming layer 0"
else
  fail "--report of a damaged layer: exit $rc, $(grep -m1 PARTIAL "$WORKDIR/r.txt" || echo 'no PARTIAL line')"
fi
# the view opens a damaged image: a PARTIAL banner, the layer marked DAMAGED in the layers pane
if command -v tmux > /dev/null; then
  T="tmux -L strata-badinput-$$"
  $T new-session -d -s keepalive -x 20 -y 5 "sleep 100000"
  $T new-session -d -s v -x 120 -y 40 "TERM=xterm-256color '$STRATA' '$P/corrupt-gzip-layer.tar'; echo EXITED \$?; sleep 100000"
  seen=0
  for _ in $(seq 1 $((TIMEOUT * 10))); do
    $T capture-pane -p -t v 2>/dev/null | grep -qF "PARTIAL  layer 2 is damaged (corrupt gzip stream" && { seen=1; break; }
    sleep 0.1
  done
  if [ $seen -eq 1 ]; then pass "view: a PARTIAL banner names layer 2 and its corrupt gzip stream"
  else fail "view: no PARTIAL banner: $($T capture-pane -p -t v | head -n 4)"; fi
  if $T capture-pane -p -t v | grep -qE "^│! 2 .*DAMAGED "; then pass "view: layer 2 is marked DAMAGED in the layers pane"
  else fail "view: layer 2 not marked: $($T capture-pane -p -t v | sed -n 4,9p)"; fi
  $T send-keys -t v q
  for _ in $(seq 1 50); do $T capture-pane -p -t v | grep -q "EXITED" && break; sleep 0.1; done
  $T capture-pane -p -t v | grep -q "EXITED" && pass "view: quits" || fail "view: did not quit"
  tmux_reap "strata-badinput-$$"
else
  skip "view of a damaged image" "tmux not installed"
fi

# a config too big to read is named as such, not "not JSON"
python3 - "$D" "$B/huge-config.tar" <<'PY'
import io, json, sys, tarfile
src, dst = sys.argv[1:3]
t = tarfile.open(src)
cfg = json.loads(t.extractfile("manifest.json").read())[0]["Config"]
with tarfile.open(dst, "w") as o:
    for m in t.getmembers():
        d = t.extractfile(m).read() if m.isfile() else None
        if m.name == cfg:
            d = d[:-1] + b', "pad": "' + b"x" * (65 << 20) + b'"}'
        if d is None:
            o.addfile(m)
        else:
            m.size = len(d); o.addfile(m, io.BytesIO(d))
PY
timeout "$TIMEOUT" "$STRATA" --json "$B/huge-config.tar" > /dev/null 2> "$WORKDIR/err" < /dev/null; rc=$?
if [ $rc -eq 1 ] && grep -q "huge-config.tar: config .* bytes, more than the 64 MiB strata reads as JSON" "$WORKDIR/err"; then
  pass "huge-config.tar: exit 1, $(cat "$WORKDIR/err")"
else
  fail "huge-config.tar: want exit 1 and 'more than the 64 MiB strata reads as JSON'; got exit $rc: $(head -c 300 "$WORKDIR/err")"
fi
rm -f "$B/huge-config.tar"

# usage errors are 64, not 1
timeout "$TIMEOUT" "$STRATA" --no-such-option "$D" > /dev/null 2>&1 < /dev/null; check "unknown option: exit 64" $? 64

finish "e2e bad input"
