#!/usr/bin/env python3
"""An HTTP server on 127.0.0.1 that answers every request with an error quoting the request's headers, the way a
misconfigured proxy or a debugging endpoint does: in an X-Error-Message header (the Hugging Face Hub's), in an S3 XML
error body, and in a JSON "message" (GitHub's), each with a terminal escape sequence. It appends every request's headers
to LOG, so the proof suite can show the secrets really were sent (and echoed) before it checks none was printed.

usage: echo-server.py PORT LOG
"""
import http.server
import json
import sys

port, log = int(sys.argv[1]), sys.argv[2]
ESCAPE = "\x1b[2J\x1b[31mPWNED\x1b[0m"


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        sent = "; ".join(f"{name}: {value}" for name, value in self.headers.items())
        with open(log, "a") as f:
            f.write(sent + "\n")
        quoted = f"you sent {sent} {ESCAPE}"
        # An anonymous request is told "not found", as GitHub answers one for a private asset: clients then retry with
        # their credentials, which is what gets echoed.
        status = 400 if any(name.lower() in ("authorization", "x-amz-security-token") for name in self.headers.keys()) else 404
        if any(name.lower().startswith("x-amz-") for name in self.headers.keys()):
            body = f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InvalidRequest</Code><Message>{quoted}</Message></Error>".encode()
            kind = "application/xml"
        else:
            body = json.dumps({"message": quoted, "error": quoted}).encode()
            kind = "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body) if self.command != "HEAD" else 0))
        # Header values cannot hold control characters; the header carries the secrets, the bodies the escapes.
        self.send_header("X-Error-Message", f"you sent {sent}")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = answer

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Echo).serve_forever()
