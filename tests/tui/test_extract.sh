#!/usr/bin/env bash
# test_extract.sh: `v` and `x` in a real terminal (tmux) read the copy of a file that the image
# shows, when one layer holds the path twice, and extract writes it safely.
#   STRATA=./strata bash tests/tui/test_extract.sh
# The image is made here by python3's tarfile (a docker-archive whose second layer holds
# app/conf.txt twice, the second copy setuid, and a third layer of one 1 GiB file of zeros); the expected bytes are the LAST member of that name
# as python3 tarfile reads it, compared with cmp. Polls the pane (no bare sleeps).
set -uo pipefail
STRATA=${STRATA:-./strata}
case $STRATA in /*) ;; *) STRATA=$(cd "$(dirname "$STRATA")" && pwd)/$(basename "$STRATA") ;; esac
SOCK=strata-extract-$$
TIMEOUT=${TUI_TIMEOUT:-20}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-extract.XXXXXX")
# shellcheck source=../harness.bash
source "$(dirname "${BASH_SOURCE[0]}")/../harness.bash"

cleanup() { tmux_reap "$SOCK"; rm -rf "$WORK"; }
trap cleanup EXIT

# missing tools are a failure, not a skip: this suite must run where CI runs it
for tool in tmux python3 cmp; do
  command -v "$tool" >/dev/null || { echo "FAIL - $tool not installed (scripts/deps.sh)"; exit 1; }
done
[ -x "$STRATA" ] || { echo "FAIL - $STRATA not built"; exit 1; }

source "$(dirname "${BASH_SOURCE[0]}")/tmux.bash"   # t, screen, wait_for, expect, ...

# ---------------------------------------------------------------- the image
python3 - "$WORK" <<'EOF' || { echo "FAIL - could not build the test image"; exit 1; }
import gzip, io, json, os, sys, tarfile
work = sys.argv[1]

def member(tf, name, data, mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode, ti.mtime = len(data), mode, 1700000000
    tf.addfile(ti, io.BytesIO(data))

def layer(fill, gz=False):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        fill(tf)
    b = raw.getvalue()
    return gzip.compress(b, 1) if gz else b

def l0(tf):
    d = tarfile.TarInfo("app"); d.type = tarfile.DIRTYPE; d.mode = 0o755; tf.addfile(d)
    member(tf, "app/conf.txt", b"from the base layer\n")

def l1(tf):
    d = tarfile.TarInfo("onlydir"); d.type = tarfile.DIRTYPE; d.mode = 0o755; tf.addfile(d)
    member(tf, "app/conf.txt", b"FIRST copy, overwritten in this same layer\n" * 50)
    member(tf, "app/conf.txt", b"SECOND copy, the visible one\n" + bytes(range(256)) * 40, 0o4755)
    member(tf, "app/big.bin", b"\0" * (64 << 20))

class Zeros:       # 1 GiB of zeros, never all in memory
    def __init__(self): self.left = 1 << 30
    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return b"\0" * n

def l2():
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=1, format=tarfile.PAX_FORMAT) as tf:
        ti = tarfile.TarInfo("app/huge.bin")
        ti.size, ti.mode, ti.mtime = 1 << 30, 0o644, 1700000000
        tf.addfile(ti, Zeros())
        member(tf, "app/after.txt", b"behind a gigabyte\n")
    return raw.getvalue()

layers = [("l0/layer.tar", layer(l0)), ("l1/layer.tar", layer(l1, gz=True)), ("l2/layer.tar", l2())]
config = {"architecture": "amd64", "os": "linux",
          "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 63 + str(i) for i in range(3)]},
          "history": [{"created_by": "COPY base /"}, {"created_by": "COPY dup /"},
                      {"created_by": "COPY huge /"}]}
manifest = [{"Config": "config.json", "RepoTags": ["dup:1"], "Layers": [n for n, _ in layers]}]
with tarfile.open(os.path.join(work, "dup.tar"), "w") as out:
    for name, data in layers + [("config.json", json.dumps(config).encode()),
                                ("manifest.json", json.dumps(manifest).encode())]:
        member(out, name, data)

# what the image shows at app/conf.txt: the last member of that name in the last layer holding it
with tarfile.open(fileobj=io.BytesIO(layers[1][1]), mode="r:gz") as tf:
    last = [m for m in tf.getmembers() if m.name == "app/conf.txt"][-1]
    open(os.path.join(work, "expected"), "wb").write(tf.extractfile(last).read())
EOF

s=x
t new-session -d -s $s -x 120 -y 40 "env LC_ALL=C.UTF-8 $STRATA '$WORK/dup.tar'; echo EXIT=\$?; read -r x"
expect $s "Files after layer 2" "image opens"
# the tree shows while the 1 GiB layer is still being read: act once the image is analysed
expect $s "efficiency" "image loaded and analysed"

# the viewer shows the second copy
t send-keys -t $s / c o n f . t x t Enter
expect $s "match 1 of" "search finds app/conf.txt"
t send-keys -t $s v
expect $s "SECOND copy, the" "v shows the visible (last) copy"
if screen $s | grep -q "FIRST copy"; then fail "v shows the overwritten copy"; else pass "v never shows the overwritten copy"; fi
t send-keys -t $s q
expect $s "Files after layer 2" "viewer closes"

# extract into a folder that does not exist yet
t send-keys -t $s x
expect $s "extract to folder: ." "x asks for a folder"
t send-keys -t $s C-u
t send-keys -t $s -l "$WORK/out/new"
t send-keys -t $s Enter
expect $s "wrote " "x writes the file"
got=$WORK/out/new/app/conf.txt
if [ -f "$got" ] && cmp -s "$got" "$WORK/expected"; then
  pass "extracted bytes equal python3 tarfile's last member"
else
  fail "extracted bytes differ from the last member"; cmp "$got" "$WORK/expected"
fi
mode=$(stat -c %a "$got" 2>/dev/null)
[ "$mode" = 755 ] && pass "permission bits kept, setuid dropped (755)" || fail "mode is $mode, want 755"
# twice: refused, the file untouched
t send-keys -t $s x C-u
t send-keys -t $s -l "$WORK/out/new"
t send-keys -t $s Enter
expect $s "already exists, not overwritten" "x never overwrites"
cmp -s "$got" "$WORK/expected" && pass "the file is untouched" || fail "the file changed"

# a folder is refused before a destination is asked for
t send-keys -t $s / o n l y d i r Enter
expect $s "match 1 of" "search finds onlydir"
t send-keys -t $s x
expect $s "is a directory" "x on a folder says so"
if screen $s | grep -q "extract to folder"; then fail "x on a folder asked for a destination"; else pass "x on a folder asks nothing"; fi

# a large file: a cancel typed ahead is seen at the first MiB, and nothing is left
t send-keys -t $s / b i g . b i n Enter
expect $s "match 1 of" "search finds big.bin"
t send-keys -t $s x C-u
t send-keys -t $s -l "$WORK/cancel"
t send-keys -t $s Enter c
expect $s "extract cancelled: nothing written" "c cancels a large extract"
left=$(find "$WORK/cancel" -type f 2>/dev/null | wc -l)
[ "$left" -eq 0 ] && pass "a cancelled extract leaves no file" || { fail "cancel left $left file(s)"; find "$WORK/cancel" -type f; }

t send-keys -t $s q
expect $s "EXIT=0" "q quits"
t kill-session -t $s

# Ctrl-C in the middle of a large extract (1 GiB, its progress on screen): the temporary file is
# removed, then strata dies of the signal
# (the shell ignores SIGINT so that it lives to print the exit status; strata sets its own handler)
s=int
t new-session -d -s $s -x 120 -y 40 "trap '' INT; env LC_ALL=C.UTF-8 $STRATA '$WORK/dup.tar'; echo EXIT=\$?; read -r x"
expect $s "Files after layer 2" "image opens again"
expect $s "efficiency" "image loaded and analysed again"
# v on a small file behind the 1 GiB one: a c typed ahead stops the walk; without it, its bytes
t send-keys -t $s / a f t e r . t x t Enter
expect $s "match 1 of" "search finds after.txt"
t send-keys -t $s v c
expect $s "viewing cancelled" "c stops the viewer's walk through a large layer"
t send-keys -t $s v
expect $s "behind a gigabyte" "v shows a file behind a 1 GiB member"
t send-keys -t $s q
expect $s "Files after layer 2" "viewer closes"
t send-keys -t $s / h u g e . b i n Enter
expect $s "match 1 of" "search finds huge.bin"
t send-keys -t $s x C-u
t send-keys -t $s -l "$WORK/int"
t send-keys -t $s Enter
expect $s "extracting: " "a large extract shows its progress"
t send-keys -t $s C-c
expect $s "EXIT=130" "Ctrl-C during an extract exits as SIGINT"
left=$(find "$WORK/int" -type f 2>/dev/null | wc -l)
[ "$left" -eq 0 ] && pass "an interrupted extract leaves no file" || { fail "Ctrl-C left $left file(s)"; find "$WORK/int" -type f; }

finish "tui extract"
