#!/usr/bin/env bash
# scripts/demo.sh: the README's first command. Installs the Debian packages (scripts/deps.sh), builds
# strata and opens the bundled demo image (demo/demo.tar, made by scripts/make-demo-image.sh) in the
# interactive view. Extra arguments go to strata, e.g. `bash scripts/demo.sh --report`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then bash scripts/deps.sh; else bash scripts/deps.sh || echo "demo.sh: continuing without root" >&2; fi
make -j"$(nproc 2>/dev/null || echo 2)" strata >&2
exec ./strata "$@" demo/demo.tar
