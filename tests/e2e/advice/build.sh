#!/usr/bin/env bash
# build.sh OUTDIR: the images of the advice tests (tests/e2e/test_advice.sh), built here by real
# builders from the Dockerfiles beside this script, in the shapes the Dockerfile course teaches.
#
# Nothing can be pulled from Docker Hub and pip cannot reach PyPI, so: the bases are built from a
# debootstrap Debian 12 minbase rootfs (as ../shared/tools/make-real-images.sh does) and Debian's
# own python3; the CUDA bases carry NVIDIA's ENV lines and a /usr/local/cuda-12.4 tree of
# PLACEHOLDER files (random bytes at the real names); the wheels pip installs are made here by
# mkwheel.py (real wheels, placeholder contents). Every Dockerfile says so in its comments.
#
# Outputs in OUTDIR (docker-archive unless named otherwise):
#   python-full.docker.tar        localhost/python:3.11-bookworm (debian slim + python3, pip, gcc, headers)
#   python-slim.docker.tar        localhost/python:3.11-slim-bookworm (debian slim + python3, pip)
#   cuda-runtime.docker.tar       localhost/nvidia/cuda:12.4.1-runtime-debian12
#   cuda-devel.docker.tar         localhost/nvidia/cuda:12.4.1-devel-debian12
#   ml-single.docker.tar          ml-single/ (COPY . . before pip install -r, no .dockerignore), buildah
#   ml-single.oci.tar             the same built by buildah --format oci (base annotations), oci-archive
#   ml-single.docker-save.tar     the same by docker's classic builder, `docker save` (no FROM comments)
#   ml-fixed.docker.tar           ml-fixed/ (requirements first, multi-stage, .dockerignore), buildah
#   ml-fixed.docker-save.tar      the same by BuildKit (docker 20.10), `docker save`
#   cuda-devel-app.docker.tar     cuda-devel-app/ (devel base in the final image, torch cu121 on CUDA 12.4)
#   cuda-runtime-app.docker.tar   cuda-runtime-app/ (builder on devel, final on runtime, torch cu124)
#   contexts/NAME/                each build context exactly as the builders saw it (for .dockerignore checks)
#   SUMMARY.txt, SHA256SUMS, .recipe
#
# Cached: a second run returns at once when OUTDIR/.recipe holds the sha256 of every input file
# here (this script, the Dockerfiles, the contexts) and OUTDIR/SHA256SUMS verifies. A builder that
# fails stops the script with its log's tail and a non-zero status (CI fails, it never skips).
# Needs root, buildah, debootstrap, docker.io (scripts/deps.sh --images) and the Debian mirror.
# Env: MIRROR=http://deb.debian.org/debian, WORK=/var/tmp/xyz (scratch, removed at the end unless
# KEEP_WORK=1), WITH_DOCKERD=1 (0: skip the two docker-save images), ROOTFS_CACHE=DIR (a reused
# debootstrap rootfs.tar; default OUTDIR/../strata-advice-rootfs).
set -euo pipefail
OUT=${1:?usage: $0 OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
WITH_DOCKERD=${WITH_DOCKERD:-1}
SUITE=bookworm
T0=$SECONDS
log()  { printf '[%4ds] == %s\n' $((SECONDS - T0)) "$*" >&2; }
die()  { echo "advice/build.sh: ERROR: $*" >&2; exit 1; }
retry() { local n; for n in 1 2 3; do "$@" && return 0; echo "retry $n/3: $*" >&2; sleep 5; done; return 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
for t in buildah debootstrap python3 git; do command -v "$t" >/dev/null || die "$t is not installed (scripts/deps.sh --images)"; done
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
RECIPE=$(cd "$HERE" && find . -type f ! -name '*.pyc' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ -s "$OUT/SHA256SUMS" ] && [ "$(cat "$OUT/.recipe" 2>/dev/null)" = "$RECIPE" ] \
   && (cd "$OUT" && sha256sum --quiet -c SHA256SUMS) 2>/dev/null; then
  echo "advice/build.sh: $OUT is up to date" >&2; exit 0
fi
ROOTFS_CACHE=${ROOTFS_CACHE:-$(dirname "$OUT")/strata-advice-rootfs}
WORK=${WORK:-$(mktemp -d /var/tmp/strata-advice.XXXXXX)}
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
DRIVER=${STORAGE_DRIVER:-overlay}
B() { buildah --root "$WORK/storage" --runroot "$WORK/run" --storage-driver "$DRIVER" "$@"; }
BUD() { B bud --isolation chroot --layers --pull=never "$@"; }
D() { /usr/bin/docker -H "unix://$WORK/docker.sock" "$@"; }

cleanup() {
  set +e
  if [ -s "$WORK/dockerd.pid" ]; then
    local dpid; dpid=$(cat "$WORK/dockerd.pid")
    kill "$dpid" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$dpid" 2>/dev/null || break; sleep 1; done
  fi
  if [ "${KEEP_WORK:-0}" != 1 ]; then
    B rm -a >/dev/null 2>&1; B rmi -a -f >/dev/null 2>&1
    grep -F " $WORK/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rm -rf "$WORK"
  else
    echo "work dir kept: $WORK" >&2
  fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ the Debian base
mkdir -p "$ROOTFS_CACHE"
if [ ! -s "$ROOTFS_CACHE/rootfs.tar" ]; then
  log "debootstrap --variant=minbase $SUITE (cached in $ROOTFS_CACHE)"
  R=$WORK/rootfs
  retry debootstrap --variant=minbase "$SUITE" "$R" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; die debootstrap; }
  # slimmed as debian:bookworm-slim is (make-real-images.sh does the same)
  rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/*.bin "$R"/var/lib/apt/lists/* \
         "$R"/usr/share/doc/* "$R"/usr/share/man/* "$R"/usr/share/locale/* "$R"/usr/share/info/* \
         "$R"/var/log/* "$R"/tmp/* "$R"/dev/* "$R"/etc/resolv.conf
  : > "$R/etc/hostname"
  printf 'deb %s %s main\ndeb %s %s-updates main\n' "$MIRROR" "$SUITE" "$MIRROR" "$SUITE" > "$R/etc/apt/sources.list"
  printf 'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\npath-exclude /usr/share/info/*\n' \
    > "$R/etc/dpkg/dpkg.cfg.d/docker-slim"
  echo 'Acquire::Retries "5";' > "$R/etc/apt/apt.conf.d/80-retries"
  tar --numeric-owner -C "$R" -cf "$ROOTFS_CACHE/rootfs.tar.part" .
  mv "$ROOTFS_CACHE/rootfs.tar.part" "$ROOTFS_CACHE/rootfs.tar"
  rm -rf "$R"
fi
mkdir -p "$WORK/debian"
ln "$ROOTFS_CACHE/rootfs.tar" "$WORK/debian/rootfs.tar" 2>/dev/null || cp "$ROOTFS_CACHE/rootfs.tar" "$WORK/debian/"
printf 'FROM scratch\nADD rootfs.tar /\nCMD ["bash"]\n' > "$WORK/debian/Dockerfile"

build() {  # build LOGNAME CONTEXT TAG [bud args...]
  local name=$1 ctx=$2 tag=$3; shift 3
  log "buildah bud $name -> $tag"
  BUD "$@" -t "$tag" "$ctx" > "$WORK/build-$name.log" 2>&1 \
    || { tail -30 "$WORK/build-$name.log" >&2; die "buildah bud $name failed (log above)"; }
}
log "importing localhost/debian:bookworm-slim (storage driver $DRIVER)"
if ! BUD --format docker -t localhost/debian:bookworm-slim "$WORK/debian" > "$WORK/build-debian.log" 2>&1; then
  [ "$DRIVER" = overlay ] || { tail -20 "$WORK/build-debian.log" >&2; die "base import"; }
  echo "overlay storage failed, falling back to vfs" >&2
  B rm -a >/dev/null 2>&1 || true
  grep -F " $WORK/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$WORK/storage" "$WORK/run"; DRIVER=vfs
  BUD --format docker -t localhost/debian:bookworm-slim "$WORK/debian" > "$WORK/build-debian.log" 2>&1 \
    || { tail -20 "$WORK/build-debian.log" >&2; die "base import"; }
fi

E=$WORK/empty; mkdir -p "$E"
retry build python-full "$E" localhost/python:3.11-bookworm --format docker -f "$HERE/bases/python-full.Dockerfile"
retry build python-slim "$E" localhost/python:3.11-slim-bookworm --format docker -f "$HERE/bases/python-slim.Dockerfile"
build cuda-runtime "$E" localhost/nvidia/cuda:12.4.1-runtime-debian12 --format docker -f "$HERE/bases/cuda-runtime.Dockerfile"
build cuda-devel "$E" localhost/nvidia/cuda:12.4.1-devel-debian12 --format docker -f "$HERE/bases/cuda-devel.Dockerfile"

# ------------------------------------------------------------------ build contexts
log "build contexts"
CTX=$OUT/contexts; rm -rf "$CTX"; mkdir -p "$CTX"
W="python3 $HERE/mkwheel.py"
ml_context() {  # ml_context DIR: the generated parts of an ML service's context
  local d=$1
  mkdir -p "$d/wheels" "$d/data" "$d/models" "$d/app/__pycache__"
  $W "$d/wheels" tinyml 1.4.0 'tinyml/__init__.py:def score(s):\n    return len(s) / 100.0' \
      tinyml/_kernels.cpython-311-x86_64-linux-gnu.so=6400000 tinyml/vocab.bin=1200000 >/dev/null
  $W "$d/wheels" servekit 0.3.1 'servekit/__init__.py:def banner():\n    print("servekit 0.3.1")' >/dev/null
  python3 - "$d" <<'PY'
import json, random, struct, sys
d = sys.argv[1]
rnd = random.Random(42)
with open(f"{d}/data/train.csv", "w") as f:       # 16 MiB of rows, as a real extract would be
    n = 0; i = 0
    while n < 16 * 1024 * 1024:
        line = f"{i},{rnd.getrandbits(32):08x},{rnd.random()*1000:.6f},{'train' if rnd.random() < .8 else 'test'}\n"
        f.write(line); n += len(line); i += 1
with open(f"{d}/data/eval.csv", "w") as f:
    for i in range(40000):
        f.write(f"{i},{rnd.random():.6f}\n")
# models/model.safetensors: the format's 8-byte header length, JSON header, then tensor bytes
data = rnd.randbytes(24 * 1024 * 1024)
hdr = json.dumps({"__metadata__": {"format": "pt"},
                  "w": {"dtype": "F32", "shape": [len(data) // 4], "data_offsets": [0, len(data)]}}).encode()
with open(f"{d}/models/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(hdr))); f.write(hdr); f.write(data)
# .env: FAKE credentials in the shapes the secret rules know (not real keys)
with open(f"{d}/.env", "w") as f:
    f.write("# local development settings\nAWS_ACCESS_KEY_ID=AKIAZ3MLSERVICEF1X7Q\n"
            "AWS_SECRET_ACCESS_KEY=q8Vd2LkT0xFAKEfixtureZ9pWm4RsYb7NcJh1Ue3G\n"
            "MODEL_PATH=/app/models/model.safetensors\n")
PY
  python3 -c "import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2])" \
      "$d/app/serve.py" "$d/app/__pycache__/serve.cpython-311.pyc"
  # a .git with history, as a developer's checkout has
  git -C "$d" init -q && git -C "$d" add -A app requirements.txt notebooks Dockerfile \
    && GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z \
       git -C "$d" -c user.name=dev -c user.email=dev@example.invalid commit -q -m "service" \
    || die "git commit in $d"
}
cp -a "$HERE/ml-single" "$CTX/ml-single"; ml_context "$CTX/ml-single"
mkdir -p "$CTX/ml-fixed"; cp -a "$HERE/ml-single/." "$CTX/ml-fixed/"   # same code, the fixed Dockerfile
cp -a "$HERE/ml-fixed/." "$CTX/ml-fixed/"; ml_context "$CTX/ml-fixed"
torch_wheels() {  # torch_wheels DIR TORCHLOCAL CUDA CUDART_VER CUBLAS_VER
  local d=$1/wheels; mkdir -p "$d"
  $W "$d" torch "2.3.1+$2" --requires "nvidia-cuda-runtime-cu12==$4" --requires "nvidia-cublas-cu12==$5" \
      "torch/__init__.py:from . import version\n__version__ = version.__version__" \
      "torch/version.py:__version__ = '2.3.1+$2'\ndebug = False\ncuda = '$3'\ngit_version = 'placeholder'\nhip = None" \
      torch/lib/libtorch_cuda.so=21000000 torch/lib/libtorch_cpu.so=15000000 torch/lib/libc10.so=900000 >/dev/null
  $W "$d" nvidia-cuda-runtime-cu12 "$4" 'nvidia/__init__.py:' 'nvidia/cuda_runtime/__init__.py:' \
      nvidia/cuda_runtime/lib/libcudart.so.12=700000 >/dev/null
  $W "$d" nvidia-cublas-cu12 "$5" 'nvidia/cublas/__init__.py:' \
      nvidia/cublas/lib/libcublas.so.12=9000000 nvidia/cublas/lib/libcublasLt.so.12=6000000 >/dev/null
}
cp -a "$HERE/cuda-devel-app" "$CTX/cuda-devel-app"; torch_wheels "$CTX/cuda-devel-app" cu121 12.1 12.1.105 12.1.3.1
cp -a "$HERE/cuda-runtime-app" "$CTX/cuda-runtime-app"; torch_wheels "$CTX/cuda-runtime-app" cu124 12.4 12.4.127 12.4.5.8

# ------------------------------------------------------------------ the services
build ml-single "$CTX/ml-single" localhost/advice/ml-single:latest --format docker
build ml-single-oci "$CTX/ml-single" localhost/advice/ml-single:oci --format oci
build ml-fixed "$CTX/ml-fixed" localhost/advice/ml-fixed:latest --format docker
retry build cuda-devel-app "$CTX/cuda-devel-app" localhost/advice/cuda-devel-app:latest --format docker
retry build cuda-runtime-app "$CTX/cuda-runtime-app" localhost/advice/cuda-runtime-app:latest --format docker

smoke() { local c; c=$(B from --pull=never "$1"); B run --isolation chroot "$c" -- "${@:2}" > "$WORK/smoke.log" 2>&1 \
          || { cat "$WORK/smoke.log" >&2; die "smoke run of $1 failed"; }; echo "   run $1: $(head -1 "$WORK/smoke.log")" >&2; B rm "$c" >/dev/null; }
smoke localhost/advice/ml-single:latest python3 -c 'import tinyml, servekit; print(tinyml.score("x"))'
smoke localhost/advice/ml-fixed:latest python3 -c 'import tinyml, servekit; print(tinyml.score("x"))'
smoke localhost/advice/cuda-devel-app:latest python3 infer.py
smoke localhost/advice/cuda-runtime-app:latest python3 infer.py

log "exporting"
rm -f "$OUT"/*.tar "$OUT/SHA256SUMS"
push() { B push -q "$1" "$2" || die "buildah push $1 -> $2"; }
push localhost/python:3.11-bookworm "docker-archive:$OUT/python-full.docker.tar:localhost/python:3.11-bookworm"
push localhost/python:3.11-slim-bookworm "docker-archive:$OUT/python-slim.docker.tar:localhost/python:3.11-slim-bookworm"
push localhost/nvidia/cuda:12.4.1-runtime-debian12 "docker-archive:$OUT/cuda-runtime.docker.tar:localhost/nvidia/cuda:12.4.1-runtime-debian12"
push localhost/nvidia/cuda:12.4.1-devel-debian12 "docker-archive:$OUT/cuda-devel.docker.tar:localhost/nvidia/cuda:12.4.1-devel-debian12"
push localhost/advice/ml-single:latest "docker-archive:$OUT/ml-single.docker.tar:advice/ml-single:latest"
push localhost/advice/ml-single:oci "oci-archive:$OUT/ml-single.oci.tar:advice/ml-single:oci"
push localhost/advice/ml-fixed:latest "docker-archive:$OUT/ml-fixed.docker.tar:advice/ml-fixed:latest"
push localhost/advice/cuda-devel-app:latest "docker-archive:$OUT/cuda-devel-app.docker.tar:advice/cuda-devel-app:latest"
push localhost/advice/cuda-runtime-app:latest "docker-archive:$OUT/cuda-runtime-app.docker.tar:advice/cuda-runtime-app:latest"

# ------------------------------------------------------------------ docker's builders
if [ "$WITH_DOCKERD" = 1 ]; then
  log "private dockerd (Debian docker.io), classic builder and BuildKit"
  [ -x /usr/sbin/dockerd ] || die "dockerd is not installed (scripts/deps.sh --images)"
  mkdir -p "$WORK/docker-root" "$WORK/docker-exec"
  /usr/sbin/dockerd --data-root "$WORK/docker-root" --exec-root "$WORK/docker-exec" \
      -H "unix://$WORK/docker.sock" --pidfile "$WORK/dockerd.pid" \
      --iptables=false --ip6tables=false --bridge=none --ip-masq=false > "$WORK/dockerd.log" 2>&1 &
  for _ in $(seq 60); do D version >/dev/null 2>&1 && break; sleep 1; done
  D version --format 'dockerd {{.Server.Version}}' >&2 || { tail -20 "$WORK/dockerd.log" >&2; die dockerd; }
  D load -q -i "$OUT/python-full.docker.tar" >/dev/null || die "docker load python-full"
  D load -q -i "$OUT/python-slim.docker.tar" >/dev/null || die "docker load python-slim"
  DOCKER_BUILDKIT=0 D build --network host -t advice/ml-single:docker "$CTX/ml-single" > "$WORK/build-d-single.log" 2>&1 \
    || { tail -20 "$WORK/build-d-single.log" >&2; die "docker build (classic) ml-single failed"; }
  DOCKER_BUILDKIT=1 D build --network host --progress plain -t advice/ml-fixed:buildkit "$CTX/ml-fixed" > "$WORK/build-d-fixed.log" 2>&1 \
    || { tail -20 "$WORK/build-d-fixed.log" >&2; die "docker build (BuildKit) ml-fixed failed"; }
  D save -o "$OUT/ml-single.docker-save.tar" advice/ml-single:docker || die "docker save"
  D save -o "$OUT/ml-fixed.docker-save.tar" advice/ml-fixed:buildkit || die "docker save"
  chmod 644 "$OUT"/*.docker-save.tar
fi

log "summary"
{
  echo "generated $(date -u +%FT%TZ) by tests/e2e/advice/build.sh; buildah $(buildah version | awk '/^Version/{print $2}'), storage $DRIVER"
  for f in "$OUT"/*.tar; do echo "$(basename "$f") $(stat -c %s "$f")"; done
} > "$OUT/SUMMARY.txt"
(cd "$OUT" && sha256sum -- *.tar > SHA256SUMS)
echo "$RECIPE" > "$OUT/.recipe"
cat "$OUT/SUMMARY.txt" >&2
log "done in $OUT"
