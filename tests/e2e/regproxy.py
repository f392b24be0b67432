#!/usr/bin/env python3
"""regproxy.py: a test front for a real registry (tests/e2e/test_sources.sh).

  regproxy.py PORT UPSTREAM_PORT MODE[,MODE] LOGFILE [USER:PASS]

Forwards every request to the registry on 127.0.0.1:UPSTREAM_PORT, and misbehaves by MODE:
  drop-once    the first blob GET is cut off after half its bytes (the client must resume)
  drop-always  every blob GET is cut off after half of what was asked
  503-once     the first manifest GET answers 503 (the client must retry)
  redirect     blob GETs answer 307 to http://localhost:PORT/redir/... (another host name)
  schema1      manifest GETs answer a Docker v2 schema 1 manifest (signed JSON, as registries
               before 2017 served); the client must refuse it clearly
  slow         blob GETs wait 0.5 s before they are answered, so transfers that are in flight
               at once overlap for sure; each blob GET's log line carries inflight=N, the
               number of blob GETs being served at that moment (itself included)
  token        a bearer-token service: /v2/ answers 401 with a Bearer challenge whose realm is
               /token here; /token hands out a token for USER:PASS given as basic auth (or for
               anyone when USER:PASS is absent); /v2/ requests need that token
Every request line and whether it carried Authorization goes to LOGFILE, one line each.
"""
import base64, http.client, http.server, os, secrets, socketserver, sys, threading, time

PORT, UP, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[4]
MODES = set(sys.argv[3].split(","))
CREDS = sys.argv[5] if len(sys.argv) > 5 else None
TOKENS = set()
lock = threading.Lock()
dropped = [0]
inflight = [0]
refused = [0]


def log(line):
    with lock, open(LOG, "a") as f:
        f.write(line + "\n")


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def deny(self):
        body = b'{"errors":[{"code":"UNAUTHORIZED"}]}'
        self.send_response(401)
        self.send_header("WWW-Authenticate",
                         'Bearer realm="http://127.0.0.1:%d/token",service="test-registry",'
                         'scope="repository:x:pull"' % PORT)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.handle_req("GET")

    def do_HEAD(self):
        self.handle_req("HEAD")

    def handle_req(self, method):
        blob = "/blobs/" in self.path
        self.counted = blob
        if blob:
            with lock:
                inflight[0] += 1
        try:
            self.handle_one(method, blob)
        finally:
            self.uncount()

    def uncount(self):
        if self.counted:
            self.counted = False
            with lock:
                inflight[0] -= 1

    def handle_one(self, method, blob):
        auth = self.headers.get("Authorization")
        with lock:
            now = inflight[0]
        log("%s %s host=%s auth=%s%s" % (method, self.path, self.headers.get("Host"), "yes" if auth else "no",
                                         " inflight=%d" % now if blob else ""))
        if blob and "slow" in MODES:
            time.sleep(0.5)
        path = self.path
        if "token" in MODES and path.startswith("/token"):
            ok = CREDS is None or auth == "Basic " + base64.b64encode(CREDS.encode()).decode()
            if not ok:
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            tok = secrets.token_hex(16)
            TOKENS.add(tok)
            body = ('{"token":"%s","expires_in":300}' % tok).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if "token" in MODES and path.startswith("/v2/"):
            if not auth or not auth.startswith("Bearer ") or auth[7:] not in TOKENS:
                return self.deny()
        if "503-once" in MODES and "/manifests/" in path:
            with lock:
                first = refused[0] == 0
                refused[0] += 1
            if first:
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if "schema1" in MODES and "/manifests/" in path:
            body = (b'{"schemaVersion":1,"name":"fixture/single","tag":"gzip","architecture":"amd64",'
                    b'"fsLayers":[{"blobSum":"sha256:' + b"0" * 64 + b'"}],'
                    b'"history":[{"v1Compatibility":"{}"}],"signatures":[]}')
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.docker.distribution.manifest.v1+prettyjws")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method == "GET":
                self.wfile.write(body)
            return
        if path.startswith("/redir/"):
            path = path[len("/redir"):]
        elif "redirect" in MODES and "/blobs/" in path:
            self.send_response(307)
            self.send_header("Location", "http://localhost:%d/redir%s" % (PORT, path))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        conn = http.client.HTTPConnection("127.0.0.1", UP)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization", "connection")}
        conn.request(method, path, headers=hdrs)
        r = conn.getresponse()
        body = r.read() if method == "GET" else b""
        cut = None
        if method == "GET" and "/blobs/" in path and r.status in (200, 206) and len(body) > 1:
            with lock:
                if "drop-always" in MODES or ("drop-once" in MODES and dropped[0] == 0):
                    dropped[0] += 1
                    cut = len(body) // 2
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut is not None:
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        # no longer in flight once its last bytes go out: a client cannot have the whole body (and
        # ask for its next blob) before this write, so one blob after another never counts two
        # (this thread reaching `finally` after the client's next GET arrived did, under load)
        self.uncount()
        self.wfile.write(body)


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


S(("127.0.0.1", PORT), H).serve_forever()
