"""One loopback server per attack: raw sockets, so each test controls every byte on the wire.

``HostileServer(behaviour)`` listens on 127.0.0.1 (port 0); for every request it reads the request
line, headers and body, records them, then calls ``behaviour(sock, request)`` to answer. The
behaviours here are the attacks of issue 16: a body that never ends, one byte a second, a gzip bomb,
one endless line, images that lie about their size, links to internal addresses, redirect loops.
A client hanging up mid-answer is the expected end of most of them, so socket errors are ignored.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

MIB = 1024 * 1024


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived (time.monotonic)

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


Behaviour = Callable[[socket.socket, Request], None]


class _Handler(socketserver.BaseRequestHandler):
    server: HostileServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(30)
        request = _read_request(sock)
        if request is None:
            return
        self.server.requests.append(request)
        with contextlib.suppress(OSError):
            self.server.behaviour(sock, request)


def _read_request(sock: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0") or 0)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Request(method, path, headers, body)


class HostileServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, behaviour: Behaviour) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = behaviour
        self.requests: list[Request] = []
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.origin + "/v1"


# -- building blocks -----------------------------------------------------------------------------------
def head(status: int = 200, content_type: str = "application/json", **extra: str) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", "Connection: close"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in extra.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def send_json(sock: socket.socket, value: Any, status: int = 200, **extra: str) -> None:
    body = json.dumps(value).encode()
    sock.sendall(head(status, Content_Length=str(len(body)), **extra) + body)


def chunked(sock: socket.socket, pieces: Iterator[bytes], *, gap: float = 0.0) -> None:
    """Send ``pieces`` as chunked transfer encoding until they run out or the client hangs up."""
    for piece in pieces:
        sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        if gap:
            time.sleep(gap)
    sock.sendall(b"0\r\n\r\n")


def sse_delta(text: str) -> bytes:
    return b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]}).encode() + b"\n\n"


def sse_head() -> bytes:
    return head(content_type="text/event-stream", Transfer_Encoding="chunked")


def forever(piece: bytes, limit: int = 10**9) -> Iterator[bytes]:
    for _ in range(limit):
        yield piece


# -- attacks -------------------------------------------------------------------------------------------
def endless_sse(sock: socket.socket, request: Request) -> None:
    """A chat stream that never ends: a token every 20 ms, for ever."""
    sock.sendall(sse_head())
    chunked(sock, forever(sse_delta("la ")), gap=0.02)


def one_byte_a_second(payload: bytes) -> Behaviour:
    """The whole answer, status line included, one byte every second (each read is quick)."""
    def behave(sock: socket.socket, request: Request) -> None:
        for byte in payload:
            sock.sendall(bytes([byte]))
            time.sleep(1.0)
    return behave


def endless_json(sock: socket.socket, request: Request) -> None:
    """A JSON image answer whose base64 never ends, sent as fast as the client reads."""
    sock.sendall(head(Transfer_Encoding="chunked"))
    chunked(sock, itertools.chain([b'{"created": 1, "data": [{"b64_json": "'], forever(b"QUFB" * 65536)))


def gzip_bomb(sock: socket.socket, request: Request) -> None:
    """A 1 MiB gzip body that inflates to 1 GiB of a JSON string."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = packer.compress(b'{"created": 1, "data": [{"b64_json": "')
    block = b"A" * MIB
    body += b"".join(packer.compress(block) for _ in range(1024)) + packer.flush()
    sock.sendall(head(Content_Encoding="gzip", Content_Length=str(len(body))) + body)


def giant_sse_line(sock: socket.socket, request: Request) -> None:
    """One SSE line that never ends: 256 KiB pieces with no newline."""
    sock.sendall(sse_head())
    start = b'data: {"choices": [{"index": 0, "delta": {"content": "'
    chunked(sock, itertools.chain([start], forever(b"x" * 262144)))


def sse_tool_call(arguments: str, *, fragment: int = 65536) -> bytes:
    """An OpenAI-shaped stream calling ``generate_image`` with ``arguments`` sent in fragments."""
    events = []
    for start in range(0, max(len(arguments), 1), fragment):
        call: dict[str, Any] = {"index": 0, "function": {"arguments": arguments[start:start + fragment]}}
        if start == 0:
            call.update(id="call_1", type="function")
            call["function"]["name"] = "generate_image"
        events.append({"choices": [{"index": 0, "delta": {"tool_calls": [call]}}]})
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"


def sse_text(text: str) -> bytes:
    done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    return sse_delta(text) + b"data: " + json.dumps(done).encode() + b"\n\ndata: [DONE]\n\n"


def chat_turns(*bodies: bytes) -> Behaviour:
    """Answer the n-th chat request with the n-th SSE body (the last one repeats)."""
    seen = itertools.count()

    def behave(sock: socket.socket, request: Request) -> None:
        body = bodies[min(next(seen), len(bodies) - 1)]
        sock.sendall(head(content_type="text/event-stream", Content_Length=str(len(body))) + body)
    return behave


def png_claiming(width: int, height: int, payload: bytes) -> bytes:
    """A PNG whose header (CRC correct) claims ``width`` x ``height`` over the zlib data ``payload``."""
    import struct

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", payload) + chunk(b"IEND", b"")


def png_bomb(side: int) -> bytes:
    """A real, whole PNG of ``side`` x ``side`` black RGB pixels: tiny on the wire, huge decoded."""
    row = b"\0" * (1 + side * 3)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return png_claiming(side, side, data)


def images_answer(*images: bytes) -> Behaviour:
    """An OpenAI images answer carrying ``images`` as base64."""
    import base64

    body = {"created": 1, "data": [{"b64_json": base64.b64encode(i).decode()} for i in images]}

    def behave(sock: socket.socket, request: Request) -> None:
        send_json(sock, body)
    return behave


def link_answer(url: str) -> Behaviour:
    """An OpenAI images answer pointing at ``url`` for the image."""
    def behave(sock: socket.socket, request: Request) -> None:
        send_json(sock, {"created": 1, "data": [{"url": url}]})
    return behave


def redirect_to(location: str) -> bytes:
    return head(302, Location=location, Content_Length="0")
