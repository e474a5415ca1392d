"""The real server over Streamable HTTP on a real 127.0.0.1 port: tools, generation, resources, bearer tokens."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp.client.streamable_http import streamable_http_client

from mcp import Client
from tests.fakes.image_servers import FakeOpenAIImages
from tests.mcp.harness import (
    HangingUpstream,
    add_profile,
    file_bytes,
    gallery_count,
    http_server,
    image_files,
    server_env,
)
from tests.support import Cli

TOKEN = "tok-7f3a9c2e51b84d6a9e0f1c2b3a4d5e6f"


async def test_http_serves_tools_generation_and_resources(cli: Cli, home: Path, openai_fake: FakeOpenAIImages) -> None:
    add_profile(cli, openai_fake.base_url, "art", "gpt-image-1", "--default")
    with http_server(home) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/mcp")
        async with Client(server.url) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            result = await client.call_tool("generate_image", {"prompt": "a red kite", "quality": "low"})
            image = result.structured_content["images"][0]
            read = await client.read_resource(f"quilltap://images/{image['id']}")
            missing = await _read_error(client, "quilltap://images/0000")
        out = server.stop()
    assert names == {"generate_image", "edit_image", "list_image_profiles"}
    assert not result.is_error and result.structured_content["used"]["quality"] == "low"
    assert base64.b64decode(read.contents[0].blob) == file_bytes(image["path"])
    assert missing == "No gallery image at quilltap://images/0000."
    assert out == ""  # nothing on stdout over HTTP either
    assert cli("audit", "--json").json()[0]["source"] == "mcp"


async def _read_error(client: Client, uri: str) -> str:
    from mcp import MCPError

    try:
        await client.read_resource(uri)
    except MCPError as exc:
        return exc.message
    raise AssertionError("reading a missing image succeeded")


async def test_bearer_token_is_required_once_set(cli: Cli, home: Path, openai_fake: FakeOpenAIImages) -> None:
    add_profile(cli, openai_fake.base_url, "art", "gpt-image-1", "--default")
    with http_server(home, env=server_env(home, QUILLTAP_MCP_TOKEN=TOKEN)) as server:
        async with httpx2.AsyncClient() as http:
            body = {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}}
            headers = {"Accept": "application/json, text/event-stream"}
            missing = await http.post(server.url, json=body, headers=headers)
            wrong = await http.post(server.url, json=body, headers={**headers, "Authorization": "Bearer nope"})
            other_scheme = await http.post(server.url, json=body, headers={**headers, "Authorization": TOKEN})
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}) as authed,
            Client(streamable_http_client(server.url, http_client=authed)) as client,
        ):
            profiles = await client.call_tool("list_image_profiles", {})
        server.stop()
    for response in (missing, wrong, other_scheme):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert TOKEN not in response.text
    assert [p["name"] for p in profiles.structured_content["profiles"]] == ["art"]
    assert TOKEN.encode() not in file_bytes(server.stderr_path)


def test_non_loopback_host_without_token_is_exit_2(cli: Cli) -> None:
    result = cli("mcp", "--transport", "http", "--host", "0.0.0.0")
    assert result.code == 2
    assert result.last_err_line.startswith("quilltap-tui: --host 0.0.0.0 is not a loopback address")
    assert "QUILLTAP_MCP_TOKEN" in result.last_err_line


def test_host_and_port_need_http(cli: Cli) -> None:
    result = cli("mcp", "--port", "9000")
    assert result.code == 2
    assert result.last_err_line == "quilltap-tui: --port applies to --transport http; stdio needs no address."


async def test_http_progress_and_cancellation(cli: Cli, home: Path) -> None:
    upstream = HangingUpstream()
    add_profile(cli, upstream.base_url, "art", "gpt-image-1", "--default")
    notes: list[str | None] = []
    started = anyio.Event()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        notes.append(message)
        if len(notes) >= 2:  # the first note and one heartbeat came over the request's SSE stream
            started.set()

    try:
        with http_server(home) as server:
            async with Client(server.url) as client:
                async with anyio.create_task_group() as group:
                    group.start_soon(
                        lambda: client.call_tool("generate_image", {"prompt": "never"}, progress_callback=on_progress)
                    )
                    with anyio.fail_after(30):
                        await started.wait()
                    group.cancel_scope.cancel()
                assert await asyncio.to_thread(upstream.aborted.wait, 20)
            server.stop()
    finally:
        upstream.close()
    assert notes[0] == "Sending the request to the image provider."
    assert notes[1] is not None and notes[1].startswith("Waiting for the image provider")
    assert gallery_count(home) == 0 and image_files(home) == []


async def test_the_announced_address_already_accepts_connections(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A client that connects the moment it reads the address is queued, not refused (it was refused once in
    a full run: the socket was bound, announced, and only made to listen later by uvicorn)."""
    import re
    import socket

    import uvicorn

    from quilltap_tui.mcp_server.transports import HttpOptions, serve_http

    connected: list[bool] = []

    async def serve_later(self: uvicorn.Server, sockets: list[socket.socket]) -> None:
        # uvicorn has not started yet: connect to what was announced, as a client would at once.
        found = re.search(r"http://127\.0\.0\.1:(\d+)/mcp", capsys.readouterr().err)
        assert found is not None
        with socket.create_connection(("127.0.0.1", int(found.group(1))), timeout=5):
            connected.append(True)
        sockets[0].close()

    monkeypatch.setattr(uvicorn.Server, "serve", serve_later)

    class _App:
        def streamable_http_app(self, **_: object) -> object:
            return object()

    await serve_http(_App(), HttpOptions("127.0.0.1", 0, None))
    assert connected == [True]
