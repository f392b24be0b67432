#!/usr/bin/env bash
# test_large.sh: a million entries in one directory (issue: "never a crash, a hang or a partial
# result"): generated once by Python's tarfile into /var/tmp/strata-large (cached), then read
# with and without content. Checks the counts, not the time (make bench measures speed); the
# timeout only guards against a hang.
source "$(dirname "$0")/common.bash"
require_strata "e2e large"
DIR=${LARGE_DIR:-/var/tmp/strata-large}
IMG=$DIR/million-in-one-dir.v1.tar
N=1000000
if [ ! -s "$IMG" ]; then
  mkdir -p "$DIR"
  python3 - "$IMG" "$N" <<'PY' || { fail "could not generate $IMG"; finish "e2e large"; exit 1; }
import hashlib, io, json, os, sys, tarfile
img, n = sys.argv[1], int(sys.argv[2])
layer = img + ".layer"
with tarfile.open(layer, "w", format=tarfile.USTAR_FORMAT) as t:
    d = tarfile.TarInfo("big"); d.type = tarfile.DIRTYPE; t.addfile(d)
    for i in range(n):
        ti = tarfile.TarInfo("big/f%07d" % i); ti.size = 1
        t.addfile(ti, io.BytesIO(b"%d" % (i % 10)))
h = hashlib.sha256(open(layer, "rb").read()).hexdigest()
cfg = json.dumps({"architecture": "amd64", "os": "linux",
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + h]},
                  "history": [{"created_by": "/bin/sh -c make a million files"}]}).encode()
ch = hashlib.sha256(cfg).hexdigest()
man = json.dumps([{"Config": ch + ".json", "RepoTags": ["large:1"], "Layers": [h + "/layer.tar"]}]).encode()
with tarfile.open(img + ".part", "w") as t:
    for name, b in ((ch + ".json", cfg), ("manifest.json", man)):
        ti = tarfile.TarInfo(name); ti.size = len(b); t.addfile(ti, io.BytesIO(b))
    t.add(layer, arcname=h + "/layer.tar")
os.remove(layer)
os.rename(img + ".part", img)
PY
fi
for mode in --no-content ""; do
  timeout 600 "$STRATA" --json $mode "$IMG" > "$WORKDIR/j.json" 2> "$WORKDIR/err" < /dev/null
  rc=$?
  label="1M entries in one directory${mode:+ ($mode)}"
  check "$label: exit 0" "$rc" 0
  check "$label: final files" "$(jq .totals.final_files "$WORKDIR/j.json")" $N
  check "$label: layer bytes" "$(jq .totals.layer_bytes "$WORKDIR/j.json")" $N
  check "$label: added entries (the folder and its files)" "$(jq '.layers[0].added' "$WORKDIR/j.json")" $((N + 1))
done
check "1M entries: ten duplicate groups of 100,000 copies" \
  "$(jq -c '[.waste.duplicates[] | .count] | sort | unique' "$WORKDIR/j.json")" "[100000]"
# A million entries over four gzip layers of 250,000 (an OCI archive), read with every worker
# busy: --jobs 2 gives the JSON of --jobs 1, and its peak RSS stays within 200 bytes per entry
# plus a fixed 64 MB (buffers, libraries), the workers' entry arrays included.
IMG4=$DIR/million-in-four-gzip-layers.v1.tar
if [ ! -s "$IMG4" ]; then
  python3 - "$IMG4" <<'PY' || { fail "could not generate $IMG4"; finish "e2e large"; exit 1; }
import gzip, hashlib, io, json, os, sys, tarfile
img = sys.argv[1]
def header(name, typ=b"0", mode=0o644):
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b"%07o\0" % mode
    h[108:116] = b"0000000\0"; h[116:124] = b"0000000\0"
    h[124:136] = b"00000000000\0"; h[136:148] = b"14545753400\0"
    h[148:156] = b"        "; h[156:157] = typ
    h[257:263] = b"ustar\0"; h[263:265] = b"00"
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)
blobs, diff_ids = [], []
for L in range(4):
    raw = io.BytesIO()
    for d in range(250):
        raw.write(header(b"l%d/d%03d" % (L, d), b"5", 0o755))
        for k in range(999):
            raw.write(header(b"l%d/d%03d/f%04d" % (L, d, k)))
    raw.write(b"\0" * 1024)
    r = raw.getvalue()
    diff_ids.append("sha256:" + hashlib.sha256(r).hexdigest())
    blobs.append(gzip.compress(r, 1, mtime=0))
sha = lambda b: hashlib.sha256(b).hexdigest()
cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids},
                  "history": [{"created_by": "RUN make %d" % L} for L in range(4)]}).encode()
man = json.dumps({"schemaVersion": 2, "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                  "digest": "sha256:" + sha(cfg), "size": len(cfg)},
                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                              "digest": "sha256:" + sha(b), "size": len(b)} for b in blobs]}).encode()
idx = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "digest": "sha256:" + sha(man), "size": len(man)}]}).encode()
with tarfile.open(img + ".part", "w") as t:
    for n, b in [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", idx),
                 ("blobs/sha256/" + sha(man), man), ("blobs/sha256/" + sha(cfg), cfg)] + \
                [("blobs/sha256/" + sha(b), b) for b in blobs]:
        ti = tarfile.TarInfo(n); ti.size = len(b); t.addfile(ti, io.BytesIO(b))
os.rename(img + ".part", img)
PY
fi
for j in 1 2; do
  timeout 900 /usr/bin/time -o "$WORKDIR/t$j" -f '%M' "$STRATA" --json --jobs $j "$IMG4" \
    > "$WORKDIR/four.$j.json" 2> "$WORKDIR/four.$j.err" < /dev/null
  check "1M entries in 4 gzip layers, --jobs $j: exit 0" "$?" 0
done
check "1M entries in 4 gzip layers: --jobs 2 JSON = --jobs 1 JSON" \
  "$(cmp -s "$WORKDIR/four.1.json" "$WORKDIR/four.2.json" && echo same || echo differs)" same
check "1M entries in 4 gzip layers: final files" "$(jq .totals.final_files "$WORKDIR/four.2.json")" 999000
# a sanitizer build keeps freed memory in quarantine and shadows it: a wider margin (as test_memory.sh)
MARGIN_MB=64
case $(basename "$STRATA") in *asan*) MARGIN_MB=700 ;; esac
kb=$(tail -n 1 "$WORKDIR/t2"); ceil=$(( (200 * 1000000) / 1024 + MARGIN_MB * 1024 ))
echo "# 1M entries in 4 gzip layers, --jobs 2: peak RSS $((kb / 1024)) MB (--jobs 1: $(( $(tail -n 1 "$WORKDIR/t1") / 1024 )) MB)"
if [ "${kb:-0}" -gt 0 ] && [ "$kb" -le "$ceil" ]; then pass "1M entries, --jobs 2: peak RSS ${kb} KB <= $ceil KB"
else fail "1M entries, --jobs 2: peak RSS ${kb:-?} KB, ceiling $ceil KB (200 B per entry + $MARGIN_MB MB)"; fi
finish "e2e large"
