"""Local sinks for alert tests: an HTTP server that records group-robot webhook posts and an
SMTP server that records mail, both on 127.0.0.1 (port chosen by the OS)."""

from __future__ import annotations

import email
import email.policy
import json
import socketserver
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """What a sink has received, in arrival order."""

    items: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: dict[str, Any]) -> None:
        with self.lock:
            self.items.append(item)

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.items)


@contextmanager
def webhook_sink() -> Iterator[tuple[str, Received]]:
    """An HTTP sink: every POST is recorded as path, query (dict) and JSON body. A path
    starting with ``/refuse`` answers like a robot rejecting the message (errcode 310000)."""
    got = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            got.add(
                {
                    "path": parts.path,
                    "query": dict(urllib.parse.parse_qsl(parts.query)),
                    "body": json.loads(body.decode("utf-8")),
                }
            )
            refused = parts.path.startswith("/refuse")
            answer = {"errcode": 310000, "errmsg": "sign not match"} if refused else {}
            reply = json.dumps(answer or {"errcode": 0, "errmsg": "ok", "code": 0}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", got
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def smtp_sink() -> Iterator[tuple[int, Received]]:
    """A minimal SMTP server (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT): every message
    is recorded as envelope sender, recipients and the parsed ``email.message``."""
    got = Received()

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode("ascii") + b"\r\n")

        def handle(self) -> None:
            self.reply("220 sink ESMTP")
            sender, rcpts = None, []
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                verb = line.decode("ascii", "replace").strip()
                upper = verb.upper()
                if upper.startswith(("EHLO", "HELO")):
                    self.reply("250 sink")
                elif upper.startswith("MAIL FROM:"):
                    sender, rcpts = verb[10:].strip(" <>"), []
                    self.reply("250 ok")
                elif upper.startswith("RCPT TO:"):
                    rcpts.append(verb[8:].strip(" <>"))
                    self.reply("250 ok")
                elif upper == "DATA":
                    self.reply("354 end with .")
                    data = bytearray()
                    while True:
                        chunk = self.rfile.readline()
                        if chunk in (b".\r\n", b".\n", b""):
                            break
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    message = email.message_from_bytes(bytes(data), policy=email.policy.default)
                    got.add({"from": sender, "to": rcpts, "message": message})
                    self.reply("250 queued")
                elif upper in ("RSET", "NOOP"):
                    self.reply("250 ok")
                elif upper == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], got
    finally:
        server.shutdown()
        server.server_close()
