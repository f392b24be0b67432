# strata's own image: a build stage with the -dev packages, a runtime stage with only the shared
# libraries and the binary.
#
#   docker build -t strata .                       # FROM debian:bookworm-slim
#   docker run --rm -v "$PWD:/work" strata --report /work/app.tar
#
# BASE names the Debian 12 image both stages start from. No registry is reachable where strata is
# tested, so scripts/check-image.sh makes one from a debootstrap rootfs and passes
# --build-arg BASE=localhost/strata-base:bookworm-slim (see README, "Container image").
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc make libc6-dev pkg-config binutils \
      libarchive-dev libcurl4-openssl-dev libjansson-dev libzstd-dev libisal-dev libxxhash-dev libpcre2-dev libvectorscan-dev libncurses-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make clean && make -j"$(nproc)" CFLAGS="-O2 -g0" && strip strata && ./strata --version

FROM ${BASE}
# The runtime libraries only (the .deb depends on the same ones; libcurl4 is opened at run time
# by the engine and registry sources, so it is named here, not found by ldd), and no apt lists,
# caches or logs left behind: strata checks its own image for exactly that.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libarchive13 libcurl4 ca-certificates libjansson4 libzstd1 libisal2 libxxhash0 libpcre2-8-0 libvectorscan5 libncursesw6 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old \
      /var/log/apt /var/log/dpkg.log /var/log/alternatives.log
COPY --from=build /src/strata /usr/local/bin/strata
COPY --from=build /src/LICENSE /usr/share/doc/strata/copyright
WORKDIR /work
ENTRYPOINT ["strata"]
CMD ["--help"]
