#!/usr/bin/env bash
# test_jobs.sh: --jobs N reads the layers of a file or directory on N threads, and every output
# is the one --jobs 1 gives, byte for byte (--json with and without content).
#   1. generated multi-layer images (made here by Python's tarfile, gzip and the zstd tool): all
#      gzip, all zstd, all plain, and a mixed one with a layer the manifest names twice, secrets,
#      a dpkg database, whiteouts and an opaque folder, as docker-archive, OCI archive and OCI
#      layout: --jobs 1, 2 and 4;
#   2. every test image there is (the peer fixtures, demo/demo.tar, the real images when built):
#      --jobs 1 and 2.
# Under `make tsan` STRATA is the ThreadSanitizer build: any race report (or its exit code 66)
# fails the case; TSAN=1 runs the generated images only (one form each but the mixed one).
#
#   STRATA=./strata bash tests/e2e/test_jobs.sh
source "$(dirname "$0")/common.bash"
require_strata "e2e jobs"
G=$WORKDIR/gen; mkdir -p "$G"
TIMEOUT=${E2E_JOBS_TIMEOUT:-300}
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}halt_on_error=1:exitcode=66"

python3 - "$G" <<'PY' || { fail "cannot generate the images"; finish "e2e jobs"; exit 1; }
import gzip, hashlib, io, json, os, subprocess, sys, tarfile
out = sys.argv[1]

def tar(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in files:
            ti = tarfile.TarInfo(name); ti.mtime = 1700000000
            if data is None:
                ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
            else:
                ti.size = len(data); ti.mode = 0o644; t.addfile(ti, io.BytesIO(data))
    return b.getvalue()

def layer(i):
    f = [("srv/%d" % i, None)]
    # many small files across folders, so that workers overlap and the merge has work
    for d in range(20):
        for k in range(60):
            f.append(("srv/%d/d%02d/f%03d.txt" % (i, d, k), b"layer %d dir %d file %d\n" % (i, d, k) * (k % 7 + 1)))
    f.append(("usr/share/common/same.txt", b"shared name, layer %d\n" % i))       # overwritten above
    f.append(("app/.env", b"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nlayer=%d\n" % i))
    f.append(("app/config-%d.py" % i, b"token = \"ghp_%036d\"\n" % i))
    f.append(("data/big-%d.bin" % i, bytes(range(256)) * (6000 + 500 * i)))       # ~1.5 MB
    if i == 0:
        f.append(("var/lib/dpkg/status", b"Package: fakeapp\nStatus: install ok installed\nVersion: 1.0\n"
                  b"Architecture: amd64\n\nPackage: other\nStatus: install ok installed\nVersion: 2\n"))
        f.append(("var/lib/dpkg/info/fakeapp.list", b"/srv\n/srv/0\n/srv/0/d00/f000.txt\n"))
        f.append(("old/keep/a.txt", b"a\n"))
        f.append(("old/gone.txt", b"to be deleted\n" * 100))
    if i == 2:
        f.append(("old/.wh.gone.txt", b""))
        f.append(("old/keep/.wh..wh..opq", b""))
        f.append(("srv/0/d01/f001.txt", b"overwritten in layer 2\n"))
    return tar(f)

def zstd(b):
    return subprocess.run(["zstd", "-q", "-c", "-3"], input=b, capture_output=True, check=True).stdout

plain = [layer(i) for i in range(5)]
shapes = {
    "gzip": [gzip.compress(p, 6, mtime=0) for p in plain],
    "zstd": [zstd(p) for p in plain],
    "plain": list(plain),
    # mixed, and layer 1 named again as layer 4 (one blob, two uses)
    "mixed": [plain[0], gzip.compress(plain[1], 6, mtime=0), zstd(plain[2]), plain[3],
              gzip.compress(plain[1], 6, mtime=0)],
}

def config(blobs_plain):
    return json.dumps({"architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/bin"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(p).hexdigest() for p in blobs_plain]},
        "history": [{"created_by": "COPY layer%d /" % i} for i in range(len(blobs_plain))]}).encode()

def sha(b): return hashlib.sha256(b).hexdigest()

def add(t, name, data):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 1700000000
    t.addfile(ti, io.BytesIO(data))

for name, blobs in shapes.items():
    used_plain = plain if name != "mixed" else plain[:4] + [plain[1]]
    cfg = config(used_plain)
    # docker-archive
    man = [{"Config": sha(cfg) + ".json", "RepoTags": ["jobs:%s" % name],
            "Layers": ["%s/layer.tar" % sha(b) for b in blobs]}]
    with tarfile.open(os.path.join(out, name + ".docker.tar"), "w") as t:
        add(t, sha(cfg) + ".json", cfg)
        seen = set()
        for b in blobs:
            if sha(b) not in seen:
                seen.add(sha(b)); add(t, "%s/layer.tar" % sha(b), b)
        add(t, "manifest.json", json.dumps(man).encode())
    # OCI archive and layout
    mt = {"gzip": "application/vnd.oci.image.layer.v1.tar+gzip"}
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + sha(cfg), "size": len(cfg)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + sha(b), "size": len(b)} for b in blobs]}).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:" + sha(manifest), "size": len(manifest)}]}).encode()
    members = [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), ("index.json", index),
               ("blobs/sha256/" + sha(manifest), manifest), ("blobs/sha256/" + sha(cfg), cfg)]
    seen = set()
    for b in blobs:
        if sha(b) not in seen:
            seen.add(sha(b)); members.append(("blobs/sha256/" + sha(b), b))
    with tarfile.open(os.path.join(out, name + ".oci.tar"), "w") as t:
        for n, d in members:
            add(t, n, d)
    lay = os.path.join(out, name + ".layout")
    for n, d in members:
        p = os.path.join(lay, n); os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, "wb").write(d)
PY

# same_json LABEL IMAGE JOBS...: --json (and --json --no-content) with each --jobs equal the first
same_json() {
  local label=$1 img=$2; shift 2
  local mode j first rc bad
  for mode in "" --no-content; do
    first= bad=
    for j in "$@"; do
      timeout "$TIMEOUT" "$STRATA" --json $mode --jobs "$j" "$img" > "$WORKDIR/out.$j" 2> "$WORKDIR/err.$j" < /dev/null
      rc=$?
      if grep -q "ThreadSanitizer" "$WORKDIR/err.$j" || [ "$rc" = 66 ] || [ "$rc" -gt 1 ]; then
        bad="--jobs $j exit $rc: $(grep -m3 -A6 'WARNING: ThreadSanitizer\|^strata:' "$WORKDIR/err.$j" | head -c 1500)"
        break
      fi
      if [ ! -s "$WORKDIR/out.$j" ]; then bad="--jobs $j wrote no JSON (exit $rc)"; break; fi
      if [ -z "$first" ]; then first=$j; continue; fi
      cmp -s "$WORKDIR/out.$first" "$WORKDIR/out.$j" ||
        { bad="--jobs $j differs from --jobs $first: $(diff "$WORKDIR/out.$first" "$WORKDIR/out.$j" | head -5)"; break; }
    done
    if [ -z "$bad" ]; then pass "$label${mode:+ $mode}: --json identical with --jobs $*"
    else fail "$label${mode:+ $mode}: $bad"; fi
  done
}

for shape in gzip zstd plain mixed; do
  for form in docker.tar oci.tar layout; do
    # instrumented runs are slow: under TSAN=1 one form per shape, all three for the mixed one
    [ "${TSAN:-0}" = 1 ] && [ "$shape" != mixed ] && [ "$form" != oci.tar ] && continue
    same_json "$shape ($form)" "$G/$shape.$form" 1 2 4
  done
done

# what the generated images must show, whatever the jobs: 5 layers, the repeated one stacked twice,
# the secrets found in every layer, the deleted file gone
J=$WORKDIR/mixed.json
timeout "$TIMEOUT" "$STRATA" --json --jobs 4 "$G/mixed.oci.tar" > "$J" 2> /dev/null < /dev/null
check "mixed: 5 layers" "$(jq '.layers | length' "$J")" 5
check "mixed: layers 1 and 4 are one blob" "$(jq -r '[.layers[1].digest == .layers[4].digest] | all' "$J")" true
check "mixed: the GitHub token of every layer found" \
  "$(jq '[.secrets[]? | select(.rule == "github-pat") | .path] | unique | length' "$J")" 4
check "mixed: layer 2 removes old/gone.txt and, by its opaque marker, old/keep/a.txt" "$(jq ".layers[2].removed" "$J")" 2

# every test image there is: --jobs 1 and 2 (not under TSAN=1: the generated images cover the
# threaded paths, and the real ones would take many minutes instrumented)
[ "${TSAN:-0}" = 1 ] && { finish "e2e jobs (ThreadSanitizer)"; exit; }
imgs=("$PEERS"/*.tar "$ROOT/demo/demo.tar")
for f in "$REAL_DIR"/*.tar "$D26_DIR"/*.tar; do [ -f "$f" ] && imgs+=("$f"); done
for f in "${imgs[@]}"; do
  [ -f "$f" ] || { fail "$f missing"; continue; }
  same_json "$(basename "$f")" "$f" 1 2
done
finish "e2e jobs"
