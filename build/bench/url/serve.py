#!/usr/bin/env python3
"""A loopback HTTP file server for the URL benchmark: GET/HEAD with Content-Length, ETag, Accept-Ranges and single
ranges (206), sending with sendfile(2) from a threaded server so that it is not the bottleneck of several connections.
Usage: serve.py FOLDER PORTFILE (prints the port it bound on 127.0.0.1 into PORTFILE)."""
import os, re, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

folder = os.path.abspath(sys.argv[1])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _target(self):
        path = os.path.realpath(os.path.join(folder, self.path.lstrip("/").split("?")[0]))
        return path if path.startswith(folder + os.sep) and os.path.isfile(path) else None

    def _respond(self, body):
        path = self._target()
        if path is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        st = os.stat(path)
        size, start, end = st.st_size, 0, st.st_size - 1
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        status = 200
        if match:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
            if start >= size or start > end:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", f'"{st.st_ino:x}-{st.st_mtime_ns:x}-{size:x}"')
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if body:
            with open(path, "rb") as f:
                self.wfile.flush()
                self.connection.sendfile(f, start, end - start + 1)

    def do_GET(self):
        self._respond(True)

    def do_HEAD(self):
        self._respond(False)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that closes a connection early (aria2c ends its extra connections) is not an error of the benchmark.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


server = Server(("127.0.0.1", 0), Handler)
with open(sys.argv[2], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
