#!/usr/bin/env python3
"""oracle.py IMAGE: an independent reader of saved container images, for the end-to-end tests.

Written apart from strata's C code, from ../shared/design/formats.md alone, with Python's stdlib
(tarfile, gzip) and `zstd -dc` for zstd. Prints one JSON object on stdout:

  {"format", "tags", "platform", "config_digest",
   "layers": [{"diff_id", "computed_diff_id", "bytes", "files", "hardlinks", "compression",
               "created_by_raw", "created_by_keyword"}],
   "history": [{"created_by", "keyword", "empty_layer", "layer"}],
   "totals": {"layer_bytes", "final_bytes", "shadowed_bytes", "deleted_bytes", "final_files",
              "final_hardlinks"}}

IMAGE is a docker-archive tar (legacy docker save, buildah/podman with symlinked layer.tar, kaniko
with a `sha256:<hex>` config member), a Docker 25+ save (OCI layout + manifest.json), an OCI archive,
an OCI layout directory, or any of those tars inside gzip or zstd.

Usage: oracle.py [--platform os/arch[/variant]] IMAGE
Exit status 0, or 1 with a message on stderr when the image cannot be read.
"""
import gzip
import hashlib
import io
import json
import os
import platform as pyplatform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import zlib

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ESTARGZ_META = {"stargz.index.json", ".prefetch.landmark", ".no.prefetch.landmark"}
WH_PREFIX = ".wh."
WH_OPAQUE = ".wh..wh..opq"


class OracleError(Exception):
    pass


def norm(name):
    """Tar member name -> path relative to the image root without a leading ./ or /, '' for root."""
    parts = []
    for p in name.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if parts:
                parts.pop()
            continue
        parts.append(p)
    return "/".join(parts)


# ------------------------------------------------------------------------------------ outer
class Outer:
    """Random access to the members of the outer container: a tar file or a directory."""

    def __init__(self, path, tmpdir):
        self.dir = None
        self.tar = None
        self.members = {}
        if os.path.isdir(path):
            self.dir = path
            return
        with open(path, "rb") as f:
            head = f.read(4)
        self.outer_compression = "none"
        if head[:2] == GZIP_MAGIC or head[:4] == ZSTD_MAGIC:
            # decompress to a seekable temp file: gzip can't seek backwards cheaply
            plain = os.path.join(tmpdir, "outer.tar")
            with open(plain, "wb") as out:
                if head[:2] == GZIP_MAGIC:
                    self.outer_compression = "gzip"
                    try:
                        with gzip.open(path, "rb") as g:
                            shutil.copyfileobj(g, out, 1 << 20)
                    except (EOFError, OSError, zlib.error) as e:
                        raise OracleError(f"outer gzip stream: {e}")
                else:
                    self.outer_compression = "zstd"
                    subprocess.run(["zstd", "-dcq", path], stdout=out, check=True)
            path = plain
        try:
            self.tar = tarfile.open(path, "r:")
            for m in self.tar:
                n = norm(m.name)
                if n:
                    self.members[n] = m
        except (tarfile.TarError, EOFError) as e:
            raise OracleError(f"not a tar archive: {e}")

    def _resolve(self, name, depth=0):
        if depth > 16:
            raise OracleError(f"symlink loop at {name}")
        m = self.members.get(name)
        if m is None:
            return None
        if m.issym():  # buildah: <v1id>/layer.tar -> ../<diffid>.tar
            target = m.linkname
            tgt = norm(target) if target.startswith("/") else norm(os.path.dirname(name) + "/" + target)
            return self._resolve(tgt, depth + 1)
        if m.islnk():
            return self._resolve(norm(m.linkname), depth + 1)
        return m

    def has(self, name):
        name = norm(name)
        if self.dir is not None:
            return os.path.isfile(os.path.join(self.dir, name))
        return self._resolve(name) is not None

    def open(self, name):
        """A binary file object for member `name`, or raise OracleError."""
        name = norm(name)
        if self.dir is not None:
            p = os.path.join(self.dir, name)
            if not os.path.isfile(p):
                raise OracleError(f"missing {name}")
            return open(p, "rb")
        m = self._resolve(name)
        if m is None or not m.isfile():
            raise OracleError(f"missing member {name}")
        return self.tar.extractfile(m)

    def read(self, name):
        with self.open(name) as f:
            return f.read()

    def json(self, name):
        try:
            return json.loads(self.read(name))
        except ValueError as e:
            raise OracleError(f"{name}: invalid JSON: {e}")


# ------------------------------------------------------------------------------------ layers
class HashingReader(io.RawIOBase):
    """Reads from `src`, hashing every byte that passes (for the diff_id of the plain tar)."""

    def __init__(self, src):
        self.src = src
        self.h = hashlib.sha256()

    def readable(self):
        return True

    def readinto(self, b):
        data = self.src.read(len(b))
        n = len(data)
        b[:n] = data
        self.h.update(data)
        return n

    def drain(self):
        while True:
            d = self.src.read(1 << 20)
            if not d:
                break
            self.h.update(d)


def layer_entries(outer, blob):
    """Yield (compression, diff_id computed, [entries]) for a layer blob. Entry = (path, kind, size)
    with kind one of reg, hardlink, dir, symlink, other, whiteout, opaque."""
    f = outer.open(blob)
    head = f.read(4)
    f.seek(0) if f.seekable() else None
    proc = None
    if head[:2] == GZIP_MAGIC:
        compression = "gzip"
        src = gzip.GzipFile(fileobj=f, mode="rb")  # handles eStargz's concatenated members
    elif head[:4] == ZSTD_MAGIC:
        compression = "zstd"
        # feed zstd from a thread: extractfile() objects have no fd of their own
        proc = subprocess.Popen(["zstd", "-dcq"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)

        def feed():
            try:
                shutil.copyfileobj(f, proc.stdin, 1 << 20)
            except (BrokenPipeError, OSError, ValueError):
                pass
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
        threading.Thread(target=feed, daemon=True).start()
        src = proc.stdout
    else:
        compression = "none"
        src = f
    hr = HashingReader(src)
    entries = []
    try:
        if head != b"":
            with tarfile.open(fileobj=io.BufferedReader(hr, 1 << 16), mode="r|") as lt:
                for m in lt:
                    entries.append(_entry(m))
        hr.drain()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise OracleError(f"layer {blob}: {e}")
    finally:
        if proc is not None:
            proc.stdout.close()
            proc.wait()
    if proc is not None and proc.returncode != 0:
        raise OracleError(f"layer {blob}: zstd failed")
    if compression == "gzip" and any(p in ESTARGZ_META for p, _, _ in entries):
        entries = [e for e in entries if e[0] not in ESTARGZ_META]
    return compression, "sha256:" + hr.h.hexdigest(), entries


def _entry(m):
    path = norm(m.name)
    base = path.rsplit("/", 1)[-1]
    if base == WH_OPAQUE:
        return (path, "opaque", 0)
    if base.startswith(WH_PREFIX):
        return (path, "whiteout", 0)
    if m.islnk():
        return (path, "hardlink", 0)
    if m.isreg():
        return (path, "reg", m.size)
    if m.isdir():
        return (path, "dir", 0)
    if m.issym():
        return (path, "symlink", 0)
    return (path, "other", 0)


# ------------------------------------------------------------------------------------ tree
class Node:
    __slots__ = ("kind", "size", "children")

    def __init__(self, kind="dir", size=0):
        self.kind = kind
        self.size = size
        self.children = {} if kind == "dir" else None


class Tree:
    """The merged filesystem; counts shadowed and deleted bytes as layers are applied."""

    def __init__(self):
        self.root = Node("dir")
        self.shadowed = 0
        self.deleted = 0

    @staticmethod
    def subtree_bytes(node):
        total = node.size if node.kind == "reg" else 0
        if node.children:
            for c in node.children.values():
                total += Tree.subtree_bytes(c)
        return total

    def lookup(self, path):
        node = self.root
        for part in path.split("/") if path else []:
            if node.children is None:
                return None
            node = node.children.get(part)
            if node is None:
                return None
        return node

    def parent_for_write(self, path):
        """The directory that will hold `path`, creating missing parents (buildah writes no directory
        entries). A non-directory in the way is replaced by a directory: its bytes are shadowed."""
        node = self.root
        parts = path.split("/")
        for part in parts[:-1]:
            child = node.children.get(part)
            if child is None or child.kind != "dir":
                if child is not None:
                    self.shadowed += self.subtree_bytes(child)
                child = Node("dir")
                node.children[part] = child
            node = child
        return node, parts[-1]

    def apply_layer(self, entries):
        # phase 1: whiteouts and opaque markers hide lower versions (deleted)
        for path, kind, _ in entries:
            if kind not in ("whiteout", "opaque"):
                continue
            d, _, base = path.rpartition("/")
            dnode = self.lookup(d)
            if dnode is None or dnode.kind != "dir":
                continue
            if kind == "opaque":
                for c in dnode.children.values():
                    self.deleted += self.subtree_bytes(c)
                dnode.children = {}
            else:
                victim = dnode.children.pop(base[len(WH_PREFIX):], None)
                if victim is not None:
                    self.deleted += self.subtree_bytes(victim)
        # phase 2: this layer's entries overwrite (shadowed)
        for path, kind, size in entries:
            if kind in ("whiteout", "opaque") or not path:
                continue
            parent, base = self.parent_for_write(path)
            old = parent.children.get(base)
            if old is not None:
                if kind == "dir" and old.kind == "dir":
                    continue  # a directory entry over a directory changes metadata only
                self.shadowed += self.subtree_bytes(old)
            parent.children[base] = Node(kind, size)

    def final(self):
        """(bytes, regular files, hard links) in the final filesystem."""
        b = files = links = 0
        stack = [self.root]
        while stack:
            n = stack.pop()
            if n.kind == "reg":
                b += n.size
                files += 1
            elif n.kind == "hardlink":
                links += 1
            if n.children:
                stack.extend(n.children.values())
        return b, files, links


# ------------------------------------------------------------------------------------ history
INSTRUCTIONS = {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL",
                "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}


def keyword(created_by):
    """The Dockerfile instruction a history `created_by` stands for, or None when unknown."""
    s = (created_by or "").strip()
    if not s:
        return None
    if s.startswith("|"):  # BuildKit/classic with build args: |2 A=1 B=2 /bin/sh -c ...
        return "RUN"
    for sh in ("/bin/sh -c ", "/bin/bash -c ", "/bin/busybox sh -c "):
        if s.startswith(sh):
            rest = s[len(sh):].lstrip()
            if rest.startswith("#(nop)"):
                word = rest[len("#(nop)"):].strip().split(" ", 1)[0].upper()
                return word if word in INSTRUCTIONS else None
            return "RUN"
    word = s.split(" ", 1)[0].upper()
    return word if word in INSTRUCTIONS else None


# ------------------------------------------------------------------------------------ image
def machine_platform():
    m = pyplatform.machine().lower()
    return {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(m, m)


def is_index(desc_or_doc):
    mt = desc_or_doc.get("mediaType", "")
    return mt.endswith("image.index.v1+json") or mt.endswith("manifest.list.v2+json") \
        or ("manifests" in desc_or_doc and "layers" not in desc_or_doc)


def is_attestation(d):
    p = d.get("platform") or {}
    ann = d.get("annotations") or {}
    return (p.get("os") == "unknown" and p.get("architecture") == "unknown") \
        or "vnd.docker.reference.type" in ann


def blob_path(digest):
    alg, _, hexd = digest.partition(":")
    return f"blobs/{alg}/{hexd}"


def pick_manifest(outer, index, want):
    """Walk index.json (and nested indexes) to one image manifest descriptor."""
    for _ in range(8):
        cands = [d for d in index.get("manifests", []) if not is_attestation(d)]
        if not cands:
            raise OracleError("index lists no image manifest")
        chosen = None
        if want:
            for d in cands:
                p = d.get("platform") or {}
                key = "/".join(x for x in (p.get("os"), p.get("architecture"), p.get("variant")) if x)
                if key == want or key.startswith(want + "/"):
                    chosen = d
                    break
            if chosen is None and any(d.get("platform") for d in cands):
                if all(not is_index(d) for d in cands):
                    raise OracleError(f"no manifest for platform {want}")
        if chosen is None:
            arch = machine_platform()
            for d in cands:
                p = d.get("platform") or {}
                if p.get("os") == "linux" and p.get("architecture") == arch:
                    chosen = d
                    break
        if chosen is None:
            chosen = cands[0]
        if is_index(chosen):
            index = outer.json(blob_path(chosen["digest"]))
            continue
        return chosen
    raise OracleError("image index nested too deep")


def read_image(path, want_platform=None):
    tmp = tempfile.mkdtemp(prefix="oracle.", dir=os.environ.get("TMPDIR", "/tmp"))
    try:
        return _read_image(path, want_platform, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_image(path, want_platform, tmp):
    outer = Outer(path, tmp)
    tags = []
    has_manifest = outer.has("manifest.json")
    has_index = outer.has("index.json")
    if has_manifest:
        fmt = "docker-save-oci" if has_index else "docker-archive"
        man = outer.json("manifest.json")
        if not isinstance(man, list) or not man:
            raise OracleError("manifest.json: not a non-empty list")
        entry = man[0]
        tags = list(entry.get("RepoTags") or [])
        config_name = entry["Config"]
        layer_blobs = list(entry.get("Layers") or [])
        platform = None
    elif has_index:
        fmt = "oci-layout" if outer.dir is not None else "oci-archive"
        index = outer.json("index.json")
        for d in index.get("manifests", []):
            ref = (d.get("annotations") or {}).get("org.opencontainers.image.ref.name")
            if ref:
                tags.append(ref)
        desc = pick_manifest(outer, index, want_platform)
        platform = desc.get("platform")
        m = outer.json(blob_path(desc["digest"]))
        config_name = blob_path(m["config"]["digest"])
        layer_blobs = [blob_path(l["digest"]) for l in m.get("layers", [])]
    else:
        raise OracleError("neither manifest.json nor index.json: not a container image")

    raw_config = outer.read(config_name)
    config = json.loads(raw_config)
    config_digest = "sha256:" + hashlib.sha256(raw_config).hexdigest()
    diff_ids = list((config.get("rootfs") or {}).get("diff_ids") or [])
    if len(diff_ids) != len(layer_blobs):
        raise OracleError(f"config has {len(diff_ids)} diff_ids, manifest {len(layer_blobs)} layers")

    # history: each non-empty entry owns the next layer
    history = []
    li = 0
    for h in config.get("history") or []:
        empty = bool(h.get("empty_layer"))
        layer = None
        if not empty:
            layer = li if li < len(layer_blobs) else None
            li += 1
        history.append({"created_by": h.get("created_by", ""), "keyword": keyword(h.get("created_by")),
                        "empty_layer": empty, "layer": layer})
    by_layer = {h["layer"]: h for h in history if h["layer"] is not None}

    tree = Tree()
    layers = []
    for i, blob in enumerate(layer_blobs):
        compression, computed, entries = layer_entries(outer, blob)
        regs = [e for e in entries if e[1] == "reg"]
        h = by_layer.get(i)
        layers.append({"index": i, "blob": blob, "diff_id": diff_ids[i], "computed_diff_id": computed,
                       "compression": compression, "bytes": sum(e[2] for e in regs), "files": len(regs),
                       "hardlinks": sum(1 for e in entries if e[1] == "hardlink"),
                       "whiteouts": sum(1 for e in entries if e[1] == "whiteout"),
                       "opaques": sum(1 for e in entries if e[1] == "opaque"),
                       "created_by_raw": h["created_by"] if h else None,
                       "created_by_keyword": h["keyword"] if h else None})
        tree.apply_layer(entries)

    final_bytes, final_files, final_links = tree.final()
    layer_bytes = sum(l["bytes"] for l in layers)
    totals = {"layer_bytes": layer_bytes, "final_bytes": final_bytes, "shadowed_bytes": tree.shadowed,
              "deleted_bytes": tree.deleted, "final_files": final_files, "final_hardlinks": final_links}
    if layer_bytes != final_bytes + tree.shadowed + tree.deleted:
        raise OracleError(f"oracle bug: layer_bytes {layer_bytes} != final+shadowed+deleted {totals}")
    return {"source": os.path.basename(path.rstrip("/")), "format": fmt, "tags": tags,
            "platform": platform, "config_digest": config_digest,
            "os": config.get("os"), "architecture": config.get("architecture"),
            "layers": layers, "history": history, "totals": totals}


def main(argv):
    want = None
    args = argv[1:]
    if len(args) >= 2 and args[0] == "--platform":
        want = args[1]
        args = args[2:]
    if len(args) != 1:
        print(__doc__.split("\n\n")[-2], file=sys.stderr)
        return 64
    try:
        rep = read_image(args[0], want)
    except (OracleError, OSError, EOFError, KeyError, ValueError, subprocess.CalledProcessError) as e:
        print(f"oracle: {args[0]}: {e}", file=sys.stderr)
        return 1
    json.dump(rep, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
