"""Running the server: stdio (the default) or Streamable HTTP at ``/mcp``; logging that never touches stdout.

Over stdio, stdout carries protocol messages and nothing else: ``sys.stdout`` is pointed at stderr
before anything can print, and the SDK's transport also moves file descriptor 1 onto stderr while it
serves. Logs go to stderr (MCP clients keep a server's stderr in their own logs) and to
``<state>/logs/mcp.log`` (0600). Over HTTP, a loopback address is the default; any other needs
``QUILLTAP_MCP_TOKEN``, and once a token is set every request must carry it as a bearer token.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import socket
import sys
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any, BinaryIO

from quilltap_tui.errors import Invalid
from quilltap_tui.paths import FILE_MODE, ensure_dir

log = logging.getLogger("quilltap_tui.mcp")
TOKEN_ENV = "QUILLTAP_MCP_TOKEN"  # noqa: S105 - the variable's name, not a secret
MCP_PATH = "/mcp"
DEFAULT_PORT = 8765
LISTEN_BACKLOG = 2048  # uvicorn's own default
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Loggers that would print request URLs or bodies at INFO or below (a query-string key, a prompt).
_QUIET = ("httpx", "httpx2", "httpcore", "httpcore2", "openai", "anthropic", "uvicorn.access", "mcp", "sse_starlette")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class HttpOptions:
    host: str
    port: int
    token: str | None


def protect_stdout() -> BinaryIO:
    """Take the real stdout for the protocol and point file descriptor 1 (and ``sys.stdout``) at stderr.

    From here on a stray ``print``, a library's warning or a child process's output lands on stderr,
    never in the protocol stream. Returns the protocol's own handle on the original stdout.
    """
    sys.stdout.flush()
    wire = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return wire


def setup_logging(log_file: Path, *, debug: bool = False) -> None:
    """INFO (DEBUG with ``--debug``) to stderr and to ``log_file``; chatty libraries held at WARNING."""
    ensure_dir(log_file.parent)
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    os.close(fd)
    log_file.chmod(FILE_MODE)
    formatter = logging.Formatter(_FORMAT)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    handlers.append(RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=2, encoding="utf-8"))
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def http_options(host: str | None, port: int | None, environ: Mapping[str, str]) -> HttpOptions:
    """Check the HTTP settings before anything starts: a non-loopback host needs a token (else exit 2)."""
    chosen = host or "127.0.0.1"
    token = (environ.get(TOKEN_ENV) or "").strip() or None
    if not is_loopback(chosen) and token is None:
        raise Invalid(
            "host",
            f"--host {chosen} is not a loopback address, so the server needs a bearer token: set {TOKEN_ENV} "
            "(a long random string that clients send as 'Authorization: Bearer ...').",
        )
    chosen_port = DEFAULT_PORT if port is None else port
    if not 0 <= chosen_port <= 65535:
        raise Invalid("port", f"--port must be between 0 and 65535, not {chosen_port}.")
    return HttpOptions(chosen, chosen_port, token)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def serve_stdio(server: Any, wire: BinaryIO) -> None:
    """Serve over stdin and ``wire`` (the original stdout, from :func:`protect_stdout`)."""
    import io

    import anyio
    from mcp.server.stdio import stdio_server

    stdout = anyio.wrap_file(io.TextIOWrapper(wire, encoding="utf-8", newline="\n"))
    async with stdio_server(stdout=stdout) as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


async def serve_http(server: Any, options: HttpOptions) -> None:
    """Streamable HTTP on ``options``; the address actually bound (``--port 0`` picks one) goes to stderr."""
    import uvicorn

    app: AsgiApp = server.streamable_http_app(streamable_http_path=MCP_PATH, host=options.host)
    if options.token is not None:
        app = BearerGate(app, options.token)
    family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((options.host.strip("[]"), options.port))
    port = sock.getsockname()[1]
    # Listening before the address is announced: a client that connects as soon as it reads the line waits in
    # the backlog until uvicorn accepts, instead of being refused (seen once in a full test run).
    sock.listen(LISTEN_BACKLOG)
    shown = f"[{options.host.strip('[]')}]" if family == socket.AF_INET6 else options.host
    print(f"quilltap-tui MCP server at http://{shown}:{port}{MCP_PATH}", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=5,
                            backlog=LISTEN_BACKLOG)
    await uvicorn.Server(config).serve(sockets=[sock])


class BearerGate:
    """ASGI wrapper: every HTTP request needs ``Authorization: Bearer <token>``; others get 401."""

    def __init__(self, app: AsgiApp, token: str) -> None:
        self.app = app
        self._token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._allowed(scope):
            await _unauthorized(send)
            return
        await self.app(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        header = next((value for name, value in scope.get("headers", []) if name.lower() == b"authorization"), b"")
        scheme, _, given = bytes(header).partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self._token)


async def _unauthorized(send: Send) -> None:
    body = json.dumps({"error": "unauthorized", "message": f"Send the token from {TOKEN_ENV} as a bearer token."})
    await send({
        "type": "http.response.start",
        "status": 401,
        "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b'Bearer realm="quilltap-tui"')],
    })
    await send({"type": "http.response.body", "body": body.encode()})
