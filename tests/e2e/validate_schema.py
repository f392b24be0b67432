#!/usr/bin/env python3
"""validate_schema.py SCHEMA FILE...: validate JSON reports against a JSON Schema (draft 2020-12).

Prints one line per file ("ok - FILE" or "FAIL - FILE: where: what", at most 5 errors each) and
exits 1 when any file fails. The schema itself is checked first. Uses Debian's python3-jsonschema.
"""
import json
import sys

import jsonschema


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 64
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    v = cls(schema)
    bad = 0
    for path in sys.argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"FAIL - {path}: not JSON: {e}")
            bad += 1
            continue
        errs = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
        if not errs:
            print(f"ok - {path}")
            continue
        bad += 1
        for e in errs[:5]:
            where = "/".join(str(p) for p in e.absolute_path) or "(root)"
            print(f"FAIL - {path}: {where}: {e.message[:300]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
