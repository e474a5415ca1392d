"""A canary key through the MCP server: never in what it sends, prints, logs or stores, whole or in part.

The provider is made to echo the key back (in full and masked), and the server runs with ``--debug``
over stdio and over HTTP; every result, both servers' stdout and stderr, and every file under the home
(database, log files, vault, images) are searched.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from mcp import Client
from tests.fakes.image_servers import FakeOpenAIImages, openai_error
from tests.faults.image_cases import middle
from tests.mcp.harness import add_profile, dump, file_bytes, home_files, http_server, stdio_session
from tests.support import Cli

CANARY = "sk-proj-CANARYm1c2p3s4e5r6v7e8r9k0e1y2z3x4w5v6"
NEEDLES = [CANARY.encode(), middle(CANARY).encode(), CANARY[4:-4].encode(), CANARY[-12:].encode()]


def hits(data: bytes) -> list[bytes]:
    return [needle for needle in NEEDLES if needle in data]


async def test_canary_key_never_leaves_the_server(cli: Cli, home: Path) -> None:
    sent: list[str] = []
    with FakeOpenAIImages(api_key=CANARY) as fake:
        await asyncio.to_thread(add_profile, cli, fake.base_url, "art", "gpt-image-1", "--default", key=CANARY)
        stderr = home.parent / "stdio-stderr.log"
        async with stdio_session(home, "--debug", stderr=stderr) as client:
            sent.append(dump(await client.list_tools()))
            sent.append(dump(await client.call_tool("list_image_profiles", {})))
            made = await client.call_tool("generate_image", {"prompt": "a canary"})
            sent.append(dump(made))
            sent.append(dump(await client.list_resources()))
            sent.append(dump(await client.read_resource(f"quilltap://images/{made.structured_content['images'][0]['id']}")))
            fake.script(openai_error(401, f"Incorrect API key provided: {CANARY}.", code="invalid_api_key"))
            refused = await client.call_tool("generate_image", {"prompt": "again"})
            sent.append(dump(refused))
            fake.script(openai_error(401, f"Incorrect API key provided: {CANARY[:8]}****{CANARY[-4:]}.",
                                     code="invalid_api_key"))
            sent.append(dump(await client.call_tool("generate_image", {"prompt": "and again"})))
        with http_server(home, "--debug") as server:
            async with Client(server.url) as client:
                fake.script(openai_error(400, f"bad request for key {CANARY}", param="prompt"))
                sent.append(dump(await client.call_tool("generate_image", {"prompt": "over http"})))
                sent.append(dump(await client.call_tool("generate_image", {"prompt": "over http, fine"})))
            http_stdout = server.stop()
        assert all(r.headers.get("authorization") == f"Bearer {CANARY}" for r in fake.requests)  # it was used

    assert refused.is_error and "API key" in refused.content[0].text
    for text in sent:
        assert hits(text.encode()) == [], text[:300]
    assert hits(http_stdout.encode()) == []
    for log in (stderr, server.stderr_path):
        logged = file_bytes(log)
        assert logged.strip(), "the servers logged something"
        assert hits(logged) == [], log
    files = home_files(home)
    assert any(p.name == "mcp.log" for p in files) and any(p.suffix == ".db" for p in files)
    for path in files:
        assert hits(file_bytes(path)) == [], f"{path} holds the key"
