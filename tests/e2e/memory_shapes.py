#!/usr/bin/env python3
"""memory_shapes.py SHAPE OUT: writes one small image that once made strata take gigabytes of
memory or minutes of CPU (issue 8, item 5). Used by test_memory.sh; SHAPE is one of:

  json-stream      .tar.gz of 16 members that look like JSON, 60 MB each (read from stdin)
  config-objects   docker-archive whose config is a 60 MB `[{},{},...]`
  manifest-repeat  docker-archive whose manifest names one layer of 400 files 65,000 times
  packages         one gzip layer: a 60 MB dpkg status and 12 pip RECORD files of 60 MB
  symlink-chain    docker-archive of 30,000 layers, each a symlink through a 15-hop chain
"""
import hashlib, io, json, sys, tarfile, zlib

MB = 1 << 20


def tar_bytes(files):
    """A plain tar (bytes) of (name, data) regular files."""
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, data in files:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
    return bio.getvalue()


def small_layer(n=8):
    return tar_bytes([("etc/hostname", b"box\n")] + [("app/f%d" % i, b"x" * (i % 8)) for i in range(n)])


def config(n_layers, layer_tar):
    d = "sha256:" + hashlib.sha256(layer_tar).hexdigest()
    return json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                       "rootfs": {"type": "layers", "diff_ids": [d] * n_layers},
                       "history": [{"created_by": "RUN true"}] * n_layers}).encode()


class GzTarWriter:
    """A .tar.gz written member by member, members given as repeated chunks (no big strings)."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.z = zlib.compressobj(1, zlib.DEFLATED, 31)

    def raw(self, b):
        self.f.write(self.z.compress(b))

    def member(self, name, size, chunks):
        ti = tarfile.TarInfo(name)
        ti.size = size
        ti.mode = 0o644
        self.raw(ti.tobuf(format=tarfile.GNU_FORMAT))
        done = 0
        for c in chunks:
            self.raw(c)
            done += len(c)
        assert done == size, (name, done, size)
        if size % 512:
            self.raw(b"\0" * (512 - size % 512))

    def close(self):
        self.raw(b"\0" * 1024)
        self.f.write(self.z.flush())
        self.f.close()


def repeat(unit, size):
    """Chunks of `unit` repeated up to exactly `size` bytes."""
    block = unit * max(1, MB // len(unit))
    left = size
    while left > 0:
        c = block[:left]
        left -= len(c)
        yield c


def json_stream(out):
    w = GzTarWriter(out)
    size = 60 * MB
    for i in range(16):
        w.member("blobs/sha256/%064x" % i, size, (c for c in [b"{"] + list(repeat(b" ", size - 1))))
    m = json.dumps([{"Config": "blobs/sha256/%064x" % 15, "Layers": []}]).encode()
    w.member("manifest.json", len(m), [m])
    w.close()


def docker_archive(out, cfg, layers, extra=()):
    """layers: list of (name, data); manifest names them in order; extra: TarInfo members."""
    with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
        def add(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        seen = set()
        for name, data in layers:
            if name not in seen and data is not None:
                add(name, data)
                seen.add(name)
        for ti in extra:
            t.addfile(ti)
        add("config.json", cfg)
        add("manifest.json", json.dumps([{"Config": "config.json", "RepoTags": ["shape:latest"],
                                          "Layers": [n for n, _ in layers]}]).encode())


def config_objects(out):
    n = 60 * MB // 3
    cfg = b"[" + b"{}," * (n - 1) + b"{}]"
    lt = small_layer()
    docker_archive(out, cfg, [("l.tar", lt)])


def manifest_repeat(out):
    lt = small_layer(400)
    n = 65000
    docker_archive(out, config(n, lt), [("l.tar", lt)] * n)


def packages(out):
    w = GzTarWriter(out + ".layer")
    size = 60 * MB
    status = b"Package: p\nStatus: install ok installed\nVersion: 1.0\nInstalled-Size: 1\n\n"
    w.member("var/lib/dpkg/status", size - size % len(status), repeat(status, size - size % len(status)))
    rec = b"pkg/module.py,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,123\n"
    for i in range(12):
        d = "usr/lib/python3/dist-packages/p%d-1.0.dist-info/" % i
        w.member(d + "RECORD", size - size % len(rec), repeat(rec, size - size % len(rec)))
    w.member("usr/lib/python3/dist-packages/pkg/module.py", 3, [b"x=1"])
    w.close()
    layer = open(out + ".layer", "rb").read()
    docker_archive(out, config(1, layer), [("l.tar.gz", layer)])


def symlink_chain(out):
    lt = small_layer()
    n, hops = 30000, 14   # the layer link and 14 more: 15 hops, the most strata follows
    chain = []
    for h in range(hops):
        ti = tarfile.TarInfo("chain/hop%02d" % h)
        ti.type = tarfile.SYMTYPE
        ti.linkname = "hop%02d" % (h + 1) if h + 1 < hops else "../l.tar"
        chain.append(ti)
    links = []
    for i in range(n):
        ti = tarfile.TarInfo("layers/%06d/layer.tar" % i)
        ti.type = tarfile.SYMTYPE
        ti.linkname = "../../chain/hop00"
        links.append(ti)
    docker_archive(out, config(n + 1, lt), [("l.tar", lt)] + [(ti.name, None) for ti in links],
                   extra=chain + links)


SHAPES = {"json-stream": json_stream, "config-objects": config_objects,
          "manifest-repeat": manifest_repeat, "packages": packages, "symlink-chain": symlink_chain}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in SHAPES:
        sys.exit("usage: memory_shapes.py {%s} OUT" % "|".join(SHAPES))
    SHAPES[sys.argv[1]](sys.argv[2])
