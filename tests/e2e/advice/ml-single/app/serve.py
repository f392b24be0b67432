import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

import servekit
import tinyml

MODEL = os.environ.get("MODEL_PATH", "/app/models/model.safetensors")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"model": MODEL, "score": tinyml.score(self.path)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    servekit.banner()
    HTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
