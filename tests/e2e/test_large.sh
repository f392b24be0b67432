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
finish "e2e large"
