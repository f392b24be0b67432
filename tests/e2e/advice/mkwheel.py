#!/usr/bin/env python3
"""mkwheel.py OUTDIR NAME VERSION [--requires REQ]... FILE=SIZE|FILE:TEXT ...

Writes a real wheel (zip, METADATA, WHEEL, RECORD with sha256s) that pip installs offline. The
files are what the test images need: PLACEHOLDER .so files of SIZE random bytes (seeded by name, so
a rebuild gives the same bytes), or small text files. Not the projects the names borrow from."""
import base64, hashlib, random, sys, zipfile

def main(argv):
    out, name, version = argv[:3]
    reqs, files = [], []
    it = iter(argv[3:])
    for a in it:
        if a == "--requires":
            reqs.append(next(it))
        elif ":" in a and "=" not in a.split(":", 1)[0]:
            path, text = a.split(":", 1)
            files.append((path, (text.replace("\\n", "\n") + "\n").encode()))
        else:
            path, size = a.rsplit("=", 1)
            rnd = random.Random(f"{name}/{path}")
            files.append((path, rnd.randbytes(int(size))))
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in reqs)
    files.append((f"{info}/METADATA", meta.encode()))
    files.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: mkwheel\nRoot-Is-Purelib: false\nTag: py3-none-any\n"))
    record = ""
    for path, data in files:
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{path},sha256={h},{len(data)}\n"
    record += f"{info}/RECORD,,\n"
    files.append((f"{info}/RECORD", record.encode()))
    whl = f"{out}/{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files:
            zi = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    print(whl)

if __name__ == "__main__":
    main(sys.argv[1:])
