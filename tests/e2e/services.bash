# services.bash: the real services the live-source tests start, sourced by
# tests/e2e/test_sources.sh and tests/valgrind/test_valgrind.sh (after common.bash): a loopback
# port, Debian's docker-registry, a test CA with a server certificate and an htpasswd file, a
# private Docker engine. Every process started here is added to SERVICE_PIDS (and is the last
# SERVICE_PID); service_stop_all kills and reaps them, from the caller's EXIT trap or earlier.
SERVICE_PIDS=()
SERVICE_PID=

service_stop_all() {
  local p
  for p in "${SERVICE_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${SERVICE_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  SERVICE_PIDS=()
}

# service_stop PID: one of them (a registry that must be down for a test)
service_stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# a TCP port nothing listens on now
service_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# service_wait_v2 PORT [https]: until something answers /v2/ there (at most 30 s)
service_wait_v2() {
  local i
  for i in $(seq 150); do
    curl -sk -o /dev/null "${2:-http}://127.0.0.1:$1/v2/" && return 0
    sleep 0.2
  done
  return 1
}

# service_registry_start DIR PORT [YAML]: docker-registry on 127.0.0.1:PORT, its config and
# storage in DIR, its log DIR/log; YAML is added to the config (tls:, auth:)
service_registry_start() {
  local dir=$1
  mkdir -p "$dir/data"
  { printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$dir/data"
    printf 'http:\n  addr: 127.0.0.1:%s\n' "$2"
    printf '%s\n' "${3:-}"; } > "$dir/config.yml"
  docker-registry serve "$dir/config.yml" > "$dir/log" 2>&1 &
  SERVICE_PID=$!
  SERVICE_PIDS+=("$SERVICE_PID")
}

# service_tls_ca_make DIR: a CA (DIR/ca.pem), a certificate for 127.0.0.1 and localhost that it
# signed (DIR/srv.pem, DIR/srv.key) and DIR/htpasswd with the user alice, password s3cret-pw
service_tls_ca_make() {
  local ca=$1
  mkdir -p "$ca"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=strata test CA" -keyout "$ca/ca.key" -out "$ca/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$ca/srv.key" -out "$ca/srv.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$ca/ext"
  openssl x509 -req -in "$ca/srv.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" -CAcreateserial -days 2 \
    -extfile "$ca/ext" -out "$ca/srv.pem" 2>/dev/null
  htpasswd -Bbn alice s3cret-pw > "$ca/htpasswd"
}

# service_tls_yaml DIR: the registry config lines for TLS with DIR's certificate and basic auth
# against DIR/htpasswd (service_tls_ca_make DIR first)
service_tls_yaml() {
  printf '  tls:\n    certificate: %s/srv.pem\n    key: %s/srv.key\nauth:\n  htpasswd:\n    realm: strata-test\n    path: %s/htpasswd\n' \
    "$1" "$1" "$1"
}

# service_dockerd_start DIR: a private dockerd (data, exec root and socket in DIR, no network
# setup), answering on unix://DIR/docker.sock; 0 once it answers (at most 30 s), its log DIR/log
service_dockerd_start() {
  local dw=$1 i
  /usr/sbin/dockerd --data-root "$dw/root" --exec-root "$dw/exec" -H "unix://$dw/docker.sock" --pidfile "$dw/pid" \
    --iptables=false --ip6tables=false --bridge=none --ip-masq=false > "$dw/log" 2>&1 &
  SERVICE_PID=$!
  SERVICE_PIDS+=("$SERVICE_PID")
  for i in $(seq 150); do
    docker -H "unix://$dw/docker.sock" version > /dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# service_same_report A.json B.json [layer-digests]: 0 when the two reports agree but for where
# the image came from and what it is called (image.source, .tags, .format) and has layers; with
# layer-digests, the layers' digest (a docker save's member names) may differ too
service_same_report() {
  python3 - "$@" <<'EOF'
import json, sys
def facts(f):
    j = json.load(open(f))
    for k in ("source", "tags", "format"):
        j["image"].pop(k, None)
    if "layer-digests" in sys.argv[3:]:
        for l in j["layers"]:
            l.pop("digest", None)
    return j
a, b = facts(sys.argv[1]), facts(sys.argv[2])
sys.exit(0 if a == b and a["layers"] else 1)
EOF
}
