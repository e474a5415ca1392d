"""A profile whose provider is no longer installed (its plug-in was uninstalled) is listed, never a crash.

``image-profiles list``, ``chat-profiles list`` and the MCP server's ``list_image_profiles`` show it as
unavailable with its provider id; using it (``generate``, ``ask``) is exit 3 and one sentence saying what
to do. The plug-in is the one of ``test_plugin_provider`` ("pip-installed" by putting it on sys.path).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from quilltap_tui.providers import registry
from tests.mcp.harness import stdio_session
from tests.providers.test_plugin_provider import KEY, PLUGINS
from tests.support import Cli


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """A home with a PixelPress image profile and a chat profile of a chat plug-in, both since removed."""
    made = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.syspath_prepend(str(PLUGINS))
    registry.reset()
    assert made("keys", "add", "--provider", "pixelpress", "--label", "pp", stdin=KEY + "\n").code == 0
    for args in (("image-profiles", "add", "--name", "press", "--provider", "pixelpress", "--model", "pixel-1",
                  "--key", "pp", "--base-url", "http://127.0.0.1:9/v2", "--default"),
                 ("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "gpt-5", "--default")):
        result = made(*args)
        assert result.code == 0, result.err
    with sqlite3.connect(made.home / "quilltap.db") as db:  # as if a chat plug-in "gonechat" had made it
        db.execute("UPDATE chat_profile SET provider = 'gonechat' WHERE name = 'talk'")
    sys.path.remove(str(PLUGINS))  # pip uninstall
    sys.modules.pop("quilltap_pixelpress", None)
    registry.reset()
    yield made
    registry.reset()


def test_lists_show_the_profiles_as_unavailable(cli: Cli) -> None:
    images = cli("image-profiles", "list")
    assert images.code == 0, images.err
    assert "pixelpress (not installed)" in images.out and "press" in images.out
    (view,) = cli("image-profiles", "list", "--json").json()
    assert (view["name"], view["provider"], view["available"]) == ("press", "pixelpress", False)
    assert view["effective_base_url"] == "http://127.0.0.1:9/v2"
    chats = cli("chat-profiles", "list")
    assert chats.code == 0 and "gonechat (not installed)" in chats.out
    assert cli("chat-profiles", "list", "--json").json()[0]["available"] is False
    assert cli("image-profiles", "show", "press").code == 0


def test_using_them_is_one_sentence_and_exit_3(cli: Cli) -> None:
    generated = cli("generate", "a cat")
    assert generated.code == 3
    assert generated.err.strip() == (
        "quilltap-tui: The image profile 'press' uses the provider 'pixelpress', which is not installed (a removed "
        "plug-in?): reinstall it, or switch the profile with `quilltap-tui image-profiles edit press --provider ID`.")
    asked = cli("ask", "--chat-profile", "talk", "hi")
    assert asked.code == 3
    assert asked.err.strip().splitlines()[-1].startswith(
        "quilltap-tui: The chat profile 'talk' uses the provider 'gonechat', which is not installed")


async def test_the_mcp_listing_names_it_unavailable(cli: Cli) -> None:
    async with stdio_session(cli.home) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        listed = await client.call_tool("list_image_profiles", {})
    assert "generate_image" in tools and not listed.is_error
    (entry,) = json.loads(listed.content[0].text)["profiles"]  # type: ignore[union-attr]
    assert (entry["name"], entry["provider"], entry["available"]) == ("press", "pixelpress", False)
    assert "not installed" in entry["problem"]
