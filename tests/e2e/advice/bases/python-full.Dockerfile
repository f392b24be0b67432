# Plays the part of python:3.11-bookworm (the "full" Python image) without Docker Hub: Debian 12's
# own python3 (3.11) on the debootstrap minbase base, with a C toolchain and headers as the full
# image carries (the official one builds CPython into /usr/local on buildpack-deps instead).
FROM localhost/debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-pip python3-dev gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
# Debian marks its python3 externally managed; the official image has no such marker
ENV PIP_BREAK_SYSTEM_PACKAGES=1 PYTHONDONTWRITEBYTECODE=1 LANG=C.UTF-8
CMD ["python3"]
