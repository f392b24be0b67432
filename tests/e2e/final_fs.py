"""final_fs.py: the final filesystem of a docker-archive, read with Python's tarfile alone (no
strata code): an independent reader for the diff tests (tests/e2e/test_diff.sh,
tests/tui/test_diff_view.sh).

final_fs(path) -> {path: (kind, size, link, sha1, layer)}: kind is reg, hardlink, dir, symlink or
otherN; size counts regular files only; layer is the index of the layer that wrote it last.
Whiteouts and opaque directories hide what lower layers wrote; a non-directory in the way of a
later path's parents gives way, as in the layer model."""
import hashlib, json, os, sys, tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import norm as oracle_norm  # noqa: E402  (tests/e2e/oracle.py, the image reader)

def norm(name):
    """a tar member name as an absolute path, "/" for the root (oracle.py's norm, rooted)"""
    return "/" + oracle_norm(name)


def drop_tree(fs, path):
    fs.pop(path, None)
    pre = path.rstrip("/") + "/"
    for k in [k for k in fs if k.startswith(pre)]:
        del fs[k]

def final_fs(path):
    """path -> (kind, size, link, sha1, layer) of the final filesystem of a docker-archive."""
    fs = {}
    with tarfile.open(path) as outer:
        man = json.load(outer.extractfile("manifest.json"))[0]
        for li, blob in enumerate(man["Layers"]):
            with tarfile.open(fileobj=outer.extractfile(blob), mode="r|") as lt:
                members = []
                for m in lt:
                    sha = None
                    if m.isreg():
                        sha = hashlib.sha1(lt.extractfile(m).read()).hexdigest()
                    members.append((m, sha))
            for m, _ in members:          # whiteouts hide lower layers first
                p = norm(m.name)
                d, _, base = p.rpartition("/")
                if base == ".wh..wh..opq":
                    for k in [k for k in fs if k.startswith(d + "/")]:
                        del fs[k]
                elif base.startswith(".wh."):
                    drop_tree(fs, (d or "") + "/" + base[4:])
            for m, sha in members:
                p = norm(m.name)
                base = p.rpartition("/")[2]
                if base.startswith(".wh.") or p == "/":
                    continue
                kind = ("reg" if m.isreg() else "hardlink" if m.islnk() else "dir" if m.isdir()
                        else "symlink" if m.issym() else "other%d" % ord(m.type or b"0"))
                old = fs.get(p)
                if old and old[0] == "dir" and kind == "dir":
                    continue
                if old and old[0] == "dir":
                    drop_tree(fs, p)
                # a non-directory in the way of the parents becomes a directory
                q = p.rpartition("/")[0]
                while q:
                    if q in fs and fs[q][0] != "dir":
                        del fs[q]
                    q = q.rpartition("/")[0]
                fs[p] = (kind, m.size if kind == "reg" else 0,
                         m.linkname if kind in ("symlink", "hardlink") else "", sha, li)
    return fs

