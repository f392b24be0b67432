#!/usr/bin/env bash
# test_nothread.sh: when no thread can be started, every path finishes on the calling thread with
# the same output. A small LD_PRELOAD library (nothread_shim.c, built here) makes every
# pthread_create fail with EAGAIN; each image's --json (file and stdin), diff --json and the
# interactive view must then come out exactly as with threads, within the timeout (one path used
# to wait forever for a decompressor thread that was never started).
#
#   STRATA=./strata bash tests/e2e/test_nothread.sh
source "$(dirname "$0")/common.bash"
require_strata "e2e nothread"
G=$WORKDIR/gen; mkdir -p "$G"
SHIM=$WORKDIR/nothread.so
if ! ${CC:-cc} -shared -fPIC -o "$SHIM" "$HERE/nothread_shim.c" 2> "$WORKDIR/cc.err"; then
  fail "cannot build the pthread_create shim: $(head -c 300 "$WORKDIR/cc.err")"
  finish "e2e nothread"; exit 1
fi
# an ASan build checks that its runtime comes first; the shim must come first here
NT_ENV=(env LD_PRELOAD="$SHIM" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")

# Layers bigger than the decompressor's four 1 MiB slots (the old hang needed more than that),
# plain, gzip and zstd, in a docker-archive; the same with its gzip layer cut short (partial).
python3 - "$G" <<'PY'
import gzip, hashlib, io, json, os, subprocess, sys, tarfile
out = sys.argv[1]
def layer(i):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(name, data):
            ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644; ti.mtime = 1700000000
            t.addfile(ti, io.BytesIO(data))
        lines = b"".join(b"layer %d line %08d some text to fill a large file\n" % (i, k) for k in range(160000))
        add("data/big-%d.txt" % i, lines)                     # about 8 MB
        for k in range(200):
            add("data/small/%d-%03d.conf" % (i, k), b"key=value %d %d\n" % (i, k))
        add("app/.env", b"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n")
        if i == 2:
            add("data/big-0.txt", b"overwritten\n")
    return b.getvalue()
plain = [layer(i) for i in range(3)]
comp = [plain[0], gzip.compress(plain[1], 6, mtime=0),
        subprocess.run(["zstd", "-q", "-c", "-3"], input=plain[2], capture_output=True, check=True).stdout]
def write(name, blobs):
    cfg = {"architecture": "amd64", "os": "linux", "config": {},
           "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(p).hexdigest() for p in plain]},
           "history": [{"created_by": "COPY layer%d /" % i} for i in range(3)]}
    cj = json.dumps(cfg).encode()
    man = [{"Config": "config.json", "RepoTags": ["nothread:%s" % name], "Layers": ["l%d/layer.tar" % i for i in range(3)]}]
    with tarfile.open(os.path.join(out, name + ".tar"), "w") as t:
        for n, d in [("config.json", cj)] + [("l%d/layer.tar" % i, b) for i, b in enumerate(blobs)] + \
                    [("manifest.json", json.dumps(man).encode())]:
            ti = tarfile.TarInfo(n); ti.size = len(d); ti.mtime = 1700000000
            t.addfile(ti, io.BytesIO(d))
write("mixed", comp)
write("truncated-gzip", [comp[0], comp[1][: len(comp[1]) // 2], comp[2]])
write("plain", plain)
PY
[ -f "$G/mixed.tar" ] || { fail "could not generate the test images"; finish "e2e nothread"; exit 1; }

IMAGES=("$G/mixed.tar" "$G/plain.tar" "$G/truncated-gzip.tar")
for p in "$PEERS"/test-docker-image.tar "$PEERS"/test-oci-zstd-image.tar "$PEERS"/test-kaniko-image.tar; do
  [ -f "$p" ] && IMAGES+=("$p")
done

# same_json NAME ARGS...: strata ARGS with threads and without; same stdout, same exit, no hang,
# and the shim was asked for at least one thread
same_json() {
  local name=$1; shift
  local a=$WORKDIR/a.json b=$WORKDIR/b.json log=$WORKDIR/nt.log rca rcb calls
  timeout "$TIMEOUT" "$STRATA" "$@" > "$a" 2> "$WORKDIR/a.err" < "${STDIN_FILE:-/dev/null}"; rca=$?
  rm -f "$log"
  timeout "$TIMEOUT" "${NT_ENV[@]}" STRATA_NOTHREAD_LOG="$log" "$STRATA" "$@" > "$b" 2> "$WORKDIR/b.err" \
    < "${STDIN_FILE:-/dev/null}"; rcb=$?
  calls=$(wc -c < "$log" 2>/dev/null || echo 0)
  if [ "$rcb" -eq 124 ]; then fail "$name: hangs without threads (timed out after ${TIMEOUT}s)"; return; fi
  if [ "$rca" -ne "$rcb" ]; then fail "$name: exit $rca with threads, $rcb without: $(head -c 300 "$WORKDIR/b.err")"; return; fi
  if [ "$calls" -lt "${MIN_CALLS:-1}" ]; then fail "$name: only $calls pthread_create calls (want ${MIN_CALLS:-1}): the path was not taken"; return; fi
  if ! [ -s "$a" ] || ! cmp -s "$a" "$b"; then
    fail "$name: output differs without threads: $(diff "$a" "$b" | head -c 400)"; return
  fi
  pass "$name: same output and exit ($rca) without threads ($calls thread starts refused)"
}

for img in "${IMAGES[@]}"; do
  n=$(basename "$img")
  # one decompressor or content worker per layer, plus the secret scan beside the waste walk
  MIN_CALLS=2 same_json "$n --json" --json "$img"
  MIN_CALLS=1 same_json "$n --json --no-content" --json --no-content "$img"
  # from stdin a plain layer has no content worker (nothing to seek in): the secret scan's thread
  STDIN_FILE=$img MIN_CALLS=1 same_json "$n --json from stdin" --json -
done
# the partial image stays partial without threads, naming the same layer
"${NT_ENV[@]}" "$STRATA" --json "$G/truncated-gzip.tar" > "$WORKDIR/p.json" 2> /dev/null < /dev/null
if jq -e '.partial == true and (.layers[1].error | test("truncated gzip")) and .layers[0].error == null' \
     "$WORKDIR/p.json" > /dev/null 2>&1; then
  pass "truncated-gzip.tar without threads: partial, layer 1 a truncated gzip stream"
else
  fail "truncated-gzip.tar without threads: not partial with layer 1 a truncated gzip stream: $(head -c 300 "$WORKDIR/p.json")"
fi
# diff loads its second image on a thread of its own
MIN_CALLS=3 same_json "diff --json" diff --json "$G/mixed.tar" "$G/plain.tar"

# the view's loader thread: the view opens and quits without one
if command -v tmux > /dev/null; then
  SOCK=strata-nothread-$$
  T="tmux -L $SOCK"
  $T new-session -d -s keepalive -x 20 -y 5 "sleep 100000"
  $T new-session -d -s v -x 120 -y 40 \
    "${NT_ENV[*]} TERM=xterm-256color '$STRATA' '$G/mixed.tar'; echo EXITED \$?; sleep 100000"
  shown=0
  for _ in $(seq 1 $((TIMEOUT * 10))); do
    $T capture-pane -p -t v 2>/dev/null | grep -qF "Layers (" && { shown=1; break; }
    sleep 0.1
  done
  if [ $shown -eq 1 ]; then
    $T send-keys -t v q
    for _ in $(seq 1 50); do $T capture-pane -p -t v | grep -q "EXITED" && break; sleep 0.1; done
    if $T capture-pane -p -t v | grep -q "EXITED 0"; then pass "view: opens and quits without a loader thread"
    else fail "view: did not quit cleanly: $($T capture-pane -p -t v | tail -n 3)"; fi
  else
    fail "view: never showed its layers without a loader thread: $($T capture-pane -p -t v | head -n 5)"
  fi
  tmux_reap "$SOCK"
else
  skip "view without a loader thread: tmux not installed"
fi

finish "e2e nothread"
