#!/usr/bin/env python3
"""A tiny JSON API on a unix socket (the upstream behind nginx in the tests)."""
import http.server
import json
import os
import socketserver

SOCK = "/run/unix-api.sock"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(
            {"path": self.path, "via": self.headers.get("X-Via", ""), "pid": os.getpid()}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def address_string(self):
        return "unix"


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if os.path.exists(SOCK):
    os.unlink(SOCK)
srv = Server(SOCK, Handler)
os.chmod(SOCK, 0o666)
srv.serve_forever()
