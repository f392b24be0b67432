#!/usr/bin/env bash
# scripts/test.sh: the README's second command. Installs the Debian packages the build and the tests
# need (scripts/deps.sh), builds, and runs every test suite (`make check`: unit, TUI, end-to-end).
# Exits non-zero when any test fails. Set CFLAGS to change the build flags (CI adds -Werror).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then bash scripts/deps.sh; else bash scripts/deps.sh || echo "test.sh: continuing without root" >&2; fi
JOBS=$(nproc 2>/dev/null || echo 2)
make -j"$JOBS" all
make check
