#!/usr/bin/env python3
"""diff_view_facts.py A B DIFF_JSON A_JSON B_JSON: what tests/tui/test_diff_view.sh expects `strata diff A B`
to show, as shell assignments (NAME='text'), so that its figures follow the images as built
rather than figures written into the test (make-real-images.sh builds them afresh on a new
machine, and their bytes move a little from build to build).

Two sources, neither of them the view:
  - the tree rows and folder labels, cc1plus and /app: tests/e2e/final_fs.py, Python's tarfile
    over both images (no strata code);
  - the header and the categories: `strata diff --json A B`, whose figures
    tests/e2e/test_diff.sh checks against that same reader; the package table: each image's own
    `strata --json` package list (a path of the code apart from the diff and the view).
Sizes are written as strata writes them (fmt_size in src/util.c: SI units, three significant
digits); the table orders are the view's (most saved first, then by name)."""
import json
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from final_fs import final_fs  # noqa: E402


def fmt(b):
    if b < 1000:
        return "%d B" % b
    units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
    v, u = float(b), 0
    while v >= 999.95 and u < 6:
        v /= 1000.0
        u += 1
    return ("%.2f %s" if v < 10 else "%.1f %s" if v < 100 else "%.0f %s") % (v, units[u])


def delta(a, b):
    d = b - a
    return "" if d == 0 else ("-" if d < 0 else "+") + fmt(abs(d))


def plural(n, one, many):
    return one if n == 1 else many


def ere(s):
    """a fixed text inside a POSIX extended regular expression (grep -E)"""
    return "".join("\\" + c if c in ".[]()*+?{}|^$\\" else c for c in s)


def rx(s):
    """a fixed text inside an extended regular expression, runs of spaces as ' +'"""
    return re.sub(" +", " +", ere(s))


path_a, path_b, jpath, ja, jb = sys.argv[1:6]
r = json.load(open(jpath))
out = {}

# ---- the header, from the JSON
ra, rb = r["a"], r["b"]
fa_bytes, fb_bytes = ra["final_bytes"], rb["final_bytes"]
d = fb_bytes - fa_bytes
saved = ("saved" if d < 0 else "grew" if d > 0 else "same size")
if d:
    saved += " %s (%.0f%%)" % (fmt(abs(d)), 100.0 * abs(d) / fa_bytes)
out["HDR_TOTALS"] = "strata diff  final %s -> %s, %s" % (fmt(fa_bytes), fmt(fb_bytes), saved)
out["HDR_REMOVABLE"] = "removable %s -> %s  files %d -> %d" % (
    fmt(ra["removable_bytes"]), fmt(rb["removable_bytes"]), ra["final_files"], rb["final_files"])


def count(g):
    return g["files"] + sum(g["other_kinds"].values())


oa, ob, ch = count(r["only_in_a"]), count(r["only_in_b"]), count(r["changed"])
out["HDR_COUNTS"] = "- only in A: %d %s %s   + only in B: %d %s %s   ~ changed: %d %s %s -> %s" % (
    oa, plural(oa, "file", "files"), fmt(r["only_in_a"]["bytes"]),
    ob, plural(ob, "file", "files"), fmt(r["only_in_b"]["bytes"]),
    ch, plural(ch, "file", "files"), fmt(r["changed"]["a_bytes"]), fmt(r["changed"]["b_bytes"]))
out["SELF_SIZE"] = "final %s -> %s, same size" % (fmt(fa_bytes), fmt(fa_bytes))

# ---- the tables, from the JSON, in the view's order
cats = {c["id"]: c for c in r["categories"]}


def cat_re(cid):
    c = cats[cid]
    return "^ " + rx("%s %s %s %s" % (cid, fmt(c["a_bytes"]), fmt(c["b_bytes"]),
                                      delta(c["a_bytes"], c["b_bytes"]))) + "  "


out["CAT_TOOLCHAIN_RE"] = cat_re("toolchain")
out["CAT_PYCACHE_RE"] = cat_re("pycache")
# the view's package table holds every package of either image (the diff's JSON lists only
# those that differ): from each image's own --json report
table = {}
for side, report in (("a", ja), ("b", jb)):
    for p in json.load(open(report))["waste"]["packages"]:
        t = table.setdefault((p["name"], p["ecosystem"]), {"name": p["name"], "ecosystem": p["ecosystem"],
                                                          "a_version": None, "b_version": None,
                                                          "a_bytes": 0, "b_bytes": 0})
        t[side + "_version"] = p["version"]
        t[side + "_bytes"] = p["bytes"]
pkgs = sorted(table.values(), key=lambda p: (p["b_bytes"] - p["a_bytes"], p["name"], p["ecosystem"]))


def pkg_cells(p):
    a = fmt(p["a_bytes"]) if p["a_version"] is not None else "-"
    b = fmt(p["b_bytes"]) if p["b_version"] is not None else "-"
    return "%s (%s) %s %s %s" % (p["name"], p["ecosystem"], a, b, delta(p["a_bytes"], p["b_bytes"]))


out["PKG_FIRST_RE"] = "  " + rx(pkg_cells(pkgs[0]).rstrip()) + "$"
out["PKG_FIRST_NAME"] = pkgs[0]["name"]
out["PKG_THIRD_RE"] = "  " + rx("%s (%s)" % (pkgs[2]["name"], pkgs[2]["ecosystem"])) + " "
out["PKG_LAST_RE"] = "  " + rx(pkg_cells(pkgs[-1]).rstrip()) + "$"

# ---- the trees, from the images themselves
a, b = final_fs(path_a), final_fs(path_b)
fa = {p: v for p, v in a.items() if v[0] != "dir"}
fb = {p: v for p, v in b.items() if v[0] != "dir"}


def below(folder):
    ua = {p: v for p, v in fa.items() if p.startswith(folder + "/")}
    ub = {p: v for p, v in fb.items() if p.startswith(folder + "/")}
    only_a = [p for p in ua if p not in ub]
    only_b = [p for p in ub if p not in ua]
    changed = [p for p in ua if p in ub and ua[p][:4] != ub[p][:4]]
    return {"a": sum(v[1] for v in ua.values()), "b": sum(v[1] for v in ub.values()),
            "only_a": len(only_a), "only_a_bytes": sum(ua[p][1] for p in only_a),
            "only_b": len(only_b), "only_b_bytes": sum(ub[p][1] for p in only_b),
            "changed": len(changed), "changed_a": sum(ua[p][1] for p in changed),
            "changed_b": sum(ub[p][1] for p in changed)}


def row_re(name, f):
    marks = ("-" if f["only_a"] else " ") + ("+" if f["only_b"] else " ") + ("~" if f["changed"] else " ")
    left = "^▸ " + rx("%s %s %s" % (name, fmt(f["a"]), delta(f["a"], f["b"])))
    return left + " " + ere(marks) + " ▸ " + rx("%s %s" % (name, fmt(f["b"]))) + "$"


usr, var = below("/usr"), below("/var")
out["USR_ROW_RE"] = row_re("usr", usr)
out["VAR_ROW_RE"] = row_re("var", var)
out["USR_BELOW_A"] = "A  below: %s in all, %d %s only in A (%s), %d changed (%s here)" % (
    fmt(usr["a"]), usr["only_a"], plural(usr["only_a"], "file", "files"), fmt(usr["only_a_bytes"]),
    usr["changed"], fmt(usr["changed_a"]))
out["USR_BELOW_B"] = "B  below: %s in all, %d %s only in B (%s), %d changed (%s here)" % (
    fmt(usr["b"]), usr["only_b"], plural(usr["only_b"], "file", "files"), fmt(usr["only_b_bytes"]),
    usr["changed"], fmt(usr["changed_b"]))
cc1 = "/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus"
if cc1 not in fa or cc1 in fb:
    sys.exit("diff_view_facts.py: %s is not a file only in A" % cc1)
out["CC1_RE"] = "^ +" + rx("cc1plus %s %s -" % (fmt(fa[cc1][1]), delta(fa[cc1][1], 0))) + "$"
out["CC1_LAYER"] = str(fa[cc1][4])
out["APP_RE"] = "^▸ " + rx("app %s" % fmt(below("/app")["a"]))

for k, v in out.items():
    print("%s=%s" % (k, shlex.quote(v)))
