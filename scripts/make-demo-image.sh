#!/usr/bin/env bash
# make-demo-image.sh [OUT]: builds the bundled demo image, demo/demo.tar (a buildah docker-archive,
# about 5 MB), from Debian's busybox-static and a small Dockerfile whose layers show what strata
# finds: apt lists and a pip cache left behind, a .env with a (synthetic) AWS key added and deleted
# in a later layer, a file overwritten later, an `rm -rf` of an earlier layer's folders (a whiteout,
# and an opaque directory with overlay storage), a 1.4 MB dataset.csv, and a secret-named ENV.
#
# Needs root and buildah (scripts/deps.sh --images). The result is committed; run this only to
# change the demo. Deterministic contents: fixed --timestamp, no identity label, seeded awk data.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-demo/demo.tar}
DRIVER=${STORAGE_DRIVER:-overlay}
TAG=strata-demo:latest
[ "$(id -u)" = 0 ] || { echo "make-demo-image.sh: must run as root" >&2; exit 1; }
command -v buildah >/dev/null || bash scripts/deps.sh --images

WORK=$(mktemp -d /var/tmp/strata-demo.XXXXXX)
B() { buildah --root "$WORK/storage" --runroot "$WORK/run" --storage-driver "$DRIVER" "$@"; }
cleanup() {
  set +e
  B rm -a >/dev/null 2>&1; B rmi -a -f >/dev/null 2>&1
  grep -F " $WORK/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# ------------------------------------------------------------ busybox rootfs from Debian's package
CTX=$WORK/ctx; mkdir -p "$CTX/rootfs/bin" "$WORK/deb"
( cd "$WORK/deb" && { apt-get download busybox-static >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get download busybox-static >/dev/null; }; } )
dpkg-deb -x "$WORK"/deb/busybox-static_*.deb "$WORK/deb/x"
cp "$WORK/deb/x/bin/busybox" "$CTX/rootfs/bin/busybox"
for a in sh ash awk cat chmod cp echo env head ls mkdir mv printf rm seq touch true; do
  ln -s busybox "$CTX/rootfs/bin/$a"
done
mkdir -p "$CTX/rootfs/tmp" "$CTX/rootfs/root" "$CTX/rootfs/etc"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$CTX/rootfs/etc/passwd"
chmod 1777 "$CTX/rootfs/tmp"

# synthetic credentials: shaped like the real thing, valid nowhere
cat > "$CTX/.env" <<'EOF'
# demo credentials -- deleted again in a later layer, still inside the image
AWS_ACCESS_KEY_ID=AKIAQX7T3DEMOKEY2K9Z
AWS_SECRET_ACCESS_KEY=q7Vd2Lm9Xc4Rt8Wz1Np6Hs3Jk5Bf0Gy2Ue7Ai9Oo
APP_ENV=staging
EOF
awk 'BEGIN { printf "{\n  \"mode\": \"dev\",\n  \"features\": [\n";
             for (i = 1; i <= 400; i++) printf "    {\"name\": \"feature-%03d\", \"enabled\": %s, \"rollout\": %d},\n", i, (i % 3 ? "true" : "false"), i % 101;
             printf "    {\"name\": \"last\", \"enabled\": false, \"rollout\": 0}\n  ]\n}\n" }' > "$CTX/settings.json"

cat > "$CTX/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV APP_HOME=/app \
    DATABASE_PASSWORD=demo-not-a-real-password
RUN mkdir -p /var/lib/apt/lists/partial \
 && awk 'BEGIN { for (i = 1; i <= 2500; i++) printf "Package: demo-pkg-%d\nVersion: 1.%d-1\nArchitecture: amd64\nSize: %d\nDescription: synthetic index entry %d\n\n", i, i % 97, i * 37, i }' \
    > /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages \
 && echo 'Origin: Debian (demo)' > /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease
RUN mkdir -p /root/.cache/pip/http-v2/4/e/2 /root/.cache/pip/wheels/3a/7f /usr/local/lib/python3.11/site-packages/demo_lib \
 && awk 'BEGIN { srand(3); for (i = 0; i < 7000; i++) printf "%08x%08x%08x%08x\n", rand() * 2147483647, rand() * 2147483647, rand() * 2147483647, i }' \
    > /root/.cache/pip/http-v2/4/e/2/4e2b9c0d71a35f6e8d2c4b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e.body \
 && head -c 120000 /root/.cache/pip/http-v2/4/e/2/4e2b9c0d71a35f6e8d2c4b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e.body \
    > /root/.cache/pip/wheels/3a/7f/demo_lib-1.0-py3-none-any.whl \
 && echo 'VERSION = "1.0"' > /usr/local/lib/python3.11/site-packages/demo_lib/__init__.py
WORKDIR /app
COPY .env settings.json /app/
RUN mkdir -p /app/data \
 && awk 'BEGIN { srand(42); print "id,sensor,reading,split"; for (i = 1; i <= 40000; i++) printf "%d,%08x,%.6f,%s\n", i, rand() * 2147483647, rand() * 1000, (rand() < 0.8 ? "train" : "test") }' \
    > /app/data/dataset.csv
RUN mkdir -p /tmp/build/obj /app/static/js \
 && awk 'BEGIN { srand(9); for (i = 0; i < 9000; i++) printf "%08x %08x\n", rand() * 2147483647, i }' > /tmp/build/obj/app.o \
 && awk 'BEGIN { for (i = 0; i < 2000; i++) printf "console.log(\"demo %d\");\n", i }' > /app/static/js/app.js \
 && echo '<h1>demo v1</h1>' > /app/static/index.html
RUN rm -f /app/.env \
 && rm -rf /tmp/build /app/static \
 && mkdir -p /app/static && echo '<h1>demo v2</h1>' > /app/static/index.html \
 && echo '{"mode": "prod"}' > /app/settings.json
CMD ["/bin/sh", "-c", "cat /app/settings.json; ls -l /app/data"]
EOF

echo "make-demo-image: buildah bud (storage driver $DRIVER)" >&2
if ! B bud --isolation chroot --layers --format docker --timestamp 1700000000 --identity-label=false \
       -t "$TAG" "$CTX" > "$WORK/build.log" 2>&1; then
  if [ "$DRIVER" = overlay ]; then
    echo "overlay storage failed, retrying with vfs:" >&2; tail -n 5 "$WORK/build.log" >&2
    B rm -a >/dev/null 2>&1 || true
    grep -F " $WORK/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$WORK/storage" "$WORK/run"; DRIVER=vfs
    B bud --isolation chroot --layers --format docker --timestamp 1700000000 --identity-label=false \
      -t "$TAG" "$CTX" > "$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log" >&2; exit 1; }
  else
    tail -n 30 "$WORK/build.log" >&2; exit 1
  fi
fi
c=$(B from --pull=never "$TAG"); echo "   smoke run: $(B run --isolation chroot "$c" -- /bin/sh -c 'head -c 60 /app/settings.json; wc -l < /app/data/dataset.csv' 2>&1 | tr '\n' ' ')" >&2; B rm "$c" >/dev/null
mkdir -p "$(dirname "$OUT")"; rm -f "$OUT"
B push -q "$TAG" "docker-archive:$OUT:$TAG"
chmod 644 "$OUT"
echo "make-demo-image: wrote $OUT ($(stat -c %s "$OUT") bytes, storage driver $DRIVER)" >&2
