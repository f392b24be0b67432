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

# Outputs never touch inputs: each refused with exit 64, one line, before anything is read, and
# the input unchanged (its checksum before and after)
cp "$DEMO" "$W/in.tar"
SUM0=$(sha256sum < "$W/in.tar")
ln -s in.tar "$W/in-link.json"; ln "$W/in.tar" "$W/in-hard.json"
mkdir -p "$W/lay" && tar -xf "$PEERS/test-oci-gzip-image.tar" -C "$W/lay" 2>/dev/null || mkdir -p "$W/lay"
refused() {   # refused WHAT EXPECTED-TEXT CMD...
  local what=$1 want=$2; shift 2
  "$@" < /dev/null > "$W/r.out" 2> "$W/r.err"
  local rc=$?
  if [ $rc -eq 64 ] && [ "$(wc -l < "$W/r.err")" -eq 1 ] && grep -qF -- "$want" "$W/r.err" && [ ! -s "$W/r.out" ]; then
    pass "$what: refused ($(cat "$W/r.err"))"
  else
    fail "$what: exit $rc, stderr '$(head -c 200 "$W/r.err")'"
  fi
}
refused "--json=FILE on the image" "is an input" "$STRATA" --json="$W/in.tar" "$W/in.tar"
refused "--json=FILE through a symlink to the image" "resolves to the input" "$STRATA" --json="$W/in-link.json" "$W/in.tar"
refused "--sarif FILE on a hard link to the image" "resolves to the input" "$STRATA" --sarif "$W/in-hard.json" "$W/in.tar"
refused "--sarif FILE on the image, spelled differently" "resolves to the input" "$STRATA" --sarif "$W/./in.tar" "$W/in.tar"
refused "--json=FILE on a docker-archive:PATH input" "refusing to write over it" "$STRATA" --json="$W/in.tar" "docker-archive:$W/in.tar"
"$STRATA" --json="$W/in.tar" - < "$W/in.tar" > "$W/r.out" 2> "$W/r.err"
check "--json=FILE on standard input's file: exit 64" "$? $(wc -l < "$W/r.err")" "64 1"
grep -q "standard input" "$W/r.err"; check "... the message names standard input" $? 0
refused "diff --json=FILE on the second image" "is an input" "$STRATA" diff --json="$W/in.tar" "$DEMO" "$W/in.tar"
echo "ignore = docs" > "$W/my.conf"
refused "--json=FILE on the config file" "is an input" "$STRATA" --config "$W/my.conf" --json="$W/my.conf" "$W/in.tar"
if [ -f "$W/lay/index.json" ]; then
  refused "--json=FILE inside an OCI layout input" "inside the input directory" "$STRATA" --json="$W/lay/report.json" "$W/lay"
  refused "--json=FILE over the layout's index.json" "inside the input directory" "$STRATA" --json="$W/lay/index.json" "$W/lay"
  refused "diff --json=FILE inside a layout input" "inside the input directory" "$STRATA" diff --json="$W/lay/d.json" "$W/lay" "$W/lay"
  [ ! -e "$W/lay/report.json" ]; check "nothing written inside the layout" $? 0
else
  skip "peer fixture test-oci-gzip-image.tar absent: layout-directory cases"
fi
refused "--json and --sarif to the same file" "also the output of --json" "$STRATA" --json="$W/o.json" --sarif "$W/o.json" "$W/in.tar"
refused "--json and --sarif - both on stdout" "both ask for standard output" "$STRATA" --json --sarif - "$W/in.tar"
"$STRATA" --json "$W/in.tar" >> "$W/in.tar" 2> "$W/r.err" < /dev/null
check "stdout appended onto the image: exit 64" $? 64
check "the image is unchanged" "$(sha256sum < "$W/in.tar")" "$SUM0"
# a report that cannot be written leaves no file and no temp file
S --json="$W/nodir/r.json" "$W/in.tar" > /dev/null 2> "$W/r.err"
check "--json=FILE in a missing folder: exit 1" $? 1
mkdir -p "$W/outs"
S --json="$W/outs/bad.json" "$W/nope.tar" > /dev/null 2>&1
check "--json=FILE with an unreadable image: exit 1" $? 1
check "... and no file at all is left" "$(ls -A "$W/outs")" ""
echo old > "$W/outs/keep.json"; chmod 640 "$W/outs/keep.json"
S --json="$W/outs/keep.json" "$W/in.tar" > /dev/null 2>&1
check "--json=FILE over an existing report: the new report" "$(q .schema "$W/outs/keep.json")" strata/1
check "... keeps its permissions" "$(stat -c %a "$W/outs/keep.json")" 640
check "... and leaves no temp file" "$(ls -A "$W/outs")" keep.json
S --json=/dev/null "$W/in.tar" > "$W/r.out" 2>&1; check "--json=/dev/null (written in place): exit 0" $? 0

# Standard output holds one format: JSON wins, the other formats go to standard error
S --json --ci "$W/in.tar" > "$W/jc.out" 2> "$W/jc.err"
rc=$?
check "--json --ci | jq: stdout parses as one JSON document" "$(jq -s 'length' "$W/jc.out" 2>/dev/null)" 1
check "--json --ci: the JSON is the report" "$(q .schema "$W/jc.out")" strata/1
grep -q '^strata --ci' "$W/jc.err"; check "--json --ci: the CI lines on stderr" $? 0
check "--json --ci: the exit status is still the CI verdict" "$rc" 2
S --report --json "$W/in.tar" > "$W/rj.out" 2> "$W/rj.err"
check "--report --json: stdout is the JSON" "$(q .schema "$W/rj.out")" strata/1
check "--report --json: the text report on stderr" "$(grep -c '^Image ' "$W/rj.err")" 1
S --report --ci "$W/in.tar" > "$W/rc.out" 2> "$W/rc.err"
check "--report --ci: stdout is the text report" "$(head -c 6 "$W/rc.out"; grep -c '^strata --ci' "$W/rc.out")" "Image 0"
grep -q '^strata --ci' "$W/rc.err"; check "--report --ci: the CI lines on stderr" $? 0
S --json=/dev/stdout --ci "$W/in.tar" 2>/dev/null | jq -e .schema > /dev/null
check "--json=/dev/stdout counts as standard output" "${PIPESTATUS[1]}" 0
S --sarif - "$W/in.tar" 2>/dev/null | jq -e '.version == "2.1.0"' > /dev/null
check "--sarif -: SARIF alone on stdout" "${PIPESTATUS[1]}" 0
S diff --json --report "$DEMO" "$W/in.tar" > "$W/dj.out" 2> "$W/dj.err"
check "diff --json --report: stdout is the JSON" "$(jq -s length "$W/dj.out" 2>/dev/null)" 1
check "diff --json --report: the text on stderr" "$([ -s "$W/dj.err" ] && echo yes)" yes
S diff --json="$W/outs/d.json" "$DEMO" "$W/in.tar" > "$W/d.out" 2>&1
check "diff --json=FILE: the file" "$(jq -r 'type' "$W/outs/d.json" 2>/dev/null)" object

# --ignore of an unknown id: a usage error naming the known ones
S --json --ignore aws-acces-key-id "$DEMO" > "$W/r.out" 2> "$W/r.err"
check "--ignore unknown id: exit 64" $? 64
check "--ignore unknown id: one line" "$(wc -l < "$W/r.err")" 1
grep -q "unknown id 'aws-acces-key-id'.*aws-access-key-id.*apt-lists.*DL3009" "$W/r.err"
check "--ignore unknown id: the message lists rules, categories and hints" $? 0
S --json --ignore DL3009 --ignore shadowed --ignore docs "$DEMO" > /dev/null 2>&1
check "--ignore a hint, a dead-bytes and a waste id: accepted" $? 0

S "$DEMO" > "$W/plain.txt" 2>/dev/null
check "strata IMAGE, stdout not a terminal: the text report" "$(head -c 10 "$W/plain.txt")" "Image     "

S --version > /dev/null 2>&1; check "--version: exit 0" $? 0
S --help > /dev/null 2>&1; check "--help: exit 0" $? 0
S --frobnicate "$DEMO" > /dev/null 2>&1; check "unknown option: exit 64" $? 64
S --json "$DEMO" "$DEMO" > /dev/null 2>&1; check "two images: exit 64" $? 64
S --json > /dev/null 2>&1; check "no image: exit 64" $? 64
# usage errors come before any file is read: two images from standard input with a --dockerfile
# that does not exist is 64 and the standard-input line, not the Dockerfile's 1
S --json --base - --dockerfile "$W/no-such-Dockerfile" - > /dev/null 2> "$W/r.err"
check "--base - and IMAGE -, with a missing --dockerfile: exit 64" "$? $(wc -l < "$W/r.err")" "64 1"
grep -q "only one image can come from standard input" "$W/r.err"
check "... the line says standard input" $? 0
# a config with an unknown ignore id, with --base read first: 64, and (under make asan, whose
# leak checker runs at exit) nothing of the base image left unfreed
printf 'ignore = no-such-rule\n' > "$W/badid.conf"
S --json --base "$DEMO" --config "$W/badid.conf" "$DEMO" > /dev/null 2> "$W/r.err"
check "--base with a config naming an unknown ignore id: exit 64" $? 64
grep -q "no-such-rule" "$W/r.err"
check "... the id is named" $? 0

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
# A nested index as buildah writes it: `buildah manifest push --all --format oci` makes index.json
# name one image index, which lists a manifest per platform. Built here from two one-file
# images (own storage under $W, vfs driver, nothing pulled).
BUILDAH="buildah --root $W/bstore --runroot $W/brun --storage-driver vfs"
buildah_nested() {
  echo amd > "$W/amd.txt" && echo arm64 > "$W/arm.txt" || return 1
  local c
  c=$($BUILDAH from scratch) && $BUILDAH copy "$c" "$W/amd.txt" /amd.txt > /dev/null &&
    $BUILDAH config --os linux --arch amd64 "$c" && $BUILDAH commit -q "$c" strata-e2e-amd64 > /dev/null || return 1
  c=$($BUILDAH from scratch) && $BUILDAH copy "$c" "$W/arm.txt" /arm.txt > /dev/null &&
    $BUILDAH config --os linux --arch arm64 --variant v8 "$c" && $BUILDAH commit -q "$c" strata-e2e-arm64 > /dev/null || return 1
  $BUILDAH manifest create strata-e2e-list > /dev/null &&
    $BUILDAH manifest add strata-e2e-list containers-storage:localhost/strata-e2e-amd64 > /dev/null &&
    $BUILDAH manifest add strata-e2e-list containers-storage:localhost/strata-e2e-arm64 > /dev/null &&
    $BUILDAH manifest push -q --all --format oci strata-e2e-list "oci-archive:$W/nested.tar" > /dev/null
}
if ! command -v buildah > /dev/null; then
  skip "buildah nested index" "buildah not installed (scripts/deps.sh --images)"
elif ! buildah_nested > "$W/buildah.log" 2>&1; then
  skip "buildah nested index" "buildah could not build here: $(tail -n 1 "$W/buildah.log")"
else
  check "buildah --all --format oci: index.json names an image index" \
    "$(tar -xOf "$W/nested.tar" index.json | jq -r '.manifests | length, .[0].mediaType, (.[0].platform // "none")' | tr '\n' ' ')" \
    "1 application/vnd.oci.image.index.v1+json none "
  S --json --platform linux/arm64 "$W/nested.tar" > "$W/n.json" 2> "$W/n.err"
  check "nested index: --platform linux/arm64 picks it" "$? $(q .image.architecture "$W/n.json")" "0 arm64"
  check "nested index: the arm64 image's layer (arm.txt, 6 bytes)" "$(q '[.layers[].bytes] | add' "$W/n.json")" 6
  check "nested index: both platforms listed" "$(qc .image.platforms "$W/n.json")" '["linux/amd64","linux/arm64/v8"]'
  S --json --platform linux/amd64 "$W/nested.tar" > "$W/n2.json" 2>/dev/null
  check "nested index: --platform linux/amd64 picks the other (amd.txt, 4 bytes)" \
    "$(q '.image.architecture, ([.layers[].bytes] | add)' "$W/n2.json" | tr '\n' ' ')" "amd64 4 "
  S --json --platform linux/s390x "$W/nested.tar" > /dev/null 2> "$W/n3.err"
  check "nested index: an absent platform is exit 1 listing both" "$? $(cat "$W/n3.err")" \
    "1 strata: $W/nested.tar: no image for platform linux/s390x (has: linux/amd64, linux/arm64/v8)"
  S --json "$W/nested.tar" > /dev/null 2> "$W/n4.err"
  grep -q "2 platforms in the index" "$W/n4.err"; check "nested index: without --platform a warning names the choice" $? 0
fi
# --platform on a single-platform image: checked against its config, an error when it differs
S --json --platform linux/arm64 "$DEMO" > /dev/null 2> "$W/sp.err"
check "single-platform image, another --platform: exit 1 naming what it has" "$? $(grep -c 'no image for platform linux/arm64 (has: linux/amd64)' "$W/sp.err")" "1 1"
S --json --platform linux/amd64 "$DEMO" > /dev/null 2>&1
check "single-platform image, its own --platform: exit 0" $? 0
S --json --platform arm64 "$DEMO" > /dev/null 2> "$W/sp2.err"
check "--platform without os/arch: usage error" $? 64
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
# ---- issue 12: --files, error lines, the report as a file and on a terminal
S --json --files "$DEMO" > "$W/files.json" 2>/dev/null
check "--files: every layer lists its entries" "$(q '[.layers[] | (.entries | length) > 0] | all' "$W/files.json")" true
check "--files: entries add up to the layer's bytes" \
  "$(q '[.layers[] | ([.entries[] | select(.kind == "file") | .bytes] | add // 0) == .bytes] | all' "$W/files.json")" true
check "--files: the deleted .env is there, deleted by layer 6" \
  "$(qc '[.layers[3].entries[] | select(.path == "/app/.env") | [.kind, .status, .hidden_by]]' "$W/files.json")" '[["file","deleted",6]]'
check "--files: layer 6 holds the whiteout of /app/.env" \
  "$(qc '[.layers[6].entries[] | select(.path == "/app/.env") | .kind]' "$W/files.json")" '["whiteout"]'
check "without --files: no entries" "$(q '[.layers[] | has("entries")] | any' "$W/full.json")" false
S --bogus "$DEMO" > /dev/null 2> "$W/bogus.err"; rc=$?
check "an unknown option: exit 64, one line starting strata:" "$rc/$(wc -l < "$W/bogus.err")/$(cut -c1-8 "$W/bogus.err")" "64/1/strata: "
S diff --bogus "$DEMO" "$DEMO" > /dev/null 2> "$W/dbogus.err"; rc=$?
check "diff: an unknown option: exit 64, one line starting strata:" "$rc/$(wc -l < "$W/dbogus.err")/$(cut -c1-8 "$W/dbogus.err")" "64/1/strata: "
S diff "$DEMO" > /dev/null 2> "$W/done.err"
check "diff with one image: strata: first" "$(grep -vc '^strata: ' "$W/done.err")" 0
# to a file: every line whole (the longest instruction, 400+ characters, on one line)
S --report "$DEMO" > "$W/report.txt" 2>/dev/null
check "--report to a file: the instruction of layer 2 whole on one line" \
  "$(grep -c "^  2 .*demo_lib/__init__.py\$" "$W/report.txt")" 1
check "--report leads with the removable share" "$(grep -c '^Removable  866 kB, 21% of the image' "$W/report.txt")" 1
check "--report: no plural after 1" "$(grep -Ec '(^| )1 (files|layers|entries)\b' "$W/report.txt")" 0
check "--report: the deleted bytes' writer and hider" \
  "$(grep -c '213 kB in 3 files written by layer 5 (RUN mkdir -p /tmp/build/obj …), deleted by layer 6 (RUN rm -f /app/.env  && rm -rf …)' "$W/report.txt")" 1
# on a terminal (script(1) gives it one of 72 columns): wrapped at spaces, continued under the text
if command -v script > /dev/null; then
  script -qec "stty cols 72 rows 40; '$STRATA' --report '$DEMO'" /dev/null < /dev/null | tr -d '\r' > "$W/report.tty"
  check "--report on a 72-column terminal: no line wider" "$(python3 -c 'import sys; print(sum(len(l.rstrip("\n")) > 72 for l in open(sys.argv[1], encoding="utf-8")))' "$W/report.tty")" 0
  check "--report on a terminal: the instruction continues under its text" \
    "$(grep -c '^                           [^ ]' "$W/report.tty" | awk '{ print ($1 > 3) }')" 1
  check "--report on a terminal: the same words as in a file" \
    "$(tr -d ' \n' < "$W/report.tty" | md5sum)" "$(tr -d ' \n' < "$W/report.txt" | md5sum)"
else
  skip "script(1) absent: --report on a terminal not checked"
fi
finish "e2e cli"
