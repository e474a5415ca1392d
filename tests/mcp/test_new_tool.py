"""Adding a tool is its module plus one catalogue entry, over MCP too: the server declares it from its own
declaration and answers a call with its result, with nothing added under mcp_server/."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp import Client
from quilltap_tui.mcp_server.server import QuilltapMcp, build_server
from quilltap_tui.tools import catalogue
from quilltap_tui.tools.catalogue import CatalogueEntry, Needs
from tests.chat_support import make_ctx
from tests.tools.test_catalogue import Clock, _clock


async def test_a_catalogue_entry_is_served_over_mcp(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue, "ENTRIES", (*catalogue.ENTRIES, CatalogueEntry("clock", "Clock", Needs(), _clock)))
    ctx = make_ctx(home)
    try:
        async with Client(build_server(QuilltapMcp(ctx))) as client:
            listed = {tool.name: tool for tool in (await client.list_tools()).tools}
            answered = await client.call_tool("clock", {})
    finally:
        ctx.close()
    assert list(listed) == ["generate_image", "clock", "list_image_profiles"]
    clock = listed["clock"]
    assert (clock.title, clock.description, clock.input_schema) == ("Clock", Clock.spec.description,
                                                                    Clock.spec.input_schema)
    assert not answered.is_error and answered.structured_content == {"time": "12:00"}
    assert answered.content[0].text == '{"time": "12:00"}'
