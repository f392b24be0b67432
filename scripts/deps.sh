#!/usr/bin/env bash
# deps.sh [--images]: install every Debian package strata needs to build and test.
#
# Idempotent and quiet: when everything is already installed it only checks and returns. Runs as
# root on a bare Debian 12 (minbase, no sudo, empty apt lists); `apt-get update` runs only when a
# package is missing. With --images it also installs what ../shared/tools/make-real-images.sh and
# scripts/make-demo-image.sh need (buildah, skopeo, debootstrap, docker.io), and what
# scripts/check-deb.sh and scripts/check-image.sh need (dpkg-dev, debhelper, lintian).
set -euo pipefail

PKGS=(
  # build
  gcc make libc6-dev pkg-config
  libarchive-dev libcurl4-openssl-dev libjansson-dev libzstd-dev libisal-dev libxxhash-dev libpcre2-dev libvectorscan-dev libncurses-dev
  # tests
  libcmocka-dev tmux procps jq python3 zstd xxd gzip tar ca-certificates
  # the gzip floors of make bench (igzip -dc)
  isal
  # install tests: the man page lint, the zsh and fish completions (tests/e2e/test_install.sh)
  mandoc zsh fish
  # the JSON Schemas of the reports (tests/e2e/test_schema.sh)
  python3-jsonschema
  # the CI recipes of docs/ci (tests/e2e/test_recipes.sh reads their YAML)
  python3-yaml
  # make fuzz (libFuzzer); make fuzz-replay needs only gcc
  clang
  # peak RSS and CPU of the memory tests (tests/e2e/test_memory.sh: /usr/bin/time)
  time
  # make memcheck (tests/valgrind/test_valgrind.sh), run by make check
  valgrind
  # make screenshots: tmux screens drawn as PNGs (scripts/ansi2png.py)
  python3-pil fonts-dejavu-core
)
# --images: real images, the Debian package (scripts/check-deb.sh) and strata's own image
IMAGE_PKGS=(buildah skopeo debootstrap docker.io podman docker-registry apache2-utils openssl curl dpkg-dev debhelper lintian)

for a in "$@"; do
  case $a in
    --images) PKGS+=("${IMAGE_PKGS[@]}") ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "deps.sh: unknown option: $a" >&2; exit 64 ;;
  esac
done

installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

missing=()
for p in "${PKGS[@]}"; do installed "$p" || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: missing packages: ${missing[*]}; run me as root (or: apt-get install ${missing[*]})" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
retry() { local n; for n in 1 2 3; do "$@" && return 0; echo "deps.sh: retry $n/3: $*" >&2; sleep 5; done; return 1; }
echo "deps.sh: installing ${missing[*]}" >&2
retry apt-get update -qq
# apt's quiet mode still prints dpkg progress; keep it for a failure only
log=$(mktemp)
if ! retry apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
  tail -n 30 "$log" >&2; rm -f "$log"; exit 1
fi
rm -f "$log"
for p in "${missing[@]}"; do installed "$p" || { echo "deps.sh: $p did not install" >&2; exit 1; }; done
echo "deps.sh: done" >&2
