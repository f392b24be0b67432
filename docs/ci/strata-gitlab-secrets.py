#!/usr/bin/env python3
"""strata-gitlab-secrets.py [STRATA_JSON] > gl-secret-detection-report.json

Turns a `strata --json` report (file, or standard input) into a GitLab Secret Detection report
(schema version 15.0.7), so GitLab's security widgets list the image's secrets. Python 3 standard
library only.

Each strata secret finding becomes one vulnerability:
  id           a UUID derived from (image config digest, rule, kind, path, layer, name): stable
               across runs, so GitLab tracks a finding instead of seeing a new one each time
  identifiers  [{type: strata_rule_id, value: the rule id}]      (GitLab's primary identifier)
  severity     Info / Low / Medium / High / Critical
  location     file: the path in the image (or "ENV NAME" / "history: NAME" / the instruction);
               commit.sha: the image's config digest, the "commit" the finding belongs to
  raw_source_code_extract: the match as strata printed it (masked unless --show-secrets)
Options: --scanner-version V (default: `strata --version` when strata is on PATH, else "unknown"),
         --start-time / --end-time YYYY-MM-DDTHH:MM:SS (default: now, UTC).
"""
import argparse
import datetime
import json
import shutil
import subprocess
import sys
import uuid

SEVERITY = {"info": "Info", "low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}
NAMESPACE = uuid.UUID("3c2b8a0e-54d1-4f0e-9a55-5d1a3b0f7e21")   # this converter's own namespace


def strata_version():
    exe = shutil.which("strata")
    if not exe:
        return "unknown"
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10).stdout
        return out.split()[-1] if out.split() else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def where(s):
    """The location's file: a path in the image, or what stands in for one."""
    if s.get("path"):
        return s["path"]
    if s.get("kind") == "env":
        return "ENV " + (s.get("name") or "(image config)")
    if s.get("kind") == "history":
        return "history: " + (s.get("name") or s.get("created_by") or "(build history)")[:200]
    return s.get("created_by") or "(image)"


def vulnerability(report, s):
    image = report.get("image", {})
    digest = image.get("config_digest") or "unknown"
    key = "\0".join(str(x) for x in (digest, s.get("rule"), s.get("kind"), s.get("path"),
                                     s.get("layer"), s.get("name")))
    layer = s.get("layer")
    desc = [f"strata rule `{s['rule']}` ({s.get('kind', 'content')}) in image "
            f"`{image.get('source', '?')}`"]
    if layer is not None:
        desc.append(f"layer {layer}, written by `{s.get('created_by', '')[:300]}`")
    if s.get("visible") is False:
        hidden = s.get("hidden_by_layer")
        desc.append("deleted by a later layer" + (f" ({hidden})" if hidden is not None else "")
                    + " but still in every copy of the image")
    v = {
        "id": str(uuid.uuid5(NAMESPACE, key)),
        "name": f"Secret in a container image: {s['rule']}"[:255],
        "description": "; ".join(desc) + ".",
        "severity": SEVERITY.get(s.get("severity"), "Unknown"),
        "identifiers": [{"type": "strata_rule_id", "name": f"strata {s['rule']}", "value": s["rule"]}],
        "location": {"file": where(s), "commit": {"sha": digest.split(":")[-1] or "unknown"}},
        "raw_source_code_extract": s.get("match", ""),
    }
    if s.get("fix"):
        v["solution"] = s["fix"][:7000]
    if isinstance(s.get("line"), int):
        v["location"]["start_line"] = s["line"]
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", nargs="?", default="-")
    ap.add_argument("--scanner-version")
    ap.add_argument("--start-time")
    ap.add_argument("--end-time")
    a = ap.parse_args()
    try:
        f = sys.stdin if a.report == "-" else open(a.report, encoding="utf-8")
        report = json.load(f)
    except (OSError, ValueError) as e:
        print(f"strata-gitlab-secrets: {a.report}: {e}", file=sys.stderr)
        return 1
    if report.get("schema") != "strata/1":
        print(f"strata-gitlab-secrets: {a.report}: not a strata/1 report", file=sys.stderr)
        return 1
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    version = a.scanner_version or strata_version()
    tool = {"id": "strata", "name": "strata", "version": version, "vendor": {"name": "the strata authors"}}
    out = {
        "version": "15.0.7",
        "scan": {
            "analyzer": tool,
            "scanner": tool,
            "type": "secret_detection",
            "start_time": a.start_time or now,
            "end_time": a.end_time or now,
            "status": "success",
        },
        "vulnerabilities": [vulnerability(report, s) for s in report.get("secrets", [])],
    }
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
