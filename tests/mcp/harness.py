"""Driving the real ``quilltap-tui mcp`` with the official SDK's own client, over stdio and over HTTP.

The server always runs as a subprocess (``python -m quilltap_tui mcp``), exactly as an MCP client
starts it; its stderr goes to a file the tests read (and search for secrets).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

from mcp.client.stdio import stdio_client

from mcp import Client, StdioServerParameters
from tests.fakes.image_servers import TEST_KEYS
from tests.support import Cli, base_env


def server_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment a client would give the server: the isolated home, the file vault's passphrase."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_") and not k.endswith("_API_KEY")}
    env.update(base_env(home))
    env["QUILLTAP_MAX_RETRIES"] = "0"
    env.update(extra)
    return env


def add_profile(cli: Cli, base_url: str, name: str = "art", model: str = "gpt-image-1", *extra: str,
                key: str | None = None) -> None:
    """An OpenAI image profile pointed at a fake (its key added once, as ``k``)."""
    if cli("keys", "list", "--json").json() == []:
        result = cli("keys", "add", "--provider", "openai", "--label", "k", stdin=(key or TEST_KEYS["openai"]) + "\n")
        assert result.code == 0, result.err
    result = cli("image-profiles", "add", "--name", name, "--provider", "openai", "--model", model, "--key", "k",
                 "--base-url", base_url, *extra)
    assert result.code == 0, result.err


@contextlib.asynccontextmanager
async def stdio_session(home: Path, *args: str, stderr: Path | None = None,
                        env: Mapping[str, str] | None = None) -> AsyncIterator[Client]:
    """An SDK client connected to ``python -m quilltap_tui mcp ARGS`` over stdio."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "quilltap_tui", "mcp", *args], env=dict(env or server_env(home))
    )
    log = stderr or home.parent / "mcp-stderr.log"
    with log.open("a", encoding="utf-8") as errlog:
        async with Client(stdio_client(params, errlog=errlog), read_timeout_seconds=60) as client:
            yield client


class HttpServer:
    """``quilltap-tui mcp --transport http --port 0`` as a subprocess; ``url`` is where it listens."""

    def __init__(self, home: Path, *args: str, env: Mapping[str, str] | None = None) -> None:
        self.stderr_path = home.parent / "mcp-http-stderr.log"
        self._stderr = self.stderr_path.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "quilltap_tui", "mcp", "--transport", "http", "--port", "0", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr, env=dict(env or server_env(home)),
        )
        self.url = self._wait_for_url()

    def _wait_for_url(self, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"MCP server at (http://\S+/mcp)", self.stderr_path.read_text(encoding="utf-8"))
            if found:
                return found.group(1)
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited: {self.stderr_path.read_text(encoding='utf-8')}")
            time.sleep(0.05)
        raise AssertionError("the HTTP server did not start")

    def stop(self) -> str:
        """Stop the server (SIGTERM, as a service manager would) and return its stdout."""
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=20)
        self._stderr.close()
        return out.decode("utf-8", "replace")


@contextlib.contextmanager
def http_server(home: Path, *args: str, env: Mapping[str, str] | None = None) -> Iterator[HttpServer]:
    server = HttpServer(home, *args, env=env)
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()


class HangingUpstream:
    """An image API that accepts a request and never answers; it notes when the client hangs up.

    Lets a test see that cancelling an MCP request really aborts the provider call (the connection is
    closed), rather than leaving it running in the background.
    """

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.received = threading.Event()
        self.aborted = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1"

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            conn, _ = self._sock.accept()
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                self.received.set()
                conn.settimeout(60)
                while True:  # the body, then nothing: recv returns b"" once the client closes
                    if not conn.recv(65536):
                        self.aborted.set()
                        return

    def close(self) -> None:
        self._sock.close()


def gallery_count(home: Path) -> int:
    import sqlite3

    con = sqlite3.connect(home / "quilltap.db")
    try:
        return int(con.execute("select count(*) from generated_image").fetchone()[0])
    finally:
        con.close()


def image_files(home: Path) -> list[Path]:
    root = home / "images"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def dump(result: Any) -> str:
    """A result as the JSON that went over the wire."""
    return result.model_dump_json(by_alias=True, exclude_none=True)


def file_bytes(path: str | Path) -> bytes:
    """A file's bytes (a plain function: the async tests read results after the server is done)."""
    return Path(path).read_bytes()


def home_files(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file()]
