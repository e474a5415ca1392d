"""A loopback server for image links that misbehave: too large (declared or streamed) or too slow.

The same behaviours serve as raw replies of a fake provider (``Reply(raw=huge)``), since links to
another loopback origin than the profile's are refused (linkguard.py).

Providers such as dall-e-3 (``response_format=url``) and xAI answer with a link to fetch; these
servers stand in for the storage host behind such a link. Raw sockets, so the test controls exactly
what goes on the wire (a Content-Length that lies, a body that trickles).
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from typing import Any

MIB = 1024 * 1024


class _Handler(socketserver.BaseRequestHandler):
    server: LinkServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return
            data += chunk
        self.server.hits.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
        mode = data.split(b" ", 2)[1].decode().strip("/").split(".")[0]
        # The client hanging up once it has seen enough is the point of these modes.
        with contextlib.suppress(OSError):
            MODES[mode](sock)


def huge(sock: socket.socket) -> None:
    """Announce 60 MiB, send a little, then wait for the client to give up."""
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n" % (60 * MIB))
    sock.sendall(b"\x89PNG\r\n\x1a\n" + b"\0" * 65536)
    time.sleep(2)


def endless(sock: socket.socket) -> None:
    """No Content-Length (chunked): keep streaming 1 MiB chunks past any sane cap."""
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n")
    block = b"\0" * MIB
    for _ in range(80):  # 80 MiB at most, then stop
        sock.sendall(b"%x\r\n" % len(block) + block + b"\r\n")
    sock.sendall(b"0\r\n\r\n")


def slow(sock: socket.socket) -> None:
    """A small image that trickles: one byte every 50 ms (each read is quick, the whole is not)."""
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 4000\r\n\r\n")
    for _ in range(100):
        sock.sendall(b"\0")
        time.sleep(0.05)


MODES = {"huge": huge, "endless": endless, "slow": slow}


class LinkServer(socketserver.ThreadingTCPServer):
    """``with LinkServer() as links: links.url("huge")``; ``hits`` lists the request lines served."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{mode}.png"

    def __enter__(self) -> LinkServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()
