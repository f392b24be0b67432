#!/usr/bin/env bash
# test_diff.sh: `strata diff` on the real images of ../shared/tools/make-real-images.sh.
#
#   a single stage (docker-archive)  vs  b multi stage (docker-archive): every figure of
#     only_in_a / only_in_b / changed, and the per-instruction split of only_in_a, against an
#     independent reader below (Python tarfile, whiteouts applied, SHA-1 of every file body);
#     the apt lists and the pip cache are only in A with the bytes the reader finds under their
#     folders; the toolchain is only in A.
#   a vs a, and a (docker-archive) vs d (OCI, zstd layers), b vs f (OCI, gzip+zstd): no file
#     differences, every layer shared.
#   the text form (stdout not a terminal) says the same.
# Prints `SKIP: …` without /var/tmp/strata-real; last line `e2e diff: N passed, M failed`.
source "$(dirname "$0")/common.bash"
require_strata "e2e diff"

A=$REAL_DIR/a-single-stage.docker.tar
B=$REAL_DIR/b-multi-stage.docker.tar
D=$REAL_DIR/d-single-stage-zstd.oci.tar
F=$REAL_DIR/f-multi-stage-mixed.oci.tar
if [ ! -f "$A" ] || [ ! -f "$B" ]; then
  skip "real images absent ($REAL_DIR): run ../shared/tools/make-real-images.sh $REAL_DIR"
  finish "e2e diff"; exit $?
fi

# json_get FILE EXPR: a Python expression over r (the parsed report)
json_get() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

run_diff() {  # run_diff OUT A B
  if timeout "$TIMEOUT" "$STRATA" diff --json "$2" "$3" > "$1" 2> "$1.err"; then
    pass "strata diff --json $(basename "$2") $(basename "$3") exits 0"
  else
    fail "strata diff --json $(basename "$2") $(basename "$3"): exit $? ($(head -1 "$1.err"))"
    return 1
  fi
}

# ---------------------------------------------------------------- A vs B against the reader
if run_diff "$WORKDIR/ab.json" "$A" "$B"; then
  python3 - "$A" "$B" "$WORKDIR/ab.json" "$HERE" > "$WORKDIR/ab.out" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[4])
from final_fs import final_fs   # tests/e2e/final_fs.py: tarfile alone

a, b = final_fs(sys.argv[1]), final_fs(sys.argv[2])
r = json.load(open(sys.argv[3]))
fa = {p: v for p, v in a.items() if v[0] != "dir"}
fb = {p: v for p, v in b.items() if v[0] != "dir"}
only_a = {p: v for p, v in fa.items() if p not in fb}
only_b = {p: v for p, v in fb.items() if p not in fa}
changed = {p: (fa[p], fb[p]) for p in fa if p in fb and fa[p][:4] != fb[p][:4]}

def check(what, got, want):
    print(("ok - %s" % what) if got == want else ("FAIL - %s: got %r, want %r" % (what, got, want)))

check("A final bytes (strata vs reader)", r["a"]["final_bytes"], sum(v[1] for v in a.values()))
check("B final bytes (strata vs reader)", r["b"]["final_bytes"], sum(v[1] for v in b.values()))
# "files" counts regular files as totals.final_files does; links and the rest by kind apart
def kinds(vs):
    out = {}
    for k in vs:
        k = {"reg": "file", "hardlink": "hardlink", "symlink": "symlink"}.get(k, "other")
        out[k] = out.get(k, 0) + 1
    return out
for side, only in (("a", only_a), ("b", only_b)):
    k = kinds(v[0] for v in only.values())
    check("only_in_%s files: regular files only" % side, r["only_in_%s" % side]["files"], k.pop("file", 0))
    check("only_in_%s other_kinds" % side, r["only_in_%s" % side]["other_kinds"], k)
    check("only_in_%s bytes" % side, r["only_in_%s" % side]["bytes"], sum(v[1] for v in only.values()))
    n = len(only)
    check("only_in_%s top marked when capped" % side, (r["only_in_%s" % side].get("truncated", False),
          r["only_in_%s" % side].get("total", n)), (n > len(r["only_in_%s" % side]["top"]), n))
ck = kinds(x[0] if x[0] != "reg" else y[0] for x, y in changed.values())
check("changed files (type, size, link or SHA-1 differ; regular on both sides)", r["changed"]["files"], ck.pop("file", 0))
check("changed other_kinds", r["changed"]["other_kinds"], ck)
print("# only in A: %d entries, %d regular files" % (len(only_a), r["only_in_a"]["files"]))
check("changed a_bytes", r["changed"]["a_bytes"], sum(x[1] for x, _ in changed.values()))
check("changed b_bytes", r["changed"]["b_bytes"], sum(y[1] for _, y in changed.values()))
same_size = [p for p, (x, y) in changed.items() if x[1] == y[1] and x[0] == y[0] == "reg"]
print("# %d changed files have equal sizes and differ in content only" % len(same_size))
top = r["only_in_a"]["top"]
want_top = sorted(only_a.items(), key=lambda kv: (-kv[1][1], kv[0]))[:len(top)]
check("only_in_a top: paths largest first", [t["path"] for t in top], [p for p, _ in want_top])
check("only_in_a top: layer that wrote each", [t["layer"] for t in top], [v[4] for _, v in want_top])
check("only_in_a top[0] traced to the apt-get RUN", top[0]["created_by"].startswith("RUN apt-get"), True)
by_layer = {}
for v in only_a.values():
    by_layer[v[4]] = by_layer.get(v[4], 0) + v[1]
check("only_in_a bytes per instruction", {x["layer"]: x["bytes"] for x in r["only_in_a"]["by_layer"]}, by_layer)
ct = r["changed"]["top"]
check("changed top are changed paths", all(t["path"] in changed for t in ct), True)
check("changed top traced in both images", all(t["a_layer"] == changed[t["path"]][0][4] and
      t["b_layer"] == changed[t["path"]][1][4] for t in ct), True)
if same_size:
    check("a same-size content change is found", same_size[0] in changed, True)

cats = {c["id"]: c for c in r["categories"]}
def under(fs, d):
    return sum(v[1] for p, v in fs.items() if p.startswith(d + "/") and v[0] == "reg")
for cid, folder in (("apt-lists", "/var/lib/apt/lists"), ("pip-cache", "/root/.cache/pip")):
    want = under(fa, folder)
    print("# %s: %d bytes under %s in A, %d in B" % (cid, want, folder, under(fb, folder)))
    check("%s in A > 0" % folder, want > 0, True)
    check("%s: every file only in A" % folder, all(p in only_a for p in fa if p.startswith(folder + "/")), True)
    check("%s a_bytes = bytes under %s" % (cid, folder), cats.get(cid, {}).get("a_bytes"), want)
    check("%s b_bytes" % cid, cats.get(cid, {}).get("b_bytes"), 0)
gcc = sum(v[1] for p, v in only_a.items() if p.startswith("/usr/lib/gcc/"))
print("# toolchain: /usr/lib/gcc holds %d bytes only in A" % gcc)
check("/usr/lib/gcc only in A, > 100 MB", gcc > 100_000_000, True)
check("toolchain b_bytes", cats.get("toolchain", {}).get("b_bytes"), 0)
check("toolchain a_bytes >= /usr/lib/gcc only-in-A bytes", cats.get("toolchain", {}).get("a_bytes", 0) >= gcc, True)
EOF
  tally "$WORKDIR/ab.out"
  check "A vs B: shared_layers" "$(json_get "$WORKDIR/ab.json" 'r["shared_layers"]')" 1
  check "A vs B: schema" "$(json_get "$WORKDIR/ab.json" 'r["schema"]')" strata-diff/1
fi

# ---------------------------------------------------------------- same content, any format
no_diff() {  # no_diff LABEL X Y LAYERS
  local out=$WORKDIR/$1.json
  run_diff "$out" "$2" "$3" || return
  check "$1: no file differences (only_a, only_b, changed)" \
    "$(json_get "$out" '(r["only_in_a"]["files"], r["only_in_b"]["files"], r["changed"]["files"])')" "(0, 0, 0)"
  check "$1: shared layers" "$(json_get "$out" 'r["shared_layers"]')" "$4"
  check "$1: equal totals" "$(json_get "$out" 'r["a"]["final_bytes"] == r["b"]["final_bytes"] and r["a"]["final_files"] == r["b"]["final_files"]')" True
  check "$1: content hashes compared" "$(json_get "$out" 'r["changed"]["content_compared"]')" True
  check "$1: categories equal" "$(json_get "$out" 'all(c["a_bytes"] == c["b_bytes"] for c in r["categories"])')" True
}
no_diff "A vs A" "$A" "$A" 5
if [ -f "$D" ]; then no_diff "A (docker-archive) vs D (OCI zstd)" "$A" "$D" 5; else skip "$D absent"; fi
if [ -f "$F" ]; then no_diff "B (docker-archive) vs F (OCI gzip+zstd)" "$B" "$F" 4; else skip "$F absent"; fi

# ---------------------------------------------------------------- text form
if timeout "$TIMEOUT" "$STRATA" diff "$A" "$B" > "$WORKDIR/ab.txt" 2>&1 < /dev/null; then
  n=$(json_get "$WORKDIR/ab.json" 'r["only_in_a"]["files"] + sum(r["only_in_a"]["other_kinds"].values())' 2>/dev/null)
  check "text: Only in A line" "$(grep -c "^Only in A: $n files" "$WORKDIR/ab.txt")" 1
  check "text: shared layers" "$(grep -c '^Shared layers: 1 ' "$WORKDIR/ab.txt")" 1
  check "text: apt-lists row" "$(grep -c '^  apt-lists ' "$WORKDIR/ab.txt")" 1
  check "text: no raw escape bytes" "$(grep -c $'\x1b' "$WORKDIR/ab.txt")" 0
else
  fail "strata diff A B (text) exits non-zero"
fi
if timeout "$TIMEOUT" "$STRATA" diff "$A" > /dev/null 2>&1; then rc=0; else rc=$?; fi
check "diff with one image: usage exit" "$rc" 64

finish "e2e diff"
