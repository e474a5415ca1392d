"""Adding a tool is its module plus one catalogue entry, over MCP too: the server declares it from its own
declaration and answers a call with its result, with nothing added under mcp_server/."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from mcp import Client
from quilltap_tui.mcp_server.server import QuilltapMcp, build_server
from quilltap_tui.services import profiles
from quilltap_tui.tools import catalogue
from quilltap_tui.tools.call import ToolContext, ToolResult
from quilltap_tui.tools.catalogue import CatalogueEntry, Needs, ToolBinding
from quilltap_tui.tools.registry import Tool
from quilltap_tui.tools.spec import ToolSpec
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


class WhichProfile:
    """A throwaway tool that needs an image profile: it says which one it was bound to."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.spec = ToolSpec("which_profile", "The image profile in use.", {"type": "object", "properties": {}})

    async def run(self, arguments: Mapping[str, Any], context: ToolContext) -> ToolResult:
        return ToolResult(ok=True, result={"profile": self.name}, for_model={"profile": self.name})


def _which(binding: ToolBinding) -> Tool:
    ports, profile = binding.image_tool()
    assert ports is not None  # bound to the served profile's image ports, as a chat's tool is
    return WhichProfile(profile.name)


async def test_a_tool_that_needs_an_image_profile_runs_with_the_default_served_one(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = CatalogueEntry("which_profile", "Which profile", Needs(image_profile=True), _which)
    monkeypatch.setattr(catalogue, "ENTRIES", (*catalogue.ENTRIES, entry))
    ctx = make_ctx(home)
    try:
        async with Client(build_server(QuilltapMcp(ctx))) as client:
            before = [tool.name for tool in (await client.list_tools()).tools]
            refused = await client.call_tool("which_profile", {})
            for name, default in (("art", False), ("wide", True)):
                profiles.create(ctx, profiles.IMAGE, name=name, provider="openai", model="gpt-image-2",
                                default=default)
            after = [tool.name for tool in (await client.list_tools()).tools]
            answered = await client.call_tool("which_profile", {})
    finally:
        ctx.close()
    assert before == ["generate_image", "list_image_profiles"]  # nothing to bind it to yet
    assert refused.is_error and "which_profile" in refused.content[0].text
    assert after == ["generate_image", "edit_image", "which_profile", "list_image_profiles"]
    assert answered.structured_content == {"profile": "wide"}
