"""A reusable loopback fake HTTP server (stdlib only): records every request, replays scripted replies.

Subclasses declare ``routes`` as ``(method, regex, handler-name)`` and implement the handlers; each
handler gets a :class:`Recorded` request plus the regex match and returns a :class:`Reply`.

Scripting: ``server.script(Reply(...), ...)`` queues replies that win over the normal behaviour, one per
request, in order (a reply with ``path`` only applies to requests whose path contains it). The same is
possible from another process through control endpoints, so a standalone fake can be driven by an
end-to-end test:

- ``POST /_fake/script`` with a JSON reply (``status``, ``json`` or ``body_text``, ``headers``,
  ``delay``, ``truncate``, ``path``) or a list of them;
- ``GET /_fake/requests`` -> every recorded request (body as JSON when it was JSON);
- ``POST /_fake/reset`` -> forget requests and pending scripts.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar


@dataclass
class Reply:
    """One scripted or computed answer.

    ``truncate``: announce the full Content-Length, send only half of the body, then close the
    connection (the client sees a body cut off mid-way). ``delay``: seconds to wait before answering.
    """

    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0
    truncate: bool = False
    path: str | None = None
    # Raw control of the wire (a Content-Length that lies, a trickle): called with the socket instead.
    raw: Callable[[socket.socket], None] | None = None

    def payload(self) -> bytes:
        if self.body is not None:
            return self.body
        return b"" if self.json is None else json.dumps(self.json).encode()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        """Build a reply from the JSON a control request sends."""
        text = data.get("body_text")
        return cls(
            status=int(data.get("status", 200)),
            json=data.get("json"),
            body=text.encode() if isinstance(text, str) else None,
            headers=dict(data.get("headers") or {}),
            content_type=data.get("content_type", "application/json"),
            delay=float(data.get("delay", 0.0)),
            truncate=bool(data.get("truncate", False)),
            path=data.get("path"),
        )


def malformed_json() -> Reply:
    """A 200 whose body is not valid JSON."""
    return Reply(body=b'{"created": 1, "data": [{"b64_json": "iVBOR', content_type="application/json")


def truncated(body: Any) -> Reply:
    """A 200 whose body stops half-way (Content-Length promises more)."""
    return Reply(json=body, truncate=True)


@dataclass(frozen=True)
class Recorded:
    """One request as the fake received it. Header names are lower-case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "json": self.json,
            "body_text": None if self.json is not None else self.body.decode("latin-1"),
        }


class FakeServer:
    """Base fake: ``with FakeX() as fake: ... fake.base_url ... fake.requests``."""

    prefix: ClassVar[str] = ""
    routes: ClassVar[tuple[tuple[str, str, str], ...]] = ()

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.requests: list[Recorded] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self._scripted: list[Reply] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _make_handler(self))
        self._httpd.daemon_threads = True
        # A short poll interval keeps stop() (and so every test's teardown) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name=type(self).__name__, daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The API root including its version path, as a profile's ``--base-url`` takes it."""
        return self.origin + self.prefix

    # -- scripting and inspection ----------------------------------------------------------------
    def script(self, *replies: Reply) -> None:
        """Queue replies that answer the next matching requests instead of the normal behaviour."""
        with self._lock:
            self._scripted.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._scripted.clear()

    def requests_to(self, fragment: str) -> list[Recorded]:
        """Recorded requests whose path contains ``fragment``."""
        return [r for r in self.requests if fragment in r.path]

    def add_file(self, data: bytes, mime: str, ext: str) -> str:
        """Serve ``data`` at ``/files/<name>`` (like a provider's temporary image link); return the URL."""
        with self._lock:
            name = f"img-{len(self.files) + 1}.{ext}"
            self.files[name] = (data, mime)
        return f"{self.origin}/files/{name}"

    # -- dispatch ----------------------------------------------------------------------------------
    def dispatch(self, request: Recorded) -> Reply:
        if request.path.startswith("/_fake/"):
            return self._control(request)
        with self._lock:
            self.requests.append(request)
            reply = next((r for r in self._scripted if r.path is None or r.path in request.path), None)
            if reply is not None:
                self._scripted.remove(reply)
        if reply is not None:
            return reply
        if request.method == "GET" and request.path.startswith("/files/"):
            found = self.files.get(request.path.removeprefix("/files/"))
            return Reply(body=found[0], content_type=found[1]) if found else Reply(404, {"error": "gone"})
        for method, pattern, handler in self.routes:
            match = re.fullmatch(self.prefix + pattern, request.path)
            if method == request.method and match:
                result: Reply = getattr(self, handler)(request, match)
                return result
        return self.not_found(request)

    def not_found(self, request: Recorded) -> Reply:
        return Reply(404, {"error": {"message": f"No route {request.method} {request.path}"}})

    def _control(self, request: Recorded) -> Reply:
        if request.path == "/_fake/requests":
            return Reply(json=[r.as_dict() for r in self.requests])
        if request.path == "/_fake/reset":
            self.reset()
            return Reply(json={"ok": True})
        if request.path == "/_fake/script":
            items = request.json if isinstance(request.json, list) else [request.json]
            self.script(*(Reply.from_dict(item) for item in items if isinstance(item, dict)))
            return Reply(json={"ok": True, "queued": len(items)})
        return Reply(404, {"error": "unknown control path"})


def _make_handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus the client's
        # delayed ACK adds ~40 ms to every answer, which would swamp the latencies benchmarks measure.
        disable_nagle_algorithm = True

        def _handle(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorded = Recorded(
                method=self.command,
                path=url.path,
                query=urllib.parse.parse_qs(url.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            self._send(server.dispatch(recorded))

        def _send(self, reply: Reply) -> None:
            if reply.raw is not None:
                with contextlib.suppress(OSError):  # the client hanging up is what most raw replies test
                    reply.raw(self.connection)
                self.close_connection = True
                return
            if reply.delay:
                time.sleep(reply.delay)
            payload = reply.payload()
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.truncate:
                self.send_header("Connection", "close")
            self.end_headers()
            try:
                self.wfile.write(payload[: len(payload) // 2] if reply.truncate else payload)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            if reply.truncate:
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the per-request access log on stderr."""

    return Handler


class RecordingSleep:
    """An injectable ``sleep`` for retry tests: records each requested wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
