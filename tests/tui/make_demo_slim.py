#!/usr/bin/env python3
"""make_demo_slim.py DEMO.tar OUT.tar: the demo image's "multi-stage rewrite", for the diff view.

Reads demo/demo.tar (a docker-archive) and writes a two-layer docker-archive that a multi-stage
Dockerfile would give: the demo's first layer (the busybox rootfs) byte for byte, so the two
images share it, then one layer with only what the app needs, taken from the demo's final files:
settings.json and static/index.html as they are (equal in both), dataset.csv cut to its first
5,000 rows (changed), the demo_lib module plus a .dist-info record (a Python package only in the
rewrite) and a new /app/run.sh (only in the rewrite). No apt lists, pip cache, build objects or
.env: those are what the rewrite saves.

Deterministic: every byte comes from the demo or from this file (fixed mtimes, uid 0, sorted
members), so the screens of `strata diff demo.tar slim.tar` can be compared with golden files.
"""
import hashlib
import io
import json
import sys
import tarfile

MTIME = 1700000000   # 2023-11-14T22:13:20Z, the demo's own build time


def member_bytes(outer, name):
    return outer.extractfile(outer.getmember(name)).read()


def layer_files(outer, layers):
    """The demo's final regular files {path: bytes}, whiteouts applied (enough for its shapes)."""
    files = {}
    for name in layers:
        with tarfile.open(fileobj=io.BytesIO(member_bytes(outer, name))) as lt:
            for m in lt.getmembers():
                path = m.name.rstrip("/")
                base = path.rsplit("/", 1)[-1]
                parent = path.rsplit("/", 1)[0] if "/" in path else ""
                if base == ".wh..wh..opq":
                    files = {p: v for p, v in files.items() if not p.startswith(parent + "/")}
                elif base.startswith(".wh."):
                    gone = (parent + "/" if parent else "") + base[4:]
                    files = {p: v for p, v in files.items() if p != gone and not p.startswith(gone + "/")}
                elif m.isfile():
                    files[path] = lt.extractfile(m).read()
    return files


def add(tar, path, data=None, mode=0o644):
    ti = tarfile.TarInfo(path)
    ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = MTIME, 0, 0, "", ""
    if data is None:
        ti.type, ti.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(ti)
    else:
        ti.size, ti.mode = len(data), mode
        tar.addfile(ti, io.BytesIO(data))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: make_demo_slim.py DEMO.tar OUT.tar")
    with tarfile.open(sys.argv[1]) as outer:
        manifest = json.loads(member_bytes(outer, "manifest.json"))[0]
        config = json.loads(member_bytes(outer, manifest["Config"]))
        base = member_bytes(outer, manifest["Layers"][0])
        final = layer_files(outer, manifest["Layers"])

    site = "usr/local/lib/python3.11/site-packages"
    rows = final["app/data/dataset.csv"].split(b"\n")
    app = {
        "app/data/dataset.csv": (b"\n".join(rows[:5001]) + b"\n", 0o644),
        "app/run.sh": (b"#!/bin/sh\nexec cat /app/settings.json\n", 0o755),
        "app/settings.json": (final["app/settings.json"], 0o644),
        "app/static/index.html": (final["app/static/index.html"], 0o644),
        site + "/demo_lib/__init__.py": (final[site + "/demo_lib/__init__.py"], 0o644),
        site + "/demo_lib-1.0.dist-info/METADATA": (
            b"Metadata-Version: 2.1\nName: demo-lib\nVersion: 1.0\n", 0o644),
        site + "/demo_lib-1.0.dist-info/RECORD": (
            b"demo_lib/__init__.py,,\ndemo_lib-1.0.dist-info/METADATA,,\n"
            b"demo_lib-1.0.dist-info/RECORD,,\n", 0o644),
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as lt:
        dirs = set()
        for path in sorted(app):
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    add(lt, d + "/")
            add(lt, path, *app[path])
    top = buf.getvalue()

    ids = [hashlib.sha256(b).hexdigest() for b in (base, top)]
    history = [config["history"][0],
               {"created": config["history"][0]["created"],
                "created_by": "/bin/sh -c #(nop) COPY dir:5c0ffee0d15ea5e1 in / "},
               {"created": config["history"][0]["created"],
                "created_by": '/bin/sh -c #(nop) CMD ["/app/run.sh"]', "empty_layer": True}]
    cfg = {"architecture": "amd64", "os": "linux", "created": config["history"][0]["created"],
           "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                      "Cmd": ["/app/run.sh"], "WorkingDir": "/app"},
           "rootfs": {"type": "layers", "diff_ids": ["sha256:" + i for i in ids]},
           "history": history}
    cfg_bytes = json.dumps(cfg, sort_keys=True, separators=(",", ":")).encode()
    cfg_name = hashlib.sha256(cfg_bytes).hexdigest() + ".json"
    out_manifest = [{"Config": cfg_name, "RepoTags": ["localhost/strata-demo-slim:latest"],
                     "Layers": [i + ".tar" for i in ids]}]
    with tarfile.open(sys.argv[2], "w", format=tarfile.USTAR_FORMAT) as out:
        for name, data in [(ids[0] + ".tar", base), (ids[1] + ".tar", top), (cfg_name, cfg_bytes),
                           ("manifest.json", json.dumps(out_manifest).encode())]:
            add(out, name, data, 0o444)


if __name__ == "__main__":
    main()
