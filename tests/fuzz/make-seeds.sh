#!/usr/bin/env bash
# make-seeds.sh OUTDIR: seed corpora for the fuzz harnesses (nothing binary is committed).
#   OUTDIR/image    whole images: the tiny OCI peers fixtures, one gzipped, a hand-made docker-archive
#   OUTDIR/layer    mode byte + layer blob (fuzz_layer.c): hand-made tars (pax and GNU long
#                   names, whiteouts, links, old v7) and the peers' layers (plain, gzip, zstd)
#   OUTDIR/tarscan  chunking byte + the uncompressed tars (fuzz_tarscan.c)
#   OUTDIR/packages one package database of each kind with the files it lists (fuzz_packages.c)
#   OUTDIR/config   image configs: docker, buildkit, buildah, kaniko history; env (fuzz_config.c)
#   OUTDIR/secrets  mode byte + text for the secret scanner (fuzz_secrets.c)
#   OUTDIR/strataconf  .strata.conf files (fuzz_strataconf.c)
set -euo pipefail
out=${1:?usage: make-seeds.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
peers=${PEERS:-$here/../../../shared/fixtures/peers}
mkdir -p "$out/image" "$out/layer" "$out/tarscan" "$out/packages" "$out/config" "$out/secrets" \
         "$out/strataconf"
python3 - "$out" "$peers" <<'PY'
import gzip, io, json, os, sys, tarfile, glob
out, peers = sys.argv[1], sys.argv[2]

def tar(entries, fmt=tarfile.PAX_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt) as t:
        for e in entries:
            kind, name = e[0], e[1]
            ti = tarfile.TarInfo(name)
            ti.mtime = 1700000000
            data = b""
            if kind == "f":
                data = e[2]; ti.size = len(data)
            elif kind == "d":
                ti.type = tarfile.DIRTYPE; ti.mode = 0o755
            elif kind == "l":
                ti.type = tarfile.SYMTYPE; ti.linkname = e[2]
            elif kind == "h":
                ti.type = tarfile.LNKTYPE; ti.linkname = e[2]
            t.addfile(ti, io.BytesIO(data) if kind == "f" else None)
    return b.getvalue()

long = "d/" + "x" * 150 + "/" + "y" * 120
layers = {
    "basic": tar([("d", "etc"), ("f", "etc/hosts", b"127.0.0.1 localhost\n"), ("d", "bin"),
                  ("f", "bin/sh", b"ELF" * 200), ("h", "bin/ls", "bin/sh"), ("l", "bin/link", "sh")],
                 tarfile.USTAR_FORMAT),
    "whiteouts": tar([("d", "etc"), ("f", "etc/.wh.old", b""), ("d", "d"), ("f", "d/.wh..wh..opq", b""),
                      ("f", "d/c", b"ccccccc"), ("f", ".wh.gone", b"")], tarfile.USTAR_FORMAT),
    "pax_long": tar([("d", "d"), ("f", long, b"long name body\n"), ("l", "d/s", "t" * 300),
                     ("f", "d/\u00e9t\u00e9", b"utf8")], tarfile.PAX_FORMAT),
    "gnu_long": tar([("f", long, b"gnu long body\n"), ("h", "d/h" + "z" * 110, long)], tarfile.GNU_FORMAT),
    "v7": tar([("f", "old/file", b"v7"), ("f", "old/dir/", b"")], tarfile.USTAR_FORMAT),
    "empty": b"\0" * 1024,
    "odd": tar([("f", "../escape", b"x"), ("f", "/abs", b"y"), ("f", "./a/./b/../c", b"z"),
                ("f", "stargz.index.json", b"{}")], tarfile.USTAR_FORMAT),
}
# v7: clear the ustar magic of every header so only the checksum marks it as tar
v7 = bytearray(layers["v7"])
for off in range(0, len(v7) - 512, 512):
    h = v7[off:off + 512]
    if h[257:262] == b"ustar":
        h[257:265] = b"\0" * 8
        h[148:156] = b" " * 8
        h[148:156] = b"%06o\0 " % sum(h)
        v7[off:off + 512] = h
layers["v7"] = bytes(v7)
layers["basic_gz"] = gzip.compress(layers["basic"], mtime=0)
# eStargz: one gzip member per file, then the landmark and the TOC (stargz.index.json) at the root
est = tar([("f", "bin/a", b"A" * 3000), ("f", ".prefetch.landmark", b"\0"),
           ("f", "stargz.index.json", b'{"version":1,"entries":[{"name":"bin/a","type":"reg","size":3000}]}')],
          tarfile.USTAR_FORMAT)
layers["estargz"] = b"".join(gzip.compress(est[i:i + 1536], mtime=0) for i in range(0, len(est), 1536))

# the peers' layer blobs (anything not JSON in blobs/)
for p in sorted(glob.glob(os.path.join(peers, "test-oci-*.tar"))):
    with tarfile.open(p) as t:
        for m in t.getmembers():
            if m.isfile() and m.name.startswith("blobs/"):
                d = t.extractfile(m).read()
                if d[:1] not in (b"{", b"["):
                    layers["peer_" + os.path.basename(p)[:-4] + "_" + m.name[-8:]] = d

for name, blob in layers.items():
    for mode in (0, 1, 2):
        open(os.path.join(out, "layer", "%s_%d" % (name, mode)), "wb").write(bytes([mode]) + blob)
    if blob[:2] != b"\x1f\x8b" and blob[:4] != b"\x28\xb5\x2f\xfd":
        for cb in (0x00, 0x80, 0x37):
            open(os.path.join(out, "tarscan", "%s_%02x" % (name, cb)), "wb").write(bytes([cb]) + blob)

# whole images
for p in sorted(glob.glob(os.path.join(peers, "test-oci-*.tar"))):
    d = open(p, "rb").read()
    open(os.path.join(out, "image", os.path.basename(p)), "wb").write(d)
d = open(os.path.join(peers, "test-oci-uncompressed-image.tar"), "rb").read()
open(os.path.join(out, "image", "oci-uncompressed.tar.gz"), "wb").write(gzip.compress(d, mtime=0))
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["A=1"], "Cmd": ["sh"]},
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64, "sha256:" + "1" * 64]},
                  "history": [{"created_by": "/bin/sh -c #(nop) ADD file:x in /"},
                              {"created_by": "RUN x", "empty_layer": True}, {"created_by": "RUN y"}]}).encode()
man = json.dumps([{"Config": "c.json", "RepoTags": ["a:1"], "Layers": ["0/layer.tar", "1/layer.tar"]}]).encode()
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for name, data in (("0/layer.tar", layers["basic"]), ("1/layer.tar", layers["whiteouts"]),
                       ("c.json", cfg), ("manifest.json", man)):
        ti = tarfile.TarInfo(name); ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    ti = tarfile.TarInfo("2/layer.tar"); ti.type = tarfile.SYMTYPE; ti.linkname = "../0/layer.tar"
    t.addfile(ti)
open(os.path.join(out, "image", "docker-archive.tar"), "wb").write(b.getvalue())
PY
python3 "$here/make-seeds-text.py" "$out"
for d in "$out"/*/; do printf '%s %s, ' "$(ls "$d" | wc -l)" "$(basename "$d")"; done; echo "seeds"
