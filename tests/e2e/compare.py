#!/usr/bin/env python3
"""compare.py NAME ORACLE.json STRATA.json: check `strata --json` against tests/e2e/oracle.py.

Prints one line per check, `ok - NAME: what` or `FAIL - NAME: what: got …, want …`; exits 1 when a
check failed. Used by tests/e2e/test_images.sh; the names compared are those of
../shared/design/report-contract.md.
"""
import json
import sys

INSTR = {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL",
         "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}


def short_tag(t):
    for p in ("docker.io/library/", "docker.io/", "library/"):
        if t.startswith(p):
            return t[len(p):]
    return t


def main(name, oracle_path, strata_path):
    o = json.load(open(oracle_path))
    try:
        s = json.load(open(strata_path))
    except ValueError as e:
        print(f"FAIL - {name}: strata --json is valid JSON: {e}")
        return 1
    failed = 0

    def check(what, cond, got=None, want=None):
        nonlocal failed
        if cond:
            print(f"ok - {name}: {what}")
        else:
            failed += 1
            detail = "" if got is None and want is None else f": got {got!r}, want {want!r}"
            print(f"FAIL - {name}: {what}{detail}")

    def get(d, *path):
        for k in path:
            if not isinstance(d, dict) or k not in d:
                return None
            d = d[k]
        return d

    check("schema strata/1", s.get("schema") == "strata/1", s.get("schema"), "strata/1")
    check("image.format", get(s, "image", "format") == o["format"], get(s, "image", "format"), o["format"])

    # tags: as written (buildah adds docker.io/); compared without the registry prefix
    st = sorted(short_tag(t) for t in (get(s, "image", "tags") or []))
    ot = sorted(short_tag(t) for t in o["tags"])
    check("image.tags", all(t in st for t in ot), st, ot)

    sl = s.get("layers") or []
    ol = o["layers"]
    check("layer count", len(sl) == len(ol), len(sl), len(ol))
    check("layer order (diff_ids)", [l.get("diff_id") for l in sl] == [l["diff_id"] for l in ol],
          [l.get("diff_id", "")[:19] for l in sl], [l["diff_id"][:19] for l in ol])
    bad = [(i, a.get("bytes"), b["bytes"]) for i, (a, b) in enumerate(zip(sl, ol)) if a.get("bytes") != b["bytes"]]
    check("layers[].bytes", len(sl) == len(ol) and not bad, bad[:5] or None, "every layer as the oracle")
    bad = [(i, a.get("compression"), b["compression"]) for i, (a, b) in enumerate(zip(sl, ol))
           if a.get("compression") != b["compression"]]
    check("layers[].compression", len(sl) == len(ol) and not bad, bad[:5] or None, "every layer as the oracle")

    t = s.get("totals") or {}
    for k in ("layer_bytes", "final_bytes", "shadowed_bytes", "deleted_bytes", "final_files"):
        check(f"totals.{k} = {o['totals'][k]:,}", t.get(k) == o["totals"][k], t.get(k), o["totals"][k])
    if all(isinstance(t.get(k), int) for k in ("layer_bytes", "final_bytes", "shadowed_bytes", "deleted_bytes")):
        inv = t["layer_bytes"] == t["final_bytes"] + t["shadowed_bytes"] + t["deleted_bytes"]
    else:
        inv = False
    check("invariant layer_bytes == final + shadowed + deleted", inv)
    eff = t.get("efficiency")
    want_eff = (t["final_bytes"] / t["layer_bytes"]) if t.get("layer_bytes") else 1.0
    check("totals.efficiency = final/layer", isinstance(eff, (int, float)) and abs(eff - want_eff) < 1e-4,
          eff, round(want_eff, 6))

    # history: every config entry, in order, with empty_layer and the layer it made
    sh = s.get("history")
    oh = o["history"]
    check("history count", isinstance(sh, list) and len(sh) == len(oh), len(sh or []), len(oh))
    if isinstance(sh, list) and len(sh) == len(oh):
        got = [(bool(a.get("empty_layer")), a.get("layer")) for a in sh]
        want = [(b["empty_layer"], b["layer"]) for b in oh]
        check("history[].empty_layer and .layer", got == want,
              [g for g, w in zip(got, want) if g != w][:5], [w for g, w in zip(got, want) if g != w][:5])
        # created_by: raw text, or the Dockerfile line; either way the same instruction
        bad = []
        for i, (a, b) in enumerate(zip(sh, oh)):
            txt = a.get("created_by") or ""
            if txt == b["created_by"] or b["keyword"] is None:
                continue
            # a secret value in the line (ENV PASSWORD=…, --build-arg) is masked: the same text
            # with runs of '*' standing for the hidden middle of each value
            if "*" in txt:
                import re
                pat = "^" + "".join(".+" if part == "*" else re.escape(part)
                                    for part in re.split(r"(\*)\**", txt)) + "$"
                if re.match(pat, b["created_by"], re.S):
                    continue
            if txt.split(" ", 1)[0].upper() != b["keyword"]:
                bad.append((i, txt[:40], b["keyword"]))
        check("history[].created_by raw or same instruction", not bad, bad[:3] or None, "raw or keyword")

    # layers[].created_by: a Dockerfile line (RUN apt-get …), never the raw /bin/sh -c text
    bad = []
    for i, (a, b) in enumerate(zip(sl, ol)):
        cb = a.get("created_by")
        if b["created_by_keyword"] is None:
            continue
        word = (cb or "").split(" ", 1)[0]
        if word != b["created_by_keyword"] or "#(nop)" in (cb or "") or (cb or "").startswith("/bin/sh -c"):
            bad.append((i, (cb or "")[:50], b["created_by_keyword"]))
    check("layers[].created_by as a Dockerfile line", not bad, bad[:3] or None, "INSTRUCTION args")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    sys.exit(main(*sys.argv[1:]))
