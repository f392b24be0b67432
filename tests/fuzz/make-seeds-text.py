#!/usr/bin/env python3
"""make-seeds-text.py OUTDIR: the text seeds (make-seeds.sh calls it): OUTDIR/packages,
OUTDIR/config, OUTDIR/secrets, OUTDIR/strataconf. The token-looking values are made up: they
have the shape of a format, never a real key."""
import json, os, sys

out = sys.argv[1]


def put(d, name, data):
    os.makedirs(os.path.join(out, d), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    open(os.path.join(out, d, name), "wb").write(data)


def files(*recs):
    """recs: (layer, path, body) -> the fuzz_packages text."""
    return "".join(("+++ " if l else "--- ") + p + "\n" + b + ("" if b.endswith("\n") or not b else "\n")
                   for l, p, b in recs)


# ---- packages ----
put("packages", "dpkg", files(
    (0, "/var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion: 1.0\n"
        "Installed-Size: 12\nDescription: x\n more\n\nPackage: b\nStatus: deinstall ok config-files\n"
        "Version: 2\n\nPackage: gcc-12\nStatus: install ok installed\nVersion: 12\nInstalled-Size: 99999\n"),
    (0, "/var/lib/dpkg/info/a:amd64.list", "/.\n/usr\n/usr/bin/a\n/bin/b\n/usr/share/doc/a/copyright\n"),
    (0, "/var/lib/dpkg/info/b.list", "/usr/bin/b\n"),
    (0, "/usr/bin/a", "ELF"), (0, "/usr/bin/b", "ELF b"), (0, "/usr/share/doc/a/copyright", "GPL"),
    (0, "/bin -> usr/bin", ""), (1, "/usr/bin/.wh.a", "")))
put("packages", "distroless", files(
    (0, "/var/lib/dpkg/status.d/base", "Package: base-files\nVersion: 12.4\nInstalled-Size: 340\n"),
    (0, "/var/lib/dpkg/status.d/base.md5sums", "0123456789abcdef0123456789abcdef  etc/os-release\r\n"
        "fedcba9876543210fedcba9876543210  usr/lib/os-release\n"),
    (0, "/etc/os-release", "ID=debian\n"), (0, "/usr/lib/os-release", "ID=debian\n")))
put("packages", "apk", files(
    (0, "/lib/apk/db/installed", "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\n"
        "R:libc.musl-x86_64.so.1\n\nP:busybox\nV:1.36\nF:bin\nR:busybox\nF:etc\nR:motd\n\nP:build-base\nV:1\n"),
    (0, "/lib/ld-musl-x86_64.so.1", "ELF"), (0, "/lib/libc.musl-x86_64.so.1 -> ld-musl-x86_64.so.1", ""),
    (0, "/bin/busybox", "ELF bb"), (1, "/etc/motd", "hi\n")))
put("packages", "python", files(
    (0, "/usr/lib/python3/site-packages/req-2.31.0.dist-info/RECORD",
        "req/__init__.py,sha256=abc,12\nreq/api.py,,\n\"req/we,ird.py\",sha256=x,3\n"
        "\"req/q\"\"uote.py\",,\n../../../bin/req,,\n/abs/path.py,,\nreq-2.31.0.dist-info/METADATA,,\n"),
    (0, "/usr/lib/python3/site-packages/req-2.31.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\r\nSummary: x\n\nbody\n"),
    (0, "/usr/lib/python3/site-packages/req/__init__.py", "import os\n"),
    (0, "/usr/lib/python3/site-packages/req/api.py", "def get(): pass\n"),
    (0, "/usr/lib/python3/site-packages/req/we,ird.py", "x = 1\n"),
    (1, "/usr/lib/python3/site-packages/nometa-1.0.dist-info/RECORD", "nometa.py,,\n"),
    (1, "/usr/lib/python3/site-packages/nometa.py", "y = 2\n")))
put("packages", "npm", files(
    (0, "/app/node_modules/left-pad/package.json", json.dumps({"name": "left-pad", "version": "1.3.0"})),
    (0, "/app/node_modules/left-pad/index.js", "module.exports = 1;\n"),
    (0, "/app/node_modules/@scope/pkg/package.json", '{"name":"@scope/pkg","version":{"bad":1}}'),
    (0, "/app/node_modules/@scope/pkg/lib/a.js", "a\n"),
    (0, "/app/node_modules/@scope/pkg/node_modules/inner/package.json", '{"version":"0.1"}'),
    (0, "/app/node_modules/@scope/pkg/node_modules/inner/i.js", "i\n"),
    (1, "/app/node_modules/broken/package.json", '{"name": "broken", "version": "1.0'),
    (1, "/app/package.json", '{"name":"app"}')))
put("packages", "mixed", files(
    (0, "/var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion: 1\n"),
    (0, "/var/lib/dpkg/info/a.list", "/usr/bin/a\n"), (0, "/usr/bin/a", "x"),
    (0, "/usr/lib/apk/db/installed", "P:z\nV:1\nF:usr/bin\nR:a\n"),
    (0, "/.env", "AWS_SECRET_ACCESS_KEY=abcdefghijklmnopqrstuvwxyzABCDEF01234567\n"),
    (0, "/root/.cache/pip/x", "cache"), (1, "/var/lib/apt/lists/deb_Packages", "P"),
    (1, "/.wh..wh..opq", "")))

# ---- config (fuzz_config.c: the image config of a two-layer docker-archive) ----
diff = ["sha256:" + "%064x" % i for i in range(2)]


def cfg(history, env=None, extra=None):
    c = {"architecture": "amd64", "os": "linux",
         "config": {"Env": env or ["PATH=/usr/bin"], "Cmd": ["sh"], "User": "app", "WorkingDir": "/app",
                    "Entrypoint": ["/bin/tini", "--"], "Labels": {"a": "b"}},
         "rootfs": {"type": "layers", "diff_ids": diff}, "history": history}
    if extra:
        c.update(extra)
    return json.dumps(c)


put("config", "docker", cfg([
    {"created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
    {"created_by": "/bin/sh -c #(nop)  ENV A=1", "empty_layer": True},
    {"created_by": "/bin/sh -c apt-get update && apt-get install -y curl"}]))
put("config", "buildkit", cfg([
    {"created_by": "COPY . /app # buildkit", "comment": "buildkit.dockerfile.v0"},
    {"created_by": "RUN |2 TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyz B=2 /bin/sh -c "
                   "pip install -r req.txt # buildkit"},
    {"created_by": "ARG NPM_TOKEN=npm_0123456789abcdefghijklmnopqrstuvwxyz", "empty_layer": True}],
    env=["PATH=/usr/bin", "HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
         "AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP", "EMPTY=", "NOEQ"]))
put("config", "buildah", cfg([
    {"created_by": "/bin/sh -c #(nop) ADD dir:x in /app "},
    {"created_by": "/bin/sh -c curl -u user:hunter22 https://x.example/y && rm -rf /var/lib/apt/lists/*"}]))
put("config", "kaniko", cfg([
    {"created_by": "RUN pip install torch"}, {"created_by": "COPY model.bin /m"},
    {"created_by": "ENV PASSWORD=s3cr3tpassw0rd", "empty_layer": True}]))
put("config", "odd", cfg([{"created_by": "|x"}, {}, {"created_by": 5}, {"empty_layer": "yes"},
                          {"created_by": ""}], env=[1, None, "A"],
                         extra={"config": None}))
put("config", "nohistory", json.dumps({"rootfs": {"type": "layers", "diff_ids": diff}}))

# ---- secrets (fuzz_secrets.c: mode byte, then the text; content: "path\n" body) ----
put("secrets", "content_env", b"\0/app/.env\nAWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n"
    b"AWS_SECRET_ACCESS_KEY=abcdefghijklmnopqrstuvwxyzABCDEF01234567\napi_key = 'Zx8fQ2mN7pL4vR9sT1wY6'\n")
put("secrets", "content_key", b"\0/root/.ssh/id_rsa\n-----BEGIN RSA PRIVATE KEY-----\n"
    b"MIIEpAIBAAKCAQEAxyz0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ\n-----END RSA PRIVATE KEY-----\n")
put("secrets", "content_py", b"\0/app/settings.py\nSECRET_KEY = \"django-insecure-0123456789abcdefghijkl\"\n"
    b"GITHUB = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz'\nslack = 'xoxb-1234567890-abcdefghij'\n"
    b"openai = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH'\n"
    b"url = 'postgres://user:pa55word@db.example:5432/x'\n")
put("secrets", "content_npmrc", b"\0/root/.npmrc\n//registry.npmjs.org/:_authToken=npm_abcdefghij0123456789ABCDEFGHIJ012345\n")
put("secrets", "content_docker", b"\0/root/.docker/config.json\n{\"auths\":{\"r\":{\"auth\":\"dXNlcjpwYXNzd29yZDEyMw==\"}}}\n")
put("secrets", "content_code", b"\0/usr/lib/python3/x.py\nself.tokenizer.pos+50\nPositionalIndexer2D\n"
    b"PBEWithHmacSHA256AndAES_256\npassword = get_password()\n")
put("secrets", "path", b"\1/home/app/.aws/credentials")
put("secrets", "path2", b"\1/etc/ssl/private/server.p12")
put("secrets", "env", b"\2GITHUB_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyz")
put("secrets", "env2", b"\2DB_PASSWORD=changeme")
put("secrets", "history", b"\3RUN |2 NPM_TOKEN=abc123def456ghi789 B=1 /bin/sh -c npm ci # buildkit")
put("secrets", "history2", b"\3/bin/sh -c curl -H 'Authorization: Bearer abcdefghijklmnop0123456789' https://x")

# ---- .strata.conf ----
put("strataconf", "full", "# strata config\nlowest-efficiency = 0.9   # comment\n"
    "highest-removable-bytes = 500MB\nhighest-removable-percent = 20%\nfail-on-secret = high\n"
    "ignore = generic-api-key\nignore = apt-lists\nallow-path = /usr/share/**\n"
    "model-threshold = 1.5GiB\nrule = big-logs | /var/log/**/*.log | log files | medium | RUN rm -rf /var/log (%s)\n"
    "rule = tmp | /tmp/ | | low | clean /tmp\nrule = home | ~/.cache/ | caches | high | %s in caches\n"
    "rule = any | **/node_modules/**/*.md | docs | info | drop docs\n")
put("strataconf", "bad", "lowest-efficiency = 2\nfail-on-secret = none\nfoo\nunknown = 1\n"
    "highest-removable-bytes = -1kb\nrule = \nallow-path = relative\n =x\nmodel-threshold = 99999999999999999999TB\n")
