#!/usr/bin/env bash
# test_cli.sh: the command line of report-contract.md beyond --json/--report: --no-content,
# --no-secret-scan, --ignore, --json=FILE, --platform, usage errors, and what `strata IMAGE`
# does when stdout is not a terminal. Runs on the bundled demo and the peer fixtures.
source "$(dirname "$0")/common.bash"
require_strata "e2e cli"
W=$WORKDIR
DEMO=$ROOT/demo/demo.tar
S() { "$STRATA" "$@" < /dev/null; }
q() { jq -r "$1" "$2" 2>/dev/null; }
qc() { jq -c "$1" "$2" 2>/dev/null; }

S --json "$DEMO" > "$W/full.json" 2>/dev/null
S --json --no-content "$DEMO" > "$W/nc.json" 2>/dev/null
check "--no-content: the same totals" "$(qc .totals "$W/nc.json")" "$(qc .totals "$W/full.json")"
check "--no-content: the same layers" "$(qc '[.layers[] | [.bytes, .added, .modified, .removed]]' "$W/nc.json")" \
  "$(qc '[.layers[] | [.bytes, .added, .modified, .removed]]' "$W/full.json")"
check "--no-content: totals are there to compare" "$(q '.totals.layer_bytes > 0' "$W/nc.json")" true
check "--no-content: nothing hashed" "$(q .analysis.content_hashed_bytes "$W/nc.json")" 0
check "--no-content: no content secrets" "$(q '[.secrets[] | select(.kind == "content")] | length' "$W/nc.json")" 0
check "--no-content: the .env is still found by name" \
  "$(q '[.secrets[] | select(.kind == "file" and .path == "/app/.env")] | length' "$W/nc.json")" 1
check "full run: content secrets found" "$(q '[.secrets[] | select(.kind == "content")] | length > 0' "$W/full.json")" true

S --json --no-secret-scan "$DEMO" > "$W/ns.json" 2>/dev/null
check "--no-secret-scan: no content secrets" "$(q '[.secrets[] | select(.kind == "content")] | length' "$W/ns.json")" 0
check "--no-secret-scan: still hashes (duplicates)" "$(q '.analysis.content_hashed_bytes > 0' "$W/ns.json")" true

S --json --ignore aws-access-key-id --ignore apt-lists "$DEMO" > "$W/ig.json" 2>/dev/null
check "--ignore a secret rule" "$(q '[.secrets[] | select(.rule == "aws-access-key-id")] | length' "$W/ig.json")" 0
check "--ignore a waste category" "$(q '[.waste.categories[] | select(.id == "apt-lists")] | length' "$W/ig.json")" 0
check "--ignore leaves the rest" "$(q '[.secrets[] | select(.rule == "aws-secret-access-key")] | length' "$W/ig.json")" 1

out=$(S --json="$W/file.json" "$DEMO" 2>/dev/null)
check "--json=FILE: nothing on stdout" "$out" ""
check "--json=FILE: the report in the file" "$(q .schema "$W/file.json")" strata/1

S "$DEMO" > "$W/plain.txt" 2>/dev/null
check "strata IMAGE, stdout not a terminal: the text report" "$(head -c 10 "$W/plain.txt")" "Image     "

S --version > /dev/null 2>&1; check "--version: exit 0" $? 0
S --help > /dev/null 2>&1; check "--help: exit 0" $? 0
S --frobnicate "$DEMO" > /dev/null 2>&1; check "unknown option: exit 64" $? 64
S --json "$DEMO" "$DEMO" > /dev/null 2>&1; check "two images: exit 64" $? 64
S --json > /dev/null 2>&1; check "no image: exit 64" $? 64

# --platform: a two-platform OCI layout made from the arm64 peer fixture (both entries name the
# same manifest; the choice is what is checked)
OCI=$PEERS/test-oci-gzip-image.tar
if [ -f "$OCI" ]; then
  mkdir -p "$W/multi" && tar -xf "$OCI" -C "$W/multi"
  python3 - "$W/multi/index.json" <<'PY'
import json, sys
p = sys.argv[1]; ix = json.load(open(p))
m = dict(ix["manifests"][0])
a = dict(m); a["platform"] = {"os": "linux", "architecture": "arm64"}
b = dict(m); b["platform"] = {"os": "linux", "architecture": "riscv64"}
ix["manifests"] = [a, b]
json.dump(ix, open(p, "w"))
PY
  S --json --platform linux/riscv64 "$W/multi" > "$W/p.json" 2> "$W/p.err"
  check "--platform picks one image: exit 0" $? 0
  check "--platform: the image lists both platforms" "$(qc '.image.platforms' "$W/p.json")" '["linux/arm64","linux/riscv64"]'
  S --json "$W/multi" > /dev/null 2> "$W/p2.err"
  grep -q "platforms in the index" "$W/p2.err"; check "no --platform: a warning says which was chosen" $? 0
  S --json --platform linux/s390x "$W/multi" > /dev/null 2> "$W/p3.err"
  check "an absent platform: exit 1" $? 1
  grep -q "linux/arm64, linux/riscv64" "$W/p3.err"; check "an absent platform: the message lists what is there" $? 0
else
  skip "peer fixture $OCI absent"
fi
# names from the image in an error message: escaped, one line, no terminal escape codes
python3 - "$W/evil.tar" <<'PY'
import io, json, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    m = json.dumps([{"Config": "evil\n\x1b[31mred.json", "RepoTags": [], "Layers": []}]).encode()
    ti = tarfile.TarInfo("manifest.json"); ti.size = len(m); t.addfile(ti, io.BytesIO(m))
PY
S --json "$W/evil.tar" > /dev/null 2> "$W/evil.err"
check "hostile config name: exit 1" $? 1
check "hostile config name: one line on stderr" "$(wc -l < "$W/evil.err")" 1
if grep -q $'\x1b' "$W/evil.err"; then fail "hostile config name: an escape byte reached stderr"; else pass "hostile config name: escaped ($(head -c 120 "$W/evil.err"))"; fi
# invalid UTF-8 and control bytes in a file name: --json and --sarif stay valid JSON, the name
# escaped (\xff), the secret still reported at that path
python3 - "$W/utf.tar" <<'PY'
import hashlib, io, json, sys, tarfile
lay = io.BytesIO()
with tarfile.open(fileobj=lay, mode="w", format=tarfile.GNU_FORMAT, encoding="utf-8", errors="surrogateescape") as t:
    body = b"AWS_ACCESS_KEY_ID=AKIAQX7T3UTF8TES2K9Z\n"
    ti = tarfile.TarInfo("app\udcff\x1b/.env"); ti.size = len(body); t.addfile(ti, io.BytesIO(body))
layer = lay.getvalue(); h = hashlib.sha256(layer).hexdigest()
cfg = json.dumps({"os": "linux", "architecture": "amd64", "rootfs": {"type": "layers", "diff_ids": ["sha256:" + h]},
                  "history": [{"created_by": "/bin/sh -c #(nop) COPY . /"}]}).encode()
ch = hashlib.sha256(cfg).hexdigest()
man = json.dumps([{"Config": ch + ".json", "RepoTags": ["utf:1"], "Layers": [h + "/layer.tar"]}]).encode()
with tarfile.open(sys.argv[1], "w") as t:
    for n, b in ((ch + ".json", cfg), (h + "/layer.tar", layer), ("manifest.json", man)):
        ti = tarfile.TarInfo(n); ti.size = len(b); t.addfile(ti, io.BytesIO(b))
PY
S --json --sarif "$W/utf.sarif" "$W/utf.tar" > "$W/utf.json" 2>/dev/null
check "odd name: exit 0" $? 0
check "odd name: --json is valid JSON, path escaped" \
  "$(jq -r '[.secrets[] | select(.rule == "aws-access-key-id") | .path] | first' "$W/utf.json")" '/app\xff\x1b/.env'
check "odd name: --sarif is valid JSON with the finding" \
  "$(jq '[.runs[0].results[] | select(.ruleId == "aws-access-key-id")] | length' "$W/utf.sarif")" 1
finish "e2e cli"
