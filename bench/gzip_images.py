#!/usr/bin/env python3
"""gzip_images.py: the gzip inputs of `make bench` (bench/run.sh calls it; results are cached).

  gzip_images.py oci OUT.tar LAYER.tar...   an OCI archive whose layers are the given plain tars,
                                            each gzipped (gzip -6 -n, as LAYER.tar.gz beside it,
                                            kept: the igzip/gzip floors read those files)
  gzip_images.py config DIR [MB]            config-style, keyword-dense text: 4 layers of files made
                                            of `name = value` lines with a secret keyword in every
                                            name (DIR/layers/CNN.tar), and DIR/oci-gzip.tar of them;
                                            MB of text in all (default 400)

Registry blobs are gzip at the default level (6), which is what `gzip -6` makes. The OCI archive
has oci-layout, index.json, one manifest, one config (diff_ids and history) and the blobs; the
layers are written in order, blobs/sha256/<digest>. Deterministic: the same inputs give the same
bytes."""
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import tarfile


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def gzip_all(tars):
    """LAYER.tar -> LAYER.tar.gz with gzip -6 -n, two at a time (the machine has 2 cores)."""
    todo = [t for t in tars if not os.path.exists(t + ".gz")]
    running = []
    while todo or running:
        while todo and len(running) < 2:
            t = todo.pop(0)
            out = open(t + ".gz.tmp", "wb")
            running.append((t, out, subprocess.Popen(["gzip", "-6", "-n", "-c", t], stdout=out)))
        t, out, p = running.pop(0)
        if p.wait() != 0:
            sys.exit(f"gzip_images: gzip {t} failed")
        out.close()
        os.rename(t + ".gz.tmp", t + ".gz")


def add_bytes(tf, name, data):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mtime = 1700000000
    ti.mode = 0o644
    tf.addfile(ti, io.BytesIO(data))


def make_oci(out, tars):
    gzip_all(tars)
    layers, diff_ids, history = [], [], []
    for t in tars:
        diff_ids.append("sha256:" + sha256_file(t))
        gz = t + ".gz"
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": "sha256:" + sha256_file(gz), "size": os.path.getsize(gz), "path": gz})
        history.append({"created": "2023-11-14T22:13:20Z",
                        "created_by": f"/bin/sh -c #(nop) ADD file:{os.path.basename(t)} in / "})
    config = json.dumps({"architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z",
                         "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history},
                        separators=(",", ":")).encode()
    cdig = hashlib.sha256(config).hexdigest()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": "sha256:" + cdig, "size": len(config)},
                           "layers": [{k: v for k, v in l.items() if k != "path"} for l in layers]},
                          separators=(",", ":")).encode()
    mdig = hashlib.sha256(manifest).hexdigest()
    index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                       "digest": "sha256:" + mdig, "size": len(manifest),
                                       "annotations": {"org.opencontainers.image.ref.name": "bench"}}]},
                       separators=(",", ":")).encode()
    with tarfile.open(out + ".tmp", "w", format=tarfile.PAX_FORMAT) as tf:
        add_bytes(tf, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add_bytes(tf, "index.json", index)
        add_bytes(tf, "blobs/sha256/" + mdig, manifest)
        add_bytes(tf, "blobs/sha256/" + cdig, config)
        for l in layers:
            ti = tf.gettarinfo(l["path"], "blobs/sha256/" + l["digest"][7:])
            ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = 1700000000, 0, 0, "", ""
            with open(l["path"], "rb") as f:
                tf.addfile(ti, f)
    os.rename(out + ".tmp", out)


# ---------------------------------------------------------------- config-style text

KEYWORDS = ["password", "passwd", "secret", "token", "api_key", "apikey", "auth", "credentials",
            "private_key", "access_key", "client_secret", "session_token", "key"]
WORDS = ["db", "cache", "redis", "smtp", "ldap", "oauth", "admin", "service", "backend", "proxy",
         "queue", "mail", "billing", "search", "metrics", "upload", "storage", "worker", "web", "api"]
SUFFIX = ["min_length", "ttl", "timeout", "rotation_days", "file", "header", "max_age", "enabled",
          "length", "retries", "path", "env", "hash_rounds", "expiry", "algorithm", "cache_size"]
VALUES = ["${%s}", "%d", "%ds", "/run/secrets/%s", "true", "false", "X-%s", "<changeme>", "sha256",
          "{{ .Values.%s }}", "%d", "ENC[%s]"]


def config_text(rng, nbytes):
    """One buffer of `name = value` lines, a keyword in every name, values that are not secrets
    (placeholders, numbers, paths, booleans), the odd commented line and section header."""
    out, n = [], 0
    while n < nbytes:
        r = rng.random()
        if r < 0.02:
            line = f"[{rng.choice(WORDS)}.{rng.choice(WORDS)}]\n"
        elif r < 0.05:
            line = f"# the {rng.choice(KEYWORDS)} of the {rng.choice(WORDS)} service comes from the environment\n"
        else:
            name = f"{rng.choice(WORDS)}_{rng.choice(KEYWORDS)}_{rng.choice(SUFFIX)}"
            v = rng.choice(VALUES)
            if "%d" in v:
                v = v % rng.randrange(1, 100000)
            elif "%s" in v:
                v = v % name.upper()
            line = f"{'  ' if rng.random() < 0.3 else ''}{name} = {v}\n"
        out.append(line)
        n += len(line)
    return "".join(out).encode()


def make_config(d, mb):
    rng = random.Random(9)
    os.makedirs(os.path.join(d, "layers"), exist_ok=True)
    text = config_text(rng, 16 << 20)
    nlayers, per = 4, (mb << 20) // 4
    tars = []
    for li in range(nlayers):
        t = os.path.join(d, "layers", f"C{li + 1:02d}.tar")
        tars.append(t)
        if os.path.exists(t):
            continue
        with tarfile.open(t + ".tmp", "w", format=tarfile.GNU_FORMAT) as tf:
            done, fi = 0, 0
            while done < per:
                # files of 2 KiB to 1 MiB (the scanner reads the first 1 MiB of a file)
                size = min(int(2048 * (512 ** rng.random())), 1 << 20)
                at = rng.randrange(0, len(text) - size)
                at = text.rfind(b"\n", 0, at) + 1
                data = text[at:at + size]
                if fi % 50 == 7:   # a planted secret now and then
                    data = b"smtp_password = \"Zk29fLq81mNc0pXw7RtYb3nch\"\n" + data
                top = ["etc/app", "srv/conf.d", "opt/service/config", "usr/local/etc"][li]
                ti = tarfile.TarInfo(f"{top}/{rng.choice(WORDS)}{fi % 37}/{rng.choice(WORDS)}-{fi}.conf")
                ti.size, ti.mtime, ti.mode = len(data), 1700000000, 0o644
                tf.addfile(ti, io.BytesIO(data))
                done += len(data)
                fi += 1
        os.rename(t + ".tmp", t)
    out = os.path.join(d, "oci-gzip.tar")
    if not os.path.exists(out):
        make_oci(out, tars)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "oci":
        make_oci(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "config":
        make_config(sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 400)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
