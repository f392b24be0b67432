# Plays the part of python:3.11-slim-bookworm: Debian 12's python3 and pip only, no compiler.
FROM localhost/debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-pip \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_BREAK_SYSTEM_PACKAGES=1 PYTHONDONTWRITEBYTECODE=1 LANG=C.UTF-8
CMD ["python3"]
